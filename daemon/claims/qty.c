/* qty.c — quantities in a sentence: value, qualifier and unit.
 *
 * Takes: a tokenized sentence and the word classes (stop words end a unit phrase, measure
 * words such as "percent"). Gives: digits with separators and decimals, percentages,
 * money ("$6.5 billion" → 6.5e9 USD), number words and scales ("a million", "two months'",
 * "thousands of employees", "a quarter-point"), hyphenated measures ("48-year-old",
 * "55-kilometer"), ranges ("$40-50 billion" → the lower bound), qualifiers (over, more
 * than, about, nearly, up to, at least, some, roughly ...) and the unit as the noun phrase
 * that follows. Years, days of months and ordinals are not quantities.
 * Must not: log, or allocate outside the arena. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims_int.h"

static const struct {
	const char *w;
	double v;
} numwords[] = {
	{ "one", 1 },	    { "two", 2 },	  { "three", 3 },     { "four", 4 },	     { "five", 5 },
	{ "six", 6 },	    { "seven", 7 },	  { "eight", 8 },     { "nine", 9 },	     { "ten", 10 },
	{ "eleven", 11 },   { "twelve", 12 },	  { "thirteen", 13 }, { "fourteen", 14 },    { "fifteen", 15 },
	{ "sixteen", 16 },  { "seventeen", 17 }, { "eighteen", 18 }, { "nineteen", 19 },   { "twenty", 20 },
	{ "thirty", 30 },   { "forty", 40 },	  { "fifty", 50 },    { "sixty", 60 },	     { "seventy", 70 },
	{ "eighty", 80 },   { "ninety", 90 },	  { "hundred", 100 }, { "dozen", 12 },	     { "half", 0.5 },
	{ "quarter", 0.25 },
};

static const struct {
	const char *w;
	double v;
} scales[] = {
	{ "hundred", 1e2 }, { "thousand", 1e3 }, { "million", 1e6 }, { "billion", 1e9 }, { "trillion", 1e12 },
	{ "mln", 1e6 },	    { "bln", 1e9 },	 { "m", 1e6 },	     { "bn", 1e9 },	 { "k", 1e3 },
};

static const struct {
	const char *w;
	double v;
} vague[] = {
	{ "hundreds", 100 }, { "thousands", 1000 }, { "millions", 1e6 }, { "billions", 1e9 }, { "dozens", 12 },
	{ "tens", 10 },
};

/* qualifiers, longest first */
static const char *const quals[][3] = {
	{ "more", "than", NULL }, { "less", "than", NULL },   { "fewer", "than", NULL }, { "up", "to", NULL },
	{ "at", "least", NULL },  { "at", "most", NULL },     { "as", "many", "as" },    { "as", "much", "as" },
	{ "just", "over", NULL }, { "just", "under", NULL },  { "an", "estimated", NULL },
	{ "over", NULL, NULL },	  { "about", NULL, NULL },    { "around", NULL, NULL },  { "approximately", NULL, NULL },
	{ "nearly", NULL, NULL }, { "almost", NULL, NULL },   { "some", NULL, NULL },    { "roughly", NULL, NULL },
	{ "below", NULL, NULL },  { "above", NULL, NULL },    { "under", NULL, NULL },   { "estimated", NULL, NULL },
	{ "only", NULL, NULL },	  { "just", NULL, NULL },     { "between", NULL, NULL },     { "exceeding", NULL, NULL }, { "nearly", NULL, NULL },
};

static const struct {
	const char *sym;
	const char *code;
} currencies[] = {
	{ "$", "USD" }, { "\xc2\xa3", "GBP" }, { "\xe2\x82\xac", "EUR" }, { "\xc2\xa5", "JPY" },
};

