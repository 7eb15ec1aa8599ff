/*
 * test_certcheck.c -- the name rules of RFC 5922 (SIP), RFC 6125/6120
 * (XMPP) and the SRV target, on certificates built in memory.
 */
#include "config.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "certcheck.h"

static EVP_PKEY *key;

/*
 * A self-signed certificate with subject CN cn (none when NULL) and the
 * subjectAltName sans in OpenSSL config syntax (none when NULL).
 */
static X509 *
make(const char *cn, const char *sans)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 23 * 3600);
	if (cn != NULL)
		assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN",
		    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0), 1);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	X509_NAME_free(name);
	X509_set_pubkey(x, key);
	if (sans != NULL) {
		X509_EXTENSION *ext;

		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name,
		    sans);
		assert_non_null(ext);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

static int
setup(void **state)
{
	(void)state;
	key = EVP_EC_gen("P-256");
	return key == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key);
	return 0;
}

static void
sip_domain(void **state)
{
	char how[128];
	X509 *x;

	(void)state;
	/* a sip: URI or a DNS name equal to the domain */
	x = make("edge.example.com", "URI:sip:example.com");
	assert_true(fr_cert_sip_domain(x, "example.com", how, sizeof(how)));
	assert_string_equal(how, "URI:sip:example.com");
	assert_true(fr_cert_sip_domain(x, "EXAMPLE.com.", NULL, 0));
	assert_false(fr_cert_sip_domain(x, "edge.example.com", NULL, 0));
	X509_free(x);

	x = make("x", "DNS:example.com");
	assert_true(fr_cert_sip_domain(x, "example.com", how, sizeof(how)));
	assert_string_equal(how, "DNS:example.com");
	X509_free(x);

	/* a URI with a user part names a user, not the domain */
	x = make("x", "URI:sip:alice@example.com");
	assert_false(fr_cert_sip_domain(x, "example.com", NULL, 0));
	X509_free(x);

	/* other schemes do not count */
	x = make("x", "URI:sips:example.com,URI:https://example.com/");
	assert_false(fr_cert_sip_domain(x, "example.com", NULL, 0));
	X509_free(x);

	/* no wildcards under RFC 5922 */
	x = make("x", "DNS:*.example.com");
	assert_false(fr_cert_sip_domain(x, "sip.example.com", NULL, 0));
	assert_false(fr_cert_sip_domain(x, "example.com", NULL, 0));
	X509_free(x);

	/* CN only without subjectAltName */
	x = make("example.com", NULL);
	assert_true(fr_cert_sip_domain(x, "example.com", how, sizeof(how)));
	assert_string_equal(how, "CN:example.com");
	X509_free(x);
	x = make("example.com", "DNS:other.example");
	assert_false(fr_cert_sip_domain(x, "example.com", NULL, 0));
	X509_free(x);
}

