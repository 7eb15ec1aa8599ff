/*
 * cache.c -- a hash table (proto/htab.h) of plan references with an LRU
 * list.
 */
#include "config.h"

#include <sys/queue.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "htab.h"

struct centry {
	struct fr_hnode node;		/* in the table, by key */
	TAILQ_ENTRY(centry) lru;	/* least recently used first */
	struct fr_plan *plan;		/* a reference (fr_plan_ref) */
	double stored;
	double expires;
	double stale_until;		/* serve stale without asking until */
	size_t bytes;
	char key[];
};

struct fr_cache {
	struct fr_cache_conf conf;
	struct fr_htab tab;		/* keys come from foreign names */
	TAILQ_HEAD(, centry) lru;
	struct fr_cache_stats stats;
};

void
fr_cache_conf_defaults(struct fr_cache_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->max_entries = FR_CACHE_DEFAULT_ENTRIES;
	conf->max_bytes = FR_CACHE_DEFAULT_BYTES;
	conf->max_ttl = FR_CACHE_DEFAULT_MAX_TTL;
	conf->max_negative_ttl = FR_CACHE_DEFAULT_NEG_TTL;
	conf->failure_ttl = FR_CACHE_DEFAULT_FAILURE_TTL;
	conf->stale_max = FR_CACHE_DEFAULT_STALE_MAX;
	conf->stale_retry = FR_CACHE_DEFAULT_STALE_RETRY;
	conf->prefetch_percent = FR_CACHE_DEFAULT_PREFETCH;
}

static uint64_t
hash_str(const struct fr_cache *c, const char *s)
{
	return fr_htab_hash(&c->tab, s, strlen(s));
}

struct fr_cache *
fr_cache_create(const struct fr_cache_conf *conf)
{
	struct fr_cache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->conf = *conf;
	if (c->conf.max_entries == 0)
		c->conf.max_entries = FR_CACHE_DEFAULT_ENTRIES;
	if (c->conf.max_bytes == 0)
		c->conf.max_bytes = FR_CACHE_DEFAULT_BYTES;
	if (c->conf.max_ttl == 0)
		c->conf.max_ttl = FR_CACHE_DEFAULT_MAX_TTL;
	if (c->conf.min_ttl > c->conf.max_ttl)
		c->conf.min_ttl = c->conf.max_ttl;
	if (fr_htab_init(&c->tab) != 0) {
		free(c);
		return NULL;
	}
	TAILQ_INIT(&c->lru);
	return c;
}

static struct centry *
find(struct fr_cache *c, const char *key, uint64_t h)
{
	struct fr_hnode *n;

	for (n = fr_htab_first(&c->tab, h); n != NULL; n = fr_htab_next(n, h))
		if (strcmp(FR_HTAB_ENTRY(n, struct centry, node)->key,
		    key) == 0)
			return FR_HTAB_ENTRY(n, struct centry, node);
	return NULL;
}

static void
drop(struct fr_cache *c, struct centry *e)
{
	fr_htab_remove(&c->tab, &e->node);
	TAILQ_REMOVE(&c->lru, e, lru);
	c->stats.entries--;
	c->stats.bytes -= e->bytes;
	fr_plan_free(e->plan);
	free(e);
}

void
fr_cache_delete(struct fr_cache *c)
{
	struct centry *e;

	if (c == NULL)
		return;
	while ((e = TAILQ_FIRST(&c->lru)) != NULL) {
		TAILQ_REMOVE(&c->lru, e, lru);
		fr_plan_free(e->plan);
		free(e);
	}
	fr_htab_fini(&c->tab);
	free(c);
}

static void
fill_view(const struct centry *e, double now, struct fr_cache_view *view)
{
	view->plan = e->plan;
	view->age = now - e->stored;
	view->ttl_left = e->expires - now;
}

enum fr_cache_verdict
fr_cache_lookup(struct fr_cache *c, const char *key, double now,
    struct fr_cache_view *view)
{
	uint64_t h = hash_str(c, key);
	struct centry *e = find(c, key, h);
	double life;

