/* test_claims.c — the claim extractor, rule by rule: each rule has one example it must
 * match and one near miss it must not. Runs from tests/unit with the lexicons of
 * ../../conf/lexicon (or $CLAIMD_LEXICON_DIR). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "claimd/claims.h"

static struct claims_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	char err[256];
	const char *dir = getenv("CLAIMD_LEXICON_DIR");
	if (claims_new(dir ? dir : "../../conf/lexicon", &ctx, err, sizeof(err)) < 0) {
		fprintf(stderr, "lexicon: %s\n", err);
		return -1;
	}
	claims_set_min_score(ctx, 0); /* see every statement; scoring is tested separately */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ctx = claims_free(ctx);
	return 0;
}

static json_t *run(const char *text)
{
	json_t *a = NULL;
	assert_int_equal(claims_extract(ctx, text, "2023-11-02T00:15:00Z", &a), 0);
	assert_non_null(a);
	return a;
}

/* The first claim whose sentence contains needle (NULL when none). */
static json_t *find(json_t *a, const char *needle)
{
	size_t i;
	json_t *c;
	json_array_foreach(a, i, c) {
		const char *s = json_string_value(json_object_get(c, "sentence"));
		if (s && strstr(s, needle))
			return c;
	}
	return NULL;
}

static const char *speaker(json_t *c)
{
	json_t *sp = json_object_get(c, "speaker");
	return json_is_object(sp) ? json_string_value(json_object_get(sp, "text")) : NULL;
}

static const char *speaker_name(json_t *c)
{
	json_t *sp = json_object_get(c, "speaker");
	return json_is_object(sp) ? json_string_value(json_object_get(sp, "name")) : NULL;
}

static const char *stance(json_t *c)
{
	return json_string_value(json_object_get(c, "stance"));
}

/* ---- sentences ---- */

static void test_split_abbreviations(void **state)
{
	(void)state;
	json_t *a = run("Gen. Mark Stone told Mr. Ito that the U.S. Navy moved 3,500 troops. The U.S. "
			"and Japan said 1.5 million people left.");
	assert_int_equal(json_array_size(a), 2);
	assert_non_null(find(a, "Gen. Mark Stone told Mr. Ito that the U.S. Navy moved 3,500 troops."));
	json_decref(a);
	/* near miss: a real sentence end after an acronym */
	a = run("The aid was sent by the U.S. The ministry said it arrived on Monday.");
	assert_int_equal(json_array_size(a), 2);
	json_decref(a);
}

static void test_split_typo_and_quotes(void **state)
{
	(void)state;
	json_t *a = run("Despite the claims from the US.and Japan, Russia denied the transfer of 40 tanks.");
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
	a = run("“We sent 20 trucks.” The minister said 12 more would follow in October.");
	assert_int_equal(json_array_size(a), 2);
	json_decref(a);
}

/* ---- attribution ---- */

static void test_attr_leading(void **state)
{
	(void)state;
	json_t *a = run("Foreign Minister Anna Berg of Sweden said that 300 soldiers were deployed.");
	json_t *c = find(a, "300 soldiers");
	assert_non_null(c);
	assert_string_equal(speaker(c), "Foreign Minister Anna Berg of Sweden");
	assert_string_equal(speaker_name(c), "Anna Berg");
	assert_string_equal(json_string_value(json_object_get(c, "cue")), "said");
	json_decref(a);
	/* near miss: "claims" as a noun is not a cue */
	a = run("The claims about 300 soldiers were repeated by several newspapers.");
	c = find(a, "300 soldiers");
	assert_non_null(c);
	assert_null(speaker(c));
	json_decref(a);
}

static void test_attr_trailing_and_inverted(void **state)
{
	(void)state;
	json_t *a = run("Five bridges were closed after the storm, the transport ministry said on Friday.");
	json_t *c = find(a, "Five bridges");
	assert_non_null(c);
	assert_string_equal(speaker(c), "the transport ministry");
	json_decref(a);
	a = run("“The line will reopen in June,” said rail spokeswoman Mia Lund.");
	c = find(a, "reopen");
	assert_non_null(c);
	assert_string_equal(speaker(c), "rail spokeswoman Mia Lund");
	assert_string_equal(stance(c), "speculate");
	json_decref(a);
	/* near miss: a capitalised cue word inside a name */
	a = run("Troops from the United States arrived in Poland in March.");
	c = find(a, "Troops");
	assert_non_null(c);
	assert_null(speaker(c));
	json_decref(a);
}

static void test_attr_according_to(void **state)
{
	(void)state;
	json_t *a = run("According to a Kenyan official who asked not to be named, 40 people died in the floods.");
	json_t *c = find(a, "40 people");
	assert_non_null(c);
	assert_string_equal(speaker(c), "a Kenyan official");
	json_decref(a);
	a = run("Prices rose 4 percent in May, according to data from Statistics Norway.");
	c = find(a, "Prices");
	assert_string_equal(speaker(c), "Statistics Norway");
	json_decref(a);
}

