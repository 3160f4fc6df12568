/* date.c — the dates feeds carry, into Unix seconds (UTC).
 * Takes: one NUL-terminated string (trimmed here). Understands RFC 822 / 1123 / 2822 and
 * their common variants (two-digit years, missing seconds, full month names, named zones,
 * no zone = UTC, asctime order, "Etc/GMT", "GMT-01:01", Perforce's "2006/09/15"),
 * RFC 3339 / W3CDTF and partial ISO 8601 forms (YYYY, YYYY-MM, -YYMM, YYMMDD, YYDDD, ...),
 * Unix epochs (9+ digits; 13 digits are milliseconds), and Greek, Hungarian and Korean
 * forms seen in the wild.
 * Gives: seconds since the epoch, or -EINVAL. Formats seconds as "YYYY-MM-DDTHH:MM:SSZ".
 * Must not: read the clock, depend on the locale, log, or guess. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimd/date.h"

#define DATE_MAX_LEN 200
#define MIN_T (date_days_from_civil(0, 1, 1) * 86400)
#define MAX_T (date_days_from_civil(10000, 1, 1) * 86400)

int64_t date_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's days_from_civil. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12)
		return 0;
	return dim[m - 1] + (m == 2 && leap(y));
}

int date_format(int64_t t, char buf[DATE_ISO_LEN])
{
	if (t < MIN_T || t >= MAX_T)
		return -ERANGE;
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	/* civil_from_days */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(buf, DATE_ISO_LEN, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)(y % 10000),
		 (unsigned)(m % 100), (unsigned)(d % 100), (unsigned)(secs / 3600 % 100),
		 (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
	return 0;
}

struct dt {
	int64_t y;
	unsigned mo, d, h, mi, s;
	int off_min;   /* east of UTC */
};

static int dt_to_t(const struct dt *x, int64_t *ret_t)
{
	if (x->mo < 1 || x->mo > 12 || x->d < 1 || x->d > days_in_month(x->y, x->mo) ||
	    x->h > 23 || x->mi > 59 || x->s > 60 || x->y < 0 || x->y > 9999)
		return -EINVAL;
	unsigned s = x->s == 60 ? 59 : x->s;
	int64_t t = date_days_from_civil(x->y, x->mo, x->d) * 86400 + x->h * 3600 + x->mi * 60 +
		    s - (int64_t)x->off_min * 60;
	if (t < MIN_T || t >= MAX_T)
		return -EINVAL;
	*ret_t = t;
	return 0;
}

static int64_t two_digit_year(int64_t yy)
{
	return yy < 50 ? 2000 + yy : 1900 + yy;
}

/* Reads exactly between min and max digits; returns the count or 0. */
static int digits(const char **p, int min, int max, unsigned *ret)
{
	unsigned v = 0;
	int n = 0;
	while (n < max && isdigit((unsigned char)(*p)[n])) {
		v = v * 10 + (unsigned)((*p)[n] - '0');
		n++;
	}
	if (n < min || isdigit((unsigned char)(*p)[n]))
		return 0;
	*p += n;
	*ret = v;
	return n;
}

static int count_digits(const char *p)
{
	int n = 0;
	while (isdigit((unsigned char)p[n]))
		n++;
	return n;
}

