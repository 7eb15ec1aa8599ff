/*
 * ctlcmd.h -- the control commands, run in the process that holds the
 * edge (a lone fedrouted, or each worker): nodes, pools, listeners,
 * domains, cache, health, drain/enable, lookup, and status from what the
 * daemon tells of itself.  Answers are text aligned like the rest of
 * fedroute, or JSON ("version": 1; doc/control.md).
 *
 * Every command but lookup answers at once; lookup asks the daemon's
 * own routing (and so its cache and resolver) and answers when the
 * decision is made, bounded by the resolver's time-outs.
 */
#ifndef FR_CTLCMD_H
#define FR_CTLCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <ev.h>

#include "conf.h"
#include "ctlproto.h"
#include "edge.h"

/* What the daemon tells of itself for `status`. */
struct fr_ctl_process {
	unsigned worker;		/* 1 .. N; 0: the master or a lone
					   daemon */
	pid_t pid;
	double started;			/* wall clock */
	bool ready;
};

struct fr_ctl_status {
	const char *path;		/* the configuration file */
	double started;			/* wall clock, the daemon's start */
	double loaded;			/* the configuration in force */
	const char *last_reload;	/* NULL: none yet; "" it worked;
					   else why it failed */
	unsigned sessions;		/* a lone daemon's; 0 for a master */
	bool draining;
	const struct fr_ctl_process *workers;	/* none for a lone daemon */
	size_t nworkers;
	unsigned workers_configured;
};

/* The process's view: its loop, edge and configuration (both change
 * at a reload: the daemon keeps this up to date). */
struct fr_ctl_env {
	struct ev_loop *loop;
	struct fr_edge *edge;
	const struct fr_config *cfg;
};

/*
 * Called once with the answer: status 0 done or 1 refused, and the body
 * (len bytes, valid during the call only).
 */
typedef void fr_ctl_done_fn(void *arg, int status, const char *body,
    size_t len);

struct fr_ctl_job;

/*
 * Run cmd (not status or reload: the daemon answers those).  done is
 * called exactly once unless the job is cancelled, maybe before this
 * returns; the job handle is returned only while it is still running
 * (else NULL).
 */
struct fr_ctl_job *fr_ctl_exec(const struct fr_ctl_env *env,
    const struct fr_ctl_cmd *cmd, fr_ctl_done_fn *done, void *arg);

/* Drop a running job: done will not be called.  NULL is fine. */
void fr_ctl_job_cancel(struct fr_ctl_job *job);

/*
 * Write the answer to status into a buffer: *bodyp (malloc'd, the
 * caller frees it) and its length.  0, or -1 when memory ran out.
 */
int fr_ctl_status_answer(const struct fr_ctl_status *st, bool json,
    char **bodyp, size_t *lenp);

/* An answer that is just a message ("reloaded", or why not), in the
 * format asked.  As above. */
int fr_ctl_message_answer(bool json, const char *command, bool ok,
    const char *message, char **bodyp, size_t *lenp);

#endif /* FR_CTLCMD_H */
