/*
 * edgeview.c -- the edge's live state as views for reports, and node
 * drain/enable.  Read-only but for the drained flag, which pool.c's
 * choice reads.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "edgeint.h"
#include "edgeview.h"
#include "checker.h"
#include "listener.h"
#include "log.h"
#include "node.h"
#include "pool.h"
#include "routing.h"

void
fr_edge_each_node(const struct fr_edge *e, fr_node_view_fn *fn, void *arg)
{
	char addr[FR_ADDRSTRLEN];
	struct fr_node_view v;
	size_t i;

	for (i = 0; i < e->nnodes; i++) {
		const struct fr_node *n = e->nodes[i];

		fr_addr_str(&n->addr, addr, sizeof(addr));
		memset(&v, 0, sizeof(v));
		v.name = n->name;
		v.address = addr;
		v.transport = n->transport;
		v.check = n->set->check.kind;
		v.up = n->up;
		v.checked = fr_node_decided(n);
		v.drained = n->drained;
		v.active = n->active;
		v.weight = n->set->weight;
		v.last_check_at = n->last_check.at;
		v.last_check_took = n->last_check.took;
		v.last_check_ok = n->last_check.ok;
		v.last_check_why = n->last_check.why;
		fn(arg, &v);
	}
}

void
fr_edge_each_pool(const struct fr_edge *e, fr_pool_view_fn *fn, void *arg)
{
	/* Names are at most FR_NAME_MAX and a pool holds at most
	 * FR_POOL_MAX_NODES, so the list always fits. */
	char members[FR_POOL_MAX_NODES * FR_NAME_MAX];
	struct fr_pool_view v;
	size_t i, j, len;

	for (i = 0; i < e->nnamed; i++) {
		const struct fr_pool *p = e->pools[i];

		memset(&v, 0, sizeof(v));
		v.name = fr_pool_name(p);
		v.balance = fr_pool_balance(p);
		v.size = fr_pool_size(p);
		members[0] = '\0';
		for (j = len = 0; j < v.size; j++) {
			const struct fr_node *n = fr_pool_node(p, j);

			if (n->up && !n->drained)
				v.up++;
			len += (size_t)snprintf(members + len,
			    sizeof(members) - len, "%s%s", j ? " " : "",
			    n->name);
		}
		v.members = members;
		fn(arg, &v);
	}
}

void
fr_edge_each_listener(const struct fr_edge *e, fr_listener_view_fn *fn,
    void *arg)
{
	char addr[FR_ADDRSTRLEN];
	const struct fr_listener *l;
	struct fr_listener_view v;

	TAILQ_FOREACH(l, &e->listeners, entry) {
		fr_addr_str(&l->addr, addr, sizeof(addr));
		memset(&v, 0, sizeof(v));
		v.name = l->name;
		v.address = addr;
		v.proto = l->proto;
		v.tls = l->tls != NULL;
		v.federation = l->federation;
		v.target = l->pool != NULL ? fr_pool_name(l->pool) : "";
		v.target_is_pool = l->pool != NULL && !fr_pool_is_pat(l->pool);
		v.accepting = l->fd >= 0 && !e->paused && !e->draining;
		fn(arg, &v);
	}
}

bool
fr_edge_draining(const struct fr_edge *e)
{
	return e->draining;
}

int
fr_edge_drain_node(struct fr_edge *e, const char *name, bool drain)
{
	size_t i;

	for (i = 0; i < e->nnodes; i++) {
		struct fr_node *n = e->nodes[i];

		if (strcmp(n->name, name) != 0)
			continue;
		if (n->drained == drain)
			return 0;
		n->drained = drain;
		if (drain)
			fr_log(LOG_NOTICE, "node %s: drained: no new connections "
			    "or dialogs; its %u live connections stay", n->name,
			    n->active);
		else
			fr_log(LOG_NOTICE, "node %s: enabled: takes new "
			    "connections again", n->name);
		return 1;
	}
	return -1;
}

struct fr_resolver *
fr_edge_resolver(struct fr_edge *e)
{
	return e->rt != NULL ? fr_routing_resolver(e->rt) : NULL;
}

struct fr_routing *
fr_edge_routing(struct fr_edge *e)
{
	return e->rt;
}
