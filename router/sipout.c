/*
 * sipout.c -- the nodes' side of the SIP proxy: requests routed to
 * foreign domains, responses brought back (sipproxy.h says what it
 * promises, sipint.h how our Via carries the way back).
 *
 * Objects:
 *   down  a node's connection (accepted on a federation listener);
 *   up    a connection to a foreign target, found again by domain and
 *         target while it lives, or being dialed (requests queue on it);
 *   job   one request between its arrival and its forwarding (routing
 *         and dialing may take a while): it holds a copy of the bytes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dialer.h"
#include "edgeint.h"
#include "listener.h"
#include "log.h"
#include "sipint.h"

/* A node's connection. */
struct down {
	LIST_ENTRY(down) entry;
	struct fr_sipproxy *p;
	struct fr_sipconn *conn;
	struct fr_listener *listener;	/* referenced */
	struct fr_sockaddr client;
	int node;			/* index into p->nodes, -1 allow-from */
	char internal[FR_ADDRSTRLEN + 32];	/* our entry for the node:
						   "ip:port;transport=tcp" */
};

/* A connection to a foreign target. */
struct up {
	LIST_ENTRY(up) entry;
	struct fr_sipproxy *p;
	struct fr_sipconn *conn;	/* NULL while dialing */
	struct fr_dial *dial;		/* while dialing */
	char domain[FR_DNAME_MAX];	/* what its certificate was checked
					   against */
	char target[FR_DNAME_MAX + 16];	/* "host:port/tls" reached */
	struct fr_route_result *route;	/* while dialing */
	TAILQ_HEAD(, job) waiting;	/* jobs for it while dialing */
	struct fconn *in;		/* the foreign server's own requests on
					   it (sipin.c), once one came */
};

struct job {
	TAILQ_ENTRY(job) entry;		/* p->jobs, or up->waiting */
	struct fr_sipproxy *p;
	uint64_t down_id;
	int node;
	char *raw;			/* the request as it came */
	size_t len;
	char domain[FR_DNAME_MAX];
	char hop[1024];			/* the URI routed by, "" for domain */
	struct fr_routing_req *rreq;
	struct fr_route_result *route;	/* until a dial takes it over */
	enum fr_decision decision;	/* how it was routed */
	struct up *up;			/* waiting on it */
	ev_tstamp started;
};

static const struct fr_sipconn_ops down_ops, up_ops;

