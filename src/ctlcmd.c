/*
 * ctlcmd.c -- the control commands over the live edge.
 *
 * An answer is written into a memory stream (open_memstream), so the
 * text and JSON writers are the ones `fedroute` prints with, and one
 * buffer goes back to the socket.  Names that came from the network or
 * from DNS (cached domains and targets, health reasons) are checked
 * domain names or fixed texts by the time they are here; the JSON
 * writer escapes every string anyway, and text goes through
 * fr_escape_str.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "ctlcmd.h"
#include "edgeview.h"
#include "escape.h"
#include "json.h"
#include "routeprint.h"
#include "routing.h"
#include "sipuri.h"

struct fr_ctl_job {
	const struct fr_ctl_env *env;
	struct fr_ctl_cmd cmd;
	fr_ctl_done_fn *done;
	void *arg;
	struct fr_routing_req *req;	/* lookup in flight */
};

/* An answer being written. */
struct answer {
	FILE *out;
	char *buf;
	size_t len;
	struct fr_json j;
	bool json;
	double now;			/* wall clock */
};

static int
answer_open(struct answer *a, bool json)
{
	memset(a, 0, sizeof(*a));
	a->json = json;
	a->now = ev_time();
	if ((a->out = open_memstream(&a->buf, &a->len)) == NULL)
		return -1;
	if (json) {
		fr_json_init(&a->j, a->out);
		fr_json_object_begin(&a->j, NULL);
		fr_json_int(&a->j, "version", 1);
	}
	return 0;
}

/* Finish the answer: 0 with a->buf (malloc'd) and a->len, or -1. */
static int
answer_close(struct answer *a)
{
	if (a->json)
		fr_json_object_end(&a->j);	/* and its newline */
	if (fclose(a->out) != 0) {
		free(a->buf);
		a->buf = NULL;
		return -1;
	}
	return 0;
}

static void
answer_abandon(struct answer *a)
{
	if (a->out != NULL)
		fclose(a->out);
	free(a->buf);
	a->buf = NULL;
}

/* "3s ago", "2m ago", "5h ago". */
static const char *
ago(double secs, char *buf, size_t len)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(buf, len, "%.0fs", secs);
	else if (secs < 7200)
		snprintf(buf, len, "%.0fm", secs / 60);
	else
		snprintf(buf, len, "%.0fh", secs / 3600);
	return buf;
}

/* ---- nodes, pools, listeners ------------------------------------------ */

static const char *
node_state(const struct fr_node_view *v)
{
	if (!v->checked)
		return "pending";
	return v->up ? "up" : "down";
}

static void
node_text(void *arg, const struct fr_node_view *v)
{
	struct answer *a = arg;
	char when[16], why[128], state[24];

	snprintf(state, sizeof(state), "%s%s", node_state(v),
	    v->drained ? ",drained" : "");
	fprintf(a->out, "%-16s %-22s %-4s %-13s %6u %6u  %-11s ", v->name,
	    v->address, fr_config_node_transport_name(v->transport), state,
	    v->active, v->weight, fr_config_check_name(v->check));
	if (v->last_check_at == 0)
		fprintf(a->out, "-\n");
	else
		fprintf(a->out, "%s %s ago in %.0fms: %s\n",
		    v->last_check_ok ? "ok" : "failed",
		    ago(a->now - v->last_check_at, when, sizeof(when)),
		    v->last_check_took * 1000,
		    fr_escape_str(why, sizeof(why), v->last_check_why));
}

static void
node_json(void *arg, const struct fr_node_view *v)
{
	struct answer *a = arg;

	fr_json_object_begin(&a->j, NULL);
	fr_json_string(&a->j, "name", v->name);
	fr_json_string(&a->j, "address", v->address);
	fr_json_string(&a->j, "transport",
	    fr_config_node_transport_name(v->transport));
	fr_json_string(&a->j, "state", node_state(v));
	fr_json_bool(&a->j, "drained", v->drained);
	fr_json_int(&a->j, "active", v->active);
	fr_json_int(&a->j, "weight", v->weight);
	fr_json_string(&a->j, "check", fr_config_check_name(v->check));
	if (v->last_check_at == 0) {
		fr_json_null(&a->j, "last_check");
	} else {
		fr_json_object_begin(&a->j, "last_check");
		fr_json_double(&a->j, "at", v->last_check_at);
		fr_json_double(&a->j, "took_s", v->last_check_took);
		fr_json_bool(&a->j, "ok", v->last_check_ok);
		fr_json_string(&a->j, "result", v->last_check_why);
		fr_json_object_end(&a->j);
	}
	fr_json_object_end(&a->j);
}

