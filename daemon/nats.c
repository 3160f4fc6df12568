/* nats.c — the JetStream output: the journal, after its cursor, into a stream.
 *
 * Takes: the [nats] configuration, the loop, the store (journal and cursor), the publisher
 *        (for sys/nats status messages).
 * Gives: every journalled message published asynchronously to PREFIX.<topic, / as .>, with
 *        headers Nats-Msg-Id (the stable id: JetStream's duplicate window drops resends),
 *        Claimd-Gseq, Claimd-Epoch and Claimd-Shard, and the body bytes exactly as on
 *        ZeroMQ; a window of at most max_pending messages in flight, in gseq order; the
 *        cursor (highest gseq acknowledged with all before it) saved in the state database
 *        after every batch of acknowledgements. A negative acknowledgement, a timeout
 *        (ack_timeout) or a lost connection rewinds to the cursor and resends from the
 *        journal; what JetStream already had comes back as a duplicate and costs nothing.
 *        After a rewind one message goes first, and the window opens when it is stored, so
 *        a stream that is electing a leader does not store a window's tail before its head.
 * Threads: the nats C client calls ack_cb and the connection callbacks on its own
 *        threads; they only append to a queue under a mutex and write an eventfd. All the
 *        rest runs on the loop, which never waits for the network: publishing is
 *        asynchronous and, while the cluster is unreachable, nothing is sent at all (the
 *        journal is the backlog, bounded by its retention).
 * Must not: block the loop, or move the cursor past a message JetStream did not store. */
#include "claimd/nats.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "claimd/log.h"
#include "claimd/msgid.h"
#include "claimd/wire.h"

#define NATS_PASS_MAX 2048          /* messages published per loop pass */
#define NATS_RETRY_MIN_MS 200        /* first retry after an error; doubles */
#define NATS_RETRY_MAX_MS 5000
#define NATS_SETUP_WAIT_MS 3000      /* one JetStream API request */
#define NATS_SUBJECT_MAX 200
#define NATS_ID_MAX 512
#define NATS_MAX_SERVERS 32

struct ack {
	uint64_t gseq;
	bool ok;
	bool dup;
	int err;             /* natsStatus */
	int code;            /* jsErrCode */
};

struct slot {
	uint64_t gseq;
	int64_t sent_ms;
	bool acked;
};

enum conn_ev { EV_NONE = 0, EV_UP = 1, EV_DOWN = 2 };

struct nats {
	struct loop *loop;
	struct store *st;
	struct pub *pub;
	char *stream;
	char *prefix;
	char *shard;
	char *cursor_name;
	char *url;
	int64_t max_age_ms, max_bytes, dup_window_ms, ack_timeout_ms;
	int replicas;
	size_t max_pending;

	natsOptions *opts;
	natsConnection *nc;
	jsCtx *js;
	int efd;

	/* shared with the client's threads, under mu */
	pthread_mutex_t mu;
	struct ack *q;
	size_t nq, capq;
	int conn_ev;         /* last connection event not yet seen by the loop */
	bool stream_ok;      /* the stream was created or checked */

	/* the loop's own */
	struct slot *win;    /* ring of messages in flight, in gseq order */
	size_t head, n;
	uint64_t cursor;     /* saved */
	uint64_t sent;       /* last gseq handed to the client in this round */
	bool connected;
	bool down_logged;
	bool pump_armed;
	bool rewind;
	bool probe;          /* after a rewind: one message in flight until one is stored */
	int64_t retry_ms;
	int64_t next_ok_ms;  /* no publishing before (after an error) */
	struct loop_timer *t_pump;
	struct nats_stats s;
	char last_err[160];
};

/* ---- pure helpers ---- */

int nats_subject(const char *prefix, const char *topic, char *out, size_t outlen)
{
	int k = snprintf(out, outlen, "%s.%s", prefix, topic);
	if (k < 0 || (size_t)k >= outlen)
		return -ENAMETOOLONG;
	for (char *c = out + strlen(prefix) + 1; *c; c++)
		if (*c == '/')
			*c = '.';
	return k;
}

int nats_msg_id(const char *body, char *out, size_t outlen)
{
	json_t *j = json_loads(body, JSON_DISABLE_EOF_CHECK, NULL);
	const char *id = json_string_value(json_object_get(j, "id"));
	const char *hash = json_string_value(json_object_get(j, "content_hash"));
	int r = -EINVAL;
	if (id && *id) {
		int k = hash && *hash ? snprintf(out, outlen, "%s:%s", id, hash)
				      : snprintf(out, outlen, "%s", id);
		r = k > 0 && (size_t)k < outlen ? 0 : -EINVAL;
	}
	json_decref(j);
	return r;
}

