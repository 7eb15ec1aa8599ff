/*
 * control.c -- the control socket's server: accept, read one bounded
 * line under a time-out, hand it on, write the answer under a
 * time-out, close.  A client is one struct fr_control_req from accept
 * to close.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "ctlproto.h"
#include "log.h"

#define CONTROL_READ_TIMEOUT	2.	/* seconds for the request */
#define CONTROL_WRITE_TIMEOUT	10.	/* for the answer to be taken */
#define CONTROL_CLIENTS_MAX	16
#define CONTROL_LINGER		1.	/* reading what a refused client
					   still sends, after the answer */

enum cstate { C_READ, C_WAIT, C_WRITE, C_LINGER };

struct fr_control_req {
	LIST_ENTRY(fr_control_req) entry;
	struct fr_control *ctl;
	int fd;
	enum cstate state;
	ev_io io;
	ev_timer timer;
	char line[FR_CTL_LINE_MAX];
	size_t len;
	char *out;			/* the answer being written */
	size_t outlen, outoff;
	fr_control_cancel_fn *cancel;
	void *cancel_arg;
};

struct fr_control {
	struct ev_loop *loop;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	ev_io io;
	fr_control_request_fn *fn;
	void *arg;
	LIST_HEAD(, fr_control_req) clients;
	unsigned nclients;
	bool retired;			/* fr_control_retire: no socket */
};

static void
req_free(struct fr_control_req *r)
{
	struct fr_control *c = r->ctl;

	ev_io_stop(c->loop, &r->io);
	ev_timer_stop(c->loop, &r->timer);
	close(r->fd);
	free(r->out);
	LIST_REMOVE(r, entry);
	c->nclients--;
	free(r);
}

static void
linger_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_control_req *r = w->data;
	char sink[4096];
	ssize_t n;

	(void)loop;
	(void)revents;
	while ((n = recv(r->fd, sink, sizeof(sink), 0)) > 0)
		;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	req_free(r);
}

/* The answer is out: say so (FIN) and read what the client still sends
 * until it closes, for at most CONTROL_LINGER, so that the answer is
 * not lost to a reset. */
static void
linger(struct fr_control_req *r)
{
	struct fr_control *c = r->ctl;

	r->state = C_LINGER;
	(void)shutdown(r->fd, SHUT_WR);
	ev_io_stop(c->loop, &r->io);
	ev_io_init(&r->io, linger_cb, r->fd, EV_READ);
	r->io.data = r;
	ev_io_start(c->loop, &r->io);
	ev_timer_stop(c->loop, &r->timer);
	ev_timer_set(&r->timer, CONTROL_LINGER, 0.);
	ev_timer_start(c->loop, &r->timer);
}

static void
write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_control_req *r = w->data;
	ssize_t n;

	(void)loop;
	(void)revents;
	while (r->outoff < r->outlen) {
		n = send(r->fd, r->out + r->outoff, r->outlen - r->outoff,
		    MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			fr_log(LOG_DEBUG, "control: client gone before the "
			    "answer was written: %s", strerror(errno));
			break;
		}
		r->outoff += (size_t)n;
	}
	/* The whole answer is out: wait for the client's close rather
	 * than close first, so that bytes it sent past its line (unread
	 * here) cannot reset the answer away. */
	if (r->outoff == r->outlen)
		linger(r);
	else
		req_free(r);
}

void
fr_control_answer(struct fr_control_req *r, int status, const char *body,
    size_t len)
{
	struct fr_control *c = r->ctl;

	r->cancel = NULL;
	if ((r->out = malloc(len + 2)) == NULL) {
		static const char oom[] = "1\nout of memory for the answer\n";

		(void)send(r->fd, oom, sizeof(oom) - 1, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
		req_free(r);
		return;
	}
	r->out[0] = status == 0 ? '0' : '1';
	r->out[1] = '\n';
	memcpy(r->out + 2, body, len);
	r->outlen = len + 2;
	r->state = C_WRITE;
	ev_io_stop(c->loop, &r->io);
	ev_io_init(&r->io, write_cb, r->fd, EV_WRITE);
	r->io.data = r;
	ev_io_start(c->loop, &r->io);
	ev_timer_stop(c->loop, &r->timer);
	ev_timer_set(&r->timer, CONTROL_WRITE_TIMEOUT, 0.);
	ev_timer_start(c->loop, &r->timer);
}

void
fr_control_on_cancel(struct fr_control_req *r, fr_control_cancel_fn *fn,
    void *cancel_arg)
{
	r->cancel = fn;
	r->cancel_arg = cancel_arg;
}

/*
 * Refuse at once, without waiting for the client to read.  Closing a
 * socket that still holds unread bytes makes the kernel reset the
 * client's end, which would lose the answer, so the client's bytes are
 * drained for a moment first (linger); past twice the client limit a
 * flood gets no such courtesy.
 */
static void
refuse(struct fr_control_req *r, const char *why)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "1\n%s\n", why);

	if (n > 0)
		(void)send(r->fd, msg, (size_t)n < sizeof(msg) ? (size_t)n :
		    sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (r->ctl->nclients > 2 * CONTROL_CLIENTS_MAX)
		req_free(r);
	else
		linger(r);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_control_req *r = w->data;

	(void)loop;
	(void)revents;
	if (r->state == C_READ) {
		fr_log(LOG_WARNING, "control: request not complete after "
		    "%.0f s; closed", CONTROL_READ_TIMEOUT);
		refuse(r, "the request did not come whole in time");
	} else if (r->state == C_LINGER) {
		req_free(r);
	} else {
		fr_log(LOG_WARNING, "control: answer not taken within %.0f s; "
		    "closed", CONTROL_WRITE_TIMEOUT);
		req_free(r);
	}
}

