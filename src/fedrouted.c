/*
 * fedrouted.c -- the edge daemon: read the configuration, bind, drop
 * privileges, run the edge on one libev loop.
 *
 * Signals: SIGHUP re-reads the configuration and switches to it, all
 * or nothing (a bad file changes nothing).  The file is read and
 * checked in a child process (confload.h), so relays run on while a
 * large zone file is checked; the switch itself happens on the loop.
 * SIGTERM or SIGINT stop
 * accepting and let live connections finish for at most drain-timeout;
 * a second one stops at once.
 *
 * fedrouted stays in the foreground (systemd, runit and s6 want it so)
 * and logs to stderr or syslog.  Under systemd (Type=notify) it says
 * READY=1 once the listeners are bound and every node's first health
 * check has given its verdict (with workers: once every worker has told
 * the master so over its configuration socket), RELOADING=1 and then
 * READY=1 with the outcome in STATUS= around a reload, and STOPPING=1
 * when it starts to drain (sdnotify.h).
 *
 * With workers: N > 1 the process becomes a master that forks N
 * workers; each runs a whole edge with SO_REUSEPORT listeners, so the
 * kernel spreads new connections over them.  The master alone reads the
 * configuration: on SIGHUP it reads the file once and hands the checked
 * text to every worker (handoff.h), so an edit made while they reload
 * can never leave them running different configurations.  It passes
 * SIGTERM/SIGINT on and waits.  All processes seal TLS session tickets
 * with one key, made by the master at start and replaced at each
 * reload (the previous key still opens tickets), so a client resumes
 * whichever worker it lands on.  Worker 1 checks the nodes; the others
 * follow its verdicts through a table the master maps before forking
 * (router/verdicts.h), so all agree on which nodes are up.  A worker that dies is replaced by a
 * fresh fork of the master running the master's latest configuration;
 * one that dies within RESTART_STABLE seconds of its start waits
 * longer each time (1 s, 2 s, 4 s ... RESTART_MAX), so a crash loop
 * does not spin.  For that the master keeps the privileges it was
 * started with: a replacement binds like the first workers did (the
 * kernel lets a socket join a SO_REUSEPORT group only as the user who
 * made the group) and then drops them.  The master itself reads no
 * file and takes no connection: its reader child drops privileges
 * before reading.  A listener that a reload added was bound by the
 * unprivileged workers, so a replacement cannot join it; it then fails
 * to start, says why, and is retried with the back-off until the
 * daemon is restarted.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "conf.h"
#include "confload.h"
#include "control.h"
#include "ctlanswer.h"
#include "ctlcmd.h"
#include "edge.h"
#include "edgeview.h"
#include "escape.h"
#include "fanout.h"
#include "handoff.h"
#include "httpd.h"
#include "log.h"
#include "sdnotify.h"
#include "tls.h"
#include "verdicts.h"

#ifndef FR_CONF_FILE
#define FR_CONF_FILE "/usr/local/etc/fedrouted.conf"
#endif

/* Descriptors of a relayed connection: its two sockets.  Splice pipes
 * come on top only while bulk data flows, and when none can be had the
 * relay copies instead. */
#define FDS_PER_CONNECTION 2
#define FDS_SPARE 256

/* A worker that lived this long was healthy: the next one starts at
 * once.  Quick deaths in a row wait 1 s, 2 s, 4 s ... up to
 * RESTART_MAX. */
#define RESTART_STABLE	10.
#define RESTART_MAX	60.

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
	ev_timer respawn[FR_WORKERS_MAX];
	ev_tstamp born[FR_WORKERS_MAX];
	unsigned fails[FR_WORKERS_MAX];	/* quick deaths in a row */
	int status;		/* master: exit status */
	int chan[FR_WORKERS_MAX];	/* master: its end of each worker's
					   configuration socket */
	int chan_fd;		/* worker: its end */
	ev_io chan_io;
	struct fr_confload *load;	/* a reload being read */
	bool load_again;	/* SIGHUP came while it was */
	unsigned char key[FR_TLS_TICKET_KEY_LEN];	/* session tickets */
	/* Readiness: a worker sends READY_MSG on its configuration socket
	 * once its edge is checked; the master, once all have, tells the
	 * service manager. */
	ev_io ready_io[FR_WORKERS_MAX];	/* master: reading each chan */
	bool ready[FR_WORKERS_MAX];
	bool told_ready;
	/* The control socket (control.h): in a lone daemon or the master.
	 * A master hands what concerns the edge to its workers over a
	 * second socket pair each (fanout.h). */
	struct fr_control *control;
	/* Sockets a reload moved away from, until their last clients are
	 * answered (freed at exit, or when more are retired). */
	struct fr_control *retired[4];
	unsigned nretired;
	struct fr_ctl_env env;		/* what commands see of this process */
	struct fr_fanout *fanout;	/* master */
	int ctl_chan[FR_WORKERS_MAX];	/* master: its end for each worker */
	int ctl_fd;			/* worker: its end */
	struct fr_fanin *fanin;		/* worker */
	/* Workers: node verdicts, checked by worker 1 and followed by the
	 * others (router/verdicts.h); mapped by the master. */
	struct fr_verdicts *verdicts;
	double started;			/* wall clock: this process */
	double loaded;			/* the configuration in force */
	char last_reload[512];		/* "" none yet, "ok", or why not */
	/* `fedroute ctl reload` requests waiting for the outcome. */
	struct fr_control_req *reload_waiters[16];
	bool reload_json[16];
	unsigned nreload_waiters;
	/* server: http: (lone daemon, or worker 1) */
	struct fr_httpd *httpd;
	struct fr_stats_board *board;	/* workers' counters, shared */
};

#define READY_MSG "ready"

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

/*
 * Write the pidfile.  Started as root, it is given to user:, so that the
 * daemon can still empty it once it runs as that user, when the
 * directory does not let it remove the file (remove_pidfile).
 */
