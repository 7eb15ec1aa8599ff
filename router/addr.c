/*
 * addr.c -- literal socket addresses.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int
fr_ip_parse(const char *s, struct fr_sockaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->u.sin.sin_addr) == 1) {
		out->u.sin.sin_family = AF_INET;
		out->len = sizeof(out->u.sin);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->u.sin6.sin6_addr) == 1) {
		out->u.sin6.sin6_family = AF_INET6;
		out->len = sizeof(out->u.sin6);
		return 0;
	}
	return -1;
}

int
fr_addr_parse(const char *s, struct fr_sockaddr *out, const char **why)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *hs;
	unsigned long port;
	size_t hlen;
	char *end;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':') {
			*why = "[IPv6]:PORT";
			return -1;
		}
		hs = s + 1;
		hlen = (size_t)(close - hs);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || strchr(s, ':') != colon) {
			*why = colon == NULL ? "IP:PORT (the port is missing)" :
			    "IP:PORT (write IPv6 addresses as [IPv6]:PORT)";
			return -1;
		}
		hs = s;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		*why = "IP:PORT with an IP address";
		return -1;
	}
	memcpy(host, hs, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    port == 0 || port > 65535) {
		*why = "a port between 1 and 65535 after the ':'";
		return -1;
	}
	if (fr_ip_parse(host, out) != 0 ||
	    (*s == '[') != (out->u.sa.sa_family == AF_INET6)) {
		*why = "a literal IP address (IPv4, or [IPv6]) before the port";
		return -1;
	}
	if (out->u.sa.sa_family == AF_INET)
		out->u.sin.sin_port = htons((uint16_t)port);
	else
		out->u.sin6.sin6_port = htons((uint16_t)port);
	return 0;
}

char *
fr_addr_ip_str(const struct fr_sockaddr *a, char *buf, size_t len)
{
	const void *src;

	if (a->len == 0 || (a->u.sa.sa_family != AF_INET &&
	    a->u.sa.sa_family != AF_INET6)) {
		snprintf(buf, len, "-");
		return buf;
	}
	src = a->u.sa.sa_family == AF_INET ? (const void *)&a->u.sin.sin_addr :
	    (const void *)&a->u.sin6.sin6_addr;
	if (inet_ntop(a->u.sa.sa_family, src, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

char *
fr_addr_str(const struct fr_sockaddr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	fr_addr_ip_str(a, ip, sizeof(ip));
	if (a->len != 0 && a->u.sa.sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, fr_addr_port(a));
	else if (a->len != 0)
		snprintf(buf, len, "%s:%u", ip, fr_addr_port(a));
	else
		snprintf(buf, len, "-");
	return buf;
}

uint16_t
fr_addr_port(const struct fr_sockaddr *a)
{
	if (a->len == 0)
		return 0;
	return ntohs(a->u.sa.sa_family == AF_INET6 ? a->u.sin6.sin6_port :
	    a->u.sin.sin_port);
}

bool
fr_addr_equal(const struct fr_sockaddr *a, const struct fr_sockaddr *b)
{
	if (a->len != b->len || a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.sin.sin_port == b->u.sin.sin_port &&
		    a->u.sin.sin_addr.s_addr == b->u.sin.sin_addr.s_addr;
	if (a->u.sa.sa_family == AF_INET6)
		return a->u.sin6.sin6_port == b->u.sin6.sin6_port &&
		    memcmp(&a->u.sin6.sin6_addr, &b->u.sin6.sin6_addr,
		    sizeof(a->u.sin6.sin6_addr)) == 0;
	return a->len == 0;
}

void
fr_addr_set(struct fr_sockaddr *a, const struct sockaddr *sa, socklen_t len)
{
	memset(a, 0, sizeof(*a));
	if (len > sizeof(a->u))
		len = sizeof(a->u);
	memcpy(&a->u, sa, len);
	a->len = len;
}

void
fr_addr_ip16(const struct fr_sockaddr *a, uint8_t out[16])
{
	memset(out, 0, 16);
	if (a->len != 0 && a->u.sa.sa_family == AF_INET6) {
		memcpy(out, &a->u.sin6.sin6_addr, 16);
	} else if (a->len != 0 && a->u.sa.sa_family == AF_INET) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a->u.sin.sin_addr, 4);
	}
}

int
fr_cidr_parse(const char *s, struct fr_cidr *out)
{
	char ip[INET6_ADDRSTRLEN];
	struct fr_sockaddr a;
	const char *slash = strchr(s, '/');
	unsigned long len, max;
	size_t iplen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	char *end;
	unsigned i;

	if (iplen == 0 || iplen >= sizeof(ip))
		return -1;
	memcpy(ip, s, iplen);
	ip[iplen] = '\0';
	if (fr_ip_parse(ip, &a) != 0)
		return -1;
	max = a.u.sa.sa_family == AF_INET ? 32 : 128;
	len = max;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || len > max)
			return -1;
	}
	fr_addr_ip16(&a, out->net);
	out->prefix = (unsigned)(len + (128 - max));
	for (i = 0; i < 16; i++) {
		unsigned keep = out->prefix > i * 8 ? out->prefix - i * 8 : 0;

		if (keep < 8)
			out->net[i] &= (uint8_t)(0xff00u >> keep);
	}
	return 0;
}

bool
fr_cidr_match(const struct fr_cidr *c, const struct fr_sockaddr *a)
{
	uint8_t ip[16];
	unsigned i;

	fr_addr_ip16(a, ip);
	for (i = 0; i < 16; i++) {
		unsigned keep = c->prefix > i * 8 ? c->prefix - i * 8 : 0;
		uint8_t mask = keep >= 8 ? 0xff : (uint8_t)(0xff00u >> keep);

		if ((ip[i] & mask) != c->net[i])
			return false;
	}
	return true;
}