static void
read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_control_req *r = w->data;
	char *lf;
	ssize_t n;

	(void)revents;
	n = recv(r->fd, r->line + r->len, sizeof(r->line) - r->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		/* Gone before a whole line: nothing to answer. */
		req_free(r);
		return;
	}
	r->len += (size_t)n;
	if ((lf = memchr(r->line, '\n', r->len)) == NULL) {
		if (r->len == sizeof(r->line)) {
			static const char msg[] = "request too long\n";

			fr_log(LOG_WARNING, "control: request longer than %d "
			    "bytes; refused", FR_CTL_LINE_MAX - 1);
			fr_control_answer(r, 1, msg, sizeof(msg) - 1);
		}
		return;
	}
	r->state = C_WAIT;
	ev_io_stop(loop, &r->io);
	ev_timer_stop(loop, &r->timer);
	r->ctl->fn(r->ctl->arg, r, r->line, (size_t)(lf - r->line));
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_control *c = w->data;
	struct fr_control_req *r;
	int fd;

	(void)revents;
	for (;;) {
		fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				fr_log(LOG_ERR, "control: accept: %s",
				    strerror(errno));
			return;
		}
		if ((r = calloc(1, sizeof(*r))) == NULL) {
			fr_log(LOG_ERR, "control: out of memory for a client");
			close(fd);
			continue;
		}
		r->ctl = c;
		r->fd = fd;
		LIST_INSERT_HEAD(&c->clients, r, entry);
		c->nclients++;
		ev_timer_init(&r->timer, timer_cb, CONTROL_READ_TIMEOUT, 0.);
		r->timer.data = r;
		if (c->nclients > CONTROL_CLIENTS_MAX) {
			fr_log(LOG_WARNING, "control: %d clients at once "
			    "already; one more refused", CONTROL_CLIENTS_MAX);
			refuse(r, "busy: too many control clients at once");
			continue;
		}
		ev_io_init(&r->io, read_cb, fd, EV_READ);
		r->io.data = r;
		ev_io_start(loop, &r->io);
		ev_timer_start(loop, &r->timer);
	}
}

/* Remove a stale socket at path; leave anything else alone.  0 or -1. */
static int
remove_stale(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "control: "
		    "%s: %s", path, strerror(errno)), -1);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control: %s exists and is not a "
		    "socket; not replacing it", path);
		return -1;
	}
	if (unlink(path) != 0) {
		snprintf(err, errlen, "control: removing the old socket %s: "
		    "%s", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct fr_control *
fr_control_open(struct ev_loop *loop, const char *path, unsigned mode,
    uid_t uid, gid_t gid, fr_control_request_fn *fn, void *arg, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	struct fr_control *c;
	mode_t old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control: %s: path too long for a Unix "
		    "socket", path);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "control: out of memory");
		return NULL;
	}
	c->loop = loop;
	memcpy(c->path, sun.sun_path, sizeof(c->path));
	c->fn = fn;
	c->arg = arg;
	LIST_INIT(&c->clients);
	if (remove_stale(path, err, errlen) != 0) {
		free(c);
		return NULL;
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "control: socket: %s", strerror(errno));
		free(c);
		return NULL;
	}
	/* Never a moment with wider permissions than asked. */
	old = umask(0777 & ~(mode_t)mode);
	if (bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		snprintf(err, errlen, "control: bind %s: %s", path,
		    strerror(errno));
		close(c->fd);
		free(c);
		return NULL;
	}
	umask(old);
	if (chmod(path, (mode_t)mode) != 0 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(path, uid, gid) != 0) || listen(c->fd, 16) != 0) {
		snprintf(err, errlen, "control: %s: %s", path,
		    strerror(errno));
		close(c->fd);
		unlink(path);
		free(c);
		return NULL;
	}
	ev_io_init(&c->io, accept_cb, c->fd, EV_READ);
	c->io.data = c;
	ev_io_start(loop, &c->io);
	return c;
}

static void
drop_clients(struct fr_control *c, bool cancel)
{
	struct fr_control_req *r;

	while ((r = LIST_FIRST(&c->clients)) != NULL) {
		if (cancel && r->cancel != NULL)
			r->cancel(r->cancel_arg);
		req_free(r);
	}
}

static void
remove_socket_file(struct fr_control *c)
{
	if (unlink(c->path) != 0 && errno != ENOENT)
		/* After the privilege drop, in a directory only root may
		 * write: harmless, the next start replaces it. */
		fr_log(errno == EACCES || errno == EPERM ? LOG_INFO :
		    LOG_WARNING, "control: %s left in place: %s%s", c->path,
		    strerror(errno), errno == EACCES || errno == EPERM ?
		    " (the next start replaces it)" : "");
}

void
fr_control_retire(struct fr_control *c)
{
	if (c == NULL || c->retired)
		return;
	ev_io_stop(c->loop, &c->io);
	close(c->fd);
	c->fd = -1;
	remove_socket_file(c);
	c->retired = true;
}

void
fr_control_close(struct fr_control *c)
{
	if (c == NULL)
		return;
	ev_io_stop(c->loop, &c->io);
	drop_clients(c, true);
	if (!c->retired) {
		close(c->fd);
		remove_socket_file(c);
	}
	free(c);
}

void
fr_control_forget(struct fr_control *c)
{
	struct fr_control_req *r;

	if (c == NULL)
		return;
	ev_io_stop(c->loop, &c->io);
	while ((r = LIST_FIRST(&c->clients)) != NULL) {
		r->cancel = NULL;
		req_free(r);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}
