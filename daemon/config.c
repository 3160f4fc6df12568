/* config.c — the configuration of claimd: INI files ([claimd], [source NAME], include
 * globs for drop-ins) parsed with inih into a fresh struct cfg.
 *
 * Takes: a path. Gives: a struct cfg with every key set (defaults from the table, source
 * keys inheriting interval/max_body/timeout from [claimd]), or every error found, each
 * "file:line: key 'x': reason". One static table (cfg_keys[]) drives parsing, validation,
 * defaults and cfg_dump_keys(). inih dispatches key/value pairs; our reader feeds it one
 * line at a time, which is how we know the line number of each key (Debian's inih is
 * built without INI_HANDLER_LINENO), and normalises the line first (leading blanks, "#"
 * and ";" comments, long values).
 *
 * Relative paths (state_dir, lexicon_dir, curve files, include globs, url = file:REL)
 * resolve against the directory of the file that sets them. Included files are read
 * after the file that includes them, so their [claimd] keys override it.
 *
 * Must not: log, exit, touch the network, or change anything the caller holds: reload
 * parses into a new struct and the caller swaps only on success. */
#include "claimd/config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <glob.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "claimd/cleanup.h"

#define CFG_MAX_FILE_BYTES (16 << 20) /* one configuration file */
#define CFG_MAX_LINE 4096            /* one line */
#define CFG_MAX_FILES 1024           /* files read in one load */
#define CFG_MAX_SOURCES 100000
#define CFG_MAX_ERRORS 200
#define CFG_MAX_INCLUDE_DEPTH 4
#define CFG_MAX_NAME 64 /* source name */
#define CFG_MAX_ENDPOINTS 16
#define MS_SEC 1000LL
#define MS_MIN (60 * MS_SEC)
#define MS_HOUR (60 * MS_MIN)
#define MS_DAY (24 * MS_HOUR)
#define KIB 1024LL
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

enum cfg_type {
	T_STRING,    /* char * */
	T_PATH,      /* char *, relative resolves against the file's directory; "" = none */
	T_DURATION,  /* int64_t ms */
	T_SIZE,      /* int64_t bytes */
	T_INT,       /* int */
	T_BOOL,      /* bool */
	T_ENDPOINTS, /* char ** + size_t count at aux */
	T_ENDPOINT,  /* char *, "" = off (NULL) */
	T_ENUM,      /* int (index into choices) */
	T_ENUM_STR,  /* char * (one of choices) */
	T_URL,       /* char *, checked once the section is complete */
	T_INCLUDE,   /* not stored: globs read after the current file */
};

enum cfg_section { SEC_CLAIMD, SEC_SOURCE };

struct cfg_key {
	enum cfg_section section;
	const char *key;
	enum cfg_type type;
	size_t offset;       /* in struct cfg or struct cfg_source */
	size_t aux;          /* T_ENDPOINTS: offset of the count */
	const char *def;     /* default as text; NULL: none (or inherited) */
	int64_t min, max;    /* range; for strings: length */
	const char *choices; /* T_ENUM*: "a|b|c" */
	const char *inherit; /* source keys: the [claimd] key giving the default */
	const char *help;
};

#define C(f) offsetof(struct cfg, f)
#define S(f) offsetof(struct cfg_source, f)

