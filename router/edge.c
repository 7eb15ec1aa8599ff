/*
 * edge.c -- building the running edge from a configuration, switching
 * to a new one, draining, and the accounting of sessions.
 *
 * A reload runs in two phases.  prepare() builds everything the new
 * configuration needs -- TLS contexts, node settings, new nodes, pools,
 * listeners, new sockets -- without touching what runs; any failure
 * throws the lot away and the edge runs on unchanged.  commit() then
 * swaps it in with operations that cannot fail.  Creating an edge is a
 * reload of an empty one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeint.h"
#include "checker.h"
#include "listener.h"
#include "log.h"
#include "node.h"
#include "pool.h"
#include "session.h"
#include "routing.h"
#include "sipproxy.h"
#include "xmppout.h"
#include "tls.h"
#include "verdicts.h"

/* How long accepting pauses when descriptors or memory run out. */
#define ACCEPT_PAUSE	0.1
/* How often a follower reads the shared verdicts: a change reaches it
 * this much after the checker saw it. */
#define FOLLOW_INTERVAL	0.1

/* What a reload has built, before it is committed. */
struct staged {
	struct fr_node **nodes;		/* per node conf: new or kept */
	struct fr_node_settings **set;	/* per node conf: for a kept node */
	bool *kept;			/* per node conf */
	size_t nnodes;
	struct fr_pool **pools;		/* pools, then one-node pools */
	size_t npools;
	size_t nnamed;			/* the named pools */
	struct fr_listener **listeners;	/* per listener conf */
	struct fr_listener **reuse;	/* the old listener whose socket
					   the new one takes, or NULL */
	size_t nlisteners;
	struct fr_routing *rt;		/* the allow list, routes, resolver */
	struct fr_sipproxy *proxy;	/* the first federation listener's */
	struct fr_xmppout *xmpp;	/* for XMPP federation listeners */
};

static void
staged_free(struct staged *st)
{
	size_t i;

	for (i = 0; i < st->nlisteners; i++)
		if (st->listeners[i] != NULL) {
			/* A socket borrowed from a running listener stays
			 * with it. */
			if (st->reuse[i] != NULL)
				st->listeners[i]->fd = -1;
			fr_listener_unref(st->listeners[i]);
		}
	for (i = 0; i < st->npools; i++)
		fr_pool_unref(st->pools[i]);
	for (i = 0; i < st->nnodes; i++) {
		if (st->kept[i])
			fr_node_settings_free(st->set[i]);
		else
			fr_node_unref(st->nodes[i]);
	}
	fr_sipproxy_delete(st->proxy);
	fr_xmppout_delete(st->xmpp);
	fr_routing_delete(st->rt);
	free(st->listeners);
	free(st->reuse);
	free(st->pools);
	free(st->nodes);
	free(st->set);
	free(st->kept);
}

static struct fr_node *
find_node(const struct fr_edge *e, const struct fr_node_conf *nc)
{
	size_t i;

	for (i = 0; i < e->nnodes; i++)
		if (fr_node_same(e->nodes[i], nc))
			return e->nodes[i];
	return NULL;
}

static struct fr_listener *
find_listener(const struct fr_edge *e, const struct fr_sockaddr *a)
{
	struct fr_listener *l;

	TAILQ_FOREACH(l, &e->listeners, entry)
		if (l->fd >= 0 && fr_addr_equal(&l->addr, a))
			return l;
	return NULL;
}

static int
prepare(struct fr_edge *e, const struct fr_edge_conf *conf,
    struct staged *st, char *err, size_t errlen)
{
	struct fr_node *members[FR_POOL_MAX_NODES];
	size_t i, j, pool;

	memset(st, 0, sizeof(*st));
	st->nodes = calloc(conf->nnodes + 1, sizeof(*st->nodes));
	st->set = calloc(conf->nnodes + 1, sizeof(*st->set));
	st->kept = calloc(conf->nnodes + 1, sizeof(*st->kept));
	st->pools = calloc(conf->npools + conf->nlisteners + 1,
	    sizeof(*st->pools));
	st->listeners = calloc(conf->nlisteners + 1, sizeof(*st->listeners));
	st->reuse = calloc(conf->nlisteners + 1, sizeof(*st->reuse));
	if (st->nodes == NULL || st->set == NULL || st->kept == NULL ||
	    st->pools == NULL || st->listeners == NULL || st->reuse == NULL)
		goto oom;

