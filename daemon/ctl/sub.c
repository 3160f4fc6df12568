/* ctl/sub.c — `claimctl sub`: subscribe to claimd and print one JSON line per message,
 * {"topic":...,"seq":N,"gseq":N,"body":{...}}, complete, in gseq order, without
 * duplicates.
 *
 * Takes: a PUB endpoint, topic prefixes (default: all), and optionally the replay
 *        endpoint (else the one the heartbeat names, else tcp port + 1), a start gseq.
 * Gives: the gap-free algorithm of DESIGN.md: subscribe first; ask a SNAPSHOT (at start
 *        with --since, again when a topic's seq jumps or a heartbeat's gseq is ahead of
 *        what we have while nothing arrives); hold live messages while a snapshot runs,
 *        then print both merged by gseq, dropping what was already printed.
 * Must not: exit on a bad message: it warns on stderr and goes on. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <zmq.h>

#include "claimd/ctl.h"
#include "claimd/loop.h"
#include "claimd/wire.h"

#define SUB_MAX_TOPICS 64
#define SUB_MAX_BUFFER 1000000   /* messages held while a snapshot runs */
#define SUB_SNAPSHOT_TIMEOUT_MS 5000
#define SUB_DERIVE_AFTER_MS 3000 /* no heartbeat named the replay endpoint: guess */

struct msg {
	char *topic;
	char *body;
	uint64_t seq, gseq;
};

struct tseq {
	char *topic;
	uint64_t seq;
};

struct sub {
	char **topics;
	int n_topics;
	bool want_heartbeat;
	const char *endpoint;
	char *replay;          /* known replay endpoint or NULL */
	bool replay_given;
	void *zctx, *sock, *dealer;
	bool snap_active;
	int64_t snap_deadline;
	uint64_t snap_since;
	bool need_snap;
	struct msg *buf;
	size_t nbuf, capbuf;
	struct tseq *seqs;
	size_t nseqs;
	uint64_t last_printed;
	uint64_t complete;     /* highest END gseq */
	bool started;          /* printed or replayed something */
	bool live_since_hb;
	long count, max_count;
};

static bool wanted(const struct sub *s, const char *topic)
{
	if (s->n_topics == 0)
		return true;
	for (int i = 0; i < s->n_topics; i++)
		if (!strncmp(topic, s->topics[i], strlen(s->topics[i])))
			return true;
	return false;
}

static struct tseq *tseq_find(struct sub *s, const char *topic, bool create)
{
	for (size_t i = 0; i < s->nseqs; i++)
		if (!strcmp(s->seqs[i].topic, topic))
			return &s->seqs[i];
	if (!create)
		return NULL;
	struct tseq *n = realloc(s->seqs, (s->nseqs + 1) * sizeof(*n));
	if (!n)
		return NULL;
	s->seqs = n;
	n[s->nseqs] = (struct tseq){ .topic = strdup(topic), .seq = 0 };
	return n[s->nseqs].topic ? &n[s->nseqs++] : NULL;
}

static void msg_free(struct msg *m)
{
	free(m->topic);
	free(m->body);
}

static uint64_t body_gseq(const char *body, json_t **ret)
{
	json_error_t e;
	json_t *j = json_loads(body, 0, &e);
	uint64_t g = 0;
	if (j && json_is_integer(json_object_get(j, "gseq")))
		g = (uint64_t)json_integer_value(json_object_get(j, "gseq"));
	if (ret)
		*ret = j;
	else
		json_decref(j);
	return g;
}

