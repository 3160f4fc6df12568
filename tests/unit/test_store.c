/* test_store.c — the state database on a real SQLite file in a temporary directory:
 * counters that start at 1 and continue across close/reopen, transactions and their hook,
 * the seen-set, source state, scans by prefix, retention by bytes and age that keeps the
 * high-water mark, a full disk (RLIMIT_FSIZE) that fails cleanly and recovers, and errors
 * for a state path that is not a directory or a file that is not a database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "claimd/store.h"

static char tmpl[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpl, sizeof(tmpl), "/tmp/claimd-test-store-XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "umount -l '%s/mnt' 2>/dev/null; rm -rf '%s'", tmpl, tmpl);
	return system(cmd) == 0 ? 0 : -1;
}

static char *statedir(const char *sub)
{
	static char buf[256];
	snprintf(buf, sizeof(buf), "%s/%s", tmpl, sub);
	return buf;
}

struct bctx {
	uint64_t gseq, seq;
	const char *text;
};

static char *mkbody(void *ud, uint64_t gseq, uint64_t seq)
{
	struct bctx *c = ud;
	c->gseq = gseq;
	c->seq = seq;
	char *b = NULL;
	if (asprintf(&b, "{\"gseq\":%llu,\"seq\":%llu,\"t\":\"%s\"}", (unsigned long long)gseq,
		     (unsigned long long)seq, c->text ? c->text : "") < 0)
		return NULL;
	return b;
}

static int append(struct store *s, const char *topic, int64_t now, uint64_t *g, uint64_t *q)
{
	struct bctx c = { 0 };
	char *body = NULL;
	int r = store_journal_append(s, topic, now, mkbody, &c, g, q, &body);
	if (r == 0) {
		assert_int_equal(c.gseq, *g);
		assert_int_equal(c.seq, *q);
		assert_non_null(strstr(body, "\"gseq\""));
		free(body);
	}
	return r;
}

struct scan_rec {
	uint64_t gseq[64], seq[64];
	char topic[64][32];
	size_t n;
	size_t stop_after;
};

static int rec(void *ud, uint64_t gseq, const char *topic, uint64_t seq, const char *body)
{
	struct scan_rec *r = ud;
	assert_non_null(strstr(body, "\"gseq\""));
	if (r->n < 64) {
		r->gseq[r->n] = gseq;
		r->seq[r->n] = seq;
		snprintf(r->topic[r->n], 32, "%s", topic);
	}
	r->n++;
	return r->stop_after && r->n >= r->stop_after;
}

static void test_counters_persist(void **state)
{
	(void)state;
	struct store *s = NULL;
	const char *dir = statedir("a/b/c"); /* mkdir -p */
	assert_int_equal(store_open(dir, &s), 0);
	char epoch[33];
	snprintf(epoch, sizeof(epoch), "%s", store_epoch(s));
	assert_int_equal(strlen(epoch), 32);
	assert_int_equal(strspn(epoch, "0123456789abcdef"), 32);
	assert_int_equal(store_gseq_high(s), 0);
	assert_int_equal(store_gseq_low(s), 0);
	uint64_t g, q;
	assert_int_equal(append(s, "article/a", 1000, &g, &q), 0);
	assert_int_equal(g, 1);
	assert_int_equal(q, 1);
	assert_int_equal(append(s, "claim/a", 1000, &g, &q), 0);
	assert_int_equal(g, 2);
	assert_int_equal(q, 1);
	assert_int_equal(append(s, "article/a", 1000, &g, &q), 0);
	assert_int_equal(g, 3);
	assert_int_equal(q, 2);
	assert_int_equal(append(s, "article/ab", 1000, &g, &q), 0);
	assert_int_equal(g, 4);
	assert_int_equal(q, 1);
	assert_true(store_journal_bytes(s) > 0);
	s = store_close(s);

	assert_int_equal(store_open(dir, &s), 0);
	assert_string_equal(store_epoch(s), epoch);
	assert_int_equal(store_gseq_high(s), 4);
	assert_int_equal(store_gseq_low(s), 1);
	assert_int_equal(append(s, "article/a", 2000, &g, &q), 0);
	assert_int_equal(g, 5);
	assert_int_equal(q, 3);

	struct scan_rec r = { 0 };
	assert_int_equal(store_journal_scan(s, "article/a", 0, rec, &r), 0);
	/* prefix match: article/a and article/ab, in gseq order */
	assert_int_equal(r.n, 4);
	assert_int_equal(r.gseq[0], 1);
	assert_int_equal(r.gseq[1], 3);
	assert_int_equal(r.gseq[2], 4);
	assert_string_equal(r.topic[2], "article/ab");
	assert_int_equal(r.gseq[3], 5);
	assert_int_equal(r.seq[3], 3);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_journal_scan(s, "", 3, rec, &r), 0);
	assert_int_equal(r.n, 2);
	memset(&r, 0, sizeof(r));
	r.stop_after = 2;
	assert_int_equal(store_journal_scan(s, "", 0, rec, &r), 0);
	assert_int_equal(r.n, 2);

	/* the heartbeat's own counter, persisted, never going back */
	uint64_t hb;
	assert_int_equal(store_topic_next(s, "sys/heartbeat", 0, &hb), 0);
	assert_int_equal(hb, 1);
	assert_int_equal(store_topic_next(s, "sys/heartbeat", 0, &hb), 0);
	assert_int_equal(hb, 2);
	assert_int_equal(store_topic_next(s, "sys/heartbeat", 10, &hb), 0);
	assert_int_equal(hb, 10);
	s = store_close(s);
	assert_int_equal(store_open(dir, &s), 0);
	assert_int_equal(store_topic_next(s, "sys/heartbeat", 0, &hb), 0);
	assert_int_equal(hb, 11);
	store_close(s);
}

