/*
 * sipconn.c -- a SIP stream connection, message by message (sipconn.h).
 *
 * One watcher per connection: EV_READ always (while open), EV_WRITE too
 * while bytes wait or TLS wants it.  Every wake-up runs the same steps:
 * finish the handshake, flush the queue, read and parse.  One end:
 * sipconn_end() stops everything and the closed() callback runs from
 * an idle watcher, so no caller ever sees the connection vanish under
 * its feet.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include <openssl/err.h>

#include "sipconn.h"
#include "stats.h"
#include "tls.h"

#define READ_CHUNK	16384

struct fr_sipconn {
	struct fr_sipconn_conf conf;
	struct fr_sip_limits lim;
	uint64_t id;
	int fd;
	SSL *ssl;
	bool connecting;
	bool handshaking;
	bool closing;
	bool ssl_read_wants_write, ssl_write_wants_read;
	struct fr_sockaddr peer;
	void *data;
	char *rbuf;			/* while a message is partly read */
	size_t rlen, rcap;
	char *wbuf;			/* while bytes wait */
	size_t woff, wlen, wcap;
	ev_io io;
	ev_timer timer;
	ev_idle end;
	ev_tstamp active;
	char reason[256];
};

static uint64_t next_id = 1;

/* The one scratch index: parsing is done and handed over within one
 * callback of a single-threaded loop. */
static struct fr_sipmsg scratch;

static void run(struct fr_sipconn *c);
static void closef(struct fr_sipconn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------- end */

static void
end_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct fr_sipconn *c = w->data;

	(void)revents;
	ev_idle_stop(loop, w);
	c->conf.ops->closed(c, c->reason);
	free(c->rbuf);
	free(c->wbuf);
	free(c);
}

bool
fr_sipconn_established(const struct fr_sipconn *c)
{
	return !c->connecting && !c->handshaking;
}

void
fr_sipconn_close(struct fr_sipconn *c, const char *reason)
{
	if (c->closing)
		return;
	c->closing = true;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	ev_io_stop(c->conf.loop, &c->io);
	ev_timer_stop(c->conf.loop, &c->timer);
	if (c->ssl != NULL) {
		/* One close_notify, best effort: the peer may be gone. */
		if (!c->handshaking)
			(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
		ERR_clear_error();
	}
	close(c->fd);
	c->fd = -1;
	ev_idle_start(c->conf.loop, &c->end);
}

void
fr_sipconn_destroy(struct fr_sipconn *c)
{
	if (c == NULL)
		return;
	if (!c->closing)
		fr_sipconn_close(c, "destroyed");
	ev_idle_stop(c->conf.loop, &c->end);
	free(c->rbuf);
	free(c->wbuf);
	free(c);
}

static void
closef(struct fr_sipconn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
closef(struct fr_sipconn *c, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fr_sipconn_close(c, why);
}

/* -------------------------------------------------------------- watch */

static void
watch(struct fr_sipconn *c, bool want_write)
{
	int ev = EV_READ;

	if (c->closing)
		return;
	if (want_write)
		ev |= EV_WRITE;
	if (ev_is_active(&c->io) && (c->io.events & (EV_READ | EV_WRITE)) ==
	    ev)
		return;
	ev_io_stop(c->conf.loop, &c->io);
	ev_io_set(&c->io, c->fd, ev);
	ev_io_start(c->conf.loop, &c->io);
}

/* -------------------------------------------------------------- write */

/* Write what waits.  0, or -1 after closing the connection. */
static int
flush(struct fr_sipconn *c)
{
	char why[256];
	ssize_t n;
	int ret;

	while (c->wlen > 0) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			ret = SSL_write(c->ssl, c->wbuf + c->woff,
			    (int)(c->wlen > INT32_MAX ? INT32_MAX : c->wlen));
			if (ret <= 0) {
				switch (SSL_get_error(c->ssl, ret)) {
				case SSL_ERROR_WANT_WRITE:
					return 0;
				case SSL_ERROR_WANT_READ:
					c->ssl_write_wants_read = true;
					return 0;
				default:
					closef(c, "write: %s", fr_tls_strerror(
					    c->ssl, ret, errno, why,
					    sizeof(why)));
					return -1;
				}
			}
			c->ssl_write_wants_read = false;
			n = ret;
		} else {
			n = write(c->fd, c->wbuf + c->woff, c->wlen);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					return 0;
				closef(c, "write: %s", strerror(errno));
				return -1;
			}
		}
		c->woff += (size_t)n;
		c->wlen -= (size_t)n;
		c->active = ev_now(c->conf.loop);
	}
	/* Nothing waits: give the memory back. */
	free(c->wbuf);
	c->wbuf = NULL;
	c->woff = c->wcap = 0;
	return 0;
}

