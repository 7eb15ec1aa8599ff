/*
 * test_sipmac.c -- the Via's MAC (router/sipmac.c) keeps one OpenSSL
 * context and re-keys it on every use: the MACs must be HMAC-SHA256's
 * (RFC 4231's vectors) on the first call and on every later one, for
 * two keys used in turn, truncated as asked, and equal to a one-shot
 * HMAC() for a random key.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sipmac.h"

/* RFC 4231 4.2 and 4.3 */
static const char *const MAC1 =
    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
static const char *const MAC2 =
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

static void
rfc4231_again_and_again(void **state)
{
	struct fr_sipmac a, b;
	unsigned char key1[20];
	char out[65], err[128];
	const char *d1 = "Hi There", *d2 = "what do ya want for nothing?";
	int i;

	(void)state;
	memset(key1, 0x0b, sizeof(key1));
	assert_int_equal(fr_sipmac_init(&a, key1, sizeof(key1), err,
	    sizeof(err)), 0);
	assert_int_equal(fr_sipmac_init(&b, (const unsigned char *)"Jefe", 4,
	    err, sizeof(err)), 0);
	for (i = 0; i < 5; i++) {
		/* 0: by the kept context, not the one-shot fallback. */
		assert_int_equal(fr_sipmac_hex(&a, d1, strlen(d1), 32, out), 0);
		assert_string_equal(out, MAC1);
		assert_int_equal(fr_sipmac_hex(&b, d2, strlen(d2), 32, out), 0);
		assert_string_equal(out, MAC2);
		/* Truncated: the first 12 bytes, 24 hex digits. */
		assert_int_equal(fr_sipmac_hex(&a, d1, strlen(d1), 12, out), 0);
		assert_int_equal(strlen(out), 24);
		assert_memory_equal(out, MAC1, 24);
	}
	fr_sipmac_free(&a);
	fr_sipmac_free(&b);
}

static void
random_key_as_one_shot(void **state)
{
	struct fr_sipmac m;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, j;
	char out[65], want[65], err[128], data[3000];
	size_t lens[] = { 0, 1, 63, 64, 65, 1000, sizeof(data) };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + 3);
	assert_int_equal(fr_sipmac_init(&m, NULL, FR_SIPMAC_KEY, err,
	    sizeof(err)), 0);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		HMAC(EVP_sha256(), m.key, (int)m.keylen,
		    (const unsigned char *)data, lens[i], md, &mdlen);
		assert_int_equal(mdlen, 32);
		for (j = 0; j < mdlen; j++)
			snprintf(want + 2 * j, 3, "%02x", md[j]);
		assert_int_equal(fr_sipmac_hex(&m, data, lens[i], 32, out), 0);
		assert_string_equal(out, want);
	}
	fr_sipmac_free(&m);
}

static void
bad_key_length(void **state)
{
	struct fr_sipmac m;
	unsigned char key[FR_SIPMAC_KEY + 1];
	char err[128];

	(void)state;
	memset(key, 1, sizeof(key));
	assert_int_equal(fr_sipmac_init(&m, key, 0, err, sizeof(err)), -1);
	assert_int_equal(fr_sipmac_init(&m, key, sizeof(key), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "33 bytes"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc4231_again_and_again),
		cmocka_unit_test(random_key_as_one_shot),
		cmocka_unit_test(bad_key_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
