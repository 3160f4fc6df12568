/* lexicon.c — the per-call arena and the lexicons of the claim extractor.
 *
 * Takes: a directory of plain-text lexicon files (the .txt files of conf/lexicon), each documented at
 * its top; '#' starts a comment, blank lines are ignored.
 * Gives: hash tables of lower-case phrases (cues, hedges, denials, titles, gazetteer, word
 * classes) matched against token sequences; a bump allocator for per-call strings.
 * Must not: log, or keep pointers into the files after loading (all strings are copied). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims_int.h"

/* ---- arena ---- */

#define ARENA_BLOCK (16u * 1024u)

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	unsigned char data[];
};

struct arena {
	struct arena_block *head;
};

struct arena *arena_new(void)
{
	return calloc(1, sizeof(struct arena));
}

struct arena *arena_free(struct arena *a)
{
	if (!a)
		return NULL;
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
	free(a);
	return NULL;
}

void arena_reset(struct arena *a)
{
	/* keep the first (most recent) block, free the rest */
	struct arena_block *b = a->head;
	if (!b)
		return;
	struct arena_block *n = b->next;
	b->next = NULL;
	b->used = 0;
	while (n) {
		struct arena_block *x = n->next;
		free(n);
		n = x;
	}
}

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15u) & ~(size_t)15u;
	struct arena_block *b = a->head;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		struct arena_block *nb = malloc(sizeof(*nb) + cap);
		if (!nb)
			return NULL;
		nb->cap = cap;
		nb->used = 0;
		nb->next = a->head;
		a->head = nb;
		b = nb;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* ---- tables ---- */

#define LEX_MAX_LINE 1024
#define LEX_MAX_ENTRIES 200000

static unsigned hash_word(const char *w)
{
	uint32_t h = 2166136261u;
	while (*w)
		h = (h ^ (unsigned char)*w++) * 16777619u;
	return h & (LEX_BUCKETS - 1);
}

const struct lex_entry *lex_match(const struct lex_table *t, const char *const *w, size_t n,
				  size_t i, size_t *ret_len)
{
	if (!t || i >= n || !w[i])
		return NULL;
	const struct lex_entry *best = NULL;
	for (const struct lex_entry *e = t->b[hash_word(w[i])]; e; e = e->next) {
		if (e->nwords > n - i || (best && e->nwords <= best->nwords))
			continue;
		size_t k;
		for (k = 0; k < e->nwords; k++)
			if (!w[i + k] || w[i + k][0] != e->words[k][0] || strcmp(w[i + k], e->words[k]) != 0)
				break;
		if (k == e->nwords)
			best = e;
	}
	if (best && ret_len)
		*ret_len = best->nwords;
	return best;
}

const struct lex_entry *lex_match_tok_at(const struct lex_table *t, const struct tok *tk, size_t nt,
					 size_t i, size_t *ret_len)
{
	if (!t || i >= nt || !(tk[i].tb & t->bit))
		return NULL;
	const struct lex_entry *best = NULL;
	for (const struct lex_entry *e = t->b[tk[i].h & (LEX_BUCKETS - 1)]; e; e = e->next) {
		if (e->nwords > nt - i || (best && e->nwords <= best->nwords))
			continue;
		size_t k;
		for (k = 0; k < e->nwords; k++) {
			const char *w = tk[i + k].lw;
			if (w[0] != e->words[k][0] || strcmp(w, e->words[k]) != 0)
				break;
		}
		if (k == e->nwords)
			best = e;
	}
	if (best && ret_len)
		*ret_len = best->nwords;
	return best;
}

static uint32_t hash_full(const char *w)
{
	uint32_t h = 2166136261u;
	while (*w)
		h = (h ^ (unsigned char)*w++) * 16777619u;
	return h;
}

/* ---- the word index: one open-addressing table of every word lex_tag() needs to know
 * (first words of the phrase tables, single words of the word classes, the built-in
 * lists), so that tagging a token is one hash probe. ---- */

struct lex_word {
	const char *w;
	uint32_t h;
	uint32_t tb;
	uint32_t wc;
	bool has_wc;
	uint8_t month;
	uint8_t kw;
};

struct lex_index {
	struct lex_word *slot;
	size_t mask, n;
};

