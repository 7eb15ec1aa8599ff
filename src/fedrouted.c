/*
 * fedrouted.c -- the edge daemon: read the configuration, bind, drop
 * privileges, run the edge on one libev loop.
 *
 * Signals: SIGHUP re-reads the configuration and switches to it, all
 * or nothing (a bad file changes nothing); SIGTERM or SIGINT stop
 * accepting and let live connections finish for at most drain-timeout;
 * a second one stops at once.
 *
 * fedrouted stays in the foreground (systemd, runit and s6 want it so)
 * and logs to stderr or syslog.
 *
 * With workers: N > 1 the process becomes a master that forks N
 * workers; each runs a whole edge with SO_REUSEPORT listeners, so the
 * kernel spreads new connections over them.  The master passes SIGHUP
 * and SIGTERM/SIGINT on and waits.  A worker that exits on its own is
 * a failure: the master stops the others and exits 1 for the service
 * manager to start the daemon again, as HAProxy's master-worker mode
 * does; it never forks a replacement (which would need root again,
 * and could not join the ports a reload bound as the unprivileged
 * user).
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ev.h>

#include "conf.h"
#include "edge.h"
#include "log.h"

#ifndef FR_CONF_FILE
#define FR_CONF_FILE "/usr/local/etc/fedrouted.conf"
#endif

/* Descriptors of a relayed connection: its two sockets.  Splice pipes
 * come on top only while bulk data flows, and when none can be had the
 * relay copies instead. */
#define FDS_PER_CONNECTION 2
#define FDS_SPARE 256

struct daemon {
	struct ev_loop *loop;
	const char *path;
	struct fr_config *cfg;
	struct fr_edge *edge;
	bool verbose;		/* -v: debug, whatever log-level says */
	bool stopping;
	ev_signal sighup, sigterm, sigint;
	/* workers > 1 */
	unsigned worker;	/* 1 .. N in a worker, 0 in the master */
	pid_t master;		/* in a worker */
	unsigned nworkers;	/* master: forked ... */
	unsigned nalive;	/* ... and still running */
	pid_t pids[FR_WORKERS_MAX];
	ev_child children[FR_WORKERS_MAX];
	int status;		/* master: exit status */
};

static void
usage(FILE *out)
{
	fprintf(out,
"usage: fedrouted [-n] [-v] [-c FILE]\n"
"  -c FILE  configuration (default %s)\n"
"  -n       check the configuration, say \"configuration OK\", and exit\n"
"  -v       log everything (log-level: debug)\n"
"  -V       print the version and exit\n", FR_CONF_FILE);
}

static void
report_stderr(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static void
report_log(void *arg, const char *msg)
{
	(void)arg;
	fr_log(LOG_ERR, "%s", msg);
}

static void
apply_logging(const struct daemon *d)
{
	fr_log_open("fedrouted", d->cfg->log, d->cfg->log_facility);
	fr_log_level = d->verbose ? LOG_DEBUG : d->cfg->log_level;
}

/* Enough descriptors for max-connections, as far as the hard limit
 * allows; say so when it does not. */
static void
raise_fd_limit(const struct fr_config *cfg)
{
	rlim_t want = (rlim_t)cfg->edge.set.max_connections *
	    FDS_PER_CONNECTION + FDS_SPARE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >
		    want ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < want)
		fr_log(LOG_WARNING, "only %llu file descriptors (ulimit -n): "
		    "max-connections %u may need up to %llu",
		    (unsigned long long)rl.rlim_cur,
		    cfg->edge.set.max_connections,
		    (unsigned long long)want);
}

