/* cluster/key.c — a claim's key: what survives rewording across outlets.
 *
 * Takes: a claimd.claim/1 object (sentence, speaker, cue, stance, quantities, entities,
 * time, as the extractor gives them).
 * Gives: the proposition (the sentence without its attribution), its content words
 * (lower case, lightly stemmed, stop words and reporting words removed), the canonical
 * entities and the quantities named in the proposition (not in the attribution), the
 * resolved time, the predicate (a small verb class), the polarity and a MinHash signature;
 * and the comparisons between two keys that the clusterer decides with.
 * Must not: log, allocate more than the proposition string per key. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster_int.h"

uint32_t ck_hash(const char *s, size_t n, unsigned kind)
{
	uint32_t h = 2166136261u ^ kind;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)tolower((unsigned char)s[i]);
		h *= 16777619u;
	}
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return (h & 0x3fffffffu) | ((uint32_t)kind << 30);
}

/* ---- verb classes ---- */

/* In rank order: the first class found in a proposition is its predicate. Event classes
 * come before the movements of a figure (raise, fall), so "the death toll rose" is kill. */
static const char *const pred_names[] = {
	"kill", "injure", "arrest", "appeal", "sentence", "charge", "steal", "release", "attack",
	"send", "evacuate", "resign", "acquire", "fine", "approve", "ban", "elect", "close", "sue",
	"recall", "deny", "raise", "fall",
};
enum { NPRED = sizeof(pred_names) / sizeof(pred_names[0]) };

static const struct { const char *w; int8_t cls; } verb_forms[] = {
	/* kill */
	{ "kill", 0 }, { "kills", 0 }, { "killed", 0 }, { "killing", 0 }, { "killings", 0 },
	{ "dead", 0 }, { "die", 0 }, { "died", 0 }, { "dies", 0 }, { "dying", 0 },
	{ "death", 0 }, { "deaths", 0 }, { "fatalities", 0 }, { "fatality", 0 },
	{ "casualties", 0 }, { "perished", 0 }, { "slain", 0 }, { "toll", 0 }, { "lives", 0 },
	{ "bodies", 0 }, { "fatal", 0 }, { "fatally", 0 },
	/* injure */
	{ "injure", 1 }, { "injured", 1 }, { "injures", 1 }, { "injuring", 1 }, { "injury", 1 },
	{ "injuries", 1 }, { "wounded", 1 }, { "wounding", 1 }, { "wounds", 1 }, { "hurt", 1 },
	{ "hospitalised", 1 }, { "hospitalized", 1 },
	/* arrest */
	{ "arrest", 2 }, { "arrested", 2 }, { "arrests", 2 }, { "arresting", 2 },
	{ "detained", 2 }, { "detain", 2 }, { "detention", 2 }, { "apprehended", 2 },
	{ "custody", 2 },
	/* appeal */
	{ "appeal", 3 }, { "appealed", 3 }, { "appeals", 3 }, { "appealing", 3 },
	/* sentence */
	{ "sentenced", 4 }, { "sentence", 4 }, { "sentences", 4 }, { "sentencing", 4 },
	{ "jailed", 4 }, { "jail", 4 }, { "imprisoned", 4 }, { "imprisonment", 4 },
	{ "convicted", 4 }, { "conviction", 4 }, { "guilty", 4 }, { "prison", 4 },
	/* charge */
	{ "charged", 5 }, { "indicted", 5 }, { "indictment", 5 }, { "prosecuted", 5 },
	/* steal */
	{ "stole", 6 }, { "stolen", 6 }, { "steal", 6 }, { "stealing", 6 }, { "embezzled", 6 },
	{ "embezzling", 6 }, { "embezzlement", 6 }, { "misappropriated", 6 },
	{ "misappropriating", 6 }, { "looted", 6 }, { "looting", 6 }, { "siphoned", 6 },
	/* release */
	{ "released", 7 }, { "freed", 7 }, { "release", 7 }, { "freeing", 7 }, { "swap", 7 },
	{ "swapped", 7 }, { "exchanged", 7 }, { "exchange", 7 },
	/* attack */
	{ "attacked", 8 }, { "attack", 8 }, { "attacks", 8 }, { "struck", 8 }, { "strike", 8 },
	{ "strikes", 8 }, { "shelled", 8 }, { "shelling", 8 }, { "bombed", 8 }, { "bombing", 8 },
	{ "raid", 8 }, { "raided", 8 }, { "airstrike", 8 }, { "airstrikes", 8 }, { "hit", 8 },
	{ "stormed", 8 }, { "ambushed", 8 }, { "ambush", 8 }, { "explosion", 8 }, { "blast", 8 },
	/* send */
	{ "sent", 9 }, { "send", 9 }, { "sends", 9 }, { "sending", 9 }, { "shipped", 9 },
	{ "ship", 9 }, { "shipping", 9 }, { "supplied", 9 }, { "supply", 9 }, { "supplying", 9 },
	{ "delivered", 9 }, { "deliver", 9 }, { "delivery", 9 }, { "deliveries", 9 },
	{ "transferred", 9 }, { "provided", 9 }, { "donated", 9 }, { "exported", 9 },
	/* evacuate */
	{ "evacuated", 10 }, { "evacuate", 10 }, { "evacuation", 10 }, { "evacuations", 10 },
	{ "displaced", 10 }, { "fled", 10 }, { "homeless", 10 },
	/* resign */
	{ "resigned", 11 }, { "resign", 11 }, { "resigns", 11 }, { "resignation", 11 },
	{ "quit", 11 }, { "quits", 11 }, { "stepped", 11 }, { "step", 11 },
	/* acquire */
	{ "acquire", 12 }, { "acquired", 12 }, { "acquires", 12 }, { "acquisition", 12 },
	{ "buy", 12 }, { "bought", 12 }, { "buying", 12 }, { "purchase", 12 },
	{ "purchased", 12 }, { "takeover", 12 }, { "merger", 12 }, { "merge", 12 },
	/* fine */
	{ "fined", 13 }, { "fine", 13 }, { "fines", 13 }, { "penalty", 13 }, { "penalised", 13 },
	{ "penalized", 13 },
	/* approve */
	{ "approved", 14 }, { "approve", 14 }, { "approves", 14 }, { "approval", 14 },
	{ "ratified", 14 }, { "passed", 14 }, { "adopted", 14 }, { "authorised", 14 },
	{ "authorized", 14 },
	/* ban */
	{ "banned", 15 }, { "ban", 15 }, { "bans", 15 }, { "prohibited", 15 },
	{ "suspended", 15 }, { "halted", 15 },
	/* elect */
	{ "elected", 16 }, { "won", 16 }, { "win", 16 }, { "wins", 16 }, { "victory", 16 },
	{ "election", 16 },
	/* close */
	{ "closed", 17 }, { "shut", 17 }, { "shutdown", 17 }, { "closure", 17 },
	/* sue */
	{ "sued", 18 }, { "sue", 18 }, { "sues", 18 }, { "lawsuit", 18 },
	/* recall */
	{ "recalled", 19 }, { "recall", 19 }, { "recalls", 19 },
	/* deny */
	{ "denied", 20 }, { "deny", 20 }, { "denies", 20 }, { "rejected", 20 }, { "refuted", 20 },
	/* raise */
	{ "raised", 21 }, { "raise", 21 }, { "raises", 21 }, { "raising", 21 }, { "rose", 21 },
	{ "rise", 21 }, { "rises", 21 }, { "risen", 21 }, { "rising", 21 }, { "increased", 21 },
	{ "increase", 21 }, { "increases", 21 }, { "hiked", 21 }, { "hike", 21 },
	{ "climbed", 21 }, { "jumped", 21 }, { "surged", 21 }, { "soared", 21 }, { "grew", 21 },
	{ "gained", 21 }, { "boosted", 21 }, { "higher", 21 },
	/* fall */
	{ "fell", 22 }, { "fall", 22 }, { "falls", 22 }, { "fallen", 22 }, { "falling", 22 },
	{ "dropped", 22 }, { "drop", 22 }, { "declined", 22 }, { "decline", 22 }, { "cut", 22 },
	{ "cuts", 22 }, { "lowered", 22 }, { "slumped", 22 }, { "plunged", 22 },
	{ "decreased", 22 }, { "decrease", 22 }, { "shrank", 22 }, { "contracted", 22 },
	{ "slashed", 22 }, { "reduced", 22 }, { "lower", 22 },
};

