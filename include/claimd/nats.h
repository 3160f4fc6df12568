/* nats.h — the optional JetStream output ([nats] in claimd.conf): every journalled
 * message, after its commit, published to PREFIX.<topic with / as .> with Nats-Msg-Id set
 * to its stable id, acknowledged asynchronously; a cursor in the state database (the
 * highest gseq JetStream acknowledged, all below it too) from which the journal is resent
 * after a restart, a kill -9, an outage or a lost leader. The nats C client runs its own
 * threads; its callbacks only queue and write an eventfd the loop reads. */
#ifndef CLAIMD_NATS_H
#define CLAIMD_NATS_H
#include <stddef.h>
#include <stdint.h>
#include "claimd/config.h"
#include "claimd/loop.h"
#include "claimd/publish.h"
#include "claimd/store.h"

struct nats;

/* Connects (not waiting for an unreachable cluster: it keeps trying in the background)
 * and creates or checks the stream when the cluster answers. cfg->nats_url empty: *ret
 * is NULL and 0 is returned. Returns -errno with a reason in err when the options are
 * unusable or the stream exists with other subjects. pub (may be NULL) carries the
 * sys/nats status messages. */
int nats_new(struct loop *loop, const struct cfg *cfg, struct store *st, struct pub *pub,
	     struct nats **ret, char *err, size_t errlen);
/* Waits up to 2 s for the acknowledgements in flight, saves the cursor, disconnects. */
struct nats *nats_free(struct nats *n);

/* Something was committed to the journal: publish it soon (from the loop). NULL-safe. */
void nats_kick(void *n);

struct nats_stats {
	uint64_t cursor;     /* highest gseq acknowledged, with everything before it */
	uint64_t published;  /* messages handed to the client */
	uint64_t acked;
	uint64_t duplicates; /* acknowledged as duplicates (a resend JetStream already had) */
	uint64_t errors;     /* negative acknowledgements and timeouts */
	uint64_t backlog;    /* journalled, not yet acknowledged */
	int connected;
};
void nats_stats(const struct nats *n, struct nats_stats *ret);

/* The subject of a topic: prefix "." topic with every '/' as '.' (written to out, at most
 * outlen bytes with the NUL). Returns the length, or -ENAMETOOLONG. Pure. */
int nats_subject(const char *prefix, const char *topic, char *out, size_t outlen);
/* The Nats-Msg-Id of a body: its "id", and for a body with a "content_hash" (an article,
 * whose changed text keeps the id) "id:content_hash". Returns 0 or -EINVAL. Pure. */
int nats_msg_id(const char *body, char *out, size_t outlen);

#endif
