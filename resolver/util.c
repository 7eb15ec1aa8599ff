/*
 * util.c -- shared helpers.
 */
#include "config.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

/*
 * The capacity is what the allocator says the block holds, so arrays
 * made by any malloc/calloc/realloc can be grown here, and no caller
 * has to keep a capacity beside its count: when the block is full it
 * doubles, so n appends cost O(n) copying in all, not O(n^2).
 */
void *
fr_array_grow(void *arrp, size_t *n, size_t sz)
{
	void **arr = arrp;
	size_t want, cap;
	void *p;

	if (*n >= SIZE_MAX / sz / 2 - 1)
		return NULL;
	want = (*n + 1) * sz;
	if (*arr == NULL || malloc_usable_size(*arr) < want) {
		cap = *n < 4 ? 4 * sz : 2 * *n * sz;
		if ((p = realloc(*arr, cap)) == NULL &&
		    (p = realloc(*arr, want)) == NULL)
			return NULL;
		*arr = p;
	}
	p = *arr;
	memset((char *)p + *n * sz, 0, sz);
	return (char *)p + (*n)++ * sz;
}

double
fr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
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

void
fr_rdf_text(const ldns_rdf *rdf, char *out, size_t outlen)
{
	const uint8_t *d;
	size_t n;

	out[0] = '\0';
	if (rdf == NULL || ldns_rdf_size(rdf) < 1)
		return;
	d = ldns_rdf_data(rdf);
	n = d[0];
	if (n > ldns_rdf_size(rdf) - 1)
		n = ldns_rdf_size(rdf) - 1;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, d + 1, n);
	out[n] = '\0';
}

void
fr_rdf_dname(const ldns_rdf *rdf, char *out, size_t outlen)
{
	char *s = rdf ? ldns_rdf2str(rdf) : NULL;

	out[0] = '\0';
	if (s == NULL)
		return;
	fr_dname_normalise(s);
	snprintf(out, outlen, "%s", s);
	free(s);
}
