/* publish.c — the ZeroMQ side of claimd.
 *
 * Takes: the configuration (publish endpoints, replay endpoint, sndhwm, CURVE keys), the
 *        event loop and the store.
 * Gives: PUB sockets sending [topic, body, seq (8 bytes LE)]; the envelope of every body
 *        (schema, id, gseq, epoch, emitted_at); the journal entry before the send (inside
 *        the caller's store transaction, sends wait for its commit and are dropped on
 *        rollback, since their numbers will be handed out again); the ROUTER replay socket
 *        (SNAPSHOT -> MSG... END | ERR), served in bounded slices from the loop so one large
 *        snapshot never stalls it; a ZAP handler checking CURVE client keys.
 * Must not: block (every send is ZMQ_DONTWAIT: a full PUB queue drops for that subscriber
 *        only, which replay repairs), log, or bind a non-loopback TCP endpoint without
 *        CURVE. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "claimd/jsonw.h"
#include "claimd/log.h"
#include "claimd/msgid.h"
#include "claimd/publish.h"
#include "claimd/stats.h"
#include "claimd/wire.h"

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93    /* a draft option in libzmq 4.3 */
#endif

#define PUB_MAX_JOBS 256            /* snapshots in progress */
#define PUB_REQ_PER_PASS 64          /* requests read per wakeup */
#define PUB_MSG_PER_PASS 512         /* replayed messages sent per wakeup */
#define PUB_MAX_FRAMES 8             /* of a request; more is bad-request */
#define PUB_MAX_PREFIX 255
#define PUB_MAX_ID 255
#define PUB_BLOCKED_RETRY_MS 5       /* a client's queue is full: try again after */
#define PUB_MAX_CLIENT_KEYS 4096
#define PUB_REPLAY_HWM 2000
#define PUB_MAX_REFUSED_LOGGED 64    /* refused client keys remembered, each logged once */
#define PUB_CRED_KEY "curve.key"     /* the credential name under $CREDENTIALS_DIRECTORY */

struct pending {
	char *topic;
	char *body;
	uint64_t seq;
};

struct job {
	struct job *next;
	unsigned char id[PUB_MAX_ID + 1];
	size_t idlen;
	char prefix[PUB_MAX_PREFIX + 1];
	uint64_t cursor;    /* last gseq sent */
	uint64_t high;      /* the high gseq when the request came: END carries it */
};

struct pub {
	void *zctx;
	struct loop *loop;
	struct store *st;
	void **pubs;
	size_t n_pubs;
	void *router;
	int router_fd;
	void *zap;
	int zap_fd;
	unsigned char (*client_keys)[32];
	size_t n_client_keys;
	unsigned char refused[PUB_MAX_REFUSED_LOGGED][32]; /* keys already logged */
	size_t n_refused;
	void **mons;                   /* handshake-failure monitors, one per socket */
	int *mon_fds;
	size_t n_mons;
	bool logged_plain;             /* a client without CURVE was logged */
	unsigned char secret[32];
	bool curve;
	struct loop_timer *t_service;
	char *replay_ep;
	struct pending *q;
	size_t nq, capq;
	struct job *jobs;
	size_t n_jobs;
	uint64_t sent;
	uint64_t hb_seq;
	char *(*status_fn)(void *ud); /* ["STATUS"] answers (status.c) */
	void *status_ud;
	char *shard;                 /* "K/N" in every body, or NULL */
	void (*sent_fn)(void *ud);   /* after journalled messages went out (nats_kick) */
	void *sent_ud;
};

/* ---- endpoints and keys ---- */

/* ipc:// and inproc:// are local; tcp:// is local when its host is loopback. */
static bool endpoint_is_local(const char *ep)
{
	if (!strncmp(ep, "ipc://", 6) || !strncmp(ep, "inproc://", 9))
		return true;
	if (strncmp(ep, "tcp://", 6))
		return false;
	const char *h = ep + 6;
	const char *semi = strrchr(h, ';');
	if (semi)
		h = semi + 1;
	char host[256];
	size_t n;
	if (*h == '[') {
		const char *e = strchr(h, ']');
		if (!e)
			return false;
		n = (size_t)(e - h - 1);
		h++;
	} else {
		const char *e = strrchr(h, ':');
		n = e ? (size_t)(e - h) : strlen(h);
	}
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	if (!strcmp(host, "localhost") || !strcmp(host, "lo") || !strcmp(host, "::1"))
		return true;
	struct in_addr a4;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return false;
}

static bool endpoint_is_v6(const char *ep)
{
	return !strncmp(ep, "tcp://[", 7) || strstr(ep, "::") != NULL;
}

/* Reads a CURVE key: 40 characters of Z85 text (whitespace around is ignored) or 32 raw
 * bytes. */
static int read_key(const char *path, unsigned char out[32])
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char buf[128];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n == 32) {
		memcpy(out, buf, 32);
		return 0;
	}
	buf[n] = '\0';
	char *s = buf;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t len = strcspn(s, " \t\r\n");
	if (len != 40)
		return -EINVAL;
	s[40] = '\0';
	return zmq_z85_decode(out, s) ? 0 : -EINVAL;
}