static int hook_calls, hook_last;
static void hook(void *ud, bool committed)
{
	(void)ud;
	hook_calls++;
	hook_last = committed;
}

static void test_transactions(void **state)
{
	(void)state;
	struct store *s = NULL;
	assert_int_equal(store_open(statedir("tx"), &s), 0);
	store_set_tx_hook(s, hook, NULL);
	uint64_t g, q;
	assert_int_equal(append(s, "article/a", 1, &g, &q), 0);
	assert_int_equal(hook_calls, 0); /* outside a transaction: no hook */

	assert_int_equal(store_begin(s), 0);
	assert_true(store_in_tx(s));
	assert_int_equal(store_begin(s), -EBUSY);
	assert_int_equal(append(s, "article/a", 1, &g, &q), 0);
	assert_int_equal(g, 2);
	assert_int_equal(store_mark_seen(s, "x", "h1", 1), 0);
	assert_int_equal(store_rollback(s), 0);
	assert_false(store_in_tx(s));
	assert_int_equal(hook_calls, 1);
	assert_int_equal(hook_last, 0);
	assert_int_equal(store_gseq_high(s), 1); /* nothing of it remains */
	assert_int_equal(store_seen(s, "x", "h1"), 0);

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(append(s, "article/a", 1, &g, &q), 0);
	assert_int_equal(g, 2);
	assert_int_equal(q, 2);
	assert_int_equal(append(s, "claim/a", 1, &g, &q), 0);
	assert_int_equal(store_mark_seen(s, "x", "h1", 1), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(hook_calls, 2);
	assert_int_equal(hook_last, 1);
	assert_int_equal(store_gseq_high(s), 3);
	assert_int_equal(store_commit(s), -EINVAL);

	/* seen-set */
	assert_int_equal(store_seen(s, "x", "h1"), 1);
	assert_int_equal(store_seen(s, "x", "h2"), 2);
	assert_int_equal(store_seen(s, "y", "h1"), 0);
	assert_int_equal(store_mark_seen(s, "x", "h2", 2), 0);
	assert_int_equal(store_seen(s, "x", "h2"), 1);
	store_close(s);
}

static void test_sources(void **state)
{
	(void)state;
	struct store *s = NULL;
	assert_int_equal(store_open(statedir("src"), &s), 0);
	struct store_source o = { 0 };
	assert_int_equal(store_source_get(s, "ap", &o), -ENOENT);
	struct store_source in = { .url = "https://x/feed", .etag = "\"e1\"",
				   .last_modified = "Tue, 05 Mar 2024 10:00:00 GMT",
				   .next_poll_ms = 1234567, .errors = 3,
				   .failing_since_ms = 99, .last_error = "HTTP 500" };
	assert_int_equal(store_source_put(s, "ap", &in), 0);
	s = store_close(s);
	assert_int_equal(store_open(statedir("src"), &s), 0);
	assert_int_equal(store_source_get(s, "ap", &o), 0);
	assert_string_equal(o.url, in.url);
	assert_string_equal(o.etag, in.etag);
	assert_string_equal(o.last_modified, in.last_modified);
	assert_int_equal(o.next_poll_ms, 1234567);
	assert_int_equal(o.errors, 3);
	assert_int_equal(o.failing_since_ms, 99);
	assert_string_equal(o.last_error, "HTTP 500");
	store_source_clear(&o);
	struct store_source in2 = { .url = NULL, .etag = NULL };
	assert_int_equal(store_source_put(s, "ap", &in2), 0);
	assert_int_equal(store_source_get(s, "ap", &o), 0);
	assert_null(o.url);
	assert_null(o.etag);
	assert_int_equal(o.errors, 0);
	store_source_clear(&o);
	store_close(s);
}

static void test_retention(void **state)
{
	(void)state;
	struct store *s = NULL;
	assert_int_equal(store_open(statedir("ret"), &s), 0);
	uint64_t g, q;
	for (int i = 0; i < 20; i++)
		assert_int_equal(append(s, i % 2 ? "claim/a" : "article/a", 1000 + i * 100, &g,
					&q),
				 0);
	assert_int_equal(store_gseq_floor(s), 1);
	int64_t total = store_journal_bytes(s);
	int64_t per = total / 20;
	/* by bytes: keep at most ~5 messages */
	int r = store_journal_prune(s, 100000, 0, per * 5 + per / 2);
	assert_int_equal(r, 15);
	assert_int_equal(store_gseq_low(s), 16);
	assert_int_equal(store_gseq_floor(s), 16);
	assert_true(store_journal_bytes(s) <= per * 5 + per / 2);
	assert_int_equal(store_gseq_high(s), 20);
	/* by age: stamped before now - max_age (2850) go: at_ms 2500..2800 are gseq 16..19 */
	r = store_journal_prune(s, 3000, 150, 0);
	assert_int_equal(r, 4);
	assert_int_equal(store_gseq_low(s), 20);
	/* everything: the high-water mark survives, also a reopen */
	r = store_journal_prune(s, 1000000, 1, 0);
	assert_int_equal(r, 1);
	assert_int_equal(store_gseq_low(s), 0);
	assert_int_equal(store_journal_bytes(s), 0);
	assert_int_equal(store_gseq_high(s), 20);
	assert_int_equal(store_gseq_floor(s), 21);
	s = store_close(s);
	assert_int_equal(store_open(statedir("ret"), &s), 0);
	assert_int_equal(store_gseq_high(s), 20);
	assert_int_equal(store_gseq_floor(s), 21);
	assert_int_equal(append(s, "article/a", 1, &g, &q), 0);
	assert_int_equal(g, 21);
	assert_int_equal(q, 11);
	/* pruning inside a transaction is refused */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_journal_prune(s, 1, 1, 1), -EBUSY);
	assert_int_equal(store_rollback(s), 0);
	store_close(s);
}

