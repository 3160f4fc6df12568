/* examples/sub.c — a gap-free claimd subscriber in C (libzmq + jansson): the algorithm of
 * claimctl sub, in one file a subscriber author can copy.
 *
 * usage: sub [--since GSEQ] [-n COUNT] PUB_ENDPOINT REPLAY_ENDPOINT [TOPIC...]
 * build: cc -std=c11 -o sub examples/sub.c -Iinclude $(pkg-config --cflags --libs libzmq jansson)
 *
 * Subscribe first; ask the replay endpoint for a SNAPSHOT of what came after the last gseq
 * we have (at start with --since, again when a topic's seq jumps or a heartbeat's gseq is
 * ahead of us while nothing arrived); hold live messages while the snapshot runs; drop
 * anything whose gseq we already printed. Prints one JSON line per message:
 * {"topic", "seq", "gseq", "body"}. Exit: 0 after COUNT messages, 1 on an error. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <zmq.h>

#include "claimd/wire.h"

#define MAX_TOPICS 64
#define MAX_HELD 1000000
#define REPLAY_TIMEOUT_MS 5000

struct msg {
	char *topic;
	json_t *body;
	uint64_t seq, gseq;
};

struct tseq {
	char *topic;
	uint64_t seq;
};

static const char *prefixes[MAX_TOPICS];
static int n_prefixes;
static uint64_t last;          /* highest gseq printed (or known complete) */
static struct tseq *seqs;
static size_t n_seqs;
static long printed, count;
static struct msg *held;
static size_t n_held, cap_held;

static bool wanted(const char *t)
{
	for (int i = 0; i < n_prefixes; i++)
		if (!strncmp(t, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static struct tseq *seq_of(const char *topic)
{
	for (size_t i = 0; i < n_seqs; i++)
		if (!strcmp(seqs[i].topic, topic))
			return &seqs[i];
	struct tseq *n = realloc(seqs, (n_seqs + 1) * sizeof(*n));
	if (!n)
		exit(1);
	seqs = n;
	seqs[n_seqs] = (struct tseq){ .topic = strdup(topic) };
	return &seqs[n_seqs++];
}

static uint64_t gseq_of(json_t *body)
{
	json_t *g = json_object_get(body, "gseq");
	return json_is_integer(g) ? (uint64_t)json_integer_value(g) : 0;
}

/* Prints a message unless it is a duplicate (replay and live overlap). */
static void out(const char *topic, json_t *body, uint64_t seq)
{
	uint64_t g = gseq_of(body);
	if (g <= last)
		return;
	last = g;
	seq_of(topic)->seq = seq;
	json_t *line = json_pack("{s:s, s:I, s:I, s:O}", "topic", topic, "seq", (json_int_t)seq,
				 "gseq", (json_int_t)g, "body", body);
	char *s = line ? json_dumps(line, JSON_COMPACT) : NULL;
	if (s)
		printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(line);
	if (count && ++printed >= count)
		exit(0);
}

static void hold(const char *topic, json_t *body, uint64_t seq)
{
	if (n_held >= MAX_HELD) {
		fprintf(stderr, "too many messages held\n");
		exit(1);
	}
	if (n_held == cap_held) {
		cap_held = cap_held ? 2 * cap_held : 256;
		held = realloc(held, cap_held * sizeof(*held));
		if (!held)
			exit(1);
	}
	held[n_held++] = (struct msg){ .topic = strdup(topic), .body = json_incref(body),
				       .seq = seq, .gseq = gseq_of(body) };
}

static int by_gseq(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;
	return x->gseq < y->gseq ? -1 : x->gseq > y->gseq;
}

/* Receives one multipart message: up to max frames as NUL-terminated strings (the seq
 * frame is kept as bytes; its length is in lens). Returns the number of frames. */
static int recv_frames(void *sock, char **fr, size_t *lens, int max)
{
	int n = 0, more = 1;
	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, 0) < 0) {
			zmq_msg_close(&m);
			return -1;
		}
		more = zmq_msg_more(&m);
		if (n < max) {
			lens[n] = zmq_msg_size(&m);
			fr[n] = malloc(lens[n] + 1);
			if (lens[n])
				memcpy(fr[n], zmq_msg_data(&m), lens[n]);
			fr[n][lens[n]] = '\0';
			n++;
		}
		zmq_msg_close(&m);
	}
	return n;
}

static void free_frames(char **fr, int n)
{
	for (int i = 0; i < n; i++)
		free(fr[i]);
}

static uint64_t le64(const char *b, size_t len)
{
	uint64_t v = 0;
	for (int i = len == 8 ? 7 : -1; i >= 0; i--)
		v = (v << 8) | (unsigned char)b[i];
	return v;
}

static void send_snapshot(void *d)
{
	char since[32];
	snprintf(since, sizeof(since), "%" PRIu64, last);
	const char *prefix = n_prefixes == 1 ? prefixes[0] : "";
	zmq_send(d, CLAIMD_REPLAY_SNAPSHOT, strlen(CLAIMD_REPLAY_SNAPSHOT), ZMQ_SNDMORE);
	zmq_send(d, prefix, strlen(prefix), ZMQ_SNDMORE);
	zmq_send(d, since, strlen(since), 0);
}

