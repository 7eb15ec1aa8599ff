/*
 * sipin.c -- the public side of the SIP proxy: requests that foreign
 * domains send to the public ports (protocol: sip listeners aimed at a
 * node or a pool) go to the right node; its responses go back.
 *
 * Per request (stateless, as sipout.c):
 *   - the foreign domain is the From host; it must pass the allow list
 *     (403 otherwise) and, when the peer showed a certificate, be named
 *     by it (RFC 5922) or by the domain's peer-subject:s;
 *   - Max-Forwards 0: 483; a loop through this edge: 482;
 *   - the node: the one a Request-URI's alias= names (our Contact
 *     rewrite of a dialog the node began), else the listener's node
 *     (PAT: 55061 to the publisher), else the pool's choice (its
 *     balance and health);
 *   - our Route entry is removed, the Request-URI restored from alias=,
 *     our Via put on top (the foreign Vias stay below it, they are not
 *     ours to hide), and a dialog-creating request Record-Routed through
 *     the nodes' listener (internal), so the node's in-dialog requests
 *     come to the edge;
 *   - the node's response: our Via off, our Record-Route entry made the
 *     public one (PUBLIC:<that node's public port>), its Contact the
 *     same public entry with alias=, to the foreign connection.
 *
 * Objects: an fconn is a foreign connection; each has, per node it sent
 * to, an nlink: the edge's own connection to that node (TCP or TLS as
 * the node says).  Requests sent on a link that never came up are sent
 * again to another node of the pool, or answered 503.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dialer.h"
#include "edgeint.h"
#include "listener.h"
#include "log.h"
#include "node.h"
#include "pool.h"
#include "sipint.h"

/* A request sent on a link that is not up yet, kept to send again. */
struct pending {
	TAILQ_ENTRY(pending) entry;
	char *raw;			/* the foreign request as it came */
	size_t len;
	uint64_t tried;			/* nodes tried: 1 << pool index */
};

struct nlink {
	struct fconn *f;		/* NULL once the fconn is gone */
	int node;			/* index into p->nodes */
	size_t pool_idx;		/* its index in the pool, for tried */
	struct fr_sipconn *conn;
	bool up;
	TAILQ_HEAD(, pending) pending;
};

struct fconn {
	LIST_ENTRY(fconn) entry;
	struct fr_sipproxy *p;
	struct fr_sipconn *conn;
	struct fr_listener *listener;	/* referenced; NULL when borrowed */
	bool borrowed;			/* conn is an edge-opened one */
	char name[FR_NAME_MAX + FR_DNAME_MAX + 24];	/* for the log */
	struct fr_sockaddr client;
	struct nlink **links;		/* per node index */
	size_t nlinks;
};

static const struct fr_sipconn_ops fconn_ops, nlink_ops;

static void in_request(struct fconn *f, const struct fr_sipmsg *m,
    uint64_t tried);

/* ------------------------------------------------------------- nlinks */

static void
pending_free(struct pending *pd)
{
	free(pd->raw);
	free(pd);
}

/* Open the edge's connection to node for f.  NULL when it cannot even
 * start (then the reason is in why). */
static struct nlink *
link_open(struct fconn *f, int node, size_t pool_idx, char *why,
    size_t whylen)
{
	struct fr_sipproxy *p = f->p;
	struct fr_edge *e = p->edge;
	struct fr_sipconn_conf cc;
	struct fr_node *n = NULL;
	struct nlink *k;
	SSL *ssl = NULL;
	size_t i;
	int fd;

	for (i = 0; i < e->nnodes; i++)
		if (strcmp(e->nodes[i]->name, p->nodes[node].name) == 0)
			n = e->nodes[i];
	if (n == NULL) {
		snprintf(why, whylen, "node %s is gone", p->nodes[node].name);
		return NULL;
	}
	fd = socket(n->addr.u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return NULL;
	}
	if (connect(fd, &n->addr.u.sa, n->addr.len) != 0 &&
	    errno != EINPROGRESS) {
		snprintf(why, whylen, "node %s: connect: %s", n->name,
		    strerror(errno));
		close(fd);
		return NULL;
	}
	if (n->transport == FR_NODE_TLS &&
	    (ssl = fr_node_tls_new(n, fd)) == NULL) {
		snprintf(why, whylen, "out of memory for TLS");
		close(fd);
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		snprintf(why, whylen, "out of memory");
		SSL_free(ssl);
		close(fd);
		return NULL;
	}
	k->f = f;
	k->node = node;
	k->pool_idx = pool_idx;
	TAILQ_INIT(&k->pending);
	sp_conn_conf(&cc, p, &nlink_ops, p->set.server_idle_ms,
	    p->set.connect_timeout_ms);
	k->conn = fr_sipconn_new(&cc, fd, ssl, FR_SIPCONN_CONNECTING |
	    (ssl != NULL ? FR_SIPCONN_HANDSHAKE : 0), &n->addr);
	if (k->conn == NULL) {
		snprintf(why, whylen, "out of memory");
		SSL_free(ssl);
		close(fd);
		free(k);
		return NULL;
	}
	fr_sipconn_set_data(k->conn, k);
	p->nconns++;
	return k;
}