static int load_client_keys(struct pub *p, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		int r = -errno;
		snprintf(err, errlen, "curve_client_keys_dir %s: %s", dir, strerror(-r));
		return r;
	}
	unsigned char(*keys)[32] = calloc(PUB_MAX_CLIENT_KEYS, 32);
	if (!keys) {
		closedir(d);
		return -ENOMEM;
	}
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < PUB_MAX_CLIENT_KEYS) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (read_key(path, keys[n]) == 0)
			n++;
	}
	closedir(d);
	free(p->client_keys);
	p->client_keys = keys;
	p->n_client_keys = n;
	return 0;
}

/* ---- helpers ---- */

static int sock_events(void *s)
{
	int ev = 0;
	size_t sz = sizeof(ev);
	if (zmq_getsockopt(s, ZMQ_EVENTS, &ev, &sz) < 0)
		return 0;
	return ev;
}

static void iso_now_ms(char out[64])
{
	static int64_t last_ms = -1;
	static char last[64];
	int64_t ms = now_wall_ms();
	if (ms == last_ms) { /* thousands of messages a second: format once per ms */
		memcpy(out, last, 64);
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	memcpy(last, out, 64);
	last_ms = ms;
}

static void seq_le(uint64_t seq, unsigned char out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = (unsigned char)(seq >> (8 * i));
}

/* Sends a multipart message; frames[0] is the routing id on the ROUTER. Returns 0,
 * -EAGAIN (the peer's queue is full: nothing was sent) or -EHOSTUNREACH (peer gone). */
static int send_parts(void *s, const void *const *frames, const size_t *lens, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int flags = ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0);
		if (zmq_send(s, frames[i], lens[i], flags) < 0)
			return -errno;
	}
	return 0;
}

static void pub_send(struct pub *p, const char *topic, const char *body, uint64_t seq)
{
	unsigned char le[8];
	seq_le(seq, le);
	const void *fr[3] = { topic, body, le };
	size_t ln[3] = { strlen(topic), strlen(body), 8 };
	for (size_t i = 0; i < p->n_pubs; i++)
		send_parts(p->pubs[i], fr, ln, 3);
	p->sent++;
}

/* ---- replay ---- */

static void service(struct pub *p);

static int reply(struct pub *p, const unsigned char *id, size_t idlen, const char *a,
		 const char *b, const char *c)
{
	const void *fr[4] = { id, a, b, c };
	size_t ln[4] = { idlen, strlen(a), strlen(b), strlen(c) };
	return send_parts(p->router, fr, ln, 4);
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp;
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			k = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* Parses since-gseq: 1 to 19 decimal digits. */
static bool parse_since(const unsigned char *s, size_t n, uint64_t *ret)
{
	if (n == 0 || n > 19)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > INT64_MAX)
		return false;
	*ret = v;
	return true;
}

/* ["STATUS"]: answers ["STATUS", "claimd.status/1", json] from the status callback. */
static void answer_status(struct pub *p, const unsigned char *id, size_t idlen)
{
	stats_replay("status");
	char *j = p->status_fn ? p->status_fn(p->status_ud) : NULL;
	if (j)
		reply(p, id, idlen, CLAIMD_REPLAY_STATUS, CLAIMD_SCHEMA_STATUS, j);
	else
		reply(p, id, idlen, CLAIMD_REPLAY_ERR, "bad-request", "no status available");
	free(j);
}

void pub_set_status(struct pub *p, char *(*fn)(void *ud), void *ud)
{
	p->status_fn = fn;
	p->status_ud = ud;
}

