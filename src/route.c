/*
 * route.c -- "fedroute route": what fedrouted would do with a request
 * for a URI or a domain, and why: the allow list's verdict, an override
 * route, DNS or a fallback route, and the targets in the order they
 * would be tried.  The decision is the daemon's own code
 * (router/routing.h) on the daemon's configuration file.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "conf.h"
#include "json.h"
#include "routing.h"
#include "sipproxy.h"
#include "sipuri.h"
#include "ubev.h"

#ifndef FR_CONF_FILE
#define FR_CONF_FILE "/usr/local/etc/fedrouted.conf"
#endif

void
fr_cmd_route_usage(void)
{
	fprintf(stderr,
"usage: fedroute route [-c FILE] [--from NODE] [--json] URI|DOMAIN\n"
"  -c, --config FILE  fedrouted.conf to decide with (default %s)\n"
"  --from NODE        the node that sends the request (its public entry)\n"
"  --json             one JSON object (\"version\": 1)\n"
"URI is sip:, sips: or xmpp:; a bare DOMAIN is routed as SIP.\n"
"Exit status: 0 forwarded, 2 refused or no route, 1 configuration error,\n"
"64 usage error.\n", FR_CONF_FILE);
}

static void
report(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

struct wait {
	struct fr_route_result *res;
	bool done;
};

static void
decided(void *arg, struct fr_route_result *res)
{
	struct wait *w = arg;

	w->res = res;
	w->done = true;
}

static const char *
addr_str(const struct fr_address *a, char *buf, size_t len)
{
	if (inet_ntop(a->family, &a->u, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

static const struct fr_node_conf *
find_node(const struct fr_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->edge.nnodes; i++)
		if (strcmp(cfg->edge.nodes[i].name, name) == 0)
			return &cfg->edge.nodes[i];
	return NULL;
}

static const char *
public_address(const struct fr_config *cfg)
{
	return cfg->edge.public_addresses.n > 0 ?
	    cfg->edge.public_addresses.v[0] : NULL;
}

static void
print_text(const char *input, const struct fr_config *cfg,
    const struct fr_node_conf *node, const struct fr_route_result *r)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i, j;

	printf("Route for %s (%s)\n", input,
	    r->service == FR_SERVICE_XMPP ? "xmpp" : "sip");
	printf("  domain       %s\n", r->domain);
	if (r->decision == FR_DECISION_REFUSED)
		printf("  allow list   refused\n");
	else if (r->domain_line > 0)
		printf("  allow list   allowed by domain: %s (line %d)\n",
		    r->domain_name, r->domain_line);
	else
		printf("  allow list   allowed by policy: open\n");
	printf("  decision     %s\n", fr_decision_name(r->decision));
	if (r->plan != NULL)
		printf("  dns          %s, profile %s\n",
		    fr_result_name(r->plan->result),
		    fr_profile_name(r->plan->profile));
	if (r->why[0] != '\0')
		printf("  why          %s\n", r->why);
	if (node != NULL) {
		const char *pub = public_address(cfg);

		if (node->public_port != 0 && pub != NULL)
			printf("  from node    %s (%s); foreign domains reach it "
			    "again at %s%s%s:%u\n", node->name, fr_addr_str(
			    &node->addr, buf, sizeof(buf)),
			    strchr(pub, ':') ? "[" : "", pub,
			    strchr(pub, ':') ? "]" : "", node->public_port);
		else
			printf("  from node    %s: no public entry (no "
			    "public-address, or no sip listener aimed at it "
			    "alone and no public-port)\n", node->name);
	}
	if (node != NULL && r->service == FR_SERVICE_SIP && r->ntargets > 0) {
		struct fr_sip_explain x;

		if (fr_sipproxy_explain(&cfg->edge, node->name,
		    fr_transport_name(r->targets[0].transport), &x) == 0) {
			printf("\nWhat the edge writes (the node stays hidden)\n");
			printf("  Via            %s\n", x.via);
			printf("  Record-Route   %s\n", x.record_route);
			printf("  Contact        %s\n", x.contact);
			if (x.record_route_to_node[0] != '\0')
				printf("  back to node   Record-Route %s\n",
				    x.record_route_to_node);
			printf("  connection     a running fedrouted reuses one "
			    "open to these targets; this shows none\n");
		}
	}
	if (r->plan != NULL && r->plan->ntrace > 0) {
		printf("\nDNS questions\n");
		for (i = 0; i < r->plan->ntrace; i++) {
			const struct fr_trace_entry *t = &r->plan->trace[i];

			printf("  %-6s %-40s %-9s %3u rec\n",
			    fr_rr_type_name(t->type), t->name,
			    fr_dns_status_name(t->status), t->answers);
		}
	}
	if (r->ntargets > 0) {
		printf("\nTargets, in the order they are tried\n");
		for (i = 0; i < r->ntargets; i++) {
			const struct fr_route_target *t = &r->targets[i];

			printf("  %zu  %s:%u/%s", i + 1, t->host, t->port,
			    fr_transport_name(t->transport));
			if (t->route_line > 0)
				printf("  (route, line %d)", t->route_line);
			if (t->down)
				printf("  (marked down)");
			printf("\n     ");
			for (j = 0; j < t->naddrs; j++)
				printf("%s%s", j == 0 ? "" : ", ",
				    addr_str(&t->addrs[j], buf, sizeof(buf)));
			printf("\n");
		}
	}
	printf("\nResult: %s\n", r->ntargets > 0 &&
	    r->decision != FR_DECISION_REFUSED ? "forwarded" :
	    r->decision == FR_DECISION_REFUSED ? "refused" : "no route");
}

static void
print_json(const char *input, const struct fr_config *cfg,
    const struct fr_node_conf *node, const struct fr_route_result *r)
{
	char buf[INET6_ADDRSTRLEN];
	struct fr_json j;
	size_t i, k;

	fr_json_init(&j, stdout);
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
			fr_json_string(&j, NULL, addr_str(&t->addrs[k], buf,
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
	printf("\n");
}

int
fr_cmd_route(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = FR_CONF_FILE, *from = NULL, *input;
	const struct fr_node_conf *node = NULL;
	struct fr_route_result *res = NULL;
	struct fr_routing *rt = NULL;
	struct fr_config *cfg = NULL;
	enum fr_service service;
	struct ev_loop *loop;
	struct fr_uri uri;
	struct wait w = { NULL, false };
	bool json = false;
	char err[512];
	int c, r, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			file = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fr_cmd_route_usage();
			return 0;
		default:
			fr_cmd_route_usage();
			return FR_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "fedroute route: %s\n", optind >= argc ?
		    "no URI or DOMAIN given" : "only one URI or DOMAIN, please");
		fr_cmd_route_usage();
		return FR_EXIT_USAGE;
	}
	input = argv[optind];
	if (fr_uri_parse(input, &uri, err, sizeof(err)) != 0) {
		fprintf(stderr, "fedroute route: %s\n", err);
		return FR_EXIT_USAGE;
	}
	service = uri.scheme == FR_SCHEME_XMPP ? FR_SERVICE_XMPP :
	    FR_SERVICE_SIP;

	if ((cfg = fr_config_read(file, 0, report, NULL)) == NULL)
		return 1;
	if (from != NULL && (node = find_node(cfg, from)) == NULL) {
		fprintf(stderr, "fedroute route: --from %s: %s has no node: "
		    "section of that name\n", from, file);
		fr_config_free(cfg);
		return FR_EXIT_USAGE;
	}
	loop = ev_loop_new(EVFLAG_AUTO);
	if (loop == NULL ||
	    (rt = fr_routing_create(loop, &cfg->edge, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "fedroute route: %s\n", loop == NULL ?
		    "cannot create an event loop" : err);
		status = 1;
		goto out;
	}
	r = fr_routing_decide(rt, uri.host, service, decided, &w, &res, NULL,
	    err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "fedroute route: %s: %s\n", input, err);
		status = FR_EXIT_USAGE;
		goto out;
	}
	if (r == 0) {
		/* The resolver times out every question, so this ends. */
		while (!w.done)
			ev_run(loop, EVRUN_ONCE);
		res = w.res;
	}
	if (res == NULL) {
		fprintf(stderr, "fedroute route: out of memory\n");
		status = 1;
		goto out;
	}
	if (json)
		print_json(input, cfg, node, res);
	else
		print_text(input, cfg, node, res);
	status = res->ntargets > 0 && res->decision != FR_DECISION_REFUSED ?
	    0 : 2;
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fedroute route: writing output: %s\n",
		    strerror(errno));
		status = 1;
	}
out:
	fr_route_result_free(res);
	fr_routing_delete(rt);
	if (loop != NULL)
		ev_loop_destroy(loop);
	fr_config_free(cfg);
	return status;
}