static void
nlink_ready(struct fr_sipconn *c)
{
	struct nlink *k = fr_sipconn_data(c);
	struct pending *pd;

	k->up = true;
	while ((pd = TAILQ_FIRST(&k->pending)) != NULL) {
		TAILQ_REMOVE(&k->pending, pd, entry);
		pending_free(pd);
	}
}

static void
nlink_closed(struct fr_sipconn *c, const char *reason)
{
	struct nlink *k = fr_sipconn_data(c);
	struct fr_sipproxy *p = fr_sipconn_owner(c);
	struct fr_sipmsg *m;
	struct pending *pd;
	size_t used;

	fr_log(k->up ? LOG_INFO : LOG_NOTICE, "sip: connection to node %s "
	    "closed: %s", sp_node_name(p, k->node), reason);
	p->nconns--;
	if (k->f != NULL && (size_t)k->node < k->f->nlinks)
		k->f->links[k->node] = NULL;
	/* Sent on a link that never came up: to another node, or 503. */
	m = malloc(sizeof(*m));
	while ((pd = TAILQ_FIRST(&k->pending)) != NULL) {
		TAILQ_REMOVE(&k->pending, pd, entry);
		if (k->f != NULL && m != NULL &&
		    fr_sipmsg_parse(m, pd->raw, pd->len, FR_SIP_STREAM, &p->lim,
		    &used, NULL) == FR_SIP_MESSAGE) {
			fr_log(LOG_NOTICE, "sip: node %s: %s; trying another "
			    "node", sp_node_name(p, k->node), reason);
			in_request(k->f, m, pd->tried);
		}
		pending_free(pd);
	}
	free(m);
	free(k);
}

/* ---------------------------------------------------- node responses */

/*
 * Our Record-Route entry as the foreign side must see it (the node's
 * public entry), and the node's Contact through the same entry.
 */
static int
rewrite_for_foreign(const struct fr_sipproxy *p, int node,
    const struct fr_sipmsg *m, struct fr_sip_edits *ed, char *rr, size_t rrlen,
    char *contact, size_t contactlen)
{
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_span uri;
	char pub[96];
	int n;

	sp_public_entry(p, node, pub, sizeof(pub));
	fr_sip_iter_init(&it, m, FR_SIP_H_RECORD_ROUTE);
	while (fr_sip_iter_next(&it, &v)) {
		if (!sp_entry_is_ours(v.s, &uri))
			continue;
		n = snprintf(rr, rrlen, SP_RR_PUBLIC, pub, "tls");
		if (fr_sip_edit_replace(ed, m, uri, rr, (size_t)n) != 0)
			return -1;
		break;
	}
	return sp_edit_contact(ed, m, pub, "tls", contact, contactlen);
}

