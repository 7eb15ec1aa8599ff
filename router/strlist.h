/*
 * strlist.h -- the lists of strings of a configuration (struct
 * fr_strlist, edgeconf.h): each string with the line it was written on.
 * A list owns its strings; an empty list is all zeroes.
 */
#ifndef FR_STRLIST_H
#define FR_STRLIST_H

#include "edgeconf.h"

/* Append a copy of s.  0, or -1 when memory ran out (l unchanged). */
int fr_strlist_append(struct fr_strlist *l, const char *s, int line);
/* dst = a copy of src (dst's old contents are not freed).  0, or -1
 * when memory ran out (then dst holds what was copied: free it). */
int fr_strlist_copy(struct fr_strlist *dst, const struct fr_strlist *src);
/* Free the strings and empty the list. */
void fr_strlist_free(struct fr_strlist *l);

#endif /* FR_STRLIST_H */
