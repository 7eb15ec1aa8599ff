/*
 * plan.h -- the answer of the resolver: an ordered plan of targets, the
 * trace of every DNS question asked, and findings about what was seen.
 *
 * A plan is plain data, owned by whoever received it, freed with
 * fr_plan_free().  It holds no reference to the resolver, so the tester
 * can print it and the router can walk it after the resolver is gone.
 *
 * Sharing: the resolver builds one canonical plan per resolution and
 * keeps it (reference-counted) in its cache.  What a request receives
 * is a view of it: its own header, its own targets array in its own
 * RFC 2782 order (each target about 200 bytes, strings and addresses
 * pointing into the canonical plan) and its own findings array; the
 * trace and the strings are shared.  To the caller a view is a plan
 * like any other: read it, free it with fr_plan_free().  Nothing in a
 * plan a caller received may be written to.  References are counted
 * without atomics: a plan stays on the thread of the loop it came from.
 */
#ifndef FR_PLAN_H
#define FR_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "transport.h"

/*
 * Bounds on the work of one resolution, the way Unbound's iterator
 * bounds its own (MAX_TARGET_COUNT 64, MAX_SENT_COUNT 32): real
 * federation domains publish a handful of targets, and the bounds only
 * stop a hostile zone from making one lookup resolve thousands of names
 * and build a plan of a megabyte.  The defaults are for struct
 * fr_resolver_conf (resolver.h), where each can be set; the hard maximum
 * is what any setting is clamped to.  A bound that cuts something yields
 * a PLAN_TRUNCATED finding that says what was cut.
 */
#define FR_PLAN_DEFAULT_TARGETS	64	/* targets (and SRV names) per plan */
#define FR_PLAN_DEFAULT_ADDRS	16	/* addresses per target */
#define FR_PLAN_MAX_TARGETS	512	/* hard maximum of either setting */

enum fr_profile {
	FR_PROFILE_SIP,		/* RFC 3263: NAPTR -> SRV -> A/AAAA */
	FR_PROFILE_MSFED,	/* _sipfederationtls._tcp, TLS only */
	FR_PROFILE_XMPP_S2S,	/* RFC 6120 + XEP-0368 */
};

enum fr_result {
	FR_RESULT_OK,		/* at least one usable target */
	FR_RESULT_NXDOMAIN,	/* the domain does not exist */
	FR_RESULT_NODATA,	/* it exists but publishes nothing usable */
	FR_RESULT_UNAVAILABLE,	/* SRV "." : decidedly not available */
	FR_RESULT_SERVFAIL,
	FR_RESULT_TIMEOUT,
	FR_RESULT_BOGUS,	/* DNSSEC validation failed */
};

enum fr_source {
	FR_SOURCE_NAPTR,
	FR_SOURCE_SRV,
	FR_SOURCE_A,
	FR_SOURCE_LITERAL,
	FR_SOURCE_ZONE,		/* answered from a local zone file */
};

/* Outcome of one DNS question, as the trace reports it. */
enum fr_dns_status {
	FR_DNS_ANSWER,
	FR_DNS_NODATA,
	FR_DNS_NXDOMAIN,
	FR_DNS_SERVFAIL,
	FR_DNS_TIMEOUT,
	FR_DNS_BOGUS,
};

enum fr_severity { FR_SEV_INFO, FR_SEV_WARNING, FR_SEV_ERROR };

/* Stable finding identifiers; fr_finding_name() gives the upper-case id. */
enum fr_finding_id {
	FR_FIND_SRV_TARGET_CNAME,
	FR_FIND_SRV_TARGET_NO_ADDRESS,
	FR_FIND_SERVICE_UNAVAILABLE,
	FR_FIND_SRV_DOT_MIXED,
	FR_FIND_NAPTR_NONE_USABLE,
	FR_FIND_NAPTR_RECORD_IGNORED,
	FR_FIND_NO_SRV_FALLBACK_A,
	FR_FIND_DOMAIN_NXDOMAIN,
	FR_FIND_NO_RECORDS,
	FR_FIND_DNS_SERVFAIL,
	FR_FIND_DNS_TIMEOUT,
	FR_FIND_DNSSEC_BOGUS,
	FR_FIND_XMPPS_UNAVAILABLE,
	FR_FIND_PLAN_TRUNCATED,		/* a bound cut records or targets */
	FR_FIND_CACHE_STALE,
	FR_FIND_TARGET_DOWN,
	FR_FIND_RESOLVER_BUSY,		/* refused: too many resolutions */
	FR_FIND_COUNT
};

struct fr_naptr_info {
	uint16_t order;
	uint16_t preference;
	char flags[16];
	char service[32];
};

/*
 * One target.  host, srv and cname are never NULL ("" when absent); in a
 * plan they point into storage the plan owns (fr_plan_add_target copies
 * them), so a target is small and cheap to reorder.
 */
struct fr_target {
	const char *host;		/* no trailing dot, lower case */
	uint16_t group;			/* targets of one group are drawn
					 * together in RFC 2782 order */
	uint16_t port;
	enum fr_transport transport;
	bool from_srv;			/* priority and weight are meaningful */
	uint16_t priority;
	uint16_t weight;
	enum fr_source source;
	bool has_naptr;
	struct fr_naptr_info naptr;
	const char *srv;		/* SRV owner, "" if none */
	const char *cname;		/* canonical name if host is an alias */
	struct fr_address *addrs;
	size_t naddrs;
	uint32_t ttl;			/* smallest TTL along the chain */
	/* Destination health: the last ndown addresses are marked down
	 * (moved last); down is set when all of them are. */
	size_t ndown;
	bool down;
	double down_for;		/* seconds until the first retry */
	char down_reason[64];
};

