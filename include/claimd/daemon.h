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
struct clusterer;

struct counters {
	uint64_t articles;      /* published */
	uint64_t claims;        /* published */
	uint64_t bytes;         /* fetched (decompressed) */
	uint64_t fetches;
	uint64_t fetch_errors;
	uint64_t parse_errors;
	uint64_t state_errors;
	uint64_t cluster_updates; /* published */
};

struct daemon {
	struct cfg *cfg;
	struct loop *loop;
	struct store *store;
	struct pub *pub;
	struct fetcher *fetch;
	struct claims_ctx *claims;
	struct sched *sched;
	struct clusterer *cluster;  /* claims across sources; NULL when it could not start */
	int64_t cluster_last_ms;    /* the clusterer's stream time */
	unsigned cluster_since_prune;
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
/* (Re)builds d->cluster from the cluster window in the state database (the claims of the
 * last 72 hours, in order), publishing nothing. Returns the claims in the window or -errno. */
int pipeline_cluster_init(struct daemon *d);

#endif
