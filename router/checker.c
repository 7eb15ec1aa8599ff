/*
 * checker.c -- the health checker of one node: a repeating interval timer, and
 * at most one check in flight with its own time-out.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <openssl/err.h>

#include "edgeint.h"
#include "checker.h"
#include "log.h"
#include "node.h"
#include "rng.h"
#include "sipmsg.h"
#include "xmppstream.h"
#include "tls.h"

/* An OPTIONS request, and the most of a response we read. */
#define SIP_BUF 2048

enum hstate {
	H_IDLE,
	H_CONNECTING,
	H_TLS,		/* handshake */
	H_SEND,		/* OPTIONS going out */
	H_RECV,		/* waiting for the final response */
};

struct fr_checker {
	struct fr_edge *edge;
	struct fr_node *node;		/* not referenced; see checker.h */
	struct fr_check_conf check;	/* as started */
	ev_timer interval;
	ev_timer timeout;
	ev_io io;
	int fd;
	SSL *ssl;
	enum hstate state;
	bool fresh;			/* no verdict yet */
	ev_tstamp started;		/* the check in flight */
	unsigned oks, fails;		/* in a row */
	size_t len, off;		/* request: len and sent; response: len */
	struct fr_xmpp_stream *reader;	/* check: xmpp, while receiving */
	char buf[SIP_BUF];
};

static struct fr_rng rng;
static bool rng_seeded;

static void
watch(struct fr_checker *h, int events)
{
	ev_io_stop(h->edge->loop, &h->io);
	ev_io_set(&h->io, h->fd, events);
	ev_io_start(h->edge->loop, &h->io);
}

static void
abandon(struct fr_checker *h)
{
	ev_io_stop(h->edge->loop, &h->io);
	ev_timer_stop(h->edge->loop, &h->timeout);
	SSL_free(h->ssl);
	h->ssl = NULL;
	fr_xmpp_stream_delete(h->reader);
	h->reader = NULL;
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	h->state = H_IDLE;
}

/* A verdict: the first one, or a change that rise or fall allows. */
static void
set_state(struct fr_checker *h, bool up, const char *why)
{
	struct fr_node *n = h->node;
	char addr[FR_ADDRSTRLEN];
	bool fresh = h->fresh, changed = up != n->up;

	h->fresh = false;
	n->up = up;
	fr_addr_str(&n->addr, addr, sizeof(addr));
	if (fresh && up)
		fr_log(LOG_INFO, "node %s (%s) is up", n->name, addr);
	else if (fresh)
		fr_log(LOG_WARNING, "node %s (%s) is down: %s", n->name, addr,
		    why);
	else if (up)
		fr_log(LOG_NOTICE, "node %s (%s) is up after %u passed checks",
		    n->name, addr, h->oks);
	else
		fr_log(LOG_WARNING, "node %s (%s) is down after %u failed "
		    "checks: %s", n->name, addr, h->fails, why);
	if (changed || fresh) {
		if (up)
			h->edge->stats.n.node_went_up++;
		else
			h->edge->stats.n.node_went_down++;
		if (!up)
			fr_stats_failure(&h->edge->stats, "node %s (%s) is "
			    "down: %s", n->name, addr, why);
	}
	if (changed)
		fr_edge_node_changed(h->edge, n);
	if (fresh)
		fr_edge_node_decided(h->edge);
}

