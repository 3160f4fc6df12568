/* feed_int.h — between the files of the feed stage (feed.c, enc.c, xml.c, json.c) only.
 * Everything other modules call is in include/claimd/feed.h. */
#ifndef CLAIMD_FEED_INT_H
#define CLAIMD_FEED_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "claimd/feed.h"

#define FEED_DEFAULT_MAX_ITEMS 1000
#define FEED_DEFAULT_MAX_NODES 200000
#define FEED_MAX_NODES 2000000
#define FEED_MAX_WARNINGS 16
int feed_warn(struct feed *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends an empty item; -ENOSPC once max_items are there. */
int feed_item_new(struct feed *f, size_t max_items, struct feed_item **ret);
/* Sets *iso (NULL when unparseable) and *raw from a date as written; the later call wins.
 * clamped (may be NULL): a date more than a day after now_ms becomes now_ms. */
int feed_set_date(const char *text, int64_t now_ms, char **iso, char **raw, bool *clamped);
int feed_add_person(struct feed_item *it, const char *name, const char *email, const char *uri);
int feed_add_category(struct feed_item *it, const char *term, const char *scheme,
		      const char *label);
int feed_add_enclosure(struct feed_item *it, const char *url, const char *type, int64_t length);
/* Replaces *dst with a copy of src (NULL clears). */
int feed_set_str(char **dst, const char *src);
/* Any encoding → UTF-8 (RFC 7303 order: BOM, http_charset, XML declaration; valid UTF-8
 * beats a wrong declaration; last resort windows-1252), XML-forbidden C0 controls removed.
 * *ret_buf is buf itself when nothing had to change, else a new buffer to free.
 * *ret_guessed: the declared encoding did not hold (a warning was added). */
int feed_enc_utf8(const char *buf, size_t len, const char *http_charset, struct feed *f,
		  char **ret_buf, size_t *ret_len, bool *ret_guessed);
int feed_xml_parse(const char *buf, size_t len, const struct feed_opts *o, struct feed *f,
		   char **ret_err);
int feed_json_parse(const char *buf, size_t len, const struct feed_opts *o, struct feed *f,
		    char **ret_err);

#endif
