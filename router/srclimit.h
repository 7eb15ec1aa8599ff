/*
 * srclimit.h -- (router-internal) live connections per client IP
 * address, for max-connections-per-source.
 *
 * Every session is counted, whatever the limit, so that a reload that
 * sets or lowers the limit applies it correctly at once.  Memory is one
 * small entry per address with live connections.
 */
#ifndef FR_SRCLIMIT_H
#define FR_SRCLIMIT_H

#include <stdint.h>

struct fr_srclimit;

/* NULL when memory ran out. */
struct fr_srclimit *fr_srclimit_create(void);
/* NULL is fine. */
void fr_srclimit_delete(struct fr_srclimit *t);

/* One more connection from ip (fr_addr_ip16 form): the new count, or 0
 * when memory ran out (nothing counted then). */
unsigned fr_srclimit_add(struct fr_srclimit *t, const uint8_t ip[16]);
/* One connection fewer from ip. */
void fr_srclimit_del(struct fr_srclimit *t, const uint8_t ip[16]);

#endif /* FR_SRCLIMIT_H */
