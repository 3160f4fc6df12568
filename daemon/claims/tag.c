/* tag.c — universal part-of-speech tagger (greedy averaged perceptron, the technique of
 * Honnibal's "A good POS tagger in about 200 lines" and NLTK's PerceptronTagger) and a
 * rule-based noun-phrase chunker over its tags.
 *
 * Takes: a model file (trained by tools/train_tagger.c from the UD English Web Treebank;
 * format below), then sentences as arrays of words. Gives: one UPOS tag a word, and base
 * noun phrases as token ranges. Features are hashed to 32 bits: the word (lower case,
 * digits as 0), the word as written, suffixes of 1-4 and prefixes of 1-3 bytes, the shape
 * ("Xxx", "dd"), the last segment of a hyphenated word, the two previous tags, and the
 * words, suffixes and shapes of two neighbours on each side, and the word classes a lexicon
 * derived from WordNet gives the word and its neighbours (noun, plural noun, verb, -ed,
 * -ing, adjective...: what the treebank cannot teach about words it lacks). Frequent words that had one
 * tag in training (a tag dictionary) skip the scoring.
 * Must not: log, or allocate while tagging a sentence of at most TAG_STACK_TOKENS tokens.
 *
 * Model file, little-endian:
 *   "CLMDTAG1"  u32 version (1)  u32 ntags (17)  u32 n_dict  u32 n_feat  u32 n_entries
 *   f32 scale   u32 feature-set id (TAG_FEATURE_SET)   u32 n_lex
 *   u32 dict_key[n_dict]  u8 dict_tag[n_dict]
 *   u32 feat_key[n_feat] (ascending)  u8 feat_cnt[n_feat]
 *   u8 etag[n_entries]  i16 ew[n_entries]
 *   u32 lex_key[n_lex]  u16 lex_mask[n_lex]   (word classes, TLX_*)
 *   u32 FNV-1a of every byte before it */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "claimd/claims.h"
#include "claimd/tag.h"
#include "claims_int.h"

#define TAG_MAGIC "CLMDTAG1"
#define TAG_VERSION 2u
#define TAG_FEATURE_SET 3u
/* The second pass revisits only the tokens the first scored within this much (in weight
 * units) of another tag, a fifth of them: chosen on the dev split, where it tags as well as
 * revisiting every token does (0.9530), at a little more than the first pass's cost. */
#define TAG_SURE_MARGIN 30.0 /* bump when tag_features() changes */

static const char *const upos_names[UPOS_COUNT] = {
	"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
	"PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
};

const char *upos_name(unsigned tag)
{
	return tag < UPOS_COUNT ? upos_names[tag] : "?";
}

int upos_from_name(const char *s)
{
	for (int i = 0; i < UPOS_COUNT; i++)
		if (!strcmp(s, upos_names[i]))
			return i;
	return -1;
}

/* ---- hashing ---- */

static inline uint32_t fmix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* A feature key: template tm over values a, b; never 0 (0 marks an empty slot). */
static inline uint32_t fkey(uint32_t tm, uint32_t a, uint32_t b)
{
	uint32_t h = fmix(tm * 0x9e3779b1u ^ a);
	h = fmix(h ^ (b * 0x27d4eb2fu + 0x165667b1u));
	return h ? h : 1;
}

