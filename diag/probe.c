/*
 * probe.c -- connections with deadlines: non-blocking sockets and poll().
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "probe.h"

void
fr_conn_init(struct fr_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int
fail(struct fr_conn *c, enum fr_conn_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct fr_conn *c, enum fr_conn_status st, const char *fmt, ...)
{
	va_list ap;

	c->status = st;
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	return -1;
}

static int
errno_fail(struct fr_conn *c, int err, const char *what)
{
	size_t k;

	switch (err) {
	case ECONNREFUSED:
		return fail(c, FR_CONN_REFUSED, "%s: connection refused",
		    what);
	case ETIMEDOUT:
		return fail(c, FR_CONN_TIMEOUT, "%s: timed out", what);
	case ECONNRESET:
	case EPIPE:
		return fail(c, FR_CONN_CLOSED, "%s: connection reset by the "
		    "peer", what);
	}
	/* "connect: no route to host": strerror() capitalises */
	fail(c, FR_CONN_ERROR, "%s: %s", what, strerror(err));
	k = strlen(what) + 2;
	if (k < sizeof(c->error))
		c->error[k] = (char)tolower((unsigned char)c->error[k]);
	return -1;
}

/*
 * Wait for events on the socket until the deadline.  1 when ready, 0 on
 * time-out, -1 on a poll failure (errno).
 */
static int
wait_fd(int fd, short events, double deadline)
{
	for (;;) {
		struct pollfd pfd = { fd, events, 0 };
		double left = deadline - fr_now_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, (int)left + 1);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

int
fr_conn_open(struct fr_conn *c, const struct fr_address *addr,
    uint16_t port, int socktype, unsigned timeout_ms)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	double deadline = fr_now_ms() + timeout_ms;
	socklen_t sslen;
	int err = 0;
	socklen_t errlen = sizeof(err);

	memset(&ss, 0, sizeof(ss));
	if (addr->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr = addr->u.v4;
		sin->sin_port = htons(port);
		sslen = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = addr->u.v6;
		sin6->sin6_port = htons(port);
		sslen = sizeof(*sin6);
	}
	c->fd = socket(addr->family, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (c->fd < 0)
		return errno_fail(c, errno, "socket");
	if (connect(c->fd, (struct sockaddr *)&ss, sslen) == 0)
		goto ok;
	if (errno != EINPROGRESS)
		return errno_fail(c, errno, "connect");
	switch (wait_fd(c->fd, POLLOUT, deadline)) {
	case 0:
		return fail(c, FR_CONN_TIMEOUT, "connect: no answer within "
		    "%u ms", timeout_ms);
	case -1:
		return errno_fail(c, errno, "poll");
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &errlen) != 0)
		return errno_fail(c, errno, "connect");
	if (err != 0)
		return errno_fail(c, err, "connect");
ok:
	c->status = FR_CONN_OK;
	return 0;
}

/* The reason of the last OpenSSL failure, in words. */
static void
ssl_reason(struct fr_conn *c, int sslerr, int err, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	if (r != NULL) {
		fail(c, FR_CONN_TLS, "%s: %s", what, r);
		return;
	}
	if (sslerr == SSL_ERROR_SYSCALL && err != 0) {
		errno_fail(c, err, what);
		return;
	}
	fail(c, sslerr == SSL_ERROR_ZERO_RETURN ||
	    sslerr == SSL_ERROR_SYSCALL ? FR_CONN_CLOSED : FR_CONN_TLS,
	    "%s: the peer closed the connection", what);
}

/*
 * Drive one OpenSSL call to completion.  op returns what SSL_* returns;
 * a positive value is success.
 */
static int
ssl_drive(struct fr_conn *c, int (*op)(SSL *, void *, int), void *buf,
    int len, double deadline, const char *what)
{
	for (;;) {
		int r, e;
		short ev;

		ERR_clear_error();
		errno = 0;
		if ((r = op(c->ssl, buf, len)) > 0)
			return r;
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			ev = POLLIN;
		else if (e == SSL_ERROR_WANT_WRITE)
			ev = POLLOUT;
		else if (e == SSL_ERROR_ZERO_RETURN)
			return 0;
		else {
			ssl_reason(c, e, errno, what);
			return -1;
		}
		switch (wait_fd(c->fd, ev, deadline)) {
		case 0:
			fail(c, FR_CONN_TIMEOUT, "%s: timed out", what);
			return -1;
		case -1:
			errno_fail(c, errno, "poll");
			return -1;
		}
	}
}

