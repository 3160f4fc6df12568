/* feed/xml.c — RSS 0.90-0.94/2.0, RSS 1.0 (RDF), Atom 0.3 and 1.0 with libxml2.
 * Takes: the document's bytes (any encoding; enc.c makes them UTF-8), options.
 * Gives: the feed model. A strict parse comes first; when it fails, HTML named entities are
 *        rewritten as character references, bare '&' escaped, and a recover pass
 *        (XML_PARSE_RECOVER) reads what it can: wellformed = false, reason as a warning.
 *        Understands Dublin Core, content:encoded, xhtml:body, Media RSS, enclosures,
 *        xml:base; keeps only http/https links.
 * Must not: load DTDs or external entities (no XML_PARSE_NOENT / DTDLOAD, an entity loader
 *        that refuses everything), use the network (XML_PARSE_NONET), lift libxml2's size
 *        limits (no XML_PARSE_HUGE), expand internal entities without a budget, build
 *        more than max_nodes elements and attributes (the parse stops there), or log. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "claimd/feed.h"
#include "feed_int.h"
#include "claimd/html.h"
#include "claimd/url.h"

#define RAW_TEXT_MAX (8u << 20)      /* bytes of one element's text */
#define ENTITY_BUDGET (1u << 20)     /* bytes produced by internal entities per document */
#define ENTITY_DEPTH 8
#define WALK_DEPTH 64

enum ns {
	NS_NONE, NS_RSS, NS_RDF, NS_ATOM, NS_ATOM03, NS_DC, NS_DCTERMS, NS_CONTENT, NS_MEDIA,
	NS_XHTML, NS_OTHER,
};

static const struct {
	const char *uri;
	enum ns ns;
} ns_table[] = {
	{ "http://purl.org/rss/1.0", NS_RSS },
	{ "http://my.netscape.com/rdf/simple/0.9", NS_RSS },
	{ "http://backend.userland.com/rss2", NS_RSS },
	{ "http://backend.userland.com/rss", NS_RSS },
	{ "http://blogs.law.harvard.edu/tech/rss", NS_RSS },
	{ "http://www.w3.org/1999/02/22-rdf-syntax-ns#", NS_RDF },
	{ "http://www.w3.org/2005/atom", NS_ATOM },
	{ "http://purl.org/atom/ns#", NS_ATOM03 },
	{ "http://purl.org/dc/elements/1.1", NS_DC },
	{ "http://purl.org/dc/elements/1.0", NS_DC },
	{ "http://purl.org/dc/terms", NS_DCTERMS },
	{ "http://purl.org/rss/1.0/modules/content", NS_CONTENT },
	{ "http://search.yahoo.com/mrss", NS_MEDIA },
	{ "http://www.w3.org/1999/xhtml", NS_XHTML },
};

struct xctx {
	const char *root_href;  /* an unknown namespace of the root: its elements are native */
	const struct feed_opts *o;
	struct feed *f;
	xmlDoc *doc;
	bool atom;          /* Atom document: unqualified elements are Atom's */
	bool has_base;      /* the document uses xml:base somewhere */
	size_t budget;      /* entity expansion left */
	int err;            /* first -ENOMEM */
	size_t skipped;     /* items past max_items */
};

static enum ns ns_of(const xmlNode *n)
{
	if (!n->ns || !n->ns->href || !n->ns->href[0])
		return NS_NONE;
	const char *h = (const char *)n->ns->href;
	size_t hl = strlen(h);
	while (hl > 0 && h[hl - 1] == '/')
		hl--;
	for (size_t i = 0; i < sizeof(ns_table) / sizeof(ns_table[0]); i++)
		if (strlen(ns_table[i].uri) == hl && !strncasecmp(h, ns_table[i].uri, hl))
			return ns_table[i].ns;
	return NS_OTHER;
}

/* As ns_of, with the root's unknown namespace (e.g. a future RSS or Atom URI) as none. */
static enum ns ns_in(const struct xctx *x, const xmlNode *n)
{
	enum ns ns = ns_of(n);
	if (ns == NS_OTHER && x->root_href && !strcmp((const char *)n->ns->href, x->root_href))
		return NS_NONE;
	return ns;
}

static bool name_is(const xmlNode *n, const char *name)
{
	return !strcmp((const char *)n->name, name);
}

/* ---- text ---- */

struct sbuf {
	char *b;
	size_t len, cap;
	bool full, oom;
};

static void sb_add(struct sbuf *s, const char *p, size_t n)
{
	if (s->full)
		return;
	if (s->len + n + 1 > RAW_TEXT_MAX) {
		s->full = true;
		return;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 128;
		while (cap < s->len + n + 1)
			cap *= 2;
		char *b = realloc(s->b, cap);
		if (!b) {
			s->oom = s->full = true;
			return;
		}
		s->b = b;
		s->cap = cap;
	}
	memcpy(s->b + s->len, p, n);
	s->len += n;
	s->b[s->len] = '\0';
}

