/* log.h — structured logging: journald fields under systemd, "<N>" prefixes on stderr.
 *
 * Only callers that decide what happens log (pure modules never do). Identical events
 * (same MESSAGE_ID, source and format) are rate-limited: at most LOG_BURST per
 * LOG_INTERVAL seconds, then one summary with the count suppressed. */
#ifndef CLAIMD_LOG_H
#define CLAIMD_LOG_H
#include <stdint.h>
#include <syslog.h>

/* Optional structured context; any member may be 0/NULL. */
struct log_ctx {
	const char *source;     /* CLAIMD_SOURCE= */
	const char *url;        /* CLAIMD_URL= */
	const char *article_id; /* CLAIMD_ARTICLE_ID= */
	long http_status;       /* CLAIMD_HTTP_STATUS= when > 0 */
	int err;                /* ERRNO= when > 0 (positive errno) */
	uint64_t gseq;          /* CLAIMD_GSEQ= when > 0 */
	const char *extra;      /* one extra "KEY=value" field, or NULL */
};

/* Detects JOURNAL_STREAM; call once at start. force_stderr ignores the journal. */
void log_init(const char *ident, int force_stderr);
/* Messages with priority above max_prio (e.g. LOG_DEBUG) are dropped. */
void log_set_max_priority(int max_prio);
int log_to_journal(void);
/* Rate limit of identical events: burst messages per interval_ms (defaults 10 per 30 s). */
void log_set_rate_limit(unsigned burst, int64_t interval_ms);
/* Emits the "suppressed N" summary of every window that has ended, so a flood that
 * stops is still counted; called from the heartbeat. */
void log_flush_suppressed(void);

void log_ev(int prio, const char *msgid, const struct log_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_error(...) log_ev(LOG_ERR, NULL, NULL, __VA_ARGS__)
#define log_warning(...) log_ev(LOG_WARNING, NULL, NULL, __VA_ARGS__)
#define log_notice(...) log_ev(LOG_NOTICE, NULL, NULL, __VA_ARGS__)
#define log_info(...) log_ev(LOG_INFO, NULL, NULL, __VA_ARGS__)
#define log_debug(...) log_ev(LOG_DEBUG, NULL, NULL, __VA_ARGS__)

#endif
