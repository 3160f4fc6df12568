/* test_html.c — HTML into plain text: paragraphs, dropped elements, entities, whitespace,
 * windows-1252 and mojibake repair, relative links, the output cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "claimd/html.h"

static void text_is(const char *html, const char *want)
{
	char *out = NULL;
	assert_int_equal(html_to_text(html, strlen(html), "https://example.org/news/feed", &out), 0);
	assert_non_null(out);
	if (strcmp(out, want))
		fprintf(stderr, "html: %s\n want: [%s]\n  got: [%s]\n", html, want, out);
	assert_string_equal(out, want);
	free(out);
}

static void test_paragraphs(void **state)
{
	(void)state;
	text_is("<p>One.</p><p>Two.</p>", "One.\n\nTwo.");
	text_is("<div>One</div><div>Two</div>", "One\n\nTwo");
	text_is("Line one<br>Line two<br/>Line three", "Line one\n\nLine two\n\nLine three");
	text_is("<ul><li>a</li><li>b</li></ul>", "a\n\nb");
	text_is("<h2>Head</h2><blockquote>Quote</blockquote>tail", "Head\n\nQuote\n\ntail");
	/* inline elements do not break paragraphs */
	text_is("<p>A <b>bold</b> and <a href=\"x\">linked</a> word.</p>", "A bold and linked word.");
}

static void test_dropped(void **state)
{
	(void)state;
	text_is("safe<script>alert('x')</script> text", "safe text");
	text_is("<style>p{color:red}</style><p>body</p>", "body");
	text_is("a<iframe src=\"https://ads.example/\"></iframe> b", "a b");
	text_is("a<embed src=\"x.swf\"> b", "a b");
	/* an unclosed <object> must not swallow the rest */
	text_is("a<object data=\"x\"><param name=\"p\" value=\"v\"> b", "a b");
}

static void test_entities_whitespace(void **state)
{
	(void)state;
	text_is("caf&eacute; &amp; cr&egrave;me &#8212; &#x2019;", "café & crème — ’");
	text_is("  lots \n\t of   \r\n space  ", "lots of space");
	text_is("a&nbsp;b", "a b");
	text_is("", "");
	text_is("plain text, no markup", "plain text, no markup");
	text_is("5 < 6 and 7 > 3", "5 < 6 and 7 > 3");
}

static void test_repairs(void **state)
{
	(void)state;
	/* C1 code points read as windows-1252 */
	text_is("don\xc2\x92t", "don’t");
	text_is("don&#146;t", "don’t");
	/* UTF-8 shown as windows-1252 / Latin-1 */
	text_is("it\xc3\xa2\xe2\x82\xac\xe2\x84\xa2s", "it’s");
	text_is("&#226;&#128;&#166;", "…");
	/* near miss: real Latin-1 text stays */
	text_is("na\xc3\xafve \xc3\xa2me", "naïve âme");
}

static void test_links(void **state)
{
	(void)state;
	text_is("see <a href=\"/about\">/about</a> now", "see https://example.org/about now");
	text_is("see <a href=\"/about\">our page</a>", "see our page");
}

static void test_plain(void **state)
{
	(void)state;
	char *out = NULL;
	const char *in = "First  para\nstill first.\n\n\nSecond <para> &amp;";
	assert_int_equal(html_plain_text(in, strlen(in), &out), 0);
	assert_string_equal(out, "First para still first.\n\nSecond <para> &amp;");
	free(out);
	assert_true(html_looks_like("a <b>b</b>", 10));
	assert_true(html_looks_like("a &amp; b", 9));
	assert_false(html_looks_like("5 < 6 & 7", 9));
}

static void test_cap(void **state)
{
	(void)state;
	size_t n = HTML_TEXT_MAX + 4096;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	memcpy(big, "<p>", 3);
	big[n] = '\0';
	char *out = NULL;
	assert_int_equal(html_to_text(big, n, NULL, &out), 0);
	assert_true(strlen(out) < HTML_TEXT_MAX);
	free(out);
	free(big);
}

/* html_to_text (fast path where it applies) against html_to_text_ref (always libxml2). */
static void same_as_ref(const char *html, const char *base)
{
	char *fast = NULL, *ref = NULL;
	assert_int_equal(html_to_text(html, strlen(html), base, &fast), 0);
	assert_int_equal(html_to_text_ref(html, strlen(html), base, &ref), 0);
	if (strcmp(fast, ref))
		fprintf(stderr, "html: [%s]\n fast: [%s]\n  ref: [%s]\n", html, fast, ref);
	assert_string_equal(fast, ref);
	free(fast);
	free(ref);
}

