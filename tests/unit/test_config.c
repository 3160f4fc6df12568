/* test_config.c — the configuration module against the files in tests/fixtures/config:
 * a complete good file with drop-ins parses to the right values; every bad-*.conf fails
 * with the errors its first line lists ("# expect: A && B", each "file:line: ..."; " ... "
 * separates parts that must appear in that order in one message), and with no other
 * error; duration and size edge cases; a reload that fails leaves the previous
 * configuration intact; claimctl check's exit codes. Run from tests/unit/. */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "claimd/config.h"
#include "claimd/ctl.h"

#define FIX "../fixtures/config"

static char fixdir[PATH_MAX]; /* absolute */

static int setup(void **state)
{
	(void)state;
	if (!realpath(FIX, fixdir))
		return -1;
	return 0;
}

static void assert_path(const char *got, const char *rel)
{
	char want[PATH_MAX * 2];
	snprintf(want, sizeof(want), "%s/%s", fixdir, rel);
	assert_non_null(got);
	assert_string_equal(got, want);
}

static struct cfg *load_ok(const char *path)
{
	struct cfg *c = NULL;
	struct cfg_errors e = { 0 };
	int r = cfg_load(path, &c, &e);
	for (size_t i = 0; i < e.n; i++)
		fprintf(stderr, "unexpected: %s\n", e.msgs[i]);
	assert_int_equal(r, 0);
	assert_int_equal(e.n, 0);
	assert_non_null(c);
	cfg_errors_clear(&e);
	return c;
}

