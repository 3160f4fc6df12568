/* article.c — parsed feed items into claimd.article/1 bodies (without the envelope).
 * Takes: a struct feed, the source's name, the feed URL, the fetch time, the id rule.
 * Gives: a JSON array of articles: stable id (SHA-256 of source and GUID, else canonical
 *        URL, else title and date), canonical URL, plain text passed through boiler_clean,
 *        credit, content_hash (SHA-256 of title "\n" text). A GUID repeated within the
 *        fetch, or a feed whose GUIDs are mostly empty or repeated, degrades to the next
 *        rule (a warning says so) unless the source pins its rule.
 * Must not: do I/O, log, or read the clock. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "claimd/article.h"
#include "claimd/boiler.h"
#include "claimd/date.h"
#include "claimd/url.h"

#define ID_HEX 32

static const EVP_MD *sha256_md;

static void sha256_fetch(void)
{
	/* fetched once: an implicit fetch on every EVP_DigestInit_ex costs more than the hash */
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static int sha256_hex(const char *a, size_t alen, const char *b, size_t blen, char *out,
		      size_t hexlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sha256_fetch);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c)
		return -ENOMEM;
	int ok = EVP_DigestInit_ex(c, sha256_md ? sha256_md : EVP_sha256(), NULL) &&
		 EVP_DigestUpdate(c, a, alen) &&
		 EVP_DigestUpdate(c, b, blen) && EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	if (!ok)
		return -EIO;
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	for (unsigned i = 0; i < mdlen && n + 2 <= hexlen; i++) {
		out[n++] = hex[md[i] >> 4];
		out[n++] = hex[md[i] & 15];
	}
	out[n] = '\0';
	return 0;
}

static bool utf8_ok(const char *str, size_t n)
{
	return feed_utf8_valid((const unsigned char *)str, n, NULL) == n;
}

/* json_string(s), with a faster check of the UTF-8 (NULL when it is not valid). */
static json_t *jstr(const char *s)
{
	size_t n = strlen(s);
	return utf8_ok(s, n) ? json_stringn_nocheck(s, n) : NULL;
}

static json_t *str_or_null(const char *s)
{
	json_t *v = s ? jstr(s) : NULL;
	return v ? v : json_null();
}

static bool empty(const char *s)
{
	return !s || !*s;
}

static size_t count_eq(const struct feed *f, size_t upto, const char *s, bool use_id,
		       char *const *canon)
{
	size_t n = 0;
	for (size_t i = 0; i < upto; i++) {
		const char *v = use_id ? f->items[i].id : canon[i];
		if (v && !strcmp(v, s))
			n++;
	}
	return n;
}

static void warn(json_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(json_t *w, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	if (!w)
		return;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	json_array_append_new(w, json_string(s));
	free(s);
}

static int make_id(const char *source, const char *tag, const char *key, char *out)
{
	char *pre = NULL;
	if (asprintf(&pre, "%s\n%s:", source ? source : "", tag) < 0)
		return -ENOMEM;
	int r = sha256_hex(pre, strlen(pre), key, strlen(key), out, ID_HEX);
	free(pre);
	return r;
}

static json_t *authors_json(const struct feed_item *it)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < it->n_authors; i++) {
		json_t *p = json_object();
		json_object_set_new(p, "name", str_or_null(it->authors[i].name));
		json_object_set_new(p, "email", str_or_null(it->authors[i].email));
		json_object_set_new(p, "uri", str_or_null(it->authors[i].uri));
		json_array_append_new(a, p);
	}
	return a;
}

static json_t *categories_json(const struct feed_item *it)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < it->n_categories; i++) {
		json_t *c = json_object();
		json_object_set_new(c, "term", str_or_null(it->categories[i].term));
		json_object_set_new(c, "scheme", str_or_null(it->categories[i].scheme));
		json_object_set_new(c, "label", str_or_null(it->categories[i].label));
		json_array_append_new(a, c);
	}
	return a;
}

static json_t *enclosures_json(const struct feed_item *it)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < it->n_enclosures; i++) {
		const struct feed_enclosure *e = &it->enclosures[i];
		json_t *c = json_object();
		json_object_set_new(c, "url", str_or_null(e->url));
		json_object_set_new(c, "type", str_or_null(e->type));
		json_object_set_new(c, "length", e->length >= 0 ? json_integer(e->length)
								 : json_null());
		json_array_append_new(a, c);
	}
	return a;
}

static int one(const struct feed *f, size_t i, const struct article_opts *o,
	       enum id_rule rule, char *const *canon, json_t *w, json_t **ret)
{
	const struct feed_item *it = &f->items[i];
	char id[ID_HEX + 1], hash[65], fetched[DATE_ISO_LEN] = "";
	int r;

	if (rule == ID_RULE_GUID && !empty(it->id))
		r = make_id(o->source, "guid", it->id, id);
	else if ((rule == ID_RULE_GUID || rule == ID_RULE_LINK) && !empty(canon[i]))
		r = make_id(o->source, "link", canon[i], id);
	else {
		char *key = NULL;
		const char *d = it->published ? it->published
			      : it->published_raw ? it->published_raw : "";
		if (asprintf(&key, "%s\n%s", it->title ? it->title : "", d) < 0)
			return -ENOMEM;
		r = make_id(o->source, "hash", key, id);
		free(key);
	}
	if (r < 0)
		return r;

