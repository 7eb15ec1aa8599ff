/*
 * sipuri.h -- what the caller asked to resolve: a domain, or a sip:, sips:
 * or xmpp: URI.  Pure parsing; no DNS.
 */
#ifndef FR_SIPURI_H
#define FR_SIPURI_H

#include <stdbool.h>
#include <stddef.h>

#include "span.h"
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

/* ---- SIP URIs where they lie (the proxy's parser) ----------------------- */

enum fr_host_kind { FR_HOST_NAME, FR_HOST_IPV4, FR_HOST_IPV6 };

/*
 * A sip: or sips: URI (RFC 3261 19.1.1) as spans into the caller's
 * buffer: nothing is copied, unescaped or lower-cased.
 */
struct fr_sip_uri {
	enum fr_scheme scheme;		/* FR_SCHEME_SIP or FR_SCHEME_SIPS */
	struct fr_span user;		/* empty when none; escapes kept */
	struct fr_span password;	/* empty when none */
	bool has_user, has_password;
	struct fr_span host;		/* an IPv6 reference without [] */
	enum fr_host_kind host_kind;
	int port;			/* -1 if none */
	struct fr_span params;		/* from the first ';' to '?' or end */
	struct fr_span headers;		/* after '?', or empty */
	bool lr;			/* ;lr (loose routing, RFC 3261 16.12) */
	struct fr_span transport;	/* ;transport= value, or empty */
	struct fr_span maddr;		/* ;maddr= value, or empty */
};

/*
 * Parse in[0..len) as a SIP URI.  0, or -1 with err naming what is
 * wrong ("tel: URI ...", "bad port", ...).  Rejects control bytes and
 * spaces anywhere, a host that is not a name, IPv4 or [IPv6], ports
 * outside 1-65535, and parameters with no name.
 */
int fr_sip_uri_parse(struct fr_span in, struct fr_sip_uri *out, char *err,
    size_t errlen);

/*
 * ";name[=value]" parameters (a URI's or a header's, from the first
 * ';').  True when name (case-insensitive) is there, with its value in
 * *value when not NULL (empty when it has none; quotes kept).
 */
bool fr_sip_param(struct fr_span params, const char *name,
    struct fr_span *value);

/*
 * The first stop byte in p[0..end) outside "quoted strings" (with
 * \-escapes), and outside <...> too when angles; end if none.
 */
const char *fr_sip_unquoted(const char *p, const char *end, char stop,
    bool angles);

/*
 * Does host (a name; a trailing dot ignored) match pattern,
 * case-insensitively?  "example.com" matches itself only;
 * "*.example.com" matches any name below example.com (one label or
 * more) but not example.com itself.
 */
bool fr_sip_domain_match(struct fr_span host, const char *pattern);

#endif /* FR_SIPURI_H */