static void test_good(void **state)
{
	(void)state;
	struct cfg *c = load_ok(FIX "/good.conf");
	assert_string_equal(c->path, FIX "/good.conf");
	assert_path(c->state_dir, "state");
	assert_int_equal(c->n_publish, 2);
	assert_string_equal(c->publish[0], "tcp://127.0.0.1:6556");
	assert_string_equal(c->publish[1], "ipc:///tmp/claimd-test.pub");
	assert_null(c->replay);
	assert_int_equal(c->heartbeat_ms, 2000); /* the drop-in overrides 250ms */
	assert_int_equal(c->max_parallel, 8);
	assert_int_equal(c->max_per_host, 1);
	assert_int_equal(c->max_body, 512 * 1024);
	assert_int_equal(c->connect_timeout_ms, 3000);
	assert_int_equal(c->timeout_ms, 20000);
	assert_int_equal(c->interval_ms, 90000);
	assert_int_equal(c->backoff_max_ms, 2 * 3600 * 1000LL);
	assert_int_equal(c->disable_after_ms, 2 * 86400 * 1000LL);
	assert_int_equal(c->max_items, 50);
	assert_int_equal(c->journal_max_age_ms, 7 * 86400 * 1000LL);
	assert_int_equal(c->journal_max_bytes, 1024LL * 1024 * 1024);
	assert_int_equal(c->sndhwm, 0);
	assert_path(c->lexicon_dir, "good.d/lexicon"); /* relative to the drop-in */
	assert_path(c->curve_secret_key_file, "keys/server.key");
	assert_string_equal(c->curve_client_keys_dir, "/etc/claimd/clients");
	assert_string_equal(c->user_agent, "claimd-test/1 (+https://example.org)");
	assert_string_equal(c->log_level, "debug");

	/* main file first, then drop-ins in glob order, then theirs */
	static const char *names[] = { "alpha", "beta.news_1", "local", "gamma", "delta", "long" };
	assert_int_equal(c->n_sources, 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(c->sources[i].name, names[i]);

	const struct cfg_source *a = cfg_find_source(c, "alpha");
	assert_non_null(a);
	assert_string_equal(a->url, "https://example.org/alpha.xml");
	assert_int_equal(a->interval_ms, 90000); /* inherited */
	assert_int_equal(a->max_body, 512 * 1024);
	assert_int_equal(a->timeout_ms, 20000);
	assert_false(a->allow_file);
	assert_true(a->enabled);
	assert_int_equal(a->id_rule, ID_RULE_AUTO);
	assert_string_equal(a->file, FIX "/good.conf");
	assert_int_equal(a->line, 26);

	const struct cfg_source *b = cfg_find_source(c, "beta.news_1");
	assert_non_null(b);
	assert_string_equal(b->url, "HTTP://Example.org/beta?x=1;y=2#frag");
	assert_int_equal(b->interval_ms, 90 * 60 * 1000LL);
	assert_int_equal(b->max_body, 1024LL * 1024 * 1024);
	assert_int_equal(b->timeout_ms, 5000);
	assert_int_equal(b->id_rule, ID_RULE_HASH);
	assert_false(b->enabled);

	const struct cfg_source *l = cfg_find_source(c, "local");
	assert_non_null(l);
	char want[PATH_MAX * 2];
	snprintf(want, sizeof(want), "file://%s/feeds/local.xml", fixdir);
	assert_string_equal(l->url, want);
	assert_true(l->allow_file);

	const struct cfg_source *g = cfg_find_source(c, "gamma");
	assert_non_null(g);
	assert_int_equal(g->interval_ms, 1000);
	assert_string_equal(g->file, FIX "/good.d/10-extra.conf");
	assert_int_equal(g->line, 7);

	const struct cfg_source *d = cfg_find_source(c, "delta");
	assert_non_null(d);
	assert_string_equal(d->url, "file:///srv/feeds/delta.xml");
	assert_int_equal(d->id_rule, ID_RULE_GUID);

	const struct cfg_source *lg = cfg_find_source(c, "long");
	assert_non_null(lg);
	assert_true(strlen(lg->url) > 500);
	assert_non_null(strstr(lg->url, "p39=value039"));

	assert_null(cfg_find_source(c, "nope"));
	assert_null(cfg_free(c));
}

static void test_defaults(void **state)
{
	(void)state;
	struct cfg *c = load_ok(FIX "/good-minimal.conf");
	assert_string_equal(c->state_dir, "/var/lib/claimd");
	assert_int_equal(c->n_publish, 1);
	assert_string_equal(c->publish[0], "tcp://127.0.0.1:5556");
	assert_string_equal(c->replay, "tcp://127.0.0.1:5557");
	assert_int_equal(c->heartbeat_ms, 1000);
	assert_int_equal(c->max_parallel, 32);
	assert_int_equal(c->max_per_host, 2);
	assert_int_equal(c->max_body, 16 * 1024 * 1024);
	assert_int_equal(c->connect_timeout_ms, 10000);
	assert_int_equal(c->timeout_ms, 60000);
	assert_int_equal(c->interval_ms, 300000);
	assert_int_equal(c->backoff_max_ms, 3600000);
	assert_int_equal(c->disable_after_ms, 86400000);
	assert_int_equal(c->max_items, 1000);
	assert_int_equal(c->journal_max_age_ms, 7 * 86400000LL);
	assert_int_equal(c->journal_max_bytes, 256LL * 1024 * 1024);
	assert_int_equal(c->sndhwm, 100000);
	assert_string_equal(c->lexicon_dir, CLAIMD_SYSCONFDIR "/claimd/lexicon");
	assert_null(c->curve_secret_key_file);
	assert_null(c->curve_client_keys_dir);
	assert_string_equal(c->user_agent, "claimd/" CLAIMD_VERSION);
	assert_string_equal(c->log_level, "info");
	assert_int_equal(c->n_sources, 1);
	assert_int_equal(c->sources[0].interval_ms, 300000);
	assert_int_equal(c->sources[0].max_body, 16 * 1024 * 1024);
	assert_int_equal(c->sources[0].timeout_ms, 60000);
	assert_true(c->sources[0].enabled);
	assert_int_equal(c->page_delay_ms, 1000);
	assert_int_equal(c->page_max_wait_ms, 120000);
	assert_int_equal(c->sources[0].fetch_page, FETCH_PAGE_AUTO);
	assert_int_equal(c->sources[0].page_min_chars, 800);
	assert_false(c->sources[0].page_allow_private);
	assert_int_equal(c->sources[0].page_delay_ms, 1000);
	assert_int_equal(c->sources[0].page_max_wait_ms, 120000);
	cfg_free(c);

	c = load_ok(FIX "/good-pages.conf");
	assert_int_equal(c->n_sources, 3);
	const struct cfg_source *s = cfg_find_source(c, "inherits");
	assert_int_equal(s->fetch_page, FETCH_PAGE_AUTO);
	assert_int_equal(s->page_delay_ms, 250);
	assert_int_equal(s->page_max_wait_ms, 30000);
	assert_false(s->page_allow_private);
	s = cfg_find_source(c, "own");
	assert_int_equal(s->fetch_page, FETCH_PAGE_ALWAYS);
	assert_int_equal(s->page_min_chars, 0);
	assert_true(s->page_allow_private);
	assert_int_equal(s->page_delay_ms, 0);
	assert_int_equal(s->page_max_wait_ms, 3600000);
	assert_int_equal(cfg_find_source(c, "never")->fetch_page, FETCH_PAGE_NEVER);
	cfg_free(c);

	c = load_ok(FIX "/good-crlf.conf");
	assert_int_equal(c->heartbeat_ms, 3000);
	assert_int_equal(c->n_sources, 1);
	assert_string_equal(c->sources[0].url, "https://example.org/crlf.xml");
	assert_false(c->sources[0].enabled);
	cfg_free(c);

	c = load_ok(FIX "/good-empty.conf");
	assert_int_equal(c->n_sources, 0);
	cfg_free(c);
}

/* "A ... B": A then B in one message */
static bool matches(const char *msg, const char *want)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", want);
	const char *at = msg;
	char *part = buf;
	for (;;) {
		char *sep = strstr(part, " ... ");
		if (sep)
			*sep = '\0';
		const char *hit = strstr(at, part);
		if (!hit)
			return false;
		at = hit + strlen(part);
		if (!sep)
			return true;
		part = sep + 5;
	}
}

