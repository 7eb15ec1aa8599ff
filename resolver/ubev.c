/*
 * ubev.c -- libunbound driven from a libev loop; answers digested by ldns.
 *
 * libunbound is configured through a generated unbound.conf fragment,
 * because two things we need (auth-zone clauses for local zone files, and
 * "nodefault" for RFC 6761 names) exist only in the config-file syntax.
 */
#include "config.h"

#include <sys/queue.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "ubev.h"
#include "util.h"

struct fr_ubev_q {
	struct fr_ubev *ub;
	TAILQ_ENTRY(fr_ubev_q) link;
	int async_id;
	ev_timer deadline;
	fr_ubev_cb *cb;
	void *arg;
	struct timespec started;
	uint16_t type;
	char name[FR_DNAME_MAX];
};

struct fr_ubev {
	struct ev_loop *loop;
	struct ub_ctx *ctx;
	ev_io io;
	TAILQ_HEAD(, fr_ubev_q) inflight;
};

/* ---- configuration ---------------------------------------------------- */

/* unbound.conf strings are double-quoted; refuse what cannot be quoted. */
static int
quotable(const char *s)
{
	return strpbrk(s, "\"\n\r") == NULL;
}

static int
write_config(FILE *f, const struct fr_ubev_conf *conf, char *err,
    size_t errlen)
{
	size_t i;

	fprintf(f, "server:\n");
	/* Forwarders and test servers live on loopback. */
	fprintf(f, "\tdo-not-query-localhost: no\n");
	/* Only the validator needs to run when there is an anchor. */
	fprintf(f, "\tmodule-config: \"%s\"\n",
	    conf->trust_anchor_file ? "validator iterator" : "iterator");
	if (conf->trust_anchor_file) {
		if (!quotable(conf->trust_anchor_file)) {
			snprintf(err, errlen, "trust anchor path cannot be used: %s",
			    conf->trust_anchor_file);
			return -1;
		}
		fprintf(f, "\ttrust-anchor-file: \"%s\"\n",
		    conf->trust_anchor_file);
	}
	/*
	 * When we are told which servers to ask, or given zone files, names
	 * such as *.test must reach them instead of being answered NXDOMAIN
	 * by libunbound's built-in RFC 6761 zones.
	 */
	if (conf->nforwarders > 0 || conf->nzones > 0) {
		fprintf(f, "\tlocal-zone: \"test.\" nodefault\n");
		fprintf(f, "\tlocal-zone: \"home.arpa.\" nodefault\n");
	}
	for (i = 0; i < conf->nzones; i++) {
		if (!quotable(conf->zone_origins[i]) ||
		    !quotable(conf->zone_files[i])) {
			snprintf(err, errlen, "zone cannot be used: %s",
			    conf->zone_files[i]);
			return -1;
		}
		fprintf(f, "\tlocal-zone: \"%s.\" transparent\n",
		    conf->zone_origins[i]);
	}
	for (i = 0; i < conf->nzones; i++)
		fprintf(f, "auth-zone:\n\tname: \"%s.\"\n\tzonefile: \"%s\"\n"
		    "\tfor-upstream: yes\n\tfor-downstream: no\n"
		    "\tfallback-enabled: no\n",
		    conf->zone_origins[i], conf->zone_files[i]);
	if (conf->nforwarders > 0) {
		fprintf(f, "forward-zone:\n\tname: \".\"\n");
		for (i = 0; i < conf->nforwarders; i++) {
			if (!quotable(conf->forwarders[i])) {
				snprintf(err, errlen, "bad forwarder: %s",
				    conf->forwarders[i]);
				return -1;
			}
			fprintf(f, "\tforward-addr: \"%s\"\n",
			    conf->forwarders[i]);
		}
	}
	return 0;
}

