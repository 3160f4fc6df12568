/* ctl/tag.c — `claimctl tag [--model FILE] [--lexicon DIR] [--chunks] [--conllu [--verbose]]
 * FILE|-...`.
 *
 * Takes: plain text (one paragraph a line), cut into sentences and tokens as the claim stage
 * does; or with --conllu, treebank sentences in CoNLL-U (their own tokens).
 * Gives: text: one sentence a line, each token as word/TAG, noun-phrase chunks in [ ] with
 * --chunks. CoNLL-U: the scores, as `make eval` reads them:
 *   tagger: upos 0.9512 (tokens 25094)
 *   tagger: upos first pass alone (_fast) 0.9554
 *   tagger: upos on claim-stage tokens 0.9504 (tokens 26493, sentences not aligned 0)
 *   chunker: np f1 0.8854 (precision 0.8951 recall 0.8758, gold 7007)
 *   chunker: np f1 on the treebank's own tags 0.9300 (precision 0.93 recall 0.93)
 * with --verbose also the confusions (gold -> guessed, count) to stderr. Gold noun phrases
 * come from the dependency trees: a noun, proper noun, pronoun or number that is not itself
 * a compound, flat or possessive modifier, with its determiners, adjectival, numeric,
 * compound and possessive modifiers (and theirs), as a contiguous span.
 * Must not: touch the network or any state. Exit status 0, 1 bad input, 2 usage. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claimd/claims.h"
#include "claimd/ctl.h"
#include "claimd/tag.h"
#include "../claims/claims_int.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: claimctl tag [--model FILE] [--lexicon DIR] [--chunks] [--conllu [--verbose]] FILE|-...\n"
		   "  Tags plain text (one paragraph a line) with universal part-of-speech tags, one\n"
		   "  sentence a line as word/TAG; --chunks brackets the noun phrases.\n"
		   "  --conllu   input is CoNLL-U: prints tagging accuracy on its tokens and on the\n"
		   "             claim stage's tokens, and noun-phrase chunk F1 against its trees\n"
		   "  --verbose  with --conllu: the confusions, gold -> guessed, to stderr\n"
		   "  --model FILE   model file (default LEXICON_DIR/" TAGGER_MODEL_FILE ")\n"
		   "  --lexicon DIR  lexicon directory (default $CLAIMD_LEXICON_DIR, the built-in\n"
		   "                 directory, else ./conf/lexicon)\n");
}

/* ---- gold noun phrases from a dependency tree ---- */

static bool np_head_rel(const char *rel)
{
	return strncmp(rel, "compound", 8) && strncmp(rel, "flat", 4) && strcmp(rel, "nmod:poss") &&
	       strncmp(rel, "fixed", 5) && strncmp(rel, "goeswith", 8);
}

static bool premod_rel(const char *rel)
{
	static const char *const ok[] = { "det", "amod", "nummod", "compound", "flat", "nmod:poss", "fixed",
					  "goeswith", "case", "advmod", "punct", "det:poss", "det:predet" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(rel, ok[i]) || (!strchr(ok[i], ':') && !strncmp(rel, ok[i], strlen(ok[i])) &&
					     (rel[strlen(ok[i])] == ':' || !rel[strlen(ok[i])])))
			return true;
	return false;
}

/* Is j inside the noun phrase headed by h: a chain of modifier relations up to h. "case"
 * only under a possessive ("'s"), "advmod" only under an adjective or number, "punct"
 * only for a hyphen. */
static bool in_np(const struct conllu_sent *s, size_t j, size_t h)
{
	for (int depth = 0; depth < 8; depth++) {
		if (j == h)
			return true;
		const struct conllu_tok *t = &s->t[j];
		if (!t->head || t->head > s->n || !premod_rel(t->deprel))
			return false;
		size_t up = t->head - 1;
		if (!strcmp(t->deprel, "case") && strcmp(s->t[up].deprel, "nmod:poss"))
			return false;
		if (!strncmp(t->deprel, "advmod", 6) && s->t[up].upos != UPOS_ADJ && s->t[up].upos != UPOS_NUM)
			return false;
		if (!strcmp(t->deprel, "punct") && strcmp(t->form, "-"))
			return false;
		if (up == h && j > h && s->t[h].upos == UPOS_SYM && !strncmp(t->deprel, "nummod", 6))
			return true; /* "$ 15 million": the number after the currency sign */
		if (up == h && j > h && strncmp(t->deprel, "flat", 4) && strncmp(t->deprel, "compound", 8) &&
		    strncmp(t->deprel, "fixed", 5) && strncmp(t->deprel, "goeswith", 8) && strcmp(t->deprel, "punct"))
			return false; /* to the right of the head only names and compounds */
		j = up;
	}
	return false;
}

