/* test_pages.c — the article page decisions of pipeline.c and the page queue of store.c:
 * when an entry wants its page (fetch_page, page_min_chars counted in characters, texts
 * that look cut and their near misses), how a page's body and metadata become the article
 * (the feed wins where it has a value), and the durable queue (queued, attempts, done,
 * what a restart resumes) on a real SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>

#include "claimd/daemon.h"
#include "claimd/page.h"
#include "claimd/store.h"

static json_t *art_with(const char *text, const char *url)
{
	json_t *a = json_pack("{s:s, s:s, s:n, s:s, s:[], s:n, s:n, s:s}", "id", "a1", "title",
			      "Feed title", "summary", "text", text, "authors", "published",
			      "updated", "content_hash", "feedhash");
	json_object_set_new(a, "url", url ? json_string(url) : json_null());
	return a;
}

static const char *wanted(const struct cfg_source *cs, const char *text, const char *url,
			  bool *want)
{
	json_t *a = art_with(text, url);
	const char *why = pipeline_page_wanted(cs, a, want);
	json_decref(a);
	return why;
}

static void test_page_wanted(void **state)
{
	(void)state;
	struct cfg_source cs = { .fetch_page = FETCH_PAGE_AUTO, .page_min_chars = 40 };
	const char *url = "https://news.example/a";
	bool w;
	assert_string_equal(wanted(&cs, "Short.", url, &w), "feed-text-short");
	assert_true(w);
	/* characters, not bytes: 39 two-byte characters are short, 40 are not */
	char buf[200] = "";
	for (int i = 0; i < 39; i++)
		strcat(buf, "\xc3\xa9");
	assert_string_equal(wanted(&cs, buf, url, &w), "feed-text-short");
	strcat(buf, "\xc3\xa9");
	assert_string_equal(wanted(&cs, buf, url, &w), "feed-text-long-enough");
	assert_false(w);

	static const struct {
		const char *text;
		bool cut;
	} cases[] = {
		{ "The council met for six hours and heard from residents about it...", true },
		{ "The council met for six hours and heard from residents about it\xe2\x80\xa6", true },
		{ "The council met for six hours and heard from residents about it [...]", true },
		{ "The council met for six hours and heard from residents about it [\xe2\x80\xa6]", true },
		{ "The council met for six hours and heard from residents. Read more", true },
		{ "The council met for six hours and heard from residents. Read More \xc2\xbb", true },
		{ "The council met for six hours and heard from residents. Continue reading \xe2\x86\x92", true },
		{ "The council met for six hours and heard from residents. Continue reading...", true },
		{ "The council met for six hours and heard from residents.  read more >> ", true },
		/* near misses */
		{ "The council met for six hours and heard from residents about it.", false },
		{ "The council met for six hours; residents want to read more books.", false },
		{ "The council met for six hours... and then it voted on the barrier.", false },
		{ "The council met for six hours and heard from residents about more", false },
		{ "The council met for six hours and heard residents on reading.", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = wanted(&cs, cases[i].text, url, &w);
		if (w != cases[i].cut)
			fail_msg("'%s': %s", cases[i].text, why);
		if (cases[i].cut)
			assert_string_equal(why, "feed-text-cut");
	}

	/* the summary may carry the marker that boilerplate removal took from the text */
	json_t *a = art_with("The council met for six hours and heard from residents about it.", url);
	json_object_set_new(a, "summary", json_string("The council met. Read more"));
	assert_string_equal(pipeline_page_wanted(&cs, a, &w), "feed-text-cut");
	json_decref(a);

	cs.fetch_page = FETCH_PAGE_NEVER;
	assert_string_equal(wanted(&cs, "Short.", url, &w), "fetch-page-never");
	assert_false(w);
	cs.fetch_page = FETCH_PAGE_ALWAYS;
	assert_string_equal(wanted(&cs, "The council met for six hours and heard everyone out.", url,
				   &w),
			    "fetch-page-always");
	assert_true(w);
	assert_string_equal(wanted(&cs, "Short.", NULL, &w), "no-link");
	assert_false(w);
	assert_string_equal(wanted(&cs, "Short.", "", &w), "no-link");
	assert_string_equal(wanted(&cs, "Short.", "ftp://news.example/a", &w), "not-http");
	assert_false(w);
	assert_string_equal(wanted(&cs, "Short.", "HTTP://news.example/a", &w), "fetch-page-always");
	cs.fetch_page = FETCH_PAGE_AUTO;
	cs.page_min_chars = 0;
	assert_string_equal(wanted(&cs, "", url, &w), "feed-text-long-enough");
}

