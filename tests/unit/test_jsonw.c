/* test_jsonw.c — jw_dump gives the very bytes of json_dumps(JSON_COMPACT |
 * JSON_REAL_PRECISION(6)): escapes, UTF-8, reals, nesting, key order, empty containers,
 * a claim-shaped and an article-shaped body, and random values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "claimd/jsonw.h"

static void same(json_t *v)
{
	char *want = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(6) | JSON_ENCODE_ANY);
	size_t len = 0;
	char *got = jw_dump(v, &len);
	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(want);
	free(got);
}

static void test_scalars_and_escapes(void **state)
{
	(void)state;
	const char *strs[] = { "", "plain", "quote \" backslash \\ slash /",
			       "\b\f\n\r\t\x01\x1f\x7f", "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x93\xb0",
			       "\xe2\x80\xa8 line sep", "<script>&amp;</script>" };
	for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++) {
		json_t *s = json_string(strs[i]);
		same(s);
		json_decref(s);
	}
	json_t *nul = json_stringn("a\0b", 3);
	same(nul);
	json_decref(nul);
	double reals[] = { 0.0, 1.0, -1.5, 0.1, 1e-7, 123456789.0, 1e21, 0.000123, 3.14159265,
			   -0.0, 100.0, 1e100, 2.5e-300 };
	for (size_t i = 0; i < sizeof(reals) / sizeof(*reals); i++) {
		json_t *r = json_real(reals[i]);
		same(r);
		json_decref(r);
	}
	json_int_t ints[] = { 0, 1, -1, 42, INT64_MAX, INT64_MIN };
	for (size_t i = 0; i < sizeof(ints) / sizeof(*ints); i++) {
		json_t *n = json_integer(ints[i]);
		same(n);
		json_decref(n);
	}
	same(json_true());
	same(json_false());
	same(json_null());
}

static void test_bodies(void **state)
{
	(void)state;
	json_t *claim = json_pack(
		"{s:s, s:s, s:{s:s, s:s, s:n}, s:s, s:[s, s], s:[{s:s, s:f, s:n}], s:f, s:I, s:{}, s:[]}",
		"schema", "claimd.claim/1", "sentence", "The mayor said \"no\".", "speaker", "text",
		"the mayor", "type", "person", "canonical", "cue", "said", "hedges", "reportedly",
		"allegedly", "quantities", "text", "40%", "value", 0.4, "unit", "score", 0.73,
		"gseq", (json_int_t)123456, "empty", "none");
	same(claim);
	json_decref(claim);
	char text[5000];
	for (size_t i = 0; i < sizeof(text) - 1; i++)
		text[i] = "abc def\n\"ghi\\\t"[i % 15];
	text[sizeof(text) - 1] = 0;
	json_t *art = json_pack("{s:s, s:s, s:[s], s:b, s:b}", "id", "x", "text", text, "authors",
				"A. Writer", "t", 1, "f", 0);
	same(art);
	json_decref(art);
}

static json_t *random_value(uint64_t *rng, int depth)
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	int kind = (int)(*rng % (depth > 3 ? 5 : 7));
	switch (kind) {
	case 0: return json_integer((json_int_t)(*rng >> 11) - (1LL << 52));
	case 1: return json_real((double)(int64_t)(*rng >> 20) / (double)((*rng & 0xffff) + 1));
	case 2: {
		char s[32];
		for (int i = 0; i < 31; i++)
			s[i] = (char)(1 + (*rng >> (i % 56)) % 127);
		s[31] = 0;
		return json_string(s);
	}
	case 3: return json_null();
	case 4: return json_boolean(*rng & 1);
	case 5: {
		json_t *a = json_array();
		for (int i = 0; i < (int)(*rng % 5); i++)
			json_array_append_new(a, random_value(rng, depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();
		for (int i = 0; i < (int)(*rng % 5); i++) {
			char k[16];
			snprintf(k, sizeof(k), "k%d\t%d", i, (int)(*rng % 100));
			json_object_set_new(o, k, random_value(rng, depth + 1));
		}
		return o;
	}
	}
}

static void test_random(void **state)
{
	(void)state;
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 2000; i++) {
		json_t *v = random_value(&rng, 0);
		same(v);
		json_decref(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars_and_escapes),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
