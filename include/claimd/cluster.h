/* cluster.h — claims across sources: claim keys and an incremental clusterer.
 *
 * A claim key survives rewording across outlets: the proposition (the sentence without its
 * attribution), the canonical entities and the quantities named in it, its resolved time,
 * its predicate (a small verb class: kill, send, deny, sentence, raise, fall, ...), its
 * polarity, and a MinHash signature of its content words. The clusterer keeps a window of
 * recent claims (by age and count), assigns each new claim to the cluster of the same
 * proposition or opens one, and links contradictions between clusters (a denial of the same
 * proposition, or the same predicate and entities with a different quantity), each with the
 * rule that decided it.
 *
 * Pure: JSON claims in (claimd.claim/1 objects), JSON cluster states out, the time passed in.
 * No I/O, no logging. Not thread-safe; one clusterer per stream. */
#ifndef CLAIMD_CLUSTER_H
#define CLAIMD_CLUSTER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define CLUSTER_DEFAULT_WINDOW_MS (72LL * 3600 * 1000)
#define CLUSTER_DEFAULT_MAX_CLAIMS 50000
#define CLUSTER_MINHASH 32          /* signature slots */
#define CLUSTER_MAX_LISTED 16       /* members and contradictions listed in one update */

/* The claim's proposition: the sentence without its attribution ("more than 600 Ukrainian
 * servicemen were killed" from "More than 600 Ukrainian servicemen were killed, the
 * ministry said."). speaker and cue are the claim's (either may be NULL). Returns a new
 * string (the sentence itself, trimmed, when no attribution is found), or NULL on ENOMEM. */
char *cluster_proposition(const char *sentence, const char *speaker, const char *cue);

/* The claim's key as JSON: {proposition, predicate (a class name or null), predicates,
 * entities (canonical names, sorted), quantities ([{value, unit, qualifier}]), time
 * (resolved values), negated, words (content words, stemmed), signature (hex MinHash)}.
 * claim is a claimd.claim/1 object (sentence, speaker, cue, stance, quantities, entities,
 * time); a `proposition` already in it is used as is. Returns NULL on ENOMEM. */
json_t *cluster_key_json(const json_t *claim);

/* The predicate class of one word ("killed" -> "kill", "rose" -> "raise"), or NULL. */
const char *cluster_verb_class(const char *word);

struct clusterer;

struct cluster_opts {
	int64_t window_ms;      /* claims older than this (by at_ms) leave the window */
	size_t max_claims;      /* at most this many claims in the window */
	bool quiet_singletons;  /* the daemon's setting: an update only when a cluster gains a
				 * source (its first update: a second source) or a contradiction;
				 * a claim alone, or one more from a source the cluster has, says
				 * nothing a claim/ subscriber does not know (n_members shows it
				 * at the next update) */
	bool member_details;    /* members listed with their proposition, published date and
				 * url too (claimctl cluster); else claim_id, source, speaker and
				 * stance, which keeps the daemon's updates small */
};

int clusterer_new(const struct cluster_opts *o, struct clusterer **ret);
struct clusterer *clusterer_free(struct clusterer *c);

/* Assigns one claim. claim: a claimd.claim/1 object with at least id, source, sentence,
 * stance (borrowed; not modified). at_ms: the claim's time in the stream (arrival), never
 * less than the previous call's. Returns 0 and *ret_updates, a new JSON array of the
 * claimd.cluster/1 states that changed (the claim's own cluster first, then each cluster it
 * contradicts; with quiet_singletons possibly none), without the envelope fields (gseq, epoch, emitted_at); or -errno
 * (-EINVAL: no id or sentence). */
int clusterer_add(struct clusterer *c, const json_t *claim, int64_t at_ms, json_t **ret_updates);

/* The current state of every cluster in the window, oldest first (a new JSON array). */
json_t *clusterer_dump(const struct clusterer *c);

/* Claims and clusters in the window. */
size_t clusterer_claims(const struct clusterer *c);
size_t clusterer_clusters(const struct clusterer *c);

#endif
