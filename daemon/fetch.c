/* fetch.c — HTTP(S) (and, per request, file://) transfers on libcurl's multi socket
 * interface, driven by the one event loop.
 *
 * Takes: a loop, limits (transfers in flight, per host, User-Agent) and requests (URL,
 *        validators for a conditional GET, body cap, timeouts).
 * Gives: one result per transfer, delivered exactly once from the loop through the done
 *        callback: status, body (decompressed, NUL-terminated, at most max_body bytes),
 *        validators and cache hints of the final response, a permanent redirect's target,
 *        and for failures a -errno class with curl's own explanation.
 * Must not: log, block, follow more than 5 redirects, leave http/https (file:// only when
 *        the request allows it), or keep a byte past the body cap. A public_only request
 *        (article pages: their URLs come from feed content) never connects to, nor sends a
 *        request over a reused connection to, a non-public address: the address curl is
 *        about to connect to is checked in the open-socket callback (after name
 *        resolution, so DNS rebinding cannot slip past), and the connected peer once more
 *        in the pre-request callback (which also sees reused connections and each
 *        redirect hop). Every socket is
 *        O_CLOEXEC (curl's own resolver thread makes a short-lived socketpair per name
 *        lookup that we cannot reach). fetch_free() must not be called from inside the
 *        done callback. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>

#include "claimd/fetch.h"
#include "claimd/loop.h"

#ifndef CLAIMD_VERSION
#define CLAIMD_VERSION "0"
#endif

#define FETCH_MAX_REDIRS 5
#define FETCH_DEFAULT_MAX_BODY (16LL * 1024 * 1024)
#define FETCH_DEFAULT_CONNECT_MS 10000
#define FETCH_DEFAULT_TIMEOUT_MS 60000
#define FETCH_LOW_SPEED_BPS 32 /* slower than this for the window below: cut */
#define FETCH_HEADER_MAX 4096  /* longest header value we keep */

struct xfer {
	struct fetcher *f;
	CURL *easy;
	struct curl_slist *hdrs;
	void *ud;
	struct xfer *prev, *next;
	char errbuf[CURL_ERROR_SIZE];

	char *body;
	size_t len, cap;
	uint64_t bytes;
	int64_t max_body;
	bool too_large;
	bool oom;
	bool allow_file;
	bool public_only;
	bool refused;
	const char *refused_class;
	char refused_addr[INET6_ADDRSTRLEN];
	fetch_done_fn done;   /* or NULL: the fetcher's */
	void *done_ctx;

	/* Headers of the response being received (reset on each new response). */
	long resp_status;
	int n_resp;           /* non-1xx responses seen so far */
	char *etag, *last_modified, *location;
	int64_t retry_after_ms, max_age_ms;

	/* Permanent-redirect tracking: the chain of 301/308 hops from the start. */
	bool perm_chain;
	char *cur_url;        /* URL of the response being received */
	char *permanent_url;
};

struct fetcher {
	struct loop *loop;
	CURLM *multi;
	struct loop_timer *timer;
	fetch_done_fn done;
	void *ctx;
	char *user_agent;
	struct xfer *xfers;
	size_t n;
};

/* ---- small helpers ---- */

static char *dup_trim(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
			 s[n - 1] == '\n'))
		n--;
	if (n > FETCH_HEADER_MAX)
		n = FETCH_HEADER_MAX;
	return strndup(s, n);
}

static void set_owned(char **dst, char *v)
{
	free(*dst);
	*dst = v;
}

static bool safe_header_value(const char *v)
{
	return v && *v && !strpbrk(v, "\r\n") && strlen(v) <= FETCH_HEADER_MAX;
}

/* Retry-After: delta-seconds or an HTTP date. Returns ms from now (≥ 0), or -1. */
static int64_t parse_retry_after(const char *v)
{
	char *end;
	errno = 0;
	long long secs = strtoll(v, &end, 10);
	if (end != v && *end == '\0' && errno == 0) {
		if (secs < 0)
			return -1;
		if (secs > 366LL * 86400)
			secs = 366LL * 86400;
		return secs * 1000;
	}
	time_t t = curl_getdate(v, NULL);
	if (t == (time_t)-1)
		return -1;
	time_t now = time(NULL);
	if (t <= now)
		return 0;
	long long d = (long long)(t - now);
	if (d > 366LL * 86400)
		d = 366LL * 86400;
	return d * 1000;
}

