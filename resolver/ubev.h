/*
 * ubev.h -- libunbound driven from a libev loop.
 *
 * One fr_ubev holds a libunbound context that runs inside the caller's
 * libev loop (libunbound's pluggable event base: no resolver thread).
 * A question is one name and type; its answer is digested with ldns into
 * what the resolver needs (status, records, TTL or negative TTL, CNAME,
 * DNSSEC state, time taken) and handed to the question's callback, on
 * the loop, never from inside fr_ubev_ask().
 *
 * Each question has a deadline; when it passes, the question is
 * cancelled in libunbound and answered with FR_DNS_TIMEOUT.
 */
#ifndef FR_UBEV_H
#define FR_UBEV_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>
#include <ldns/ldns.h>

#include "plan.h"

/* Upstream settings; strings are copied by fr_ubev_create(). */
struct fr_ubev_conf {
	const char *const *forwarders;	/* "ADDR[@PORT]", may be empty */
	size_t nforwarders;
	const char *const *zone_origins;	/* local zones: origin ... */
	const char *const *zone_files;		/* ... and absolute path */
	size_t nzones;
	const char *trust_anchor_file;	/* NULL: no DNSSEC validation */
	bool no_cache;			/* libunbound keeps nothing from the
					 * forwarders (forward-no-cache), so
					 * the resolver's own cache, on its
					 * own clock, is the only one: tests */
};

struct fr_dns_answer {
	const char *qname;		/* as asked, no trailing dot */
	uint16_t qtype;
	enum fr_dns_status status;
	int rcode;			/* LDNS_RCODE_*, -1 if none came */
	ldns_pkt *pkt;			/* the whole answer, or NULL */
	ldns_rr_list *rrs;		/* answer records of qtype, or NULL */
	bool has_ttl;
	uint32_t ttl;			/* min record TTL, or RFC 2308 TTL */
	bool cname;			/* qname is an alias ... */
	char canon[FR_DNAME_MAX];	/* ... of this name */
	bool secure;			/* DNSSEC validated */
	const char *why_bogus;		/* for FR_DNS_BOGUS, or NULL */
	bool too_large;			/* FR_DNS_SERVFAIL because the answer
					 * was truncated (TC) with no record:
					 * too large for any DNS message */
	double ms;
};

struct fr_ubev;
struct fr_ubev_q;

/*
 * Called once per question, unless cancelled.  The answer and what it
 * points to live until the callback returns.
 */
typedef void fr_ubev_cb(void *arg, const struct fr_dns_answer *ans);

/* NULL on failure, with the reason in err. */
struct fr_ubev *fr_ubev_create(struct ev_loop *loop,
    const struct fr_ubev_conf *conf, char *err, size_t errlen);
/* Cancels questions in flight without calling back.  NULL is fine. */
void fr_ubev_delete(struct fr_ubev *ub);

/* Ask; NULL if memory ran out or libunbound refused (then no callback). */
struct fr_ubev_q *fr_ubev_ask(struct fr_ubev *ub, const char *name,
    uint16_t type, unsigned timeout_ms, fr_ubev_cb *cb, void *arg);
/* Cancel a question in flight; its callback will not be called. */
void fr_ubev_cancel(struct fr_ubev_q *q);

/* Questions asked since creation, in flight now, and the most ever in
 * flight at once. */
struct fr_ubev_counts {
	uint64_t asked;
	size_t inflight;
	size_t peak;
};
const struct fr_ubev_counts *fr_ubev_counts(const struct fr_ubev *ub);

/* Presentation form of an RR type ("SRV"); static storage. */
const char *fr_rr_type_name(uint16_t type);
/* Presentation form of an rcode ("NXDOMAIN"); static storage. */
const char *fr_rcode_name(int rcode);

#endif /* FR_UBEV_H */
