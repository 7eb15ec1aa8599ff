/*
 * dnscheck.c -- the DNS checks of dnscheck.h.
 *
 * Upstream questions (wrong SRV names, NAPTR) are asked all at once on a
 * libunbound context of their own, configured like the resolver's, and
 * the loop runs until every one is answered or timed out.  The direct
 * UDP questions are plain blocking exchanges with a deadline: one
 * datagram out, the matching datagram in, never TCP.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "addrscope.h"
#include "dnscheck.h"
#include "ipport.h"
#include "naptr.h"
#include "strbuf.h"
#include "util.h"

/* SRV names that exist in the wild but that no peer of the profile asks. */
static const struct {
	enum fr_profile profile;
	const char *label;		/* wrong name */
	const char *instead;		/* what peers look up */
} legacy[] = {
	{ FR_PROFILE_SIP, "_sip._tls", "_sips._tcp" },
	{ FR_PROFILE_SIP, "_sips._tls", "_sips._tcp" },
	/* _sip._tls is the Lync/Skype *client* sign-in record: only the
	 * federation profile's own misspelling is reported. */
	{ FR_PROFILE_MSFED, "_sips._tls", "_sipfederationtls._tcp" },
	{ FR_PROFILE_MSFED, "_sipfederationtls._tls",
	    "_sipfederationtls._tcp" },
	{ FR_PROFILE_XMPP_S2S, "_xmpp-server._udp", "_xmpp-server._tcp" },
	{ FR_PROFILE_XMPP_S2S, "_jabber._tcp", "_xmpp-server._tcp" },
};

/* Upstream questions in flight. */
struct ask {
	struct run *run;
	size_t q;			/* index into run->out->qs */
};

struct run {
	const struct fr_dnscheck_conf *conf;
	const struct fr_plan *plan;
	struct fr_dnscheck *out;
	struct fr_diag *diag;
	unsigned pending;
	/* NAPTR records of the domain, when asked */
	struct fr_naptr_rec *naptrs;
	size_t nnaptrs;
};

const char *
fr_dnscheck_kind_name(enum fr_dnscheck_kind k)
{
	switch (k) {
	case FR_DNSCHECK_LEGACY:	return "legacy-label";
	case FR_DNSCHECK_NAPTR:		return "naptr";
	case FR_DNSCHECK_UDP:		return "udp-size";
	}
	return "?";
}

void
fr_dnscheck_clear(struct fr_dnscheck *dc)
{
	free(dc->qs);
	memset(dc, 0, sizeof(*dc));
}

static struct fr_dnscheck_q *
new_q(struct fr_dnscheck *dc, enum fr_dnscheck_kind kind, const char *name,
    uint16_t type)
{
	struct fr_dnscheck_q *q;

	if ((q = fr_array_grow(&dc->qs, &dc->nqs, sizeof(*q))) == NULL)
		return NULL;
	q->kind = kind;
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->type = type;
	q->status = FR_DNS_TIMEOUT;
	return q;
}

static bool
in_zone(const char *name, const char *zone)
{
	size_t nlen = strlen(name), zlen = strlen(zone);

	if (zlen > 0 && zone[zlen - 1] == '.')
		zlen--;
	if (nlen == zlen)
		return strncasecmp(name, zone, zlen) == 0;
	return nlen > zlen && name[nlen - zlen - 1] == '.' &&
	    strncasecmp(name + nlen - zlen, zone, zlen) == 0;
}

static bool
in_local_zone(const struct fr_dnscheck_conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->upstream->nzones; i++)
		if (in_zone(name, conf->upstream->zone_origins[i]))
			return true;
	return false;
}

static bool
plan_has(const struct fr_plan *plan, enum fr_finding_id id)
{
	size_t i;

	for (i = 0; i < plan->nfindings; i++)
		if (plan->findings[i].id == id)
			return true;
	return false;
}

/* ---- upstream questions: wrong labels, NAPTR ----------------------------- */

/* Remember the SRV targets found under a wrong name, as "host:port, ...". */
static void
legacy_detail(struct fr_dnscheck_q *q, const struct fr_dns_answer *ans)
{
	char target[FR_DNAME_MAX];
	size_t i, n = ans->rrs ? ldns_rr_list_rr_count(ans->rrs) : 0;
	struct fr_strbuf sb;

	fr_strbuf_init(&sb, q->detail, sizeof(q->detail));
	for (i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans->rrs, i);

		if (ldns_rr_rd_count(rr) < 4)
			continue;
		fr_rdf_dname(ldns_rr_rdf(rr, 3), target, sizeof(target));
		fr_strbuf_item(&sb, ", ", "%s:%u", target[0] ? target : ".",
		    ldns_rdf2native_int16(ldns_rr_rdf(rr, 2)));
	}
}

