/* ctl/sub.c — `claimctl sub`: subscribe to claimd and print what it publishes, complete,
 * in gseq order, without duplicates, with the habits of mosquitto_sub (-t, -v, -C, -W) and
 * journalctl (-n, --since).
 *
 * Takes: a PUB endpoint, topic prefixes (-t, repeatable, or trailing arguments; default:
 *        everything but heartbeats), optionally the replay endpoint (else the one the
 *        heartbeat names, else tcp port + 1), where to start (-n N: the last N retained
 *        messages, the default being 10; --since GSEQ | DURATION | DATE), filters (source,
 *        stance) and an output format (json lines, pretty JSON, one human line).
 * Gives: the gap-free algorithm of DESIGN.md: subscribe first; once connected ask a
 *        SNAPSHOT (at start, again when a topic's seq jumps or a heartbeat's gseq is ahead
 *        of what we have while nothing arrives); hold live messages while a snapshot runs,
 *        then print both merged by gseq, dropping what was already printed.
 *        Exit status: 0 (-C reached), 1 (the endpoint does not answer, or another error),
 *        2 (usage), 27 (the -W timeout passed, as mosquitto_sub).
 * Must not: exit on a bad message: it warns on stderr and goes on. Filters act on what is
 *        printed only: every message still counts for gap detection. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <zmq.h>

#include "claimd/config.h"
#include "claimd/ctl.h"
#include "claimd/date.h"
#include "claimd/loop.h"
#include "claimd/wire.h"

#define SUB_MAX_TOPICS 64
#define SUB_MAX_FILTERS 64
#define SUB_MAX_BUFFER 1000000   /* messages held while a snapshot runs */
#define SUB_MAX_TAIL 1000000     /* largest -n */
#define SUB_DEFAULT_TAIL 10
#define SUB_SNAPSHOT_TIMEOUT_MS 5000
#define SUB_DERIVE_AFTER_MS 3000 /* no heartbeat named the replay endpoint: guess */
#define SUB_CONNECT_WAIT_MS 3000 /* the PUB endpoint must answer within this */
#define SUB_EXIT_TIMEOUT 27      /* mosquitto_sub's status when -W passes */

enum fmt { FMT_JSON, FMT_PRETTY, FMT_TEXT };

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
	const char *topics[SUB_MAX_TOPICS];
	int n_topics;
	const char *sources[SUB_MAX_FILTERS];
	int n_sources;
	const char *stances[SUB_MAX_FILTERS];
	int n_stances;
	bool want_heartbeat;
	bool verbose;
	enum fmt fmt;
	int64_t since_t;       /* print only messages emitted at or after (Unix s); 0: all */
	const char *endpoint;
	char *replay;          /* known replay endpoint or NULL */
	bool replay_given;
	void *zctx, *sock, *dealer, *mon;
	bool connected;
	bool snap_active;
	int64_t snap_deadline;
	uint64_t snap_since;
	bool need_snap;
	bool start_snap;       /* ask a snapshot once connected */
	struct msg *buf;
	size_t nbuf, capbuf;
	long tail_n;           /* -n: keep the last N of the first snapshot; -1: off */
	bool tail_active;      /* the first snapshot is running in -n mode */
	struct msg *ring;      /* its last tail_n printable messages, oldest at ring_head */
	size_t ring_len, ring_head;
	struct tseq *seqs;
	size_t nseqs;
	uint64_t last_printed;
	uint64_t complete;     /* highest END gseq */
	bool started;          /* printed or replayed something */
	bool live_since_hb;
	long count, max_count;
};

static bool topic_wanted(const struct sub *s, const char *topic)
{
	if (!strcmp(topic, CLAIMD_TOPIC_HEARTBEAT))
		return s->want_heartbeat;
	if (s->n_topics == 0)
		return true;
	for (int i = 0; i < s->n_topics; i++)
		if (!strncmp(topic, s->topics[i], strlen(s->topics[i])))
			return true;
	return false;
}

