/* test_date.c — date_parse over the forms feeds use (each with its expected UTC instant)
 * and near misses it must reject rather than guess; date_format's range. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "claimd/date.h"

static const struct {
	const char *in, *want; /* want NULL: must be rejected */
} cases[] = {
	/* RFC 822 / 1123 / 2822 */
	{ "Sat, 07 Sep 2002 00:00:01 GMT", "2002-09-07T00:00:01Z" },
	{ "Thu, 01 Jan 2004 19:48:21 +0000", "2004-01-01T19:48:21Z" },
	{ "Thu, 01 Jan 04 19:48:21 GMT", "2004-01-01T19:48:21Z" },          /* 2-digit year */
	{ "Wed, 01 Jan 97 10:00:00 GMT", "1997-01-01T10:00:00Z" },          /* 50-99: 19xx */
	{ "Thu, 01 Jan 2004 00:00 GMT", "2004-01-01T00:00:00Z" },           /* no seconds */
	{ "Thu, 01 Jan 2004", "2004-01-01T00:00:00Z" },                     /* no time */
	{ "01 Jan 2004 12:00:00", "2004-01-01T12:00:00Z" },                 /* no zone: UTC */
	{ "Mon, 26 January 2004 16:31:00 EST", "2004-01-26T21:31:00Z" },
	{ "Mon, 26 Jul 2004 16:31:00 EDT", "2004-07-26T20:31:00Z" },
	{ "Mon, 26 Jul 2004 16:31:00 PDT", "2004-07-26T23:31:00Z" },
	{ "Mon, 26 Jul 2004 16:31:00 CEST", "2004-07-26T14:31:00Z" },
	{ "Mon, 26 Jul 2004 16:31:00 -0230", "2004-07-26T19:01:00Z" },
	{ "Mon, 26 Jul 2004 16:31:00 +05:30", "2004-07-26T11:01:00Z" },
	{ "Wed, 19 Feb 2012 22:40:00 GMT-01:01", "2012-02-19T23:41:00Z" },
	{ "Wed, 19 Aug 2009 18:28:00 Etc/GMT", "2009-08-19T18:28:00Z" },
	{ "Fri,24 Nov 2023 18:28:36 -0000", "2023-11-24T18:28:36Z" },
	{ "Sunday, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z" },      /* RFC 850 */
	{ "Thu, 01 Jan 0100 00:00:01 +0100", "0099-12-31T23:00:01Z" },
	/* asctime and friends */
	{ "Sun Jan  4 16:29:06 2004", "2004-01-04T16:29:06Z" },
	{ "Sun Jul 15 01:16:00 +0000 2012", "2012-07-15T01:16:00Z" },
	{ "Thu Aug 30 2012 17:26:16 +0200", "2012-08-30T15:26:16Z" },
	{ "Fri, 2006/09/15 08:19:53 EDT", "2006-09-15T12:19:53Z" },
	/* RFC 3339 / W3CDTF / ISO 8601 */
	{ "2003-12-31T10:14:55Z", "2003-12-31T10:14:55Z" },
	{ "2003-12-31T10:14:55-08:00", "2003-12-31T18:14:55Z" },
	{ "2007-04-23T23:25:47.538+10:00", "2007-04-23T13:25:47Z" },
	{ "2002-10-17T17:00+01:00", "2002-10-17T16:00:00Z" },
	{ "2004-02-28T18:14:55-08:00", "2004-02-29T02:14:55Z" },            /* leap day */
	{ "2004-07-08 23:56:58", "2004-07-08T23:56:58Z" },
	{ "2004-07-08 23:56:58 -00:20", "2004-07-09T00:16:58Z" },
	{ "2003-12-31", "2003-12-31T00:00:00Z" },
	{ "2003-12", "2003-12-01T00:00:00Z" },
	{ "2003", "2003-01-01T00:00:00Z" },
	{ "031231", "2003-12-31T00:00:00Z" },
	{ "-0312", "2003-12-01T00:00:00Z" },
	{ "03335", "2003-12-01T00:00:00Z" },
	/* epochs */
	{ "1700000000", "2023-11-14T22:13:20Z" },
	{ "1700000000123", "2023-11-14T22:13:20Z" },
	/* localised */
	{ "Κυρ, 11 Ιούλ 2004 12:00:00 EST", "2004-07-11T17:00:00Z" },
	{ "2004-július-13T9:15-05:00", "2004-07-13T14:15:00Z" },
	{ "2004-05-25 오후 11:23:17", "2004-05-25T14:23:17Z" },
	{ "2004년 05월 28일  01:31:15", "2004-05-27T16:31:15Z" },
	/* rejected, never guessed */
	{ "", NULL },
	{ "   ", NULL },
	{ "yesterday", NULL },
	{ "Sun, 16 Dec 2012 1:2:3:4 GMT", NULL },
	{ "Sun, 16 zzz 2012 11:47:32 GMT", NULL },
	{ "Sun, 99 Jun 2009 12:00:00 GMT", NULL },
	{ "Sun, 31 Feb 2009 12:00:00 GMT", NULL },
	{ "2003-12-31T25:14:55Z", NULL },
	{ "2003-12-31T10:61:55Z", NULL },
	{ "2013-01-28T11:30:00-06:00Textra", NULL },
	{ "2013-01-27-01", NULL },
	{ "9999-12-31T23:59:59-99:99", NULL },
	{ "Sun, 31 Dec 9999 23:59:59 -9999", NULL },
	{ "013", NULL },
};

static void test_cases(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t = 0;
		char got[DATE_ISO_LEN] = "";
		int r = date_parse(cases[i].in, &t);
		if (r == 0)
			assert_int_equal(date_format(t, got), 0);
		const char *want = cases[i].want;
		if ((want && (r != 0 || strcmp(got, want))) || (!want && r == 0)) {
			fprintf(stderr, "date '%s': want %s, got %s\n", cases[i].in,
				want ? want : "rejection", r == 0 ? got : "rejection");
			bad++;
		}
		if (!want && r != 0)
			assert_int_equal(r, -EINVAL);
	}
	assert_int_equal(bad, 0);
}

static void test_format_range(void **state)
{
	(void)state;
	char buf[DATE_ISO_LEN];
	assert_int_equal(date_format(0, buf), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	assert_int_equal(date_format(-1, buf), 0);
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
	assert_int_equal(date_format(date_days_from_civil(10000, 1, 1) * 86400, buf), -ERANGE);
	assert_int_equal(date_format(date_days_from_civil(0, 1, 1) * 86400 - 1, buf), -ERANGE);
	assert_int_equal(date_parse(NULL, &(int64_t){ 0 }), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_format_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
