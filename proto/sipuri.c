/*
 * sipuri.c -- parse the target of a lookup (RFC 3261 section 19.1 SIP URIs,
 * RFC 5122 XMPP URIs), just far enough to know what to resolve.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "sipuri.h"

int
fr_dname_check(char *name, char *err, size_t errlen)
{
	size_t len = strlen(name), label = 0, i;

	if (len > 0 && name[len - 1] == '.')
		name[--len] = '\0';
	if (len == 0) {
		snprintf(err, errlen, "empty host name");
		return -1;
	}
	if (len > 253) {
		snprintf(err, errlen, "host name longer than 253 characters");
		return -1;
	}
	for (i = 0; i <= len; i++) {
		char c = name[i];

		if (c == '.' || c == '\0') {
			if (label == 0) {
				snprintf(err, errlen,
				    "empty label in host name '%s'", name);
				return -1;
			}
			if (label > 63) {
				snprintf(err, errlen, "label longer than 63 "
				    "characters in host name '%s'", name);
				return -1;
			}
			label = 0;
			continue;
		}
		/* Letters, digits, hyphen; underscore for _service labels. */
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_')) {
			/* The whole character, escaped if need be: never
			 * half of a UTF-8 sequence, never a raw ESC. */
			char ch[32], shown[1024];
			uint32_t cp;
			size_t k = fr_utf8_decode((const unsigned char *)
			    name + i, len - i, &cp);

			fr_escape(ch, sizeof(ch), name + i, k > 0 ? k : 1);
			snprintf(err, errlen, "character '%s' not allowed in "
			    "host name '%s'", ch, fr_escape_str(shown,
			    sizeof(shown), name));
			return -1;
		}
		if (c >= 'A' && c <= 'Z')
			name[i] = (char)(c + ('a' - 'A'));
		label++;
	}
	return 0;
}

/* host is "[v6]", v4, or a name; fills out->host/literal/addr. */
static int
parse_host(const char *s, size_t n, struct fr_uri *out, char *err,
    size_t errlen)
{
	char buf[FR_DNAME_MAX];

	if (n == 0) {
		snprintf(err, errlen, "no host");
		return -1;
	}
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']' || n - 2 >= sizeof(buf)) {
			snprintf(err, errlen, "bad IPv6 reference '%.*s'",
			    (int)n, s);
			return -1;
		}
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &out->addr.u.v6) != 1) {
			snprintf(err, errlen, "bad IPv6 address '%s'", buf);
			return -1;
		}
		out->addr.family = AF_INET6;
		out->literal = true;
		snprintf(out->host, sizeof(out->host), "%s", buf);
		return 0;
	}
	if (n >= sizeof(buf)) {
		snprintf(err, errlen, "host name longer than 253 characters");
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &out->addr.u.v4) == 1) {
		out->addr.family = AF_INET;
		out->literal = true;
		snprintf(out->host, sizeof(out->host), "%s", buf);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &out->addr.u.v6) == 1) {
		out->addr.family = AF_INET6;	/* bare v6 as a plain target */
		out->literal = true;
		snprintf(out->host, sizeof(out->host), "%s", buf);
		return 0;
	}
	if (fr_dname_check(buf, err, errlen) != 0)
		return -1;
	memcpy(out->host, buf, sizeof(buf));
	return 0;
}

static int
parse_port(const char *s, size_t n, int *port, char *err, size_t errlen)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > 65535)
			break;
		v = v * 10 + (s[i] - '0');
	}
	if (n == 0 || i != n || v < 1 || v > 65535) {
		snprintf(err, errlen, "bad port '%.*s' (1-65535)", (int)n, s);
		return -1;
	}
	*port = (int)v;
	return 0;
}

