/* pages.c — article pages: fetching the page a feed entry links to, politely, and
 * publishing the article once, with the page's body or with the feed's text and why.
 *
 * Takes: articles that want their page (pipeline.c decides, and queues each in the store,
 *        marked seen, in one transaction before handing it over), each source's settings.
 * Gives: one page transfer per article on the daemon's fetcher, so the connection limits
 *        (max_parallel, max_per_host) are the feeds' own; at most one page request in
 *        flight per host and at least page_delay between the starts of two; only public
 *        addresses unless the source sets page_allow_private; the page's body through
 *        page_extract(); then pipeline_publish_paged(): the article is journalled and
 *        published once (the same transaction records the page's outcome). An article
 *        leaves within page_max_wait of being queued, fetched or not. An outcome that
 *        leaves the feed's text is logged once, with the source, URL, article and reason.
 *        What is queued survives a restart (pages_resume); a page that was in flight when
 *        the daemon died is fetched again, at most PAGES_MAX_ATTEMPTS times.
 * Must not: block; hold an article forever; publish an article twice; let a page
 *        transfer outlive the article it is for. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "claimd/daemon.h"
#include "claimd/log.h"
#include "claimd/msgid.h"
#include "claimd/page.h"

#define PAGES_MAX_ATTEMPTS 3    /* fetches started for one article (across restarts) */
#define PAGES_PUBLISH_BATCH 16  /* articles published per loop pass */
#define PAGES_RETRY_MS 5000     /* after a state database error */
#define PAGES_ACCEPT "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"

struct item {
	struct pages *p;
	char *source, *id, *hash, *url, *host;
	char *hostname;          /* the URL's host (an IP literal keeps its brackets) */
	json_t *art;             /* owned */
	const char *why;         /* static: why the page is wanted */
	int64_t deadline_ms;     /* monotonic */
	int attempts;
	bool in_flight;
	json_t *ready;           /* finished, waiting for the state database to take it */
	char *outcome;           /* with ready: what is recorded */
	struct item *prev, *next;
};

struct host {
	char *name;              /* scheme://host:port */
	int64_t next_ms;         /* monotonic: no page request to it before */
	int in_flight;
	struct host *next;
};

struct pages {
	struct daemon *d;
	struct loop_timer *timer;
	struct item *head, *tail;
	struct host *hosts;
	size_t n, n_in_flight;
	bool check_removed;      /* after a reload: in-flight pages of removed sources end */
	bool retry;              /* an article is ready but the state database refused it */
};

static const char *const wanted_reasons[] = { "feed-text-short", "feed-text-cut",
					      "fetch-page-always" };

