/*
 * sipproxy_fuzz.c -- libFuzzer target: the SIP proxy's rewriting, both
 * ways, on any bytes.
 *
 * A request from the bytes goes through what the edge does to it (the
 * nodes' side: sp_out_build; the public side: sp_in_build); whatever
 * comes out must parse again as a request with our Via on top, which
 * must pass our own MAC check.  A 200 built to that request by the
 * peer (fr_sip_response_build, as a UAS would) then goes back through
 * the edge (sp_out_build_response, sp_in_build_response), and what
 * comes out must parse with the Via the request came with on top: the
 * way back always finds its way.
 *
 * This covers the proxy's own text work in router/sipout.c, sipin.c and
 * sipproxy.c.  The proxy's other files parse nothing themselves:
 * sipconn.c frames its streams with proto/sipmsg, and xmppout.c reads
 * headers with proto/xmppstream and ClientHellos with proto/tlshello,
 * each fuzzed by its own target.
 */
#include "config.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fr_sipproxy *
proxy(void)
{
	static struct fr_sipproxy p;
	static struct proxy_node node;
	static int done;

	if (!done) {
		memset(&p, 0, sizeof(p));
		fr_sip_limits_default(&p.lim);
		unsigned char key[FR_SIPMAC_KEY];
		char err[128];

		memset(key, 0x5a, sizeof(key));
		if (fr_sipmac_init(&p.mac, key, sizeof(key), err,
		    sizeof(err)) != 0)
			abort();
		strcpy(p.public_addr, "198.51.100.10");
		strcpy(p.internal, "127.0.0.1:5070;transport=tcp");
		strcpy(node.name, "publisher");
		(void)fr_ip_parse("127.0.0.2", &node.addr);
		node.public_port = 55061;
		p.nodes = &node;
		p.nnodes = 1;
		done = 1;
	}
	return &p;
}

/* The top Via value of m, or an empty span. */
static struct fr_span
top_via(const struct fr_sipmsg *m)
{
	struct fr_sip_iter it;
	struct fr_sip_value v;

	fr_sip_iter_init(&it, m, FR_SIP_H_VIA);
	if (fr_sip_iter_next(&it, &v))
		return v.s;
	return (struct fr_span){ "", 0 };
}

/* Equal but for linear white space (RFC 3261 7.3.1: a fold, or a run
 * of blanks, is one SP): how a peer copies a header is up to it. */
static bool
lws_equal(struct fr_span a, struct fr_span b)
{
	size_t i = 0, j = 0;

	for (;;) {
		bool wa = false, wb = false;

		while (i < a.len && strchr(" \t\r\n", a.s[i]) != NULL) {
			i++;
			wa = true;
		}
		while (j < b.len && strchr(" \t\r\n", b.s[j]) != NULL) {
			j++;
			wb = true;
		}
		if (i == a.len || j == b.len)
			return i == a.len && j == b.len;
		if (wa != wb || a.s[i] != b.s[j])
			return false;
		i++;
		j++;
	}
}

/* req went through the edge as fwd; answer fwd and bring it back. */
static void
round_trip(const struct fr_sipproxy *p, const struct fr_sipmsg *req,
    const struct fr_sipmsg *fwd, bool outbound, char *buf, size_t buflen)
{
	static struct fr_sipmsg resp, back;
	struct our_via o;
	char why[256], *out = malloc(MSG_MAX);
	struct fr_span want = top_via(req);
	size_t needed, used;
	long n;

	if (out == NULL)
		return;
	n = fr_sip_response_build(fwd, 200, "OK", "t1", NULL, buf, buflen,
	    &needed);
	if (n < 0 || fr_sipmsg_parse(&resp, buf, (size_t)n, FR_SIP_STREAM,
	    &p->lim, &used, NULL) != FR_SIP_MESSAGE)
		goto out;
	assert(sp_via_is_ours(p, top_via(&resp), &o));
	if (outbound)
		n = sp_out_build_response(p, p->internal, 0, &resp, &o, out,
		    MSG_MAX, why, sizeof(why));
	else
		n = sp_in_build_response(p, 0, &resp, out, MSG_MAX, why,
		    sizeof(why));
	if (n < 0)
		goto out;
	assert(fr_sipmsg_parse(&back, out, (size_t)n, FR_SIP_STREAM, &p->lim,
	    &used, NULL) == FR_SIP_MESSAGE);
	assert(!back.request && back.status == 200);
	/* The sender's own Via is back on top, as it wrote it. */
	{
		struct fr_span got = top_via(&back);

		assert(lws_equal(got, want));
	}
	/* And the Call-ID the sender wrote (folds aside), whatever the
	 * edge mapped on the way. */
	{
		struct fr_span a = { "", 0 }, b = { "", 0 };

		(void)fr_sipmsg_get(req, FR_SIP_H_CALL_ID, &a);
		(void)fr_sipmsg_get(&back, FR_SIP_H_CALL_ID, &b);
		assert(lws_equal(a, b));
	}
out:
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fr_sipmsg m, fwd;
	const struct fr_sipproxy *p = proxy();
	struct fr_sip_uri ru;
	struct our_via o;
	char why[256], err[128], *out, *buf;
	size_t used;
	long n;
	int pass;

	if (size > 65536)
		return 0;
	/* What the proxy takes on at all: a request whose Vias parse. */
	if (fr_sipmsg_parse(&m, (const char *)data, size, FR_SIP_STREAM,
	    &p->lim, &used, NULL) != FR_SIP_MESSAGE || !m.request ||
	    !sp_vias_ok(&m, why, sizeof(why)))
		return 0;
	if ((out = malloc(MSG_MAX)) == NULL ||
	    (buf = malloc(MSG_MAX)) == NULL) {
		free(out);
		return 0;
	}
	for (pass = 0; pass < 2; pass++) {
		bool outbound = pass == 0;
		bool restore = false;

		if (outbound) {
			n = sp_out_build(p, 0, 42, 1000.5, FR_DECISION_DNS,
			    true, &m, out, MSG_MAX, why, sizeof(why));
		} else {
			bool has = fr_sip_uri_parse(m.ruri, &ru, err,
			    sizeof(err)) == 0;

			restore = has && fr_sip_param(ru.params, "alias", NULL);
			n = sp_in_build(p, "203.0.113.1:5061", 7, 1000.5, 0, &m,
			    &ru, restore, out, MSG_MAX, why, sizeof(why));
		}
		if (n < 0)
			continue;
		assert((size_t)n <= MSG_MAX);
		assert(fr_sipmsg_parse(&fwd, out, (size_t)n, FR_SIP_STREAM,
		    &p->lim, &used, NULL) == FR_SIP_MESSAGE);
		assert(fwd.request && (size_t)used == (size_t)n);
		assert(sp_via_is_ours(p, top_via(&fwd), &o));
		assert(o.down_id == (outbound ? 42u : 7u));
		/* Max-Forwards went down by one, or was put at 69. */
		{
			unsigned a = 70, b = 0;

			if (fr_sip_max_forwards(&m, &a) == 0)
				assert(fr_sip_max_forwards(&fwd, &b) == 0 &&
				    b + 1 == a);
		}
		round_trip(p, &m, &fwd, outbound, buf, MSG_MAX);
	}
	free(out);
	free(buf);
	return 0;
}
