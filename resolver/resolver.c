/*
 * resolver.c -- the public resolver: cache, coalescing, prefetch,
 * serve-stale, and the per-request plan.
 *
 * A query becomes a cache key.  A fresh entry answers at once; an
 * absent or expired one starts a resolution (a "job" running one
 * chain.c chain), which later requests for the same key join instead
 * of starting their own.  When the job ends, its canonical plan is
 * stored and every waiter gets its own copy with its own RFC 2782 draw
 * and with destination health applied.  If the job failed (SERVFAIL,
 * time-out) and expired data is still within the stale window, that
 * data is served instead, marked stale.
 */
#include "config.h"

#include <sys/queue.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "htab.h"
#include "resolver.h"
#include "rng.h"
#include "srvorder.h"
#include "sipuri.h"

#define KEY_MAX		(FR_DNAME_MAX + 64)
#define MAX_EXTRA	8		/* per-request findings ... */
#define MSG_MAX		(FR_DNAME_MAX + 256)	/* ... and their size */

/* What a job resolves; kept until its chain starts. */
struct normq {
	struct fr_uri uri;
	enum fr_profile profile;
	unsigned transports;		/* restricted by profile and sips */
	char key[KEY_MAX];
};

struct job {
	struct fr_resolver *res;
	struct fr_hnode node;		/* in res->jobs, if cacheable */
	TAILQ_ENTRY(job) link;		/* all jobs */
	TAILQ_ENTRY(job) qlink;		/* waiting for a slot */
	struct fr_chain *chain;		/* NULL while waiting */
	struct normq n;
	char *input;
	TAILQ_HEAD(, fr_resolve_req) waiters;
	bool cacheable;
};

struct fr_resolve_req {
	struct fr_resolver *res;
	struct job *job;		/* waiting for it, or NULL: ready */
	TAILQ_ENTRY(fr_resolve_req) link;
	fr_resolve_cb *cb;
	void *arg;
	struct fr_plan *plan;		/* when ready */
	ev_timer kick;			/* delivers a ready plan */
	bool has_affinity;
	uint64_t affinity;
	bool coalesced;
};

struct fr_resolver {
	struct ev_loop *loop;
	struct fr_ubev *ub;
	struct fr_chain_env env;
	struct fr_rng rng;
	struct fr_cache *cache;
	struct fr_health *health;
	fr_clock_fn *clock;
	void *clock_arg;
	struct fr_htab jobs;		/* cacheable jobs by key */
	TAILQ_HEAD(, job) alljobs;
	TAILQ_HEAD(, job) waiting;	/* jobs without a chain yet, in order */
	unsigned running, nwaiting;
	uint64_t refused;
	unsigned max_resolutions, max_queued;
	TAILQ_HEAD(, fr_resolve_req) ready;
};

/* ---- clock and keys --------------------------------------------------- */

double
fr_resolver_now(struct fr_resolver *res)
{
	return res->clock ? res->clock(res->clock_arg) : ev_now(res->loop);
}

/* Affinity must give the same draw in every worker and on every edge:
 * SipHash under a fixed key, not a table's random one. */
static uint64_t
affinity_hash(const char *affinity, const char *key)
{
	static const uint8_t fixed[16] = "fedroute-affine";

	return fr_siphash24(fixed, affinity, strlen(affinity)) ^
	    fr_siphash24(fixed, key, strlen(key));
}

static int
normalise(const struct fr_query *q, struct normq *n, char *err, size_t errlen)
{
	if (fr_uri_parse(q->input, &n->uri, err, errlen) != 0)
		return -1;
	n->profile = q->profile;
	if (!q->profile_forced) {
		if (n->uri.scheme == FR_SCHEME_SIP ||
		    n->uri.scheme == FR_SCHEME_SIPS)
			n->profile = FR_PROFILE_SIP;
		else if (n->uri.scheme == FR_SCHEME_XMPP)
			n->profile = FR_PROFILE_XMPP_S2S;
	}
	n->transports = q->transports ? q->transports : FR_TRANSPORTS_ALL;
	if (n->uri.scheme == FR_SCHEME_SIPS)	/* sips: only ever TLS */
		n->transports &= FR_TRANSPORT_BIT(FR_TRANSPORT_TLS) |
		    FR_TRANSPORT_BIT(FR_TRANSPORT_SCTP_TLS);
	if (n->profile == FR_PROFILE_MSFED)
		n->transports &= FR_TRANSPORT_BIT(FR_TRANSPORT_TLS);
	if (n->profile == FR_PROFILE_XMPP_S2S)
		n->transports &= FR_TRANSPORT_BIT(FR_TRANSPORT_TLS) |
		    FR_TRANSPORT_BIT(FR_TRANSPORT_TCP);
	snprintf(n->key, sizeof(n->key), "%d|%d|%d|%d|%x|%s", n->profile,
	    n->uri.scheme == FR_SCHEME_SIPS, n->uri.port,
	    n->uri.has_transport ? (int)n->uri.transport : -1,
	    n->transports, n->uri.host);
	return 0;
}