static inline uint32_t fnv(uint32_t seed, const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u ^ seed;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* word-feature slots of struct tag_wf.h */
enum { WF_W, WF_CASED, WF_S1, WF_S2, WF_S3, WF_S4, WF_P1, WF_P2, WF_P3, WF_SHAPE, WF_SEG, WF_FLAGS, WF_LEX };

#define WORD_MAX 64 /* bytes of a word looked at (longer: its first and last 32) */

/* ---- the word-class lexicon (from WordNet, in the model) ---- */

uint32_t tag_lex_key(const char *lower, size_t n)
{
	return fnv(1, (const unsigned char *)lower, n) | 1u;
}

struct tag_lex *tag_lex_free(struct tag_lex *lx)
{
	if (lx) {
		free(lx->key);
		free(lx->mask);
		free(lx);
	}
	return NULL;
}

static uint32_t pow2_at_least(size_t n);

int tag_lex_build(const uint32_t *keys, const uint16_t *masks, size_t n, struct tag_lex **ret)
{
	struct tag_lex *lx = calloc(1, sizeof(*lx));
	if (!lx)
		return -ENOMEM;
	uint32_t cap = pow2_at_least(n);
	lx->cap_mask = cap - 1;
	lx->key = calloc(cap, sizeof(uint32_t));
	lx->mask = calloc(cap, sizeof(uint16_t));
	if (!lx->key || !lx->mask) {
		tag_lex_free(lx);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (!keys[i]) {
			tag_lex_free(lx);
			return -EINVAL;
		}
		uint32_t j = fmix(keys[i]) & lx->cap_mask;
		while (lx->key[j] && lx->key[j] != keys[i])
			j = (j + 1) & lx->cap_mask;
		if (!lx->key[j])
			lx->n++;
		lx->key[j] = keys[i];
		lx->mask[j] |= masks[i];
	}
	*ret = lx;
	return 0;
}

static uint16_t lex_get(const struct tag_lex *lx, const unsigned char *w, size_t n)
{
	uint32_t k = tag_lex_key((const char *)w, n), j = fmix(k) & lx->cap_mask;
	while (lx->key[j]) {
		if (lx->key[j] == k)
			return lx->mask[j];
		j = (j + 1) & lx->cap_mask;
	}
	return 0;
}

/* stem + replacement has the base class want: returns 1 */
static bool stem_has(const struct tag_lex *lx, const unsigned char *w, size_t n, size_t cut, const char *add,
		     uint16_t want)
{
	unsigned char b[WORD_MAX + 8];
	size_t al = strlen(add);
	if (n <= cut + 1 || n - cut + al > sizeof(b))
		return false;
	memcpy(b, w, n - cut);
	memcpy(b + n - cut, add, al);
	return (lex_get(lx, b, n - cut + al) & want) != 0;
}

static bool ends(const unsigned char *w, size_t n, const char *suf)
{
	size_t l = strlen(suf);
	return n > l && !memcmp(w + n - l, suf, l);
}

/* WordNet's morphy, roughly: the classes of the lower-case word w as written (lemma or
 * listed exception) and as an inflection of a lemma ("killed": a verb's -ed form). */
static uint16_t lex_classes(const struct tag_lex *lx, const unsigned char *w, size_t n)
{
	if (!lx || n < 2 || n > WORD_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!c_islower(w[i]) && w[i] != '-' && w[i] != '\'')
			return 0;
	uint16_t m = lex_get(lx, w, n);
	/* doubled final consonant: "stopped", "running", "bigger" */
	bool dbl_ed = n > 4 && ends(w, n, "ed") && w[n - 3] == w[n - 4];
	bool dbl_ing = n > 5 && ends(w, n, "ing") && w[n - 4] == w[n - 5];
	if (ends(w, n, "s")) {
		if (stem_has(lx, w, n, 1, "", TLX_N) || (ends(w, n, "ses") && stem_has(lx, w, n, 2, "", TLX_N)) ||
		    (ends(w, n, "xes") && stem_has(lx, w, n, 2, "", TLX_N)) ||
		    (ends(w, n, "ches") && stem_has(lx, w, n, 2, "", TLX_N)) ||
		    (ends(w, n, "shes") && stem_has(lx, w, n, 2, "", TLX_N)) ||
		    (ends(w, n, "ies") && stem_has(lx, w, n, 3, "y", TLX_N)))
			m |= TLX_NPL;
		if (stem_has(lx, w, n, 1, "", TLX_V) || (ends(w, n, "es") && stem_has(lx, w, n, 2, "", TLX_V)) ||
		    (ends(w, n, "ies") && stem_has(lx, w, n, 3, "y", TLX_V)))
			m |= TLX_VS;
	}
	if (ends(w, n, "men") && stem_has(lx, w, n, 3, "man", TLX_N))
		m |= TLX_NPL;
	if (ends(w, n, "ed") && (stem_has(lx, w, n, 2, "", TLX_V) || stem_has(lx, w, n, 1, "", TLX_V) ||
				 (ends(w, n, "ied") && stem_has(lx, w, n, 3, "y", TLX_V)) ||
				 (dbl_ed && stem_has(lx, w, n, 3, "", TLX_V))))
		m |= TLX_VED;
	if (ends(w, n, "ing") && (stem_has(lx, w, n, 3, "", TLX_V) || stem_has(lx, w, n, 3, "e", TLX_V) ||
				  (dbl_ing && stem_has(lx, w, n, 4, "", TLX_V))))
		m |= TLX_VING;
	if ((ends(w, n, "er") && (stem_has(lx, w, n, 2, "", TLX_A) || stem_has(lx, w, n, 1, "", TLX_A) ||
				  (ends(w, n, "ier") && stem_has(lx, w, n, 3, "y", TLX_A)))) ||
	    (ends(w, n, "est") && (stem_has(lx, w, n, 3, "", TLX_A) || stem_has(lx, w, n, 2, "", TLX_A) ||
				   (ends(w, n, "iest") && stem_has(lx, w, n, 4, "y", TLX_A)))))
		m |= TLX_ACMP;
	if (ends(w, n, "ly") && stem_has(lx, w, n, 2, "", TLX_A))
		m |= TLX_LY;
	return m ? m : TLX_NONE;
}

void tag_word_features(const struct tag_lex *lx, const char *s, size_t n, struct tag_wf *ret)
{
	unsigned char low[WORD_MAX + 4], cased[WORD_MAX + 4], shape[WORD_MAX + 4];
	size_t ln = 0, sn = 0, seg = 0;
	unsigned flags = 0;
	const unsigned char *p = (const unsigned char *)s;
	bool cut = n > WORD_MAX;
	for (size_t i = 0; i < n && ln < WORD_MAX;) {
		if (cut && i >= WORD_MAX / 2) {
			cut = false;
			i = n - WORD_MAX / 2; /* keep the word's end: suffixes matter */
			continue;
		}
		unsigned char c = p[i], lc;
		/* curly quotes fold to ASCII, as the claim stage's lower-case forms do */
		if (c == 0xe2 && i + 2 < n && p[i + 1] == 0x80 && p[i + 2] >= 0x98 && p[i + 2] <= 0x9f) {
			c = p[i + 2] <= 0x9b ? '\'' : '"';
			i += 3;
		} else if (c == 0xc2 && i + 1 < n && p[i + 1] == 0xad) {
			i += 2; /* soft hyphen */
			continue;
		} else {
			i++;
		}
		char sh;
		if (c_isupper(c)) {
			lc = (unsigned char)(c + 32);
			sh = 'X';
			flags |= 1;
		} else if (c_islower(c)) {
			lc = c;
			sh = 'x';
			flags |= 2;
		} else if (c_isdigit(c)) {
			lc = '0';
			sh = 'd';
			flags |= 4;
		} else {
			lc = c;
			sh = c >= 0x80 ? 'u' : (char)c;
			if (c == '-') {
				flags |= 8;
				seg = ln + 1;
			}
		}
		cased[ln] = c_isdigit(c) ? '0' : c;
		low[ln++] = lc;
		/* shape: runs longer than two collapse ("Xxx" for "Ministry", "dd" for 2024) */
		if (!(sn >= 2 && shape[sn - 1] == (unsigned char)sh && shape[sn - 2] == (unsigned char)sh))
			shape[sn++] = (unsigned char)sh;
	}
	memset(ret, 0, sizeof(*ret));
	ret->h[WF_W] = fnv(1, low, ln);
	ret->h[WF_CASED] = fnv(2, cased, ln);
	for (unsigned k = 1; k <= 4; k++)
		ret->h[WF_S1 + k - 1] = fnv(10 + k, low + (ln > k ? ln - k : 0), ln > k ? k : ln);
	for (unsigned k = 1; k <= 3; k++)
		ret->h[WF_P1 + k - 1] = fnv(20 + k, low, ln > k ? k : ln);
	ret->h[WF_SHAPE] = fnv(3, shape, sn);
	ret->h[WF_SEG] = seg && seg < ln ? fnv(4, low + seg, ln - seg) : 0;
	if (ln && (flags & 1) && !(flags & 2))
		flags |= 16; /* all capitals */
	if (ln && c_isupper(p[0]))
		flags |= 32;
	ret->h[WF_FLAGS] = flags;
	ret->h[WF_LEX] = lex_classes(lx, low, ln);
	/* the tag dictionary is keyed on the word as written, digits kept */
	ret->dict = fnv(5, p, n > WORD_MAX ? WORD_MAX : n) | 1u;
}

/* templates */
enum {
	T_BIAS = 1, T_W, T_CASED, T_S1, T_S2, T_S3, T_S4, T_P1, T_P2, T_P3, T_SHAPE, T_SEG, T_FLAGS,
	T_T1, T_T2, T_T12, T_T1W, T_T1S3, T_T1SHAPE,
	T_WM1, T_SM1, T_SHM1, T_WM2, T_SM2,
	T_WP1, T_SP1, T_SHP1, T_WP2, T_SP2,
	T_WM1W, T_WWP1, T_T1WP1, T_FIRST, T_WM1WP1, T_S2P1, T_CASEDP1, T_CASEDM1,
	T_LEX, T_LEXT1, T_LEXSHAPE, T_LEXS3, T_LEXM1, T_LEXP1, T_LEXLEXP1,
	/* pass 2 only: the first pass's tags to the right (and of the word itself) */
	T_R1 = 128, T_R2, T_R1R2, T_P1R1, T_R1W, T_R1S3, T_R1WP1, T_R0, T_P1R1W, T_R1R2W, T_P2P1R1,
};

#define PAD_M1 0x51ed270bu
#define PAD_M2 0x2f9a1e3du
#define PAD_P1 0x7c3b9e11u
#define PAD_P2 0x1d2e3f47u

size_t tag_features(const struct tag_wf *wf, size_t n, size_t i, unsigned p1, unsigned p2, const uint8_t *r,
		    uint32_t *out)
{
	const uint32_t *c = wf[i].h;
	size_t k = 0;
	/* pass 2 (r: the first pass's tags) has keys of its own */
	uint32_t o = r ? 64 : 0;
	uint32_t wm1 = i >= 1 ? wf[i - 1].h[WF_W] : PAD_M1, sm1 = i >= 1 ? wf[i - 1].h[WF_S3] : PAD_M1;
	uint32_t shm1 = i >= 1 ? wf[i - 1].h[WF_SHAPE] : PAD_M1, cm1 = i >= 1 ? wf[i - 1].h[WF_CASED] : PAD_M1;
	uint32_t wm2 = i >= 2 ? wf[i - 2].h[WF_W] : PAD_M2, sm2 = i >= 2 ? wf[i - 2].h[WF_S3] : PAD_M2;
	uint32_t wp1 = i + 1 < n ? wf[i + 1].h[WF_W] : PAD_P1, sp1 = i + 1 < n ? wf[i + 1].h[WF_S3] : PAD_P1;
	uint32_t shp1 = i + 1 < n ? wf[i + 1].h[WF_SHAPE] : PAD_P1, s2p1 = i + 1 < n ? wf[i + 1].h[WF_S2] : PAD_P1;
	uint32_t cp1 = i + 1 < n ? wf[i + 1].h[WF_CASED] : PAD_P1;
	uint32_t wp2 = i + 2 < n ? wf[i + 2].h[WF_W] : PAD_P2, sp2 = i + 2 < n ? wf[i + 2].h[WF_S3] : PAD_P2;
	out[k++] = fkey(o + T_BIAS, 0, 0);
	out[k++] = fkey(o + T_W, c[WF_W], 0);
	out[k++] = fkey(o + T_CASED, c[WF_CASED], 0);
	out[k++] = fkey(o + T_S1, c[WF_S1], 0);
	out[k++] = fkey(o + T_S2, c[WF_S2], 0);
	out[k++] = fkey(o + T_S3, c[WF_S3], 0);
	out[k++] = fkey(o + T_S4, c[WF_S4], 0);
	out[k++] = fkey(o + T_P1, c[WF_P1], 0);
	out[k++] = fkey(o + T_P2, c[WF_P2], 0);
	out[k++] = fkey(o + T_P3, c[WF_P3], 0);
	out[k++] = fkey(o + T_SHAPE, c[WF_SHAPE], 0);
	if (c[WF_SEG])
		out[k++] = fkey(o + T_SEG, c[WF_SEG], 0);
	out[k++] = fkey(o + T_FLAGS, c[WF_FLAGS], 0);
	out[k++] = fkey(o + T_T1, p1, 0);
	out[k++] = fkey(o + T_T2, p2, 0);
	out[k++] = fkey(o + T_T12, p1, p2);
	out[k++] = fkey(o + T_T1W, p1, c[WF_W]);
	out[k++] = fkey(o + T_T1S3, p1, c[WF_S3]);
	out[k++] = fkey(o + T_T1SHAPE, p1, c[WF_SHAPE]);
	out[k++] = fkey(o + T_WM1, wm1, 0);
	out[k++] = fkey(o + T_SM1, sm1, 0);
	out[k++] = fkey(o + T_SHM1, shm1, 0);
	out[k++] = fkey(o + T_WM2, wm2, 0);
	out[k++] = fkey(o + T_SM2, sm2, 0);
	out[k++] = fkey(o + T_WP1, wp1, 0);
	out[k++] = fkey(o + T_SP1, sp1, 0);
	out[k++] = fkey(o + T_SHP1, shp1, 0);
	out[k++] = fkey(o + T_WP2, wp2, 0);
	out[k++] = fkey(o + T_SP2, sp2, 0);
	out[k++] = fkey(o + T_WM1W, wm1, c[WF_W]);
	out[k++] = fkey(o + T_WWP1, c[WF_W], wp1);
	out[k++] = fkey(o + T_T1WP1, p1, wp1);
	out[k++] = fkey(o + T_FIRST, i == 0, c[WF_SHAPE]);
	out[k++] = fkey(o + T_WM1WP1, wm1, wp1);
	out[k++] = fkey(o + T_S2P1, s2p1, 0);
	out[k++] = fkey(o + T_CASEDP1, cp1, 0);
	out[k++] = fkey(o + T_CASEDM1, cm1, 0);
	if (c[WF_LEX]) {
		out[k++] = fkey(o + T_LEX, c[WF_LEX], 0);
		out[k++] = fkey(o + T_LEXT1, c[WF_LEX], p1);
		out[k++] = fkey(o + T_LEXSHAPE, c[WF_LEX], c[WF_SHAPE]);
		out[k++] = fkey(o + T_LEXS3, c[WF_LEX], c[WF_S3]);
	}
	out[k++] = fkey(o + T_LEXM1, i >= 1 ? wf[i - 1].h[WF_LEX] : PAD_M1, 0);
	out[k++] = fkey(o + T_LEXP1, i + 1 < n ? wf[i + 1].h[WF_LEX] : PAD_P1, 0);
	out[k++] = fkey(o + T_LEXLEXP1, c[WF_LEX], i + 1 < n ? wf[i + 1].h[WF_LEX] : PAD_P1);
	if (r) {
		unsigned r1 = i + 1 < n ? r[i + 1] : UPOS_COUNT, r2 = i + 2 < n ? r[i + 2] : UPOS_COUNT + 1;
		out[k++] = fkey(T_R1, r1, 0);
		out[k++] = fkey(T_R2, r2, 0);
		out[k++] = fkey(T_R1R2, r1, r2);
		out[k++] = fkey(T_P1R1, p1, r1);
		out[k++] = fkey(T_R1W, r1, c[WF_W]);
		out[k++] = fkey(T_R1S3, r1, c[WF_S3]);
		out[k++] = fkey(T_R1WP1, r1, wp1);
		out[k++] = fkey(T_R0, r[i], 0);
		out[k++] = fkey(T_P1R1W, p1 << 8 | r1, c[WF_W]);
		out[k++] = fkey(T_R1R2W, r1 << 8 | r2, c[WF_W]);
		out[k++] = fkey(T_P2P1R1, p2 << 8 | p1, r1);
	}
	return k;
}

/* ---- the loaded model ---- */

/* A feature: its first two (tag, weight) entries inline (one cache line holds four
 * slots), the others at ent[off]. An entry is tag << 16 | (uint16_t)weight. */
struct slot {
	uint32_t key;
	uint32_t val; /* off << 5 | count */
	uint32_t e[2];
};

struct tagger {
	struct slot *slots; /* open addressing on the feature key, 0 empty */
	uint32_t mask;
	uint32_t *dkeys;  /* tag dictionary, open addressing */
	uint8_t *dtags;
	uint32_t dmask;
	uint32_t *ent;    /* tag << 16 | (uint16_t)weight */
	size_t n_feat, n_dict, n_entries;
	struct tag_lex *lex;
	int64_t sure; /* a first-pass margin the second pass does not revisit, in weight quanta */
};

struct tagger *tagger_free(struct tagger *t)
{
	if (!t)
		return NULL;
	free(t->slots);
	free(t->dkeys);
	free(t->dtags);
	free(t->ent);
	tag_lex_free(t->lex);
	free(t);
	return NULL;
}

void tagger_stats(const struct tagger *t, size_t *ret_features, size_t *ret_dict, size_t *ret_weights)
{
	if (ret_features)
		*ret_features = t ? t->n_feat : 0;
	if (ret_dict)
		*ret_dict = t ? t->n_dict : 0;
	if (ret_weights)
		*ret_weights = t ? t->n_entries : 0;
}

static uint32_t pow2_at_least(size_t n)
{
	uint32_t c = 16;
	while (c < n * 2)
		c <<= 1;
	return c;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int load_buf(const unsigned char *b, size_t len, struct tagger **ret, char *err, size_t errlen)
{
	const size_t hdr = 8 + 4 * 8;
	if (len < hdr + 4 || memcmp(b, TAG_MAGIC, 8) != 0) {
		snprintf(err, errlen, "not a tagger model (bad magic)");
		return -EINVAL;
	}
	uint32_t version = rd32(b + 8), ntags = rd32(b + 12), nd = rd32(b + 16), nf = rd32(b + 20),
		 ne = rd32(b + 24), fset = rd32(b + 32), nl = rd32(b + 36);
	if (version != TAG_VERSION || ntags != UPOS_COUNT || fset != TAG_FEATURE_SET) {
		snprintf(err, errlen, "tagger model version %u, %u tags, feature set %u: this build reads version %u, %u tags, feature set %u",
			 version, ntags, fset, TAG_VERSION, UPOS_COUNT, TAG_FEATURE_SET);
		return -EINVAL;
	}
	uint64_t need = hdr + (uint64_t)nd * 5 + (uint64_t)nf * 5 + (uint64_t)ne * 3 + (uint64_t)nl * 6 + 4;
	if (need != len || ne >= (1u << 27)) {
		snprintf(err, errlen, "tagger model truncated or damaged (%zu bytes, header says %llu)", len,
			 (unsigned long long)need);
		return -EINVAL;
	}
	if (fnv(0, b, len - 4) != rd32(b + len - 4)) {
		snprintf(err, errlen, "tagger model damaged (checksum)");
		return -EINVAL;
	}
	const unsigned char *dk = b + hdr, *dt = dk + (size_t)nd * 4, *fk = dt + nd, *fc = fk + (size_t)nf * 4,
			    *et = fc + nf, *ew = et + ne, *lk = ew + (size_t)ne * 2, *lm = lk + (size_t)nl * 4;
	struct tagger *t = calloc(1, sizeof(*t));
	if (!t)
		goto nomem;
	t->n_feat = nf;
	t->n_dict = nd;
	float scale;
	uint32_t sc32 = rd32(b + 28);
	memcpy(&scale, &sc32, 4);
	if (!(scale > 0) || scale > 1e6f)
		goto bad;
	t->sure = (int64_t)(TAG_SURE_MARGIN / scale);
	t->n_entries = ne;
	uint32_t cap = pow2_at_least(nf), dcap = pow2_at_least(nd);
	t->mask = cap - 1;
	t->dmask = dcap - 1;
	t->slots = calloc(cap, sizeof(struct slot));
	t->dkeys = calloc(dcap, sizeof(uint32_t));
	t->dtags = calloc(dcap, 1);
	t->ent = malloc((ne ? ne : 1) * sizeof(uint32_t));
	if (!t->slots || !t->dkeys || !t->dtags || !t->ent)
		goto nomem;
	for (uint32_t i = 0; i < nd; i++) {
		uint32_t k = rd32(dk + 4 * (size_t)i);
		if (!k || dt[i] >= UPOS_COUNT)
			goto bad;
		uint32_t j = fmix(k) & t->dmask;
		while (t->dkeys[j] && t->dkeys[j] != k)
			j = (j + 1) & t->dmask;
		t->dkeys[j] = k;
		t->dtags[j] = dt[i];
	}
	for (uint32_t i = 0; i < ne; i++)
		if (et[i] >= UPOS_COUNT)
			goto bad;
	uint32_t off = 0, rest = 0;
	for (uint32_t i = 0; i < nf; i++) {
		uint32_t k = rd32(fk + 4 * (size_t)i), c = fc[i];
		if (!k || c == 0 || c > UPOS_COUNT || off + c > ne)
			goto bad;
		uint32_t j = fmix(k) & t->mask;
		while (t->slots[j].key && t->slots[j].key != k)
			j = (j + 1) & t->mask;
		if (t->slots[j].key)
			goto bad; /* duplicate key */
		struct slot *sl = &t->slots[j];
		sl->key = k;
		sl->val = rest << 5 | c;
		for (uint32_t e = 0; e < c; e++) {
			uint16_t w = (uint16_t)(ew[2 * (size_t)(off + e)] | ew[2 * (size_t)(off + e) + 1] << 8);
			uint32_t v = (uint32_t)et[off + e] << 16 | w;
			if (e < 2)
				sl->e[e] = v;
			else
				t->ent[rest++] = v;
		}
		off += c;
	}
	if (off != ne)
		goto bad;
	if (nl) {
		uint32_t *keys = malloc((size_t)nl * 4);
		uint16_t *masks = malloc((size_t)nl * 2);
		int lr = keys && masks ? 0 : -ENOMEM;
		for (uint32_t i = 0; !lr && i < nl; i++) {
			keys[i] = rd32(lk + 4 * (size_t)i);
			masks[i] = (uint16_t)(lm[2 * (size_t)i] | lm[2 * (size_t)i + 1] << 8);
		}
		if (!lr)
			lr = tag_lex_build(keys, masks, nl, &t->lex);
		free(keys);
		free(masks);
		if (lr == -ENOMEM)
			goto nomem;
		if (lr < 0)
			goto bad;
	}
	*ret = t;
	return 0;
bad:
	snprintf(err, errlen, "tagger model damaged (bad table)");
	tagger_free(t);
	return -EINVAL;
nomem:
	snprintf(err, errlen, "out of memory");
	tagger_free(t);
	return -ENOMEM;
}

int tagger_load(const char *path, struct tagger **ret, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	unsigned char *b = NULL;
	size_t len = 0, cap = 0;
	int r = 0;
	for (;;) {
		if (len == cap) {
			if (cap >= TAGGER_MAX_MODEL_BYTES) {
				snprintf(err, errlen, "%s: larger than %u bytes", path, TAGGER_MAX_MODEL_BYTES);
				r = -EFBIG;
				goto out;
			}
			size_t ncap = cap ? cap * 2 : 1u << 20;
			unsigned char *nb = realloc(b, ncap);
			if (!nb) {
				snprintf(err, errlen, "out of memory");
				r = -ENOMEM;
				goto out;
			}
			b = nb;
			cap = ncap;
		}
		size_t n = fread(b + len, 1, cap - len, fp);
		len += n;
		if (n == 0) {
			if (ferror(fp)) {
				snprintf(err, errlen, "%s: read error", path);
				r = -EIO;
				goto out;
			}
			break;
		}
	}
	char e2[200];
	r = load_buf(b, len, ret, e2, sizeof(e2));
	if (r < 0)
		snprintf(err, errlen, "%s: %s", path, e2);
out:
	free(b);
	fclose(fp);
	return r;
}

int tagger_load_mem(const void *b, size_t len, struct tagger **ret, char *err, size_t errlen)
{
	if (len > TAGGER_MAX_MODEL_BYTES) {
		snprintf(err, errlen, "larger than %u bytes", TAGGER_MAX_MODEL_BYTES);
		return -EFBIG;
	}
	return load_buf(b, len, ret, err, errlen);
}

int tagger_load_dir(const char *dir, struct tagger **ret, char *err, size_t errlen)
{
	char path[4096];
	if (!dir)
		dir = claims_default_lexicon_dir();
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, TAGGER_MODEL_FILE) >= sizeof(path)) {
		snprintf(err, errlen, "lexicon directory name too long");
		return -ENAMETOOLONG;
	}
	return tagger_load(path, ret, err, errlen);
}

