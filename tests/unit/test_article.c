/* test_article.c — article_from_feed on feeds parsed by the real feed module: the field
 * set, stable ids and how the id rule degrades or is pinned, canonical URLs, boilerplate
 * and credit, content_hash, unparseable dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "claimd/article.h"
#include "claimd/feed.h"

#define T0 1704067200000LL /* 2024-01-01T00:00:00Z */

static json_t *articles(const char *xml, const char *source, enum id_rule rule, json_t *warn)
{
	struct feed *f = NULL;
	struct feed_opts fo = { .base_url = "https://news.example.org/feed.xml", .now_ms = T0 };
	assert_int_equal(feed_parse(xml, strlen(xml), &fo, &f, NULL), 0);
	struct article_opts ao = {
		.source = source,
		.feed_url = fo.base_url,
		.fetched_at_ms = T0 + 5000,
		.id_rule = rule,
	};
	json_t *arr = NULL;
	assert_int_equal(article_from_feed(f, &ao, &arr, warn), 0);
	feed_free(f);
	return arr;
}

static const char *field(json_t *arr, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(arr, i), key));
}

static char *rss(const char *items)
{
	char *s = NULL;
	assert_true(asprintf(&s, "<rss version=\"2.0\"><channel><title>T</title><language>en</language>%s</channel></rss>",
			     items) > 0);
	return s;
}

