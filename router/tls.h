/*
 * tls.h -- OpenSSL contexts for both ends of a relayed connection: the
 * listener's (TLS terminated with the edge's certificate) and the
 * node's (a new TLS connection, the edge being the client).
 *
 * Contexts are reference counted by OpenSSL: each SSL holds its
 * context, so a reload can drop a listener's old context while its live
 * connections still use it.
 */
#ifndef FR_TLS_H
#define FR_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "addr.h"
#include "edgeconf.h"

/* A TLS session-ticket key: name, HMAC key, AES key. */
#define FR_TLS_TICKET_KEY_LEN	80

/* A fresh random ticket key into key; 0, or -1 when the random number
 * generator fails. */
int fr_tls_ticket_key_new(unsigned char key[FR_TLS_TICKET_KEY_LEN]);

/*
 * Seal new session tickets with key in every server context of this
 * process, present and future; the key it replaces still opens the
 * tickets it sealed (those clients get a fresh ticket).  Processes that
 * use the same key accept each other's tickets.  Without a call, each
 * context seals with a random key of its own (OpenSSL's default).
 * Call it before creating the contexts that should use it.
 */
void fr_tls_ticket_key_use(const unsigned char key[FR_TLS_TICKET_KEY_LEN]);

/*
 * Server context of a listener: certificate chain and key (which must
 * match), client-certificate verification, versions and ciphers.
 * NULL with the reason in err, naming the file or the setting at fault.
 */
SSL_CTX *fr_tls_server_ctx_new(const struct fr_tls_conf *conf, char *err,
    size_t errlen);

/*
 * Client context toward a node: trust anchors (conf->ca, or the
 * system's), optional client certificate, versions and ciphers.
 * NULL with the reason in err.
 */
SSL_CTX *fr_tls_client_ctx_new(const struct fr_tls_conf *conf, char *err,
    size_t errlen);

/*
 * A client connection on fd toward a node at addr: sends server_name
 * as SNI when not NULL, and, when verify is on, requires the node's
 * certificate to name server_name (or, when NULL, to carry addr's IP).
 * NULL when memory ran out.
 */
SSL *fr_tls_client_new(SSL_CTX *ctx, int fd, const char *server_name,
    const struct fr_sockaddr *addr, bool verify);

/*
 * What went wrong with ssl after a failed SSL_* call that returned ret,
 * in words ("certificate verify failed: hostname mismatch", "Connection
 * reset by peer"), into buf; empties the thread's OpenSSL error queue.
 * ssl may be NULL.
 */
const char *fr_tls_strerror(const SSL *ssl, int ret, int errno_saved,
    char *buf, size_t len);

#endif /* FR_TLS_H */
