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

/* Between daemon/feed.c, feed_enc.c, feed_xml.c and feed_json.c only. */
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
/* Length of the valid UTF-8 prefix of s (no overlongs, surrogates or code points past
 * U+10FFFF, as jansson requires); *ret_ascii, when not NULL, says it is all ASCII. */
size_t feed_utf8_valid(const unsigned char *s, size_t n, bool *ret_ascii);
int feed_enc_utf8(const char *buf, size_t len, const char *http_charset, struct feed *f,
		  char **ret_buf, size_t *ret_len, bool *ret_guessed);
int feed_xml_parse(const char *buf, size_t len, const struct feed_opts *o, struct feed *f,
		   char **ret_err);
int feed_json_parse(const char *buf, size_t len, const struct feed_opts *o, struct feed *f,
		    char **ret_err);

#endif
