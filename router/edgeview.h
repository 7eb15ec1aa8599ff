/*
 * edgeview.h -- what the running edge shows of itself and the few
 * things an operator may change while it runs: the nodes, pools and
 * listeners as they are now, draining and enabling a node, and the
 * resolver behind routing (its cache and destination health).  For the
 * control socket and the status reports in src/.
 *
 * Views are filled from the edge's live state and passed to a callback;
 * their strings point into the edge and are valid only during that
 * call.  Nothing here blocks or allocates per item.
 */
#ifndef FR_EDGEVIEW_H
#define FR_EDGEVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "edge.h"
#include "edgeconf.h"
#include "resolver.h"

struct fr_node_view {
	const char *name;
	const char *address;		/* "127.0.0.2:5061", "[::1]:5061" */
	enum fr_node_transport transport;
	enum fr_check_kind check;
	bool up;			/* the health verdict */
	bool checked;			/* has had its first verdict (or needs
					   none: check none) */
	bool drained;			/* takes no new connection or dialog */
	unsigned active;		/* live relayed connections */
	unsigned weight;
	/* The latest check: when it ended (wall clock; 0 if none yet),
	 * how long it took, its outcome and why. */
	double last_check_at;
	double last_check_took;
	bool last_check_ok;
	const char *last_check_why;
};

struct fr_pool_view {
	const char *name;
	enum fr_balance balance;
	size_t size;			/* members */
	size_t up;			/* members up and not drained */
	const char *members;		/* "imp-a imp-b" */
};

struct fr_listener_view {
	const char *name;
	const char *address;
	enum fr_proto proto;
	bool tls;
	bool federation;		/* the nodes' side */
	const char *target;		/* node or pool name; "" for federation */
	bool target_is_pool;
	bool accepting;			/* not paused at max-connections,
					   not draining */
};

typedef void fr_node_view_fn(void *arg, const struct fr_node_view *v);
typedef void fr_pool_view_fn(void *arg, const struct fr_pool_view *v);
typedef void fr_listener_view_fn(void *arg, const struct fr_listener_view *v);

/* In configuration order; pools: the named ones (not a listener's one
 * node). */
void fr_edge_each_node(const struct fr_edge *edge, fr_node_view_fn *fn,
    void *arg);
void fr_edge_each_pool(const struct fr_edge *edge, fr_pool_view_fn *fn,
    void *arg);
void fr_edge_each_listener(const struct fr_edge *edge,
    fr_listener_view_fn *fn, void *arg);

/* Whether the edge is draining (stopping). */
bool fr_edge_draining(const struct fr_edge *edge);

/*
 * Take node name out of balancing (drain: no new connection or dialog
 * goes to it; those it has stay) or put it back (enable).  The state
 * survives reloads that keep the node.  Returns 1 when the state
 * changed, 0 when it already was so, -1 when there is no such node.
 */
int fr_edge_drain_node(struct fr_edge *edge, const char *name, bool drain);

/* The resolver that routing asks (cache, destination health), or NULL
 * when no listener routes by domain. */
struct fr_resolver *fr_edge_resolver(struct fr_edge *edge);

/* The routing state behind it, for a live decision (routing.h's
 * fr_routing_decide); NULL as above. */
struct fr_routing *fr_edge_routing(struct fr_edge *edge);

#endif /* FR_EDGEVIEW_H */
