/*
 * sipint.h -- (router-internal) what the two sides of the SIP proxy
 * share: sipout.c (the nodes' side: their requests to foreign domains)
 * and sipin.c (the public side: foreign requests to the nodes), both
 * run by sipproxy.c.
 *
 * Stateless (RFC 3261 16.11): nothing is kept per transaction.  Our Via
 * carries what a response needs to find its way back -- the connection
 * the request came on, when it came, how it was routed, and on the
 * nodes' side the node's own Vias (base64url) -- all under an HMAC with
 * a key of this process, so a peer can neither forge a response toward
 * a connection nor make the edge reveal anything.
 */
#ifndef FR_SIPINT_H
#define FR_SIPINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <ev.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "edgeconf.h"
#include "routing.h"
#include "sipconn.h"
#include "sipmac.h"
#include "sipmsg.h"

#define MAX_HIDDEN_VIA	2048	/* bytes of the node's Vias we carry */
#define MSG_MAX		(128 * 1024)	/* a forwarded message */
#define QUEUE_MAX	(1024 * 1024)	/* bytes waiting on a connection */
#define MAC_LEN		12	/* bytes of HMAC-SHA256 kept */

/* Our entries, as the foreign side and the node see them (the one
 * place their form is written; fr_sipproxy_explain() shows them). */
#define SP_RR_PUBLIC	"sip:%s;transport=%s;lr;x-fr"	/* PUBLIC:PORT, tp */
#define SP_RR_INTERNAL	"sip:%s;lr;x-fr"	/* IP:PORT;transport=tcp */
#define SP_CONTACT	"sip%s:%.*s%s%s;transport=%s;alias=%s~%d~%d"

struct fr_listener;
struct down;
struct up;
struct job;
struct fconn;

struct proxy_node {
	char name[FR_NAME_MAX];
	struct fr_sockaddr addr;
	unsigned public_port;
};

struct fr_sipproxy {
	struct fr_edge *edge;
	struct ev_loop *loop;
	struct fr_routing *rt;
	SSL_CTX *fed_tls;
	struct fr_edge_settings set;
	struct fr_sip_limits lim;
	struct proxy_node *nodes;
	size_t nnodes;
	char public_addr[INET6_ADDRSTRLEN];	/* "" : none configured */
	/* The edge's entry for the nodes' in-dialog requests: the first
	 * federation listener, "IP:PORT;transport=tcp"; "" : none. */
	char internal[FR_ADDRSTRLEN + 32];
	struct fr_sipmac mac;			/* our Via's MAC */
	LIST_HEAD(, down) downs;		/* sipout.c */
	LIST_HEAD(, up) ups;
	TAILQ_HEAD(, job) jobs;
	LIST_HEAD(, fconn) fconns;		/* sipin.c */
	unsigned nconns;
};

/* What our Via says (sipproxy.c's header comment). */
struct our_via {
	uint64_t down_id;
	uint64_t t0;			/* ms, when the request came */
	char source;			/* source_letter() */
	struct fr_span fv;		/* the node's Vias, base64url */
};

/* ---- sipproxy.c: shared helpers ---- */

/* HMAC-SHA256 of data with the process key, MAC_LEN bytes in hex. */
void sp_mac(const struct fr_sipproxy *p, const char *data, size_t len,
    char *out);
/* base64url without padding (a SIP token) and back (-1: not one). */
size_t sp_b64url(const char *in, size_t len, char *out);
long sp_unb64url(const char *in, size_t len, char *out, size_t outlen);
/* Copy a span as a C string; false if it does not fit. */
bool sp_span_copy(struct fr_span s, char *out, size_t outlen);
/* The host of the URI in a name-addr value, lower case, or "". */
void sp_uri_host(struct fr_span value, char *out, size_t outlen);
const char *sp_node_name(const struct fr_sipproxy *p, int node);
/* The node's index by address (any port), or -1. */
int sp_node_by_addr(const struct fr_sipproxy *p, const struct fr_sockaddr *a);
/* "PUBLIC:PORT" of a node (its public port; 5061 for none). */
void sp_public_entry(const struct fr_sipproxy *p, int node, char *out,
    size_t outlen);
/* Answer request m ourselves on c, with a Warning: 399 when given. */
void sp_reply(const struct fr_sipproxy *p, struct fr_sipconn *c,
    const struct fr_sipmsg *m, unsigned status, const char *reason,
    const char *warning);
