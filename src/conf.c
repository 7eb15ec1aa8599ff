/*
 * conf.c -- fedrouted.conf(5): the option table, the parser, the checks
 * across sections, and the printer.
 *
 * Every option is one row of opts[]: its section, type, bounds, default
 * (written in the file's own syntax and parsed by the same code as the
 * file) and where its value goes.  Nothing else in the tree knows an
 * option's name.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ifaddrs.h>
#include <openssl/ssl.h>

#include "conf.h"
#include "escape.h"
#include "ipport.h"
#include "plan.h"
#include "strlist.h"
#include "textfile.h"
#include "tls.h"
#include "util.h"
#include "zonefile.h"

#define LINE_MAX_LEN	4096	/* longest line we read */

/* ---------------------------------------------------------------- table */

enum sect {
	S_SERVER,
	S_RESOLVER,
	S_NODE,
	S_POOL,
	S_LISTENER,
	S_ROUTE,
	S_FEDERATION,
	S_DOMAIN,
	S_COUNT
};

enum type {
	T_STR,		/* any non-empty text */
	T_NAME,		/* an identifier: letters, digits, . _ - */
	T_PATH,		/* a file; relative to the file's directory */
	T_UINT,		/* unsigned in [min, max] */
	T_MODE,		/* file permissions, octal, at most 0777 */
	T_MS,		/* duration, stored in milliseconds */
	T_SIZE,		/* byte count, size_t */
	T_BOOL,		/* yes | no */
	T_ENUM,		/* one of choices[], stored as int */
	T_ADDR,		/* IP:PORT, struct fr_sockaddr */
	T_IP,		/* a bare IP address (list elements) */
	T_FORWARDER,	/* IP[@PORT] (list elements) */
	T_STATUS,	/* SIP status range LO-HI, struct fr_status_range */
	T_TARGET,	/* "node NAME" | "pool NAME" */
	T_HOSTPORT,	/* HOST:PORT, struct fr_hostport */
	T_DOMAIN,	/* example.com or *.example.com */
	T_CIDR,		/* IP or IP/PREFIX (list elements) */
	T_PROFILES,	/* "sip, ms-fed": FR_FED_* bits; lines add up */
	T_TRANSPORTS,	/* "tls, tcp": FR_TRANSPORT_BIT()s; lines add up */
};

struct choice {
	const char *name;
	int value;
};

#define F_MULTI		0x1	/* may repeat; the field is a fr_strlist */
#define F_REQUIRED	0x2	/* the section is incomplete without it */

struct opt {
	const char *name;
	enum sect sect;
	enum type type;
	unsigned flags;
	size_t off;			/* in the section's struct */
	unsigned long long min, max;	/* T_UINT, T_MS, T_SIZE */
	const char *def;		/* default, in file syntax; NULL: none */
	const struct choice *choices;	/* T_ENUM */
	size_t setoff;			/* health checks: where ... */
	unsigned setbit;		/* ... to record "given explicitly" */
};

static const struct choice c_log[] = {
	{ "stderr", FR_LOG_STDERR }, { "syslog", FR_LOG_SYSLOG }, { NULL, 0 },
};
static const struct choice c_level[] = {
	{ "err", LOG_ERR }, { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
	{ "debug", LOG_DEBUG }, { NULL, 0 },
};
static const struct choice c_facility[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 }, { NULL, 0 },
};
static const struct choice c_node_transport[] = {
	{ "tcp", FR_NODE_TCP }, { "tls", FR_NODE_TLS }, { NULL, 0 },
};
static const struct choice c_check[] = {
	{ "none", FR_CHECK_NONE }, { "tcp", FR_CHECK_TCP },
	{ "tls", FR_CHECK_TLS }, { "sip-options", FR_CHECK_SIP_OPTIONS },
	{ "xmpp", FR_CHECK_XMPP }, { NULL, 0 },
};
static const struct choice c_balance[] = {
	{ "roundrobin", FR_BALANCE_ROUNDROBIN },
	{ "leastconn", FR_BALANCE_LEASTCONN },
	{ "source", FR_BALANCE_SOURCE }, { NULL, 0 },
};
static const struct choice c_proto[] = {
	{ "tcp", FR_PROTO_TCP }, { "sip", FR_PROTO_SIP },
	{ "xmpp", FR_PROTO_XMPP }, { NULL, 0 },
};
static const struct choice c_verify_client[] = {
	{ "none", FR_VERIFY_NONE }, { "optional", FR_VERIFY_OPTIONAL },
	{ "require", FR_VERIFY_REQUIRE }, { NULL, 0 },
};
static const struct choice c_tls_version[] = {
	{ "1.2", FR_TLS_1_2 }, { "1.3", FR_TLS_1_3 }, { NULL, 0 },
};
static const struct choice c_on_down[] = {
	{ "keep", FR_ON_DOWN_KEEP }, { "close", FR_ON_DOWN_CLOSE },
	{ NULL, 0 },
};
static const struct choice c_route_transport[] = {
	{ "udp", FR_TRANSPORT_UDP }, { "tcp", FR_TRANSPORT_TCP },
	{ "tls", FR_TRANSPORT_TLS }, { NULL, 0 },
};
static const struct choice c_policy[] = {
	{ "allow-list", FR_POLICY_ALLOW_LIST }, { "open", FR_POLICY_OPEN },
	{ NULL, 0 },
};
/* T_PROFILES and T_TRANSPORTS: the words of a list and their bits. */
static const struct choice c_profiles[] = {
	{ "sip", FR_FED_SIP }, { "ms-fed", FR_FED_MSFED },
	{ "xmpp-s2s", FR_FED_XMPP }, { NULL, 0 },
};
static const struct choice c_transports[] = {
	{ "tcp", 1u << FR_TRANSPORT_TCP }, { "tls", 1u << FR_TRANSPORT_TLS },
	{ NULL, 0 },
};
static const struct choice c_route_mode[] = {
	{ "fallback", FR_ROUTE_FALLBACK }, { "override", FR_ROUTE_OVERRIDE },
	{ NULL, 0 },
};

#define SEC	1000ULL
#define MIN	(60 * SEC)
#define HOUR	(60 * MIN)
#define DAY	(24 * HOUR)

/* Row helpers: where an option's value goes, and a number's bounds. */
#define O(n, s, t, fl, o) \
	.name = (n), .sect = (s), .type = (t), .flags = (fl), .off = (o)
#define RANGE(lo, hi, d)	.min = (lo), .max = (hi), .def = (d)

#define SRV(f)	offsetof(struct fr_config, f)
#define NODE(f)	offsetof(struct fr_node_conf, f)
#define POOL(f)	offsetof(struct fr_pool_conf, f)
#define LSN(f)	offsetof(struct fr_listener_conf, f)
#define RTE(f)	offsetof(struct fr_route_conf, f)
#define DOM(f)	offsetof(struct fr_domain_conf, f)

/* The health-check options, the same for a node and for a pool. */
#define CHECK_SET(OFF, bit)	.setoff = OFF(check.set), .setbit = (bit)
#define CHECK_OPTS(S, OFF)						\
	{ O("check", S, T_ENUM, 0, OFF(check.kind)), .def = "tcp",	\
	  .choices = c_check, CHECK_SET(OFF, FR_CHECK_SET_KIND) },	\
	{ O("check-interval", S, T_MS, 0, OFF(check.interval_ms)),	\
	  RANGE(100, HOUR, "2s"), CHECK_SET(OFF, FR_CHECK_SET_INTERVAL) }, \
	{ O("check-timeout", S, T_MS, 0, OFF(check.timeout_ms)),	\
	  RANGE(10, MIN, "1s"), CHECK_SET(OFF, FR_CHECK_SET_TIMEOUT) },	\
	{ O("check-rise", S, T_UINT, 0, OFF(check.rise)),		\
	  RANGE(1, 100, "2"), CHECK_SET(OFF, FR_CHECK_SET_RISE) },	\
	{ O("check-fall", S, T_UINT, 0, OFF(check.fall)),		\
	  RANGE(1, 100, "3"), CHECK_SET(OFF, FR_CHECK_SET_FALL) },	\
	{ O("check-sip-status", S, T_STATUS, 0, OFF(check.alive)),	\
	  .def = "200-499", CHECK_SET(OFF, FR_CHECK_SET_STATUS) }

