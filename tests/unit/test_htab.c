/*
 * test_htab.c -- proto/htab: SipHash-2-4 against the reference vectors,
 * the table's insert / find / remove through growth, and its seed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "htab.h"

/* The paper's example and the first reference vectors (key 00..0f,
 * message 00..len-1). */
static void
siphash_reference_vectors(void **state)
{
	uint8_t key[16], msg[15];
	size_t i;

	(void)state;
	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(fr_siphash24(key, msg, 15) == 0xa129ca6149be45e5ULL);
	assert_true(fr_siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(fr_siphash24(key, msg, 1) == 0x74f839c593dc67fdULL);
	assert_true(fr_siphash24(key, msg, 8) == 0x93f5f5799a932462ULL);
}

struct item {
	struct fr_hnode node;
	unsigned key;
};

static struct item *
find(struct fr_htab *t, unsigned key)
{
	uint64_t h = fr_htab_hash(t, &key, sizeof(key));
	struct fr_hnode *n;

	for (n = fr_htab_first(t, h); n != NULL; n = fr_htab_next(n, h))
		if (FR_HTAB_ENTRY(n, struct item, node)->key == key)
			return FR_HTAB_ENTRY(n, struct item, node);
	return NULL;
}

/* 20000 entries: all found, buckets grown, chains short; then half
 * removed, and exactly that half gone. */
static void
insert_find_remove(void **state)
{
	enum { N = 20000 };
	struct item *items = calloc(N, sizeof(*items));
	struct fr_htab t;
	size_t i, longest = 0;

	(void)state;
	assert_non_null(items);
	assert_int_equal(fr_htab_init(&t), 0);
	for (i = 0; i < N; i++) {
		items[i].key = (unsigned)i * 7919u;
		fr_htab_insert(&t, &items[i].node, fr_htab_hash(&t,
		    &items[i].key, sizeof(items[i].key)));
	}
	assert_int_equal(t.n, N);
	assert_true(t.nb >= N / 2);
	for (i = 0; i < t.nb; i++) {
		size_t len = 0;
		struct fr_hnode *n;

		for (n = t.b[i]; n != NULL; n = n->next)
			len++;
		if (len > longest)
			longest = len;
	}
	assert_true(longest < 16);
	for (i = 0; i < N; i++)
		assert_ptr_equal(find(&t, items[i].key), &items[i]);
	assert_null(find(&t, 1));
	for (i = 0; i < N; i += 2)
		fr_htab_remove(&t, &items[i].node);
	assert_int_equal(t.n, N / 2);
	for (i = 0; i < N; i++)
		if (i % 2 == 0)
			assert_null(find(&t, items[i].key));
		else
			assert_ptr_equal(find(&t, items[i].key), &items[i]);
	fr_htab_fini(&t);
	free(items);
}

/* Two tables, two keys: a peer cannot precompute collisions. */
static void
tables_are_seeded(void **state)
{
	struct fr_htab a, b;
	const char *name = "sip.example.test";

	(void)state;
	assert_int_equal(fr_htab_init(&a), 0);
	assert_int_equal(fr_htab_init(&b), 0);
	assert_memory_not_equal(a.key, b.key, sizeof(a.key));
	assert_true(fr_htab_hash(&a, name, strlen(name)) !=
	    fr_htab_hash(&b, name, strlen(name)));
	fr_htab_fini(&a);
	fr_htab_fini(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash_reference_vectors),
		cmocka_unit_test(insert_find_remove),
		cmocka_unit_test(tables_are_seeded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
