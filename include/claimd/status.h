/* status.h — the running daemon described as one JSON object (claimd.status/1), the
 * answer to ["STATUS"] on the replay socket that `claimctl status` asks. */
#ifndef CLAIMD_STATUS_H
#define CLAIMD_STATUS_H
#include <jansson.h>

struct daemon;

/* A new object: version, pid, start time, epoch, gseq, counters, replay requests and
 * every source (health, last fetch, next poll, errors, articles, claims). */
json_t *status_build(struct daemon *d);
/* status_build as compact JSON text for pub_set_status (ud = struct daemon *); the caller
 * frees it. */
char *status_text(void *ud);

#endif
