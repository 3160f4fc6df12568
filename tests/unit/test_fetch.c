/* test_fetch.c — the fetcher against a real local HTTP server (tests/httpd.py on
 * 127.0.0.1) on the real event loop: bodies, validators, conditional GET, statuses,
 * redirects, permanent moves, gzip, size caps, timeouts, refused connections, file://,
 * Retry-After / max-age, per-host limits, cancellation and close-on-exec sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "claimd/fetch.h"
#include "claimd/loop.h"

#define PYTHON "/usr/bin/python3"
#define GUARD_MS 15000

static char tmpdir[] = "/tmp/claimd-test-fetch-XXXXXX";
static pid_t httpd_pid = -1;
static int port;
static char base[64];

static struct loop *L;
static struct fetcher *F;
static struct loop_timer *guard;
static int pending;
static int total_done;

struct got {
	int calls;
	int err;
	char *errmsg;
	long status;
	char *body;
	size_t len;
	char *etag, *last_modified, *content_type, *effective_url, *permanent_url;
	int64_t retry_after_ms, max_age_ms;
	bool too_large;
	bool refused;
	char *refused_addr;
	const char *refused_class;
	uint64_t bytes;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void got_clear(struct got *g)
{
	free(g->errmsg);
	free(g->body);
	free(g->etag);
	free(g->last_modified);
	free(g->content_type);
	free(g->effective_url);
	free(g->permanent_url);
	free(g->refused_addr);
	memset(g, 0, sizeof(*g));
}

static void on_done(const struct fetch_result *r, void *ctx)
{
	struct got *g = r->ud;
	assert_ptr_equal(ctx, &pending);
	total_done++;
	g->calls++;
	if (g->calls > 1)
		return; /* counted: a test checks calls == 1 */
	g->err = r->err;
	g->errmsg = dup_or_null(r->errmsg);
	g->status = r->status;
	g->body = malloc(r->len + 1);
	memcpy(g->body, r->body, r->len);
	g->body[r->len] = '\0';
	g->len = r->len;
	g->etag = dup_or_null(r->etag);
	g->last_modified = dup_or_null(r->last_modified);
	g->content_type = dup_or_null(r->content_type);
	g->effective_url = dup_or_null(r->effective_url);
	g->permanent_url = dup_or_null(r->permanent_url);
	g->retry_after_ms = r->retry_after_ms;
	g->max_age_ms = r->max_age_ms;
	g->too_large = r->too_large;
	g->refused = r->refused;
	g->refused_addr = dup_or_null(r->refused_addr);
	g->refused_class = r->refused_class;
	g->bytes = r->bytes;
	if (--pending == 0)
		loop_quit(L);
}

static bool guard_fired;
static void on_guard(struct loop *l, struct loop_timer *t, void *ud)
{
	(void)t;
	(void)ud;
	guard_fired = true;
	loop_quit(l);
}

/* Runs the loop until every started transfer is done (or the guard fires). */
static void run_all(void)
{
	guard_fired = false;
	loop_timer_arm(guard, GUARD_MS);
	assert_int_equal(loop_run(L), 0);
	loop_timer_arm(guard, -1);
	assert_false(guard_fired);
	assert_int_equal(pending, 0);
	assert_int_equal(fetch_in_flight(F), 0);
}

/* Runs the loop for ms milliseconds. */
static void run_for(int64_t ms)
{
	loop_timer_arm(guard, ms);
	assert_int_equal(loop_run(L), 0);
}

static void start(const char *path, struct got *g, struct fetch_request *tmpl)
{
	char url[512];
	if (strstr(path, "://"))
		snprintf(url, sizeof(url), "%s", path);
	else
		snprintf(url, sizeof(url), "%s%s", base, path);
	struct fetch_request req = {
		.max_body = 1 << 20, .connect_timeout_ms = 2000, .timeout_ms = 5000 };
	if (tmpl)
		req = *tmpl;
	req.url = url;
	req.ud = g;
	assert_int_equal(fetch_start(F, &req), 0);
	pending++;
}

