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
#include "routing.h"
#include "routeprint.h"
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

static const struct fr_node_conf *
find_node(const struct fr_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->edge.nnodes; i++)
		if (strcmp(cfg->edge.nodes[i].name, name) == 0)
			return &cfg->edge.nodes[i];
	return NULL;
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
	fr_route_print(stdout, json, input, cfg, node, res);
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
