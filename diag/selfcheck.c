/*
 * selfcheck.c -- is each federation record of our own domain there?
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <ldns/ldns.h>

#include "selfcheck.h"

static const struct {
	const char *service;		/* the SRV name's first labels */
	const char *who;		/* who cannot find us without it */
} self_records[] = {
	[FR_SELF_NONE] = { NULL, NULL },
	[FR_SELF_MSFED] = { "_sipfederationtls._tcp",
	    "Microsoft (Lync, Skype for Business, Teams) and AOL edges" },
	[FR_SELF_SIPS] = { "_sips._tcp",
	    "SIP peers that ask SRV (RFC 3263) for TLS" },
	[FR_SELF_XMPP] = { "_xmpp-server._tcp",
	    "XMPP servers (RFC 6120)" },
};

int
fr_self_query(enum fr_self kind, const char *domain, char *input, size_t len,
    enum fr_profile *profile)
{
	int n;

	switch (kind) {
	case FR_SELF_MSFED:
		*profile = FR_PROFILE_MSFED;
		n = snprintf(input, len, "%s", domain);
		break;
	case FR_SELF_SIPS:
		*profile = FR_PROFILE_SIP;
		n = snprintf(input, len, "sips:%s;transport=tls", domain);
		break;
	case FR_SELF_XMPP:
		*profile = FR_PROFILE_XMPP_S2S;
		n = snprintf(input, len, "xmpp:%s", domain);
		break;
	default:
		return -1;
	}
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* Was owner SRV answered with real records?  Says how it went if not. */
static bool
published(const struct fr_plan *plan, const char *owner, const char **how)
{
	size_t i, k;

	*how = "not asked";
	for (i = 0; i < plan->ntrace; i++) {
		const struct fr_trace_entry *te = &plan->trace[i];

		if (te->type != LDNS_RR_TYPE_SRV ||
		    strcmp(te->name, owner) != 0)
			continue;
		if (te->status != FR_DNS_ANSWER) {
			*how = fr_dns_status_name(te->status);
			return false;
		}
		/* answered: a target from it means a real record */
		for (k = 0; k < plan->ntargets; k++)
			if (strcmp(plan->targets[k].srv, owner) == 0)
				return true;
		*how = plan->result == FR_RESULT_UNAVAILABLE ||
		    plan->ntargets == 0 ? "\".\" or no usable target" :
		    "no usable target";
		return false;
	}
	return false;
}

void
fr_self_judge(struct fr_lookup *lk, enum fr_self kind)
{
	char owner[FR_DNAME_MAX + 32];
	const char *how;

	if (lk->plan == NULL || kind == FR_SELF_NONE)
		return;
	snprintf(owner, sizeof(owner), "%s.%s", self_records[kind].service,
	    lk->plan->domain);
	if (!published(lk->plan, owner, &how))
		fr_diag_add(&lk->diag, FR_CHECK_SELF_RECORD_MISSING,
		    FR_SEV_ERROR, -1, "%s SRV is not published (%s): %s "
		    "cannot find %s", owner, how, self_records[kind].who,
		    lk->plan->domain);
	fr_lookup_judge(lk);
}