static int
write_pidfile(const char *path, const struct fr_config *cfg)
{
	FILE *f = fopen(path, "w");
	struct passwd *pw;

	if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 ||
	    fclose(f) != 0) {
		fr_log(LOG_ERR, "pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	if (geteuid() == 0 && cfg->user[0] != '\0' &&
	    (pw = getpwnam(cfg->user)) != NULL &&
	    chown(path, pw->pw_uid, pw->pw_gid) != 0)
		fr_log(LOG_WARNING, "pidfile %s: %s", path, strerror(errno));
	return 0;
}

/* After the privilege drop: say now if the pidfile cannot be removed
 * at exit, and where it should go instead. */
static void
check_pidfile_dir(const char *path, const struct fr_config *cfg)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
		    (int)(slash - path), path);
	if (access(dir, W_OK | X_OK) != 0)
		fr_log(LOG_WARNING, "pidfile %s: %s is not writable by user "
		    "%s, so the file is only emptied at exit, not removed; give "
		    "the daemon a directory of its own (under systemd no "
		    "pidfile is needed)", path, dir, cfg->user);
}

/* Remove the pidfile; where the directory does not allow it (the daemon
 * dropped its privileges), empty it, so that no stale number is left. */
static void
remove_pidfile(const char *path)
{
	int fd;

	if (unlink(path) == 0 || errno == ENOENT)
		return;
	if ((errno == EACCES || errno == EPERM) &&
	    (fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)) >= 0) {
		close(fd);
		fr_log(LOG_INFO, "pidfile %s emptied (this user may not remove "
		    "it)", path);
		return;
	}
	fr_log(LOG_WARNING, "pidfile %s: %s", path, strerror(errno));
}

/*
 * Run as cfg->user from now on, with its groups (a key readable by a
 * group such as Debian's ssl-cert stays readable).  Only when started
 * as root; "" keeps root.
 */
