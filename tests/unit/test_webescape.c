/*
 * test_webescape.c -- names a peer or the configuration controls are
 * escaped on /metrics (Prometheus label values) and on the status page
 * (HTML), and both stay valid UTF-8.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"
#include "statuspage.h"

typedef void writer_fn(FILE *out, const char *s);

/* What w writes for s, in a buffer the caller frees. */
static char *
written(writer_fn *w, const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	w(out, s);
	assert_int_equal(fclose(out), 0);
	return buf;
}

static void
check(writer_fn *w, const char *in, const char *want)
{
	char *got = written(w, in);

	assert_string_equal(got, want);
	free(got);
}

static void
label_plain_names_unchanged(void **state)
{
	(void)state;
	check(fr_metrics_label, "pat-a", "pat-a");
	check(fr_metrics_label, "127.0.0.1:5061", "127.0.0.1:5061");
	check(fr_metrics_label, "[::1]:5061", "[::1]:5061");
	check(fr_metrics_label, "", "");
	/* UTF-8 passes as it is. */
	check(fr_metrics_label, "b\xc3\xa9la", "b\xc3\xa9la");
}

static void
label_escapes(void **state)
{
	(void)state;
	/* The text format's three: backslash, double quote, newline. */
	check(fr_metrics_label, "a\\b", "a\\\\b");
	check(fr_metrics_label, "say \"hi\"", "say \\\"hi\\\"");
	check(fr_metrics_label, "two\nlines", "two\\nlines");
	/* A value that tries to close the label and add a sample. */
	check(fr_metrics_label, "x\"} 1\nfedroute_fake{a=\"",
	    "x\\\"} 1\\nfedroute_fake{a=\\\"");
	/* HTML means nothing here. */
	check(fr_metrics_label, "<b>&", "<b>&");
}

static void
label_invalid_utf8(void **state)
{
	(void)state;
	/* A stray continuation byte, a cut character, an overlong '/'. */
	check(fr_metrics_label, "a\x80z", "a\xef\xbf\xbdz");
	check(fr_metrics_label, "a\xc3", "a\xef\xbf\xbd");
	check(fr_metrics_label, "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
}

static void
html_plain_names_unchanged(void **state)
{
	(void)state;
	check(fr_html_text, "imp-a", "imp-a");
	check(fr_html_text, "partner.example", "partner.example");
	check(fr_html_text, "b\xc3\xa9la", "b\xc3\xa9la");
}

static void
html_escapes(void **state)
{
	(void)state;
	check(fr_html_text, "<script>alert(1)</script>",
	    "&lt;script&gt;alert(1)&lt;/script&gt;");
	check(fr_html_text, "a & b", "a &amp; b");
	check(fr_html_text, "\"onmouseover='x'", "&quot;onmouseover=&#39;x&#39;");
	/* An entity is shown, not decoded. */
	check(fr_html_text, "&lt;", "&amp;lt;");
}

static void
html_controls_and_invalid_utf8(void **state)
{
	(void)state;
	/* Terminal escapes and bidirectional overrides do not pass. */
	check(fr_html_text, "a\x1b[2Jb", "a\xef\xbf\xbd[2Jb");
	check(fr_html_text, "x\xe2\x80\xaey", "x\xef\xbf\xbdy");	/* U+202E */
	check(fr_html_text, "a\xff", "a\xef\xbf\xbd");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(label_plain_names_unchanged),
		cmocka_unit_test(label_escapes),
		cmocka_unit_test(label_invalid_utf8),
		cmocka_unit_test(html_plain_names_unchanged),
		cmocka_unit_test(html_escapes),
		cmocka_unit_test(html_controls_and_invalid_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
