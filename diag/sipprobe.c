/*
 * sipprobe.c -- OPTIONS out, the final response in.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sipprobe.h"
#include "strbuf.h"

#define T1_MS	500.0		/* RFC 3261 17.1.1.1 */
#define T2_MS	4000.0

/* 16 random hex digits, for branch, tag and Call-ID. */
static void
random_hex(char *buf, size_t len)
{
	unsigned char r[8];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* no entropy: a clock value still tells our requests apart */
		double t = fr_now_ms();

		memcpy(r, &t, sizeof(r));
	}
	for (i = 0; i < sizeof(r) && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, 3, "%02x", r[i]);
}

/* "192.0.2.1:5060" or "[2001:db8::1]:5060" of our end of the socket. */
static void
local_hostport(int fd, char *host, size_t hostlen, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "0.0.0.0";

	*port = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
			*port = ntohs(s6->sin6_port);
			snprintf(host, hostlen, "[%s]", ip);
			return;
		}
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip,
		    sizeof(ip));
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	snprintf(host, hostlen, "%s", ip);
}

static int
build_request(struct fr_conn *c, enum fr_transport tp, const char *domain,
    char *callid, size_t callidlen, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN + 2], branch[20], tag[20];
	const char *via = tp == FR_TRANSPORT_UDP ? "UDP" :
	    tp == FR_TRANSPORT_TLS ? "TLS" : "TCP";
	unsigned port;
	int n;

	local_hostport(c->fd, host, sizeof(host), &port);
	random_hex(branch, sizeof(branch));
	random_hex(tag, sizeof(tag));
	random_hex(callid, callidlen);
	n = snprintf(buf, len,
	    "OPTIONS sip:%s SIP/2.0\r\n"
	    "Via: SIP/2.0/%s %s:%u;branch=z9hG4bK%s;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:fedroute@%s>;tag=%s\r\n"
	    "To: <sip:%s>\r\n"
	    "Call-ID: %s@fedroute\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "Contact: <sip:fedroute@%s:%u;transport=%s>\r\n"
	    "Accept: application/sdp\r\n"
	    "User-Agent: %s\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n",
	    domain, via, host, port, branch, host, tag, domain, callid, host,
	    port, tp == FR_TRANSPORT_UDP ? "udp" : tp == FR_TRANSPORT_TLS ?
	    "tls" : "tcp", PACKAGE_STRING);
	return n > 0 && (size_t)n < len ? n : -1;
}

/*
 * The value of header name (or its compact form) in the header block
 * hdr[0..len), into out; false if absent.
 */
static bool
header(const char *hdr, size_t len, const char *name, const char *compact,
    char *out, size_t outlen)
{
	const char *p = hdr, *end = hdr + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t linelen = eol ? (size_t)(eol - p) : (size_t)(end - p);
		const char *colon = memchr(p, ':', linelen);

		if (colon != NULL) {
			size_t nlen = (size_t)(colon - p);

			while (nlen > 0 && isspace((unsigned char)p[nlen - 1]))
				nlen--;
			if ((nlen == strlen(name) &&
			    strncasecmp(p, name, nlen) == 0) ||
			    (compact != NULL && nlen == strlen(compact) &&
			    strncasecmp(p, compact, nlen) == 0)) {
				const char *v = colon + 1;
				size_t vlen = linelen - (size_t)(v - p);

				while (vlen > 0 && isspace((unsigned char)*v)) {
					v++;
					vlen--;
				}
				while (vlen > 0 &&
				    isspace((unsigned char)v[vlen - 1]))
					vlen--;
				if (vlen >= outlen)
					vlen = outlen - 1;
				memcpy(out, v, vlen);
				out[vlen] = '\0';
				return true;
			}
		}
		p += linelen + 1;
	}
	return false;
}

enum parse { PARSE_MORE, PARSE_SKIP, PARSE_FINAL, PARSE_BAD };

/*
 * Look at the message at the start of buf[0..len).  PARSE_MORE: not
 * complete yet; PARSE_SKIP: a provisional response or someone else's
 * message, *used bytes long; PARSE_FINAL: our final response (r filled);
 * PARSE_BAD: not SIP at all.
 */