static const struct cfg_key cfg_keys[] = {
	{ SEC_CLAIMD, "state_dir", T_PATH, C(state_dir), 0, "/var/lib/claimd", 1, PATH_MAX, NULL, NULL,
	  "Directory of the SQLite state: sources, seen articles, message journal." },
	{ SEC_CLAIMD, "publish", T_ENDPOINTS, C(publish), C(n_publish), "tcp://127.0.0.1:5556", 1,
	  CFG_MAX_ENDPOINTS, NULL, NULL,
	  "ZeroMQ PUB endpoint(s), comma separated (tcp:// or ipc://). A non-loopback tcp:// "
	  "endpoint needs CURVE keys." },
	{ SEC_CLAIMD, "replay", T_ENDPOINT, C(replay), 0, "tcp://127.0.0.1:5557", 0, 1024, NULL, NULL,
	  "ZeroMQ ROUTER endpoint answering replay (SNAPSHOT) requests; empty turns replay off." },
	{ SEC_CLAIMD, "heartbeat", T_DURATION, C(heartbeat_ms), 0, "1s", 100, MS_HOUR, NULL, NULL,
	  "Interval of sys/heartbeat messages." },
	{ SEC_CLAIMD, "max_parallel", T_INT, C(max_parallel), 0, "32", 1, 10000, NULL, NULL,
	  "Transfers in flight, all sources together." },
	{ SEC_CLAIMD, "max_per_host", T_INT, C(max_per_host), 0, "2", 1, 1000, NULL, NULL,
	  "Transfers in flight to one host." },
	{ SEC_CLAIMD, "max_body", T_SIZE, C(max_body), 0, "16M", 1 * KIB, 1 * GIB, NULL, NULL,
	  "Largest feed body accepted, counted after decompression (default for sources)." },
	{ SEC_CLAIMD, "connect_timeout", T_DURATION, C(connect_timeout_ms), 0, "10s", 100,
	  10 * MS_MIN, NULL, NULL, "Time allowed to connect (and finish TLS) to a source's host." },
	{ SEC_CLAIMD, "timeout", T_DURATION, C(timeout_ms), 0, "60s", 1 * MS_SEC, MS_HOUR, NULL, NULL,
	  "Time allowed for a whole transfer (default for sources)." },
	{ SEC_CLAIMD, "interval", T_DURATION, C(interval_ms), 0, "5m", 1 * MS_SEC, 7 * MS_DAY, NULL, NULL,
	  "Poll interval (default for sources); jitter is added, a feed's <ttl> or "
	  "Cache-Control can lengthen it." },
	{ SEC_CLAIMD, "backoff_max", T_DURATION, C(backoff_max_ms), 0, "1h", 1 * MS_SEC, 30 * MS_DAY,
	  NULL, NULL, "Longest delay between polls of a failing source (backoff doubles up to this)." },
	{ SEC_CLAIMD, "disable_after", T_DURATION, C(disable_after_ms), 0, "1d", 1 * MS_SEC,
	  365 * MS_DAY, NULL, NULL,
	  "A source failing this long is polled only every backoff_max and reported disabled." },
	{ SEC_CLAIMD, "max_items", T_INT, C(max_items), 0, "1000", 1, 100000, NULL, NULL,
	  "Entries taken from one feed document." },
	{ SEC_CLAIMD, "journal_max_age", T_DURATION, C(journal_max_age_ms), 0, "7d", 1 * MS_MIN,
	  3650 * MS_DAY, NULL, NULL, "Messages older than this leave the replay journal." },
	{ SEC_CLAIMD, "journal_max_bytes", T_SIZE, C(journal_max_bytes), 0, "256M", 64 * KIB,
	  1024 * GIB, NULL, NULL, "Size the replay journal is pruned to, oldest first." },
	{ SEC_CLAIMD, "sndhwm", T_INT, C(sndhwm), 0, "100000", 0, 100000000, NULL, NULL,
	  "ZMQ_SNDHWM of the PUB socket: messages queued per subscriber (0: unlimited)." },
	{ SEC_CLAIMD, "lexicon_dir", T_PATH, C(lexicon_dir), 0, CLAIMD_SYSCONFDIR "/claimd/lexicon", 1,
	  PATH_MAX, NULL, NULL,
	  "Directory of the claim lexicons (cue verbs, hedges, gazetteer) ops may extend." },
	{ SEC_CLAIMD, "curve_secret_key_file", T_PATH, C(curve_secret_key_file), 0, "", 0, PATH_MAX,
	  NULL, NULL, "File holding the server's CURVE secret key (Z85); empty: none." },
	{ SEC_CLAIMD, "curve_client_keys_dir", T_PATH, C(curve_client_keys_dir), 0, "", 0, PATH_MAX,
	  NULL, NULL, "Directory of allowed client CURVE public keys, one file each; empty: none." },
	{ SEC_CLAIMD, "user_agent", T_STRING, C(user_agent), 0, "claimd/" CLAIMD_VERSION, 1, 256, NULL,
	  NULL, "User-Agent header sent with every request." },
	{ SEC_CLAIMD, "log_level", T_ENUM_STR, C(log_level), 0, "info", 0, 0,
	  "debug|info|notice|warning|err", NULL, "Least important priority logged." },
	{ SEC_CLAIMD, "page_delay", T_DURATION, C(page_delay_ms), 0, "1s", 0, 10 * MS_MIN, NULL,
	  NULL, "Least time between two article page requests to one host (default for sources)." },
	{ SEC_CLAIMD, "page_max_wait", T_DURATION, C(page_max_wait_ms), 0, "2m", 1 * MS_SEC, MS_DAY,
	  NULL, NULL,
	  "Longest an article waits for its page (queue and transfer); then it is published with "
	  "the feed's text (default for sources)." },
	{ SEC_CLAIMD, "metrics", T_STRING, C(metrics), 0, "", 0, 256, NULL, NULL,
	  "HOST:PORT of the Prometheus text endpoint (GET /metrics), e.g. 127.0.0.1:9464; "
	  "empty: none." },
	{ SEC_CLAIMD, "include", T_INCLUDE, 0, 0, NULL, 0, 0, NULL, NULL,
	  "Glob(s), comma separated, of drop-in files read after this one (relative to this "
	  "file's directory; at most 4 levels deep). A glob matching nothing is fine." },

	{ SEC_SOURCE, "url", T_URL, S(url), 0, NULL, 1, CFG_MAX_LINE, NULL, NULL,
	  "Feed URL (required): http:// or https://; file:///ABS or file:REL (relative to "
	  "this file's directory) only with allow_file = yes." },
	{ SEC_SOURCE, "interval", T_DURATION, S(interval_ms), 0, NULL, 1 * MS_SEC, 7 * MS_DAY, NULL,
	  "interval", "Poll interval of this source." },
	{ SEC_SOURCE, "allow_file", T_BOOL, S(allow_file), 0, "no", 0, 0, NULL, NULL,
	  "Allow a file:// URL for this source." },
	{ SEC_SOURCE, "max_body", T_SIZE, S(max_body), 0, NULL, 1 * KIB, 1 * GIB, NULL, "max_body",
	  "Largest body accepted from this source." },
	{ SEC_SOURCE, "timeout", T_DURATION, S(timeout_ms), 0, NULL, 1 * MS_SEC, MS_HOUR, NULL,
	  "timeout", "Time allowed for one transfer from this source." },
	{ SEC_SOURCE, "id_rule", T_ENUM, S(id_rule), 0, "auto", 0, 0, "auto|guid|link|hash", NULL,
	  "Article id from: auto (GUID, else canonical link), guid, link, or hash (of the content)." },
	{ SEC_SOURCE, "enabled", T_BOOL, S(enabled), 0, "yes", 0, 0, NULL, NULL,
	  "Poll this source at all." },
	{ SEC_SOURCE, "fetch_page", T_ENUM, S(fetch_page), 0, "auto", 0, 0, "auto|always|never", NULL,
	  "Fetch each new article's linked page and take its body as the text: auto (when the "
	  "feed's text is shorter than page_min_chars or looks cut, e.g. ends in \"...\" or "
	  "\"Read more\"), always, or never." },
	{ SEC_SOURCE, "page_min_chars", T_INT, S(page_min_chars), 0, "800", 0, 1000000, NULL, NULL,
	  "With fetch_page = auto: a feed text of fewer characters than this fetches the page." },
	{ SEC_SOURCE, "page_allow_private", T_BOOL, S(page_allow_private), 0, "no", 0, 0, NULL,
	  NULL,
	  "Allow article pages (and their redirects) on loopback, private, link-local and other "
	  "non-public addresses. Off by default: feed content chooses the page URLs." },
	{ SEC_SOURCE, "page_delay", T_DURATION, S(page_delay_ms), 0, NULL, 0, 10 * MS_MIN, NULL,
	  "page_delay", "Least time between two page requests of this source to one host." },
	{ SEC_SOURCE, "page_max_wait", T_DURATION, S(page_max_wait_ms), 0, NULL, 1 * MS_SEC, MS_DAY,
	  NULL, "page_max_wait", "Longest an article of this source waits for its page." },
};

#define N_KEYS ARRAY_SIZE(cfg_keys)

enum sect_state { ST_NONE, ST_CLAIMD, ST_SOURCE, ST_SKIP };

struct include_req {
	char *pattern; /* absolute or relative to cwd, already joined with the dir */
	int line;
};

struct src_meta {
	int key_line[N_KEYS]; /* where each key was set in this section, 0 = not set */
	int line;             /* section header */
	size_t file;          /* index of the defining file in parser.files */
};

struct file_rec {
	char *path; /* as named (for messages) */
	char *real; /* realpath, for cycles and files read twice */
};

struct parser {
	struct cfg *c;
	struct cfg_errors *errs;
	size_t n_errors;
	bool truncated;

	/* files */
	struct file_rec *files;
	size_t n_files;
	char **stack; /* realpaths of files being read */
	size_t depth;

	/* the current file */
	size_t file;     /* index into files */
	const char *dir;  /* its directory, absolute: relative values resolve against it */
	const char *ndir; /* its directory as named (for include globs, so messages name
			   * files the way the operator did), "" for the current directory */
	const char *buf;
	size_t len, pos;
	int line;
	struct include_req *incs;
	size_t n_incs;

	/* the current section */
	enum sect_state sect;
	size_t src; /* index into c->sources */
	const char *stash; /* the value of a line too long for inih's buffer */
	int stash_line;
	char linebuf[CFG_MAX_LINE + 1];

	/* where each [claimd] key was last set */
	size_t claimd_file[N_KEYS];
	int claimd_line[N_KEYS];

