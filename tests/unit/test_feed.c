/* test_feed.c — feed_parse against the fixture feeds in tests/fixtures/feeds (one file per
 * quirk; NAME.json beside NAME.xml holds the options and the expected model, matched as a
 * subset: every key given must match, arrays must match in length), plus the safety cases
 * generated here: a 100 MB document of nested elements, and entity bombs, each with
 * bounded memory and time.
 *
 * NAME.json keys: "file" (input, default NAME.xml), "opts" {base_url, http_charset, now_ms,
 * max_items}, "expect" {model subset}, "warnings" [substrings that some warning holds],
 * "absent" [substrings that must appear nowhere in the output], "error" (feed_parse must
 * fail with -EBADMSG and a reason holding this substring), "max_text" (bytes of output). */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <cmocka.h>
#include <jansson.h>

#include "claimd/feed.h"

#define FIXTURES "../fixtures/feeds"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, k;
	char chunk[65536];
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (n + k + 1 > cap) {
			cap = (n + k + 1) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		memcpy(buf + n, chunk, k);
		n += k;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Everything struct feed holds, as JSON, to compare with the fixtures. */
static json_t *full_model(const struct feed *f)
{
	json_t *m = json_object(), *items = json_array(), *w = json_array();
	json_object_set_new(m, "wellformed", json_boolean(f->wellformed));
	json_object_set_new(m, "format", jstr(f->format));
	json_object_set_new(m, "title", jstr(f->title));
	json_object_set_new(m, "link", jstr(f->link));
	json_object_set_new(m, "subtitle", jstr(f->subtitle));
	json_object_set_new(m, "language", jstr(f->language));
	json_object_set_new(m, "updated", jstr(f->updated));
	json_object_set_new(m, "author", jstr(f->author));
	json_object_set_new(m, "ttl_s", json_integer(f->ttl_s));
	json_object_set_new(m, "n_items", json_integer((json_int_t)f->n_items));
	for (size_t i = 0; i < f->n_items; i++) {
		const struct feed_item *it = &f->items[i];
		json_t *o = json_object(), *a = json_array(), *c = json_array(), *e = json_array();
		json_object_set_new(o, "id", jstr(it->id));
		json_object_set_new(o, "title", jstr(it->title));
		json_object_set_new(o, "link", jstr(it->link));
		json_object_set_new(o, "published", jstr(it->published));
		json_object_set_new(o, "published_raw", jstr(it->published_raw));
		json_object_set_new(o, "updated", jstr(it->updated));
		json_object_set_new(o, "summary", jstr(it->summary));
		json_object_set_new(o, "content", jstr(it->content));
		json_object_set_new(o, "lang", jstr(it->lang));
		json_object_set_new(o, "date_clamped", json_boolean(it->date_clamped));
		for (size_t k = 0; k < it->n_authors; k++)
			json_array_append_new(a, json_pack("{s:o,s:o,s:o}", "name",
							   jstr(it->authors[k].name), "email",
							   jstr(it->authors[k].email), "uri",
							   jstr(it->authors[k].uri)));
		for (size_t k = 0; k < it->n_categories; k++)
			json_array_append_new(c, json_pack("{s:o,s:o,s:o}", "term",
							   jstr(it->categories[k].term), "scheme",
							   jstr(it->categories[k].scheme), "label",
							   jstr(it->categories[k].label)));
		for (size_t k = 0; k < it->n_enclosures; k++)
			json_array_append_new(
				e, json_pack("{s:o,s:o,s:o}", "url", jstr(it->enclosures[k].url), "type",
					     jstr(it->enclosures[k].type), "length",
					     it->enclosures[k].length >= 0
						     ? json_integer(it->enclosures[k].length)
						     : json_null()));
		json_object_set_new(o, "authors", a);
		json_object_set_new(o, "categories", c);
		json_object_set_new(o, "enclosures", e);
		json_array_append_new(items, o);
	}
	json_object_set_new(m, "items", items);
	for (size_t i = 0; i < f->n_warnings; i++)
		json_array_append_new(w, json_string(f->warnings[i]));
	json_object_set_new(m, "warnings", w);
	return m;
}

/* want ⊆ got; prints the path of the first difference. */
static bool subset(json_t *want, json_t *got, const char *path)
{
	char sub[512];
	if (json_is_object(want)) {
		const char *k;
		json_t *v;
		json_object_foreach(want, k, v) {
			snprintf(sub, sizeof(sub), "%s.%s", path, k);
			json_t *g = json_object_get(got, k);
			if (!g && json_is_null(v))
				continue;
			if (!g || !subset(v, g, sub))
				return false;
		}
		return true;
	}
	if (json_is_array(want)) {
		if (!json_is_array(got) || json_array_size(got) != json_array_size(want)) {
			fprintf(stderr, "%s: want %zu elements, got %zu\n", path,
				json_array_size(want), json_array_size(got));
			return false;
		}
		for (size_t i = 0; i < json_array_size(want); i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			if (!subset(json_array_get(want, i), json_array_get(got, i), sub))
				return false;
		}
		return true;
	}
	if (json_equal(want, got))
		return true;
	char *w = json_dumps(want, JSON_ENCODE_ANY), *g = json_dumps(got, JSON_ENCODE_ANY);
	fprintf(stderr, "%s: want %s, got %s\n", path, w, g);
	free(w);
	free(g);
	return false;
}

static int run_fixture(const char *name)
{
	char path[512];
	json_error_t je;
	snprintf(path, sizeof(path), FIXTURES "/%s", name);
	json_t *spec = json_load_file(path, 0, &je);
	if (!spec) {
		fprintf(stderr, "%s: %s\n", name, je.text);
		return 1;
	}
	char input[512];
	const char *file = json_string_value(json_object_get(spec, "file"));
	if (file)
		snprintf(input, sizeof(input), FIXTURES "/%s", file);
	else
		snprintf(input, sizeof(input), FIXTURES "/%.*s.xml", (int)(strlen(name) - 5), name);
	size_t len = 0;
	char *buf = slurp(input, &len);
	if (!buf) {
		fprintf(stderr, "%s: cannot read %s\n", name, input);
		json_decref(spec);
		return 1;
	}
	json_t *o = json_object_get(spec, "opts");
	struct feed_opts fo = {
		.base_url = json_string_value(json_object_get(o, "base_url")),
		.http_charset = json_string_value(json_object_get(o, "http_charset")),
		.now_ms = json_integer_value(json_object_get(o, "now_ms")),
		.max_items = (size_t)json_integer_value(json_object_get(o, "max_items")),
	};
	if (!fo.now_ms)
		fo.now_ms = (int64_t)time(NULL) * 1000;
	struct feed *f = NULL;
	char *err = NULL;
	int r = feed_parse(buf, len, &fo, &f, &err);
	int bad = 0;
	const char *want_err = json_string_value(json_object_get(spec, "error"));
	if (want_err) {
		if (r != -EBADMSG || !err || !strstr(err, want_err)) {
			fprintf(stderr, "%s: want -EBADMSG with '%s', got %d '%s'\n", name, want_err, r,
				err ? err : "");
			bad = 1;
		}
		goto out;
	}
	if (r < 0) {
		fprintf(stderr, "%s: feed_parse %d: %s\n", name, r, err ? err : "");
		bad = 1;
		goto out;
	}
	json_t *m = full_model(f);
	json_t *want = json_object_get(spec, "expect");
	if (want && !subset(want, m, name))
		bad = 1;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(spec, "warnings"), i, v) {
		bool found = false;
		for (size_t k = 0; k < f->n_warnings; k++)
			if (strstr(f->warnings[k], json_string_value(v)))
				found = true;
		if (!found) {
			fprintf(stderr, "%s: no warning holds '%s'\n", name, json_string_value(v));
			bad = 1;
		}
	}
	char *dump = json_dumps(m, JSON_COMPACT);
	json_array_foreach(json_object_get(spec, "absent"), i, v)
		if (strstr(dump, json_string_value(v))) {
			fprintf(stderr, "%s: output holds '%s'\n", name, json_string_value(v));
			bad = 1;
		}
	json_t *max = json_object_get(spec, "max_text");
	if (max && strlen(dump) > (size_t)json_integer_value(max)) {
		fprintf(stderr, "%s: output of %zu bytes\n", name, strlen(dump));
		bad = 1;
	}
	free(dump);
	json_decref(m);
out:
	if (bad)
		fprintf(stderr, "FAIL fixture %s\n", name);
	feed_free(f);
	free(err);
	free(buf);
	json_decref(spec);
	return bad;
}

