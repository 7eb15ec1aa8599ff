/*
 * report.c -- text and JSON renderings of a plan.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "report.h"
#include "ubev.h"

static const char *
addr_str(const struct fr_address *a, char *buf, size_t len)
{
	if (inet_ntop(a->family, a->family == AF_INET ?
	    (const void *)&a->u.v4 : (const void *)&a->u.v6, buf,
	    (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

/* ---- JSON --------------------------------------------------------------- */

static void
json_target(struct fr_json *j, const struct fr_target *t)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	fr_json_object_begin(j, NULL);
	fr_json_string(j, "host", t->host);
	fr_json_int(j, "port", t->port);
	fr_json_string(j, "transport", fr_transport_wire(t->transport));
	fr_json_bool(j, "secure", fr_transport_secure(t->transport));
	if (t->from_srv) {
		fr_json_int(j, "priority", t->priority);
		fr_json_int(j, "weight", t->weight);
	} else {
		fr_json_null(j, "priority");
		fr_json_null(j, "weight");
	}
	fr_json_string(j, "source", fr_source_name(t->source));
	if (t->has_naptr) {
		fr_json_object_begin(j, "naptr");
		fr_json_int(j, "order", t->naptr.order);
		fr_json_int(j, "preference", t->naptr.preference);
		fr_json_string(j, "flags", t->naptr.flags);
		fr_json_string(j, "service", t->naptr.service);
		fr_json_object_end(j);
	} else {
		fr_json_null(j, "naptr");
	}
	fr_json_string(j, "srv", t->srv[0] ? t->srv : NULL);
	fr_json_string(j, "cname", t->cname[0] ? t->cname : NULL);
	fr_json_array_begin(j, "addresses");
	for (i = 0; i < t->naddrs; i++) {
		fr_json_object_begin(j, NULL);
		fr_json_string(j, "family",
		    t->addrs[i].family == AF_INET ? "inet" : "inet6");
		fr_json_string(j, "address",
		    addr_str(&t->addrs[i], buf, sizeof(buf)));
		fr_json_bool(j, "down", i >= t->naddrs - t->ndown);
		fr_json_object_end(j);
	}
	fr_json_array_end(j);
	if (t->ndown > 0) {
		fr_json_object_begin(j, "health");
		fr_json_bool(j, "down", t->down);
		fr_json_int(j, "addresses_down", (long long)t->ndown);
		fr_json_double(j, "retry_in", t->down_for);
		fr_json_string(j, "reason", t->down_reason);
		fr_json_object_end(j);
	} else {
		fr_json_null(j, "health");
	}
	if (t->source == FR_SOURCE_LITERAL)
		fr_json_null(j, "ttl");
	else
		fr_json_int(j, "ttl", t->ttl);
	fr_json_object_end(j);
}

void
fr_report_json(FILE *out, const struct fr_plan *plan)
{
	struct fr_json j;
	size_t i;
	int t;

	fr_json_init(&j, out);
	fr_json_object_begin(&j, NULL);
	fr_json_int(&j, "version", FR_REPORT_JSON_VERSION);

	fr_json_object_begin(&j, "query");
	fr_json_string(&j, "input", plan->input);
	fr_json_string(&j, "profile", fr_profile_name(plan->profile));
	fr_json_string(&j, "domain", plan->domain);
	fr_json_bool(&j, "sips", plan->sips);
	if (plan->port > 0)
		fr_json_int(&j, "port", plan->port);
	else
		fr_json_null(&j, "port");
	fr_json_array_begin(&j, "transports");
	for (t = 0; t < FR_TRANSPORT_COUNT; t++)
		if (plan->transports & FR_TRANSPORT_BIT(t))
			fr_json_string(&j, NULL,
			    fr_transport_name((enum fr_transport)t));
	fr_json_array_end(&j);
	fr_json_object_end(&j);

	fr_json_string(&j, "result", fr_result_name(plan->result));
	fr_json_object_begin(&j, "cache");
	fr_json_string(&j, "status", fr_cache_status_name(plan->cache));
	fr_json_double(&j, "age", plan->age);
	fr_json_double(&j, "ttl_left", plan->ttl_left);
	fr_json_object_end(&j);

	fr_json_array_begin(&j, "targets");
	for (i = 0; i < plan->ntargets; i++)
		json_target(&j, &plan->targets[i]);
	fr_json_array_end(&j);

	fr_json_array_begin(&j, "trace");
	for (i = 0; i < plan->ntrace; i++) {
		const struct fr_trace_entry *te = &plan->trace[i];

		fr_json_object_begin(&j, NULL);
		fr_json_string(&j, "name", te->name);
		fr_json_string(&j, "type", fr_rr_type_name(te->type));
		fr_json_string(&j, "status", fr_dns_status_name(te->status));
		fr_json_string(&j, "rcode", fr_rcode_name(te->rcode));
		fr_json_int(&j, "answers", te->answers);
		if (te->has_ttl)
			fr_json_int(&j, "ttl", te->ttl);
		else
			fr_json_null(&j, "ttl");
		fr_json_double(&j, "ms", te->ms);
		fr_json_bool(&j, "secure", te->secure);
		fr_json_object_end(&j);
	}
	fr_json_array_end(&j);

	fr_json_array_begin(&j, "findings");
	for (i = 0; i < plan->nfindings; i++) {
		fr_json_object_begin(&j, NULL);
		fr_json_string(&j, "id", fr_finding_name(plan->findings[i].id));
		fr_json_string(&j, "severity",
		    fr_severity_name(plan->findings[i].severity));
		fr_json_string(&j, "message", plan->findings[i].message);
		fr_json_object_end(&j);
	}
	fr_json_array_end(&j);
	fr_json_object_end(&j);
}

