/* claims.h — rule-based claim extraction: sentences, attribution, stance, hedges,
 * quantities, entities, time, check-worthiness. Pure: text in, JSON out; the lexicons
 * are loaded once (claims_new) and shared read-only. No logging. */
#ifndef CLAIMD_CLAIMS_H
#define CLAIMD_CLAIMS_H
#include <stddef.h>
#include <jansson.h>

struct claims_ctx;

/* Loads lexicons from dir (cue verbs, hedges, denials, gazetteer...). On failure returns
 * -errno and writes a reason to err. */
int claims_new(const char *lexicon_dir, struct claims_ctx **ret, char *err, size_t errlen);
struct claims_ctx *claims_free(struct claims_ctx *c);

/* Claims are read from the first CLAIMS_TEXT_MAX bytes of a text (1 MiB, five times the
 * longest news article): the bound on the time one article takes in this stage (0.4 s
 * here, for text built to be slow); the caller logs when an article is longer. */
#define CLAIMS_TEXT_MAX (1u << 20)

/* text: clean plain text (boilerplate already removed), paragraphs separated by blank
 * lines. published: ISO 8601 date-time of the article or NULL. Returns 0 and a new JSON
 * array of claim objects with: sentence, speaker ({text,type,name} or null), cue, stance,
 * hedges, quantities, entities, time, score. The caller adds id, article_id, source, url,
 * published (on the claim objects themselves). Values below a claim object (strings, the
 * speaker and entity objects, the score) may be shared between the claims of one call and
 * with later calls: treat them as read-only. */
int claims_extract(const struct claims_ctx *c, const char *text, const char *published,
		   json_t **ret);

/* What one call could not analyse fully: sentences whose rules needed part-of-speech tags
 * that the tagger could not give (no model in the lexicon directory, or it failed on the
 * sentence); those sentences ran on the word lists alone. The caller may log it once per
 * article (at debug level). */
struct claims_stats {
	size_t untagged;
};
/* claims_extract() that also fills *ret_stats (may be NULL) on success. */
int claims_extract_ex(const struct claims_ctx *c, const char *text, const char *published, json_t **ret,
		      struct claims_stats *ret_stats);

/* Claims scoring below min_score (0..1, default CLAIMS_DEFAULT_MIN_SCORE) are dropped;
 * 0 keeps every statement (for inspecting the scores). */
#define CLAIMS_DEFAULT_MIN_SCORE 0.45
void claims_set_min_score(struct claims_ctx *c, double min_score);

/* Default lexicon directory for tools: $CLAIMD_LEXICON_DIR, else the compiled default. */
const char *claims_default_lexicon_dir(void);

#endif