static void
node_response(struct nlink *k, const struct fr_sipmsg *m)
{
	struct fr_sipproxy *p = fr_sipconn_owner(k->conn);
	char err[160], *out;
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct our_via o;
	struct fconn *f;
	long n;

	fr_sip_iter_init(&it, m, FR_SIP_H_VIA);
	if (!fr_sip_iter_next(&it, &v) || !sp_via_is_ours(p, v.s, &o)) {
		fr_log(LOG_NOTICE, "sip: node %s sent a response (%u) whose top "
		    "Via this edge did not write; dropped",
		    sp_node_name(p, k->node), m->status);
		return;
	}
	LIST_FOREACH(f, &p->fconns, entry)
		if (fr_sipconn_id(f->conn) == o.down_id)
			break;
	if (f == NULL) {
		if (m->status >= 200)
			sp_log_request(p, m, k->node, "inbound", NULL, m->status,
			    ev_now(p->loop) * 1e3 - (double)o.t0,
			    "the foreign connection is gone; dropped");
		return;
	}
	if ((out = malloc(MSG_MAX)) == NULL)
		return;
	n = sp_in_build_response(p, k->node, m, out, MSG_MAX, err,
	    sizeof(err));
	if (n < 0) {
		fr_log(LOG_NOTICE, "sip: node %s: cannot pass a response (%u) "
		    "on: %s", sp_node_name(p, k->node), m->status, err);
		free(out);
		return;
	}
	(void)fr_sipconn_send(f->conn, out, (size_t)n);
	if (m->status >= 200)
		sp_log_request(p, m, k->node, "inbound", f->name,
		    m->status, ev_now(p->loop) * 1e3 - (double)o.t0, NULL);
	free(out);
}

long
sp_in_build_response(const struct fr_sipproxy *p, int node,
    const struct fr_sipmsg *m, char *out, size_t outlen, char *why,
    size_t whylen)
{
	char rr[160], contact[2048], ip[FR_ADDRSTRLEN], callid[1100];
	struct fr_sip_edits ed;
	struct fr_sip_iter it;
	struct fr_sip_value v;

	fr_sip_edits_init(&ed);
	fr_sip_iter_init(&it, m, FR_SIP_H_VIA);
	sp_node_ip(p, node, ip, sizeof(ip));
	if (!fr_sip_iter_next(&it, &v) ||
	    fr_sip_edit_remove_value(&ed, m, &v) != 0 ||
	    rewrite_for_foreign(p, node, m, &ed, rr, sizeof(rr), contact,
	    sizeof(contact)) != 0 ||
	    sp_edit_callid(&ed, m, ip, p->public_addr, callid,
	    sizeof(callid)) != 0) {
		snprintf(why, whylen, "%s", ed.failed ? ed.err : "no Via");
		return -1;
	}
	return sp_write(m, &ed, out, outlen, why, whylen);
}

static void
nlink_message(struct fr_sipconn *c, const struct fr_sipmsg *m)
{
	struct nlink *k = fr_sipconn_data(c);
	struct fr_sipproxy *p = fr_sipconn_owner(c);

	if (!m->request) {
		node_response(k, m);
		return;
	}
	/* The node's own requests go to the nodes' listener. */
	sp_reply(p, c, m, 403, "Forbidden", "send requests for foreign "
	    "domains to the edge's nodes' listener");
}

static void
nlink_bad(struct fr_sipconn *c, const struct fr_sipmsg *m,
    const struct fr_sip_error *e)
{
	struct nlink *k = fr_sipconn_data(c);

	(void)m;
	fr_log(LOG_NOTICE, "sip: node %s sent malformed SIP: %s",
	    sp_node_name(fr_sipconn_owner(c), k->node), e->text);
}

static const struct fr_sipconn_ops nlink_ops = {
	.message = nlink_message,
	.bad = nlink_bad,
	.closed = nlink_closed,
	.ready = nlink_ready,
};

/* --------------------------------------------------- foreign requests */

/*
 * A request on an edge-opened connection: the node whose public port
 * our Route entry, else the Request-URI, names.
 */
static int
node_by_port(struct fconn *f, const struct fr_sipmsg *m,
    const struct fr_sip_uri *ru, bool has_ruri, uint64_t tried, char *why,
    size_t whylen)
{
	struct fr_sipproxy *p = f->p;
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_sip_addr a;
	struct fr_sip_uri u;
	char err[128];
	int port = has_ruri ? ru->port : -1;
	size_t i;

	if (tried != 0) {
		snprintf(why, whylen, "the node cannot be reached");
		return -1;
	}
	fr_sip_iter_init(&it, m, FR_SIP_H_ROUTE);
	if (fr_sip_iter_next(&it, &v) && sp_entry_is_ours(v.s, NULL) &&
	    fr_sip_addr_parse(v.s, &a, err, sizeof(err)) == 0 &&
	    fr_sip_uri_parse(a.uri, &u, err, sizeof(err)) == 0)
		port = u.port;
	for (i = 0; port > 0 && i < p->nnodes; i++)
		if (p->nodes[i].public_port == (unsigned)port)
			return (int)i;
	snprintf(why, whylen, "no node has public port %d", port);
	return -1;
}

