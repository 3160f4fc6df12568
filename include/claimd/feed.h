/* feed.h — parse RSS 0.9x/1.0/2.0, Atom 0.3/1.0 (libxml2) and JSON Feed 1.0/1.1 (jansson)
 * into one feed model. Pure: bytes in, struct out; no network, no logging, no DTD, no
 * external entities. Owner of the fields: the struct feed (free with feed_free). */
#ifndef CLAIMD_FEED_H
#define CLAIMD_FEED_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct feed_person { char *name, *email, *uri; };
struct feed_category { char *term, *scheme, *label; };
struct feed_enclosure { char *url, *type; int64_t length; /* -1 unknown */ };

struct feed_item {
	char *id;              /* guid / atom id / rdf:about / json id, as written */
	char *title;           /* plain text */
	char *link;            /* absolute alternate link, or NULL */
	char *published;       /* ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ", or NULL */
	char *published_raw;   /* the text as found (kept when unparseable) */
	char *updated;
	char *updated_raw;
	char *summary;         /* plain text */
	char *summary_html;    /* as found (HTML), or NULL */
	char *content;         /* plain text, paragraphs separated by blank lines */
	char *content_html;
	char *lang;
	struct feed_person *authors; size_t n_authors;
	struct feed_category *categories; size_t n_categories;
	struct feed_enclosure *enclosures; size_t n_enclosures;
	bool date_clamped;     /* published was > 1 day in the future */
};

struct feed {
	bool wellformed;       /* false: the strict parse failed and a recover pass was used */
	const char *format;    /* "rss", "rdf", "atom", "json" (static string) */
	char *title, *link, *subtitle, *language, *updated, *author;
	int64_t ttl_s;         /* RSS <ttl> in seconds, 0 when absent */
	struct feed_item *items; size_t n_items;
	char **warnings; size_t n_warnings;   /* human-readable parse warnings */
};

struct feed_opts {
	const char *base_url;      /* the feed's own URL, for relative links; may be NULL */
	const char *http_charset;  /* charset from Content-Type, or NULL */
	int64_t now_ms;            /* wall clock, for clamping future dates */
	size_t max_items;          /* 0 = default (1000) */
	size_t max_nodes;          /* XML elements and attributes a document may build: the
				    * parse stops there, what was read is kept, a warning says
				    * so. A JSON document with more values is refused
				    * (-EBADMSG). 0 = default (FEED_DEFAULT_MAX_NODES); at
				    * most FEED_MAX_NODES */
};

/* Returns 0 and *ret (even for ill-formed but recoverable input: wellformed false);
 * -EBADMSG when the input is not a feed at all, with *ret_err set to a static or
 * allocated reason the caller frees (may be NULL). */
int feed_parse(const char *buf, size_t len, const struct feed_opts *opts,
	       struct feed **ret, char **ret_err);
struct feed *feed_free(struct feed *f);

/* The neutral feed model of ../shared/conformance (for claimctl parse --model). */
json_t *feed_model_json(const struct feed *f);

/* Length of the valid UTF-8 prefix of s (no overlongs, surrogates or code points past
 * U+10FFFF, as jansson requires); *ret_ascii, when not NULL, says it is all ASCII. */
size_t feed_utf8_valid(const unsigned char *s, size_t n, bool *ret_ascii);

#endif
