/*
 * resolver.h -- libfedresolve: find a foreign domain's servers the way
 * RFC 3263 (SIP), Microsoft federation and RFC 6120 + XEP-0368 (XMPP
 * s2s) say, asynchronously on a libev loop through libunbound.
 *
 * The answer is a plan (plan.h): the targets in the order they are to
 * be tried, with the trace of every DNS question and findings.
 *
 * Work is bounded: targets, addresses and questions in flight per
 * resolution, and resolutions at once (see struct fr_resolver_conf).
 * A request beyond every bound gets a plan at once that says so
 * (result servfail, finding RESOLVER_BUSY) and is never queued.
 *
 * Plans are shared: a resolution's plan is kept once (in the cache,
 * reference-counted) and each request receives a small view of it in
 * its own order (plan.h); the caller frees it with fr_plan_free().
 *
 * Resolved chains are cached (cache.h) with their TTLs, negative
 * answers per RFC 2308, stale data served when DNS fails (RFC 8767) and
 * renewed ahead of expiry when asked for late in their life.  Requests
 * for the same query while it resolves share one resolution, each
 * waiter getting its own RFC 2782 draw.  Destination health (health.h),
 * reported by the router, moves down addresses and targets last.
 *
 * Threading: a resolver and its requests belong to the loop they were
 * created on; call everything from that loop's thread.
 */
#ifndef FR_RESOLVER_H
#define FR_RESOLVER_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include "cache.h"
#include "health.h"
#include "plan.h"
#include "ubev.h"

#define FR_DEFAULT_TIMEOUT_MS 5000
/* Resolutions (chains) running at once, and requests for new ones that
 * may wait for a slot; beyond both a request is refused at once with a
 * RESOLVER_BUSY plan (result servfail).  Unbound's num-queries-per-thread
 * (1024) is the model: a flood of names must not become a flood of
 * DNS questions. */
#define FR_DEFAULT_MAX_RESOLUTIONS	128
#define FR_DEFAULT_MAX_QUEUED		1024
#define FR_DEFAULT_MAX_INFLIGHT		16	/* questions per chain */

/* Seconds on some monotonic scale; the cache and health tables use it. */
typedef double fr_clock_fn(void *arg);

struct fr_resolver_conf {
	struct fr_ubev_conf upstream;	/* forwarders, local zones, anchor */
	unsigned timeout_ms;		/* per DNS question; 0: default */
	bool seeded;			/* draw RFC 2782 order from seed ... */
	uint64_t seed;			/* ... else from the kernel */
	const struct fr_cache_conf *cache;	/* NULL: defaults */
	const struct fr_health_conf *health;	/* NULL: defaults */
	fr_clock_fn *clock;		/* NULL: the loop's time (ev_now) */
	void *clock_arg;
	/* Bounds; 0: the default (plan.h, above); clamped to
	 * FR_PLAN_MAX_TARGETS where that applies. */
	unsigned max_targets;		/* targets and SRV names per plan */
	unsigned max_addrs;		/* addresses per target */
	unsigned max_inflight;		/* DNS questions in flight per chain */
	unsigned max_resolutions;	/* chains running at once */
	unsigned max_queued;		/* resolutions waiting for a slot */
};

struct fr_query {
	const char *input;		/* domain, or sip:/sips:/xmpp: URI */
	enum fr_profile profile;	/* for a bare domain ... */
	bool profile_forced;		/* ... or always, overriding scheme */
	unsigned transports;		/* FR_TRANSPORT_BIT set; 0: all */
	const char *affinity;		/* same key, same order; NULL: none */
};

struct fr_resolver;
struct fr_resolve_req;

/*
 * Called once per request that was not cancelled, from the loop (never
 * from inside fr_resolve()).  The callee owns the plan (fr_plan_free).
 * plan is NULL only if memory ran out.  The request handle is invalid
 * once the callback runs.
 */
typedef void fr_resolve_cb(void *arg, struct fr_plan *plan);

/* NULL on failure, with the reason in err. */
struct fr_resolver *fr_resolver_create(struct ev_loop *loop,
    const struct fr_resolver_conf *conf, char *err, size_t errlen);
/* Cancels outstanding requests (no callbacks).  NULL is fine.  Do not
 * call it from inside a resolve callback of the same resolver's
 * libunbound processing; from a callback is fine (they run on the loop). */
void fr_resolver_delete(struct fr_resolver *res);

/*
 * Start resolving.  Returns 0 and (if reqp) a handle for cancelling, or
 * -1 with a message in err when the query is malformed or memory ran
 * out; then no callback will come.
 */
int fr_resolve(struct fr_resolver *res, const struct fr_query *query,
    fr_resolve_cb *cb, void *arg, struct fr_resolve_req **reqp,
    char *err, size_t errlen);
/* Cancel; the callback will not be called.  NULL is fine. */
void fr_resolve_cancel(struct fr_resolve_req *req);

/*
 * Fast path for the router: if the query can be answered from the cache
 * right now (fresh, or stale while DNS is failing), make its plan and
 * return 1; return 0 when it cannot (then call fr_resolve), and -1 with
 * err set for a malformed query or when memory ran out.  May start a
 * background renewal.
 */
int fr_resolve_cached(struct fr_resolver *res, const struct fr_query *query,
    struct fr_plan **planp, char *err, size_t errlen);

/* The destination health table, for the router to report into. */
struct fr_health *fr_resolver_health(struct fr_resolver *res);
/* The resolver's clock (seconds), for health reports. */
double fr_resolver_now(struct fr_resolver *res);
/* Cache counters. */
const struct fr_cache_stats *fr_resolver_cache_stats(struct fr_resolver *res);
/* The cache itself, for reports and flushes (fr_cache_each,
 * fr_cache_flush); resolutions in flight store into it as they end. */
struct fr_cache *fr_resolver_cache(struct fr_resolver *res);

/* Load: resolutions running and waiting, requests refused as busy, and
 * the DNS questions (asked, in flight now, most in flight at once). */
struct fr_resolver_load {
	unsigned running;
	unsigned waiting;
	uint64_t refused;
	uint64_t questions;
	size_t questions_inflight;
	size_t questions_peak;
};
void fr_resolver_load(struct fr_resolver *res, struct fr_resolver_load *out);

/*
 * Synchronous wrapper for the command line: runs the resolver's loop
 * until the plan is ready.  NULL with err set on a malformed query or
 * when memory ran out.
 */
struct fr_plan *fr_resolve_sync(struct fr_resolver *res,
    const struct fr_query *query, char *err, size_t errlen);

#endif /* FR_RESOLVER_H */