static void check_bad(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char first[2048] = "";
	assert_non_null(fgets(first, sizeof(first), f));
	fclose(f);
	first[strcspn(first, "\n")] = '\0';
	const char *prefix = "# expect: ";
	if (strncmp(first, prefix, strlen(prefix)))
		fail_msg("%s: first line must be '# expect: ...'", path);

	struct cfg *c = (struct cfg *)0x1; /* must stay untouched */
	struct cfg_errors e = { 0 };
	int r = cfg_load(path, &c, &e);
	bool ok = r == -EINVAL && c == (struct cfg *)0x1;
	size_t n_expect = 0;
	char *save = NULL;
	for (char *w = strtok_r(first + strlen(prefix), "&", &save); w; w = strtok_r(NULL, "&", &save)) {
		while (*w == ' ')
			w++;
		char *end = w + strlen(w);
		while (end > w && end[-1] == ' ')
			*--end = '\0';
		if (!*w)
			continue;
		n_expect++;
		bool found = false;
		for (size_t i = 0; i < e.n && !found; i++)
			found = matches(e.msgs[i], w);
		if (!found) {
			fprintf(stderr, "%s: no error matches \"%s\"\n", path, w);
			ok = false;
		}
	}
	if (e.n != n_expect) {
		fprintf(stderr, "%s: %zu errors, expected %zu\n", path, e.n, n_expect);
		ok = false;
	}
	if (!ok) {
		fprintf(stderr, "%s: cfg_load returned %d; errors:\n", path, r);
		for (size_t i = 0; i < e.n; i++)
			fprintf(stderr, "  %s\n", e.msgs[i]);
	}
	cfg_errors_clear(&e);
	assert_null(e.msgs);
	assert_true(ok);
}

static void test_bad_fixtures(void **state)
{
	(void)state;
	glob_t g = { 0 };
	assert_int_equal(glob(FIX "/bad-*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 30);
	for (size_t i = 0; i < g.gl_pathc; i++)
		check_bad(g.gl_pathv[i]);
	globfree(&g);
}

static void test_unreadable(void **state)
{
	(void)state;
	struct cfg *c = NULL;
	struct cfg_errors e = { 0 };
	assert_int_equal(cfg_load(FIX "/no-such.conf", &c, &e), -ENOENT);
	assert_null(c);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msgs[0], "no-such.conf: cannot read: No such file or directory"));
	cfg_errors_clear(&e);
	assert_int_equal(cfg_load(FIX "/include-dir.d", &c, &e), -EISDIR);
	assert_null(c);
	cfg_errors_clear(&e);
}

