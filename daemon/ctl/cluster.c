/* ctl/cluster.c — `claimctl cluster [--updates|--keys] [--claims] [--min-members N] [--window DUR]
 * [--lexicon DIR] FILE...`.
 *
 * Takes: plain-text articles, one a file, with the header lines tests/eval.sh knows (a first
 * line "URL: ..." whose /YYYY/MM/DD/ gives the date and whose host names the source, or
 * "Published: DATE"); with --claims, claimd.claim/1 JSON lines instead (claimctl extract or
 * claimctl sub output).
 * Gives: extraction (boiler_clean, claims_extract) and clustering (clusterer_add) as the
 * daemon runs them, the articles taken oldest first; then every cluster as one
 * claimd.cluster/1 JSON line (--updates: every update as it happens instead). Each claim
 * carries its `proposition`.
 * Must not: touch the network or any state; errors go to stderr (0 ok, 1 bad input, 2 usage). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "claimd/boiler.h"
#include "claimd/claims.h"
#include "claimd/cluster.h"
#include "claimd/ctl.h"
#include "claimd/date.h"

#define CLUSTER_MAX_INPUT (16u << 20)

static void usage(FILE *f)
{
	fprintf(f, "usage: claimctl cluster [--updates|--keys] [--claims] [--min-members N] [--window DUR] [--lexicon DIR] FILE...\n"
		   "  Extracts the claims of plain-text articles (a first line \"URL: ...\" or\n"
		   "  \"Published: DATE\" as in tests/eval.sh) and clusters them as the daemon does,\n"
		   "  oldest article first; prints every cluster as a claimd.cluster/1 JSON line.\n"
		   "  --updates         print each cluster update as it happens instead\n"
		   "  --keys            print each claim's key (proposition, predicate, entities,\n"
		   "                    quantities, time, words, signature) instead\n"
		   "  --claims          input is claimd.claim/1 JSON lines (claimctl extract output)\n"
		   "  --min-members N   print only clusters with at least N members (default 1)\n"
		   "  --window DUR      the clustering window (default 72h): 90m, 72h, 3d\n"
		   "  --lexicon DIR     lexicon directory for extraction\n");
}

struct art {
	char *path, *source, *published, *body;
	int64_t t;
	size_t order;
};

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (!fp)
		return NULL;
	size_t cap = 65536, len = 0;
	char *b = malloc(cap + 1);
	while (b) {
		if (len == cap) {
			if (cap >= CLUSTER_MAX_INPUT) {
				free(b);
				b = NULL;
				errno = EFBIG;
				break;
			}
			cap *= 2;
			char *nb = realloc(b, cap + 1);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
		}
		size_t n = fread(b + len, 1, cap - len, fp);
		len += n;
		if (n == 0) {
			if (ferror(fp)) {
				free(b);
				b = NULL;
				errno = EIO;
			}
			break;
		}
	}
	if (fp != stdin)
		fclose(fp);
	if (b) {
		b[len] = 0;
		*ret_len = len;
	}
	return b;
}

/* The header line: "URL: https://host/2026/03/04/..." or "Published: DATE". */
static int read_article(const char *path, struct art *a)
{
	size_t len = 0;
	char *text = slurp(path, &len);
	if (!text)
		return -errno;
	if (memchr(text, '\0', len)) {
		free(text);
		return -EBADMSG;
	}
	a->path = strdup(path);
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	a->source = strndup(base, strcspn(base, "."));
	char *body = text;
	if (!strncmp(text, "URL:", 4) || !strncmp(text, "Published:", 10)) {
		char *nl = strchr(text, '\n');
		body = nl ? nl + 1 : text + len;
		if (nl)
			*nl = 0;
		char *v = strchr(text, ':') + 1;
		v += strspn(v, " \t");
		v[strcspn(v, "\r")] = 0;
		if (text[0] == 'U') {
			const char *h = strstr(v, "://");
			if (h) {
				h += 3;
				if (!strncmp(h, "www.", 4))
					h += 4;
				free(a->source);
				a->source = strndup(h, strcspn(h, "/:"));
			}
			for (const char *p = v; (p = strchr(p, '/')); p++) {
				int y, m, d;
				char tail;
				if (sscanf(p, "/%4d/%2d/%2d%c", &y, &m, &d, &tail) == 4 && tail == '/' &&
				    y >= 1990 && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
					if (asprintf(&a->published, "%04d-%02d-%02dT12:00:00Z", y, m, d) < 0)
						a->published = NULL;
					break;
				}
			}
		} else {
			a->published = strdup(v);
		}
	}
	a->body = strdup(body);
	free(text);
	if (!a->path || !a->source || !a->body)
		return -ENOMEM;
	a->t = 0;
	if (a->published && date_parse(a->published, &a->t) < 0)
		a->t = 0;
	return 0;
}