static void get(const char *path, struct got *g, struct fetch_request *tmpl)
{
	start(path, g, tmpl);
	run_all();
	assert_int_equal(g->calls, 1);
}

static int64_t mono(void)
{
	return now_mono_ms();
}

/* ---- fixtures ---- */

static void write_file(const char *name, const char *content)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	FILE *fh = fopen(p, "w");
	assert_non_null(fh);
	fputs(content, fh);
	fclose(fh);
}

static const char *httpd_script(void)
{
	static const char *cands[] = { "../httpd.py", "tests/httpd.py", "../../tests/httpd.py" };
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (access(cands[i], R_OK) == 0)
			return cands[i];
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(tmpdir))
		return -1;
	write_file("a.txt", "hello\n");
	write_file("feed.xml", "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T"
			       "</title></channel></rss>\n");
	const char *script = httpd_script();
	if (!script)
		return -1;
	char portfile[256];
	snprintf(portfile, sizeof(portfile), "%s/port", tmpdir);
	httpd_pid = fork();
	if (httpd_pid < 0)
		return -1;
	if (httpd_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive a crashed test */
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execl(PYTHON, PYTHON, script, "--port", "0", "--root", tmpdir, "--port-file",
		      portfile, "-q", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && port == 0; i++) {
		FILE *fh = fopen(portfile, "r");
		if (fh) {
			if (fscanf(fh, "%d", &port) != 1)
				port = 0;
			fclose(fh);
		}
		if (port == 0)
			usleep(50000);
	}
	if (port == 0)
		return -1;
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (loop_new(&L) < 0 || loop_timer_new(L, on_guard, NULL, &guard) < 0)
		return -1;
	struct fetch_cfg cfg = { .max_parallel = 16, .max_per_host = 8,
				 .user_agent = "claimd-test/1 (+fetch)" };
	return fetch_new(L, &cfg, on_done, &pending, &F) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	F = fetch_free(F);
	guard = loop_timer_free(guard);
	L = loop_free(L);
	curl_global_cleanup();
	if (httpd_pid > 0) {
		kill(httpd_pid, SIGTERM);
		waitpid(httpd_pid, NULL, 0);
	}
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- tests ---- */

static void test_ok_body_and_validators(void **state)
{
	(void)state;
	struct got g = { 0 };
	get("/a.txt", &g, NULL);
	assert_int_equal(g.err, 0);
	assert_null(g.errmsg);
	assert_int_equal(g.status, 200);
	assert_string_equal(g.body, "hello\n");
	assert_int_equal(g.len, 6);
	assert_int_equal(g.bytes, 6);
	assert_non_null(g.etag);
	assert_true(g.etag[0] == '"');
	assert_non_null(g.last_modified);
	assert_non_null(strstr(g.last_modified, "GMT"));
	assert_string_equal(g.content_type, "text/plain; charset=utf-8");
	assert_non_null(g.effective_url);
	assert_non_null(strstr(g.effective_url, "/a.txt"));
	assert_null(g.permanent_url);
	assert_int_equal(g.retry_after_ms, -1);
	assert_int_equal(g.max_age_ms, -1);
	assert_false(g.too_large);
	got_clear(&g);
}

static void test_conditional_get(void **state)
{
	(void)state;
	struct got g = { 0 }, c = { 0 }, m = { 0 }, stale = { 0 };
	get("/a.txt", &g, NULL);
	struct fetch_request req = { .etag = g.etag, .max_body = 1 << 20, .timeout_ms = 5000 };
	get("/a.txt", &c, &req);
	assert_int_equal(c.err, 0);
	assert_int_equal(c.status, 304);
	assert_int_equal(c.len, 0);
	assert_string_equal(c.etag, g.etag);

	struct fetch_request req2 = { .last_modified = g.last_modified, .max_body = 1 << 20,
				      .timeout_ms = 5000 };
	get("/a.txt", &m, &req2);
	assert_int_equal(m.status, 304);

	struct fetch_request req3 = { .etag = "\"not-the-etag\"", .max_body = 1 << 20,
				      .timeout_ms = 5000 };
	get("/a.txt", &stale, &req3);
	assert_int_equal(stale.status, 200);
	assert_string_equal(stale.body, "hello\n");
	got_clear(&g);
	got_clear(&c);
	got_clear(&m);
	got_clear(&stale);
}

static void test_request_headers(void **state)
{
	(void)state;
	struct got g = { 0 };
	struct fetch_request req = { .etag = "\"x\"\r\nX-Evil: 1", .last_modified = "Mon, 01 Jan 2024 00:00:00 GMT",
				     .max_body = 1 << 20, .timeout_ms = 5000 };
	get("/echo-headers", &g, &req);
	assert_int_equal(g.status, 200);
	assert_non_null(strstr(g.body, "\"user-agent\": \"claimd-test/1 (+fetch)\""));
	assert_non_null(strstr(g.body, "\"if-modified-since\": \"Mon, 01 Jan 2024 00:00:00 GMT\""));
	assert_null(strstr(g.body, "x-evil"));
	assert_null(strstr(g.body, "if-none-match"));
	assert_non_null(strstr(g.body, "\"accept-encoding\": \""));
	assert_non_null(strstr(g.body, "gzip"));
	got_clear(&g);
}

static void test_error_statuses(void **state)
{
	(void)state;
	struct got a = { 0 }, b = { 0 };
	get("/status/404", &a, NULL);
	assert_int_equal(a.err, 0);
	assert_int_equal(a.status, 404);
	get("/status/500", &b, NULL);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.status, 500);
	assert_string_equal(b.body, "status 500\n");
	got_clear(&a);
	got_clear(&b);
}

