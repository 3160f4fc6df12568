/* cluster/cluster.c — the incremental clusterer: claims of many outlets, grouped by
 * proposition, with contradiction links between groups.
 *
 * Takes: claimd.claim/1 objects one at a time, with the stream time (at_ms).
 * Gives: for each claim, the states (claimd.cluster/1 bodies without the envelope) of the
 * cluster it joined or opened and of the clusters it contradicts.
 * How: the window is a ring of at most max_claims claims no older than window_ms; an
 * inverted index from key tokens to recent claims finds the candidates (at most
 * CAND_PER_TOKEN per token, newest first), each candidate is compared key to key, and the
 * claim joins the cluster of its best same-proposition match (rule "same-proposition") or
 * opens one. Every candidate cluster it does not join is tested for a contradiction:
 * "denial" (opposite polarity, same proposition otherwise) or "quantity" (same predicate
 * and entities, quantities of one class that cannot both be true).
 * Deterministic: the same claims in the same order give the same clusters, which is what
 * lets the daemon rebuild its window from the state database after a restart.
 * Must not: log, do I/O, keep anything beyond the window. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster_int.h"

#define CAND_PER_TOKEN 64    /* candidates per token, newest first ... */
#define CAND_COMMON 16       /* ... and for a token most claims of the window have */
#define CMP_PER_CLUSTER 12   /* members of one candidate cluster compared, newest first */
#define TIME_PER_CLUSTER 8   /* members of each side looked at for a time conflict */
#define MAX_SOURCES 256      /* distinct sources kept per cluster */
#define MAX_LINKS 256        /* contradiction links kept per cluster (the newest) */
#define JOIN_MIN 0.42        /* same proposition: weighted token Jaccard, with bonuses */
#define DENY_MIN 0.40        /* denial: the same proposition with opposite polarity */
#define DENY_NOPRED_MIN 0.6 /* ... with no predicate to agree on: closer wording */
#define QTY_TOK_MIN 0.25     /* quantity contradiction: related wording as well */
#define QTY_ENT_MIN 0.5      /* ... and mostly the same entities */
#define QTY_NOENT_MIN 0.45   /* ... or, with no entities on a side, close wording */

struct clink {
	char other[24];          /* the other cluster */
	char *claim_id;          /* the claim that contradicts (in the other cluster) */
	char *source;
	char *prop;
	const char *rule;
	json_t *json;            /* as listed in updates (built once) */
};

struct cclust {
	char id[24];
	uint64_t version;
	uint64_t *mem;           /* claim seqs, oldest first (evicted ones are dropped) */
	size_t nmem, capmem;
	uint64_t total;          /* members ever */
	struct clink *links;
	size_t nlinks, caplinks;
	json_t *rep;             /* representative: proposition, predicate, entities, ... */
	char **srcs;             /* distinct sources, first seen first (at most MAX_SOURCES) */
	size_t nsrcs;
	uint32_t cand_gen;       /* scratch of clusterer_add: this cluster's candidate slot */
	size_t cand_idx;
	bool dead;
};

struct cmember {
	uint64_t seq;            /* 0: empty slot */
	int64_t at_ms;
	struct ckey key;
	char *claim_id, *source, *speaker, *stance, *published, *url;
	uint64_t origin;         /* hash of article id and sentence: two records of one sentence */
	json_t *json;            /* the member as listed in its cluster's updates (built once) */
	struct cclust *cl;
};

struct posting {
	uint32_t tok;            /* 0: empty */
	uint32_t n, cap;
	uint64_t *seq;
};

struct clusterer {
	struct cluster_opts o;
	struct cmember *ring;    /* o.max_claims slots, seq % max */
	uint64_t next_seq, oldest_seq;
	struct cclust **cl;
	size_t ncl, capcl, ndead;
	struct posting *ix;      /* open addressing on tok */
	size_t ixcap, ixn;
	uint64_t since_rebuild;
	/* candidate scratch, per ring slot */
	uint32_t *cgen;
	uint16_t *ccount;
	uint32_t gen;
	size_t *cands;
};