/* Reads one request from the ROUTER and answers it or queues its snapshot. */
static void handle_request(struct pub *p)
{
	zmq_msg_t fr[PUB_MAX_FRAMES];
	size_t n = 0;
	bool more = true, too_many = false;
	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, p->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			break;
		}
		more = zmq_msg_more(&m);
		if (n < PUB_MAX_FRAMES) {
			fr[n++] = m;
		} else {
			too_many = true;
			zmq_msg_close(&m);
		}
	}
	if (n == 0)
		return;
	const unsigned char *id = zmq_msg_data(&fr[0]);
	size_t idlen = zmq_msg_size(&fr[0]);
	const char *why = NULL;
	uint64_t since = 0;
	if (idlen == 0 || idlen > PUB_MAX_ID) {
		goto out; /* cannot answer: not a routed peer */
	} else if (n == 2 && zmq_msg_size(&fr[1]) == strlen(CLAIMD_REPLAY_STATUS) &&
		   !memcmp(zmq_msg_data(&fr[1]), CLAIMD_REPLAY_STATUS, strlen(CLAIMD_REPLAY_STATUS))) {
		answer_status(p, id, idlen);
		goto out;
	} else if (too_many || n != 4) {
		why = "expected 3 frames: SNAPSHOT, topic-prefix, since-gseq";
	} else if (zmq_msg_size(&fr[1]) != strlen(CLAIMD_REPLAY_SNAPSHOT) ||
		   memcmp(zmq_msg_data(&fr[1]), CLAIMD_REPLAY_SNAPSHOT,
			  strlen(CLAIMD_REPLAY_SNAPSHOT))) {
		why = "unknown command (expected SNAPSHOT)";
	} else if (zmq_msg_size(&fr[2]) > PUB_MAX_PREFIX ||
		   !valid_utf8(zmq_msg_data(&fr[2]), zmq_msg_size(&fr[2]))) {
		why = "topic-prefix must be UTF-8 of at most 255 bytes";
	} else if (!parse_since(zmq_msg_data(&fr[3]), zmq_msg_size(&fr[3]), &since)) {
		why = "since-gseq must be a decimal number";
	} else if (p->n_jobs >= PUB_MAX_JOBS) {
		why = "too many snapshots in progress, ask again later";
	}
	if (why) {
		stats_replay("bad-request");
		reply(p, id, idlen, CLAIMD_REPLAY_ERR, "bad-request", why);
		goto out;
	}
	uint64_t floor = store_gseq_floor(p->st);
	if (since != 0 && since + 1 < floor) { /* 0 asks for all that is retained */
		uint64_t low = store_gseq_low(p->st);
		char buf[32];
		snprintf(buf, sizeof(buf), "%" PRIu64, low ? low : floor);
		stats_replay("expired");
		reply(p, id, idlen, CLAIMD_REPLAY_ERR, "expired", buf);
		goto out;
	}
	struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		reply(p, id, idlen, CLAIMD_REPLAY_ERR, "bad-request", "out of memory");
		goto out;
	}
	stats_replay("snapshot");
	memcpy(j->id, id, idlen);
	j->idlen = idlen;
	memcpy(j->prefix, zmq_msg_data(&fr[2]), zmq_msg_size(&fr[2]));
	j->prefix[zmq_msg_size(&fr[2])] = '\0';
	j->cursor = since;
	j->high = store_gseq_high(p->st);
	struct job **pp = &p->jobs;
	while (*pp)
		pp = &(*pp)->next;
	*pp = j;
	p->n_jobs++;
out:
	for (size_t i = 0; i < n; i++)
		zmq_msg_close(&fr[i]);
}

struct scan_ctx {
	struct pub *p;
	struct job *j;
	int budget;
	int rc;          /* 0, or the send error that stopped the scan */
	bool past_high;
};

static int scan_one(void *ud, uint64_t gseq, const char *topic, uint64_t seq, const char *body)
{
	struct scan_ctx *c = ud;
	if (gseq > c->j->high) {
		c->past_high = true;
		return 1;
	}
	if (c->budget <= 0)
		return 1;
	unsigned char le[8];
	seq_le(seq, le);
	const void *fr[5] = { c->j->id, CLAIMD_REPLAY_MSG, topic, body, le };
	size_t ln[5] = { c->j->idlen, strlen(CLAIMD_REPLAY_MSG), strlen(topic), strlen(body), 8 };
	int r = send_parts(c->p->router, fr, ln, 5);
	if (r < 0) {
		c->rc = r;
		return 1;
	}
	c->j->cursor = gseq;
	c->budget--;
	return 0;
}

static bool job_blocked_by_earlier(struct pub *p, struct job *j)
{
	for (struct job *e = p->jobs; e && e != j; e = e->next)
		if (e->idlen == j->idlen && !memcmp(e->id, j->id, j->idlen))
			return true;
	return false;
}

/* Sends a slice of every snapshot in progress. Returns true when some client's queue was
 * full (try again a little later rather than at once). */
static bool pump(struct pub *p)
{
	int budget = PUB_MSG_PER_PASS;
	bool blocked = false;
	struct job **pp = &p->jobs;
	while (*pp && budget > 0) {
		struct job *j = *pp;
		if (job_blocked_by_earlier(p, j)) {
			pp = &j->next;
			continue;
		}
		struct scan_ctx c = { .p = p, .j = j, .budget = budget };
		bool done = false, gone = false;
		uint64_t end_at = j->high;
		if (j->cursor < j->high) {
			int r = store_journal_scan(p->st, j->prefix, j->cursor, scan_one, &c);
			budget = c.budget;
			if (c.rc == -EAGAIN) {
				blocked = true;
			} else if (c.rc < 0) {
				gone = true;
			} else if (r < 0) {
				done = true; /* cannot read: END at what was sent; the client re-asks */
				end_at = j->cursor;
			} else if (c.past_high || c.budget > 0) {
				done = true; /* every matching message up to high was sent */
			}
		} else {
			done = true;
		}
		if (done) {
			char hi[32];
			snprintf(hi, sizeof(hi), "%" PRIu64, end_at);
			int r = reply(p, j->id, j->idlen, CLAIMD_REPLAY_END, hi, store_epoch(p->st));
			if (r == -EAGAIN) {
				blocked = true;
				done = false;
			} else if (r < 0) {
				gone = true;
			}
		}
		if (done || gone) {
			*pp = j->next;
			free(j);
			p->n_jobs--;
			continue;
		}
		pp = &j->next;
	}
	return blocked;
}

