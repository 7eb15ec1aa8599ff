/*
 * test_sipprobe.c -- the OPTIONS probe of `lookup --connect` against a
 * peer forked on a loopback port that answers with a script: over UDP a
 * 100 Trying then the 200, a 200 for another Call-ID first, and
 * datagrams whose Content-Length claims more than they carry (which made
 * the old probe memmove a length that wrapped below zero); over TCP a
 * provisional response, a keep-alive and the final response cut across
 * writes.  The probe must come back with the 200 every time.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sipmsg.h"
#include "sipprobe.h"

static struct fr_sipmsg req;

/*
 * A response to the request in buf: its Via, From, To, Call-ID (or
 * callid instead), CSeq, then Content-Length: cl (or the real length
 * when cl < 0) and body.  Runs in the forked peer: on a surprise it
 * exits (non-zero), never returns into cmocka.
 */
static size_t
answer(const char *buf, size_t len, bool stream, char *out, size_t size,
    const char *status, const char *callid, int cl, const char *body)
{
	static const enum fr_sip_hdr copy[] = { FR_SIP_H_VIA, FR_SIP_H_FROM,
	    FR_SIP_H_TO, FR_SIP_H_CALL_ID, FR_SIP_H_CSEQ };
	size_t used, n, k;
	struct fr_span v;

	if (fr_sipmsg_parse(&req, buf, len, stream ? FR_SIP_STREAM :
	    FR_SIP_DATAGRAM, NULL, &used, NULL) != FR_SIP_MESSAGE)
		_exit(4);
	n = (size_t)snprintf(out, size, "SIP/2.0 %s\r\nServer: TestPeer\r\n",
	    status);
	for (k = 0; k < sizeof(copy) / sizeof(copy[0]); k++) {
		if (!fr_sipmsg_get(&req, copy[k], &v))
			_exit(5);
		if (copy[k] == FR_SIP_H_CALL_ID && callid != NULL)
			v = (struct fr_span){ callid, strlen(callid) };
		n += (size_t)snprintf(out + n, size - n, "%s: %.*s\r\n",
		    fr_sip_hdr_name(copy[k]), (int)v.len, v.s);
	}
	n += (size_t)snprintf(out + n, size - n, "Content-Length: %d\r\n\r\n%s",
	    cl < 0 ? (int)strlen(body) : cl, body);
	if (n >= size)
		_exit(6);
	return n;
}

struct step {
	const char *status;
	const char *callid;		/* NULL: the request's */
	int cl;				/* -1: the body's length */
	const char *body;
};

/* The peer: one request, then the script; exits 0 when all was sent. */
static void
peer_udp(int fd, const struct step *steps, size_t nsteps)
{
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	char buf[4096], out[4096];
	ssize_t got;
	size_t i, n;

	alarm(10);
	got = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	if (got <= 0)
		_exit(2);
	for (i = 0; i < nsteps; i++) {
		n = answer(buf, (size_t)got, false, out, sizeof(out),
		    steps[i].status, steps[i].callid, steps[i].cl,
		    steps[i].body);
		if (sendto(fd, out, n, 0, (struct sockaddr *)&from, fl) !=
		    (ssize_t)n)
			_exit(3);
	}
	/* stay until the probe is done, so no ICMP error races the 200 */
	(void)recv(fd, buf, sizeof(buf), 0);
	_exit(0);
}

static int
bound(int type, uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Probe the peer pid on 127.0.0.1:port, stop it, want its 200. */
static void
probe(pid_t pid, uint16_t port, int socktype, enum fr_transport tp)
{
	struct fr_address a = { .family = AF_INET };
	struct fr_sip_result r;
	struct fr_conn c;
	char err[256] = "";
	int status, rc;

	a.u.v4.s_addr = htonl(INADDR_LOOPBACK);
	fr_conn_init(&c);
	assert_int_equal(fr_conn_open(&c, &a, port, socktype, 2000), 0);
	rc = fr_sip_options(&c, tp, "peer.test", 3000, &r, err, sizeof(err));
	fr_conn_close(&c);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (rc != 0)
		fail_msg("probe failed: %s", err);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.reason, "OK");
	assert_string_equal(r.status_line, "SIP/2.0 200 OK");
	assert_string_equal(r.server, "TestPeer");
}

/* Probe a forked UDP peer playing steps. */
static void
probe_udp(const struct step *steps, size_t nsteps)
{
	uint16_t port;
	int fd = bound(SOCK_DGRAM, &port);
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		peer_udp(fd, steps, nsteps);
	close(fd);
	probe(pid, port, SOCK_DGRAM, FR_TRANSPORT_UDP);
}

static void
udp_trying_then_ok(void **state)
{
	static const struct step s[] = {
		{ "100 Trying", NULL, -1, "" },
		{ "200 OK", NULL, -1, "" },
	};

	(void)state;
	probe_udp(s, 2);
}

static void
udp_trying_cut_then_ok(void **state)
{
	/* the 100's Content-Length claims a body the datagram lacks */
	static const struct step s[] = {
		{ "100 Trying", NULL, 200, "" },
		{ "200 OK", NULL, -1, "" },
	};

	(void)state;
	probe_udp(s, 2);
}

static void
udp_other_callid_then_ok(void **state)
{
	static const struct step s[] = {
		{ "200 OK", "someone-else@elsewhere", -1, "" },
		{ "200 OK", "someone-else@elsewhere", 500, "short" },
		{ "503 Busy", "x", 40, "" },
		{ "200 OK", NULL, -1, "" },
	};

	(void)state;
	probe_udp(s, 4);
}

static void
tcp_trying_keepalive_split(void **state)
{
	char buf[4096], out[4096];
	uint16_t port;
	int lfd = bound(SOCK_STREAM, &port);
	pid_t pid;

	(void)state;
	assert_int_equal(listen(lfd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t len = 0, n, used;
		int fd;

		alarm(10);
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			_exit(2);
		/* read until the whole request is there */
		for (;;) {
			ssize_t got = recv(fd, buf + len, sizeof(buf) - len, 0);

			if (got <= 0)
				_exit(3);
			len += (size_t)got;
			if (fr_sipmsg_parse(&req, buf, len, FR_SIP_STREAM,
			    NULL, &used, NULL) == FR_SIP_MESSAGE)
				break;
		}
		n = answer(buf, len, true, out, sizeof(out), "100 Trying",
		    NULL, -1, "");
		(void)!write(fd, out, n);
		(void)!write(fd, "\r\n\r\n", 4);	/* a ping */
		n = answer(buf, len, true, out, sizeof(out), "200 OK", NULL,
		    -1, "body");
		(void)!write(fd, out, 30);
		usleep(100000);
		(void)!write(fd, out + 30, n - 30);
		(void)recv(fd, buf, sizeof(buf), 0);
		_exit(0);
	}
	close(lfd);
	probe(pid, port, SOCK_STREAM, FR_TRANSPORT_TCP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(udp_trying_then_ok),
		cmocka_unit_test(udp_trying_cut_then_ok),
		cmocka_unit_test(udp_other_callid_then_ok),
		cmocka_unit_test(tcp_trying_keepalive_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