/* ---- the per-request plan --------------------------------------------- */

/*
 * The order of this request: each group's slice of targets in a fresh
 * RFC 2782 draw.  order[i] is the index in p of the target to try i-th.
 * Returns -1 only when memory ran out (order is then the identity).
 */
static int
draw(const struct fr_plan *p, struct fr_rng *rng, size_t *order)
{
	struct fr_srv_weight w_small[32], *w = w_small;
	size_t sub_small[32], *sub = sub_small;
	size_t lo, hi, i, n;
	int rc = 0;

	for (i = 0; i < p->ntargets; i++)
		order[i] = i;
	for (lo = 0; lo < p->ntargets; lo = hi) {
		for (hi = lo + 1; hi < p->ntargets &&
		    p->targets[hi].group == p->targets[lo].group; hi++)
			;
		if ((n = hi - lo) < 2 || !p->targets[lo].from_srv)
			continue;
		if (n > 32 && ((w = malloc(n * sizeof(*w))) == NULL ||
		    (sub = malloc(n * sizeof(*sub))) == NULL)) {
			rc = -1;	/* canonical order is still valid */
			goto next;
		}
		for (i = 0; i < n; i++) {
			w[i].priority = p->targets[lo + i].priority;
			w[i].weight = p->targets[lo + i].weight;
		}
		fr_srv_order(w, n, rng, sub);
		for (i = 0; i < n; i++)
			order[lo + i] = lo + sub[i];
next:
		if (w != w_small)
			free(w);
		if (sub != sub_small)
			free(sub);
		w = w_small;
		sub = sub_small;
	}
	return rc;
}

/* Down targets after the others, the oldest failure first; ties keep
 * their order (the index breaks them). */
struct down_key {
	double since;
	size_t index;
};

