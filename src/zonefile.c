/*
 * zonefile.c -- zone file origin and syntax check, through ldns.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "util.h"
#include "zonefile.h"

int
fr_zonefile_probe(const char *path, char *origin, size_t originlen,
    char *abspath, size_t abspathlen, char *err, size_t errlen)
{
	char resolved[PATH_MAX], *s;
	ldns_zone *zone = NULL;
	ldns_status st;
	ldns_rr *soa;
	int line = 1;
	size_t len;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	st = ldns_zone_new_frm_fp_l(&zone, f, NULL, 3600, LDNS_RR_CLASS_IN,
	    &line);
	fclose(f);
	if (st != LDNS_STATUS_OK) {
		snprintf(err, errlen, "%s:%d: %s", path, line,
		    ldns_get_errorstr_by_id(st));
		return -1;
	}
	if ((soa = ldns_zone_soa(zone)) == NULL) {
		snprintf(err, errlen, "%s: no SOA record, so no zone origin",
		    path);
		ldns_zone_deep_free(zone);
		return -1;
	}
	if ((s = ldns_rdf2str(ldns_rr_owner(soa))) == NULL) {
		snprintf(err, errlen, "out of memory");
		ldns_zone_deep_free(zone);
		return -1;
	}
	ldns_zone_deep_free(zone);
	fr_dname_normalise(s);
	if ((len = strlen(s)) >= originlen) {
		snprintf(err, errlen, "%s: origin too long", path);
		free(s);
		return -1;
	}
	memcpy(origin, s, len + 1);
	free(s);
	if (realpath(path, resolved) == NULL ||
	    strlen(resolved) >= abspathlen) {
		snprintf(err, errlen, "%s: cannot resolve its path", path);
		return -1;
	}
	snprintf(abspath, abspathlen, "%s", resolved);
	return 0;
}