static int is_spec(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 5 && !strcmp(d->d_name + n - 5, ".json") &&
	       !(n > 10 && !strcmp(d->d_name + n - 10, ".feed.json"));
}

static void test_fixtures(void **state)
{
	(void)state;
	struct dirent **names;
	int n = scandir(FIXTURES, &names, is_spec, alphasort);
	assert_true(n >= 20);
	int bad = 0;
	for (int i = 0; i < n; i++) {
		bad += run_fixture(names[i]->d_name);
		free(names[i]);
	}
	free(names);
	assert_int_equal(bad, 0);
}

static long maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* 100 MB of nested elements: libxml2's depth limit stops both passes early. */
static void test_deep_nesting_100mb(void **state)
{
	(void)state;
	const size_t size = 100u << 20;
	const char *head = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>deep</title>";
	char *buf = malloc(size + 1);
	assert_non_null(buf);
	size_t n = strlen(head);
	memcpy(buf, head, n);
	while (n + 3 <= size) {
		memcpy(buf + n, "<a>", 3);
		n += 3;
	}
	buf[n] = '\0';
	long before = maxrss_kb();
	clock_t t0 = clock();
	struct feed *f = NULL;
	char *err = NULL;
	struct feed_opts fo = { .now_ms = 1 };
	int r = feed_parse(buf, n, &fo, &f, &err);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	long grew_mb = (maxrss_kb() - before) / 1024;
	fprintf(stderr, "deep nesting: r=%d, %.2f s, peak RSS grew by %ld MB\n", r, secs, grew_mb);
	if (r == 0) {
		assert_false(f->wellformed);
		assert_int_equal(f->n_items, 0);
	} else {
		assert_int_equal(r, -EBADMSG);
	}
	/* bounded: at most one further copy of the input (the recover pass) plus change */
	assert_true(grew_mb < 250);
	assert_true(secs < 30);
	feed_free(f);
	free(err);
	free(buf);
}

