/* bench/cluster_core.c — the clusterer alone, in process, as the daemon runs it (quiet
 * singletons, members without details): reads claimd.claim/1 JSON lines into memory
 * (untimed), then times clusterer_add() over all of them, the stream time 10 ms apart.
 * Prints "N claims, U updates, C clusters in the window (X claims/s, S s)".
 * Built by bench/parts/cluster.sh against libclaimd.a. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "claimd/cluster.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: cluster_core CLAIMS.jsonl\n");
		return 2;
	}
	FILE *fp = fopen(argv[1], "re");
	if (!fp) {
		perror(argv[1]);
		return 1;
	}
	json_t *all = json_array();
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, fp) > 0) {
		json_t *c = json_loads(line, 0, NULL);
		if (c)
			json_array_append_new(all, c);
	}
	free(line);
	fclose(fp);
	struct cluster_opts o = { .window_ms = CLUSTER_DEFAULT_WINDOW_MS,
				  .max_claims = CLUSTER_DEFAULT_MAX_CLAIMS, .quiet_singletons = true };
	struct clusterer *cl = NULL;
	if (clusterer_new(&o, &cl) < 0)
		return 1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t n = json_array_size(all), ups = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *u = NULL;
		if (clusterer_add(cl, json_array_get(all, i), (int64_t)i * 10, &u) == 0) {
			/* what the daemon journals: the update's JSON text */
			size_t k;
			json_t *x;
			json_array_foreach(u, k, x) {
				char *s = json_dumps(x, JSON_COMPACT);
				free(s);
				ups++;
			}
		}
		json_decref(u);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%zu claims, %zu updates, %zu clusters in the window (%.0f claims/s, %.3f s)\n", n, ups,
	       clusterer_clusters(cl), s > 0 ? (double)n / s : 0, s);
	clusterer_free(cl);
	json_decref(all);
	return 0;
}