/* Where the plan came from, for a resolver with a cache. */
enum fr_cache_status {
	FR_CACHE_NONE,		/* not cacheable (IP literal) */
	FR_CACHE_MISS,		/* resolved now */
	FR_CACHE_HIT,
	FR_CACHE_COALESCED,	/* resolved now, shared with other requests */
	FR_CACHE_STALE,		/* expired data served: DNS is failing */
};

struct fr_trace_entry {
	char name[FR_DNAME_MAX];
	uint16_t type;			/* LDNS_RR_TYPE_* */
	enum fr_dns_status status;
	int rcode;			/* -1 when no answer came */
	unsigned answers;
	bool has_ttl;
	uint32_t ttl;
	bool secure;
	double ms;
};

struct fr_finding {
	enum fr_finding_id id;
	enum fr_severity severity;
	char *message;
};

struct fr_plan {
	enum fr_profile profile;
	enum fr_result result;
	char *input;			/* what the caller asked, verbatim */
	char domain[FR_DNAME_MAX];	/* the domain resolved */
	bool sips;
	int port;			/* explicit port in the URI, or -1 */
	unsigned transports;		/* FR_TRANSPORT_BIT set allowed */

	struct fr_target *targets;
	size_t ntargets;
	struct fr_trace_entry *trace;
	size_t ntrace;
	struct fr_finding *findings;
	size_t nfindings;

	enum fr_cache_status cache;
	double age;			/* seconds since the data was resolved */
	double ttl_left;		/* seconds until it expires (< 0: stale) */
	bool arena;			/* one allocation: free(plan) frees all */
	unsigned refs;			/* 0 or 1: one owner; more: shared */
	struct fr_plan *base;		/* a view's canonical plan, or NULL */
};

/* Allocate an empty plan; NULL on allocation failure. */
struct fr_plan *fr_plan_new(enum fr_profile profile, const char *input);
/* Drop one reference: free a plan and everything in it once nobody
 * holds it any more.  NULL is fine. */
void fr_plan_free(struct fr_plan *plan);
/* Take one more reference to plan (each is dropped with fr_plan_free);
 * a shared plan must not be changed any more.  Returns plan. */
struct fr_plan *fr_plan_ref(struct fr_plan *plan);

/*
 * Append to the plan.  Each returns 0, or -1 when memory ran out (the
 * plan is unchanged then).  fr_plan_add_target copies *t including its
 * address array and its strings (NULL strings become "").
 */
int fr_plan_add_target(struct fr_plan *plan, const struct fr_target *t);
struct fr_trace_entry *fr_plan_add_trace(struct fr_plan *plan);
int fr_plan_add_finding(struct fr_plan *plan, enum fr_finding_id id,
    enum fr_severity severity, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * A copy of plan in one allocation (freed by fr_plan_free).  NULL if
 * memory ran out.  fr_plan_bytes() is the size that copy takes.
 */
struct fr_plan *fr_plan_copy(const struct fr_plan *plan);
size_t fr_plan_bytes(const struct fr_plan *plan);
/* The same, with nextra findings appended (their messages are copied),
 * and, if order is not NULL, target i of the copy = target order[i]. */
struct fr_plan *fr_plan_copy_with(const struct fr_plan *plan,
    const struct fr_finding *extra, size_t nextra, const size_t *order);

/*
 * A view of base for one request (see the top of this file), in one
 * allocation holding a reference to base: target i of the view is
 * target order[i] of base (order NULL: the same order), the findings
 * are base's followed by nextra extra ones (messages copied), and, if
 * own_addrs, each target gets its own copy of its addresses, which the
 * caller that made the view may reorder (destination health).  NULL if
 * memory ran out.  fr_plan_view_bytes() is what the view itself takes.
 */
struct fr_plan *fr_plan_view(struct fr_plan *base,
    const struct fr_finding *extra, size_t nextra, const size_t *order,
    bool own_addrs);
size_t fr_plan_view_bytes(const struct fr_plan *view);

/*
 * How long the DNS data of plan may be kept: the smallest TTL of the
 * answers in its trace (negative answers count with their RFC 2308
 * TTL).  Returns false when no answer carried a TTL.
 */
bool fr_plan_min_ttl(const struct fr_plan *plan, uint32_t *ttl);
/* True if some question of the trace failed (SERVFAIL, time-out, bogus). */
bool fr_plan_has_failure(const struct fr_plan *plan);

/* True if some finding has at least this severity. */
bool fr_plan_has_severity(const struct fr_plan *plan, enum fr_severity sev);

/* Names, as the tester and the JSON output print them. */
const char *fr_profile_name(enum fr_profile p);
int fr_profile_parse(const char *s, enum fr_profile *out);
const char *fr_result_name(enum fr_result r);
const char *fr_source_name(enum fr_source s);
const char *fr_dns_status_name(enum fr_dns_status s);
const char *fr_severity_name(enum fr_severity s);
const char *fr_finding_name(enum fr_finding_id id);
const char *fr_cache_status_name(enum fr_cache_status s);


#endif /* FR_PLAN_H */
