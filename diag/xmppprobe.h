/*
 * xmppprobe.h -- the first moves of an XMPP server-to-server stream
 * (RFC 6120 4, 5): open a stream to a domain, read the stream header
 * and its features, and ask for STARTTLS.
 *
 * Reading goes through proto/xmppstream (expat, namespace-aware, entities
 * decoded): the stream header, <stream:features> with starttls (and
 * required), dialback and the SASL mechanisms, <stream:error>, and the
 * answer to <starttls/>.  What it reads is bounded (FR_XMPP_MAX_READ).
 */
#ifndef FR_XMPPPROBE_H
#define FR_XMPPPROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "probe.h"

#define FR_XMPP_MAX_READ 16384

struct fr_xmpp_features {
	bool stream;			/* a stream header came */
	bool not_xmpp;			/* what came was not XML at all */
	bool features;			/* and a <stream:features> */
	bool starttls;			/* urn:ietf:params:xml:ns:xmpp-tls */
	bool starttls_required;
	bool dialback;			/* urn:xmpp:features:dialback */
	bool sasl_external;		/* EXTERNAL among the mechanisms */
	char mechanisms[128];		/* "EXTERNAL, PLAIN", or "" */
	char stream_error[64];		/* a <stream:error> condition,
					 * escaped (\xHH) */
};

/*
 * Open a stream to domain on c (plain or TLS) and read until the
 * features, a stream error, or the deadline.  Returns 0 with f filled
 * when features came; -1 with a reason in err otherwise (f holds what
 * was seen: for example a stream error).
 */
int fr_xmpp_open(struct fr_conn *c, const char *domain, unsigned timeout_ms,
    struct fr_xmpp_features *f, char *err, size_t errlen);

/* Send <starttls/> and wait for <proceed/>.  0, or -1 with err. */
int fr_xmpp_starttls(struct fr_conn *c, unsigned timeout_ms, char *err,
    size_t errlen);

/* Close our stream politely (</stream:stream>), without waiting. */
void fr_xmpp_close(struct fr_conn *c);

#endif /* FR_XMPPPROBE_H */