	for (i = 0; i < conf->nnodes; i++) {
		const struct fr_node_conf *nc = &conf->nodes[i];
		struct fr_node_settings *set;
		struct fr_node *old = find_node(e, nc);

		if ((set = fr_node_settings_new(nc, err, errlen)) == NULL)
			return -1;
		if (old != NULL) {
			st->nodes[i] = old;
			st->set[i] = set;
			st->kept[i] = true;
		} else if ((st->nodes[i] = fr_node_create(nc, set)) == NULL) {
			fr_node_settings_free(set);
			goto oom;
		}
		st->nnodes = i + 1;
	}

	for (i = 0; i < conf->npools; i++) {
		const struct fr_pool_conf *pc = &conf->pools[i];

		for (j = 0; j < pc->members.n; j++)
			members[j] = st->nodes[pc->member_idx[j]];
		if ((st->pools[i] = fr_pool_create(pc->name, pc->balance,
		    members, pc->members.n)) == NULL)
			goto oom;
		st->npools = st->nnamed = i + 1;
	}

	for (i = 0; i < conf->nlisteners; i++) {
		const struct fr_listener_conf *lc = &conf->listeners[i];
		struct fr_listener *old = find_listener(e, &lc->addr);
		SSL_CTX *tls = NULL;
		int fd = -1;

		if (lc->federation) {
			/* Routed by the proxy: no pool. */
			pool = SIZE_MAX;
		} else if (lc->node != NULL) {
			struct fr_node *n = st->nodes[lc->target_idx];

			pool = st->npools;
			if ((st->pools[pool] = fr_pool_for_node(n)) == NULL)
				goto oom;
			st->npools++;
		} else {
			pool = lc->target_idx;
		}
		if (lc->tls && (tls = fr_tls_server_ctx_new(&lc->tls_conf, err,
		    errlen)) == NULL) {
			char why[512], name[FR_ADDRSTRLEN];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "listener %s: %s", lc->name != NULL ?
			    lc->name : fr_addr_str(&lc->addr, name,
			    sizeof(name)), why);
			return -1;
		}
		if (old != NULL)
			fd = old->fd;
		st->listeners[i] = fr_listener_create(e, lc, pool == SIZE_MAX ?
		    NULL : st->pools[pool], tls, fd, conf->set.reuseport, err,
		    errlen);
		if (st->listeners[i] == NULL) {
			SSL_CTX_free(tls);
			return -1;
		}
		st->reuse[i] = old;
		st->nlisteners = i + 1;
	}
	/* Routing, for protocol: sip and xmpp listeners: the allow list,
	 * static routes and the resolver, shared by the SIP proxy, the XMPP
	 * streams of the nodes and the inbound XMPP check.  A new one for
	 * each configuration (its resolver starts with an empty cache). */
	for (i = 0; i < conf->nlisteners; i++)
		if (conf->listeners[i].proto != FR_PROTO_TCP)
			break;
	if (i < conf->nlisteners &&
	    (st->rt = fr_routing_create(e->loop, conf, err, errlen)) == NULL)
		return -1;
	if (st->rt != NULL)
		fr_routing_set_stats(st->rt, &e->stats);
	/* The SIP proxy, for protocol: sip listeners. */
	for (i = 0; i < conf->nlisteners; i++)
		if (conf->listeners[i].proto == FR_PROTO_SIP)
			break;
	if (i < conf->nlisteners && e->proxy == NULL &&
	    (st->proxy = fr_sipproxy_create(e, conf, st->rt, err,
	    errlen)) == NULL)
		return -1;
	/* The nodes' XMPP streams. */
	for (i = 0; i < conf->nlisteners; i++)
		if (conf->listeners[i].federation &&
		    conf->listeners[i].proto == FR_PROTO_XMPP)
			break;
	if (i < conf->nlisteners && e->xmpp == NULL &&
	    (st->xmpp = fr_xmppout_create(e, conf, st->rt, err,
	    errlen)) == NULL)
		return -1;
	/* Running ones take the new settings last: nothing after this
	 * can fail. */
	if (e->proxy != NULL && st->rt != NULL &&
	    fr_sipproxy_reload(e->proxy, conf, st->rt, err, errlen) != 0)
		return -1;
	if (e->xmpp != NULL && st->rt != NULL &&
	    fr_xmppout_reload(e->xmpp, conf, st->rt, err, errlen) != 0)
		return -1;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static bool
