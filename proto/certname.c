/*
 * certname.c -- the certificate name rules of certname.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/objects.h>

#include "certname.h"
#include "strbuf.h"

bool
fr_cert_asn1_text(const ASN1_STRING *s, char *buf, size_t len)
{
	int n = ASN1_STRING_length(s);

	if (n < 0 || (size_t)n >= len)
		return false;
	memcpy(buf, ASN1_STRING_get0_data(s), (size_t)n);
	buf[n] = '\0';
	return strlen(buf) == (size_t)n;
}

/* Equal as DNS names: case-insensitive, a final dot ignored on either. */
static bool
dns_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && la > 0 && strncasecmp(a, b, la) == 0;
}

bool
fr_cert_other_name(const GENERAL_NAME *gn, int nid, char *buf, size_t len)
{
	const OTHERNAME *on;

	if (gn->type != GEN_OTHERNAME)
		return false;
	on = gn->d.otherName;
	if (OBJ_obj2nid(on->type_id) != nid || on->value == NULL)
		return false;
	if (on->value->type != V_ASN1_IA5STRING &&
	    on->value->type != V_ASN1_UTF8STRING)
		return false;
	return fr_cert_asn1_text(on->value->value.asn1_string, buf, len);
}

bool
fr_cert_each_cn(X509 *cert, bool (*fn)(const char *, void *), void *arg)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int i = -1;

	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		char cn[256];

		if (fr_cert_asn1_text(X509_NAME_ENTRY_get_data(e), cn,
		    sizeof(cn)) && fn(cn, arg))
			return true;
	}
	return false;
}

static bool
matched(char *how, size_t howlen, const char *prefix, const char *value)
{
	struct fr_strbuf sb;

	if (how != NULL) {
		fr_strbuf_init(&sb, how, howlen);
		fr_strbuf_printf(&sb, "%s%s", prefix, value);
	}
	return true;
}

/* What a certificate presents, for the CN rules. */
struct ids {
	bool any_san;			/* any subjectAltName at all */
	bool dns;			/* a DNS-ID */
	bool other;			/* a URI-ID or SRV-ID */
};

static GENERAL_NAMES *
sans_of(X509 *cert, struct ids *ids)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name,
	    NULL, NULL);
	int i;
	char v[512];

	memset(ids, 0, sizeof(*ids));
	for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);

		ids->any_san = true;
		if (gn->type == GEN_DNS)
			ids->dns = true;
		else if (gn->type == GEN_URI ||
		    fr_cert_other_name(gn, NID_SRVName, v, sizeof(v)))
			ids->other = true;
	}
	return sans;
}

/*
 * X509_check_host() for name under flags; the subject CN is consulted
 * only when cn_allowed (OpenSSL itself then uses it only when there is
 * no DNS-ID).  The reference name loses one final dot first.
 */
static bool
check_host(X509 *cert, const char *name, unsigned flags, bool cn_allowed,
    const struct ids *ids, char *how, size_t howlen)
{
	char ref[512], *peer = NULL;
	size_t len = strlen(name);
	bool ok;

	if (len == 0 || len >= sizeof(ref))
		return false;
	memcpy(ref, name, len + 1);
	if (len > 1 && ref[len - 1] == '.')
		ref[--len] = '\0';
	if (!cn_allowed)
		flags |= X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
	ok = X509_check_host(cert, ref, len, flags, &peer) == 1;
	if (ok)
		(void)matched(how, howlen, ids->dns ? "DNS:" : "CN:",
		    peer != NULL ? peer : ref);
	OPENSSL_free(peer);
	return ok;
}

