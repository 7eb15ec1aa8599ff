/*
 * fedroute.c -- the command-line tool: dispatch to a subcommand.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"

static const struct {
	const char *name;
	int (*run)(int, char **);
	const char *what;
} commands[] = {
	{ "lookup", fr_cmd_lookup,
	  "resolve a domain or URI the way the router would, and show why" },
	{ "route", fr_cmd_route,
	  "what fedrouted would do with a request for a URI or domain" },
	{ "check-config", fr_cmd_check_config,
	  "check fedrouted.conf, or print the effective configuration" },
	{ "ctl", fr_cmd_ctl,
	  "ask a running fedrouted: status, nodes, domains, drain, reload..." },
};

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: fedroute COMMAND [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].what);
	fprintf(out, "\nfedroute COMMAND --help shows a command's options.\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return FR_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s\n", PACKAGE_STRING);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "fedroute: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return FR_EXIT_USAGE;
}