static void collect(struct xctx *x, xmlNode *n, struct sbuf *s, int depth, int edepth)
{
	if (depth > WALK_DEPTH)
		return;
	for (; n && !s->full; n = n->next) {
		switch (n->type) {
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if (n->content) {
				size_t l = strlen((const char *)n->content);
				if (edepth > 0) {
					if (l > x->budget)
						return;
					x->budget -= l;
				}
				sb_add(s, (const char *)n->content, l);
			}
			break;
		case XML_ELEMENT_NODE:
			collect(x, n->children, s, depth + 1, edepth);
			break;
		case XML_ENTITY_REF_NODE: {
			xmlEntity *e = xmlGetDocEntity(x->doc, n->name);
			if (!e || edepth >= ENTITY_DEPTH)
				break;
			if (e->etype == XML_INTERNAL_PREDEFINED_ENTITY && e->content)
				sb_add(s, (const char *)e->content, strlen((const char *)e->content));
			else if (e->etype == XML_INTERNAL_GENERAL_ENTITY)
				collect(x, e->children, s, depth + 1, edepth + 1);
			/* external entities are never read */
			break;
		}
		default:
			break;
		}
	}
}

/* xmlHashScan callback: an external entity declared in the internal subset is never
 * read; say so once per entity, so the caller can log that the document tried. */
static void warn_external(void *payload, void *data, const xmlChar *name)
{
	const xmlEntity *e = payload;
	if (e->etype == XML_EXTERNAL_GENERAL_PARSED_ENTITY ||
	    e->etype == XML_EXTERNAL_GENERAL_UNPARSED_ENTITY ||
	    e->etype == XML_EXTERNAL_PARAMETER_ENTITY)
		feed_warn(data, "external entity '%s' refused (never loaded)", (const char *)name);
}

/* All text below n, entities expanded within the budget; new string or NULL (oom). */
static char *raw_text(struct xctx *x, xmlNode *n)
{
	const xmlNode *c = n->children;
	if (c && !c->next && (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
	    c->content) {
		/* one text child, the common case: what collect() would build, in one copy */
		size_t l = strlen((const char *)c->content);
		char *t = l + 1 > RAW_TEXT_MAX ? strdup("") : strndup((const char *)c->content, l);
		if (!t)
			x->err = -ENOMEM;
		return t;
	}
	struct sbuf s = { 0 };
	collect(x, n->children, &s, 0, 0);
	if (s.oom) {
		free(s.b);
		x->err = -ENOMEM;
		return NULL;
	}
	if (!s.b && !(s.b = strdup("")))
		x->err = -ENOMEM;
	return s.b;
}

static char *trimmed(struct xctx *x, xmlNode *n)
{
	char *t = raw_text(x, n);
	if (!t)
		return NULL;
	char *p = t;
	while (isspace((unsigned char)*p))
		p++;
	size_t l = strlen(p);
	while (l > 0 && isspace((unsigned char)p[l - 1]))
		l--;
	memmove(t, p, l);
	t[l] = '\0';
	return t;
}

static bool has_element_children(const xmlNode *n)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

static char *serialize_children(struct xctx *x, xmlNode *n)
{
	xmlBuffer *b = xmlBufferCreate();
	if (!b) {
		x->err = -ENOMEM;
		return NULL;
	}
	for (xmlNode *c = n->children; c; c = c->next) {
		xmlNodeDump(b, x->doc, c, 0, 0);
		if (xmlBufferLength(b) > (int)RAW_TEXT_MAX)
			break;
	}
	char *s = strdup(xmlBufferContent(b) ? (const char *)xmlBufferContent(b) : "");
	xmlBufferFree(b);
	if (!s)
		x->err = -ENOMEM;
	return s;
}

static char *base_of(struct xctx *x, xmlNode *n)
{
	if (!x->has_base)
		return x->o->base_url ? strdup(x->o->base_url) : NULL;
	xmlChar *b = xmlNodeGetBase(x->doc, n);
	char *s = b ? strdup((const char *)b) : NULL;
	xmlFree(b);
	return s;
}

static char *resolve(struct xctx *x, xmlNode *n, const char *href)
{
	char *out = NULL;
	if (!href || !*href)
		return NULL;
	if (url_is_http(href)) {
		url_resolve(NULL, href, &out);
		return out;
	}
	char *base = base_of(x, n);
	url_resolve(base, href, &out);
	free(base);
	return out;
}

static size_t b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return 64;
}

/* Decodes base64 in place (whitespace skipped). */
static void b64_decode(char *s)
{
	size_t o = 0, bits = 0, acc = 0;
	for (const char *p = s; *p; p++) {
		size_t v = b64val((unsigned char)*p);
		if (v == 64)
			continue;
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			s[o++] = (char)((acc >> bits) & 0xFF);
		}
	}
	s[o] = '\0';
}

