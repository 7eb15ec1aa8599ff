/*
 * escape_fuzz.c -- libFuzzer target: fr_escape() on any bytes, into
 * buffers of every small size and one that fits.  What comes out is
 * what a terminal, a log line or a systemd STATUS= gets, so it must be
 * NUL-terminated inside the buffer, valid UTF-8 and free of every
 * control character fr_cp_is_control() names; when nothing needed
 * escaping and it fits, it is the input itself; fr_escape_clean()
 * agrees with that.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* out[0 .. strlen) is valid UTF-8 with no control character. */
static void
safe(const char *out)
{
	const unsigned char *p = (const unsigned char *)out;
	size_t n = strlen(out), i = 0, k;
	uint32_t cp;

	while (i < n) {
		k = fr_utf8_decode(p + i, n - i, &cp);
		assert(k > 0);
		assert(!fr_cp_is_control(cp));
		i += k;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t outlen, big;
	char *out;

	if (size > 4096)
		return 0;
	/* Every escape is at most 10 bytes for one input byte or more. */
	big = size * 10 + 4;
	if ((out = malloc(big)) == NULL)
		return 0;
	for (outlen = 4; outlen <= 24 && outlen <= big; outlen++) {
		memset(out, 'Z', big);
		fr_escape(out, outlen, s, size);
		assert(memchr(out, '\0', outlen) != NULL);
		assert(outlen == big || out[outlen] == 'Z');
		safe(out);
	}
	fr_escape(out, big, s, size);
	safe(out);
	if (fr_escape_clean(s, size))
		assert(strlen(out) == size && memcmp(out, s, size) == 0);
	else
		assert(strlen(out) != size || memcmp(out, s, size) != 0);
	free(out);
	return 0;
}
