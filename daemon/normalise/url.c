/* url.c — resolve and canonicalise links with curl's URL API (CURLU).
 * Takes: a base (the feed's URL or an xml:base) and a link as written.
 * Gives: absolute http/https URLs; canonical ones without fragment or tracking parameters
 *        (plain URLs, the most, without curl's parser but to the same bytes).
 * Must not: touch the network, log, or accept any scheme but http and https. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>

#include "claimd/url.h"

#define URL_MAX_LEN 8192

bool url_is_http(const char *s)
{
	return s && (!strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8));
}

static char *trimdup(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static int from_curl(CURLUcode rc)
{
	return rc == CURLUE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
}

int url_resolve(const char *base, const char *ref, char **ret)
{
	if (!ref)
		return -EINVAL;
	char *r = trimdup(ref);
	if (!r)
		return -ENOMEM;
	if (!*r || strlen(r) > URL_MAX_LEN) {
		free(r);
		return -EINVAL;
	}
	if (url_is_http(r)) {
		*ret = r;
		return 0;
	}
	/* Any other scheme is refused; "//host/x" and paths are resolved. */
	const char *p = r;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (*p == ':' && p > r) {
		free(r);
		return -EINVAL;
	}
	if (!base || !url_is_http(base)) {
		free(r);
		return -EINVAL;
	}
	CURLU *h = curl_url();
	char *out = NULL;
	int res = -ENOMEM;
	if (!h)
		goto out;
	CURLUcode rc = curl_url_set(h, CURLUPART_URL, base, CURLU_URLENCODE);
	if (rc == CURLUE_OK)
		rc = curl_url_set(h, CURLUPART_URL, r, CURLU_URLENCODE);
	if (rc == CURLUE_OK)
		rc = curl_url_get(h, CURLUPART_URL, &out, 0);
	if (rc != CURLUE_OK) {
		res = from_curl(rc);
		goto out;
	}
	if (!url_is_http(out)) {
		res = -EINVAL;
		goto out;
	}
	*ret = strdup(out);
	res = *ret ? 0 : -ENOMEM;
out:
	curl_free(out);
	curl_url_cleanup(h);
	free(r);
	return res;
}

static bool is_tracking(const char *kv, size_t n)
{
	static const char *const names[] = { "fbclid", "gclid", "dclid", "gbraid", "wbraid",
					     "msclkid", "mc_cid", "mc_eid", "yclid", "igshid",
					     "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
					     "oly_enc_id", "vero_id", "__s", "_ga", "twclid",
					     "ttclid", "li_fat_id", "ncid", "cmpid", "s_cid" };
	size_t k = 0;
	while (k < n && kv[k] != '=')
		k++;
	if (k >= 4 && !strncasecmp(kv, "utm_", 4))
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == k && !strncasecmp(kv, names[i], k))
			return true;
	return false;
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Printable ASCII that curl keeps as written in a path or query. */
static bool is_plain(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || (c && strchr("-._~/,+=:@!$*();", c));
}

/* The canonical form of the plain URLs most links are (lowercase scheme and host name,
 * a path without dot segments or escapes, a plain query), built without curl's parser:
 * the bytes curl would give. NULL when curl must judge (or out of memory: curl retries). */
static char *canonical_plain(const char *url)
{
	size_t sl = !strncmp(url, "https://", 8) ? 8 : !strncmp(url, "http://", 7) ? 7 : 0;
	if (!sl)
		return NULL;
	const char *h = url + sl, *p = h;
	while (is_lower_alnum(*p) || *p == '-' || *p == '.')
		p++;
	/* a host name whose last label starts with a letter (not an IPv4 address) */
	if (p == h || *p != '/' || h[0] == '.' || h[0] == '-' || p[-1] == '.' || p[-1] == '-')
		return NULL;
	const char *label = p;
	while (label > h && label[-1] != '.')
		label--;
	if (!(*label >= 'a' && *label <= 'z'))
		return NULL;
	const char *path = p;
	while (*p && *p != '?' && *p != '#') {
		if (!is_plain(*p))
			return NULL;
		p++;
	}
	if (memmem(path, (size_t)(p - path), "/.", 2) || memmem(path, (size_t)(p - path), "//", 2))
		return NULL;
	const char *q = NULL, *qend = p;
	if (*p == '?') {
		q = ++p;
		while (*p && *p != '#') {
			if (!is_plain(*p) && *p != '&' && *p != '?')
				return NULL;
			p++;
		}
		qend = p;
		if (qend == q)
			return NULL;
	}
	if (*p == '#')
		for (p++; *p; p++)
			if (*p < 0x21 || *p > 0x7E)
				return NULL;
	size_t base = (size_t)((q ? q - 1 : qend) - url);
	char *out = malloc(base + (size_t)(qend - (q ? q : qend)) + 2);
	if (!out)
		return NULL;
	memcpy(out, url, base);
	size_t o = base;
	bool first = true;
	for (const char *k = q; k && k < qend;) {
		size_t n = 0;
		while (k + n < qend && k[n] != '&')
			n++;
		if (n > 0 && !is_tracking(k, n)) {
			out[o++] = first ? '?' : '&';
			memcpy(out + o, k, n);
			o += n;
			first = false;
		}
		k += n;
		if (k < qend)
			k++;
	}
	out[o] = '\0';
	return out;
}

int url_canonical(const char *url, char **ret)
{
	if (!url || !url_is_http(url) || strlen(url) > URL_MAX_LEN)
		return -EINVAL;
	char *plain = canonical_plain(url);
	if (plain) {
		*ret = plain;
		return 0;
	}
	CURLU *h = curl_url();
	char *q = NULL, *out = NULL, *nq = NULL;
	int res = -ENOMEM;
	if (!h)
		return -ENOMEM;
	CURLUcode rc = curl_url_set(h, CURLUPART_URL, url, CURLU_URLENCODE);
	if (rc == CURLUE_OK)
		rc = curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
	if (rc != CURLUE_OK) {
		res = from_curl(rc);
		goto out;
	}
	char *host = NULL;
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK && host) {
		for (char *p = host; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		rc = curl_url_set(h, CURLUPART_HOST, host, 0);
		curl_free(host);
		if (rc != CURLUE_OK) {
			res = from_curl(rc);
			goto out;
		}
	}
	rc = curl_url_get(h, CURLUPART_QUERY, &q, 0);
	if (rc == CURLUE_OK && q) {
		size_t len = strlen(q), o = 0;
		nq = malloc(len + 1);
		if (!nq)
			goto out;
		for (const char *p = q; *p;) {
			size_t n = strcspn(p, "&");
			if (n > 0 && !is_tracking(p, n)) {
				if (o)
					nq[o++] = '&';
				memcpy(nq + o, p, n);
				o += n;
			}
			p += n;
			if (*p == '&')
				p++;
		}
		nq[o] = '\0';
		rc = curl_url_set(h, CURLUPART_QUERY, o ? nq : NULL, 0);
		if (rc != CURLUE_OK) {
			res = from_curl(rc);
			goto out;
		}
	}
	rc = curl_url_get(h, CURLUPART_URL, &out, 0);
	if (rc != CURLUE_OK) {
		res = from_curl(rc);
		goto out;
	}
	if (!url_is_http(out)) {
		res = -EINVAL;
		goto out;
	}
	*ret = strdup(out);
	res = *ret ? 0 : -ENOMEM;
out:
	free(nq);
	curl_free(q);
	curl_free(out);
	curl_url_cleanup(h);
	return res;
}