static int
configure(struct ub_ctx *ctx, const struct fr_ubev_conf *conf, char *err,
    size_t errlen)
{
	const char *tmpdir = getenv("TMPDIR");
	char path[4096];
	FILE *f;
	int fd, rc;

	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/fedroute-unbound-XXXXXX",
	    tmpdir) >= sizeof(path)) {
		snprintf(err, errlen, "TMPDIR too long");
		return -1;
	}
	if ((fd = mkstemp(path)) == -1) {
		snprintf(err, errlen, "cannot create %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "fdopen: %s", strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	rc = write_config(f, conf, err, errlen);
	if (fclose(f) != 0 && rc == 0) {
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		rc = -1;
	}
	if (rc == 0 && (rc = ub_ctx_config(ctx, path)) != 0) {
		snprintf(err, errlen, "libunbound configuration: %s",
		    ub_strerror(rc));
		rc = -1;
	}
	unlink(path);
	return rc;
}

/* ---- answers ---------------------------------------------------------- */

static double
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

/* RFC 2308 section 5: the negative TTL is min(SOA TTL, SOA MINIMUM). */
static void
negative_ttl(const ldns_pkt *pkt, struct fr_dns_answer *ans)
{
	ldns_rr_list *auth = ldns_pkt_authority(pkt);
	size_t i;

	for (i = 0; auth && i < ldns_rr_list_rr_count(auth); i++) {
		ldns_rr *rr = ldns_rr_list_rr(auth, i);
		ldns_rdf *min;
		uint32_t ttl;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
		    (min = ldns_rr_rdf(rr, 6)) == NULL)
			continue;
		ttl = ldns_rr_ttl(rr);
		if (ldns_rdf2native_int32(min) < ttl)
			ttl = ldns_rdf2native_int32(min);
		ans->has_ttl = true;
		ans->ttl = ttl;
		return;
	}
}

/* Fill the records, TTL and CNAME of a positive answer. */
static void
digest_records(struct fr_dns_answer *ans, const struct ub_result *res)
{
	ldns_rr_list *an = ldns_pkt_answer(ans->pkt);
	size_t i, n = an ? ldns_rr_list_rr_count(an) : 0;

	if ((ans->rrs = ldns_rr_list_new()) == NULL)
		return;
	for (i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		uint16_t t = (uint16_t)ldns_rr_get_type(rr);

		if (t == LDNS_RR_TYPE_CNAME)
			ans->cname = true;
		if (t != ans->qtype && t != LDNS_RR_TYPE_CNAME)
			continue;
		/* The TTL of an alias chain is bounded by each link. */
		if (!ans->has_ttl || ldns_rr_ttl(rr) < ans->ttl) {
			ans->has_ttl = true;
			ans->ttl = ldns_rr_ttl(rr);
		}
		if (t == ans->qtype)
			ldns_rr_list_push_rr(ans->rrs, rr);
	}
	if (ans->cname && res->canonname != NULL) {
		snprintf(ans->canon, sizeof(ans->canon), "%s", res->canonname);
		fr_dname_normalise(ans->canon);
	}
}

static void
deliver(struct fr_ubev_q *q, struct fr_dns_answer *ans)
{
	struct fr_ubev *ub = q->ub;

	ev_timer_stop(ub->loop, &q->deadline);
	TAILQ_REMOVE(&ub->inflight, q, link);
	ans->qname = q->name;	/* also for time-outs */
	ans->qtype = q->type;
	ans->ms = ms_since(&q->started);
	q->cb(q->arg, ans);
	free(q);
}

static void
on_result(void *mydata, int err, struct ub_result *res)
{
	struct fr_ubev_q *q = mydata;
	struct fr_dns_answer ans;

	memset(&ans, 0, sizeof(ans));
	ans.qname = q->name;
	ans.qtype = q->type;
	ans.rcode = -1;
	ans.status = FR_DNS_SERVFAIL;
	if (err != 0 || res == NULL) {
		deliver(q, &ans);
		ub_resolve_free(res);
		return;
	}
	ans.rcode = res->rcode;
	ans.secure = res->secure != 0;
	if (res->answer_packet != NULL && res->answer_len > 0 &&
	    ldns_wire2pkt(&ans.pkt, res->answer_packet,
	    (size_t)res->answer_len) != LDNS_STATUS_OK)
		ans.pkt = NULL;

	if (res->bogus) {
		ans.status = FR_DNS_BOGUS;
		ans.why_bogus = res->why_bogus;
	} else if (res->nxdomain || res->rcode == LDNS_RCODE_NXDOMAIN) {
		ans.status = FR_DNS_NXDOMAIN;
	} else if (res->rcode != LDNS_RCODE_NOERROR || ans.pkt == NULL) {
		ans.status = FR_DNS_SERVFAIL;
	} else {
		digest_records(&ans, res);
		if (ans.rrs != NULL && ldns_rr_list_rr_count(ans.rrs) > 0) {
			ans.status = FR_DNS_ANSWER;
		} else if (ans.rrs == NULL) {
			ans.status = FR_DNS_SERVFAIL;	/* out of memory */
		} else {
			ans.status = FR_DNS_NODATA;
			ans.has_ttl = false;
		}
	}
	if ((ans.status == FR_DNS_NODATA || ans.status == FR_DNS_NXDOMAIN) &&
	    ans.pkt != NULL)
		negative_ttl(ans.pkt, &ans);

	deliver(q, &ans);
	/* The list holds pointers into pkt: free the list shell only. */
	ldns_rr_list_free(ans.rrs);
	ldns_pkt_free(ans.pkt);
	ub_resolve_free(res);
}

