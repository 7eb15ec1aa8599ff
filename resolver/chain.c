/*
 * chain.c -- one resolution walks the chain of a profile in stages:
 *
 *   NAPTR  (sip only)    which SRV names / hosts to use, in NAPTR order
 *   SRV    (all)         the SRV sets, asked in parallel; then each set
 *                        (or merged group, for XEP-0368) is put in
 *                        RFC 2782 order; with no SRV at all, the domain
 *                        itself becomes the host (A/AAAA fallback)
 *   ADDR                 A and AAAA of every distinct host, in parallel
 *
 * Each stage waits for all of its questions before the next starts;
 * at most env->max_inflight of them are in flight at once, the others
 * wait in line in the order they were asked.
 * Failures of single questions are reported as findings and do not stop
 * the chain: the plan is built from whatever did answer.
 *
 * The plan it produces is canonical: targets grouped in the order their
 * groups are tried, each group's records in a fixed order.  The
 * RFC 2782 draw is made per request from it (resolver.c), so a cached
 * chain still spreads load.
 */
#include "config.h"

#include <sys/queue.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "naptr.h"
#include "util.h"

#define SIP_PORT	5060
#define SIPS_PORT	5061
#define XMPP_S2S_PORT	5269

enum stage { ST_NAPTR, ST_SRV, ST_ADDR, ST_DONE };

struct srvrec {
	uint16_t priority, weight, port;
	char target[FR_DNAME_MAX];	/* "" for "." */
};

/* One SRV name asked, and what it answered. */
struct srvset {
	char owner[FR_DNAME_MAX];
	enum fr_transport transport;
	int group;			/* sets of one group are ordered together */
	enum fr_source source;
	bool has_naptr;
	struct fr_naptr_info naptr;
	enum fr_dns_status status;
	struct srvrec *recs;
	size_t nrecs;
	uint32_t ttl;
};

/* One host name whose addresses are asked. */
struct hostrec {
	char name[FR_DNAME_MAX];
	struct fr_address *addrs;
	size_t naddrs;
	unsigned answered;		/* of A and AAAA */
	unsigned nxdomain;		/* how many said NXDOMAIN */
	bool failed;			/* one of them failed */
	bool has_ttl;
	uint32_t ttl;
	bool cname;
	char canon[FR_DNAME_MAX];
};

/* A target before its addresses are known. */
struct cand {
	struct fr_target t;		/* strings set when it becomes a target */
	char name[FR_DNAME_MAX];	/* t.host */
	char srv[FR_DNAME_MAX];		/* t.srv */
	bool has_ttl;			/* t.ttl holds the chain's TTL so far */
	size_t host;
	bool alias_is_finding;		/* SRV/NAPTR target: CNAME is wrong */
};

enum ask_kind { ASK_NAPTR, ASK_SRV, ASK_A, ASK_AAAA };

struct ask {
	struct fr_chain *req;
	TAILQ_ENTRY(ask) link;
	enum ask_kind kind;
	size_t index;			/* srvset or hostrec */
	size_t trace;			/* index of its trace entry */
	struct fr_ubev_q *q;
};

struct fr_chain {
	const struct fr_chain_env *env;
	fr_chain_done_cb *cb;
	void *arg;
	struct fr_plan *plan;
	struct fr_uri uri;
	unsigned transports;
	enum stage stage;
	TAILQ_HEAD(, ask) asks;		/* in flight */
	TAILQ_HEAD(, ask) queued;	/* waiting for a slot, in order */
	unsigned pending;		/* asked and not answered: both lists */
	unsigned inflight;
	ev_timer kick;			/* delivers the plan from the loop */

	struct fr_naptr_rec *naptrs;
	size_t nnaptrs;
	bool naptr_has_ttl;
	uint32_t naptr_ttl;

	struct srvset *sets;
	size_t nsets;
	struct hostrec *hosts;
	size_t nhosts;
	struct cand *cands;
	size_t ncands;

	bool domain_nxdomain;
	bool any_dot;			/* some SRV set was a sole "." */
	/* What the bounds cut, for the PLAN_TRUNCATED findings. */
	size_t cut_cands;		/* targets not resolved */
	size_t cut_sets;		/* SRV names not asked */
	size_t cut_addr_hosts;		/* hosts with addresses cut */
	bool nomem;
	bool fail_servfail, fail_timeout, fail_bogus;
};


static void step(struct fr_chain *req);
static void finish(struct fr_chain *req);

/* ---- small helpers ---------------------------------------------------- */

/* Add a finding; running out of memory here only loses the finding. */
#define finding(req, id, sev, ...) \
	((void)fr_plan_add_finding((req)->plan, (id), (sev), __VA_ARGS__))

static void
min_ttl(bool *has, uint32_t *ttl, bool other_has, uint32_t other)
{
	if (other_has && (!*has || other < *ttl)) {
		*has = true;
		*ttl = other;
	}
}

static bool
in_local_zone(const struct fr_chain_env *env, const char *name)
{
	size_t i, nlen = strlen(name);

	for (i = 0; i < env->nzones; i++) {
		size_t zlen = strlen(env->zones[i]);

		if (nlen == zlen ? strcmp(name, env->zones[i]) == 0 :
		    nlen > zlen && name[nlen - zlen - 1] == '.' &&
		    strcmp(name + nlen - zlen, env->zones[i]) == 0)
			return true;
	}
	return false;
}

