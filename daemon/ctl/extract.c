/* ctl/extract.c — `claimctl extract [--published DATE] [--articles] [--lexicon DIR]
 * [--min-score X] FILE|-...`.
 *
 * Takes: plain text, one paragraph a line (blank lines allowed), from files (one article
 * each) or stdin.
 * Gives: the claims the daemon would publish, one claimd.claim/1 JSON object a line on
 * stdout, after boiler_clean() and claims_extract(). There is no article: id is a hash of
 * the sentence and speaker, article_id, source and url are null. With --articles the input
 * is claimd.article/1 JSON lines (`claimctl parse` output) and the claims carry the
 * article's id, source, url and published date, as the daemon publishes them.
 * Must not: touch the network or any state; errors go to stderr with the exit status
 * (0 ok, 1 bad input, 2 usage). */
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

#define EXTRACT_MAX_INPUT (64u << 20)

static void usage(FILE *f)
{
	fprintf(f, "usage: claimctl extract [--published DATE] [--articles] [--lexicon DIR] [--min-score X] FILE|-...\n"
		   "  Reads plain text (one paragraph a line; each FILE one article) and prints its\n"
		   "  claims as JSON lines.\n"
		   "  --published DATE  ISO 8601 date the text was published (resolves 'last week')\n"
		   "  --articles        input is claimd.article/1 JSON lines (claimctl parse output);\n"
		   "                    claims carry each article's id, source, url and date\n"
		   "  --min-score X     drop claims scoring below X (0..1; 0 keeps every statement)\n"
		   "  --lexicon DIR     lexicon directory (default $CLAIMD_LEXICON_DIR, the built-in\n"
		   "                    directory, else ./conf/lexicon)\n");
}

static int read_all(FILE *fp, char **ret, size_t *ret_len)
{
	size_t cap = 65536, len = 0;
	char *b = malloc(cap + 1);
	if (!b)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap >= EXTRACT_MAX_INPUT) {
				free(b);
				return -EFBIG;
			}
			cap *= 2;
			char *nb = realloc(b, cap + 1);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		size_t n = fread(b + len, 1, cap - len, fp);
		len += n;
		if (n == 0) {
			if (ferror(fp)) {
				free(b);
				return -EIO;
			}
			break;
		}
	}
	b[len] = '\0';
	*ret = b;
	*ret_len = len;
	return 0;
}

/* Output of one article: JSON lines built in memory, written with one fwrite. */
struct out {
	char *b;
	size_t len, cap;
	bool oom;
	EVP_MD_CTX *md;    /* reused for every claim id */
	EVP_MD *sha256;    /* fetched once: an implicit fetch per digest is slow */
};

static void out_reserve(struct out *o, size_t n)
{
	if (o->oom || o->len + n <= o->cap)
		return;
	size_t cap = o->cap ? o->cap : 65536;
	while (cap < o->len + n)
		cap *= 2;
	char *nb = realloc(o->b, cap);
	if (!nb) {
		o->oom = true;
		return;
	}
	o->b = nb;
	o->cap = cap;
}

static void out_put(struct out *o, const char *s, size_t n)
{
	out_reserve(o, n);
	if (o->oom)
		return;
	memcpy(o->b + o->len, s, n);
	o->len += n;
}

#define out_lit(o, s) out_put((o), (s), sizeof(s) - 1)

static void out_str(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static void out_chr(struct out *o, char c)
{
	out_put(o, &c, 1);
}

/* Writes the buffer to stdout and empties it. Returns 0 or 1 (write error). */
static int out_flush(struct out *o)
{
	int st = 0;
	if (o->oom) {
		fprintf(stderr, "claimctl extract: out of memory\n");
		st = 1;
	} else if (o->len && fwrite(o->b, 1, o->len, stdout) != o->len) {
		st = 1;
	}
	o->len = 0;
	o->oom = false;
	return st;
}

static void claim_id(struct out *o, const json_t *claim, const char *article_id, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	const json_t *sp = json_object_get(claim, "speaker");
	const char *sent = json_string_value(json_object_get(claim, "sentence"));
	const char *spk = sp ? json_string_value(json_object_get(sp, "text")) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	out[0] = '\0';
	if (!o->md)
		o->md = EVP_MD_CTX_new();
	if (!o->sha256)
		o->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	EVP_MD_CTX *ctx = o->md;
	if (!ctx || !o->sha256)
		return;
	EVP_DigestInit_ex(ctx, o->sha256, NULL);
	if (article_id) {
		EVP_DigestUpdate(ctx, article_id, strlen(article_id));
		EVP_DigestUpdate(ctx, "\n", 1);
	}
	EVP_DigestUpdate(ctx, sent ? sent : "", sent ? strlen(sent) : 0);
	EVP_DigestUpdate(ctx, "\n", 1);
	if (spk)
		EVP_DigestUpdate(ctx, spk, strlen(spk));
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	unsigned i;
	for (i = 0; i < 16 && i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * i] = '\0';
}

/* JSON text of a string, escaped as RFC 8259 asks (UTF-8 passes through). */
static void put_string(struct out *o, const char *v, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = v;
	out_chr(o, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		out_put(o, run, (size_t)(v + i - run));
		run = v + i + 1;
		switch (ch) {
		case '"': out_lit(o, "\\\""); break;
		case '\\': out_lit(o, "\\\\"); break;
		case '\n': out_lit(o, "\\n"); break;
		case '\t': out_lit(o, "\\t"); break;
		case '\r': out_lit(o, "\\r"); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };
			out_put(o, u, sizeof(u));
		}
		}
	}
	out_put(o, run, (size_t)(v + n - run));
	out_chr(o, '"');
}

