/*
 * ipport.h -- "IP[@PORT]": a DNS server as unbound.conf writes it.
 *
 *     192.0.2.53        2001:db8::53        192.0.2.53@5353
 *
 * The one parser for this syntax: the configuration's forwarder:,
 * `fedroute lookup --resolver` and the tester's direct DNS questions all
 * use it, so what one accepts the others accept.  Only literal
 * addresses: a name would need DNS to find DNS.
 */
#ifndef FR_IPPORT_H
#define FR_IPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest "IP@PORT" accepted, without the NUL. */
#define FR_IPPORT_MAX 64

/*
 * Parse s; a missing port is defport.  Returns 0 with the address in
 * *ss (*sslen bytes), or -1 with what was expected in why (the input is
 * never echoed raw: a bad character is escaped).
 */
int fr_ipport_parse(const char *s, uint16_t defport,
    struct sockaddr_storage *ss, socklen_t *sslen, char *why,
    size_t whylen);

#endif /* FR_IPPORT_H */
