/* fetch.h — HTTP(S) and (when allowed) file:// transfers on libcurl's multi socket
 * interface, driven by the loop. Enforces the body cap while downloading (after
 * decompression), at most 5 redirects, connect/total timeouts, http/https only.
 * No logging: results carry the reason. */
#ifndef CLAIMD_FETCH_H
#define CLAIMD_FETCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "claimd/loop.h"

struct fetcher;
struct fetch_result;

/* Called from the loop; everything in r is freed when it returns. It may start or cancel
 * transfers, but must not call fetch_free(). */
typedef void (*fetch_done_fn)(const struct fetch_result *r, void *ctx);

struct fetch_request {
	const char *url;
	const char *etag;          /* If-None-Match, or NULL */
	const char *last_modified; /* If-Modified-Since, or NULL */
	bool allow_file;
	int64_t max_body;          /* decompressed bytes; <= 0 = 16 MiB */
	int64_t connect_timeout_ms; /* <= 0 = 10 s */
	int64_t timeout_ms;        /* whole transfer; <= 0 = 60 s. Slower than 32 B/s for
				    * half of it (1..30 s) also ends it */
	bool public_only;          /* refuse every connection (first request and redirects,
				    * new or reused) to an address that is not public (see
				    * fetch_addr_nonpublic): err -EPERM, refused set. Such a
				    * transfer also ignores proxy settings */
	const char *accept;        /* Accept header, or NULL for none */
	fetch_done_fn done;        /* this transfer's callback instead of the fetcher's, or NULL */
	void *done_ctx;            /* its ctx */
	void *ud;                  /* handed back in the result */
};

struct fetch_result {
	void *ud;
	int err;                   /* 0 (also for HTTP 4xx/5xx: see status), or -ETIMEDOUT,
				    * -ECONNREFUSED, -EHOSTUNREACH, -ECONNRESET, -EFBIG (body cap),
				    * -ELOOP (redirects), -EPROTONOSUPPORT, -EPROTO, -EKEYREJECTED
				    * (TLS verification), -EPERM (refused: a non-public address
				    * with public_only), -EINVAL, -ENOMEM, -EIO */
	const char *errmsg;        /* human-readable reason when err != 0 */
	long status;               /* HTTP status, 0 when none */
	const char *body; size_t len; /* NUL-terminated; "" when err != 0 */
	const char *etag, *last_modified, *content_type;
	const char *effective_url;
	const char *permanent_url; /* set when a 301/308 moved the resource */
	int64_t retry_after_ms;    /* from Retry-After, -1 when absent */
	int64_t max_age_ms;        /* from Cache-Control max-age, -1 when absent */
	bool too_large;
	bool refused;              /* public_only refused an address (err -EPERM) */
	const char *refused_addr;  /* that address ("127.0.0.1", "::1"), or NULL */
	const char *refused_class; /* static: "loopback", "private", ... or NULL */
	uint64_t bytes;            /* received (decompressed) */
};

struct fetch_cfg {
	int max_parallel;          /* connections in all; 0 = no limit */
	int max_per_host;          /* connections per host; 0 = no limit */
	const char *user_agent;    /* NULL or "" = "claimd/VERSION" */
};

int fetch_new(struct loop *loop, const struct fetch_cfg *cfg, fetch_done_fn done, void *ctx,
	      struct fetcher **ret);
/* Waits for nothing: aborts transfers still running. */
struct fetcher *fetch_free(struct fetcher *f);
int fetch_set_limits(struct fetcher *f, const struct fetch_cfg *cfg);
/* Starts a transfer; done is called later from the loop, exactly once. */
int fetch_start(struct fetcher *f, const struct fetch_request *req);
size_t fetch_in_flight(const struct fetcher *f);
/* Cancels every transfer whose ud matches (done is not called for them). */
void fetch_cancel(struct fetcher *f, void *ud);

/* Why an address may not be reached from content a publisher controls: a static name
 * ("unspecified", "loopback", "private" (RFC 1918, fc00::/7), "link-local", "multicast",
 * "broadcast", "cgnat" (100.64.0.0/10), "reserved", "documentation", "benchmarking",
 * "site-local", "discard", "nat64-local", "ietf-protocol"), or NULL when it is public.
 * IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible, NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
 * forms are judged by the IPv4 address they carry. */
const char *fetch_addr_nonpublic(const struct sockaddr *sa, socklen_t len);
/* The same for a numeric address ("10.0.0.1", "[::1]" or "::1"); "invalid" when it is
 * not one. */
const char *fetch_ip_nonpublic(const char *ip);

#endif