const char *ckey_pred_name(int cls)
{
	return cls >= 0 && cls < NPRED ? pred_names[cls] : NULL;
}

static size_t stem(const char *w, size_t n, char *out, size_t cap);

#define NFORMS (sizeof(verb_forms) / sizeof(verb_forms[0]))
#define VBUCKETS 2048u /* power of two, well above 2 * NFORMS */

/* Two open-addressing tables of form indexes + 1: by the form, and by its stem. */
static uint16_t by_form[VBUCKETS], by_stem[VBUCKETS];
static char form_stems[NFORMS][24];
static bool verb_ready;

static uint32_t vhash(const char *w, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)tolower((unsigned char)w[i]);
		h *= 16777619u;
	}
	return h;
}

static void vput(uint16_t *t, const char *w, size_t i)
{
	uint32_t h = vhash(w, strlen(w)) & (VBUCKETS - 1);
	while (t[h])
		h = (h + 1) & (VBUCKETS - 1);
	t[h] = (uint16_t)(i + 1);
}

static void verb_init(void)
{
	for (size_t i = 0; i < NFORMS; i++) {
		stem(verb_forms[i].w, strlen(verb_forms[i].w), form_stems[i], sizeof(form_stems[i]));
		vput(by_form, verb_forms[i].w, i);
		vput(by_stem, form_stems[i], i);
	}
	verb_ready = true;
}

/* Exact forms first, then the stem ("recalling" meets "recall"). */
static int verb_class_n(const char *w, size_t n)
{
	if (!verb_ready)
		verb_init();
	for (uint32_t h = vhash(w, n) & (VBUCKETS - 1); by_form[h]; h = (h + 1) & (VBUCKETS - 1)) {
		size_t i = by_form[h] - 1u;
		if (strlen(verb_forms[i].w) == n && !strncasecmp(verb_forms[i].w, w, n))
			return verb_forms[i].cls;
	}
	if (n < 5 || n > 22)
		return -1;
	char st[24];
	size_t sl = stem(w, n, st, sizeof(st));
	for (uint32_t h = vhash(st, sl) & (VBUCKETS - 1); by_stem[h]; h = (h + 1) & (VBUCKETS - 1)) {
		size_t i = by_stem[h] - 1u;
		if (!strcmp(form_stems[i], st))
			return verb_forms[i].cls;
	}
	return -1;
}

const char *cluster_verb_class(const char *word)
{
	return word ? ckey_pred_name(verb_class_n(word, strlen(word))) : NULL;
}

static bool day_range(const char *v, int64_t *lo, int64_t *hi);

/* ---- stop words: function words, reporting words, hedges, magnitude and time words ---- */