static int
drop_privileges(const struct fr_config *cfg, bool quiet)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (cfg->user[0] == '\0') {
		if (!quiet)
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
	if (!quiet)
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

/* Settings of the daemon itself that a reload cannot change. */
static void
next_start_warnings(const struct fr_config *old, const struct fr_config *cfg)
{
	if (cfg->workers != old->workers)
		fr_log(LOG_WARNING, "workers: takes effect at the next start "
		    "(running %u, the file says %u)", old->workers,
		    cfg->workers);
	if (strcmp(cfg->user, old->user) != 0)
		fr_log(LOG_WARNING, "user: takes effect at the next start");
	if ((cfg->pidfile == NULL) != (old->pidfile == NULL) ||
	    (cfg->pidfile != NULL && strcmp(cfg->pidfile,
	    old->pidfile) != 0))
		fr_log(LOG_WARNING, "pidfile: takes effect at the next start");
}

/* What only a start sets stays as it was started: cfg takes old's
 * workers, user and pidfile (the one to remove at exit). */
static void
keep_start_settings(struct fr_config *old, struct fr_config *cfg)
{
	char *t;

	cfg->workers = old->workers;
	t = cfg->user;
	cfg->user = old->user;
	old->user = t;
	t = cfg->pidfile;
	cfg->pidfile = old->pidfile;
	old->pidfile = t;
}

/*
 * server: http: after a start or a reload: serve on the configured
 * address (binding a new one when it changed), with the running
 * configuration.  A lone daemon or worker 1 only.  At start a failure
 * stops a lone daemon (-1), as a listener's does; a worker logs it and
 * runs on without (a replacement must not crash-loop on it).  At a
 * reload the previous server, if any, runs on and a warning says why.
 */
static int
http_apply(struct daemon *d, bool starting)
{
	struct fr_status_info info;
	struct fr_httpd *h = NULL;
	char err[256], addr[FR_ADDRSTRLEN];

	if (d->worker > 1)
		return 0;
	memset(&info, 0, sizeof(info));
	info.path = d->path;
	info.cfg = d->cfg;
	info.started = (time_t)d->started;
	info.loaded = (time_t)d->loaded;
	info.worker = d->worker;
	info.nworkers = d->worker != 0 ? d->cfg->workers : 1;
	if (d->httpd != NULL && d->cfg->http.len != 0 &&
	    fr_addr_equal(fr_httpd_addr(d->httpd), &d->cfg->http)) {
		fr_httpd_set_info(d->httpd, &info);
		return 0;
	}
	if (d->cfg->http.len != 0 && (h = fr_httpd_create(d->loop,
	    &d->cfg->http, d->edge, &info, err, sizeof(err))) == NULL) {
		if (starting) {
			fr_log(LOG_ERR, "%s", err);
			return d->worker == 0 ? -1 : 0;
		}
		if (d->httpd != NULL) {
			fr_log(LOG_WARNING, "%s; still serving on %s", err,
			    fr_addr_str(fr_httpd_addr(d->httpd), addr,
			    sizeof(addr)));
			fr_httpd_set_info(d->httpd, &info);
		} else {
			fr_log(LOG_WARNING, "%s", err);
		}
		return 0;
	}
	if (h != NULL) {
		fr_log(LOG_NOTICE, "http: /metrics and the status page on %s",
		    fr_addr_str(&d->cfg->http, addr, sizeof(addr)));
		if (d->worker != 0)
			fr_log(LOG_NOTICE, "http: served by worker 1: counters "
			    "summed over the %u workers, node state as worker 1 "
			    "sees it", d->cfg->workers);
	} else if (d->httpd != NULL) {
		fr_log(LOG_NOTICE, "http: stopped (no http: any more)");
	}
	fr_httpd_delete(d->httpd);
	d->httpd = h;
	return 0;
}

/* A fresh session-ticket key for this process (and, from the master,
 * for its workers); the previous one still opens tickets. */
static void
rotate_ticket_key(struct daemon *d)
{
	if (fr_tls_ticket_key_new(d->key) != 0) {
		fr_log(LOG_WARNING, "cannot make a new TLS session-ticket "
		    "key; keeping the current one");
		return;
	}
	fr_tls_ticket_key_use(d->key);
}

static void control_follow(struct daemon *d, const struct fr_config *old,
    const struct fr_config *cfg);

/* Switch the edge to cfg (taken), all or nothing.  0, or -1 with the
 * reason logged and in why. */
static int
apply_config(struct daemon *d, struct fr_config *cfg, char *why,
    size_t whylen)
{
	char err[1024];

	cfg->edge.set.reuseport = d->cfg->workers > 1;
	cfg->edge.set.workers = d->cfg->workers;
	cfg->edge.set.verdicts = d->verdicts;
	cfg->edge.set.follow = d->worker > 1;
	if (fr_edge_reload(d->edge, &cfg->edge, err, sizeof(err)) != 0) {
		fr_log(LOG_ERR, "reload of %s failed: %s; still running the "
		    "previous configuration", d->path, err);
		snprintf(why, whylen, "%s", err);
		fr_config_free(cfg);
		return -1;
	}
	if (cfg->edge.set.max_connections > d->cfg->edge.set.max_connections)
		raise_fd_limit(cfg);
	keep_start_settings(d->cfg, cfg);
	control_follow(d, d->cfg, cfg);
	fr_config_free(d->cfg);
	d->cfg = cfg;
	d->env.cfg = cfg;
	d->loaded = ev_time();
	apply_logging(d);
	summary(d, "reloaded");
	(void)http_apply(d, false);
	return 0;
}

/* Answer the `ctl reload` requests waiting for this outcome. */
static void
answer_reload_waiters(struct daemon *d, const char *failure)
{
	char msg[1200], *body;
	size_t len;
	unsigned i;

	if (failure != NULL)
		snprintf(msg, sizeof(msg), "reload of %s failed: %s; running "
		    "the previous configuration", d->path, failure);
	else if (d->nworkers > 0)
		snprintf(msg, sizeof(msg), "%s read and checked, and passed "
		    "to %u workers", d->path, d->nalive);
	else
		snprintf(msg, sizeof(msg), "reloaded %s", d->path);
	for (i = 0; i < d->nreload_waiters; i++) {
		if (fr_ctl_message_answer(d->reload_json[i], "reload",
		    failure == NULL, msg, &body, &len) != 0)
			fr_control_answer(d->reload_waiters[i], 1,
			    "out of memory\n", 14);
		else {
			fr_control_answer(d->reload_waiters[i], failure != NULL,
			    body, len);
			free(body);
		}
	}
	d->nreload_waiters = 0;
}

/* The service manager's view after a reload, whatever its outcome (and
 * the control socket's, and `ctl status`'s). */
static void
notify_reloaded(struct daemon *d, const char *failure)
{
	char safe[1024];
	int rc;

	snprintf(d->last_reload, sizeof(d->last_reload), "%s",
	    failure != NULL ? failure : "ok");
	answer_reload_waiters(d, failure);
	/* One line: a newline in the reason would start another
	 * NAME=value assignment. */
	if (failure != NULL)
		rc = fr_sd_notify("READY=1\nSTATUS=reload of %s failed: %s; "
		    "running the previous configuration", d->path,
		    fr_escape_str(safe, sizeof(safe), failure));
	else
		rc = fr_sd_notify("READY=1\nSTATUS=running %s (reloaded)",
		    d->path);
	if (rc != 0)
		fr_log(LOG_WARNING, "NOTIFY_SOCKET: %s", strerror(errno));
}

static void start_reload(struct daemon *d);

/* confload's answer, in the master or a lone daemon. */
static void
reload_read(void *arg, struct fr_config *cfg, struct fr_handoff *h,
    const char *why)
{
	struct daemon *d = arg;
	char err[256], failure[1024];
	unsigned i, n = 0;

	d->load = NULL;
	if (cfg == NULL) {
		fr_log(LOG_ERR, "reload of %s failed: %s; %s", d->path, why,
		    d->worker == 0 && d->nworkers > 0 ? "the workers run on "
		    "as they are" : "still running the previous "
		    "configuration");
		notify_reloaded(d, why);
		goto again;
	}
	next_start_warnings(d->cfg, cfg);
	rotate_ticket_key(d);
	if (d->nworkers == 0) {
		notify_reloaded(d, apply_config(d, cfg, failure,
		    sizeof(failure)) == 0 ? NULL : failure);
		goto again;
	}
	/* The master: the same text and key to every worker. */
	h->has_key = true;
	memcpy(h->key, d->key, sizeof(h->key));
	for (i = 0; i < d->nworkers; i++) {
		if (d->pids[i] <= 0)
			continue;
		if (fr_handoff_send(d->chan[i], h, err, sizeof(err)) != 0)
			fr_log(LOG_ERR, "worker %ld: %s", (long)d->pids[i],
			    err);
		else
			n++;
	}
	fr_log(LOG_NOTICE, "SIGHUP: passed on to %u workers", n);
	keep_start_settings(d->cfg, cfg);
	control_follow(d, d->cfg, cfg);
	fr_config_free(d->cfg);
	d->cfg = cfg;
	d->env.cfg = cfg;
	d->loaded = ev_time();
	apply_logging(d);
	/* Each worker switches on its own and logs the outcome. */
	notify_reloaded(d, NULL);
again:
	if (d->load_again && !d->stopping) {
		d->load_again = false;
		start_reload(d);
	}
}

/* In the reader child: files are read as the unprivileged user. */
static int
reader_init(void *arg)
{
	struct daemon *d = arg;

	return drop_privileges(d->cfg, true);
}

/* SIGHUP: read the file in a child; reload_read() takes it from there. */
static void
start_reload(struct daemon *d)
{
	char err[256];

	if (d->load != NULL) {
		fr_log(LOG_NOTICE, "SIGHUP: %s is being read; reading it again "
		    "once that is done", d->path);
		d->load_again = true;
		return;
	}
	fr_log(LOG_NOTICE, "SIGHUP: reading %s", d->path);
	if (fr_sd_notify_reloading() != 0)
		fr_log(LOG_WARNING, "NOTIFY_SOCKET: %s", strerror(errno));
	d->load = fr_confload_start(d->loop, d->path, FR_CONFIG_LOAD_TLS,
	    FR_CONFLOAD_TIMEOUT_MS, report_log, reader_init, reload_read, d,
	    err, sizeof(err));
	if (d->load == NULL) {
		fr_log(LOG_ERR, "reload of %s failed: %s; still running the "
		    "previous configuration", d->path, err);
		notify_reloaded(d, err);
	}
}

/* A worker: the master has sent a configuration. */
static void
chan_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;
	struct fr_handoff h;
	struct fr_config *cfg;
	char err[256];
	int rc;

	(void)revents;
	rc = fr_handoff_recv(d->chan_fd, &h, err, sizeof(err));
	if (rc < 0 && errno == EAGAIN)
		return;
	if (rc < 0) {
		/* That message is consumed; the next may be fine. */
		fr_log(LOG_ERR, "configuration from the master: %s; still "
		    "running the previous configuration", err);
		return;
	}
	if (rc == 0) {
		/* The master is gone (it takes us with it: PDEATHSIG):
		 * nothing more will come. */
		ev_io_stop(loop, w);
		return;
	}
	if (h.has_key)
		fr_tls_ticket_key_use(h.key);
	if (d->stopping) {
		fr_handoff_clear(&h);
		return;
	}
	cfg = fr_config_read_text(d->path, h.text, h.len,
	    FR_CONFIG_LOAD_TLS | FR_CONFIG_CHECKED, report_log, NULL);
	fr_handoff_clear(&h);
	if (cfg == NULL)
		fr_log(LOG_ERR, "reload of %s failed: the configuration from "
		    "the master does not read; still running the previous "
		    "configuration", d->path);
	else
		(void)apply_config(d, cfg, err, sizeof(err));
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
		if (d->stopping)
			return;
		if (d->worker != 0)
			fr_log(LOG_NOTICE, "SIGHUP to a worker: ignored; the "
			    "master (pid %ld) reloads the workers",
			    (long)d->master);
		else
			start_reload(d);
		return;
	}
	if (d->stopping) {
		fr_log(LOG_NOTICE, "%s again: stopping now",
		    strsignal(w->signum));
		ev_break(d->loop, EVBREAK_ALL);
		return;
	}
	d->stopping = true;
	fr_confload_cancel(d->load);
	d->load = NULL;
	fr_log(LOG_NOTICE, "%s: draining", strsignal(w->signum));
	if (d->worker == 0)
		(void)fr_sd_notify("STOPPING=1");
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

