/*
 * util.c -- shared helpers.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void *
fr_array_grow(void *arrp, size_t *n, size_t sz)
{
	void **arr = arrp;
	void *p;

	if (*n >= SIZE_MAX / sz - 1)
		return NULL;
	if ((p = realloc(*arr, (*n + 1) * sz)) == NULL)
		return NULL;
	*arr = p;
	memset((char *)p + *n * sz, 0, sz);
	return (char *)p + (*n)++ * sz;
}

void
fr_dname_normalise(char *name)
{
	size_t len = strlen(name), i;

	if (len > 1 && name[len - 1] == '.')
		name[--len] = '\0';
	for (i = 0; i < len; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = (char)(name[i] + ('a' - 'A'));
}