/* Cache-Control: the max-age directive (not s-maxage), in ms, or -1. */
static int64_t parse_max_age(const char *v)
{
	const char *p = v;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncasecmp(p, "max-age", 7) == 0) {
			const char *q = p + 7;
			while (*q == ' ')
				q++;
			if (*q == '=') {
				q++;
				while (*q == ' ' || *q == '"')
					q++;
				char *end;
				errno = 0;
				long long s = strtoll(q, &end, 10);
				if (end != q && errno == 0 && s >= 0) {
					if (s > 366LL * 86400)
						s = 366LL * 86400;
					return s * 1000;
				}
			}
		}
		p = strchr(p, ',');
		if (!p)
			break;
	}
	return -1;
}

/* Resolves a Location value against the URL it came from. */
static char *resolve(const char *base, const char *loc)
{
	CURLU *u = curl_url();
	char *out = NULL, *s = NULL;
	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, loc, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
		out = strdup(s);
		curl_free(s);
	}
	curl_url_cleanup(u);
	return out;
}

/* ---- per-transfer callbacks ---- */

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	x->bytes += n;
	if ((int64_t)(x->len + n) > x->max_body) {
		x->too_large = true;
		return 0; /* CURLE_WRITE_ERROR: curl stops the transfer */
	}
	if (x->len + n + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 16384;
		while (cap < x->len + n + 1)
			cap *= 2;
		if ((int64_t)cap > x->max_body + 1)
			cap = (size_t)x->max_body + 1;
		char *b = realloc(x->body, cap);
		if (!b) {
			x->oom = true;
			return 0;
		}
		x->body = b;
		x->cap = cap;
	}
	memcpy(x->body + x->len, ptr, n);
	x->len += n;
	x->body[x->len] = '\0';
	return n;
}

/* The previous response ended and another follows: it was a redirect hop. */
static void hop_done(struct xfer *x)
{
	if (!x->perm_chain)
		return;
	if ((x->resp_status == 301 || x->resp_status == 308) && x->location && x->cur_url) {
		char *to = resolve(x->cur_url, x->location);
		if (to) {
			set_owned(&x->permanent_url, strdup(to));
			set_owned(&x->cur_url, to);
			return;
		}
	}
	x->perm_chain = false;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nitems;
	if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* A status line: a new response starts. */
		const char *sp = memchr(buf, ' ', n);
		long st = 0;
		if (sp) {
			size_t i = (size_t)(sp - buf) + 1;
			for (int k = 0; k < 3 && i < n && buf[i] >= '0' && buf[i] <= '9'; k++, i++)
				st = st * 10 + (buf[i] - '0');
		}
		if (st >= 100 && st < 200)
			return n; /* interim response: headers of the real one follow */
		if (x->n_resp > 0)
			hop_done(x);
		x->n_resp++;
		x->resp_status = st;
		set_owned(&x->etag, NULL);
		set_owned(&x->last_modified, NULL);
		set_owned(&x->location, NULL);
		x->retry_after_ms = -1;
		x->max_age_ms = -1;
		return n;
	}
	const char *colon = memchr(buf, ':', n);
	if (!colon)
		return n;
	size_t klen = (size_t)(colon - buf);
	const char *v = colon + 1;
	size_t vlen = n - klen - 1;
	if (klen == 4 && strncasecmp(buf, "etag", 4) == 0) {
		set_owned(&x->etag, dup_trim(v, vlen));
	} else if (klen == 13 && strncasecmp(buf, "last-modified", 13) == 0) {
		set_owned(&x->last_modified, dup_trim(v, vlen));
	} else if (klen == 8 && strncasecmp(buf, "location", 8) == 0) {
		set_owned(&x->location, dup_trim(v, vlen));
	} else if (klen == 11 && strncasecmp(buf, "retry-after", 11) == 0) {
		char *s = dup_trim(v, vlen);
		if (s)
			x->retry_after_ms = parse_retry_after(s);
		free(s);
	} else if (klen == 13 && strncasecmp(buf, "cache-control", 13) == 0) {
		char *s = dup_trim(v, vlen);
		if (s) {
			int64_t ma = parse_max_age(s);
			if (ma >= 0)
				x->max_age_ms = ma;
		}
		free(s);
	}
	return n;
}

