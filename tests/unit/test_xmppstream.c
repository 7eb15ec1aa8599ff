/*
 * test_xmppstream.c -- the XMPP stream reader (proto/xmppstream.c): the
 * header whatever the split, the XML it refuses, its bounds, and the
 * features, errors and STARTTLS answers the probe reads.
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

#include "xmppstream.h"

/* What Prosody 0.12 sends to open an s2s stream (captured). */
static const char prosody_head[] =
    "<?xml version='1.0'?>"
    "<stream:stream xmlns:db='jabber:server:dialback' "
    "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' "
    "from='xgood.conn.test' id='0b7d0c8a-0d33-4e5b-9a57-ff1b9c0f4e2d' "
    "to='probe.conn.test' xml:lang='en' xmlns='jabber:server'>";
static const char prosody_features[] =
    "<stream:features><dialback xmlns='urn:xmpp:features:dialback'>"
    "<errors/></dialback><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
    "<required/></starttls></stream:features>";

/* ejabberd's, with double quotes and the namespaces first. */
static const char ejabberd_head[] =
    "<?xml version=\"1.0\"?>\n"
    "<stream:stream xmlns=\"jabber:server\" "
    "xmlns:stream=\"http://etherx.jabber.org/streams\" "
    "xmlns:db=\"jabber:server:dialback\" id=\"5740313539436843425\" "
    "from=\"example.net\" version=\"1.0\" xml:lang=\"en\">";

/* ---- helpers ------------------------------------------------------------- */

#define MAX_EVENTS 32

struct run {
	enum fr_xmpp_event ev[MAX_EVENTS];
	size_t off[MAX_EVENTS];
	size_t n;
	char err[320];
};

/*
 * Feed in pieces of chunk bytes (0: all at once), answering every event
 * by feeding on, until the input is all taken and the reader wants
 * more, or it fails or the stream closes.
 */
static struct run
feed(struct fr_xmpp_stream *s, const char *in, size_t len, size_t chunk)
{
	struct run r;
	size_t pos = 0;

	memset(&r, 0, sizeof(r));
	for (;;) {
		size_t n = chunk == 0 || len - pos < chunk ? len - pos : chunk;
		size_t taken;
		enum fr_xmpp_event ev;

		ev = fr_xmpp_stream_feed(s, in + pos, n, &taken);
		assert_true(taken <= n);
		pos += taken;
		if (ev == FR_XMPP_MORE) {
			assert_int_equal(taken, n);
			if (pos == len)
				break;
			continue;
		}
		assert_true(r.n < MAX_EVENTS);
		r.ev[r.n] = ev;
		r.off[r.n++] = fr_xmpp_stream_offset(s);
		if (ev == FR_XMPP_ERROR) {
			snprintf(r.err, sizeof(r.err), "%s",
			    fr_xmpp_stream_errstr(s));
			break;
		}
		if (ev == FR_XMPP_CLOSED)
			break;
	}
	return r;
}

/* A fresh reader over in, split every way from 1 byte to all: the
 * events and offsets must not change; the first run is returned. */
static struct run
feed_every_split(const char *in, size_t len, size_t max)
{
	struct run first, r;
	size_t chunk, i;

	for (chunk = 0; chunk <= len; chunk++) {
		struct fr_xmpp_stream *s = fr_xmpp_stream_create(max);

		assert_non_null(s);
		r = feed(s, in, len, chunk);
		fr_xmpp_stream_delete(s);
		if (chunk == 0) {
			first = r;
			continue;
		}
		if (r.n != first.n || strcmp(r.err, first.err) != 0)
			fail_msg("chunk %zu: %zu events (\"%s\"), whole: %zu "
			    "(\"%s\")", chunk, r.n, r.err, first.n, first.err);
		for (i = 0; i < r.n; i++) {
			assert_int_equal(r.ev[i], first.ev[i]);
			assert_int_equal(r.off[i], first.off[i]);
		}
	}
	return first;
}

/* The header of in, read whole; fails the test if none. */
static struct fr_xmpp_stream *
header_of(const char *in, size_t max)
{
	struct fr_xmpp_stream *s = fr_xmpp_stream_create(max);
	enum fr_xmpp_event ev;
	size_t pos = 0, len = strlen(in), taken;

	assert_non_null(s);
	do {
		ev = fr_xmpp_stream_feed(s, in + pos, len - pos, &taken);
		pos += taken;
	} while (ev == FR_XMPP_MORE && pos < len);
	if (ev != FR_XMPP_HEADER)
		fail_msg("no header from \"%s\": %s", in,
		    fr_xmpp_stream_errstr(s));
	return s;
}

