/* metrics.c — the Prometheus text endpoint: GET /metrics on `metrics = HOST:PORT`.
 *
 * Takes: the daemon context (counters, scheduler, store) and stats.c's per-source
 *        figures. Gives: the text exposition format (version 0.0.4) with names and labels
 *        after Prometheus' conventions (claimd_ prefix, _total counters, base units:
 *        seconds and bytes), served by libmicrohttpd in external-select mode: its epoll fd
 *        is watched by claimd's loop and its timeout drives a loop timer, so nothing runs
 *        outside the loop and nothing blocks it.
 * Must not: answer anything but GET/HEAD /metrics (404, 405), keep more than a few
 *        connections (MHD's connection limit), or log (the caller logs a failure to bind). */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "claimd/daemon.h"
#include "claimd/metrics.h"
#include "claimd/stats.h"

#define METRICS_MAX_CONN 16
#define METRICS_CONN_TIMEOUT_S 10

struct metrics {
	struct daemon *d;
	struct MHD_Daemon *mhd;
	int fd;
	struct loop_timer *timer;
};

/* ---- text ---- */

struct buf {
	char *s;
	size_t n, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3))) static void put(struct buf *b, const char *fmt, ...)
{
	if (b->oom)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->oom = true;
			return;
		}
		if (b->s && b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 16384;
		while (cap < b->n + (size_t)k + 1)
			cap *= 2;
		char *n = realloc(b->s, cap);
		if (!n) {
			b->oom = true;
			return;
		}
		b->s = n;
		b->cap = cap;
	}
}

