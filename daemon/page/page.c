/* page/page.c — the article page stage: an article page's HTML bytes into its body text
 * and metadata (include/claimd/page.h). Sniffs what the bytes are, decodes them into
 * UTF-8 (enc.c), cuts what no body is made of (strip.c), has body.c read it with libxml2's
 * HTML parser (no network, no DTD, no scripts) for the main content and meta.c for the
 * metadata (JSON-LD, OpenGraph, <meta>), and picks between the page's body and a JSON-LD
 * articleBody.
 * Takes: bytes, the URL and HTTP headers' charset and media type. Gives: a struct page,
 * for any bytes. Must not: touch the network or files, read the clock, log. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "claimd/html.h"
#include "claimd/page.h"
#include "page_int.h"

/* ---- small strings ---- */

void sb_add(struct sbuf *s, const char *p, size_t n)
{
	if (s->oom)
		return;
	if (s->len + n + 1 > s->cap) {
		if (s->len + n + 1 > PAGE_TEXT_MAX) {
			n = s->len + 1 < PAGE_TEXT_MAX ? PAGE_TEXT_MAX - s->len - 1 : 0;
			if (!n)
				return;
		}
		size_t cap = s->cap ? s->cap : 256;
		while (cap < s->len + n + 1)
			cap *= 2;
		char *b = realloc(s->b, cap);
		if (!b) {
			s->oom = true;
			return;
		}
		s->b = b;
		s->cap = cap;
	}
	memcpy(s->b + s->len, p, n);
	s->len += n;
	s->b[s->len] = '\0';
}

void sb_text(struct sbuf *s, const char *p, size_t n, bool *space)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && u[j] > 0x20 && !(u[j] == 0xC2 && j + 1 < n && u[j + 1] == 0xA0))
			j++;
		if (j > i) {
			if (*space && s->len && s->b[s->len - 1] != '\n' && s->b[s->len - 1] != '\0')
				sb_add(s, " ", 1);
			*space = false;
			sb_add(s, p + i, j - i);
			i = j;
			continue;
		}
		*space = true;
		i += u[i] == 0xC2 ? 2 : 1;
	}
}

/* ---- tags ---- */

enum tag page_tag(const xmlChar *name)
{
	static const struct {
		const char *n;
		enum tag t;
	} tags[] = {
		{ "a", T_A }, { "abbr", T_INLINE }, { "address", T_ADDRESS }, { "article", T_ARTICLE },
		{ "aside", T_ASIDE }, { "audio", T_SKIP }, { "b", T_INLINE }, { "blockquote", T_BLOCKQUOTE },
		{ "body", T_BODY }, { "br", T_BR }, { "button", T_SKIP }, { "canvas", T_SKIP },
		{ "caption", T_FIGCAPTION }, { "center", T_BLOCKOTHER }, { "dd", T_DD },
		{ "details", T_BLOCKOTHER }, { "dialog", T_SKIP }, { "div", T_DIV }, { "dl", T_DL },
		{ "dt", T_DT }, { "em", T_INLINE }, { "embed", T_SKIP }, { "fieldset", T_BLOCKOTHER },
		{ "figcaption", T_FIGCAPTION }, { "figure", T_FIGURE }, { "footer", T_FOOTER },
		{ "form", T_FORM }, { "h1", T_H1 }, { "h2", T_H2 }, { "h3", T_H3 }, { "h4", T_H4 },
		{ "h5", T_H5 }, { "h6", T_H6 }, { "head", T_HEAD }, { "header", T_HEADER },
		{ "hr", T_HR }, { "html", T_HTML }, { "i", T_INLINE }, { "iframe", T_SKIP },
		{ "img", T_IMG }, { "input", T_INPUT }, { "label", T_SKIP }, { "li", T_LI },
		{ "link", T_LINK }, { "main", T_MAIN }, { "map", T_SKIP }, { "math", T_SKIP },
		{ "menu", T_NAV }, { "meta", T_META }, { "nav", T_NAV }, { "noscript", T_SKIP },
		{ "object", T_SKIP }, { "ol", T_OL }, { "option", T_SKIP }, { "p", T_P },
		{ "picture", T_SKIP }, { "pre", T_PRE }, { "script", T_SCRIPT }, { "section", T_SECTION },
		{ "select", T_SKIP }, { "source", T_SKIP }, { "span", T_INLINE }, { "strong", T_INLINE },
		{ "style", T_STYLE }, { "summary", T_BLOCKOTHER }, { "svg", T_SKIP }, { "table", T_TABLE },
		{ "tbody", T_BLOCKOTHER }, { "td", T_TD }, { "template", T_SKIP },
		{ "textarea", T_SKIP }, { "tfoot", T_BLOCKOTHER }, { "th", T_TH },
		{ "thead", T_BLOCKOTHER }, { "time", T_TIME }, { "title", T_TITLE }, { "tr", T_TR },
		{ "u", T_INLINE }, { "ul", T_UL }, { "video", T_SKIP },
	};
	const char *s = (const char *)name;
	if (!s)
		return T_OTHER;
	size_t lo = 0, hi = sizeof(tags) / sizeof(tags[0]);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s, tags[mid].n);
		if (!c)
			return tags[mid].t;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return T_OTHER;
}

