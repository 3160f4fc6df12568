/* sched.c — when each source is polled, and what its health is.
 *
 * Takes: the sources of d->cfg (re-applied on reload), their stored fetch state.
 * Gives: one loop timer per source; a poll every interval with ±10% jitter, lengthened
 *        by <ttl>, Cache-Control max-age and Retry-After; exponential backoff on errors
 *        (capped by backoff_max); health transitions (failing, recovered, disabled after
 *        disable_after) logged once each and published on sys/source/<name>.
 * Must not: log once per failed poll; block. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claimd/daemon.h"
#include "claimd/log.h"
#include "claimd/msgid.h"
#include "claimd/stats.h"
#include "claimd/wire.h"

#define PIPELINE_BATCH 16 /* articles published per loop pass */

enum health { H_OK = 0, H_FAILING, H_DISABLED };

struct src {
	struct sched *sched;
	char *name;
	struct cfg_source cs;        /* copy; strings borrowed from d->cfg */
	struct store_source st;      /* persisted fetch state */
	struct loop_timer *timer;
	struct loop_timer *work;     /* publishes a fetched feed a few articles per pass */
	json_t *job;                 /* articles of the last fetch still to publish */
	size_t job_left;
	int job_published;
	char *job_etag, *job_last_modified;
	int64_t job_min_interval_ms;
	bool in_flight;              /* a transfer or a job is running */
	bool illformed;              /* last parse was ill-formed (logged once) */
	enum health health;
	struct src *next;
};

struct sched {
	struct daemon *d;
	struct src *list;
	uint64_t rng;
};

static uint64_t rnd(struct sched *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return s->rng;
}

static const char *health_name(enum health h)
{
	return h == H_OK ? "ok" : h == H_FAILING ? "failing" : "disabled";
}

static void publish_status(struct sched *s, struct src *x, const char *event, const char *error)
{
	struct daemon *d = s->d;
	char topic[300];
	snprintf(topic, sizeof(topic), CLAIMD_TOPIC_SOURCE "%s", x->name);
	char id[400];
	snprintf(id, sizeof(id), "%s:%s:%lld", x->name, event, (long long)now_wall_ms());
	json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s?}", "id", id, "source", x->name,
			      "event", event, "state", health_name(x->health), "errors",
			      x->st.errors, "url", x->st.url ? x->st.url : x->cs.url);
	if (!b)
		return;
	json_object_set_new(b, "error", error ? json_string(error) : json_null());
	int r = pub_emit(d->pub, topic, CLAIMD_SCHEMA_SOURCE, b, NULL);
	if (r < 0) {
		struct log_ctx lc = { .source = x->name, .err = -r };
		log_ev(LOG_ERR, MSGID_STATE_ERROR, &lc, "Cannot journal source status: %s",
		       store_errmsg(d->store));
	}
	json_decref(b);
}

static void arm(struct src *x, int64_t delay_ms)
{
	if (delay_ms < 0)
		delay_ms = 0;
	x->st.next_poll_ms = now_wall_ms() + delay_ms;
	loop_timer_arm(x->timer, delay_ms);
}

static int64_t jittered(struct sched *s, int64_t ms)
{
	int64_t j = ms / 10;
	if (j <= 0)
		return ms;
	return ms - j + (int64_t)(rnd(s) % (uint64_t)(2 * j + 1));
}

static void save(struct sched *s, struct src *x)
{
	int r = store_source_put(s->d->store, x->name, &x->st);
	if (r < 0) {
		struct log_ctx lc = { .source = x->name, .err = -r };
		s->d->n.state_errors++;
		log_ev(LOG_ERR, MSGID_STATE_ERROR, &lc, "Cannot save state of source %s: %s",
		       x->name, store_errmsg(s->d->store));
	}
}

static void poll_now(struct loop *l, struct loop_timer *t, void *ud)
{
	struct src *x = ud;
	struct daemon *d = x->sched->d;
	(void)l;
	(void)t;
	if (x->in_flight || d->stopping)
		return;
	struct fetch_request req = {
		.url = x->st.url ? x->st.url : x->cs.url,
		.etag = x->st.etag,
		.last_modified = x->st.last_modified,
		.allow_file = x->cs.allow_file,
		.max_body = x->cs.max_body,
		.connect_timeout_ms = d->cfg->connect_timeout_ms,
		.timeout_ms = x->cs.timeout_ms,
		.ud = x,
	};
	stats_fetch_begin(x->name);
	int r = fetch_start(d->fetch, &req);
	if (r < 0) {
		struct log_ctx lc = { .source = x->name, .url = req.url, .err = -r };
		log_ev(LOG_ERR, NULL, &lc, "Cannot start fetch of %s: %s, retrying in 60s", x->name,
		       strerror(-r));
		arm(x, 60000);
		return;
	}
	x->in_flight = true;
	d->n.fetches++;
}

