/*
 * edgeconf.h -- what the edge is told to do, as plain data: listeners,
 * nodes, pools, health checks, and the edge-wide timeouts and limits.
 *
 * src/conf.c fills these from fedrouted.conf(5); fr_edge_create() and
 * fr_edge_reload() (edge.h) build the running edge from them.  Nothing
 * here points at runtime state, so a reload parses a fresh set and the
 * edge swaps it in.  The edge copies what it keeps: the caller owns and
 * frees the configuration (src/conf.c: fr_config_free).
 *
 * References between sections are by index, resolved and checked by
 * the parser: a pool's members index nodes[], a listener's target
 * indexes nodes[] or pools[].  Domains and routes are matched by name
 * (router/routing.h).
 */
#ifndef FR_EDGECONF_H
#define FR_EDGECONF_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "transport.h"

#define FR_NAME_MAX		64	/* node, pool, listener names */
#define FR_POOL_MAX_NODES	64	/* members of one pool */
#define FR_NODES_MAX		512	/* node: sections */

enum fr_node_transport {
	FR_NODE_TCP,
	FR_NODE_TLS,
};

enum fr_check_kind {
	FR_CHECK_NONE,		/* always considered up */
	FR_CHECK_TCP,		/* a TCP connect to the node's address */
	FR_CHECK_TLS,		/* connect and a full TLS handshake */
	FR_CHECK_SIP_OPTIONS,	/* an OPTIONS request over the node's transport */
	FR_CHECK_XMPP,		/* an XMPP stream opened to check-domain:
				   a stream header and features come back */
};

enum fr_balance {
	FR_BALANCE_ROUNDROBIN,	/* smooth weighted round robin */
	FR_BALANCE_LEASTCONN,	/* fewest live connections per weight */
	FR_BALANCE_SOURCE,	/* rendezvous hash of the client address */
};

/* Kind of traffic on a listener; the SIP and XMPP issues add behaviour. */
enum fr_proto {
	FR_PROTO_TCP,
	FR_PROTO_SIP,
	FR_PROTO_XMPP,
};

enum fr_client_verify {
	FR_VERIFY_NONE,		/* do not ask for a client certificate */
	FR_VERIFY_OPTIONAL,	/* ask; verify one if given */
	FR_VERIFY_REQUIRE,	/* a verified client certificate is needed */
};

enum fr_tls_version {
	FR_TLS_1_2,
	FR_TLS_1_3,
};

/* What happens to live connections of a node that goes down. */
enum fr_on_down {
	FR_ON_DOWN_KEEP,
	FR_ON_DOWN_CLOSE,
};

/* TLS settings of one end: a listener (server) or a node (client). */
struct fr_tls_conf {
	char *cert;		/* certificate chain, PEM; NULL: none */
	char *key;		/* its private key, PEM */
	char *ca;		/* listener: CA of client certificates;
				   node: CA that signs the node (NULL: the
				   system's trust store) */
	char *ciphers;		/* TLS 1.2 cipher list; NULL: default */
	char *ciphersuites;	/* TLS 1.3 suites; NULL: default */
	enum fr_tls_version min_version;
	/* listener only */
	enum fr_client_verify verify_client;
	bool resumption;	/* session tickets and cache for clients */
	/* node only */
	bool verify;		/* verify the node's certificate */
	char *server_name;	/* SNI, and the name the node's certificate
				   must carry; NULL: its IP address */
};

/* Bits of fr_check_conf.set: which fields were given explicitly. */
#define FR_CHECK_SET_KIND	0x01u
#define FR_CHECK_SET_INTERVAL	0x02u
#define FR_CHECK_SET_TIMEOUT	0x04u
#define FR_CHECK_SET_RISE	0x08u
#define FR_CHECK_SET_FALL	0x10u
#define FR_CHECK_SET_STATUS	0x20u

/* SIP final status codes that count as alive, inclusive. */
struct fr_status_range {
	unsigned lo, hi;
};

struct fr_check_conf {
	enum fr_check_kind kind;
	unsigned interval_ms;	/* from the start of one check to the next */
	unsigned timeout_ms;	/* one check, connect to verdict */
	unsigned rise;		/* successes in a row to come up */
	unsigned fall;		/* failures in a row to go down */
	struct fr_status_range alive;	/* sip-options */
	unsigned set;		/* FR_CHECK_SET_* */
};

struct fr_node_conf {
	char *name;
	int line;		/* where its section starts */
	struct fr_sockaddr addr;
	unsigned public_port;	/* where foreign domains reach this node
				   again: public-port:, else the port of the
				   sip listener aimed at it alone; 0: none */
	enum fr_node_transport transport;
	unsigned weight;
	struct fr_tls_conf tls;	/* transport tls only */
	struct fr_check_conf check;
	char *check_domain;	/* check: xmpp: the node's XMPP domain */
	enum fr_on_down on_down;
};

/* A list of strings, each with the line it was written on. */
struct fr_strlist {
	char **v;
	int *line;
	size_t n;
};

