/*
 * cache.h -- the resolver's cache of resolved chains.
 *
 * Keys are strings made by the resolver from (profile, domain, sips,
 * port, transport parameter, transport filter).  A value is a reference
 * to the plan the chain produced, in canonical order; the per-request
 * RFC 2782 draw happens when a view is made from it (plan.h).
 *
 * Lifetime (seconds, from the caller's clock):
 *   ttl   = the smallest TTL of the answers that fed the chain, clamped
 *           to [min_ttl, max_ttl], to max_negative_ttl for NXDOMAIN /
 *           NODATA results (RFC 2308), and to failure_ttl when a
 *           question of the chain failed (SERVFAIL and time-outs are
 *           never kept as long as real answers).
 *   fresh           while now < stored + ttl; in the last
 *                   prefetch_percent of that, lookups say "renew".
 *   expired         kept up to stale_max seconds past expiry, to be
 *                   served stale (RFC 8767) if renewing it fails; after
 *                   such a failure it is served without asking again for
 *                   stale_retry seconds.
 * The cache is bounded in entries and bytes; the least recently used
 * entry goes first.  It is not thread-safe (one loop owns it).
 */
#ifndef FR_CACHE_H
#define FR_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

struct fr_cache_conf {
	size_t max_entries;
	size_t max_bytes;
	uint32_t min_ttl;
	uint32_t max_ttl;
	uint32_t max_negative_ttl;
	uint32_t failure_ttl;
	uint32_t stale_max;		/* 0: never serve stale */
	uint32_t stale_retry;
	unsigned prefetch_percent;	/* 0: no prefetch */
};

/* Defaults for zero fields (min_ttl 0 and stale_max 0 are meaningful,
 * so those two are taken as given; see fr_cache_conf_defaults). */
#define FR_CACHE_DEFAULT_ENTRIES	10000
#define FR_CACHE_DEFAULT_BYTES		(64u << 20)
#define FR_CACHE_DEFAULT_MAX_TTL	86400
#define FR_CACHE_DEFAULT_NEG_TTL	3600
#define FR_CACHE_DEFAULT_FAILURE_TTL	5
#define FR_CACHE_DEFAULT_STALE_MAX	86400
#define FR_CACHE_DEFAULT_STALE_RETRY	30
#define FR_CACHE_DEFAULT_PREFETCH	10

/* Fill conf with every default. */
void fr_cache_conf_defaults(struct fr_cache_conf *conf);

struct fr_cache_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t stale_served;
	uint64_t evictions;
	uint64_t coalesced;		/* counted by the resolver */
	uint64_t prefetches;		/* counted by the resolver */
	uint64_t stores;
	size_t entries;
	size_t bytes;
};

enum fr_cache_verdict {
	FR_CACHE_ABSENT,		/* resolve */
	FR_CACHE_FRESH,			/* serve */
	FR_CACHE_FRESH_RENEW,		/* serve, and renew in the background */
	FR_CACHE_EXPIRED,		/* resolve; serve stale if that fails */
	FR_CACHE_STALE_SERVE,		/* serve stale now, do not ask */
};

struct fr_cache_view {
	struct fr_plan *plan;		/* valid until the next cache call;
					 * fr_plan_ref it to keep it */
	double age;			/* now - stored */
	double ttl_left;		/* expires - now; < 0 when expired */
};

struct fr_cache;

/* NULL if memory ran out. */
struct fr_cache *fr_cache_create(const struct fr_cache_conf *conf);
void fr_cache_delete(struct fr_cache *c);		/* NULL is fine */

/* Look key up at time now; fills *view unless ABSENT.  Counts a hit for
 * FRESH/FRESH_RENEW, a miss for ABSENT/EXPIRED, a stale serve for
 * STALE_SERVE. */
enum fr_cache_verdict fr_cache_lookup(struct fr_cache *c, const char *key,
    double now, struct fr_cache_view *view);

/* Keep plan for key (replacing any entry) by taking a reference to it:
 * plan must not change any more.  Plans without any TTL in their trace
 * are not stored.  -1 if memory ran out. */
int fr_cache_store(struct fr_cache *c, const char *key,
    struct fr_plan *plan, double now);

/*
 * Renewing key failed at time now: if an expired entry may still be
 * served, start its stale_retry window, count a stale serve, fill *view
 * and return true.
 */
bool fr_cache_serve_stale(struct fr_cache *c, const char *key, double now,
    struct fr_cache_view *view);

/* The lifetime fr_cache_store would give plan (seconds). */
uint32_t fr_cache_ttl_for(const struct fr_cache *c, const struct fr_plan *plan);

struct fr_cache_stats *fr_cache_stats(struct fr_cache *c);

/* What fr_cache_each shows of one entry: its view at time now (the
 * plan is the cached, canonical one; ttl_left < 0 once expired), and
 * how many seconds it may still be served stale (stale_max past its
 * expiry; 0 when stale serving is off). */
typedef void fr_cache_each_fn(void *arg, const struct fr_cache_view *view,
    double stale_left);

/* Call fn for every entry, least recently used first, counting no hit
 * or miss; fn must not change the cache. */
void fr_cache_each(struct fr_cache *c, double now, fr_cache_each_fn *fn,
    void *arg);

/* Drop the entries whose plan resolved domain (lower case, no trailing
 * dot), or every entry when domain is NULL.  Returns how many went. */
size_t fr_cache_flush(struct fr_cache *c, const char *domain);

#endif /* FR_CACHE_H */
