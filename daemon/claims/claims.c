/* claims.c — the claim assembler: clean text in, claimd.claim/1 bodies (without the
 * article fields) out.
 *
 * Takes: clean plain text (paragraphs on their own lines, blank lines allowed), the
 * published date (ISO 8601 or NULL) and lexicons loaded once by claims_new().
 * Gives: a JSON array of claims: sentence, speaker, cue, stance, hedges, quantities,
 * entities, time and a check-worthiness score. A sentence is a claim when it is a
 * statement (final punctuation, not a question, not a "declined to comment") and scores
 * high enough: a number, an attribution, a named entity or a date make it checkable;
 * quoted opinion in the first person and continuation quotes score low.
 * Quote-only sentences take the speaker of their paragraph, or of the paragraph before
 * when the paragraph opens with a quote. Strings that outlive a paragraph live in one arena
 * per call, the paragraph's tokens and sentences in a scratch arena reused from paragraph to
 * paragraph. JSON is built only for claims that score high enough; within a call, equal
 * strings and equal speaker and entity objects are made once and shared (claims.h), and the
 * stance, type and score values are made once in claims_new().
 * Must not: log, read the clock, or keep state between calls (lexicons are read-only). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimd/claims.h"
#include "claimd/tag.h"
#include "claims_int.h"

#define CLAIMS_MIN_WORDS 4

/* JSON leaves every call shares (read-only, reference-counted): stance and type names
 * and the scores, which are rounded to hundredths. */
#define N_STANCES 4
#define N_TYPES (ET_OTHER + 1)
#define N_SCORES 101

struct claims_ctx {
	struct lexicon lx;
	double min_score;
	json_t *j_stance[N_STANCES];
	json_t *j_type[N_TYPES];
	json_t *j_sptype[N_TYPES];
	json_t *j_score[N_SCORES];
};

/* Per call: the strings of the article already made JSON, keyed by their text. The keys
 * live in the call's arena or the lexicon, which do not change during the call. */
#define JCACHE_SLOTS 1024
#define OCACHE_SLOTS 256

struct run {
	struct arena *a;       /* strings that outlive a paragraph (discourse, claims) */
	struct arena *scratch; /* tokens, sentences and per-sentence results of one paragraph */
	const struct claims_ctx *c;
	int py, pm, pd;
	const char *jkey[JCACHE_SLOTS];
	uint32_t jhash[JCACHE_SLOTS];
	json_t *jval[JCACHE_SLOTS];
	struct ocache {
		uint32_t h;
		uint8_t kind, type;
		const char *a, *b, *c;
		json_t *v;
	} obj[OCACHE_SLOTS]; /* speaker and entity objects, shared by the call's claims */
};

static const char *type_name(uint8_t t);
static const char *speaker_type_name(uint8_t t);
static const char *stance_name(uint8_t s);
static json_t *kstr(const char *s);

/* Sets a constant ASCII key (its length known at compile time, no UTF-8 check); a NULL
 * value (out of memory, invalid UTF-8) leaves the key out, as json_object_set_new does. */
#define setk(o, k, v) json_object_setn_new_nocheck((o), (k), sizeof(k) - 1, (v))

void claims_set_min_score(struct claims_ctx *c, double min_score)
{
	c->min_score = min_score < 0 ? 0 : min_score > 1 ? 1 : min_score;
}

const char *claims_default_lexicon_dir(void)
{
	const char *e = getenv("CLAIMD_LEXICON_DIR");
	if (e && *e)
		return e;
#ifdef CLAIMD_LEXICON_DIR
	return CLAIMD_LEXICON_DIR;
#else
	return "/etc/claimd/lexicon";
#endif
}

