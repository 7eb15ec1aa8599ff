/*
 * ctlproto.h -- the control socket's protocol, shared by fedrouted and
 * `fedroute ctl` (doc/control.md says the same for other clients).
 *
 * A client connects to the Unix socket, writes one request line and
 * reads the answer until the daemon closes:
 *
 *   request  FORMAT SP COMMAND [SP ARG]... LF    at most FR_CTL_LINE_MAX
 *            bytes; FORMAT is "text" or "json"; words are printable
 *            ASCII, separated by spaces
 *   answer   STATUS LF BODY                      STATUS "0": done,
 *                                                "1": refused (BODY
 *                                                says why)
 *
 * Commands: status, nodes, pools, listeners, domains, cache, cache flush
 * [DOMAIN], health, health clear DEST|all, drain NODE, enable NODE,
 * reload, lookup URI.
 *
 * The parser takes bytes from the socket: it is bounded, copies what it
 * keeps, and names what is wrong (fuzzed: tests/fuzz/ctlproto_fuzz.c).
 */
#ifndef FR_CTLPROTO_H
#define FR_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>

#define FR_CTL_LINE_MAX	1024	/* a request line, LF included */
#define FR_CTL_ARG_MAX	512	/* one argument, NUL included */

enum fr_ctl_verb {
	FR_CTL_STATUS,
	FR_CTL_NODES,
	FR_CTL_POOLS,
	FR_CTL_LISTENERS,
	FR_CTL_DOMAINS,
	FR_CTL_CACHE,		/* counters */
	FR_CTL_CACHE_FLUSH,	/* arg: a domain, or none for all */
	FR_CTL_HEALTH,
	FR_CTL_HEALTH_CLEAR,	/* arg: ADDR, ADDR:PORT, [V6]:PORT or all */
	FR_CTL_DRAIN,		/* arg: a node */
	FR_CTL_ENABLE,		/* arg: a node */
	FR_CTL_RELOAD,
	FR_CTL_LOOKUP,		/* arg: a sip:, sips: or xmpp: URI, or a
				   domain */
};

struct fr_ctl_cmd {
	bool json;
	enum fr_ctl_verb verb;
	bool has_arg;
	char arg[FR_CTL_ARG_MAX];
};

/*
 * Parse a request: the line (len bytes, with or without its LF) holds
 * "FORMAT COMMAND [ARG]".  0, or -1 with what is wrong in err.
 */
int fr_ctl_parse(const char *line, size_t len, struct fr_ctl_cmd *cmd,
    char *err, size_t errlen);

/*
 * The same from a command line's words (`fedroute ctl drain imp-a`),
 * without FORMAT: json says it.  0, or -1 with what is wrong in err.
 */
int fr_ctl_parse_words(char *const *words, size_t n, bool json,
    struct fr_ctl_cmd *cmd, char *err, size_t errlen);

/* The request line for cmd, LF included, in buf.  Its length, or 0 when
 * it does not fit. */
size_t fr_ctl_request(const struct fr_ctl_cmd *cmd, char *buf, size_t len);

/* "status", "cache flush", ... */
const char *fr_ctl_verb_name(enum fr_ctl_verb verb);

/* Commands a master with workers hands to each worker (the edge lives
 * there); the master answers the others (status, reload) itself. */
bool fr_ctl_per_worker(enum fr_ctl_verb verb);

#endif /* FR_CTLPROTO_H */