static const char *const stop_words[] = {
	"a", "about", "above", "across", "after", "again", "against", "ago", "all", "almost",
	"along", "also", "although", "am", "among", "an", "and", "another", "any", "are", "around",
	"as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but",
	"by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "either",
	"else", "even", "ever", "every", "few", "fewer", "for", "from", "further", "had", "has",
	"have", "having", "he", "her", "here", "hers", "him", "his", "how", "however", "i", "if",
	"in", "into", "is", "it", "its", "itself", "just", "least", "less", "like", "made",
	"make", "many", "may", "me", "might", "more", "most", "much", "must", "my", "near",
	"nearly", "neither", "no", "nor", "not", "now", "of", "off", "on", "once", "one", "only",
	"or", "other", "our", "out", "over", "own", "per", "rather", "same", "several", "she",
	"should", "since", "so", "some", "such", "than", "that", "the", "their", "them", "then",
	"there", "these", "they", "this", "those", "though", "through", "to", "too", "under",
	"until", "up", "upon", "us", "very", "was", "we", "were", "what", "when", "where",
	"whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "within",
	"without", "would", "yet", "you", "your", "never", "none", "nobody", "t", "s", "d", "ll",
	"re", "ve", "don", "didn", "doesn", "wasn", "weren", "isn", "aren", "hasn", "haven",
	"hadn", "won't", "wouldn", "couldn", "shouldn",
	/* reporting words and hedges */
	"said", "says", "say", "saying", "told", "tell", "according", "claimed", "claims",
	"claim", "reported", "reports", "report", "reportedly", "allegedly", "alleged",
	"stated", "statement", "added", "adding", "announced", "confirmed", "confirm",
	"insisted", "noted", "possible", "possibly", "apparently", "believed", "suspected",
	"likely", "expected", "officials", "official", "sources", "source", "spokesman",
	"spokeswoman", "spokesperson", "news", "agency", "press", "conference", "briefing",
	"described", "citing", "cited", "quoted", "earlier", "later", "latest", "new",
	"approximately", "roughly", "estimated", "estimate", "total", "altogether", "least",
	"some", "exactly", "just", "upwards", "excess",
	/* magnitudes (the value is in the quantity) */
	"hundred", "hundreds", "thousand", "thousands", "million", "millions", "billion",
	"billions", "trillion", "dozen", "dozens", "lakh", "crore", "percent", "cent",
	"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
	"twelve", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
	/* time words (the time is in the key's time) */
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
	"yesterday", "tomorrow", "tonight", "morning", "afternoon", "evening", "night",
	"week", "weeks", "month", "months", "year", "years", "day", "days", "last", "next",
	"january", "february", "march", "april", "june", "july", "august", "september",
	"october", "november", "december", "weekend", "overnight", "recent", "recently",
};

static int stop_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char **stop_sorted;
static size_t stop_n;

static void stop_init(void)
{
	static const char *buf[sizeof(stop_words) / sizeof(stop_words[0])];
	if (stop_sorted)
		return;
	stop_n = sizeof(stop_words) / sizeof(stop_words[0]);
	memcpy(buf, stop_words, sizeof(buf));
	qsort(buf, stop_n, sizeof(buf[0]), stop_cmp);
	stop_sorted = buf;
}

static bool is_stop(const char *w)
{
	const char *key = w;
	stop_init();
	return bsearch(&key, stop_sorted, stop_n, sizeof(stop_sorted[0]), stop_cmp) != NULL;
}

/* ---- words ---- */

struct word {
	size_t off, len;
	bool used;      /* part of an entity already */
};

#define MAX_WORDS 160

/* Width of a UTF-8 punctuation sequence at s (quotes, dashes, ellipsis), else 0. */
static size_t upunct(const unsigned char *s)
{
	if (s[0] == 0xe2 && s[1] == 0x80 && s[2] >= 0x90 && s[2] <= 0xa6)
		return 3;
	if (s[0] == 0xc2 && (s[1] == 0xa0 || s[1] == 0xab || s[1] == 0xbb || s[1] == 0xad))
		return 2;
	return 0;
}

static size_t split_words(const char *s, struct word *w, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, i = 0;
	while (p[i] && n < max) {
		size_t u = 0;
		while (p[i] && (u = upunct(p + i)) == 0 && !(isalnum(p[i]) || p[i] >= 0x80))
			i++;
		if (u) {
			i += u;
			continue;
		}
		if (!p[i])
			break;
		size_t st = i;
		while (p[i] && upunct(p + i) == 0 &&
		       (isalnum(p[i]) || p[i] >= 0x80 ||
			((p[i] == '.' || p[i] == ',') && isdigit(p[i + 1]) && i > st && isdigit(p[i - 1]))))
			i++;
		w[n].off = st;
		w[n].len = i - st;
		w[n].used = false;
		n++;
	}
	return n;
}

/* Light stemming into out (lower case): plurals, -ed, -ing, a final e. */
static size_t stem(const char *w, size_t n, char *out, size_t cap)
{
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)w[i]);
	out[n] = 0;
	if (n > 4 && !strcmp(out + n - 3, "ies")) {
		n -= 3;
		out[n++] = 'y';
	} else if (n > 4 && (!strcmp(out + n - 4, "sses") || !strcmp(out + n - 4, "ches") ||
			     !strcmp(out + n - 4, "shes") || !strcmp(out + n - 3, "xes"))) {
		n -= 2;
	} else if (n > 3 && out[n - 1] == 's' && out[n - 2] != 's' && out[n - 2] != 'u' &&
		   out[n - 2] != 'i') {
		n -= 1;
	}
	out[n] = 0;
	if (n > 5 && !strcmp(out + n - 3, "ing"))
		n -= 3;
	else if (n > 4 && !strcmp(out + n - 2, "ed"))
		n -= 2;
	out[n] = 0;
	if (n > 3 && out[n - 1] == out[n - 2] && !strchr("aeiouls", out[n - 1]))
		n--;
	if (n > 4 && out[n - 1] == 'e')
		n--;
	out[n] = 0;
	return n;
}

/* Synonyms that outlets swap freely, folded to one word (after stemming). */
static const char *const synonyms[][2] = {
	{ "troop", "soldier" }, { "servicemen", "soldier" }, { "serviceman", "soldier" },
	{ "servicemember", "soldier" }, { "fighter", "soldier" }, { "militant", "soldier" },
	{ "firm", "company" }, { "group", "company" }, { "person", "people" },
	{ "resident", "people" }, { "civilian", "people" }, { "individual", "people" },
	{ "quak", "earthquak" }, { "tremor", "earthquak" }, { "vote", "ballot" },
	{ "lawmaker", "parliament" }, { "legislator", "parliament" }, { "mp", "parliament" },
	{ "town", "city" }, { "village", "city" }, { "rate", "rate" }, { "pct", "percent" },
	{ "kid", "child" }, { "children", "child" }, { "men", "man" }, { "women", "woman" },
	{ "vehicl", "car" }, { "automobil", "car" }, { "boss", "chief" }, { "head", "chief" },
	{ "worker", "employe" }, { "staff", "employe" }, { "job", "employe" },
};

