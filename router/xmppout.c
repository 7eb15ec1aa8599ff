/*
 * xmppout.c -- the nodes' XMPP s2s streams to foreign domains
 * (xmppout.h says what and why).
 *
 *   accept --> HEAD: read a stream header or a ClientHello (within
 *              handshake-timeout, at most one relay buffer)
 *          --> ROUTE: the routing decision (maybe from the loop)
 *          --> DIAL: the targets that fit, in order
 *          --> RELAY: the bytes read first, then both ways (relay.c)
 * Every end goes through stream_close(), which logs the one line.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "dialer.h"
#include "edgeint.h"
#include "listener.h"
#include "log.h"
#include "relay.h"
#include "routing.h"
#include "tlshello.h"
#include "xmppout.h"
#include "xmppstream.h"

enum state { S_HEAD, S_ROUTE, S_DIAL, S_RELAY, S_ERROR };

struct xstream {
	LIST_ENTRY(xstream) entry;
	struct fr_xmppout *x;
	struct fr_listener *listener;	/* referenced */
	struct fr_sockaddr client;
	int node;			/* index in x->nodes, -1 allow-from */
	enum state state;
	bool tls;			/* a ClientHello, not a header */
	char domain[FR_DNAME_MAX];
	struct fr_xmpp_stream *reader;
	struct fr_buf *head;		/* what was read before relaying */
	size_t headlen;
	size_t fed;			/* of it, given to the reader */
	struct fr_routing_req *rreq;
	struct fr_route_result *route;
	struct fr_dial *dial;
	char target[FR_DNAME_MAX + 16];
	struct fr_relay relay;
	ev_timer timer;
	ev_tstamp started;
	const char *errout;		/* S_ERROR: what is left to write */
	size_t errleft;
	char errbuf[1024];
};

struct fr_xmppout {
	struct fr_edge *edge;
	struct fr_routing *rt;
	struct fr_sockaddr *nodes;	/* the nodes' addresses */
	char (*names)[FR_NAME_MAX];
	size_t nnodes;
	LIST_HEAD(, xstream) streams;
};

#define CLI(s)	(&(s)->relay.end[FR_CLIENT])
#define FOR(s)	(&(s)->relay.end[FR_NODE])

/* ---------------------------------------------------------------- end */

static void stream_close(struct xstream *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
stream_free(struct xstream *s)
{
	struct fr_edge *e = s->x->edge;
	uint8_t ip[16];

	ev_timer_stop(e->loop, &s->timer);
	fr_end_watch(e->loop, CLI(s), 0);
	fr_end_watch(e->loop, FOR(s), 0);
	fr_routing_cancel(s->rreq);
	fr_dial_cancel(s->dial);
	fr_route_result_free(s->route);
	fr_xmpp_stream_delete(s->reader);
	if (s->head != NULL)
		fr_buf_put(e->bufs, s->head);
	fr_relay_release(&s->relay);
	if (CLI(s)->fd >= 0)
		close(CLI(s)->fd);
	if (FOR(s)->fd >= 0)
		close(FOR(s)->fd);
	LIST_REMOVE(s, entry);
	fr_addr_ip16(&s->client, ip);
	fr_srclimit_del(e->sources, ip);
	fr_edge_session_closed(e);
	fr_listener_unref(s->listener);
	free(s);
}

/* Count how s ended, and what it relayed, on its listener's row: a
 * stream that got as far as the relay was relayed; one answered with
 * a stream error was refused (allow list, no route); the rest ended
 * before either. */
static enum fr_conn_outcome
count_end(const struct xstream *s)
{
	struct fr_listener_stats *ls = s->listener->stats;
	enum fr_conn_outcome o = s->state == S_RELAY ? FR_CONN_RELAYED :
	    s->state == S_ERROR ? FR_CONN_REFUSED : FR_CONN_ABORTED;

	if (ls != NULL) {
		fr_stats_conn(ls, o);
		ls->bytes_from_client += CLI(s)->bytes_in;
		ls->bytes_to_client += FOR(s)->bytes_in;
	}
	return o;
}

static void
stream_close(struct xstream *s, const char *fmt, ...)
{
	char why[512], client[FR_ADDRSTRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fr_log(LOG_INFO, "xmpp client=%s listener=%s node=%s to=%s%s "
	    "target=%s duration_s=%.3f from_node=%llu to_node=%llu: %s",
	    fr_addr_str(&s->client, client, sizeof(client)), s->listener->name,
	    s->node >= 0 ? s->x->names[s->node] : "-",
	    s->domain[0] != '\0' ? s->domain : "-", s->tls ? " (tls)" : "",
	    s->target[0] != '\0' ? s->target : "-",
	    ev_now(s->x->edge->loop) - s->started,
	    (unsigned long long)CLI(s)->bytes_in,
	    (unsigned long long)FOR(s)->bytes_in, why);
	if (count_end(s) != FR_CONN_RELAYED)
		fr_stats_failure(&s->x->edge->stats, "%s from %s: %s",
		    s->listener->name, fr_addr_str(&s->client, client,
		    sizeof(client)), why);
	stream_free(s);
}

/* XML text of a peer or a reason, safe inside an element or '...'. */
static void
xml_escape(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *in != '\0' && n + 7 < outlen; in++) {
		const char *rep = NULL;

		switch (*in) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '\'': rep = "&apos;"; break;
		case '"': rep = "&quot;"; break;
		default:
			break;
		}
		if (rep != NULL) {
			memcpy(out + n, rep, strlen(rep));
			n += strlen(rep);
		} else if ((unsigned char)*in >= 0x20 && *in != 0x7f) {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
}

static void
error_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct xstream *s = w->data;
	ssize_t n;

	(void)loop;
	(void)revents;
	n = write(CLI(s)->fd, s->errout, s->errleft);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		s->errout += n;
		s->errleft -= (size_t)n;
		if (s->errleft > 0)
			return;
	}
	stream_close(s, "%s", s->errbuf + strlen(s->errbuf) + 1);
}