/* Compact JSON text of a value (what json_dumps gives, without building a string). */
static void put_json(struct out *o, const json_t *j)
{
	char num[64];
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *v;
		bool first = true;
		out_chr(o, '{');
		json_object_foreach((json_t *)j, k, v) {
			if (!first)
				out_chr(o, ',');
			first = false;
			put_string(o, k, strlen(k));
			out_chr(o, ':');
			put_json(o, v);
		}
		out_chr(o, '}');
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;
		out_chr(o, '[');
		json_array_foreach((json_t *)j, i, v) {
			if (i)
				out_chr(o, ',');
			put_json(o, v);
		}
		out_chr(o, ']');
		break;
	}
	case JSON_STRING:
		put_string(o, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		out_str(o, num);
		break;
	case JSON_REAL: {
		double d = json_real_value(j);
		long long c = (long long)(d * 100 + 0.5);
		if (d == (double)(long long)d && d > -1e15 && d < 1e15) {
			snprintf(num, sizeof(num), "%lld.0", (long long)d);
		} else if (d > 0 && d < 1 && c > 0 && c < 100 && (double)c / 100.0 == d) {
			/* scores: hundredths, as "%.10g" prints them ("0.85", "0.5", "0.05") */
			num[0] = '0';
			num[1] = '.';
			num[2] = (char)('0' + c / 10);
			num[3] = (char)('0' + c % 10);
			num[c % 10 ? 4 : 3] = '\0';
		} else {
			snprintf(num, sizeof(num), "%.10g", d);
		}
		out_str(o, num);
		break;
	}
	case JSON_TRUE:
		out_lit(o, "true");
		break;
	case JSON_FALSE:
		out_lit(o, "false");
		break;
	default:
		out_lit(o, "null");
	}
}

/* Prints each claim as one JSON line: the envelope fields (article_id, source, url,
 * published: JSON texts, "null" when absent) and the claim's own. */
static int print_claims(struct out *o, json_t *claims, const char *article_id, const char *source,
			const char *url, const char *pubjson)
{
	size_t i;
	json_t *c;
	json_array_foreach(claims, i, c) {
		char id[33];
		claim_id(o, c, article_id, id);
		/* the envelope fields first, then the claim's own (no copy of the object) */
		out_lit(o, "{\"schema\":\"claimd.claim/1\",\"id\":\"");
		out_str(o, id);
		out_lit(o, "\",\"article_id\":");
		out_str(o, article_id ? article_id : "null");
		out_lit(o, ",\"source\":");
		out_str(o, source ? source : "null");
		out_lit(o, ",\"url\":");
		out_str(o, url ? url : "null");
		out_lit(o, ",\"published\":");
		out_str(o, pubjson);
		if (!json_object_get(c, "proposition")) { /* as the daemon adds it (cluster.h) */
			const json_t *sp = json_object_get(c, "speaker");
			char *prop = cluster_proposition(json_string_value(json_object_get(c, "sentence")),
							 sp ? json_string_value(json_object_get(sp, "text")) : NULL,
							 json_string_value(json_object_get(c, "cue")));
			if (prop)
				json_object_set_new(c, "proposition", json_string(prop));
			free(prop);
		}
		const char *k;
		json_t *v;
		json_object_foreach(c, k, v) {
			out_chr(o, ',');
			put_string(o, k, strlen(k));
			out_chr(o, ':');
			put_json(o, v);
		}
		out_lit(o, "}\n");
	}
	return out_flush(o);
}

static char *dump_or_null(json_t *v)
{
	if (!json_is_string(v))
		return NULL;
	return json_dumps(v, JSON_ENCODE_ANY);
}

/* --articles: claimd.article/1 JSON lines (as `claimctl parse` prints them), one article a
 * line; the claims carry the article's id, source, url and published date. */