static size_t gold_chunks(const struct conllu_sent *s, struct np_chunk *out, size_t max)
{
	size_t k = 0;
	size_t covered_to = 0;
	for (size_t h = 0; h < s->n && k < max; h++) {
		uint8_t u = s->t[h].upos;
		bool sym_head = u == UPOS_SYM && ((h + 1 < s->n && s->t[h + 1].upos == UPOS_NUM) || /* "$ 15" */
						  (h > 0 && s->t[h - 1].upos == UPOS_NUM && !strcmp(s->t[h].form, "%")));
		if (!(u == UPOS_NOUN || u == UPOS_PROPN || u == UPOS_PRON || u == UPOS_NUM || sym_head) ||
		    !np_head_rel(s->t[h].deprel))
			continue;
		/* a number that modifies a noun is part of that noun's phrase */
		if (u == UPOS_NUM && !strncmp(s->t[h].deprel, "nummod", 6))
			continue;
		size_t b = h, e = h + 1;
		while (b > 0 && in_np(s, b - 1, h))
			b--;
		while (e < s->n && in_np(s, e, h))
			e++;
		if (b < covered_to)
			continue;
		out[k++] = (struct np_chunk){ (uint32_t)b, (uint32_t)e, (uint32_t)h };
		covered_to = e;
	}
	return k;
}

/* ---- --conllu ---- */

static size_t count_matches(const struct np_chunk *g, size_t ng, const struct np_chunk *p, size_t np)
{
	size_t m = 0;
	for (size_t a = 0, b = 0; a < ng && b < np;) {
		if (g[a].b == p[b].b && g[a].e == p[b].e) {
			m++;
			a++;
			b++;
		} else if (g[a].b < p[b].b || (g[a].b == p[b].b && g[a].e < p[b].e)) {
			a++;
		} else {
			b++;
		}
	}
	return m;
}

struct scores {
	size_t tok, ok, ctok, cok;             /* treebank tokens; claim-stage tokens */
	size_t fok;                            /* treebank tokens, first pass alone */
	size_t gold, guess, match;             /* chunks */
	size_t gguess, gmatch;                 /* chunks on the gold tags */
	size_t conf[UPOS_COUNT][UPOS_COUNT];
	size_t unaligned;
};

