/* wire.h — public constants of claimd's ZeroMQ wire format, for C subscribers.
 * Every PUB message is three frames: topic, JSON body, 8-byte little-endian per-topic seq. */
#ifndef CLAIMD_WIRE_H
#define CLAIMD_WIRE_H

#define CLAIMD_TOPIC_ARTICLE   "article/"    /* + source */
#define CLAIMD_TOPIC_CLAIM     "claim/"      /* + source */
#define CLAIMD_TOPIC_HEARTBEAT "sys/heartbeat"
#define CLAIMD_TOPIC_SOURCE    "sys/source/" /* + source */

#define CLAIMD_SCHEMA_ARTICLE   "claimd.article/1"
#define CLAIMD_SCHEMA_CLAIM     "claimd.claim/1"
#define CLAIMD_SCHEMA_HEARTBEAT "claimd.heartbeat/1"
#define CLAIMD_SCHEMA_SOURCE    "claimd.source/1"
#define CLAIMD_SCHEMA_STATUS    "claimd.status/1"  /* the STATUS answer (not published) */

/* Replay (ROUTER): request ["SNAPSHOT", prefix, since-gseq (decimal)];
 * replies ["MSG", topic, body, seq], then ["END", high-gseq, epoch];
 * or ["ERR", "expired", oldest-gseq] / ["ERR", "bad-request", reason]. */
#define CLAIMD_REPLAY_SNAPSHOT "SNAPSHOT"
#define CLAIMD_REPLAY_MSG      "MSG"
#define CLAIMD_REPLAY_END      "END"
#define CLAIMD_REPLAY_ERR      "ERR"
#define CLAIMD_REPLAY_STATUS   "STATUS"   /* ["STATUS"] -> ["STATUS", schema, json] */

#define CLAIMD_DEFAULT_PUBLISH "tcp://127.0.0.1:5556"
#define CLAIMD_DEFAULT_REPLAY  "tcp://127.0.0.1:5557"

#endif