/* A live message from the PUB socket: held while a snapshot runs. */
static void on_live(void *sub, bool snapshotting, bool *quiet, bool *need_snapshot)
{
	char *fr[3];
	size_t lens[3];
	int n = recv_frames(sub, fr, lens, 3);
	if (n != 3) {
		if (n > 0)
			free_frames(fr, n);
		return;
	}
	json_t *body = json_loads(fr[1], 0, NULL);
	uint64_t seq = le64(fr[2], lens[2]);
	if (!body) {
		fprintf(stderr, "%s: body is not JSON, skipped\n", fr[0]);
	} else if (!strcmp(fr[0], CLAIMD_TOPIC_HEARTBEAT)) {
		if (gseq_of(body) > last && *quiet && !snapshotting)
			*need_snapshot = true; /* the publisher is ahead of us: something was missed */
		*quiet = true;
	} else {
		*quiet = false;
		if (!wanted(fr[0])) {
			/* not ours */
		} else if (snapshotting) {
			hold(fr[0], body, seq);
		} else {
			struct tseq *t = seq_of(fr[0]);
			if (t->seq && seq > t->seq + 1) {
				fprintf(stderr, "%s: seq jumped from %" PRIu64 " to %" PRIu64
						", replaying\n",
					fr[0], t->seq, seq);
				hold(fr[0], body, seq);
				*need_snapshot = true;
			} else {
				out(fr[0], body, seq);
			}
		}
	}
	json_decref(body);
	free_frames(fr, n);
}

/* Replays everything after `last`, merged with the live messages that arrive meanwhile. */
static void snapshot(void *ctx, void *sub, const char *replay_ep, bool *quiet)
{
	void *d = zmq_socket(ctx, ZMQ_DEALER);
	int zero = 0;
	zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof(zero));
	if (zmq_connect(d, replay_ep) < 0) {
		fprintf(stderr, "cannot connect to %s: %s\n", replay_ep, zmq_strerror(zmq_errno()));
		exit(1);
	}
	send_snapshot(d);
	for (;;) {
		zmq_pollitem_t it[2] = { { .socket = sub, .events = ZMQ_POLLIN },
					 { .socket = d, .events = ZMQ_POLLIN } };
		if (zmq_poll(it, 2, REPLAY_TIMEOUT_MS) <= 0) {
			fprintf(stderr, "replay endpoint did not answer\n");
			exit(1);
		}
		if (it[0].revents & ZMQ_POLLIN) {
			bool ignored = false;
			on_live(sub, true, quiet, &ignored);
		}
		if (!(it[1].revents & ZMQ_POLLIN))
			continue;
		char *fr[4];
		size_t lens[4];
		int n = recv_frames(d, fr, lens, 4);
		if (n < 1)
			continue;
		if (!strcmp(fr[0], CLAIMD_REPLAY_MSG) && n == 4) {
			json_t *body = json_loads(fr[2], 0, NULL);
			if (body && wanted(fr[1]))
				hold(fr[1], body, le64(fr[3], lens[3]));
			json_decref(body);
		} else if (!strcmp(fr[0], CLAIMD_REPLAY_END) && n >= 2) {
			uint64_t hi = strtoull(fr[1], NULL, 10);
			if (n_held > 1)
				qsort(held, n_held, sizeof(*held), by_gseq);
			size_t k = n_held;
			n_held = 0;
			for (size_t i = 0; i < k; i++) {
				out(held[i].topic, held[i].body, held[i].seq);
				free(held[i].topic);
				json_decref(held[i].body);
			}
			if (hi > last)
				last = hi;
			free_frames(fr, n);
			zmq_close(d);
			return;
		} else if (!strcmp(fr[0], CLAIMD_REPLAY_ERR) && n >= 3 && !strcmp(fr[1], "expired")) {
			/* older messages are gone: say so, and take what is left */
			uint64_t oldest = strtoull(fr[2], NULL, 10);
			fprintf(stderr, "messages after gseq %" PRIu64 " before %" PRIu64
					" are no longer retained\n",
				last, oldest);
			last = oldest ? oldest - 1 : 0;
			send_snapshot(d);
		} else {
			fprintf(stderr, "replay error: %s %s\n", fr[0], n > 1 ? fr[1] : "");
			exit(1);
		}
		free_frames(fr, n);
	}
}

int main(int argc, char **argv)
{
	bool have_since = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--since") && i + 1 < argc) {
			last = strtoull(argv[++i], NULL, 10);
			have_since = true;
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			count = strtol(argv[++i], NULL, 10);
		} else {
			break;
		}
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: sub [--since GSEQ] [-n COUNT] PUB REPLAY [TOPIC...]\n");
		return 2;
	}
	const char *pub_ep = argv[i], *replay_ep = argv[i + 1];
	for (i += 2; i < argc && n_prefixes < MAX_TOPICS; i++)
		prefixes[n_prefixes++] = argv[i];
	if (n_prefixes == 0)
		prefixes[n_prefixes++] = "";
	void *ctx = zmq_ctx_new();
	void *sub = zmq_socket(ctx, ZMQ_SUB);
	for (int k = 0; k < n_prefixes; k++)
		zmq_setsockopt(sub, ZMQ_SUBSCRIBE, prefixes[k], strlen(prefixes[k]));
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, CLAIMD_TOPIC_HEARTBEAT, strlen(CLAIMD_TOPIC_HEARTBEAT));
	if (zmq_connect(sub, pub_ep) < 0) {
		fprintf(stderr, "cannot connect to %s: %s\n", pub_ep, zmq_strerror(zmq_errno()));
		return 1;
	}
	bool quiet = true; /* no message since the last heartbeat */
	if (have_since)
		snapshot(ctx, sub, replay_ep, &quiet);
	for (;;) {
		bool need = false;
		on_live(sub, false, &quiet, &need);
		if (need)
			snapshot(ctx, sub, replay_ep, &quiet);
	}
}
