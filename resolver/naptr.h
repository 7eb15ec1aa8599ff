/*
 * naptr.h -- which NAPTR records RFC 3263 lets a SIP client use, and in
 * what order.
 *
 * A record is usable when its service is one of SIPS+D2T, SIP+D2T,
 * SIP+D2U, SIPS+D2S, SIP+D2S (matched case-insensitively), its transport
 * is allowed (and secure when the URI is sips:), its flags hold exactly
 * one of the terminal flags "s" (replacement is an SRV name) or "a"
 * (replacement is a host name) and no "u"/"p", and it has a replacement
 * and no regexp (RFC 3403: the two are mutually exclusive).
 */
#ifndef FR_NAPTR_H
#define FR_NAPTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

struct fr_naptr_rec {
	uint16_t order;
	uint16_t preference;
	char flags[16];
	char service[32];
	char regexp[256];
	char replacement[FR_DNAME_MAX];	/* "" for the root "." */
};

enum fr_naptr_kind { FR_NAPTR_SRV, FR_NAPTR_HOST };

/*
 * Decide whether rec is usable.  Returns true with *transport and *kind
 * set, or false with *why set to a short reason in words.
 */
bool fr_naptr_usable(const struct fr_naptr_rec *rec, bool sips,
    unsigned transports, enum fr_transport *transport,
    enum fr_naptr_kind *kind, const char **why);

/* Sort by order, then preference (RFC 3403 section 4.1); ties by
 * service and replacement, so the answer's record order never matters. */
void fr_naptr_sort(struct fr_naptr_rec *recs, size_t n);

#endif /* FR_NAPTR_H */