/* The error in reads to, whatever the split. */
static void
refused(const char *in, size_t max, const char *expect)
{
	struct run r = feed_every_split(in, strlen(in), max);

	if (r.n == 0)
		fail_msg("\"%.60s\": no error", in);
	assert_int_equal(r.ev[r.n - 1], FR_XMPP_ERROR);
	if (strstr(r.err, expect) == NULL)
		fail_msg("\"%.60s\": error '%s' does not say '%s'", in, r.err,
		    expect);
}

static char *
cat(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = malloc(na + nb + 1);

	assert_non_null(s);
	memcpy(s, a, na);
	memcpy(s + na, b, nb + 1);
	return s;
}

/* ---- the header ---------------------------------------------------------- */

static void
prosody_header(void **state)
{
	char *in = cat(prosody_head, prosody_features);
	struct fr_xmpp_stream *s;
	const struct fr_xmpp_stream_header *h;
	struct run r;

	(void)state;
	r = feed_every_split(in, strlen(in), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[0], FR_XMPP_HEADER);
	/* exactly the header's bytes, so a router can replay them */
	assert_int_equal(r.off[0], strlen(prosody_head));
	assert_int_equal(r.ev[1], FR_XMPP_FEATURES);
	assert_int_equal(r.off[1], strlen(in));

	s = header_of(in, 0);
	h = fr_xmpp_stream_header(s);
	assert_non_null(h);
	assert_int_equal(h->len, strlen(prosody_head));
	assert_string_equal(h->to, "probe.conn.test");
	assert_string_equal(h->from, "xgood.conn.test");
	assert_string_equal(h->id, "0b7d0c8a-0d33-4e5b-9a57-ff1b9c0f4e2d");
	assert_string_equal(h->version, "1.0");
	assert_string_equal(h->lang, "en");
	assert_string_equal(h->ns_default, "jabber:server");
	assert_string_equal(h->ns_stream, FR_XMPP_NS_STREAMS);
	assert_string_equal(h->prefix, "stream");
	assert_true(h->has_to && h->has_from && h->has_id &&
	    h->has_version && h->has_lang);
	/* stopped right after the header: nothing else read yet */
	assert_null(fr_xmpp_stream_features(s));
	fr_xmpp_stream_delete(s);
	free(in);
}

static void
ejabberd_header(void **state)
{
	struct fr_xmpp_stream *s;
	const struct fr_xmpp_stream_header *h;
	struct run r;

	(void)state;
	r = feed_every_split(ejabberd_head, strlen(ejabberd_head), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.off[0], strlen(ejabberd_head));
	s = header_of(ejabberd_head, 0);
	h = fr_xmpp_stream_header(s);
	assert_string_equal(h->from, "example.net");
	assert_string_equal(h->id, "5740313539436843425");
	assert_false(h->has_to);		/* missing to */
	assert_string_equal(h->to, "");
	assert_string_equal(h->ns_default, "jabber:server");
	fr_xmpp_stream_delete(s);
}

static void
gt_and_entities(void **state)
{
	/* '>' inside values, every predefined entity, character
	 * references, and a '/' that does not close the tag */
	static const char in[] =
	    "<stream:stream xmlns='jabber:client' "
	    "xmlns:stream='http://etherx.jabber.org/streams' "
	    "to='a&gt;b&#46;example' from=\"it&apos;s &quot;x&quot; &amp; "
	    "&lt;y&gt; > /\" id='x>y/>' version='1.0'>"
	    "<message/>";
	struct fr_xmpp_stream *s;
	const struct fr_xmpp_stream_header *h;
	struct run r;

	(void)state;
	r = feed_every_split(in, sizeof(in) - 1, 0);
	assert_int_equal(r.ev[0], FR_XMPP_HEADER);
	assert_int_equal(r.off[0], sizeof(in) - 1 - strlen("<message/>"));
	assert_int_equal(r.ev[1], FR_XMPP_ELEMENT);
	s = header_of(in, 0);
	h = fr_xmpp_stream_header(s);
	assert_string_equal(h->to, "a>b.example");
	assert_string_equal(h->from, "it's \"x\" & <y> > /");
	assert_string_equal(h->id, "x>y/>");
	assert_string_equal(h->ns_default, "jabber:client");
	assert_false(h->has_lang);
	fr_xmpp_stream_delete(s);
}

