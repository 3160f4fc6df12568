/* boiler.h — remove boilerplate lines from article plain text ("Read Next: ...",
 * "Source: AP News", "(Reporting by ...)", share/subscribe prompts, lone headings).
 * Pure. Text in: paragraphs separated by blank lines or newlines. */
#ifndef CLAIMD_BOILER_H
#define CLAIMD_BOILER_H

/* Returns 0 with *ret_text (new string, paragraphs separated by "\n\n") and *ret_credit
 * (new string, e.g. "AP News", or NULL when none), or -ENOMEM. */
int boiler_clean(const char *text, char **ret_text, char **ret_credit);

#endif