static void
xmpp_domain(void **state)
{
	char how[128];
	X509 *x;

	(void)state;
	x = make("x", "DNS:im.example.com");
	assert_true(fr_cert_xmpp_domain(x, "im.example.com", false, how,
	    sizeof(how)));
	assert_string_equal(how, "DNS:im.example.com");
	X509_free(x);

	/* a wildcard stands for one whole left-most label */
	x = make("x", "DNS:*.example.com");
	assert_true(fr_cert_xmpp_domain(x, "im.example.com", false, NULL, 0));
	assert_false(fr_cert_xmpp_domain(x, "example.com", false, NULL, 0));
	assert_false(fr_cert_xmpp_domain(x, "a.im.example.com", false, NULL,
	    0));
	X509_free(x);
	x = make("x", "DNS:*.com,DNS:im*.example.com");
	assert_false(fr_cert_xmpp_domain(x, "example.com", false, NULL, 0));
	assert_false(fr_cert_xmpp_domain(x, "im1.example.com", false, NULL,
	    0));
	X509_free(x);

	/* SRV-ID: _xmpp-server always, _xmpps-server with direct TLS */
	x = make("x", "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:"
	    "_xmpp-server.example.com");
	assert_true(fr_cert_xmpp_domain(x, "example.com", false, how,
	    sizeof(how)));
	assert_string_equal(how, "SRV:_xmpp-server.example.com");
	X509_free(x);
	x = make("x", "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:"
	    "_xmpps-server.example.com");
	assert_false(fr_cert_xmpp_domain(x, "example.com", false, NULL, 0));
	assert_true(fr_cert_xmpp_domain(x, "example.com", true, NULL, 0));
	X509_free(x);

	/* XmppAddr (RFC 6120 13.7.1.4) */
	x = make("x", "otherName:1.3.6.1.5.5.7.8.5;UTF8:example.com");
	assert_true(fr_cert_xmpp_domain(x, "example.com", false, how,
	    sizeof(how)));
	assert_string_equal(how, "XmppAddr:example.com");
	X509_free(x);

	/* the CN counts only without DNS-ID, SRV-ID or URI-ID */
	x = make("example.com", "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:"
	    "_xmpp-server.other.example");
	assert_false(fr_cert_xmpp_domain(x, "example.com", false, NULL, 0));
	X509_free(x);
	x = make("example.com", "email:admin@example.com");
	assert_true(fr_cert_xmpp_domain(x, "example.com", false, how,
	    sizeof(how)));
	assert_string_equal(how, "CN:example.com");
	X509_free(x);
}

static void
srv_target(void **state)
{
	X509 *x;

	(void)state;
	x = make("edge.example.com", "DNS:*.example.com");
	assert_true(fr_cert_host(x, "edge.example.com", NULL, 0));
	assert_false(fr_cert_host(x, "example.com", NULL, 0));
	X509_free(x);
	/* CN only without DNS-ID, SRV-ID or URI-ID */
	x = make("edge.example.com", "URI:sip:example.com");
	assert_false(fr_cert_host(x, "edge.example.com", NULL, 0));
	X509_free(x);
	x = make("edge.example.com", NULL);
	assert_true(fr_cert_host(x, "EDGE.example.com", NULL, 0));
	X509_free(x);
}

static void
embedded_nul_never_matches(void **state)
{
	X509 *x;

	(void)state;
	/* "example.com\0.evil.test" must not pass for example.com */
	x = make("x", "DNS:placeholder");
	{
		GENERAL_NAMES *gens = GENERAL_NAMES_new();
		GENERAL_NAME *gn = GENERAL_NAME_new();
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();
		static const char evil[] = "example.com\0.evil.test";
		int idx = X509_get_ext_by_NID(x, NID_subject_alt_name, -1);

		ASN1_STRING_set(s, evil, sizeof(evil) - 1);
		GENERAL_NAME_set0_value(gn, GEN_DNS, s);
		sk_GENERAL_NAME_push(gens, gn);
		X509_EXTENSION_free(X509_delete_ext(x, idx));
		X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0);
		GENERAL_NAMES_free(gens);
	}
	assert_false(fr_cert_sip_domain(x, "example.com", NULL, 0));
	assert_false(fr_cert_xmpp_domain(x, "example.com", false, NULL, 0));
	assert_false(fr_cert_host(x, "example.com", NULL, 0));
	X509_free(x);
}

