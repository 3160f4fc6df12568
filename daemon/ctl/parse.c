/* ctl/parse.c — `claimctl parse [--model] [--source NAME] FILE|URL...`: read feeds from
 * files or fetch them (one blocking libcurl transfer each: http/https only, 16 MiB cap,
 * 5 redirects) and print what claimd would publish: one claimd.article/1 body per line
 * (without the envelope), or with --model the conformance model as one JSON object per
 * input. Parse warnings go to stderr. Exit 0, 1 when an input is unreadable or not a
 * feed ("claimctl: FILE: reason"), 2 on usage errors.
 * Runs the very modules the daemon runs (feed, html, date, url, article, boiler); prints
 * JSON byte for byte as json_dumpf(JSON_COMPACT) would, one buffered write per line. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include <jansson.h>

#include "claimd/article.h"
#include "claimd/ctl.h"
#include "claimd/feed.h"
#include "claimd/url.h"

#include "body.h"

#define PARSE_MAX_FILE (64u << 20)

static int read_file(const char *path, struct body *b, char **ret_err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		*ret_err = strdup(strerror(errno));
		return -errno;
	}
	char chunk[65536];
	size_t n;
	int r = 0;
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < CTL_BODY_MAX && !b->buf) {
		/* a regular file: one buffer of its size (and the NUL), not a doubling series */
		b->cap = (size_t)st.st_size + 1;
		if (!(b->buf = malloc(b->cap)))
			b->cap = 0;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > PARSE_MAX_FILE) {
			*ret_err = strdup("file larger than 64 MiB");
			r = -EFBIG;
			break;
		}
		if (body_append(chunk, 1, n, b) != n) {
			*ret_err = strdup(b->too_big ? "file too large" : strerror(ENOMEM));
			r = -ENOMEM;
			break;
		}
	}
	if (!r && ferror(f)) {
		*ret_err = strdup(strerror(errno ? errno : EIO));
		r = -EIO;
	}
	if (f != stdin)
		fclose(f);
	return r;
}

/* "text/xml; charset=ISO-8859-1" → "ISO-8859-1" in buf, or NULL. */
static const char *charset_of(const char *ct, char *buf, size_t size)
{
	const char *p = ct ? strcasestr(ct, "charset=") : NULL;
	if (!p)
		return NULL;
	p += 8;
	if (*p == '"')
		p++;
	size_t n = 0;
	while (p[n] && p[n] != '"' && p[n] != ';' && !isspace((unsigned char)p[n]) && n + 1 < size)
		n++;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return n ? buf : NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- output ----
 * The bytes json_dumpf(JSON_COMPACT) writes (insertion order, "," and ":" without spaces,
 * only '"', '\\' and C0 controls escaped, \uXXXX in upper case), without a callback per
 * token: one buffer per line, written with one fwrite. */

struct jw {
	char *b;
	size_t len, cap;
	bool oom;
};

static void jw_add(struct jw *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 65536;
		while (cap < w->len + n)
			cap *= 2;
		char *nb = realloc(w->b, cap);
		if (!nb) {
			w->oom = true;
			return;
		}
		w->b = nb;
		w->cap = cap;
	}
	memcpy(w->b + w->len, s, n);
	w->len += n;
}

/* 1: the byte needs an escape. */
static const unsigned char jw_esc[256] = {
	[0 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1,
};

static void jw_str(struct jw *w, const char *s, size_t n)
{
	jw_add(w, "\"", 1);
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j + 8 <= n) {
			uint64_t x, lo = 0x0101010101010101ull, hi = 0x8080808080808080ull;
			memcpy(&x, s + j, 8);
			uint64_t q = x ^ (lo * '"'), bs = x ^ (lo * '\\');
			/* a byte < 0x20, a '"' or a '\\' somewhere in these eight */
			if (((x - lo * 0x20) & ~x & hi) | ((q - lo) & ~q & hi) | ((bs - lo) & ~bs & hi))
				break;
			j += 8;
		}
		while (j < n && !jw_esc[(unsigned char)s[j]])
			j++;
		jw_add(w, s + i, j - i);
		if (j >= n)
			break;
		unsigned char c = (unsigned char)s[j];
		char e[8];
		const char *t = e;
		size_t k = 2;
		switch (c) {
		case '\\': t = "\\\\"; break;
		case '"': t = "\\\""; break;
		case '\b': t = "\\b"; break;
		case '\f': t = "\\f"; break;
		case '\n': t = "\\n"; break;
		case '\r': t = "\\r"; break;
		case '\t': t = "\\t"; break;
		default:
			k = (size_t)snprintf(e, sizeof(e), "\\u%04X", c);
			break;
		}
		jw_add(w, t, k);
		i = j + 1;
	}
	jw_add(w, "\"", 1);
}

