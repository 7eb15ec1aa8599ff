/*
 * pool.c -- pools and the three balancing algorithms.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "pool.h"

struct member {
	struct fr_node *node;
	long cur;		/* smooth weighted round robin */
};

struct fr_pool {
	unsigned refs;
	char name[FR_NAME_MAX];
	enum fr_balance balance;
	bool pat;		/* a listener's one node */
	size_t rr;		/* leastconn: where ties start */
	size_t n;
	struct member m[];
};

struct fr_pool *
fr_pool_create(const char *name, enum fr_balance balance,
    struct fr_node *const *nodes, size_t n)
{
	struct fr_pool *p;
	size_t i;

	if (n == 0 || n > FR_POOL_MAX_NODES)
		return NULL;
	if ((p = calloc(1, sizeof(*p) + n * sizeof(p->m[0]))) == NULL)
		return NULL;
	p->refs = 1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->balance = balance;
	p->n = n;
	for (i = 0; i < n; i++) {
		p->m[i].node = nodes[i];
		fr_node_ref(nodes[i]);
	}
	return p;
}

struct fr_pool *
fr_pool_for_node(struct fr_node *n)
{
	struct fr_pool *p = fr_pool_create(n->name, FR_BALANCE_ROUNDROBIN, &n,
	    1);

	if (p != NULL)
		p->pat = true;
	return p;
}

bool
fr_pool_is_pat(const struct fr_pool *p)
{
	return p->pat;
}

void
fr_pool_ref(struct fr_pool *p)
{
	p->refs++;
}

void
fr_pool_unref(struct fr_pool *p)
{
	size_t i;

	if (p == NULL || --p->refs > 0)
		return;
	for (i = 0; i < p->n; i++)
		fr_node_unref(p->m[i].node);
	free(p);
}

const char *
fr_pool_name(const struct fr_pool *p)
{
	return p->name;
}

enum fr_balance
fr_pool_balance(const struct fr_pool *p)
{
	return p->balance;
}

size_t
fr_pool_size(const struct fr_pool *p)
{
	return p->n;
}

struct fr_node *
fr_pool_node(const struct fr_pool *p, size_t i)
{
	return i < p->n ? p->m[i].node : NULL;
}

size_t
fr_pool_up(const struct fr_pool *p)
{
	size_t i, up = 0;

	for (i = 0; i < p->n; i++)
		if (p->m[i].node->up)
			up++;
	return up;
}

static uint64_t
mix64(uint64_t x)
{
	/* splitmix64's finaliser: every input bit reaches every output bit */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

double
fr_rendezvous_score(const uint8_t ip[16], uint64_t node_key, unsigned weight)
{
	uint64_t hi = 0, lo = 0, h;
	double u;
	int i;

	/* Big-endian words: the same score on every host. */
	for (i = 0; i < 8; i++) {
		hi = hi << 8 | ip[i];
		lo = lo << 8 | ip[8 + i];
	}
	h = mix64(mix64(node_key ^ hi) ^ lo);
	/* u uniform in (0, 1); weight / -ln(u) is the weighted
	 * rendezvous score (Schindelhauer and Schomaker). */
	u = ((double)(h >> 11) + 0.5) * 0x1.0p-53;
	return (double)weight / -log(u);
}

static bool
usable(const struct fr_pool *p, size_t i, uint64_t tried)
{
	return p->m[i].node->up && !p->m[i].node->drained &&
	    !(tried & (UINT64_C(1) << i));
}

static long
pick_roundrobin(struct fr_pool *p, uint64_t tried)
{
	long total = 0, best = -1;
	size_t i;

	/* nginx's smooth weighted round robin: each pick raises every
	 * candidate by its weight and lowers the winner by the total. */
	for (i = 0; i < p->n; i++) {
		if (!usable(p, i, tried))
			continue;
		p->m[i].cur += p->m[i].node->set->weight;
		total += p->m[i].node->set->weight;
		if (best < 0 || p->m[i].cur > p->m[best].cur)
			best = (long)i;
	}
	if (best >= 0)
		p->m[best].cur -= total;
	return best;
}

static long
pick_leastconn(struct fr_pool *p, uint64_t tried)
{
	long best = -1;
	size_t k, i;

	for (k = 0; k < p->n; k++) {
		const struct fr_node *a, *b;

		i = (p->rr + k) % p->n;
		if (!usable(p, i, tried))
			continue;
		if (best < 0) {
			best = (long)i;
			continue;
		}
		/* active/weight < best's, without division */
		a = p->m[i].node;
		b = p->m[best].node;
		if ((uint64_t)a->active * b->set->weight <
		    (uint64_t)b->active * a->set->weight)
			best = (long)i;
	}
	if (best >= 0)
		p->rr = ((size_t)best + 1) % p->n;
	return best;
}

static long
pick_source(struct fr_pool *p, const struct fr_sockaddr *client,
    uint64_t tried)
{
	double score, top = -1.0;
	uint8_t ip[16];
	long best = -1;
	size_t i;

	fr_addr_ip16(client, ip);
	for (i = 0; i < p->n; i++) {
		if (!usable(p, i, tried))
			continue;
		score = fr_rendezvous_score(ip, p->m[i].node->key,
		    p->m[i].node->set->weight);
		if (score > top) {
			top = score;
			best = (long)i;
		}
	}
	return best;
}

struct fr_node *
fr_pool_pick(struct fr_pool *p, const struct fr_sockaddr *client,
    uint64_t tried, size_t *idx)
{
	long i;

	switch (p->balance) {
	case FR_BALANCE_LEASTCONN:
		i = pick_leastconn(p, tried);
		break;
	case FR_BALANCE_SOURCE:
		i = pick_source(p, client, tried);
		break;
	default:
		i = pick_roundrobin(p, tried);
		break;
	}
	if (i < 0)
		return NULL;
	*idx = (size_t)i;
	return p->m[i].node;
}