/* ---- addresses a publisher's content may not reach ---- */

struct net4 {
	uint32_t net;
	int bits;
	const char *why;
};

/* Longest prefixes first where they nest (192.0.0.0/24 inside nothing else here). */
static const struct net4 nonpublic4[] = {
	{ 0x00000000, 8, "unspecified" },    /* 0.0.0.0/8 "this network" */
	{ 0x0a000000, 8, "private" },        /* 10.0.0.0/8 */
	{ 0x64400000, 10, "cgnat" },         /* 100.64.0.0/10 shared address space */
	{ 0x7f000000, 8, "loopback" },       /* 127.0.0.0/8 */
	{ 0xa9fe0000, 16, "link-local" },    /* 169.254.0.0/16 */
	{ 0xac100000, 12, "private" },       /* 172.16.0.0/12 */
	{ 0xc0000000, 24, "ietf-protocol" }, /* 192.0.0.0/24 */
	{ 0xc0000200, 24, "documentation" }, /* 192.0.2.0/24 TEST-NET-1 */
	{ 0xc0586300, 24, "reserved" },      /* 192.88.99.0/24 6to4 relay anycast (deprecated) */
	{ 0xc0a80000, 16, "private" },       /* 192.168.0.0/16 */
	{ 0xc6120000, 15, "benchmarking" },  /* 198.18.0.0/15 */
	{ 0xc6336400, 24, "documentation" }, /* 198.51.100.0/24 TEST-NET-2 */
	{ 0xcb007100, 24, "documentation" }, /* 203.0.113.0/24 TEST-NET-3 */
	{ 0xe0000000, 4, "multicast" },      /* 224.0.0.0/4 */
	{ 0xffffffff, 32, "broadcast" },     /* 255.255.255.255 (before 240/4) */
	{ 0xf0000000, 4, "reserved" },       /* 240.0.0.0/4 */
};

static const char *nonpublic_v4(uint32_t a)
{
	for (size_t i = 0; i < sizeof(nonpublic4) / sizeof(nonpublic4[0]); i++) {
		uint32_t mask = nonpublic4[i].bits == 0 ? 0 : 0xffffffffu << (32 - nonpublic4[i].bits);
		if ((a & mask) == nonpublic4[i].net)
			return nonpublic4[i].why;
	}
	return NULL;
}

static uint32_t v4_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static const char *nonpublic_v6(const uint8_t *b)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
	if (!memcmp(b, zero, 16))
		return "unspecified";
	if (!memcmp(b, zero, 15) && b[15] == 1)
		return "loopback";
	if (!memcmp(b, mapped, 12) || !memcmp(b, nat64, 12)) {
		const char *w = nonpublic_v4(v4_at(b + 12));
		return w;
	}
	if (!memcmp(b, zero, 12)) {
		/* ::a.b.c.d, IPv4-compatible (deprecated): judged by what it carries, and
		 * refused even when that is public, as nothing routes it */
		const char *w = nonpublic_v4(v4_at(b + 12));
		return w ? w : "reserved";
	}
	if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 &&
	    b[5] == 0x01)
		return "nat64-local"; /* 64:ff9b:1::/48 */
	if (b[0] == 0x01 && b[1] == 0x00 && !memcmp(b + 2, zero, 6))
		return "discard"; /* 100::/64 */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)
		return "ietf-protocol"; /* 2001::/23, Teredo 2001::/32 among them */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return "documentation"; /* 2001:db8::/32 */
	if (b[0] == 0x20 && b[1] == 0x02)
		return nonpublic_v4(v4_at(b + 2)); /* 2002:a.b.c.d::/48 6to4 */
	if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0x00)
		return "documentation"; /* 3fff::/20 */
	if ((b[0] & 0xfe) == 0xfc)
		return "private"; /* fc00::/7 unique local */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local"; /* fe80::/10 */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return "site-local"; /* fec0::/10 (deprecated) */
	if (b[0] == 0xff)
		return "multicast"; /* ff00::/8 */
	if ((b[0] & 0xe0) != 0x20)
		return "reserved"; /* outside 2000::/3, the global unicast space */
	return NULL;
}