static void
show_nodes(const struct fr_ctl_env *env, struct answer *a)
{
	if (a->json) {
		fr_json_array_begin(&a->j, "nodes");
		fr_edge_each_node(env->edge, node_json, a);
		fr_json_array_end(&a->j);
		return;
	}
	fprintf(a->out, "%-16s %-22s %-4s %-13s %6s %6s  %-11s %s\n", "NODE",
	    "ADDRESS", "TP", "STATE", "ACTIVE", "WEIGHT", "CHECK",
	    "LAST CHECK");
	fr_edge_each_node(env->edge, node_text, a);
}

static void
pool_text(void *arg, const struct fr_pool_view *v)
{
	struct answer *a = arg;

	fprintf(a->out, "%-16s %-10s %2zu/%-2zu  %s\n", v->name,
	    fr_config_balance_name(v->balance), v->up, v->size, v->members);
}

static void
pool_json(void *arg, const struct fr_pool_view *v)
{
	struct answer *a = arg;
	const char *p, *sp;
	char name[FR_NAME_MAX];

	fr_json_object_begin(&a->j, NULL);
	fr_json_string(&a->j, "name", v->name);
	fr_json_string(&a->j, "balance", fr_config_balance_name(v->balance));
	fr_json_int(&a->j, "size", (long long)v->size);
	fr_json_int(&a->j, "usable", (long long)v->up);
	fr_json_array_begin(&a->j, "members");
	for (p = v->members; *p != '\0'; p = *sp ? sp + 1 : sp) {
		sp = strchr(p, ' ');
		if (sp == NULL)
			sp = p + strlen(p);
		snprintf(name, sizeof(name), "%.*s", (int)(sp - p), p);
		fr_json_string(&a->j, NULL, name);
	}
	fr_json_array_end(&a->j);
	fr_json_object_end(&a->j);
}

static void
show_pools(const struct fr_ctl_env *env, struct answer *a)
{
	if (a->json) {
		fr_json_array_begin(&a->j, "pools");
		fr_edge_each_pool(env->edge, pool_json, a);
		fr_json_array_end(&a->j);
		return;
	}
	fprintf(a->out, "%-16s %-10s %-6s %s\n", "POOL", "BALANCE", "USABLE",
	    "MEMBERS");
	fr_edge_each_pool(env->edge, pool_text, a);
}

static const char *
listener_target(const struct fr_listener_view *v, char *buf, size_t len)
{
	if (v->federation)
		snprintf(buf, len, "federation");
	else
		snprintf(buf, len, "%s %s", v->target_is_pool ? "pool" :
		    "node", v->target);
	return buf;
}

static void
listener_text(void *arg, const struct fr_listener_view *v)
{
	struct answer *a = arg;
	char target[FR_NAME_MAX + 8];

	fprintf(a->out, "%-24s %-22s %-5s %-4s %-22s %s\n", v->name,
	    v->address, fr_config_proto_name(v->proto), v->tls ? "yes" : "no",
	    listener_target(v, target, sizeof(target)),
	    v->accepting ? "accepting" : "paused");
}

static void
listener_json(void *arg, const struct fr_listener_view *v)
{
	struct answer *a = arg;
	char target[FR_NAME_MAX + 8];

	fr_json_object_begin(&a->j, NULL);
	fr_json_string(&a->j, "name", v->name);
	fr_json_string(&a->j, "address", v->address);
	fr_json_string(&a->j, "protocol", fr_config_proto_name(v->proto));
	fr_json_bool(&a->j, "tls", v->tls);
	fr_json_string(&a->j, "target", listener_target(v, target,
	    sizeof(target)));
	fr_json_bool(&a->j, "accepting", v->accepting);
	fr_json_object_end(&a->j);
}