	if (e == NULL) {
		c->stats.misses++;
		return FR_CACHE_ABSENT;
	}
	if (now >= e->expires + c->conf.stale_max) {
		/* Too old even to serve stale: forget it. */
		drop(c, e);
		c->stats.misses++;
		return FR_CACHE_ABSENT;
	}
	TAILQ_REMOVE(&c->lru, e, lru);
	TAILQ_INSERT_TAIL(&c->lru, e, lru);
	fill_view(e, now, view);
	if (now < e->expires) {
		c->stats.hits++;
		life = e->expires - e->stored;
		if (c->conf.prefetch_percent > 0 &&
		    (e->expires - now) * 100 < life * c->conf.prefetch_percent)
			return FR_CACHE_FRESH_RENEW;
		return FR_CACHE_FRESH;
	}
	if (now < e->stale_until) {
		c->stats.stale_served++;
		return FR_CACHE_STALE_SERVE;
	}
	c->stats.misses++;
	return FR_CACHE_EXPIRED;
}

uint32_t
fr_cache_ttl_for(const struct fr_cache *c, const struct fr_plan *plan)
{
	uint32_t ttl = 0;

	if (!fr_plan_min_ttl(plan, &ttl))
		ttl = c->conf.failure_ttl;
	if (ttl < c->conf.min_ttl)
		ttl = c->conf.min_ttl;
	if (ttl > c->conf.max_ttl)
		ttl = c->conf.max_ttl;
	if ((plan->result == FR_RESULT_NXDOMAIN ||
	    plan->result == FR_RESULT_NODATA) &&
	    ttl > c->conf.max_negative_ttl)
		ttl = c->conf.max_negative_ttl;
	if (fr_plan_has_failure(plan) && ttl > c->conf.failure_ttl)
		ttl = c->conf.failure_ttl;
	return ttl;
}

int
fr_cache_store(struct fr_cache *c, const char *key, struct fr_plan *plan,
    double now)
{
	uint64_t h = hash_str(c, key);
	struct centry *old = find(c, key, h), *e;
	size_t keylen = strlen(key);
	uint32_t ttl = fr_cache_ttl_for(c, plan);

	if (ttl == 0)
		return 0;
	if ((e = calloc(1, sizeof(*e) + keylen + 1)) == NULL)
		return -1;
	e->plan = fr_plan_ref(plan);
	if (old != NULL)
		drop(c, old);
	memcpy(e->key, key, keylen + 1);
	e->stored = now;
	e->expires = now + ttl;
	e->bytes = sizeof(*e) + keylen + 1 + fr_plan_bytes(plan);
	fr_htab_insert(&c->tab, &e->node, h);
	TAILQ_INSERT_TAIL(&c->lru, e, lru);
	c->stats.entries++;
	c->stats.bytes += e->bytes;
	c->stats.stores++;

	/* Evict least recently used, never the entry just stored. */
	while ((c->stats.entries > c->conf.max_entries ||
	    c->stats.bytes > c->conf.max_bytes) &&
	    TAILQ_FIRST(&c->lru) != e) {
		drop(c, TAILQ_FIRST(&c->lru));
		c->stats.evictions++;
	}
	return 0;
}

bool
fr_cache_serve_stale(struct fr_cache *c, const char *key, double now,
    struct fr_cache_view *view)
{
	struct centry *e = find(c, key, hash_str(c, key));

	if (e == NULL || now < e->expires ||
	    now >= e->expires + c->conf.stale_max)
		return false;
	e->stale_until = now + c->conf.stale_retry;
	c->stats.stale_served++;
	fill_view(e, now, view);
	return true;
}

struct fr_cache_stats *
fr_cache_stats(struct fr_cache *c)
{
	return &c->stats;
}

void
fr_cache_each(struct fr_cache *c, double now, fr_cache_each_fn *fn, void *arg)
{
	struct centry *e;
	struct fr_cache_view view;
	double stale_left;

	TAILQ_FOREACH(e, &c->lru, lru) {
		view.plan = e->plan;
		view.age = now - e->stored;
		view.ttl_left = e->expires - now;
		stale_left = e->expires + c->conf.stale_max - now;
		fn(arg, &view, stale_left > 0 ? stale_left : 0);
	}
}

size_t
fr_cache_flush(struct fr_cache *c, const char *domain)
{
	struct centry *e, *next;
	size_t n = 0;

	for (e = TAILQ_FIRST(&c->lru); e != NULL; e = next) {
		next = TAILQ_NEXT(e, lru);
		if (domain != NULL && strcmp(e->plan->domain, domain) != 0)
			continue;
		drop(c, e);
		n++;
	}
	return n;
}
