/*
 * certcheck.c -- certificate names (RFC 5922, RFC 6125/6120), trust and
 * dates, with OpenSSL.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "certcheck.h"
#include "strbuf.h"

const char *
fr_name_verdict_name(enum fr_name_verdict v)
{
	switch (v) {
	case FR_NAME_MATCH:	return "match";
	case FR_NAME_MISMATCH:	return "mismatch";
	case FR_NAME_NA:	break;
	}
	return NULL;
}

/* ---- identifiers --------------------------------------------------------- */

/*
 * An ASN.1 string as a C string in buf; false when it does not fit or
 * holds a NUL (a classic trick to fool name checks).
 */
static bool
asn1_text(const ASN1_STRING *s, char *buf, size_t len)
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

/*
 * RFC 6125 6.4.3, the strict reading: "*" as the whole left-most label
 * matches exactly one label, and at least two labels must follow it.
 */
static bool
dns_wildcard(const char *pattern, const char *name)
{
	const char *rest, *dot;

	if (strncmp(pattern, "*.", 2) != 0)
		return dns_equal(pattern, name);
	rest = pattern + 2;
	if (strchr(rest, '.') == NULL || strchr(rest, '*') != NULL)
		return false;
	if ((dot = strchr(name, '.')) == NULL || dot == name)
		return false;
	return dns_equal(rest, dot + 1);
}

static GENERAL_NAMES *
sans_of(X509 *cert)
{
	return X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
}

/* The otherName of NID nid as text, if gn is one. */
static bool
other_name(const GENERAL_NAME *gn, int nid, char *buf, size_t len)
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
	return asn1_text(on->value->value.asn1_string, buf, len);
}

/* Call fn on each subject CN; stop when it returns true. */
static bool
each_cn(X509 *cert, bool (*fn)(const char *, void *), void *arg)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int i = -1;

	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		char cn[256];

		if (asn1_text(X509_NAME_ENTRY_get_data(e), cn, sizeof(cn)) &&
		    fn(cn, arg))
			return true;
	}
	return false;
}

struct cn_match {
	const char *want;
	bool wildcard;
	char *how;
	size_t howlen;
};

static bool
cn_matches(const char *cn, void *arg)
{
	struct cn_match *m = arg;

	if (!(m->wildcard ? dns_wildcard(cn, m->want) :
	    dns_equal(cn, m->want)))
		return false;
	if (m->how != NULL)
		snprintf(m->how, m->howlen, "CN:%s", cn);
	return true;
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

bool
fr_cert_sip_domain(X509 *cert, const char *domain, char *how,
    size_t howlen)
{
	GENERAL_NAMES *sans = sans_of(cert);
	struct cn_match m = { domain, false, how, howlen };
	bool ok = false;
	int i;

	if (sans == NULL)	/* RFC 5922 7.1: CN only without SANs */
		return each_cn(cert, cn_matches, &m);
	for (i = 0; !ok && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
		char v[512];

		if (gn->type == GEN_URI &&
		    asn1_text(gn->d.uniformResourceIdentifier, v, sizeof(v)) &&
		    strncasecmp(v, "sip:", 4) == 0 && dns_equal(v + 4, domain))
			ok = matched(how, howlen, "URI:", v);
		else if (gn->type == GEN_DNS &&
		    asn1_text(gn->d.dNSName, v, sizeof(v)) &&
		    dns_equal(v, domain))	/* no wildcards, ever */
			ok = matched(how, howlen, "DNS:", v);
	}
	GENERAL_NAMES_free(sans);
	return ok;
}

bool
fr_cert_xmpp_domain(X509 *cert, const char *domain, bool direct_tls,
    char *how, size_t howlen)
{
	GENERAL_NAMES *sans = sans_of(cert);
	struct cn_match m = { domain, false, how, howlen };
	char srv1[300], srv2[300];
	bool ok = false, ids = false;
	int i;

	snprintf(srv1, sizeof(srv1), "_xmpp-server.%s", domain);
	snprintf(srv2, sizeof(srv2), "_xmpps-server.%s", domain);
	for (i = 0; sans != NULL && !ok && i < sk_GENERAL_NAME_num(sans);
	    i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
		char v[512];

		if (gn->type == GEN_DNS || gn->type == GEN_URI)
			ids = true;
		if (gn->type == GEN_DNS &&
		    asn1_text(gn->d.dNSName, v, sizeof(v)) &&
		    dns_wildcard(v, domain))
			ok = matched(how, howlen, "DNS:", v);
		else if (other_name(gn, NID_SRVName, v, sizeof(v))) {
			ids = true;
			if (dns_equal(v, srv1) ||
			    (direct_tls && dns_equal(v, srv2)))
				ok = matched(how, howlen, "SRV:", v);
		} else if (other_name(gn, NID_XmppAddr, v, sizeof(v)) &&
		    dns_equal(v, domain))
			ok = matched(how, howlen, "XmppAddr:", v);
	}
	GENERAL_NAMES_free(sans);
	/* RFC 6125 6.4.4: the CN only when no DNS-ID, SRV-ID or URI-ID */
	if (!ok && !ids)
		ok = each_cn(cert, cn_matches, &m);
	return ok;
}

bool
fr_cert_host(X509 *cert, const char *host, char *how, size_t howlen)
{
	GENERAL_NAMES *sans = sans_of(cert);
	struct cn_match m = { host, true, how, howlen };
	bool ok = false, ids = false;
	int i;

	for (i = 0; sans != NULL && !ok && i < sk_GENERAL_NAME_num(sans);
	    i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
		char v[512];

		/* RFC 6125 6.4.4: any DNS-ID, SRV-ID or URI-ID rules out
		 * the CN */
		if (gn->type == GEN_URI || other_name(gn, NID_SRVName, v,
		    sizeof(v)))
			ids = true;
		if (gn->type != GEN_DNS)
			continue;
		ids = true;
		if (asn1_text(gn->d.dNSName, v, sizeof(v)) &&
		    dns_wildcard(v, host))
			ok = matched(how, howlen, "DNS:", v);
	}
	GENERAL_NAMES_free(sans);
	if (!ok && !ids)
		ok = each_cn(cert, cn_matches, &m);
	return ok;
}

/* ---- description --------------------------------------------------------- */

static void
name_text(const X509_NAME *name, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	buf[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_read(b, buf, (int)len - 1)) > 0)
		buf[n] = '\0';
	BIO_free(b);
}

