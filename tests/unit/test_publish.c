/* test_publish.c — the publisher on real ZeroMQ sockets (ipc:// in a temporary directory
 * and tcp://127.0.0.1) with a real SQLite store and the real event loop: the three frames
 * and the envelope, counters that continue after a restart, sends held back until commit
 * and dropped on rollback, the heartbeat, a 10,000-message replay to one DEALER while
 * another sends garbage and still gets its answers, prefix replay, ERR expired, refusal
 * of non-loopback endpoints without CURVE, and CURVE with a ZAP check of client keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include "claimd/config.h"
#include "claimd/loop.h"
#include "claimd/publish.h"
#include "claimd/store.h"
#include "claimd/wire.h"

static char tmpl[64];
static char ep_pub[128], ep_rep[128];
static char *pubs[1];
static struct cfg C;
static void *zctx;
static bool test_ok; /* a failed test leaves sockets open: its context is not waited for */

static int setup(void **state)
{
	(void)state;
	snprintf(tmpl, sizeof(tmpl), "/tmp/claimd-test-pub-XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	snprintf(ep_pub, sizeof(ep_pub), "ipc://%s/pub.sock", tmpl);
	snprintf(ep_rep, sizeof(ep_rep), "ipc://%s/replay.sock", tmpl);
	pubs[0] = ep_pub;
	memset(&C, 0, sizeof(C));
	C.publish = pubs;
	C.n_publish = 1;
	C.replay = ep_rep;
	C.sndhwm = 1000;
	zctx = zmq_ctx_new();
	assert_non_null(zctx);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (test_ok)
		zmq_ctx_term(zctx);
	else
		zmq_ctx_shutdown(zctx);
	test_ok = false;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *statedir(void)
{
	static char b[128];
	snprintf(b, sizeof(b), "%s/state", tmpl);
	return b;
}

/* Receives one multipart message (up to 6 frames) within ms; returns the frame count. */
static int recv_parts(void *s, zmq_msg_t *fr, int max, int ms)
{
	zmq_pollitem_t it = { .socket = s, .events = ZMQ_POLLIN };
	if (zmq_poll(&it, 1, ms) <= 0)
		return 0;
	int n = 0;
	int more = 1;
	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		assert_true(zmq_msg_recv(&m, s, 0) >= 0);
		more = zmq_msg_more(&m);
		if (n < max)
			fr[n++] = m;
		else
			zmq_msg_close(&m);
	}
	return n;
}

static void close_parts(zmq_msg_t *fr, int n)
{
	for (int i = 0; i < n; i++)
		zmq_msg_close(&fr[i]);
}

static uint64_t le64(const zmq_msg_t *m)
{
	assert_int_equal(zmq_msg_size((zmq_msg_t *)m), 8);
	const unsigned char *b = zmq_msg_data((zmq_msg_t *)m);
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

static bool frame_is(zmq_msg_t *m, const char *s)
{
	return zmq_msg_size(m) == strlen(s) && !memcmp(zmq_msg_data(m), s, strlen(s));
}

static json_t *frame_json(zmq_msg_t *m)
{
	json_error_t e;
	json_t *j = json_loadb(zmq_msg_data(m), zmq_msg_size(m), 0, &e);
	assert_non_null(j);
	return j;
}

/* Expects [topic, body, seq] on sub with the given topic, gseq and seq. */
static void expect_msg(void *sub, const char *topic, uint64_t gseq, uint64_t seq)
{
	zmq_msg_t fr[6];
	int n = recv_parts(sub, fr, 6, 3000);
	assert_int_equal(n, 3);
	assert_true(frame_is(&fr[0], topic));
	assert_int_equal(le64(&fr[2]), seq);
	json_t *b = frame_json(&fr[1]);
	assert_int_equal(json_integer_value(json_object_get(b, "gseq")), gseq);
	assert_true(json_is_string(json_object_get(b, "schema")));
	assert_true(json_is_string(json_object_get(b, "id")));
	assert_int_equal(strlen(json_string_value(json_object_get(b, "epoch"))), 32);
	const char *at = json_string_value(json_object_get(b, "emitted_at"));
	assert_non_null(at);
	assert_int_equal(strlen(at), 24); /* 2024-03-05T10:00:00.123Z */
	assert_int_equal(at[23], 'Z');
	assert_int_equal(at[19], '.');
	json_decref(b);
	close_parts(fr, n);
}

static void emit(struct pub *p, const char *topic, const char *id, uint64_t want_gseq)
{
	json_t *b = json_pack("{s:s, s:s}", "id", id, "title", "t");
	uint64_t g = 0;
	assert_int_equal(pub_emit(p, topic, CLAIMD_SCHEMA_ARTICLE, b, &g), 0);
	assert_int_equal(g, want_gseq);
	json_decref(b);
}

static void *subscriber(void)
{
	void *sub = zmq_socket(zctx, ZMQ_SUB);
	int zero = 0;
	zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
	assert_int_equal(zmq_connect(sub, ep_pub), 0);
	usleep(300 * 1000); /* the subscription reaches the publisher */
	return sub;
}

static void test_emit_restart_and_tx(void **state)
{
	(void)state;
	struct loop *loop = NULL;
	struct store *st = NULL;
	struct pub *p = NULL;
	char err[256];
	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(store_open(statedir(), &st), 0);
	assert_int_equal(pub_new(zctx, loop, &C, st, &p, err, sizeof(err)), 0);
	void *sub = subscriber();
	emit(p, "article/x", "a1", 1);
	emit(p, "claim/x", "c1", 2);
	emit(p, "article/x", "a2", 3);
	expect_msg(sub, "article/x", 1, 1);
	expect_msg(sub, "claim/x", 2, 1);
	expect_msg(sub, "article/x", 3, 2);
	/* heartbeat: not journalled, carries the high gseq, its own persisted seq */
	json_t *hb = json_pack("{s:s}", "id", "heartbeat");
	assert_int_equal(pub_heartbeat(p, hb), 0);
	json_decref(hb);
	zmq_msg_t fr[6];
	int n = recv_parts(sub, fr, 6, 3000);
	assert_int_equal(n, 3);
	assert_true(frame_is(&fr[0], CLAIMD_TOPIC_HEARTBEAT));
	assert_int_equal(le64(&fr[2]), 1);
	json_t *b = frame_json(&fr[1]);
	assert_int_equal(json_integer_value(json_object_get(b, "gseq")), 3);
	assert_string_equal(json_string_value(json_object_get(b, "schema")),
			    CLAIMD_SCHEMA_HEARTBEAT);
	assert_string_equal(json_string_value(json_object_get(b, "replay")), ep_rep);
	json_decref(b);
	close_parts(fr, n);
	assert_int_equal(store_gseq_high(st), 3);
	assert_int_equal(pub_sent(p), 4);

	/* restart: both counters continue. (A new process binds the same path; in one
	 * process libzmq's asynchronous unlink of the old ipc file would race the new bind,
	 * so the second instance binds a second path, which the subscriber also knows.) */
	p = pub_free(p);
	st = store_close(st);
	assert_int_equal(store_open(statedir(), &st), 0);
	char ep2[160];
	snprintf(ep2, sizeof(ep2), "%s.2", ep_pub);
	char *eps2[1] = { ep2 };
	struct cfg c2 = C;
	c2.publish = eps2;
	c2.replay = NULL;
	assert_int_equal(zmq_connect(sub, ep2), 0);
	assert_int_equal(pub_new(zctx, loop, &c2, st, &p, err, sizeof(err)), 0);
	usleep(500 * 1000); /* the subscriber connects */
	emit(p, "article/x", "a3", 4);
	expect_msg(sub, "article/x", 4, 3);
	hb = json_object();
	assert_int_equal(pub_heartbeat(p, hb), 0);
	json_decref(hb);
	n = recv_parts(sub, fr, 6, 3000);
	assert_int_equal(n, 3);
	assert_int_equal(le64(&fr[2]), 2);
	close_parts(fr, n);

	/* inside a transaction: nothing leaves before the commit, nothing on rollback */
	assert_int_equal(store_begin(st), 0);
	emit(p, "article/x", "a4", 5);
	assert_int_equal(recv_parts(sub, fr, 6, 200), 0);
	assert_int_equal(store_rollback(st), 0);
	assert_int_equal(recv_parts(sub, fr, 6, 200), 0);
	assert_int_equal(store_begin(st), 0);
	emit(p, "article/x", "a4", 5);
	emit(p, "claim/x", "c2", 6);
	assert_int_equal(recv_parts(sub, fr, 6, 200), 0);
	assert_int_equal(store_commit(st), 0);
	expect_msg(sub, "article/x", 5, 4);
	expect_msg(sub, "claim/x", 6, 2);
	/* a body without an id gets one */
	b = json_object();
	assert_int_equal(pub_emit(p, "sys/source/x", CLAIMD_SCHEMA_SOURCE, b, NULL), 0);
	assert_true(strlen(json_string_value(json_object_get(b, "id"))) > 32);
	json_decref(b);
	expect_msg(sub, "sys/source/x", 7, 1);

	zmq_close(sub);
	pub_free(p);
	store_close(st);
	loop_free(loop);
	test_ok = true;
}

/* ---- replay: a client thread against the loop in the main thread ---- */

#define BIG 10000

struct replay_run {
	atomic_int done;
	int a_msgs;            /* MSG frames dealer A got */
	bool a_order_ok;
	char a_end[3][64];
	int b_replies;
	int b_ok;
	int a_msgs_when_b_done;
	int c_msgs;
	bool c_prefix_ok;
	char c_end[64];
	char epoch[33];
};

static void *dealer(const char *ep)
{
	void *d = zmq_socket(zctx, ZMQ_DEALER);
	int zero = 0;
	zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof(zero));
	assert_int_equal(zmq_connect(d, ep), 0);
	return d;
}

static void send_strs(void *s, int n, const char *const *v)
{
	for (int i = 0; i < n; i++)
		zmq_send(s, v[i], strlen(v[i]), i + 1 < n ? ZMQ_SNDMORE : 0);
}

static void *replay_client(void *ud)
{
	struct replay_run *R = ud;
	void *a = dealer(ep_rep), *b = dealer(ep_rep), *c = dealer(ep_rep);
	send_strs(a, 3, (const char *[]){ "SNAPSHOT", "", "0" });
	send_strs(c, 3, (const char *[]){ "SNAPSHOT", "claim/", "9000" });
	static const char *const garbage[][3] = {
		{ "SNAPSHOT", NULL, NULL }, { "HELLO", "x", "0" }, { "SNAPSHOT", "", "abc" },
		{ "SNAPSHOT", "", "-1" },   { "\xff\xfe", "", "" }, { "SNAPSHOT", "\xc3\x28", "0" },
		{ "SNAPSHOT", "", "99999999999999999999" },
	};
	size_t ng = sizeof(garbage) / sizeof(garbage[0]);
	size_t gi = 0;
	uint64_t last_a = 0;
	bool a_done = false, c_done = false;
	R->a_order_ok = true;
	R->c_prefix_ok = true;
	/* B's first garbage goes out right after A's request */
	send_strs(b, garbage[0][1] ? 3 : 1, garbage[0]);
	while (!(a_done && c_done && gi == ng)) {
		zmq_pollitem_t it[3] = { { .socket = a, .events = ZMQ_POLLIN },
					 { .socket = b, .events = ZMQ_POLLIN },
					 { .socket = c, .events = ZMQ_POLLIN } };
		if (zmq_poll(it, 3, 10000) <= 0)
			break;
		zmq_msg_t fr[6];
		if (it[0].revents) {
			int n = recv_parts(a, fr, 6, 0);
			if (n == 4 && frame_is(&fr[0], "MSG")) {
				json_t *j = frame_json(&fr[2]);
				uint64_t g = (uint64_t)json_integer_value(json_object_get(j, "gseq"));
				if (g != last_a + 1)
					R->a_order_ok = false;
				last_a = g;
				json_decref(j);
				R->a_msgs++;
			} else {
				for (int i = 0; i < n && i < 3; i++)
					snprintf(R->a_end[i], 64, "%.*s", (int)zmq_msg_size(&fr[i]),
						 (char *)zmq_msg_data(&fr[i]));
				a_done = true;
			}
			close_parts(fr, n);
		}
		if (it[1].revents) {
			int n = recv_parts(b, fr, 6, 0);
			R->b_replies++;
			if (n == 3 && frame_is(&fr[0], "ERR") && frame_is(&fr[1], "bad-request"))
				R->b_ok++;
			close_parts(fr, n);
			if (++gi < ng)
				send_strs(b, 3, garbage[gi]);
			else
				R->a_msgs_when_b_done = R->a_msgs;
		}
		if (it[2].revents) {
			int n = recv_parts(c, fr, 6, 0);
			if (n == 4 && frame_is(&fr[0], "MSG")) {
				if (strncmp(zmq_msg_data(&fr[1]), "claim/", 6))
					R->c_prefix_ok = false;
				R->c_msgs++;
			} else {
				snprintf(R->c_end, 64, "%.*s %.*s", (int)zmq_msg_size(&fr[0]),
					 (char *)zmq_msg_data(&fr[0]), (int)zmq_msg_size(&fr[1]),
					 (char *)zmq_msg_data(&fr[1]));
				c_done = true;
			}
			close_parts(fr, n);
		}
	}
	zmq_close(a);
	zmq_close(b);
	zmq_close(c);
	atomic_store(&R->done, 1);
	return NULL;
}

static void check_done(struct loop *l, struct loop_timer *t, void *ud)
{
	atomic_int *done = ud;
	if (atomic_load(done))
		loop_quit(l);
	else
		loop_timer_arm(t, 5);
}

static void run_loop_until(struct loop *loop, atomic_int *done)
{
	struct loop_timer *t = NULL;
	assert_int_equal(loop_timer_new(loop, check_done, done, &t), 0);
	loop_timer_arm(t, 5);
	assert_int_equal(loop_run(loop), 0);
	loop_timer_free(t);
}

static void test_replay_big_and_garbage(void **state)
{
	(void)state;
	struct loop *loop = NULL;
	struct store *st = NULL;
	struct pub *p = NULL;
	char err[256];
	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(store_open(statedir(), &st), 0);
	assert_int_equal(pub_new(zctx, loop, &C, st, &p, err, sizeof(err)), 0);
	assert_int_equal(store_begin(st), 0);
	for (int i = 1; i <= BIG; i++) {
		char id[32];
		snprintf(id, sizeof(id), "m%d", i);
		emit(p, i % 4 == 0 ? "claim/x" : "article/x", id, (uint64_t)i);
	}
	assert_int_equal(store_commit(st), 0);

	struct replay_run R = { 0 };
	pthread_t th;
	int64_t t0 = now_mono_ms();
	assert_int_equal(pthread_create(&th, NULL, replay_client, &R), 0);
	run_loop_until(loop, &R.done);
	pthread_join(th, NULL);
	int64_t took = now_mono_ms() - t0;
	fprintf(stderr, "replayed %d messages in %lld ms; garbage answered after %d of them\n",
		R.a_msgs, (long long)took, R.a_msgs_when_b_done);
	assert_int_equal(R.a_msgs, BIG);
	assert_true(R.a_order_ok);
	assert_string_equal(R.a_end[0], "END");
	assert_string_equal(R.a_end[1], "10000");
	assert_string_equal(R.a_end[2], store_epoch(st));
	assert_int_equal(R.b_replies, 7);
	assert_int_equal(R.b_ok, 7);
	/* claim/ after 9000: 9004, 9008, ... 10000 */
	assert_int_equal(R.c_msgs, 250);
	assert_true(R.c_prefix_ok);
	assert_string_equal(R.c_end, "END 10000");

	/* retention: a since below the floor is expired, naming the oldest held */
	assert_true(store_journal_prune(st, now_wall_ms(), 0, store_journal_bytes(st) / 2) > 0);
	uint64_t low = store_gseq_low(st);
	assert_true(low > 1);
	struct replay_run R2 = { 0 };
	void *d = dealer(ep_rep);
	/* 1, not 0: since 0 asks for all that is retained and is never expired */
	send_strs(d, 3, (const char *[]){ "SNAPSHOT", "", "1" });
	/* the loop serves it; the reply is read after */
	atomic_int one = 0;
	struct loop_timer *t = NULL;
	assert_int_equal(loop_timer_new(loop, check_done, &one, &t), 0);
	loop_timer_arm(t, 200);
	atomic_store(&one, 1);
	assert_int_equal(loop_run(loop), 0);
	loop_timer_free(t);
	zmq_msg_t fr[6];
	int n = recv_parts(d, fr, 6, 3000);
	assert_int_equal(n, 3);
	assert_true(frame_is(&fr[0], "ERR"));
	assert_true(frame_is(&fr[1], "expired"));
	char want[32];
	snprintf(want, sizeof(want), "%llu", (unsigned long long)low);
	assert_true(frame_is(&fr[2], want));
	close_parts(fr, n);
	(void)R2;
	zmq_close(d);

	pub_free(p);
	store_close(st);
	loop_free(loop);
	test_ok = true;
}

static int free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	getsockname(s, (struct sockaddr *)&a, &len);
	close(s);
	return ntohs(a.sin_port);
}

