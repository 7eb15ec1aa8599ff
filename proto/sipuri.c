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
