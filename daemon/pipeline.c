/* pipeline.c — from a fetched body to published messages, for one source.
 *
 * Takes: the daemon context and a successful fetch result (status 200 or file://).
 * Gives: feed → articles (article.c) → dedup against the seen-set (store.c) → claims
 *        (claims.c) → journal and PUB (publish.c), oldest article first. Each article and
 *        its claims are journalled in one transaction with its seen mark, so a crash
 *        never half-publishes an article and a restart never republishes it.
 * Must not: log (the scheduler logs once per state change); block on the network. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimd/article.h"
#include "claimd/daemon.h"
#include "claimd/feed.h"
#include "claimd/log.h"
#include "claimd/msgid.h"
#include "claimd/wire.h"

static void hex_sha256(const char *a, const char *b, char out[33])
{
	static EVP_MD_CTX *ctx; /* reused: creating one per claim showed in profiles */
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!ctx)
		ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		snprintf(out, 33, "%032x", 0);
		return;
	}
	EVP_DigestUpdate(ctx, a, strlen(a));
	EVP_DigestUpdate(ctx, "\n", 1);
	EVP_DigestUpdate(ctx, b, strlen(b));
	EVP_DigestFinal_ex(ctx, md, &len);
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = 0;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Copies a content-type's charset parameter into buf, or returns NULL. */
static const char *charset_of(const char *ctype, char *buf, size_t len)
{
	const char *p = ctype ? strcasestr(ctype, "charset=") : NULL;
	if (!p)
		return NULL;
	p += 8;
	if (*p == '"')
		p++;
	size_t n = strcspn(p, "\"; \t");
	if (n == 0 || n >= len)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = 0;
	return buf;
}

/* Journals and publishes one article and its claims with its seen mark, inside the
 * caller's transaction when one is open (pipeline_publish groups a batch of articles in
 * one: one commit per batch, the sends wait for it), else in one of its own. A batch, not
 * a whole fetch: a fetch of hundreds of new articles would otherwise leave as one burst of
 * thousands of messages, past a subscriber's high-water mark. Returns claims published
 * or -errno (the caller then rolls the batch back). */
static int publish_article(struct daemon *d, const char *source, json_t *art)
{
	char topic_a[300], topic_c[300];
	snprintf(topic_a, sizeof(topic_a), CLAIMD_TOPIC_ARTICLE "%s", source);
	snprintf(topic_c, sizeof(topic_c), CLAIMD_TOPIC_CLAIM "%s", source);

	const char *id = jstr(art, "id");
	const char *text = jstr(art, "text");
	const char *published = jstr(art, "published");
	json_t *claims = NULL;
	if (d->claims && text && *text && claims_extract(d->claims, text, published, &claims) < 0)
		claims = NULL;

	bool own = !store_in_tx(d->store);
	int r = own ? store_begin(d->store) : 0;
	if (r < 0)
		goto out;
	r = pub_emit(d->pub, topic_a, CLAIMD_SCHEMA_ARTICLE, art, NULL);
	if (r < 0)
		goto rollback;
	size_t i;
	json_t *c;
	int nclaims = 0;
	json_array_foreach(claims, i, c) {
		char cid[33];
		const char *sentence = jstr(c, "sentence");
		char idx[32];
		snprintf(idx, sizeof(idx), "%zu:", i);
		char *key = NULL;
		if (asprintf(&key, "%s%s", idx, sentence ? sentence : "") < 0) {
			r = -ENOMEM;
			goto rollback;
		}
		hex_sha256(id ? id : "", key, cid);
		free(key);
		json_object_set_new(c, "id", json_string(cid));
		json_object_set(c, "article_id", json_object_get(art, "id"));
		json_object_set_new(c, "source", json_string(source));
		json_object_set(c, "url", json_object_get(art, "url"));
		json_object_set(c, "published", json_object_get(art, "published"));
		r = pub_emit(d->pub, topic_c, CLAIMD_SCHEMA_CLAIM, c, NULL);
		if (r < 0)
			goto rollback;
		nclaims++;
	}
	r = store_mark_seen(d->store, id, jstr(art, "content_hash"), now_wall_ms());
	if (r < 0)
		goto rollback;
	r = own ? store_commit(d->store) : 0;
	if (r < 0)
		goto rollback;
	d->n.articles++;
	d->n.claims += (uint64_t)nclaims;
	r = nclaims;
	goto out;
rollback:
	if (own)
		store_rollback(d->store);
out:
	json_decref(claims);
	return r;
}

