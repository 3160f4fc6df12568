/* test_page.c — the article page stage: our own pages in tests/fixtures/pages (each body
 * marked in the .txt beside it), metadata from JSON-LD, OpenGraph and <meta>, charsets,
 * login walls and teasers, what is not HTML, deep and huge input, and near misses (hints
 * that must not drop an article, teasers that must not be taken for it). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "claimd/page.h"

#define FIX "../fixtures/pages"

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *b = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[65536];
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			b = realloc(b, cap);
			assert_non_null(b);
		}
		memcpy(b + len, chunk, n);
		len += n;
	}
	fclose(f);
	assert_non_null(b);
	b[len] = '\0';
	*ret_len = len;
	return b;
}

static struct page *extract(const char *buf, size_t len, const char *url, const char *charset)
{
	struct page_opts o = { .url = url, .http_charset = charset };
	struct page *p = NULL;
	assert_int_equal(page_extract(buf, len, &o, &p), 0);
	assert_non_null(p);
	return p;
}

static struct page *extract_str(const char *html)
{
	return extract(html, strlen(html), "https://news.example.net/a/1", NULL);
}

static struct page *fixture(const char *name, const char *url)
{
	char path[256];
	size_t len;
	snprintf(path, sizeof(path), FIX "/%s.html", name);
	char *html = slurp(path, &len);
	struct page *p = extract(html, len, url, NULL);
	free(html);
	return p;
}

static void body_is(const char *name)
{
	char path[256];
	size_t len;
	snprintf(path, sizeof(path), FIX "/%s.txt", name);
	char *want = slurp(path, &len);
	while (len && want[len - 1] == '\n')
		want[--len] = '\0';
	struct page *p = fixture(name, "https://news.example.net/story");
	if (!p->text || strcmp(p->text, want))
		fprintf(stderr, "%s: want [%s]\n got [%s] (%s)\n", name, want,
			p->text ? p->text : "(null)", p->reason ? p->reason : "");
	assert_non_null(p->text);
	assert_string_equal(p->text, want);
	assert_int_equal(p->text_len, strlen(want));
	assert_null(p->reason);
	page_free(p);
	free(want);
}

static void test_fixture_bodies(void **state)
{
	(void)state;
	body_is("jsonld");    /* JSON-LD articleBody, the page shows only its first paragraph */
	body_is("article");   /* <article> with byline, share bar, figure, related, newsletter,
			       * tags; comments, sidebar, header and footer around it */
	body_is("divsoup");   /* no <article>, no <p>: <br><br> in a div, a link column */
	body_is("latin1");    /* windows-1252 bytes, <meta charset> */
	body_is("wrapper");   /* hints on the wrappers (sidebar, share, comments) */
}

static void test_jsonld_metadata(void **state)
{
	(void)state;
	struct page *p = fixture("jsonld", "https://courier.example.org/news/2026/03/x");
	assert_string_equal(p->method, "json-ld");
	assert_string_equal(p->title, "Harbour bridge to close for six weeks of repairs");
	assert_int_equal(p->n_authors, 2);
	assert_string_equal(p->authors[0], "Maria Okafor");
	assert_string_equal(p->authors[1], "Tom Lindqvist");
	assert_string_equal(p->published, "2026-03-02T08:15:00Z");   /* +01:00 to UTC */
	assert_string_equal(p->modified, "2026-03-02T10:40:00Z");
	/* relative, with a tracking parameter: absolute and canonical */
	assert_string_equal(p->canonical_url,
			    "https://courier.example.org/news/2026/03/harbour-bridge-repairs");
	assert_string_equal(p->image, "https://courier.example.org/img/bridge-1200.jpg");
	assert_string_equal(p->section, "Local");
	assert_string_equal(p->lang, "en-GB");
	assert_string_equal(p->site_name, "The Coastal Courier");
	assert_string_equal(p->description, "Engineers found corrosion in the main span.");
	assert_false(p->paywalled);
	page_free(p);
}

