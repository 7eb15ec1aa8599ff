/*
 * sipmsg_fuzz.c -- libFuzzer target: parse any bytes as a SIP stream
 * (keep-alives and pipelined messages) and as one datagram; read every
 * value a proxy reads; apply the proxy's usual edits (insert a Via,
 * remove the top Route, replace the Contact URI, decrement
 * Max-Forwards, replace the Request-URI) and parse the output again:
 * it must parse, and carry exactly those edits.  A response built to
 * each request must parse too.  (diag/sipprobe.c and router/checker.c
 * read their peers' responses through this parser and nothing else.)
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipmsg.h"
#include "sipuri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fr_sipmsg m, m2;

static const char VIA[] = "Via: SIP/2.0/TLS edge.fuzz:5061;branch="
    "z9hG4bKfuzz;rport\r\n";
static const char RURI[] = "sip:fuzz@192.0.2.1:5061;transport=tls";
static const char CONTACT[] = "sip:fuzz@203.0.113.9:55061;transport=tls";
static const char CONTACT_BARE[] = "sip:fuzz@203.0.113.9:55061";

/* Every span the parsers hand out lies inside the message. */
static void
inside(struct fr_span s, const struct fr_sipmsg *x)
{
	if (s.len == 0)
		return;
	assert(s.s >= x->raw.s && s.s + s.len <= x->raw.s + x->raw.len);
}

static size_t
count(const struct fr_sipmsg *x, enum fr_sip_hdr id)
{
	struct fr_sip_iter it;
	struct fr_sip_value v;
	size_t n = 0;

	fr_sip_iter_init(&it, x, id);
	while (fr_sip_iter_next(&it, &v)) {
		inside(v.s, x);
		n++;
	}
	return n;
}

/* Read what a proxy reads; nothing may crash or point outside. */
static void
read_values(const struct fr_sipmsg *x)
{
	static const enum fr_sip_hdr addrs[] = { FR_SIP_H_FROM, FR_SIP_H_TO,
	    FR_SIP_H_CONTACT, FR_SIP_H_ROUTE, FR_SIP_H_RECORD_ROUTE };
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_sip_via via;
	struct fr_sip_addr a;
	struct fr_sip_cseq cs;
	struct fr_sip_uri u;
	struct fr_span s;
	char err[160];
	unsigned mf;
	uint32_t secs, dur;
	size_t k;

	for (k = 0; k < x->nhdr; k++) {
		inside(x->hdr[k].name, x);
		inside(x->hdr[k].value, x);
		inside(x->hdr[k].line, x);
	}
	fr_sip_iter_init(&it, x, FR_SIP_H_VIA);
	while (fr_sip_iter_next(&it, &v))
		if (fr_sip_via_parse(v.s, &via, err, sizeof(err)) == 0) {
			inside(via.host, x);
			inside(via.branch, x);
			assert(via.port >= -1 && via.port <= 65535);
		}
	for (k = 0; k < sizeof(addrs) / sizeof(addrs[0]); k++) {
		fr_sip_iter_init(&it, x, addrs[k]);
		while (fr_sip_iter_next(&it, &v))
			if (fr_sip_addr_parse(v.s, &a, err, sizeof(err)) == 0 &&
			    !a.star) {
				inside(a.uri, x);
				inside(a.tag, x);
				(void)fr_sip_uri_parse(a.uri, &u, err,
				    sizeof(err));
			}
	}
	if (fr_sipmsg_get(x, FR_SIP_H_CSEQ, &s))
		(void)fr_sip_cseq_parse(s, &cs, err, sizeof(err));
	if (fr_sipmsg_get(x, FR_SIP_H_RETRY_AFTER, &s))
		(void)fr_sip_retry_after_parse(s, &secs, &dur);
	if (fr_sip_max_forwards(x, &mf) == 0)
		assert(mf <= 255);
	if (x->request && fr_sip_uri_parse(x->ruri, &u, err, sizeof(err)) ==
	    0)
		(void)fr_sip_domain_match(u.host, "*.example.com");
}

static void
reparse(const char *out, long n, enum fr_sip_mode mode,
    const struct fr_sip_limits *lim)
{
	struct fr_sip_error e;
	size_t used;

	assert(n > 0);
	if (fr_sipmsg_parse(&m2, out, (size_t)n, mode, lim, &used,
	    &e) != FR_SIP_MESSAGE) {
		fprintf(stderr, "re-parse failed: %s\n%.*s\n", e.text, (int)n,
		    out);
		abort();
	}
	assert(used == (size_t)n);
}

