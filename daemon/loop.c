/* loop.c — the one event loop: an epoll set of fd watches and one-shot timers.
 *
 * Takes: fds with a callback each; timers, each backed by its own timerfd.
 * Gives: dispatch of readiness and expiry from loop_run() until loop_quit().
 * Must not: block, sleep or log; it knows nothing of what the fds are. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "claimd/loop.h"

#define LOOP_MAX_EVENTS 64

struct watch {
	int fd;
	loop_fd_fn fn;
	void *ud;
	struct loop_timer *timer; /* set when the watch belongs to a timer */
	bool dead;
	struct watch *next;
};

struct loop_timer {
	struct loop *loop;
	int fd;
	loop_timer_fn fn;
	void *ud;
	struct watch *w;
};

struct loop {
	int epfd;
	bool quit;
	struct watch *watches;   /* all watches; dead ones are reaped after each dispatch */
	int dispatching;
};

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
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int r = -errno;
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

static void timer_ready(struct loop *l, int fd, uint32_t events, void *ud)
{
	struct loop_timer *t = ud;
	uint64_t n;
	(void)events;
	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return; /* spurious: re-armed or disarmed since */
	t->fn(l, t, t->ud);
}

int loop_timer_new(struct loop *l, loop_timer_fn fn, void *ud, struct loop_timer **ret)
{
	struct loop_timer *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->loop = l;
	t->fn = fn;
	t->ud = ud;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->fd < 0) {
		int r = -errno;
		free(t);
		return r;
	}
	int r = loop_add(l, t->fd, EPOLLIN, timer_ready, t);
	if (r < 0) {
		close(t->fd);
		free(t);
		return r;
	}
	*ret = t;
	return 0;
}

int loop_timer_arm(struct loop_timer *t, int64_t delay_ms)
{
	struct itimerspec its = { 0 };
	if (delay_ms >= 0) {
		if (delay_ms == 0)
			its.it_value.tv_nsec = 1; /* zero would disarm */
		else {
			its.it_value.tv_sec = delay_ms / 1000;
			its.it_value.tv_nsec = (delay_ms % 1000) * 1000000;
		}
	}
	return timerfd_settime(t->fd, 0, &its, NULL) < 0 ? -errno : 0;
}

struct loop_timer *loop_timer_free(struct loop_timer *t)
{
	if (!t)
		return NULL;
	loop_del(t->loop, t->fd);
	close(t->fd);
	free(t);
	return NULL;
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
