/*
 * lookup.c -- "fedroute lookup": the command line of the resolver
 * tester.  Reads options and targets, runs one lookup per target
 * (tester.h), and prints them as text, JSON or a Nagios plug-in line.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "batch.h"
#include "commands.h"
#include "escape.h"
#include "ipport.h"
#include "nagios.h"
#include "report.h"
#include "selfcheck.h"
#include "tester.h"
#include "textfile.h"
#include "zonefile.h"

#define MAX_LIST 16	/* --resolver and --zone, each */

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_NAGIOS };

/* Everything the options say; the strings point into argv. */
struct opts {
	struct fr_tester_conf tconf;
	const char *forwarders[MAX_LIST];
	const char *zone_origins[MAX_LIST], *zone_files[MAX_LIST];
	char origins[MAX_LIST][FR_DNAME_MAX], paths[MAX_LIST][PATH_MAX];
	enum fr_profile profile;
	bool profile_forced;
	unsigned transports;
	enum format format;
	int color;			/* -1 auto, 0 never, 1 always */
	struct fr_batch targets;
	bool batch;			/* --batch: always a list */
	const char *self[MAX_LIST];	/* --self domains */
	size_t nself;
	char error[1024];		/* the first usage error */
};

void
fr_cmd_lookup_usage(void)
{
	fprintf(stderr,
"usage: fedroute lookup [options] TARGET...\n"
"       fedroute lookup [options] --batch FILE\n"
"       fedroute lookup [options] --self DOMAIN\n"
"options:\n"
"  --profile sip|ms-fed|xmpp-s2s   profile of a bare domain (default sip)\n"
"  --resolver ADDR[@PORT]          DNS server to ask (repeatable)\n"
"  --zone FILE                     answer this zone from a file (repeatable)\n"
"  --trust-anchor FILE             validate DNSSEC with this anchor\n"
"  --transport LIST                udp,tcp,tls,sctp,sctp-tls (default all)\n"
"  --timeout MS                    per DNS question (default 5000)\n"
"  --seed N                        reproducible RFC 2782 order\n"
"  --public                        targets must have public addresses\n"
"  --connect                       connect to every target address: TCP,\n"
"                                  TLS, certificate, application probe\n"
"  --connect-timeout MS            per connection step (default 5000)\n"
"  --deadline MS                   all the probes of one lookup, which run\n"
"                                  8 addresses at once (default 30000)\n"
"  --ca FILE                       trust these CAs, not the system's\n"
"  --self DOMAIN                   check our own publication as a foreign\n"
"                                  edge sees it (implies --connect)\n"
"  --batch FILE                    targets from FILE, one a line (- stdin)\n"
"  --format text|json|nagios       output (default text); --json = json\n"
"  --color auto|always|never       colour in text output (default auto)\n"
"  TARGET  a domain, or a sip:, sips: or xmpp: URI\n");
}

