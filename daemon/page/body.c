/* page/body.c — the main content of an article page.
 *
 * One pass over libxml2's HTML parser's SAX events (no tree is built, nothing recurses:
 * elements are read down to PAGE_MAX_DEPTH, and the parse stops after max_nodes) numbers
 * the elements in document order, notes each one's kind and class/id hints, hands
 * <meta>, <link>, <title> and JSON-LD to meta.c, and cuts the text into blocks: the runs
 * of text between block-level boundaries, each owned by the innermost block-level element
 * around it, with its word count and the share of it that is link text.
 *
 * The body is then chosen in four steps:
 *  1. hints: an element whose class or id says boilerplate (comments, share bars, related
 *     links, newsletter boxes, bylines, captions, navigation, ads, ...) marks its subtree
 *     as boilerplate, unless it holds the page's main marked body (below) or nearly all
 *     its prose (a wrapper whose class happens to say "sidebar" is not a sidebar); a class
 *     that says article body outright cancels them; hidden elements are not read at all;
 *  2. the container: each block is worth its prose (long, sentence-like, few links) or
 *     costs its boilerplate (link lists, short labels, hinted blocks); the paragraph of a
 *     card in a list of cards (a linked headline and one paragraph) is worth nothing; the
 *     element whose subtree sums to the most is the article's container;
 *  3. the marked body: the <article>, itemprop=articleBody or article-body element with
 *     the most prose (not counting the <article>s nested in it) replaces the container
 *     when it holds most of the container's prose, or is much larger than it;
 *  4. the blocks: inside the container, the blocks that are not boilerplate, captions,
 *     nested <article>s (teasers), link lines, the headline or advertisement labels (a
 *     marked body keeps its short lines and written-out URLs), in order, a blank line
 *     between paragraphs; links, headings and one-word lines that end it are cut.
 * Takes: UTF-8 HTML. Gives: p->text and p->method, or p->reason.
 * Must not: recurse, allocate without bound, log. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>

#include "page_int.h"

#define H_NEG 0x01       /* boilerplate by its class or id */
#define H_POS 0x02       /* says article body */
#define H_BODYPROP 0x04  /* itemprop=articleBody */
#define H_CAPTION 0x08   /* caption, credit, figure: dropped inside the body */
#define H_HIDDEN 0x10    /* not shown: not read */
#define H_PAYWALL 0x20   /* paywall or login box */
#define H_STRONG 0x40    /* with H_NEG: a strong hint */

struct el {
	int parent, end;     /* end: one past the last descendant */
	uint16_t depth;
	uint8_t tag, hint;
	bool boundary;       /* starts and ends a block */
	bool neg;            /* effective boilerplate (hint held up against the prose inside) */
	bool wrapper;        /* holds the container chosen by prose alone */
	bool marked;         /* says article body: <article>, itemprop=articleBody, class */
	float marked_prose;  /* the most prose of a marked element in the subtree */
	float words;         /* words of all blocks in the subtree */
	float flat;          /* prose in the subtree but not in <article>s below */
	uint32_t n_prose;    /* prose blocks in the subtree */
	uint32_t n_links;    /* link lines (headlines) in the subtree */
	float prose;         /* words of prose blocks in the subtree (hints ignored) */
	float value;         /* sum of block values in the subtree */
};

struct blk {
	int owner;
	uint32_t off, len;
	uint32_t words, chars, link_chars;
	uint8_t tag;         /* the owner's tag */
	bool sentence;       /* ends like a sentence */
	bool teaser;         /* the one paragraph of a card under a linked headline */
};

#define HINT_CACHE 256
struct hint_cache {
	uint32_t hash;
	uint16_t len;    /* string length + 1; 0 empty */
	uint8_t h;
	char s[240];
};

