/*
 * confload.c -- the configuration read by a child process.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "confload.h"

struct fr_confload {
	struct ev_loop *loop;
	char *path;
	unsigned flags;
	fr_config_report_fn *report;
	fr_confload_child_fn *child_init;
	fr_confload_done_fn *done;
	void *arg;
	pid_t pid;
	int sock;
	ev_io io;
	ev_child child;
	ev_timer timer;
	bool got;		/* the socket said its last */
	bool exited;		/* the child is reaped */
	bool timed_out;
	unsigned timeout_ms;
	int status;		/* the child's wait status */
	struct fr_handoff h;
	char why[256];
};

/*
 * In the child: close every descriptor but stdio and keep.  The
 * parent's sockets must not outlive its close(): a relayed connection
 * it ends while the child reads would get its FIN only when the child
 * exits.
 */
static void
close_others(int keep)
{
	struct rlimit rl;
	int fd, max;

	/* syslog(3)'s socket goes too; it opens a new one when needed. */
	closelog();
	if ((keep <= 3 || close_range(3, (unsigned)keep - 1, 0) == 0) &&
	    close_range((unsigned)keep + 1, ~0u, 0) == 0)
		return;
	max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur <
	    (rlim_t)INT_MAX ? (int)rl.rlim_cur : 65536;
	for (fd = 3; fd < max; fd++)
		if (fd != keep)
			close(fd);
}

/* In the child: the first problem found, which goes back to the parent
 * as the reason when the file is refused (a service manager's STATUS=
 * shows it); every one is reported as it is found. */
static fr_config_report_fn *child_report;
static char first_problem[512];

static void
report_first(void *arg, const char *msg)
{
	if (first_problem[0] == '\0')
		snprintf(first_problem, sizeof(first_problem), "%s", msg);
	child_report(arg, msg);
}

/* In the child: read, check, print, pass on: the configuration's text
 * and exit 0, or the first problem and exit 1.  Never returns. */