/* The calendar words of entity boundaries, month names and abbreviations of dates, words that
 * look ahead: the lists ent.c, timex.c and qty.c test tokens against. */
static const char *const cal_words[] = { "january",  "february", "march",    "april",	 "may",	     "june",
					 "july",     "august",	 "september", "october",  "november", "december",
					 "monday",   "tuesday",	 "wednesday", "thursday", "friday",   "saturday",
					 "sunday",   "jan",	 "feb",	      "aug",	  "sept",     "oct",
					 "nov",	     "dec" };
static const char *const month_words[] = { "january", "february", "march",     "april",	  "may",      "june",
					   "july",    "august",	  "september", "october", "november", "december" };
static const char *const month_abbr[] = { "jan", "feb", "mar", "apr", "may", "jun",
					  "jul", "aug", "sep", "oct", "nov", "dec" };
static const char *const time_words[] = { "last",	 "this",    "next",	 "previous", "today",
					  "yesterday", "tonight", "monday",	 "tuesday",  "wednesday",
					  "thursday",  "friday",  "saturday", "sunday" };
static const char *const ahead_words[] = { "will", "scheduled", "next", "upcoming", "expected", "plans", "planned" };

static struct lex_word *ix_get(struct lex_index *ix, const char *w, uint32_t h, bool add)
{
	for (size_t i = h & ix->mask;; i = (i + 1) & ix->mask) {
		struct lex_word *x = &ix->slot[i];
		if (!x->w) {
			if (!add)
				return NULL;
			x->w = w;
			x->h = h;
			ix->n++;
			return x;
		}
		if (x->h == h) {
			/* equal hashes: almost always the word; confirm inline (words are short) */
			const char *p = x->w, *q = w;
			while (*p && *p == *q) {
				p++;
				q++;
			}
			if (*p == *q)
				return x;
		}
	}
}