/* ---- the client's threads ---- */

static void wake(struct nats *n)
{
	uint64_t one = 1;
	ssize_t w = write(n->efd, &one, sizeof(one));
	(void)w; /* EAGAIN: the counter is already non-zero, the loop will wake */
}

static void ack_cb(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	(void)js;
	struct nats *n = closure;
	const char *g = NULL;
	struct ack a = { 0 };
	if (msg && natsMsgHeader_Get(msg, "Claimd-Gseq", &g) == NATS_OK && g)
		a.gseq = strtoull(g, NULL, 10);
	a.ok = pa != NULL && pae == NULL;
	a.dup = pa && pa->Duplicate;
	if (pae) {
		a.err = (int)pae->Err;
		a.code = (int)pae->ErrCode;
	}
	natsMsg_Destroy(msg);
	if (a.gseq == 0)
		return;
	pthread_mutex_lock(&n->mu);
	if (n->nq == n->capq) {
		size_t cap = n->capq ? 2 * n->capq : 256;
		struct ack *nq = realloc(n->q, cap * sizeof(*nq));
		if (!nq) {
			/* dropped: its slot times out and the window is resent */
			pthread_mutex_unlock(&n->mu);
			return;
		}
		n->q = nq;
		n->capq = cap;
	}
	n->q[n->nq++] = a;
	pthread_mutex_unlock(&n->mu);
	wake(n);
}

static int ensure_stream(struct nats *n, char *err, size_t errlen);

static void conn_event(struct nats *n, int ev)
{
	pthread_mutex_lock(&n->mu);
	n->conn_ev = ev;
	pthread_mutex_unlock(&n->mu);
	wake(n);
}

/* Connected (after a failed first attempt) or reconnected: creates or checks the stream
 * here, on the client's thread, where waiting for the answer blocks nothing of ours. */
static void on_up(natsConnection *nc, void *closure)
{
	(void)nc;
	struct nats *n = closure;
	pthread_mutex_lock(&n->mu);
	bool ok = n->stream_ok;
	pthread_mutex_unlock(&n->mu);
	if (!ok) {
		char err[256];
		if (ensure_stream(n, err, sizeof(err)) == 0) {
			pthread_mutex_lock(&n->mu);
			n->stream_ok = true;
			pthread_mutex_unlock(&n->mu);
		}
	}
	conn_event(n, EV_UP);
}

static void on_down(natsConnection *nc, void *closure)
{
	(void)nc;
	conn_event(closure, EV_DOWN);
}

/* ---- the stream ---- */

static int servers_known(struct nats *n)
{
	char **srv = NULL;
	int count = 0;
	if (natsConnection_GetServers(n->nc, &srv, &count) != NATS_OK)
		return 1;
	for (int i = 0; i < count; i++)
		free(srv[i]);
	free(srv);
	return count;
}

/* Creates the stream, or checks that the one there holds our subjects and updates its
 * limits to the configured ones. 0, -EAGAIN (the cluster did not answer: try again when
 * it does) or -EEXIST (a stream of that name with other subjects: the operator's call). */
