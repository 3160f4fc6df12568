/* timer.h — a binary min-heap of deadlines: the one structure behind every loop timer.
 * Pure: no clock, no fds, no logging; the caller embeds a struct timer_node in what it
 * times and passes deadlines in. Equal deadlines come out in the order they were set. */
#ifndef CLAIMD_TIMER_H
#define CLAIMD_TIMER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMER_IDLE SIZE_MAX /* timer_node.idx of a node that is not in the heap */

struct timer_node {
	int64_t due;   /* deadline, in the caller's unit */
	uint64_t seq;  /* order of setting, breaks ties */
	size_t idx;    /* position in the heap, TIMER_IDLE when not armed */
};

struct timer_heap {
	struct timer_node **v;
	size_t n, cap;
	uint64_t seq;  /* next seq handed out */
};

void timer_heap_init(struct timer_heap *h);
/* Frees the array; the nodes belong to the caller. */
void timer_heap_fini(struct timer_heap *h);
void timer_node_init(struct timer_node *t);
static inline bool timer_node_armed(const struct timer_node *t)
{
	return t->idx != TIMER_IDLE;
}
/* Sets (or moves) t's deadline. Returns 0 or -ENOMEM (t is then left as it was). */
int timer_heap_set(struct timer_heap *h, struct timer_node *t, int64_t due);
/* Takes t out of the heap; nothing when it is not in it. */
void timer_heap_remove(struct timer_heap *h, struct timer_node *t);
/* The earliest node, or NULL when empty. */
static inline struct timer_node *timer_heap_top(const struct timer_heap *h)
{
	return h->n ? h->v[0] : NULL;
}
/* Removes and returns the earliest node when its deadline is <= now and it was set
 * before the seq limit (pass h->seq taken at the start of a pass so that timers set
 * during the pass wait for the next one); NULL otherwise. */
struct timer_node *timer_heap_pop_due(struct timer_heap *h, int64_t now, uint64_t limit);
size_t timer_heap_size(const struct timer_heap *h);

#endif
