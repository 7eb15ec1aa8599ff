/*
 * dialer.c -- try a routing decision's targets until one answers
 * (dialer.h).
 *
 *   next address --> CONNECTING --(tls target)--> HANDSHAKE --> done
 *        ^                |                          |
 *        +---- failed: health down, next ------------+
 *
 * One timer covers an address from connect to the end of the handshake.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "certname.h"
#include "dialer.h"
#include "health.h"
#include "log.h"
#include "stats.h"
#include "tls.h"

#define FAILURES_MAX 1024

struct fr_dial {
	struct fr_dial_conf conf;
	const struct fr_route_result *route;
	fr_dial_cb *cb;
	void *arg;
	size_t target, addr;		/* being tried */
	int fd;
	SSL *ssl;
	bool handshaking;
	unsigned attempts;
	ev_io io;
	ev_timer timer;
	ev_idle later;			/* for a callback outside start */
	ev_tstamp started;
	struct fr_dial_done done;
	char failures[FAILURES_MAX];
};

static void try_next(struct fr_dial *d);

/* ---------------------------------------------------------- the name */

/* What the certificate presents, for the log: its SAN names, else CN.
 * Peer-controlled: only printable ASCII is kept. */
static void
presented(X509 *cert, GENERAL_NAMES *sans, char *out, size_t outlen)
{
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		const ASN1_IA5STRING *s;
		const unsigned char *p;
		int len, k;

		if (g->type != GEN_DNS && g->type != GEN_URI)
			continue;
		s = g->type == GEN_DNS ? g->d.dNSName :
		    g->d.uniformResourceIdentifier;
		p = ASN1_STRING_get0_data(s);
		len = ASN1_STRING_length(s);
		if (n + 3 >= outlen)
			break;
		if (n > 0) {
			out[n++] = ',';
			out[n++] = ' ';
		}
		for (k = 0; k < len && n + 1 < outlen; k++)
			out[n++] = p[k] >= 0x20 && p[k] < 0x7f ? (char)p[k] :
			    '?';
		out[n] = '\0';
	}
	if (n == 0) {
		X509_NAME *subj = X509_get_subject_name(cert);
		char cn[256];

		if (subj != NULL && X509_NAME_get_text_by_NID(subj,
		    NID_commonName, cn, sizeof(cn)) > 0) {
			for (i = 0; cn[i] != '\0'; i++)
				if ((unsigned char)cn[i] < 0x20 ||
				    (unsigned char)cn[i] >= 0x7f)
					cn[i] = '?';
			snprintf(out, outlen, "CN=%s", cn);
		} else {
			snprintf(out, outlen, "no names");
		}
	}
}

bool
fr_dial_name_ok(X509 *cert, const char *domain,
    const char *const *peer_subjects, size_t npeer_subjects, char *why,
    size_t whylen)
{
	GENERAL_NAMES *sans;
	char names[512];
	size_t i;

	/* RFC 5922 7.3: the domain itself (proto/certname.h, the rules
	 * the tester applies too). */
	if (fr_cert_sip_domain(cert, domain, NULL, 0))
		return true;
	/* The domain's peer-subject:s, as IM and Presence's TLS peer
	 * subjects: host names, as a TLS client checks them. */
	for (i = 0; i < npeer_subjects; i++)
		if (fr_cert_host(cert, peer_subjects[i], NULL, 0))
			return true;
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	presented(cert, sans, names, sizeof(names));
	GENERAL_NAMES_free(sans);
	snprintf(why, whylen, "certificate name mismatch: it names %s, not %s%s",
	    names, domain, npeer_subjects > 0 ? " nor a peer-subject" : "");
	return false;
}

/* --------------------------------------------------------- the dialing */

