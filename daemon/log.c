/* log.c — one way to log: structured entries to journald when stderr is the journal
 * (JOURNAL_STREAM matches stderr's device:inode), else "<N>message" lines on stderr.
 *
 * Takes: a priority, an optional MESSAGE_ID, optional structured context, a format.
 * Gives: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and CLAIMD_* / ERRNO fields; rate limiting
 *        of identical events (LOG_BURST per LOG_INTERVAL_MS, then one summary).
 * Must not: allocate without bound or block the loop for long. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "claimd/log.h"
#include "claimd/msgid.h"

#define LOG_BURST 10
#define LOG_INTERVAL_MS 30000
#define LOG_SLOTS 64

struct rl_slot {
	uint64_t key;
	int64_t window_start;
	unsigned count;
	unsigned suppressed;
};

static const char *log_ident = "claimd";
static int log_journal;
static int log_max = LOG_INFO;
static struct rl_slot slots[LOG_SLOTS];
static unsigned rl_burst = LOG_BURST;
static int64_t rl_interval = LOG_INTERVAL_MS;

void log_set_rate_limit(unsigned burst, int64_t interval_ms)
{
	rl_burst = burst;
	rl_interval = interval_ms;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void log_init(const char *ident, int force_stderr)
{
	const char *js = getenv("JOURNAL_STREAM");
	log_ident = ident;
	log_journal = 0;
	if (!force_stderr && js) {
		unsigned long long dev, ino;
		struct stat st;
		if (sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
		    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
			log_journal = 1;
	}
}

void log_set_max_priority(int max_prio)
{
	log_max = max_prio;
}

int log_to_journal(void)
{
	return log_journal;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h * 1099511628211ULL;
}

static void emit(int prio, const char *msgid, const struct log_ctx *ctx, const char *msg)
{
	if (!log_journal) {
		char extra[512] = "";
		size_t o = 0;
		if (ctx && ctx->source)
			o += snprintf(extra + o, sizeof(extra) - o, " source=%s", ctx->source);
		if (ctx && ctx->http_status > 0 && o < sizeof(extra))
			o += snprintf(extra + o, sizeof(extra) - o, " status=%ld", ctx->http_status);
		if (ctx && ctx->url && o < sizeof(extra))
			snprintf(extra + o, sizeof(extra) - o, " url=%s", ctx->url);
		fprintf(stderr, "<%d>%s%s%s%s\n", prio, msg, extra[0] ? " [" : "",
			extra[0] ? extra + 1 : "", extra[0] ? "]" : "");
		return;
	}
	/* sd_journal_send takes a NULL-terminated list; build it field by field. */
	char f[10][600];
	int n = 0;
	snprintf(f[n++], sizeof(f[0]), "PRIORITY=%d", prio);
	snprintf(f[n++], sizeof(f[0]), "SYSLOG_IDENTIFIER=%s", log_ident);
	if (msgid)
		snprintf(f[n++], sizeof(f[0]), "MESSAGE_ID=%s", msgid);
	if (ctx && ctx->source)
		snprintf(f[n++], sizeof(f[0]), "CLAIMD_SOURCE=%s", ctx->source);
	if (ctx && ctx->url)
		snprintf(f[n++], sizeof(f[0]), "CLAIMD_URL=%s", ctx->url);
	if (ctx && ctx->http_status > 0)
		snprintf(f[n++], sizeof(f[0]), "CLAIMD_HTTP_STATUS=%ld", ctx->http_status);
	if (ctx && ctx->article_id)
		snprintf(f[n++], sizeof(f[0]), "CLAIMD_ARTICLE_ID=%s", ctx->article_id);
	if (ctx && ctx->err > 0)
		snprintf(f[n++], sizeof(f[0]), "ERRNO=%d", ctx->err);
	if (ctx && ctx->gseq > 0)
		snprintf(f[n++], sizeof(f[0]), "CLAIMD_GSEQ=%llu", (unsigned long long)ctx->gseq);
	if (ctx && ctx->extra)
		snprintf(f[n++], sizeof(f[0]), "%s", ctx->extra);
	const char *a[10] = { 0 };
	for (int i = 0; i < n; i++)
		a[i] = f[i];
	sd_journal_send("MESSAGE=%s", msg, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8],
			a[9], NULL);
}

static void summarise(struct rl_slot *s)
{
	char m[160];
	snprintf(m, sizeof(m), "Suppressed %u repeated log messages", s->suppressed);
	emit(LOG_NOTICE, MSGID_LOG_SUPPRESSED, NULL, m);
	s->suppressed = 0;
}

void log_flush_suppressed(void)
{
	int64_t now = mono_ms();
	for (size_t i = 0; i < LOG_SLOTS; i++) {
		struct rl_slot *s = &slots[i];
		if (s->suppressed > 0 && now - s->window_start >= rl_interval) {
			summarise(s);
			s->key = 0;
		}
	}
}

void log_ev(int prio, const char *msgid, const struct log_ctx *ctx, const char *fmt, ...)
{
	if (prio > log_max)
		return;
	int saved = errno;
	uint64_t key = fnv(fnv(fnv(14695981039346656037ULL, fmt), msgid),
			   ctx ? ctx->source : NULL);
	struct rl_slot *s = &slots[key % LOG_SLOTS];
	int64_t now = mono_ms();
	if (s->key != key || now - s->window_start >= rl_interval) {
		if (s->suppressed > 0)
			summarise(s);
		s->key = key;
		s->window_start = now;
		s->count = 0;
		s->suppressed = 0;
	}
	if (++s->count > rl_burst) {
		s->suppressed++;
		errno = saved;
		return;
	}
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(prio, msgid, ctx, msg);
	errno = saved;
}