/* ---- small helpers ---- */

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static struct cmember *slot_of(const struct clusterer *c, uint64_t seq)
{
	if (seq < c->oldest_seq || seq >= c->next_seq)
		return NULL;
	struct cmember *m = &c->ring[seq % c->o.max_claims];
	return m->seq == seq ? m : NULL;
}

/* ---- the index ---- */

static struct posting *ix_find(struct clusterer *c, uint32_t tok, bool create)
{
	if (create && (c->ixn + 1) * 2 > c->ixcap) {
		size_t ncap = c->ixcap ? c->ixcap * 2 : 4096;
		struct posting *nix = calloc(ncap, sizeof(*nix));
		if (!nix)
			return NULL;
		for (size_t i = 0; i < c->ixcap; i++) {
			if (!c->ix[i].tok)
				continue;
			size_t h = c->ix[i].tok & (ncap - 1);
			while (nix[h].tok)
				h = (h + 1) & (ncap - 1);
			nix[h] = c->ix[i];
		}
		free(c->ix);
		c->ix = nix;
		c->ixcap = ncap;
	}
	if (!c->ixcap)
		return NULL;
	uint32_t t = tok ? tok : 1;
	size_t h = t & (c->ixcap - 1);
	while (c->ix[h].tok) {
		if (c->ix[h].tok == t)
			return &c->ix[h];
		h = (h + 1) & (c->ixcap - 1);
	}
	if (!create)
		return NULL;
	c->ix[h].tok = t;
	c->ixn++;
	return &c->ix[h];
}

static int ix_add(struct clusterer *c, uint32_t tok, uint64_t seq)
{
	struct posting *p = ix_find(c, tok, true);
	if (!p)
		return -ENOMEM;
	if (p->n > 0 && p->seq[0] < c->oldest_seq) {
		/* drop what left the window */
		uint32_t k = 0;
		while (k < p->n && p->seq[k] < c->oldest_seq)
			k++;
		memmove(p->seq, p->seq + k, (p->n - k) * sizeof(p->seq[0]));
		p->n -= k;
	}
	if (p->n == p->cap) {
		uint32_t ncap = p->cap ? p->cap * 2 : 4;
		uint64_t *ns = realloc(p->seq, ncap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		p->seq = ns;
		p->cap = ncap;
	}
	p->seq[p->n++] = seq;
	return 0;
}

static void ix_clear(struct clusterer *c)
{
	for (size_t i = 0; i < c->ixcap; i++)
		free(c->ix[i].seq);
	free(c->ix);
	c->ix = NULL;
	c->ixcap = c->ixn = 0;
}

/* Rebuilds the index from the window: tokens of claims that left it go away. */
static int ix_rebuild(struct clusterer *c)
{
	ix_clear(c);
	for (uint64_t s = c->oldest_seq; s < c->next_seq; s++) {
		struct cmember *m = slot_of(c, s);
		if (!m)
			continue;
		for (size_t i = 0; i < m->key.ntok; i++)
			if (ix_add(c, m->key.tok[i], s) < 0)
				return -ENOMEM;
	}
	c->since_rebuild = 0;
	return 0;
}

/* ---- clusters ---- */

static void link_free(struct clink *l)
{
	json_decref(l->json);
	free(l->claim_id);
	free(l->source);
	free(l->prop);
}

static void clust_free(struct cclust *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->nlinks; i++)
		link_free(&k->links[i]);
	for (size_t i = 0; i < k->nsrcs; i++)
		free(k->srcs[i]);
	free(k->srcs);
	free(k->links);
	free(k->mem);
	json_decref(k->rep);
	free(k);
}

static void member_clear(struct cmember *m)
{
	ckey_clear(&m->key);
	free(m->claim_id);
	free(m->source);
	free(m->speaker);
	free(m->stance);
	free(m->published);
	free(m->url);
	json_decref(m->json);
	memset(m, 0, sizeof(*m));
}

static void compact_clusters(struct clusterer *c)
{
	size_t k = 0;
	for (size_t i = 0; i < c->ncl; i++) {
		if (c->cl[i]->dead)
			clust_free(c->cl[i]);
		else
			c->cl[k++] = c->cl[i];
	}
	c->ncl = k;
	c->ndead = 0;
}