static void test_durations(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int64_t ms;
	} ok[] = {
		{ "250ms", 250 },     { "90s", 90000 },	     { "5m", 300000 },	       { "1h", 3600000 },
		{ "2d", 172800000 },  { "1w", 604800000 },   { "0", 0 },	       { "42", 42000 },
		{ "1h30m", 5400000 }, { "1h 30m", 5400000 }, { " 5 m ", 300000 },     { "1m30s", 90000 },
		{ "2min", 120000 },   { "3sec", 3000 },	     { "1s500ms", 1500 },     { "0ms", 0 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t ms = -1;
		if (cfg_parse_duration(ok[i].in, &ms) != 0 || ms != ok[i].ms)
			fail_msg("duration '%s': got %lld, want %lld", ok[i].in, (long long)ms,
				 (long long)ok[i].ms);
	}
	static const char *bad[] = { "", " ", "5x", "m", "-5s", "1.5s", "5 minutes", "10 20", "5s 3",
				     "99999999999999999999", "9999999999999999d", "s5", "1h-", NULL };
	for (size_t i = 0; bad[i]; i++) {
		int64_t ms = 12345;
		if (cfg_parse_duration(bad[i], &ms) == 0)
			fail_msg("duration '%s' accepted (%lld)", bad[i], (long long)ms);
		assert_int_equal(ms, 12345);
	}
	assert_int_equal(cfg_parse_duration(NULL, &(int64_t){ 0 }), -EINVAL);
}

static void test_sizes(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int64_t b;
	} ok[] = {
		{ "0", 0 },	    { "4096", 4096 },	      { "512k", 524288 },
		{ "512K", 524288 }, { "16M", 16777216 },      { "16MiB", 16777216 },
		{ "16 MB", 16777216 }, { "1G", 1073741824 }, { "2T", 2199023255552LL },
		{ "100b", 100 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t b = -1;
		if (cfg_parse_size(ok[i].in, &b) != 0 || b != ok[i].b)
			fail_msg("size '%s': got %lld, want %lld", ok[i].in, (long long)b, (long long)ok[i].b);
	}
	static const char *bad[] = { "", "k", "-1", "1.5M", "16Q", "16 M B", "16M 2",
				     "99999999999999999999", "9999999999999G", NULL };
	for (size_t i = 0; bad[i]; i++) {
		int64_t b = 777;
		if (cfg_parse_size(bad[i], &b) == 0)
			fail_msg("size '%s' accepted (%lld)", bad[i], (long long)b);
		assert_int_equal(b, 777);
	}
}

/* SIGHUP: the daemon loads the new file into a fresh struct and keeps the old one when
 * the new one has errors. */
static void test_reload(void **state)
{
	(void)state;
	struct cfg *live = load_ok(FIX "/good.conf");
	struct cfg *next = NULL;
	struct cfg_errors e = { 0 };
	assert_int_equal(cfg_load(FIX "/bad-many.conf", &next, &e), -EINVAL);
	assert_null(next);
	assert_int_equal(e.n, 5);
	cfg_errors_clear(&e);
	/* the live configuration is whole */
	assert_int_equal(live->heartbeat_ms, 2000);
	assert_int_equal(live->n_sources, 6);
	assert_string_equal(cfg_find_source(live, "alpha")->url, "https://example.org/alpha.xml");

	next = load_ok(FIX "/good-reload.conf");
	assert_int_equal(next->heartbeat_ms, 5000);
	assert_int_equal(next->n_sources, 2);
	assert_int_equal(cfg_find_source(next, "alpha")->interval_ms, 600000);
	assert_non_null(cfg_find_source(next, "epsilon"));
	assert_null(cfg_find_source(next, "gamma"));
	struct cfg *old = live;
	live = next;
	cfg_free(old);
	assert_int_equal(live->n_publish, 1);
	cfg_free(live);
}

static void test_dump_keys(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	cfg_dump_keys(f);
	fclose(f);
	static const char *want[] = { "state_dir", "/var/lib/claimd", "publish", "replay",
				      "heartbeat", "max_parallel", "max_per_host", "max_body", "16M",
				      "connect_timeout", "timeout", "interval", "backoff_max",
				      "disable_after", "max_items", "journal_max_age",
				      "journal_max_bytes", "sndhwm", "lexicon_dir",
				      "curve_secret_key_file", "curve_client_keys_dir", "user_agent",
				      "log_level", "include", "url", "(required)", "allow_file",
				      "id_rule", "auto|guid|link|hash", "enabled", NULL };
	for (size_t i = 0; want[i]; i++)
		if (!strstr(buf, want[i]))
			fail_msg("cfg_dump_keys lacks '%s'", want[i]);
	free(buf);
}