int
fr_sipconn_send(struct fr_sipconn *c, const char *buf, size_t len)
{
	char *nb;
	size_t cap;

	if (c->closing)
		return -1;
	if (c->wlen + len > c->conf.max_queue) {
		closef(c, "the peer does not read: %zu bytes wait to be "
		    "written (at most %zu)", c->wlen + len, c->conf.max_queue);
		return -1;
	}
	if (c->woff + c->wlen + len > c->wcap) {
		if (c->woff > 0) {
			memmove(c->wbuf, c->wbuf + c->woff, c->wlen);
			c->woff = 0;
		}
		if (c->wlen + len > c->wcap) {
			cap = c->wcap == 0 ? 4096 : c->wcap;
			while (cap < c->wlen + len)
				cap *= 2;
			if ((nb = realloc(c->wbuf, cap)) == NULL) {
				closef(c, "out of memory for the write queue");
				return -1;
			}
			c->wbuf = nb;
			c->wcap = cap;
		}
	}
	memcpy(c->wbuf + c->woff + c->wlen, buf, len);
	c->wlen += len;
	if (!c->handshaking && !c->connecting && flush(c) != 0)
		return -1;
	watch(c, c->wlen > 0 || c->ssl_read_wants_write);
	return 0;
}

/* --------------------------------------------------------------- read */

/* Read what is there into rbuf.  1: got bytes; 0: nothing now; -1:
 * closed (EOF, error, or a message larger than the limits allow). */
static int
fill(struct fr_sipconn *c)
{
	size_t max = c->lim.head + c->lim.body;
	char why[256], *nb;
	ssize_t n;
	int ret;

	if (c->rlen >= max) {
		closef(c, "a message longer than %zu bytes", max);
		return -1;
	}
	if (c->rcap - c->rlen < READ_CHUNK && c->rcap < max) {
		size_t cap = c->rcap == 0 ? READ_CHUNK : c->rcap * 2;

		if (cap > max)
			cap = max;
		if ((nb = realloc(c->rbuf, cap)) == NULL) {
			closef(c, "out of memory for the read buffer");
			return -1;
		}
		c->rbuf = nb;
		c->rcap = cap;
	}
	if (c->ssl != NULL) {
		ERR_clear_error();
		ret = SSL_read(c->ssl, c->rbuf + c->rlen,
		    (int)(c->rcap - c->rlen));
		if (ret <= 0) {
			switch (SSL_get_error(c->ssl, ret)) {
			case SSL_ERROR_WANT_READ:
				c->ssl_read_wants_write = false;
				return 0;
			case SSL_ERROR_WANT_WRITE:
				c->ssl_read_wants_write = true;
				return 0;
			case SSL_ERROR_ZERO_RETURN:
				fr_sipconn_close(c, "closed by the peer");
				return -1;
			default:
				closef(c, "read: %s", fr_tls_strerror(c->ssl,
				    ret, errno, why, sizeof(why)));
				return -1;
			}
		}
		c->ssl_read_wants_write = false;
		n = ret;
	} else {
		n = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			closef(c, "read: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			fr_sipconn_close(c, c->rlen > 0 ? "closed by the peer "
			    "in the middle of a message" : "closed by the peer");
			return -1;
		}
	}
	c->rlen += (size_t)n;
	c->active = ev_now(c->conf.loop);
	return 1;
}

/* Hand over every whole message in rbuf.  0, or -1 once closed. */
static int
deliver(struct fr_sipconn *c)
{
	struct fr_sip_error e;
	size_t off = 0, used;

	while (off < c->rlen && !c->closing) {
		switch (fr_sipmsg_parse(&scratch, c->rbuf + off, c->rlen - off,
		    FR_SIP_STREAM, &c->lim, &used, &e)) {
		case FR_SIP_MORE:
			goto keep;
		case FR_SIP_PING:
			if (fr_sipconn_send(c, "\r\n", 2) != 0)
				return -1;
			off += used;
			break;
		case FR_SIP_PONG:
			off += used;
			break;
		case FR_SIP_MESSAGE:
			fr_stats_sip(c->conf.stats, scratch.request,
			    scratch.method.s, scratch.method.len,
			    scratch.status);
			c->conf.ops->message(c, &scratch);
			off += used;
			break;
		case FR_SIP_BAD:
			c->conf.ops->bad(c, &scratch, &e);
			closef(c, "malformed SIP: %s", e.text);
			return -1;
		}
	}
keep:
	if (c->closing)
		return -1;
	if (off == c->rlen) {
		free(c->rbuf);
		c->rbuf = NULL;
		c->rlen = c->rcap = 0;
	} else if (off > 0) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	return 0;
}

/* ---------------------------------------------------------------- run */

/* Connect and handshake are over: the idle timer takes over. */
static void
now_ready(struct fr_sipconn *c)
{
	ev_timer_stop(c->conf.loop, &c->timer);
	ev_timer_set(&c->timer, c->conf.idle_ms / 1000.,
	    c->conf.idle_ms / 1000.);
	ev_timer_start(c->conf.loop, &c->timer);
	c->active = ev_now(c->conf.loop);
	if (c->conf.ops->ready != NULL)
		c->conf.ops->ready(c);
}

/* 0: connected; 1: not yet; -1: failed and closed. */
static int
connected(struct fr_sipconn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return 1;
	if (err != 0) {
		closef(c, "connect: %s", strerror(err));
		return -1;
	}
	c->connecting = false;
	if (!c->handshaking)
		now_ready(c);
	return 0;
}

