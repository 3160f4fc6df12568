/* fuzz_config.c — libFuzzer target for the configuration parser (cfg_load): the input is
 * the main file's text, written to a memfd and loaded through /proc/self/fd, so includes
 * and drop-in globs resolve against a path that does not exist. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"
#include "claimd/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	int fd = memfd_create("fuzz.conf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct cfg *c = NULL;
	struct cfg_errors errs = { 0 };
	if (cfg_load(path, &c, &errs) == 0)
		cfg_free(c);
	cfg_errors_clear(&errs);
	close(fd);
	return 0;
}
