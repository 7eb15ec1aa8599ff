/*
 * sipprobe.h -- one SIP OPTIONS request (RFC 3261 11) and its final
 * response, over an open connection of any SIP transport.
 *
 * Over UDP the request is retransmitted as RFC 3261 17.1.2.2 says (T1 =
 * 500 ms, doubling up to T2 = 4 s) until a final response or the
 * deadline; over TCP and TLS it is sent once.  Provisional (1xx)
 * responses are skipped; messages that are not ours (another Call-ID)
 * are ignored.  What is read is bounded (FR_SIP_MAX_MESSAGE).
 */
#ifndef FR_SIPPROBE_H
#define FR_SIPPROBE_H

#include <stddef.h>

#include "plan.h"
#include "probe.h"

#define FR_SIP_MAX_MESSAGE 65535

struct fr_sip_result {
	int status;			/* final status code; 0 if none */
	char reason[64];		/* its reason phrase */
	char status_line[128];		/* "SIP/2.0 200 OK" */
	char server[128];		/* Server or User-Agent, or "" */
};

/*
 * Send OPTIONS sip:domain on c, whose transport is tp (udp, tcp or tls),
 * and wait until the deadline for the final response.  Returns 0 with r
 * filled when one came; -1 with the reason in err otherwise (c->status
 * tells a time-out or a closed connection from other failures).
 */
int fr_sip_options(struct fr_conn *c, enum fr_transport tp,
    const char *domain, unsigned timeout_ms, struct fr_sip_result *r,
    char *err, size_t errlen);

#endif /* FR_SIPPROBE_H */
