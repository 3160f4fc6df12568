/* fuzz_boiler.c — libFuzzer target for boilerplate removal (boiler_clean): captions,
 * credits, promos and link lines taken out of an article's text. */
#include "fuzz.h"
#include "claimd/boiler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	if (!s)
		return 0;
	char *text = NULL, *credit = NULL;
	if (boiler_clean(s, &text, &credit) == 0) {
		free(text);
		free(credit);
	}
	free(s);
	return 0;
}
