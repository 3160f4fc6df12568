/* pipeline.c — from a fetched body to published messages, for one source.
 *
 * Takes: the daemon context and a successful fetch result (status 200 or file://).
 * Gives: feed → articles (article.c) → dedup against the seen-set (store.c) → claims
 *        (claims.c) → journal and PUB (publish.c), oldest article first. Each article and
 *        its claims are journalled in one transaction with its seen mark, so a crash
 *        never half-publishes an article and a restart never republishes it. Each claim
 *        gets its proposition and goes through the clusterer (cluster/): the updates of the
 *        clusters it joins or contradicts are journalled in the same transaction, with the
 *        claim in the cluster window table that rebuilds the clusterer at start.
 *        An article whose page is wanted (pipeline_page_wanted: fetch_page, the feed
 *        text's length and whether it looks cut) is not published here: it is queued in
 *        the store, marked seen in the same transaction, and handed to pages.c, which
 *        publishes it once through pipeline_publish_paged() with the page's body
 *        (pipeline_apply_page) or with the feed's text and the reason.
 * Must not: log (the scheduler and pages.c log once per state change); block on the
 *        network. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimd/article.h"
#include "claimd/cluster.h"
#include "claimd/daemon.h"
#include "claimd/stats.h"
#include "claimd/feed.h"
#include "claimd/html.h"
#include "claimd/log.h"
#include "claimd/msgid.h"
#include "claimd/page.h"
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

/* SHA-256 hex of title "\n" text: the article's content_hash, as article.c makes it. */
static int content_hash(const char *title, const char *text, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c)
		return -ENOMEM;
	int ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
		 EVP_DigestUpdate(c, title, strlen(title)) && EVP_DigestUpdate(c, "\n", 1) &&
		 EVP_DigestUpdate(c, text, strlen(text)) && EVP_DigestFinal_ex(c, md, &len);
	EVP_MD_CTX_free(c);
	if (!ok)
		return -EIO;
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < len && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = 0;
	return 0;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Whether a text ends as teasers do: an ellipsis, "[...]", "Read more", "Continue
 * reading", possibly followed by an arrow or closing punctuation. */
static bool looks_cut(const char *s)
{
	static const char *const tails[] = {
		"\xe2\x80\xa6", "...", "[...]", "[\xe2\x80\xa6]", "(...)", "read more",
		"continue reading", "read the full story", "read the full article",
		"read full story", "read full article", "full story", "more...",
	};
	static const char *const trail[] = { " ", "\t", "\n", "\r", "\xc2\xa0", "\xc2\xbb",
					      "\xe2\x80\xba", "\xe2\x86\x92", ">", ":", "]",
					      ")", "." };
	if (!s)
		return false;
	size_t n = strlen(s);
	/* strip what may follow the marker ("Read more »", "Continue reading →"), but keep
	 * the dots of an ellipsis */
	for (bool again = true; again && n > 0;) {
		again = false;
		for (size_t i = 0; i < sizeof(trail) / sizeof(trail[0]); i++) {
			size_t l = strlen(trail[i]);
			if (!strcmp(trail[i], ".") && n >= 3 && !strncmp(s + n - 3, "...", 3))
				continue;
			if (!strcmp(trail[i], "]") || !strcmp(trail[i], ")")) {
				/* "[...]" and "(...)" are markers themselves */
				if (n >= 4 && !strncmp(s + n - 4, "...", 3))
					continue;
				if (n >= 4 && !strncmp(s + n - 4, "\xe2\x80\xa6", 3))
					continue;
			}
			if (n >= l && !strncmp(s + n - l, trail[i], l)) {
				n -= l;
				again = true;
			}
		}
	}
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		size_t l = strlen(tails[i]);
		if (n >= l && !strncasecmp(s + n - l, tails[i], l))
			return true;
	}
	return false;
}