static int
write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 ||
	    fclose(f) != 0) {
		fr_log(LOG_ERR, "pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Run as cfg->user from now on, with its groups (a key readable by a
 * group such as Debian's ssl-cert stays readable).  Only when started
 * as root; "" keeps root.
 */
static int
drop_privileges(const struct fr_config *cfg)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (cfg->user[0] == '\0') {
		fr_log(LOG_WARNING, "running as root (user: \"\")");
		return 0;
	}
	errno = 0;
	if ((pw = getpwnam(cfg->user)) == NULL) {
		fr_log(LOG_ERR, "user %s: %s", cfg->user, errno != 0 ?
		    strerror(errno) : "no such user (create it, or set user: "
		    "in server:)");
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		fr_log(LOG_ERR, "cannot become user %s: %s", cfg->user,
		    strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		fr_log(LOG_ERR, "could become root again after dropping "
		    "privileges; stopping");
		return -1;
	}
	fr_log(LOG_INFO, "running as user %s (uid %ld)", cfg->user,
	    (long)pw->pw_uid);
	return 0;
}

static void
summary(const struct daemon *d, const char *what)
{
	const struct fr_edge_conf *e = &d->cfg->edge;
	char who[32] = "";

	if (d->worker != 0)
		snprintf(who, sizeof(who), " (worker %u of %u)", d->worker,
		    d->cfg->workers);
	fr_log(LOG_NOTICE, "%s %s: %zu listeners, %zu nodes, %zu pools%s",
	    what, d->path, e->nlisteners, e->nnodes, e->npools, who);
}

static void
reload(struct daemon *d)
{
	struct fr_config *cfg;
	char err[1024];

	fr_log(LOG_NOTICE, "SIGHUP: reading %s", d->path);
	cfg = fr_config_read(d->path, FR_CONFIG_LOAD_TLS, report_log, NULL);
	if (cfg == NULL) {
		fr_log(LOG_ERR, "reload of %s failed: the file has errors; "
		    "still running the previous configuration", d->path);
		return;
	}
	cfg->edge.set.reuseport = d->cfg->workers > 1;
	if (fr_edge_reload(d->edge, &cfg->edge, err, sizeof(err)) != 0) {
		fr_log(LOG_ERR, "reload of %s failed: %s; still running the "
		    "previous configuration", d->path, err);
		fr_config_free(cfg);
		return;
	}
	if (strcmp(cfg->user, d->cfg->user) != 0)
		fr_log(LOG_WARNING, "user: takes effect at the next start");
	if (cfg->workers != d->cfg->workers)
		fr_log(LOG_WARNING, "workers: takes effect at the next start");
	if ((cfg->pidfile == NULL) != (d->cfg->pidfile == NULL) ||
	    (cfg->pidfile != NULL && strcmp(cfg->pidfile,
	    d->cfg->pidfile) != 0))
		fr_log(LOG_WARNING, "pidfile: takes effect at the next start");
	if (cfg->edge.set.max_connections > d->cfg->edge.set.max_connections)
		raise_fd_limit(cfg);
	fr_config_free(d->cfg);
	d->cfg = cfg;
	apply_logging(d);
	summary(d, "reloaded");
}

static void
drained(void *arg)
{
	struct daemon *d = arg;

	fr_log(LOG_NOTICE, "all connections closed; exiting");
	ev_break(d->loop, EVBREAK_ALL);
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (w->signum == SIGHUP) {
		if (!d->stopping)
			reload(d);
		return;
	}
	if (d->stopping) {
		fr_log(LOG_NOTICE, "%s again: stopping now",
		    strsignal(w->signum));
		ev_break(d->loop, EVBREAK_ALL);
		return;
	}
	d->stopping = true;
	fr_log(LOG_NOTICE, "%s: draining", strsignal(w->signum));
	fr_edge_drain(d->edge, drained, d);
}

typedef void signal_fn(struct ev_loop *, ev_signal *, int);

static void
watch_signals(struct daemon *d, signal_fn *cb)
{
	ev_signal_init(&d->sighup, cb, SIGHUP);
	ev_signal_init(&d->sigterm, cb, SIGTERM);
	ev_signal_init(&d->sigint, cb, SIGINT);
	d->sighup.data = d->sigterm.data = d->sigint.data = d;
	ev_signal_start(d->loop, &d->sighup);
	ev_signal_start(d->loop, &d->sigterm);
	ev_signal_start(d->loop, &d->sigint);
}

/* One edge on one loop: the whole daemon, or one worker of it. */
static int
run_edge(struct daemon *d)
{
	char err[1024];
	int status = 1;

	if ((d->loop = ev_default_loop(EVFLAG_AUTO)) == NULL) {
		fr_log(LOG_ERR, "cannot start the event loop");
		return 1;
	}
	/* Signals first: one that comes while the edge is being built
	 * waits for the loop instead of killing us. */
	watch_signals(d, signal_cb);
	d->cfg->edge.set.reuseport = d->cfg->workers > 1;
	if ((d->edge = fr_edge_create(d->loop, &d->cfg->edge, err,
	    sizeof(err))) == NULL) {
		fr_log(LOG_ERR, "%s", err);
		goto out;
	}
	if (d->worker == 0 && d->cfg->pidfile != NULL &&
	    write_pidfile(d->cfg->pidfile) != 0)
		goto out;
	if (drop_privileges(d->cfg) != 0)
		goto out;
	/* A master that dies, even by SIGKILL, takes its workers with it:
	 * they drain as on SIGTERM.  After the privilege drop, which
	 * clears this setting. */
	if (d->worker != 0 && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 ||
	    getppid() != d->master)) {
		fr_log(LOG_ERR, "the master is gone");
		goto out;
	}
	summary(d, "started with");
	ev_run(d->loop, 0);
	status = 0;
out:
	fr_edge_delete(d->edge);
	if (d->worker == 0 && d->cfg->pidfile != NULL && d->edge != NULL &&
	    unlink(d->cfg->pidfile) != 0 && errno != ENOENT)
		fr_log(LOG_WARNING, "pidfile %s: %s", d->cfg->pidfile,
		    strerror(errno));
	ev_loop_destroy(d->loop);
	return status;
}

static void
tell_workers(struct daemon *d, int signum)
{
	unsigned i;

	for (i = 0; i < d->nworkers; i++)
		if (d->pids[i] > 0)
			kill(d->pids[i], signum);
}

static void
master_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	struct fr_config *cfg;

	(void)loop;
	(void)revents;
	if (w->signum == SIGHUP) {
		if (d->stopping)
			return;
		/* Said once here rather than once per worker. */
		cfg = fr_config_read(d->path, FR_CONFIG_LOAD_TLS, report_log,
		    NULL);
		if (cfg == NULL) {
			fr_log(LOG_ERR, "reload of %s refused: the file has "
			    "errors; the workers run on as they are",
			    d->path);
			return;
		}
		if (cfg->workers != d->cfg->workers)
			fr_log(LOG_WARNING, "workers: takes effect at the next "
			    "start");
		fr_config_free(cfg);
		fr_log(LOG_NOTICE, "SIGHUP: passed on to %u workers",
		    d->nalive);
		tell_workers(d, SIGHUP);
		return;
	}
	if (!d->stopping)
		fr_log(LOG_NOTICE, "%s: passed on to %u workers",
		    strsignal(w->signum), d->nalive);
	d->stopping = true;
	tell_workers(d, w->signum);
}

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct daemon *d = w->data;
	unsigned i;

	(void)revents;
	ev_child_stop(loop, w);
	for (i = 0; i < d->nworkers; i++)
		if (d->pids[i] == w->rpid)
			d->pids[i] = 0;
	d->nalive--;
	if (!d->stopping || !WIFEXITED(w->rstatus) ||
	    WEXITSTATUS(w->rstatus) != 0) {
		if (WIFSIGNALED(w->rstatus))
			fr_log(LOG_ERR, "worker %d killed by signal %d (%s)",
			    w->rpid, WTERMSIG(w->rstatus),
			    strsignal(WTERMSIG(w->rstatus)));
		else
			fr_log(LOG_ERR, "worker %d exited with status %d",
			    w->rpid, WEXITSTATUS(w->rstatus));
		d->status = 1;
		if (!d->stopping) {
			fr_log(LOG_ERR, "stopping the other %u workers",
			    d->nalive);
			d->stopping = true;
			tell_workers(d, SIGTERM);
		}
	}
	if (d->nalive == 0)
		ev_break(loop, EVBREAK_ALL);
}

