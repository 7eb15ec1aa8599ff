/*
 * htab.c -- chained hash table with SipHash-2-4 keys (see htab.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "htab.h"

#define MIN_BUCKETS	64
#define MAX_BUCKETS	((size_t)1 << 24)

/* ---- SipHash-2-4 ---------------------------------------------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;			\
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;			\
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	    (uint64_t)p[7] << 56;
}

uint64_t
fr_siphash24(const uint8_t key[16], const void *in, size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	const uint8_t *p = in, *end = p + (len & ~(size_t)7);
	uint64_t m, b = (uint64_t)len << 56;
	size_t i;

	for (; p != end; p += 8) {
		m = le64(p);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (i = 0; i < (len & 7); i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- the table ------------------------------------------------------------ */

int
fr_htab_init(struct fr_htab *t)
{
	memset(t, 0, sizeof(*t));
	if ((t->b = calloc(MIN_BUCKETS, sizeof(*t->b))) == NULL)
		return -1;
	t->nb = MIN_BUCKETS;
	if (getrandom(t->key, sizeof(t->key), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(t->key)) {
		/* Early boot without entropy: still unpredictable enough
		 * to a remote peer, and correct either way. */
		struct timespec ts;
		uint64_t a, b;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		a = (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32 ^
		    (uint64_t)(uintptr_t)t;
		b = (uint64_t)time(NULL) ^ (uint64_t)ts.tv_sec << 20;
		memcpy(t->key, &a, 8);
		memcpy(t->key + 8, &b, 8);
	}
	return 0;
}

void
fr_htab_fini(struct fr_htab *t)
{
	free(t->b);
	t->b = NULL;
	t->nb = t->n = 0;
}

uint64_t
fr_htab_hash(const struct fr_htab *t, const void *key, size_t len)
{
	return fr_siphash24(t->key, key, len);
}

struct fr_hnode *
fr_htab_first(const struct fr_htab *t, uint64_t h)
{
	struct fr_hnode *n = t->b[h & (t->nb - 1)];

	while (n != NULL && n->hash != h)
		n = n->next;
	return n;
}

struct fr_hnode *
fr_htab_next(const struct fr_hnode *n, uint64_t h)
{
	for (n = n->next; n != NULL && n->hash != h; n = n->next)
		;
	return (struct fr_hnode *)(uintptr_t)n;
}

/* Double the buckets; stay as we are if memory is short. */
static void
grow(struct fr_htab *t)
{
	struct fr_hnode **nb, *n;
	size_t i, size = t->nb * 2;

	if (size > MAX_BUCKETS || (nb = calloc(size, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < t->nb; i++)
		while ((n = t->b[i]) != NULL) {
			t->b[i] = n->next;
			n->next = nb[n->hash & (size - 1)];
			nb[n->hash & (size - 1)] = n;
		}
	free(t->b);
	t->b = nb;
	t->nb = size;
}

void
fr_htab_insert(struct fr_htab *t, struct fr_hnode *n, uint64_t h)
{
	struct fr_hnode **slot;

	if (t->n >= t->nb)
		grow(t);
	slot = &t->b[h & (t->nb - 1)];
	n->hash = h;
	n->next = *slot;
	*slot = n;
	t->n++;
}

void
fr_htab_remove(struct fr_htab *t, struct fr_hnode *n)
{
	struct fr_hnode **pp = &t->b[n->hash & (t->nb - 1)];

	while (*pp != NULL && *pp != n)
		pp = &(*pp)->next;
	if (*pp == n) {
		*pp = n->next;
		t->n--;
	}
}