/* hostport = host [ ":" port ], host may be "[v6]". */
static int
parse_hostport(const char *s, size_t n, struct fr_uri *out, char *err,
    size_t errlen)
{
	const char *colon = NULL;
	size_t hostlen = n;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL) {
			snprintf(err, errlen, "unterminated IPv6 reference");
			return -1;
		}
		if ((size_t)(close - s) + 1 < n) {
			if (close[1] != ':') {
				snprintf(err, errlen, "junk after IPv6 reference");
				return -1;
			}
			colon = close + 1;
		}
	} else {
		colon = memchr(s, ':', n);
	}
	if (colon != NULL) {
		hostlen = (size_t)(colon - s);
		if (parse_port(colon + 1, n - hostlen - 1, &out->port, err,
		    errlen) != 0)
			return -1;
	}
	return parse_host(s, hostlen, out, err, errlen);
}

/* ";name=value;..." of a SIP URI: transport= and maddr= matter here. */
static int
parse_sip_params(const char *p, const char *end, struct fr_uri *out,
    char *err, size_t errlen)
{
	while (p < end && *p == ';') {
		const char *name = ++p, *eq, *val;
		size_t nlen, vlen;

		while (p < end && *p != ';')
			p++;
		eq = memchr(name, '=', (size_t)(p - name));
		nlen = (size_t)((eq ? eq : p) - name);
		val = eq ? eq + 1 : p;
		vlen = (size_t)(p - val);
		if (nlen == 9 && strncasecmp(name, "transport", 9) == 0) {
			char t[16];

			if (vlen == 0 || vlen >= sizeof(t)) {
				snprintf(err, errlen, "bad transport parameter");
				return -1;
			}
			memcpy(t, val, vlen);
			t[vlen] = '\0';
			if (fr_transport_parse(t, &out->transport) != 0 ||
			    out->transport == FR_TRANSPORT_SCTP_TLS) {
				snprintf(err, errlen, "unknown transport '%s' "
				    "(udp, tcp, tls, sctp)", t);
				return -1;
			}
			out->has_transport = true;
		} else if (nlen == 5 && strncasecmp(name, "maddr", 5) == 0) {
			/* RFC 3263 section 4: maddr is the target. */
			out->literal = false;
			if (parse_host(val, vlen, out, err, errlen) != 0)
				return -1;
		}
	}
	return 0;
}

int
fr_uri_parse(const char *input, struct fr_uri *out, char *err, size_t errlen)
{
	const char *p = input, *end, *at, *hp_end;

	memset(out, 0, sizeof(*out));
	out->port = -1;
	if (strncasecmp(p, "sips:", 5) == 0) {
		out->scheme = FR_SCHEME_SIPS;
		p += 5;
	} else if (strncasecmp(p, "sip:", 4) == 0) {
		out->scheme = FR_SCHEME_SIP;
		p += 4;
	} else if (strncasecmp(p, "xmpp:", 5) == 0) {
		out->scheme = FR_SCHEME_XMPP;
		p += 5;
	} else if (strchr(p, ':') != NULL && p[0] != '[' &&
	    strchr(p, ':') == strrchr(p, ':')) {
		snprintf(err, errlen, "unknown URI scheme in '%s' (sip:, "
		    "sips:, xmpp:, or a bare domain)", input);
		return -1;
	}

	if (out->scheme == FR_SCHEME_XMPP) {
		/* xmpp:[node@]domain[/resource][?query]; "//auth/" unused. */
		end = p + strcspn(p, "/?#");
		at = memchr(p, '@', (size_t)(end - p));
		if (at != NULL)
			p = at + 1;
		if (parse_host(p, (size_t)(end - p), out, err, errlen) != 0)
			return -1;
		return 0;
	}
	if (out->scheme == FR_SCHEME_NONE)
		return parse_host(p, strlen(p), out, err, errlen);

	/* SIP: userinfo ends at the '@' before any parameter or header. */
	end = p + strcspn(p, "?");
	at = memchr(p, '@', (size_t)(end - p));
	if (at != NULL)
		p = at + 1;
	hp_end = p + strcspn(p, ";?");
	if (parse_hostport(p, (size_t)(hp_end - p), out, err, errlen) != 0)
		return -1;
	if (parse_sip_params(hp_end, end, out, err, errlen) != 0)
		return -1;
	if (out->scheme == FR_SCHEME_SIPS && out->has_transport &&
	    out->transport == FR_TRANSPORT_UDP) {
		snprintf(err, errlen, "sips: URI with transport=udp "
		    "(TLS cannot run over UDP here)");
		return -1;
	}
	return 0;
}

