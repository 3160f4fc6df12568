/* train_tagger.c — trains the part-of-speech model of daemon/claims/tag.c (`make model`).
 *
 * usage: train_tagger [--iter N] [--dev DEV.conllu] [--prune Q] [--seed S] -o MODEL TRAIN.conllu...
 *
 * Takes: CoNLL-U files (plain text; `make model` decompresses the UD English Web Treebank's
 * train and dev splits). Every training sentence is seen twice: with the treebank's own
 * tokens, and as the claim stage's tokenizer (daemon/claims/sent.c) cuts its text, each of
 * those tokens taking the tag of the treebank word that heads it ("Ohio-based" ADJ,
 * "don't" AUX), so the model tags the tokens the claim rules see as well as the treebank's.
 * Gives: a model file (format in tag.c): the averaged perceptron's weights after the
 * iteration that scored best on DEV (all N without --dev), quantized to 16 bits, weights
 * that round to less than Q (default 2) quanta dropped; a tag dictionary of the words seen
 * at least 20 times with one tag 97% of the time or more. Prints accuracy on DEV after each
 * iteration, and of the written model once reloaded.
 * Deterministic: the same files and seed give the same model. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimd/tag.h"
#include "../daemon/claims/claims_int.h"

#define NT UPOS_COUNT

/* ---- a corpus: sentences as runs of word features and gold tags ---- */