static void
legacy_findings(struct run *run)
{
	const struct fr_plan *plan = run->plan;
	enum fr_severity sev;
	size_t i;

	/*
	 * While the profile's own records route, the wrong name is only
	 * clutter; when they do not, it is the likely reason.
	 */
	sev = plan->result == FR_RESULT_OK && !plan_has(plan,
	    FR_FIND_NO_SRV_FALLBACK_A) ? FR_SEV_INFO : FR_SEV_WARNING;
	for (i = 0; i < run->out->nqs; i++) {
		const struct fr_dnscheck_q *q = &run->out->qs[i];

		if (q->kind != FR_DNSCHECK_LEGACY || q->status != FR_DNS_ANSWER)
			continue;
		fr_diag_add(run->diag, FR_CHECK_LEGACY_SRV_LABEL, sev, -1,
		    "%s has SRV records (%s), but %s peers look up %s.%s",
		    q->name, q->detail, fr_profile_name(plan->profile),
		    q->instead, plan->domain);
	}
}

static void
naptr_answer(struct run *run, const struct fr_dns_answer *ans)
{
	size_t i, n;

	if (ans->status != FR_DNS_ANSWER)
		return;
	/* Bounded like the resolver's settings can be at most; the ties
	 * check sorts what it keeps, so order only matters past this. */
	n = ldns_rr_list_rr_count(ans->rrs);
	if (n > FR_PLAN_MAX_TARGETS)
		n = FR_PLAN_MAX_TARGETS;
	if ((run->naptrs = calloc(n, sizeof(*run->naptrs))) == NULL) {
		run->diag->incomplete = true;
		return;
	}
	for (i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans->rrs, i);
		struct fr_naptr_rec *r = &run->naptrs[run->nnaptrs];

		if (ldns_rr_rd_count(rr) < 6)
			continue;
		r->order = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
		r->preference = ldns_rdf2native_int16(ldns_rr_rdf(rr, 1));
		fr_rdf_text(ldns_rr_rdf(rr, 2), r->flags, sizeof(r->flags));
		fr_rdf_text(ldns_rr_rdf(rr, 3), r->service, sizeof(r->service));
		fr_rdf_text(ldns_rr_rdf(rr, 4), r->regexp, sizeof(r->regexp));
		fr_rdf_dname(ldns_rr_rdf(rr, 5), r->replacement,
		    sizeof(r->replacement));
		run->nnaptrs++;
	}
}

static void
on_upstream(void *arg, const struct fr_dns_answer *ans)
{
	struct ask *a = arg;
	struct run *run = a->run;
	struct fr_dnscheck_q *q = &run->out->qs[a->q];

	q->status = ans->status;
	q->answers = ans->rrs ? (unsigned)ldns_rr_list_rr_count(ans->rrs) : 0;
	q->has_ttl = ans->has_ttl;
	q->ttl = ans->ttl;
	q->ms = ans->ms;
	if (q->kind == FR_DNSCHECK_LEGACY)
		legacy_detail(q, ans);
	else
		naptr_answer(run, ans);
	run->pending--;
	free(a);
}

static int
ask_upstream(struct run *run, struct fr_ubev *ub, enum fr_dnscheck_kind kind,
    const char *name, uint16_t type, size_t row)
{
	struct fr_dnscheck_q *q;
	struct ask *a;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (q = new_q(run->out, kind, name, type)) == NULL) {
		free(a);
		return -1;
	}
	a->run = run;
	a->q = (size_t)(q - run->out->qs);
	if (kind == FR_DNSCHECK_LEGACY)
		q->instead = legacy[row].instead;
	if (fr_ubev_ask(ub, name, type, run->conf->timeout_ms, on_upstream,
	    a) == NULL) {
		q->status = FR_DNS_SERVFAIL;
		free(a);
		return 0;
	}
	run->pending++;
	return 0;
}

static bool
trace_answered(const struct fr_plan *plan, const char *name, uint16_t type)
{
	size_t i;

	for (i = 0; i < plan->ntrace; i++)
		if (plan->trace[i].type == type &&
		    plan->trace[i].status == FR_DNS_ANSWER &&
		    strcmp(plan->trace[i].name, name) == 0)
			return true;
	return false;
}

/*
 * NAPTR records whose transports differ but whose order and preference
 * are equal leave the choice of transport to each peer (RFC 3263 4.1),
 * so two edges may federate over UDP and TLS with the same domain.
 */