static void
time_text(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	buf[0] = '\0';
	if (t != NULL && ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
summarise(X509 *cert, struct fr_cert_summary *s)
{
	name_text(X509_get_subject_name(cert), s->subject, sizeof(s->subject));
	name_text(X509_get_issuer_name(cert), s->issuer, sizeof(s->issuer));
	time_text(X509_get0_notBefore(cert), s->not_before,
	    sizeof(s->not_before));
	time_text(X509_get0_notAfter(cert), s->not_after,
	    sizeof(s->not_after));
}

static void
add_name(struct fr_cert_info *out, const char *kind, const char *v)
{
	struct fr_strbuf sb;

	if (out->nnames == FR_CERT_MAX_NAMES) {
		out->names_cut = true;
		return;
	}
	fr_strbuf_init(&sb, out->names[out->nnames++], sizeof(out->names[0]));
	fr_strbuf_printf(&sb, "%s:%s", kind, v);
}

static bool
cn_list(const char *cn, void *arg)
{
	add_name(arg, "CN", cn);
	return false;
}

/* Every identifier the certificate presents, in the order it has them. */
static void
list_names(X509 *cert, struct fr_cert_info *out)
{
	GENERAL_NAMES *sans = sans_of(cert);
	int i;

	for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
		char v[512], ip[INET6_ADDRSTRLEN];
		int n;

		switch (gn->type) {
		case GEN_DNS:
			if (asn1_text(gn->d.dNSName, v, sizeof(v)))
				add_name(out, "DNS", v);
			break;
		case GEN_URI:
			if (asn1_text(gn->d.uniformResourceIdentifier, v,
			    sizeof(v)))
				add_name(out, "URI", v);
			break;
		case GEN_IPADD:
			n = ASN1_STRING_length(gn->d.iPAddress);
			if ((n == 4 || n == 16) && inet_ntop(n == 4 ? AF_INET :
			    AF_INET6, ASN1_STRING_get0_data(gn->d.iPAddress),
			    ip, sizeof(ip)) != NULL)
				add_name(out, "IP", ip);
			break;
		case GEN_OTHERNAME:
			if (other_name(gn, NID_SRVName, v, sizeof(v)))
				add_name(out, "SRV", v);
			else if (other_name(gn, NID_XmppAddr, v, sizeof(v)))
				add_name(out, "XmppAddr", v);
			break;
		}
	}
	GENERAL_NAMES_free(sans);
	(void)each_cn(cert, cn_list, out);
}

void
fr_cert_names_join(const struct fr_cert_info *ci, char *buf, size_t len)
{
	struct fr_strbuf sb;
	size_t i;

	fr_strbuf_init(&sb, buf, len);
	for (i = 0; i < ci->nnames; i++)
		fr_strbuf_item(&sb, ", ", "%s", ci->names[i]);
	if (ci->names_cut)
		fr_strbuf_printf(&sb, ", ...");
	if (ci->nnames == 0)
		fr_strbuf_printf(&sb, "none");
}

/* ---- trust --------------------------------------------------------------- */

static int
collect(int ok, X509_STORE_CTX *ctx)
{
	struct fr_cert_info *out = X509_STORE_CTX_get_app_data(ctx);
	int err = X509_STORE_CTX_get_error(ctx);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);

	if (ok)
		return 1;
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		out->expired = true;
		if (cur != NULL && out->expired_subject[0] == '\0')
			name_text(X509_get_subject_name(cur),
			    out->expired_subject, sizeof(out->expired_subject));
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		out->not_yet_valid = true;
		break;
	default:
		if (out->trusted)
			snprintf(out->verify_error, sizeof(out->verify_error),
			    "%s", X509_verify_cert_error_string(err));
		out->trusted = false;
		break;
	}
	return 1;	/* go on: report every problem */
}