same_check(const struct fr_check_conf *a, const struct fr_check_conf *b)
{
	return a->kind == b->kind && a->interval_ms == b->interval_ms &&
	    a->timeout_ms == b->timeout_ms && a->rise == b->rise &&
	    a->fall == b->fall && a->alive.lo == b->alive.lo &&
	    a->alive.hi == b->alive.hi;
}

/*
 * Check n as its settings say.  fresh: a new node, whose first check
 * decides; a kept node keeps its state until rise or fall says
 * otherwise.
 */
static void
start_checker(struct fr_edge *e, struct fr_node *n, bool fresh)
{
	fr_checker_stop(n->checker);
	n->checker = NULL;
	n->followed = false;
	if (n->set->check.kind != FR_CHECK_NONE && e->set.verdicts != NULL &&
	    e->set.follow) {
		/* Another worker checks it; follow_cb reads its verdicts. */
		n->followed = true;
		if (fresh)
			n->follow_decided = false;
		return;
	}
	if (n->set->check.kind != FR_CHECK_NONE) {
		n->checker = fr_checker_start(e, n, fresh);
		return;
	}
	if (!n->up) {
		n->up = true;
		fr_log(LOG_NOTICE, "node %s is up (check: none)", n->name);
		fr_edge_node_changed(e, n);
	}
}

/*
 * Workers with a per-source limit: each client IP to one worker, so the
 * limit each counts holds for all of them.  Without a limit the kernel
 * spreads connection by connection: one busy foreign server then uses
 * every worker.  Set again at each reload, which may change either.
 */
static void
steer_listeners(struct fr_edge *e)
{
	unsigned groups = e->set.reuseport && e->set.max_per_source > 0 ?
	    e->set.workers : 0;
	struct fr_listener *l;

	TAILQ_FOREACH(l, &e->listeners, entry)
		if (e->set.reuseport &&
		    fr_listener_steer_by_source(l, groups) != 0)
			fr_log(LOG_WARNING, "listener %s: cannot %s: %s; the "
			    "per-source limit then counts per worker", l->name,
			    groups > 1 ? "send each client address to one "
			    "worker" : "spread connections over the workers "
			    "again", strerror(errno));
}

