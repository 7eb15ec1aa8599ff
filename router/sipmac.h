/*
 * sipmac.h -- the MAC under which the SIP proxy's Via carries the way
 * back (sipint.h): HMAC-SHA256 with a key of the process, truncated.
 *
 * Every request and every response through the proxy computes one, so
 * the OpenSSL objects are made once: a one-shot HMAC() looks up the MAC
 * and the digest in the provider store on every call, which cost a
 * fifth of the proxy's CPU time per request (contrib/bench/bench-sip.py).
 * The owner keeps the struct; fr_sipmac_free() lets go of what it holds.
 */
#ifndef FR_SIPMAC_H
#define FR_SIPMAC_H

#include <stddef.h>

#include <openssl/evp.h>

#define FR_SIPMAC_KEY	32	/* bytes of key */

struct fr_sipmac {
	unsigned char key[FR_SIPMAC_KEY];
	size_t keylen;
	EVP_MAC_CTX *ctx;	/* NULL: every MAC by the one-shot HMAC() */
};

/* Key m with keylen (<= FR_SIPMAC_KEY) bytes of key, or random ones
 * when key is NULL.  0, or -1 with the reason in err (then nothing is
 * held). */
int fr_sipmac_init(struct fr_sipmac *m, const unsigned char *key,
    size_t keylen, char *err, size_t errlen);
/* The first n (<= 32) bytes of HMAC-SHA256(key, data) in lower-case hex,
 * 2n characters and a NUL, into out.  Returns 0 when the kept context
 * made it, 1 when that failed and the one-shot HMAC() did (the same
 * MAC, slower). */
int fr_sipmac_hex(const struct fr_sipmac *m, const char *data, size_t len,
    size_t n, char *out);
void fr_sipmac_free(struct fr_sipmac *m);

#endif /* FR_SIPMAC_H */
