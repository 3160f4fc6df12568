/* extract_core.c — times claims_extract() alone (the call the daemon makes per article:
 * text in, claim objects out; no file or JSON-text I/O in the timed part) over
 * claimd.article/1 JSON lines. Built and run by bench/parts/extract.sh, which reads the
 * timed seconds at the end of the line.
 * usage: extract_core LEXICON_DIR ARTICLES.jsonl */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "claimd/claims.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: extract_core LEXICON_DIR ARTICLES.jsonl\n");
		return 2;
	}
	char err[512];
	struct claims_ctx *c = NULL;
	if (claims_new(argv[1], &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "extract_core: %s\n", err);
		return 1;
	}
	FILE *fp = fopen(argv[2], "r");
	if (!fp) {
		perror(argv[2]);
		claims_free(c);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0, bytes = 0, articles = 0, nclaims = 0;
	ssize_t n;
	double secs = 0;
	while ((n = getline(&line, &cap, fp)) > 0) {
		json_t *a = json_loadb(line, (size_t)n, 0, NULL);
		const char *text = json_string_value(json_object_get(a, "text"));
		if (text) {
			struct timespec t0, t1;
			json_t *arr = NULL;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			int r = claims_extract(c, text, json_string_value(json_object_get(a, "published")), &arr);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			secs += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			if (r == 0)
				nclaims += json_array_size(arr);
			json_decref(arr);
			bytes += strlen(text);
			articles++;
		}
		json_decref(a);
	}
	free(line);
	fclose(fp);
	claims_free(c);
	if (secs <= 0)
		secs = 1e-9;
	printf("%.2f MB/s of text, %.0f articles/s, %zu claims (%zu articles, %zu bytes, %.4f s)\n",
	       (double)bytes / secs / 1e6, (double)articles / secs, nclaims, articles, bytes, secs);
	return 0;
}