const char *const *qty_words(void)
{
	static const char *words[sizeof(numwords) / sizeof(numwords[0]) + sizeof(scales) / sizeof(scales[0]) +
				  sizeof(vague) / sizeof(vague[0]) + 1];
	if (!words[0]) {
		size_t n = 0;
		for (size_t i = 0; i < sizeof(numwords) / sizeof(numwords[0]); i++)
			words[n++] = numwords[i].w;
		for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++)
			words[n++] = scales[i].w;
		for (size_t i = 0; i < sizeof(vague) / sizeof(vague[0]); i++)
			words[n++] = vague[i].w;
		words[n] = NULL;
	}
	return words;
}

static bool is_word(const struct tok *t, const char *w)
{
	return t->kind == TK_WORD && tok_is(t, w);
}

static double numword(const char *lw)
{
	for (size_t i = 0; i < sizeof(numwords) / sizeof(numwords[0]); i++)
		if (!strcmp(numwords[i].w, lw))
			return numwords[i].v;
	/* "twenty-five" */
	const char *h = strchr(lw, '-');
	if (h && h - lw < 16) {
		char a[16];
		memcpy(a, lw, (size_t)(h - lw));
		a[h - lw] = '\0';
		double x = 0, y = 0;
		for (size_t i = 0; i < sizeof(numwords) / sizeof(numwords[0]); i++) {
			if (!strcmp(numwords[i].w, a))
				x = numwords[i].v;
			if (!strcmp(numwords[i].w, h + 1))
				y = numwords[i].v;
		}
		if (x >= 20 && y > 0 && y < 10)
			return x + y;
	}
	return 0;
}

static double scale_of(const char *lw)
{
	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++)
		if (!strcmp(scales[i].w, lw))
			return scales[i].v;
	return 0;
}

static double parse_digits(const char *s, size_t n)
{
	char buf[64];
	size_t j = 0;
	for (size_t i = 0; i < n && j < sizeof(buf) - 1; i++) {
		if (s[i] == ',')
			continue;
		if (!c_isdigit((unsigned char)s[i]) && s[i] != '.')
			break;
		buf[j++] = s[i];
	}
	buf[j] = '\0';
	return strtod(buf, NULL);
}

/* Currency codes and abbreviations written before the number ("Rs 300", "Rs. 299",
 * "USD 5"); *ret_len gets the tokens they take. */
static const struct {
	const char *w;
	const char *code;
} currency_words[] = {
	{ "rs", "INR" }, { "inr", "INR" }, { "usd", "USD" }, { "eur", "EUR" }, { "gbp", "GBP" },
	{ "hk$", "HKD" }, { "a$", "AUD" }, { "c$", "CAD" }, { "us$", "USD" }, { "rmb", "CNY" },
};

static const char *currency_word_before(const struct sentence *s, size_t i, size_t *ret_len)
{
	size_t k = i;
	if (k > 1 && s->t[k - 1].kind == TK_PUNCT && s->t[k - 1].n == 1 && s->t[k - 1].s[0] == '.')
		k--;
	if (k == 0 || s->t[k - 1].kind != TK_WORD)
		return NULL;
	for (size_t j = 0; j < sizeof(currency_words) / sizeof(currency_words[0]); j++)
		if (tok_is(&s->t[k - 1], currency_words[j].w) && (s->t[k - 1].flags & TF_CAP)) {
			*ret_len = i - (k - 1);
			return currency_words[j].code;
		}
	return NULL;
}

/* Currency names after the number: the unit becomes the code, the text keeps the words.
 * "Hong Kong dollars" before "dollars": the longest name first. */
static const struct {
	const char *w[3];
	const char *code;
} currency_names[] = {
	{ { "hong", "kong", "dollars" }, "HKD" }, { { "canadian", "dollars", NULL }, "CAD" },
	{ { "australian", "dollars", NULL }, "AUD" }, { { "singapore", "dollars", NULL }, "SGD" },
	{ { "dollars", NULL, NULL }, "USD" },	  { { "euros", NULL, NULL }, "EUR" },
	{ { "yen", NULL, NULL }, "JPY" },	  { { "yuan", NULL, NULL }, "CNY" },
	{ { "rupees", NULL, NULL }, "INR" },	  { { "roubles", NULL, NULL }, "RUB" },
	{ { "rubles", NULL, NULL }, "RUB" },	  { { "pounds", "sterling", NULL }, "GBP" },
};