static void result(struct fr_checker *h, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One check is over: count it, and change state when it is time. */
static void
result(struct fr_checker *h, bool ok, const char *fmt, ...)
{
	struct fr_node *n = h->node;
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	abandon(h);
	n->last_check.at = ev_now(h->edge->loop);
	n->last_check.took = n->last_check.at - h->started;
	n->last_check.ok = ok;
	snprintf(n->last_check.why, sizeof(n->last_check.why), "%s", why);
	fr_hist_observe(&h->edge->stats.n.check, n->last_check.took);
	if (!ok)
		h->edge->stats.n.checks_failed++;
	if (ok) {
		h->oks++;
		h->fails = 0;
	} else {
		h->fails++;
		h->oks = 0;
		fr_log(LOG_DEBUG, "node %s: check failed (%u in a row): %s",
		    n->name, h->fails, why);
	}
	if (h->fresh)
		set_state(h, ok, why);
	else if (!n->up && ok && h->oks >= h->check.rise)
		set_state(h, true, why);
	else if (n->up && !ok && h->fails >= h->check.fall)
		set_state(h, false, why);
	fr_edge_node_checked(h->edge, n);
}

/* check: xmpp: open a stream to the node's domain (RFC 6120 4.7). */
static void
send_stream(struct fr_checker *h)
{
	int n;

	n = snprintf(h->buf, sizeof(h->buf), "<?xml version='1.0'?>"
	    "<stream:stream xmlns='jabber:server' xmlns:stream='http://"
	    "etherx.jabber.org/streams' to='%s' version='1.0'>",
	    h->node->set->check_domain);
	fr_xmpp_stream_delete(h->reader);
	if (n < 0 || (size_t)n >= sizeof(h->buf) ||
	    (h->reader = fr_xmpp_stream_create(sizeof(h->buf))) == NULL) {
		result(h, false, "out of memory for the stream header");
		return;
	}
	h->len = (size_t)n;
	h->off = 0;
	h->state = H_SEND;
	watch(h, EV_WRITE);
}

/* What the node sent back: 1 alive, -1 not, 0 read more. */
static int
stream_verdict(struct fr_checker *h, char *why, size_t whylen)
{
	const struct fr_xmpp_stream_error *e;
	size_t taken;

	for (;;) {
		switch (fr_xmpp_stream_feed(h->reader, h->buf + h->off,
		    h->len - h->off, &taken)) {
		case FR_XMPP_MORE:
			h->off += taken;
			return 0;
		case FR_XMPP_HEADER:
			h->off += taken;
			continue;
		case FR_XMPP_FEATURES:
			snprintf(why, whylen, "stream features");
			return 1;
		case FR_XMPP_STREAM_ERROR:
			e = fr_xmpp_stream_peer_error(h->reader);
			snprintf(why, whylen, "stream error %s",
			    e->condition[0] != '\0' ? e->condition : "?");
			return -1;
		case FR_XMPP_ERROR:
			snprintf(why, whylen, "%s",
			    fr_xmpp_stream_errstr(h->reader));
			return -1;
		default:
			snprintf(why, whylen, "no stream features first");
			return -1;
		}
	}
}

static void
send_options(struct fr_checker *h)
{
	const struct fr_node *n = h->node;
	struct sockaddr_storage ss;
	struct fr_sockaddr local;
	char host[FR_ADDRSTRLEN + 2], me[FR_ADDRSTRLEN + 2];
	char ruri[FR_ADDRSTRLEN + 40], to[FR_ADDRSTRLEN + 24];
	char from[FR_ADDRSTRLEN + 24], branch[20], tag[12], callid[36];
	const char *tp = n->transport == FR_NODE_TLS ? "tls" : "tcp";
	struct fr_sip_options o;
	socklen_t sl = sizeof(ss);
	uint64_t r1 = fr_rng_next(&rng), r2 = fr_rng_next(&rng);
	long len;

	if (n->set->server_name != NULL)
		snprintf(host, sizeof(host), "%s", n->set->server_name);
	else if (n->addr.u.sa.sa_family == AF_INET6)
		snprintf(host, sizeof(host), "[%s]", fr_addr_ip_str(&n->addr,
		    me, sizeof(me)));
	else
		fr_addr_ip_str(&n->addr, host, sizeof(host));
	if (getsockname(h->fd, (struct sockaddr *)&ss, &sl) == 0) {
		fr_addr_set(&local, (struct sockaddr *)&ss, sl);
		fr_addr_str(&local, me, sizeof(me));
	} else {
		snprintf(me, sizeof(me), "0.0.0.0:0");
	}
	snprintf(ruri, sizeof(ruri), "sip:%s:%u;transport=%s", host,
	    fr_addr_port(&n->addr), tp);
	snprintf(to, sizeof(to), "sip:%s:%u", host, fr_addr_port(&n->addr));
	snprintf(from, sizeof(from), "sip:fedrouted@%s", me);
	snprintf(branch, sizeof(branch), "%016llx", (unsigned long long)r1);
	snprintf(tag, sizeof(tag), "%08llx", (unsigned long long)(r2 >> 32));
	snprintf(callid, sizeof(callid), "%016llx%016llx",
	    (unsigned long long)r1, (unsigned long long)r2);
	o.ruri = ruri;
	o.transport = n->transport == FR_NODE_TLS ? "TLS" : "TCP";
	o.sent_by = me;
	o.branch = branch;
	o.from_uri = from;
	o.from_tag = tag;
	o.to_uri = to;
	o.call_id = callid;
	o.contact = NULL;
	o.user_agent = "fedrouted/" PACKAGE_VERSION " health check";
	len = fr_sip_options_build(&o, h->buf, sizeof(h->buf));
	if (len < 0) {
		result(h, false, "OPTIONS request too long");
		return;
	}
	h->len = (size_t)len;
	h->off = 0;
	h->state = H_SEND;
	watch(h, EV_WRITE);
}

unsigned
fr_sip_final_status(const char *buf, size_t len)
{
	struct fr_sipmsg m;
	size_t off = 0, used;
	unsigned code;
	int guard;

	/* Whole messages first: keep-alives and provisional responses. */
	for (guard = 0; guard < 64 && off < len; guard++) {
		enum fr_sip_parse rc = fr_sipmsg_parse(&m, buf + off,
		    len - off, FR_SIP_STREAM, NULL, &used, NULL);

		if (rc == FR_SIP_MORE || rc == FR_SIP_BAD)
			break;
		if (rc == FR_SIP_MESSAGE && !m.request && m.status >= 200)
			return m.status;
		off += used;
	}
	/* Then the status line of what is not whole (yet): it decides. */
	if (fr_sip_status_line(buf + off, len - off, &code) == 1 && code >= 200)
		return code;
	return 0;
}

/* Move the OPTIONS exchange on; plain or TLS. */
static void
sip_io(struct fr_checker *h)
{
	char why[256];
	ssize_t n;
	unsigned code;
	int ret;

	if (h->state == H_SEND) {
		if (h->ssl != NULL) {
			ERR_clear_error();
			ret = SSL_write(h->ssl, h->buf + h->off,
			    (int)(h->len - h->off));
			n = ret;
			if (ret <= 0) {
				int e = SSL_get_error(h->ssl, ret);

				if (e == SSL_ERROR_WANT_READ ||
				    e == SSL_ERROR_WANT_WRITE) {
					watch(h, e == SSL_ERROR_WANT_READ ?
					    EV_READ : EV_WRITE);
					return;
				}
				result(h, false, "sending OPTIONS: %s",
				    fr_tls_strerror(h->ssl, ret, errno, why,
				    sizeof(why)));
				return;
			}
		} else {
			n = send(h->fd, h->buf + h->off, h->len - h->off,
			    MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					return;
				result(h, false, "sending OPTIONS: %s",
				    strerror(errno));
				return;
			}
		}
		h->off += (size_t)n;
		if (h->off < h->len)
			return;
		h->state = H_RECV;
		h->len = 0;
		watch(h, EV_READ);
	}
	if (h->check.kind == FR_CHECK_XMPP && h->len == 0)
		h->off = 0;
	for (;;) {
		if (h->len >= sizeof(h->buf) - 1) {
			result(h, false, "no %s in the first %zu bytes",
			    h->check.kind == FR_CHECK_XMPP ? "stream features" :
			    "final response", sizeof(h->buf));
			return;
		}
		if (h->ssl != NULL) {
			ERR_clear_error();
			ret = SSL_read(h->ssl, h->buf + h->len,
			    (int)(sizeof(h->buf) - 1 - h->len));
			n = ret;
			if (ret <= 0) {
				int e = SSL_get_error(h->ssl, ret);

				if (e == SSL_ERROR_WANT_READ ||
				    e == SSL_ERROR_WANT_WRITE) {
					watch(h, e == SSL_ERROR_WANT_READ ?
					    EV_READ : EV_WRITE);
					return;
				}
				result(h, false, "closed before a final "
				    "response (%s)", fr_tls_strerror(h->ssl,
				    ret, errno, why, sizeof(why)));
				return;
			}
		} else {
			n = recv(h->fd, h->buf + h->len,
			    sizeof(h->buf) - 1 - h->len, 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			if (n <= 0) {
				result(h, false, "closed before a final "
				    "response%s%s", n < 0 ? ": " : "",
				    n < 0 ? strerror(errno) : "");
				return;
			}
		}
		h->len += (size_t)n;
		if (h->check.kind == FR_CHECK_XMPP) {
			int v = stream_verdict(h, why, sizeof(why));

			if (v != 0) {
				result(h, v > 0, "%s", why);
				return;
			}
			continue;
		}
		if ((code = fr_sip_final_status(h->buf, h->len)) != 0) {
			if (code >= h->check.alive.lo &&
			    code <= h->check.alive.hi)
				result(h, true, "status %u", code);
			else
				result(h, false, "OPTIONS answered with "
				    "status %u (alive: %u-%u)", code,
				    h->check.alive.lo, h->check.alive.hi);
			return;
		}
	}
}

static void
tls_step(struct fr_checker *h)
{
	char why[256];
	int ret;

	ERR_clear_error();
	if ((ret = SSL_do_handshake(h->ssl)) == 1) {
		if (h->check.kind == FR_CHECK_SIP_OPTIONS) {
			send_options(h);
			return;
		}
		if (h->check.kind == FR_CHECK_XMPP) {
			send_stream(h);
			return;
		}
		(void)SSL_shutdown(h->ssl);
		ERR_clear_error();
		result(h, true, "TLS handshake");
		return;
	}
	switch (SSL_get_error(h->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		watch(h, EV_READ);
		return;
	case SSL_ERROR_WANT_WRITE:
		watch(h, EV_WRITE);
		return;
	default:
		result(h, false, "TLS handshake failed: %s",
		    fr_tls_strerror(h->ssl, ret, errno, why, sizeof(why)));
		return;
	}
}

static void
connected(struct fr_checker *h)
{
	const struct fr_node *n = h->node;

	if (h->check.kind == FR_CHECK_TCP) {
		result(h, true, "connect");
		return;
	}
	if (n->transport == FR_NODE_TLS) {
		/* A full handshake each time: no session is resumed. */
		h->ssl = fr_tls_client_new(n->set->tls, h->fd,
		    n->set->server_name, &n->addr, n->set->verify);
		if (h->ssl == NULL) {
			result(h, false, "out of memory for TLS");
			return;
		}
		h->state = H_TLS;
		tls_step(h);
		return;
	}
	if (h->check.kind == FR_CHECK_XMPP)
		send_stream(h);
	else
		send_options(h);
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_checker *h = w->data;
	socklen_t len;
	int err;

	(void)loop;
	(void)revents;
	switch (h->state) {
	case H_CONNECTING:
		len = sizeof(err);
		if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err != 0) {
			result(h, false, "connect: %s", strerror(err));
			return;
		}
		connected(h);
		return;
	case H_TLS:
		tls_step(h);
		return;
	case H_SEND:
	case H_RECV:
		sip_io(h);
		return;
	case H_IDLE:
		ev_io_stop(h->edge->loop, &h->io);
		return;
	}
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_checker *h = w->data;
	static const char *const what[] = {
		"nothing", "connect", "TLS handshake", "sending OPTIONS",
		"waiting for the OPTIONS response",
	};

	(void)loop;
	(void)revents;
	result(h, false, "%s timed out after %ums", what[h->state],
	    h->check.timeout_ms);
}

static void
interval_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_checker *h = w->data;
	const struct fr_sockaddr *a = &h->node->addr;

	(void)revents;
	if (h->state != H_IDLE)		/* timeout == interval: a tie */
		result(h, false, "still running at the next interval");
	h->started = ev_now(loop);
	h->fd = socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		result(h, false, "socket: %s", strerror(errno));
		return;
	}
	ev_timer_set(&h->timeout, h->check.timeout_ms / 1000., 0.);
	ev_timer_start(loop, &h->timeout);
	if (connect(h->fd, &a->u.sa, a->len) == 0) {
		connected(h);
		return;
	}
	if (errno != EINPROGRESS) {
		result(h, false, "connect: %s", strerror(errno));
		return;
	}
	h->state = H_CONNECTING;
	watch(h, EV_WRITE);
}

struct fr_checker *
fr_checker_start(struct fr_edge *e, struct fr_node *n, bool fresh)
{
	struct fr_checker *h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		fr_log(LOG_ERR, "node %s: out of memory for its health check",
		    n->name);
		return NULL;
	}
	if (!rng_seeded) {
		fr_rng_seed_random(&rng);
		rng_seeded = true;
	}
	h->edge = e;
	h->node = n;
	h->check = n->set->check;
	h->fd = -1;
	h->fresh = fresh;
	ev_io_init(&h->io, io_cb, -1, 0);
	h->io.data = h;
	ev_timer_init(&h->timeout, timeout_cb, 0., 0.);
	h->timeout.data = h;
	/* The first check at once, then every interval. */
	ev_timer_init(&h->interval, interval_cb, 0.,
	    h->check.interval_ms / 1000.);
	h->interval.data = h;
	ev_timer_start(e->loop, &h->interval);
	return h;
}

bool
fr_checker_decided(const struct fr_checker *h)
{
	return h == NULL || !h->fresh;
}

void
fr_checker_stop(struct fr_checker *h)
{
	if (h == NULL)
		return;
	abandon(h);
	ev_timer_stop(h->edge->loop, &h->interval);
	free(h);
}