struct walk {
	struct meta *m;
	struct hint_cache *cache;   /* may be NULL */
	struct el *el;
	size_t n_el, cap_el;
	struct blk *bk;
	size_t n_bk, cap_bk;
	struct sbuf text;
	size_t cur_off;      /* start of the open block in text */
	uint32_t cur_link;
	bool space;
	int owner[1];        /* the block owner: the innermost open boundary element */
	int owner_at[PAGE_MAX_DEPTH + 2];   /* ... at each open level */
	int open[PAGE_MAX_DEPTH + 2];       /* the open element at each level */
	int depth;           /* open elements, also those too deep to read */
	int skip;            /* > 0: inside a skipped element opened at that level */
	int collect;         /* the tag whose text goes to raw (title, JSON-LD) */
	struct sbuf raw;
	size_t max_nodes;
	bool stopped;
	htmlParserCtxtPtr ctxt;
	int a_depth;
	bool oom, truncated, deep, password;
	int password_el;     /* the first password field */
	int paywall;
};

/* ---- hints ---- */

/* Strong: what such an element holds is boilerplate unless it is nearly the whole page. */
static const char *const strong_sub[] = {
	"comment", "share", "sharing", "social", "related", "recommend", "newsletter",
	"subscri", "signup", "sign-up", "byline", "breadcrumb", "footer", "masthead", "navbar",
	"navigation", "outbrain", "taboola", "popular", "trending", "mostread", "most-read",
	"readmore", "read-more", "more-stories", "also-read", "cookie", "consent", "gdpr",
	"copyright", "disclaimer", "author-info", "authorinfo", "author-bio", "recirc",
	"more-from", "next-article", "skip-link", "follow-us", "tag-list", "taglist",
	"topic-list", "sidebar", "advert", "sponsor",
};
static const char *const strong_tok[] = {
	"ad", "ads", "adv", "nav", "menu", "tags", "promo", "promos", "teaser", "teasers",
	"login", "modal", "popup", "banner", "pagination", "pager", "rating", "reactions",
};
/* Weak: boilerplate, unless it holds most of the page's prose (a wrapper so named). */
static const char *const weak_sub[] = {
	"widget", "toolbar", "overlay", "timestamp", "dateline", "keyword", "subnav",
	"slideshow", "carousel", "print-", "video-player", "videoplayer", "media-player",
};
static const char *const weak_tok[] = {
	"tag", "tools", "tool", "meta", "date", "time", "author", "authors", "header", "aside",
	"extra", "links", "video", "embed", "icon", "button", "btn", "label", "print",
	"email", "bio", "more", "dropdown", "credits", "source", "share", "social",
};
static const char *const caption_sub[] = { "caption", "credit", "gallery", "thumbnail",
	"lightbox", "figure", "slideshow" };
static const char *const caption_tok[] = { "photo", "image", "img", "media", "picture",
	"pic", "figure", "wp-caption" };
/* Says article body outright: cancels a negative hint on the same element. */
static const char *const body_sub[] = { "article-body", "articlebody", "article-content",
	"articlecontent", "article__body", "article__content", "article-text", "articletext",
	"story-body", "storybody", "story-content", "story__body", "story-text", "entry-content",
	"entry__content", "post-content", "postcontent", "post-body", "post__content",
	"post-entry", "main-content", "body-text", "content-body", "rich-text", "article-main" };
static const char *const pos_sub[] = { "article", "story", "entry", "post", "content", "body",
	"text", "main", "prose", "blog" };
static const char *const hidden_tok[] = { "sr-only", "visually-hidden", "visuallyhidden",
	"screen-reader-text", "screenreader", "offscreen", "element-invisible", "hidden" };
static const char *const paywall_sub[] = { "paywall", "regwall", "registration-wall",
	"subscriber-only", "premium-content", "meter-", "login-wall", "loginwall",
	"subscription-required", "locked-content" };

/* The letter pairs of a class string, so that most patterns are ruled out before strstr. */
struct pairs {
	uint64_t bit[12];   /* 27 x 27: a-z and '-' */
};

static int pair_idx(char c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' : c == '-' ? 26 : -1;
}

static void pairs_of(const char *s, struct pairs *ps)
{
	memset(ps, 0, sizeof(*ps));
	for (; s[0] && s[1]; s++) {
		int a = pair_idx(s[0]), b = pair_idx(s[1]);
		if (a >= 0 && b >= 0)
			ps->bit[(a * 27 + b) / 64] |= 1ull << ((a * 27 + b) % 64);
	}
}