static void test_attr_apposition(void **state)
{
	(void)state;
	json_t *a = run("Lena Park, a senior analyst at Brightline, told reporters that exports fell 8 percent.");
	json_t *c = find(a, "exports fell");
	assert_string_equal(speaker(c), "Lena Park");
	json_decref(a);
	/* near miss: a relative clause with a cue-like word before the real cue */
	a = run("The company, which is expected to cut 500 jobs, confirmed on Monday that talks had ended.");
	c = find(a, "500 jobs");
	assert_string_equal(json_string_value(json_object_get(c, "cue")), "confirmed");
	assert_string_equal(stance(c), "assert");
	json_decref(a);
}

static void test_coreference(void **state)
{
	(void)state;
	json_t *a = run("The National Intelligence Service said 30 ships left the port.\n\n"
			"The agency also suspects that 12 of them carried fuel.\n\n"
			"The allegations drew protests from Germany, France and Italy.\n\n"
			"They argue that the 12 ships broke the embargo.");
	json_t *c = find(a, "also suspects");
	assert_string_equal(speaker(c), "The agency");
	assert_string_equal(speaker_name(c), "National Intelligence Service");
	assert_string_equal(stance(c), "allege");
	c = find(a, "They argue");
	assert_string_equal(speaker(c), "They");
	assert_non_null(strstr(speaker_name(c), "Germany"));
	json_decref(a);
	/* near miss: "he" with no person named before stays as written */
	a = run("He said 40 people were hurt in the blast.");
	c = find(a, "40 people");
	assert_string_equal(speaker(c), "He");
	json_decref(a);
}

static void test_quote_paragraph_inherits(void **state)
{
	(void)state;
	json_t *a = run("Mayor Tom Reyes said the city would hire 200 nurses.\n\n"
			"“We have already signed 45 contracts.”");
	json_t *c = find(a, "45 contracts");
	assert_non_null(c);
	assert_string_equal(speaker(c), "Mayor Tom Reyes");
	json_decref(a);
	/* near miss: a plain paragraph after a quote keeps no speaker */
	a = run("Mayor Tom Reyes said the city would hire 200 nurses.\n\nThe city has 45 clinics.");
	c = find(a, "45 clinics");
	assert_null(speaker(c));
	json_decref(a);
}

/* ---- stance ---- */

static void test_stance(void **state)
{
	(void)state;
	json_t *a = run("Rebels have allegedly seized 12 villages.\n\n"
			"The allegations of looting in 12 villages drew criticism.\n\n"
			"The army denied that 12 villages were seized.\n\n"
			"The seizure of 12 villages may lead to talks.\n\n"
			"A police spokesman told reporters the report of 12 deaths is false.\n\n"
			"The report of 12 deaths is not the whole story for the 3 towns.");
	assert_string_equal(stance(find(a, "allegedly")), "allege");
	assert_string_equal(stance(find(a, "allegations")), "assert"); /* near miss */
	assert_string_equal(stance(find(a, "army denied")), "deny");
	assert_string_equal(stance(find(a, "may lead")), "speculate");
	assert_string_equal(stance(find(a, "is false")), "deny");
	assert_string_equal(stance(find(a, "whole story")), "assert"); /* unattributed "not" */
	json_t *h = json_object_get(find(a, "allegedly"), "hedges");
	assert_int_equal(json_array_size(h), 1);
	assert_string_equal(json_string_value(json_array_get(h, 0)), "allegedly");
	json_decref(a);
}

static void test_unnamed_source(void **state)
{
	(void)state;
	json_t *a = run("Two people familiar with the talks said the deal covers 30 aircraft.\n\n"
			"Two airline executives said the deal covers 30 aircraft.");
	assert_string_equal(stance(find(a, "Two people")), "allege");
	assert_string_equal(stance(find(a, "airline executives")), "assert");
	json_decref(a);
}

/* ---- quantities ---- */

static void check_qty(json_t *c, size_t idx, double value, const char *qualifier, const char *unit)
{
	json_t *q = json_array_get(json_object_get(c, "quantities"), idx);
	assert_non_null(q);
	assert_true(json_number_value(json_object_get(q, "value")) > value * 0.999 &&
		    json_number_value(json_object_get(q, "value")) < value * 1.001);
	if (qualifier)
		assert_string_equal(json_string_value(json_object_get(q, "qualifier")), qualifier);
	else
		assert_true(json_is_null(json_object_get(q, "qualifier")));
	if (unit)
		assert_string_equal(json_string_value(json_object_get(q, "unit")), unit);
}

