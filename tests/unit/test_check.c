/*
 * test_check.c -- reading the verdict of a sip-options health check: the
 * status of the first final response, provisional ones skipped, and
 * nothing from a status line that is not complete or not at the start
 * of a line.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "checker.h"

static unsigned
status(const char *s)
{
	return fr_sip_final_status(s, strlen(s));
}

static void
final_status(void **state)
{
	(void)state;
	assert_int_equal(status("SIP/2.0 200 OK\r\nVia: x\r\n\r\n"), 200);
	assert_int_equal(status("SIP/2.0 503 Service Unavailable\r\n"), 503);
	assert_int_equal(status("SIP/2.0 404\r\n"), 404);
	/* A provisional response first, then the final one. */
	assert_int_equal(status("SIP/2.0 100 Trying\r\nContent-Length: 0\r\n"
	    "\r\nSIP/2.0 486 Busy Here\r\n"), 486);
	assert_int_equal(status("SIP/2.0 180 Ringing\r\n\r\n"), 0);
	/* Not yet complete. */
	assert_int_equal(status("SIP/2.0 20"), 0);
	assert_int_equal(status("SIP/2.0 200"), 0);
	assert_int_equal(status(""), 0);
	/* Not a status line. */
	assert_int_equal(status("XSIP/2.0 200 OK\r\n"), 0);
	assert_int_equal(status("Reason: SIP/2.0 200 OK\r\n"), 0);
	assert_int_equal(status("SIP/2.0 2x0 OK\r\n"), 0);
	assert_int_equal(status("SIP/2.0 700 OK\r\n"), 0);
	assert_int_equal(status("HTTP/1.1 200 OK\r\n"), 0);
	/* Keep-alives before it (RFC 5626) are not in the way. */
	assert_int_equal(status("\r\n\r\n\r\nSIP/2.0 200 OK\r\n"), 200);
	/* A status line inside a body is not a response: messages are
	 * framed by their Content-Length. */
	assert_int_equal(status("SIP/2.0 100 Trying\r\nContent-Length: 16\r\n"
	    "\r\nSIP/2.0 200 OK\r\n"), 0);
	assert_int_equal(status("SIP/2.0 183 Progress\r\nl: 16\r\n\r\n"
	    "SIP/2.0 200 OK\r\nSIP/2.0 404 Not Found\r\n"), 404);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(final_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
