/*
 * test_tlshello.c -- ClientHellos read without terminating TLS
 * (proto/tlshello.c): real ones made by OpenSSL in memory, split into
 * records and truncated, and hand-made malformed ones.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tlshello.h"

#define BUF_MAX (64 * 1024)

struct bytes {
	uint8_t *p;
	size_t n;
};

/* ---- ClientHellos from OpenSSL ------------------------------------------- */

/*
 * What SSL_connect sends first, on a memory BIO: the real thing.
 * sni NULL: none; alpn in wire format (length-prefixed names) or NULL;
 * max_version 0: the library's; frag 0: OpenSSL's default records.
 */
static struct bytes
openssl_hello(const char *sni, const unsigned char *alpn, size_t alpnlen,
    int max_version, unsigned frag)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	BIO *rd = BIO_new(BIO_s_mem()), *wr = BIO_new(BIO_s_mem());
	struct bytes b;
	char *data;
	long n;
	SSL *ssl;

	assert_non_null(ctx);
	assert_non_null(rd);
	assert_non_null(wr);
	if (max_version != 0)
		assert_int_equal(SSL_CTX_set_max_proto_version(ctx,
		    max_version), 1);
	ssl = SSL_new(ctx);
	assert_non_null(ssl);
	SSL_set_bio(ssl, rd, wr);
	if (sni != NULL)
		assert_int_equal(SSL_set_tlsext_host_name(ssl, sni), 1);
	if (alpn != NULL)
		assert_int_equal(SSL_set_alpn_protos(ssl, alpn,
		    (unsigned)alpnlen), 0);
	if (frag != 0)
		assert_int_equal(SSL_set_max_send_fragment(ssl, frag), 1);
	assert_int_equal(SSL_connect(ssl), -1);	/* waits for the server */
	assert_int_equal(SSL_get_error(ssl, -1), SSL_ERROR_WANT_READ);
	n = BIO_get_mem_data(wr, &data);
	assert_true(n > 0 && n < BUF_MAX);
	b.n = (size_t)n;
	b.p = malloc(b.n);
	assert_non_null(b.p);
	memcpy(b.p, data, b.n);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return b;
}

/* The same handshake bytes in records of at most frag bytes each. */
static struct bytes
reframe(const struct bytes *in, size_t frag)
{
	struct bytes b;
	size_t pos = 0, hs = 0, i;
	uint8_t *msg = malloc(in->n);

	assert_non_null(msg);
	/* gather the handshake bytes of every record */
	while (pos + 5 <= in->n) {
		size_t rlen = (size_t)in->p[pos + 3] << 8 | in->p[pos + 4];

		assert_true(pos + 5 + rlen <= in->n);
		memcpy(msg + hs, in->p + pos + 5, rlen);
		hs += rlen;
		pos += 5 + rlen;
	}
	b.p = malloc(hs + 5 * (hs / frag + 1));
	assert_non_null(b.p);
	b.n = 0;
	for (i = 0; i < hs; i += frag) {
		size_t n = hs - i < frag ? hs - i : frag;

		b.p[b.n++] = 22;
		b.p[b.n++] = 3;
		b.p[b.n++] = 1;
		b.p[b.n++] = (uint8_t)(n >> 8);
		b.p[b.n++] = (uint8_t)n;
		memcpy(b.p + b.n, msg + i, n);
		b.n += n;
	}
	free(msg);
	return b;
}

static enum fr_tls_hello_status
parse(const struct bytes *b, size_t n, struct fr_tls_hello *h, char *err)
{
	err[0] = '\0';
	return fr_tls_hello_parse(b->p, n, h, err, 256);
}

/* Every proper prefix wants more; the whole is done. */
static void
complete_only_at_end(const struct bytes *b, struct fr_tls_hello *h)
{
	char err[256];
	size_t n;

	for (n = 0; n < b->n; n++)
		if (parse(b, n, h, err) != FR_TLS_HELLO_MORE)
			fail_msg("prefix of %zu/%zu bytes: %s", n, b->n, err);
	if (parse(b, b->n, h, err) != FR_TLS_HELLO_DONE)
		fail_msg("%zu bytes: %s", b->n, err);
	assert_int_equal(h->end, b->n);
}

static const unsigned char alpn_xmpp[] = "\x0bxmpp-server\x0bxmpp-client";