/* ---- the control socket ------------------------------------------------ */

static void
answer_body(struct fr_control_req *req, int status, char *body, size_t len)
{
	if (body == NULL) {
		fr_control_answer(req, 1, "out of memory\n", 14);
		return;
	}
	fr_control_answer(req, status, body, len);
	free(body);
}

static void
answer_message(struct fr_control_req *req, bool json, const char *command,
    const char *msg)
{
	char *body = NULL;
	size_t len = 0;

	(void)fr_ctl_message_answer(json, command, false, msg, &body, &len);
	answer_body(req, 1, body, len);
}

static void
answer_status(struct daemon *d, struct fr_control_req *req, bool json)
{
	struct fr_ctl_process w[FR_WORKERS_MAX];
	struct fr_ctl_status st;
	char *body = NULL;
	size_t len = 0;
	unsigned i;

	memset(&st, 0, sizeof(st));
	st.path = d->path;
	st.started = d->started;
	st.loaded = d->loaded;
	st.last_reload = d->last_reload[0] == '\0' ? NULL :
	    strcmp(d->last_reload, "ok") == 0 ? "" : d->last_reload;
	st.draining = d->stopping;
	st.workers_configured = d->cfg->workers;
	if (d->nworkers == 0) {
		st.sessions = d->edge != NULL ? fr_edge_sessions(d->edge) : 0;
	} else {
		for (i = 0; i < d->nworkers; i++) {
			if (d->pids[i] <= 0)
				continue;
			w[st.nworkers].worker = i + 1;
			w[st.nworkers].pid = d->pids[i];
			/* born is monotonic-free ev_time(): wall clock */
			w[st.nworkers].started = d->born[i];
			w[st.nworkers].ready = d->ready[i];
			st.nworkers++;
		}
		st.workers = w;
	}
	(void)fr_ctl_status_answer(&st, json, &body, &len);
	answer_body(req, 0, body, len);
}

static void
job_cancel(void *arg)
{
	fr_ctl_job_cancel(arg);
}

static void
job_done(void *arg, int status, const char *body, size_t len)
{
	fr_control_answer(arg, status, body, len);
}

/* The workers' answers to a request, as one (fanout.h). */
struct fanned {
	struct fr_control_req *req;
	struct fr_fanout_ask *ask;
	struct fr_ctl_cmd cmd;
};

static void
fanned_cancel(void *arg)
{
	struct fanned *fa = arg;

	fr_fanout_cancel(fa->ask);
	free(fa);
}

/*
 * Every worker answered (or could not): lookup takes the first
 * worker's answer as it is (one decision, in the format asked); the
 * others came as JSON and are merged into one answer (ctlanswer.h),
 * then written in the format asked.
 */
static void
fanned_done(void *arg, const struct fr_fanout_answer *answers, size_t n)
{
	struct fanned *fa = arg;
	json_t *parsed[FR_WORKERS_MAX], *merged;
	char *body = NULL, why[256];
	size_t i, len = 0, got = 0;
	bool ok;

	for (i = 0; i < n; i++) {
		if (answers[i].status < 0) {
			snprintf(why, sizeof(why), "worker %u (pid %ld): %s",
			    answers[i].worker, (long)answers[i].pid,
			    answers[i].why);
			answer_message(fa->req, fa->cmd.json,
			    fr_ctl_verb_name(fa->cmd.verb), why);
			goto out;
		}
	}
	if (fa->cmd.verb == FR_CTL_LOOKUP && n > 0) {
		fr_control_answer(fa->req, answers[0].status, answers[0].body,
		    answers[0].len);
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_error_t jerr;

		if ((parsed[got] = json_loadb(answers[i].body, answers[i].len,
		    0, &jerr)) == NULL) {
			snprintf(why, sizeof(why), "worker %u: its answer does "
			    "not read: %s", answers[i].worker, jerr.text);
			break;
		}
		got++;
	}
	merged = got == n ? fr_ctl_merge(fa->cmd.verb, parsed, n, &ok, why,
	    sizeof(why)) : NULL;
	if (merged == NULL)
		answer_message(fa->req, fa->cmd.json,
		    fr_ctl_verb_name(fa->cmd.verb), why);
	else if (fr_ctl_render(fa->cmd.verb, merged, fa->cmd.json, ev_time(),
	    &body, &len) != 0)
		answer_body(fa->req, 1, NULL, 0);
	else
		answer_body(fa->req, ok ? 0 : 1, body, len);
	json_decref(merged);
	for (i = 0; i < got; i++)
		json_decref(parsed[i]);
out:
	free(fa);
}