static void test_apply_page(void **state)
{
	(void)state;
	char *authors[] = { "Maria Lindqvist", "" };
	char text[] = "First paragraph of the page.\n\nSecond paragraph.";
	struct page pg = { .text = text, .text_len = strlen(text), .title = "Page title",
			   .published = "2024-04-01T00:00:00Z", .modified = "2024-04-03T00:00:00Z",
			   .lang = "en", .canonical_url = "https://news.example/canon",
			   .section = "Local", .authors = authors, .n_authors = 2 };
	json_t *a = art_with("Short.", "https://news.example/a");
	json_object_set_new(a, "published", json_string("2024-04-02T10:00:00Z"));
	assert_int_equal(pipeline_apply_page(a, &pg, "https://news.example/a?x", "feed-text-short"), 0);
	assert_string_equal(json_string_value(json_object_get(a, "text")), text);
	assert_string_equal(json_string_value(json_object_get(a, "text_source")), "page");
	assert_string_equal(json_string_value(json_object_get(a, "text_source_reason")),
			    "feed-text-short");
	assert_string_equal(json_string_value(json_object_get(a, "page_url")),
			    "https://news.example/a?x");
	/* the feed wins where it has a value */
	assert_string_equal(json_string_value(json_object_get(a, "title")), "Feed title");
	assert_string_equal(json_string_value(json_object_get(a, "published")),
			    "2024-04-02T10:00:00Z");
	/* the page fills what it lacks */
	assert_string_equal(json_string_value(json_object_get(a, "updated")), "2024-04-03T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(a, "lang")), "en");
	assert_string_equal(json_string_value(json_object_get(a, "canonical_url")),
			    "https://news.example/canon");
	assert_string_equal(json_string_value(json_object_get(a, "section")), "Local");
	assert_null(json_object_get(a, "image"));
	json_t *au = json_object_get(a, "authors");
	assert_int_equal(json_array_size(au), 1); /* the empty name is dropped */
	assert_string_equal(json_string_value(json_object_get(json_array_get(au, 0), "name")),
			    "Maria Lindqvist");
	assert_true(json_is_null(json_object_get(json_array_get(au, 0), "email")));
	/* content_hash is that of the text published */
	const char *h = json_string_value(json_object_get(a, "content_hash"));
	assert_int_equal(strlen(h), 64);
	assert_string_not_equal(h, "feedhash");
	json_decref(a);

	/* no body: refused, the article untouched */
	struct page none = { .reason = "no-body" };
	a = art_with("Short.", "https://news.example/a");
	assert_int_equal(pipeline_apply_page(a, &none, NULL, "feed-text-short"), -EINVAL);
	assert_string_equal(json_string_value(json_object_get(a, "text")), "Short.");
	pipeline_feed_text(a, "http-404", "https://news.example/a");
	assert_string_equal(json_string_value(json_object_get(a, "text_source")), "feed");
	assert_string_equal(json_string_value(json_object_get(a, "text_source_reason")), "http-404");
	assert_string_equal(json_string_value(json_object_get(a, "content_hash")), "feedhash");
	pipeline_feed_text(a, "feed-text-long-enough", NULL);
	assert_true(json_is_null(json_object_get(a, "page_url")));
	json_decref(a);
}

struct seen_rows {
	int n;
	char ids[4][16];
	int attempts[4];
};

static int collect(void *ud, const char *id, const char *hash, const char *source,
		   const char *url, const char *article, int64_t queued_ms, int attempts)
{
	struct seen_rows *r = ud;
	(void)hash;
	(void)url;
	(void)queued_ms;
	assert_string_equal(source, "src");
	assert_non_null(strstr(article, "\"id\""));
	snprintf(r->ids[r->n], sizeof(r->ids[0]), "%s", id);
	r->attempts[r->n++] = attempts;
	return 0;
}

static void test_store_page_queue(void **state)
{
	(void)state;
	char dir[] = "/tmp/claimd-test-pages-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct store *s = NULL;
	assert_int_equal(store_open(dir, &s), 0);
	assert_int_equal(store_page_state(s, "a", "h1", NULL), 0);
	assert_int_equal(store_page_queue(s, "a", "h1", "src", "https://x/a", "{\"id\":\"a\"}", 1000), 0);
	assert_int_equal(store_page_queue(s, "b", "h2", "src", "https://x/b", "{\"id\":\"b\"}", 2000), 0);
	assert_int_equal(store_page_queue(s, "a", NULL, "src", NULL, "{}", 1), -EINVAL);
	assert_int_equal(store_page_state(s, "a", "h1", NULL), 1);
	assert_int_equal(store_page_state(s, "a", "other", NULL), 0);
	assert_int_equal(store_page_attempt(s, "a", "h1"), 0);
	assert_int_equal(store_page_attempt(s, "a", "h1"), 0);
	/* what survives a close: both, oldest first, with their attempts */
	s = store_close(s);
	assert_int_equal(store_open(dir, &s), 0);
	struct seen_rows rows = { 0 };
	assert_int_equal(store_page_scan(s, collect, &rows), 0);
	assert_int_equal(rows.n, 2);
	assert_string_equal(rows.ids[0], "a");
	assert_int_equal(rows.attempts[0], 2);
	assert_string_equal(rows.ids[1], "b");
	assert_int_equal(rows.attempts[1], 0);
	/* done in a transaction that rolls back: still queued */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_page_done(s, "a", "h1", "page", 3000), 0);
	assert_int_equal(store_rollback(s), 0);
	assert_int_equal(store_page_state(s, "a", "h1", NULL), 1);
	/* committed: done, with its reason; no longer resumed */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_page_done(s, "a", "h1", "http-404", 3000), 0);
	assert_int_equal(store_commit(s), 0);
	char *reason = NULL;
	assert_int_equal(store_page_state(s, "a", "h1", &reason), 2);
	assert_string_equal(reason, "http-404");
	free(reason);
	assert_int_equal(store_page_attempt(s, "a", "h1"), 0); /* no effect once done */
	memset(&rows, 0, sizeof(rows));
	assert_int_equal(store_page_scan(s, collect, &rows), 0);
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.ids[0], "b");
	store_close(s);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_wanted),
		cmocka_unit_test(test_apply_page),
		cmocka_unit_test(test_store_page_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
