/*
 * zonefile_fuzz.c -- libFuzzer target: the zone and trust anchor checks
 * (src/zonefile.c: our TTL scanner, then ldns record by record) on any
 * bytes, through a memfd read back by its /proc/self/fd path.
 * An accepted zone has an origin; a refusal always says why.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zonefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	char origin[256], abspath[4096], err[1024];

	if (size > 64 * 1024)
		return 0;
	if (fd < 0) {
		if ((fd = memfd_create("zone", 0)) < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	err[0] = '\0';
	if (fr_zonefile_probe(path, origin, sizeof(origin), abspath,
	    sizeof(abspath), err, sizeof(err)) == 0)
		assert(origin[0] != '\0');
	else
		assert(err[0] != '\0');
	err[0] = '\0';
	if (fr_trust_anchor_check(path, err, sizeof(err)) != 0)
		assert(err[0] != '\0');
	return 0;
}