static bool has_sub(const char *s, const struct pairs *ps, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int a = pair_idx(set[i][0]), b = pair_idx(set[i][1]);
		if (a >= 0 && b >= 0 && !(ps->bit[(a * 27 + b) / 64] & (1ull << ((a * 27 + b) % 64))))
			continue;
		if (strstr(s, set[i]))
			return true;
	}
	return false;
}

/* Whole tokens, split at anything but letters and digits (and "-" kept for hidden_tok). */
static bool has_tok(const char *s, const char *const *set, size_t n, bool dash)
{
	const char *p = s;
	while (*p) {
		while (*p && !(isalnum((unsigned char)*p) || (dash && *p == '-')))
			p++;
		const char *q = p;
		while (*q && (isalnum((unsigned char)*q) || (dash && *q == '-')))
			q++;
		size_t k = (size_t)(q - p);
		for (size_t i = 0; k && i < n; i++)
			if (strlen(set[i]) == k && !memcmp(p, set[i], k))
				return true;
		p = q;
	}
	return false;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool style_hidden(const char *st)
{
	char c[128];
	size_t k = 0;
	for (; *st && k + 1 < sizeof(c); st++)
		if (!isspace((unsigned char)*st))
			c[k++] = (char)tolower((unsigned char)*st);
	c[k] = '\0';
	return strstr(c, "display:none") || strstr(c, "visibility:hidden");
}

/* The hints of a class and id string (lowercase). */
static uint8_t class_hints(const char *s)
{
	uint8_t h = 0;
	struct pairs ps;
	pairs_of(s, &ps);
	if (has_tok(s, hidden_tok, N(hidden_tok), true))
		return H_HIDDEN;
	if (has_sub(s, &ps, paywall_sub, N(paywall_sub)))
		h |= H_PAYWALL;
	if (has_sub(s, &ps, strong_sub, N(strong_sub)) || has_tok(s, strong_tok, N(strong_tok), false))
		h |= H_NEG | H_STRONG;
	else if (has_sub(s, &ps, weak_sub, N(weak_sub)) || has_tok(s, weak_tok, N(weak_tok), false))
		h |= H_NEG;
	if (has_sub(s, &ps, caption_sub, N(caption_sub)) || has_tok(s, caption_tok, N(caption_tok), true))
		h |= H_CAPTION;
	if (has_sub(s, &ps, pos_sub, N(pos_sub)))
		h |= H_POS;
	if (has_sub(s, &ps, body_sub, N(body_sub)))
		h = (uint8_t)((h | H_POS | H_BODYPROP) & ~(H_NEG | H_STRONG));
	return h;
}

/* class_hints through a small cache: pages repeat their class names. */
static uint8_t cached_hints(struct walk *w, const char *s, size_t n)
{
	uint32_t hash = 2166136261u;
	for (size_t i = 0; i < n; i++)
		hash = (hash ^ (unsigned char)s[i]) * 16777619u;
	struct hint_cache *c = w->cache ? &w->cache[hash % HINT_CACHE] : NULL;
	if (c && c->len == n + 1 && c->hash == hash && !memcmp(c->s, s, n))
		return c->h;
	uint8_t h = class_hints(s);
	if (c && n < sizeof(c->s)) {
		c->hash = hash;
		c->len = (uint16_t)(n + 1);
		c->h = h;
		memcpy(c->s, s, n);
	}
	return h;
}

static uint8_t hints(struct walk *w, const xmlChar **n, enum tag t)
{
	uint8_t h = 0;
	const char *cls = page_attr(n, "class"), *id = page_attr(n, "id");
	if (n) {
		if (page_attr(n, "hidden"))
			return H_HIDDEN;
		const char *st = page_attr(n, "style");
		if (st && style_hidden(st))
			return H_HIDDEN;
		const char *ip = page_attr(n, "itemprop");
		if (ip && (!strcasecmp(ip, "articleBody") || strstr(ip, "articleBody")))
			h |= H_BODYPROP | H_POS;
		if (t == T_INPUT) {
			const char *ty = page_attr(n, "type");
			if (ty && !strcasecmp(ty, "password") && !w->password) {
				w->password = true;
				w->password_el = (int)w->n_el;
			}
		}
	}
	if (cls || id) {
		char s[256];
		size_t k = 0;
		for (const char *src = cls; src && *src && k + 2 < sizeof(s); src++)
			s[k++] = (char)tolower((unsigned char)*src);
		s[k++] = ' ';
		for (const char *src = id; src && *src && k + 1 < sizeof(s); src++)
			s[k++] = (char)tolower((unsigned char)*src);
		s[k] = '\0';
		uint8_t ch = cached_hints(w, s, k);
		if (ch & H_HIDDEN)
			return H_HIDDEN;
		if (ch & H_PAYWALL)
			w->paywall++;
		h |= (h & H_BODYPROP) ? (ch & H_PAYWALL) : ch;
	}
	switch (t) {
	case T_NAV:
	case T_ASIDE:
	case T_FOOTER:
	case T_HEADER:
		h |= H_NEG | H_STRONG;
		break;
	case T_FIGURE:
	case T_FIGCAPTION:
		h |= H_CAPTION;
		break;
	case T_HTML:
	case T_BODY:
	case T_MAIN:
		h &= (uint8_t)~(H_NEG | H_STRONG | H_CAPTION);
		break;
	default:
		break;
	}
	return h;
}

static bool is_boundary(enum tag t)
{
	switch (t) {
	case T_A:
	case T_INLINE:
	case T_OTHER:
	case T_TIME:
	case T_IMG:
	case T_INPUT:
		return false;
	default:
		return true;
	}
}

/* ---- the walk ---- */

static void flush(struct walk *w)
{
	struct sbuf *t = &w->text;
	while (t->len > w->cur_off && (t->b[t->len - 1] == ' ' || t->b[t->len - 1] == '\n'))
		t->len--;
	if (t->b)
		t->b[t->len] = '\0';
	if (t->len > w->cur_off && !w->oom) {
		if (w->n_bk == w->cap_bk) {
			size_t cap = w->cap_bk ? w->cap_bk * 2 : 256;
			struct blk *b = realloc(w->bk, cap * sizeof(*b));
			if (!b) {
				w->oom = true;
				return;
			}
			w->bk = b;
			w->cap_bk = cap;
		}
		struct blk *b = &w->bk[w->n_bk++];
		*b = (struct blk){ 0 };
		const char *s = t->b + w->cur_off;
		uint32_t len = (uint32_t)(t->len - w->cur_off);
		uint32_t words = (uint32_t)page_words(s, len);
		int o = w->owner[0];
		b->owner = o;
		b->off = (uint32_t)w->cur_off;
		b->len = len;
		b->words = words;
		b->chars = len;
		b->link_chars = w->cur_link > len ? len : w->cur_link;
		b->tag = w->el[o].tag;
		unsigned char last = (unsigned char)s[len - 1];
		if ((last == '"' || last == ')' || last == '\'') && len > 1)
			last = (unsigned char)s[len - 2];
		b->sentence = last == '.' || last == '!' || last == '?' || last == ':' ||
			      (len >= 3 && !memcmp(s + len - 3, "\xE2\x80\x9D", 3)) ||
			      (len >= 3 && !memcmp(s + len - 3, "\xE2\x80\xA6", 3));
		sb_add(t, "", 1);   /* keep the NUL: blocks are C strings in place */
	}
	w->cur_off = t->len;
	w->cur_link = 0;
	w->space = false;
}

static int add_el(struct walk *w, int parent, int depth, enum tag t, uint8_t h)
{
	if (w->n_el == w->cap_el) {
		size_t cap = w->cap_el ? w->cap_el * 2 : 1024;
		struct el *e = realloc(w->el, cap * sizeof(*e));
		if (!e) {
			w->oom = true;
			return -1;
		}
		w->el = e;
		w->cap_el = cap;
	}
	struct el *e = &w->el[w->n_el];
	*e = (struct el){ .parent = parent, .end = (int)w->n_el + 1, .depth = (uint16_t)depth,
			  .tag = (uint8_t)t, .hint = h, .boundary = is_boundary(t) || (h & H_NEG) };
	return (int)w->n_el++;
}

/* The walk runs on libxml2's SAX events: no tree is built. open[] holds the elements open
 * down to PAGE_MAX_DEPTH; deeper ones are counted (depth) but not read. */
static void sax_start(void *ud, const xmlChar *name, const xmlChar **attrs)
{
	struct walk *w = ud;
	int depth = w->depth++;
	if (w->oom || w->stopped)
		return;
	if (depth >= PAGE_MAX_DEPTH || w->skip) {
		if (depth >= PAGE_MAX_DEPTH && !w->skip)
			w->deep = true;
		return;
	}
	if (w->n_el >= w->max_nodes) {
		w->truncated = w->stopped = true;
		xmlStopParser(w->ctxt);
		return;
	}
	enum tag t = page_tag(name);
	if (t == T_META || t == T_LINK || t == T_HTML)
		meta_element(w->m, t, attrs, NULL);
	uint8_t h = hints(w, attrs, t);
	int idx = add_el(w, w->open[depth], depth + 1, t, h);
	if (idx < 0)
		return;
	w->open[depth + 1] = idx;
	if (t == T_BR) {
		/* a line break; two in a row end the block */
		struct sbuf *s = &w->text;
		if (s->len > w->cur_off && s->b[s->len - 1] == '\n')
			flush(w);
		else if (s->len > w->cur_off)
			sb_add(s, "\n", 1);
		w->space = false;
	} else if (w->el[idx].boundary) {
		flush(w);
	}
	w->owner_at[depth + 1] = w->el[idx].boundary ? idx : w->owner_at[depth];
	w->owner[0] = w->owner_at[depth + 1];
	if (t == T_A)
		w->a_depth++;
	if (t == T_SCRIPT || t == T_STYLE || t == T_SKIP || t == T_TITLE || (h & H_HIDDEN)) {
		w->skip = depth + 1;   /* not read below here */
		if (t == T_TITLE || (t == T_SCRIPT && page_attr(attrs, "type") &&
				     strstr(page_attr(attrs, "type"), "ld+json"))) {
			w->collect = t;
			w->raw.len = 0;
			if (w->raw.b)
				w->raw.b[0] = '\0';
		}
	}
}

static void sax_end(void *ud, const xmlChar *name)
{
	struct walk *w = ud;
	(void)name;
	if (w->depth == 0)
		return;
	int depth = w->depth--;
	if (w->oom || w->stopped || depth > PAGE_MAX_DEPTH)
		return;
	if (w->skip && depth > w->skip)
		return;
	int idx = w->open[depth];
	struct el *e = &w->el[idx];
	e->end = (int)w->n_el;
	if (w->skip == depth) {
		w->skip = 0;
		if (w->collect) {
			if (!w->raw.oom)
				meta_element(w->m, (enum tag)w->collect, NULL, w->raw.b ? w->raw.b : "");
			w->collect = 0;
		}
	}
	if (e->tag == T_A && w->a_depth)
		w->a_depth--;
	if (e->boundary)
		flush(w);
	w->owner[0] = w->owner_at[depth - 1];
}

static void sax_text(void *ud, const xmlChar *ch, int len)
{
	struct walk *w = ud;
	if (w->oom || w->stopped || len <= 0)
		return;
	if (w->skip) {
		if (w->collect && w->raw.len + (size_t)len < PAGE_RAW_MAX)
			sb_add(&w->raw, (const char *)ch, (size_t)len);
		return;
	}
	if (w->depth > PAGE_MAX_DEPTH)
		return;
	size_t before = w->text.len;
	sb_text(&w->text, (const char *)ch, (size_t)len, &w->space);
	if (w->a_depth)
		w->cur_link += (uint32_t)(w->text.len - before);
	if (w->text.oom)
		w->oom = true;
}

static int walk_html(struct walk *w, const char *html, size_t len)
{
	/* element 0: the document, owner of stray text */
	add_el(w, -1, 0, T_HTML, 0);
	w->open[0] = 0;
	w->owner_at[0] = 0;
	w->owner[0] = 0;
	if (len == 0) {
		flush(w);
		return 0;   /* nothing left once comments and scripts are cut */
	}
	if (len > INT32_MAX)
		len = INT32_MAX;
	htmlParserCtxtPtr c = htmlCreateMemoryParserCtxt(html, (int)len);
	if (!c)
		return -ENOMEM;
	htmlCtxtUseOptions(c, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
				      HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC);
	xmlCharEncodingHandlerPtr utf8 = xmlFindCharEncodingHandler("UTF-8");
	if (utf8)
		xmlSwitchToEncoding(c, utf8);
	memset(c->sax, 0, sizeof(*c->sax));
	c->sax->startElement = sax_start;
	c->sax->endElement = sax_end;
	c->sax->characters = sax_text;
	c->sax->ignorableWhitespace = sax_text;
	c->sax->cdataBlock = sax_text;
	c->userData = w;
	w->ctxt = c;
	htmlParseDocument(c);
	if (c->myDoc)
		xmlFreeDoc(c->myDoc);
	htmlFreeParserCtxt(c);
	w->ctxt = NULL;
	/* close whatever is still open (the parse stopped early) */
	int depth = w->depth < PAGE_MAX_DEPTH ? w->depth : PAGE_MAX_DEPTH;
	for (; depth > 0; depth--)
		if (w->el[w->open[depth]].end <= w->open[depth])
			w->el[w->open[depth]].end = (int)w->n_el;
	w->el[0].end = (int)w->n_el;
	flush(w);
	return 0;
}

/* ---- choosing ---- */

static bool is_heading(uint8_t t)
{
	return t >= T_H1 && t <= T_H6;
}

static float link_density(const struct blk *b)
{
	return b->chars ? (float)b->link_chars / (float)b->chars : 0;
}

static bool prose(const struct blk *b)
{
	return !is_heading(b->tag) && b->words >= 10 && link_density(b) < 0.3f;
}

static float value(const struct walk *w, const struct blk *b)
{
	float words = (float)b->words, ld = link_density(b);
	if (w->el[b->owner].neg || ld > 0.5f)
		return -words;
	if (is_heading(b->tag))
		return 0;
	if (prose(b)) {
		if (b->teaser)
			return 0;
		float v = words - 5;
		if (b->tag != T_P)
			v *= 0.8f;
		return v;
	}
	return b->sentence && ld == 0 ? 0 : -0.3f * words;
}

/* The element whose blocks sum to the most value. */
static int pick_root(struct walk *w)
{
	for (size_t i = 0; i < w->n_el; i++)
		w->el[i].value = 0;
	for (size_t i = 0; i < w->n_bk; i++)
		w->el[w->bk[i].owner].value += value(w, &w->bk[i]);
	for (size_t i = w->n_el; i-- > 1;)
		w->el[w->el[i].parent].value += w->el[i].value;
	int root = 0;
	for (size_t i = 1; i < w->n_el; i++)
		if (w->el[i].value > w->el[root].value)
			root = (int)i;
	return root;
}

/* An advertisement's label standing alone. */
static bool is_label(const char *s)
{
	static const char *const labels[] = { "advertisement", "advert", "advertising", "ad",
		"sponsored", "sponsored content", "anzeige", "werbung", "publicidad", "publicité",
		"pubblicità", "publicidade", "advertentie", "reklama", "реклама", "广告", "広告",
		"story continues below", "article continues below", "continue reading below",
		"scroll to continue with content" };
	size_t n = strlen(s);
	while (n && (s[n - 1] == '.' || s[n - 1] == ':' || s[n - 1] == ' '))
		n--;
	if (n > 40)
		return false;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strlen(labels[i]) == n && !strncasecmp(s, labels[i], n))
			return true;
	return false;
}