static void
examine_self_signed(void **state)
{
	struct fr_cert_want want = { "example.com", "edge.example.com",
	    true, false, false };
	struct fr_cert_info info;
	X509_STORE *store = X509_STORE_new();
	X509 *x;

	(void)state;
	x = make("edge.example.com",
	    "URI:sip:example.com,DNS:edge.example.com");
	assert_int_equal(fr_cert_examine(x, NULL, store, &want, &info), 0);
	assert_false(info.trusted);
	assert_string_equal(info.verify_error, "self-signed certificate");
	assert_false(info.expired);
	assert_int_equal(info.days_left, 0);	/* valid for 23 hours */
	assert_int_equal(info.rfc5922, FR_NAME_MATCH);
	assert_int_equal(info.rfc6125, FR_NAME_NA);
	assert_int_equal(info.srv_target, FR_NAME_MATCH);
	assert_int_equal(info.nnames, 3);
	assert_string_equal(info.names[0], "URI:sip:example.com");
	assert_string_equal(info.names[1], "DNS:edge.example.com");
	assert_string_equal(info.names[2], "CN:edge.example.com");
	assert_string_equal(info.chain[0].subject, "CN=edge.example.com");

	/* trusted once it is in the store */
	X509_STORE_add_cert(store, x);
	assert_int_equal(fr_cert_examine(x, NULL, store, &want, &info), 0);
	assert_true(info.trusted);
	X509_free(x);
	X509_STORE_free(store);
}

/*
 * A TLS handshake in memory: a server presenting cert, a client that
 * trusts it and checks host the router's way (fr_cert_require_host, or
 * OpenSSL's own SSL_set1_host when own_rule is false).  Returns the
 * client's verify result.
 */
static long
handshake(X509 *cert, const char *host, bool own_rule)
{
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL *srv, *cli;
	BIO *sb, *cb;
	long vr;
	int i, rs = 0, rc = 0;

	assert_non_null(sctx);
	assert_non_null(cctx);
	assert_int_equal(SSL_CTX_use_certificate(sctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(sctx, key), 1);
	assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx),
	    cert), 1);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	srv = SSL_new(sctx);
	cli = SSL_new(cctx);
	assert_int_equal(BIO_new_bio_pair(&sb, 0, &cb, 0), 1);
	SSL_set_bio(srv, sb, sb);
	SSL_set_bio(cli, cb, cb);
	SSL_set_accept_state(srv);
	SSL_set_connect_state(cli);
	if (own_rule)
		assert_true(fr_cert_require_host(cli, host));
	else
		assert_int_equal(SSL_set1_host(cli, host), 1);
	for (i = 0; i < 20 && (rs != 1 || rc != 1); i++) {
		rc = SSL_do_handshake(cli);
		if (rc <= 0 && SSL_get_error(cli, rc) != SSL_ERROR_WANT_READ)
			break;
		rs = SSL_do_handshake(srv);
	}
	vr = SSL_get_verify_result(cli);
	if (vr == X509_V_OK)
		assert_int_equal(rc, 1);
	SSL_free(cli);
	SSL_free(srv);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	ERR_clear_error();
	return vr;
}

/* The router's TLS clients apply the tester's host rule in the
 * handshake, where OpenSSL's own rule would differ (a CN beside a
 * URI-ID), and accept what the rule accepts. */
static void
router_checks_hosts_like_the_tester(void **state)
{
	X509 *x;

	(void)state;
	x = make("edge.example.com", "URI:sip:example.com");
	assert_false(fr_cert_host(x, "edge.example.com", NULL, 0));
	assert_int_equal(handshake(x, "edge.example.com", true),
	    X509_V_ERR_HOSTNAME_MISMATCH);
	/* OpenSSL alone takes the CN here: the rules used to disagree. */
	assert_int_equal(handshake(x, "edge.example.com", false), X509_V_OK);
	X509_free(x);

	x = make("x", "DNS:*.example.com");
	assert_true(fr_cert_host(x, "edge.example.com", NULL, 0));
	assert_int_equal(handshake(x, "edge.example.com", true), X509_V_OK);
	assert_int_equal(handshake(x, "example.com", true),
	    X509_V_ERR_HOSTNAME_MISMATCH);
	X509_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sip_domain),
		cmocka_unit_test(xmpp_domain),
		cmocka_unit_test(srv_target),
		cmocka_unit_test(embedded_nul_never_matches),
		cmocka_unit_test(examine_self_signed),
		cmocka_unit_test(router_checks_hosts_like_the_tester),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
