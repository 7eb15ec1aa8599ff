/*
 * conf.h -- fedrouted.conf(5): read, check and print the configuration.
 *
 * (Not "config.h": that name is autoconf's, and a quoted include looks
 * in the including file's directory first.)
 *
 * The grammar is unbound.conf's: "section:" lines, then "key: value"
 * lines; '#' starts a comment; a value may be "quoted".  Every option
 * is declared once in conf.c's table with its section, type, bounds and
 * default; the parser, the checks, fr_config_print() and the freeing
 * all walk that table.  Problems are reported as "FILE:LINE: what was
 * expected".
 *
 * A struct fr_config is plain data (no sockets, no OpenSSL objects),
 * owned by the caller: the daemon keeps one, and a reload reads a new
 * one and hands its edge part to fr_edge_reload().
 */
#ifndef FR_CONF_H
#define FR_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "edgeconf.h"
#include "log.h"

/* Problems reported before fr_config_read() gives up counting. */
#define FR_CONFIG_MAX_ERRORS 20

/* Most worker processes (server: workers). */
#define FR_WORKERS_MAX 64

struct fr_config {
	char *file;			/* as given to fr_config_read */
	struct fr_edge_conf edge;

	/* server: settings of the daemon itself */
	unsigned workers;		/* processes; > 1: master + workers */
	char *user;			/* "" : stay root */
	char *pidfile;			/* NULL: none */
	char *control;			/* the control socket; NULL: none */
	unsigned control_mode;		/* its permissions (0660) */
	char *control_group;		/* its group; "": the user's */
	struct fr_sockaddr http;	/* /metrics and the status page;
					   len 0: off */
	enum fr_log_sink log;
	int log_level;			/* LOG_ERR .. LOG_DEBUG */
	int log_facility;		/* LOG_DAEMON, LOG_LOCAL0 .. */
};

/* Flags of fr_config_read(). */
#define FR_CONFIG_LOAD_TLS	0x1	/* load certificates and keys too:
					   check as fedrouted starts */
#define FR_CONFIG_CHECKED	0x2	/* fr_config_read_text() only: the text
					   is fr_config_print()'s of a
					   configuration that passed every
					   check, so the checks that read
					   other files (zone files, trust
					   anchor, certificates) are not
					   repeated */

/* Called once per problem with "FILE:LINE: what was expected". */
typedef void fr_config_report_fn(void *arg, const char *msg);

/*
 * Read and check path.  Returns the configuration, or NULL after
 * reporting every problem found (at most FR_CONFIG_MAX_ERRORS, then a
 * line saying more were left out).  Relative paths in the file are
 * taken from the directory the file is in.
 */
struct fr_config *fr_config_read(const char *path, unsigned flags,
    fr_config_report_fn *report, void *arg);

/*
 * The same from text in memory, named name in errors.  Relative paths
 * are taken from "/": meant for fr_config_print()'s output, whose paths
 * are absolute.  fedrouted reads the file once (in a child, off its
 * event loop) and passes the printed text on, so every process runs
 * what was read at that one moment.
 */
struct fr_config *fr_config_read_text(const char *name, const char *text,
    size_t len, unsigned flags, fr_config_report_fn *report, void *arg);

/* NULL is fine. */
void fr_config_free(struct fr_config *cfg);

/*
 * Write the effective configuration, every option with its value
 * (defaults included), in the file's own grammar: reading it back
 * gives the same configuration.
 */
void fr_config_print(FILE *out, const struct fr_config *cfg);

/* The configuration's own words for these values ("sip-options",
 * "leastconn", "xmpp", "tls"), for reports. */
const char *fr_config_check_name(enum fr_check_kind kind);
const char *fr_config_balance_name(enum fr_balance balance);
const char *fr_config_proto_name(enum fr_proto proto);
const char *fr_config_node_transport_name(enum fr_node_transport t);

/* Names of every option, section by section, for the documentation
 * check: calls fn(arg, section, option) in table order. */
void fr_config_options(void (*fn)(void *, const char *, const char *),
    void *arg);

#endif /* FR_CONF_H */
