/* ent.c — named entities of a sentence and the article's memory of them.
 *
 * Takes: a tokenized sentence, the gazetteer (countries with demonyms, aliases and ISO
 * 3166 codes, capitals, organisations and groups), titles, word classes, and the
 * article's discourse state. Gives: mentions with text as written, canonical name, type
 * and code: gazetteer entries (longest match), "the North" once North Korea is in the
 * article, persons after a title ("Foreign Minister Sergey Lavrov"), other capitalised
 * names (a person when it looks like a name or is the surname of a person named earlier,
 * an organisation when it ends in an organisation word such as "Ministry").
 * Must not: log, or allocate outside the arena. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "claims_int.h"

static bool is_word(const struct tok *t)
{
	return t->kind == TK_WORD && !(t->flags & TF_POSS);
}

static bool is_cap_word(const struct tok *t)
{
	return is_word(t) && (t->flags & TF_CAP);
}

/* Title at token i (optionally followed by "."): returns its length in tokens or 0. */
static size_t title_at(const struct lexicon *lx, const struct sentence *s, size_t i)
{
	size_t len = 0;
	if (!lex_match_tok(lx->titles, s->t, s->nt, i, &len))
		return 0;
	if (i + len < s->nt && s->t[i + len].kind == TK_PUNCT && s->t[i + len].s[0] == '.' &&
	    !(s->t[i + len].flags & TF_SPACE))
		len++;
	return len;
}

const char *ent_person_full(const struct discourse *d, const char *surname)
{
	size_t sl = strlen(surname);
	for (size_t k = d->npersons; k-- > 0;) {
		const char *n = d->persons[k];
		size_t nl = strlen(n);
		if (nl > sl && n[nl - sl - 1] == ' ' && strcasecmp(n + nl - sl, surname) == 0)
			return n;
		if (nl == sl && strcasecmp(n, surname) == 0)
			return n;
	}
	return NULL;
}

void ent_remember(struct discourse *d, const struct mention *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i].type == ET_PERSON && strchr(m[i].name, ' ')) {
			bool dup = false;
			for (size_t k = 0; k < d->npersons; k++)
				if (!strcmp(d->persons[k], m[i].name))
					dup = true;
			if (!dup) {
				if (d->npersons == DISC_MAX) {
					memmove(d->persons, d->persons + 1, (DISC_MAX - 1) * sizeof(d->persons[0]));
					d->npersons--;
				}
				d->persons[d->npersons++] = m[i].name;
			}
		}
		if (m[i].type == ET_ORG || m[i].type == ET_GROUP) {
			if (d->norgs == DISC_MAX) {
				memmove(d->orgs, d->orgs + 1, (DISC_MAX - 1) * sizeof(d->orgs[0]));
				d->norgs--;
			}
			d->orgs[d->norgs++] = m[i].name;
		}
		if (m[i].type == ET_COUNTRY && m[i].code && !strcmp(m[i].code, "KP"))
			d->seen_north_korea = true;
	}
}

/* "WHO", "US": an all-capitals alias matches only capitals */
static bool acronym(const char *s)
{
	bool up = false;
	for (; *s; s++) {
		if (c_islower((unsigned char)*s))
			return false;
		if (c_isupper((unsigned char)*s))
			up = true;
	}
	return up;
}

/* "RSF" for "Rapid Support Forces" named earlier */
static const char *acronym_of(const struct discourse *d, const char *s, size_t n)
{
	for (size_t k = d->norgs; k-- > 0;) {
		const char *name = d->orgs[k];
		size_t j = 0;
		bool ok = true, start = true;
		for (const char *c = name; *c && ok; c++) {
			if (*c == ' ' || *c == '-') {
				start = true;
				continue;
			}
			if (start && c_isupper((unsigned char)*c)) {
				if (j >= n || s[j] != *c)
					ok = false;
				j++;
			}
			start = false;
		}
		if (ok && j == n && n >= 2)
			return name;
	}
	return NULL;
}

static size_t add(struct mention *out, size_t n, size_t max, struct mention m)
{
	if (n >= max)
		return n;
	out[n] = m;
	return n + 1;
}

/* month and weekday names (KW_CAL, tagged by lex_tag()) */
static bool calendar_word(const struct tok *t)
{
	return (t->kw & KW_CAL) != 0;
}

/* A gazetteer entry at token i that really is a mention there (case rules applied). */
static const struct lex_entry *gaz_at(const struct lexicon *lx, const struct sentence *s, size_t i,
				      size_t *ret_len)
{
	const struct tok *t = &s->t[i];
	if (t->kind != TK_WORD)
		return NULL;
	const struct lex_entry *e = lex_match_tok(lx->gazetteer, s->t, s->nt, i, ret_len);
	if (!e)
		return NULL;
	if ((e->flags & LEXF_ALIAS) && acronym(e->text) && !(t->flags & (TF_ALLCAP | TF_DOTTED)) &&
	    !(t->n == 1 && c_isupper((unsigned char)t->s[0])))
		return NULL;
	if (!(t->flags & TF_CAP) && !(e->flags & LEXF_CASELESS))
		return NULL;
	return e;
}