static char *attr(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s = v ? strdup((const char *)v) : NULL;
	xmlFree(v);
	return s;
}

static bool attr_eq(xmlNode *n, const char *name, const char *val)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	bool eq = v && !strcasecmp((const char *)v, val);
	xmlFree(v);
	return eq;
}

/* Text of an element as plain text (*ret_text) and, when it was HTML, the HTML (*ret_html). */
static void text_of(struct xctx *x, xmlNode *n, bool atom, char **ret_text, char **ret_html)
{
	char *type = atom ? attr(n, "type") : NULL, *mode = atom ? attr(n, "mode") : NULL;
	char *raw = NULL, *html = NULL, *text = NULL;
	bool is_html = false;
	const char *t = type ? type : "text";

	if (atom && ((mode && !strcasecmp(mode, "base64")) ||
		     (strchr(t, '/') && strncasecmp(t, "text/", 5) && !strstr(t, "xml") &&
		      !strstr(t, "html")))) {
		raw = raw_text(x, n);
		if (raw) {
			b64_decode(raw);
			is_html = strstr(t, "html") || html_looks_like(raw, strlen(raw));
		}
	} else if (atom && (!strcasecmp(t, "xhtml") || strstr(t, "xml")) &&
		   (!mode || !strcasecmp(mode, "xml"))) {
		raw = serialize_children(x, n);
		is_html = true;
	} else if (atom) {
		raw = raw_text(x, n);
		is_html = strstr(t, "html") != NULL;
	} else if (has_element_children(n)) {
		raw = serialize_children(x, n);
		is_html = true;
	} else {
		raw = raw_text(x, n);
		is_html = raw && html_looks_like(raw, strlen(raw));
	}
	if (raw) {
		if (is_html) {
			char *base = base_of(x, n);
			if (html_to_text(raw, strlen(raw), base, &text) < 0)
				x->err = -ENOMEM;
			free(base);
			html = raw;
			raw = NULL;
		} else if (html_plain_text(raw, strlen(raw), &text) < 0) {
			x->err = -ENOMEM;
		}
	}
	free(raw);
	free(type);
	free(mode);
	if (text && !*text) {
		free(text);
		text = NULL;
	}
	free(*ret_text);
	*ret_text = text;
	if (ret_html) {
		free(*ret_html);
		*ret_html = html;
	} else {
		free(html);
	}
}

static void set_text(struct xctx *x, xmlNode *n, bool atom, char **dst)
{
	text_of(x, n, atom, dst, NULL);
}

/* "Name (email)", "email (Name)", "Name <email>", "email", "Name". */
static void parse_person(const char *s, char **name, char **email)
{
	*name = *email = NULL;
	const char *open = strpbrk(s, "(<");
	if (open) {
		const char *close = strchr(open, *open == '(' ? ')' : '>');
		if (close) {
			char *in = strndup(open + 1, (size_t)(close - open - 1));
			char *out = strndup(s, (size_t)(open - s));
			if (in && out) {
				bool in_mail = strchr(in, '@') != NULL;
				*email = in_mail ? in : out;
				*name = in_mail ? out : in;
				in = out = NULL;
			}
			free(in);
			free(out);
		}
	}
	if (!*name && !*email) {
		if (strchr(s, '@') && !strchr(s, ' '))
			*email = strdup(s);
		else
			*name = strdup(s);
	}
	for (char **p = name; p; p = p == name ? email : NULL) {
		if (!*p)
			continue;
		char *b = *p, *q = b;
		while (isspace((unsigned char)*q))
			q++;
		size_t l = strlen(q);
		while (l > 0 && isspace((unsigned char)q[l - 1]))
			l--;
		memmove(b, q, l);
		b[l] = '\0';
		if (!*b) {
			free(b);
			*p = NULL;
		}
	}
}

static void add_person_text(struct xctx *x, struct feed_item *it, xmlNode *n)
{
	char *s = trimmed(x, n), *name, *email;
	if (!s || !*s) {
		free(s);
		return;
	}
	parse_person(s, &name, &email);
	if (feed_add_person(it, name, email, NULL) < 0)
		x->err = -ENOMEM;
	free(name);
	free(email);
	free(s);
}

static void add_atom_person(struct xctx *x, struct feed_item *it, xmlNode *n)
{
	char *name = NULL, *email = NULL, *uri = NULL;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		char **dst = name_is(c, "name") ? &name : name_is(c, "email") ? &email :
			     name_is(c, "uri") || name_is(c, "url") ? &uri : NULL;
		if (dst && !*dst)
			*dst = trimmed(x, c);
	}
	if (!name && !email && !uri && !has_element_children(n)) {
		add_person_text(x, it, n);
	} else if (feed_add_person(it, name, email, uri) < 0) {
		x->err = -ENOMEM;
	}
	free(name);
	free(email);
	free(uri);
}