const char *fetch_addr_nonpublic(const struct sockaddr *sa, socklen_t len)
{
	if (!sa)
		return "invalid";
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return nonpublic_v4(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		return nonpublic_v6(in6->sin6_addr.s6_addr);
	}
	return "invalid"; /* AF_UNIX and anything else: never for a page */
}

const char *fetch_ip_nonpublic(const char *ip)
{
	char buf[INET6_ADDRSTRLEN + 2];
	if (!ip)
		return "invalid";
	size_t n = strlen(ip);
	if (n >= 2 && ip[0] == '[' && ip[n - 1] == ']') {
		ip++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return "invalid";
	memcpy(buf, ip, n);
	buf[n] = 0;
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, buf, &a4) == 1)
		return nonpublic_v4(ntohl(a4.s_addr));
	if (inet_pton(AF_INET6, buf, &a6) == 1)
		return nonpublic_v6(a6.s6_addr);
	return "invalid";
}

static void refuse(struct xfer *x, const char *why, const char *addr)
{
	if (!x->refused) {
		x->refused = true;
		x->refused_class = why;
		snprintf(x->refused_addr, sizeof(x->refused_addr), "%s", addr ? addr : "");
	}
}

static curl_socket_t on_opensocket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct xfer *x = ud;
	(void)purpose;
	if (x->public_only) {
		const char *why = fetch_addr_nonpublic(&a->addr, a->addrlen);
		if (why) {
			char ip[INET6_ADDRSTRLEN] = "";
			if (a->family == AF_INET)
				inet_ntop(AF_INET, &((struct sockaddr_in *)&a->addr)->sin_addr, ip,
					  sizeof(ip));
			else if (a->family == AF_INET6)
				inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a->addr)->sin6_addr, ip,
					  sizeof(ip));
			refuse(x, why, ip);
			return CURL_SOCKET_BAD; /* curl tries the host's next address, if any */
		}
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* Before each request, on a new or a reused connection: the peer must be public too. */
static int on_prereq(void *ud, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
	struct xfer *x = ud;
	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	const char *why = fetch_ip_nonpublic(primary_ip);
	if (why) {
		refuse(x, why, primary_ip);
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

/* ---- multi <-> loop glue ---- */

static void check_done(struct fetcher *f);

static void on_socket_ready(struct loop *l, int fd, uint32_t events, void *ud)
{
	struct fetcher *f = ud;
	int flags = 0, running = 0;
	(void)l;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & EPOLLERR)
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(f->multi, fd, flags, &running);
	check_done(f);
}

static void on_timer(struct loop *l, struct loop_timer *t, void *ud)
{
	struct fetcher *f = ud;
	int running = 0;
	(void)l;
	(void)t;
	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(f);
}

static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct fetcher *f = userp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (socketp) {
			loop_del(f->loop, s);
			curl_multi_assign(f->multi, s, NULL);
		}
		return 0;
	}
	uint32_t ev = 0;
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	if (socketp) {
		if (loop_mod(f->loop, s, ev) < 0)
			return -1;
	} else {
		if (loop_add(f->loop, s, ev, on_socket_ready, f) < 0)
			return -1;
		curl_multi_assign(f->multi, s, f);
	}
	return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct fetcher *f = userp;
	(void)multi;
	return loop_timer_arm(f->timer, timeout_ms < 0 ? -1 : (int64_t)timeout_ms) < 0 ? -1 : 0;
}