static const struct opt opts[] = {
	/* server: the daemon and the edge as a whole */
	{ O("workers", S_SERVER, T_UINT, 0, SRV(workers)),
	  RANGE(1, FR_WORKERS_MAX, "1") },
	{ O("user", S_SERVER, T_STR, 0, SRV(user)), .def = "fedroute" },
	{ O("pidfile", S_SERVER, T_PATH, 0, SRV(pidfile)) },
	{ O("http", S_SERVER, T_ADDR, 0, SRV(http)) },
	{ O("control", S_SERVER, T_PATH, 0, SRV(control)) },
	{ O("control-mode", S_SERVER, T_MODE, 0, SRV(control_mode)),
	  .def = "0660" },
	{ O("control-group", S_SERVER, T_STR, 0, SRV(control_group)),
	  .def = "" },
	{ O("log", S_SERVER, T_ENUM, 0, SRV(log)), .def = "stderr",
	  .choices = c_log },
	{ O("log-level", S_SERVER, T_ENUM, 0, SRV(log_level)), .def = "info",
	  .choices = c_level },
	{ O("syslog-facility", S_SERVER, T_ENUM, 0, SRV(log_facility)),
	  .def = "daemon", .choices = c_facility },
	{ O("public-address", S_SERVER, T_IP, F_MULTI,
	  SRV(edge.public_addresses)) },
	{ O("max-connections", S_SERVER, T_UINT, 0,
	  SRV(edge.set.max_connections)), RANGE(1, 1000000, "10000") },
	{ O("max-connections-per-source", S_SERVER, T_UINT, 0,
	  SRV(edge.set.max_per_source)), RANGE(0, 1000000, "0") },
	{ O("connect-timeout", S_SERVER, T_MS, 0,
	  SRV(edge.set.connect_timeout_ms)), RANGE(10, 5 * MIN, "4s") },
	{ O("connect-retries", S_SERVER, T_UINT, 0,
	  SRV(edge.set.connect_retries)), RANGE(0, 16, "2") },
	{ O("handshake-timeout", S_SERVER, T_MS, 0,
	  SRV(edge.set.handshake_timeout_ms)), RANGE(10, 5 * MIN, "10s") },
	{ O("client-idle-timeout", S_SERVER, T_MS, 0,
	  SRV(edge.set.client_idle_ms)), RANGE(100, 7 * DAY, "30m") },
	{ O("server-idle-timeout", S_SERVER, T_MS, 0,
	  SRV(edge.set.server_idle_ms)), RANGE(100, 7 * DAY, "30m") },
	{ O("drain-timeout", S_SERVER, T_MS, 0, SRV(edge.set.drain_ms)),
	  RANGE(0, HOUR, "30s") },
	{ O("buffer-size", S_SERVER, T_SIZE, 0, SRV(edge.set.buffer_size)),
	  RANGE(4096, 1024 * 1024, "16k") },
	{ O("splice", S_SERVER, T_BOOL, 0, SRV(edge.set.splice)),
	  .def = "yes" },

	/* resolver: outbound DNS for routing to foreign domains */
	{ O("forwarder", S_RESOLVER, T_FORWARDER, F_MULTI,
	  SRV(edge.resolver.forwarders)) },
	{ O("zone-file", S_RESOLVER, T_PATH, F_MULTI,
	  SRV(edge.resolver.zone_files)) },
	{ O("zone-origin", S_RESOLVER, T_DOMAIN, F_MULTI,
	  SRV(edge.resolver.zone_origins)) },
	{ O("trust-anchor-file", S_RESOLVER, T_PATH, 0,
	  SRV(edge.resolver.trust_anchor)) },
	{ O("cache-size", S_RESOLVER, T_SIZE, 0, SRV(edge.resolver.cache_size)),
	  RANGE(64 * 1024, 1024ULL * 1024 * 1024, "4m") },
	{ O("timeout", S_RESOLVER, T_MS, 0, SRV(edge.resolver.timeout_ms)),
	  RANGE(100, MIN, "5s") },

	/* node: one IM&P server */
	{ O("name", S_NODE, T_NAME, F_REQUIRED, NODE(name)) },
	{ O("address", S_NODE, T_ADDR, F_REQUIRED, NODE(addr)) },
	{ O("transport", S_NODE, T_ENUM, 0, NODE(transport)), .def = "tcp",
	  .choices = c_node_transport },
	{ O("weight", S_NODE, T_UINT, 0, NODE(weight)), RANGE(1, 1000, "1") },
	{ O("public-port", S_NODE, T_UINT, 0, NODE(public_port)),
	  RANGE(0, 65535, "0") },
	{ O("on-down", S_NODE, T_ENUM, 0, NODE(on_down)), .def = "keep",
	  .choices = c_on_down },
	{ O("tls-ca", S_NODE, T_PATH, 0, NODE(tls.ca)) },
	{ O("tls-verify", S_NODE, T_BOOL, 0, NODE(tls.verify)), .def = "yes" },
	{ O("tls-server-name", S_NODE, T_DOMAIN, 0, NODE(tls.server_name)) },
	{ O("tls-cert", S_NODE, T_PATH, 0, NODE(tls.cert)) },
	{ O("tls-key", S_NODE, T_PATH, 0, NODE(tls.key)) },
	{ O("tls-ciphers", S_NODE, T_STR, 0, NODE(tls.ciphers)) },
	{ O("tls-ciphersuites", S_NODE, T_STR, 0, NODE(tls.ciphersuites)) },
	{ O("tls-min-version", S_NODE, T_ENUM, 0, NODE(tls.min_version)),
	  .def = "1.2", .choices = c_tls_version },
	CHECK_OPTS(S_NODE, NODE),
	{ O("check-domain", S_NODE, T_DOMAIN, 0, NODE(check_domain)) },

	/* pool: nodes that share the load */
	{ O("name", S_POOL, T_NAME, F_REQUIRED, POOL(name)) },
	{ O("balance", S_POOL, T_ENUM, 0, POOL(balance)), .def = "roundrobin",
	  .choices = c_balance },
	{ O("member", S_POOL, T_NAME, F_MULTI | F_REQUIRED, POOL(members)) },
	CHECK_OPTS(S_POOL, POOL),

	/* listener: a public address and port, and where its traffic goes */
	{ O("name", S_LISTENER, T_NAME, 0, LSN(name)) },
	{ O("address", S_LISTENER, T_ADDR, F_REQUIRED, LSN(addr)) },
	{ O("protocol", S_LISTENER, T_ENUM, 0, LSN(proto)), .def = "tcp",
	  .choices = c_proto },
	{ O("target", S_LISTENER, T_TARGET, F_REQUIRED, LSN(node)) },
	{ O("allow-from", S_LISTENER, T_CIDR, F_MULTI, LSN(allow_from)) },
	{ O("backlog", S_LISTENER, T_UINT, 0, LSN(backlog)),
	  RANGE(1, 65535, "511") },
	{ O("tls", S_LISTENER, T_BOOL, 0, LSN(tls)), .def = "no" },
	{ O("tls-cert", S_LISTENER, T_PATH, 0, LSN(tls_conf.cert)) },
	{ O("tls-key", S_LISTENER, T_PATH, 0, LSN(tls_conf.key)) },
	{ O("tls-ca", S_LISTENER, T_PATH, 0, LSN(tls_conf.ca)) },
	{ O("tls-verify-client", S_LISTENER, T_ENUM, 0,
	  LSN(tls_conf.verify_client)), .def = "none",
	  .choices = c_verify_client },
	{ O("tls-resumption", S_LISTENER, T_BOOL, 0,
	  LSN(tls_conf.resumption)), .def = "yes" },
	{ O("tls-ciphers", S_LISTENER, T_STR, 0, LSN(tls_conf.ciphers)) },
	{ O("tls-ciphersuites", S_LISTENER, T_STR, 0,
	  LSN(tls_conf.ciphersuites)) },
	{ O("tls-min-version", S_LISTENER, T_ENUM, 0,
	  LSN(tls_conf.min_version)), .def = "1.2",
	  .choices = c_tls_version },

	/* route: a static route for a foreign domain */
	{ O("domain", S_ROUTE, T_DOMAIN, F_REQUIRED, RTE(domain)) },
	{ O("next-hop", S_ROUTE, T_HOSTPORT, F_REQUIRED, RTE(next_hop)) },
	{ O("transport", S_ROUTE, T_ENUM, 0, RTE(transport)), .def = "tls",
	  .choices = c_route_transport },
	{ O("priority", S_ROUTE, T_UINT, 0, RTE(priority)),
	  RANGE(0, 65535, "10") },
	{ O("mode", S_ROUTE, T_ENUM, 0, RTE(mode)), .def = "fallback",
	  .choices = c_route_mode },

	/* federation: the policy and the edge's TLS toward foreign domains */
	{ O("policy", S_FEDERATION, T_ENUM, 0, SRV(edge.federation.policy)),
	  .def = "allow-list", .choices = c_policy },
	{ O("tls-cert", S_FEDERATION, T_PATH, 0,
	  SRV(edge.federation.tls.cert)) },
	{ O("tls-key", S_FEDERATION, T_PATH, 0,
	  SRV(edge.federation.tls.key)) },
	{ O("tls-ca", S_FEDERATION, T_PATH, 0,
	  SRV(edge.federation.tls.ca)) },
	{ O("tls-min-version", S_FEDERATION, T_ENUM, 0,
	  SRV(edge.federation.tls.min_version)), .def = "1.2",
	  .choices = c_tls_version },

	/* domain: a foreign domain we federate with (the allow list) */
	{ O("name", S_DOMAIN, T_DOMAIN, F_REQUIRED, DOM(name)) },
	{ O("profile", S_DOMAIN, T_PROFILES, 0, DOM(profiles)),
	  .def = "sip, xmpp-s2s", .choices = c_profiles },
	{ O("peer-subject", S_DOMAIN, T_STR, F_MULTI, DOM(peer_subjects)) },
	{ O("transport", S_DOMAIN, T_TRANSPORTS, 0, DOM(transports)),
	  .def = "tls", .choices = c_transports },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* Sections: singletons live in struct fr_config itself; each header of
 * a repeated section appends one element to an array there. */
static const struct section {
	const char *name;
	bool repeated;
	size_t size;		/* element size */
	size_t arr, cnt;	/* array pointer and count in fr_config */
	size_t line;		/* "int line" in the element */
} sections[S_COUNT] = {
	[S_SERVER] = { "server", false, 0, 0, 0, 0 },
	[S_RESOLVER] = { "resolver", false, 0, 0, 0, 0 },
	[S_NODE] = { "node", true, sizeof(struct fr_node_conf),
	    SRV(edge.nodes), SRV(edge.nnodes), NODE(line) },
	[S_POOL] = { "pool", true, sizeof(struct fr_pool_conf),
	    SRV(edge.pools), SRV(edge.npools), POOL(line) },
	[S_LISTENER] = { "listener", true, sizeof(struct fr_listener_conf),
	    SRV(edge.listeners), SRV(edge.nlisteners), LSN(line) },
	[S_ROUTE] = { "route", true, sizeof(struct fr_route_conf),
	    SRV(edge.routes), SRV(edge.nroutes), RTE(line) },
	[S_FEDERATION] = { "federation", false, 0, 0, 0, 0 },
	[S_DOMAIN] = { "domain", true, sizeof(struct fr_domain_conf),
	    SRV(edge.domains), SRV(edge.ndomains), DOM(line) },
};

/* --------------------------------------------------------------- parser */

struct parser {
	struct fr_config *cfg;
	const char *file;
	char dir[PATH_MAX];		/* for relative paths */
	int line;			/* being read */
	int sect;			/* current section, -1 before any */
	void *base;			/* current section's struct */
	int seen[NOPTS];		/* line an option was given on */
	unsigned nerrors;
	fr_config_report_fn *report;
	void *arg;
};

static void perr(struct parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct parser *p, int line, const char *fmt, ...)
{
	char msg[1024], shown[1024];
	int n = 0;
	va_list ap;

	if (++p->nerrors > FR_CONFIG_MAX_ERRORS) {
		if (p->nerrors == FR_CONFIG_MAX_ERRORS + 1)
			p->report(p->arg, "too many errors; not reporting "
			    "the rest");
		return;
	}
	if (line > 0)
		n = snprintf(msg, sizeof(msg), "%s:%d: ", p->file, line);
	else
		n = snprintf(msg, sizeof(msg), "%s: ", p->file);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	/* Values and paths are the file's: escaped, they cannot write to
	 * the terminal or the log of whoever reads the error. */
	p->report(p->arg, fr_escape_str(shown, sizeof(shown), msg));
}

static void *
field(void *base, const struct opt *o)
{
	return (char *)base + o->off;
}

static const char *
sect_name(int s)
{
	return sections[s].name;
}

static bool
is_name_char(int c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '-';
}

/* Digits only, no sign, no overflow. */
static int
parse_digits(const char **sp, unsigned long long *out)
{
	const char *s = *sp;
	unsigned long long v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (ULLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	*sp = s;
	*out = v;
	return 0;
}

/* "500ms", "4s", "30m", "1h", "1d"; a bare number is milliseconds. */
static int
parse_ms(const char *s, unsigned long long *out)
{
	static const struct {
		const char *unit;
		unsigned long long mult;
	} units[] = {
		{ "", 1 }, { "ms", 1 }, { "s", SEC }, { "m", MIN },
		{ "h", HOUR }, { "d", DAY },
	};
	unsigned long long v;
	size_t i;

	if (parse_digits(&s, &v) != 0)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s, units[i].unit) == 0) {
			if (v > ULLONG_MAX / units[i].mult)
				return -1;
			*out = v * units[i].mult;
			return 0;
		}
	return -1;
}