long
sp_out_build(const struct fr_sipproxy *p, int node, uint64_t down_id,
    double started, enum fr_decision decision, bool tls,
    const struct fr_sipmsg *m, char *out, size_t outlen, char *why,
    size_t whylen)
{
	char vias[MAX_HIDDEN_VIA + 1], pub[96];
	char via[MAX_HIDDEN_VIA * 2 + 512], token[512];
	char rr[160], contact[2048], mf[16], callid[1100];
	char ip[FR_ADDRSTRLEN];
	char tp[8];
	struct fr_sip_edits ed;
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_span first_via = { NULL, 0 };
	size_t nv = 0;
	int first;
	long n;

	fr_sip_edits_init(&ed);
	sp_public_entry(p, node, pub, sizeof(pub));
	snprintf(tp, sizeof(tp), "%s", tls ? "TLS" : "TCP");

	/* The node's Vias, every one, move inside ours. */
	fr_sip_iter_init(&it, m, FR_SIP_H_VIA);
	while (fr_sip_iter_next(&it, &v)) {
		if (first_via.s == NULL)
			first_via = v.s;
		if (nv + v.s.len + 1 > MAX_HIDDEN_VIA) {
			snprintf(why, whylen, "Via headers longer than %d bytes",
			    MAX_HIDDEN_VIA);
			return -1;
		}
		/* NUL between values: a peer's value can hold no NUL
		 * (sipmsg refuses it), so each comes back whole, on a
		 * line of its own, whatever it holds. */
		if (nv > 0)
			vias[nv++] = '\0';
		memcpy(vias + nv, v.s.s, v.s.len);
		nv += v.s.len;
		if (fr_sip_edit_remove_value(&ed, m, &v) != 0)
			goto edit_failed;
	}
	if (first_via.s == NULL) {
		snprintf(why, whylen, "no Via header");
		return -1;
	}
	vias[nv] = '\0';
	/* RFC 3261 16.11: the same request gives the same branch. */
	n = snprintf(token, sizeof(token), "%.*s|%.*s", (int)first_via.len,
	    first_via.s, (int)m->ruri.len, m->ruri.s);
	n = sp_via_line(p, tp, pub, token, (size_t)n < sizeof(token) ?
	    (size_t)n : sizeof(token) - 1, down_id, started,
	    sp_source_letter(decision), vias, nv, via, sizeof(via));
	if (n < 0) {
		snprintf(why, whylen, "our Via does not fit");
		return -1;
	}
	first = fr_sipmsg_next(m, FR_SIP_H_VIA, -1);
	if (fr_sip_edit_insert(&ed, m, (size_t)first, via, (size_t)n) != 0)
		goto edit_failed;

	if (sp_edit_hop(&ed, m, (size_t)first, mf, sizeof(mf), why,
	    whylen) != 0)
		return -1;
	sp_node_ip(p, node, ip, sizeof(ip));
	if (sp_edit_callid(&ed, m, ip, p->public_addr, callid,
	    sizeof(callid)) != 0)
		goto edit_failed;

	if (sp_creates_dialog(m)) {
		n = snprintf(rr, sizeof(rr), "Record-Route: <" SP_RR_PUBLIC
		    ">\r\n", pub, strcmp(tp, "TLS") == 0 ? "tls" : "tcp");
		if (sp_edit_record_route(&ed, m, rr, (size_t)n) != 0 ||
		    sp_edit_contact(&ed, m, pub, strcmp(tp, "TLS") == 0 ?
		    "tls" : "tcp", contact, sizeof(contact)) != 0)
			goto edit_failed;
	}
	return sp_write(m, &ed, out, outlen, why, whylen);
edit_failed:
	snprintf(why, whylen, "cannot rewrite the request: %s", ed.err);
	return -1;
}

static void job_free(struct job *j);

/* Forward job over u (open). */
static void
forward(struct job *j, struct up *u)
{
	struct fr_sipproxy *p = j->p;
	struct fr_sipmsg *m = NULL;
	struct down *d;
	char why[256], *out = NULL;
	size_t used;
	long n;

	LIST_FOREACH(d, &p->downs, entry)
		if (fr_sipconn_id(d->conn) == j->down_id)
			break;
	if ((m = malloc(sizeof(*m))) == NULL ||
	    (out = malloc(MSG_MAX)) == NULL)
		goto out;
	if (fr_sipmsg_parse(m, j->raw, j->len, FR_SIP_STREAM, &p->lim, &used,
	    NULL) != FR_SIP_MESSAGE)
		goto out;	/* it parsed when it came */
	n = sp_out_build(p, j->node, j->down_id, j->started, j->decision,
	    strstr(u->target, "/tls") != NULL, m, out, MSG_MAX, why,
	    sizeof(why));
	if (n < 0) {
		if (d != NULL)
			sp_reply(d->p, d->conn, m, 500, "Server Internal Error", why);
		sp_log_request(p, m, j->node, fr_decision_name(j->decision),
		    u->target, 500, (ev_now(p->loop) - j->started) * 1e3, why);
		goto out;
	}
	if (fr_sipconn_send(u->conn, out, (size_t)n) != 0) {
		if (d != NULL)
			sp_reply(d->p, d->conn, m, 503, "Service Unavailable", "the connection "
			    "to the foreign target failed");
		goto out;
	}
	/* ACK has no response to log it by. */
	if (fr_span_ieq(m->method, "ACK"))
		sp_log_request(p, m, j->node, fr_decision_name(j->decision),
		    u->target, 0, (ev_now(p->loop) - j->started) * 1e3,
		    NULL);
out:
	free(m);
	free(out);
	job_free(j);
}

