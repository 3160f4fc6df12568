/* page.h — the article page stage: an article page's HTML into its body text and metadata.
 * Pure: bytes and URL in, struct out; no network, no file system, no clock, no logging.
 * Used by the daemon (pipeline.c, for feed entries whose text is short) and by
 * `claimctl page`. Implemented in daemon/page/. */
#ifndef CLAIMD_PAGE_H
#define CLAIMD_PAGE_H
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct page_opts {
	const char *url;          /* the page's URL after redirects: base for links; may be NULL */
	const char *http_charset; /* charset= of the HTTP Content-Type; may be NULL */
	const char *content_type; /* the HTTP Content-Type's media type; may be NULL */
	size_t max_nodes;         /* element cap, 0 for the default (200000; at most 2000000):
				   * the parse stops there and keeps what it read */
};

struct page {
	/* The article body: plain UTF-8, paragraphs separated by a blank line; NULL when
	 * no body was found, and then reason says why. */
	char *text;
	size_t text_len;
	const char *reason;       /* static: "not-html" (not an HTML page), "no-body" (nothing
				   * reads as an article), "login-wall" (see paywalled),
				   * "too-deep" (the text is nested deeper than is read),
				   * "too-large" (more than 32 MiB, or max_nodes were
				   * read without a body) */
	const char *method;       /* static: how the body was found: "dom" (the page's tree) or
				   * "json-ld" (its JSON-LD articleBody); NULL without text */
	/* The page says it is behind a login or paywall (isAccessibleForFree false, a paywall
	 * box or password field by the body) and shows little: text, when not NULL, is only
	 * the teaser it shows. With too little even for that, text is NULL and reason
	 * "login-wall". */
	bool paywalled;
	/* Metadata from JSON-LD, OpenGraph and <meta>; each NULL when the page has none.
	 * Dates are ISO 8601 UTC ("YYYY-MM-DDTHH:MM:SSZ"); URLs are absolute. */
	char *title, *description, *canonical_url, *lang, *section, *image, *site_name;
	char *published, *modified;
	char **authors;
	size_t n_authors;
};

/* Returns 0 and *ret (also when no body was found: text NULL and reason set), or -errno
 * (-ENOMEM). Never fails on what the bytes hold: any input gives a struct page. */
int page_extract(const char *buf, size_t len, const struct page_opts *o, struct page **ret);
struct page *page_free(struct page *p);

/* The page as one JSON object (text, text_len, reason, method, paywalled and the metadata
 * fields, null when absent; authors an array), for `claimctl page`. */
json_t *page_json(const struct page *p);

#endif
