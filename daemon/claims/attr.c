/* attr.c — attribution: who reports the claim, with which cue and stance.
 *
 * Takes: a tokenized sentence, its entity mentions, the lexicons (cues with stance and
 * kind, hedges, denials, word classes) and the article's discourse state (for "he",
 * "it", "They", "the agency", "the statement").
 * Gives: 0, 1 or 2 attributions: the speaker as written and canonical, the cue, the
 * stance, and the token range of the reported content. Orders handled: "X said Y",
 * "Y, X said", "Y, said X", "According to X, Y", "Y, according to X", "X, who denies Y,"
 * impersonal and passive cues ("There are indications that", "is rumored to"), a passive
 * with its agent ("was announced by the ministry"), "X on Friday denied", "Y, X said, Z",
 * "Y, says X, Z", "Arguing ..., X has said", "X posted ..., accusing", noun cues
 * ("allegations by X"); a media credit ("..., he said, according to Reuters") does not
 * replace the named speaker.
 * A speaker is a noun phrase: names and closed speaker heads pass on the word lists; any
 * other phrase is checked on the sentence's part-of-speech tags (lex->tagger, computed on
 * first need), and without tags the word-list rules alone decide (counted in the
 * discourse for the caller). Pronouns and nominals resolve through coref.c.
 * Must not: log, or look at anything but the sentence and the discourse state. */
#include <string.h>
#include <strings.h>

#include "claimd/tag.h"
#include "claims_int.h"

struct actx {
	struct arena *a;
	const struct lexicon *lx;
	struct sentence *s;
	bool tag_failed;
	const struct mention *m;
	size_t nm;
	struct discourse *d;
	const char **w;
};

static unsigned wc(const struct actx *x, size_t i)
{
	if (i >= x->s->nt || x->s->t[i].kind != TK_WORD)
		return 0;
	return x->s->t[i].wc;
}

/* The sentence's part-of-speech tags, computed the first time a rule asks (most sentences
 * never need them). NULL without a model or when the tagger cannot take the sentence: the
 * rules then run on the word lists alone, and the article counts one more such sentence. */
static const uint8_t *tags(struct actx *x)
{
	struct sentence *s = x->s;
	if (s->upos || x->tag_failed)
		return s->upos;
	if (!x->lx->tagger) {
		x->tag_failed = true;
		x->d->untagged++;
		return NULL;
	}
	uint8_t *up = arena_alloc(x->a, s->nt ? s->nt : 1);
	if (!up || tagger_tag_toks(x->lx->tagger, s->t, s->nt, up) < 0) {
		x->tag_failed = true;
		x->d->untagged++;
		return NULL;
	}
	s->upos = up;
	return up;
}

static bool is_comma(const struct tok *t)
{
	return t->kind == TK_PUNCT && t->n == 1 && t->s[0] == ',';
}

static bool is_punct(const struct tok *t, char c)
{
	return t->kind == TK_PUNCT && t->n == 1 && t->s[0] == c;
}

static bool is_dash(const struct tok *t)
{
	return t->kind == TK_PUNCT && ((t->n == 3 && ((unsigned char)t->s[2] == 0x93 || (unsigned char)t->s[2] == 0x94)) ||
				       (t->n == 2 && t->s[0] == '-' && t->s[1] == '-'));
}

/* Cue words in another sense: "claimed victory" (won), "added to his titles" (increased). */
static bool not_reporting(const struct sentence *s, size_t i, size_t len)
{
	static const char *const won[] = { "victory", "victories", "credit", "title", "titles", "win", "seat",
					   "seats", "gold", "lives", "life", "crown", "lead", "record", "prize", "top" };
	size_t k = i + len;
	if (k >= s->nt)
		return false;
	const struct tok *c = &s->t[i], *n = &s->t[k];
	if (tok_is(c, "claimed") || tok_is(c, "claims") || tok_is(c, "claim") || tok_is(c, "claiming")) {
		if (k + 1 < s->nt && (tok_is(n, "the") || tok_is(n, "a") || tok_is(n, "his") || tok_is(n, "her") ||
				      tok_is(n, "their") || tok_is(n, "its")))
			n = &s->t[k + 1];
		for (size_t j = 0; j < sizeof(won) / sizeof(won[0]); j++)
			if (tok_is(n, won[j]))
				return true;
	}
	if ((tok_is(c, "added") || tok_is(c, "adds") || tok_is(c, "add")) &&
	    (tok_is(n, "to") || n->kind == TK_NUM || (n->kw & KW_NUM) || tok_is(n, "more") || tok_is(n, "nearly") ||
	     tok_is(n, "about") || tok_is(n, "almost") || tok_is(n, "over")))
		return true; /* "added to his titles", "the stock added 2%" */
	return false;
}

/* A cue at token i that is a reporting verb here (not a noun after a determiner, not
 * inside quotes). */
static const struct lex_entry *cue_at(const struct actx *x, size_t i, size_t *ret_len)
{
	const struct sentence *s = x->s;
	if (s->t[i].kind != TK_WORD || (s->t[i].flags & TF_INQ))
		return NULL;
	if (i > 0 && (s->t[i].flags & TF_CAP) && s->t[i - 1].kind != TK_QCLOSE)
		return NULL; /* "United States", "Says Who" in a title */
	const struct lex_entry *e = lex_match_tok(x->lx->cues, s->t, s->nt, i, ret_len);
	if (!e)
		return NULL;
	if (e->kind == CK_VERB || e->kind == CK_OBJECT) {
		if (i > 0 && ((wc(x, i - 1) & WC_DET) || (s->t[i - 1].flags & TF_POSS)))
			return NULL; /* "the claims", "his claim" */
		if (s->starts_in_quote && i > 0) {
			/* fine: "...," he said. */
		}
	}
	if (not_reporting(s, i, *ret_len))
		return NULL;
	if (e->kind == CK_OBJECT) {
		bool ok = false;
		for (size_t k = i + *ret_len; k < s->nt && k < i + *ret_len + 4; k++)
			if (wc(x, k) & WC_CLAIMNOUN)
				ok = true;
		if (!ok)
			return NULL;
	}
	return e;
}

static bool is_pron(const struct tok *t, const char *p)
{
	return t->kind == TK_WORD && tok_is(t, p);
}

/* Pronouns that name nobody: a closed list of English */
static bool indefinite(const struct tok *t)
{
	static const char *const w[] = { "nothing", "everything", "something", "anything", "nobody", "everybody",
					 "somebody", "anybody", "none", "this", "that", "these", "those", "which",
					 "what", "everyone", "someone", "anyone", "such", "all", "each" };
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (tok_is(t, w[i]))
			return true;
	return false;
}

static bool nominal_tag(uint8_t t)
{
	return t == UPOS_NOUN || t == UPOS_PROPN || t == UPOS_PRON || t == UPOS_NUM;
}

/* Phrases that need no tags to be a noun phrase: names, numbers, determiners and the
 * closed classes of speaker heads (titles, "officials", "the agency", "sources"), joined
 * by "of", "and" and possessives. Most speakers are such, and tagging is the costly step. */
/* "polled", "chosen": a past participle by its ending */
static bool participle(const struct tok *t)
{
	size_t n = strlen(t->lw);
	return n > 3 && ((t->lw[n - 2] == 'e' && (t->lw[n - 1] == 'd' || t->lw[n - 1] == 'n')));
}

#define SPEAKER_HEADS (WC_GROUPNOUN | WC_GENERIC | WC_SOURCE | WC_DOCNOUN | WC_DATANOUN | WC_ACCUSER | WC_ORGHEAD)

static bool name_particle(const struct tok *w)
{
	static const char *const p[] = { "de", "van", "von", "da", "al", "bin", "la", "le", "du", "del", "der", "den", "di", "el" };
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (tok_is(w, p[i]))
			return true;
	return false;
}