static void wr32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

int tag_model_write(FILE *fp, const struct tag_model_data *m)
{
	const size_t hdr = 8 + 4 * 8;
	size_t len = hdr + m->n_dict * 5 + m->n_feat * 5 + m->n_entries * 3 + m->n_lex * 6 + 4;
	unsigned char *b = malloc(len);
	if (!b)
		return -ENOMEM;
	memcpy(b, TAG_MAGIC, 8);
	wr32(b + 8, TAG_VERSION);
	wr32(b + 12, UPOS_COUNT);
	wr32(b + 16, (uint32_t)m->n_dict);
	wr32(b + 20, (uint32_t)m->n_feat);
	wr32(b + 24, (uint32_t)m->n_entries);
	uint32_t sc;
	memcpy(&sc, &m->scale, 4);
	wr32(b + 28, sc);
	wr32(b + 32, TAG_FEATURE_SET);
	wr32(b + 36, (uint32_t)m->n_lex);
	unsigned char *p = b + hdr;
	for (size_t i = 0; i < m->n_dict; i++, p += 4)
		wr32(p, m->dict_key[i]);
	memcpy(p, m->dict_tag, m->n_dict);
	p += m->n_dict;
	for (size_t i = 0; i < m->n_feat; i++, p += 4)
		wr32(p, m->feat_key[i]);
	memcpy(p, m->feat_cnt, m->n_feat);
	p += m->n_feat;
	memcpy(p, m->etag, m->n_entries);
	p += m->n_entries;
	for (size_t i = 0; i < m->n_entries; i++, p += 2) {
		uint16_t w = (uint16_t)m->ew[i];
		p[0] = (unsigned char)w;
		p[1] = (unsigned char)(w >> 8);
	}
	for (size_t i = 0; i < m->n_lex; i++, p += 4)
		wr32(p, m->lex_key[i]);
	for (size_t i = 0; i < m->n_lex; i++, p += 2) {
		p[0] = (unsigned char)m->lex_mask[i];
		p[1] = (unsigned char)(m->lex_mask[i] >> 8);
	}
	wr32(p, fnv(0, b, len - 4));
	int r = fwrite(b, 1, len, fp) == len ? 0 : -EIO;
	free(b);
	return r;
}