static const char *currency_name(const struct sentence *s, size_t b, size_t e)
{
	for (size_t j = 0; j < sizeof(currency_names) / sizeof(currency_names[0]); j++) {
		size_t n = currency_names[j].w[2] ? 3 : currency_names[j].w[1] ? 2 : 1;
		if (e - b != n)
			continue;
		size_t k = 0;
		while (k < n && tok_is(&s->t[b + k], currency_names[j].w[k]))
			k++;
		if (k == n)
			return currency_names[j].code;
	}
	return NULL;
}

/* "a share", "per barrel", "a month": a rate after the unit, kept whole with it. */
static size_t rate_after(const struct sentence *s, size_t e)
{
	static const char *const per[] = { "year", "month", "week", "day", "hour", "minute", "share", "barrel",
					   "person", "head", "night", "shift", "game", "season", "kilogram", "tonne",
					   "ton", "litre", "liter", "gallon", "mile", "kilometre", "kilometer" };
	if (e + 1 >= s->nt)
		return e;
	const struct tok *a = &s->t[e];
	if (!(tok_is(a, "per") || tok_is(a, "a") || tok_is(a, "an") || tok_is(a, "each")))
		return e;
	for (size_t k = 0; k < sizeof(per) / sizeof(per[0]); k++)
		if (tok_is(&s->t[e + 1], per[k]))
			return e + 2;
	return e;
}

static const char *currency_before(const struct sentence *s, size_t i)
{
	if (i == 0)
		return NULL;
	const struct tok *p = &s->t[i - 1];
	if (p->kind != TK_PUNCT)
		return NULL;
	for (size_t k = 0; k < sizeof(currencies) / sizeof(currencies[0]); k++)
		if (p->n == strlen(currencies[k].sym) && !memcmp(p->s, currencies[k].sym, p->n))
			return currencies[k].code;
	return NULL;
}

static size_t qualifier_before(const struct sentence *s, size_t i, size_t *ret_b);

/* The same on a tagged token: most words are in none of the tables (KW_NUM). */
static double numword_tok(const struct tok *t);
static double scale_tok(const struct tok *t);
static bool vague_tok(const struct tok *t);

static bool is_vague(const char *lw)
{
	for (size_t k = 0; k < sizeof(vague) / sizeof(vague[0]); k++)
		if (!strcmp(vague[k].w, lw))
			return true;
	return false;
}

static double numword_tok(const struct tok *t)
{
	if (!(t->kw & KW_NUM) && !(t->flags & TF_HYPHEN))
		return 0;
	return numword(t->lw);
}

static double scale_tok(const struct tok *t)
{
	return (t->kw & KW_NUM) ? scale_of(t->lw) : 0;
}

static bool vague_tok(const struct tok *t)
{
	return (t->kw & KW_NUM) && is_vague(t->lw);
}

/* A past-tense or particle word that follows a plural noun: the verb after the unit. */
static bool verb_like(const struct lexicon *lx, const struct tok *t)
{
	if (t->n > 3 && !strcmp(t->lw + t->n - 2, "ed"))
		return true;
	if (lex_match_tok(lx->cues, t, 1, 0, NULL))
		return true;
	static const char *const w[] = { "out", "up", "down", "off", "away", "back", "remain", "remained" };
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (!strcmp(w[i], t->lw))
			return true;
	return false;
}

