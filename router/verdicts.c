/*
 * verdicts.c -- the shared table of node verdicts: entries guarded by
 * sequence counts (a seqlock each).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "node.h"
#include "verdicts.h"

struct entry {
	uint32_t seq;			/* odd while being written */
	bool used;
	char name[FR_NAME_MAX];
	struct fr_sockaddr addr;
	enum fr_node_transport transport;
	bool up;
	struct fr_check_result last;
};

struct fr_verdicts {
	struct entry e[FR_NODES_MAX];
};

struct fr_verdicts *
fr_verdicts_create(void)
{
	void *p = mmap(NULL, sizeof(struct fr_verdicts), PROT_READ |
	    PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	/* Zero-filled: every entry unused, every count even. */
	return p == MAP_FAILED ? NULL : p;
}

void
fr_verdicts_delete(struct fr_verdicts *v)
{
	if (v != NULL)
		munmap(v, sizeof(*v));
}

static bool
same(const struct entry *e, const struct fr_node *n)
{
	return e->used && e->transport == n->transport &&
	    strcmp(e->name, n->name) == 0 && e->addr.len == n->addr.len &&
	    memcmp(&e->addr.u, &n->addr.u, n->addr.len) == 0;
}

static void
write_begin(struct entry *e)
{
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void
write_end(struct entry *e)
{
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
}

bool
fr_verdicts_publish(struct fr_verdicts *v, const struct fr_node *n)
{
	struct entry *e, *free_one = NULL;
	size_t i;

	for (i = 0; i < FR_NODES_MAX; i++) {
		e = &v->e[i];
		if (same(e, n))
			break;
		if (!e->used && free_one == NULL)
			free_one = e;
	}
	if (i == FR_NODES_MAX) {
		if ((e = free_one) == NULL)
			return false;
		write_begin(e);
		memcpy(e->name, n->name, sizeof(e->name));
		e->addr = n->addr;
		e->transport = n->transport;
		e->used = true;
	} else {
		write_begin(e);
	}
	e->up = n->up;
	e->last = n->last_check;
	write_end(e);
	return true;
}

void
fr_verdicts_retain(struct fr_verdicts *v, struct fr_node *const *nodes,
    size_t n)
{
	size_t i, j;

	for (i = 0; i < FR_NODES_MAX; i++) {
		struct entry *e = &v->e[i];

		if (!e->used)
			continue;
		for (j = 0; j < n && !same(e, nodes[j]); j++)
			;
		if (j < n)
			continue;
		write_begin(e);
		e->used = false;
		write_end(e);
	}
}

bool
fr_verdicts_follow(const struct fr_verdicts *v, struct fr_node *n, bool *up)
{
	struct entry copy;
	uint32_t seq;
	size_t i;

	for (i = 0; i < FR_NODES_MAX; i++) {
		const struct entry *e = &v->e[i];

		/* A cheap look first (it may race with the writer; the
		 * copy below decides). */
		if (!__atomic_load_n(&e->used, __ATOMIC_RELAXED) ||
		    strncmp(e->name, n->name, sizeof(e->name)) != 0)
			continue;
		/* A consistent copy: the count even and the same after. */
		do {
			seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
			memcpy(&copy, e, sizeof(copy));
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
		} while ((seq & 1) != 0 ||
		    seq != __atomic_load_n(&e->seq, __ATOMIC_RELAXED));
		if (!same(&copy, n))
			continue;
		*up = copy.up;
		n->last_check = copy.last;
		n->last_check.why[sizeof(n->last_check.why) - 1] = '\0';
		return true;
	}
	return false;
}