static void test_opengraph_metadata(void **state)
{
	(void)state;
	struct page *p = fixture("article", "https://valley.example.com/x");
	assert_string_equal(p->method, "dom");
	assert_string_equal(p->title, "Drought forces water limits in three provinces");
	assert_int_equal(p->n_authors, 1);
	assert_string_equal(p->authors[0], "Priya Natarajan");
	assert_string_equal(p->published, "2026-07-14T06:30:00Z");
	assert_null(p->modified);
	assert_string_equal(p->section, "Environment");
	assert_string_equal(p->site_name, "Valley Times");
	assert_string_equal(p->lang, "en");
	assert_string_equal(p->canonical_url,
			    "https://valley.example.com/environment/drought-water-limits");
	page_free(p);

	/* plain <meta> and <title> only */
	p = fixture("divsoup", NULL);
	assert_string_equal(p->title, "Council approves new tram line");
	assert_string_equal(p->published, "2026-05-20T12:05:00Z");
	assert_null(p->canonical_url);
	assert_null(p->image);
	assert_int_equal(p->n_authors, 0);
	page_free(p);

	/* "By A and B" in <meta name=author>; og:locale; JSON-LD that is not JSON */
	p = extract_str("<html><head><meta name=\"author\" content=\"By Ann Lee and Bo Chen\">"
			"<meta property=\"og:locale\" content=\"pt_BR\">"
			"<script type=\"application/ld+json\">{\"@type\": \"NewsArticle\", </script>"
			"</head><body><p>x</p></body></html>");
	assert_int_equal(p->n_authors, 2);
	assert_string_equal(p->authors[0], "Ann Lee");
	assert_string_equal(p->authors[1], "Bo Chen");
	assert_string_equal(p->lang, "pt-BR");
	assert_null(p->text);
	assert_string_equal(p->reason, "no-body");
	page_free(p);
}

static void test_login_wall(void **state)
{
	(void)state;
	struct page *p = fixture("loginwall", NULL);
	assert_null(p->text);
	assert_string_equal(p->reason, "login-wall");
	assert_true(p->paywalled);
	assert_string_equal(p->title, "Inside the pension fund's losses");   /* metadata still there */
	assert_string_equal(p->authors[0], "Lena Fischer");
	page_free(p);
}

#define PARA "The minister said on Monday that the new rules would apply to every company " \
	     "with more than fifty employees, and that inspectors would start checking in June."

static void test_teaser_and_near_miss(void **state)
{
	(void)state;
	/* a paywalled page that shows two paragraphs: the teaser is kept, and flagged */
	struct page *p = extract_str(
		"<html><head><script type=\"application/ld+json\">{\"@type\":\"NewsArticle\","
		"\"isAccessibleForFree\":\"False\"}</script></head><body><article>"
		"<p>" PARA "</p><p>" PARA "</p><div class=\"paywall\">Subscribe to read on</div>"
		"</article></body></html>");
	assert_non_null(p->text);
	assert_true(p->paywalled);
	assert_null(p->reason);
	page_free(p);

	/* near miss: a sign-in box in the page header and a long free article: no wall */
	char *html = NULL;
	assert_true(asprintf(&html, "<html><body><header><div class=\"paywall-login\">"
			     "<a href=\"/login\">Sign in</a><input type=\"password\"></div></header>"
			     "<article>%s</article></body></html>",
			     "<p>" PARA "</p><p>" PARA "</p><p>" PARA "</p><p>" PARA "</p><p>" PARA
			     "</p><p>" PARA "</p><p>" PARA "</p><p>" PARA "</p><p>" PARA "</p>") > 0);
	p = extract_str(html);
	assert_non_null(p->text);
	assert_false(p->paywalled);
	free(html);
	page_free(p);
}

static void text_is(struct page *p, const char *want)
{
	if (!p->text || strcmp(p->text, want))
		fprintf(stderr, "want [%s]\n got [%s] (%s)\n", want, p->text ? p->text : "(null)",
			p->reason ? p->reason : "");
	assert_non_null(p->text);
	assert_string_equal(p->text, want);
	page_free(p);
}

#define DOC(body) "<html><head><title>t</title></head><body><article><p>" body \
		  "</p><p>" PARA "</p></article></body></html>"

