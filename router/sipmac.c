/*
 * sipmac.c -- HMAC-SHA256 with a key of the process, for our Via
 * (sipmac.h says why the context is kept).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "sipmac.h"

int
fr_sipmac_init(struct fr_sipmac *m, const unsigned char *key, size_t keylen,
    char *err, size_t errlen)
{
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	char digest[] = "SHA256";

	memset(m, 0, sizeof(*m));
	if (keylen == 0 || keylen > sizeof(m->key)) {
		snprintf(err, errlen, "a MAC key of %zu bytes", keylen);
		return -1;
	}
	if (key != NULL)
		memcpy(m->key, key, keylen);
	else if (RAND_bytes(m->key, (int)keylen) != 1) {
		snprintf(err, errlen, "no random bytes for the Via key");
		return -1;
	}
	m->keylen = keylen;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (m->ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    EVP_MAC_CTX_set_params(m->ctx, params) != 1) {
		EVP_MAC_CTX_free(m->ctx);
		EVP_MAC_free(mac);
		OPENSSL_cleanse(m->key, sizeof(m->key));
		memset(m, 0, sizeof(*m));
		snprintf(err, errlen, "OpenSSL has no HMAC-SHA256");
		return -1;
	}
	EVP_MAC_free(mac);		/* the context holds its own reference */
	return 0;
}

int
fr_sipmac_hex(const struct fr_sipmac *m, const char *data, size_t len,
    size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	size_t got = 0, i;
	int slow = 0;

	/*
	 * The key is given again on every init: re-initialising an HMAC
	 * context without one is not the same in every OpenSSL 3 release.
	 * That costs two SHA-256 blocks, not the provider look-ups.
	 */
	if (m->ctx == NULL ||
	    EVP_MAC_init(m->ctx, m->key, m->keylen, NULL) != 1 ||
	    EVP_MAC_update(m->ctx, (const unsigned char *)data, len) != 1 ||
	    EVP_MAC_final(m->ctx, md, &got, sizeof(md)) != 1) {
		HMAC(EVP_sha256(), m->key, (int)m->keylen,
		    (const unsigned char *)data, len, md, &mdlen);
		got = mdlen;
		slow = 1;
	}
	if (n > got)
		n = got;
	for (i = 0; i < n; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * n] = '\0';
	return slow;
}

void
fr_sipmac_free(struct fr_sipmac *m)
{
	EVP_MAC_CTX_free(m->ctx);
	OPENSSL_cleanse(m->key, sizeof(m->key));
	memset(m, 0, sizeof(*m));
}