int claims_new(const char *lexicon_dir, struct claims_ctx **ret, char *err, size_t errlen)
{
	struct claims_ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int r = lex_load(&c->lx, lexicon_dir ? lexicon_dir : claims_default_lexicon_dir(), err, errlen);
	if (r < 0) {
		free(c);
		return r;
	}
	/* the part-of-speech model is optional: without it every sentence takes the rules that
	 * need no tags (a damaged model is an error) */
	r = tagger_load_dir(lexicon_dir ? lexicon_dir : claims_default_lexicon_dir(), &c->lx.tagger, err, errlen);
	if (r == -ENOENT) {
		c->lx.tagger = NULL;
	} else if (r < 0) {
		lex_release(&c->lx);
		free(c);
		return r;
	}
	c->min_score = CLAIMS_DEFAULT_MIN_SCORE;
	for (uint8_t i = 0; i < N_STANCES; i++)
		c->j_stance[i] = kstr(stance_name(i));
	for (uint8_t i = 0; i < N_TYPES; i++) {
		c->j_type[i] = kstr(type_name(i));
		c->j_sptype[i] = kstr(speaker_type_name(i));
	}
	for (int i = 0; i < N_SCORES; i++)
		c->j_score[i] = json_real((double)i / 100.0);
	for (uint8_t i = 0; i < N_STANCES; i++)
		if (!c->j_stance[i])
			goto nomem;
	for (uint8_t i = 0; i < N_TYPES; i++)
		if (!c->j_type[i] || !c->j_sptype[i])
			goto nomem;
	for (int i = 0; i < N_SCORES; i++)
		if (!c->j_score[i])
			goto nomem;
	*ret = c;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	claims_free(c);
	return -ENOMEM;
}

struct claims_ctx *claims_free(struct claims_ctx *c)
{
	if (!c)
		return NULL;
	c->lx.tagger = tagger_free(c->lx.tagger);
	lex_release(&c->lx);
	for (size_t i = 0; i < N_STANCES; i++)
		json_decref(c->j_stance[i]);
	for (size_t i = 0; i < N_TYPES; i++) {
		json_decref(c->j_type[i]);
		json_decref(c->j_sptype[i]);
	}
	for (size_t i = 0; i < N_SCORES; i++)
		json_decref(c->j_score[i]);
	free(c);
	return NULL;
}

static const char *type_name(uint8_t t)
{
	switch (t) {
	case ET_COUNTRY:
		return "country";
	case ET_CITY:
		return "city";
	case ET_ORG:
		return "organisation";
	case ET_GROUP:
		return "group";
	case ET_PERSON:
		return "person";
	default:
		return "other";
	}
}

static const char *speaker_type_name(uint8_t t)
{
	switch (t) {
	case ET_COUNTRY:
		return "country";
	case ET_ORG:
		return "organisation";
	case ET_GROUP:
		return "group";
	case ET_PERSON:
		return "person";
	default:
		return "other";
	}
}

static const char *stance_name(uint8_t s)
{
	switch (s) {
	case ST_DENY:
		return "deny";
	case ST_ALLEGE:
		return "allege";
	case ST_SPECULATE:
		return "speculate";
	default:
		return "assert";
	}
}

static void parse_published(const char *p, int *y, int *m, int *d)
{
	*y = *m = *d = 0;
	if (!p)
		return;
	int a, b, c;
	if (sscanf(p, "%4d-%2d-%2d", &a, &b, &c) == 3 && a > 1000 && b >= 1 && b <= 12 && c >= 1 && c <= 31) {
		*y = a;
		*m = b;
		*d = c;
	}
}

/* What one sentence gave, kept per paragraph for quote inheritance. */
struct sres {
	struct sentence *s;
	struct mention m[CLAIMS_MAX_ITEMS * 2];
	size_t nm;
	struct attribution at[2];
	size_t nat;
};

static bool has_final_punct(const struct sentence *s)
{
	for (size_t i = s->nt; i-- > 0;) {
		const struct tok *t = &s->t[i];
		if (t->kind == TK_QCLOSE || (t->kind == TK_PUNCT && t->n == 1 && (t->s[0] == ')' || t->s[0] == ']')) ||
		    (t->kind == TK_PUNCT && t->n == 3 && (unsigned char)t->s[2] == 0x99))
			continue;
		if (t->kind == TK_PUNCT && t->n == 1 && (t->s[0] == '.' || t->s[0] == '!'))
			return true;
		if (t->kind == TK_PUNCT && t->n == 3 && (unsigned char)t->s[2] == 0xa6)
			return true;
		if (t->flags & TF_DOTTED)
			return true;
		return false;
	}
	return false;
}

