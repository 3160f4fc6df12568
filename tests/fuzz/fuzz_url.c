/* fuzz_url.c — libFuzzer target for URLs: the input is "base\nref"; url_resolve,
 * url_canonical of the base and of the result, url_is_http. */
#include "fuzz.h"
#include "claimd/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	char *s = fuzz_cstr(data, size);
	if (!s)
		return 0;
	char *ref = strchr(s, '\n');
	if (ref)
		*ref++ = '\0';
	else
		ref = s;
	char *out = NULL, *canon = NULL;
	(void)url_is_http(s);
	if (url_canonical(s, &canon) == 0)
		free(canon);
	if (url_resolve(s, ref, &out) == 0) {
		(void)url_is_http(out);
		canon = NULL;
		if (url_canonical(out, &canon) == 0)
			free(canon);
		free(out);
	}
	free(s);
	return 0;
}