static int
verify(X509 *leaf, STACK_OF(X509) *chain, X509_STORE *store,
    struct fr_cert_info *out)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();

	if (ctx == NULL || !X509_STORE_CTX_init(ctx, store, leaf, chain)) {
		X509_STORE_CTX_free(ctx);
		return -1;
	}
	out->trusted = true;
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	X509_STORE_CTX_set_app_data(ctx, out);
	X509_STORE_CTX_set_verify_cb(ctx, collect);
	if (X509_verify_cert(ctx) < 0 && out->trusted) {
		out->trusted = false;
		snprintf(out->verify_error, sizeof(out->verify_error),
		    "verification could not run");
	}
	X509_STORE_CTX_free(ctx);
	return 0;
}

int
fr_cert_examine(X509 *leaf, STACK_OF(X509) *chain, X509_STORE *store,
    const struct fr_cert_want *want, struct fr_cert_info *out)
{
	int days = 0, secs = 0, i, n = chain ? sk_X509_num(chain) : 0;

	memset(out, 0, sizeof(*out));
	summarise(leaf, &out->chain[out->nchain++]);
	for (i = 0; i < n && out->nchain < FR_CERT_MAX_CHAIN; i++) {
		X509 *c = sk_X509_value(chain, i);

		if (X509_cmp(c, leaf) != 0)
			summarise(c, &out->chain[out->nchain++]);
	}
	list_names(leaf, out);

	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(leaf))) {
		long long t = (long long)days * 86400 + secs;

		/* whole days left, rounded down: -1 the day after expiry */
		out->days_left = (long)(t >= 0 ? t / 86400 :
		    -((-t + 86399) / 86400));
	}
	/* the leaf's dates, whatever the chain building did */
	if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0 &&
	    !out->expired) {
		out->expired = true;
		snprintf(out->expired_subject, sizeof(out->expired_subject),
		    "%s", out->chain[0].subject);
	}
	if (X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0)
		out->not_yet_valid = true;
	if (verify(leaf, chain, store, out) != 0)
		return -1;

	out->rfc5922 = !want->sip ? FR_NAME_NA :
	    fr_cert_sip_domain(leaf, want->domain, NULL, 0) ?
	    FR_NAME_MATCH : FR_NAME_MISMATCH;
	out->rfc6125 = !want->xmpp ? FR_NAME_NA :
	    fr_cert_xmpp_domain(leaf, want->domain, want->direct_tls, NULL,
	    0) ? FR_NAME_MATCH : FR_NAME_MISMATCH;
	out->srv_target = want->target == NULL ? FR_NAME_NA :
	    fr_cert_host(leaf, want->target, NULL, 0) ? FR_NAME_MATCH :
	    FR_NAME_MISMATCH;
	return 0;
}
