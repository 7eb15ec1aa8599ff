/*
 * sipuri.h -- what the caller asked to resolve: a domain, or a sip:, sips:
 * or xmpp: URI.  Pure parsing; no DNS.
 */
#ifndef FR_SIPURI_H
#define FR_SIPURI_H

#include <stdbool.h>
#include <stddef.h>

#include "transport.h"

enum fr_scheme { FR_SCHEME_NONE, FR_SCHEME_SIP, FR_SCHEME_SIPS, FR_SCHEME_XMPP };

struct fr_uri {
	enum fr_scheme scheme;
	char host[FR_DNAME_MAX];	/* lower case, no trailing dot; the
					 * maddr parameter when present */
	bool literal;			/* host is an IP address */
	struct fr_address addr;		/* ... which is this */
	int port;			/* -1 if none */
	bool has_transport;		/* ;transport= given */
	enum fr_transport transport;
};

/*
 * Parse input.  Returns 0, or -1 with a message in err naming what is
 * wrong.  Accepts "domain", "IPv4", "[IPv6]",
 * "sip[s]:[user[:pw]@]host[:port][;params][?headers]" (params
 * transport= and maddr= are used, others ignored) and
 * "xmpp:[node@]domain[/resource][?query]".
 */
int fr_uri_parse(const char *input, struct fr_uri *out, char *err,
    size_t errlen);

/* Check and normalise a host name in place (lower case, no final dot). */
int fr_dname_check(char *name, char *err, size_t errlen);

#endif /* FR_SIPURI_H */
