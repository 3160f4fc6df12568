/* loop.c — the one event loop: an epoll set of fd watches and one-shot timers.
 *
 * Takes: fds with a callback each; timers, all in one min-heap (timer.c) behind one
 *        timerfd set to the earliest deadline, so fds do not grow with timers.
 * Gives: dispatch of readiness and expiry from loop_run() until loop_quit().
 * Must not: block, sleep or log; it knows nothing of what the fds are. */
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "claimd/loop.h"
#include "claimd/timer.h"

#define LOOP_MAX_EVENTS 64
#define LOOP_TIMERS_PER_PASS 512 /* timers fired between two epoll_wait calls */

struct watch {
	int fd;
	loop_fd_fn fn;
	void *ud;
	struct loop_timer *timer; /* set when the watch belongs to a timer */
	bool dead;
	struct watch *next;
};

struct loop_timer {
	struct timer_node node; /* first: the heap hands back this pointer */
	struct loop *loop;
	loop_timer_fn fn;
	void *ud;
};

struct loop {
	int epfd;
	int tfd;                 /* the one timerfd: the heap's earliest deadline */
	int64_t programmed;      /* the deadline tfd is set to (INT64_MAX: disarmed) */
	struct timer_heap timers;
	bool quit;
	struct watch *watches;   /* all watches; dead ones are reaped after each dispatch */
	int dispatching;
};

static void timers_due(struct loop *l, int fd, uint32_t events, void *ud);

int64_t now_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int loop_new(struct loop **ret)
{
	struct loop *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	timer_heap_init(&l->timers);
	l->programmed = INT64_MAX;
	l->tfd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int r = -errno;
		free(l);
		return r;
	}
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	int r = l->tfd < 0 ? -errno : loop_add(l, l->tfd, EPOLLIN, timers_due, NULL);
	if (r < 0) {
		if (l->tfd >= 0)
			close(l->tfd);
		close(l->epfd);
		free(l);
		return r;
	}
	*ret = l;
	return 0;
}

static void reap(struct loop *l)
{
	struct watch **pp = &l->watches;
	while (*pp) {
		struct watch *w = *pp;
		if (w->dead) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

struct loop *loop_free(struct loop *l)
{
	if (!l)
		return NULL;
	for (struct watch *w = l->watches; w; w = w->next)
		w->dead = true;
	reap(l);
	timer_heap_fini(&l->timers);
	close(l->tfd);
	close(l->epfd);
	free(l);
	return NULL;
}

static struct watch *find(struct loop *l, int fd)
{
	for (struct watch *w = l->watches; w; w = w->next)
		if (w->fd == fd && !w->dead)
			return w;
	return NULL;
}

int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *ud)
{
	struct watch *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->fn = fn;
	w->ud = ud;
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;
		free(w);
		return r;
	}
	w->next = l->watches;
	l->watches = w;
	return 0;
}

int loop_mod(struct loop *l, int fd, uint32_t events)
{
	struct watch *w = find(l, fd);
	if (!w)
		return -ENOENT;
	struct epoll_event ev = { .events = events, .data.ptr = w };
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int loop_del(struct loop *l, int fd)
{
	struct watch *w = find(l, fd);
	if (!w)
		return -ENOENT;
	/* The fd may already be closed (curl closes before telling us): ignore EBADF. */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	w->dead = true;
	if (!l->dispatching)
		reap(l);
	return 0;
}

/* Programs the one timerfd for the earliest deadline (absolute, CLOCK_MONOTONIC), or
 * disarms it; only when that deadline changed since the last call. */
static void program(struct loop *l)
{
	struct timer_node *top = timer_heap_top(&l->timers);
	int64_t due = top ? top->due : INT64_MAX;
	if (due == l->programmed)
		return;
	struct itimerspec its = { 0 };
	if (top) {
		int64_t d = due < 1 ? 1 : due; /* zero would disarm */
		its.it_value.tv_sec = d / 1000;
		its.it_value.tv_nsec = (d % 1000) * 1000000;
	}
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		l->programmed = due;
}

/* Fires the timers that are due, at most LOOP_TIMERS_PER_PASS of them and none that was
 * armed during this pass (a timer that re-arms itself with 0 waits for the next pass). */
static void timers_due(struct loop *l, int fd, uint32_t events, void *ud)
{
	uint64_t n;
	(void)events;
	(void)ud;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	l->programmed = INT64_MIN; /* expired: program() must set it again */
	int64_t now = now_mono_ms();
	uint64_t limit = l->timers.seq;
	for (int i = 0; i < LOOP_TIMERS_PER_PASS && !l->quit; i++) {
		struct timer_node *tn = timer_heap_pop_due(&l->timers, now, limit);
		if (!tn)
			break;
		struct loop_timer *t = (struct loop_timer *)tn;
		t->fn(l, t, t->ud);
	}
}

int loop_timer_new(struct loop *l, loop_timer_fn fn, void *ud, struct loop_timer **ret)
{
	struct loop_timer *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	timer_node_init(&t->node);
	t->loop = l;
	t->fn = fn;
	t->ud = ud;
	*ret = t;
	return 0;
}

int loop_timer_arm(struct loop_timer *t, int64_t delay_ms)
{
	struct loop *l = t->loop;
	if (delay_ms < 0) {
		timer_heap_remove(&l->timers, &t->node);
		return 0;
	}
	int64_t now = now_mono_ms();
	int64_t due = delay_ms > INT64_MAX - now ? INT64_MAX - 1 : now + delay_ms;
	return timer_heap_set(&l->timers, &t->node, due);
}

bool loop_timer_armed(const struct loop_timer *t)
{
	return t && timer_node_armed(&t->node);
}

struct loop_timer *loop_timer_free(struct loop_timer *t)
{
	if (!t)
		return NULL;
	timer_heap_remove(&t->loop->timers, &t->node);
	free(t);
	return NULL;
}

size_t loop_timers_armed(const struct loop *l)
{
	return timer_heap_size(&l->timers);
}

void loop_quit(struct loop *l)
{
	l->quit = true;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	l->quit = false;
	while (!l->quit) {
		program(l);
		int n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		l->dispatching++;
		for (int i = 0; i < n && !l->quit; i++) {
			struct watch *w = evs[i].data.ptr;
			if (w->dead)
				continue;
			w->fn(l, w->fd, evs[i].events, w->ud);
		}
		l->dispatching--;
		reap(l);
	}
	return 0;
}
