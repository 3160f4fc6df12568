/* train_tagger.c — trains the part-of-speech model of daemon/claims/tag.c (`make model`).
 *
 * usage: train_tagger [--iter N] [--jack-iter N] [--folds K] [--dev DEV.conllu] [--prune Q]
 *                     [--prune1 Q] [--dict MIN RATIO] [--seed S] [--wordnet DIR] [--no-retok]
 *                     -o MODEL TRAIN.conllu...
 *
 * Takes: CoNLL-U files (plain text; `make model` decompresses the UD English Web Treebank's
 * train and dev splits) and WordNet's index and exception files (--wordnet, Debian's
 * wordnet-base: /usr/share/wordnet), whose word classes become features and go into the
 * model. Every training sentence is seen twice: with the treebank's own tokens, and as the
 * claim stage's tokenizer (daemon/claims/sent.c) cuts its text, each of those tokens taking
 * the tag of the treebank word that heads it ("Ohio-based" ADJ, "don't" AUX), so the model
 * tags the tokens the claim rules see as well as the treebank's.
 * Trains two passes: the first (N iterations); the second, which also sees the first's tags
 * to the right, on first-pass tags of the training set got by K-fold jackknifing (each fold
 * tagged by a first pass trained --jack-iter iterations on the others), as at run time.
 * Gives: a model file (format in tag.c): each pass's averaged-perceptron weights after the
 * iteration that scored best on DEV (the last without --dev), quantized to 16 bits, weights
 * under Q (default 0.5; --prune1 for the first pass alone) dropped; a tag dictionary of the
 * words seen at least MIN times (10) with one tag RATIO (0.98) of the time or more. Prints
 * accuracy on DEV after each iteration, and of the written model once reloaded.
 * Deterministic: the same files and seed give the same model. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimd/tag.h"

#define NT UPOS_COUNT

/* ---- a corpus: sentences as runs of word features and gold tags ---- */

struct corpus {
	struct tag_wf *wf;
	uint8_t *gold;
	uint8_t *first; /* the first pass's tags (jackknifed on train) */
	size_t *grp;    /* sentence k: index of the treebank sentence it comes from */
	size_t *start; /* sentence k: tokens [start[k], start[k+1]) */
	size_t n_tok, n_sent, cap_tok, cap_sent;
};

static void die(const char *what)
{
	fprintf(stderr, "train_tagger: %s\n", what);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die("out of memory");
	return q;
}

static struct tag_lex *lex; /* from --wordnet */

/* Adds the words of one WordNet file (index.* or *.exc: the first field of each line that
 * does not start with a space; multiword entries skipped) with classes bits. */
static void wordnet_file(const char *dir, const char *name, uint16_t bits, uint32_t **keys, uint16_t **masks,
			 size_t *n, size_t *cap)
{
	char path[4096], line[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "r");
	if (!fp) {
		fprintf(stderr, "train_tagger: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof(line), fp)) {
		if (line[0] == ' ' || line[0] == '\n')
			continue;
		size_t l = strcspn(line, " \t\n");
		if (l < 2 || memchr(line, '_', l))
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 65536;
			*keys = xrealloc(*keys, *cap * 4);
			*masks = xrealloc(*masks, *cap * 2);
		}
		(*keys)[*n] = tag_lex_key(line, l);
		(*masks)[*n] = bits;
		(*n)++;
	}
	fclose(fp);
}

static void load_wordnet(const char *dir)
{
	uint32_t *keys = NULL;
	uint16_t *masks = NULL;
	size_t n = 0, cap = 0;
	wordnet_file(dir, "index.noun", TLX_N, &keys, &masks, &n, &cap);
	wordnet_file(dir, "index.verb", TLX_V, &keys, &masks, &n, &cap);
	wordnet_file(dir, "index.adj", TLX_A, &keys, &masks, &n, &cap);
	wordnet_file(dir, "index.adv", TLX_R, &keys, &masks, &n, &cap);
	wordnet_file(dir, "noun.exc", TLX_NPL, &keys, &masks, &n, &cap);
	wordnet_file(dir, "verb.exc", TLX_VED, &keys, &masks, &n, &cap);
	wordnet_file(dir, "adj.exc", TLX_ACMP, &keys, &masks, &n, &cap);
	wordnet_file(dir, "adv.exc", TLX_R, &keys, &masks, &n, &cap);
	if (tag_lex_build(keys, masks, n, &lex) < 0)
		die("cannot build the word-class lexicon");
	printf("wordnet: %zu words from %s\n", lex->n, dir);
	free(keys);
	free(masks);
}