const char *pipeline_page_wanted(const struct cfg_source *cs, const json_t *art, bool *ret_want)
{
	*ret_want = false;
	if (cs->fetch_page == FETCH_PAGE_NEVER)
		return "fetch-page-never";
	const char *url = jstr(art, "url");
	if (!url || !*url)
		return "no-link";
	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))
		return "not-http";
	if (cs->fetch_page == FETCH_PAGE_ALWAYS) {
		*ret_want = true;
		return "fetch-page-always";
	}
	const char *text = jstr(art, "text");
	if (!text || utf8_chars(text) < (size_t)cs->page_min_chars) {
		*ret_want = true;
		return "feed-text-short";
	}
	if (looks_cut(text) || looks_cut(jstr(art, "summary"))) {
		*ret_want = true;
		return "feed-text-cut";
	}
	return "feed-text-long-enough";
}

static bool empty_field(const json_t *art, const char *key)
{
	const json_t *v = json_object_get(art, key);
	return !v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)) ||
	       (json_is_array(v) && json_array_size(v) == 0);
}

static void fill(json_t *art, const char *key, const char *v)
{
	if (v && *v && empty_field(art, key))
		json_object_set_new(art, key, json_string(v));
}

int pipeline_apply_page(json_t *art, const struct page *pg, const char *page_url,
			const char *why)
{
	if (!pg || !pg->text)
		return -EINVAL;
	json_object_set_new(art, "text", json_string(pg->text));
	json_object_set_new(art, "text_source", json_string("page"));
	json_object_set_new(art, "text_source_reason", json_string(why ? why : "fetched"));
	json_object_set_new(art, "page_url", page_url ? json_string(page_url) : json_null());
	/* the feed wins where it has a value; the page fills what it lacks */
	fill(art, "title", pg->title);
	fill(art, "published", pg->published);
	fill(art, "updated", pg->modified);
	fill(art, "lang", pg->lang);
	fill(art, "summary", pg->description);
	fill(art, "canonical_url", pg->canonical_url);
	fill(art, "section", pg->section);
	fill(art, "image", pg->image);
	if (empty_field(art, "authors") && pg->n_authors > 0) {
		json_t *a = json_array();
		for (size_t i = 0; a && i < pg->n_authors; i++)
			if (pg->authors[i] && *pg->authors[i])
				json_array_append_new(a, json_pack("{s:s, s:n, s:n}", "name",
								   pg->authors[i], "email", "uri"));
		if (a)
			json_object_set_new(art, "authors", a);
	}
	char hash[65];
	const char *title = jstr(art, "title");
	if (content_hash(title ? title : "", pg->text, hash) < 0)
		return -ENOMEM;
	json_object_set_new(art, "content_hash", json_string(hash));
	return 0;
}

void pipeline_feed_text(json_t *art, const char *reason, const char *page_url)
{
	json_object_set_new(art, "text_source", json_string("feed"));
	json_object_set_new(art, "text_source_reason", json_string(reason ? reason : "unknown"));
	json_object_set_new(art, "page_url", page_url ? json_string(page_url) : json_null());
}

#define CLUSTER_PRUNE_EVERY 1024  /* claims between prunes of the cluster window table */

static int rebuild_one(void *ud, int64_t at_ms, const char *claim_json)
{
	struct daemon *d = ud;
	json_t *c = json_loads(claim_json, 0, NULL);
	json_t *ups = NULL;
	/* a row that does not read (it never should) is skipped, not fatal */
	if (c && clusterer_add(d->cluster, c, at_ms, &ups) == 0)
		d->cluster_last_ms = at_ms;
	json_decref(ups);
	json_decref(c);
	return 0;
}

int pipeline_cluster_init(struct daemon *d)
{
	d->cluster = clusterer_free(d->cluster);
	struct cluster_opts o = { .window_ms = CLUSTER_DEFAULT_WINDOW_MS,
				  .max_claims = CLUSTER_DEFAULT_MAX_CLAIMS,
				  .quiet_singletons = true };
	int r = clusterer_new(&o, &d->cluster);
	if (r < 0)
		return r;
	d->cluster_last_ms = 0;
	/* the claims still in the window, in the order they came: the same clusters again,
	 * and nothing published */
	r = store_cluster_scan(d->store, now_wall_ms() - o.window_ms, rebuild_one, d);
	if (r < 0)
		d->cluster = clusterer_free(d->cluster);
	return r < 0 ? r : (int)clusterer_claims(d->cluster);
}

/* The claim through the clusterer: its cluster updates journalled and sent, the claim in
 * the window table. Inside the article's transaction. Returns 0 or -errno. */
