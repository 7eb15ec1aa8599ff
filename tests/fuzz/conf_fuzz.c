/*
 * conf_fuzz.c -- libFuzzer target: fr_config_read() on any bytes.
 *
 * The bytes go to a memfd, read back through its /proc/self/fd path, so
 * that the whole reader runs (the regular-file check, the bounded line
 * reader, every value parser and cross-check) with no disk I/O.  What
 * the parser accepts, fr_config_print() writes out, and that text must
 * be accepted again: the printer and the parser agree.  Certificates
 * are not loaded (no FR_CONFIG_LOAD_TLS): OpenSSL is not the target.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned nreports;

static void
report(void *arg, const char *msg)
{
	(void)arg;
	/* Every report is one line of text. */
	assert(strchr(msg, '\n') == NULL);
	nreports++;
}

static int
fill(int fd, const void *data, size_t size)
{
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) !=
	    (ssize_t)size)
		return -1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1, fd2 = -1;
	static char path[64], path2[64];
	struct fr_config *cfg, *again;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (size > 64 * 1024)
		return 0;
	if (fd < 0) {
		if ((fd = memfd_create("conf", 0)) < 0 ||
		    (fd2 = memfd_create("printed", 0)) < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		snprintf(path2, sizeof(path2), "/proc/self/fd/%d", fd2);
	}
	if (fill(fd, data, size) != 0)
		abort();
	nreports = 0;
	cfg = fr_config_read(path, 0, report, NULL);
	if (cfg == NULL) {
		/* A refusal always says why. */
		assert(nreports > 0);
		return 0;
	}
	assert(nreports == 0);
	if ((out = open_memstream(&text, &len)) == NULL)
		abort();
	fr_config_print(out, cfg);
	fclose(out);
	fr_config_free(cfg);
	if (fill(fd2, text, len) != 0)
		abort();
	again = fr_config_read(path2, 0, report, NULL);
	if (again == NULL) {
		fprintf(stderr, "printed configuration refused:\n%s\n", text);
		abort();
	}
	fr_config_free(again);
	free(text);
	return 0;
}
