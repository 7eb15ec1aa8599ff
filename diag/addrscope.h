/*
 * addrscope.h -- is an address reachable from the public internet?
 *
 * Pure classification by the IANA special-purpose registries; no I/O.
 */
#ifndef FR_ADDRSCOPE_H
#define FR_ADDRSCOPE_H

#include "plan.h"

/*
 * NULL when a is a global unicast address, else what it is in words:
 * "private" (RFC 1918), "shared" (RFC 6598 carrier-grade NAT),
 * "loopback", "link-local", "unspecified", "this network" (0.0.0.0/8),
 * "reserved" (240.0.0.0/4, the rest of ::/96),
 * "unique-local" (RFC 4193), "multicast", or the scope of the IPv4
 * address inside an IPv4-mapped IPv6 address.  Documentation prefixes
 * (192.0.2.0/24, 2001:db8::/32, ...) count as global: they stand for
 * public addresses in examples and tests.  Static storage.
 */
const char *fr_address_nonpublic(const struct fr_address *a);

#endif /* FR_ADDRSCOPE_H */
