/* test_cluster.c — claim keys and the clusterer: propositions, verb classes, keys, joins,
 * quantity contradictions, denials, and the near misses each rule must not take (same
 * entities but another event, another count's scope, a far time, two records of one
 * sentence). Claims are built by hand, as the extractor gives them, so these tests do not
 * move when the extractor does. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "claimd/cluster.h"

static int nclaim;

/* A claim: quantities, entities and time as JSON texts ("[]" when none). */
static json_t *mk(const char *source, const char *sentence, const char *speaker, const char *cue,
		  const char *stance, const char *qty, const char *ents, const char *time)
{
	char id[32];
	snprintf(id, sizeof(id), "claim-%d", ++nclaim);
	json_t *c = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "id", id, "source", source,
			      "article_id", id, "sentence", sentence, "stance", stance, "quantities",
			      json_loads(qty, 0, NULL), "entities", json_loads(ents, 0, NULL), "time",
			      json_loads(time, 0, NULL));
	assert_non_null(c);
	json_object_set_new(c, "speaker", speaker ? json_pack("{s:s,s:s,s:s}", "text", speaker, "type",
							     "other", "name", speaker)
						  : json_null());
	json_object_set_new(c, "cue", cue ? json_string(cue) : json_null());
	json_object_set_new(c, "published", json_string("2026-03-10T12:00:00Z"));
	return c;
}

#define E_PERU "[{\"text\":\"Peru\",\"name\":\"Peru\",\"type\":\"country\",\"code\":\"PE\"}]"
#define Q(text, v, unit) "[{\"text\":\"" text "\",\"value\":" #v ",\"qualifier\":null,\"unit\":\"" unit "\"}]"

static void check_prop(const char *sentence, const char *speaker, const char *cue, const char *want)
{
	char *p = cluster_proposition(sentence, speaker, cue);
	assert_non_null(p);
	if (strcmp(p, want))
		fprintf(stderr, "proposition of '%s': '%s', want '%s'\n", sentence, p, want);
	assert_string_equal(p, want);
	free(p);
}

static void test_proposition(void **state)
{
	(void)state;
	check_prop("More than 600 Ukrainian servicemen were killed, the Russian defence ministry said.",
		   "the Russian defence ministry", "said", "More than 600 Ukrainian servicemen were killed");
	check_prop("The ministry said on Tuesday that 23 people had died.", "The ministry", "said",
		   "23 people had died");
	check_prop("According to the health ministry, 41 people have died.", "the health ministry",
		   "According to", "41 people have died");
	check_prop("\"We will appeal,\" his lawyer said.", "his lawyer", "said", "We will appeal");
	check_prop("Azerbaijan denied that its forces had shelled the villages.", "Azerbaijan", "denied",
		   "its forces had shelled the villages");
	check_prop("Azerbaijan rejected claims that its army had shelled villages.", "Azerbaijan",
		   "rejected", "its army had shelled villages");
	check_prop("According to a lawmaker who attended the briefing, North Korea sent shells.",
		   "a lawmaker", "According to", "North Korea sent shells");
	/* a resolved speaker not written in the sentence: the short nominal before the cue goes */
	check_prop("The toll rose to 23, the agency said.", "Health Agency", "said", "The toll rose to 23");
	/* near miss: no attribution, the sentence stays whole */
	check_prop("Shares of Kestrel fell 3 percent.", NULL, NULL, "Shares of Kestrel fell 3 percent");
}

static void test_verb_classes(void **state)
{
	(void)state;
	assert_string_equal(cluster_verb_class("killed"), "kill");
	assert_string_equal(cluster_verb_class("died"), "kill");
	assert_string_equal(cluster_verb_class("casualties"), "kill");
	assert_string_equal(cluster_verb_class("sent"), "send");
	assert_string_equal(cluster_verb_class("denied"), "deny");
	assert_string_equal(cluster_verb_class("sentenced"), "sentence");
	assert_string_equal(cluster_verb_class("jailed"), "sentence");
	assert_string_equal(cluster_verb_class("rose"), "raise");
	assert_string_equal(cluster_verb_class("hiked"), "raise");
	assert_string_equal(cluster_verb_class("plunged"), "fall");
	assert_string_equal(cluster_verb_class("recalling"), "recall"); /* by its stem */
	assert_string_equal(cluster_verb_class("embezzled"), "steal");
	/* near misses */
	assert_null(cluster_verb_class("killer"));
	assert_null(cluster_verb_class("table"));
	assert_null(cluster_verb_class("said"));
}

