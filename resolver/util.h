/*
 * util.h -- two small helpers the resolver's modules share.
 */
#ifndef FR_UTIL_H
#define FR_UTIL_H

#include <stddef.h>

/*
 * Grow the array *arrp of *n elements of size sz by one zeroed element
 * and return it, or NULL (array unchanged) when memory ran out.
 * arrp is the address of the array pointer, of any element type.
 */
void *fr_array_grow(void *arrp, size_t *n, size_t sz);

/* Domain name as fedroute prints it: lower case, no trailing dot
 * (the root stays "."). */
void fr_dname_normalise(char *name);

#endif /* FR_UTIL_H */
