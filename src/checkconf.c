/*
 * checkconf.c -- "fedroute check-config": read fedrouted.conf the way
 * the daemon does (certificates and keys included) and say what is
 * wrong, or print the effective configuration.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "conf.h"

void
fr_cmd_check_config_usage(void)
{
	fprintf(stderr,
"usage: fedroute check-config [--print] [--no-tls] FILE\n"
"  --print   write the effective configuration (defaults included)\n"
"  --no-tls  do not load certificates and keys (syntax and references only)\n");
}

static void
report(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

int
fr_cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "print", no_argument, NULL, 'p' },
		{ "no-tls", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned flags = FR_CONFIG_LOAD_TLS;
	struct fr_config *cfg;
	bool print = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "pnh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			print = true;
			break;
		case 'n':
			flags &= ~(unsigned)FR_CONFIG_LOAD_TLS;
			break;
		case 'h':
			fr_cmd_check_config_usage();
			return 0;
		default:
			fr_cmd_check_config_usage();
			return FR_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "fedroute check-config: %s\n", optind >= argc ?
		    "no FILE given" : "only one FILE, please");
		fr_cmd_check_config_usage();
		return FR_EXIT_USAGE;
	}
	if ((cfg = fr_config_read(argv[optind], flags, report, NULL)) == NULL)
		return 1;
	if (cfg->http.len != 0 && cfg->workers > 1)
		fprintf(stderr, "%s: note: http: is served by worker 1: "
		    "counters are summed over the %u workers, node state and "
		    "recent failures are worker 1's\n", argv[optind],
		    cfg->workers);
	if (print)
		fr_config_print(stdout, cfg);
	else
		printf("%s: configuration OK\n", argv[optind]);
	fr_config_free(cfg);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fedroute check-config: writing output: %s\n",
		    strerror(errno));
		return 1;
	}
	return 0;
}
