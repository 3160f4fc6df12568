/* test_tag.c — the part-of-speech tagger and noun-phrase chunker (daemon/claims/tag.c) with
 * the shipped model (../../conf/lexicon/tagger.model, or $CLAIMD_LEXICON_DIR): news
 * sentences of our own, near misses (capitalised sentence-initial common words, numbers,
 * hyphenated words), empty and very long input, damaged model files, CoNLL-U reading and
 * the alignment to the claim stage's tokens. Runs from tests/unit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "claimd/tag.h"
#include "../../daemon/claims/claims_int.h"

static struct tagger *tg;

static const char *lexdir(void)
{
	const char *d = getenv("CLAIMD_LEXICON_DIR");
	return d && *d ? d : "../../conf/lexicon";
}

static int setup(void **state)
{
	(void)state;
	char err[512];
	if (tagger_load_dir(lexdir(), &tg, err, sizeof(err)) < 0) {
		fprintf(stderr, "tagger: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tg = tagger_free(tg);
	return 0;
}

/* A sentence cut by the claim stage's tokenizer and tagged. */
struct tagged {
	struct arena *a;
	struct tok *t;
	size_t n;
	uint8_t *upos;
	struct tag_word *w;
	struct np_chunk c[64];
	size_t nc;
};

static void tag_sentence(struct tagged *s, const char *text)
{
	memset(s, 0, sizeof(*s));
	s->a = arena_new();
	assert_non_null(s->a);
	s->n = sent_tokenize(s->a, text, strlen(text), &s->t);
	s->upos = arena_alloc(s->a, s->n + 1);
	s->w = arena_alloc(s->a, (s->n + 1) * sizeof(*s->w));
	assert_non_null(s->upos);
	assert_non_null(s->w);
	assert_int_equal(tagger_tag_toks(tg, s->t, s->n, s->upos), 0);
	for (size_t i = 0; i < s->n; i++) {
		s->w[i].s = s->t[i].s;
		s->w[i].n = s->t[i].n;
	}
	s->nc = np_chunks(s->upos, s->w, s->n, s->c, 64);
}

static void untag(struct tagged *s)
{
	arena_free(s->a);
}

/* Index of the first token spelled word (-1 when none). */
static int find(const struct tagged *s, const char *word)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].n == strlen(word) && !memcmp(s->t[i].s, word, s->t[i].n))
			return (int)i;
	return -1;
}

static void expect_tag(const struct tagged *s, const char *word, enum upos want)
{
	int i = find(s, word);
	if (i < 0)
		fail_msg("no token '%s'", word);
	if (s->upos[i] != want)
		fail_msg("'%s' tagged %s, want %s", word, upos_name(s->upos[i]), upos_name(want));
}

/* The chunk that starts at token first and ends with token last, as text. */
static bool has_chunk(const struct tagged *s, const char *text)
{
	for (size_t k = 0; k < s->nc; k++) {
		const char *b = s->t[s->c[k].b].s;
		const char *e = s->t[s->c[k].e - 1].s + s->t[s->c[k].e - 1].n;
		if ((size_t)(e - b) == strlen(text) && !memcmp(b, text, (size_t)(e - b)))
			return true;
	}
	return false;
}

static void expect_chunk(const struct tagged *s, const char *text)
{
	if (!has_chunk(s, text)) {
		char buf[2048];
		size_t o = 0;
		for (size_t k = 0; k < s->nc && o < sizeof(buf) - 200; k++) {
			const char *b = s->t[s->c[k].b].s;
			const char *e = s->t[s->c[k].e - 1].s + s->t[s->c[k].e - 1].n;
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "[%.*s] ", (int)(e - b), b);
		}
		fail_msg("no chunk '%s'; chunks: %s", text, buf);
	}
}

static void test_names(void **state)
{
	(void)state;
	for (unsigned t = 0; t < UPOS_COUNT; t++)
		assert_int_equal(upos_from_name(upos_name(t)), (int)t);
	assert_string_equal(upos_name(UPOS_PROPN), "PROPN");
	assert_string_equal(upos_name(UPOS_COUNT), "?");
	assert_int_equal(upos_from_name("noun"), -1);
	assert_int_equal(upos_from_name(""), -1);
}