/* Prints one message; returns true when -n is reached. */
static bool print_msg(struct sub *s, const char *topic, const char *body, uint64_t seq,
		      uint64_t gseq)
{
	json_t *b = NULL;
	body_gseq(body, &b);
	json_t *line = json_pack("{s:s, s:I, s:I, s:o}", "topic", topic, "seq", (json_int_t)seq,
				 "gseq", (json_int_t)gseq, "body", b ? b : json_string(body));
	if (line) {
		json_dumpf(line, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		fflush(stdout);
		json_decref(line);
	}
	s->count++;
	return s->max_count > 0 && s->count >= s->max_count;
}

/* Prints a journalled message unless already printed; tracks its topic's seq. */
static bool emit(struct sub *s, const struct msg *m)
{
	if (m->gseq <= s->last_printed && s->started)
		return false;
	struct tseq *t = tseq_find(s, m->topic, true);
	if (t && t->seq && m->seq > t->seq + 1)
		fprintf(stderr, "claimctl sub: %s: seq jumped from %" PRIu64 " to %" PRIu64
				", %" PRIu64 " message(s) missing\n",
			m->topic, t->seq, m->seq, m->seq - t->seq - 1);
	if (t)
		t->seq = m->seq;
	s->last_printed = m->gseq;
	s->started = true;
	return print_msg(s, m->topic, m->body, m->seq, m->gseq);
}

static int buf_push(struct sub *s, const char *topic, const char *body, uint64_t seq,
		    uint64_t gseq)
{
	if (s->nbuf >= SUB_MAX_BUFFER)
		return -ENOBUFS;
	if (s->nbuf == s->capbuf) {
		size_t cap = s->capbuf ? 2 * s->capbuf : 256;
		struct msg *n = realloc(s->buf, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->buf = n;
		s->capbuf = cap;
	}
	struct msg m = { .topic = strdup(topic), .body = strdup(body), .seq = seq, .gseq = gseq };
	if (!m.topic || !m.body) {
		msg_free(&m);
		return -ENOMEM;
	}
	s->buf[s->nbuf++] = m;
	return 0;
}

static int by_gseq(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;
	return x->gseq < y->gseq ? -1 : x->gseq > y->gseq;
}

/* Prints the held messages in gseq order. Past hi (what the last snapshot covered), a seq
 * jump stops the printing: the rest stays held and another snapshot is asked. Returns
 * true when -n is reached. */
static bool flush_to(struct sub *s, uint64_t hi)
{
	qsort(s->buf, s->nbuf, sizeof(*s->buf), by_gseq);
	bool done = false;
	size_t i = 0;
	for (; i < s->nbuf && !done; i++) {
		struct msg *m = &s->buf[i];
		struct tseq *t = tseq_find(s, m->topic, false);
		if (m->gseq > hi && m->gseq > s->last_printed && t && t->seq &&
		    m->seq > t->seq + 1 && s->replay) {
			s->need_snap = true;
			break;
		}
		done = emit(s, m);
		msg_free(m);
	}
	if (done) {
		for (; i < s->nbuf; i++)
			msg_free(&s->buf[i]);
		s->nbuf = 0;
	} else {
		memmove(s->buf, s->buf + i, (s->nbuf - i) * sizeof(*s->buf));
		s->nbuf -= i;
	}
	return done;
}

static bool flush(struct sub *s)
{
	return flush_to(s, UINT64_MAX);
}

static char *derive_replay(const char *ep)
{
	if (strncmp(ep, "tcp://", 6))
		return NULL;
	const char *c = strrchr(ep, ':');
	if (!c || c < ep + 6)
		return NULL;
	char *end;
	long port = strtol(c + 1, &end, 10);
	if (*end || port <= 0 || port >= 65535)
		return NULL;
	char *r = NULL;
	if (asprintf(&r, "%.*s:%ld", (int)(c - ep), ep, port + 1) < 0)
		return NULL;
	return r;
}

/* The heartbeat names the replay endpoint as bound; a wildcard host becomes the host we
 * reached the publisher on. */
static char *fix_host(const char *replay, const char *pub)
{
	const char *wild[] = { "tcp://0.0.0.0:", "tcp://*:", "tcp://[::]:" };
	for (size_t i = 0; i < sizeof(wild) / sizeof(wild[0]); i++) {
		size_t n = strlen(wild[i]);
		if (!strncmp(replay, wild[i], n) && !strncmp(pub, "tcp://", 6)) {
			const char *c = strrchr(pub, ':');
			char *r = NULL;
			if (c && asprintf(&r, "%.*s:%s", (int)(c - pub), pub, replay + n) >= 0)
				return r;
			return NULL;
		}
	}
	return strdup(replay);
}

static void snap_close(struct sub *s)
{
	if (s->dealer)
		zmq_close(s->dealer);
	s->dealer = NULL;
	s->snap_active = false;
}

static int snap_start(struct sub *s, uint64_t since)
{
	if (!s->replay)
		return -ENOENT;
	snap_close(s);
	s->dealer = zmq_socket(s->zctx, ZMQ_DEALER);
	if (!s->dealer)
		return -errno;
	int zero = 0;
	zmq_setsockopt(s->dealer, ZMQ_LINGER, &zero, sizeof(zero));
	if (zmq_connect(s->dealer, s->replay) < 0) {
		int r = -errno;
		fprintf(stderr, "claimctl sub: cannot connect to %s: %s\n", s->replay,
			zmq_strerror(-r));
		snap_close(s);
		return r;
	}
	char since_s[32];
	snprintf(since_s, sizeof(since_s), "%" PRIu64, since);
	const char *prefix = s->n_topics == 1 ? s->topics[0] : "";
	zmq_send(s->dealer, CLAIMD_REPLAY_SNAPSHOT, strlen(CLAIMD_REPLAY_SNAPSHOT), ZMQ_SNDMORE);
	zmq_send(s->dealer, prefix, strlen(prefix), ZMQ_SNDMORE);
	zmq_send(s->dealer, since_s, strlen(since_s), 0);
	s->snap_active = true;
	s->snap_since = since;
	s->snap_deadline = now_mono_ms() + SUB_SNAPSHOT_TIMEOUT_MS;
	s->need_snap = false;
	return 0;
}

static int recv_all(void *sock, zmq_msg_t *fr, int max)
{
	int n = 0, more = 1;
	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			break;
		}
		more = zmq_msg_more(&m);
		if (n < max)
			fr[n++] = m;
		else
			zmq_msg_close(&m);
	}
	return n;
}