/* Swap the staged configuration in.  Nothing here can fail. */
static void
commit(struct fr_edge *e, const struct fr_edge_conf *conf, struct staged *st)
{
	struct fr_listener *l, *next;
	size_t i, j;
	bool recheck;

	/* Nodes: kept ones take their new settings (and a new checker if
	 * their check changed); dropped ones retire, unchecked, and live
	 * on while sessions hold them. */
	for (i = 0; i < st->nnodes; i++)
		if (st->kept[i]) {
			recheck = !same_check(&st->nodes[i]->set->check,
			    &st->set[i]->check);
			fr_node_apply(st->nodes[i], st->set[i]);
			st->set[i] = NULL;
			fr_node_ref(st->nodes[i]);
			if (recheck)
				start_checker(e, st->nodes[i], false);
		}
	for (i = 0; i < e->nnodes; i++) {
		bool kept = false;

		for (j = 0; j < st->nnodes && !kept; j++)
			kept = st->nodes[j] == e->nodes[i];
		if (!kept) {
			e->nodes[i]->retired = true;
			fr_checker_stop(e->nodes[i]->checker);
			e->nodes[i]->checker = NULL;
		}
		fr_node_unref(e->nodes[i]);
	}
	free(e->nodes);
	e->nodes = st->nodes;
	e->nnodes = st->nnodes;
	st->nodes = NULL;
	st->nnodes = 0;

	for (i = 0; i < e->npools; i++)
		fr_pool_unref(e->pools[i]);
	free(e->pools);
	e->pools = st->pools;
	e->npools = st->npools;
	e->nnamed = st->nnamed;
	st->pools = NULL;
	st->npools = 0;

	/* New nodes are checked from now on (kept ones already are). */
	for (i = 0; i < e->nnodes; i++)
		if (!st->kept[i])
			start_checker(e, e->nodes[i], true);

	/* Listeners: a kept socket moves to its new listener; the others
	 * close.  Sessions keep the old objects alive as long as needed. */
	for (i = 0; i < st->nlisteners; i++)
		if (st->reuse[i] != NULL)
			(void)fr_listener_take_socket(st->reuse[i]);
	for (l = TAILQ_FIRST(&e->listeners); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		TAILQ_REMOVE(&e->listeners, l, entry);
		fr_listener_close(l);
		fr_listener_unref(l);
	}
	for (i = 0; i < st->nlisteners; i++) {
		TAILQ_INSERT_TAIL(&e->listeners, st->listeners[i], entry);
		if (!e->paused && !e->draining)
			fr_listener_start(st->listeners[i]);
	}
	st->nlisteners = 0;

	if (st->rt != NULL) {
		fr_routing_delete(e->rt);
		e->rt = st->rt;
		st->rt = NULL;
	}
	if (st->proxy != NULL) {
		e->proxy = st->proxy;
		st->proxy = NULL;
	}
	if (st->xmpp != NULL) {
		e->xmpp = st->xmpp;
		st->xmpp = NULL;
	}
	e->set = conf->set;
	steer_listeners(e);
	if (e->set.verdicts != NULL && !e->set.follow)
		fr_verdicts_retain(e->set.verdicts, e->nodes, e->nnodes);
	fr_bufpool_resize(e->bufs, e->set.buffer_size);
	/* A raised max-connections resumes accepting at once. */
	if (e->paused && e->nsessions < e->set.max_connections) {
		e->paused = false;
		TAILQ_FOREACH(l, &e->listeners, entry)
			fr_listener_start(l);
	}
}

int
fr_edge_reload(struct fr_edge *e, const struct fr_edge_conf *conf, char *err,
    size_t errlen)
{
	struct staged st;

	if (e->draining) {
		snprintf(err, errlen, "the edge is shutting down");
		return -1;
	}
	if (prepare(e, conf, &st, err, errlen) != 0) {
		staged_free(&st);
		return -1;
	}
	commit(e, conf, &st);
	staged_free(&st);
	return 0;
}

static void drain_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

static void
accept_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_edge *e = w->data;
	struct fr_listener *l;

	(void)loop;
	(void)revents;
	if (e->paused || e->draining)
		return;
	TAILQ_FOREACH(l, &e->listeners, entry)
		fr_listener_start(l);
}

static void follow_cb(struct ev_loop *loop, ev_timer *w, int revents);

struct fr_edge *
fr_edge_create(struct ev_loop *loop, const struct fr_edge_conf *conf,
    char *err, size_t errlen)
{
	struct fr_edge *e;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->loop = loop;
	e->set = conf->set;
	TAILQ_INIT(&e->listeners);
	TAILQ_INIT(&e->sessions);
	ev_timer_init(&e->accept_timer, accept_timer_cb, ACCEPT_PAUSE, 0.);
	e->accept_timer.data = e;
	ev_timer_init(&e->drain_timer, drain_timer_cb, 0., 0.);
	e->drain_timer.data = e;
	ev_timer_init(&e->follow_timer, follow_cb, FOLLOW_INTERVAL,
	    FOLLOW_INTERVAL);
	e->follow_timer.data = e;
	if (e->set.verdicts != NULL && e->set.follow)
		ev_timer_start(loop, &e->follow_timer);
	if ((e->bufs = fr_bufpool_create(conf->set.buffer_size)) == NULL ||
	    (e->sources = fr_srclimit_create()) == NULL) {
		snprintf(err, errlen, "out of memory");
		fr_edge_delete(e);
		return NULL;
	}
	if (fr_edge_reload(e, conf, err, errlen) != 0) {
		fr_edge_delete(e);
		return NULL;
	}
	return e;
}