static const char *synonym(const char *w)
{
	for (size_t i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++)
		if (!strcmp(synonyms[i][0], w))
			return synonyms[i][1];
	return w;
}

/* ---- the proposition ---- */

/* Case-insensitive search of needle in hay; the occurrence nearest to near (an offset) when
 * near >= 0, else the first. */
static const char *find_ci(const char *hay, const char *needle, long near)
{
	size_t n = strlen(needle);
	const char *best = NULL;
	if (n == 0)
		return NULL;
	for (const char *p = hay; (p = strcasestr(p, needle)); p++) {
		/* whole words only */
		bool lb = p == hay || !isalnum((unsigned char)p[-1]);
		bool rb = !isalnum((unsigned char)p[n]);
		if (!lb || !rb)
			continue;
		if (near < 0)
			return p;
		if (!best || labs((long)(p - hay) - near) < labs((long)(best - hay) - near))
			best = p;
	}
	return best;
}

static size_t count_words(const char *s, size_t n)
{
	size_t c = 0;
	bool in = false;
	for (size_t i = 0; i < n; i++) {
		bool a = isalnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80;
		if (a && !in)
			c++;
		in = a;
	}
	return c;
}

static bool is_trim(const unsigned char *s, size_t *w)
{
	size_t u = upunct(s);
	if (u) {
		*w = u;
		return true;
	}
	*w = 1;
	return *s && (isspace(*s) || strchr(",.;:\"'-()!?", *s));
}

/* Trims spaces, quotes and punctuation at both ends of [s, s+n): new start and length. */
static void trim(const char **s, size_t *n)
{
	size_t w;
	while (*n > 0 && is_trim((const unsigned char *)*s, &w) && w <= *n) {
		*s += w;
		*n -= w;
	}
	while (*n > 0) {
		const unsigned char *e = (const unsigned char *)*s + *n;
		if (*n >= 3 && upunct(e - 3) == 3) {
			*n -= 3;
		} else if (*n >= 2 && upunct(e - 2) == 2) {
			*n -= 2;
		} else if (isspace(e[-1]) || strchr(",.;:\"'-(!?", e[-1])) {
			(*n)--;
		} else {
			break;
		}
	}
}

static bool starts_word(const char *s, size_t n, const char *w)
{
	size_t l = strlen(w);
	return n > l && !strncasecmp(s, w, l) && !isalnum((unsigned char)s[l]);
}

/* Drops a leading "that", "on Monday that", "claims that", "reports that"... */
static void strip_lead(const char **s, size_t *n)
{
	static const char *const heads[] = { "claims", "reports", "allegations", "suggestions",
					     "accusations", "rumours", "rumors", "speculation" };
	trim(s, n);
	/* "that" within the first five words */
	const char *p = *s;
	size_t words = 0;
	for (size_t i = 0; i < *n && words < 6; i++) {
		if ((i == 0 || !isalnum((unsigned char)p[i - 1])) && isalnum((unsigned char)p[i])) {
			words++;
			if (starts_word(p + i, *n - i, "that")) {
				*s = p + i + 4;
				*n -= i + 4;
				break;
			}
		}
	}
	trim(s, n);
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		if (starts_word(*s, *n, heads[i])) {
			size_t l = strlen(heads[i]);
			*s += l;
			*n -= l;
			trim(s, n);
			if (starts_word(*s, *n, "that")) {
				*s += 4;
				*n -= 4;
			}
			trim(s, n);
			break;
		}
}

/* "..., the agency" / "..., he" at the end of what precedes a cue: the speaker as a short
 * nominal after the last comma. */
static void strip_tail_nominal(const char *s, size_t *n)
{
	for (size_t i = *n; i > 0; i--) {
		if (s[i - 1] == ',') {
			if (count_words(s + i, *n - i) <= 5 && i > 1)
				*n = i - 1;
			return;
		}
		if (s[i - 1] == '"' || (i >= 3 && upunct((const unsigned char *)s + i - 3) == 3))
			return;
	}
}

char *cluster_proposition(const char *sentence, const char *speaker, const char *cue)
{
	if (!sentence)
		return NULL;
	const char *s = sentence;
	size_t len = strlen(s);
	const char *cp = cue && *cue ? find_ci(s, cue, -1) : NULL;
	long near = cp ? (long)(cp - s) : -1;
	const char *sp = speaker && *speaker ? find_ci(s, speaker, near) : NULL;
	if (sp && !cp && cue && *cue)
		cp = find_ci(s, cue, (long)(sp - s));
	else if (sp && cp)
		cp = find_ci(s, cue, (long)(sp - s));
	const char *out = s;
	size_t n = len;
	if (cp || sp) {
		size_t a0 = len, a1 = 0;
		if (cp) {
			a0 = (size_t)(cp - s);
			a1 = a0 + strlen(cue);
		}
		if (sp) {
			size_t b0 = (size_t)(sp - s), b1 = b0 + strlen(speaker);
			/* speaker and cue together only when they are close */
			if (!cp || (b1 <= a0 && count_words(s + b1, a0 - b1) <= 12) ||
			    (b0 >= a1 && count_words(s + a1, b0 - a1) <= 4)) {
				if (b0 < a0)
					a0 = b0;
				if (b1 > a1)
					a1 = b1;
			}
		}
		const char *bs = s, *as = s + a1;
		size_t bn = a0, an = len - a1;
		if (!sp)
			strip_tail_nominal(bs, &bn);
		trim(&bs, &bn);
		strip_lead(&as, &an);
		/* "According to a lawmaker who attended the briefing, P": the relative clause
		 * belongs to the speaker */
		if (starts_word(as, an, "who") || starts_word(as, an, "which") ||
		    starts_word(as, an, "whose")) {
			const char *comma = memchr(as, ',', an);
			if (comma) {
				an -= (size_t)(comma + 1 - as);
				as = comma + 1;
				trim(&as, &an);
			}
		}
		size_t bw = count_words(bs, bn), aw = count_words(as, an);
		if (bw <= 2 && aw >= 2) {
			out = as;
			n = an;
		} else if (bw >= 3) {
			out = bs;
			n = bn;
		} else if (aw >= 1) {
			out = as;
			n = an;
		}
	}
	trim(&out, &n);
	if (n == 0) {
		out = s;
		n = len;
		trim(&out, &n);
	}
	return strndup(out, n);
}