/* "16384", "16k", "4m", "1g" (powers of 1024, either case). */
static int
parse_size(const char *s, unsigned long long *out)
{
	unsigned long long v, mult = 1;

	if (parse_digits(&s, &v) != 0)
		return -1;
	switch (tolower((unsigned char)*s)) {
	case '\0':
		break;
	case 'k':
		mult = 1024;
		break;
	case 'm':
		mult = 1024 * 1024;
		break;
	case 'g':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		return -1;
	}
	if (*s != '\0' && s[1] != '\0')
		return -1;
	if (v > ULLONG_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static void
fmt_ms(unsigned long long ms, char *buf, size_t len)
{
	if (ms != 0 && ms % DAY == 0)
		snprintf(buf, len, "%llud", ms / DAY);
	else if (ms != 0 && ms % HOUR == 0)
		snprintf(buf, len, "%lluh", ms / HOUR);
	else if (ms != 0 && ms % MIN == 0)
		snprintf(buf, len, "%llum", ms / MIN);
	else if (ms != 0 && ms % SEC == 0)
		snprintf(buf, len, "%llus", ms / SEC);
	else
		snprintf(buf, len, "%llums", ms);
}

static void
fmt_size(unsigned long long n, char *buf, size_t len)
{
	if (n != 0 && n % (1024 * 1024 * 1024) == 0)
		snprintf(buf, len, "%llug", n / (1024 * 1024 * 1024));
	else if (n != 0 && n % (1024 * 1024) == 0)
		snprintf(buf, len, "%llum", n / (1024 * 1024));
	else if (n != 0 && n % 1024 == 0)
		snprintf(buf, len, "%lluk", n / 1024);
	else
		snprintf(buf, len, "%llu", n);
}

/* Domain name or "*.suffix": letter-digit-hyphen labels, lower-cased. */
static int
check_domain(char *s, bool wildcard_ok)
{
	char *label = s;
	size_t len = strlen(s), i, l = 0;

	if (wildcard_ok && strncmp(s, "*.", 2) == 0)
		label = s + 2;
	else if (strchr(s, '*') != NULL)
		return -1;
	len = strlen(label);
	if (len > 0 && label[len - 1] == '.')
		label[--len] = '\0';
	if (len == 0 || len > 253)
		return -1;
	for (i = 0; i < len; i++) {
		if (label[i] == '.') {
			if (l == 0)
				return -1;
			l = 0;
			continue;
		}
		if (!isalnum((unsigned char)label[i]) && label[i] != '-')
			return -1;
		if (++l > 63)
			return -1;
	}
	if (l == 0)
		return -1;
	for (i = 0; s[i] != '\0'; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	return 0;
}

/* Routes and domains name a domain or all its subdomains. */
static bool
wildcard_domain(const struct opt *o)
{
	return o->sect == S_ROUTE || o->sect == S_DOMAIN;
}

/* Options that may be given on several lines of a section. */
static bool
repeatable(const struct opt *o)
{
	return (o->flags & F_MULTI) || o->type == T_PROFILES ||
	    o->type == T_TRANSPORTS;
}

/*
 * "sip, ms-fed" or "tls tcp": words from choices, separated by commas
 * or blanks, into the union of their bits.  0, or -1 when a word is
 * not one of them or the list is empty.
 */
static int
parse_word_list(const char *s, const struct choice *choices, unsigned *out)
{
	unsigned bits = 0;
	size_t n, i;

	for (;;) {
		s += strspn(s, ", \t");
		if (*s == '\0')
			break;
		n = strcspn(s, ", \t");
		for (i = 0; choices[i].name != NULL; i++)
			if (strlen(choices[i].name) == n &&
			    strncmp(s, choices[i].name, n) == 0)
				break;
		if (choices[i].name == NULL)
			return -1;
		bits |= (unsigned)choices[i].value;
		s += n;
	}
	if (bits == 0)
		return -1;
	*out = bits;
	return 0;
}

static void
expected_text(const struct opt *o, char *buf, size_t len)
{
	char a[32], b[32];
	size_t i, n;

	switch (o->type) {
	case T_STR:
		snprintf(buf, len, "a value (\"\" for an empty one)");
		break;
	case T_NAME:
		snprintf(buf, len, "a name of 1 to %d letters, digits, '.', "
		    "'_' or '-'", FR_NAME_MAX - 1);
		break;
	case T_PATH:
		snprintf(buf, len, "a file name");
		break;
	case T_UINT:
		snprintf(buf, len, "a whole number from %llu to %llu",
		    o->min, o->max);
		break;
	case T_MODE:
		snprintf(buf, len, "permissions in octal, 0000 to 0777 "
		    "(0660)");
		break;
	case T_MS:
		fmt_ms(o->min, a, sizeof(a));
		fmt_ms(o->max, b, sizeof(b));
		snprintf(buf, len, "a duration from %s to %s (500ms, 4s, "
		    "30m, 1h; a bare number is milliseconds)", a, b);
		break;
	case T_SIZE:
		fmt_size(o->min, a, sizeof(a));
		fmt_size(o->max, b, sizeof(b));
		snprintf(buf, len, "a size from %s to %s (bytes, or with k, "
		    "m, g)", a, b);
		break;
	case T_BOOL:
		snprintf(buf, len, "yes or no");
		break;
	case T_ENUM:
		n = (size_t)snprintf(buf, len, "one of");
		for (i = 0; o->choices[i].name != NULL && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s %s",
			    i == 0 ? "" : ",", o->choices[i].name);
		break;
	case T_ADDR:
		snprintf(buf, len, "IP:PORT (IPv6 as [IP]:PORT)");
		break;
	case T_IP:
		snprintf(buf, len, "an IPv4 or IPv6 address");
		break;
	case T_FORWARDER:
		snprintf(buf, len, "IP or IP@PORT (a literal IPv4 or IPv6 "
		    "address; a port from 1 to 65535)");
		break;
	case T_STATUS:
		snprintf(buf, len, "a SIP status range such as 200-499");
		break;
	case T_TARGET:
		snprintf(buf, len, "\"node NAME\" or \"pool NAME\", or "
		    "federation");
		break;
	case T_HOSTPORT:
		snprintf(buf, len, "HOST:PORT (a domain name or IP, then a "
		    "port from 1 to 65535)");
		break;
	case T_DOMAIN:
		snprintf(buf, len, wildcard_domain(o) ?
		    "a domain name, or *.domain for its subdomains" :
		    "a domain name");
		break;
	case T_CIDR:
		snprintf(buf, len, "an IP address or a network such as "
		    "10.10.1.0/24");
		break;
	case T_PROFILES:
	case T_TRANSPORTS:
		n = (size_t)snprintf(buf, len, "a list of");
		for (i = 0; o->choices[i].name != NULL && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s %s",
			    i == 0 ? "" : ",", o->choices[i].name);
		break;
	}
}

static int
replace_str(char **dst, const char *src)
{
	char *copy = strdup(src);

	if (copy == NULL)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

/*
 * Check val against o's type and store it in base.  0; -1 when val is
 * not what o expects; -2 when memory ran out.
 */
static int
set_value(struct parser *p, const struct opt *o, void *base, const char *val,
    const char **whyp)
{
	char buf[PATH_MAX + 1];
	void *f = field(base, o);
	unsigned long long v;
	const char *why;
	size_t i;

	switch (o->type) {
	case T_STR:
		break;		/* "" too: user: "" means stay root */
	case T_NAME:
		if (*val == '\0' || strlen(val) >= FR_NAME_MAX)
			return -1;
		for (i = 0; val[i] != '\0'; i++)
			if (!is_name_char((unsigned char)val[i]))
				return -1;
		break;
	case T_PATH:
		if (*val == '\0')
			return -1;
		if (*val != '/') {
			if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", p->dir,
			    val) >= sizeof(buf))
				return -1;
			val = buf;
		}
		break;
	case T_UINT:
		if (parse_digits(&val, &v) != 0 || *val != '\0' ||
		    v < o->min || v > o->max)
			return -1;
		*(unsigned *)f = (unsigned)v;
		return 0;
	case T_MODE:
		for (v = 0, i = 0; val[i] >= '0' && val[i] <= '7' && i < 4;
		    i++)
			v = v * 8 + (unsigned)(val[i] - '0');
		if (i == 0 || val[i] != '\0' || v > 0777)
			return -1;
		*(unsigned *)f = (unsigned)v;
		return 0;
	case T_MS:
		if (parse_ms(val, &v) != 0 || v < o->min || v > o->max)
			return -1;
		*(unsigned *)f = (unsigned)v;
		return 0;
	case T_SIZE:
		if (parse_size(val, &v) != 0 || v < o->min || v > o->max)
			return -1;
		*(size_t *)f = (size_t)v;
		return 0;
	case T_BOOL:
		if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0)
			return -1;
		*(bool *)f = strcmp(val, "yes") == 0;
		return 0;
	case T_ENUM:
		for (i = 0; o->choices[i].name != NULL; i++)
			if (strcmp(val, o->choices[i].name) == 0) {
				*(int *)f = o->choices[i].value;
				return 0;
			}
		return -1;
	case T_ADDR:
		if (fr_addr_parse(val, f, &why) == 0)
			return 0;
		*whyp = why;
		return -1;
	case T_IP: {
		struct fr_sockaddr a;

		if (fr_ip_parse(val, &a) != 0)
			return -1;
		break;
	}
	case T_FORWARDER: {
		struct sockaddr_storage ss;
		socklen_t sslen;

		char bad[256];

		/* The one IP[@PORT] parser (proto/ipport.h). */
		if (fr_ipport_parse(val, 53, &ss, &sslen, bad,
		    sizeof(bad)) != 0)
			return -1;
		break;
	}
	case T_STATUS: {
		struct fr_status_range *r = f;
		unsigned long long lo, hi;
		const char *s = val;

		if (parse_digits(&s, &lo) != 0 || *s++ != '-' ||
		    parse_digits(&s, &hi) != 0 || *s != '\0' ||
		    lo < 100 || hi > 699 || lo > hi)
			return -1;
		r->lo = (unsigned)lo;
		r->hi = (unsigned)hi;
		return 0;
	}
	case T_TARGET: {
		struct fr_listener_conf *l = base;
		const char *name;
		char **dst;

		if (strcmp(val, "federation") == 0) {
			free(l->node);
			free(l->pool);
			l->node = l->pool = NULL;
			l->federation = true;
			return 0;
		}
		if (strncmp(val, "node ", 5) == 0)
			dst = &l->node;
		else if (strncmp(val, "pool ", 5) == 0)
			dst = &l->pool;
		else
			return -1;
		for (name = val + 5; *name == ' ' || *name == '\t'; name++)
			;
		if (*name == '\0' || strlen(name) >= FR_NAME_MAX)
			return -1;
		for (i = 0; name[i] != '\0'; i++)
			if (!is_name_char((unsigned char)name[i]))
				return -1;
		free(l->node);
		free(l->pool);
		l->node = l->pool = NULL;
		l->federation = false;
		return replace_str(dst, name) == 0 ? 0 : -2;
	}
	case T_HOSTPORT: {
		struct fr_hostport *hp = f;
		struct fr_sockaddr a;
		const char *colon, *ps;

		if (fr_addr_parse(val, &a, &why) == 0) {
			fr_addr_ip_str(&a, buf, sizeof(buf));
			v = fr_addr_port(&a);
		} else {
			colon = strrchr(val, ':');
			if (colon == NULL || (size_t)(colon - val) >= sizeof(buf))
				return -1;
			ps = colon + 1;
			if (parse_digits(&ps, &v) != 0 || *ps != '\0' ||
			    v == 0 || v > 65535)
				return -1;
			memcpy(buf, val, (size_t)(colon - val));
			buf[colon - val] = '\0';
			if (check_domain(buf, false) != 0)
				return -1;
		}
		if (replace_str(&hp->host, buf) != 0)
			return -2;
		hp->port = (unsigned)v;
		return 0;
	}
	case T_DOMAIN:
		if (strlen(val) >= sizeof(buf))
			return -1;
		strcpy(buf, val);
		if (check_domain(buf, wildcard_domain(o)) != 0)
			return -1;
		val = buf;
		break;
	case T_CIDR: {
		struct fr_cidr c;

		if (fr_cidr_parse(val, &c) != 0)
			return -1;
		break;
	}
	case T_PROFILES:
	case T_TRANSPORTS: {
		unsigned bits;

		if (parse_word_list(val, o->choices, &bits) != 0)
			return -1;
		/* The first line given replaces the default; more lines
		 * add to it. */
		if (p->seen[o - opts] == 0)
			*(unsigned *)f = bits;
		else
			*(unsigned *)f |= bits;
		return 0;
	}
	}

	/* The string types end here: store val. */
	if (o->flags & F_MULTI)
		return fr_strlist_append(f, val, p->line) == 0 ? 0 : -2;
	return replace_str(f, val) == 0 ? 0 : -2;
}

/* Edit distance, for "did you mean"; small strings only. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = a[i - 1] == b[j - 1] ? prev :
			    1 + (prev < row[j] ? (prev < row[j - 1] ? prev :
			    row[j - 1]) : (row[j] < row[j - 1] ? row[j] :
			    row[j - 1]));
			prev = tmp;
		}
	}
	return row[lb];
}

static const struct opt *
find_opt(int sect, const char *key)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if ((int)opts[i].sect == sect && strcmp(opts[i].name, key) == 0)
			return &opts[i];
	return NULL;
}

static const char *
suggest(int sect, const char *key)
{
	const char *best = NULL;
	size_t i, d, bestd = 3;

	for (i = 0; i < NOPTS; i++) {
		if ((int)opts[i].sect != sect)
			continue;
		if ((d = distance(opts[i].name, key)) < bestd) {
			bestd = d;
			best = opts[i].name;
		}
	}
	return best;
}

static int
find_sect(const char *name)
{
	int s;

	for (s = 0; s < S_COUNT; s++)
		if (strcmp(sections[s].name, name) == 0)
			return s;
	return -1;
}

static void
apply_defaults(struct parser *p, int sect, void *base)
{
	const char *why;
	size_t i;

	for (i = 0; i < NOPTS; i++) {
		if ((int)opts[i].sect != sect || opts[i].def == NULL)
			continue;
		/* A default that does not parse is a bug in the table, and
		 * the unit tests read an empty file to catch it. */
		if (set_value(p, &opts[i], base, opts[i].def, &why) != 0)
			perr(p, 0, "internal error: default of %s: \"%s\" "
			    "does not parse", opts[i].name, opts[i].def);
	}
}