static void test_model_loaded(void **state)
{
	(void)state;
	size_t nf, nd, nw;
	tagger_stats(tg, &nf, &nd, &nw);
	assert_true(nf > 10000);
	assert_true(nd > 100);
	assert_true(nw >= nf);
}

static void test_news_sentence(void **state)
{
	(void)state;
	struct tagged s;
	tag_sentence(&s, "The ministry said on Friday that 600 soldiers were killed.");
	expect_tag(&s, "The", UPOS_DET);
	expect_tag(&s, "ministry", UPOS_NOUN);
	expect_tag(&s, "said", UPOS_VERB);
	expect_tag(&s, "on", UPOS_ADP);
	expect_tag(&s, "Friday", UPOS_PROPN);
	expect_tag(&s, "that", UPOS_SCONJ);
	expect_tag(&s, "600", UPOS_NUM);
	expect_tag(&s, "soldiers", UPOS_NOUN);
	expect_tag(&s, "were", UPOS_AUX);
	expect_tag(&s, "killed", UPOS_VERB);
	expect_tag(&s, ".", UPOS_PUNCT);
	expect_chunk(&s, "The ministry");
	expect_chunk(&s, "Friday");
	expect_chunk(&s, "600 soldiers");
	assert_int_equal(s.nc, 3); /* "said", "that", "were killed" are in none */
	assert_int_equal(s.c[0].head, 1);
	assert_int_equal(s.c[2].head, (size_t)find(&s, "soldiers"));
	untag(&s);
}

static void test_words_api_matches_toks(void **state)
{
	(void)state;
	const char *w[] = { "Police", "arrested", "two", "men", "after", "the", "attack", "." };
	uint8_t a[8], b[8];
	assert_int_equal(tagger_tag(tg, w, 8, a), 0);
	struct tag_word tw[8];
	for (size_t i = 0; i < 8; i++) {
		tw[i].s = w[i];
		tw[i].n = strlen(w[i]);
	}
	assert_int_equal(tagger_tag_words(tg, tw, 8, b), 0);
	assert_memory_equal(a, b, 8);
	assert_int_equal(a[0], UPOS_NOUN);
	assert_int_equal(a[1], UPOS_VERB);
	assert_int_equal(a[2], UPOS_NUM);
	assert_int_equal(a[3], UPOS_NOUN);
	assert_int_equal(a[4], UPOS_ADP);
	assert_int_equal(a[5], UPOS_DET);
	assert_int_equal(a[6], UPOS_NOUN);
}

/* Possessives, hyphenated modifiers and contractions as the claim stage cuts them. */
static void test_claim_tokens(void **state)
{
	(void)state;
	struct tagged s;
	tag_sentence(&s, "The Ohio-based company's chief, Jane Smith, didn't comment on the $2.5 billion deal.");
	expect_tag(&s, "Ohio-based", UPOS_ADJ);
	expect_tag(&s, "company", UPOS_NOUN);
	expect_tag(&s, "'s", UPOS_PART);
	expect_tag(&s, "Jane", UPOS_PROPN);
	expect_tag(&s, "Smith", UPOS_PROPN);
	expect_tag(&s, "didn't", UPOS_AUX);
	expect_tag(&s, "comment", UPOS_VERB);
	expect_tag(&s, "$", UPOS_SYM);
	expect_tag(&s, "2.5", UPOS_NUM);
	expect_chunk(&s, "The Ohio-based company's chief");
	expect_chunk(&s, "Jane Smith");
	expect_chunk(&s, "the $2.5 billion deal");
	untag(&s);
	tag_sentence(&s, "Her well-known brother works for the U.S.-backed government.");
	expect_tag(&s, "well-known", UPOS_ADJ);
	expect_tag(&s, "U.S.-backed", UPOS_ADJ);
	expect_tag(&s, "works", UPOS_VERB);
	expect_chunk(&s, "Her well-known brother");
	expect_chunk(&s, "the U.S.-backed government");
	untag(&s);
}

