/*
 * dialer.h -- (router-internal) open a connection to a foreign domain
 * along a routing decision (routing.h): its targets in order, each of
 * their addresses in order (RFC 3263 section 4.3), each within
 * connect-timeout.
 *
 * With TLS the edge presents the federation certificate, verifies the
 * server's chain against tls-ca (or the system store) and checks the
 * name (RFC 5922 section 7.3): a DNS or sip: URI subjectAltName equal to
 * the domain being routed to, with no wildcards; or, when the domain
 * has peer-subject:s, one of those names.  Without TLS (SIP over TCP
 * where the domain allows it, and XMPP, whose TLS is the servers' own)
 * a connect is enough.
 *
 * Every failure before the connection is usable (refused, time-out, TLS
 * or name failure) marks that destination down in the resolver's
 * health table and moves on; a success marks it up.  Destinations
 * already marked down are tried last, never skipped (routing.h keeps
 * them in the plan).
 *
 * The caller owns what it is handed: the socket and the SSL object.
 */
#ifndef FR_DIALER_H
#define FR_DIALER_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "routing.h"

struct fr_dial;
struct fr_edge_stats;

struct fr_dial_conf {
	struct ev_loop *loop;
	SSL_CTX *tls;			/* federation client context, verify
					   on; NULL: never TLS */
	struct fr_resolver *resolver;	/* its health table is told */
	unsigned connect_timeout_ms;	/* one address, TLS included */
	const char *const *peer_subjects;	/* the domain's, may be empty */
	size_t npeer_subjects;
	bool tls_for_tls_targets;	/* SIP: TLS on tls targets; XMPP:
					   false, plain TCP always */
	struct fr_edge_stats *stats;	/* TLS handshakes are counted
					   here; NULL: not */
};

/* How a dial ended. */
struct fr_dial_done {
	int fd;				/* -1 when every address failed */
	SSL *ssl;			/* NULL without TLS */
	const struct fr_route_target *target;	/* the one reached */
	struct fr_sockaddr addr;	/* the address reached */
	unsigned attempts;		/* addresses tried */
	double ms;			/* from start to done */
	/* Each failure, "host:port/tls at IP: reason", joined by "; ". */
	const char *failures;
};

/*
 * Called once, from the loop (never from inside fr_dial_start()), unless
 * cancelled.  On success done->fd >= 0 and the callee owns fd and ssl.
 * done and what it points to live until the callback returns; the
 * route result must outlive the dial.
 */
typedef void fr_dial_cb(void *arg, const struct fr_dial_done *done);

/*
 * Start dialing the targets of route for domain.  NULL when memory ran
 * out (no callback then).
 */
struct fr_dial *fr_dial_start(const struct fr_dial_conf *conf,
    const struct fr_route_result *route, fr_dial_cb *cb, void *arg);
/* Stop; nothing is called back.  NULL is fine. */
void fr_dial_cancel(struct fr_dial *d);

/*
 * The RFC 5922 name check alone: does cert name domain (DNS or sip: URI
 * subjectAltName, exactly, no wildcards), or, if there are any, one of
 * peer_subjects (DNS subjectAltName or, without any, the common name)?
 * On false, why says what the certificate presents.
 */
bool fr_dial_name_ok(X509 *cert, const char *domain,
    const char *const *peer_subjects, size_t npeer_subjects, char *why,
    size_t whylen);

#endif /* FR_DIALER_H */
