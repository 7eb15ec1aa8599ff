/*
 * lookup.c -- "fedroute lookup": resolve one target the way the router
 * would, and show the plan with the trace of every DNS question.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "commands.h"
#include "report.h"
#include "tester.h"
#include "zonefile.h"

#define MAX_LIST 16	/* --resolver and --zone, each */

void
fr_cmd_lookup_usage(void)
{
	fprintf(stderr,
"usage: fedroute lookup [--profile sip|ms-fed|xmpp-s2s] [--resolver ADDR[@PORT]]...\n"
"                       [--zone FILE]... [--trust-anchor FILE] [--transport LIST]\n"
"                       [--timeout MS] [--seed N] [--public] [--json] TARGET\n"
"  TARGET  a domain, or a sip:, sips: or xmpp: URI\n");
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fedroute lookup: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fr_cmd_lookup_usage();
	return FR_EXIT_USAGE;
}

static int
parse_ulong(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s == '-' || *s == '\0')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

int
fr_cmd_lookup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "resolver", required_argument, NULL, 'r' },
		{ "zone", required_argument, NULL, 'z' },
		{ "trust-anchor", required_argument, NULL, 'a' },
		{ "transport", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "seed", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "public", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *forwarders[MAX_LIST];
	const char *zone_origins[MAX_LIST], *zone_files[MAX_LIST];
	char origins[MAX_LIST][FR_DNAME_MAX], paths[MAX_LIST][PATH_MAX];
	struct fr_report_opts ropts = { false };
	struct fr_tester_conf tconf;
	struct fr_resolver_conf *conf = &tconf.resolver;
	struct fr_query query;
	struct fr_lookup *lk;
	struct ev_loop *loop;
	char err[512];
	bool json = false;
	int c, status;

	memset(&tconf, 0, sizeof(tconf));
	memset(&query, 0, sizeof(query));
	query.profile = FR_PROFILE_SIP;
	conf->upstream.forwarders = forwarders;
	conf->upstream.zone_origins = zone_origins;
	conf->upstream.zone_files = zone_files;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:r:z:a:t:T:s:jPh", opts,
	    NULL)) != -1) {
		unsigned long long v;
		const char *bad;
		size_t badlen;

		switch (c) {
		case 'p':
			if (fr_profile_parse(optarg, &query.profile) != 0)
				return usage_error("unknown profile '%s' "
				    "(sip, ms-fed, xmpp-s2s)", optarg);
			query.profile_forced = true;
			break;
		case 'r':
			if (conf->upstream.nforwarders == MAX_LIST)
				return usage_error("too many --resolver (%d at "
				    "most)", MAX_LIST);
			forwarders[conf->upstream.nforwarders++] = optarg;
			break;
		case 'z': {
			size_t n = conf->upstream.nzones;

			if (n == MAX_LIST)
				return usage_error("too many --zone (%d at most)",
				    MAX_LIST);
			if (fr_zonefile_probe(optarg, origins[n],
			    sizeof(origins[n]), paths[n], sizeof(paths[n]),
			    err, sizeof(err)) != 0)
				return usage_error("%s", err);
			zone_origins[n] = origins[n];
			zone_files[n] = paths[n];
			conf->upstream.nzones++;
			break;
		}
		case 'a':
			conf->upstream.trust_anchor_file = optarg;
			break;
		case 't':
			if (fr_transports_parse(optarg, &query.transports,
			    &bad, &badlen) != 0)
				return usage_error("bad --transport list '%s' "
				    "(udp, tcp, tls, sctp, sctp-tls)", optarg);
			break;
		case 'T':
			if (parse_ulong(optarg, 600000, &v) != 0 || v == 0)
				return usage_error("bad --timeout '%s' "
				    "(milliseconds, 1-600000)", optarg);
			conf->timeout_ms = (unsigned)v;
			break;
		case 's':
			if (parse_ulong(optarg, UINT64_MAX, &v) != 0)
				return usage_error("bad --seed '%s'", optarg);
			conf->seeded = true;
			conf->seed = v;
			break;
		case 'j':
			json = true;
			break;
		case 'P':
			tconf.check_public = true;
			break;
		case 'h':
			fr_cmd_lookup_usage();
			return 0;
		default:
			fr_cmd_lookup_usage();
			return FR_EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error("%s", optind >= argc ?
		    "no TARGET given" : "only one TARGET, please");
	query.input = argv[optind];

	if ((loop = ev_loop_new(EVFLAG_AUTO)) == NULL) {
		fprintf(stderr, "fedroute lookup: cannot create event loop\n");
		return 3;
	}
	lk = fr_lookup_run(loop, &tconf, &query);
	if (lk == NULL) {
		fprintf(stderr, "fedroute lookup: out of memory\n");
		status = 3;
	} else if (lk->plan == NULL) {
		fprintf(stderr, "fedroute lookup: %s: %s\n", query.input,
		    lk->error);
		status = lk->status;
	} else {
		if (json)
			fr_report_json(stdout, lk);
		else
			fr_report_text(stdout, lk, &ropts);
		status = lk->status;
	}
	fr_lookup_free(lk);
	ev_loop_destroy(loop);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fedroute lookup: writing output: %s\n",
		    strerror(errno));
		return 3;
	}
	return status;
}
