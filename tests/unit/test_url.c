/* test_url.c — resolving links against a feed's URL, refusing non-http(s) schemes, and
 * canonical URLs without fragments or tracking parameters. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "claimd/url.h"

static void resolves(const char *base, const char *ref, const char *want)
{
	char *out = NULL;
	assert_int_equal(url_resolve(base, ref, &out), 0);
	assert_string_equal(out, want);
	free(out);
}

static void refused(const char *base, const char *ref)
{
	char *out = NULL;
	assert_int_equal(url_resolve(base, ref, &out), -EINVAL);
	assert_null(out);
}

static void canon(const char *in, const char *want)
{
	char *out = NULL;
	assert_int_equal(url_canonical(in, &out), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_resolve(void **state)
{
	(void)state;
	const char *base = "https://news.example.org/world/feed.xml";
	resolves(base, "story-1.html", "https://news.example.org/world/story-1.html");
	resolves(base, "/2024/01/x", "https://news.example.org/2024/01/x");
	resolves(base, "../about", "https://news.example.org/about");
	resolves(base, "//cdn.example.net/a.mp3", "https://cdn.example.net/a.mp3");
	resolves(base, "  http://other.example/x?a=1  ", "http://other.example/x?a=1");
	resolves(NULL, "https://example.com/a", "https://example.com/a");
	/* as written when already absolute: no trailing-slash games */
	resolves(base, "http://example.com", "http://example.com");
}

static void test_refuse(void **state)
{
	(void)state;
	const char *base = "https://news.example.org/feed";
	refused(base, "javascript:alert(1)");
	refused(base, "mailto:desk@example.org");
	refused(base, "file:///etc/passwd");
	refused(base, "ftp://example.org/x");
	refused(base, "data:text/html,hi");
	refused(base, "");
	refused(NULL, "relative/without/base");
	refused("file:///tmp/feed.xml", "relative");
}

static void test_canonical(void **state)
{
	(void)state;
	canon("https://Example.COM/a/b?utm_source=rss&utm_medium=feed&id=7#comments",
	      "https://example.com/a/b?id=7");
	canon("https://example.com/a?fbclid=XYZ&gclid=1&mc_cid=2&mc_eid=3",
	      "https://example.com/a");
	canon("https://example.com/a?page=2&utm_campaign=x&q=utm_source",
	      "https://example.com/a?page=2&q=utm_source");
	canon("http://example.com/path#frag", "http://example.com/path");
	/* near miss: a parameter that merely starts like a tracker stays */
	canon("https://example.com/?utmost=1&gclidx=2", "https://example.com/?utmost=1&gclidx=2");
	char *out = NULL;
	assert_int_equal(url_canonical("ftp://example.com/x", &out), -EINVAL);
	assert_int_equal(url_canonical("not a url", &out), -EINVAL);
	assert_true(url_is_http("HTTPS://x"));
	assert_false(url_is_http("httpx://x"));
}

/* Plain URLs take a path without curl's parser; the same URL with an upper-case host goes
 * through curl: both must give the same bytes. */
static void test_canonical_plain_as_curl(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"/a/b?utm_source=rss&utm_medium=feed&id=7#comments", "/x?a=1&&b=2", "/x?a=1&",
		"/x?&a=1", "/x?a&b", "/x?=1", "/x?a=1?b=2", "/(x)*y$z;w!v", "/x:y@z/~u/a+b,c=d",
		"/x?fbclid=1", "/x?utm_a=1&utm_b=2#f", "/", "/x#", "/x?q=a:b@c/d&mc_eid=9",
		"/2024/03/01/northwind-logistics-4365808?utm_source=rss&utm_campaign=agri",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char plain[256], upper[256], *a = NULL, *b = NULL;
		snprintf(plain, sizeof(plain), "https://news.example.org%s", paths[i]);
		snprintf(upper, sizeof(upper), "https://NEWS.example.org%s", paths[i]);
		assert_int_equal(url_canonical(plain, &a), 0);
		assert_int_equal(url_canonical(upper, &b), 0);
		if (strcmp(a, b))
			fprintf(stderr, "%s: plain [%s] curl [%s]\n", paths[i], a, b);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_canonical_plain_as_curl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
