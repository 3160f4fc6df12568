/* shard.h — which sources an instance owns when `shard = K/N`: the sources whose stable
 * hash of the name modulo N is K (as Prometheus' hashmod), so N instances given the same
 * sources split them without talking to each other. Pure: no I/O, no logging. */
#ifndef CLAIMD_SHARD_H
#define CLAIMD_SHARD_H
#include <stdbool.h>
#include <stdint.h>

#define SHARD_MAX 4096

struct cfg;

/* Parses "K/N" (decimal, 0 <= K < N <= SHARD_MAX). Returns 0 or -EINVAL. */
int shard_parse(const char *s, unsigned *ret_k, unsigned *ret_n);
/* The stable hash of a source name: FNV-1a 64 of its bytes (the same on every machine and
 * every version). */
uint64_t shard_hash(const char *name);
/* True when cfg has no shard or name's hash modulo N is K. */
bool shard_owns(const struct cfg *c, const char *name);

#endif
