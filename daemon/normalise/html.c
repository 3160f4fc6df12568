/* html.c — HTML from feeds into clean plain text.
 * Takes: an HTML fragment or document in UTF-8 (or plain text), a base URL (may be NULL).
 * Gives: text with whitespace collapsed and paragraphs separated by a blank line; script,
 *        style, iframe, object, embed and other non-text elements dropped; entities
 *        decoded; C1 code points read as windows-1252; UTF-8 that was read as Latin-1 or
 *        windows-1252 ("â€™") repaired. Output capped at HTML_TEXT_MAX bytes.
 *        Simple fragments (paragraphs, lists, inline tags, entities) go through a small
 *        scanner that gives exactly what libxml2's tree would; anything else is parsed.
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
		/* fast path: a run of printable ASCII and of code points that need no repair
		 * (U+00A1 and up but for a possible mojibake lead), as written; single spaces
		 * between them included */
		size_t j = i, good = i;
		for (;;) {
			if (j < n && s[j] > 0x20 && s[j] < 0x7F) {
				j++;
			} else if (j < n && s[j] >= 0xC2 && s[j] <= 0xF4) {
				uint32_t c;
				size_t k = utf8_next(s + j, n - j, &c);
				/* U+00C2..U+00F4 may lead a mojibake sequence, unless ASCII follows */
				if (k < 2 || !(c >= 0x100 || (c >= 0xA1 && c < 0xC2) || c > 0xF4 ||
					       (c >= 0xC2 && (j + k >= n || s[j + k] < 0x80))))
					break;
				j += k;
			} else {
				break;
			}
			good = j;
			if (j + 1 < n && s[j] == ' ')
				j++;
		}
		j = good;
		if (j > i && t->len + (j - i) + 3 > HTML_TEXT_MAX) {
			/* near the cap, word by word as ever: what fits is kept */
			j = i;
			while (j < n && s[j] > 0x20 && s[j] < 0x7F)
				j++;
		}
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

/* ---- fast path ----
 * Most feed HTML is a few paragraphs, lists and inline tags. For those, a small scanner
 * produces exactly what libxml2's tree and walk() would, without building a document; it
 * gives up (and the caller parses with libxml2) on anything whose tree libxml2 might shape
 * differently: unknown or unlisted tags, comments, doctypes, misnested or autoclosed
 * elements, unquoted attributes, entities it cannot decode the same way, invalid UTF-8,
 * characters XML forbids. tests/unit/test_html.c checks it against html_to_text_ref. */

#define FAST_MAX_DEPTH 64

enum fk { FK_INLINE, FK_BLOCK, FK_P, FK_LIST, FK_LI, FK_IMG, FK_BR, FK_HR, FK_RAW };

