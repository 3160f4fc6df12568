/* body.c — the input buffer of claimctl's commands and its one-shot HTTP(S) fetch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "body.h"

size_t body_append(char *p, size_t size, size_t n, void *ud)
{
	struct body *b = ud;
	size_t k = size * n;
	if (b->len + k > CTL_BODY_MAX) {
		b->too_big = true;
		return 0;
	}
	if (b->len + k + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < b->len + k + 1)
			cap *= 2;
		char *nb = realloc(b->buf, cap);
		if (!nb)
			return 0;
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, k);
	b->len += k;
	return k;
}

int body_fetch(const char *url, long timeout_s, struct body *b, char **ret_eff,
	       char **ret_ctype, char **ret_err)
{
	CURL *c = curl_easy_init();
	if (!c)
		return -ENOMEM;
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "claimctl/" CLAIMD_VERSION " (+claimd)");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)CTL_BODY_MAX);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_append);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	int r = 0;
	if (b->too_big) {
		*ret_err = strdup("body larger than 16 MiB");
		r = -EFBIG;
	} else if (rc != CURLE_OK) {
		*ret_err = strdup(*errbuf ? errbuf : curl_easy_strerror(rc));
		r = -EIO;
	} else if (status >= 400) {
		if (asprintf(ret_err, "HTTP status %ld", status) < 0)
			*ret_err = NULL;
		r = -EIO;
	} else {
		char *eff = NULL, *ct = NULL;
		curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		*ret_eff = strdup(eff ? eff : url);
		*ret_ctype = ct ? strdup(ct) : NULL;
	}
	curl_easy_cleanup(c);
	return r;
}
