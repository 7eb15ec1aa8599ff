/*
 * connect.h -- `fedroute lookup --connect`: try every address of every
 * target of a plan the way the router would reach it: up to
 * FR_CONNECT_PARALLEL at once, all within one deadline, reported in
 * plan order.
 *
 * For each target address, each step timed and, on failure, explained:
 *
 *   tcp        TCP connect
 *   starttls   XMPP over TCP (STARTTLS): stream header, features,
 *              <starttls/> and <proceed/>
 *   tls        TLS handshake, SNI = the domain (ALPN "xmpp-server" for
 *              XEP-0368 direct TLS); protocol, cipher, and the
 *              certificate: chain, trust (system store or --ca FILE),
 *              days left, and the name rules of certcheck.h
 *   sip        SIP: one OPTIONS over the target's transport (UDP, TCP
 *              or TLS) and its final status line
 *   xmpp       XMPP: the stream's features after TLS
 *
 * When a TLS port fails the handshake, a second connection checks
 * whether it answers in plain text instead (PLAIN_ON_TLS_PORT); when a
 * plain port closes on us, whether it completes a TLS handshake
 * (TLS_ON_PLAIN_PORT).  SCTP targets are listed but not probed.  Every
 * failure is a finding about its target; a target address is usable
 * when none of its findings is an error.  When addresses were probed and
 * none is usable, NO_TARGET_USABLE says that federation will fail
 * (exit 2).  An address the deadline kept from being probed, or whose
 * probe failed with a step cut short by it, gets CONNECT_DEADLINE.
 */
#ifndef FR_CONNECT_H
#define FR_CONNECT_H

#include <stdbool.h>
#include <stddef.h>

#include "certcheck.h"
#include "diag.h"
#include "plan.h"
#include "sipprobe.h"
#include "xmppprobe.h"

#define FR_CONNECT_DEFAULT_TIMEOUT_MS 5000
#define FR_CONNECT_DEFAULT_DEADLINE_MS 30000
/* Addresses probed at once. */
#define FR_CONNECT_PARALLEL 8

struct fr_connect_conf {
	unsigned timeout_ms;		/* per step; 0: the default */
	unsigned deadline_ms;		/* all probes of a plan; 0: the
					   default */
	const char *ca_file;		/* trust only these; NULL: system */
};

struct fr_step {
	bool run;			/* the step was tried */
	bool ok;
	double ms;
	char error[256];		/* why it failed, in words */
};

/* One address of one target. */
struct fr_probe {
	struct fr_address addr;
	const char *skipped;		/* why not probed (static), or NULL */
	struct fr_step tcp;
	struct fr_step starttls;
	struct fr_step tls;
	char protocol[16];		/* "TLSv1.3" */
	char cipher[64];
	bool has_cert;
	struct fr_cert_info cert;
	struct fr_step sip;
	struct fr_sip_result sip_result;
	struct fr_step xmpp;
	bool has_xmpp_plain, has_xmpp_tls;
	struct fr_xmpp_features xmpp_plain;	/* before STARTTLS */
	struct fr_xmpp_features xmpp_tls;	/* on the TLS stream */
	const char *port_speaks;	/* "plain" on a TLS port, "tls" on a
					 * plain one (static), or NULL */
	bool usable;			/* no error finding */
};

struct fr_connect_target {
	struct fr_probe *probes;	/* one per address, in order */
	size_t nprobes;
};

struct fr_connect {
	bool run;			/* --connect was given */
	struct fr_connect_target *targets;	/* parallel to plan->targets */
	size_t ntargets;
	unsigned probed;		/* addresses tried */
	unsigned usable;		/* ... that passed */
	unsigned cut;			/* addresses the deadline cut short
					   or kept from being probed */
};

/*
 * Probe every target of plan; add findings to diag.  Returns 0, or -1
 * with err set when the probes could not run (no TLS context, no
 * memory, an unreadable --ca file).  out must be zeroed first.
 */
int fr_connect_run(const struct fr_connect_conf *conf,
    const struct fr_plan *plan, struct fr_connect *out, struct fr_diag *diag,
    char *err, size_t errlen);
void fr_connect_clear(struct fr_connect *cn);

/* Check that a --ca file loads; 0 or -1 with err. */
int fr_connect_check_ca(const char *path, char *err, size_t errlen);

#endif /* FR_CONNECT_H */
