/* test_log.c — log.c on stderr: "<N>" prefixes, structured context, and the rate limit of
 * identical events with its summary of what was suppressed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "claimd/log.h"
#include "claimd/msgid.h"

/* Runs fn with stderr sent to a temporary file; returns what was written (caller frees). */
static char *capture(void (*fn)(void))
{
	char path[] = "/tmp/claimd-test-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 65536);
	size_t n = fread(buf, 1, 65535, f);
	buf[n] = 0;
	fclose(f);
	close(fd);
	unlink(path);
	return buf;
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void emit_fields(void)
{
	struct log_ctx lc = { .source = "apnews", .url = "http://127.0.0.1/x", .http_status = 503 };
	log_ev(LOG_WARNING, MSGID_SOURCE_FAILING, &lc, "Source %s failing", "apnews");
	log_ev(LOG_DEBUG, NULL, NULL, "not shown at info");
}

static void test_prefix_and_fields(void **state)
{
	(void)state;
	log_init("claimd", 1);
	log_set_max_priority(LOG_INFO);
	char *out = capture(emit_fields);
	assert_non_null(strstr(out, "<4>Source apnews failing"));
	assert_non_null(strstr(out, "source=apnews"));
	assert_non_null(strstr(out, "status=503"));
	assert_null(strstr(out, "not shown"));
	free(out);
}

static void emit_flood(void)
{
	struct log_ctx lc = { .source = "flood" };
	for (int i = 0; i < 100; i++)
		log_ev(LOG_ERR, NULL, &lc, "Same error %d", i);
	struct timespec ts = { 0, 150 * 1000000 };
	nanosleep(&ts, NULL);
	log_ev(LOG_ERR, NULL, &lc, "Same error %d", 100);
	/* a different event is never held back by the flood */
	log_ev(LOG_ERR, NULL, NULL, "Another event");
}

static void test_rate_limit(void **state)
{
	(void)state;
	log_init("claimd", 1);
	log_set_rate_limit(5, 100);
	char *out = capture(emit_flood);
	/* 5 of the first 100, then the summary, then the one after the window */
	assert_int_equal(count(out, "Same error"), 6);
	assert_non_null(strstr(out, "Suppressed 95 repeated log messages"));
	assert_non_null(strstr(out, "Same error 100"));
	assert_non_null(strstr(out, "Another event"));
	free(out);
	log_set_rate_limit(10, 30000);
}

static void emit_flood_then_quiet(void)
{
	for (int i = 0; i < 20; i++)
		log_ev(LOG_ERR, NULL, NULL, "Quiet flood %d", i);
	struct timespec ts = { 0, 150 * 1000000 };
	nanosleep(&ts, NULL);
	log_flush_suppressed();
	log_flush_suppressed(); /* once only */
}

static void test_flush_after_quiet(void **state)
{
	(void)state;
	log_init("claimd", 1);
	log_set_rate_limit(5, 100);
	char *out = capture(emit_flood_then_quiet);
	assert_int_equal(count(out, "Quiet flood"), 5);
	assert_int_equal(count(out, "Suppressed 15 repeated log messages"), 1);
	free(out);
	log_set_rate_limit(10, 30000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_and_fields),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_flush_after_quiet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