/* workers > 1: fork them, then pass signals on until they are gone. */
static int
run_master(struct daemon *d)
{
	pid_t pid, master;
	unsigned i;

	for (i = 0; i < d->cfg->workers; i++) {
		fflush(NULL);
		master = getpid();
		if ((pid = fork()) < 0) {
			fr_log(LOG_ERR, "fork: %s", strerror(errno));
			d->status = 1;
			break;
		}
		if (pid == 0) {
			int status;

			d->worker = i + 1;
			d->master = master;
			d->nworkers = 0;
			status = run_edge(d);
			fr_config_free(d->cfg);
			exit(status);
		}
		d->pids[d->nworkers++] = pid;
	}
	d->nalive = d->nworkers;
	if ((d->loop = ev_default_loop(EVFLAG_AUTO)) == NULL) {
		fr_log(LOG_ERR, "cannot start the event loop");
		tell_workers(d, SIGKILL);
		return 1;
	}
	watch_signals(d, master_signal_cb);
	for (i = 0; i < d->nworkers; i++) {
		ev_child_init(&d->children[i], child_cb, d->pids[i], 0);
		d->children[i].data = d;
		ev_child_start(d->loop, &d->children[i]);
	}
	if (d->status != 0) {
		d->stopping = true;
		tell_workers(d, SIGTERM);
	} else if ((d->cfg->pidfile != NULL &&
	    write_pidfile(d->cfg->pidfile) != 0) ||
	    drop_privileges(d->cfg) != 0) {
		/* The master needs no privilege: it forks no more. */
		d->status = 1;
		d->stopping = true;
		tell_workers(d, SIGTERM);
	} else {
		fr_log(LOG_NOTICE, "master: %u workers", d->nworkers);
	}
	if (d->nalive > 0)
		ev_run(d->loop, 0);
	if (d->cfg->pidfile != NULL && unlink(d->cfg->pidfile) != 0 &&
	    errno != ENOENT)
		fr_log(LOG_WARNING, "pidfile %s: %s", d->cfg->pidfile,
		    strerror(errno));
	ev_loop_destroy(d->loop);
	return d->status;
}

int
main(int argc, char **argv)
{
	struct daemon d;
	bool check_only = false;
	int c, status;

	memset(&d, 0, sizeof(d));
	d.path = FR_CONF_FILE;
	while ((c = getopt(argc, argv, "c:nvVh")) != -1) {
		switch (c) {
		case 'c':
			d.path = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 'v':
			d.verbose = true;
			break;
		case 'V':
			printf("fedrouted %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "fedrouted: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return 64;
	}

	d.cfg = fr_config_read(d.path, FR_CONFIG_LOAD_TLS, report_stderr,
	    NULL);
	if (check_only) {
		if (d.cfg != NULL)
			printf("%s: configuration OK\n", d.path);
		fr_config_free(d.cfg);
		return d.cfg != NULL ? 0 : 1;
	}
	if (d.cfg == NULL)
		return 1;
	apply_logging(&d);

	/* Writes to a peer that is gone must fail, not kill us (OpenSSL
	 * and splice(2) write without MSG_NOSIGNAL). */
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(d.cfg);
	status = d.cfg->workers > 1 ? run_master(&d) : run_edge(&d);
	fr_config_free(d.cfg);
	return status;
}