static enum fr_source
source_of(const struct fr_chain *req, enum fr_source s,
    const char *owner)
{
	return in_local_zone(req->env, owner) ? FR_SOURCE_ZONE : s;
}

/* ---- asking ----------------------------------------------------------- */

static void on_answer(void *arg, const struct fr_dns_answer *ans);
static void send_queued(struct fr_chain *req);

static void
ask(struct fr_chain *req, enum ask_kind kind, size_t index,
    const char *name, uint16_t type)
{
	struct fr_trace_entry *te;
	struct ask *a;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (te = fr_plan_add_trace(req->plan)) == NULL) {
		free(a);
		req->nomem = true;
		return;
	}
	snprintf(te->name, sizeof(te->name), "%s", name);
	te->type = type;
	te->rcode = -1;
	a->req = req;
	a->kind = kind;
	a->index = index;
	a->trace = req->plan->ntrace - 1;
	TAILQ_INSERT_TAIL(&req->queued, a, link);
	req->pending++;
	send_queued(req);
}

/* Send waiting questions while there is room in flight.  A question
 * libunbound refuses counts as answered (SERVFAIL) at once. */
static void
send_queued(struct fr_chain *req)
{
	struct ask *a;

	while (req->inflight < req->env->max_inflight &&
	    (a = TAILQ_FIRST(&req->queued)) != NULL) {
		struct fr_trace_entry *te = &req->plan->trace[a->trace];

		TAILQ_REMOVE(&req->queued, a, link);
		a->q = fr_ubev_ask(req->env->ub, te->name, te->type,
		    req->env->timeout_ms, on_answer, a);
		if (a->q == NULL) {
			te->status = FR_DNS_SERVFAIL;
			req->fail_servfail = true;
			finding(req, FR_FIND_DNS_SERVFAIL, FR_SEV_WARNING,
			    "%s %s could not be asked (resolver refused)",
			    te->name, fr_rr_type_name(te->type));
			req->pending--;
			free(a);
			continue;
		}
		TAILQ_INSERT_TAIL(&req->asks, a, link);
		req->inflight++;
	}
}

/* Record a failed question; the finding becomes an error if no route. */
static void
note_failure(struct fr_chain *req, const struct fr_dns_answer *ans)
{
	const char *type = fr_rr_type_name(ans->qtype);

	switch (ans->status) {
	case FR_DNS_SERVFAIL:
		req->fail_servfail = true;
		if (ans->too_large) {
			finding(req, FR_FIND_PLAN_TRUNCATED, FR_SEV_WARNING,
			    "%s %s: the answer is too large for one DNS "
			    "message (truncated even over TCP): none of its "
			    "records can be used", ans->qname, type);
			break;
		}
		finding(req, FR_FIND_DNS_SERVFAIL, FR_SEV_WARNING,
		    "%s %s: the DNS server failed (%s)", ans->qname, type,
		    ans->rcode >= 0 ? fr_rcode_name(ans->rcode) : "no answer");
		break;
	case FR_DNS_TIMEOUT:
		req->fail_timeout = true;
		finding(req, FR_FIND_DNS_TIMEOUT, FR_SEV_WARNING,
		    "%s %s: no answer within %u ms", ans->qname, type,
		    req->env->timeout_ms);
		break;
	case FR_DNS_BOGUS:
		req->fail_bogus = true;
		finding(req, FR_FIND_DNSSEC_BOGUS, FR_SEV_ERROR,
		    "%s %s: DNSSEC validation failed, answer refused (%s)",
		    ans->qname, type,
		    ans->why_bogus ? ans->why_bogus : "no reason given");
		break;
	default:
		break;
	}
}

/* Order in which records survive a cut: best NAPTR order and
 * preference, best SRV priority; ties by the rest of the data, so the
 * answer's record order never decides what is kept. */
static int
rr_keep_cmp(const void *a, const void *b)
{
	const ldns_rr *x = *(const ldns_rr *const *)a;
	const ldns_rr *y = *(const ldns_rr *const *)b;
	size_t i, n = ldns_rr_rd_count(x) < ldns_rr_rd_count(y) ?
	    ldns_rr_rd_count(x) : ldns_rr_rd_count(y);

	for (i = 0; i < n; i++) {
		int c = ldns_rdf_compare(ldns_rr_rdf(x, i), ldns_rr_rdf(y, i));

		if (c != 0)
			return c;
	}
	return (ldns_rr_rd_count(x) > n) - (ldns_rr_rd_count(y) > n);
}

/*
 * The records of an answer to use, in *out (freed by the caller; NULL
 * with 0 when there are none), at most max of them, the best first if
 * there are more (then *cut says how many were left out).  Returns the
 * count, or SIZE_MAX when memory ran out.
 */
static size_t
records_to_take(const struct fr_dns_answer *ans, size_t max,
    ldns_rr ***out, size_t *cut)
{
	size_t i, n = ldns_rr_list_rr_count(ans->rrs);

	*out = NULL;
	*cut = 0;
	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return SIZE_MAX;
	for (i = 0; i < n; i++)
		(*out)[i] = ldns_rr_list_rr(ans->rrs, i);
	if (n > max) {
		/* rdata compares in wire order: for NAPTR and SRV the
		 * first fields are order/preference and priority. */
		qsort(*out, n, sizeof(**out), rr_keep_cmp);
		*cut = n - max;
		n = max;
	}
	return n;
}

