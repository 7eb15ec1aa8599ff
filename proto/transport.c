/*
 * transport.c -- names of the transports, both ways.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "transport.h"

static const char *const transport_names[] = {
	[FR_TRANSPORT_UDP] = "udp",
	[FR_TRANSPORT_TCP] = "tcp",
	[FR_TRANSPORT_TLS] = "tls",
	[FR_TRANSPORT_SCTP] = "sctp",
	[FR_TRANSPORT_SCTP_TLS] = "sctp-tls",
};

const char *
fr_transport_name(enum fr_transport t)
{
	return transport_names[t];
}

const char *
fr_transport_wire(enum fr_transport t)
{
	return t == FR_TRANSPORT_SCTP_TLS ? "sctp" : transport_names[t];
}

bool
fr_transport_secure(enum fr_transport t)
{
	return t == FR_TRANSPORT_TLS || t == FR_TRANSPORT_SCTP_TLS;
}

static int
transport_parse_n(const char *s, size_t n, enum fr_transport *out)
{
	int i;

	for (i = 0; i < FR_TRANSPORT_COUNT; i++) {
		if (strlen(transport_names[i]) == n &&
		    strncasecmp(s, transport_names[i], n) == 0) {
			*out = (enum fr_transport)i;
			return 0;
		}
	}
	return -1;
}

int
fr_transport_parse(const char *s, enum fr_transport *out)
{
	return transport_parse_n(s, strlen(s), out);
}

int
fr_transports_parse(const char *list, unsigned *out, const char **bad,
    size_t *badlen)
{
	enum fr_transport t;
	const char *p = list;
	unsigned set = 0;

	for (;;) {
		size_t n = strcspn(p, ",");

		if (transport_parse_n(p, n, &t) != 0) {
			*bad = p;
			*badlen = n;
			return -1;
		}
		set |= FR_TRANSPORT_BIT(t);
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	*out = set;
	return 0;
}

char *
fr_address_str(const struct fr_address *a, char *buf, size_t len)
{
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    inet_ntop(a->family, &a->u, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}
