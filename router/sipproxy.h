/*
 * sipproxy.h -- (router-internal) the SIP proxy of the nodes' side:
 * each request a node sends to a listener with target: federation goes
 * to its foreign domain, and its responses come back the way it went.
 *
 * Per request (RFC 3261 section 16, stateless, 16.11):
 *   - only the nodes' addresses and allow-from may connect at all;
 *   - Max-Forwards 0: 483; a request that already passed this edge
 *     (one of our Vias, authenticated): 482;
 *   - our own Route entry is removed; the domain is the next Route's
 *     host, else the Request-URI's (an in-dialog request's: its To);
 *     the allow list and the route are routing.h's: refused: 403,
 *     no route: 404 (the domain does not exist) or 503, each with a
 *     Warning: 399 that says why;
 *   - forwarded over a connection to the foreign target (reused while
 *     open; else dialed along the plan, dialer.h: TLS verified, the
 *     failed destination marked down, the next one tried);
 *   - the node stays hidden: its Vias travel inside ours (restored on
 *     the response, checked by a MAC), a dialog-creating request is
 *     Record-Routed through PUBLIC:<node's public port>, and its
 *     Contact is rewritten to that same public entry with an alias=
 *     parameter that keeps the node's own address for the way in;
 *   - responses: our Via is checked and removed, the node's restored,
 *     our public Record-Route entry becomes the internal one (the node
 *     sends its in-dialog requests to the edge's internal listener),
 *     and the response goes to the node's connection.
 *
 * One log line per request: method, node, from and to domains, route
 * source, target, final status, milliseconds.
 */
#ifndef FR_SIPPROXY_H
#define FR_SIPPROXY_H

#include <stddef.h>

#include <ev.h>

#include "addr.h"
#include "edgeconf.h"

struct fr_sipproxy;
struct fr_listener;
struct fr_routing;
struct fr_edge;

/* NULL with the reason in err (the federation TLS context, memory).
 * It decides with rt, the edge's, of which it takes a reference. */
struct fr_sipproxy *fr_sipproxy_create(struct fr_edge *edge,
    const struct fr_edge_conf *conf, struct fr_routing *rt, char *err,
    size_t errlen);
/* New settings for new requests; connections stay.  -1 with err: the
 * proxy runs on as before. */
int fr_sipproxy_reload(struct fr_sipproxy *p, const struct fr_edge_conf *conf,
    struct fr_routing *rt, char *err, size_t errlen);
/* Close every connection.  NULL is fine. */
void fr_sipproxy_delete(struct fr_sipproxy *p);

/* A connection accepted on l (target: federation, protocol: sip). */
void fr_sipproxy_accept(struct fr_sipproxy *p, struct fr_listener *l, int fd,
    const struct fr_sockaddr *client);

/* Close every connection, both sides, logging reason (the closes
 * complete from the loop). */
void fr_sipproxy_close_all(struct fr_sipproxy *p, const char *reason);

/* What the proxy writes for a request of node over transport ("tls",
 * "tcp"), for `fedroute route` to show: the same formats as the proxy.
 * -1 when there is no such node or no public address. */
struct fr_sip_explain {
	char via[256];			/* our Via, its form */
	char record_route[256];		/* on dialog-creating requests */
	char contact[256];		/* the node's Contact, with USER */
	char record_route_to_node[256];	/* the same entry as the node gets it
					   back ("" without a nodes' listener) */
};
int fr_sipproxy_explain(const struct fr_edge_conf *conf, const char *node,
    const char *transport, struct fr_sip_explain *out);

/* Connections open, both sides. */
unsigned fr_sipproxy_connections(const struct fr_sipproxy *p);

#endif /* FR_SIPPROXY_H */
