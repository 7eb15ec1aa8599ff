/*
 * srclimit.c -- a chained hash table of per-address counts, keyed with
 * a random seed so that a client cannot choose addresses that collide.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "srclimit.h"

#define MIN_BUCKETS 256

struct entry {
	struct entry *next;
	uint8_t ip[16];
	unsigned count;
};

struct fr_srclimit {
	struct entry **b;
	size_t nb;		/* a power of two */
	size_t n;		/* entries */
	uint64_t seed;
};

static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static size_t
bucket(const struct fr_srclimit *t, const uint8_t ip[16])
{
	uint64_t a, b;

	memcpy(&a, ip, 8);
	memcpy(&b, ip + 8, 8);
	return (size_t)(mix64(mix64(t->seed ^ a) ^ b) & (t->nb - 1));
}

struct fr_srclimit *
fr_srclimit_create(void)
{
	struct fr_srclimit *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	if ((t->b = calloc(MIN_BUCKETS, sizeof(*t->b))) == NULL) {
		free(t);
		return NULL;
	}
	t->nb = MIN_BUCKETS;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(t->seed))
		t->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return t;
}

void
fr_srclimit_delete(struct fr_srclimit *t)
{
	struct entry *e;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nb; i++)
		while ((e = t->b[i]) != NULL) {
			t->b[i] = e->next;
			free(e);
		}
	free(t->b);
	free(t);
}

/* Double the buckets when chains grow; stay as we are if memory is
 * short (longer chains, still correct). */
static void
grow(struct fr_srclimit *t)
{
	struct entry **old = t->b, *e;
	size_t oldnb = t->nb, i, h;

	if ((t->b = calloc(oldnb * 2, sizeof(*t->b))) == NULL) {
		t->b = old;
		return;
	}
	t->nb = oldnb * 2;
	for (i = 0; i < oldnb; i++)
		while ((e = old[i]) != NULL) {
			old[i] = e->next;
			h = bucket(t, e->ip);
			e->next = t->b[h];
			t->b[h] = e;
		}
	free(old);
}

unsigned
fr_srclimit_add(struct fr_srclimit *t, const uint8_t ip[16])
{
	size_t h = bucket(t, ip);
	struct entry *e;

	for (e = t->b[h]; e != NULL; e = e->next)
		if (memcmp(e->ip, ip, 16) == 0)
			return ++e->count;
	if ((e = malloc(sizeof(*e))) == NULL)
		return 0;
	memcpy(e->ip, ip, 16);
	e->count = 1;
	e->next = t->b[h];
	t->b[h] = e;
	if (++t->n > t->nb)
		grow(t);
	return 1;
}

void
fr_srclimit_del(struct fr_srclimit *t, const uint8_t ip[16])
{
	struct entry **pp, *e;

	for (pp = &t->b[bucket(t, ip)]; (e = *pp) != NULL; pp = &e->next)
		if (memcmp(e->ip, ip, 16) == 0) {
			if (--e->count == 0) {
				*pp = e->next;
				free(e);
				t->n--;
			}
			return;
		}
}