static void
finish(struct fr_dial *d)
{
	ev_io_stop(d->conf.loop, &d->io);
	ev_timer_stop(d->conf.loop, &d->timer);
	d->done.fd = d->fd;
	d->done.ssl = d->ssl;
	d->done.attempts = d->attempts;
	d->done.ms = (ev_now(d->conf.loop) - d->started) * 1e3;
	d->done.failures = d->failures;
	d->fd = -1;
	d->ssl = NULL;
	d->cb(d->arg, &d->done);
	free(d);
}

static void
later_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct fr_dial *d = w->data;

	(void)revents;
	ev_idle_stop(loop, w);
	finish(d);
}

static const struct fr_route_target *
current(const struct fr_dial *d)
{
	return &d->route->targets[d->target];
}

static void
close_attempt(struct fr_dial *d)
{
	ev_io_stop(d->conf.loop, &d->io);
	ev_timer_stop(d->conf.loop, &d->timer);
	if (d->ssl != NULL) {
		SSL_free(d->ssl);
		d->ssl = NULL;
	}
	if (d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
}

static bool
use_tls(const struct fr_dial *d)
{
	return d->conf.tls_for_tls_targets && d->conf.tls != NULL &&
	    current(d)->transport == FR_TRANSPORT_TLS;
}

/* This address failed: say so in the health table and the result. */
static void
failed(struct fr_dial *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
failed(struct fr_dial *d, const char *fmt, ...)
{
	const struct fr_route_target *t = current(d);
	const struct fr_address *a = &t->addrs[d->addr];
	char why[384], ip[INET6_ADDRSTRLEN];
	size_t n = strlen(d->failures);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	close_attempt(d);
	if (d->conf.resolver != NULL)
		fr_health_failure(fr_resolver_health(d->conf.resolver), a,
		    t->port, t->transport, why, 0,
		    fr_resolver_now(d->conf.resolver));
	fr_address_str(a, ip, sizeof(ip));
	snprintf(d->failures + n, sizeof(d->failures) - n, "%s%s:%u/%s at "
	    "%s: %s", n > 0 ? "; " : "", t->host, t->port,
	    fr_transport_name(t->transport), ip, why);
	fr_log(LOG_NOTICE, "%s: %s:%u/%s at %s failed, marked down: %s",
	    d->route->domain, t->host, t->port,
	    fr_transport_name(t->transport), ip, why);
	d->addr++;
	try_next(d);
}

static void
succeeded(struct fr_dial *d)
{
	const struct fr_route_target *t = current(d);

	if (d->conf.resolver != NULL)
		fr_health_success(fr_resolver_health(d->conf.resolver),
		    &t->addrs[d->addr], t->port, t->transport);
	d->done.target = t;
	finish(d);
}

static void
handshake(struct fr_dial *d)
{
	char why[256];
	X509 *cert;
	int ret;

	ERR_clear_error();
	if ((ret = SSL_do_handshake(d->ssl)) != 1) {
		switch (SSL_get_error(d->ssl, ret)) {
		case SSL_ERROR_WANT_READ:
			ev_io_stop(d->conf.loop, &d->io);
			ev_io_set(&d->io, d->fd, EV_READ);
			ev_io_start(d->conf.loop, &d->io);
			return;
		case SSL_ERROR_WANT_WRITE:
			ev_io_stop(d->conf.loop, &d->io);
			ev_io_set(&d->io, d->fd, EV_WRITE);
			ev_io_start(d->conf.loop, &d->io);
			return;
		default:
			fr_stats_tls(d->conf.stats, false, false);
			failed(d, "TLS handshake failed: %s", fr_tls_strerror(
			    d->ssl, ret, errno, why, sizeof(why)));
			return;
		}
	}
	/* The handshake is done; what follows is our verdict on the
	 * certificate, not a failed handshake. */
	fr_stats_tls(d->conf.stats, false, true);
	if ((cert = SSL_get1_peer_certificate(d->ssl)) == NULL) {
		failed(d, "TLS: the server sent no certificate");
		return;
	}
	if (!fr_dial_name_ok(cert, d->route->domain, d->conf.peer_subjects,
	    d->conf.npeer_subjects, why, sizeof(why))) {
		X509_free(cert);
		failed(d, "%s", why);
		return;
	}
	X509_free(cert);
	succeeded(d);
}

static void
connected(struct fr_dial *d)
{
	int on = 1, err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		failed(d, "connect: %s", strerror(err));
		return;
	}
	(void)setsockopt(d->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (!use_tls(d)) {
		succeeded(d);
		return;
	}
	/* SNI names the domain (RFC 5922 section 7.2); the name itself is
	 * checked after the handshake, by fr_dial_name_ok(). */
	if ((d->ssl = fr_tls_client_new(d->conf.tls, d->fd, d->route->domain,
	    NULL, false)) == NULL) {
		failed(d, "out of memory for TLS");
		return;
	}
	d->handshaking = true;
	handshake(d);
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_dial *d = w->data;

	(void)loop;
	(void)revents;
	if (d->handshaking)
		handshake(d);
	else
		connected(d);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_dial *d = w->data;

	(void)loop;
	(void)revents;
	failed(d, "%s timed out after %ums", d->handshaking ? "TLS handshake" :
	    "connect", d->conf.connect_timeout_ms);
}

static void
address(const struct fr_address *a, uint16_t port, struct fr_sockaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (a->family == AF_INET) {
		out->u.sin.sin_family = AF_INET;
		out->u.sin.sin_addr = a->u.v4;
		out->u.sin.sin_port = htons(port);
		out->len = sizeof(out->u.sin);
	} else {
		out->u.sin6.sin6_family = AF_INET6;
		out->u.sin6.sin6_addr = a->u.v6;
		out->u.sin6.sin6_port = htons(port);
		out->len = sizeof(out->u.sin6);
	}
}

/* Start on the next address, target after target; finish when none is
 * left.  Runs the callback only through the idle watcher. */
static void
try_next(struct fr_dial *d)
{
	const struct fr_route_target *t;

	for (;;) {
		if (d->target >= d->route->ntargets) {
			ev_idle_start(d->conf.loop, &d->later);
			return;
		}
		t = current(d);
		if (d->addr >= t->naddrs) {
			d->target++;
			d->addr = 0;
			continue;
		}
		break;
	}
	d->attempts++;
	d->handshaking = false;
	address(&t->addrs[d->addr], t->port, &d->done.addr);
	d->fd = socket(d->done.addr.u.sa.sa_family, SOCK_STREAM |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0) {
		failed(d, "socket: %s", strerror(errno));
		return;
	}
	ev_timer_set(&d->timer, d->conf.connect_timeout_ms / 1000., 0);
	ev_timer_start(d->conf.loop, &d->timer);
	if (connect(d->fd, &d->done.addr.u.sa, d->done.addr.len) != 0 &&
	    errno != EINPROGRESS) {
		failed(d, "connect: %s", strerror(errno));
		return;
	}
	ev_io_set(&d->io, d->fd, EV_WRITE);
	ev_io_start(d->conf.loop, &d->io);
}

struct fr_dial *
fr_dial_start(const struct fr_dial_conf *conf,
    const struct fr_route_result *route, fr_dial_cb *cb, void *arg)
{
	struct fr_dial *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->conf = *conf;
	d->route = route;
	d->cb = cb;
	d->arg = arg;
	d->fd = -1;
	d->started = ev_now(conf->loop);
	ev_init(&d->io, io_cb);
	d->io.data = d;
	ev_init(&d->timer, timer_cb);
	d->timer.data = d;
	ev_idle_init(&d->later, later_cb);
	d->later.data = d;
	try_next(d);
	return d;
}

void
fr_dial_cancel(struct fr_dial *d)
{
	if (d == NULL)
		return;
	close_attempt(d);
	ev_idle_stop(d->conf.loop, &d->later);
	free(d);
}
