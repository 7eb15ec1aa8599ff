/*
 * routing.h -- where a request or a stream for a foreign domain goes.
 *
 * One decision, the same for the daemon and for `fedroute route`:
 *
 *   1. the allow list: a domain: section that names the domain (an
 *      exact name before the longest matching *.suffix), or, with
 *      federation policy: open, any domain; and the domain must
 *      federate by the service asked (sip/ms-fed for SIP, xmpp-s2s);
 *   2. an override route: for the domain, used instead of DNS;
 *   3. the resolver's plan (profile from the domain: section; for SIP,
 *      ms-fed is asked after sip when both are listed and sip finds
 *      nothing), limited to the transports the domain allows;
 *   4. a fallback route, when DNS finds nothing usable;
 *   5. else no route, with the reason (NXDOMAIN, SERVFAIL, ...).
 *
 * Route next hops that are names are resolved to addresses (A/AAAA on
 * the route's port) through the same resolver and cache.
 *
 * A struct fr_routing holds a copy of the routing part of an edge
 * configuration and the resolver it asks; it belongs to the loop it was
 * created on.  Results are plain data owned by the caller.
 */
#ifndef FR_ROUTING_H
#define FR_ROUTING_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "edgeconf.h"
#include "plan.h"
#include "resolver.h"

enum fr_service {
	FR_SERVICE_SIP,
	FR_SERVICE_XMPP,
};

enum fr_decision {
	FR_DECISION_REFUSED,	/* not allowed by the allow list */
	FR_DECISION_OVERRIDE,	/* override route(s) */
	FR_DECISION_DNS,	/* the resolver's plan */
	FR_DECISION_FALLBACK,	/* DNS found nothing; fallback route(s) */
	FR_DECISION_NONE,	/* allowed, but no route */
	FR_DECISION_HOP,	/* the request names its next hop (a Route,
				   an in-dialog remote target): resolved as
				   RFC 3263 says, static routes aside */
};

/* One place to try, in the order the router tries them. */
struct fr_route_target {
	char host[FR_DNAME_MAX];	/* name or literal address */
	uint16_t port;
	enum fr_transport transport;
	struct fr_address *addrs;	/* in try order */
	size_t naddrs;
	int route_line;			/* route: section it came from;
					   0 for DNS */
	bool down;			/* every address marked down */
};

struct fr_route_result {
	enum fr_decision decision;
	enum fr_service service;
	char domain[FR_DNAME_MAX];	/* the domain asked, normalised */
	/* The allow list's verdict: the domain: section that allowed (or
	 * refused) it, or 0 when the policy decided. */
	int domain_line;
	char domain_name[FR_DNAME_MAX];	/* its name: (pattern) */
	unsigned transports;		/* FR_TRANSPORT_BIT()s allowed */
	enum fr_profile profile;	/* asked of DNS (DNS, FALLBACK, NONE) */
	/* Why: refused / none: the reason; fallback: why DNS did not do.
	 * Text from DNS is already checked (domain names only). */
	char why[256];
	struct fr_route_target *targets;
	size_t ntargets;
	/* The DNS plan behind DNS, FALLBACK and NONE (its trace and
	 * findings explain it); NULL otherwise. */
	struct fr_plan *plan;
};

struct fr_routing;
struct fr_routing_req;

/*
 * Build from conf's federation, domains, routes and resolver settings.
 * The resolver is created here and asked by every decision (its cache
 * and destination health are shared).  NULL with the reason in err.
 */
struct fr_routing *fr_routing_create(struct ev_loop *loop,
    const struct fr_edge_conf *conf, char *err, size_t errlen);
/* Another owner (the SIP proxy and the XMPP side share the edge's). */
void fr_routing_ref(struct fr_routing *rt);
/* The owner lets go.  Decisions in flight run to their callbacks on
 * what they started with; the last one frees it.  NULL is fine. */
void fr_routing_delete(struct fr_routing *rt);

struct fr_edge_stats;

/* Count decisions and resolutions in st (stats.h) from now on; NULL:
 * count nothing (the default: `fedroute route` has no edge). */
void fr_routing_set_stats(struct fr_routing *rt, struct fr_edge_stats *st);

/* The resolver, for health reports (fr_resolver_health). */
struct fr_resolver *fr_routing_resolver(struct fr_routing *rt);

/*
 * The allow list alone: the domain: section for domain (exact name,
 * else the longest *.suffix that matches), or NULL.  The pointer stays
 * valid while rt lives.
 */
const struct fr_domain_conf *fr_routing_domain(const struct fr_routing *rt,
    const char *domain);

/* True with federation policy: open (any domain may federate). */
bool fr_routing_open(const struct fr_routing *rt);

/* True if name matches pattern ("a.example", or "*.a.example" for the
 * strict subdomains of a.example); both lower case. */
bool fr_domain_match(const char *pattern, const char *name);

/*
 * Called once with the result (the callee owns it: fr_route_result_free),
 * from the loop, never from inside fr_routing_decide(); result is NULL
 * only when memory ran out.
 */
typedef void fr_routing_cb(void *arg, struct fr_route_result *result);

/*
 * Decide where a request for domain goes.  Returns 1 with *resultp set
 * when the answer is known now (refused, override to addresses, or
 * everything in the cache): no callback then.  Returns 0 when cb will
 * be called (and *reqp, if reqp is not NULL, can cancel it).  Returns
 * -1 with the reason in err for a malformed domain or when memory ran
 * out; no callback then.
 */
int fr_routing_decide(struct fr_routing *rt, const char *domain,
    enum fr_service service, fr_routing_cb *cb, void *arg,
    struct fr_route_result **resultp, struct fr_routing_req **reqp,
    char *err, size_t errlen);

/*
 * The same for a request that names its next hop: the allow list is
 * asked about domain (the foreign domain the request is for), then hop
 * (a sip: or sips: URI: "sip:192.0.2.7:5061;transport=tls",
 * "sip:edge.partner.example;lr") is resolved by RFC 3263 and is the
 * only route: FR_DECISION_HOP, or NONE when it cannot be resolved.
 */
int fr_routing_decide_hop(struct fr_routing *rt, const char *domain,
    const char *hop, enum fr_service service, fr_routing_cb *cb, void *arg,
    struct fr_route_result **resultp, struct fr_routing_req **reqp,
    char *err, size_t errlen);
/* Cancel; the callback will not be called.  NULL is fine. */
void fr_routing_cancel(struct fr_routing_req *req);

/* NULL is fine. */
void fr_route_result_free(struct fr_route_result *r);

/* "refused", "override", "dns", "fallback", "none", "hop". */
const char *fr_decision_name(enum fr_decision d);

#endif /* FR_ROUTING_H */