/* ---- tagging ---- */

static inline int dict_tag(const struct tagger *t, uint32_t key)
{
	uint32_t j = fmix(key) & t->dmask;
	while (t->dkeys[j]) {
		if (t->dkeys[j] == key)
			return t->dtags[j];
		j = (j + 1) & t->dmask;
	}
	return -1;
}

/* One greedy pass. Pass 1 (r NULL) marks in sure[] the tokens it is sure of (a dictionary
 * word, or a best score ahead of the second by t->sure or more); pass 2 (r: the first
 * pass's tags) keeps their tags and scores only the others. */
static void tag_pass(const struct tagger *t, const struct tag_wf *wf, size_t n, const uint8_t *r, uint8_t *upos,
		     uint8_t *sure)
{
	unsigned p1 = UPOS_COUNT, p2 = UPOS_COUNT + 1;
	uint32_t f[TAG_NFEAT_MAX];
	for (size_t i = 0; i < n; i++) {
		int tag = r && sure[i] ? r[i] : dict_tag(t, wf[i].dict);
		if (!r)
			sure[i] = tag >= 0;
		if (tag < 0) {
			int32_t sc[UPOS_COUNT] = { 0 };
			uint32_t pos[TAG_NFEAT_MAX];
			size_t nf = tag_features(wf, n, i, p1, p2, r, f);
			/* ask for every slot first: the misses overlap */
			for (size_t k = 0; k < nf; k++) {
				pos[k] = fmix(f[k]) & t->mask;
				__builtin_prefetch(&t->slots[pos[k]]);
			}
			/* then each slot's inline entries, asking for the others' */
			const uint32_t *more[TAG_NFEAT_MAX];
			uint32_t nmore[TAG_NFEAT_MAX];
			size_t nm = 0;
			for (size_t k = 0; k < nf; k++) {
				uint32_t j = pos[k], key;
				while ((key = t->slots[j].key) && key != f[k])
					j = (j + 1) & t->mask;
				if (!key)
					continue;
				const struct slot *sl = &t->slots[j];
				uint32_t c = sl->val & 31;
				sc[sl->e[0] >> 16] += (int16_t)(uint16_t)sl->e[0];
				if (c > 1)
					sc[sl->e[1] >> 16] += (int16_t)(uint16_t)sl->e[1];
				if (c > 2) {
					more[nm] = t->ent + (sl->val >> 5);
					nmore[nm] = c - 2;
					__builtin_prefetch(more[nm]);
					nm++;
				}
			}
			for (size_t k = 0; k < nm; k++) {
				const uint32_t *e = more[k];
				for (uint32_t c = nmore[k]; c; c--, e++)
					sc[*e >> 16] += (int16_t)(uint16_t)*e;
			}
			tag = 0;
			for (int c = 1; c < UPOS_COUNT; c++)
				if (sc[c] > sc[tag])
					tag = c;
			if (!r) {
				int32_t second = INT32_MIN;
				for (int c = 0; c < UPOS_COUNT; c++)
					if (c != tag && sc[c] > second)
						second = sc[c];
				sure[i] = (int64_t)sc[tag] - second >= t->sure;
			}
		}
		upos[i] = (uint8_t)tag;
		p2 = p1;
		p1 = (unsigned)tag;
	}
}

