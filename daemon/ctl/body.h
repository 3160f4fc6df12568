/* body.h — what claimctl's commands read: a growing buffer with a cap, filled from a file,
 * standard input or one HTTP(S) fetch (daemon/ctl/body.c). */
#ifndef CLAIMD_CTL_BODY_H
#define CLAIMD_CTL_BODY_H
#include <stdbool.h>
#include <stddef.h>

#define CTL_BODY_MAX (16u << 20) /* bytes, after decompression */

struct body {
	char *buf;
	size_t len, cap;
	bool too_big; /* past CTL_BODY_MAX: the data stopped there */
};

/* Appends size * n bytes (a libcurl write callback, also used for reads); returns what
 * it took, 0 when the cap is passed or memory runs out. */
size_t body_append(char *p, size_t size, size_t n, void *ud);

/* GET url (http or https only, at most 5 redirects, timeout_s for the whole transfer) into
 * b; on success *ret_eff is the URL after redirects and *ret_ctype the Content-Type (or
 * NULL). Returns 0, or -errno with *ret_err saying why. */
int body_fetch(const char *url, long timeout_s, struct body *b, char **ret_eff,
	       char **ret_ctype, char **ret_err);

#endif
