/*
 * certcheck.c -- certificate names (the rules of proto/certname.h), trust
 * and dates, with OpenSSL.
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

/* ---- identifiers: the rules are proto/certname.c's -------------------- */

static GENERAL_NAMES *
sans_of(X509 *cert)
{
	return X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
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
			if (fr_cert_asn1_text(gn->d.dNSName, v, sizeof(v)))
				add_name(out, "DNS", v);
			break;
		case GEN_URI:
			if (fr_cert_asn1_text(gn->d.uniformResourceIdentifier, v,
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
			if (fr_cert_other_name(gn, NID_SRVName, v, sizeof(v)))
				add_name(out, "SRV", v);
			else if (fr_cert_other_name(gn, NID_XmppAddr, v, sizeof(v)))
				add_name(out, "XmppAddr", v);
			break;
		}
	}
	GENERAL_NAMES_free(sans);
	(void)fr_cert_each_cn(cert, cn_list, out);
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
