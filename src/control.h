/*
 * control.h -- fedrouted's control socket: a Unix stream socket on the
 * daemon's loop that takes one request line per connection and writes
 * one answer (ctlproto.h says the format).
 *
 * Nothing a client does can block the loop or hold resources for long:
 * a request must arrive whole within CONTROL_READ_TIMEOUT and within
 * FR_CTL_LINE_MAX bytes, the answer must be taken within
 * CONTROL_WRITE_TIMEOUT, and at most CONTROL_CLIENTS_MAX clients are
 * served at once (more are told so and closed).  Each failure is
 * answered when it can be and logged once.  After an answer the server
 * half-closes and reads what the client still sends until it closes,
 * for at most CONTROL_LINGER, because closing on unread bytes would
 * reset the connection and lose the answer.
 */
#ifndef FR_CONTROL_H
#define FR_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

#include <ev.h>

struct fr_control;
struct fr_control_req;

/*
 * A request line has come (line: len bytes, no LF).  Answer it with
 * fr_control_answer, now or later from the loop.
 */
typedef void fr_control_request_fn(void *arg, struct fr_control_req *req,
    const char *line, size_t len);

/* The socket is closing with req unanswered: drop what answers it. */
typedef void fr_control_cancel_fn(void *cancel_arg);

/*
 * Make the socket at path (a stale socket there is replaced; any other
 * file is not touched: an error), with mode, owned by uid:gid (-1:
 * unchanged) so that the daemon can still remove it after it drops
 * privileges.  NULL with the reason in err.
 */
struct fr_control *fr_control_open(struct ev_loop *loop, const char *path,
    unsigned mode, uid_t uid, gid_t gid, fr_control_request_fn *fn,
    void *arg, char *err, size_t errlen);

/*
 * Answer req: status 0 done, 1 refused; body is copied.  req is gone
 * after this call.
 */
void fr_control_answer(struct fr_control_req *req, int status,
    const char *body, size_t len);

/* Who answers req asynchronously registers how to stop that. */
void fr_control_on_cancel(struct fr_control_req *req,
    fr_control_cancel_fn *fn, void *cancel_arg);

/*
 * A reload moved the socket: stop accepting here and remove the file,
 * but let the clients already in (a `reload` waiting for its outcome
 * among them) have their answers.  fr_control_close() still frees it.
 */
void fr_control_retire(struct fr_control *c);

/* Stop accepting, drop every client (cancelling what answers them) and
 * remove the socket file (unless retired).  NULL is fine. */
void fr_control_close(struct fr_control *c);

/* For a child that is no longer the daemon (a worker forked from the
 * master): let go of the descriptors without touching the file. */
void fr_control_forget(struct fr_control *c);

#endif /* FR_CONTROL_H */