static int ensure_stream(struct nats *n, char *err, size_t errlen)
{
	char subj[NATS_SUBJECT_MAX];
	snprintf(subj, sizeof(subj), "%s.>", n->prefix);
	const char *subjects[1] = { subj };
	jsStreamConfig sc;
	jsStreamConfig_Init(&sc);
	sc.Name = n->stream;
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Retention = js_LimitsPolicy;
	sc.Storage = js_FileStorage;
	sc.Discard = js_DiscardOld;
	sc.MaxAge = n->max_age_ms * 1000000LL;
	sc.MaxBytes = n->max_bytes;
	sc.Duplicates = n->dup_window_ms * 1000000LL;
	sc.Replicas = n->replicas > 0 ? n->replicas : servers_known(n) >= 3 ? 3 : 1;
	jsOptions o;
	jsOptions_Init(&o);
	o.Wait = NATS_SETUP_WAIT_MS;
	jsStreamInfo *si = NULL;
	jsErrCode code = 0;
	natsStatus s = js_GetStreamInfo(&si, n->js, n->stream, &o, &code);
	if (s == NATS_OK && si) {
		bool ours = false;
		for (int i = 0; si->Config && i < si->Config->SubjectsLen; i++)
			ours = ours || !strcmp(si->Config->Subjects[i], subj);
		int64_t had_replicas = si->Config ? si->Config->Replicas : 0;
		jsStreamInfo_Destroy(si);
		if (!ours) {
			snprintf(err, errlen, "stream %s exists without subject %s", n->stream, subj);
			return -EEXIST;
		}
		sc.Replicas = had_replicas; /* a replica count is changed by the operator */
		s = js_UpdateStream(&si, n->js, &sc, &o, &code);
		if (s == NATS_OK) {
			jsStreamInfo_Destroy(si);
			log_ev(LOG_INFO, MSGID_NATS_STREAM, NULL,
			       "JetStream stream %s checked: subjects %s, %" PRId64 " replicas", n->stream,
			       subj, had_replicas);
			return 0;
		}
		snprintf(err, errlen, "cannot update stream %s: %s (%d)", n->stream,
			 nats_GetLastError(NULL) ? nats_GetLastError(NULL) : natsStatus_GetText(s),
			 (int)code);
		return s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS ? -EAGAIN : -EEXIST;
	}
	if (s != NATS_NOT_FOUND && code != JSStreamNotFoundErr) {
		snprintf(err, errlen, "cannot read stream %s: %s (%d)", n->stream,
			 natsStatus_GetText(s), (int)code);
		return -EAGAIN;
	}
	s = js_AddStream(&si, n->js, &sc, &o, &code);
	if (s != NATS_OK) {
		snprintf(err, errlen, "cannot create stream %s: %s (%d)", n->stream,
			 nats_GetLastError(NULL) ? nats_GetLastError(NULL) : natsStatus_GetText(s),
			 (int)code);
		return -EAGAIN;
	}
	jsStreamInfo_Destroy(si);
	log_ev(LOG_NOTICE, MSGID_NATS_STREAM, NULL,
	       "JetStream stream %s created: subjects %s, %" PRId64 " replicas", n->stream, subj,
	       sc.Replicas);
	return 0;
}

/* ---- the loop's side ---- */

static void status(struct nats *n, const char *state)
{
	if (!n->pub)
		return;
	uint64_t high = store_gseq_high(n->st);
	json_t *b = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "state", state, "stream", n->stream,
			      "url", n->url, "cursor", (json_int_t)n->cursor, "high",
			      (json_int_t)high, "backlog",
			      (json_int_t)(high > n->cursor ? high - n->cursor : 0));
	if (!b)
		return;
	if (n->last_err[0])
		json_object_set_new(b, "error", json_string(n->last_err));
	pub_emit(n->pub, CLAIMD_TOPIC_NATS, CLAIMD_SCHEMA_NATS, b, NULL);
	json_decref(b);
}

static void arm_pump(struct nats *n, int64_t delay_ms)
{
	if (n->pump_armed && delay_ms > 0)
		return;
	n->pump_armed = true;
	loop_timer_arm(n->t_pump, delay_ms);
}

void nats_kick(void *ud)
{
	struct nats *n = ud;
	if (n && n->connected && !n->pump_armed)
		arm_pump(n, 0);
}

static void save_cursor(struct nats *n, uint64_t to)
{
	if (to <= n->cursor)
		return;
	if (store_in_tx(n->st))
		return; /* saved at the next batch */
	int r = store_cursor_put(n->st, n->cursor_name, to);
	if (r < 0) {
		log_ev(LOG_ERR, MSGID_STATE_ERROR, &(struct log_ctx){ .err = -r, .gseq = to },
		       "Cannot save the JetStream cursor: %s; what follows it is resent",
		       store_errmsg(n->st));
		return;
	}
	n->cursor = to;
}

/* Forgets what is in flight; the next pass resends from the cursor. */
static void rewind_window(struct nats *n)
{
	n->head = 0;
	n->n = 0;
	n->sent = n->cursor;
	n->rewind = false;
	/* one message first: a stream still electing its leader refuses it and it is sent
	 * again, rather than refusing some of a window and storing the rest out of order */
	n->probe = true;
}

static struct slot *slot_at(struct nats *n, size_t i)
{
	return &n->win[(n->head + i) % n->max_pending];
}

