/*
 * fanout.c -- control requests from the master to its workers, and
 * each worker's answering side.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "ctlproto.h"
#include "fanout.h"
#include "log.h"

#define FANOUT_CHUNK	16384		/* answer bytes per message */
#define FANOUT_TIMEOUT	20.		/* seconds for every worker to
					   answer (a lookup may wait on
					   DNS time-outs) */
#define FANOUT_ANSWER_MAX (8u << 20)	/* bytes kept of one answer */
#define SEQ_LEN		4

/* ---- the master's side ------------------------------------------------- */

struct wslot {
	struct fr_fanout *f;
	int fd;				/* -1: not running */
	pid_t pid;
	ev_io io;
	bool asked, answered;
	int status;
	const char *why;
	char *buf;
	size_t len;
};

struct fr_fanout_ask {
	TAILQ_ENTRY(fr_fanout_ask) entry;
	struct fr_fanout *f;
	fr_fanout_done_fn *done;
	void *arg;
	size_t len;
	char line[];
};

struct fr_fanout {
	struct ev_loop *loop;
	unsigned n;
	struct wslot *w;
	TAILQ_HEAD(, fr_fanout_ask) asks;	/* the first is in flight */
	bool busy;
	uint32_t seq;
	ev_timer timer;
};

static void start_next(struct fr_fanout *f);

static void
put_seq(unsigned char *p, uint32_t seq)
{
	p[0] = (unsigned char)(seq >> 24);
	p[1] = (unsigned char)(seq >> 16);
	p[2] = (unsigned char)(seq >> 8);
	p[3] = (unsigned char)seq;
}

static uint32_t
get_seq(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
slot_reset(struct wslot *s)
{
	ev_io_stop(s->f->loop, &s->io);
	free(s->buf);
	s->buf = NULL;
	s->len = 0;
	s->asked = s->answered = false;
	s->status = -1;
	s->why = NULL;
}

/* The ask in flight is over: answer it and go on to the next. */
static void
finish(struct fr_fanout *f)
{
	struct fr_fanout_ask *ask = TAILQ_FIRST(&f->asks);
	struct fr_fanout_answer *a;
	size_t i, n = 0;

	ev_timer_stop(f->loop, &f->timer);
	a = calloc(f->n > 0 ? f->n : 1, sizeof(*a));
	for (i = 0; i < f->n && a != NULL; i++) {
		struct wslot *s = &f->w[i];

		if (!s->asked)
			continue;
		a[n].worker = (unsigned)i + 1;
		a[n].pid = s->pid;
		a[n].status = s->answered ? s->status : -1;
		a[n].why = s->why != NULL ? s->why : s->answered ? NULL :
		    "no answer in time";
		a[n].body = s->buf != NULL ? s->buf : "";
		a[n].len = s->len;
		n++;
	}
	TAILQ_REMOVE(&f->asks, ask, entry);
	f->busy = false;
	if (a == NULL) {
		struct fr_fanout_answer oom = { 0, 0, -1, "out of memory",
		    "", 0 };

		ask->done(ask->arg, &oom, 1);
	} else {
		ask->done(ask->arg, a, n);
	}
	free(a);
	free(ask);
	for (i = 0; i < f->n; i++)
		slot_reset(&f->w[i]);
	start_next(f);
}

static bool
all_answered(const struct fr_fanout *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->w[i].asked && !f->w[i].answered)
			return false;
	return true;
}

static void
slot_done(struct wslot *s, int status, const char *why)
{
	ev_io_stop(s->f->loop, &s->io);
	s->answered = true;
	s->status = status;
	if (why != NULL)
		s->why = why;
	if (all_answered(s->f))
		finish(s->f);
}