static void corpus_add(struct corpus *c, const struct tag_word *w, const uint8_t *tags, size_t n, size_t grp)
{
	if (c->n_sent + 2 > c->cap_sent) {
		c->cap_sent = c->cap_sent ? c->cap_sent * 2 : 4096;
		c->start = xrealloc(c->start, c->cap_sent * sizeof(size_t));
		c->grp = xrealloc(c->grp, c->cap_sent * sizeof(size_t));
	}
	if (c->n_tok + n > c->cap_tok) {
		while (c->n_tok + n > c->cap_tok)
			c->cap_tok = c->cap_tok ? c->cap_tok * 2 : 65536;
		c->wf = xrealloc(c->wf, c->cap_tok * sizeof(*c->wf));
		c->gold = xrealloc(c->gold, c->cap_tok);
		c->first = xrealloc(c->first, c->cap_tok);
	}
	c->grp[c->n_sent] = grp;
	c->start[c->n_sent] = c->n_tok;
	for (size_t i = 0; i < n; i++) {
		tag_word_features(lex, w[i].s, w[i].n, &c->wf[c->n_tok + i]);
		c->gold[c->n_tok + i] = tags[i];
	}

	c->n_tok += n;
	c->n_sent++;
	c->start[c->n_sent] = c->n_tok;
}

/* Cased word counts for the tag dictionary: an open-addressing table on the dict key. */
struct wcount {
	uint32_t key;
	uint32_t n[NT];
};
static struct wcount *wc;
static size_t wc_cap = 1u << 18, wc_n;

static void wc_add(uint32_t key, uint8_t tag)
{
	if (!wc)
		wc = calloc(wc_cap, sizeof(*wc));
	if (!wc)
		die("out of memory");
	size_t j = (key * 2654435761u) & (wc_cap - 1);
	while (wc[j].key && wc[j].key != key)
		j = (j + 1) & (wc_cap - 1);
	if (!wc[j].key) {
		if (++wc_n > wc_cap / 2)
			die("too many distinct words");
		wc[j].key = key;
	}
	wc[j].n[tag]++;
}

/* Reads a CoNLL-U file into c (the treebank's tokens, plus the claim tokenizer's when
 * retok); counts words for the dictionary when count. */
static void read_file(const char *path, struct corpus *c, bool retok, bool count, size_t *n_retok)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		fprintf(stderr, "train_tagger: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	struct conllu_sent *s = calloc(1, sizeof(*s));
	if (!s)
		die("out of memory");
	size_t lineno = 0;
	char err[256];
	int r;
	struct tag_word w[CONLLU_MAX_TOKENS];
	uint8_t tags[CONLLU_MAX_TOKENS];
	while ((r = conllu_next(fp, s, &lineno, err, sizeof(err))) > 0) {
		bool ok = true;
		for (size_t i = 0; i < s->n; i++) {
			w[i].s = s->t[i].form;
			w[i].n = strlen(s->t[i].form);
			tags[i] = s->t[i].upos;
			if (tags[i] >= NT)
				ok = false;
		}
		if (!ok || !s->n)
			continue;
		size_t grp = c->n_sent;
		corpus_add(c, w, tags, s->n, grp);
		if (count)
			for (size_t i = 0; i < s->n; i++)
				wc_add(c->wf[c->start[c->n_sent - 1] + i].dict, tags[i]);
		if (retok) {
			struct tag_word *rw;
			uint8_t *rt;
			size_t rn;
			char *text;
			if (conllu_claim_tokens(s, &text, &rw, &rt, &rn) == 0) {
				bool same = rn == s->n;
				for (size_t i = 0; same && i < rn; i++)
					same = rw[i].n == w[i].n && !memcmp(rw[i].s, w[i].s, rw[i].n);
				if (!same) {
					corpus_add(c, rw, rt, rn, grp);
					(*n_retok)++;
				}
				free(text);
				free(rw);
				free(rt);
			}
		}
	}
	if (r < 0) {
		fprintf(stderr, "train_tagger: %s: %s\n", path, err);
		exit(1);
	}
	conllu_release(s);
	free(s);
	fclose(fp);
}