	const char *body = !empty(it->content) ? it->content : it->summary;
	char *text = NULL, *credit = NULL;
	r = boiler_clean(body ? body : "", &text, &credit);
	if (r < 0)
		return r;
	const char *title = it->title ? it->title : "";
	/* a title longer than any headline (hostile: 1 MB) is cut at a character boundary */
	size_t tlen = strlen(title), tcut = tlen;
	if (tlen > ARTICLE_MAX_TITLE) {
		tcut = ARTICLE_MAX_TITLE;
		while (tcut > 0 && ((unsigned char)title[tcut] & 0xC0) == 0x80)
			tcut--;
	}
	char *sep = NULL;
	if (asprintf(&sep, "%.*s\n", (int)tcut, title) < 0) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = sha256_hex(sep, strlen(sep), text, strlen(text), hash, 64)) < 0)
		goto out;
	if (o->fetched_at_ms > 0)
		date_format(o->fetched_at_ms / 1000, fetched);

	json_t *a = json_object();
	if (!a) {
		r = -ENOMEM;
		goto out;
	}
	json_object_set_new(a, "id", json_string(id));
	json_object_set_new(a, "source", str_or_null(o->source));
	json_object_set_new(a, "url", str_or_null(canon[i]));
	if (tcut < tlen) {
		sep[tcut] = '\0';
		json_object_set_new(a, "title", json_string(sep));
		warn(w, "article '%s': title of %zu bytes cut to %zu (ARTICLE_MAX_TITLE)", id, tlen,
		     tcut);
	} else {
		json_object_set_new(a, "title", str_or_null(it->title));
	}
	json_object_set_new(a, "authors", authors_json(it));
	/* RSS 1.0 feeds often date items only with dc:date (mapped to updated) */
	json_object_set_new(a, "published",
			    str_or_null(it->published ? it->published
				      : it->published_raw ? NULL : it->updated));
	if (!it->published && it->published_raw)
		json_object_set_new(a, "published_raw", str_or_null(it->published_raw));
	json_object_set_new(a, "updated", str_or_null(it->updated));
	json_object_set_new(a, "fetched_at", str_or_null(*fetched ? fetched : NULL));
	json_object_set_new(a, "lang", str_or_null(it->lang ? it->lang : f->language));
	json_object_set_new(a, "summary", str_or_null(it->summary));
	json_object_set_new(a, "text", jstr(text));
	json_object_set_new(a, "credit", str_or_null(credit));
	json_object_set_new(a, "categories", categories_json(it));
	json_object_set_new(a, "enclosures", enclosures_json(it));
	json_object_set_new(a, "content_hash", json_string(hash));
	if (it->date_clamped)
		warn(w, "article '%s': published date more than a day ahead, clamped to now", id);
	*ret = a;
out:
	free(sep);
	free(text);
	free(credit);
	return r;
}

int article_from_feed(const struct feed *f, const struct article_opts *o, json_t **ret,
		      json_t *ret_warnings)
{
	size_t n = f->n_items;
	char **canon = calloc(n ? n : 1, sizeof(*canon));
	json_t *arr = json_array();
	int r = 0;
	if (!canon || !arr) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *link = f->items[i].link;
		char *abs = NULL;
		if (!link)
			continue;
		if (url_resolve(o->feed_url, link, &abs) == 0) {
			if (url_canonical(abs, &canon[i]) < 0)
				canon[i] = NULL;
			free(abs);
		}
	}

	/* The feed's rule: GUIDs unless they are mostly empty or repeated. */
	enum id_rule feed_rule = o->id_rule == ID_RULE_AUTO ? ID_RULE_GUID : o->id_rule;
	if (o->id_rule == ID_RULE_AUTO && n >= 2) {
		size_t bad = 0;
		for (size_t i = 0; i < n; i++)
			if (empty(f->items[i].id) || count_eq(f, n, f->items[i].id, true, canon) > 1)
				bad++;
		if (bad * 2 > n) {
			feed_rule = ID_RULE_LINK;
			warn(ret_warnings, "%s: GUIDs are mostly empty or repeated; ids from links",
			     o->source ? o->source : "feed");
		}
	}
	bool warned_guid = false, warned_link = false;
	for (size_t i = 0; i < n; i++) {
		const struct feed_item *it = &f->items[i];
		enum id_rule rule = feed_rule;
		if (o->id_rule == ID_RULE_AUTO) {
			if (rule == ID_RULE_GUID && !empty(it->id) &&
			    count_eq(f, n, it->id, true, canon) > 1) {
				if (!warned_guid)
					warn(ret_warnings, "GUID '%s' repeated in one fetch; ids from links",
					     it->id);
				warned_guid = true;
				rule = ID_RULE_LINK;
			}
			if ((rule == ID_RULE_LINK || (rule == ID_RULE_GUID && empty(it->id))) &&
			    !empty(canon[i]) && count_eq(f, n, canon[i], false, canon) > 1) {
				if (!warned_link)
					warn(ret_warnings, "link '%s' repeated in one fetch; ids from title and date",
					     canon[i]);
				warned_link = true;
				rule = ID_RULE_HASH;
			}
		}
		json_t *a = NULL;
		if ((r = one(f, i, o, rule, canon, ret_warnings, &a)) < 0)
			goto out;
		json_array_append_new(arr, a);
	}
	*ret = arr;
	arr = NULL;
out:
	if (canon)
		for (size_t i = 0; i < n; i++)
			free(canon[i]);
	free(canon);
	json_decref(arr);
	return r;
}
