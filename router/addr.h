/*
 * addr.h -- socket addresses as fedrouted.conf writes them:
 * "192.0.2.1:5061", "[2001:db8::1]:5061", or a bare IP address.
 *
 * Only literal addresses: the edge binds and connects to what the
 * configuration says, and never blocks on DNS to start or reload.
 */
#ifndef FR_ADDR_H
#define FR_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Longest text fr_addr_str() writes: "[v6]:65535" and the NUL. */
#define FR_ADDRSTRLEN (INET6_ADDRSTRLEN + 8)

struct fr_sockaddr {
	socklen_t len;			/* 0: no address */
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} u;
};

/*
 * Parse "IP:PORT" or "[IPv6]:PORT" (port 1-65535).  Returns 0, or -1
 * with *why saying what was expected (static text).
 */
int fr_addr_parse(const char *s, struct fr_sockaddr *out, const char **why);
/* Parse a bare IPv4 or IPv6 address; port 0.  0 or -1. */
int fr_ip_parse(const char *s, struct fr_sockaddr *out);

/* "IP:PORT" ("[IP]:PORT" for IPv6) into buf; returns buf. */
char *fr_addr_str(const struct fr_sockaddr *a, char *buf, size_t len);
/* The IP alone into buf; returns buf. */
char *fr_addr_ip_str(const struct fr_sockaddr *a, char *buf, size_t len);

/* Same family, address and port. */
bool fr_addr_equal(const struct fr_sockaddr *a, const struct fr_sockaddr *b);

/* Copy a kernel-filled address (accept, getsockname). */
void fr_addr_set(struct fr_sockaddr *a, const struct sockaddr *sa,
    socklen_t len);

/*
 * The IP address as 16 bytes, IPv4 as ::ffff:a.b.c.d, so that a client
 * is the same key whether it came over an IPv4 or a dual-stack socket.
 */
void fr_addr_ip16(const struct fr_sockaddr *a, uint8_t out[16]);

uint16_t fr_addr_port(const struct fr_sockaddr *a);

/* A network, "192.0.2.0/24", "2001:db8::/32", or one address; IPv4 is
 * kept as ::ffff:0:0/96 inside, so that it matches IPv4 clients on
 * dual-stack sockets too. */
struct fr_cidr {
	uint8_t net[16];	/* host bits zero */
	unsigned prefix;	/* 0 .. 128, over the 16 bytes */
};

/* "IP" or "IP/LEN" (LEN up to 32 or 128).  0, or -1 if malformed. */
int fr_cidr_parse(const char *s, struct fr_cidr *out);
bool fr_cidr_match(const struct fr_cidr *c, const struct fr_sockaddr *a);

#endif /* FR_ADDR_H */