/* ---- the perceptron ---- */

struct feat {
	int32_t w[NT];
	int64_t tot[NT];
	uint32_t ts[NT];
};

/* One pass's weights: features hashed to slots, slot -> index into f. */
struct pm {
	uint32_t *keys, *idx;
	struct feat *f;
	size_t n, cap;
	uint32_t now;  /* updates so far (the averaging clock) */
	float *avg;    /* averaged weights, n * NT, after pm_average() */
};

static struct pm *pm_new(size_t cap)
{
	struct pm *m = calloc(1, sizeof(*m));
	if (!m)
		die("out of memory");
	m->cap = cap;
	m->keys = calloc(cap, 4);
	m->idx = calloc(cap, 4);
	m->f = malloc(cap / 2 * sizeof(struct feat));
	if (!m->keys || !m->idx || !m->f)
		die("out of memory");
	return m;
}

static void pm_free(struct pm *m)
{
	free(m->keys);
	free(m->idx);
	free(m->f);
	free(m->avg);
	free(m);
}

static inline uint32_t pm_slot(const struct pm *m, uint32_t key)
{
	uint32_t j = (key * 2654435761u) & (uint32_t)(m->cap - 1);
	while (m->keys[j] && m->keys[j] != key)
		j = (j + 1) & (uint32_t)(m->cap - 1);
	return j;
}

static void pm_update(struct pm *m, uint32_t key, unsigned tag, int d)
{
	uint32_t j = pm_slot(m, key);
	if (!m->keys[j]) {
		if (m->n + 1 > m->cap / 2)
			die("feature table full");
		m->keys[j] = key;
		m->idx[j] = (uint32_t)m->n;
		memset(&m->f[m->n], 0, sizeof(struct feat));
		m->n++;
	}
	struct feat *f = &m->f[m->idx[j]];
	f->tot[tag] += (int64_t)(m->now - f->ts[tag]) * f->w[tag];
	f->ts[tag] = m->now;
	f->w[tag] += d;
}

static void pm_average(struct pm *m)
{
	m->avg = xrealloc(m->avg, m->n * NT * sizeof(float));
	for (size_t i = 0; i < m->n; i++)
		for (unsigned t = 0; t < NT; t++) {
			const struct feat *f = &m->f[i];
			int64_t tot = f->tot[t] + (int64_t)(m->now - f->ts[t]) * f->w[t];
			m->avg[i * NT + t] = m->now ? (float)((double)tot / m->now) : 0;
		}
}

/* the tag dictionary */
static uint32_t *dkeys;
static uint8_t *dtags;
static size_t d_cap, d_n;

static int dict_get(uint32_t key)
{
	if (!d_cap)
		return -1;
	size_t j = (key * 2654435761u) & (d_cap - 1);
	while (dkeys[j]) {
		if (dkeys[j] == key)
			return dtags[j];
		j = (j + 1) & (d_cap - 1);
	}
	return -1;
}

/* chosen on dev: 20 and 0.97 (Honnibal's) gave 0.9530, 10 and 0.98 0.9545, 5 and 0.99 0.9545,
 * 3 and 0.99 0.9540; the rarer a word, the likelier news uses it otherwise than the web text */
static unsigned dict_min = 10;
static double dict_ratio = 0.98;

static void build_dict(void)
{
	d_cap = 1u << 16;
	dkeys = calloc(d_cap, 4);
	dtags = calloc(d_cap, 1);
	if (!dkeys || !dtags)
		die("out of memory");
	for (size_t i = 0; i < wc_cap; i++) {
		if (!wc[i].key)
			continue;
		uint32_t tot = 0, best = 0;
		unsigned bt = 0;
		for (unsigned t = 0; t < NT; t++) {
			tot += wc[i].n[t];
			if (wc[i].n[t] > best) {
				best = wc[i].n[t];
				bt = t;
			}
		}
		if (tot >= dict_min && (double)best / tot >= dict_ratio) {
			size_t j = (wc[i].key * 2654435761u) & (d_cap - 1);
			while (dkeys[j])
				j = (j + 1) & (d_cap - 1);
			dkeys[j] = wc[i].key;
			dtags[j] = (uint8_t)bt;
			if (++d_n > d_cap / 2)
				die("tag dictionary full");
		}
	}
}