/* ---- transfers ---- */

static void xfer_unlink(struct fetcher *f, struct xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		f->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
	f->n--;
}

static void xfer_free(struct xfer *x)
{
	if (!x)
		return;
	if (x->easy) {
		if (x->f)
			curl_multi_remove_handle(x->f->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->hdrs);
	free(x->body);
	free(x->etag);
	free(x->last_modified);
	free(x->location);
	free(x->cur_url);
	free(x->permanent_url);
	free(x);
}

static int errno_of(CURLcode c, long os_errno, bool too_large, bool oom)
{
	if (c == CURLE_WRITE_ERROR && oom)
		return -ENOMEM;
	switch (c) {
	case CURLE_OK:
		return 0;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		if (os_errno == ECONNREFUSED || os_errno == EHOSTUNREACH ||
		    os_errno == ENETUNREACH || os_errno == ETIMEDOUT || os_errno == EACCES ||
		    os_errno == EPERM || os_errno == EADDRNOTAVAIL)
			return -(int)os_errno;
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_WRITE_ERROR:
		return too_large ? -EFBIG : -EIO;
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	case CURLE_TOO_MANY_REDIRECTS:
		return -ELOOP;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EPROTONOSUPPORT;
	case CURLE_URL_MALFORMAT:
		return -EINVAL;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_ABORTED_BY_CALLBACK:
		return -ECANCELED;
	case CURLE_REMOTE_ACCESS_DENIED:
		return -EACCES;
	case CURLE_FILE_COULDNT_READ_FILE:
		return -ENOENT;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return -ECONNRESET;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return -EKEYREJECTED;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_PARTIAL_FILE:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP3:
		return -EPROTO;
	default:
		return -EIO;
	}
}

static void finish(struct fetcher *f, CURL *easy, CURLcode code)
{
	struct xfer *x = NULL;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
	if (!x)
		return;
	xfer_unlink(f, x);
	curl_multi_remove_handle(f->multi, easy);

	long status = 0, os_errno = 0;
	char *eff = NULL, *ctype = NULL;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
	curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &eff);
	curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &ctype);

	char msg[CURL_ERROR_SIZE + 64];
	struct fetch_result r = {
		.ud = x->ud,
		.err = errno_of(code, os_errno, x->too_large, x->oom),
		.status = status,
		.body = "",
		.len = 0,
		.etag = x->etag,
		.last_modified = x->last_modified,
		.content_type = ctype,
		.effective_url = eff,
		.permanent_url = x->permanent_url,
		.retry_after_ms = x->retry_after_ms,
		.max_age_ms = x->max_age_ms,
		.too_large = x->too_large,
		.bytes = x->bytes,
	};
	if (x->refused && r.err != 0) {
		r.err = -EPERM;
		r.refused = true;
		r.refused_class = x->refused_class;
		r.refused_addr = x->refused_addr[0] ? x->refused_addr : NULL;
		r.status = 0;
		snprintf(msg, sizeof(msg), "refused to connect to %s, a %s address",
			 x->refused_addr[0] ? x->refused_addr : "?", x->refused_class);
		r.errmsg = msg;
	} else if (r.err == 0) {
		if (x->body) {
			r.body = x->body;
			r.len = x->len;
		}
	} else if (x->too_large) {
		snprintf(msg, sizeof(msg), "body exceeds max_body (%lld bytes)",
			 (long long)x->max_body);
		r.errmsg = msg;
	} else if (x->oom) {
		snprintf(msg, sizeof(msg), "out of memory for the body (%zu bytes so far)", x->len);
		r.errmsg = msg;
	} else if (code == CURLE_UNSUPPORTED_PROTOCOL) {
		snprintf(msg, sizeof(msg), "%s (allowed: http, https%s)",
			 x->errbuf[0] ? x->errbuf : curl_easy_strerror(code),
			 x->allow_file ? ", file" : "; file:// needs allow_file = yes");
		r.errmsg = msg;
	} else {
		snprintf(msg, sizeof(msg), "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(code));
		r.errmsg = msg;
	}
	if (x->done)
		x->done(&r, x->done_ctx);
	else
		f->done(&r, f->ctx);
	x->f = NULL; /* already removed from the multi */
	xfer_free(x);
}