/* ---- SIP URIs where they lie ------------------------------------------------ */

static bool
lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *
fr_sip_unquoted(const char *p, const char *end, char stop, bool angles)
{
	bool quoted = false;
	int angle = 0;

	for (; p < end; p++) {
		if (quoted) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				quoted = false;
		} else if (*p == '"') {
			quoted = true;
		} else if (*p == stop && angle == 0) {
			return p;
		} else if (angles && *p == '<') {
			angle++;
		} else if (angles && *p == '>' && angle > 0) {
			angle--;
		}
	}
	return end;
}

/* The next ;-separated parameter of p[0..end): name and value spans. */
static const char *
next_param(const char *p, const char *end, struct fr_span *name,
    struct fr_span *value)
{
	const char *seg, *eq;

	while (p < end && (lws(*p) || *p == ';'))
		p++;
	seg = p;
	p = fr_sip_unquoted(p, end, ';', false);
	eq = memchr(seg, '=', (size_t)(p - seg));
	name->s = seg;
	name->len = (size_t)((eq ? eq : p) - seg);
	*name = fr_span_trim(*name);
	value->s = eq ? eq + 1 : p;
	value->len = eq ? (size_t)(p - eq - 1) : 0;
	*value = fr_span_trim(*value);
	return p;
}

bool
fr_sip_param(struct fr_span params, const char *name, struct fr_span *value)
{
	const char *p = params.s, *end = params.s + params.len;

	if (params.s == NULL)
		return false;
	while (p < end) {
		struct fr_span n, v;

		p = next_param(p, end, &n, &v);
		if (n.len > 0 && fr_span_ieq(n, name)) {
			if (value != NULL)
				*value = v;
			return true;
		}
	}
	return false;
}

/* A host name: labels of letters, digits, '-', '_'; a final dot. */
static bool
host_name(const char *s, size_t n)
{
	size_t i, label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return false;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0 || label > 63)
				return false;
			label = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			return false;
		label++;
	}
	return true;
}