/* ---- what the bytes are ---- */

static bool media_type_html(const char *ct)
{
	if (!ct || !*ct)
		return true;
	while (isspace((unsigned char)*ct))
		ct++;
	return !strncasecmp(ct, "text/html", 9) || !strncasecmp(ct, "application/xhtml", 17) ||
	       !strncasecmp(ct, "text/plain", 10) ||   /* mislabelled pages are common */
	       !strncasecmp(ct, "application/octet-stream", 24) || !strncasecmp(ct, "text/xml", 8) ||
	       !strncasecmp(ct, "application/xml", 15);
}

/* HTML starts, after whitespace and a BOM, with a tag or a comment; binary data (NUL
 * bytes, well-known magic numbers) is not HTML. */
static bool bytes_look_html(const char *b, size_t n)
{
	size_t i = 0;
	if (n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3))
		i = 3;
	else if (n >= 2 && (!memcmp(b, "\xFE\xFF", 2) || !memcmp(b, "\xFF\xFE", 2)))
		return true;
	if (n >= 4 && (!memcmp(b, "%PDF", 4) || !memcmp(b, "\x89PNG", 4) ||
		       !memcmp(b, "GIF8", 4) || !memcmp(b, "\xFF\xD8\xFF", 3) ||
		       !memcmp(b, "PK\x03\x04", 4) || !memcmp(b, "\x1F\x8B", 2)))
		return false;
	size_t head = n < 4096 ? n : 4096, nul = 0;
	for (size_t k = 0; k < head; k++)
		nul += b[k] == '\0';
	if (nul > 8)
		return false;
	/* some tag of HTML in the first 64 KiB: a doctype, a comment, an element we know */
	size_t scan = n < 65536 ? n : 65536;
	for (size_t k = i; k + 3 < scan; k++) {
		if (b[k] != '<')
			continue;
		const char *p = b + k + 1;
		if (!strncasecmp(p, "!doctype", scan - k - 1 < 8 ? scan - k - 1 : 8) ||
		    !strncmp(p, "!--", 3))
			return true;
		char name[12];
		size_t l = 0;
		while (k + 1 + l < scan && l + 1 < sizeof(name) && isalnum((unsigned char)p[l])) {
			name[l] = (char)tolower((unsigned char)p[l]);
			l++;
		}
		name[l] = '\0';
		if (l && (page_tag((const xmlChar *)name) != T_OTHER || !strcmp(name, "frameset")))
			return true;
	}
	return false;
}

/* ---- the page ---- */

struct page *page_free(struct page *p)
{
	if (!p)
		return NULL;
	free(p->text);
	free(p->title);
	free(p->description);
	free(p->canonical_url);
	free(p->lang);
	free(p->section);
	free(p->image);
	free(p->site_name);
	free(p->published);
	free(p->modified);
	for (size_t i = 0; i < p->n_authors; i++)
		free(p->authors[i]);
	free(p->authors);
	free(p);
	return NULL;
}