static void test_refuse_non_loopback(void **state)
{
	(void)state;
	struct loop *loop = NULL;
	struct store *st = NULL;
	struct pub *p = NULL;
	char err[256];
	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(store_open(statedir(), &st), 0);
	char ep[64];
	snprintf(ep, sizeof(ep), "tcp://0.0.0.0:%d", free_port());
	char *eps[1] = { ep };
	struct cfg c = C;
	c.publish = eps;
	assert_int_equal(pub_new(zctx, loop, &c, st, &p, err, sizeof(err)), -EPERM);
	assert_null(p);
	assert_non_null(strstr(err, "CURVE"));
	assert_non_null(strstr(err, ep));
	/* the replay endpoint too */
	c = C;
	c.replay = "tcp://192.0.2.1:5557";
	assert_int_equal(pub_new(zctx, loop, &c, st, &p, err, sizeof(err)), -EPERM);
	/* loopback is fine */
	snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", free_port());
	c = C;
	c.publish = eps;
	assert_int_equal(pub_new(zctx, loop, &c, st, &p, err, sizeof(err)), 0);
	pub_free(p);
	store_close(st);
	loop_free(loop);
	test_ok = true;
}

/* ---- CURVE ---- */

struct curve_run {
	atomic_int done;
	char ep[64];
	char server_pub[41];
	char good_pub[41], good_sec[41];
	char bad_pub[41], bad_sec[41];
	int good_got, bad_got;
	struct pub *p;
};

