/*
 * stats.c -- the edge's counters: histogram buckets, listener rows, the
 * names of outcomes and SIP methods.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "escape.h"
#include "stats.h"

/* From a millisecond to ten seconds: a cached answer, a LAN check, a
 * resolution across the internet, and the time-outs. */
const double fr_hist_bounds[FR_HIST_BOUNDS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
};

void
fr_hist_observe(struct fr_histogram *h, double seconds)
{
	size_t i;

	if (!(seconds > 0))	/* NaN too */
		seconds = 0;
	for (i = 0; i < FR_HIST_BOUNDS && seconds > fr_hist_bounds[i]; i++)
		;
	h->bucket[i]++;
	h->count++;
	h->sum += seconds;
}

const char *
fr_conn_outcome_name(enum fr_conn_outcome o)
{
	static const char *const names[FR_CONN_OUTCOMES] = {
		[FR_CONN_RELAYED] = "relayed",
		[FR_CONN_PROXIED] = "proxied",
		[FR_CONN_NO_NODE] = "no_node",
		[FR_CONN_TLS_FAILED] = "tls_failed",
		[FR_CONN_REFUSED] = "refused",
		[FR_CONN_LIMITED] = "limited",
		[FR_CONN_ABORTED] = "aborted",
		[FR_CONN_ERROR] = "error",
	};

	return (unsigned)o < FR_CONN_OUTCOMES ? names[o] : "?";
}

static const char *const method_names[FR_SIPM_COUNT] = {
	[FR_SIPM_INVITE] = "INVITE", [FR_SIPM_ACK] = "ACK",
	[FR_SIPM_BYE] = "BYE", [FR_SIPM_CANCEL] = "CANCEL",
	[FR_SIPM_OPTIONS] = "OPTIONS", [FR_SIPM_REGISTER] = "REGISTER",
	[FR_SIPM_MESSAGE] = "MESSAGE", [FR_SIPM_SUBSCRIBE] = "SUBSCRIBE",
	[FR_SIPM_NOTIFY] = "NOTIFY", [FR_SIPM_INFO] = "INFO",
	[FR_SIPM_UPDATE] = "UPDATE", [FR_SIPM_PRACK] = "PRACK",
	[FR_SIPM_REFER] = "REFER", [FR_SIPM_PUBLISH] = "PUBLISH",
	[FR_SIPM_OTHER] = "other",
};

const char *
fr_sip_method_stat_name(enum fr_sip_method_stat m)
{
	return (unsigned)m < FR_SIPM_COUNT ? method_names[m] : "?";
}

enum fr_sip_method_stat
fr_sip_method_stat_of(const char *s, size_t len)
{
	unsigned i;

	for (i = 0; i < FR_SIPM_OTHER; i++)
		if (strlen(method_names[i]) == len &&
		    memcmp(method_names[i], s, len) == 0)
			return (enum fr_sip_method_stat)i;
	return FR_SIPM_OTHER;
}

void
fr_stats_failure(struct fr_edge_stats *st, const char *fmt, ...)
{
	struct fr_failure *f;
	char raw[sizeof(f->what)];
	va_list ap;

	if (st == NULL)
		return;
	f = &st->recent[st->nrecent++ % FR_STATS_RECENT];
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	f->at = ev_time();
	fr_escape_str(f->what, sizeof(f->what), raw);
}

void
fr_stats_sip(struct fr_edge_stats *st, bool request, const char *s,
    size_t len, unsigned status)
{
	if (st == NULL)
		return;
	if (request)
		st->sip_requests[fr_sip_method_stat_of(s, len)]++;
	else if (status >= 100 && status <= 699)
		st->sip_responses[status / 100 - 1]++;
}

struct fr_listener_stats *
fr_stats_listener(struct fr_edge_stats *st, const char *name)
{
	struct fr_listener_stats *ls, *last = NULL;

	SLIST_FOREACH(ls, &st->listeners, entry) {
		if (strcmp(ls->name, name) == 0)
			return ls;
		last = ls;
	}
	if (st->nlisteners >= FR_STATS_LISTENERS_MAX) {
		if (st->other != NULL)
			return st->other;
		name = "(other)";
	}
	if ((ls = calloc(1, sizeof(*ls))) == NULL)
		return NULL;
	snprintf(ls->name, sizeof(ls->name), "%s", name);
	/* In creation order, so the output reads like the file. */
	if (last == NULL)
		SLIST_INSERT_HEAD(&st->listeners, ls, entry);
	else
		SLIST_INSERT_AFTER(last, ls, entry);
	if (st->nlisteners >= FR_STATS_LISTENERS_MAX)
		st->other = ls;
	else
		st->nlisteners++;
	return ls;
}

void
fr_stats_clear(struct fr_edge_stats *st)
{
	struct fr_listener_stats *ls;

	while ((ls = SLIST_FIRST(&st->listeners)) != NULL) {
		SLIST_REMOVE_HEAD(&st->listeners, entry);
		free(ls);
	}
	st->nlisteners = 0;
	st->other = NULL;
}
