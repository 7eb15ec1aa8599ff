/*
 * listener.h -- (router-internal) a listening socket, what it accepts
 * (TLS or not) and where connections go (a pool).
 *
 * Listeners are reference counted: the edge holds one, and each session
 * one (it logs the listener's name and uses its TLS context), so a
 * listener that a reload drops is closed at once but freed with its
 * last connection.  A reload that keeps an address hands the very
 * socket to the new listener object (fr_listener_take_socket).
 */
#ifndef FR_LISTENER_H
#define FR_LISTENER_H

#include <stdbool.h>
#include <sys/queue.h>

#include <ev.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "edgeconf.h"
#include "stats.h"

struct fr_edge;
struct fr_pool;

struct fr_listener {
	TAILQ_ENTRY(fr_listener) entry;		/* edge->listeners */
	unsigned refs;
	struct fr_edge *edge;
	char name[FR_NAME_MAX + FR_ADDRSTRLEN];	/* ro */
	struct fr_sockaddr addr;		/* ro */
	enum fr_proto proto;			/* ro */
	int fd;					/* -1 once closed */
	ev_io io;
	SSL_CTX *tls;				/* NULL: plain TCP */
	struct fr_pool *pool;			/* where connections go;
						   NULL: federation */
	bool federation;			/* ro: the nodes' side */
	struct fr_cidr *allow;			/* ro: allow-from */
	size_t nallow;
	unsigned backlog;
	struct fr_listener_stats *stats;	/* its counters, by name;
						   NULL: none (memory) */
};
TAILQ_HEAD(fr_listener_list, fr_listener);

/*
 * A listener for conf sending to pool (a reference is taken; NULL for
 * target: federation, whose connections go to the edge's proxy); tls is
 * the server context when conf->tls (the listener takes it over).
 * With fd >= 0 it adopts that listening socket, otherwise it binds a
 * new one, with SO_REUSEPORT when reuseport.  Not accepting yet
 * (fr_listener_start).  NULL with the reason in err.
 */
struct fr_listener *fr_listener_create(struct fr_edge *edge,
    const struct fr_listener_conf *conf, struct fr_pool *pool, SSL_CTX *tls,
    int fd, bool reuseport, char *err, size_t errlen);

/* Give the socket to a successor; this listener no longer has one. */
int fr_listener_take_socket(struct fr_listener *l);

/*
 * Workers: make the kernel hand every connection from one client IP to
 * the same one of the groups sockets sharing this listener's port
 * (SO_ATTACH_REUSEPORT_CBPF, a hash of the source address modulo
 * groups), so that a per-source limit counted in one process holds for
 * them all; groups 0 takes that off again (the kernel spreads by
 * connection).  It applies to the whole port, whichever process sets
 * it.  0, or -1 with errno set.
 */
int fr_listener_steer_by_source(struct fr_listener *l, unsigned groups);

void fr_listener_start(struct fr_listener *l);
void fr_listener_stop(struct fr_listener *l);
/* Stop and close the socket. */
void fr_listener_close(struct fr_listener *l);

void fr_listener_ref(struct fr_listener *l);
/* The last reference closes and frees.  NULL is fine. */
void fr_listener_unref(struct fr_listener *l);

#endif /* FR_LISTENER_H */
