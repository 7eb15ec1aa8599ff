/*
 * ctlproto_fuzz.c -- libFuzzer target: a control request line
 * (src/ctlproto.c) as any local client of the control socket may send
 * it.  A request that parses says the same when written back with
 * fr_ctl_request() and parsed again; its argument is printable ASCII
 * and bounded; a refusal always says why.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fr_ctl_cmd a, b;
	char err[256], line[FR_CTL_LINE_MAX + 1];
	size_t n, i;

	err[0] = '\0';
	if (fr_ctl_parse((const char *)data, size, &a, err,
	    sizeof(err)) != 0) {
		assert(err[0] != '\0');
		return 0;
	}
	assert(strlen(a.arg) < sizeof(a.arg));
	for (i = 0; a.arg[i] != '\0'; i++)
		assert(a.arg[i] > ' ' && a.arg[i] < 0x7f);
	assert(a.has_arg == (a.arg[0] != '\0'));
	n = fr_ctl_request(&a, line, sizeof(line));
	assert(n > 0 && line[n - 1] == '\n');
	assert(fr_ctl_parse(line, n, &b, err, sizeof(err)) == 0);
	assert(a.json == b.json && a.verb == b.verb &&
	    a.has_arg == b.has_arg && strcmp(a.arg, b.arg) == 0);
	return 0;
}
