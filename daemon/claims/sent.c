/* sent.c — tokenizer and sentence splitter for news text.
 *
 * Takes: one paragraph (UTF-8), the lexicon's word classes (abbreviations, sentence
 * starters). Gives: tokens with byte spans, lower-case forms and flags (capitalised,
 * dotted acronym, possessive, inside quotes), and sentences as token ranges. Survives
 * abbreviations (Mr., Sept., Gen.), initials, dotted acronyms (U.S., U.N.), decimals and
 * thousands separators, quotes and brackets, and a missing space after a period ("US.and").
 * Must not: log, or write outside the arena. */
#include <ctype.h>
#include <string.h>

#include "claims_int.h"

#define D_ CC_DIGIT
#define U_ CC_UPPER
#define L_ CC_LOWER
#define S_ CC_SPACE
const uint8_t claims_ctype[256] = {
	['\t'] = S_, ['\n'] = S_, ['\v'] = S_, ['\f'] = S_, ['\r'] = S_, [' '] = S_,
	['0'] = D_, ['1'] = D_, ['2'] = D_, ['3'] = D_, ['4'] = D_, ['5'] = D_, ['6'] = D_, ['7'] = D_,
	['8'] = D_, ['9'] = D_,
	['A'] = U_, ['B'] = U_, ['C'] = U_, ['D'] = U_, ['E'] = U_, ['F'] = U_, ['G'] = U_, ['H'] = U_,
	['I'] = U_, ['J'] = U_, ['K'] = U_, ['L'] = U_, ['M'] = U_, ['N'] = U_, ['O'] = U_, ['P'] = U_,
	['Q'] = U_, ['R'] = U_, ['S'] = U_, ['T'] = U_, ['U'] = U_, ['V'] = U_, ['W'] = U_, ['X'] = U_,
	['Y'] = U_, ['Z'] = U_,
	['a'] = L_, ['b'] = L_, ['c'] = L_, ['d'] = L_, ['e'] = L_, ['f'] = L_, ['g'] = L_, ['h'] = L_,
	['i'] = L_, ['j'] = L_, ['k'] = L_, ['l'] = L_, ['m'] = L_, ['n'] = L_, ['o'] = L_, ['p'] = L_,
	['q'] = L_, ['r'] = L_, ['s'] = L_, ['t'] = L_, ['u'] = L_, ['v'] = L_, ['w'] = L_, ['x'] = L_,
	['y'] = L_, ['z'] = L_,
};
#undef D_
#undef U_
#undef L_
#undef S_

/* UTF-8 punctuation we care about; returns its byte length or 0. */
static size_t u8_punct(const unsigned char *p, size_t left, unsigned *cp)
{
	if (left >= 3 && p[0] == 0xe2 && p[1] == 0x80) {
		switch (p[2]) {
		case 0x98: case 0x99: case 0x9c: case 0x9d: /* ‘ ’ “ ” */
		case 0x93: case 0x94: case 0xa6:             /* – — … */
			*cp = 0x2000u + p[2];
			return 3;
		default:
			break;
		}
	}
	if (left >= 2 && p[0] == 0xc2 && (p[1] == 0xa0 || p[1] == 0xab || p[1] == 0xbb)) {
		*cp = p[1];
		return 2;
	}
	return 0;
}

static bool is_space_at(const unsigned char *p, size_t left, size_t *len)
{
	if (c_isspace(*p)) {
		*len = 1;
		return true;
	}
	if (left >= 2 && p[0] == 0xc2 && p[1] == 0xa0) {
		*len = 2;
		return true;
	}
	return false;
}

static bool word_byte(const unsigned char *p, size_t left)
{
	unsigned cp;
	if (*p < 0x80)
		return c_isalnum(*p) != 0;
	return u8_punct(p, left, &cp) == 0;
}

static bool is_apos(const unsigned char *p, size_t left, size_t *len)
{
	if (*p == '\'') {
		*len = 1;
		return true;
	}
	if (left >= 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x99) {
		*len = 3;
		return true;
	}
	return false;
}

static const char *const tlds[] = { "com", "org", "net", "info", "gov", "edu", "io", "co", "uk", "int" };

static bool is_tld(const unsigned char *p, size_t left)
{
	for (size_t i = 0; i < sizeof(tlds) / sizeof(tlds[0]); i++) {
		size_t n = strlen(tlds[i]);
		if (left >= n && memcmp(p, tlds[i], n) == 0 && (left == n || !c_isalnum(p[n])))
			return true;
	}
	return false;
}

