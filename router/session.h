/*
 * session.h -- (router-internal) one relayed connection, from accept to
 * the log line that says how it ended.
 *
 * A session: terminates the client's TLS when its listener says so
 * (handshake-timeout), picks a node from the listener's pool, connects
 * (connect-timeout, TLS to the node when its transport says so),
 * re-dispatches to another node when that fails (connect-retries),
 * relays (relay.h) and watches idleness (client-idle-timeout,
 * server-idle-timeout).  Whatever ends it goes through one teardown,
 * which logs one line: client, listener, node, connect time, duration,
 * bytes each way, attempts, and the reason in words.
 */
#ifndef FR_SESSION_H
#define FR_SESSION_H

#include "addr.h"

struct fr_edge;
struct fr_listener;
struct fr_node;

/* Take over the accepted socket fd and start.  Never fails visibly:
 * refusals (limits, memory) close fd and are logged. */
void fr_session_accept(struct fr_listener *l, int fd,
    const struct fr_sockaddr *client);

/* Close every session of the edge, logging reason for each. */
void fr_session_close_all(struct fr_edge *e, const char *reason);

/* Close every session relayed to (or connecting to) node n. */
void fr_session_close_node(struct fr_node *n, const char *reason);

#endif /* FR_SESSION_H */
