/* cluster_int.h — internal interfaces of the clusterer (the daemon/cluster sources).
 *
 *   ckey_   a claim's key: proposition, tokens, entities, quantities, time, predicate,
 *           polarity, MinHash signature (key.c)
 *   csim_   comparisons between two keys (key.c)
 * include/claimd/cluster.h is the public face. */
#ifndef CLAIMD_CLUSTER_INT_H
#define CLAIMD_CLUSTER_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "claimd/cluster.h"

#define CK_MAX_TOK 48     /* distinct tokens of a proposition */
#define CK_MAX_ENT 12
#define CK_MAX_QTY 6
#define CK_MAX_TIME 4
#define CK_MAX_PRED 4

/* token kinds, in the top two bits of a token hash */
enum { TK_WORD = 0, TK_ENT = 1, TK_PRED = 2, TK_QTY = 3 };
#define TK_KIND(h) ((h) >> 30)

/* quantity classes: compared only within a class (and a unit, for money and measures) */
enum { QC_COUNT = 0, QC_PERCENT, QC_MONEY, QC_DURATION, QC_MEASURE };

struct cqty {
	double value, lo, hi;   /* the interval the qualifier allows */
	uint32_t unit;          /* hash of the unit; for counts the counted noun, 0 when generic */
	uint32_t scope;         /* the entity inside the quantity ("three Armenian soldiers"), 0 */
	uint8_t cls;
	bool synthetic;         /* "no casualties", "nobody": a count of 0 */
};

struct ckey {
	char *prop;                     /* proposition (owned) */
	uint32_t tok[CK_MAX_TOK];       /* sorted, unique */
	size_t ntok;
	uint32_t ent[CK_MAX_ENT];       /* sorted, unique hashes of canonical names */
	size_t nent;
	uint32_t ent_all[CK_MAX_ENT];   /* the claim's entities, speaker's included */
	size_t nent_all;
	size_t nwords;                  /* content words (TK_WORD tokens) */
	struct cqty q[CK_MAX_QTY];
	size_t nq;
	char time[CK_MAX_TIME][24];     /* resolved values, as the extractor gives them */
	size_t ntime;
	int32_t tlo[CK_MAX_TIME], thi[CK_MAX_TIME]; /* as day ranges; tlo > thi: not a date */
	char pubday[11];                /* the published date: the time of a claim without one */
	int32_t plo;                    /* pubday as a day, or -1 */
	int8_t pred[CK_MAX_PRED];       /* verb classes, by rank (first is the predicate) */
	size_t npred;
	bool neg;                       /* negated or denied */
	bool deny;                      /* the stance is deny */
	bool spec;                      /* the stance is speculate: a forecast, a possibility */
	uint32_t mh[CLUSTER_MINHASH];
};

/* Builds the key of a claim. words, when not NULL, gets the content words (JSON strings)
 * and ents the canonical entity names. Returns 0 or -ENOMEM/-EINVAL. */
int ckey_build(const json_t *claim, struct ckey *k, json_t *words, json_t *ents);
void ckey_clear(struct ckey *k);

const char *ckey_pred_name(int cls);

/* Weighted Jaccard of the token sets (entities and predicates weigh more). */
double csim_tokens(const struct ckey *a, const struct ckey *b);
/* Jaccard of the entity sets (0 when either is empty); _all: with the speakers' entities. */
double csim_entities(const struct ckey *a, const struct ckey *b);
double csim_entities_all(const struct ckey *a, const struct ckey *b);
/* Overlap coefficient of the entity sets: shared / the smaller set (0 when either is empty). */
double csim_entities_overlap(const struct ckey *a, const struct ckey *b);
/* Content words both have. */
size_t csim_shared_words(const struct ckey *a, const struct ckey *b);
/* MinHash estimate of the Jaccard of the token sets. */
double csim_minhash(const struct ckey *a, const struct ckey *b);
/* Quantities: 1 when some class both have agrees (intervals meet), -1 when a class both
 * have disagrees and none agrees, 0 when they share no class. */
int csim_quantities(const struct ckey *a, const struct ckey *b);
/* 1 when both have predicates and share one, -1 when both have and share none, 0 else. */
int csim_predicates(const struct ckey *a, const struct ckey *b);
/* -1 when both have resolved times and none overlaps (one a prefix of the other), 1 when
 * one overlaps, 0 when either has none. */
int csim_time(const struct ckey *a, const struct ckey *b);

/* As csim_time, a claim without a time taken at its published date. */
int csim_time_or_published(const struct ckey *a, const struct ckey *b);

uint32_t ck_hash(const char *s, size_t n, unsigned kind);

#endif