/* "Z", "+hh:mm", "+hhmm", "+hh"; returns 0 and advances, or -EINVAL. */
static int iso_zone(const char **pp, int *ret_off)
{
	const char *p = *pp;
	if (*p == 'Z' || *p == 'z') {
		*ret_off = 0;
		*pp = p + 1;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -EINVAL;
	int sign = *p == '-' ? -1 : 1;
	p++;
	unsigned hh, mm = 0;
	if (!digits(&p, 2, 2, &hh)) {
		if (!digits(&p, 4, 4, &hh))
			return -EINVAL;
		mm = hh % 100;
		hh /= 100;
	} else if (*p == ':') {
		p++;
		if (!digits(&p, 2, 2, &mm))
			return -EINVAL;
	} else if (isdigit((unsigned char)*p)) {
		return -EINVAL;
	}
	if (hh > 23 || mm > 59)
		return -EINVAL;
	*ret_off = sign * (int)(hh * 60 + mm);
	*pp = p;
	return 0;
}

static int iso_parse(const char *p, int64_t *ret_t)
{
	struct dt x = { .mo = 1, .d = 1 };
	unsigned v = 0, w;
	int n = count_digits(p);

	if (*p == '-') {
		/* -YYMM, -YY-MM */
		p++;
		if (count_digits(p) == 4) {
			digits(&p, 4, 4, &v);
			x.y = two_digit_year(v / 100);
			x.mo = v % 100;
		} else if (digits(&p, 2, 2, &v) && *p == '-') {
			p++;
			x.y = two_digit_year(v);
			if (!digits(&p, 2, 2, &x.mo))
				return -EINVAL;
		} else {
			return -EINVAL;
		}
		return *p ? -EINVAL : dt_to_t(&x, ret_t);
	}
	if (n == 4) {
		digits(&p, 4, 4, &v);
		x.y = v;
		if (*p == '-' && isdigit((unsigned char)p[1])) {
			p++;
			if (!digits(&p, 1, 3, &x.mo))
				return -EINVAL;
			if (*p == '-' && isdigit((unsigned char)p[1])) {
				p++;
				if (!digits(&p, 1, 2, &x.d))
					return -EINVAL;
			}
		}
	} else if (n == 8) {
		digits(&p, 8, 8, &v);
		x.y = v / 10000;
		x.mo = v / 100 % 100;
		x.d = v % 100;
	} else if (n == 6) {
		digits(&p, 6, 6, &v);
		x.y = two_digit_year(v / 10000);
		x.mo = v / 100 % 100;
		x.d = v % 100;
	} else if (n == 5) {
		/* YYDDD, an ordinal date */
		digits(&p, 5, 5, &v);
		x.y = two_digit_year(v / 1000);
		w = v % 1000;
		if (w < 1 || w > (leap(x.y) ? 366u : 365u))
			return -EINVAL;
		while (w > days_in_month(x.y, x.mo)) {
			w -= days_in_month(x.y, x.mo);
			x.mo++;
		}
		x.d = w;
	} else if (n == 2 && p[2] == '-') {
		/* YY-MM-DD */
		digits(&p, 2, 2, &v);
		x.y = two_digit_year(v);
		p++;
		if (!digits(&p, 2, 2, &x.mo) || *p++ != '-' || !digits(&p, 2, 2, &x.d))
			return -EINVAL;
	} else {
		return -EINVAL;
	}

	if ((*p == 'T' || *p == 't' || *p == ' ') && isdigit((unsigned char)p[1])) {
		p++;
		if (!digits(&p, 1, 2, &x.h) || *p++ != ':' || !digits(&p, 2, 2, &x.mi))
			return -EINVAL;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, 2, &x.s))
				return -EINVAL;
			if ((*p == '.' || *p == ',') && isdigit((unsigned char)p[1])) {
				p++;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		while (*p == ' ')
			p++;
		if (*p && iso_zone(&p, &x.off_min) < 0)
			return -EINVAL;
	}
	while (*p == ' ')
		p++;
	if (*p)
		return -EINVAL;
	return dt_to_t(&x, ret_t);
}

static const struct {
	const char *name;
	int off_min;
} zones[] = {
	{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 }, { "etc/gmt", 0 }, { "etc/utc", 0 },
	{ "wet", 0 }, { "west", 60 }, { "bst", 60 }, { "cet", 60 }, { "cest", 120 },
	{ "met", 60 }, { "mest", 120 }, { "eet", 120 }, { "eest", 180 }, { "msk", 180 },
	{ "ist", 330 }, { "sgt", 480 }, { "hkt", 480 }, { "awst", 480 }, { "jst", 540 },
	{ "kst", 540 }, { "acst", 570 }, { "aest", 600 }, { "aedt", 660 }, { "nzst", 720 },
	{ "nzdt", 780 }, { "ast", -240 }, { "adt", -180 }, { "at", -240 }, { "est", -300 },
	{ "edt", -240 }, { "et", -300 }, { "cst", -360 }, { "cdt", -300 }, { "ct", -360 },
	{ "mst", -420 }, { "mdt", -360 }, { "mt", -420 }, { "pst", -480 }, { "pdt", -420 },
	{ "pt", -480 }, { "akst", -540 }, { "akdt", -480 }, { "hst", -600 }, { "nst", -210 },
	{ "ndt", -150 },
};

static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun",
				      "jul", "aug", "sep", "oct", "nov", "dec" };
static const char *const months_full[] = { "january", "february", "march", "april",
					   "may", "june", "july", "august",
					   "september", "october", "november", "december" };
static const char *const days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun",
				    "monday", "tuesday", "wednesday", "thursday", "friday",
				    "saturday", "sunday", "tues", "thur", "thurs" };

/* Word → 1: month (*ret), 2: weekday, 3: zone (*ret minutes), 4: am, 5: pm, 0 unknown. */
static int classify_word(const char *w, int *ret)
{
	for (size_t i = 0; i < 12; i++)
		if (!strcmp(w, months[i]) || !strcmp(w, months_full[i]) ||
		    (i == 8 && !strcmp(w, "sept"))) {
			*ret = (int)i + 1;
			return 1;
		}
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		if (!strcmp(w, days[i]))
			return 2;
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (!strcmp(w, zones[i].name)) {
			*ret = zones[i].off_min;
			return 3;
		}
	if (!strcmp(w, "am"))
		return 4;
	if (!strcmp(w, "pm"))
		return 5;
	return 0;
}

