/* page/strip.c — what no article body is made of, cut before libxml2 sees it: the content of
 * <script> (but JSON-LD), <style>, <svg> and <template> elements, and comments. A third to
 * two thirds of a news page's bytes are scripts and styles, and libxml2 reads them a
 * character at a time; cutting them here, with memchr, halves the parse.
 * Start tags keep only the attributes the stage reads (class, id, itemprop, style, meta
 * and link attributes, ...).
 * The cut follows the HTML tokenizer: a comment ends at the first "-->", a script or style
 * at the first "</script" or "</style" whatever it is inside; a '<' in an attribute value
 * of an ordinary tag is stepped over with the tag. The elements themselves are kept, empty
 * (so that the tree keeps its shape). Takes and gives UTF-8. Must not: allocate more than
 * the input, log. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "page_int.h"

static bool name_is(const char *p, const char *end, const char *name, size_t n)
{
	if ((size_t)(end - p) <= n || strncasecmp(p, name, n))
		return false;
	char c = p[n];
	return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The end of the tag starting at p ('<'): one past its '>', quotes respected; end if none. */
static const char *tag_end(const char *p, const char *end)
{
	char q = 0;
	for (p++; p < end; p++) {
		if (q) {
			if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '\'') {
			/* a quote only opens a value after '=' */
			const char *b = p - 1;
			while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r')
				b--;
			if (*b == '=')
				q = *p;
		} else if (*p == '>') {
			return p + 1;
		}
	}
	return end;
}

/* The first "</name" at or after p, case-insensitive; end if none. */
static const char *find_close(const char *p, const char *end, const char *name, size_t n)
{
	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt)
			return end;
		if (lt + 1 < end && lt[1] == '/' && name_is(lt + 2, end, name, n))
			return lt;
		p = lt + 1;
	}
	return end;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The attributes the page stage reads (meta.c, body.c); the others (src, srcset, data-*,
 * event handlers, ARIA...) are cut, which spares libxml2 most of a page's attribute bytes. */
static bool attr_kept(const char *a, size_t n, bool link)
{
	static const struct {
		const char *name;
		size_t n;
	} kept[] = { { "class", 5 }, { "id", 2 }, { "itemprop", 8 }, { "hidden", 6 },
		     { "style", 5 }, { "type", 4 }, { "name", 4 }, { "property", 8 },
		     { "content", 7 }, { "rel", 3 }, { "charset", 7 }, { "http-equiv", 10 },
		     { "lang", 4 }, { "xml:lang", 8 } };
	if (link && n == 4 && !strncasecmp(a, "href", 4))
		return true;
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (kept[i].n == n && (a[0] | 0x20) == kept[i].name[0] && !strncasecmp(a, kept[i].name, n))
			return true;
	return false;
}

/* Copies the start tag p..te (te one past its '>') with only the kept attributes; returns
 * the new end of out. Anything it cannot read is copied as written. */
static char *copy_tag(const char *p, const char *te, char *o)
{
	const char *q = p + 1, *end = te;
	while (q < end && !is_space(*q) && *q != '>' && *q != '/')
		q++;
	bool link = q - p == 5 && !strncasecmp(p + 1, "link", 4);
	char *o0 = o;
	memcpy(o, p, (size_t)(q - p));
	o += q - p;
	while (q < end) {
		while (q < end && is_space(*q))
			q++;
		if (q >= end)
			break;
		if (*q == '>' || (*q == '/' && q + 1 < end && q[1] == '>')) {
			memcpy(o, q, (size_t)(end - q));
			return o + (end - q);
		}
		const char *a = q;
		while (q < end && !is_space(*q) && *q != '=' && *q != '>' &&
		       !(*q == '/' && q + 1 < end && q[1] == '>'))
			q++;
		if (q == a)
			q++;   /* a stray '/' or '=' */
		size_t an = (size_t)(q - a);
		const char *v = q;
		while (v < end && is_space(*v))
			v++;
		if (v < end && *v == '=') {
			v++;
			while (v < end && is_space(*v))
				v++;
			if (v < end && (*v == '"' || *v == '\'')) {
				const char *c = memchr(v + 1, *v, (size_t)(end - v - 1));
				if (!c)
					goto verbatim;
				v = c + 1;
			} else {
				while (v < end && !is_space(*v) && *v != '>')
					v++;
			}
			q = v;
		}
		if (attr_kept(a, an, link)) {
			*o++ = ' ';
			memcpy(o, a, (size_t)(q - a));
			o += q - a;
		}
	}
verbatim:
	memcpy(o0, p, (size_t)(te - p));
	return o0 + (te - p);
}

static bool is_jsonld(const char *tag, const char *tend)
{
	size_t n = (size_t)(tend - tag);
	return memmem(tag, n, "ld+json", 7) || memmem(tag, n, "LD+JSON", 7);
}

int page_strip(const char *in, size_t len, char **ret, size_t *ret_len)
{
	char *out = malloc(len + 1), *o = out;
	if (!out)
		return -ENOMEM;
	const char *p = in, *end = in + len;
	static const struct {
		const char *name;
		size_t n;
	} raw[] = { { "script", 6 }, { "style", 5 }, { "svg", 3 }, { "template", 8 } };
	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt) {
			memcpy(o, p, (size_t)(end - p));
			o += end - p;
			break;
		}
		memcpy(o, p, (size_t)(lt - p));
		o += lt - p;
		p = lt;
		if (end - p >= 4 && !memcmp(p, "<!--", 4)) {
			const char *c = memmem(p + 4, (size_t)(end - p - 4), "-->", 3);
			p = c ? c + 3 : end;
			continue;
		}
		size_t k = 0;
		for (; k < sizeof(raw) / sizeof(raw[0]); k++)
			if (name_is(p + 1, end, raw[k].name, raw[k].n))
				break;
		const char *te = (p + 1 < end && ((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'z')) ||
						 (p + 1 < end && (p[1] == '/' || p[1] == '!'))
					 ? tag_end(p, end)
					 : p + 1;
		if (k == sizeof(raw) / sizeof(raw[0]) || (k == 0 && is_jsonld(p, te))) {
			/* an ordinary tag (or JSON-LD, kept whole by the tokenizer's own rule) */
			if (k == 0 || te[-1] != '>' || !((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'z')) {
				memcpy(o, p, (size_t)(te - p));
				o += te - p;
			} else {
				o = copy_tag(p, te, o);
			}
			p = te;
			continue;
		}
		memcpy(o, p, (size_t)(te - p));   /* the start tag, kept */
		o += te - p;
		if (te[-1] == '>' && te - p >= 2 && te[-2] == '/' && k >= 2) {
			p = te;   /* <svg/> */
			continue;
		}
		p = find_close(te, end, raw[k].name, raw[k].n);   /* the close tag follows as is */
	}
	*o = '\0';
	*ret = out;
	*ret_len = (size_t)(o - out);
	return 0;
}