static void set_date(struct xctx *x, xmlNode *n, char **iso, char **raw, bool *clamped)
{
	char *t = trimmed(x, n);
	if (!t)
		return;
	if (*t && feed_set_date(t, x->o->now_ms, iso, raw, clamped) < 0)
		x->err = -ENOMEM;
	free(t);
}

static void set_once(struct xctx *x, xmlNode *n, char **dst)
{
	if (*dst)
		return;
	char *t = trimmed(x, n);
	if (t && !*t) {
		free(t);
		t = NULL;
	}
	*dst = t;
}

static void add_enclosure(struct xctx *x, struct feed_item *it, xmlNode *n, const char *url_attr,
			  const char *len_attr)
{
	char *href = attr(n, url_attr), *type = attr(n, "type"), *len = attr(n, len_attr);
	if (!href && !has_element_children(n))
		href = trimmed(x, n);
	char *url = resolve(x, n, href);
	int64_t l = -1;
	if (len && *len) {
		char *end;
		long long v = strtoll(len, &end, 10);
		if (end != len && v >= 0)
			l = v;
	}
	if (url && feed_add_enclosure(it, url, type, l) < 0)
		x->err = -ENOMEM;
	free(href);
	free(type);
	free(len);
	free(url);
}

/* ---- items ---- */

struct item_state {
	char *guid_link;    /* permalink guid, used when there is no <link> */
	bool have_content, have_summary;
};

static void media_child(struct xctx *x, struct feed_item *it, xmlNode *c, struct item_state *st)
{
	if (name_is(c, "content")) {
		add_enclosure(x, it, c, "url", "fileSize");
	} else if (name_is(c, "group")) {
		for (xmlNode *g = c->children; g; g = g->next)
			if (g->type == XML_ELEMENT_NODE && ns_in(x, g) == NS_MEDIA)
				media_child(x, it, g, st);
	} else if (name_is(c, "title") && !it->title) {
		set_text(x, c, false, &it->title);
	} else if (name_is(c, "description") && !st->have_summary) {
		text_of(x, c, false, &it->summary, &it->summary_html);
		st->have_summary = it->summary != NULL;
	}
}

static void dc_child(struct xctx *x, struct feed_item *it, xmlNode *c, enum ns ns,
		     struct item_state *st)
{
	if (ns == NS_DC) {
		if (name_is(c, "title") && !it->title)
			set_text(x, c, false, &it->title);
		else if (name_is(c, "creator") || name_is(c, "author"))
			add_person_text(x, it, c);
		else if (name_is(c, "date"))
			set_date(x, c, &it->updated, &it->updated_raw, NULL);
		else if (name_is(c, "description") && !st->have_summary) {
			text_of(x, c, false, &it->summary, &it->summary_html);
			st->have_summary = it->summary != NULL;
		} else if (name_is(c, "subject")) {
			char *t = trimmed(x, c);
			if (t && feed_add_category(it, t, NULL, NULL) < 0)
				x->err = -ENOMEM;
			free(t);
		} else if (name_is(c, "language"))
			set_once(x, c, &it->lang);
		else if (name_is(c, "identifier"))
			set_once(x, c, &it->id);
	} else {
		if (name_is(c, "issued") || name_is(c, "created"))
			set_date(x, c, &it->published, &it->published_raw, &it->date_clamped);
		else if (name_is(c, "modified"))
			set_date(x, c, &it->updated, &it->updated_raw, NULL);
	}
}

static void content_child(struct xctx *x, struct feed_item *it, xmlNode *c, bool atom,
			  struct item_state *st)
{
	text_of(x, c, atom, &it->content, &it->content_html);
	st->have_content = it->content != NULL;
}

static void rss_item_child(struct xctx *x, struct feed_item *it, xmlNode *c,
			   struct item_state *st)
{
	if (name_is(c, "title")) {
		set_text(x, c, false, &it->title);
	} else if (name_is(c, "link")) {
		if (!it->link) {
			char *t = trimmed(x, c);
			it->link = resolve(x, c, t);
			free(t);
		}
	} else if (name_is(c, "guid")) {
		char *t = trimmed(x, c);
		if (t && *t) {
			free(it->id);
			it->id = t;
			free(st->guid_link);
			st->guid_link = NULL;
			if (!attr_eq(c, "isPermaLink", "false") && url_is_http(t))
				st->guid_link = strdup(t);
		} else {
			free(t);
		}
	} else if (name_is(c, "description")) {
		text_of(x, c, false, &it->summary, &it->summary_html);
		st->have_summary = it->summary != NULL;
	} else if (name_is(c, "pubDate")) {
		set_date(x, c, &it->published, &it->published_raw, &it->date_clamped);
	} else if (name_is(c, "author")) {
		add_person_text(x, it, c);
	} else if (name_is(c, "category")) {
		char *t = trimmed(x, c), *dom = attr(c, "domain");
		if (t && feed_add_category(it, t, dom, NULL) < 0)
			x->err = -ENOMEM;
		free(t);
		free(dom);
	} else if (name_is(c, "enclosure")) {
		add_enclosure(x, it, c, "url", "length");
	} else if (name_is(c, "body") || name_is(c, "fullitem")) {
		content_child(x, it, c, false, st);
	}
}