/*
 * Tell the node why its stream goes nowhere (RFC 6120 4.9: a stream
 * header of our own first, then the error), then close.
 */
static void
stream_error(struct xstream *s, const char *condition, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
stream_error(struct xstream *s, const char *condition, const char *fmt, ...)
{
	char why[384], ewhy[512], edom[FR_DNAME_MAX * 6];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (s->tls) {
		/* Nothing can be said in clear to a TLS client. */
		stream_close(s, "%s", why);
		return;
	}
	xml_escape(why, ewhy, sizeof(ewhy));
	xml_escape(s->domain, edom, sizeof(edom));
	n = snprintf(s->errbuf, sizeof(s->errbuf), "<?xml version='1.0'?>"
	    "<stream:stream xmlns='jabber:server' xmlns:stream='http://"
	    "etherx.jabber.org/streams' from='%s' version='1.0'>"
	    "<stream:error><%s xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
	    "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>%s</text>"
	    "</stream:error></stream:stream>", edom, condition, ewhy);
	if (n < 0 || (size_t)n + strlen(why) + 2 >= sizeof(s->errbuf)) {
		stream_close(s, "%s", why);
		return;
	}
	/* The log's reason rides behind the text, after its NUL. */
	memcpy(s->errbuf + n + 1, why, strlen(why) + 1);
	s->errout = s->errbuf;
	s->errleft = (size_t)n;
	s->state = S_ERROR;
	fr_end_watch(s->x->edge->loop, CLI(s), 0);
	ev_set_cb(&CLI(s)->io, error_cb);
	fr_end_watch(s->x->edge->loop, CLI(s), EV_WRITE);
}

/* -------------------------------------------------------------- relay */

static void
run_relay(struct xstream *s)
{
	char why[384];

	switch (fr_relay_run(&s->relay, why, sizeof(why))) {
	case FR_RELAY_MORE:
		return;
	case FR_RELAY_DONE:
		stream_close(s, "closed by %s", s->relay.first_eof == FR_NODE ?
		    "the foreign server" : "the node");
		return;
	case FR_RELAY_FAILED:
		stream_close(s, "%s", why);
		return;
	}
}

static void
end_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct xstream *s = w->data;

	(void)loop;
	if (s->state != S_RELAY)
		return;
	(w == &CLI(s)->io ? CLI(s) : FOR(s))->ready |= (unsigned char)revents;
	run_relay(s);
}