/* Scores with the live weights (use_avg false) or the averages. */
static unsigned predict(const struct pm *m, const uint32_t *f, size_t nf, bool use_avg)
{
	float sc[NT] = { 0 };
	for (size_t k = 0; k < nf; k++) {
		uint32_t j = pm_slot(m, f[k]);
		if (!m->keys[j])
			continue;
		uint32_t ix = m->idx[j];
		if (use_avg) {
			const float *a = m->avg + (size_t)ix * NT;
			for (unsigned t = 0; t < NT; t++)
				sc[t] += a[t];
		} else {
			const int32_t *w = m->f[ix].w;
			for (unsigned t = 0; t < NT; t++)
				sc[t] += (float)w[t];
		}
	}
	unsigned best = 0;
	for (unsigned t = 1; t < NT; t++)
		if (sc[t] > sc[best])
			best = t;
	return best;
}

/* Tags sentence k of c greedily (pass 2 when pass2: with c->first to the right), trains
 * on it when train, writes the tags to out when not NULL. Returns correct tokens. */
static size_t run_sentence(struct pm *m, const struct corpus *c, size_t k, bool pass2, bool train,
			   uint8_t *out)
{
	size_t b = c->start[k], n = c->start[k + 1] - b, ok = 0;
	const struct tag_wf *wf = c->wf + b;
	const uint8_t *r = pass2 ? c->first + b : NULL;
	unsigned p1 = NT, p2 = NT + 1;
	uint32_t f[TAG_NFEAT_MAX];
	for (size_t i = 0; i < n; i++) {
		unsigned gold = c->gold[b + i];
		int dt = dict_get(wf[i].dict);
		unsigned guess;
		if (dt >= 0) {
			guess = (unsigned)dt;
		} else {
			size_t nf = tag_features(wf, n, i, p1, p2, r, f);
			guess = predict(m, f, nf, !train);
			if (train) {
				m->now++;
				if (guess != gold)
					for (size_t j = 0; j < nf; j++) {
						pm_update(m, f[j], gold, 1);
						pm_update(m, f[j], guess, -1);
					}
			}
		}
		if (out)
			out[i] = (uint8_t)guess;
		ok += guess == gold;
		p2 = p1;
		p1 = guess;
	}
	return ok;
}

static uint64_t rng_state;

static void shuffle(size_t *v, size_t n)
{
	for (size_t k = n; k > 1; k--) {
		rng_state ^= rng_state << 13;
		rng_state ^= rng_state >> 7;
		rng_state ^= rng_state << 17;
		size_t j = (size_t)(rng_state % k);
		size_t x = v[k - 1];
		v[k - 1] = v[j];
		v[j] = x;
	}
}

/* Trains one pass for iters iterations on the sentences of c in sel (n_sel of them); with
 * dev, keeps the averaged weights of the iteration best on dev in m->avg (else the last).
 * Returns the best dev accuracy. */