static int cluster_claim(struct daemon *d, json_t *c)
{
	int64_t now = now_wall_ms();
	if (now < d->cluster_last_ms)
		now = d->cluster_last_ms; /* the clock went back: the stream time does not */
	json_t *ups = NULL;
	int r = clusterer_add(d->cluster, c, now, &ups);
	if (r < 0)
		return r == -EINVAL ? 0 : r;
	d->cluster_last_ms = now;
	char *text = json_dumps(c, JSON_COMPACT);
	r = text ? store_cluster_put(d->store, now, text) : -ENOMEM;
	free(text);
	size_t i;
	json_t *u;
	json_array_foreach(ups, i, u) {
		if (r < 0)
			break;
		char topic[64];
		snprintf(topic, sizeof(topic), CLAIMD_TOPIC_CLUSTER "%s",
			 json_string_value(json_object_get(u, "cluster")));
		r = pub_emit(d->pub, topic, CLAIMD_SCHEMA_CLUSTER, u, NULL);
		if (r == 0)
			d->n.cluster_updates++;
	}
	json_decref(ups);
	if (r == 0 && ++d->cluster_since_prune >= CLUSTER_PRUNE_EVERY) {
		d->cluster_since_prune = 0;
		r = store_cluster_prune(d->store, now - CLUSTER_DEFAULT_WINDOW_MS,
					CLUSTER_DEFAULT_MAX_CLAIMS);
	}
	return r;
}

/* Journals and publishes one article and its claims with its seen mark, or, for an
 * article that waited for its page (page_hash set: the feed's content hash it was queued
 * under), with the page's outcome; inside the caller's transaction when one is open
 * (pipeline_publish groups a batch of articles in one: one commit per batch, the sends
 * wait for it), else in one of its own. A batch, not a whole fetch: a fetch of hundreds
 * of new articles would otherwise leave as one burst of thousands of messages, past a
 * subscriber's high-water mark. Returns claims published or -errno (the caller then
 * rolls the batch back). */
static int publish_article(struct daemon *d, const char *source, json_t *art,
			   const char *page_hash, const char *page_outcome)
{
	char topic_a[300], topic_c[300];
	snprintf(topic_a, sizeof(topic_a), CLAIMD_TOPIC_ARTICLE "%s", source);
	snprintf(topic_c, sizeof(topic_c), CLAIMD_TOPIC_CLAIM "%s", source);

	const char *id = jstr(art, "id");
	const char *text = jstr(art, "text");
	const char *published = jstr(art, "published");
	json_t *claims = NULL;
	struct claims_stats cst = { 0 };
	if (d->claims && text && *text &&
	    claims_extract_ex(d->claims, text, published, &claims, &cst) < 0)
		claims = NULL;
	size_t text_len = text ? strlen(text) : 0;
	if (d->claims && text_len > CLAIMS_TEXT_MAX) {
		struct log_ctx lc = { .source = source, .url = jstr(art, "url"), .article_id = id };
		log_ev(LOG_NOTICE, MSGID_ARTICLE_CUT, &lc,
		       "Article '%s' of %s has %zu bytes of text%s; claims read from the first %u "
		       "only (CLAIMS_TEXT_MAX)",
		       id, source, text_len,
		       text_len + 16 >= HTML_TEXT_MAX ? ", cut there (HTML_TEXT_MAX)" : "",
		       CLAIMS_TEXT_MAX);
	}
	if (cst.untagged) {
		struct log_ctx lc = { .source = source, .url = jstr(art, "url"), .article_id = id };
		log_ev(LOG_DEBUG, MSGID_CLAIMS_UNTAGGED, &lc,
		       "Claims of article '%s': %zu sentences read without part-of-speech tags",
		       id ? id : "", cst.untagged);
	}

	bool clustered = false;
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
		if (!json_object_get(c, "proposition")) {
			const json_t *sp = json_object_get(c, "speaker");
			char *prop = cluster_proposition(sentence, sp ? jstr(sp, "text") : NULL,
							 jstr(c, "cue"));
			if (prop)
				json_object_set_new(c, "proposition", json_string(prop));
			free(prop);
		}
		r = pub_emit(d->pub, topic_c, CLAIMD_SCHEMA_CLAIM, c, NULL);
		if (r < 0)
			goto rollback;
		nclaims++;
		if (d->cluster) {
			clustered = true;
			r = cluster_claim(d, c);
			if (r < 0)
				goto rollback;
		}
	}
	if (page_hash)
		r = store_page_done(d->store, id, page_hash, page_outcome, now_wall_ms());
	else
		r = store_mark_seen(d->store, id, jstr(art, "content_hash"), now_wall_ms());
	if (r < 0)
		goto rollback;
	r = own ? store_commit(d->store) : 0;
	if (r < 0)
		goto rollback;
	d->n.articles++;
	d->n.claims += (uint64_t)nclaims;
	stats_published(source, nclaims);
	r = nclaims;
	goto out;
