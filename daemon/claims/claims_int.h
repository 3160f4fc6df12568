/* claims_int.h — internal interfaces of the claim extractor (the daemon/claims/ sources files).
 * Not for other modules: include/claimd/claims.h is the public face.
 *
 *   arena_   per-call bump allocator for the many short strings
 *   lex_     lexicons loaded from conf/lexicon (cues, hedges, denials, titles, gazetteer)
 *   sent_    tokenizer and sentence splitter
 *   ent_     entities (gazetteer, person names with titles) and light coreference
 *   attr_    attribution: speaker, cue, stance
 *   qty_     quantities
 *   timex_   time expressions resolved against the published date
 */
#ifndef CLAIMD_CLAIMS_INT_H
#define CLAIMD_CLAIMS_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "claimd/claims.h"

#define CLAIMS_MAX_TEXT CLAIMS_TEXT_MAX   /* bytes of text per call (claims.h) */
#define CLAIMS_MAX_SENT_TOKENS 400       /* longer sentences are cut */
#define CLAIMS_MAX_SENT_BYTES 4000       /* longer sentences are not claims */
#define CLAIMS_MAX_PER_ARTICLE 400
#define CLAIMS_MAX_ITEMS 16              /* quantities, entities, times per claim */
#define LEX_MAX_PHRASE 8                 /* words in a lexicon phrase */