/* The node a request goes to, and its index in the listener's pool. */
static int
pick_node(struct fconn *f, const struct fr_sipmsg *m, struct fr_sip_uri *ru,
    bool has_ruri, uint64_t tried, size_t *pool_idx, char *why,
    size_t whylen)
{
	struct fr_sipproxy *p = f->p;
	struct fr_span alias;
	struct fr_sockaddr a;
	struct fr_node *n;
	char ip[INET6_ADDRSTRLEN + 1];
	const char *tilde;
	int node;

	(void)m;
	*pool_idx = 0;
	/* Our Contact rewrite: alias=IP~PORT~PROTO names the node. */
	if (has_ruri && fr_sip_param(ru->params, "alias", &alias) &&
	    (tilde = memchr(alias.s, '~', alias.len)) != NULL &&
	    (size_t)(tilde - alias.s) < sizeof(ip)) {
		/* That node alone: once it failed there is no other. */
		if (tried != 0) {
			snprintf(why, whylen, "the node of this dialog cannot "
			    "be reached");
			return -1;
		}
		memcpy(ip, alias.s, (size_t)(tilde - alias.s));
		ip[tilde - alias.s] = '\0';
		if (fr_ip_parse(ip, &a) == 0 &&
		    (node = sp_node_by_addr(p, &a)) >= 0)
			return node;
		snprintf(why, whylen, "the Request-URI's alias names no node");
		return -1;
	}
	if (f->listener == NULL)
		return node_by_port(f, m, ru, has_ruri, tried, why, whylen);
	n = fr_pool_pick(f->listener->pool, &f->client, tried, pool_idx);
	if (n == NULL) {
		snprintf(why, whylen, fr_pool_is_pat(f->listener->pool) ?
		    "its node is down" : "no node of the pool is up");
		return -1;
	}
	if ((node = sp_node_by_addr(p, &n->addr)) < 0)
		snprintf(why, whylen, "node %s is not configured", n->name);
	return node;
}

long
sp_in_build(const struct fr_sipproxy *p, const char *sent_by,
    uint64_t id, double now, int node, const struct fr_sipmsg *m,
    const struct fr_sip_uri *ru, bool restore, char *out, size_t outlen,
    char *why, size_t whylen)
{
	char via[1024], key[1024], mf[16], rr[160], callid[1100];
	char nodeip[FR_ADDRSTRLEN];
	char newruri[1024];
	struct fr_sip_edits ed;
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_span top = { "", 0 };
	int first, n;
	long len;

	fr_sip_edits_init(&ed);
	fr_sip_iter_init(&it, m, FR_SIP_H_VIA);
	if (fr_sip_iter_next(&it, &v))
		top = v.s;
	n = snprintf(key, sizeof(key), "%.*s|%.*s", (int)(top.len < 512 ?
	    top.len : 512), top.s, (int)(m->ruri.len < 400 ? m->ruri.len :
	    400), m->ruri.s);
	len = sp_via_line(p, "TCP", sent_by, key, (size_t)n, id, now, 'i', "",
	    0, via, sizeof(via));
	first = fr_sipmsg_next(m, FR_SIP_H_VIA, -1);
	if (len < 0 || fr_sip_edit_insert(&ed, m, first >= 0 ? (size_t)first :
	    0, via, (size_t)len) != 0)
		goto failed;
	if (sp_edit_hop(&ed, m, first >= 0 ? (size_t)first : 0, mf,
	    sizeof(mf), why, whylen) != 0)
		return -1;
	sp_node_ip(p, node, nodeip, sizeof(nodeip));
	if (sp_edit_callid(&ed, m, p->public_addr, nodeip, callid,
	    sizeof(callid)) != 0)
		goto failed;
	/* The Request-URI the node wrote in its Contact. */
	if (restore) {
		struct fr_span alias;
		char ip[INET6_ADDRSTRLEN + 1], text[INET6_ADDRSTRLEN + 32];
		unsigned port = 5060, proto = 2;

		/* The span is not a C string: copy it, bounded, first. */
		if (fr_sip_param(ru->params, "alias", &alias) &&
		    sp_span_copy(alias, text, sizeof(text)) &&
		    sscanf(text, "%45[^~]~%u~%u", ip, &port, &proto) == 3 &&
		    port >= 1 && port <= 65535 && proto >= 1 && proto <= 3) {
			n = snprintf(newruri, sizeof(newruri), "sip%s:%.*s%s%s%s%s:"
			    "%u;transport=%s", ru->scheme == FR_SCHEME_SIPS ?
			    "s" : "", (int)ru->user.len, ru->user.s,
			    ru->has_user ? "@" : "", strchr(ip, ':') ? "[" : "",
			    ip, strchr(ip, ':') ? "]" : "", port, proto == 3 ?
			    "tls" : proto == 1 ? "udp" : "tcp");
			if (n < 0 || (size_t)n >= sizeof(newruri) ||
			    fr_sip_edit_replace(&ed, m, m->ruri, newruri,
			    (size_t)n) != 0)
				goto failed;
		}
	}
	if (sp_creates_dialog(m) && p->internal[0] != '\0') {
		n = snprintf(rr, sizeof(rr), "Record-Route: <" SP_RR_INTERNAL
		    ">\r\n", p->internal);
		if (sp_edit_record_route(&ed, m, rr, (size_t)n) != 0)
			goto failed;
	}
	return sp_write(m, &ed, out, outlen, why, whylen);
failed:
	snprintf(why, whylen, "cannot rewrite the request: %s", ed.failed ?
	    ed.err : "our Via does not fit");
	return -1;
}