static void
openssl_sni_alpn(void **state)
{
	struct bytes b = openssl_hello("XMPP.Example.TEST", alpn_xmpp,
	    sizeof(alpn_xmpp) - 1, 0, 0);
	struct fr_tls_hello h;
	char buf[16];

	(void)state;
	complete_only_at_end(&b, &h);
	assert_true(h.has_sni);
	assert_string_equal(h.sni, "xmpp.example.test");	/* lower case */
	assert_true(h.has_alpn);
	assert_int_equal(h.nalpn, 2);
	assert_int_equal(h.alpn[0].len, 11);
	assert_string_equal(h.alpn[0].name, "xmpp-server");
	assert_string_equal(h.alpn[1].name, "xmpp-client");
	assert_true(fr_tls_hello_alpn(&h, "xmpp-server"));
	assert_false(fr_tls_hello_alpn(&h, "xmpp"));
	assert_false(fr_tls_hello_alpn(&h, "h2"));
	assert_int_equal(h.records, 1);
	assert_int_equal(h.record_version, 0x0301);
	assert_int_equal(h.legacy_version, 0x0303);
	assert_true(h.has_versions);
	assert_int_equal(h.versions[0], 0x0304);
	assert_int_equal(h.best_version, 0x0304);
	assert_string_equal(fr_tls_version_name(h.best_version, buf,
	    sizeof(buf)), "TLSv1.3");
	assert_string_equal(fr_tls_version_name(0x7f1c, buf, sizeof(buf)),
	    "0x7f1c");
	free(b.p);
}

static void
openssl_no_sni(void **state)
{
	struct bytes b = openssl_hello(NULL, NULL, 0, TLS1_2_VERSION, 0);
	struct fr_tls_hello h;

	(void)state;
	complete_only_at_end(&b, &h);
	assert_false(h.has_sni);
	assert_string_equal(h.sni, "");
	assert_false(h.has_alpn);
	assert_int_equal(h.nalpn, 0);
	/* TLS 1.2 at most: no supported_versions */
	assert_false(h.has_versions);
	assert_int_equal(h.best_version, 0x0303);
	free(b.p);
}

static void
split_across_records(void **state)
{
	struct bytes b = openssl_hello("split.example.test", alpn_xmpp,
	    sizeof(alpn_xmpp) - 1, 0, 0), r;
	struct fr_tls_hello h;
	size_t hs = b.n - 5, frag;
	char err[256];

	(void)state;
	/* every record size that needs at most 64 records */
	for (frag = (hs + 63) / 64; frag <= hs; frag++) {
		r = reframe(&b, frag);
		if (frag < 40 || frag % 37 == 0 || frag == hs)
			complete_only_at_end(&r, &h);
		else if (parse(&r, r.n, &h, err) != FR_TLS_HELLO_DONE)
			fail_msg("records of %zu: %s", frag, err);
		assert_int_equal(h.records, (hs + frag - 1) / frag);
		assert_string_equal(h.sni, "split.example.test");
		assert_true(fr_tls_hello_alpn(&h, "xmpp-client"));
		free(r.p);
	}
	/* one record more than the bound */
	frag = (hs + 63) / 64 - 1;
	r = reframe(&b, frag);
	assert_int_equal(parse(&r, r.n, &h, err), FR_TLS_HELLO_BAD);
	assert_string_equal(err, "ClientHello: more than 64 records");
	free(r.p);
	free(b.p);
}

static void
openssl_fragments(void **state)
{
	/* a hello that OpenSSL itself sends in several records: a long
	 * ALPN list, records of 512 bytes */
	unsigned char alpn[1200];
	size_t n = 0, i;
	struct bytes b;
	struct fr_tls_hello h;
	char err[256];

	(void)state;
	for (i = 0; n + 12 < sizeof(alpn); i++)
		n += (size_t)sprintf((char *)alpn + n, "%cproto-%04zu", 10, i);
	b = openssl_hello("frag.example.test", alpn, n, 0, 512);
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_DONE);
	assert_true(h.records >= 3);
	assert_string_equal(h.sni, "frag.example.test");
	assert_int_equal(h.nalpn, FR_TLS_ALPN_MAX);
	assert_int_equal(h.nalpn + h.alpn_skipped, i);
	assert_string_equal(h.alpn[7].name, "proto-0007");
	free(b.p);
}

