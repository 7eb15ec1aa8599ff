/*
 * health.c -- destination health table: a chained hash on
 * (family, address, port, transport) plus a list in order of last
 * failure for bounded eviction.
 */
#include "config.h"

#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"

struct hkey {
	uint8_t family;			/* 4 or 6 */
	uint8_t transport;
	uint16_t port;
	uint8_t addr[16];
};

struct hentry {
	struct hkey key;
	struct hentry *next;		/* hash chain */
	TAILQ_ENTRY(hentry) age;	/* oldest last failure first */
	struct fr_health_state st;
};

struct fr_health {
	struct fr_health_conf conf;
	struct hentry **buckets;
	size_t nbuckets;		/* power of two */
	size_t count;
	TAILQ_HEAD(, hentry) by_age;
};

static void
make_key(struct hkey *k, const struct fr_address *a, uint16_t port,
    enum fr_transport tp)
{
	memset(k, 0, sizeof(*k));
	k->transport = (uint8_t)tp;
	k->port = port;
	if (a->family == AF_INET) {
		k->family = 4;
		memcpy(k->addr, &a->u.v4, sizeof(a->u.v4));
	} else {
		k->family = 6;
		memcpy(k->addr, &a->u.v6, sizeof(a->u.v6));
	}
}

/* FNV-1a: the key is small and not attacker-chosen in bulk. */
static size_t
hash_key(const struct hkey *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (size_t)(h ^ (h >> 32));
}

static struct hentry **
find_slot(const struct fr_health *h, const struct hkey *k)
{
	struct hentry **pp = &h->buckets[hash_key(k) & (h->nbuckets - 1)];

	while (*pp != NULL && memcmp(&(*pp)->key, k, sizeof(*k)) != 0)
		pp = &(*pp)->next;
	return pp;
}

struct fr_health *
fr_health_create(const struct fr_health_conf *conf)
{
	struct fr_health *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if (conf != NULL)
		h->conf = *conf;
	if (h->conf.base_backoff <= 0)
		h->conf.base_backoff = FR_HEALTH_DEFAULT_BASE;
	if (h->conf.max_backoff <= 0)
		h->conf.max_backoff = FR_HEALTH_DEFAULT_MAX;
	if (h->conf.max_retry_after <= 0)
		h->conf.max_retry_after = FR_HEALTH_DEFAULT_RETRY_AFTER;
	if (h->conf.max_entries == 0)
		h->conf.max_entries = FR_HEALTH_DEFAULT_ENTRIES;
	h->nbuckets = 64;
	while (h->nbuckets < h->conf.max_entries && h->nbuckets < 65536)
		h->nbuckets <<= 1;
	if ((h->buckets = calloc(h->nbuckets, sizeof(*h->buckets))) == NULL) {
		free(h);
		return NULL;
	}
	TAILQ_INIT(&h->by_age);
	return h;
}

static void
remove_entry(struct fr_health *h, struct hentry **pp)
{
	struct hentry *e = *pp;

	*pp = e->next;
	TAILQ_REMOVE(&h->by_age, e, age);
	h->count--;
	free(e);
}

void
fr_health_delete(struct fr_health *h)
{
	struct hentry *e;

	if (h == NULL)
		return;
	while ((e = TAILQ_FIRST(&h->by_age)) != NULL) {
		TAILQ_REMOVE(&h->by_age, e, age);
		free(e);
	}
	free(h->buckets);
	free(h);
}

int
fr_health_failure(struct fr_health *h, const struct fr_address *addr,
    uint16_t port, enum fr_transport tp, const char *reason,
    double retry_after, double now)
{
	struct hentry **pp, *e;
	struct hkey k;
	double backoff;
	unsigned i;

	make_key(&k, addr, port, tp);
	pp = find_slot(h, &k);
	if ((e = *pp) == NULL) {
		if (h->count >= h->conf.max_entries) {
			struct hentry *old = TAILQ_FIRST(&h->by_age);

			remove_entry(h, find_slot(h, &old->key));
			pp = find_slot(h, &k);
		}
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return -1;
		e->key = k;
		*pp = e;
		h->count++;
	} else {
		TAILQ_REMOVE(&h->by_age, e, age);
	}
	TAILQ_INSERT_TAIL(&h->by_age, e, age);

	e->st.failures++;
	e->st.last_failure = now;
	snprintf(e->st.reason, sizeof(e->st.reason), "%s",
	    reason ? reason : "failed");
	if (retry_after > 0) {
		backoff = retry_after < h->conf.max_retry_after ?
		    retry_after : h->conf.max_retry_after;
	} else {
		backoff = h->conf.base_backoff;
		for (i = 1; i < e->st.failures && backoff < h->conf.max_backoff;
		    i++)
			backoff *= 2;
		if (backoff > h->conf.max_backoff)
			backoff = h->conf.max_backoff;
	}
	e->st.down_until = now + backoff;
	return 0;
}

void
fr_health_success(struct fr_health *h, const struct fr_address *addr,
    uint16_t port, enum fr_transport tp)
{
	struct hentry **pp;
	struct hkey k;

	make_key(&k, addr, port, tp);
	if (*(pp = find_slot(h, &k)) != NULL)
		remove_entry(h, pp);
}

bool
fr_health_get(const struct fr_health *h, const struct fr_address *addr,
    uint16_t port, enum fr_transport tp, double now,
    struct fr_health_state *st)
{
	struct hentry *e;
	struct hkey k;

	if (h->count == 0)
		return false;
	make_key(&k, addr, port, tp);
	if ((e = *find_slot(h, &k)) == NULL)
		return false;
	*st = e->st;
	st->down = now < e->st.down_until;
	return true;
}

size_t
fr_health_count(const struct fr_health *h)
{
	return h->count;
}
