/*
 * plan.c -- plan containers and the names the outputs print.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan.h"
#include "util.h"

struct fr_plan *
fr_plan_new(enum fr_profile profile, const char *input)
{
	struct fr_plan *plan;

	if ((plan = calloc(1, sizeof(*plan))) == NULL)
		return NULL;
	if ((plan->input = strdup(input ? input : "")) == NULL) {
		free(plan);
		return NULL;
	}
	plan->profile = profile;
	plan->result = FR_RESULT_NODATA;
	plan->port = -1;
	plan->transports = FR_TRANSPORTS_ALL;
	return plan;
}

void
fr_plan_free(struct fr_plan *plan)
{
	size_t i;

	if (plan == NULL)
		return;
	if (plan->refs > 1) {
		plan->refs--;
		return;
	}
	if (plan->arena) {
		fr_plan_free(plan->base);	/* a view's canonical plan */
		free(plan);
		return;
	}
	for (i = 0; i < plan->ntargets; i++) {
		free(plan->targets[i].addrs);
		free((char *)(uintptr_t)plan->targets[i].host);
	}
	for (i = 0; i < plan->nfindings; i++)
		free(plan->findings[i].message);
	free(plan->targets);
	free(plan->trace);
	free(plan->findings);
	free(plan->input);
	free(plan);
}

struct fr_plan *
fr_plan_ref(struct fr_plan *plan)
{
	if (plan->refs == 0)
		plan->refs = 1;
	plan->refs++;
	return plan;
}

static const char *
str_or_empty(const char *s)
{
	return s != NULL ? s : "";
}

int
fr_plan_add_target(struct fr_plan *plan, const struct fr_target *t)
{
	const char *host = str_or_empty(t->host), *srv = str_or_empty(t->srv);
	const char *cname = str_or_empty(t->cname);
	size_t hl = strlen(host) + 1, sl = strlen(srv) + 1;
	size_t cl = strlen(cname) + 1;
	struct fr_address *addrs = NULL;
	struct fr_target *slot;
	char *strs;

	/* host, srv and cname in one block, freed through host. */
	if ((strs = malloc(hl + sl + cl)) == NULL)
		return -1;
	memcpy(strs, host, hl);
	memcpy(strs + hl, srv, sl);
	memcpy(strs + hl + sl, cname, cl);
	if (t->naddrs > 0) {
		addrs = calloc(t->naddrs, sizeof(*addrs));
		if (addrs == NULL) {
			free(strs);
			return -1;
		}
		memcpy(addrs, t->addrs, t->naddrs * sizeof(*addrs));
	}
	slot = fr_array_grow(&plan->targets, &plan->ntargets, sizeof(*slot));
	if (slot == NULL) {
		free(addrs);
		free(strs);
		return -1;
	}
	*slot = *t;
	slot->addrs = addrs;
	slot->host = strs;
	slot->srv = strs + hl;
	slot->cname = strs + hl + sl;
	return 0;
}

struct fr_trace_entry *
fr_plan_add_trace(struct fr_plan *plan)
{
	return fr_array_grow(&plan->trace, &plan->ntrace,
	    sizeof(struct fr_trace_entry));
}

int
fr_plan_add_finding(struct fr_plan *plan, enum fr_finding_id id,
    enum fr_severity severity, const char *fmt, ...)
{
	struct fr_finding *f;
	char *msg;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	f = fr_array_grow(&plan->findings, &plan->nfindings, sizeof(*f));
	if (f == NULL) {
		free(msg);
		return -1;
	}
	f->id = id;
	f->severity = severity;
	f->message = msg;
	return 0;
}

/* ---- one-allocation copies --------------------------------------------- */

#define ALIGN_UP(n) (((n) + _Alignof(max_align_t) - 1) & \
	~(size_t)(_Alignof(max_align_t) - 1))

/* The bytes of a target's strings, with their terminators. */
static size_t
target_strlen(const struct fr_target *t)
{
	return strlen(str_or_empty(t->host)) + strlen(str_or_empty(t->srv)) +
	    strlen(str_or_empty(t->cname)) + 3;
}