static int art_cmp(const void *x, const void *y)
{
	const struct art *a = x, *b = y;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static void hex_id(EVP_MD_CTX *ctx, const char *a, const char *b, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, a, strlen(a));
	EVP_DigestUpdate(ctx, "\n", 1);
	EVP_DigestUpdate(ctx, b, strlen(b));
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = 0;
}

static int print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	if (!s)
		return 1;
	int r = puts(s) < 0;
	free(s);
	return r;
}

struct run {
	struct clusterer *cl;
	bool updates;
	bool keys;               /* --keys: print each claim's key instead */
	int64_t last_ms;
	unsigned long nclaims;
	json_t *latest;          /* cluster id -> its latest state, first seen first */
	json_t *order;           /* cluster ids, first seen first */
};

static int feed_claim(struct run *rn, json_t *claim, int64_t t_ms)
{
	if (!json_object_get(claim, "proposition")) {
		const json_t *sp = json_object_get(claim, "speaker");
		char *p = cluster_proposition(json_string_value(json_object_get(claim, "sentence")),
					      sp ? json_string_value(json_object_get(sp, "text")) : NULL,
					      json_string_value(json_object_get(claim, "cue")));
		if (p)
			json_object_set_new(claim, "proposition", json_string(p));
		free(p);
	}
	if (rn->keys) {
		json_t *k = cluster_key_json(claim);
		if (!k)
			return -ENOMEM;
		json_object_set(k, "claim_id", json_object_get(claim, "id"));
		json_object_set(k, "url", json_object_get(claim, "url"));
		json_object_set(k, "sentence", json_object_get(claim, "sentence"));
		int st = print_json(k);
		json_decref(k);
		return st ? -EIO : 0;
	}
	if (t_ms < rn->last_ms)
		t_ms = rn->last_ms;
	rn->last_ms = t_ms;
	json_t *ups = NULL;
	int r = clusterer_add(rn->cl, claim, t_ms, &ups);
	if (r < 0)
		return r;
	rn->nclaims++;
	int st = 0;
	size_t i;
	json_t *u;
	json_array_foreach(ups, i, u) {
		if (rn->updates) {
			st |= print_json(u);
			continue;
		}
		/* clusters that leave the window are printed too: keep every latest state */
		const char *id = json_string_value(json_object_get(u, "cluster"));
		if (!json_object_get(rn->latest, id))
			json_array_append_new(rn->order, json_string(id));
		json_object_set(rn->latest, id, u);
	}
	json_decref(ups);
	return st ? -EIO : 0;
}

static int run_claims(struct run *rn, const char *path)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (!fp) {
		fprintf(stderr, "claimctl cluster: %s: %s\n", path, strerror(errno));
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int status = 0;
	while ((n = getline(&line, &cap, fp)) > 0) {
		lineno++;
		json_error_t jerr;
		json_t *c = json_loadb(line, (size_t)n, 0, &jerr);
		if (!json_is_object(c) || !json_string_value(json_object_get(c, "id")) ||
		    !json_string_value(json_object_get(c, "sentence"))) {
			fprintf(stderr, "claimctl cluster: %s:%lu: not a claim (%s), skipping\n", path,
				lineno, c ? "no id or sentence" : jerr.text);
			json_decref(c);
			status = 1;
			continue;
		}
		int64_t t = 0;
		const char *pub = json_string_value(json_object_get(c, "published"));
		if (pub && date_parse(pub, &t) < 0)
			t = 0;
		int r = feed_claim(rn, c, t * 1000);
		json_decref(c);
		if (r < 0) {
			fprintf(stderr, "claimctl cluster: %s:%lu: %s\n", path, lineno, strerror(-r));
			status = 1;
			if (r == -EIO)
				break;
		}
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	return status;
}

static int parse_window(const char *s, int64_t *ret_ms)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 0;
	if (!strcmp(end, "s"))
		mul = 1e3;
	else if (!strcmp(end, "m"))
		mul = 60e3;
	else if (!strcmp(end, "h"))
		mul = 3600e3;
	else if (!strcmp(end, "d"))
		mul = 86400e3;
	if (end == s || mul == 0 || v <= 0)
		return -EINVAL;
	*ret_ms = (int64_t)(v * mul);
	return 0;
}

