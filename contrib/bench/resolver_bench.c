/*
 * resolver_bench.c -- resolver figures against a local NSD:
 *
 *   cached   plan lookups per second from the cache, in process, one
 *            core (fr_resolve_cached: parse, key, draw, health, copy)
 *   cold     NAPTR -> SRV -> A/AAAA chains one after another, each for a
 *            new domain: latency p50 / p99
 *   bare     the same NAPTR, SRV, A questions sent one after another
 *            from a bare UDP socket (ldns to build and parse): the floor
 *   flight   cold chains per second with many resolutions in flight
 *
 * usage: resolver_bench --resolver 127.0.0.1@PORT --domains N
 *                       [--inflight K] [--cached-iterations N]
 * Domain i is d<i>.bench.test (the zone comes from bench-resolver.sh).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "resolver.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
percentile(double *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

static struct fr_resolver *
make_resolver(struct ev_loop *loop, const char *fwd)
{
	static const char *forwarders[1];
	struct fr_resolver_conf conf;
	struct fr_resolver *res;
	char err[256];

	forwarders[0] = fwd;
	memset(&conf, 0, sizeof(conf));
	conf.upstream.forwarders = forwarders;
	conf.upstream.nforwarders = 1;
	conf.timeout_ms = 2000;
	if ((res = fr_resolver_create(loop, &conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "resolver: %s\n", err);
		exit(1);
	}
	return res;
}

static void
query_for(int i, struct fr_query *q, char *buf, size_t len)
{
	snprintf(buf, len, "sip:d%d.bench.test", i);
	memset(q, 0, sizeof(*q));
	q->input = buf;
}

/* ---- cached -------------------------------------------------------------- */

static void
bench_cached(const char *fwd, long iterations)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct fr_resolver *res = make_resolver(loop, fwd);
	static const char *const inputs[] = { "sip:d0.bench.test",
		"sip:multi.bench.test" };
	size_t k;

	for (k = 0; k < 2; k++) {
		struct fr_query q;
		struct fr_plan *p;
		char err[256];
		double t0, dt;
		long i;

		memset(&q, 0, sizeof(q));
		q.input = inputs[k];
		p = fr_resolve_sync(res, &q, err, sizeof(err));
		if (p == NULL || p->result != FR_RESULT_OK) {
			fprintf(stderr, "warm-up of %s failed\n", inputs[k]);
			exit(1);
		}
		printf("cached   %-24s %zu targets\n", inputs[k], p->ntargets);
		fr_plan_free(p);
		t0 = now_s();
		for (i = 0; i < iterations; i++) {
			if (fr_resolve_cached(res, &q, &p, err, sizeof(err)) != 1) {
				fprintf(stderr, "not cached: %s\n", inputs[k]);
				exit(1);
			}
			fr_plan_free(p);
		}
		dt = now_s() - t0;
		printf("cached   %-24s %10.0f lookups/s  (%.0f ns each, "
		    "goal >= 2,000,000/s)\n", inputs[k], (double)iterations / dt,
		    dt / (double)iterations * 1e9);
	}
	fr_resolver_delete(res);
	ev_loop_destroy(loop);
}

/* ---- cold, one after another ---------------------------------------------- */

static void
bench_cold(const char *fwd, int from, int n)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct fr_resolver *res = make_resolver(loop, fwd);
	double *lat = calloc((size_t)n, sizeof(double));
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct fr_query q;
		struct fr_plan *p;
		char buf[64], err[256];
		double t0 = now_s();

		query_for(from + i, &q, buf, sizeof(buf));
		p = fr_resolve_sync(res, &q, err, sizeof(err));
		lat[i] = (now_s() - t0) * 1e3;
		bad += p == NULL || p->result != FR_RESULT_OK;
		fr_plan_free(p);
	}
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	printf("cold     %d chains in sequence: p50 %.3f ms  p99 %.3f ms  "
	    "(goal p50 <= 0.5 ms)%s\n", n, percentile(lat, (size_t)n, 0.50),
	    percentile(lat, (size_t)n, 0.99), bad ? "  SOME FAILED" : "");
	free(lat);
	fr_resolver_delete(res);
	ev_loop_destroy(loop);
}

/* ---- the bare-socket floor ------------------------------------------------ */

static int
bare_ask(int fd, const char *name, ldns_rr_type type, ldns_pkt **reply)
{
	ldns_pkt *q = NULL;
	uint8_t *wire = NULL, buf[4096];
	size_t len;
	ssize_t got;

	if (ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN,
	    LDNS_RD) != LDNS_STATUS_OK)
		return -1;
	ldns_pkt_set_id(q, (uint16_t)random());
	if (ldns_pkt2wire(&wire, q, &len) != LDNS_STATUS_OK ||
	    send(fd, wire, len, 0) != (ssize_t)len) {
		ldns_pkt_free(q);
		free(wire);
		return -1;
	}
	free(wire);
	ldns_pkt_free(q);
	if ((got = recv(fd, buf, sizeof(buf), 0)) <= 0)
		return -1;
	return ldns_wire2pkt(reply, buf, (size_t)got) == LDNS_STATUS_OK ? 0 : -1;
}