static bool in_list(const char *const *list, int n, const char *v)
{
	for (int i = 0; v && i < n; i++)
		if (!strcmp(list[i], v))
			return true;
	return false;
}

/* Whether a message is printed: its topic, source, stance and time. */
static bool printable(const struct sub *s, const char *topic, json_t *b)
{
	if (!topic_wanted(s, topic))
		return false;
	bool hb = !strcmp(topic, CLAIMD_TOPIC_HEARTBEAT);
	if (s->n_sources && !hb &&
	    !in_list(s->sources, s->n_sources, json_string_value(json_object_get(b, "source"))))
		return false;
	if (s->n_stances &&
	    !in_list(s->stances, s->n_stances, json_string_value(json_object_get(b, "stance"))))
		return false;
	if (s->since_t) {
		int64_t t;
		const char *at = json_string_value(json_object_get(b, "emitted_at"));
		if (!at || date_parse(at, &t) < 0 || t < s->since_t)
			return false;
	}
	return true;
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

/* Records that topic reached seq (never goes back). */
static void tseq_note(struct sub *s, const char *topic, uint64_t seq)
{
	struct tseq *t = tseq_find(s, topic, true);
	if (t && seq > t->seq)
		t->seq = seq;
}

static void msg_free(struct msg *m)
{
	free(m->topic);
	free(m->body);
}

static json_t *body_parse(const char *body)
{
	json_error_t e;
	json_t *j = json_loads(body, 0, &e);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static uint64_t body_gseq(json_t *j)
{
	json_t *g = json_object_get(j, "gseq");
	return json_is_integer(g) && json_integer_value(g) > 0 ? (uint64_t)json_integer_value(g) : 0;
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* "2026-12-04T18:34:05.123Z" as "2026-12-04 18:34:05". */
static void text_time(json_t *b, char out[20])
{
	const char *at = jstr(b, "emitted_at");
	if (!at || strlen(at) < 19) {
		snprintf(out, 20, "%-19s", "-");
		return;
	}
	memcpy(out, at, 19);
	out[10] = ' ';
	out[19] = '\0';
}

/* One human line per message: time, source, kind or stance, speaker: sentence. */
static void print_text(const char *topic, json_t *b)
{
	char t[20];
	text_time(b, t);
	const char *src = jstr(b, "source");
	if (!strncmp(topic, CLAIMD_TOPIC_CLAIM, strlen(CLAIMD_TOPIC_CLAIM))) {
		json_t *sp = json_object_get(b, "speaker");
		const char *who = jstr(sp, "name");
		if (!who)
			who = jstr(sp, "text");
		printf("%s %s %-9s %s: %s\n", t, src ? src : "-", jstr(b, "stance") ? jstr(b, "stance") : "-",
		       who ? who : "(unattributed)", jstr(b, "sentence") ? jstr(b, "sentence") : "");
	} else if (!strncmp(topic, CLAIMD_TOPIC_ARTICLE, strlen(CLAIMD_TOPIC_ARTICLE))) {
		const char *url = jstr(b, "url");
		printf("%s %s %-9s %s%s%s%s\n", t, src ? src : "-", "article",
		       jstr(b, "title") ? jstr(b, "title") : "(no title)", url ? " <" : "",
		       url ? url : "", url ? ">" : "");
	} else if (!strncmp(topic, CLAIMD_TOPIC_SOURCE, strlen(CLAIMD_TOPIC_SOURCE))) {
		const char *err = jstr(b, "error");
		printf("%s %s %-9s %s%s%s\n", t, src ? src : "-", "source",
		       jstr(b, "event") ? jstr(b, "event") : "-", err ? ": " : "", err ? err : "");
	} else if (!strcmp(topic, CLAIMD_TOPIC_HEARTBEAT)) {
		printf("%s %s %-9s gseq %" JSON_INTEGER_FORMAT ", %" JSON_INTEGER_FORMAT
		       " articles, %" JSON_INTEGER_FORMAT " claims\n",
		       t, "-", "heartbeat", json_integer_value(json_object_get(b, "gseq")),
		       json_integer_value(json_object_get(b, "articles")),
		       json_integer_value(json_object_get(b, "claims")));
	} else {
		printf("%s %s %-9s %s\n", t, src ? src : "-", "message", topic);
	}
}

/* Prints one message when the filters let it through; returns true when -C is reached. */
static bool print_msg(struct sub *s, const char *topic, const char *body, uint64_t seq,
		      uint64_t gseq)
{
	json_t *b = body_parse(body);
	if (!printable(s, topic, b)) {
		json_decref(b);
		return false;
	}
	if (s->verbose)
		printf("%s ", topic);
	if (s->fmt == FMT_TEXT && b) {
		print_text(topic, b);
		json_decref(b);
	} else {
		json_t *line = json_pack("{s:s, s:I, s:I, s:o}", "topic", topic, "seq",
					 (json_int_t)seq, "gseq", (json_int_t)gseq, "body",
					 b ? b : json_string(body));
		if (line) {
			json_dumpf(line, stdout,
				   s->fmt == FMT_PRETTY ? JSON_INDENT(2) : JSON_COMPACT);
			fputc('\n', stdout);
			json_decref(line);
		}
	}
	fflush(stdout);
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
	if (t && m->seq > t->seq)
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

/* -n: a replayed message of the first snapshot. Only the last tail_n printable ones are
 * kept; the others just advance their topic's seq. */
static void ring_push(struct sub *s, const char *topic, const char *body, uint64_t seq,
		      uint64_t gseq)
{
	json_t *b = body_parse(body);
	bool keep = s->tail_n > 0 && printable(s, topic, b);
	json_decref(b);
	if (!keep) {
		tseq_note(s, topic, seq);
		return;
	}
	struct msg m = { .topic = strdup(topic), .body = strdup(body), .seq = seq, .gseq = gseq };
	if (!m.topic || !m.body) {
		msg_free(&m);
		return;
	}
	size_t cap = (size_t)s->tail_n;
	if (s->ring_len < cap) {
		s->ring[(s->ring_head + s->ring_len++) % cap] = m;
		return;
	}
	struct msg *old = &s->ring[s->ring_head];
	tseq_note(s, old->topic, old->seq);
	msg_free(old);
	*old = m;
	s->ring_head = (s->ring_head + 1) % cap;
}

/* -n: the first snapshot ended; its kept messages join the held ones. */
static void ring_drain(struct sub *s)
{
	size_t cap = s->tail_n > 0 ? (size_t)s->tail_n : 1;
	for (size_t i = 0; i < s->ring_len; i++) {
		struct msg *m = &s->ring[(s->ring_head + i) % cap];
		if (buf_push(s, m->topic, m->body, m->seq, m->gseq) < 0)
			fprintf(stderr, "claimctl sub: too many messages held, dropping\n");
		msg_free(m);
	}
	s->ring_len = s->ring_head = 0;
	s->tail_active = false;
}

static int by_gseq(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;
	return x->gseq < y->gseq ? -1 : x->gseq > y->gseq;
}

/* Prints the held messages in gseq order. Past hi (what the last snapshot covered), a seq
 * jump stops the printing: the rest stays held and another snapshot is asked. Returns
 * true when -C is reached. */
static bool flush_to(struct sub *s, uint64_t hi)
{
	if (s->nbuf > 1)
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
	} else if (i > 0) {
		memmove(s->buf, s->buf + i, (s->nbuf - i) * sizeof(*s->buf));
		s->nbuf -= i;
	}
	return done;
}

static bool flush(struct sub *s)
{
	if (s->tail_active)
		ring_drain(s);
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

static uint64_t str_gseq(const char *body)
{
	json_t *j = body_parse(body);
	uint64_t g = body_gseq(j);
	json_decref(j);
	return g;
}

/* A reply frame from the replay endpoint. Returns 1 when -C is reached, -1 on a fatal
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
		if (topic && body && strcmp(topic, CLAIMD_TOPIC_HEARTBEAT) && topic_wanted(s, topic)) {
			if (s->tail_active)
				ring_push(s, topic, body, fr_le64(&fr[3]), str_gseq(body));
			else
				buf_push(s, topic, body, fr_le64(&fr[3]), str_gseq(body));
		}
		free(topic);
		free(body);
	} else if (kind && !strcmp(kind, CLAIMD_REPLAY_END) && n >= 2) {
		char *hi = fr_str(&fr[1]);
		uint64_t h = hi ? strtoull(hi, NULL, 10) : 0;
		free(hi);
		if (h > s->complete)
			s->complete = h;
		snap_close(s);
		if (s->tail_active) {
			/* live messages held meanwhile up to h were in the snapshot: the ring
			 * decides which of them are among the last N */
			size_t k = 0;
			for (size_t i = 0; i < s->nbuf; i++) {
				if (s->buf[i].gseq <= h)
					msg_free(&s->buf[i]);
				else
					s->buf[k++] = s->buf[i];
			}
			s->nbuf = k;
			ring_drain(s);
		}
		ret = flush_to(s, h) ? 1 : 0;
		/* every matching message up to h was in the snapshot: complete up to h */
		if (h > s->last_printed)
			s->last_printed = h;
		s->started = true;
	} else if (kind && !strcmp(kind, CLAIMD_REPLAY_ERR) && n >= 3) {
		char *what = fr_str(&fr[1]), *arg = fr_str(&fr[2]);
		if (what && !strcmp(what, "expired")) {
			/* what we asked for is gone: say so, and go on from the oldest retained */
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

/* A message from the PUB socket. Returns 1 when -C is reached. */
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
	json_t *j = body_parse(body);
	uint64_t gseq = body_gseq(j);
	if (!strcmp(topic, CLAIMD_TOPIC_HEARTBEAT)) {
		const char *rep = jstr(j, "replay");
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
		if (!s->snap_active && !s->start_snap && print_msg(s, topic, body, seq, gseq))
			ret = 1;
		json_decref(j);
		goto done;
	}
	json_decref(j);
	s->live_since_hb = true;
	if (!topic_wanted(s, topic))
		goto done;
	if (s->snap_active || s->need_snap || s->start_snap) {
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

/* Socket monitor events: is the PUB endpoint there? */
static void on_monitor(struct sub *s)
{
	zmq_msg_t fr[2];
	int n;
	while ((n = recv_all(s->mon, fr, 2)) > 0) {
		if (zmq_msg_size(&fr[0]) >= 2) {
			uint16_t ev;
			memcpy(&ev, zmq_msg_data(&fr[0]), sizeof(ev));
			if (ev == ZMQ_EVENT_CONNECTED) {
				s->connected = true;
			} else if (ev == ZMQ_EVENT_DISCONNECTED && s->connected) {
				s->connected = false;
				fprintf(stderr, "claimctl sub: %s: disconnected, reconnecting\n",
					s->endpoint);
			}
		}
		for (int i = 0; i < n; i++)
			zmq_msg_close(&fr[i]);
	}
}

/* --since: a gseq (digits), a duration back from now (90s, 1h, 2d), or a date. */
static int parse_since(const char *arg, uint64_t *ret_gseq, int64_t *ret_t)
{
	char *end;
	if (arg[0] >= '0' && arg[0] <= '9') {
		errno = 0;
		unsigned long long g = strtoull(arg, &end, 10);
		if (!*end && !errno) {
			*ret_gseq = g;
			*ret_t = 0;
			return 0;
		}
	}
	int64_t ms, t;
	if (cfg_parse_duration(arg, &ms) == 0 && ms > 0) {
		*ret_t = now_wall_ms() / 1000 - ms / 1000;
	} else if (date_parse(arg, &t) == 0) {
		*ret_t = t;
	} else {
		return -EINVAL;
	}
	*ret_gseq = 0;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: claimctl sub [OPTIONS] ENDPOINT [TOPIC...]\n"
		"\n"
		"Prints what claimd publishes on ENDPOINT (its PUB socket), complete, in gseq order,\n"
		"without duplicates: gaps are filled from the replay endpoint.\n"
		"\n"
		"  -t, --topic PREFIX   topic prefix, repeatable (article/, claim/, sys/source/);\n"
		"                       default: everything but heartbeats\n"
		"      --heartbeat      print sys/heartbeat messages too\n"
		"  -n, --lines N        first print the last N retained messages (default %d;\n"
		"                       0: only new ones), then follow\n"
		"      --since WHEN     first print everything retained after WHEN: a gseq (0: all),\n"
		"                       a duration back from now (90s, 1h, 2d) or a date\n"
		"                       (2026-12-04, 2026-12-04T18:00:00Z), then follow\n"
		"  -C, --count N        exit 0 after printing N messages\n"
		"  -W, --timeout SECS   exit %d after SECS seconds\n"
		"  -F, --format FMT     json (one line per message: topic, seq, gseq, body), pretty\n"
		"                       (the same, indented) or text (time, source, stance,\n"
		"                       speaker: sentence)\n"
		"  -v, --verbose        print the topic before each message\n"
		"      --source NAME    only messages of source NAME (repeatable)\n"
		"      --stance STANCE  only claims of that stance: assert, deny, allege, speculate\n"
		"                       (repeatable)\n"
		"      --replay EP      the replay endpoint (default: the one the heartbeat names,\n"
		"                       else tcp port + 1)\n"
		"\n"
		"Exit status: 0 after -C messages, 1 when ENDPOINT does not answer within %d s or\n"
		"on another error, 2 on a usage error, %d when -W passed.\n",
		SUB_DEFAULT_TAIL, SUB_EXIT_TIMEOUT, SUB_CONNECT_WAIT_MS / 1000, SUB_EXIT_TIMEOUT);
}

static bool valid_stance(const char *s)
{
	static const char *ok[] = { "assert", "deny", "allege", "speculate" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(s, ok[i]))
			return true;
	return false;
}

int ctl_sub(int argc, char **argv)
{
	enum { O_SINCE = 256, O_REPLAY, O_SOURCE, O_STANCE, O_HEARTBEAT };
	static const struct option opts[] = {
		{ "topic", required_argument, NULL, 't' },
		{ "lines", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 'W' },
		{ "format", required_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "since", required_argument, NULL, O_SINCE },
		{ "replay", required_argument, NULL, O_REPLAY },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "stance", required_argument, NULL, O_STANCE },
		{ "heartbeat", no_argument, NULL, O_HEARTBEAT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sub S = { .tail_n = -1 };
	bool have_since = false;
	uint64_t since = 0;
	double timeout = 0;
	int c, ret = 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:n:C:W:F:vh", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 't':
			if (S.n_topics >= SUB_MAX_TOPICS) {
				fprintf(stderr, "claimctl sub: at most %d topics\n", SUB_MAX_TOPICS);
				goto out;
			}
			S.topics[S.n_topics++] = optarg;
			break;
		case 'n':
			errno = 0;
			S.tail_n = strtol(optarg, &end, 10);
			if (*end || !*optarg || errno || S.tail_n < 0 || S.tail_n > SUB_MAX_TAIL) {
				fprintf(stderr, "claimctl sub: -n wants a count of 0 to %d\n",
					SUB_MAX_TAIL);
				goto out;
			}
			break;
		case 'C':
			errno = 0;
			S.max_count = strtol(optarg, &end, 10);
			if (*end || !*optarg || errno || S.max_count <= 0) {
				fprintf(stderr, "claimctl sub: -C wants a positive count\n");
				goto out;
			}
			break;
		case 'W':
			timeout = strtod(optarg, &end);
			if (*end || !*optarg || !(timeout > 0) || timeout > 1e9) {
				fprintf(stderr, "claimctl sub: -W wants a number of seconds\n");
				goto out;
			}
			break;
		case 'F':
			if (!strcmp(optarg, "json"))
				S.fmt = FMT_JSON;
			else if (!strcmp(optarg, "pretty"))
				S.fmt = FMT_PRETTY;
			else if (!strcmp(optarg, "text"))
				S.fmt = FMT_TEXT;
			else {
				fprintf(stderr, "claimctl sub: -F wants json, pretty or text\n");
				goto out;
			}
			break;
		case 'v':
			S.verbose = true;
			break;
		case O_SINCE:
			if (parse_since(optarg, &since, &S.since_t) < 0) {
				fprintf(stderr, "claimctl sub: --since wants a gseq, a duration (1h) "
						"or a date (2026-12-04T18:00:00Z), not '%s'\n",
					optarg);
				goto out;
			}
			have_since = true;
			break;
		case O_REPLAY:
			free(S.replay);
			S.replay = strdup(optarg);
			S.replay_given = true;
			break;
		case O_SOURCE:
			if (S.n_sources >= SUB_MAX_FILTERS) {
				fprintf(stderr, "claimctl sub: at most %d sources\n", SUB_MAX_FILTERS);
				goto out;
			}
			S.sources[S.n_sources++] = optarg;
			break;
		case O_STANCE:
			if (!valid_stance(optarg)) {
				fprintf(stderr, "claimctl sub: --stance wants assert, deny, allege or "
						"speculate, not '%s'\n",
					optarg);
				goto out;
			}
			if (S.n_stances >= SUB_MAX_FILTERS)
				goto out;
			S.stances[S.n_stances++] = optarg;
			break;
		case O_HEARTBEAT:
			S.want_heartbeat = true;
			break;
		case 'h':
			usage(stdout);
			ret = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		goto out;
	}
	if (have_since && S.tail_n >= 0) {
		fprintf(stderr, "claimctl sub: -n and --since exclude each other\n");
		goto out;
	}
	S.endpoint = argv[optind++];
	for (; optind < argc; optind++) {
		if (S.n_topics >= SUB_MAX_TOPICS) {
			fprintf(stderr, "claimctl sub: at most %d topics\n", SUB_MAX_TOPICS);
			goto out;
		}
		S.topics[S.n_topics++] = argv[optind];
	}
	for (int i = 0; i < S.n_topics; i++)
		if (!strncmp(S.topics[i], CLAIMD_TOPIC_HEARTBEAT, strlen(CLAIMD_TOPIC_HEARTBEAT)))
			S.want_heartbeat = true;
	if (!have_since && S.tail_n < 0)
		S.tail_n = SUB_DEFAULT_TAIL;
	if (S.tail_n > 0) {
		S.ring = calloc((size_t)S.tail_n, sizeof(*S.ring));
		if (!S.ring) {
			fprintf(stderr, "claimctl sub: out of memory\n");
			ret = 1;
			goto out;
		}
	}

	ret = 1;
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
	/* the heartbeat names the replay endpoint and shows gaps: always subscribed */
	zmq_setsockopt(S.sock, ZMQ_SUBSCRIBE, CLAIMD_TOPIC_HEARTBEAT, strlen(CLAIMD_TOPIC_HEARTBEAT));
	char mon_ep[64];
	snprintf(mon_ep, sizeof(mon_ep), "inproc://claimctl-sub-monitor-%p", (void *)&S);
	if (zmq_socket_monitor(S.sock, mon_ep, ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) < 0 ||
	    !(S.mon = zmq_socket(S.zctx, ZMQ_PAIR)) || zmq_connect(S.mon, mon_ep) < 0) {
		fprintf(stderr, "claimctl sub: cannot watch the connection: %s\n",
			zmq_strerror(errno));
		goto out;
	}
	zmq_setsockopt(S.mon, ZMQ_LINGER, &zero, sizeof(zero));
	if (zmq_connect(S.sock, S.endpoint) < 0) {
		fprintf(stderr, "claimctl sub: cannot connect to %s: %s\n", S.endpoint,
			zmq_strerror(errno));
		ret = 2;
		goto out;
	}
	int64_t start = now_mono_ms();
	int64_t deadline = timeout > 0 ? start + (int64_t)(timeout * 1000) : 0;
	bool ever_connected = false;
	S.start_snap = true;
	if (have_since) {
		S.snap_since = since;
		S.last_printed = since;
	} else {
		S.tail_active = S.tail_n > 0;
	}
	S.started = S.tail_n != 0;
	for (;;) {
		int64_t now = now_mono_ms();
		if (!ever_connected && now - start >= SUB_CONNECT_WAIT_MS &&
		    (!deadline || deadline - start > SUB_CONNECT_WAIT_MS)) {
			fprintf(stderr, "claimctl sub: %s does not answer (is claimd running, and "
					"publishing there?)\n",
				S.endpoint);
			ret = 1;
			break;
		}
		if (deadline && now >= deadline) {
			if (!ever_connected)
				fprintf(stderr, "claimctl sub: %s does not answer (is claimd running, "
						"and publishing there?)\n",
					S.endpoint);
			else if (S.max_count > 0)
				fprintf(stderr, "claimctl sub: timed out after %ld of %ld messages\n",
					S.count, S.max_count);
			ret = ever_connected ? SUB_EXIT_TIMEOUT : 1;
			break;
		}
		if (S.connected && !ever_connected) {
			ever_connected = true;
			if (S.start_snap && S.tail_n == 0) {
				/* -n 0: only what comes from now on */
				S.start_snap = false;
			} else if (S.start_snap) {
				S.start_snap = false;
				S.need_snap = true;
			}
		}
		if (S.need_snap && !S.snap_active) {
			if (!S.replay && !S.replay_given && now - start >= SUB_DERIVE_AFTER_MS)
				S.replay = derive_replay(S.endpoint);
			if (S.replay) {
				snap_start(&S, S.tail_active ? 0 : S.last_printed);
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
		zmq_pollitem_t it[3] = { { .socket = S.sock, .events = ZMQ_POLLIN },
					 { .socket = S.mon, .events = ZMQ_POLLIN },
					 { .socket = S.dealer, .events = ZMQ_POLLIN } };
		int wait = 100;
		if (deadline && deadline - now < wait)
			wait = (int)(deadline - now);
		int n = zmq_poll(it, S.snap_active ? 3 : 2, wait > 0 ? wait : 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "claimctl sub: %s\n", zmq_strerror(errno));
			break;
		}
		if (it[1].revents & ZMQ_POLLIN)
			on_monitor(&S);
		int r = 0;
		if (S.snap_active && (it[2].revents & ZMQ_POLLIN))
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
	if (S.ring) {
		for (size_t i = 0; i < S.ring_len; i++)
			msg_free(&S.ring[(S.ring_head + i) % (size_t)S.tail_n]);
		free(S.ring);
	}
	for (size_t i = 0; i < S.nseqs; i++)
		free(S.seqs[i].topic);
	free(S.seqs);
	free(S.replay);
	if (S.mon)
		zmq_close(S.mon);
	if (S.sock) {
		zmq_socket_monitor(S.sock, NULL, 0);
		zmq_close(S.sock);
	}
	if (S.zctx)
		zmq_ctx_term(S.zctx);
	return ret;
}
