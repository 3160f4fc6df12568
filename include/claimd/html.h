/* html.h — HTML (and plain text) from feeds into clean plain text: libxml2's HTML parser,
 * script/style/iframe/object/embed dropped, entities decoded, whitespace collapsed,
 * paragraphs (p, div, br, li, h1-h6, blockquote, ...) separated by one blank line,
 * windows-1252 C1 code points and UTF-8-read-as-Latin-1 mojibake repaired.
 * Pure: no network (HTML_PARSE_NONET), no logging. */
#ifndef CLAIMD_HTML_H
#define CLAIMD_HTML_H
#include <stdbool.h>
#include <stddef.h>

#define HTML_TEXT_MAX (4u << 20)   /* output cap in bytes; longer text is cut */

/* HTML fragment or document (UTF-8) → plain text. base (may be NULL) resolves a link
 * whose text is its own relative href. Returns 0 and *ret (new string, possibly ""), or
 * -ENOMEM. */
int html_to_text(const char *html, size_t len, const char *base, char **ret);

/* As html_to_text, always through libxml2's HTML parser: the reference html_to_text's
 * fast path for simple fragments must match byte for byte (tests compare the two). */
int html_to_text_ref(const char *html, size_t len, const char *base, char **ret);

/* Plain text → the same normal form (whitespace collapsed, blank lines kept as paragraph
 * breaks, C1 and mojibake repaired). Returns 0 and *ret, or -ENOMEM. */
int html_plain_text(const char *s, size_t len, char **ret);

/* True when s looks like HTML: a tag ("<a", "</", "<!") or an entity ("&x", "&#"). */
bool html_looks_like(const char *s, size_t len);

#endif