static void
trailing_bytes(void **state)
{
	struct bytes b = openssl_hello("x.test", NULL, 0, 0, 0), c;
	struct fr_tls_hello h;
	char err[256];

	(void)state;
	/* what comes after the hello is not read: its end is given */
	c.p = malloc(b.n + 100);
	assert_non_null(c.p);
	memcpy(c.p, b.p, b.n);
	memset(c.p + b.n, 0x17, 100);
	c.n = b.n + 100;
	assert_int_equal(parse(&c, c.n, &h, err), FR_TLS_HELLO_DONE);
	assert_int_equal(h.end, b.n);
	free(c.p);
	free(b.p);
}

/* ---- hand-made ClientHellos ---------------------------------------------- */

struct hb {
	uint8_t p[BUF_MAX];
	size_t n;
};

static void
put(struct hb *b, const void *d, size_t n)
{
	assert_true(b->n + n <= sizeof(b->p));
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void
u8(struct hb *b, unsigned v)
{
	uint8_t c = (uint8_t)v;

	put(b, &c, 1);
}

static void
u16(struct hb *b, unsigned v)
{
	u8(b, v >> 8);
	u8(b, v);
}

/* An extension: type, and a body given as bytes. */
static void
ext(struct hb *b, unsigned type, const void *body, size_t n)
{
	u16(b, type);
	u16(b, (unsigned)n);
	put(b, body, n);
}

/* server_name with one host_name */
static size_t
sni_body(uint8_t *out, const char *name)
{
	size_t n = strlen(name);

	out[0] = (uint8_t)((n + 3) >> 8);
	out[1] = (uint8_t)(n + 3);
	out[2] = 0;
	out[3] = (uint8_t)(n >> 8);
	out[4] = (uint8_t)n;
	memcpy(out + 5, name, n);
	return n + 5;
}

/*
 * A record holding a ClientHello with these extensions (already
 * encoded; NULL: no extensions block at all).
 */
static struct bytes
hand_hello(const struct hb *exts, unsigned record_type, unsigned hs_type)
{
	static struct hb body, rec;
	struct bytes b;
	uint8_t random[32] = { 0 };

	body.n = rec.n = 0;
	u16(&body, 0x0303);
	put(&body, random, 32);
	u8(&body, 0);			/* session id */
	u16(&body, 2);
	u16(&body, 0x1301);		/* TLS_AES_128_GCM_SHA256 */
	u8(&body, 1);
	u8(&body, 0);			/* null compression */
	if (exts != NULL) {
		u16(&body, (unsigned)exts->n);
		put(&body, exts->p, exts->n);
	}
	u8(&rec, record_type);
	u16(&rec, 0x0301);
	u16(&rec, (unsigned)body.n + 4);
	u8(&rec, hs_type);
	u8(&rec, 0);
	u16(&rec, (unsigned)body.n);
	put(&rec, body.p, body.n);
	b.p = rec.p;
	b.n = rec.n;
	return b;
}

static void
bad_hello(const struct hb *exts, const char *expect)
{
	struct bytes b = hand_hello(exts, 22, 1);
	struct fr_tls_hello h;
	char err[256];

	if (parse(&b, b.n, &h, err) != FR_TLS_HELLO_BAD)
		fail_msg("not refused (want '%s')", expect);
	if (strstr(err, expect) == NULL)
		fail_msg("error '%s' does not say '%s'", err, expect);
}

static void
hand_sni(void **state)
{
	static struct hb e, two;
	char longname[301];
	uint8_t body[600];
	struct bytes b;
	struct fr_tls_hello h;
	char err[256];
	size_t n;

	(void)state;
	/* a final dot is dropped, upper case lowered */
	e.n = 0;
	ext(&e, 0, body, sni_body(body, "Node-1.Enterprise.TEST."));
	b = hand_hello(&e, 22, 1);
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_DONE);
	assert_string_equal(h.sni, "node-1.enterprise.test");
	/* SSLv3-style: no extensions at all */
	b = hand_hello(NULL, 22, 1);
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_DONE);
	assert_false(h.has_sni);

	e.n = 0;
	ext(&e, 0, body, sni_body(body, "127.0.0.1"));
	bad_hello(&e, "server_name: IP literal 127.0.0.1 not allowed");
	e.n = 0;
	ext(&e, 0, body, sni_body(body, "a b.test"));
	bad_hello(&e, "server_name: byte 0x20 not allowed in a host name "
	    "(\"a b.test\")");
	e.n = 0;
	ext(&e, 0, body, sni_body(body, "evil\n\x1b[31m.test"));
	bad_hello(&e, "(\"evil\\x0a\\x1b[31m.test\")");	/* escaped */
	e.n = 0;
	ext(&e, 0, body, sni_body(body, "a..b"));
	bad_hello(&e, "server_name: empty label");
	memset(longname, 'a', 300);
	longname[300] = '\0';
	e.n = 0;
	ext(&e, 0, body, sni_body(body, longname));
	bad_hello(&e, "server_name: 300 bytes, longer than a DNS name");
	/* two host_names in one list */
	two.n = 0;
	u16(&two, 18);
	put(&two, "\x00\x00\x06" "a.test" "\x00\x00\x06" "b.test", 18);
	e.n = 0;
	ext(&e, 0, two.p, two.n);
	bad_hello(&e, "server_name: two host_names");
	/* the list's length disagrees with the extension's */
	n = sni_body(body, "a.test");
	body[1] += 3;
	e.n = 0;
	ext(&e, 0, body, n);
	bad_hello(&e, "server_name list: needs 12 bytes, 9 left");
	/* twice the extension */
	e.n = 0;
	n = sni_body(body, "a.test");
	ext(&e, 0, body, n);
	ext(&e, 0, body, n);
	bad_hello(&e, "extension server_name twice");
	/* an empty server_name (what servers send back) */
	e.n = 0;
	ext(&e, 0, body, 0);
	bad_hello(&e, "server_name list: needs 2 bytes, 0 left");
}