static void
dialed(void *arg, const struct fr_dial_done *done)
{
	struct xstream *s = arg;
	struct fr_edge *e = s->x->edge;
	ev_tstamp now = ev_now(e->loop);

	s->dial = NULL;
	if (done->fd < 0) {
		stream_error(s, "remote-server-not-found", "no server of %s "
		    "answered: %s", s->domain, done->failures[0] != '\0' ?
		    done->failures : "no address");
		return;
	}
	snprintf(s->target, sizeof(s->target), "%s:%u", done->target->host,
	    done->target->port);
	fr_end_init(FOR(s), done->fd, NULL);
	ev_io_init(&FOR(s)->io, end_cb, done->fd, 0);
	FOR(s)->io.data = s;
	/* What the node sent so far goes first, byte for byte. */
	s->relay.flow[FR_CLIENT].buf = s->head;
	s->relay.flow[FR_CLIENT].off = 0;
	s->relay.flow[FR_CLIENT].len = s->headlen;
	s->head = NULL;
	s->state = S_RELAY;
	/* Both ends are plain sockets to us (the servers' TLS passes
	 * untouched): bulk moves by splice, as in a PAT session. */
	s->relay.splice_ok = e->set.splice;
	/* From now on the client's watcher is the relay's. */
	ev_set_cb(&CLI(s)->io, end_cb);
	/*
	 * Writable both, readable neither: the foreign server has not seen
	 * the header yet, and the node, which read the socket dry or filled
	 * the head, waits for the answer (its ClientHello, its header).  A
	 * read tried now would be an EAGAIN per end and stream; a byte that
	 * is there after all wakes the read watcher (level-triggered).
	 */
	CLI(s)->ready = FOR(s)->ready = EV_WRITE;
	CLI(s)->active = FOR(s)->active = now;
	ev_timer_stop(e->loop, &s->timer);
	ev_timer_set(&s->timer, (e->set.client_idle_ms < e->set.server_idle_ms ?
	    e->set.client_idle_ms : e->set.server_idle_ms) / 1000., 0.);
	ev_timer_start(e->loop, &s->timer);
	run_relay(s);
}

/* Keep the targets a stream of this kind can use. */
static void
keep_fitting(struct xstream *s)
{
	struct fr_route_result *r = s->route;
	enum fr_transport want = s->tls ? FR_TRANSPORT_TLS : FR_TRANSPORT_TCP;
	size_t i, n = 0;

	for (i = 0; i < r->ntargets; i++) {
		if (r->targets[i].transport == want)
			r->targets[n++] = r->targets[i];
		else
			free(r->targets[i].addrs);
	}
	r->ntargets = n;
}

static void
routed(void *arg, struct fr_route_result *r)
{
	struct xstream *s = arg;
	struct fr_dial_conf dc;

	s->rreq = NULL;
	s->route = r;
	if (r == NULL) {
		stream_error(s, "internal-server-error", "out of memory");
		return;
	}
	if (r->decision == FR_DECISION_REFUSED) {
		stream_error(s, "policy-violation", "%s", r->why);
		return;
	}
	keep_fitting(s);
	if (r->decision == FR_DECISION_NONE || r->ntargets == 0) {
		stream_error(s, "remote-server-not-found", "%s", r->why[0] !=
		    '\0' ? r->why : s->tls ? "no direct TLS server "
		    "(_xmpps-server) for this domain" : "no server for this "
		    "domain");
		return;
	}
	s->state = S_DIAL;
	memset(&dc, 0, sizeof(dc));
	dc.loop = s->x->edge->loop;
	dc.resolver = fr_routing_resolver(s->x->rt);
	dc.connect_timeout_ms = s->x->edge->set.connect_timeout_ms;
	dc.tls_for_tls_targets = false;	/* the servers' TLS, not ours */
	if ((s->dial = fr_dial_start(&dc, s->route, dialed, s)) == NULL)
		stream_error(s, "internal-server-error", "out of memory");
}

static void
route(struct xstream *s)
{
	struct fr_route_result *r;
	char err[256];
	int rc;

	s->state = S_ROUTE;
	fr_end_watch(s->x->edge->loop, CLI(s), 0);
	rc = fr_routing_decide(s->x->rt, s->domain, FR_SERVICE_XMPP, routed,
	    s, &r, &s->rreq, err, sizeof(err));
	if (rc < 0)
		stream_error(s, "improper-addressing", "%s: %s", s->domain,
		    err);
	else if (rc == 1)
		routed(s, r);
}

/* ---------------------------------------------------------- the head */

/*
 * A stream header read with proto/xmppstream: 1 when complete (domain
 * set), 0 for more, -1 when the stream was closed.
 */