/* Is the foreign domain allowed, and named by the peer's certificate? */
static bool
foreign_allowed(struct fconn *f, const char *domain, char *why,
    size_t whylen)
{
	const struct fr_domain_conf *dc;
	X509 *cert;

	dc = fr_routing_domain(f->p->rt, domain);
	if (dc == NULL && !fr_routing_open(f->p->rt)) {
		snprintf(why, whylen, "%s is not in the allow list", domain);
		return false;
	}
	if (dc != NULL && !(dc->profiles & (FR_FED_SIP | FR_FED_MSFED))) {
		snprintf(why, whylen, "%s does not federate by SIP here",
		    domain);
		return false;
	}
	if ((cert = fr_sipconn_peer_cert(f->conn)) != NULL &&
	    !fr_dial_name_ok(cert, domain, dc != NULL ?
	    (const char *const *)dc->peer_subjects.v : NULL, dc != NULL ?
	    dc->peer_subjects.n : 0, why, whylen))
		return false;
	return true;
}

static void
in_request(struct fconn *f, const struct fr_sipmsg *m, uint64_t tried)
{
	struct fr_sipproxy *p = f->p;
	char domain[FR_DNAME_MAX], why[512], err[160], *out = NULL;
	char sent_by[FR_ADDRSTRLEN];
	struct fr_sip_uri ru;
	struct fr_span v;
	struct pending *pd;
	struct nlink *k;
	size_t pool_idx;
	unsigned mf;
	bool has_ruri, restore;
	int node;
	long n;

	if (!sp_vias_ok(m, why, sizeof(why))) {
		sp_reply(p, f->conn, m, 400, "Bad Request", why);
		sp_log_request(p, m, -1, "inbound", NULL, 400, 0, why);
		return;
	}
	if (fr_sip_max_forwards(m, &mf) < 0) {
		sp_reply(p, f->conn, m, 400, "Bad Request", "Max-Forwards "
		    "is not a number from 0 to 255");
		sp_log_request(p, m, -1, "inbound", NULL, 400, 0,
		    "bad Max-Forwards");
		return;
	}
	if (fr_sip_max_forwards(m, &mf) == 0 && mf == 0) {
		sp_reply(p, f->conn, m, 483, "Too Many Hops", NULL);
		sp_log_request(p, m, -1, "inbound", NULL, 483, 0,
		    "Max-Forwards is 0");
		return;
	}
	if (sp_looped(p, m)) {
		sp_reply(p, f->conn, m, 482, "Loop Detected", NULL);
		sp_log_request(p, m, -1, "inbound", NULL, 482, 0, "loop");
		return;
	}
	domain[0] = '\0';
	if (fr_sipmsg_get(m, FR_SIP_H_FROM, &v))
		sp_uri_host(v, domain, sizeof(domain));
	if (domain[0] == '\0' || !foreign_allowed(f, domain, why,
	    sizeof(why))) {
		if (domain[0] == '\0')
			snprintf(why, sizeof(why), "no domain in From");
		sp_reply(p, f->conn, m, 403, "Forbidden", why);
		sp_log_request(p, m, -1, "inbound", NULL, 403, 0, why);
		return;
	}
	has_ruri = fr_sip_uri_parse(m->ruri, &ru, err, sizeof(err)) == 0;
	restore = has_ruri && fr_sip_param(ru.params, "alias", NULL);
	node = pick_node(f, m, &ru, has_ruri, tried, &pool_idx, why,
	    sizeof(why));
	if (node < 0) {
		sp_reply(p, f->conn, m, restore ? 404 : 503, restore ?
		    "Not Found" : "Service Unavailable", why);
		sp_log_request(p, m, -1, "inbound", NULL, restore ? 404 : 503,
		    0, why);
		return;
	}
	if ((out = malloc(MSG_MAX)) == NULL) {
		sp_reply(p, f->conn, m, 500, "Server Internal Error",
		    "out of memory");
		return;
	}
	if (f->listener != NULL)
		fr_addr_str(&f->listener->addr, sent_by, sizeof(sent_by));
	else
		fr_addr_str(fr_sipconn_peer(f->conn), sent_by,
		    sizeof(sent_by));
	n = sp_in_build(p, sent_by, fr_sipconn_id(f->conn), ev_now(p->loop), node,
	    m,
	    &ru, restore, out, MSG_MAX, why, sizeof(why));
	if (n < 0) {
		sp_reply(p, f->conn, m, 500, "Server Internal Error", why);
		sp_log_request(p, m, node, "inbound", NULL, 500, 0, why);
		free(out);
		return;
	}
	if ((k = (size_t)node < f->nlinks ? f->links[node] : NULL) == NULL) {
		if ((k = link_open(f, node, pool_idx, why, sizeof(why))) ==
		    NULL) {
			sp_reply(p, f->conn, m, 503, "Service Unavailable", why);
			sp_log_request(p, m, node, "inbound", NULL, 503, 0, why);
			free(out);
			return;
		}
		if ((size_t)node < f->nlinks)
			f->links[node] = k;
	}
	/* Until the link is up, keep the request to send elsewhere. */
	if (!k->up && (pd = calloc(1, sizeof(*pd))) != NULL) {
		if ((pd->raw = malloc(m->raw.len)) != NULL) {
			memcpy(pd->raw, m->raw.s, m->raw.len);
			pd->len = m->raw.len;
			pd->tried = tried | (UINT64_C(1) << (pool_idx & 63));
			TAILQ_INSERT_TAIL(&k->pending, pd, entry);
		} else {
			free(pd);
		}
	}
	(void)fr_sipconn_send(k->conn, out, (size_t)n);
	if (fr_span_ieq(m->method, "ACK"))
		sp_log_request(p, m, node, "inbound", f->name, 0, 0,
		    NULL);
	free(out);
}