static void test_quantities(void **state)
{
	(void)state;
	json_t *a = run("The army sent more than 1,000 containers of equipment and over a million shells.\n\n"
			"The fund raised $6.5 billion, up 16.057% in two months’ time.\n\n"
			"The 48-year-old pilot flew nearly 17.3 million miles and thousands of hours.\n\n"
			"The fund lost $40-50 billion and a quarter-point of yield.");
	json_t *c = find(a, "containers");
	check_qty(c, 0, 1000, "more than", "containers");
	check_qty(c, 1, 1e6, "over", "shells");
	c = find(a, "fund raised");
	check_qty(c, 0, 6.5e9, NULL, "USD");
	check_qty(c, 1, 16.057, NULL, "percent");
	check_qty(c, 2, 2, NULL, "months");
	c = find(a, "pilot");
	check_qty(c, 0, 48, NULL, "years old");
	check_qty(c, 1, 17.3e6, "nearly", "miles");
	check_qty(c, 2, 1000, "thousands", "hours");
	c = find(a, "fund lost");
	check_qty(c, 0, 40e9, NULL, "USD");
	check_qty(c, 1, 0.25, NULL, NULL);
	json_decref(a);
	/* near misses: years, days of months, ordinals and "one of" are not quantities */
	a = run("In 2019 the third launch on Oct. 25 was one of the best, the agency said.");
	c = find(a, "third launch");
	assert_int_equal(json_array_size(json_object_get(c, "quantities")), 0);
	json_decref(a);
}

/* ---- entities ---- */

static void test_entities(void **state)
{
	(void)state;
	json_t *a = run("A South Korean envoy met UN officials in Pyongyang, and the North said 3 ships left.");
	json_t *e = json_object_get(find(a, "envoy"), "entities");
	const char *want[][2] = { { "South Korea", "KR" }, { "United Nations", NULL }, { "Pyongyang", "KP" } };
	for (size_t k = 0; k < 3; k++) {
		bool found = false;
		for (size_t i = 0; i < json_array_size(e); i++) {
			json_t *x = json_array_get(e, i);
			if (!strcmp(json_string_value(json_object_get(x, "name")), want[k][0])) {
				found = true;
				if (want[k][1])
					assert_string_equal(json_string_value(json_object_get(x, "code")), want[k][1]);
			}
		}
		assert_true(found);
	}
	json_decref(a);
	/* near miss: "us" and "Who" are not the United States or the WHO */
	a = run("Who told us that 4 ships left? The crew told us that 4 ships left.");
	e = json_object_get(find(a, "crew"), "entities");
	assert_int_equal(json_array_size(e), 0);
	json_decref(a);
}

/* ---- time ---- */

static const char *time0(json_t *c)
{
	json_t *t = json_array_get(json_object_get(c, "time"), 0);
	return t ? json_string_value(json_object_get(t, "value")) : NULL;
}

static void test_time(void **state)
{
	(void)state;
	json_t *a = run("Exports fell 3 percent last month.\n\n"
			"Exports fell 4 percent since early August.\n\n"
			"Exports fell 5 percent in December.\n\n"
			"Exports fell 6 percent on Monday.\n\n"
			"Exports fell 7 percent on Sept. 11, 2001.\n\n"
			"Exports may fall 8 percent.");
	assert_string_equal(time0(find(a, "3 percent")), "2023-10");
	assert_string_equal(time0(find(a, "4 percent")), "2023-08");
	assert_string_equal(time0(find(a, "5 percent")), "2022-12");
	assert_string_equal(time0(find(a, "6 percent")), "2023-10-30");
	assert_string_equal(time0(find(a, "7 percent")), "2001-09-11");
	assert_null(time0(find(a, "8 percent"))); /* near miss: the verb "may" */
	json_decref(a);
}

/* ---- what is not a claim; scores ---- */

static void test_not_claims(void **state)
{
	(void)state;
	json_t *a = run("A spokesman for the bank declined to comment.\n\nWhat did the court decide?\n\n"
			"The Long Road Ahead\n\nThe bank declined to 5 percent growth in 2022.");
	assert_int_equal(json_array_size(a), 1);
	assert_non_null(find(a, "declined to 5 percent"));
	json_decref(a);
}

/* A belief without its holder ("is believed") takes the speaker of an inverted "..., X told
 * reporters" and keeps the belief's stance; with no such clause it stays unattributed. */
static void test_passive_then_speaker(void **state)
{
	(void)state;
	json_t *a = run("The fire is believed to have started in a kitchen, Fire Chief Maria Lopez told reporters.\n\n"
			"The fire is believed to have started in a kitchen on the third floor.");
	json_t *c = find(a, "Lopez told reporters");
	assert_non_null(c);
	assert_string_equal(speaker(c), "Fire Chief Maria Lopez");
	assert_string_equal(stance(c), "allege");
	c = find(a, "on the third floor");
	assert_non_null(c);
	assert_null(speaker(c));
	assert_string_equal(stance(c), "allege");
	json_decref(a);
}

