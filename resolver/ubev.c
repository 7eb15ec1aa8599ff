/*
 * ubev.c -- libunbound driven from a libev loop; answers digested by ldns.
 *
 * libunbound runs inside our loop through its pluggable event base
 * (unbound-event.h): its sockets and timers are libev watchers made by
 * the small adapter below, and a question is ub_resolve_event().  No
 * resolver thread, no result pipe: a question costs no thread switch.
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
#include <unbound-event.h>

#include "ubev.h"
#include "util.h"

struct fr_ubev_q {
	struct fr_ubev *ub;
	TAILQ_ENTRY(fr_ubev_q) link;
	int async_id;
	ev_timer deadline;
	/* An answer given before ub_resolve_event() returned (local data)
	 * is kept here and delivered from the loop. */
	bool asking;
	ev_timer later;
	int early_rcode, early_sec;
	uint8_t *early_packet;
	int early_len;
	char *early_why;
	fr_ubev_cb *cb;
	void *arg;
	double started;			/* fr_now_ms() */
	uint16_t type;
	char name[FR_DNAME_MAX];
};

/* Our ub_event_base: libunbound sees only the first member. */
struct evbase {
	struct ub_event_base base;
	struct ev_loop *loop;
};

struct fr_ubev {
	struct ev_loop *loop;
	struct ub_ctx *ctx;
	struct evbase evb;
	TAILQ_HEAD(, fr_ubev_q) inflight;
	struct fr_ubev_counts counts;
};

/* ---- libunbound's events as libev watchers ----------------------------- */

/* One libunbound event: a descriptor with read/write interest and/or a
 * timeout, with libevent's semantics (one-shot unless UB_EV_PERSIST). */
struct evw {
	struct ub_event ev;		/* first: libunbound casts */
	struct evbase *b;
	ev_io io;
	ev_timer tm;
	int fd;
	short bits;
	double timeout;			/* re-armed on activity if PERSIST */
	void (*cb)(int, short, void *);
	void *arg;
};

static void
evw_stop(struct evw *e)
{
	ev_io_stop(e->b->loop, &e->io);
	ev_timer_stop(e->b->loop, &e->tm);
}

static void
evw_on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct evw *e = w->data;
	short fired = (short)(((revents & EV_READ) ? UB_EV_READ : 0) |
	    ((revents & EV_WRITE) ? UB_EV_WRITE : 0));

	if (!(e->bits & UB_EV_PERSIST))
		evw_stop(e);
	else if (ev_is_active(&e->tm))
		ev_timer_again(loop, &e->tm);
	e->cb(e->fd, fired, e->arg);	/* may free e */
}

static void
evw_on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct evw *e = w->data;

	(void)loop;
	(void)revents;
	if (!(e->bits & UB_EV_PERSIST))
		ev_io_stop(e->b->loop, &e->io);
	e->cb(e->fd, UB_EV_TIMEOUT, e->arg);	/* may free e */
}

static void
evw_add_bits(struct ub_event *ev, short bits)
{
	((struct evw *)ev)->bits |= bits;
}

static void
evw_del_bits(struct ub_event *ev, short bits)
{
	((struct evw *)ev)->bits &= (short)~bits;
}

static void
evw_set_fd(struct ub_event *ev, int fd)
{
	((struct evw *)ev)->fd = fd;
}

static void
evw_free(struct ub_event *ev)
{
	struct evw *e = (struct evw *)ev;

	if (e == NULL)
		return;
	evw_stop(e);
	free(e);
}

static double
tv_seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static int
evw_add(struct ub_event *ev, struct timeval *tv)
{
	struct evw *e = (struct evw *)ev;
	int events = ((e->bits & UB_EV_READ) ? EV_READ : 0) |
	    ((e->bits & UB_EV_WRITE) ? EV_WRITE : 0);

	evw_stop(e);
	if (events != 0 && e->fd >= 0) {
		ev_io_set(&e->io, e->fd, events);
		ev_io_start(e->b->loop, &e->io);
	}
	if (tv != NULL) {
		e->timeout = tv_seconds(tv);
		ev_timer_set(&e->tm, e->timeout, e->timeout);
		ev_timer_start(e->b->loop, &e->tm);
	}
	return 0;
}

static int
evw_del(struct ub_event *ev)
{
	evw_stop((struct evw *)ev);
	return 0;
}

static int
evw_add_timer(struct ub_event *ev, struct ub_event_base *base,
    void (*cb)(int, short, void *), void *arg, struct timeval *tv)
{
	struct evw *e = (struct evw *)ev;

	(void)base;
	ev_timer_stop(e->b->loop, &e->tm);
	e->cb = cb;
	e->arg = arg;
	e->timeout = tv_seconds(tv);
	ev_timer_set(&e->tm, e->timeout, 0.);
	ev_timer_start(e->b->loop, &e->tm);
	return 0;
}

static int
evw_del_timer(struct ub_event *ev)
{
	struct evw *e = (struct evw *)ev;

	ev_timer_stop(e->b->loop, &e->tm);
	return 0;
}