static int ix_build(struct lexicon *lx)
{
	const struct lex_table *tabs[] = { lx->cues,	  lx->hedges,	 lx->denials, lx->titles,
					   lx->gazetteer, lx->nonclaims, lx->opinion, lx->background };
	size_t count = 64 + sizeof(cal_words) / sizeof(cal_words[0]) + 24 + 8;
	for (const char *const *q = qty_words(); *q; q++)
		count++;
	for (size_t k = 0; k < sizeof(tabs) / sizeof(tabs[0]); k++)
		count += tabs[k]->n;
	count += lx->words->n;
	size_t cap = 1024;
	while (cap < 2 * count)
		cap *= 2;
	struct lex_index *ix = calloc(1, sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	ix->slot = calloc(cap, sizeof(*ix->slot));
	if (!ix->slot) {
		free(ix);
		return -ENOMEM;
	}
	ix->mask = cap - 1;
	for (size_t k = 0; k < sizeof(tabs) / sizeof(tabs[0]); k++)
		for (size_t b = 0; b < LEX_BUCKETS; b++)
			for (const struct lex_entry *e = tabs[k]->b[b]; e; e = e->next)
				ix_get(ix, e->words[0], hash_full(e->words[0]), true)->tb |= tabs[k]->bit;
	/* the first single-word entry of its chain gives a word its classes, as before */
	for (size_t b = 0; b < LEX_BUCKETS; b++)
		for (const struct lex_entry *e = lx->words->b[b]; e; e = e->next) {
			if (e->nwords != 1)
				continue;
			struct lex_word *x = ix_get(ix, e->words[0], hash_full(e->words[0]), true);
			if (!x->has_wc) {
				x->wc = e->flags;
				x->has_wc = true;
			}
		}
	for (size_t i = 0; i < sizeof(cal_words) / sizeof(cal_words[0]); i++)
		ix_get(ix, cal_words[i], hash_full(cal_words[i]), true)->kw |= KW_CAL;
	for (size_t i = 0; i < sizeof(ahead_words) / sizeof(ahead_words[0]); i++)
		ix_get(ix, ahead_words[i], hash_full(ahead_words[i]), true)->kw |= KW_AHEAD;
	for (size_t i = 0; i < sizeof(time_words) / sizeof(time_words[0]); i++)
		ix_get(ix, time_words[i], hash_full(time_words[i]), true)->kw |= KW_TIME;
	for (const char *const *q = qty_words(); *q; q++)
		ix_get(ix, *q, hash_full(*q), true)->kw |= KW_NUM;
	/* full names first, so that "may" is May either way */
	for (int i = 11; i >= 0; i--)
		ix_get(ix, month_abbr[i], hash_full(month_abbr[i]), true)->month = (uint8_t)(i + 1);
	for (int i = 11; i >= 0; i--)
		ix_get(ix, month_words[i], hash_full(month_words[i]), true)->month = (uint8_t)(i + 1);
	ix_get(ix, "sept", hash_full("sept"), true)->month = 9;
	lx->ix = ix;
	return 0;
}

static void ix_free(struct lex_index *ix)
{
	if (!ix)
		return;
	free(ix->slot);
	free(ix);
}

void lex_tag(const struct lexicon *lx, struct tok *t, size_t nt)
{
	for (size_t i = 0; i < nt; i++) {
		t[i].tb = 0;
		t[i].wc = 0;
		t[i].month = 0;
		t[i].kw = 0;
		if (t[i].kind != TK_WORD)
			continue;
		const struct lex_word *x = ix_get(lx->ix, t[i].lw, t[i].h, false);
		if (!x)
			continue;
		t[i].tb = x->tb;
		t[i].wc = x->wc;
		t[i].month = x->month;
		t[i].kw = x->kw;
	}
}

unsigned lex_word_class(const struct lexicon *lx, const char *lw)
{
	const char *w[1] = { lw };
	size_t len;
	const struct lex_entry *e = lex_match(lx->words, w, 1, 0, &len);
	return e ? e->flags : 0;
}

/* ---- loading ---- */

static char *pool_dup(struct lexicon *lx, const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	/* remember the allocation in a simple chain stored in the pool array */
	if (lx->pool_len + sizeof(char *) > lx->pool_cap) {
		size_t cap = lx->pool_cap ? lx->pool_cap * 2 : 4096;
		char *np = realloc(lx->pool, cap);
		if (!np) {
			free(p);
			return NULL;
		}
		lx->pool = np;
		lx->pool_cap = cap;
	}
	memcpy(lx->pool + lx->pool_len, &p, sizeof(char *));
	lx->pool_len += sizeof(char *);
	return p;
}

/* Lower-cases ASCII and folds curly apostrophes to "'" in place. */
static void fold_lower(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		unsigned char c = (unsigned char)*r;
		if (c == 0xe2 && (unsigned char)r[1] == 0x80 &&
		    ((unsigned char)r[2] == 0x99 || (unsigned char)r[2] == 0x98)) {
			*w++ = '\'';
			r += 3;
			continue;
		}
		*w++ = (char)c_tolower(c);
		r++;
	}
	*w = '\0';
}

/* Splits a phrase into lower-case words the way the tokenizer would: "'s" apart. */
static int add_phrase(struct lexicon *lx, struct lex_table *t, const char *phrase,
		      const struct lex_entry *tmpl)
{
	char buf[LEX_MAX_LINE];
	size_t n = strlen(phrase);
	while (n && c_isspace((unsigned char)phrase[n - 1]))
		n--;
	while (n && c_isspace((unsigned char)*phrase)) {
		phrase++;
		n--;
	}
	if (!n || n >= sizeof(buf) - 8)
		return 0;
	if (t->n >= LEX_MAX_ENTRIES)
		return -E2BIG;
	memcpy(buf, phrase, n);
	buf[n] = '\0';
	char *text = pool_dup(lx, buf, n);
	if (!text)
		return -ENOMEM;
	fold_lower(buf);
	/* split off possessive 's */
	char sep[LEX_MAX_LINE * 2];
	size_t o = 0;
	for (size_t i = 0; buf[i] && o < sizeof(sep) - 4; i++) {
		if (buf[i] == '\'' && buf[i + 1] == 's' && (buf[i + 2] == ' ' || !buf[i + 2]) && i > 0) {
			sep[o++] = ' ';
		}
		sep[o++] = buf[i];
	}
	sep[o] = '\0';
	struct lex_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	*e = *tmpl;
	e->text = text;
	char *save = NULL;
	for (char *w = strtok_r(sep, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (e->nwords >= LEX_MAX_PHRASE) {
			free(e);
			return 0;
		}
		char *dw = pool_dup(lx, w, strlen(w));
		if (!dw) {
			free(e);
			return -ENOMEM;
		}
		e->words[e->nwords++] = dw;
	}
	if (!e->nwords) {
		free(e);
		return 0;
	}
	unsigned h = hash_word(e->words[0]);
	/* word classes: merge flags of a repeated single word */
	if (t == lx->words) {
		for (struct lex_entry *x = t->b[h]; x; x = x->next)
			if (x->nwords == 1 && strcmp(x->words[0], e->words[0]) == 0) {
				x->flags |= e->flags;
				free(e);
				return 0;
			}
	}
	e->next = t->b[h];
	t->b[h] = e;
	t->n++;
	return 0;
}

static void table_free(struct lex_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < LEX_BUCKETS; i++) {
		struct lex_entry *e = t->b[i];
		while (e) {
			struct lex_entry *n = e->next;
			free(e);
			e = n;
		}
	}
	free(t);
}