/* RFC 822 family, asctime and Perforce: a token soup with fixed roles. */
static int rfc_parse(const char *p, int64_t *ret_t)
{
	struct dt x = { 0 };
	bool have_mo = false, have_time = false, have_zone = false, have_ymd = false;
	int ampm = 0;
	unsigned nums[3] = { 0 };
	int numlen[3] = { 0 };
	int nn = 0;

	while (*p) {
		unsigned char c = (unsigned char)*p;
		if (c == ' ' || c == ',' || c == '\t') {
			p++;
			continue;
		}
		if (isalpha(c)) {
			char w[16];
			size_t n = 0;
			while (isalpha((unsigned char)*p) || *p == '/' || *p == '.') {
				if (n + 1 >= sizeof(w))
					return -EINVAL;
				if (*p != '.')
					w[n++] = (char)tolower((unsigned char)*p);
				p++;
			}
			w[n] = '\0';
			int v = 0;
			int kind = classify_word(w, &v);
			switch (kind) {
			case 1:
				if (have_mo)
					return -EINVAL;
				have_mo = true;
				x.mo = (unsigned)v;
				if (*p == '-' && isdigit((unsigned char)p[1]))
					p++;
				break;
			case 2:
				break;
			case 3:
				if (have_zone)
					return -EINVAL;
				have_zone = true;
				x.off_min = v;
				break;
			case 4:
			case 5:
				ampm = kind - 3;
				break;
			default:
				return -EINVAL;
			}
			continue;
		}
		if (c == '+' || c == '-') {
			/* "GMT-01:01": a name of UTC may carry an offset */
			if (have_zone && x.off_min != 0)
				return -EINVAL;
			int off;
			if (iso_zone(&p, &off) < 0) {
				/* "+2", "-5": hours only */
				const char *q = p + 1;
				unsigned hh;
				if (!digits(&q, 1, 1, &hh))
					return -EINVAL;
				off = (c == '-' ? -1 : 1) * (int)hh * 60;
				p = q;
			}
			x.off_min = off;
			have_zone = true;
			continue;
		}
		if (isdigit(c)) {
			int n = count_digits(p);
			if (p[n] == ':') {
				if (have_time)
					return -EINVAL;
				have_time = true;
				if (!digits(&p, 1, 2, &x.h) || *p++ != ':' || !digits(&p, 1, 2, &x.mi))
					return -EINVAL;
				if (*p == ':') {
					p++;
					if (!digits(&p, 1, 2, &x.s))
						return -EINVAL;
					if (*p == '.' && isdigit((unsigned char)p[1]))
						for (p++; isdigit((unsigned char)*p); p++)
							;
				}
				if (*p == ':')
					return -EINVAL;
				continue;
			}
			if (p[n] == '/') {
				unsigned y;
				if (have_ymd || !digits(&p, 4, 4, &y) || *p++ != '/' ||
				    !digits(&p, 1, 2, &x.mo) || *p++ != '/' || !digits(&p, 1, 2, &x.d))
					return -EINVAL;
				x.y = y;
				have_ymd = have_mo = true;
				continue;
			}
			if (p[n] == '-' && isalpha((unsigned char)p[n + 1])) {
				/* RFC 850: 06-Nov-94 */
			} else if (p[n] && p[n] != ' ' && p[n] != ',' && p[n] != '\t') {
				return -EINVAL;
			}
			if (nn == 3 || n > 4)
				return -EINVAL;
			numlen[nn] = n;
			digits(&p, n, n, &nums[nn]);
			nn++;
			if (*p == '-')
				p++;
			continue;
		}
		return -EINVAL;
	}
	if (!have_mo)
		return -EINVAL;
	if (have_ymd) {
		if (nn)
			return -EINVAL;
	} else {
		if (nn != 2)
			return -EINVAL;
		int yi = numlen[0] >= 3 ? 0 : 1;
		if (numlen[1 - yi] > 2)
			return -EINVAL;
		x.d = nums[1 - yi];
		x.y = numlen[yi] <= 2 ? two_digit_year(nums[yi]) : nums[yi];
	}
	if (ampm) {
		if (x.h < 1 || x.h > 12)
			return -EINVAL;
		x.h = x.h % 12 + (ampm == 2 ? 12 : 0);
	}
	return dt_to_t(&x, ret_t);
}