static void
quotes_and_prefixes(void **state)
{
	static const char bom[] = "\xef\xbb\xbf\n <stream:stream "
	    "xmlns:stream='" FR_XMPP_NS_STREAMS "'>";
	struct fr_xmpp_stream *s;
	const struct fr_xmpp_stream_header *h;

	(void)state;
	/* another prefix for the streams namespace is the same stream */
	s = header_of("<?xml version=\"1.0\" encoding='UTF-8'?>"
	    "<s:stream xmlns:s=\"http://etherx.jabber.org/streams\" "
	    "to=\"x.test\" from='y.test' xmlns='jabber:server'>", 0);
	h = fr_xmpp_stream_header(s);
	assert_string_equal(h->prefix, "s");
	assert_string_equal(h->to, "x.test");
	assert_string_equal(h->from, "y.test");
	assert_false(h->has_version);
	fr_xmpp_stream_delete(s);
	/* no default namespace: reported as "", the caller judges */
	s = header_of("<stream:stream xmlns:stream='"
	    FR_XMPP_NS_STREAMS "' to='x'>", 0);
	assert_string_equal(fr_xmpp_stream_header(s)->ns_default, "");
	fr_xmpp_stream_delete(s);
	/* a BOM and whitespace before the root count in the length */
	s = header_of(bom, 0);
	assert_int_equal(fr_xmpp_stream_header(s)->len, sizeof(bom) - 1);
	fr_xmpp_stream_delete(s);
	/* to= with a prefix is another attribute, not the stream's to */
	s = header_of("<stream:stream xmlns:stream='" FR_XMPP_NS_STREAMS
	    "' xmlns:x='urn:x' x:to='evil' to='good'>", 0);
	assert_string_equal(fr_xmpp_stream_header(s)->to, "good");
	fr_xmpp_stream_delete(s);
}

static void
wrong_root(void **state)
{
	(void)state;
	refused("<foo xmlns='jabber:server'>", 0,
	    "stream header: root is <foo>, not <stream:stream>");
	refused("<?xml version='1.0'?><html><body>", 0,
	    "root is <html>, not <stream:stream>");
	refused("<stream xmlns='jabber:server'>", 0,
	    "stream header: root <stream> is in namespace 'jabber:server', "
	    "not http://etherx.jabber.org/streams");
	refused("<stream:stream xmlns:stream='http://etherx.jabber.org/stream'"
	    " xmlns='jabber:server'>", 0,
	    "namespace 'http://etherx.jabber.org/stream', not");
	/* the prefix must be bound */
	refused("<stream:stream xmlns='jabber:server' to='x'>", 0,
	    "stream header: not well-formed (expat: unbound prefix) at byte");
	/* an empty root closes what it opens */
	refused("<stream:stream xmlns:stream='" FR_XMPP_NS_STREAMS "'/>", 0,
	    "stream header: <stream:stream/> closes the stream it opens");
	/* peer bytes in a message are escaped */
	refused("<f\xc3\xa9\x65 xmlns='x'>", 0,
	    "root is <f\\xc3\\xa9e>, not");
}

static void
restricted_xml(void **state)
{
	static const char bomb[] =
	    "<?xml version='1.0'?>"
	    "<!DOCTYPE lolz [<!ENTITY lol 'lol'>"
	    "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
	    "<!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>"
	    "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>]>"
	    "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
	    "to='&lol3;'>";

	(void)state;
	refused(bomb, 0, "stream header: DOCTYPE not allowed");
	refused("<!DOCTYPE stream:stream SYSTEM 'http://127.0.0.1/x.dtd'>"
	    "<stream:stream>", 0, "DOCTYPE not allowed");
	/* no DTD, so no entity but the five */
	refused("<stream:stream xmlns:stream='" FR_XMPP_NS_STREAMS
	    "' to='&lol;'>", 0, "expat: undefined entity");
	refused("<!-- hi --><stream:stream>", 0,
	    "stream header: comments not allowed");
	refused("<?php echo 1 ?><stream:stream>", 0,
	    "processing instructions not allowed");
	/* the declaration may not come late */
	refused(" <?xml version='1.0'?><stream:stream>", 0, "not well-formed");
}