static void *curve_sub(struct curve_run *R, const char *pub, const char *sec)
{
	void *s = zmq_socket(zctx, ZMQ_SUB);
	int zero = 0;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, R->server_pub, 40);
	zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40);
	zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40);
	zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
	zmq_connect(s, R->ep);
	return s;
}

static void curve_tick(struct loop *l, struct loop_timer *t, void *ud)
{
	struct curve_run *R = ud;
	if (atomic_load(&R->done)) {
		loop_quit(l);
		return;
	}
	json_t *b = json_object();
	pub_heartbeat(R->p, b);
	json_decref(b);
	loop_timer_arm(t, 20);
}

static void *curve_client(void *ud)
{
	struct curve_run *R = ud;
	void *good = curve_sub(R, R->good_pub, R->good_sec);
	void *bad = curve_sub(R, R->bad_pub, R->bad_sec);
	int64_t end = now_mono_ms() + 3000;
	zmq_msg_t fr[6];
	while (now_mono_ms() < end && R->good_got < 5) {
		int n = recv_parts(good, fr, 6, 100);
		if (n)
			R->good_got++;
		close_parts(fr, n);
		n = recv_parts(bad, fr, 6, 0);
		if (n)
			R->bad_got++;
		close_parts(fr, n);
	}
	int n;
	while ((n = recv_parts(bad, fr, 6, 300)) > 0) {
		R->bad_got++;
		close_parts(fr, n);
	}
	zmq_close(good);
	zmq_close(bad);
	atomic_store(&R->done, 1);
	return NULL;
}

