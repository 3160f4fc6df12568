/* coref.c — speakers named by a pronoun or a nominal ("he", "she", "the company", "the
 * Ohio-based company", "the suspect"), resolved to the nearest compatible named antecedent
 * of the article (GUIDELINES.md 3): a person for "he"/"she" and for a role noun, of the
 * pronoun's gender when the article has shown it; an organisation for an organisation
 * nominal.
 * Takes: the named people and organisations in reading order (coref_note), gender evidence
 * ("Mr.", a "his" or "her" after the name in its sentence: coref_gender).
 * Gives: the antecedent, or NULL when none is compatible (the speaker then stays as written).
 * Must not: allocate (the strings are the article arena's), log, or look past the discourse. */
#include <string.h>

#include "claims_int.h"

#define COREF_GENDER_REACH 8 /* sentences */
#define COREF_SPOKE_REACH 6  /* sentences a speaker stays the preferred antecedent */

void coref_note(struct discourse *d, const char *text, const char *name, uint8_t type, bool spoke)
{
	if (!text || !name || !(type == ET_PERSON || type == ET_ORG || type == ET_GROUP))
		return;
	uint8_t kind = type == ET_PERSON ? ET_PERSON : ET_ORG;
	uint8_t gender = G_UNKNOWN;
	for (size_t k = 0; k < d->nante; k++) {
		if (d->ante[k].type == kind && !strcmp(d->ante[k].name, name)) {
			gender = d->ante[k].gender;
			spoke = spoke || (d->ante[k].spoke && d->sent_no - d->ante[k].sent <= COREF_SPOKE_REACH);
			text = d->ante[k].text; /* the fullest form: the first */
			memmove(&d->ante[k], &d->ante[k + 1], (d->nante - k - 1) * sizeof(d->ante[0]));
			d->nante--;
			break;
		}
	}
	if (d->nante == COREF_MAX) {
		memmove(&d->ante[0], &d->ante[1], (COREF_MAX - 1) * sizeof(d->ante[0]));
		d->nante--;
	}
	d->ante[d->nante++] = (struct antecedent){ .text = text, .name = name, .type = kind, .gender = gender,
						   .sent = d->sent_no, .spoke = spoke };
}

void coref_gender(struct discourse *d, const char *name, uint8_t gender)
{
	for (size_t k = d->nante; k-- > 0;)
		if (d->ante[k].type == ET_PERSON && !strcmp(d->ante[k].name, name)) {
			if (d->ante[k].gender == G_UNKNOWN)
				d->ante[k].gender = gender;
			return;
		}
}

/* Some person after index k (more recent) is known to be of this gender. */
static bool known_gender_near(const struct discourse *d, uint8_t gender, size_t k)
{
	for (size_t j = k + 1; j < d->nante; j++)
		if (d->ante[j].type == ET_PERSON && d->ante[j].gender == gender &&
		    d->sent_no - d->ante[j].sent <= COREF_GENDER_REACH)
			return true;
	return false;
}

const struct antecedent *coref_find(const struct discourse *d, uint8_t type, uint8_t gender, uint32_t within)
{
	uint8_t kind = type == ET_PERSON ? ET_PERSON : ET_ORG;
	/* a person known to be of the pronoun's gender, named in the last few sentences, is
	 * preferred to a nearer one whose gender the article has not shown */
	/* a person who spoke in the last sentences, not of the other gender, before one only
	 * mentioned (centering: "he" continues the speaker) */
	if (kind == ET_PERSON)
		for (size_t k = d->nante; k-- > 0;) {
			const struct antecedent *a = &d->ante[k];
			if (d->sent_no - a->sent > COREF_SPOKE_REACH || (within && d->sent_no - a->sent > within))
				break;
			if (a->type == ET_PERSON && a->spoke &&
			    (gender == G_UNKNOWN || a->gender == G_UNKNOWN || a->gender == gender) &&
			    !(gender != G_UNKNOWN && a->gender == G_UNKNOWN && known_gender_near(d, gender, k)))
				return a;
		}
	if (kind == ET_PERSON && gender != G_UNKNOWN)
		for (size_t k = d->nante; k-- > 0;) {
			const struct antecedent *a = &d->ante[k];
			if (d->sent_no - a->sent > COREF_GENDER_REACH || (within && d->sent_no - a->sent > within))
				break;
			if (a->type == ET_PERSON && a->gender == gender)
				return a;
		}
	for (size_t k = d->nante; k-- > 0;) {
		const struct antecedent *a = &d->ante[k];
		if (within && d->sent_no - a->sent > within)
			return NULL;
		if (a->type != kind)
			continue;
		if (kind == ET_PERSON && gender != G_UNKNOWN && a->gender != G_UNKNOWN && a->gender != gender)
			continue;
		return a;
	}
	return NULL;
}