static struct slot *find_slot(struct nats *n, uint64_t gseq)
{
	size_t lo = 0, hi = n->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct slot *s = slot_at(n, mid);
		if (s->gseq == gseq)
			return s;
		if (s->gseq < gseq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void take_acks(struct nats *n)
{
	pthread_mutex_lock(&n->mu);
	struct ack *q = n->q;
	size_t nq = n->nq;
	int ev = n->conn_ev;
	n->q = NULL;
	n->nq = n->capq = 0;
	n->conn_ev = EV_NONE;
	pthread_mutex_unlock(&n->mu);

	bool failed = false;
	for (size_t i = 0; i < nq; i++) {
		struct slot *s = find_slot(n, q[i].gseq);
		if (q[i].ok) {
			n->s.acked++;
			if (q[i].dup)
				n->s.duplicates++;
			if (s) {
				s->acked = true;
				n->probe = false;
			}
		} else {
			n->s.errors++;
			if (s && !s->acked) {
				failed = true;
				snprintf(n->last_err, sizeof(n->last_err), "%s (JetStream error %d)",
					 natsStatus_GetText((natsStatus)q[i].err), q[i].code);
			}
		}
	}
	free(q);
	uint64_t to = n->cursor;
	while (n->n > 0 && slot_at(n, 0)->acked) {
		to = slot_at(n, 0)->gseq;
		n->head = (n->head + 1) % n->max_pending;
		n->n--;
	}
	if (n->n == 0 && n->sent > to)
		to = n->sent; /* everything sent is acknowledged (gaps were pruned) */
	save_cursor(n, to);
	if (failed) {
		rewind_window(n);
		n->next_ok_ms = now_mono_ms() + n->retry_ms;
		n->retry_ms = n->retry_ms * 2 > NATS_RETRY_MAX_MS ? NATS_RETRY_MAX_MS : n->retry_ms * 2;
		log_ev(LOG_WARNING, MSGID_NATS_UNREACHABLE, &(struct log_ctx){ .gseq = n->cursor + 1 },
		       "JetStream refused or lost a message: %s; resending after gseq %" PRIu64,
		       n->last_err, n->cursor);
	} else if (nq > 0) {
		n->retry_ms = NATS_RETRY_MIN_MS;
	}
	if (ev == EV_DOWN && n->connected) {
		n->connected = false;
		rewind_window(n);
		snprintf(n->last_err, sizeof(n->last_err), "disconnected");
		uint64_t high = store_gseq_high(n->st);
		log_ev(LOG_WARNING, MSGID_NATS_UNREACHABLE, &(struct log_ctx){ .gseq = n->cursor },
		       "JetStream unreachable (%s): %" PRIu64
		       " messages wait in the journal, bounded by its retention",
		       n->url, high > n->cursor ? high - n->cursor : 0);
		n->down_logged = true;
		status(n, "down");
	} else if (ev == EV_UP) {
		bool was = n->connected;
		n->connected = true;
		rewind_window(n);
		n->next_ok_ms = 0;
		if (!was && n->down_logged) {
			uint64_t high = store_gseq_high(n->st);
			n->last_err[0] = '\0';
			log_ev(LOG_NOTICE, MSGID_NATS_RECOVERED, &(struct log_ctx){ .gseq = n->cursor },
			       "JetStream reachable again: resending %" PRIu64 " messages after gseq %" PRIu64,
			       high > n->cursor ? high - n->cursor : 0, n->cursor);
			n->down_logged = false;
			status(n, "up");
		}
	}
	if (n->connected)
		arm_pump(n, 0);
}

static void on_event(struct loop *l, int fd, uint32_t events, void *ud)
{
	(void)l;
	(void)events;
	uint64_t v;
	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
	take_acks(ud);
}

struct pass {
	struct nats *n;
	int budget;
	int rc;
	uint64_t first;
};

static int publish_one(void *ud, uint64_t gseq, const char *topic, uint64_t seq,
		       const char *body)
{
	struct pass *p = ud;
	struct nats *n = p->n;
	(void)seq;
	if (p->budget <= 0 || n->n >= (n->probe ? 1 : n->max_pending))
		return 1;
	if (!p->first)
		p->first = gseq;
	char subj[NATS_SUBJECT_MAX], id[NATS_ID_MAX], g[24];
	if (nats_subject(n->prefix, topic, subj, sizeof(subj)) < 0 ||
	    nats_msg_id(body, id, sizeof(id)) < 0) {
		/* cannot happen for what pub_emit journals; skipped rather than wedging */
		n->sent = gseq;
		return 0;
	}
	snprintf(g, sizeof(g), "%" PRIu64, gseq);
	natsMsg *m = NULL;
	natsStatus s = natsMsg_Create(&m, subj, NULL, body, (int)strlen(body));
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, "Claimd-Gseq", g);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, "Claimd-Epoch", store_epoch(n->st));
	if (s == NATS_OK && n->shard)
		s = natsMsgHeader_Set(m, "Claimd-Shard", n->shard);
	jsPubOptions po;
	jsPubOptions_Init(&po);
	po.MsgId = id;
	po.MaxWait = n->ack_timeout_ms;
	po.ExpectStream = n->stream;
	if (s == NATS_OK)
		s = js_PublishMsgAsync(n->js, &m, &po);
	if (s != NATS_OK) {
		natsMsg_Destroy(m);
		snprintf(n->last_err, sizeof(n->last_err), "publish: %s", natsStatus_GetText(s));
		p->rc = -EAGAIN;
		return 1;
	}
	struct slot *sl = &n->win[(n->head + n->n) % n->max_pending];
	*sl = (struct slot){ .gseq = gseq, .sent_ms = now_mono_ms() };
	n->n++;
	n->sent = gseq;
	n->s.published++;
	p->budget--;
	return 0;
}