/* What lower_form() saw while copying. */
struct lw_info {
	uint32_t h;      /* FNV-1a hash of the lower-case form */
	uint32_t up, lo; /* ASCII upper- and lower-case letters of the token */
	bool hyphen;     /* a '-' in it */
};

/* Writes the lower-case form of s[0..n) at *buf (soft hyphens dropped, curly apostrophes
 * folded: never longer than n + 1 bytes) and advances *buf; one pass that also hashes it
 * and counts its letters. */
static char *lower_form(char **buf, const char *s, size_t n, struct lw_info *ret)
{
	char *o = *buf;
	uint32_t h = 2166136261u, up = 0, lo = 0;
	bool hyphen = false;
	size_t j = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		uint8_t cc = claims_ctype[c];
		if (cc & CC_UPPER) {
			up++;
			c = (unsigned char)(c + ('a' - 'A'));
		} else if (cc & CC_LOWER) {
			lo++;
		} else if (c == '-') {
			hyphen = true;
		} else if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xad) { /* soft hyphen */
			i += 2;
			continue;
		} else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
			   ((unsigned char)s[i + 2] == 0x99 || (unsigned char)s[i + 2] == 0x98)) {
			c = '\'';
			i += 2;
		}
		o[j++] = (char)c;
		h = (h ^ c) * 16777619u;
		i++;
	}
	o[j] = '\0';
	*buf = o + j + 1;
	ret->h = h;
	ret->up = up;
	ret->lo = lo;
	ret->hyphen = hyphen;
	return o;
}

