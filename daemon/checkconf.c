/* checkconf.c — what claimd would refuse at start, found without starting it, so that
 * `claimd --check-config` (the unit's ExecStartPre=) and `claimctl check` say so first.
 *
 * Takes: a configuration cfg_load() accepted. Gives: one "file:line: key 'x': reason" per
 *        problem, the line being where the key was set (a light second reading of the
 *        files and their includes, [claimd] sections only; the last setting wins, as in
 *        cfg_load), or the main file and "(default ...)" when it was not set.
 *        Also: where the lexicons are found (checkconf_lexicon_dir).
 * Must not: log, bind sockets, create the state directory or open the database (it
 *        checks that they could be; nothing is left behind). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "claimd/checkconf.h"
#include "claimd/claims.h"
#include "claimd/metrics.h"

#define CC_MAX_DEPTH 5

/* Where a [claimd] key was last set. */
struct where {
	const char *key;
	char file[PATH_MAX];
	int line;
};

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	*e = '\0';
	return s;
}

/* Strips a comment that starts after a blank ("value   # comment"). */
static void strip_comment(char *v)
{
	for (char *p = v; *p; p++)
		if ((*p == '#' || *p == ';') && p > v && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
}

static void scan(const char *file, struct where *w, size_t nw, int depth);

static void scan_includes(const char *file, char *list, struct where *w, size_t nw, int depth)
{
	char dirbuf[PATH_MAX];
	snprintf(dirbuf, sizeof(dirbuf), "%s", file);
	const char *dir = dirname(dirbuf);
	for (char *save = NULL, *pat = strtok_r(list, ",", &save); pat;
	     pat = strtok_r(NULL, ",", &save)) {
		pat = trim(pat);
		if (!*pat)
			continue;
		char full[2 * PATH_MAX];
		if (pat[0] == '/')
			snprintf(full, sizeof(full), "%s", pat);
		else
			snprintf(full, sizeof(full), "%s/%s", dir, pat);
		glob_t g;
		if (glob(full, 0, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++)
				scan(g.gl_pathv[i], w, nw, depth + 1);
		}
		globfree(&g);
	}
}

static void scan(const char *file, struct where *w, size_t nw, int depth)
{
	if (depth > CC_MAX_DEPTH)
		return;
	FILE *f = fopen(file, "re");
	if (!f)
		return;
	char line[8192];
	char *incs = NULL;
	int n = 0;
	bool in_claimd = false;
	while (fgets(line, sizeof(line), f)) {
		n++;
		char *s = trim(line);
		if (*s == '#' || *s == ';' || !*s)
			continue;
		if (*s == '[') {
			in_claimd = !strncmp(s, "[claimd]", 8);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!in_claimd || !eq)
			continue;
		*eq = '\0';
		char *k = trim(s), *v = trim(eq + 1);
		strip_comment(v);
		v = trim(v);
		if (!strcmp(k, "include")) {
			size_t old = incs ? strlen(incs) : 0;
			char *m = realloc(incs, old + strlen(v) + 2);
			if (m) {
				incs = m;
				if (old)
					incs[old++] = ',';
				strcpy(incs + old, v);
			}
			continue;
		}
		for (size_t i = 0; i < nw; i++)
			if (!strcmp(k, w[i].key)) {
				snprintf(w[i].file, sizeof(w[i].file), "%s", file);
				w[i].line = n;
			}
	}
	fclose(f);
	if (incs)
		scan_includes(file, incs, w, nw, depth);
	free(incs);
}

struct ctx {
	const struct cfg *c;
	struct cfg_errors *errs;
	struct where w[7];
	int n;
};

enum { W_PUBLISH, W_REPLAY, W_STATE, W_LEXICON, W_SECRET, W_CLIENTS, W_METRICS };

__attribute__((format(printf, 4, 5))) static void problem(struct ctx *x, int wi, const char *dflt,
							   const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char *line = NULL;
	const struct where *w = &x->w[wi];
	int r;
	if (w->line)
		r = asprintf(&line, "%s:%d: key '%s': %s", w->file, w->line, w->key, msg);
	else
		r = asprintf(&line, "%s: key '%s' (default %s): %s", x->c->path, w->key,
			     dflt ? dflt : "none", msg);
	x->n++;
	if (r < 0)
		return;
	char **m = realloc(x->errs->msgs, (x->errs->n + 1) * sizeof(*m));
	if (!m) {
		free(line);
		return;
	}
	x->errs->msgs = m;
	m[x->errs->n++] = line;
}

/* ipc:// and inproc:// are local; tcp:// is local when its host is loopback (as
 * publish.c decides when binding). */
static bool endpoint_is_local(const char *ep)
{
	if (!strncmp(ep, "ipc://", 6) || !strncmp(ep, "inproc://", 9))
		return true;
	if (strncmp(ep, "tcp://", 6))
		return false;
	const char *h = ep + 6;
	const char *semi = strrchr(h, ';');
	if (semi)
		h = semi + 1;
	char host[256];
	size_t n;
	if (*h == '[') {
		const char *e = strchr(h, ']');
		if (!e)
			return false;
		n = (size_t)(e - h - 1);
		h++;
	} else {
		const char *e = strrchr(h, ':');
		n = e ? (size_t)(e - h) : strlen(h);
	}
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	if (!strcmp(host, "localhost") || !strcmp(host, "lo") || !strcmp(host, "::1"))
		return true;
	struct in_addr a4;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return false;
}

/* A CURVE key file: 40 characters of Z85 (blanks around ignored) or 32 raw bytes. */
static int key_file_ok(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char buf[128];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	bool err = ferror(f);
	fclose(f);
	if (err)
		return -EIO;
	if (n == 32)
		return 0;
	buf[n] = '\0';
	char *s = buf;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t len = strcspn(s, " \t\r\n");
	if (len != 40)
		return -EINVAL;
	s[40] = '\0';
	unsigned char out[32];
	return zmq_z85_decode(out, s) ? 0 : -EINVAL;
}

static void check_endpoints(struct ctx *x)
{
	const struct cfg *c = x->c;
	bool curve = c->curve_secret_key_file && *c->curve_secret_key_file;
	for (size_t i = 0; i < c->n_publish; i++)
		if (!curve && !endpoint_is_local(c->publish[i]))
			problem(x, W_PUBLISH, "tcp://127.0.0.1:5556",
				"%s is not on loopback and no CURVE key is configured; claimd "
				"refuses to bind it (set curve_secret_key_file and "
				"curve_client_keys_dir, or bind 127.0.0.1 or ipc://)",
				c->publish[i]);
	if (c->replay && *c->replay && !curve && !endpoint_is_local(c->replay))
		problem(x, W_REPLAY, "tcp://127.0.0.1:5557",
			"%s is not on loopback and no CURVE key is configured; claimd refuses to "
			"bind it",
			c->replay);
	if (!curve)
		return;
	int r = key_file_ok(c->curve_secret_key_file);
	if (r < 0)
		problem(x, W_SECRET, NULL, "cannot read CURVE secret key %s: %s",
			c->curve_secret_key_file,
			r == -EINVAL ? "not a key (40 characters of Z85 or 32 bytes)" : strerror(-r));
	if (!c->curve_client_keys_dir || !*c->curve_client_keys_dir) {
		problem(x, W_CLIENTS, NULL,
			"CURVE needs curve_client_keys_dir (the allowed client public keys)");
		return;
	}
	DIR *d = opendir(c->curve_client_keys_dir);
	if (!d) {
		problem(x, W_CLIENTS, NULL, "cannot read %s: %s", c->curve_client_keys_dir,
			strerror(errno));
		return;
	}
	closedir(d);
}

/* The nearest existing ancestor of a directory that does not exist yet. */
static void nearest_existing(const char *dir, char *out, size_t len)
{
	snprintf(out, len, "%s", dir);
	struct stat st;
	while (stat(out, &st) < 0) {
		char *slash = strrchr(out, '/');
		if (!slash) {
			snprintf(out, len, ".");
			return;
		}
		if (slash == out) {
			out[1] = '\0';
			return;
		}
		*slash = '\0';
	}
}

/* Whether a directory takes a new entry: a probe directory made and removed at once (a
 * read-only file system or a missing permission shows, root or not). */
static int probe_dir(const char *dir)
{
	char p[PATH_MAX + 32];
	int n = snprintf(p, sizeof(p), "%s/.claimd-check-XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(p))
		return -ENAMETOOLONG;
	if (!mkdtemp(p))
		return -errno;
	rmdir(p);
	return 0;
}

static void check_state_dir(struct ctx *x)
{
	const char *dir = x->c->state_dir;
	const char *dflt = "/var/lib/claimd";
	struct stat st;
	int r;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			problem(x, W_STATE, dflt, "%s is not a directory", dir);
			return;
		}
		if ((r = probe_dir(dir)) < 0) {
			problem(x, W_STATE, dflt, "cannot write to %s: %s", dir, strerror(-r));
			return;
		}
		char db[PATH_MAX + 16];
		snprintf(db, sizeof(db), "%s/claimd.db", dir);
		if (access(db, F_OK) == 0 && access(db, R_OK | W_OK) < 0)
			problem(x, W_STATE, dflt, "cannot read and write %s: %s", db, strerror(errno));
		return;
	}
	if (errno != ENOENT) {
		problem(x, W_STATE, dflt, "%s: %s", dir, strerror(errno));
		return;
	}
	char anc[PATH_MAX];
	nearest_existing(dir, anc, sizeof(anc));
	if (stat(anc, &st) < 0 || !S_ISDIR(st.st_mode))
		problem(x, W_STATE, dflt, "cannot create %s: %s is not a directory", dir, anc);
	else if ((r = probe_dir(anc)) < 0)
		problem(x, W_STATE, dflt, "cannot create %s: %s: %s", dir, anc, strerror(-r));
}