/* ---- quantities ---- */

static void qty_interval(struct cqty *q, const char *qual, double vmax)
{
	double v = q->value;
	q->lo = v * 0.98;
	q->hi = v * 1.02;
	if (vmax > v) {
		q->lo = v;
		q->hi = vmax;
		return;
	}
	if (!qual)
		return;
	static const char *const up[] = { "more than", "over", "at least", "above", "upwards of",
					  "in excess of", "more", "over a", "at least a", "plus",
					  "nearly", "almost", "close to", "just under", "up to" };
	static const char *const vague[] = { "dozens", "hundreds", "thousands", "millions",
					     "tens of thousands", "scores" };
	for (size_t i = 0; i < sizeof(vague) / sizeof(vague[0]); i++)
		if (!strcasecmp(qual, vague[i])) {
			q->lo = v;
			q->hi = v * 10;
			return;
		}
	if (!strcasecmp(qual, "less than") || !strcasecmp(qual, "under") ||
	    !strcasecmp(qual, "fewer than") || !strcasecmp(qual, "below") ||
	    !strcasecmp(qual, "at most") || !strcasecmp(qual, "up to")) {
		q->lo = v * 0.6;
		q->hi = v;
		return;
	}
	if (!strcasecmp(qual, "nearly") || !strcasecmp(qual, "almost") ||
	    !strcasecmp(qual, "just under") || !strcasecmp(qual, "close to")) {
		q->lo = v * 0.85;
		q->hi = v;
		return;
	}
	for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++)
		if (!strcasecmp(qual, up[i])) {
			q->lo = v;
			q->hi = v * 1.6;
			return;
		}
	/* about, around, some, roughly, an estimated, ... */
	q->lo = v * 0.85;
	q->hi = v * 1.15;
}

static uint8_t qty_class(const char *unit, uint32_t *ret_unit)
{
	*ret_unit = 0;
	if (!unit)
		return QC_COUNT;
	if (!strcasecmp(unit, "percent") || !strcasecmp(unit, "percentage points"))
		return QC_PERCENT;
	size_t n = strlen(unit);
	if (n == 3 && isupper((unsigned char)unit[0]) && isupper((unsigned char)unit[1]) &&
	    isupper((unsigned char)unit[2])) {
		*ret_unit = ck_hash(unit, n, 0);
		return QC_MONEY;
	}
	static const char *const dur[] = { "year", "month", "week", "day", "hour", "minute" };
	static const char *const meas[] = { "km", "kilomet", "mile", "metre", "meter", "kg",
					    "kilogram", "tonne", "ton", "barrel", "litre", "liter",
					    "gallon", "hectare", "acre", "mm", "cm", "degree",
					    "magnitude", "basis point", "mph", "km/h", "mw", "gw" };
	char first[32];
	size_t fl = strcspn(unit, " ");
	if (fl >= sizeof(first))
		fl = sizeof(first) - 1;
	char st[32];
	memcpy(first, unit, fl);
	first[fl] = 0;
	stem(first, fl, st, sizeof(st));
	for (size_t i = 0; i < sizeof(dur) / sizeof(dur[0]); i++)
		if (!strcmp(st, dur[i])) {
			*ret_unit = ck_hash(st, strlen(st), 0);
			return QC_DURATION;
		}
	for (size_t i = 0; i < sizeof(meas) / sizeof(meas[0]); i++)
		if (!strncasecmp(unit, meas[i], strlen(meas[i]))) {
			*ret_unit = ck_hash(meas[i], strlen(meas[i]), 0);
			return QC_MEASURE;
		}
	return QC_COUNT;
}

/* ---- the key ---- */

static int u32cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static size_t uniq(uint32_t *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(v[0]), u32cmp);
	size_t k = 1;
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[k - 1])
			v[k++] = v[i];
	return k;
}

