/*
 * test_strbuf.c -- bounded string building never overflows and shows
 * where it cut.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "strbuf.h"

static void
items_and_separators(void **state)
{
	struct fr_strbuf sb;
	char buf[64];

	(void)state;
	fr_strbuf_init(&sb, buf, sizeof(buf));
	assert_string_equal(buf, "");
	fr_strbuf_item(&sb, ", ", "%s:%d", "a.test", 5061);
	fr_strbuf_item(&sb, ", ", "%s:%d", "b.test", 5060);
	fr_strbuf_printf(&sb, " (%u)", 2u);
	assert_string_equal(buf, "a.test:5061, b.test:5060 (2)");
	assert_int_equal(sb.len, strlen(buf));
	assert_false(sb.cut);
}

static void
cut_is_marked(void **state)
{
	struct fr_strbuf sb;
	char buf[16 + 8];
	int i;

	(void)state;
	memset(buf, 'X', sizeof(buf));
	fr_strbuf_init(&sb, buf, 16);
	for (i = 0; i < 10; i++)
		fr_strbuf_item(&sb, ", ", "item%d", i);
	assert_true(sb.cut);
	assert_int_equal(strlen(buf), 15);
	assert_string_equal(buf + 12, "...");
	assert_memory_equal(buf, "item0, item", 11);
	/* nothing written past the buffer */
	for (i = 16; i < 24; i++)
		assert_int_equal(buf[i], 'X');
	/* later appends are ignored */
	fr_strbuf_printf(&sb, "more");
	assert_int_equal(strlen(buf), 15);
}

static void
exact_fit(void **state)
{
	struct fr_strbuf sb;
	char buf[8];

	(void)state;
	fr_strbuf_init(&sb, buf, sizeof(buf));
	fr_strbuf_printf(&sb, "1234567");
	assert_false(sb.cut);
	assert_string_equal(buf, "1234567");
	fr_strbuf_printf(&sb, "8");
	assert_true(sb.cut);
	assert_string_equal(buf, "1234...");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(items_and_separators),
		cmocka_unit_test(cut_is_marked),
		cmocka_unit_test(exact_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