static double train_pass(struct pm *m, struct corpus *c, const size_t *sel, size_t n_sel, bool pass2, int iters,
			 struct corpus *dev, const char *name, int *ret_best_it)
{
	size_t *order = malloc(n_sel * sizeof(size_t));
	if (!order)
		die("out of memory");
	memcpy(order, sel, n_sel * sizeof(size_t));
	size_t ntok = 0;
	for (size_t k = 0; k < n_sel; k++)
		ntok += c->start[sel[k] + 1] - c->start[sel[k]];
	double best = -1;
	int best_it = 0;
	float *best_w = NULL;
	size_t best_n = 0;
	for (int it = 1; it <= iters; it++) {
		shuffle(order, n_sel);
		size_t ok = 0;
		for (size_t k = 0; k < n_sel; k++)
			ok += run_sentence(m, c, order[k], pass2, true, NULL);
		pm_average(m);
		double acc = 0;
		if (dev) {
			size_t dok = 0;
			for (size_t k = 0; k < dev->n_sent; k++)
				dok += run_sentence(m, dev, k, pass2, false, NULL);
			acc = dev->n_tok ? (double)dok / dev->n_tok : 0;
		}
		if (name) {
			printf("%s iteration %2d: train %.4f  dev %.4f  (%zu features)\n", name, it, (double)ok / ntok, acc,
			       m->n);
			fflush(stdout);
		}
		if (!dev || acc > best) {
			best = acc;
			best_it = it;
			best_w = xrealloc(best_w, m->n * NT * sizeof(float));
			memcpy(best_w, m->avg, m->n * NT * sizeof(float));
			best_n = m->n;
		}
	}
	/* features first seen after the best iteration had no weight then */
	best_w = xrealloc(best_w, m->n * NT * sizeof(float));
	memset(best_w + best_n * NT, 0, (m->n - best_n) * NT * sizeof(float));
	free(m->avg);
	m->avg = best_w;
	free(order);
	if (ret_best_it)
		*ret_best_it = best_it;
	return best;
}

/* The first pass's tags of every sentence of c with m's averaged weights. */
static void tag_first(struct pm *m, struct corpus *c, const size_t *sel, size_t n_sel)
{
	for (size_t k = 0; k < n_sel; k++)
		run_sentence(m, c, sel[k], false, false, c->first + c->start[sel[k]]);
}