static int
look_header(struct xstream *s)
{
	const struct fr_xmpp_stream_header *h;
	const char *at, *dom;
	size_t taken;

	switch (fr_xmpp_stream_feed(s->reader, s->head->data + s->fed,
	    s->headlen - s->fed, &taken)) {
	case FR_XMPP_MORE:
		s->fed += taken;
		return 0;
	case FR_XMPP_HEADER:
		h = fr_xmpp_stream_header(s->reader);
		if (!h->has_to || h->to[0] == '\0') {
			stream_error(s, "improper-addressing", "the stream "
			    "header has no to");
			return -1;
		}
		/* s2s streams are addressed to a domain; a JID's domain is
		 * what is routed either way. */
		at = strchr(h->to, '@');
		dom = at != NULL ? at + 1 : h->to;
		snprintf(s->domain, sizeof(s->domain), "%.*s",
		    (int)strcspn(dom, "/"), dom);
		return 1;
	default:
		stream_error(s, "not-well-formed", "%s",
		    fr_xmpp_stream_errstr(s->reader));
		return -1;
	}
}

/*
 * What the first bytes are: a ClientHello (direct TLS, routed by its
 * SNI) or anything else, which must be a stream header.  1 when the
 * domain is known, 0 for more, -1 when the stream was closed.
 */
static int
look(struct xstream *s)
{
	struct fr_tls_hello hello;
	char err[256];

	if (s->reader != NULL)
		return look_header(s);
	switch (fr_tls_hello_parse(s->head->data, s->headlen, &hello, err,
	    sizeof(err))) {
	case FR_TLS_HELLO_MORE:
		return 0;
	case FR_TLS_HELLO_BAD:
		s->tls = true;
		stream_close(s, "a malformed TLS ClientHello: %s", err);
		return -1;
	case FR_TLS_HELLO_DONE:
		s->tls = true;
		if (!hello.has_sni) {
			stream_close(s, "a TLS ClientHello without a server "
			    "name (SNI): no domain to route by");
			return -1;
		}
		snprintf(s->domain, sizeof(s->domain), "%s", hello.sni);
		return 1;
	case FR_TLS_HELLO_NOT_TLS:
		break;
	}
	if ((s->reader = fr_xmpp_stream_create(s->head->size)) == NULL) {
		stream_close(s, "out of memory");
		return -1;
	}
	return look_header(s);
}

static void
head_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct xstream *s = w->data;
	ssize_t n;

	(void)loop;
	(void)revents;
	if (s->state != S_HEAD)
		return;
	if (s->headlen >= s->head->size) {
		stream_error(s, "policy-violation", "%zu bytes and still no "
		    "stream header or ClientHello", s->headlen);
		return;
	}
	n = read(CLI(s)->fd, s->head->data + s->headlen,
	    s->head->size - s->headlen);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			stream_close(s, "read: %s", strerror(errno));
		return;
	}
	if (n == 0) {
		stream_close(s, "closed by the node before its stream header");
		return;
	}
	s->headlen += (size_t)n;
	CLI(s)->bytes_in += (uint64_t)n;
	if (look(s) == 1)
		route(s);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct xstream *s = w->data;
	ev_tstamp idle, last;

	(void)revents;
	switch (s->state) {
	case S_HEAD:
		stream_error(s, "connection-timeout", "no stream header within "
		    "%ums (handshake-timeout)",
		    s->x->edge->set.handshake_timeout_ms);
		return;
	case S_RELAY:
		last = CLI(s)->active > FOR(s)->active ? CLI(s)->active :
		    FOR(s)->active;
		idle = (s->x->edge->set.client_idle_ms <
		    s->x->edge->set.server_idle_ms ?
		    s->x->edge->set.client_idle_ms :
		    s->x->edge->set.server_idle_ms) / 1000.;
		if (ev_now(loop) - last >= idle) {
			stream_close(s, "idle for %.0fms", idle * 1000.);
			return;
		}
		ev_timer_set(w, last + idle - ev_now(loop), 0.);
		ev_timer_start(loop, w);
		return;
	default:
		/* Routing and dialing have time-outs of their own. */
		return;
	}
}

/* ------------------------------------------------------------- accept */