static void test_charsets(void **state)
{
	(void)state;
	const char *latin = DOC("Ren\xe9" "e paid \x80 5 for \x93" "coffee\x94.");
	const char *want = "Renée paid € 5 for “coffee”.\n\n" PARA;
	/* no declaration: windows-1252 */
	text_is(extract(latin, strlen(latin), NULL, NULL), want);
	/* the HTTP charset wins over a wrong <meta> */
	char *wrong_meta = NULL;
	assert_true(asprintf(&wrong_meta, "<meta charset=\"utf-8\">%s", latin) > 0);
	text_is(extract(wrong_meta, strlen(wrong_meta), NULL, "windows-1252"), want);
	/* ISO-8859-1 reads as windows-1252 (the euro sign at 0x80) */
	char *iso = NULL;
	assert_true(asprintf(&iso, "<meta http-equiv=\"Content-Type\" content=\"text/html; "
				   "charset=ISO-8859-1\">%s", latin) > 0);
	text_is(extract(iso, strlen(iso), NULL, NULL), want);
	/* near miss: a single-byte declaration on bytes that are valid UTF-8: UTF-8 */
	const char *u8 = "<meta charset=\"iso-8859-1\">" DOC("Renée paid € 5 for “coffee”.");
	text_is(extract(u8, strlen(u8), NULL, NULL), want);
	/* UTF-8 with one stray windows-1252 byte: only that byte is read as such */
	const char *mixed = DOC("Renée paid \x80 5 for “coffee”.");
	text_is(extract(mixed, strlen(mixed), NULL, NULL), want);
	/* a byte order mark: UTF-16LE */
	const char *ascii = DOC("Renee paid 5 for coffee.");
	size_t n = strlen(ascii);
	char *u16 = malloc(2 * n + 2);
	assert_non_null(u16);
	u16[0] = (char)0xFF;
	u16[1] = (char)0xFE;
	for (size_t i = 0; i < n; i++) {
		u16[2 + 2 * i] = ascii[i];
		u16[3 + 2 * i] = 0;
	}
	text_is(extract(u16, 2 * n + 2, NULL, "utf-8"), "Renee paid 5 for coffee.\n\n" PARA);
	/* an encoding nobody knows: read as UTF-8 where valid */
	text_is(extract(ascii, n, NULL, "x-no-such-charset"), "Renee paid 5 for coffee.\n\n" PARA);
	free(u16);
	free(iso);
	free(wrong_meta);
}

static void test_not_html(void **state)
{
	(void)state;
	static const char *const bins[] = { "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>>",
		"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "just some plain words, no markup at all", "" };
	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		struct page *p = extract(bins[i], strlen(bins[i]) + (i < 2 ? 8 : 0), NULL, NULL);
		assert_null(p->text);
		assert_string_equal(p->reason, "not-html");
		page_free(p);
	}
	/* near miss: HTML without any text is HTML (no body), whatever its first tag */
	static const char *const empty[] = { "<frameset><frame src=\"a.html\"></frameset>",
		"\n\n<section><img src=\"x.jpg\"></section>", "<!-- nothing -->" };
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		struct page *q = extract(empty[i], strlen(empty[i]), NULL, NULL);
		assert_null(q->text);
		assert_string_equal(q->reason, "no-body");
		page_free(q);
	}
	/* an HTML page served as an image */
	struct page_opts o = { .content_type = "image/jpeg" };
	struct page *p = NULL;
	const char *doc = DOC("x");
	assert_int_equal(page_extract(doc, strlen(doc), &o, &p), 0);
	assert_string_equal(p->reason, "not-html");
	page_free(p);
	/* NULL buffer, NULL options */
	assert_int_equal(page_extract(NULL, 0, NULL, &p), 0);
	assert_string_equal(p->reason, "not-html");
	page_free(p);
	assert_null(page_free(NULL));
	/* random bytes, with and without a leading tag: a struct page, never a crash */
	char *rnd = malloc(1 << 16);
	assert_non_null(rnd);
	uint32_t x = 2463534242u;
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < (1 << 16); i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			rnd[i] = round % 2 ? "<>/ apdiv=\"'&;#\n"[x % 16] : (char)x;
		}
		if (round % 4 == 1)
			memcpy(rnd, "<html><body>", 12);
		p = extract(rnd, 1 << 16, NULL, NULL);
		assert_true(p->text || p->reason);
		page_free(p);
	}
	free(rnd);
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *b = malloc(hl + ul * n + tl + 1), *o = b;
	assert_non_null(b);
	memcpy(o, head, hl), o += hl;
	for (size_t i = 0; i < n; i++)
		memcpy(o, unit, ul), o += ul;
	memcpy(o, tail, tl + 1);
	return b;
}

