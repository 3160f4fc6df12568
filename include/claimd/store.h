/* store.h — the SQLite (WAL) state in state_dir/claimd.db: per-source fetch state, the
 * seen-set and the message journal with both counters. No logging: errors come back as
 * -errno (SQLITE_FULL -> -ENOSPC, SQLITE_READONLY -> -EROFS, ...) with a reason
 * available from store_errmsg(). */
#ifndef CLAIMD_STORE_H
#define CLAIMD_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

struct store_source {
	char *url;             /* current URL (a permanent redirect updates it), or NULL */
	char *etag;
	char *last_modified;
	int64_t next_poll_ms;  /* wall clock */
	int errors;            /* consecutive failures */
	int64_t failing_since_ms; /* 0 when healthy */
	char *last_error;
};

/* Opens (creating when needed) state_dir/claimd.db. */
int store_open(const char *state_dir, struct store **ret);
struct store *store_close(struct store *s);
const char *store_errmsg(const struct store *s);

/* The instance's epoch (random, made once when the state is created). */
const char *store_epoch(const struct store *s);

int store_source_get(struct store *s, const char *name, struct store_source *ret);
int store_source_put(struct store *s, const char *name, const struct store_source *src);
void store_source_clear(struct store_source *src);

/* Transactions around an article and its claims. */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* Seen-set. Returns 0 unseen, 1 seen with the same hash, 2 seen with another hash. */
int store_seen(struct store *s, const char *article_id, const char *content_hash);
int store_mark_seen(struct store *s, const char *article_id, const char *content_hash,
		    int64_t now_ms);

/* Journal. Allocates the next gseq and the topic's next seq (both start at 1, never
 * reused), and stores the message. body_fn fills the final body for those numbers
 * (the envelope carries gseq); it returns a new string or NULL on ENOMEM. */
typedef char *(*store_body_fn)(void *ud, uint64_t gseq, uint64_t seq);
int store_journal_append(struct store *s, const char *topic, int64_t now_ms,
			 store_body_fn body_fn, void *ud,
			 uint64_t *ret_gseq, uint64_t *ret_seq, char **ret_body);

/* Reads messages with gseq > since whose topic starts with prefix, in order; calls fn
 * for each until it returns non-zero. */
typedef int (*store_msg_fn)(void *ud, uint64_t gseq, const char *topic, uint64_t seq,
			    const char *body);
int store_journal_scan(struct store *s, const char *prefix, uint64_t since,
		       store_msg_fn fn, void *ud);
uint64_t store_gseq_high(const struct store *s);   /* last gseq handed out, 0 if none */
uint64_t store_gseq_low(struct store *s);          /* oldest retained gseq, 0 if none */
/* Retention: delete older than max_age_ms and beyond max_bytes (0 = no limit). */
int store_journal_prune(struct store *s, int64_t now_ms, int64_t max_age_ms,
			int64_t max_bytes);
int64_t store_journal_bytes(struct store *s);

/* The next seq of a topic that is not journalled (sys/heartbeat), persisted: the stored
 * seq + 1, but at least at_least (so a counter kept in memory while the disk was full
 * never goes back). */
int store_topic_next(struct store *s, const char *topic, uint64_t at_least,
		     uint64_t *ret_seq);
/* The retention floor: 1 + the highest gseq ever pruned (1 when nothing was). A SNAPSHOT
 * since S is complete only when S + 1 >= the floor. */
uint64_t store_gseq_floor(const struct store *s);
/* The cluster window (table cluster_claim): every claim the clusterer took, with the time
 * it took it, so that a restart rebuilds the clusters without publishing anything.
 * put stores one (inside the article's transaction); scan calls fn for those at or after
 * since_ms, oldest first, until fn returns non-zero; prune deletes those before before_ms
 * and all but the newest max_rows. */
int store_cluster_put(struct store *s, int64_t at_ms, const char *claim_json);
typedef int (*store_cluster_fn)(void *ud, int64_t at_ms, const char *claim_json);
int store_cluster_scan(struct store *s, int64_t since_ms, store_cluster_fn fn, void *ud);
int store_cluster_prune(struct store *s, int64_t before_ms, int64_t max_rows);

/* True between store_begin() and store_commit()/store_rollback(). */
bool store_in_tx(const struct store *s);
/* Called after the outermost transaction ends: committed true after a successful
 * store_commit(), false after store_rollback() (what was appended is gone, and its
 * numbers will be handed out again). The publisher holds back sends until then. */
typedef void (*store_tx_fn)(void *ud, bool committed);
void store_set_tx_hook(struct store *s, store_tx_fn fn, void *ud);

/* Delivery cursors: the highest gseq a named consumer (nats.c: "nats:STREAM") has had
 * acknowledged; 0 when none. A put never moves a cursor back. */
int store_cursor_get(struct store *s, const char *name, uint64_t *ret);
int store_cursor_put(struct store *s, const char *name, uint64_t gseq);

/* Article pages. An article that waits for its page is held here (its JSON), queued in
 * the same transaction that marks it seen, so that neither a restart nor kill -9 loses
 * it or fetches a page that was already used; the transaction that journals it marks it
 * done, keeping only its outcome (reason). */
int store_page_queue(struct store *s, const char *id, const char *hash, const char *source,
		     const char *url, const char *article, int64_t now_ms);
/* Counts a fetch attempt of a queued page (a page that keeps crashing the daemon is given
 * up after a few). */
int store_page_attempt(struct store *s, const char *id, const char *hash);
int store_page_done(struct store *s, const char *id, const char *hash, const char *reason,
		    int64_t now_ms);
/* 0: unknown, 1: queued, 2: done (with *ret_reason, which the caller frees, when not
 * NULL). */
int store_page_state(struct store *s, const char *id, const char *hash, char **ret_reason);
/* Every queued article, oldest first, until fn returns non-zero. */
typedef int (*store_page_fn)(void *ud, const char *id, const char *hash, const char *source,
			     const char *url, const char *article, int64_t queued_ms,
			     int attempts);
int store_page_scan(struct store *s, store_page_fn fn, void *ud);

#endif