static void job_end(struct src *x)
{
	json_decref(x->job);
	x->job = NULL;
	x->job_left = 0;
	free(x->job_etag);
	free(x->job_last_modified);
	x->job_etag = x->job_last_modified = NULL;
	x->in_flight = false;
}

static void src_free(struct src *x)
{
	if (!x)
		return;
	job_end(x);
	loop_timer_free(x->work);
	loop_timer_free(x->timer);
	store_source_clear(&x->st);
	free(x->name);
	free(x);
}

/* A failed poll: count, back off, log and publish only on a change of health. */
static void failed(struct sched *s, struct src *x, const char *msgid, long status, int err,
		   const char *why, int64_t retry_after_ms)
{
	struct daemon *d = s->d;
	int64_t now = now_wall_ms();
	x->st.errors++;
	free(x->st.last_error);
	x->st.last_error = strdup(why);
	if (x->st.failing_since_ms == 0)
		x->st.failing_since_ms = now;
	const char *url = x->st.url ? x->st.url : x->cs.url;
	struct log_ctx lc = { .source = x->name, .url = url, .http_status = status, .err = err };

	int shift = x->st.errors - 1 > 16 ? 16 : x->st.errors - 1;
	int64_t base = x->cs.interval_ms < 30000 ? x->cs.interval_ms : 30000;
	int64_t delay = base << shift;
	if (delay > d->cfg->backoff_max_ms)
		delay = d->cfg->backoff_max_ms;
	if (retry_after_ms > delay)
		delay = retry_after_ms;

	if (x->health == H_OK) {
		x->health = H_FAILING;
		log_ev(LOG_WARNING, msgid, &lc, "Source %s failing: %s; backing off (next try in %llds)",
		       x->name, why, (long long)(delay / 1000));
		publish_status(s, x, "failing", why);
	} else if (x->health == H_FAILING &&
		   now - x->st.failing_since_ms >= d->cfg->disable_after_ms) {
		x->health = H_DISABLED;
		log_ev(LOG_ERR, MSGID_SOURCE_DISABLED, &lc,
		       "Source %s has failed for longer than disable_after: %s; retrying slowly",
		       x->name, why);
		publish_status(s, x, "disabled", why);
	} else {
		log_ev(LOG_DEBUG, NULL, &lc, "Source %s still failing (%d): %s", x->name,
		       x->st.errors, why);
	}
	if (x->health == H_DISABLED && delay < d->cfg->backoff_max_ms)
		delay = d->cfg->backoff_max_ms;
	d->n.fetch_errors++;
	arm(x, jittered(s, delay));
	save(s, x);
}

static void succeeded(struct sched *s, struct src *x, int64_t min_interval_ms)
{
	struct daemon *d = s->d;
	if (x->health != H_OK) {
		struct log_ctx lc = { .source = x->name, .url = x->st.url ? x->st.url : x->cs.url };
		log_ev(LOG_NOTICE, MSGID_SOURCE_RECOVERED, &lc,
		       "Source %s recovered after %d failed polls", x->name, x->st.errors);
		x->health = H_OK;
		x->st.errors = 0;
		x->st.failing_since_ms = 0;
		publish_status(s, x, "recovered", NULL);
	}
	x->st.errors = 0;
	x->st.failing_since_ms = 0;
	free(x->st.last_error);
	x->st.last_error = NULL;
	int64_t next = x->cs.interval_ms;
	if (min_interval_ms > next)
		next = min_interval_ms;
	(void)d;
	arm(x, jittered(s, next));
	save(s, x);
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? strdup(v) : NULL;
}