rollback:
	if (own) {
		store_rollback(d->store);
		/* the clusterer went ahead of the database: back to what was committed (in a
		 * batch, the caller does it after rolling the whole batch back) */
		if (clustered && pipeline_cluster_init(d) < 0)
			d->cluster = clusterer_free(d->cluster);
	}
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

/* Holds an article for its page: queued with its JSON and marked seen in one
 * transaction (so the next poll does not queue it again, and a restart resumes it), then
 * handed to pages.c. */
static int queue_for_page(struct daemon *d, const char *source, json_t *art, const char *why)
{
	const char *id = jstr(art, "id"), *hash = jstr(art, "content_hash");
	json_object_set_new(art, "text_source_reason", json_string(why));
	char *dump = json_dumps(art, JSON_COMPACT);
	if (!dump)
		return -ENOMEM;
	int64_t now = now_wall_ms();
	int r = store_begin(d->store);
	if (r < 0)
		goto out;
	if ((r = store_page_queue(d->store, id, hash, source, jstr(art, "url"), dump, now)) < 0 ||
	    (r = store_mark_seen(d->store, id, hash, now)) < 0 ||
	    (r = store_commit(d->store)) < 0) {
		store_rollback(d->store);
		goto out;
	}
	r = pages_add(d->pages, source, art, id, hash, why, 0);
out:
	free(dump);
	return r;
}

int pipeline_publish_paged(struct daemon *d, const char *source, json_t *art,
			   const char *queued_hash, const char *outcome)
{
	int n = publish_article(d, source, art, queued_hash, outcome);
	if (n < 0)
		return n;
	const char *id = jstr(art, "id");
	struct log_ctx lc = { .source = source, .url = jstr(art, "url"), .article_id = id };
	log_ev(LOG_DEBUG, MSGID_ARTICLE_PUBLISHED, &lc, "Published article '%s' with %d claims",
	       jstr(art, "title") ? jstr(art, "title") : "", n);
	return n;
}

int pipeline_publish(struct daemon *d, const char *source, json_t *arts, size_t *left,
		     size_t max, char **ret_err)
{
	int published = 0;
	/* Group commit: the whole batch in one transaction, sends after its commit. */
	struct counters before = d->n;
	size_t left_before = *left;
	int ret = store_begin(d->store);
	const struct cfg_source *cs = NULL; /* looked up once, at the first new article */
	bool cs_looked = false;
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
		if (!cs_looked) {
			cs = d->pages ? sched_source_cfg(d, source) : NULL;
			cs_looked = true;
		}
		bool want = false;
		const char *why = cs ? pipeline_page_wanted(cs, art, &want) : "fetch-page-never";
		if (want) {
			/* Held for its page in a transaction of its own, handed to pages.c only
			 * once committed: commit what the batch has so far, then go on in a new
			 * one. */
			if ((ret = store_commit(d->store)) < 0)
				break;
			before = d->n;
			left_before = *left;
			int q = queue_for_page(d, source, art, why);
			if (q < 0) {
				ret = q;
				break;
			}
			if ((ret = store_begin(d->store)) < 0)
				break;
			left_before = *left - 1;
			(*left)--;
			published++; /* a transaction: counts toward this pass */
			continue;
		}
		pipeline_feed_text(art, why, NULL);
		int n = publish_article(d, source, art, NULL, NULL);
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
		if (d->cluster && pipeline_cluster_init(d) < 0)
			d->cluster = clusterer_free(d->cluster);
		d->n = before;
		*left = left_before;
		*ret_err = why;
		return ret;
	}
	return published;
}
