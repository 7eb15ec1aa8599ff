/*
 * transport.h -- the few names every layer shares about where a message
 * goes: a domain name's bound, the transports of SIP and XMPP, and an
 * IP address.  Plain data and their names; no I/O.
 */
#ifndef FR_TRANSPORT_H
#define FR_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

/* Longest presentation-format domain name we keep (RFC 1035: 253 + dot). */
#define FR_DNAME_MAX 256

enum fr_transport {
	FR_TRANSPORT_UDP,
	FR_TRANSPORT_TCP,
	FR_TRANSPORT_TLS,
	FR_TRANSPORT_SCTP,
	FR_TRANSPORT_SCTP_TLS,
	FR_TRANSPORT_COUNT
};
#define FR_TRANSPORT_BIT(t)	(1u << (t))
#define FR_TRANSPORTS_ALL	((1u << FR_TRANSPORT_COUNT) - 1)

struct fr_address {
	int family;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

/* Longest text fr_address_str() writes, with the NUL. */
#define FR_ADDRESS_STRLEN 46	/* INET6_ADDRSTRLEN */

/* The address as text ("192.0.2.7", "2001:db8::7") into buf (len >=
 * FR_ADDRESS_STRLEN), or "?" for one that is neither family.
 * Returns buf. */
char *fr_address_str(const struct fr_address *a, char *buf, size_t len);

const char *fr_transport_name(enum fr_transport t);   /* "tls", "sctp-tls" */
const char *fr_transport_wire(enum fr_transport t);   /* "tls", "sctp" */
bool fr_transport_secure(enum fr_transport t);
int fr_transport_parse(const char *s, enum fr_transport *out);
/* Parse "tls,tcp" into a bit set; -1 and *bad = the bad word on error. */
int fr_transports_parse(const char *list, unsigned *out, const char **bad,
    size_t *badlen);

#endif /* FR_TRANSPORT_H */
