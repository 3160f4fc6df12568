/* claimctl.c — the operator's and subscriber-writer's tool: dispatches to the
 * subcommands of daemon/ctl_*.c, which run the very modules the daemon runs. */
#include <stdio.h>
#include <string.h>

#include "claimd/ctl.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *usage;
} cmds[] = {
	{ "parse", ctl_parse, "parse [--model] [--source NAME] FILE|URL...   print what claimd would publish" },
	{ "extract", ctl_extract, "extract [--published DATE] [--lexicon DIR] FILE|-   claims of a plain-text article" },
	{ "cluster", ctl_cluster, "cluster [--updates|--keys] [--claims] [--min-members N] FILE...   claims of articles, clustered" },
	{ "page", ctl_page, "page [--text] [--url URL] FILE|URL|-   an article page's body and metadata" },
	{ "check", ctl_check, "check FILE   validate a configuration (--keys lists every key)" },
	{ "keygen", ctl_keygen, "keygen [--force] [PATH]   a CURVE key pair: PATH.key (secret, 0600), PATH.pub" },
	{ "tag", ctl_tag, "tag [--chunks] [--conllu] FILE|-   part-of-speech tags and noun phrases" },
	{ "sub", ctl_sub, "sub [-t TOPIC] [-n N|--since WHEN] [-C N] [-W S] [-F json|pretty|text] ENDPOINT   subscribe, gap-free" },
	{ "status", ctl_status, "status [--json] [-c FILE] [REPLAY_ENDPOINT]   how the running claimd and its sources are doing" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: claimctl COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %s\n", cmds[i].usage);
	fprintf(out, "\nclaimctl --version prints the version.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("claimctl %s\n", CLAIMD_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "claimctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
