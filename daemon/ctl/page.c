/* ctl/page.c — `claimctl page [--text] [--url URL] [--charset NAME] FILE|URL|-...`: the
 * article page stage (daemon/page/) on pages read from files, stdin, or fetched (one
 * blocking libcurl transfer each: http/https only, 16 MiB cap, 5 redirects, 30 s).
 * Gives: page_json() as one JSON line per input, or with --text (one input) the body only.
 * Exit 0; 1 when an input cannot be read or (with --text) has no body, the reason on
 * stderr; 2 on usage.
 * Must not: touch any state. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <jansson.h>

#include "claimd/ctl.h"
#include "claimd/page.h"
#include "claimd/url.h"

#define PAGE_CTL_MAX_BODY (16u << 20)

struct body {
	char *buf;
	size_t len, cap;
	bool too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct body *b = ud;
	size_t k = size * n;
	if (b->len + k > PAGE_CTL_MAX_BODY) {
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

static int read_input(const char *path, struct body *b, char **ret_err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		*ret_err = strdup(strerror(errno));
		return -errno;
	}
	char chunk[65536];
	size_t n;
	int r = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (on_data(chunk, 1, n, b) != n) {
			*ret_err = strdup(b->too_big ? "larger than 16 MiB" : strerror(ENOMEM));
			r = -EFBIG;
			break;
		}
	if (!r && ferror(f)) {
		*ret_err = strdup(strerror(EIO));
		r = -EIO;
	}
	if (f != stdin)
		fclose(f);
	return r;
}

static int fetch(const char *url, struct body *b, char **ret_eff, char **ret_ctype, char **ret_err)
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
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)PAGE_CTL_MAX_BODY);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
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

/* "text/html; charset=ISO-8859-1" → media type "text/html" and charset "ISO-8859-1". */
static void split_ctype(const char *ct, char *mt, size_t mtsz, char *cs, size_t cssz)
{
	*mt = *cs = '\0';
	if (!ct)
		return;
	size_t n = 0;
	while (ct[n] && ct[n] != ';' && !isspace((unsigned char)ct[n]) && n + 1 < mtsz)
		n++;
	memcpy(mt, ct, n);
	mt[n] = '\0';
	const char *p = strcasestr(ct, "charset=");
	if (!p)
		return;
	p += 8;
	if (*p == '"')
		p++;
	n = 0;
	while (p[n] && p[n] != '"' && p[n] != ';' && !isspace((unsigned char)p[n]) && n + 1 < cssz)
		n++;
	memcpy(cs, p, n);
	cs[n] = '\0';
}

/* One input: read or fetch it, extract, print. Returns 0, or 1 when the input cannot be
 * read or (with text) has no body. */
static int page_one(const char *in, bool text, const char *base, const char *charset)
{
	struct body b = { 0 };
	char *err = NULL, *eff = NULL, *ctype = NULL;
	char mt[128], cs[64];
	int r, status = 0;
	if (url_is_http(in))
		r = fetch(in, &b, &eff, &ctype, &err);
	else
		r = read_input(in, &b, &err);
	split_ctype(ctype, mt, sizeof(mt), cs, sizeof(cs));
	if (r < 0) {
		fprintf(stderr, "claimctl: %s: %s\n", in, err ? err : strerror(-r));
		status = 1;
		goto out;
	}
	struct page_opts o = {
		.url = base ? base : eff,
		.http_charset = charset ? charset : *cs ? cs : NULL,
		.content_type = *mt ? mt : NULL,
	};
	struct page *p = NULL;
	r = page_extract(b.buf, b.len, &o, &p);
	if (r < 0) {
		fprintf(stderr, "claimctl: %s: %s\n", in, strerror(-r));
		status = 1;
		goto out;
	}
	if (text) {
		if (p->text) {
			fwrite(p->text, 1, p->text_len, stdout);
			fputc('\n', stdout);
		} else {
			fprintf(stderr, "claimctl: %s: no body (%s)\n", in, p->reason);
			status = 1;
		}
	} else {
		json_t *j = page_json(p);
		if (!j || json_dumpf(j, stdout, JSON_COMPACT) < 0) {
			fprintf(stderr, "claimctl: %s: %s\n", in, strerror(ENOMEM));
			status = 1;
		} else {
			fputc('\n', stdout);
		}
		json_decref(j);
	}
	page_free(p);
out:
	free(b.buf);
	free(err);
	free(eff);
	free(ctype);
	return status;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: claimctl page [--text] [--url URL] [--charset NAME] FILE|URL|-...\n"
		     "  Extracts an article page's body and metadata; prints them as one JSON object\n"
		     "  a line, one line per input.\n"
		     "  --text          print the body only (paragraphs separated by a blank line);\n"
		     "                  one input\n"
		     "  --url URL       the page's URL, for a FILE or stdin (resolves relative links)\n"
		     "  --charset NAME  the charset the HTTP Content-Type would give\n");
}

int ctl_page(int argc, char **argv)
{
	bool text = false;
	const char *base = NULL, *charset = NULL;
	int i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--text")) {
			text = true;
		} else if (!strcmp(argv[i], "--url") && i + 1 < argc) {
			base = argv[++i];
		} else if (!strcmp(argv[i], "--charset") && i + 1 < argc) {
			charset = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "claimctl page: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else {
			break;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (text && i + 1 != argc) {
		fprintf(stderr, "claimctl page: --text takes one input\n");
		usage(stderr);
		return 2;
	}
	if (base && i + 1 != argc) {
		fprintf(stderr, "claimctl page: --url takes one input\n");
		usage(stderr);
		return 2;
	}
	int status = 0;
	bool curl = false;
	for (; i < argc; i++) {
		if (url_is_http(argv[i]) && !curl) {
			curl_global_init(CURL_GLOBAL_DEFAULT);
			curl = true;
		}
		if (page_one(argv[i], text, base, charset) != 0)
			status = 1;
	}
	if (curl)
		curl_global_cleanup();
	if (fflush(stdout) != 0)
		status = 1;
	return status;
}
