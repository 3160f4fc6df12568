/* test_timer.c — the timer heap (timer.c) and the loop's timers on it (loop.c): order by
 * deadline with first-in-first-out ties, moving and removing from anywhere, a random
 * workload checked against a sorted model, timers set during a pass waiting for the next,
 * a timer freeing itself and others from its callback, and 20,000 timers on one fd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>

#include "claimd/loop.h"
#include "claimd/timer.h"

static void test_order_and_ties(void **state)
{
	(void)state;
	struct timer_heap h;
	timer_heap_init(&h);
	struct timer_node n[6];
	int64_t due[6] = { 50, 10, 30, 10, 20, 10 };
	for (int i = 0; i < 6; i++) {
		timer_node_init(&n[i]);
		assert_int_equal(timer_heap_set(&h, &n[i], due[i]), 0);
		assert_true(timer_node_armed(&n[i]));
	}
	assert_int_equal(timer_heap_size(&h), 6);
	/* nothing is due before 10 */
	assert_null(timer_heap_pop_due(&h, 9, h.seq));
	/* 10, 10, 10 in the order they were set, then 20, 30, 50 */
	int want[6] = { 1, 3, 5, 4, 2, 0 };
	for (int i = 0; i < 6; i++) {
		struct timer_node *t = timer_heap_pop_due(&h, 100, h.seq);
		assert_ptr_equal(t, &n[want[i]]);
		assert_false(timer_node_armed(t));
	}
	assert_null(timer_heap_pop_due(&h, 100, h.seq));
	assert_null(timer_heap_top(&h));
	timer_heap_fini(&h);
}

static void test_move_and_remove(void **state)
{
	(void)state;
	struct timer_heap h;
	timer_heap_init(&h);
	struct timer_node n[100];
	for (int i = 0; i < 100; i++) {
		timer_node_init(&n[i]);
		timer_heap_set(&h, &n[i], 1000 + i);
	}
	timer_heap_set(&h, &n[99], 1);    /* moved to the front */
	timer_heap_set(&h, &n[0], 5000);  /* moved to the back */
	timer_heap_remove(&h, &n[50]);
	timer_heap_remove(&h, &n[50]);    /* twice: nothing */
	assert_false(timer_node_armed(&n[50]));
	assert_int_equal(timer_heap_size(&h), 99);
	assert_ptr_equal(timer_heap_top(&h), &n[99]);
	int64_t last = INT64_MIN;
	size_t count = 0;
	struct timer_node *t;
	while ((t = timer_heap_pop_due(&h, INT64_MAX, h.seq))) {
		assert_true(t->due >= last);
		assert_ptr_not_equal(t, &n[50]);
		last = t->due;
		count++;
	}
	assert_int_equal(count, 99);
	assert_int_equal(last, 5000);
	timer_heap_fini(&h);
}

/* Random sets, moves and removes against a model: at every pop the heap gives the armed
 * node with the least (due, seq). */
static void test_random_against_model(void **state)
{
	(void)state;
	enum { N = 2000, OPS = 200000 };
	struct timer_heap h;
	timer_heap_init(&h);
	struct timer_node *n = calloc(N, sizeof(*n));
	assert_non_null(n);
	for (int i = 0; i < N; i++)
		timer_node_init(&n[i]);
	uint64_t rng = 88172645463325252ULL;
	for (int op = 0; op < OPS; op++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		int i = (int)(rng % N);
		int kind = (int)((rng >> 20) % 10);
		if (kind < 6) {
			assert_int_equal(timer_heap_set(&h, &n[i], (int64_t)((rng >> 32) % 500)), 0);
		} else if (kind < 8) {
			timer_heap_remove(&h, &n[i]);
		} else {
			struct timer_node *best = NULL;
			for (int k = 0; k < N; k++) {
				if (!timer_node_armed(&n[k]))
					continue;
				if (!best || n[k].due < best->due ||
				    (n[k].due == best->due && n[k].seq < best->seq))
					best = &n[k];
			}
			struct timer_node *got = timer_heap_pop_due(&h, INT64_MAX, h.seq);
			assert_ptr_equal(got, best);
		}
		size_t armed = 0;
		if (op % 997 == 0) {
			for (int k = 0; k < N; k++)
				armed += timer_node_armed(&n[k]);
			assert_int_equal(armed, timer_heap_size(&h));
			for (size_t k = 0; k < h.n; k++)
				assert_int_equal(h.v[k]->idx, k);
		}
	}
	timer_heap_fini(&h);
	for (int i = 0; i < N; i++)
		assert_false(timer_node_armed(&n[i]));
	free(n);
}