/* ---- arena ---- */
struct arena;
struct arena *arena_new(void);
struct arena *arena_free(struct arena *a);
void arena_reset(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* ---- lexicon ---- */
enum stance { ST_ASSERT = 0, ST_SPECULATE, ST_ALLEGE, ST_DENY };
enum cue_kind { CK_VERB = 0, CK_PREP, CK_IMPERSONAL, CK_PASSIVE, CK_OBJECT, CK_NOUN };
enum ent_type { ET_NONE = 0, ET_COUNTRY, ET_CITY, ET_ORG, ET_GROUP, ET_PERSON, ET_OTHER };

/* One lexicon phrase: words in lower case. */
struct lex_entry {
	const char *words[LEX_MAX_PHRASE];
	uint8_t nwords;
	uint8_t stance;   /* enum stance */
	uint8_t kind;     /* cue_kind, or ent_type for the gazetteer */
	uint32_t flags;
	const char *canon; /* gazetteer: canonical name */
	const char *code;  /* gazetteer: ISO 3166 alpha-2 or NULL */
	const char *text;  /* phrase as written in the file */
	struct lex_entry *next; /* hash chain on first word */
};

#define LEXF_DEMONYM 1     /* gazetteer: adjective form ("Russian") */
#define LEXF_ALIAS 2       /* gazetteer: alias, acronym */
#define LEXF_CASELESS 4    /* may match in lower case */

/* A phrase table: chains hashed on the first word. */
#define LEX_BUCKETS 8192u
struct lex_table {
	uint32_t bit; /* this table's bit in tok.tb */
	size_t n;
	struct lex_entry *b[LEX_BUCKETS];
};

struct lexicon {
	struct lex_table *cues;
	struct lex_table *hedges;
	struct lex_table *denials;
	struct lex_table *titles;
	struct lex_table *gazetteer;
	struct lex_table *nonclaims; /* "declined to comment" */
	struct lex_table *opinion;   /* "hopeful", "would like" */
	struct lex_table *background; /* "is located": description, not a claim, when unsourced */
	struct lex_table *words; /* word classes: abbrev, starter, stop, generic heads ... */
	struct lex_index *ix;    /* every word lex_tag() looks up, once per token */
	struct tagger *tagger;   /* part-of-speech model (claimd/tag.h), NULL without one; loaded
				  * and freed by claims_new()/claims_free(), not by lex_ */
	char *pool;              /* owns all strings */
	size_t pool_len, pool_cap;
};

/* word classes in lexicon->words (flags) */
#define WC_ABBREV 1      /* "Mr." — never ends a sentence */
#define WC_WEAKABBR 2    /* "Inc." — ends one only before a sentence starter */
#define WC_STARTER 4     /* capitalised function word that starts sentences */
#define WC_ORGHEAD 8     /* "Ministry", "Service" — makes a name an organisation */
#define WC_GENERIC 16    /* "agency", "company" — a coreferent head after "the" */
#define WC_GROUPNOUN 32  /* "officials", "experts" — plural speakers */
#define WC_SOURCE 64     /* "source", "people familiar" — unnamed sources */
#define WC_STOP 128      /* function words that end a unit noun phrase */
#define WC_DATANOUN 256  /* "data", "figures" — "according to data from X" */
#define WC_AUX 512       /* auxiliaries and adverbs between a speaker and its cue */
#define WC_SUBORD 1024   /* "Despite", "While" — a leading clause up to its comma */
#define WC_CONNECT 2048  /* "But", "However" — a leading connective */
#define WC_DET 4096      /* determiners and possessive pronouns */
#define WC_DOCNOUN 8192  /* "statement", "tweet" — stands for the previous speaker */
#define WC_CLAIMNOUN 16384 /* "accusations" — the object that makes "rejected" a denial */
#define WC_VERBISH 32768 /* finite verbs that cannot be inside a subject noun phrase */
#define WC_CUTWORD 65536 /* words that end a speaker phrase after an inverted cue */
#define WC_UNIT 131072   /* measure words: percent, kilometer, years */
#define WC_NUMWORD 262144 /* number words and scales: "two", "million", "thousands" */
#define WC_BE (1u << 19)       /* forms of "be": a participle cue after one is passive */
#define WC_ACCUSER (1u << 20)  /* "prosecutors", "the indictment": their account alleges */
#define WC_PERSONAL (1u << 21) /* personal pronouns that may be a speaker ("he", "they") */
#define WC_SUBCONJ (1u << 22)  /* "when", "because": a modal after one is not the main verb's */
#define WC_ROLE (1u << 23)     /* "suspect", "agent": a definite one refers to a person named before */
#define WC_PLACEHEAD (1u << 24) /* "Area", "Street", "Hotel": a capitalised name with it is no person */

int lex_load(struct lexicon *lx, const char *dir, char *err, size_t errlen);
void lex_release(struct lexicon *lx);
/* Longest phrase of table t starting at token i (lower-case words w[0..n)). Returns the
 * entry and sets *ret_len to the number of tokens matched, or NULL. */
const struct lex_entry *lex_match(const struct lex_table *t, const char *const *w, size_t n,
				  size_t i, size_t *ret_len);
unsigned lex_word_class(const struct lexicon *lx, const char *lw);
struct tok;
/* The same on tokens tagged by lex_tag() (fast: rejects a word no phrase starts with). */
const struct lex_entry *lex_match_tok_at(const struct lex_table *t, const struct tok *tk, size_t nt,
					 size_t i, size_t *ret_len);
/* Sets each token's table bits, word classes and built-in lists (the hash of lw is set by
 * sent_tokenize()). */
void lex_tag(const struct lexicon *lx, struct tok *t, size_t nt);

/* ---- tokens and sentences ---- */
enum tok_kind { TK_WORD = 0, TK_NUM, TK_PUNCT, TK_QOPEN, TK_QCLOSE };
#define TF_CAP 1       /* starts with an upper-case letter */
#define TF_ALLCAP 2    /* two or more letters, all upper case */
#define TF_POSS 4      /* the possessive "'s" or a trailing "'" */
#define TF_INQ 8       /* inside double quotes */
#define TF_DOTTED 16   /* "U.S." */
#define TF_NUMHYPH 32  /* "48-year-old" */
#define TF_SPACE 64    /* whitespace before this token */
#define TF_HYPHEN 128  /* lw contains a '-' */

struct tok {
	const char *s;   /* into the paragraph text */
	const char *lw;  /* lower-case, quotes folded, soft hyphens removed */
	uint32_t wc;     /* word classes (WC_*), filled once by sent_classify() */
	uint32_t h;      /* FNV-1a hash of lw (set by sent_tokenize) */
	uint32_t tb;     /* lexicon tables with a phrase starting with this word */
	uint32_t n;
	uint8_t kind;
	uint8_t flags;
	uint8_t month;   /* 1..12: a month name or abbreviation ("sept" too) */
	uint8_t kw;      /* KW_* built-in word lists */
};

/* tok.kw: built-in word lists, tagged once by lex_tag() */
#define KW_CAL 1    /* month or weekday name ("jan", "sept"... but not "mar", "may" is a month) */
#define KW_NUM 2    /* a number word, scale or vague amount of qty_words() */
#define KW_AHEAD 4  /* a word that makes a sentence look ahead ("will", "scheduled") */
#define KW_TIME 8   /* besides months and numbers, a word a time expression starts with */

struct sentence {
	const char *s;
	size_t n;
	struct tok *t;
	size_t nt;
	size_t para;        /* paragraph index */
	size_t index_in_para;
	bool starts_in_quote; /* begins inside a quotation opened in an earlier sentence */
	bool quote_only;      /* every word is inside quotation marks */
	bool ends_in_quote;   /* a quotation is still open at the end */
	const uint8_t *upos;  /* universal POS tag of each token (enum upos, claimd/tag.h), or
			       * NULL when the sentence was not tagged: rules then fall back to
			       * the word lists alone */
};

/* Tokenizes one paragraph into the arena. Returns the number of tokens. */
size_t sent_tokenize(struct arena *a, const char *p, size_t n, struct tok **ret);
/* Looks up the word class of every token once. */
void sent_classify(const struct lexicon *lx, struct tok *t, size_t nt);
/* Splits tokens of one paragraph into sentences (appended to *sv, *nsv). */
int sent_split(struct arena *a, const struct lexicon *lx, const char *p, struct tok *t,
	       size_t nt, size_t para, struct sentence **sv, size_t *nsv, size_t *cap);

/* ---- entities ---- */
struct mention {
	uint16_t b, e;       /* token range [b,e) in the sentence */
	uint8_t type;        /* enum ent_type */
	const char *text;    /* as written */
	const char *name;    /* canonical */
	const char *code;    /* ISO 3166 alpha-2 or NULL */
	bool plural;
};

/* Article-wide memory for coreference. */
#define DISC_MAX 64
#define COREF_MAX 32
enum gender { G_UNKNOWN = 0, G_MALE, G_FEMALE };
struct antecedent {
	const char *text, *name; /* as first written, canonical */
	uint8_t type;            /* ET_PERSON or ET_ORG (groups count as organisations) */
	uint8_t gender;          /* enum gender, for persons */
	uint32_t sent;           /* sentence number of the last mention */
	bool spoke;              /* was a speaker (salient: "he", "they" prefer it) */
};
struct discourse {
	struct antecedent ante[COREF_MAX]; /* named people and organisations, oldest first */
	size_t nante;
	uint32_t sent_no;                  /* sentences read so far */
	const char *persons[DISC_MAX]; /* canonical names of persons with a full name */
	size_t npersons;
	const char *orgs[DISC_MAX];    /* canonical names of organisations and groups */
	size_t norgs;
	const char *last_speaker_text, *last_speaker_name;
	uint8_t last_speaker_type;
	bool last_speaker_plural;
	const char *last_plural_text;   /* previous plural subject, for "They" */
	uint32_t last_plural_sent;      /* the sentence that named it (a list of names) */
	const char *last_person_text, *last_person_name;
	const char *last_org_text, *last_org_name;
	const char *subject_org_name; /* last organisation that led a sentence or spoke */
	const char *para_speaker_text, *para_speaker_name; /* speaker of the previous paragraph */
	uint8_t para_speaker_type;
	bool seen_north_korea;
	size_t untagged; /* sentences the tagger could not take: their rules ran without tags */
};

size_t ent_find(struct arena *a, const struct lexicon *lx, const struct sentence *s,
		struct discourse *d, struct mention *out, size_t max);
/* The canonical name of a person mentioned by surname only, or NULL. */
const char *ent_person_full(const struct discourse *d, const char *surname);
void ent_remember(struct discourse *d, const struct mention *m, size_t n);

/* ---- coreference (coref.c) ---- */
/* Notes a named person or organisation (other types are ignored) as the most recent. */
void coref_note(struct discourse *d, const char *text, const char *name, uint8_t type, bool spoke);
/* Sets the gender of a noted person when it is not known yet. */
void coref_gender(struct discourse *d, const char *name, uint8_t gender);
/* The most recent antecedent of the type (ET_PERSON, or any organisation type) and, for a
 * person, not of the other gender; within > 0 limits it to that many sentences back. */
const struct antecedent *coref_find(const struct discourse *d, uint8_t type, uint8_t gender, uint32_t within);

/* ---- attribution ---- */
struct attribution {
	bool found;
	const char *speaker_text;  /* NULL when unattributed */
	const char *speaker_name;
	uint8_t speaker_type;      /* enum ent_type (ET_GROUP for plural nouns) */
	bool speaker_plural;
	const char *cue;           /* as written, or NULL */
	size_t cue_e;              /* token after the cue */
	uint8_t stance;
	size_t content_b, content_e; /* token range of the reported content */
	bool from_context;         /* speaker carried over from an earlier sentence */
};

/* Up to max attributions of sentence s (usually 0 or 1; 2 when two clauses report). */
size_t attr_find(struct arena *a, const struct lexicon *lx, struct sentence *s,
		 const struct mention *m, size_t nm, struct discourse *d, struct attribution *out,
		 size_t max);
/* Stance from cue, hedges and denials; hedges found are written to hedges (max). */
uint8_t attr_stance(const struct lexicon *lx, const struct sentence *s,
		    const struct attribution *at, const char **hedges, size_t *nhedges, size_t max);

/* ---- quantities ---- */
struct quantity {
	const char *text;
	double value;
	const char *qualifier; /* NULL when none */
	const char *unit;      /* NULL when none */
};
size_t qty_find(struct arena *a, const struct lexicon *lx, const struct sentence *s,
		struct quantity *out, size_t max);
/* The number words, scales and vague amounts qty_find() knows (for KW_NUM), NULL-ended. */
const char *const *qty_words(void);

/* ---- time ---- */
struct timex {
	const char *text;
	const char *value; /* ISO date, month, year or interval; NULL when unresolved */
};
/* pub: published date as y, m, d (0 when unknown). */
size_t timex_find(struct arena *a, const struct sentence *s, int py, int pm, int pd,
		  struct timex *out, size_t max);

/* ---- ASCII character classes (the C locale's, from one table: no locale calls) ---- */
#define CC_DIGIT 1
#define CC_UPPER 2
#define CC_LOWER 4
#define CC_SPACE 8
extern const uint8_t claims_ctype[256];
static inline bool c_isdigit(int c) { return claims_ctype[(uint8_t)c] & CC_DIGIT; }
static inline bool c_isupper(int c) { return claims_ctype[(uint8_t)c] & CC_UPPER; }
static inline bool c_islower(int c) { return claims_ctype[(uint8_t)c] & CC_LOWER; }
static inline bool c_isalpha(int c) { return claims_ctype[(uint8_t)c] & (CC_UPPER | CC_LOWER); }
static inline bool c_isalnum(int c) { return claims_ctype[(uint8_t)c] & (CC_UPPER | CC_LOWER | CC_DIGIT); }
static inline bool c_isspace(int c) { return claims_ctype[(uint8_t)c] & CC_SPACE; }
static inline int c_tolower(int c) { return c_isupper(c) ? c + ('a' - 'A') : c; }
static inline int c_toupper(int c) { return c_islower(c) ? c - ('a' - 'A') : c; }

/* lex_match_tok_at() behind an inline test of the token's table bits: most tokens start
 * no phrase of the table. */
static inline const struct lex_entry *lex_match_tok(const struct lex_table *t, const struct tok *tk,
						    size_t nt, size_t i, size_t *ret_len)
{
	if (!t || i >= nt || !(tk[i].tb & t->bit))
		return NULL;
	return lex_match_tok_at(t, tk, nt, i, ret_len);
}

/* ---- helpers shared by the modules ---- */
static inline bool tok_is(const struct tok *t, const char *lw)
{
	const char *a = t->lw, *b = lw;
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}
char *tok_join(struct arena *a, const struct sentence *s, size_t b, size_t e);

#endif
