/*
 * span.h -- a piece of someone else's buffer: a pointer and a length, not
 * NUL-terminated.  The parsers of proto/ hand these out instead of
 * copies; a span is valid as long as the buffer it points into.
 */
#ifndef FR_SPAN_H
#define FR_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

struct fr_span {
	const char *s;			/* NULL with len 0: absent */
	size_t len;
};

/* Does span a equal the NUL-terminated s, ignoring ASCII case? */
static inline bool
fr_span_ieq(struct fr_span a, const char *s)
{
	size_t n = strlen(s);

	return a.len == n && (n == 0 || strncasecmp(a.s, s, n) == 0);
}

/* ... exactly? */
static inline bool
fr_span_eq(struct fr_span a, const char *s)
{
	size_t n = strlen(s);

	return a.len == n && (n == 0 || memcmp(a.s, s, n) == 0);
}

/* Without the LWS (SP, HT, CR, LF) at either end. */
static inline struct fr_span
fr_span_trim(struct fr_span v)
{
	while (v.len > 0 && (v.s[0] == ' ' || v.s[0] == '\t' ||
	    v.s[0] == '\r' || v.s[0] == '\n')) {
		v.s++;
		v.len--;
	}
	while (v.len > 0 && (v.s[v.len - 1] == ' ' || v.s[v.len - 1] == '\t' ||
	    v.s[v.len - 1] == '\r' || v.s[v.len - 1] == '\n'))
		v.len--;
	return v;
}

#endif /* FR_SPAN_H */