bool
fr_cert_sip_domain(X509 *cert, const char *domain, char *how,
    size_t howlen)
{
	struct ids ids;
	GENERAL_NAMES *sans = sans_of(cert, &ids);
	bool ok = false;
	int i;

	for (i = 0; sans != NULL && !ok && i < sk_GENERAL_NAME_num(sans);
	    i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
		char v[512];

		if (gn->type == GEN_URI &&
		    fr_cert_asn1_text(gn->d.uniformResourceIdentifier, v,
		    sizeof(v)) && strncasecmp(v, "sip:", 4) == 0 &&
		    dns_equal(v + 4, domain))
			ok = matched(how, howlen, "URI:", v);
	}
	GENERAL_NAMES_free(sans);
	/* DNS-ID with no wildcards, ever; RFC 5922 7.1: the CN only
	 * without any subjectAltName. */
	return ok || check_host(cert, domain, X509_CHECK_FLAG_NO_WILDCARDS,
	    !ids.any_san, &ids, how, howlen);
}

bool
fr_cert_xmpp_domain(X509 *cert, const char *domain, bool direct_tls,
    char *how, size_t howlen)
{
	struct ids ids;
	GENERAL_NAMES *sans = sans_of(cert, &ids);
	char srv1[300], srv2[300];
	bool ok = false;
	int i;

	snprintf(srv1, sizeof(srv1), "_xmpp-server.%s", domain);
	snprintf(srv2, sizeof(srv2), "_xmpps-server.%s", domain);
	for (i = 0; sans != NULL && !ok && i < sk_GENERAL_NAME_num(sans);
	    i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
		char v[512];

		if (fr_cert_other_name(gn, NID_SRVName, v, sizeof(v))) {
			if (dns_equal(v, srv1) ||
			    (direct_tls && dns_equal(v, srv2)))
				ok = matched(how, howlen, "SRV:", v);
		} else if (fr_cert_other_name(gn, NID_XmppAddr, v,
		    sizeof(v)) && dns_equal(v, domain)) {
			ok = matched(how, howlen, "XmppAddr:", v);
		}
	}
	GENERAL_NAMES_free(sans);
	if (ok)
		return true;
	/* DNS-ID: "*" as the whole left-most label.  RFC 6125 6.4.4: the
	 * CN (taken literally) only when no DNS-ID, SRV-ID or URI-ID. */
	if (ids.dns)
		return check_host(cert, domain,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, false, &ids, how,
		    howlen);
	return !ids.other && check_host(cert, domain,
	    X509_CHECK_FLAG_NO_WILDCARDS, true, &ids, how, howlen);
}

bool
fr_cert_host(X509 *cert, const char *host, char *how, size_t howlen)
{
	struct ids ids;

	GENERAL_NAMES_free(sans_of(cert, &ids));
	/* RFC 6125 6.4.4: any DNS-ID, SRV-ID or URI-ID rules out the CN. */
	return check_host(cert, host, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
	    !ids.dns && !ids.other, &ids, how, howlen);
}

/* ---- the router's TLS clients ------------------------------------------- */

static int host_index = -1;

static void
free_host(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

/* At the leaf, once the chain verified: the name rule of the tester. */
static int
verify_host(int ok, X509_STORE_CTX *ctx)
{
	SSL *ssl;
	const char *host;

	if (!ok || X509_STORE_CTX_get_error_depth(ctx) != 0)
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(ctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || (host = SSL_get_ex_data(ssl, host_index)) == NULL)
		return ok;
	if (fr_cert_host(X509_STORE_CTX_get_current_cert(ctx), host, NULL, 0))
		return 1;
	X509_STORE_CTX_set_error(ctx, X509_V_ERR_HOSTNAME_MISMATCH);
	return 0;
}

bool
fr_cert_require_host(SSL *ssl, const char *host)
{
	char *copy;

	if (host_index < 0 && (host_index = SSL_get_ex_new_index(0, NULL,
	    NULL, NULL, free_host)) < 0)
		return false;
	if ((copy = strdup(host)) == NULL)
		return false;
	free(SSL_get_ex_data(ssl, host_index));	/* a second call */
	if (!SSL_set_ex_data(ssl, host_index, copy)) {
		free(copy);
		return false;
	}
	SSL_set_verify(ssl, SSL_VERIFY_PEER, verify_host);
	return true;
}