/* A unit ends before a second predicate ("... euros and ordered ..."), not before a list item. */
static void test_unit_not_predicate(void **state)
{
	(void)state;
	json_t *a = run("The court set bail at 300,000 euros and ordered him to surrender his passport.\n\n"
			"The company sold 40,000 cars and trucks in May.");
	json_t *q = json_array_get(json_object_get(find(a, "set bail"), "quantities"), 0);
	assert_string_equal(json_string_value(json_object_get(q, "unit")), "EUR"); /* money: ISO code */
	q = json_array_get(json_object_get(find(a, "cars and trucks"), "quantities"), 0);
	assert_string_equal(json_string_value(json_object_get(q, "unit")), "cars and trucks");
	json_decref(a);
}

/* An unsourced description of a setting without a number is background, not a claim; with a
 * number or a source it is one. */
static void test_background(void **state)
{
	(void)state;
	claims_set_min_score(ctx, CLAIMS_DEFAULT_MIN_SCORE);
	json_t *a = run("The refugee camp is located in the desert near the border with Jordan.\n\n"
			"The base is located inside a 55-kilometer zone on the highway.\n\n"
			"The camp is located in a closed military area, Jordanian officials said.");
	assert_null(find(a, "in the desert near the border"));
	assert_non_null(find(a, "inside a 55-kilometer zone"));
	assert_non_null(find(a, "closed military area"));
	json_decref(a);
	claims_set_min_score(ctx, 0);
}

static void test_scores(void **state)
{
	(void)state;
	claims_set_min_score(ctx, CLAIMS_DEFAULT_MIN_SCORE);
	json_t *a = run("The ministry said 1,200 homes were destroyed in Chile in March.\n\n"
			"That would be a shame for everyone.");
	json_t *hi = find(a, "1,200 homes");
	assert_non_null(hi);
	assert_true(json_number_value(json_object_get(hi, "score")) >= 0.8);
	assert_null(find(a, "shame"));
	json_decref(a);
	claims_set_min_score(ctx, 0);
}

/* ---- issue 16: rules for news in general (each: an example, then a near miss) ---- */

static const char *cue(json_t *c)
{
	return json_string_value(json_object_get(c, "cue"));
}

/* The claim of the sentence containing needle must exist. */
static json_t *must(json_t *a, const char *needle)
{
	json_t *c = find(a, needle);
	if (!c)
		fail_msg("no claim for \"%s\"", needle);
	return c;
}

static void test_speaker_is_noun_phrase(void **state)
{
	(void)state;
	/* the tail of another clause is no speaker: the inverted subject after the cue is */
	json_t *a = run("Those infected with the virus often develop a fever within days, says the World Health "
			"Organization.");
	assert_string_equal(speaker(must(a, "develop a fever")), "the World Health Organization");
	json_decref(a);
	/* a pronoun that names nobody ("nothing", "this") is no speaker */
	a = run("Nothing indicated that the pilot had changed course over the 3 islands.");
	assert_null(speaker(must(a, "pilot had changed")));
	json_decref(a);
	/* near miss: a subject with a relative clause closed by commas keeps its head */
	a = run("The ministry, which runs 40 hospitals, said on Friday it had enough beds.");
	assert_string_equal(speaker(must(a, "40 hospitals")), "The ministry");
	json_decref(a);
}

static void test_speaker_time_adjunct(void **state)
{
	(void)state;
	json_t *a = run("The regulator on Tuesday announced that fees would rise by 5 percent.");
	json_t *c = must(a, "fees would rise");
	assert_string_equal(speaker(c), "The regulator");
	assert_string_equal(cue(c), "announced");
	json_decref(a);
	/* near miss: a weekday inside a name stays */
	a = run("The Tuesday Group announced that fees would rise by 5 percent.");
	assert_string_equal(speaker(must(a, "fees would rise")), "The Tuesday Group");
	json_decref(a);
}

static void test_passive_agent(void **state)
{
	(void)state;
	json_t *a = run("New fees of 5 percent were announced by the ministry on Monday.");
	json_t *c = must(a, "New fees");
	assert_string_equal(speaker(c), "the ministry");
	assert_string_equal(cue(c), "announced");
	json_decref(a);
	/* near miss: a passive without an agent has no speaker; its hedge still counts */
	a = run("The fees are expected to rise by 5 percent next year.");
	c = must(a, "fees are expected");
	assert_null(speaker(c));
	assert_string_equal(stance(c), "speculate");
	json_decref(a);
	a = run("The population of the camp is estimated at around 40,000.");
	c = must(a, "population");
	assert_null(speaker(c));
	assert_string_equal(stance(c), "assert");
	json_decref(a);
}