static char *fr_str(zmq_msg_t *m)
{
	char *s = malloc(zmq_msg_size(m) + 1);
	if (s) {
		memcpy(s, zmq_msg_data(m), zmq_msg_size(m));
		s[zmq_msg_size(m)] = '\0';
	}
	return s;
}

static uint64_t fr_le64(zmq_msg_t *m)
{
	if (zmq_msg_size(m) != 8)
		return 0;
	const unsigned char *b = zmq_msg_data(m);
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

/* A reply frame from the replay endpoint. Returns 1 when -n is reached, -1 on a fatal
 * replay error (replay is switched off), 0 otherwise. */
static int on_replay(struct sub *s)
{
	zmq_msg_t fr[5];
	int n = recv_all(s->dealer, fr, 5);
	int ret = 0;
	if (n < 1)
		goto out;
	s->snap_deadline = now_mono_ms() + SUB_SNAPSHOT_TIMEOUT_MS;
	char *kind = fr_str(&fr[0]);
	if (kind && !strcmp(kind, CLAIMD_REPLAY_MSG) && n == 4) {
		char *topic = fr_str(&fr[1]), *body = fr_str(&fr[2]);
		if (topic && body && wanted(s, topic) && strcmp(topic, CLAIMD_TOPIC_HEARTBEAT))
			buf_push(s, topic, body, fr_le64(&fr[3]), body_gseq(body, NULL));
		free(topic);
		free(body);
	} else if (kind && !strcmp(kind, CLAIMD_REPLAY_END) && n >= 2) {
		char *hi = fr_str(&fr[1]);
		uint64_t h = hi ? strtoull(hi, NULL, 10) : 0;
		free(hi);
		if (h > s->complete)
			s->complete = h;
		snap_close(s);
		ret = flush_to(s, h) ? 1 : 0;
		/* every matching message up to h was in the snapshot: complete up to h */
		if (h > s->last_printed)
			s->last_printed = h;
		s->started = true;
	} else if (kind && !strcmp(kind, CLAIMD_REPLAY_ERR) && n >= 3) {
		char *what = fr_str(&fr[1]), *arg = fr_str(&fr[2]);
		if (what && !strcmp(what, "expired")) {
			uint64_t oldest = arg ? strtoull(arg, NULL, 10) : 0;
			fprintf(stderr, "claimctl sub: messages after gseq %" PRIu64 " up to %" PRIu64
					" are no longer retained; continuing from %" PRIu64 "\n",
				s->snap_since, oldest ? oldest - 1 : 0, oldest);
			snap_start(s, oldest ? oldest - 1 : 0);
		} else {
			fprintf(stderr, "claimctl sub: replay refused: %s %s\n", what ? what : "",
				arg ? arg : "");
			snap_close(s);
			ret = flush(s) ? 1 : -1;
		}
		free(what);
		free(arg);
	} else {
		fprintf(stderr, "claimctl sub: unexpected reply from the replay endpoint\n");
	}
	free(kind);
out:
	for (int i = 0; i < n; i++)
		zmq_msg_close(&fr[i]);
	return ret;
}

/* A message from the PUB socket. Returns 1 when -n is reached. */
static int on_live(struct sub *s)
{
	zmq_msg_t fr[4];
	int n = recv_all(s->sock, fr, 4);
	int ret = 0;
	if (n != 3) {
		if (n > 0)
			fprintf(stderr, "claimctl sub: ignoring a message of %d frames\n", n);
		goto out;
	}
	char *topic = fr_str(&fr[0]), *body = fr_str(&fr[1]);
	uint64_t seq = fr_le64(&fr[2]);
	if (!topic || !body)
		goto done;
	json_t *j = NULL;
	uint64_t gseq = body_gseq(body, &j);
	if (!strcmp(topic, CLAIMD_TOPIC_HEARTBEAT)) {
		const char *rep = json_string_value(json_object_get(j, "replay"));
		if (rep && !s->replay_given) {
			char *f = fix_host(rep, s->endpoint);
			if (f && (!s->replay || strcmp(f, s->replay))) {
				free(s->replay);
				s->replay = f;
			} else {
				free(f);
			}
		}
		uint64_t have = s->last_printed > s->complete ? s->last_printed : s->complete;
		if (!s->snap_active && s->started && gseq > have && !s->live_since_hb && s->replay)
			s->need_snap = true;
		s->live_since_hb = false;
		if (s->want_heartbeat && !s->snap_active && print_msg(s, topic, body, seq, gseq))
			ret = 1;
		json_decref(j);
		goto done;
	}
	json_decref(j);
	s->live_since_hb = true;
	if (!wanted(s, topic))
		goto done;
	if (s->snap_active || s->need_snap) {
		if (buf_push(s, topic, body, seq, gseq) < 0)
			fprintf(stderr, "claimctl sub: too many messages held, dropping\n");
		goto done;
	}
	struct tseq *t = tseq_find(s, topic, false);
	if (t && t->seq && seq > t->seq + 1 && s->replay) {
		fprintf(stderr, "claimctl sub: %s: seq jumped from %" PRIu64 " to %" PRIu64
				", filling the gap from %s\n",
			topic, t->seq, seq, s->replay);
		buf_push(s, topic, body, seq, gseq);
		s->need_snap = true;
		goto done;
	}
	struct msg m = { .topic = topic, .body = body, .seq = seq, .gseq = gseq };
	if (emit(s, &m))
		ret = 1;
done:
	free(topic);
	free(body);
out:
	for (int i = 0; i < n; i++)
		zmq_msg_close(&fr[i]);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: claimctl sub [-n COUNT] [--since GSEQ] [--replay ENDPOINT] "
		   "[--timeout SECS] ENDPOINT [TOPIC...]\n"
		   "Prints one JSON line per message: {\"topic\",\"seq\",\"gseq\",\"body\"};\n"
		   "fills gaps from the replay endpoint (default: the one the heartbeat names,\n"
		   "else tcp port + 1), so the output is complete, in gseq order, without "
		   "duplicates.\n");
}

