/* daemon.h — the running daemon's shared context, owned by main.c; the scheduler and
 * the pipeline borrow it. */
#ifndef CLAIMD_DAEMON_H
#define CLAIMD_DAEMON_H
#include <stdbool.h>
#include <stdint.h>
#include "claimd/claims.h"
#include "claimd/config.h"
#include "claimd/fetch.h"
#include "claimd/loop.h"
#include "claimd/publish.h"
#include "claimd/store.h"

struct sched;
struct pages;
struct page;

struct counters {
	uint64_t articles;      /* published */
	uint64_t claims;        /* published */
	uint64_t bytes;         /* fetched (decompressed) */
	uint64_t fetches;
	uint64_t fetch_errors;
	uint64_t parse_errors;
	uint64_t state_errors;
	uint64_t pages;         /* article pages fetched */
	uint64_t pages_used;    /* ... whose body became the article's text */
};

struct daemon {
	struct cfg *cfg;
	struct loop *loop;
	struct store *store;
	struct pub *pub;
	struct fetcher *fetch;
	struct claims_ctx *claims;
	struct sched *sched;
	struct pages *pages;    /* article pages (pages.c); NULL: never fetched */
	struct counters n;
	bool stopping;
};

/* sched.c: one entry per configured source, polled on its own timer. */
int sched_new(struct daemon *d, struct sched **ret);
struct sched *sched_free(struct sched *s);
/* Applies d->cfg's sources: adds, removes (with a sys/source "removed" event) and
 * updates; keeps the timing of unchanged sources. */
int sched_apply(struct sched *s);
void sched_counts(const struct sched *s, unsigned *ret_ok, unsigned *ret_failing);
/* fetch done callback (ctx = struct daemon *). */
void sched_fetch_done(const struct fetch_result *r, void *ctx);
/* One source as the scheduler sees it (strings borrowed for the call). */
struct sched_info {
	const char *name, *url, *health, *last_error;
	int errors;                 /* consecutive failures */
	int64_t next_poll_ms;       /* wall clock */
	int64_t failing_since_ms;   /* 0 when healthy */
	bool enabled, in_flight;
};
void sched_foreach(const struct sched *s, void (*fn)(const struct sched_info *i, void *ud),
		   void *ud);

/* pipeline.c: a fetched body → parsed feed → new or changed articles → claims → journal
 * + publish, in two steps so that a large feed is spread over several loop passes.
 * pipeline_parse returns 0 and a new JSON array of articles (newest first, as in the
 * feed), or -errno: -EBADMSG when the body is not a feed (reason in *ret_err, which the
 * caller frees). pipeline_publish takes the articles arts[*left - 1] down to arts[0],
 * publishing at most max of them in this call (already seen ones cost a lookup and do not
 * count); it returns how many it published, or -errno on a state database error. */
int pipeline_parse(struct daemon *d, const char *source, const struct cfg_source *cs,
		   const struct fetch_result *r, json_t **ret_arts, int64_t *ret_ttl_ms,
		   char **ret_err, bool *ret_wellformed, char **ret_warning);
int pipeline_publish(struct daemon *d, const char *source, json_t *arts, size_t *left,
		     size_t max, char **ret_err);

/* Article pages (pipeline.c). pipeline_page_wanted says whether an article's page is to
 * be fetched (*ret_want) and why, or why not, as a static reason ("feed-text-short",
 * "feed-text-cut", "fetch-page-always"; "feed-text-long-enough", "fetch-page-never",
 * "no-link", "not-http"). pipeline_apply_page makes the page's body the article's text
 * (text_source "page", text_source_reason why) and fills the fields the feed lacks from
 * the page's metadata; pipeline_feed_text marks an article as published with the feed's
 * text and the reason. pipeline_publish_paged journals and publishes an article that
 * waited for its page (queued under queued_hash), recording outcome; returns claims
 * published or -errno. */
const char *pipeline_page_wanted(const struct cfg_source *cs, const json_t *art, bool *ret_want);
int pipeline_apply_page(json_t *art, const struct page *pg, const char *page_url,
			const char *why);
void pipeline_feed_text(json_t *art, const char *reason, const char *page_url);
int pipeline_publish_paged(struct daemon *d, const char *source, json_t *art,
			   const char *queued_hash, const char *outcome);

/* pages.c: the article page queue. pages_add takes a reference to art, already queued
 * in the store (attempts: fetches started before, from the store); pages_resume reloads
 * what the store holds queued (at start-up); pages_stop cancels page transfers (they are
 * resumed after the restart). */
int pages_new(struct daemon *d, struct pages **ret);
struct pages *pages_free(struct pages *p);
int pages_add(struct pages *p, const char *source, json_t *art, const char *id,
	      const char *hash, const char *why, int attempts);
int pages_resume(struct pages *p);
void pages_stop(struct pages *p);
/* After a reload: articles of removed sources go out now, with the feed's text. */
void pages_apply(struct pages *p);
size_t pages_queued(const struct pages *p);

#endif