static bool has_lexicons(const char *dir)
{
	char p[PATH_MAX + 64];
	int n = snprintf(p, sizeof(p), "%s/cues.txt", dir);
	return n > 0 && (size_t)n < sizeof(p) && access(p, R_OK) == 0;
}

const char *checkconf_lexicon_dir(const struct cfg *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s", c->lexicon_dir ? c->lexicon_dir : CLAIMD_LEXICON_DIR);
	if (has_lexicons(buf) || strcmp(buf, CLAIMD_LEXICON_DIR))
		return buf;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return buf;
	exe[n] = '\0';
	const char *bindir = dirname(exe);
	const char *tails[] = { "/../share/claimd/lexicon", "/conf/lexicon", "/../conf/lexicon" };
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		char cand[PATH_MAX + 32];
		snprintf(cand, sizeof(cand), "%s%s", bindir, tails[i]);
		char real[PATH_MAX];
		if (has_lexicons(cand) && realpath(cand, real)) {
			snprintf(buf, len, "%s", real);
			return buf;
		}
	}
	return buf;
}

static void check_lexicons(struct ctx *x)
{
	char dir[PATH_MAX], err[512] = "";
	checkconf_lexicon_dir(x->c, dir, sizeof(dir));
	struct claims_ctx *cl = NULL;
	int r = claims_new(dir, &cl, err, sizeof(err));
	if (r < 0)
		problem(x, W_LEXICON, CLAIMD_LEXICON_DIR, "cannot load the lexicons: %s",
			*err ? err : strerror(-r));
	claims_free(cl);
}

int checkconf_run(const struct cfg *c, struct cfg_errors *errs)
{
	struct ctx x = { .c = c, .errs = errs,
			 .w = { { .key = "publish" }, { .key = "replay" }, { .key = "state_dir" },
				{ .key = "lexicon_dir" }, { .key = "curve_secret_key_file" },
				{ .key = "curve_client_keys_dir" }, { .key = "metrics" } } };
	scan(c->path, x.w, sizeof(x.w) / sizeof(x.w[0]), 0);
	check_endpoints(&x);
	check_state_dir(&x);
	check_lexicons(&x);
	if (c->metrics && *c->metrics) {
		struct sockaddr_storage sa;
		size_t salen;
		char why[256];
		if (metrics_parse_addr(c->metrics, &sa, &salen, why, sizeof(why)) < 0)
			problem(&x, W_METRICS, NULL, "%s", why);
	}
	return x.n;
}