static void test_parenthetical_and_after_clause(void **state)
{
	(void)state;
	json_t *a = run("A large part of the increase, the agency said, came from exports worth $2 billion.");
	assert_string_equal(speaker(must(a, "large part")), "the agency");
	json_decref(a);
	a = run("Citing weak demand in Asia, the carmaker said it would cut 2,000 jobs.");
	assert_string_equal(speaker(must(a, "2,000 jobs")), "the carmaker");
	json_decref(a);
	a = run("Sales fell 3 percent in March, though the company says it expects a recovery.");
	assert_string_equal(speaker(must(a, "Sales fell")), "the company");
	json_decref(a);
	/* near miss: the verb of a relative clause is not the reporting verb */
	a = run("A refugee who feared reprisals said the camp had food for 3 days.");
	json_t *c = must(a, "camp had food");
	assert_string_equal(speaker(c), "A refugee");
	assert_string_equal(cue(c), "said");
	json_decref(a);
}

static void test_media_credit(void **state)
{
	(void)state;
	json_t *a = run("Finance Minister Jan Novak spoke on Monday.\n\n"
			"Prices will rise by 10 percent, he said, according to Reuters.");
	json_t *c = must(a, "Prices will rise");
	assert_string_equal(speaker_name(c), "Jan Novak");
	json_decref(a);
	/* near miss: with no other source named, the outlet is the speaker */
	a = run("Prices rose by 10 percent last year, according to Reuters.");
	assert_string_equal(speaker(must(a, "Prices rose")), "Reuters");
	json_decref(a);
}

static void test_noun_cues(void **state)
{
	(void)state;
	json_t *a = run("The inquiry followed allegations by two former employees that the firm hid losses of $3 "
			"million.");
	json_t *c = must(a, "inquiry followed");
	assert_string_equal(speaker(c), "two former employees");
	assert_string_equal(stance(c), "allege");
	json_decref(a);
	/* near miss: a verb cue of the sentence comes first */
	a = run("The firm denied allegations by two former employees that it hid losses of $3 million.");
	c = must(a, "firm denied");
	assert_string_equal(speaker(c), "The firm");
	assert_string_equal(stance(c), "deny");
	json_decref(a);
}

static void test_cues_not_shaped_like_said(void **state)
{
	(void)state;
	json_t *a = run("A survey of 2,000 voters showed that support for the plan fell to 40 percent.");
	assert_string_equal(speaker(must(a, "support for the plan")), "A survey of 2,000 voters");
	json_decref(a);
	a = run("Investigators found no evidence of sabotage on the 2 aircraft.");
	json_t *c = must(a, "sabotage");
	assert_string_equal(speaker(c), "Investigators");
	assert_string_equal(stance(c), "deny");
	json_decref(a);
	a = run("The union has taken issue with the report on 200 job cuts.");
	assert_string_equal(stance(must(a, "200 job cuts")), "deny");
	json_decref(a);
	a = run("Swift posted on Twitter, accusing the label of blocking 6 albums.");
	c = must(a, "6 albums");
	assert_string_equal(speaker(c), "Swift");
	assert_string_equal(stance(c), "allege");
	json_decref(a);
	a = run("According to reports, the bar charges Rs 300 for 15 minutes.");
	assert_string_equal(stance(must(a, "the bar charges")), "allege"); /* unnamed reports */
	json_decref(a);
	a = run("According to a report by the health ministry, the bar charges Rs 300 for 15 minutes.");
	assert_string_equal(stance(must(a, "the bar charges")), "assert"); /* near miss: a named source */
	json_decref(a);
	/* near misses: "found" without "that"/"no" finds, it does not report; a plain post */
	a = run("Police found 3 bodies in the house on Friday.");
	assert_null(speaker(must(a, "3 bodies")));
	json_decref(a);
	a = run("Swift posted 6 photos on Twitter on Monday.");
	assert_null(speaker(must(a, "6 photos")));
	json_decref(a);
}

static void test_coref_resolver(void **state)
{
	(void)state;
	/* he/she: the nearest person not known to be of the other gender */
	json_t *a = run("Maria Lopez, who lost her seat in 2019, met Alan Reyes on Monday.\n\n"
			"She said the talks on 4 border crossings had failed.\n\n"
			"He said 2 crossings would reopen.");
	assert_string_equal(speaker_name(must(a, "talks on 4 border")), "Maria Lopez");
	assert_string_equal(speaker_name(must(a, "2 crossings")), "Alan Reyes");
	json_decref(a);
	/* an organisation nominal: the nearest organisation named before, as written */
	a = run("Orbis Motors reported a loss of $40 million.\n\n"
		"The automaker said it would cut 300 jobs.");
	json_t *c = must(a, "300 jobs");
	assert_string_equal(speaker(c), "The automaker");
	assert_string_equal(speaker_name(c), "Orbis Motors");
	json_decref(a);
	/* a role noun: a person named in the last sentences */
	a = run("Police arrested Daniel Ortiz on Friday.\n\nThe suspect told officers he had acted alone 2 times.");
	assert_string_equal(speaker_name(must(a, "acted alone")), "Daniel Ortiz");
	json_decref(a);
	/* near miss: nothing named before, the nominal stays as written */
	a = run("The automaker said it would cut 300 jobs.");
	assert_string_equal(speaker_name(must(a, "300 jobs")), "The automaker");
	json_decref(a);
}

