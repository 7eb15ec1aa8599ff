/*
 * httpd.h -- server: http:, the daemon's read-only HTTP face: GET
 * /metrics (metrics.h) and GET / (statuspage.h), nothing else.
 *
 * libmicrohttpd does the HTTP, without threads of its own: its epoll
 * descriptor is watched by an ev_io on the daemon's loop and its
 * time-outs by an ev_timer, and MHD_run() does the work, so pages are
 * made on the loop that owns the counters, with no lock.  Bounded:
 * HTTPD_CONNECTIONS connections in all, HTTPD_PER_IP per client
 * address, HTTPD_MEMORY bytes per connection (a longer request is
 * refused), HTTPD_TIMEOUT seconds of silence.  Only GET and HEAD;
 * other methods get 405, other paths 404.
 */
#ifndef FR_HTTPD_H
#define FR_HTTPD_H

#include <stddef.h>

#include <ev.h>

#include "addr.h"
#include "metrics.h"

struct fr_edge;
struct fr_httpd;

/*
 * Listen on addr and serve edge's figures, with info (copied; its
 * strings and cfg must stay valid until fr_httpd_set_info or
 * fr_httpd_delete).  NULL with the reason in err.
 */
struct fr_httpd *fr_httpd_create(struct ev_loop *loop,
    const struct fr_sockaddr *addr, struct fr_edge *edge,
    const struct fr_status_info *info, char *err, size_t errlen);

/* The address it listens on. */
const struct fr_sockaddr *fr_httpd_addr(const struct fr_httpd *h);

/* After a reload: the new configuration and the time it was loaded. */
void fr_httpd_set_info(struct fr_httpd *h, const struct fr_status_info *info);

/* Stop: close the socket and every connection.  NULL is fine. */
void fr_httpd_delete(struct fr_httpd *h);

#endif /* FR_HTTPD_H */