/* The one log line of a request, when its fate is known. */
void sp_log_request(const struct fr_sipproxy *p, const struct fr_sipmsg *m,
    int node, const char *source, const char *target, unsigned status,
    double ms, const char *why);
/* A request that may create a dialog (Record-Route it). */
bool sp_creates_dialog(const struct fr_sipmsg *m);
char sp_source_letter(enum fr_decision d);
const char *sp_source_name(char c);
/* Is Via value v one this edge wrote (its MAC holds)?  Fills *o. */
bool sp_via_is_ours(const struct fr_sipproxy *p, struct fr_span v,
    struct our_via *o);
/* Is the name-addr value (Route, Record-Route entry) this edge's own
 * (its URI carries ;x-fr)?  When it is and uri is not NULL, *uri is
 * that URI's span, for rewriting it. */
bool sp_entry_is_ours(struct fr_span value, struct fr_span *uri);
/*
 * The edits every forwarded request gets (RFC 3261 16.6): Max-Forwards
 * one lower (69 inserted before header at when there is none; 0 is
 * refused), and our Route entry off the top.  mf is the caller's room
 * for the new value (it must live until the write).  0, or -1 with why.
 */
int sp_edit_hop(struct fr_sip_edits *ed, const struct fr_sipmsg *m,
    size_t at, char *mf, size_t mflen, char *why, size_t whylen);
/*
 * The first Contact of m through the public entry pub ("IP:PORT") with
 * ;transport=tp and alias=IP~PORT~PROTO keeping the node's own address
 * (Kamailio's form), into buf (which must live until the write).
 * 0 (also when there is no Contact to rewrite), or -1 when an edit was
 * refused.
 */
int sp_edit_contact(struct fr_sip_edits *ed, const struct fr_sipmsg *m,
    const char *pub, const char *tp, char *buf, size_t buflen);
/*
 * Insert the Record-Route line rr (CRLF-ended) on top of m's route
 * set, where the first Record-Route is, else at the end of the head.
 */
int sp_edit_record_route(struct fr_sip_edits *ed, const struct fr_sipmsg *m,
    const char *rr, size_t len);
/* m with its edits into out: the length, or -1 with why ("... is too
 * large" naming what, or the refused edit). */
long sp_write(const struct fr_sipmsg *m, const struct fr_sip_edits *ed,
    char *out, size_t outlen, char *why, size_t whylen);
/*
 * The Call-ID's host, mapped: a node writes its own address after the
 * '@' (RFC 3261 8.1.1.4 recommends it), which must not leave the edge.
 * When m's Call-ID ends in "@" from_host, it becomes "@" to_host, in
 * buf (which must live until the write).  The map is the same both
 * ways, so a dialog keeps one Call-ID on each side.  0, or -1 when the
 * edit was refused.
 */
int sp_edit_callid(struct fr_sip_edits *ed, const struct fr_sipmsg *m,
    const char *from_host, const char *to_host, char *buf, size_t buflen);
/* The node's address as text ("" for -1 or none). */
/* What every SIP connection of the proxy shares (loop, limits, queue
 * bound, owner), with its own ops and time-outs: accepted ones idle by
 * client-idle, dialed ones by server-idle. */
/* An accepted connection c of listener l ended: count it (proxied, or
 * its TLS handshake failed) and keep a failure for the status page. */
void sp_count_closed(struct fr_sipproxy *p, const struct fr_sipconn *c,
    struct fr_listener *l, const char *reason);

void sp_conn_conf(struct fr_sipconn_conf *cc, struct fr_sipproxy *p,
    const struct fr_sipconn_ops *ops, unsigned idle_ms,
    unsigned handshake_ms);

void sp_node_ip(const struct fr_sipproxy *p, int node, char *out,
    size_t outlen);
/* Does every Via value of m parse (a request the edge passes on)?
 * false with why naming the bad one. */
bool sp_vias_ok(const struct fr_sipmsg *m, char *why, size_t whylen);
/* Did the request pass this edge already? */
bool sp_looped(const struct fr_sipproxy *p, const struct fr_sipmsg *m);
/*
 * Our Via line ("Via: SIP/2.0/TP SENTBY;branch=z9hG4bK..;fr=..;fv=..")
 * for a request that came on connection id at t (seconds), routed by
 * source, carrying hidden (the Vias it replaces; may be empty); the
 * branch is derived from key (RFC 3261 16.11: the same request gives
 * the same branch).  Returns the length, -1 when out is too small.
 */
