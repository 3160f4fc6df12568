/* boiler.c — removes boilerplate lines from article plain text.
 *
 * Takes: plain text, one paragraph a line (blank lines allowed between paragraphs).
 * Gives: the kept paragraphs joined by "\n\n", and the credit found in a "Source: X" line
 * or a "(Reporting by ...)" line. Removed: teasers ("Read Next: ...", "Read more: ...",
 * "Related: ...", "See also: ...", "Also read: ..."), credits, share/subscribe/follow
 * prompts, and lone headings (a short title-cased line without final punctuation).
 * Everything else is kept as written (only surrounding whitespace is trimmed).
 * Must not: log, allocate without bound checks, or change the wording of kept lines. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "claimd/boiler.h"

#define BOILER_HEADING_MAX_CHARS 100
#define BOILER_HEADING_MAX_WORDS 14
#define BOILER_CREDIT_MAX_CHARS 80
#define BOILER_CREDIT_MAX_WORDS 8
#define BOILER_PROMPT_MAX_WORDS 16

struct span {
	const char *s;
	size_t n;
};

static bool starts_ci(struct span l, const char *prefix)
{
	size_t n = strlen(prefix);
	return l.n >= n && strncasecmp(l.s, prefix, n) == 0;
}

static size_t count_words(struct span l)
{
	size_t w = 0;
	bool in = false;
	for (size_t i = 0; i < l.n; i++) {
		bool sp = isspace((unsigned char)l.s[i]);
		if (!sp && !in)
			w++;
		in = !sp;
	}
	return w;
}

/* Last byte that is not a closing quote or bracket (UTF-8 curly quotes included). */
static unsigned char last_char(struct span l, size_t *ret_len)
{
	size_t n = l.n;
	for (;;) {
		if (n >= 3 && (unsigned char)l.s[n - 3] == 0xe2 && (unsigned char)l.s[n - 2] == 0x80 &&
		    ((unsigned char)l.s[n - 1] == 0x9d || (unsigned char)l.s[n - 1] == 0x99)) {
			n -= 3;
			continue;
		}
		if (n >= 1 && (l.s[n - 1] == '"' || l.s[n - 1] == '\'' || l.s[n - 1] == ')' ||
			       l.s[n - 1] == ']')) {
			n--;
			continue;
		}
		break;
	}
	if (ret_len)
		*ret_len = n;
	return n ? (unsigned char)l.s[n - 1] : 0;
}

static const char *const teasers[] = {
	"read next:", "read more:", "related:", "see also:", "also read:", "read also:",
	"recommended:", "more:", "watch:", "related articles:", "related stories:",
	"related content:", "you may also like:", "don't miss:", "must read:",
};

static bool is_teaser(struct span l)
{
	for (size_t i = 0; i < sizeof(teasers) / sizeof(teasers[0]); i++)
		if (starts_ci(l, teasers[i]) && l.n > strlen(teasers[i]))
			return true;
	return false;
}

/* "Source: AP News" — a short name after the colon, no sentence. */
static bool is_source_credit(struct span l, struct span *ret_credit)
{
	static const char *const heads[] = { "source:", "sources:", "via:", "credit:" };
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		size_t h = strlen(heads[i]);
		if (!starts_ci(l, heads[i]))
			continue;
		struct span c = { l.s + h, l.n - h };
		while (c.n && isspace((unsigned char)*c.s)) {
			c.s++;
			c.n--;
		}
		if (c.n && c.s[c.n - 1] == '.')
			c.n--;
		if (!c.n || c.n > BOILER_CREDIT_MAX_CHARS || count_words(c) > BOILER_CREDIT_MAX_WORDS)
			return false;
		if (memchr(c.s, '.', c.n) && memchr(c.s, ' ', c.n) && count_words(c) > 4)
			return false;
		*ret_credit = c;
		return true;
	}
	return false;
}

/* "(Reporting by Jane Doe; Editing by John Roe)" — the whole line in brackets. */
static bool is_reporting_credit(struct span l, struct span *ret_credit)
{
	static const char *const heads[] = {
		"(reporting by", "(additional reporting by", "(writing by", "(compiled by",
		"(editing by", "(with reporting by", "[reporting by",
	};
	char close = l.n ? l.s[l.n - 1] : 0;
	if (close == '.' && l.n >= 2)
		close = l.s[l.n - 2];
	if (close != ')' && close != ']')
		return false;
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		if (starts_ci(l, heads[i])) {
			struct span c = { l.s + 1, l.n - 1 };
			while (c.n && (c.s[c.n - 1] == ')' || c.s[c.n - 1] == ']' || c.s[c.n - 1] == '.'))
				c.n--;
			*ret_credit = c;
			return true;
		}
	}
	return false;
}

