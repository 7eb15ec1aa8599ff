/*
 * routing.c -- the allow list, static routes and the resolver, decided
 * in one place (routing.h says in which order, and why).
 *
 * A decision is a small state machine: the allow list and the choice of
 * routes are known at once; what is left is resolving, either the
 * domain (DNS) or the names of the routes' next hops.  Each of those
 * tries the resolver's cache first, so a domain the edge has seen lately
 * is decided without a callback.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "routing.h"
#include "stats.h"
#include "sipuri.h"
#include "strlist.h"

/* Most routes one decision uses (the highest-priority ones first). */
#define MAX_ROUTES 16

struct fr_routing {
	unsigned refs;			/* the owner's, and one per decision */
	struct ev_loop *loop;
	struct fr_resolver *res;
	enum fr_fed_policy policy;
	struct fr_domain_conf *domains;	/* copies */
	size_t ndomains;
	struct fr_route_conf *routes;	/* copies, by priority (stable) */
	size_t nroutes;
	struct fr_domain_conf open_domain;	/* policy open, no section */
	struct fr_edge_stats *stats;	/* NULL: not counted */
};

/* One resolution a decision waits for: the domain, or a next hop. */
struct pending {
	struct fr_routing_req *req;
	struct fr_resolve_req *rreq;
	struct fr_plan *plan;		/* its answer */
	bool done;
	ev_tstamp started;		/* asked of DNS (not the cache) */
};

struct fr_routing_req {
	struct fr_routing *rt;
	fr_routing_cb *cb;
	void *arg;
	struct fr_route_result *res;
	enum { STAGE_DNS, STAGE_MSFED, STAGE_ROUTES, STAGE_HOP } stage;
	const struct fr_domain_conf *dom;
	const struct fr_route_conf *routes[MAX_ROUTES];
	size_t nroutes;
	enum fr_decision routes_decision;	/* OVERRIDE or FALLBACK */
	struct pending wait[MAX_ROUTES];	/* one per route, or [0]: DNS */
	size_t nwait, nleft;
	ev_idle finish;			/* answers known at once are still
					   delivered from the loop */
};

static void step(struct fr_routing_req *req);

/* ----------------------------------------------------------- results */

const char *
fr_decision_name(enum fr_decision d)
{
	static const char *const names[] = {
		[FR_DECISION_REFUSED] = "refused",
		[FR_DECISION_OVERRIDE] = "override",
		[FR_DECISION_DNS] = "dns",
		[FR_DECISION_FALLBACK] = "fallback",
		[FR_DECISION_NONE] = "none",
		[FR_DECISION_HOP] = "hop",
	};

	return names[d];
}

void
fr_route_result_free(struct fr_route_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ntargets; i++)
		free(r->targets[i].addrs);
	free(r->targets);
	fr_plan_free(r->plan);
	free(r);
}