long sp_via_line(const struct fr_sipproxy *p, const char *transport,
    const char *sent_by, const char *key, size_t keylen, uint64_t id,
    double t, char source, const char *hidden, size_t hiddenlen, char *out,
    size_t outlen);

/*
 * A connection on l from client counts like a relayed one: against
 * max-connections-per-source (false: refused, logged) and
 * max-connections; sp_release() gives it back.
 */
bool sp_admit(struct fr_listener *l, const struct fr_sockaddr *client);
struct fr_edge;
void sp_release(struct fr_edge *e, const struct fr_sockaddr *client);

/* ---- sipout.c: the nodes' side ---- */
/*
 * What goes to the foreign target for node's request m, which came on
 * connection down_id at started and was routed by decision: our Via on
 * top carrying the node's, Max-Forwards less one, our Route entry gone,
 * a dialog-creating request Record-Routed and its Contact rewritten
 * through the node's public entry.  The length in out, or -1 with why.
 */
long sp_out_build(const struct fr_sipproxy *p, int node, uint64_t down_id,
    double started, enum fr_decision decision, bool tls,
    const struct fr_sipmsg *m, char *out, size_t outlen, char *why,
    size_t whylen);
/*
 * The foreign response m, whose top Via is ours (o), as the node gets
 * it: the node's Vias back, our public Record-Route entry made internal
 * ("IP:PORT;transport=tcp").  The length, or -1 with why.
 */
long sp_out_build_response(const struct fr_sipproxy *p, const char *internal,
    int node, const struct fr_sipmsg *m, const struct our_via *o, char *out,
    size_t outlen, char *why, size_t whylen);
void sp_out_accept(struct fr_sipproxy *p, struct fr_listener *l, int fd,
    const struct fr_sockaddr *client, int node);
/* At once, without callbacks (the proxy goes away). */
void sp_out_destroy(struct fr_sipproxy *p);
/* Close every connection of the side, with reason. */
void sp_out_close_all(struct fr_sipproxy *p, const char *reason);

/* ---- sipin.c: the public side ---- */
void sp_in_accept(struct fr_sipproxy *p, struct fr_listener *l, int fd,
    const struct fr_sockaddr *client);
/*
 * What goes to the node for foreign request m that came on connection
 * id: our Via (sent_by) on top, Max-Forwards less one, our Route entry
 * gone, the Request-URI restored from alias= when restore, a
 * dialog-creating request Record-Routed through p->internal.  The
 * length, or -1 with why.
 */
long sp_in_build(const struct fr_sipproxy *p, const char *sent_by,
    uint64_t id, double now, int node, const struct fr_sipmsg *m,
    const struct fr_sip_uri *ru, bool restore, char *out, size_t outlen,
    char *why, size_t whylen);
/*
 * The node's response m (our Via on top) as the foreign side gets it:
 * our Via off, our Record-Route entry and the node's Contact made
 * public through node's public entry.  The length, or -1 with why.
 */
long sp_in_build_response(const struct fr_sipproxy *p, int node,
    const struct fr_sipmsg *m, char *out, size_t outlen, char *why,
    size_t whylen);
void sp_in_destroy(struct fr_sipproxy *p);
/*
 * A foreign server that reuses the connection the edge opened to it
 * (RFC 5923, as Lync and OCS do) sends its requests there: they go to
 * the node its Request-URI or our Route names (alias=, or the node's
 * public port).  sp_in_borrow() makes the public side's object for
 * connection c (which stays its owner's, named name in the log);
 * sp_in_unborrow() lets it go when c closes; the edge's own
 * connections to nodes for it close with it.
 */
struct fconn *sp_in_borrow(struct fr_sipproxy *p, struct fr_sipconn *c,
    const char *name);
void sp_in_request(struct fconn *f, const struct fr_sipmsg *m);
/* now: at once, without callbacks (the proxy goes away). */
void sp_in_unborrow(struct fconn *f, bool now);
void sp_in_close_all(struct fr_sipproxy *p, const char *reason);

#endif /* FR_SIPINT_H */