static void test_stance_clause_scope(void **state)
{
	(void)state;
	json_t *a = run("Exports rose 4 percent in March, more than expected, the ministry said.\n\n"
			"Shares fell 3 percent when investors learned the bank would miss its target.\n\n"
			"The pumps could not keep up with 2 meters of water.\n\n"
			"There\xe2\x80\x99ll be 40 new charging stations in Europe.\n\n"
			"The city plans to build 12 bridges.\n\n"
			"The utility said its 3 plants were not affected.\n\n"
			"The deal is seen as a boost for the city's 3 ports.");
	assert_string_equal(stance(must(a, "more than expected")), "assert");
	assert_string_equal(stance(must(a, "Shares fell")), "assert");
	assert_string_equal(stance(must(a, "pumps could not")), "assert");
	assert_string_equal(stance(must(a, "charging stations")), "speculate");
	assert_string_equal(stance(must(a, "12 bridges")), "speculate");
	assert_string_equal(stance(must(a, "not affected")), "deny");
	assert_string_equal(stance(must(a, "seen as a boost")), "allege");
	json_decref(a);
	/* near misses: the same words where they do make the claim's stance */
	a = run("Exports are expected to rise 4 percent in March.\n\n"
		"The bank would miss its target of 3 percent, analysts said.\n\n"
		"The pumps could fail under 2 meters of water.\n\n"
		"There are 40 charging stations in Europe.\n\n"
		"The city built 12 bridges.\n\n"
		"Its 3 plants were affected by the storm.\n\n"
		"The deal was signed by the city's 3 ports.");
	assert_string_equal(stance(must(a, "expected to rise")), "speculate");
	assert_string_equal(stance(must(a, "miss its target")), "speculate");
	assert_string_equal(stance(must(a, "could fail")), "speculate");
	assert_string_equal(stance(must(a, "There are 40")), "assert");
	assert_string_equal(stance(must(a, "built 12")), "assert");
	assert_string_equal(stance(must(a, "were affected")), "assert");
	assert_string_equal(stance(must(a, "was signed")), "assert");
	json_decref(a);
}

static void test_quantities_in_context(void **state)
{
	(void)state;
	json_t *a = run("The storm cut power to hundreds of thousands of people.\n\n"
			"Roughly two-thirds of the 90 stores closed.\n\n"
			"Entry costs Rs 300 for 15 minutes.\n\n"
			"Purity reached 80% to 90% in the 4 tanks.\n\n"
			"Each clinic offers between four to six services.\n\n"
			"Nurses handle up to 1,000 alarms per shift.\n\n"
			"The car supports 150 kW DC fast charging.\n\n"
			"The fund paid $13 a share, or 176 Hong Kong dollars.\n\n"
			"Michael Webb, 51, was sentenced on Friday.\n\n"
			"Several thousand teachers marched on the capital.");
	check_qty(must(a, "hundreds of thousands"), 0, 1e5, "hundreds", "people");
	check_qty(must(a, "two-thirds"), 0, 2.0 / 3, "roughly", NULL);
	check_qty(must(a, "Rs 300"), 0, 300, NULL, "INR");
	json_t *c = must(a, "Purity");
	check_qty(c, 0, 80, NULL, "percent");
	check_qty(c, 1, 4, NULL, "tanks");
	check_qty(must(a, "four to six"), 0, 4, "between", "services");
	check_qty(must(a, "alarms per shift"), 0, 1000, "up to", "alarms per shift");
	check_qty(must(a, "150 kW"), 0, 150, NULL, "kW");
	c = must(a, "$13 a share");
	check_qty(c, 0, 13, NULL, "USD");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(c, "quantities"), 0), "text")),
			    "$13 a share");
	check_qty(c, 1, 176, NULL, "HKD");
	check_qty(must(a, "Webb, 51"), 0, 51, NULL, "years old");
	check_qty(must(a, "Several thousand"), 0, 1000, "several", "teachers");
	json_decref(a);
	/* near misses: a number between commas after a place is no age; "second half" is no 0.5 */
	a = run("In Paris, 51, 52 and 53 buses stopped in the second half of the day.");
	c = must(a, "buses");
	json_t *q0 = json_array_get(json_object_get(c, "quantities"), 0);
	assert_non_null(q0);
	assert_true(json_is_null(json_object_get(q0, "unit")) ||
		    strcmp(json_string_value(json_object_get(q0, "unit")), "years old") != 0);
	size_t i;
	json_t *q;
	json_array_foreach(json_object_get(c, "quantities"), i, q)
		assert_true(json_number_value(json_object_get(q, "value")) != 0.5);
	json_decref(a);
}