static void test_key(void **state)
{
	(void)state;
	json_t *c = mk("a", "At least 14 people were killed in Peru on Monday, Russian officials said.",
		       "Russian officials", "said", "assert", Q("At least 14 people", 14, "people"),
		       "[{\"text\":\"Peru\",\"name\":\"Peru\",\"type\":\"country\"},"
		       "{\"text\":\"Russian\",\"name\":\"Russia\",\"type\":\"country\"}]",
		       "[{\"text\":\"on Monday\",\"value\":\"2026-03-09\"}]");
	json_t *k = cluster_key_json(c);
	assert_non_null(k);
	assert_string_equal(json_string_value(json_object_get(k, "proposition")),
			    "At least 14 people were killed in Peru on Monday");
	assert_string_equal(json_string_value(json_object_get(k, "predicate")), "kill");
	/* the speaker's entity (Russia) is attribution, not proposition */
	json_t *ents = json_object_get(k, "entities");
	assert_int_equal(json_array_size(ents), 1);
	assert_string_equal(json_string_value(json_array_get(ents, 0)), "Peru");
	json_t *q = json_array_get(json_object_get(k, "quantities"), 0);
	assert_true(json_real_value(json_object_get(q, "value")) == 14);
	assert_string_equal(json_string_value(json_object_get(q, "class")), "count");
	assert_string_equal(json_string_value(json_array_get(json_object_get(k, "time"), 0)), "2026-03-09");
	assert_false(json_is_true(json_object_get(k, "negated")));
	assert_int_equal(strlen(json_string_value(json_object_get(k, "signature"))), CLUSTER_MINHASH * 8);
	/* reworded by another outlet: the same signature words */
	json_t *c2 = mk("b", "Officials said 14 people died in Peru.", "Officials", "said", "assert",
			Q("14 people", 14, "people"), E_PERU, "[]");
	json_t *k2 = cluster_key_json(c2);
	assert_string_equal(json_string_value(json_object_get(k2, "predicate")), "kill");
	assert_string_equal(json_string_value(json_array_get(json_object_get(k2, "entities"), 0)), "Peru");
	json_decref(k);
	json_decref(k2);
	json_decref(c);
	json_decref(c2);
	/* negation: "no one" negates; a negation inside a condition does not */
	c = mk("a", "No one was killed in the blast.", NULL, NULL, "assert", "[]", "[]", "[]");
	k = cluster_key_json(c);
	assert_true(json_is_true(json_object_get(k, "negated")));
	json_decref(k);
	json_decref(c);
	c = mk("a", "Rates could rise again if inflation does not slow.", NULL, NULL, "speculate", "[]",
	       "[]", "[]");
	k = cluster_key_json(c);
	assert_false(json_is_true(json_object_get(k, "negated")));
	json_decref(k);
	json_decref(c);
}

/* Adds a claim; returns the id of its cluster (static buffer) and the update array. */
static const char *add(struct clusterer *cl, json_t *c, int64_t t, json_t **ret_ups)
{
	static char id[64];
	json_t *ups = NULL;
	assert_int_equal(clusterer_add(cl, c, t, &ups), 0);
	assert_true(json_array_size(ups) >= 1);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(json_array_get(ups, 0), "cluster")));
	if (ret_ups)
		*ret_ups = ups;
	else
		json_decref(ups);
	json_decref(c);
	return id;
}

static struct clusterer *new_cl(void)
{
	struct clusterer *cl = NULL;
	assert_int_equal(clusterer_new(NULL, &cl), 0);
	return cl;
}

static const char *first_rule(json_t *ups)
{
	json_t *contra = json_object_get(json_array_get(ups, 0), "contradictions");
	return json_array_size(contra) ? json_string_value(json_object_get(json_array_get(contra, 0), "rule"))
				       : NULL;
}