void sched_fetch_done(const struct fetch_result *r, void *ctx)
{
	struct daemon *d = ctx;
	struct src *x = r->ud;
	struct sched *s = d->sched;
	x->in_flight = false;
	stats_fetch_end(x->name, r);
	d->n.bytes += r->bytes;
	char why[512];
	if (r->err != 0) {
		snprintf(why, sizeof(why), "%s", r->errmsg ? r->errmsg : strerror(-r->err));
		failed(s, x, r->too_large ? MSGID_BODY_TOO_LARGE : MSGID_SOURCE_FAILING, r->status,
		       -r->err, why, r->retry_after_ms);
		return;
	}
	bool ok_status = r->status == 0 || r->status == 304 || (r->status >= 200 && r->status < 300);
	if (ok_status && r->permanent_url &&
	    strcmp(r->permanent_url, x->st.url ? x->st.url : x->cs.url)) {
		struct log_ctx lc = { .source = x->name, .url = r->permanent_url,
				      .http_status = 301 };
		log_ev(LOG_NOTICE, MSGID_SOURCE_REDIRECTED, &lc,
		       "Source %s moved permanently to %s; polling the new URL from now on",
		       x->name, r->permanent_url);
		set_str(&x->st.url, r->permanent_url);
	}
	if (r->status == 304) {
		succeeded(s, x, r->max_age_ms);
		return;
	}
	if (r->status >= 400 || (r->status != 0 && r->status < 200)) {
		snprintf(why, sizeof(why), "HTTP status %ld", r->status);
		failed(s, x, MSGID_SOURCE_FAILING, r->status, 0, why, r->retry_after_ms);
		return;
	}
	int64_t ttl_ms = 0;
	char *err = NULL, *warning = NULL;
	bool wellformed = true;
	json_t *arts = NULL;
	int n = pipeline_parse(d, x->name, &x->cs, r, &arts, &ttl_ms, &err, &wellformed, &warning);
	if (n == -EBADMSG) {
		d->n.parse_errors++;
		snprintf(why, sizeof(why), "feed unparseable: %s", err ? err : "not a feed");
		free(err);
		free(warning);
		failed(s, x, MSGID_FEED_UNPARSEABLE, r->status, EBADMSG, why, -1);
		return;
	}
	if (n < 0) {
		struct log_ctx lc = { .source = x->name, .err = -n };
		log_ev(LOG_ERR, NULL, &lc, "Cannot read the feed of %s: %s; will retry", x->name,
		       err ? err : strerror(-n));
		free(err);
		free(warning);
		arm(x, jittered(s, x->cs.interval_ms < 30000 ? x->cs.interval_ms : 30000));
		return;
	}
	bool troubled = !wellformed || warning;
	if (troubled && !x->illformed) {
		struct log_ctx lc = { .source = x->name, .url = x->cs.url, .http_status = r->status };
		if (!wellformed)
			log_ev(LOG_WARNING, MSGID_FEED_ILLFORMED, &lc,
			       "Feed of %s is not well-formed (%s); recovered what could be read",
			       x->name, warning ? warning : "parse error");
		else
			log_ev(LOG_WARNING, MSGID_FEED_ILLFORMED, &lc, "Feed of %s: %s", x->name,
			       warning);
	}
	x->illformed = troubled;
	free(err);
	free(warning);
	/* Publishing runs from the work timer, PIPELINE_BATCH articles a pass, so that a
	 * feed of a thousand new items never holds the loop (signals, watchdog) for long. */
	x->job = arts;
	x->job_left = json_array_size(arts);
	x->job_published = 0;
	x->job_etag = r->etag ? strdup(r->etag) : NULL;
	x->job_last_modified = r->last_modified ? strdup(r->last_modified) : NULL;
	x->job_min_interval_ms = ttl_ms > r->max_age_ms ? ttl_ms : r->max_age_ms;
	x->in_flight = true;
	loop_timer_arm(x->work, 0);
}

static void work(struct loop *l, struct loop_timer *t, void *ud)
{
	struct src *x = ud;
	struct sched *s = x->sched;
	struct daemon *d = s->d;
	(void)l;
	if (!x->job)
		return;
	if (d->stopping) {
		/* Not marked seen: the rest is published after the restart, exactly once. */
		job_end(x);
		return;
	}
	char *err = NULL;
	int n = pipeline_publish(d, x->name, x->job, &x->job_left, PIPELINE_BATCH, &err);
	if (n < 0) {
		/* State error: keep no validators, so the next poll fetches the body again. */
		struct log_ctx lc = { .source = x->name, .err = -n };
		d->n.state_errors++;
		log_ev(LOG_ERR, MSGID_STATE_ERROR, &lc,
		       "State database error while storing articles of %s: %s; will retry",
		       x->name, err ? err : strerror(-n));
		free(err);
		job_end(x);
		arm(x, jittered(s, x->cs.interval_ms < 30000 ? x->cs.interval_ms : 30000));
		return;
	}
	x->job_published += n;
	if (x->job_left > 0) {
		loop_timer_arm(t, 0);
		return;
	}
	set_str(&x->st.etag, x->job_etag);
	set_str(&x->st.last_modified, x->job_last_modified);
	int published = x->job_published;
	int64_t min_ms = x->job_min_interval_ms;
	job_end(x);
	succeeded(s, x, min_ms);
	if (published > 0) {
		struct log_ctx lc = { .source = x->name };
		log_ev(LOG_INFO, NULL, &lc, "Source %s: %d new or changed articles", x->name,
		       published);
	}
}

static struct src *find(struct sched *s, const char *name)
{
	for (struct src *x = s->list; x; x = x->next)
		if (!strcmp(x->name, name))
			return x;
	return NULL;
}