	struct src_meta *meta; /* parallel to c->sources */
	size_t cap_sources;
	size_t *names;  /* open addressing: index + 1 into c->sources, 0 = empty */
	size_t n_names; /* slots, a power of two */
};

/* --- errors --------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static void err_at(struct parser *p, int line, const char *fmt,
							  ...)
{
	p->n_errors++;
	if (!p->errs)
		return;
	if (p->errs->n >= CFG_MAX_ERRORS) {
		p->truncated = true;
		return;
	}
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char *s = NULL;
	const char *file = p->n_files ? p->files[p->file].path : (p->c ? p->c->path : "?");
	if (asprintf(&s, "%s:%d: %s", file, line, msg) < 0)
		return;
	char **m = realloc(p->errs->msgs, (p->errs->n + 1) * sizeof(*m));
	if (!m) {
		free(s);
		return;
	}
	p->errs->msgs = m;
	m[p->errs->n++] = s;
}

static void err_plain(struct cfg_errors *errs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err_plain(struct cfg_errors *errs, const char *fmt, ...)
{
	if (!errs)
		return;
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	char **m = realloc(errs->msgs, (errs->n + 1) * sizeof(*m));
	if (!m) {
		free(s);
		return;
	}
	errs->msgs = m;
	m[errs->n++] = s;
}

void cfg_errors_clear(struct cfg_errors *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->msgs[i]);
	free(e->msgs);
	e->msgs = NULL;
	e->n = 0;
}

/* --- values ----------------------------------------------------------------------- */

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int cfg_parse_duration(const char *s, int64_t *ret_ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		/* longest first where one is a prefix of another */
		{ "ms", 1 },	     { "sec", MS_SEC }, { "s", MS_SEC },    { "min", MS_MIN },
		{ "m", MS_MIN },     { "h", MS_HOUR },	{ "d", MS_DAY },    { "w", 7 * MS_DAY },
	};
	if (!s)
		return -EINVAL;
	s = skip_ws(s);
	if (!*s)
		return -EINVAL;
	int64_t total = 0;
	bool first = true;
	while (*s) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		int64_t n = 0;
		while (isdigit((unsigned char)*s)) {
			if (n > (INT64_MAX - 9) / 10)
				return -ERANGE;
			n = n * 10 + (*s++ - '0');
		}
		s = skip_ws(s);
		int64_t mult = 0;
		size_t ulen = 0;
		for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
			size_t l = strlen(units[i].unit);
			if (!strncmp(s, units[i].unit, l) && !isalpha((unsigned char)s[l])) {
				mult = units[i].ms;
				ulen = l;
				break;
			}
		}
		if (!mult) {
			/* a plain number means seconds, and only alone */
			if (*s || !first)
				return -EINVAL;
			mult = MS_SEC;
		}
		if (n > (INT64_MAX - total) / mult)
			return -ERANGE;
		total += n * mult;
		s = skip_ws(s + ulen);
		first = false;
	}
	*ret_ms = total;
	return 0;
}

int cfg_parse_size(const char *s, int64_t *ret_bytes)
{
	static const struct {
		const char *unit;
		int64_t mult;
	} units[] = {
		{ "", 1 },	       { "b", 1 },	      { "k", KIB },	    { "kb", KIB },
		{ "kib", KIB },	       { "m", MIB },	      { "mb", MIB },	    { "mib", MIB },
		{ "g", GIB },	       { "gb", GIB },	      { "gib", GIB },	    { "t", 1024 * GIB },
		{ "tb", 1024 * GIB },  { "tib", 1024 * GIB },
	};
	if (!s)
		return -EINVAL;
	s = skip_ws(s);
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	int64_t n = 0;
	while (isdigit((unsigned char)*s)) {
		if (n > (INT64_MAX - 9) / 10)
			return -ERANGE;
		n = n * 10 + (*s++ - '0');
	}
	s = skip_ws(s);
	char unit[8];
	size_t ul = 0;
	while (*s && *s != ' ' && *s != '\t') {
		if (ul + 1 >= sizeof(unit))
			return -EINVAL;
		unit[ul++] = (char)tolower((unsigned char)*s++);
	}
	unit[ul] = '\0';
	if (*skip_ws(s))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(unit, units[i].unit))
			continue;
		if (n > INT64_MAX / units[i].mult)
			return -ERANGE;
		*ret_bytes = n * units[i].mult;
		return 0;
	}
	return -EINVAL;
}

static int parse_bool(const char *s, bool *ret)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_int(const char *s, int64_t *ret)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Index of s in "a|b|c", or -1. */
static int choice_index(const char *choices, const char *s)
{
	int i = 0;
	size_t l = strlen(s);
	for (const char *c = choices; *c; i++) {
		const char *bar = strchr(c, '|');
		size_t cl = bar ? (size_t)(bar - c) : strlen(c);
		if (cl == l && !strncmp(c, s, l))
			return i;
		if (!bar)
			break;
		c = bar + 1;
	}
	return -1;
}

static void fmt_duration(int64_t ms, char *buf, size_t len)
{
	static const struct {
		const char *u;
		int64_t ms;
	} u[] = { { "d", MS_DAY }, { "h", MS_HOUR }, { "m", MS_MIN }, { "s", MS_SEC }, { "ms", 1 } };
	if (ms == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(u) && ms > 0 && o < len; i++) {
		if (ms >= u[i].ms) {
			int r = snprintf(buf + o, len - o, "%lld%s", (long long)(ms / u[i].ms), u[i].u);
			if (r < 0)
				return;
			o += (size_t)r;
			ms %= u[i].ms;
		}
	}
}

static void fmt_size(int64_t b, char *buf, size_t len)
{
	if (b >= 1024 * GIB && b % (1024 * GIB) == 0)
		snprintf(buf, len, "%lldT", (long long)(b / (1024 * GIB)));
	else if (b >= GIB && b % GIB == 0)
		snprintf(buf, len, "%lldG", (long long)(b / GIB));
	else if (b >= MIB && b % MIB == 0)
		snprintf(buf, len, "%lldM", (long long)(b / MIB));
	else if (b >= KIB && b % KIB == 0)
		snprintf(buf, len, "%lldk", (long long)(b / KIB));
	else
		snprintf(buf, len, "%lld", (long long)b);
}

/* Lexical join of dir (absolute) and rel, with "." and ".." segments removed; an
 * absolute rel stays itself (normalised). */
static char *path_resolve(const char *dir, const char *rel)
{
	size_t need = strlen(dir) + strlen(rel) + 3;
	_cleanup_free_ char *joined = malloc(need);
	_cleanup_free_ char **segs = calloc(need, sizeof(char *));
	char *out = malloc(need);
	if (!joined || !segs || !out) {
		free(out);
		return NULL;
	}
	if (rel[0] == '/')
		snprintf(joined, need, "%s", rel);
	else
		snprintf(joined, need, "%s/%s", dir, rel);
	size_t n = 0;
	char *save = NULL;
	for (char *seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			if (n > 0)
				n--;
			continue; /* "/.." is "/" */
		}
		segs[n++] = seg;
	}
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, need - o, "/%s", segs[i]);
	if (o == 0)
		snprintf(out, need, "/");
	return out;
}