/* Word features of n words, got through fill(ctx, i, &s, &len), then tags. */
typedef void (*word_at_fn)(const void *ctx, size_t i, const char **s, size_t *n);

static int tag_with(const struct tagger *t, const void *ctx, word_at_fn at, size_t n, uint8_t *upos, bool fast)
{
	if (n == 0)
		return 0;
	struct tag_wf stack[TAG_STACK_TOKENS];
	uint8_t first_stack[TAG_STACK_TOKENS * 2];
	struct tag_wf *wf = stack;
	uint8_t *first = first_stack;
	if (n > TAG_STACK_TOKENS) {
		wf = malloc(n * sizeof(*wf));
		first = malloc(n * 2);
		if (!wf || !first) {
			free(wf);
			free(first);
			memset(upos, UPOS_X, n);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *s;
		size_t len;
		at(ctx, i, &s, &len);
		tag_word_features(t->lex, s, len, &wf[i]);
	}
	uint8_t *sure = first + n;
	if (fast) {
		tag_pass(t, wf, n, NULL, upos, sure);
	} else {
		tag_pass(t, wf, n, NULL, first, sure);
		tag_pass(t, wf, n, first, upos, sure);
	}
	if (wf != stack) {
		free(wf);
		free(first);
	}
	return 0;
}

static void at_cstr(const void *ctx, size_t i, const char **s, size_t *n)
{
	const char *const *w = ctx;
	*s = w[i] ? w[i] : "";
	*n = strlen(*s);
}

static void at_word(const void *ctx, size_t i, const char **s, size_t *n)
{
	const struct tag_word *w = ctx;
	*s = w[i].s ? w[i].s : "";
	*n = w[i].s ? w[i].n : 0;
}

/* The claim stage's tokens, with a period written onto a short capitalised word ("Mr",
 * "Corp" + ".") joined back to it as the treebank writes it ("Mr.", "Corp."): keep[i] is
 * the token behind the i-th word tagged, join[i] set when its period follows. */
struct tokmap {
	const struct tok *t;
	const uint32_t *keep;
	const uint8_t *join;
};

static void at_tok(const void *ctx, size_t i, const char **s, size_t *n)
{
	const struct tokmap *m = ctx;
	const struct tok *k = &m->t[m->keep[i]];
	*s = k->s;
	*n = k->n + m->join[i];
}

static bool abbrev_tok(const struct tok *tk, size_t n, size_t i)
{
	const struct tok *p = &tk[i - 1], *d = &tk[i];
	if (i + 1 >= n || d->kind != TK_PUNCT || d->n != 1 || d->s[0] != '.' || (d->flags & TF_SPACE) ||
	    p->kind != TK_WORD || p->n > 4 || !(p->flags & TF_CAP) || p->s + p->n != d->s)
		return false;
	for (size_t k = 0; k < p->n; k++)
		if (!c_isalpha((unsigned char)p->s[k]))
			return false;
	return true;
}

static int tag_toks(const struct tagger *t, const struct tok *tk, size_t n, uint8_t *upos, bool fast)
{
	if (n == 0)
		return 0;
	uint32_t keep_stack[TAG_STACK_TOKENS];
	uint8_t join_stack[TAG_STACK_TOKENS], out_stack[TAG_STACK_TOKENS];
	uint32_t *keep = keep_stack;
	uint8_t *join = join_stack, *out = out_stack;
	if (n > TAG_STACK_TOKENS) {
		keep = malloc(n * sizeof(*keep));
		join = malloc(n);
		out = malloc(n);
		if (!keep || !join || !out) {
			free(keep);
			free(join);
			free(out);
			memset(upos, UPOS_X, n);
			return -ENOMEM;
		}
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && m > 0 && keep[m - 1] == i - 1 && abbrev_tok(tk, n, i)) {
			join[m - 1] = 1;
			continue;
		}
		keep[m] = (uint32_t)i;
		join[m] = 0;
		m++;
	}
	struct tokmap map = { tk, keep, join };
	int r = tag_with(t, &map, at_tok, m, out, fast);
	if (r == 0) {
		for (size_t i = 0; i < m; i++) {
			upos[keep[i]] = out[i];
			if (join[i])
				upos[keep[i] + 1] = UPOS_PUNCT;
		}
	} else {
		memset(upos, UPOS_X, n);
	}
	if (keep != keep_stack) {
		free(keep);
		free(join);
		free(out);
	}
	return r;
}

