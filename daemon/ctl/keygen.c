/* keygen.c — claimctl keygen: a new CURVE key pair for claimd or one of its clients.
 * Takes: an output path prefix PATH (default "curve"), --force to overwrite.
 * Gives: PATH.key (the secret key, Z85, mode 0600) and PATH.pub (the public key, Z85, mode
 *        0644), each one line of 40 characters; the public key is also printed.
 * Must not: leave a secret key readable by others, not even for a moment (the file is
 *        created 0600 with O_EXCL unless --force), or overwrite a file unasked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "claimd/ctl.h"

static int write_key(const char *path, const char *z85, mode_t mode, int force)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL);
	int fd = open(path, flags, mode);
	if (fd < 0) {
		fprintf(stderr, "claimctl keygen: %s: %s%s\n", path, strerror(errno),
			errno == EEXIST ? " (--force overwrites)" : "");
		return -1;
	}
	char line[42];
	snprintf(line, sizeof(line), "%s\n", z85);
	/* an existing file kept its mode: set ours */
	if (fchmod(fd, mode) < 0 || write(fd, line, 41) != 41 || fsync(fd) < 0) {
		fprintf(stderr, "claimctl keygen: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return close(fd) < 0 ? -1 : 0;
}

int ctl_keygen(int argc, char **argv)
{
	const char *prefix = "curve";
	int force = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = 1;
		else if (argv[i][0] == '-' || i + 1 < argc - force) {
			fprintf(stderr, "usage: claimctl keygen [--force] [PATH]\n");
			return 2;
		} else
			prefix = argv[i];
	}
	char pub[41], sec[41];
	if (zmq_curve_keypair(pub, sec) < 0) {
		fprintf(stderr, "claimctl keygen: %s\n", zmq_strerror(errno));
		return 1;
	}
	char pk[4096], sk[4096];
	if (snprintf(sk, sizeof(sk), "%s.key", prefix) >= (int)sizeof(sk) ||
	    snprintf(pk, sizeof(pk), "%s.pub", prefix) >= (int)sizeof(pk)) {
		fprintf(stderr, "claimctl keygen: path too long\n");
		return 2;
	}
	if (write_key(sk, sec, 0600, force) < 0)
		return 1;
	memset(sec, 0, sizeof(sec));
	if (write_key(pk, pub, 0644, force) < 0)
		return 1;
	printf("%s\n", pub);
	return 0;
}