static void test_same_proposition(void **state)
{
	(void)state;
	struct clusterer *cl = new_cl();
	char a[64];
	snprintf(a, sizeof(a), "%s",
		 add(cl, mk("wire", "At least 14 people were killed in the earthquake in Peru, officials said.",
			    "officials", "said", "assert", Q("At least 14 people", 14, "people"), E_PERU, "[]"),
		     1000, NULL));
	json_t *ups;
	const char *b = add(cl, mk("post", "The earthquake killed 14 people in Peru, according to officials.",
				   "officials", "according to", "assert", Q("14 people", 14, "people"), E_PERU,
				   "[]"),
			    2000, &ups);
	assert_string_equal(a, b);
	json_t *u = json_array_get(ups, 0);
	assert_int_equal(json_integer_value(json_object_get(u, "n_members")), 2);
	assert_int_equal(json_integer_value(json_object_get(u, "n_sources")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(u, "change"), "rule")),
			    "same-proposition");
	assert_string_equal(json_string_value(json_object_get(u, "schema")), "claimd.cluster/1");
	json_decref(ups);
	/* near miss: same entities and words, another event (a different predicate) */
	const char *c = add(cl, mk("post", "Peru sent 14 rescue workers to the earthquake zone.", NULL, NULL,
				   "assert", Q("14 rescue workers", 14, "rescue workers"), E_PERU, "[]"),
			    3000, &ups);
	assert_string_not_equal(a, c);
	assert_null(first_rule(ups));
	json_decref(ups);
	assert_int_equal(clusterer_clusters(cl), 2);
	clusterer_free(cl);
}

static void test_quantity_contradiction(void **state)
{
	(void)state;
	struct clusterer *cl = new_cl();
	char a[64];
	snprintf(a, sizeof(a), "%s",
		 add(cl, mk("wire", "At least 14 people were killed in the earthquake in Peru.", NULL, NULL,
			    "assert", Q("At least 14 people", 14, "people"), E_PERU, "[]"),
		     1000, NULL));
	json_t *ups;
	const char *b = add(cl, mk("post", "The earthquake in Peru killed 23 people.", NULL, NULL, "assert",
				   Q("23 people", 23, "people"), E_PERU, "[]"),
			    2000, &ups);
	assert_string_not_equal(a, b);
	assert_string_equal(first_rule(ups), "quantity");
	assert_int_equal(json_array_size(ups), 2); /* the contradicted cluster is updated too */
	json_t *other = json_array_get(ups, 1);
	assert_string_equal(json_string_value(json_object_get(other, "cluster")), a);
	json_decref(ups);
	/* near miss: a figure that fits the first ("more than 120" and 150) joins it */
	snprintf(a, sizeof(a), "%s",
		 add(cl, mk("wire", "More than 120 people were injured in the earthquake in Peru.", NULL, NULL,
			    "assert", "[{\"text\":\"More than 120 people\",\"value\":120,\"qualifier\":\"more than\",\"unit\":\"people\"}]",
			    E_PERU, "[]"),
		     3000, NULL));
	b = add(cl, mk("post", "The earthquake in Peru injured 150 people.", NULL, NULL, "assert",
		       Q("150 people", 150, "people"), E_PERU, "[]"),
		4000, &ups);
	assert_string_equal(a, b);
	assert_null(first_rule(ups));
	json_decref(ups);
	/* near miss: another count's scope ("Azerbaijani soldiers" against "Armenian soldiers") */
	add(cl, mk("wire", "Three Armenian soldiers were killed in the shelling.", NULL, NULL, "assert",
		   "[{\"text\":\"Three Armenian soldiers\",\"value\":3,\"qualifier\":null,\"unit\":\"soldiers\"}]",
		   "[{\"text\":\"Armenian\",\"name\":\"Armenia\",\"type\":\"country\"}]", "[]"),
	    5000, NULL);
	add(cl, mk("post", "No Azerbaijani soldiers were killed in the shelling.", NULL, NULL, "assert", "[]",
		   "[{\"text\":\"Azerbaijani\",\"name\":\"Azerbaijan\",\"type\":\"country\"}]", "[]"),
	    6000, &ups);
	assert_null(first_rule(ups));
	json_decref(ups);
	/* ... and the same scope, none against three: a contradiction */
	add(cl, mk("other", "No Armenian soldiers were killed in the shelling.", NULL, NULL, "assert", "[]",
		   "[{\"text\":\"Armenian\",\"name\":\"Armenia\",\"type\":\"country\"}]", "[]"),
	    7000, &ups);
	assert_string_equal(first_rule(ups), "quantity");
	json_decref(ups);
	/* near miss: far apart in time, another event ("in 2001") */
	add(cl, mk("old", "The earthquake in Peru killed 74 people in 2001.", NULL, NULL, "assert",
		   Q("74 people", 74, "people"), E_PERU, "[{\"text\":\"in 2001\",\"value\":\"2001\"}]"),
	    8000, &ups);
	json_t *x = json_object_get(json_array_get(ups, 0), "contradictions");
	assert_int_equal(json_array_size(x), 0);
	json_decref(ups);
	clusterer_free(cl);
}

