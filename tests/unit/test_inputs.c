/*
 * test_inputs.c -- untrusted text and bounded input: UTF-8 decoding and
 * escaping (proto/escape), the JSON writer on hostile bytes, the one
 * IP[@PORT] parser (proto/ipport), bounded files and lines
 * (src/textfile), and that a zone with a syntax error leaks nothing
 * (src/zonefile; ldns 1.8.3 leaks the records read before the error).
 */
#include "config.h"

#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "escape.h"
#include "ipport.h"
#include "json.h"
#include "textfile.h"
#include "zonefile.h"

static char tmpdir[] = "/tmp/fr-test-bounds-XXXXXX";

static const char *
tmp_file(const char *name, const char *text, size_t len)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* ---- UTF-8 ----------------------------------------------------------- */

static void
utf8_decode(void **state)
{
	static const struct {
		const char *s;
		size_t len;		/* expected; 0: invalid */
		uint32_t cp;
	} cases[] = {
		{ "a", 1, 'a' },
		{ "\xc3\xa9", 2, 0xe9 },
		{ "\xe2\x80\xae", 3, 0x202e },
		{ "\xf0\x9f\x98\x80", 4, 0x1f600 },
		{ "\xc3", 0, 0 },		/* cut short */
		{ "\xe2\x80", 0, 0 },
		{ "\x80", 0, 0 },		/* lone continuation */
		{ "\xc0\xaf", 0, 0 },		/* overlong '/' */
		{ "\xe0\x80\xaf", 0, 0 },	/* overlong */
		{ "\xed\xa0\x80", 0, 0 },	/* surrogate */
		{ "\xf4\x90\x80\x80", 0, 0 },	/* above U+10FFFF */
		{ "\xff", 0, 0 },
		{ "\xc3\x28", 0, 0 },		/* bad continuation */
	};
	uint32_t cp;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = fr_utf8_decode((const unsigned char *)cases[i].s,
		    strlen(cases[i].s), &cp);

		assert_int_equal(n, cases[i].len);
		if (n > 0)
			assert_int_equal(cp, cases[i].cp);
	}
}

static void
escape_hostile(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "plain text", 10, "plain text" },
		{ "caf\xc3\xa9", 5, "caf\xc3\xa9" },
		{ "\x1b]0;pwned\x07", 10, "\\x1b]0;pwned\\x07" },
		{ "\x1b[2J", 4, "\\x1b[2J" },
		{ "a\nb\rc\td", 7, "a\\nb\\rc\\td" },
		{ "\x7f", 1, "\\x7f" },
		{ "\xc2\x9b" "1m", 4, "\\u{009b}1m" },	/* C1 CSI */
		{ "\x9b" "1m", 3, "\\x9b1m" },		/* raw 8-bit CSI */
		{ "\xe2\x80\xae" "evil", 7, "\\u{202e}evil" },
		{ "\xe2\x81\xa6x", 4, "\\u{2066}x" },
		{ "half \xc3", 6, "half \\xc3" },
		{ "\xff\xfe", 2, "\\xff\\xfe" },
		{ "nul\0byte", 8, "nul\\x00byte" },
		{ "back\\slash", 10, "back\\slash" },
	};
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fr_escape(out, sizeof(out), cases[i].in, cases[i].len);
		assert_string_equal(out, cases[i].out);
		assert_true(fr_escape_clean(out, strlen(out)));
		assert_int_equal(fr_escape_clean(cases[i].in, cases[i].len),
		    strcmp(out, cases[i].in) == 0 &&
		    strlen(cases[i].in) == cases[i].len);
	}
	assert_string_equal(fr_escape_str(out, sizeof(out), NULL), "");
}