void lex_release(struct lexicon *lx)
{
	table_free(lx->cues);
	table_free(lx->hedges);
	table_free(lx->denials);
	table_free(lx->titles);
	table_free(lx->gazetteer);
	table_free(lx->words);
	table_free(lx->nonclaims);
	table_free(lx->opinion);
	table_free(lx->background);
	ix_free(lx->ix);
	for (size_t i = 0; i + sizeof(char *) <= lx->pool_len; i += sizeof(char *)) {
		char *p;
		memcpy(&p, lx->pool + i, sizeof(char *));
		free(p);
	}
	free(lx->pool);
	memset(lx, 0, sizeof(*lx));
}

static char *trim(char *s)
{
	while (c_isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && c_isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int parse_stance(const char *s)
{
	if (!strcmp(s, "assert"))
		return ST_ASSERT;
	if (!strcmp(s, "allege"))
		return ST_ALLEGE;
	if (!strcmp(s, "deny"))
		return ST_DENY;
	if (!strcmp(s, "speculate"))
		return ST_SPECULATE;
	return -1;
}

static int parse_kind(const char *s)
{
	if (!strcmp(s, "verb"))
		return CK_VERB;
	if (!strcmp(s, "prep"))
		return CK_PREP;
	if (!strcmp(s, "impersonal"))
		return CK_IMPERSONAL;
	if (!strcmp(s, "passive"))
		return CK_PASSIVE;
	if (!strcmp(s, "object"))
		return CK_OBJECT;
	if (!strcmp(s, "noun"))
		return CK_NOUN;
	return -1;
}

static int parse_type(const char *s)
{
	if (!strcmp(s, "country"))
		return ET_COUNTRY;
	if (!strcmp(s, "city"))
		return ET_CITY;
	if (!strcmp(s, "organisation") || !strcmp(s, "organization"))
		return ET_ORG;
	if (!strcmp(s, "group"))
		return ET_GROUP;
	if (!strcmp(s, "person"))
		return ET_PERSON;
	if (!strcmp(s, "other"))
		return ET_OTHER;
	return -1;
}

static unsigned parse_class(const char *s)
{
	static const struct {
		const char *n;
		unsigned f;
	} cls[] = {
		{ "abbrev", WC_ABBREV },	 { "weakabbrev", WC_WEAKABBR }, { "starter", WC_STARTER },
		{ "orghead", WC_ORGHEAD },	 { "generic", WC_GENERIC },	   { "groupnoun", WC_GROUPNOUN },
		{ "source", WC_SOURCE },	 { "stop", WC_STOP },
		{ "datanoun", WC_DATANOUN },	 { "aux", WC_AUX },		   { "subord", WC_SUBORD },
		{ "connect", WC_CONNECT },	 { "det", WC_DET },		   { "docnoun", WC_DOCNOUN },
		{ "claimnoun", WC_CLAIMNOUN }, { "verbish", WC_VERBISH },	   { "cutword", WC_CUTWORD },
		{ "unit", WC_UNIT },		 { "numword", WC_NUMWORD },
		{ "be", WC_BE },		 { "accuser", WC_ACCUSER },	   { "personal", WC_PERSONAL },
		{ "subconj", WC_SUBCONJ },	 { "role", WC_ROLE },		   { "placehead", WC_PLACEHEAD },
	};
	for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++)
		if (!strcmp(cls[i].n, s))
			return cls[i].f;
	return 0;
}

/* Splits "a | b | c" into at most max fields (trimmed, in place). */
static size_t split_fields(char *line, char sep, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		char *e = strchr(p, sep);
		if (e)
			*e = '\0';
		f[n++] = trim(p);
		if (!e)
			break;
		p = e + 1;
	}
	return n;
}

