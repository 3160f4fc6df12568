/* tag.h — part-of-speech tagger (universal POS, averaged perceptron) and noun-phrase
 * chunker: the syntactic backbone of the claim stage (daemon/claims/tag.c).
 *
 * The model is a binary file trained from the UD English Web Treebank by
 * tools/train_tagger.c (`make model`); the shipped one is conf/lexicon/tagger.model
 * (CC BY-SA 4.0, see conf/lexicon/tagger.LICENSE). Loading it takes some 30-50 ms and
 * about 20 MB of memory; a loaded tagger is read-only and may be shared between threads.
 * Tagging allocates nothing for sentences up to TAG_STACK_TOKENS tokens and is greedy, left
 * to right, in two passes (the second also sees the first's tags to the right, and revisits
 * only the tokens the first was unsure of): about half a million words per second and
 * more (`make bench`), a third faster with the first pass alone (the _fast functions).
 * Pure: no logging, no I/O except tagger_load() and tagger_load_dir(). */
#ifndef CLAIMD_TAG_H
#define CLAIMD_TAG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Universal POS tags (universaldependencies.org/u/pos), in this order in the model. */
enum upos {
	UPOS_ADJ = 0, UPOS_ADP, UPOS_ADV, UPOS_AUX, UPOS_CCONJ, UPOS_DET, UPOS_INTJ, UPOS_NOUN,
	UPOS_NUM, UPOS_PART, UPOS_PRON, UPOS_PROPN, UPOS_PUNCT, UPOS_SCONJ, UPOS_SYM, UPOS_VERB,
	UPOS_X,
	UPOS_COUNT
};
/* "NOUN" for UPOS_NOUN; "?" out of range. */
const char *upos_name(unsigned tag);
/* The tag named s (exact, upper case), or -1. */
int upos_from_name(const char *s);

#define TAGGER_MODEL_FILE "tagger.model"   /* in the lexicon directory */
#define TAGGER_MAX_MODEL_BYTES (64u << 20) /* a larger file is refused */
#define TAG_STACK_TOKENS 256               /* longer sentences allocate scratch */

struct tagger;

/* Loads a model file. On failure returns -errno (-EINVAL: not a model or damaged,
 * -EFBIG: over TAGGER_MAX_MODEL_BYTES) and writes a reason to err. */
int tagger_load(const char *path, struct tagger **ret, char *err, size_t errlen);
/* The same from len bytes in memory (the caller keeps them; nothing points into them). */
int tagger_load_mem(const void *b, size_t len, struct tagger **ret, char *err, size_t errlen);
/* The same from dir/TAGGER_MODEL_FILE (dir NULL: claims_default_lexicon_dir()). */
int tagger_load_dir(const char *dir, struct tagger **ret, char *err, size_t errlen);
struct tagger *tagger_free(struct tagger *t);
/* Features, tag-dictionary words and weights of the loaded model. */
void tagger_stats(const struct tagger *t, size_t *ret_features, size_t *ret_dict, size_t *ret_weights);

/* A word to tag: bytes as written (UTF-8, not NUL-terminated). */
struct tag_word {
	const char *s;
	size_t n;
};

/* Tags one sentence: upos[i] gets the tag of words[i]. n == 0 is fine. Returns 0, or
 * -ENOMEM (only for n > TAG_STACK_TOKENS), when upos is left all UPOS_X. */
int tagger_tag(const struct tagger *t, const char *const *words, size_t n, uint8_t *upos);
int tagger_tag_words(const struct tagger *t, const struct tag_word *w, size_t n, uint8_t *upos);
/* On the claim stage's own tokens (daemon/claims/claims_int.h: struct tok; a sentence's
 * s->t, s->nt): the model is trained on this tokenisation too ("don't", "Ohio-based",
 * "48-year-old" as one token; "'s" apart). */
struct tok;
int tagger_tag_toks(const struct tagger *t, const struct tok *tk, size_t n, uint8_t *upos);
/* The first pass alone (no second pass that looks at the tags guessed to the right):
 * faster, and about as accurate on the treebank's test split (see `make eval`). */
int tagger_tag_words_fast(const struct tagger *t, const struct tag_word *w, size_t n, uint8_t *upos);
int tagger_tag_toks_fast(const struct tagger *t, const struct tok *tk, size_t n, uint8_t *upos);

/* ---- noun-phrase chunks ---- */

/* A base noun phrase: tokens [b, e), head the index of its head word (the last noun,
 * proper noun, pronoun or number). Possessives are inside ("the company's chief
 * executive"), so are leading determiners, numbers, adjectives, and compounds; a
 * coordination, a prepositional phrase or a relative clause is not ("the ministry" and
 * "Friday" in "the ministry on Friday"). */
struct np_chunk {
	uint32_t b, e, head;
};
/* Chunks one tagged sentence; w gives the words (only to tell the possessive "'s" and
 * "'" from other particles; may be NULL). Writes at most max chunks, in order, and
 * returns how many it wrote. */
