/*
 * naptr.c -- RFC 3263 section 4.1 NAPTR filtering and ordering.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "naptr.h"

static const struct {
	const char *service;
	enum fr_transport transport;
} sip_services[] = {
	{ "SIPS+D2T", FR_TRANSPORT_TLS },
	{ "SIP+D2T", FR_TRANSPORT_TCP },
	{ "SIP+D2U", FR_TRANSPORT_UDP },
	{ "SIPS+D2S", FR_TRANSPORT_SCTP_TLS },
	{ "SIP+D2S", FR_TRANSPORT_SCTP },
};

bool
fr_naptr_usable(const struct fr_naptr_rec *rec, bool sips,
    unsigned transports, enum fr_transport *transport,
    enum fr_naptr_kind *kind, const char **why)
{
	size_t i;
	int terminal = 0;
	bool found = false;

	for (i = 0; i < sizeof(sip_services) / sizeof(sip_services[0]); i++) {
		if (strcasecmp(rec->service, sip_services[i].service) == 0) {
			*transport = sip_services[i].transport;
			found = true;
			break;
		}
	}
	if (!found) {
		*why = "service is not a SIP transport of RFC 3263";
		return false;
	}
	for (i = 0; rec->flags[i] != '\0'; i++) {
		switch (rec->flags[i]) {
		case 's': case 'S':
			*kind = FR_NAPTR_SRV;
			terminal++;
			break;
		case 'a': case 'A':
			*kind = FR_NAPTR_HOST;
			terminal++;
			break;
		case 'u': case 'U': case 'p': case 'P':
			*why = "flag u/p (URI or protocol-specific) is not used by RFC 3263";
			return false;
		}
	}
	if (terminal == 0) {
		*why = "no terminal flag s or a (non-terminal NAPTR)";
		return false;
	}
	if (terminal > 1) {
		*why = "flags s and a together";
		return false;
	}
	if (rec->regexp[0] != '\0') {
		*why = "regexp set on an s/a record (RFC 3403: replacement only)";
		return false;
	}
	if (rec->replacement[0] == '\0') {
		*why = "replacement is the root";
		return false;
	}
	if (sips && !fr_transport_secure(*transport)) {
		*why = "sips: URI allows TLS transports only";
		return false;
	}
	if (!(transports & FR_TRANSPORT_BIT(*transport))) {
		*why = "transport not allowed by the transport filter";
		return false;
	}
	return true;
}

/*
 * Order, then preference, as RFC 3403 says.  Ties are broken by service
 * and replacement so the result never depends on the order in which the
 * answer listed the records.
 */
static int
naptr_cmp(const struct fr_naptr_rec *a, const struct fr_naptr_rec *b)
{
	int c;

	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	if (a->preference != b->preference)
		return a->preference < b->preference ? -1 : 1;
	if ((c = strcasecmp(a->service, b->service)) != 0)
		return c;
	return strcmp(a->replacement, b->replacement);
}

void
fr_naptr_sort(struct fr_naptr_rec *recs, size_t n)
{
	size_t i, j;

	/* Insertion sort: n is small. */
	for (i = 1; i < n; i++) {
		struct fr_naptr_rec v = recs[i];

		for (j = i; j > 0 && naptr_cmp(&recs[j - 1], &v) > 0; j--)
			recs[j] = recs[j - 1];
		recs[j] = v;
	}
}
