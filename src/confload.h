/*
 * confload.h -- read and check fedrouted.conf in a child process, so
 * the event loop (and every relay on it) runs on while the files are
 * parsed: a large zone file takes seconds to check.
 *
 * The child reads the file with fr_config_read() (as the unprivileged
 * user, like any reload), logs what is wrong with it, and on success
 * passes fr_config_print()'s text back (handoff.h).  The parent parses
 * that text on the loop with FR_CONFIG_CHECKED (microseconds: no file is
 * opened again), so what runs is exactly what the child checked.
 *
 * Why a child and not a thread: the parse touches no loop state either
 * way, but in a child (1) a parse that hangs (a FIFO, a device) or
 * crashes is killed or dies alone, and the daemon says so and runs on;
 * (2) whatever the parse allocated (ldns keeps some) goes with the
 * child; (3) nothing in conf.c, ldns or the logger has to be
 * thread-safe.  The cost is one fork and a copy of the text.
 */
#ifndef FR_CONFLOAD_H
#define FR_CONFLOAD_H

#include <ev.h>

#include "conf.h"
#include "handoff.h"

/* A child that takes longer than this is killed. */
#define FR_CONFLOAD_TIMEOUT_MS	(5 * 60 * 1000)

struct fr_confload;

/*
 * Called from the loop once: with the configuration (the caller's to
 * free) and its text (h, the caller's to clear), or with cfg NULL and
 * why: the first problem in the file ("FILE:LINE: ..."), or "reading
 * it was ended by signal ...", "... took longer than ...".
 */
typedef void fr_confload_done_fn(void *arg, struct fr_config *cfg,
    struct fr_handoff *h, const char *why);

/* Run first in the child (to drop privileges, say); not 0 ends it. */
typedef int fr_confload_child_fn(void *arg);

/*
 * Start reading path (flags as fr_config_read's; the child reports each
 * problem through report, which must be safe to call in a child; it
 * calls child_init(arg) first when not NULL).  NULL with the reason in
 * err when no child could be started.
 */
struct fr_confload *fr_confload_start(struct ev_loop *loop, const char *path,
    unsigned flags, unsigned timeout_ms, fr_config_report_fn *report,
    fr_confload_child_fn *child_init, fr_confload_done_fn *done, void *arg,
    char *err, size_t errlen);

/* Stop: the child is killed, done is not called.  NULL is fine. */
void fr_confload_cancel(struct fr_confload *cl);

/* In a process forked while cl ran: let go of it without touching the
 * child, which is the parent's.  NULL is fine. */
void fr_confload_forget(struct fr_confload *cl);

#endif /* FR_CONFLOAD_H */
