/*
 * test_sipmsg.c -- the SIP message index: framing on streams and in
 * datagrams, keep-alives, the start line, headers (compact forms,
 * folding, lists with commas in quotes and <>), the value parsers,
 * limits, edits that re-parse to the expected message, and the
 * responses and requests we build.
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

#include "sipmsg.h"

static struct fr_sipmsg M, M2;	/* big: not on the stack of each test */

#define INVITE \
	"INVITE sip:bob@partner.test SIP/2.0\r\n" \
	"Via: SIP/2.0/TLS 10.0.0.5:5062;branch=z9hG4bK776asdhds;rport\r\n" \
	"v: SIP/2.0/TCP edge.test;branch=z9hG4bKa, SIP/2.0/UDP " \
	"[2001:db8::9]:5070;received=192.0.2.1;branch=z9hG4bKb\r\n" \
	"Max-Forwards: 70\r\n" \
	"Route: <sip:edge.test;lr>, <sip:p2.test;lr>\r\n" \
	"Route: \"A, B\" <sip:p3.test;lr;x=\"a,b\">\r\n" \
	"f: \"Alice, A.\" <sip:alice@enterprise.test>;tag=1928301774\r\n" \
	"t: Bob <sip:bob@partner.test>\r\n" \
	"i: a84b4c76e66710@pc33.enterprise.test\r\n" \
	"CSeq: 314159 INVITE\r\n" \
	"m: <sip:alice@10.0.0.5:5062;transport=tls>\r\n" \
	"X-Custom:  some value \r\n" \
	"c: application/sdp\r\n" \
	"l: 4\r\n" \
	"\r\n" \
	"v=0\n"

static void
message(const char *s, enum fr_sip_mode mode)
{
	struct fr_sip_error e;
	size_t used;

	if (fr_sipmsg_parse(&M, s, strlen(s), mode, NULL, &used, &e) !=
	    FR_SIP_MESSAGE)
		fail_msg("parse: %s", e.text);
}