/* file:REL -> file:///dir/REL (percent-encoded); file:/ABS -> file:///ABS; else a copy. */
static char *url_resolve(const char *dir, const char *url)
{
	if (strncasecmp(url, "file:", 5) || !strncmp(url + 5, "//", 2))
		return strdup(url);
	_cleanup_free_ char *path = path_resolve(dir, url + 5);
	if (!path)
		return NULL;
	size_t n = strlen(path);
	char *out = malloc(7 + 3 * n + 1);
	if (!out)
		return NULL;
	size_t o = (size_t)sprintf(out, "file://");
	for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
		if (isalnum(*s) || strchr("/-._~!$&'()*+,;=:@", *s))
			out[o++] = (char)*s;
		else
			o += (size_t)sprintf(out + o, "%%%02X", *s);
	}
	out[o] = '\0';
	return out;
}

static void *field(void *base, size_t off)
{
	return (char *)base + off;
}

static void free_value(const struct cfg_key *k, void *base)
{
	switch (k->type) {
	case T_STRING:
	case T_PATH:
	case T_ENDPOINT:
	case T_ENUM_STR:
	case T_URL: {
		char **s = field(base, k->offset);
		free(*s);
		*s = NULL;
		break;
	}
	case T_ENDPOINTS: {
		char ***v = field(base, k->offset);
		size_t *n = field(base, k->aux);
		for (size_t i = 0; *v && i < *n; i++)
			free((*v)[i]);
		free(*v);
		*v = NULL;
		*n = 0;
		break;
	}
	default:
		break;
	}
}

static bool endpoint_ok(const char *e)
{
	if (!strncmp(e, "tcp://", 6)) {
		const char *colon = strrchr(e + 6, ':');
		if (!colon || colon == e + 6 || !colon[1])
			return false;
		for (const char *d = colon + 1; *d; d++)
			if (!isdigit((unsigned char)*d) && *d != '*')
				return false;
		return true;
	}
	if (!strncmp(e, "ipc://", 6))
		return e[6] != '\0';
	if (!strncmp(e, "inproc://", 9))
		return e[9] != '\0';
	return false;
}

/* Sets key k of base (struct cfg or struct cfg_source) from text v. On a bad value
 * writes the reason to why and returns -EINVAL; nothing is changed then. */
static int set_value(const struct cfg_key *k, void *base, const char *v, const char *dir, char *why,
		     size_t whylen)
{
	char a[64], b[64], x[64];
	switch (k->type) {
	case T_STRING:
	case T_PATH:
	case T_URL: {
		size_t l = strlen(v);
		if ((int64_t)l < k->min) {
			snprintf(why, whylen, "must not be empty");
			return -EINVAL;
		}
		if ((int64_t)l > k->max) {
			snprintf(why, whylen, "longer than %lld characters", (long long)k->max);
			return -EINVAL;
		}
		char *s;
		if (k->type == T_PATH && l == 0)
			s = NULL;
		else if (k->type == T_PATH)
			s = path_resolve(dir, v);
		else if (k->type == T_URL)
			s = url_resolve(dir, v);
		else
			s = strdup(v);
		if (l && !s) {
			snprintf(why, whylen, "out of memory");
			return -ENOMEM;
		}
		free_value(k, base);
		*(char **)field(base, k->offset) = s;
		return 0;
	}
	case T_ENDPOINT:
		if (*v && !endpoint_ok(v)) {
			snprintf(why, whylen, "invalid endpoint '%s' (tcp://HOST:PORT or ipc://PATH)", v);
			return -EINVAL;
		}
		if (strlen(v) > (size_t)k->max) {
			snprintf(why, whylen, "longer than %lld characters", (long long)k->max);
			return -EINVAL;
		}
		free_value(k, base);
		if (*v && !(*(char **)field(base, k->offset) = strdup(v)))
			return -ENOMEM;
		return 0;
	case T_ENDPOINTS: {
		char *list[CFG_MAX_ENDPOINTS + 1];
		size_t n = 0;
		_cleanup_free_ char *copy = strdup(v);
		if (!copy)
			return -ENOMEM;
		int r = 0;
		char *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t && !r; t = strtok_r(NULL, ",", &save)) {
			while (*t == ' ' || *t == '\t')
				t++;
			char *end = t + strlen(t);
			while (end > t && (end[-1] == ' ' || end[-1] == '\t'))
				*--end = '\0';
			if (!*t)
				continue;
			if (n >= (size_t)k->max) {
				snprintf(why, whylen, "more than %lld endpoints", (long long)k->max);
				r = -EINVAL;
			} else if (!endpoint_ok(t)) {
				snprintf(why, whylen, "invalid endpoint '%s' (tcp://HOST:PORT or ipc://PATH)", t);
				r = -EINVAL;
			} else {
				for (size_t i = 0; i < n; i++)
					if (!strcmp(list[i], t)) {
						snprintf(why, whylen, "endpoint '%s' listed twice", t);
						r = -EINVAL;
					}
				if (!r)
					list[n++] = t;
			}
		}
		if (!r && (int64_t)n < k->min) {
			snprintf(why, whylen, "needs at least %lld endpoint", (long long)k->min);
			r = -EINVAL;
		}
		if (r)
			return r;
		char **arr = calloc(n, sizeof(*arr));
		if (!arr)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			if (!(arr[i] = strdup(list[i]))) {
				while (i > 0)
					free(arr[--i]);
				free(arr);
				return -ENOMEM;
			}
		free_value(k, base);
		*(char ***)field(base, k->offset) = arr;
		*(size_t *)field(base, k->aux) = n;
		return 0;
	}
	case T_DURATION: {
		int64_t ms = 0;
		if (cfg_parse_duration(v, &ms) < 0) {
			snprintf(why, whylen, "invalid duration '%s' (e.g. 250ms, 90s, 5m, 1h, 2d)", v);
			return -EINVAL;
		}
		if (ms < k->min || ms > k->max) {
			fmt_duration(ms, x, sizeof(x));
			fmt_duration(k->min, a, sizeof(a));
			fmt_duration(k->max, b, sizeof(b));
			snprintf(why, whylen, "%s is out of range (%s to %s)", x, a, b);
			return -EINVAL;
		}
		*(int64_t *)field(base, k->offset) = ms;
		return 0;
	}
	case T_SIZE: {
		int64_t bytes = 0;
		if (cfg_parse_size(v, &bytes) < 0) {
			snprintf(why, whylen, "invalid size '%s' (e.g. 4096, 512k, 16M, 1G)", v);
			return -EINVAL;
		}
		if (bytes < k->min || bytes > k->max) {
			fmt_size(k->min, a, sizeof(a));
			fmt_size(k->max, b, sizeof(b));
			snprintf(why, whylen, "%s is out of range (%s to %s)", v, a, b);
			return -EINVAL;
		}
		*(int64_t *)field(base, k->offset) = bytes;
		return 0;
	}
	case T_INT: {
		int64_t n = 0;
		int r = parse_int(v, &n);
		if (r == -EINVAL) {
			snprintf(why, whylen, "invalid integer '%s'", v);
			return -EINVAL;
		}
		if (r < 0 || n < k->min || n > k->max) {
			snprintf(why, whylen, "%s is out of range (%lld to %lld)", v, (long long)k->min,
				 (long long)k->max);
			return -EINVAL;
		}
		*(int *)field(base, k->offset) = (int)n;
		return 0;
	}
	case T_BOOL: {
		bool bv = false;
		if (parse_bool(v, &bv) < 0) {
			snprintf(why, whylen, "invalid boolean '%s' (yes or no)", v);
			return -EINVAL;
		}
		*(bool *)field(base, k->offset) = bv;
		return 0;
	}
	case T_ENUM:
	case T_ENUM_STR: {
		int i = choice_index(k->choices, v);
		if (i < 0) {
			snprintf(why, whylen, "invalid value '%s' (one of %s)", v, k->choices);
			return -EINVAL;
		}
		if (k->type == T_ENUM) {
			*(int *)field(base, k->offset) = i;
			return 0;
		}
		char *s = strdup(v);
		if (!s)
			return -ENOMEM;
		free_value(k, base);
		*(char **)field(base, k->offset) = s;
		return 0;
	}
	case T_INCLUDE:
		return 0;
	}
	return -EINVAL;
}

