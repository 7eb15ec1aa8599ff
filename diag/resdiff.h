/*
 * resdiff.h -- ask each --resolver alone and show where they disagree.
 *
 * Split DNS is a top cause of failed federation: the DMZ resolver and
 * the public one give different answers, and the router, which may ask
 * either, fails now and then.  With two resolvers or more, the same
 * query is resolved once per resolver, all at once, each with a
 * resolver of its own (same zones, anchor, timeout and seed), and the
 * plans are compared on:
 *
 *   result                     ok / nxdomain / servfail / ...
 *   every DNS question asked   its status and number of records
 *   every target               host:port/transport -> its addresses
 *
 * TTLs and timings are not compared: caches make them differ anyway.
 * Differences become one RESOLVERS_DISAGREE finding: an error when the
 * results differ (some resolver gives no route, or fails), a warning
 * when only records do.
 */
#ifndef FR_RESDIFF_H
#define FR_RESDIFF_H

#include <stddef.h>

#include <ev.h>

#include "diag.h"
#include "plan.h"
#include "resolver.h"

/* What one resolver answered. */
struct fr_resdiff_view {
	const char *server;		/* the --resolver, as given */
	struct fr_plan *plan;		/* NULL if the query failed */
	char error[256];		/* ... and why */
};

/* One point of disagreement: a subject and one value per view. */
struct fr_resdiff_item {
	char subject[FR_DNAME_MAX + 32];	/* "result", "SRV _sips._tcp.x",
						 * "target h:5061/tls" */
	char **values;			/* nviews strings, owned */
};

struct fr_resdiff {
	struct fr_resdiff_view *views;
	size_t nviews;
	struct fr_resdiff_item *items;
	size_t nitems;
};

/*
 * Resolve query once per forwarder of base->upstream and compare.  Does
 * nothing (returns 0) with fewer than two forwarders.  Runs loop until
 * every plan is in.  Returns 0, or -1 with err set when the comparison
 * could not be made (no memory); out must be zeroed first.
 */
int fr_resdiff_run(struct ev_loop *loop, const struct fr_resolver_conf *base,
    const struct fr_query *query, struct fr_resdiff *out,
    struct fr_diag *diag, char *err, size_t errlen);
void fr_resdiff_clear(struct fr_resdiff *rd);

#endif /* FR_RESDIFF_H */