static void __attribute__((noreturn))
child_main(const char *path, unsigned flags, fr_config_report_fn *report,
    fr_confload_child_fn *child_init, void *arg, int sock)
{
	struct fr_handoff h;
	struct fr_config *cfg;
	char err[256];
	sigset_t all;
	FILE *out;

	/* The parent's handlers and blocked signals are the loop's: a
	 * SIGTERM must end this child, whatever the loop had blocked. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	close_others(sock);
	if (child_init != NULL && child_init(arg) != 0)
		_exit(2);

	child_report = report;
	memset(&h, 0, sizeof(h));
	if ((cfg = fr_config_read(path, flags, report_first, NULL)) == NULL) {
		if (first_problem[0] != '\0') {
			h.text = first_problem;
			h.len = strlen(first_problem);
			(void)fr_handoff_send(sock, &h, err, sizeof(err));
		}
		_exit(1);
	}
	if ((out = open_memstream(&h.text, &h.len)) == NULL)
		_exit(2);
	fr_config_print(out, cfg);
	if (fclose(out) != 0)
		_exit(2);
	if (fr_handoff_send(sock, &h, err, sizeof(err)) != 0) {
		report(NULL, err);
		_exit(2);
	}
	_exit(0);
}

static void
finish(struct fr_confload *cl)
{
	struct fr_config *cfg = NULL;
	const char *why = cl->why;

	if (!cl->got || !cl->exited)
		return;
	ev_timer_stop(cl->loop, &cl->timer);
	if (cl->h.text != NULL && WIFEXITED(cl->status) &&
	    WEXITSTATUS(cl->status) == 0) {
		cfg = fr_config_read_text(cl->path, cl->h.text, cl->h.len,
		    cl->flags | FR_CONFIG_CHECKED, cl->report, NULL);
		if (cfg == NULL)
			why = "its printed form does not read back (a bug)";
	} else if (cl->timed_out) {
		snprintf(cl->why, sizeof(cl->why), "reading it took longer "
		    "than %u s; stopped", cl->timeout_ms / 1000);
	} else if (WIFSIGNALED(cl->status)) {
		snprintf(cl->why, sizeof(cl->why), "reading it was ended by "
		    "signal %d (%s)", WTERMSIG(cl->status),
		    strsignal(WTERMSIG(cl->status)));
	} else if (WEXITSTATUS(cl->status) == 1 && cl->h.text != NULL) {
		snprintf(cl->why, sizeof(cl->why), "%s", cl->h.text);
	} else if (cl->why[0] == '\0') {
		snprintf(cl->why, sizeof(cl->why), WEXITSTATUS(cl->status) ==
		    1 ? "the file has errors" : "reading it failed");
	}
	cl->done(cl->arg, cfg, &cl->h, cfg != NULL ? NULL : why);
	fr_handoff_clear(&cl->h);
	fr_confload_cancel(cl);
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_confload *cl = w->data;
	int rc;

	(void)revents;
	rc = fr_handoff_recv(cl->sock, &cl->h, cl->why, sizeof(cl->why));
	if (rc < 0 && errno == EAGAIN) {
		cl->why[0] = '\0';
		return;
	}
	if (rc <= 0)
		fr_handoff_clear(&cl->h);
	ev_io_stop(loop, w);
	cl->got = true;
	finish(cl);
}

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct fr_confload *cl = w->data;

	(void)revents;
	ev_child_stop(loop, w);
	cl->status = w->rstatus;
	cl->exited = true;
	cl->pid = -1;
	finish(cl);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_confload *cl = w->data;

	(void)loop;
	(void)revents;
	cl->timed_out = true;
	if (cl->pid > 0)
		kill(cl->pid, SIGKILL);
}

struct fr_confload *
fr_confload_start(struct ev_loop *loop, const char *path, unsigned flags,
    unsigned timeout_ms, fr_config_report_fn *report,
    fr_confload_child_fn *child_init, fr_confload_done_fn *done, void *arg,
    char *err, size_t errlen)
{
	struct fr_confload *cl;
	int sv[2];

	if ((cl = calloc(1, sizeof(*cl))) == NULL ||
	    (cl->path = strdup(path)) == NULL) {
		free(cl);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		free(cl->path);
		free(cl);
		return NULL;
	}
	fflush(NULL);
	if ((cl->pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		free(cl->path);
		free(cl);
		return NULL;
	}
	if (cl->pid == 0) {
		close(sv[0]);
		child_main(path, flags, report, child_init, arg, sv[1]);
	}
	close(sv[1]);
	cl->loop = loop;
	cl->flags = flags;
	cl->report = report;
	cl->done = done;
	cl->arg = arg;
	cl->timeout_ms = timeout_ms;
	cl->sock = sv[0];
	ev_io_init(&cl->io, io_cb, cl->sock, EV_READ);
	cl->io.data = cl;
	ev_io_start(loop, &cl->io);
	/* Started in the same loop iteration as the fork: libev reaps
	 * from the loop, so the child's exit cannot be missed. */
	ev_child_init(&cl->child, child_cb, cl->pid, 0);
	cl->child.data = cl;
	ev_child_start(loop, &cl->child);
	ev_timer_init(&cl->timer, timer_cb, timeout_ms / 1000., 0.);
	cl->timer.data = cl;
	ev_timer_start(loop, &cl->timer);
	return cl;
}

void
fr_confload_cancel(struct fr_confload *cl)
{
	if (cl == NULL)
		return;
	if (cl->pid > 0)
		kill(cl->pid, SIGKILL);	/* libev reaps it */
	fr_confload_forget(cl);
}

void
fr_confload_forget(struct fr_confload *cl)
{
	if (cl == NULL)
		return;
	ev_io_stop(cl->loop, &cl->io);
	ev_child_stop(cl->loop, &cl->child);
	ev_timer_stop(cl->loop, &cl->timer);
	close(cl->sock);
	fr_handoff_clear(&cl->h);
	free(cl->path);
	free(cl);
}