size_t sent_tokenize(struct arena *a, const char *text, size_t n, struct tok **ret)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t cap = n / 2 + 8;
	struct tok *t = arena_alloc(a, cap * sizeof(*t));
	char *lwbuf = arena_alloc(a, n + cap + 1); /* every token's lower-case form */
	size_t nt = 0;
	bool space = true;
	int dq = 0; /* inside double quotes */
	if (!t || !lwbuf) {
		*ret = NULL;
		return 0;
	}
	size_t i = 0;
	while (i < n && nt < cap) {
		size_t sl;
		if (is_space_at(p + i, n - i, &sl)) {
			i += sl;
			space = true;
			continue;
		}
		/* soft hyphen between tokens: ignore */
		if (p[i] == 0xc2 && i + 1 < n && p[i + 1] == 0xad) {
			i += 2;
			continue;
		}
		struct tok *k = &t[nt];
		memset(k, 0, sizeof(*k));
		k->s = text + i;
		k->flags = space ? TF_SPACE : 0;
		space = false;
		size_t b = i;
		unsigned cp = 0;
		size_t pl = u8_punct(p + i, n - i, &cp);
		size_t al;
		if (c_isdigit(p[i])) {
			i++;
			while (i < n && (c_isdigit(p[i]) ||
					 ((p[i] == ',' || p[i] == '.') && i + 1 < n && c_isdigit(p[i + 1]))))
				i++;
			k->kind = TK_NUM;
			/* "48-year-old", "55-kilometer", "1990s" */
			if (i + 1 < n && p[i] == '-' && c_isalpha(p[i + 1])) {
				k->kind = TK_WORD;
				k->flags |= TF_NUMHYPH;
				while (i < n && (c_isalnum(p[i]) || (p[i] == '-' && i + 1 < n && c_isalnum(p[i + 1]))))
					i++;
			} else if (i < n && p[i] == 's' && (i + 1 >= n || !c_isalnum(p[i + 1]))) {
				i++;
				k->kind = TK_WORD;
			}
		} else if (word_byte(p + i, n - i)) {
			/* dotted acronym: (L.)+ */
			if (c_isalpha(p[i]) && i + 1 < n && p[i + 1] == '.' && i + 2 < n && c_isalpha(p[i + 2]) &&
			    (i + 3 >= n || p[i + 3] == '.')) {
				while (i + 1 < n && c_isalpha(p[i]) && p[i + 1] == '.' &&
				       (i + 2 >= n || !c_isalpha(p[i + 2]) || i + 3 >= n || p[i + 3] == '.'))
					i += 2;
				k->flags |= TF_DOTTED;
				/* "U.S.-backed" */
				if (i + 1 < n && p[i] == '-' && c_isalpha(p[i + 1])) {
					while (i < n && (c_isalnum(p[i]) || (p[i] == '-' && i + 1 < n && c_isalnum(p[i + 1]))))
						i++;
				}
			} else {
				while (i < n) {
					if (p[i] >= 0x80) {
						if (u8_punct(p + i, n - i, &cp)) {
							/* apostrophe inside a word: "don’t" */
							if (is_apos(p + i, n - i, &al) && i + al < n && c_isalpha(p[i + al]) &&
							    !(p[i + al] == 's' && (i + al + 1 >= n || !c_isalnum(p[i + al + 1]))))
								i += al;
							else
								break;
						} else {
							i++;
						}
						continue;
					}
					if (c_isalnum(p[i])) {
						i++;
						continue;
					}
					if (p[i] == '-' && i + 1 < n && (c_isalnum(p[i + 1]) || p[i + 1] >= 0x80) &&
					    !(p[i + 1] == 0xe2)) {
						i++;
						continue;
					}
					if (p[i] == '\'' && i + 1 < n && c_isalpha(p[i + 1]) &&
					    !(p[i + 1] == 's' && (i + 2 >= n || !c_isalnum(p[i + 2])))) {
						i++;
						continue;
					}
					if (p[i] == '.' && i + 1 < n && is_tld(p + i + 1, n - i - 1)) {
						i++;
						continue;
					}
					break;
				}
			}
			k->kind = TK_WORD;
		} else if (is_apos(p + i, n - i, &al) && i + al < n && p[i + al] == 's' &&
			   (i + al + 1 >= n || !c_isalnum(p[i + al + 1])) && nt && !(k->flags & TF_SPACE)) {
			i += al + 1;
			k->kind = TK_WORD;
			k->flags |= TF_POSS;
		} else if (is_apos(p + i, n - i, &al) && nt && !(k->flags & TF_SPACE) &&
			   t[nt - 1].kind == TK_WORD && t[nt - 1].n && t[nt - 1].s[t[nt - 1].n - 1] == 's' &&
			   (i + al >= n || !c_isalnum(p[i + al]))) {
			i += al; /* "months’" possessive plural */
			k->kind = TK_WORD;
			k->flags |= TF_POSS;
		} else if (p[i] == '"') {
			i++;
			k->kind = dq ? TK_QCLOSE : TK_QOPEN;
			dq = !dq;
		} else if (pl && (cp == 0x209c || cp == 0x209d)) {
			i += pl;
			k->kind = cp == 0x209c ? TK_QOPEN : TK_QCLOSE;
			dq = cp == 0x209c;
		} else if (pl) {
			i += pl;
			k->kind = TK_PUNCT;
		} else {
			i++;
			/* "--" as one dash */
			if (p[b] == '-' && i < n && p[i] == '-')
				i++;
			k->kind = TK_PUNCT;
		}
		if (i == b)
			i++;
		k->n = (uint32_t)(i - b);
		struct lw_info li;
		k->lw = lower_form(&lwbuf, k->s, k->n, &li);
		k->h = li.h;
		if (li.hyphen)
			k->flags |= TF_HYPHEN;
		if (k->kind == TK_WORD) {
			const unsigned char *w = (const unsigned char *)k->s;
			size_t off = 0;
			if (k->n >= 2 && w[0] == 0xc2 && w[1] == 0xad)
				off = 2;
			if (c_isupper(w[off]))
				k->flags |= TF_CAP;
			if (li.up >= 2 && li.lo == 0)
				k->flags |= TF_ALLCAP;
		}
		nt++;
	}
	/* inside-quote flags */
	bool inq = false;
	for (size_t j = 0; j < nt; j++) {
		if (t[j].kind == TK_QOPEN)
			inq = true;
		else if (t[j].kind == TK_QCLOSE)
			inq = false;
		else if (inq)
			t[j].flags |= TF_INQ;
	}
	*ret = t;
	return nt;
}

void sent_classify(const struct lexicon *lx, struct tok *t, size_t nt)
{
	lex_tag(lx, t, nt);
}

static bool is_end_punct(const struct tok *t)
{
	if (t->kind != TK_PUNCT)
		return false;
	return (t->n == 1 && (t->s[0] == '.' || t->s[0] == '!' || t->s[0] == '?')) ||
	       (t->n == 3 && (unsigned char)t->s[2] == 0xa6);
}

static bool is_closer(const struct tok *t)
{
	return t->kind == TK_QCLOSE ||
	       (t->kind == TK_PUNCT && t->n == 1 && (t->s[0] == ')' || t->s[0] == ']')) ||
	       (t->kind == TK_PUNCT && t->n == 3 && (unsigned char)t->s[2] == 0x99);
}

static bool starts_sentence(const struct tok *t)
{
	if (t->kind == TK_QOPEN)
		return true;
	if (t->kind == TK_PUNCT && t->n == 1 && (t->s[0] == '(' || t->s[0] == '['))
		return true;
	if (t->kind == TK_PUNCT && t->n == 3 && (unsigned char)t->s[2] == 0x98)
		return true;
	if (t->kind == TK_NUM)
		return true;
	return (t->flags & TF_CAP) || (t->kind == TK_WORD && (unsigned char)t->s[0] >= 0x80);
}