/* The unit phrase that starts at token i: returns its end. */
static size_t unit_phrase(const struct lexicon *lx, const struct sentence *s, size_t i)
{
	size_t e = i, words = 0;
	while (e < s->nt && words < 5) {
		const struct tok *t = &s->t[e];
		if (t->kind != TK_WORD || (t->flags & TF_POSS))
			break;
		unsigned c = t->wc;
		if (c & (WC_STOP | WC_VERBISH | WC_AUX | WC_DET | WC_SOURCE))
			break;
		if (!(t->flags & TF_CAP) && verb_like(lx, t) && (words || !(t->wc & WC_UNIT)))
			break; /* "sides collapsed", "workers told", "660,000 based" */
		if ((t->month != 0) && (t->flags & TF_CAP))
			break;
		e++;
		words++;
		if (c & WC_UNIT)
			break;
	}
	/* a list: "new cars, trucks and SUVs" (a measure unit heads no list: "335 hp and more") */
	if (e > i && e + 1 < s->nt && !(s->t[e - 1].wc & WC_UNIT)) {
		size_t k = e, items = 0;
		while (k + 1 < s->nt && items < 4) {
			const struct tok *t = &s->t[k];
			bool sep = (t->kind == TK_PUNCT && t->s[0] == ',') || is_word(t, "and") || is_word(t, "or");
			if (!sep)
				break;
			bool last = is_word(t, "and") || is_word(t, "or");
			k++;
			if (k < s->nt && (is_word(&s->t[k], "and") || is_word(&s->t[k], "or"))) {
				last = true;
				k++;
			}
			size_t b2 = k;
			if (k < s->nt && (numword_tok(&s->t[k]) || scale_tok(&s->t[k]) || vague_tok(&s->t[k])))
				break; /* "... and thousands of hours" is another quantity */
			if (k < s->nt && !(s->t[k].flags & TF_CAP) && verb_like(lx, &s->t[k]))
				break; /* "300,000 euros and ordered ...": a second predicate, not a list */
			while (k < s->nt && k - b2 < 2 && s->t[k].kind == TK_WORD && !(s->t[k].flags & TF_POSS) &&
			       !(s->t[k].wc & (WC_STOP | WC_VERBISH | WC_AUX | WC_DET)))
				k++;
			if (k == b2)
				break;
			items++;
			if (last) {
				if (k >= s->nt || s->t[k].kind == TK_PUNCT || (s->t[k].wc & (WC_STOP | WC_AUX | WC_VERBISH)))
					e = k;
				break;
			}
		}
	}
	return e;
}

static size_t qualifier_before(const struct sentence *s, size_t i, size_t *ret_b)
{
	for (size_t q = 0; q < sizeof(quals) / sizeof(quals[0]); q++) {
		size_t len = quals[q][2] ? 3 : quals[q][1] ? 2 : 1;
		if (i < len)
			continue;
		size_t b = i - len, k;
		for (k = 0; k < len; k++)
			if (!is_word(&s->t[b + k], quals[q][k]))
				break;
		if (k == len) {
			*ret_b = b;
			return q + 1;
		}
	}
	return 0;
}

static const char *qual_text(struct arena *a, size_t q)
{
	const char *const *w = quals[q - 1];
	char buf[64];
	snprintf(buf, sizeof(buf), "%s%s%s%s%s", w[0], w[1] ? " " : "", w[1] ? w[1] : "", w[2] ? " " : "",
		 w[2] ? w[2] : "");
	return arena_strndup(a, buf, strlen(buf));
}

/* Numbers that name rather than count (GUIDELINES.md 6): after an identifier noun ("Route
 * 66", "Boeing 737", "Flight 370"), glued to a word ("ID.3", "4Motion"), clock times
 * ("6:38"), and scores ("beat Eastfield 3-1": two small whole numbers joined by a dash with
 * no unit after). */
