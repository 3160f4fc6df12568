/* timex.c — time expressions resolved against the article's published date.
 *
 * Takes: a tokenized sentence and the published date (year, month, day; 0 when unknown).
 * Gives: "in October", "since August", "early August" → "2023-10"; "Oct. 25",
 * "September 11, 2001" → dates; "in 2010" → "2010"; "January 2017" → "2017-01";
 * "last month", "this year", "next year", "last week" (an ISO interval), weekdays
 * ("on Monday" → the latest such day not after the published date), today, yesterday.
 * A month after the published month is taken as last year's unless the sentence looks
 * ahead ("will", "next", "scheduled"). Unresolvable expressions get a null value.
 * Must not: log, or read the clock (now is the published date). */
#include <stdio.h>
#include <string.h>

#include "claims_int.h"

static const char *const wdays[] = { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" };

/* month names and abbreviations ("sept" too) are tagged by lex_tag() */
static int month_of(const struct tok *t)
{
	if (t->kind != TK_WORD || !(t->flags & TF_CAP))
		return 0;
	return t->month;
}

static bool is_w(const struct tok *t, const char *w)
{
	return t->kind == TK_WORD && tok_is(t, w);
}

static int num_of(const struct tok *t)
{
	if (t->kind != TK_NUM || t->n > 4)
		return -1;
	int v = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return -1;
		v = v * 10 + (t->s[i] - '0');
	}
	return v;
}

/* days since 1970-01-01 (civil calendar) */
static long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long yy = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