/* Copy s to *at and advance it; returns the copy. */
static const char *
put_str(char **at, const char *s)
{
	size_t len = strlen(str_or_empty(s)) + 1;
	char *copy = *at;

	memcpy(copy, str_or_empty(s), len);
	*at += len;
	return copy;
}

/* Layout of a copy: the plan, then each array, then the strings. */
static size_t
bytes_with(const struct fr_plan *plan, const struct fr_finding *extra,
    size_t nextra)
{
	size_t n = ALIGN_UP(sizeof(*plan)), i;

	n += ALIGN_UP(plan->ntargets * sizeof(*plan->targets));
	for (i = 0; i < plan->ntargets; i++)
		n += ALIGN_UP(plan->targets[i].naddrs *
		    sizeof(*plan->targets[i].addrs));
	for (i = 0; i < plan->ntargets; i++)
		n += target_strlen(&plan->targets[i]);
	n += ALIGN_UP(plan->ntrace * sizeof(*plan->trace));
	n += ALIGN_UP((plan->nfindings + nextra) * sizeof(*plan->findings));
	for (i = 0; i < plan->nfindings; i++)
		n += strlen(plan->findings[i].message) + 1;
	for (i = 0; i < nextra; i++)
		n += strlen(extra[i].message) + 1;
	n += strlen(plan->input) + 1;
	return n;
}

size_t
fr_plan_bytes(const struct fr_plan *plan)
{
	return bytes_with(plan, NULL, 0);
}

struct fr_plan *
fr_plan_copy(const struct fr_plan *src)
{
	return fr_plan_copy_with(src, NULL, 0, NULL);
}

struct fr_plan *
fr_plan_copy_with(const struct fr_plan *src, const struct fr_finding *extra,
    size_t nextra, const size_t *order)
{
	size_t size = bytes_with(src, extra, nextra), i, len;
	struct fr_plan *p;
	char *at;

	if ((p = malloc(size)) == NULL)
		return NULL;
	*p = *src;
	p->arena = true;
	p->refs = 0;
	p->base = NULL;
	at = (char *)p + ALIGN_UP(sizeof(*p));
#define TAKE(field, count) do {						\
		size_t bytes_ = (count) * sizeof(*(field));		\
		if (bytes_ > 0)						\
			memcpy(at, (field), bytes_);			\
		(field) = (void *)at;					\
		at += ALIGN_UP(bytes_);					\
	} while (0)
	if (order != NULL) {
		for (i = 0; i < src->ntargets; i++)
			memcpy(at + i * sizeof(*src->targets),
			    &src->targets[order[i]], sizeof(*src->targets));
		p->targets = (void *)at;
		at += ALIGN_UP(src->ntargets * sizeof(*src->targets));
	} else {
		TAKE(p->targets, src->ntargets);
	}
	for (i = 0; i < src->ntargets; i++)
		TAKE(p->targets[i].addrs, p->targets[i].naddrs);
	TAKE(p->trace, src->ntrace);
#undef TAKE
	if (src->nfindings > 0)
		memcpy(at, src->findings,
		    src->nfindings * sizeof(*src->findings));
	if (nextra > 0)
		memcpy(at + src->nfindings * sizeof(*src->findings), extra,
		    nextra * sizeof(*extra));
	p->findings = (void *)at;
	p->nfindings = src->nfindings + nextra;
	at += ALIGN_UP(p->nfindings * sizeof(*p->findings));
	for (i = 0; i < p->nfindings; i++) {
		len = strlen(p->findings[i].message) + 1;
		memcpy(at, p->findings[i].message, len);
		p->findings[i].message = at;
		at += len;
	}
	for (i = 0; i < p->ntargets; i++) {
		p->targets[i].host = put_str(&at, p->targets[i].host);
		p->targets[i].srv = put_str(&at, p->targets[i].srv);
		p->targets[i].cname = put_str(&at, p->targets[i].cname);
	}
	len = strlen(src->input) + 1;
	memcpy(at, src->input, len);
	p->input = at;
	return p;
}

/* ---- views -------------------------------------------------------------- */

