/*
 * session.c -- the life of a relayed connection.
 *
 *   accept --(listener tls)--> HANDSHAKE --> dispatch
 *   dispatch: pick a node --> CONNECTING --(node tls)--> NODE_HANDSHAKE
 *             --> RELAY;  a failure or time-out in CONNECTING or
 *             NODE_HANDSHAKE goes back to dispatch with that node
 *             marked as tried, while attempts remain.
 *   RELAY: relay.c moves the bytes; the timer watches idleness.
 *
 * Every path out goes through session_close(s, reason), which logs the
 * connection's line and frees everything.  After it, s is gone: callers
 * return at once.
 *
 * While connecting to a node the client is not read: its bytes wait in
 * the kernel (back-pressure) and the relay starts with whatever arrived,
 * TLS records already decrypted included.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "edgeint.h"
#include "listener.h"
#include "log.h"
#include "node.h"
#include "pool.h"
#include "relay.h"
#include "session.h"
#include "routing.h"
#include "sipuri.h"
#include "tls.h"
#include "xmppstream.h"

enum state {
	S_XMPP_HEAD,		/* an XMPP stream header, for the allow list */
	S_HANDSHAKE,		/* client TLS handshake */
	S_CONNECTING,		/* TCP connect to a node */
	S_NODE_HANDSHAKE,	/* TLS handshake with the node */
	S_RELAY,
};

struct fr_session {
	TAILQ_ENTRY(fr_session) entry;		/* edge->sessions */
	TAILQ_ENTRY(fr_session) node_entry;	/* node->sessions */
	struct fr_edge *edge;
	struct fr_listener *listener;		/* referenced */
	struct fr_pool *pool;			/* referenced */
	struct fr_node *node;			/* referenced, once picked */
	struct fr_sockaddr client;
	struct fr_relay relay;
	ev_timer timer;		/* handshake, connect, then idle */
	enum state state;
	uint64_t tried;		/* pool members tried: 1 << index */
	unsigned attempts;
	ev_tstamp started;	/* accepted */
	ev_tstamp connect_start;
	double connect_ms;	/* of the connect that succeeded, or -1 */
	struct fr_xmpp_stream *reader;	/* S_XMPP_HEAD */
	struct fr_buf *head;		/* what it read, replayed to the node */
	size_t headlen, fed;
	/* How it ended, for /metrics, when its state does not say it:
	 * FR_CONN_OUTCOMES for "by the state". */
	enum fr_conn_outcome outcome;
};

#define CLI(s)	(&(s)->relay.end[FR_CLIENT])
#define NOD(s)	(&(s)->relay.end[FR_NODE])

static void dispatch(struct fr_session *s, const char *failed);

static void
set_timer(struct fr_session *s, double seconds)
{
	ev_timer_stop(s->edge->loop, &s->timer);
	ev_timer_set(&s->timer, seconds, 0.);
	ev_timer_start(s->edge->loop, &s->timer);
}

/* Let go of the node being tried or relayed to. */
static void
release_node(struct fr_session *s)
{
	struct fr_end *e = NOD(s);

	if (e->fd >= 0) {
		fr_end_watch(s->edge->loop, e, 0);
		SSL_free(e->ssl);
		e->ssl = NULL;
		close(e->fd);
		e->fd = -1;
	}
	if (s->node != NULL) {
		TAILQ_REMOVE(&s->node->sessions, s, node_entry);
		s->node->active--;
		fr_node_unref(s->node);
		s->node = NULL;
	}
}

/* Count how s ended, and what it relayed, on its listener's row. */
static enum fr_conn_outcome
count_end(const struct fr_session *s, uint64_t to_client)
{
	struct fr_listener_stats *ls = s->listener->stats;
	enum fr_conn_outcome o = s->outcome;

	if (o == FR_CONN_OUTCOMES) {
		switch (s->state) {
		case S_RELAY:
			o = FR_CONN_RELAYED;
			break;
		case S_HANDSHAKE:
			o = FR_CONN_TLS_FAILED;
			break;
		case S_CONNECTING:
		case S_NODE_HANDSHAKE:
			o = FR_CONN_NO_NODE;
			break;
		case S_XMPP_HEAD:
			o = FR_CONN_ABORTED;
			break;
		}
	}
	if (ls != NULL) {
		fr_stats_conn(ls, o);
		ls->bytes_from_client += CLI(s)->bytes_in;
		ls->bytes_to_client += to_client;
	}
	return o;
}

