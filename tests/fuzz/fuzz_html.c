/* fuzz_html.c — libFuzzer target for HTML to text: html_to_text (links resolved against a
 * base), html_to_text_ref, html_plain_text and html_looks_like on the same bytes. */
#include "fuzz.h"
#include "claimd/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char *out = NULL;
	(void)html_looks_like(s, size);
	if (html_to_text(s, size, "https://fuzz.example/a/b.html", &out) == 0)
		free(out);
	out = NULL;
	if (html_to_text_ref(s, size, NULL, &out) == 0)
		free(out);
	out = NULL;
	if (html_plain_text(s, size, &out) == 0)
		free(out);
	return 0;
}
