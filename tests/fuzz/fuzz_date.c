/* fuzz_date.c — libFuzzer target for feed dates: date_parse (RFC 822, ISO 8601 and the
 * loose forms feeds carry), and date_format of whatever parses, parsed again. */
#include <assert.h>
#include "fuzz.h"
#include "claimd/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *s = fuzz_cstr(data, size);
	if (!s)
		return 0;
	int64_t t, t2;
	if (date_parse(s, &t) == 0) {
		char buf[DATE_ISO_LEN];
		if (date_format(t, buf) == 0) {
			/* what we print we must read back to the same instant */
			assert(date_parse(buf, &t2) == 0 && t2 == t);
		}
	}
	free(s);
	return 0;
}