static int
down_cmp(const void *a, const void *b)
{
	const struct down_key *x = a, *y = b;

	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Destination health: inside each target, down addresses go last (the
 * one that failed longest ago first among them); targets with every
 * address down go after all others, the one that failed longest ago
 * first -- so a plan is never empty because of health.  p is a view
 * with its own addresses (fr_plan_view own_addrs).  O(n log n) in the
 * targets, O(a^2) in each target's (bounded) addresses.
 */
static void
apply_health(struct fr_resolver *res, struct fr_plan *p, double now)
{
	struct fr_health_state st;
	struct down_key *keys;
	struct fr_target *tmp;
	size_t i, j, nup = 0, ndown = 0;
	double since;

	if (fr_health_count(res->health) == 0 || p->ntargets == 0)
		return;
	keys = calloc(p->ntargets, sizeof(*keys));
	tmp = calloc(p->ntargets, sizeof(*tmp));
	if (keys == NULL || tmp == NULL) {
		free(keys);
		free(tmp);
		return;		/* plan stays valid, only unordered by health */
	}
	for (i = 0; i < p->ntargets; i++) {
		struct fr_target *t = &p->targets[i];

		since = 0;
		/* Stable: up addresses keep their order, down ones follow. */
		for (j = 0; j < t->naddrs - t->ndown; ) {
			if (!fr_health_get(res->health, &t->addrs[j], t->port,
			    t->transport, now, &st) || !st.down) {
				j++;
				continue;
			}
			struct fr_address a = t->addrs[j];

			memmove(&t->addrs[j], &t->addrs[j + 1],
			    (t->naddrs - j - 1) * sizeof(a));
			t->addrs[t->naddrs - 1] = a;
			t->ndown++;
			if (t->ndown == 1 || st.last_failure < since) {
				since = st.last_failure;
				t->down_for = st.down_until - now;
				snprintf(t->down_reason, sizeof(t->down_reason),
				    "%s", st.reason);
			}
		}
		t->down = t->naddrs > 0 && t->ndown == t->naddrs;
		if (t->down) {
			keys[ndown].since = since;
			keys[ndown++].index = i;
		} else {
			tmp[nup++] = *t;
		}
	}
	if (ndown > 0) {
		qsort(keys, ndown, sizeof(*keys), down_cmp);
		for (i = 0; i < ndown; i++)
			tmp[nup + i] = p->targets[keys[i].index];
		memcpy(p->targets, tmp, p->ntargets * sizeof(*tmp));
	}
	free(keys);
	free(tmp);
}

/* Findings that depend on the moment: stale data, down targets. */
static size_t
moment_findings(struct fr_resolver *res, const struct fr_plan *src,
    enum fr_cache_status status, double ttl_left, double now,
    struct fr_finding *extra, char (*msg)[MSG_MAX])
{
	struct fr_health_state st;
	size_t n = 0, i, j;

	if (status == FR_CACHE_STALE) {
		snprintf(msg[n], sizeof(msg[n]), "DNS is failing: serving "
		    "data of %s that expired %.0f s ago", src->domain,
		    -ttl_left);
		extra[n].id = FR_FIND_CACHE_STALE;
		extra[n].severity = FR_SEV_WARNING;
		extra[n].message = msg[n];
		n++;
	}
	if (fr_health_count(res->health) == 0)
		return n;
	for (i = 0; i < src->ntargets && n < MAX_EXTRA; i++) {
		const struct fr_target *t = &src->targets[i];

		for (j = 0; j < t->naddrs; j++) {
			char a[64];

			if (!fr_health_get(res->health, &t->addrs[j], t->port,
			    t->transport, now, &st) || !st.down)
				continue;
			fr_address_str(&t->addrs[j], a, sizeof(a));
			snprintf(msg[n], sizeof(msg[n]), "%s (%s port %u %s) "
			    "is down for %.0f s more after %u failure(s): %s",
			    t->host, a, t->port, fr_transport_name(t->transport),
			    st.down_until - now, st.failures, st.reason);
			extra[n].id = FR_FIND_TARGET_DOWN;
			extra[n].severity = FR_SEV_INFO;
			extra[n].message = msg[n];
			n++;
			break;
		}
	}
	return n;
}

/* The plan one request gets from canonical data: NULL if no memory. */
static struct fr_plan *
assemble(struct fr_resolver *res, const struct fr_resolve_req *req,
    struct fr_plan *src, enum fr_cache_status status, double age,
    double ttl_left)
{
	struct fr_finding extra[MAX_EXTRA];
	char msg[MAX_EXTRA][MSG_MAX];
	struct fr_rng affine, *rng = &res->rng;
	double now = fr_resolver_now(res);
	size_t order_small[64], *order = order_small;
	struct fr_plan *p;
	size_t nextra;

	if (src->ntargets > 64 &&
	    (order = malloc(src->ntargets * sizeof(*order))) == NULL)
		return NULL;
	if (req != NULL && req->has_affinity) {
		/* Same key, same draw, for as long as the data holds. */
		fr_rng_seed(&affine, req->affinity);
		rng = &affine;
	}
	(void)draw(src, rng, order);
	nextra = moment_findings(res, src, status, ttl_left, now, extra, msg);
	p = fr_plan_view(src, extra, nextra, order,
	    fr_health_count(res->health) > 0);
	if (order != order_small)
		free(order);
	if (p == NULL)
		return NULL;
	apply_health(res, p, now);
	p->cache = status;
	p->age = age;
	p->ttl_left = ttl_left;
	return p;
}

/* ---- delivery --------------------------------------------------------- */

static void
on_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_resolve_req *req = w->data;
	fr_resolve_cb *cb = req->cb;
	void *arg = req->arg;
	struct fr_plan *plan = req->plan;

	(void)loop;
	(void)revents;
	TAILQ_REMOVE(&req->res->ready, req, link);
	free(req);
	cb(arg, plan);
}

