/* checkconf.h — what claimd would refuse at start, checked without starting it (for
 * `claimd --check-config` and `claimctl check`), and where the lexicons are found.
 * No logging here: errors are appended to a struct cfg_errors as "file:line: message". */
#ifndef CLAIMD_CHECKCONF_H
#define CLAIMD_CHECKCONF_H
#include <stddef.h>

#include "claimd/config.h"

/* Checks a loaded configuration against the system: a non-loopback endpoint without CURVE,
 * CURVE key files that cannot be read or are not keys, a client keys directory that cannot
 * be read, lexicons that do not load, a state directory that cannot be created or written.
 * Appends one message per problem to errs (file:line of the key that set it, or the main
 * file and "(default ...)"). Returns the number of problems found (0: claimd would start,
 * as far as can be known without binding). */
int checkconf_run(const struct cfg *c, struct cfg_errors *errs);

/* The lexicon directory claimd uses: lexicon_dir when it holds the lexicons; when it is
 * the built-in default and does not, the first of <bindir>/../share/claimd/lexicon (an
 * installed claimd), <bindir>/conf/lexicon and <bindir>/../conf/lexicon (a source tree)
 * that does. Writes it into buf and returns buf (lexicon_dir itself when none does). */
const char *checkconf_lexicon_dir(const struct cfg *c, char *buf, size_t len);

#endif
