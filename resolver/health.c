/*
 * health.c -- destination health table: a hash table (proto/htab.h) on
 * (family, address, port, transport) plus a list in order of last
 * failure for bounded eviction.
 */
#include "config.h"

#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "htab.h"

struct hkey {
	uint8_t family;			/* 4 or 6 */
	uint8_t transport;
	uint16_t port;
	uint8_t addr[16];
};

struct hentry {
	struct hkey key;
	struct fr_hnode node;		/* in the table, by key */
	TAILQ_ENTRY(hentry) age;	/* oldest last failure first */
	struct fr_health_state st;
};

struct fr_health {
	struct fr_health_conf conf;
	struct fr_htab tab;
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

static struct hentry *
find(const struct fr_health *h, const struct hkey *k, uint64_t hash)
{
	struct fr_hnode *n;

	for (n = fr_htab_first(&h->tab, hash); n != NULL;
	    n = fr_htab_next(n, hash))
		if (memcmp(&FR_HTAB_ENTRY(n, struct hentry, node)->key, k,
		    sizeof(*k)) == 0)
			return FR_HTAB_ENTRY(n, struct hentry, node);
	return NULL;
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
	if (fr_htab_init(&h->tab) != 0) {
		free(h);
		return NULL;
	}
	TAILQ_INIT(&h->by_age);
	return h;
}

static void
remove_entry(struct fr_health *h, struct hentry *e)
{
	fr_htab_remove(&h->tab, &e->node);
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
	fr_htab_fini(&h->tab);
	free(h);
}

int
fr_health_failure(struct fr_health *h, const struct fr_address *addr,
    uint16_t port, enum fr_transport tp, const char *reason,
    double retry_after, double now)
{
	struct hentry *e;
	struct hkey k;
	uint64_t hash;
	double backoff;
	unsigned i;

	make_key(&k, addr, port, tp);
	hash = fr_htab_hash(&h->tab, &k, sizeof(k));
	if ((e = find(h, &k, hash)) == NULL) {
		if (h->count >= h->conf.max_entries)
			remove_entry(h, TAILQ_FIRST(&h->by_age));
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return -1;
		e->key = k;
		fr_htab_insert(&h->tab, &e->node, hash);
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
	struct hentry *e;
	struct hkey k;

	make_key(&k, addr, port, tp);
	if ((e = find(h, &k, fr_htab_hash(&h->tab, &k, sizeof(k)))) != NULL)
		remove_entry(h, e);
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
	if ((e = find(h, &k, fr_htab_hash(&h->tab, &k, sizeof(k)))) == NULL)
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

/* The address of a key, as the caller gave it. */
static void
key_address(const struct hkey *k, struct fr_address *a)
{
	memset(a, 0, sizeof(*a));
	if (k->family == 4) {
		a->family = AF_INET;
		memcpy(&a->u.v4, k->addr, sizeof(a->u.v4));
	} else {
		a->family = AF_INET6;
		memcpy(&a->u.v6, k->addr, sizeof(a->u.v6));
	}
}

void
fr_health_each(const struct fr_health *h, double now, fr_health_each_fn *fn,
    void *arg)
{
	const struct hentry *e;
	struct fr_health_state st;
	struct fr_address a;

	TAILQ_FOREACH(e, &h->by_age, age) {
		key_address(&e->key, &a);
		st = e->st;
		st.down = now < st.down_until;
		fn(arg, &a, e->key.port, (enum fr_transport)e->key.transport,
		    &st);
	}
}

size_t
fr_health_clear(struct fr_health *h, const struct fr_address *addr,
    uint16_t port)
{
	struct hentry *e, *next;
	struct hkey k;
	size_t n = 0;

	if (addr != NULL)
		make_key(&k, addr, port, FR_TRANSPORT_UDP);
	for (e = TAILQ_FIRST(&h->by_age); e != NULL; e = next) {
		next = TAILQ_NEXT(e, age);
		if (addr != NULL && (e->key.family != k.family ||
		    memcmp(e->key.addr, k.addr, sizeof(k.addr)) != 0 ||
		    (port != 0 && e->key.port != port)))
			continue;
		remove_entry(h, e);
		n++;
	}
	return n;
}
