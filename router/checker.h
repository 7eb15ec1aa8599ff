/*
 * checker.h -- (router-internal) health checks of one node, on the
 * edge's loop.  (Not resolver/health.h: that is the resolver's table of
 * destinations that failed.)
 *
 * Every check-interval one check runs, bounded by check-timeout:
 *   tcp          a TCP connect;
 *   tls          a TCP connect and a full TLS handshake, verified as
 *                relayed connections are;
 *   sip-options  an OPTIONS request over the node's transport (TLS
 *                included); the first final response decides, alive
 *                when its status is within check-sip-status.
 * The first result decides the node's state; after that it takes
 * check-fall failures or check-rise successes in a row to change it.
 * Each change is logged once, and reported to the edge
 * (fr_edge_node_changed), which acts on it.
 */
#ifndef FR_CHECKER_H
#define FR_CHECKER_H

#include <stdbool.h>
#include <stddef.h>

struct fr_edge;
struct fr_node;
struct fr_checker;

/*
 * Check n with its current settings (n->set->check), first at once.
 * NULL when memory ran out (logged; the node then stays as it is).
 * The checker does not hold a reference on n: stop it before n goes.
 * fresh: no verdict yet, the first result decides; otherwise the node
 * keeps its state until rise or fall says otherwise.
 */
struct fr_checker *fr_checker_start(struct fr_edge *e, struct fr_node *n,
    bool fresh);

/* Whether the node has had its first verdict (or was not fresh).  NULL:
 * true (no checker, nothing to wait for). */
bool fr_checker_decided(const struct fr_checker *h);

/* Stop, abandoning a check in flight.  NULL is fine. */
void fr_checker_stop(struct fr_checker *h);

/*
 * The status of the first final response in the stream buf[0..len):
 * whole messages (sipmsg framing) that are keep-alives or provisional
 * responses are skipped, then the status line of the next one decides
 * even before its headers are all there.  0 when there is none yet.
 */
unsigned fr_sip_final_status(const char *buf, size_t len);

#endif /* FR_CHECKER_H */