static void test_fast_path_cases(void **state)
{
	(void)state;
	static const char *const cases[] = {
		"<p>Talks <a href=\"https://x.org/a?b=1&amp;c=2\">resume</a> &ldquo;soon.&rdquo;</p>",
		"<p>a</p>\n<ul>\n<li>one</li>\n<li><b>two</b></li>\n</ul>\n<blockquote><p>q</p></blockquote>",
		"<figure><img src=\"x.jpg\" alt=\"a > b\"><figcaption>cap</figcaption></figure><h2>H</h2>",
		"text<script>var a = 1 < 2;</script> more<style>p{}</style>",
		"<script>first</script>then text",          /* libxml2 opens <head>: fallback */
		"<p>a<div>b</div>c</p>",                     /* autoclose: fallback */
		"<p>x<br>y<br/>z<br />w</p><hr>v",
		"AT&T &foo; &#39x &#0; &#xD800; &#146; &#X41; & &amp",
		"caf\xc3\xa9 \xc3\xa2\xe2\x82\xac\xe2\x84\xa2 \xc2\x92 &#226;&#128;&#166;",
		"<P CLASS=\"x\">Upper</P><B>b</B><a href=/x>unquoted</a><!-- c -->",
		"see <a href=\"/about\">/about</a> and <a href=\"https://e.org/\">e</a>",
		"<p\tid=\"a\"\n>tabs</p >< p>not a tag</p>\x0c\x01",
		"<ul><li>a<li>b</ul><span><span>nested</span></span><a><a>x</a></a>",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		same_as_ref(cases[i], NULL);
		same_as_ref(cases[i], "https://example.org/news/feed");
	}
}

/* Random fragments from pieces that exercise what the fast path takes and what it must
 * hand to libxml2; fixed seed, so a failure reproduces. */
static void test_fast_path_random(void **state)
{
	(void)state;
	static const char *const pieces[] = {
		"<p>", "</p>", "<div>", "</div>", "<b>", "</b>", "<i>", "</i>", "<em>", "</em>",
		"<strong>", "</strong>", "<a href=\"https://x.org/?a=1&amp;b\">", "<a href=\"/rel\">",
		"</a>", "<ul>", "</ul>", "<ol>", "</ol>", "<li>", "</li>", "<br>", "<br/>", "<hr>",
		"<img src=\"x\">", "<blockquote>", "</blockquote>", "<h2>", "</h2>", "<figure>",
		"</figure>", "<span>", "</span>", "<script>x</script>", "<style>p{}</style>",
		"<table>", "<td>", "</td>", "<!-- c -->", "<P>", "</P>", "<p/>", " ", "  ", "\n",
		"\t", "word", "Hello", "world.", "caf\xc3\xa9", "\xe2\x80\x99",
		"\xc3\xa2\xe2\x82\xac\xe2\x84\xa2", "\xc2\x92", "\xc3\xa9\xc2\xa9", "&amp;",
		"&nbsp;", "&ldquo;", "&foo;", "&#8217;", "&#146;", "AT&T", "<", "5 < 6", "\xff",
		"\xef\xbf\xbe", "<p class=x>", "</p >", "/rel",
	};
	const size_t np = sizeof(pieces) / sizeof(pieces[0]);
	uint64_t seed = 88172645463325252ull;
	char buf[2048];
	for (int it = 0; it < 20000; it++) {
		size_t len = 0, k = 1 + it % 24;
		for (size_t j = 0; j < k; j++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			const char *p = pieces[seed % np];
			size_t l = strlen(p);
			if (len + l >= sizeof(buf))
				break;
			memcpy(buf + len, p, l);
			len += l;
		}
		buf[len] = '\0';
		/* without '<' or '&' html_to_text never parses (as before the fast path) */
		if (!strchr(buf, '<') && !strchr(buf, '&'))
			continue;
		same_as_ref(buf, it % 2 ? "https://example.org/news/feed" : NULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paragraphs),
		cmocka_unit_test(test_dropped),
		cmocka_unit_test(test_entities_whitespace),
		cmocka_unit_test(test_repairs),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_fast_path_cases),
		cmocka_unit_test(test_fast_path_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