int sched_new(struct daemon *d, struct sched **ret)
{
	struct sched *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->d = d;
	s->rng = (uint64_t)now_mono_ms() * 2654435761ULL + (uint64_t)getpid() + 1;
	*ret = s;
	return 0;
}

int sched_apply(struct sched *s)
{
	struct daemon *d = s->d;
	/* Remove sources no longer configured (or disabled). */
	for (struct src **pp = &s->list; *pp;) {
		struct src *x = *pp;
		const struct cfg_source *cs = cfg_find_source(d->cfg, x->name);
		if (cs && cs->enabled) {
			pp = &x->next;
			continue;
		}
		*pp = x->next;
		struct log_ctx lc = { .source = x->name };
		log_ev(LOG_INFO, NULL, &lc, "Source %s removed", x->name);
		publish_status(s, x, "removed", NULL);
		if (x->in_flight) {
			fetch_cancel(d->fetch, x);
			x->in_flight = false;
		}
		src_free(x);
	}
	/* Add new sources, update changed ones. */
	for (size_t i = 0; i < d->cfg->n_sources; i++) {
		const struct cfg_source *cs = &d->cfg->sources[i];
		if (!cs->enabled)
			continue;
		struct src *x = find(s, cs->name);
		if (x) {
			bool url_changed = strcmp(x->cs.url, cs->url) != 0;
			bool interval_changed = x->cs.interval_ms != cs->interval_ms;
			x->cs = *cs; /* strings now borrowed from the new cfg */
			if (url_changed) {
				set_str(&x->st.url, NULL);
				set_str(&x->st.etag, NULL);
				set_str(&x->st.last_modified, NULL);
				if (!x->in_flight)
					arm(x, 0);
			} else if (interval_changed && !x->in_flight && x->health == H_OK) {
				arm(x, jittered(s, cs->interval_ms));
			}
			continue;
		}
		x = calloc(1, sizeof(*x));
		if (!x || !(x->name = strdup(cs->name))) {
			free(x);
			return -ENOMEM;
		}
		x->sched = s;
		x->cs = *cs;
		int r = loop_timer_new(d->loop, poll_now, x, &x->timer);
		if (r >= 0 && (r = loop_timer_new(d->loop, work, x, &x->work)) < 0)
			x->timer = loop_timer_free(x->timer);
		if (r < 0) {
			free(x->name);
			free(x);
			return r;
		}
		int64_t delay = 0;
		if (store_source_get(d->store, cs->name, &x->st) == 0) {
			/* A stored redirect target only counts for the URL it came from. */
			if (x->st.errors > 0) {
				x->health = H_FAILING;
				if (x->st.failing_since_ms > 0 &&
				    now_wall_ms() - x->st.failing_since_ms >= d->cfg->disable_after_ms)
					x->health = H_DISABLED;
			}
			if (x->st.next_poll_ms > now_wall_ms())
				delay = x->st.next_poll_ms - now_wall_ms();
			if (delay > cs->interval_ms && x->st.errors == 0)
				delay = cs->interval_ms;
		}
		x->next = s->list;
		s->list = x;
		arm(x, delay);
		struct log_ctx lc = { .source = x->name, .url = cs->url };
		log_ev(LOG_INFO, NULL, &lc, "Source %s added (%s, every %llds)", x->name, cs->url,
		       (long long)(cs->interval_ms / 1000));
		publish_status(s, x, "added", NULL);
	}
	return 0;
}

void sched_counts(const struct sched *s, unsigned *ret_ok, unsigned *ret_failing)
{
	unsigned ok = 0, bad = 0;
	for (const struct src *x = s->list; x; x = x->next) {
		if (x->health == H_OK)
			ok++;
		else
			bad++;
	}
	*ret_ok = ok;
	*ret_failing = bad;
}

struct sched *sched_free(struct sched *s)
{
	if (!s)
		return NULL;
	while (s->list) {
		struct src *x = s->list;
		s->list = x->next;
		if (x->in_flight)
			fetch_cancel(s->d->fetch, x);
		src_free(x);
	}
	free(s);
	return NULL;
}

/* For claimctl status and the metrics: every source as the scheduler sees it. */
void sched_foreach(const struct sched *s, void (*fn)(const struct sched_info *i, void *ud),
		   void *ud)
{
	for (const struct src *x = s ? s->list : NULL; x; x = x->next) {
		struct sched_info i = { .name = x->name,
					.url = x->st.url ? x->st.url : x->cs.url,
					.health = health_name(x->health),
					.last_error = x->st.last_error,
					.errors = x->st.errors,
					.next_poll_ms = x->st.next_poll_ms,
					.failing_since_ms = x->st.failing_since_ms,
					.enabled = x->cs.enabled,
					.in_flight = x->in_flight };
		fn(&i, ud);
	}
}