static bool is_prompt(struct span l)
{
	static const char *const heads[] = {
		"share this", "share on ", "share via", "click here", "subscribe to ", "subscribe now",
		"subscribe for", "sign up for", "sign up to", "follow us", "like us on", "join our",
		"get our newsletter", "download our app", "advertisement", "tap here", "email this",
		"print this", "click to share",
	};
	if (count_words(l) > BOILER_PROMPT_MAX_WORDS)
		return false;
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		if (starts_ci(l, heads[i]))
			return true;
	if (l.n == 5 && strncasecmp(l.s, "share", 5) == 0)
		return true;
	if (l.n == 9 && strncasecmp(l.s, "subscribe", 9) == 0)
		return true;
	return false;
}

static bool is_minor_word(const char *w, size_t n)
{
	static const char *const minor[] = {
		"a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "for",
		"by", "with", "over", "from", "as", "vs", "vs.", "into", "onto", "per", "via", "is",
		"up", "off", "out", "amid", "after", "before", "than", "its",
	};
	for (size_t i = 0; i < sizeof(minor) / sizeof(minor[0]); i++)
		if (strlen(minor[i]) == n && strncasecmp(minor[i], w, n) == 0)
			return true;
	return false;
}

/* A short line without final punctuation whose content words are capitalised. */
static bool is_heading(struct span l)
{
	unsigned char last = last_char(l, NULL);
	if (!last || l.n > BOILER_HEADING_MAX_CHARS)
		return false;
	if (strchr(".!?:;,", last))
		return false;
	size_t words = 0, content = 0, caps = 0;
	size_t i = 0;
	while (i < l.n) {
		while (i < l.n && isspace((unsigned char)l.s[i]))
			i++;
		if (i >= l.n)
			break;
		size_t b = i;
		while (i < l.n && !isspace((unsigned char)l.s[i]))
			i++;
		const char *w = l.s + b;
		size_t n = i - b;
		words++;
		/* skip leading quotes */
		while (n && (*w == '"' || *w == '\'' || *w == '(')) {
			w++;
			n--;
		}
		if (n >= 3 && (unsigned char)w[0] == 0xe2 && (unsigned char)w[1] == 0x80) {
			w += 3;
			n -= 3;
		}
		if (!n)
			continue;
		if (words > 1 && is_minor_word(w, n))
			continue;
		content++;
		if (isupper((unsigned char)*w) || isdigit((unsigned char)*w) || (unsigned char)*w >= 0x80)
			caps++;
	}
	if (words < 2 || words > BOILER_HEADING_MAX_WORDS || content == 0)
		return false;
	return caps == content;
}

static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = (*cap ? *cap * 2 : 256);
		while (ncap < *len + n + 1)
			ncap *= 2;
		char *nb = realloc(*buf, ncap);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

int boiler_clean(const char *text, char **ret_text, char **ret_credit)
{
	char *out = NULL;
	size_t len = 0, cap = 0;
	struct span source = { NULL, 0 }, reporting = { NULL, 0 };
	const char *p = text ? text : "";
	int r;

	r = append(&out, &len, &cap, "", 0);
	if (r < 0)
		return r;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		struct span l = { p, n };
		p += n + (e ? 1 : 0);
		while (l.n && isspace((unsigned char)*l.s)) {
			l.s++;
			l.n--;
		}
		while (l.n && isspace((unsigned char)l.s[l.n - 1]))
			l.n--;
		if (!l.n)
			continue;
		struct span c;
		if (is_source_credit(l, &c)) {
			if (!source.s)
				source = c;
			continue;
		}
		if (is_reporting_credit(l, &c)) {
			if (!reporting.s)
				reporting = c;
			continue;
		}
		if (is_teaser(l) || is_prompt(l) || is_heading(l))
			continue;
		if (len) {
			r = append(&out, &len, &cap, "\n\n", 2);
			if (r < 0)
				goto fail;
		}
		r = append(&out, &len, &cap, l.s, l.n);
		if (r < 0)
			goto fail;
	}
	struct span cr = source.s ? source : reporting;
	char *credit = NULL;
	if (cr.s) {
		credit = strndup(cr.s, cr.n);
		if (!credit) {
			r = -ENOMEM;
			goto fail;
		}
	}
	*ret_text = out;
	*ret_credit = credit;
	return 0;
fail:
	free(out);
	return r;
}