static void test_deep_and_huge(void **state)
{
	(void)state;
	/* 100000 nested divs with the only text at the bottom */
	char *deep = repeat("<html><body>", "<div>", 100000, "<p>" PARA "</p><p>" PARA "</p>");
	struct page *p = extract_str(deep);
	assert_null(p->text);
	assert_string_equal(p->reason, "too-deep");
	page_free(p);
	free(deep);
	/* 50000 nested inline elements around an article: the walk stays bounded */
	char *inl = repeat("<html><body><article><p>" PARA "</p><p>" PARA "</p>", "<b><i>", 50000,
			   "x</article></body></html>");
	p = extract_str(inl);
	assert_non_null(p->text);
	assert_true(strncmp(p->text, PARA, strlen(PARA)) == 0);
	page_free(p);
	free(inl);
	/* 20000 link lines before the article: past max_nodes, what was read has no body */
	char *huge = repeat("<html><body><ul>", "<li><a href=\"/x\">Another story</a></li>", 20000,
			    "</ul><article><p>" PARA "</p><p>" PARA "</p></article></body></html>");
	struct page_opts o = { .max_nodes = 1000 };
	assert_int_equal(page_extract(huge, strlen(huge), &o, &p), 0);
	assert_null(p->text);
	assert_string_equal(p->reason, "too-large");
	page_free(p);
	/* the default cap reads it all */
	p = extract_str(huge);
	assert_non_null(p->text);
	page_free(p);
	free(huge);
	/* a long body: every paragraph in order */
	char *longp = repeat("<html><body><article>", "<p>" PARA "</p>", 3000, "</article></body></html>");
	p = extract_str(longp);
	assert_non_null(p->text);
	assert_int_equal(p->text_len, 3000 * strlen(PARA) + 2999 * 2);
	page_free(p);
	free(longp);
}

static void test_near_misses(void **state)
{
	(void)state;
	/* WordPress post classes: "has-post-thumbnail" is no caption, "hentry" no entry list */
	text_is(extract_str("<html><body><div id=\"primary\"><article class=\"post has-post-thumbnail "
			    "hentry\"><p>" PARA "</p><p>" PARA "</p></article></div></body></html>"),
		PARA "\n\n" PARA);
	/* a commentary column is not a comment section when it is all the prose there is */
	text_is(extract_str("<html><body><div class=\"commentary\"><p>" PARA "</p><p>" PARA
			    "</p><p>" PARA "</p></div><div class=\"nav\"><a href=\"/\">Home</a></div>"
			    "</body></html>"),
		PARA "\n\n" PARA "\n\n" PARA);
	/* table rows whose class says "player": a results table stays */
	text_is(extract_str("<html><body><div itemprop=\"articleBody\"><p>" PARA "</p><table>"
			    "<tr class=\"player-1\"><td>1</td><td>Ann Lee</td><td>502</td></tr>"
			    "</table><p>" PARA "</p></div></body></html>"),
		PARA "\n\n1\n\nAnn Lee\n\n502\n\n" PARA);
	/* teasers nested in the article (related stories as <article>s) go */
	text_is(extract_str("<html><body><article><p>" PARA "</p><p>" PARA "</p>"
			    "<article><h3><a href=\"/r\">Other story</a></h3><p>Another long teaser "
			    "text that describes some other story in a full sentence here.</p>"
			    "</article></article></body></html>"),
		PARA "\n\n" PARA);
	/* a long list of teasers does not outweigh a marked article body */
	char *teasers = repeat("<html><body><div class=\"article-body\"><p>" PARA "</p><p>" PARA
			       "</p><p>" PARA "</p><p>" PARA "</p><p>" PARA "</p></div><div>",
			       "<div><h5><a href=\"/t\">A headline of some other story today</a></h5>"
			       "<div>A description of that other story, written as a sentence or two "
			       "so that it looks like prose to anyone reading it.</div></div>",
			       30, "</div></body></html>");
	text_is(extract_str(teasers), PARA "\n\n" PARA "\n\n" PARA "\n\n" PARA "\n\n" PARA);
	free(teasers);
	/* hidden text is not read; a heading with nothing after it and a link tail go */
	text_is(extract_str("<html><body><article><p>" PARA "</p><p style=\"display: none\">"
			    "Hidden text that should never be read by anyone at all, ever.</p>"
			    "<p class=\"sr-only\">Skip to the next section of the page please.</p><p>"
			    PARA "</p><p>Follow us on <a href=\"/fb\">Facebook</a> and <a href=\"/x\">"
			    "X</a>.</p><h3>Comments</h3></article></body></html>"),
		PARA "\n\n" PARA);
	/* a post quoted from a social network stays; the share bar beside it goes */
	text_is(extract_str("<html><body><article><p>" PARA "</p><div class=\"social-embed\">"
			    "<blockquote class=\"tweet\">We will not accept these rules, said the "
			    "union on Monday.</blockquote></div><div class=\"social-share\"><p>Share "
			    "this story with your friends and family today.</p></div><p>" PARA "</p>"
			    "</article></body></html>"),
		PARA "\n\nWe will not accept these rules, said the union on Monday.\n\n" PARA);
	/* an advertisement's label inside the body, a one-word line at its end */
	text_is(extract_str("<html><body><div itemprop=\"articleBody\"><p>" PARA "</p><div>"
			    "ADVERTISEMENT</div><p>" PARA "</p><p>Anzeige</p><p>" PARA "</p>"
			    "<div>Comments</div></div></body></html>"),
		PARA "\n\n" PARA "\n\n" PARA);
	/* near miss: a short line that is a sentence, at the end, stays */
	text_is(extract_str("<html><body><article><p>" PARA "</p><p>" PARA "</p><p>Ad hoc.</p>"
			    "</article></body></html>"),
		PARA "\n\n" PARA "\n\nAd hoc.");
	/* Japanese: words are counted without spaces */
	struct page *p = extract_str(
		"<html><body><div class=\"nav\"><a href=\"/\">ホーム</a></div><div><p>"
		"東京都は月曜日、新しい条例を来年四月から施行すると発表しました。対象は従業員五十人以上の企業です。"
		"</p><p>担当者は、違反した企業には罰金を科す方針だと述べました。説明会は来月開かれます。"
		"</p></div></body></html>");
	assert_non_null(p->text);
	assert_non_null(strstr(p->text, "東京都は月曜日"));
	page_free(p);
}

