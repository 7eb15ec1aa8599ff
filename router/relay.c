/*
 * relay.c -- the byte mover.
 *
 * Each end carries "ready" bits: what the last event or operation says
 * the socket can do now.  An operation is tried only when its end is
 * believed ready for what it needs (speculative I/O: after a read,
 * the write to the other end is tried at once, with no round trip
 * through the event loop); a short plain read or write, EAGAIN, or
 * SSL_ERROR_WANT_* clears the bit, and the watcher is then set to what
 * the pending operations wait for.  With level-triggered polling a
 * cleared bit that was still true costs one spurious wake-up, never a
 * lost one.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "log.h"
#include "relay.h"
#include "tls.h"

/* Outcome of one read or write on an end. */
enum io_result {
	IO_AGAIN = -1,		/* would block; the end's want says on what */
	IO_EOF = -2,		/* the peer finished sending (reads only) */
	IO_ERROR = -3,		/* why is set */
};

static const char *const side_name[] = { "client", "node" };

void
fr_end_init(struct fr_end *e, int fd, SSL *ssl)
{
	ev_io *io = &e->io;
	void *data = io->data;

	/* Keep the caller's callback and data; reset the rest. */
	assert(!ev_is_active(io));
	e->fd = fd;
	e->ssl = ssl;
	e->ready = EV_READ | EV_WRITE;
	e->rwant = EV_READ;
	e->wwant = EV_WRITE;
	e->eof = e->shut = e->shut_pending = false;
	e->bytes_in = 0;
	ev_io_set(io, fd, 0);
	io->data = data;
}

void
fr_end_watch(struct ev_loop *loop, struct fr_end *e, int events)
{
	if (ev_is_active(&e->io) && (e->io.events & (EV_READ | EV_WRITE)) ==
	    events)
		return;
	ev_io_stop(loop, &e->io);
	ev_io_set(&e->io, e->fd, events);
	if (events != 0)
		ev_io_start(loop, &e->io);
}

static int
ssl_result(struct fr_end *e, int ret, bool reading, int side, char *why,
    size_t whylen)
{
	int saved = errno;
	char buf[256];

	switch (SSL_get_error(e->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		e->ready &= (unsigned char)~EV_READ;
		if (reading)
			e->rwant = EV_READ;
		else
			e->wwant = EV_READ;
		return IO_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		e->ready &= (unsigned char)~EV_WRITE;
		if (reading)
			e->rwant = EV_WRITE;
		else
			e->wwant = EV_WRITE;
		return IO_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		/* close_notify, or a bare FIN (SSL_OP_IGNORE_UNEXPECTED_EOF) */
		if (reading)
			return IO_EOF;
		break;
	default:
		break;
	}
	snprintf(why, whylen, "%s %s: %s", side_name[side],
	    reading ? "read" : "write",
	    fr_tls_strerror(e->ssl, ret, saved, buf, sizeof(buf)));
	return IO_ERROR;
}

static ssize_t
end_read(struct fr_end *e, int side, char *p, size_t len, char *why,
    size_t whylen)
{
	ssize_t n;
	int ret;

	if (e->ssl != NULL) {
		ERR_clear_error();
		if ((ret = SSL_read(e->ssl, p, (int)len)) > 0)
			return ret;
		return ssl_result(e, ret, true, side, why, whylen);
	}
	do
		n = recv(e->fd, p, len, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		/* A short read has most likely emptied the socket. */
		if ((size_t)n < len)
			e->ready &= (unsigned char)~EV_READ;
		return n;
	}
	if (n == 0)
		return IO_EOF;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		e->ready &= (unsigned char)~EV_READ;
		e->rwant = EV_READ;
		return IO_AGAIN;
	}
	snprintf(why, whylen, "%s read: %s", side_name[side], strerror(errno));
	return IO_ERROR;
}

static ssize_t
end_write(struct fr_end *e, int side, const char *p, size_t len, char *why,
    size_t whylen)
{
	ssize_t n;
	int ret;

	if (e->ssl != NULL) {
		ERR_clear_error();
		if ((ret = SSL_write(e->ssl, p, (int)len)) > 0)
			return ret;
		return ssl_result(e, ret, false, side, why, whylen);
	}
	do
		n = send(e->fd, p, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n >= 0) {
		if ((size_t)n < len)
			e->ready &= (unsigned char)~EV_WRITE;
		return n > 0 ? n : IO_AGAIN;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		e->ready &= (unsigned char)~EV_WRITE;
		e->wwant = EV_WRITE;
		return IO_AGAIN;
	}
	snprintf(why, whylen, "%s write: %s", side_name[side], strerror(errno));
	return IO_ERROR;
}

/*
 * Tell the peer of e that we are done sending: close_notify for TLS,
 * then a FIN.  0 done, IO_AGAIN (close_notify waits), IO_ERROR.
 */