static void add_tok(struct ckey *k, uint32_t h)
{
	if (k->ntok < CK_MAX_TOK)
		k->tok[k->ntok++] = h;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool is_negator(const char *w, size_t n)
{
	static const char *const neg[] = { "not", "no", "never", "none", "nobody", "neither",
					   "nor", "nothing", "zero" };
	for (size_t i = 0; i < sizeof(neg) / sizeof(neg[0]); i++)
		if (strlen(neg[i]) == n && !strncasecmp(w, neg[i], n))
			return true;
	return false;
}

static bool is_subordinator(const char *w, size_t n)
{
	static const char *const sub[] = { "if", "unless", "whether", "because", "although",
					   "though", "until", "lest", "otherwise" };
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
		if (strlen(sub[i]) == n && !strncasecmp(w, sub[i], n))
			return true;
	return false;
}

/* The counted noun of a count's unit ("Armenian soldiers" -> soldier), folded with the
 * synonyms; 0 for generic nouns (people, casualties, deaths) that any count may have. */
static uint32_t count_noun(const char *unit)
{
	if (!unit || !*unit)
		return 0;
	const char *last = strrchr(unit, ' ');
	last = last ? last + 1 : unit;
	size_t n = strlen(last);
	if (verb_class_n(last, n) >= 0)
		return 0;
	char st[48];
	stem(last, n, st, sizeof(st));
	const char *sy = synonym(st);
	if (!strcmp(sy, "people") || !strcmp(sy, "peopl") || !strcmp(sy, "victim") || !sy[0])
		return 0;
	return ck_hash(sy, strlen(sy), 0);
}

void ckey_clear(struct ckey *k)
{
	if (!k)
		return;
	free(k->prop);
	memset(k, 0, sizeof(*k));
}

int ckey_build(const json_t *claim, struct ckey *k, json_t *words_out, json_t *ents_out)
{
	memset(k, 0, sizeof(*k));
	const char *sentence = jstr(claim, "sentence");
	if (!sentence)
		return -EINVAL;
	const char *given = jstr(claim, "proposition");
	if (given) {
		k->prop = strdup(given);
	} else {
		const json_t *sp = json_object_get(claim, "speaker");
		k->prop = cluster_proposition(sentence, sp ? jstr(sp, "text") : NULL, jstr(claim, "cue"));
	}
	if (!k->prop)
		return -ENOMEM;
	const char *p = k->prop;
	const char *stance = jstr(claim, "stance");
	k->deny = stance && !strcmp(stance, "deny");
	k->neg = k->deny;
	k->spec = stance && !strcmp(stance, "speculate");

	struct word w[MAX_WORDS];
	size_t nw = split_words(p, w, MAX_WORDS);

	/* entities named in the proposition: their words are consumed */
	size_t i;
	const json_t *e;
	struct { size_t a0, a1; uint32_t h; } span[CK_MAX_ENT];
	size_t nspan = 0;
	json_array_foreach(json_object_get(claim, "entities"), i, e) {
		const char *text = jstr(e, "text"), *name = jstr(e, "name");
		if (!name)
			name = text;
		if (!text || !name)
			continue;
		uint32_t h = ck_hash(name, strlen(name), TK_ENT);
		bool dup_all = false;
		for (size_t j = 0; j < k->nent_all; j++)
			dup_all |= k->ent_all[j] == h;
		if (!dup_all && k->nent_all < CK_MAX_ENT)
			k->ent_all[k->nent_all++] = h;
		const char *at = find_ci(p, text, -1);
		if (!at)
			continue;
		size_t a0 = (size_t)(at - p), a1 = a0 + strlen(text);
		for (size_t j = 0; j < nw; j++)
			if (w[j].off >= a0 && w[j].off < a1)
				w[j].used = true;
		if (nspan < CK_MAX_ENT) {
			span[nspan].a0 = a0;
			span[nspan].a1 = a1;
			span[nspan].h = h;
			nspan++;
		}
		bool dup = false;
		for (size_t j = 0; j < k->nent; j++)
			dup |= k->ent[j] == h;
		if (dup || k->nent >= CK_MAX_ENT)
			continue;
		k->ent[k->nent++] = h;
		add_tok(k, h);
		if (ents_out)
			json_array_append_new(ents_out, json_string(name));
	}
	k->nent = uniq(k->ent, k->nent);
	k->nent_all = uniq(k->ent_all, k->nent_all);

	/* quantities named in the proposition */
	json_array_foreach(json_object_get(claim, "quantities"), i, e) {
		const char *text = jstr(e, "text");
		json_t *v = json_object_get(e, "value");
		const char *at = text ? strstr(p, text) : NULL;
		if (!at || !json_is_number(v) || k->nq >= CK_MAX_QTY)
			continue;
		struct cqty *q = &k->q[k->nq++];
		q->value = json_number_value(v);
		json_t *vm = json_object_get(e, "value_max");
		qty_interval(q, jstr(e, "qualifier"), json_is_number(vm) ? json_number_value(vm) : 0);
		q->cls = qty_class(jstr(e, "unit"), &q->unit);
		if (q->cls == QC_COUNT)
			q->unit = count_noun(jstr(e, "unit"));
		size_t q0 = (size_t)(at - p), q1 = q0 + strlen(text);
		for (size_t j = 0; j < nspan; j++)
			if (span[j].a0 >= q0 && span[j].a1 <= q1)
				q->scope = span[j].h;
		char num[48];
		double r = q->value;
		if (r != 0) { /* two significant digits: "1.2 million" and "1,213,000" meet */
			double m = pow(10, floor(log10(fabs(r))) - 1);
			r = round(r / m) * m;
		}
		int nn = snprintf(num, sizeof(num), "%u:%.6g", q->cls, r);
		add_tok(k, ck_hash(num, (size_t)nn, TK_QTY));
	}

	/* words: negators, verb classes, content words */
	bool zero = false, sub = false;
	uint32_t zunit = 0, zscope = 0;
	for (size_t j = 0; j < nw; j++) {
		const char *s = p + w[j].off;
		size_t n = w[j].len;
		/* a negation in a condition or a subordinate clause does not negate the claim */
		if (is_subordinator(s, n))
			sub = true;
		if (is_negator(s, n)) {
			if (!sub)
				k->neg = true;
			if (!sub && (!strncasecmp(s, "no", n) || !strncasecmp(s, "nobody", n) ||
				     !strncasecmp(s, "none", n) || !strncasecmp(s, "zero", n))) {
				zero = true;
				/* "no Azerbaijani soldiers": the entity and the noun after it */
				size_t a = w[j].off + n + 1;
				for (size_t m = 0; m < nspan; m++)
					if (span[m].a0 == a)
						zscope = span[m].h;
				for (size_t m = j + 1; m < nw && m < j + 4; m++)
					if (!w[m].used) {
						char nb[48];
						size_t l = w[m].len < sizeof(nb) - 1 ? w[m].len : sizeof(nb) - 1;
						memcpy(nb, p + w[m].off, l);
						nb[l] = 0;
						zunit = count_noun(nb);
						break;
					}
			}
			continue;
		}
		/* n't: "didn't" splits into "didn" and "t" */
		if (n == 1 && (s[0] == 't' || s[0] == 'T') && j > 0 && w[j - 1].len > 1 &&
		    tolower((unsigned char)p[w[j - 1].off + w[j - 1].len - 1]) == 'n' &&
		    w[j].off == w[j - 1].off + w[j - 1].len + 1) {
			if (!sub)
				k->neg = true;
			continue;
		}
		if (w[j].used)
			continue;
		int vc = verb_class_n(s, n);
		if (vc >= 0) {
			bool have = false;
			for (size_t m = 0; m < k->npred; m++)
				have |= k->pred[m] == vc;
			if (!have && k->npred < CK_MAX_PRED)
				k->pred[k->npred++] = (int8_t)vc;
			const char *pn = pred_names[vc];
			add_tok(k, ck_hash(pn, strlen(pn), TK_PRED));
			if (words_out) {
				char b[40];
				snprintf(b, sizeof(b), "~%s", pn);
				json_array_append_new(words_out, json_string(b));
			}
			continue;
		}
		if (isdigit((unsigned char)s[0]))
			continue;
		char st[48];
		size_t sl = stem(s, n, st, sizeof(st));
		if (sl < 2)
			continue;
		char low[48];
		size_t ll = n < sizeof(low) - 1 ? n : sizeof(low) - 1;
		for (size_t m = 0; m < ll; m++)
			low[m] = (char)tolower((unsigned char)s[m]);
		low[ll] = 0;
		if (is_stop(low) || is_stop(st))
			continue;
		const char *sy = synonym(st);
		add_tok(k, ck_hash(sy, strlen(sy), TK_WORD));
		k->nwords++;
		if (words_out)
			json_array_append_new(words_out, json_string(sy));
	}
	/* "no casualties", "nobody was killed": a count of zero */
	if (zero && k->npred > 0 && k->nq < CK_MAX_QTY) {
		bool count = false;
		for (size_t m = 0; m < k->nq; m++)
			count |= k->q[m].cls == QC_COUNT;
		if (!count) {
			struct cqty *q = &k->q[k->nq++];
			memset(q, 0, sizeof(*q));
			q->cls = QC_COUNT;
			q->synthetic = true;
			q->unit = zunit;
			q->scope = zscope;
		}
	}
	/* ranks: the first class in table order is the predicate */
	for (size_t a = 1; a < k->npred; a++)
		for (size_t b = a; b > 0 && k->pred[b] < k->pred[b - 1]; b--) {
			int8_t t = k->pred[b];
			k->pred[b] = k->pred[b - 1];
			k->pred[b - 1] = t;
		}

	json_array_foreach(json_object_get(claim, "time"), i, e) {
		const char *v = jstr(e, "value");
		if (v && k->ntime < CK_MAX_TIME && strlen(v) < sizeof(k->time[0]))
			strcpy(k->time[k->ntime++], v);
	}

	for (size_t m = 0; m < k->ntime; m++) {
		int64_t lo, hi;
		if (day_range(k->time[m], &lo, &hi)) {
			k->tlo[m] = (int32_t)lo;
			k->thi[m] = (int32_t)hi;
		} else {
			k->tlo[m] = 1;
			k->thi[m] = 0;
		}
	}
	k->plo = -1;
	const char *pub = jstr(claim, "published");
	if (pub && strlen(pub) >= 10 && pub[4] == '-' && pub[7] == '-') {
		int64_t lo, hi;
		memcpy(k->pubday, pub, 10);
		k->pubday[10] = 0;
		if (day_range(k->pubday, &lo, &hi))
			k->plo = (int32_t)lo;
	}

	k->ntok = uniq(k->tok, k->ntok);
	for (size_t m = 0; m < CLUSTER_MINHASH; m++) {
		uint32_t best = UINT32_MAX;
		for (size_t j = 0; j < k->ntok; j++) {
			uint32_t h = (uint32_t)mix64(((uint64_t)m << 32) ^ k->tok[j]);
			if (h < best)
				best = h;
		}
		k->mh[m] = best;
	}
	return 0;
}

/* ---- comparisons ---- */

static double tok_weight(uint32_t h)
{
	switch (TK_KIND(h)) {
	case TK_ENT: return 1.5;
	case TK_PRED: return 1.5;
	case TK_QTY: return 1.0;
	default: return 1.0;
	}
}

double csim_tokens(const struct ckey *a, const struct ckey *b)
{
	double inter = 0, uni = 0;
	size_t i = 0, j = 0;
	while (i < a->ntok || j < b->ntok) {
		if (j >= b->ntok || (i < a->ntok && a->tok[i] < b->tok[j])) {
			uni += tok_weight(a->tok[i++]);
		} else if (i >= a->ntok || b->tok[j] < a->tok[i]) {
			uni += tok_weight(b->tok[j++]);
		} else {
			double wt = tok_weight(a->tok[i]);
			inter += wt;
			uni += wt;
			i++;
			j++;
		}
	}
	return uni > 0 ? inter / uni : 0;
}

double csim_entities(const struct ckey *a, const struct ckey *b)
{
	if (!a->nent || !b->nent)
		return 0;
	size_t i = 0, j = 0, inter = 0;
	while (i < a->nent && j < b->nent) {
		if (a->ent[i] < b->ent[j])
			i++;
		else if (b->ent[j] < a->ent[i])
			j++;
		else {
			inter++;
			i++;
			j++;
		}
	}
	return (double)inter / (double)(a->nent + b->nent - inter);
}

double csim_entities_all(const struct ckey *a, const struct ckey *b)
{
	if (!a->nent_all || !b->nent_all)
		return 0;
	size_t i = 0, j = 0, inter = 0;
	while (i < a->nent_all && j < b->nent_all) {
		if (a->ent_all[i] < b->ent_all[j])
			i++;
		else if (b->ent_all[j] < a->ent_all[i])
			j++;
		else {
			inter++;
			i++;
			j++;
		}
	}
	return (double)inter / (double)(a->nent_all + b->nent_all - inter);
}

double csim_entities_overlap(const struct ckey *a, const struct ckey *b)
{
	if (!a->nent || !b->nent)
		return 0;
	double j = csim_entities(a, b);
	/* from the Jaccard: shared = j (na + nb) / (1 + j) */
	double shared = j * (double)(a->nent + b->nent) / (1 + j);
	return shared / (double)(a->nent < b->nent ? a->nent : b->nent);
}

size_t csim_shared_words(const struct ckey *a, const struct ckey *b)
{
	size_t i = 0, j = 0, n = 0;
	while (i < a->ntok && j < b->ntok) {
		if (a->tok[i] < b->tok[j])
			i++;
		else if (b->tok[j] < a->tok[i])
			j++;
		else {
			n += TK_KIND(a->tok[i]) == TK_WORD;
			i++;
			j++;
		}
	}
	return n;
}

double csim_minhash(const struct ckey *a, const struct ckey *b)
{
	unsigned same = 0;
	for (size_t m = 0; m < CLUSTER_MINHASH; m++)
		same += a->mh[m] == b->mh[m];
	return (double)same / CLUSTER_MINHASH;
}

static bool unit_same(const struct cqty *x, const struct cqty *y)
{
	if (x->cls != y->cls)
		return false;
	if (x->scope && y->scope && x->scope != y->scope)
		return false; /* "three Armenian soldiers", "no Azerbaijani soldiers" */
	if (x->cls == QC_PERCENT)
		return true;
	if (x->cls == QC_COUNT)
		return !x->unit || !y->unit || x->unit == y->unit;
	return x->unit == y->unit;
}

int csim_quantities(const struct ckey *a, const struct ckey *b)
{
	bool shared = false, agree = false;
	for (size_t i = 0; i < a->nq; i++)
		for (size_t j = 0; j < b->nq; j++) {
			const struct cqty *x = &a->q[i], *y = &b->q[j];
			if (!unit_same(x, y))
				continue;
			shared = true;
			if (x->lo <= y->hi && y->lo <= x->hi)
				agree = true;
		}
	return agree ? 1 : shared ? -1 : 0;
}

int csim_predicates(const struct ckey *a, const struct ckey *b)
{
	if (!a->npred || !b->npred)
		return 0;
	for (size_t i = 0; i < a->npred; i++)
		for (size_t j = 0; j < b->npred; j++)
			if (a->pred[i] == b->pred[j])
				return 1;
	return -1;
}

/* A resolved time ("2026", "2026-03", "2026-03-14", "2026-03-14T10:00:00Z", a range
 * "2026-03-10/2026-03-14") as a range of days; false when it does not read as one. */
static bool day_range(const char *v, int64_t *lo, int64_t *hi)
{
	int y = 0, m = 0, d = 0;
	int n = sscanf(v, "%4d-%2d-%2d", &y, &m, &d);
	if (n < 1 || y < 1000)
		return false;
	if (n == 1) {
		*lo = y * 372LL;
		*hi = *lo + 371;
	} else if (n == 2) {
		*lo = y * 372LL + (m - 1) * 31LL;
		*hi = *lo + 30;
	} else {
		*lo = *hi = y * 372LL + (m - 1) * 31LL + (d - 1);
	}
	const char *slash = strchr(v, '/');
	if (slash) {
		int64_t l2, h2;
		if (day_range(slash + 1, &l2, &h2) && h2 > *hi)
			*hi = h2;
	}
	return true;
}

#define TIME_SLACK_DAYS 3   /* "Friday night" in one outlet, "Saturday" in the next */

static int time_cmp(const int32_t *alo, const int32_t *ahi, size_t na, const int32_t *blo,
		    const int32_t *bhi, size_t nb)
{
	bool any = false;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++) {
			if (alo[i] > ahi[i] || blo[j] > bhi[j])
				continue;
			any = true;
			if (alo[i] <= bhi[j] + TIME_SLACK_DAYS && blo[j] <= ahi[i] + TIME_SLACK_DAYS)
				return 1;
		}
	return any ? -1 : 0;
}