static enum parse
parse(const char *buf, size_t len, bool stream, const char *callid,
    size_t *used, struct fr_sip_result *r)
{
	const char *eoh, *eol;
	char v[256], *end;
	size_t hlen, body = 0;
	long code;

	/* keep-alive CRLFs (RFC 5626) before a message */
	for (*used = 0; *used < len && (buf[*used] == '\r' ||
	    buf[*used] == '\n'); (*used)++)
		;
	buf += *used;
	len -= *used;
	if (len >= 8 && strncmp(buf, "SIP/2.0 ", 8) != 0)
		return PARSE_BAD;
	if (len < 8 && strncmp(buf, "SIP/2.0 ", len) != 0)
		return PARSE_BAD;
	eoh = NULL;
	for (hlen = 3; hlen < len; hlen++)
		if (memcmp(buf + hlen - 3, "\r\n\r\n", 4) == 0) {
			eoh = buf + hlen + 1;
			break;
		}
	if (eoh == NULL)
		return stream ? PARSE_MORE : PARSE_BAD;
	hlen = (size_t)(eoh - buf);
	if (header(buf, hlen, "Content-Length", "l", v, sizeof(v))) {
		body = strtoul(v, &end, 10);
		if (*end != '\0' || body > FR_SIP_MAX_MESSAGE)
			return PARSE_BAD;
	}
	if (stream && len < hlen + body)
		return PARSE_MORE;
	*used += hlen + body;
	eol = memchr(buf, '\r', hlen);
	code = strtol(buf + 8, &end, 10);
	if (eol == NULL || end != buf + 11 || code < 100 || code > 699)
		return PARSE_BAD;
	if (!header(buf, hlen, "Call-ID", "i", v, sizeof(v)) ||
	    strncmp(v, callid, strlen(callid)) != 0 || code < 200)
		return PARSE_SKIP;
	r->status = (int)code;
	snprintf(r->status_line, sizeof(r->status_line), "%.*s",
	    (int)(eol - buf), buf);
	snprintf(r->reason, sizeof(r->reason), "%.*s",
	    (int)(eol - buf > 12 ? eol - buf - 12 : 0), buf + 12);
	if (!header(buf, hlen, "Server", NULL, r->server, sizeof(r->server)))
		(void)header(buf, hlen, "User-Agent", NULL, r->server,
		    sizeof(r->server));
	return PARSE_FINAL;
}

/* What a non-SIP peer said, quoted and printable, for the message. */
static void
not_sip(const char *buf, size_t len, char *err, size_t errlen)
{
	char said[41];
	size_t i, n = len < 40 ? len : 40;

	for (i = 0; i < n; i++)
		said[i] = isprint((unsigned char)buf[i]) ? buf[i] : '?';
	said[n] = '\0';
	snprintf(err, errlen, "OPTIONS: the answer is not SIP: \"%s\"", said);
}

static int
exchange(struct fr_conn *c, enum fr_transport tp, const char *domain,
    unsigned timeout_ms, struct fr_sip_result *r, char *buf, size_t size,
    char *err, size_t errlen)
{
	char req[1024], callid[20];
	double now = fr_now_ms(), deadline = now + timeout_ms;
	double interval = T1_MS, resend = now + T1_MS;
	bool udp = tp == FR_TRANSPORT_UDP;
	size_t len = 0;
	int n;

	memset(r, 0, sizeof(*r));
	if ((n = build_request(c, tp, domain, callid, sizeof(callid), req,
	    sizeof(req))) < 0) {
		snprintf(err, errlen, "OPTIONS: domain name too long");
		return -1;
	}
	if (fr_conn_write(c, req, (size_t)n, deadline) != 0) {
		snprintf(err, errlen, "OPTIONS: %s", c->error);
		return -1;
	}
	for (;;) {
		double until = udp && resend < deadline ? resend : deadline;
		enum parse pr = PARSE_MORE;
		size_t used;
		ssize_t got;

		got = fr_conn_read(c, buf + len, size - len, until);
		if (udp && got < 0 && c->status == FR_CONN_TIMEOUT &&
		    fr_now_ms() < deadline) {
			/* UDP: time to send again */
			if (fr_conn_write(c, req, (size_t)n, deadline) != 0) {
				snprintf(err, errlen, "OPTIONS: %s", c->error);
				return -1;
			}
			interval = interval * 2 > T2_MS ? T2_MS : interval * 2;
			resend = fr_now_ms() + interval;
			continue;
		}
		if (got < 0) {
			snprintf(err, errlen, "OPTIONS: %s", c->status ==
			    FR_CONN_TIMEOUT ? "no final response in time" :
			    c->error);
			return -1;
		}
		if (got == 0) {
			c->status = FR_CONN_CLOSED;
			snprintf(err, errlen, "OPTIONS: the peer closed the "
			    "connection without a final response");
			return -1;
		}
		len += (size_t)got;
		while (len > 0 && (pr = parse(buf, len, !udp, callid, &used,
		    r)) != PARSE_MORE) {
			if (pr == PARSE_FINAL)
				return 0;
			if (pr == PARSE_BAD) {
				not_sip(buf, len, err, errlen);
				return -1;
			}
			memmove(buf, buf + used, len - used);
			len -= used;
			if (udp)
				len = 0;	/* one message per datagram */
		}
		if (len == size) {
			snprintf(err, errlen, "OPTIONS: response longer than "
			    "%zu bytes", size);
			return -1;
		}
	}
}

int
fr_sip_options(struct fr_conn *c, enum fr_transport tp, const char *domain,
    unsigned timeout_ms, struct fr_sip_result *r, char *err, size_t errlen)
{
	char *buf = malloc(FR_SIP_MAX_MESSAGE);
	int rc;

	if (buf == NULL) {
		memset(r, 0, sizeof(*r));
		snprintf(err, errlen, "OPTIONS: out of memory");
		return -1;
	}
	rc = exchange(c, tp, domain, timeout_ms, r, buf, FR_SIP_MAX_MESSAGE,
	    err, errlen);
	free(buf);
	return rc;
}
