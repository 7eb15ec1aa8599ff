/*
 * strbuf.h -- build a string in a fixed buffer.
 *
 * Appends never overflow: text that does not fit is cut, and the end of
 * the buffer then reads "..." so that a reader sees the cut.
 */
#ifndef FR_STRBUF_H
#define FR_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct fr_strbuf {
	char *buf;
	size_t size;			/* of buf, at least 4 */
	size_t len;			/* characters in buf */
	bool cut;			/* something did not fit */
};

/* Start with an empty string in buf (size >= 4). */
void fr_strbuf_init(struct fr_strbuf *sb, char *buf, size_t size);
void fr_strbuf_printf(struct fr_strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append sep first unless the string is still empty. */
void fr_strbuf_item(struct fr_strbuf *sb, const char *sep, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/*
 * Append len bytes a peer sent, safe for a terminal, a log line or JSON:
 * printable ASCII stays (a backslash doubles), every other byte reads
 * \xHH.
 */
void fr_strbuf_escape(struct fr_strbuf *sb, const void *data, size_t len);

#endif /* FR_STRBUF_H */