/* First rdata field "idx" of the first answer record, as a string. */
static char *
answer_field(ldns_pkt *p, size_t idx)
{
	ldns_rr_list *an = ldns_pkt_answer(p);

	if (an == NULL || ldns_rr_list_rr_count(an) == 0)
		return NULL;
	return ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(an, 0), idx));
}

static void
bench_bare(const char *fwd, int from, int n)
{
	char host[64];
	int port = 53, fd, i, bad = 0;
	struct sockaddr_in sa;
	double *lat = calloc((size_t)n, sizeof(double));
	struct timeval tv = { 2, 0 };

	sscanf(fwd, "%63[^@]@%d", host, &port);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, host, &sa.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("connect");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		char name[64];
		ldns_pkt *p1 = NULL, *p2 = NULL, *p3 = NULL;
		char *srv = NULL, *target = NULL;
		double t0 = now_s();

		snprintf(name, sizeof(name), "d%d.bench.test.", from + i);
		if (bare_ask(fd, name, LDNS_RR_TYPE_NAPTR, &p1) != 0 ||
		    (srv = answer_field(p1, 5)) == NULL ||
		    bare_ask(fd, srv, LDNS_RR_TYPE_SRV, &p2) != 0 ||
		    (target = answer_field(p2, 3)) == NULL ||
		    bare_ask(fd, target, LDNS_RR_TYPE_A, &p3) != 0)
			bad++;
		lat[i] = (now_s() - t0) * 1e3;
		free(srv);
		free(target);
		ldns_pkt_free(p1);
		ldns_pkt_free(p2);
		ldns_pkt_free(p3);
	}
	close(fd);
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	printf("bare     %d chains in sequence: p50 %.3f ms  p99 %.3f ms  "
	    "(NAPTR, SRV, A from one UDP socket)%s\n", n,
	    percentile(lat, (size_t)n, 0.50), percentile(lat, (size_t)n, 0.99),
	    bad ? "  SOME FAILED" : "");
	free(lat);
}

/* ---- many in flight ------------------------------------------------------- */

struct flight {
	int inflight, done, bad;
};

static void
flight_done(void *arg, struct fr_plan *plan)
{
	struct flight *f = arg;

	f->done++;
	f->inflight--;
	f->bad += plan == NULL || plan->result != FR_RESULT_OK;
	fr_plan_free(plan);
}

static void
bench_flight(const char *fwd, int from, int n, int inflight)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct fr_resolver *res = make_resolver(loop, fwd);
	struct flight f = { 0, 0, 0 };
	char err[256];
	double t0, dt;
	int i = 0;

	t0 = now_s();
	while (f.done < n) {
		while (i < n && f.inflight < inflight) {
			struct fr_query q;
			char buf[64];

			query_for(from + i, &q, buf, sizeof(buf));
			if (fr_resolve(res, &q, flight_done, &f, NULL, err,
			    sizeof(err)) != 0) {
				fprintf(stderr, "resolve: %s\n", err);
				exit(1);
			}
			f.inflight++;
			i++;
		}
		ev_run(loop, EVRUN_ONCE);
	}
	dt = now_s() - t0;
	printf("flight   %d cold chains, %d in flight: %.0f chains/s  "
	    "(goal >= 25,000/s)%s\n", n, inflight, (double)n / dt,
	    f.bad ? "  SOME FAILED" : "");
	fr_resolver_delete(res);
	ev_loop_destroy(loop);
}

int
main(int argc, char **argv)
{
	const char *fwd = NULL;
	int domains = 2000, inflight = 200, i;
	long iterations = 1000000;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--resolver") == 0)
			fwd = argv[i + 1];
		else if (strcmp(argv[i], "--domains") == 0)
			domains = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--inflight") == 0)
			inflight = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--cached-iterations") == 0)
			iterations = atol(argv[i + 1]);
	}
	if (fwd == NULL || domains < 30) {
		fprintf(stderr, "usage: resolver_bench --resolver ADDR@PORT "
		    "--domains N (>= 30) [--inflight K] "
		    "[--cached-iterations N]\n");
		return 64;
	}
	bench_cached(fwd, iterations);
	/* Each phase uses domains no earlier phase asked: all cold. */
	bench_bare(fwd, 0, domains / 10);
	bench_cold(fwd, domains / 10, domains / 10);
	bench_flight(fwd, domains / 5, domains - domains / 5, inflight);
	return 0;
}