static bool is_question(const struct sentence *s)
{
	for (size_t i = s->nt; i-- > 0;) {
		const struct tok *t = &s->t[i];
		if (t->kind == TK_QCLOSE)
			return false; /* a quoted question is reported speech */
		if (t->kind == TK_PUNCT && t->n == 1 && t->s[0] == '?')
			return true;
		if (t->kind == TK_WORD || t->kind == TK_NUM)
			return false;
	}
	return false;
}

static size_t count_words(const struct sentence *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nt; i++)
		if (s->t[i].kind == TK_WORD || s->t[i].kind == TK_NUM)
			n++;
	return n;
}

static bool has_phrase(const struct lex_table *t, const struct sentence *s)
{
	for (size_t i = 0; i < s->nt; i++)
		if (lex_match_tok(t, s->t, s->nt, i, NULL))
			return true;
	return false;
}

/* First-person opinion inside quotes ("We pray ...", "I would like ..."). */
static bool first_person_quote(const struct sentence *s)
{
	for (size_t i = 0; i < s->nt; i++) {
		const struct tok *t = &s->t[i];
		if (!(t->flags & TF_INQ) || t->kind != TK_WORD)
			continue;
		if (tok_is(t, "i") || tok_is(t, "we") || tok_is(t, "us") || tok_is(t, "our") || tok_is(t, "my") ||
		    tok_is(t, "let"))
			return true;
	}
	return false;
}

/* "he"/"she" outside quotes: a person the article named */
static bool person_pronoun(const struct sentence *s)
{
	for (size_t i = 0; i < s->nt; i++)
		if (!(s->t[i].flags & TF_INQ) && (tok_is(&s->t[i], "he") || tok_is(&s->t[i], "she")))
			return true;
	return false;
}

/* "That would ...", "This is ...", "It was ..." */
static bool demonstrative_subject(const struct sentence *s)
{
	size_t i = 0;
	while (i < s->nt && s->t[i].kind != TK_WORD)
		i++;
	if (i + 1 >= s->nt)
		return false;
	const struct tok *t = &s->t[i];
	if (!(tok_is(t, "that") || tok_is(t, "this") || tok_is(t, "it")))
		return false;
	return (s->t[i + 1].wc & (WC_VERBISH | WC_AUX)) != 0;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* jstr() through the call's cache: one JSON string per distinct text (speakers, entity
 * names, cues, units, dates recur from claim to claim). */
static json_t *jstr_cached(struct run *r, const char *s)
{
	if (!s)
		return json_null();
	uint32_t h = 2166136261u;
	size_t n = 0;
	for (; s[n]; n++)
		h = (h ^ (unsigned char)s[n]) * 16777619u;
	if (n > 200)
		return json_stringn(s, n);
	size_t slot = h & (JCACHE_SLOTS - 1);
	for (size_t k = 0; k < 8; k++, slot = (slot + 1) & (JCACHE_SLOTS - 1)) {
		const char *key = r->jkey[slot];
		if (!key) {
			json_t *v = json_stringn(s, n);
			if (!v)
				return NULL;
			r->jkey[slot] = s;
			r->jhash[slot] = h;
			r->jval[slot] = v;
			return json_incref(v);
		}
		if (r->jhash[slot] == h && (key == s || !strcmp(key, s)))
			return json_incref(r->jval[slot]);
	}
	return json_stringn(s, n);
}

static uint32_t hash_str(uint32_t h, const char *s)
{
	if (!s)
		return (h ^ 0xffu) * 16777619u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h ^ 0xfeu) * 16777619u;
}

static bool same_str(const char *x, const char *y)
{
	return x == y || (x && y && !strcmp(x, y));
}

