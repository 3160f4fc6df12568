/* date.h — parse the dates feeds carry (RFC 822 and its variants, RFC 3339 / W3CDTF and
 * partial ISO 8601 forms, asctime, Unix epochs, a few localised forms) into Unix seconds,
 * and format them as "YYYY-MM-DDTHH:MM:SSZ". Pure: no clock, no locale, no logging. */
#ifndef CLAIMD_DATE_H
#define CLAIMD_DATE_H
#include <stdint.h>

#define DATE_ISO_LEN 21   /* "YYYY-MM-DDTHH:MM:SSZ" plus the NUL */

/* Returns 0 and *ret_t (seconds since the epoch, UTC; may be negative) or -EINVAL when
 * the text is not a date this module understands (never guesses "now"). */
int date_parse(const char *s, int64_t *ret_t);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" into buf (DATE_ISO_LEN bytes). Returns 0, or -ERANGE
 * outside the years 0..9999. */
int date_format(int64_t t, char buf[DATE_ISO_LEN]);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
int64_t date_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
