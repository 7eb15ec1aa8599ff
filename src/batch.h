/*
 * batch.h -- read the targets of `fedroute lookup --batch FILE`.
 *
 * One target per line, as on the command line; an optional profile word
 * (sip, ms-fed, xmpp-s2s) may come first, so that one file can mix
 * Microsoft federation domains with SIP URIs:
 *
 *     # partners
 *     sip:partner.example
 *     ms-fed lync-partner.example
 *     xmpp:chat.example
 *
 * Blank lines and lines starting with '#' are skipped; leading and
 * trailing white space is ignored.  Every target is checked for syntax
 * here, so that a bad line stops the run before any lookup.
 */
#ifndef FR_BATCH_H
#define FR_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"
#include "selfcheck.h"

#define FR_BATCH_MAX_LINE 1024		/* longer lines are refused */
#define FR_BATCH_MAX_TARGETS 10000

struct fr_batch_entry {
	char *target;			/* owned */
	bool has_profile;
	enum fr_profile profile;
	unsigned line;			/* 0 for command-line targets */
	enum fr_self self;		/* a --self check, or FR_SELF_NONE */
};

struct fr_batch {
	struct fr_batch_entry *v;
	size_t n;
};

/*
 * Append the targets of path ("-" is standard input) to b.  Returns 0,
 * or -1 with "path:line: what" in err; entries read before the error
 * stay in b (free them with fr_batch_clear).
 */
int fr_batch_read(struct fr_batch *b, const char *path, char *err,
    size_t errlen);

/* Append one command-line target, checked like a line.  0 or -1. */
int fr_batch_add(struct fr_batch *b, const char *target, char *err,
    size_t errlen);

/* Append the lookup of one --self check of domain.  0 or -1. */
int fr_batch_add_self(struct fr_batch *b, enum fr_self kind,
    const char *domain, char *err, size_t errlen);

void fr_batch_clear(struct fr_batch *b);

#endif /* FR_BATCH_H */