static bool plain_np(const struct actx *x, size_t b, size_t e)
{
	const struct tok *t = x->s->t;
	const struct tok *h = &t[e - 1];
	bool head_ok = h->kind == TK_WORD && ((h->wc & SPEAKER_HEADS) || lex_match_tok(x->lx->titles, t, x->s->nt, e - 1, NULL));
	for (size_t k = b; k < e; k++) {
		const struct tok *w = &t[k];
		if (w->kind == TK_NUM)
			continue;
		if (w->kind == TK_PUNCT) {
			if (k > b && k + 1 < e && w->n == 1 && (w->s[0] == '.' || w->s[0] == '&' || w->s[0] == '-'))
				continue;
			if (w->flags & TF_POSS)
				continue;
			return false;
		}
		if (w->kind != TK_WORD)
			return false;
		if (((w->flags & TF_CAP) && !(w->wc & WC_STARTER)) || (w->flags & TF_ALLCAP) || (unsigned char)w->s[0] >= 0xc3)
			continue; /* a name (non-ASCII initials too: "Łukasz") */
		if (k > b && k + 1 < e && name_particle(w))
			continue; /* "Jan de Vries" */
		if (k + 1 < e && (head_ok || ((unsigned char)t[k + 1].s[0] == 'b' && tok_is(&t[k + 1], "by"))) &&
		    k > b && !(w->wc & (WC_VERBISH | WC_SUBCONJ | WC_STOP)))
			continue; /* "the port authority", "documents seen by Reuters" */
		if (k > b && k + 1 < e && tok_is(w, "by") && participle(&t[k - 1]))
			continue;
		if ((w->flags & (TF_POSS | TF_DOTTED)))
			continue;
		if (k + 1 < e && (w->wc & WC_DET))
			continue;
		if (k > b && k + 1 < e && (tok_is(w, "of") || tok_is(w, "and") || tok_is(w, "&")))
			continue;
		if (k > b && k + 1 < e && (tok_is(w, "in") || tok_is(w, "at") || tok_is(w, "from")) &&
		    ((t[k + 1].flags & TF_CAP) || (unsigned char)t[k + 1].s[0] >= 0xc3))
			continue; /* "officials in Nairobi" */
		if (w->wc & SPEAKER_HEADS)
			continue;
		if (e - b == 1 && (w->wc & WC_PERSONAL))
			continue;
		if (lex_match_tok(x->lx->titles, t, x->s->nt, k, NULL))
			continue;
		return false;
	}
	return !(t[e - 1].kw & KW_CAL);
}

/* A speaker is a noun phrase naming a source (GUIDELINES.md 3): with tags, [b,e) must open
 * with no preposition or conjunction ("as", "with over 200 votes"), hold no finite verb (the
 * tail of another clause), end on a nominal head that is no time word ("on Thursday"), and a
 * lone pronoun must be a personal one ("nothing indicated" has no speaker). A capitalised
 * word counts as a name whatever its tag (the tagger guesses unknown names). Without tags
 * every phrase passes: the word-list checks of make_speaker() are today's rules. */
static bool np_ok(struct actx *x, size_t b, size_t e)
{
	const struct tok *t = x->s->t;
	if (b >= e)
		return false;
	if (e - b == 1 && t[b].kind == TK_WORD && !(t[b].wc & WC_PERSONAL) &&
	    (indefinite(&t[b]) || (!(t[b].flags & TF_CAP) && (t[b].wc & (WC_DET | WC_STOP)))))
		return false; /* "this", "that", "nothing" alone */
	if (t[b].kind == TK_WORD && (tok_is(&t[b], "which") || tok_is(&t[b], "who") || tok_is(&t[b], "whose") ||
				     tok_is(&t[b], "whom") || tok_is(&t[b], "where") || tok_is(&t[b], "when") ||
				     tok_is(&t[b], "what")))
		return false; /* "which the company's founder announced" */
	if (plain_np(x, b, e))
		return true;
	const uint8_t *up = tags(x);
	if (!up)
		return true;
	uint8_t f = up[b];
	bool fcap = (t[b].flags & TF_CAP) && !(t[b].wc & WC_STARTER);
	bool both = tok_is(&t[b], "both") || tok_is(&t[b], "either") || tok_is(&t[b], "neither");
	if (!fcap && !both && (f == UPOS_ADP || f == UPOS_SCONJ || f == UPOS_CCONJ || f == UPOS_AUX ||
			       f == UPOS_INTJ || f == UPOS_PART))
		return false;
	bool nominal = false;
	for (size_t k = b; k < e; k++) {
		uint8_t g = up[k];
		bool cap = (t[k].flags & TF_CAP) && !(k == b && (t[k].wc & WC_STARTER));
		if (nominal_tag(g) || (cap && t[k].kind == TK_WORD)) {
			nominal = true;
			continue;
		}
		switch (g) {
		case UPOS_DET:
		case UPOS_ADJ:
		case UPOS_PART:
		case UPOS_PUNCT:
		case UPOS_SYM:
		case UPOS_X:
		case UPOS_ADP:   /* "the head of the agency" (not first: checked above) */
		case UPOS_CCONJ: /* "Smith and Jones" */
			break;
		case UPOS_VERB:
		case UPOS_ADV:
			/* a participle or adverb inside a premodifier ("the newly elected mayor", "the
			 * acting director", a noun the tagger took for a verb: "court documents"), or
			 * a reduced relative ("economists polled by Reuters") */
			if (k + 1 < e && (up[k + 1] == UPOS_ADJ || nominal_tag(up[k + 1]) || up[k + 1] == UPOS_VERB) &&
			    (k == b || up[k - 1] == UPOS_DET || up[k - 1] == UPOS_ADJ || up[k - 1] == UPOS_PART ||
			     (up[k - 1] == UPOS_ADV && k - 1 > b && (up[k - 2] == UPOS_DET || up[k - 2] == UPOS_PART))))
				break;
			if (g == UPOS_VERB && k > b && k + 1 < e && up[k - 1] == UPOS_NOUN && strlen(t[k].lw) > 4 &&
			    !strcmp(t[k].lw + strlen(t[k].lw) - 3, "ing") && up[k + 1] != UPOS_ADP)
				break; /* "a group representing rural counties" */
			if (g == UPOS_VERB && k > b && k + 1 < e && participle(&t[k]) &&
			    (tok_is(&t[k + 1], "by") || (up[k + 1] == UPOS_ADP && !(t[k - 1].flags & TF_CAP))))
				break; /* "people briefed on the talks"; not "Swift posted on Twitter" */
			return false;
		default:
			return false;
		}
	}
	const struct tok *h = &t[e - 1];
	if (!nominal || !(nominal_tag(up[e - 1]) || (h->flags & TF_CAP)))
		return false;
	if (h->kw & KW_CAL)
		return false; /* "on Thursday", "in May" */
	if (e - b == 1 && up[b] == UPOS_PRON && !(h->wc & WC_PERSONAL))
		return false;
	return true;
}

/* "widely", "repeatedly": an adverb between a speaker and its cue */
static bool ly_adverb(const struct tok *t)
{
	size_t n = strlen(t->lw);
	return t->kind == TK_WORD && !(t->flags & TF_CAP) && n > 4 && t->lw[n - 2] == 'l' && t->lw[n - 1] == 'y' &&
	       !(t->wc & (SPEAKER_HEADS | WC_PERSONAL));
}

