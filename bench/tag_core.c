/* tag_core.c — times the part-of-speech tagger in process (built and run by
 * bench/parts/tagger.sh): loading the model, tagging a CoNLL-U file's sentences with their
 * own tokens, tagging and chunking the same text as the claim stage tokenizes it, and, as
 * the yardstick, claims_extract() on that text (one sentence a paragraph).
 * usage: tag_core LEXICON_DIR FILE.conllu RUNS
 * Prints one line per figure; each is the best of RUNS passes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "claimd/claims.h"
#include "claimd/tag.h"
#include "../daemon/claims/claims_int.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct sent {
	struct tag_word *w;
	size_t n;
	char *text;
	size_t len;
};

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: tag_core LEXICON_DIR FILE.conllu RUNS\n");
		return 2;
	}
	int runs = atoi(argv[3]);
	if (runs < 1)
		runs = 1;
	char err[512];
	struct tagger *tg = NULL;
	double best_load = 1e9;
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		if (tagger_load_dir(argv[1], &tg, err, sizeof(err)) < 0) {
			fprintf(stderr, "tag_core: %s\n", err);
			return 1;
		}
		double t1 = now();
		if (t1 - t0 < best_load)
			best_load = t1 - t0;
		if (r + 1 < runs)
			tg = tagger_free(tg);
	}
	FILE *fp = fopen(argv[2], "r");
	if (!fp) {
		perror(argv[2]);
		return 1;
	}
	struct conllu_sent *cs = calloc(1, sizeof(*cs));
	size_t cap = 4096, ns = 0, words = 0, bytes = 0, line = 0;
	struct sent *sv = malloc(cap * sizeof(*sv));
	if (!cs || !sv)
		return 1;
	while (conllu_next(fp, cs, &line, err, sizeof(err)) > 0) {
		if (ns == cap) {
			cap *= 2;
			sv = realloc(sv, cap * sizeof(*sv));
			if (!sv)
				return 1;
		}
		struct sent *s = &sv[ns++];
		s->n = cs->n;
		s->w = malloc(cs->n * sizeof(*s->w));
		size_t tl = 0;
		for (size_t i = 0; i < cs->n; i++)
			tl += strlen(cs->t[i].form) + 1;
		s->text = malloc(tl + 1);
		if (!s->w || !s->text)
			return 1;
		size_t p = 0;
		for (size_t i = 0; i < cs->n; i++) {
			size_t l = strlen(cs->t[i].form);
			memcpy(s->text + p, cs->t[i].form, l);
			s->w[i].s = s->text + p;
			s->w[i].n = l;
			p += l;
			s->text[p++] = ' ';
		}
		s->len = p ? p - 1 : 0;
		s->text[s->len] = '\0';
		words += cs->n;
		bytes += s->len;
	}
	fclose(fp);
	conllu_release(cs);
	free(cs);
	uint8_t *tags = malloc(CONLLU_MAX_TOKENS * 4);
	struct np_chunk *ch = malloc(CONLLU_MAX_TOKENS * 4 * sizeof(*ch));
	struct arena *a = arena_new();
	struct claims_ctx *cc = NULL;
	if (!tags || !ch || !a || claims_new(argv[1], &cc, err, sizeof(err)) < 0) {
		fprintf(stderr, "tag_core: %s\n", cc ? "out of memory" : err);
		return 1;
	}
	double best_tag = 1e9, best_fast = 1e9, best_toks = 1e9, best_ext = 1e9;
	size_t ntoks = 0, nchunks = 0, checksum = 0;
	for (int r = 0; r < runs; r++) {
		/* the treebank's tokens */
		double t0 = now();
		for (size_t k = 0; k < ns; k++) {
			tagger_tag_words(tg, sv[k].w, sv[k].n, tags);
			checksum += tags[0];
		}
		double t1 = now();
		if (t1 - t0 < best_tag)
			best_tag = t1 - t0;
		t0 = now();
		for (size_t k = 0; k < ns; k++) {
			tagger_tag_words_fast(tg, sv[k].w, sv[k].n, tags);
			checksum += tags[0];
		}
		t1 = now();
		if (t1 - t0 < best_fast)
			best_fast = t1 - t0;
		/* the claim stage's path: tokenize, tag, chunk */
		ntoks = nchunks = 0;
		t0 = now();
		for (size_t k = 0; k < ns; k++) {
			struct tok *tk;
			arena_reset(a);
			size_t nt = sent_tokenize(a, sv[k].text, sv[k].len, &tk);
			if (nt > CONLLU_MAX_TOKENS * 4)
				nt = CONLLU_MAX_TOKENS * 4;
			tagger_tag_toks(tg, tk, nt, tags);
			struct tag_word tw[CONLLU_MAX_TOKENS * 4];
			for (size_t i = 0; i < nt; i++) {
				tw[i].s = tk[i].s;
				tw[i].n = tk[i].n;
			}
			nchunks += np_chunks(tags, tw, nt, ch, CONLLU_MAX_TOKENS * 4);
			ntoks += nt;
		}
		t1 = now();
		if (t1 - t0 < best_toks)
			best_toks = t1 - t0;
		/* the yardstick: claim extraction on the same text, one sentence a paragraph */
		t0 = now();
		for (size_t k = 0; k < ns; k++) {
			json_t *arr = NULL;
			if (claims_extract(cc, sv[k].text, NULL, &arr) == 0)
				checksum += json_array_size(arr);
			json_decref(arr);
		}
		t1 = now();
		if (t1 - t0 < best_ext)
			best_ext = t1 - t0;
	}
	printf("model load:                 %.1f ms\n", best_load * 1e3);
	printf("tagging (treebank tokens):  %.0f words/s  (%zu words, %zu sentences, %.4f s)\n", (double)words / best_tag,
	       words, ns, best_tag);
	printf("tagging, first pass alone:  %.0f words/s  (%.4f s)\n", (double)words / best_fast, best_fast);
	printf("tokenize+tag+chunk (claim-stage tokens): %.0f tokens/s, %.2f MB/s of text  (%zu tokens, %zu chunks, %.4f s)\n",
	       (double)ntoks / best_toks, (double)bytes / best_toks / 1e6, ntoks, nchunks, best_toks);
	printf("yardstick claims_extract(): %.0f words/s, %.2f MB/s of text  (%.4f s)\n", (double)words / best_ext,
	       (double)bytes / best_ext / 1e6, best_ext);
	printf("ratio tokenize+tag+chunk time / claims_extract() time on the same text: %.2f\n", best_toks / best_ext);
	(void)checksum;
	for (size_t k = 0; k < ns; k++) {
		free(sv[k].w);
		free(sv[k].text);
	}
	free(sv);
	free(tags);
	free(ch);
	arena_free(a);
	claims_free(cc);
	tagger_free(tg);
	return 0;
}
