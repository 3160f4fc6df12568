/* feed/enc.c — a feed's bytes into UTF-8, in RFC 7303 order: byte order mark, then the
 * HTTP charset, then the XML declaration (UTF-16/32 without a BOM recognised from "<?"),
 * UTF-8 by default. Bytes that are valid UTF-8 win over a wrong single-byte declaration;
 * bytes that do not decode in the chosen encoding fall back to UTF-8, then windows-1252.
 * Each override is recorded as a feed warning. C0 controls that XML forbids are removed.
 * Takes: the raw bytes. Gives: UTF-8 bytes (the input itself when nothing changes).
 * Must not: log, or hand libxml2 anything but UTF-8. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "claimd/feed.h"
#include "feed_int.h"

static const uint16_t w1252[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

/* Length of the valid UTF-8 prefix; *ret_ascii (when not NULL) when it is all ASCII. */
size_t feed_utf8_valid(const unsigned char *s, size_t n, bool *ret_ascii)
{
	size_t i = 0;
	bool ascii = true;
	while (i < n) {
		if (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (!(w & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		ascii = false;
		size_t k;
		uint32_t min;
		if (c >= 0xC2 && c <= 0xDF) {
			k = 2;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 3;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 4;
			min = 0x10000;
		} else {
			break;
		}
		if (i + k > n)
			break;
		uint32_t v = c & (0x7F >> k);
		size_t j;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				break;
			v = (v << 6) | (s[i + j] & 0x3F);
		}
		if (j < k || v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
			break;
		i += k;
	}
	if (ret_ascii)
		*ret_ascii = ascii && i == n;
	return i;
}

static bool is_utf8_name(const char *e)
{
	return !strcasecmp(e, "utf-8") || !strcasecmp(e, "utf8") || !strcasecmp(e, "us-ascii") ||
	       !strcasecmp(e, "ascii");
}

static bool is_wide(const char *e)
{
	return !strncasecmp(e, "utf-16", 6) || !strncasecmp(e, "utf-32", 6) ||
	       !strncasecmp(e, "ucs-", 4) || !strncasecmp(e, "utf16", 5) ||
	       !strncasecmp(e, "utf32", 5);
}

/* The encoding pseudo-attribute of an ASCII-compatible XML declaration, into out. */
static bool xml_decl_encoding(const char *b, size_t n, char *out, size_t outsz)
{
	if (n < 6 || memcmp(b, "<?xml", 5))
		return false;
	const char *end = memchr(b, '>', n < 512 ? n : 512);
	if (!end)
		return false;
	const char *p = memmem(b, (size_t)(end - b), "encoding", 8);
	if (!p)
		return false;
	p += 8;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p >= end || *p++ != '=')
		return false;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p >= end || (*p != '"' && *p != '\''))
		return false;
	char q = *p++;
	size_t k = 0;
	while (p < end && *p != q && k + 1 < outsz)
		out[k++] = *p++;
	out[k] = '\0';
	return k > 0;
}

static bool is_latin1_name(const char *e)
{
	return !strcasecmp(e, "iso-8859-1") || !strcasecmp(e, "iso8859-1") ||
	       !strcasecmp(e, "iso_8859-1") || !strcasecmp(e, "latin1");
}

/* Converts with iconv; -EILSEQ on a byte that does not decode, -EINVAL unknown encoding.
 * ISO-8859-1 (every byte is the code point) is converted here, as iconv would. */
static int conv(const char *enc, const char *in, size_t n, char **ret, size_t *ret_len)
{
	if (is_latin1_name(enc)) {
		char *out = malloc(n * 2 + 1), *o = out;
		if (!out)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)in[i];
			if (c < 0x80) {
				*o++ = (char)c;
			} else {
				*o++ = (char)(0xC0 | (c >> 6));
				*o++ = (char)(0x80 | (c & 0x3F));
			}
		}
		*o = '\0';
		*ret = out;
		*ret_len = (size_t)(o - out);
		return 0;
	}
	iconv_t cd = iconv_open("UTF-8", enc);
	if (cd == (iconv_t)-1)
		return -EINVAL;
	size_t cap = n * 2 + 16, left_out = cap, left_in = n;
	char *out = malloc(cap + 1), *op = out;
	char *ip = (char *)in;
	int r = 0;
	if (!out) {
		iconv_close(cd);
		return -ENOMEM;
	}
	while (left_in > 0) {
		if (iconv(cd, &ip, &left_in, &op, &left_out) != (size_t)-1)
			break;
		if (errno == E2BIG) {
			size_t used = (size_t)(op - out);
			if (cap > ((size_t)1 << 30)) {
				r = -E2BIG;
				break;
			}
			cap *= 2;
			char *o2 = realloc(out, cap + 1);
			if (!o2) {
				r = -ENOMEM;
				break;
			}
			out = o2;
			op = out + used;
			left_out = cap - used;
			continue;
		}
		r = -EILSEQ;
		break;
	}
	iconv_close(cd);
	if (r < 0) {
		free(out);
		return r;
	}
	*op = '\0';
	*ret = out;
	*ret_len = (size_t)(op - out);
	return 0;
}

static int from_1252(const unsigned char *in, size_t n, char **ret, size_t *ret_len)
{
	char *out = malloc(n * 3 + 1), *o = out;
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = in[i] >= 0x80 && in[i] < 0xA0 ? w1252[in[i] - 0x80] : in[i];
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
	}
	*o = '\0';
	*ret = out;
	*ret_len = (size_t)(o - out);
	return 0;
}

