/*
 * tester.c -- one lookup: resolve, check, judge.
 *
 * Each lookup gets a resolver of its own, so that one target's cached
 * failures or counted-down TTLs never colour the next target's answers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tester.h"
#include "util.h"

struct fr_lookup *
fr_lookup_run(struct ev_loop *loop, const struct fr_tester_conf *conf,
    const struct fr_query *query)
{
	struct fr_dnscheck_conf dconf;
	struct fr_resolver *res;
	struct fr_lookup *lk;
	double t0 = fr_now_ms();
	char err[256];

	if ((lk = calloc(1, sizeof(*lk))) == NULL)
		return NULL;
	if ((lk->input = strdup(query->input)) == NULL) {
		free(lk);
		return NULL;
	}
	fr_diag_init(&lk->diag);

	if ((res = fr_resolver_create(loop, &conf->resolver, err,
	    sizeof(err))) == NULL) {
		snprintf(lk->error, sizeof(lk->error), "%s", err);
		lk->status = 3;
		goto done;
	}
	/*
	 * Everything before may have blocked (the previous lookup's UDP
	 * checks): refresh the loop's clock, or new timers would start in
	 * the past and every question would time out at once.
	 */
	ev_now_update(loop);
	lk->plan = fr_resolve_sync(res, query, err, sizeof(err));
	fr_resolver_delete(res);
	if (lk->plan == NULL) {
		snprintf(lk->error, sizeof(lk->error), "%s", err);
		/* A query the parser refused is the user's mistake. */
		lk->usage = strcmp(err, "out of memory") != 0;
		lk->status = lk->usage ? FR_EXIT_USAGE : 3;
		goto done;
	}
	fr_diag_add_plan(&lk->diag, lk->plan);

	memset(&dconf, 0, sizeof(dconf));
	dconf.upstream = &conf->resolver.upstream;
	dconf.timeout_ms = conf->resolver.timeout_ms ?
	    conf->resolver.timeout_ms : FR_DEFAULT_TIMEOUT_MS;
	dconf.check_public = conf->check_public;
	if (fr_dnscheck_run(loop, &dconf, lk->plan, &lk->dns, &lk->diag, err,
	    sizeof(err)) != 0) {
		snprintf(lk->error, sizeof(lk->error), "DNS checks: %s", err);
		lk->diag.incomplete = true;
	}
	if (fr_resdiff_run(loop, &conf->resolver, query, &lk->resolvers,
	    &lk->diag, err, sizeof(err)) != 0) {
		snprintf(lk->error, sizeof(lk->error), "resolver comparison: "
		    "%s", err);
		lk->diag.incomplete = true;
	}
	if (conf->connect && fr_connect_run(&conf->connect_conf, lk->plan,
	    &lk->connect, &lk->diag, err, sizeof(err)) != 0) {
		snprintf(lk->error, sizeof(lk->error), "connect: %s", err);
		lk->diag.incomplete = true;
	}
	lk->status = fr_diag_exit_status(&lk->diag, lk->plan);
done:
	lk->ms = fr_now_ms() - t0;
	return lk;
}

void
fr_lookup_free(struct fr_lookup *lk)
{
	if (lk == NULL)
		return;
	fr_plan_free(lk->plan);
	fr_dnscheck_clear(&lk->dns);
	fr_resdiff_clear(&lk->resolvers);
	fr_connect_clear(&lk->connect);
	fr_diag_clear(&lk->diag);
	free(lk->input);
	free(lk);
}

void
fr_lookup_label(const struct fr_lookup *lk, char *buf, size_t len)
{
	/* a scheme (sip:, sips:, xmpp:) picks the profile; so does none
	 * for the default, sip */
	if (lk->plan == NULL || strchr(lk->input, ':') != NULL ||
	    lk->plan->profile == FR_PROFILE_SIP)
		snprintf(buf, len, "%s", lk->input);
	else
		snprintf(buf, len, "%s %s", fr_profile_name(lk->plan->profile),
		    lk->input);
}

void
fr_lookup_judge(struct fr_lookup *lk)
{
	if (lk->plan != NULL)
		lk->status = fr_diag_exit_status(&lk->diag, lk->plan);
}

int
fr_status_worse(int a, int b)
{
	static const int rank[] = { 0, 1, 3, 2 };	/* by status 0..3 */
	int ra = a >= 0 && a <= 3 ? rank[a] : 2;
	int rb = b >= 0 && b <= 3 ? rank[b] : 2;

	return ra >= rb ? a : b;
}
