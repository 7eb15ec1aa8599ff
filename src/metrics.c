/*
 * metrics.c -- the Prometheus text format of the edge's counters.
 *
 * Reads only: the counters (router/stats.h: fr_stats_total(), the sum
 * over the workers when there are several),
 * the resolver's cache figures, and the configuration.  Nothing here
 * allocates beyond what out does.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "conf.h"
#include "edge.h"
#include "edgeview.h"
#include "escape.h"
#include "metrics.h"
#include "routing.h"

void
fr_web_text(FILE *out, const char *s, fr_web_rep_fn *rep, bool controls)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;
	const char *r;
	uint32_t cp;

	while (n > 0) {
		if ((r = rep(*p)) != NULL) {
			fputs(r, out);
			len = 1;
		} else if ((len = fr_utf8_decode(p, n, &cp)) == 0 ||
		    (controls && fr_cp_is_control(cp))) {
			fputs("\xef\xbf\xbd", out);	/* U+FFFD */
			len = len == 0 ? 1 : len;
		} else {
			fwrite(p, 1, len, out);
		}
		p += len;
		n -= len;
	}
}

/* The text format's three escapes in a label value. */
static const char *
label_rep(int c)
{
	return c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" :
	    NULL;
}

void
fr_metrics_label(FILE *out, const char *s)
{
	fr_web_text(out, s, label_rep, false);
}

static void
head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{label="value"} v */
static void
sample1(FILE *out, const char *name, const char *label, const char *value,
    uint64_t v)
{
	fprintf(out, "%s{%s=\"", name, label);
	fr_metrics_label(out, value);
	fprintf(out, "\"} %" PRIu64 "\n", v);
}

static void
histogram(FILE *out, const char *name, const char *help,
    const struct fr_histogram *h)
{
	uint64_t cum = 0;
	size_t i;

	head(out, name, "histogram", help);
	for (i = 0; i < FR_HIST_BOUNDS; i++) {
		cum += h->bucket[i];
		fprintf(out, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name,
		    fr_hist_bounds[i], cum);
	}
	cum += h->bucket[FR_HIST_BOUNDS];
	fprintf(out, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cum);
	fprintf(out, "%s_sum %.9g\n%s_count %" PRIu64 "\n", name, h->sum,
	    name, h->count);
}

static void
connections(FILE *out, struct fr_edge *edge, const struct fr_stats_counts *st)
{
	const struct fr_listener_stats *ls;
	size_t i;
	unsigned o;

	head(out, "fedroute_connections_total", "counter", "Connections "
	    "accepted on a listener, by how they ended.");
	for (i = 0; i < st->nlisteners; i++)
		for (o = 0, ls = &st->listeners[i]; o < FR_CONN_OUTCOMES; o++) {
			fputs("fedroute_connections_total{listener=\"", out);
			fr_metrics_label(out, ls->name);
			fprintf(out, "\",outcome=\"%s\"} %" PRIu64 "\n",
			    fr_conn_outcome_name(o), ls->conns[o]);
		}
	head(out, "fedroute_connections_active", "gauge", "Connections open "
	    "now: relayed sessions and SIP connections accepted.");
	fprintf(out, "fedroute_connections_active %u\n",
	    fr_edge_sessions(edge));
	head(out, "fedroute_relayed_bytes_total", "counter", "Bytes relayed "
	    "by TCP, TLS and XMPP sessions, counted when a session ends.");
	for (i = 0; i < st->nlisteners; i++) {
		ls = &st->listeners[i];
		fputs("fedroute_relayed_bytes_total{listener=\"", out);
		fr_metrics_label(out, ls->name);
		fprintf(out, "\",direction=\"from_client\"} %" PRIu64 "\n",
		    ls->bytes_from_client);
		fputs("fedroute_relayed_bytes_total{listener=\"", out);
		fr_metrics_label(out, ls->name);
		fprintf(out, "\",direction=\"to_client\"} %" PRIu64 "\n",
		    ls->bytes_to_client);
	}
}

