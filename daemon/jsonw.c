/* jsonw.c — compact JSON writer for jansson values (the journal's and the wire's bytes).
 *
 * Takes: a json_t (objects in insertion order, as jansson iterates them).
 * Gives: the text json_dumps gives with JSON_COMPACT | JSON_REAL_PRECISION(6): no spaces,
 *        '"', '\\' and control characters escaped (\b \f \n \r \t, else \u00XX), UTF-8
 *        left as it is, reals as %.6g with ".0" added when they would read as integers.
 * Must not: allocate per value (one buffer, doubled when full), log. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimd/jsonw.h"

#define JW_MAX_DEPTH 2048

struct buf {
	char *p;
	size_t n, cap;
	bool oom;
};

static bool grow(struct buf *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->n + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->n + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void put(struct buf *b, const char *s, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void putc1(struct buf *b, char c)
{
	if (!grow(b, 1))
		return;
	b->p[b->n++] = c;
}

/* 1 for the bytes that need an escape. */
static const unsigned char needs_escape[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* '\\' */
};

static void put_string(struct buf *b, const char *s, size_t n)
{
	/* worst case: every byte as \u00XX */
	if (!grow(b, n + 2))
		return;
	b->p[b->n++] = '"';
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && !needs_escape[(unsigned char)s[j]])
			j++;
		put(b, s + i, j - i);
		if (j == n)
			break;
		unsigned char c = (unsigned char)s[j];
		char esc[8];
		size_t k = 2;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			k = (size_t)snprintf(esc, sizeof(esc), "\\u%04X", c);
			break;
		}
		put(b, esc, k);
		i = j + 1;
	}
	putc1(b, '"');
}

/* As jansson's jsonp_dtostr: %.6g, a ".0" when it reads as an integer, and no '+' or
 * leading zeros in the exponent. */
static void put_real(struct buf *b, double v)
{
	char s[64];
	int n = snprintf(s, sizeof(s), "%.6g", v);
	if (n < 0 || (size_t)n >= sizeof(s) - 3)
		return;
	if (!strchr(s, '.') && !strchr(s, 'e') && !strchr(s, 'n') && !strchr(s, 'i')) {
		s[n++] = '.';
		s[n++] = '0';
		s[n] = '\0';
	}
	char *e = strchr(s, 'e');
	if (e) {
		char *q = e + 1;
		char *w = q;
		if (*q == '-')
			w = ++q;
		else if (*q == '+')
			q++;
		while (*q == '0' && q[1])
			q++;
		memmove(w, q, strlen(q) + 1);
		n = (int)strlen(s);
	}
	put(b, s, (size_t)n);
}

static void dump(struct buf *b, const json_t *v, int depth)
{
	if (b->oom)
		return;
	if (depth > JW_MAX_DEPTH) {
		b->oom = true;
		return;
	}
	char num[32];
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		putc1(b, '{');
		const char *key;
		json_t *val;
		bool first = true;
		void *it = json_object_iter((json_t *)v);
		while (it) {
			key = json_object_iter_key(it);
			val = json_object_iter_value(it);
			if (!first)
				putc1(b, ',');
			first = false;
			put_string(b, key, json_object_iter_key_len(it));
			putc1(b, ':');
			dump(b, val, depth + 1);
			it = json_object_iter_next((json_t *)v, it);
		}
		putc1(b, '}');
		break;
	}
	case JSON_ARRAY: {
		putc1(b, '[');
		size_t n = json_array_size(v);
		for (size_t i = 0; i < n; i++) {
			if (i)
				putc1(b, ',');
			dump(b, json_array_get(v, i), depth + 1);
		}
		putc1(b, ']');
		break;
	}
	case JSON_STRING:
		put_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER: {
		int k = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		put(b, num, (size_t)k);
		break;
	}
	case JSON_REAL:
		put_real(b, json_real_value(v));
		break;
	case JSON_TRUE:
		put(b, "true", 4);
		break;
	case JSON_FALSE:
		put(b, "false", 5);
		break;
	case JSON_NULL:
		put(b, "null", 4);
		break;
	}
}

char *jw_dump(const json_t *v, size_t *ret_len)
{
	if (!v)
		return NULL;
	struct buf b = { 0 };
	dump(&b, v, 0);
	if (b.oom || !grow(&b, 0)) {
		free(b.p);
		return NULL;
	}
	b.p[b.n] = '\0';
	if (ret_len)
		*ret_len = b.n;
	return b.p;
}