struct corpus {
	struct tag_wf *wf;
	uint8_t *gold;
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

static void corpus_add(struct corpus *c, const struct tag_word *w, const uint8_t *tags, size_t n)
{
	if (c->n_sent + 2 > c->cap_sent) {
		c->cap_sent = c->cap_sent ? c->cap_sent * 2 : 4096;
		c->start = xrealloc(c->start, c->cap_sent * sizeof(size_t));
	}
	if (c->n_tok + n > c->cap_tok) {
		while (c->n_tok + n > c->cap_tok)
			c->cap_tok = c->cap_tok ? c->cap_tok * 2 : 65536;
		c->wf = xrealloc(c->wf, c->cap_tok * sizeof(*c->wf));
		c->gold = xrealloc(c->gold, c->cap_tok);
	}
	c->start[c->n_sent] = c->n_tok;
	for (size_t i = 0; i < n; i++) {
		tag_word_features(w[i].s, w[i].n, &c->wf[c->n_tok + i]);
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

/* The claim tokenizer's tokens of a sentence, each tagged from the treebank word that
 * heads the characters it covers. Returns false when the tokens cannot be aligned. */
static bool retokenize(const struct conllu_sent *s, struct arena *a, struct tag_word **ret_w,
		       uint8_t **ret_tags, size_t *ret_n)
{
	/* rebuild the text: each word's span [wb, we) */
	size_t len = 0;
	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->t[i].form) + 1;
	char *text = arena_alloc(a, len + 1);
	size_t *wb = arena_alloc(a, s->n * sizeof(size_t)), *we = arena_alloc(a, s->n * sizeof(size_t));
	if (!text || !wb || !we)
		return false;
	size_t p = 0;
	for (size_t i = 0; i < s->n;) {
		const struct conllu_tok *t = &s->t[i];
		if (t->mwt_end && t->mwt_form) {
			/* a multiword token: its surface form; every word covers all of it */
			size_t fl = strlen(t->mwt_form);
			for (size_t k = i; k < t->mwt_end && k < s->n; k++) {
				wb[k] = p;
				we[k] = p + fl;
			}
			memcpy(text + p, t->mwt_form, fl);
			p += fl;
			size_t last = t->mwt_end - 1 < s->n ? t->mwt_end - 1 : s->n - 1;
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
			if (!strcmp(s->t[h].deprel, "amod") && (tag == UPOS_VERB || tag == UPOS_NOUN))
				tag = UPOS_ADJ;
			/* a multiword token "don't", "cannot": its first word ("do" AUX, "can") */
			if (s->t[first].mwt_end)
				tag = s->t[first].upos;
		}
		if (tag >= NT)
			return false;
		w[k].s = tk[k].s;
		w[k].n = tk[k].n;
		tags[k] = (uint8_t)tag;
	}
	*ret_w = w;
	*ret_tags = tags;
	*ret_n = nt;
	return true;
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
	struct arena *a = arena_new();
	if (!s || !a)
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
		corpus_add(c, w, tags, s->n);
		if (count)
			for (size_t i = 0; i < s->n; i++)
				wc_add(c->wf[c->start[c->n_sent - 1] + i].dict, tags[i]);
		if (retok) {
			struct tag_word *rw;
			uint8_t *rt;
			size_t rn;
			arena_reset(a);
			if (retokenize(s, a, &rw, &rt, &rn)) {
				bool same = rn == s->n;
				for (size_t i = 0; same && i < rn; i++)
					same = rw[i].n == w[i].n && !memcmp(rw[i].s, w[i].s, rw[i].n);
				if (!same) {
					corpus_add(c, rw, rt, rn);
					(*n_retok)++;
				}
			}
		}
	}
	if (r < 0) {
		fprintf(stderr, "train_tagger: %s: %s\n", path, err);
		exit(1);
	}
	conllu_release(s);
	free(s);
	arena_free(a);
	fclose(fp);
}

/* ---- the perceptron ---- */

struct feat {
	int32_t w[NT];
	int64_t tot[NT];
	uint32_t ts[NT];
};
static uint32_t *fkeys;
static struct feat *feats;
static size_t f_cap = 1u << 22, f_n;
static uint32_t *fidx; /* slot -> index into feats */

static inline uint32_t slot_of(uint32_t key)
{
	uint32_t j = (key * 2654435761u) & (uint32_t)(f_cap - 1);
	while (fkeys[j] && fkeys[j] != key)
		j = (j + 1) & (uint32_t)(f_cap - 1);
	return j;
}

static struct feat *feat_get(uint32_t key, bool create)
{
	uint32_t j = slot_of(key);
	if (fkeys[j])
		return &feats[fidx[j]];
	if (!create)
		return NULL;
	if (f_n + 1 > f_cap / 2)
		die("feature table full");
	fkeys[j] = key;
	fidx[j] = (uint32_t)f_n;
	memset(&feats[f_n], 0, sizeof(feats[f_n]));
	return &feats[f_n++];
}

static uint32_t now_t; /* updates so far (the averaging clock) */

static void update(uint32_t key, unsigned tag, int d)
{
	struct feat *f = feat_get(key, true);
	f->tot[tag] += (int64_t)(now_t - f->ts[tag]) * f->w[tag];
	f->ts[tag] = now_t;
	f->w[tag] += d;
}

/* Averaged weights of every feature, as floats (index as feats). */
static float *avg;

static void average(void)
{
	avg = xrealloc(avg, f_n * NT * sizeof(float));
	for (size_t i = 0; i < f_n; i++)
		for (unsigned t = 0; t < NT; t++) {
			const struct feat *f = &feats[i];
			int64_t tot = f->tot[t] + (int64_t)(now_t - f->ts[t]) * f->w[t];
			avg[i * NT + t] = now_t ? (float)((double)tot / now_t) : 0;
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
		if (tot >= 20 && (double)best / tot >= 0.97) {
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
static unsigned predict(const uint32_t *f, size_t nf, bool use_avg)
{
	float sc[NT] = { 0 };
	for (size_t k = 0; k < nf; k++) {
		uint32_t j = slot_of(f[k]);
		if (!fkeys[j])
			continue;
		uint32_t ix = fidx[j];
		if (use_avg) {
			const float *a = avg + (size_t)ix * NT;
			for (unsigned t = 0; t < NT; t++)
				sc[t] += a[t];
		} else {
			const int32_t *w = feats[ix].w;
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

/* Tags sentence k of c greedily; trains on it when train. Returns correct tokens. */
static size_t run_sentence(const struct corpus *c, size_t k, bool train, bool use_avg)
{
	size_t b = c->start[k], n = c->start[k + 1] - b, ok = 0;
	const struct tag_wf *wf = c->wf + b;
	unsigned p1 = NT, p2 = NT + 1;
	uint32_t f[TAG_NFEAT_MAX];
	for (size_t i = 0; i < n; i++) {
		unsigned gold = c->gold[b + i];
		int dt = dict_get(wf[i].dict);
		unsigned guess;
		if (dt >= 0) {
			guess = (unsigned)dt;
		} else {
			size_t nf = tag_features(wf, n, i, p1, p2, f);
			guess = predict(f, nf, use_avg);
			if (train) {
				now_t++;
				if (guess != gold)
					for (size_t j = 0; j < nf; j++) {
						update(f[j], gold, 1);
						update(f[j], guess, -1);
					}
			}
		}
		ok += guess == gold;
		p2 = p1;
		p1 = guess;
	}
	return ok;
}

static double evaluate(const struct corpus *c)
{
	size_t ok = 0;
	for (size_t k = 0; k < c->n_sent; k++)
		ok += run_sentence(c, k, false, true);
	return c->n_tok ? (double)ok / c->n_tok : 0;
}

/* ---- writing the model ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void write_model(const char *path, const float *w, double prune, size_t *ret_bytes)
{
	float mx = 0;
	for (size_t i = 0; i < f_n * NT; i++)
		if (fabsf(w[i]) > mx)
			mx = fabsf(w[i]);
	float scale = mx > 0 ? mx / 32767.0f : 1.0f;
	/* features in key order */
	uint32_t *order = malloc(f_n * sizeof(uint32_t) * 2);
	if (!order)
		die("out of memory");
	for (size_t i = 0, k = 0; i < f_cap; i++)
		if (fkeys[i]) {
			order[2 * k] = fkeys[i];
			order[2 * k + 1] = fidx[i];
			k++;
		}
	qsort(order, f_n, 8, cmp_u32);
	uint32_t *fk = malloc(f_n * 4);
	uint8_t *fc = malloc(f_n), *et = malloc(f_n * NT);
	int16_t *ew = malloc(f_n * NT * 2);
	if (!fk || !fc || !et || !ew)
		die("out of memory");
	size_t nf = 0, ne = 0;
	for (size_t k = 0; k < f_n; k++) {
		const float *fw = w + (size_t)order[2 * k + 1] * NT;
		size_t c = 0;
		for (unsigned t = 0; t < NT; t++) {
			long q = lroundf(fw[t] / scale);
			if (labs(q) < prune || q == 0)
				continue;
			et[ne + c] = (uint8_t)t;
			ew[ne + c] = (int16_t)q;
			c++;
		}
		if (!c)
			continue;
		fk[nf] = order[2 * k];
		fc[nf] = (uint8_t)c;
		nf++;
		ne += c;
	}
	/* dictionary in key order too */
	uint32_t *dk = malloc((d_n ? d_n : 1) * 8);
	if (!dk)
		die("out of memory");
	size_t nd = 0;
	for (size_t j = 0; j < d_cap; j++)
		if (dkeys[j]) {
			dk[2 * nd] = dkeys[j];
			dk[2 * nd + 1] = dtags[j];
			nd++;
		}
	qsort(dk, nd, 8, cmp_u32);
	uint32_t *dkk = malloc((nd ? nd : 1) * 4);
	uint8_t *dtt = malloc(nd ? nd : 1);
	if (!dkk || !dtt)
		die("out of memory");
	for (size_t j = 0; j < nd; j++) {
		dkk[j] = dk[2 * j];
		dtt[j] = (uint8_t)dk[2 * j + 1];
	}
	struct tag_model_data m = {
		.n_dict = nd, .n_feat = nf, .n_entries = ne, .dict_key = dkk, .dict_tag = dtt,
		.feat_key = fk, .feat_cnt = fc, .etag = et, .ew = ew, .scale = scale,
	};
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *fp = fopen(tmp, "wb");
	if (!fp || tag_model_write(fp, &m) < 0 || fclose(fp) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "train_tagger: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	*ret_bytes = 8 + 4 * 7 + nd * 5 + nf * 5 + ne * 3 + 4;
	printf("model: %s, %zu features, %zu weights, %zu dictionary words, %zu bytes\n", path, nf, ne, nd,
	       *ret_bytes);
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
	int iters = 10;
	const char *dev = NULL, *out = NULL;
	double prune = 2;
	unsigned seed = 1;
	bool retok = true;
	int i;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--iter") && i + 1 < argc)
			iters = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dev") && i + 1 < argc)
			dev = argv[++i];
		else if (!strcmp(argv[i], "--prune") && i + 1 < argc)
			prune = atof(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--no-retok"))
			retok = false;
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else
			break;
	}
	if (!out || i >= argc || iters < 1) {
		fprintf(stderr, "usage: train_tagger [--iter N] [--dev DEV.conllu] [--prune Q] [--seed S] [--no-retok] -o MODEL TRAIN.conllu...\n");
		return 2;
	}
	struct corpus train = { 0 }, devc = { 0 };
	size_t n_retok = 0;
	for (; i < argc; i++)
		read_file(argv[i], &train, retok, true, &n_retok);
	if (dev)
		read_file(dev, &devc, false, false, &n_retok);
	build_dict();
	printf("train: %zu sentences (%zu retokenized as the claim stage does), %zu tokens; dictionary %zu words\n",
	       train.n_sent, n_retok, train.n_tok, d_n);
	fkeys = calloc(f_cap, 4);
	fidx = calloc(f_cap, 4);
	feats = malloc(f_cap / 2 * sizeof(*feats));
	if (!fkeys || !fidx || !feats)
		die("out of memory");
	size_t *order = malloc(train.n_sent * sizeof(size_t));
	if (!order)
		die("out of memory");
	for (size_t k = 0; k < train.n_sent; k++)
		order[k] = k;
	uint64_t rng = 0x9e3779b97f4a7c15ull ^ seed;
	double best = -1;
	int best_it = 0;
	float *best_w = NULL;
	size_t best_fn = 0;
	for (int it = 1; it <= iters; it++) {
		for (size_t k = train.n_sent; k > 1; k--) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			size_t j = (size_t)(rng % k);
			size_t x = order[k - 1];
			order[k - 1] = order[j];
			order[j] = x;
		}
		size_t ok = 0;
		for (size_t k = 0; k < train.n_sent; k++)
			ok += run_sentence(&train, order[k], true, false);
		average();
		double acc = dev ? evaluate(&devc) : 0;
		printf("iteration %2d: train %.4f  dev %.4f  (%zu features)\n", it, (double)ok / train.n_tok, acc, f_n);
		fflush(stdout);
		if (!dev || acc > best) {
			best = acc;
			best_it = it;
			best_w = xrealloc(best_w, f_n * NT * sizeof(float));
			memcpy(best_w, avg, f_n * NT * sizeof(float));
			best_fn = f_n;
		}
	}
	/* features created after the best iteration have no weights in best_w: zero them */
	if (best_fn < f_n) {
		best_w = xrealloc(best_w, f_n * NT * sizeof(float));
		memset(best_w + best_fn * NT, 0, (f_n - best_fn) * NT * sizeof(float));
	}
	printf("best: iteration %d%s\n", best_it, dev ? "" : " (no --dev: the last)");
	size_t bytes;
	write_model(out, best_w, prune, &bytes);
	if (dev) {
		size_t n;
		double acc = check_model(out, dev, &n);
		printf("model on dev: upos %.4f (tokens %zu)\n", acc, n);
	}
	return 0;
}