static void
got_naptr(struct fr_chain *req, const struct fr_dns_answer *ans)
{
	size_t i, n, cut;
	ldns_rr **rrs;

	if (ans->status == FR_DNS_NXDOMAIN)
		req->domain_nxdomain = true;
	if (ans->status != FR_DNS_ANSWER)
		return;
	n = records_to_take(ans, req->env->max_targets, &rrs, &cut);
	if (n == SIZE_MAX ||
	    (req->naptrs = calloc(n, sizeof(*req->naptrs))) == NULL) {
		free(rrs);
		req->nomem = true;
		return;
	}
	if (cut > 0)
		finding(req, FR_FIND_PLAN_TRUNCATED, FR_SEV_WARNING,
		    "NAPTR %s has %zu records: the %zu of the best order and "
		    "preference are used, %zu ignored (max-targets %u)",
		    ans->qname, n + cut, n, cut, req->env->max_targets);
	for (i = 0; i < n; i++) {
		ldns_rr *rr = rrs[i];
		struct fr_naptr_rec *r = &req->naptrs[i];

		if (ldns_rr_rd_count(rr) < 6)
			continue;	/* malformed: flags stay empty, ignored */
		r->order = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
		r->preference = ldns_rdf2native_int16(ldns_rr_rdf(rr, 1));
		fr_rdf_text(ldns_rr_rdf(rr, 2), r->flags, sizeof(r->flags));
		fr_rdf_text(ldns_rr_rdf(rr, 3), r->service, sizeof(r->service));
		fr_rdf_text(ldns_rr_rdf(rr, 4), r->regexp, sizeof(r->regexp));
		fr_rdf_dname(ldns_rr_rdf(rr, 5), r->replacement,
		    sizeof(r->replacement));
	}
	free(rrs);
	req->nnaptrs = n;
	req->naptr_has_ttl = ans->has_ttl;
	req->naptr_ttl = ans->ttl;
}

static int
srvrec_cmp(const void *a, const void *b)
{
	const struct srvrec *x = a, *y = b;
	int c = strcmp(x->target, y->target);

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if (c != 0)
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->weight < y->weight ? -1 : x->weight > y->weight;
}

static void
got_srv(struct fr_chain *req, struct srvset *set,
    const struct fr_dns_answer *ans)
{
	size_t i, n, cut;
	ldns_rr **rrs;

	set->status = ans->status;
	set->ttl = ans->ttl;
	if (ans->status != FR_DNS_ANSWER)
		return;
	n = records_to_take(ans, req->env->max_targets, &rrs, &cut);
	if (n == SIZE_MAX ||
	    (set->recs = calloc(n, sizeof(*set->recs))) == NULL) {
		free(rrs);
		req->nomem = true;
		return;
	}
	if (cut > 0)
		finding(req, FR_FIND_PLAN_TRUNCATED, FR_SEV_WARNING,
		    "SRV %s has %zu records: the %zu of the best priority are "
		    "used, %zu ignored (max-targets %u)", set->owner, n + cut,
		    n, cut, req->env->max_targets);
	for (i = 0; i < n; i++) {
		ldns_rr *rr = rrs[i];
		struct srvrec *r = &set->recs[set->nrecs];

		if (ldns_rr_rd_count(rr) < 4)
			continue;
		r->priority = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
		r->weight = ldns_rdf2native_int16(ldns_rr_rdf(rr, 1));
		r->port = ldns_rdf2native_int16(ldns_rr_rdf(rr, 2));
		if (ldns_dname_label_count(ldns_rr_rdf(rr, 3)) > 0)
			fr_rdf_dname(ldns_rr_rdf(rr, 3), r->target,
			    sizeof(r->target));
		set->nrecs++;
	}
	free(rrs);
	/* Answers come in varying order; a seed must reproduce a plan. */
	qsort(set->recs, set->nrecs, sizeof(*set->recs), srvrec_cmp);
}

static int
addr_cmp(const void *a, const void *b)
{
	const struct fr_address *x = a, *y = b;

	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	return x->family == AF_INET ?
	    memcmp(&x->u.v4, &y->u.v4, sizeof(x->u.v4)) :
	    memcmp(&x->u.v6, &y->u.v6, sizeof(x->u.v6));
}

static void
got_addr(struct fr_chain *req, struct hostrec *h,
    const struct fr_dns_answer *ans)
{
	size_t i, n;
	int family = ans->qtype == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;
	struct fr_address *p;

	h->answered++;
	h->nxdomain += ans->status == FR_DNS_NXDOMAIN;
	if (ans->status == FR_DNS_SERVFAIL || ans->status == FR_DNS_TIMEOUT ||
	    ans->status == FR_DNS_BOGUS)
		h->failed = true;
	if (ans->status != FR_DNS_ANSWER)
		return;
	if (ans->cname) {
		h->cname = true;
		snprintf(h->canon, sizeof(h->canon), "%s", ans->canon);
	}
	min_ttl(&h->has_ttl, &h->ttl, ans->has_ttl, ans->ttl);
	n = ldns_rr_list_rr_count(ans->rrs);
	if (n > FR_PLAN_MAX_TARGETS)	/* parsed, sorted, then cut below */
		n = FR_PLAN_MAX_TARGETS;
	p = realloc(h->addrs, (h->naddrs + n) * sizeof(*p));
	if (p == NULL) {
		req->nomem = true;
		return;
	}
	h->addrs = p;
	for (i = 0; i < n; i++) {
		ldns_rdf *rdf = ldns_rr_rdf(ldns_rr_list_rr(ans->rrs, i), 0);
		struct fr_address *a = &h->addrs[h->naddrs];

		if (rdf == NULL)
			continue;
		memset(a, 0, sizeof(*a));
		a->family = family;
		if (family == AF_INET &&
		    ldns_rdf_size(rdf) == sizeof(a->u.v4))
			memcpy(&a->u.v4, ldns_rdf_data(rdf), sizeof(a->u.v4));
		else if (family == AF_INET6 &&
		    ldns_rdf_size(rdf) == sizeof(a->u.v6))
			memcpy(&a->u.v6, ldns_rdf_data(rdf), sizeof(a->u.v6));
		else
			continue;
		h->naddrs++;
	}
	qsort(h->addrs, h->naddrs, sizeof(*h->addrs), addr_cmp);
}