/* Near misses: a capitalised first word is not a name for being capitalised. */
static void test_sentence_initial_capitals(void **state)
{
	(void)state;
	struct tagged s;
	tag_sentence(&s, "Officials said the 48-year-old man was arrested in Nairobi.");
	expect_tag(&s, "Officials", UPOS_NOUN);
	expect_tag(&s, "48-year-old", UPOS_ADJ);
	expect_tag(&s, "arrested", UPOS_VERB);
	expect_tag(&s, "Nairobi", UPOS_PROPN);
	expect_chunk(&s, "Officials");
	expect_chunk(&s, "the 48-year-old man");
	untag(&s);
	tag_sentence(&s, "Rain fell across the region for the third day.");
	expect_tag(&s, "Rain", UPOS_NOUN);
	expect_tag(&s, "fell", UPOS_VERB);
	expect_chunk(&s, "the third day");
	untag(&s);
	tag_sentence(&s, "Analysts expect the central bank to raise interest rates in March.");
	expect_tag(&s, "Analysts", UPOS_NOUN);
	expect_tag(&s, "expect", UPOS_VERB);
	expect_tag(&s, "to", UPOS_PART);
	expect_tag(&s, "raise", UPOS_VERB);
	expect_tag(&s, "March", UPOS_PROPN);
	expect_chunk(&s, "the central bank");
	expect_chunk(&s, "interest rates");
	untag(&s);
}

/* The claim stage cuts "Mr." into "Mr" and "."; the phrase goes on, but not past a period
 * that ends a longer word or stands apart. */
static void test_abbreviations(void **state)
{
	(void)state;
	struct tagged s;
	tag_sentence(&s, "Mr. Smith said the company, based in St. Louis, employs 3,000 people.");
	expect_tag(&s, "Smith", UPOS_PROPN);
	expect_tag(&s, "said", UPOS_VERB);
	expect_tag(&s, "3,000", UPOS_NUM);
	expect_chunk(&s, "Mr. Smith");
	expect_chunk(&s, "St. Louis");
	expect_chunk(&s, "3,000 people");
	untag(&s);
	tag_sentence(&s, "Shares of Apple Inc. fell on Monday.");
	expect_tag(&s, "fell", UPOS_VERB);
	expect_chunk(&s, "Apple Inc"); /* the period before a verb is not in the phrase */
	untag(&s);
	/* the period is tagged as part of "Corp.", so "rose" reads as the verb after a name,
	 * not as a noun opening a sentence */
	tag_sentence(&s, "Shares of Acme Corp. rose 3.5% on Tuesday.");
	expect_tag(&s, "Corp", UPOS_PROPN);
	expect_tag(&s, ".", UPOS_PUNCT);
	expect_tag(&s, "rose", UPOS_VERB);
	expect_chunk(&s, "Acme Corp");
	untag(&s);
	/* near miss: a period after a longer word, or after a space, ends the phrase */
	const char *w[] = { "Officials", "met", "Smithson", ".", "Jones", "agreed" };
	struct tag_word tw[6];
	uint8_t u[6] = { UPOS_NOUN, UPOS_VERB, UPOS_PROPN, UPOS_PUNCT, UPOS_PROPN, UPOS_VERB };
	char buf[64];
	size_t o = 0;
	for (size_t i = 0; i < 6; i++) {
		size_t l = strlen(w[i]);
		if (i != 3 && i)
			buf[o++] = ' ';
		memcpy(buf + o, w[i], l);
		tw[i].s = buf + o;
		tw[i].n = l;
		o += l;
	}
	struct np_chunk c[6];
	size_t nc = np_chunks(u, tw, 6, c, 6);
	assert_int_equal(nc, 3);
	assert_int_equal(c[1].b, 2);
	assert_int_equal(c[1].e, 3);
	tw[2].n = 3; /* "Smi" "." — now short, but no longer written onto the period */
	nc = np_chunks(u, tw, 6, c, 6);
	assert_int_equal(nc, 3);
	assert_int_equal(c[1].e, 3);
}