static void pump(struct loop *l, struct loop_timer *t, void *ud)
{
	(void)l;
	(void)t;
	struct nats *n = ud;
	n->pump_armed = false;
	if (!n->connected)
		return;
	int64_t now = now_mono_ms();
	if (n->next_ok_ms > now) {
		arm_pump(n, n->next_ok_ms - now);
		return;
	}
	/* the oldest in flight unacknowledged for too long: the client's own MaxWait timeout
	 * should have said so; resend in any case */
	if (n->n > 0 && now - slot_at(n, 0)->sent_ms > 2 * n->ack_timeout_ms + 1000) {
		snprintf(n->last_err, sizeof(n->last_err), "no acknowledgement");
		rewind_window(n);
	}
	uint64_t high = store_gseq_high(n->st);
	if (n->sent < high && n->n < (n->probe ? 1 : n->max_pending)) {
		struct pass p = { .n = n, .budget = NATS_PASS_MAX };
		uint64_t from = n->sent;
		int r = store_journal_scan(n->st, "", from, publish_one, &p);
		if (p.first > from + 1 && from == n->cursor && store_gseq_floor(n->st) > from + 1) {
			log_ev(LOG_ERR, MSGID_NATS_EXPIRED, &(struct log_ctx){ .gseq = p.first },
			       "The journal pruned %" PRIu64 " messages JetStream never acknowledged "
			       "(gseq %" PRIu64 " to %" PRIu64 "): raise journal_max_age or "
			       "journal_max_bytes",
			       p.first - from - 1, from + 1, p.first - 1);
			save_cursor(n, p.first - 1); /* gone: not waited for again */
		}
		if (r < 0 || p.rc < 0) {
			n->next_ok_ms = now + n->retry_ms;
			arm_pump(n, n->retry_ms);
			return;
		}
		if (p.budget == 0 && n->n < (n->probe ? 1 : n->max_pending)) {
			arm_pump(n, 0); /* more to send: next pass, after other events */
			return;
		}
	}
	if (n->n > 0)
		arm_pump(n, n->ack_timeout_ms); /* checks for a lost acknowledgement */
}

/* ---- set-up ---- */

static int fail_status(natsStatus s, const char *what, char *err, size_t errlen)
{
	const char *last = nats_GetLastError(NULL);
	snprintf(err, errlen, "%s: %s", what, last && *last ? last : natsStatus_GetText(s));
	return -EINVAL;
}