static void session_close(struct fr_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The one way out: log the connection's line, free everything. */
static void
session_close(struct fr_session *s, const char *fmt, ...)
{
	struct fr_edge *e = s->edge;
	char reason[512], client[FR_ADDRSTRLEN], connect[32];
	uint64_t to_client;
	uint8_t ip[16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (s->connect_ms >= 0)
		snprintf(connect, sizeof(connect), "%.1f", s->connect_ms);
	else
		snprintf(connect, sizeof(connect), "-");
	/* Bytes that reached the client; what was still held is lost. */
	to_client = NOD(s)->bytes_in - fr_relay_pending(&s->relay, FR_CLIENT);
	fr_addr_str(&s->client, client, sizeof(client));
	if (count_end(s, to_client) != FR_CONN_RELAYED)
		fr_stats_failure(&e->stats, "%s from %s: %s", s->listener->name,
		    client, reason);
	fr_log(LOG_INFO, "conn client=%s listener=%s node=%s connect_ms=%s "
	    "duration_s=%.3f from_client=%llu to_client=%llu attempts=%u: %s",
	    client, s->listener->name,
	    s->node != NULL ? s->node->name : "-", connect,
	    ev_now(e->loop) - s->started,
	    (unsigned long long)CLI(s)->bytes_in,
	    (unsigned long long)to_client, s->attempts, reason);

	ev_timer_stop(e->loop, &s->timer);
	release_node(s);
	fr_xmpp_stream_delete(s->reader);
	if (s->head != NULL)
		fr_buf_put(e->bufs, s->head);
	fr_end_watch(e->loop, CLI(s), 0);
	SSL_free(CLI(s)->ssl);
	close(CLI(s)->fd);
	fr_relay_release(&s->relay);
	fr_addr_ip16(&s->client, ip);
	fr_srclimit_del(e->sources, ip);
	TAILQ_REMOVE(&e->sessions, s, entry);
	fr_pool_unref(s->pool);
	fr_listener_unref(s->listener);
	free(s);
	fr_edge_session_closed(e);
}

static void
run_relay(struct fr_session *s)
{
	char why[384];

	switch (fr_relay_run(&s->relay, why, sizeof(why))) {
	case FR_RELAY_MORE:
		return;
	case FR_RELAY_DONE:
		session_close(s, "closed by %s", s->relay.first_eof ==
		    FR_NODE ? "node" : "client");
		return;
	case FR_RELAY_FAILED:
		session_close(s, "%s", why);
		return;
	}
}

static void
start_relay(struct fr_session *s)
{
	struct fr_edge *e = s->edge;
	ev_tstamp now = ev_now(e->loop);

	s->state = S_RELAY;
	s->connect_ms = (now - s->connect_start) * 1000.;
	s->relay.splice_ok = e->set.splice && CLI(s)->ssl == NULL &&
	    NOD(s)->ssl == NULL;
	/* Both ends are tried at once: the client may have sent already,
	 * and TLS may hold decrypted bytes no event will announce. */
	CLI(s)->ready = NOD(s)->ready = EV_READ | EV_WRITE;
	CLI(s)->active = NOD(s)->active = now;
	set_timer(s, (e->set.client_idle_ms < e->set.server_idle_ms ?
	    e->set.client_idle_ms : e->set.server_idle_ms) / 1000.);
	run_relay(s);
}

static void
log_retry(const struct fr_session *s, const char *why)
{
	char client[FR_ADDRSTRLEN];

	fr_log(LOG_DEBUG, "client %s via %s: %s; trying another node",
	    fr_addr_str(&s->client, client, sizeof(client)),
	    s->listener->name, why);
}

/* The connection to the node failed: try another. */
static void
node_failed(struct fr_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
node_failed(struct fr_session *s, const char *fmt, ...)
{
	char why[384], what[256];
	int n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	n = snprintf(why, sizeof(why), "node %s: %s", s->node->name, what);
	if (n < 0)
		why[0] = '\0';
	log_retry(s, why);
	release_node(s);
	dispatch(s, why);
}

static void
node_handshake(struct fr_session *s)
{
	struct fr_end *e = NOD(s);
	char why[256];
	int ret;

	ERR_clear_error();
	if ((ret = SSL_do_handshake(e->ssl)) == 1) {
		fr_stats_tls(&s->edge->stats, false, true);
		start_relay(s);
		return;
	}
	switch (SSL_get_error(e->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		fr_end_watch(s->edge->loop, e, EV_READ);
		return;
	case SSL_ERROR_WANT_WRITE:
		fr_end_watch(s->edge->loop, e, EV_WRITE);
		return;
	default:
		fr_stats_tls(&s->edge->stats, false, false);
		node_failed(s, "TLS handshake failed: %s",
		    fr_tls_strerror(e->ssl, ret, errno, why, sizeof(why)));
		return;
	}
}

static void
node_connected(struct fr_session *s)
{
	struct fr_end *e = NOD(s);
	int on = 1;

	(void)setsockopt(e->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (s->node->transport != FR_NODE_TLS) {
		start_relay(s);
		return;
	}
	if ((e->ssl = fr_node_tls_new(s->node, e->fd)) == NULL) {
		node_failed(s, "out of memory for TLS");
		return;
	}
	s->state = S_NODE_HANDSHAKE;
	node_handshake(s);
}

/* Start connecting to s->node.  0: under way or done; -1: failed at
 * once, with the reason in why. */
static int
node_connect(struct fr_session *s, char *why, size_t whylen)
{
	const struct fr_sockaddr *a = &s->node->addr;
	struct fr_end *e = NOD(s);
	int fd;

	fd = socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	fr_end_init(e, fd, NULL);
	s->state = S_CONNECTING;
	s->connect_start = ev_now(s->edge->loop);
	set_timer(s, s->edge->set.connect_timeout_ms / 1000.);
	if (connect(fd, &a->u.sa, a->len) == 0) {
		node_connected(s);
		return 0;
	}
	if (errno == EINPROGRESS) {
		fr_end_watch(s->edge->loop, e, EV_WRITE);
		return 0;
	}
	snprintf(why, whylen, "connect: %s", strerror(errno));
	return -1;
}

/*
 * Pick a node not yet tried and connect to it.  failed says why the
 * previous attempt failed, or is NULL before the first.
 */
static void
dispatch(struct fr_session *s, const char *failed)
{
	char why[256], prev[FR_NAME_MAX + 272];
	struct fr_node *n;
	size_t idx;

	for (;;) {
		if (s->attempts > s->edge->set.connect_retries) {
			s->outcome = FR_CONN_NO_NODE;
			session_close(s, "%s; gave up after %u attempts",
			    failed, s->attempts);
			return;
		}
		n = fr_pool_pick(s->pool, &s->client, s->tried, &idx);
		if (n == NULL) {
			s->outcome = FR_CONN_NO_NODE;
			if (failed != NULL)
				session_close(s, "%s; no other node is up",
				    failed);
			else if (fr_pool_is_pat(s->pool))
				session_close(s, "node %s is down",
				    fr_pool_node(s->pool, 0)->name);
			else
				session_close(s, "no node of pool %s is up",
				    fr_pool_name(s->pool));
			return;
		}
		s->tried |= UINT64_C(1) << idx;
		s->attempts++;
		s->node = n;
		fr_node_ref(n);
		n->active++;
		TAILQ_INSERT_TAIL(&n->sessions, s, node_entry);
		if (node_connect(s, why, sizeof(why)) == 0)
			return;
		snprintf(prev, sizeof(prev), "node %s: %s", n->name, why);
		log_retry(s, prev);
		release_node(s);
		failed = prev;
	}
}

/*
 * The public XMPP ports: a foreign server's stream header is read (the
 * servers' TLS is theirs: a ClientHello passes unread) so that its from
 * can be checked against the allow list before any node sees it; then
 * the bytes read go to the node first, byte for byte.
 */
static void
xmpp_refuse(struct fr_session *s, const char *condition, const char *why)
{
	char text[1024];
	int n;

	/* One write of a few hundred bytes to a fresh socket: it fits.
	 * The reason is ours (domain names are checked), not the peer's. */
	n = snprintf(text, sizeof(text), "<?xml version='1.0'?>"
	    "<stream:stream xmlns='jabber:server' xmlns:stream='http://"
	    "etherx.jabber.org/streams' version='1.0'><stream:error><%s "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:"
	    "ietf:params:xml:ns:xmpp-streams'>%s</text></stream:error>"
	    "</stream:stream>", condition, why);
	if (n > 0 && (size_t)n < sizeof(text))
		(void)write(CLI(s)->fd, text, (size_t)n);
	s->outcome = FR_CONN_REFUSED;
	session_close(s, "refused: %s", why);
}

static bool
xmpp_allowed(struct fr_session *s, const char *from, char *why,
    size_t whylen)
{
	const struct fr_domain_conf *d;
	struct fr_routing *rt = s->edge->rt;

	if (rt == NULL)
		return true;
	d = fr_routing_domain(rt, from);
	if (d == NULL && !fr_routing_open(rt)) {
		snprintf(why, whylen, "%s is not in the allow list", from);
		return false;
	}
	if (d != NULL && !(d->profiles & FR_FED_XMPP)) {
		snprintf(why, whylen, "%s does not federate by xmpp-s2s here",
		    from);
		return false;
	}
	return true;
}

static void
xmpp_head_done(struct fr_session *s)
{
	fr_end_watch(s->edge->loop, CLI(s), 0);
	ev_timer_stop(s->edge->loop, &s->timer);
	s->relay.flow[FR_CLIENT].buf = s->head;
	s->relay.flow[FR_CLIENT].off = 0;
	s->relay.flow[FR_CLIENT].len = s->headlen;
	s->head = NULL;
	fr_xmpp_stream_delete(s->reader);
	s->reader = NULL;
	dispatch(s, NULL);
}

static void
xmpp_head(struct fr_session *s)
{
	const struct fr_xmpp_stream_header *h;
	char why[FR_DNAME_MAX + 64], from[FR_DNAME_MAX];
	size_t taken;
	ssize_t n;

	if (s->headlen >= s->head->size) {
		xmpp_refuse(s, "policy-violation", "no stream header in the "
		    "first bytes");
		return;
	}
	n = read(CLI(s)->fd, s->head->data + s->headlen,
	    s->head->size - s->headlen);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			session_close(s, "client read: %s", strerror(errno));
		return;
	}
	if (n == 0) {
		session_close(s, "closed by client before its stream header");
		return;
	}
	s->headlen += (size_t)n;
	CLI(s)->bytes_in += (uint64_t)n;
	/* Direct TLS (XEP-0368): the header is inside the servers' TLS. */
	if ((unsigned char)s->head->data[0] == 0x16) {
		xmpp_head_done(s);
		return;
	}
	switch (fr_xmpp_stream_feed(s->reader, s->head->data + s->fed,
	    s->headlen - s->fed, &taken)) {
	case FR_XMPP_MORE:
		s->fed += taken;
		return;
	case FR_XMPP_HEADER:
		h = fr_xmpp_stream_header(s->reader);
		/* RFC 6120 4.7.1: from is optional; a server that gives it
		 * names its domain, which the allow list must know. */
		if (h->has_from && h->from[0] != '\0') {
			const char *at = strchr(h->from, '@');
			const char *dom = at != NULL ? at + 1 : h->from;

			snprintf(from, sizeof(from), "%.*s",
			    (int)strcspn(dom, "/"), dom);
			if (fr_dname_check(from, why, sizeof(why)) != 0) {
				xmpp_refuse(s, "improper-addressing", "the "
				    "stream header's from is not a domain");
				return;
			}
			if (!xmpp_allowed(s, from, why, sizeof(why))) {
				xmpp_refuse(s, "policy-violation", why);
				return;
			}
		}
		xmpp_head_done(s);
		return;
	default:
		xmpp_refuse(s, "not-well-formed", "the stream header is not "
		    "well-formed XML");
		return;
	}
}

static void
client_handshake(struct fr_session *s)
{
	struct fr_end *e = CLI(s);
	char why[256];
	int ret;

	ERR_clear_error();
	if ((ret = SSL_do_handshake(e->ssl)) == 1) {
		fr_stats_tls(&s->edge->stats, true, true);
		/* Quiet until the node is there: back-pressure. */
		fr_end_watch(s->edge->loop, e, 0);
		ev_timer_stop(s->edge->loop, &s->timer);
		dispatch(s, NULL);
		return;
	}
	switch (SSL_get_error(e->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		fr_end_watch(s->edge->loop, e, EV_READ);
		return;
	case SSL_ERROR_WANT_WRITE:
		fr_end_watch(s->edge->loop, e, EV_WRITE);
		return;
	default:
		fr_stats_tls(&s->edge->stats, true, false);
		session_close(s, "client TLS handshake failed: %s",
		    fr_tls_strerror(e->ssl, ret, errno, why, sizeof(why)));
		return;
	}
}

static void
client_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_session *s = w->data;

	(void)loop;
	switch (s->state) {
	case S_XMPP_HEAD:
		xmpp_head(s);
		return;
	case S_HANDSHAKE:
		client_handshake(s);
		return;
	case S_RELAY:
		CLI(s)->ready |= (unsigned char)revents;
		run_relay(s);
		return;
	default:
		/* Not watched while connecting. */
		fr_end_watch(s->edge->loop, CLI(s), 0);
		return;
	}
}

static void
node_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_session *s = w->data;
	socklen_t len;
	int err;

	(void)loop;
	switch (s->state) {
	case S_CONNECTING:
		len = sizeof(err);
		if (getsockopt(NOD(s)->fd, SOL_SOCKET, SO_ERROR, &err,
		    &len) != 0)
			err = errno;
		if (err != 0) {
			node_failed(s, "connect: %s", strerror(err));
			return;
		}
		node_connected(s);
		return;
	case S_NODE_HANDSHAKE:
		node_handshake(s);
		return;
	case S_RELAY:
		NOD(s)->ready |= (unsigned char)revents;
		run_relay(s);
		return;
	default:
		fr_end_watch(s->edge->loop, NOD(s), 0);
		return;
	}
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_session *s = w->data;
	const struct fr_edge_settings *set = &s->edge->set;
	ev_tstamp now = ev_now(loop), cdue, ndue;

	(void)revents;
	switch (s->state) {
	case S_XMPP_HEAD:
		xmpp_refuse(s, "connection-timeout", "no stream header within "
		    "handshake-timeout");
		return;
	case S_HANDSHAKE:
		fr_stats_tls(&s->edge->stats, true, false);
		session_close(s, "client TLS handshake timed out after %ums",
		    set->handshake_timeout_ms);
		return;
	case S_CONNECTING:
	case S_NODE_HANDSHAKE:
		if (s->state == S_NODE_HANDSHAKE)
			fr_stats_tls(&s->edge->stats, false, false);
		node_failed(s, "%s timed out after %ums", s->state ==
		    S_CONNECTING ? "connect" : "TLS handshake",
		    set->connect_timeout_ms);
		return;
	case S_RELAY:
		/* Activity only stamps the ends; the deadline is
		 * computed here, when the timer fires. */
		cdue = CLI(s)->active + set->client_idle_ms / 1000.;
		ndue = NOD(s)->active + set->server_idle_ms / 1000.;
		if (now >= cdue) {
			session_close(s, "client idle for %ums "
			    "(client-idle-timeout)", set->client_idle_ms);
			return;
		}
		if (now >= ndue) {
			session_close(s, "node idle for %ums "
			    "(server-idle-timeout)", set->server_idle_ms);
			return;
		}
		set_timer(s, (cdue < ndue ? cdue : ndue) - now);
		return;
	}
}

void
fr_session_accept(struct fr_listener *l, int fd,
    const struct fr_sockaddr *client)
{
	struct fr_edge *e = l->edge;
	char addr[FR_ADDRSTRLEN];
	struct fr_session *s;
	uint8_t ip[16];
	unsigned count;

	fr_addr_ip16(client, ip);
	if ((count = fr_srclimit_add(e->sources, ip)) == 0) {
		fr_log(LOG_ERR, "conn client=%s listener=%s: out of memory",
		    fr_addr_str(client, addr, sizeof(addr)), l->name);
		fr_stats_conn(l->stats, FR_CONN_ERROR);
		close(fd);
		return;
	}
	if (e->set.max_per_source != 0 && count > e->set.max_per_source) {
		fr_log(LOG_INFO, "conn client=%s listener=%s node=- "
		    "connect_ms=- duration_s=0.000 from_client=0 to_client=0 "
		    "attempts=0: refused: %u connections from this address "
		    "(max-connections-per-source %u)",
		    fr_addr_str(client, addr, sizeof(addr)), l->name,
		    count - 1, e->set.max_per_source);
		fr_stats_conn(l->stats, FR_CONN_LIMITED);
		fr_srclimit_del(e->sources, ip);
		close(fd);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fr_log(LOG_ERR, "conn client=%s listener=%s: out of memory",
		    fr_addr_str(client, addr, sizeof(addr)), l->name);
		fr_stats_conn(l->stats, FR_CONN_ERROR);
		fr_srclimit_del(e->sources, ip);
		close(fd);
		return;
	}
	s->edge = e;
	s->listener = l;
	fr_listener_ref(l);
	s->pool = l->pool;
	fr_pool_ref(s->pool);
	s->client = *client;
	s->started = ev_now(e->loop);
	s->connect_ms = -1;
	s->outcome = FR_CONN_OUTCOMES;
	s->relay.loop = e->loop;
	s->relay.bufs = e->bufs;
	s->relay.first_eof = -1;
	s->relay.flow[0].pipe.fd[0] = s->relay.flow[0].pipe.fd[1] = -1;
	s->relay.flow[1].pipe.fd[0] = s->relay.flow[1].pipe.fd[1] = -1;
	ev_io_init(&CLI(s)->io, client_cb, fd, 0);
	CLI(s)->io.data = s;
	fr_end_init(CLI(s), fd, NULL);
	ev_io_init(&NOD(s)->io, node_cb, -1, 0);
	NOD(s)->io.data = s;
	NOD(s)->fd = -1;
	ev_timer_init(&s->timer, timer_cb, 0., 0.);
	s->timer.data = s;
	TAILQ_INSERT_TAIL(&e->sessions, s, entry);
	fr_edge_session_opened(e);

	if (l->tls == NULL && l->proto == FR_PROTO_XMPP && e->rt != NULL) {
		/* Read the foreign server's stream header first. */
		if ((s->head = fr_buf_get(e->bufs)) == NULL ||
		    (s->reader = fr_xmpp_stream_create(s->head->size)) ==
		    NULL) {
			s->outcome = FR_CONN_ERROR;
			session_close(s, "out of memory");
			return;
		}
		s->state = S_XMPP_HEAD;
		set_timer(s, e->set.handshake_timeout_ms / 1000.);
		fr_end_watch(e->loop, CLI(s), EV_READ);
		return;
	}
	if (l->tls == NULL) {
		dispatch(s, NULL);
		return;
	}
	if ((CLI(s)->ssl = SSL_new(l->tls)) == NULL ||
	    !SSL_set_fd(CLI(s)->ssl, fd)) {
		ERR_clear_error();
		s->outcome = FR_CONN_ERROR;
		session_close(s, "out of memory for TLS");
		return;
	}
	SSL_set_accept_state(CLI(s)->ssl);
	s->state = S_HANDSHAKE;
	set_timer(s, e->set.handshake_timeout_ms / 1000.);
	client_handshake(s);
}

void
fr_session_close_all(struct fr_edge *e, const char *reason)
{
	struct fr_session *s;

	while ((s = TAILQ_FIRST(&e->sessions)) != NULL)
		session_close(s, "%s", reason);
}

void
fr_session_close_node(struct fr_node *n, const char *reason)
{
	struct fr_session *s;

	/* session_close drops the session from n->sessions and may drop
	 * the last reference to n: hold one while we walk. */
	fr_node_ref(n);
	while ((s = TAILQ_FIRST(&n->sessions)) != NULL)
		session_close(s, "%s", reason);
	fr_node_unref(n);
}