static int
uri_fail(char *err, size_t errlen, const char *what, const char *s,
    size_t n)
{
	char q[64];
	size_t i, o = 0;

	/* the URI came from a peer: printable ASCII only */
	for (i = 0; i < n && o + 4 < sizeof(q); i++)
		q[o++] = (unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f ? s[i] : '?';
	if (i < n)
		q[o++] = '.', q[o++] = '.', q[o++] = '.';
	q[o] = '\0';
	snprintf(err, errlen, "%s in \"%s\"", what, q);
	return -1;
}

int
fr_sip_uri_parse(struct fr_span in, struct fr_sip_uri *out, char *err,
    size_t errlen)
{
	const char *s = in.s, *p, *end = in.s + in.len, *q, *at, *hp_end;
	char addr[64];
	size_t i;

	memset(out, 0, sizeof(*out));
	out->port = -1;
	for (i = 0; i < in.len; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return uri_fail(err, errlen, "space or control byte",
			    s, in.len);
	if (in.len >= 5 && strncasecmp(s, "sips:", 5) == 0) {
		out->scheme = FR_SCHEME_SIPS;
		p = s + 5;
	} else if (in.len >= 4 && strncasecmp(s, "sip:", 4) == 0) {
		out->scheme = FR_SCHEME_SIP;
		p = s + 4;
	} else if (in.len >= 4 && strncasecmp(s, "tel:", 4) == 0) {
		return uri_fail(err, errlen, "tel: URI (no SIP host to route "
		    "to)", s, in.len);
	} else {
		return uri_fail(err, errlen, "not a sip: or sips: URI", s,
		    in.len);
	}
	q = memchr(p, '?', (size_t)(end - p));
	if (q == NULL)
		q = end;
	else
		out->headers = (struct fr_span){ q + 1, (size_t)(end - q - 1) };
	at = memchr(p, '@', (size_t)(q - p));
	if (at != NULL) {
		const char *colon = memchr(p, ':', (size_t)(at - p));

		out->has_user = true;
		out->user = (struct fr_span){ p, (size_t)((colon ? colon : at) -
		    p) };
		if (colon != NULL) {
			out->has_password = true;
			out->password = (struct fr_span){ colon + 1,
			    (size_t)(at - colon - 1) };
		}
		if (out->user.len == 0)
			return uri_fail(err, errlen, "empty user", s, in.len);
		for (i = 0; i < (size_t)(at - p); i++)
			if (strchr("<>\"[]{}|^`\\#", p[i]) != NULL)
				return uri_fail(err, errlen, "bad character in "
				    "the user part", s, in.len);
		p = at + 1;
	}
	/* host */
	if (p < q && *p == '[') {
		struct in6_addr a6;
		const char *close = memchr(p, ']', (size_t)(q - p));

		if (close == NULL || (size_t)(close - p - 1) >= sizeof(addr))
			return uri_fail(err, errlen, "bad IPv6 reference", s,
			    in.len);
		memcpy(addr, p + 1, (size_t)(close - p - 1));
		addr[close - p - 1] = '\0';
		if (inet_pton(AF_INET6, addr, &a6) != 1)
			return uri_fail(err, errlen, "bad IPv6 address", s,
			    in.len);
		out->host = (struct fr_span){ p + 1, (size_t)(close - p - 1) };
		out->host_kind = FR_HOST_IPV6;
		hp_end = close + 1;
	} else {
		struct in_addr a4;

		hp_end = p;
		while (hp_end < q && *hp_end != ':' && *hp_end != ';')
			hp_end++;
		out->host = (struct fr_span){ p, (size_t)(hp_end - p) };
		if (out->host.len == 0)
			return uri_fail(err, errlen, "no host", s, in.len);
		if (out->host.len < sizeof(addr)) {
			memcpy(addr, p, out->host.len);
			addr[out->host.len] = '\0';
			if (inet_pton(AF_INET, addr, &a4) == 1)
				out->host_kind = FR_HOST_IPV4;
		}
		if (out->host_kind != FR_HOST_IPV4 &&
		    !host_name(p, out->host.len))
			return uri_fail(err, errlen, "bad host name", s,
			    in.len);
	}
	p = hp_end;
	if (p < q && *p == ':') {
		long v = 0;
		const char *d = ++p;

		while (p < q && *p >= '0' && *p <= '9' && v <= 65535)
			v = v * 10 + (*p++ - '0');
		if (p == d || v < 1 || v > 65535 || (p < q && *p != ';'))
			return uri_fail(err, errlen, "bad port (1-65535)", s,
			    in.len);
		out->port = (int)v;
	}
	if (p < q && *p != ';')
		return uri_fail(err, errlen, "junk after the host", s, in.len);
	out->params = (struct fr_span){ p, (size_t)(q - p) };
	while (p < q) {
		struct fr_span n, v;

		p = next_param(p, q, &n, &v);
		if (n.len == 0) {
			if (p < q || v.len > 0 || p[-1] == '=')
				return uri_fail(err, errlen, "parameter with "
				    "no name", s, in.len);
			continue;
		}
		if (fr_span_ieq(n, "lr"))
			out->lr = true;
		else if (fr_span_ieq(n, "transport"))
			out->transport = v;
		else if (fr_span_ieq(n, "maddr"))
			out->maddr = v;
	}
	return 0;
}

bool
fr_sip_domain_match(struct fr_span host, const char *pattern)
{
	size_t n = strlen(pattern);

	if (host.len > 0 && host.s[host.len - 1] == '.')
		host.len--;
	if (n > 0 && pattern[n - 1] == '.')
		n--;
	if (n >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* below the suffix ".example.com", not at it */
		n--;
		pattern++;
		return host.len > n && strncasecmp(host.s + host.len - n,
		    pattern, n) == 0;
	}
	return host.len == n && n > 0 && strncasecmp(host.s, pattern, n) == 0;
}