static void
why(struct fr_route_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
why(struct fr_route_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

/* Append the plan's usable targets (those with addresses, allowed
 * transports) to the result.  0, or -1 when memory ran out. */
static int
add_targets(struct fr_route_result *r, const struct fr_plan *plan,
    int route_line)
{
	struct fr_route_target *t;
	size_t i;

	for (i = 0; i < plan->ntargets; i++) {
		const struct fr_target *pt = &plan->targets[i];

		if (pt->naddrs == 0 ||
		    !(r->transports & FR_TRANSPORT_BIT(pt->transport)))
			continue;
		t = realloc(r->targets, (r->ntargets + 1) * sizeof(*t));
		if (t == NULL)
			return -1;
		r->targets = t;
		t = &r->targets[r->ntargets];
		memset(t, 0, sizeof(*t));
		snprintf(t->host, sizeof(t->host), "%s", pt->host);
		t->port = pt->port;
		t->transport = pt->transport;
		t->route_line = route_line;
		t->down = pt->down;
		t->addrs = calloc(pt->naddrs, sizeof(*t->addrs));
		if (t->addrs == NULL)
			return -1;
		memcpy(t->addrs, pt->addrs, pt->naddrs * sizeof(*t->addrs));
		t->naddrs = pt->naddrs;
		r->ntargets++;
	}
	return 0;
}

/* ------------------------------------------------------ configuration */

bool
fr_domain_match(const char *pattern, const char *name)
{
	size_t plen, nlen;

	if (strncmp(pattern, "*.", 2) != 0)
		return strcmp(pattern, name) == 0;
	pattern += 1;			/* ".a.example" */
	plen = strlen(pattern);
	nlen = strlen(name);
	return nlen > plen && strcmp(name + nlen - plen, pattern) == 0;
}

/* How closely pattern fits: an exact name beats any wildcard, and a
 * longer suffix beats a shorter one.  0: it does not match. */
static size_t
match_rank(const char *pattern, const char *name)
{
	if (!fr_domain_match(pattern, name))
		return 0;
	return pattern[0] == '*' ? strlen(pattern) : (size_t)-1;
}

const struct fr_domain_conf *
fr_routing_domain(const struct fr_routing *rt, const char *domain)
{
	const struct fr_domain_conf *best = NULL;
	size_t i, rank, best_rank = 0;

	for (i = 0; i < rt->ndomains; i++) {
		rank = match_rank(rt->domains[i].name, domain);
		if (rank > best_rank) {
			best_rank = rank;
			best = &rt->domains[i];
		}
	}
	return best;
}

static int
copy_config(struct fr_routing *rt, const struct fr_edge_conf *conf)
{
	size_t i, j;

	rt->policy = conf->federation.policy;
	rt->open_domain.profiles = FR_FED_SIP | FR_FED_XMPP;
	rt->open_domain.transports = FR_TRANSPORT_BIT(FR_TRANSPORT_TLS);
	if (conf->ndomains > 0) {
		rt->domains = calloc(conf->ndomains, sizeof(*rt->domains));
		if (rt->domains == NULL)
			return -1;
	}
	for (i = 0; i < conf->ndomains; i++) {
		struct fr_domain_conf *d = &rt->domains[i];

		*d = conf->domains[i];
		d->name = NULL;
		memset(&d->peer_subjects, 0, sizeof(d->peer_subjects));
		rt->ndomains++;
		if ((d->name = strdup(conf->domains[i].name)) == NULL ||
		    fr_strlist_copy(&d->peer_subjects,
		    &conf->domains[i].peer_subjects) != 0)
			return -1;
	}
	if (conf->nroutes > 0) {
		rt->routes = calloc(conf->nroutes, sizeof(*rt->routes));
		if (rt->routes == NULL)
			return -1;
	}
	/* By priority, lowest first; equal priorities keep the file's
	 * order (insertion sort is stable, and route lists are short). */
	for (i = 0; i < conf->nroutes; i++) {
		const struct fr_route_conf *src = &conf->routes[i];

		for (j = rt->nroutes; j > 0 &&
		    rt->routes[j - 1].priority > src->priority; j--)
			rt->routes[j] = rt->routes[j - 1];
		rt->routes[j] = *src;
		rt->routes[j].domain = NULL;
		rt->routes[j].next_hop.host = NULL;
		rt->nroutes++;
		if ((rt->routes[j].domain = strdup(src->domain)) == NULL ||
		    (rt->routes[j].next_hop.host =
		    strdup(src->next_hop.host)) == NULL)
			return -1;
	}
	return 0;
}

static int
make_resolver(struct fr_routing *rt, const struct fr_resolver_settings *s,
    char *err, size_t errlen)
{
	struct fr_resolver_conf rc;
	struct fr_cache_conf cc;

	memset(&rc, 0, sizeof(rc));
	fr_cache_conf_defaults(&cc);
	if (s->cache_size != 0)
		cc.max_bytes = s->cache_size;
	rc.cache = &cc;
	rc.timeout_ms = s->timeout_ms;
	rc.upstream.forwarders = (const char *const *)s->forwarders.v;
	rc.upstream.nforwarders = s->forwarders.n;
	rc.upstream.zone_origins = (const char *const *)s->zone_origins.v;
	rc.upstream.zone_files = (const char *const *)s->zone_files.v;
	rc.upstream.nzones = s->zone_files.n;
	rc.upstream.trust_anchor_file = s->trust_anchor;
	rt->res = fr_resolver_create(rt->loop, &rc, err, errlen);
	return rt->res != NULL ? 0 : -1;
}

struct fr_routing *
fr_routing_create(struct ev_loop *loop, const struct fr_edge_conf *conf,
    char *err, size_t errlen)
{
	struct fr_routing *rt;

	if (conf->resolver.zone_origins.n != conf->resolver.zone_files.n) {
		snprintf(err, errlen, "resolver: zone files without their "
		    "origins (the configuration was not checked)");
		return NULL;
	}
	if ((rt = calloc(1, sizeof(*rt))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rt->refs = 1;
	rt->loop = loop;
	if (copy_config(rt, conf) != 0) {
		snprintf(err, errlen, "out of memory");
		fr_routing_delete(rt);
		return NULL;
	}
	if (make_resolver(rt, &conf->resolver, err, errlen) != 0) {
		fr_routing_delete(rt);
		return NULL;
	}
	return rt;
}

void
fr_routing_ref(struct fr_routing *rt)
{
	rt->refs++;
}

void
fr_routing_delete(struct fr_routing *rt)
{
	size_t i;

	if (rt == NULL || --rt->refs > 0)
		return;
	fr_resolver_delete(rt->res);
	for (i = 0; i < rt->ndomains; i++) {
		free(rt->domains[i].name);
		fr_strlist_free(&rt->domains[i].peer_subjects);
	}
	free(rt->domains);
	for (i = 0; i < rt->nroutes; i++) {
		free(rt->routes[i].domain);
		free(rt->routes[i].next_hop.host);
	}
	free(rt->routes);
	free(rt);
}

bool
fr_routing_open(const struct fr_routing *rt)
{
	return rt->policy == FR_POLICY_OPEN;
}

struct fr_resolver *
fr_routing_resolver(struct fr_routing *rt)
{
	return rt->res;
}

void
fr_routing_set_stats(struct fr_routing *rt, struct fr_edge_stats *st)
{
	rt->stats = st;
}

_Static_assert(FR_DECISION_HOP + 1 == FR_STATS_DECISIONS,
    "stats.h counts every enum fr_decision");

/* A decision is out: count it by source (override, dns, ...). */
static void
count_decision(const struct fr_routing *rt, const struct fr_route_result *r)
{
	if (rt->stats != NULL && r != NULL &&
	    (unsigned)r->decision < FR_STATS_DECISIONS)
		rt->stats->n.decisions[r->decision]++;
}

/* ----------------------------------------------------------- deciding */

/* The routes of mode for domain, best fitting pattern first within a
 * priority (they are already by priority). */
static size_t
find_routes(const struct fr_routing *rt, const char *domain,
    enum fr_route_mode mode, const struct fr_route_conf **out)
{
	size_t i, n = 0;

	for (i = 0; i < rt->nroutes && n < MAX_ROUTES; i++)
		if (rt->routes[i].mode == mode &&
		    fr_domain_match(rt->routes[i].domain, domain))
			out[n++] = &rt->routes[i];
	return n;
}

static void
request_free(struct fr_routing_req *req)
{
	size_t i;

	for (i = 0; i < req->nwait; i++) {
		fr_resolve_cancel(req->wait[i].rreq);
		fr_plan_free(req->wait[i].plan);
	}
	ev_idle_stop(req->rt->loop, &req->finish);
	fr_route_result_free(req->res);
	fr_routing_delete(req->rt);
	free(req);
}

void
fr_routing_cancel(struct fr_routing_req *req)
{
	if (req != NULL)
		request_free(req);
}

static void
deliver(struct fr_routing_req *req)
{
	struct fr_route_result *res = req->res;
	fr_routing_cb *cb = req->cb;
	void *arg = req->arg;

	req->res = NULL;
	count_decision(req->rt, res);
	request_free(req);
	cb(arg, res);
}

static void
finish_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	(void)loop;
	(void)revents;
	deliver(w->data);
}

static void
resolved(void *arg, struct fr_plan *plan)
{
	struct pending *w = arg;
	struct fr_routing_req *req = w->req;

	w->rreq = NULL;
	w->plan = plan;
	w->done = true;
	if (req->rt->stats != NULL)
		fr_hist_observe(&req->rt->stats->n.resolution,
		    ev_time() - w->started);
	if (--req->nleft == 0)
		step(req);
}

/*
 * Start resolving input with profile into w: from the cache at once if
 * it can (then w->done), else asynchronously.  0, or -1 with the reason
 * in the result when memory ran out or the query is malformed.
 */
static int
resolve(struct fr_routing_req *req, struct pending *w, const char *input,
    enum fr_profile profile)
{
	struct fr_query q;
	char err[256];
	int r;

	memset(&q, 0, sizeof(q));
	memset(w, 0, sizeof(*w));
	w->req = req;
	q.input = input;
	q.profile = profile;
	q.profile_forced = true;
	q.transports = req->res->transports;
	r = fr_resolve_cached(req->rt->res, &q, &w->plan, err, sizeof(err));
	if (r == 1) {
		w->done = true;
		return 0;
	}
	if (r == 0) {
		req->nleft++;
		w->started = ev_time();
		if (fr_resolve(req->rt->res, &q, resolved, w, &w->rreq, err,
		    sizeof(err)) == 0)
			return 0;
		req->nleft--;
	}
	why(req->res, "%s: %s", input, err);
	return -1;
}

/* Ask DNS for the domain with profile. */
static int
start_dns(struct fr_routing_req *req, enum fr_profile profile)
{
	req->res->profile = profile;
	req->nwait = 1;
	return resolve(req, &req->wait[0], req->res->domain, profile);
}

/*
 * A next hop that is an IP address needs no DNS: its one-target plan
 * is made here, so that a route to literals is decided at once.  0 with
 * w->done set for a literal, 0 with nothing done for a name, -1 when
 * memory ran out.
 */
static int
literal_hop(struct fr_routing_req *req, struct pending *w,
    const struct fr_route_conf *r)
{
	struct fr_target t;
	struct fr_address a;

	memset(w, 0, sizeof(*w));
	w->req = req;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, r->next_hop.host, &a.u.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, r->next_hop.host, &a.u.v6) == 1)
		a.family = AF_INET6;
	else
		return 0;
	memset(&t, 0, sizeof(t));
	t.host = r->next_hop.host;	/* copied by fr_plan_add_target */
	t.srv = "";
	t.cname = "";
	t.port = (uint16_t)r->next_hop.port;
	t.transport = r->transport;
	t.source = FR_SOURCE_LITERAL;
	t.addrs = &a;
	t.naddrs = 1;
	if ((w->plan = fr_plan_new(FR_PROFILE_SIP, r->next_hop.host)) == NULL ||
	    fr_plan_add_target(w->plan, &t) != 0) {
		why(req->res, "out of memory");
		return -1;
	}
	w->done = true;
	return 0;
}

/* Resolve the next hops of routes: literals at once, names by A/AAAA
 * on the route's port. */
static int
start_routes(struct fr_routing_req *req, enum fr_decision decision)
{
	char input[FR_DNAME_MAX + 64];
	enum fr_profile profile;
	size_t i;

	req->stage = STAGE_ROUTES;
	req->routes_decision = decision;
	req->nwait = 0;
	profile = req->res->service == FR_SERVICE_XMPP ?
	    FR_PROFILE_XMPP_S2S : FR_PROFILE_SIP;
	for (i = 0; i < req->nroutes; i++) {
		const struct fr_route_conf *r = req->routes[i];

		req->nwait = i + 1;
		if (literal_hop(req, &req->wait[i], r) != 0)
			return -1;
		if (req->wait[i].done)
			continue;
		/* An explicit port skips NAPTR and SRV: A/AAAA only. */
		snprintf(input, sizeof(input), strchr(r->next_hop.host, ':') ?
		    "sip:[%s]:%u;transport=%s" : "sip:%s:%u;transport=%s",
		    r->next_hop.host, r->next_hop.port,
		    fr_transport_name(r->transport));
		if (resolve(req, &req->wait[i], input, profile) != 0)
			return -1;
	}
	return 0;
}

static bool
plan_usable(const struct fr_route_result *r, const struct fr_plan *plan)
{
	size_t i;

	if (plan == NULL || plan->result != FR_RESULT_OK)
		return false;
	for (i = 0; i < plan->ntargets; i++)
		if (plan->targets[i].naddrs > 0 &&
		    (r->transports & FR_TRANSPORT_BIT(plan->targets[i].transport)))
			return true;
	return false;
}

/* Why a plan gives nothing usable, in words. */
static void
dns_failure(struct fr_route_result *r, const struct fr_plan *plan)
{
	if (plan == NULL)
		why(r, "no route to %s: out of memory", r->domain);
	else if (plan->result == FR_RESULT_OK)
		why(r, "no route to %s: no %s target with an address",
		    r->domain, r->transports == FR_TRANSPORT_BIT(FR_TRANSPORT_TLS) ?
		    "TLS" : "TLS or TCP");
	else
		why(r, "no route to %s: %s (%s)", r->domain,
		    fr_result_name(plan->result), fr_profile_name(plan->profile));
}

/* Take the plans of the routes' next hops, in route order. */
static void
take_routes(struct fr_routing_req *req)
{
	struct fr_route_result *r = req->res;
	size_t i;

	for (i = 0; i < req->nwait; i++) {
		if (req->wait[i].plan == NULL)
			continue;
		if (add_targets(r, req->wait[i].plan,
		    req->routes[i]->line) != 0) {
			why(r, "out of memory");
			break;
		}
	}
	if (r->ntargets > 0) {
		r->decision = req->routes_decision;
		return;
	}
	/* Routes that lead nowhere are no route at all: say why, keeping
	 * what DNS said first for a fallback. */
	if (req->routes_decision == FR_DECISION_FALLBACK) {
		size_t n = strlen(r->why);

		snprintf(r->why + n, sizeof(r->why) - n, "; fallback route "
		    "(line %d): %s has no address", req->routes[0]->line,
		    req->routes[0]->next_hop.host);
	} else {
		why(r, "override route (line %d): %s has no address",
		    req->routes[0]->line, req->routes[0]->next_hop.host);
	}
	r->decision = FR_DECISION_NONE;
}

static void
free_waits(struct fr_routing_req *req)
{
	size_t i;

	for (i = 0; i < req->nwait; i++)
		fr_plan_free(req->wait[i].plan);
	memset(req->wait, 0, sizeof(req->wait));
	req->nwait = 0;
}

/*
 * Move the decision on after every pending resolution answered.  Ends
 * by delivering the result, or by starting resolutions (which come back
 * here, at once when cached).
 */
static void
step(struct fr_routing_req *req)
{
	struct fr_route_result *r = req->res;
	struct fr_plan *plan;

	for (;;) {
		if (req->nleft > 0)
			return;
		switch (req->stage) {
		case STAGE_DNS:
		case STAGE_MSFED:
			plan = req->wait[0].plan;
			req->wait[0].plan = NULL;
			req->nwait = 0;
			if (plan_usable(r, plan)) {
				fr_plan_free(r->plan);
				r->plan = plan;
				if (add_targets(r, plan, 0) != 0) {
					why(r, "out of memory");
					r->decision = FR_DECISION_NONE;
				} else {
					r->decision = FR_DECISION_DNS;
				}
				goto done;
			}
			/* A Microsoft domain publishes only its federation
			 * record: ask it before giving up on sip. */
			if (req->stage == STAGE_DNS &&
			    r->service == FR_SERVICE_SIP &&
			    (req->dom->profiles & FR_FED_MSFED) &&
			    r->profile == FR_PROFILE_SIP) {
				why(r, "sip found no route (%s); asked ms-fed",
				    plan != NULL ? fr_result_name(plan->result) :
				    "out of memory");
				fr_plan_free(plan);
				req->stage = STAGE_MSFED;
				if (start_dns(req, FR_PROFILE_MSFED) != 0)
					goto none;
				continue;
			}
			fr_plan_free(r->plan);
			r->plan = plan;
			dns_failure(r, plan);
			req->nroutes = find_routes(req->rt, r->domain,
			    FR_ROUTE_FALLBACK, req->routes);
			if (req->nroutes == 0)
				goto none;
			if (start_routes(req, FR_DECISION_FALLBACK) != 0)
				goto none;
			continue;
		case STAGE_ROUTES:
			take_routes(req);
			free_waits(req);
			goto done;
		case STAGE_HOP:
			plan = req->wait[0].plan;
			req->wait[0].plan = NULL;
			r->plan = plan;
			if (!plan_usable(r, plan)) {
				why(r, "no route to next hop %s: %s", plan != NULL ?
				    plan->input : "?", plan != NULL ?
				    fr_result_name(plan->result) :
				    "out of memory");
				goto none;
			}
			if (add_targets(r, plan, 0) != 0) {
				why(r, "out of memory");
				goto none;
			}
			r->decision = FR_DECISION_HOP;
			goto done;
		}
	}
none:
	r->decision = FR_DECISION_NONE;
done:
	free_waits(req);
	req->stage = STAGE_ROUTES;
	req->nroutes = 0;
	/* Finished: the caller learns it from fr_routing_decide's return
	 * if it is still inside it, else from the callback. */
	if (req->cb != NULL)
		ev_idle_start(req->rt->loop, &req->finish);
}

/* The allow list.  true when allowed; else the result says why. */
static bool
allowed(struct fr_routing_req *req)
{
	struct fr_route_result *r = req->res;
	const struct fr_domain_conf *d;
	unsigned want;

	d = fr_routing_domain(req->rt, r->domain);
	if (d == NULL) {
		if (req->rt->policy != FR_POLICY_OPEN) {
			why(r, "%s is not in the allow list (no domain: "
			    "section names it, and the federation policy is "
			    "allow-list)", r->domain);
			return false;
		}
		d = &req->rt->open_domain;
	} else {
		r->domain_line = d->line;
		snprintf(r->domain_name, sizeof(r->domain_name), "%s",
		    d->name);
	}
	req->dom = d;
	/* XMPP's TLS is the servers' own, end to end (STARTTLS or direct):
	 * the edge relays either, so transport: does not filter it. */
	r->transports = r->service == FR_SERVICE_XMPP ?
	    FR_TRANSPORT_BIT(FR_TRANSPORT_TCP) |
	    FR_TRANSPORT_BIT(FR_TRANSPORT_TLS) : d->transports;
	want = r->service == FR_SERVICE_XMPP ? FR_FED_XMPP :
	    FR_FED_SIP | FR_FED_MSFED;
	if (!(d->profiles & want)) {
		why(r, "%s does not federate by %s (domain: section, line "
		    "%d)", r->domain, r->service == FR_SERVICE_XMPP ?
		    "xmpp-s2s" : "sip or ms-fed", d->line);
		return false;
	}
	return true;
}

static int
decide(struct fr_routing *rt, const char *domain, const char *hop,
    enum fr_service service, fr_routing_cb *cb, void *arg,
    struct fr_route_result **resultp, struct fr_routing_req **reqp,
    char *err, size_t errlen)
{
	struct fr_routing_req *req;
	struct fr_route_result *r;
	enum fr_profile profile;

	*resultp = NULL;
	if (reqp != NULL)
		*reqp = NULL;
	if ((req = calloc(1, sizeof(*req))) == NULL ||
	    (req->res = calloc(1, sizeof(*req->res))) == NULL) {
		free(req);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	req->rt = rt;
	rt->refs++;
	ev_idle_init(&req->finish, finish_cb);
	req->finish.data = req;
	r = req->res;
	r->service = service;
	if (strlen(domain) >= sizeof(r->domain)) {
		snprintf(err, errlen, "domain name too long");
		request_free(req);
		return -1;
	}
	strcpy(r->domain, domain);
	if (fr_dname_check(r->domain, err, errlen) != 0) {
		request_free(req);
		return -1;
	}

	if (!allowed(req)) {
		r->decision = FR_DECISION_REFUSED;
		goto known;
	}
	if (hop != NULL) {
		req->stage = STAGE_HOP;
		req->nwait = 1;
		r->profile = FR_PROFILE_SIP;
		if (resolve(req, &req->wait[0], hop, FR_PROFILE_SIP) != 0) {
			r->decision = FR_DECISION_NONE;
			goto known;
		}
		goto started;
	}
	req->nroutes = find_routes(rt, r->domain, FR_ROUTE_OVERRIDE,
	    req->routes);
	if (req->nroutes > 0) {
		if (start_routes(req, FR_DECISION_OVERRIDE) != 0) {
			r->decision = FR_DECISION_NONE;
			goto known;
		}
	} else {
		req->stage = STAGE_DNS;
		profile = service == FR_SERVICE_XMPP ? FR_PROFILE_XMPP_S2S :
		    (req->dom->profiles & FR_FED_SIP) ? FR_PROFILE_SIP :
		    FR_PROFILE_MSFED;
		if (start_dns(req, profile) != 0) {
			r->decision = FR_DECISION_NONE;
			goto known;
		}
	}
started:
	if (req->nleft > 0) {
		/* Answers are coming: from now on step() delivers. */
		req->cb = cb;
		req->arg = arg;
		if (reqp != NULL)
			*reqp = req;
		return 0;
	}
	step(req);
known:
	*resultp = req->res;
	req->res = NULL;
	count_decision(rt, *resultp);
	request_free(req);
	return 1;
}

int
fr_routing_decide(struct fr_routing *rt, const char *domain,
    enum fr_service service, fr_routing_cb *cb, void *arg,
    struct fr_route_result **resultp, struct fr_routing_req **reqp,
    char *err, size_t errlen)
{
	return decide(rt, domain, NULL, service, cb, arg, resultp, reqp, err,
	    errlen);
}

int
fr_routing_decide_hop(struct fr_routing *rt, const char *domain,
    const char *hop, enum fr_service service, fr_routing_cb *cb, void *arg,
    struct fr_route_result **resultp, struct fr_routing_req **reqp,
    char *err, size_t errlen)
{
	return decide(rt, domain, hop, service, cb, arg, resultp, reqp, err,
	    errlen);
}