static void
sip(FILE *out, const struct fr_stats_counts *st)
{
	static const char *const class[6] = {
		"1xx", "2xx", "3xx", "4xx", "5xx", "6xx",
	};
	unsigned i;

	head(out, "fedroute_sip_requests_total", "counter", "SIP requests "
	    "the proxy read, from nodes and foreign servers, by method.");
	for (i = 0; i < FR_SIPM_COUNT; i++)
		sample1(out, "fedroute_sip_requests_total", "method",
		    fr_sip_method_stat_name(i), st->sip_requests[i]);
	head(out, "fedroute_sip_responses_total", "counter", "SIP responses "
	    "the proxy read, by status class.");
	for (i = 0; i < 6; i++)
		sample1(out, "fedroute_sip_responses_total", "class", class[i],
		    st->sip_responses[i]);
	head(out, "fedroute_sip_local_responses_total", "counter", "SIP "
	    "responses the proxy made itself, by status class.");
	for (i = 0; i < 6; i++)
		sample1(out, "fedroute_sip_local_responses_total", "class",
		    class[i], st->sip_local_responses[i]);
}

static void
routing(FILE *out, struct fr_edge *edge, const struct fr_stats_counts *st)
{
	const struct fr_cache_stats *cs;
	struct fr_resolver *res;
	unsigned i;

	head(out, "fedroute_routing_decisions_total", "counter", "Where "
	    "requests and streams for foreign domains went, by the source "
	    "of the decision.");
	for (i = 0; i < FR_STATS_DECISIONS; i++)
		sample1(out, "fedroute_routing_decisions_total", "source",
		    fr_decision_name(i), st->decisions[i]);
	histogram(out, "fedroute_resolution_duration_seconds", "DNS "
	    "resolutions routing waited for (cache answers apart), by "
	    "duration.", &st->resolution);
	if ((res = fr_edge_resolver(edge)) == NULL)
		return;		/* no sip or xmpp listener: no resolver */
	cs = fr_resolver_cache_stats(res);
	head(out, "fedroute_resolver_cache_lookups_total", "counter",
	    "Lookups in the resolver's cache, by result.");
	sample1(out, "fedroute_resolver_cache_lookups_total", "result", "hit",
	    cs->hits);
	sample1(out, "fedroute_resolver_cache_lookups_total", "result",
	    "miss", cs->misses);
	sample1(out, "fedroute_resolver_cache_lookups_total", "result",
	    "stale", cs->stale_served);
	head(out, "fedroute_resolver_cache_entries", "gauge", "Entries in "
	    "the resolver's cache.");
	fprintf(out, "fedroute_resolver_cache_entries %zu\n", cs->entries);
	head(out, "fedroute_resolver_cache_bytes", "gauge", "Bytes the "
	    "resolver's cache holds.");
	fprintf(out, "fedroute_resolver_cache_bytes %zu\n", cs->bytes);
	head(out, "fedroute_destinations_down", "gauge", "Foreign "
	    "destinations (address, port, transport) marked down now.");
	fprintf(out, "fedroute_destinations_down %zu\n",
	    fr_health_count(fr_resolver_health(res)));
}

static void
health(FILE *out, const struct fr_stats_counts *st)
{
	histogram(out, "fedroute_health_check_duration_seconds", "Health "
	    "checks of the nodes, by duration.", &st->check);
	head(out, "fedroute_health_check_failures_total", "counter",
	    "Health checks of the nodes that failed.");
	fprintf(out, "fedroute_health_check_failures_total %" PRIu64 "\n",
	    st->checks_failed);
	head(out, "fedroute_node_transitions_total", "counter", "Verdicts "
	    "that set a node's state: first verdicts, and changes.");
	sample1(out, "fedroute_node_transitions_total", "state", "up",
	    st->node_went_up);
	sample1(out, "fedroute_node_transitions_total", "state", "down",
	    st->node_went_down);
}

/* Gauges of the nodes and pools as they are now (edgeview.h), one
 * family at a time: the format wants a family's samples together. */
enum node_gauge { NG_UP, NG_DRAINED, NG_ACTIVE, NG_WEIGHT, NG_CHECK };

struct gauge_walk {
	FILE *out;
	enum node_gauge which;
};

