/* page_core.c — times page_extract() alone (the call the daemon makes per fetched page:
 * HTML bytes in, body and metadata out; no file I/O in the timed part) over the HTML files
 * named on the command line, best of RUNS passes, in CPU seconds of the process (as the
 * peers in bench/parts/page.sh are timed, so that a loaded machine skews no ratio). Built and run by bench/parts/page.sh,
 * which reads the timed seconds at the end of the line.
 * usage: page_core RUNS FILE... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "claimd/page.h"

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	if (b)
		*ret_len = (size_t)n;
	return b;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: page_core RUNS FILE...\n");
		return 2;
	}
	int runs = atoi(argv[1]);
	size_t n = (size_t)(argc - 2), bytes = 0, bodies = 0;
	char **buf = calloc(n, sizeof(char *));
	size_t *len = calloc(n, sizeof(size_t));
	if (!buf || !len)
		return 1;
	for (size_t i = 0; i < n; i++) {
		if (!(buf[i] = slurp(argv[i + 2], &len[i]))) {
			perror(argv[i + 2]);
			return 1;
		}
		bytes += len[i];
	}
	double best = 0;
	for (int r = 0; r < (runs > 0 ? runs : 1); r++) {
		struct timespec t0, t1;
		bodies = 0;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		for (size_t i = 0; i < n; i++) {
			struct page *p = NULL;
			if (page_extract(buf[i], len[i], NULL, &p) == 0 && p->text)
				bodies++;
			page_free(p);
		}
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (r == 0 || s < best)
			best = s;
	}
	if (best <= 0)
		best = 1e-9;
	printf("%.0f pages/s, %.2f MB/s of HTML, %zu bodies (%zu pages, %zu bytes, %.4f s)\n",
	       (double)n / best, (double)bytes / best / 1e6, bodies, n, bytes, best);
	for (size_t i = 0; i < n; i++)
		free(buf[i]);
	free(buf);
	free(len);
	return 0;
}