int nats_new(struct loop *loop, const struct cfg *cfg, struct store *st, struct pub *pub,
	     struct nats **ret, char *err, size_t errlen)
{
	*ret = NULL;
	if (!cfg->nats.url || !*cfg->nats.url)
		return 0;
	struct nats *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	pthread_mutex_init(&n->mu, NULL);
	n->loop = loop;
	n->st = st;
	n->pub = pub;
	n->efd = -1;
	n->max_pending = (size_t)cfg->nats.max_pending;
	n->max_age_ms = cfg->nats.max_age_ms;
	n->max_bytes = cfg->nats.max_bytes;
	n->dup_window_ms = cfg->nats.duplicate_window_ms;
	n->ack_timeout_ms = cfg->nats.ack_timeout_ms;
	n->replicas = cfg->nats.replicas;
	n->retry_ms = NATS_RETRY_MIN_MS;
	int r = -ENOMEM;
	n->stream = strdup(cfg->nats.stream);
	n->prefix = strdup(cfg->nats.subject_prefix);
	n->url = strdup(cfg->nats.url);
	n->win = calloc(n->max_pending, sizeof(*n->win));
	if (!n->stream || !n->prefix || !n->url || !n->win)
		goto fail;
	if (cfg->shard && *cfg->shard && !(n->shard = strdup(cfg->shard)))
		goto fail;
	if (asprintf(&n->cursor_name, "nats:%s", n->stream) < 0) {
		n->cursor_name = NULL;
		goto fail;
	}
	if ((r = store_cursor_get(st, n->cursor_name, &n->cursor)) < 0) {
		snprintf(err, errlen, "cannot read the JetStream cursor: %s", store_errmsg(st));
		goto fail;
	}
	n->sent = n->cursor;
	n->probe = true;
	n->s.cursor = n->cursor;
	n->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (n->efd < 0) {
		r = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(-r));
		goto fail;
	}
	if ((r = loop_add(loop, n->efd, EPOLLIN, on_event, n)) < 0 ||
	    (r = loop_timer_new(loop, pump, n, &n->t_pump)) < 0) {
		snprintf(err, errlen, "cannot watch the JetStream events: %s", strerror(-r));
		goto fail;
	}

	/* the server list */
	char *urls[NATS_MAX_SERVERS];
	int nurls = 0;
	char *copy = strdup(cfg->nats.url), *save = NULL;
	if (!copy) {
		r = -ENOMEM;
		goto fail;
	}
	for (char *t = strtok_r(copy, ", \t", &save); t && nurls < NATS_MAX_SERVERS;
	     t = strtok_r(NULL, ", \t", &save))
		urls[nurls++] = t;
	natsStatus s = natsOptions_Create(&n->opts);
	if (s == NATS_OK)
		s = natsOptions_SetServers(n->opts, (const char **)urls, nurls);
	free(copy);
	if (s != NATS_OK) {
		r = fail_status(s, "[nats] url", err, errlen);
		goto fail;
	}
	char name[96];
	snprintf(name, sizeof(name), "claimd%s%s", n->shard ? " shard " : "", n->shard ? n->shard : "");
	natsOptions_SetName(n->opts, name);
	natsOptions_SetTimeout(n->opts, 2000);
	natsOptions_SetMaxReconnect(n->opts, -1);
	natsOptions_SetReconnectWait(n->opts, 500);
	natsOptions_SetReconnectJitter(n->opts, 100, 500);
	natsOptions_SetRetryOnFailedConnect(n->opts, true, on_up, n);
	natsOptions_SetDisconnectedCB(n->opts, on_down, n);
	natsOptions_SetReconnectedCB(n->opts, on_up, n);
	natsOptions_SetPingInterval(n->opts, 2000);
	natsOptions_SetMaxPingsOut(n->opts, 2);
	if (cfg->nats.credentials_file && *cfg->nats.credentials_file &&
	    (s = natsOptions_SetUserCredentialsFromFiles(n->opts, cfg->nats.credentials_file, NULL)) != NATS_OK) {
		r = fail_status(s, "[nats] credentials_file", err, errlen);
		goto fail;
	}
	if (cfg->nats.nkey_seed_file && *cfg->nats.nkey_seed_file) {
		if (!cfg->nats.nkey || !*cfg->nats.nkey) {
			snprintf(err, errlen, "[nats] nkey_seed_file needs nkey (the public key)");
			r = -EINVAL;
			goto fail;
		}
		if ((s = natsOptions_SetNKeyFromSeed(n->opts, cfg->nats.nkey, cfg->nats.nkey_seed_file)) !=
		    NATS_OK) {
			r = fail_status(s, "[nats] nkey_seed_file", err, errlen);
			goto fail;
		}
	}
	if (cfg->nats.tls_ca_file && *cfg->nats.tls_ca_file &&
	    ((s = natsOptions_SetSecure(n->opts, true)) != NATS_OK ||
	     (s = natsOptions_LoadCATrustedCertificates(n->opts, cfg->nats.tls_ca_file)) != NATS_OK)) {
		r = fail_status(s, "[nats] tls_ca_file", err, errlen);
		goto fail;
	}

	s = natsConnection_Connect(&n->nc, n->opts);
	if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
		r = fail_status(s, "cannot connect to NATS", err, errlen);
		goto fail;
	}
	bool up = s == NATS_OK;
	jsOptions jo;
	jsOptions_Init(&jo);
	jo.PublishAsync.AckHandler = ack_cb;
	jo.PublishAsync.AckHandlerClosure = n;
	jo.PublishAsync.MaxPending = (int64_t)n->max_pending * 4; /* never reached: no stall */
	jo.PublishAsync.StallWait = 1;
	jo.Wait = NATS_SETUP_WAIT_MS;
	if ((s = natsConnection_JetStream(&n->js, n->nc, &jo)) != NATS_OK) {
		r = fail_status(s, "JetStream", err, errlen);
		goto fail;
	}
	if (up) {
		/* before READY=1: a cluster that answers says at once whether the stream is
		 * usable; one that does not (electing a leader) is asked again when it does */
		char why[256] = "";
		for (int tries = 0; tries < 3; tries++) /* a cluster still electing its leader */
			if ((r = ensure_stream(n, why, sizeof(why))) != -EAGAIN)
				break;
		if (r == -EEXIST) {
			snprintf(err, errlen, "%s", why);
			goto fail;
		}
		pthread_mutex_lock(&n->mu);
		n->stream_ok = r == 0;
		pthread_mutex_unlock(&n->mu);
		if (r < 0)
			log_ev(LOG_WARNING, MSGID_NATS_STREAM, NULL, "JetStream stream not ready: %s; "
				"publishing is retried", why);
		n->connected = true;
		arm_pump(n, 0);
	} else {
		snprintf(n->last_err, sizeof(n->last_err), "not connected");
		log_ev(LOG_WARNING, MSGID_NATS_UNREACHABLE, &(struct log_ctx){ .gseq = n->cursor },
		       "JetStream unreachable at start (%s): publishing begins when it answers; "
		       "the journal holds the backlog",
		       n->url);
		n->down_logged = true;
	}
	log_ev(LOG_INFO, NULL, &(struct log_ctx){ .gseq = n->cursor },
	       "JetStream output to stream %s on %s, subjects %s.>, resuming after gseq %" PRIu64
	       " (journal at %" PRIu64 ")",
	       n->stream, n->url, n->prefix, n->cursor, store_gseq_high(st));
	*ret = n;
	return 0;
