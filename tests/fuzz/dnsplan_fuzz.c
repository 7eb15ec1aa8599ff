/*
 * dnsplan_fuzz.c -- libFuzzer target: DNS answers -> plan, through the
 * whole resolver (ubev's digest of the wire answer, the chain, the
 * bounds, the cache, views, destination health, the JSON report).
 *
 * The fake upstream is swapped in at link time, the way Unbound's own
 * tests replace the network: this file defines ub_resolve_event() and
 * ub_cancel(), which the executable's objects bind to instead of
 * libunbound's.  Every question the chain asks is queued here; the
 * fuzzer's bytes are the answers, handed to the resolver's libunbound
 * callback exactly as libunbound would (rcode, wire packet, security).
 * That reaches the real parsing code (ldns_wire2pkt, the record
 * digest, NAPTR/SRV/A handling) at once, with no zone-file parser in
 * between that would reject most inputs before the resolver saw them.
 *
 * Input: byte 0 picks the query, byte 1 the options (small bounds,
 * destination health), then one chunk per question, in the order the
 * questions are asked: a byte (rcode and security), a 16-bit length,
 * that many bytes of DNS message.  Questions left when the bytes run
 * out fail (SERVFAIL, no packet).
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unbound.h>
#include <unbound-event.h>

#include "report.h"
#include "resolver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PENDING	4096

/* ---- the fake upstream -------------------------------------------------- */

struct pending {
	ub_event_callback_type cb;
	void *mydata;
	int id;
};

static struct pending pend[MAX_PENDING];
static size_t npend;
static int next_id = 1;

int
ub_resolve_event(struct ub_ctx *ctx, const char *name, int rrtype,
    int rrclass, void *mydata, ub_event_callback_type callback,
    int *async_id)
{
	(void)ctx;
	(void)name;
	(void)rrtype;
	(void)rrclass;
	if (npend == MAX_PENDING)
		return UB_NOMEM;
	pend[npend].cb = callback;
	pend[npend].mydata = mydata;
	pend[npend].id = next_id++;
	*async_id = pend[npend].id;
	npend++;
	return 0;
}

int
ub_cancel(struct ub_ctx *ctx, int async_id)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < npend; i++)
		if (pend[i].id == async_id) {
			memmove(&pend[i], &pend[i + 1],
			    (npend - i - 1) * sizeof(pend[0]));
			npend--;
			return 0;
		}
	return UB_NOID;
}

/* Answer the oldest question from the input; false when none is left. */
static int
answer_one(const uint8_t **data, size_t *size)
{
	struct pending p;
	uint8_t sel = 0;
	size_t len = 0;
	const uint8_t *pkt = NULL;
	int rcode = 0, sec = 0;
	char *why = NULL;

	if (npend == 0)
		return 0;
	p = pend[0];
	memmove(&pend[0], &pend[1], (npend - 1) * sizeof(pend[0]));
	npend--;
	if (*size >= 3) {
		sel = (*data)[0];
		len = (size_t)(*data)[1] << 8 | (*data)[2];
		*data += 3;
		*size -= 3;
		if (len > *size)
			len = *size;
		pkt = *data;
		*data += len;
		*size -= len;
		rcode = (sel & 0x0f) == 0x0f ? 2 : 0;	/* resolution failed */
		sec = (sel >> 4) % 3;			/* insecure, bogus, secure */
		why = sec == 1 ? "fuzzed" : NULL;
	} else {
		rcode = 2;
	}
	/* libunbound hands a packet it owns; so do we (a copy, so that
	 * reads past its end are caught). */
	{
		void *copy = len > 0 ? malloc(len) : NULL;

		if (copy != NULL)
			memcpy(copy, pkt, len);
		p.cb(p.mydata, rcode, copy, copy != NULL ? (int)len : 0, sec,
		    why, 0);
		free(copy);
	}
	return 1;
}

/* ---- the target ----------------------------------------------------------- */

static const char *const inputs[] = {
	"sips:example.test", "sip:example.test", "example.test",
	"sip:example.test;transport=tcp", "xmpp:example.test",
	"sip:example.test:5070",
};