static void test_apposition_and_other_senses(void **state)
{
	(void)state;
	json_t *a = run("\u201cWe lost 3 clients,\u201d Mayer, the studio's head of streaming, said on Tuesday.\n\n"
			"The group that owns most of her songs, Big Machine, says she may play 5 of them.\n\n"
			"Orbis Motors said 3 plants would close.\n\nThey said in a statement that 40 dealers had closed.");
	assert_string_equal(speaker(must(a, "3 clients")), "Mayer");
	assert_string_equal(speaker(must(a, "5 of them")), "Big Machine");
	assert_string_equal(speaker(must(a, "40 dealers")), "Orbis Motors");
	json_decref(a);
	/* near misses: cue words in another sense, a relative pronoun is no speaker */
	a = run("The mayor claimed victory with 52 percent of the vote.\n\n"
		"Patton added to his 4 state titles on Saturday.\n\n"
		"The lander uses the Blue Moon design, which the company's founder announced in 2019 for 3 "
		"missions.");
	assert_null(speaker(must(a, "claimed victory")));
	assert_null(speaker(must(a, "state titles")));
	assert_null(speaker(must(a, "Blue Moon")));
	json_decref(a);
}

static void test_accounts_and_closing_attribution(void **state)
{
	(void)state;
	json_t *a = run("Prosecutors say a former bank manager moved 2.3 million euros to his own company.\n\n"
			"\u201cI never touched a client's money,\u201d he told reporters.\n\n"
			"An internal audit found no evidence that 4 other managers were involved, the bank said.\n\n"
			"The company blamed higher gas prices for a 6 percent rise.");
	json_t *c = must(a, "2.3 million");
	assert_string_equal(stance(c), "allege");
	assert_string_equal(stance(must(a, "never touched")), "deny");
	c = must(a, "internal audit");
	assert_string_equal(speaker(c), "the bank");
	assert_string_equal(stance(c), "deny");
	assert_string_equal(cue(must(a, "gas prices")), "blamed");
	json_decref(a);
	/* near misses: prosecutors on their own procedure or on what was done to a person;
	 * "never had" tells of experience; a relative clause's hedge is not the claim's */
	a = run("A former mayor was charged on Tuesday with taking bribes worth 2 million euros, prosecutors said.\n\n"
		"The company, which aims to open 5 stores, reported a loss.\n\n"
		"Prosecutors told reporters the decision to close the inquiry followed 7 interviews.\n\n"
		"\u201cWe have never had demand like that in 20 years,\u201d the chief executive said.");
	assert_string_equal(stance(must(a, "was charged")), "assert");
	assert_string_equal(stance(must(a, "aims to open")), "assert");
	assert_string_equal(stance(must(a, "close the inquiry")), "assert");
	assert_string_equal(stance(must(a, "never had")), "assert");
	json_decref(a);
}

static void test_identifiers_and_scores(void **state)
{
	(void)state;
	json_t *a = run("Harbour City beat Eastfield 3-1 on Route 9 at 6:38 p.m., before 4,000 fans.");
	json_t *c = must(a, "Eastfield");
	json_t *q = json_object_get(c, "quantities");
	assert_int_equal(json_array_size(q), 1);
	check_qty(c, 0, 4000, NULL, "fans");
	json_decref(a);
	/* near misses: a range with a unit and a percentage range are quantities */
	a = run("Patients have a 30-60 per cent chance of recovery within 10-15 days.");
	c = must(a, "chance");
	check_qty(c, 0, 30, NULL, "percent");
	check_qty(c, 1, 10, NULL, "days");
	json_decref(a);
}

static void test_inversions_datelines_writer(void **state)
{
	(void)state;
	json_t *a = run("The key to its success, says Buser, is a network of 30 data centres.\n\n"
			"\u201cWe sell in 9 studios,\u201d Strauss Zelnick, CEO of Take-Two, adds.\n\n"
			"HONOLULU, Hawaii (HNN) - NASA scientists have confirmed water on one of Jupiter's 79 moons.\n\n"
			"We have found no evidence for the 3 claims.");
	assert_string_equal(speaker(must(a, "key to its success")), "Buser");
	assert_string_equal(speaker(must(a, "9 studios")), "Strauss Zelnick");
	assert_string_equal(speaker(must(a, "79 moons")), "NASA scientists");
	json_t *c = must(a, "found no evidence");
	assert_null(speaker(c));
	assert_string_equal(stance(c), "deny");
	json_decref(a);
	/* near misses: "added" of a price is no cue; a dash without a dateline before it */
	a = run("The stock added more than 2 percent on Monday.\n\n"
		"UN officials said the plan would fail in 3 regions - the north first.");
	assert_null(speaker(must(a, "stock added")));
	assert_string_equal(speaker(must(a, "3 regions")), "UN officials");
	json_decref(a);
}