static void test_fields(void **state)
{
	(void)state;
	char *x = rss("<item><title>Vote</title><link>/a?utm_source=x&amp;id=1#top</link>"
		      "<guid>g1</guid><pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate>"
		      "<author>a@example.org (Ann)</author><category domain=\"d\">Politics</category>"
		      "<enclosure url=\"https://cdn.example.org/x.mp3\" type=\"audio/mpeg\" length=\"5\"/>"
		      "<description>Short.</description>"
		      "<content:encoded xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
		      "&lt;p&gt;The council voted 7-2.&lt;/p&gt;&lt;p&gt;Source: AP News&lt;/p&gt;</content:encoded></item>");
	json_t *a = articles(x, "apnews", ID_RULE_AUTO, NULL);
	assert_int_equal(json_array_size(a), 1);
	json_t *o = json_array_get(a, 0);
	static const char *const keys[] = { "id", "source", "url", "title", "authors", "published",
					    "updated", "fetched_at", "lang", "summary", "text",
					    "credit", "categories", "enclosures", "content_hash" };
	assert_int_equal(json_object_size(o), sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_non_null(json_object_get(o, keys[i]));
	assert_int_equal(strlen(field(a, 0, "id")), 32);
	assert_string_equal(field(a, 0, "source"), "apnews");
	assert_string_equal(field(a, 0, "url"), "https://news.example.org/a?id=1");
	assert_string_equal(field(a, 0, "published"), "2024-01-01T00:00:00Z");
	assert_string_equal(field(a, 0, "fetched_at"), "2024-01-01T00:00:05Z");
	assert_string_equal(field(a, 0, "lang"), "en");
	assert_string_equal(field(a, 0, "text"), "The council voted 7-2.");
	assert_string_equal(field(a, 0, "credit"), "AP News");
	json_t *au = json_array_get(json_object_get(o, "authors"), 0);
	assert_string_equal(json_string_value(json_object_get(au, "name")), "Ann");
	assert_string_equal(json_string_value(json_object_get(au, "email")), "a@example.org");
	assert_true(json_is_null(json_object_get(au, "uri")));
	json_t *cat = json_array_get(json_object_get(o, "categories"), 0);
	assert_string_equal(json_string_value(json_object_get(cat, "term")), "Politics");
	assert_string_equal(json_string_value(json_object_get(cat, "scheme")), "d");
	json_t *en = json_array_get(json_object_get(o, "enclosures"), 0);
	assert_int_equal(json_integer_value(json_object_get(en, "length")), 5);

	/* content_hash is SHA-256 of title "\n" text */
	unsigned char md[32];
	unsigned int mdlen = 0;
	const char *msg = "Vote\nThe council voted 7-2.";
	assert_true(EVP_Digest(msg, strlen(msg), md, &mdlen, EVP_sha256(), NULL));
	char hex[65];
	for (unsigned i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	assert_string_equal(field(a, 0, "content_hash"), hex);
	json_decref(a);
	free(x);
}

static void test_summary_fallback_and_raw_date(void **state)
{
	(void)state;
	char *x = rss("<item><title>S</title><guid>s1</guid><pubDate>last Tuesday-ish</pubDate>"
		      "<description>Only &lt;b&gt;summary&lt;/b&gt; here.</description></item>");
	json_t *a = articles(x, "src", ID_RULE_AUTO, NULL);
	json_t *o = json_array_get(a, 0);
	assert_string_equal(field(a, 0, "text"), "Only summary here.");
	assert_true(json_is_null(json_object_get(o, "published")));
	assert_string_equal(field(a, 0, "published_raw"), "last Tuesday-ish");
	assert_true(json_is_null(json_object_get(o, "url")));
	json_decref(a);
	free(x);
}

static void test_ids_stable(void **state)
{
	(void)state;
	char *x1 = rss("<item><title>A</title><link>https://e.org/1</link><guid>g1</guid></item>"
		       "<item><title>B</title><link>https://e.org/2</link><guid>g2</guid></item>");
	/* same GUIDs, new titles and links: same ids */
	char *x2 = rss("<item><title>A2</title><link>https://e.org/1b</link><guid>g1</guid></item>"
		       "<item><title>B2</title><link>https://e.org/2b</link><guid>g2</guid></item>");
	json_t *a = articles(x1, "s", ID_RULE_AUTO, NULL), *b = articles(x2, "s", ID_RULE_AUTO, NULL);
	json_t *c = articles(x1, "other", ID_RULE_AUTO, NULL);
	assert_string_equal(field(a, 0, "id"), field(b, 0, "id"));
	assert_string_equal(field(a, 1, "id"), field(b, 1, "id"));
	assert_string_not_equal(field(a, 0, "id"), field(a, 1, "id"));
	assert_string_not_equal(field(a, 0, "id"), field(c, 0, "id"));
	assert_string_not_equal(field(a, 0, "content_hash"), field(b, 0, "content_hash"));
	json_decref(a);
	json_decref(b);
	json_decref(c);
	free(x1);
	free(x2);
}

static void test_repeated_guid_degrades(void **state)
{
	(void)state;
	char *x = rss("<item><title>A</title><link>https://e.org/1</link><guid>same</guid></item>"
		      "<item><title>B</title><link>https://e.org/2</link><guid>same</guid></item>"
		      "<item><title>C</title><link>https://e.org/3</link><guid>c</guid></item>"
		      "<item><title>D</title><link>https://e.org/4</link><guid>d</guid></item>"
		      "<item><title>E</title><link>https://e.org/5</link><guid>e</guid></item>");
	json_t *w = json_array();
	json_t *a = articles(x, "s", ID_RULE_AUTO, w);
	assert_string_not_equal(field(a, 0, "id"), field(a, 1, "id"));
	assert_true(json_array_size(w) >= 1);
	assert_non_null(strstr(json_string_value(json_array_get(w, 0)), "repeated"));
	/* pinned to GUID: no degradation, no warning; the repeat keeps one id */
	json_t *w2 = json_array();
	json_t *p = articles(x, "s", ID_RULE_GUID, w2);
	assert_string_equal(field(p, 0, "id"), field(p, 1, "id"));
	assert_int_equal(json_array_size(w2), 0);
	json_decref(a);
	json_decref(p);
	json_decref(w);
	json_decref(w2);
	free(x);
}

static void test_mostly_empty_guids(void **state)
{
	(void)state;
	char *x1 = rss("<item><title>A</title><link>https://e.org/1</link><guid></guid></item>"
		       "<item><title>B</title><link>https://e.org/2</link><guid>x</guid></item>"
		       "<item><title>C</title><link>https://e.org/3</link><guid>x</guid></item>");
	char *x2 = rss("<item><title>A</title><link>https://e.org/1</link><guid>new</guid></item>"
		       "<item><title>B</title><link>https://e.org/2</link></item>"
		       "<item><title>C</title><link>https://e.org/3</link></item>");
	json_t *w = json_array();
	json_t *a = articles(x1, "s", ID_RULE_AUTO, w), *b = articles(x2, "s", ID_RULE_AUTO, NULL);
	assert_non_null(strstr(json_string_value(json_array_get(w, 0)), "mostly empty or repeated"));
	/* ids came from links in both fetches */
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(field(a, i, "id"), field(b, i, "id"));
	json_decref(a);
	json_decref(b);
	json_decref(w);
	free(x1);
	free(x2);
}

static void test_pinned_rules(void **state)
{
	(void)state;
	char *x1 = rss("<item><title>A</title><link>https://e.org/1</link><guid>g</guid>"
		       "<pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>");
	char *x2 = rss("<item><title>A</title><link>https://e.org/other</link><guid>h</guid>"
		       "<pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>");
	char *x3 = rss("<item><title>A</title><link>https://e.org/1?utm_medium=rss</link><guid>i</guid>"
		       "<pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>");
	json_t *h1 = articles(x1, "s", ID_RULE_HASH, NULL), *h2 = articles(x2, "s", ID_RULE_HASH, NULL);
	assert_string_equal(field(h1, 0, "id"), field(h2, 0, "id"));
	json_t *l1 = articles(x1, "s", ID_RULE_LINK, NULL), *l2 = articles(x2, "s", ID_RULE_LINK, NULL);
	json_t *l3 = articles(x3, "s", ID_RULE_LINK, NULL);
	assert_string_not_equal(field(l1, 0, "id"), field(l2, 0, "id"));
	assert_string_equal(field(l1, 0, "id"), field(l3, 0, "id"));
	/* without GUID or link: title and date */
	char *x4 = rss("<item><title>Only title</title><pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>");
	json_t *n1 = articles(x4, "s", ID_RULE_AUTO, NULL), *n2 = articles(x4, "s", ID_RULE_AUTO, NULL);
	assert_string_equal(field(n1, 0, "id"), field(n2, 0, "id"));
	json_decref(h1);
	json_decref(h2);
	json_decref(l1);
	json_decref(l2);
	json_decref(l3);
	json_decref(n1);
	json_decref(n2);
	free(x1);
	free(x2);
	free(x3);
	free(x4);
}

static void test_dc_date_only(void **state)
{
	(void)state;
	const char *x = "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
			"xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
			"<channel><title>R</title></channel><item rdf:about=\"https://e.org/1\"><title>A</title>"
			"<link>https://e.org/1</link><dc:date>2023-05-01T10:00:00+02:00</dc:date></item></rdf:RDF>";
	json_t *a = articles(x, "s", ID_RULE_AUTO, NULL);
	assert_string_equal(field(a, 0, "published"), "2023-05-01T08:00:00Z");
	assert_string_equal(field(a, 0, "updated"), "2023-05-01T08:00:00Z");
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_summary_fallback_and_raw_date),
		cmocka_unit_test(test_ids_stable),
		cmocka_unit_test(test_repeated_guid_degrades),
		cmocka_unit_test(test_mostly_empty_guids),
		cmocka_unit_test(test_pinned_rules),
		cmocka_unit_test(test_dc_date_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
