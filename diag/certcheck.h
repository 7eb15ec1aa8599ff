/*
 * certcheck.h -- what a peer's certificate says, and whether it will do.
 *
 * Three name rules, each a verdict of its own: RFC 5922 (SIP domain),
 * RFC 6125/6120 (XMPP domain) and the SRV target as a host name.  They
 * are proto/certname.h's, which the router's TLS clients use too, so
 * the tester and the edge never disagree on a name.
 *
 * Trust is checked against a store (the system's or --ca FILE) for the
 * TLS server purpose, collecting every problem rather than stopping at
 * the first, so an expired certificate from an unknown CA shows both.
 */
#ifndef FR_CERTCHECK_H
#define FR_CERTCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "certname.h"

#define FR_CERT_MAX_CHAIN 8		/* certificates reported per chain */
#define FR_CERT_MAX_NAMES 16		/* identifiers reported */
#define FR_CERT_EXPIRING_DAYS 30	/* "expiring soon" below this */

enum fr_name_verdict {
	FR_NAME_NA,			/* the rule does not apply */
	FR_NAME_MATCH,
	FR_NAME_MISMATCH,
};

struct fr_cert_summary {
	char subject[256];		/* RFC 2253 */
	char issuer[256];
	char not_before[24];		/* ISO 8601, UTC */
	char not_after[24];
};

struct fr_cert_info {
	struct fr_cert_summary chain[FR_CERT_MAX_CHAIN]; /* as sent, leaf
							   * first */
	size_t nchain;
	char names[FR_CERT_MAX_NAMES][160];	/* identifiers presented:
						 * "DNS:a", "URI:sip:a",
						 * "SRV:_x.a", "XmppAddr:a",
						 * "IP:192.0.2.1", "CN:a" */
	size_t nnames;
	bool names_cut;			/* there were more */
	bool trusted;			/* chain verifies to the store */
	char verify_error[160];		/* first trust problem, in words */
	bool expired;			/* a certificate in the chain */
	bool not_yet_valid;
	char expired_subject[256];	/* ... which one */
	long days_left;			/* leaf notAfter - now, in days */
	enum fr_name_verdict rfc5922;
	enum fr_name_verdict rfc6125;
	enum fr_name_verdict srv_target;
};

/* Which rules apply to a certificate. */
struct fr_cert_want {
	const char *domain;		/* the federated domain */
	const char *target;		/* SRV target host, or NULL */
	bool sip;			/* apply RFC 5922 */
	bool xmpp;			/* apply RFC 6125/6120 */
	bool direct_tls;		/* XMPP: _xmpps-server SRV-ID too */
};

/*
 * Examine leaf (with the rest of the chain as the peer sent it in
 * chain, which may include leaf) against store.  Returns 0, or -1 when
 * memory ran out (out is then partly filled).
 */
int fr_cert_examine(X509 *leaf, STACK_OF(X509) *chain, X509_STORE *store,
    const struct fr_cert_want *want, struct fr_cert_info *out);

/* The three rules on their own: fr_cert_sip_domain(),
 * fr_cert_xmpp_domain(), fr_cert_host() (certname.h). */

const char *fr_name_verdict_name(enum fr_name_verdict v); /* "match" ... */

/* The presented identifiers as one line: "DNS:a, URI:sip:a". */
void fr_cert_names_join(const struct fr_cert_info *ci, char *buf,
    size_t len);

#endif /* FR_CERTCHECK_H */