static int jw_value(struct jw *w, json_t *v, int depth)
{
	char num[32];
	if (depth > 64)
		return -ELOOP;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		jw_add(w, "{", 1);
		bool first = true;
		for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
			if (!first)
				jw_add(w, ",", 1);
			first = false;
			jw_str(w, json_object_iter_key(it), json_object_iter_key_len(it));
			jw_add(w, ":", 1);
			if (jw_value(w, json_object_iter_value(it), depth + 1) < 0)
				return -ELOOP;
		}
		jw_add(w, "}", 1);
		return 0;
	}
	case JSON_ARRAY:
		jw_add(w, "[", 1);
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				jw_add(w, ",", 1);
			if (jw_value(w, json_array_get(v, i), depth + 1) < 0)
				return -ELOOP;
		}
		jw_add(w, "]", 1);
		return 0;
	case JSON_STRING:
		jw_str(w, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		jw_add(w, num, (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
						 json_integer_value(v)));
		return 0;
	case JSON_TRUE:
		jw_add(w, "true", 4);
		return 0;
	case JSON_FALSE:
		jw_add(w, "false", 5);
		return 0;
	case JSON_NULL:
		jw_add(w, "null", 4);
		return 0;
	default: {
		/* reals: jansson's own formatting */
		char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!d)
			return -ENOMEM;
		jw_add(w, d, strlen(d));
		free(d);
		return 0;
	}
	}
}

static struct jw out_line;

static void print_json(json_t *j)
{
	struct jw *w = &out_line;
	w->len = 0;
	w->oom = false;
	if (!json_is_object(j) && !json_is_array(j))
		return;
	if (jw_value(w, j, 0) < 0 || w->oom)
		return;
	jw_add(w, "\n", 1);
	if (!w->oom)
		fwrite(w->b, 1, w->len, stdout);
}

static int parse_one(const char *in, bool model, const char *source)
{
	struct body b = { 0 };
	char *err = NULL, *eff = NULL, *ctype = NULL;
	char csbuf[64];
	int status = 1, r;
	bool is_url = strstr(in, "://") != NULL;

	if (is_url) {
		if (!url_is_http(in)) {
			fprintf(stderr, "claimctl: %s: only http and https URLs are fetched\n", in);
			return 1;
		}
		r = body_fetch(in, 60L, &b, &eff, &ctype, &err);
	} else {
		r = read_file(in, &b, &err);
	}
	if (r < 0) {
		fprintf(stderr, "claimctl: %s: %s\n", in, err ? err : strerror(-r));
		goto out;
	}
	struct feed_opts fo = {
		.base_url = eff,
		.http_charset = charset_of(ctype, csbuf, sizeof(csbuf)),
		.now_ms = now_ms(),
	};
	struct feed *f = NULL;
	free(err);
	err = NULL;
	r = feed_parse(b.buf, b.len, &fo, &f, &err);
	if (r < 0) {
		fprintf(stderr, "claimctl: %s: %s\n", in,
			err ? err : r == -EBADMSG ? "not a feed" : strerror(-r));
		if (model)
			puts("{\"wellformed\": false, \"feed\": {}, \"entries\": []}");
		goto out;
	}
	for (size_t i = 0; i < f->n_warnings; i++)
		fprintf(stderr, "claimctl: %s: warning: %s\n", in, f->warnings[i]);
	if (model) {
		json_t *m = feed_model_json(f);
		if (m)
			print_json(m);
		json_decref(m);
		status = m ? 0 : 1;
	} else {
		json_t *arts = NULL, *warn = json_array();
		struct article_opts ao = {
			.source = source,
			.feed_url = eff,
			.fetched_at_ms = fo.now_ms,
			.id_rule = ID_RULE_AUTO,
		};
		r = article_from_feed(f, &ao, &arts, warn);
		size_t i;
		json_t *v;
		json_array_foreach(warn, i, v)
			fprintf(stderr, "claimctl: %s: warning: %s\n", in, json_string_value(v));
		json_decref(warn);
		if (r < 0) {
			fprintf(stderr, "claimctl: %s: %s\n", in, strerror(-r));
		} else {
			json_array_foreach(arts, i, v)
				print_json(v);
			status = 0;
		}
		json_decref(arts);
	}
	feed_free(f);
out:
	free(b.buf);
	free(err);
	free(eff);
	free(ctype);
	return status;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: claimctl parse [--model] [--source NAME] FILE|URL...\n"
		     "  --model        print the conformance feed model, one JSON object per input\n"
		     "  --source NAME  source name used for article ids (default: claimctl)\n");
}

int ctl_parse(int argc, char **argv)
{
	bool model = false;
	const char *source = "claimctl";
	int i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--model")) {
			model = true;
		} else if (!strcmp(argv[i], "--source") && i + 1 < argc) {
			source = argv[++i];
		} else if (!strncmp(argv[i], "--source=", 9)) {
			source = argv[i] + 9;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "claimctl parse: unknown option '%s'\n", argv[i]);
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
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int status = 0;
	for (; i < argc; i++)
		if (parse_one(argv[i], model, source) != 0)
			status = 1;
	fflush(stdout);
	free(out_line.b);
	out_line = (struct jw){ 0 };
	curl_global_cleanup();
	return status;
}
