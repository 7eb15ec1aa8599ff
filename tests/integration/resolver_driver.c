/*
 * resolver_driver.c -- a long-running resolver for integration tests:
 * one fr_resolver (with its cache and health table) driven by commands
 * on stdin, so a test can stop and restart the DNS server between
 * lookups.  Each command's output ends with a line holding only ".".
 *
 *   lookup [PROFILE] TARGET      the plan, as fedroute lookup --json
 *   fail ADDR PORT TRANSPORT [RETRY_AFTER]   report a failure
 *   ok ADDR PORT TRANSPORT       report a success
 *   stats                        cache counters and DNS questions
 *                                asked, as JSON
 *   advance SECONDS              move the resolver's clock forward
 *
 * usage: resolver_driver --resolver ADDR@PORT [--timeout MS]
 *                        [--stale-retry SECONDS] [--fake-clock]
 *
 * With --fake-clock the resolver's cache and health table run on a clock
 * that only "advance" moves (it starts at 1000), and libunbound keeps no
 * cache of its own (fr_ubev_conf no_cache), so a test watches entries
 * expire without sleeping.  Without it, the loop's real time is used.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "report.h"
#include "resolver.h"

static int
parse_address(const char *s, struct fr_address *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->u.v4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a->u.v6) == 1)
		a->family = AF_INET6;
	else
		return -1;
	return 0;
}

static double fake_now = 1000.0;

static double
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static void
stats(struct fr_resolver *res)
{
	const struct fr_cache_stats *st = fr_resolver_cache_stats(res);
	struct fr_resolver_load load;
	struct fr_json j;

	fr_json_init(&j, stdout);
	fr_json_object_begin(&j, NULL);
	fr_json_int(&j, "hits", (long long)st->hits);
	fr_json_int(&j, "misses", (long long)st->misses);
	fr_json_int(&j, "stale_served", (long long)st->stale_served);
	fr_json_int(&j, "evictions", (long long)st->evictions);
	fr_json_int(&j, "coalesced", (long long)st->coalesced);
	fr_json_int(&j, "prefetches", (long long)st->prefetches);
	fr_json_int(&j, "entries", (long long)st->entries);
	fr_resolver_load(res, &load);
	fr_json_int(&j, "questions", (long long)load.questions);
	fr_json_object_end(&j);
}

static void
command(struct fr_resolver *res, char *line)
{
	char *argv[8], *save = NULL, err[256];
	int argc = 0;

	for (char *w = strtok_r(line, " \t\n", &save); w != NULL && argc < 8;
	    w = strtok_r(NULL, " \t\n", &save))
		argv[argc++] = w;
	if (argc == 0)
		return;
	if (strcmp(argv[0], "lookup") == 0 && (argc == 2 || argc == 3)) {
		struct fr_query q;
		struct fr_plan *p;

		memset(&q, 0, sizeof(q));
		q.input = argv[argc - 1];
		if (argc == 3) {
			if (fr_profile_parse(argv[1], &q.profile) != 0) {
				printf("error: unknown profile %s\n", argv[1]);
				return;
			}
			q.profile_forced = true;
		}
		if ((p = fr_resolve_sync(res, &q, err, sizeof(err))) == NULL) {
			printf("error: %s\n", err);
			return;
		}
		fr_report_plan_json(stdout, p);
		fr_plan_free(p);
	} else if ((strcmp(argv[0], "fail") == 0 && (argc == 4 || argc == 5)) ||
	    (strcmp(argv[0], "ok") == 0 && argc == 4)) {
		struct fr_address a;
		enum fr_transport tp;

		if (parse_address(argv[1], &a) != 0 ||
		    fr_transport_parse(argv[3], &tp) != 0) {
			printf("error: bad address or transport\n");
			return;
		}
		if (argv[0][0] == 'o')
			fr_health_success(fr_resolver_health(res), &a,
			    (uint16_t)atoi(argv[2]), tp);
		else
			fr_health_failure(fr_resolver_health(res), &a,
			    (uint16_t)atoi(argv[2]), tp, "reported by test",
			    argc == 5 ? atof(argv[4]) : 0, fr_resolver_now(res));
		printf("ok\n");
	} else if (strcmp(argv[0], "stats") == 0) {
		stats(res);
	} else if (strcmp(argv[0], "advance") == 0 && argc == 2) {
		char *end;
		double by = strtod(argv[1], &end);

		if (*end != '\0' || !(by >= 0 && by < 1e6)) {
			printf("error: bad number of seconds\n");
			return;
		}
		fake_now += by;
		printf("ok\n");
	} else {
		printf("error: unknown command\n");
	}
}

int
main(int argc, char **argv)
{
	const char *forwarders[1];
	struct fr_resolver_conf conf;
	struct fr_cache_conf cache;
	struct fr_resolver *res;
	struct ev_loop *loop = ev_default_loop(0);
	char line[1024], err[256];
	int i;

	memset(&conf, 0, sizeof(conf));
	fr_cache_conf_defaults(&cache);
	conf.cache = &cache;
	conf.upstream.forwarders = forwarders;
	for (i = 1; i < argc; i += 2) {
		if (strcmp(argv[i], "--fake-clock") == 0) {
			conf.clock = fake_clock;
			conf.upstream.no_cache = true;
			i--;		/* takes no value */
		} else if (i + 1 >= argc) {
			fprintf(stderr, "resolver_driver: %s needs a value\n",
			    argv[i]);
			return 64;
		} else if (strcmp(argv[i], "--resolver") == 0) {
			forwarders[0] = argv[i + 1];
			conf.upstream.nforwarders = 1;
		} else if (strcmp(argv[i], "--timeout") == 0) {
			conf.timeout_ms = (unsigned)atoi(argv[i + 1]);
		} else if (strcmp(argv[i], "--stale-retry") == 0) {
			cache.stale_retry = (uint32_t)atoi(argv[i + 1]);
		} else {
			fprintf(stderr, "resolver_driver: bad option %s\n",
			    argv[i]);
			return 64;
		}
	}
	if ((res = fr_resolver_create(loop, &conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "resolver_driver: %s\n", err);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		/* The loop's clock moves only when it runs: keep it real. */
		ev_now_update(loop);
		command(res, line);
		printf(".\n");
	}
	fr_resolver_delete(res);
	return 0;
}