static int eval_conllu(const struct tagger *tg, FILE *fp, const char *name, struct scores *sc)
{
	struct conllu_sent *s = calloc(1, sizeof(*s));
	struct arena *a = arena_new();
	if (!s || !a) {
		free(s);
		arena_free(a);
		return -ENOMEM;
	}
	size_t lineno = 0;
	char err[256];
	int r;
	static struct tag_word w[CONLLU_MAX_TOKENS];
	static uint8_t out[CONLLU_MAX_TOKENS];
	static struct np_chunk gc[CONLLU_MAX_TOKENS], pc[CONLLU_MAX_TOKENS];
	while ((r = conllu_next(fp, s, &lineno, err, sizeof(err))) > 0) {
		for (size_t i = 0; i < s->n; i++) {
			w[i].s = s->t[i].form;
			w[i].n = strlen(s->t[i].form);
		}
		tagger_tag_words_fast(tg, w, s->n, out);
		for (size_t i = 0; i < s->n; i++)
			sc->fok += s->t[i].upos < UPOS_COUNT && out[i] == s->t[i].upos;
		tagger_tag_words(tg, w, s->n, out);
		for (size_t i = 0; i < s->n; i++) {
			if (s->t[i].upos >= UPOS_COUNT)
				continue;
			sc->tok++;
			sc->ok += out[i] == s->t[i].upos;
			sc->conf[s->t[i].upos][out[i]]++;
		}
		size_t ng = gold_chunks(s, gc, CONLLU_MAX_TOKENS);
		static uint8_t gt[CONLLU_MAX_TOKENS];
		for (size_t i = 0; i < s->n; i++)
			gt[i] = s->t[i].upos < UPOS_COUNT ? s->t[i].upos : UPOS_X;
		size_t ngt = np_chunks(gt, w, s->n, pc, CONLLU_MAX_TOKENS);
		sc->gguess += ngt;
		sc->gmatch += count_matches(gc, ng, pc, ngt);
		size_t np = np_chunks(out, w, s->n, pc, CONLLU_MAX_TOKENS);
		sc->gold += ng;
		sc->guess += np;
		sc->match += count_matches(gc, ng, pc, np);
		char *text;
		struct tag_word *cw;
		uint8_t *ct, cout[CONLLU_MAX_TOKENS * 2];
		size_t cn;
		if (conllu_claim_tokens(s, &text, &cw, &ct, &cn) == 0) {
			/* the tokens again as struct tok, as the claim stage tags them */
			struct tok *tk;
			arena_reset(a);
			size_t nt = sent_tokenize(a, text, strlen(text), &tk);
			if (cn <= sizeof(cout) && nt == cn) {
				tagger_tag_toks(tg, tk, nt, cout);
				for (size_t i = 0; i < cn; i++) {
					sc->ctok++;
					sc->cok += cout[i] == ct[i];
				}
			} else {
				sc->unaligned++;
			}
			free(text);
			free(cw);
			free(ct);
		} else {
			sc->unaligned++;
		}
	}
	conllu_release(s);
	free(s);
	arena_free(a);
	if (r < 0) {
		fprintf(stderr, "claimctl tag: %s: %s\n", name, err);
		return r;
	}
	return 0;
}

static void print_scores(const struct scores *sc, bool verbose)
{
	printf("tagger: upos %.4f (tokens %zu)\n", sc->tok ? (double)sc->ok / sc->tok : 0, sc->tok);
	printf("tagger: upos first pass alone (_fast) %.4f\n", sc->tok ? (double)sc->fok / sc->tok : 0);
	printf("tagger: upos on claim-stage tokens %.4f (tokens %zu, sentences not aligned %zu)\n",
	       sc->ctok ? (double)sc->cok / sc->ctok : 0, sc->ctok, sc->unaligned);
	double p = sc->guess ? (double)sc->match / sc->guess : 0, r = sc->gold ? (double)sc->match / sc->gold : 0;
	printf("chunker: np f1 %.4f (precision %.4f recall %.4f, gold %zu)\n", p + r > 0 ? 2 * p * r / (p + r) : 0, p, r,
	       sc->gold);
	p = sc->gguess ? (double)sc->gmatch / sc->gguess : 0;
	r = sc->gold ? (double)sc->gmatch / sc->gold : 0;
	printf("chunker: np f1 on the treebank's own tags %.4f (precision %.4f recall %.4f)\n",
	       p + r > 0 ? 2 * p * r / (p + r) : 0, p, r);
	if (!verbose)
		return;
	struct {
		size_t n;
		unsigned g, t;
	} top[UPOS_COUNT * UPOS_COUNT];
	size_t nt = 0;
	for (unsigned g = 0; g < UPOS_COUNT; g++)
		for (unsigned t = 0; t < UPOS_COUNT; t++)
			if (g != t && sc->conf[g][t]) {
				top[nt].n = sc->conf[g][t];
				top[nt].g = g;
				top[nt].t = t;
				nt++;
			}
	for (size_t i = 1; i < nt; i++)
		for (size_t j = i; j > 0 && top[j].n > top[j - 1].n; j--) {
			__typeof__(top[0]) x = top[j];
			top[j] = top[j - 1];
			top[j - 1] = x;
		}
	for (size_t i = 0; i < nt && i < 25; i++)
		fprintf(stderr, "confusion: %s -> %s %zu\n", upos_name(top[i].g), upos_name(top[i].t), top[i].n);
}

/* ---- plain text ---- */

static void put_token(FILE *out, const struct tok *t, uint8_t tag)
{
	fwrite(t->s, 1, t->n, out);
	fprintf(out, "/%s", upos_name(tag));
}