static int
handshake(struct fr_sipconn *c)
{
	char why[256];
	int ret;

	ERR_clear_error();
	if ((ret = SSL_do_handshake(c->ssl)) == 1) {
		fr_stats_tls(c->conf.stats, SSL_is_server(c->ssl), true);
		c->handshaking = false;
		now_ready(c);
		return c->closing ? -1 : 0;
	}
	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		watch(c, false);
		return 1;
	case SSL_ERROR_WANT_WRITE:
		watch(c, true);
		return 1;
	default:
		fr_stats_tls(c->conf.stats, SSL_is_server(c->ssl), false);
		closef(c, "TLS handshake failed: %s", fr_tls_strerror(c->ssl,
		    ret, errno, why, sizeof(why)));
		return -1;
	}
}

static void
run(struct fr_sipconn *c)
{
	int r;

	if (c->connecting) {
		if ((r = connected(c)) != 0) {
			if (r > 0)
				watch(c, true);
			return;
		}
		if (c->closing)
			return;
	}
	if (c->handshaking && handshake(c) != 0)
		return;
	if (flush(c) != 0)
		return;
	/* A bounded number of reads per wake-up: others get their turn. */
	for (int i = 0; i < 8; i++) {
		if ((r = fill(c)) < 0)
			return;
		if (r == 0)
			break;
		if (deliver(c) != 0)
			return;
	}
	/* TLS may hold decrypted records the socket will not announce. */
	if (c->ssl != NULL && SSL_pending(c->ssl) > 0)
		ev_feed_event(c->conf.loop, &c->io, EV_READ);
	watch(c, c->wlen > 0 || c->ssl_read_wants_write);
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	run(w->data);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_sipconn *c = w->data;
	ev_tstamp left;

	(void)revents;
	if (c->connecting || c->handshaking) {
		if (!c->connecting)
			fr_stats_tls(c->conf.stats, SSL_is_server(c->ssl),
			    false);
		closef(c, "%s timed out after %ums", c->connecting ? "connect" :
		    "TLS handshake", c->conf.handshake_ms);
		return;
	}
	left = c->active + c->conf.idle_ms / 1000. - ev_now(loop);
	if (left <= 0) {
		closef(c, "idle for %ums", c->conf.idle_ms);
		return;
	}
	w->repeat = left;
	ev_timer_again(loop, w);
}

struct fr_sipconn *
fr_sipconn_new(const struct fr_sipconn_conf *conf, int fd, SSL *ssl,
    unsigned flags, const struct fr_sockaddr *peer)
{
	struct fr_sipconn *c;
	int fl;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->conf = *conf;
	if (conf->limits != NULL)
		c->lim = *conf->limits;
	else
		fr_sip_limits_default(&c->lim);
	c->id = next_id++;
	c->fd = fd;
	c->ssl = ssl;
	c->handshaking = ssl != NULL && (flags & FR_SIPCONN_HANDSHAKE);
	c->connecting = (flags & FR_SIPCONN_CONNECTING) != 0;
	if (peer != NULL)
		c->peer = *peer;
	if ((fl = fcntl(fd, F_GETFL)) >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	c->active = ev_now(conf->loop);
	ev_io_init(&c->io, io_cb, fd, EV_READ);
	c->io.data = c;
	ev_init(&c->timer, timer_cb);
	c->timer.data = c;
	ev_idle_init(&c->end, end_cb);
	c->end.data = c;
	if (c->handshaking || c->connecting)
		ev_timer_set(&c->timer, conf->handshake_ms / 1000., 0);
	else
		ev_timer_set(&c->timer, conf->idle_ms / 1000.,
		    conf->idle_ms / 1000.);
	ev_timer_start(conf->loop, &c->timer);
	if (c->connecting)
		ev_io_set(&c->io, fd, EV_READ | EV_WRITE);
	ev_io_start(conf->loop, &c->io);
	if (c->handshaking && !c->connecting)
		ev_feed_event(conf->loop, &c->io, EV_READ);
	return c;
}

uint64_t
fr_sipconn_id(const struct fr_sipconn *c)
{
	return c->id;
}

const struct fr_sockaddr *
fr_sipconn_peer(const struct fr_sipconn *c)
{
	return &c->peer;
}

bool
fr_sipconn_tls(const struct fr_sipconn *c)
{
	return c->ssl != NULL;
}

X509 *
fr_sipconn_peer_cert(const struct fr_sipconn *c)
{
	if (c->ssl == NULL || c->handshaking ||
	    SSL_get_verify_result(c->ssl) != X509_V_OK)
		return NULL;
	return SSL_get0_peer_certificate(c->ssl);
}

bool
fr_sipconn_closing(const struct fr_sipconn *c)
{
	return c->closing;
}

void *
fr_sipconn_owner(const struct fr_sipconn *c)
{
	return c->conf.owner;
}

void
fr_sipconn_set_data(struct fr_sipconn *c, void *data)
{
	c->data = data;
}

void *
fr_sipconn_data(const struct fr_sipconn *c)
{
	return c->data;
}
