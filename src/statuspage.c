/*
 * statuspage.c -- the HTML status page.
 *
 * Reads the live edge through router/edgeview.h and router/stats.h,
 * the resolver's cache and destination health through its own API,
 * and the allow list from the running configuration.  Long lists are
 * cut (MAX_ROWS) and say how many rows were left out, so the page stays
 * small whatever the cache holds.
 */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cache.h"
#include "conf.h"
#include "edge.h"
#include "edgeview.h"
#include "escape.h"
#include "health.h"
#include "plan.h"
#include "statuspage.h"

#define MAX_ROWS 200

static const char STYLE[] =
"body{font-family:sans-serif;margin:1.5em;color:#222}"
"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}"
"table{border-collapse:collapse}"
"th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left;"
"vertical-align:top}"
"th{background:#eee}"
".up{color:#060;font-weight:bold}.down{color:#b00;font-weight:bold}"
".other{color:#a60;font-weight:bold}.muted{color:#777}";

static const char *
html_rep(int c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

void
fr_html_text(FILE *out, const char *s)
{
	fr_web_text(out, s, html_rep, true);
}

/* <td>text</td>, escaped */
static void
cell(FILE *out, const char *s)
{
	fputs("<td>", out);
	fr_html_text(out, s);
	fputs("</td>", out);
}

static void
when(char *buf, size_t len, double at)
{
	time_t t = (time_t)at;
	struct tm tm;

	if (at <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "-");
}

/* ---------------------------------------------------------- nodes */

struct walk {
	FILE *out;
	struct fr_edge *edge;
	const struct fr_edge_stats *st;		/* this process's */
	const struct fr_stats_counts *total;	/* summed over workers */
	struct fr_health *health;
	double now;			/* the resolver's clock */
	unsigned rows, skipped;
};

static void
node_row(void *arg, const struct fr_node_view *v)
{
	struct walk *w = arg;
	FILE *out = w->out;
	char at[64], took[32];

	fputs("<tr>", out);
	cell(out, v->name);
	cell(out, v->address);
	cell(out, v->transport == FR_NODE_TLS ? "tls" : "tcp");
	if (!v->checked)
		fputs("<td class=\"other\">unchecked</td>", out);
	else if (v->up)
		fputs("<td class=\"up\">up</td>", out);
	else
		fputs("<td class=\"down\">down</td>", out);
	cell(out, v->drained ? "drained" : "in service");
	fprintf(out, "<td>%u</td><td>%u</td>", v->active, v->weight);
	when(at, sizeof(at), v->last_check_at);
	snprintf(took, sizeof(took), "%.1f ms", v->last_check_took * 1000.);
	cell(out, at);
	if (v->last_check_at > 0) {
		cell(out, took);
		fprintf(out, "<td class=\"%s\">", v->last_check_ok ? "up" :
		    "down");
		fr_html_text(out, v->last_check_ok ? "ok" : "failed");
		fputs("</td>", out);
		cell(out, v->last_check_why != NULL ? v->last_check_why : "");
	} else {
		fputs("<td></td><td></td><td></td>", out);
	}
	fputs("</tr>\n", out);
}

static void
pool_row(void *arg, const struct fr_pool_view *v)
{
	static const char *const balance[] = {
		[FR_BALANCE_ROUNDROBIN] = "roundrobin",
		[FR_BALANCE_LEASTCONN] = "leastconn",
		[FR_BALANCE_SOURCE] = "source",
	};
	struct walk *w = arg;
	FILE *out = w->out;

	fputs("<tr>", out);
	cell(out, v->name);
	cell(out, (unsigned)v->balance < sizeof(balance) / sizeof(balance[0])
	    && balance[v->balance] != NULL ? balance[v->balance] : "?");
	fprintf(out, "<td class=\"%s\">%zu of %zu usable</td>", v->up > 0 ?
	    "up" : "down", v->up, v->size);
	cell(out, v->members);
	fputs("</tr>\n", out);
}

static const struct fr_listener_stats *
listener_stats(const struct fr_stats_counts *n, const char *name)
{
	size_t i;

	for (i = 0; i < n->nlisteners; i++)
		if (strcmp(n->listeners[i].name, name) == 0)
			return &n->listeners[i];
	return NULL;
}

static void
listener_row(void *arg, const struct fr_listener_view *v)
{
	static const char *const proto[] = {
		[FR_PROTO_TCP] = "tcp", [FR_PROTO_SIP] = "sip",
		[FR_PROTO_XMPP] = "xmpp",
	};
	struct walk *w = arg;
	const struct fr_listener_stats *ls = listener_stats(w->total, v->name);
	FILE *out = w->out;
	char target[FR_NAME_MAX + 8];
	uint64_t total = 0;
	unsigned o;

	if (v->federation)
		snprintf(target, sizeof(target), "federation");
	else
		snprintf(target, sizeof(target), "%s %s", v->target_is_pool ?
		    "pool" : "node", v->target);
	fputs("<tr>", out);
	cell(out, v->name);
	cell(out, v->address);
	cell(out, (unsigned)v->proto < sizeof(proto) / sizeof(proto[0]) &&
	    proto[v->proto] != NULL ? proto[v->proto] : "?");
	cell(out, v->tls ? "yes" : "no");
	cell(out, target);
	fprintf(out, "<td class=\"%s\">%s</td>", v->accepting ? "up" : "down",
	    v->accepting ? "accepting" : "paused");
	fputs("<td>", out);
	if (ls != NULL) {
		for (o = 0; o < FR_CONN_OUTCOMES; o++)
			total += ls->conns[o];
		fprintf(out, "%" PRIu64, total);
		for (o = 0; o < FR_CONN_OUTCOMES; o++)
			if (ls->conns[o] != 0)
				fprintf(out, " <span class=\"muted\">%s "
				    "%" PRIu64 "</span>",
				    fr_conn_outcome_name(o), ls->conns[o]);
	}
	fputs("</td></tr>\n", out);
}

/* -------------------------------------------------------- domains */

static void
allow_list(FILE *out, const struct fr_config *cfg)
{
	const struct fr_edge_conf *e = &cfg->edge;
	char prof[64], tp[32];
	size_t i;

	fprintf(out, "<h2>Federated domains</h2>\n<p>Policy: %s.</p>\n",
	    e->federation.policy == FR_POLICY_OPEN ? "open (any domain)" :
	    "allow-list");
	if (e->ndomains == 0) {
		fputs("<p class=\"muted\">No domain: section.</p>\n", out);
		return;
	}
	fputs("<table><tr><th>domain</th><th>federates by</th>"
	    "<th>transports</th></tr>\n", out);
	for (i = 0; i < e->ndomains; i++) {
		const struct fr_domain_conf *d = &e->domains[i];

		snprintf(prof, sizeof(prof), "%s%s%s",
		    d->profiles & FR_FED_SIP ? "sip " : "",
		    d->profiles & FR_FED_MSFED ? "ms-fed " : "",
		    d->profiles & FR_FED_XMPP ? "xmpp-s2s" : "");
		snprintf(tp, sizeof(tp), "%s%s",
		    d->transports & FR_TRANSPORT_BIT(FR_TRANSPORT_TLS) ?
		    "tls " : "",
		    d->transports & FR_TRANSPORT_BIT(FR_TRANSPORT_TCP) ?
		    "tcp" : "");
		fputs("<tr>", out);
		cell(out, d->name);
		cell(out, prof);
		cell(out, tp);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* One cached plan: its domain, and each target with its health. */
static void
cache_row(void *arg, const struct fr_cache_view *view, double stale_left)
{
	struct walk *w = arg;
	const struct fr_plan *p = view->plan;
	FILE *out = w->out;
	char buf[FR_DNAME_MAX + 64], ip[64];
	struct fr_health_state hs;
	size_t i, j;

	if (w->rows >= MAX_ROWS) {
		w->skipped++;
		return;
	}
	w->rows++;
	fputs("<tr>", out);
	cell(out, p->domain);
	cell(out, fr_profile_name(p->profile));
	cell(out, fr_result_name(p->result));
	if (view->ttl_left >= 0)
		snprintf(buf, sizeof(buf), "%.0f s", view->ttl_left);
	else
		snprintf(buf, sizeof(buf), "expired; stale for %.0f s more",
		    stale_left > 0 ? stale_left : 0.);
	cell(out, buf);
	fputs("<td>", out);
	for (i = 0; i < p->ntargets; i++) {
		const struct fr_target *t = &p->targets[i];

		snprintf(buf, sizeof(buf), "%s:%u %s", t->host, t->port,
		    fr_transport_name(t->transport));
		fputs(i == 0 ? "" : "<br>", out);
		fr_html_text(out, buf);
		for (j = 0; j < t->naddrs; j++) {
			bool down = w->health != NULL && fr_health_get(
			    w->health, &t->addrs[j], t->port, t->transport,
			    w->now, &hs) && hs.down;

			fr_address_str(&t->addrs[j], ip, sizeof(ip));
			fprintf(out, " <span class=\"%s\">", down ? "down" :
			    "up");
			fr_html_text(out, ip);
			fprintf(out, " %s</span>", down ? "down" : "ok");
		}
		if (t->naddrs == 0)
			fputs(" <span class=\"muted\">no address</span>", out);
	}
	if (p->ntargets == 0)
		fputs("<span class=\"muted\">none</span>", out);
	fputs("</td></tr>\n", out);
}

static void
health_row(void *arg, const struct fr_address *addr, uint16_t port,
    enum fr_transport tp, const struct fr_health_state *st)
{
	struct walk *w = arg;
	FILE *out = w->out;
	char ip[64], buf[96];

	if (!st->down)
		return;
	if (w->rows >= MAX_ROWS) {
		w->skipped++;
		return;
	}
	w->rows++;
	fr_address_str(addr, ip, sizeof(ip));
	snprintf(buf, sizeof(buf), addr->family == AF_INET6 ? "[%s]:%u %s" :
	    "%s:%u %s", ip, port, fr_transport_name(tp));
	fputs("<tr>", out);
	cell(out, buf);
	fprintf(out, "<td>%u</td>", st->failures);
	cell(out, st->reason);
	snprintf(buf, sizeof(buf), "%.0f s", st->down_until - w->now);
	cell(out, buf);
	fputs("</tr>\n", out);
}

static void
cut_note(FILE *out, struct walk *w)
{
	if (w->skipped > 0)
		fprintf(out, "<p class=\"muted\">%u more not shown.</p>\n",
		    w->skipped);
	w->rows = w->skipped = 0;
}

static void
resolver(FILE *out, struct walk *w)
{
	struct fr_resolver *res = fr_edge_resolver(w->edge);

	if (res == NULL)
		return;
	w->health = fr_resolver_health(res);
	w->now = fr_resolver_now(res);
	fputs("<h2>Foreign domains resolved</h2>\n<table><tr><th>domain"
	    "</th><th>profile</th><th>result</th><th>TTL left</th>"
	    "<th>targets, in order, and their health</th></tr>\n", out);
	fr_cache_each(fr_resolver_cache(res), w->now, cache_row, w);
	fputs("</table>\n", out);
	cut_note(out, w);
	fputs("<h2>Destinations marked down</h2>\n<table><tr><th>destination"
	    "</th><th>failures</th><th>why</th><th>down for</th></tr>\n",
	    out);
	fr_health_each(w->health, w->now, health_row, w);
	fputs("</table>\n", out);
	cut_note(out, w);
}

/* ------------------------------------------------------------ page */

static void
failures(FILE *out, const struct fr_edge_stats *st)
{
	uint64_t i, first;
	char at[64];

	fputs("<h2>Recent failures</h2>\n", out);
	if (st->nrecent == 0) {
		fputs("<p class=\"muted\">None.</p>\n", out);
		return;
	}
	fputs("<table><tr><th>when</th><th>what</th></tr>\n", out);
	first = st->nrecent > FR_STATS_RECENT ? st->nrecent -
	    FR_STATS_RECENT : 0;
	for (i = st->nrecent; i > first; i--) {
		const struct fr_failure *f = &st->recent[(i - 1) %
		    FR_STATS_RECENT];

		when(at, sizeof(at), f->at);
		fputs("<tr>", out);
		cell(out, at);
		cell(out, f->what);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void
daemon_part(FILE *out, struct fr_edge *edge,
    const struct fr_status_info *info)
{
	char started[64], loaded[64], who[64];
	time_t now = time(NULL);

	when(started, sizeof(started), (double)info->started);
	when(loaded, sizeof(loaded), (double)info->loaded);
	if (info->worker != 0)
		snprintf(who, sizeof(who), "worker %u of %u (its own figures)",
		    info->worker, info->nworkers);
	else
		snprintf(who, sizeof(who), "one process");
	fprintf(out, "<table><tr><th>version</th><td>%s</td></tr>\n",
	    PACKAGE_VERSION);
	fputs("<tr><th>configuration</th>", out);
	cell(out, info->path);
	fputs("</tr>\n<tr><th>loaded</th>", out);
	cell(out, loaded);
	fputs("</tr>\n<tr><th>started</th>", out);
	cell(out, started);
	fprintf(out, "</tr>\n<tr><th>uptime</th><td>%lld s</td></tr>\n",
	    (long long)(now - info->started));
	fputs("<tr><th>processes</th>", out);
	cell(out, who);
	fprintf(out, "</tr>\n<tr><th>state</th><td class=\"%s\">%s</td></tr>\n"
	    "<tr><th>connections open</th><td>%u</td></tr></table>\n",
	    fr_edge_draining(edge) ? "down" : "up", fr_edge_draining(edge) ?
	    "draining" : "running", fr_edge_sessions(edge));
}

int
fr_statuspage_write(FILE *out, struct fr_edge *edge,
    const struct fr_status_info *info)
{
	struct fr_stats_counts *total;
	struct walk w;
	int rc;

	if ((total = malloc(sizeof(*total))) == NULL)
		return -1;
	(void)fr_stats_total(fr_edge_stats(edge), total);
	memset(&w, 0, sizeof(w));
	w.out = out;
	w.edge = edge;
	w.st = fr_edge_stats(edge);
	w.total = total;
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><title>fedroute status</title><style>%s"
	    "</style></head>\n<body>\n<h1>fedroute status</h1>\n", STYLE);
	daemon_part(out, edge, info);

	fputs("<h2>Nodes</h2>\n<table><tr><th>node</th><th>address</th>"
	    "<th>transport</th><th>state</th><th>service</th><th>active "
	    "connections</th><th>weight</th><th>last check</th><th>took"
	    "</th><th>result</th><th>why</th></tr>\n", out);
	fr_edge_each_node(edge, node_row, &w);
	fputs("</table>\n", out);

	fputs("<h2>Pools</h2>\n<table><tr><th>pool</th><th>balance</th>"
	    "<th>members usable</th><th>members</th></tr>\n", out);
	fr_edge_each_pool(edge, pool_row, &w);
	fputs("</table>\n", out);

	fputs("<h2>Listeners</h2>\n<table><tr><th>listener</th><th>address"
	    "</th><th>protocol</th><th>tls</th><th>target</th><th>state"
	    "</th><th>connections</th></tr>\n", out);
	fr_edge_each_listener(edge, listener_row, &w);
	fputs("</table>\n", out);

	allow_list(out, info->cfg);
	resolver(out, &w);
	failures(out, w.st);
	fputs("<p class=\"muted\">Read-only.  Counters: <a href=\"/metrics\">"
	    "/metrics</a>.</p>\n</body></html>\n", out);
	rc = ferror(out) ? -1 : 0;
	free(total);
	return rc;
}