size_t page_words(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t w = 0, cjk = 0;
	bool in = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		if (c >= 0xE3 && c <= 0xE9 && i + 2 < n) {
			/* U+3000..U+9FFF: kana and ideographs, written without spaces */
			uint32_t cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(u[i + 1] & 0x3F) << 6) |
				      (u[i + 2] & 0x3F);
			if (cp >= 0x3040) {
				cjk++;
				in = false;
				i += 2;
				continue;
			}
		}
		bool a = isalnum(c) || c >= 0x80;
		if (a && !in)
			w++;
		in = a;
	}
	return w + cjk / 2;
}

static size_t count_words(const char *s)
{
	return page_words(s, strlen(s));
}

/* The JSON-LD articleBody as text, when it is a plausible body: long enough, not an
 * excerpt of what the DOM gave. */
static int ld_body_text(const char *ld, char **ret)
{
	*ret = NULL;
	if (!ld || strlen(ld) < 200)
		return 0;
	char *t = NULL;
	int r = html_looks_like(ld, strlen(ld)) ? html_to_text(ld, strlen(ld), NULL, &t)
						: html_plain_text(ld, strlen(ld), &t);
	if (r < 0)
		return r;
	*ret = t;
	return 0;
}

int page_extract(const char *buf, size_t len, const struct page_opts *o, struct page **ret)
{
	struct page_opts none = { 0 };
	if (!o)
		o = &none;
	struct page *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int r = 0;
	char *u8 = NULL, *lean = NULL;
	size_t u8len = 0, lean_len = 0;
	struct meta *m = NULL;

	if (!buf)
		len = 0;
	if (len == 0 || !media_type_html(o->content_type) || !bytes_look_html(buf, len)) {
		p->reason = "not-html";
		goto done;
	}
	if (len > PAGE_MAX_BYTES) {
		p->reason = "too-large";
		goto done;
	}
	r = page_enc_utf8(buf, len, o->http_charset, &u8, &u8len);
	if (r < 0)
		goto done;
	r = page_strip(u8, u8len, &lean, &lean_len);
	if (r < 0)
		goto done;
	m = meta_new();
	if (!m) {
		r = -ENOMEM;
		goto done;
	}
	size_t max_nodes = o->max_nodes ? o->max_nodes : PAGE_DEFAULT_MAX_NODES;
	if (max_nodes > PAGE_MAX_NODES)
		max_nodes = PAGE_MAX_NODES;
	r = body_extract(lean, lean_len, max_nodes, m, p);
	if (r < 0)
		goto done;
	const char *ld = NULL;
	r = meta_finish(m, o->url, p, &ld);
	if (r < 0)
		goto done;
	char *ldt = NULL;
	r = ld_body_text(ld, &ldt);
	if (r < 0)
		goto done;
	if (ldt) {
		size_t wl = count_words(ldt), wd = p->text ? count_words(p->text) : 0;
		/* the publisher's own body, unless the page shows clearly more */
		if (wd * 4 < wl * 5) {
			free(p->text);
			p->text = ldt;
			p->method = "json-ld";
			p->reason = NULL;
			p->paywalled = p->paywalled && wl <= PAGE_TEASER_WORDS;
			ldt = NULL;
		}
		free(ldt);
	}
	if (p->text)
		p->text_len = strlen(p->text);

done:
	if (u8 != buf)
		free(u8);
	free(lean);
	meta_free(m);
	if (r < 0) {
		page_free(p);
		return r;
	}
	if (!p->text && !p->reason)
		p->reason = "no-body";
	*ret = p;
	return 0;
}

static void put(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v ? json_string(v) : json_null());
}

json_t *page_json(const struct page *p)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	put(o, "text", p->text);
	json_object_set_new(o, "text_len", json_integer((json_int_t)p->text_len));
	put(o, "reason", p->reason);
	put(o, "method", p->method);
	json_object_set_new(o, "paywalled", json_boolean(p->paywalled));
	put(o, "title", p->title);
	json_t *a = json_array();
	for (size_t i = 0; i < p->n_authors; i++)
		json_array_append_new(a, json_string(p->authors[i]));
	json_object_set_new(o, "authors", a);
	put(o, "published", p->published);
	put(o, "modified", p->modified);
	put(o, "canonical_url", p->canonical_url);
	put(o, "lang", p->lang);
	put(o, "section", p->section);
	put(o, "image", p->image);
	put(o, "site_name", p->site_name);
	put(o, "description", p->description);
	return o;
}
