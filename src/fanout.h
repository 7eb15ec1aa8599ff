/*
 * fanout.h -- control requests between the master and its workers.
 *
 * With workers: N > 1 each worker runs its own edge (its own nodes'
 * health, connections, resolver cache), and the master, which holds the
 * control socket, runs none.  The master hands a request that concerns
 * the edge to every worker over a SOCK_SEQPACKET pair per worker and
 * gathers their answers into one: each worker's answer under its
 * number, and the status "refused" if any worker refused.  A drain, an
 * enable, a cache flush or a health clear so reaches every worker.
 *
 * Wire (one message each way per request, and answers cut into
 * messages of at most FANOUT_CHUNK bytes):
 *   master -> worker   u32 sequence, then the request line
 *   worker -> master   u32 sequence, one byte 'm' (more follows) or the
 *                      status '0'/'1' (last), then answer bytes
 * An answer whose sequence is not the request in flight is dropped, so
 * a worker that answers after its time-out cannot answer the next one.
 */
#ifndef FR_FANOUT_H
#define FR_FANOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <ev.h>

#include "ctlcmd.h"

/* ---- the master's side ------------------------------------------------- */

struct fr_fanout;
struct fr_fanout_ask;

struct fr_fanout_answer {
	unsigned worker;		/* 1 .. N */
	pid_t pid;
	int status;			/* 0, 1; -1: no answer (why says) */
	const char *why;
	const char *body;
	size_t len;
};

/* Called once per ask with every worker's answer (in worker order). */
typedef void fr_fanout_done_fn(void *arg,
    const struct fr_fanout_answer *answers, size_t n);

/* NULL when memory ran out. */
struct fr_fanout *fr_fanout_create(struct ev_loop *loop, unsigned nworkers);
/* Asks still waiting are answered "stopping" first.  NULL is fine. */
void fr_fanout_delete(struct fr_fanout *f);
/* In a forked worker: free the master's state without answering. */
void fr_fanout_forget(struct fr_fanout *f);

/* slot (0 .. nworkers-1) now runs pid, reached at fd (the master's end,
 * owned by the caller); fd -1 when it is not running. */
void fr_fanout_worker(struct fr_fanout *f, unsigned slot, int fd, pid_t pid);

/*
 * Hand line (len bytes, no LF) to every running worker.  Asks are
 * served one at a time, in order; each is bounded by FANOUT_TIMEOUT.
 * NULL when memory ran out (no callback then).
 */
struct fr_fanout_ask *fr_fanout_ask(struct fr_fanout *f, const char *line,
    size_t len, fr_fanout_done_fn *done, void *arg);
/* The callback will not come.  NULL is fine. */
void fr_fanout_cancel(struct fr_fanout_ask *ask);

/*
 * The answers as one: text, each worker's under "worker N (pid P)", or
 * JSON {"version": 1, "workers": [{"worker", "pid", "status",
 * "answer"}]} with each worker's own JSON answer inside.  0 with
 * *bodyp (malloc'd) and *lenp, and *statusp 1 if any worker refused or
 * did not answer; -1 when memory ran out.
 */
int fr_fanout_compose(const struct fr_fanout_answer *answers, size_t n,
    bool json, char **bodyp, size_t *lenp, int *statusp);

/* ---- a worker's side --------------------------------------------------- */

struct fr_fanin;

/* Answer the master's requests on fd with ctlcmd over env (which the
 * worker keeps current).  NULL when memory ran out. */
struct fr_fanin *fr_fanin_start(struct ev_loop *loop, int fd,
    const struct fr_ctl_env *env);
/* NULL is fine; fd stays the caller's. */
void fr_fanin_stop(struct fr_fanin *in);

#endif /* FR_FANOUT_H */