static bool identifier_or_score(const struct sentence *s, size_t i)
{
	static const char *const idn[] = { "route", "highway", "interstate", "flight", "gate", "terminal", "platform",
					   "boeing", "airbus", "level", "phase", "article", "section", "chapter",
					   "room", "no", "number", "model", "series", "version", "channel", "district",
					   "precinct", "ward", "stage", "apollo", "windows", "iphone", "galaxy", "pixel" };
	const struct tok *t = &s->t[i];
	if (i > 0) {
		const struct tok *p = &s->t[i - 1];
		if (p->kind == TK_WORD && (p->flags & TF_CAP))
			for (size_t k = 0; k < sizeof(idn) / sizeof(idn[0]); k++)
				if (tok_is(p, idn[k]))
					return true;
		/* "ID.3": a number glued to a word by a period */
		if (p->kind == TK_PUNCT && p->n == 1 && p->s[0] == '.' && !(t->flags & TF_SPACE) && i > 1 &&
		    s->t[i - 2].kind == TK_WORD && !(p->flags & TF_SPACE))
			return true;
		/* clock times "6:38" (both halves) */
		if (p->kind == TK_PUNCT && p->n == 1 && p->s[0] == ':' && !(t->flags & TF_SPACE) && i > 1 &&
		    s->t[i - 2].kind == TK_NUM)
			return true;
	}
	if (i + 2 < s->nt && s->t[i + 1].kind == TK_PUNCT && s->t[i + 1].n == 1 && s->t[i + 1].s[0] == ':' &&
	    s->t[i + 2].kind == TK_NUM && !(s->t[i + 2].flags & TF_SPACE))
		return true;
	/* a score: "3-1", "2–2" with no unit after */
	if (i + 2 < s->nt && s->t[i + 1].kind == TK_PUNCT && !(s->t[i + 1].flags & TF_SPACE) &&
	    (s->t[i + 1].s[0] == '-' || s->t[i + 1].n == 3) && s->t[i + 2].kind == TK_NUM && t->n <= 2 &&
	    s->t[i + 2].n <= 2 && !memchr(t->s, '.', t->n)) {
		size_t u = i + 3;
		bool unit = u < s->nt && s->t[u].kind == TK_WORD &&
			    (!(s->t[u].wc & (WC_STOP | WC_DET | WC_VERBISH)) || tok_is(&s->t[u], "per"));
		bool pct = u < s->nt && s->t[u].kind == TK_PUNCT && s->t[u].s[0] == '%';
		bool money = i > 0 && s->t[i - 1].kind == TK_PUNCT && s->t[i - 1].n >= 1 &&
			     ((unsigned char)s->t[i - 1].s[0] == '$' || (unsigned char)s->t[i - 1].s[0] >= 0xc2);
		if (!unit && !pct && !money)
			return true;
	}
	if (i >= 2 && s->t[i - 1].kind == TK_PUNCT && !(s->t[i - 1].flags & TF_SPACE) && !(t->flags & TF_SPACE) &&
	    (s->t[i - 1].s[0] == '-' || s->t[i - 1].n == 3) && s->t[i - 2].kind == TK_NUM && s->t[i - 2].n <= 2 &&
	    t->n <= 2 && identifier_or_score(s, i - 2))
		return true;
	return false;
}

/* A bare count takes the counted noun of the nearest quantity of its sentence ("46 people
 * came, only 16 stayed": people; GUIDELINES.md 6, "around 200 of 264 seats"): a
 * noun of one word, not a currency, a percentage, an age or a duration. */
static void context_units(const struct sentence *s, struct quantity *q, size_t n)
{
	(void)s;
	for (size_t i = 0; i < n; i++) {
		if (q[i].unit)
			continue;
		const char *best = NULL;
		size_t dist = SIZE_MAX;
		for (size_t k = 0; k < n; k++) {
			const char *u = q[k].unit;
			size_t ul = u ? strlen(u) : 0;
			if (k == i || !u || ul < 3 || strchr(u, ' ') || (u[0] >= 'A' && u[0] <= 'Z') ||
			    !strcmp(u, "years") || !strcmp(u, "times") || !strcmp(u, "months") || !strcmp(u, "days") ||
			    !strcmp(u, "percent") ||
			    !strcmp(u, "weeks") || !strcmp(u, "hours") || !strcmp(u, "minutes"))
				continue;
			size_t dd = k > i ? k - i : i - k;
			if (dd < dist) {
				dist = dd;
				best = u;
			}
		}
		if (best)
			q[i].unit = best;
	}
}

