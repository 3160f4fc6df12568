/* fuzz_page.c — libFuzzer target for the article page stage: page_extract (with a URL, an
 * HTTP charset taken from the first byte, a small element cap on some inputs) and
 * page_json on the same bytes. */
#include "fuzz.h"
#include "claimd/page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const charsets[] = { NULL, "utf-8", "windows-1252", "iso-8859-2",
		"shift_jis", "utf-16le", "x-unknown" };
	struct page_opts o = {
		.url = "https://fuzz.example/news/a.html",
		.http_charset = size ? charsets[data[0] % 7] : NULL,
		.max_nodes = size && (data[0] & 0x80) ? 64 : 0,
	};
	struct page *p = NULL;
	if (page_extract((const char *)data, size, &o, &p) == 0) {
		json_t *j = page_json(p);
		json_decref(j);
		page_free(p);
	}
	return 0;
}
