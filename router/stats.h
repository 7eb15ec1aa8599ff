/*
 * stats.h -- the edge's counters, for /metrics (src/metrics.c).
 *
 * One struct fr_edge_stats lives in struct fr_edge for the edge's whole
 * life, reloads included, so counters only grow.  Each thing is counted
 * at the one place it happens, by a plain increment on the loop: no
 * lock, no allocation.  A listener's row is taken by name when the
 * listener is created (at start or reload) and kept.
 *
 * src/ reads it through fr_edge_stats() and fr_stats_total() (edge.h);
 * the router's modules write it.  Nothing here prints: the names in the
 * Prometheus output are metrics.c's.
 */
#ifndef FR_STATS_H
#define FR_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "addr.h"
#include "edgeconf.h"

/* Upper bounds (seconds) of a latency histogram's buckets; one more
 * bucket, +Inf, takes the rest. */
#define FR_HIST_BOUNDS 12
extern const double fr_hist_bounds[FR_HIST_BOUNDS];

struct fr_histogram {
	uint64_t bucket[FR_HIST_BOUNDS + 1];	/* not cumulative; the last
						   is above every bound */
	uint64_t count;
	double sum;				/* seconds */
};

/* Count one observation of seconds (negative counts as 0). */
void fr_hist_observe(struct fr_histogram *h, double seconds);

/* How a connection accepted on a listener ended. */
enum fr_conn_outcome {
	FR_CONN_RELAYED,	/* a TCP/TLS/XMPP relay ran, whatever ended it */
	FR_CONN_PROXIED,	/* a SIP connection the proxy served */
	FR_CONN_NO_NODE,	/* no node up, or none could be reached */
	FR_CONN_TLS_FAILED,	/* the client's TLS handshake failed */
	FR_CONN_REFUSED,	/* the allow list or a malformed stream */
	FR_CONN_LIMITED,	/* max-connections-per-source */
	FR_CONN_ABORTED,	/* the client left, or was idle, before the
				   relay started */
	FR_CONN_ERROR,		/* out of memory and the like */
	FR_CONN_OUTCOMES
};

/* "relayed", "proxied", "no_node", ... */
const char *fr_conn_outcome_name(enum fr_conn_outcome o);

/* Listener rows: names past FR_STATS_LISTENERS - 1 share the last row,
 * named "(other)". */
#define FR_STATS_LISTENERS 64

struct fr_listener_stats {
	char name[FR_NAME_MAX + FR_ADDRSTRLEN];	/* the listener's */
	uint64_t conns[FR_CONN_OUTCOMES];
	uint64_t bytes_from_client;	/* relayed sessions, when they end */
	uint64_t bytes_to_client;
};

/* SIP methods counted by name; the rest are "other". */
enum fr_sip_method_stat {
	FR_SIPM_INVITE, FR_SIPM_ACK, FR_SIPM_BYE, FR_SIPM_CANCEL,
	FR_SIPM_OPTIONS, FR_SIPM_REGISTER, FR_SIPM_MESSAGE,
	FR_SIPM_SUBSCRIBE, FR_SIPM_NOTIFY, FR_SIPM_INFO, FR_SIPM_UPDATE,
	FR_SIPM_PRACK, FR_SIPM_REFER, FR_SIPM_PUBLISH, FR_SIPM_OTHER,
	FR_SIPM_COUNT
};

/* "INVITE", ..., "other". */
const char *fr_sip_method_stat_name(enum fr_sip_method_stat m);
/* The method named by the len bytes at s (case as sent: SIP methods
 * are case-sensitive). */
enum fr_sip_method_stat fr_sip_method_stat_of(const char *s, size_t len);

/* Recent failures, for the status page: the last FR_STATS_RECENT. */
#define FR_STATS_RECENT 20
struct fr_failure {
	double at;			/* wall clock (ev_time) */
	char what[240];			/* escaped for a log line */
};

/* Routing decisions, indexed by enum fr_decision (routing.h). */
#define FR_STATS_DECISIONS 6

/* The counters: plain data, no pointer, so that a copy of them can sit
 * in memory shared between worker processes and be added up. */
struct fr_stats_counts {
	struct fr_listener_stats listeners[FR_STATS_LISTENERS];
	size_t nlisteners;			/* rows in use */