/* Hand req its plan from the loop (plan NULL: out of memory). */
static void
make_ready(struct fr_resolver *res, struct fr_resolve_req *req,
    struct fr_plan *plan)
{
	req->job = NULL;
	req->plan = plan;
	TAILQ_INSERT_TAIL(&res->ready, req, link);
	ev_timer_start(res->loop, &req->kick);
}

/* ---- jobs ------------------------------------------------------------- */

/* The cacheable job resolving key, or NULL. */
static struct job *
job_find(struct fr_resolver *res, const char *key)
{
	uint64_t h = fr_htab_hash(&res->jobs, key, strlen(key));
	struct fr_hnode *n;

	for (n = fr_htab_first(&res->jobs, h); n != NULL;
	    n = fr_htab_next(n, h))
		if (strcmp(FR_HTAB_ENTRY(n, struct job, node)->n.key, key) == 0)
			return FR_HTAB_ENTRY(n, struct job, node);
	return NULL;
}

static void
job_unlink(struct job *job)
{
	struct fr_resolver *res = job->res;

	if (job->cacheable)
		fr_htab_remove(&res->jobs, &job->node);
	TAILQ_REMOVE(&res->alljobs, job, link);
}

static void start_waiting(struct fr_resolver *res);
static void job_free(struct job *job);

static void
on_chain_done(void *arg, struct fr_plan *plan)
{
	struct job *job = arg;
	struct fr_resolver *res = job->res;
	struct fr_resolve_req *req;
	struct fr_cache_view view;
	double now = fr_resolver_now(res);
	bool failed = plan != NULL && (plan->result == FR_RESULT_SERVFAIL ||
	    plan->result == FR_RESULT_TIMEOUT);
	struct fr_plan *src, *compact;
	enum fr_cache_status status = FR_CACHE_MISS;
	double age = 0, ttl_left = 0;

	job->chain = NULL;
	job_unlink(job);
	res->running--;
	start_waiting(res);
	/* The chain built its plan piece by piece: keep it (in the cache
	 * and under every view) as one allocation. */
	if (plan != NULL && (compact = fr_plan_copy(plan)) != NULL) {
		fr_plan_free(plan);
		plan = compact;
	}
	src = plan;
	if (plan != NULL && job->cacheable) {
		if (failed && fr_cache_serve_stale(res->cache, job->n.key, now,
		    &view)) {
			/* DNS is failing: the expired answer beats none. */
			src = view.plan;
			status = FR_CACHE_STALE;
			age = view.age;
			ttl_left = view.ttl_left;
		} else if (!(failed && TAILQ_EMPTY(&job->waiters))) {
			/* A failed renewal nobody waits for keeps the entry. */
			(void)fr_cache_store(res->cache, job->n.key, plan, now);
			ttl_left = fr_cache_ttl_for(res->cache, plan);
		}
	} else if (plan != NULL) {
		status = FR_CACHE_NONE;
	}
	while ((req = TAILQ_FIRST(&job->waiters)) != NULL) {
		TAILQ_REMOVE(&job->waiters, req, link);
		make_ready(res, req, src == NULL ? NULL : assemble(res, req,
		    src, status == FR_CACHE_MISS && req->coalesced ?
		    FR_CACHE_COALESCED : status, age, ttl_left));
	}
	fr_plan_free(plan);
	job_free(job);
}

/* Start the chain of a job; -1 if memory ran out. */
static int
job_run(struct job *job)
{
	struct fr_resolver *res = job->res;

	job->chain = fr_chain_start(&res->env, &job->n.uri, job->n.profile,
	    job->n.transports, job->input, on_chain_done, job);
	if (job->chain == NULL)
		return -1;
	res->running++;
	return 0;
}

static void
job_free(struct job *job)
{
	free(job->input);
	free(job);
}

/* Start waiting jobs while there is room.  One that cannot start (no
 * memory) answers its waiters with no plan, as a failed chain would. */
static void
start_waiting(struct fr_resolver *res)
{
	struct fr_resolve_req *req;
	struct job *job;

	while (res->running < res->max_resolutions &&
	    (job = TAILQ_FIRST(&res->waiting)) != NULL) {
		TAILQ_REMOVE(&res->waiting, job, qlink);
		res->nwaiting--;
		if (job_run(job) == 0)
			continue;
		job_unlink(job);
		while ((req = TAILQ_FIRST(&job->waiters)) != NULL) {
			TAILQ_REMOVE(&job->waiters, req, link);
			make_ready(res, req, NULL);
		}
		job_free(job);
	}
}