static bool forbidden_c0(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* Removes forbidden C0 controls in place; returns the new length. */
static size_t strip_c0(char *b, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (!forbidden_c0((unsigned char)b[i]))
			b[o++] = b[i];
	b[o] = '\0';
	return o;
}

int feed_enc_utf8(const char *buf, size_t len, const char *http_charset, struct feed *f,
		  char **ret_buf, size_t *ret_len, bool *ret_guessed)
{
	const unsigned char *u = (const unsigned char *)buf;
	const char *enc = NULL, *why = NULL;
	size_t skip = 0;
	char decl[64] = "";
	bool guessed = false;

	if (len >= 3 && !memcmp(u, "\xEF\xBB\xBF", 3)) {
		enc = "UTF-8", skip = 3, why = "byte order mark";
	} else if (len >= 4 && !memcmp(u, "\xFF\xFE\0\0", 4)) {
		enc = "UTF-32LE", skip = 4, why = "byte order mark";
	} else if (len >= 4 && !memcmp(u, "\0\0\xFE\xFF", 4)) {
		enc = "UTF-32BE", skip = 4, why = "byte order mark";
	} else if (len >= 2 && !memcmp(u, "\xFE\xFF", 2)) {
		enc = "UTF-16BE", skip = 2, why = "byte order mark";
	} else if (len >= 2 && !memcmp(u, "\xFF\xFE", 2)) {
		enc = "UTF-16LE", skip = 2, why = "byte order mark";
	} else if (len >= 4 && !memcmp(u, "\0\0\0<", 4)) {
		enc = "UTF-32BE", why = "autodetection";
	} else if (len >= 4 && !memcmp(u, "<\0\0\0", 4)) {
		enc = "UTF-32LE", why = "autodetection";
	} else if (len >= 4 && u[0] == 0 && u[1] != 0 && u[2] == 0 && u[3] != 0) {
		enc = "UTF-16BE", why = "autodetection";
	} else if (len >= 4 && u[0] != 0 && u[1] == 0 && u[2] != 0 && u[3] == 0) {
		enc = "UTF-16LE", why = "autodetection";
	} else if (http_charset && *http_charset) {
		enc = http_charset, why = "HTTP charset";
	} else if (xml_decl_encoding(buf, len, decl, sizeof(decl))) {
		enc = decl, why = "XML declaration";
	} else {
		enc = "UTF-8", why = "default";
	}
	if (!xml_decl_encoding(buf + skip, len - skip, decl, sizeof(decl)))
		decl[0] = '\0';

	if (!is_utf8_name(enc) && !is_wide(enc)) {
		iconv_t cd = iconv_open("UTF-8", enc);
		if (cd == (iconv_t)-1) {
			feed_warn(f, "unknown encoding '%s' (%s)", enc, why);
			guessed = true;
			enc = "UTF-8";
			why = "fallback";
		} else {
			iconv_close(cd);
		}
	}
	const char *in = buf + skip;
	size_t n = len - skip;
	char *out = NULL;
	size_t out_len = 0;
	bool ascii;
	size_t valid = feed_utf8_valid((const unsigned char *)in, n, &ascii);
	int r;

	if (is_utf8_name(enc) || (!is_wide(enc) && ascii)) {
		if (valid == n)
			goto utf8;
		feed_warn(f, "document is not valid UTF-8 (%s says %s) at byte %zu; read as windows-1252",
			  why, enc, valid + skip);
		guessed = true;
		r = from_1252((const unsigned char *)in, n, &out, &out_len);
		if (r < 0)
			return r;
		goto done;
	}
	if (!is_wide(enc) && valid == n) {
		/* valid UTF-8 with non-ASCII bytes beats a single-byte declaration */
		feed_warn(f, "%s says %s but the document is valid UTF-8; read as UTF-8", why, enc);
		goto utf8;
	}
	r = conv(enc, in, n, &out, &out_len);
	if (r == -ENOMEM)
		return r;
	if (r == 0)
		goto done;
	guessed = true;
	if (r == -EINVAL)
		feed_warn(f, "unknown encoding '%s' (%s)", enc, why);
	else
		feed_warn(f, "document does not decode as %s (%s)", enc, why);
	if (valid == n) {
		feed_warn(f, "read as UTF-8 instead");
		goto utf8;
	}
	feed_warn(f, "read as windows-1252 instead");
	r = from_1252((const unsigned char *)in, n, &out, &out_len);
	if (r < 0)
		return r;
	goto done;

utf8:
	/* Copy only when something must change: a BOM or forbidden controls. */
	if (skip == 0) {
		bool bad = false;
		for (size_t i = 0; i < n; i++) {
			if (i + 8 <= n) {
				uint64_t w;
				memcpy(&w, in + i, 8);
				/* no byte < 0x20: nothing to look at here */
				if (!((w - 0x2020202020202020ull) & ~w & 0x8080808080808080ull)) {
					i += 7;
					continue;
				}
			}
			if (forbidden_c0((unsigned char)in[i])) {
				bad = true;
				break;
			}
		}
		if (!bad) {
			*ret_buf = (char *)buf;
			*ret_len = len;
			*ret_guessed = guessed;
			return 0;
		}
	}
	out = malloc(n + 1);
	if (!out)
		return -ENOMEM;
	memcpy(out, in, n);
	out_len = n;
done:;
	size_t before = out_len;
	out_len = strip_c0(out, out_len);
	if (out_len != before)
		feed_warn(f, "removed %zu control characters that XML forbids", before - out_len);
	*ret_buf = out;
	*ret_len = out_len;
	*ret_guessed = guessed;
	return 0;
}