static void test_redirects(void **state)
{
	(void)state;
	struct got five = { 0 }, six = { 0 }, loopy = { 0 };
	get("/redirect/5?to=/a.txt", &five, NULL);
	assert_int_equal(five.err, 0);
	assert_int_equal(five.status, 200);
	assert_string_equal(five.body, "hello\n");
	assert_null(five.permanent_url);
	assert_non_null(strstr(five.effective_url, "/a.txt"));
	assert_non_null(five.etag); /* the final response's, not a hop's */

	get("/redirect/6?to=/a.txt", &six, NULL);
	assert_int_equal(six.err, -ELOOP);
	assert_non_null(six.errmsg);
	assert_non_null(strstr(six.errmsg, "redirect"));

	get("/redirect-loop", &loopy, NULL);
	assert_int_equal(loopy.err, -ELOOP);
	got_clear(&five);
	got_clear(&six);
	got_clear(&loopy);
}

static void test_permanent_redirects(void **state)
{
	(void)state;
	struct got m301 = { 0 }, m308 = { 0 }, chain = { 0 }, temp_first = { 0 };
	char want[256];
	snprintf(want, sizeof(want), "%s/a.txt", base);

	get("/moved?to=/a.txt", &m301, NULL);
	assert_int_equal(m301.status, 200);
	assert_string_equal(m301.permanent_url, want);
	assert_string_equal(m301.body, "hello\n");
	assert_int_equal(m301.max_age_ms, -1); /* the 301's max-age is not the final's */

	get("/moved308?to=/a.txt", &m308, NULL);
	assert_string_equal(m308.permanent_url, want);

	/* 301 then 308: the end of the permanent chain. */
	get("/moved?to=/moved308%3Fto%3D/a.txt", &chain, NULL);
	assert_int_equal(chain.status, 200);
	assert_string_equal(chain.permanent_url, want);

	/* A temporary hop first: the source's URL must not change. */
	get("/redirect/1?to=/moved%3Fto%3D/a.txt", &temp_first, NULL);
	assert_int_equal(temp_first.status, 200);
	assert_null(temp_first.permanent_url);
	got_clear(&m301);
	got_clear(&m308);
	got_clear(&chain);
	got_clear(&temp_first);
}

