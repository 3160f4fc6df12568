/* test_nats.c — the pure parts of the JetStream output and of sharding: shard = K/N
 * parsing, the stable hash (fixed FNV-1a 64 values: N instances on any machine agree),
 * ownership splitting sources among shards, subjects and Nats-Msg-Id of bodies, the
 * [nats] keys of a configuration, and the delivery cursor in the state database (never
 * moves back, survives a reopen). The cluster itself is tests/integration/test_nats.py.
 * Run from tests/unit/. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "claimd/config.h"
#include "claimd/nats.h"
#include "claimd/shard.h"
#include "claimd/store.h"

static void test_shard_parse(void **state)
{
	(void)state;
	unsigned k = 99, n = 99;
	assert_int_equal(shard_parse("0/1", &k, &n), 0);
	assert_int_equal(k, 0);
	assert_int_equal(n, 1);
	assert_int_equal(shard_parse("2/3", &k, &n), 0);
	assert_int_equal(k, 2);
	assert_int_equal(n, 3);
	assert_int_equal(shard_parse("4095/4096", &k, &n), 0);
	static const char *bad[] = { "", "1", "/2", "1/", "3/3", "4/3", "0/0", "-1/2", "1/2/3",
				     "1 /2", "a/b", "0/4097", "99999999999/2", "1/2x", NULL };
	for (size_t i = 0; bad[i]; i++) {
		k = n = 77;
		assert_int_equal(shard_parse(bad[i], &k, &n), -EINVAL);
		assert_int_equal(k, 77); /* untouched on failure */
	}
}

static void test_shard_hash_stable(void **state)
{
	(void)state;
	/* FNV-1a 64 reference values: must never change, or a fleet re-splits its sources */
	assert_true(shard_hash("") == 0xcbf29ce484222325ULL);
	assert_true(shard_hash("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(shard_hash("foobar") == 0x85944171f73967e8ULL);
}

static void test_shard_owns(void **state)
{
	(void)state;
	struct cfg c = { 0 };
	assert_true(shard_owns(&c, "anything")); /* not sharded: every source */
	assert_true(shard_owns(NULL, "anything"));
	unsigned counts[3] = { 0 };
	char name[32];
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "source-%d", i);
		int owners = 0;
		for (unsigned k = 0; k < 3; k++) {
			c.shard_k = k;
			c.shard_n = 3;
			if (shard_owns(&c, name)) {
				owners++;
				counts[k]++;
			}
		}
		assert_int_equal(owners, 1); /* exactly one shard owns each source */
	}
	for (int k = 0; k < 3; k++)
		assert_true(counts[k] > 900 && counts[k] < 1100); /* and they split evenly */
}

static void test_subject(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(nats_subject("claimd", "claim/apnews", out, sizeof(out)), 19);
	assert_string_equal(out, "claimd.claim.apnews");
	assert_true(nats_subject("a.b", "sys/source/x", out, sizeof(out)) > 0);
	assert_string_equal(out, "a.b.sys.source.x"); /* the prefix keeps its dots */
	assert_int_equal(nats_subject("claimd", "article/averyveryverylongsourcenamethatdoesnotfit",
				      out, 20),
			 -ENAMETOOLONG);
}

static void test_msg_id(void **state)
{
	(void)state;
	char out[128];
	assert_int_equal(nats_msg_id("{\"schema\":\"claimd.claim/1\",\"id\":\"c1\",\"gseq\":3}", out,
				     sizeof(out)),
			 0);
	assert_string_equal(out, "c1");
	/* an article: its changed text keeps the id, so the hash is part of the message id */
	assert_int_equal(nats_msg_id("{\"id\":\"a1\",\"content_hash\":\"ff00\"}", out, sizeof(out)), 0);
	assert_string_equal(out, "a1:ff00");
	assert_int_equal(nats_msg_id("{\"gseq\":3}", out, sizeof(out)), -EINVAL);
	assert_int_equal(nats_msg_id("{\"id\":\"\"}", out, sizeof(out)), -EINVAL);
	assert_int_equal(nats_msg_id("not json", out, sizeof(out)), -EINVAL);
	assert_int_equal(nats_msg_id("{\"id\":\"0123456789\"}", out, 5), -EINVAL);
}

static void test_config(void **state)
{
	(void)state;
	struct cfg *c = NULL;
	struct cfg_errors e = { 0 };
	assert_int_equal(cfg_load("../fixtures/config/good-nats.conf", &c, &e), 0);
	assert_int_equal(e.n, 0);
	assert_string_equal(c->shard, "1/3");
	assert_int_equal(c->shard_k, 1);
	assert_int_equal(c->shard_n, 3);
	assert_string_equal(c->nats.url, "nats://127.0.0.1:4222, nats://127.0.0.1:4223");
	assert_string_equal(c->nats.stream, "NEWS");
	assert_string_equal(c->nats.subject_prefix, "news.claimd");
	assert_int_equal(c->nats.replicas, 3);
	assert_int_equal(c->nats.max_age_ms, 2 * 86400000LL);
	assert_int_equal(c->nats.max_bytes, 64LL << 20);
	assert_int_equal(c->nats.duplicate_window_ms, 300000);
	assert_int_equal(c->nats.max_pending, 100);
	assert_int_equal(c->nats.ack_timeout_ms, 3000);
	assert_non_null(strstr(c->nats.credentials_file, "/fixtures/config/nats.creds")); /* relative: file's dir */
	assert_string_equal(c->nats.tls_ca_file, "/etc/ssl/ca.pem");
	cfg_free(c);
	/* defaults: off, one stream, no shard */
	assert_int_equal(cfg_load("../fixtures/config/good-minimal.conf", &c, &e), 0);
	assert_string_equal(c->nats.url, "");
	assert_string_equal(c->nats.stream, "CLAIMD");
	assert_string_equal(c->nats.subject_prefix, "claimd");
	assert_int_equal(c->nats.replicas, 0);
	assert_int_equal(c->shard_n, 0);
	assert_int_equal(c->nats.duplicate_window_ms, 600000);
	cfg_free(c);
	cfg_errors_clear(&e);
}

static void test_cursor(void **state)
{
	(void)state;
	char dir[] = "/tmp/claimd-test-nats-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct store *s = NULL;
	uint64_t v = 99;
	assert_int_equal(store_open(dir, &s), 0);
	assert_int_equal(store_cursor_get(s, "nats:A", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(store_cursor_put(s, "nats:A", 10), 0);
	assert_int_equal(store_cursor_put(s, "nats:A", 7), 0); /* never back */
	assert_int_equal(store_cursor_put(s, "nats:B", 3), 0);
	assert_int_equal(store_cursor_get(s, "nats:A", &v), 0);
	assert_int_equal(v, 10);
	store_close(s);
	assert_int_equal(store_open(dir, &s), 0);
	assert_int_equal(store_cursor_get(s, "nats:A", &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(store_cursor_get(s, "nats:B", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(store_cursor_put(s, "nats:A", UINT64_MAX), -EINVAL);
	store_close(s);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_parse), cmocka_unit_test(test_shard_hash_stable),
		cmocka_unit_test(test_shard_owns),  cmocka_unit_test(test_subject),
		cmocka_unit_test(test_msg_id),	    cmocka_unit_test(test_config),
		cmocka_unit_test(test_cursor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