/* Quadratic blow-up: one entity of 100 KB referenced 10,000 times (no nesting). */
static void test_quadratic_blowup(void **state)
{
	(void)state;
	size_t ent = 100000, refs = 10000;
	size_t cap = ent + refs * 4 + 512;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t n = (size_t)sprintf(buf, "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"");
	memset(buf + n, 'x', ent);
	n += ent;
	n += (size_t)sprintf(buf + n, "\">]><rss><channel><title>");
	for (size_t i = 0; i < refs; i++) {
		memcpy(buf + n, "&a;", 3);
		n += 3;
	}
	n += (size_t)sprintf(buf + n, "</title></channel></rss>");
	struct feed *f = NULL;
	char *err = NULL;
	struct feed_opts fo = { .now_ms = 1 };
	long before = maxrss_kb();
	int r = feed_parse(buf, n, &fo, &f, &err);
	long grew_mb = (maxrss_kb() - before) / 1024;
	if (r == 0)
		assert_true(!f->title || strlen(f->title) <= (2u << 20));
	else
		assert_int_equal(r, -EBADMSG);
	assert_true(grew_mb < 100);
	feed_free(f);
	free(err);
	free(buf);
}

static bool has_warning(const struct feed *f, const char *sub)
{
	for (size_t i = 0; i < f->n_warnings; i++)
		if (strstr(f->warnings[i], sub))
			return true;
	return false;
}

/* 16 MiB of flat empty elements after a few items: the node cap stops the tree early. */
static void test_flat_16mib(void **state)
{
	(void)state;
	const size_t size = (16u << 20) - 64;
	const char *head = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>flat</title>"
			   "<item><title>one</title></item><item><title>two</title></item>";
	const char *tail = "<item><title>late</title></item></channel></rss>";
	char *buf = malloc(size + 1);
	assert_non_null(buf);
	size_t n = strlen(head);
	memcpy(buf, head, n);
	while (n + 4 + strlen(tail) <= size) {
		memcpy(buf + n, "<a/>", 4);
		n += 4;
	}
	memcpy(buf + n, tail, strlen(tail));
	n += strlen(tail);
	buf[n] = '\0';

	long before = maxrss_kb();
	struct feed *f = NULL;
	char *err = NULL;
	struct feed_opts fo = { .now_ms = 1 };
	assert_int_equal(feed_parse(buf, n, &fo, &f, &err), 0);
	long grew_mb = (maxrss_kb() - before) / 1024;
	fprintf(stderr, "flat 16 MiB: peak RSS grew by %ld MB\n", grew_mb);
	assert_true(f->wellformed);
	assert_int_equal(f->n_items, 2);   /* the item past the cap was never read */
	assert_string_equal(f->items[1].title, "two");
	assert_true(has_warning(f, "more than 200000 elements"));
	assert_true(grew_mb < 150);   /* uncapped, libxml2's tree alone is over 400 MB */
	f = feed_free(f);

	/* a cap of the caller's: 5 nodes = rss, channel, title, item, title (+ version) */
	fo.max_nodes = 6;
	assert_int_equal(feed_parse(buf, n, &fo, &f, &err), 0);
	assert_int_equal(f->n_items, 1);
	assert_string_equal(f->items[0].title, "one");
	assert_true(has_warning(f, "more than 6 elements"));
	f = feed_free(f);

	/* within the cap nothing changes */
	const char *small = "<rss version=\"2.0\"><channel><item><title>a</title></item>"
			    "<item><title>b</title></item></channel></rss>";
	fo.max_nodes = 8;
	assert_int_equal(feed_parse(small, strlen(small), &fo, &f, &err), 0);
	assert_int_equal(f->n_items, 2);
	assert_int_equal(f->n_warnings, 0);
	feed_free(f);
	free(buf);
}

/* A JSON document with more values than the cap is refused before jansson builds it. */
static void test_json_node_cap(void **state)
{
	(void)state;
	const char *doc = "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"t, [x]\","
			  " \"items\": [{\"id\": \"1\", \"content_text\": \"a\"},"
			  " {\"id\": \"2\", \"content_text\": \"b\"}]}";
	struct feed *f = NULL;
	char *err = NULL;
	struct feed_opts fo = { .now_ms = 1 };
	assert_int_equal(feed_parse(doc, strlen(doc), &fo, &f, &err), 0);
	assert_int_equal(f->n_items, 2);
	f = feed_free(f);
	/* 1 + 4 '{' or '[' + 5 ',' outside strings (not those of "t, [x]"): 10 at most */
	fo.max_nodes = 9;
	assert_int_equal(feed_parse(doc, strlen(doc), &fo, &f, &err), -EBADMSG);
	assert_non_null(err);
	assert_non_null(strstr(err, "more than 9 values"));
	free(err);
	err = NULL;
	fo.max_nodes = 10;
	assert_int_equal(feed_parse(doc, strlen(doc), &fo, &f, &err), 0);
	assert_int_equal(f->n_items, 2);
	feed_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat_16mib),   /* first: it measures peak RSS */
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_deep_nesting_100mb),
		cmocka_unit_test(test_quadratic_blowup),
		cmocka_unit_test(test_json_node_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