static void
garbage(void **state)
{
	struct run r;

	(void)state;
	refused("OPTIONS sip:x SIP/2.0\r\n", 0,
	    "stream header: not well-formed (expat: syntax error) at byte 0");
	refused("\x16\x03\x01\x02\x00\x01", 0, "not well-formed");
	refused("<stream:stream xmlns:stream='" FR_XMPP_NS_STREAMS
	    "' to='a' to='b'>", 0, "duplicate attribute");
	refused("<stream:stream xmlns:stream='" FR_XMPP_NS_STREAMS
	    "' to='\xff'>", 0, "not well-formed");
	/* UTF-16 (which expat would guess from the first two bytes,
	 * but only when they come together) is refused whatever the split */
	r = feed_every_split("<\0s\0t\0", 6, 0);
	assert_string_equal(r.err, "stream header: not UTF-8 (byte 0x00 at "
	    "byte 1)");
	r = feed_every_split("\xff\xfe<\0", 4, 0);
	assert_string_equal(r.err, "stream header: not UTF-8 (byte 0xff at "
	    "byte 0)");
	r = feed_every_split("a\0\0set:m=\"t", 11, 0);	/* found by fuzzing */
	assert_string_equal(r.err, "stream header: not UTF-8 (byte 0x00 at "
	    "byte 1)");
	/* UTF-8 only: a declared encoding does not change that */
	refused("<?xml version='1.0' encoding='ISO-8859-1'?><stream:stream "
	    "xmlns:stream='" FR_XMPP_NS_STREAMS "' to='\xe9'>", 0,
	    "not well-formed");
}

static void
oversize(void **state)
{
	char *in, *p;
	size_t max = 512, base;
	struct fr_xmpp_stream *s;
	struct run r;

	(void)state;
	in = malloc(8192);
	assert_non_null(in);
	/* exactly max bytes is fine, one more is not */
	base = (size_t)snprintf(in, 8192, "<stream:stream xmlns:stream='"
	    FR_XMPP_NS_STREAMS "' id='");
	p = in + base;
	memset(p, 'x', max - base - 2);
	strcpy(p + max - base - 2, "'>");
	assert_int_equal(strlen(in), max);
	r = feed_every_split(in, strlen(in), max);
	assert_int_equal(r.ev[0], FR_XMPP_HEADER);
	assert_int_equal(r.off[0], max);
	memset(p, 'x', max - base - 1);
	strcpy(p + max - base - 1, "'>");
	refused(in, max, "stream header: exceeds 512 bytes");
	/* a header that never ends (slow drip) fails at the bound too */
	memset(p, 'x', 5000);
	p[5000] = '\0';
	refused(in, 0, "stream header: exceeds 4096 bytes");
	/* a value longer than its field, inside the bound */
	base = (size_t)snprintf(in, 8192, "<stream:stream xmlns:stream='"
	    FR_XMPP_NS_STREAMS "' to='");
	memset(in + base, 'a', 3100);
	strcpy(in + base + 3100, "'>");
	refused(in, 8192, "stream header: 'to' is longer than 3071 bytes");
	/* what follows the header has its own bound */
	s = header_of(prosody_head, 0);
	memset(in, ' ', 5000);
	memcpy(in, "<message>", 9);
	r = feed(s, in, 5000, 7);
	assert_int_equal(r.ev[r.n - 1], FR_XMPP_ERROR);
	assert_string_equal(r.err, "stream: element exceeds 4096 bytes");
	fr_xmpp_stream_delete(s);
	free(in);
}

static void
memory_bound(void **state)
{
	char *in;
	size_t n = 0, i, k, limit = fr_xmpp_stream_memory_limit(4096);
	struct fr_xmpp_stream *s;
	struct run r;

	(void)state;
	in = malloc(64 * 1024);
	assert_non_null(in);
	/* a header with as many attributes as fit in 4 KiB */
	n = (size_t)sprintf(in, "<stream:stream xmlns:stream='"
	    FR_XMPP_NS_STREAMS "'");
	for (i = 0; n < 4000; i++)
		n += (size_t)sprintf(in + n, " a%zu=''", i);
	n += (size_t)sprintf(in + n, ">");
	for (k = 0; k < 2; k++) {	/* byte by byte, then whole */
		s = fr_xmpp_stream_create(0);
		r = feed(s, in, n, k == 0 ? 1 : 0);
		assert_int_equal(r.ev[0], FR_XMPP_HEADER);
		print_message("header of %zu bytes with %zu attributes, fed "
		    "%s: expat peaked at %zu bytes (limit %zu)\n", n, i,
		    k == 0 ? "byte by byte" : "whole",
		    fr_xmpp_stream_memory_peak(s), limit);
		assert_true(fr_xmpp_stream_memory_peak(s) < limit / 2);
		fr_xmpp_stream_delete(s);
	}
	/*
	 * After the header, every new element name stays in expat's
	 * tables for the life of the parser: a peer sending distinct names
	 * forever meets the budget, not the machine's memory.
	 */
	s = header_of(prosody_head, 0);
	for (i = 0; i < 100000; i++) {
		char el[64];
		size_t taken;
		enum fr_xmpp_event ev;
		int len = snprintf(el, sizeof(el), "<x%zu xmlns='urn:%zu'/>",
		    i, i);

		ev = fr_xmpp_stream_feed(s, el, (size_t)len, &taken);
		while (ev == FR_XMPP_ELEMENT)
			ev = fr_xmpp_stream_feed(s, NULL, 0, &taken);
		if (ev == FR_XMPP_ERROR)
			break;
	}
	assert_true(i < 100000);
	assert_non_null(strstr(fr_xmpp_stream_errstr(s), "out of memory"));
	assert_true(fr_xmpp_stream_memory_peak(s) <= limit);
	print_message("distinct element names: out of memory after %zu "
	    "(peak %zu)\n", i, fr_xmpp_stream_memory_peak(s));
	fr_xmpp_stream_delete(s);
	free(in);
}

