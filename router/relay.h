/*
 * relay.h -- move bytes both ways between the two ends of a relayed
 * connection, plain TCP or TLS on either end.
 *
 * What it promises:
 * - Bounded memory: at most one buffer (buffer-size) or one pipe per
 *   direction, and only while data is in flight.  A full buffer stops
 *   reading from the sender until the receiver takes the data
 *   (back-pressure), so a fast sender never grows memory.
 * - No busy loops: an end is watched only for what a pending operation
 *   waits for (SSL_read may wait for the socket to be writable), and
 *   one run moves at most FR_RELAY_BUDGET bytes before yielding.
 * - Half-close: when one end finishes sending, the other end is told
 *   (shutdown(SHUT_WR), with a TLS close_notify first) once everything
 *   before it has been delivered; the other direction keeps flowing.
 * - Bulk plain TCP moves through a pipe with splice(2), never through
 *   user space, once a read fills a whole buffer (when allowed).
 *
 * The caller (session.c) owns the sockets, the SSL objects and the
 * watchers; it feeds readiness in (fr_end.ready |= revents) and calls
 * fr_relay_run().
 */
#ifndef FR_RELAY_H
#define FR_RELAY_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>
#include <openssl/ssl.h>

#include "buffer.h"

/* Bytes one fr_relay_run() moves at most before letting others run. */
#define FR_RELAY_BUDGET	(256 * 1024)

enum fr_side {
	FR_CLIENT,
	FR_NODE,
};

/* One end of the relayed connection. */
struct fr_end {
	int fd;
	SSL *ssl;		/* NULL: plain TCP */
	ev_io io;		/* callback and data set by the caller */
	unsigned char ready;	/* EV_READ / EV_WRITE believed ready */
	unsigned char rwant;	/* what the read path waits for */
	unsigned char wwant;	/* what the write path waits for */
	bool eof;		/* the peer finished sending */
	bool shut;		/* we finished sending to the peer */
	bool shut_pending;	/* close_notify waits for the socket */
	uint64_t bytes_in;	/* read from this end */
	ev_tstamp active;	/* when a byte last moved either way */
};

/* Bytes on their way from one end to the other. */
struct fr_flow {
	struct fr_buf *buf;	/* NULL while empty */
	size_t off, len;	/* the data in buf */
	struct fr_pipe pipe;	/* splice mode; fds -1 while empty */
	size_t inpipe;		/* bytes in the pipe */
	bool splice;		/* bulk: move through a pipe */
	bool nosplice;		/* no pipe could be had: do not try again */
};

struct fr_relay {
	struct ev_loop *loop;
	struct fr_bufpool *bufs;
	bool splice_ok;		/* both ends plain, and splice allowed */
	struct fr_end end[2];	/* FR_CLIENT, FR_NODE */
	struct fr_flow flow[2];	/* flow[i]: from end[i] to the other end */
	int first_eof;		/* the end that finished sending first, -1 */
};

enum fr_relay_status {
	FR_RELAY_MORE,		/* waiting for the sockets */
	FR_RELAY_DONE,		/* both directions finished cleanly */
	FR_RELAY_FAILED,	/* an end failed; why says which and how */
};

/* Reset an end around fd (ssl may be NULL); its watcher is stopped. */
void fr_end_init(struct fr_end *e, int fd, SSL *ssl);

/* Watch e for exactly these events (EV_READ | EV_WRITE, or 0). */
void fr_end_watch(struct ev_loop *loop, struct fr_end *e, int events);

/*
 * Move what can be moved now, then watch the ends for what is still
 * pending.  FR_RELAY_FAILED puts "client read: Connection reset by
 * peer"-style text in why.
 */
enum fr_relay_status fr_relay_run(struct fr_relay *r, char *why,
    size_t whylen);

/* Bytes still held for the end that receives them. */
size_t fr_relay_pending(const struct fr_relay *r, enum fr_side to);

/* Give back buffers and pipes (the ends' sockets are the caller's). */
void fr_relay_release(struct fr_relay *r);

#endif /* FR_RELAY_H */