static void atom_item_child(struct xctx *x, struct feed_item *it, xmlNode *c,
			    struct item_state *st)
{
	if (name_is(c, "title")) {
		set_text(x, c, true, &it->title);
	} else if (name_is(c, "link")) {
		char *rel = attr(c, "rel");
		if (!rel || !strcasecmp(rel, "alternate")) {
			if (!it->link) {
				char *href = attr(c, "href");
				if (!href)
					href = trimmed(x, c);
				it->link = resolve(x, c, href);
				free(href);
			}
		} else if (!strcasecmp(rel, "enclosure")) {
			add_enclosure(x, it, c, "href", "length");
		}
		free(rel);
	} else if (name_is(c, "id")) {
		char *t = trimmed(x, c);
		free(it->id);
		it->id = t;
	} else if (name_is(c, "published") || name_is(c, "issued")) {
		set_date(x, c, &it->published, &it->published_raw, &it->date_clamped);
	} else if (name_is(c, "created")) {
		if (!it->published)
			set_date(x, c, &it->published, &it->published_raw, &it->date_clamped);
	} else if (name_is(c, "updated") || name_is(c, "modified")) {
		set_date(x, c, &it->updated, &it->updated_raw, NULL);
	} else if (name_is(c, "summary")) {
		text_of(x, c, true, &it->summary, &it->summary_html);
		st->have_summary = it->summary != NULL;
	} else if (name_is(c, "content")) {
		if (!st->have_content)
			content_child(x, it, c, true, st);
	} else if (name_is(c, "author")) {
		add_atom_person(x, it, c);
	} else if (name_is(c, "category")) {
		char *term = attr(c, "term"), *scheme = attr(c, "scheme"), *label = attr(c, "label");
		if (!term)
			term = trimmed(x, c);
		if (term && feed_add_category(it, term, scheme, label) < 0)
			x->err = -ENOMEM;
		free(term);
		free(scheme);
		free(label);
	}
}

static void parse_item(struct xctx *x, xmlNode *n)
{
	struct feed_item *it;
	int r = feed_item_new(x->f, x->o->max_items, &it);
	if (r == -ENOSPC)
		x->skipped++;
	if (r < 0) {
		if (r == -ENOMEM)
			x->err = r;
		return;
	}
	struct item_state st = { 0 };
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		enum ns ns = ns_in(x, c);
		if (ns == NS_ATOM || ns == NS_ATOM03 || (ns == NS_NONE && x->atom))
			atom_item_child(x, it, c, &st);
		else if (ns == NS_NONE || ns == NS_RSS)
			rss_item_child(x, it, c, &st);
		else if (ns == NS_DC || ns == NS_DCTERMS)
			dc_child(x, it, c, ns, &st);
		else if (ns == NS_CONTENT && name_is(c, "encoded"))
			content_child(x, it, c, false, &st);
		else if (ns == NS_XHTML && name_is(c, "body"))
			content_child(x, it, c, false, &st);
		else if (ns == NS_MEDIA)
			media_child(x, it, c, &st);
	}
	if (!it->link && st.guid_link)
		it->link = resolve(x, n, st.guid_link);
	free(st.guid_link);
	if (!it->id) {
		xmlChar *about = xmlGetNsProp(n, (const xmlChar *)"about",
					      (const xmlChar *)"http://www.w3.org/1999/02/22-rdf-syntax-ns#");
		if (about)
			it->id = strdup((const char *)about);
		xmlFree(about);
	}
	xmlChar *lang = xmlNodeGetLang(n);
	if (!it->lang && lang)
		it->lang = strdup((const char *)lang);
	xmlFree(lang);
}

/* ---- feed level ---- */

static void set_feed_author(struct xctx *x, xmlNode *c, bool atom_person)
{
	if (x->f->author)
		return;
	struct feed_item tmp = { 0 };
	if (atom_person)
		add_atom_person(x, &tmp, c);
	else
		add_person_text(x, &tmp, c);
	if (tmp.n_authors) {
		const char *v = tmp.authors[0].name ? tmp.authors[0].name : tmp.authors[0].email;
		x->f->author = v ? strdup(v) : NULL;
	}
	for (size_t i = 0; i < tmp.n_authors; i++) {
		free(tmp.authors[i].name);
		free(tmp.authors[i].email);
		free(tmp.authors[i].uri);
	}
	free(tmp.authors);
}