/* Speaker as written in [b,e): fill name, type, plural with coreference. */
static bool make_speaker(struct actx *x, size_t b, size_t e, struct attribution *at)
{
	const struct sentence *s = x->s;
	/* trim punctuation and auxiliaries at the ends */
	while (b < e && (s->t[b].kind != TK_WORD && s->t[b].kind != TK_NUM))
		b++;
	while (e > b && ((s->t[e - 1].kind != TK_WORD && s->t[e - 1].kind != TK_NUM) ||
			 (wc(x, e - 1) & WC_AUX) || ly_adverb(&s->t[e - 1])))
		e--;
	if (b >= e)
		return false;
	/* apposition or relative clause: cut at the first comma, dash, "who", "which" */
	for (size_t k = b + 1; k < e; k++) {
		if (is_comma(&s->t[k]) || is_dash(&s->t[k]) || is_pron(&s->t[k], "who") ||
		    is_pron(&s->t[k], "which") || is_pron(&s->t[k], "whose") || is_punct(&s->t[k], '(')) {
			e = k;
			break;
		}
	}
	while (e > b && (s->t[e - 1].kind != TK_WORD && s->t[e - 1].kind != TK_NUM))
		e--;
	if (b >= e || e - b > 16)
		return false;
	for (size_t k = b; k < e; k++) {
		if (s->t[k].flags & TF_INQ)
			return false;
		if (s->t[k].kind == TK_QOPEN || s->t[k].kind == TK_QCLOSE)
			return false;
		if ((wc(x, k) & WC_VERBISH) && !(k == b))
			return false;
		if (is_pron(&s->t[k], "that") && k > b)
			return false;
	}
	if (!np_ok(x, b, e))
		return false;
	/* "data from X" */
	size_t hb = b;
	if (wc(x, hb) & WC_DET)
		hb++;
	if (hb < e && (wc(x, hb) & WC_DATANOUN)) {
		for (size_t k = hb + 1; k + 1 < e && k < hb + 3; k++)
			if (is_pron(&s->t[k], "from") || is_pron(&s->t[k], "by")) {
				b = k + 1;
				break;
			}
	}
	at->speaker_text = tok_join(x->a, s, b, e);
	at->speaker_name = NULL;
	at->speaker_type = ET_OTHER;
	at->speaker_plural = false;
	struct discourse *d = x->d;
	const struct tok *t0 = &s->t[b];
	if (e - b == 1 && (is_pron(t0, "he") || is_pron(t0, "she"))) {
		const struct antecedent *an = coref_find(d, ET_PERSON, is_pron(t0, "he") ? G_MALE : G_FEMALE, 0);
		if (an) {
			at->speaker_text = an->text;
			at->speaker_name = an->name;
			at->speaker_type = ET_PERSON;
		} else if (d->last_person_text) {
			at->speaker_text = d->last_person_text;
			at->speaker_name = d->last_person_name;
			at->speaker_type = ET_PERSON;
		}
		return true;
	}
	if (e - b == 1 && is_pron(t0, "it")) {
		if (d->last_speaker_text && d->last_speaker_type != ET_PERSON) {
			at->speaker_text = d->last_speaker_text;
			at->speaker_name = d->last_speaker_name;
			at->speaker_type = d->last_speaker_type;
		} else if (d->last_org_text) {
			at->speaker_text = d->last_org_text;
			at->speaker_name = d->last_org_name;
			at->speaker_type = ET_ORG;
		}
		return true;
	}
	if (e - b == 1 && (is_pron(t0, "they") || is_pron(t0, "we"))) {
		at->speaker_plural = true;
		at->speaker_type = ET_GROUP;
		at->speaker_name = d->last_plural_text ? d->last_plural_text : at->speaker_text;
		/* "they said in a statement": the organisation that spoke just before */
		const struct antecedent *an = is_pron(t0, "they") ? coref_find(d, ET_ORG, G_UNKNOWN, 3) : NULL;
		if (an && an->spoke && !(d->last_plural_text && d->last_plural_sent >= an->sent)) {
			at->speaker_text = an->text;
			at->speaker_name = an->name;
			at->speaker_type = ET_ORG;
		}
		return true;
	}
	if (e - b == 1 && (is_pron(t0, "i") || is_pron(t0, "you")))
		return false;
	/* "the statement said" stands for the previous speaker */
	if (e - b <= 3 && (wc(x, e - 1) & WC_DOCNOUN) && (wc(x, b) & WC_DET) && d->last_speaker_text) {
		at->speaker_text = d->last_speaker_text;
		at->speaker_name = d->last_speaker_name;
		at->speaker_type = d->last_speaker_type;
		return true;
	}
	/* mentions inside the phrase */
	const struct mention *person = NULL, *org = NULL, *country = NULL;
	size_t nents = 0;
	for (size_t k = 0; k < x->nm; k++) {
		const struct mention *m = &x->m[k];
		if (m->b < b || m->e > e)
			continue;
		nents++;
		if (m->type == ET_PERSON && !person)
			person = m;
		else if ((m->type == ET_ORG || m->type == ET_GROUP) && !org)
			org = m;
		else if (m->type == ET_COUNTRY && !country)
			country = m;
	}
	unsigned head = wc(x, e - 1);
	const struct tok *th = &s->t[e - 1];
	bool plural = false;
	for (size_t k = b; k < e; k++)
		if (is_pron(&s->t[k], "and") || is_pron(&s->t[k], "both"))
			plural = true;
	if (head & (WC_GROUPNOUN | WC_SOURCE))
		plural = plural || (th->n > 1 && th->s[th->n - 1] == 's');
	at->speaker_plural = plural;
	if (person && !plural) {
		at->speaker_type = ET_PERSON;
		at->speaker_name = person->name;
		return true;
	}
	if (!(th->flags & TF_CAP) && (head & WC_GROUPNOUN)) {
		at->speaker_type = ET_GROUP;
		at->speaker_name = at->speaker_text;
		if (wc(x, b) & WC_DET)
			at->speaker_name = tok_join(x->a, s, b + 1, e);
		return true;
	}
	if (!(th->flags & TF_CAP) && (head & WC_GENERIC) && e - b <= 5) {
		/* "the agency", "The South Korean agency": a definite phrase refers back */
		at->speaker_type = ET_ORG;
		bool definite = is_pron(t0, "the") || is_pron(t0, "this") || is_pron(t0, "that");
		/* the nearest named organisation, as first written (the phrase itself stays the
		 * text: "the Ohio-based company" names it) */
		const struct antecedent *an = definite && !org ? coref_find(d, ET_ORG, G_UNKNOWN, 0) : NULL;
		const char *ref = an ? an->text : d->subject_org_name ? d->subject_org_name : d->last_org_name;
		if (ref && !(ref[0] >= 'A' && ref[0] <= 'Z'))
			ref = NULL; /* a nominal never stands for another nominal */
		at->speaker_name = definite && ref && !org ? ref : at->speaker_text;
		return true;
	}
	if (!(th->flags & TF_CAP) && (head & WC_ROLE) && e - b <= 5 && !person &&
	    (is_pron(t0, "the") || is_pron(t0, "this") || is_pron(t0, "that"))) {
		/* "the suspect", "the real estate agent": a person named in the last sentences */
		const struct antecedent *an = coref_find(d, ET_PERSON, G_UNKNOWN, 4);
		at->speaker_type = ET_PERSON;
		at->speaker_name = an ? an->text : tok_join(x->a, s, b + 1, e);
		return true;
	}
	if (plural && nents >= 2) {
		at->speaker_type = country ? ET_COUNTRY : ET_GROUP;
		at->speaker_name = at->speaker_text;
		return true;
	}
	if (org && org->e == e) {
		at->speaker_type = org->type;
		at->speaker_name = org->name;
		return true;
	}
	if (country && country->e == e) {
		at->speaker_type = ET_COUNTRY;
		at->speaker_name = country->name;
		return true;
	}
	if (lex_match_tok(x->lx->titles, s->t, s->nt, e - 1, NULL) && !(th->flags & TF_CAP)) {
		at->speaker_type = ET_PERSON; /* "a South Korean lawmaker" */
	} else if (head & WC_SOURCE) {
		at->speaker_type = ET_OTHER;
	} else if (org) {
		at->speaker_type = org->type;
	} else if (nents && x->m[0].type == ET_OTHER) {
		at->speaker_type = ET_ORG;
	}
	at->speaker_name = at->speaker_text;
	if (wc(x, b) & WC_DET && e - b > 1)
		at->speaker_name = tok_join(x->a, s, b + 1, e);
	return true;
}

