/* page/meta.c — an article page's metadata: JSON-LD (schema.org Article and its kinds,
 * also inside @graph), OpenGraph and article:* properties, <meta name> (description,
 * author, dates, Dublin Core, language), <link rel=canonical>, <html lang>, <title>.
 * JSON-LD wins over OpenGraph, which wins over plain <meta>. Dates become ISO 8601 UTC
 * (date.c); URLs become absolute (url.c).
 * Takes: the elements the walk hands over. Gives: the struct page's metadata fields and
 * the JSON-LD articleBody, if any. Must not: log, or recurse without bound. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "claimd/date.h"
#include "claimd/url.h"
#include "page_int.h"

enum field { M_TITLE, M_DESC, M_CANON, M_LANG, M_SECTION, M_IMAGE, M_SITE, M_PUB, M_MOD,
	     M_AUTHOR, M_BODY, M_NFIELDS };
enum src { S_LD, S_OG, S_META, S_OTHER, S_NSRC };

#define LD_MAX 8          /* JSON-LD scripts looked at */
#define LD_DEPTH 6        /* nesting looked into */
#define MAX_AUTHORS 16

struct meta {
	char *f[M_NFIELDS][S_NSRC];
	char *authors[MAX_AUTHORS];
	size_t n_authors;
	int n_ld;
	bool ld_article;   /* a JSON-LD Article object was seen */
	bool paywall;      /* isAccessibleForFree false */
};

struct meta *meta_new(void)
{
	return calloc(1, sizeof(struct meta));
}

void meta_free(struct meta *m)
{
	if (!m)
		return;
	for (int i = 0; i < M_NFIELDS; i++)
		for (int j = 0; j < S_NSRC; j++)
			free(m->f[i][j]);
	for (size_t i = 0; i < m->n_authors; i++)
		free(m->authors[i]);
	free(m);
}

bool meta_paywalled(const struct meta *m)
{
	return m->paywall;
}

/* Trimmed copy with whitespace collapsed; NULL when empty. */
static char *clean_dup(const char *s)
{
	if (!s)
		return NULL;
	struct sbuf b = { 0 };
	bool sp = false;
	sb_text(&b, s, strlen(s), &sp);
	if (b.oom || !b.len) {
		free(b.b);
		return NULL;
	}
	return b.b;
}

static void set(struct meta *m, enum field f, enum src s, const char *v)
{
	if (m->f[f][s] || !v)
		return;
	m->f[f][s] = clean_dup(v);
}

static void add_author(struct meta *m, const char *name)
{
	char *a = clean_dup(name);
	if (!a)
		return;
	if (url_is_http(a) || strlen(a) > 100 || m->n_authors >= MAX_AUTHORS) {
		free(a);
		return;
	}
	for (size_t i = 0; i < m->n_authors; i++)
		if (!strcasecmp(m->authors[i], a)) {
			free(a);
			return;
		}
	m->authors[m->n_authors++] = a;
}

/* ---- JSON-LD ---- */

static bool type_is_article(json_t *t)
{
	static const char *const kinds[] = { "Article", "NewsArticle", "BlogPosting",
		"ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
		"BackgroundNewsArticle", "ReviewNewsArticle", "Report", "LiveBlogPosting",
		"TechArticle", "ScholarlyArticle", "SocialMediaPosting", "AskPublicNewsArticle",
		"SatiricalArticle", "Blog", "WebPage", "Posting" };
	if (json_is_array(t)) {
		size_t i;
		json_t *v;
		json_array_foreach(t, i, v)
			if (type_is_article(v))
				return true;
		return false;
	}
	const char *s = json_string_value(t);
	if (!s)
		return false;
	const char *slash = strrchr(s, '/');
	if (slash)
		s = slash + 1;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(s, kinds[i]))
			return true;
	return false;
}

static bool type_is_webpage(json_t *t)
{
	const char *s = json_string_value(json_is_array(t) ? json_array_get(t, 0) : t);
	return s && (!strcmp(s, "WebPage") || !strcmp(s, "Blog") || !strcmp(s, "Posting"));
}