/* ------------------------------------------------------------ upstream */

static void
up_free(struct up *u)
{
	struct job *j;

	LIST_REMOVE(u, entry);
	while ((j = TAILQ_FIRST(&u->waiting)) != NULL) {
		TAILQ_REMOVE(&u->waiting, j, entry);
		j->up = NULL;
		job_free(j);
	}
	fr_dial_cancel(u->dial);
	free(u);
}

/* The job cannot go anywhere: answer the node. */
static void
job_fail(struct job *j, unsigned status, const char *reason, const char *why,
    const char *target)
{
	struct fr_sipproxy *p = j->p;
	struct fr_sipmsg *m;
	struct down *d;
	size_t used;

	if ((m = malloc(sizeof(*m))) != NULL &&
	    fr_sipmsg_parse(m, j->raw, j->len, FR_SIP_STREAM, &p->lim, &used,
	    NULL) == FR_SIP_MESSAGE) {
		LIST_FOREACH(d, &p->downs, entry)
			if (fr_sipconn_id(d->conn) == j->down_id) {
				sp_reply(d->p, d->conn, m, status, reason, why);
				break;
			}
		sp_log_request(p, m, j->node, fr_decision_name(j->decision), target,
		    status, (ev_now(p->loop) - j->started) * 1e3, why);
	}
	free(m);
	job_free(j);
}

static void
dialed(void *arg, const struct fr_dial_done *done)
{
	struct up *u = arg;
	struct fr_sipproxy *p = u->p;
	struct fr_sipconn_conf cc;
	struct job *j;

	u->dial = NULL;
	if (done->fd < 0) {
		char why[600];

		snprintf(why, sizeof(why), "no target of %s answered: %s",
		    u->domain, done->failures[0] != '\0' ? done->failures :
		    "no address");
		while ((j = TAILQ_FIRST(&u->waiting)) != NULL) {
			TAILQ_REMOVE(&u->waiting, j, entry);
			j->up = NULL;
			job_fail(j, 503, "Service Unavailable", why, NULL);
		}
		fr_route_result_free(u->route);
		u->route = NULL;
		up_free(u);
		return;
	}
	snprintf(u->target, sizeof(u->target), "%s:%u/%s", done->target->host,
	    done->target->port, fr_transport_name(done->target->transport));
	sp_conn_conf(&cc, p, &up_ops, p->set.server_idle_ms,
	    p->set.handshake_timeout_ms);
	u->conn = fr_sipconn_new(&cc, done->fd, done->ssl, 0, &done->addr);
	fr_route_result_free(u->route);
	u->route = NULL;
	if (u->conn == NULL) {
		SSL_free(done->ssl);
		close(done->fd);
		while ((j = TAILQ_FIRST(&u->waiting)) != NULL) {
			TAILQ_REMOVE(&u->waiting, j, entry);
			j->up = NULL;
			job_fail(j, 503, "Service Unavailable", "out of memory",
			    NULL);
		}
		up_free(u);
		return;
	}
	p->nconns++;
	fr_sipconn_set_data(u->conn, u);
	fr_log(LOG_DEBUG, "sip: connected to %s for %s in %.1fms after %u "
	    "attempt(s)", u->target, u->domain, done->ms, done->attempts);
	while ((j = TAILQ_FIRST(&u->waiting)) != NULL) {
		TAILQ_REMOVE(&u->waiting, j, entry);
		j->up = NULL;
		forward(j, u);
	}
}

/* An open or dialing connection for the job's domain that leads to one
 * of its targets; else dial one. */