/* Reads requests and sends replay slices, each bounded; reschedules itself through a
 * zero-delay timer while work remains. ZMQ_FD is edge-triggered: ZMQ_EVENTS is checked
 * again after the sends. */
static void service(struct pub *p)
{
	for (int i = 0; i < PUB_REQ_PER_PASS; i++) {
		if (!(sock_events(p->router) & ZMQ_POLLIN))
			break;
		handle_request(p);
	}
	bool blocked = pump(p);
	bool more_in = sock_events(p->router) & ZMQ_POLLIN;
	if (more_in || (p->jobs && !blocked))
		loop_timer_arm(p->t_service, 0);
	else if (p->jobs)
		loop_timer_arm(p->t_service, PUB_BLOCKED_RETRY_MS);
}

static void on_router(struct loop *l, int fd, uint32_t events, void *ud)
{
	(void)l;
	(void)fd;
	(void)events;
	service(ud);
}

static void on_service_timer(struct loop *l, struct loop_timer *t, void *ud)
{
	(void)l;
	(void)t;
	service(ud);
}

/* ---- ZAP (CURVE client keys) ---- */

/* A refused client is logged once per key (the first PUB_MAX_REFUSED_LOGGED keys until the
 * next reload), not at each of its reconnections. */
static void log_refused(struct pub *p, zmq_msg_t *mech, zmq_msg_t *cred, zmq_msg_t *addr)
{
	char a[64] = "?";
	if (addr && zmq_msg_size(addr) < sizeof(a)) {
		memcpy(a, zmq_msg_data(addr), zmq_msg_size(addr));
		a[zmq_msg_size(addr)] = '\0';
	}
	if (!cred || zmq_msg_size(cred) != 32) {
		if (p->logged_plain)
			return;
		p->logged_plain = true;
		log_ev(LOG_WARNING, MSGID_CLIENT_REFUSED, NULL,
		       "Refused a client from %s: mechanism %.*s, not CURVE", a,
		       mech ? (int)zmq_msg_size(mech) : 1, mech ? (char *)zmq_msg_data(mech) : "?");
		return;
	}
	for (size_t i = 0; i < p->n_refused && i < PUB_MAX_REFUSED_LOGGED; i++)
		if (!memcmp(p->refused[i], zmq_msg_data(cred), 32))
			return;
	if (p->n_refused < PUB_MAX_REFUSED_LOGGED)
		memcpy(p->refused[p->n_refused++], zmq_msg_data(cred), 32);
	else if (p->n_refused++ > PUB_MAX_REFUSED_LOGGED)
		return;
	char z85[41];
	zmq_z85_encode(z85, zmq_msg_data(cred), 32);
	log_ev(LOG_WARNING, MSGID_CLIENT_REFUSED, NULL,
	       "Refused a CURVE client from %s: public key %s is not in curve_client_keys_dir%s", a,
	       z85, p->n_refused > PUB_MAX_REFUSED_LOGGED ? " (further refused keys not logged)" : "");
}

/* A client that does not speak CURVE fails the handshake before ZAP: a monitor on each
 * socket reports it, logged once (until the next reload). */
static void on_monitor(struct loop *l, int fd, uint32_t events, void *ud)
{
	(void)l;
	(void)events;
	struct pub *p = ud;
	void *m = NULL;
	for (size_t i = 0; i < p->n_mons; i++)
		if (p->mon_fds[i] == fd)
			m = p->mons[i];
	if (!m)
		return;
	while (sock_events(m) & ZMQ_POLLIN) {
		zmq_msg_t ev, ep;
		zmq_msg_init(&ev);
		zmq_msg_init(&ep);
		if (zmq_msg_recv(&ev, m, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&ev);
			zmq_msg_close(&ep);
			break;
		}
		bool two = zmq_msg_more(&ev) && zmq_msg_recv(&ep, m, ZMQ_DONTWAIT) >= 0;
		if (zmq_msg_size(&ev) == 6 && !p->logged_plain) {
			uint16_t id;
			uint32_t val;
			memcpy(&id, zmq_msg_data(&ev), 2);
			memcpy(&val, (char *)zmq_msg_data(&ev) + 2, 4);
			p->logged_plain = true;
			log_ev(LOG_WARNING, MSGID_CLIENT_REFUSED, NULL,
			       "Refused a client on %.*s: its handshake failed (%s 0x%x), it does "
			       "not speak CURVE with this server's key",
			       two ? (int)zmq_msg_size(&ep) : 1, two ? (char *)zmq_msg_data(&ep) : "?",
			       id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ? "protocol error" : "error",
			       val);
		}
		zmq_msg_close(&ev);
		zmq_msg_close(&ep);
	}
}

