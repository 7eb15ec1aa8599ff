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

#include "sipmsg.h"
#include "sipprobe.h"

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
	char host[INET6_ADDRSTRLEN + 2], sent_by[INET6_ADDRSTRLEN + 10];
	char branch[20], tag[20], hex[20], ruri[FR_DNAME_MAX + 8];
	char from[INET6_ADDRSTRLEN + 16], contact[INET6_ADDRSTRLEN + 48];
	const char *tpw = tp == FR_TRANSPORT_UDP ? "udp" :
	    tp == FR_TRANSPORT_TLS ? "tls" : "tcp";
	struct fr_sip_options o;
	unsigned port;

	local_hostport(c->fd, host, sizeof(host), &port);
	random_hex(branch, sizeof(branch));
	random_hex(tag, sizeof(tag));
	random_hex(hex, sizeof(hex));
	snprintf(callid, callidlen, "%s@fedroute", hex);
	snprintf(sent_by, sizeof(sent_by), "%s:%u", host, port);
	snprintf(from, sizeof(from), "sip:fedroute@%s", host);
	snprintf(contact, sizeof(contact), "sip:fedroute@%s:%u;transport=%s",
	    host, port, tpw);
	if ((size_t)snprintf(ruri, sizeof(ruri), "sip:%s", domain) >=
	    sizeof(ruri))
		return -1;
	o.ruri = ruri;
	o.transport = tp == FR_TRANSPORT_UDP ? "UDP" :
	    tp == FR_TRANSPORT_TLS ? "TLS" : "TCP";
	o.sent_by = sent_by;
	o.branch = branch;
	o.from_uri = from;
	o.from_tag = tag;
	o.to_uri = ruri;
	o.call_id = callid;
	o.contact = contact;
	o.user_agent = PACKAGE_STRING;
	return (int)fr_sip_options_build(&o, buf, len);
}

/* Peer text for the result, folds undone; the bytes stay as they came:
 * every output escapes them for its own kind (proto/escape.h), so a
 * reader sees what the peer really sent. */
static void
peer_text(char *dst, size_t size, struct fr_span v)
{
	size_t i, o = 0;

	for (i = 0; i < v.len && o + 1 < size; i++) {
		unsigned char ch = (unsigned char)v.s[i];

		if (ch == '\r' || ch == '\n')
			continue;
		dst[o++] = (char)ch;
	}
	dst[o] = '\0';
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

/* Could buf[0..len) (after keep-alive CRLFs) start a SIP response? */
static bool
sip_start(const char *buf, size_t len)
{
	while (len > 0 && (*buf == '\r' || *buf == '\n')) {
		buf++;
		len--;
	}
	return strncasecmp(buf, "SIP/2.0 ", len < 8 ? len : 8) == 0;
}

enum look { LOOK_MORE, LOOK_SKIP, LOOK_FINAL, LOOK_BAD };

/*
 * Look at what begins buf[0..len): LOOK_MORE (a stream needs more),
 * LOOK_SKIP (*used bytes that are not our final response: keep-alives,
 * provisional responses, other Call-IDs, and over UDP a malformed
 * datagram, which RFC 3261 18.3 says to discard), LOOK_FINAL (r
 * filled) or LOOK_BAD (err says why).
 */
static enum look
look(struct fr_sipmsg *m, const char *buf, size_t len, bool udp,
    const char *callid, size_t *used, struct fr_sip_result *r, char *err,
    size_t errlen)
{
	struct fr_sip_limits lim;
	struct fr_sip_error e;
	struct fr_span v;

	if (!sip_start(buf, len)) {
		not_sip(buf, len, err, errlen);
		return LOOK_BAD;
	}
	fr_sip_limits_default(&lim);
	lim.head = lim.body = FR_SIP_MAX_MESSAGE;
	switch (fr_sipmsg_parse(m, buf, len, udp ? FR_SIP_DATAGRAM :
	    FR_SIP_STREAM, &lim, used, &e)) {
	case FR_SIP_MORE:
		return LOOK_MORE;
	case FR_SIP_PING:
	case FR_SIP_PONG:
		return LOOK_SKIP;
	case FR_SIP_BAD:
		if (udp) {
			*used = len;
			return LOOK_SKIP;
		}
		snprintf(err, errlen, "OPTIONS: malformed response: %s",
		    e.text);
		return LOOK_BAD;
	case FR_SIP_MESSAGE:
		break;
	}
	if (m->request || m->status < 200 ||
	    !fr_sipmsg_get(m, FR_SIP_H_CALL_ID, &v) || !fr_span_eq(v, callid))
		return LOOK_SKIP;
	r->status = (int)m->status;
	peer_text(r->status_line, sizeof(r->status_line), m->start_line);
	peer_text(r->reason, sizeof(r->reason), m->reason);
	if (fr_sipmsg_get(m, FR_SIP_H_SERVER, &v) ||
	    fr_sipmsg_get(m, FR_SIP_H_USER_AGENT, &v))
		peer_text(r->server, sizeof(r->server), v);
	return LOOK_FINAL;
}

static int
exchange(struct fr_conn *c, enum fr_transport tp, const char *domain,
    unsigned timeout_ms, struct fr_sip_result *r, struct fr_sipmsg *m,
    char *buf, size_t size, char *err, size_t errlen)
{
	char req[1024], callid[40];
	double now = fr_now_ms(), deadline = now + timeout_ms;
	double interval = T1_MS, resend = now + T1_MS;
	bool udp = tp == FR_TRANSPORT_UDP;
	size_t len = 0;
	int n;

	memset(r, 0, sizeof(*r));
	if ((n = build_request(c, tp, domain, callid, sizeof(callid), req,
	    sizeof(req))) < 0) {
		snprintf(err, errlen, "OPTIONS: domain name too long or "
		    "not fit for a URI");
		return -1;
	}
	if (fr_conn_write(c, req, (size_t)n, deadline) != 0) {
		snprintf(err, errlen, "OPTIONS: %s", c->error);
		return -1;
	}
	for (;;) {
		double until = udp && resend < deadline ? resend : deadline;
		enum look lk = LOOK_MORE;
		size_t used = 0;
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
		/*
		 * Over UDP each read is one datagram, looked at once and
		 * dropped; over a stream, messages are taken off the front
		 * as they complete.  used never exceeds len (the parser
		 * frames), so the remainder is never negative.
		 */
		while (len > 0 && (lk = look(m, buf, len, udp, callid, &used,
		    r, err, errlen)) == LOOK_SKIP) {
			if (udp || used >= len) {
				len = 0;
				break;
			}
			memmove(buf, buf + used, len - used);
			len -= used;
		}
		if (lk == LOOK_FINAL)
			return 0;
		if (lk == LOOK_BAD)
			return -1;
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
	struct fr_sipmsg *m = malloc(sizeof(*m));	/* the index: 14 kB */
	int rc;

	if (buf == NULL || m == NULL) {
		free(buf);
		free(m);
		memset(r, 0, sizeof(*r));
		snprintf(err, errlen, "OPTIONS: out of memory");
		return -1;
	}
	rc = exchange(c, tp, domain, timeout_ms, r, m, buf,
	    FR_SIP_MAX_MESSAGE, err, errlen);
	free(m);
	free(buf);
	return rc;
}
