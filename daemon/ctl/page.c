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

#include "body.h"


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
		if (body_append(chunk, 1, n, b) != n) {
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
		r = body_fetch(in, 30L, &b, &eff, &ctype, &err);
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