enum file_kind { F_CUES, F_HEDGES, F_DENIALS, F_TITLES, F_COUNTRIES, F_ORGS, F_WORDS, F_NONCLAIMS, F_OPINION, F_BACKGROUND };

static int add_list(struct lexicon *lx, struct lex_table *t, char *list, const struct lex_entry *tmpl)
{
	char *save = NULL;
	for (char *a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		int r = add_phrase(lx, t, a, tmpl);
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_line(struct lexicon *lx, enum file_kind k, char *line, char *why, size_t whylen)
{
	char *f[8];
	struct lex_entry tmpl = { .nwords = 0 };
	int r = 0;

	switch (k) {
	case F_CUES:
	case F_HEDGES: {
		/* "stance [kind] phrase" */
		char *sp = strpbrk(line, " \t");
		if (!sp) {
			snprintf(why, whylen, "expected 'stance phrase'");
			return -EINVAL;
		}
		*sp = '\0';
		int st = parse_stance(line);
		if (st < 0) {
			snprintf(why, whylen, "unknown stance '%s'", line);
			return -EINVAL;
		}
		tmpl.stance = (uint8_t)st;
		char *rest = trim(sp + 1);
		if (k == F_CUES) {
			char *sp2 = strpbrk(rest, " \t");
			if (!sp2) {
				snprintf(why, whylen, "expected 'stance kind phrase'");
				return -EINVAL;
			}
			*sp2 = '\0';
			int kd = parse_kind(rest);
			if (kd < 0) {
				snprintf(why, whylen, "unknown cue kind '%s'", rest);
				return -EINVAL;
			}
			tmpl.kind = (uint8_t)kd;
			rest = trim(sp2 + 1);
		}
		return add_phrase(lx, k == F_CUES ? lx->cues : lx->hedges, rest, &tmpl);
	}
	case F_DENIALS:
		return add_phrase(lx, lx->denials, line, &tmpl);
	case F_NONCLAIMS:
		return add_phrase(lx, lx->nonclaims, line, &tmpl);
	case F_OPINION:
		return add_phrase(lx, lx->opinion, line, &tmpl);
	case F_BACKGROUND:
		return add_phrase(lx, lx->background, line, &tmpl);
	case F_TITLES:
		return add_phrase(lx, lx->titles, line, &tmpl);
	case F_WORDS: {
		char *sp = strpbrk(line, " \t");
		if (!sp) {
			snprintf(why, whylen, "expected 'class word...'");
			return -EINVAL;
		}
		*sp = '\0';
		unsigned c = parse_class(line);
		if (!c) {
			snprintf(why, whylen, "unknown word class '%s'", line);
			return -EINVAL;
		}
		tmpl.flags = c;
		char *save = NULL;
		for (char *w = strtok_r(sp + 1, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
			r = add_phrase(lx, lx->words, w, &tmpl);
			if (r < 0)
				return r;
		}
		return 0;
	}
	case F_COUNTRIES: {
		/* CODE | Name | demonyms | aliases | capital */
		size_t n = split_fields(line, '|', f, 5);
		if (n < 2 || !*f[1]) {
			snprintf(why, whylen, "expected 'CODE | Name | demonyms | aliases | capital'");
			return -EINVAL;
		}
		char *canon = pool_dup(lx, f[1], strlen(f[1]));
		char *code = *f[0] ? pool_dup(lx, f[0], strlen(f[0])) : NULL;
		if (!canon || (*f[0] && !code))
			return -ENOMEM;
		tmpl.canon = canon;
		tmpl.code = code;
		tmpl.kind = ET_COUNTRY;
		if ((r = add_phrase(lx, lx->gazetteer, f[1], &tmpl)) < 0)
			return r;
		if (n > 2) {
			tmpl.flags = LEXF_DEMONYM;
			if ((r = add_list(lx, lx->gazetteer, f[2], &tmpl)) < 0)
				return r;
		}
		if (n > 3) {
			tmpl.flags = LEXF_ALIAS;
			if ((r = add_list(lx, lx->gazetteer, f[3], &tmpl)) < 0)
				return r;
		}
		if (n > 4 && *f[4]) {
			struct lex_entry cap = { .kind = ET_CITY, .code = code };
			char *save = NULL;
			for (char *c = strtok_r(f[4], ",", &save); c; c = strtok_r(NULL, ",", &save)) {
				char *t = trim(c);
				cap.canon = pool_dup(lx, t, strlen(t));
				if (!cap.canon)
					return -ENOMEM;
				if ((r = add_phrase(lx, lx->gazetteer, t, &cap)) < 0)
					return r;
			}
		}
		return 0;
	}
	case F_ORGS: {
		/* type | Canonical Name | aliases | CODE */
		size_t n = split_fields(line, '|', f, 4);
		if (n < 2 || !*f[1]) {
			snprintf(why, whylen, "expected 'type | Name | aliases | CODE'");
			return -EINVAL;
		}
		int ty = parse_type(f[0]);
		if (ty < 0) {
			snprintf(why, whylen, "unknown type '%s'", f[0]);
			return -EINVAL;
		}
		tmpl.kind = (uint8_t)ty;
		tmpl.canon = pool_dup(lx, f[1], strlen(f[1]));
		if (!tmpl.canon)
			return -ENOMEM;
		if (n > 3 && *f[3]) {
			tmpl.code = pool_dup(lx, f[3], strlen(f[3]));
			if (!tmpl.code)
				return -ENOMEM;
		}
		if ((r = add_phrase(lx, lx->gazetteer, f[1], &tmpl)) < 0)
			return r;
		if (n > 2) {
			tmpl.flags = LEXF_ALIAS;
			if ((r = add_list(lx, lx->gazetteer, f[2], &tmpl)) < 0)
				return r;
		}
		return 0;
	}
	}
	return 0;
}

static int load_file(struct lexicon *lx, const char *dir, const char *name, enum file_kind k,
		     char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "re");
	if (!fp) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	char line[LEX_MAX_LINE];
	unsigned lineno = 0;
	int r = 0;
	while (fgets(line, sizeof(line), fp)) {
		lineno++;
		char *h = strchr(line, '#');
		if (h)
			*h = '\0';
		char *s = trim(line);
		if (!*s)
			continue;
		char why[128] = "";
		r = load_line(lx, k, s, why, sizeof(why));
		if (r < 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, *why ? why : strerror(-r));
			break;
		}
	}
	fclose(fp);
	return r;
}

int lex_load(struct lexicon *lx, const char *dir, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		enum file_kind k;
	} files[] = {
		{ "cues.txt", F_CUES },		{ "hedges.txt", F_HEDGES },	  { "denials.txt", F_DENIALS },
		{ "titles.txt", F_TITLES },	{ "countries.txt", F_COUNTRIES }, { "organisations.txt", F_ORGS },
		{ "words.txt", F_WORDS },	{ "nonclaims.txt", F_NONCLAIMS },
		{ "opinion.txt", F_OPINION },	{ "background.txt", F_BACKGROUND },
	};
	memset(lx, 0, sizeof(*lx));
	struct lex_table **tabs[] = { &lx->cues,      &lx->hedges, &lx->denials,  &lx->titles,   &lx->gazetteer,
				      &lx->words,     &lx->nonclaims, &lx->opinion, &lx->background };
	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
		*tabs[i] = calloc(1, sizeof(struct lex_table));
		if (*tabs[i])
			(*tabs[i])->bit = 1u << i;
		if (!*tabs[i]) {
			lex_release(lx);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int r = load_file(lx, dir, files[i].name, files[i].k, err, errlen);
		if (r == -ENOENT && files[i].k == F_BACKGROUND) {
			r = 0; /* added later than the others: a lexicon directory may lack it */
			err[0] = '\0';
		}
		if (r < 0) {
			lex_release(lx);
			return r;
		}
	}
	if (ix_build(lx) < 0) {
		lex_release(lx);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}