int ctl_sub(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "since", required_argument, NULL, 's' },
		{ "replay", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sub S = { 0 };
	bool have_since = false;
	uint64_t since = 0;
	double timeout = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "n:s:r:t:h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'n':
			S.max_count = strtol(optarg, &end, 10);
			if (*end || S.max_count <= 0) {
				fprintf(stderr, "claimctl sub: -n wants a positive count\n");
				return 2;
			}
			break;
		case 's':
			errno = 0;
			since = strtoull(optarg, &end, 10);
			if (*end || errno || optarg[0] == '-') {
				fprintf(stderr, "claimctl sub: --since wants a gseq\n");
				return 2;
			}
			have_since = true;
			break;
		case 'r':
			free(S.replay);
			S.replay = strdup(optarg);
			S.replay_given = true;
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end || timeout <= 0) {
				fprintf(stderr, "claimctl sub: --timeout wants seconds\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		free(S.replay);
		return 2;
	}
	S.endpoint = argv[optind++];
	S.topics = argv + optind;
	S.n_topics = argc - optind;
	if (S.n_topics > SUB_MAX_TOPICS) {
		fprintf(stderr, "claimctl sub: at most %d topics\n", SUB_MAX_TOPICS);
		return 2;
	}
	S.want_heartbeat = wanted(&S, CLAIMD_TOPIC_HEARTBEAT);
	int ret = 1;
	S.zctx = zmq_ctx_new();
	S.sock = S.zctx ? zmq_socket(S.zctx, ZMQ_SUB) : NULL;
	if (!S.sock) {
		fprintf(stderr, "claimctl sub: %s\n", zmq_strerror(errno));
		goto out;
	}
	int zero = 0;
	zmq_setsockopt(S.sock, ZMQ_LINGER, &zero, sizeof(zero));
	if (S.n_topics == 0)
		zmq_setsockopt(S.sock, ZMQ_SUBSCRIBE, "", 0);
	for (int i = 0; i < S.n_topics; i++)
		zmq_setsockopt(S.sock, ZMQ_SUBSCRIBE, S.topics[i], strlen(S.topics[i]));
	if (!S.want_heartbeat)
		zmq_setsockopt(S.sock, ZMQ_SUBSCRIBE, CLAIMD_TOPIC_HEARTBEAT,
			       strlen(CLAIMD_TOPIC_HEARTBEAT));
	if (zmq_connect(S.sock, S.endpoint) < 0) {
		fprintf(stderr, "claimctl sub: cannot connect to %s: %s\n", S.endpoint,
			zmq_strerror(errno));
		ret = 2;
		goto out;
	}
	int64_t start = now_mono_ms();
	int64_t deadline = timeout > 0 ? start + (int64_t)(timeout * 1000) : 0;
	if (have_since) {
		S.need_snap = true;
		S.snap_since = since;
		S.last_printed = since;
		S.started = true;
	}
	for (;;) {
		int64_t now = now_mono_ms();
		if (deadline && now >= deadline) {
			if (S.max_count > 0) {
				fprintf(stderr, "claimctl sub: timed out after %ld of %ld messages\n",
					S.count, S.max_count);
				ret = 1;
			} else {
				ret = 0;
			}
			break;
		}
		if (S.need_snap && !S.snap_active) {
			if (!S.replay && !S.replay_given && now - start >= SUB_DERIVE_AFTER_MS)
				S.replay = derive_replay(S.endpoint);
			if (S.replay) {
				snap_start(&S, S.last_printed);
			} else if (now - start >= SUB_DERIVE_AFTER_MS) {
				fprintf(stderr, "claimctl sub: no replay endpoint known; gaps stay\n");
				S.need_snap = false;
				if (flush(&S)) {
					ret = 0;
					break;
				}
			}
		}
		if (S.snap_active && now >= S.snap_deadline) {
			fprintf(stderr, "claimctl sub: no answer from %s\n", S.replay);
			snap_close(&S);
			if (flush(&S)) {
				ret = 0;
				break;
			}
		}
		zmq_pollitem_t it[2] = { { .socket = S.sock, .events = ZMQ_POLLIN },
					 { .socket = S.dealer, .events = ZMQ_POLLIN } };
		int n = zmq_poll(it, S.snap_active ? 2 : 1, 100);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "claimctl sub: %s\n", zmq_strerror(errno));
			break;
		}
		int r = 0;
		if (S.snap_active && (it[1].revents & ZMQ_POLLIN))
			r = on_replay(&S);
		if (r == 0 && (it[0].revents & ZMQ_POLLIN))
			r = on_live(&S);
		if (r > 0) {
			ret = 0;
			break;
		}
		if (r < 0) {
			free(S.replay);
			S.replay = NULL;
			S.replay_given = true; /* do not learn it again */
		}
	}
out:
	snap_close(&S);
	for (size_t i = 0; i < S.nbuf; i++)
		msg_free(&S.buf[i]);
	free(S.buf);
	for (size_t i = 0; i < S.nseqs; i++)
		free(S.seqs[i].topic);
	free(S.seqs);
	free(S.replay);
	if (S.sock)
		zmq_close(S.sock);
	if (S.zctx)
		zmq_ctx_term(S.zctx);
	return ret;
}