/* ---- after the header ---------------------------------------------------- */

static const struct fr_xmpp_stream_features *
features_of(const char *features)
{
	static struct fr_xmpp_stream_features f;
	char *in = cat(prosody_head, features);
	struct fr_xmpp_stream *s;
	struct run r;

	r = feed_every_split(in, strlen(in), 0);
	if (r.n != 2 || r.ev[1] != FR_XMPP_FEATURES)
		fail_msg("%s: %zu events, %s", features, r.n, r.err);
	s = header_of(in, 0);
	r = feed(s, in + strlen(prosody_head), strlen(features), 0);
	assert_non_null(fr_xmpp_stream_features(s));
	f = *fr_xmpp_stream_features(s);
	fr_xmpp_stream_delete(s);
	free(in);
	return &f;
}

static void
features(void **state)
{
	const struct fr_xmpp_stream_features *f;

	(void)state;
	f = features_of(prosody_features);
	assert_true(f->starttls && f->starttls_required && f->dialback);
	assert_false(f->sasl || f->sasl_external || f->bidi);
	/* after TLS: SASL EXTERNAL, bidi, no STARTTLS */
	f = features_of("<stream:features>"
	    "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\n"
	    "  <mechanism> EXTERNAL\n</mechanism>"
	    "<mechanism>SCRAM-SHA-1</mechanism><mechanism>no good"
	    "</mechanism><mechanism>X-OAUTH2-TOO-LONG-TO-BE-A-NAME"
	    "</mechanism></mechanisms>"
	    "<bidi xmlns='urn:xmpp:features:bidi'/>"
	    "<dialback xmlns='urn:xmpp:features:dialback'/>"
	    "</stream:features>");
	assert_false(f->starttls || f->starttls_required);
	assert_true(f->sasl && f->sasl_external && f->bidi && f->dialback);
	assert_int_equal(f->nmech, 2);
	assert_string_equal(f->mech[0], "EXTERNAL");
	assert_string_equal(f->mech[1], "SCRAM-SHA-1");
	assert_int_equal(f->mech_skipped, 2);
	/* starttls without required; empty features */
	f = features_of("<stream:features><starttls xmlns="
	    "\"urn:ietf:params:xml:ns:xmpp-tls\"/></stream:features>");
	assert_true(f->starttls);
	assert_false(f->starttls_required);
	f = features_of("<stream:features/>");
	assert_false(f->starttls || f->dialback || f->sasl);
	/* names in the wrong namespace are not the features */
	f = features_of("<stream:features><starttls><required/></starttls>"
	    "<dialback xmlns='jabber:server:dialback'/>"
	    "<mechanisms xmlns='urn:x'><mechanism>EXTERNAL</mechanism>"
	    "</mechanisms></stream:features>");
	assert_false(f->starttls || f->starttls_required || f->dialback ||
	    f->sasl || f->sasl_external);
}

