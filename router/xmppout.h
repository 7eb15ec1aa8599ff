/*
 * xmppout.h -- (router-internal) XMPP server-to-server streams from the
 * nodes to foreign domains (RFC 6120, XEP-0368), through a listener
 * with target: federation and protocol: xmpp.
 *
 * A node opens its s2s stream to the edge as if it were the foreign
 * server.  The edge reads just enough to know where it goes, never
 * more, and never terminates the servers' TLS:
 *   - a stream header (STARTTLS or plain): read with proto/xmppstream
 *     (expat, bounded); the domain is its to;
 *   - a TLS ClientHello (direct TLS, XEP-0368): read with
 *     proto/tlshello; the domain is its SNI.
 * The domain goes through the routing decision (routing.h, service
 * XMPP: the allow list, override, _xmpps-server/_xmpp-server, fallback);
 * the targets that fit (direct TLS: the _xmpps-server ones; a stream
 * header: the _xmpp-server and A/AAAA ones) are dialed in order
 * (dialer.h: plain TCP, each failure marked down and the next tried),
 * the bytes read are replayed byte for byte, and from then on bytes are
 * relayed both ways, untouched.
 *
 * Refused or without a route: a stream header gets a <stream:error>
 * (policy-violation, or remote-server-not-found) with a <text> that
 * says why; a ClientHello, to which nothing can be said in clear, is
 * closed.  One log line per stream.
 */
#ifndef FR_XMPPOUT_H
#define FR_XMPPOUT_H

#include <stddef.h>

#include <ev.h>

#include "addr.h"
#include "edgeconf.h"

struct fr_xmppout;
struct fr_listener;
struct fr_edge;
struct fr_routing;

/* NULL with the reason in err.  It decides with rt, the edge's, of
 * which it takes a reference. */
struct fr_xmppout *fr_xmppout_create(struct fr_edge *edge,
    const struct fr_edge_conf *conf, struct fr_routing *rt, char *err,
    size_t errlen);
/* New settings for new streams.  -1 with err: unchanged. */
int fr_xmppout_reload(struct fr_xmppout *x, const struct fr_edge_conf *conf,
    struct fr_routing *rt, char *err, size_t errlen);
/* Close every stream at once, without logging more.  NULL is fine. */
void fr_xmppout_delete(struct fr_xmppout *x);
/* Close every stream, logging reason (drain-timeout). */
void fr_xmppout_close_all(struct fr_xmppout *x, const char *reason);

/* A connection accepted on l (target: federation, protocol: xmpp). */
void fr_xmppout_accept(struct fr_xmppout *x, struct fr_listener *l, int fd,
    const struct fr_sockaddr *client);

#endif /* FR_XMPPOUT_H */