static void
connect_job(struct job *j)
{
	struct fr_sipproxy *p = j->p;
	const struct fr_domain_conf *dc;
	struct fr_dial_conf dconf;
	struct up *u;
	size_t i;
	char t[FR_DNAME_MAX + 16];

	LIST_FOREACH(u, &p->ups, entry) {
		if (strcmp(u->domain, j->domain) != 0)
			continue;
		if (u->conn == NULL) {
			/* Being dialed for the same domain: wait for it. */
			TAILQ_INSERT_TAIL(&u->waiting, j, entry);
			j->up = u;
			return;
		}
		if (fr_sipconn_closing(u->conn))
			continue;
		for (i = 0; i < j->route->ntargets; i++) {
			snprintf(t, sizeof(t), "%s:%u/%s",
			    j->route->targets[i].host,
			    j->route->targets[i].port, fr_transport_name(
			    j->route->targets[i].transport));
			if (strcmp(t, u->target) == 0) {
				forward(j, u);
				return;
			}
		}
	}
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		job_fail(j, 503, "Service Unavailable", "out of memory", NULL);
		return;
	}
	u->p = p;
	TAILQ_INIT(&u->waiting);
	snprintf(u->domain, sizeof(u->domain), "%s", j->domain);
	LIST_INSERT_HEAD(&p->ups, u, entry);
	/* The dial walks the job's route; the connection keeps it. */
	u->route = j->route;
	j->route = NULL;
	TAILQ_INSERT_TAIL(&u->waiting, j, entry);
	j->up = u;
	memset(&dconf, 0, sizeof(dconf));
	dconf.loop = p->loop;
	dconf.tls = p->fed_tls;
	dconf.resolver = fr_routing_resolver(p->rt);
	dconf.connect_timeout_ms = p->set.connect_timeout_ms;
	dconf.tls_for_tls_targets = true;
	dconf.stats = &p->edge->stats;
	dc = fr_routing_domain(p->rt, j->domain);
	if (dc != NULL) {
		dconf.peer_subjects = (const char *const *)dc->peer_subjects.v;
		dconf.npeer_subjects = dc->peer_subjects.n;
	}
	if ((u->dial = fr_dial_start(&dconf, u->route, dialed, u)) == NULL) {
		TAILQ_REMOVE(&u->waiting, j, entry);
		j->up = NULL;
		j->route = u->route;
		u->route = NULL;
		up_free(u);
		job_fail(j, 503, "Service Unavailable", "out of memory", NULL);
	}
}

/* The routing decision for a job is in. */
static void
routed(void *arg, struct fr_route_result *r)
{
	struct job *j = arg;

	j->rreq = NULL;
	TAILQ_REMOVE(&j->p->jobs, j, entry);
	j->route = r;
	j->decision = r != NULL ? r->decision : FR_DECISION_NONE;
	if (r == NULL) {
		job_fail(j, 500, "Server Internal Error", "out of memory", NULL);
		return;
	}
	switch (r->decision) {
	case FR_DECISION_REFUSED:
		job_fail(j, 403, "Forbidden", r->why, NULL);
		return;
	case FR_DECISION_NONE:
		/* RFC 3263 4: no such domain is a 404; anything else
		 * (failures, no usable server) is for now. */
		job_fail(j, r->plan != NULL &&
		    r->plan->result == FR_RESULT_NXDOMAIN ? 404 : 503,
		    r->plan != NULL && r->plan->result == FR_RESULT_NXDOMAIN ?
		    "Not Found" : "Service Unavailable", r->why, NULL);
		return;
	default:
		connect_job(j);
		return;
	}
}

static void
job_free(struct job *j)
{
	if (j->rreq != NULL) {
		fr_routing_cancel(j->rreq);
		TAILQ_REMOVE(&j->p->jobs, j, entry);
	}
	if (j->up != NULL)
		TAILQ_REMOVE(&j->up->waiting, j, entry);
	fr_route_result_free(j->route);
	free(j->raw);
	free(j);
}

/* ------------------------------------------------------ node requests */