static void test_gzip(void **state)
{
	(void)state;
	struct got g = { 0 };
	get("/gzip/feed.xml", &g, NULL);
	assert_int_equal(g.err, 0);
	assert_int_equal(g.status, 200);
	assert_non_null(strstr(g.body, "<rss version=\"2.0\">"));
	assert_int_equal(g.bytes, g.len);
	got_clear(&g);
}

static void test_brotli(void **state)
{
	(void)state;
	struct got g = { 0 };
	get("/br/feed.xml", &g, NULL);
	if (g.status == 404 && strstr(g.body, "brotli not available")) {
		got_clear(&g);
		skip(); /* the server's python has no brotli module */
	}
	assert_int_equal(g.err, 0);
	assert_int_equal(g.status, 200);
	assert_non_null(strstr(g.body, "<rss version=\"2.0\">"));
	got_clear(&g);
}

static void test_gzip_bomb_cut(void **state)
{
	(void)state;
	struct got g = { 0 };
	int64_t t0 = mono();
	get("/gzip-bomb", &g, NULL);
	assert_int_equal(g.err, -EFBIG);
	assert_true(g.too_large);
	assert_string_equal(g.errmsg, "body exceeds max_body (1048576 bytes)");
	assert_int_equal(g.len, 0);
	assert_true(g.bytes <= (1 << 20) + (1 << 18));
	assert_true(mono() - t0 < 5000);
	got_clear(&g);
}

static void test_huge_cut(void **state)
{
	(void)state;
	struct got g = { 0 };
	struct fetch_request req = { .max_body = 100000, .timeout_ms = 5000 };
	get("/huge", &g, &req);
	assert_int_equal(g.err, -EFBIG);
	assert_true(g.too_large);
	assert_int_equal(g.status, 200);
	assert_string_equal(g.errmsg, "body exceeds max_body (100000 bytes)");
	got_clear(&g);
}

static void test_stall_times_out(void **state)
{
	(void)state;
	struct got g = { 0 };
	struct fetch_request req = { .max_body = 1 << 20, .timeout_ms = 1000 };
	int64_t t0 = mono();
	get("/stall", &g, &req);
	int64_t dt = mono() - t0;
	assert_int_equal(g.err, -ETIMEDOUT);
	assert_int_equal(g.status, 0);
	assert_non_null(g.errmsg);
	assert_true(dt >= 900 && dt < 3000);
	got_clear(&g);
}

static void test_trickle_cut(void **state)
{
	(void)state;
	struct got g = { 0 };
	struct fetch_request req = { .max_body = 1 << 20, .timeout_ms = 3000 };
	int64_t t0 = mono();
	get("/trickle", &g, &req);
	int64_t dt = mono() - t0;
	assert_int_equal(g.err, -ETIMEDOUT);
	assert_non_null(strstr(g.errmsg, "too slow")); /* the speed limit, not the total */
	assert_true(dt < 2900);
	got_clear(&g);
}

static void test_connection_refused(void **state)
{
	(void)state;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	close(s); /* bound, never listened, now closed: refused */
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/a.txt", ntohs(a.sin_port));
	struct got g = { 0 };
	get(url, &g, NULL);
	assert_int_equal(g.err, -ECONNREFUSED);
	assert_int_equal(g.status, 0);
	assert_non_null(g.errmsg);
	got_clear(&g);
}

static void test_file_urls(void **state)
{
	(void)state;
	char url[300];
	snprintf(url, sizeof(url), "file://%s/a.txt", tmpdir);
	struct got no = { 0 }, yes = { 0 }, redir = { 0 };
	get(url, &no, NULL);
	assert_int_equal(no.err, -EPROTONOSUPPORT);
	assert_non_null(strstr(no.errmsg, "allow_file"));
	assert_int_equal(no.len, 0);

	struct fetch_request req = { .allow_file = true, .max_body = 1 << 20, .timeout_ms = 5000 };
	get(url, &yes, &req);
	assert_int_equal(yes.err, 0);
	assert_string_equal(yes.body, "hello\n");

	/* Even when allowed, a redirect never leads to file://. */
	char path[400];
	snprintf(path, sizeof(path), "/moved?to=%s", url);
	get(path, &redir, &req);
	assert_int_not_equal(redir.err, 0);
	assert_null(strstr(redir.body, "hello"));
	got_clear(&no);
	got_clear(&yes);
	got_clear(&redir);
}