/* Skip leading connectives and subordinate clauses ("Despite X, ", "However, "). */
static size_t skip_lead(const struct actx *x, size_t b, size_t limit)
{
	const struct sentence *s = x->s;
	/* a dateline: "HONOLULU, Hawaii (Agency) - ", "COLUMBIA, S.C. (AP) — " */
	if (b == 0 && s->nt > 3 && (s->t[0].flags & TF_ALLCAP)) {
		for (size_t k = 1; k < limit && k < 12; k++)
			if (is_dash(&s->t[k]) || (s->t[k].kind == TK_PUNCT && s->t[k].n == 1 && s->t[k].s[0] == '-')) {
				if (s->t[k - 1].kind == TK_PUNCT && s->t[k - 1].s[0] == ')')
					b = k + 1;
				break;
			}
	}
	for (int round = 0; round < 4 && b < limit; round++) {
		while (b < limit && (s->t[b].kind == TK_QOPEN || is_punct(&s->t[b], '(')))
			return b;
		unsigned c = wc(x, b);
		if (c & WC_CONNECT) {
			b++;
			if (b < limit && is_comma(&s->t[b]))
				b++;
			continue;
		}
		if (c & WC_SUBORD) {
			size_t k = b + 1;
			while (k < limit && !is_comma(&s->t[k]))
				k++;
			if (k >= limit)
				return b;
			b = k + 1;
			continue;
		}
		break;
	}
	return b;
}

/* "Friday", "last week", "this morning": the head of a time adjunct */
static bool time_head(const struct tok *t)
{
	static const char *const w[] = { "today", "yesterday", "tonight", "week", "month", "year", "morning",
					 "afternoon", "evening", "night", "weekend", "earlier", "later" };
	if (t->kind != TK_WORD)
		return false;
	if (t->kw & KW_CAL)
		return true;
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (tok_is(t, w[i]))
			return true;
	return false;
}

/* Where the speaker phrase before the cue at c ends: auxiliaries, adverbs and a time
 * adjunct ("Alden on Tuesday announced", "the ministry last week said") are not part of it.
 * Never returns less than b + 1. */
static size_t speaker_end(const struct actx *x, size_t b, size_t c)
{
	const struct sentence *s = x->s;
	size_t k = c;
	for (int round = 0; round < 2; round++) {
		while (k > b + 1 && ((wc(x, k - 1) & WC_AUX) || ly_adverb(&s->t[k - 1])))
			k--;
		if (k > b + 1 && time_head(&s->t[k - 1])) {
			size_t j = k - 1;
			while (j > b + 1 && j + 4 > k &&
			       (is_pron(&s->t[j - 1], "on") || is_pron(&s->t[j - 1], "in") || is_pron(&s->t[j - 1], "at") ||
				is_pron(&s->t[j - 1], "last") || is_pron(&s->t[j - 1], "this") ||
				is_pron(&s->t[j - 1], "earlier") || is_pron(&s->t[j - 1], "late") ||
				is_pron(&s->t[j - 1], "early") || is_pron(&s->t[j - 1], "the") || time_head(&s->t[j - 1])))
				j--;
			/* a bare weekday after a name ("Alden Tuesday said") or a time phrase */
			if (j < k - 1 || (s->t[k - 1].kw & KW_CAL))
				k = j;
		}
	}
	return k;
}

static bool leading(struct actx *x, size_t cb, size_t c, size_t clen, const struct lex_entry *e,
		    struct attribution *at)
{
	const struct sentence *s = x->s;
	size_t b = skip_lead(x, cb, c);
	if (b >= c)
		return false;
	size_t k = speaker_end(x, b, c);
	/* "The key to it, says Buser, is": a lone comma right before the cue inverts it */
	if (k > b + 1 && is_comma(&s->t[k - 1])) {
		size_t commas = 0;
		for (size_t j = b; j < k; j++)
			commas += is_comma(&s->t[j]) || is_dash(&s->t[j]);
		if (commas == 1)
			return false;
	}
	/* "X, who ..., said": a comma, dash or relative pronoun in the phrase must be closed
	 * by a comma or dash right before the cue */
	for (size_t j = b + 1; j < k; j++) {
		if (is_comma(&s->t[j]) || is_dash(&s->t[j])) {
			if (!(is_comma(&s->t[k - 1]) || is_dash(&s->t[k - 1])))
				return false;
			break;
		}
		/* "A refugee who feared reprisals said": a short relative clause, no commas */
		if ((is_pron(&s->t[j], "who") || is_pron(&s->t[j], "which")) && k - j > 6)
			return false;
	}
	if (k == b + 1 && (is_pron(&s->t[b], "we") || is_pron(&s->t[b], "i")) && !(s->t[b].flags & TF_INQ)) {
		/* "We found no evidence": the writer reports; the cue keeps its stance */
		at->found = true;
		at->speaker_text = NULL;
		at->cue = tok_join(x->a, s, c, c + clen);
		at->cue_e = c + clen;
		at->stance = e->stance;
		at->content_b = c + clen;
		at->content_e = s->nt;
		return true;
	}
	if (!make_speaker(x, b, k, at)) {
		/* "The group that owns her music, Big Machine, says": the name in commas */
		if (!(k - 1 > b && is_comma(&s->t[k - 1])))
			return false;
		size_t r = k - 1;
		while (r > b && !is_comma(&s->t[r - 1]))
			r--;
		if (r <= b || r + 1 >= k || !(s->t[r].flags & TF_CAP) || (s->t[r].wc & WC_STARTER) ||
		    lex_match_tok(x->lx->titles, s->t, s->nt, r, NULL) || !make_speaker(x, r, k - 1, at))
			return false;
	}
	/* the phrase must run up to the cue (only auxiliaries, adverbs, a time between) */
	at->found = true;
	at->cue = tok_join(x->a, s, c, c + clen);
	at->cue_e = c + clen;
	at->stance = e->stance;
	size_t cs = c + clen;
	if (cs < s->nt && is_pron(&s->t[cs], "that"))
		cs++;
	at->content_b = cs;
	at->content_e = s->nt;
	return true;
}

/* "Mayer, the studio's head of streaming, said": a determiner phrase with a role (a title,
 * a role noun, a possessive) after a name of capitalised words set off by a comma. */
static bool role_apposition(const struct actx *x, size_t b, size_t end)
{
	const struct sentence *s = x->s;
	if (!(wc(x, b) & WC_DET) || b < 2 || !is_comma(&s->t[b - 1]))
		return false;
	bool role = false;
	for (size_t k = b + 1; k < end && !role; k++)
		role = (s->t[k].flags & TF_POSS) || (wc(x, k) & WC_ROLE) ||
		       lex_match_tok(x->lx->titles, s->t, s->nt, k, NULL) != NULL;
	if (!role)
		return false;
	size_t r = b - 1, names = 0;
	while (r > 0 && !is_comma(&s->t[r - 1]) && s->t[r - 1].kind != TK_QCLOSE && names < 5) {
		if (!(s->t[r - 1].flags & TF_CAP) || (s->t[r - 1].wc & WC_STARTER))
			return false;
		r--;
		names++;
	}
	return names >= 1 && names <= 4 && r > 0;
}