static void
down_request(struct down *d, const struct fr_sipmsg *m)
{
	struct fr_sipproxy *p = d->p;
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_sip_addr a, to;
	struct fr_sip_uri u;
	struct job *j;
	char err[160], why[256];
	unsigned mf;
	bool in_dialog;
	int r;

	if (!sp_vias_ok(m, why, sizeof(why))) {
		sp_reply(d->p, d->conn, m, 400, "Bad Request", why);
		sp_log_request(p, m, d->node, "none", NULL, 400, 0, why);
		return;
	}
	if (fr_sip_max_forwards(m, &mf) < 0) {
		sp_reply(d->p, d->conn, m, 400, "Bad Request", "Max-Forwards "
		    "is not a number from 0 to 255");
		sp_log_request(p, m, d->node, "none", NULL, 400, 0,
		    "bad Max-Forwards");
		return;
	}
	if (fr_sip_max_forwards(m, &mf) == 0 && mf == 0) {
		sp_reply(d->p, d->conn, m, 483, "Too Many Hops", NULL);
		sp_log_request(p, m, d->node, "none", NULL, 483, 0, "Max-Forwards "
		    "is 0");
		return;
	}
	if (sp_looped(p, m)) {
		sp_reply(d->p, d->conn, m, 482, "Loop Detected", "the request passed this "
		    "edge already");
		sp_log_request(p, m, d->node, "none", NULL, 482, 0, "loop");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->raw = malloc(m->raw.len)) == NULL) {
		free(j);
		sp_reply(d->p, d->conn, m, 500, "Server Internal Error", "out of memory");
		return;
	}
	memcpy(j->raw, m->raw.s, m->raw.len);
	j->len = m->raw.len;
	j->p = p;
	j->down_id = fr_sipconn_id(d->conn);
	j->node = d->node;
	j->started = ev_now(p->loop);
	j->decision = FR_DECISION_NONE;

	/* The foreign domain: an in-dialog request's To (its Request-URI
	 * is the remote target, often an address), else the Request-URI.
	 * The next hop: the Route after ours, else the Request-URI. */
	in_dialog = fr_sipmsg_get(m, FR_SIP_H_TO, &v.s) &&
	    fr_sip_addr_parse(v.s, &to, err, sizeof(err)) == 0 && to.has_tag;
	if (in_dialog)
		sp_uri_host(v.s, j->domain, sizeof(j->domain));
	else if (fr_sip_uri_parse(m->ruri, &u, err, sizeof(err)) == 0)
		(void)sp_span_copy(u.host, j->domain, sizeof(j->domain));
	if (j->domain[0] == '\0') {
		snprintf(why, sizeof(why), "no foreign domain in the %s",
		    in_dialog ? "To header" : "Request-URI");
		sp_reply(d->p, d->conn, m, 400, "Bad Request", why);
		sp_log_request(p, m, d->node, "none", NULL, 400, 0, why);
		job_free(j);
		return;
	}
	fr_sip_iter_init(&it, m, FR_SIP_H_ROUTE);
	while (fr_sip_iter_next(&it, &v)) {
		if (sp_entry_is_ours(v.s, NULL))
			continue;
		if (fr_sip_addr_parse(v.s, &a, err, sizeof(err)) != 0 ||
		    !sp_span_copy(a.uri, j->hop, sizeof(j->hop)))
			j->hop[0] = '\0';
		break;
	}
	if (j->hop[0] == '\0' && in_dialog &&
	    !sp_span_copy(m->ruri, j->hop, sizeof(j->hop)))
		j->hop[0] = '\0';

	TAILQ_INSERT_TAIL(&p->jobs, j, entry);
	if (j->hop[0] != '\0')
		r = fr_routing_decide_hop(p->rt, j->domain, j->hop,
		    FR_SERVICE_SIP, routed, j, &j->route, &j->rreq, err,
		    sizeof(err));
	else
		r = fr_routing_decide(p->rt, j->domain, FR_SERVICE_SIP, routed,
		    j, &j->route, &j->rreq, err, sizeof(err));
	if (r < 0) {
		TAILQ_REMOVE(&p->jobs, j, entry);
		snprintf(why, sizeof(why), "%.*s: %s", 64, j->domain, err);
		sp_reply(d->p, d->conn, m, 400, "Bad Request", why);
		sp_log_request(p, m, d->node, "none", NULL, 400, 0, why);
		job_free(j);
		return;
	}
	if (r == 1) {
		struct fr_route_result *res = j->route;

		j->route = NULL;
		routed(j, res);
	}
}

