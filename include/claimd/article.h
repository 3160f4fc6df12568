/* article.h — turn parsed feed items into claimd.article/1 bodies (without the envelope
 * fields schema/gseq/epoch/emitted_at, which publish adds). Pure: no I/O, no logging. */
#ifndef CLAIMD_ARTICLE_H
#define CLAIMD_ARTICLE_H

#define ARTICLE_MAX_TITLE 2048 /* bytes; a longer title is cut (with a warning) */
#include <stdint.h>
#include <jansson.h>
#include "claimd/config.h"
#include "claimd/feed.h"

struct article_opts {
	const char *source;     /* source name */
	const char *feed_url;   /* base for relative links */
	int64_t fetched_at_ms;  /* wall clock */
	enum id_rule id_rule;
};

/* Returns 0 and a new JSON array of article objects (id, source, url, title, authors,
 * published, updated, fetched_at, lang, summary, text, credit, categories, enclosures,
 * content_hash), or -errno. Warnings (e.g. an id rule that degraded) are appended to
 * *ret_warnings (a JSON array of strings) when non-NULL. */
int article_from_feed(const struct feed *f, const struct article_opts *o, json_t **ret,
		      json_t *ret_warnings);

#endif