static void
escape_cut(void **state)
{
	char out[8];

	(void)state;
	/* Cut with "...", never inside a character or past the end. */
	fr_escape(out, sizeof(out), "abcdefghij", 10);
	assert_string_equal(out, "abcd...");
	fr_escape(out, sizeof(out), "ab\xc3\xa9\xc3\xa9\xc3\xa9", 8);
	assert_string_equal(out, "ab\xc3\xa9...");
	fr_escape(out, sizeof(out), "abcdefg", 7);
	assert_string_equal(out, "abcdefg");
	fr_escape(out, 4, "\x1b\x1b", 2);
	assert_string_equal(out, "...");
	fr_escape(out, sizeof(out), "\x1b\x1b", 2);
	assert_string_equal(out, "\\x1b...");
}

/* ---- JSON ------------------------------------------------------------ */

static char *
json_of(const char *s)
{
	struct fr_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&buf, &len));
	fr_json_init(&j, f);
	fr_json_string(&j, NULL, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
json_valid_utf8(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "ok", "\"ok\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "\x1b[2J", "\"\\u001b[2J\"" },
		{ "a\"b\\c\n", "\"a\\\"b\\\\c\\n\"" },
		{ "\xc2\x85" "x", "\"\\u0085x\"" },
		{ "\xe2\x80\xae" "x", "\"\\u202ex\"" },
		{ "\xe2\x80\xa8", "\"\\u2028\"" },
		{ "half \xc3", "\"half \xef\xbf\xbd\"" },
		{ "\xff\xfe!", "\"\xef\xbf\xbd\xef\xbf\xbd!\"" },
		{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = json_of(cases[i].in);

		assert_string_equal(got, cases[i].out);
		/* Valid UTF-8 with no raw control character. */
		assert_true(fr_escape_clean(got, strlen(got)));
		free(got);
	}
}

/* ---- IP[@PORT] ------------------------------------------------------- */

static void
ipport(void **state)
{
	static const char *const good[] = { "192.0.2.1", "192.0.2.1@5353",
	    "::1", "2001:db8::53@53", "127.0.0.1@65535", "127.0.0.1@1" };
	static const char *const bad[] = { "", "localhost", "999.1.1.1",
	    "127.0.0.1@0", "127.0.0.1@99999", "127.0.0.1@", "127.0.0.1@53x",
	    "@53", "[::1]@53", "1.2.3.4@-1", "1.2.3.4 ", "a\x1b[2J",
	    "127.0.0.1@5.3", "1.2.3.4@53@53",
	    "1111111111111111111111111111111111111111111111111111111111111111"
	    "1" };
	struct sockaddr_storage ss;
	socklen_t len;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(fr_ipport_parse(good[i], 53, &ss, &len, why,
		    sizeof(why)), 0);
	assert_int_equal(fr_ipport_parse("192.0.2.1", 53, &ss, &len, why,
	    sizeof(why)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 53);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(fr_ipport_parse("::1@5353", 53, &ss, &len, why,
	    sizeof(why)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 5353);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(fr_ipport_parse(bad[i], 53, &ss, &len, why,
		    sizeof(why)), -1);
		assert_true(why[0] != '\0');
		assert_true(fr_escape_clean(why, strlen(why)));
	}
}

/* ---- bounded files and lines ----------------------------------------- */

static void
textfile_kinds(void **state)
{
	char err[512], path[600];
	FILE *f;

	(void)state;
	assert_null(fr_textfile_open(tmpdir, 100, err, sizeof(err)));
	assert_non_null(strstr(err, "a directory, not a regular file"));
	assert_null(fr_textfile_open("/dev/zero", 100, err, sizeof(err)));
	assert_non_null(strstr(err, "a character device"));
	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	/* Returns at once: no writer is waited for. */
	assert_int_equal(fr_textfile_check(path, 100, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a FIFO"));
	assert_int_equal(fr_textfile_check("/no/such/file", 100, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	tmp_file("ten", "0123456789", 10);
	snprintf(path, sizeof(path), "%s/ten", tmpdir);
	assert_int_equal(fr_textfile_check(path, 10, err, sizeof(err)), 0);
	assert_int_equal(fr_textfile_check(path, 9, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "10 bytes; at most 9"));
	assert_non_null(f = fr_textfile_open(path, 10, err, sizeof(err)));
	fclose(f);
}

static void
textfile_lines(void **state)
{
	static const char text[] = "ok\n123456\nnul\0x\nlast";
	char buf[8], err[256];
	off_t total = 0;
	FILE *f;

	(void)state;
	assert_non_null(f = fr_textfile_open(tmp_file("lines", text,
	    sizeof(text) - 1), 1000, err, sizeof(err)));
	assert_int_equal(fr_textfile_getline(f, buf, sizeof(buf), &total,
	    1000), FR_LINE_OK);
	assert_string_equal(buf, "ok\n");
	/* 6 characters and '\n' fit in 8 bytes; that is the longest. */
	assert_int_equal(fr_textfile_getline(f, buf, sizeof(buf), &total,
	    1000), FR_LINE_OK);
	assert_string_equal(buf, "123456\n");
	assert_int_equal(fr_textfile_getline(f, buf, sizeof(buf), &total,
	    1000), FR_LINE_NUL);
	assert_int_equal(fr_textfile_getline(f, buf, sizeof(buf), &total,
	    1000), FR_LINE_OK);
	assert_string_equal(buf, "last");
	assert_int_equal(fr_textfile_getline(f, buf, sizeof(buf), &total,
	    1000), FR_LINE_EOF);
	assert_int_equal(total, sizeof(text) - 1);
	fclose(f);

	assert_non_null(f = fr_textfile_open(tmp_file("long", "1234567\nx\n",
	    10), 1000, err, sizeof(err)));
	total = 0;
	assert_int_equal(fr_textfile_getline(f, buf, sizeof(buf), &total,
	    1000), FR_LINE_TOO_LONG);
	assert_int_equal(fr_textfile_getline(f, buf, sizeof(buf), &total,
	    1000), FR_LINE_OK);
	assert_string_equal(buf, "x\n");
	fclose(f);

	/* A stream with no end stops at the byte bound. */
	assert_non_null(f = fopen("/dev/zero", "r"));
	total = 0;
	assert_int_equal(fr_textfile_getline(f, buf, sizeof(buf), &total,
	    4096), FR_LINE_NUL);
	assert_int_equal(total, 4096);
	assert_int_equal(fr_textfile_getline(f, buf, sizeof(buf), &total,
	    4096), FR_LINE_TOO_BIG);
	fclose(f);
}

/* ---- zone files ------------------------------------------------------ */

#define ZONE_HEAD "$ORIGIN leak.test.\n$TTL 300\n" \
	"@ IN SOA ns.leak.test. h.leak.test. 1 3600 600 86400 300\n" \
	"@ IN NS ns\nns IN A 127.0.0.1\n"

/*
 * A syntax error after a few records, checked many times: the heap in
 * use must not grow.  (Under AddressSanitizer mallinfo2() says nothing,
 * and LeakSanitizer reports the leak at exit instead.)
 */
static void
zone_error_leaks_nothing(void **state)
{
	static const char zone[] = ZONE_HEAD
	    "a IN TXT \"some text to make the records bigger\"\n"
	    "b IN TXT \"some more text to make the records bigger\"\n"
	    "c IN A 1.2.3.4.5\n";
	char origin[256], abspath[1024], err[1024], path[600];
	struct mallinfo2 before, after;
	int i;

	(void)state;
	snprintf(path, sizeof(path), "%s", tmp_file("bad.zone", zone,
	    sizeof(zone) - 1));
	assert_int_equal(fr_zonefile_probe(path, origin, sizeof(origin),
	    abspath, sizeof(abspath), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad.zone:8: "));
	before = mallinfo2();
	for (i = 0; i < 200; i++)
		assert_int_equal(fr_zonefile_probe(path, origin,
		    sizeof(origin), abspath, sizeof(abspath), err,
		    sizeof(err)), -1);
	after = mallinfo2();
	/* ldns 1.8.3 lost about 700 bytes a time here: 140 kB. */
	assert_true(after.uordblks < before.uordblks + 16 * 1024);
}

static void
zone_checks(void **state)
{
	static const struct {
		const char *extra, *want;
	} cases[] = {
		{ "x 99999999999 IN A 1.2.3.4\n", ":6: TTL 99999999999 is larger" },
		{ "x IN 2147483648 A 1.2.3.4\n", ":6: TTL 2147483648 is larger" },
		{ "$TTL 4294967296\n", ":6: TTL 4294967296" },
		{ "x ( 3000000000\n IN A 1.2.3.4 )\n", ":6: TTL 3000000000" },
		{ "x 2 3\n", ":6: no record type" },
		{ "x CH A 1.2.3.4\n", ":6: class 3; only IN" },
		{ "$INCLUDE /etc/passwd\n", ":6: $INCLUDE is not supported" },
		{ "x IN A 1.2.3.4.5\n", ":6: " },
	};
	char origin[256], abspath[1024], err[1024], text[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", ZONE_HEAD, cases[i].extra);
		assert_int_equal(fr_zonefile_probe(tmp_file("c.zone", text,
		    strlen(text)), origin, sizeof(origin), abspath,
		    sizeof(abspath), err, sizeof(err)), -1);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: \"%s\" not in \"%s\"", i,
			    cases[i].want, err);
	}
	/* White space other than blanks: the scan used to stall on it. */
	for (i = 0; i < 4; i++) {
		static const char *const odd[] = { "\vx IN A 1.2.3.4\n",
		    "x\f IN A 1.2.3.4\n", "x IN A 1.2.3.4 \v\n", "\v\f\n" };

		snprintf(text, sizeof(text), "%s%s", ZONE_HEAD, odd[i]);
		(void)fr_zonefile_probe(tmp_file("ws.zone", text,
		    strlen(text)), origin, sizeof(origin), abspath,
		    sizeof(abspath), err, sizeof(err));
	}
	/* Fine: the largest TTL, units, a quoted ';', no-owner lines. */
	snprintf(text, sizeof(text), "%s%s", ZONE_HEAD,
	    "x 2147483647 IN A 1.2.3.4\n 1w2d IN TXT \"a ; 99999999999\"\n"
	    "y 60 IN TXT ( \"(\" )\n");
	if (fr_zonefile_probe(tmp_file("ok.zone", text, strlen(text)), origin,
	    sizeof(origin), abspath, sizeof(abspath), err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(origin, "leak.test");
}

static void
trust_anchor(void **state)
{
	char err[1024];

	(void)state;
	assert_int_equal(fr_trust_anchor_check(tmp_file("a.ds",
	    "x.test. 300 IN DS 1 13 2 00112233\n", 34), err, sizeof(err)), 0);
	assert_int_equal(fr_trust_anchor_check(tmp_file("b.ds",
	    "x.test. 300 IN DS 1 13 2 00112233\nx.test. 300 IN A 1.2.3.4\n",
	    58), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "b.ds:2: a trust anchor is a DS or DNSKEY"));
	assert_int_equal(fr_trust_anchor_check(tmp_file("c.ds", "; none\n",
	    7), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no DS or DNSKEY record"));
	assert_int_equal(fr_trust_anchor_check("/dev/zero", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8_decode),
		cmocka_unit_test(escape_hostile),
		cmocka_unit_test(escape_cut),
		cmocka_unit_test(json_valid_utf8),
		cmocka_unit_test(ipport),
		cmocka_unit_test(textfile_kinds),
		cmocka_unit_test(textfile_lines),
		cmocka_unit_test(zone_error_leaks_nothing),
		cmocka_unit_test(zone_checks),
		cmocka_unit_test(trust_anchor),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
