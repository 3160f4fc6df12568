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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