/* ---- writing the model ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct kw {
	uint32_t key;
	const float *w;
	double prune;
};

static int cmp_kw(const void *a, const void *b)
{
	uint32_t x = ((const struct kw *)a)->key, y = ((const struct kw *)b)->key;
	return x < y ? -1 : x > y;
}

/* Writes both passes' averaged weights as one table (their keys differ by template). */
static void write_model(const char *path, struct pm *const *pms, size_t npm, const double *prune, size_t *ret_bytes)
{
	float mx = 0;
	size_t total = 0;
	for (size_t p = 0; p < npm; p++) {
		for (size_t i = 0; i < pms[p]->n * NT; i++)
			if (fabsf(pms[p]->avg[i]) > mx)
				mx = fabsf(pms[p]->avg[i]);
		total += pms[p]->n;
	}
	float scale = mx > 0 ? mx / 32767.0f : 1.0f;
	struct kw *order = malloc((total ? total : 1) * sizeof(*order));
	if (!order)
		die("out of memory");
	size_t no = 0;
	for (size_t p = 0; p < npm; p++)
		for (size_t i = 0; i < pms[p]->cap; i++)
			if (pms[p]->keys[i]) {
				order[no].key = pms[p]->keys[i];
				order[no].w = pms[p]->avg + (size_t)pms[p]->idx[i] * NT;
				order[no].prune = prune[p];
				no++;
			}
	qsort(order, no, sizeof(*order), cmp_kw);
	uint32_t *fk = malloc(no * 4 + 4);
	uint8_t *fc = malloc(no + 1), *et = malloc(no * NT + 1);
	int16_t *ew = malloc(no * NT * 2 + 2);
	if (!fk || !fc || !et || !ew)
		die("out of memory");
	size_t nf = 0, ne = 0, dup = 0;
	for (size_t k = 0; k < no; k++) {
		if (nf && fk[nf - 1] == order[k].key) {
			dup++; /* the two passes' keys collide: the first pass keeps it */
			continue;
		}
		const float *fw = order[k].w;
		size_t c = 0;
		for (unsigned t = 0; t < NT; t++) {
			long q = lroundf(fw[t] / scale);
			if (fabsf(fw[t]) < order[k].prune || q == 0)
				continue;
			et[ne + c] = (uint8_t)t;
			ew[ne + c] = (int16_t)q;
			c++;
		}
		if (!c)
			continue;
		fk[nf] = order[k].key;
		fc[nf] = (uint8_t)c;
		nf++;
		ne += c;
	}
	/* dictionary in key order too */
	uint64_t *dk = malloc((d_n ? d_n : 1) * sizeof(*dk));
	uint32_t *dkk = malloc((d_n ? d_n : 1) * 4);
	uint8_t *dtt = malloc(d_n ? d_n : 1);
	if (!dk || !dkk || !dtt)
		die("out of memory");
	size_t nd = 0;
	for (size_t j = 0; j < d_cap; j++)
		if (dkeys[j])
			dk[nd++] = (uint64_t)dkeys[j] << 8 | dtags[j];
	qsort(dk, nd, sizeof(*dk), cmp_u64);
	for (size_t j = 0; j < nd; j++) {
		dkk[j] = (uint32_t)(dk[j] >> 8);
		dtt[j] = (uint8_t)dk[j];
	}
	size_t nl = 0;
	uint32_t *lk = malloc(lex ? lex->n * 4 + 4 : 4);
	uint16_t *lm = malloc(lex ? lex->n * 2 + 2 : 2);
	if (!lk || !lm)
		die("out of memory");
	for (size_t j = 0; lex && j <= lex->cap_mask; j++)
		if (lex->key[j]) {
			lk[nl] = lex->key[j];
			lm[nl] = lex->mask[j];
			nl++;
		}
	struct tag_model_data m = {
		.n_dict = nd, .n_feat = nf, .n_entries = ne, .dict_key = dkk, .dict_tag = dtt,
		.feat_key = fk, .feat_cnt = fc, .etag = et, .ew = ew, .scale = scale,
		.n_lex = nl, .lex_key = lk, .lex_mask = lm,
	};
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *fp = fopen(tmp, "wb");
	if (!fp || tag_model_write(fp, &m) < 0 || fclose(fp) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "train_tagger: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	*ret_bytes = 8 + 4 * 8 + nd * 5 + nf * 5 + ne * 3 + nl * 6 + 4;
	printf("model: %s, %zu features, %zu weights, %zu dictionary words, %zu lexicon words, %zu bytes (%zu key collisions dropped)\n",
	       path, nf, ne, nd, nl, *ret_bytes, dup);
	free(lk);
	free(lm);
	free(order);
	free(fk);
	free(fc);
	free(et);
	free(ew);
	free(dk);
	free(dkk);
	free(dtt);
}

/* Accuracy of a loaded model file on a corpus read again from path (treebank tokens). */
static double check_model(const char *model, const char *path, size_t *ret_n)
{
	char err[512];
	struct tagger *tg = NULL;
	if (tagger_load(model, &tg, err, sizeof(err)) < 0) {
		fprintf(stderr, "train_tagger: reloading: %s\n", err);
		exit(1);
	}
	FILE *fp = fopen(path, "r");
	struct conllu_sent *s = calloc(1, sizeof(*s));
	if (!fp || !s)
		die("cannot reread the dev file");
	size_t lineno = 0, ok = 0, n = 0;
	struct tag_word w[CONLLU_MAX_TOKENS];
	uint8_t out[CONLLU_MAX_TOKENS];
	while (conllu_next(fp, s, &lineno, err, sizeof(err)) > 0) {
		for (size_t i = 0; i < s->n; i++) {
			w[i].s = s->t[i].form;
			w[i].n = strlen(s->t[i].form);
		}
		tagger_tag_words(tg, w, s->n, out);
		for (size_t i = 0; i < s->n; i++) {
			if (s->t[i].upos >= NT)
				continue;
			n++;
			ok += out[i] == s->t[i].upos;
		}
	}
	conllu_release(s);
	free(s);
	fclose(fp);
	tagger_free(tg);
	*ret_n = n;
	return n ? (double)ok / n : 0;
}

int main(int argc, char **argv)
{
	int iters = 12, jack_iters = 6, folds = 4;
	const char *dev = NULL, *out = NULL;
	double prune[2] = { 0.5, 0.5 };
	unsigned seed = 1;
	bool retok = true;
	const char *wordnet = NULL;
	int i;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--iter") && i + 1 < argc)
			iters = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--jack-iter") && i + 1 < argc)
			jack_iters = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--folds") && i + 1 < argc)
			folds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dev") && i + 1 < argc)
			dev = argv[++i];
		else if (!strcmp(argv[i], "--prune") && i + 1 < argc)
			prune[0] = prune[1] = atof(argv[++i]);
		else if (!strcmp(argv[i], "--prune1") && i + 1 < argc)
			prune[0] = atof(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dict") && i + 2 < argc) {
			dict_min = (unsigned)atoi(argv[++i]);
			dict_ratio = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--wordnet") && i + 1 < argc)
			wordnet = argv[++i];
		else if (!strcmp(argv[i], "--no-retok"))
			retok = false;
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else
			break;
	}
	if (!out || i >= argc || iters < 1 || jack_iters < 1 || folds < 2) {
		fprintf(stderr, "usage: train_tagger [--iter N] [--jack-iter N] [--folds K] [--dev DEV.conllu] [--prune Q]\n"
				"                    [--prune1 Q] [--dict MIN RATIO] [--seed S] [--wordnet DIR] [--no-retok] -o MODEL TRAIN.conllu...\n");
		return 2;
	}
	if (wordnet)
		load_wordnet(wordnet);
	struct corpus train = { 0 }, devc = { 0 };
	size_t n_retok = 0;
	for (; i < argc; i++)
		read_file(argv[i], &train, retok, true, &n_retok);
	if (dev)
		read_file(dev, &devc, false, false, &n_retok);
	if (!train.n_sent)
		die("no training sentences");
	build_dict();
	printf("train: %zu sentences (%zu retokenized as the claim stage does), %zu tokens; dictionary %zu words\n",
	       train.n_sent, n_retok, train.n_tok, d_n);
	rng_state = 0x9e3779b97f4a7c15ull ^ seed;
	size_t *all = malloc(train.n_sent * sizeof(size_t)), *sel = malloc(train.n_sent * sizeof(size_t)),
	       *rest = malloc(train.n_sent * sizeof(size_t));
	if (!all || !sel || !rest)
		die("out of memory");
	for (size_t k = 0; k < train.n_sent; k++)
		all[k] = k;
	/* the first pass's tags on train, each fold tagged by a model trained on the others */
	for (int f = 0; f < folds; f++) {
		size_t ns = 0, nr = 0;
		for (size_t k = 0; k < train.n_sent; k++) {
			if (train.grp[k] % (size_t)folds == (size_t)f)
				rest[nr++] = k;
			else
				sel[ns++] = k;
		}
		struct pm *m = pm_new(1u << 21);
		train_pass(m, &train, sel, ns, false, jack_iters, NULL, NULL, NULL);
		tag_first(m, &train, rest, nr);
		pm_free(m);
	}
	size_t jok = 0;
	for (size_t k = 0; k < train.n_tok; k++)
		jok += train.first[k] == train.gold[k];
	printf("jackknifed first pass on train (%d folds): %.4f\n", folds, (double)jok / train.n_tok);
	int it1, it2;
	struct pm *p1 = pm_new(1u << 22), *p2 = pm_new(1u << 22);
	double a1 = train_pass(p1, &train, all, train.n_sent, false, iters, dev ? &devc : NULL, "pass 1", &it1);
	if (dev) {
		size_t *dall = malloc((devc.n_sent ? devc.n_sent : 1) * sizeof(size_t));
		if (!dall)
			die("out of memory");
		for (size_t k = 0; k < devc.n_sent; k++)
			dall[k] = k;
		tag_first(p1, &devc, dall, devc.n_sent);
		free(dall);
	}
	double a2 = train_pass(p2, &train, all, train.n_sent, true, iters, dev ? &devc : NULL, "pass 2", &it2);
	printf("best: pass 1 iteration %d (dev %.4f), pass 2 iteration %d (dev %.4f)%s\n", it1, a1, it2, a2,
	       dev ? "" : " (no --dev: the last)");
	size_t bytes;
	struct pm *pms[2] = { p1, p2 };
	write_model(out, pms, 2, prune, &bytes);
	if (dev) {
		size_t n;
		double acc = check_model(out, dev, &n);
		printf("model on dev: upos %.4f (tokens %zu)\n", acc, n);
	}
	pm_free(p1);
	pm_free(p2);
	return 0;
}