static void test_denial(void **state)
{
	(void)state;
	struct clusterer *cl = new_cl();
	json_t *ents = json_loads("[{\"text\":\"Azerbaijani\",\"name\":\"Azerbaijan\",\"type\":\"country\"},"
				  "{\"text\":\"Armenian\",\"name\":\"Armenia\",\"type\":\"country\"}]", 0, NULL);
	char *es = json_dumps(ents, 0);
	char a[64];
	snprintf(a, sizeof(a), "%s",
		 add(cl, mk("wire", "Azerbaijani forces shelled three Armenian villages overnight, officials said.",
			    "officials", "said", "assert", "[]", es, "[]"),
		     1000, NULL));
	json_t *ups;
	const char *b = add(cl, mk("post", "Azerbaijan denied that its forces had shelled Armenian villages.",
				   "Azerbaijan", "denied", "deny", "[]",
				   "[{\"text\":\"Azerbaijan\",\"name\":\"Azerbaijan\",\"type\":\"country\"},"
				   "{\"text\":\"Armenian\",\"name\":\"Armenia\",\"type\":\"country\"}]",
				   "[]"),
			    2000, &ups);
	assert_string_not_equal(a, b);
	assert_string_equal(first_rule(ups), "denial");
	json_decref(ups);
	/* a second denial joins the first */
	b = add(cl, mk("third", "Azerbaijan rejected claims that its army had shelled Armenian villages.",
		       "Azerbaijan", "rejected", "deny", "[]",
		       "[{\"text\":\"Armenian\",\"name\":\"Armenia\",\"type\":\"country\"}]", "[]"),
		3000, &ups);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ups, 0), "n_members")), 2);
	json_decref(ups);
	/* near miss: a denial of something else by the same speaker */
	add(cl, mk("fourth", "Azerbaijan denied that it had closed the border crossing.", "Azerbaijan",
		   "denied", "deny", "[]", "[]", "[]"),
	    4000, &ups);
	assert_null(first_rule(ups));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ups, 0), "n_members")), 1);
	json_decref(ups);
	/* near miss: the same sentence of one article, told twice with two stances */
	json_t *t1 = mk("fifth", "Kamau, who denies the charges, was jailed for 12 years.", "Kamau", "denies",
			"deny", "[]", "[]", "[]");
	json_t *t2 = json_deep_copy(t1);
	json_object_set_new(t2, "id", json_string("twin-2"));
	json_object_set_new(t2, "stance", json_string("assert"));
	json_object_set_new(t2, "speaker", json_null());
	json_object_set_new(t2, "cue", json_null());
	json_object_set_new(t2, "article_id", json_string(json_string_value(json_object_get(t1, "article_id"))));
	add(cl, t1, 5000, NULL);
	add(cl, t2, 6000, &ups);
	assert_null(first_rule(ups));
	json_decref(ups);
	free(es);
	json_decref(ents);
	clusterer_free(cl);
}

static void test_window(void **state)
{
	(void)state;
	struct cluster_opts o = { .window_ms = 10000, .max_claims = 3 };
	struct clusterer *cl = NULL;
	assert_int_equal(clusterer_new(&o, &cl), 0);
	char a[64];
	snprintf(a, sizeof(a), "%s",
		 add(cl, mk("a", "The earthquake in Peru killed 14 people.", NULL, NULL, "assert",
			    Q("14 people", 14, "people"), E_PERU, "[]"),
		     1000, NULL));
	/* older than the window: the same proposition opens a new cluster */
	const char *b = add(cl, mk("b", "The earthquake in Peru killed 14 people.", NULL, NULL, "assert",
				   Q("14 people", 14, "people"), E_PERU, "[]"),
			    20000, NULL);
	assert_string_not_equal(a, b);
	assert_int_equal(clusterer_claims(cl), 1);
	assert_int_equal(clusterer_clusters(cl), 1);
	/* bounded by count */
	for (int i = 0; i < 5; i++)
		add(cl, mk("c", "Kestrel shares fell 3 percent in New York.", NULL, NULL, "assert", "[]", "[]", "[]"),
		    20001 + i, NULL);
	assert_int_equal(clusterer_claims(cl), 3);
	json_t *dump = clusterer_dump(cl);
	assert_int_equal(json_array_size(dump), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(dump, 0), "n_members")), 3);
	json_decref(dump);
	clusterer_free(cl);
}

