/*
 * selfcheck.h -- `fedroute lookup --self DOMAIN`: our own publication,
 * the way a foreign edge sees it.
 *
 * One lookup per federation a foreign edge may use to reach us, each
 * with --connect (the target must answer and its certificate match):
 *
 *   ms-fed    --profile ms-fed DOMAIN      _sipfederationtls._tcp
 *   sips      sips:DOMAIN;transport=tls    _sips._tcp (SRV, as peers
 *                                          that skip NAPTR ask it)
 *   xmpp      xmpp:DOMAIN                  _xmpp-server._tcp
 *
 * On top of the lookup's own findings, SELF_RECORD_MISSING (an error that
 * leaves no route: exit 2) when the record is not published, also when
 * the lookup found another way (XMPP only through _xmpps-server).
 */
#ifndef FR_SELFCHECK_H
#define FR_SELFCHECK_H

#include <stddef.h>

#include "tester.h"

enum fr_self {
	FR_SELF_NONE,
	FR_SELF_MSFED,
	FR_SELF_SIPS,
	FR_SELF_XMPP,
};

/*
 * The lookup input and profile for one self check of domain; 0, or -1
 * when the name does not fit in len.
 */
int fr_self_query(enum fr_self kind, const char *domain, char *input,
    size_t len, enum fr_profile *profile);

/* Add the self check's findings to a lookup made for it, and judge the
 * lookup again. */
void fr_self_judge(struct fr_lookup *lk, enum fr_self kind);

#endif /* FR_SELFCHECK_H */