static void test_units_from_context(void **state)
{
	(void)state;
	json_t *a = run("Some 46 people attended the hearing, and only 16 stayed.\n\n"
			"Five of the 10 Democrats voted for the bill.\n\n"
			"About 660,000 based in the north lost power.");
	json_t *c = must(a, "only 16");
	check_qty(c, 1, 16, "only", "people");
	check_qty(must(a, "Democrats voted"), 0, 5, NULL, "Democrats");
	json_t *q = json_array_get(json_object_get(must(a, "660,000"), "quantities"), 0);
	assert_true(json_is_null(json_object_get(q, "unit")));
	json_decref(a);
	/* near miss: a money or percentage neighbour gives no unit to a bare number */
	a = run("The index rose 2 percent to 4,512 on Monday.");
	q = json_array_get(json_object_get(must(a, "index rose"), "quantities"), 1);
	assert_non_null(q);
	assert_true(json_is_null(json_object_get(q, "unit")));
	json_decref(a);
}

/* Without a part-of-speech model the rules that need no tags still run. */
static void test_without_tagger(void **state)
{
	(void)state;
	char dir[] = "/tmp/claims-lexXXXXXX";
	assert_non_null(mkdtemp(dir));
	static const char *const files[] = { "background.txt", "countries.txt", "cues.txt", "denials.txt",
					     "hedges.txt", "nonclaims.txt", "opinion.txt", "organisations.txt",
					     "titles.txt", "words.txt" };
	const char *src = getenv("CLAIMD_LEXICON_DIR");
	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		char a[512], b[512], cmd[1200];
		snprintf(a, sizeof(a), "%s/%s", src ? src : "../../conf/lexicon", files[k]);
		snprintf(b, sizeof(b), "%s/%s", dir, files[k]);
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", a, b);
		assert_int_equal(system(cmd), 0);
	}
	struct claims_ctx *c2 = NULL;
	char err[256];
	assert_int_equal(claims_new(dir, &c2, err, sizeof(err)), 0);
	json_t *arr = NULL;
	assert_int_equal(claims_extract(c2, "The ministry said 300 soldiers were deployed.", NULL, &arr), 0);
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(speaker(json_array_get(arr, 0)), "The ministry");
	json_decref(arr);
	/* a sentence whose speaker needs tags is counted, and still gives its claim */
	struct claims_stats st = { 0 };
	assert_int_equal(claims_extract_ex(c2, "Residents fleeing the floods said 3 bridges had collapsed.", NULL,
					   &arr, &st),
			 0);
	assert_int_equal(json_array_size(arr), 1);
	assert_true(st.untagged >= 1);
	json_decref(arr);
	claims_free(c2);
	/* near miss: with the model nothing is left untagged */
	assert_int_equal(claims_extract_ex(ctx, "Residents fleeing the floods said 3 bridges had collapsed.", NULL,
					   &arr, &st),
			 0);
	assert_int_equal(st.untagged, 0);
	json_decref(arr);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_abbreviations),
		cmocka_unit_test(test_split_typo_and_quotes),
		cmocka_unit_test(test_attr_leading),
		cmocka_unit_test(test_attr_trailing_and_inverted),
		cmocka_unit_test(test_attr_according_to),
		cmocka_unit_test(test_attr_apposition),
		cmocka_unit_test(test_coreference),
		cmocka_unit_test(test_quote_paragraph_inherits),
		cmocka_unit_test(test_stance),
		cmocka_unit_test(test_unnamed_source),
		cmocka_unit_test(test_quantities),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_not_claims),
		cmocka_unit_test(test_passive_then_speaker),
		cmocka_unit_test(test_unit_not_predicate),
		cmocka_unit_test(test_background),
		cmocka_unit_test(test_scores),
		cmocka_unit_test(test_speaker_is_noun_phrase),
		cmocka_unit_test(test_speaker_time_adjunct),
		cmocka_unit_test(test_passive_agent),
		cmocka_unit_test(test_parenthetical_and_after_clause),
		cmocka_unit_test(test_media_credit),
		cmocka_unit_test(test_noun_cues),
		cmocka_unit_test(test_cues_not_shaped_like_said),
		cmocka_unit_test(test_coref_resolver),
		cmocka_unit_test(test_stance_clause_scope),
		cmocka_unit_test(test_quantities_in_context),
		cmocka_unit_test(test_apposition_and_other_senses),
		cmocka_unit_test(test_accounts_and_closing_attribution),
		cmocka_unit_test(test_identifiers_and_scores),
		cmocka_unit_test(test_inversions_datelines_writer),
		cmocka_unit_test(test_units_from_context),
		cmocka_unit_test(test_without_tagger),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
