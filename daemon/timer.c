/* timer.c — a binary min-heap of deadlines (as libevent's minheap and libuv's timer heap).
 *
 * Takes: nodes embedded in the caller's structures, deadlines as plain integers.
 * Gives: O(log n) set, move and remove, O(1) earliest; ties broken by the order of
 *        setting, so equal deadlines fire first in, first out.
 * Must not: allocate per node (the array grows by doubling, never shrinks below 64),
 *        read a clock, log. */
#include <errno.h>
#include <stdlib.h>

#include "claimd/timer.h"

#define TIMER_MIN_CAP 64

static bool before(const struct timer_node *a, const struct timer_node *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void place(struct timer_heap *h, size_t i, struct timer_node *t)
{
	h->v[i] = t;
	t->idx = i;
}

static void sift_up(struct timer_heap *h, size_t i)
{
	struct timer_node *t = h->v[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(t, h->v[parent]))
			break;
		place(h, i, h->v[parent]);
		i = parent;
	}
	place(h, i, t);
}

static void sift_down(struct timer_heap *h, size_t i)
{
	struct timer_node *t = h->v[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(h->v[c + 1], h->v[c]))
			c++;
		if (!before(h->v[c], t))
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, t);
}

void timer_heap_init(struct timer_heap *h)
{
	h->v = NULL;
	h->n = h->cap = 0;
	h->seq = 0;
}

void timer_heap_fini(struct timer_heap *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i]->idx = TIMER_IDLE;
	free(h->v);
	timer_heap_init(h);
}

void timer_node_init(struct timer_node *t)
{
	t->due = 0;
	t->seq = 0;
	t->idx = TIMER_IDLE;
}

int timer_heap_set(struct timer_heap *h, struct timer_node *t, int64_t due)
{
	if (!timer_node_armed(t)) {
		if (h->n == h->cap) {
			size_t cap = h->cap ? 2 * h->cap : TIMER_MIN_CAP;
			struct timer_node **v = realloc(h->v, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			h->v = v;
			h->cap = cap;
		}
		t->due = due;
		t->seq = h->seq++;
		place(h, h->n++, t);
		sift_up(h, t->idx);
		return 0;
	}
	int64_t old = t->due;
	t->due = due;
	t->seq = h->seq++;
	/* A later seq at the same deadline also moves it down. */
	if (due < old)
		sift_up(h, t->idx);
	else
		sift_down(h, t->idx);
	return 0;
}

void timer_heap_remove(struct timer_heap *h, struct timer_node *t)
{
	if (!timer_node_armed(t))
		return;
	size_t i = t->idx;
	t->idx = TIMER_IDLE;
	struct timer_node *last = h->v[--h->n];
	if (i == h->n)
		return;
	place(h, i, last);
	if (i > 0 && before(last, h->v[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

struct timer_node *timer_heap_pop_due(struct timer_heap *h, int64_t now, uint64_t limit)
{
	struct timer_node *t = timer_heap_top(h);
	if (!t || t->due > now || t->seq >= limit)
		return NULL;
	timer_heap_remove(h, t);
	return t;
}

size_t timer_heap_size(const struct timer_heap *h)
{
	return h->n;
}
