/*
 * edge.h -- the running edge: listeners, nodes, pools, health checks
 * and relayed connections, all on one libev loop.  With edgeview.h
 * (what it shows of itself, node drain/enable) this is all that src/
 * sees of the running router.
 *
 * The edge copies what it keeps from a configuration: the caller may
 * free the configuration once a call returns.
 */
#ifndef FR_EDGE_H
#define FR_EDGE_H

#include <stddef.h>

#include <ev.h>

#include "edgeconf.h"
#include "stats.h"

struct fr_edge;

/*
 * Bind every listener, start the health checks and start accepting.
 * NULL with the reason in err (a certificate that cannot be loaded, an
 * address that cannot be bound, memory).  Unreachable nodes are not an
 * error: their checks fail and say so in the log.
 */
struct fr_edge *fr_edge_create(struct ev_loop *loop,
    const struct fr_edge_conf *conf, char *err, size_t errlen);

/*
 * Switch to conf, all or nothing: on -1 (reason in err) the edge runs
 * on as before.  Listeners whose address stays keep their socket, so no
 * connection is refused; nodes whose name, address and transport stay
 * keep their health state and live connections; new settings, pools and
 * certificates apply to new connections.  Live connections are left
 * alone, also to nodes and through listeners that are gone.
 */
int fr_edge_reload(struct fr_edge *edge, const struct fr_edge_conf *conf,
    char *err, size_t errlen);

typedef void fr_edge_drained_fn(void *arg);

/*
 * Stop accepting (listeners are closed) and health checking, let live
 * connections finish for at most drain-timeout, then close the rest;
 * done(arg) is called from the loop when none is left.
 */
void fr_edge_drain(struct fr_edge *edge, fr_edge_drained_fn *done, void *arg);

typedef void fr_edge_checked_fn(void *arg);

/*
 * Call done(arg) once every node's first health check has given its
 * verdict (each is bounded by its check-timeout; nodes with check: none
 * need none): at once when that is already so, else from the loop.
 * Readiness for the service manager: the listeners are bound by then
 * and the pools know which nodes to use.  One waiter; a second call
 * replaces the first.
 */
void fr_edge_when_checked(struct fr_edge *edge, fr_edge_checked_fn *done,
    void *arg);

/* Live relayed connections. */
unsigned fr_edge_sessions(const struct fr_edge *edge);

/* The edge's counters (stats.h), kept across reloads; valid while the
 * edge lives, and changing only on its loop. */
const struct fr_edge_stats *fr_edge_stats(const struct fr_edge *edge);

/*
 * With workers: publish this edge's counters in slot of board (stats.h)
 * once a second, for the worker that serves /metrics to add up
 * (fr_stats_total).  -1 when memory ran out (counting goes on,
 * unshared).
 */
int fr_edge_share_stats(struct fr_edge *edge, struct fr_stats_board *board,
    unsigned slot);

/* Close everything at once.  NULL is fine. */
void fr_edge_delete(struct fr_edge *edge);

#endif /* FR_EDGE_H */