static int usage_error(struct opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Remember the first usage error; option parsing goes on, so that a
 * later --format nagios still decides how it is reported. */
static int
usage_error(struct opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->error[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(o->error, sizeof(o->error), fmt, ap);
		va_end(ap);
	}
	return -1;
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

static void
parse_option(struct opts *o, int c, const char *arg, const char *word)
{
	struct fr_resolver_conf *rc = &o->tconf.resolver;
	unsigned long long v;
	const char *bad;
	size_t badlen, n;
	char err[512];
	struct sockaddr_storage ss;
	socklen_t sslen;

	switch (c) {
	case 'p':
		if (fr_profile_parse(arg, &o->profile) != 0)
			usage_error(o, "unknown profile '%s' (sip, ms-fed, "
			    "xmpp-s2s)", arg);
		o->profile_forced = true;
		break;
	case 'r':
		if (rc->upstream.nforwarders == MAX_LIST)
			usage_error(o, "too many --resolver (%d at most)",
			    MAX_LIST);
		else if (fr_ipport_parse(arg, 53, &ss, &sslen, err,
		    sizeof(err)) != 0)
			usage_error(o, "bad --resolver: %s", err);
		else
			o->forwarders[rc->upstream.nforwarders++] = arg;
		break;
	case 'z':
		n = rc->upstream.nzones;
		if (n == MAX_LIST) {
			usage_error(o, "too many --zone (%d at most)",
			    MAX_LIST);
			break;
		}
		if (fr_zonefile_probe(arg, o->origins[n],
		    sizeof(o->origins[n]), o->paths[n], sizeof(o->paths[n]),
		    err, sizeof(err)) != 0) {
			usage_error(o, "%s", err);
			break;
		}
		o->zone_origins[n] = o->origins[n];
		o->zone_files[n] = o->paths[n];
		rc->upstream.nzones++;
		break;
	case 'a':
		if (fr_trust_anchor_check(arg, err, sizeof(err)) != 0)
			usage_error(o, "--trust-anchor %s", err);
		else
			rc->upstream.trust_anchor_file = arg;
		break;
	case 't':
		if (fr_transports_parse(arg, &o->transports, &bad,
		    &badlen) != 0)
			usage_error(o, "bad --transport list '%s' (udp, tcp, "
			    "tls, sctp, sctp-tls)", arg);
		break;
	case 'T':
		if (parse_ulong(arg, 600000, &v) != 0 || v == 0)
			usage_error(o, "bad --timeout '%s' (milliseconds, "
			    "1-600000)", arg);
		else
			rc->timeout_ms = (unsigned)v;
		break;
	case 's':
		if (parse_ulong(arg, UINT64_MAX, &v) != 0) {
			usage_error(o, "bad --seed '%s'", arg);
			break;
		}
		rc->seeded = true;
		rc->seed = v;
		break;
	case 'j':
		o->format = FORMAT_JSON;
		break;
	case 'f':
		if (strcmp(arg, "text") == 0)
			o->format = FORMAT_TEXT;
		else if (strcmp(arg, "json") == 0)
			o->format = FORMAT_JSON;
		else if (strcmp(arg, "nagios") == 0)
			o->format = FORMAT_NAGIOS;
		else
			usage_error(o, "bad --format '%s' (text, json, "
			    "nagios)", arg);
		break;
	case 'c':
		if (strcmp(arg, "auto") == 0)
			o->color = -1;
		else if (strcmp(arg, "always") == 0)
			o->color = 1;
		else if (strcmp(arg, "never") == 0)
			o->color = 0;
		else
			usage_error(o, "bad --color '%s' (auto, always, "
			    "never)", arg);
		break;
	case 'b':
		o->batch = true;
		if (fr_batch_read(&o->targets, arg, err, sizeof(err)) != 0)
			usage_error(o, "%s", err);
		break;
	case 'P':
		o->tconf.check_public = true;
		break;
	case 'S':
		if (o->nself == MAX_LIST)
			usage_error(o, "too many --self (%d at most)",
			    MAX_LIST);
		else
			o->self[o->nself++] = arg;
		o->tconf.connect = true;
		break;
	case 'C':
		o->tconf.connect = true;
		break;
	case 'O':
		if (parse_ulong(arg, 600000, &v) != 0 || v == 0)
			usage_error(o, "bad --connect-timeout '%s' "
			    "(milliseconds, 1-600000)", arg);
		else
			o->tconf.connect_conf.timeout_ms = (unsigned)v;
		break;
	case 'D':
		if (parse_ulong(arg, 3600000, &v) != 0 || v == 0)
			usage_error(o, "bad --deadline '%s' (milliseconds, "
			    "1-3600000)", arg);
		else
			o->tconf.connect_conf.deadline_ms = (unsigned)v;
		break;
	case 'A':
		/* A regular file before OpenSSL reads it (textfile.h). */
		if (fr_textfile_check(arg, FR_FILE_MAX_PEM, err,
		    sizeof(err)) != 0 ||
		    fr_connect_check_ca(arg, err, sizeof(err)) != 0)
			usage_error(o, "%s", err);
		else
			o->tconf.connect_conf.ca_file = arg;
		break;
	default:
		usage_error(o, "unknown option '%s'", word);
		break;
	}
}

/*
 * The lookups of each --self domain: every federation a foreign edge may
 * use, or only the one --profile names.
 */
static void
add_self(struct opts *o)
{
	static const struct {
		enum fr_self kind;
		enum fr_profile profile;
	} kinds[] = {
		{ FR_SELF_MSFED, FR_PROFILE_MSFED },
		{ FR_SELF_SIPS, FR_PROFILE_SIP },
		{ FR_SELF_XMPP, FR_PROFILE_XMPP_S2S },
	};
	char err[512];
	size_t i, k;

	for (i = 0; i < o->nself && o->error[0] == '\0'; i++)
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			if (o->profile_forced && kinds[k].profile != o->profile)
				continue;
			if (fr_batch_add_self(&o->targets, kinds[k].kind,
			    o->self[i], err, sizeof(err)) != 0) {
				usage_error(o, "%s", err);
				return;
			}
		}
}

/* Colour on a terminal that wants it (https://no-color.org). */
static bool
want_color(int setting)
{
	const char *term = getenv("TERM");

	if (setting >= 0)
		return setting == 1;
	return isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
	    term != NULL && strcmp(term, "dumb") != 0;
}

/* Report a usage error the way the format asks: Nagios wants UNKNOWN. */
static int
usage_exit(const struct opts *o)
{
	char shown[sizeof(o->error) * 4];

	if (o->format == FORMAT_NAGIOS) {
		fr_nagios_unknown(stdout, o->error);
		fflush(stdout);
		return 3;
	}
	/* The error may quote a target or a file: escaped (escape.h). */
	fprintf(stderr, "fedroute lookup: %s\n", fr_escape_str(shown,
	    sizeof(shown), o->error));
	fr_cmd_lookup_usage();
	return FR_EXIT_USAGE;
}

/* Why a lone target got no plan; input and error escaped. */
static void
lone_error(const struct fr_lookup *lk)
{
	char input[1024], error[1024];

	fprintf(stderr, "fedroute lookup: %s: %s\n",
	    fr_escape_str(input, sizeof(input), lk->input),
	    fr_escape_str(error, sizeof(error), lk->error));
}

static int
run(struct opts *o)
{
	struct fr_report_opts ropts;
	struct fr_lookup **lks;
	struct ev_loop *loop;
	size_t i, n = o->targets.n;
	bool many = o->batch || o->nself > 0 || n > 1;
	int status = 0;

	if ((lks = calloc(n, sizeof(*lks))) == NULL ||
	    (loop = ev_loop_new(EVFLAG_AUTO)) == NULL) {
		free(lks);
		fprintf(stderr, "fedroute lookup: out of memory\n");
		return 3;
	}
	ropts.color = want_color(o->color);
	for (i = 0; i < n; i++) {
		const struct fr_batch_entry *e = &o->targets.v[i];
		struct fr_query q;

		memset(&q, 0, sizeof(q));
		q.input = e->target;
		q.profile = e->has_profile ? e->profile : o->profile;
		q.profile_forced = e->has_profile || o->profile_forced;
		q.transports = o->transports;
		if ((lks[i] = fr_lookup_run(loop, &o->tconf, &q)) == NULL) {
			fprintf(stderr, "fedroute lookup: out of memory\n");
			status = 3;
			n = i;
			break;
		}
		fr_self_judge(lks[i], e->self);
		status = i == 0 ? lks[i]->status :
		    fr_status_worse(status, lks[i]->status);
		if (o->format != FORMAT_TEXT)
			continue;
		/* Text goes out as each lookup ends. */
		if (i > 0)
			fprintf(stdout, "\n%.*s\n\n", 79, "----------------"
			    "------------------------------------------------"
			    "---------------");
		fr_report_text(stdout, lks[i], &ropts);
		fflush(stdout);
	}
	if (n == 0)
		;	/* out of memory at once: said so */
	else if (o->format == FORMAT_TEXT && many)
		fr_report_text_summary(stdout, lks, n, status, &ropts);
	else if (o->format == FORMAT_JSON && !many && lks[0]->plan != NULL)
		fr_report_json(stdout, lks[0]);
	else if (o->format == FORMAT_JSON && many)
		fr_report_json_many(stdout, lks, n, status);
	else if (o->format == FORMAT_NAGIOS)
		fr_nagios_report(stdout, lks, n, status);
	/* A lone target without a plan says why on stderr, as before. */
	if (!many && n == 1 && lks[0]->plan == NULL &&
	    o->format != FORMAT_NAGIOS)
		lone_error(lks[0]);
	for (i = 0; i < n; i++)
		fr_lookup_free(lks[i]);
	free(lks);
	ev_loop_destroy(loop);
	return status;
}

int
fr_cmd_lookup(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "resolver", required_argument, NULL, 'r' },
		{ "zone", required_argument, NULL, 'z' },
		{ "trust-anchor", required_argument, NULL, 'a' },
		{ "transport", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "seed", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "color", required_argument, NULL, 'c' },
		{ "batch", required_argument, NULL, 'b' },
		{ "public", no_argument, NULL, 'P' },
		{ "connect", no_argument, NULL, 'C' },
		{ "connect-timeout", required_argument, NULL, 'O' },
		{ "deadline", required_argument, NULL, 'D' },
		{ "ca", required_argument, NULL, 'A' },
		{ "self", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts *o;
	char err[512];
	int c, i, status;

	if ((o = calloc(1, sizeof(*o))) == NULL) {
		fprintf(stderr, "fedroute lookup: out of memory\n");
		return 3;
	}
	o->profile = FR_PROFILE_SIP;
	o->color = -1;
	o->tconf.resolver.upstream.forwarders = o->forwarders;
	o->tconf.resolver.upstream.zone_origins = o->zone_origins;
	o->tconf.resolver.upstream.zone_files = o->zone_files;

	optind = 1;
	opterr = 0;		/* errors are reported by usage_exit() */
	while ((c = getopt_long(argc, argv, ":p:r:z:a:t:T:s:jf:c:b:PCO:D:A:S:h",
	    longopts, NULL)) != -1) {
		const char *word = argv[optind - 1];

		if (c == 'h') {
			fr_cmd_lookup_usage();
			status = 0;
			goto out;
		}
		if (c == ':')
			usage_error(o, "option '%s' needs a value", word);
		else
			parse_option(o, c, optarg, word);
	}
	for (i = optind; i < argc && o->error[0] == '\0'; i++)
		if (fr_batch_add(&o->targets, argv[i], err, sizeof(err)) != 0)
			usage_error(o, "%s", err);
	add_self(o);
	if (o->error[0] == '\0' && o->targets.n == 0)
		usage_error(o, "no TARGET given");
	if (o->error[0] != '\0') {
		status = usage_exit(o);
		goto out;
	}
	/* A peer that closes while we write must not kill us (OpenSSL
	 * writes with write(2), which raises SIGPIPE). */
	if (o->tconf.connect)
		signal(SIGPIPE, SIG_IGN);
	status = run(o);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fedroute lookup: writing output: %s\n",
		    strerror(errno));
		status = 3;
	}
out:
	fr_batch_clear(&o->targets);
	free(o);
	return status;
}