static int extract_articles(struct claims_ctx *ctx, struct out *o, const char *path)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (!fp) {
		fprintf(stderr, "claimctl extract: %s: %s\n", path, strerror(errno));
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int status = 0;
	while ((n = getline(&line, &cap, fp)) > 0) {
		lineno++;
		if ((size_t)n > EXTRACT_MAX_INPUT) {
			fprintf(stderr, "claimctl extract: %s:%lu: line too long, skipping\n", path, lineno);
			status = 1;
			continue;
		}
		json_error_t jerr;
		json_t *a = json_loadb(line, (size_t)n, 0, &jerr);
		const char *text = json_string_value(json_object_get(a, "text"));
		if (!a || !text) {
			fprintf(stderr, "claimctl extract: %s:%lu: not an article (%s), skipping\n", path, lineno,
				a ? "no text" : jerr.text);
			json_decref(a);
			status = 1;
			continue;
		}
		const char *published = json_string_value(json_object_get(a, "published"));
		char *aid = dump_or_null(json_object_get(a, "id"));
		char *src = dump_or_null(json_object_get(a, "source"));
		char *url = dump_or_null(json_object_get(a, "url"));
		char *pub = dump_or_null(json_object_get(a, "published"));
		json_t *claims = NULL;
		int r = claims_extract(ctx, text, published, &claims);
		if (r < 0) {
			fprintf(stderr, "claimctl extract: %s:%lu: %s\n", path, lineno, strerror(-r));
			status = 1;
		} else if (print_claims(o, claims, aid, src, url, pub ? pub : "null") != 0) {
			status = 1;
		}
		json_decref(claims);
		free(aid);
		free(src);
		free(url);
		free(pub);
		json_decref(a);
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	return status;
}

/* One article: a file or "-". Returns the exit status for it. */
static int extract_one(struct claims_ctx *ctx, struct out *o, const char *path, const char *published,
		       const char *pubjson)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (!fp) {
		fprintf(stderr, "claimctl extract: %s: %s\n", path, strerror(errno));
		return 1;
	}
	char *text = NULL;
	size_t len = 0;
	int r = read_all(fp, &text, &len);
	if (fp != stdin)
		fclose(fp);
	if (r < 0) {
		fprintf(stderr, "claimctl extract: %s: %s\n", path, strerror(-r));
		return 1;
	}
	if (memchr(text, '\0', len)) {
		fprintf(stderr, "claimctl extract: %s: binary input (NUL byte)\n", path);
		free(text);
		return 1;
	}
	char *clean = NULL, *credit = NULL;
	r = boiler_clean(text, &clean, &credit);
	free(text);
	if (r < 0) {
		fprintf(stderr, "claimctl extract: %s: %s\n", path, strerror(-r));
		return 1;
	}
	json_t *claims = NULL;
	r = claims_extract(ctx, clean, published, &claims);
	free(clean);
	free(credit);
	if (r < 0) {
		fprintf(stderr, "claimctl extract: %s: %s\n", path, strerror(-r));
		return 1;
	}
	int r2 = print_claims(o, claims, NULL, NULL, NULL, pubjson);
	json_decref(claims);
	return r2;
}

int ctl_extract(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "published", required_argument, NULL, 'p' },
		{ "lexicon", required_argument, NULL, 'l' },
		{ "min-score", required_argument, NULL, 'm' },
		{ "articles", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *published = NULL, *lexdir = NULL;
	double min_score = CLAIMS_DEFAULT_MIN_SCORE;
	bool articles = false;
	char *endp;
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "p:l:m:ah", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			published = optarg;
			break;
		case 'l':
			lexdir = optarg;
			break;
		case 'a':
			articles = true;
			break;
		case 'm':
			min_score = strtod(optarg, &endp);
			if (*endp || min_score < 0 || min_score > 1) {
				fprintf(stderr, "claimctl extract: --min-score: expected a number from 0 to 1\n");
				return 2;
			}
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
	if (!lexdir) {
		lexdir = claims_default_lexicon_dir();
		if (access(lexdir, R_OK) != 0 && access("conf/lexicon", R_OK) == 0)
			lexdir = "conf/lexicon";
	}
	char err[512] = "";
	struct claims_ctx *ctx = NULL;
	int r = claims_new(lexdir, &ctx, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "claimctl extract: lexicon: %s\n", err);
		return 1;
	}
	claims_set_min_score(ctx, min_score);
	int status = 0;
	json_t *pj = published ? json_string(published) : json_null();
	char *pubjson = pj ? json_dumps(pj, JSON_ENCODE_ANY) : NULL;
	json_decref(pj);
	if (!pubjson) {
		fprintf(stderr, "claimctl extract: --published: not valid UTF-8\n");
		claims_free(ctx);
		return 2;
	}
	struct out ob = { 0 };
	for (int i = optind; i < argc; i++) {
		int st = articles ? extract_articles(ctx, &ob, argv[i])
				  : extract_one(ctx, &ob, argv[i], published, pubjson);
		if (st > status)
			status = st;
	}
	free(ob.b);
	EVP_MD_CTX_free(ob.md);
	EVP_MD_free(ob.sha256);
	free(pubjson);
	claims_free(ctx);
	if (fflush(stdout) != 0)
		status = 1;
	return status;
}