int csim_time(const struct ckey *a, const struct ckey *b)
{
	if (!a->ntime || !b->ntime)
		return 0;
	return time_cmp(a->tlo, a->thi, a->ntime, b->tlo, b->thi, b->ntime);
}

int csim_time_or_published(const struct ckey *a, const struct ckey *b)
{
	const int32_t *alo = a->tlo, *ahi = a->thi, *blo = b->tlo, *bhi = b->thi;
	size_t na = a->ntime, nb = b->ntime;
	if (!na && a->plo >= 0) {
		alo = ahi = &a->plo;
		na = 1;
	}
	if (!nb && b->plo >= 0) {
		blo = bhi = &b->plo;
		nb = 1;
	}
	if (!na || !nb)
		return 0;
	return time_cmp(alo, ahi, na, blo, bhi, nb);
}

json_t *cluster_key_json(const json_t *claim)
{
	struct ckey k;
	json_t *words = json_array(), *ents = json_array();
	json_t *o = NULL;
	if (!words || !ents || ckey_build(claim, &k, words, ents) < 0)
		goto out;
	json_t *preds = json_array(), *qs = json_array(), *times = json_array();
	for (size_t i = 0; i < k.npred; i++)
		json_array_append_new(preds, json_string(pred_names[k.pred[i]]));
	for (size_t i = 0; i < k.nq; i++) {
		static const char *const cls[] = { "count", "percent", "money", "duration", "measure" };
		json_array_append_new(qs, json_pack("{s:f,s:f,s:f,s:s,s:b}", "value", k.q[i].value,
						    "low", k.q[i].lo, "high", k.q[i].hi, "class",
						    cls[k.q[i].cls], "negation", k.q[i].synthetic));
	}
	for (size_t i = 0; i < k.ntime; i++)
		json_array_append_new(times, json_string(k.time[i]));
	char sig[CLUSTER_MINHASH * 8 + 1];
	for (size_t i = 0; i < CLUSTER_MINHASH; i++)
		snprintf(sig + 8 * i, 9, "%08x", k.mh[i]);
	/* sorted entity names */
	json_t *sorted = json_array();
	while (json_array_size(ents) > 0) {
		size_t best = 0;
		for (size_t i = 1; i < json_array_size(ents); i++)
			if (strcmp(json_string_value(json_array_get(ents, i)),
				   json_string_value(json_array_get(ents, best))) < 0)
				best = i;
		json_array_append(sorted, json_array_get(ents, best));
		json_array_remove(ents, best);
	}
	o = json_pack("{s:s,s:o?,s:o,s:o,s:o,s:o,s:b,s:O,s:s}", "proposition", k.prop, "predicate",
		      k.npred ? json_string(pred_names[k.pred[0]]) : NULL, "predicates", preds,
		      "entities", sorted, "quantities", qs, "time", times, "negated", k.neg, "words",
		      words, "signature", sig);
	ckey_clear(&k);
out:
	json_decref(words);
	json_decref(ents);
	return o;
}