static int tag_text(const struct tagger *tg, const struct lexicon *lx, FILE *fp, bool chunks, FILE *out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	struct arena *a = arena_new();
	if (!a)
		return -ENOMEM;
	int r = 0;
	while ((len = getline(&line, &cap, fp)) > 0) {
		size_t n = (size_t)len;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n > CLAIMS_MAX_TEXT)
			n = CLAIMS_MAX_TEXT;
		arena_reset(a);
		struct tok *t;
		size_t nt = sent_tokenize(a, line, n, &t);
		if (!nt)
			continue;
		sent_classify(lx, t, nt);
		struct sentence *sv = NULL;
		size_t ns = 0, scap = 0;
		if (sent_split(a, lx, line, t, nt, 0, &sv, &ns, &scap) < 0) {
			r = -ENOMEM;
			break;
		}
		for (size_t k = 0; k < ns; k++) {
			const struct sentence *s = &sv[k];
			uint8_t *tags = arena_alloc(a, s->nt);
			struct tag_word *w = arena_alloc(a, s->nt * sizeof(*w));
			struct np_chunk *c = arena_alloc(a, s->nt * sizeof(*c));
			if (!tags || !w || !c) {
				r = -ENOMEM;
				goto out;
			}
			if (tagger_tag_toks(tg, s->t, s->nt, tags) < 0) {
				r = -ENOMEM;
				goto out;
			}
			for (size_t i = 0; i < s->nt; i++) {
				w[i].s = s->t[i].s;
				w[i].n = s->t[i].n;
			}
			size_t nc = chunks ? np_chunks(tags, w, s->nt, c, s->nt) : 0, ci = 0;
			for (size_t i = 0; i < s->nt; i++) {
				if (i)
					fputc(' ', out);
				if (ci < nc && c[ci].b == i)
					fputc('[', out);
				put_token(out, &s->t[i], tags[i]);
				if (ci < nc && c[ci].e == i + 1) {
					fputc(']', out);
					ci++;
				}
			}
			fputc('\n', out);
		}
	}
out:
	free(line);
	arena_free(a);
	return r;
}

int ctl_tag(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "lexicon", required_argument, NULL, 'l' },
		{ "chunks", no_argument, NULL, 'c' },
		{ "conllu", no_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *model = NULL, *lexdir = NULL;
	bool chunks = false, conllu = false, verbose = false;
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "m:l:cuvh", opts, NULL)) != -1) {
		switch (o) {
		case 'm': model = optarg; break;
		case 'l': lexdir = optarg; break;
		case 'c': chunks = true; break;
		case 'u': conllu = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!lexdir) {
		lexdir = claims_default_lexicon_dir();
		if (access(lexdir, R_OK) != 0 && access("conf/lexicon", R_OK) == 0)
			lexdir = "conf/lexicon";
	}
	char err[512];
	struct tagger *tg = NULL;
	int r = model ? tagger_load(model, &tg, err, sizeof(err)) : tagger_load_dir(lexdir, &tg, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "claimctl tag: %s\n", err);
		return 1;
	}
	struct lexicon *lx = NULL;
	if (!conllu) {
		lx = calloc(1, sizeof(*lx));
		if (!lx || lex_load(lx, lexdir, err, sizeof(err)) < 0) {
			fprintf(stderr, "claimctl tag: lexicon: %s\n", lx ? err : "out of memory");
			free(lx);
			tagger_free(tg);
			return 1;
		}
	}
	struct scores *sc = conllu ? calloc(1, sizeof(*sc)) : NULL;
	int status = 0;
	if (conllu && !sc) {
		fprintf(stderr, "claimctl tag: out of memory\n");
		status = 1;
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		bool is_stdin = !strcmp(argv[i], "-");
		FILE *fp = is_stdin ? stdin : fopen(argv[i], "r");
		if (!fp) {
			fprintf(stderr, "claimctl tag: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		r = conllu ? eval_conllu(tg, fp, argv[i], sc) : tag_text(tg, lx, fp, chunks, stdout);
		if (r < 0) {
			if (!conllu)
				fprintf(stderr, "claimctl tag: %s: %s\n", argv[i], strerror(-r));
			status = 1;
		}
		if (!is_stdin)
			fclose(fp);
	}
	if (conllu)
		print_scores(sc, verbose);
out:
	free(sc);
	if (lx) {
		lex_release(lx);
		free(lx);
	}
	tagger_free(tg);
	return status;
}