static void
stream_errors(void **state)
{
	char *in = cat(prosody_head, "<stream:error><host-unknown "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-streams'>No such host "
	    "&lt;x&gt;</text></stream:error></stream:stream>");
	const struct fr_xmpp_stream_error *e;
	struct fr_xmpp_stream *s;
	struct run r;

	(void)state;
	r = feed_every_split(in, strlen(in), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.ev[1], FR_XMPP_STREAM_ERROR);
	assert_int_equal(r.ev[2], FR_XMPP_CLOSED);
	assert_int_equal(r.off[2], strlen(in));
	s = header_of(in, 0);
	r = feed(s, in + strlen(prosody_head), strlen(in) -
	    strlen(prosody_head), 0);
	e = fr_xmpp_stream_peer_error(s);
	assert_non_null(e);
	assert_string_equal(e->condition, "host-unknown");
	assert_string_equal(e->text, "No such host <x>");
	assert_false(e->text_cut);
	/* closed is final */
	assert_int_equal(fr_xmpp_stream_feed(s, "<a/>", 4, &(size_t){0}),
	    FR_XMPP_CLOSED);
	fr_xmpp_stream_delete(s);
	free(in);
}

static void
long_error_text(void **state)
{
	char *in = malloc(2048);
	struct fr_xmpp_stream *s;
	const struct fr_xmpp_stream_error *e;
	size_t n, i;

	(void)state;
	assert_non_null(in);
	n = (size_t)sprintf(in, "<stream:error><text xmlns='"
	    FR_XMPP_NS_STREAM_ERR "'>");
	/* two-byte characters, so that the cut falls inside one */
	for (i = 0; i < 300; i++)
		n += (size_t)sprintf(in + n, "\xc3\xa9");
	n += (size_t)sprintf(in + n, "</text><conflict xmlns='"
	    FR_XMPP_NS_STREAM_ERR "'/></stream:error>");
	s = header_of(prosody_head, 0);
	assert_int_equal(feed(s, in, n, 1).ev[0], FR_XMPP_STREAM_ERROR);
	e = fr_xmpp_stream_peer_error(s);
	assert_string_equal(e->condition, "conflict");
	assert_true(e->text_cut);
	assert_int_equal(strlen(e->text), FR_XMPP_TEXT_MAX - 2);
	fr_xmpp_stream_delete(s);
	free(in);
}

static void
starttls_answers(void **state)
{
	struct fr_xmpp_stream *s;
	struct run r;
	size_t chunk;
	static const char err[] = "<stream:error><policy-violation xmlns='"
	    FR_XMPP_NS_STREAM_ERR "'/></stream:error>";
	static const char two[] =
	    "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
	    "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"></failure>";

	(void)state;
	/* a reader for the rest of a stream: no header event */
	for (chunk = 0; chunk < 3; chunk++) {
		s = fr_xmpp_stream_create_inside(0, NULL);
		assert_non_null(s);
		r = feed(s, two, sizeof(two) - 1, chunk);
		assert_int_equal(r.n, 2);
		assert_int_equal(r.ev[0], FR_XMPP_PROCEED);
		assert_int_equal(r.off[0], strlen("<proceed xmlns='urn:ietf:"
		    "params:xml:ns:xmpp-tls'/>"));
		assert_int_equal(r.ev[1], FR_XMPP_FAILURE);
		assert_int_equal(r.off[1], sizeof(two) - 1);
		assert_null(fr_xmpp_stream_header(s));
		fr_xmpp_stream_delete(s);
	}

	/* a stream error inside, with the usual prefix */
	s = fr_xmpp_stream_create_inside(0, NULL);
	r = feed(s, err, sizeof(err) - 1, 0);
	assert_int_equal(r.ev[0], FR_XMPP_STREAM_ERROR);
	assert_string_equal(fr_xmpp_stream_peer_error(s)->condition,
	    "policy-violation");
	fr_xmpp_stream_delete(s);
	/* a namespace name that would break the stand-in header */
	assert_null(fr_xmpp_stream_create_inside(0, "a'b"));
}

static void
names(void **state)
{
	(void)state;
	assert_string_equal(fr_xmpp_event_name(FR_XMPP_HEADER), "header");
	assert_string_equal(fr_xmpp_event_name(FR_XMPP_ERROR), "error");
	assert_string_equal(fr_xmpp_event_name((enum fr_xmpp_event)99), "?");
	fr_xmpp_stream_delete(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prosody_header),
		cmocka_unit_test(ejabberd_header),
		cmocka_unit_test(gt_and_entities),
		cmocka_unit_test(quotes_and_prefixes),
		cmocka_unit_test(wrong_root),
		cmocka_unit_test(restricted_xml),
		cmocka_unit_test(garbage),
		cmocka_unit_test(oversize),
		cmocka_unit_test(memory_bound),
		cmocka_unit_test(features),
		cmocka_unit_test(stream_errors),
		cmocka_unit_test(long_error_text),
		cmocka_unit_test(starttls_answers),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
