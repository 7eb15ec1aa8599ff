/*
 * srclimit.c -- per-address counts in a hash table (proto/htab.h), whose
 * random SipHash key keeps a client from choosing addresses that
 * collide.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "srclimit.h"

struct entry {
	struct fr_hnode node;
	uint8_t ip[16];
	unsigned count;
};

struct fr_srclimit {
	struct fr_htab tab;
};

static struct entry *
find(const struct fr_srclimit *t, const uint8_t ip[16], uint64_t h)
{
	struct fr_hnode *n;

	for (n = fr_htab_first(&t->tab, h); n != NULL; n = fr_htab_next(n, h))
		if (memcmp(FR_HTAB_ENTRY(n, struct entry, node)->ip, ip,
		    16) == 0)
			return FR_HTAB_ENTRY(n, struct entry, node);
	return NULL;
}

struct fr_srclimit *
fr_srclimit_create(void)
{
	struct fr_srclimit *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	if (fr_htab_init(&t->tab) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

void
fr_srclimit_delete(struct fr_srclimit *t)
{
	struct fr_hnode *n;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->tab.nb; i++)
		while ((n = t->tab.b[i]) != NULL) {
			fr_htab_remove(&t->tab, n);
			free(FR_HTAB_ENTRY(n, struct entry, node));
		}
	fr_htab_fini(&t->tab);
	free(t);
}

unsigned
fr_srclimit_add(struct fr_srclimit *t, const uint8_t ip[16])
{
	uint64_t h = fr_htab_hash(&t->tab, ip, 16);
	struct entry *e;

	if ((e = find(t, ip, h)) != NULL)
		return ++e->count;
	if ((e = malloc(sizeof(*e))) == NULL)
		return 0;
	memcpy(e->ip, ip, 16);
	e->count = 1;
	fr_htab_insert(&t->tab, &e->node, h);
	return 1;
}

void
fr_srclimit_del(struct fr_srclimit *t, const uint8_t ip[16])
{
	struct entry *e = find(t, ip, fr_htab_hash(&t->tab, ip, 16));

	if (e != NULL && --e->count == 0) {
		fr_htab_remove(&t->tab, &e->node);
		free(e);
	}
}
