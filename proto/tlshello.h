/*
 * tlshello.h -- a TLS ClientHello read from the first record(s) of a
 * connection without terminating TLS (RFC 8446 4.1.2, 5.1; RFC 6066 3;
 * RFC 7301): enough for passthrough routing by SNI and ALPN.
 *
 * The parser keeps no state: the caller keeps the bytes it has read
 * (it must anyway, to relay them untouched) and calls again with all
 * of them when more came.  While the message is incomplete a call only
 * walks the record headers, so a client that drips its hello byte by
 * byte costs a few operations per call, not a re-parse.
 *
 * It takes a ClientHello split across several records and a last
 * record not yet complete.  Bounds: the message at most
 * FR_TLS_HELLO_MSG_MAX bytes, in at most FR_TLS_HELLO_RECORDS_MAX
 * records, so never more than FR_TLS_HELLO_BYTES_MAX bytes are looked
 * at.  What is not TLS at all (a first byte that is no TLS record type,
 * or a second that is no TLS major version: "<?xml", "OPTIONS") is
 * FR_TLS_HELLO_NOT_TLS, so that a router can fall back to plain text.
 *
 * The SNI host name is checked as a DNS name (RFC 6066 3: no IP
 * literal) and lower-cased; ALPN names are opaque bytes (lengths
 * given); error messages escape what the peer sent.  No I/O, no
 * allocation.
 */
#ifndef FR_TLSHELLO_H
#define FR_TLSHELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

#define FR_TLS_HELLO_MSG_MAX	16384	/* the ClientHello's body */
#define FR_TLS_HELLO_RECORDS_MAX 64
#define FR_TLS_RECORD_MAX	16384	/* RFC 8446 5.1: 2^14 */
/* The most bytes a ClientHello can take: buffer this much. */
#define FR_TLS_HELLO_BYTES_MAX	(FR_TLS_HELLO_RECORDS_MAX * 5 + 4 + \
	FR_TLS_HELLO_MSG_MAX)

#define FR_TLS_ALPN_MAX		8	/* protocols kept */
#define FR_TLS_VERSIONS_MAX	16	/* supported_versions kept */

enum fr_tls_hello_status {
	FR_TLS_HELLO_MORE,	/* a ClientHello so far: read more */
	FR_TLS_HELLO_DONE,	/* complete and well-formed */
	FR_TLS_HELLO_NOT_TLS,	/* not TLS: something else speaks */
	FR_TLS_HELLO_BAD	/* TLS, but malformed: err names the field */
};

struct fr_tls_alpn {
	uint8_t len;		/* 1-255 */
	char name[256];		/* len bytes, then a NUL */
};

struct fr_tls_hello {
	size_t end;			/* bytes of data up to the message's
					 * last one (records after it, or the
					 * rest of its record, are not read) */
	unsigned records;		/* that held the message */
	uint16_t record_version;	/* of the first record */
	uint16_t legacy_version;	/* ClientHello.legacy_version */
	bool has_versions;		/* supported_versions was there */
	size_t nversions;		/* in versions[], the client's order
					 * (GREASE values too) */
	uint16_t versions[FR_TLS_VERSIONS_MAX];
	uint16_t best_version;		/* the highest it offers: of
					 * supported_versions (GREASE aside),
					 * else legacy_version */
	bool has_sni;			/* a host_name came */
	char sni[FR_DNAME_MAX];		/* lower case, no final dot */
	bool has_alpn;
	size_t nalpn;			/* in alpn[], the client's order */
	size_t alpn_skipped;		/* over FR_TLS_ALPN_MAX */
	struct fr_tls_alpn alpn[FR_TLS_ALPN_MAX];
};

/*
 * Look at the first len bytes a client sent.  h is meaningful after
 * FR_TLS_HELLO_DONE only; err says what is wrong after NOT_TLS and BAD
 * ("ClientHello: cipher_suites: odd length 3").
 */
enum fr_tls_hello_status fr_tls_hello_parse(const void *data, size_t len,
    struct fr_tls_hello *h, char *err, size_t errlen);

/* Did the client offer this ALPN protocol ("xmpp-server")? */
bool fr_tls_hello_alpn(const struct fr_tls_hello *h, const char *proto);

/* "TLSv1.3", "TLSv1.2", ... "SSLv3", or "0x7f1c" for others. */
const char *fr_tls_version_name(uint16_t v, char *buf, size_t size);

#endif /* FR_TLSHELLO_H */