static void feed_child(struct xctx *x, xmlNode *c)
{
	struct feed *f = x->f;
	enum ns ns = ns_in(x, c);
	bool atomish = ns == NS_ATOM || ns == NS_ATOM03 || (ns == NS_NONE && x->atom);
	bool rssish = !atomish && (ns == NS_NONE || ns == NS_RSS);

	if ((atomish && name_is(c, "entry")) || (rssish && name_is(c, "item"))) {
		parse_item(x, c);
	} else if ((atomish || rssish) && name_is(c, "title")) {
		if (!f->title)
			set_text(x, c, atomish, &f->title);
	} else if (atomish && (name_is(c, "subtitle") || name_is(c, "tagline"))) {
		set_text(x, c, true, &f->subtitle);
	} else if (rssish && name_is(c, "description")) {
		set_text(x, c, false, &f->subtitle);
	} else if (atomish && name_is(c, "link")) {
		char *rel = attr(c, "rel");
		if (!f->link && (!rel || !strcasecmp(rel, "alternate"))) {
			char *href = attr(c, "href");
			if (!href)
				href = trimmed(x, c);
			f->link = resolve(x, c, href);
			free(href);
		}
		free(rel);
	} else if (rssish && name_is(c, "link")) {
		if (!f->link) {
			char *t = trimmed(x, c);
			f->link = resolve(x, c, t);
			free(t);
		}
	} else if (rssish && name_is(c, "language")) {
		set_once(x, c, &f->language);
	} else if ((rssish && name_is(c, "lastBuildDate")) ||
		   (atomish && (name_is(c, "updated") || name_is(c, "modified"))) ||
		   (ns == NS_DC && name_is(c, "date")) ||
		   (ns == NS_DCTERMS && name_is(c, "modified"))) {
		char *raw = NULL;
		set_date(x, c, &f->updated, &raw, NULL);
		free(raw);
	} else if (atomish && name_is(c, "author")) {
		set_feed_author(x, c, true);
	} else if ((rssish && (name_is(c, "managingEditor") || name_is(c, "author") ||
			       name_is(c, "webMaster"))) ||
		   (ns == NS_DC && (name_is(c, "creator") || name_is(c, "author")))) {
		set_feed_author(x, c, false);
	} else if (ns == NS_DC && name_is(c, "language")) {
		set_once(x, c, &f->language);
	} else if (ns == NS_DC && name_is(c, "title")) {
		if (!f->title)
			set_text(x, c, false, &f->title);
	} else if (ns == NS_DC && name_is(c, "description")) {
		if (!f->subtitle)
			set_text(x, c, false, &f->subtitle);
	} else if (rssish && name_is(c, "ttl")) {
		char *t = trimmed(x, c);
		long long v = t ? strtoll(t, NULL, 10) : 0;
		if (v > 0 && v < 100000)
			f->ttl_s = v * 60;
		free(t);
	} else if (rssish && (name_is(c, "channel") || name_is(c, "items"))) {
		/* RSS 0.9x/2.0 channel, or a stray container: its children are the feed's. */
		for (xmlNode *g = c->children; g; g = g->next)
			if (g->type == XML_ELEMENT_NODE)
				feed_child(x, g);
	}
}

static void fix_language(struct feed *f)
{
	if (!f->language)
		return;
	for (char *p = f->language; *p; p++)
		if (*p == '_')
			*p = '-';
}

/* ---- parse ---- */

static xmlParserInputPtr no_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

/* The first error of a pass, for the warning (the last one is often a consequence). */
struct errcap {
	int line;
	char msg[160];
	bool set;
	size_t nodes, max_nodes;   /* elements and attributes built so far, and the cap */
	bool capped;               /* the cap stopped the parse */
};

static void on_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	if (!e || e->level < XML_ERR_ERROR || !e->ctxt)
		return;
	struct errcap *ec = ((xmlParserCtxt *)e->ctxt)->_private;
	if (!ec || ec->set)
		return;
	ec->set = true;
	ec->line = e->line;
	snprintf(ec->msg, sizeof(ec->msg), "%s", e->message ? e->message : "unknown error");
	size_t l = strlen(ec->msg);
	while (l > 0 && (ec->msg[l - 1] == '\n' || ec->msg[l - 1] == ' '))
		ec->msg[--l] = '\0';
}

/* Counts elements and attributes; at the cap the parse stops with the tree built so far. */
static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
		     int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	xmlParserCtxt *ctxt = ctx;
	struct errcap *ec = ctxt->_private;
	ec->nodes += 1 + (size_t)(nb_attributes > 0 ? nb_attributes : 0);
	if (ec->nodes > ec->max_nodes) {
		ec->capped = true;
		xmlStopParser(ctxt);
		return;
	}
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces,
			      nb_attributes, nb_defaulted, attributes);
}

static void init_once(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(no_loader);
}

static const char *const xml_predef[] = { "amp", "lt", "gt", "quot", "apos" };

