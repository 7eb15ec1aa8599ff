/*
 * test_xmppprobe.c -- the XMPP probe of lookup --connect (diag/xmppprobe)
 * against canned peers on a socketpair: what a tag scanner got wrong
 * ('>' inside attribute values, prefixes, entities) and what it must
 * keep doing (features, stream errors, not XMPP, STARTTLS answers).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe.h"
#include "xmppprobe.h"

#define HEAD "<?xml version='1.0'?><stream:stream xmlns='jabber:server' " \
	"xmlns:stream='http://etherx.jabber.org/streams' " \
	"xmlns:db='jabber:server:dialback' from='x.test' id='ab' " \
	"version='1.0'>"

struct peer {
	struct fr_conn c;
	int other;		/* the peer's end */
};

/* A connection whose peer has already said `said` (and closes when
 * close_after). */
static void
peer_says(struct peer *p, const char *said, bool close_after)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fr_conn_init(&p->c);
	p->c.fd = sv[0];
	p->other = sv[1];
	assert_int_equal(write(sv[1], said, strlen(said)),
	    (ssize_t)strlen(said));
	if (close_after)
		shutdown(sv[1], SHUT_WR);
}

static void
peer_done(struct peer *p)
{
	fr_conn_close(&p->c);
	close(p->other);
}

static int
open_stream(const char *said, struct fr_xmpp_features *f, char *err)
{
	struct peer p;
	int rc;

	peer_says(&p, said, true);
	err[0] = '\0';
	rc = fr_xmpp_open(&p.c, "x.test", 2000, f, err, 256);
	peer_done(&p);
	return rc;
}

static void
prosody_features(void **state)
{
	struct fr_xmpp_features f;
	char err[256];

	(void)state;
	assert_int_equal(open_stream(HEAD "<stream:features>"
	    "<dialback xmlns='urn:xmpp:features:dialback'><errors/>"
	    "</dialback><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
	    "<required/></starttls></stream:features>", &f, err), 0);
	assert_true(f.stream && f.features && f.starttls &&
	    f.starttls_required && f.dialback);
	assert_false(f.not_xmpp || f.sasl_external);
	assert_string_equal(f.mechanisms, "");
}

/* What the tag scanner got wrong. */
static void
xml_the_scanner_missed(void **state)
{
	struct fr_xmpp_features f;
	char err[256];

	(void)state;
	/* '>' inside an attribute value ended its tag early */
	assert_int_equal(open_stream(HEAD "<stream:features>"
	    "<dialback xmlns='urn:xmpp:features:dialback' note='a>b'/>"
	    "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
	    "</stream:features>", &f, err), 0);
	assert_true(f.dialback && f.starttls);
	/* a prefix instead of a default namespace is the same element */
	assert_int_equal(open_stream(HEAD "<stream:features>"
	    "<tls:starttls xmlns:tls='urn:ietf:params:xml:ns:xmpp-tls'>"
	    "<tls:required/></tls:starttls></stream:features>", &f, err), 0);
	assert_true(f.starttls && f.starttls_required);
	/* character references are decoded */
	assert_int_equal(open_stream(HEAD "<stream:features><mechanisms "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>EXTERN&#65;L"
	    "</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
	    "</stream:features>", &f, err), 0);
	assert_true(f.sasl_external);
	assert_string_equal(f.mechanisms, "EXTERNAL, PLAIN");
}

static void
stream_error_and_close(void **state)
{
	struct fr_xmpp_features f;
	char err[256];

	(void)state;
	assert_int_equal(open_stream(HEAD "<stream:error><host-unknown "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
	    "</stream:stream>", &f, err), -1);
	assert_true(f.stream);
	assert_string_equal(f.stream_error, "host-unknown");
	assert_string_equal(err, "stream error: host-unknown");
	assert_int_equal(open_stream(HEAD "</stream:stream>", &f, err), -1);
	assert_string_equal(err, "stream error: the peer closed the stream");
	assert_int_equal(open_stream(HEAD, &f, err), -1);
	assert_string_equal(err, "the peer closed the stream before its "
	    "features");
	assert_int_equal(open_stream("", &f, err), -1);
	assert_string_equal(err, "the peer closed the connection without a "
	    "stream header");
}

static void
not_xmpp(void **state)
{
	struct fr_xmpp_features f;
	char err[256];

	(void)state;
	/* the start of a TLS alert, as a direct-TLS port answers */
	assert_int_equal(open_stream("\x15\x03\x01", &f, err), -1);
	assert_true(f.not_xmpp);
	assert_false(f.stream);
	assert_string_equal(err, "the peer does not speak XMPP (stream "
	    "header: not well-formed (expat: not well-formed (invalid "
	    "token)) at byte 0)");
	assert_int_equal(open_stream("HTTP/1.1 400 Bad Request\r\n\r\n", &f,
	    err), -1);
	assert_true(f.not_xmpp);
	/* a broken stream after a good header is XMPP, badly spoken */
	assert_int_equal(open_stream(HEAD "<stream:features></x>", &f, err),
	    -1);
	assert_false(f.not_xmpp);
	assert_true(f.stream);
	assert_non_null(strstr(err, "stream: not well-formed (expat: "
	    "mismatched tag)"));
}

static void
starttls(void **state)
{
	struct peer p;
	char err[256];

	(void)state;
	peer_says(&p, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
	    false);
	assert_int_equal(fr_xmpp_starttls(&p.c, 2000, err, sizeof(err)), 0);
	peer_done(&p);
	peer_says(&p, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
	    "</stream:stream>", true);
	assert_int_equal(fr_xmpp_starttls(&p.c, 2000, err, sizeof(err)), -1);
	assert_string_equal(err, "the peer refused STARTTLS (<failure/>)");
	peer_done(&p);
	peer_says(&p, "<stream:error><policy-violation xmlns='urn:ietf:"
	    "params:xml:ns:xmpp-streams'/></stream:error>", true);
	assert_int_equal(fr_xmpp_starttls(&p.c, 2000, err, sizeof(err)), -1);
	assert_string_equal(err, "the peer refused STARTTLS (stream error "
	    "policy-violation)");
	peer_done(&p);
	peer_says(&p, "", true);
	assert_int_equal(fr_xmpp_starttls(&p.c, 2000, err, sizeof(err)), -1);
	assert_string_equal(err, "the peer closed the connection after "
	    "<starttls/>");
	peer_done(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prosody_features),
		cmocka_unit_test(xml_the_scanner_missed),
		cmocka_unit_test(stream_error_and_close),
		cmocka_unit_test(not_xmpp),
		cmocka_unit_test(starttls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