void
fr_xmppout_accept(struct fr_xmppout *x, struct fr_listener *l, int fd,
    const struct fr_sockaddr *client)
{
	struct fr_edge *e = x->edge;
	char addr[FR_ADDRSTRLEN];
	struct xstream *s;
	uint8_t ip[16], nip[16];
	unsigned count;
	int node = -1;
	size_t i;

	fr_addr_ip16(client, ip);
	for (i = 0; i < x->nnodes && node < 0; i++) {
		fr_addr_ip16(&x->nodes[i], nip);
		if (memcmp(ip, nip, 16) == 0)
			node = (int)i;
	}
	if (node < 0) {
		bool allowed = false;

		for (i = 0; i < l->nallow && !allowed; i++)
			allowed = fr_cidr_match(&l->allow[i], client);
		if (!allowed) {
			fr_log(LOG_NOTICE, "xmpp: %s via %s refused: not a "
			    "node's address, nor in allow-from",
			    fr_addr_str(client, addr, sizeof(addr)), l->name);
			fr_stats_conn(l->stats, FR_CONN_REFUSED);
			close(fd);
			return;
		}
	}
	if ((count = fr_srclimit_add(e->sources, ip)) == 0) {
		fr_stats_conn(l->stats, FR_CONN_ERROR);
		close(fd);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->head = fr_buf_get(e->bufs)) == NULL) {
		fr_stats_conn(l->stats, FR_CONN_ERROR);
		free(s);
		fr_srclimit_del(e->sources, ip);
		close(fd);
		return;
	}
	(void)count;
	s->x = x;
	s->listener = l;
	fr_listener_ref(l);
	s->client = *client;
	s->node = node;
	s->started = ev_now(e->loop);
	s->relay.loop = e->loop;
	s->relay.bufs = e->bufs;
	s->relay.first_eof = -1;
	s->relay.flow[0].pipe.fd[0] = s->relay.flow[0].pipe.fd[1] = -1;
	s->relay.flow[1].pipe.fd[0] = s->relay.flow[1].pipe.fd[1] = -1;
	fr_end_init(CLI(s), fd, NULL);
	ev_io_init(&CLI(s)->io, head_cb, fd, 0);
	CLI(s)->io.data = s;
	FOR(s)->fd = -1;
	ev_io_init(&FOR(s)->io, end_cb, -1, 0);
	FOR(s)->io.data = s;
	ev_timer_init(&s->timer, timer_cb,
	    e->set.handshake_timeout_ms / 1000., 0.);
	s->timer.data = s;
	LIST_INSERT_HEAD(&x->streams, s, entry);
	fr_edge_session_opened(e);
	ev_timer_start(e->loop, &s->timer);
	fr_end_watch(e->loop, CLI(s), EV_READ);
}

/* ----------------------------------------------------- create, reload */

static int
apply(struct fr_xmppout *x, const struct fr_edge_conf *conf,
    struct fr_routing *rt, char *err, size_t errlen)
{
	struct fr_sockaddr *nodes = NULL;
	char (*names)[FR_NAME_MAX] = NULL;
	size_t i;

	if (conf->nnodes > 0 &&
	    ((nodes = calloc(conf->nnodes, sizeof(*nodes))) == NULL ||
	    (names = calloc(conf->nnodes, sizeof(*names))) == NULL)) {
		free(nodes);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fr_routing_ref(rt);
	for (i = 0; i < conf->nnodes; i++) {
		nodes[i] = conf->nodes[i].addr;
		snprintf(names[i], sizeof(names[i]), "%s", conf->nodes[i].name);
	}
	fr_routing_delete(x->rt);
	free(x->nodes);
	free(x->names);
	x->rt = rt;
	x->nodes = nodes;
	x->names = names;
	x->nnodes = conf->nnodes;
	return 0;
}

struct fr_xmppout *
fr_xmppout_create(struct fr_edge *edge, const struct fr_edge_conf *conf,
    struct fr_routing *rt, char *err, size_t errlen)
{
	struct fr_xmppout *x;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->edge = edge;
	LIST_INIT(&x->streams);
	if (apply(x, conf, rt, err, errlen) != 0) {
		free(x);
		return NULL;
	}
	return x;
}

int
fr_xmppout_reload(struct fr_xmppout *x, const struct fr_edge_conf *conf,
    struct fr_routing *rt, char *err, size_t errlen)
{
	return apply(x, conf, rt, err, errlen);
}

void
fr_xmppout_close_all(struct fr_xmppout *x, const char *reason)
{
	struct xstream *s;

	while ((s = LIST_FIRST(&x->streams)) != NULL)
		stream_close(s, "%s", reason);
}

void
fr_xmppout_delete(struct fr_xmppout *x)
{
	struct xstream *s;

	if (x == NULL)
		return;
	while ((s = LIST_FIRST(&x->streams)) != NULL)
		stream_free(s);
	fr_routing_delete(x->rt);
	free(x->nodes);
	free(x->names);
	free(x);
}
