/*
 * node.h -- (router-internal) one IM&P node as the running edge sees
 * it: its address, the settings a reload may change, its health state,
 * its live connections, and a TLS session kept for resumption.
 *
 * A node is reference counted: the edge holds one reference while the
 * node is in the configuration, each pool that lists it one, and each
 * session connected to it one, so a node dropped by a reload lives on
 * until its last connection ends.
 *
 * Identity is name + address + transport: a reload that keeps those
 * keeps the node object (health state, connection count, sessions) and
 * swaps in new settings (fr_node_apply).
 */
#ifndef FR_NODE_H
#define FR_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <openssl/ssl.h>

#include "addr.h"
#include "edgeconf.h"

struct fr_session;
struct fr_checker;
TAILQ_HEAD(fr_session_list, fr_session);

/* What a reload may change, built before and swapped in whole. */
struct fr_node_settings {
	unsigned weight;
	enum fr_on_down on_down;
	struct fr_check_conf check;
	SSL_CTX *tls;		/* transport tls: client context; else NULL */
	char *server_name;	/* SNI and name to verify; NULL: the IP */
	bool verify;
	char *check_domain;	/* check: xmpp: the stream's to */
};

/* The latest health check of a node, for reports. */
struct fr_check_result {
	double at;		/* wall-clock time it ended; 0: none yet */
	double took;		/* seconds */
	bool ok;
	char why[256];		/* "status 200", "connect: refused" ... */
};

struct fr_node {
	unsigned refs;
	char name[FR_NAME_MAX];			/* ro */
	struct fr_sockaddr addr;		/* ro */
	enum fr_node_transport transport;	/* ro */
	uint64_t key;				/* ro: hash of name */
	struct fr_node_settings *set;		/* rw: fr_node_apply */
	bool up;				/* the health verdict */
	bool retired;				/* dropped by a reload */
	bool drained;				/* rw: takes no new connection
						   or dialog (fr_edge_drain_node);
						   kept across reloads */
	struct fr_check_result last_check;	/* rw: checker.c's */
	bool followed;				/* a worker that follows the
						   shared verdicts (verdicts.h):
						   no checker of its own */
	bool follow_decided;			/* ... and has seen one */
	unsigned active;			/* live sessions */
	struct fr_session_list sessions;	/* session.c's */
	struct fr_checker *checker;		/* NULL: not checked */
	SSL_SESSION *tls_session;		/* to resume, or NULL */
};

/* Build the settings of conf (the TLS context among them).  NULL with
 * the reason in err. */
struct fr_node_settings *fr_node_settings_new(const struct fr_node_conf *conf,
    char *err, size_t errlen);
/* NULL is fine. */
void fr_node_settings_free(struct fr_node_settings *set);

/* A node with one reference, up, taking set.  NULL when memory ran
 * out (set is then still the caller's). */
struct fr_node *fr_node_create(const struct fr_node_conf *conf,
    struct fr_node_settings *set);
void fr_node_ref(struct fr_node *n);
/* Drop a reference; the last one frees the node.  NULL is fine. */
void fr_node_unref(struct fr_node *n);

/* Has the node had its first verdict (its own check's, or the shared
 * one it follows), or needs none? */
bool fr_node_decided(const struct fr_node *n);

/* Would conf be this very node (name, address, transport)? */
bool fr_node_same(const struct fr_node *n, const struct fr_node_conf *conf);
/* Swap in new settings; the old ones are freed.  Cannot fail. */
void fr_node_apply(struct fr_node *n, struct fr_node_settings *set);

/*
 * A client TLS connection on fd toward the node, resuming the last
 * session when there is one; sessions the node issues are kept for the
 * next connection.  NULL when memory ran out.
 */
SSL *fr_node_tls_new(struct fr_node *n, int fd);

/* The 64-bit key of a node name for rendezvous hashing: the same on
 * every host, every run. */
uint64_t fr_node_key(const char *name);

#endif /* FR_NODE_H */
