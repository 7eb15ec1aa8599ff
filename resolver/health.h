/*
 * health.h -- destination health: which (address, port, transport)
 * recently failed, and until when it is considered down.
 *
 * Kept apart from cached DNS data: a failed server makes only itself
 * move to the end of plans, never a whole domain.  Each failure doubles
 * the time down (base, 2 base, 4 base, ... up to max); a Retry-After
 * from a 503 sets it directly.  A success forgets the destination.
 * The table is bounded: when full, the destination whose last failure
 * is oldest is forgotten first.
 */
#ifndef FR_HEALTH_H
#define FR_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

struct fr_health_conf {
	double base_backoff;		/* seconds down after one failure */
	double max_backoff;		/* cap of the doubling */
	double max_retry_after;		/* cap of a peer's Retry-After */
	size_t max_entries;
};

#define FR_HEALTH_DEFAULT_BASE		2.0
#define FR_HEALTH_DEFAULT_MAX		300.0
#define FR_HEALTH_DEFAULT_RETRY_AFTER	3600.0
#define FR_HEALTH_DEFAULT_ENTRIES	65536

struct fr_health_state {
	bool down;			/* now < down_until */
	double down_until;
	double last_failure;
	unsigned failures;		/* consecutive */
	char reason[64];
};

struct fr_health;

/* Zero fields of conf take the defaults.  NULL if memory ran out. */
struct fr_health *fr_health_create(const struct fr_health_conf *conf);
void fr_health_delete(struct fr_health *h);	/* NULL is fine */

/*
 * Report what happened at a destination at time now.  retry_after > 0
 * (seconds, from a 503) overrides the back-off.  Returns -1 only when
 * memory ran out (the report is then lost).
 */
int fr_health_failure(struct fr_health *h, const struct fr_address *addr,
    uint16_t port, enum fr_transport tp, const char *reason,
    double retry_after, double now);
void fr_health_success(struct fr_health *h, const struct fr_address *addr,
    uint16_t port, enum fr_transport tp);

/* Fill *st and return true if the destination has a failure record. */
bool fr_health_get(const struct fr_health *h, const struct fr_address *addr,
    uint16_t port, enum fr_transport tp, double now,
    struct fr_health_state *st);

size_t fr_health_count(const struct fr_health *h);

/* What fr_health_each shows of one destination. */
typedef void fr_health_each_fn(void *arg, const struct fr_address *addr,
    uint16_t port, enum fr_transport tp, const struct fr_health_state *st);

/* Call fn for every destination with a failure record, oldest record
 * first; st->down says whether it is down at time now.  fn must not
 * change the table. */
void fr_health_each(const struct fr_health *h, double now,
    fr_health_each_fn *fn, void *arg);

/*
 * Forget the failure records of addr (every port and transport when
 * port is 0); NULL addr forgets them all.  Returns how many went.
 */
size_t fr_health_clear(struct fr_health *h, const struct fr_address *addr,
    uint16_t port);

#endif /* FR_HEALTH_H */