fail:
	nats_free(n);
	return r < 0 ? r : -EINVAL;
}

struct nats *nats_free(struct nats *n)
{
	if (!n)
		return NULL;
	if (n->js && n->connected && n->n > 0) {
		jsPubOptions po;
		jsPubOptions_Init(&po);
		po.MaxWait = 2000;
		js_PublishAsyncComplete(n->js, &po);
	}
	if (n->nc)
		natsConnection_Close(n->nc);
	if (n->efd >= 0 && n->t_pump) {
		take_acks(n);
		log_ev(LOG_INFO, NULL, &(struct log_ctx){ .gseq = n->cursor },
		       "JetStream output stopped: %" PRIu64 " published, %" PRIu64
		       " acknowledged (%" PRIu64 " duplicates dropped), %" PRIu64
		       " errors, cursor at gseq %" PRIu64,
		       n->s.published, n->s.acked, n->s.duplicates, n->s.errors, n->cursor);
	}
	jsCtx_Destroy(n->js);
	natsConnection_Destroy(n->nc);
	natsOptions_Destroy(n->opts);
	nats_CloseAndWait(2000); /* the client's threads are gone: no callback after this */
	if (n->efd >= 0) {
		loop_del(n->loop, n->efd);
		close(n->efd);
	}
	loop_timer_free(n->t_pump);
	pthread_mutex_destroy(&n->mu);
	free(n->q);
	free(n->win);
	free(n->stream);
	free(n->prefix);
	free(n->url);
	free(n->shard);
	free(n->cursor_name);
	free(n);
	return NULL;
}

void nats_stats(const struct nats *n, struct nats_stats *ret)
{
	*ret = (struct nats_stats){ 0 };
	if (!n)
		return;
	*ret = n->s;
	ret->cursor = n->cursor;
	ret->connected = n->connected;
	uint64_t high = store_gseq_high(n->st);
	ret->backlog = high > n->cursor ? high - n->cursor : 0;
}
