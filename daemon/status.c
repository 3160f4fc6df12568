/* status.c — the running daemon as one JSON object (claimd.status/1): what `claimctl
 * status` prints and what metrics.c exports.
 *
 * Takes: the daemon context (counters, scheduler, store), stats.c's per-source fetch and
 *        publish counters. Gives: a new jansson object, or its compact text.
 * Must not: log, block, or change anything (read-only view). */
#include <string.h>
#include <unistd.h>

#include "claimd/daemon.h"
#include "claimd/date.h"
#include "claimd/stats.h"
#include "claimd/status.h"
#include "claimd/wire.h"

static json_t *iso(int64_t ms)
{
	char b[DATE_ISO_LEN];
	if (ms <= 0 || date_format(ms / 1000, b) < 0)
		return json_null();
	return json_string(b);
}

static void add_source(const struct sched_info *i, void *ud)
{
	json_t *arr = ud;
	const struct stats_source *st = stats_source_get(i->name);
	json_t *last = json_null();
	if (st && st->fetched) {
		last = json_pack("{s:o, s:o, s:I, s:I, s:s?}", "at", iso(st->last_fetch_ms), "status",
				 st->last_status ? json_integer(st->last_status) : json_null(),
				 "bytes", (json_int_t)st->last_bytes, "duration_ms",
				 (json_int_t)st->last_duration_ms, "result",
				 stats_result_names[st->last_err           ? SR_ERROR
						    : st->last_status == 304 ? SR_NOT_MODIFIED
						    : (st->last_status >= 400 ||
						       (st->last_status && st->last_status < 200))
							    ? SR_HTTP_ERROR
							    : SR_OK]);
	}
	uint64_t fetches = 0;
	for (int k = 0; st && k < SR_N; k++)
		fetches += st->results[k];
	json_t *o = json_pack("{s:s, s:s?, s:b, s:s, s:i, s:o, s:s?, s:o, s:b, s:o, s:I, s:I, s:I, s:I}",
			      "name", i->name, "url", i->url, "enabled", i->enabled, "health",
			      i->health, "errors", i->errors, "failing_since",
			      iso(i->failing_since_ms), "last_error",
			      i->errors ? i->last_error : NULL, "next_poll",
			      i->enabled ? iso(i->next_poll_ms) : json_null(), "in_flight",
			      i->in_flight, "last_fetch", last, "fetches", (json_int_t)fetches,
			      "bytes", (json_int_t)(st ? st->bytes : 0), "articles",
			      (json_int_t)(st ? st->articles : 0), "claims",
			      (json_int_t)(st ? st->claims : 0));
	if (o)
		json_array_append_new(arr, o);
}

json_t *status_build(struct daemon *d)
{
	unsigned ok = 0, failing = 0;
	sched_counts(d->sched, &ok, &failing);
	json_t *pubs = json_array();
	for (size_t i = 0; i < d->cfg->n_publish; i++)
		json_array_append_new(pubs, json_string(d->cfg->publish[i]));
	const struct stats_replay *rp = stats_replay_get();
	json_t *o = json_pack(
		"{s:s, s:s, s:i, s:s, s:o, s:o, s:s, s:I, s:s, s:o, s:s?, s:s,"
		" s:{s:i, s:i, s:i}, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
		" s:{s:I, s:I, s:I, s:I}}",
		"schema", CLAIMD_SCHEMA_STATUS, "version", CLAIMD_VERSION, "pid", (int)getpid(),
		"state", d->stopping ? "stopping" : "running", "started_at",
		iso(stats_started_ms()), "now", iso(now_wall_ms()), "epoch", store_epoch(d->store),
		"gseq", (json_int_t)store_gseq_high(d->store), "config", d->cfg->path, "publish",
		pubs, "replay", d->cfg->replay && *d->cfg->replay ? d->cfg->replay : NULL,
		"state_dir", d->cfg->state_dir, "sources_count", "total", (int)(ok + failing), "ok",
		(int)ok, "failing", (int)failing, "counters", "articles",
		(json_int_t)d->n.articles, "claims", (json_int_t)d->n.claims, "bytes_fetched",
		(json_int_t)d->n.bytes, "fetches", (json_int_t)d->n.fetches, "fetch_errors",
		(json_int_t)d->n.fetch_errors, "parse_errors", (json_int_t)d->n.parse_errors,
		"state_errors", (json_int_t)d->n.state_errors, "in_flight",
		(json_int_t)fetch_in_flight(d->fetch), "journal_bytes",
		(json_int_t)store_journal_bytes(d->store), "messages_sent",
		(json_int_t)pub_sent(d->pub), "replay_requests", "snapshot",
		(json_int_t)rp->snapshots, "expired", (json_int_t)rp->expired, "bad_request",
		(json_int_t)rp->bad, "status", (json_int_t)rp->status);
	if (!o)
		return NULL;
	json_t *arr = json_array();
	sched_foreach(d->sched, add_source, arr);
	/* sources with enabled = no are configured but not scheduled */
	for (size_t i = 0; i < d->cfg->n_sources; i++) {
		const struct cfg_source *cs = &d->cfg->sources[i];
		bool listed = false;
		size_t k;
		json_t *v;
		json_array_foreach(arr, k, v)
			listed = listed || !strcmp(json_string_value(json_object_get(v, "name")), cs->name);
		if (!listed)
			add_source(&(struct sched_info){ .name = cs->name, .url = cs->url, .health = "ok",
							 .enabled = false },
				   arr);
	}
	json_object_set_new(o, "sources", arr);
	return o;
}

char *status_text(void *ud)
{
	json_t *o = status_build(ud);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}
