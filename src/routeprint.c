/*
 * routeprint.c -- a routing decision as `fedroute route` shows it, in
 * text or JSON: the same for the command line and for the running
 * daemon's `fedroute ctl lookup`.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "routeprint.h"
#include "sipproxy.h"

static const char *
public_address(const struct fr_config *cfg)
{
	return cfg->edge.public_addresses.n > 0 ?
	    cfg->edge.public_addresses.v[0] : NULL;
}

static void
print_text(FILE *out, const char *input, const struct fr_config *cfg,
    const struct fr_node_conf *node, const struct fr_route_result *r)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i, j;

	fprintf(out, "Route for %s (%s)\n", input,
	    r->service == FR_SERVICE_XMPP ? "xmpp" : "sip");
	fprintf(out, "  domain       %s\n", r->domain);
	if (r->decision == FR_DECISION_REFUSED)
		fprintf(out, "  allow list   refused\n");
	else if (r->domain_line > 0)
		fprintf(out, "  allow list   allowed by domain: %s (line %d)\n",
		    r->domain_name, r->domain_line);
	else
		fprintf(out, "  allow list   allowed by policy: open\n");
	fprintf(out, "  decision     %s\n", fr_decision_name(r->decision));
	if (r->plan != NULL)
		fprintf(out, "  dns          %s, profile %s\n",
		    fr_result_name(r->plan->result),
		    fr_profile_name(r->plan->profile));
	if (r->why[0] != '\0')
		fprintf(out, "  why          %s\n", r->why);
	if (node != NULL) {
		const char *pub = public_address(cfg);

		if (node->public_port != 0 && pub != NULL)
			fprintf(out, "  from node    %s (%s); foreign domains reach it "
			    "again at %s%s%s:%u\n", node->name, fr_addr_str(
			    &node->addr, buf, sizeof(buf)),
			    strchr(pub, ':') ? "[" : "", pub,
			    strchr(pub, ':') ? "]" : "", node->public_port);
		else
			fprintf(out, "  from node    %s: no public entry (no "
			    "public-address, or no sip listener aimed at it "
			    "alone and no public-port)\n", node->name);
	}
	if (node != NULL && r->service == FR_SERVICE_SIP && r->ntargets > 0) {
		struct fr_sip_explain x;

		if (fr_sipproxy_explain(&cfg->edge, node->name,
		    fr_transport_name(r->targets[0].transport), &x) == 0) {
			fprintf(out, "\nWhat the edge writes (the node stays hidden)\n");
			fprintf(out, "  Via            %s\n", x.via);
			fprintf(out, "  Record-Route   %s\n", x.record_route);
			fprintf(out, "  Contact        %s\n", x.contact);
			if (x.record_route_to_node[0] != '\0')
				fprintf(out, "  back to node   Record-Route %s\n",
				    x.record_route_to_node);
			fprintf(out, "  connection     a running fedrouted reuses one "
			    "open to these targets; this shows none\n");
		}
	}
	if (r->plan != NULL && r->plan->ntrace > 0) {
		fprintf(out, "\nDNS questions\n");
		for (i = 0; i < r->plan->ntrace; i++) {
			const struct fr_trace_entry *t = &r->plan->trace[i];

			fprintf(out, "  %-6s %-40s %-9s %3u rec\n",
			    fr_rr_type_name(t->type), t->name,
			    fr_dns_status_name(t->status), t->answers);
		}
	}
	if (r->ntargets > 0) {
		fprintf(out, "\nTargets, in the order they are tried\n");
		for (i = 0; i < r->ntargets; i++) {
			const struct fr_route_target *t = &r->targets[i];

			fprintf(out, "  %zu  %s:%u/%s", i + 1, t->host, t->port,
			    fr_transport_name(t->transport));
			if (t->route_line > 0)
				fprintf(out, "  (route, line %d)", t->route_line);
			if (t->down)
				fprintf(out, "  (marked down)");
			fprintf(out, "\n     ");
			for (j = 0; j < t->naddrs; j++)
				fprintf(out, "%s%s", j == 0 ? "" : ", ",
				    fr_address_str(&t->addrs[j], buf, sizeof(buf)));
			fputc('\n', out);
		}
	}
	fprintf(out, "\nResult: %s\n", r->ntargets > 0 &&
	    r->decision != FR_DECISION_REFUSED ? "forwarded" :
	    r->decision == FR_DECISION_REFUSED ? "refused" : "no route");
}

static void
print_json(FILE *out, const char *input, const struct fr_config *cfg,
    const struct fr_node_conf *node, const struct fr_route_result *r)
{
	char buf[INET6_ADDRSTRLEN];
	struct fr_json j;
	size_t i, k;

	fr_json_init(&j, out);
	fr_json_object_begin(&j, NULL);
	fr_json_int(&j, "version", 1);
	fr_json_string(&j, "input", input);
	fr_json_string(&j, "service",
	    r->service == FR_SERVICE_XMPP ? "xmpp" : "sip");
	fr_json_string(&j, "domain", r->domain);
	fr_json_bool(&j, "allowed", r->decision != FR_DECISION_REFUSED);
	if (r->domain_line > 0) {
		fr_json_object_begin(&j, "allowed_by");
		fr_json_string(&j, "domain", r->domain_name);
		fr_json_int(&j, "line", r->domain_line);
		fr_json_object_end(&j);
	} else {
		fr_json_null(&j, "allowed_by");
	}
	fr_json_string(&j, "decision", fr_decision_name(r->decision));
	fr_json_string(&j, "reason", r->why[0] != '\0' ? r->why : NULL);
	if (r->plan != NULL) {
		fr_json_object_begin(&j, "dns");
		fr_json_string(&j, "profile", fr_profile_name(r->plan->profile));
		fr_json_string(&j, "result", fr_result_name(r->plan->result));
		fr_json_int(&j, "questions", (long long)r->plan->ntrace);
		fr_json_object_end(&j);
	} else {
		fr_json_null(&j, "dns");
	}
	if (node != NULL) {
		struct fr_sip_explain x;

		fr_json_object_begin(&j, "from");
		fr_json_string(&j, "node", node->name);
		fr_json_string(&j, "public_address", public_address(cfg));
		if (node->public_port != 0)
			fr_json_int(&j, "public_port", node->public_port);
		else
			fr_json_null(&j, "public_port");
		if (r->service == FR_SERVICE_SIP && r->ntargets > 0 &&
		    fr_sipproxy_explain(&cfg->edge, node->name,
		    fr_transport_name(r->targets[0].transport), &x) == 0) {
			fr_json_object_begin(&j, "rewrite");
			fr_json_string(&j, "via", x.via);
			fr_json_string(&j, "record_route", x.record_route);
			fr_json_string(&j, "contact", x.contact);
			fr_json_string(&j, "record_route_to_node",
			    x.record_route_to_node[0] != '\0' ?
			    x.record_route_to_node : NULL);
			fr_json_object_end(&j);
		}
		fr_json_object_end(&j);
	}
	fr_json_array_begin(&j, "targets");
	for (i = 0; i < r->ntargets; i++) {
		const struct fr_route_target *t = &r->targets[i];

		fr_json_object_begin(&j, NULL);
		fr_json_string(&j, "host", t->host);
		fr_json_int(&j, "port", t->port);
		fr_json_string(&j, "transport", fr_transport_name(t->transport));
		fr_json_array_begin(&j, "addresses");
		for (k = 0; k < t->naddrs; k++)
			fr_json_string(&j, NULL, fr_address_str(&t->addrs[k], buf,
			    sizeof(buf)));
		fr_json_array_end(&j);
		if (t->route_line > 0)
			fr_json_int(&j, "route_line", t->route_line);
		else
			fr_json_null(&j, "route_line");
		fr_json_bool(&j, "down", t->down);
		fr_json_object_end(&j);
	}
	fr_json_array_end(&j);
	fr_json_object_end(&j);
	fputc('\n', out);
}

void
fr_route_print(FILE *out, bool json, const char *input,
    const struct fr_config *cfg, const struct fr_node_conf *node,
    const struct fr_route_result *r)
{
	if (json)
		print_json(out, input, cfg, node, r);
	else
		print_text(out, input, cfg, node, r);
}