size_t ent_find(struct arena *a, const struct lexicon *lx, const struct sentence *s,
		struct discourse *d, struct mention *out, size_t max)
{
	size_t n = 0;
	size_t i = 0;
	while (i < s->nt) {
		const struct tok *t = &s->t[i];
		size_t len = 0;
		const struct lex_entry *e = gaz_at(lx, s, i, &len);
		if (e) {
			struct mention m = { .b = (uint16_t)i, .e = (uint16_t)(i + len), .type = e->kind,
					     .name = e->canon, .code = e->code };
			m.text = tok_join(a, s, i, i + len);
			n = add(out, n, max, m);
			i += len;
			continue;
		}
		/* "the North" */
		if (d->seen_north_korea && tok_is(t, "north") && (t->flags & TF_CAP) && i > 0 &&
		    tok_is(&s->t[i - 1], "the") && (i + 1 >= s->nt || !is_cap_word(&s->t[i + 1]))) {
			struct mention m = { .b = (uint16_t)i, .e = (uint16_t)(i + 1), .type = ET_COUNTRY,
					     .name = "North Korea", .code = "KP" };
			m.text = tok_join(a, s, i, i + 1);
			n = add(out, n, max, m);
			i++;
			continue;
		}
		size_t tl = title_at(lx, s, i);
		if (tl && i + tl < s->nt && is_cap_word(&s->t[i + tl])) {
			size_t b = i + tl, e2 = b;
			while (e2 < s->nt && e2 - b < 4 && is_cap_word(&s->t[e2])) {
				size_t gl = 0;
				if (gaz_at(lx, s, e2, &gl))
					break;
				if (title_at(lx, s, e2))
					break;
				e2++;
			}
			if (e2 > b) {
				struct mention m = { .b = (uint16_t)b, .e = (uint16_t)e2, .type = ET_PERSON };
				m.text = tok_join(a, s, i, e2);
				m.name = tok_join(a, s, b, e2);
				if (e2 - b == 1) {
					const char *full = ent_person_full(d, m.name);
					if (full)
						m.name = full;
				}
				n = add(out, n, max, m);
				i = e2;
				continue;
			}
		}
		if (is_cap_word(t) && !(t->flags & TF_INQ && i > 0 && s->t[i - 1].kind == TK_QOPEN && 0)) {
			unsigned wc = t->wc;
			bool initial = i == 0 || s->t[i - 1].kind == TK_QOPEN ||
				       (s->t[i - 1].kind == TK_PUNCT && s->t[i - 1].s[0] != ',');
			if ((wc & WC_STARTER) || calendar_word(t) ||
			    (initial && (wc & (WC_STOP | WC_GENERIC | WC_GROUPNOUN)))) {
				i++;
				continue;
			}
			size_t b = i, e2 = i;
			bool org = false;
			while (e2 < s->nt) {
				if (is_cap_word(&s->t[e2]) || ((s->t[e2].flags & TF_DOTTED) && e2 > b)) {
					size_t gl = 0;
					if (e2 > b && gaz_at(lx, s, e2, &gl) && gl > 1)
						break;
					if (calendar_word(&s->t[e2]))
						break;
					if (s->t[e2].wc & WC_ORGHEAD)
						org = true;
					e2++;
					continue;
				}
				/* "Refugees in Towns Project", "Joint Chiefs of Staff" */
				if (e2 > b && e2 + 1 < s->nt && is_cap_word(&s->t[e2 + 1]) &&
				    (tok_is(&s->t[e2], "of") || tok_is(&s->t[e2], "in") || tok_is(&s->t[e2], "for") ||
				     tok_is(&s->t[e2], "and"))) {
					size_t k = e2 + 1;
					bool orgahead = false;
					while (k < s->nt && is_cap_word(&s->t[k])) {
						if (s->t[k].wc & WC_ORGHEAD)
							orgahead = true;
						k++;
					}
					if (orgahead || org) {
						org = true;
						e2 = k;
						continue;
					}
				}
				break;
			}
			if (e2 - b > 6)
				e2 = b + 6;
			struct mention m = { .b = (uint16_t)b, .e = (uint16_t)e2 };
			m.text = tok_join(a, s, b, e2);
			m.name = m.text;
			if (org) {
				m.type = ET_ORG;
			} else if (e2 - b >= 2 && e2 - b <= 4) {
				bool namey = true;
				for (size_t k = b; k < e2; k++)
					if ((s->t[k].flags & (TF_ALLCAP | TF_DOTTED)) ||
					    (s->t[k].wc & (WC_GENERIC | WC_GROUPNOUN | WC_STOP | WC_PLACEHEAD | WC_ORGHEAD)))
						namey = false;
				m.type = namey ? ET_PERSON : ET_OTHER;
			} else if (e2 - b == 1) {
				const char *full = ent_person_full(d, m.text);
				if (full) {
					m.type = ET_PERSON;
					m.name = full;
				} else if (t->flags & TF_ALLCAP) {
					/* an acronym: an organisation, named in full earlier perhaps */
					m.type = ET_ORG;
					const char *fn = acronym_of(d, t->s, t->n);
					if (fn)
						m.name = fn;
				} else {
					m.type = ET_OTHER;
				}
			} else {
				m.type = ET_OTHER;
			}
			if (initial && e2 - b == 1 && m.type == ET_OTHER && !(t->flags & TF_ALLCAP)) {
				/* a capitalised sentence-initial word is usually not a name */
				i = e2;
				continue;
			}
			n = add(out, n, max, m);
			i = e2;
			continue;
		}
		i++;
	}
	return n;
}
