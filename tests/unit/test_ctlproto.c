/*
 * test_ctlproto.c -- control requests: every command and its argument
 * rules, the format word, bounds, bytes that are not printable, and the
 * request line written back.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctlproto.h"

static int
parse(const char *line, struct fr_ctl_cmd *cmd, char *err, size_t errlen)
{
	return fr_ctl_parse(line, strlen(line), cmd, err, errlen);
}

static void
every_command(void **state)
{
	static const struct {
		const char *line;
		enum fr_ctl_verb verb;
		const char *arg;
	} ok[] = {
		{ "text status", FR_CTL_STATUS, NULL },
		{ "json nodes\n", FR_CTL_NODES, NULL },
		{ "text pools\r\n", FR_CTL_POOLS, NULL },
		{ "text listeners", FR_CTL_LISTENERS, NULL },
		{ "text domains", FR_CTL_DOMAINS, NULL },
		{ "text cache", FR_CTL_CACHE, NULL },
		{ "text cache flush", FR_CTL_CACHE_FLUSH, NULL },
		{ "text  cache\tflush  a.example ", FR_CTL_CACHE_FLUSH,
		  "a.example" },
		{ "text health", FR_CTL_HEALTH, NULL },
		{ "text health clear all", FR_CTL_HEALTH_CLEAR, "all" },
		{ "text drain imp-a", FR_CTL_DRAIN, "imp-a" },
		{ "text enable imp-a", FR_CTL_ENABLE, "imp-a" },
		{ "text reload", FR_CTL_RELOAD, NULL },
		{ "json lookup sip:bob@b.example", FR_CTL_LOOKUP,
		  "sip:bob@b.example" },
	};
	struct fr_ctl_cmd cmd, back;
	char err[256], line[FR_CTL_LINE_MAX];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(parse(ok[i].line, &cmd, err, sizeof(err)), 0);
		assert_int_equal(cmd.verb, ok[i].verb);
		assert_int_equal(cmd.has_arg, ok[i].arg != NULL);
		if (ok[i].arg != NULL)
			assert_string_equal(cmd.arg, ok[i].arg);
		n = fr_ctl_request(&cmd, line, sizeof(line));
		assert_true(n > 0);
		assert_int_equal(fr_ctl_parse(line, n, &back, err,
		    sizeof(err)), 0);
		assert_int_equal(back.verb, cmd.verb);
		assert_int_equal(back.json, cmd.json);
		assert_string_equal(back.arg, cmd.arg);
	}
	assert_int_equal(parse("json nodes", &cmd, err, sizeof(err)), 0);
	assert_true(cmd.json);
}

static void
refusals_say_why(void **state)
{
	static const struct {
		const char *line;
		const char *why;
	} bad[] = {
		{ "", "empty request" },
		{ "   ", "empty request" },
		{ "status", "format \"status\"" },
		{ "xml status", "format \"xml\"" },
		{ "text stats", "unknown command \"stats\"" },
		{ "text drain", "drain: which NODE?" },
		{ "text lookup", "lookup: which URI?" },
		{ "text health clear", "health clear: which DEST" },
		{ "text status now", "status: too many words (\"now\")" },
		{ "text drain a b", "drain: too many words (\"b\")" },
		{ "text cache flush a b", "cache flush: too many words" },
		{ "text a b c d e f", "too many words in the request" },
		{ "text drain imp\x1b[2J", "byte 15 of the request is 0x1b" },
		{ "text drain \xc3\xa9", "byte 12 of the request is 0xc3" },
	};
	struct fr_ctl_cmd cmd;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].line, &cmd, err, sizeof(err)),
		    -1);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("\"%s\": got \"%s\", wanted \"%s\"",
			    bad[i].line, err, bad[i].why);
	}
}

static void
bounded(void **state)
{
	char line[FR_CTL_LINE_MAX + 16], err[256];
	struct fr_ctl_cmd cmd;
	size_t n;

	(void)state;
	/* An argument longer than FR_CTL_ARG_MAX, in a line that fits. */
	n = (size_t)snprintf(line, sizeof(line), "text lookup sip:");
	memset(line + n, 'a', FR_CTL_ARG_MAX);
	line[n + FR_CTL_ARG_MAX] = '\0';
	assert_int_equal(parse(line, &cmd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "URI longer than 511 bytes"));
	/* A line too long, even with a NUL inside it. */
	memset(line, 'a', sizeof(line));
	assert_int_equal(fr_ctl_parse(line, sizeof(line), &cmd, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "request longer than 1023 bytes"));
	assert_int_equal(fr_ctl_parse("text st\0atus", 12, &cmd, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "byte 8 of the request is 0x00"));
}

static void
words_from_a_command_line(void **state)
{
	char w0[] = "cache", w1[] = "flush", w2[] = "Partner.Example";
	char *words[] = { w0, w1, w2 };
	char *none[] = { NULL };
	struct fr_ctl_cmd cmd;
	char err[256];

	(void)state;
	assert_int_equal(fr_ctl_parse_words(words, 3, true, &cmd, err,
	    sizeof(err)), 0);
	assert_int_equal(cmd.verb, FR_CTL_CACHE_FLUSH);
	assert_true(cmd.json);
	assert_string_equal(cmd.arg, "Partner.Example");
	assert_int_equal(fr_ctl_parse_words(none, 0, false, &cmd, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "no command");
	assert_true(fr_ctl_per_worker(FR_CTL_NODES));
	assert_false(fr_ctl_per_worker(FR_CTL_STATUS));
	assert_false(fr_ctl_per_worker(FR_CTL_RELOAD));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_command),
		cmocka_unit_test(refusals_say_why),
		cmocka_unit_test(bounded),
		cmocka_unit_test(words_from_a_command_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