static void test_numbers_and_pronouns(void **state)
{
	(void)state;
	struct tagged s;
	tag_sentence(&s, "He denied the allegations and said his lawyers would appeal the 2019 ruling.");
	expect_tag(&s, "He", UPOS_PRON);
	expect_tag(&s, "denied", UPOS_VERB);
	expect_tag(&s, "his", UPOS_PRON);
	expect_tag(&s, "would", UPOS_AUX);
	expect_tag(&s, "2019", UPOS_NUM);
	expect_chunk(&s, "He");
	expect_chunk(&s, "the allegations");
	expect_chunk(&s, "his lawyers"); /* a possessive pronoun opens the phrase */
	expect_chunk(&s, "the 2019 ruling");
	assert_false(has_chunk(&s, "said"));
	untag(&s);
	/* a relative pronoun is a phrase of its own, not the opener of the next one */
	tag_sentence(&s, "It's unclear whether the rebels, who control the north, will accept the deal.");
	expect_tag(&s, "'s", UPOS_AUX); /* "is", not a possessive */
	expect_tag(&s, "who", UPOS_PRON);
	expect_chunk(&s, "who");
	expect_chunk(&s, "the rebels");
	assert_false(has_chunk(&s, "It's"));
	untag(&s);
	/* numbers: a percentage and a price */
	tag_sentence(&s, "Shares rose 3.5% to $12.80 on Tuesday.");
	expect_tag(&s, "rose", UPOS_VERB);
	expect_tag(&s, "3.5", UPOS_NUM);
	expect_chunk(&s, "3.5%");
	expect_chunk(&s, "$12.80");
	untag(&s);
}

static void test_empty(void **state)
{
	(void)state;
	uint8_t u[1] = { 99 };
	assert_int_equal(tagger_tag(tg, NULL, 0, u), 0);
	assert_int_equal(tagger_tag_words(tg, NULL, 0, u), 0);
	assert_int_equal(tagger_tag_toks(tg, NULL, 0, u), 0);
	assert_int_equal(u[0], 99);
	struct np_chunk c[1];
	assert_int_equal(np_chunks(u, NULL, 0, c, 1), 0);
	/* empty and NULL words are tagged, not read past */
	const char *w[] = { "", NULL, "" };
	uint8_t t[3];
	assert_int_equal(tagger_tag(tg, w, 3, t), 0);
	for (size_t i = 0; i < 3; i++)
		assert_true(t[i] < UPOS_COUNT);
	/* a punctuation-only sentence has no noun phrase */
	const char *p[] = { "!", "?", "..." };
	assert_int_equal(tagger_tag(tg, p, 3, t), 0);
	assert_int_equal(np_chunks(t, NULL, 3, c, 1), 0);
}

/* Far beyond TAG_STACK_TOKENS, and a word longer than the feature window. */
static void test_very_long(void **state)
{
	(void)state;
	const size_t n = 20000;
	const char *base[] = { "The", "minister", "said", "that", "the", "army", "killed", "12", "rebels", "," };
	const char **w = malloc(n * sizeof(*w));
	uint8_t *t = malloc(n);
	struct np_chunk *c = malloc(n * sizeof(*c));
	assert_non_null(w);
	assert_non_null(t);
	assert_non_null(c);
	for (size_t i = 0; i < n; i++)
		w[i] = base[i % 10];
	char *longw = malloc(5001);
	assert_non_null(longw);
	memset(longw, 'a', 5000);
	longw[5000] = '\0';
	w[n / 2] = longw;
	assert_int_equal(tagger_tag(tg, w, n, t), 0);
	for (size_t i = 0; i < n; i++)
		assert_true(t[i] < UPOS_COUNT);
	/* the same tags far from the start as at it */
	assert_int_equal(t[n - 9], UPOS_NOUN); /* "minister" */
	assert_int_equal(t[n - 8], UPOS_VERB); /* "said" */
	size_t nc = np_chunks(t, NULL, n, c, n);
	assert_true(nc > n / 10);
	for (size_t k = 0; k < nc; k++) {
		assert_true(c[k].b < c[k].e && c[k].e <= n);
		assert_true(c[k].head >= c[k].b && c[k].head < c[k].e);
		if (k)
			assert_true(c[k].b >= c[k - 1].e);
	}
	/* max caps the output */
	assert_int_equal(np_chunks(t, NULL, n, c, 5), 5);
	free(longw);
	free(w);
	free(t);
	free(c);
}