static void
control_request(void *arg, struct fr_control_req *req, const char *line,
    size_t len)
{
	struct daemon *d = arg;
	struct fr_ctl_cmd cmd;
	struct fr_ctl_job *job;
	struct fanned *fa;
	char err[300];

	if (fr_ctl_parse(line, len, &cmd, err, sizeof(err)) != 0) {
		fr_log(LOG_NOTICE, "control: request refused: %s", err);
		answer_message(req, false, "?", err);
		return;
	}
	fr_log(LOG_INFO, "control: %s%s%s", fr_ctl_verb_name(cmd.verb),
	    cmd.has_arg ? " " : "", cmd.has_arg ? cmd.arg : "");
	if (cmd.verb == FR_CTL_STATUS) {
		answer_status(d, req, cmd.json);
		return;
	}
	if (cmd.verb == FR_CTL_RELOAD) {
		if (d->stopping)
			answer_message(req, cmd.json, "reload", "the daemon is "
			    "stopping");
		else if (d->load != NULL)
			answer_message(req, cmd.json, "reload", "a reload is "
			    "already running; ask again once it is done");
		else if (d->nreload_waiters == sizeof(d->reload_waiters) /
		    sizeof(d->reload_waiters[0]))
			answer_message(req, cmd.json, "reload", "too many "
			    "reload requests waiting");
		else {
			d->reload_json[d->nreload_waiters] = cmd.json;
			d->reload_waiters[d->nreload_waiters++] = req;
			start_reload(d);
		}
		return;
	}
	if (d->fanout != NULL && fr_ctl_per_worker(cmd.verb)) {
		struct fr_ctl_cmd asked = cmd;
		char req_line[FR_CTL_LINE_MAX + 1];
		size_t req_len;

		if ((fa = calloc(1, sizeof(*fa))) == NULL) {
			answer_message(req, cmd.json, fr_ctl_verb_name(cmd.verb),
			    "out of memory");
			return;
		}
		fa->req = req;
		fa->cmd = cmd;
		/* Workers answer in JSON, to be merged; a lookup in the
		 * format asked, passed on as it is. */
		asked.json = cmd.verb == FR_CTL_LOOKUP ? cmd.json : true;
		req_len = fr_ctl_request(&asked, req_line, sizeof(req_line));
		if (req_len == 0 || (fa->ask = fr_fanout_ask(d->fanout,
		    req_line, req_len - 1, fanned_done, fa)) == NULL) {
			free(fa);
			answer_message(req, cmd.json, fr_ctl_verb_name(cmd.verb),
			    "out of memory");
			return;
		}
		fr_control_on_cancel(req, fanned_cancel, fa);
		return;
	}
	if ((job = fr_ctl_exec(&d->env, &cmd, job_done, req)) != NULL)
		fr_control_on_cancel(req, job_cancel, job);
}

/* A waiter of a reload is gone with the socket. */
static void
forget_reload_waiters(struct daemon *d)
{
	d->nreload_waiters = 0;
}

/* The owner (while root: the daemon's user) and the group
 * (control-group) of the control socket.  0, or -1 with err set. */
