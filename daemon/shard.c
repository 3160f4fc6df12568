/* shard.c — `shard = K/N`: an instance owns the sources whose FNV-1a 64 hash of the name
 * modulo N is K.
 *
 * Takes: a source name, the parsed configuration. Gives: yes or no.
 * Must not: depend on anything but the name's bytes (N instances on different machines and
 *        versions must agree), log, or allocate. */
#include "claimd/shard.h"

#include <errno.h>
#include <stddef.h>

#include "claimd/config.h"

static int parse_uint(const char *s, const char **end, unsigned *ret)
{
	unsigned long v = 0;
	const char *p = s;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > SHARD_MAX)
			return -EINVAL;
		p++;
	}
	if (p == s)
		return -EINVAL;
	*end = p;
	*ret = (unsigned)v;
	return 0;
}

int shard_parse(const char *s, unsigned *ret_k, unsigned *ret_n)
{
	unsigned k, n;
	const char *p;
	if (!s || parse_uint(s, &p, &k) < 0 || *p != '/' || parse_uint(p + 1, &p, &n) < 0 || *p ||
	    n == 0 || k >= n)
		return -EINVAL;
	*ret_k = k;
	*ret_n = n;
	return 0;
}

uint64_t shard_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

bool shard_owns(const struct cfg *c, const char *name)
{
	if (!c || c->shard_n == 0)
		return true;
	return shard_hash(name) % c->shard_n == c->shard_k;
}