int sent_split(struct arena *a, const struct lexicon *lx, const char *p, struct tok *t, size_t nt,
	       size_t para, struct sentence **sv, size_t *nsv, size_t *cap)
{
	size_t start = 0, idx = 0;
	bool quote_open_at_start = false;
	int depth = 0;
	(void)p;
	(void)lx;
	for (size_t i = 0; i <= nt; i++) {
		bool cut = false;
		size_t end = i;
		if (i == nt) {
			cut = start < nt;
			end = nt;
		} else {
			if (t[i].kind == TK_QOPEN)
				depth = 1;
			else if (t[i].kind == TK_QCLOSE)
				depth = 0;
			bool ender = is_end_punct(&t[i]);
			/* a dotted acronym ends a sentence only before a sentence starter */
			bool acr_end = (t[i].flags & TF_DOTTED) && t[i].s[t[i].n - 1] == '.';
			if (ender || acr_end) {
				size_t j = i + 1;
				while (j < nt && is_closer(&t[j]) && !(t[j].flags & TF_SPACE)) {
					if (t[j].kind == TK_QCLOSE)
						depth = 0;
					j++;
				}
				if (j < nt && (t[j].flags & TF_SPACE) && starts_sentence(&t[j])) {
					cut = true;
					if (t[i].kind == TK_PUNCT && t[i].s[0] == '.' && i > 0) {
						const struct tok *w = &t[i - 1];
						unsigned wc = w->wc;
						unsigned next = t[j].wc;
						if (t[i].flags & TF_SPACE)
							; /* " ." — keep the cut */
						else if (wc & WC_ABBREV)
							cut = false;
						else if ((wc & WC_WEAKABBR) && !(next & WC_STARTER))
							cut = false;
						else if (w->kind == TK_WORD && w->n == 1 && c_isupper((unsigned char)w->s[0]))
							cut = false; /* initial */
					}
					if (acr_end && !ender) {
						unsigned next = t[j].wc;
						cut = (next & WC_STARTER) && t[j].kind == TK_WORD;
					}
					/* "...," he said. — a quote closes with a comma: not here */
				}
				if (cut)
					end = j;
			}
		}
		if (!cut)
			continue;
		if (end > start) {
			if (*nsv >= *cap) {
				size_t ncap = *cap ? *cap * 2 : 64;
				struct sentence *n = arena_alloc(a, ncap * sizeof(*n));
				if (!n)
					return -12;
				if (*nsv)
					memcpy(n, *sv, *nsv * sizeof(*n));
				*sv = n;
				*cap = ncap;
			}
			struct sentence *s = &(*sv)[(*nsv)++];
			memset(s, 0, sizeof(*s));
			s->t = t + start;
			s->nt = end - start;
			s->s = t[start].s;
			s->n = (size_t)(t[end - 1].s + t[end - 1].n - t[start].s);
			s->para = para;
			s->index_in_para = idx++;
			s->starts_in_quote = quote_open_at_start;
			bool all = true, any = false;
			for (size_t k = start; k < end; k++) {
				if (t[k].kind == TK_WORD || t[k].kind == TK_NUM) {
					any = true;
					if (!(t[k].flags & TF_INQ) && !quote_open_at_start)
						all = false;
				}
			}
			s->quote_only = any && all;
			s->ends_in_quote = depth != 0;
			/* words in a quote that started in an earlier sentence */
			if (quote_open_at_start) {
				for (size_t k = start; k < end; k++) {
					if (t[k].kind == TK_QCLOSE || t[k].kind == TK_QOPEN)
						break;
					t[k].flags |= TF_INQ;
				}
				s->quote_only = true;
				for (size_t k = start; k < end; k++) {
					if (t[k].kind == TK_QCLOSE) {
						for (size_t m = k + 1; m < end; m++)
							if ((t[m].kind == TK_WORD) && !(t[m].flags & TF_INQ))
								s->quote_only = false;
						break;
					}
				}
			}
			quote_open_at_start = depth != 0;
		}
		start = end;
		if (end > i)
			i = end - 1;
	}
	return 0;
}

char *tok_join(struct arena *a, const struct sentence *s, size_t b, size_t e)
{
	if (b >= e || e > s->nt)
		return NULL;
	const char *from = s->t[b].s;
	const char *to = s->t[e - 1].s + s->t[e - 1].n;
	return arena_strndup(a, from, (size_t)(to - from));
}