static void check_done(struct fetcher *f)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(f->multi, &left))) {
		if (m->msg == CURLMSG_DONE)
			finish(f, m->easy_handle, m->data.result);
	}
}

/* ---- public API ---- */

/* libcurl (7.88) opens the multi handle's wakeup socketpair without SOCK_CLOEXEC: mark
 * every fd that appeared across curl_multi_init(). Setting the flag on a stranger's fd
 * would be harmless. Fds above FETCH_FD_BITS are left alone. */
#define FETCH_FD_BITS 65536
struct fd_set_bits {
	uint64_t w[FETCH_FD_BITS / 64];
};

static int fd_snapshot(struct fd_set_bits *b)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	memset(b, 0, sizeof(*b));
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (end != e->d_name && *end == '\0' && fd >= 0 && fd < FETCH_FD_BITS &&
		    fd != dirfd(d))
			b->w[fd / 64] |= 1ULL << (fd % 64);
	}
	closedir(d);
	return 0;
}

static CURLM *multi_init_cloexec(void)
{
	struct fd_set_bits *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	bool snap = before && after && fd_snapshot(before) == 0;
	CURLM *m = curl_multi_init();
	if (m && snap && fd_snapshot(after) == 0) {
		for (int fd = 0; fd < FETCH_FD_BITS; fd++) {
			uint64_t bit = 1ULL << (fd % 64);
			if ((after->w[fd / 64] & bit) && !(before->w[fd / 64] & bit)) {
				int fl = fcntl(fd, F_GETFD);
				if (fl >= 0 && !(fl & FD_CLOEXEC))
					fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
			}
		}
	}
	free(before);
	free(after);
	return m;
}

static int apply_limits(struct fetcher *f, const struct fetch_cfg *cfg)
{
	long par = cfg->max_parallel > 0 ? cfg->max_parallel : 0;
	long host = cfg->max_per_host > 0 ? cfg->max_per_host : 0;
	char *ua = strdup(cfg->user_agent && *cfg->user_agent ? cfg->user_agent
							      : "claimd/" CLAIMD_VERSION);
	if (!ua)
		return -ENOMEM;
	if (curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, par) != CURLM_OK ||
	    curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, host) != CURLM_OK) {
		free(ua);
		return -EINVAL;
	}
	free(f->user_agent);
	f->user_agent = ua;
	return 0;
}

