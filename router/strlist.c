/*
 * strlist.c -- lists of strings with their lines.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "strlist.h"

int
fr_strlist_append(struct fr_strlist *l, const char *s, int line)
{
	char **v;
	int *lines;
	char *copy;

	if ((copy = strdup(s)) == NULL)
		return -1;
	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL) {
		free(copy);
		return -1;
	}
	l->v = v;
	if ((lines = realloc(l->line, (l->n + 1) * sizeof(*lines))) == NULL) {
		free(copy);
		return -1;
	}
	l->line = lines;
	l->v[l->n] = copy;
	l->line[l->n++] = line;
	return 0;
}

int
fr_strlist_copy(struct fr_strlist *dst, const struct fr_strlist *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++)
		if (fr_strlist_append(dst, src->v[i], src->line[i]) != 0)
			return -1;
	return 0;
}

void
fr_strlist_free(struct fr_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->line);
	memset(l, 0, sizeof(*l));
}