static int
end_shutdown(struct fr_end *e, int side, char *why, size_t whylen)
{
	int ret;

	if (e->ssl != NULL && !(SSL_get_shutdown(e->ssl) & SSL_SENT_SHUTDOWN)) {
		ERR_clear_error();
		if ((ret = SSL_shutdown(e->ssl)) < 0) {
			ret = ssl_result(e, ret, false, side, why, whylen);
			if (ret == IO_AGAIN) {
				e->shut_pending = true;
				return IO_AGAIN;
			}
			/* The peer may be gone already; the FIN says it all. */
			fr_log(LOG_DEBUG, "%s", why);
			ERR_clear_error();
		}
	}
	e->shut_pending = false;
	e->shut = true;
	if (shutdown(e->fd, SHUT_WR) != 0 && errno != ENOTCONN) {
		snprintf(why, whylen, "%s shutdown: %s", side_name[side],
		    strerror(errno));
		return IO_ERROR;
	}
	return 0;
}

/* Bulk plain TCP: through a pipe, never through user space.
 * Returns bytes moved, or IO_ERROR. */
static ssize_t
flow_splice(struct fr_relay *r, struct fr_flow *f, struct fr_end *src,
    struct fr_end *dst, int side, size_t budget, char *why, size_t whylen)
{
	ssize_t n, moved = 0;

	for (;;) {
		if (f->inpipe > 0 && (dst->ready & EV_WRITE)) {
			n = splice(f->pipe.fd[0], NULL, dst->fd, NULL, f->inpipe,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				f->inpipe -= (size_t)n;
				moved += n;
				dst->active = ev_now(r->loop);
				if (f->inpipe > 0)
					dst->ready &= (unsigned char)~EV_WRITE;
			} else if (n < 0 && errno == EAGAIN) {
				dst->ready &= (unsigned char)~EV_WRITE;
			} else if (n < 0 && errno != EINTR) {
				snprintf(why, whylen, "%s write: %s",
				    side_name[1 - side], strerror(errno));
				return IO_ERROR;
			}
		}
		if (f->inpipe > 0 || (size_t)moved >= budget)
			break;
		if (f->pipe.fd[0] >= 0)		/* empty: give it back */
			fr_pipe_put(r->bufs, &f->pipe);
		if (src->eof || !(src->ready & EV_READ))
			break;
		/* Only into an empty pipe: a pipe that refuses more data
		 * (its page slots are used up) must never look like an
		 * empty socket, or we would spin. */
		if (fr_pipe_get(r->bufs, &f->pipe) != 0) {
			/* Out of descriptors: fall back to copying. */
			f->splice = false;
			f->nosplice = true;
			break;
		}
		n = splice(src->fd, NULL, f->pipe.fd[1], NULL, FR_PIPE_SIZE,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			f->inpipe = (size_t)n;
			src->bytes_in += (uint64_t)n;
			src->active = ev_now(r->loop);
		} else if (n == 0) {
			src->eof = true;
		} else if (errno == EAGAIN) {
			src->ready &= (unsigned char)~EV_READ;
		} else if (errno != EINTR) {
			snprintf(why, whylen, "%s read: %s", side_name[side],
			    strerror(errno));
			return IO_ERROR;
		}
	}
	if (f->inpipe == 0 && f->pipe.fd[0] >= 0)
		fr_pipe_put(r->bufs, &f->pipe);
	return moved;
}

/*
 * Move bytes from src to dst: drain what is held, read more while there
 * is room.  Returns bytes moved (> 0 progress, 0 none), or IO_ERROR.
 */
static ssize_t
flow_copy(struct fr_relay *r, struct fr_flow *f, struct fr_end *src,
    struct fr_end *dst, int side, size_t budget, char *why, size_t whylen)
{
	ssize_t n, moved = 0;
	size_t room;

	for (;;) {
		if (f->len > 0 && (dst->ready & dst->wwant)) {
			n = end_write(dst, 1 - side, f->buf->data + f->off,
			    f->len, why, whylen);
			if (n == IO_ERROR)
				return IO_ERROR;
			if (n > 0) {
				f->off += (size_t)n;
				f->len -= (size_t)n;
				moved += n;
				dst->active = ev_now(r->loop);
				dst->wwant = EV_WRITE;
			}
		}
		if (f->len == 0 && f->buf != NULL) {
			fr_buf_put(r->bufs, f->buf);
			f->buf = NULL;
			f->off = 0;
		}
		if ((size_t)moved >= budget || src->eof ||
		    !(src->ready & src->rwant))
			break;
		if (f->buf == NULL) {
			if (r->splice_ok && f->splice)
				break;		/* the pipe takes over */
			if ((f->buf = fr_buf_get(r->bufs)) == NULL) {
				snprintf(why, whylen, "out of memory for a "
				    "relay buffer");
				return IO_ERROR;
			}
		}
		room = f->buf->size - f->off - f->len;
		if (room == 0)
			break;			/* full: back-pressure */
		n = end_read(src, side, f->buf->data + f->off + f->len, room,
		    why, whylen);
		if (n == IO_ERROR)
			return IO_ERROR;
		if (n == IO_EOF || n == IO_AGAIN) {
			if (n == IO_EOF)
				src->eof = true;
			/* Nothing came: an idle connection holds no buffer. */
			if (f->len == 0) {
				fr_buf_put(r->bufs, f->buf);
				f->buf = NULL;
				f->off = 0;
			}
			break;
		}
		src->rwant = EV_READ;
		src->bytes_in += (uint64_t)n;
		src->active = ev_now(r->loop);
		f->len += (size_t)n;
		/* A whole buffer in one read is a bulk transfer: move the
		 * rest with splice once this buffer is out. */
		if ((size_t)n == room && r->splice_ok && !f->nosplice)
			f->splice = true;
	}
	return moved;
}