static void test_retry_after_and_max_age(void **state)
{
	(void)state;
	struct got ra = { 0 }, rd = { 0 }, ma = { 0 };
	get("/retry-after/7", &ra, NULL);
	assert_int_equal(ra.err, 0);
	assert_int_equal(ra.status, 429);
	assert_int_equal(ra.retry_after_ms, 7000);

	get("/retry-after-date/30", &rd, NULL);
	assert_int_equal(rd.status, 503);
	assert_true(rd.retry_after_ms >= 28000 && rd.retry_after_ms <= 31000);

	get("/cache/60/a.txt", &ma, NULL);
	assert_int_equal(ma.status, 200);
	assert_int_equal(ma.max_age_ms, 60000);
	assert_int_equal(ma.retry_after_ms, -1);
	got_clear(&ra);
	got_clear(&rd);
	got_clear(&ma);
}

static int max_concurrent(void)
{
	struct got s = { 0 };
	get("/stats", &s, NULL);
	const char *key = "\"/slow/300/a.txt\": ";
	const char *p = strstr(s.body, key);
	assert_non_null(p);
	int n = atoi(p + strlen(key));
	got_clear(&s);
	return n;
}

static void run_parallel(int n, int per_host, int64_t *ret_ms, int *ret_max)
{
	struct fetch_cfg cfg = { .max_parallel = 16, .max_per_host = per_host };
	assert_int_equal(fetch_set_limits(F, &cfg), 0);
	struct got r = { 0 };
	get("/reset", &r, NULL);
	got_clear(&r);
	struct got g[8] = { 0 };
	assert_true(n <= 8);
	int64_t t0 = mono();
	for (int i = 0; i < n; i++)
		start("/slow/300/a.txt", &g[i], NULL);
	assert_int_equal(fetch_in_flight(F), (size_t)n);
	run_all();
	*ret_ms = mono() - t0;
	for (int i = 0; i < n; i++) {
		assert_int_equal(g[i].calls, 1);
		assert_int_equal(g[i].status, 200);
		assert_string_equal(g[i].body, "hello\n");
		got_clear(&g[i]);
	}
	*ret_max = max_concurrent();
}

static void test_max_per_host(void **state)
{
	(void)state;
	int64_t ms;
	int maxc;
	run_parallel(6, 2, &ms, &maxc);
	assert_int_equal(maxc, 2);
	assert_true(ms >= 850); /* three rounds of 300 ms */

	/* The same with a wider limit really runs more at once (the count can tell). */
	run_parallel(6, 6, &ms, &maxc);
	assert_true(maxc > 2);

	struct fetch_cfg cfg = { .max_parallel = 16, .max_per_host = 8,
				 .user_agent = "claimd-test/1 (+fetch)" };
	assert_int_equal(fetch_set_limits(F, &cfg), 0);
}

static void test_cancel(void **state)
{
	(void)state;
	struct got a = { 0 }, b = { 0 };
	int before = total_done;
	start("/slow/200/a.txt", &a, NULL);
	start("/slow/200/a.txt", &b, NULL);
	assert_int_equal(fetch_in_flight(F), 2);
	fetch_cancel(F, &a);
	pending--;
	assert_int_equal(fetch_in_flight(F), 1);
	run_all();
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(total_done, before + 1);
	run_for(500); /* nothing late for the cancelled one */
	assert_int_equal(a.calls, 0);
	got_clear(&b);
}

