/*
 * sipuri_fuzz.c -- libFuzzer target: fr_uri_parse() on any bytes.
 * What the parser accepts must be a normalised, checked host name.
 * The same bytes through the proxy's fr_sip_uri_parse(): every span
 * inside the input, the port in range, and a parameter lookup and a
 * domain match on what it found.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipuri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
inside(struct fr_span s, const uint8_t *data, size_t size)
{
	if (s.len > 0)
		assert((const uint8_t *)s.s >= data &&
		    (const uint8_t *)s.s + s.len <= data + size);
}

static void
proxy_uri(const uint8_t *data, size_t size)
{
	struct fr_span in = { (const char *)data, size }, v;
	struct fr_sip_uri u;
	char err[256];

	if (fr_sip_uri_parse(in, &u, err, sizeof(err)) != 0) {
		assert(memchr(err, '\0', sizeof(err)) != NULL);
		return;
	}
	assert(u.scheme == FR_SCHEME_SIP || u.scheme == FR_SCHEME_SIPS);
	assert(u.host.len > 0);
	inside(u.user, data, size);
	inside(u.password, data, size);
	inside(u.host, data, size);
	inside(u.params, data, size);
	inside(u.headers, data, size);
	inside(u.transport, data, size);
	inside(u.maddr, data, size);
	assert(u.port == -1 || (u.port >= 1 && u.port <= 65535));
	if (fr_sip_param(u.params, "alias", &v))
		inside(v, data, size);
	(void)fr_sip_domain_match(u.host, "*.example.com");
	(void)fr_sip_domain_match(u.host, "example.com");
}

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
	proxy_uri(data, size);
	free(in);
	return 0;
}
