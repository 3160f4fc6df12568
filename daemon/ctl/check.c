/* ctl/check.c — `claimctl check FILE`: loads a configuration exactly as claimd does
 * (cfg_load, includes and all) and prints every error as "file:line: message" on
 * stderr; `claimctl check --keys` prints the table of keys with defaults and ranges.
 *
 * Takes: argv. Gives: exit status 0 (ok), 1 (errors in the configuration or it cannot be
 * read), 2 (usage). Must not: start anything, bind sockets or open the state database. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "claimd/checkconf.h"
#include "claimd/config.h"
#include "claimd/ctl.h"

static void check_usage(FILE *out)
{
	fprintf(out,
		"Usage: claimctl check FILE\n"
		"       claimctl check --keys\n"
		"\n"
		"Validates a claimd configuration (and the files it includes); prints each error as\n"
		"file:line: message and exits 1 when there is any, else prints \"FILE: ok (N sources)\".\n"
		"--keys lists every configuration key with its type, default, range and meaning.\n");
}

int ctl_check(int argc, char **argv)
{
	const char *path = NULL;
	bool keys = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--keys")) {
			keys = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			check_usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "claimctl check: unknown option '%s'\n", argv[i]);
			check_usage(stderr);
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "claimctl check: one FILE only\n");
			check_usage(stderr);
			return 2;
		}
	}
	if (keys) {
		if (path) {
			check_usage(stderr);
			return 2;
		}
		cfg_dump_keys(stdout);
		return 0;
	}
	if (!path) {
		check_usage(stderr);
		return 2;
	}
	struct cfg *c = NULL;
	struct cfg_errors errs = { 0 };
	int r = cfg_load(path, &c, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msgs[i]);
	if (r < 0) {
		if (r == -EINVAL)
			fprintf(stderr, "%s: %zu error%s\n", path, errs.n, errs.n == 1 ? "" : "s");
		else if (errs.n == 0)
			fprintf(stderr, "%s: %s\n", path, strerror(-r));
		cfg_errors_clear(&errs);
		return 1;
	}
	if (checkconf_run(c, &errs) > 0) { /* what claimd would refuse at start */
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "%s: %zu error%s\n", path, errs.n, errs.n == 1 ? "" : "s");
		cfg_errors_clear(&errs);
		cfg_free(c);
		return 1;
	}
	cfg_errors_clear(&errs);
	printf("%s: ok (%zu sources)\n", path, c->n_sources);
	cfg_free(c);
	return 0;
}