size_t np_chunks(const uint8_t *upos, const struct tag_word *w, size_t n, struct np_chunk *out, size_t max);

/* ---- CoNLL-U, for the trainer, claimctl tag and the evaluation ---- */

#define CONLLU_MAX_TOKENS 1024 /* longer sentences are cut */
struct conllu_tok {
	char *form;
	uint8_t upos;     /* UPOS_COUNT when "_" or unknown */
	uint32_t head;    /* 1-based, 0 root */
	char deprel[32];  /* with its subtype: "nmod:poss" */
	bool space_after;
	uint32_t mwt_end; /* first word of a multiword token "don't": index of its last word + 1, else 0 */
	char *mwt_form;   /* that token's surface form */
};
struct conllu_sent {
	struct conllu_tok t[CONLLU_MAX_TOKENS];
	size_t n;
	char *buf; /* owns the strings */
	size_t buflen, bufcap;
};
/* Reads the next sentence (syntactic words only; empty nodes "8.1" are skipped). Returns 1,
 * 0 at end of file, or -errno (-EINVAL on a malformed line, with the line number in err). */
int conllu_next(FILE *fp, struct conllu_sent *s, size_t *lineno, char *err, size_t errlen);
void conllu_release(struct conllu_sent *s);
/* The sentence's text cut by the claim stage's tokenizer, each token tagged as the
 * treebank word that heads the characters it covers (an "amod" noun or verb as ADJ: the
 * "Ohio-based" of "Ohio-based company"), a multiword token ("don't") as its first word.
 * Returns 0 and new arrays (*ret_w points into *ret_text; free all three), or -EINVAL
 * when the tokens cannot be aligned, -ENOMEM. */
int conllu_claim_tokens(const struct conllu_sent *s, char **ret_text, struct tag_word **ret_w, uint8_t **ret_tags,
			size_t *ret_n);

/* ---- for the trainer (tools/train_tagger.c): the model's feature extraction ---- */

#define TAG_NFEAT_MAX 64
/* Per-token word features, computed once per token. */
struct tag_wf {
	uint32_t h[13];
	uint32_t dict; /* key in the tag dictionary */
};
struct tag_lex;
void tag_word_features(const struct tag_lex *lx, const char *s, size_t n, struct tag_wf *ret);

/* Features of token i given the word features of the sentence and the two previous tags
 * (UPOS_COUNT, UPOS_COUNT + 1 for sentence start). The tagger makes two passes, left to
 * right: the second (r: the first pass's tags of the sentence; NULL in the first) also
 * sees the tags guessed to the right. Writes up to TAG_NFEAT_MAX keys, returns how many. */
size_t tag_features(const struct tag_wf *wf, size_t n, size_t i, unsigned p1, unsigned p2, const uint8_t *r,
		    uint32_t *out);
/* Model files: written by the trainer, read by tagger_load(). dict: n_dict keys and tags;
 * features: n_feat keys sorted ascending, with cnt[i] (tag, weight) pairs each, in order,
 * in etag[] and ew[]; scores are ew * scale. */
struct tag_model_data {
	size_t n_dict, n_feat, n_entries;
	const uint32_t *dict_key;
	const uint8_t *dict_tag;
	const uint32_t *feat_key;
	const uint8_t *feat_cnt;
	const uint8_t *etag;
	const int16_t *ew;
	float scale;
	size_t n_lex;
	const uint32_t *lex_key; /* tag_lex_key() of a lower-case word */
	const uint16_t *lex_mask;
};
int tag_model_write(FILE *fp, const struct tag_model_data *m);

/* The word-class lexicon: lower-case words (lemmas, and the irregular forms WordNet lists)
 * with their classes; inflections ("killed", "soldiers") are found from their lemma. */
#define TLX_N 1       /* noun lemma */
#define TLX_NPL 2     /* plural noun ("soldiers", "children") */
#define TLX_V 4       /* verb lemma */
#define TLX_VS 8      /* verb -s */
#define TLX_VED 16    /* verb -ed, or an irregular past ("went") */
#define TLX_VING 32   /* verb -ing */
#define TLX_A 64      /* adjective */
#define TLX_ACMP 128  /* comparative or superlative adjective */
#define TLX_R 256     /* adverb */
#define TLX_LY 512    /* adjective + "ly" */
#define TLX_NONE 1024 /* a lower-case word the lexicon does not know */
struct tag_lex {
	uint32_t *key;
	uint16_t *mask;
	uint32_t cap_mask;
	size_t n;
};
uint32_t tag_lex_key(const char *lower, size_t n);
/* From n (key, classes) pairs (a key may repeat: classes add up). */
int tag_lex_build(const uint32_t *keys, const uint16_t *masks, size_t n, struct tag_lex **ret);
struct tag_lex *tag_lex_free(struct tag_lex *lx);

#endif
