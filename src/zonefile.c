/*
 * zonefile.c -- zone file and trust anchor checks, through ldns and a
 * scan of our own for what ldns lets pass and libunbound does not.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "textfile.h"
#include "util.h"
#include "zonefile.h"

/* ---- the whole file in memory --------------------------------------- */

/* Read a regular file of at most max bytes; NULL with err set. */
static char *
slurp(const char *path, off_t max, size_t *lenp, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t cap, len = 0, n;
	FILE *f;

	if ((f = fr_textfile_open(path, max, err, errlen)) == NULL)
		return NULL;
	cap = 4096;
	if ((buf = malloc(cap)) == NULL)
		goto nomem;
	/* At most max + 1 bytes: the one past max tells a file that grew
	 * after the size check. */
	while ((off_t)len <= max) {
		size_t want;

		if (len == cap) {
			char *nb;

			if ((nb = realloc(buf, cap * 2)) == NULL)
				goto nomem;
			buf = nb;
			cap *= 2;
		}
		want = cap - len;
		if ((off_t)(len + want) > max + 1)
			want = (size_t)(max + 1 - (off_t)len);
		if ((n = fread(buf + len, 1, want, f)) == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if ((off_t)len > max) {
		snprintf(err, errlen, "%s: grew past %lld bytes while being "
		    "read", path, (long long)max);
		goto fail;
	}
	fclose(f);
	*lenp = len;
	return buf;
nomem:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/* ---- TTLs ------------------------------------------------------------ */

/*
 * A TTL as zone files write it: digits, or digits with units (1h30m).
 * Returns 1 and *v (saturated past FR_ZONE_TTL_MAX) for a TTL, 0 for a
 * token that is not one.
 */
static int
ttl_value(const char *s, size_t n, unsigned long long *v)
{
	unsigned long long total = 0, num;
	size_t i = 0;

	if (n == 0 || !isdigit((unsigned char)s[0]))
		return 0;
	while (i < n) {
		unsigned long long mult = 1;

		if (!isdigit((unsigned char)s[i]))
			return 0;
		for (num = 0; i < n && isdigit((unsigned char)s[i]); i++)
			if ((num = num * 10 + (unsigned)(s[i] - '0')) >
			    FR_ZONE_TTL_MAX)
				num = FR_ZONE_TTL_MAX + 1;
		if (i < n) {
			switch (tolower((unsigned char)s[i++])) {
			case 's': mult = 1; break;
			case 'm': mult = 60; break;
			case 'h': mult = 3600; break;
			case 'd': mult = 86400; break;
			case 'w': mult = 604800; break;
			default: return 0;
			}
		}
		total += num * mult;
		if (total > FR_ZONE_TTL_MAX)
			total = FR_ZONE_TTL_MAX + 1;
	}
	*v = total;
	return 1;
}

static bool
is_class(const char *s, size_t n)
{
	static const char *const classes[] = { "IN", "CH", "HS", "CS",
	    "NONE", "ANY" };
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strlen(classes[i]) == n && strncasecmp(s, classes[i], n) == 0)
			return true;
	return n > 5 && strncasecmp(s, "CLASS", 5) == 0;
}

struct scan {
	const char *p, *end;
	int line;		/* of p */
	int depth;		/* open parentheses */
};

/*
 * The next token of the current record: its start, length and line;
 * 0 at the end of the record (a newline outside parentheses).
 * Quoted strings are one token; comments are skipped.
 */
static int
next_token(struct scan *s, const char **tok, size_t *len, int *line)
{
	for (;;) {
		/* Every white space but the newline: a \v or \f that
		 * began a token of no length stalled this scan (found by
		 * tests/fuzz/zonefile_fuzz.c). */
		while (s->p < s->end && *s->p != '\n' &&
		    isspace((unsigned char)*s->p))
			s->p++;
		if (s->p == s->end)
			return 0;
		if (*s->p == ';') {
			while (s->p < s->end && *s->p != '\n')
				s->p++;
			continue;
		}
		if (*s->p == '\n') {
			if (s->depth == 0)
				return 0;
			s->p++;
			s->line++;
			continue;
		}
		if (*s->p == '(' || *s->p == ')') {
			s->depth += *s->p == '(' ? 1 : (s->depth > 0 ? -1 : 0);
			s->p++;
			continue;
		}
		break;
	}
	*tok = s->p;
	*line = s->line;
	if (*s->p == '"') {
		for (s->p++; s->p < s->end && *s->p != '"' && *s->p != '\n';
		    s->p++)
			if (*s->p == '\\' && s->p + 1 < s->end)
				s->p++;
		if (s->p < s->end && *s->p == '"')
			s->p++;
	} else {
		while (s->p < s->end && !isspace((unsigned char)*s->p) &&
		    *s->p != ';' && *s->p != '(' && *s->p != ')') {
			if (*s->p == '\\' && s->p + 1 < s->end)
				s->p++;
			s->p++;
		}
	}
	if (s->p == *tok)
		s->p++;		/* never a token of no length */
	*len = (size_t)(s->p - *tok);
	return 1;
}

/*
 * Where a TTL may stand: the value of $TTL, and in a record the one or
 * two tokens after the owner ([owner] [ttl] [class] type, or [owner]
 * [class] [ttl] type).  Returns 1 when *tok is the TTL to check, 0 when
 * it may come later, -1 when the record has no TTL left to look at.
 */
static int
ttl_position(const char *first, size_t firstlen, int pos, const char *tok,
    size_t n)
{
	if (*first == '$')
		return firstlen == 4 && strncasecmp(first, "$TTL", 4) == 0 &&
		    pos == 1 ? 1 : (pos < 1 ? 0 : -1);
	if (pos < 0)
		return 0;		/* the owner */
	if (pos > 1)
		return -1;
	return is_class(tok, n) ? 0 : 1;
}

/* Every TTL, in $TTL and in records, within RFC 2181's range. */
static int
check_ttls(const char *path, const char *buf, size_t len, char *err,
    size_t errlen)
{
	struct scan s = { buf, buf + len, 1, 0 };
	const char *tok, *first = NULL;
	size_t n, firstlen = 0;
	unsigned long long v;
	int line, k, r;

	while (s.p < s.end) {
		/* A record that starts in column 0 has an owner. */
		int skip = *s.p != '\n' && isspace((unsigned char)*s.p) ?
		    0 : 1;

		s.depth = 0;
		for (k = 0; next_token(&s, &tok, &n, &line); k++) {
			if (k == 0) {
				first = tok;
				firstlen = n;
				if (*tok == '$')
					skip = 0;
			}
			r = ttl_position(first, firstlen, k - skip, tok, n);
			if (r == 0)
				continue;
			if (r == 1 && ttl_value(tok, n, &v)) {
				if (v > FR_ZONE_TTL_MAX) {
					snprintf(err, errlen, "%s:%d: TTL %.*s "
					    "is larger than %lu (RFC 2181)",
					    path, line, (int)(n > 32 ? 32 : n),
					    tok, FR_ZONE_TTL_MAX);
					return -1;
				}
				/* [class] [ttl]: the class may follow. */
				if (k - skip == 0)
					continue;
			}
			/* The rest of the record is ldns's to judge. */
			while (next_token(&s, &tok, &n, &line))
				;
			break;
		}
		if (s.p < s.end && *s.p == '\n') {
			s.p++;
			s.line++;
		}
	}
	return 0;
}

/* ---- records through ldns -------------------------------------------- */

typedef int rr_fn(void *arg, const ldns_rr *rr, int line, char *err,
    size_t errlen);

/*
 * Parse buf record by record and hand each to fn.  Not
 * ldns_zone_new_frm_fp_l(): on a syntax error it frees its list of the
 * records read so far but not the records themselves (ldns 1.8.3), which
 * leaked a few kB at every failed reload.  Here each record is ours.
 */
static int
each_rr(const char *path, char *buf, size_t len, rr_fn *fn, void *arg,
    char *err, size_t errlen)
{
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = 3600;
	ldns_status st;
	int line = 1, rc = 0, rrline;
	FILE *f;

	if (len == 0) {
		snprintf(err, errlen, "%s: empty file", path);
		return -1;
	}
	if ((f = fmemopen(buf, len, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && !feof(f)) {
		ldns_rr *rr = NULL;

		rrline = line;
		st = ldns_rr_new_frm_fp_l(&rr, f, &ttl, &origin, &prev, &line);
		switch (st) {
		case LDNS_STATUS_OK:
			/* ldns takes a bare number for type 0 ("x 2 3");
			 * libunbound refuses the file. */
			if (ldns_rr_get_type(rr) == 0) {
				snprintf(err, errlen, "%s:%d: no record type, "
				    "or type 0", path, rrline);
				rc = -1;
			} else if (ldns_rr_get_class(rr) !=
			    LDNS_RR_CLASS_IN) {
				/* libunbound: "wrong class for RR". */
				snprintf(err, errlen, "%s:%d: class %d; only "
				    "IN records are served", path, rrline,
				    (int)ldns_rr_get_class(rr));
				rc = -1;
			} else
				rc = fn(arg, rr, rrline, err, errlen);
			ldns_rr_free(rr);
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:
		case LDNS_STATUS_SYNTAX_TTL:
		case LDNS_STATUS_SYNTAX_ORIGIN:
			break;
		case LDNS_STATUS_SYNTAX_INCLUDE:
			snprintf(err, errlen, "%s:%d: $INCLUDE is not "
			    "supported", path, rrline);
			rc = -1;
			break;
		default:
			ldns_rr_free(rr);
			/* ldns counts the line it has just read. */
			snprintf(err, errlen, "%s:%d: %s", path, rrline,
			    ldns_get_errorstr_by_id(st));
			rc = -1;
			break;
		}
	}
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	fclose(f);
	return rc;
}

struct probe {
	const char *path;
	char *origin;		/* owner of the first SOA, or NULL */
};

static int
probe_rr(void *arg, const ldns_rr *rr, int line, char *err, size_t errlen)
{
	struct probe *pr = arg;

	(void)line;
	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || pr->origin != NULL)
		return 0;
	if ((pr->origin = ldns_rdf2str(ldns_rr_owner(rr))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
fr_zonefile_probe(const char *path, char *origin, size_t originlen,
    char *abspath, size_t abspathlen, char *err, size_t errlen)
{
	char resolved[PATH_MAX], *buf;
	struct probe pr = { path, NULL };
	size_t len;
	int rc;

	if ((buf = slurp(path, FR_FILE_MAX_ZONE, &len, err, errlen)) == NULL)
		return -1;
	rc = check_ttls(path, buf, len, err, errlen);
	if (rc == 0)
		rc = each_rr(path, buf, len, probe_rr, &pr, err, errlen);
	free(buf);
	if (rc != 0) {
		free(pr.origin);
		return -1;
	}
	if (pr.origin == NULL) {
		snprintf(err, errlen, "%s: no SOA record, so no zone origin",
		    path);
		return -1;
	}
	fr_dname_normalise(pr.origin);
	if ((len = strlen(pr.origin)) >= originlen) {
		snprintf(err, errlen, "%s: origin too long", path);
		free(pr.origin);
		return -1;
	}
	memcpy(origin, pr.origin, len + 1);
	free(pr.origin);
	if (realpath(path, resolved) == NULL ||
	    strlen(resolved) >= abspathlen) {
		snprintf(err, errlen, "%s: cannot resolve its path", path);
		return -1;
	}
	snprintf(abspath, abspathlen, "%s", resolved);
	return 0;
}

struct anchor {
	const char *path;
	unsigned n;
};

static int
anchor_rr(void *arg, const ldns_rr *rr, int line, char *err, size_t errlen)
{
	struct anchor *a = arg;
	ldns_rr_type t = ldns_rr_get_type(rr);

	if (t != LDNS_RR_TYPE_DS && t != LDNS_RR_TYPE_DNSKEY) {
		snprintf(err, errlen, "%s:%d: a trust anchor is a DS or "
		    "DNSKEY record, not a record of type %d", a->path, line,
		    (int)t);
		return -1;
	}
	a->n++;
	return 0;
}

int
fr_trust_anchor_check(const char *path, char *err, size_t errlen)
{
	struct anchor a = { path, 0 };
	size_t len;
	char *buf;
	int rc;

	if ((buf = slurp(path, FR_FILE_MAX_ANCHOR, &len, err,
	    errlen)) == NULL)
		return -1;
	rc = check_ttls(path, buf, len, err, errlen);
	if (rc == 0)
		rc = each_rr(path, buf, len, anchor_rr, &a, err, errlen);
	free(buf);
	if (rc == 0 && a.n == 0) {
		snprintf(err, errlen, "%s: no DS or DNSKEY record", path);
		rc = -1;
	}
	return rc;
}