enum job_err { JOB_NOMEM = -1, JOB_BUSY = -2 };

/*
 * A new job for n: running if there is room, else waiting in line.
 * NULL with *why JOB_BUSY when the line is full too, JOB_NOMEM when
 * memory ran out.
 */
static struct job *
job_start(struct fr_resolver *res, const struct normq *n, const char *input,
    bool cacheable, enum job_err *why)
{
	struct job *job;

	*why = JOB_NOMEM;
	if (res->running >= res->max_resolutions &&
	    res->nwaiting >= res->max_queued) {
		*why = JOB_BUSY;
		return NULL;
	}
	if ((job = calloc(1, sizeof(*job))) == NULL)
		return NULL;
	if ((job->input = strdup(input)) == NULL) {
		free(job);
		return NULL;
	}
	job->res = res;
	job->cacheable = cacheable;
	TAILQ_INIT(&job->waiters);
	job->n = *n;
	if (res->running < res->max_resolutions) {
		if (job_run(job) != 0) {
			job_free(job);
			return NULL;
		}
	} else {
		TAILQ_INSERT_TAIL(&res->waiting, job, qlink);
		res->nwaiting++;
	}
	TAILQ_INSERT_TAIL(&res->alljobs, job, link);
	if (cacheable)
		fr_htab_insert(&res->jobs, &job->node, fr_htab_hash(&res->jobs,
		    job->n.key, strlen(job->n.key)));
	return job;
}

/* Renew a key in the background unless it is already being resolved. */
static void
prefetch(struct fr_resolver *res, const struct normq *n, const char *input)
{
	enum job_err why;

	if (job_find(res, n->key) != NULL)
		return;
	if (job_start(res, n, input, true, &why) != NULL)
		fr_cache_stats(res->cache)->prefetches++;
}

/*
 * Answer from the cache if it can: returns the plan (status set), or
 * NULL with *miss true when the query must be resolved, or NULL with
 * *miss false when memory ran out.
 */
static struct fr_plan *
from_cache(struct fr_resolver *res, const struct fr_resolve_req *req,
    const struct normq *n, const char *input, bool *miss)
{
	struct fr_cache_view view;
	enum fr_cache_verdict v;
	struct fr_plan *p;

	*miss = true;
	if (n->uri.literal)
		return NULL;
	v = fr_cache_lookup(res->cache, n->key, fr_resolver_now(res), &view);
	switch (v) {
	case FR_CACHE_ABSENT:
	case FR_CACHE_EXPIRED:
		return NULL;
	case FR_CACHE_FRESH_RENEW:
	case FR_CACHE_FRESH:
	case FR_CACHE_STALE_SERVE:
		break;
	}
	*miss = false;
	p = assemble(res, req, view.plan, v == FR_CACHE_STALE_SERVE ?
	    FR_CACHE_STALE : FR_CACHE_HIT, view.age, view.ttl_left);
	if (v == FR_CACHE_FRESH_RENEW)
		prefetch(res, n, input);
	return p;
}

/* ---- public API ------------------------------------------------------- */

/* A bound from the configuration: 0 is the default, at most max. */
static unsigned
bound(unsigned v, unsigned dflt, unsigned max)
{
	if (v == 0)
		v = dflt;
	return v < max ? v : max;
}

/* The plan of a request refused because every bound is reached. */
static struct fr_plan *
busy_plan(struct fr_resolver *res, const struct normq *n, const char *input)
{
	struct fr_plan *p = fr_plan_new(n->profile, input);

	if (p == NULL)
		return NULL;
	snprintf(p->domain, sizeof(p->domain), "%s", n->uri.host);
	p->sips = n->uri.scheme == FR_SCHEME_SIPS;
	p->port = n->uri.port;
	p->transports = n->transports;
	p->result = FR_RESULT_SERVFAIL;
	p->cache = FR_CACHE_NONE;
	if (fr_plan_add_finding(p, FR_FIND_RESOLVER_BUSY, FR_SEV_ERROR,
	    "%s not resolved: the resolver is busy (%u resolutions running, "
	    "%u waiting: max-resolutions, max-queued)", n->uri.host,
	    res->running, res->nwaiting) != 0) {
		fr_plan_free(p);
		return NULL;
	}
	return p;
}

