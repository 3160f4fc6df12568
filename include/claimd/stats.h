/* stats.h — what an operator asks about a running claimd (claimctl status, the Prometheus
 * endpoint): per source, the last fetch (status, time, bytes, duration), a histogram of
 * fetch durations, articles and claims published; replay requests. Recorded by one-line
 * hooks in sched.c, pipeline.c and publish.c; read by status.c and metrics.c. One table per
 * process (the daemon has one loop and no threads of its own). No logging, no I/O. */
#ifndef CLAIMD_STATS_H
#define CLAIMD_STATS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "claimd/fetch.h"

#define STATS_N_BUCKETS 10   /* fetch duration buckets, seconds: see stats_buckets[] */

extern const double stats_buckets[STATS_N_BUCKETS];

/* Outcome classes of a fetch, as the metrics label them. */
enum stats_result { SR_OK = 0, SR_NOT_MODIFIED, SR_HTTP_ERROR, SR_ERROR, SR_N };
extern const char *const stats_result_names[SR_N];

struct stats_source {
	char *name;
	bool fetched;               /* at least one fetch ended */
	long last_status;           /* HTTP status, 0 when none (file://, or no answer) */
	int last_err;               /* -errno of the last fetch, 0 */
	int64_t last_fetch_ms;      /* wall clock of its end */
	uint64_t last_bytes;
	int64_t last_duration_ms;
	int64_t started_ms;         /* monotonic, 0 when no fetch runs */
	uint64_t results[SR_N];     /* fetches by outcome */
	uint64_t bucket[STATS_N_BUCKETS]; /* cumulative: fetches that took <= stats_buckets[i] */
	uint64_t n_duration;
	double sum_duration_s;
	uint64_t bytes;             /* all fetched */
	uint64_t articles, claims;  /* published */
};

struct stats_replay {
	uint64_t snapshots;         /* SNAPSHOT requests answered or queued */
	uint64_t expired;           /* ... answered ["ERR","expired",...] */
	uint64_t bad;               /* malformed requests */
	uint64_t status;            /* STATUS requests */
};

void stats_fetch_begin(const char *source);
void stats_fetch_end(const char *source, const struct fetch_result *r);
void stats_published(const char *source, int claims);
/* kind: "snapshot", "expired", "bad-request", "status" */
void stats_replay(const char *kind);

/* NULL when the source never fetched nor published. */
const struct stats_source *stats_source_get(const char *source);
const struct stats_replay *stats_replay_get(void);
/* Wall-clock time (ms) the process started recording: claimd's start. */
int64_t stats_started_ms(void);
/* Forgets everything (unit tests). */
void stats_reset(void);

#endif