static void
show_listeners(const struct fr_ctl_env *env, struct answer *a)
{
	if (a->json) {
		fr_json_array_begin(&a->j, "listeners");
		fr_edge_each_listener(env->edge, listener_json, a);
		fr_json_array_end(&a->j);
		return;
	}
	fprintf(a->out, "%-24s %-22s %-5s %-4s %-22s %s\n", "LISTENER",
	    "ADDRESS", "PROTO", "TLS", "TARGET", "STATE");
	fr_edge_each_listener(env->edge, listener_text, a);
}

/* ---- domains, cache, health ------------------------------------------- */

struct domains_walk {
	struct answer *a;
	struct fr_health *health;
	double now;			/* the resolver's clock */
	size_t n;
};

static const char *
ip_str(const struct fr_address *addr, char *buf, size_t len)
{
	if (inet_ntop(addr->family, &addr->u, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

/* One address of a target: its health, if it has a record. */
static void
address_health(struct domains_walk *w, const struct fr_target *t,
    const struct fr_address *addr)
{
	struct answer *a = w->a;
	struct fr_health_state st;
	char ip[INET6_ADDRSTRLEN], left[16], why[96];
	bool known = fr_health_get(w->health, addr, t->port, t->transport,
	    w->now, &st);

	ip_str(addr, ip, sizeof(ip));
	if (a->json) {
		fr_json_object_begin(&a->j, NULL);
		fr_json_string(&a->j, "address", ip);
		fr_json_bool(&a->j, "down", known && st.down);
		if (known && st.down) {
			fr_json_double(&a->j, "down_for_s",
			    st.down_until - w->now);
			fr_json_string(&a->j, "reason", st.reason);
		}
		fr_json_object_end(&a->j);
		return;
	}
	if (known && st.down)
		fprintf(a->out, " %s (down %s more: %s)", ip,
		    ago(st.down_until - w->now, left, sizeof(left)),
		    fr_escape_str(why, sizeof(why), st.reason));
	else
		fprintf(a->out, " %s", ip);
}

static void
domain_entry(void *arg, const struct fr_cache_view *view, double stale_left)
{
	struct domains_walk *w = arg;
	struct answer *a = w->a;
	const struct fr_plan *p = view->plan;
	char ttl[16];
	size_t i, k;

	w->n++;
	if (a->json) {
		fr_json_object_begin(&a->j, NULL);
		fr_json_string(&a->j, "domain", p->domain);
		fr_json_string(&a->j, "input", p->input);
		fr_json_string(&a->j, "profile", fr_profile_name(p->profile));
		fr_json_string(&a->j, "result", fr_result_name(p->result));
		fr_json_double(&a->j, "ttl_left_s", view->ttl_left);
		fr_json_bool(&a->j, "stale", view->ttl_left < 0);
		fr_json_double(&a->j, "stale_left_s", stale_left);
		fr_json_array_begin(&a->j, "targets");
		for (i = 0; i < p->ntargets; i++) {
			const struct fr_target *t = &p->targets[i];

			fr_json_object_begin(&a->j, NULL);
			fr_json_string(&a->j, "host", t->host);
			fr_json_int(&a->j, "port", t->port);
			fr_json_string(&a->j, "transport",
			    fr_transport_name(t->transport));
			if (t->from_srv) {
				fr_json_int(&a->j, "priority", t->priority);
				fr_json_int(&a->j, "weight", t->weight);
			}
			fr_json_array_begin(&a->j, "addresses");
			for (k = 0; k < t->naddrs; k++)
				address_health(w, t, &t->addrs[k]);
			fr_json_array_end(&a->j);
			fr_json_object_end(&a->j);
		}
		fr_json_array_end(&a->j);
		fr_json_object_end(&a->j);
		return;
	}
	if (view->ttl_left >= 0)
		snprintf(ttl, sizeof(ttl), "%.0fs", view->ttl_left);
	else
		snprintf(ttl, sizeof(ttl), "stale");
	fprintf(a->out, "%-32s %-9s %-12s %-7s %s\n", p->domain,
	    fr_profile_name(p->profile), fr_result_name(p->result), ttl,
	    p->input);
	for (i = 0; i < p->ntargets; i++) {
		const struct fr_target *t = &p->targets[i];

		fprintf(a->out, "  %2zu  %s:%u/%s", i + 1, t->host, t->port,
		    fr_transport_name(t->transport));
		if (t->from_srv)
			fprintf(a->out, " (priority %u, weight %u)",
			    t->priority, t->weight);
		fprintf(a->out, "\n      ");
		for (k = 0; k < t->naddrs; k++)
			address_health(w, t, &t->addrs[k]);
		fprintf(a->out, "%s\n", t->naddrs == 0 ? " (no address)" : "");
	}
}

static int
show_domains(const struct fr_ctl_env *env, struct answer *a,
    struct fr_resolver *res)
{
	struct domains_walk w = { a, fr_resolver_health(res),
	    fr_resolver_now(res), 0 };

	if (a->json) {
		fr_json_array_begin(&a->j, "domains");
		fr_cache_each(fr_resolver_cache(res), w.now, domain_entry, &w);
		fr_json_array_end(&a->j);
		return 0;
	}
	(void)env;
	fprintf(a->out, "%-32s %-9s %-12s %-7s %s\n", "DOMAIN", "PROFILE",
	    "RESULT", "TTL", "ASKED AS");
	fr_cache_each(fr_resolver_cache(res), w.now, domain_entry, &w);
	if (w.n == 0)
		fprintf(a->out, "(nothing cached yet)\n");
	else
		fprintf(a->out, "Targets in priority order; within one "
		    "priority each request draws by weight (RFC 2782).\n");
	return 0;
}

static void
show_cache(struct answer *a, struct fr_resolver *res)
{
	const struct fr_cache_stats *s = fr_resolver_cache_stats(res);
	struct fr_resolver_load l;
	static const char *const names[] = {
		"hits", "misses", "stale_served", "evictions", "coalesced",
		"prefetches", "stores", "entries", "bytes",
		"resolutions_running", "resolutions_waiting",
		"resolutions_refused", "questions", "questions_in_flight",
		"questions_peak",
	};
	unsigned long long v[sizeof(names) / sizeof(names[0])];
	size_t i;

	fr_resolver_load(res, &l);
	v[0] = s->hits;
	v[1] = s->misses;
	v[2] = s->stale_served;
	v[3] = s->evictions;
	v[4] = s->coalesced;
	v[5] = s->prefetches;
	v[6] = s->stores;
	v[7] = s->entries;
	v[8] = s->bytes;
	v[9] = l.running;
	v[10] = l.waiting;
	v[11] = l.refused;
	v[12] = l.questions;
	v[13] = l.questions_inflight;
	v[14] = l.questions_peak;
	if (a->json)
		fr_json_object_begin(&a->j, "cache");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (a->json)
			fr_json_int(&a->j, names[i], (long long)v[i]);
		else
			fprintf(a->out, "%-22s %llu\n", names[i], v[i]);
	}
	if (a->json)
		fr_json_object_end(&a->j);
}

static void
health_entry(void *arg, const struct fr_address *addr, uint16_t port,
    enum fr_transport tp, const struct fr_health_state *st)
{
	struct domains_walk *w = arg;
	struct answer *a = w->a;
	char ip[INET6_ADDRSTRLEN], left[16], why[96];

	w->n++;
	ip_str(addr, ip, sizeof(ip));
	if (a->json) {
		fr_json_object_begin(&a->j, NULL);
		fr_json_string(&a->j, "address", ip);
		fr_json_int(&a->j, "port", port);
		fr_json_string(&a->j, "transport", fr_transport_name(tp));
		fr_json_bool(&a->j, "down", st->down);
		fr_json_double(&a->j, "down_for_s", st->down ?
		    st->down_until - w->now : 0);
		fr_json_int(&a->j, "failures", st->failures);
		fr_json_string(&a->j, "reason", st->reason);
		fr_json_object_end(&a->j);
		return;
	}
	fprintf(a->out, "%-39s %5u %-4s %-5s %-7s %8u  %s\n", ip, port,
	    fr_transport_name(tp), st->down ? "down" : "retry",
	    st->down ? ago(st->down_until - w->now, left, sizeof(left)) : "-",
	    st->failures, fr_escape_str(why, sizeof(why), st->reason));
}

static void
show_health(struct answer *a, struct fr_resolver *res)
{
	struct domains_walk w = { a, fr_resolver_health(res),
	    fr_resolver_now(res), 0 };

	if (a->json) {
		fr_json_array_begin(&a->j, "destinations");
		fr_health_each(w.health, w.now, health_entry, &w);
		fr_json_array_end(&a->j);
		return;
	}
	fprintf(a->out, "%-39s %5s %-4s %-5s %-7s %8s  %s\n", "DESTINATION",
	    "PORT", "TP", "STATE", "FOR", "FAILURES", "LAST REASON");
	fr_health_each(w.health, w.now, health_entry, &w);
	if (w.n == 0)
		fprintf(a->out, "(no destination has failed)\n");
}

/* "all", "IP", "IP:PORT" or "[IPv6]:PORT" into addr (NULL for all) and
 * port (0: every port).  0 or -1. */
static int
parse_dest(const char *s, struct fr_address *addr, bool *all, uint16_t *port)
{
	struct fr_sockaddr sa;
	const char *why;

	*all = strcmp(s, "all") == 0;
	*port = 0;
	if (*all)
		return 0;
	if (fr_ip_parse(s, &sa) != 0) {
		if (fr_addr_parse(s, &sa, &why) != 0)
			return -1;
		*port = ntohs(sa.u.sa.sa_family == AF_INET ?
		    sa.u.sin.sin_port : sa.u.sin6.sin6_port);
	}
	memset(addr, 0, sizeof(*addr));
	addr->family = sa.u.sa.sa_family;
	if (addr->family == AF_INET)
		addr->u.v4 = sa.u.sin.sin_addr;
	else
		addr->u.v6 = sa.u.sin6.sin6_addr;
	return 0;
}

/* ---- the commands ------------------------------------------------------ */

/* A one-line outcome: text, or {"version":1,"command":..,"ok":..,
 * "message":..}. */
static void
message(struct answer *a, const char *command, bool ok, const char *msg)
{
	if (a->json) {
		fr_json_string(&a->j, "command", command);
		fr_json_bool(&a->j, "ok", ok);
		fr_json_string(&a->j, "message", msg);
	} else {
		fprintf(a->out, "%s\n", msg);
	}
}

static void
finish(struct fr_ctl_job *job, struct answer *a, int status)
{
	if (answer_close(a) != 0) {
		static const char oom[] = "out of memory for the answer\n";

		job->done(job->arg, 1, oom, sizeof(oom) - 1);
	} else {
		job->done(job->arg, status, a->buf, a->len);
	}
	free(a->buf);
	free(job);
}

static void
lookup_decided(void *arg, struct fr_route_result *res)
{
	struct fr_ctl_job *job = arg;
	struct answer a;

	job->req = NULL;
	if (answer_open(&a, false) != 0 || res == NULL) {
		static const char oom[] = "out of memory\n";

		if (a.out != NULL)
			answer_abandon(&a);
		fr_route_result_free(res);
		job->done(job->arg, 1, oom, sizeof(oom) - 1);
		free(job);
		return;
	}
	/* fr_route_print writes the whole JSON object itself. */
	a.json = false;
	fr_route_print(a.out, job->cmd.json, job->cmd.arg, job->env->cfg, NULL,
	    res);
	fr_route_result_free(res);
	finish(job, &a, 0);
}

/* lookup URI: 1 when answered now (into a), 0 when lookup_decided will
 * answer. */
static int
lookup(struct fr_ctl_job *job, struct answer *a)
{
	struct fr_routing *rt = fr_edge_routing(job->env->edge);
	struct fr_route_result *res = NULL;
	struct fr_uri uri;
	char err[256], msg[600];
	int r;

	if (rt == NULL) {
		message(a, "lookup", false, "this edge routes no domain (no "
		    "sip or xmpp listener)");
		return -1;
	}
	if (fr_uri_parse(job->cmd.arg, &uri, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "lookup: %s", err);
		message(a, "lookup", false, msg);
		return -1;
	}
	r = fr_routing_decide(rt, uri.host, uri.scheme == FR_SCHEME_XMPP ?
	    FR_SERVICE_XMPP : FR_SERVICE_SIP, lookup_decided, job, &res,
	    &job->req, err, sizeof(err));
	if (r < 0) {
		snprintf(msg, sizeof(msg), "lookup: %s", err);
		message(a, "lookup", false, msg);
		return -1;
	}
	if (r == 0)
		return 0;
	/* Known at once: render it as the callback would. */
	if (a->json) {
		/* Start over: fr_route_print writes the whole object. */
		answer_abandon(a);
		if (answer_open(a, false) != 0) {
			fr_route_result_free(res);
			return -2;
		}
	}
	fr_route_print(a->out, job->cmd.json, job->cmd.arg, job->env->cfg,
	    NULL, res);
	fr_route_result_free(res);
	return 1;
}

static void
normalise_domain(char *d)
{
	size_t n;

	for (n = 0; d[n] != '\0'; n++)
		d[n] = (char)tolower((unsigned char)d[n]);
	if (n > 1 && d[n - 1] == '.')
		d[n - 1] = '\0';
}

struct fr_ctl_job *
fr_ctl_exec(const struct fr_ctl_env *env, const struct fr_ctl_cmd *cmd,
    fr_ctl_done_fn *done, void *arg)
{
	struct fr_resolver *res = fr_edge_resolver(env->edge);
	struct fr_ctl_job *job;
	struct fr_address addr;
	struct answer a;
	char msg[FR_CTL_ARG_MAX + 128];
	const char *verb = fr_ctl_verb_name(cmd->verb);
	int status = 0, r;
	size_t n;
	uint16_t port;
	bool all;

	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    answer_open(&a, cmd->json) != 0) {
		static const char oom[] = "out of memory\n";

		free(job);
		done(arg, 1, oom, sizeof(oom) - 1);
		return NULL;
	}
	job->env = env;
	job->cmd = *cmd;
	job->done = done;
	job->arg = arg;
	if (res == NULL && (cmd->verb == FR_CTL_DOMAINS ||
	    cmd->verb == FR_CTL_CACHE || cmd->verb == FR_CTL_CACHE_FLUSH ||
	    cmd->verb == FR_CTL_HEALTH || cmd->verb == FR_CTL_HEALTH_CLEAR)) {
		message(&a, verb, false, "this edge routes no domain (no sip or "
		    "xmpp listener), so it has no resolver");
		finish(job, &a, 1);
		return NULL;
	}
	switch (cmd->verb) {
	case FR_CTL_NODES:
		show_nodes(env, &a);
		break;
	case FR_CTL_POOLS:
		show_pools(env, &a);
		break;
	case FR_CTL_LISTENERS:
		show_listeners(env, &a);
		break;
	case FR_CTL_DOMAINS:
		show_domains(env, &a, res);
		break;
	case FR_CTL_CACHE:
		show_cache(&a, res);
		break;
	case FR_CTL_CACHE_FLUSH:
		if (cmd->has_arg)
			normalise_domain(job->cmd.arg);
		n = fr_cache_flush(fr_resolver_cache(res), cmd->has_arg ?
		    job->cmd.arg : NULL);
		snprintf(msg, sizeof(msg), "flushed %zu cache entr%s%s%s", n,
		    n == 1 ? "y" : "ies", cmd->has_arg ? " of " : "",
		    cmd->has_arg ? job->cmd.arg : "");
		message(&a, verb, true, msg);
		break;
	case FR_CTL_HEALTH:
		show_health(&a, res);
		break;
	case FR_CTL_HEALTH_CLEAR:
		if (parse_dest(cmd->arg, &addr, &all, &port) != 0) {
			snprintf(msg, sizeof(msg), "health clear: \"%s\" is not "
			    "all, an IP address, IP:PORT or [IPv6]:PORT",
			    cmd->arg);
			message(&a, verb, false, msg);
			status = 1;
			break;
		}
		n = fr_health_clear(fr_resolver_health(res), all ? NULL : &addr,
		    port);
		snprintf(msg, sizeof(msg), "cleared %zu destination record%s",
		    n, n == 1 ? "" : "s");
		message(&a, verb, true, msg);
		break;
	case FR_CTL_DRAIN:
	case FR_CTL_ENABLE:
		r = fr_edge_drain_node(env->edge, cmd->arg,
		    cmd->verb == FR_CTL_DRAIN);
		if (r < 0)
			snprintf(msg, sizeof(msg), "%s: no node %s", verb,
			    cmd->arg);
		else
			snprintf(msg, sizeof(msg), "node %s %s%s", cmd->arg,
			    r == 0 ? "was already " : "",
			    cmd->verb == FR_CTL_DRAIN ? "drained" : "enabled");
		message(&a, verb, r >= 0, msg);
		status = r < 0;
		break;
	case FR_CTL_LOOKUP:
		r = lookup(job, &a);
		if (r == 0) {
			answer_abandon(&a);
			return job;
		}
		if (r == -2) {
			static const char oom[] = "out of memory\n";

			done(arg, 1, oom, sizeof(oom) - 1);
			free(job);
			return NULL;
		}
		status = r < 0;
		break;
	case FR_CTL_STATUS:
	case FR_CTL_RELOAD:
		message(&a, verb, false, "the daemon answers this itself");
		status = 1;
		break;
	}
	finish(job, &a, status);
	return NULL;
}

void
fr_ctl_job_cancel(struct fr_ctl_job *job)
{
	if (job == NULL)
		return;
	fr_routing_cancel(job->req);
	free(job);
}

int
fr_ctl_message_answer(bool json, const char *command, bool ok,
    const char *msg, char **bodyp, size_t *lenp)
{
	struct answer a;

	if (answer_open(&a, json) != 0)
		return -1;
	message(&a, command, ok, msg);
	if (answer_close(&a) != 0)
		return -1;
	*bodyp = a.buf;
	*lenp = a.len;
	return 0;
}

int
fr_ctl_status_answer(const struct fr_ctl_status *st, bool json,
    char **bodyp, size_t *lenp)
{
	struct answer a;
	char up[16], when[64], why[512];
	struct tm tm;
	time_t t = (time_t)st->loaded;
	size_t i;

	if (answer_open(&a, json) != 0)
		return -1;
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	if (json) {
		fr_json_string(&a.j, "program", "fedrouted");
		fr_json_string(&a.j, "daemon_version", PACKAGE_VERSION);
		fr_json_int(&a.j, "pid", (long long)getpid());
		fr_json_double(&a.j, "uptime_s", a.now - st->started);
		fr_json_string(&a.j, "config", st->path);
		fr_json_double(&a.j, "config_loaded", st->loaded);
		if (st->last_reload == NULL)
			fr_json_null(&a.j, "last_reload");
		else {
			fr_json_object_begin(&a.j, "last_reload");
			fr_json_bool(&a.j, "ok", st->last_reload[0] == '\0');
			fr_json_string(&a.j, "error", st->last_reload[0] ?
			    st->last_reload : NULL);
			fr_json_object_end(&a.j);
		}
		fr_json_bool(&a.j, "draining", st->draining);
		fr_json_int(&a.j, "workers_configured",
		    st->workers_configured);
		fr_json_array_begin(&a.j, "workers");
		for (i = 0; i < st->nworkers; i++) {
			fr_json_object_begin(&a.j, NULL);
			fr_json_int(&a.j, "worker", st->workers[i].worker);
			fr_json_int(&a.j, "pid", st->workers[i].pid);
			fr_json_double(&a.j, "uptime_s", a.now -
			    st->workers[i].started);
			fr_json_bool(&a.j, "ready", st->workers[i].ready);
			fr_json_object_end(&a.j);
		}
		fr_json_array_end(&a.j);
		if (st->nworkers == 0)
			fr_json_int(&a.j, "connections", st->sessions);
	} else {
		fprintf(a.out, "fedrouted %s, pid %ld, up %s%s\n",
		    PACKAGE_VERSION, (long)getpid(), ago(a.now - st->started,
		    up, sizeof(up)), st->draining ? ", draining" : "");
		fprintf(a.out, "configuration  %s, loaded %s\n", st->path,
		    when);
		if (st->last_reload != NULL)
			fprintf(a.out, "last reload    %s\n",
			    st->last_reload[0] == '\0' ? "ok" :
			    fr_escape_str(why, sizeof(why), st->last_reload));
		if (st->nworkers == 0) {
			fprintf(a.out, "connections    %u\n", st->sessions);
		} else {
			fprintf(a.out, "workers        %zu running of %u\n",
			    st->nworkers, st->workers_configured);
			for (i = 0; i < st->nworkers; i++)
				fprintf(a.out, "  worker %-3u pid %-8ld up %-6s "
				    "%s\n", st->workers[i].worker,
				    (long)st->workers[i].pid,
				    ago(a.now - st->workers[i].started, up,
				    sizeof(up)), st->workers[i].ready ? "ready" :
				    "starting");
		}
	}
	if (answer_close(&a) != 0)
		return -1;
	*bodyp = a.buf;
	*lenp = a.len;
	return 0;
}