static void evict_oldest(struct clusterer *c)
{
	struct cmember *m = slot_of(c, c->oldest_seq);
	if (m) {
		struct cclust *k = m->cl;
		if (k) {
			/* members are oldest first: the evicted one is at the front */
			size_t j = 0;
			while (j < k->nmem && k->mem[j] != m->seq)
				j++;
			if (j < k->nmem) {
				memmove(k->mem + j, k->mem + j + 1, (k->nmem - j - 1) * sizeof(k->mem[0]));
				k->nmem--;
			}
			if (k->nmem == 0) {
				k->dead = true;
				c->ndead++;
			}
		}
		member_clear(m);
	}
	c->oldest_seq++;
}

static uint64_t fnv64(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static json_t *rep_of(const json_t *claim, const struct ckey *k)
{
	json_t *ents = json_array(), *qs = json_array(), *times = json_array();
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(claim, "entities"), i, e) {
		const char *text = jstr(e, "text"), *name = jstr(e, "name");
		if (!name)
			name = text;
		if (!text || !strcasestr(k->prop, text))
			continue;
		bool dup = false;
		for (size_t j = 0; j < json_array_size(ents); j++)
			dup |= !strcmp(json_string_value(json_array_get(ents, j)), name);
		if (!dup)
			json_array_append_new(ents, json_string(name));
	}
	json_array_foreach(json_object_get(claim, "quantities"), i, e) {
		const char *text = jstr(e, "text");
		if (text && strstr(k->prop, text))
			json_array_append(qs, (json_t *)e);
	}
	for (i = 0; i < k->ntime; i++)
		json_array_append_new(times, json_string(k->time[i]));
	return json_pack("{s:s,s:o?,s:o,s:o,s:o,s:b}", "proposition", k->prop, "predicate",
			 k->npred ? json_string(ckey_pred_name(k->pred[0])) : NULL, "entities", ents,
			 "quantities", qs, "time", times, "negated", k->neg);
}

static struct cclust *clust_new(struct clusterer *c, const json_t *claim, const struct ckey *k,
				const char *claim_id)
{
	if (c->ndead > 64 && c->ndead * 2 > c->ncl)
		compact_clusters(c);
	if (c->ncl == c->capcl) {
		size_t ncap = c->capcl ? c->capcl * 2 : 256;
		struct cclust **n = realloc(c->cl, ncap * sizeof(*n));
		if (!n)
			return NULL;
		c->cl = n;
		c->capcl = ncap;
	}
	struct cclust *cl = calloc(1, sizeof(*cl));
	if (!cl)
		return NULL;
	snprintf(cl->id, sizeof(cl->id), "%016llx", (unsigned long long)fnv64(claim_id));
	cl->rep = rep_of(claim, k);
	if (!cl->rep) {
		free(cl);
		return NULL;
	}
	c->cl[c->ncl++] = cl;
	return cl;
}

