/* html.c — HTML from feeds into clean plain text.
 * Takes: an HTML fragment or document in UTF-8 (or plain text), a base URL (may be NULL).
 * Gives: text with whitespace collapsed and paragraphs separated by a blank line; script,
 *        style, iframe, object, embed and other non-text elements dropped; entities
 *        decoded; C1 code points read as windows-1252; UTF-8 that was read as Latin-1 or
 *        windows-1252 ("â€™") repaired. Output capped at HTML_TEXT_MAX bytes.
 * Must not: touch the network (HTML_PARSE_NONET), log, or recurse without bound. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "claimd/html.h"
#include "claimd/url.h"

#define HTML_MAX_DEPTH 256

struct tb {
	char *buf;
	size_t len, cap;
	bool space, para, full, oom;
};

static const uint16_t cp1252[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
	0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static bool tb_reserve(struct tb *t, size_t more)
{
	if (t->len + more + 1 <= t->cap)
		return true;
	if (t->len + more + 1 > HTML_TEXT_MAX) {
		t->full = true;
		return false;
	}
	size_t cap = t->cap ? t->cap * 2 : 256;
	while (cap < t->len + more + 1)
		cap *= 2;
	char *b = realloc(t->buf, cap);
	if (!b) {
		t->oom = t->full = true;
		return false;
	}
	t->buf = b;
	t->cap = cap;
	return true;
}

static void tb_raw(struct tb *t, const char *s, size_t n)
{
	if (t->full || !tb_reserve(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void tb_cp(struct tb *t, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (t->len > 0) {
		if (t->para)
			tb_raw(t, "\n\n", 2);
		else if (t->space)
			tb_raw(t, " ", 1);
	}
	t->para = t->space = false;
	tb_raw(t, u, n);
}

static void tb_para(struct tb *t)
{
	t->para = true;
}

/* One code point from UTF-8; invalid bytes read as windows-1252. Returns bytes used. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t k = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
	if (k == 0 || k > n)
		goto bad;
	uint32_t v = c & (0x7F >> k);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if ((k == 3 && v < 0x800) || (k == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		goto bad;
	*cp = v;
	return k;
bad:
	*cp = c >= 0x80 && c < 0xA0 ? (cp1252[c - 0x80] ? cp1252[c - 0x80] : 0xFFFD) : c;
	return 1;
}

/* The byte a code point stood for when UTF-8 was shown as Latin-1 or windows-1252, or -1;
 * *ret_odd is set when the code point betrays the mix-up (a C1 or a windows-1252 extra). */
static int mojibake_byte(uint32_t cp, bool *ret_odd)
{
	if (cp >= 0x80 && cp <= 0xFF) {
		if (cp < 0xA0)
			*ret_odd = true;
		return (int)cp;
	}
	for (int i = 0; i < 32; i++)
		if (cp1252[i] && cp1252[i] == cp) {
			*ret_odd = true;
			return 0x80 + i;
		}
	return -1;
}

/* At s: a lead code point U+00C2..U+00F4 followed by continuation code points that form
 * one valid UTF-8 sequence, at least one of them impossible in real text. */
static size_t mojibake(const unsigned char *s, size_t n, uint32_t lead, size_t lead_len,
		       uint32_t *ret_cp)
{
	size_t k = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	unsigned char b[4] = { (unsigned char)lead };
	bool odd = false;
	size_t off = lead_len;
	for (size_t i = 1; i < k; i++) {
		if (off >= n)
			return 0;
		uint32_t cp;
		size_t used = utf8_next(s + off, n - off, &cp);
		int byte = mojibake_byte(cp, &odd);
		if (byte < 0x80 || byte > 0xBF)
			return 0;
		b[i] = (unsigned char)byte;
		off += used;
	}
	uint32_t cp;
	if (!odd || utf8_next(b, k, &cp) != k || cp < 0x80)
		return 0;
	*ret_cp = cp;
	return off;
}

static bool is_space_cp(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == 0xA0;
}

/* Appends text with whitespace collapsed; with paras, a blank line starts a paragraph. */
static void tb_text(struct tb *t, const char *str, size_t n, bool paras)
{
	const unsigned char *s = (const unsigned char *)str;
	int newlines = 0;
	for (size_t i = 0; i < n && !t->full;) {
		/* fast path: a run of printable ASCII */
		size_t j = i;
		while (j < n && s[j] > 0x20 && s[j] < 0x7F)
			j++;
		if (j > i) {
			if (t->len > 0 && (t->para || t->space))
				tb_raw(t, t->para ? "\n\n" : " ", t->para ? 2 : 1);
			t->para = t->space = false;
			tb_raw(t, str + i, j - i);
			newlines = 0;
			i = j;
			continue;
		}
		uint32_t cp;
		size_t used = utf8_next(s + i, n - i, &cp);
		if (cp >= 0xC2 && cp <= 0xF4) {
			uint32_t fixed;
			size_t m = mojibake(s + i, n - i, cp, used, &fixed);
			if (m) {
				cp = fixed;
				used = m;
			}
		}
		i += used;
		if (is_space_cp(cp)) {
			t->space = true;
			if (cp == '\n' && paras && ++newlines >= 2)
				t->para = true;
			continue;
		}
		newlines = 0;
		if (cp >= 0x80 && cp < 0xA0) {
			cp = cp1252[cp - 0x80];
			if (!cp)
				continue;
		}
		if (cp < 0x20 || cp == 0x7F)
			continue;
		tb_cp(t, cp);
	}
}