/* What is cut before the parse (scripts, styles, comments, attributes nobody reads) must
 * leave the tree as libxml2 would build it. */
static void test_cut_before_parse(void **state)
{
	(void)state;
	text_is(extract_str("<html><head><style>p { color: red } </div></style>"
			    "<script>var s = '<p>not text</p></article>';</script></head><body>"
			    "<article data-x='a > b' title=\"<script>\"><!-- <script> -->"
			    "<p onclick=\"f('<')\" data-json='{\"a\": \"</p>\"}'>" PARA "</p>"
			    "<SCRIPT type=text/javascript>document.write('</article>')</SCRIPT>"
			    "<svg><text>not text</text></svg><p class=lead id=p2 >" PARA "</p>"
			    "<template><p>not text either</p></template></article></body></html>"),
		PARA "\n\n" PARA);
	/* JSON-LD is kept whole, attributes that meta.c reads too */
	struct page *p = extract_str("<html><head><link data-a=\"1\" rel=\"canonical\" "
				     "href=\"/c/1\"><meta data-b=2 property=\"og:title\" "
				     "content=\"T &amp; U\"><script type=\"application/ld+json\">"
				     "{\"@type\":\"NewsArticle\",\"author\":\"A B\"}</script>"
				     "</head><body></body></html>");
	assert_string_equal(p->canonical_url, "https://news.example.net/c/1");
	assert_string_equal(p->title, "T & U");
	assert_string_equal(p->authors[0], "A B");
	page_free(p);
	/* an unclosed comment or script swallows the rest, as in a browser */
	text_is(extract_str("<html><body><p>" PARA "</p><!-- <p>" PARA "</p>"), PARA);
	text_is(extract_str("<html><body><p>" PARA "</p><script> <p>" PARA "</p>"), PARA);
}

static void test_json(void **state)
{
	(void)state;
	struct page *p = fixture("jsonld", "https://courier.example.org/");
	json_t *j = page_json(p);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "text")), p->text);
	assert_int_equal(json_integer_value(json_object_get(j, "text_len")), (json_int_t)p->text_len);
	assert_true(json_is_null(json_object_get(j, "reason")));
	assert_string_equal(json_string_value(json_object_get(j, "method")), "json-ld");
	assert_true(json_is_false(json_object_get(j, "paywalled")));
	assert_int_equal(json_array_size(json_object_get(j, "authors")), 2);
	static const char *const keys[] = { "title", "published", "modified", "canonical_url", "lang",
		"section", "image", "site_name", "description" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_true(json_is_string(json_object_get(j, keys[i])));
	json_decref(j);
	page_free(p);
	p = fixture("loginwall", NULL);
	j = page_json(p);
	assert_true(json_is_null(json_object_get(j, "text")));
	assert_string_equal(json_string_value(json_object_get(j, "reason")), "login-wall");
	assert_true(json_is_null(json_object_get(j, "image")));
	json_decref(j);
	page_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_bodies),
		cmocka_unit_test(test_jsonld_metadata),
		cmocka_unit_test(test_opengraph_metadata),
		cmocka_unit_test(test_login_wall),
		cmocka_unit_test(test_teaser_and_near_miss),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_not_html),
		cmocka_unit_test(test_deep_and_huge),
		cmocka_unit_test(test_near_misses),
		cmocka_unit_test(test_cut_before_parse),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