static void
slot_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct wslot *s = w->data;
	unsigned char msg[SEQ_LEN + 1 + FANOUT_CHUNK];
	char *nb;
	ssize_t n;
	size_t data;

	(void)loop;
	(void)revents;
	n = recv(s->fd, msg, sizeof(msg), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		slot_done(s, -1, "the worker went away");
		return;
	}
	if (n < SEQ_LEN + 1 || get_seq(msg) != s->f->seq)
		return;		/* late, for an ask already given up */
	data = (size_t)n - SEQ_LEN - 1;
	if (s->len + data > FANOUT_ANSWER_MAX) {
		s->why = "answer too large";
	} else if (data > 0) {
		if ((nb = realloc(s->buf, s->len + data + 1)) == NULL) {
			s->why = "out of memory for the answer";
		} else {
			s->buf = nb;
			memcpy(s->buf + s->len, msg + SEQ_LEN + 1, data);
			s->len += data;
			s->buf[s->len] = '\0';
		}
	}
	if (msg[SEQ_LEN] == '0' || msg[SEQ_LEN] == '1')
		slot_done(s, s->why != NULL ? 1 : msg[SEQ_LEN] - '0', NULL);
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_fanout *f = w->data;

	(void)loop;
	(void)revents;
	fr_log(LOG_WARNING, "control: a worker did not answer within %.0f s",
	    FANOUT_TIMEOUT);
	finish(f);
}

static void
start_next(struct fr_fanout *f)
{
	struct fr_fanout_ask *ask = TAILQ_FIRST(&f->asks);
	unsigned char msg[SEQ_LEN + FR_CTL_LINE_MAX];
	size_t i;
	bool any = false;

	if (f->busy || ask == NULL)
		return;
	f->busy = true;
	f->seq++;
	put_seq(msg, f->seq);
	memcpy(msg + SEQ_LEN, ask->line, ask->len);
	for (i = 0; i < f->n; i++) {
		struct wslot *s = &f->w[i];

		slot_reset(s);
		if (s->fd < 0)
			continue;
		s->asked = true;
		any = true;
		if (send(s->fd, msg, SEQ_LEN + ask->len, MSG_DONTWAIT |
		    MSG_NOSIGNAL) < 0) {
			s->answered = true;
			s->why = "the worker cannot be reached";
			continue;
		}
		ev_io_init(&s->io, slot_read_cb, s->fd, EV_READ);
		s->io.data = s;
		ev_io_start(f->loop, &s->io);
	}
	if (!any || all_answered(f)) {
		finish(f);
		return;
	}
	ev_timer_set(&f->timer, FANOUT_TIMEOUT, 0.);
	ev_timer_start(f->loop, &f->timer);
}

struct fr_fanout *
fr_fanout_create(struct ev_loop *loop, unsigned nworkers)
{
	struct fr_fanout *f;
	unsigned i;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->w = calloc(nworkers, sizeof(*f->w))) == NULL) {
		free(f);
		return NULL;
	}
	f->loop = loop;
	f->n = nworkers;
	for (i = 0; i < nworkers; i++) {
		f->w[i].f = f;
		f->w[i].fd = -1;
		f->w[i].status = -1;
		ev_io_init(&f->w[i].io, slot_read_cb, -1, 0);
	}
	TAILQ_INIT(&f->asks);
	ev_timer_init(&f->timer, timeout_cb, 0., 0.);
	f->timer.data = f;
	return f;
}

void
fr_fanout_worker(struct fr_fanout *f, unsigned slot, int fd, pid_t pid)
{
	struct wslot *s = &f->w[slot];

	if (s->asked && !s->answered) {
		s->fd = -1;
		slot_done(s, -1, "the worker exited");
	}
	ev_io_stop(f->loop, &s->io);
	s->fd = fd;
	s->pid = pid;
}

struct fr_fanout_ask *
fr_fanout_ask(struct fr_fanout *f, const char *line, size_t len,
    fr_fanout_done_fn *done, void *arg)
{
	struct fr_fanout_ask *ask;

	if (len >= FR_CTL_LINE_MAX ||
	    (ask = malloc(sizeof(*ask) + len)) == NULL)
		return NULL;
	ask->f = f;
	ask->done = done;
	ask->arg = arg;
	ask->len = len;
	memcpy(ask->line, line, len);
	TAILQ_INSERT_TAIL(&f->asks, ask, entry);
	start_next(f);
	return ask;
}