static void
on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_ubev_q *q = w->data;
	struct fr_dns_answer ans;

	(void)loop;
	(void)revents;
	ub_cancel(q->ub->ctx, q->async_id);
	memset(&ans, 0, sizeof(ans));
	ans.status = FR_DNS_TIMEOUT;
	ans.rcode = -1;
	deliver(q, &ans);
}

static void
on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_ubev *ub = w->data;

	(void)loop;
	(void)revents;
	/* Runs the callbacks of every answer that is ready. */
	ub_process(ub->ctx);
}

/* ---- context ---------------------------------------------------------- */

struct fr_ubev *
fr_ubev_create(struct ev_loop *loop, const struct fr_ubev_conf *conf,
    char *err, size_t errlen)
{
	struct fr_ubev *ub;
	int rc, fd;

	if ((ub = calloc(1, sizeof(*ub))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ub->loop = loop;
	TAILQ_INIT(&ub->inflight);
	if ((ub->ctx = ub_ctx_create()) == NULL) {
		snprintf(err, errlen, "cannot create a libunbound context");
		free(ub);
		return NULL;
	}
	/* Resolve in a thread, not a forked process; must precede any
	 * call that finalizes the context. */
	if ((rc = ub_ctx_async(ub->ctx, 1)) != 0) {
		snprintf(err, errlen, "libunbound async: %s", ub_strerror(rc));
		goto bad;
	}
	if (configure(ub->ctx, conf, err, errlen) != 0)
		goto bad;
	if ((fd = ub_fd(ub->ctx)) < 0) {
		snprintf(err, errlen, "libunbound has no result descriptor");
		goto bad;
	}
	ev_io_init(&ub->io, on_readable, fd, EV_READ);
	ub->io.data = ub;
	ev_io_start(loop, &ub->io);
	return ub;
bad:
	ub_ctx_delete(ub->ctx);
	free(ub);
	return NULL;
}

void
fr_ubev_delete(struct fr_ubev *ub)
{
	struct fr_ubev_q *q;

	if (ub == NULL)
		return;
	while ((q = TAILQ_FIRST(&ub->inflight)) != NULL)
		fr_ubev_cancel(q);
	ev_io_stop(ub->loop, &ub->io);
	ub_ctx_delete(ub->ctx);
	free(ub);
}

struct fr_ubev_q *
fr_ubev_ask(struct fr_ubev *ub, const char *name, uint16_t type,
    unsigned timeout_ms, fr_ubev_cb *cb, void *arg)
{
	struct fr_ubev_q *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->ub = ub;
	q->cb = cb;
	q->arg = arg;
	q->type = type;
	snprintf(q->name, sizeof(q->name), "%s", name);
	clock_gettime(CLOCK_MONOTONIC, &q->started);
	if (ub_resolve_async(ub->ctx, name, type, LDNS_RR_CLASS_IN, q,
	    on_result, &q->async_id) != 0) {
		free(q);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&ub->inflight, q, link);
	ev_timer_init(&q->deadline, on_deadline, timeout_ms / 1000.0, 0.);
	q->deadline.data = q;
	ev_timer_start(ub->loop, &q->deadline);
	return q;
}

void
fr_ubev_cancel(struct fr_ubev_q *q)
{
	if (q == NULL)
		return;
	ub_cancel(q->ub->ctx, q->async_id);
	ev_timer_stop(q->ub->loop, &q->deadline);
	TAILQ_REMOVE(&q->ub->inflight, q, link);
	free(q);
}

const char *
fr_rr_type_name(uint16_t type)
{
	switch (type) {
	case LDNS_RR_TYPE_A:		return "A";
	case LDNS_RR_TYPE_AAAA:		return "AAAA";
	case LDNS_RR_TYPE_SRV:		return "SRV";
	case LDNS_RR_TYPE_NAPTR:	return "NAPTR";
	case LDNS_RR_TYPE_CNAME:	return "CNAME";
	}
	return "TYPE?";
}

const char *
fr_rcode_name(int rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED",
	};

	if (rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return rcode < 0 ? NULL : "RCODE?";
}