static void
naptr_ties(struct run *run)
{
	struct fr_naptr_rec *r = run->naptrs;
	size_t i, j, n = run->nnaptrs;

	fr_naptr_sort(r, n);
	for (i = 0; i < n; i = j) {
		char services[160];
		struct fr_strbuf sb;
		unsigned seen = 0, kinds = 0;

		fr_strbuf_init(&sb, services, sizeof(services));
		for (j = i; j < n && r[j].order == r[i].order &&
		    r[j].preference == r[i].preference; j++) {
			enum fr_transport tp;
			enum fr_naptr_kind kind;
			const char *why;

			if (!fr_naptr_usable(&r[j], false, FR_TRANSPORTS_ALL,
			    &tp, &kind, &why) || (seen & FR_TRANSPORT_BIT(tp)))
				continue;
			seen |= FR_TRANSPORT_BIT(tp);
			kinds++;
			fr_strbuf_item(&sb, ", ", "%s", r[j].service);
		}
		if (kinds > 1)
			fr_diag_add(run->diag, FR_CHECK_NAPTR_EQUAL_PREFERENCE,
			    FR_SEV_WARNING, -1, "NAPTR %s of %s share order "
			    "%u and preference %u: each peer picks the "
			    "transport it likes", services, run->plan->domain,
			    r[i].order, r[i].preference);
	}
}

static int
upstream_checks(struct ev_loop *loop, struct run *run, char *err,
    size_t errlen)
{
	const struct fr_plan *plan = run->plan;
	struct fr_ubev *ub;
	char name[FR_DNAME_MAX];
	size_t i;
	int rc = 0;

	if (plan->domain[0] == '\0' || plan->result == FR_RESULT_NXDOMAIN)
		return 0;	/* a literal, or nothing exists below it */
	for (i = 0; i < plan->ntargets; i++)
		if (plan->targets[i].source == FR_SOURCE_LITERAL)
			return 0;
	ev_now_update(loop);	/* the caller may have blocked */
	if ((ub = fr_ubev_create(loop, run->conf->upstream, err,
	    errlen)) == NULL)
		return -1;
	for (i = 0; rc == 0 && i < sizeof(legacy) / sizeof(legacy[0]); i++) {
		if (legacy[i].profile != plan->profile)
			continue;
		if ((size_t)snprintf(name, sizeof(name), "%s.%s",
		    legacy[i].label, plan->domain) >= sizeof(name))
			continue;
		rc = ask_upstream(run, ub, FR_DNSCHECK_LEGACY, name,
		    LDNS_RR_TYPE_SRV, i);
	}
	if (rc == 0 && plan->profile == FR_PROFILE_SIP &&
	    trace_answered(plan, plan->domain, LDNS_RR_TYPE_NAPTR))
		rc = ask_upstream(run, ub, FR_DNSCHECK_NAPTR, plan->domain,
		    LDNS_RR_TYPE_NAPTR, 0);
	while (run->pending > 0)
		ev_run(loop, EVRUN_ONCE);
	fr_ubev_delete(ub);
	if (rc != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	legacy_findings(run);
	naptr_ties(run);
	return 0;
}

/* ---- direct UDP questions ------------------------------------------------ */

/* Digest a reply into q: status, records of the type, smallest TTL. */
static void
digest_reply(struct fr_dnscheck_q *q, const ldns_pkt *pkt, size_t size)
{
	ldns_rr_list *an = ldns_pkt_answer(pkt);
	size_t i, n = an ? ldns_rr_list_rr_count(an) : 0;

	q->size = size;
	q->truncated = ldns_pkt_tc(pkt);
	q->authoritative = ldns_pkt_aa(pkt);
	for (i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		uint16_t t = (uint16_t)ldns_rr_get_type(rr);

		if (t != q->type && t != LDNS_RR_TYPE_CNAME)
			continue;
		if (!q->has_ttl || ldns_rr_ttl(rr) < q->ttl) {
			q->has_ttl = true;
			q->ttl = ldns_rr_ttl(rr);
		}
		if (t == q->type)
			q->answers++;
	}
	switch (ldns_pkt_get_rcode(pkt)) {
	case LDNS_RCODE_NOERROR:
		q->status = q->answers > 0 || q->truncated ? FR_DNS_ANSWER :
		    FR_DNS_NODATA;
		break;
	case LDNS_RCODE_NXDOMAIN:
		q->status = FR_DNS_NXDOMAIN;
		break;
	default:
		q->status = FR_DNS_SERVFAIL;
		break;
	}
}

/*
 * One query, one datagram: RD set (a resolver recurses for us), EDNS
 * with FR_DNSCHECK_UDP_SIZE, DO when validating.  The socket is
 * connected, so only the server's datagrams arrive; a reply must also
 * carry our id and question.  No TCP fallback: truncation is the point.
 */
static void
udp_ask(const struct sockaddr_storage *ss, socklen_t sslen, bool dnssec,
    unsigned timeout_ms, struct fr_dnscheck_q *q)
{
	ldns_pkt *query = NULL, *reply = NULL;
	ldns_buffer *buf = NULL;
	uint8_t answer[65536];
	double t0 = fr_now_ms(), deadline = t0 + timeout_ms;
	int fd = -1;

	q->status = FR_DNS_SERVFAIL;
	if (ldns_pkt_query_new_frm_str(&query, q->name, q->type,
	    LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK)
		goto done;
	ldns_pkt_set_random_id(query);
	ldns_pkt_set_edns_udp_size(query, FR_DNSCHECK_UDP_SIZE);
	ldns_pkt_set_edns_do(query, dnssec);
	if ((buf = ldns_buffer_new(LDNS_MIN_BUFLEN)) == NULL ||
	    ldns_pkt2buffer_wire(buf, query) != LDNS_STATUS_OK)
		goto done;
	if ((fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (const struct sockaddr *)ss, sslen) != 0 ||
	    send(fd, ldns_buffer_begin(buf), ldns_buffer_position(buf),
	    0) < 0)
		goto done;
	q->status = FR_DNS_TIMEOUT;
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		double left = deadline - fr_now_ms();
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left + 1) <= 0)
			continue;
		if ((n = recv(fd, answer, sizeof(answer), 0)) < 0) {
			if (errno == EINTR)
				continue;
			q->status = FR_DNS_SERVFAIL;	/* e.g. refused */
			break;
		}
		if (ldns_wire2pkt(&reply, answer, (size_t)n) != LDNS_STATUS_OK)
			continue;
		if (ldns_pkt_id(reply) == ldns_pkt_id(query) &&
		    ldns_pkt_qr(reply)) {
			digest_reply(q, reply, (size_t)n);
			break;
		}
		ldns_pkt_free(reply);
		reply = NULL;
	}