/* A link written out: "http://...", "www.example.org/...". */
static bool is_url(const char *s)
{
	if (strncmp(s, "http://", 7) && strncmp(s, "https://", 8) && strncmp(s, "www.", 4))
		return false;
	return !strchr(s, ' ');
}

static bool is_ancestor(const struct walk *w, int a, int d)
{
	return a <= d && d < w->el[a].end;
}

static bool in_article(const struct walk *w, int i)
{
	for (; i > 0; i = w->el[i].parent)
		if (w->el[i].tag == T_ARTICLE)
			return true;
	return false;
}

/* The page's main marked body (<article>, itemprop=articleBody, an article-body class):
 * the container moves to it when it holds most of the container's prose, or when the
 * container is a small part of it. */
static int marked_root(const struct walk *w, int root)
{
	int m = 0;
	float best = 0;
	for (size_t i = 1; i < w->n_el; i++) {
		const struct el *e = &w->el[i];
		if (!(e->tag == T_ARTICLE || (e->hint & H_BODYPROP)) || e->neg)
			continue;
		if (e->flat > best * 1.02f || (m && is_ancestor(w, m, (int)i) && e->flat >= 0.98f * best)) {
			best = e->flat > best ? e->flat : best;
			m = (int)i;
		}
	}
	if (!m || best < 50)
		return root;
	if (is_ancestor(w, m, root) && w->el[root].prose < 0.7f * best)
		return m;
	if (is_ancestor(w, root, m) &&
	    (best >= 0.5f * w->el[root].prose || (best >= 150 && best >= 0.25f * w->el[root].prose)))
		return m;
	return root;
}

