/* url.h — links as feeds write them into absolute, canonical http(s) URLs, through curl's
 * URL API (CURLU). Pure: no network, no logging. */
#ifndef CLAIMD_URL_H
#define CLAIMD_URL_H
#include <stdbool.h>

/* Resolves ref (trimmed) against base (may be NULL). An absolute http(s) ref is returned as
 * written (trimmed); a relative one is resolved. Returns 0 and *ret (new string), -EINVAL
 * when the result is not an http or https URL, -ENOMEM. */
int url_resolve(const char *base, const char *ref, char **ret);

/* The canonical form of an absolute http(s) URL: scheme and host lowercased, fragment
 * dropped, tracking parameters (utm_*, fbclid, gclid, mc_cid, mc_eid, ...) removed.
 * Returns 0 and *ret (new string), -EINVAL, -ENOMEM. */
int url_canonical(const char *url, char **ret);

/* True when s starts with "http://" or "https://" (case-insensitive). */
bool url_is_http(const char *s);

#endif
