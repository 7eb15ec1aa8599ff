/*
 * handoff.h -- a checked configuration passed from one fedrouted
 * process to another: from the child that read the file to the process
 * that runs the edge, and from the master to each worker.
 *
 * The payload (fr_config_print()'s text of a configuration that passed
 * every check, and optionally the TLS session-ticket key) is written to
 * an anonymous memory file (memfd) whose descriptor travels over a Unix
 * SOCK_SEQPACKET socket (SCM_RIGHTS).  One small message per handoff,
 * however large the configuration: a sender never blocks on a slow
 * reader, and a receiver reads the whole payload at once and checks its
 * length, so a sender that died half-way is never taken for a short
 * configuration.  The socket pair exists only between the two processes
 * and the memfd is never named, so no other user can read the key.
 */
#ifndef FR_HANDOFF_H
#define FR_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>

#include "tls.h"

/* Largest configuration text passed on. */
#define FR_HANDOFF_MAX_TEXT	(64u << 20)

struct fr_handoff {
	char *text;		/* NUL-terminated; owned */
	size_t len;
	bool has_key;
	unsigned char key[FR_TLS_TICKET_KEY_LEN];
};

/*
 * Send h over the SOCK_SEQPACKET socket sock, without blocking.  0, or
 * -1 with the reason in err (EAGAIN: the peer has not read the last
 * hundred or so).
 */
int fr_handoff_send(int sock, const struct fr_handoff *h, char *err,
    size_t errlen);

/*
 * Receive one handoff from sock (readable) into h, which the caller
 * clears with fr_handoff_clear().  1: h filled; 0: the other end has
 * closed; -1: a malformed message or another error, reason in err.
 */
int fr_handoff_recv(int sock, struct fr_handoff *h, char *err, size_t errlen);

/* Free the text and wipe the key. */
void fr_handoff_clear(struct fr_handoff *h);

#endif /* FR_HANDOFF_H */