static const struct {
	const char *name;
	enum fk kind;
} fast_tags[] = {
	{ "a", FK_INLINE }, { "b", FK_INLINE }, { "i", FK_INLINE }, { "em", FK_INLINE },
	{ "strong", FK_INLINE }, { "span", FK_INLINE }, { "u", FK_INLINE }, { "s", FK_INLINE },
	{ "small", FK_INLINE }, { "sub", FK_INLINE }, { "sup", FK_INLINE }, { "code", FK_INLINE },
	{ "cite", FK_INLINE }, { "q", FK_INLINE }, { "abbr", FK_INLINE },
	{ "p", FK_P }, { "h1", FK_P }, { "h2", FK_P }, { "h3", FK_P }, { "h4", FK_P },
	{ "h5", FK_P }, { "h6", FK_P },
	{ "div", FK_BLOCK }, { "blockquote", FK_BLOCK }, { "figure", FK_BLOCK },
	{ "figcaption", FK_BLOCK },
	{ "ul", FK_LIST }, { "ol", FK_LIST }, { "li", FK_LI },
	{ "br", FK_BR }, { "hr", FK_HR }, { "img", FK_IMG },
	{ "script", FK_RAW }, { "style", FK_RAW },
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_name_start(char c)
{
	return is_alpha(c) || c == '_' || c == ':';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* Valid UTF-8 with only the characters libxml2 accepts (no C0 but tab/LF/CR, no U+FFFE
 * and U+FFFF), and no byte order mark. */
static bool fast_clean(const unsigned char *s, size_t n)
{
	if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		return false;
	for (size_t i = 0; i < n;) {
		if (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			/* no byte >= 0x80 and none < 0x20: all printable ASCII */
			if (!((w | ((w - 0x2020202020202020ull) & ~w)) & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x80) {
			i++;
			continue;
		}
		if (c < 0x20) {
			if (c != '\t' && c != '\n' && c != '\r')
				return false;
			i++;
			continue;
		}
		uint32_t cp;
		size_t k = utf8_next(s + i, n - i, &cp);
		if (k == 1 || cp == 0xFFFE || cp == 0xFFFF)
			return false;
		i += k;
	}
	return true;
}

static int fast_kind(const char *name, size_t n)
{
	char low[12];
	if (n >= sizeof(low))
		return -1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)(name[i] | (name[i] >= 'A' && name[i] <= 'Z' ? 0x20 : 0));
	low[n] = '\0';
	for (size_t i = 0; i < sizeof(fast_tags) / sizeof(fast_tags[0]); i++)
		if (fast_tags[i].name[0] == low[0] && !strcmp(fast_tags[i].name, low))
			return (int)i;
	return -1;
}

/* Decodes the reference at s ('&'), appending to run; returns bytes used, 0 to give up. */
static size_t fast_ref(const char *s, size_t n, struct tb *run)
{
	size_t j = 1;
	if (j < n && s[j] == '#') {
		bool hex = j + 1 < n && (s[j + 1] == 'x' || s[j + 1] == 'X');
		j += hex ? 2 : 1;
		size_t d0 = j;
		uint32_t v = 0;
		while (j < n && j - d0 < 8) {
			char c = s[j];
			if (c >= '0' && c <= '9')
				v = v * (hex ? 16 : 10) + (uint32_t)(c - '0');
			else if (hex && c >= 'a' && c <= 'f')
				v = v * 16 + (uint32_t)(c - 'a' + 10);
			else if (hex && c >= 'A' && c <= 'F')
				v = v * 16 + (uint32_t)(c - 'A' + 10);
			else
				break;
			j++;
		}
		if (j == d0 || j >= n || s[j] != ';')
			return 0;
		if (!(v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF) ||
		      (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF)))
			return 0;
		tb_cp(run, v);   /* run never has space or para set: no separator */
		return j + 1;
	}
	if (j >= n || !is_name_start(s[j])) {
		tb_raw(run, "&", 1);
		return 1;
	}
	while (j < n && is_name_char(s[j]))
		j++;
	if (j < n && (unsigned char)s[j] >= 0x80)
		return 0;
	if (j >= n || s[j] != ';') {
		tb_raw(run, s, j);
		return j;
	}
	char name[40];
	if (j - 1 >= sizeof(name))
		return 0;
	memcpy(name, s + 1, j - 1);
	name[j - 1] = '\0';
	const htmlEntityDesc *e = htmlEntityLookup((const xmlChar *)name);
	if (!e || e->value == 0) {
		tb_raw(run, s, j + 1);   /* an unknown name stays as written */
		return j + 1;
	}
	tb_cp(run, e->value);
	return j + 1;
}

/* Parses the attributes of a start tag from s[*i] to its '>' (or "/>"); sets *ret_empty
 * for "/>". With check_href, an href that is not an absolute http(s) URL gives up. */
static bool fast_attrs(const char *s, size_t n, size_t *i, bool check_href, bool *ret_empty)
{
	size_t p = *i;
	*ret_empty = false;
	for (;;) {
		bool blanks = false;
		while (p < n && is_blank(s[p])) {
			p++;
			blanks = true;
		}
		if (p >= n)
			return false;
		if (s[p] == '>') {
			*i = p + 1;
			return true;
		}
		if (s[p] == '/' && p + 1 < n && s[p + 1] == '>') {
			*ret_empty = true;
			*i = p + 2;
			return true;
		}
		if (!blanks || !is_name_start(s[p]))
			return false;
		size_t a0 = p;
		while (p < n && is_name_char(s[p]))
			p++;
		size_t alen = p - a0;
		size_t q = p;
		while (q < n && is_blank(s[q]))
			q++;
		if (q < n && s[q] == '=') {
			q++;
			while (q < n && is_blank(s[q]))
				q++;
			if (q >= n || (s[q] != '"' && s[q] != '\''))
				return false;
			char quote = s[q];
			const char *end = memchr(s + q + 1, quote, n - q - 1);
			if (!end)
				return false;
			size_t v0 = q + 1, vlen = (size_t)(end - (s + v0));
			if (check_href && alen == 4 && !strncasecmp(s + a0, "href", 4) &&
			    !(vlen >= 7 && !strncasecmp(s + v0, "http://", 7)) &&
			    !(vlen >= 8 && !strncasecmp(s + v0, "https://", 8)))
				return false;
			p = (size_t)(end - s) + 1;
			if (p < n && !is_blank(s[p]) && s[p] != '>' && s[p] != '/')
				return false;
		} else if (check_href && alen == 4 && !strncasecmp(s + a0, "href", 4)) {
			return false;
		}
	}
}

static void fast_flush(struct tb *t, struct tb *run)
{
	if (run->len)
		tb_text(t, run->buf, run->len, false);
	run->len = 0;
	if (run->buf)
		run->buf[0] = '\0';
}

/* Returns true when the fragment was converted into t (or t filled up); false to hand it
 * to libxml2 (t is then left for the caller to discard). */
static bool fast_to_text(const char *s, size_t n, const char *base, struct tb *t)
{
	if (!fast_clean((const unsigned char *)s, n))
		return false;
	uint8_t stack[FAST_MAX_DEPTH];
	size_t depth = 0;
	struct tb run = { 0 };
	bool ok = false, body = false;   /* body: libxml2 has implied <body> */
	size_t i = 0;
	while (i < n && is_blank(s[i]))
		i++;
	while (i < n) {
		if (run.full)
			goto out;
		if (t->full)
			break;
		const char *lt = memchr(s + i, '<', n - i);
		size_t stop = lt ? (size_t)(lt - s) : n;
		/* text up to the next tag, references decoded */
		if (i < stop && !run.len && !memchr(s + i, '&', stop - i)) {
			tb_text(t, s + i, stop - i, false);   /* the run as written */
			body = true;
			i = stop;
		}
		while (i < stop) {
			const char *amp = memchr(s + i, '&', stop - i);
			size_t k = amp ? (size_t)(amp - s) : stop;
			tb_raw(&run, s + i, k - i);
			i = k;
			if (amp) {
				size_t used = fast_ref(s + i, n - i, &run);
				if (!used)
					goto out;
				i += used;
				if (i > stop) {
					/* the reference ran past a '<' (cannot: names stop there) */
					goto out;
				}
			}
		}
		if (i >= n)
			break;
		/* s[i] == '<' */
		bool end = i + 1 < n && s[i + 1] == '/';
		size_t p = i + (end ? 2 : 1);
		if (p >= n || !is_alpha(s[p]))
			goto out;
		size_t n0 = p;
		while (p < n && is_name_char(s[p]))
			p++;
		int k = fast_kind(s + n0, p - n0);
		if (k < 0)
			goto out;
		enum fk kind = fast_tags[k].kind;
		const char *name = fast_tags[k].name;
		bool block = name_in(name, block_tags, sizeof(block_tags) / sizeof(block_tags[0]));
		if (run.full)
			goto out;
		body |= run.len > 0;
		fast_flush(t, &run);
		if (end) {
			while (p < n && is_blank(s[p]))
				p++;
			if (p >= n || s[p] != '>' || depth == 0 || stack[depth - 1] != k)
				goto out;
			i = p + 1;
			depth--;
			if (block)
				tb_para(t);
			continue;
		}
		bool empty;
		if (!fast_attrs(s, n, &p, base && kind == FK_INLINE && name[0] == 'a' && !name[1],
				&empty))
			goto out;
		i = p;
		/* what the element may sit in without libxml2 closing or moving anything */
		bool in_inline = false, in_p = false, same = false;
		for (size_t d = 0; d < depth; d++) {
			enum fk dk = fast_tags[stack[d]].kind;
			in_inline |= dk == FK_INLINE;
			in_p |= dk == FK_P;
			same |= stack[d] == k;
		}
		enum fk top = depth ? fast_tags[stack[depth - 1]].kind : FK_BLOCK;
		switch (kind) {
		case FK_IMG:
		case FK_BR:
		case FK_HR:
			if (top == FK_LIST || (kind == FK_HR && (in_inline || in_p)))
				goto out;
			if (block)
				tb_para(t);
			body = true;
			continue;
		case FK_RAW: {
			/* before <body>, libxml2 opens <head> for it and keeps it open */
			if (empty || top == FK_LIST || !body)
				goto out;
			/* raw text up to the first "</" and a letter, which must close it */
			size_t q = i;
			for (;;) {
				const char *c = q < n ? memchr(s + q, '<', n - q) : NULL;
				if (!c)
					goto out;
				q = (size_t)(c - s);
				if (q + 2 < n && s[q + 1] == '/' && is_alpha(s[q + 2]))
					break;
				q++;
			}
			size_t e0 = q + 2, e = e0;
			while (e < n && is_name_char(s[e]))
				e++;
			if (e - e0 != strlen(name) || strncasecmp(s + e0, name, e - e0))
				goto out;
			while (e < n && is_blank(s[e]))
				e++;
			if (e >= n || s[e] != '>')
				goto out;
			i = e + 1;
			continue;
		}
		case FK_INLINE:
			if (same || top == FK_LIST)
				goto out;
			break;
		case FK_LI:
			if (top != FK_LIST)
				goto out;
			break;
		case FK_P:
		case FK_BLOCK:
		case FK_LIST:
			if (in_inline || in_p || top == FK_LIST)
				goto out;
			break;
		}
		if (empty || depth >= FAST_MAX_DEPTH)
			goto out;
		body = true;
		stack[depth++] = (uint8_t)k;
		if (block)
			tb_para(t);
	}
	fast_flush(t, &run);
	ok = !run.oom;
out:
	free(run.buf);
	return ok;
}

static int html_parse_text(const char *html, size_t len, const char *base, struct tb *t);

int html_to_text(const char *html, size_t len, const char *base, char **ret)
{
	struct tb t = { 0 };
	if (!html || len == 0)
		return tb_finish(&t, ret);
	if (!memchr(html, '<', len) && !memchr(html, '&', len)) {
		tb_text(&t, html, len, false);
		return tb_finish(&t, ret);
	}
	/* the text is rarely much longer than the HTML: one allocation, mostly */
	if (!tb_reserve(&t, len + len / 8 < HTML_TEXT_MAX / 2 ? len + len / 8 : 0)) {
		free(t.buf);
		return -ENOMEM;
	}
	t.buf[0] = '\0';
	if (fast_to_text(html, len, base, &t))
		return tb_finish(&t, ret);
	free(t.buf);
	t = (struct tb){ 0 };
	html_parse_text(html, len, base, &t);
	return tb_finish(&t, ret);
}

int html_to_text_ref(const char *html, size_t len, const char *base, char **ret)
{
	struct tb t = { 0 };
	if (html && len)
		html_parse_text(html, len, base, &t);
	return tb_finish(&t, ret);
}

static bool void_tag(const char *s, size_t n)
{
	static const char *const v[] = { "br", "img", "hr", "meta", "link", "input", "wbr",
					 "source", "area", "col", "embed", "param", "track", "base" };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (strlen(v[i]) == n && !strncasecmp(s, v[i], n))
			return true;
	return false;
}

/* libxml2's HTML parser drops everything below depth 256 ("Excessive depth"), so hostile
 * nesting (5,000 <div>s around the text) would lose the text. When the tags nest deeper
 * than FLAT_DEPTH, returns a copy without the tags opened or closed below that depth (their
 * text kept), else NULL. One pass, no recursion. */
#define FLAT_DEPTH 200
static char *flatten_deep(const char *s, size_t len, size_t *ret_len)
{
	size_t depth = 0, max = 0;
	char *out = NULL;
	size_t o = 0;
	for (int pass = 0; pass < 2; pass++) {
		depth = 0;
		for (size_t i = 0; i < len;) {
			if (s[i] != '<') {
				if (out)
					out[o++] = s[i];
				i++;
				continue;
			}
			const char *gt = memchr(s + i, '>', len - i);
			size_t end = gt ? (size_t)(gt - s) + 1 : len;
			bool close = i + 1 < len && s[i + 1] == '/';
			size_t ns = i + 1 + close, ne = ns;
			while (ne < end && (((s[ne] | 32) >= 'a' && (s[ne] | 32) <= 'z') ||
					    (s[ne] >= '0' && s[ne] <= '9')))
				ne++;
			bool tag = ne > ns, selfclose = end >= 2 && s[end - 2] == '/';
			bool deep = depth > FLAT_DEPTH;
			if (tag && !close && !selfclose && !void_tag(s + ns, ne - ns)) {
				depth++;
				deep = depth > FLAT_DEPTH;
			} else if (tag && close && depth) {
				depth--;
			}
			if (depth > max)
				max = depth;
			if (out && !(tag && deep)) {
				memcpy(out + o, s + i, end - i);
				o += end - i;
			} else if (out) {
				out[o++] = ' ';
			}
			i = end;
		}
		if (pass == 0) {
			if (max <= FLAT_DEPTH || !(out = malloc(len + 1)))
				return NULL;
		}
	}
	out[o] = '\0';
	*ret_len = o;
	return out;
}

static int html_parse_text(const char *html, size_t len, const char *base, struct tb *t)
{
	if (len > INT32_MAX)
		len = INT32_MAX;
	size_t flat_len = 0;
	char *flat = flatten_deep(html, len, &flat_len);
	if (flat) {
		html = flat;
		len = flat_len;
	}
	htmlDocPtr doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
					HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
						HTML_PARSE_COMPACT);
	if (!doc) {
		tb_text(t, html, len, false);
		free(flat);
		return 0;
	}
	walk(xmlDocGetRootElement(doc), base, t, 0);
	xmlFreeDoc(doc);
	free(flat);
	return 0;
}
