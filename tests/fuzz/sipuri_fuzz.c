/*
 * sipuri_fuzz.c -- libFuzzer target: fr_uri_parse() on any bytes.
 * What the parser accepts must be a normalised, checked host name.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipuri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fr_uri uri;
	char err[256], *in, host[FR_DNAME_MAX];

	if (size > 4096)
		return 0;
	if ((in = malloc(size + 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (fr_uri_parse(in, &uri, err, sizeof(err)) == 0) {
		/* A host it accepted passes the name check unchanged. */
		assert(strlen(uri.host) < sizeof(host));
		if (!uri.literal) {
			strcpy(host, uri.host);
			assert(fr_dname_check(host, err, sizeof(err)) == 0);
			assert(strcmp(host, uri.host) == 0);
		}
		assert(uri.port >= -1 && uri.port <= 65535);
	} else {
		assert(memchr(err, '\0', sizeof(err)) != NULL);
	}
	free(in);
	return 0;
}