static const char *str_or_name(json_t *v, const char *key)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_array(v))
		return str_or_name(json_array_get(v, 0), key);
	if (json_is_object(v))
		return json_string_value(json_object_get(v, key));
	return NULL;
}

static void ld_authors(struct meta *m, json_t *a, int depth)
{
	if (depth > 2)
		return;
	if (json_is_array(a)) {
		size_t i;
		json_t *v;
		json_array_foreach(a, i, v)
			ld_authors(m, v, depth + 1);
	} else if (json_is_string(a)) {
		add_author(m, json_string_value(a));
	} else if (json_is_object(a)) {
		const char *n = json_string_value(json_object_get(a, "name"));
		json_t *t = json_object_get(a, "@type");
		const char *ts = json_string_value(json_is_array(t) ? json_array_get(t, 0) : t);
		/* an Organization as author is the publisher, not a person's byline */
		if (n && !(ts && !strcmp(ts, "Organization") && m->n_authors))
			add_author(m, n);
	}
}

static void ld_article(struct meta *m, json_t *o)
{
	bool page = type_is_webpage(json_object_get(o, "@type"));
	if (page && !json_object_get(o, "articleBody") && !json_object_get(o, "headline"))
		return;
	if (!page)
		m->ld_article = true;
	set(m, M_TITLE, S_LD, json_string_value(json_object_get(o, "headline")));
	set(m, M_DESC, S_LD, json_string_value(json_object_get(o, "description")));
	set(m, M_PUB, S_LD, json_string_value(json_object_get(o, "datePublished")));
	set(m, M_MOD, S_LD, json_string_value(json_object_get(o, "dateModified")));
	set(m, M_SECTION, S_LD, str_or_name(json_object_get(o, "articleSection"), "name"));
	set(m, M_IMAGE, S_LD, str_or_name(json_object_get(o, "image"), "url"));
	set(m, M_LANG, S_LD, str_or_name(json_object_get(o, "inLanguage"), "name"));
	set(m, M_SITE, S_LD, str_or_name(json_object_get(o, "publisher"), "name"));
	json_t *body = json_object_get(o, "articleBody");
	if (json_is_string(body) && !m->f[M_BODY][S_LD])
		m->f[M_BODY][S_LD] = strdup(json_string_value(body));
	if (!m->n_authors)
		ld_authors(m, json_object_get(o, "author"), 0);
	json_t *free_ = json_object_get(o, "isAccessibleForFree");
	if (json_is_false(free_) ||
	    (json_is_string(free_) && !strcasecmp(json_string_value(free_), "false")))
		m->paywall = true;
}

static void ld_walk(struct meta *m, json_t *v, int depth)
{
	if (depth > LD_DEPTH)
		return;
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			if (i >= 64)
				break;
			ld_walk(m, x, depth + 1);
		}
		return;
	}
	if (!json_is_object(v))
		return;
	if (type_is_article(json_object_get(v, "@type")))
		ld_article(m, v);
	ld_walk(m, json_object_get(v, "@graph"), depth + 1);
	json_t *main = json_object_get(v, "mainEntity");
	if (json_is_object(main) || json_is_array(main))
		ld_walk(m, main, depth + 1);
}