static int
control_owner(const struct fr_config *cfg, uid_t *uid, gid_t *gid,
    char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (geteuid() == 0 && cfg->user[0] != '\0' &&
	    (pw = getpwnam(cfg->user)) != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	if (cfg->control_group[0] != '\0') {
		if ((gr = getgrnam(cfg->control_group)) == NULL) {
			snprintf(err, errlen, "control-group %s: no such group",
			    cfg->control_group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

/* The control socket cfg asks for; NULL with err set. */
static struct fr_control *
make_control(struct daemon *d, const struct fr_config *cfg, char *err,
    size_t errlen)
{
	uid_t uid;
	gid_t gid;

	if (control_owner(cfg, &uid, &gid, err, errlen) != 0)
		return NULL;
	return fr_control_open(d->loop, cfg->control, cfg->control_mode, uid,
	    gid, control_request, d, err, errlen);
}

/* Open the control socket, owned by the user the daemon runs as (and
 * control-group), before privileges are dropped.  0 or -1 (logged). */
static int
open_control(struct daemon *d)
{
	char err[512];

	if (d->cfg->control == NULL)
		return 0;
	if ((d->control = make_control(d, d->cfg, err, sizeof(err))) == NULL) {
		fr_log(LOG_ERR, "%s", err);
		return -1;
	}
	fr_log(LOG_INFO, "control socket %s (mode %04o)", d->cfg->control,
	    d->cfg->control_mode);
	return 0;
}

static bool
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * A reload changed control, control-mode or control-group: follow it.
 * A new path gets a new socket first, and the old one is retired only
 * once that exists (its clients, a `reload` among them, still get their
 * answers); new permissions on the same path are set in place.  A
 * failure is logged and leaves the socket as it was: after the
 * privilege drop the daemon can only make sockets in a directory its
 * user may write.  Only where the socket lives (a lone daemon, the
 * master).
 */
static void
control_follow(struct daemon *d, const struct fr_config *old,
    const struct fr_config *cfg)
{
	struct fr_control *c = NULL;
	char err[512];
	uid_t uid;
	gid_t gid;

	if (d->worker != 0 || (same_str(old->control, cfg->control) &&
	    old->control_mode == cfg->control_mode &&
	    same_str(old->control_group, cfg->control_group)))
		return;
	if (cfg->control == NULL) {
		fr_log(LOG_NOTICE, "control socket %s closed (no control: any "
		    "more)", old->control);
		goto retire;
	}
	if (d->control != NULL && same_str(old->control, cfg->control)) {
		if (control_owner(cfg, &uid, &gid, err, sizeof(err)) != 0) {
			fr_log(LOG_WARNING, "control socket %s: %s; its "
			    "permissions stay as they were", cfg->control, err);
			return;
		}
		if (chmod(cfg->control, (mode_t)cfg->control_mode) != 0 ||
		    (gid != (gid_t)-1 && chown(cfg->control, (uid_t)-1,
		    gid) != 0)) {
			fr_log(LOG_WARNING, "control socket %s: %s; its "
			    "permissions stay as they were", cfg->control,
			    strerror(errno));
			return;
		}
		fr_log(LOG_NOTICE, "control socket %s: mode %04o%s%s",
		    cfg->control, cfg->control_mode, cfg->control_group[0] ?
		    ", group " : "", cfg->control_group);
		return;
	}
	if ((c = make_control(d, cfg, err, sizeof(err))) == NULL) {
		if (d->control != NULL)
			fr_log(LOG_WARNING, "%s; still listening on %s", err,
			    old->control);
		else
			fr_log(LOG_WARNING, "%s", err);
		return;
	}
	fr_log(LOG_NOTICE, "control socket %s (mode %04o)%s%s", cfg->control,
	    cfg->control_mode, d->control != NULL ? " instead of " : "",
	    d->control != NULL ? old->control : "");
retire:
	if (d->control != NULL) {
		if (d->nretired == sizeof(d->retired) / sizeof(d->retired[0])) {
			fr_control_close(d->retired[0]);
			memmove(d->retired, d->retired + 1,
			    (d->nretired - 1) * sizeof(d->retired[0]));
			d->nretired--;
		}
		fr_control_retire(d->control);
		d->retired[d->nretired++] = d->control;
	}
	d->control = cfg->control != NULL ? c : NULL;
}

/* At exit: the retired sockets' last clients go too. */
static void
close_retired(struct daemon *d)
{
	while (d->nretired > 0)
		fr_control_close(d->retired[--d->nretired]);
}

/* Every node has had its first check: a lone daemon is ready, a worker
 * tells the master. */
static void
edge_checked(void *arg)
{
	struct daemon *d = arg;

	if (d->worker != 0) {
		if (send(d->chan_fd, READY_MSG, sizeof(READY_MSG) - 1,
		    MSG_NOSIGNAL) < 0)
			fr_log(LOG_WARNING, "telling the master this worker "
			    "is ready: %s", strerror(errno));
		return;
	}
	fr_log(LOG_INFO, "ready: listeners bound, nodes checked");
	if (fr_sd_notify("READY=1\nSTATUS=running %s", d->path) != 0)
		fr_log(LOG_WARNING, "NOTIFY_SOCKET: %s", strerror(errno));
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
	d->cfg->edge.set.workers = d->cfg->workers;
	d->cfg->edge.set.verdicts = d->verdicts;
	d->cfg->edge.set.follow = d->worker > 1;
	if ((d->edge = fr_edge_create(d->loop, &d->cfg->edge, err,
	    sizeof(err))) == NULL) {
		fr_log(LOG_ERR, "%s", err);
		goto out;
	}
	if (d->board != NULL && fr_edge_share_stats(d->edge, d->board,
	    d->worker - 1) != 0)
		fr_log(LOG_WARNING, "out of memory: this worker's counters are "
		    "not in the sum on /metrics");
	if (http_apply(d, true) != 0)
		goto out;
	if (d->worker == 0 && d->cfg->pidfile != NULL &&
	    write_pidfile(d->cfg->pidfile, d->cfg) != 0)
		goto out;
	d->env.loop = d->loop;
	d->env.edge = d->edge;
	d->env.cfg = d->cfg;
	if (d->worker == 0 && open_control(d) != 0)
		goto out;
	if (drop_privileges(d->cfg, false) != 0)
		goto out;
	if (d->worker == 0 && d->cfg->pidfile != NULL)
		check_pidfile_dir(d->cfg->pidfile, d->cfg);
	/* A master that dies, even by SIGKILL, takes its workers with it:
	 * they drain as on SIGTERM.  After the privilege drop, which
	 * clears this setting. */
	if (d->worker != 0 && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 ||
	    getppid() != d->master)) {
		fr_log(LOG_ERR, "the master is gone");
		goto out;
	}
	if (d->worker != 0) {
		ev_io_init(&d->chan_io, chan_cb, d->chan_fd, EV_READ);
		d->chan_io.data = d;
		ev_io_start(d->loop, &d->chan_io);
		if ((d->fanin = fr_fanin_start(d->loop, d->ctl_fd,
		    &d->env)) == NULL)
			fr_log(LOG_WARNING, "out of memory: this worker will "
			    "not answer control requests");
	}
	summary(d, "started with");
	fr_edge_when_checked(d->edge, edge_checked, d);
	ev_run(d->loop, 0);
	status = 0;
out:
	fr_confload_cancel(d->load);
	d->load = NULL;
	fr_httpd_delete(d->httpd);
	d->httpd = NULL;
	forget_reload_waiters(d);
	fr_control_close(d->control);
	d->control = NULL;
	close_retired(d);
	fr_fanin_stop(d->fanin);
	d->fanin = NULL;
	fr_edge_delete(d->edge);
	if (d->worker == 0 && d->cfg->pidfile != NULL && d->edge != NULL)
		remove_pidfile(d->cfg->pidfile);
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

	(void)loop;
	(void)revents;
	if (w->signum == SIGHUP) {
		if (!d->stopping)
			start_reload(d);
		return;
	}
	if (!d->stopping) {
		fr_log(LOG_NOTICE, "%s: passed on to %u workers",
		    strsignal(w->signum), d->nalive);
		(void)fr_sd_notify("STOPPING=1");
	}
	d->stopping = true;
	fr_confload_cancel(d->load);
	d->load = NULL;
	tell_workers(d, w->signum);
	/* None left to wait for: all were dead, waiting to start again. */
	if (d->nalive == 0)
		ev_break(d->loop, EVBREAK_ALL);
}

/* "SIGKILL", not strsignal()'s "Killed", which reads badly after
 * "killed by". */
static const char *
signal_name(int sig)
{
	static char buf[16];
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev == NULL)
		return "unknown signal";
	snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	return buf;
}

static void child_cb(struct ev_loop *loop, ev_child *w, int revents);

/* Master: a worker's message on its configuration socket.  Only
 * READY_MSG is expected; the end of the socket is child_cb's to handle.
 * Once every running worker is ready (replacements included, which
 * changes nothing once told), the service manager hears it. */
static void
ready_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;
	unsigned i, slot = (unsigned)(w - d->ready_io);
	char msg[16];
	ssize_t n;

	(void)revents;
	n = recv(d->chan[slot], msg, sizeof(msg), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ev_io_stop(loop, w);
		return;
	}
	if ((size_t)n != sizeof(READY_MSG) - 1 ||
	    memcmp(msg, READY_MSG, (size_t)n) != 0) {
		fr_log(LOG_WARNING, "worker %ld: unexpected message on its "
		    "configuration socket", (long)d->pids[slot]);
		return;
	}
	d->ready[slot] = true;
	if (d->told_ready || d->stopping)
		return;
	for (i = 0; i < d->nworkers; i++)
		if (d->pids[i] > 0 && !d->ready[i])
			return;
	d->told_ready = true;
	fr_log(LOG_INFO, "ready: %u workers, listeners bound, nodes checked",
	    d->nalive);
	if (fr_sd_notify("READY=1\nSTATUS=running %s with %u workers",
	    d->path, d->nalive) != 0)
		fr_log(LOG_WARNING, "NOTIFY_SOCKET: %s", strerror(errno));
}

/* Master: watch slot's configuration socket for its readiness. */
static void
watch_ready(struct daemon *d, unsigned slot)
{
	d->ready[slot] = false;
	ev_io_init(&d->ready_io[slot], ready_cb, d->chan[slot], EV_READ);
	d->ready_io[slot].data = d;
	ev_io_start(d->loop, &d->ready_io[slot]);
}

/* In a new worker: leave the master's part behind and run an edge. */
static void __attribute__((noreturn))
become_worker(struct daemon *d, unsigned slot, pid_t master, int chan,
    int ctl)
{
	unsigned i;
	int status;

	for (i = 0; i < d->nworkers; i++) {
		if (d->chan[i] >= 0)
			close(d->chan[i]);
		if (d->ctl_chan[i] >= 0)
			close(d->ctl_chan[i]);
	}
	if (d->loop != NULL) {
		/* A replacement, forked from the running master: its
		 * watchers are not ours.  The loop is, after a fork. */
		ev_signal_stop(d->loop, &d->sighup);
		ev_signal_stop(d->loop, &d->sigterm);
		ev_signal_stop(d->loop, &d->sigint);
		for (i = 0; i < d->nworkers; i++) {
			ev_child_stop(d->loop, &d->children[i]);
			ev_timer_stop(d->loop, &d->respawn[i]);
			ev_io_stop(d->loop, &d->ready_io[i]);
		}
		fr_confload_forget(d->load);
		d->load = NULL;
		fr_control_forget(d->control);
		d->control = NULL;
		while (d->nretired > 0)
			fr_control_forget(d->retired[--d->nretired]);
		fr_fanout_forget(d->fanout);
		d->fanout = NULL;
		forget_reload_waiters(d);
		ev_loop_fork(d->loop);
	}
	d->chan_fd = chan;
	d->ctl_fd = ctl;
	d->started = ev_time();
	d->worker = slot + 1;
	d->master = master;
	d->nworkers = d->nalive = 0;
	d->load_again = false;
	status = run_edge(d);
	fr_config_free(d->cfg);
	exit(status);
}

/* Fork the worker of slot, with its configuration socket.  0 or -1. */
static int
fork_worker(struct daemon *d, unsigned slot)
{
	pid_t pid, master = getpid();
	int sv[2], cv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		fr_log(LOG_ERR, "socketpair: %s", strerror(errno));
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cv) != 0) {
		fr_log(LOG_ERR, "socketpair: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		fr_log(LOG_ERR, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		close(cv[0]);
		close(cv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		close(cv[0]);
		become_worker(d, slot, master, sv[1], cv[1]);
	}
	close(sv[1]);
	close(cv[1]);
	d->chan[slot] = sv[0];
	d->ctl_chan[slot] = cv[0];
	if (d->fanout != NULL)
		fr_fanout_worker(d->fanout, slot, cv[0], pid);
	d->pids[slot] = pid;
	d->born[slot] = ev_time();
	d->nalive++;
	if (d->loop != NULL) {
		ev_child_init(&d->children[slot], child_cb, pid, 0);
		d->children[slot].data = d;
		ev_child_start(d->loop, &d->children[slot]);
		watch_ready(d, slot);
	}
	return 0;
}

/* Start slot's worker again after delay seconds. */
static void
schedule_respawn(struct daemon *d, unsigned slot, ev_tstamp delay)
{
	ev_timer_stop(d->loop, &d->respawn[slot]);
	ev_timer_set(&d->respawn[slot], delay, 0.);
	ev_timer_start(d->loop, &d->respawn[slot]);
}

/* The back-off before the next start of slot, counting this death. */
static ev_tstamp
next_delay(struct daemon *d, unsigned slot, ev_tstamp lived)
{
	ev_tstamp delay = 1.;
	unsigned i;

	if (lived >= RESTART_STABLE)
		d->fails[slot] = 0;
	if (d->fails[slot] == 0) {
		d->fails[slot] = 1;
		return 0.;
	}
	for (i = 1; i < d->fails[slot] && delay < RESTART_MAX; i++)
		delay *= 2;
	d->fails[slot]++;
	return delay < RESTART_MAX ? delay : RESTART_MAX;
}

static void
respawn_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	unsigned slot = (unsigned)(w - d->respawn);

	(void)loop;
	(void)revents;
	if (d->stopping)
		return;
	if (fork_worker(d, slot) != 0) {
		schedule_respawn(d, slot, next_delay(d, slot, 0.) + 1.);
		return;
	}
	fr_log(LOG_NOTICE, "worker %u of %u started again: pid %ld", slot + 1,
	    d->nworkers, (long)d->pids[slot]);
}

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct daemon *d = w->data;
	char how[64];
	ev_tstamp lived, delay;
	unsigned i, slot = 0;

	(void)revents;
	ev_child_stop(loop, w);
	for (i = 0; i < d->nworkers; i++)
		if (d->pids[i] == w->rpid) {
			slot = i;
			d->pids[i] = 0;
			ev_io_stop(loop, &d->ready_io[i]);
			close(d->chan[i]);
			d->chan[i] = -1;
			if (d->fanout != NULL)
				fr_fanout_worker(d->fanout, i, -1, 0);
			close(d->ctl_chan[i]);
			d->ctl_chan[i] = -1;
		}
	d->nalive--;
	if (WIFSIGNALED(w->rstatus))
		snprintf(how, sizeof(how), "was killed by signal %d (%s)",
		    WTERMSIG(w->rstatus), signal_name(WTERMSIG(w->rstatus)));
	else
		snprintf(how, sizeof(how), "exited with status %d",
		    WEXITSTATUS(w->rstatus));
	if (d->stopping) {
		if (!WIFEXITED(w->rstatus) || WEXITSTATUS(w->rstatus) != 0) {
			fr_log(LOG_ERR, "worker %d %s", w->rpid, how);
			d->status = 1;
		}
		if (d->nalive == 0)
			ev_break(loop, EVBREAK_ALL);
		return;
	}
	lived = ev_time() - d->born[slot];
	delay = next_delay(d, slot, lived);
	if (delay == 0.)
		fr_log(LOG_ERR, "worker %d %s after %.1f s; starting another",
		    w->rpid, how, lived);
	else
		fr_log(LOG_ERR, "worker %d %s after %.1f s; starting another "
		    "in %.0f s (%u quick deaths in a row)", w->rpid, how, lived,
		    delay, d->fails[slot] - 1);
	schedule_respawn(d, slot, delay);
}

