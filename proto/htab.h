/*
 * htab.h -- one chained hash table for every table of fedroute (the
 * resolver's cache, resolutions in progress and destination health,
 * the router's per-source counts), keyed with seeded SipHash-2-4 so
 * that names and addresses a peer chooses cannot be made to collide.
 *
 * Intrusive: an entry embeds a struct fr_hnode and the table links
 * those; the caller owns, allocates and frees its entries, and compares
 * keys itself (the table only knows their hashes).  Buckets double when
 * entries outnumber them (if memory is short the table keeps working
 * with longer chains).  Not thread-safe: one loop owns a table.
 *
 *	struct entry { struct fr_hnode node; char key[32]; ... };
 *	uint64_t h = fr_htab_hash(&t, key, strlen(key));
 *	for (n = fr_htab_first(&t, h); n != NULL; n = fr_htab_next(n, h))
 *		if (strcmp(FR_HTAB_ENTRY(n, struct entry, node)->key, key) == 0)
 *			...found
 */
#ifndef FR_HTAB_H
#define FR_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct fr_hnode {
	struct fr_hnode *next;		/* in its bucket */
	uint64_t hash;
};

struct fr_htab {
	struct fr_hnode **b;
	size_t nb;			/* buckets, a power of two */
	size_t n;			/* entries */
	uint8_t key[16];		/* SipHash key, random per table */
};

/* The entry of type that holds node as its member. */
#define FR_HTAB_ENTRY(node, type, member) \
	((type *)(void *)((char *)(node) - offsetof(type, member)))

/* An empty table with a fresh random key; -1 if memory ran out. */
int fr_htab_init(struct fr_htab *t);
/* Free the buckets (not the entries, which are the caller's). */
void fr_htab_fini(struct fr_htab *t);

/* The hash of a key for this table. */
uint64_t fr_htab_hash(const struct fr_htab *t, const void *key, size_t len);

/* The first / next entry whose hash is h (compare the keys yourself);
 * NULL at the end. */
struct fr_hnode *fr_htab_first(const struct fr_htab *t, uint64_t h);
struct fr_hnode *fr_htab_next(const struct fr_hnode *n, uint64_t h);

/* Link n, with hash h, into t (never fails; may grow the buckets). */
void fr_htab_insert(struct fr_htab *t, struct fr_hnode *n, uint64_t h);
/* Unlink n, which must be in t. */
void fr_htab_remove(struct fr_htab *t, struct fr_hnode *n);

/* SipHash-2-4 (Aumasson and Bernstein) of in under a 16-byte key. */
uint64_t fr_siphash24(const uint8_t key[16], const void *in, size_t len);

#endif /* FR_HTAB_H */