/* "Y, X said." / "“Y,” X said in a statement." / "Y, said X." */
static bool trailing(struct actx *x, size_t c, size_t clen, const struct lex_entry *e,
		     struct attribution *at)
{
	const struct sentence *s = x->s;
	if (c == 0)
		return false;
	/* the attribution closes the sentence: only adjuncts after the cue */
	size_t after = 0;
	for (size_t j = c + clen; j < s->nt; j++) {
		if (is_pron(&s->t[j], "that") || is_pron(&s->t[j], "which") || is_pron(&s->t[j], "who"))
			break; /* "... in an email that was reviewed by Reuters" */
		if (s->t[j].kind == TK_WORD || s->t[j].kind == TK_NUM)
			after++;
		if (wc(x, j) & WC_VERBISH)
			return false;
		if (s->t[j].kind == TK_QOPEN)
			return false;
	}
	if (after > 18)
		return false;
	/* inverted: boundary right before the cue */
	size_t p = c - 1;
	bool bnd_before = is_comma(&s->t[p]) || s->t[p].kind == TK_QCLOSE || is_punct(&s->t[p], ':');
	if (bnd_before) {
		size_t b = c + clen, k = b;
		while (k < s->nt && !is_comma(&s->t[k]) && s->t[k].kind != TK_PUNCT &&
		       s->t[k].kind != TK_QOPEN && !(k > b && (wc(x, k) & WC_CUTWORD)))
			k++;
		if (k > b && k - b <= 12) {
			struct attribution tmp = *at;
			if (make_speaker(x, b, k, &tmp)) {
				*at = tmp;
				at->found = true;
				at->cue = tok_join(x->a, s, c, c + clen);
				at->cue_e = c + clen;
				at->stance = e->stance;
				at->content_b = 0;
				at->content_e = p;
				return true;
			}
		}
	}
	/* "Y, Mayer, the studio's head of streaming, said": a name and its apposition in
	 * commas before the cue */
	if (c >= 4 && is_comma(&s->t[c - 1])) {
		size_t q = c - 1, r = q;
		while (r > 0 && !is_comma(&s->t[r - 1]) && s->t[r - 1].kind != TK_QCLOSE && q - r < 14)
			r--;
		if (r >= 2 && r < q && is_comma(&s->t[r - 1])) {
			bool ap = (!(s->t[r].flags & TF_CAP) && !(wc(x, r) & WC_DET)) || role_apposition(x, r, q) ||
				  is_pron(&s->t[r], "who") || is_pron(&s->t[r], "which") ||
				  (s->t[r].flags & TF_POSS) || (r + 1 < q && (s->t[r + 1].flags & TF_POSS)) ||
				  lex_match_tok(x->lx->titles, s->t, s->nt, r, NULL) != NULL;
			size_t nq = r - 1, nb = nq;
			while (nb > 0 && !is_comma(&s->t[nb - 1]) && s->t[nb - 1].kind != TK_QCLOSE && nq - nb < 6)
				nb--;
			struct attribution tmp = *at;
			if (ap && nb > 0 && nb < nq && (s->t[nb].flags & TF_CAP) && make_speaker(x, nb, nq, &tmp)) {
				*at = tmp;
				at->found = true;
				at->cue = tok_join(x->a, s, c, c + clen);
				at->cue_e = c + clen;
				at->stance = e->stance;
				at->content_b = 0;
				at->content_e = nb - 1;
				return true;
			}
		}
	}
	/* normal: boundary, speaker, [aux], cue */
	size_t k = c;
	while (k > 0 && (wc(x, k - 1) & WC_AUX))
		k--;
	size_t end = k;
	size_t b = end;
	while (b > 0 && !is_comma(&s->t[b - 1]) && s->t[b - 1].kind != TK_QCLOSE && end - b < 14)
		b--;
	if (b == 0 || b >= end)
		return false;
	/* apposition: "Jessica Caldwell, Edmunds' executive director, said" */
	size_t bb = b;
	/* ... "Mayer, Disney's chairman of ..., said", "Peschorn, who serves in ..., said" */
	bool appos = (!(s->t[b].flags & TF_CAP) && !(wc(x, b) & WC_DET)) ||
		     (s->t[b].flags & TF_POSS) || (b + 1 < end && (s->t[b + 1].flags & TF_POSS)) ||
		     is_pron(&s->t[b], "who") || is_pron(&s->t[b], "which") || role_apposition(x, b, end);
	if (is_comma(&s->t[b - 1]) && appos && b >= 2) {
		size_t q = b - 1, r = q;
		while (r > 0 && !is_comma(&s->t[r - 1]) && s->t[r - 1].kind != TK_QCLOSE && q - r < 6)
			r--;
		if (r > 0 && r < q && (s->t[r].flags & TF_CAP)) {
			bb = r;
			end = q;
		}
	} else if (is_comma(&s->t[b - 1]) && (wc(x, b) & WC_DET) && b >= 2 && s->t[b].kind == TK_WORD &&
		   tok_is(&s->t[b], "a")) {
		/* "Omar Lamrani, a senior analyst, told" handled by leading */
	}
	struct attribution tmp = *at;
	if (!make_speaker(x, bb, end, &tmp))
		return false;
	*at = tmp;
	at->found = true;
	at->cue = tok_join(x->a, s, c, c + clen);
	at->cue_e = c + clen;
	at->stance = e->stance;
	at->content_b = 0;
	at->content_e = bb > 0 ? bb - 1 : 0;
	return true;
}

static bool according(struct actx *x, size_t c, size_t clen, const struct lex_entry *e,
		      struct attribution *at)
{
	const struct sentence *s = x->s;
	size_t lead = skip_lead(x, 0, c);
	size_t b = c + clen, k = b;
	while (k < s->nt && !is_comma(&s->t[k]) && !(s->t[k].kind == TK_PUNCT && !is_punct(&s->t[k], '-') &&
						     !(s->t[k].flags & TF_DOTTED)))
		k++;
	if (k == b)
		return false;
	struct attribution tmp = *at;
	if (!make_speaker(x, b, k, &tmp))
		return false;
	*at = tmp;
	at->found = true;
	at->cue = tok_join(x->a, s, c, c + clen);
	at->cue_e = c + clen;
	at->stance = e->stance;
	if (c <= lead) {
		at->content_b = k + 1;
		at->content_e = s->nt;
	} else {
		at->content_b = 0;
		at->content_e = c;
	}
	return true;
}

/* A passive cue at c ("is expected", "was announced", "were reported by"): a form of "be"
 * (adverbs and "not" between) before a participle. Sets the agent of a "by" phrase right
 * after it ([*ret_b, *ret_e), empty when there is none). */
static bool passive_at(const struct actx *x, size_t c, size_t clen, size_t *ret_b, size_t *ret_e)
{
	const struct sentence *s = x->s;
	if (c == 0 || !participle(&s->t[c + clen - 1]))
		return false;
	size_t k = c;
	while (k > 0 && (ly_adverb(&s->t[k - 1]) || is_pron(&s->t[k - 1], "not") || is_pron(&s->t[k - 1], "also") ||
			 is_pron(&s->t[k - 1], "widely") || is_pron(&s->t[k - 1], "n't")))
		k--;
	if (k == 0 || !(wc(x, k - 1) & WC_BE))
		return false;
	size_t b = c + clen, e = b;
	if (b < s->nt && is_pron(&s->t[b], "by")) {
		b++;
		e = b;
		while (e < s->nt && s->t[e].kind != TK_PUNCT && s->t[e].kind != TK_QOPEN && !(wc(x, e) & WC_CUTWORD) &&
		       !(wc(x, e) & (WC_VERBISH | WC_SUBCONJ)) && e - b < 12)
			e++;
	}
	*ret_b = b;
	*ret_e = e;
	return true;
}

/* "A major part of it, McKinley said, is the flow of drugs": the attribution in commas in
 * the middle of a sentence, with words on both sides. */
static bool parenthetical(struct actx *x, size_t c, size_t clen, const struct lex_entry *e,
			  struct attribution *at)
{
	const struct sentence *s = x->s;
	size_t p = c;
	while (p > 0 && !is_comma(&s->t[p - 1]) && c - p < 10)
		p--;
	if (p < 3 || !is_comma(&s->t[p - 1]) || p > c)
		return false;
	size_t q = c + clen;
	while (q < s->nt && q < c + clen + 6 && !is_comma(&s->t[q]) && s->t[q].kind != TK_PUNCT)
		q++;
	if (q >= s->nt || !is_comma(&s->t[q]) || q + 3 >= s->nt)
		return false;
	size_t k = speaker_end(x, p, c);
	struct attribution tmp = { 0 };
	/* inverted: "The key to its success, says Buser, is ..." */
	if (p == c) {
		if (!(q > c + clen && make_speaker(x, c + clen, q, &tmp)))
			return false;
	} else if (!make_speaker(x, p, k, &tmp)) {
		return false;
	}
	*at = tmp;
	at->found = true;
	at->cue = tok_join(x->a, s, c, c + clen);
	at->cue_e = c + clen;
	at->stance = e->stance;
	at->content_b = 0;
	at->content_e = s->nt;
	return true;
}

/* "Arguing that ..., Patrick has said he will", "..., though VW says it could": the subject
 * right before the cue, after the last comma or subordinator, when the clause before it is
 * not the reported content (trailing() tried that first). */