static bool name_in(const char *name, const char *const *set, size_t n)
{
	/* sets are short; compare the first byte before calling strcmp */
	for (size_t i = 0; i < n; i++)
		if (set[i][0] == name[0] && !strcmp(name, set[i]))
			return true;
	return false;
}

/* Dropped with everything inside. */
static const char *const skip_tags[] = {
	"script", "style", "noscript", "head", "title", "template", "svg", "math", "select",
	"textarea", "button", "map", "param", "meta", "link", "noframes",
};
/* Dropped themselves, but the text a parser nests inside is kept: an unclosed <object>
 * or <embed> must not swallow the rest of the article. */
static const char *const block_tags[] = {
	"p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
	"blockquote", "pre", "table", "tr", "thead", "tbody", "tfoot", "caption", "hr", "section",
	"article", "header", "footer", "aside", "figure", "figcaption", "nav", "main", "address",
	"center", "form", "fieldset", "details", "summary", "body",
};

static bool link_is_own_text(xmlNode *a, const char *base, struct tb *t)
{
	xmlChar *href = xmlGetProp(a, (const xmlChar *)"href");
	bool done = false;
	if (href && !url_is_http((const char *)href)) {
		xmlChar *txt = xmlNodeGetContent(a);
		if (txt && !strcmp((const char *)txt, (const char *)href)) {
			char *abs = NULL;
			if (url_resolve(base, (const char *)href, &abs) == 0) {
				tb_text(t, abs, strlen(abs), false);
				free(abs);
				done = true;
			}
		}
		xmlFree(txt);
	}
	xmlFree(href);
	return done;
}

static void walk(xmlNode *n, const char *base, struct tb *t, int depth)
{
	if (depth > HTML_MAX_DEPTH)
		return;
	for (; n && !t->full; n = n->next) {
		switch (n->type) {
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if (n->content)
				tb_text(t, (const char *)n->content, strlen((const char *)n->content),
					false);
			break;
		case XML_ELEMENT_NODE: {
			const char *name = (const char *)n->name;
			if (name_in(name, skip_tags, sizeof(skip_tags) / sizeof(skip_tags[0])))
				break;
			bool block =
				name_in(name, block_tags, sizeof(block_tags) / sizeof(block_tags[0]));
			if (block)
				tb_para(t);
			else if (!strcmp(name, "td") || !strcmp(name, "th"))
				t->space = true;
			if (base && !strcmp(name, "a") && link_is_own_text(n, base, t))
				break;
			walk(n->children, base, t, depth + 1);
			if (block)
				tb_para(t);
			break;
		}
		default:
			break;
		}
	}
}

bool html_looks_like(const char *s, size_t len)
{
	for (const char *p = s, *end = s + len; p + 1 < end; p++) {
		p = memchr(p, '<', (size_t)(end - p));
		if (!p || p + 1 >= end)
			break;
		char c = p[1];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!' ||
		    c == '?')
			return true;
	}
	for (const char *p = s, *end = s + len; p + 1 < end; p++) {
		p = memchr(p, '&', (size_t)(end - p));
		if (!p || p + 1 >= end)
			break;
		char c = p[1];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '#')
			return true;
	}
	return false;
}

static int tb_finish(struct tb *t, char **ret)
{
	if (t->oom) {
		free(t->buf);
		return -ENOMEM;
	}
	if (!t->buf) {
		t->buf = strdup("");
		if (!t->buf)
			return -ENOMEM;
	}
	*ret = t->buf;
	return 0;
}

int html_plain_text(const char *s, size_t len, char **ret)
{
	struct tb t = { 0 };
	if (s)
		tb_text(&t, s, len, true);
	return tb_finish(&t, ret);
}

int html_to_text(const char *html, size_t len, const char *base, char **ret)
{
	struct tb t = { 0 };
	if (!html || len == 0)
		return tb_finish(&t, ret);
	if (!memchr(html, '<', len) && !memchr(html, '&', len)) {
		tb_text(&t, html, len, false);
		return tb_finish(&t, ret);
	}
	if (len > INT32_MAX)
		len = INT32_MAX;
	htmlDocPtr doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
					HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
						HTML_PARSE_COMPACT);
	if (!doc) {
		tb_text(&t, html, len, false);
		return tb_finish(&t, ret);
	}
	walk(xmlDocGetRootElement(doc), base, &t, 0);
	xmlFreeDoc(doc);
	return tb_finish(&t, ret);
}