/* Parse must fail with an error mentioning what. */
static struct fr_sip_error
bad(const char *s, size_t len, enum fr_sip_mode mode,
    const struct fr_sip_limits *lim, const char *what)
{
	struct fr_sip_error e;
	size_t used;
	enum fr_sip_parse rc;

	if (len == 0)
		len = strlen(s);	/* tests with NULs give their length */
	rc = fr_sipmsg_parse(&M, s, len, mode, lim, &used, &e);
	if (rc != FR_SIP_BAD)
		fail_msg("parsed (%d) where \"%s\" was expected", rc, what);
	if (strstr(e.text, what) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", e.text, what);
	return e;
}

static bool
span_is(struct fr_span s, const char *want)
{
	if (!fr_span_eq(s, want)) {
		print_error("span \"%.*s\" is not \"%s\"\n", (int)s.len,
		    s.s ? s.s : "", want);
		return false;
	}
	return true;
}

static void
request_index(void **state)
{
	struct fr_span v;
	int i;

	(void)state;
	message(INVITE, FR_SIP_STREAM);
	assert_true(M.request);
	assert_true(span_is(M.method, "INVITE"));
	assert_true(span_is(M.ruri, "sip:bob@partner.test"));
	assert_int_equal(M.nhdr, 13);
	assert_int_equal(M.raw.len, strlen(INVITE));
	assert_true(span_is(M.body, "v=0\n"));
	/* compact forms map to long ids; names stay as written */
	i = fr_sipmsg_next(&M, FR_SIP_H_VIA, -1);
	assert_int_equal(i, 0);
	i = fr_sipmsg_next(&M, FR_SIP_H_VIA, i);
	assert_int_equal(i, 1);
	assert_true(span_is(M.hdr[1].name, "v"));
	assert_int_equal(fr_sipmsg_next(&M, FR_SIP_H_VIA, i), -1);
	assert_true(fr_sipmsg_get(&M, FR_SIP_H_CALL_ID, &v));
	assert_true(span_is(v, "a84b4c76e66710@pc33.enterprise.test"));
	assert_true(fr_sipmsg_get(&M, FR_SIP_H_CONTENT_TYPE, &v));
	assert_true(span_is(v, "application/sdp"));
	i = fr_sipmsg_next_name(&M, "x-custom", -1);
	assert_int_equal(i, 10);
	assert_true(span_is(M.hdr[i].value, "some value"));
	assert_int_equal(fr_sipmsg_next_name(&M, "m", -1), 9);
	assert_int_equal(fr_sipmsg_next_name(&M, "Nope", -1), -1);
	assert_false(fr_sipmsg_get(&M, FR_SIP_H_RECORD_ROUTE, &v));
	assert_int_equal(fr_sip_hdr_id("RECORD-ROUTE", 12),
	    FR_SIP_H_RECORD_ROUTE);
	assert_int_equal(fr_sip_hdr_id("K", 1), FR_SIP_H_SUPPORTED);
	assert_int_equal(fr_sip_hdr_id("q", 1), FR_SIP_H_OTHER);
	assert_string_equal(fr_sip_hdr_name(FR_SIP_H_CALL_ID), "Call-ID");
}

static void
compact_forms(void **state)
{
	static const char *const forms = "vftimlcksreoubxjadyn";
	static const enum fr_sip_hdr ids[] = { FR_SIP_H_VIA, FR_SIP_H_FROM,
	    FR_SIP_H_TO, FR_SIP_H_CALL_ID, FR_SIP_H_CONTACT,
	    FR_SIP_H_CONTENT_LENGTH, FR_SIP_H_CONTENT_TYPE,
	    FR_SIP_H_SUPPORTED, FR_SIP_H_SUBJECT, FR_SIP_H_REFER_TO,
	    FR_SIP_H_CONTENT_ENCODING, FR_SIP_H_EVENT, FR_SIP_H_ALLOW_EVENTS,
	    FR_SIP_H_REFERRED_BY, FR_SIP_H_SESSION_EXPIRES,
	    FR_SIP_H_REJECT_CONTACT, FR_SIP_H_ACCEPT_CONTACT,
	    FR_SIP_H_REQUEST_DISPOSITION, FR_SIP_H_IDENTITY,
	    FR_SIP_H_IDENTITY_INFO };
	size_t i;

	(void)state;
	for (i = 0; forms[i] != '\0'; i++) {
		char up = (char)(forms[i] - 32);

		assert_int_equal(fr_sip_hdr_id(forms + i, 1), ids[i]);
		assert_int_equal(fr_sip_hdr_id(&up, 1), ids[i]);
	}
}

static void
response_and_start_lines(void **state)
{
	unsigned st = 0;

	(void)state;
	message("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", FR_SIP_STREAM);
	assert_false(M.request);
	assert_int_equal(M.status, 200);
	assert_true(span_is(M.reason, "OK"));
	message("sip/2.0 404\r\nl:0\r\n\r\n", FR_SIP_STREAM);
	assert_int_equal(M.status, 404);
	assert_int_equal(M.reason.len, 0);
	message("SIP/2.0 486 Busy Here, really\r\nl: 0\r\n\r\n",
	    FR_SIP_STREAM);
	assert_true(span_is(M.reason, "Busy Here, really"));
	bad("SIP/3.0 200 OK\r\nl: 0\r\n\r\n", 0, FR_SIP_STREAM, NULL,
	    "start line: unknown SIP version \"SIP/3.0\"");
	bad("INVITE sip:x SIP/3.0\r\nl: 0\r\n\r\n", 0, FR_SIP_STREAM, NULL,
	    "unknown SIP version \"SIP/3.0\"");
	bad("SIP/2.0 700 Weird\r\nl: 0\r\n\r\n", 0, FR_SIP_STREAM, NULL,
	    "not in 100-699");
	bad("SIP/2.0 099 Low\r\nl: 0\r\n\r\n", 0, FR_SIP_STREAM, NULL,
	    "not in 100-699");
	bad("SIP/2.0 2x0 OK\r\nl: 0\r\n\r\n", 0, FR_SIP_STREAM, NULL,
	    "bad status code");
	bad("SIP/2.0 2000 OK\r\nl: 0\r\n\r\n", 0, FR_SIP_STREAM, NULL,
	    "bad status code");
	bad("HTTP/1.1 200 OK\r\nl: 0\r\n\r\n", 0, FR_SIP_STREAM, NULL,
	    "start line");
	bad("INV@TE sip:x SIP/2.0\r\nl: 0\r\n\r\n", 0, FR_SIP_STREAM, NULL,
	    "bad method");
	bad("INVITE  SIP/2.0\r\nl: 0\r\n\r\n", 0, FR_SIP_STREAM, NULL,
	    "start line");
	bad("GET /\r\n\r\n", 0, FR_SIP_STREAM, NULL, "start line");
	/* the status line alone, as the health check reads it */
	assert_int_equal(fr_sip_status_line("SIP/2.0 503 Busy\r\n", 18, &st),
	    1);
	assert_int_equal(st, 503);
	assert_int_equal(fr_sip_status_line("SIP/2.0 503", 11, &st), 0);
	assert_int_equal(fr_sip_status_line("OPTIONS sip:x SIP/2.0\r\n", 23,
	    &st), -1);
}

static void
nul_and_line_ends(void **state)
{
	static const char nul[] = "OPTIONS sip:x SIP/2.0\r\nVia: a\0b\r\n"
	    "l: 0\r\n\r\n";
	static const char nul0[] = "OPTI\0NS sip:x SIP/2.0\r\nl: 0\r\n\r\n";

	(void)state;
	bad(nul, sizeof(nul) - 1, FR_SIP_STREAM, NULL, "header 1: NUL byte");
	bad(nul0, sizeof(nul0) - 1, FR_SIP_STREAM, NULL,
	    "start line: NUL byte at byte 4");
	bad("OPTIONS sip:x SIP/2.0\r\nVia: a\rb\r\nl: 0\r\n\r\n", 0,
	    FR_SIP_STREAM, NULL, "bare CR");
	/* LF-only line ends are accepted (RFC 3261 7.5 liberal reading) */
	message("OPTIONS sip:x SIP/2.0\nVia: SIP/2.0/UDP h\nl: 0\n\n",
	    FR_SIP_STREAM);
	assert_int_equal(M.nhdr, 2);
	assert_true(span_is(M.hdr[0].value, "SIP/2.0/UDP h"));
	/* a header that is not "name: value" */
	bad("OPTIONS sip:x SIP/2.0\r\nVia SIP/2.0/UDP h\r\nl: 0\r\n\r\n",
	    0, FR_SIP_STREAM, NULL, "header 1: not \"name: value\"");
	bad("OPTIONS sip:x SIP/2.0\r\n : x\r\nl: 0\r\n\r\n", 0,
	    FR_SIP_STREAM, NULL, "continuation line before any header");
}

static void
folding(void **state)
{
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_sip_via via;
	char err[128];

	(void)state;
	message("OPTIONS sip:x SIP/2.0\r\n"
	    "Via:\r\n SIP/2.0/UDP a.test;branch=z9hG4bK1,\r\n"
	    "\tSIP/2.0/TCP b.test:5070\r\n"
	    "Subject: hello\r\n   world  \r\n"
	    "Content-Length: 0\r\n\r\n", FR_SIP_STREAM);
	assert_int_equal(M.nhdr, 3);
	assert_true(span_is(M.hdr[1].value, "hello\r\n   world"));
	fr_sip_iter_init(&it, &M, FR_SIP_H_VIA);
	assert_true(fr_sip_iter_next(&it, &v));
	assert_true(span_is(v.s, "SIP/2.0/UDP a.test;branch=z9hG4bK1"));
	assert_false(v.alone);
	assert_true(fr_sip_iter_next(&it, &v));
	assert_true(span_is(v.s, "SIP/2.0/TCP b.test:5070"));
	assert_int_equal(fr_sip_via_parse(v.s, &via, err, sizeof(err)), 0);
	assert_int_equal(via.port, 5070);
	assert_false(fr_sip_iter_next(&it, &v));
}

static void
lists(void **state)
{
	struct fr_sip_iter it;
	struct fr_sip_value v;
	const char *want[] = { "<sip:edge.test;lr>", "<sip:p2.test;lr>",
	    "\"A, B\" <sip:p3.test;lr;x=\"a,b\">" };
	size_t n = 0;

	(void)state;
	message(INVITE, FR_SIP_STREAM);
	fr_sip_iter_init(&it, &M, FR_SIP_H_ROUTE);
	while (fr_sip_iter_next(&it, &v)) {
		assert_true(n < 3);
		assert_true(span_is(v.s, want[n]));
		assert_int_equal(v.alone, n == 2);
		n++;
	}
	assert_int_equal(n, 3);
	/* three Vias over two lines, one of them compact */
	n = 0;
	fr_sip_iter_init_name(&it, &M, "via");
	while (fr_sip_iter_next(&it, &v))
		n++;
	assert_int_equal(n, 3);
	/* a non-list header is one value even with commas */
	fr_sip_iter_init(&it, &M, FR_SIP_H_FROM);
	assert_true(fr_sip_iter_next(&it, &v));
	assert_true(span_is(v.s,
	    "\"Alice, A.\" <sip:alice@enterprise.test>;tag=1928301774"));
	assert_false(fr_sip_iter_next(&it, &v));
	/* escaped quote inside a quoted display name */
	message("OPTIONS sip:x SIP/2.0\r\nContact: \"a\\\", b\" <sip:a@x>, "
	    "<sip:b@y>;q=0.5 ,, \r\nl: 0\r\n\r\n", FR_SIP_STREAM);
	n = 0;
	fr_sip_iter_init(&it, &M, FR_SIP_H_CONTACT);
	while (fr_sip_iter_next(&it, &v))
		n++;
	assert_int_equal(n, 2);
}

static void
values(void **state)
{
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_sip_via via;
	struct fr_sip_addr a;
	struct fr_sip_cseq cs;
	struct fr_span x;
	char err[160];
	unsigned mf = 0;
	uint32_t secs, dur;

	(void)state;
	message(INVITE, FR_SIP_STREAM);
	fr_sip_iter_init(&it, &M, FR_SIP_H_VIA);
	assert_true(fr_sip_iter_next(&it, &v));
	assert_int_equal(fr_sip_via_parse(v.s, &via, err, sizeof(err)), 0);
	assert_true(span_is(via.protocol, "SIP/2.0"));
	assert_true(span_is(via.transport, "TLS"));
	assert_true(span_is(via.host, "10.0.0.5"));
	assert_true(span_is(via.sent_by, "10.0.0.5:5062"));
	assert_int_equal(via.port, 5062);
	assert_true(via.has_branch);
	assert_true(span_is(via.branch, "z9hG4bK776asdhds"));
	assert_true(via.has_rport);
	assert_int_equal(via.rport.len, 0);
	assert_false(via.has_received);
	assert_true(fr_sip_iter_next(&it, &v));
	assert_true(fr_sip_iter_next(&it, &v));
	assert_int_equal(fr_sip_via_parse(v.s, &via, err, sizeof(err)), 0);
	assert_true(span_is(via.host, "2001:db8::9"));
	assert_int_equal(via.port, 5070);
	assert_true(span_is(via.received, "192.0.2.1"));
	assert_true(fr_sip_param(via.params, "BRANCH", &x));
	assert_true(span_is(x, "z9hG4bKb"));
	assert_false(fr_sip_param(via.params, "maddr", &x));
	/* LWS around the slashes is legal */
	x.s = "SIP / 2.0 / UDP  h.test ; branch = z9hG4bKx";
	x.len = strlen(x.s);
	assert_int_equal(fr_sip_via_parse(x, &via, err, sizeof(err)), 0);
	assert_true(span_is(via.branch, "z9hG4bKx"));
	assert_int_equal(via.port, -1);
	x.s = "SIP/2.0/UDP";
	x.len = strlen(x.s);
	assert_int_equal(fr_sip_via_parse(x, &via, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "sent-by"));
	x.s = "SIP/2.0/UDP h:99999";
	x.len = strlen(x.s);
	assert_int_equal(fr_sip_via_parse(x, &via, err, sizeof(err)), -1);

	assert_true(fr_sipmsg_get(&M, FR_SIP_H_FROM, &x));
	assert_int_equal(fr_sip_addr_parse(x, &a, err, sizeof(err)), 0);
	assert_true(span_is(a.display, "\"Alice, A.\""));
	assert_true(span_is(a.uri, "sip:alice@enterprise.test"));
	assert_true(a.has_tag);
	assert_true(span_is(a.tag, "1928301774"));
	assert_true(fr_sipmsg_get(&M, FR_SIP_H_TO, &x));
	assert_int_equal(fr_sip_addr_parse(x, &a, err, sizeof(err)), 0);
	assert_false(a.has_tag);
	assert_true(span_is(a.display, "Bob"));
	/* addr-spec: the parameters are the header's */
	x.s = "sip:carol@c.test;tag=abc;expires=60";
	x.len = strlen(x.s);
	assert_int_equal(fr_sip_addr_parse(x, &a, err, sizeof(err)), 0);
	assert_true(span_is(a.uri, "sip:carol@c.test"));
	assert_true(span_is(a.tag, "abc"));
	x.s = "*";
	x.len = 1;
	assert_int_equal(fr_sip_addr_parse(x, &a, err, sizeof(err)), 0);
	assert_true(a.star);
	x.s = "\"Bob\" sip:bob@x";
	x.len = strlen(x.s);
	assert_int_equal(fr_sip_addr_parse(x, &a, err, sizeof(err)), -1);
	x.s = "<sip:bob@x";
	x.len = strlen(x.s);
	assert_int_equal(fr_sip_addr_parse(x, &a, err, sizeof(err)), -1);

	assert_true(fr_sipmsg_get(&M, FR_SIP_H_CSEQ, &x));
	assert_int_equal(fr_sip_cseq_parse(x, &cs, err, sizeof(err)), 0);
	assert_int_equal(cs.number, 314159);
	assert_true(span_is(cs.method, "INVITE"));
	x.s = "2147483648 INVITE";
	x.len = strlen(x.s);
	assert_int_equal(fr_sip_cseq_parse(x, &cs, err, sizeof(err)), -1);
	x.s = "1INVITE";
	x.len = strlen(x.s);
	assert_int_equal(fr_sip_cseq_parse(x, &cs, err, sizeof(err)), -1);

	assert_int_equal(fr_sip_max_forwards(&M, &mf), 0);
	assert_int_equal(mf, 70);
	message("OPTIONS sip:x SIP/2.0\r\nMax-Forwards: 256\r\nl: 0\r\n\r\n",
	    FR_SIP_STREAM);
	assert_int_equal(fr_sip_max_forwards(&M, &mf), -1);
	message("OPTIONS sip:x SIP/2.0\r\nl: 0\r\n\r\n", FR_SIP_STREAM);
	assert_int_equal(fr_sip_max_forwards(&M, &mf), 1);

	x.s = "120 (I'm in a meeting (really)) ;duration=3600";
	x.len = strlen(x.s);
	assert_int_equal(fr_sip_retry_after_parse(x, &secs, &dur), 0);
	assert_int_equal(secs, 120);
	assert_int_equal(dur, 3600);
	x.s = "18000";
	x.len = strlen(x.s);
	assert_int_equal(fr_sip_retry_after_parse(x, &secs, &dur), 0);
	assert_int_equal(secs, 18000);
	assert_int_equal(dur, 0);
	x.s = "soon";
	x.len = strlen(x.s);
	assert_int_equal(fr_sip_retry_after_parse(x, &secs, &dur), -1);
}

static void
content_length(void **state)
{
	static const char big[] = "MESSAGE sip:x SIP/2.0\r\n"
	    "Content-Length: 99999999999999999999\r\n\r\n";
	struct fr_sip_limits lim;
	struct fr_sip_error e;
	size_t used;
	const char *s;

	(void)state;
	e = bad("MESSAGE sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n", 0,
	    FR_SIP_STREAM, NULL, "no Content-Length (mandatory");
	assert_true(e.can_answer);
	e = bad("MESSAGE sip:x SIP/2.0\r\nf: <sip:a@b>\r\nContent-Length: "
	    "-1\r\n\r\n", 0, FR_SIP_STREAM, NULL,
	    "header 2 (Content-Length): not a number");
	assert_true(e.can_answer);
	bad(big, sizeof(big) - 1, FR_SIP_STREAM, NULL,
	    "(Content-Length): not a number");
	bad("MESSAGE sip:x SIP/2.0\r\nl: 4\r\nContent-Length: 5\r\n\r\n",
	    0, FR_SIP_STREAM, NULL, "disagrees");
	/* duplicates that agree are accepted */
	message("MESSAGE sip:x SIP/2.0\r\nl: 2\r\nContent-Length: 2\r\n\r\nhi",
	    FR_SIP_STREAM);
	assert_true(span_is(M.body, "hi"));
	fr_sip_limits_default(&lim);
	lim.body = 100;
	e = bad("SIP/2.0 200 OK\r\nl: 101\r\n\r\n", 0, FR_SIP_STREAM, &lim,
	    "over the limit of 100");
	assert_false(e.can_answer);	/* a response is never answered */
	/* stream: a body not all there yet */
	s = "MESSAGE sip:x SIP/2.0\r\nl: 10\r\n\r\n01234";
	assert_int_equal(fr_sipmsg_parse(&M, s, strlen(s), FR_SIP_STREAM,
	    NULL, &used, &e), FR_SIP_MORE);
	/* datagram: a truncated body is an error, extra bytes ignored,
	 * Content-Length optional */
	bad(s, strlen(s), FR_SIP_DATAGRAM, NULL,
	    "Content-Length is 10 but 5 bytes came");
	message("MESSAGE sip:x SIP/2.0\r\nl: 2\r\n\r\nhi there",
	    FR_SIP_DATAGRAM);
	assert_true(span_is(M.body, "hi"));
	message("\r\nMESSAGE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\nhi",
	    FR_SIP_DATAGRAM);
	assert_true(span_is(M.body, "hi"));
	assert_false(M.has_content_length);
	bad("MESSAGE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n", 0,
	    FR_SIP_DATAGRAM, NULL, "no blank line");
	bad("", 0, FR_SIP_DATAGRAM, NULL, "empty datagram");
}

static void
keepalives_and_pipelining(void **state)
{
	const char *s = "\r\n\r\n\r\nSIP/2.0 100 Trying\r\nl: 0\r\n\r\n"
	    "SIP/2.0 200 OK\r\nl: 3\r\n\r\nabcSIP/2.0 180";
	size_t len = strlen(s), off = 0, used;
	struct fr_sip_error e;

	(void)state;
	assert_int_equal(fr_sipmsg_parse(&M, s, len, FR_SIP_STREAM, NULL,
	    &used, &e), FR_SIP_PING);
	assert_int_equal(used, 4);
	off += used;
	assert_int_equal(fr_sipmsg_parse(&M, s + off, len - off,
	    FR_SIP_STREAM, NULL, &used, &e), FR_SIP_PONG);
	assert_int_equal(used, 2);
	off += used;
	assert_int_equal(fr_sipmsg_parse(&M, s + off, len - off,
	    FR_SIP_STREAM, NULL, &used, &e), FR_SIP_MESSAGE);
	assert_int_equal(M.status, 100);
	off += used;
	assert_int_equal(fr_sipmsg_parse(&M, s + off, len - off,
	    FR_SIP_STREAM, NULL, &used, &e), FR_SIP_MESSAGE);
	assert_int_equal(M.status, 200);
	assert_true(span_is(M.body, "abc"));
	off += used;
	assert_int_equal(fr_sipmsg_parse(&M, s + off, len - off,
	    FR_SIP_STREAM, NULL, &used, &e), FR_SIP_MORE);
	/* partial keep-alives wait; a lone CRLF is a pong */
	assert_int_equal(fr_sipmsg_parse(&M, "\r", 1, FR_SIP_STREAM, NULL,
	    &used, &e), FR_SIP_MORE);
	assert_int_equal(fr_sipmsg_parse(&M, "\r\n\r", 3, FR_SIP_STREAM, NULL,
	    &used, &e), FR_SIP_MORE);
	assert_int_equal(fr_sipmsg_parse(&M, "\r\n", 2, FR_SIP_STREAM, NULL,
	    &used, &e), FR_SIP_PONG);
	assert_int_equal(fr_sipmsg_parse(&M, "\rX", 2, FR_SIP_STREAM, NULL,
	    &used, &e), FR_SIP_BAD);
	assert_int_equal(fr_sipmsg_parse(&M, "", 0, FR_SIP_STREAM, NULL,
	    &used, &e), FR_SIP_MORE);
	/* every prefix of a message is MORE, never BAD or MESSAGE */
	for (len = 0; len < strlen(INVITE); len++)
		assert_int_equal(fr_sipmsg_parse(&M, INVITE, len,
		    FR_SIP_STREAM, NULL, &used, &e), FR_SIP_MORE);
}

static void
limits(void **state)
{
	struct fr_sip_limits lim;
	char *big;
	size_t i, n, used;
	struct fr_sip_error e;

	(void)state;
	/* 10,000 headers */
	big = malloc(200000);
	assert_non_null(big);
	n = (size_t)sprintf(big, "OPTIONS sip:x SIP/2.0\r\n");
	for (i = 0; i < 10000; i++)
		n += (size_t)sprintf(big + n, "X: %zu\r\n", i);
	n += (size_t)sprintf(big + n, "l: 0\r\n\r\n");
	fr_sip_limits_default(&lim);
	lim.head = 200000;
	bad(big, n, FR_SIP_STREAM, &lim, "too many headers (more than 256)");
	lim.headers = 10;
	bad(big, n, FR_SIP_STREAM, &lim, "too many headers (more than 10)");
	fr_sip_limits_default(&lim);
	bad(big, n, FR_SIP_STREAM, &lim, "too many headers");
	lim.headers = 100000;		/* clamped to the index */
	lim.head = 1000;
	bad(big, n, FR_SIP_STREAM, &lim, "head: longer than 1000 bytes");
	/* an oversize header line, and one that never ends */
	n = (size_t)sprintf(big, "OPTIONS sip:x SIP/2.0\r\nSubject: ");
	memset(big + n, 'a', 9000);
	n += 9000;
	fr_sip_limits_default(&lim);
	bad(big, n, FR_SIP_STREAM, &lim, "header 1: longer than 8192 bytes");
	memcpy(big + n, "\r\nl: 0\r\n\r\n", 10);
	bad(big, n + 10, FR_SIP_STREAM, &lim,
	    "header 1: longer than 8192 bytes");
	/* folded lines count as one header */
	n = (size_t)sprintf(big, "OPTIONS sip:x SIP/2.0\r\nSubject: a\r\n");
	for (i = 0; i < 1000; i++)
		n += (size_t)sprintf(big + n, " aaaaaaaaaaaa\r\n");
	n += (size_t)sprintf(big + n, "l: 0\r\n\r\n");
	bad(big, n, FR_SIP_STREAM, &lim, "header 1: longer than 8192");
	/* an oversize start line */
	memset(big, 'A', 5000);
	bad(big, 5000, FR_SIP_STREAM, &lim, "start line: longer than 4096");
	lim.start_line = 10;
	assert_int_equal(fr_sipmsg_parse(&M, "INVITE sip", 10, FR_SIP_STREAM,
	    &lim, &used, &e), FR_SIP_MORE);
	bad("INVITE sip:x SIP/2.0\r\n", 0, FR_SIP_STREAM, &lim,
	    "start line: longer than 10");
	/* limits at their widest do not wrap */
	lim.start_line = lim.header_line = lim.head = lim.body = SIZE_MAX;
	assert_int_equal(fr_sipmsg_parse(&M, INVITE, strlen(INVITE),
	    FR_SIP_STREAM, &lim, &used, &e), FR_SIP_MESSAGE);
	assert_int_equal(fr_sipmsg_parse(&M, INVITE, 20, FR_SIP_STREAM, &lim,
	    &used, &e), FR_SIP_MORE);
	free(big);
}

/* Parse out[0..n) again into M2, as a stream. */
static void
reparse(const char *out, long n)
{
	struct fr_sip_error e;
	size_t used;

	assert_true(n > 0);
	if (fr_sipmsg_parse(&M2, out, (size_t)n, FR_SIP_STREAM, NULL, &used,
	    &e) != FR_SIP_MESSAGE)
		fail_msg("re-parse: %s in:\n%.*s", e.text, (int)n, out);
	assert_int_equal(used, (size_t)n);
}

static void
edits(void **state)
{
	static const char via[] = "Via: SIP/2.0/TLS edge.test:5061;branch="
	    "z9hG4bKedge1\r\n";
	static const char rr[] = "Record-Route: <sip:edge.test;lr>\r\n";
	struct fr_sip_edits ed;
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_sip_addr a;
	struct fr_span mf;
	char out[2048], err[128];
	size_t need;
	long n;
	int i;

	(void)state;
	message(INVITE, FR_SIP_STREAM);
	fr_sip_edits_init(&ed);
	/* insert our Via before the first one and a Record-Route first */
	assert_int_equal(fr_sip_edit_insert(&ed, &M,
	    (size_t)fr_sipmsg_next(&M, FR_SIP_H_VIA, -1), via,
	    sizeof(via) - 1), 0);
	assert_int_equal(fr_sip_edit_insert(&ed, &M, 0, rr, sizeof(rr) - 1),
	    0);
	/* remove the top Route: the first value of a shared line */
	fr_sip_iter_init(&it, &M, FR_SIP_H_ROUTE);
	assert_true(fr_sip_iter_next(&it, &v));
	assert_int_equal(fr_sip_edit_remove_value(&ed, &M, &v), 0);
	/* replace the Contact URI */
	assert_true(fr_sipmsg_get(&M, FR_SIP_H_CONTACT, &mf));
	assert_int_equal(fr_sip_addr_parse(mf, &a, err, sizeof(err)), 0);
	assert_int_equal(fr_sip_edit_replace(&ed, &M, a.uri,
	    "sip:alice@203.0.113.1:55061;transport=tls", 41), 0);
	/* Max-Forwards - 1, and a new Request-URI */
	assert_true(fr_sipmsg_get(&M, FR_SIP_H_MAX_FORWARDS, &mf));
	assert_int_equal(fr_sip_edit_replace(&ed, &M, mf, "69", 2), 0);
	assert_int_equal(fr_sip_edit_replace(&ed, &M, M.ruri,
	    "sip:bob@192.0.2.9:5061;transport=tls", 36), 0);
	/* too small: the size needed */
	n = fr_sipmsg_write(&M, &ed, out, 100, &need, err, sizeof(err));
	assert_int_equal(n, -1);
	assert_true(need > 100);
	n = fr_sipmsg_write(&M, &ed, out, sizeof(out), &need, err,
	    sizeof(err));
	assert_int_equal((size_t)n, need);
	reparse(out, n);
	assert_true(span_is(M2.ruri, "sip:bob@192.0.2.9:5061;transport=tls"));
	/* both at offset 0: in the order they were added */
	assert_true(span_is(M2.hdr[0].line, via));
	assert_true(span_is(M2.hdr[1].line, rr));
	assert_int_equal(M2.nhdr, M.nhdr + 2);
	fr_sip_iter_init(&it, &M2, FR_SIP_H_ROUTE);
	assert_true(fr_sip_iter_next(&it, &v));
	assert_true(span_is(v.s, "<sip:p2.test;lr>"));
	assert_true(span_is(M2.hdr[fr_sipmsg_next(&M2, FR_SIP_H_ROUTE, -1)]
	    .line, "Route: <sip:p2.test;lr>\r\n"));
	assert_true(fr_sipmsg_get(&M2, FR_SIP_H_MAX_FORWARDS, &mf));
	assert_true(span_is(mf, "69"));
	assert_true(fr_sipmsg_get(&M2, FR_SIP_H_CONTACT, &mf));
	assert_true(span_is(mf,
	    "<sip:alice@203.0.113.1:55061;transport=tls>"));
	assert_true(span_is(M2.body, "v=0\n"));

	/* remove the middle and the last value of a shared Via line */
	fr_sip_edits_init(&ed);
	fr_sip_iter_init(&it, &M, FR_SIP_H_VIA);
	assert_true(fr_sip_iter_next(&it, &v));	/* alone on line 1 */
	assert_true(v.alone);
	assert_true(fr_sip_iter_next(&it, &v));	/* first of line 2 */
	assert_int_equal(fr_sip_edit_remove_value(&ed, &M, &v), 0);
	n = fr_sipmsg_write(&M, &ed, out, sizeof(out), NULL, err,
	    sizeof(err));
	reparse(out, n);
	i = fr_sipmsg_next(&M2, FR_SIP_H_VIA, 0);
	assert_true(span_is(M2.hdr[i].line, "v: SIP/2.0/UDP [2001:db8::9]:5070;"
	    "received=192.0.2.1;branch=z9hG4bKb\r\n"));
	fr_sip_edits_init(&ed);
	assert_true(fr_sip_iter_next(&it, &v));	/* last of line 2 */
	assert_int_equal(fr_sip_edit_remove_value(&ed, &M, &v), 0);
	n = fr_sipmsg_write(&M, &ed, out, sizeof(out), NULL, err,
	    sizeof(err));
	reparse(out, n);
	assert_true(span_is(M2.hdr[i].line,
	    "v: SIP/2.0/TCP edge.test;branch=z9hG4bKa\r\n"));
	/* the top Via alone on its line goes with its line */
	fr_sip_edits_init(&ed);
	fr_sip_iter_init(&it, &M, FR_SIP_H_VIA);
	assert_true(fr_sip_iter_next(&it, &v));
	assert_int_equal(fr_sip_edit_remove_value(&ed, &M, &v), 0);
	n = fr_sipmsg_write(&M, &ed, out, sizeof(out), NULL, err,
	    sizeof(err));
	reparse(out, n);
	assert_int_equal(M2.nhdr, M.nhdr - 1);
	assert_true(span_is(M2.hdr[0].name, "v"));
	/* a middle value of three */
	message("OPTIONS sip:x SIP/2.0\r\nRoute: <sip:a>, <sip:b> ,<sip:c>\r\n"
	    "l: 0\r\n\r\n", FR_SIP_STREAM);
	fr_sip_edits_init(&ed);
	fr_sip_iter_init(&it, &M, FR_SIP_H_ROUTE);
	assert_true(fr_sip_iter_next(&it, &v));
	assert_true(fr_sip_iter_next(&it, &v));
	assert_int_equal(fr_sip_edit_remove_value(&ed, &M, &v), 0);
	n = fr_sipmsg_write(&M, &ed, out, sizeof(out), NULL, err,
	    sizeof(err));
	reparse(out, n);
	assert_true(span_is(M2.hdr[0].line, "Route: <sip:a>, <sip:c>\r\n"));
	/* replace one Via value on a shared line, the others untouched */
	message(INVITE, FR_SIP_STREAM);
	fr_sip_edits_init(&ed);
	fr_sip_iter_init(&it, &M, FR_SIP_H_VIA);
	assert_true(fr_sip_iter_next(&it, &v));
	assert_true(fr_sip_iter_next(&it, &v));
	assert_int_equal(fr_sip_edit_replace(&ed, &M, v.s,
	    "SIP/2.0/TCP 203.0.113.1:55060;branch=z9hG4bKa", 45), 0);
	n = fr_sipmsg_write(&M, &ed, out, sizeof(out), NULL, err,
	    sizeof(err));
	reparse(out, n);
	assert_true(span_is(M2.hdr[1].line, "v: SIP/2.0/TCP 203.0.113.1:55060;"
	    "branch=z9hG4bKa, SIP/2.0/UDP [2001:db8::9]:5070;received="
	    "192.0.2.1;branch=z9hG4bKb\r\n"));
	assert_int_equal(M2.raw.len, M.raw.len + 45 - v.s.len);
	message("OPTIONS sip:x SIP/2.0\r\nRoute: <sip:a>, <sip:b> ,<sip:c>\r\n"
	    "l: 0\r\n\r\n", FR_SIP_STREAM);
	/* append at the end of the head */
	fr_sip_edits_init(&ed);
	assert_int_equal(fr_sip_edit_insert(&ed, &M, M.nhdr, "X-A: 1\r\n",
	    8), 0);
	n = fr_sipmsg_write(&M, &ed, out, sizeof(out), NULL, err,
	    sizeof(err));
	reparse(out, n);
	assert_true(span_is(M2.hdr[2].line, "X-A: 1\r\n"));
}

static void
bad_edits(void **state)
{
	struct fr_sip_edits ed;
	struct fr_span s;
	char out[1024], err[128];
	size_t need;

	(void)state;
	message(INVITE, FR_SIP_STREAM);
	/* overlap: the Request-URI replaced twice */
	fr_sip_edits_init(&ed);
	assert_int_equal(fr_sip_edit_replace(&ed, &M, M.ruri, "sip:a", 5), 0);
	s = M.ruri;
	s.s += 2;
	s.len = 3;
	assert_int_equal(fr_sip_edit_replace(&ed, &M, s, "x", 1), 0);
	assert_int_equal(fr_sipmsg_write(&M, &ed, out, sizeof(out), &need,
	    err, sizeof(err)), -1);
	assert_int_equal(need, 0);
	assert_non_null(strstr(err, "overlap"));
	/* unsafe text */
	fr_sip_edits_init(&ed);
	assert_int_equal(fr_sip_edit_replace(&ed, &M, M.ruri,
	    "sip:a\r\nX: y", 11), -1);
	assert_int_equal(fr_sipmsg_write(&M, &ed, out, sizeof(out), &need,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control"));
	fr_sip_edits_init(&ed);
	assert_int_equal(fr_sip_edit_insert(&ed, &M, 0, "X: 1", 4), -1);
	assert_int_equal(fr_sip_edit_insert(&ed, &M, 0, "X: 1\r\n\r\nY: 2\r\n",
	    14), -1);
	assert_int_equal(fr_sip_edit_insert(&ed, &M, 0, "X: 1\nY: 2\r\n", 11),
	    -1);
	assert_int_equal(fr_sip_edit_insert(&ed, &M, 0, " X: 1\r\n", 7), -1);
	/* the body is not ours to edit */
	fr_sip_edits_init(&ed);
	assert_int_equal(fr_sip_edit_replace(&ed, &M, M.body, "x", 1), -1);
}

static void
build_response(void **state)
{
	char out[2048], warn[256];
	size_t need;
	long n;
	struct fr_span v;
	struct fr_sip_addr a;
	char err[128];

	(void)state;
	message(INVITE, FR_SIP_STREAM);
	assert_true(fr_sip_warning(warn, sizeof(warn), 399, "edge.test",
	    "no route to \"partner\\test\"\r\n") > 0);
	assert_string_equal(warn, "Warning: 399 edge.test \"no route to "
	    "\\\"partner\\\\test\\\"\"\r\n");
	n = fr_sip_response_build(&M, 404, "Not\r\nFound", "edge42", warn,
	    out, sizeof(out), &need);
	reparse(out, n);
	assert_false(M2.request);
	assert_int_equal(M2.status, 404);
	assert_true(span_is(M2.reason, "NotFound"));
	assert_int_equal(fr_sipmsg_next(&M2, FR_SIP_H_VIA, 0), 1);
	assert_true(span_is(M2.hdr[1].line, "Via: SIP/2.0/TCP edge.test;"
	    "branch=z9hG4bKa, SIP/2.0/UDP [2001:db8::9]:5070;received="
	    "192.0.2.1;branch=z9hG4bKb\r\n"));
	assert_true(fr_sipmsg_get(&M2, FR_SIP_H_TO, &v));
	assert_int_equal(fr_sip_addr_parse(v, &a, err, sizeof(err)), 0);
	assert_true(span_is(a.tag, "edge42"));
	assert_true(fr_sipmsg_get(&M2, FR_SIP_H_CALL_ID, &v));
	assert_true(span_is(v, "a84b4c76e66710@pc33.enterprise.test"));
	assert_true(fr_sipmsg_get(&M2, FR_SIP_H_CSEQ, &v));
	assert_true(span_is(v, "314159 INVITE"));
	assert_true(fr_sipmsg_get(&M2, FR_SIP_H_WARNING, &v));
	assert_int_equal(M2.body.len, 0);
	assert_false(fr_sipmsg_get(&M2, FR_SIP_H_CONTACT, &v));
	/* too small */
	assert_int_equal(fr_sip_response_build(&M, 404, "Not Found", NULL,
	    NULL, out, 20, &need), -1);
	assert_true(need > 20);
	/* not lines */
	assert_int_equal(fr_sip_response_build(&M, 400, "Bad", NULL, "X: y",
	    out, sizeof(out), &need), -1);
	assert_int_equal(need, 0);
	/* To with a tag keeps it */
	message("BYE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	    "To: <sip:b@x>;tag=keep\r\nl: 0\r\n\r\n", FR_SIP_STREAM);
	n = fr_sip_response_build(&M, 483, "Too Many Hops", "mine", NULL, out,
	    sizeof(out), NULL);
	reparse(out, n);
	assert_true(fr_sipmsg_get(&M2, FR_SIP_H_TO, &v));
	assert_true(span_is(v, "<sip:b@x>;tag=keep"));
	/* not to a response */
	message("SIP/2.0 200 OK\r\nl: 0\r\n\r\n", FR_SIP_STREAM);
	assert_int_equal(fr_sip_response_build(&M, 400, "Bad", NULL, NULL,
	    out, sizeof(out), NULL), -1);
}

static void
build_options(void **state)
{
	struct fr_sip_options o = {
		.ruri = "sip:partner.test", .transport = "TLS",
		.sent_by = "[2001:db8::1]:5061", .branch = "abc",
		.from_uri = "sip:fedroute@edge.test", .from_tag = "t1",
		.to_uri = "sip:partner.test", .call_id = "c1@fedroute",
		.contact = NULL, .user_agent = "fedroute 1.0",
	};
	char out[1024], err[128];
	struct fr_sip_via via;
	struct fr_span v;
	long n;

	(void)state;
	n = fr_sip_options_build(&o, out, sizeof(out));
	reparse(out, n);
	assert_true(M2.request);
	assert_true(span_is(M2.method, "OPTIONS"));
	assert_true(fr_sipmsg_get(&M2, FR_SIP_H_VIA, &v));
	assert_int_equal(fr_sip_via_parse(v, &via, err, sizeof(err)), 0);
	assert_true(span_is(via.branch, "z9hG4bKabc"));
	assert_true(span_is(via.host, "2001:db8::1"));
	assert_true(fr_sipmsg_get(&M2, FR_SIP_H_USER_AGENT, &v));
	assert_true(span_is(v, "fedroute 1.0"));
	assert_false(fr_sipmsg_get(&M2, FR_SIP_H_CONTACT, &v));
	o.contact = "sip:fedroute@[2001:db8::1]:5061;transport=tls";
	n = fr_sip_options_build(&o, out, sizeof(out));
	reparse(out, n);
	assert_true(fr_sipmsg_get(&M2, FR_SIP_H_CONTACT, &v));
	assert_int_equal(fr_sip_options_build(&o, out, 50), -1);
	o.call_id = "c1\r\nX: injected";
	assert_int_equal(fr_sip_options_build(&o, out, sizeof(out)), -1);
	o.call_id = "c1";
	o.ruri = "sip:a b";
	assert_int_equal(fr_sip_options_build(&o, out, sizeof(out)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_index),
		cmocka_unit_test(compact_forms),
		cmocka_unit_test(response_and_start_lines),
		cmocka_unit_test(nul_and_line_ends),
		cmocka_unit_test(folding),
		cmocka_unit_test(lists),
		cmocka_unit_test(values),
		cmocka_unit_test(content_length),
		cmocka_unit_test(keepalives_and_pipelining),
		cmocka_unit_test(limits),
		cmocka_unit_test(edits),
		cmocka_unit_test(bad_edits),
		cmocka_unit_test(build_response),
		cmocka_unit_test(build_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