struct fr_pool_conf {
	char *name;
	int line;
	enum fr_balance balance;
	struct fr_strlist members;	/* node names, as written */
	size_t *member_idx;		/* resolved: index into nodes[] */
	struct fr_check_conf check;	/* defaults for its members */
};

struct fr_listener_conf {
	char *name;		/* NULL: known by its address */
	int line;
	struct fr_sockaddr addr;
	enum fr_proto proto;
	bool tls;		/* terminate TLS with tls_conf */
	struct fr_tls_conf tls_conf;
	char *node;		/* target: one node (PAT) ... */
	char *pool;		/* ... or a pool ... */
	bool federation;	/* ... or the nodes' side: each request or
				   stream routed by its domain; exactly one
				   of the three is set */
	size_t target_idx;	/* resolved: index into nodes[] or pools[] */
	struct fr_strlist allow_from;	/* federation: CIDRs that may
					   connect besides the nodes */
	unsigned backlog;
};

/* ---- routing to foreign domains ------------------------------------- */

/* Bits of fr_domain_conf.profiles: how a foreign domain federates. */
#define FR_FED_SIP	0x1u	/* RFC 3263 */
#define FR_FED_MSFED	0x2u	/* _sipfederationtls._tcp (Lync, Skype, AOL) */
#define FR_FED_XMPP	0x4u	/* XMPP server-to-server */

enum fr_fed_policy {
	FR_POLICY_ALLOW_LIST,	/* only domains with a domain: section */
	FR_POLICY_OPEN,		/* any domain, by DNS */
};

/* One foreign domain the edge federates with (the allow list). */
struct fr_domain_conf {
	char *name;		/* "partner.example" or "*.partner.example" */
	int line;
	unsigned profiles;	/* FR_FED_* */
	struct fr_strlist peer_subjects;	/* certificate names accepted
						   besides RFC 5922's */
	unsigned transports;	/* FR_TRANSPORT_BIT(): allowed outbound */
};

/* A static route: stands in when DNS fails, or overrides it. */
enum fr_route_mode {
	FR_ROUTE_FALLBACK,	/* used when DNS finds nothing */
	FR_ROUTE_OVERRIDE,	/* used instead of DNS */
};

struct fr_hostport {
	char *host;		/* a domain name or a literal IP */
	unsigned port;
};

struct fr_route_conf {
	char *domain;		/* "example.com" or "*.example.com" */
	int line;
	struct fr_hostport next_hop;
	enum fr_transport transport;	/* udp, tcp or tls */
	unsigned priority;	/* lower is tried first */
	enum fr_route_mode mode;
};

/* The federation: section: policy and the edge's TLS toward foreign
 * domains (tls.cert/key: presented; tls.ca: trusted, NULL: the system
 * store). */
struct fr_federation_conf {
	enum fr_fed_policy policy;
	struct fr_tls_conf tls;
};

/* The resolver: section. */
struct fr_resolver_settings {
	struct fr_strlist forwarders;	/* "IP[@PORT]" */
	struct fr_strlist zone_files;	/* absolute paths */
	struct fr_strlist zone_origins;	/* each file's origin (its SOA's
					   owner), found by the check */
	char *trust_anchor;		/* NULL: no DNSSEC validation */
	size_t cache_size;		/* bytes */
	unsigned timeout_ms;		/* one DNS question */
};

/* Timeouts and limits of the edge as a whole. */
struct fr_verdicts;

struct fr_edge_settings {
	unsigned connect_timeout_ms;	/* one connect to a node, TLS included */
	unsigned connect_retries;	/* re-dispatches after a failed connect */
	unsigned handshake_timeout_ms;	/* a client's TLS handshake */
	unsigned client_idle_ms;	/* nothing moved on the client side */
	unsigned server_idle_ms;	/* nothing moved on the node side */
	unsigned drain_ms;		/* SIGTERM: wait this long for sessions */
	unsigned max_connections;	/* sessions, all listeners together */
	unsigned max_per_source;	/* sessions per client IP; 0: no limit */
	size_t buffer_size;		/* relay buffer, each direction */
	bool splice;			/* zero-copy relay for plain TCP */
	bool reuseport;			/* listeners share their port with
					   other processes (SO_REUSEPORT):
					   set by the daemon for workers */
	unsigned workers;		/* how many share it (the daemon's
					   workers); with max_per_source,
					   each client IP goes to one */
	/* Workers: the table of node verdicts they share (verdicts.h),
	 * and whether this one follows it rather than checking the nodes
	 * itself.  NULL: check them here. */
	struct fr_verdicts *verdicts;
	bool follow;
};

struct fr_edge_conf {
	struct fr_listener_conf *listeners;
	size_t nlisteners;
	struct fr_node_conf *nodes;
	size_t nnodes;
	struct fr_pool_conf *pools;
	size_t npools;
	struct fr_edge_settings set;
	struct fr_strlist public_addresses;	/* server: public-address */

	/* Routing to foreign domains. */
	struct fr_federation_conf federation;
	struct fr_domain_conf *domains;
	size_t ndomains;
	struct fr_route_conf *routes;
	size_t nroutes;
	struct fr_resolver_settings resolver;
};

#endif /* FR_EDGECONF_H */