struct done {
	int done;
	struct fr_plan *plan;
};

static void
on_done(void *arg, struct fr_plan *plan)
{
	struct done *d = arg;

	d->done = 1;
	d->plan = plan;
}

static void
check_plan(const struct fr_plan *p, unsigned max_targets, unsigned max_addrs)
{
	size_t i;

	assert(p->ntargets <= max_targets);
	assert(p->result != FR_RESULT_OK || p->ntargets > 0);
	for (i = 0; i < p->ntargets; i++) {
		const struct fr_target *t = &p->targets[i];

		assert(t->host != NULL && t->srv != NULL && t->cname != NULL);
		assert(strlen(t->host) < FR_DNAME_MAX);
		assert(t->naddrs > 0 && t->naddrs <= max_addrs);
		assert(t->ndown <= t->naddrs);
	}
	/* NAPTR + SRV names + A and AAAA of each target, at most. */
	assert(p->ntrace <= 1 + 3 * (size_t)max_targets);
	for (i = 0; i < p->nfindings; i++)
		assert(p->findings[i].message != NULL);
}

static FILE *devnull;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fr_resolver_conf conf;
	struct fr_resolver *res;
	struct ev_loop *loop;
	struct fr_query q;
	struct done d = { 0, NULL };
	struct fr_plan *cached = NULL;
	char err[256];
	unsigned max_targets, max_addrs, rounds;
	uint8_t opts;

	if (size < 2 || size > 1 << 20)
		return 0;
	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	npend = 0;
	memset(&conf, 0, sizeof(conf));
	memset(&q, 0, sizeof(q));
	q.input = inputs[data[0] % (sizeof(inputs) / sizeof(inputs[0]))];
	q.profile = (enum fr_profile)((data[0] >> 4) % 3);
	q.profile_forced = (data[0] & 0x80) != 0;
	opts = data[1];
	data += 2;
	size -= 2;
	conf.seeded = true;
	conf.seed = opts;
	if (opts & 1) {
		conf.max_targets = 3;
		conf.max_addrs = 2;
		conf.max_inflight = 1;
	}
	max_targets = conf.max_targets ? conf.max_targets :
	    FR_PLAN_DEFAULT_TARGETS;
	max_addrs = conf.max_addrs ? conf.max_addrs : FR_PLAN_DEFAULT_ADDRS;
	loop = ev_loop_new(EVFLAG_AUTO);
	assert(loop != NULL);
	if ((res = fr_resolver_create(loop, &conf, err, sizeof(err))) == NULL)
		abort();
	if (fr_resolve(res, &q, on_done, &d, NULL, err, sizeof(err)) != 0)
		abort();	/* the inputs above are well-formed */
	for (rounds = 0; !d.done && rounds < 100000; rounds++) {
		ev_run(loop, EVRUN_NOWAIT);
		if (!d.done && !answer_one(&data, &size))
			ev_run(loop, EVRUN_ONCE);	/* a timer is due */
	}
	assert(d.done);
	if (d.plan != NULL) {
		check_plan(d.plan, max_targets, max_addrs);
		if ((opts & 2) && d.plan->ntargets > 0 &&
		    d.plan->targets[0].naddrs > 0) {
			/* Destination health reorders the next view. */
			const struct fr_target *t = &d.plan->targets[0];

			(void)fr_health_failure(fr_resolver_health(res),
			    &t->addrs[0], t->port, t->transport, "fuzz", 30,
			    fr_resolver_now(res));
		}
		if (fr_resolve_cached(res, &q, &cached, err,
		    sizeof(err)) == 1) {
			check_plan(cached, max_targets, max_addrs);
			assert(cached->ntargets == d.plan->ntargets);
			fr_report_plan_json(devnull, cached);
			fr_plan_free(cached);
		}
		/* DNSPLAN_SHOW=1: print each plan (to check the seeds). */
		fr_report_plan_json(getenv("DNSPLAN_SHOW") ? stdout : devnull,
		    d.plan);
		fr_plan_free(d.plan);
	}
	fr_resolver_delete(res);
	ev_loop_destroy(loop);
	return 0;
}