/* Both address questions of h are in: keep at most max_addrs, IPv4
 * and IPv6 alike (half each when both have more than that). */
static void
cut_addrs(struct fr_chain *req, struct hostrec *h)
{
	size_t max = req->env->max_addrs, n4 = 0, n6, keep4, keep6;

	if (h->naddrs <= max)
		return;
	while (n4 < h->naddrs && h->addrs[n4].family == AF_INET)
		n4++;
	n6 = h->naddrs - n4;
	keep4 = n4 < max / 2 ? n4 : max / 2;
	keep6 = n6 < max - keep4 ? n6 : max - keep4;
	keep4 = n4 < max - keep6 ? n4 : max - keep6;
	memmove(&h->addrs[keep4], &h->addrs[n4], keep6 * sizeof(*h->addrs));
	h->naddrs = max;
	req->cut_addr_hosts++;
}

static void
on_answer(void *arg, const struct fr_dns_answer *ans)
{
	struct ask *a = arg;
	struct fr_chain *req = a->req;
	struct fr_trace_entry *te = &req->plan->trace[a->trace];

	TAILQ_REMOVE(&req->asks, a, link);
	req->pending--;
	req->inflight--;

	te->status = ans->status;
	te->rcode = ans->rcode;
	te->answers = ans->rrs ? (unsigned)ldns_rr_list_rr_count(ans->rrs) : 0;
	te->has_ttl = ans->has_ttl;
	te->ttl = ans->ttl;
	te->secure = ans->secure;
	te->ms = ans->ms;
	note_failure(req, ans);

	switch (a->kind) {
	case ASK_NAPTR:
		got_naptr(req, ans);
		break;
	case ASK_SRV:
		got_srv(req, &req->sets[a->index], ans);
		break;
	case ASK_A:
	case ASK_AAAA:
		got_addr(req, &req->hosts[a->index], ans);
		if (req->hosts[a->index].answered == 2)
			cut_addrs(req, &req->hosts[a->index]);
		break;
	}
	free(a);
	send_queued(req);
	if (req->pending == 0)
		step(req);
}

/* ---- building the chain ----------------------------------------------- */

static struct srvset *
add_srvset(struct fr_chain *req, const char *owner,
    enum fr_transport tp, int group, enum fr_source source,
    const struct fr_naptr_info *naptr)
{
	struct srvset *s;
	size_t i;

	for (i = 0; i < req->nsets; i++)	/* two NAPTRs, one SRV name */
		if (strcmp(req->sets[i].owner, owner) == 0 &&
		    req->sets[i].transport == tp)
			return NULL;
	if (req->nsets >= req->env->max_targets) {
		req->cut_sets++;
		return NULL;
	}
	if ((s = fr_array_grow(&req->sets, &req->nsets, sizeof(*s))) == NULL) {
		req->nomem = true;
		return NULL;
	}
	snprintf(s->owner, sizeof(s->owner), "%s", owner);
	s->transport = tp;
	s->group = group;
	s->source = source;
	if (naptr != NULL) {
		s->has_naptr = true;
		s->naptr = *naptr;
	}
	return s;
}

static size_t
host_index(struct fr_chain *req, const char *name)
{
	struct hostrec *h;
	size_t i;

	for (i = 0; i < req->nhosts; i++)
		if (strcmp(req->hosts[i].name, name) == 0)
			return i;
	if ((h = fr_array_grow(&req->hosts, &req->nhosts, sizeof(*h))) == NULL) {
		req->nomem = true;
		return SIZE_MAX;
	}
	snprintf(h->name, sizeof(h->name), "%s", name);
	return req->nhosts - 1;
}

static void
add_cand(struct fr_chain *req, const struct fr_target *t,
    bool has_ttl, bool alias_is_finding)
{
	struct cand *c;
	size_t h;

	if (req->ncands >= req->env->max_targets) {
		req->cut_cands++;
		return;
	}
	if ((h = host_index(req, t->host)) == SIZE_MAX)
		return;
	if ((c = fr_array_grow(&req->cands, &req->ncands, sizeof(*c))) == NULL) {
		req->nomem = true;
		return;
	}
	c->t = *t;
	snprintf(c->name, sizeof(c->name), "%s", t->host);
	snprintf(c->srv, sizeof(c->srv), "%s", t->srv ? t->srv : "");
	c->has_ttl = has_ttl;
	c->host = h;
	c->alias_is_finding = alias_is_finding;
}

static uint16_t
default_port(enum fr_profile p, enum fr_transport t)
{
	if (p == FR_PROFILE_XMPP_S2S)
		return XMPP_S2S_PORT;
	return fr_transport_secure(t) ? SIPS_PORT : SIP_PORT;
}