static int
evw_no_signal(struct ub_event *ev, struct timeval *tv)
{
	(void)ev;
	(void)tv;
	return -1;	/* libunbound never asks for signals */
}

static int
evw_no_signal_del(struct ub_event *ev)
{
	(void)ev;
	return -1;
}

static struct ub_event_vmt evw_vmt = {
	evw_add_bits, evw_del_bits, evw_set_fd, evw_free, evw_add, evw_del,
	evw_add_timer, evw_del_timer, evw_no_signal, evw_no_signal_del,
	NULL, NULL,
};

static struct ub_event *
evb_new_event(struct ub_event_base *base, int fd, short bits,
    void (*cb)(int, short, void *), void *arg)
{
	struct evbase *b = (struct evbase *)base;
	struct evw *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->ev.magic = UB_EVENT_MAGIC;
	e->ev.vmt = &evw_vmt;
	e->b = b;
	e->fd = fd;
	e->bits = bits;
	e->cb = cb;
	e->arg = arg;
	ev_init(&e->io, evw_on_io);
	e->io.data = e;
	ev_init(&e->tm, evw_on_timer);
	e->tm.data = e;
	return &e->ev;
}

static void
evb_free(struct ub_event_base *base)
{
	(void)base;	/* embedded in struct fr_ubev */
}

static int
evb_dispatch(struct ub_event_base *base)
{
	(void)base;	/* the caller runs the loop */
	return 0;
}

static int
evb_loopexit(struct ub_event_base *base, struct timeval *tv)
{
	(void)base;
	(void)tv;	/* the loop is the caller's, not ours to stop */
	return 0;
}