/* At the end of a section: is every required option there? */
static void
close_section(struct parser *p)
{
	size_t i;

	if (p->sect < 0 || !sections[p->sect].repeated)
		return;
	for (i = 0; i < NOPTS; i++)
		if ((int)opts[i].sect == p->sect &&
		    (opts[i].flags & F_REQUIRED) && p->seen[i] == 0)
			perr(p, *(int *)((char *)p->base +
			    sections[p->sect].line), "this %s: section has "
			    "no %s: (it is required)", sect_name(p->sect),
			    opts[i].name);
}

static int
open_section(struct parser *p, int sect)
{
	const struct section *s = &sections[sect];
	size_t i;

	close_section(p);
	p->sect = sect;
	if (!s->repeated) {
		p->base = p->cfg;
		return 0;
	}
	p->base = fr_array_grow((char *)p->cfg + s->arr,
	    (size_t *)((char *)p->cfg + s->cnt), s->size);
	if (p->base == NULL)
		return -1;
	*(int *)((char *)p->base + s->line) = p->line;
	for (i = 0; i < NOPTS; i++)
		if ((int)opts[i].sect == sect)
			p->seen[i] = 0;
	apply_defaults(p, sect, p->base);
	return 0;
}

/*
 * Split one line into key and value.  Returns 1 for "key: value" (value
 * may be empty, and *quoted says whether it was written ""), 0 for a blank or comment line, -1 on a syntax error
 * with the reason in *why.  Works in place.
 */
static int
split_line(char *s, char **key, char **val, bool *quoted, const char **why)
{
	char *k, *v, *out;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#' || *s == '\n' || *s == '\r')
		return 0;
	k = s;
	while (*s == '-' || *s == '_' || isalnum((unsigned char)*s))
		s++;
	if (s == k || *s != ':') {
		*why = "expected \"key: value\" or \"section:\"";
		return -1;
	}
	*s++ = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	v = s;
	*quoted = *s == '"';
	if (*quoted) {
		/* Quoted: \" and \\ are the only escapes. */
		out = v;
		for (s++; *s != '"'; s++) {
			if (*s == '\0' || *s == '\n') {
				*why = "a quoted value must end with \" on "
				    "the same line";
				return -1;
			}
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			*out++ = *s;
		}
		*out = '\0';
		for (s++; *s == ' ' || *s == '\t' || *s == '\r' ||
		    *s == '\n'; s++)
			;
		if (*s != '\0' && *s != '#') {
			*why = "nothing but a comment may follow a quoted value";
			return -1;
		}
	} else {
		if ((s = strchr(v, '#')) != NULL)
			*s = '\0';
		s = v + strlen(v);
		while (s > v && (s[-1] == ' ' || s[-1] == '\t' ||
		    s[-1] == '\r' || s[-1] == '\n'))
			*--s = '\0';
		if (*v == '"') {
			*why = "a quoted value must end with \"";
			return -1;
		}
	}
	*key = k;
	*val = v;
	return 1;
}