void
fr_edge_session_opened(struct fr_edge *e)
{
	struct fr_listener *l;

	if (++e->nsessions < e->set.max_connections || e->paused)
		return;
	/* New clients wait in the kernel's listen queue. */
	e->paused = true;
	TAILQ_FOREACH(l, &e->listeners, entry)
		fr_listener_stop(l);
	fr_log(LOG_WARNING, "%u connections (max-connections): not "
	    "accepting until one ends", e->nsessions);
}

void
fr_edge_session_closed(struct fr_edge *e)
{
	struct fr_listener *l;

	e->nsessions--;
	if (e->paused && e->nsessions < e->set.max_connections &&
	    !e->draining) {
		e->paused = false;
		if (!ev_is_active(&e->accept_timer))
			TAILQ_FOREACH(l, &e->listeners, entry)
				fr_listener_start(l);
	}
	if (e->draining && e->nsessions == 0 && e->drained != NULL) {
		fr_edge_drained_fn *done = e->drained;

		e->drained = NULL;
		ev_timer_stop(e->loop, &e->drain_timer);
		done(e->drained_arg);
	}
}

void
fr_edge_node_changed(struct fr_edge *e, struct fr_node *n)
{
	char reason[FR_NAME_MAX + 64];
	size_t i, j, up;

	for (i = 0; i < e->nnamed; i++) {
		struct fr_pool *p = e->pools[i];

		for (j = 0; j < fr_pool_size(p); j++)
			if (fr_pool_node(p, j) == n)
				break;
		if (j == fr_pool_size(p))
			continue;
		up = fr_pool_up(p);
		if (!n->up && up == 0)
			fr_log(LOG_WARNING, "pool %s: no node is up; its "
			    "connections are refused", fr_pool_name(p));
		else if (n->up && up == 1)
			fr_log(LOG_NOTICE, "pool %s: a node is up again",
			    fr_pool_name(p));
	}
	if (!n->up && n->set->on_down == FR_ON_DOWN_CLOSE &&
	    !TAILQ_EMPTY(&n->sessions)) {
		snprintf(reason, sizeof(reason), "node %s went down (on-down: "
		    "close)", n->name);
		fr_session_close_node(n, reason);
	}
}

void
fr_edge_accept_failed(struct fr_edge *e)
{
	struct fr_listener *l;

	TAILQ_FOREACH(l, &e->listeners, entry)
		fr_listener_stop(l);
	if (!ev_is_active(&e->accept_timer)) {
		ev_timer_set(&e->accept_timer, ACCEPT_PAUSE, 0.);
		ev_timer_start(e->loop, &e->accept_timer);
	}
}

static void
drain_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_edge *e = w->data;

	(void)loop;
	(void)revents;
	fr_log(LOG_NOTICE, "drain-timeout: closing %u connections",
	    e->nsessions);
	fr_session_close_all(e, "shutdown: drain-timeout reached");
	if (e->proxy != NULL)
		fr_sipproxy_close_all(e->proxy, "shutdown: drain-timeout "
		    "reached");
	if (e->xmpp != NULL)
		fr_xmppout_close_all(e->xmpp, "shutdown: drain-timeout "
		    "reached");
}

static void
drained_now(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_edge *e = w->data;
	fr_edge_drained_fn *done = e->drained;

	(void)loop;
	(void)revents;
	e->drained = NULL;
	if (done != NULL)
		done(e->drained_arg);
}

void
fr_edge_drain(struct fr_edge *e, fr_edge_drained_fn *done, void *arg)
{
	struct fr_listener *l;
	size_t i;

	e->draining = true;
	e->drained = done;
	e->drained_arg = arg;
	ev_timer_stop(e->loop, &e->accept_timer);
	ev_timer_stop(e->loop, &e->follow_timer);
	for (i = 0; i < e->nnodes; i++) {
		fr_checker_stop(e->nodes[i]->checker);
		e->nodes[i]->checker = NULL;
	}
	TAILQ_FOREACH(l, &e->listeners, entry)
		fr_listener_close(l);
	fr_log(LOG_NOTICE, "not accepting any more; waiting up to %ums for "
	    "%u connections", e->set.drain_ms, e->nsessions);
	/* done() comes from the loop, never from inside this call. */
	ev_timer_stop(e->loop, &e->drain_timer);
	ev_set_cb(&e->drain_timer, e->nsessions == 0 ? drained_now :
	    drain_timer_cb);
	ev_timer_set(&e->drain_timer, e->nsessions == 0 ? 0. :
	    e->set.drain_ms / 1000., 0.);
	ev_timer_start(e->loop, &e->drain_timer);
}

