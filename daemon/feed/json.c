/* feed/json.c — JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) with jansson.
 * Takes: UTF-8 bytes starting at the root object (feed.c skips whitespace and comments).
 * Gives: the feed model; content_html becomes text through html.c, links are resolved
 *        against the feed's URL and kept only when http/https.
 * Must not: log, or accept a document whose "version" is not a JSON Feed version. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "claimd/feed.h"
#include "feed_int.h"
#include "claimd/html.h"
#include "claimd/url.h"

static const char *js(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int plain(const char *s, char **dst)
{
	if (!s)
		return 0;
	char *t = NULL;
	int r = html_plain_text(s, strlen(s), &t);
	if (r < 0)
		return r;
	free(*dst);
	*dst = t;
	return 0;
}

static int link(const struct feed_opts *o, const char *s, char **dst)
{
	char *u = NULL;
	if (!s || *dst)
		return 0;
	int r = url_resolve(o->base_url, s, &u);
	if (r == -ENOMEM)
		return r;
	*dst = u;
	return 0;
}

static int authors(json_t *obj, struct feed_item *it)
{
	json_t *arr = json_object_get(obj, "authors");
	json_t *one = json_object_get(obj, "author");
	size_t i;
	json_t *a;
	int r = 0;
	if (json_is_array(arr)) {
		json_array_foreach(arr, i, a)
			if (json_is_object(a) && (r = feed_add_person(it, js(a, "name"), NULL,
								     js(a, "url"))) < 0)
				return r;
	} else if (json_is_object(one)) {
		r = feed_add_person(it, js(one, "name"), NULL, js(one, "url"));
	}
	return r;
}

static int item(json_t *ji, const struct feed_opts *o, struct feed *f)
{
	struct feed_item *it;
	if (feed_item_new(f, o->max_items, &it) < 0)
		return 0;
	json_t *id = json_object_get(ji, "id");
	int r = 0;
	if (json_is_string(id))
		r = feed_set_str(&it->id, json_string_value(id));
	else if (json_is_integer(id) && asprintf(&it->id, "%lld", (long long)json_integer_value(id)) < 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	if ((r = link(o, js(ji, "url"), &it->link)) < 0 ||
	    (r = link(o, js(ji, "external_url"), &it->link)) < 0 ||
	    (r = plain(js(ji, "title"), &it->title)) < 0 ||
	    (r = plain(js(ji, "summary"), &it->summary)) < 0 ||
	    (r = feed_set_str(&it->lang, js(ji, "language"))) < 0 || (r = authors(ji, it)) < 0)
		return r;
	const char *html = js(ji, "content_html"), *text = js(ji, "content_text");
	if (html) {
		if ((r = feed_set_str(&it->content_html, html)) < 0 ||
		    (r = html_to_text(html, strlen(html), o->base_url, &it->content)) < 0)
			return r;
	} else if ((r = plain(text, &it->content)) < 0) {
		return r;
	}
	if (js(ji, "date_published") &&
	    (r = feed_set_date(js(ji, "date_published"), o->now_ms, &it->published,
			       &it->published_raw, &it->date_clamped)) < 0)
		return r;
	if (js(ji, "date_modified") &&
	    (r = feed_set_date(js(ji, "date_modified"), o->now_ms, &it->updated, &it->updated_raw,
			       NULL)) < 0)
		return r;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(ji, "tags"), i, v)
		if (json_is_string(v) &&
		    (r = feed_add_category(it, json_string_value(v), NULL, NULL)) < 0)
			return r;
	json_array_foreach(json_object_get(ji, "attachments"), i, v) {
		char *u = NULL;
		if (!json_is_object(v) || url_resolve(o->base_url, js(v, "url"), &u) < 0)
			continue;
		json_t *sz = json_object_get(v, "size_in_bytes");
		r = feed_add_enclosure(it, u, js(v, "mime_type"),
				       json_is_integer(sz) ? json_integer_value(sz) : -1);
		free(u);
		if (r < 0)
			return r;
	}
	return 0;
}

/* An upper bound on the values jansson would build: '[', '{' and ',' outside strings, +1. */
static size_t count_values(const char *buf, size_t len, size_t stop)
{
	size_t n = 1;
	bool in_str = false;
	for (size_t i = 0; i < len && n <= stop; i++) {
		char c = buf[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{' || c == ',') {
			n++;
		}
	}
	return n;
}

int feed_json_parse(const char *buf, size_t len, const struct feed_opts *o, struct feed *f,
		    char **ret_err)
{
	json_error_t e;
	size_t max_nodes = o->max_nodes ? o->max_nodes : FEED_DEFAULT_MAX_NODES;
	if (count_values(buf, len, max_nodes) > max_nodes) {
		/* a partial JSON document cannot be read: refused before jansson builds it */
		if (asprintf(ret_err, "JSON document with more than %zu values", max_nodes) < 0)
			*ret_err = NULL;
		return -EBADMSG;
	}
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
	int r = 0;
	if (!root) {
		if (asprintf(ret_err, "not JSON: line %d: %s", e.line, e.text) < 0)
			*ret_err = NULL;
		return -EBADMSG;
	}
	const char *version = js(root, "version");
	if (!json_is_object(root) || !version || !strstr(version, "jsonfeed.org/version/1")) {
		*ret_err = strdup("not a feed: JSON without a JSON Feed \"version\"");
		json_decref(root);
		return -EBADMSG;
	}
	f->format = "json";
	const char *hp = js(root, "home_page_url");
	if ((r = plain(js(root, "title"), &f->title)) < 0 ||
	    (r = plain(js(root, "description"), &f->subtitle)) < 0 ||
	    (r = feed_set_str(&f->language, js(root, "language"))) < 0 ||
	    (hp && (r = link(o, hp, &f->link)) < 0))
		goto out;
	struct feed_item tmp = { 0 };
	if ((r = authors(root, &tmp)) < 0)
		goto out;
	if (tmp.n_authors && tmp.authors[0].name)
		f->author = strdup(tmp.authors[0].name);
	for (size_t i = 0; i < tmp.n_authors; i++) {
		free(tmp.authors[i].name);
		free(tmp.authors[i].email);
		free(tmp.authors[i].uri);
	}
	free(tmp.authors);
	size_t i;
	json_t *ji;
	json_t *items = json_object_get(root, "items");
	json_array_foreach(items, i, ji) {
		if (!json_is_object(ji))
			continue;
		if (f->n_items >= o->max_items) {
			feed_warn(f, "more than %zu items; the rest were skipped", o->max_items);
			break;
		}
		if ((r = item(ji, o, f)) < 0)
			goto out;
	}
out:
	json_decref(root);
	return r;
}