/* HTML named entities → character references; bare '&' → "&amp;". New buffer. */
static char *pretranslate(const char *in, size_t n, bool has_dtd, size_t *ret_len)
{
	size_t cap = n + n / 8 + 64, o = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		if (o + 16 >= cap) {
			cap *= 2;
			char *b = realloc(out, cap);
			if (!b) {
				free(out);
				return NULL;
			}
			out = b;
		}
		if (in[i] != '&') {
			const char *amp = memchr(in + i, '&', n - i);
			size_t k = amp ? (size_t)(amp - (in + i)) : n - i;
			if (o + k + 16 >= cap) {
				while (o + k + 16 >= cap)
					cap *= 2;
				char *b = realloc(out, cap);
				if (!b) {
					free(out);
					return NULL;
				}
				out = b;
			}
			memcpy(out + o, in + i, k);
			o += k;
			i += k;
			continue;
		}
		size_t j = i + 1;
		if (j < n && in[j] == '#') {
			j++;
			bool hex = j < n && (in[j] == 'x' || in[j] == 'X');
			if (hex)
				j++;
			size_t d0 = j;
			while (j < n && (hex ? isxdigit((unsigned char)in[j]) : isdigit((unsigned char)in[j])))
				j++;
			if (j > d0 && j < n && in[j] == ';' && j - i < 12) {
				/* "&#X41;" is HTML, not XML: lower the x */
				memcpy(out + o, in + i, j + 1 - i);
				if (hex)
					out[o + 2] = 'x';
				o += j + 1 - i;
				i = j + 1;
				continue;
			}
		} else {
			while (j < n && j - i < 32 && (isalnum((unsigned char)in[j]) || in[j] == '_' ||
						       in[j] == '-' || in[j] == '.' || in[j] == ':'))
				j++;
			if (j > i + 1 && j < n && in[j] == ';') {
				char name[40];
				size_t l = j - i - 1;
				memcpy(name, in + i + 1, l);
				name[l] = '\0';
				bool predef = false;
				for (size_t k = 0; k < 5; k++)
					if (!strcmp(name, xml_predef[k]))
						predef = true;
				const htmlEntityDesc *e = predef ? NULL : htmlEntityLookup((const xmlChar *)name);
				if (e) {
					o += (size_t)snprintf(out + o, cap - o, "&#%u;", e->value);
					i = j + 1;
					continue;
				}
				if (predef || has_dtd) {
					/* predefined, or perhaps declared in the internal subset */
					memcpy(out + o, in + i, 1);
					o++;
					i++;
					continue;
				}
			}
		}
		memcpy(out + o, "&amp;", 5);
		o += 5;
		i++;
	}
	*ret_len = o;
	return out;
}

static const char *root_format(xmlNode *root, bool *ret_atom)
{
	enum ns ns = ns_of(root);
	*ret_atom = false;
	if (name_is(root, "feed") && ns != NS_RSS && ns != NS_RDF) {
		*ret_atom = true;
		return "atom";
	}
	if (name_is(root, "RDF") && (ns == NS_RDF || ns == NS_NONE || ns == NS_OTHER))
		return "rdf";
	if ((name_is(root, "rss") || name_is(root, "channel")) &&
	    (ns == NS_NONE || ns == NS_RSS || ns == NS_OTHER))
		return "rss";
	return NULL;
}

#define PUSH_CHUNK (256u << 10)

/* Feeds the document to a push parser in chunks, so that memory stays bounded by the chunk
 * and the tree (libxml2's limits bound the tree), and a fatal error ends the work early.
 * With recover, each chunk is pretranslated first (never splitting a reference). */