static int clust_add_source(struct cclust *k, const char *src)
{
	if (!src || k->nsrcs >= MAX_SOURCES)
		return 0;
	for (size_t i = 0; i < k->nsrcs; i++)
		if (!strcmp(k->srcs[i], src))
			return 0;
	if ((k->nsrcs & (k->nsrcs - 1)) == 0) { /* 0, 1, 2, 4, ...: grow to the next power */
		char **n = realloc(k->srcs, (k->nsrcs ? k->nsrcs * 2 : 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		k->srcs = n;
	}
	if (!(k->srcs[k->nsrcs] = strdup(src)))
		return -ENOMEM;
	k->nsrcs++;
	return 0;
}

static int clust_add_member(struct cclust *k, uint64_t seq)
{
	if (k->nmem == k->capmem) {
		size_t ncap = k->capmem ? k->capmem * 2 : 4;
		uint64_t *n = realloc(k->mem, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		k->mem = n;
		k->capmem = ncap;
	}
	k->mem[k->nmem++] = seq;
	k->total++;
	return 0;
}

static int clust_add_link(struct cclust *k, const char *other, const struct cmember *by,
			  const char *rule)
{
	/* one link per pair of clusters: the claim that first showed the contradiction */
	for (size_t i = 0; i < k->nlinks; i++)
		if (!strcmp(k->links[i].other, other))
			return 0;
	if (k->nlinks == MAX_LINKS) {
		link_free(&k->links[0]);
		memmove(k->links, k->links + 1, (k->nlinks - 1) * sizeof(k->links[0]));
		k->nlinks--;
	}
	if (k->nlinks == k->caplinks) {
		size_t ncap = k->caplinks ? k->caplinks * 2 : 4;
		struct clink *n = realloc(k->links, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		k->links = n;
		k->caplinks = ncap;
	}
	struct clink *l = &k->links[k->nlinks];
	memset(l, 0, sizeof(*l));
	snprintf(l->other, sizeof(l->other), "%s", other);
	l->claim_id = xstrdup(by->claim_id);
	l->source = xstrdup(by->source);
	l->prop = xstrdup(by->key.prop);
	l->rule = rule;
	if (!l->claim_id || !l->prop) {
		link_free(l);
		return -ENOMEM;
	}
	k->nlinks++;
	return 0;
}

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void iso_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The cluster's state as a claimd.cluster/1 body (no envelope). */
static json_t *clust_json(const struct clusterer *c, const struct cclust *k, const char *by,
			  const char *rule, double score, int64_t at_ms)
{
	json_t *members = json_array(), *sources = json_array(), *contra = json_array();
	if (!members || !sources || !contra)
		goto oom;
	/* distinct sources since the cluster opened (a source whose claims left the window
	 * still counts: it did say so) */
	size_t nsrc = k->nsrcs;
	for (size_t i = 0; i < k->nsrcs; i++)
		if (json_array_append_new(sources, json_string(k->srcs[i])) < 0)
			goto oom;
	size_t first = k->nmem > CLUSTER_MAX_LISTED ? k->nmem - CLUSTER_MAX_LISTED : 0;
	for (size_t i = first; i < k->nmem; i++) {
		const struct cmember *m = slot_of(c, k->mem[i]);
		if (!m)
			continue;
		if (!m->json && c->o.member_details)
			((struct cmember *)m)->json = json_pack(
				"{s:s,s:o,s:o,s:o,s:s,s:o,s:o}", "claim_id", m->claim_id, "source",
				jstr_or_null(m->source), "speaker", jstr_or_null(m->speaker), "stance",
				jstr_or_null(m->stance), "proposition", m->key.prop, "published",
				jstr_or_null(m->published), "url", jstr_or_null(m->url));
		else if (!m->json)
			((struct cmember *)m)->json = json_pack(
				"{s:s,s:o,s:o,s:o}", "claim_id", m->claim_id, "source",
				jstr_or_null(m->source), "speaker", jstr_or_null(m->speaker), "stance",
				jstr_or_null(m->stance));
		if (!m->json || json_array_append(members, m->json) < 0)
			goto oom;
	}
	size_t lfirst = k->nlinks > CLUSTER_MAX_LISTED ? k->nlinks - CLUSTER_MAX_LISTED : 0;
	for (size_t i = lfirst; i < k->nlinks; i++) {
		const struct clink *l = &k->links[i];
		struct clink *lw = (struct clink *)l;
		if (!lw->json)
			lw->json = json_pack("{s:s,s:s,s:o,s:s,s:s}", "cluster", l->other, "claim_id",
					     l->claim_id, "source", jstr_or_null(l->source),
					     "proposition", l->prop, "rule", l->rule);
		if (!lw->json || json_array_append(contra, lw->json) < 0)
			goto oom;
	}
	/* sources asserting: members that do not deny (a denial cluster counts its deniers) */
	char id[64], at[32];
	snprintf(id, sizeof(id), "%s.%llu", k->id, (unsigned long long)k->version);
	iso_time(at_ms, at, sizeof(at));
	json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:s,s:O,s:O,s:O,s:O,s:O,s:b,s:I,s:I,s:o,s:o,s:o,"
			      "s:{s:o,s:s,s:f}}",
			      "schema", "claimd.cluster/1", "id", id, "cluster", k->id, "version",
			      (json_int_t)k->version, "updated_at", at, "proposition",
			      json_object_get(k->rep, "proposition"), "predicate",
			      json_object_get(k->rep, "predicate"), "entities",
			      json_object_get(k->rep, "entities"), "quantities",
			      json_object_get(k->rep, "quantities"), "time",
			      json_object_get(k->rep, "time"), "negated",
			      json_is_true(json_object_get(k->rep, "negated")), "n_members",
			      (json_int_t)k->nmem, "n_sources", (json_int_t)nsrc, "sources", sources,
			      "members", members, "contradictions", contra, "change", "claim_id",
			      jstr_or_null(by), "rule", rule, "score", score);
	return o;
oom:
	json_decref(members);
	json_decref(sources);
	json_decref(contra);
	return NULL;
}

/* ---- public ---- */

int clusterer_new(const struct cluster_opts *o, struct clusterer **ret)
{
	struct clusterer *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->o.window_ms = o && o->window_ms > 0 ? o->window_ms : CLUSTER_DEFAULT_WINDOW_MS;
	c->o.max_claims = o && o->max_claims > 0 ? o->max_claims : CLUSTER_DEFAULT_MAX_CLAIMS;
	c->o.quiet_singletons = o && o->quiet_singletons;
	c->o.member_details = !o || o->member_details;
	c->ring = calloc(c->o.max_claims, sizeof(*c->ring));
	c->cgen = calloc(c->o.max_claims, sizeof(*c->cgen));
	c->ccount = calloc(c->o.max_claims, sizeof(*c->ccount));
	c->cands = calloc(c->o.max_claims, sizeof(*c->cands));
	if (!c->ring || !c->cgen || !c->ccount || !c->cands) {
		clusterer_free(c);
		return -ENOMEM;
	}
	c->next_seq = c->oldest_seq = 1;
	*ret = c;
	return 0;
}

struct clusterer *clusterer_free(struct clusterer *c)
{
	if (!c)
		return NULL;
	if (c->ring)
		for (uint64_t s = c->oldest_seq; s < c->next_seq; s++)
			member_clear(&c->ring[s % c->o.max_claims]);
	free(c->ring);
	for (size_t i = 0; i < c->ncl; i++)
		clust_free(c->cl[i]);
	free(c->cl);
	ix_clear(c);
	free(c->cgen);
	free(c->ccount);
	free(c->cands);
	free(c);
	return NULL;
}

size_t clusterer_claims(const struct clusterer *c)
{
	return (size_t)(c->next_seq - c->oldest_seq);
}

size_t clusterer_clusters(const struct clusterer *c)
{
	return c->ncl - c->ndead;
}

/* A candidate cluster: the best same-proposition score and the best contradiction. */
struct cand {
	struct cclust *cl;
	double join;             /* best score of a compatible member, -1 when none */
	const char *rule;        /* contradiction rule, or NULL */
	double cscore;
	const struct cmember *cby; /* the member it contradicts */
	bool tconflict;          /* a member's time is another: no contradiction with it */
	unsigned ncmp;           /* members compared */
};

/* Members of two clusters whose times are far apart: not the same event. */
static bool time_conflict(const struct clusterer *c, const struct cclust *a, const struct cclust *b)
{
	size_t a0 = a->nmem > TIME_PER_CLUSTER ? a->nmem - TIME_PER_CLUSTER : 0;
	size_t b0 = b->nmem > TIME_PER_CLUSTER ? b->nmem - TIME_PER_CLUSTER : 0;
	for (size_t i = a0; i < a->nmem; i++) {
		const struct cmember *x = slot_of(c, a->mem[i]);
		if (!x)
			continue;
		for (size_t j = b0; j < b->nmem; j++) {
			const struct cmember *y = slot_of(c, b->mem[j]);
			if (y && csim_time_or_published(&x->key, &y->key) == -1)
				return true;
		}
	}
	return false;
}

static void compare(const struct cmember *nm, const struct cmember *m, struct cand *cd)
{
	const struct ckey *k = &nm->key, *o = &m->key;
	/* the same sentence of one article, told twice (two speakers): never a contradiction */
	bool twin = nm->origin && nm->origin == m->origin;
	double j = csim_tokens(k, o);
	double e = csim_entities(k, o);
	int q = csim_quantities(k, o);
	int p = csim_predicates(k, o);
	int t = csim_time(k, o);
	size_t w = csim_shared_words(k, o);
	int tp = csim_time_or_published(k, o);
	if (tp == -1)
		cd->tconflict = true;
	/* both have a predicate: the main ones must agree (the same event) */
	bool pboth = k->npred && o->npred;
	bool pmain = pboth && k->pred[0] == o->pred[0];
	/* the same entities (the smaller set within the other), or none and close wording */
	bool ents = (k->nent && o->nent) ? csim_entities_overlap(k, o) >= QTY_ENT_MIN
					 : (j >= QTY_NOENT_MIN && w >= 1);
	/* the same predicate, or none on either side and the same counted things */
	bool preds = pmain || (!k->npred && !o->npred && w >= 2);
	bool qlink = !twin && q == -1 && preds && ents && tp != -1 && j >= QTY_TOK_MIN && w >= 1 &&
		     k->spec == o->spec;
	(void)e;
	if (k->neg == o->neg) {
		if (q != -1 && (!pboth || pmain) && !(t == -1 && j < 0.6)) {
			double s = j + (q == 1 ? 0.12 : 0) + (e >= 0.5 ? 0.05 : 0) + (pmain ? 0.05 : 0);
			if (s >= JOIN_MIN && s > cd->join)
				cd->join = s;
		}
		if (qlink && j > cd->cscore) {
			cd->rule = "quantity";
			cd->cscore = j;
			cd->cby = m;
		}
	} else if (qlink) {
		if (j > cd->cscore) {
			cd->rule = "quantity";
			cd->cscore = j;
			cd->cby = m;
		}
	} else if (!twin && j >= DENY_MIN && tp != -1 && w >= 1 &&
		   (!k->nent || !o->nent || csim_entities_overlap(k, o) >= QTY_ENT_MIN) &&
		   (p == 1 || (p == 0 && j >= DENY_NOPRED_MIN && csim_entities_all(k, o) > 0)) &&
		   j > cd->cscore) {
		cd->rule = "denial";
		cd->cscore = j;
		cd->cby = m;
	}
}

int clusterer_add(struct clusterer *c, const json_t *claim, int64_t at_ms, json_t **ret_updates)
{
	const char *claim_id = jstr(claim, "id");
	if (!claim_id || !jstr(claim, "sentence"))
		return -EINVAL;
	/* the window */
	while (c->oldest_seq < c->next_seq) {
		struct cmember *old = slot_of(c, c->oldest_seq);
		if (old && old->at_ms >= at_ms - c->o.window_ms &&
		    c->next_seq - c->oldest_seq < c->o.max_claims)
			break;
		evict_oldest(c);
	}
	if (c->since_rebuild > c->o.max_claims && ix_rebuild(c) < 0)
		return -ENOMEM;

	struct cmember nm = { 0 };
	int r = ckey_build(claim, &nm.key, NULL, NULL);
	if (r < 0)
		return r;
	const json_t *sp = json_object_get(claim, "speaker");
	const char *spk = sp ? jstr(sp, "name") : NULL;
	if (!spk && sp)
		spk = jstr(sp, "text");
	nm.claim_id = xstrdup(claim_id);
	nm.source = xstrdup(jstr(claim, "source"));
	nm.speaker = xstrdup(spk);
	nm.stance = xstrdup(jstr(claim, "stance"));
	nm.published = xstrdup(jstr(claim, "published"));
	nm.url = xstrdup(jstr(claim, "url"));
	{
		const char *aid = jstr(claim, "article_id");
		nm.origin = aid ? fnv64(aid) * 31 + fnv64(jstr(claim, "sentence")) : 0;
	}
	nm.at_ms = at_ms;

	/* candidates: claims sharing a token, newest first per token */
	size_t ncand = 0;
	if (++c->gen == 0) {
		memset(c->cgen, 0, c->o.max_claims * sizeof(*c->cgen));
		c->gen = 1;
	}
	for (size_t i = 0; i < nm.key.ntok; i++) {
		struct posting *p = ix_find(c, nm.key.tok[i], false);
		if (!p)
			continue;
		uint32_t take = p->n > 8 * CAND_PER_TOKEN ? CAND_COMMON : CAND_PER_TOKEN;
		uint32_t lim = p->n > take ? p->n - take : 0;
		for (uint32_t j = p->n; j > lim; j--) {
			uint64_t s = p->seq[j - 1];
			if (s < c->oldest_seq)
				break;
			size_t slot = s % c->o.max_claims;
			if (c->cgen[slot] != c->gen) {
				c->cgen[slot] = c->gen;
				c->ccount[slot] = 0;
				c->cands[ncand++] = slot;
			}
			c->ccount[slot]++;
		}
	}
	/* compare, per cluster */
	struct cand *cd = NULL;
	size_t ncd = 0;
	if (ncand) {
		cd = calloc(ncand, sizeof(*cd));
		if (!cd) {
			member_clear(&nm);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < ncand; i++) {
		const struct cmember *m = &c->ring[c->cands[i]];
		if (!m->seq || !m->cl || c->ccount[c->cands[i]] < 2)
			continue;
		struct cclust *mc = m->cl;
		if (mc->cand_gen != c->gen) {
			mc->cand_gen = c->gen;
			mc->cand_idx = ncd;
			cd[ncd].cl = mc;
			cd[ncd].join = -1;
			ncd++;
		}
		struct cand *x = &cd[mc->cand_idx];
		if (x->ncmp++ < CMP_PER_CLUSTER)
			compare(&nm, m, x);
	}
	struct cand *best = NULL;
	for (size_t i = 0; i < ncd; i++)
		if (cd[i].join >= 0 && (!best || cd[i].join > best->join))
			best = &cd[i];

	/* place the claim */
	uint64_t seq = c->next_seq;
	struct cclust *home = best ? best->cl : clust_new(c, claim, &nm.key, claim_id);
	json_t *ups = json_array();
	size_t nsrc_before = home ? home->nsrcs : 0;
	if (!home || !ups || clust_add_member(home, seq) < 0 ||
	    clust_add_source(home, nm.source) < 0) {
		free(cd);
		json_decref(ups);
		member_clear(&nm);
		return -ENOMEM;
	}
	nm.seq = seq;
	nm.cl = home;
	struct cmember *slot = &c->ring[seq % c->o.max_claims];
	member_clear(slot);
	*slot = nm;
	c->next_seq++;
	c->since_rebuild++;
	for (size_t i = 0; i < slot->key.ntok; i++)
		if (ix_add(c, slot->key.tok[i], seq) < 0) {
			free(cd);
			json_decref(ups);
			return -ENOMEM;
		}
	home->version++;

	/* contradictions with the other candidate clusters */
	json_t *others = json_array();
	for (size_t i = 0; i < ncd; i++) {
		struct cand *x = &cd[i];
		if (x->cl == home || !x->rule || x->tconflict || time_conflict(c, home, x->cl))
			continue;
		size_t had = x->cl->nlinks;
		if (clust_add_link(home, x->cl->id, x->cby, x->rule) < 0 ||
		    clust_add_link(x->cl, home->id, slot, x->rule) < 0 || x->cl->nlinks == had)
			continue; /* known already (or no memory): nothing changed there */
		x->cl->version++;
		json_array_append_new(others, clust_json(c, x->cl, claim_id, x->rule, x->cscore, at_ms));
	}
	/* quiet: a cluster is news when it has a second source, or a contradiction */
	bool news = best ? home->nsrcs > nsrc_before && home->nsrcs >= 2 : false;
	if (!c->o.quiet_singletons || news || json_array_size(others) > 0)
		json_array_append_new(ups, clust_json(c, home, claim_id,
						      best ? "same-proposition" : "new",
						      best ? best->join : 0, at_ms));
	json_array_extend(ups, others);
	json_decref(others);
	free(cd);
	*ret_updates = ups;
	return 0;
}

json_t *clusterer_dump(const struct clusterer *c)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->ncl; i++) {
		const struct cclust *k = c->cl[i];
		if (k->dead)
			continue;
		const struct cmember *last = k->nmem ? slot_of(c, k->mem[k->nmem - 1]) : NULL;
		json_array_append_new(a, clust_json(c, k, last ? last->claim_id : NULL, "state", 0,
						    last ? last->at_ms : 0));
	}
	return a;
}
