/*
 * diag.h -- the findings of one lookup, as the tester reports them.
 *
 * A diagnosis gathers the resolver's findings (plan.h) and those of the
 * tester's own checks (DNS checks, connection probes), gives each a
 * stable id, a severity, a message in words and a one-line fix hint, and
 * derives the exit status they imply.
 *
 * The catalogue of the tester's ids lives in diag.c, in one table; every
 * id printed is either fr_finding_name() of the resolver's or
 * fr_check_name() of one below.  Ids are part of the output contract
 * (doc/lookup-contract.md): never rename one, only add.
 */
#ifndef FR_DIAG_H
#define FR_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

/* The tester's own finding ids. */
enum fr_check {
	FR_CHECK_LEGACY_SRV_LABEL,	/* _sip._tls and friends exist */
	FR_CHECK_NAPTR_EQUAL_PREFERENCE, /* transports tie in NAPTR order */
	FR_CHECK_TTL_LOW,		/* a published TTL below 60 s */
	FR_CHECK_DNS_TRUNCATED_UDP,	/* answer does not fit in UDP */
	FR_CHECK_ADDRESS_NOT_PUBLIC,	/* --public: private/loopback/... */
	FR_CHECK_RESOLVERS_DISAGREE,	/* split DNS between --resolvers */
	/* --connect */
	FR_CHECK_CONNECT_REFUSED,
	FR_CHECK_CONNECT_TIMEOUT,
	FR_CHECK_CONNECT_FAILED,	/* unreachable, ... */
	FR_CHECK_TLS_HANDSHAKE_FAILED,
	FR_CHECK_CERT_UNTRUSTED,
	FR_CHECK_CERT_EXPIRED,
	FR_CHECK_CERT_NOT_YET_VALID,
	FR_CHECK_CERT_EXPIRING,		/* within 30 days */
	FR_CHECK_CERT_NAME_MISMATCH,
	FR_CHECK_PLAIN_ON_TLS_PORT,	/* a TLS port answers in clear */
	FR_CHECK_TLS_ON_PLAIN_PORT,	/* ... and the other way round */
	FR_CHECK_SIP_OPTIONS_NO_ANSWER,
	FR_CHECK_SIP_OPTIONS_ERROR,	/* a 3xx-6xx final response */
	FR_CHECK_XMPP_STREAM_FAILED,
	FR_CHECK_XMPP_NO_STARTTLS,
	FR_CHECK_NO_TARGET_USABLE,	/* no address passed: no route */
	FR_CHECK_SELF_RECORD_MISSING,	/* --self: a record not published */
	FR_CHECK_CONNECT_DEADLINE,	/* --connect: --deadline cut a probe */
	FR_CHECK_COUNT
};

/* TTLs below this many seconds are reported (TTL_LOW). */
#define FR_TTL_LOW_LIMIT 60

struct fr_diag_finding {
	const char *id;			/* stable id; static storage */
	enum fr_severity severity;
	char *message;			/* owned */
	const char *hint;		/* one line; static storage */
	int target;			/* plan target index, or -1 */
	bool no_route;			/* an error that leaves no route */
};

struct fr_diag {
	struct fr_diag_finding *findings;
	size_t nfindings;
	bool incomplete;		/* a check could not run, or a
					 * finding was lost to malloc */
};

/* An empty diagnosis; fr_diag_clear() frees what was added. */
void fr_diag_init(struct fr_diag *d);
void fr_diag_clear(struct fr_diag *d);

/* Copy every finding of the plan, with its hint. */
void fr_diag_add_plan(struct fr_diag *d, const struct fr_plan *plan);

/*
 * Add a finding of the tester.  target is a plan target index or -1.
 * Running out of memory only loses the finding (and sets d->incomplete).
 */
void fr_diag_add(struct fr_diag *d, enum fr_check id, enum fr_severity sev,
    int target, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* True if a finding with this id is present (any severity). */
bool fr_diag_has(const struct fr_diag *d, enum fr_check id);

/* True if some finding has at least this severity. */
bool fr_diag_has_severity(const struct fr_diag *d, enum fr_severity sev);

/* Exit status for a usage error (sysexits.h EX_USAGE). */
#define FR_EXIT_USAGE 64

/*
 * Exit status of a lookup (doc/lookup-contract.md): the plan's status
 * when it has no route (2) or DNS failed (3); else 3 when the diagnosis
 * is incomplete; else 2 when a finding says no route remains (for
 * example no target answered), 1 when a finding is a warning or an
 * error, 0 otherwise.
 */
int fr_diag_exit_status(const struct fr_diag *d, const struct fr_plan *plan);

const char *fr_check_name(enum fr_check id);
const char *fr_check_hint(enum fr_check id);
/* Hint for one of the resolver's findings; a generic one if the table
 * has none (fr_finding_has_hint() tells). */
const char *fr_finding_hint(enum fr_finding_id id);
bool fr_finding_has_hint(enum fr_finding_id id);

#endif /* FR_DIAG_H */