/* ------------------------------------------------------------ fconns */

static void
fconn_message(struct fr_sipconn *c, const struct fr_sipmsg *m)
{
	struct fconn *f = fr_sipconn_data(c);

	if (m->request) {
		in_request(f, m, 0);
		return;
	}
	fr_log(LOG_NOTICE, "sip: a response (%u) from a foreign peer on %s, "
	    "where the edge sent no request; dropped", m->status, f->name);
}

static void
fconn_bad(struct fr_sipconn *c, const struct fr_sipmsg *m,
    const struct fr_sip_error *e)
{
	struct fconn *f = fr_sipconn_data(c);

	if (e->can_answer)
		sp_reply(f->p, c, m, 400, "Bad Request", e->text);
}

static void
fconn_free(struct fconn *f, bool destroy)
{
	size_t i;

	for (i = 0; i < f->nlinks; i++) {
		struct nlink *k = f->links[i];

		if (k == NULL)
			continue;
		k->f = NULL;
		if (destroy) {
			struct pending *pd;

			while ((pd = TAILQ_FIRST(&k->pending)) != NULL) {
				TAILQ_REMOVE(&k->pending, pd, entry);
				pending_free(pd);
			}
			fr_sipconn_destroy(k->conn);
			free(k);
		} else {
			/* The node's side goes with the foreign one. */
			fr_sipconn_close(k->conn, "the foreign connection "
			    "closed");
		}
	}
	free(f->links);
	if (!f->borrowed) {
		sp_release(f->p->edge, &f->client);
		fr_listener_unref(f->listener);
	}
	free(f);
}