static void test_curve(void **state)
{
	(void)state;
	if (!zmq_has("curve"))
		skip();
	struct curve_run R = { 0 };
	char server_sec[41];
	assert_int_equal(zmq_curve_keypair(R.server_pub, server_sec), 0);
	assert_int_equal(zmq_curve_keypair(R.good_pub, R.good_sec), 0);
	assert_int_equal(zmq_curve_keypair(R.bad_pub, R.bad_sec), 0);
	char path[256], dir[256];
	snprintf(path, sizeof(path), "%s/server.key", tmpl);
	FILE *f = fopen(path, "w");
	fprintf(f, "%s\n", server_sec);
	fclose(f);
	snprintf(dir, sizeof(dir), "%s/clients", tmpl);
	mkdir(dir, 0700);
	char kp[300];
	snprintf(kp, sizeof(kp), "%s/good.key", dir);
	f = fopen(kp, "w");
	fprintf(f, "%s\n", R.good_pub);
	fclose(f);

	struct loop *loop = NULL;
	struct store *st = NULL;
	char err[256];
	assert_int_equal(loop_new(&loop), 0);
	assert_int_equal(store_open(statedir(), &st), 0);
	int port = free_port();
	char ep[64];
	snprintf(ep, sizeof(ep), "tcp://0.0.0.0:%d", port);
	snprintf(R.ep, sizeof(R.ep), "tcp://127.0.0.1:%d", port);
	char *eps[1] = { ep };
	struct cfg c = C;
	c.publish = eps;
	c.replay = NULL;
	c.curve_secret_key_file = path;
	/* without the client keys directory: refused */
	assert_int_equal(pub_new(zctx, loop, &c, st, &R.p, err, sizeof(err)), -EINVAL);
	c.curve_client_keys_dir = dir;
	assert_int_equal(pub_new(zctx, loop, &c, st, &R.p, err, sizeof(err)), 0);
	struct loop_timer *t = NULL;
	assert_int_equal(loop_timer_new(loop, curve_tick, &R, &t), 0);
	loop_timer_arm(t, 20);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, curve_client, &R), 0);
	assert_int_equal(loop_run(loop), 0);
	pthread_join(th, NULL);
	loop_timer_free(t);
	assert_true(R.good_got >= 5);
	assert_int_equal(R.bad_got, 0);
	pub_free(R.p);
	store_close(st);
	loop_free(loop);
	test_ok = true;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_emit_restart_and_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_big_and_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_non_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_curve, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