static bool after_clause(struct actx *x, size_t cb, size_t c, size_t clen, const struct lex_entry *e,
			 struct attribution *at)
{
	const struct sentence *s = x->s;
	size_t j = c;
	while (j > cb && !is_comma(&s->t[j - 1]) && !is_dash(&s->t[j - 1]) && !(wc(x, j - 1) & WC_SUBCONJ) &&
	       c - j < 8)
		j--;
	if (j <= cb || j >= c)
		return false;
	for (size_t r = j; r < c; r++)
		if (is_pron(&s->t[r], "who") || is_pron(&s->t[r], "which") || is_pron(&s->t[r], "that") ||
		    is_pron(&s->t[r], "where"))
			return false; /* "a refugee who feared": the relative clause's verb */
	size_t k = speaker_end(x, j, c);
	struct attribution tmp = { 0 };
	if (!make_speaker(x, j, k, &tmp))
		return false;
	*at = tmp;
	at->found = true;
	at->cue = tok_join(x->a, s, c, c + clen);
	at->cue_e = c + clen;
	at->stance = e->stance;
	size_t cs = c + clen;
	if (cs < s->nt && is_pron(&s->t[cs], "that"))
		cs++;
	at->content_b = cs;
	at->content_e = s->nt;
	return true;
}

/* "..., he said, according to the Intelligencer": only a comma or a time between the cue
 * that ends at cue_e and the "according to" at acc_at. */
static bool credit_after(const struct actx *x, size_t cue_e, size_t acc_at)
{
	if (cue_e > acc_at || acc_at - cue_e > 3)
		return false;
	for (size_t k = cue_e; k < acc_at; k++)
		if (!is_comma(&x->s->t[k]) && !time_head(&x->s->t[k]) && !is_pron(&x->s->t[k], "on"))
			return false;
	return true;
}

/* The subject of the sentence's main clause: the phrase from the clause start up to its
 * first verb (tags needed). Used for a cue that shares it: "Swift posted on Twitter accusing
 * Big Machine", "the department responded and confirmed". */
static bool clause_subject(struct actx *x, size_t cb, size_t c, struct attribution *at)
{
	const struct sentence *s = x->s;
	size_t b = skip_lead(x, cb, c);
	const uint8_t *up = tags(x);
	if (!up || b >= c)
		return false;
	size_t v = b;
	while (v < c && up[v] != UPOS_VERB && up[v] != UPOS_AUX && !is_comma(&s->t[v]))
		v++;
	if (v == b || v >= c || is_comma(&s->t[v]))
		return false;
	return make_speaker(x, b, speaker_end(x, b, v), at);
}

/* A cue in -ing after its clause ("..., saying", "posted accusing", "with Audi suggesting")
 * or a cue after "and" that shares the subject of the verb before it. */
static bool shared_subject(struct actx *x, size_t cb, size_t c, size_t clen, const struct lex_entry *e,
			   struct attribution *at)
{
	const struct sentence *s = x->s;
	const struct tok *ct = &s->t[c];
	size_t n = strlen(ct->lw);
	bool ing = n > 4 && !strcmp(ct->lw + n - 3, "ing");
	bool coord = c > 0 && (is_pron(&s->t[c - 1], "and") || (c > 1 && is_pron(&s->t[c - 2], "and") && ly_adverb(&s->t[c - 1])));
	if (!ing && !coord)
		return false;
	struct attribution tmp = { 0 };
	bool ok = false;
	if (ing) {
		/* "with Audi suggesting that" */
		for (size_t j = c; j-- > 0 && c - j <= 6;) {
			if (is_comma(&s->t[j]) || s->t[j].kind == TK_PUNCT)
				break;
			if (is_pron(&s->t[j], "with")) {
				ok = j + 1 < c && make_speaker(x, j + 1, c, &tmp);
				break;
			}
		}
	}
	if (!ok)
		ok = clause_subject(x, cb, c, &tmp);
	if (!ok)
		return false;
	*at = tmp;
	at->found = true;
	at->cue = tok_join(x->a, s, c, c + clen);
	at->cue_e = c + clen;
	at->stance = e->stance;
	size_t cs = c + clen;
	if (cs < s->nt && is_pron(&s->t[cs], "that"))
		cs++;
	at->content_b = cs;
	at->content_e = s->nt;
	return true;
}

static bool clause_boundary(const struct actx *x, size_t i, size_t *ret_start)
{
	const struct sentence *s = x->s;
	/* "... “patently false,” and analysts told ..." */
	if (s->t[i].kind == TK_QCLOSE && i > 0 && is_comma(&s->t[i - 1]) && i + 1 < s->nt &&
	    (is_pron(&s->t[i + 1], "and") || is_pron(&s->t[i + 1], "but"))) {
		*ret_start = i + 2;
		return true;
	}
	if (s->t[i].flags & TF_INQ)
		return false;
	if (is_punct(&s->t[i], ';')) {
		*ret_start = i + 1;
		return true;
	}
	if (is_comma(&s->t[i]) && i + 1 < s->nt && (is_pron(&s->t[i + 1], "and") || is_pron(&s->t[i + 1], "but"))) {
		*ret_start = i + 2;
		return true;
	}
	return false;
}