static void ld_script(struct meta *m, const char *txt)
{
	if (m->n_ld >= LD_MAX || !txt)
		return;
	m->n_ld++;
	const char *s = txt;
	size_t len = strlen(s);
	/* wrappers some pages put around it */
	while (len && isspace((unsigned char)*s))
		s++, len--;
	if (len >= 4 && !strncmp(s, "<!--", 4))
		s += 4, len -= 4;
	if (len >= 9 && !strncmp(s, "<![CDATA[", 9))
		s += 9, len -= 9;
	while (len && (isspace((unsigned char)s[len - 1]) || s[len - 1] == ';'))
		len--;
	if (len >= 3 && !strncmp(s + len - 3, "-->", 3))
		len -= 3;
	if (len >= 3 && !strncmp(s + len - 3, "]]>", 3))
		len -= 3;
	json_error_t err;
	json_t *j = json_loadb(s, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (j) {
		ld_walk(m, j, 0);
		json_decref(j);
	}
}

/* ---- <meta>, <link>, <title>, <html> ---- */

const char *page_attr(const xmlChar **attrs, const char *name)
{
	for (size_t i = 0; attrs && attrs[i]; i += 2)
		if (!strcasecmp((const char *)attrs[i], name))
			return attrs[i + 1] ? (const char *)attrs[i + 1] : "";
	return NULL;
}

static void meta_tag(struct meta *m, const xmlChar **n)
{
	const char *key = page_attr(n, "property");
	if (!key)
		key = page_attr(n, "name");
	if (!key)
		key = page_attr(n, "itemprop");
	const char *heq = page_attr(n, "http-equiv");
	const char *v = page_attr(n, "content");
	if (!v)
		return;
	if (heq && !strcasecmp(heq, "content-language")) {
		set(m, M_LANG, S_OTHER, v);
		return;
	}
	if (!key)
		return;
	static const struct {
		const char *key;
		enum field f;
		enum src s;
	} map[] = {
		{ "og:title", M_TITLE, S_OG }, { "twitter:title", M_TITLE, S_META },
		{ "headline", M_TITLE, S_META },
		{ "og:description", M_DESC, S_OG }, { "description", M_DESC, S_META },
		{ "twitter:description", M_DESC, S_OTHER },
		{ "og:url", M_CANON, S_OG },
		{ "og:image", M_IMAGE, S_OG }, { "og:image:url", M_IMAGE, S_OG },
		{ "og:image:secure_url", M_IMAGE, S_OG }, { "twitter:image", M_IMAGE, S_META },
		{ "twitter:image:src", M_IMAGE, S_META }, { "image", M_IMAGE, S_OTHER },
		{ "og:site_name", M_SITE, S_OG }, { "application-name", M_SITE, S_OTHER },
		{ "og:locale", M_LANG, S_OG }, { "dc.language", M_LANG, S_META },
		{ "language", M_LANG, S_META }, { "inlanguage", M_LANG, S_META },
		{ "article:section", M_SECTION, S_OG }, { "section", M_SECTION, S_META },
		{ "articlesection", M_SECTION, S_META }, { "parsely-section", M_SECTION, S_OTHER },
		{ "article:published_time", M_PUB, S_OG }, { "og:published_time", M_PUB, S_OG },
		{ "article:published", M_PUB, S_OG }, { "datepublished", M_PUB, S_META },
		{ "pubdate", M_PUB, S_META }, { "publishdate", M_PUB, S_META },
		{ "publish-date", M_PUB, S_META }, { "date", M_PUB, S_META },
		{ "dc.date", M_PUB, S_META }, { "dc.date.issued", M_PUB, S_META },
		{ "dcterms.created", M_PUB, S_META }, { "dcterms.date", M_PUB, S_META },
		{ "sailthru.date", M_PUB, S_OTHER }, { "parsely-pub-date", M_PUB, S_OTHER },
		{ "article.published", M_PUB, S_OTHER }, { "citation_publication_date", M_PUB, S_OTHER },
		{ "article:modified_time", M_MOD, S_OG }, { "og:updated_time", M_MOD, S_OG },
		{ "article:modified", M_MOD, S_OG }, { "datemodified", M_MOD, S_META },
		{ "dcterms.modified", M_MOD, S_META }, { "last-modified", M_MOD, S_OTHER },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(key, map[i].key)) {
			set(m, map[i].f, map[i].s, v);
			return;
		}
	if (!strcasecmp(key, "author") || !strcasecmp(key, "dc.creator") ||
	    !strcasecmp(key, "article:author") || !strcasecmp(key, "parsely-author") ||
	    !strcasecmp(key, "sailthru.author") || !strcasecmp(key, "byl"))
		set(m, M_AUTHOR, !strcasecmp(key, "author") ? S_META : S_OTHER, v);
}

void meta_element(struct meta *m, enum tag t, const xmlChar **n, const char *text)
{
	switch (t) {
	case T_META:
		meta_tag(m, n);
		break;
	case T_LINK: {
		const char *rel = page_attr(n, "rel");
		if (rel && !strcasecmp(rel, "canonical"))
			set(m, M_CANON, S_LD, page_attr(n, "href"));
		break;
	}
	case T_TITLE:
		set(m, M_TITLE, S_OTHER, text);
		break;
	case T_HTML: {
		const char *l = page_attr(n, "lang");
		if (!l)
			l = page_attr(n, "xml:lang");
		set(m, M_LANG, S_LD, l);   /* the document's own lang attribute wins */
		break;
	}
	case T_SCRIPT: {
		/* the walk hands over the text of JSON-LD scripts only (attrs NULL) */
		const char *ty = page_attr(n, "type");
		if (text && (!n || (ty && strstr(ty, "ld+json"))))
			ld_script(m, text);
		break;
	}
	default:
		break;
	}
}

static char *pick(struct meta *m, enum field f)
{
	for (int s = 0; s < S_NSRC; s++)
		if (m->f[f][s]) {
			char *v = m->f[f][s];
			m->f[f][s] = NULL;
			return v;
		}
	return NULL;
}

static char *iso_date(char *s)
{
	if (!s)
		return NULL;
	int64_t t;
	char buf[DATE_ISO_LEN];
	char *out = NULL;
	if (date_parse(s, &t) == 0 && date_format(t, buf) == 0)
		out = strdup(buf);
	free(s);
	return out;
}

static char *abs_url(const char *base, char *s)
{
	if (!s)
		return NULL;
	char *out = NULL;
	if (url_resolve(base, s, &out) < 0)
		out = NULL;
	free(s);
	return out;
}

/* "en_US" → "en-US"; anything else as written, if it looks like a language tag. */
static char *lang_tag(char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	bool ok = n >= 2 && n <= 35;
	for (size_t i = 0; ok && i < n; i++) {
		if (s[i] == '_')
			s[i] = '-';
		ok = isalnum((unsigned char)s[i]) || s[i] == '-';
	}
	if (!ok) {
		free(s);
		return NULL;
	}
	return s;
}

/* "By Jane Doe and John Roe" / "Jane Doe, John Roe" → the names. */
static void split_authors(struct meta *m, const char *s)
{
	if (!strncasecmp(s, "by ", 3))
		s += 3;
	char *c = strdup(s);
	if (!c)
		return;
	char *save = NULL;
	for (char *tok = strtok_r(c, ",;|", &save); tok; tok = strtok_r(NULL, ",;|", &save)) {
		char *and = strstr(tok, " and ");
		if (and) {
			*and = '\0';
			add_author(m, tok);
			add_author(m, and + 5);
		} else {
			add_author(m, tok);
		}
	}
	free(c);
}

int meta_finish(struct meta *m, const char *base, struct page *p, const char **ret_body)
{
	p->title = pick(m, M_TITLE);
	p->description = pick(m, M_DESC);
	p->site_name = pick(m, M_SITE);
	p->section = pick(m, M_SECTION);
	p->lang = lang_tag(pick(m, M_LANG));
	p->published = iso_date(pick(m, M_PUB));
	p->modified = iso_date(pick(m, M_MOD));
	p->image = abs_url(base, pick(m, M_IMAGE));
	char *canon = abs_url(base, pick(m, M_CANON));
	if (canon) {
		if (url_canonical(canon, &p->canonical_url) < 0)
			p->canonical_url = NULL;
		free(canon);
	}
	if (!m->n_authors) {
		char *a = pick(m, M_AUTHOR);
		if (a)
			split_authors(m, a);
		free(a);
	}
	if (m->n_authors) {
		p->authors = calloc(m->n_authors, sizeof(char *));
		if (!p->authors)
			return -ENOMEM;
		for (size_t i = 0; i < m->n_authors; i++) {
			p->authors[i] = m->authors[i];
			m->authors[i] = NULL;
		}
		p->n_authors = m->n_authors;
		m->n_authors = 0;
	}
	*ret_body = m->f[M_BODY][S_LD];
	return 0;
}