static void integrity_ok(const char *dir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/claimd.db", dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *q = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* A full disk, simulated with RLIMIT_FSIZE (works without privileges, also as root):
 * appends fail with -ENOSPC and a message, nothing is half-written, numbers are not
 * skipped, and the store works again once there is room. */
static void test_full_disk_recovers(void **state)
{
	(void)state;
	struct store *s = NULL;
	const char *dir = statedir("full");
	assert_int_equal(store_open(dir, &s), 0);
	char big[16384];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	uint64_t g, q, last_ok = 0;
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 512 * 1024;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int r = 0;
	for (int i = 0; i < 200 && r == 0; i++) {
		struct bctx c = { .text = big };
		char *body = NULL;
		r = store_journal_append(s, "article/a", 1, mkbody, &c, &g, &q, &body);
		free(body);
		if (r == 0)
			last_ok = g;
	}
	/* EFBIG from the limit comes back from SQLite as an I/O error, a real full disk as
	 * SQLITE_FULL (test_tmpfs_full_and_readonly) */
	assert_true(r == -ENOSPC || r == -EIO);
	assert_non_null(store_errmsg(s));
	assert_true(last_ok > 0);
	assert_int_equal(store_gseq_high(s), last_ok);
	/* a transaction that fails is rolled back by the caller; nothing of it stays */
	r = store_begin(s);
	if (r == 0) {
		struct bctx c = { .text = big };
		char *body = NULL;
		int r2 = 0;
		for (int i = 0; i < 50 && r2 == 0; i++) {
			r2 = store_journal_append(s, "article/a", 1, mkbody, &c, &g, &q, &body);
			free(body);
			body = NULL;
		}
		if (r2 == 0)
			r2 = store_commit(s);
		assert_true(r2 == -ENOSPC || r2 == -EIO);
		store_rollback(s);
	}
	assert_int_equal(store_gseq_high(s), last_ok);
	/* room again */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(append(s, "article/a", 1, &g, &q), 0);
	assert_int_equal(g, last_ok + 1);
	assert_int_equal(q, last_ok + 1);
	s = store_close(s);
	integrity_ok(dir);
	assert_int_equal(store_open(dir, &s), 0);
	assert_int_equal(store_gseq_high(s), last_ok + 1);
	struct scan_rec rr = { 0 };
	assert_int_equal(store_journal_scan(s, "", 0, rec, &rr), 0);
	assert_int_equal(rr.n, last_ok + 1);
	for (size_t i = 0; i < rr.n && i < 64; i++)
		assert_int_equal(rr.gseq[i], i + 1);
	store_close(s);
}

/* A real small file system (tmpfs, when this process may mount): a full disk gives
 * -ENOSPC and recovers when there is room; a read-only state directory gives -EROFS (or
 * -EACCES) with a message, and the state is intact when it is writable again. */
static void test_tmpfs_full_and_readonly(void **state)
{
	(void)state;
	const char *mnt = statedir("mnt");
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=2m") < 0) {
		fprintf(stderr, "(cannot mount tmpfs: %s; covered by RLIMIT_FSIZE only)\n",
			strerror(errno));
		skip();
	}
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/state", mnt);
	struct store *s = NULL;
	assert_int_equal(store_open(dir, &s), 0);
	char ballast[320];
	snprintf(ballast, sizeof(ballast), "%s/ballast", mnt);
	FILE *f = fopen(ballast, "w");
	assert_non_null(f);
	for (int i = 0; i < 1024; i++)
		fputs(memset((char[1025]){ 0 }, 'b', 1024), f);
	assert_int_equal(fclose(f), 0);
	char big[16384];
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	uint64_t g, q, last_ok = 0;
	int r = 0;
	for (int i = 0; i < 200 && r == 0; i++) {
		struct bctx c = { .text = big };
		char *body = NULL;
		r = store_journal_append(s, "article/a", 1, mkbody, &c, &g, &q, &body);
		free(body);
		if (r == 0)
			last_ok = g;
	}
	assert_int_equal(r, -ENOSPC);
	assert_non_null(strstr(store_errmsg(s), "full"));
	assert_true(last_ok > 0);
	/* the operator makes room: writing works again, numbers continue */
	assert_int_equal(unlink(ballast), 0);
	assert_int_equal(append(s, "article/a", 1, &g, &q), 0);
	assert_int_equal(g, last_ok + 1);
	s = store_close(s);
	integrity_ok(dir);

	/* read-only */
	assert_int_equal(mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	r = store_open(dir, &s);
	assert_true(r == -EROFS || r == -EACCES || r == -EIO);
	assert_null(s);
	assert_int_equal(mount(NULL, mnt, NULL, MS_REMOUNT, "size=2m"), 0);
	assert_int_equal(store_open(dir, &s), 0);
	assert_int_equal(store_gseq_high(s), last_ok + 1);
	assert_int_equal(append(s, "article/a", 1, &g, &q), 0);
	assert_int_equal(g, last_ok + 2);
	store_close(s);
	integrity_ok(dir);
	assert_int_equal(umount(mnt), 0);
}

static void test_bad_paths(void **state)
{
	(void)state;
	struct store *s = NULL;
	/* a file where the state directory should be */
	char path[512];
	snprintf(path, sizeof(path), "%s/file", tmpl);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("not a directory\n", f);
	fclose(f);
	assert_int_equal(store_open(path, &s), -ENOTDIR);
	assert_int_equal(store_open("", &s), -EINVAL);
	/* a claimd.db that is not a database */
	const char *dir = statedir("notdb");
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/claimd.db", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database at all\n", f);
	fclose(f);
	assert_int_equal(store_open(dir, &s), -EBADMSG);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counters_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmpfs_full_and_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