static json_t *make_obj(struct run *r, uint8_t kind, uint8_t type, const char *a, const char *b, const char *c)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	uint8_t t = type < N_TYPES ? type : ET_OTHER;
	if (kind == 1) { /* speaker */
		setk(o, "text", jstr_cached(r, a));
		setk(o, "type", json_incref(r->c->j_sptype[t]));
		setk(o, "name", jstr_cached(r, b));
	} else { /* entity */
		setk(o, "text", jstr_cached(r, a));
		setk(o, "name", jstr_cached(r, b));
		setk(o, "type", json_incref(r->c->j_type[t]));
		setk(o, "code", jstr_cached(r, c));
	}
	return o;
}

/* A speaker (kind 1) or entity (kind 2) object: one per distinct value in a call, shared by
 * the claims that name it (claims.h: nested objects are read-only). */
static json_t *obj_cached(struct run *r, uint8_t kind, uint8_t type, const char *a, const char *b, const char *c)
{
	uint32_t h = hash_str(hash_str(hash_str((2166136261u ^ kind) * 16777619u ^ type, a), b), c);
	size_t slot = h & (OCACHE_SLOTS - 1);
	for (size_t k = 0; k < 8; k++, slot = (slot + 1) & (OCACHE_SLOTS - 1)) {
		struct ocache *x = &r->obj[slot];
		if (!x->v) {
			json_t *v = make_obj(r, kind, type, a, b, c);
			if (!v)
				return NULL;
			*x = (struct ocache){ .h = h, .kind = kind, .type = type, .a = a, .b = b, .c = c, .v = v };
			return json_incref(v);
		}
		if (x->h == h && x->kind == kind && x->type == type && same_str(x->a, a) && same_str(x->b, b) &&
		    same_str(x->c, c))
			return json_incref(x->v);
	}
	return make_obj(r, kind, type, a, b, c);
}

static void run_release(struct run *r)
{
	for (size_t k = 0; k < JCACHE_SLOTS; k++)
		if (r->jkey[k])
			json_decref(r->jval[k]);
	for (size_t k = 0; k < OCACHE_SLOTS; k++)
		json_decref(r->obj[k].v);
}

/* A constant ASCII string of ours (no UTF-8 check needed). */
static json_t *kstr(const char *s)
{
	return json_stringn_nocheck(s, strlen(s));
}



/* Plural subject for "They": a list of names ("the United States, South Korea, and Japan"). */
static const char *plural_list(struct arena *a, const struct sentence *s, const struct mention *m, size_t nm)
{
	for (size_t i = 0; i + 1 < nm; i++) {
		if (m[i].type == ET_PERSON || m[i].type == ET_OTHER)
			continue;
		size_t j = i, count = 1;
		while (j + 1 < nm) {
			size_t gap_b = m[j].e, gap_e = m[j + 1].b;
			bool ok = gap_e > gap_b && gap_e - gap_b <= 3;
			for (size_t k = gap_b; ok && k < gap_e; k++) {
				const struct tok *t = &s->t[k];
				if (!((t->kind == TK_PUNCT && t->s[0] == ',') || tok_is(t, "and") || tok_is(t, "the")))
					ok = false;
			}
			if (!ok)
				break;
			j++;
			count++;
		}
		if (count >= 2) {
			size_t b = m[i].b;
			if (b > 0 && tok_is(&s->t[b - 1], "the"))
				b--;
			return tok_join(a, s, b, m[j].e);
		}
		i = j;
	}
	return NULL;
}

