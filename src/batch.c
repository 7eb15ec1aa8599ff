/*
 * batch.c -- targets from a file or the command line.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "sipuri.h"
#include "textfile.h"
#include "util.h"

static int
add(struct fr_batch *b, const char *target, bool has_profile,
    enum fr_profile profile, unsigned line, char *err, size_t errlen)
{
	struct fr_batch_entry *e;
	struct fr_uri uri;
	char why[256];

	if (fr_uri_parse(target, &uri, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "'%s': %s", target, why);
		return -1;
	}
	if (b->n >= FR_BATCH_MAX_TARGETS) {
		snprintf(err, errlen, "more than %d targets",
		    FR_BATCH_MAX_TARGETS);
		return -1;
	}
	if ((e = fr_array_grow(&b->v, &b->n, sizeof(*e))) == NULL ||
	    (e->target = strdup(target)) == NULL) {
		if (e != NULL)
			b->n--;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->has_profile = has_profile;
	e->profile = profile;
	e->line = line;
	return 0;
}

int
fr_batch_add(struct fr_batch *b, const char *target, char *err,
    size_t errlen)
{
	return add(b, target, false, FR_PROFILE_SIP, 0, err, errlen);
}

int
fr_batch_add_self(struct fr_batch *b, enum fr_self kind, const char *domain,
    char *err, size_t errlen)
{
	char input[FR_DNAME_MAX + 32];
	enum fr_profile profile;

	if (*domain == '\0') {
		snprintf(err, errlen, "--self wants a domain, not an empty "
		    "string");
		return -1;
	}
	if (strpbrk(domain, ":;@[]/") != NULL) {
		snprintf(err, errlen, "--self wants a domain, not '%s'",
		    domain);
		return -1;
	}
	if (fr_self_query(kind, domain, input, sizeof(input),
	    &profile) != 0) {
		snprintf(err, errlen, "--self %s: name too long", domain);
		return -1;
	}
	if (add(b, input, true, profile, 0, err, errlen) != 0)
		return -1;
	b->v[b->n - 1].self = kind;
	return 0;
}

/* Split a trimmed line into an optional profile word and the target. */
static int
parse_line(struct fr_batch *b, char *s, unsigned line, char *err,
    size_t errlen)
{
	enum fr_profile profile = FR_PROFILE_SIP;
	bool has_profile = false;
	char *sp = s + strcspn(s, " \t");

	if (*sp != '\0') {
		*sp++ = '\0';
		sp += strspn(sp, " \t");
		if (fr_profile_parse(s, &profile) != 0) {
			snprintf(err, errlen, "unknown profile '%s' (sip, "
			    "ms-fed, xmpp-s2s), or more than one target", s);
			return -1;
		}
		if (sp[strcspn(sp, " \t")] != '\0') {
			snprintf(err, errlen, "one target per line");
			return -1;
		}
		has_profile = true;
		s = sp;
	}
	return add(b, s, has_profile, profile, line, err, errlen);
}

int
fr_batch_read(struct fr_batch *b, const char *path, char *err,
    size_t errlen)
{
	char buf[FR_BATCH_MAX_LINE + 2], why[512];
	bool is_stdin = strcmp(path, "-") == 0;
	unsigned line = 0;
	enum fr_line r;
	off_t total = 0;
	FILE *f;
	int rc = 0;

	/* A file must be regular and bounded; standard input may be a
	 * pipe, and the byte count below bounds it. */
	f = is_stdin ? stdin : fr_textfile_open(path, FR_FILE_MAX_BATCH, err,
	    errlen);
	if (f == NULL || (is_stdin && fr_textfile_check_stream(f,
	    "standard input", FR_FILE_MAX_BATCH, err, errlen) != 0))
		return -1;
	while ((r = fr_textfile_getline(f, buf, sizeof(buf), &total,
	    FR_FILE_MAX_BATCH)) != FR_LINE_EOF) {
		size_t len = strlen(buf);
		char *s = buf;

		line++;
		if (r == FR_LINE_TOO_LONG) {
			snprintf(err, errlen, "%s:%u: line longer than %d "
			    "characters", path, line, FR_BATCH_MAX_LINE);
			rc = -1;
			break;
		}
		if (r == FR_LINE_TOO_BIG) {
			snprintf(err, errlen, "%s:%u: more than %lld bytes",
			    path, line, (long long)FR_FILE_MAX_BATCH);
			rc = -1;
			break;
		}
		if (r != FR_LINE_OK) {
			snprintf(err, errlen, "%s:%u: %s", path, line,
			    fr_line_error(r));
			rc = -1;
			break;
		}
		while (len > 0 && isspace((unsigned char)buf[len - 1]))
			buf[--len] = '\0';
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		if (parse_line(b, s, line, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, line, why);
			rc = -1;
			break;
		}
	}
	if (!is_stdin)
		fclose(f);
	return rc;
}

void
fr_batch_clear(struct fr_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->v[i].target);
	free(b->v);
	b->v = NULL;
	b->n = 0;
}