static size_t
view_bytes(const struct fr_plan *base, const struct fr_finding *extra,
    size_t nextra, bool own_addrs)
{
	size_t n = ALIGN_UP(sizeof(*base)), i;

	n += ALIGN_UP(base->ntargets * sizeof(*base->targets));
	if (own_addrs)
		for (i = 0; i < base->ntargets; i++)
			n += ALIGN_UP(base->targets[i].naddrs *
			    sizeof(*base->targets[i].addrs));
	n += ALIGN_UP((base->nfindings + nextra) * sizeof(*base->findings));
	for (i = 0; i < nextra; i++)
		n += strlen(extra[i].message) + 1;
	return n;
}

size_t
fr_plan_view_bytes(const struct fr_plan *view)
{
	const char *lo = (const char *)view, *hi = (const char *)view->findings;
	bool own_addrs = false;
	size_t i;

	if (view->base == NULL)
		return fr_plan_bytes(view);
	/* Own addresses lie between the targets and the findings. */
	for (i = 0; i < view->ntargets; i++)
		if (view->targets[i].naddrs > 0) {
			const char *a = (const char *)view->targets[i].addrs;

			own_addrs = a > lo && a < hi;
			break;
		}
	return view_bytes(view->base, view->findings + view->base->nfindings,
	    view->nfindings - view->base->nfindings, own_addrs);
}

struct fr_plan *
fr_plan_view(struct fr_plan *base, const struct fr_finding *extra,
    size_t nextra, const size_t *order, bool own_addrs)
{
	size_t size = view_bytes(base, extra, nextra, own_addrs), i, len;
	struct fr_plan *v;
	char *at;

	if ((v = malloc(size)) == NULL)
		return NULL;
	*v = *base;
	v->arena = true;
	v->refs = 0;
	v->base = fr_plan_ref(base);
	at = (char *)v + ALIGN_UP(sizeof(*v));
	v->targets = (void *)at;
	for (i = 0; i < base->ntargets; i++)
		v->targets[i] = base->targets[order ? order[i] : i];
	at += ALIGN_UP(base->ntargets * sizeof(*base->targets));
	for (i = 0; own_addrs && i < base->ntargets; i++) {
		struct fr_target *t = &v->targets[i];
		size_t bytes = t->naddrs * sizeof(*t->addrs);

		if (bytes > 0)
			memcpy(at, t->addrs, bytes);
		t->addrs = (void *)at;
		at += ALIGN_UP(bytes);
	}
	v->findings = (void *)at;
	if (base->nfindings > 0)
		memcpy(v->findings, base->findings,
		    base->nfindings * sizeof(*base->findings));
	if (nextra > 0)
		memcpy(v->findings + base->nfindings, extra,
		    nextra * sizeof(*extra));
	v->nfindings = base->nfindings + nextra;
	at += ALIGN_UP(v->nfindings * sizeof(*v->findings));
	for (i = base->nfindings; i < v->nfindings; i++) {
		len = strlen(v->findings[i].message) + 1;
		memcpy(at, v->findings[i].message, len);
		v->findings[i].message = at;
		at += len;
	}
	return v;
}

bool
fr_plan_min_ttl(const struct fr_plan *plan, uint32_t *ttl)
{
	bool found = false;
	size_t i;

	for (i = 0; i < plan->ntrace; i++) {
		if (!plan->trace[i].has_ttl)
			continue;
		if (!found || plan->trace[i].ttl < *ttl)
			*ttl = plan->trace[i].ttl;
		found = true;
	}
	return found;
}

bool
fr_plan_has_failure(const struct fr_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->ntrace; i++)
		if (plan->trace[i].status == FR_DNS_SERVFAIL ||
		    plan->trace[i].status == FR_DNS_TIMEOUT ||
		    plan->trace[i].status == FR_DNS_BOGUS)
			return true;
	return false;
}

bool
fr_plan_has_severity(const struct fr_plan *plan, enum fr_severity sev)
{
	size_t i;

	for (i = 0; i < plan->nfindings; i++)
		if (plan->findings[i].severity >= sev)
			return true;
	return false;
}


/* ---- names ------------------------------------------------------------ */

static const char *const profile_names[] = {
	[FR_PROFILE_SIP] = "sip",
	[FR_PROFILE_MSFED] = "ms-fed",
	[FR_PROFILE_XMPP_S2S] = "xmpp-s2s",
};

