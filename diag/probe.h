/*
 * probe.h -- one connection to a peer, each step bounded by a deadline.
 *
 * A blocking design on purpose: the tester probes one target address at
 * a time, in plan order, and reports each step's time; the sockets are
 * non-blocking underneath and every wait is a poll() with the time that
 * is left, so no step can hang longer than its timeout.
 *
 * Every failing call leaves a reason in words in conn->error and a
 * class in conn->status.  The connection owns its socket and TLS state;
 * fr_conn_close() releases both (harmless on a closed connection).
 */
#ifndef FR_PROBE_H
#define FR_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "plan.h"
#include "util.h"		/* fr_now_ms() */

enum fr_conn_status {
	FR_CONN_OK,
	FR_CONN_REFUSED,		/* RST or ICMP port unreachable */
	FR_CONN_TIMEOUT,		/* the deadline passed */
	FR_CONN_CLOSED,			/* the peer closed the connection */
	FR_CONN_TLS,			/* TLS handshake or record failure */
	FR_CONN_ERROR,			/* anything else (unreachable, ...) */
};

struct fr_conn {
	int fd;				/* -1 when closed */
	SSL *ssl;			/* NULL while plain */
	enum fr_conn_status status;	/* of the last call */
	char error[256];		/* ... in words, when it failed */
};

/* A closed connection (fd -1), ready for fr_conn_open(). */
void fr_conn_init(struct fr_conn *c);

/*
 * Connect a TCP (SOCK_STREAM) or connected UDP (SOCK_DGRAM) socket to
 * addr:port within timeout_ms.  0 or -1.  For UDP nothing is sent:
 * "connected" only fixes the peer, so ICMP errors come back to us.
 */
int fr_conn_open(struct fr_conn *c, const struct fr_address *addr,
    uint16_t port, int socktype, unsigned timeout_ms);

/*
 * TLS client handshake on the open connection, with SNI set to sni (not
 * sent when NULL or an IP literal) and ALPN alpn (NULL: none; wire
 * format).  Certificates are not verified here: the caller examines the
 * chain afterwards, so that an untrusted peer still shows what it sent.
 */
int fr_conn_tls(struct fr_conn *c, SSL_CTX *ctx, const char *sni,
    const unsigned char *alpn, size_t alpnlen, unsigned timeout_ms);

/* Send all of buf before the deadline (fr_now_ms() time).  0 or -1. */
int fr_conn_write(struct fr_conn *c, const void *buf, size_t len,
    double deadline);

/*
 * Read what is there (at most len bytes), waiting until the deadline for
 * the first byte.  Returns the count, 0 when the peer closed, -1 on
 * failure or time-out (status FR_CONN_TIMEOUT).
 */
ssize_t fr_conn_read(struct fr_conn *c, void *buf, size_t len,
    double deadline);

void fr_conn_close(struct fr_conn *c);

#endif /* FR_PROBE_H */