static void
parse_line(struct parser *p, char *text)
{
	const struct opt *o;
	const char *why, *hint;
	char *key, *val, exp[256];
	bool quoted;
	int sect, r;
	size_t idx;

	if ((r = split_line(text, &key, &val, &quoted, &why)) == 0)
		return;
	if (r < 0) {
		perr(p, p->line, "%s", why);
		return;
	}
	sect = find_sect(key);
	o = p->sect >= 0 ? find_opt(p->sect, key) : NULL;
	if (sect >= 0 && o == NULL) {
		if (*val != '\0' || quoted) {
			perr(p, p->line, "%s: is a section; it takes no value "
			    "(put \"key: value\" lines under it)", key);
			return;
		}
		if (open_section(p, sect) != 0)
			perr(p, p->line, "out of memory");
		return;
	}
	if (p->sect < 0) {
		perr(p, p->line, "%s: outside any section; expected a section "
		    "first (server:, resolver:, node:, pool:, listener:, "
		    "route:, federation:, domain:)", key);
		return;
	}
	if (o == NULL) {
		hint = suggest(p->sect, key);
		if (hint != NULL)
			perr(p, p->line, "unknown option %s: in %s: (did you "
			    "mean %s:?)", key, sect_name(p->sect), hint);
		else
			perr(p, p->line, "unknown option %s: in %s:", key,
			    sect_name(p->sect));
		return;
	}
	idx = (size_t)(o - opts);
	if (*val == '\0' && !quoted) {
		expected_text(o, exp, sizeof(exp));
		perr(p, p->line, "%s: expected %s after it", key, exp);
		return;
	}
	if (!repeatable(o) && p->seen[idx] != 0) {
		perr(p, p->line, "%s: given twice in this %s: (first on line "
		    "%d)", key, sect_name(p->sect), p->seen[idx]);
		return;
	}
	why = NULL;
	switch (set_value(p, o, p->base, val, &why)) {
	case 0:
		p->seen[idx] = p->line;
		if (o->setbit != 0)
			*(unsigned *)((char *)p->base + o->setoff) |= o->setbit;
		break;
	case -2:
		perr(p, p->line, "out of memory");
		break;
	default:
		/* Marked as given, so that the section is not also said to
		 * lack it. */
		p->seen[idx] = p->line;
		if (why == NULL)
			expected_text(o, exp, sizeof(exp));
		perr(p, p->line, "%s: expected %s, not \"%s\"", key,
		    why != NULL ? why : exp, val);
		break;
	}
}

/* ------------------------------------------------------ cross-checks */

