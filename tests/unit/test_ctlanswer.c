/*
 * test_ctlanswer.c -- control answers merged over workers: sums, the
 * shared parts once, unions, refusals, answers that are not the shape
 * expected; and written as text.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctlanswer.h"

static json_t *
load(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	if (j == NULL)
		fail_msg("%s: %s", text, err.text);
	return j;
}

static json_t *
merge(enum fr_ctl_verb verb, const char *a, const char *b, bool *ok)
{
	json_t *in[2] = { load(a), load(b) }, *out;
	char why[128];

	out = fr_ctl_merge(verb, in, 2, ok, why, sizeof(why));
	json_decref(in[0]);
	json_decref(in[1]);
	return out;
}

static char *
render(enum fr_ctl_verb verb, json_t *a)
{
	char *body;
	size_t len;

	assert_int_equal(fr_ctl_render(verb, a, false, 1000.0, &body, &len), 0);
	return body;
}

static void
nodes_sum_connections(void **state)
{
	bool ok;
	json_t *m = merge(FR_CTL_NODES,
	    "{\"version\":1,\"nodes\":[{\"name\":\"a\",\"state\":\"up\","
	    "\"active\":3,\"last_check\":{\"at\":998,\"took_s\":0.002,"
	    "\"ok\":true,\"result\":\"connect\"}},{\"name\":\"b\","
	    "\"state\":\"down\",\"active\":0,\"last_check\":null}]}",
	    "{\"version\":1,\"nodes\":[{\"name\":\"a\",\"state\":\"up\","
	    "\"active\":4},{\"name\":\"b\",\"state\":\"down\",\"active\":1}]}",
	    &ok);
	char *text;

	(void)state;
	assert_non_null(m);
	assert_true(ok);
	assert_int_equal(json_integer_value(json_object_get(m, "workers")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(m, "nodes"), 0), "active")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(m, "nodes"), 1), "active")), 1);
	text = render(FR_CTL_NODES, m);
	assert_non_null(strstr(text, "ok 2s ago in 2ms: connect\n"));
	assert_non_null(strstr(text, "(ACTIVE summed over 2 workers"));
	free(text);
	json_decref(m);
}

static void
cache_and_counts_add_up(void **state)
{
	bool ok;
	json_t *m = merge(FR_CTL_CACHE,
	    "{\"version\":1,\"cache\":{\"hits\":5,\"misses\":1}}",
	    "{\"version\":1,\"cache\":{\"hits\":2,\"misses\":3}}", &ok);
	char *text;

	(void)state;
	text = render(FR_CTL_CACHE, m);
	assert_string_equal(text, "hits                   7\n"
	    "misses                 4\n"
	    "(summed over 2 workers, each with its own cache)\n");
	free(text);
	json_decref(m);
	m = merge(FR_CTL_CACHE_FLUSH,
	    "{\"version\":1,\"command\":\"cache flush\",\"ok\":true,"
	    "\"message\":\"flushed 2 cache entries of a.test\",\"count\":2,"
	    "\"domain\":\"a.test\"}",
	    "{\"version\":1,\"command\":\"cache flush\",\"ok\":true,"
	    "\"message\":\"flushed 1 cache entry of a.test\",\"count\":1,"
	    "\"domain\":\"a.test\"}", &ok);
	text = render(FR_CTL_CACHE_FLUSH, m);
	assert_string_equal(text, "flushed 3 cache entries of a.test\n"
	    "(on each of 2 workers)\n");
	free(text);
	json_decref(m);
}

static void
unions_keep_the_fresher(void **state)
{
	bool ok;
	json_t *m = merge(FR_CTL_DOMAINS,
	    "{\"version\":1,\"domains\":[{\"domain\":\"a.test\",\"input\":"
	    "\"sip:a.test\",\"profile\":\"sip\",\"ttl_left_s\":10}]}",
	    "{\"version\":1,\"domains\":[{\"domain\":\"a.test\",\"input\":"
	    "\"sip:a.test\",\"profile\":\"sip\",\"ttl_left_s\":250},"
	    "{\"domain\":\"b.test\",\"input\":\"sip:b.test\",\"profile\":"
	    "\"sip\",\"ttl_left_s\":5}]}", &ok);
	json_t *d;

	(void)state;
	d = json_object_get(m, "domains");
	assert_int_equal(json_array_size(d), 2);
	assert_true(json_number_value(json_object_get(json_array_get(d, 0),
	    "ttl_left_s")) == 250);
	json_decref(m);
}

static void
a_refusal_and_a_bad_answer(void **state)
{
	json_t *in[2], *m;
	char why[128];
	bool ok;

	(void)state;
	m = merge(FR_CTL_DRAIN,
	    "{\"version\":1,\"command\":\"drain\",\"ok\":true,\"message\":"
	    "\"node a drained\"}",
	    "{\"version\":1,\"command\":\"drain\",\"ok\":false,\"message\":"
	    "\"drain: no node a\"}", &ok);
	assert_false(ok);
	assert_true(json_is_false(json_object_get(m, "ok")));
	json_decref(m);
	in[0] = load("{\"version\":1,\"nodes\":[]}");
	in[1] = load("[1,2]");
	assert_null(fr_ctl_merge(FR_CTL_NODES, in, 2, &ok, why, sizeof(why)));
	assert_string_equal(why, "worker 2: not a JSON object");
	json_decref(in[0]);
	json_decref(in[1]);
	/* A node list that is not a list does not merge. */
	in[0] = load("{\"version\":1,\"nodes\":[]}");
	in[1] = load("{\"version\":1,\"nodes\":7}");
	assert_null(fr_ctl_merge(FR_CTL_NODES, in, 2, &ok, why, sizeof(why)));
	json_decref(in[0]);
	json_decref(in[1]);
}

static void
peer_text_is_escaped(void **state)
{
	json_t *s = fr_ctl_str("status 200 \x1b]0;pwned\x07\xff");
	json_t *a = json_pack("{s:i, s:[{s:s, s:o}]}", "version", 1,
	    "nodes", "name", "a", "last_check", json_pack("{s:f, s:f, s:b, "
	    "s:O}", "at", 999.0, "took_s", 0.001, "ok", 1, "result", s));
	char *text;

	(void)state;
	assert_non_null(s);
	assert_string_equal(json_string_value(s),
	    "status 200 \\x1b]0;pwned\\x07\\xff");
	text = render(FR_CTL_NODES, a);
	assert_null(strchr(text, '\x1b'));
	free(text);
	json_decref(s);
	json_decref(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nodes_sum_connections),
		cmocka_unit_test(cache_and_counts_add_up),
		cmocka_unit_test(unions_keep_the_fresher),
		cmocka_unit_test(a_refusal_and_a_bad_answer),
		cmocka_unit_test(peer_text_is_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
