/*
 * verdicts.h -- node health verdicts shared by the workers of one
 * daemon, so that they agree.
 *
 * With workers, one of them (the checker) runs the health checks and
 * publishes each node's verdict and latest check here; the others run
 * no checks of their own and follow the table (edge.c polls it), so
 * every worker sends traffic to the same nodes, and a node sees one
 * prober instead of one per worker.
 *
 * The table lives in anonymous shared memory that the master maps
 * before it forks the workers; it holds plain data only (no pointers),
 * FR_NODES_MAX entries.  One writer (the checker), any number of
 * readers: each entry is guarded by a sequence count, so a reader never
 * sees half an update and never blocks the writer.  A checker that dies
 * leaves its last verdicts in place until its replacement's checks give
 * new ones.
 */
#ifndef FR_VERDICTS_H
#define FR_VERDICTS_H

#include <stdbool.h>
#include <stddef.h>

struct fr_node;
struct fr_verdicts;

/* Map a table (shared with the processes forked after this).  NULL
 * with errno set. */
struct fr_verdicts *fr_verdicts_create(void);
/* Unmap.  NULL is fine. */
void fr_verdicts_delete(struct fr_verdicts *v);

/* The checker: n's verdict (n->up) and latest check (n->last_check)
 * as they are now.  False when the table is full (it holds
 * FR_NODES_MAX, the most a configuration may have). */
bool fr_verdicts_publish(struct fr_verdicts *v, const struct fr_node *n);

/* The checker, after a reload: forget nodes no longer among nodes[]. */
void fr_verdicts_retain(struct fr_verdicts *v, struct fr_node *const *nodes,
    size_t n);

/* A follower: the published verdict for n (same name, address and
 * transport) into *up and n's last_check.  False while there is none. */
bool fr_verdicts_follow(const struct fr_verdicts *v, struct fr_node *n,
    bool *up);

#endif /* FR_VERDICTS_H */