int pipeline_parse(struct daemon *d, const char *source, const struct cfg_source *cs,
		   const struct fetch_result *r, json_t **ret_arts, int64_t *ret_ttl_ms,
		   char **ret_err, bool *ret_wellformed, char **ret_warning)
{
	char csbuf[64];
	struct feed_opts fo = {
		.base_url = r->effective_url ? r->effective_url : cs->url,
		.http_charset = charset_of(r->content_type, csbuf, sizeof(csbuf)),
		.now_ms = now_wall_ms(),
		.max_items = (size_t)d->cfg->max_items,
	};
	struct feed *f = NULL;
	char *perr = NULL;
	int ret = feed_parse(r->body, r->len, &fo, &f, &perr);
	if (ret < 0) {
		*ret_err = perr ? perr : strdup("not a feed");
		return ret;
	}
	*ret_wellformed = f->wellformed;
	if (f->n_warnings > 0 && ret_warning)
		*ret_warning = strdup(f->warnings[0]);
	*ret_ttl_ms = f->ttl_s * 1000;

	struct article_opts ao = {
		.source = source,
		.feed_url = fo.base_url,
		.fetched_at_ms = fo.now_ms,
		.id_rule = cs->id_rule,
	};
	json_t *warnings = json_array();
	ret = article_from_feed(f, &ao, ret_arts, warnings);
	feed_free(f);
	/* e.g. an id rule that degraded: reported with the feed's own warnings */
	if (ret_warning && !*ret_warning && json_array_size(warnings) > 0)
		*ret_warning = strdup(json_string_value(json_array_get(warnings, 0)));
	json_decref(warnings);
	if (ret < 0) {
		*ret_err = strdup(strerror(-ret));
		return ret;
	}
	return 0;
}

int pipeline_publish(struct daemon *d, const char *source, json_t *arts, size_t *left,
		     size_t max, char **ret_err)
{
	int published = 0;
	/* Group commit: the whole batch in one transaction, sends after its commit. */
	struct counters before = d->n;
	size_t left_before = *left;
	int ret = store_begin(d->store);
	/* Feeds list newest first: publish oldest first, from the end of the array. */
	while (ret == 0 && *left > 0 && (size_t)published < max) {
		json_t *art = json_array_get(arts, *left - 1);
		const char *id = jstr(art, "id");
		const char *hash = jstr(art, "content_hash");
		if (!id || !hash) {
			(*left)--;
			continue;
		}
		int seen = store_seen(d->store, id, hash);
		if (seen < 0) {
			ret = seen;
			break;
		}
		if (seen == 1) {
			(*left)--;
			continue;
		}
		int n = publish_article(d, source, art);
		if (n < 0) {
			ret = n;
			break;
		}
		(*left)--;
		struct log_ctx lc = { .source = source, .url = jstr(art, "url"), .article_id = id };
		log_ev(LOG_DEBUG, MSGID_ARTICLE_PUBLISHED, &lc, "Published article '%s' with %d claims",
		       jstr(art, "title") ? jstr(art, "title") : "", n);
		published++;
	}
	if (ret == 0 && (ret = store_commit(d->store)) < 0)
		published = 0;
	if (ret < 0) {
		char *why = strdup(store_errmsg(d->store) ? store_errmsg(d->store) : strerror(-ret));
		/* Nothing of the batch was sent: it is published again from the next fetch. */
		store_rollback(d->store);
		d->n = before;
		*left = left_before;
		*ret_err = why;
		return ret;
	}
	return published;
}