static bool
all_decided(const struct fr_edge *e)
{
	size_t i;

	for (i = 0; i < e->nnodes; i++)
		if (!fr_node_decided(e->nodes[i]))
			return false;
	return true;
}

void
fr_edge_node_checked(struct fr_edge *e, struct fr_node *n)
{
	if (e->set.verdicts != NULL && !e->set.follow &&
	    !fr_verdicts_publish(e->set.verdicts, n))
		fr_log(LOG_WARNING, "node %s: the table of shared verdicts is "
		    "full; the other workers do not see this one", n->name);
}

/*
 * A worker that follows: take what the checking worker found, as it
 * would have found it itself (the first verdict decides, then each
 * change), with the same log lines.
 */
static void
follow_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_edge *e = w->data;
	char addr[FR_ADDRSTRLEN];
	size_t i;
	bool up;

	(void)loop;
	(void)revents;
	for (i = 0; i < e->nnodes; i++) {
		struct fr_node *n = e->nodes[i];
		bool first;

		if (!n->followed ||
		    !fr_verdicts_follow(e->set.verdicts, n, &up))
			continue;
		first = !n->follow_decided;
		if (!first && up == n->up)
			continue;
		n->follow_decided = true;
		fr_addr_str(&n->addr, addr, sizeof(addr));
		fr_log(up ? (first ? LOG_INFO : LOG_NOTICE) : LOG_WARNING,
		    "node %s (%s) is %s%s%s (checked by worker 1)", n->name,
		    addr, up ? "up" : "down", up ? "" : ": ",
		    up ? "" : n->last_check.why);
		if (up != n->up) {
			n->up = up;
			fr_edge_node_changed(e, n);
		}
		if (first)
			fr_edge_node_decided(e);
	}
}

void
fr_edge_when_checked(struct fr_edge *e, fr_edge_checked_fn *done, void *arg)
{
	if (all_decided(e)) {
		e->checked = NULL;
		done(arg);
		return;
	}
	e->checked = done;
	e->checked_arg = arg;
}

void
fr_edge_node_decided(struct fr_edge *e)
{
	fr_edge_checked_fn *done = e->checked;

	if (done == NULL || !all_decided(e))
		return;
	e->checked = NULL;
	done(e->checked_arg);
}

unsigned
fr_edge_sessions(const struct fr_edge *e)
{
	return e->nsessions;
}

void
fr_edge_delete(struct fr_edge *e)
{
	struct fr_listener *l;
	size_t i;

	if (e == NULL)
		return;
	e->draining = true;
	e->drained = NULL;
	ev_timer_stop(e->loop, &e->follow_timer);
	ev_timer_stop(e->loop, &e->accept_timer);
	ev_timer_stop(e->loop, &e->drain_timer);
	fr_session_close_all(e, "shutdown");
	fr_sipproxy_delete(e->proxy);
	fr_xmppout_delete(e->xmpp);
	fr_routing_delete(e->rt);
	while ((l = TAILQ_FIRST(&e->listeners)) != NULL) {
		TAILQ_REMOVE(&e->listeners, l, entry);
		fr_listener_unref(l);
	}
	for (i = 0; i < e->npools; i++)
		fr_pool_unref(e->pools[i]);
	free(e->pools);
	for (i = 0; i < e->nnodes; i++) {
		e->nodes[i]->retired = true;
		fr_checker_stop(e->nodes[i]->checker);
		e->nodes[i]->checker = NULL;
		fr_node_unref(e->nodes[i]);
	}
	free(e->nodes);
	fr_srclimit_delete(e->sources);
	fr_bufpool_delete(e->bufs);
	fr_stats_unshare(&e->stats);
	free(e);
}

const struct fr_edge_stats *
fr_edge_stats(const struct fr_edge *e)
{
	return &e->stats;
}

int
fr_edge_share_stats(struct fr_edge *e, struct fr_stats_board *board,
    unsigned slot)
{
	return fr_stats_share(&e->stats, e->loop, board, slot);
}
