/*
 * httpd.c -- libmicrohttpd on the daemon's libev loop.
 *
 * MHD runs in "external select" mode with epoll (MHD_USE_EPOLL, no
 * internal thread): everything it waits for sits behind one epoll
 * descriptor, which an ev_io watches; when that is readable, or when the
 * time MHD_get_timeout() asked for has come, MHD_run() does what is due
 * without blocking, and the timer is set again.  The listening socket
 * is ours (bound here, so a failure says why) and handed over with
 * MHD_OPTION_LISTEN_SOCKET; MHD_stop_daemon() closes it.
 *
 * Pages are made whole in memory (open_memstream) when asked and handed
 * to MHD to send and free; they are small and bounded (statuspage.c
 * cuts long lists).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "httpd.h"
#include "log.h"
#include "statuspage.h"

#define HTTPD_CONNECTIONS	32
#define HTTPD_PER_IP		8
#define HTTPD_TIMEOUT		10		/* seconds */
#define HTTPD_MEMORY		(32 * 1024)	/* per connection: the
						   request line and headers
						   must fit */
#define HTTPD_BACKLOG		16

struct fr_httpd {
	struct ev_loop *loop;
	struct MHD_Daemon *mhd;
	struct fr_edge *edge;
	struct fr_status_info info;
	struct fr_sockaddr addr;
	ev_io io;
	ev_timer timer;
};

static const char PROM_TYPE[] = "text/plain; version=0.0.4; charset=utf-8";
static const char HTML_TYPE[] = "text/html; charset=utf-8";
static const char TEXT_TYPE[] = "text/plain; charset=utf-8";

/* MHD's own complaints, into our log. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	fr_log(LOG_NOTICE, "http: %s", msg);
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type,
    char *body, size_t len, bool owned)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, owned ?
	    MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		if (owned)
			free(body);
		return MHD_NO;		/* MHD closes the connection */
	}
	/* A page of the moment, nothing to run, nothing to frame. */
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    type) != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store") != MHD_YES ||
	    MHD_add_response_header(r, "X-Content-Type-Options",
	    "nosniff") != MHD_YES ||
	    MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; "
	    "frame-ancestors 'none'") != MHD_YES ||
	    (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
	    "GET, HEAD") != MHD_YES)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
reply_static(struct MHD_Connection *c, unsigned status, const char *text)
{
	/* PERSISTENT: MHD only reads it. */
	return reply(c, status, TEXT_TYPE, (char *)(uintptr_t)text,
	    strlen(text), false);
}

typedef int page_fn(FILE *out, struct fr_edge *edge,
    const struct fr_status_info *info);

static enum MHD_Result
reply_page(struct fr_httpd *h, struct MHD_Connection *c, page_fn *page,
    const char *type)
{
	char *body = NULL;
	size_t len = 0;
	FILE *out;
	int rc;

	if ((out = open_memstream(&body, &len)) == NULL) {
		fr_log(LOG_ERR, "http: out of memory for a page");
		return reply_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory\n");
	}
	rc = page(out, h->edge, &h->info);
	if (fclose(out) != 0 || rc != 0) {
		free(body);
		fr_log(LOG_ERR, "http: out of memory for a page");
		return reply_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory\n");
	}
	return reply(c, MHD_HTTP_OK, type, body, len, true);
}

/* Every request, once: its headers are in (a body is never read). */
static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct fr_httpd *h = cls;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_static(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only GET and HEAD\n");
	if (strcmp(url, "/metrics") == 0)
		return reply_page(h, c, fr_metrics_write, PROM_TYPE);
	if (strcmp(url, "/") == 0)
		return reply_page(h, c, fr_statuspage_write, HTML_TYPE);
	return reply_static(c, MHD_HTTP_NOT_FOUND, "not found: / and "
	    "/metrics are served here\n");
}

/* Let MHD do what is due, then wait for what it waits for next. */
static void
run(struct fr_httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	(void)MHD_run(h->mhd);
	ev_timer_stop(h->loop, &h->timer);
	if (MHD_get_timeout(h->mhd, &ms) == MHD_YES) {
		ev_timer_set(&h->timer, (double)ms / 1000., 0.);
		ev_timer_start(h->loop, &h->timer);
	}
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	run(w->data);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	run(w->data);
}

/* A listening socket on a.  The descriptor, or -1 with err. */
static int
listen_on(const struct fr_sockaddr *a, char *err, size_t errlen)
{
	char buf[FR_ADDRSTRLEN];
	int fd, on = 1;

	fd = socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    (a->u.sa.sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) != 0) ||
	    bind(fd, &a->u.sa, a->len) != 0 ||
	    listen(fd, HTTPD_BACKLOG) != 0) {
		snprintf(err, errlen, "http: cannot listen on %s: %s",
		    fr_addr_str(a, buf, sizeof(buf)), strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct fr_httpd *
fr_httpd_create(struct ev_loop *loop, const struct fr_sockaddr *addr,
    struct fr_edge *edge, const struct fr_status_info *info, char *err,
    size_t errlen)
{
	const union MHD_DaemonInfo *di;
	struct fr_httpd *h;
	int fd;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "http: out of memory");
		return NULL;
	}
	if ((fd = listen_on(addr, err, errlen)) < 0) {
		free(h);
		return NULL;
	}
	h->loop = loop;
	h->edge = edge;
	h->info = *info;
	h->addr = *addr;
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	    (addr->u.sa.sa_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0,
	    NULL, NULL, handle, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,	/* first: MHD says */
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTPD_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTPD_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTPD_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTPD_MEMORY,
	    MHD_OPTION_END);
	if (h->mhd == NULL) {
		snprintf(err, errlen, "http: libmicrohttpd would not start "
		    "(see the lines above)");
		close(fd);
		free(h);
		return NULL;
	}
	if ((di = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD)) ==
	    NULL || di->epoll_fd < 0) {
		snprintf(err, errlen, "http: libmicrohttpd has no epoll "
		    "descriptor");
		MHD_stop_daemon(h->mhd);
		free(h);
		return NULL;
	}
	ev_io_init(&h->io, io_cb, di->epoll_fd, EV_READ);
	h->io.data = h;
	ev_io_start(loop, &h->io);
	ev_timer_init(&h->timer, timer_cb, 0., 0.);
	h->timer.data = h;
	run(h);
	return h;
}

const struct fr_sockaddr *
fr_httpd_addr(const struct fr_httpd *h)
{
	return &h->addr;
}

void
fr_httpd_set_info(struct fr_httpd *h, const struct fr_status_info *info)
{
	h->info = *info;
}

void
fr_httpd_delete(struct fr_httpd *h)
{
	if (h == NULL)
		return;
	ev_io_stop(h->loop, &h->io);
	ev_timer_stop(h->loop, &h->timer);
	MHD_stop_daemon(h->mhd);
	free(h);
}