static json_t *build_claim(struct run *r, const struct sentence *s, const struct mention *m, size_t nm,
			   const struct attribution *at, bool continuation, double *ret_score)
{
	struct arena *a = r->a;
	const struct lexicon *lx = &r->c->lx;
	double min_score = r->c->min_score;
	int py = r->py, pm = r->pm, pd = r->pd;
	struct quantity q[CLAIMS_MAX_ITEMS];
	struct timex tx[CLAIMS_MAX_ITEMS];
	const char *hedges[CLAIMS_MAX_ITEMS];
	size_t nh = 0;
	size_t nq = qty_find(a, lx, s, q, CLAIMS_MAX_ITEMS);
	size_t ntx = timex_find(a, s, py, pm, pd, tx, CLAIMS_MAX_ITEMS);
	uint8_t stance = attr_stance(lx, s, at, hedges, &nh, CLAIMS_MAX_ITEMS);
	bool attributed = at && at->found && at->speaker_text;

	size_t named = 0;
	for (size_t i = 0; i < nm; i++)
		if (m[i].type != ET_OTHER)
			named++;
	double score = 0.3;
	if (nq)
		score += 0.25;
	if (at && at->found)
		score += 0.2;
	if (named || person_pronoun(s))
		score += 0.15;
	if (named >= 2 || nm >= 3)
		score += 0.05;
	if (ntx)
		score += 0.1;
	if (stance == ST_DENY || stance == ST_ALLEGE)
		score += 0.05;
	if (first_person_quote(s) && !nq)
		score -= 0.1;
	if (continuation)
		score -= 0.3;
	if (!nq && has_phrase(lx->opinion, s))
		score -= 0.3; /* sentiment and wishes: "hopeful", "would like" */
	if (!nq && !(at && at->found) && has_phrase(lx->background, s))
		score -= 0.2; /* unsourced description of a setting: "The camp is located in ..." */
	if (at && at->found && at->content_b < s->nt &&
	    (tok_is(&s->t[at->content_b], "whether") || tok_is(&s->t[at->content_b], "if")))
		score -= 0.3; /* "said whether ...": no claim is made */
	if (demonstrative_subject(s))
		score -= 0.2; /* "That would help ...", "It was not possible ..." */
	if (score < 0)
		score = 0;
	if (score > 1)
		score = 1;
	score = (double)(long)(score * 100 + 0.5) / 100.0;
	*ret_score = score;
	if (score < min_score)
		return NULL;

	json_t *o = json_object();
	if (!o)
		return NULL;
	setk(o, "sentence", json_stringn(s->s, s->n));
	if (attributed) {
		setk(o, "speaker", obj_cached(r, 1, at->speaker_type, at->speaker_text,
					      at->speaker_name ? at->speaker_name : at->speaker_text, NULL));
	} else {
		setk(o, "speaker", json_null());
	}
	setk(o, "cue", jstr_cached(r, at && at->found ? at->cue : NULL));
	setk(o, "stance", json_incref(r->c->j_stance[stance < N_STANCES ? stance : ST_ASSERT]));
	json_t *ha = json_array();
	for (size_t i = 0; i < nh; i++)
		json_array_append_new(ha, jstr_cached(r, hedges[i]));
	setk(o, "hedges", ha);
	json_t *qa = json_array();
	for (size_t i = 0; i < nq; i++) {
		json_t *x = json_object();
		setk(x, "text", jstr(q[i].text));
		setk(x, "value", json_real(q[i].value));
		setk(x, "qualifier", jstr_cached(r, q[i].qualifier));
		setk(x, "unit", jstr_cached(r, q[i].unit));
		json_array_append_new(qa, x);
	}
	setk(o, "quantities", qa);
	json_t *ea = json_array();
	for (size_t i = 0; i < nm; i++) {
		bool dup = false;
		for (size_t k = 0; k < i && !dup; k++)
			if (m[k].name == m[i].name ||
			    (m[k].name[0] == m[i].name[0] && !strcmp(m[k].name, m[i].name)))
				dup = true;
		if (dup)
			continue;
		json_array_append_new(ea, obj_cached(r, 2, m[i].type, m[i].text, m[i].name, m[i].code));
	}
	setk(o, "entities", ea);
	json_t *ta = json_array();
	for (size_t i = 0; i < ntx; i++) {
		json_t *x = json_object();
		setk(x, "text", jstr_cached(r, tx[i].text));
		setk(x, "value", jstr_cached(r, tx[i].value));
		json_array_append_new(ta, x);
	}
	setk(o, "time", ta);
	long si = (long)(score * 100 + 0.5);
	setk(o, "score", si >= 0 && si < N_SCORES && r->c->j_score[si] && json_real_value(r->c->j_score[si]) == score
				 ? json_incref(r->c->j_score[si])
				 : json_real(score));
	return o;
}

