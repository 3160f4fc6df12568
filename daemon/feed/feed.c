/* feed/feed.c — the feed model: format detection, shared helpers for xml.c and
 * json.c, feed_free, and the neutral conformance model (feed_model_json).
 * Takes: the bytes of a document as fetched, options (base URL, HTTP charset, now).
 * Gives: struct feed, or -EBADMSG with a reason when the bytes are not a feed.
 * Must not: touch the network or the file system, log, or read the clock. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimd/date.h"
#include "claimd/feed.h"
#include "feed_int.h"

int feed_set_str(char **dst, const char *src)
{
	char *c = NULL;
	if (src && !(c = strdup(src)))
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

int feed_warn(struct feed *f, const char *fmt, ...)
{
	if (f->n_warnings >= FEED_MAX_WARNINGS)
		return 0;
	char **w = realloc(f->warnings, (f->n_warnings + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	f->warnings = w;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&w[f->n_warnings], fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	/* one line each */
	for (char *p = w[f->n_warnings]; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	size_t n = strlen(w[f->n_warnings]);
	while (n > 0 && w[f->n_warnings][n - 1] == ' ')
		w[f->n_warnings][--n] = '\0';
	f->n_warnings++;
	return 0;
}

int feed_item_new(struct feed *f, size_t max_items, struct feed_item **ret)
{
	if (f->n_items >= max_items)
		return -ENOSPC;
	if ((f->n_items & (f->n_items - 1)) == 0) {
		size_t cap = f->n_items ? f->n_items * 2 : 16;
		struct feed_item *items = realloc(f->items, cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		f->items = items;
	}
	struct feed_item *it = &f->items[f->n_items++];
	memset(it, 0, sizeof(*it));
	*ret = it;
	return 0;
}

int feed_set_date(const char *text, int64_t now_ms, char **iso, char **raw, bool *clamped)
{
	int64_t t;
	char buf[DATE_ISO_LEN];
	int r = feed_set_str(raw, text);
	if (r < 0)
		return r;
	if (!text || date_parse(text, &t) < 0 || date_format(t, buf) < 0)
		return feed_set_str(iso, NULL);
	if (clamped) {
		*clamped = false;
		int64_t now = now_ms / 1000;
		if (now_ms > 0 && t > now + 86400 && date_format(now, buf) == 0)
			*clamped = true;
	}
	return feed_set_str(iso, buf);
}

static int grow(void **arr, size_t n, size_t size)
{
	if (n >= 256)
		return -ENOSPC;   /* bounded: at most 256 of each per item */
	void *a = realloc(*arr, (n + 1) * size);
	if (!a)
		return -ENOMEM;
	*arr = a;
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

int feed_add_person(struct feed_item *it, const char *name, const char *email, const char *uri)
{
	if (!(name && *name) && !(email && *email) && !(uri && *uri))
		return 0;
	int r = grow((void **)&it->authors, it->n_authors, sizeof(*it->authors));
	if (r < 0)
		return r == -ENOSPC ? 0 : r;
	struct feed_person *p = &it->authors[it->n_authors++];
	p->name = dup_or_null(name);
	p->email = dup_or_null(email);
	p->uri = dup_or_null(uri);
	return 0;
}

int feed_add_category(struct feed_item *it, const char *term, const char *scheme,
		      const char *label)
{
	if (!term || !*term)
		return 0;
	int r = grow((void **)&it->categories, it->n_categories, sizeof(*it->categories));
	if (r < 0)
		return r == -ENOSPC ? 0 : r;
	struct feed_category *c = &it->categories[it->n_categories++];
	c->term = dup_or_null(term);
	c->scheme = dup_or_null(scheme);
	c->label = dup_or_null(label);
	return c->term ? 0 : -ENOMEM;
}

int feed_add_enclosure(struct feed_item *it, const char *url, const char *type, int64_t length)
{
	if (!url || !*url)
		return 0;
	for (size_t i = 0; i < it->n_enclosures; i++)
		if (!strcmp(it->enclosures[i].url, url))
			return 0;
	int r = grow((void **)&it->enclosures, it->n_enclosures, sizeof(*it->enclosures));
	if (r < 0)
		return r == -ENOSPC ? 0 : r;
	struct feed_enclosure *e = &it->enclosures[it->n_enclosures++];
	e->url = strdup(url);
	e->type = dup_or_null(type);
	e->length = length;
	return e->url ? 0 : -ENOMEM;
}

static void item_free(struct feed_item *it)
{
	free(it->id);
	free(it->title);
	free(it->link);
	free(it->published);
	free(it->published_raw);
	free(it->updated);
	free(it->updated_raw);
	free(it->summary);
	free(it->summary_html);
	free(it->content);
	free(it->content_html);
	free(it->lang);
	for (size_t i = 0; i < it->n_authors; i++) {
		free(it->authors[i].name);
		free(it->authors[i].email);
		free(it->authors[i].uri);
	}
	free(it->authors);
	for (size_t i = 0; i < it->n_categories; i++) {
		free(it->categories[i].term);
		free(it->categories[i].scheme);
		free(it->categories[i].label);
	}
	free(it->categories);
	for (size_t i = 0; i < it->n_enclosures; i++) {
		free(it->enclosures[i].url);
		free(it->enclosures[i].type);
	}
	free(it->enclosures);
}

struct feed *feed_free(struct feed *f)
{
	if (!f)
		return NULL;
	free(f->title);
	free(f->link);
	free(f->subtitle);
	free(f->language);
	free(f->updated);
	free(f->author);
	for (size_t i = 0; i < f->n_items; i++)
		item_free(&f->items[i]);
	free(f->items);
	for (size_t i = 0; i < f->n_warnings; i++)
		free(f->warnings[i]);
	free(f->warnings);
	free(f);
	return NULL;
}

/* Skips whitespace, a BOM, and JavaScript-style comments; returns the first other byte. */
static const char *skip_prolog(const char *p, const char *end)
{
	if (end - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			p++;
		} else if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl + 1 : end;
		} else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
			const char *q = memmem(p + 2, (size_t)(end - p - 2), "*/", 2);
			p = q ? q + 2 : end;
		} else {
			break;
		}
	}
	return p;
}