static void head(struct buf *b, const char *name, const char *type, const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct src_list {
	struct sched_info *v;
	char **names;
	size_t n;
};

static void collect(const struct sched_info *i, void *ud)
{
	struct src_list *l = ud;
	struct sched_info *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	char **nm = realloc(l->names, (l->n + 1) * sizeof(*nm));
	if (v)
		l->v = v;
	if (nm)
		l->names = nm;
	if (!v || !nm)
		return;
	l->v[l->n] = *i;
	l->names[l->n] = strdup(i->name);
	l->v[l->n].name = l->names[l->n];
	l->v[l->n].url = l->v[l->n].last_error = NULL; /* not kept past the call */
	l->n++;
}

char *metrics_render(struct daemon *d)
{
	struct buf b = { 0 };
	struct src_list l = { 0 };
	sched_foreach(d->sched, collect, &l);

	head(&b, "claimd_build_info", "gauge", "Always 1; the version of the running claimd.");
	put(&b, "claimd_build_info{version=\"%s\"} 1\n", CLAIMD_VERSION);
	head(&b, "claimd_start_time_seconds", "gauge", "When claimd started, Unix time.");
	put(&b, "claimd_start_time_seconds %.3f\n", (double)stats_started_ms() / 1000.0);

	unsigned by_health[3] = { 0 };
	const char *hn[3] = { "ok", "failing", "disabled" };
	for (size_t i = 0; i < l.n; i++)
		for (int k = 0; k < 3; k++)
			if (!strcmp(l.v[i].health, hn[k]))
				by_health[k]++;
	head(&b, "claimd_sources", "gauge", "Scheduled sources by health.");
	for (int k = 0; k < 3; k++)
		put(&b, "claimd_sources{health=\"%s\"} %u\n", hn[k], by_health[k]);

	head(&b, "claimd_source_up", "gauge", "1 when the source's last poll succeeded, else 0.");
	for (size_t i = 0; i < l.n; i++)
		put(&b, "claimd_source_up{source=\"%s\"} %d\n", l.v[i].name,
		    !strcmp(l.v[i].health, "ok"));
	head(&b, "claimd_source_consecutive_errors", "gauge",
	     "Failed polls of the source in a row.");
	for (size_t i = 0; i < l.n; i++)
		put(&b, "claimd_source_consecutive_errors{source=\"%s\"} %d\n", l.v[i].name,
		    l.v[i].errors);
	head(&b, "claimd_source_next_poll_timestamp_seconds", "gauge",
	     "When the source is polled next, Unix time.");
	for (size_t i = 0; i < l.n; i++)
		put(&b, "claimd_source_next_poll_timestamp_seconds{source=\"%s\"} %.3f\n",
		    l.v[i].name, (double)l.v[i].next_poll_ms / 1000.0);
	head(&b, "claimd_source_last_fetch_timestamp_seconds", "gauge",
	     "When the source's last fetch ended, Unix time.");
	for (size_t i = 0; i < l.n; i++) {
		const struct stats_source *s = stats_source_get(l.v[i].name);
		if (s && s->fetched)
			put(&b, "claimd_source_last_fetch_timestamp_seconds{source=\"%s\"} %.3f\n",
			    l.v[i].name, (double)s->last_fetch_ms / 1000.0);
	}
	head(&b, "claimd_source_last_fetch_http_status", "gauge",
	     "HTTP status of the source's last fetch (0: none, e.g. file:// or no answer).");
	for (size_t i = 0; i < l.n; i++) {
		const struct stats_source *s = stats_source_get(l.v[i].name);
		if (s && s->fetched)
			put(&b, "claimd_source_last_fetch_http_status{source=\"%s\"} %ld\n",
			    l.v[i].name, s->last_status);
	}
	head(&b, "claimd_fetches_total", "counter", "Fetches that ended, by source and result.");
	for (size_t i = 0; i < l.n; i++) {
		const struct stats_source *s = stats_source_get(l.v[i].name);
		for (int k = 0; k < SR_N; k++)
			put(&b, "claimd_fetches_total{source=\"%s\",result=\"%s\"} %llu\n",
			    l.v[i].name, stats_result_names[k],
			    (unsigned long long)(s ? s->results[k] : 0));
	}
	head(&b, "claimd_fetch_duration_seconds", "histogram", "Time a fetch took, by source.");
	for (size_t i = 0; i < l.n; i++) {
		const struct stats_source *s = stats_source_get(l.v[i].name);
		for (int k = 0; k < STATS_N_BUCKETS; k++)
			put(&b, "claimd_fetch_duration_seconds_bucket{source=\"%s\",le=\"%g\"} %llu\n",
			    l.v[i].name, stats_buckets[k],
			    (unsigned long long)(s ? s->bucket[k] : 0));
		put(&b, "claimd_fetch_duration_seconds_bucket{source=\"%s\",le=\"+Inf\"} %llu\n",
		    l.v[i].name, (unsigned long long)(s ? s->n_duration : 0));
		put(&b, "claimd_fetch_duration_seconds_sum{source=\"%s\"} %.6f\n", l.v[i].name,
		    s ? s->sum_duration_s : 0.0);
		put(&b, "claimd_fetch_duration_seconds_count{source=\"%s\"} %llu\n", l.v[i].name,
		    (unsigned long long)(s ? s->n_duration : 0));
	}
	head(&b, "claimd_fetched_bytes_total", "counter",
	     "Bytes fetched (after decompression), by source.");
	for (size_t i = 0; i < l.n; i++) {
		const struct stats_source *s = stats_source_get(l.v[i].name);
		put(&b, "claimd_fetched_bytes_total{source=\"%s\"} %llu\n", l.v[i].name,
		    (unsigned long long)(s ? s->bytes : 0));
	}
	head(&b, "claimd_articles_published_total", "counter",
	     "New or changed articles published, by source.");
	for (size_t i = 0; i < l.n; i++) {
		const struct stats_source *s = stats_source_get(l.v[i].name);
		put(&b, "claimd_articles_published_total{source=\"%s\"} %llu\n", l.v[i].name,
		    (unsigned long long)(s ? s->articles : 0));
	}
	head(&b, "claimd_claims_published_total", "counter", "Claims published, by source.");
	for (size_t i = 0; i < l.n; i++) {
		const struct stats_source *s = stats_source_get(l.v[i].name);
		put(&b, "claimd_claims_published_total{source=\"%s\"} %llu\n", l.v[i].name,
		    (unsigned long long)(s ? s->claims : 0));
	}

	head(&b, "claimd_fetches_in_flight", "gauge", "Transfers running now.");
	put(&b, "claimd_fetches_in_flight %zu\n", fetch_in_flight(d->fetch));
	head(&b, "claimd_parse_errors_total", "counter", "Fetched bodies that were not a feed.");
	put(&b, "claimd_parse_errors_total %llu\n", (unsigned long long)d->n.parse_errors);
	head(&b, "claimd_state_errors_total", "counter", "Errors of the state database.");
	put(&b, "claimd_state_errors_total %llu\n", (unsigned long long)d->n.state_errors);
	head(&b, "claimd_messages_sent_total", "counter",
	     "Messages sent on the PUB socket(s), heartbeats included.");
	put(&b, "claimd_messages_sent_total %llu\n", (unsigned long long)pub_sent(d->pub));
	head(&b, "claimd_gseq", "gauge", "The last global sequence number handed out.");
	put(&b, "claimd_gseq %llu\n", (unsigned long long)store_gseq_high(d->store));
	head(&b, "claimd_journal_bytes", "gauge", "Size of the replay journal.");
	put(&b, "claimd_journal_bytes %lld\n", (long long)store_journal_bytes(d->store));
	const struct stats_replay *rp = stats_replay_get();
	head(&b, "claimd_replay_requests_total", "counter",
	     "Requests on the replay socket, by result.");
	put(&b, "claimd_replay_requests_total{result=\"snapshot\"} %llu\n",
	    (unsigned long long)rp->snapshots);
	put(&b, "claimd_replay_requests_total{result=\"expired\"} %llu\n",
	    (unsigned long long)rp->expired);
	put(&b, "claimd_replay_requests_total{result=\"bad_request\"} %llu\n",
	    (unsigned long long)rp->bad);
	put(&b, "claimd_replay_requests_total{result=\"status\"} %llu\n",
	    (unsigned long long)rp->status);

	for (size_t i = 0; i < l.n; i++)
		free(l.names[i]);
	free(l.names);
	free(l.v);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- HTTP ---- */

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct metrics *m = cls;
	(void)version;
	(void)upload;
	(void)con_cls;
	if (*upload_size)
		*upload_size = 0;
	unsigned code = MHD_HTTP_OK;
	char *body = NULL;
	const char *type = "text/plain; charset=utf-8";
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
		body = strdup("only GET /metrics\n");
	} else if (strcmp(url, "/metrics")) {
		code = MHD_HTTP_NOT_FOUND;
		body = strdup("not found: the metrics are at /metrics\n");
	} else {
		body = metrics_render(m->d);
		type = "text/plain; version=0.0.4; charset=utf-8";
		if (!body) {
			code = MHD_HTTP_INTERNAL_SERVER_ERROR;
			body = strdup("out of memory\n");
		}
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(body ? strlen(body) : 0, body,
								 MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static void rearm(struct metrics *m)
{
	MHD_UNSIGNED_LONG_LONG t;
	if (MHD_get_timeout(m->mhd, &t) == MHD_YES)
		loop_timer_arm(m->timer, (int64_t)t);
	else
		loop_timer_arm(m->timer, -1);
}

static void on_fd(struct loop *l, int fd, uint32_t events, void *ud)
{
	(void)l;
	(void)fd;
	(void)events;
	struct metrics *m = ud;
	MHD_run(m->mhd);
	rearm(m);
}

static void on_timer(struct loop *l, struct loop_timer *t, void *ud)
{
	(void)l;
	(void)t;
	struct metrics *m = ud;
	MHD_run(m->mhd);
	rearm(m);
}

int metrics_parse_addr(const char *addr, void *ret_sa, size_t *ret_len, char *err, size_t errlen)
{
	const char *colon = strrchr(addr, ':');
	char host[256];
	if (!colon || !colon[1]) {
		snprintf(err, errlen, "'%s' is not HOST:PORT (e.g. 127.0.0.1:9464)", addr);
		return -EINVAL;
	}
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535) {
		snprintf(err, errlen, "'%s': the port must be 1 to 65535", addr);
		return -EINVAL;
	}
	size_t hl = (size_t)(colon - addr);
	if (hl >= sizeof(host)) {
		snprintf(err, errlen, "'%s': host too long", addr);
		return -EINVAL;
	}
	memcpy(host, addr, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	struct sockaddr_in *a4 = ret_sa;
	struct sockaddr_in6 *a6 = ret_sa;
	if (!*host || !strcmp(host, "*") || !strcmp(host, "0.0.0.0")) {
		memset(a4, 0, sizeof(*a4));
		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
		a4->sin_port = htons((uint16_t)port);
		*ret_len = sizeof(*a4);
	} else if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		struct in_addr keep = a4->sin_addr;
		memset(a4, 0, sizeof(*a4));
		a4->sin_family = AF_INET;
		a4->sin_addr = keep;
		a4->sin_port = htons((uint16_t)port);
		*ret_len = sizeof(*a4);
	} else {
		struct in6_addr keep;
		if (inet_pton(AF_INET6, host, &keep) != 1) {
			snprintf(err, errlen, "'%s': the host must be an IP address or localhost", addr);
			return -EINVAL;
		}
		memset(a6, 0, sizeof(*a6));
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = keep;
		a6->sin6_port = htons((uint16_t)port);
		*ret_len = sizeof(*a6);
	}
	return 0;
}

int metrics_new(struct daemon *d, const char *addr, struct metrics **ret, char *err,
		size_t errlen)
{
	struct sockaddr_storage sa;
	size_t salen = 0;
	int r = metrics_parse_addr(addr, &sa, &salen, err, errlen);
	if (r < 0)
		return r;
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->d = d;
	m->fd = -1;
	unsigned flags = MHD_USE_EPOLL | (sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
	uint16_t port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
						       : ((struct sockaddr_in *)&sa)->sin_port);
	m->mhd = MHD_start_daemon(flags, port, NULL, NULL, answer, m, MHD_OPTION_SOCK_ADDR, &sa,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONN,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_CONN_TIMEOUT_S,
				  MHD_OPTION_END);
	if (!m->mhd) {
		r = errno ? -errno : -EADDRINUSE;
		snprintf(err, errlen, "cannot serve metrics on %s: %s", addr, strerror(-r));
		free(m);
		return r;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	m->fd = info ? info->epoll_fd : -1;
	if (m->fd < 0 || (r = loop_add(d->loop, m->fd, EPOLLIN, on_fd, m)) < 0 ||
	    (r = loop_timer_new(d->loop, on_timer, m, &m->timer)) < 0) {
		snprintf(err, errlen, "cannot watch the metrics server: %s",
			 strerror(r < 0 ? -r : EINVAL));
		if (m->fd >= 0)
			loop_del(d->loop, m->fd);
		MHD_stop_daemon(m->mhd);
		free(m);
		return r < 0 ? r : -EINVAL;
	}
	rearm(m);
	*ret = m;
	return 0;
}

struct metrics *metrics_free(struct metrics *m)
{
	if (!m)
		return NULL;
	loop_timer_free(m->timer);
	if (m->fd >= 0)
		loop_del(m->d->loop, m->fd);
	MHD_stop_daemon(m->mhd);
	free(m);
	return NULL;
}