static void remember_speaker(struct discourse *d, const struct attribution *at)
{
	if (!at->found || !at->speaker_text)
		return;
	d->last_speaker_text = at->speaker_text;
	d->last_speaker_name = at->speaker_name;
	d->last_speaker_type = at->speaker_type;
	d->last_speaker_plural = at->speaker_plural;
	if (at->speaker_type == ET_PERSON) {
		d->last_person_text = at->speaker_text;
		d->last_person_name = at->speaker_name;
	} else if (at->speaker_type == ET_ORG || at->speaker_type == ET_GROUP) {
		d->last_org_text = at->speaker_text;
		d->last_org_name = at->speaker_name;
		if (at->speaker_type == ET_ORG && at->speaker_name != at->speaker_text)
			d->subject_org_name = at->speaker_name;
	}
	if (at->speaker_plural)
		d->last_plural_text = at->speaker_text;
}

/* Gender of the person mention k: a "Mr."/"Mrs."/"Ms." before it, or the first "he"/"his" or
 * "she"/"her" after it (outside quotes) before the next person is named. */
static void note_gender(struct discourse *d, const struct sentence *s, const struct mention *m, size_t nm, size_t k)
{
	uint8_t g = G_UNKNOWN;
	size_t b = m[k].b;
	if (b > 0 && s->t[b - 1].kind == TK_PUNCT && b > 1)
		b--;
	if (b > 0 && (tok_is(&s->t[b - 1], "mr")))
		g = G_MALE;
	else if (b > 0 && (tok_is(&s->t[b - 1], "mrs") || tok_is(&s->t[b - 1], "ms")))
		g = G_FEMALE;
	size_t stop = s->nt;
	for (size_t j = k + 1; j < nm; j++)
		if (m[j].type == ET_PERSON) {
			stop = m[j].b;
			break;
		}
	for (size_t i = m[k].e; g == G_UNKNOWN && i < stop; i++) {
		const struct tok *t = &s->t[i];
		if (t->kind != TK_WORD || (t->flags & TF_INQ))
			continue;
		if (tok_is(t, "he") || tok_is(t, "his") || tok_is(t, "him") || tok_is(t, "himself"))
			g = G_MALE;
		else if (tok_is(t, "she") || tok_is(t, "her") || tok_is(t, "hers") || tok_is(t, "herself"))
			g = G_FEMALE;
	}
	if (g != G_UNKNOWN)
		coref_gender(d, m[k].name, g);
}

