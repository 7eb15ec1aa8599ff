/*
 * tester.h -- one lookup of the resolver tester, end to end: the plan
 * the router would follow, the DNS checks on it, and every finding with
 * the exit status it implies.
 *
 * fr_lookup_run() does the work and fr_lookup_free() releases it; the
 * reports (report.h) only read a struct fr_lookup.
 */
#ifndef FR_TESTER_H
#define FR_TESTER_H

#include <stdbool.h>

#include <ev.h>

#include "connect.h"
#include "diag.h"
#include "dnscheck.h"
#include "plan.h"
#include "resdiff.h"
#include "resolver.h"

struct fr_tester_conf {
	struct fr_resolver_conf resolver;	/* upstream, timeout, seed */
	bool check_public;			/* --public */
	bool connect;				/* --connect ... */
	struct fr_connect_conf connect_conf;	/* ... with these */
};

struct fr_lookup {
	char *input;			/* the target, verbatim */
	struct fr_plan *plan;		/* NULL when the target was refused */
	char error[512];		/* why there is no plan, or what
					 * check could not run */
	bool usage;			/* ... the target is malformed */
	struct fr_dnscheck dns;
	struct fr_resdiff resolvers;	/* each --resolver alone, when
					 * there are several */
	struct fr_connect connect;	/* run when asked */
	struct fr_diag diag;
	int status;			/* exit status: 0, 1, 2, 3 or 64 */
	double ms;			/* wall time of the whole lookup */
};

/*
 * Run one lookup of query->input on a fresh resolver on loop.  Returns
 * NULL only when memory ran out; otherwise a lookup whose status says
 * how it went (64 with error set when the target is malformed, 3 with
 * error set when the resolver could not be created).
 */
struct fr_lookup *fr_lookup_run(struct ev_loop *loop,
    const struct fr_tester_conf *conf, const struct fr_query *query);
/* NULL is fine. */
void fr_lookup_free(struct fr_lookup *lk);

/*
 * The lookup as a one-line label: its input, after the profile when the
 * input does not say it ("ms-fed lync.example"), as --batch reads it.
 */
void fr_lookup_label(const struct fr_lookup *lk, char *buf, size_t len);

/* Work out lk->status again after findings were added. */
void fr_lookup_judge(struct fr_lookup *lk);

/*
 * The worse of two exit statuses, for a run of several lookups:
 * CRITICAL (2) before UNKNOWN (3) before WARNING (1) before OK (0).
 */
int fr_status_worse(int a, int b);

#endif /* FR_TESTER_H */
