/* test_stats.c — stats.c (per-source fetch results, duration histogram, published counts,
 * replay counters) and metrics_parse_addr (the `metrics = HOST:PORT` forms). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "claimd/metrics.h"
#include "claimd/stats.h"

static void fetch(const char *src, long status, int err, uint64_t bytes)
{
	struct fetch_result r = { .status = status, .err = err, .bytes = bytes };
	stats_fetch_begin(src);
	stats_fetch_end(src, &r);
}

static void test_fetch_results(void **state)
{
	(void)state;
	stats_reset();
	assert_null(stats_source_get("a"));
	fetch("a", 200, 0, 1000);
	fetch("a", 304, 0, 0);
	fetch("a", 404, 0, 10);
	fetch("a", 0, -110, 0);
	fetch("a", 0, 0, 5); /* file:// */
	const struct stats_source *s = stats_source_get("a");
	assert_non_null(s);
	assert_int_equal(s->results[SR_OK], 2);
	assert_int_equal(s->results[SR_NOT_MODIFIED], 1);
	assert_int_equal(s->results[SR_HTTP_ERROR], 1);
	assert_int_equal(s->results[SR_ERROR], 1);
	assert_int_equal(s->bytes, 1015);
	assert_int_equal(s->last_bytes, 5);
	assert_int_equal(s->last_status, 0);
	assert_int_equal(s->n_duration, 5);
	/* cumulative buckets: each fetch took well under 10 s, so the last one holds all */
	assert_int_equal(s->bucket[STATS_N_BUCKETS - 1], 5);
	for (int i = 1; i < STATS_N_BUCKETS; i++)
		assert_true(s->bucket[i] >= s->bucket[i - 1]);
	assert_null(stats_source_get("b"));
	stats_published("b", 3);
	stats_published("b", 0);
	assert_int_equal(stats_source_get("b")->articles, 2);
	assert_int_equal(stats_source_get("b")->claims, 3);
	assert_false(stats_source_get("b")->fetched);
	stats_reset();
	assert_null(stats_source_get("a"));
}

static void test_replay_counters(void **state)
{
	(void)state;
	stats_reset();
	stats_replay("snapshot");
	stats_replay("snapshot");
	stats_replay("expired");
	stats_replay("bad-request");
	stats_replay("status");
	const struct stats_replay *r = stats_replay_get();
	assert_int_equal(r->snapshots, 2);
	assert_int_equal(r->expired, 1);
	assert_int_equal(r->bad, 1);
	assert_int_equal(r->status, 1);
	assert_true(stats_started_ms() > 0);
}

static void test_metrics_addr(void **state)
{
	(void)state;
	struct sockaddr_storage sa;
	size_t len;
	char err[256];
	assert_int_equal(metrics_parse_addr("127.0.0.1:9464", &sa, &len, err, sizeof(err)), 0);
	assert_int_equal(sa.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&sa)->sin_port), 9464);
	assert_int_equal(metrics_parse_addr("localhost:1", &sa, &len, err, sizeof(err)), 0);
	assert_int_equal(ntohl(((struct sockaddr_in *)&sa)->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(metrics_parse_addr(":9464", &sa, &len, err, sizeof(err)), 0);
	assert_int_equal(ntohl(((struct sockaddr_in *)&sa)->sin_addr.s_addr), INADDR_ANY);
	assert_int_equal(metrics_parse_addr("[::1]:9464", &sa, &len, err, sizeof(err)), 0);
	assert_int_equal(sa.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	const char *bad[] = { "9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
			      "127.0.0.1:94x", "example.org:9464", "[::1:9464", "::1:9464x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(metrics_parse_addr(bad[i], &sa, &len, err, sizeof(err)), -EINVAL);
		assert_true(strlen(err) > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_results),
		cmocka_unit_test(test_replay_counters),
		cmocka_unit_test(test_metrics_addr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
