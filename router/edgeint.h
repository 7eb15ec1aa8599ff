/*
 * edgeint.h -- (router-internal) the state of the running edge that the
 * router's modules share, and the accounting hooks they call.
 */
#ifndef FR_EDGEINT_H
#define FR_EDGEINT_H

#include <stdbool.h>
#include <sys/queue.h>

#include <ev.h>

#include "buffer.h"
#include "edge.h"
#include "listener.h"
#include "node.h"
#include "pool.h"
#include "srclimit.h"
#include "stats.h"

struct fr_routing;
struct fr_sipproxy;
struct fr_xmppout;

struct fr_edge {
	struct ev_loop *loop;
	struct fr_edge_settings set;		/* from the configuration */
	struct fr_bufpool *bufs;
	struct fr_srclimit *sources;		/* live sessions per client IP */
	struct fr_listener_list listeners;
	struct fr_node **nodes;			/* in the configuration */
	size_t nnodes;
	struct fr_pool **pools;			/* pools, then one-node pools
						   of listeners aimed at a node */
	size_t npools;
	size_t nnamed;				/* pools[0 .. nnamed): named */
	struct fr_session_list sessions;
	unsigned nsessions;
	struct fr_routing *rt;			/* the allow list, routes and
						   resolver of sip and xmpp
						   listeners; NULL: none */
	struct fr_sipproxy *proxy;		/* protocol: sip listeners;
						   NULL: none configured */
	struct fr_xmppout *xmpp;		/* XMPP streams from the nodes;
						   NULL: none configured */
	bool paused;		/* at max-connections: not accepting */
	bool draining;
	ev_timer accept_timer;	/* resume accepting after EMFILE */
	ev_timer follow_timer;	/* a follower reads the shared verdicts */
	ev_timer drain_timer;
	fr_edge_drained_fn *drained;
	void *drained_arg;
	fr_edge_checked_fn *checked;	/* fr_edge_when_checked() */
	void *checked_arg;
	struct fr_edge_stats stats;	/* for /metrics: counted where
					   each thing happens */
};

/* A session was created / freed: counts, and pauses or resumes
 * accepting at max-connections. */
void fr_edge_session_opened(struct fr_edge *e);
void fr_edge_session_closed(struct fr_edge *e);

/* Health checks changed the state of node n (checker.c). */
void fr_edge_node_changed(struct fr_edge *e, struct fr_node *n);

/* A node's first health check gave its verdict (checker.c). */
void fr_edge_node_decided(struct fr_edge *e);

/* The checker has a result for n: publish it to the other workers
 * when they follow this one (verdicts.h). */
void fr_edge_node_checked(struct fr_edge *e, struct fr_node *n);

/* accept(2) failed for want of descriptors or memory: stop accepting
 * for a moment rather than spin on a queue we cannot empty. */
void fr_edge_accept_failed(struct fr_edge *e);

#endif /* FR_EDGEINT_H */