/* Edit distance of a and b (both short), for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return SIZE_MAX;
	size_t d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

/* The key of sec closest to name when it is a likely typo, else NULL. */
static const char *closest_key(enum cfg_section sec, const char *name)
{
	const char *best = NULL;
	size_t bd = 3; /* at most two edits */
	for (size_t i = 0; i < N_KEYS; i++) {
		if (cfg_keys[i].section != sec)
			continue;
		size_t dist = edit_distance(name, cfg_keys[i].key);
		if (dist < bd) {
			bd = dist;
			best = cfg_keys[i].key;
		}
	}
	return best;
}

static const struct cfg_key *find_key(enum cfg_section sec, const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (cfg_keys[i].section == sec && !strcmp(cfg_keys[i].key, name))
			return &cfg_keys[i];
	return NULL;
}

/* --- sections and keys ------------------------------------------------------------- */

static bool source_name_ok(const char *n)
{
	size_t l = strlen(n);
	if (l == 0 || l > CFG_MAX_NAME)
		return false;
	for (; *n; n++)
		if (!(islower((unsigned char)*n) || isdigit((unsigned char)*n) || strchr("_.-", *n)))
			return false;
	return true;
}

static size_t name_hash(const char *s)
{
	size_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The source called name, or NULL. */
static struct cfg_source *source_lookup(struct parser *p, const char *name)
{
	if (!p->n_names)
		return NULL;
	for (size_t i = name_hash(name) & (p->n_names - 1);; i = (i + 1) & (p->n_names - 1)) {
		if (!p->names[i])
			return NULL;
		if (!strcmp(p->c->sources[p->names[i] - 1].name, name))
			return &p->c->sources[p->names[i] - 1];
	}
}

/* Adds source idx (its name set) to the name index; keeps the load under one half. */
static int source_index(struct parser *p, size_t idx)
{
	if (2 * (p->c->n_sources + 1) > p->n_names) {
		size_t n = p->n_names ? 2 * p->n_names : 64;
		size_t *t = calloc(n, sizeof(*t));
		if (!t)
			return -ENOMEM;
		for (size_t s = 0; s < p->c->n_sources; s++) {
			if (s == idx)
				continue;
			size_t i = name_hash(p->c->sources[s].name) & (n - 1);
			while (t[i])
				i = (i + 1) & (n - 1);
			t[i] = s + 1;
		}
		free(p->names);
		p->names = t;
		p->n_names = n;
	}
	size_t i = name_hash(p->c->sources[idx].name) & (p->n_names - 1);
	while (p->names[i])
		i = (i + 1) & (p->n_names - 1);
	p->names[i] = idx + 1;
	return 0;
}

static void section_begin(struct parser *p, char *inner)
{
	p->sect = ST_SKIP;
	char *s = inner;
	while (*s == ' ' || *s == '\t')
		s++;
	char *end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (!strcmp(s, "claimd")) {
		p->sect = ST_CLAIMD;
		return;
	}
	if (strncmp(s, "source", 6) || (s[6] && s[6] != ' ' && s[6] != '\t')) {
		err_at(p, p->line, "unknown section [%s] (expected [claimd] or [source NAME])", s);
		return;
	}
	const char *name = skip_ws(s + 6);
	if (!*name) {
		err_at(p, p->line, "section [source] needs a name: [source NAME]");
		return;
	}
	if (!source_name_ok(name)) {
		err_at(p, p->line,
		       "section [source %s]: invalid source name (1 to %d of a-z 0-9 _ . -)", name,
		       CFG_MAX_NAME);
		return;
	}
	const struct cfg_source *dup = source_lookup(p, name);
	if (dup) {
		err_at(p, p->line, "section [source %s]: duplicate source name (first at %s:%d)", name,
		       dup->file, dup->line);
		return;
	}
	if (p->c->n_sources >= CFG_MAX_SOURCES) {
		err_at(p, p->line, "section [source %s]: more than %d sources", name, CFG_MAX_SOURCES);
		return;
	}
	if (p->c->n_sources == p->cap_sources) {
		size_t cap = p->cap_sources ? p->cap_sources * 2 : 16;
		struct cfg_source *ns = realloc(p->c->sources, cap * sizeof(*ns));
		if (!ns)
			goto oom;
		p->c->sources = ns;
		struct src_meta *nm = realloc(p->meta, cap * sizeof(*nm));
		if (!nm)
			goto oom;
		p->meta = nm;
		p->cap_sources = cap;
	}
	struct cfg_source *cs = &p->c->sources[p->c->n_sources];
	struct src_meta *m = &p->meta[p->c->n_sources];
	*cs = (struct cfg_source){ .line = p->line };
	*m = (struct src_meta){ .line = p->line, .file = p->file };
	cs->name = strdup(name);
	cs->file = strdup(p->files[p->file].path);
	if (!cs->name || !cs->file || source_index(p, p->c->n_sources) < 0) {
		free(cs->name);
		free(cs->file);
		goto oom;
	}
	char why[256];
	for (size_t i = 0; i < N_KEYS; i++)
		if (cfg_keys[i].section == SEC_SOURCE && cfg_keys[i].def)
			(void)set_value(&cfg_keys[i], cs, cfg_keys[i].def, p->dir, why, sizeof(why));
	p->src = p->c->n_sources++;
	p->sect = ST_SOURCE;
	return;
oom:
	err_at(p, p->line, "out of memory");
}

static void add_include(struct parser *p, const char *v)
{
	_cleanup_free_ char *copy = strdup(v);
	if (!copy)
		return;
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ' || *t == '\t')
			t++;
		char *end = t + strlen(t);
		while (end > t && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*t)
			continue;
		struct include_req *n = realloc(p->incs, (p->n_incs + 1) * sizeof(*n));
		if (!n)
			return;
		p->incs = n;
		char *pat = NULL;
		if (t[0] == '/' || !*p->ndir)
			pat = strdup(t);
		else if (asprintf(&pat, "%s/%s", p->ndir, t) < 0)
			pat = NULL;
		if (!pat)
			return;
		p->incs[p->n_incs++] = (struct include_req){ .pattern = pat, .line = p->line };
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	(void)section; /* we track sections in the reader, with their line numbers */
	if (p->stash && p->stash_line == p->line)
		value = p->stash;
	if (p->sect == ST_SKIP)
		return 1;
	if (p->sect == ST_NONE) {
		err_at(p, p->line, "key '%s': outside of any section ([claimd] or [source NAME])", name);
		return 1;
	}
	enum cfg_section sec = p->sect == ST_CLAIMD ? SEC_CLAIMD : SEC_SOURCE;
	const struct cfg_key *k = find_key(sec, name);
	if (!k) {
		if (find_key(sec == SEC_CLAIMD ? SEC_SOURCE : SEC_CLAIMD, name))
			err_at(p, p->line, "key '%s': not allowed in %s", name,
			       sec == SEC_CLAIMD ? "[claimd] (it belongs in [source NAME])"
						 : "[source NAME] (it belongs in [claimd])");
		else if (closest_key(sec, name))
			err_at(p, p->line, "key '%s': unknown key in %s (did you mean '%s'?)", name,
			       sec == SEC_CLAIMD ? "[claimd]" : "[source NAME]", closest_key(sec, name));
		else
			err_at(p, p->line, "key '%s': unknown key in %s", name,
			       sec == SEC_CLAIMD ? "[claimd]" : "[source NAME]");
		return 1;
	}
	size_t ki = (size_t)(k - cfg_keys);
	char why[512];
	if (sec == SEC_CLAIMD) {
		if (k->type == T_INCLUDE) {
			add_include(p, value);
			return 1;
		}
		if (p->claimd_line[ki] && p->claimd_file[ki] == p->file) {
			err_at(p, p->line, "key '%s': set twice (first at line %d)", name,
			       p->claimd_line[ki]);
			return 1;
		}
		if (set_value(k, p->c, value, p->dir, why, sizeof(why)) < 0) {
			err_at(p, p->line, "key '%s': %s", name, why);
			return 1;
		}
		p->claimd_file[ki] = p->file;
		p->claimd_line[ki] = p->line;
		return 1;
	}
	struct src_meta *m = &p->meta[p->src];
	if (m->key_line[ki]) {
		err_at(p, p->line, "key '%s': set twice in [source %s] (first at line %d)", name,
		       p->c->sources[p->src].name, m->key_line[ki]);
		return 1;
	}
	if (set_value(k, &p->c->sources[p->src], value, p->dir, why, sizeof(why)) < 0) {
		err_at(p, p->line, "key '%s': %s", name, why);
		return 1;
	}
	m->key_line[ki] = p->line;
	return 1;
}

/* --- the reader: one line to inih per call, normalised ------------------------------ */

static bool key_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
		      isupper((unsigned char)s[i]) || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

static char *reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	if (p->pos >= p->len)
		return NULL;
	const char *s = p->buf + p->pos;
	const char *nl = memchr(s, '\n', p->len - p->pos);
	size_t n = nl ? (size_t)(nl - s) : p->len - p->pos;
	p->pos += n + (nl ? 1 : 0);
	p->line++;
	p->stash = NULL;
	snprintf(str, (size_t)num, "\n"); /* what inih sees unless a key = value follows */

	char *line = p->linebuf;
	if (n > CFG_MAX_LINE) {
		err_at(p, p->line, "line longer than %d characters", CFG_MAX_LINE);
		return str;
	}
	if (memchr(s, '\0', n)) {
		err_at(p, p->line, "NUL byte in line");
		return str;
	}
	memcpy(line, s, n);
	line[n] = '\0';
	char *b = line;
	if (p->line == 1 && !strncmp(b, "\xEF\xBB\xBF", 3))
		b += 3;
	while (*b == ' ' || *b == '\t')
		b++;
	if (*b == '#' || *b == ';' || !*b || *b == '\r')
		return str;
	/* inline comment: '#' or ';' after a blank */
	for (char *c = b + 1; *c; c++)
		if ((*c == '#' || *c == ';') && (c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			break;
		}
	char *end = b + strlen(b);
	while (end > b && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	if (*b == '[') {
		if (end[-1] != ']') {
			err_at(p, p->line, "section header without closing ']'");
			p->sect = ST_SKIP;
			return str;
		}
		end[-1] = '\0';
		section_begin(p, b + 1);
		return str;
	}
	char *eq = strchr(b, '=');
	if (!eq) {
		err_at(p, p->line, "expected 'key = value', '[section]' or a comment");
		return str;
	}
	char *kend = eq;
	while (kend > b && (kend[-1] == ' ' || kend[-1] == '\t'))
		kend--;
	if (!key_name_ok(b, (size_t)(kend - b))) {
		*kend = '\0';
		err_at(p, p->line, "invalid key name '%s'", b);
		return str;
	}
	*kend = '\0';
	char *v = eq + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	/* inih's buffer is num bytes; a longer value travels beside it */
	if (strlen(b) + strlen(v) + 3 > (size_t)num) {
		p->stash = v;
		p->stash_line = p->line;
		snprintf(str, (size_t)num, "%s=\n", b);
	} else {
		snprintf(str, (size_t)num, "%s=%s\n", b, v);
	}
	return str;
}

/* --- files and includes ------------------------------------------------------------- */

static int read_file(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	struct stat st;
	if (fstat(fileno(f), &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (S_ISREG(st.st_mode) && st.st_size > CFG_MAX_FILE_BYTES)
		return -EFBIG;
	size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size : CFG_MAX_FILE_BYTES;
	char *buf = malloc(cap + 2);
	if (!buf)
		return -ENOMEM;
	size_t n = fread(buf, 1, cap + 1, f);
	if (ferror(f)) {
		int e = errno ? errno : EIO;
		free(buf);
		return -e;
	}
	if (n > cap) { /* grew while we read it, or a stream over the limit */
		free(buf);
		return -EFBIG;
	}
	buf[n] = '\0';
	*ret = buf;
	*ret_len = n;
	return 0;
}

static int parse_file(struct parser *p, const char *path, int from_line);

static void do_includes(struct parser *p, struct include_req *incs, size_t n_incs, size_t parent)
{
	for (size_t i = 0; i < n_incs; i++) {
		const char *pat = incs[i].pattern;
		glob_t g = { 0 };
		int r = glob(pat, 0, NULL, &g);
		if (r == GLOB_NOMATCH) {
			/* a glob matching nothing is fine; a plain path that does not exist is not */
			if (!strpbrk(pat, "*?[")) {
				p->file = parent;
				err_at(p, incs[i].line, "key 'include': cannot read '%s': %s", pat,
				       strerror(ENOENT));
			}
			globfree(&g);
			continue;
		}
		if (r != 0) {
			p->file = parent;
			err_at(p, incs[i].line, "key 'include': cannot expand '%s'", pat);
			globfree(&g);
			continue;
		}
		for (size_t j = 0; j < g.gl_pathc; j++) {
			struct stat st;
			if (stat(g.gl_pathv[j], &st) == 0 && S_ISDIR(st.st_mode) && strpbrk(pat, "*?["))
				continue; /* a glob matching a directory: not a drop-in */
			p->file = parent;
			(void)parse_file(p, g.gl_pathv[j], incs[i].line);
		}
		globfree(&g);
	}
}

/* Reads one file (and then its includes). from_line: the include line in the current
 * file, 0 for the main file. Returns 0 or -errno when the file cannot be read. */
static int parse_file(struct parser *p, const char *path, int from_line)
{
	size_t parent = p->file;
	if (from_line && p->depth > CFG_MAX_INCLUDE_DEPTH) {
		err_at(p, from_line, "key 'include': '%s' nested deeper than %d levels", path,
		       CFG_MAX_INCLUDE_DEPTH);
		return 0;
	}
	if (p->n_files >= CFG_MAX_FILES) {
		err_at(p, from_line, "key 'include': more than %d files", CFG_MAX_FILES);
		return 0;
	}
	char *real = realpath(path, NULL);
	if (!real) {
		int e = errno;
		if (from_line)
			err_at(p, from_line, "key 'include': cannot read '%s': %s", path, strerror(e));
		return -e;
	}
	for (size_t i = 0; i < p->depth; i++)
		if (!strcmp(p->stack[i], real)) {
			err_at(p, from_line, "key 'include': '%s' includes itself", path);
			free(real);
			return 0;
		}
	for (size_t i = 0; i < p->n_files; i++)
		if (!strcmp(p->files[i].real, real)) {
			free(real); /* read already, through another glob */
			return 0;
		}
	char *buf = NULL;
	size_t len = 0;
	int r = read_file(path, &buf, &len);
	if (r < 0) {
		if (from_line)
			err_at(p, from_line, "key 'include': cannot read '%s': %s", path,
			       r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
		free(real);
		return r;
	}
	struct file_rec *nf = realloc(p->files, (p->n_files + 1) * sizeof(*nf));
	char **ns = realloc(p->stack, (p->depth + 1) * sizeof(*ns));
	if (nf)
		p->files = nf;
	if (ns)
		p->stack = ns;
	char *dpath = strdup(path);
	if (!nf || !ns || !dpath) {
		free(dpath);
		free(buf);
		free(real);
		return -ENOMEM;
	}
	p->files[p->n_files] = (struct file_rec){ .path = dpath, .real = real };
	size_t me = p->n_files++;
	p->stack[p->depth++] = real;

	/* directory of the file, absolute */
	_cleanup_free_ char *dir = strdup(real);
	if (!dir) {
		free(buf);
		p->depth--;
		return -ENOMEM;
	}
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';

	_cleanup_free_ char *ndir = strdup(path);
	if (!ndir) {
		free(buf);
		p->depth--;
		return -ENOMEM;
	}
	char *nslash = strrchr(ndir, '/');
	if (nslash == ndir)
		ndir[1] = '\0';
	else if (nslash)
		*nslash = '\0';
	else
		ndir[0] = '\0';

	/* save the state of the including file */
	const char *o_dir = p->dir, *o_ndir = p->ndir, *o_buf = p->buf;
	size_t o_len = p->len, o_pos = p->pos;
	int o_line = p->line;
	enum sect_state o_sect = p->sect;
	size_t o_src = p->src;
	struct include_req *o_incs = p->incs;
	size_t o_n_incs = p->n_incs;

	p->file = me;
	p->dir = dir;
	p->ndir = ndir;
	p->buf = buf;
	p->len = len;
	p->pos = 0;
	p->line = 0;
	p->sect = ST_NONE;
	p->incs = NULL;
	p->n_incs = 0;
	p->stash = NULL;
	int ir = ini_parse_stream(reader, p, handler, p);
	if (ir == -2)
		err_at(p, 0, "out of memory");
	/* ir > 0 is the first line inih rejected; every such line has already been reported
	 * by the reader, which hands inih only lines it accepts. */
	struct include_req *incs = p->incs;
	size_t n_incs = p->n_incs;
	p->incs = NULL;
	p->n_incs = 0;
	p->buf = NULL;
	free(buf);
	do_includes(p, incs, n_incs, me);
	for (size_t i = 0; i < n_incs; i++)
		free(incs[i].pattern);
	free(incs);

	p->depth--;
	p->file = parent;
	p->dir = o_dir;
	p->ndir = o_ndir;
	p->buf = o_buf;
	p->len = o_len;
	p->pos = o_pos;
	p->line = o_line;
	p->sect = o_sect;
	p->src = o_src;
	p->incs = o_incs;
	p->n_incs = o_n_incs;
	return 0;
}

/* --- after all files: required keys, inherited defaults, URLs ------------------------ */

static void check_url(struct parser *p, struct cfg_source *cs, int line)
{
	const char *u = cs->url;
	const char *colon = strchr(u, ':');
	size_t sl = colon ? (size_t)(colon - u) : 0;
	if (!colon || sl == 0 || strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") != sl) {
		err_at(p, line, "key 'url': '%s' is not a URL (http:// or https://)", u);
		return;
	}
	if (sl == 4 && !strncasecmp(u, "file", 4)) {
		if (!cs->allow_file) {
			err_at(p, line, "key 'url': file URLs need allow_file = yes in [source %s]",
			       cs->name);
			return;
		}
		const char *rest = u + 7;
		if (strncmp(u + 5, "//", 2) ||
		    (*rest != '/' && strncasecmp(rest, "localhost/", 10))) {
			err_at(p, line,
			       "key 'url': '%s' names a host; write file:///ABSOLUTE or file:RELATIVE", u);
			return;
		}
		return;
	}
	if (!((sl == 4 && !strncasecmp(u, "http", 4)) || (sl == 5 && !strncasecmp(u, "https", 5)))) {
		err_at(p, line, "key 'url': scheme '%.*s' not allowed (http or https%s)", (int)sl, u,
		       cs->allow_file ? ", or file" : "");
		return;
	}
	if (strncmp(colon, "://", 3) || colon[3] == '/' || !colon[3]) {
		err_at(p, line, "key 'url': invalid URL '%s': expected %.*s://HOST/...", u, (int)sl, u);
		return;
	}
	CURLU *h = curl_url();
	if (!h) {
		err_at(p, line, "out of memory");
		return;
	}
	char *host = NULL;
	CURLUcode cr = curl_url_set(h, CURLUPART_URL, u, 0);
	if (cr == CURLUE_OK)
		cr = curl_url_get(h, CURLUPART_HOST, &host, 0);
	if (cr != CURLUE_OK || !host || !*host)
		err_at(p, line, "key 'url': invalid URL '%s': %s", u,
		       cr != CURLUE_OK ? curl_url_strerror(cr) : "no host");
	curl_free(host);
	curl_url_cleanup(h);
}

static void finish(struct parser *p)
{
	for (size_t i = 0; i < p->c->n_sources; i++) {
		struct cfg_source *cs = &p->c->sources[i];
		struct src_meta *m = &p->meta[i];
		p->file = m->file;
		for (size_t k = 0; k < N_KEYS; k++) {
			const struct cfg_key *key = &cfg_keys[k];
			if (key->section != SEC_SOURCE || !key->inherit || m->key_line[k])
				continue;
			const struct cfg_key *from = find_key(SEC_CLAIMD, key->inherit);
			if (!from)
				continue;
			/* both are int64_t (durations and sizes) */
			*(int64_t *)field(cs, key->offset) = *(int64_t *)field(p->c, from->offset);
		}
		const struct cfg_key *url = find_key(SEC_SOURCE, "url");
		size_t ui = (size_t)(url - cfg_keys);
		if (!cs->url) {
			err_at(p, m->line, "key 'url': required in [source %s]", cs->name);
			continue;
		}
		check_url(p, cs, m->key_line[ui]);
	}
}

/* --- public ------------------------------------------------------------------------- */

struct cfg *cfg_free(struct cfg *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < N_KEYS; i++)
		if (cfg_keys[i].section == SEC_CLAIMD)
			free_value(&cfg_keys[i], c);
	for (size_t s = 0; s < c->n_sources; s++) {
		for (size_t i = 0; i < N_KEYS; i++)
			if (cfg_keys[i].section == SEC_SOURCE)
				free_value(&cfg_keys[i], &c->sources[s]);
		free(c->sources[s].name);
		free(c->sources[s].file);
	}
	free(c->sources);
	free(c->path);
	free(c);
	return NULL;
}

int cfg_load(const char *path, struct cfg **ret, struct cfg_errors *errs)
{
	if (!path || !ret)
		return -EINVAL;
	struct parser p = { .errs = errs };
	int r = 0;
	p.c = calloc(1, sizeof(*p.c));
	if (!p.c)
		return -ENOMEM;
	p.c->path = strdup(path);
	if (!p.c->path) {
		r = -ENOMEM;
		goto out;
	}
	char why[256];
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		if (k->section != SEC_CLAIMD || !k->def)
			continue;
		r = set_value(k, p.c, k->def, "/", why, sizeof(why));
		if (r < 0)
			goto out; /* only out of memory: the defaults are tested */
	}
	r = parse_file(&p, path, 0);
	if (r < 0) {
		err_plain(errs, "%s: cannot read: %s", path,
			  r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
		goto out;
	}
	finish(&p);
	if (p.truncated)
		err_plain(errs, "%s: too many errors, %zu not shown", path,
			  p.n_errors - CFG_MAX_ERRORS);
	if (p.n_errors > 0)
		r = -EINVAL;
out:
	for (size_t i = 0; i < p.n_files; i++) {
		free(p.files[i].path);
		free(p.files[i].real);
	}
	free(p.files);
	free(p.stack);
	free(p.meta);
	free(p.names);
	if (r < 0) {
		cfg_free(p.c);
		return r;
	}
	*ret = p.c;
	return 0;
}

const struct cfg_source *cfg_find_source(const struct cfg *c, const char *name)
{
	if (!c || !name)
		return NULL;
	for (size_t i = 0; i < c->n_sources; i++)
		if (!strcmp(c->sources[i].name, name))
			return &c->sources[i];
	return NULL;
}

static const char *type_name(const struct cfg_key *k)
{
	switch (k->type) {
	case T_STRING:
		return "string";
	case T_PATH:
		return "path";
	case T_DURATION:
		return "duration";
	case T_SIZE:
		return "size";
	case T_INT:
		return "int";
	case T_BOOL:
		return "bool";
	case T_ENDPOINTS:
		return "endpoints";
	case T_ENDPOINT:
		return "endpoint";
	case T_ENUM:
	case T_ENUM_STR:
		return "enum";
	case T_URL:
		return "url";
	case T_INCLUDE:
		return "globs";
	}
	return "?";
}

void cfg_dump_keys(FILE *out)
{
	fprintf(out, "%-9s %-22s %-9s %-22s %s\n", "SECTION", "KEY", "TYPE", "DEFAULT", "RANGE");
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		char def[128], range[96], a[32], b[32];
		if (k->inherit)
			snprintf(def, sizeof(def), "([claimd] %s)", k->inherit);
		else if (!k->def)
			snprintf(def, sizeof(def), "%s", k->type == T_URL ? "(required)" : "(none)");
		else if (!*k->def)
			snprintf(def, sizeof(def), "(none)");
		else
			snprintf(def, sizeof(def), "%s", k->def);
		range[0] = '\0';
		switch (k->type) {
		case T_DURATION:
			fmt_duration(k->min, a, sizeof(a));
			fmt_duration(k->max, b, sizeof(b));
			snprintf(range, sizeof(range), "%s..%s", a, b);
			break;
		case T_SIZE:
			fmt_size(k->min, a, sizeof(a));
			fmt_size(k->max, b, sizeof(b));
			snprintf(range, sizeof(range), "%s..%s", a, b);
			break;
		case T_INT:
			snprintf(range, sizeof(range), "%lld..%lld", (long long)k->min, (long long)k->max);
			break;
		case T_ENUM:
		case T_ENUM_STR:
			snprintf(range, sizeof(range), "%s", k->choices);
			break;
		case T_BOOL:
			snprintf(range, sizeof(range), "yes|no");
			break;
		default:
			break;
		}
		if (range[0])
			fprintf(out, "%-9s %-22s %-9s %-22s %s\n",
				k->section == SEC_CLAIMD ? "claimd" : "source", k->key, type_name(k), def,
				range);
		else
			fprintf(out, "%-9s %-22s %-9s %s\n", k->section == SEC_CLAIMD ? "claimd" : "source",
				k->key, type_name(k), def);
		fprintf(out, "          %s\n", k->help);
	}
	fprintf(out,
		"\nDurations: 250ms, 90s, 5m, 1h, 2d, 1w, combined (1h30m); a plain number is "
		"seconds.\nSizes: 512k, 16M, 1G (powers of 1024); a plain number is bytes.\n"
		"Booleans: yes/no, true/false, on/off, 1/0. Sections: [claimd], [source NAME] with "
		"NAME of a-z 0-9 _ . - (used in topics).\n");
}