size_t qty_find(struct arena *a, const struct lexicon *lx, const struct sentence *s, struct quantity *out,
		size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nt && n < max; i++) {
		const struct tok *t = &s->t[i];
		double v = 0;
		size_t b = i, e = i + 1;
		const char *unit = NULL, *qualifier = NULL;
		bool have = false, hyph = false, frac_word = false, cur_rate = false;
		size_t unit_b = 0, unit_e = 0;
		if (t->kind == TK_NUM) {
			if (identifier_or_score(s, i))
				continue;
			v = parse_digits(t->s, t->n);
			have = true;
			/* years and days of months are time, not quantities */
			bool has_sep = memchr(t->s, ',', t->n) || memchr(t->s, '.', t->n);
			if (!has_sep && t->n == 4 && v >= 1800 && v <= 2100 && !currency_before(s, i) &&
			    !(i + 1 < s->nt && (s->t[i + 1].s[0] == '%' || is_word(&s->t[i + 1], "percent"))))
				continue;
			if (i > 0 && (s->t[i - 1].month != 0) && (s->t[i - 1].flags & TF_CAP))
				continue;
			if (i > 1 && s->t[i - 1].kind == TK_PUNCT && s->t[i - 1].s[0] == '.' &&
			    (s->t[i - 2].month != 0))
				continue;
		} else if (t->kind == TK_WORD && (t->flags & TF_NUMHYPH)) {
			/* "48-year-old", "55-kilometer", "quarter-point" */
			v = parse_digits(t->s, t->n);
			have = true;
			hyph = true;
		} else if (t->kind == TK_WORD && !(t->flags & TF_POSS) &&
			   ((t->wc & WC_NUMWORD) || ((t->flags & TF_HYPHEN) && t->lw[0] != '-'))) {
			const char *lw = t->lw;
			double nw = numword(lw);
			const char *h = strchr(lw, '-');
			if (!nw && h && h - lw < 12) {
				char pre[16];
				memcpy(pre, lw, (size_t)(h - lw));
				pre[h - lw] = '\0';
				nw = numword(pre);
				if (nw)
					hyph = true;
				/* "two-thirds", "three-quarters": a fraction, no unit */
				static const struct {
					const char *w;
					double d;
				} frac[] = { { "third", 3 }, { "thirds", 3 }, { "quarter", 4 }, { "quarters", 4 },
					     { "fifth", 5 }, { "fifths", 5 }, { "half", 2 } };
				for (size_t k = 0; nw && k < sizeof(frac) / sizeof(frac[0]); k++)
					if (!strcmp(h + 1, frac[k].w)) {
						nw /= frac[k].d;
						hyph = false;
						frac_word = true;
						break;
					}
				/* "one-to-seven days": a range of number words, the unit after it */
				if (nw && hyph && !strncmp(h + 1, "to-", 3) && numword(h + 4))
					hyph = false;
			}
			size_t qb0;
			if (nw && !strcmp(lw, "one") && !(i + 1 < s->nt && scale_tok(&s->t[i + 1])))
				continue;
			if (nw && (!strcmp(lw, "half") || !strcmp(lw, "hundred") || !strcmp(lw, "dozen") ||
				   !strcmp(lw, "quarter")) &&
			    !(i > 0 && is_word(&s->t[i - 1], "a")) &&
			    !(!strcmp(lw, "half") && qualifier_before(s, i, &qb0)))
				continue; /* "second quarter" is not 0.25; "more than half" is 0.5 */
			if (nw) {
				v = nw;
				have = true;
				if (i > 0 && is_word(&s->t[i - 1], "a"))
					b = i - 1;
			} else if (is_word(t, "a") && i + 1 < s->nt && scale_tok(&s->t[i + 1]) >= 100) {
				v = 1;
				have = true;
			} else {
				for (size_t k = 0; k < sizeof(vague) / sizeof(vague[0]); k++)
					if (!strcmp(vague[k].w, lw) && i + 1 < s->nt && is_word(&s->t[i + 1], "of")) {
						v = vague[k].v;
						have = true;
						qualifier = vague[k].w;
						e = i + 2;
						/* "hundreds of thousands of people", "hundreds of millions of dollars" */
						if (e + 1 < s->nt && vague_tok(&s->t[e]) && is_word(&s->t[e + 1], "of"))
							for (size_t k2 = 0; k2 < sizeof(vague) / sizeof(vague[0]); k2++)
								if (!strcmp(vague[k2].w, s->t[e].lw) && vague[k2].v >= 1e3) {
									v *= vague[k2].v;
									e += 2;
									break;
								}
						unit_b = e;
						unit_e = unit_phrase(lx, s, e);
						break;
					}
				if (!have)
					continue;
			}
		} else if (t->kind == TK_WORD && (is_word(t, "several") || is_word(t, "few")) && i + 1 < s->nt &&
			   scale_tok(&s->t[i + 1]) >= 100) {
			/* "several thousand teachers", "a few hundred": the scale, the word as qualifier */
			v = scale_tok(&s->t[i + 1]);
			have = true;
			qualifier = is_word(t, "few") ? "a few" : "several";
			if (is_word(t, "few") && i > 0 && is_word(&s->t[i - 1], "a"))
				b = i - 1;
			e = i + 2;
			unit_b = e;
			unit_e = unit_phrase(lx, s, e);
			if (unit_e > unit_b)
				e = unit_e;
		} else if (t->kind == TK_WORD && is_word(t, "twice")) {
			v = 2;
			have = true;
			unit = "times";
		} else {
			continue;
		}
		if (!have)
			continue;
		const char *cur = currency_before(s, b);
		size_t cwl = 0;
		if (cur)
			b--;
		else if ((cur = currency_word_before(s, b, &cwl)))
			b -= cwl;
		if (hyph && cur) {
			unit = cur; /* "$6.99-a-month" */
			hyph = false;
			cur_rate = true;
		}
		if (frac_word || cur_rate) {
			/* "roughly two-thirds" */
		} else if (!hyph && !qualifier) {
			/* range "40-50", "four to six services", "75 to 100 people": the lower bound,
			 * the unit after the upper one */
			if (e + 1 < s->nt && s->t[e].kind == TK_PUNCT && (s->t[e].s[0] == '-' || s->t[e].n == 3) &&
			    !(s->t[e].flags & TF_SPACE) && s->t[e + 1].kind == TK_NUM)
				e += 2;
			else if (e + 1 < s->nt && is_word(&s->t[e], "to") &&
				 (s->t[e + 1].kind == TK_NUM || (numword_tok(&s->t[e + 1]) >= 2 && t->kind != TK_NUM)))
				e += 2;
			/* scales */
			while (e < s->nt && s->t[e].kind == TK_WORD) {
				double sc = scale_tok(&s->t[e]);
				if (!sc || (sc < 1e3 && strcmp(s->t[e].lw, "hundred")))
					break;
				if (!strcmp(s->t[e].lw, "m") || !strcmp(s->t[e].lw, "k")) {
					if (!cur)
						break;
				}
				v *= sc;
				e++;
			}
			if (e < s->nt && s->t[e].kind == TK_PUNCT && s->t[e].n == 1 && s->t[e].s[0] == '%') {
				unit = "percent";
				e++;
			} else if (cur) {
				unit = cur;
				/* "$125 billion worth of Chinese goods" keeps its text short */
			} else if (e < s->nt && (is_word(&s->t[e], "percent") || is_word(&s->t[e], "per"))) {
				if (is_word(&s->t[e], "per") && e + 1 < s->nt && is_word(&s->t[e + 1], "cent"))
					e++;
				unit = "percent";
				e++;
				if (e + 1 < s->nt && is_word(&s->t[e - 1], "percentage"))
					e++;
			} else if (e < s->nt && is_word(&s->t[e], "percentage") && e + 1 < s->nt) {
				unit = "percentage points";
				e += 2;
			} else {
				/* "three of its commanders" */
				size_t u = e;
				if (u + 1 < s->nt && is_word(&s->t[u], "of") && (s->t[u + 1].wc & WC_DET))
					u += 2;
				/* "five of the 10 Democrats": the count of a part takes the whole's noun */
				if (u > e && u + 1 < s->nt && s->t[u].kind == TK_NUM)
					u++;
				size_t ue = unit_phrase(lx, s, u);
				if (ue > u) {
					unit_b = u;
					unit_e = ue;
					e = ue;
				}
			}
		} else if (hyph) {
			/* unit from the hyphenated word itself */
			const char *h = strchr(t->lw, '-');
			if (h) {
				char buf[64];
				snprintf(buf, sizeof(buf), "%s", h + 1);
				char *dash;
				while ((dash = strchr(buf, '-')))
					*dash = ' ';
				/* "year old" → "years old" */
				if (!strncmp(buf, "year old", 8))
					unit = "years old";
				else if (!strcmp(buf, "point"))
					unit = "percentage point";
				else
					unit = arena_strndup(a, buf, strlen(buf));
				if (i > 0 && is_word(&s->t[i - 1], "a"))
					b = i - 1;
			}
		}
		/* "80% to 90%", "97%–98%": a range of percentages */
		if (unit && !strcmp(unit, "percent") && e + 2 < s->nt &&
		    (is_word(&s->t[e], "to") || (s->t[e].kind == TK_PUNCT && (s->t[e].s[0] == '-' || s->t[e].n == 3))) &&
		    s->t[e + 1].kind == TK_NUM && s->t[e + 2].kind == TK_PUNCT && s->t[e + 2].s[0] == '%')
			e += 3;
		if (unit_e > unit_b) {
			/* a rate after the unit: "1,000 alarms per shift" */
			size_t re = rate_after(s, unit_e);
			if (re > unit_e && e == unit_e)
				e = unit_e = re;
			const char *code = currency_name(s, unit_b, unit_e);
			unit = code ? code : tok_join(a, s, unit_b, unit_e);
		} else if (cur && e < s->nt) {
			e = rate_after(s, e); /* "$13 a share" */
		}
		/* "two months’ worth of munitions" */
		if (unit_e > unit_b && unit_e < s->nt && (s->t[unit_e].flags & TF_POSS) && e == unit_e) {
			e++;
			if (e < s->nt && is_word(&s->t[e], "worth")) {
				e++;
				if (e + 1 < s->nt && is_word(&s->t[e], "of")) {
					size_t ue = unit_phrase(lx, s, e + 1);
					if (ue > e + 1)
						e = ue;
				}
			}
		}
		/* "1,000 containers of military equipment and munitions" for the text */
		size_t qb;
		size_t q = qualifier_before(s, b, &qb);
		if (q && !qualifier) {
			qualifier = qual_text(a, q);
			b = qb;
		}
		out[n].text = tok_join(a, s, b, e);
		out[n].value = v;
		out[n].qualifier = qualifier;
		out[n].unit = unit;
		n++;
		/* an age set off by commas after a name: "Webb, 51, was" */
		if (!unit && t->kind == TK_NUM && e == i + 1 && v >= 1 && v < 120 && v == (double)(long)v && i >= 3 &&
		    s->t[i - 1].kind == TK_PUNCT && s->t[i - 1].s[0] == ',' && (s->t[i - 2].flags & TF_CAP) &&
		    (s->t[i - 3].flags & TF_CAP) && !(s->t[i - 3].wc & WC_STARTER) && !(s->t[i - 2].wc & WC_STARTER) &&
		    i + 1 < s->nt && s->t[i + 1].kind == TK_PUNCT && s->t[i + 1].s[0] == ',')
			out[n - 1].unit = "years old";
		if (e > i + 1)
			i = e - 1;
	}
	context_units(s, out, n);
	return n;
}