/* The read path of e is pending: it may read and has room to. */
static bool
reading(const struct fr_relay *r, const struct fr_end *e, int side)
{
	const struct fr_flow *f = &r->flow[side];

	if (e->eof)
		return false;
	if (f->splice && f->buf == NULL)
		return f->inpipe == 0;
	return f->buf == NULL || f->off + f->len < f->buf->size;
}

/* The write path toward side is pending: data or a shutdown to send. */
static bool
writing(const struct fr_relay *r, int side)
{
	const struct fr_flow *f = &r->flow[1 - side];

	return f->len > 0 || f->inpipe > 0 || r->end[side].shut_pending;
}

enum fr_relay_status
fr_relay_run(struct fr_relay *r, char *why, size_t whylen)
{
	size_t budget = FR_RELAY_BUDGET;
	bool progress, more = false;
	ssize_t n;
	int i, ev;

	do {
		progress = false;
		for (i = 0; i < 2; i++) {
			struct fr_flow *f = &r->flow[i];
			struct fr_end *src = &r->end[i], *dst = &r->end[1 - i];
			bool was_eof = src->eof;

			if (f->splice && f->buf == NULL)
				n = flow_splice(r, f, src, dst, i, budget, why,
				    whylen);
			else
				n = flow_copy(r, f, src, dst, i, budget, why,
				    whylen);
			if (n == IO_ERROR)
				return FR_RELAY_FAILED;
			if (n > 0) {
				progress = true;
				budget -= (size_t)n < budget ? (size_t)n : budget;
			}
			if (src->eof && !was_eof) {
				progress = true;
				if (r->first_eof < 0)
					r->first_eof = i;
			}
			/* Everything before the EOF is out: pass it on. */
			if (src->eof && f->len == 0 && f->inpipe == 0 &&
			    !dst->shut && (!dst->shut_pending ||
			    (dst->ready & dst->wwant))) {
				if (end_shutdown(dst, 1 - i, why, whylen) ==
				    IO_ERROR)
					return FR_RELAY_FAILED;
				progress = true;
			}
		}
		if (budget == 0) {
			more = true;
			break;
		}
	} while (progress);

	if (r->end[0].eof && r->end[1].eof && r->end[0].shut &&
	    r->end[1].shut)
		return FR_RELAY_DONE;

	for (i = 0; i < 2; i++) {
		struct fr_end *e = &r->end[i];
		bool w = writing(r, i);

		ev = 0;
		if (reading(r, e, i))
			ev |= e->rwant;
		if (w)
			ev |= e->wwant;
		fr_end_watch(r->loop, e, ev);
		/* Out of budget with work left that no event may announce
		 * (TLS records already decrypted): come back next round. */
		if (more && (e->ready & ev))
			ev_feed_event(r->loop, &e->io, e->ready & ev);
		/* Waiting for the peer with nothing half read or half
		 * written: OpenSSL's record buffers (some 33 KiB) go back to
		 * the heap.  SSL_MODE_RELEASE_BUFFERS does this after
		 * application data, not after the handshake's records. */
		else if (e->ssl != NULL && !w && !SSL_has_pending(e->ssl))
			(void)SSL_free_buffers(e->ssl);
	}
	return FR_RELAY_MORE;
}

size_t
fr_relay_pending(const struct fr_relay *r, enum fr_side to)
{
	const struct fr_flow *f = &r->flow[1 - to];

	return f->len + f->inpipe;
}

void
fr_relay_release(struct fr_relay *r)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct fr_flow *f = &r->flow[i];

		fr_buf_put(r->bufs, f->buf);
		f->buf = NULL;
		f->off = f->len = 0;
		if (f->inpipe > 0)
			fr_pipe_close(&f->pipe);
		else if (f->pipe.fd[0] >= 0)
			fr_pipe_put(r->bufs, &f->pipe);
		f->inpipe = 0;
	}
}
