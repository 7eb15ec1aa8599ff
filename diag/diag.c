/*
 * diag.c -- the findings catalogue: ids, hints, and the exit status.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"

/*
 * One row per tester finding.  "blocks": at severity error the finding
 * means that no route is left, so the lookup exits 2 even though DNS
 * produced targets.
 */
static const struct {
	const char *name;
	bool blocks;
	const char *hint;
} checks[FR_CHECK_COUNT] = {
	[FR_CHECK_LEGACY_SRV_LABEL] = { "LEGACY_SRV_LABEL", false,
	    "publish the SRV record under the name peers look up "
	    "(_sips._tcp, _sipfederationtls._tcp, _xmpp-server._tcp)" },
	[FR_CHECK_NAPTR_EQUAL_PREFERENCE] = { "NAPTR_EQUAL_PREFERENCE", false,
	    "give each transport its own NAPTR order or preference, "
	    "TLS first" },
	[FR_CHECK_TTL_LOW] = { "TTL_LOW", false,
	    "raise the TTL to 300 s or more; very short TTLs make every "
	    "failover wait for DNS" },
	[FR_CHECK_DNS_TRUNCATED_UDP] = { "DNS_TRUNCATED_UDP", false,
	    "allow DNS over TCP port 53 on every firewall in the path, "
	    "or publish fewer or shorter records" },
	[FR_CHECK_ADDRESS_NOT_PUBLIC] = { "ADDRESS_NOT_PUBLIC", true,
	    "publish public addresses in the external DNS view; private "
	    "ones belong in the internal view only" },
	[FR_CHECK_RESOLVERS_DISAGREE] = { "RESOLVERS_DISAGREE", false,
	    "split DNS: make every view agree on federation names, or "
	    "give the edge one resolver or a static route" },
	[FR_CHECK_CONNECT_REFUSED] = { "CONNECT_REFUSED", false,
	    "start the service on that port, or open it on the firewall "
	    "(a reject rule also refuses)" },
	[FR_CHECK_CONNECT_TIMEOUT] = { "CONNECT_TIMEOUT", false,
	    "a firewall drops the connection: open the port from the "
	    "internet, or fix the address in DNS" },
	[FR_CHECK_CONNECT_FAILED] = { "CONNECT_FAILED", false,
	    "check routing to that address from this host" },
	[FR_CHECK_TLS_HANDSHAKE_FAILED] = { "TLS_HANDSHAKE_FAILED", false,
	    "check that the port speaks TLS with current protocols and "
	    "ciphers (TLS 1.2 or later)" },
	[FR_CHECK_CERT_UNTRUSTED] = { "CERT_UNTRUSTED", false,
	    "use a certificate from a CA the peers trust, and send the "
	    "intermediate certificates too" },
	[FR_CHECK_CERT_EXPIRED] = { "CERT_EXPIRED", false,
	    "renew the certificate" },
	[FR_CHECK_CERT_NOT_YET_VALID] = { "CERT_NOT_YET_VALID", false,
	    "check the clocks (NTP) on both sides, or wait for the "
	    "certificate's start date" },
	[FR_CHECK_CERT_EXPIRING] = { "CERT_EXPIRING", false,
	    "renew the certificate before it expires" },
	[FR_CHECK_CERT_NAME_MISMATCH] = { "CERT_NAME_MISMATCH", false,
	    "put the federated domain (and the SRV target host) in the "
	    "certificate's subjectAltName" },
	[FR_CHECK_PLAIN_ON_TLS_PORT] = { "PLAIN_ON_TLS_PORT", false,
	    "turn TLS on for that port, or publish the plain port under a "
	    "plain-text record (_sip._tcp, _xmpp-server._tcp)" },
	[FR_CHECK_TLS_ON_PLAIN_PORT] = { "TLS_ON_PLAIN_PORT", false,
	    "publish that port under its TLS record (_sips._tcp, "
	    "_xmpps-server._tcp), or serve plain text there" },
	[FR_CHECK_SIP_OPTIONS_NO_ANSWER] = { "SIP_OPTIONS_NO_ANSWER", false,
	    "check that a SIP server listens there and answers requests "
	    "from outside (firewall, SIP inspection, ACLs)" },
	[FR_CHECK_SIP_OPTIONS_ERROR] = { "SIP_OPTIONS_ERROR", false,
	    "check the server's federation settings (allowed domains, "
	    "TLS peer subjects) and its health" },
	[FR_CHECK_XMPP_STREAM_FAILED] = { "XMPP_STREAM_FAILED", false,
	    "check that an XMPP server listens there and serves the "
	    "domain" },
	[FR_CHECK_XMPP_NO_STARTTLS] = { "XMPP_NO_STARTTLS", false,
	    "enable TLS for server-to-server streams" },
	[FR_CHECK_NO_TARGET_USABLE] = { "NO_TARGET_USABLE", true,
	    "fix the findings above for at least one target" },
	[FR_CHECK_SELF_RECORD_MISSING] = { "SELF_RECORD_MISSING", true,
	    "publish the SRV record in the public DNS, naming the edge's "
	    "public host name and port" },
	[FR_CHECK_CONNECT_DEADLINE] = { "CONNECT_DEADLINE", false,
	    "raise --deadline, or lower --connect-timeout, to probe every "
	    "address to the end" },
};