static void
node_sample(void *arg, const struct fr_node_view *v)
{
	static const char *const names[] = {
		[NG_UP] = "fedroute_node_up",
		[NG_DRAINED] = "fedroute_node_drained",
		[NG_ACTIVE] = "fedroute_node_active_connections",
		[NG_WEIGHT] = "fedroute_node_weight",
		[NG_CHECK] = "fedroute_node_last_check_duration_seconds",
	};
	struct gauge_walk *w = arg;

	if (w->which == NG_CHECK && v->last_check_at <= 0)
		return;		/* none yet (or check: none) */
	fprintf(w->out, "%s{node=\"", names[w->which]);
	fr_metrics_label(w->out, v->name);
	fputs("\"} ", w->out);
	switch (w->which) {
	case NG_UP:
		fprintf(w->out, "%d\n", v->up ? 1 : 0);
		break;
	case NG_DRAINED:
		fprintf(w->out, "%d\n", v->drained ? 1 : 0);
		break;
	case NG_ACTIVE:
		fprintf(w->out, "%u\n", v->active);
		break;
	case NG_WEIGHT:
		fprintf(w->out, "%u\n", v->weight);
		break;
	case NG_CHECK:
		fprintf(w->out, "%.6f\n", v->last_check_took);
		break;
	}
}

static void
pool_sample(void *arg, const struct fr_pool_view *v)
{
	struct gauge_walk *w = arg;

	fputs("fedroute_pool_members_usable{pool=\"", w->out);
	fr_metrics_label(w->out, v->name);
	fprintf(w->out, "\"} %zu\n", v->up);
}

static void
nodes(FILE *out, struct fr_edge *edge)
{
	static const char *const help[][2] = {
		[NG_UP] = { "fedroute_node_up", "1 when the node's health "
		    "verdict is up." },
		[NG_DRAINED] = { "fedroute_node_drained", "1 when the node "
		    "is drained: no new connection or dialog goes to it." },
		[NG_ACTIVE] = { "fedroute_node_active_connections",
		    "Relayed connections to the node now." },
		[NG_WEIGHT] = { "fedroute_node_weight", "The node's weight "
		    "in balancing." },
		[NG_CHECK] = { "fedroute_node_last_check_duration_seconds",
		    "How long the node's latest health check took." },
	};
	struct gauge_walk w;
	unsigned i;

	w.out = out;
	for (i = 0; i < sizeof(help) / sizeof(help[0]); i++) {
		head(out, help[i][0], "gauge", help[i][1]);
		w.which = (enum node_gauge)i;
		fr_edge_each_node(edge, node_sample, &w);
	}
	head(out, "fedroute_pool_members_usable", "gauge", "Members of the "
	    "pool that are up and not drained.");
	fr_edge_each_pool(edge, pool_sample, &w);
}

static void
tls(FILE *out, const struct fr_stats_counts *st)
{
	static const char *const role[2] = { "server", "client" };
	static const char *const result[2] = { "ok", "failed" };
	unsigned r, k;

	head(out, "fedroute_tls_handshakes_total", "counter", "TLS "
	    "handshakes of relayed and proxied connections (health checks "
	    "apart), as server or client, by result.");
	for (r = 0; r < 2; r++)
		for (k = 0; k < 2; k++)
			fprintf(out, "fedroute_tls_handshakes_total{role=\"%s\","
			    "result=\"%s\"} %" PRIu64 "\n", role[r], result[k],
			    st->tls[r][k]);
}

int
fr_metrics_write(FILE *out, struct fr_edge *edge,
    const struct fr_status_info *info)
{
	struct fr_stats_counts *st;
	unsigned nproc;

	/* The sum over the workers: 11 KB, from the heap. */
	if ((st = malloc(sizeof(*st))) == NULL)
		return -1;
	nproc = fr_stats_total(fr_edge_stats(edge), st);
	head(out, "fedroute_build_info", "gauge", "The running version.");
	fprintf(out, "fedroute_build_info{version=\"%s\"} 1\n",
	    PACKAGE_VERSION);
	head(out, "fedroute_start_time_seconds", "gauge", "When the daemon "
	    "(this worker) started, in seconds since the epoch.");
	fprintf(out, "fedroute_start_time_seconds %lld\n",
	    (long long)info->started);
	head(out, "fedroute_config_load_time_seconds", "gauge", "When the "
	    "running configuration was loaded, in seconds since the epoch.");
	fprintf(out, "fedroute_config_load_time_seconds %lld\n",
	    (long long)info->loaded);
	connections(out, edge, st);
	sip(out, st);
	routing(out, edge, st);
	health(out, st);
	nodes(out, edge);
	tls(out, st);
	head(out, "fedroute_processes_counted", "gauge", "Processes whose "
	    "counters are summed here: 1, or the workers that have "
	    "published theirs.");
	fprintf(out, "fedroute_processes_counted %u\n", nproc);
	free(st);
	return ferror(out) ? -1 : 0;
}
