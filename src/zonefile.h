/*
 * zonefile.h -- check a local zone file, or a DNSSEC trust anchor file,
 * before libunbound loads it: with file:line errors of our own, so that
 * libunbound's messages never reach the user, and libunbound never sees
 * a file it would refuse.
 *
 * Beyond ldns's parse, a TTL must be at most 2^31 - 1 (RFC 2181 8;
 * libunbound refuses a larger one and then answers SERVFAIL to every
 * question), a record must have a type and class IN (libunbound refuses
 * the file otherwise), and the file must be a regular file of bounded
 * size (textfile.h).
 */
#ifndef FR_ZONEFILE_H
#define FR_ZONEFILE_H

#include <stddef.h>

/* Largest TTL accepted, RFC 2181 section 8. */
#define FR_ZONE_TTL_MAX 2147483647UL

/*
 * Parse path.  Returns 0 with origin (no trailing dot, lower case) and
 * abspath filled, or -1 with "path:line: what" in err.
 */
int fr_zonefile_probe(const char *path, char *origin, size_t originlen,
    char *abspath, size_t abspathlen, char *err, size_t errlen);

/*
 * A trust anchor file as libunbound's trust-anchor-file: DS or DNSKEY
 * records in zone file format, at least one.  0, or -1 with
 * "path:line: what" in err.
 */
int fr_trust_anchor_check(const char *path, char *err, size_t errlen);

#endif /* FR_ZONEFILE_H */
