/* page/enc.c — an article page's bytes into UTF-8, in the order of the HTML standard's
 * encoding sniffing: byte order mark, the HTTP charset, then <meta charset> or
 * <meta http-equiv=Content-Type> in the first 4 KiB. Valid UTF-8 with non-ASCII bytes beats
 * a single-byte declaration (a common CMS mistake); ISO-8859-1 and US-ASCII read as
 * windows-1252, as browsers do; bytes that do not decode read as windows-1252.
 * Takes: the raw bytes and the HTTP charset (may be NULL). Gives: UTF-8 without NUL or
 * other C0 controls but tab, LF and CR (the input itself when nothing changes).
 * Must not: log, or hand libxml2 anything but UTF-8. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "claimd/feed.h"
#include "page_int.h"

#define PRESCAN 4096

static const uint16_t w1252[32] = {
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
};

static char *put_cp(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xE0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

static bool ctl_bad(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* UTF-8 as is where valid, windows-1252 for each byte that is not; controls dropped. */
static int repair_utf8(const unsigned char *in, size_t n, char **ret, size_t *ret_len)
{
	char *out = malloc(n * 3 + 1), *o = out;
	if (!out)
		return -ENOMEM;
	size_t i = 0;
	while (i < n) {
		size_t v = feed_utf8_valid(in + i, n - i, NULL);
		for (size_t k = 0; k < v; k++)
			if (!ctl_bad(in[i + k]))
				*o++ = (char)in[i + k];
		i += v;
		if (i < n) {
			unsigned char c = in[i++];
			o = put_cp(o, c >= 0x80 && c < 0xA0 ? w1252[c - 0x80] : c);
		}
	}
	*o = '\0';
	*ret = out;
	*ret_len = (size_t)(o - out);
	return 0;
}

static bool is_utf8_name(const char *e)
{
	return !strcasecmp(e, "utf-8") || !strcasecmp(e, "utf8") || !strcasecmp(e, "unicode-1-1-utf-8");
}

static bool is_1252_name(const char *e)
{
	static const char *const names[] = { "windows-1252", "cp1252", "iso-8859-1", "iso8859-1",
		"iso_8859-1", "latin1", "l1", "us-ascii", "ascii", "x-cp1252", "iso-ir-100",
		"ansi_x3.4-1968", "cp819", "ibm819" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(e, names[i]))
			return true;
	return false;
}

static bool is_wide(const char *e)
{
	return !strncasecmp(e, "utf-16", 6) || !strncasecmp(e, "utf-32", 6) ||
	       !strncasecmp(e, "ucs-", 4) || !strncasecmp(e, "utf16", 5);
}

/* The value after "charset" (and '=') at p, into out: "utf-8", "'latin1'" ... */
static bool charset_value(const char *p, const char *end, char *out, size_t outsz)
{
	p += 7;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p >= end || *p != '=')
		return false;
	p++;
	while (p < end && (isspace((unsigned char)*p) || *p == '"' || *p == '\''))
		p++;
	size_t k = 0;
	while (p < end && k + 1 < outsz &&
	       (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.' || *p == ':'))
		out[k++] = *p++;
	out[k] = '\0';
	return k > 0;
}

/* <meta charset=X> or <meta http-equiv content="...; charset=X"> in the first bytes. */
static bool meta_charset(const char *b, size_t n, char *out, size_t outsz)
{
	if (n > PRESCAN)
		n = PRESCAN;
	const char *end = b + n;
	for (const char *p = b; p < end;) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt || lt + 5 >= end)
			return false;
		p = lt + 1;
		if (strncasecmp(p, "meta", 4) || !(isspace((unsigned char)p[4]) || p[4] == '/'))
			continue;
		const char *gt = memchr(p, '>', (size_t)(end - p));
		if (!gt)
			return false;
		for (const char *q = p; q + 7 < gt; q++)
			if (!strncasecmp(q, "charset", 7) && charset_value(q, gt, out, outsz))
				return true;
		p = gt;
	}
	return false;
}