static void
hand_alpn_versions(void **state)
{
	static struct hb e;
	struct bytes b;
	struct fr_tls_hello h;
	char err[256];

	(void)state;
	e.n = 0;
	/* GREASE (RFC 8701) is kept in the list, never "best" */
	ext(&e, 43, "\x06\x7a\x7a\x03\x04\x03\x03", 7);
	ext(&e, 16, "\x00\x05\x02h2\x01x", 7);
	b = hand_hello(&e, 22, 1);
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_DONE);
	assert_int_equal(h.nversions, 3);
	assert_int_equal(h.versions[0], 0x7a7a);
	assert_int_equal(h.best_version, 0x0304);
	assert_int_equal(h.nalpn, 2);
	assert_string_equal(h.alpn[1].name, "x");

	e.n = 0;
	ext(&e, 16, "\x00\x04\x02h2\x00", 6);	/* an empty name */
	bad_hello(&e, "alpn protocol: length 0, not 1-255");
	e.n = 0;
	ext(&e, 16, "\x00\x00", 2);
	bad_hello(&e, "alpn list: length 0, not 2-65535");
	e.n = 0;
	ext(&e, 43, "\x03\x03\x04\x03", 4);
	bad_hello(&e, "supported_versions: odd length 3");
	e.n = 0;
	ext(&e, 43, "\x02\x03\x04\x00", 4);
	bad_hello(&e, "supported_versions: 1 bytes after its list");
	/* an extension that runs past the block */
	e.n = 0;
	u16(&e, 16);
	u16(&e, 40);
	put(&e, "\x00\x03\x02h2", 5);
	bad_hello(&e, "extension: needs 40 bytes, 5 left");
}

