/* config.h — the configuration: one table of keys drives parsing, validation,
 * --check-config and the documentation (cfg_dump_keys). Reload parses into a
 * fresh struct cfg and the caller swaps only on success. No logging here. */
#ifndef CLAIMD_CONFIG_H
#define CLAIMD_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum id_rule { ID_RULE_AUTO = 0, ID_RULE_GUID, ID_RULE_LINK, ID_RULE_HASH };
enum fetch_page { FETCH_PAGE_AUTO = 0, FETCH_PAGE_ALWAYS, FETCH_PAGE_NEVER };

struct cfg_source {
	char *name;
	char *url;
	int64_t interval_ms;   /* base poll interval; jitter is added by the scheduler */
	bool allow_file;       /* file:// allowed */
	int64_t max_body;      /* bytes, after decompression */
	int64_t timeout_ms;    /* whole transfer */
	enum id_rule id_rule;
	bool enabled;
	enum fetch_page fetch_page; /* when to fetch an article's linked page */
	int page_min_chars;    /* auto: a shorter feed text fetches the page */
	bool page_allow_private; /* pages on non-public addresses allowed */
	int64_t page_delay_ms; /* least time between page requests to one host */
	int64_t page_max_wait_ms; /* longest an article waits for its page */
	char *file;            /* where it was defined */
	int line;
};

struct cfg {
	char *path;            /* main file */
	char *state_dir;
	char **publish;        /* PUB endpoints */
	size_t n_publish;
	char *replay;          /* ROUTER endpoint, or NULL/"" for none */
	int64_t heartbeat_ms;
	int max_parallel;
	int max_per_host;
	int64_t max_body;
	int64_t connect_timeout_ms;
	int64_t timeout_ms;
	int64_t interval_ms;   /* default for sources */
	int64_t backoff_max_ms;
	int64_t disable_after_ms;
	int max_items;         /* items kept per feed */
	int64_t journal_max_age_ms;
	int64_t journal_max_bytes;
	int sndhwm;
	char *lexicon_dir;
	char *curve_secret_key_file;
	char *curve_client_keys_dir;
	char *user_agent;
	char *log_level;
	int64_t page_delay_ms;    /* default for sources */
	int64_t page_max_wait_ms; /* default for sources */
	char *metrics;         /* Prometheus endpoint HOST:PORT, or "" for none */
	struct cfg_source *sources;
	size_t n_sources;
};

/* Errors collected while loading, each "file:line: message". */
struct cfg_errors {
	char **msgs;
	size_t n;
};

/* Parses path (and its include globs). Returns 0 and *ret on success; -EINVAL with
 * errs filled when the file has errors; -errno when it cannot be read. */
int cfg_load(const char *path, struct cfg **ret, struct cfg_errors *errs);
struct cfg *cfg_free(struct cfg *c);
void cfg_errors_clear(struct cfg_errors *e);

const struct cfg_source *cfg_find_source(const struct cfg *c, const char *name);
/* Parses "90s", "5m", "1h", "2d", "250ms", plain seconds. Returns 0 or -EINVAL. */
int cfg_parse_duration(const char *s, int64_t *ret_ms);
/* Parses "16M", "512k", "1G", plain bytes. */
int cfg_parse_size(const char *s, int64_t *ret_bytes);
/* Prints every key with its default and help (for claimctl and the man page). */
void cfg_dump_keys(FILE *out);

#endif
