/* fuzz_tag.c — libFuzzer target for the part-of-speech tagger (daemon/claims/tag.c): the
 * first byte picks what the rest is: a model file (tagger_load_mem), plain text (cut by the
 * claim stage's tokenizer, then tagged in both modes and chunked) or CoNLL-U (conllu_next,
 * conllu_claim_tokens). The shipped model is loaded once from $CLAIMD_LEXICON_DIR or
 * conf/lexicon (run from the repository root). */
#include <stdio.h>
#include "fuzz.h"
#include "claimd/tag.h"
#include "../../daemon/claims/claims_int.h"

static struct tagger *tg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = getenv("CLAIMD_LEXICON_DIR");
	char err[512];
	if (tagger_load_dir(dir ? dir : "conf/lexicon", &tg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_tag: %s\n", err);
		abort();
	}
	return 0;
}

static void text(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	if (!a)
		return;
	struct tok *t;
	size_t n = sent_tokenize(a, (const char *)data, size, &t);
	uint8_t *u = arena_alloc(a, n + 1);
	struct tag_word *w = arena_alloc(a, (n + 1) * sizeof(*w));
	struct np_chunk *c = arena_alloc(a, (n + 1) * sizeof(*c));
	if (u && w && c) {
		for (size_t i = 0; i < n; i++) {
			w[i].s = t[i].s;
			w[i].n = t[i].n;
		}
		tagger_tag_toks_fast(tg, t, n, u);
		tagger_tag_toks(tg, t, n, u);
		size_t nc = np_chunks(u, w, n, c, n);
		for (size_t k = 0; k < nc; k++)
			if (c[k].b >= c[k].e || c[k].e > n || c[k].head < c[k].b || c[k].head >= c[k].e)
				abort();
	}
	arena_free(a);
}

static void conllu(const uint8_t *data, size_t size)
{
	FILE *fp = fmemopen((void *)data, size, "r");
	struct conllu_sent *s = calloc(1, sizeof(*s));
	if (fp && s) {
		size_t line = 0;
		char err[256];
		while (conllu_next(fp, s, &line, err, sizeof(err)) > 0) {
			char *tx;
			struct tag_word *w;
			uint8_t *tags;
			size_t n;
			if (conllu_claim_tokens(s, &tx, &w, &tags, &n) == 0) {
				for (size_t i = 0; i < n; i++)
					if (tags[i] >= UPOS_COUNT || w[i].s < tx)
						abort();
				free(tx);
				free(w);
				free(tags);
			}
		}
		conllu_release(s);
	}
	free(s);
	if (fp)
		fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	if (data[0] % 3 == 0) {
		struct tagger *m = NULL;
		char err[256];
		if (tagger_load_mem(p, n, &m, err, sizeof(err)) == 0) {
			uint8_t u[4];
			const char *w[] = { "The", "ministry", "said", "." };
			tagger_tag(m, w, 4, u);
			tagger_free(m);
		}
	} else if (data[0] % 3 == 1) {
		text(p, n);
	} else {
		conllu(p, n);
	}
	return 0;
}