size_t attr_find(struct arena *a, const struct lexicon *lx, struct sentence *s,
		 const struct mention *m, size_t nm, struct discourse *d, struct attribution *out,
		 size_t max)
{
	struct actx x = { .a = a, .lx = lx, .s = s, .m = m, .nm = nm, .d = d };
	const char **w = arena_alloc(a, (s->nt + 1) * sizeof(char *));
	size_t n = 0;
	if (!w || !max)
		return 0;
	for (size_t i = 0; i < s->nt; i++)
		w[i] = s->t[i].lw;
	w[s->nt] = NULL;
	x.w = w;
	memset(out, 0, sizeof(*out) * max);

	/* 1. "according to": "According to X, Y" names the speaker; "Y, X said, according to
	 * Reuters" is a media credit that does not replace the named speaker (GUIDELINES.md 3),
	 * so a trailing "according to" is kept only when no verb cue before it names one */
	struct attribution acc = { 0 };
	size_t acc_at = s->nt;
	for (size_t i = 0; i < s->nt; i++) {
		size_t len;
		const struct lex_entry *e = cue_at(&x, i, &len);
		if (e && e->kind == CK_PREP) {
			if (according(&x, i, len, e, &acc)) {
				if (acc.content_b > i)
					return (out[0] = acc), 1;
				acc_at = i;
				break;
			}
		}
	}
	size_t nt_cues = acc.found ? acc_at : s->nt; /* verb cues looked for before it */
	/* 2. clauses with a leading subject and a verb cue */
	size_t cb = 0;
	bool need_boundary = false, have_passive = false;
	struct attribution passive = { 0 }, late = { 0 }, bare = { 0 };
	for (size_t i = 0; i < nt_cues && n < max; i++) {
		size_t ns;
		if (i > cb && clause_boundary(&x, i, &ns)) {
			cb = ns;
			need_boundary = false;
			i = ns - 1;
			continue;
		}
		if (need_boundary)
			continue;
		size_t len;
		const struct lex_entry *e = cue_at(&x, i, &len);
		if (!e)
			continue;
		if (e->kind == CK_IMPERSONAL || e->kind == CK_PASSIVE) {
			if (n == 0 && !have_passive) {
				/* "X is believed to ..." reports a belief without its holder; a later
				 * clause may still name who reports it (", the minister told reporters") */
				passive.found = true;
				passive.cue = tok_join(a, s, i, i + len);
				passive.stance = e->stance;
				passive.content_b = 0;
				passive.content_e = s->nt;
				have_passive = true;
				i += len - 1;
			}
			continue;
		}
		if (e->kind != CK_VERB && e->kind != CK_OBJECT)
			continue;
		/* "a refugee who feared reprisals said": the verb of a relative clause without
		 * commas is not the sentence's cue */
		if (i > 0 && (is_pron(&s->t[i - 1], "who") || is_pron(&s->t[i - 1], "which") ||
			      (is_pron(&s->t[i - 1], "that") && i > 1 && !(wc(&x, i - 2) & WC_DET) &&
			       s->t[i - 2].kind == TK_WORD && !(s->t[i - 2].flags & TF_CAP) && !cue_at(&x, i - 2, &ns))) &&
		    !(i >= 2 && is_comma(&s->t[i - 2]))) {
			i += len - 1;
			continue;
		}
		/* passive "was announced by the ministry": the agent speaks; without one, the
		 * subject is what is reported, not who reports it */
		size_t agent_b, agent_e;
		if (n == 0 && passive_at(&x, i, len, &agent_b, &agent_e)) {
			if (agent_b < agent_e) {
				struct attribution pa = { 0 };
				if (make_speaker(&x, agent_b, agent_e, &pa)) {
					pa.found = true;
					pa.cue = tok_join(a, s, i, i + len);
					pa.stance = e->stance;
					pa.content_b = 0;
					pa.content_e = s->nt;
					out[n++] = pa;
					break;
				}
			}
			/* no agent: no speaker, and the stance is the content's own ("is expected"
			 * is a hedge, "is estimated at" is not); a later cue may still name one */
			if (!bare.found)
				bare = (struct attribution){ .found = true, .cue = tok_join(a, s, i, i + len),
							     .cue_e = i + len, .stance = ST_ASSERT, .content_e = s->nt };
			i += len - 1;
			continue;
		}
		if (have_passive) {
			/* after a belief without its holder, only an inverted "..., X said" names one */
			struct attribution tr = { 0 };
			if (trailing(&x, i, len, e, &tr)) {
				out[n++] = tr;
				break;
			}
			i += len - 1;
			continue;
		}
		/* relative clause "X, who denies Y," */
		if (i >= 2 && is_pron(&s->t[i - 1], "who") && is_comma(&s->t[i - 2])) {
			if (n + 1 < max) {
				struct attribution rel = { 0 };
				size_t b = i - 2;
				while (b > 0 && !is_comma(&s->t[b - 1]) && i - 2 - b < 8)
					b--;
				if (make_speaker(&x, b, i - 2, &rel)) {
					rel.found = true;
					rel.cue = tok_join(a, s, i, i + len);
					rel.stance = e->stance;
					rel.content_b = i + len;
					rel.content_e = s->nt;
					/* kept after the main claim of the sentence */
					out[max - 1] = rel;
				}
			}
			i += len - 1;
			continue;
		}
		struct attribution at = { 0 };
		if (leading(&x, cb, i, len, e, &at)) {
			out[n++] = at;
			i += len - 1;
			need_boundary = true; /* a second clause must start after a boundary */
			continue;
		}
		if (n == 0 && trailing(&x, i, len, e, &at)) {
			out[n++] = at;
			break;
		}
		/* kept for when no other cue of the sentence names a speaker */
		if (n == 0 && !late.found &&
		    (parenthetical(&x, i, len, e, &at) || after_clause(&x, cb, i, len, e, &at) ||
		     shared_subject(&x, cb, i, len, e, &at)))
			late = at;
		if (n == 0 && acc.found && i + len + 2 >= acc_at)
			break;
	}
	/* "An audit found no evidence of it, the bank said": the attribution that closes the
	 * sentence reports the whole of it, the leading cue included */
	if (n == 1 && out[0].found && out[0].speaker_text && out[0].content_b > 0 && out[0].content_e == s->nt &&
	    !out[max - 1].found) {
		for (size_t i = out[0].cue_e + 1; i < s->nt; i++) {
			size_t len;
			const struct lex_entry *e = cue_at(&x, i, &len);
			if (!e || (e->kind != CK_VERB && e->kind != CK_OBJECT))
				continue;
			struct attribution tr = { 0 };
			if (trailing(&x, i, len, e, &tr) && tr.content_e >= out[0].cue_e) {
				uint8_t inner = out[0].stance;
				out[0] = tr;
				if (inner != ST_ASSERT && tr.stance == ST_ASSERT)
					out[0].stance = inner;
				break;
			}
		}
	}
	if (n == 0 && late.found && !have_passive)
		out[n++] = late;
	if (n == 0 && bare.found && !have_passive && !acc.found)
		out[n++] = bare;
	if (acc.found && !(n > 0 && out[0].found && out[0].speaker_text && credit_after(&x, out[0].cue_e, acc_at))) {
		memset(out, 0, sizeof(*out) * max);
		out[0] = acc;
		return 1;
	}
	/* "allegations by X", "a declaration by X": a noun cue names the speaker after it */
	if (n == 0 && !have_passive && !out[max - 1].found) {
		for (size_t i = 0; i < s->nt; i++) {
			size_t len;
			const struct lex_entry *e = lex_match_tok(lx->cues, s->t, s->nt, i, &len);
			if (!e || e->kind != CK_NOUN || (s->t[i].flags & TF_INQ))
				continue;
			size_t nb = i + len, ne = nb;
			while (ne < s->nt && s->t[ne].kind != TK_PUNCT && s->t[ne].kind != TK_QOPEN &&
			       !is_pron(&s->t[ne], "that") && !(wc(&x, ne) & (WC_VERBISH | WC_SUBCONJ)) && ne - nb < 10)
				ne++;
			struct attribution na = { 0 };
			if (ne > nb && make_speaker(&x, nb, ne, &na)) {
				na.found = true;
				na.cue = tok_join(a, s, i, i + len);
				na.cue_e = i + len;
				na.stance = e->stance;
				na.content_b = 0;
				na.content_e = s->nt;
				out[n++] = na;
				break;
			}
		}
	}
	if (have_passive) {
		if (n == 0) {
			memset(out, 0, sizeof(*out) * max);
			out[0] = passive;
			return 1;
		}
		/* the named reporter of a belief: the belief's stance stays */
		if (passive.stance != ST_ASSERT && out[0].stance == ST_ASSERT)
			out[0].stance = passive.stance;
	}
	if (max > 1 && out[max - 1].found && n < max) {
		if (n == 0) {
			/* main clause unattributed: an empty record first */
			out[0] = (struct attribution){ .found = false, .content_e = s->nt };
			n = 1;
		}
		if (n < max - 1 || n == max - 1) {
			out[n] = out[max - 1];
			if (n != max - 1)
				memset(&out[max - 1], 0, sizeof(out[0]));
			n++;
		}
	}
	return n;
}

static bool range_has(const struct lex_table *t, const struct sentence *s, size_t b, size_t e,
		      const char **hit)
{
	for (size_t i = b; i < e; i++) {
		size_t len;
		const struct lex_entry *x = lex_match_tok(t, s->t, s->nt, i, &len);
		if (x && i + len <= e) {
			if (hit)
				*hit = x->text;
			return true;
		}
	}
	return false;
}

/* "which", "who" after a noun or a comma: a relative clause */
static bool relative_pron(const struct sentence *s, size_t i)
{
	const struct tok *t = &s->t[i];
	return (tok_is(t, "which") || tok_is(t, "who") || tok_is(t, "whom") || tok_is(t, "whose")) && i > 0 &&
	       (s->t[i - 1].kind == TK_WORD || (s->t[i - 1].kind == TK_PUNCT && s->t[i - 1].s[0] == ','));
}

static bool modal(const struct tok *t)
{
	return tok_is(t, "will") || tok_is(t, "would") || tok_is(t, "could") || tok_is(t, "may") ||
	       tok_is(t, "might") || tok_is(t, "should") || tok_is(t, "can") || tok_is(t, "won't");
}

/* "there'll", "they’ll" (quotes are folded in lw) */
static bool contracted_will(const struct tok *t)
{
	size_t n = strlen(t->lw);
	return n > 3 && t->lw[n - 3] == '\'' && t->lw[n - 2] == 'l' && t->lw[n - 1] == 'l';
}

/* A forecast word at i used as a comparison: after "than" or "as", before "by". */
static bool comparison(const struct sentence *s, size_t i)
{
	if (!(tok_is(&s->t[i], "expected") || tok_is(&s->t[i], "forecast") || tok_is(&s->t[i], "projected") ||
	      tok_is(&s->t[i], "estimated") || tok_is(&s->t[i], "predicted") || tok_is(&s->t[i], "anticipated")))
		return false;
	size_t p = i;
	if (p > 0 && (tok_is(&s->t[p - 1], "had") || tok_is(&s->t[p - 1], "was") || tok_is(&s->t[p - 1], "were") ||
		      tok_is(&s->t[p - 1], "previously") || tok_is(&s->t[p - 1], "originally") ||
		      tok_is(&s->t[p - 1], "initially")))
		p--;
	if (p > 0 && (tok_is(&s->t[p - 1], "than") || tok_is(&s->t[p - 1], "as")))
		return true;
	return i + 1 < s->nt && tok_is(&s->t[i + 1], "by");
}

