/* publish.h — the ZeroMQ side: PUB socket(s) sending [topic, body, seq(8 bytes LE)],
 * the ROUTER replay socket (SNAPSHOT / MSG / END / ERR), the envelope fields of every
 * body (schema, id, gseq, epoch, emitted_at). A message goes to the journal first. */
#ifndef CLAIMD_PUBLISH_H
#define CLAIMD_PUBLISH_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "claimd/config.h"
#include "claimd/loop.h"
#include "claimd/store.h"

struct pub;

/* Binds every publish endpoint and the replay endpoint. Refuses a non-loopback tcp://
 * endpoint without CURVE keys. On failure returns -errno and writes a reason to err. */
int pub_new(void *zctx, struct loop *loop, const struct cfg *cfg, struct store *st,
	    struct pub **ret, char *err, size_t errlen);
struct pub *pub_free(struct pub *p);
/* Who answers ["STATUS"] on the replay socket: fn returns a JSON text the caller frees
 * (NULL: none). */
void pub_set_status(struct pub *p, char *(*fn)(void *ud), void *ud);

/* On reload: reads the CURVE keys again (the secret key, rebinding the sockets when it
 * changed, and curve_client_keys_dir). Returns the number of client keys, 0 without
 * CURVE, or -errno with a reason in err (the old keys stay). */
int pub_reload_keys(struct pub *p, const struct cfg *cfg, char *err, size_t errlen);

/* Adds schema (e.g. "claimd.article/1"), gseq, epoch, emitted_at to body (borrowed,
 * modified), journals it, then sends it. Returns 0 or -errno (journal failure: nothing
 * was sent). ret_gseq may be NULL. */
int pub_emit(struct pub *p, const char *topic, const char *schema, json_t *body,
	     uint64_t *ret_gseq);

/* Sends a body that is not journalled (sys/heartbeat): its gseq is the current high
 * gseq (the replay cursor a subscriber compares with), its seq the topic's own counter
 * (persisted). Returns 0 or -errno. */
int pub_heartbeat(struct pub *p, json_t *body);

/* fn(ud) is called after journalled messages were committed and sent (the JetStream
 * output publishes them from the journal). */
void pub_set_sent_hook(struct pub *p, void (*fn)(void *ud), void *ud);

/* Counters for heartbeat / STATUS. */
uint64_t pub_sent(const struct pub *p);

#endif