/*
 * The transport for a target without SRV (RFC 3263 section 4.1): the
 * URI's transport parameter, else UDP for sip: and TLS for sips:, or
 * the next one the filter allows.  -1 if the filter allows none.
 */
static int
direct_transport(const struct fr_chain *req)
{
	static const enum fr_transport sip_pref[] = {
		FR_TRANSPORT_UDP, FR_TRANSPORT_TCP, FR_TRANSPORT_TLS,
		FR_TRANSPORT_SCTP,
	};
	static const enum fr_transport sips_pref[] = {
		FR_TRANSPORT_TLS, FR_TRANSPORT_SCTP_TLS,
	};
	const enum fr_transport *pref = sip_pref;
	size_t i, n = sizeof(sip_pref) / sizeof(sip_pref[0]);
	enum fr_transport t;

	switch (req->plan->profile) {
	case FR_PROFILE_MSFED:
		t = FR_TRANSPORT_TLS;
		return (req->transports & FR_TRANSPORT_BIT(t)) ? (int)t : -1;
	case FR_PROFILE_XMPP_S2S:
		/* RFC 6120 fallback: STARTTLS on 5269 (a TCP stream). */
		t = FR_TRANSPORT_TCP;
		return (req->transports & FR_TRANSPORT_BIT(t)) ? (int)t : -1;
	case FR_PROFILE_SIP:
		break;
	}
	if (req->uri.has_transport) {
		t = req->uri.transport;
		if (req->plan->sips && t == FR_TRANSPORT_TCP)
			t = FR_TRANSPORT_TLS;
		else if (req->plan->sips && t == FR_TRANSPORT_SCTP)
			t = FR_TRANSPORT_SCTP_TLS;
		return (req->transports & FR_TRANSPORT_BIT(t)) ? (int)t : -1;
	}
	if (req->plan->sips) {
		pref = sips_pref;
		n = sizeof(sips_pref) / sizeof(sips_pref[0]);
	}
	for (i = 0; i < n; i++)
		if (req->transports & FR_TRANSPORT_BIT(pref[i]))
			return (int)pref[i];
	return -1;
}

