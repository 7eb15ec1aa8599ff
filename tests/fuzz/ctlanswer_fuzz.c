/*
 * ctlanswer_fuzz.c -- libFuzzer target: the master merges what its
 * workers answer (src/ctlanswer.c) and writes it as text and JSON.  The
 * workers are the daemon's own processes, but a worker of another build
 * or a damaged answer must not crash the master: any two JSON values,
 * for any command, merge or are refused with a reason, and whatever
 * merges writes out.  Input: a command number byte, then two JSON texts
 * separated by a NUL.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlanswer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	const char *nul;
	json_t *in[2] = { NULL, NULL }, *m;
	enum fr_ctl_verb verb;
	char why[256], *body;
	size_t len, first;
	bool ok, json;

	if (size < 2)
		return 0;
	verb = (enum fr_ctl_verb)(data[0] % (FR_CTL_LOOKUP + 1));
	json = (data[0] & 0x80) != 0;
	nul = memchr(text, '\0', size - 1);
	first = nul != NULL ? (size_t)(nul - text) : size - 1;
	in[0] = json_loadb(text, first, 0, NULL);
	in[1] = nul != NULL ? json_loadb(nul + 1, size - 2 - first, 0, NULL) :
	    json_incref(in[0]);
	if (in[0] == NULL || in[1] == NULL)
		goto out;
	why[0] = '\0';
	m = fr_ctl_merge(verb, in, 2, &ok, why, sizeof(why));
	if (m == NULL) {
		assert(why[0] != '\0');
		goto out;
	}
	if (fr_ctl_render(verb, m, json, 1e9, &body, &len) == 0) {
		assert(body != NULL);
		free(body);
	}
	json_decref(m);
out:
	json_decref(in[0]);
	json_decref(in[1]);
	return 0;
}