/* workers > 1: fork them, then pass signals on, and replace the ones
 * that die, until they are told to stop and are gone. */
static int
run_master(struct daemon *d)
{
	unsigned i;

	d->nworkers = d->cfg->workers;
	for (i = 0; i < d->nworkers; i++)
		d->chan[i] = d->ctl_chan[i] = -1;
	/* Before the first fork: every worker shares it. */
	if ((d->verdicts = fr_verdicts_create()) == NULL) {
		fr_log(LOG_ERR, "cannot map the shared node verdicts: %s",
		    strerror(errno));
		return 1;
	}
	/* Before the forks: every worker, replacements too, maps it. */
	if ((d->board = fr_stats_board_create(d->nworkers)) == NULL)
		fr_log(LOG_WARNING, "shared memory for the workers' counters: "
		    "%s; /metrics shows worker 1's alone", strerror(errno));
	for (i = 0; i < d->nworkers; i++)
		if (fork_worker(d, i) != 0) {
			d->status = 1;
			break;
		}
	if ((d->loop = ev_default_loop(EVFLAG_AUTO)) == NULL) {
		fr_log(LOG_ERR, "cannot start the event loop");
		tell_workers(d, SIGKILL);
		return 1;
	}
	watch_signals(d, master_signal_cb);
	if ((d->fanout = fr_fanout_create(d->loop, d->nworkers)) == NULL ||
	    open_control(d) != 0) {
		if (d->fanout == NULL)
			fr_log(LOG_ERR, "out of memory");
		d->status = 1;
	}
	for (i = 0; i < d->nworkers; i++) {
		if (d->fanout != NULL && d->pids[i] > 0)
			fr_fanout_worker(d->fanout, i, d->ctl_chan[i],
			    d->pids[i]);
		ev_timer_init(&d->respawn[i], respawn_cb, 0., 0.);
		d->respawn[i].data = d;
		if (d->pids[i] <= 0)
			continue;
		ev_child_init(&d->children[i], child_cb, d->pids[i], 0);
		d->children[i].data = d;
		ev_child_start(d->loop, &d->children[i]);
		watch_ready(d, i);
	}
	if (d->status != 0) {
		d->stopping = true;
		tell_workers(d, SIGTERM);
	} else if (d->cfg->pidfile != NULL &&
	    write_pidfile(d->cfg->pidfile, d->cfg) != 0) {
		d->status = 1;
		d->stopping = true;
		tell_workers(d, SIGTERM);
	} else {
		fr_log(LOG_NOTICE, "master: %u workers", d->nworkers);
	}
	if (d->nalive > 0)
		ev_run(d->loop, 0);
	for (i = 0; i < d->nworkers; i++) {
		ev_timer_stop(d->loop, &d->respawn[i]);
		ev_io_stop(d->loop, &d->ready_io[i]);
	}
	fr_confload_cancel(d->load);
	d->load = NULL;
	forget_reload_waiters(d);
	fr_control_close(d->control);
	d->control = NULL;
	close_retired(d);
	fr_fanout_delete(d->fanout);
	d->fanout = NULL;
	for (i = 0; i < d->nworkers; i++) {
		if (d->chan[i] >= 0)
			close(d->chan[i]);
		if (d->ctl_chan[i] >= 0)
			close(d->ctl_chan[i]);
	}
	if (d->cfg->pidfile != NULL)
		remove_pidfile(d->cfg->pidfile);
	ev_loop_destroy(d->loop);
	fr_verdicts_delete(d->verdicts);
	d->verdicts = NULL;
	fr_stats_board_delete(d->board);
	return d->status;
}

int
main(int argc, char **argv)
{
	struct daemon d;
	bool check_only = false;
	char err[256];
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
	d.started = d.loaded = ev_time();
	apply_logging(&d);
	if (fr_sd_notify_init(err, sizeof(err)) != 0)
		fr_log(LOG_WARNING, "%s; not telling the service manager how "
		    "the daemon is doing", err);

	/* Writes to a peer that is gone must fail, not kill us (OpenSSL
	 * and splice(2) write without MSG_NOSIGNAL). */
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(d.cfg);
	/* One session-ticket key for every worker: made before they fork. */
	if (fr_tls_ticket_key_new(d.key) != 0) {
		fr_log(LOG_ERR, "cannot make a TLS session-ticket key");
		fr_config_free(d.cfg);
		return 1;
	}
	fr_tls_ticket_key_use(d.key);
	status = d.cfg->workers > 1 ? run_master(&d) : run_edge(&d);
	fr_config_free(d.cfg);
	return status;
}
