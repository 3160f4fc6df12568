/* fuzz_claims.c — libFuzzer target for claim extraction (claims_extract: sentences,
 * attribution, stance, quantities, entities, time) with the shipped lexicons, loaded once
 * from $CLAIMD_LEXICON_DIR or conf/lexicon (run from the repository root). */
#include <stdio.h>
#include "fuzz.h"
#include "claimd/claims.h"

static struct claims_ctx *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = getenv("CLAIMD_LEXICON_DIR");
	char err[256];
	if (claims_new(dir ? dir : "conf/lexicon", &ctx, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_claims: %s\n", err);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	if (!s)
		return 0;
	json_t *claims = NULL;
	if (claims_extract(ctx, s, "2024-03-01T12:00:00Z", &claims) == 0) {
		char *dump = json_dumps(claims, JSON_COMPACT);
		free(dump);
		json_decref(claims);
	}
	free(s);
	return 0;
}
