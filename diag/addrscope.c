/*
 * addrscope.c -- special-purpose address ranges (RFC 6890).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "addrscope.h"

static const char *
v4_scope(const uint8_t *b)
{
	if (b[0] == 0)
		return "this network";
	if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
	    (b[0] == 192 && b[1] == 168))
		return "private";
	if (b[0] == 100 && (b[1] & 0xc0) == 64)
		return "shared";
	if (b[0] == 127)
		return "loopback";
	if (b[0] == 169 && b[1] == 254)
		return "link-local";
	if (b[0] >= 224 && b[0] <= 239)
		return "multicast";
	if (b[0] >= 240)
		return "reserved";
	return NULL;
}

const char *
fr_address_nonpublic(const struct fr_address *a)
{
	static const uint8_t mapped[12] =
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t zero[16];
	const uint8_t *b;

	if (a->family == AF_INET)
		return v4_scope((const uint8_t *)&a->u.v4);
	b = (const uint8_t *)&a->u.v6;
	if (memcmp(b, zero, 15) == 0)
		return b[15] == 1 ? "loopback" : b[15] == 0 ?
		    "unspecified" : "reserved";
	if (memcmp(b, mapped, sizeof(mapped)) == 0)
		return v4_scope(b + 12);
	if ((b[0] & 0xfe) == 0xfc)
		return "unique-local";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local";
	if (b[0] == 0xff)
		return "multicast";
	return NULL;
}
