/*
 * util.h -- small helpers the resolver's modules (and the tester) share.
 */
#ifndef FR_UTIL_H
#define FR_UTIL_H

#include <stddef.h>

#include <ldns/ldns.h>

/*
 * Grow the array *arrp of *n elements of size sz by one zeroed element
 * and return it, or NULL (array unchanged) when memory ran out.
 * arrp is the address of the array pointer, of any element type; the
 * array is NULL or a block from malloc (never a pointer into one).
 * The block doubles when full: appending n elements is O(n).
 */
void *fr_array_grow(void *arrp, size_t *n, size_t sz);

/* Milliseconds on the monotonic clock: for durations (how long a
 * question or a probe took, deadlines), never for the time of day. */
double fr_now_ms(void);

/* Domain name as fedroute prints it: lower case, no trailing dot
 * (the root stays "."). */
void fr_dname_normalise(char *name);

/* A character-string rdf (NAPTR flags, service, regexp) without its
 * length octet, truncated to fit out. */
void fr_rdf_text(const ldns_rdf *rdf, char *out, size_t outlen);
/* A domain-name rdf, normalised as fr_dname_normalise(); "" if none. */
void fr_rdf_dname(const ldns_rdf *rdf, char *out, size_t outlen);

#endif /* FR_UTIL_H */