static int monitor(struct pub *p, void *s)
{
	char ep[64];
	snprintf(ep, sizeof(ep), "inproc://claimd-monitor-%zu", p->n_mons);
	if (zmq_socket_monitor(s, ep, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
					      ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) < 0)
		return -errno;
	void *m = zmq_socket(p->zctx, ZMQ_PAIR);
	if (!m)
		return -errno;
	int fd = -1, r;
	size_t sz = sizeof(fd);
	void **mons = realloc(p->mons, (p->n_mons + 1) * sizeof(*mons));
	int *fds = mons ? realloc(p->mon_fds, (p->n_mons + 1) * sizeof(*fds)) : NULL;
	if (mons)
		p->mons = mons;
	if (fds)
		p->mon_fds = fds;
	if (!mons || !fds || zmq_connect(m, ep) < 0 || zmq_getsockopt(m, ZMQ_FD, &fd, &sz) < 0) {
		r = !mons || !fds ? -ENOMEM : -errno;
		zmq_close(m);
		return r;
	}
	if ((r = loop_add(p->loop, fd, EPOLLIN, on_monitor, p)) < 0) {
		zmq_close(m);
		return r;
	}
	p->mons[p->n_mons] = m;
	p->mon_fds[p->n_mons++] = fd;
	/* ZMQ_FD signals only a change: ask once, or the first event never wakes us */
	on_monitor(p->loop, fd, EPOLLIN, p);
	return 0;
}

static void zap_handle(struct pub *p)
{
	zmq_msg_t fr[8];
	size_t n = 0;
	bool more = true;
	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, p->zap, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			break;
		}
		more = zmq_msg_more(&m);
		if (n < 8)
			fr[n++] = m;
		else
			zmq_msg_close(&m);
	}
	if (n < 2)
		goto out;
	/* version, request id, domain, address, routing id, mechanism, credentials... */
	bool ok = false;
	if (n >= 7 && zmq_msg_size(&fr[5]) == 5 && !memcmp(zmq_msg_data(&fr[5]), "CURVE", 5) &&
	    zmq_msg_size(&fr[6]) == 32) {
		for (size_t i = 0; i < p->n_client_keys && !ok; i++)
			ok = !memcmp(p->client_keys[i], zmq_msg_data(&fr[6]), 32);
	}
	if (!ok)
		log_refused(p, n >= 7 ? &fr[5] : NULL, n >= 7 ? &fr[6] : NULL,
			    n >= 4 ? &fr[3] : NULL);
	const char *code = ok ? "200" : "400";
	const char *text = ok ? "OK" : "client key not allowed";
	const void *rf[6] = { "1.0", zmq_msg_data(&fr[1]), code, text, "", "" };
	size_t rl[6] = { 3, zmq_msg_size(&fr[1]), 3, strlen(text), 0, 0 };
	send_parts(p->zap, rf, rl, 6);
out:
	for (size_t i = 0; i < n; i++)
		zmq_msg_close(&fr[i]);
}

static void on_zap(struct loop *l, int fd, uint32_t events, void *ud)
{
	(void)l;
	(void)fd;
	(void)events;
	struct pub *p = ud;
	/* ZAP requests are rare (one per connecting client): drain them all. */
	while (sock_events(p->zap) & ZMQ_POLLIN)
		zap_handle(p);
}

/* ---- set-up ---- */

static int set_int(void *s, int opt, int v)
{
	return zmq_setsockopt(s, opt, &v, sizeof(v)) < 0 ? -errno : 0;
}

static int secure(void *s, const unsigned char *secret)
{
	int r;
	if ((r = set_int(s, ZMQ_CURVE_SERVER, 1)) < 0)
		return r;
	if (zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, secret, 32) < 0)
		return -errno;
	if (zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, "claimd", 6) < 0)
		return -errno;
	/* Fails closed if the handler is missing; a libzmq built without draft options
	 * refuses it, which is harmless here: our handler is bound before any socket. */
	set_int(s, ZMQ_ZAP_ENFORCE_DOMAIN, 1);
	return 0;
}

/* A listening socket that systemd passed (socket activation) for this endpoint, or -1:
 * tcp:// endpoints match by port, ipc:// endpoints by path. */
static int passed_fd(const char *ep)
{
	static int n = -1;
	if (n < 0)
		n = sd_listen_fds(0) > 0 ? sd_listen_fds(0) : 0;
	for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
		if (!strncmp(ep, "tcp://", 6)) {
			const char *colon = strrchr(ep + 6, ':');
			char *end;
			unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
			if (port > 0 && port < 65536 && !*end &&
			    sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, (uint16_t)port) > 0)
				return fd;
		} else if (!strncmp(ep, "ipc://", 6)) {
			if (sd_is_socket_unix(fd, SOCK_STREAM, 1, ep + 6, 0) > 0)
				return fd;
		}
	}
	return -1;
}

static int bind_ep(void *s, const char *ep, const char *what, char *err, size_t errlen)
{
	if (endpoint_is_v6(ep))
		set_int(s, ZMQ_IPV6, 1);
	int fd = passed_fd(ep);
	if (fd >= 0 && set_int(s, ZMQ_USE_FD, fd) < 0) {
		int r = -errno;
		snprintf(err, errlen, "cannot use the socket systemd passed for %s: %s", ep,
			 zmq_strerror(-r));
		return r;
	}
	if (zmq_bind(s, ep) < 0) {
		int r = -errno;
		snprintf(err, errlen, "cannot bind %s endpoint %s: %s", what, ep, zmq_strerror(-r));
		return r;
	}
	return 0;
}