int tagger_tag(const struct tagger *t, const char *const *words, size_t n, uint8_t *upos)
{
	return tag_with(t, words, at_cstr, n, upos, false);
}

int tagger_tag_words(const struct tagger *t, const struct tag_word *w, size_t n, uint8_t *upos)
{
	return tag_with(t, w, at_word, n, upos, false);
}

int tagger_tag_toks(const struct tagger *t, const struct tok *tk, size_t n, uint8_t *upos)
{
	return tag_toks(t, tk, n, upos, false);
}

int tagger_tag_words_fast(const struct tagger *t, const struct tag_word *w, size_t n, uint8_t *upos)
{
	return tag_with(t, w, at_word, n, upos, true);
}

int tagger_tag_toks_fast(const struct tagger *t, const struct tok *tk, size_t n, uint8_t *upos)
{
	return tag_toks(t, tk, n, upos, true);
}

/* ---- noun-phrase chunks ---- */

static bool is_poss(const uint8_t *upos, const struct tag_word *w, size_t i)
{
	if (upos[i] != UPOS_PART || !w || !w[i].s)
		return false;
	const char *s = w[i].s;
	size_t n = w[i].n;
	if (n == 2 && s[0] == '\'' && (s[1] == 's' || s[1] == 'S'))
		return true;
	if (n == 1 && s[0] == '\'')
		return true;
	if (n == 4 && !memcmp(s, "\xe2\x80\x99", 3) && (s[3] == 's' || s[3] == 'S'))
		return true;
	return n == 3 && !memcmp(s, "\xe2\x80\x99", 3);
}

static inline bool nominal(uint8_t t)
{
	return t == UPOS_NOUN || t == UPOS_PROPN;
}

static bool word_is(const struct tag_word *w, size_t i, const char *lw)
{
	size_t n = strlen(lw);
	if (!w || !w[i].s || w[i].n != n)
		return false;
	for (size_t k = 0; k < n; k++)
		if (c_tolower((unsigned char)w[i].s[k]) != lw[k])
			return false;
	return true;
}

/* "his", "their": a pronoun that opens a noun phrase */
static bool poss_pronoun(const struct tag_word *w, size_t i)
{
	static const char *const pp[] = { "my", "your", "his", "her", "its", "our", "their", "whose" };
	for (size_t k = 0; k < sizeof(pp) / sizeof(pp[0]); k++)
		if (word_is(w, i, pp[k]))
			return true;
	return false;
}

/* "$", "£", "€" before a number: "$ 15 million" is a noun phrase */
static bool currency(const uint8_t *upos, const struct tag_word *w, size_t i, size_t n)
{
	if (upos[i] != UPOS_SYM || i + 1 >= n || upos[i + 1] != UPOS_NUM || !w || !w[i].s)
		return false;
	const char *s = w[i].s;
	return (w[i].n == 1 && s[0] == '$') || (w[i].n == 2 && !memcmp(s, "\xc2\xa3", 2)) ||
	       (w[i].n == 3 && !memcmp(s, "\xe2\x82\xac", 3)) || (w[i].n == 2 && !memcmp(s, "\xc2\xa5", 2));
}

