/* stats.c — per-source fetch and publish counters, fetch duration histograms and replay
 * counters, for claimctl status and the Prometheus endpoint (stats.h).
 *
 * Takes: one-line hooks from sched.c (a fetch begins, ends), pipeline.c (an article and
 *        its claims were published) and publish.c (a replay request). Gives: read-only
 *        views by source name. Must not: log, allocate on a hot path more than once per
 *        source (the table grows when a new source first fetches), or block. */
#include <stdlib.h>
#include <string.h>

#include "claimd/loop.h"
#include "claimd/stats.h"

const double stats_buckets[STATS_N_BUCKETS] = { 0.005, 0.01, 0.025, 0.05, 0.1,
						 0.25,  0.5,  1,     2.5,  10 };
const char *const stats_result_names[SR_N] = { "ok", "not_modified", "http_error", "error" };

static struct stats_source *tab;
static size_t n_tab;
static struct stats_replay replay;
static int64_t started_ms;

static struct stats_source *find(const char *source, bool create)
{
	if (!started_ms)
		started_ms = now_wall_ms();
	if (!source)
		return NULL;
	for (size_t i = 0; i < n_tab; i++)
		if (!strcmp(tab[i].name, source))
			return &tab[i];
	if (!create)
		return NULL;
	struct stats_source *n = realloc(tab, (n_tab + 1) * sizeof(*n));
	if (!n)
		return NULL;
	tab = n;
	tab[n_tab] = (struct stats_source){ .name = strdup(source) };
	if (!tab[n_tab].name)
		return NULL;
	return &tab[n_tab++];
}

void stats_fetch_begin(const char *source)
{
	struct stats_source *s = find(source, true);
	if (s)
		s->started_ms = now_mono_ms();
}

void stats_fetch_end(const char *source, const struct fetch_result *r)
{
	struct stats_source *s = find(source, true);
	if (!s)
		return;
	int64_t now = now_mono_ms();
	s->last_duration_ms = s->started_ms ? now - s->started_ms : 0;
	s->started_ms = 0;
	s->fetched = true;
	s->last_status = r->status;
	s->last_err = r->err;
	s->last_fetch_ms = now_wall_ms();
	s->last_bytes = r->bytes;
	s->bytes += r->bytes;
	enum stats_result k = r->err ? SR_ERROR
			      : r->status == 304 ? SR_NOT_MODIFIED
			      : (r->status >= 400 || (r->status && r->status < 200)) ? SR_HTTP_ERROR
										    : SR_OK;
	s->results[k]++;
	double d = (double)s->last_duration_ms / 1000.0;
	for (int i = 0; i < STATS_N_BUCKETS; i++)
		if (d <= stats_buckets[i])
			s->bucket[i]++;
	s->n_duration++;
	s->sum_duration_s += d;
}

void stats_published(const char *source, int claims)
{
	struct stats_source *s = find(source, true);
	if (!s)
		return;
	s->articles++;
	if (claims > 0)
		s->claims += (uint64_t)claims;
}

void stats_replay(const char *kind)
{
	find(NULL, false);
	if (!strcmp(kind, "snapshot"))
		replay.snapshots++;
	else if (!strcmp(kind, "expired"))
		replay.expired++;
	else if (!strcmp(kind, "status"))
		replay.status++;
	else
		replay.bad++;
}

const struct stats_source *stats_source_get(const char *source)
{
	return find(source, false);
}

const struct stats_replay *stats_replay_get(void)
{
	return &replay;
}

int64_t stats_started_ms(void)
{
	find(NULL, false);
	return started_ms;
}

void stats_reset(void)
{
	for (size_t i = 0; i < n_tab; i++)
		free(tab[i].name);
	free(tab);
	tab = NULL;
	n_tab = 0;
	replay = (struct stats_replay){ 0 };
	started_ms = 0;
}
