/*
 * resolver.h -- libfedresolve: find a foreign domain's servers the way
 * RFC 3263 (SIP), Microsoft federation and RFC 6120 + XEP-0368 (XMPP
 * s2s) say, asynchronously on a libev loop through libunbound.
 *
 * The answer is a plan (plan.h): the targets in the order they are to
 * be tried, with the trace of every DNS question and findings.
 *
 * Threading: a resolver and its requests belong to the loop they were
 * created on; call everything from that loop's thread.
 */
#ifndef FR_RESOLVER_H
#define FR_RESOLVER_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include "plan.h"
#include "ubev.h"

#define FR_DEFAULT_TIMEOUT_MS 5000

struct fr_resolver_conf {
	struct fr_ubev_conf upstream;	/* forwarders, local zones, anchor */
	unsigned timeout_ms;		/* per DNS question; 0: default */
	bool seeded;			/* draw RFC 2782 order from seed ... */
	uint64_t seed;			/* ... else from the kernel */
};

struct fr_query {
	const char *input;		/* domain, or sip:/sips:/xmpp: URI */
	enum fr_profile profile;	/* for a bare domain ... */
	bool profile_forced;		/* ... or always, overriding scheme */
	unsigned transports;		/* FR_TRANSPORT_BIT set; 0: all */
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
 * Synchronous wrapper for the command line: runs the resolver's loop
 * until the plan is ready.  NULL with err set on a malformed query or
 * when memory ran out.
 */
struct fr_plan *fr_resolve_sync(struct fr_resolver *res,
    const struct fr_query *query, char *err, size_t errlen);

#endif /* FR_RESOLVER_H */