/* quiet_singletons (the daemon's setting): a claim alone says nothing new */
static void test_quiet_singletons(void **state)
{
	(void)state;
	struct cluster_opts o = { .quiet_singletons = true };
	struct clusterer *cl = NULL;
	assert_int_equal(clusterer_new(&o, &cl), 0);
	json_t *ups = NULL;
	json_t *c = mk("a", "The earthquake in Peru killed 14 people.", NULL, NULL, "assert",
		       Q("14 people", 14, "people"), E_PERU, "[]");
	assert_int_equal(clusterer_add(cl, c, 1000, &ups), 0);
	assert_int_equal(json_array_size(ups), 0);
	json_decref(ups);
	json_decref(c);
	c = mk("b", "An earthquake killed 14 people in Peru.", NULL, NULL, "assert",
	       Q("14 people", 14, "people"), E_PERU, "[]");
	assert_int_equal(clusterer_add(cl, c, 2000, &ups), 0);
	assert_int_equal(json_array_size(ups), 1);
	json_t *u = json_array_get(ups, 0);
	assert_int_equal(json_integer_value(json_object_get(u, "version")), 2);
	assert_int_equal(json_integer_value(json_object_get(u, "n_members")), 2);
	json_decref(ups);
	json_decref(c);
	/* one more from a source the cluster has: no update; the next source's shows it */
	c = mk("b", "Peru's earthquake killed 14 people.", NULL, NULL, "assert",
	       Q("14 people", 14, "people"), E_PERU, "[]");
	assert_int_equal(clusterer_add(cl, c, 2500, &ups), 0);
	assert_int_equal(json_array_size(ups), 0);
	json_decref(ups);
	json_decref(c);
	c = mk("d", "The earthquake in Peru killed 14 people, officials said.", "officials", "said",
	       "assert", Q("14 people", 14, "people"), E_PERU, "[]");
	assert_int_equal(clusterer_add(cl, c, 2600, &ups), 0);
	assert_int_equal(json_array_size(ups), 1);
	u = json_array_get(ups, 0);
	assert_int_equal(json_integer_value(json_object_get(u, "n_members")), 4);
	assert_int_equal(json_integer_value(json_object_get(u, "n_sources")), 3);
	assert_int_equal(json_integer_value(json_object_get(u, "version")), 4);
	json_decref(ups);
	json_decref(c);
	/* a claim that opens a cluster and contradicts another: both are published */
	c = mk("c", "The earthquake in Peru killed 23 people.", NULL, NULL, "assert",
	       Q("23 people", 23, "people"), E_PERU, "[]");
	assert_int_equal(clusterer_add(cl, c, 3000, &ups), 0);
	assert_int_equal(json_array_size(ups), 2);
	assert_string_equal(first_rule(ups), "quantity");
	json_decref(ups);
	json_decref(c);
	clusterer_free(cl);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct clusterer *cl = new_cl();
	json_t *ups = NULL;
	json_t *c = json_pack("{s:s}", "sentence", "No id here.");
	assert_int_equal(clusterer_add(cl, c, 1, &ups), -EINVAL);
	json_decref(c);
	c = json_pack("{s:s}", "id", "x");
	assert_int_equal(clusterer_add(cl, c, 1, &ups), -EINVAL);
	json_decref(c);
	assert_null(ups);
	/* odd but valid: no entities, quantities or time arrays at all */
	c = json_pack("{s:s,s:s,s:s}", "id", "y", "sentence", "\"\"", "stance", "assert");
	assert_int_equal(clusterer_add(cl, c, 1, &ups), 0);
	json_decref(ups);
	json_decref(c);
	assert_null(cluster_proposition(NULL, NULL, NULL));
	clusterer_free(cl);
}

/* The same claims in the same order give the same clusters (what the daemon's rebuild
 * after a restart relies on). */
static void test_deterministic(void **state)
{
	(void)state;
	char ids[2][8][64];
	for (int run = 0; run < 2; run++) {
		nclaim = 100;
		struct clusterer *cl = new_cl();
		const char *s[] = { "The earthquake in Peru killed 14 people.", "Peru said 14 people died.",
				    "The earthquake in Peru killed 23 people.", "Kestrel shares fell 3 percent." };
		for (int i = 0; i < 4; i++)
			snprintf(ids[run][i], 64, "%s",
				 add(cl, mk("x", s[i], NULL, NULL, "assert", i == 3 ? "[]" : Q("14 people", 14, "people"),
					    E_PERU, "[]"),
				     1000 + i, NULL));
		clusterer_free(cl);
	}
	for (int i = 0; i < 4; i++)
		assert_string_equal(ids[0][i], ids[1][i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proposition),
		cmocka_unit_test(test_verb_classes),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_same_proposition),
		cmocka_unit_test(test_quantity_contradiction),
		cmocka_unit_test(test_denial),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_quiet_singletons),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