/* A period written onto a short capitalised name ("Mr.", "Gen.", "St.", "Inc."): the claim
 * stage's tokenizer leaves it a token of its own. */
static bool abbrev_period(const uint8_t *upos, const struct tag_word *w, size_t j)
{
	if (!w || j == 0 || upos[j] != UPOS_PUNCT || w[j].n != 1 || !w[j].s || w[j].s[0] != '.' || !w[j - 1].s)
		return false;
	const struct tag_word *p = &w[j - 1];
	if (p->s + p->n != w[j].s || p->n > 4 || !c_isupper((unsigned char)p->s[0]) || !nominal(upos[j - 1]))
		return false;
	for (size_t k = 1; k < p->n; k++)
		if (!c_isalpha((unsigned char)p->s[k]))
			return false;
	return true;
}

/* DET? (ADJ|NUM|NOUN|PROPN|ADV before ADJ|participle before a noun|possessive)* and a
 * nominal head; a pronoun alone; a possessive pronoun opens a noun phrase like a
 * determiner. */
size_t np_chunks(const uint8_t *upos, const struct tag_word *w, size_t n, struct np_chunk *out, size_t max)
{
	size_t k = 0, i = 0;
	while (i < n && k < max) {
		uint8_t t = upos[i];
		bool opener = t == UPOS_DET || (t == UPOS_PRON && poss_pronoun(w, i)) || currency(upos, w, i, n);
		if (t == UPOS_PRON && !opener) {
			out[k++] = (struct np_chunk){ (uint32_t)i, (uint32_t)i + 1, (uint32_t)i };
			i++;
			continue;
		}
		if (!(opener || t == UPOS_ADJ || t == UPOS_NUM || nominal(t) ||
		      (t == UPOS_ADV && i + 1 < n && (upos[i + 1] == UPOS_ADJ || upos[i + 1] == UPOS_NUM)))) {
			i++;
			continue;
		}
		size_t b = i, j = i;
		if (opener)
			j++;
		size_t head = SIZE_MAX, end = j, ph = SIZE_MAX, pe = 0;
		while (j < n) {
			uint8_t u = upos[j];
			bool next_nom = j + 1 < n && (nominal(upos[j + 1]) || upos[j + 1] == UPOS_ADJ);
			if (nominal(u) || u == UPOS_NUM || (u == UPOS_SYM && j > b && upos[j - 1] == UPOS_NUM && word_is(w, j, "%"))) {
				head = j; /* "3.5 %": the sign heads it, as in the treebank */
				end = j + 1;
				j++;
			} else if (currency(upos, w, j, n) && head == SIZE_MAX) {
				j++; /* "the $ 2.5 billion deal" */
			} else if (u == UPOS_ADJ || (u == UPOS_ADV && j + 1 < n && (upos[j + 1] == UPOS_ADJ || upos[j + 1] == UPOS_NUM))) {
				j++;
			} else if (u == UPOS_VERB && head == SIZE_MAX && j > b && next_nom &&
				   (upos[j - 1] == UPOS_DET || upos[j - 1] == UPOS_ADJ || upos[j - 1] == UPOS_PRON ||
				    upos[j - 1] == UPOS_ADV)) {
				j++; /* "the occupied territories", "its revised forecast" */
			} else if (abbrev_period(upos, w, j) && head == j - 1 && next_nom) {
				j++; /* "Mr. Smith", "St. Louis" as the claim stage cuts them: "Mr" "." "Smith" */
			} else if (u == UPOS_PUNCT && w && w[j].n == 1 && w[j].s[0] == '-' && head != SIZE_MAX && next_nom) {
				j++; /* "Al - Zaman", "U.S. - backed": the treebank's tokens */
			} else if (head != SIZE_MAX && is_poss(upos, w, j) && j + 1 < n &&
				   (next_nom || upos[j + 1] == UPOS_NUM || upos[j + 1] == UPOS_VERB)) {
				ph = head; /* "the company 's chief executive" */
				pe = end;
				head = SIZE_MAX;
				j++;
			} else if (u == UPOS_DET && head == SIZE_MAX && j == b + 1 && upos[b] == UPOS_DET) {
				j++; /* "all the" */
			} else {
				break;
			}
		}
		if (head == SIZE_MAX && ph != SIZE_MAX) {
			head = ph; /* "the company 's" and no noun after it */
			end = pe;
		}
		if (head == SIZE_MAX) {
			/* no head: a lone determiner or adjective; "the poor" stays out */
			i = j > i ? j : i + 1;
			continue;
		}
		out[k++] = (struct np_chunk){ (uint32_t)b, (uint32_t)end, (uint32_t)head };
		i = end;
	}
	return k;
}

/* ---- CoNLL-U ---- */

static char *sdup(struct conllu_sent *s, const char *p, size_t n)
{
	if (s->buflen + n + 1 > s->bufcap)
		return NULL;
	char *o = s->buf + s->buflen;
	memcpy(o, p, n);
	o[n] = '\0';
	s->buflen += n + 1;
	return o;
}

void conllu_release(struct conllu_sent *s)
{
	free(s->buf);
	s->buf = NULL;
	s->buflen = s->bufcap = 0;
}

int conllu_next(FILE *fp, struct conllu_sent *s, size_t *lineno, char *err, size_t errlen)
{
	char line[8192];
	bool any = false;
	uint32_t mwt_b = 0, mwt_e = 0;
	char *mwt_form = NULL;
	bool mwt_space = true;
	if (!s->buf) {
		s->bufcap = 1u << 16;
		s->buf = malloc(s->bufcap);
		if (!s->buf)
			return -ENOMEM;
	}
	s->n = 0;
	s->buflen = 0;
	while (fgets(line, sizeof(line), fp)) {
		(*lineno)++;
		size_t len = strlen(line);
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0) {
			if (any)
				return 1;
			continue;
		}
		if (line[0] == '#')
			continue;
		any = true;
		char *col[10];
		size_t nc = 0;
		char *p = line;
		while (nc < 10) {
			col[nc++] = p;
			char *tab = strchr(p, '\t');
			if (!tab)
				break;
			*tab = '\0';
			p = tab + 1;
		}
		if (nc != 10) {
			snprintf(err, errlen, "line %zu: %zu columns, not 10", *lineno, nc);
			return -EINVAL;
		}
		if (strchr(col[0], '.'))
			continue; /* empty node */
		char *dash = strchr(col[0], '-');
		if (dash) {
			mwt_b = (uint32_t)strtoul(col[0], NULL, 10);
			mwt_e = (uint32_t)strtoul(dash + 1, NULL, 10);
			mwt_form = sdup(s, col[1], strlen(col[1]));
			mwt_space = !strstr(col[9], "SpaceAfter=No");
			continue;
		}
		if (s->n >= CONLLU_MAX_TOKENS)
			continue;
		uint32_t id = (uint32_t)strtoul(col[0], NULL, 10);
		struct conllu_tok *t = &s->t[s->n];
		memset(t, 0, sizeof(*t));
		t->form = sdup(s, col[1], strlen(col[1]));
		if (!t->form) {
			snprintf(err, errlen, "line %zu: sentence too long", *lineno);
			return -EINVAL;
		}
		int u = upos_from_name(col[3]);
		t->upos = u < 0 ? UPOS_COUNT : (uint8_t)u;
		t->head = (uint32_t)strtoul(col[6], NULL, 10);
		size_t dl = strlen(col[7]);
		if (dl >= sizeof(t->deprel))
			dl = sizeof(t->deprel) - 1;
		memcpy(t->deprel, col[7], dl);
		t->deprel[dl] = '\0';
		t->space_after = !strstr(col[9], "SpaceAfter=No");
		if (mwt_form && id == mwt_b) {
			t->mwt_end = (uint32_t)s->n + (mwt_e - mwt_b) + 1;
			t->mwt_form = mwt_form;
		}
		if (mwt_form && id == mwt_e) {
			t->space_after = mwt_space; /* a multiword token's SpaceAfter is on its range line */
			mwt_form = NULL;
		}
		s->n++;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "read error");
		return -EIO;
	}
	return any ? 1 : 0;
}