static void
down_message(struct fr_sipconn *c, const struct fr_sipmsg *m)
{
	struct down *d = fr_sipconn_data(c);

	if (m->request) {
		down_request(d, m);
		return;
	}
	/* Responses to foreign requests come with the inbound relaying of
	 * SIP, not through the nodes' side. */
	fr_log(LOG_NOTICE, "sip: node %s sent a response (%u) on the nodes' "
	    "side, where no request went to it; dropped",
	    sp_node_name(d->p, d->node), m->status);
}

static void
down_bad(struct fr_sipconn *c, const struct fr_sipmsg *m,
    const struct fr_sip_error *e)
{
	struct down *d = fr_sipconn_data(c);

	if (e->can_answer)
		sp_reply(d->p, d->conn, m, 400, "Bad Request", e->text);
}

static void
down_closed(struct fr_sipconn *c, const char *reason)
{
	struct down *d = fr_sipconn_data(c);
	char peer[FR_ADDRSTRLEN];

	fr_log(LOG_INFO, "sip: node %s connection %s via %s closed: %s",
	    sp_node_name(d->p, d->node), fr_addr_str(fr_sipconn_peer(c), peer,
	    sizeof(peer)), d->listener->name, reason);
	sp_count_closed(d->p, c, d->listener, reason);
	d->p->nconns--;
	LIST_REMOVE(d, entry);
	sp_release(d->listener->edge, &d->client);
	fr_listener_unref(d->listener);
	free(d);
}

static const struct fr_sipconn_ops down_ops = {
	.message = down_message,
	.bad = down_bad,
	.closed = down_closed,
};

/* ------------------------------------------------- foreign responses */

/*
 * A response from a foreign target: check and take off our Via, put
 * the node's back, make our public Record-Route entry the internal one,
 * and send it to the node's connection.
 */
static void
up_response(struct up *u, const struct fr_sipmsg *m)
{
	struct fr_sipproxy *p = u->p;
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct our_via o;
	struct down *d;
	char err[160], *out;
	long n;

	fr_sip_iter_init(&it, m, FR_SIP_H_VIA);
	if (!fr_sip_iter_next(&it, &v) || !sp_via_is_ours(p, v.s, &o)) {
		fr_log(LOG_NOTICE, "sip: %s sent a response (%u) whose top Via "
		    "this edge did not write; dropped", u->target, m->status);
		return;
	}
	LIST_FOREACH(d, &p->downs, entry)
		if (fr_sipconn_id(d->conn) == o.down_id)
			break;
	if (d == NULL) {
		if (m->status >= 200)
			sp_log_request(p, m, -1, sp_source_name(o.source), u->target,
			    m->status, ev_now(p->loop) * 1e3 - (double)o.t0,
			    "the node's connection is gone; dropped");
		return;
	}
	if ((out = malloc(MSG_MAX)) == NULL)
		return;
	n = sp_out_build_response(p, d->internal, d->node, m, &o, out, MSG_MAX,
	    err,
	    sizeof(err));
	if (n < 0) {
		fr_log(LOG_NOTICE, "sip: %s: cannot pass a response (%u) on: %s",
		    u->target, m->status, err);
		free(out);
		return;
	}
	(void)fr_sipconn_send(d->conn, out, (size_t)n);
	if (m->status >= 200)
		sp_log_request(p, m, d->node, sp_source_name(o.source), u->target,
		    m->status, ev_now(p->loop) * 1e3 - (double)o.t0, NULL);
	free(out);
}