static struct ub_event_base_vmt evb_vmt = {
	evb_free, evb_dispatch, evb_loopexit, evb_new_event, NULL, NULL,
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
		if (conf->no_cache)
			fprintf(f, "\tforward-no-cache: yes\n");
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
digest_records(struct fr_dns_answer *ans)
{
	ldns_rr_list *an = ldns_pkt_answer(ans->pkt);
	size_t i, n = an ? ldns_rr_list_rr_count(an) : 0;
	const ldns_rdf *canon = NULL;

	if ((ans->rrs = ldns_rr_list_new()) == NULL)
		return;
	for (i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		uint16_t t = (uint16_t)ldns_rr_get_type(rr);

		if (t == LDNS_RR_TYPE_CNAME) {
			ans->cname = true;
			canon = ldns_rr_rdf(rr, 0);	/* where it leads */
		}
		if (t != ans->qtype && t != LDNS_RR_TYPE_CNAME)
			continue;
		/* The TTL of an alias chain is bounded by each link. */
		if (!ans->has_ttl || ldns_rr_ttl(rr) < ans->ttl) {
			ans->has_ttl = true;
			ans->ttl = ldns_rr_ttl(rr);
		}
		if (t == ans->qtype) {
			ldns_rr_list_push_rr(ans->rrs, rr);
			if (ans->cname)
				canon = ldns_rr_owner(rr);
		}
	}
	if (ans->cname && canon != NULL) {
		char *c = ldns_rdf2str(canon);

		if (c != NULL) {
			snprintf(ans->canon, sizeof(ans->canon), "%s", c);
			fr_dname_normalise(ans->canon);
			free(c);
		}
	}
}

static void
deliver(struct fr_ubev_q *q, struct fr_dns_answer *ans)
{
	struct fr_ubev *ub = q->ub;

	ev_timer_stop(ub->loop, &q->deadline);
	ev_timer_stop(ub->loop, &q->later);
	TAILQ_REMOVE(&ub->inflight, q, link);
	ub->counts.inflight--;
	ans->qname = q->name;	/* also for time-outs */
	ans->qtype = q->type;
	ans->ms = fr_now_ms() - q->started;
	q->cb(q->arg, ans);
	free(q);
}

/* Digest one answer of libunbound and hand it to the question's owner. */
static void
answer(struct fr_ubev_q *q, int rcode, const void *packet, int len, int sec,
    const char *why_bogus)
{
	struct fr_dns_answer ans;

	memset(&ans, 0, sizeof(ans));
	ans.qname = q->name;
	ans.qtype = q->type;
	ans.rcode = rcode;
	ans.secure = sec == 2;
	if (packet != NULL && len > 0 && ldns_wire2pkt(&ans.pkt, packet,
	    (size_t)len) != LDNS_STATUS_OK)
		ans.pkt = NULL;
	/* The callback's rcode says whether resolution worked; the DNS
	 * rcode (NXDOMAIN among them) is the packet's. */
	if (rcode == LDNS_RCODE_NOERROR && ans.pkt != NULL)
		ans.rcode = rcode = (int)ldns_pkt_get_rcode(ans.pkt);

	if (sec == 1) {
		ans.status = FR_DNS_BOGUS;
		ans.why_bogus = why_bogus;
	} else if (rcode == LDNS_RCODE_NXDOMAIN) {
		ans.status = FR_DNS_NXDOMAIN;
	} else if (rcode != LDNS_RCODE_NOERROR || ans.pkt == NULL) {
		ans.status = FR_DNS_SERVFAIL;
	} else {
		digest_records(&ans);
		if (ans.rrs != NULL && ldns_rr_list_rr_count(ans.rrs) > 0) {
			ans.status = FR_DNS_ANSWER;
		} else if (ans.rrs == NULL) {
			ans.status = FR_DNS_SERVFAIL;	/* out of memory */
		} else if (ldns_pkt_tc(ans.pkt)) {
			/* What came back was cut (libunbound's auth-zone does
			 * this to an RRset above 64 KiB): not a "none". */
			ans.status = FR_DNS_SERVFAIL;
			ans.too_large = true;
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
}

static void
on_early(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_ubev_q *q = w->data;
	uint8_t *packet = q->early_packet;
	char *why = q->early_why;

	(void)loop;
	(void)revents;
	answer(q, q->early_rcode, packet, q->early_len, q->early_sec, why);
	free(packet);
	free(why);
}

static void
on_result(void *mydata, int rcode, void *packet, int len, int sec,
    char *why_bogus, int was_ratelimited)
{
	struct fr_ubev_q *q = mydata;

	(void)was_ratelimited;
	if (!q->asking) {
		answer(q, rcode, packet, len, sec, why_bogus);
		return;
	}
	/* Answered at once (local data): keep it for the loop, so the
	 * asker never gets its callback before fr_ubev_ask() returns. */
	q->early_rcode = rcode;
	q->early_sec = sec;
	q->early_len = 0;
	if (packet != NULL && len > 0 &&
	    (q->early_packet = malloc((size_t)len)) != NULL) {
		memcpy(q->early_packet, packet, (size_t)len);
		q->early_len = len;
	}
	q->early_why = why_bogus ? strdup(why_bogus) : NULL;
	ev_timer_start(q->ub->loop, &q->later);
}

static void
on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_ubev_q *q = w->data;
	struct fr_dns_answer ans;

	(void)loop;
	(void)revents;
	if (q->async_id != 0)
		ub_cancel(q->ub->ctx, q->async_id);
	free(q->early_packet);
	free(q->early_why);
	memset(&ans, 0, sizeof(ans));
	ans.status = FR_DNS_TIMEOUT;
	ans.rcode = -1;
	deliver(q, &ans);
}

/* ---- context ---------------------------------------------------------- */

struct fr_ubev *
fr_ubev_create(struct ev_loop *loop, const struct fr_ubev_conf *conf,
    char *err, size_t errlen)
{
	struct fr_ubev *ub;

	if ((ub = calloc(1, sizeof(*ub))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ub->loop = loop;
	TAILQ_INIT(&ub->inflight);
	ub->evb.base.magic = UB_EVENT_MAGIC;
	ub->evb.base.vmt = &evb_vmt;
	ub->evb.loop = loop;
	if ((ub->ctx = ub_ctx_create_ub_event(&ub->evb.base)) == NULL) {
		snprintf(err, errlen, "cannot create a libunbound context");
		free(ub);
		return NULL;
	}
	if (configure(ub->ctx, conf, err, errlen) != 0)
		goto bad;
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
	/* Frees libunbound's own events through evw_free. */
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
	q->started = fr_now_ms();
	ev_timer_init(&q->deadline, on_deadline, timeout_ms / 1000.0, 0.);
	q->deadline.data = q;
	ev_timer_init(&q->later, on_early, 0., 0.);
	q->later.data = q;
	TAILQ_INSERT_TAIL(&ub->inflight, q, link);
	q->asking = true;
	if (ub_resolve_event(ub->ctx, name, type, LDNS_RR_CLASS_IN, q,
	    on_result, &q->async_id) != 0) {
		TAILQ_REMOVE(&ub->inflight, q, link);
		ev_timer_stop(ub->loop, &q->later);
		free(q->early_packet);
		free(q->early_why);
		free(q);
		return NULL;
	}
	q->asking = false;
	if (!ev_is_active(&q->later))
		ev_timer_start(ub->loop, &q->deadline);
	ub->counts.asked++;
	if (++ub->counts.inflight > ub->counts.peak)
		ub->counts.peak = ub->counts.inflight;
	return q;
}

const struct fr_ubev_counts *
fr_ubev_counts(const struct fr_ubev *ub)
{
	return &ub->counts;
}

void
fr_ubev_cancel(struct fr_ubev_q *q)
{
	if (q == NULL)
		return;
	if (q->async_id != 0)
		ub_cancel(q->ub->ctx, q->async_id);
	ev_timer_stop(q->ub->loop, &q->deadline);
	ev_timer_stop(q->ub->loop, &q->later);
	TAILQ_REMOVE(&q->ub->inflight, q, link);
	q->ub->counts.inflight--;
	free(q->early_packet);
	free(q->early_why);
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