static const char *const finding_names[FR_FIND_COUNT] = {
	[FR_FIND_SRV_TARGET_CNAME] = "SRV_TARGET_CNAME",
	[FR_FIND_SRV_TARGET_NO_ADDRESS] = "SRV_TARGET_NO_ADDRESS",
	[FR_FIND_SERVICE_UNAVAILABLE] = "SERVICE_UNAVAILABLE",
	[FR_FIND_SRV_DOT_MIXED] = "SRV_DOT_MIXED",
	[FR_FIND_NAPTR_NONE_USABLE] = "NAPTR_NONE_USABLE",
	[FR_FIND_NAPTR_RECORD_IGNORED] = "NAPTR_RECORD_IGNORED",
	[FR_FIND_NO_SRV_FALLBACK_A] = "NO_SRV_FALLBACK_A",
	[FR_FIND_DOMAIN_NXDOMAIN] = "DOMAIN_NXDOMAIN",
	[FR_FIND_NO_RECORDS] = "NO_RECORDS",
	[FR_FIND_DNS_SERVFAIL] = "DNS_SERVFAIL",
	[FR_FIND_DNS_TIMEOUT] = "DNS_TIMEOUT",
	[FR_FIND_DNSSEC_BOGUS] = "DNSSEC_BOGUS",
	[FR_FIND_XMPPS_UNAVAILABLE] = "XMPPS_UNAVAILABLE",
	[FR_FIND_PLAN_TRUNCATED] = "PLAN_TRUNCATED",
	[FR_FIND_CACHE_STALE] = "CACHE_STALE",
	[FR_FIND_TARGET_DOWN] = "TARGET_DOWN",
	[FR_FIND_RESOLVER_BUSY] = "RESOLVER_BUSY",
};

const char *
fr_profile_name(enum fr_profile p)
{
	return profile_names[p];
}

int
fr_profile_parse(const char *s, enum fr_profile *out)
{
	size_t i;

	for (i = 0; i < sizeof(profile_names) / sizeof(profile_names[0]); i++) {
		if (strcasecmp(s, profile_names[i]) == 0) {
			*out = (enum fr_profile)i;
			return 0;
		}
	}
	return -1;
}


const char *
fr_result_name(enum fr_result r)
{
	static const char *const names[] = {
		[FR_RESULT_OK] = "ok",
		[FR_RESULT_NXDOMAIN] = "nxdomain",
		[FR_RESULT_NODATA] = "nodata",
		[FR_RESULT_UNAVAILABLE] = "unavailable",
		[FR_RESULT_SERVFAIL] = "servfail",
		[FR_RESULT_TIMEOUT] = "timeout",
		[FR_RESULT_BOGUS] = "bogus",
	};
	return names[r];
}

const char *
fr_source_name(enum fr_source s)
{
	static const char *const names[] = {
		[FR_SOURCE_NAPTR] = "naptr",
		[FR_SOURCE_SRV] = "srv",
		[FR_SOURCE_A] = "a",
		[FR_SOURCE_LITERAL] = "literal",
		[FR_SOURCE_ZONE] = "zone",
	};
	return names[s];
}

const char *
fr_dns_status_name(enum fr_dns_status s)
{
	static const char *const names[] = {
		[FR_DNS_ANSWER] = "answer",
		[FR_DNS_NODATA] = "nodata",
		[FR_DNS_NXDOMAIN] = "nxdomain",
		[FR_DNS_SERVFAIL] = "servfail",
		[FR_DNS_TIMEOUT] = "timeout",
		[FR_DNS_BOGUS] = "bogus",
	};
	return names[s];
}

const char *
fr_severity_name(enum fr_severity s)
{
	static const char *const names[] = {
		[FR_SEV_INFO] = "info",
		[FR_SEV_WARNING] = "warning",
		[FR_SEV_ERROR] = "error",
	};
	return names[s];
}

const char *
fr_finding_name(enum fr_finding_id id)
{
	return finding_names[id];
}

const char *
fr_cache_status_name(enum fr_cache_status s)
{
	static const char *const names[] = {
		[FR_CACHE_NONE] = "none",
		[FR_CACHE_MISS] = "miss",
		[FR_CACHE_HIT] = "hit",
		[FR_CACHE_COALESCED] = "coalesced",
		[FR_CACHE_STALE] = "stale",
	};
	return names[s];
}