static int
node_index(const struct fr_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->edge.nnodes; i++)
		if (strcmp(cfg->edge.nodes[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
pool_index(const struct fr_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->edge.npools; i++)
		if (strcmp(cfg->edge.pools[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void
check_names(struct parser *p)
{
	struct fr_edge_conf *e = &p->cfg->edge;
	size_t i, j;

	for (i = 0; i < e->nnodes; i++)
		for (j = 0; j < i; j++)
			if (strcmp(e->nodes[i].name, e->nodes[j].name) == 0)
				perr(p, e->nodes[i].line, "node %s: the name is "
				    "taken by the node on line %d",
				    e->nodes[i].name, e->nodes[j].line);
	for (i = 0; i < e->npools; i++) {
		int n = node_index(p->cfg, e->pools[i].name);

		if (n >= 0)
			perr(p, e->pools[i].line, "pool %s: the name is taken "
			    "by the node on line %d", e->pools[i].name,
			    e->nodes[n].line);
		for (j = 0; j < i; j++)
			if (strcmp(e->pools[i].name, e->pools[j].name) == 0)
				perr(p, e->pools[i].line, "pool %s: the name is "
				    "taken by the pool on line %d",
				    e->pools[i].name, e->pools[j].line);
	}
}

static const char *
check_field_name(unsigned bit)
{
	switch (bit) {
	case FR_CHECK_SET_KIND:
		return "check";
	case FR_CHECK_SET_INTERVAL:
		return "check-interval";
	case FR_CHECK_SET_TIMEOUT:
		return "check-timeout";
	case FR_CHECK_SET_RISE:
		return "check-rise";
	case FR_CHECK_SET_FALL:
		return "check-fall";
	default:
		return "check-sip-status";
	}
}

static bool
check_field_equal(const struct fr_check_conf *a, const struct fr_check_conf *b,
    unsigned bit)
{
	switch (bit) {
	case FR_CHECK_SET_KIND:
		return a->kind == b->kind;
	case FR_CHECK_SET_INTERVAL:
		return a->interval_ms == b->interval_ms;
	case FR_CHECK_SET_TIMEOUT:
		return a->timeout_ms == b->timeout_ms;
	case FR_CHECK_SET_RISE:
		return a->rise == b->rise;
	case FR_CHECK_SET_FALL:
		return a->fall == b->fall;
	default:
		return a->alive.lo == b->alive.lo && a->alive.hi == b->alive.hi;
	}
}

static void
check_field_copy(struct fr_check_conf *dst, const struct fr_check_conf *src,
    unsigned bit)
{
	switch (bit) {
	case FR_CHECK_SET_KIND:
		dst->kind = src->kind;
		break;
	case FR_CHECK_SET_INTERVAL:
		dst->interval_ms = src->interval_ms;
		break;
	case FR_CHECK_SET_TIMEOUT:
		dst->timeout_ms = src->timeout_ms;
		break;
	case FR_CHECK_SET_RISE:
		dst->rise = src->rise;
		break;
	case FR_CHECK_SET_FALL:
		dst->fall = src->fall;
		break;
	default:
		dst->alive = src->alive;
		break;
	}
}

/*
 * Pools: members exist, once each; then the pools' health-check
 * settings flow down to members that did not set their own.  A node in
 * two pools that disagree must say what it wants.
 */
static void
check_pools(struct parser *p)
{
	struct fr_edge_conf *e = &p->cfg->edge;
	unsigned *from_pool;		/* per node: bits inherited */
	size_t *which;			/* per node and bit: from which pool */
	size_t i, j, k;
	unsigned bit;

	from_pool = calloc(e->nnodes + 1, sizeof(*from_pool));
	which = calloc((e->nnodes + 1) * 6, sizeof(*which));
	if (from_pool == NULL || which == NULL) {
		perr(p, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < e->npools; i++) {
		struct fr_pool_conf *pc = &e->pools[i];

		if (pc->members.n > FR_POOL_MAX_NODES) {
			perr(p, pc->line, "pool %s: %zu members; at most %d",
			    pc->name, pc->members.n, FR_POOL_MAX_NODES);
			continue;
		}
		free(pc->member_idx);
		pc->member_idx = calloc(pc->members.n + 1,
		    sizeof(*pc->member_idx));
		if (pc->member_idx == NULL) {
			perr(p, 0, "out of memory");
			goto out;
		}
		for (j = 0; j < pc->members.n; j++) {
			int n = node_index(p->cfg, pc->members.v[j]);

			if (n < 0) {
				perr(p, pc->members.line[j], "member %s: no node "
				    "has that name", pc->members.v[j]);
				continue;
			}
			for (k = 0; k < j; k++)
				if (strcmp(pc->members.v[k],
				    pc->members.v[j]) == 0)
					perr(p, pc->members.line[j], "member "
					    "%s: already a member (line %d)",
					    pc->members.v[j],
					    pc->members.line[k]);
			pc->member_idx[j] = (size_t)n;
		}
	}
	if (p->nerrors != 0)
		goto out;

	for (i = 0; i < e->npools; i++) {
		struct fr_pool_conf *pc = &e->pools[i];

		for (j = 0; j < pc->members.n; j++) {
			size_t n = pc->member_idx[j];
			struct fr_node_conf *nc = &e->nodes[n];
			int b;

			for (b = 0, bit = 1; b < 6; b++, bit <<= 1) {
				if (!(pc->check.set & bit) ||
				    (nc->check.set & bit))
					continue;
				if ((from_pool[n] & bit) &&
				    !check_field_equal(&nc->check, &pc->check,
				    bit)) {
					perr(p, nc->line, "node %s: pools %s "
					    "(line %d) and %s (line %d) give "
					    "it different %s:; set it in the "
					    "node", nc->name,
					    e->pools[which[n * 6 + (size_t)b]].name,
					    e->pools[which[n * 6 + (size_t)b]].line,
					    pc->name, pc->line,
					    check_field_name(bit));
					continue;
				}
				check_field_copy(&nc->check, &pc->check, bit);
				from_pool[n] |= bit;
				which[n * 6 + (size_t)b] = i;
			}
		}
	}
out:
	free(from_pool);
	free(which);
}

static bool
tls_conf_used(const struct fr_tls_conf *t)
{
	return t->cert != NULL || t->key != NULL || t->ca != NULL ||
	    t->ciphers != NULL || t->ciphersuites != NULL ||
	    t->server_name != NULL;
}

static void
check_nodes(struct parser *p)
{
	struct fr_edge_conf *e = &p->cfg->edge;
	size_t i;

	/* The workers' shared table of verdicts holds this many. */
	if (e->nnodes > FR_NODES_MAX)
		perr(p, e->nodes[FR_NODES_MAX].line, "at most %d node: "
		    "sections", FR_NODES_MAX);
	for (i = 0; i < e->nnodes; i++) {
		struct fr_node_conf *n = &e->nodes[i];

		if (n->transport == FR_NODE_TCP && tls_conf_used(&n->tls))
			perr(p, n->line, "node %s: tls-* settings need "
			    "transport: tls", n->name);
		if ((n->tls.cert == NULL) != (n->tls.key == NULL))
			perr(p, n->line, "node %s: tls-cert and tls-key go "
			    "together", n->name);
		if (n->check.kind == FR_CHECK_XMPP && n->check_domain == NULL)
			perr(p, n->line, "node %s: check: xmpp needs "
			    "check-domain: (the node's XMPP domain, the to of "
			    "the stream the check opens)", n->name);
		if (n->check.kind != FR_CHECK_XMPP && n->check_domain != NULL)
			perr(p, n->line, "node %s: check-domain: is for check: "
			    "xmpp", n->name);
		if (n->check.kind == FR_CHECK_TLS &&
		    n->transport != FR_NODE_TLS)
			perr(p, n->line, "node %s: check: tls needs transport: "
			    "tls (use check: tcp for a TCP node)", n->name);
		if (n->check.kind != FR_CHECK_NONE &&
		    n->check.timeout_ms > n->check.interval_ms)
			perr(p, n->line, "node %s: check-timeout (%ums) must "
			    "not be longer than check-interval (%ums)",
			    n->name, n->check.timeout_ms,
			    n->check.interval_ms);
	}
}

static bool
wildcard(const struct fr_sockaddr *a)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	if (a->u.sa.sa_family == AF_INET)
		return a->u.sin.sin_addr.s_addr == htonl(INADDR_ANY);
	return memcmp(&a->u.sin6.sin6_addr, &any6, sizeof(any6)) == 0;
}

static void
check_listeners(struct parser *p)
{
	struct fr_edge_conf *e = &p->cfg->edge;
	char buf[FR_ADDRSTRLEN];
	size_t i, j;

	if (e->nlisteners == 0)
		perr(p, 0, "no listener: section; the edge would accept "
		    "nothing");
	for (i = 0; i < e->nlisteners; i++) {
		struct fr_listener_conf *l = &e->listeners[i];
		char name[FR_NAME_MAX + FR_ADDRSTRLEN];
		int t;

		/* Messages name a listener by its name, else its address. */
		if (l->name != NULL)
			snprintf(name, sizeof(name), "%s", l->name);
		else
			fr_addr_str(&l->addr, name, sizeof(name));

		for (j = 0; j < i; j++) {
			const struct fr_listener_conf *o = &e->listeners[j];

			if (l->name != NULL && o->name != NULL &&
			    strcmp(l->name, o->name) == 0)
				perr(p, l->line, "listener %s: the name is "
				    "taken by the listener on line %d",
				    name, o->line);
			if (l->addr.len != 0 && o->addr.len != 0 &&
			    l->addr.u.sa.sa_family == o->addr.u.sa.sa_family &&
			    fr_addr_port(&l->addr) == fr_addr_port(&o->addr) &&
			    (fr_addr_equal(&l->addr, &o->addr) ||
			    wildcard(&l->addr) || wildcard(&o->addr)))
				perr(p, l->line, "listener %s: address %s "
				    "overlaps the listener on line %d",
				    name, fr_addr_str(&l->addr, buf,
				    sizeof(buf)), o->line);
		}
		if (l->tls && (l->tls_conf.cert == NULL ||
		    l->tls_conf.key == NULL))
			perr(p, l->line, "listener %s: tls: yes needs tls-cert "
			    "and tls-key", name);
		if (!l->tls && (tls_conf_used(&l->tls_conf) ||
		    l->tls_conf.verify_client != FR_VERIFY_NONE ||
		    !l->tls_conf.resumption))
			perr(p, l->line, "listener %s: tls-* settings need "
			    "tls: yes", name);
		if (l->tls && l->tls_conf.verify_client != FR_VERIFY_NONE &&
		    l->tls_conf.ca == NULL)
			perr(p, l->line, "listener %s: tls-verify-client needs "
			    "tls-ca (the CA of the client certificates)",
			    name);
		if (l->federation && l->proto == FR_PROTO_TCP)
			perr(p, l->line, "listener %s: target: federation needs "
			    "protocol: sip or xmpp (the edge routes each "
			    "request or stream by its domain)", name);
		if (l->federation && l->proto == FR_PROTO_SIP &&
		    e->public_addresses.n == 0)
			perr(p, l->line, "listener %s: target: federation needs "
			    "server: public-address (where foreign domains reach "
			    "this edge: its Via, Record-Route and Contact)", name);
		if (!l->federation && l->allow_from.n > 0)
			perr(p, l->allow_from.line[0], "listener %s: allow-from "
			    "is for a listener with target: federation",
			    name);
		if (l->node != NULL) {
			if ((t = node_index(p->cfg, l->node)) < 0)
				perr(p, l->line, "listener %s: target: no node "
				    "named %s", name, l->node);
			else
				l->target_idx = (size_t)t;
		} else if (l->pool != NULL) {
			if ((t = pool_index(p->cfg, l->pool)) < 0)
				perr(p, l->line, "listener %s: target: no pool "
				    "named %s", name, l->pool);
			else
				l->target_idx = (size_t)t;
		}
	}
}

/*
 * A node's public port: public-port:, else the port of the sip
 * listener aimed at that node alone (a TLS one if there are both).
 * Foreign domains reach the node again there (DOMAIN.md section 2).
 */
static void
check_public_ports(struct parser *p)
{
	struct fr_edge_conf *e = &p->cfg->edge;
	size_t i, j;

	for (i = 0; i < e->nnodes; i++) {
		struct fr_node_conf *n = &e->nodes[i];
		const struct fr_listener_conf *found = NULL;

		if (n->public_port != 0)
			continue;
		for (j = 0; j < e->nlisteners; j++) {
			const struct fr_listener_conf *l = &e->listeners[j];

			if (l->proto != FR_PROTO_SIP || l->node == NULL ||
			    strcmp(l->node, n->name) != 0)
				continue;
			if (found == NULL || (l->tls && !found->tls)) {
				found = l;
			} else if (l->tls == found->tls) {
				perr(p, n->line, "node %s: the sip listeners on "
				    "lines %d and %d both lead to it alone; say "
				    "which port is its public one with "
				    "public-port:", n->name, found->line,
				    l->line);
				break;
			}
		}
		if (found != NULL)
			n->public_port = fr_addr_port(&found->addr);
	}
}

/* Foreign domains: each named once; routes agree with their domain. */
static void
check_domains(struct parser *p)
{
	struct fr_edge_conf *e = &p->cfg->edge;
	size_t i, j;

	for (i = 0; i < e->ndomains; i++) {
		const struct fr_domain_conf *d = &e->domains[i];

		for (j = 0; j < i; j++)
			if (strcmp(d->name, e->domains[j].name) == 0)
				perr(p, d->line, "domain %s: already has a "
				    "domain: section (line %d)", d->name,
				    e->domains[j].line);
		for (j = 0; j < d->peer_subjects.n; j++)
			if (d->peer_subjects.v[j][0] == '\0')
				perr(p, d->peer_subjects.line[j], "peer-subject: "
				    "expected a certificate name, not \"\"");
	}
	for (i = 0; i < e->nroutes; i++) {
		const struct fr_route_conf *r = &e->routes[i];

		if (r->transport == FR_TRANSPORT_UDP) {
			perr(p, r->line, "route %s: transport: udp; the edge "
			    "routes over tls or tcp", r->domain);
			continue;
		}
		for (j = 0; j < e->ndomains; j++) {
			const struct fr_domain_conf *d = &e->domains[j];

			if (strcmp(d->name, r->domain) == 0 &&
			    !(d->transports & FR_TRANSPORT_BIT(r->transport)))
				perr(p, r->line, "route %s: transport: %s, but "
				    "its domain: section (line %d) does not "
				    "list it in transport:", r->domain,
				    fr_transport_name(r->transport), d->line);
		}
	}
	if ((e->federation.tls.cert == NULL) !=
	    (e->federation.tls.key == NULL))
		perr(p, 0, "federation: tls-cert and tls-key go together");
}

/*
 * Loops back to ourselves: a node or a route's next hop whose address is
 * one of the edge's own listeners.  The health checks alone would fill
 * max-connections, and every relayed connection would come back in.
 * A wildcard listener (0.0.0.0:P, [::]:P) takes every local address
 * on port P: loopback, the host's interfaces, a wildcard.
 */
struct self_check {
	struct ifaddrs *ifs;
	bool ifs_read;
};

static bool
is_local(struct self_check *sc, const struct fr_sockaddr *a)
{
	const struct ifaddrs *i;
	struct fr_sockaddr x;

	if (wildcard(a))
		return true;
	if (a->u.sa.sa_family == AF_INET &&
	    (ntohl(a->u.sin.sin_addr.s_addr) >> 24) == 127)
		return true;
	if (a->u.sa.sa_family == AF_INET6 &&
	    IN6_IS_ADDR_LOOPBACK(&a->u.sin6.sin6_addr))
		return true;
	if (!sc->ifs_read) {
		sc->ifs_read = true;
		if (getifaddrs(&sc->ifs) != 0)
			sc->ifs = NULL;
	}
	for (i = sc->ifs; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL ||
		    i->ifa_addr->sa_family != a->u.sa.sa_family)
			continue;
		fr_addr_set(&x, i->ifa_addr, i->ifa_addr->sa_family ==
		    AF_INET ? sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6));
		if (a->u.sa.sa_family == AF_INET ?
		    x.u.sin.sin_addr.s_addr == a->u.sin.sin_addr.s_addr :
		    memcmp(&x.u.sin6.sin6_addr, &a->u.sin6.sin6_addr,
		    sizeof(x.u.sin6.sin6_addr)) == 0)
			return true;
	}
	return false;
}

static const struct fr_listener_conf *
own_listener(struct parser *p, struct self_check *sc,
    const struct fr_sockaddr *a)
{
	const struct fr_edge_conf *e = &p->cfg->edge;
	size_t i;

	for (i = 0; i < e->nlisteners; i++) {
		const struct fr_listener_conf *l = &e->listeners[i];

		if (l->addr.len == 0 || a->len == 0 ||
		    l->addr.u.sa.sa_family != a->u.sa.sa_family ||
		    fr_addr_port(&l->addr) != fr_addr_port(a))
			continue;
		if (fr_addr_equal(&l->addr, a) ||
		    (wildcard(&l->addr) && is_local(sc, a)) ||
		    (wildcard(a) && is_local(sc, &l->addr)))
			return l;
	}
	return NULL;
}

static void
check_self_loops(struct parser *p)
{
	struct self_check sc = { NULL, false };
	const struct fr_listener_conf *l;
	char buf[FR_ADDRSTRLEN];
	struct fr_sockaddr a;
	size_t i;

	for (i = 0; i < p->cfg->edge.nnodes; i++) {
		const struct fr_node_conf *n = &p->cfg->edge.nodes[i];

		if ((l = own_listener(p, &sc, &n->addr)) != NULL)
			perr(p, n->line, "node %s: address %s is the edge's "
			    "own listener (line %d); the edge would connect "
			    "to itself", n->name, fr_addr_str(&n->addr, buf,
			    sizeof(buf)), l->line);
	}
	for (i = 0; i < p->cfg->edge.nroutes; i++) {
		const struct fr_route_conf *r = &p->cfg->edge.routes[i];

		/* A literal next hop only: a name is not resolved here. */
		if (r->next_hop.host == NULL ||
		    fr_ip_parse(r->next_hop.host, &a) != 0)
			continue;
		if (a.u.sa.sa_family == AF_INET)
			a.u.sin.sin_port = htons((uint16_t)r->next_hop.port);
		else
			a.u.sin6.sin6_port = htons((uint16_t)r->next_hop.port);
		if ((l = own_listener(p, &sc, &a)) != NULL)
			perr(p, r->line, "route %s: next-hop %s is the edge's "
			    "own listener (line %d); the edge would route to "
			    "itself", r->domain, fr_addr_str(&a, buf,
			    sizeof(buf)), l->line);
	}
	if (sc.ifs != NULL)
		freeifaddrs(sc.ifs);
}

/* The line an option was given on in the current singleton section. */
static int
opt_line(const struct parser *p, int sect, const char *name)
{
	const struct opt *o = find_opt(sect, name);

	return o != NULL ? p->seen[o - opts] : 0;
}

/* http: must not take a listener's port. */
static void
check_http(struct parser *p)
{
	const struct fr_sockaddr *h = &p->cfg->http;
	const struct fr_edge_conf *e = &p->cfg->edge;
	char buf[FR_ADDRSTRLEN];
	size_t i;

	if (h->len == 0)
		return;
	for (i = 0; i < e->nlisteners; i++) {
		const struct fr_listener_conf *l = &e->listeners[i];

		if (l->addr.len != 0 &&
		    l->addr.u.sa.sa_family == h->u.sa.sa_family &&
		    fr_addr_port(&l->addr) == fr_addr_port(h) &&
		    (fr_addr_equal(&l->addr, h) || wildcard(&l->addr) ||
		    wildcard(h)))
			perr(p, opt_line(p, S_SERVER, "http"), "http: %s "
			    "overlaps the listener on line %d", fr_addr_str(h,
			    buf, sizeof(buf)), l->line);
	}
}

static void
check_server(struct parser *p)
{
	struct fr_edge_conf *e = &p->cfg->edge;

	if (e->set.max_per_source > e->set.max_connections)
		perr(p, 0, "max-connections-per-source (%u) is above "
		    "max-connections (%u)", e->set.max_per_source,
		    e->set.max_connections);
	check_http(p);
	/* sun_path holds 108 bytes with the NUL. */
	if (p->cfg->control != NULL && strlen(p->cfg->control) >= 108)
		perr(p, opt_line(p, S_SERVER, "control"), "control: %s: a "
		    "Unix socket path must be under 108 bytes", p->cfg->control);
}

static void
check_resolver(struct parser *p)
{
	struct fr_resolver_settings *r = &p->cfg->edge.resolver;
	char origin[FR_DNAME_MAX], abspath[PATH_MAX], err[PATH_MAX + 256];
	bool given;
	size_t i;

	/* zone-origin: lines, when given, name each zone-file's origin in
	 * order (check-config --print writes them); else the files' SOA
	 * owners are taken. */
	if (r->zone_origins.n != 0 && r->zone_origins.n != r->zone_files.n) {
		perr(p, r->zone_origins.line[0], "zone-origin: %zu given for "
		    "%zu zone-file:s; give one for each, in order, or none",
		    r->zone_origins.n, r->zone_files.n);
		return;
	}
	given = r->zone_origins.n != 0;
	for (i = 0; i < r->zone_files.n; i++) {
		if (fr_zonefile_probe(r->zone_files.v[i], origin,
		    sizeof(origin), abspath, sizeof(abspath), err,
		    sizeof(err)) != 0)
			perr(p, r->zone_files.line[i], "zone-file: %s", err);
		else if (given && strcmp(origin, r->zone_origins.v[i]) != 0)
			perr(p, r->zone_origins.line[i], "zone-origin: %s, but "
			    "the SOA of %s is owned by %s", r->zone_origins.v[i],
			    r->zone_files.v[i], origin);
		else if (!given && fr_strlist_append(&r->zone_origins, origin,
		    r->zone_files.line[i]) != 0)
			perr(p, 0, "out of memory");
	}
	if (r->trust_anchor != NULL &&
	    fr_trust_anchor_check(r->trust_anchor, err, sizeof(err)) != 0)
		perr(p, opt_line(p, S_RESOLVER, "trust-anchor-file"),
		    "trust-anchor-file: %s", err);
}

/* A certificate, key or CA file: regular, bounded, before OpenSSL. */
static bool
pem_file_ok(struct parser *p, int line, const char *who, const char *what,
    const char *path)
{
	char err[PATH_MAX + 128];

	if (path == NULL ||
	    fr_textfile_check(path, FR_FILE_MAX_PEM, err, sizeof(err)) == 0)
		return true;
	perr(p, line, "%s: %s %s", who, what, err);
	return false;
}

static bool
tls_files_ok(struct parser *p, int line, const char *who,
    const struct fr_tls_conf *t)
{
	bool ok = pem_file_ok(p, line, who, "tls-cert", t->cert);

	ok = pem_file_ok(p, line, who, "tls-key", t->key) && ok;
	return pem_file_ok(p, line, who, "tls-ca", t->ca) && ok;
}

/* Load every certificate and key the edge would load at start. */
static void
check_tls(struct parser *p)
{
	struct fr_edge_conf *e = &p->cfg->edge;
	char err[PATH_MAX * 2 + 256];
	SSL_CTX *ctx;
	size_t i;

	for (i = 0; i < e->nlisteners; i++) {
		const struct fr_listener_conf *l = &e->listeners[i];
		char name[FR_NAME_MAX + FR_ADDRSTRLEN + 16], a[FR_ADDRSTRLEN];

		if (!l->tls)
			continue;
		snprintf(name, sizeof(name), "listener %s", l->name != NULL ?
		    l->name : fr_addr_str(&l->addr, a, sizeof(a)));
		if (!tls_files_ok(p, l->line, name, &l->tls_conf))
			continue;
		ctx = fr_tls_server_ctx_new(&l->tls_conf, err, sizeof(err));
		if (ctx == NULL)
			perr(p, l->line, "%s: %s", name, err);
		SSL_CTX_free(ctx);
	}
	if (e->federation.tls.cert != NULL || e->federation.tls.ca != NULL) {
		ctx = fr_tls_client_ctx_new(&e->federation.tls, err,
		    sizeof(err));
		if (ctx == NULL)
			perr(p, 0, "federation: %s", err);
		SSL_CTX_free(ctx);
	}
	for (i = 0; i < e->nnodes; i++) {
		char name[FR_NAME_MAX + 8];

		if (e->nodes[i].transport != FR_NODE_TLS)
			continue;
		snprintf(name, sizeof(name), "node %s", e->nodes[i].name);
		if (!tls_files_ok(p, e->nodes[i].line, name, &e->nodes[i].tls))
			continue;
		ctx = fr_tls_client_ctx_new(&e->nodes[i].tls, err,
		    sizeof(err));
		if (ctx == NULL)
			perr(p, e->nodes[i].line, "node %s: %s",
			    e->nodes[i].name, err);
		SSL_CTX_free(ctx);
	}
}

/* ------------------------------------------------------------ reading */

static void
set_dir(struct parser *p, const char *path)
{
	char real[PATH_MAX], *slash;

	if (realpath(path, real) == NULL)
		snprintf(real, sizeof(real), "%s", path);
	if ((slash = strrchr(real, '/')) == NULL)
		snprintf(p->dir, sizeof(p->dir), ".");
	else if (slash == real)
		snprintf(p->dir, sizeof(p->dir), "/");
	else {
		*slash = '\0';
		snprintf(p->dir, sizeof(p->dir), "%s", real);
	}
}

/* Parse f into a fresh configuration and check it; NULL after
 * reporting every problem.  name is what errors call the text. */
static struct fr_config *
read_stream(FILE *f, const char *name, const char *dir, unsigned flags,
    fr_config_report_fn *report, void *arg)
{
	struct parser p;
	char text[LINE_MAX_LEN + 2];
	enum fr_line r;
	off_t total = 0;

	memset(&p, 0, sizeof(p));
	p.file = name;
	p.sect = -1;
	p.report = report;
	p.arg = arg;
	snprintf(p.dir, sizeof(p.dir), "%s", dir);
	if ((p.cfg = calloc(1, sizeof(*p.cfg))) == NULL ||
	    (p.cfg->file = strdup(name)) == NULL) {
		perr(&p, 0, "out of memory");
		fr_config_free(p.cfg);
		return NULL;
	}
	apply_defaults(&p, S_SERVER, p.cfg);
	apply_defaults(&p, S_RESOLVER, p.cfg);

	while ((r = fr_textfile_getline(f, text, sizeof(text), &total,
	    FR_FILE_MAX_CONFIG)) != FR_LINE_EOF) {
		p.line++;
		if (r == FR_LINE_OK)
			parse_line(&p, text);
		else if (r == FR_LINE_TOO_LONG)
			perr(&p, p.line, "line longer than %d characters",
			    LINE_MAX_LEN);
		else if (r == FR_LINE_NUL)
			perr(&p, p.line, "%s", fr_line_error(r));
		else if (r == FR_LINE_TOO_BIG) {
			perr(&p, p.line, "the file grew past %lld bytes while "
			    "being read", (long long)FR_FILE_MAX_CONFIG);
			break;
		} else {
			perr(&p, p.line, "reading: %s", fr_line_error(r));
			break;
		}
	}
	close_section(&p);

	if (p.nerrors == 0) {
		check_server(&p);
		check_names(&p);
		check_pools(&p);
	}
	if (p.nerrors == 0) {
		check_nodes(&p);
		check_listeners(&p);
		check_self_loops(&p);
		if (!(flags & FR_CONFIG_CHECKED))
			check_resolver(&p);
		check_domains(&p);
	}
	if (p.nerrors == 0)
		check_public_ports(&p);
	if (p.nerrors == 0 && (flags & FR_CONFIG_LOAD_TLS)) {
		if (!(flags & FR_CONFIG_CHECKED))
		check_tls(&p);
	}
	if (p.nerrors != 0) {
		fr_config_free(p.cfg);
		return NULL;
	}
	return p.cfg;
}

struct fr_config *
fr_config_read(const char *path, unsigned flags, fr_config_report_fn *report,
    void *arg)
{
	char err[PATH_MAX + 128];
	struct fr_config *cfg;
	struct parser p;
	FILE *f;

	memset(&p, 0, sizeof(p));
	p.file = path;
	p.report = report;
	p.arg = arg;
	/* Not a regular file, or too big: said before reading a byte. */
	if ((f = fr_textfile_open(path, FR_FILE_MAX_CONFIG, err,
	    sizeof(err))) == NULL) {
		report(arg, err);
		return NULL;
	}
	set_dir(&p, path);
	cfg = read_stream(f, path, p.dir, flags & ~FR_CONFIG_CHECKED, report,
	    arg);
	fclose(f);
	return cfg;
}

struct fr_config *
fr_config_read_text(const char *name, const char *text, size_t len,
    unsigned flags, fr_config_report_fn *report, void *arg)
{
	struct fr_config *cfg;
	char msg[PATH_MAX + 64];
	FILE *f;

	/* fmemopen() wants a non-empty buffer it may write to ("r" never
	 * does). */
	if (len == 0 || (f = fmemopen((void *)(uintptr_t)text, len,
	    "r")) == NULL) {
		snprintf(msg, sizeof(msg), "%s: %s", name, len == 0 ?
		    "empty configuration" : strerror(errno));
		report(arg, msg);
		return NULL;
	}
	cfg = read_stream(f, name, "/", flags, report, arg);
	fclose(f);
	return cfg;
}

/* ------------------------------------------------------------- freeing */

static void
free_fields(int sect, void *base)
{
	size_t i;

	for (i = 0; i < NOPTS; i++) {
		void *f = field(base, &opts[i]);

		if ((int)opts[i].sect != sect)
			continue;
		if (opts[i].flags & F_MULTI) {
			fr_strlist_free(f);
			continue;
		}
		switch (opts[i].type) {
		case T_STR:
		case T_NAME:
		case T_PATH:
		case T_DOMAIN:
			free(*(char **)f);
			*(char **)f = NULL;
			break;
		case T_TARGET: {
			struct fr_listener_conf *l = base;

			free(l->node);
			free(l->pool);
			l->node = l->pool = NULL;
			break;
		}
		case T_HOSTPORT:
			free(((struct fr_hostport *)f)->host);
			((struct fr_hostport *)f)->host = NULL;
			break;
		default:
			break;
		}
	}
}

void
fr_config_free(struct fr_config *cfg)
{
	const struct section *s;
	size_t i, n;
	int sect;

	if (cfg == NULL)
		return;
	for (sect = 0; sect < S_COUNT; sect++) {
		s = &sections[sect];
		if (!s->repeated) {
			free_fields(sect, cfg);
			continue;
		}
		n = *(size_t *)((char *)cfg + s->cnt);
		for (i = 0; i < n; i++) {
			char *arr = *(char **)((char *)cfg + s->arr);

			free_fields(sect, arr + i * s->size);
		}
	}
	for (i = 0; i < cfg->edge.npools; i++)
		free(cfg->edge.pools[i].member_idx);
	free(cfg->edge.nodes);
	free(cfg->edge.pools);
	free(cfg->edge.listeners);
	free(cfg->edge.routes);
	free(cfg->edge.domains);
	free(cfg->file);
	free(cfg);
}

/* ------------------------------------------------------------ printing */

static void
print_str(FILE *out, const char *name, const char *s)
{
	const char *c;

	if (strpbrk(s, " \t#\"\\") == NULL && *s != '\0') {
		fprintf(out, "\t%s: %s\n", name, s);
		return;
	}
	fprintf(out, "\t%s: \"", name);
	for (c = s; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			fputc('\\', out);
		fputc(*c, out);
	}
	fprintf(out, "\"\n");
}

static void
print_opt(FILE *out, const struct opt *o, const void *base)
{
	const void *f = (const char *)base + o->off;
	char buf[FR_ADDRSTRLEN + 64];
	size_t i;

	if (o->flags & F_MULTI) {
		const struct fr_strlist *l = f;

		for (i = 0; i < l->n; i++)
			print_str(out, o->name, l->v[i]);
		return;
	}
	switch (o->type) {
	case T_STR:
	case T_NAME:
	case T_PATH:
	case T_DOMAIN:
	case T_IP:
	case T_FORWARDER:
		if (*(char *const *)f != NULL)
			print_str(out, o->name, *(char *const *)f);
		break;
	case T_UINT:
		fprintf(out, "\t%s: %u\n", o->name, *(const unsigned *)f);
		break;
	case T_MODE:
		fprintf(out, "\t%s: %04o\n", o->name, *(const unsigned *)f);
		break;
	case T_MS:
		fmt_ms(*(const unsigned *)f, buf, sizeof(buf));
		fprintf(out, "\t%s: %s\n", o->name, buf);
		break;
	case T_SIZE:
		fmt_size(*(const size_t *)f, buf, sizeof(buf));
		fprintf(out, "\t%s: %s\n", o->name, buf);
		break;
	case T_BOOL:
		fprintf(out, "\t%s: %s\n", o->name,
		    *(const bool *)f ? "yes" : "no");
		break;
	case T_ENUM:
		for (i = 0; o->choices[i].name != NULL; i++)
			if (o->choices[i].value == *(const int *)f)
				fprintf(out, "\t%s: %s\n", o->name,
				    o->choices[i].name);
		break;
	case T_ADDR:
		if (((const struct fr_sockaddr *)f)->len != 0)
			fprintf(out, "\t%s: %s\n", o->name, fr_addr_str(f, buf,
			    sizeof(buf)));
		break;
	case T_STATUS:
		fprintf(out, "\t%s: %u-%u\n", o->name,
		    ((const struct fr_status_range *)f)->lo,
		    ((const struct fr_status_range *)f)->hi);
		break;
	case T_PROFILES:
	case T_TRANSPORTS: {
		const char *sep = "";

		fprintf(out, "\t%s: ", o->name);
		for (i = 0; o->choices[i].name != NULL; i++)
			if (*(const unsigned *)f & (unsigned)o->choices[i].value) {
				fprintf(out, "%s%s", sep, o->choices[i].name);
				sep = ", ";
			}
		fprintf(out, "\n");
		break;
	}
	case T_CIDR:	/* always F_MULTI */
		break;
	case T_TARGET: {
		const struct fr_listener_conf *l = base;

		if (l->federation)
			fprintf(out, "\t%s: federation\n", o->name);
		else if (l->node != NULL)
			fprintf(out, "\t%s: node %s\n", o->name, l->node);
		else if (l->pool != NULL)
			fprintf(out, "\t%s: pool %s\n", o->name, l->pool);
		break;
	}
	case T_HOSTPORT: {
		const struct fr_hostport *hp = f;

		if (hp->host != NULL)
			fprintf(out, strchr(hp->host, ':') != NULL ?
			    "\t%s: [%s]:%u\n" : "\t%s: %s:%u\n", o->name,
			    hp->host, hp->port);
		break;
	}
	}
}

static void
print_section(FILE *out, int sect, const void *base)
{
	size_t i;

	fprintf(out, "%s:\n", sect_name(sect));
	for (i = 0; i < NOPTS; i++)
		if ((int)opts[i].sect == sect)
			print_opt(out, &opts[i], base);
	fprintf(out, "\n");
}

void
fr_config_print(FILE *out, const struct fr_config *cfg)
{
	const struct section *s;
	size_t i, n;
	int sect;

	fprintf(out, "# effective configuration of %s\n", cfg->file);
	for (sect = 0; sect < S_COUNT; sect++) {
		s = &sections[sect];
		if (!s->repeated) {
			print_section(out, sect, cfg);
			continue;
		}
		n = *(const size_t *)((const char *)cfg + s->cnt);
		for (i = 0; i < n; i++)
			print_section(out, sect, *(char *const *)((const char *)
			    cfg + s->arr) + i * s->size);
	}
}

void
fr_config_options(void (*fn)(void *, const char *, const char *), void *arg)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		fn(arg, sect_name((int)opts[i].sect), opts[i].name);
}

static const char *
choice_name(const struct choice *c, int value)
{
	for (; c->name != NULL; c++)
		if (c->value == value)
			return c->name;
	return "?";
}

const char *
fr_config_check_name(enum fr_check_kind kind)
{
	return choice_name(c_check, (int)kind);
}

const char *
fr_config_balance_name(enum fr_balance balance)
{
	return choice_name(c_balance, (int)balance);
}

const char *
fr_config_proto_name(enum fr_proto proto)
{
	return choice_name(c_proto, (int)proto);
}

const char *
fr_config_node_transport_name(enum fr_node_transport t)
{
	return choice_name(c_node_transport, (int)t);
}
