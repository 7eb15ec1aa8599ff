/*
 * chain.h -- resolve one query into a canonical plan (internal to the
 * resolver).
 *
 * The plan's targets come grouped by fr_target.group, groups in the
 * order they are tried, each group's records in a fixed order: the
 * caller draws the RFC 2782 order per request (resolver.c).  Targets
 * without an address are left out (and reported); the result, trace
 * and findings are final.
 *
 * Work is bounded (env): at most max_targets SRV names and targets
 * (records beyond it are cut in a fixed order: best NAPTR order and
 * SRV priority first), max_addrs addresses per target, and at most
 * max_inflight questions in flight at once (the rest wait in line), so
 * one chain asks at most 1 + 3 * max_targets questions in all.  Each cut
 * is a PLAN_TRUNCATED finding saying what was cut.
 */
#ifndef FR_CHAIN_H
#define FR_CHAIN_H

#include <ev.h>

#include "plan.h"
#include "ubev.h"
#include "sipuri.h"

/* What every chain of one resolver shares; outlives its chains. */
struct fr_chain_env {
	struct ev_loop *loop;
	struct fr_ubev *ub;
	unsigned timeout_ms;		/* per DNS question */
	char **zones;			/* local zone origins (source "zone") */
	size_t nzones;
	/* Bounds (plan.h), all > 0: targets and SRV names per plan,
	 * addresses per target, questions in flight per chain. */
	unsigned max_targets;
	unsigned max_addrs;
	unsigned max_inflight;
};

struct fr_chain;

/* Called once, from the loop; the callee owns plan (NULL: no memory). */
typedef void fr_chain_done_cb(void *arg, struct fr_plan *plan);

/*
 * Start resolving uri under profile, allowing the transports in the bit
 * set (already restricted by profile and sips).  NULL if memory ran out
 * (then no callback).
 */
struct fr_chain *fr_chain_start(const struct fr_chain_env *env,
    const struct fr_uri *uri, enum fr_profile profile, unsigned transports,
    const char *input, fr_chain_done_cb *cb, void *arg);
/* Stop; the callback will not be called.  NULL is fine. */
void fr_chain_cancel(struct fr_chain *chain);

#endif /* FR_CHAIN_H */