static void test_set_during_pass_waits(void **state)
{
	(void)state;
	struct timer_heap h;
	timer_heap_init(&h);
	struct timer_node a, b;
	timer_node_init(&a);
	timer_node_init(&b);
	timer_heap_set(&h, &a, 10);
	uint64_t limit = h.seq;
	assert_ptr_equal(timer_heap_pop_due(&h, 10, limit), &a);
	timer_heap_set(&h, &a, 10); /* re-armed at once, inside the pass */
	timer_heap_set(&h, &b, 5);  /* set inside the pass, even earlier */
	assert_null(timer_heap_pop_due(&h, 10, limit));
	assert_ptr_equal(timer_heap_pop_due(&h, 10, h.seq), &b);
	assert_ptr_equal(timer_heap_pop_due(&h, 10, h.seq), &a);
	timer_heap_fini(&h);
}

/* ---- the loop's timers ---- */

struct ctx {
	struct loop *l;
	struct loop_timer *t[4];
	int fired[4];
	int order[16];
	int n_order;
	int rearm_left;
};

static void on_fire(struct loop *l, struct loop_timer *t, void *ud)
{
	struct ctx *c = ud;
	int i = 0;
	while (c->t[i] != t)
		i++;
	c->fired[i]++;
	c->order[c->n_order++] = i;
	if (i == 0 && c->rearm_left-- > 0)
		loop_timer_arm(t, 0);          /* again at the next pass */
	if (i == 1) {
		c->t[2] = loop_timer_free(c->t[2]); /* frees another, armed one */
		c->t[1] = loop_timer_free(t);       /* and itself */
	}
	if (i == 3)
		loop_quit(l);
}

static void test_loop_timers(void **state)
{
	(void)state;
	struct ctx c = { .rearm_left = 3 };
	assert_int_equal(loop_new(&c.l), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(loop_timer_new(c.l, on_fire, &c, &c.t[i]), 0);
	loop_timer_arm(c.t[0], 0);
	loop_timer_arm(c.t[1], 20);
	loop_timer_arm(c.t[2], 30);
	loop_timer_arm(c.t[3], 60);
	assert_int_equal(loop_timers_armed(c.l), 4);
	int64_t t0 = now_mono_ms();
	assert_int_equal(loop_run(c.l), 0);
	int64_t took = now_mono_ms() - t0;
	assert_true(took >= 59);
	assert_int_equal(c.fired[0], 4); /* first pass, then three re-arms */
	assert_int_equal(c.fired[1], 1);
	assert_int_equal(c.fired[2], 0); /* freed before its time */
	assert_int_equal(c.fired[3], 1);
	assert_int_equal(c.order[c.n_order - 1], 3);
	assert_int_equal(loop_timers_armed(c.l), 0);
	loop_timer_free(c.t[0]);
	loop_timer_free(c.t[3]);
	loop_free(c.l);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

struct many {
	int fired;
	int64_t last_due_seen;
	int total;
};

static void on_many(struct loop *l, struct loop_timer *t, void *ud)
{
	struct many *m = ud;
	(void)t;
	if (++m->fired == m->total)
		loop_quit(l);
}

/* 20,000 armed timers cost no fd; they all fire. */
static void test_many_timers_one_fd(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct loop *l;
	int before = count_fds();
	assert_int_equal(loop_new(&l), 0);
	int with_loop = count_fds();
	assert_true(with_loop - before <= 2); /* epoll and the one timerfd */
	struct many m = { .total = N };
	struct loop_timer **t = calloc(N, sizeof(*t));
	assert_non_null(t);
	for (int i = 0; i < N; i++) {
		assert_int_equal(loop_timer_new(l, on_many, &m, &t[i]), 0);
		assert_int_equal(loop_timer_arm(t[i], i % 50), 0);
	}
	assert_int_equal(count_fds(), with_loop);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(m.fired, N);
	for (int i = 0; i < N; i++)
		loop_timer_free(t[i]);
	free(t);
	loop_free(l);
	assert_int_equal(count_fds(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_ties),
		cmocka_unit_test(test_move_and_remove),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_set_during_pass_waits),
		cmocka_unit_test(test_loop_timers),
		cmocka_unit_test(test_many_timers_one_fd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