static void
edit(const struct fr_sipmsg *x, enum fr_sip_mode mode)
{
	struct fr_sip_limits lim;
	struct fr_sip_edits ed;
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_sip_addr a;
	struct fr_span s;
	char err[160], mfbuf[8], *out;
	const char *contact_uri = NULL;
	size_t need, routes = count(x, FR_SIP_H_ROUTE), size;
	bool route = false, contact = false, mfed = false;
	unsigned mf;
	int first;
	long n;

	fr_sip_edits_init(&ed);
	if (x->nhdr < FR_SIP_HEADERS_MAX) {
		first = fr_sipmsg_next(x, FR_SIP_H_VIA, -1);
		assert(fr_sip_edit_insert(&ed, x, first < 0 ? 0 : (size_t)first,
		    VIA, sizeof(VIA) - 1) == 0);
	}
	fr_sip_iter_init(&it, x, FR_SIP_H_ROUTE);
	if (fr_sip_iter_next(&it, &v)) {
		assert(fr_sip_edit_remove_value(&ed, x, &v) == 0);
		route = true;
	}
	fr_sip_iter_init(&it, x, FR_SIP_H_CONTACT);
	if (fr_sip_iter_next(&it, &v) && fr_sip_addr_parse(v.s, &a, err,
	    sizeof(err)) == 0 && !a.star) {
		/* an addr-spec cannot carry URI parameters */
		contact_uri = a.angle ? CONTACT : CONTACT_BARE;
		assert(fr_sip_edit_replace(&ed, x, a.uri, contact_uri,
		    strlen(contact_uri)) == 0);
		contact = true;
	}
	if (fr_sip_max_forwards(x, &mf) == 0 && mf > 0) {
		fr_sipmsg_get(x, FR_SIP_H_MAX_FORWARDS, &s);
		snprintf(mfbuf, sizeof(mfbuf), "%u", mf - 1);
		assert(fr_sip_edit_replace(&ed, x, s, mfbuf, strlen(mfbuf)) ==
		    0);
		mfed = true;
	}
	if (x->request)
		assert(fr_sip_edit_replace(&ed, x, x->ruri, RURI,
		    sizeof(RURI) - 1) == 0);
	n = fr_sipmsg_write(x, &ed, NULL, 0, &need, err, sizeof(err));
	assert(n == -1 || (n == 0 && need == 0));
	if (need == 0) {
		fprintf(stderr, "edits refused: %s\n", err);
		abort();
	}
	size = need;
	if ((out = malloc(size)) == NULL)
		return;
	n = fr_sipmsg_write(x, &ed, out, size, &need, err, sizeof(err));
	assert(n >= 0 && (size_t)n == size);

	/* the edits may push it over the limits the original was within */
	fr_sip_limits_default(&lim);
	lim.head += 4096;
	lim.header_line += 4096;
	reparse(out, n, mode, &lim);
	assert(m2.request == x->request && m2.status == x->status);
	assert(m2.body.len == x->body.len &&
	    memcmp(m2.body.s, x->body.s, x->body.len) == 0);
	if (x->nhdr < FR_SIP_HEADERS_MAX) {
		first = fr_sipmsg_next(&m2, FR_SIP_H_VIA, -1);
		assert(first >= 0 && fr_span_eq(m2.hdr[first].line, VIA));
	}
	if (route)
		assert(count(&m2, FR_SIP_H_ROUTE) == routes - 1);
	if (contact) {
		fr_sip_iter_init(&it, &m2, FR_SIP_H_CONTACT);
		assert(fr_sip_iter_next(&it, &v));
		assert(fr_sip_addr_parse(v.s, &a, err, sizeof(err)) == 0);
		assert(fr_span_eq(a.uri, contact_uri));
	}
	if (mfed) {
		unsigned mf2;

		assert(fr_sip_max_forwards(&m2, &mf2) == 0 && mf2 == mf - 1);
	}
	if (x->request)
		assert(fr_span_eq(m2.ruri, RURI));
	free(out);
}

static void
respond(const struct fr_sipmsg *x)
{
	struct fr_sip_limits lim;
	char out[8192], warn[300];
	size_t need;
	long n;

	/* a response to a request with 250 Vias has more than we index */
	if (!x->request || x->nhdr > FR_SIP_HEADERS_MAX - 8)
		return;
	n = fr_sip_warning(warn, sizeof(warn), 399, "edge.fuzz",
	    "\"quoted\" \\ text");
	assert(n > 0);
	n = fr_sip_response_build(x, 400, "Bad Request", "fz1", warn, out,
	    sizeof(out), &need);
	if (n < 0) {
		assert(need > sizeof(out));
		return;
	}
	fr_sip_limits_default(&lim);
	lim.head += 4096;
	lim.header_line += 4096;
	reparse(out, n, FR_SIP_STREAM, &lim);
	assert(!m2.request && m2.status == 400);
	assert(count(&m2, FR_SIP_H_VIA) == count(x, FR_SIP_H_VIA));
}

static void
one(const struct fr_sipmsg *x, enum fr_sip_mode mode)
{
	inside(x->start_line, x);
	inside(x->body, x);
	assert(x->head_len + x->body.len == x->raw.len);
	read_values(x);
	edit(x, mode);
	respond(x);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct fr_sip_error e;
	size_t off = 0, used;
	unsigned status;
	int guard;

	/* a stream: keep-alives and pipelined messages */
	for (guard = 0; guard < 64 && off < size; guard++) {
		enum fr_sip_parse rc = fr_sipmsg_parse(&m, buf + off,
		    size - off, FR_SIP_STREAM, NULL, &used, &e);

		if (rc == FR_SIP_MORE)
			break;
		if (rc == FR_SIP_BAD) {
			assert(e.text[0] != '\0');
			break;
		}
		assert(used > 0 && used <= size - off);
		if (rc == FR_SIP_MESSAGE)
			one(&m, FR_SIP_STREAM);
		off += used;
	}
	/* one datagram */
	if (fr_sipmsg_parse(&m, buf, size, FR_SIP_DATAGRAM, NULL, &used,
	    &e) == FR_SIP_MESSAGE) {
		assert(used == size);
		one(&m, FR_SIP_DATAGRAM);
	} else {
		assert(e.text[0] != '\0');
	}
	(void)fr_sip_status_line(buf, size, &status);
	return 0;
}
