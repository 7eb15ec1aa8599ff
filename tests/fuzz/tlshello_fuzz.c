/*
 * tlshello_fuzz.c -- libFuzzer target: the ClientHello reader on any
 * bytes.  What it accepts is within its bounds, its SNI a checked DNS
 * name; and a prefix of the input never says anything but "more" or
 * what the whole input says, so reading as bytes arrive is safe.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "sipuri.h"
#include "tlshello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fr_tls_hello h, hp;
	char err[256], errp[256], name[FR_DNAME_MAX];
	enum fr_tls_hello_status st, stp;
	size_t i, cut;

	if (size > FR_TLS_HELLO_BYTES_MAX + 64)
		return 0;
	err[0] = '\0';
	st = fr_tls_hello_parse(data, size, &h, err, sizeof(err));
	assert(memchr(err, '\0', sizeof(err)) != NULL);
	if (st == FR_TLS_HELLO_BAD || st == FR_TLS_HELLO_NOT_TLS)
		assert(err[0] != '\0');
	if (st == FR_TLS_HELLO_DONE) {
		assert(h.end <= size && h.end <= FR_TLS_HELLO_BYTES_MAX);
		assert(h.records >= 1 &&
		    h.records <= FR_TLS_HELLO_RECORDS_MAX);
		assert(h.nalpn <= FR_TLS_ALPN_MAX);
		for (i = 0; i < h.nalpn; i++)
			assert(h.alpn[i].len >= 1 &&
			    h.alpn[i].name[h.alpn[i].len] == '\0');
		assert(h.nversions <= FR_TLS_VERSIONS_MAX);
		assert(h.best_version >> 8 == 3 || h.has_versions);
		assert(h.has_sni == (h.sni[0] != '\0'));
		if (h.has_sni) {
			/* checked: the name check leaves it as it is */
			assert(strlen(h.sni) < sizeof(name));
			strcpy(name, h.sni);
			assert(fr_dname_check(name, err, sizeof(err)) == 0);
			assert(strcmp(name, h.sni) == 0);
		}
		/* the bytes up to its end are the same hello */
		stp = fr_tls_hello_parse(data, h.end, &hp, errp,
		    sizeof(errp));
		assert(stp == FR_TLS_HELLO_DONE && hp.end == h.end &&
		    strcmp(hp.sni, h.sni) == 0 && hp.nalpn == h.nalpn);
	}
	/* prefixes: "more", or the same word as the whole */
	for (i = 0; i < 8 && size > 0; i++) {
		cut = (size_t)data[i % size] * 131 * (i + 1) % size;
		errp[0] = '\0';
		stp = fr_tls_hello_parse(data, cut, &hp, errp, sizeof(errp));
		if (stp == FR_TLS_HELLO_MORE)
			continue;
		assert(stp == st);
		if (st != FR_TLS_HELLO_DONE && st != FR_TLS_HELLO_NOT_TLS)
			assert(strcmp(errp, err) == 0);
	}
	return 0;
}
