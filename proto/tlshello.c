/*
 * tlshello.c -- the ClientHello's SNI, ALPN and versions from the first
 * records, without terminating TLS.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sipuri.h"
#include "strbuf.h"
#include "tlshello.h"

#define REC_HANDSHAKE		22
#define HS_CLIENT_HELLO		1
#define EXT_SERVER_NAME		0
#define EXT_ALPN		16
#define EXT_SUPPORTED_VERSIONS	43
#define SNI_HOST_NAME		0

/* A message field by field, with the error to report on the way. */
struct rd {
	const uint8_t *p;
	size_t n;		/* bytes left */
	char *err;
	size_t errlen;
};

/* "ClientHello: " and the message, in err. */
static void
vsay(char *err, size_t errlen, const char *fmt, va_list ap)
{
	int n;

	n = snprintf(err, errlen, "ClientHello: ");
	if (n > 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

static enum fr_tls_hello_status bad(char *err, size_t errlen,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool rd_bad(struct rd *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum fr_tls_hello_status
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(err, errlen, fmt, ap);
	va_end(ap);
	return FR_TLS_HELLO_BAD;
}

/* The same while reading a field: false, to return at once. */
static bool
rd_bad(struct rd *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* Take n bytes for field; false (err set) when fewer are left. */
static bool
take(struct rd *r, size_t n, const char *field, const uint8_t **out)
{
	if (n > r->n)
		return rd_bad(r, "%s: needs %zu bytes, %zu left", field, n,
		    r->n);
	if (out != NULL)
		*out = r->p;
	r->p += n;
	r->n -= n;
	return true;
}

/* An unsigned big-endian integer of size bytes (1-3). */
static bool
num(struct rd *r, size_t size, const char *field, size_t *v)
{
	const uint8_t *p = NULL;
	size_t i;

	if (!take(r, size, field, &p))
		return false;
	for (*v = 0, i = 0; i < size; i++)
		*v = *v << 8 | p[i];
	return true;
}

/*
 * A vector <lo..hi> with a length of lsize bytes: *sub gets its body.
 * The range is the RFC's, so a length out of it is named as such.
 */
static bool
vec(struct rd *r, size_t lsize, size_t lo, size_t hi, const char *field,
    struct rd *sub)
{
	size_t n;

	if (!num(r, lsize, field, &n))
		return false;
	if (n < lo || n > hi)
		return rd_bad(r, "%s: length %zu, not %zu-%zu", field, n, lo,
		    hi);
	*sub = *r;
	sub->n = n;
	return take(r, n, field, NULL);
}

/* server_name (RFC 6066 3): one host_name, a DNS name. */
static bool
ext_sni(struct rd *e, struct fr_tls_hello *h)
{
	struct rd list, name;
	struct in_addr a;
	char msg[128];
	size_t type, i;

	if (!vec(e, 2, 1, 0xffff, "server_name list", &list))
		return false;
	while (list.n > 0) {
		if (!num(&list, 1, "server_name name_type", &type) ||
		    !vec(&list, 2, 1, 0xffff, "server_name", &name))
			return false;
		if (type != SNI_HOST_NAME)
			continue;
		if (h->has_sni)
			return rd_bad(e, "server_name: two host_names");
		if (name.n >= sizeof(h->sni) - 1)
			return rd_bad(e, "server_name: %zu bytes, longer than "
			    "a DNS name", name.n);
		for (i = 0; i < name.n; i++) {
			uint8_t c = name.p[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
			    c == '_')) {
				struct fr_strbuf sb;

				fr_strbuf_init(&sb, msg, sizeof(msg));
				fr_strbuf_escape(&sb, name.p, name.n);
				return rd_bad(e, "server_name: byte 0x%02x not "
				    "allowed in a host name (\"%s\")", c, msg);
			}
		}
		memcpy(h->sni, name.p, name.n);
		h->sni[name.n] = '\0';
		/* only LDH bytes are left: its message is safe to show */
		if (fr_dname_check(h->sni, msg, sizeof(msg)) != 0)
			return rd_bad(e, "server_name: %s", msg);
		if (inet_pton(AF_INET, h->sni, &a) == 1)
			return rd_bad(e, "server_name: IP literal %s not "
			    "allowed (RFC 6066 3)", h->sni);
		h->has_sni = true;
	}
	if (e->n != 0)
		return rd_bad(e, "server_name: %zu bytes after its list",
		    e->n);
	return true;
}

/* application_layer_protocol_negotiation (RFC 7301 3.1). */
static bool
ext_alpn(struct rd *e, struct fr_tls_hello *h)
{
	struct rd list, name;

	if (!vec(e, 2, 2, 0xffff, "alpn list", &list))
		return false;
	while (list.n > 0) {
		struct fr_tls_alpn *a;

		if (!vec(&list, 1, 1, 255, "alpn protocol", &name))
			return false;
		if (h->nalpn == FR_TLS_ALPN_MAX) {
			h->alpn_skipped++;
			continue;
		}
		a = &h->alpn[h->nalpn++];
		a->len = (uint8_t)name.n;
		memcpy(a->name, name.p, name.n);
		a->name[name.n] = '\0';
	}
	if (e->n != 0)
		return rd_bad(e, "alpn: %zu bytes after its list", e->n);
	h->has_alpn = true;
	return true;
}

static bool
grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* supported_versions in a ClientHello (RFC 8446 4.2.1). */
static bool
ext_versions(struct rd *e, struct fr_tls_hello *h)
{
	struct rd list;
	size_t v = 0;

	if (!vec(e, 1, 2, 254, "supported_versions", &list))
		return false;
	if (list.n % 2 != 0)
		return rd_bad(e, "supported_versions: odd length %zu",
		    list.n);
	while (list.n > 0) {
		(void)num(&list, 2, "supported_versions", &v);
		if (h->nversions < FR_TLS_VERSIONS_MAX)
			h->versions[h->nversions++] = (uint16_t)v;
		if (!grease((uint16_t)v) && (!h->has_versions ||
		    v > h->best_version))
			h->best_version = (uint16_t)v;
		h->has_versions = true;
	}
	if (e->n != 0)
		return rd_bad(e, "supported_versions: %zu bytes after its "
		    "list", e->n);
	return true;
}

/* The ClientHello's body, contiguous. */
static enum fr_tls_hello_status
parse_body(struct rd *r, struct fr_tls_hello *h)
{
	struct rd sub, exts, e;
	size_t v, type;
	bool seen_sni = false, seen_alpn = false, seen_versions = false;

	if (!num(r, 2, "legacy_version", &v))
		return FR_TLS_HELLO_BAD;
	if ((v >> 8) != 3)
		return bad(r->err, r->errlen, "legacy_version 0x%04zx is no "
		    "SSLv3/TLS version", v);
	h->legacy_version = (uint16_t)v;
	h->best_version = h->legacy_version;
	if (!take(r, 32, "random", NULL) ||
	    !vec(r, 1, 0, 32, "legacy_session_id", &sub) ||
	    !vec(r, 2, 2, 0xfffe, "cipher_suites", &sub))
		return FR_TLS_HELLO_BAD;
	if (sub.n % 2 != 0)
		return bad(r->err, r->errlen, "cipher_suites: odd length %zu",
		    sub.n);
	if (!vec(r, 1, 1, 255, "legacy_compression_methods", &sub))
		return FR_TLS_HELLO_BAD;
	if (r->n == 0)
		return FR_TLS_HELLO_DONE;	/* no extensions (SSLv3) */
	if (!vec(r, 2, 0, 0xffff, "extensions", &exts))
		return FR_TLS_HELLO_BAD;
	if (r->n != 0)
		return bad(r->err, r->errlen, "%zu bytes after the "
		    "extensions", r->n);
	while (exts.n > 0) {
		bool *seen = NULL;
		const char *name = NULL;
		bool ok = true;

		if (!num(&exts, 2, "extension type", &type) ||
		    !vec(&exts, 2, 0, 0xffff, "extension", &e))
			return FR_TLS_HELLO_BAD;
		if (type == EXT_SERVER_NAME) {
			seen = &seen_sni;
			name = "server_name";
		} else if (type == EXT_ALPN) {
			seen = &seen_alpn;
			name = "alpn";
		} else if (type == EXT_SUPPORTED_VERSIONS) {
			seen = &seen_versions;
			name = "supported_versions";
		} else {
			continue;
		}
		if (*seen)	/* RFC 8446 4.2: at most one of each */
			return bad(r->err, r->errlen, "extension %s twice",
			    name);
		*seen = true;
		if (type == EXT_SERVER_NAME)
			ok = ext_sni(&e, h);
		else if (type == EXT_ALPN)
			ok = ext_alpn(&e, h);
		else
			ok = ext_versions(&e, h);
		if (!ok)
			return FR_TLS_HELLO_BAD;
	}
	return FR_TLS_HELLO_DONE;
}

enum fr_tls_hello_status
fr_tls_hello_parse(const void *data, size_t len, struct fr_tls_hello *h,
    char *err, size_t errlen)
{
	const uint8_t *d = data;
	/* the handshake bytes of each record given so far */
	struct { const uint8_t *p; size_t n; } frag[FR_TLS_HELLO_RECORDS_MAX];
	uint8_t hs[4 + FR_TLS_HELLO_MSG_MAX];
	uint8_t hdr[4];
	size_t nfrag = 0, have = 0, need = 0, pos = 0, i, rlen, avail;
	size_t hdr_have = 0;
	struct rd r;

	if (len == 0)
		return FR_TLS_HELLO_MORE;
	/* TLS record types are 20-24, major version 3 */
	if (d[0] < 20 || d[0] > 24 || (len > 1 && d[1] != 3)) {
		struct fr_strbuf sb;

		fr_strbuf_init(&sb, err, errlen);
		fr_strbuf_printf(&sb, "not TLS (it begins \"");
		fr_strbuf_escape(&sb, d, len < 8 ? len : 8);
		fr_strbuf_printf(&sb, "\")");
		return FR_TLS_HELLO_NOT_TLS;
	}
	if (len == 1)		/* TLS or not: the second byte says */
		return FR_TLS_HELLO_MORE;
	for (;;) {
		unsigned rec = (unsigned)nfrag + 1;

		if (len - pos >= 1 && d[pos] != REC_HANDSHAKE)
			return bad(err, errlen, "record %u: type %u, not "
			    "handshake (22)", rec, d[pos]);
		if (len - pos >= 2 && d[pos + 1] != 3)
			return bad(err, errlen, "record %u: version %u.x, not "
			    "3.x", rec, d[pos + 1]);
		if (len - pos < 5)
			return FR_TLS_HELLO_MORE;
		rlen = (size_t)d[pos + 3] << 8 | d[pos + 4];
		if (rlen == 0)	/* RFC 8446 5.1: never for handshakes */
			return bad(err, errlen, "record %u: empty", rec);
		if (rlen > FR_TLS_RECORD_MAX)
			return bad(err, errlen, "record %u: length %zu > %d",
			    rec, rlen, FR_TLS_RECORD_MAX);
		if (nfrag == FR_TLS_HELLO_RECORDS_MAX)
			return bad(err, errlen, "more than %d records",
			    FR_TLS_HELLO_RECORDS_MAX);
		avail = len - pos - 5 < rlen ? len - pos - 5 : rlen;
		frag[nfrag].p = d + pos + 5;
		frag[nfrag].n = avail;
		nfrag++;
		/* the handshake header, as soon as its bytes are there */
		for (i = 0; i < avail && hdr_have < 4; i++)
			hdr[hdr_have++] = d[pos + 5 + i];
		if (hdr_have >= 1 && hdr[0] != HS_CLIENT_HELLO)
			return bad(err, errlen, "handshake type %u, not "
			    "client_hello (1)", hdr[0]);
		if (need == 0 && hdr_have == 4) {
			need = (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 |
			    hdr[3];
			if (need > FR_TLS_HELLO_MSG_MAX)
				return bad(err, errlen, "length %zu > %d",
				    need, FR_TLS_HELLO_MSG_MAX);
			need += 4;
		}
		have += avail;
		if (need != 0 && have >= need)
			break;
		if (avail < rlen)
			return FR_TLS_HELLO_MORE;
		pos += 5 + rlen;
		if (pos == len)
			return FR_TLS_HELLO_MORE;
	}

	/* complete: the body, contiguous (copied only when split) */
	memset(h, 0, sizeof(*h));
	h->records = (unsigned)nfrag;
	h->record_version = (uint16_t)(d[1] << 8 | d[2]);
	h->end = (size_t)(frag[nfrag - 1].p - d) + frag[nfrag - 1].n -
	    (have - need);
	if (frag[0].n >= need) {
		r.p = frag[0].p + 4;
	} else {
		size_t off = 0;

		for (i = 0; i < nfrag && off < need; i++) {
			size_t n = frag[i].n < need - off ? frag[i].n :
			    need - off;

			memcpy(hs + off, frag[i].p, n);
			off += n;
		}
		r.p = hs + 4;
	}
	r.n = need - 4;
	r.err = err;
	r.errlen = errlen;
	return parse_body(&r, h);
}

bool
fr_tls_hello_alpn(const struct fr_tls_hello *h, const char *proto)
{
	size_t i, n = strlen(proto);

	for (i = 0; i < h->nalpn; i++)
		if (h->alpn[i].len == n && memcmp(h->alpn[i].name, proto,
		    n) == 0)
			return true;
	return false;
}

const char *
fr_tls_version_name(uint16_t v, char *buf, size_t size)
{
	switch (v) {
	case 0x0300: return "SSLv3";
	case 0x0301: return "TLSv1";
	case 0x0302: return "TLSv1.1";
	case 0x0303: return "TLSv1.2";
	case 0x0304: return "TLSv1.3";
	default:
		snprintf(buf, size, "0x%04x", v);
		return buf;
	}
}