static bool all_cloexec(int *ret_sockets)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	bool ok = true;
	int socks = 0;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
			continue;
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
			socks++;
			if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC)) {
				fprintf(stderr, "fd %d: a socket without FD_CLOEXEC\n", fd);
				ok = false;
			}
		}
	}
	closedir(d);
	*ret_sockets = socks;
	return ok;
}

static void on_probe(struct loop *l, struct loop_timer *t, void *ud)
{
	int *res = ud;
	(void)t;
	res[0] = all_cloexec(&res[1]) ? 1 : 0;
	loop_quit(l);
}

static void test_sockets_cloexec_and_free_aborts(void **state)
{
	(void)state;
	struct got g[3] = { 0 };
	int before = total_done;
	for (int i = 0; i < 3; i++)
		start("/stall", &g[i], NULL);
	int res[2] = { -1, 0 };
	struct loop_timer *probe = NULL;
	assert_int_equal(loop_timer_new(L, on_probe, res, &probe), 0);
	loop_timer_arm(probe, 300);
	assert_int_equal(loop_run(L), 0);
	loop_timer_free(probe);
	assert_int_equal(res[0], 1);
	assert_true(res[1] >= 3); /* the three connections are open */

	/* Freeing the fetcher aborts them: no callback, no leak (ASan checks). */
	F = fetch_free(F);
	pending = 0;
	assert_int_equal(total_done, before);
	struct fetch_cfg cfg = { .max_parallel = 16, .max_per_host = 8,
				 .user_agent = "claimd-test/1 (+fetch)" };
	assert_int_equal(fetch_new(L, &cfg, on_done, &pending, &F), 0);
	struct got ok = { 0 };
	get("/a.txt", &ok, NULL);
	assert_int_equal(ok.status, 200);
	assert_int_equal(total_done, before + 1);
	got_clear(&ok);
	for (int i = 0; i < 3; i++)
		assert_int_equal(g[i].calls, 0);
}

static void test_bad_requests(void **state)
{
	(void)state;
	struct fetch_request req = { .url = NULL };
	assert_int_equal(fetch_start(F, &req), -EINVAL);
	req.url = "";
	assert_int_equal(fetch_start(F, &req), -EINVAL);
	assert_int_equal(fetch_start(NULL, &req), -EINVAL);
	assert_null(fetch_free(NULL));
	assert_int_equal(fetch_in_flight(NULL), 0);
	struct got g = { 0 };
	get("ftp://127.0.0.1/x", &g, NULL);
	assert_int_equal(g.err, -EPROTONOSUPPORT);
	got_clear(&g);
}