static void
fconn_closed(struct fr_sipconn *c, const char *reason)
{
	struct fconn *f = fr_sipconn_data(c);
	char peer[FR_ADDRSTRLEN];

	fr_log(LOG_INFO, "sip: foreign connection %s via %s closed: %s",
	    fr_addr_str(&f->client, peer, sizeof(peer)), f->name, reason);
	if (f->listener != NULL)	/* accepted, not edge-opened */
		sp_count_closed(f->p, c, f->listener, reason);
	f->p->nconns--;
	LIST_REMOVE(f, entry);
	fconn_free(f, false);
}

static const struct fr_sipconn_ops fconn_ops = {
	.message = fconn_message,
	.bad = fconn_bad,
	.closed = fconn_closed,
};

void
sp_in_accept(struct fr_sipproxy *p, struct fr_listener *l, int fd,
    const struct fr_sockaddr *client)
{
	struct fr_sipconn_conf cc;
	struct fconn *f;
	SSL *ssl = NULL;

	if (!sp_admit(l, client)) {
		close(fd);
		return;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (p->nnodes > 0 && (f->links = calloc(p->nnodes,
	    sizeof(*f->links))) == NULL) ||
	    (l->tls != NULL && (ssl = SSL_new(l->tls)) == NULL) ||
	    (ssl != NULL && !SSL_set_fd(ssl, fd))) {
		SSL_free(ssl);
		if (f != NULL)
			free(f->links);
		free(f);
		fr_stats_conn(l->stats, FR_CONN_ERROR);
		sp_release(l->edge, client);
		close(fd);
		return;
	}
	if (ssl != NULL)
		SSL_set_accept_state(ssl);
	f->p = p;
	f->nlinks = p->nnodes;
	f->client = *client;
	f->listener = l;
	snprintf(f->name, sizeof(f->name), "%s", l->name);
	fr_listener_ref(l);
	sp_conn_conf(&cc, p, &fconn_ops, p->set.client_idle_ms,
	    p->set.handshake_timeout_ms);
	if ((f->conn = fr_sipconn_new(&cc, fd, ssl, ssl != NULL ?
	    FR_SIPCONN_HANDSHAKE : 0, client)) == NULL) {
		fr_stats_conn(l->stats, FR_CONN_ERROR);
		sp_release(l->edge, client);
		fr_listener_unref(l);
		SSL_free(ssl);
		close(fd);
		free(f->links);
		free(f);
		return;
	}
	fr_sipconn_set_data(f->conn, f);
	LIST_INSERT_HEAD(&p->fconns, f, entry);
	p->nconns++;
}

void
sp_in_destroy(struct fr_sipproxy *p)
{
	struct fconn *f;

	while ((f = LIST_FIRST(&p->fconns)) != NULL) {
		LIST_REMOVE(f, entry);
		if (!f->borrowed)	/* a borrowed one is sipout's */
			fr_sipconn_destroy(f->conn);
		fconn_free(f, true);
	}
}

void
sp_in_close_all(struct fr_sipproxy *p, const char *reason)
{
	struct fconn *f;

	LIST_FOREACH(f, &p->fconns, entry)
		if (!f->borrowed)
			fr_sipconn_close(f->conn, reason);
}

struct fconn *
sp_in_borrow(struct fr_sipproxy *p, struct fr_sipconn *c, const char *name)
{
	struct fconn *f;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (p->nnodes > 0 && (f->links = calloc(p->nnodes,
	    sizeof(*f->links))) == NULL)) {
		free(f);
		return NULL;
	}
	f->p = p;
	f->conn = c;
	f->borrowed = true;
	f->nlinks = p->nnodes;
	f->client = *fr_sipconn_peer(c);
	snprintf(f->name, sizeof(f->name), "the connection to %s", name);
	LIST_INSERT_HEAD(&p->fconns, f, entry);
	return f;
}

void
sp_in_request(struct fconn *f, const struct fr_sipmsg *m)
{
	in_request(f, m, 0);
}

void
sp_in_unborrow(struct fconn *f, bool now)
{
	if (f == NULL)
		return;
	LIST_REMOVE(f, entry);
	fconn_free(f, now);
}
