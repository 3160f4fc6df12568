/* fuzz_feed.c — libFuzzer target for the feed path: feed_parse (encodings, XML strict and
 * recover passes, JSON Feed), feed_model_json and article_from_feed on whatever parses.
 * Built and run by `make fuzz` (mk/fuzz.mk); seeds in tests/fuzz/feed.seeds. */
#include "fuzz.h"

#include "claimd/article.h"
#include "claimd/feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed *f = NULL;
	char *err = NULL;
	struct feed_opts fo = {
		.base_url = "https://fuzz.example/feed.xml",
		.now_ms = 1704067200000LL,
		.max_items = 50,
	};
	if (feed_parse((const char *)data, size, &fo, &f, &err) == 0) {
		json_t *m = feed_model_json(f);
		json_decref(m);
		struct article_opts ao = { .source = "fuzz", .feed_url = fo.base_url,
					   .fetched_at_ms = fo.now_ms };
		json_t *arts = NULL, *w = json_array();
		if (article_from_feed(f, &ao, &arts, w) == 0)
			json_decref(arts);
		json_decref(w);
		feed_free(f);
	}
	free(err);
	return 0;
}