/* "YYYY", "YYYY-MM" or "YYYY-MM-DD" (m, d 0 when absent) as "%04d-%02d-%02d" prints them. */
static const char *ymd(struct arena *a, int y, int m, int d)
{
	char buf[40];
	size_t n;
	if (y >= 0 && y <= 9999 && m >= 0 && m <= 99 && d >= 0 && d <= 99) {
		buf[0] = (char)('0' + y / 1000);
		buf[1] = (char)('0' + y / 100 % 10);
		buf[2] = (char)('0' + y / 10 % 10);
		buf[3] = (char)('0' + y % 10);
		n = 4;
		if (m) {
			buf[n++] = '-';
			buf[n++] = (char)('0' + m / 10);
			buf[n++] = (char)('0' + m % 10);
			if (d) {
				buf[n++] = '-';
				buf[n++] = (char)('0' + d / 10);
				buf[n++] = (char)('0' + d % 10);
			}
		}
	} else if (m && d) {
		n = (size_t)snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
	} else if (m) {
		n = (size_t)snprintf(buf, sizeof(buf), "%04d-%02d", y, m);
	} else {
		n = (size_t)snprintf(buf, sizeof(buf), "%04d", y);
	}
	return arena_strndup(a, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

static const char *fmt_date(struct arena *a, long days)
{
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	return ymd(a, y, m, d);
}

static const char *fmt(struct arena *a, int y, int m, int d)
{
	if (y <= 0)
		return NULL;
	return ymd(a, y, m, m ? d : 0);
}

/* "will", "scheduled", "next", "upcoming", "expected", "plans", "planned" (KW_AHEAD) */
static bool looks_ahead(const struct sentence *s)
{
	for (size_t i = 0; i < s->nt; i++)
		if (s->t[i].kw & KW_AHEAD)
			return true;
	return false;
}

size_t timex_find(struct arena *a, const struct sentence *s, int py, int pm, int pd, struct timex *out,
		  size_t max)
{
	size_t n = 0;
	bool ahead = looks_ahead(s);
	long pdays = py ? days_from_civil(py, pm, pd ? pd : 1) : 0;
	for (size_t i = 0; i < s->nt && n < max; i++) {
		const struct tok *t = &s->t[i];
		size_t b = i, e = i + 1;
		/* quick reject: a time expression starts with a number, a month or a KW_TIME word
		 * (last, this, next, previous, today, yesterday, tonight, a weekday) */
		if (t->kind != TK_NUM && !(t->kind == TK_WORD && (t->month || (t->kw & KW_TIME))))
			continue;
		const char *val = NULL;
		bool hit = false;
		int mo = month_of(t);
		if (mo && !(mo == 5 && !(t->flags & TF_CAP))) {
			/* "May" as a modal verb at sentence start is rare in news with a month use */
			if (mo == 5 && i + 1 < s->nt && s->t[i + 1].kind == TK_WORD && !(s->t[i + 1].flags & TF_CAP) &&
			    !is_w(&s->t[i + 1], "and"))
				continue;
			hit = true;
			int day = 0, year = 0;
			size_t k = i + 1;
			if (t->n <= 4 && k + 1 < s->nt && s->t[k].kind == TK_PUNCT && s->t[k].s[0] == '.' &&
			    !(s->t[k].flags & TF_SPACE) && s->t[k + 1].kind == TK_NUM)
				k++; /* "Oct. 25" */
			int v = k < s->nt ? num_of(&s->t[k]) : -1;
			if (v >= 1 && v <= 31) {
				day = v;
				k++;
				e = k;
				if (k + 1 < s->nt && s->t[k].kind == TK_PUNCT && s->t[k].s[0] == ',') {
					int yv = num_of(&s->t[k + 1]);
					if (yv >= 1800 && yv <= 2200) {
						year = yv;
						e = k + 2;
					}
				}
			} else if (v >= 1800 && v <= 2200) {
				year = v;
				e = k + 1;
			} else if (k > i + 1) {
				e = k;
			}
			if (!year && py) {
				year = py;
				if (mo > pm && !ahead)
					year--;
				else if (mo < pm - 1 && ahead)
					year++;
			}
			val = fmt(a, year, mo, day);
			/* preceding "in", "since", "early", "late", "mid-", "last", "on", "by", "until" */
			while (b > 0 && (is_w(&s->t[b - 1], "in") || is_w(&s->t[b - 1], "since") ||
					 is_w(&s->t[b - 1], "early") || is_w(&s->t[b - 1], "late") ||
					 is_w(&s->t[b - 1], "last") || is_w(&s->t[b - 1], "on") ||
					 is_w(&s->t[b - 1], "by") || is_w(&s->t[b - 1], "until") ||
					 is_w(&s->t[b - 1], "mid") || is_w(&s->t[b - 1], "from") ||
					 is_w(&s->t[b - 1], "through")) &&
			       i - b < 2)
				b--;
		} else if (t->kind == TK_NUM && !(t->flags & 0) && num_of(t) >= 1800 && num_of(t) <= 2200 &&
			   b > 0 && (is_w(&s->t[b - 1], "in") || is_w(&s->t[b - 1], "since") ||
				     is_w(&s->t[b - 1], "of") || is_w(&s->t[b - 1], "until") ||
				     is_w(&s->t[b - 1], "by") || is_w(&s->t[b - 1], "from"))) {
			hit = true;
			val = fmt(a, num_of(t), 0, 0);
			b--;
		} else if ((is_w(t, "last") || is_w(t, "this") || is_w(t, "next") || is_w(t, "previous")) &&
			   i + 1 < s->nt) {
			const struct tok *u = &s->t[i + 1];
			int dy = is_w(t, "next") ? 1 : is_w(t, "this") ? 0 : -1;
			if (is_w(u, "year")) {
				hit = true;
				e = i + 2;
				val = py ? fmt(a, py + dy, 0, 0) : NULL;
			} else if (is_w(u, "month")) {
				hit = true;
				e = i + 2;
				if (py) {
					int y = py, m = pm + dy;
					if (m < 1) {
						m = 12;
						y--;
					} else if (m > 12) {
						m = 1;
						y++;
					}
					val = fmt(a, y, m, 0);
				}
			} else if (is_w(u, "week") || is_w(u, "weekend")) {
				hit = true;
				e = i + 2;
				if (py) {
					long wd = ((pdays % 7) + 7 + 3) % 7; /* 0 = Monday */
					long mon = pdays - wd + 7L * dy;
					char buf[32];
					const char *x = fmt_date(a, is_w(u, "weekend") ? mon + 5 : mon);
					const char *y = fmt_date(a, mon + 6);
					if (x && y) {
						snprintf(buf, sizeof(buf), "%s/%s", x, y);
						val = arena_strndup(a, buf, strlen(buf));
					}
				}
			} else if (is_w(t, "last") || is_w(t, "this") || is_w(t, "next")) {
				for (int k = 0; k < 7; k++) {
					if (is_w(u, wdays[k])) {
						hit = true;
						e = i + 2;
						if (py) {
							long wd = ((pdays % 7) + 7 + 3) % 7;
							long delta = (long)k - wd;
							if (dy < 0 && delta >= 0)
								delta -= 7;
							if (dy > 0 && delta <= 0)
								delta += 7;
							val = fmt_date(a, pdays + delta);
						}
					}
				}
			}
			if (hit && b > 0 && (is_w(&s->t[b - 1], "earlier") || is_w(&s->t[b - 1], "later")))
				b--;
		} else if (is_w(t, "today") || is_w(t, "yesterday") || is_w(t, "tonight")) {
			hit = true;
			if (py)
				val = fmt_date(a, pdays + (is_w(t, "yesterday") ? -1 : 0));
		} else {
			for (int k = 0; k < 7; k++) {
				if (t->kind == TK_WORD && (t->flags & TF_CAP) && tok_is(t, wdays[k])) {
					hit = true;
					if (py) {
						long wd = ((pdays % 7) + 7 + 3) % 7;
						long delta = (long)k - wd;
						if (ahead && delta < 0)
							delta += 7;
						else if (!ahead && delta > 0)
							delta -= 7;
						val = fmt_date(a, pdays + delta);
					}
					if (b > 0 && is_w(&s->t[b - 1], "on"))
						b--;
				}
			}
		}
		if (!hit)
			continue;
		out[n].text = tok_join(a, s, b, e);
		out[n].value = val;
		n++;
		i = e - 1;
	}
	return n;
}
