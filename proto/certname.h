/*
 * certname.h -- does a certificate name this peer?  The one
 * implementation of the name rules, shared by the tester
 * (diag/certcheck.c) and the router (router/tls.c), so that what
 * `fedroute lookup --connect` says and what the edge does can never
 * disagree.  DNS-IDs are matched by OpenSSL's X509_check_host(); the
 * identifiers OpenSSL does not know (sip: URI, SRV-ID, XmppAddr) here.
 *
 *  RFC 5922 (SIP domain)   a subjectAltName URI "sip:DOMAIN" (no user
 *                          part) or DNS "DOMAIN"; no wildcards at all; the
 *                          subject CN only when there is no subjectAltName
 *                          (section 7.1).  Case-insensitive.
 *  RFC 6125 / 6120 (XMPP)  a DNS-ID equal to the domain (a "*" may stand
 *                          for the whole left-most label only, and never
 *                          for the domain itself), an SRV-ID
 *                          "_xmpp-server.DOMAIN" (with direct TLS also
 *                          "_xmpps-server.DOMAIN"), or an XmppAddr equal to
 *                          the domain; the CN only when the certificate
 *                          has none of DNS-ID, SRV-ID and URI-ID.
 *  Host (SRV target, node) the host name, as a TLS client checks it
 *                          (RFC 6125 DNS-ID rules: DNS subjectAltName,
 *                          wildcards as the whole left-most label, CN
 *                          only without DNS-, SRV- or URI-ID).
 *
 * Each returns true on a match; how, when not NULL, receives the
 * identifier that matched ("DNS:a", "URI:sip:a", "SRV:_x.a",
 * "XmppAddr:a", "CN:a").  A name holding a NUL never matches.
 */
#ifndef FR_CERTNAME_H
#define FR_CERTNAME_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

bool fr_cert_sip_domain(X509 *cert, const char *domain, char *how,
    size_t howlen);
bool fr_cert_xmpp_domain(X509 *cert, const char *domain, bool direct_tls,
    char *how, size_t howlen);
bool fr_cert_host(X509 *cert, const char *host, char *how, size_t howlen);

/*
 * Make the TLS client ssl (verifying its peer) accept only a
 * certificate that fr_cert_host() says names host: instead of
 * SSL_set1_host(), whose rules differ in the corners.  A mismatch fails
 * the handshake with X509_V_ERR_HOSTNAME_MISMATCH.  false if memory
 * ran out.
 */
bool fr_cert_require_host(SSL *ssl, const char *host);

/* Helpers for whoever lists a certificate's names. */
/* An ASN.1 string as a C string; false when it does not fit or holds
 * a NUL (a classic trick to fool name checks). */
bool fr_cert_asn1_text(const ASN1_STRING *s, char *buf, size_t len);
/* The otherName of NID nid as text, if gn is one. */
bool fr_cert_other_name(const GENERAL_NAME *gn, int nid, char *buf,
    size_t len);
/* Call fn on each subject CN; stop (and return true) when it does. */
bool fr_cert_each_cn(X509 *cert, bool (*fn)(const char *, void *),
    void *arg);

#endif /* FR_CERTNAME_H */