/* The address classifier: each refused range, and the near misses just outside it. */
static void test_addr_classifier(void **state)
{
	(void)state;
	static const struct {
		const char *ip, *why; /* why NULL: public */
	} cases[] = {
		{ "8.8.8.8", NULL },
		{ "93.184.216.34", NULL },
		{ "0.0.0.0", "unspecified" },
		{ "0.255.255.255", "unspecified" },
		{ "1.0.0.0", NULL },
		{ "10.0.0.1", "private" },
		{ "10.255.255.255", "private" },
		{ "9.255.255.255", NULL },
		{ "11.0.0.0", NULL },
		{ "100.64.0.0", "cgnat" },
		{ "100.127.255.255", "cgnat" },
		{ "100.63.255.255", NULL },
		{ "100.128.0.0", NULL },
		{ "127.0.0.1", "loopback" },
		{ "127.255.255.254", "loopback" },
		{ "126.255.255.255", NULL },
		{ "128.0.0.0", NULL },
		{ "169.254.169.254", "link-local" },
		{ "169.253.255.255", NULL },
		{ "169.255.0.0", NULL },
		{ "172.16.0.1", "private" },
		{ "172.31.255.255", "private" },
		{ "172.15.255.255", NULL },
		{ "172.32.0.1", NULL },
		{ "192.0.0.8", "ietf-protocol" },
		{ "192.0.2.1", "documentation" },
		{ "192.0.3.0", NULL },
		{ "192.88.99.1", "reserved" },
		{ "192.168.1.1", "private" },
		{ "192.167.255.255", NULL },
		{ "192.169.0.0", NULL },
		{ "198.18.0.1", "benchmarking" },
		{ "198.19.255.255", "benchmarking" },
		{ "198.20.0.0", NULL },
		{ "198.51.100.7", "documentation" },
		{ "203.0.113.9", "documentation" },
		{ "203.0.114.0", NULL },
		{ "224.0.0.1", "multicast" },
		{ "239.255.255.255", "multicast" },
		{ "223.255.255.255", NULL },
		{ "240.0.0.1", "reserved" },
		{ "255.255.255.254", "reserved" },
		{ "255.255.255.255", "broadcast" },
		{ "::", "unspecified" },
		{ "::1", "loopback" },
		{ "[::1]", "loopback" },
		{ "::2", "unspecified" }, /* ::0.0.0.2 */
		{ "::ffff:127.0.0.1", "loopback" },
		{ "::ffff:10.1.2.3", "private" },
		{ "::ffff:7f00:1", "loopback" },
		{ "::ffff:8.8.8.8", NULL },
		{ "::ffff:100.64.0.1", "cgnat" },
		{ "::127.0.0.1", "loopback" },
		{ "::8.8.8.8", "reserved" },
		{ "64:ff9b::7f00:1", "loopback" },
		{ "64:ff9b::808:808", NULL },
		{ "64:ff9b:1::1", "nat64-local" },
		{ "100::1", "discard" },
		{ "2001::1", "ietf-protocol" },
		{ "2001:1ff::1", "ietf-protocol" },
		{ "2001:200::1", NULL },
		{ "2001:db8::1", "documentation" },
		{ "2001:db9::1", NULL },
		{ "2002:7f00:1::1", "loopback" },
		{ "2002:c0a8:101::1", "private" },
		{ "2002:808:808::1", NULL },
		{ "2606:4700:4700::1111", NULL },
		{ "2a00:1450:4001:80b::200e", NULL },
		{ "fc00::1", "private" },
		{ "fdff:ffff::1", "private" },
		{ "fbff::1", "reserved" },
		{ "fe80::1", "link-local" },
		{ "febf::1", "link-local" },
		{ "fec0::1", "site-local" },
		{ "ff02::1", "multicast" },
		{ "4000::1", "reserved" },
		{ "1fff::1", "reserved" },
		{ "localhost", "invalid" },
		{ "", "invalid" },
		{ "1.2.3", "invalid" },
		{ "::ffff:300.1.1.1", "invalid" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = fetch_ip_nonpublic(cases[i].ip);
		if (cases[i].why == NULL && got != NULL)
			fail_msg("%s: refused as %s, but it is public", cases[i].ip, got);
		if (cases[i].why != NULL && (got == NULL || strcmp(got, cases[i].why)))
			fail_msg("%s: %s, want %s", cases[i].ip, got ? got : "public", cases[i].why);
	}
	assert_string_equal(fetch_ip_nonpublic(NULL), "invalid");
	/* The sockaddr form, as curl hands it over. */
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	assert_string_equal(fetch_addr_nonpublic((struct sockaddr *)&in, sizeof(in)), "loopback");
	in.sin_addr.s_addr = htonl(0x08080808);
	assert_null(fetch_addr_nonpublic((struct sockaddr *)&in, sizeof(in)));
	assert_string_equal(fetch_addr_nonpublic((struct sockaddr *)&in, 4), "invalid");
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	in6.sin6_addr.s6_addr[10] = in6.sin6_addr.s6_addr[11] = 0xff;
	in6.sin6_addr.s6_addr[12] = 192;
	in6.sin6_addr.s6_addr[13] = 168;
	assert_string_equal(fetch_addr_nonpublic((struct sockaddr *)&in6, sizeof(in6)), "private");
	struct sockaddr un = { .sa_family = AF_UNIX };
	assert_string_equal(fetch_addr_nonpublic(&un, sizeof(un)), "invalid");
	assert_string_equal(fetch_addr_nonpublic(NULL, 0), "invalid");
}

/* public_only: a page on 127.0.0.1 (by address or by a name that resolves there) is never
 * connected to; the same host without it is fetched as always. */
static void test_public_only_refuses(void **state)
{
	(void)state;
	struct fetch_request req = { .max_body = 1 << 20, .connect_timeout_ms = 2000,
				     .timeout_ms = 5000, .public_only = true };
	struct got g = { 0 }, h = { 0 }, n = { 0 };
	char url[128];
	snprintf(url, sizeof(url), "http://localhost:%d/a.txt", port);
	get("/a.txt", &g, &req);
	assert_int_equal(g.err, -EPERM);
	assert_true(g.refused);
	assert_string_equal(g.refused_class, "loopback");
	assert_string_equal(g.refused_addr, "127.0.0.1");
	assert_non_null(strstr(g.errmsg, "127.0.0.1"));
	assert_int_equal(g.len, 0);
	get(url, &n, &req); /* a name: judged by what it resolves to */
	assert_int_equal(n.err, -EPERM);
	assert_true(n.refused);
	assert_string_equal(n.refused_class, "loopback");
	get("/a.txt", &h, NULL);
	assert_int_equal(h.err, 0);
	assert_false(h.refused);
	assert_string_equal(h.body, "hello\n");
	got_clear(&g);
	got_clear(&h);
	got_clear(&n);
}

/* A connection opened without the guard and kept alive must not carry a public_only
 * request: the pre-request check sees reused connections too. */
static void test_public_only_on_reused_connection(void **state)
{
	(void)state;
	struct got a = { 0 }, b = { 0 };
	get("/a.txt", &a, NULL); /* leaves a keep-alive connection in the pool */
	assert_int_equal(a.err, 0);
	struct fetch_request req = { .max_body = 1 << 20, .connect_timeout_ms = 2000,
				     .timeout_ms = 5000, .public_only = true };
	get("/a.txt", &b, &req);
	assert_int_equal(b.err, -EPERM);
	assert_true(b.refused);
	assert_string_equal(b.refused_addr, "127.0.0.1");
	got_clear(&a);
	got_clear(&b);
}

/* A per-request callback replaces the fetcher's, and the Accept header is sent. */
static int own_calls;
static void on_own_done(const struct fetch_result *r, void *ctx)
{
	assert_ptr_equal(ctx, &own_calls);
	own_calls++;
	assert_int_equal(r->err, 0);
	assert_non_null(strstr(r->body, "text/html"));
	loop_quit(L);
}

static void test_own_callback_and_accept(void **state)
{
	(void)state;
	char url[128];
	snprintf(url, sizeof(url), "%s/echo-headers", base);
	struct fetch_request req = { .url = url, .accept = "text/html", .done = on_own_done,
				     .done_ctx = &own_calls };
	int before = total_done;
	assert_int_equal(fetch_start(F, &req), 0);
	run_for(GUARD_MS);
	assert_int_equal(own_calls, 1);
	assert_int_equal(total_done, before);
	assert_int_equal(fetch_in_flight(F), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_body_and_validators),
		cmocka_unit_test(test_conditional_get),
		cmocka_unit_test(test_request_headers),
		cmocka_unit_test(test_error_statuses),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_permanent_redirects),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_brotli),
		cmocka_unit_test(test_gzip_bomb_cut),
		cmocka_unit_test(test_huge_cut),
		cmocka_unit_test(test_stall_times_out),
		cmocka_unit_test(test_trickle_cut),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_file_urls),
		cmocka_unit_test(test_retry_after_and_max_age),
		cmocka_unit_test(test_max_per_host),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_sockets_cloexec_and_free_aborts),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_addr_classifier),
		cmocka_unit_test(test_public_only_refuses),
		cmocka_unit_test(test_public_only_on_reused_connection),
		cmocka_unit_test(test_own_callback_and_accept),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