/* The claim tokenizer's tokens of a sentence, each tagged from the treebank word that
 * heads the characters it covers. Returns false when the tokens cannot be aligned. */
static bool retokenize(const struct conllu_sent *s, struct arena *a, struct tag_word **ret_w,
		       uint8_t **ret_tags, size_t *ret_n, const char **ret_text, size_t *ret_len)
{
	/* rebuild the text: each word's span [wb, we) */
	size_t len = 0;
	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->t[i].form) + 1 + (s->t[i].mwt_form ? strlen(s->t[i].mwt_form) : 0);
	char *text = arena_alloc(a, len + 1);
	size_t *wb = arena_alloc(a, s->n * sizeof(size_t)), *we = arena_alloc(a, s->n * sizeof(size_t));
	if (!text || !wb || !we)
		return false;
	size_t p = 0;
	for (size_t i = 0; i < s->n;) {
		const struct conllu_tok *t = &s->t[i];
		if (t->mwt_end && t->mwt_form) {
			/* a multiword token: its surface form; each word covers its own part when the
			 * parts spell it ("it's" = "it" + "'s"), else all of it */
			size_t fl = strlen(t->mwt_form), at = 0;
			size_t last = t->mwt_end - 1 < s->n ? t->mwt_end - 1 : s->n - 1;
			bool spelled = true;
			for (size_t k = i; k <= last && spelled; k++) {
				size_t kl = strlen(s->t[k].form);
				spelled = at + kl <= fl && !memcmp(t->mwt_form + at, s->t[k].form, kl);
				at += kl;
			}
			spelled = spelled && at == fl;
			at = 0;
			for (size_t k = i; k <= last; k++) {
				size_t kl = strlen(s->t[k].form);
				wb[k] = spelled ? p + at : p;
				we[k] = spelled ? p + at + kl : p + fl;
				at += kl;
			}
			memcpy(text + p, t->mwt_form, fl);
			p += fl;
			if (s->t[last].space_after)
				text[p++] = ' ';
			i = last + 1;
			continue;
		}
		size_t fl = strlen(t->form);
		wb[i] = p;
		memcpy(text + p, t->form, fl);
		p += fl;
		we[i] = p;
		if (t->space_after)
			text[p++] = ' ';
		i++;
	}
	while (p && text[p - 1] == ' ')
		p--;
	text[p] = '\0';
	struct tok *tk;
	size_t nt = sent_tokenize(a, text, p, &tk);
	if (!nt)
		return false;
	struct tag_word *w = arena_alloc(a, nt * sizeof(*w));
	uint8_t *tags = arena_alloc(a, nt);
	if (!w || !tags)
		return false;
	for (size_t k = 0; k < nt; k++) {
		size_t b = (size_t)(tk[k].s - text), e = b + tk[k].n;
		/* the words overlapping [b, e); the one whose head is outside them heads the token */
		size_t first = SIZE_MAX, last = 0;
		for (size_t i = 0; i < s->n; i++)
			if (wb[i] < e && we[i] > b) {
				if (first == SIZE_MAX)
					first = i;
				last = i;
			}
		if (first == SIZE_MAX)
			return false;
		size_t h = first;
		int tag = s->t[first].upos;
		if (last > first) {
			for (size_t i = first; i <= last; i++) {
				uint32_t hd = s->t[i].head;
				if (hd == 0 || hd - 1 < first || hd - 1 > last) {
					h = i;
					break;
				}
			}
			tag = s->t[h].upos;
			/* "Ohio-based company", "48-year-old man": a modifier as a whole */
			if (!strncmp(s->t[h].deprel, "amod", 4) && (tag == UPOS_VERB || tag == UPOS_NOUN))
				tag = UPOS_ADJ;
			/* a multiword token "don't", "cannot": its first word ("do" AUX, "can") */
			if (s->t[first].mwt_end)
				tag = s->t[first].upos;
		}
		/* a piece of one word ("10:30" cut at the colon, "Mr." at its period): punctuation
		 * stays punctuation */
		if (first == last && (b > wb[first] || e < we[first]) && tk[k].kind == TK_PUNCT && tag != UPOS_SYM &&
		    tag != UPOS_X)
			tag = UPOS_PUNCT;
		if (tag >= UPOS_COUNT)
			return false;
		w[k].s = tk[k].s;
		w[k].n = tk[k].n;
		tags[k] = (uint8_t)tag;
	}
	*ret_w = w;
	*ret_tags = tags;
	*ret_n = nt;
	*ret_text = text;
	*ret_len = p;
	return true;
}

int conllu_claim_tokens(const struct conllu_sent *s, char **ret_text, struct tag_word **ret_w, uint8_t **ret_tags,
			size_t *ret_n)
{
	struct arena *a = arena_new();
	struct tag_word *w;
	uint8_t *tags;
	const char *text;
	size_t n, len;
	int r = -EINVAL;
	if (!a)
		return -ENOMEM;
	if (s->n && retokenize(s, a, &w, &tags, &n, &text, &len)) {
		char *t = malloc(len + 1);
		struct tag_word *ow = malloc(n * sizeof(*ow));
		uint8_t *ot = malloc(n);
		if (!t || !ow || !ot) {
			free(t);
			free(ow);
			free(ot);
			r = -ENOMEM;
		} else {
			memcpy(t, text, len + 1);
			for (size_t i = 0; i < n; i++) {
				ow[i].s = t + (w[i].s - text);
				ow[i].n = w[i].n;
			}
			memcpy(ot, tags, n);
			*ret_text = t;
			*ret_w = ow;
			*ret_tags = ot;
			*ret_n = n;
			r = 0;
		}
	}
	arena_free(a);
	return r;
}