	/* SIP messages the proxy read, from nodes and foreign servers */
	uint64_t sip_requests[FR_SIPM_COUNT];
	uint64_t sip_responses[6];		/* [0] 1xx .. [5] 6xx */
	/* responses the proxy made itself (400, 403, 404, 503 ...) */
	uint64_t sip_local_responses[6];

	uint64_t decisions[FR_STATS_DECISIONS];
	/* resolutions routing started (cache answers are not counted
	 * here: the resolver's cache counts them) */
	struct fr_histogram resolution;

	/* health checks */
	struct fr_histogram check;		/* every check's duration */
	uint64_t checks_failed;
	uint64_t node_went_up, node_went_down;	/* verdicts that set a
						   node's state (first
						   verdicts included) */

	/* TLS handshakes: [0] as server, [1] as client; [.][0] done,
	 * [.][1] failed */
	uint64_t tls[2][2];
};

/*
 * Workers (fedrouted with workers > 1): the master maps one board in
 * memory shared by every worker before it forks them; each worker
 * publishes its counters in its own slot once a second
 * (FR_STATS_PUBLISH), and the worker that serves /metrics adds them up.
 * A slot is written by one process only, under a sequence number (odd
 * while being written), so a reader never sees half a copy.  A worker
 * that replaces a dead one starts from what its slot holds, so the sums
 * do not go back (only the dead one's last second is lost).
 */
#define FR_STATS_PUBLISH 1.0		/* seconds */

struct fr_stats_slot {
	uint64_t seq;
	bool used;			/* a worker has written it */
	struct fr_stats_counts n;
};

struct fr_stats_board {
	unsigned nslots;
	struct fr_stats_slot slot[];
};

/* A board of nslots in shared memory (mmap), zeroed; NULL with errno. */
struct fr_stats_board *fr_stats_board_create(unsigned nslots);
/* NULL is fine. */
void fr_stats_board_delete(struct fr_stats_board *b);

struct fr_edge_stats {
	struct fr_stats_counts n;	/* this process's, since it started */
	/* recent[nrecent % FR_STATS_RECENT] is the next slot */
	struct fr_failure recent[FR_STATS_RECENT];
	uint64_t nrecent;
	/* sharing (fr_stats_share) */
	struct ev_loop *loop;
	struct fr_stats_board *board;	/* NULL: a lone process */
	unsigned slot;			/* ours on the board */
	struct fr_stats_counts *base;	/* what the slot held at start */
	ev_timer publish;
};

/*
 * The row of listener name in n: the row already named so, a new one,
 * or the shared "(other)" row once FR_STATS_LISTENERS - 1 are taken.
 */
struct fr_listener_stats *fr_stats_listener(struct fr_stats_counts *n,
    const char *name);

/* Add every counter of b into a (listener rows by name). */
void fr_stats_add(struct fr_stats_counts *a, const struct fr_stats_counts *b);

/*
 * Publish st's counters in board's slot from now on, once a second on
 * loop, starting from what the slot holds (a predecessor's figures).
 * -1 when memory ran out (st then counts on, unshared).
 */
int fr_stats_share(struct fr_edge_stats *st, struct ev_loop *loop,
    struct fr_stats_board *board, unsigned slot);

/* Stop publishing (a last copy is written first); free what sharing
 * took. */
void fr_stats_unshare(struct fr_edge_stats *st);

/*
 * The sum, now: this process's counters, plus, when sharing, its slot's
 * start and every other used slot of the board.  Returns how many
 * processes it covers.
 */
unsigned fr_stats_total(const struct fr_edge_stats *st,
    struct fr_stats_counts *out);

/* A connection of listener row ls (NULL is fine) ended with o. */
static inline void
fr_stats_conn(struct fr_listener_stats *ls, enum fr_conn_outcome o)
{
	if (ls != NULL)
		ls->conns[o]++;
}

/* A TLS handshake finished; st NULL is fine. */
static inline void
fr_stats_tls(struct fr_edge_stats *st, bool server, bool ok)
{
	if (st != NULL)
		st->n.tls[server ? 0 : 1][ok ? 0 : 1]++;
}

/* Remember a failure for the status page (the oldest goes).  The text
 * is escaped (escape.h) and cut to fit; st NULL is fine. */
void fr_stats_failure(struct fr_edge_stats *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A SIP message was read: a request with method [s, s + len), or a
 * response with status (100-699).  st NULL is fine. */
void fr_stats_sip(struct fr_edge_stats *st, bool request, const char *s,
    size_t len, unsigned status);

#endif /* FR_STATS_H */
