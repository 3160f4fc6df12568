/* metrics.h — the optional Prometheus text endpoint (`metrics = HOST:PORT`), served by
 * libmicrohttpd from claimd's own event loop (its epoll fd and a timer: no thread). */
#ifndef CLAIMD_METRICS_H
#define CLAIMD_METRICS_H
#include <stddef.h>
#include <stdint.h>

struct daemon;
struct metrics;

/* Parses "HOST:PORT" ("127.0.0.1:9464", "[::1]:9464", "localhost:9464", ":9464" for every
 * address). Returns 0, or -EINVAL with a reason in err. */
int metrics_parse_addr(const char *addr, void *ret_sockaddr, size_t *ret_len, char *err,
		       size_t errlen);
/* Binds addr and serves GET /metrics. Returns 0 and *ret, or -errno and a reason in err. */
int metrics_new(struct daemon *d, const char *addr, struct metrics **ret, char *err,
		size_t errlen);
struct metrics *metrics_free(struct metrics *m);
/* The exposition text (text/plain; version=0.0.4) of d; the caller frees it. */
char *metrics_render(struct daemon *d);

#endif