static int process_paragraph(struct run *run, struct discourse *d, struct sentence *sv, size_t ns, json_t *arr,
			     bool *prev_para_open)
{
	struct arena *a = run->a;
	const struct lexicon *lx = &run->c->lx;
	double min_score = run->c->min_score;
	struct sres *r = arena_alloc(run->scratch, (ns ? ns : 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	const char *para_sp_text = d->para_speaker_text, *para_sp_name = d->para_speaker_name;
	uint8_t para_sp_type = d->para_speaker_type;
	bool opens_with_quote = ns && sv[0].nt && sv[0].t[0].kind == TK_QOPEN;
	const char *last_sp_text = NULL, *last_sp_name = NULL;
	uint8_t last_sp_type = ET_OTHER;

	for (size_t i = 0; i < ns; i++) {
		struct sres *x = &r[i];
		x->s = &sv[i];
		if (x->s->nt > CLAIMS_MAX_SENT_TOKENS)
			x->s->nt = CLAIMS_MAX_SENT_TOKENS;
		d->sent_no++;
		x->nm = ent_find(a, lx, x->s, d, x->m, sizeof(x->m) / sizeof(x->m[0]));
		/* persons named before a pronoun subject in the same sentence */
		for (size_t k = 0; k < x->nm; k++) {
			if (x->m[k].type != ET_PERSON)
				continue;
			bool before_pron = false;
			for (size_t t = x->m[k].e; t < x->s->nt; t++)
				if (tok_is(&x->s->t[t], "he") || tok_is(&x->s->t[t], "she")) {
					before_pron = true;
					break;
				}
			if (before_pron) {
				d->last_person_text = x->m[k].text;
				d->last_person_name = x->m[k].name;
				coref_note(d, x->m[k].text, x->m[k].name, ET_PERSON, false);
				note_gender(d, x->s, x->m, x->nm, k);
			}
		}
		ent_remember(d, x->m, x->nm);
		x->nat = attr_find(a, lx, x->s, x->m, x->nm, d, x->at, 2);
		for (size_t k = 0; k < x->nat; k++)
			remember_speaker(d, &x->at[k]);
		for (size_t k = 0; k < x->nat; k++)
			if (x->at[k].found && x->at[k].speaker_text) {
				last_sp_text = x->at[k].speaker_text;
				last_sp_name = x->at[k].speaker_name;
				last_sp_type = x->at[k].speaker_type;
			}
		/* discourse: the named antecedents in reading order, last person and
		 * organisation mentioned, plural lists */
		for (size_t k = 0; k < x->nm; k++) {
			const struct mention *mk = &x->m[k];
			bool credit = mk->b > 0 && (tok_is(&x->s->t[mk->b - 1], "told") || tok_is(&x->s->t[mk->b - 1], "to"));
			if (mk->type == ET_PERSON || !credit) /* "told Reuters" names no antecedent */
				coref_note(d, mk->text, mk->name, mk->type, false);
			if (mk->type == ET_PERSON)
				note_gender(d, x->s, x->m, x->nm, k);
		}
		for (size_t k = 0; k < x->nat; k++)
			if (x->at[k].found && x->at[k].speaker_text && x->at[k].speaker_name &&
			    x->at[k].speaker_name[0] >= 'A' && x->at[k].speaker_name[0] <= 'Z' && !x->at[k].from_context &&
			    !x->at[k].speaker_plural)
				coref_note(d, x->at[k].speaker_text, x->at[k].speaker_name, x->at[k].speaker_type, true);
		for (size_t k = 0; k < x->nm; k++) {
			if (x->m[k].type == ET_PERSON) {
				d->last_person_text = x->m[k].text;
				d->last_person_name = x->m[k].name;
			} else if (x->m[k].type == ET_ORG || x->m[k].type == ET_GROUP) {
				d->last_org_text = x->m[k].text;
				d->last_org_name = x->m[k].name;
				if (x->m[k].b <= 4)
					d->subject_org_name = x->m[k].name;
			}
		}
		const char *pl = plural_list(a, x->s, x->m, x->nm);
		if (pl) {
			d->last_plural_text = pl;
			d->last_plural_sent = d->sent_no;
		}
		for (size_t k = 0; k < x->nat; k++)
			if (x->at[k].found && x->at[k].speaker_plural)
				d->last_plural_text = x->at[k].speaker_text;
	}

	for (size_t i = 0; i < ns; i++) {
		struct sres *x = &r[i];
		const struct sentence *s = x->s;
		if (s->n > CLAIMS_MAX_SENT_BYTES || count_words(s) < CLAIMS_MIN_WORDS || !has_final_punct(s) ||
		    is_question(s))
			continue;
		if (has_phrase(lx->nonclaims, s))
			continue;
		bool attributed = false;
		for (size_t k = 0; k < x->nat; k++)
			if (x->at[k].found && x->at[k].speaker_text)
				attributed = true;
		bool quoted = s->quote_only || s->starts_in_quote || (s->nt && s->t[0].kind == TK_QOPEN);
		bool continuation = false;
		struct attribution inh = { 0 };
		if (!attributed && quoted) {
			/* nearest attribution in the paragraph, else the paragraph before */
			const struct attribution *best = NULL;
			for (size_t k = i + 1; k < ns && !best; k++)
				for (size_t j = 0; j < r[k].nat; j++)
					if (r[k].at[j].found && r[k].at[j].speaker_text) {
						best = &r[k].at[j];
						break;
					}
			for (size_t k = i; k-- > 0 && !best;)
				for (size_t j = 0; j < r[k].nat; j++)
					if (r[k].at[j].found && r[k].at[j].speaker_text) {
						best = &r[k].at[j];
						continuation = true;
						break;
					}
			if (best) {
				inh = *best;
				inh.stance = ST_ASSERT;
				inh.content_b = 0;
				inh.content_e = s->nt;
				inh.from_context = true;
				if (i > 0 && !continuation)
					continuation = true;
			} else if (opens_with_quote && para_sp_text && (*prev_para_open || i == 0)) {
				inh.found = true;
				inh.speaker_text = para_sp_text;
				inh.speaker_name = para_sp_name;
				inh.speaker_type = para_sp_type;
				inh.cue = "said";
				inh.stance = ST_ASSERT;
				inh.content_e = s->nt;
				inh.from_context = true;
				continuation = i > 0;
			}
			if (i > 0 && inh.found)
				continuation = true;
		}
		size_t nrec = x->nat ? x->nat : 1;
		for (size_t k = 0; k < nrec; k++) {
			const struct attribution *at = x->nat ? &x->at[k] : NULL;
			if (inh.found && (!at || !at->found))
				at = &inh;
			double score = 0;
			if (json_array_size(arr) >= CLAIMS_MAX_PER_ARTICLE)
				break;
			json_t *c = build_claim(run, s, x->m, x->nm, at, continuation, &score);
			if (!c) {
				if (score < min_score)
					continue;
				return -ENOMEM;
			}
			json_array_append_new(arr, c);
		}
	}
	if (last_sp_text) {
		d->para_speaker_text = last_sp_text;
		d->para_speaker_name = last_sp_name;
		d->para_speaker_type = last_sp_type;
	} else if (!opens_with_quote) {
		d->para_speaker_text = NULL;
	}
	*prev_para_open = ns && sv[ns - 1].ends_in_quote;
	return 0;
}

int claims_extract(const struct claims_ctx *c, const char *text, const char *published, json_t **ret)
{
	return claims_extract_ex(c, text, published, ret, NULL);
}

int claims_extract_ex(const struct claims_ctx *c, const char *text, const char *published, json_t **ret,
		      struct claims_stats *ret_stats)
{
	if (!c || !ret)
		return -EINVAL;
	struct arena *a = arena_new();
	json_t *arr = json_array();
	struct discourse *d = calloc(1, sizeof(*d));
	struct run *run = calloc(1, sizeof(*run));
	struct arena *scratch = arena_new();
	size_t untagged = 0;
	int r = 0;
	if (!a || !arr || !d || !run || !scratch) {
		r = -ENOMEM;
		goto out;
	}
	run->a = a;
	run->scratch = scratch;
	run->c = c;
	parse_published(published, &run->py, &run->pm, &run->pd);
	const char *p = text ? text : "";
	size_t total = strlen(p);
	if (total > CLAIMS_MAX_TEXT)
		total = CLAIMS_MAX_TEXT;
	const char *end = p + total;
	bool prev_open = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *line = p;
		p += n + (nl ? 1 : 0);
		while (n && (*line == ' ' || *line == '\t' || *line == '\r')) {
			line++;
			n--;
		}
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
			n--;
		if (!n)
			continue;
		struct tok *t;
		arena_reset(scratch);
		size_t nt = sent_tokenize(scratch, line, n, &t);
		if (!nt)
			continue;
		struct sentence *sv = NULL;
		size_t ns = 0, cap = 0;
		sent_classify(&c->lx, t, nt);
		if (sent_split(scratch, &c->lx, line, t, nt, 0, &sv, &ns, &cap) < 0) {
			r = -ENOMEM;
			goto out;
		}
		r = process_paragraph(run, d, sv, ns, arr, &prev_open);
		if (r < 0)
			goto out;
		if (json_array_size(arr) >= CLAIMS_MAX_PER_ARTICLE)
			break;
		/* strings of the discourse and the claims live in the arena a, kept for the whole
		 * call; the paragraph's tokens and sentences in scratch, reused by the next */
	}
out:
	if (d)
		untagged = d->untagged;
	if (run) {
		run_release(run);
		free(run);
	}
	free(d);
	arena_free(scratch);
	arena_free(a);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*ret = arr;
	if (ret_stats)
		ret_stats->untagged = untagged;
	return 0;
}