/* ---- text --------------------------------------------------------------- */

void
fr_report_text(FILE *out, const struct fr_plan *plan)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i, k;

	fprintf(out, "%s  (profile %s, domain %s%s)\n", plan->input,
	    fr_profile_name(plan->profile), plan->domain,
	    plan->sips ? ", sips: TLS only" : "");

	fprintf(out, "\nDNS questions, in the order asked\n");
	if (plan->ntrace == 0)
		fprintf(out, "  none (the target needs no DNS)\n");
	for (i = 0; i < plan->ntrace; i++) {
		const struct fr_trace_entry *te = &plan->trace[i];
		char ttl[16] = "";

		if (te->has_ttl)
			snprintf(ttl, sizeof(ttl), "ttl %u", te->ttl);
		fprintf(out, "  %-5s %-38s %-8s %3u rec %-10s %7.1f ms%s\n",
		    fr_rr_type_name(te->type), te->name,
		    fr_dns_status_name(te->status), te->answers, ttl, te->ms,
		    te->secure ? "  secure" : "");
	}

	fprintf(out, "\nTargets, in the order they would be tried\n");
	if (plan->ntargets == 0)
		fprintf(out, "  none\n");
	else
		fprintf(out, "  %-2s %-32s %5s %-9s %-9s %-7s %s\n", "#",
		    "host", "port", "transport", "prio/wt", "source", "ttl");
	for (i = 0; i < plan->ntargets; i++) {
		const struct fr_target *t = &plan->targets[i];
		char pw[16] = "-";

		if (t->from_srv)
			snprintf(pw, sizeof(pw), "%u/%u", t->priority,
			    t->weight);
		fprintf(out, "  %-2zu %-32s %5u %-9s %-9s %-7s %u\n", i + 1,
		    t->host, t->port, fr_transport_name(t->transport), pw,
		    fr_source_name(t->source), t->ttl);
		fprintf(out, "     ");
		for (k = 0; k < t->naddrs; k++)
			fprintf(out, "%s%s", k ? ", " : "",
			    addr_str(&t->addrs[k], buf, sizeof(buf)));
		if (t->has_naptr)
			fprintf(out, "   via NAPTR %u %u %s", t->naptr.order,
			    t->naptr.preference, t->naptr.service);
		if (t->srv[0])
			fprintf(out, "%s SRV %s", t->has_naptr ? "," : "  via",
			    t->srv);
		if (t->cname[0])
			fprintf(out, "  (alias of %s)", t->cname);
		if (t->ndown > 0)
			fprintf(out, "\n     %s: %zu address%s down, retry in "
			    "%.0f s (%s)", t->down ? "DOWN" : "partly down",
			    t->ndown, t->ndown == 1 ? "" : "es", t->down_for,
			    t->down_reason);
		fputc('\n', out);
	}

	if (plan->nfindings > 0) {
		fprintf(out, "\nFindings\n");
		for (i = 0; i < plan->nfindings; i++)
			fprintf(out, "  %-7s %-22s %s\n",
			    fr_severity_name(plan->findings[i].severity),
			    fr_finding_name(plan->findings[i].id),
			    plan->findings[i].message);
	}
	fprintf(out, "\nResult: %s", fr_result_name(plan->result));
	if (plan->result == FR_RESULT_OK)
		fprintf(out, ", %zu target%s", plan->ntargets,
		    plan->ntargets == 1 ? "" : "s");
	if (plan->cache == FR_CACHE_HIT || plan->cache == FR_CACHE_STALE)
		fprintf(out, " (from cache%s: resolved %.0f s ago, %s %.0f s)",
		    plan->cache == FR_CACHE_STALE ? ", STALE" : "", plan->age,
		    plan->ttl_left >= 0 ? "expires in" : "expired",
		    plan->ttl_left >= 0 ? plan->ttl_left : -plan->ttl_left);
	fputc('\n', out);
}