static void
hand_framing(void **state)
{
	struct bytes b;
	struct fr_tls_hello h;
	char err[256];
	uint8_t save;

	(void)state;
	b = hand_hello(NULL, 23, 1);
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_BAD);
	assert_string_equal(err, "ClientHello: record 1: type 23, not "
	    "handshake (22)");
	b = hand_hello(NULL, 22, 2);
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_BAD);
	assert_string_equal(err, "ClientHello: handshake type 2, not "
	    "client_hello (1)");
	/* ... known from its first byte on */
	assert_int_equal(parse(&b, 6, &h, err), FR_TLS_HELLO_BAD);
	b = hand_hello(NULL, 22, 1);
	b.p[3] = b.p[4] = 0;
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_BAD);
	assert_string_equal(err, "ClientHello: record 1: empty");
	b.p[3] = 0x50;
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_BAD);
	assert_string_equal(err, "ClientHello: record 1: length 20480 > "
	    "16384");
	/* a message longer than its bound */
	b = hand_hello(NULL, 22, 1);
	b.p[6] = 1;
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_BAD);
	assert_string_equal(err, "ClientHello: length 65577 > 16384");
	/* a message that says it is longer than its records: more */
	b = hand_hello(NULL, 22, 1);
	b.p[8] += 10;
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_MORE);
	/* ... or shorter: what follows is no extensions block */
	b = hand_hello(NULL, 22, 1);
	b.p[8] += 1;
	b.p[4] += 1;
	b.n += 1;
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_BAD);
	assert_string_equal(err, "ClientHello: extensions: needs 2 bytes, 1 "
	    "left");
	/* fields */
	b = hand_hello(NULL, 22, 1);
	save = b.p[9 + 2 + 32];
	b.p[9 + 2 + 32] = 33;			/* session id */
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_BAD);
	assert_string_equal(err, "ClientHello: legacy_session_id: length 33, "
	    "not 0-32");
	b.p[9 + 2 + 32] = save;
	b.p[9 + 2 + 32 + 2] = 3;		/* cipher suites */
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_BAD);
	assert_non_null(strstr(err, "cipher_suites"));
	b = hand_hello(NULL, 22, 1);
	b.p[9] = 2;				/* legacy_version 2.3 */
	assert_int_equal(parse(&b, b.n, &h, err), FR_TLS_HELLO_BAD);
	assert_string_equal(err, "ClientHello: legacy_version 0x0203 is no "
	    "SSLv3/TLS version");
	/* a second record of another version */
	{
		struct bytes s = reframe(&(struct bytes){ b.p, b.n }, 20);

		s.p[20 + 5 + 1] = 2;
		assert_int_equal(parse(&s, s.n, &h, err), FR_TLS_HELLO_BAD);
		assert_string_equal(err, "ClientHello: record 2: version 2.x, "
		    "not 3.x");
		free(s.p);
	}
}

static void
not_tls(void **state)
{
	static const char *const plain[] = {
		"<?xml version='1.0'?><stream:stream",
		"OPTIONS sip:x SIP/2.0\r\n",
		"GET / HTTP/1.1\r\n",
		"<",
		"\x80\x2e\x01\x00\x02",		/* SSLv2 */
		"\x16\x02\x00",
	};
	struct fr_tls_hello h;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		assert_int_equal(fr_tls_hello_parse(plain[i], strlen(plain[i]),
		    &h, err, sizeof(err)), FR_TLS_HELLO_NOT_TLS);
	fr_tls_hello_parse(plain[0], strlen(plain[0]), &h, err, sizeof(err));
	assert_string_equal(err, "not TLS (it begins \"<?xml ve\")");
	fr_tls_hello_parse("\x01\xff", 2, &h, err, sizeof(err));
	assert_string_equal(err, "not TLS (it begins \"\\x01\\xff\")");
	/* nothing, or just a handshake byte: wait */
	assert_int_equal(fr_tls_hello_parse("", 0, &h, err, sizeof(err)),
	    FR_TLS_HELLO_MORE);
	assert_int_equal(fr_tls_hello_parse("\x16", 1, &h, err, sizeof(err)),
	    FR_TLS_HELLO_MORE);
	/* another record type: bad if TLS, but the second byte says
	 * whether it is (found by fuzzing) */
	assert_int_equal(fr_tls_hello_parse("\x17", 1, &h, err, sizeof(err)),
	    FR_TLS_HELLO_MORE);
	assert_int_equal(fr_tls_hello_parse("\x17\x01", 2, &h, err,
	    sizeof(err)), FR_TLS_HELLO_NOT_TLS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(openssl_sni_alpn),
		cmocka_unit_test(openssl_no_sni),
		cmocka_unit_test(split_across_records),
		cmocka_unit_test(openssl_fragments),
		cmocka_unit_test(trailing_bytes),
		cmocka_unit_test(hand_sni),
		cmocka_unit_test(hand_alpn_versions),
		cmocka_unit_test(hand_framing),
		cmocka_unit_test(not_tls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
