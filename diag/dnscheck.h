/*
 * dnscheck.h -- DNS checks beyond the plan, run after it is made.
 *
 * The plan shows what the router would do; these checks look for the
 * publication mistakes that make federation fail elsewhere:
 *
 *  LEGACY_SRV_LABEL        SRV records under names no peer looks up
 *                          (_sip._tls, _sips._tls, _xmpp-server._udp, ...)
 *  NAPTR_EQUAL_PREFERENCE  NAPTR records of different transports with
 *                          the same order and preference
 *  TTL_LOW                 a published TTL below 60 s
 *  DNS_TRUNCATED_UDP       an answer that does not fit in a 1232-byte
 *                          EDNS UDP response (each --resolver is asked
 *                          directly over UDP, without falling back to
 *                          TCP; one that times out is asked no more)
 *  ADDRESS_NOT_PUBLIC      (when asked) a target address that is private,
 *                          loopback, link-local, ...
 *
 * Questions for the first two go through the same upstream as the
 * resolver (forwarders, local zones, or recursion).  A TTL is judged
 * only where it is the published one: from a local zone file, from
 * fedroute's own recursion (an empty cache), or from an authoritative
 * (AA) direct answer; a caching resolver shows what is left of a TTL,
 * so its answers are not judged.
 *
 * Every question asked is recorded, for the report.
 */
#ifndef FR_DNSCHECK_H
#define FR_DNSCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ev.h>

#include "diag.h"
#include "plan.h"
#include "ubev.h"

/* The EDNS UDP payload size a resolver offers (DNS flag day 2020). */
#define FR_DNSCHECK_UDP_SIZE 1232

struct fr_dnscheck_conf {
	const struct fr_ubev_conf *upstream;	/* as given to the resolver */
	unsigned timeout_ms;		/* per question */
	bool check_public;		/* --public */
};

enum fr_dnscheck_kind {
	FR_DNSCHECK_LEGACY,		/* a wrong SRV name, via the upstream */
	FR_DNSCHECK_NAPTR,		/* NAPTR records, via the upstream */
	FR_DNSCHECK_UDP,		/* a plan question, direct over UDP */
};

/* One question a check asked. */
struct fr_dnscheck_q {
	enum fr_dnscheck_kind kind;
	char name[FR_DNAME_MAX];
	uint16_t type;
	char server[80];		/* FR_DNSCHECK_UDP: "ADDR@PORT" */
	enum fr_dns_status status;
	unsigned answers;		/* records of the type asked */
	bool has_ttl;
	uint32_t ttl;			/* smallest record TTL */
	bool truncated;			/* FR_DNSCHECK_UDP: TC was set */
	bool authoritative;		/* FR_DNSCHECK_UDP: AA was set */
	size_t size;			/* FR_DNSCHECK_UDP: bytes received */
	double ms;
	char detail[256];		/* FR_DNSCHECK_LEGACY: "host:port,
					 * ..." */
	const char *instead;		/* FR_DNSCHECK_LEGACY: the label peers
					 * look up ("_sips._tcp"); static */
};

struct fr_dnscheck {
	struct fr_dnscheck_q *qs;
	size_t nqs;
	size_t nservers;		/* --resolvers to ask over UDP */
	bool udp_unchecked;		/* answers came over the network, but
					 * no --resolver to ask them of */
	unsigned ttl_unjudged;		/* answers whose published TTL is
					 * unknown (caching resolver) */
};

/*
 * Run every check on plan and add findings to diag.  Runs loop until the
 * upstream questions are answered.  Returns 0, or -1 with err set when
 * the checks could not run at all (no libunbound context, no memory);
 * findings already added stay.  out must be zeroed (or cleared) first.
 */
int fr_dnscheck_run(struct ev_loop *loop, const struct fr_dnscheck_conf *conf,
    const struct fr_plan *plan, struct fr_dnscheck *out, struct fr_diag *diag,
    char *err, size_t errlen);
void fr_dnscheck_clear(struct fr_dnscheck *dc);

const char *fr_dnscheck_kind_name(enum fr_dnscheck_kind k);

#endif /* FR_DNSCHECK_H */
