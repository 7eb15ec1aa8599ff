/*
 * escape.c -- UTF-8 decoding and escaping of untrusted text.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"

size_t
fr_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c, min;
	size_t len, i;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;	/* continuation byte, C0/C1 lead, F5-FF */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

bool
fr_cp_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	    cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

bool
fr_escape_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t i = 0, k;

	while (i < n) {
		if ((k = fr_utf8_decode(p + i, n - i, &cp)) == 0 ||
		    fr_cp_is_control(cp))
			return false;
		i += k;
	}
	return true;
}

char *
fr_escape(char *out, size_t outlen, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, k;
	char tmp[16];
	uint32_t cp;

	while (i < n) {
		const char *piece;
		size_t plen;

		k = fr_utf8_decode(p + i, n - i, &cp);
		if (k == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			piece = tmp;
			plen = 4;
			k = 1;
		} else if (!fr_cp_is_control(cp)) {
			piece = s + i;
			plen = k;
		} else if (cp == '\n' || cp == '\r' || cp == '\t') {
			tmp[0] = '\\';
			tmp[1] = cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't';
			piece = tmp;
			plen = 2;
		} else if (k == 1) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned)cp);
			piece = tmp;
			plen = 4;
		} else {
			plen = (size_t)snprintf(tmp, sizeof(tmp), "\\u{%04x}",
			    (unsigned)cp);
			piece = tmp;
		}
		if (o + plen + 1 > outlen) {
			/* Cut: make room for "..." and the NUL, never in
			 * the middle of a character already written. */
			size_t end = o;

			while (o > 0 && (o + 4 > outlen ||
			    (o < end && ((unsigned char)out[o] & 0xc0) == 0x80)))
				o--;
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, piece, plen);
		o += plen;
		i += k;
	}
	out[o] = '\0';
	return out;
}

char *
fr_escape_str(char *out, size_t outlen, const char *s)
{
	if (s == NULL) {
		out[0] = '\0';
		return out;
	}
	return fr_escape(out, outlen, s, strlen(s));
}