long
sp_out_build_response(const struct fr_sipproxy *p, const char *internal,
    int node, const struct fr_sipmsg *m, const struct our_via *o, char *out,
    size_t outlen, char *why, size_t whylen)
{
	char vias[MAX_HIDDEN_VIA], line[MAX_HIDDEN_VIA * 2];
	char rr[FR_ADDRSTRLEN + 64], ip[FR_ADDRSTRLEN], callid[1100];
	struct fr_sip_iter it;
	struct fr_sip_value v;
	struct fr_sip_edits ed;
	size_t i, j, ln;
	long n, vl;
	int first;

	if ((vl = sp_unb64url(o->fv.s, o->fv.len, vias, sizeof(vias))) <= 0) {
		snprintf(why, whylen, "a Via of ours that does not decode");
		return -1;
	}
	/* One "Via:" line per value the node sent, as it sent it. */
	for (i = 0, ln = 0; i < (size_t)vl; i = j + 1) {
		for (j = i; j < (size_t)vl && vias[j] != '\0'; j++)
			;
		n = snprintf(line + ln, sizeof(line) - ln, "Via: %.*s\r\n",
		    (int)(j - i), vias + i);
		if (n < 0 || (size_t)n >= sizeof(line) - ln) {
			snprintf(why, whylen, "the node's Vias do not fit");
			return -1;
		}
		ln += (size_t)n;
	}
	fr_sip_edits_init(&ed);
	first = fr_sipmsg_next(m, FR_SIP_H_VIA, -1);
	fr_sip_iter_init(&it, m, FR_SIP_H_VIA);
	if (!fr_sip_iter_next(&it, &v) ||
	    fr_sip_edit_remove_value(&ed, m, &v) != 0 ||
	    fr_sip_edit_insert(&ed, m, (size_t)first, line, ln) != 0)
		goto bad;
	sp_node_ip(p, node, ip, sizeof(ip));
	if (sp_edit_callid(&ed, m, p->public_addr, ip, callid,
	    sizeof(callid)) != 0)
		goto bad;
	/* Our public Record-Route entry: the internal one for the node. */
	fr_sip_iter_init(&it, m, FR_SIP_H_RECORD_ROUTE);
	while (fr_sip_iter_next(&it, &v)) {
		struct fr_span uri;

		if (!sp_entry_is_ours(v.s, &uri))
			continue;
		n = snprintf(rr, sizeof(rr), SP_RR_INTERNAL, internal);
		if (fr_sip_edit_replace(&ed, m, uri, rr, (size_t)n) != 0)
			goto bad;
	}
	return sp_write(m, &ed, out, outlen, why, whylen);
bad:
	snprintf(why, whylen, "%s", ed.failed ? ed.err : "no Via");
	return -1;
}

static void
up_message(struct fr_sipconn *c, const struct fr_sipmsg *m)
{
	struct up *u = fr_sipconn_data(c);

	if (!m->request) {
		up_response(u, m);
		return;
	}
	/* A foreign server reusing our connection for its own requests
	 * (RFC 5923, as Lync and OCS do): to the node they name. */
	if (u->in == NULL &&
	    (u->in = sp_in_borrow(u->p, c, u->target)) == NULL) {
		sp_reply(u->p, c, m, 500, "Server Internal Error",
		    "out of memory");
		return;
	}
	sp_in_request(u->in, m);
}

static void
up_bad(struct fr_sipconn *c, const struct fr_sipmsg *m,
    const struct fr_sip_error *e)
{
	struct up *u = fr_sipconn_data(c);

	(void)m;
	fr_log(LOG_NOTICE, "sip: %s sent malformed SIP: %s", u->target,
	    e->text);
}

static void
up_closed(struct fr_sipconn *c, const char *reason)
{
	struct up *u = fr_sipconn_data(c);

	fr_log(LOG_INFO, "sip: connection to %s for %s closed: %s", u->target,
	    u->domain, reason);
	u->p->nconns--;
	sp_in_unborrow(u->in, false);
	u->in = NULL;
	up_free(u);
}

