/* page_int.h — between the files of the page stage (page.c, enc.c, meta.c, body.c) only.
 * Everything other modules call is in include/claimd/page.h. */
#ifndef CLAIMD_PAGE_INT_H
#define CLAIMD_PAGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <libxml/tree.h>

#include "claimd/page.h"

#define PAGE_DEFAULT_MAX_NODES 200000
#define PAGE_MAX_NODES 2000000
#define PAGE_MAX_BYTES (32u << 20)   /* larger input is not parsed: "too-large" */
#define PAGE_MAX_DEPTH 250           /* elements deeper than this are not walked (libxml2
				      * itself stops at 256) */
#define PAGE_TEXT_MAX (4u << 20)     /* body text cap */
#define PAGE_RAW_MAX (1u << 20)      /* <title> and JSON-LD text cap */
#define PAGE_WALL_WORDS 40           /* behind a wall, fewer words than this: no body */
#define PAGE_TEASER_WORDS 250        /* behind a wall, more words than this: no wall */

/* Any bytes → UTF-8 for libxml2: byte order mark, then the HTTP charset, then <meta
 * charset> / http-equiv in the first 4 KiB; valid UTF-8 beats a single-byte declaration;
 * bytes that do not decode read as windows-1252; NUL and other C0 controls but tab, LF,
 * CR removed. *ret_buf is buf itself when nothing had to change, else a new buffer. */
int page_enc_utf8(const char *buf, size_t len, const char *http_charset, char **ret_buf,
		  size_t *ret_len);

/* UTF-8 HTML without comments and without the content of <script> (but JSON-LD),
 * <style>, <svg> and <template>: *ret is a new buffer. */
int page_strip(const char *in, size_t len, char **ret, size_t *ret_len);

/* A growing string with a cap. */
struct sbuf {
	char *b;
	size_t len, cap;
	bool oom;
};
void sb_add(struct sbuf *s, const char *p, size_t n);
/* Appends text with whitespace (and U+00A0) collapsed to single spaces; *space says a
 * space is pending (kept across calls). */
void sb_text(struct sbuf *s, const char *p, size_t n, bool *space);

/* Words in s: runs of letters and digits, and one per two ideographs or kana. */
size_t page_words(const char *s, size_t n);

/* Element kinds the walks care about. */
enum tag {
	T_OTHER, T_HTML, T_HEAD, T_BODY, T_TITLE, T_META, T_LINK, T_SCRIPT, T_STYLE, T_SKIP,
	T_A, T_BR, T_P, T_DIV, T_H1, T_H2, T_H3, T_H4, T_H5, T_H6, T_LI, T_UL, T_OL, T_DL,
	T_DT, T_DD, T_TD, T_TH, T_TR, T_TABLE, T_BLOCKQUOTE, T_PRE, T_ARTICLE, T_SECTION,
	T_MAIN, T_NAV, T_ASIDE, T_HEADER, T_FOOTER, T_FIGURE, T_FIGCAPTION, T_FORM, T_INPUT,
	T_HR, T_IMG, T_ADDRESS, T_TIME, T_BLOCKOTHER, T_INLINE,
};
enum tag page_tag(const xmlChar *name);

/* Metadata from the head (and JSON-LD anywhere), collected during the walk. */
struct meta;
struct meta *meta_new(void);
void meta_free(struct meta *m);
/* An element the walk met: its attributes (name, value pairs, NULL-terminated, as libxml2's
 * SAX gives them) and, for <title> and <script>, the text inside (else NULL). */
void meta_element(struct meta *m, enum tag t, const xmlChar **attrs, const char *text);
/* The value of attribute name in attrs ("" when it has none), or NULL. */
const char *page_attr(const xmlChar **attrs, const char *name);
/* Fills p's metadata fields; base resolves URLs. *ret_body: the JSON-LD articleBody
 * (owned by m), or NULL. */
int meta_finish(struct meta *m, const char *base, struct page *p, const char **ret_body);
bool meta_paywalled(const struct meta *m);

/* Parses UTF-8 HTML (libxml2's HTML parser, SAX: no tree) and puts its main content into
 * p->text (or p->reason), its metadata into m. */
int body_extract(const char *html, size_t len, size_t max_nodes, struct meta *m, struct page *p);

#endif