/* A hinted element that holds (nearly) all the prose is a wrapper, not boilerplate. */
static bool holds_most(const struct el *e, float total)
{
	return e->prose >= 50 && e->prose >= ((e->hint & H_STRONG) ? 0.85f : 0.5f) * total;
}

int body_extract(const char *html, size_t len, size_t max_nodes, struct meta *m, struct page *p)
{
	struct walk w = { .m = m, .cache = calloc(HINT_CACHE, sizeof(struct hint_cache)),
			  .max_nodes = max_nodes };
	int r = walk_html(&w, html, len);
	if (r < 0)
		goto out;
	if (w.oom || w.text.oom) {
		r = -ENOMEM;
		goto out;
	}
	/* prose per subtree, hints ignored */
	for (size_t i = 0; i < w.n_bk; i++)
		if (prose(&w.bk[i]))
			w.el[w.bk[i].owner].prose += (float)w.bk[i].words;
	for (size_t i = 0; i < w.n_bk; i++) {
		w.el[w.bk[i].owner].words += (float)w.bk[i].words;
		if (prose(&w.bk[i]))
			w.el[w.bk[i].owner].flat += (float)w.bk[i].words;
	}
	for (size_t i = 0; i < w.n_bk; i++) {
		const struct blk *b = &w.bk[i];
		if (prose(b))
			w.el[b->owner].n_prose++;
		else if (link_density(b) > 0.5f && b->words >= 3)
			w.el[b->owner].n_links++;
	}
	for (size_t i = w.n_el; i-- > 1;) {
		struct el *e = &w.el[i], *up = &w.el[e->parent];
		up->n_prose += e->n_prose;
		up->n_links += e->n_links;
		up->prose += e->prose;
		up->words += e->words;
		if (e->tag != T_ARTICLE)
			up->flat += e->flat;
		if ((e->tag == T_ARTICLE || (e->hint & H_BODYPROP)) && e->flat > e->marked_prose)
			e->marked_prose = e->flat;
		if (e->marked_prose > up->marked_prose)
			up->marked_prose = e->marked_prose;
	}
	/* cards: a linked headline and one paragraph, in the same small container, in a list
	 * of such */
	for (size_t i = 0; i < w.n_bk; i++) {
		struct blk *b = &w.bk[i];
		int c = w.el[b->owner].parent;
		if (!prose(b) || c <= 0 || w.el[c].n_prose != 1 || w.el[c].n_links < 1 ||
		    w.el[c].n_links > 2)
			continue;
		/* and more like it around: cards come in lists */
		int up = w.el[c].parent;
		b->teaser = up > 0 && w.el[up].n_prose >= 3 && w.el[up].n_links >= 3;
	}
	float total = w.el[0].prose, marked = w.el[0].marked_prose;
	/* what holds the page's main marked body is no boilerplate */
	if (marked >= 50)
		for (size_t i = 1; i < w.n_el; i++)
			if (w.el[i].marked_prose >= 0.6f * marked)
				w.el[i].wrapper = true;
	int root;
	/* effective boilerplate: hinted, or inside hinted, unless it holds most of the prose */
	for (size_t i = 1; i < w.n_el; i++) {
		struct el *e = &w.el[i];
		e->neg = w.el[e->parent].neg ||
			 ((e->hint & H_NEG) && !e->wrapper && !holds_most(e, total));
	}
	root = pick_root(&w);
	root = marked_root(&w, root);
	/* boilerplate and captions below the container */
	int rend = w.el[root].end;
	bool *drop = calloc((size_t)(rend - root) + 1, sizeof(bool));
	if (!drop) {
		r = -ENOMEM;
		goto out;
	}
	for (int i = root + 1; i < rend; i++) {
		const struct el *e = &w.el[i];
		bool own = ((e->hint & H_NEG) && !e->wrapper && !holds_most(e, w.el[root].prose)) ||
			   ((e->hint & H_CAPTION) && !e->wrapper && e->words < 80);
		/* an <article> inside the article is another one: a teaser, a related story */
		if (e->tag == T_ARTICLE && in_article(&w, e->parent))
			own = true;
		bool up = e->parent > root && drop[e->parent - root];
		/* a quotation embedded in the body (a post quoted from a social network) is
		 * the article's, whatever the embed's wrapper says */
		if (up && e->tag == T_BLOCKQUOTE && !own)
			up = false;
		drop[i - root] = up || own;
	}
	/* the blocks kept, in order */
	uint32_t *keep = malloc((w.n_bk + 1) * sizeof(*keep));
	if (!keep) {
		free(drop);
		r = -ENOMEM;
		goto out;
	}
	size_t n_keep = 0;
	bool lenient = (w.el[root].hint & H_BODYPROP) != 0;
	for (size_t i = 0; i < w.n_bk; i++) {
		const struct blk *b = &w.bk[i];
		if (b->owner < root || b->owner >= rend || drop[b->owner - root])
			continue;
		float ld = link_density(b);
		/* inside a marked body, only short link lines (related stories) go */
		if (lenient ? ld > 0.6f && b->words < 25 && !is_url(w.text.b + b->off)
			    : ld > 0.5f || (ld > 0.25f && b->words < 12))
			continue;
		if (b->tag == T_H1 || is_label(w.text.b + b->off))
			continue;
		if (!lenient && !is_heading(b->tag) && b->words <= 3 && !b->sentence)
			continue;
		keep[n_keep++] = (uint32_t)i;
	}
	/* the tail: links to follow, subscribe, read on, rather than the article */
	while (n_keep > 0) {
		const struct blk *b = &w.bk[keep[n_keep - 1]];
		/* and a heading with nothing after it ("Comments", "Related") */
		if (!(link_density(b) > 0.3f && b->words < 30) && !is_heading(b->tag) &&
		    !(b->words <= 2 && !b->sentence))
			break;
		n_keep--;
	}
	struct sbuf out = { 0 };
	for (size_t k = 0; k < n_keep; k++) {
		const struct blk *b = &w.bk[keep[k]];
		if (k)
			sb_add(&out, "\n\n", 2);
		sb_add(&out, w.text.b + b->off, b->len);
	}
	free(keep);
	free(drop);
	if (out.oom) {
		free(out.b);
		r = -ENOMEM;
		goto out;
	}
	/* a paywall box or a password field in or right after the container */
	bool wall = false;
	for (int i = root; i < rend + 8 && i < (int)w.n_el; i++)
		if ((w.el[i].hint & H_PAYWALL) || (w.password_el && i == w.password_el))
			wall = true;
	p->paywalled = wall || meta_paywalled(m);
	size_t words = out.b ? page_words(out.b, out.len) : 0;
	if (!out.b || out.len < 100 || (p->paywalled && words < PAGE_WALL_WORDS)) {
		free(out.b);
		p->reason = p->paywalled || w.paywall || w.password ? "login-wall" :
			    w.deep ? "too-deep" : w.truncated ? "too-large" : "no-body";
	} else {
		p->text = out.b;
		p->method = "dom";
		/* a teaser only shows so much: more than that is no wall */
		if (p->paywalled && words > PAGE_TEASER_WORDS)
			p->paywalled = false;
	}
out:
	free(w.raw.b);
	free(w.cache);
	free(w.el);
	free(w.bk);
	free(w.text.b);
	return r;
}