/* ---- model files ---- */

static char *read_model(size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", lexdir(), TAGGER_MODEL_FILE);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *b = malloc((size_t)n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return b;
}

static int load_bytes(const char *b, size_t n, char *err, size_t errlen)
{
	char path[] = "/tmp/test_tag.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, n), (ssize_t)n);
	close(fd);
	struct tagger *t = NULL;
	int r = tagger_load(path, &t, err, errlen);
	unlink(path);
	if (r == 0) {
		assert_non_null(t);
		tagger_free(t);
	}
	return r;
}

static void test_bad_models(void **state)
{
	(void)state;
	char err[512];
	struct tagger *t = NULL;
	assert_int_equal(tagger_load("/nonexistent/tagger.model", &t, err, sizeof(err)), -ENOENT);
	assert_null(t);
	assert_non_null(strstr(err, "/nonexistent/tagger.model"));
	assert_int_equal(tagger_load_dir("/nonexistent", &t, err, sizeof(err)), -ENOENT);
	size_t n;
	char *b = read_model(&n);
	assert_int_equal(load_bytes(b, n, err, sizeof(err)), 0);
	/* from memory: the same model, and nothing kept pointing into the bytes */
	struct tagger *m = NULL;
	assert_int_equal(tagger_load_mem(b, n, &m, err, sizeof(err)), 0);
	const char *w[] = { "The", "ministry", "said", "." };
	uint8_t u1[4], u2[4];
	memset(b + 40, 0, n - 40);
	assert_int_equal(tagger_tag(m, w, 4, u1), 0);
	assert_int_equal(tagger_tag(tg, w, 4, u2), 0);
	assert_memory_equal(u1, u2, 4);
	tagger_free(m);
	assert_int_equal(tagger_load_mem(b, (size_t)TAGGER_MAX_MODEL_BYTES + 1, &m, err, sizeof(err)), -EFBIG);
	free(b);
	b = read_model(&n);
	/* empty, not a model, truncated, a flipped byte, trailing junk */
	assert_int_equal(load_bytes(b, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(load_bytes("hello world, not a model at all, no", 36, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "magic"));
	assert_int_equal(load_bytes(b, n / 2, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "truncated"));
	b[n / 3] ^= 0x40;
	assert_int_equal(load_bytes(b, n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "checksum"));
	b[n / 3] ^= 0x40;
	char *c = malloc(n + 1);
	assert_non_null(c);
	memcpy(c, b, n);
	c[n] = 0;
	assert_int_equal(load_bytes(c, n + 1, err, sizeof(err)), -EINVAL);
	/* another format version */
	c[8] ^= 0x7f;
	assert_int_equal(load_bytes(c, n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "version"));
	free(c);
	free(b);
	assert_null(tagger_free(NULL));
}

/* ---- CoNLL-U ---- */

static const char conllu[] =
	"# sent_id = 1\n"
	"# text = It's the ministry's plan, they don't say.\n"
	"1-2\tIt's\t_\t_\t_\t_\t_\t_\t_\t_\n"
	"1\tIt\tit\tPRON\tPRP\t_\t5\tnsubj\t_\t_\n"
	"2\t's\tbe\tAUX\tVBZ\t_\t5\tcop\t_\t_\n"
	"3\tthe\tthe\tDET\tDT\t_\t4\tdet\t_\t_\n"
	"4\tministry\tministry\tNOUN\tNN\t_\t5\tnmod:poss\t_\tSpaceAfter=No\n"
	"5\t's\t's\tPART\tPOS\t_\t4\tcase\t_\t_\n"
	"6\tplan\tplan\tNOUN\tNN\t_\t0\troot\t_\tSpaceAfter=No\n"
	"6.1\tsays\tsay\tVERB\tVBZ\t_\t_\t_\t6:parataxis\t_\n"
	"7\t,\t,\tPUNCT\t,\t_\t6\tpunct\t_\t_\n"
	"8\tthey\tthey\tPRON\tPRP\t_\t11\tnsubj\t_\t_\n"
	"9-10\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n"
	"9\tdo\tdo\tAUX\tVBP\t_\t11\taux\t_\t_\n"
	"10\tn't\tnot\tPART\tRB\t_\t11\tadvmod\t_\t_\n"
	"11\tsay\tsay\tVERB\tVB\t_\t6\tparataxis\t_\tSpaceAfter=No\n"
	"12\t.\t.\tPUNCT\t.\t_\t6\tpunct\t_\t_\n"
	"\n"
	"1\tAl\tAl\tPROPN\tNNP\t_\t0\troot\t_\tSpaceAfter=No\n"
	"2\t-\t-\tPUNCT\tHYPH\t_\t3\tpunct\t_\tSpaceAfter=No\n"
	"3\tbased\tbase\tVERB\tVBN\t_\t1\tamod\t_\t_\n";

static void test_conllu(void **state)
{
	(void)state;
	FILE *fp = fmemopen((void *)conllu, sizeof(conllu) - 1, "r");
	assert_non_null(fp);
	struct conllu_sent *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	size_t line = 0;
	char err[256];
	assert_int_equal(conllu_next(fp, s, &line, err, sizeof(err)), 1);
	assert_int_equal(s->n, 12); /* the empty node 6.1 is skipped */
	assert_string_equal(s->t[0].form, "It");
	assert_int_equal(s->t[0].mwt_end, 2);
	assert_string_equal(s->t[0].mwt_form, "It's");
	assert_int_equal(s->t[3].upos, UPOS_NOUN);
	assert_string_equal(s->t[3].deprel, "nmod:poss");
	assert_false(s->t[3].space_after);
	assert_true(s->t[9].space_after); /* "don't" has its space on the range line */
	/* the claim stage's tokens: "It" "'s" ... "don't" as one, tagged by its first word */
	char *text;
	struct tag_word *w;
	uint8_t *tags;
	size_t n;
	assert_int_equal(conllu_claim_tokens(s, &text, &w, &tags, &n), 0);
	assert_string_equal(text, "It's the ministry's plan, they don't say.");
	assert_int_equal(n, 11);
	assert_int_equal(w[1].n, 2);
	assert_memory_equal(w[1].s, "'s", 2);
	assert_int_equal(tags[1], UPOS_AUX);
	assert_int_equal(tags[4], UPOS_PART); /* the possessive */
	assert_int_equal(w[8].n, 5);
	assert_memory_equal(w[8].s, "don't", 5);
	assert_int_equal(tags[8], UPOS_AUX);
	free(text);
	free(w);
	free(tags);
	/* a hyphenated modifier as one token: "Al-based", tagged by its head word */
	assert_int_equal(conllu_next(fp, s, &line, err, sizeof(err)), 1);
	assert_int_equal(s->n, 3);
	assert_int_equal(conllu_claim_tokens(s, &text, &w, &tags, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tags[0], UPOS_PROPN);
	free(text);
	free(w);
	free(tags);
	assert_int_equal(conllu_next(fp, s, &line, err, sizeof(err)), 0);
	fclose(fp);
	/* a malformed line: its number in the error */
	static const char bad[] = "1\tword\tword\tNOUN\n";
	fp = fmemopen((void *)bad, sizeof(bad) - 1, "r");
	assert_non_null(fp);
	line = 0;
	assert_int_equal(conllu_next(fp, s, &line, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 1"));
	fclose(fp);
	conllu_release(s);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_model_loaded),
		cmocka_unit_test(test_news_sentence),
		cmocka_unit_test(test_words_api_matches_toks),
		cmocka_unit_test(test_claim_tokens),
		cmocka_unit_test(test_sentence_initial_capitals),
		cmocka_unit_test(test_numbers_and_pronouns),
		cmocka_unit_test(test_abbreviations),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_very_long),
		cmocka_unit_test(test_bad_models),
		cmocka_unit_test(test_conllu),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