static const char *static_why(const char *s)
{
	for (size_t i = 0; s && i < sizeof(wanted_reasons) / sizeof(wanted_reasons[0]); i++)
		if (!strcmp(s, wanted_reasons[i]))
			return wanted_reasons[i];
	return "feed-text-short";
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* scheme://host:port of a URL, lowercased by curl; NULL when it is not http(s). The host
 * alone into *ret_host. */
static char *host_key(const char *url, char **ret_host)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    (!strcmp(scheme, "http") || !strcmp(scheme, "https"))) {
		if (asprintf(&out, "%s://%s:%s", scheme, host, port) < 0)
			out = NULL;
		else
			*ret_host = strdup(host);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

static struct host *host_get(struct pages *p, const char *name)
{
	for (struct host *h = p->hosts; h; h = h->next)
		if (!strcmp(h->name, name))
			return h;
	struct host *h = calloc(1, sizeof(*h));
	if (!h || !(h->name = strdup(name))) {
		free(h);
		return NULL;
	}
	h->next = p->hosts;
	p->hosts = h;
	return h;
}

/* Hosts with nothing in flight and no delay pending are forgotten. */
static void hosts_gc(struct pages *p, int64_t now)
{
	for (struct host **pp = &p->hosts; *pp;) {
		struct host *h = *pp;
		if (h->in_flight == 0 && h->next_ms <= now) {
			*pp = h->next;
			free(h->name);
			free(h);
		} else {
			pp = &h->next;
		}
	}
}

static void item_unlink(struct pages *p, struct item *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		p->head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	else
		p->tail = x->prev;
	x->prev = x->next = NULL;
	p->n--;
}

static void item_free(struct item *x)
{
	if (!x)
		return;
	json_decref(x->art);
	json_decref(x->ready);
	free(x->outcome);
	free(x->source);
	free(x->id);
	free(x->hash);
	free(x->url);
	free(x->host);
	free(x->hostname);
	free(x);
}

static void kick(struct pages *p, int64_t delay_ms)
{
	loop_timer_arm(p->timer, delay_ms < 0 ? 0 : delay_ms);
}

/* The reason of a failed transfer, for text_source_reason. */
static const char *reason_of(const struct fetch_result *r)
{
	switch (-r->err) {
	case EPERM:
		return r->refused ? "refused-private" : "refused";
	case EFBIG:
		return "too-large";
	case ETIMEDOUT:
		return "timeout";
	case ELOOP:
		return "too-many-redirects";
	case EPROTONOSUPPORT:
		return "not-http";
	case ECONNREFUSED:
		return "connection-refused";
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EADDRNOTAVAIL:
		return "unreachable";
	case ECONNRESET:
		return "connection-reset";
	case EKEYREJECTED:
		return "tls-error";
	case EPROTO:
		return "protocol-error";
	case EINVAL:
		return "bad-url";
	case ENOMEM:
		return "out-of-memory";
	default:
		return "fetch-error";
	}
}

/* Whether a Content-Type may hold HTML: text/html, XHTML, or none / octet-stream (the
 * extractor then looks at the bytes). */
static bool maybe_html(const char *ctype)
{
	if (!ctype)
		return true;
	while (*ctype == ' ')
		ctype++;
	size_t n = strcspn(ctype, "; \t");
	if (n == 0)
		return true;
	static const char *const ok[] = { "text/html", "application/xhtml+xml",
					  "application/octet-stream", "application/html" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strlen(ok[i]) == n && !strncasecmp(ctype, ok[i], n))
			return true;
	return false;
}

/* The media type of a Content-Type into buf, or NULL. */
static const char *media_type(const char *ctype, char *buf, size_t len)
{
	if (!ctype)
		return NULL;
	while (*ctype == ' ')
		ctype++;
	size_t n = strcspn(ctype, "; \t");
	if (n == 0 || n >= len)
		return NULL;
	memcpy(buf, ctype, n);
	buf[n] = 0;
	return buf;
}

static const char *charset_of(const char *ctype, char *buf, size_t len)
{
	const char *p = ctype ? strcasestr(ctype, "charset=") : NULL;
	if (!p)
		return NULL;
	p += 8;
	if (*p == '"')
		p++;
	size_t n = strcspn(p, "\"; \t");
	if (n == 0 || n >= len)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = 0;
	return buf;
}

/* Logs once why an article goes out with the feed's text. */
static void log_outcome(const struct item *x, const char *reason, const char *url, long status,
			const char *detail)
{
	char extra[96];
	snprintf(extra, sizeof(extra), "CLAIMD_PAGE_REASON=%s", reason);
	struct log_ctx lc = { .source = x->source, .url = url ? url : x->url,
			      .article_id = x->id, .http_status = status, .extra = extra };
	if (!strcmp(reason, "refused-private"))
		log_ev(LOG_WARNING, MSGID_PAGE_REFUSED, &lc,
		       "Page of an article of %s refused: %s (page_allow_private = no); "
		       "publishing the feed's text",
		       x->source, detail ? detail : "not a public address");
	else
		log_ev(LOG_NOTICE, MSGID_PAGE_UNUSED, &lc,
		       "Page of an article of %s not used (%s%s%s); publishing the feed's text",
		       x->source, reason, detail ? ": " : "", detail ? detail : "");
}

/* Publishes a finished article; on a state error keeps it (ready) for a later pass.
 * Returns true when the item is gone. */
static bool publish(struct pages *p, struct item *x)
{
	struct daemon *d = p->d;
	int n = pipeline_publish_paged(d, x->source, x->ready, x->hash, x->outcome);
	if (n < 0) {
		struct log_ctx lc = { .source = x->source, .article_id = x->id, .err = -n };
		d->n.state_errors++;
		log_ev(LOG_ERR, MSGID_STATE_ERROR, &lc,
		       "State database error while storing an article of %s: %s; will retry",
		       x->source, store_errmsg(d->store) ? store_errmsg(d->store) : strerror(-n));
		p->retry = true; /* run() tries again in PAGES_RETRY_MS */
		kick(p, PAGES_RETRY_MS);
		return false;
	}
	item_unlink(p, x);
	item_free(x);
	return true;
}

/* The article's final form: with the page's body when pg has one, else the feed's text
 * with reason. Then published. */
static void finish(struct pages *p, struct item *x, const struct page *pg, const char *reason,
		   const char *page_url, long status, const char *detail)
{
	json_t *art = x->art;
	x->art = NULL;
	if (pg && pg->text && pipeline_apply_page(art, pg, page_url, x->why) == 0) {
		p->d->n.pages_used++;
		x->outcome = strdup("page");
	} else {
		if (!reason)
			reason = "no-body";
		pipeline_feed_text(art, reason, page_url);
		log_outcome(x, reason, page_url, status, detail);
		x->outcome = strdup(reason);
	}
	x->ready = art;
	publish(p, x);
}

static void on_page_done(const struct fetch_result *r, void *ctx)
{
	struct pages *p = ctx;
	struct item *x = r->ud;
	struct daemon *d = p->d;
	x->in_flight = false;
	p->n_in_flight--;
	d->n.bytes += r->bytes;
	d->n.pages++;
	struct host *h = x->host ? host_get(p, x->host) : NULL;
	if (h && h->in_flight > 0)
		h->in_flight--;

	char rbuf[32], cbuf[64], mbuf[128];
	const char *url = r->effective_url ? r->effective_url : x->url;
	if (r->err != 0) {
		finish(p, x, NULL, reason_of(r), url, r->status, r->errmsg);
	} else if (r->status != 0 && (r->status < 200 || r->status >= 300)) {
		snprintf(rbuf, sizeof(rbuf), "http-%ld", r->status);
		finish(p, x, NULL, rbuf, url, r->status, NULL);
	} else if (!maybe_html(r->content_type)) {
		finish(p, x, NULL, "not-html", url, r->status, r->content_type);
	} else {
		struct page_opts o = {
			.url = url,
			.http_charset = charset_of(r->content_type, cbuf, sizeof(cbuf)),
			.content_type = media_type(r->content_type, mbuf, sizeof(mbuf)),
		};
		struct page *pg = NULL;
		int e = page_extract(r->body, r->len, &o, &pg);
		if (e < 0)
			finish(p, x, NULL, "out-of-memory", url, r->status, NULL);
		else if (pg->paywalled) /* what it shows is a teaser, not the article */
			finish(p, x, NULL, "login-wall", url, r->status,
			       pg->text ? "only a teaser is shown" : NULL);
		else
			finish(p, x, pg, pg->text ? NULL : pg->reason, url, r->status, NULL);
		page_free(pg);
	}
	kick(p, 0);
}

static int start(struct pages *p, struct item *x, const struct cfg_source *cs, struct host *h,
		 int64_t now)
{
	struct daemon *d = p->d;
	int64_t left = x->deadline_ms - now;
	int64_t to = cs->timeout_ms < left ? cs->timeout_ms : left;
	if (to < 1000)
		to = 1000;
	struct fetch_request req = {
		.url = x->url,
		.max_body = cs->max_body,
		.connect_timeout_ms = d->cfg->connect_timeout_ms < to ? d->cfg->connect_timeout_ms
								       : to,
		.timeout_ms = to,
		.public_only = !cs->page_allow_private,
		.accept = PAGES_ACCEPT,
		.done = on_page_done,
		.done_ctx = p,
		.ud = x,
	};
	int r = store_page_attempt(d->store, x->id, x->hash);
	if (r < 0) {
		/* counted before it starts, or a crash loop could fetch it for ever: try later */
		struct log_ctx lc = { .source = x->source, .article_id = x->id, .err = -r };
		d->n.state_errors++;
		log_ev(LOG_ERR, MSGID_STATE_ERROR, &lc,
		       "State database error before fetching a page of %s: %s; will retry",
		       x->source, store_errmsg(d->store) ? store_errmsg(d->store) : strerror(-r));
		p->retry = true;
		return 0;
	}
	x->attempts++;
	r = fetch_start(d->fetch, &req);
	if (r < 0)
		return r;
	x->in_flight = true;
	p->n_in_flight++;
	h->in_flight++;
	h->next_ms = now + cs->page_delay_ms;
	return 0;
}

static size_t max_in_flight(const struct pages *p)
{
	int n = p->d->cfg->max_parallel / 2;
	return n < 1 ? 1 : (size_t)n;
}

static void run(struct loop *l, struct loop_timer *t, void *ud)
{
	struct pages *p = ud;
	struct daemon *d = p->d;
	(void)l;
	(void)t;
	int64_t now = now_mono_ms(), next = INT64_MAX;
	int published = 0;
	bool complete = true;
	p->retry = false;
	for (struct item *x = p->head, *nx; x; x = nx) {
		nx = x->next;
		if (published >= PAGES_PUBLISH_BATCH) {
			next = now;
			complete = false;
			break;
		}
		if (x->ready) {
			if (!d->stopping && publish(p, x))
				published++;
			continue;
		}
		if (now >= x->deadline_ms) {
			if (d->stopping)
				continue;
			bool was = x->in_flight;
			if (was) {
				fetch_cancel(d->fetch, x);
				x->in_flight = false;
				p->n_in_flight--;
				struct host *h = host_get(p, x->host);
				if (h && h->in_flight > 0)
					h->in_flight--;
			}
			finish(p, x, NULL, was ? "timeout" : "wait-exceeded", x->url, 0,
			       was ? "page_max_wait reached while fetching"
				   : "page_max_wait reached before the page could be fetched");
			published++;
			continue;
		}
		if (next > x->deadline_ms)
			next = x->deadline_ms;
		if (d->stopping)
			continue;
		const struct cfg_source *cs = NULL;
		if (x->in_flight) {
			if (!p->check_removed || (cs = cfg_find_source(d->cfg, x->source)))
				continue;
			fetch_cancel(d->fetch, x); /* its source is gone: publish what we have */
			x->in_flight = false;
			p->n_in_flight--;
			struct host *h = host_get(p, x->host);
			if (h && h->in_flight > 0)
				h->in_flight--;
		} else {
			cs = cfg_find_source(d->cfg, x->source);
		}
		const char *giveup = NULL;
		if (!cs)
			giveup = "source-removed";
		else if (!x->host)
			giveup = "bad-url";
		else if (x->attempts >= PAGES_MAX_ATTEMPTS)
			giveup = "gave-up";
		if (giveup) {
			finish(p, x, NULL, giveup, x->url, 0, NULL);
			published++;
			continue;
		}
		/* An address written in the URL needs no transfer to be refused (nor a turn
		 * in the host's delay); names are judged once resolved, by the fetcher. */
		const char *lit = x->hostname ? fetch_ip_nonpublic(x->hostname) : NULL;
		if (!cs->page_allow_private && lit && strcmp(lit, "invalid")) {
			char detail[160];
			snprintf(detail, sizeof(detail), "%s is a %s address", x->hostname, lit);
			finish(p, x, NULL, "refused-private", x->url, 0, detail);
			published++;
			continue;
		}
		if (p->n_in_flight >= max_in_flight(p))
			continue; /* a transfer's end kicks us */
		struct host *h = host_get(p, x->host);
		if (!h)
			continue;
		if (h->in_flight > 0)
			continue;
		if (h->next_ms > now) {
			if (next > h->next_ms)
				next = h->next_ms;
			continue;
		}
		int r = start(p, x, cs, h, now);
		if (r < 0) {
			char detail[128];
			snprintf(detail, sizeof(detail), "cannot start the transfer: %s", strerror(-r));
			finish(p, x, NULL, "fetch-error", x->url, 0, detail);
			published++;
		}
	}
	if (complete)
		p->check_removed = false;
	hosts_gc(p, now);
	if (p->retry && next > now + PAGES_RETRY_MS)
		next = now + PAGES_RETRY_MS;
	if (next != INT64_MAX)
		kick(p, next - now);
}

int pages_add(struct pages *p, const char *source, json_t *art, const char *id,
	      const char *hash, const char *why, int attempts)
{
	if (!p || !source || !art || !id || !hash)
		return -EINVAL;
	const struct cfg_source *cs = cfg_find_source(p->d->cfg, source);
	struct item *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->p = p;
	x->source = strdup(source);
	x->id = strdup(id);
	x->hash = strdup(hash);
	const char *url = jstr(art, "url");
	x->url = url ? strdup(url) : NULL;
	if (!x->source || !x->id || !x->hash || (url && !x->url)) {
		item_free(x);
		return -ENOMEM;
	}
	x->host = url ? host_key(url, &x->hostname) : NULL;
	x->art = json_incref(art);
	x->why = static_why(why);
	x->attempts = attempts;
	x->deadline_ms = now_mono_ms() + (cs ? cs->page_max_wait_ms : p->d->cfg->page_max_wait_ms);
	x->prev = p->tail;
	if (p->tail)
		p->tail->next = x;
	else
		p->head = x;
	p->tail = x;
	p->n++;
	kick(p, 0);
	return 0;
}

static int resume_one(void *ud, const char *id, const char *hash, const char *source,
		      const char *url, const char *article, int64_t queued_ms, int attempts)
{
	struct pages *p = ud;
	(void)url;
	(void)queued_ms;
	json_error_t e;
	json_t *art = json_loads(article, 0, &e);
	if (!art || !json_is_object(art)) {
		json_decref(art);
		/* Unreadable: nothing to publish; record it so it is not tried again. */
		store_page_done(p->d->store, id, hash, "unreadable", now_wall_ms());
		return 0;
	}
	int r = pages_add(p, source, art, id, hash, jstr(art, "text_source_reason"), attempts);
	json_decref(art);
	return r < 0 ? r : 0;
}

int pages_resume(struct pages *p)
{
	return store_page_scan(p->d->store, resume_one, p);
}

int pages_new(struct daemon *d, struct pages **ret)
{
	struct pages *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->d = d;
	int r = loop_timer_new(d->loop, run, p, &p->timer);
	if (r < 0) {
		free(p);
		return r;
	}
	*ret = p;
	return 0;
}

void pages_stop(struct pages *p)
{
	if (!p)
		return;
	for (struct item *x = p->head; x; x = x->next)
		if (x->in_flight) {
			fetch_cancel(p->d->fetch, x);
			x->in_flight = false;
			p->n_in_flight--;
			struct host *h = x->host ? host_get(p, x->host) : NULL;
			if (h && h->in_flight > 0)
				h->in_flight--;
		}
}

void pages_apply(struct pages *p)
{
	if (!p)
		return;
	p->check_removed = true;
	kick(p, 0);
}

size_t pages_queued(const struct pages *p)
{
	return p ? p->n : 0;
}

struct pages *pages_free(struct pages *p)
{
	if (!p)
		return NULL;
	pages_stop(p);
	while (p->head) {
		struct item *x = p->head;
		item_unlink(p, x);
		item_free(x);
	}
	while (p->hosts) {
		struct host *h = p->hosts;
		p->hosts = h->next;
		free(h->name);
		free(h);
	}
	loop_timer_free(p->timer);
	free(p);
	return NULL;
}