int feed_parse(const char *buf, size_t len, const struct feed_opts *opts, struct feed **ret,
	       char **ret_err)
{
	struct feed_opts o = opts ? *opts : (struct feed_opts){ 0 };
	if (o.max_items == 0)
		o.max_items = FEED_DEFAULT_MAX_ITEMS;
	if (o.max_nodes == 0)
		o.max_nodes = FEED_DEFAULT_MAX_NODES;
	if (o.max_nodes > FEED_MAX_NODES)
		o.max_nodes = FEED_MAX_NODES;
	if (ret_err)
		*ret_err = NULL;
	if (!buf || len == 0) {
		if (ret_err)
			*ret_err = strdup("empty document");
		return -EBADMSG;
	}
	struct feed *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->wellformed = true;
	char *err = NULL;
	int r;
	const char *end = buf + len;
	const char *p = skip_prolog(buf, end);
	if (p < end && *p == '{') {
		r = feed_json_parse(p, (size_t)(end - p), &o, f, &err);
	} else {
		r = feed_xml_parse(buf, len, &o, f, &err);
	}
	if (r < 0) {
		feed_free(f);
		if (ret_err)
			*ret_err = err;
		else
			free(err);
		return r;
	}
	free(err);
	*ret = f;
	return 0;
}

static void set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v ? json_string(v) : json_null());
}

json_t *feed_model_json(const struct feed *f)
{
	json_t *m = json_object(), *fd = json_object(), *es = json_array();
	if (!m || !fd || !es) {
		json_decref(m);
		json_decref(fd);
		json_decref(es);
		return NULL;
	}
	json_object_set_new(m, "wellformed", json_boolean(f->wellformed));
	json_object_set_new(m, "format", json_string(f->format ? f->format : ""));
	set_str(fd, "title", f->title);
	set_str(fd, "link", f->link);
	set_str(fd, "subtitle", f->subtitle);
	set_str(fd, "language", f->language);
	set_str(fd, "updated", f->updated);
	set_str(fd, "author", f->author);
	json_object_set_new(m, "feed", fd);
	for (size_t i = 0; i < f->n_items; i++) {
		const struct feed_item *it = &f->items[i];
		json_t *e = json_object(), *cats = json_array(), *encs = json_array();
		if (!e || !cats || !encs) {
			json_decref(e);
			json_decref(cats);
			json_decref(encs);
			break;
		}
		set_str(e, "title", it->title);
		set_str(e, "link", it->link);
		set_str(e, "id", it->id);
		set_str(e, "published", it->published);
		set_str(e, "updated", it->updated);
		set_str(e, "author", it->n_authors ? (it->authors[0].name ? it->authors[0].name
								 : it->authors[0].email)
					 : NULL);
		set_str(e, "summary", it->summary);
		set_str(e, "content", it->content);
		for (size_t k = 0; k < it->n_categories; k++)
			json_array_append_new(cats, json_string(it->categories[k].term));
		json_object_set_new(e, "categories", cats);
		for (size_t k = 0; k < it->n_enclosures; k++) {
			const struct feed_enclosure *en = &it->enclosures[k];
			json_t *x = json_object();
			set_str(x, "url", en->url);
			set_str(x, "type", en->type);
			json_object_set_new(x, "length",
					    en->length >= 0 ? json_integer(en->length) : json_null());
			json_array_append_new(encs, x);
		}
		json_object_set_new(e, "enclosures", encs);
		json_array_append_new(es, e);
	}
	json_object_set_new(m, "entries", es);
	if (f->n_warnings) {
		json_t *w = json_array();
		for (size_t i = 0; i < f->n_warnings; i++)
			json_array_append_new(w, json_string(f->warnings[i]));
		json_object_set_new(m, "warnings", w);
	}
	return m;
}