static int
op_handshake(SSL *ssl, void *buf, int len)
{
	(void)buf;
	(void)len;
	return SSL_do_handshake(ssl);
}

static int
op_read(SSL *ssl, void *buf, int len)
{
	return SSL_read(ssl, buf, len);
}

static int
op_write(SSL *ssl, void *buf, int len)
{
	return SSL_write(ssl, buf, len);
}

int
fr_conn_tls(struct fr_conn *c, SSL_CTX *ctx, const char *sni,
    const unsigned char *alpn, size_t alpnlen, unsigned timeout_ms)
{
	unsigned char a[16];
	double deadline = fr_now_ms() + timeout_ms;

	if ((c->ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(c->ssl, c->fd))
		return fail(c, FR_CONN_ERROR, "TLS: out of memory");
	/* RFC 6066: no SNI for an address literal */
	if (sni != NULL && inet_pton(AF_INET, sni, a) != 1 &&
	    inet_pton(AF_INET6, sni, a) != 1 &&
	    !SSL_set_tlsext_host_name(c->ssl, sni))
		return fail(c, FR_CONN_ERROR, "TLS: cannot set SNI '%s'", sni);
	if (alpn != NULL &&
	    SSL_set_alpn_protos(c->ssl, alpn, (unsigned)alpnlen) != 0)
		return fail(c, FR_CONN_ERROR, "TLS: cannot set ALPN");
	SSL_set_connect_state(c->ssl);
	if (ssl_drive(c, op_handshake, NULL, 0, deadline,
	    "TLS handshake") <= 0) {
		if (c->status == FR_CONN_OK)	/* closed cleanly: still bad */
			fail(c, FR_CONN_CLOSED, "TLS handshake: the peer "
			    "closed the connection");
		return -1;
	}
	c->status = FR_CONN_OK;
	return 0;
}

int
fr_conn_write(struct fr_conn *c, const void *buf, size_t len,
    double deadline)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n;

		if (c->ssl != NULL) {
			n = ssl_drive(c, op_write, (void *)(uintptr_t)p,
			    len > 16384 ? 16384 : (int)len, deadline, "send");
			if (n <= 0) {
				if (n == 0)
					fail(c, FR_CONN_CLOSED, "send: the "
					    "peer closed the connection");
				return -1;
			}
		} else {
			n = send(c->fd, p, len, MSG_NOSIGNAL);
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				if (wait_fd(c->fd, POLLOUT, deadline) == 0)
					return fail(c, FR_CONN_TIMEOUT,
					    "send: timed out");
				continue;
			}
			if (n < 0)
				return errno_fail(c, errno, "send");
		}
		p += n;
		len -= (size_t)n;
	}
	c->status = FR_CONN_OK;
	return 0;
}

ssize_t
fr_conn_read(struct fr_conn *c, void *buf, size_t len, double deadline)
{
	if (len > 16384)
		len = 16384;
	if (c->ssl != NULL) {
		int n = ssl_drive(c, op_read, buf, (int)len, deadline,
		    "receive");

		if (n >= 0)
			c->status = FR_CONN_OK;
		else if (c->status == FR_CONN_CLOSED)
			return 0;
		return n;
	}
	for (;;) {
		ssize_t n = recv(c->fd, buf, len, 0);

		if (n >= 0) {
			c->status = FR_CONN_OK;
			return n;
		}
		if (errno == ECONNRESET) {
			c->status = FR_CONN_CLOSED;
			return 0;
		}
		if (errno != EAGAIN && errno != EINTR)
			return errno_fail(c, errno, "receive");
		switch (wait_fd(c->fd, POLLIN, deadline)) {
		case 0:
			return fail(c, FR_CONN_TIMEOUT, "receive: no answer "
			    "in time");
		case -1:
			return errno_fail(c, errno, "poll");
		}
	}
}

void
fr_conn_close(struct fr_conn *c)
{
	if (c->ssl != NULL) {
		/* close_notify if it goes out at once; no waiting for the
		 * peer's (RFC 8446 6.1 allows that) */
		(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
}