/* The domain itself (or the literal) as the one target. */
static void
add_direct(struct fr_chain *req, enum fr_source source)
{
	struct fr_target t;
	int tp = direct_transport(req);

	if (tp < 0) {
		finding(req, FR_FIND_NO_RECORDS, FR_SEV_ERROR,
		    "%s: the transport filter excludes the transport this "
		    "target would use", req->plan->domain);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.host = req->uri.host;
	t.transport = (enum fr_transport)tp;
	t.port = req->uri.port > 0 ? (uint16_t)req->uri.port :
	    default_port(req->plan->profile, t.transport);
	t.source = source == FR_SOURCE_LITERAL ? source :
	    source_of(req, source, req->uri.host);
	if (source == FR_SOURCE_LITERAL) {
		if (fr_plan_add_target(req->plan, &t) != 0)
			req->nomem = true;
		else {
			struct fr_target *pt =
			    &req->plan->targets[req->plan->ntargets - 1];

			if ((pt->addrs = calloc(1, sizeof(*pt->addrs))) == NULL)
				req->nomem = true;
			else {
				pt->addrs[0] = req->uri.addr;
				pt->naddrs = 1;
			}
		}
		return;
	}
	add_cand(req, &t, false, false);
}

static const char *
srv_name_for(bool sips, enum fr_transport t)
{
	switch (t) {
	case FR_TRANSPORT_TLS:		return "_sips._tcp";
	case FR_TRANSPORT_TCP:		return sips ? "_sips._tcp" : "_sip._tcp";
	case FR_TRANSPORT_UDP:		return "_sip._udp";
	case FR_TRANSPORT_SCTP:		return "_sip._sctp";
	case FR_TRANSPORT_SCTP_TLS:	return "_sips._sctp";
	default:			return "_sip._tcp";
	}
}

static void
ask_srvset_named(struct fr_chain *req, const char *owner,
    enum fr_transport tp, int group, enum fr_source source,
    const struct fr_naptr_info *naptr)
{
	struct srvset *s = add_srvset(req, owner, tp, group, source, naptr);

	if (s != NULL)
		ask(req, ASK_SRV, (size_t)(s - req->sets), owner,
		    LDNS_RR_TYPE_SRV);
}

static void
ask_srvset(struct fr_chain *req, const char *service,
    enum fr_transport tp, int group)
{
	char owner[FR_DNAME_MAX];

	if (!(req->transports & FR_TRANSPORT_BIT(tp)))
		return;
	if ((size_t)snprintf(owner, sizeof(owner), "%s.%s", service,
	    req->plan->domain) >= sizeof(owner)) {
		finding(req, FR_FIND_NO_RECORDS, FR_SEV_ERROR,
		    "%s.%s: name too long", service, req->plan->domain);
		return;
	}
	ask_srvset_named(req, owner, tp, group,
	    source_of(req, FR_SOURCE_SRV, owner), NULL);
}

/* RFC 3263 section 4.1: SRV for the transports we support, no NAPTR. */
static void
probe_sip_srv(struct fr_chain *req)
{
	if (req->uri.has_transport) {
		int tp = direct_transport(req);

		if (tp >= 0)
			ask_srvset(req, srv_name_for(req->plan->sips,
			    (enum fr_transport)tp), (enum fr_transport)tp, 0);
		return;
	}
	ask_srvset(req, "_sips._tcp", FR_TRANSPORT_TLS, 0);
	if (!req->plan->sips) {
		ask_srvset(req, "_sip._tcp", FR_TRANSPORT_TCP, 1);
		ask_srvset(req, "_sip._udp", FR_TRANSPORT_UDP, 2);
	}
}

/* NAPTR answered (or not): ask the SRV names it leads to, or probe. */
static void
after_naptr(struct fr_chain *req)
{
	size_t i, usable = 0;
	int group = 0;

	if (req->domain_nxdomain)
		return;		/* RFC 8020: nothing exists below it either */
	fr_naptr_sort(req->naptrs, req->nnaptrs);
	for (i = 0; i < req->nnaptrs; i++) {
		const struct fr_naptr_rec *r = &req->naptrs[i];
		struct fr_naptr_info info;
		enum fr_transport tp;
		enum fr_naptr_kind kind;
		const char *why;

		if (!fr_naptr_usable(r, req->plan->sips, req->transports, &tp,
		    &kind, &why)) {
			finding(req, FR_FIND_NAPTR_RECORD_IGNORED, FR_SEV_INFO,
			    "NAPTR %u %u \"%s\" \"%s\" \"%s\" %s. ignored: %s",
			    r->order, r->preference, r->flags, r->service,
			    r->regexp, r->replacement[0] ? r->replacement : "",
			    why);
			continue;
		}
		usable++;
		memset(&info, 0, sizeof(info));
		info.order = r->order;
		info.preference = r->preference;
		snprintf(info.flags, sizeof(info.flags), "%s", r->flags);
		snprintf(info.service, sizeof(info.service), "%s", r->service);
		if (kind == FR_NAPTR_SRV) {
			ask_srvset_named(req, r->replacement, tp, group++,
			    source_of(req, FR_SOURCE_NAPTR, req->plan->domain),
			    &info);
		} else {
			struct fr_target t;

			memset(&t, 0, sizeof(t));
			t.host = r->replacement;
			t.transport = tp;
			t.port = default_port(FR_PROFILE_SIP, tp);
			t.source = source_of(req, FR_SOURCE_NAPTR,
			    req->plan->domain);
			t.has_naptr = true;
			t.naptr = info;
			t.group = (uint16_t)group++;
			t.ttl = req->naptr_ttl;
			add_cand(req, &t, req->naptr_has_ttl, true);
		}
	}
	if (req->nnaptrs > 0 && usable == 0)
		finding(req, FR_FIND_NAPTR_NONE_USABLE, FR_SEV_WARNING,
		    "%s has %zu NAPTR record(s) but none usable for SIP "
		    "with these transports; probing SRV instead",
		    req->plan->domain, req->nnaptrs);
	if (usable == 0)
		probe_sip_srv(req);
}

/* Stable: NAPTR "a" hosts were added before the SRV sets answered. */
static void
sort_cands_by_group(struct fr_chain *req)
{
	size_t i, j;

	for (i = 1; i < req->ncands; i++) {
		struct cand v = req->cands[i];

		for (j = i; j > 0 && req->cands[j - 1].t.group > v.t.group; j--)
			req->cands[j] = req->cands[j - 1];
		req->cands[j] = v;
	}
}

/* All SRV sets are in: findings about them, and the candidates. */
static void
after_srv(struct fr_chain *req)
{
	bool any_records = false, all_negative = true;
	bool via_naptr = req->ncands > 0;	/* NAPTR "a" records */
	size_t i, s;

	if (req->domain_nxdomain)
		return;
	for (s = 0; s < req->nsets; s++) {
		struct srvset *set = &req->sets[s];
		size_t real = 0;

		if (set->status != FR_DNS_NODATA &&
		    set->status != FR_DNS_NXDOMAIN &&
		    set->status != FR_DNS_ANSWER)
			all_negative = false;
		if (set->status == FR_DNS_ANSWER)
			via_naptr = via_naptr || set->has_naptr;
		for (i = 0; i < set->nrecs; i++)
			real += set->recs[i].target[0] != '\0';
		if (set->nrecs > 0 && real == 0) {
			bool xmpps = strncmp(set->owner, "_xmpps-server.", 14) == 0;

			req->any_dot = true;
			if (xmpps)
				finding(req, FR_FIND_XMPPS_UNAVAILABLE,
				    FR_SEV_INFO, "%s is \".\": no direct TLS; "
				    "_xmpp-server is used", set->owner);
			else
				finding(req, FR_FIND_SERVICE_UNAVAILABLE,
				    FR_SEV_INFO, "%s is \".\": the service is "
				    "decidedly not available there", set->owner);
		} else if (real < set->nrecs) {
			finding(req, FR_FIND_SRV_DOT_MIXED, FR_SEV_WARNING,
			    "%s mixes a \".\" target with %zu real one(s); "
			    "the \".\" is ignored (RFC 2782)", set->owner, real);
		}
		if (real > 0)
			any_records = true;
	}

	/*
	 * Candidates in canonical order: by group, each set's records as
	 * sorted on arrival.  The RFC 2782 draw is made per request.
	 */
	for (s = 0; s < req->nsets; s++) {
		const struct srvset *set = &req->sets[s];

		for (i = 0; i < set->nrecs; i++) {
			const struct srvrec *r = &set->recs[i];
			struct fr_target t;
			bool has_ttl = true;

			if (r->target[0] == '\0')
				continue;
			memset(&t, 0, sizeof(t));
			t.host = r->target;
			t.group = (uint16_t)set->group;
			t.port = r->port;
			t.transport = set->transport;
			t.from_srv = true;
			t.priority = r->priority;
			t.weight = r->weight;
			t.source = set->source;
			t.has_naptr = set->has_naptr;
			t.naptr = set->naptr;
			t.srv = set->owner;
			t.ttl = set->ttl;
			if (set->has_naptr)
				min_ttl(&has_ttl, &t.ttl, req->naptr_has_ttl,
				    req->naptr_ttl);
			add_cand(req, &t, has_ttl, true);
		}
	}
	sort_cands_by_group(req);

	/*
	 * No SRV at all, and every answer was a definite "none": use the
	 * domain itself.  Not after a "." (the domain said no), nor after a
	 * failure (we do not know that there is no SRV), nor for Microsoft
	 * federation (which is SRV-only).
	 */
	if (!any_records && !req->any_dot && all_negative && !via_naptr &&
	    req->plan->profile != FR_PROFILE_MSFED) {
		int tp = direct_transport(req);

		if (tp >= 0)
			finding(req, FR_FIND_NO_SRV_FALLBACK_A, FR_SEV_INFO,
			    "no SRV record for %s: using its A/AAAA on "
			    "port %u (%s)", req->plan->domain,
			    default_port(req->plan->profile,
			    (enum fr_transport)tp),
			    fr_transport_name((enum fr_transport)tp));
		add_direct(req, FR_SOURCE_A);
	}
}

static void
ask_hosts(struct fr_chain *req)
{
	size_t i;

	for (i = 0; i < req->nhosts; i++) {
		ask(req, ASK_A, i, req->hosts[i].name, LDNS_RR_TYPE_A);
		ask(req, ASK_AAAA, i, req->hosts[i].name, LDNS_RR_TYPE_AAAA);
	}
}

/* All addresses are in: the plan's targets, in candidate order. */
static void
after_addr(struct fr_chain *req)
{
	size_t i;

	for (i = 0; i < req->ncands; i++) {
		struct cand *c = &req->cands[i];
		const struct hostrec *h = &req->hosts[c->host];

		c->t.host = c->name;
		c->t.srv = c->srv;
		c->t.cname = h->cname ? h->canon : "";
		if (h->cname) {
			if (c->alias_is_finding)
				finding(req, FR_FIND_SRV_TARGET_CNAME,
				    FR_SEV_WARNING, "target %s is an alias "
				    "(CNAME) of %s; RFC 2782 requires the "
				    "name of an address record", h->name,
				    h->canon);
		}
		if (h->naddrs == 0) {
			/* The domain itself as host: NXDOMAIN there is the
			 * domain's own non-existence, reported as such. */
			if (!c->alias_is_finding) {
				if (h->nxdomain == 2)
					req->domain_nxdomain = true;
			} else if (!h->failed) {
				finding(req, FR_FIND_SRV_TARGET_NO_ADDRESS,
				    FR_SEV_WARNING, "target %s has no A or "
				    "AAAA record; skipped", h->name);
			}
			continue;
		}
		min_ttl(&c->has_ttl, &c->t.ttl, h->has_ttl, h->ttl);
		c->t.addrs = h->addrs;
		c->t.naddrs = h->naddrs;
		if (fr_plan_add_target(req->plan, &c->t) != 0)
			req->nomem = true;
	}
}

/* Advance to the next stage whenever the current one has no question
 * left in flight; stop when the plan is complete. */
static void
step(struct fr_chain *req)
{
	while (req->pending == 0 && req->stage != ST_DONE) {
		switch (req->stage) {
		case ST_NAPTR:
			after_naptr(req);
			req->stage = ST_SRV;
			break;
		case ST_SRV:
			after_srv(req);
			ask_hosts(req);
			req->stage = ST_ADDR;
			break;
		case ST_ADDR:
			after_addr(req);
			req->stage = ST_DONE;
			finish(req);
			return;
		case ST_DONE:
			break;
		}
	}
}

/* ---- the end of a request --------------------------------------------- */

/* Failure findings were warnings while other parts might still route;
 * with no route at all they are the reason, hence errors. */
static void
escalate(struct fr_plan *plan, enum fr_finding_id id)
{
	size_t i;

	for (i = 0; i < plan->nfindings; i++)
		if (plan->findings[i].id == id)
			plan->findings[i].severity = FR_SEV_ERROR;
}

static enum fr_result
decide(struct fr_chain *req)
{
	struct fr_plan *plan = req->plan;

	if (plan->ntargets > 0)
		return FR_RESULT_OK;
	escalate(plan, FR_FIND_DNS_SERVFAIL);
	escalate(plan, FR_FIND_DNS_TIMEOUT);
	if (req->fail_bogus)
		return FR_RESULT_BOGUS;
	if (req->fail_timeout)
		return FR_RESULT_TIMEOUT;
	if (req->fail_servfail || req->nomem)
		return FR_RESULT_SERVFAIL;
	if (req->domain_nxdomain) {
		finding(req, FR_FIND_DOMAIN_NXDOMAIN, FR_SEV_ERROR,
		    "%s does not exist (NXDOMAIN)", plan->domain);
		return FR_RESULT_NXDOMAIN;
	}
	if (req->any_dot && req->ncands == 0) {
		escalate(plan, FR_FIND_SERVICE_UNAVAILABLE);
		escalate(plan, FR_FIND_XMPPS_UNAVAILABLE);
		return FR_RESULT_UNAVAILABLE;
	}
	if (req->ncands > 0)
		finding(req, FR_FIND_NO_RECORDS, FR_SEV_ERROR,
		    "%s: no target of the %s profile has an address",
		    plan->domain, fr_profile_name(plan->profile));
	else
		finding(req, FR_FIND_NO_RECORDS, FR_SEV_ERROR,
		    "%s publishes no record usable for the %s profile",
		    plan->domain, fr_profile_name(plan->profile));
	return FR_RESULT_NODATA;
}

static void
req_free(struct fr_chain *req)
{
	struct ask *a;
	size_t i;

	while ((a = TAILQ_FIRST(&req->asks)) != NULL) {
		TAILQ_REMOVE(&req->asks, a, link);
		fr_ubev_cancel(a->q);
		free(a);
	}
	while ((a = TAILQ_FIRST(&req->queued)) != NULL) {
		TAILQ_REMOVE(&req->queued, a, link);
		free(a);
	}
	ev_timer_stop(req->env->loop, &req->kick);
	for (i = 0; i < req->nsets; i++)
		free(req->sets[i].recs);
	for (i = 0; i < req->nhosts; i++)
		free(req->hosts[i].addrs);
	free(req->sets);
	free(req->hosts);
	free(req->cands);
	free(req->naptrs);
	fr_plan_free(req->plan);
	free(req);
}

static void
on_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_chain *req = w->data;
	fr_chain_done_cb *cb = req->cb;
	void *arg = req->arg;
	struct fr_plan *plan = req->plan;

	(void)loop;
	(void)revents;
	/* Free the chain first: the callback may tear everything down. */
	req->plan = NULL;
	req_free(req);
	cb(arg, plan);
}