static xmlDoc *parse_push(const char *buf, size_t len, const char *url, bool recover,
			  bool has_dtd, struct errcap *ec, bool *ret_wf, int *ret_err)
{
	const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
			 XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA | (recover ? XML_PARSE_RECOVER : 0);
	xmlParserCtxt *ctxt = xmlCreatePushParserCtxt(NULL, NULL, NULL, 0, url);
	*ret_err = 0;
	if (!ctxt) {
		*ret_err = -ENOMEM;
		return NULL;
	}
	xmlCtxtUseOptions(ctxt, opts);
	xmlSwitchEncoding(ctxt, XML_CHAR_ENCODING_UTF8);
	ctxt->_private = ec;
	if (ctxt->sax) {
		ctxt->sax->serror = on_error;
		ctxt->sax->startElementNs = on_start;
	}
	size_t off = 0;
	bool done = false;
	while (off < len) {
		size_t n = len - off < PUSH_CHUNK ? len - off : PUSH_CHUNK;
		const char *p = buf + off;
		char *tmp = NULL;
		size_t pn = n;
		if (recover) {
			if (off + n < len) {
				/* end the chunk before a reference it would cut */
				for (size_t k = n; k > 0 && n - k < 40; k--) {
					if (p[k - 1] == ';' || p[k - 1] == '<' || p[k - 1] == '>')
						break;
					if (p[k - 1] == '&') {
						if (k - 1 > 0)
							n = k - 1;
						break;
					}
				}
			}
			tmp = pretranslate(p, n, has_dtd, &pn);
			if (!tmp) {
				*ret_err = -ENOMEM;
				break;
			}
			p = tmp;
		}
		off += n;
		done = off >= len;
		xmlParseChunk(ctxt, p, (int)pn, done);
		free(tmp);
		if (ctxt->instate == XML_PARSER_EOF || (!recover && !ctxt->wellFormed))
			break;
	}
	if (!done && ctxt->instate != XML_PARSER_EOF && !*ret_err)
		xmlParseChunk(ctxt, NULL, 0, 1);
	xmlDoc *doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	*ret_wf = ctxt->wellFormed && ctxt->nsWellFormed && !*ret_err;
	if (ec->capped) {
		/* what was read is kept: the document is not at fault for being long */
		*ret_wf = !*ret_err;
	} else if (!recover && !ctxt->wellFormed) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (!ec->set && !*ret_wf) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		ec->set = true;
		ec->line = e ? e->line : 0;
		snprintf(ec->msg, sizeof(ec->msg), "%s",
			 e && e->message ? e->message : "document ended early");
	}
	xmlFreeParserCtxt(ctxt);
	if (*ret_err) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

int feed_xml_parse(const char *buf, size_t len, const struct feed_opts *o, struct feed *f,
		   char **ret_err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_once);

	char *u8 = NULL;
	size_t u8len = 0;
	bool guessed = false, wf = false;
	struct errcap ec = { 0 };
	int r = feed_enc_utf8(buf, len, o->http_charset, f, &u8, &u8len, &guessed);
	if (r < 0)
		return r;
	if (guessed)
		f->wellformed = false;

	ec.max_nodes = o->max_nodes ? o->max_nodes : FEED_DEFAULT_MAX_NODES;
	xmlDoc *doc = parse_push(u8, u8len, o->base_url, false, false, &ec, &wf, &r);
	if (r < 0)
		goto out;
	bool capped = ec.capped;
	if (!wf) {
		f->wellformed = false;
		if (strstr(ec.msg, "Huge input lookup") || strstr(ec.msg, "huge text node"))
			/* libxml2's own cap (XML_MAX_TEXT_LENGTH, 10 MB), never lifted here */
			feed_warn(f, "not well-formed XML (line %d): a text node over libxml2's "
				     "10 MB limit; the item's text was cut there", ec.line);
		else
			feed_warn(f, "not well-formed XML (line %d): %s", ec.line, ec.msg);
		if (!doc) {
			struct errcap ec2 = { .max_nodes = ec.max_nodes };
			bool has_dtd = memmem(u8, u8len, "<!ENTITY", 8) != NULL;
			doc = parse_push(u8, u8len, o->base_url, true, has_dtd, &ec2, &wf, &r);
			if (r < 0)
				goto out;
			capped = ec2.capped;
		}
	}
	if (capped)
		feed_warn(f, "more than %zu elements and attributes; the rest was not read",
			  ec.max_nodes);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root) {
		if (ret_err && asprintf(ret_err, "not XML: %s", ec.set ? ec.msg : "empty document") < 0)
			*ret_err = NULL;
		r = -EBADMSG;
		goto free_doc;
	}
	if (doc->intSubset && doc->intSubset->entities)
		xmlHashScan(doc->intSubset->entities, warn_external, f);
	struct xctx x = { .o = o, .f = f, .doc = doc, .budget = ENTITY_BUDGET };
	f->format = root_format(root, &x.atom);
	if (ns_of(root) == NS_OTHER)
		x.root_href = (const char *)root->ns->href;
	if (!f->format) {
		if (ret_err && asprintf(ret_err, "not a feed: root element <%s>", root->name) < 0)
			*ret_err = NULL;
		r = -EBADMSG;
		goto free_doc;
	}
	x.has_base = memmem(u8, u8len, "xml:base", 8) != NULL;
	for (xmlNode *c = root->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			feed_child(&x, c);
	if (!f->language) {
		xmlChar *lang = xmlNodeGetLang(root);
		if (!lang) {
			for (xmlNode *c = root->children; c && !lang; c = c->next)
				if (c->type == XML_ELEMENT_NODE && name_is(c, "channel"))
					lang = xmlNodeGetLang(c);
		}
		if (lang && *lang)
			f->language = strdup((const char *)lang);
		xmlFree(lang);
	}
	fix_language(f);
	if (x.skipped)
		feed_warn(f, "more than %zu items; %zu were skipped", o->max_items, x.skipped);
	r = x.err;
free_doc:
	xmlFreeDoc(doc);
out:
	if (u8 != buf)
		free(u8);
	return r;
}
