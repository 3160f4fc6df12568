/* jsonw.h — compact JSON text of a jansson value, the same bytes as
 * json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(6)) but several times faster: one
 * growing buffer, runs of plain bytes copied at once. Pure; no logging. */
#ifndef CLAIMD_JSONW_H
#define CLAIMD_JSONW_H
#include <stddef.h>
#include <jansson.h>

/* A new NUL-terminated string (its length in *ret_len when not NULL), or NULL on ENOMEM
 * or a value nested deeper than 2048. */
char *jw_dump(const json_t *v, size_t *ret_len);

#endif
