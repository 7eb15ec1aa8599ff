/*
 * strbuf.c -- bounded string building.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"

void
fr_strbuf_init(struct fr_strbuf *sb, char *buf, size_t size)
{
	sb->buf = buf;
	sb->size = size;
	sb->len = 0;
	sb->cut = false;
	buf[0] = '\0';
}

static void
vappend(struct fr_strbuf *sb, const char *fmt, va_list ap)
{
	size_t room = sb->size - sb->len;
	int n;

	if (sb->cut)
		return;
	n = vsnprintf(sb->buf + sb->len, room, fmt, ap);
	if (n < 0) {
		sb->buf[sb->len] = '\0';
		return;
	}
	if ((size_t)n < room) {
		sb->len += (size_t)n;
		return;
	}
	sb->cut = true;
	sb->len = sb->size - 1;
	memcpy(sb->buf + sb->size - 4, "...", 4);
}

void
fr_strbuf_printf(struct fr_strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vappend(sb, fmt, ap);
	va_end(ap);
}

void
fr_strbuf_item(struct fr_strbuf *sb, const char *sep, const char *fmt, ...)
{
	va_list ap;

	if (sb->len > 0)
		fr_strbuf_printf(sb, "%s", sep);
	va_start(ap, fmt);
	vappend(sb, fmt, ap);
	va_end(ap);
}

void
fr_strbuf_escape(struct fr_strbuf *sb, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len && !sb->cut; i++) {
		if (p[i] == '\\')
			fr_strbuf_printf(sb, "\\\\");
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			fr_strbuf_printf(sb, "%c", p[i]);
		else
			fr_strbuf_printf(sb, "\\x%02x", p[i]);
	}
}