void
fr_fanout_cancel(struct fr_fanout_ask *ask)
{
	struct fr_fanout *f;
	size_t i;

	if (ask == NULL)
		return;
	f = ask->f;
	if (ask == TAILQ_FIRST(&f->asks) && f->busy) {
		/* In flight: the workers' answers are dropped by sequence. */
		ev_timer_stop(f->loop, &f->timer);
		for (i = 0; i < f->n; i++)
			slot_reset(&f->w[i]);
		f->busy = false;
		TAILQ_REMOVE(&f->asks, ask, entry);
		free(ask);
		start_next(f);
		return;
	}
	TAILQ_REMOVE(&f->asks, ask, entry);
	free(ask);
}

static void
fanout_free(struct fr_fanout *f, bool answer)
{
	struct fr_fanout_ask *ask;
	struct fr_fanout_answer stop = { 0, 0, -1, "the daemon is stopping",
	    "", 0 };
	size_t i;

	if (f == NULL)
		return;
	ev_timer_stop(f->loop, &f->timer);
	while ((ask = TAILQ_FIRST(&f->asks)) != NULL) {
		TAILQ_REMOVE(&f->asks, ask, entry);
		if (answer)
			ask->done(ask->arg, &stop, 1);
		free(ask);
	}
	/* Stopped in a forked worker too: its loop is a copy of the
	 * master's, and must not watch what it freed. */
	for (i = 0; i < f->n; i++) {
		ev_io_stop(f->loop, &f->w[i].io);
		free(f->w[i].buf);
	}
	free(f->w);
	free(f);
}

void
fr_fanout_delete(struct fr_fanout *f)
{
	fanout_free(f, true);
}

void
fr_fanout_forget(struct fr_fanout *f)
{
	fanout_free(f, false);
}

/* JSON string of a fixed text of ours (no quotes or controls in it). */
static void
json_text(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++)
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s >= ' ')
			fputc(*s, out);
	fputc('"', out);
}

int
fr_fanout_compose(const struct fr_fanout_answer *a, size_t n, bool json,
    char **bodyp, size_t *lenp, int *statusp)
{
	FILE *out;
	size_t i, len;

	*bodyp = NULL;
	*statusp = n == 0;
	if ((out = open_memstream(bodyp, lenp)) == NULL)
		return -1;
	if (json)
		fputs("{\"version\":1,\"workers\":[", out);
	if (n == 0 && !json)
		fputs("no worker is running\n", out);
	for (i = 0; i < n; i++) {
		if (a[i].status != 0)
			*statusp = 1;
		len = a[i].len;
		while (len > 0 && (a[i].body[len - 1] == '\n' ||
		    a[i].body[len - 1] == ' '))
			len--;
		if (!json) {
			fprintf(out, "%sworker %u (pid %ld)%s%s\n", i ? "\n" : "",
			    a[i].worker, (long)a[i].pid, a[i].status < 0 ?
			    ": " : "", a[i].status < 0 ? a[i].why : "");
			if (len > 0) {
				fwrite(a[i].body, 1, len, out);
				fputc('\n', out);
			}
			continue;
		}
		fprintf(out, "%s{\"worker\":%u,\"pid\":%ld,\"status\":%d,"
		    "\"answer\":", i ? "," : "", a[i].worker, (long)a[i].pid,
		    a[i].status);
		/* A worker's answer is its own JSON object. */
		if (a[i].status >= 0 && len > 0 && a[i].body[0] == '{')
			fwrite(a[i].body, 1, len, out);
		else
			fputs("null", out);
		if (a[i].why != NULL) {
			fputs(",\"error\":", out);
			json_text(out, a[i].why);
		}
		fputc('}', out);
	}
	if (json)
		fputs("]}\n", out);
	if (fclose(out) != 0) {
		free(*bodyp);
		*bodyp = NULL;
		return -1;
	}
	return 0;
}

/* ---- a worker's side --------------------------------------------------- */