int fetch_new(struct loop *loop, const struct fetch_cfg *cfg, fetch_done_fn done, void *ctx,
	      struct fetcher **ret)
{
	if (!loop || !cfg || !done || !ret)
		return -EINVAL;
	struct fetcher *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->loop = loop;
	f->done = done;
	f->ctx = ctx;
	int r = loop_timer_new(loop, on_timer, f, &f->timer);
	if (r < 0) {
		free(f);
		return r;
	}
	f->multi = multi_init_cloexec();
	if (!f->multi) {
		fetch_free(f);
		return -ENOMEM;
	}
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	r = apply_limits(f, cfg);
	if (r < 0) {
		fetch_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

struct fetcher *fetch_free(struct fetcher *f)
{
	if (!f)
		return NULL;
	while (f->xfers) {
		struct xfer *x = f->xfers;
		xfer_unlink(f, x);
		xfer_free(x);
	}
	if (f->multi)
		curl_multi_cleanup(f->multi); /* may still tell us to drop sockets */
	loop_timer_free(f->timer);
	free(f->user_agent);
	free(f);
	return NULL;
}

int fetch_set_limits(struct fetcher *f, const struct fetch_cfg *cfg)
{
	if (!f || !cfg)
		return -EINVAL;
	return apply_limits(f, cfg);
}

static int add_header(struct curl_slist **l, const char *name, const char *v)
{
	char buf[FETCH_HEADER_MAX + 64];
	if (!safe_header_value(v))
		return 0;
	snprintf(buf, sizeof(buf), "%s: %s", name, v);
	struct curl_slist *n = curl_slist_append(*l, buf);
	if (!n)
		return -ENOMEM;
	*l = n;
	return 0;
}

int fetch_start(struct fetcher *f, const struct fetch_request *req)
{
	if (!f || !req || !req->url || !*req->url)
		return -EINVAL;
	struct xfer *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->f = f;
	x->ud = req->ud;
	x->allow_file = req->allow_file && !req->public_only;
	x->public_only = req->public_only;
	x->done = req->done;
	x->done_ctx = req->done_ctx;
	x->max_body = req->max_body > 0 ? req->max_body : FETCH_DEFAULT_MAX_BODY;
	x->retry_after_ms = -1;
	x->max_age_ms = -1;
	x->perm_chain = true;
	x->cur_url = strdup(req->url);
	x->easy = curl_easy_init();
	if (!x->cur_url || !x->easy)
		goto oom;
	if (add_header(&x->hdrs, "If-None-Match", req->etag) < 0 ||
	    add_header(&x->hdrs, "If-Modified-Since", req->last_modified) < 0 ||
	    add_header(&x->hdrs, "Accept", req->accept) < 0)
		goto oom;

	int64_t cto = req->connect_timeout_ms > 0 ? req->connect_timeout_ms
						  : FETCH_DEFAULT_CONNECT_MS;
	int64_t to = req->timeout_ms > 0 ? req->timeout_ms : FETCH_DEFAULT_TIMEOUT_MS;
	long low_time = (long)(to / 2000);
	if (low_time < 1)
		low_time = 1;
	if (low_time > 30)
		low_time = 30;

	CURL *e = x->easy;
	CURLcode c = CURLE_OK;
#define SET(opt, val)                                      \
	do {                                               \
		if (c == CURLE_OK)                         \
			c = curl_easy_setopt(e, opt, val); \
	} while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PRIVATE, x);
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, x->allow_file ? "http,https,file" : "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRS);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)cto);
	SET(CURLOPT_TIMEOUT_MS, (long)to);
	SET(CURLOPT_LOW_SPEED_LIMIT, (long)FETCH_LOW_SPEED_BPS);
	SET(CURLOPT_LOW_SPEED_TIME, low_time);
	SET(CURLOPT_USERAGENT, f->user_agent);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, x);
	SET(CURLOPT_OPENSOCKETFUNCTION, on_opensocket);
	SET(CURLOPT_OPENSOCKETDATA, x);
	if (x->public_only) {
		SET(CURLOPT_PREREQFUNCTION, on_prereq);
		SET(CURLOPT_PREREQDATA, x);
		SET(CURLOPT_PROXY, ""); /* a proxy's address would be all the guard sees */
	}
	if (x->hdrs)
		SET(CURLOPT_HTTPHEADER, x->hdrs);
#undef SET
	if (c != CURLE_OK) {
		xfer_free(x);
		return c == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
	}
	x->f = NULL; /* not in the multi yet: xfer_free must not remove it */
	CURLMcode mc = curl_multi_add_handle(f->multi, e);
	if (mc != CURLM_OK) {
		xfer_free(x);
		return mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
	}
	x->f = f;
	x->next = f->xfers;
	if (f->xfers)
		f->xfers->prev = x;
	f->xfers = x;
	f->n++;
	return 0;
oom:
	x->f = NULL;
	xfer_free(x);
	return -ENOMEM;
}

size_t fetch_in_flight(const struct fetcher *f)
{
	return f ? f->n : 0;
}

void fetch_cancel(struct fetcher *f, void *ud)
{
	if (!f)
		return;
	struct xfer *x = f->xfers;
	while (x) {
		struct xfer *next = x->next;
		if (x->ud == ud) {
			xfer_unlink(f, x);
			xfer_free(x);
		}
		x = next;
	}
}
