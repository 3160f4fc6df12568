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

struct counters {
	uint64_t articles;      /* published */
	uint64_t claims;        /* published */
	uint64_t bytes;         /* fetched (decompressed) */
	uint64_t fetches;
	uint64_t fetch_errors;
	uint64_t parse_errors;
	uint64_t state_errors;
};

struct daemon {
	struct cfg *cfg;
	struct loop *loop;
	struct store *store;
	struct pub *pub;
	struct fetcher *fetch;
	struct claims_ctx *claims;
	struct sched *sched;
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

/* pipeline.c: a fetched body → parsed feed → new or changed articles → claims →
 * journal + publish. Returns the number of articles published, or -errno: -EBADMSG when
 * the body is not a feed (reason in *ret_err, which the caller frees). */
struct sched_source;
int pipeline_process(struct daemon *d, const char *source, const struct cfg_source *cs,
		     const struct fetch_result *r, int64_t *ret_ttl_ms, char **ret_err,
		     bool *ret_wellformed, char **ret_warning);

#endif