done:
	q->ms = fr_now_ms() - t0;
	if (fd >= 0)
		close(fd);
	ldns_pkt_free(reply);
	ldns_pkt_free(query);
	ldns_buffer_free(buf);
}

/*
 * The plan's answered questions over UDP, to each --resolver.  A server
 * that lets one question time out is not asked the rest: a dead server
 * would otherwise cost a time-out per question.
 */
static int
udp_checks(struct run *run)
{
	const struct fr_dnscheck_conf *conf = run->conf;
	const struct fr_ubev_conf *up = conf->upstream;
	const struct fr_plan *plan = run->plan;
	size_t s, i, k;

	run->out->nservers = up->nforwarders;
	if (up->nforwarders == 0)
		for (i = 0; i < plan->ntrace; i++)
			if (plan->trace[i].status == FR_DNS_ANSWER &&
			    !in_local_zone(conf, plan->trace[i].name))
				run->out->udp_unchecked = true;
	for (s = 0; s < up->nforwarders; s++) {
		struct sockaddr_storage ss;
		socklen_t sslen;
		char why[256];

		/* --resolver was checked by the same parser. */
		if (fr_ipport_parse(up->forwarders[s], 53, &ss, &sslen, why,
		    sizeof(why)) != 0)
			continue;
		for (i = 0; i < plan->ntrace; i++) {
			const struct fr_trace_entry *te = &plan->trace[i];
			struct fr_dnscheck_q *q;
			bool dup = false;

			if (te->status != FR_DNS_ANSWER ||
			    in_local_zone(conf, te->name))
				continue;
			for (k = 0; k < i && !dup; k++)
				dup = plan->trace[k].type == te->type &&
				    strcmp(plan->trace[k].name, te->name) == 0;
			if (dup)
				continue;
			if ((q = new_q(run->out, FR_DNSCHECK_UDP, te->name,
			    te->type)) == NULL)
				return -1;
			snprintf(q->server, sizeof(q->server), "%s",
			    up->forwarders[s]);
			udp_ask(&ss, sslen, up->trust_anchor_file != NULL,
			    conf->timeout_ms, q);
			if (q->truncated)
				fr_diag_add(run->diag,
				    FR_CHECK_DNS_TRUNCATED_UDP, FR_SEV_WARNING,
				    -1, "%s %s: the answer of %s does not fit "
				    "in %d bytes of UDP (TC set); every "
				    "resolver must retry over TCP", te->name,
				    fr_rr_type_name(te->type), q->server,
				    FR_DNSCHECK_UDP_SIZE);
			if (q->status == FR_DNS_TIMEOUT)
				break;
		}
	}
	return 0;
}