static void tx_hook(void *ud, bool committed)
{
	struct pub *p = ud;
	bool any = committed && p->nq > 0;
	for (size_t i = 0; i < p->nq; i++) {
		if (committed)
			pub_send(p, p->q[i].topic, p->q[i].body, p->q[i].seq);
		free(p->q[i].topic);
		free(p->q[i].body);
	}
	p->nq = 0;
	if (any && p->sent_fn)
		p->sent_fn(p->sent_ud);
}

void pub_set_sent_hook(struct pub *p, void (*fn)(void *ud), void *ud)
{
	p->sent_fn = fn;
	p->sent_ud = ud;
}

/* The server's secret key file: curve_secret_key_file, else the systemd credential
 * curve.key (LoadCredential=curve.key:PATH, in $CREDENTIALS_DIRECTORY) when there is one,
 * else NULL (no CURVE). */
static const char *secret_path(const struct cfg *cfg, char *buf, size_t len)
{
	if (cfg->curve_secret_key_file && *cfg->curve_secret_key_file)
		return cfg->curve_secret_key_file;
	const char *cd = getenv("CREDENTIALS_DIRECTORY");
	if (!cd || !*cd)
		return NULL;
	snprintf(buf, len, "%s/%s", cd, PUB_CRED_KEY);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

int pub_new(void *zctx, struct loop *loop, const struct cfg *cfg, struct store *st,
	    struct pub **ret, char *err, size_t errlen)
{
	snprintf(err, errlen, "unknown error");
	char cred[4096];
	const char *secret_file = secret_path(cfg, cred, sizeof(cred));
	bool curve = secret_file != NULL;
	const char *replay = cfg->replay && *cfg->replay ? cfg->replay : NULL;
	if (cfg->n_publish == 0) {
		snprintf(err, errlen, "no publish endpoint configured");
		return -EINVAL;
	}
	for (size_t i = 0; i <= cfg->n_publish; i++) {
		const char *ep = i < cfg->n_publish ? cfg->publish[i] : replay;
		if (ep && !curve && !endpoint_is_local(ep)) {
			snprintf(err, errlen,
				 "refusing to bind %s: it is not on loopback and no CURVE key is "
				 "configured (set curve_secret_key_file and curve_client_keys_dir, "
				 "or use 127.0.0.1 or ipc://)",
				 ep);
			return -EPERM;
		}
	}
	unsigned char secret[32];
	if (curve) {
		int r = read_key(secret_file, secret);
		if (r < 0) {
			snprintf(err, errlen, "cannot read CURVE secret key %s: %s", secret_file,
				 r == -EINVAL ? "not a 40-character Z85 key" : strerror(-r));
			return r;
		}
		if (!cfg->curve_client_keys_dir || !*cfg->curve_client_keys_dir) {
			snprintf(err, errlen, "CURVE needs curve_client_keys_dir (the allowed client "
					      "public keys)");
			return -EINVAL;
		}
	}
	struct pub *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->zctx = zctx;
	p->loop = loop;
	p->st = st;
	p->router_fd = -1;
	p->zap_fd = -1;
	p->curve = curve;
	if (curve)
		memcpy(p->secret, secret, 32);
	int r = -ENOMEM;
	if (cfg->shard && *cfg->shard && !(p->shard = strdup(cfg->shard)))
		goto fail;
	if (replay && !(p->replay_ep = strdup(replay)))
		goto fail;
	if (curve) {
		if ((r = load_client_keys(p, cfg->curve_client_keys_dir, err, errlen)) < 0)
			goto fail;
		p->zap = zmq_socket(zctx, ZMQ_REP);
		if (!p->zap || zmq_bind(p->zap, "inproc://zeromq.zap.01") < 0) {
			r = -errno;
			snprintf(err, errlen, "cannot start the ZAP handler: %s", zmq_strerror(-r));
			goto fail;
		}
		set_int(p->zap, ZMQ_LINGER, 0);
		size_t sz = sizeof(p->zap_fd);
		int zfd = -1;
		if (zmq_getsockopt(p->zap, ZMQ_FD, &zfd, &sz) < 0 ||
		    (r = loop_add(loop, zfd, EPOLLIN, on_zap, p)) < 0) {
			r = r < 0 ? r : -errno;
			snprintf(err, errlen, "cannot watch the ZAP handler: %s", strerror(-r));
			goto fail;
		}
		p->zap_fd = zfd;
	}
	p->pubs = calloc(cfg->n_publish, sizeof(*p->pubs));
	if (!p->pubs)
		goto fail;
	for (size_t i = 0; i < cfg->n_publish; i++) {
		void *s = zmq_socket(zctx, ZMQ_PUB);
		if (!s) {
			r = -errno;
			snprintf(err, errlen, "cannot create PUB socket: %s", zmq_strerror(-r));
			goto fail;
		}
		p->pubs[p->n_pubs++] = s;
		set_int(s, ZMQ_LINGER, 0);
		if (cfg->sndhwm > 0)
			set_int(s, ZMQ_SNDHWM, cfg->sndhwm);
		int64_t maxmsg = 4096; /* subscriptions */
		zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
		if (curve && ((r = secure(s, secret)) < 0 || (r = monitor(p, s)) < 0)) {
			snprintf(err, errlen, "cannot set CURVE on %s: %s", cfg->publish[i],
				 zmq_strerror(-r));
			goto fail;
		}
		if ((r = bind_ep(s, cfg->publish[i], "publish", err, errlen)) < 0)
			goto fail;
	}
	if (replay) {
		p->router = zmq_socket(zctx, ZMQ_ROUTER);
		if (!p->router) {
			r = -errno;
			snprintf(err, errlen, "cannot create ROUTER socket: %s", zmq_strerror(-r));
			goto fail;
		}
		set_int(p->router, ZMQ_LINGER, 0);
		set_int(p->router, ZMQ_ROUTER_MANDATORY, 1);
		set_int(p->router, ZMQ_SNDHWM, PUB_REPLAY_HWM);
		int64_t maxmsg = 4096; /* requests are small */
		zmq_setsockopt(p->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
		if (curve && ((r = secure(p->router, secret)) < 0 || (r = monitor(p, p->router)) < 0)) {
			snprintf(err, errlen, "cannot set CURVE on %s: %s", replay, zmq_strerror(-r));
			goto fail;
		}
		if ((r = bind_ep(p->router, replay, "replay", err, errlen)) < 0)
			goto fail;
		if ((r = loop_timer_new(loop, on_service_timer, p, &p->t_service)) < 0) {
			snprintf(err, errlen, "cannot create a timer: %s", strerror(-r));
			goto fail;
		}
		size_t sz = sizeof(p->router_fd);
		int fd = -1;
		if (zmq_getsockopt(p->router, ZMQ_FD, &fd, &sz) < 0) {
			r = -errno;
			snprintf(err, errlen, "ZMQ_FD: %s", zmq_strerror(-r));
			goto fail;
		}
		if ((r = loop_add(loop, fd, EPOLLIN, on_router, p)) < 0) {
			snprintf(err, errlen, "cannot watch the replay socket: %s", strerror(-r));
			goto fail;
		}
		p->router_fd = fd;
		loop_timer_arm(p->t_service, 0);
	}
	store_set_tx_hook(st, tx_hook, p);
	*ret = p;
	return 0;
fail:
	pub_free(p);
	return r;
}

struct pub *pub_free(struct pub *p)
{
	if (!p)
		return NULL;
	if (p->st)
		store_set_tx_hook(p->st, NULL, NULL);
	if (p->router_fd >= 0)
		loop_del(p->loop, p->router_fd);
	if (p->zap_fd >= 0)
		loop_del(p->loop, p->zap_fd);
	for (size_t i = 0; i < p->n_mons; i++) {
		loop_del(p->loop, p->mon_fds[i]);
		zmq_close(p->mons[i]);
	}
	free(p->mons);
	free(p->mon_fds);
	loop_timer_free(p->t_service);
	if (p->router)
		zmq_close(p->router);
	if (p->zap)
		zmq_close(p->zap);
	for (size_t i = 0; i < p->n_pubs; i++)
		zmq_close(p->pubs[i]);
	free(p->pubs);
	tx_hook(p, false);
	free(p->q);
	while (p->jobs) {
		struct job *j = p->jobs;
		p->jobs = j->next;
		free(j);
	}
	free(p->client_keys);
	free(p->replay_ep);
	free(p->shard);
	free(p);
	return NULL;
}

/* ---- emitting ---- */

struct emit_ctx {
	json_t *body;
	const char *epoch;
	bool fill_id;
};

static char *emit_body(void *ud, uint64_t gseq, uint64_t seq)
{
	struct emit_ctx *c = ud;
	(void)seq;
	if (json_object_set_new(c->body, "gseq", json_integer((json_int_t)gseq)) < 0)
		return NULL;
	if (c->fill_id) {
		/* a body without an id gets one that is unique for this instance */
		char id[64];
		snprintf(id, sizeof(id), "%s-%" PRIu64, c->epoch, gseq);
		if (json_object_set_new(c->body, "id", json_string(id)) < 0)
			return NULL;
	}
	return jw_dump(c->body, NULL); /* serialised once: journalled and sent as is */
}

static int envelope(struct pub *p, json_t *body, const char *schema)
{
	char ts[64];
	iso_now_ms(ts);
	if (json_object_set_new(body, "schema", json_string(schema)) < 0 ||
	    json_object_set_new(body, "epoch", json_string(store_epoch(p->st))) < 0 ||
	    json_object_set_new(body, "emitted_at", json_string(ts)) < 0)
		return -ENOMEM;
	if (p->shard && json_object_set_new(body, "shard", json_string(p->shard)) < 0)
		return -ENOMEM;
	return 0;
}

int pub_emit(struct pub *p, const char *topic, const char *schema, json_t *body,
	     uint64_t *ret_gseq)
{
	if (!p || !topic || !*topic || !schema || !json_is_object(body))
		return -EINVAL;
	int r = envelope(p, body, schema);
	if (r < 0)
		return r;
	struct emit_ctx c = { .body = body, .epoch = store_epoch(p->st),
			      .fill_id = !json_is_string(json_object_get(body, "id")) };
	uint64_t gseq = 0, seq = 0;
	char *out = NULL;
	r = store_journal_append(p->st, topic, now_wall_ms(), emit_body, &c, &gseq, &seq, &out);
	if (r < 0)
		return r;
	if (store_in_tx(p->st)) {
		if (p->nq == p->capq) {
			size_t cap = p->capq ? 2 * p->capq : 16;
			struct pending *nq = realloc(p->q, cap * sizeof(*nq));
			if (!nq) {
				free(out);
				return -ENOMEM; /* the caller rolls back */
			}
			p->q = nq;
			p->capq = cap;
		}
		char *t = strdup(topic);
		if (!t) {
			free(out);
			return -ENOMEM;
		}
		p->q[p->nq++] = (struct pending){ .topic = t, .body = out, .seq = seq };
	} else {
		pub_send(p, topic, out, seq);
		free(out);
		if (p->sent_fn)
			p->sent_fn(p->sent_ud);
	}
	if (ret_gseq)
		*ret_gseq = gseq;
	return 0;
}

int pub_heartbeat(struct pub *p, json_t *body)
{
	if (!p || !json_is_object(body))
		return -EINVAL;
	int r = envelope(p, body, CLAIMD_SCHEMA_HEARTBEAT);
	if (r < 0)
		return r;
	if (!json_is_string(json_object_get(body, "id")))
		json_object_set_new(body, "id", json_string("heartbeat"));
	json_object_set_new(body, "gseq", json_integer((json_int_t)store_gseq_high(p->st)));
	if (p->replay_ep)
		json_object_set_new(body, "replay", json_string(p->replay_ep));
	uint64_t seq = 0;
	int sr = store_in_tx(p->st) ? -EBUSY
				     : store_topic_next(p->st, CLAIMD_TOPIC_HEARTBEAT, p->hb_seq + 1,
							&seq);
	if (sr < 0)
		seq = p->hb_seq + 1; /* still a sign of life; the stored counter catches up */
	p->hb_seq = seq;
	char *out = jw_dump(body, NULL);
	if (!out)
		return -ENOMEM;
	pub_send(p, CLAIMD_TOPIC_HEARTBEAT, out, seq);
	free(out);
	return sr < 0 ? sr : 0;
}

uint64_t pub_sent(const struct pub *p)
{
	return p ? p->sent : 0;
}

int pub_reload_keys(struct pub *p, const struct cfg *cfg, char *err, size_t errlen)
{
	if (!p || !p->curve)
		return 0;
	char cred[4096];
	const char *secret_file = secret_path(cfg, cred, sizeof(cred));
	unsigned char secret[32];
	int r;
	if (!secret_file) {
		snprintf(err, errlen, "no CURVE secret key any more; keeping the old keys");
		return -EINVAL;
	}
	if ((r = read_key(secret_file, secret)) < 0) {
		snprintf(err, errlen, "cannot read CURVE secret key %s: %s; keeping the old keys",
			 secret_file, r == -EINVAL ? "not a 40-character Z85 key" : strerror(-r));
		return r;
	}
	if (!cfg->curve_client_keys_dir || !*cfg->curve_client_keys_dir ||
	    (r = load_client_keys(p, cfg->curve_client_keys_dir, err, errlen)) < 0) {
		if (!cfg->curve_client_keys_dir || !*cfg->curve_client_keys_dir)
			snprintf(err, errlen, "CURVE needs curve_client_keys_dir; keeping the old keys");
		return -EINVAL;
	}
	p->n_refused = 0;
	p->logged_plain = false;
	if (memcmp(secret, p->secret, 32)) {
		/* a listener copies its options when it binds: rebind with the new key (the
		 * clients reconnect, and need the new public key) */
		memcpy(p->secret, secret, 32);
		for (size_t i = 0; i <= p->n_pubs; i++) {
			void *s = i < p->n_pubs ? p->pubs[i] : p->router;
			/* the endpoint each socket is bound to (publish and replay changes take
			 * effect at the next restart, not here) */
			char ep[1024];
			size_t sz = sizeof(ep);
			if (!s || zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &sz) < 0 || !*ep)
				continue;
			zmq_unbind(s, ep);
			if ((r = secure(s, secret)) < 0)
				return r;
			/* libzmq closes the old listener in its I/O thread: until it has, the port
			 * is in use. A reload is rare; wait for it, at most 1 s. */
			for (int tries = 0; tries < 100; tries++) {
				r = bind_ep(s, ep, i < p->n_pubs ? "publish" : "replay", err, errlen);
				if (r != -EADDRINUSE)
					break;
				nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
			}
			if (r < 0)
				return r;
		}
	}
	return (int)p->n_client_keys;
}
