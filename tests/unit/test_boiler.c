/* test_boiler.c — each boilerplate pattern with one line it must remove and one near miss
 * it must keep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "claimd/boiler.h"

static char *clean(const char *in, char **ret_credit)
{
	char *out = NULL, *credit = NULL;
	assert_int_equal(boiler_clean(in, &out, &credit), 0);
	assert_non_null(out);
	if (ret_credit)
		*ret_credit = credit;
	else
		free(credit);
	return out;
}

static void expect_removed(const char *line)
{
	char in[512];
	snprintf(in, sizeof(in), "First paragraph says a thing.\n%s\nLast paragraph says more.", line);
	char *out = clean(in, NULL);
	assert_string_equal(out, "First paragraph says a thing.\n\nLast paragraph says more.");
	free(out);
}

static void expect_kept(const char *line)
{
	char in[512], want[512];
	snprintf(in, sizeof(in), "First paragraph says a thing.\n\n%s\n\nLast paragraph says more.", line);
	snprintf(want, sizeof(want), "First paragraph says a thing.\n\n%s\n\nLast paragraph says more.", line);
	char *out = clean(in, NULL);
	assert_string_equal(out, want);
	free(out);
}

static void test_teasers(void **state)
{
	(void)state;
	expect_removed("Read Next: Taiwan Alerted as Carrier Group Approaches");
	expect_removed("Read more: Why the central bank held rates");
	expect_removed("Related: Floods hit the coast again");
	expect_kept("Read more about the plan in the minister's statement.");
	expect_kept("Related parties were not named in the filing.");
}

static void test_source_credit(void **state)
{
	(void)state;
	char *credit = NULL;
	char *out = clean("The council voted 7-2.\nSource: AP News", &credit);
	assert_string_equal(out, "The council voted 7-2.");
	assert_non_null(credit);
	assert_string_equal(credit, "AP News");
	free(out);
	free(credit);
	/* near miss: a sentence that starts with "Source:" and goes on */
	expect_kept("Source: officials close to the talks said the deal was all but done and would be signed on Monday in Geneva.");
}

static void test_reporting_credit(void **state)
{
	(void)state;
	char *credit = NULL;
	char *out = clean("Shares fell 3%.\n(Reporting by Jane Doe; Editing by John Roe)", &credit);
	assert_string_equal(out, "Shares fell 3%.");
	assert_non_null(credit);
	assert_string_equal(credit, "Reporting by Jane Doe; Editing by John Roe");
	free(out);
	free(credit);
	expect_kept("(Reuters) — The company said profit rose 4 percent.");
}

static void test_prompts(void **state)
{
	(void)state;
	expect_removed("Share this article");
	expect_removed("Subscribe to our newsletter for daily updates");
	expect_removed("Follow us on Twitter");
	expect_kept("Shares of the carmaker rose 3 percent on Monday.");
	expect_kept("Subscribers to the service grew by 2 million last quarter.");
}

static void test_headings(void **state)
{
	(void)state;
	expect_removed("Diplomatic Tensions Over North Korea’s Alleged Arms Shipment to Russia");
	expect_removed("What Happens Next");
	/* near misses: a sentence with final punctuation, a lower-case fragment */
	expect_kept("Diplomatic Tensions Rise Over Arms Shipment.");
	expect_kept("The talks were postponed again");
}

static void test_credit_none_and_blank_lines(void **state)
{
	(void)state;
	char *credit = (char *)1;
	char *out = clean("\n\n  One.  \n\n\nTwo.\n", &credit);
	assert_string_equal(out, "One.\n\nTwo.");
	assert_null(credit);
	free(out);
	out = clean("", &credit);
	assert_string_equal(out, "");
	assert_null(credit);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_teasers),
		cmocka_unit_test(test_source_credit),
		cmocka_unit_test(test_reporting_credit),
		cmocka_unit_test(test_prompts),
		cmocka_unit_test(test_headings),
		cmocka_unit_test(test_credit_none_and_blank_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
