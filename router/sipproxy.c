/*
 * sipproxy.c -- the SIP proxy's shared parts: its settings, our Via and
 * its MAC, the node's public entry, our own answers and the log line;
 * accepting a connection hands it to its side (sipout.c for the nodes',
 * sipin.c for the public listeners).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "edgeint.h"
#include "listener.h"
#include "log.h"
#include "sipint.h"
#include "sipproxy.h"
#include "tls.h"

void
sp_mac(const struct fr_sipproxy *p, const char *data, size_t len, char *out)
{
	(void)fr_sipmac_hex(&p->mac, data, len, MAC_LEN, out);
}

/* base64url without padding, the alphabet of a SIP token. */
size_t
sp_b64url(const char *in, size_t len, char *out)
{
	int n = EVP_EncodeBlock((unsigned char *)out,
	    (const unsigned char *)in, (int)len);
	size_t i;

	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (i = 0; i < (size_t)n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return (size_t)n;
}

/* The reverse; -1 if in is not base64url. */
long
sp_unb64url(const char *in, size_t len, char *out, size_t outlen)
{
	char buf[4 * (MAX_HIDDEN_VIA / 3 + 2)];
	unsigned char dec[sizeof(buf)];
	size_t i, n = len;
	int r;

	if (len == 0)
		return 0;
	if (len + 3 >= sizeof(buf))
		return -1;
	for (i = 0; i < len; i++) {
		char c = in[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!isalnum((unsigned char)c))
			return -1;
		buf[i] = c;
	}
	while (n % 4 != 0)
		buf[n++] = '=';
	r = EVP_DecodeBlock(dec, (const unsigned char *)buf, (int)n);
	if (r < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	r -= (int)(n - len);
	if (r < 0 || (size_t)r > outlen)
		return -1;
	memcpy(out, dec, (size_t)r);
	return r;
}

bool
sp_span_copy(struct fr_span s, char *out, size_t outlen)
{
	if (s.len >= outlen)
		return false;
	memcpy(out, s.s, s.len);
	out[s.len] = '\0';
	return true;
}

/* The host of a URI header value's URI, lower case, or "" . */
void
sp_uri_host(struct fr_span value, char *out, size_t outlen)
{
	struct fr_sip_addr a;
	struct fr_sip_uri u;
	char err[128];
	size_t i;

	out[0] = '\0';
	if (fr_sip_addr_parse(value, &a, err, sizeof(err)) != 0 ||
	    fr_sip_uri_parse(a.uri, &u, err, sizeof(err)) != 0 ||
	    !sp_span_copy(u.host, out, outlen))
		return;
	for (i = 0; out[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
}

const char *
sp_node_name(const struct fr_sipproxy *p, int node)
{
	return node >= 0 && (size_t)node < p->nnodes ? p->nodes[node].name :
	    "-";
}

int
sp_node_by_addr(const struct fr_sipproxy *p, const struct fr_sockaddr *a)
{
	uint8_t ip[16], nip[16];
	size_t i;

	fr_addr_ip16(a, ip);
	for (i = 0; i < p->nnodes; i++) {
		fr_addr_ip16(&p->nodes[i].addr, nip);
		if (memcmp(ip, nip, 16) == 0)
			return (int)i;
	}
	return -1;
}

long
sp_via_line(const struct fr_sipproxy *p, const char *transport,
    const char *sent_by, const char *key, size_t keylen, uint64_t id,
    double t, char source, const char *hidden, size_t hiddenlen, char *out,
    size_t outlen)
{
	char enc[MAX_HIDDEN_VIA * 2], token[64], data[MAX_HIDDEN_VIA * 2 + 128];
	char branch[2 * MAC_LEN + 1], tag[2 * MAC_LEN + 1];
	int n;

	if (hiddenlen > MAX_HIDDEN_VIA)
		return -1;
	sp_b64url(hidden, hiddenlen, enc);
	sp_mac(p, key, keylen, branch);
	snprintf(token, sizeof(token), "%" PRIx64 ".%" PRIx64 ".%c", id,
	    (uint64_t)(t * 1000.), source);
	n = snprintf(data, sizeof(data), "%s|%s|%s", branch, token, enc);
	if (n < 0 || (size_t)n >= sizeof(data))
		return -1;
	sp_mac(p, data, (size_t)n, tag);
	n = snprintf(out, outlen, "Via: SIP/2.0/%s %s;branch=z9hG4bK%s;"
	    "fr=%s.%s;fv=%s\r\n", transport, sent_by, branch, token, tag, enc);
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

/* The public entry of a node: "PUBLIC:PORT" (the configuration check
 * makes sure there is a public address). */
/* "ADDR:PORT", "[ADDR]:PORT" for IPv6. */
static void
entry(char *out, size_t outlen, const char *addr, unsigned port)
{
	snprintf(out, outlen, strchr(addr, ':') != NULL ? "[%s]:%u" : "%s:%u",
	    addr, port);
}

void
sp_public_entry(const struct fr_sipproxy *p, int node, char *out, size_t outlen)
{
	unsigned port = node >= 0 && (size_t)node < p->nnodes &&
	    p->nodes[node].public_port != 0 ? p->nodes[node].public_port : 5061;

	entry(out, outlen, p->public_addr, port);
}

int
fr_sipproxy_explain(const struct fr_edge_conf *conf, const char *node,
    const char *transport, struct fr_sip_explain *out)
{
	char pub[96], ip[FR_ADDRSTRLEN], internal[FR_ADDRSTRLEN + 32];
	const struct fr_node_conf *n = NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < conf->nnodes; i++)
		if (strcmp(conf->nodes[i].name, node) == 0)
			n = &conf->nodes[i];
	if (n == NULL || conf->public_addresses.n == 0)
		return -1;
	entry(pub, sizeof(pub), conf->public_addresses.v[0],
	    n->public_port != 0 ? n->public_port : 5061);
	snprintf(out->via, sizeof(out->via), "SIP/2.0/%s %s;branch=z9hG4bK"
	    "...;fr=...;fv=... (the node's own Vias inside, under a MAC)",
	    strcmp(transport, "tls") == 0 ? "TLS" : "TCP", pub);
	snprintf(out->record_route, sizeof(out->record_route), "<"
	    SP_RR_PUBLIC ">", pub, transport);
	fr_addr_ip_str(&n->addr, ip, sizeof(ip));
	snprintf(out->contact, sizeof(out->contact), "<" SP_CONTACT ">", "",
	    4, "USER", "@", pub, transport, ip, fr_addr_port(&n->addr),
	    n->transport == FR_NODE_TLS ? 3 : 2);
	internal[0] = '\0';
	for (i = 0; i < conf->nlisteners; i++) {
		const struct fr_listener_conf *lc = &conf->listeners[i];

		if (!lc->federation || lc->proto != FR_PROTO_SIP)
			continue;
		fr_addr_str(&lc->addr, internal, sizeof(internal));
		snprintf(internal + strlen(internal), sizeof(internal) -
		    strlen(internal), ";transport=%s", lc->tls ? "tls" : "tcp");
		break;
	}
	if (internal[0] != '\0')
		snprintf(out->record_route_to_node,
		    sizeof(out->record_route_to_node), "<" SP_RR_INTERNAL ">",
		    internal);
	return 0;
}

/* One line per request, when its fate is known. */
void
sp_log_request(const struct fr_sipproxy *p, const struct fr_sipmsg *m,
    int node, const char *source, const char *target, unsigned status,
    double ms, const char *why)
{
	char method[32], from[FR_DNAME_MAX], to[FR_DNAME_MAX];
	struct fr_span v;
	size_t i;

	method[0] = '\0';
	if (m->request) {
		(void)sp_span_copy(m->method, method, sizeof(method));
	} else {
		/* A response names its request's method in CSeq. */
		struct fr_sip_cseq cs;
		char err[64];

		if (fr_sipmsg_get(m, FR_SIP_H_CSEQ, &v) &&
		    fr_sip_cseq_parse(v, &cs, err, sizeof(err)) == 0)
			(void)sp_span_copy(cs.method, method, sizeof(method));
	}
	if (method[0] == '\0')
		snprintf(method, sizeof(method), "?");
	for (i = 0; method[i] != '\0'; i++)
		if (!isalpha((unsigned char)method[i]))
			method[i] = '?';
	from[0] = to[0] = '\0';
	if (fr_sipmsg_get(m, FR_SIP_H_FROM, &v))
		sp_uri_host(v, from, sizeof(from));
	if (fr_sipmsg_get(m, FR_SIP_H_TO, &v))
		sp_uri_host(v, to, sizeof(to));
	for (i = 0; from[i] != '\0'; i++)
		if (!isgraph((unsigned char)from[i]))
			from[i] = '?';
	for (i = 0; to[i] != '\0'; i++)
		if (!isgraph((unsigned char)to[i]))
			to[i] = '?';
	fr_log(LOG_INFO, "sip %s node %s from %s to %s route %s target %s "
	    "status %u %.1fms%s%s", method, sp_node_name(p, node),
	    from[0] != '\0' ? from : "-", to[0] != '\0' ? to : "-", source,
	    target != NULL ? target : "-", status, ms, why != NULL ? ": " : "",
	    why != NULL ? why : "");
}

/* Which of a request's headers mark a request that may create a
 * dialog, and so must be Record-Routed (RFC 3261 16.6 step 4). */
bool
sp_creates_dialog(const struct fr_sipmsg *m)
{
	struct fr_sip_addr to;
	struct fr_span v;
	char err[64];

	if (!(fr_span_ieq(m->method, "INVITE") ||
	    fr_span_ieq(m->method, "SUBSCRIBE") ||
	    fr_span_ieq(m->method, "REFER") ||
	    fr_span_ieq(m->method, "NOTIFY")))
		return false;
	return !(fr_sipmsg_get(m, FR_SIP_H_TO, &v) &&
	    fr_sip_addr_parse(v, &to, err, sizeof(err)) == 0 && to.has_tag);
}

char
sp_source_letter(enum fr_decision d)
{
	switch (d) {
	case FR_DECISION_OVERRIDE:
		return 'o';
	case FR_DECISION_DNS:
		return 'd';
	case FR_DECISION_FALLBACK:
		return 'f';
	case FR_DECISION_HOP:
		return 'h';
	default:
		return 'n';
	}
}

const char *
sp_source_name(char c)
{
	switch (c) {
	case 'o':
		return "override";
	case 'd':
		return "dns";
	case 'f':
		return "fallback";
	case 'h':
		return "hop";
	default:
		return "none";
	}
}

/*
 * Is Via value v one this edge wrote?  Only if its MAC holds: a peer
 * cannot make one up.  Fills *o when it is.
 */
bool
sp_via_is_ours(const struct fr_sipproxy *p, struct fr_span v, struct our_via *o)
{
	char err[64], data[4096], tag[2 * MAC_LEN + 1];
	struct fr_sip_via via;
	struct fr_span fr;
	const char *dot;
	int n;

	if (fr_sip_via_parse(v, &via, err, sizeof(err)) != 0 ||
	    !via.has_branch || via.branch.len != 7 + 2 * MAC_LEN ||
	    !fr_sip_param(via.params, "fr", &fr) ||
	    !fr_sip_param(via.params, "fv", &o->fv) ||
	    (dot = memrchr(fr.s, '.', fr.len)) == NULL ||
	    (size_t)(fr.s + fr.len - dot - 1) != 2 * MAC_LEN)
		return false;
	n = snprintf(data, sizeof(data), "%.*s|%.*s|%.*s", 2 * MAC_LEN,
	    via.branch.s + 7, (int)(dot - fr.s), fr.s, (int)o->fv.len,
	    o->fv.s);
	if (n < 0 || (size_t)n >= sizeof(data))
		return false;
	sp_mac(p, data, (size_t)n, tag);
	if (memcmp(dot + 1, tag, 2 * MAC_LEN) != 0)
		return false;
	return sscanf(data + 2 * MAC_LEN + 1, "%" SCNx64 ".%" SCNx64 ".%c",
	    &o->down_id, &o->t0, &o->source) == 3;
}

/* Does one of the request's Vias say it passed this edge already? */
bool
sp_looped(const struct fr_sipproxy *p, const struct fr_sipmsg *m)
{
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct our_via o;

	fr_sip_iter_init(&it, m, FR_SIP_H_VIA);
	while (fr_sip_iter_next(&it, &v))
		if (sp_via_is_ours(p, v.s, &o))
			return true;
	return false;
}

/* Answer a request ourselves. */
bool
sp_entry_is_ours(struct fr_span value, struct fr_span *uri)
{
	struct fr_sip_addr a;
	struct fr_sip_uri u;
	char err[128];

	if (fr_sip_addr_parse(value, &a, err, sizeof(err)) != 0 ||
	    fr_sip_uri_parse(a.uri, &u, err, sizeof(err)) != 0 ||
	    !fr_sip_param(u.params, "x-fr", NULL))
		return false;
	if (uri != NULL)
		*uri = a.uri;
	return true;
}

int
sp_edit_hop(struct fr_sip_edits *ed, const struct fr_sipmsg *m, size_t at,
    char *mf, size_t mflen, char *why, size_t whylen)
{
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_span mfv;
	unsigned maxf;
	int n;

	switch (fr_sip_max_forwards(m, &maxf)) {
	case 0:
		if (maxf == 0) {
			snprintf(why, whylen, "Max-Forwards is 0");
			return -1;
		}
		(void)fr_sipmsg_get(m, FR_SIP_H_MAX_FORWARDS, &mfv);
		n = snprintf(mf, mflen, "%u", maxf - 1);
		if (fr_sip_edit_replace(ed, m, mfv, mf, (size_t)n) != 0)
			goto failed;
		break;
	case 1:		/* none: RFC 3261 16.6 step 3 */
		if (fr_sip_edit_insert(ed, m, at, "Max-Forwards: 69\r\n",
		    18) != 0)
			goto failed;
		break;
	default:	/* the callers answer 400 first */
		snprintf(why, whylen, "Max-Forwards is not a number from 0 "
		    "to 255");
		return -1;
	}
	fr_sip_iter_init(&it, m, FR_SIP_H_ROUTE);
	if (fr_sip_iter_next(&it, &v) && sp_entry_is_ours(v.s, NULL) &&
	    fr_sip_edit_remove_value(ed, m, &v) != 0)
		goto failed;
	return 0;
failed:
	snprintf(why, whylen, "cannot rewrite the request: %s", ed->err);
	return -1;
}

int
sp_edit_contact(struct fr_sip_edits *ed, const struct fr_sipmsg *m,
    const char *pub, const char *tp, char *buf, size_t buflen)
{
	char host[INET6_ADDRSTRLEN + 2], err[128];
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_sip_addr a;
	struct fr_sip_uri u;
	int n, proto;

	fr_sip_iter_init(&it, m, FR_SIP_H_CONTACT);
	if (!fr_sip_iter_next(&it, &v) ||
	    fr_sip_addr_parse(v.s, &a, err, sizeof(err)) != 0 || a.star ||
	    fr_sip_uri_parse(a.uri, &u, err, sizeof(err)) != 0 ||
	    !sp_span_copy(u.host, host, sizeof(host)))
		return 0;
	proto = fr_span_ieq(u.transport, "tls") || u.scheme == FR_SCHEME_SIPS ?
	    3 : fr_span_ieq(u.transport, "udp") ? 1 : 2;
	n = snprintf(buf, buflen, SP_CONTACT,
	    u.scheme == FR_SCHEME_SIPS ? "s" : "", (int)u.user.len, u.user.s,
	    u.has_user ? "@" : "", pub, tp, host, u.port > 0 ? u.port : 5060,
	    proto);
	if (n < 0 || (size_t)n >= buflen)
		return 0;
	return fr_sip_edit_replace(ed, m, a.uri, buf, (size_t)n);
}

int
sp_edit_record_route(struct fr_sip_edits *ed, const struct fr_sipmsg *m,
    const char *rr, size_t len)
{
	int first = fr_sipmsg_next(m, FR_SIP_H_RECORD_ROUTE, -1);

	return fr_sip_edit_insert(ed, m, first >= 0 ? (size_t)first : m->nhdr,
	    rr, len);
}

long
sp_write(const struct fr_sipmsg *m, const struct fr_sip_edits *ed, char *out,
    size_t outlen, char *why, size_t whylen)
{
	char err[160];
	size_t needed;
	long n;

	n = fr_sipmsg_write(m, ed, out, outlen, &needed, err, sizeof(err));
	if (n < 0)
		snprintf(why, whylen, "%s", needed != 0 ? m->request ?
		    "the request is too large" : "the response is too large" :
		    err);
	return n;
}

int
sp_edit_callid(struct fr_sip_edits *ed, const struct fr_sipmsg *m,
    const char *from_host, const char *to_host, char *buf, size_t buflen)
{
	struct fr_span v;
	size_t hl = strlen(from_host);
	int n;

	if (hl == 0 || !fr_sipmsg_get(m, FR_SIP_H_CALL_ID, &v) ||
	    v.len < hl + 2 || v.s[v.len - hl - 1] != '@' ||
	    strncasecmp(v.s + v.len - hl, from_host, hl) != 0)
		return 0;
	n = snprintf(buf, buflen, "%.*s%s", (int)(v.len - hl), v.s, to_host);
	if (n < 0 || (size_t)n >= buflen)
		return 0;
	return fr_sip_edit_replace(ed, m, v, buf, (size_t)n);
}

void
sp_conn_conf(struct fr_sipconn_conf *cc, struct fr_sipproxy *p,
    const struct fr_sipconn_ops *ops, unsigned idle_ms, unsigned handshake_ms)
{
	memset(cc, 0, sizeof(*cc));
	cc->loop = p->loop;
	cc->limits = &p->lim;
	cc->idle_ms = idle_ms;
	cc->handshake_ms = handshake_ms;
	cc->max_queue = QUEUE_MAX;
	cc->ops = ops;
	cc->owner = p;
	cc->stats = &p->edge->stats;
}

void
sp_count_closed(struct fr_sipproxy *p, const struct fr_sipconn *c,
    struct fr_listener *l, const char *reason)
{
	char peer[FR_ADDRSTRLEN];

	if (fr_sipconn_established(c)) {
		fr_stats_conn(l->stats, FR_CONN_PROXIED);
		return;
	}
	fr_stats_conn(l->stats, FR_CONN_TLS_FAILED);
	fr_stats_failure(&p->edge->stats, "%s from %s: %s", l->name,
	    fr_addr_str(fr_sipconn_peer(c), peer, sizeof(peer)), reason);
}

void
sp_node_ip(const struct fr_sipproxy *p, int node, char *out, size_t outlen)
{
	out[0] = '\0';
	if (node >= 0 && (size_t)node < p->nnodes)
		fr_addr_ip_str(&p->nodes[node].addr, out, outlen);
}

bool
sp_vias_ok(const struct fr_sipmsg *m, char *why, size_t whylen)
{
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_sip_via via;
	char err[128];
	unsigned n = 0;

	fr_sip_iter_init(&it, m, FR_SIP_H_VIA);
	while (fr_sip_iter_next(&it, &v)) {
		n++;
		if (fr_sip_via_parse(v.s, &via, err, sizeof(err)) != 0) {
			snprintf(why, whylen, "Via %u: %s", n, err);
			return false;
		}
	}
	if (n == 0) {
		snprintf(why, whylen, "no Via header");
		return false;
	}
	return true;
}

void
sp_reply(const struct fr_sipproxy *p, struct fr_sipconn *c,
    const struct fr_sipmsg *m, unsigned status, const char *reason,
    const char *warning)
{
	char warn[512], buf[16384];
	size_t needed;
	long n;

	if (!m->request || fr_span_ieq(m->method, "ACK"))
		return;		/* ACK is never answered */
	/* A 400 says in its reason phrase what was wrong (the builder
	 * drops control bytes and cuts it short). */
	if (status == 400 && warning != NULL)
		reason = warning;
	warn[0] = '\0';
	if (warning != NULL && fr_sip_warning(warn, sizeof(warn), 399,
	    p->public_addr[0] != '\0' ? p->public_addr : "fedroute",
	    warning) < 0)
		warn[0] = '\0';
	n = fr_sip_response_build(m, status, reason, "fr-edge",
	    warn[0] != '\0' ? warn : NULL, buf, sizeof(buf), &needed);
	if (n > 0 && fr_sipconn_send(c, buf, (size_t)n) == 0 &&
	    status >= 100 && status <= 699)
		p->edge->stats.n.sip_local_responses[status / 100 - 1]++;
}

/* ----------------------------------------------------- create, reload */

static int
apply(struct fr_sipproxy *p, const struct fr_edge_conf *conf,
    struct fr_routing *rt, char *err, size_t errlen)
{
	struct fr_tls_conf tc = conf->federation.tls;
	struct proxy_node *nodes = NULL;
	SSL_CTX *ctx;
	size_t i;

	tc.verify = true;		/* federation TLS is always verified */
	if ((ctx = fr_tls_client_ctx_new(&tc, err, errlen)) == NULL)
		return -1;
	if (conf->nnodes > 0 &&
	    (nodes = calloc(conf->nnodes, sizeof(*nodes))) == NULL) {
		snprintf(err, errlen, "out of memory");
		SSL_CTX_free(ctx);
		return -1;
	}
	fr_routing_ref(rt);
	for (i = 0; i < conf->nnodes; i++) {
		snprintf(nodes[i].name, sizeof(nodes[i].name), "%s",
		    conf->nodes[i].name);
		nodes[i].addr = conf->nodes[i].addr;
		nodes[i].public_port = conf->nodes[i].public_port;
	}
	fr_routing_delete(p->rt);
	SSL_CTX_free(p->fed_tls);
	free(p->nodes);
	p->rt = rt;
	p->fed_tls = ctx;
	p->nodes = nodes;
	p->nnodes = conf->nnodes;
	p->set = conf->set;
	snprintf(p->public_addr, sizeof(p->public_addr), "%s",
	    conf->public_addresses.n > 0 ? conf->public_addresses.v[0] : "");
	p->internal[0] = '\0';
	for (i = 0; i < conf->nlisteners; i++) {
		const struct fr_listener_conf *lc = &conf->listeners[i];

		if (!lc->federation || lc->proto != FR_PROTO_SIP)
			continue;
		fr_addr_str(&lc->addr, p->internal, sizeof(p->internal));
		snprintf(p->internal + strlen(p->internal),
		    sizeof(p->internal) - strlen(p->internal), ";transport=%s",
		    lc->tls ? "tls" : "tcp");
		break;
	}
	return 0;
}

struct fr_sipproxy *
fr_sipproxy_create(struct fr_edge *edge, const struct fr_edge_conf *conf,
    struct fr_routing *rt, char *err, size_t errlen)
{
	struct fr_sipproxy *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->edge = edge;
	p->loop = edge->loop;
	LIST_INIT(&p->downs);
	LIST_INIT(&p->ups);
	TAILQ_INIT(&p->jobs);
	LIST_INIT(&p->fconns);
	fr_sip_limits_default(&p->lim);
	if (fr_sipmac_init(&p->mac, NULL, FR_SIPMAC_KEY, err, errlen) != 0) {
		free(p);
		return NULL;
	}
	if (apply(p, conf, rt, err, errlen) != 0) {
		fr_sipmac_free(&p->mac);
		free(p);
		return NULL;
	}
	return p;
}

int
fr_sipproxy_reload(struct fr_sipproxy *p, const struct fr_edge_conf *conf,
    struct fr_routing *rt, char *err, size_t errlen)
{
	return apply(p, conf, rt, err, errlen);
}

void
fr_sipproxy_delete(struct fr_sipproxy *p)
{
	if (p == NULL)
		return;
	/* At once, without callbacks: nothing of p may run after this. */
	sp_out_destroy(p);
	sp_in_destroy(p);
	fr_routing_delete(p->rt);
	SSL_CTX_free(p->fed_tls);
	free(p->nodes);
	fr_sipmac_free(&p->mac);
	free(p);
}

bool
sp_admit(struct fr_listener *l, const struct fr_sockaddr *client)
{
	struct fr_edge *e = l->edge;
	char addr[FR_ADDRSTRLEN];
	uint8_t ip[16];
	unsigned count;

	fr_addr_ip16(client, ip);
	if ((count = fr_srclimit_add(e->sources, ip)) == 0) {
		fr_stats_conn(l->stats, FR_CONN_ERROR);
		return false;
	}
	if (e->set.max_per_source != 0 && count > e->set.max_per_source) {
		fr_log(LOG_INFO, "sip: %s via %s refused: %u connections from "
		    "this address (max-connections-per-source %u)",
		    fr_addr_str(client, addr, sizeof(addr)), l->name,
		    count - 1, e->set.max_per_source);
		fr_stats_conn(l->stats, FR_CONN_LIMITED);
		fr_srclimit_del(e->sources, ip);
		return false;
	}
	fr_edge_session_opened(e);
	return true;
}

void
sp_release(struct fr_edge *e, const struct fr_sockaddr *client)
{
	uint8_t ip[16];

	fr_addr_ip16(client, ip);
	fr_srclimit_del(e->sources, ip);
	fr_edge_session_closed(e);
}

void
fr_sipproxy_accept(struct fr_sipproxy *p, struct fr_listener *l, int fd,
    const struct fr_sockaddr *client)
{
	if (l->federation)
		sp_out_accept(p, l, fd, client, sp_node_by_addr(p, client));
	else
		sp_in_accept(p, l, fd, client);
}

void
fr_sipproxy_close_all(struct fr_sipproxy *p, const char *reason)
{
	sp_out_close_all(p, reason);
	sp_in_close_all(p, reason);
}

unsigned
fr_sipproxy_connections(const struct fr_sipproxy *p)
{
	return p->nconns;
}