int ctl_cluster(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "updates", no_argument, NULL, 'u' },
		{ "claims", no_argument, NULL, 'c' },
		{ "keys", no_argument, NULL, 'k' },
		{ "min-members", required_argument, NULL, 'n' },
		{ "window", required_argument, NULL, 'w' },
		{ "lexicon", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run rn = { 0 };
	bool claims_in = false;
	long min_members = 1;
	const char *lexdir = NULL;
	struct cluster_opts co = { .member_details = true };
	char *endp;
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "uckn:w:l:h", opts, NULL)) != -1) {
		switch (o) {
		case 'u':
			rn.updates = true;
			break;
		case 'c':
			claims_in = true;
			break;
		case 'k':
			rn.keys = true;
			break;
		case 'n':
			min_members = strtol(optarg, &endp, 10);
			if (*endp || min_members < 1) {
				fprintf(stderr, "claimctl cluster: --min-members: expected a positive number\n");
				return 2;
			}
			break;
		case 'w':
			if (parse_window(optarg, &co.window_ms) < 0) {
				fprintf(stderr, "claimctl cluster: --window: expected a duration such as 72h\n");
				return 2;
			}
			break;
		case 'l':
			lexdir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	rn.latest = json_object();
	rn.order = json_array();
	if (!rn.latest || !rn.order || clusterer_new(&co, &rn.cl) < 0) {
		json_decref(rn.latest);
		json_decref(rn.order);
		fprintf(stderr, "claimctl cluster: out of memory\n");
		return 1;
	}
	int status = 0;
	if (claims_in) {
		for (int i = optind; i < argc; i++) {
			int st = run_claims(&rn, argv[i]);
			if (st > status)
				status = st;
		}
		goto done;
	}
	if (!lexdir) {
		lexdir = claims_default_lexicon_dir();
		if (access(lexdir, R_OK) != 0 && access("conf/lexicon", R_OK) == 0)
			lexdir = "conf/lexicon";
	}
	char err[512] = "";
	struct claims_ctx *ctx = NULL;
	if (claims_new(lexdir, &ctx, err, sizeof(err)) < 0) {
		fprintf(stderr, "claimctl cluster: lexicon: %s\n", err);
		clusterer_free(rn.cl);
		return 1;
	}
	size_t na = 0;
	struct art *arts = calloc((size_t)(argc - optind), sizeof(*arts));
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!arts || !md) {
		fprintf(stderr, "claimctl cluster: out of memory\n");
		status = 1;
		goto free_arts;
	}
	for (int i = optind; i < argc; i++) {
		int r = read_article(argv[i], &arts[na]);
		if (r < 0) {
			fprintf(stderr, "claimctl cluster: %s: %s, skipping\n", argv[i],
				r == -EBADMSG ? "binary input (NUL byte)" : strerror(-r));
			free(arts[na].path);
			free(arts[na].source);
			free(arts[na].published);
			free(arts[na].body);
			memset(&arts[na], 0, sizeof(arts[na]));
			status = 1;
			continue;
		}
		arts[na].order = na;
		na++;
	}
	qsort(arts, na, sizeof(*arts), art_cmp);
	for (size_t i = 0; i < na; i++) {
		struct art *a = &arts[i];
		char *clean = NULL, *credit = NULL;
		json_t *claims = NULL;
		if (boiler_clean(a->body, &clean, &credit) < 0 ||
		    claims_extract(ctx, clean, a->published, &claims) < 0) {
			fprintf(stderr, "claimctl cluster: %s: extraction failed, skipping\n", a->path);
			free(clean);
			free(credit);
			status = 1;
			continue;
		}
		free(clean);
		free(credit);
		char aid[33];
		hex_id(md, a->source, a->path, aid);
		size_t j;
		json_t *c;
		json_array_foreach(claims, j, c) {
			char key[32], cid[33];
			snprintf(key, sizeof(key), "%zu:", j);
			char *k2 = NULL;
			const char *sent = json_string_value(json_object_get(c, "sentence"));
			if (asprintf(&k2, "%s%s", key, sent ? sent : "") < 0)
				continue;
			hex_id(md, aid, k2, cid);
			free(k2);
			json_object_set_new(c, "id", json_string(cid));
			json_object_set_new(c, "article_id", json_string(aid));
			json_object_set_new(c, "source", json_string(a->source));
			json_object_set_new(c, "url", json_string(a->path));
			json_object_set_new(c, "published", a->published ? json_string(a->published) : json_null());
			int r = feed_claim(&rn, c, a->t * 1000);
			if (r < 0) {
				fprintf(stderr, "claimctl cluster: %s: %s\n", a->path, strerror(-r));
				status = 1;
			}
		}
		json_decref(claims);
	}
free_arts:
	for (size_t i = 0; arts && i < na; i++) {
		free(arts[i].path);
		free(arts[i].source);
		free(arts[i].published);
		free(arts[i].body);
	}
	free(arts);
	EVP_MD_CTX_free(md);
	claims_free(ctx);
done:
	if (!rn.updates && !rn.keys) {
		size_t i;
		json_t *id;
		json_array_foreach(rn.order, i, id) {
			json_t *u = json_object_get(rn.latest, json_string_value(id));
			if (json_integer_value(json_object_get(u, "n_members")) >= min_members &&
			    print_json(u))
				status = 1;
		}
	}
	json_decref(rn.latest);
	json_decref(rn.order);
	clusterer_free(rn.cl);
	if (fflush(stdout) != 0)
		status = 1;
	return status;
}