struct fr_fanin {
	struct ev_loop *loop;
	int fd;
	const struct fr_ctl_env *env;
	ev_io rio, wio;
	struct fr_ctl_job *job;		/* running */
	uint32_t seq;
	char *out;			/* the answer being sent */
	size_t outlen, outoff;
	int status;
	bool sending;
};

static void
fanin_reset(struct fr_fanin *in)
{
	fr_ctl_job_cancel(in->job);
	in->job = NULL;
	ev_io_stop(in->loop, &in->wio);
	free(in->out);
	in->out = NULL;
	in->outlen = in->outoff = 0;
	in->sending = false;
}

static void
fanin_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_fanin *in = w->data;
	unsigned char msg[SEQ_LEN + 1 + FANOUT_CHUNK];
	size_t chunk;
	bool last;

	(void)loop;
	(void)revents;
	for (;;) {
		chunk = in->outlen - in->outoff;
		last = chunk <= FANOUT_CHUNK;
		if (!last)
			chunk = FANOUT_CHUNK;
		put_seq(msg, in->seq);
		msg[SEQ_LEN] = last ? (unsigned char)('0' + in->status) : 'm';
		if (chunk > 0)
			memcpy(msg + SEQ_LEN + 1, in->out + in->outoff, chunk);
		if (send(in->fd, msg, SEQ_LEN + 1 + chunk, MSG_DONTWAIT |
		    MSG_NOSIGNAL) < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				ev_io_start(in->loop, &in->wio);
				return;
			}
			fr_log(LOG_WARNING, "control: answering the master: %s",
			    strerror(errno));
			break;
		}
		in->outoff += chunk;
		if (last)
			break;
	}
	fanin_reset(in);
	ev_io_start(in->loop, &in->rio);
}

static void
fanin_answer(void *arg, int status, const char *body, size_t len)
{
	struct fr_fanin *in = arg;

	in->job = NULL;
	in->status = status != 0;
	in->sending = true;
	in->outlen = in->outoff = 0;
	if ((in->out = malloc(len + 1)) == NULL)
		in->status = 1;		/* and no text: there is no memory */
	else {
		memcpy(in->out, body, len);
		in->outlen = len;
	}
	fanin_write_cb(in->loop, &in->wio, EV_WRITE);
}

static void
fanin_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_fanin *in = w->data;
	unsigned char msg[SEQ_LEN + FR_CTL_LINE_MAX];
	struct fr_ctl_cmd cmd;
	char err[256];
	ssize_t n;

	(void)revents;
	n = recv(in->fd, msg, sizeof(msg), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* The master is gone; PDEATHSIG takes this worker too. */
		ev_io_stop(loop, w);
		return;
	}
	if (n < SEQ_LEN)
		return;
	/* A new request while one is running: the master gave up on
	 * that one. */
	fanin_reset(in);
	in->seq = get_seq(msg);
	/* One answer at a time: read the next once this one is sent. */
	ev_io_stop(loop, w);
	if (fr_ctl_parse((const char *)msg + SEQ_LEN, (size_t)n - SEQ_LEN,
	    &cmd, err, sizeof(err)) != 0) {
		size_t len = strlen(err);

		err[len < sizeof(err) - 1 ? len : len - 1] = '\n';
		fanin_answer(in, 1, err, len + (len < sizeof(err) - 1));
		return;
	}
	in->job = fr_ctl_exec(in->env, &cmd, fanin_answer, in);
}

struct fr_fanin *
fr_fanin_start(struct ev_loop *loop, int fd, const struct fr_ctl_env *env)
{
	struct fr_fanin *in;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		return NULL;
	in->loop = loop;
	in->fd = fd;
	in->env = env;
	ev_io_init(&in->rio, fanin_read_cb, fd, EV_READ);
	in->rio.data = in;
	ev_io_init(&in->wio, fanin_write_cb, fd, EV_WRITE);
	in->wio.data = in;
	ev_io_start(loop, &in->rio);
	return in;
}

void
fr_fanin_stop(struct fr_fanin *in)
{
	if (in == NULL)
		return;
	fanin_reset(in);
	ev_io_stop(in->loop, &in->rio);
	free(in);
}