/* The speaker's head (its last word) is a prosecution or a plaintiff: "Prosecutors", "the
 * indictment", "federal prosecutors in Manhattan" (the head before "in"/"of"). */
static bool accuser(const struct lexicon *lx, const char *sp)
{
	char buf[256];
	size_t n = strlen(sp);
	if (n >= sizeof(buf))
		return false;
	for (size_t i = 0; i <= n; i++)
		buf[i] = (char)c_tolower((unsigned char)sp[i]);
	char *save = NULL;
	for (char *w = strtok_r(buf, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
		if (!strcmp(w, "in") || !strcmp(w, "of") || !strcmp(w, "for"))
			break;
		if (lex_word_class(lx, w) & WC_ACCUSER) {
			char *next = strtok_r(NULL, " ,", &save);
			if (!next || !strcmp(next, "in") || !strcmp(next, "of") || !strcmp(next, "for"))
				return true;
			w = next;
			if (lex_word_class(lx, w) & WC_ACCUSER)
				return true;
		}
	}
	return false;
}

/* "I never touched", "we have never taken": a denial of an act (not "never had", "never
 * seen", which tell of experience). */
static bool never_did(const struct sentence *s, size_t b, size_t e)
{
	static const char *const acts[] = { "taken", "given", "stolen", "done", "made", "paid", "sold", "hit",
					    "met", "told", "sent", "took", "gave", "stole", "did", "said" };
	for (size_t i = b; i + 1 < e; i++) {
		if (!tok_is(&s->t[i], "never"))
			continue;
		const struct tok *v = &s->t[i + 1];
		size_t n = strlen(v->lw);
		if (v->kind == TK_WORD && n > 3 && v->lw[n - 2] == 'e' && v->lw[n - 1] == 'd')
			return true;
		for (size_t k = 0; k < sizeof(acts) / sizeof(acts[0]); k++)
			if (tok_is(v, acts[k]))
				return true;
	}
	return false;
}

/* The content [b,e) is about a person: "he", "a former bank manager" (a role noun), a name. */
static bool names_a_person(const struct sentence *s, size_t b, size_t e)
{
	for (size_t i = b; i < e; i++) {
		const struct tok *t = &s->t[i];
		if (t->kind != TK_WORD)
			continue;
		bool person = (t->wc & WC_ROLE) || tok_is(t, "he") || tok_is(t, "she") || tok_is(t, "him") ||
			      tok_is(t, "his") || tok_is(t, "her") ||
			      (i + 1 < e && (t->flags & TF_CAP) && !(t->wc & WC_STARTER) && (s->t[i + 1].flags & TF_CAP) &&
			       s->t[i + 1].kind == TK_WORD && !(s->t[i + 1].wc & (WC_ORGHEAD | WC_PLACEHEAD)));
		if (!person)
			continue;
		/* what the person did, not what was done to them ("was charged", "was arrested") */
		size_t k = i + 1;
		while (k < e && k < i + 6 && !(s->t[k].wc & WC_BE) && !(s->t[k].kind == TK_WORD && participle(&s->t[k])))
			k++;
		if (k < e && (s->t[k].wc & WC_BE))
			return false;
		return true;
	}
	return false;
}

uint8_t attr_stance(const struct lexicon *lx, const struct sentence *s, const struct attribution *at,
		    const char **hedges, size_t *nhedges, size_t max)
{
	size_t nt = s->nt;
	size_t b = 0, e = nt;
	bool attributed = at && at->found && at->speaker_text;
	if (at && at->found) {
		b = at->content_b < nt ? at->content_b : nt;
		e = at->content_e < nt ? at->content_e : nt;
	}
	bool allege = false, spec = false;
	*nhedges = 0;
	size_t sub = nt; /* start of a subordinate clause opened inside the content */
	bool sub_lead = false;
	for (size_t i = b; i < e; i++) {
		size_t len;
		const struct tok *ti = &s->t[i];
		/* a subordinate clause that opens the content ends at the first comma ("When
		 * prices rise, sales would fall"); one opened inside it, or a relative clause,
		 * runs on past commas of apposition ("when they were told the hopeful, Deval
		 * Patrick, would be stopping by") to a semicolon */
		if (ti->kind == TK_PUNCT && ti->n == 1 && (ti->s[0] == ';' || (ti->s[0] == ',' && sub_lead)))
			sub = nt, sub_lead = false;
		else if (ti->kind == TK_WORD && ((ti->wc & WC_SUBCONJ) || (i > b && relative_pron(s, i))) && sub == nt) {
			sub = i;
			sub_lead = i == b || (i == b + 1 && (s->t[b].wc & WC_CONNECT));
		}
		/* "there'll be": the contracted "will" */
		if (!spec && ti->kind == TK_WORD && contracted_will(ti) && sub == nt) {
			spec = true;
			continue;
		}
		const struct lex_entry *x = lex_match_tok(lx->hedges, s->t, nt, i, &len);
		if (!x)
			continue;
		/* a modal of a subordinate clause is not the claim's ("... when they were told he
		 * would come", "because they may disagree") */
		if (sub < i && x->stance == ST_SPECULATE && (modal(ti) || !sub_lead))
			continue;
		/* past ability: "could not hold", "could only manage" */
		if (tok_is(ti, "could") && i + 1 < nt &&
		    (tok_is(&s->t[i + 1], "not") || tok_is(&s->t[i + 1], "n't") || tok_is(&s->t[i + 1], "only") ||
		     tok_is(&s->t[i + 1], "never")))
			continue;
		/* a forecast word that only compares: "better than expected", "as forecast",
		 * "expected by economists" (GUIDELINES.md 5) */
		if (x->stance == ST_SPECULATE && len == 1 && comparison(s, i))
			continue;
		/* "should" and "would" in reported speech are the speaker's, not the writer's */
		if (attributed && x->stance == ST_SPECULATE && (tok_is(&s->t[i], "should")))
			continue;
		if (len == 1 && i > 0 && (s->t[i].flags & TF_CAP) && s->t[i - 1].kind != TK_QOPEN)
			continue; /* "in May" is a month */
		if (x->stance == ST_ALLEGE)
			allege = true;
		if (x->stance == ST_SPECULATE)
			spec = true;
		bool dup = false;
		for (size_t k = 0; k < *nhedges; k++)
			if (!strcmp(hedges[k], x->text))
				dup = true;
		if (!dup && *nhedges < max)
			hedges[(*nhedges)++] = x->text;
		i += len - 1;
	}
	uint8_t cue = at && at->found ? at->stance : ST_ASSERT;
	if (cue == ST_DENY)
		return ST_DENY;
	if (cue == ST_ALLEGE || allege)
		return ST_ALLEGE;
	if (cue == ST_SPECULATE || spec)
		return ST_SPECULATE;
	bool quoted = false;
	for (size_t i = b; i < e; i++)
		if (s->t[i].flags & TF_INQ)
			quoted = true;
	if ((attributed || quoted) && (range_has(lx->denials, s, b, e, NULL) || never_did(s, b, e)))
		return ST_DENY;
	if (attributed && accuser(lx, at->speaker_text) && names_a_person(s, b, e))
		return ST_ALLEGE; /* "prosecutors say he ...": an account of what a defendant did */
	if (attributed) {
		/* unnamed sources: "people familiar with the matter", "a police source" */
		const char *sp = at->speaker_text;
		const struct tok *t = NULL;
		(void)t;
		char buf[256];
		size_t n = strlen(sp);
		if (n < sizeof(buf)) {
			memcpy(buf, sp, n + 1);
			char *save = NULL;
			for (char *tw = strtok_r(buf, " ,", &save); tw; tw = strtok_r(NULL, " ,", &save)) {
				for (char *c = tw; *c; c++)
					if (*c >= 'A' && *c <= 'Z')
						*c = (char)(*c - 'A' + 'a');
				if (lex_word_class(lx, tw) & WC_SOURCE)
					return ST_ALLEGE;
			}
		}
	}
	return ST_ASSERT;
}