static int conv(const char *enc, const char *in, size_t n, char **ret, size_t *ret_len)
{
	iconv_t cd = iconv_open("UTF-8", enc);
	if (cd == (iconv_t)-1)
		return -EINVAL;
	size_t cap = n * 3 + 16, left_out = cap, left_in = n;
	char *out = malloc(cap + 1), *op = out;
	char *ip = (char *)in;
	int r = 0;
	if (!out) {
		iconv_close(cd);
		return -ENOMEM;
	}
	while (left_in > 0)
		if (iconv(cd, &ip, &left_in, &op, &left_out) == (size_t)-1) {
			r = errno == E2BIG ? -E2BIG : -EILSEQ;
			break;
		}
	iconv_close(cd);
	if (r < 0) {
		free(out);
		return r;
	}
	size_t o = 0, len = (size_t)(op - out);
	for (size_t i = 0; i < len; i++)
		if (!ctl_bad((unsigned char)out[i]))
			out[o++] = out[i];
	out[o] = '\0';
	*ret = out;
	*ret_len = o;
	return 0;
}

int page_enc_utf8(const char *buf, size_t len, const char *http_charset, char **ret_buf,
		  size_t *ret_len)
{
	const unsigned char *u = (const unsigned char *)buf;
	char decl[48] = "";
	const char *enc = NULL;
	size_t skip = 0;

	if (len >= 3 && !memcmp(u, "\xEF\xBB\xBF", 3))
		enc = "UTF-8", skip = 3;
	else if (len >= 2 && !memcmp(u, "\xFE\xFF", 2))
		enc = "UTF-16BE", skip = 2;
	else if (len >= 2 && !memcmp(u, "\xFF\xFE", 2))
		enc = "UTF-16LE", skip = 2;
	else if (http_charset && *http_charset)
		enc = http_charset;
	else if (meta_charset(buf, len, decl, sizeof(decl)))
		enc = decl;
	else
		enc = "UTF-8";
	const char *in = buf + skip;
	size_t n = len - skip;
	bool ascii;
	size_t valid = feed_utf8_valid((const unsigned char *)in, n, &ascii);

	if (is_wide(enc) && skip == 0)
		enc = "UTF-8";   /* a UTF-16 label on bytes without a BOM: HTML says UTF-8 */
	if (is_wide(enc)) {
		int r = conv(enc, in, n, ret_buf, ret_len);
		if (r != -EILSEQ && r != -EINVAL && r != -E2BIG)
			return r;
		return repair_utf8((const unsigned char *)in, n, ret_buf, ret_len);
	}
	if (is_utf8_name(enc) || valid == n) {
		bool clean = skip == 0 && valid == n;
		for (size_t i = 0; clean && i < n; i++) {
			if (i + 8 <= n) {
				uint64_t x;
				memcpy(&x, u + i, 8);
				/* no byte below 0x20 in these eight: nothing to look at */
				if (!((x - 0x2020202020202020ull) & ~x & 0x8080808080808080ull)) {
					i += 7;
					continue;
				}
			}
			if (ctl_bad(u[i]))
				clean = false;
		}
		if (clean) {
			*ret_buf = (char *)buf;
			*ret_len = len;
			return 0;
		}
		return repair_utf8((const unsigned char *)in, n, ret_buf, ret_len);
	}
	if (is_1252_name(enc)) {
		char *out = malloc(n * 3 + 1), *o = out;
		if (!out)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)in[i];
			if (!ctl_bad(c))
				o = put_cp(o, c >= 0x80 && c < 0xA0 ? w1252[c - 0x80] : c);
		}
		*o = '\0';
		*ret_buf = out;
		*ret_len = (size_t)(o - out);
		return 0;
	}
	int r = conv(enc, in, n, ret_buf, ret_len);
	if (r == 0 || r == -ENOMEM)
		return r;
	return repair_utf8((const unsigned char *)in, n, ret_buf, ret_len);
}
