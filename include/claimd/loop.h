/* loop.h — the one epoll event loop: fd watches and one-shot timers (all of them in one
 * min-heap behind a single timerfd, so a timer costs memory, never an fd). Every fd it
 * creates is O_CLOEXEC. No threads. */
#ifndef CLAIMD_LOOP_H
#define CLAIMD_LOOP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;
struct loop_timer;

typedef void (*loop_fd_fn)(struct loop *l, int fd, uint32_t events, void *ud);
typedef void (*loop_timer_fn)(struct loop *l, struct loop_timer *t, void *ud);

int loop_new(struct loop **ret);
struct loop *loop_free(struct loop *l);

/* events: EPOLLIN, EPOLLOUT, EPOLLET ... Returns 0 or -errno. */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *ud);
int loop_mod(struct loop *l, int fd, uint32_t events);
int loop_del(struct loop *l, int fd);

int loop_timer_new(struct loop *l, loop_timer_fn fn, void *ud, struct loop_timer **ret);
/* Arms the timer to fire once after delay_ms (0 = at the next pass); < 0 disarms.
 * Re-arming an armed timer moves it. Returns 0 or -ENOMEM. */
int loop_timer_arm(struct loop_timer *t, int64_t delay_ms);
/* Frees t (armed or not, also from inside its own callback); accepts NULL. */
struct loop_timer *loop_timer_free(struct loop_timer *t);
bool loop_timer_armed(const struct loop_timer *t);
/* How many timers are armed (for STATUS and tests). */
size_t loop_timers_armed(const struct loop *l);

/* Runs until loop_quit(); returns 0, or -errno when epoll itself fails. */
int loop_run(struct loop *l);
void loop_quit(struct loop *l);

/* Monotonic and wall clocks in milliseconds. */
int64_t now_mono_ms(void);
int64_t now_wall_ms(void);

#endif