static const char *const plan_hints[FR_FIND_COUNT] = {
	[FR_FIND_SRV_TARGET_CNAME] =
	    "point the SRV record at the canonical host name, not an alias",
	[FR_FIND_SRV_TARGET_NO_ADDRESS] =
	    "publish A/AAAA records for the target, or remove it from the "
	    "SRV set",
	[FR_FIND_SERVICE_UNAVAILABLE] =
	    "remove the \".\" SRV record if the service is meant to be "
	    "reachable",
	[FR_FIND_SRV_DOT_MIXED] =
	    "remove the \".\" record from an SRV set that has real targets",
	[FR_FIND_NAPTR_NONE_USABLE] =
	    "fix the NAPTR records: SIPS+D2T or SIP+D2T, flag \"s\", "
	    "replacement an SRV name",
	[FR_FIND_NAPTR_RECORD_IGNORED] =
	    "nothing, if intended; else correct the record's service or "
	    "flags",
	[FR_FIND_NO_SRV_FALLBACK_A] =
	    "publish SRV records so that peers find the right host and port",
	[FR_FIND_DOMAIN_NXDOMAIN] =
	    "check the spelling; else the domain is missing from public DNS",
	[FR_FIND_NO_RECORDS] =
	    "publish the profile's SRV records (_sips._tcp, "
	    "_sipfederationtls._tcp or _xmpp-server._tcp)",
	[FR_FIND_DNS_SERVFAIL] =
	    "check the DNS server and the domain's delegation",
	[FR_FIND_DNS_TIMEOUT] =
	    "check that the DNS server answers on UDP and TCP port 53",
	[FR_FIND_DNSSEC_BOGUS] =
	    "fix the domain's DNSSEC signatures or its DS record",
	[FR_FIND_XMPPS_UNAVAILABLE] =
	    "nothing, if direct TLS is not offered on purpose",
	[FR_FIND_PLAN_TRUNCATED] =
	    "publish fewer records; no peer tries hundreds of targets",
	[FR_FIND_CACHE_STALE] =
	    "DNS is failing: check the resolvers; the answer shown is old",
	[FR_FIND_TARGET_DOWN] =
	    "check that target; the edge retries it when the time is up",
	[FR_FIND_RESOLVER_BUSY] =
	    "too many lookups at once: retry, or raise the resolver's "
	    "bounds",
};

void
fr_diag_init(struct fr_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void
fr_diag_clear(struct fr_diag *d)
{
	size_t i;

	for (i = 0; i < d->nfindings; i++)
		free(d->findings[i].message);
	free(d->findings);
	fr_diag_init(d);
}

static struct fr_diag_finding *
push(struct fr_diag *d, const char *id, enum fr_severity sev,
    const char *hint, int target, char *msg)
{
	struct fr_diag_finding *f;

	f = fr_array_grow(&d->findings, &d->nfindings, sizeof(*f));
	if (f == NULL) {
		free(msg);
		d->incomplete = true;
		return NULL;
	}
	f->id = id;
	f->severity = sev;
	f->message = msg;
	f->hint = hint;
	f->target = target;
	return f;
}

void
fr_diag_add_plan(struct fr_diag *d, const struct fr_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nfindings; i++) {
		const struct fr_finding *pf = &plan->findings[i];
		char *msg = strdup(pf->message);

		if (msg == NULL) {
			d->incomplete = true;
			continue;
		}
		(void)push(d, fr_finding_name(pf->id), pf->severity,
		    fr_finding_hint(pf->id), -1, msg);
	}
}

void
fr_diag_add(struct fr_diag *d, enum fr_check id, enum fr_severity sev,
    int target, const char *fmt, ...)
{
	struct fr_diag_finding *f;
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		d->incomplete = true;
		return;
	}
	f = push(d, checks[id].name, sev, checks[id].hint, target, msg);
	if (f != NULL)
		f->no_route = checks[id].blocks && sev == FR_SEV_ERROR;
}

bool
fr_diag_has(const struct fr_diag *d, enum fr_check id)
{
	size_t i;

	for (i = 0; i < d->nfindings; i++)
		if (d->findings[i].id == checks[id].name)
			return true;
	return false;
}

bool
fr_diag_has_severity(const struct fr_diag *d, enum fr_severity sev)
{
	size_t i;

	for (i = 0; i < d->nfindings; i++)
		if (d->findings[i].severity >= sev)
			return true;
	return false;
}

/* What the resolver alone found: 0, 1 (warnings), 2 (no route), 3. */
static int
plan_exit_status(const struct fr_plan *plan)
{
	switch (plan->result) {
	case FR_RESULT_OK:
		return fr_plan_has_severity(plan, FR_SEV_WARNING) ? 1 : 0;
	case FR_RESULT_NXDOMAIN:
	case FR_RESULT_NODATA:
	case FR_RESULT_UNAVAILABLE:
		return 2;
	case FR_RESULT_SERVFAIL:
	case FR_RESULT_TIMEOUT:
	case FR_RESULT_BOGUS:
		break;
	}
	return 3;
}

int
fr_diag_exit_status(const struct fr_diag *d, const struct fr_plan *plan)
{
	size_t i;

	if (plan->result != FR_RESULT_OK)
		return plan_exit_status(plan);
	if (d->incomplete)
		return 3;	/* findings were lost: we do not know */
	for (i = 0; i < d->nfindings; i++)
		if (d->findings[i].no_route)
			return 2;
	return fr_diag_has_severity(d, FR_SEV_WARNING) ? 1 : 0;
}

const char *
fr_check_name(enum fr_check id)
{
	return checks[id].name;
}

const char *
fr_check_hint(enum fr_check id)
{
	return checks[id].hint;
}

const char *
fr_finding_hint(enum fr_finding_id id)
{
	/* a resolver finding newer than this table (tests/unit/test_diag
	 * says so) still gets a hint */
	return plan_hints[id] != NULL ? plan_hints[id] :
	    "see FINDINGS in fedroute(1)";
}

bool
fr_finding_has_hint(enum fr_finding_id id)
{
	return plan_hints[id] != NULL;
}
