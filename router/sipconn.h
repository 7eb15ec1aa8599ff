/*
 * sipconn.h -- (router-internal) one SIP connection over TCP or TLS,
 * message by message.
 *
 * It reads with proto/sipmsg's stream framing (RFC 5626 keep-alive
 * pings answered at once, Content-Length framing, every limit checked),
 * hands each whole message to its owner, queues what the owner sends
 * (bounded: a peer that does not read is dropped, never buffered
 * without end), watches idleness, and ends once, through one path,
 * with a reason the owner logs.
 *
 * Memory: the read buffer exists only while a message is partly read;
 * the write queue only while bytes wait for the socket.
 *
 * The owner's callbacks run from the loop.  Inside message() the
 * owner may send on any connection and may close this one; after
 * closed() the connection is gone.
 */
#ifndef FR_SIPCONN_H
#define FR_SIPCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "sipmsg.h"

struct fr_edge_stats;

struct fr_sipconn;

struct fr_sipconn_ops {
	/* One whole message; m and its buffer live until the return. */
	void (*message)(struct fr_sipconn *c, const struct fr_sipmsg *m);
	/* Malformed input: e says what and where; m is a partial index
	 * (e->can_answer: a 400 may be sent).  The connection closes
	 * after the return (the stream's framing is lost). */
	void (*bad)(struct fr_sipconn *c, const struct fr_sipmsg *m,
	    const struct fr_sip_error *e);
	/* The end; reason in words.  c is freed after the return. */
	void (*closed)(struct fr_sipconn *c, const char *reason);
	/* Optional: the connect and TLS handshake are done. */
	void (*ready)(struct fr_sipconn *c);
};

struct fr_sipconn_conf {
	struct ev_loop *loop;
	const struct fr_sip_limits *limits;	/* NULL: the defaults */
	unsigned idle_ms;		/* nothing read or written: close */
	unsigned handshake_ms;		/* connect and TLS handshake */
	size_t max_queue;		/* bytes waiting to be written */
	const struct fr_sipconn_ops *ops;
	void *owner;
	struct fr_edge_stats *stats;	/* messages and TLS handshakes are
					   counted here; NULL: not */
};

/* Flags of fr_sipconn_new(). */
#define FR_SIPCONN_HANDSHAKE	0x1	/* ssl has its handshake to do */
#define FR_SIPCONN_CONNECTING	0x2	/* fd's connect is in progress */

/*
 * Take over fd (non-blocking is set here) and ssl (NULL for TCP).  What
 * is sent before the connect and handshake are done waits in the queue;
 * both together must end within handshake_ms.  NULL when memory ran out
 * (fd and ssl are then the caller's).
 */
struct fr_sipconn *fr_sipconn_new(const struct fr_sipconn_conf *conf, int fd,
    SSL *ssl, unsigned flags, const struct fr_sockaddr *peer);

/*
 * Queue len bytes (copied) for the peer.  0, or -1 when the queue is
 * full or memory ran out: the connection is then closed (closed() runs
 * from the loop, not from here).
 */
int fr_sipconn_send(struct fr_sipconn *c, const char *buf, size_t len);

/* The connect and TLS handshake are done (always so for an accepted
 * TCP connection). */
bool fr_sipconn_established(const struct fr_sipconn *c);

/* End it with reason; closed() is called from the loop.  Further sends
 * are refused.  Idempotent. */
void fr_sipconn_close(struct fr_sipconn *c, const char *reason);

/* Free at once, without calling closed(): for an owner that goes away
 * itself.  Not from inside c's own callbacks.  NULL is fine. */
void fr_sipconn_destroy(struct fr_sipconn *c);

/* A number never reused while the process lives (0 is never one). */
uint64_t fr_sipconn_id(const struct fr_sipconn *c);
const struct fr_sockaddr *fr_sipconn_peer(const struct fr_sipconn *c);
bool fr_sipconn_tls(const struct fr_sipconn *c);
/* The peer's certificate, verified by the TLS context, or NULL; valid
 * while c is open. */
X509 *fr_sipconn_peer_cert(const struct fr_sipconn *c);
bool fr_sipconn_closing(const struct fr_sipconn *c);
void *fr_sipconn_owner(const struct fr_sipconn *c);
/* What the owner keeps with the connection. */
void fr_sipconn_set_data(struct fr_sipconn *c, void *data);
void *fr_sipconn_data(const struct fr_sipconn *c);

#endif /* FR_SIPCONN_H */