/* conf/claimd.conf, the default of `make run`, loads; its relative paths land in the
 * repository; and it shows every [claimd] key of the table, commented out with its
 * default unless set. */
static void test_default_conf(void **state)
{
	(void)state;
	char conf[PATH_MAX], repo[PATH_MAX], want[PATH_MAX * 2];
	assert_non_null(realpath("../../conf", conf));
	assert_non_null(realpath("../..", repo));
	struct cfg *c = load_ok("../../conf/claimd.conf");
	snprintf(want, sizeof(want), "%s/state", repo);
	assert_string_equal(c->state_dir, want);
	snprintf(want, sizeof(want), "%s/lexicon", conf);
	assert_string_equal(c->lexicon_dir, want);
	const struct cfg_source *s = cfg_find_source(c, "sample");
	assert_non_null(s);
	assert_true(s->allow_file);
	snprintf(want, sizeof(want), "file://%s/seed-feed.xml", conf);
	assert_string_equal(s->url, want);
	assert_int_equal(access(want + 7, R_OK), 0);
	assert_true(c->n_sources >= 4);
	for (size_t i = 0; i < c->n_sources; i++)
		if (strcmp(c->sources[i].name, "sample")) {
			assert_int_equal(strncmp(c->sources[i].url, "https://", 8), 0);
			assert_int_equal(c->sources[i].interval_ms, 15 * 60000);
		}
	cfg_free(c);

	FILE *f = fopen("../../conf/claimd.conf", "r");
	assert_non_null(f);
	char text[65536];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	cfg_dump_keys(m);
	fclose(m);
	char *save = NULL;
	size_t checked = 0;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char sec[16], key[64], type[16], def[128];
		if (sscanf(line, "%15s %63s %15s %127s", sec, key, type, def) != 4 ||
		    strcmp(sec, "claimd") || !strcmp(key, "include"))
			continue;
		char set[96], shown[256];
		snprintf(set, sizeof(set), "\n%s = ", key);
		if (!strcmp(def, "(none)"))
			snprintf(shown, sizeof(shown), "\n#%s =\n", key);
		else if (!strcmp(key, "user_agent"))
			snprintf(shown, sizeof(shown), "\n#%s = claimd/", key);
		else
			snprintf(shown, sizeof(shown), "\n#%s = %s\n", key, def);
		if (!strstr(text, set) && !strstr(text, shown))
			fail_msg("conf/claimd.conf lacks \"%s\" (or a setting of %s)", shown + 1, key);
		checked++;
	}
	assert_true(checked >= 20);
	free(buf);
}

static int run_check(const char *a1, const char *a2)
{
	char *argv[] = { "check", (char *)a1, (char *)a2, NULL };
	int argc = 1 + (a1 != NULL) + (a2 != NULL);
	/* keep the test output readable */
	fflush(stdout);
	fflush(stderr);
	FILE *o = freopen("/dev/null", "w", stdout);
	FILE *er = freopen("/dev/null", "w", stderr);
	(void)o;
	(void)er;
	int r = ctl_check(argc, argv);
	fflush(stdout);
	fflush(stderr);
	return r;
}

static void test_ctl_check(void **state)
{
	(void)state;
	int saved_out = dup(1), saved_err = dup(2);
	int r_good = run_check(FIX "/good-check.conf", NULL);
	int r_bad = run_check(FIX "/bad-many.conf", NULL);
	int r_missing = run_check(FIX "/no-such.conf", NULL);
	int r_keys = run_check("--keys", NULL);
	int r_none = run_check(NULL, NULL);
	int r_two = run_check(FIX "/good-check.conf", FIX "/good-check.conf");
	int r_opt = run_check("--bogus", NULL);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	assert_int_equal(r_good, 0);
	assert_int_equal(r_bad, 1);
	assert_int_equal(r_missing, 1);
	assert_int_equal(r_keys, 0);
	assert_int_equal(r_none, 2);
	assert_int_equal(r_two, 2);
	assert_int_equal(r_opt, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),	     cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_fixtures), cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_durations),    cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_reload),	     cmocka_unit_test(test_dump_keys),
		cmocka_unit_test(test_default_conf), cmocka_unit_test(test_ctl_check),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
