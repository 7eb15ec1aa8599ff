/*
 * commands.h -- the subcommands of the fedroute command-line tool.
 * Each takes the arguments after its name (argv[0] is the name) and
 * returns the process exit status.
 */
#ifndef FR_COMMANDS_H
#define FR_COMMANDS_H

#include "diag.h"	/* FR_EXIT_USAGE */

int fr_cmd_lookup(int argc, char **argv);
void fr_cmd_lookup_usage(void);
int fr_cmd_route(int argc, char **argv);
void fr_cmd_route_usage(void);
int fr_cmd_check_config(int argc, char **argv);
void fr_cmd_check_config_usage(void);
int fr_cmd_ctl(int argc, char **argv);
void fr_cmd_ctl_usage(void);

#endif /* FR_COMMANDS_H */