static const struct fr_sipconn_ops up_ops = {
	.message = up_message,
	.bad = up_bad,
	.closed = up_closed,
};

/* ------------------------------------------------------------- accept */


void
sp_out_accept(struct fr_sipproxy *p, struct fr_listener *l, int fd,
    const struct fr_sockaddr *client, int node)
{
	struct fr_sipconn_conf cc;
	char peer[FR_ADDRSTRLEN];
	struct down *d;
	SSL *ssl = NULL;
	size_t i;

	if (node < 0) {
		bool allowed = false;

		for (i = 0; i < l->nallow && !allowed; i++)
			allowed = fr_cidr_match(&l->allow[i], client);
		if (!allowed) {
			fr_log(LOG_NOTICE, "sip: %s via %s refused: not a node's "
			    "address, nor in allow-from", fr_addr_str(client,
			    peer, sizeof(peer)), l->name);
			fr_stats_conn(l->stats, FR_CONN_REFUSED);
			close(fd);
			return;
		}
	}
	if (!sp_admit(l, client)) {
		close(fd);
		return;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (l->tls != NULL && (ssl = SSL_new(l->tls)) == NULL) ||
	    (ssl != NULL && !SSL_set_fd(ssl, fd))) {
		SSL_free(ssl);
		free(d);
		fr_stats_conn(l->stats, FR_CONN_ERROR);
		sp_release(l->edge, client);
		close(fd);
		return;
	}
	if (ssl != NULL)
		SSL_set_accept_state(ssl);
	d->p = p;
	d->node = node;
	d->client = *client;
	d->listener = l;
	fr_listener_ref(l);
	fr_addr_str(&l->addr, d->internal, sizeof(d->internal));
	snprintf(d->internal + strlen(d->internal),
	    sizeof(d->internal) - strlen(d->internal), ";transport=%s",
	    l->tls != NULL ? "tls" : "tcp");
	sp_conn_conf(&cc, p, &down_ops, p->set.client_idle_ms,
	    p->set.handshake_timeout_ms);
	if ((d->conn = fr_sipconn_new(&cc, fd, ssl, FR_SIPCONN_HANDSHAKE,
	    client)) == NULL) {
		fr_stats_conn(l->stats, FR_CONN_ERROR);
		sp_release(l->edge, client);
		fr_listener_unref(l);
		SSL_free(ssl);
		close(fd);
		free(d);
		return;
	}
	fr_sipconn_set_data(d->conn, d);
	LIST_INSERT_HEAD(&p->downs, d, entry);
	p->nconns++;
	fr_log(LOG_DEBUG, "sip: node %s connected from %s via %s",
	    sp_node_name(p, node), fr_addr_str(client, peer, sizeof(peer)),
	    l->name);
}


void
sp_out_destroy(struct fr_sipproxy *p)
{
	struct down *d;
	struct up *u;
	struct job *j;

	while ((j = TAILQ_FIRST(&p->jobs)) != NULL)
		job_free(j);
	while ((d = LIST_FIRST(&p->downs)) != NULL) {
		LIST_REMOVE(d, entry);
		fr_sipconn_destroy(d->conn);
		sp_release(d->listener->edge, &d->client);
		fr_listener_unref(d->listener);
		free(d);
	}
	while ((u = LIST_FIRST(&p->ups)) != NULL) {
		sp_in_unborrow(u->in, true);
		u->in = NULL;
		fr_sipconn_destroy(u->conn);
		fr_route_result_free(u->route);
		up_free(u);
	}
}

void
sp_out_close_all(struct fr_sipproxy *p, const char *reason)
{
	struct down *d;
	struct up *u;

	LIST_FOREACH(d, &p->downs, entry)
		fr_sipconn_close(d->conn, reason);
	LIST_FOREACH(u, &p->ups, entry)
		if (u->conn != NULL)
			fr_sipconn_close(u->conn, reason);
}