/* ---- TTLs ---------------------------------------------------------------- */

/*
 * The published TTL of a question, if known: see dnscheck.h.  With
 * forwarders, only an authoritative direct answer tells it.
 */
static bool
published_ttl(const struct run *run, const struct fr_trace_entry *te,
    uint32_t *ttl)
{
	const struct fr_dnscheck *dc = run->out;
	bool known = false;
	size_t i;

	if (in_local_zone(run->conf, te->name) ||
	    run->conf->upstream->nforwarders == 0) {
		*ttl = te->ttl;
		return te->has_ttl;
	}
	for (i = 0; i < dc->nqs; i++) {
		const struct fr_dnscheck_q *q = &dc->qs[i];
		uint32_t t;

		if (q->kind != FR_DNSCHECK_UDP || !q->authoritative ||
		    q->type != te->type || strcmp(q->name, te->name) != 0)
			continue;
		/*
		 * A truncated reply may carry no record: the plan's copy
		 * then came whole, over TCP, from the same authority.
		 */
		if (q->has_ttl)
			t = q->ttl;
		else if (q->truncated && te->has_ttl)
			t = te->ttl;
		else
			continue;
		if (!known || t < *ttl)
			*ttl = t;
		known = true;
	}
	return known;
}

static void
ttl_checks(struct run *run)
{
	const struct fr_plan *plan = run->plan;
	size_t i, k;

	for (i = 0; i < plan->ntrace; i++) {
		const struct fr_trace_entry *te = &plan->trace[i];
		bool dup = false;
		uint32_t ttl = 0;

		if (te->status != FR_DNS_ANSWER)
			continue;
		for (k = 0; k < i && !dup; k++)
			dup = plan->trace[k].type == te->type &&
			    strcmp(plan->trace[k].name, te->name) == 0;
		if (dup)
			continue;
		if (!published_ttl(run, te, &ttl)) {
			run->out->ttl_unjudged++;
			continue;
		}
		if (ttl < FR_TTL_LOW_LIMIT)
			fr_diag_add(run->diag, FR_CHECK_TTL_LOW,
			    FR_SEV_WARNING, -1, "%s %s has a TTL of %u s "
			    "(below %d s)", te->name,
			    fr_rr_type_name(te->type), ttl, FR_TTL_LOW_LIMIT);
	}
}

/* ---- addresses ----------------------------------------------------------- */

static void
public_checks(struct run *run)
{
	const struct fr_plan *plan = run->plan;
	bool any_public = false;
	size_t i, k;

	for (i = 0; i < plan->ntargets; i++)
		for (k = 0; k < plan->targets[i].naddrs; k++)
			if (fr_address_nonpublic(&plan->targets[i].addrs[k]) ==
			    NULL)
				any_public = true;
	for (i = 0; i < plan->ntargets; i++) {
		const struct fr_target *t = &plan->targets[i];
		char list[512], ip[INET6_ADDRSTRLEN];
		struct fr_strbuf sb;

		fr_strbuf_init(&sb, list, sizeof(list));
		for (k = 0; k < t->naddrs; k++) {
			const char *what = fr_address_nonpublic(&t->addrs[k]);

			if (what != NULL)
				fr_strbuf_item(&sb, ", ", "%s (%s)",
				    fr_address_str(&t->addrs[k], ip, sizeof(ip)),
				    what);
		}
		if (sb.len > 0)
			fr_diag_add(run->diag, FR_CHECK_ADDRESS_NOT_PUBLIC,
			    any_public ? FR_SEV_WARNING : FR_SEV_ERROR, (int)i,
			    "target %s:%u has addresses the internet cannot "
			    "reach: %s", t->host, t->port, list);
	}
}

/* ---- entry --------------------------------------------------------------- */

int
fr_dnscheck_run(struct ev_loop *loop, const struct fr_dnscheck_conf *conf,
    const struct fr_plan *plan, struct fr_dnscheck *out, struct fr_diag *diag,
    char *err, size_t errlen)
{
	struct run run;
	int rc;

	memset(&run, 0, sizeof(run));
	run.conf = conf;
	run.plan = plan;
	run.out = out;
	run.diag = diag;
	rc = upstream_checks(loop, &run, err, errlen);
	free(run.naptrs);
	if (rc == 0 && udp_checks(&run) != 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	ttl_checks(&run);
	if (conf->check_public)
		public_checks(&run);
	return rc;
}
