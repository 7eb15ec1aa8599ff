/*
 * test_stats.c -- the edge's counters (router/stats.h): histogram
 * buckets, listener rows by name up to the cap, adding counters up, and
 * a board shared with a forked process, whose figures a replacement
 * starts from.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "stats.h"

static void
histogram_buckets(void **state)
{
	struct fr_histogram h;

	(void)state;
	memset(&h, 0, sizeof(h));
	fr_hist_observe(&h, 0.001);	/* on a bound: that bucket (le) */
	fr_hist_observe(&h, 0.0011);
	fr_hist_observe(&h, 10);
	fr_hist_observe(&h, 11);	/* above every bound: +Inf */
	fr_hist_observe(&h, -1);	/* a clock that stepped back: 0 */
	assert_int_equal(h.bucket[0], 2);
	assert_int_equal(h.bucket[1], 1);
	assert_int_equal(h.bucket[FR_HIST_BOUNDS - 1], 1);
	assert_int_equal(h.bucket[FR_HIST_BOUNDS], 1);
	assert_int_equal(h.count, 5);
	assert_true(h.sum > 21.002 && h.sum < 21.003);
}

static void
listener_rows(void **state)
{
	struct fr_stats_counts *n = calloc(1, sizeof(*n));
	struct fr_listener_stats *a, *other;
	char name[32];
	int i;

	(void)state;
	assert_non_null(n);
	a = fr_stats_listener(n, "pat-a");
	assert_ptr_equal(fr_stats_listener(n, "pat-a"), a);
	fr_stats_conn(a, FR_CONN_RELAYED);
	fr_stats_conn(NULL, FR_CONN_RELAYED);	/* harmless */
	assert_int_equal(a->conns[FR_CONN_RELAYED], 1);
	for (i = 1; i < FR_STATS_LISTENERS - 1; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		assert_string_equal(fr_stats_listener(n, name)->name, name);
	}
	/* Past the cap: one shared row. */
	other = fr_stats_listener(n, "one-too-many");
	assert_string_equal(other->name, "(other)");
	assert_ptr_equal(fr_stats_listener(n, "and-another"), other);
	assert_int_equal(n->nlisteners, FR_STATS_LISTENERS);
	assert_ptr_equal(fr_stats_listener(n, "pat-a"), a);
	free(n);
}

static void
adding_up(void **state)
{
	struct fr_stats_counts *a = calloc(1, sizeof(*a));
	struct fr_stats_counts *b = calloc(1, sizeof(*b));

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	fr_stats_listener(a, "x")->conns[FR_CONN_RELAYED] = 2;
	fr_stats_listener(b, "y")->conns[FR_CONN_NO_NODE] = 5;
	fr_stats_listener(b, "x")->conns[FR_CONN_RELAYED] = 3;
	fr_stats_listener(b, "x")->bytes_to_client = 7;
	b->sip_requests[FR_SIPM_INVITE] = 4;
	b->tls[1][1] = 6;
	fr_hist_observe(&b->resolution, 0.3);
	fr_stats_add(a, b);
	assert_int_equal(a->nlisteners, 2);
	assert_int_equal(fr_stats_listener(a, "x")->conns[FR_CONN_RELAYED], 5);
	assert_int_equal(fr_stats_listener(a, "x")->bytes_to_client, 7);
	assert_int_equal(fr_stats_listener(a, "y")->conns[FR_CONN_NO_NODE], 5);
	assert_int_equal(a->sip_requests[FR_SIPM_INVITE], 4);
	assert_int_equal(a->tls[1][1], 6);
	assert_int_equal(a->resolution.count, 1);
	free(a);
	free(b);
}

static void
sip_methods(void **state)
{
	struct fr_edge_stats *st = calloc(1, sizeof(*st));

	(void)state;
	assert_non_null(st);
	fr_stats_sip(st, true, "INVITE", 6, 0);
	fr_stats_sip(st, true, "invite", 6, 0);	/* case-sensitive */
	fr_stats_sip(st, true, "INVITEX", 7, 0);
	fr_stats_sip(st, false, NULL, 0, 183);
	fr_stats_sip(st, false, NULL, 0, 700);	/* not a status: ignored */
	fr_stats_sip(NULL, true, "BYE", 3, 0);
	assert_int_equal(st->n.sip_requests[FR_SIPM_INVITE], 1);
	assert_int_equal(st->n.sip_requests[FR_SIPM_OTHER], 2);
	assert_int_equal(st->n.sip_responses[0], 1);
	assert_string_equal(fr_sip_method_stat_name(FR_SIPM_OTHER), "other");
	free(st);
}

/* A worker counts, publishes and dies; the one that serves adds it up;
 * a replacement starts from the dead one's figures. */
static void
board_across_fork(void **state)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct fr_stats_board *b = fr_stats_board_create(2);
	struct fr_edge_stats *me = calloc(1, sizeof(*me));
	struct fr_edge_stats *heir = calloc(1, sizeof(*heir));
	struct fr_stats_counts *sum = calloc(1, sizeof(*sum));
	int status;
	pid_t pid;

	(void)state;
	assert_non_null(loop);
	assert_non_null(b);
	assert_non_null(me);
	assert_non_null(heir);
	assert_non_null(sum);
	assert_int_equal(fr_stats_share(me, loop, b, 0), 0);
	fr_stats_listener(&me->n, "pat")->conns[FR_CONN_RELAYED] = 1;
	/* Nobody else yet: the sum is ours. */
	assert_int_equal(fr_stats_total(me, sum), 1);
	assert_int_equal(sum->listeners[0].conns[FR_CONN_RELAYED], 1);

	if ((pid = fork()) == 0) {
		struct fr_edge_stats *w = calloc(1, sizeof(*w));

		if (w == NULL || fr_stats_share(w, loop, b, 1) != 0)
			_exit(1);
		fr_stats_listener(&w->n, "pat")->conns[FR_CONN_RELAYED] = 10;
		w->n.decisions[2] = 3;
		fr_stats_unshare(w);		/* publishes a last time */
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	assert_int_equal(fr_stats_total(me, sum), 2);
	assert_int_equal(sum->nlisteners, 1);
	assert_int_equal(sum->listeners[0].conns[FR_CONN_RELAYED], 11);
	assert_int_equal(sum->decisions[2], 3);

	/* The replacement in slot 1 counts on from 10. */
	assert_int_equal(fr_stats_share(heir, loop, b, 1), 0);
	fr_stats_listener(&heir->n, "pat")->conns[FR_CONN_RELAYED] = 2;
	fr_stats_unshare(heir);
	assert_int_equal(fr_stats_total(me, sum), 2);
	assert_int_equal(sum->listeners[0].conns[FR_CONN_RELAYED], 13);

	fr_stats_unshare(me);
	fr_stats_board_delete(b);
	free(me);
	free(heir);
	free(sum);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(histogram_buckets),
		cmocka_unit_test(listener_rows),
		cmocka_unit_test(adding_up),
		cmocka_unit_test(sip_methods),
		cmocka_unit_test(board_across_fork),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
