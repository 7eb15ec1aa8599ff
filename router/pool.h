/*
 * pool.h -- (router-internal) nodes that share a listener's traffic,
 * and the choice of a node for a new connection.
 *
 * The choice looks only at nodes that are up, not drained, and not yet
 * tried for this connection (re-dispatch after a failed connect):
 *   roundrobin  smooth weighted round robin (weights 3:1 give A A B A,
 *               never A A A B);
 *   leastconn   fewest live connections per unit of weight; ties go
 *               round the pool;
 *   source      rendezvous (highest random weight) hashing of the
 *               client's IP address, weighted: a pure function of the
 *               address and the healthy set, the same on every edge and
 *               after a restart; a node that goes down moves only its
 *               own clients, and they return with it.
 * A listener aimed at one node (PAT) gets a pool of that node alone.
 *
 * Pools are reference counted (the listener, and each session while it
 * may still re-dispatch), and hold a reference on each member.
 */
#ifndef FR_POOL_H
#define FR_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "edgeconf.h"
#include "node.h"

struct fr_pool;

/* NULL when memory ran out.  n is 1 .. FR_POOL_MAX_NODES. */
struct fr_pool *fr_pool_create(const char *name, enum fr_balance balance,
    struct fr_node *const *nodes, size_t n);
/* The pool of a listener aimed at one node (PAT): n alone. */
struct fr_pool *fr_pool_for_node(struct fr_node *n);
/* Was p made by fr_pool_for_node? */
bool fr_pool_is_pat(const struct fr_pool *p);
void fr_pool_ref(struct fr_pool *p);
/* NULL is fine. */
void fr_pool_unref(struct fr_pool *p);

const char *fr_pool_name(const struct fr_pool *p);
enum fr_balance fr_pool_balance(const struct fr_pool *p);
size_t fr_pool_size(const struct fr_pool *p);
struct fr_node *fr_pool_node(const struct fr_pool *p, size_t i);
/* Members that are up. */
size_t fr_pool_up(const struct fr_pool *p);

/*
 * The node for a connection from client, among members that are up and
 * whose bit (1 << index) is not in tried; its index goes to *idx.  NULL
 * when there is none.  Round robin state advances with each pick.
 */
struct fr_node *fr_pool_pick(struct fr_pool *p,
    const struct fr_sockaddr *client, uint64_t tried, size_t *idx);

/* Rendezvous score of a node for a client; the highest wins. */
double fr_rendezvous_score(const uint8_t ip[16], uint64_t node_key,
    unsigned weight);

#endif /* FR_POOL_H */