struct fr_resolver *
fr_resolver_create(struct ev_loop *loop, const struct fr_resolver_conf *conf,
    char *err, size_t errlen)
{
	struct fr_cache_conf cconf;
	struct fr_resolver *res;
	size_t i;

	if ((res = calloc(1, sizeof(*res))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	res->loop = loop;
	res->clock = conf->clock;
	res->clock_arg = conf->clock_arg;
	TAILQ_INIT(&res->alljobs);
	TAILQ_INIT(&res->waiting);
	TAILQ_INIT(&res->ready);
	res->max_resolutions = conf->max_resolutions ?
	    conf->max_resolutions : FR_DEFAULT_MAX_RESOLUTIONS;
	res->max_queued = conf->max_queued ? conf->max_queued :
	    FR_DEFAULT_MAX_QUEUED;
	if (conf->seeded)
		fr_rng_seed(&res->rng, conf->seed);
	else
		fr_rng_seed_random(&res->rng);
	if (conf->cache != NULL)
		cconf = *conf->cache;
	else
		fr_cache_conf_defaults(&cconf);
	if (fr_htab_init(&res->jobs) != 0 ||
	    (res->cache = fr_cache_create(&cconf)) == NULL ||
	    (res->health = fr_health_create(conf->health)) == NULL)
		goto nomem;
	res->env.loop = loop;
	res->env.timeout_ms = conf->timeout_ms ? conf->timeout_ms :
	    FR_DEFAULT_TIMEOUT_MS;
	res->env.max_targets = bound(conf->max_targets,
	    FR_PLAN_DEFAULT_TARGETS, FR_PLAN_MAX_TARGETS);
	res->env.max_addrs = bound(conf->max_addrs, FR_PLAN_DEFAULT_ADDRS,
	    FR_PLAN_MAX_TARGETS);
	res->env.max_inflight = bound(conf->max_inflight,
	    FR_DEFAULT_MAX_INFLIGHT, FR_PLAN_MAX_TARGETS);
	if (conf->upstream.nzones > 0) {
		res->env.zones = calloc(conf->upstream.nzones,
		    sizeof(*res->env.zones));
		if (res->env.zones == NULL)
			goto nomem;
		for (i = 0; i < conf->upstream.nzones; i++) {
			char *z = strdup(conf->upstream.zone_origins[i]);
			size_t len;

			if (z == NULL)
				goto nomem;
			len = strlen(z);
			if (len > 1 && z[len - 1] == '.')
				z[len - 1] = '\0';
			res->env.zones[res->env.nzones++] = z;
		}
	}
	if ((res->ub = fr_ubev_create(loop, &conf->upstream, err,
	    errlen)) == NULL)
		goto bad;
	res->env.ub = res->ub;
	return res;
nomem:
	snprintf(err, errlen, "out of memory");
bad:
	fr_resolver_delete(res);
	return NULL;
}

void
fr_resolver_delete(struct fr_resolver *res)
{
	struct fr_resolve_req *req;
	struct job *job;
	size_t i;

	if (res == NULL)
		return;
	while ((job = TAILQ_FIRST(&res->alljobs)) != NULL) {
		fr_chain_cancel(job->chain);
		job_unlink(job);
		if (job->chain == NULL)
			TAILQ_REMOVE(&res->waiting, job, qlink);
		while ((req = TAILQ_FIRST(&job->waiters)) != NULL) {
			TAILQ_REMOVE(&job->waiters, req, link);
			free(req);
		}
		job_free(job);
	}
	while ((req = TAILQ_FIRST(&res->ready)) != NULL) {
		TAILQ_REMOVE(&res->ready, req, link);
		ev_timer_stop(res->loop, &req->kick);
		fr_plan_free(req->plan);
		free(req);
	}
	fr_ubev_delete(res->ub);
	fr_cache_delete(res->cache);
	fr_health_delete(res->health);
	fr_htab_fini(&res->jobs);
	for (i = 0; i < res->env.nzones; i++)
		free(res->env.zones[i]);
	free(res->env.zones);
	free(res);
}

int
fr_resolve(struct fr_resolver *res, const struct fr_query *query,
    fr_resolve_cb *cb, void *arg, struct fr_resolve_req **reqp, char *err,
    size_t errlen)
{
	struct fr_resolve_req *req;
	struct normq n;
	struct fr_plan *plan;
	struct job *job;
	enum job_err why;
	bool miss;

	if (normalise(query, &n, err, errlen) != 0)
		return -1;
	if ((req = calloc(1, sizeof(*req))) == NULL)
		goto nomem;
	req->res = res;
	req->cb = cb;
	req->arg = arg;
	ev_timer_init(&req->kick, on_kick, 0., 0.);
	req->kick.data = req;
	if (query->affinity != NULL) {
		req->has_affinity = true;
		req->affinity = affinity_hash(query->affinity, n.key);
	}

	if ((plan = from_cache(res, req, &n, query->input, &miss)) != NULL) {
		make_ready(res, req, plan);
	} else if (!miss) {
		free(req);
		goto nomem;
	} else {
		job = n.uri.literal ? NULL : job_find(res, n.key);
		if (job != NULL) {
			req->coalesced = true;
			fr_cache_stats(res->cache)->coalesced++;
		} else if ((job = job_start(res, &n, query->input,
		    !n.uri.literal, &why)) == NULL) {
			if (why == JOB_BUSY &&
			    (plan = busy_plan(res, &n, query->input)) != NULL) {
				res->refused++;
				make_ready(res, req, plan);
				goto out;
			}
			free(req);
			goto nomem;
		}
		req->job = job;
		TAILQ_INSERT_TAIL(&job->waiters, req, link);
	}
out:
	if (reqp != NULL)
		*reqp = req;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
fr_resolve_cached(struct fr_resolver *res, const struct fr_query *query,
    struct fr_plan **planp, char *err, size_t errlen)
{
	struct fr_resolve_req req;
	struct normq n;
	bool miss;

	if (normalise(query, &n, err, errlen) != 0)
		return -1;
	memset(&req, 0, sizeof(req));
	if (query->affinity != NULL) {
		req.has_affinity = true;
		req.affinity = affinity_hash(query->affinity, n.key);
	}
	if ((*planp = from_cache(res, &req, &n, query->input, &miss)) != NULL)
		return 1;
	if (miss)
		return 0;
	snprintf(err, errlen, "out of memory");
	return -1;
}

void
fr_resolve_cancel(struct fr_resolve_req *req)
{
	if (req == NULL)
		return;
	if (req->job != NULL) {
		/* The resolution goes on for the others (and the cache). */
		TAILQ_REMOVE(&req->job->waiters, req, link);
	} else {
		TAILQ_REMOVE(&req->res->ready, req, link);
		ev_timer_stop(req->res->loop, &req->kick);
		fr_plan_free(req->plan);
	}
	free(req);
}

struct fr_health *
fr_resolver_health(struct fr_resolver *res)
{
	return res->health;
}

const struct fr_cache_stats *
fr_resolver_cache_stats(struct fr_resolver *res)
{
	return fr_cache_stats(res->cache);
}

struct fr_cache *
fr_resolver_cache(struct fr_resolver *res)
{
	return res->cache;
}

void
fr_resolver_load(struct fr_resolver *res, struct fr_resolver_load *out)
{
	const struct fr_ubev_counts *c = fr_ubev_counts(res->ub);

	memset(out, 0, sizeof(*out));
	out->running = res->running;
	out->waiting = res->nwaiting;
	out->refused = res->refused;
	out->questions = c->asked;
	out->questions_inflight = c->inflight;
	out->questions_peak = c->peak;
}

struct sync_wait {
	bool done;
	struct fr_plan *plan;
};

static void
sync_done(void *arg, struct fr_plan *plan)
{
	struct sync_wait *w = arg;

	w->done = true;
	w->plan = plan;
}

struct fr_plan *
fr_resolve_sync(struct fr_resolver *res, const struct fr_query *query,
    char *err, size_t errlen)
{
	struct sync_wait w = { false, NULL };

	if (fr_resolve(res, query, sync_done, &w, NULL, err, errlen) != 0)
		return NULL;
	while (!w.done)
		ev_run(res->loop, EVRUN_ONCE);
	if (w.plan == NULL)
		snprintf(err, errlen, "out of memory");
	return w.plan;
}