/* The plan is complete: decide the result, deliver from the loop. */
static void
finish(struct fr_chain *req)
{
	if (req->cut_sets > 0)
		finding(req, FR_FIND_PLAN_TRUNCATED, FR_SEV_WARNING,
		    "%zu more SRV name(s) were not asked: at most %u per "
		    "lookup (max-targets)", req->cut_sets,
		    req->env->max_targets);
	if (req->cut_cands > 0)
		finding(req, FR_FIND_PLAN_TRUNCATED, FR_SEV_WARNING,
		    "%zu more target(s) were not resolved: at most %u per "
		    "plan (max-targets)", req->cut_cands,
		    req->env->max_targets);
	if (req->cut_addr_hosts > 0)
		finding(req, FR_FIND_PLAN_TRUNCATED, FR_SEV_WARNING,
		    "%zu target(s) have more than %u addresses: the rest "
		    "are not used (max-addresses)", req->cut_addr_hosts,
		    req->env->max_addrs);
	req->plan->result = decide(req);
	if (req->nomem) {
		/* A plan that misses parts is worse than no plan. */
		fr_plan_free(req->plan);
		req->plan = NULL;
	}
	ev_timer_start(req->env->loop, &req->kick);
}

/* ---- entry points ----------------------------------------------------- */

struct fr_chain *
fr_chain_start(const struct fr_chain_env *env, const struct fr_uri *uri,
    enum fr_profile profile, unsigned transports, const char *input,
    fr_chain_done_cb *cb, void *arg)
{
	struct fr_chain *req;
	struct fr_plan *plan;

	if ((plan = fr_plan_new(profile, input)) == NULL ||
	    (req = calloc(1, sizeof(*req))) == NULL) {
		fr_plan_free(plan);
		return NULL;
	}
	req->env = env;
	req->cb = cb;
	req->arg = arg;
	req->plan = plan;
	req->uri = *uri;
	req->transports = transports;
	TAILQ_INIT(&req->asks);
	TAILQ_INIT(&req->queued);
	ev_timer_init(&req->kick, on_kick, 0., 0.);
	req->kick.data = req;

	snprintf(plan->domain, sizeof(plan->domain), "%s", uri->host);
	plan->sips = uri->scheme == FR_SCHEME_SIPS;
	plan->port = uri->port;
	plan->transports = transports;

	if (uri->literal) {
		/* A numeric IP skips DNS altogether (RFC 3263 section 4). */
		add_direct(req, FR_SOURCE_LITERAL);
		req->stage = ST_DONE;
		finish(req);
	} else if (uri->port > 0) {
		/* An explicit port skips NAPTR and SRV. */
		add_direct(req, FR_SOURCE_A);
		req->stage = ST_SRV;
		step(req);
	} else {
		switch (profile) {
		case FR_PROFILE_SIP:
			if (uri->has_transport) {
				probe_sip_srv(req);
				req->stage = ST_SRV;
			} else {
				ask(req, ASK_NAPTR, 0, uri->host,
				    LDNS_RR_TYPE_NAPTR);
				req->stage = ST_NAPTR;
			}
			break;
		case FR_PROFILE_MSFED:
			ask_srvset(req, "_sipfederationtls._tcp",
			    FR_TRANSPORT_TLS, 0);
			req->stage = ST_SRV;
			break;
		case FR_PROFILE_XMPP_S2S:
			/* XEP-0368: both services mixed in one RFC 2782 draw. */
			ask_srvset(req, "_xmpps-server._tcp", FR_TRANSPORT_TLS, 0);
			ask_srvset(req, "_xmpp-server._tcp", FR_TRANSPORT_TCP, 0);
			req->stage = ST_SRV;
			break;
		}
		step(req);
	}
	return req;
}

void
fr_chain_cancel(struct fr_chain *req)
{
	if (req != NULL)
		req_free(req);
}