/* Korean: "2004-05-25 오후 11:23:17" and "2004년 05월 28일 01:31:15", both KST. */
static int korean_parse(const char *s, int64_t *ret_t)
{
	struct dt x = { .off_min = 540 };
	unsigned y, mo, d, h, mi, sec;
	char ampm[8] = "";
	int n = 0;
	if (sscanf(s, "%u-%u-%u %7[^ 0-9] %u:%u:%u%n", &y, &mo, &d, ampm, &h, &mi, &sec, &n) == 7 &&
	    !s[n]) {
		if (strcmp(ampm, "\xec\x98\xa4\xed\x9b\x84") && strcmp(ampm, "\xec\x98\xa4\xec\xa0\x84"))
			return -EINVAL;
		if (h < 1 || h > 12)
			return -EINVAL;
		h = h % 12 + (!strcmp(ampm, "\xec\x98\xa4\xed\x9b\x84") ? 12 : 0); /* 오후 = PM */
	} else if (sscanf(s, "%u\xeb\x85\x84 %u\xec\x9b\x94 %u\xec\x9d\xbc %u:%u:%u%n", &y, &mo, &d,
			  &h, &mi, &sec, &n) == 6 && !s[n]) {
		/* 년 월 일 */
	} else {
		return -EINVAL;
	}
	x.y = y;
	x.mo = mo;
	x.d = d;
	x.h = h;
	x.mi = mi;
	x.s = sec;
	return dt_to_t(&x, ret_t);
}

static const struct {
	const char *from, *to;
} l10n[] = {
	/* Greek weekdays and months */
	{ "Κυρ", "Sun" }, { "Δευ", "Mon" }, { "Τρι", "Tue" }, { "Τετ", "Wed" },
	{ "Πεμ", "Thu" }, { "Παρ", "Fri" }, { "Σαβ", "Sat" }, { "Ιαν", "Jan" },
	{ "Φεβ", "Feb" }, { "Μάώ", "Mar" }, { "Μαώ", "Mar" }, { "Μαρ", "Mar" },
	{ "Απρ", "Apr" }, { "Μάι", "May" }, { "Μαϊ", "May" }, { "Μαι", "May" },
	{ "Ιούν", "Jun" }, { "Ιον", "Jun" }, { "Ιούλ", "Jul" }, { "Ιολ", "Jul" },
	{ "Αύγ", "Aug" }, { "Αυγ", "Aug" }, { "Σεπ", "Sep" }, { "Οκτ", "Oct" },
	{ "Νοέ", "Nov" }, { "Νοε", "Nov" }, { "Δεκ", "Dec" },
	/* Hungarian months, between dashes */
	{ "-január-", "-01-" }, { "-február-", "-02-" }, { "-március-", "-03-" },
	{ "-április-", "-04-" }, { "-május-", "-05-" }, { "-június-", "-06-" },
	{ "-július-", "-07-" }, { "-augusztus-", "-08-" }, { "-szeptember-", "-09-" },
	{ "-október-", "-10-" }, { "-november-", "-11-" }, { "-december-", "-12-" },
};

/* Replaces localised names in place (replacements are never longer). */
static void translate(char *s)
{
	bool high = false, dash_alpha = false;
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p >= 0x80)
			high = true;
		if (*p == '-' && isalpha((unsigned char)p[1]))
			dash_alpha = true;
	}
	if (!high && !dash_alpha)
		return;
	for (size_t i = 0; i < sizeof(l10n) / sizeof(l10n[0]); i++) {
		char *hit;
		size_t fl = strlen(l10n[i].from), tl = strlen(l10n[i].to);
		while ((hit = strstr(s, l10n[i].from))) {
			memcpy(hit, l10n[i].to, tl);
			memmove(hit + tl, hit + fl, strlen(hit + fl) + 1);
		}
	}
}

int date_parse(const char *s, int64_t *ret_t)
{
	char buf[DATE_MAX_LEN + 1];
	if (!s)
		return -EINVAL;
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n > DATE_MAX_LEN)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';

	int64_t t;
	/* Unix epoch: 9 or more digits (shorter runs are ISO 8601 forms). */
	int nd = count_digits(buf);
	if (nd >= 9 && nd <= 13 && (!buf[nd] || (buf[nd] == '.' && count_digits(buf + nd + 1) ==
								    (int)strlen(buf + nd + 1)))) {
		t = strtoll(buf, NULL, 10);
		if (nd == 13)
			t /= 1000;
		*ret_t = t;
		return 0;
	}
	if (korean_parse(buf, &t) == 0) {
		*ret_t = t;
		return 0;
	}
	translate(buf);
	if (iso_parse(buf, &t) == 0 || rfc_parse(buf, &t) == 0) {
		*ret_t = t;
		return 0;
	}
	return -EINVAL;
}
