/*
 * ctlcmd.c -- the control commands over the live edge: each builds its
 * answer as JSON data (ctlanswer.h) from the edge's views
 * (router/edgeview.h) and the resolver's cache and health listings,
 * and ctlanswer.c writes it as JSON or text.  lookup is the exception:
 * its answer is `fedroute route`'s own output (routeprint.h).
 *
 * Strings that came from the network (a check's result, a health
 * reason) go through fr_ctl_str, which escapes what is not clean text.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "ctlanswer.h"
#include "ctlcmd.h"
#include "edgeview.h"
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

/* Building one answer: every set goes through put(), and the first
 * failure (memory) is remembered rather than checked at each call. */
struct build {
	json_t *root;
	bool oom;
	double now;			/* wall clock */
	struct fr_health *health;	/* domains: each address's record */
	double rnow;			/* the resolver's clock */
};

static void
put(struct build *b, json_t *o, const char *key, json_t *v)
{
	if (o == NULL || v == NULL || json_object_set_new(o, key, v) != 0) {
		json_decref(v);
		b->oom = true;
	}
}

static void
append(struct build *b, json_t *a, json_t *v)
{
	if (a == NULL || v == NULL || json_array_append_new(a, v) != 0) {
		json_decref(v);
		b->oom = true;
	}
}

/* An array under key in o, or NULL (remembered) when memory ran out. */
static json_t *
put_array(struct build *b, json_t *o, const char *key)
{
	json_t *a = json_array();

	put(b, o, key, a);
	return b->oom ? NULL : a;
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
node_json(void *arg, const struct fr_node_view *v)
{
	struct build *b = arg;
	json_t *o = json_object(), *lc;

	put(b, o, "name", json_string(v->name));
	put(b, o, "address", json_string(v->address));
	put(b, o, "transport", json_string(fr_config_node_transport_name(
	    v->transport)));
	put(b, o, "state", json_string(node_state(v)));
	put(b, o, "drained", json_boolean(v->drained));
	put(b, o, "active", json_integer(v->active));
	put(b, o, "weight", json_integer(v->weight));
	put(b, o, "check", json_string(fr_config_check_name(v->check)));
	if (v->last_check_at == 0) {
		put(b, o, "last_check", json_null());
	} else {
		lc = json_object();
		put(b, lc, "at", json_real(v->last_check_at));
		put(b, lc, "took_s", json_real(v->last_check_took));
		put(b, lc, "ok", json_boolean(v->last_check_ok));
		put(b, lc, "result", fr_ctl_str(v->last_check_why));
		put(b, o, "last_check", lc);
	}
	append(b, json_object_get(b->root, "nodes"), o);
}

static void
pool_json(void *arg, const struct fr_pool_view *v)
{
	struct build *b = arg;
	json_t *o = json_object(), *m = json_array();
	char name[FR_NAME_MAX];
	const char *p, *sp;

	put(b, o, "name", json_string(v->name));
	put(b, o, "balance", json_string(fr_config_balance_name(v->balance)));
	put(b, o, "size", json_integer((json_int_t)v->size));
	put(b, o, "usable", json_integer((json_int_t)v->up));
	for (p = v->members; *p != '\0'; p = *sp ? sp + 1 : sp) {
		if ((sp = strchr(p, ' ')) == NULL)
			sp = p + strlen(p);
		snprintf(name, sizeof(name), "%.*s", (int)(sp - p), p);
		append(b, m, json_string(name));
	}
	put(b, o, "members", m);
	append(b, json_object_get(b->root, "pools"), o);
}

static void
listener_json(void *arg, const struct fr_listener_view *v)
{
	struct build *b = arg;
	json_t *o = json_object();
	char target[FR_NAME_MAX + 8];

	if (v->federation)
		snprintf(target, sizeof(target), "federation");
	else
		snprintf(target, sizeof(target), "%s %s", v->target_is_pool ?
		    "pool" : "node", v->target);
	put(b, o, "name", json_string(v->name));
	put(b, o, "address", json_string(v->address));
	put(b, o, "protocol", json_string(fr_config_proto_name(v->proto)));
	put(b, o, "tls", json_boolean(v->tls));
	put(b, o, "target", json_string(target));
	put(b, o, "accepting", json_boolean(v->accepting));
	append(b, json_object_get(b->root, "listeners"), o);
}

/* ---- domains, cache, health ------------------------------------------- */

static json_t *
address_json(struct build *b, const struct fr_target *t,
    const struct fr_address *addr)
{
	struct fr_health_state st;
	char ip[INET6_ADDRSTRLEN];
	json_t *o = json_object();
	bool down = fr_health_get(b->health, addr, t->port, t->transport,
	    b->rnow, &st) && st.down;

	put(b, o, "address", json_string(fr_address_str(addr, ip, sizeof(ip))));
	put(b, o, "down", json_boolean(down));
	if (down) {
		put(b, o, "down_for_s", json_real(st.down_until - b->rnow));
		put(b, o, "reason", fr_ctl_str(st.reason));
	}
	return o;
}

static void
domain_json(void *arg, const struct fr_cache_view *view, double stale_left)
{
	struct build *b = arg;
	const struct fr_plan *p = view->plan;
	json_t *o = json_object(), *targets, *t, *addrs;
	size_t i, k;

	put(b, o, "domain", fr_ctl_str(p->domain));
	put(b, o, "input", fr_ctl_str(p->input));
	put(b, o, "profile", json_string(fr_profile_name(p->profile)));
	put(b, o, "result", json_string(fr_result_name(p->result)));
	put(b, o, "ttl_left_s", json_real(view->ttl_left));
	put(b, o, "stale", json_boolean(view->ttl_left < 0));
	put(b, o, "stale_left_s", json_real(stale_left));
	targets = put_array(b, o, "targets");
	for (i = 0; i < p->ntargets && targets != NULL; i++) {
		const struct fr_target *tg = &p->targets[i];

		t = json_object();
		put(b, t, "host", fr_ctl_str(tg->host));
		put(b, t, "port", json_integer(tg->port));
		put(b, t, "transport", json_string(fr_transport_name(
		    tg->transport)));
		if (tg->from_srv) {
			put(b, t, "priority", json_integer(tg->priority));
			put(b, t, "weight", json_integer(tg->weight));
		}
		addrs = put_array(b, t, "addresses");
		for (k = 0; k < tg->naddrs && addrs != NULL; k++)
			append(b, addrs, address_json(b, tg, &tg->addrs[k]));
		append(b, targets, t);
	}
	append(b, json_object_get(b->root, "domains"), o);
}

static void
cache_json(struct build *b, struct fr_resolver *res)
{
	const struct fr_cache_stats *s = fr_resolver_cache_stats(res);
	struct fr_resolver_load l;
	json_t *o = json_object();

	fr_resolver_load(res, &l);
	put(b, o, "hits", json_integer((json_int_t)s->hits));
	put(b, o, "misses", json_integer((json_int_t)s->misses));
	put(b, o, "stale_served", json_integer((json_int_t)s->stale_served));
	put(b, o, "evictions", json_integer((json_int_t)s->evictions));
	put(b, o, "coalesced", json_integer((json_int_t)s->coalesced));
	put(b, o, "prefetches", json_integer((json_int_t)s->prefetches));
	put(b, o, "stores", json_integer((json_int_t)s->stores));
	put(b, o, "entries", json_integer((json_int_t)s->entries));
	put(b, o, "bytes", json_integer((json_int_t)s->bytes));
	put(b, o, "resolutions_running", json_integer(l.running));
	put(b, o, "resolutions_waiting", json_integer(l.waiting));
	put(b, o, "resolutions_refused", json_integer((json_int_t)l.refused));
	put(b, o, "questions", json_integer((json_int_t)l.questions));
	put(b, o, "questions_in_flight",
	    json_integer((json_int_t)l.questions_inflight));
	put(b, o, "questions_peak", json_integer((json_int_t)l.questions_peak));
	put(b, b->root, "cache", o);
}

static void
health_json(void *arg, const struct fr_address *addr, uint16_t port,
    enum fr_transport tp, const struct fr_health_state *st)
{
	struct build *b = arg;
	char ip[INET6_ADDRSTRLEN];
	json_t *o = json_object();

	put(b, o, "address", json_string(fr_address_str(addr, ip, sizeof(ip))));
	put(b, o, "port", json_integer(port));
	put(b, o, "transport", json_string(fr_transport_name(tp)));
	put(b, o, "down", json_boolean(st->down));
	put(b, o, "down_for_s", json_real(st->down ? st->down_until - b->rnow :
	    0));
	put(b, o, "failures", json_integer(st->failures));
	put(b, o, "reason", fr_ctl_str(st->reason));
	append(b, json_object_get(b->root, "destinations"), o);
}

/* "all", "IP", "IP:PORT" or "[IPv6]:PORT" into addr (unless all) and
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

static void
normalise_domain(char *d)
{
	size_t n;

	for (n = 0; d[n] != '\0'; n++)
		d[n] = (char)tolower((unsigned char)d[n]);
	if (n > 1 && d[n - 1] == '.')
		d[n - 1] = '\0';
}

/* ---- the commands ------------------------------------------------------ */

/* The outcome of a command that changes something. */
static void
outcome(struct build *b, const char *command, bool ok, const char *msg)
{
	put(b, b->root, "command", json_string(command));
	put(b, b->root, "ok", json_boolean(ok));
	put(b, b->root, "message", fr_ctl_str(msg));
}

static void
oom(fr_ctl_done_fn *done, void *arg)
{
	static const char msg[] = "out of memory\n";

	done(arg, 1, msg, sizeof(msg) - 1);
}

/* Write b's answer in the format asked, and hand it over. */
static void
finish(struct fr_ctl_job *job, struct build *b, int status)
{
	char *body = NULL;
	size_t len = 0;

	if (b->oom || fr_ctl_render(job->cmd.verb, b->root, job->cmd.json,
	    b->now, &body, &len) != 0)
		oom(job->done, job->arg);
	else
		job->done(job->arg, status, body, len);
	free(body);
	json_decref(b->root);
	free(job);
}

/* Write a routing decision as `fedroute route` does, and hand it over. */
static void
answer_route(struct fr_ctl_job *job, struct fr_route_result *res)
{
	char *body = NULL;
	size_t len = 0;
	FILE *out;

	if (res == NULL || (out = open_memstream(&body, &len)) == NULL) {
		oom(job->done, job->arg);
	} else {
		fr_route_print(out, job->cmd.json, job->cmd.arg, job->env->cfg,
		    NULL, res);
		if (fclose(out) != 0)
			oom(job->done, job->arg);
		else
			job->done(job->arg, 0, body, len);
	}
	free(body);
	fr_route_result_free(res);
}

static void
lookup_decided(void *arg, struct fr_route_result *res)
{
	struct fr_ctl_job *job = arg;

	job->req = NULL;
	answer_route(job, res);
	free(job);
}

/* lookup URI: 1 answered now, 0 lookup_decided will answer, -1 refused
 * (the reason in b). */
static int
lookup(struct fr_ctl_job *job, struct build *b)
{
	struct fr_routing *rt = fr_edge_routing(job->env->edge);
	struct fr_route_result *res = NULL;
	struct fr_uri uri;
	char err[256], msg[600];
	int r;

	if (rt == NULL) {
		outcome(b, "lookup", false, "this edge routes no domain (no "
		    "sip or xmpp listener)");
		return -1;
	}
	if (fr_uri_parse(job->cmd.arg, &uri, err, sizeof(err)) != 0 ||
	    (r = fr_routing_decide(rt, uri.host, uri.scheme == FR_SCHEME_XMPP ?
	    FR_SERVICE_XMPP : FR_SERVICE_SIP, lookup_decided, job, &res,
	    &job->req, err, sizeof(err))) < 0) {
		snprintf(msg, sizeof(msg), "lookup: %s", err);
		outcome(b, "lookup", false, msg);
		return -1;
	}
	if (r == 0)
		return 0;
	answer_route(job, res);
	return 1;
}

struct fr_ctl_job *
fr_ctl_exec(const struct fr_ctl_env *env, const struct fr_ctl_cmd *cmd,
    fr_ctl_done_fn *done, void *arg)
{
	struct fr_resolver *res = fr_edge_resolver(env->edge);
	const char *verb = fr_ctl_verb_name(cmd->verb);
	struct fr_ctl_job *job;
	struct fr_address addr;
	struct build b;
	char msg[FR_CTL_ARG_MAX + 128];
	int status = 0, r;
	uint16_t port;
	size_t n;
	bool all;

	memset(&b, 0, sizeof(b));
	b.now = ev_time();
	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (b.root = json_object()) == NULL) {
		free(job);
		oom(done, arg);
		return NULL;
	}
	job->env = env;
	job->cmd = *cmd;
	job->done = done;
	job->arg = arg;
	put(&b, b.root, "version", json_integer(1));
	if (res != NULL) {
		b.health = fr_resolver_health(res);
		b.rnow = fr_resolver_now(res);
	} else if (cmd->verb == FR_CTL_DOMAINS || cmd->verb == FR_CTL_CACHE ||
	    cmd->verb == FR_CTL_CACHE_FLUSH || cmd->verb == FR_CTL_HEALTH ||
	    cmd->verb == FR_CTL_HEALTH_CLEAR) {
		outcome(&b, verb, false, "this edge routes no domain (no sip or "
		    "xmpp listener), so it has no resolver");
		finish(job, &b, 1);
		return NULL;
	}
	switch (cmd->verb) {
	case FR_CTL_NODES:
		if (put_array(&b, b.root, "nodes") != NULL)
			fr_edge_each_node(env->edge, node_json, &b);
		break;
	case FR_CTL_POOLS:
		if (put_array(&b, b.root, "pools") != NULL)
			fr_edge_each_pool(env->edge, pool_json, &b);
		break;
	case FR_CTL_LISTENERS:
		if (put_array(&b, b.root, "listeners") != NULL)
			fr_edge_each_listener(env->edge, listener_json, &b);
		break;
	case FR_CTL_DOMAINS:
		if (put_array(&b, b.root, "domains") != NULL)
			fr_cache_each(fr_resolver_cache(res), b.rnow,
			    domain_json, &b);
		break;
	case FR_CTL_CACHE:
		cache_json(&b, res);
		break;
	case FR_CTL_CACHE_FLUSH:
		if (cmd->has_arg)
			normalise_domain(job->cmd.arg);
		n = fr_cache_flush(fr_resolver_cache(res), cmd->has_arg ?
		    job->cmd.arg : NULL);
		snprintf(msg, sizeof(msg), "flushed %zu cache entr%s%s%s", n,
		    n == 1 ? "y" : "ies", cmd->has_arg ? " of " : "",
		    cmd->has_arg ? job->cmd.arg : "");
		outcome(&b, verb, true, msg);
		put(&b, b.root, "count", json_integer((json_int_t)n));
		put(&b, b.root, "domain", json_string(cmd->has_arg ?
		    job->cmd.arg : ""));
		break;
	case FR_CTL_HEALTH:
		if (put_array(&b, b.root, "destinations") != NULL)
			fr_health_each(b.health, b.rnow, health_json, &b);
		break;
	case FR_CTL_HEALTH_CLEAR:
		if (parse_dest(cmd->arg, &addr, &all, &port) != 0) {
			snprintf(msg, sizeof(msg), "health clear: \"%s\" is not "
			    "all, an IP address, IP:PORT or [IPv6]:PORT",
			    cmd->arg);
			outcome(&b, verb, false, msg);
			status = 1;
			break;
		}
		n = fr_health_clear(b.health, all ? NULL : &addr, port);
		snprintf(msg, sizeof(msg), "cleared %zu destination record%s",
		    n, n == 1 ? "" : "s");
		outcome(&b, verb, true, msg);
		put(&b, b.root, "count", json_integer((json_int_t)n));
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
		outcome(&b, verb, r >= 0, msg);
		status = r < 0;
		break;
	case FR_CTL_LOOKUP:
		r = lookup(job, &b);
		if (r >= 0) {
			json_decref(b.root);
			if (r == 0)
				return job;
			free(job);
			return NULL;
		}
		status = 1;
		break;
	case FR_CTL_STATUS:
	case FR_CTL_RELOAD:
		outcome(&b, verb, false, "the daemon answers this itself");
		status = 1;
		break;
	}
	finish(job, &b, status);
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
	json_t *a = fr_ctl_message(command, ok, msg);
	int rc;

	if (a == NULL)
		return -1;
	rc = fr_ctl_render(FR_CTL_RELOAD, a, json, ev_time(), bodyp, lenp);
	json_decref(a);
	return rc;
}

int
fr_ctl_status_answer(const struct fr_ctl_status *st, bool json,
    char **bodyp, size_t *lenp)
{
	struct build b;
	json_t *lr, *ws, *w;
	size_t i;
	int rc;

	memset(&b, 0, sizeof(b));
	b.now = ev_time();
	if ((b.root = json_object()) == NULL)
		return -1;
	put(&b, b.root, "version", json_integer(1));
	put(&b, b.root, "program", json_string("fedrouted"));
	put(&b, b.root, "daemon_version", json_string(PACKAGE_VERSION));
	put(&b, b.root, "pid", json_integer(getpid()));
	put(&b, b.root, "uptime_s", json_real(b.now - st->started));
	put(&b, b.root, "config", fr_ctl_str(st->path));
	put(&b, b.root, "config_loaded", json_real(st->loaded));
	if (st->last_reload == NULL) {
		put(&b, b.root, "last_reload", json_null());
	} else {
		lr = json_object();
		put(&b, lr, "ok", json_boolean(st->last_reload[0] == '\0'));
		put(&b, lr, "error", st->last_reload[0] ?
		    fr_ctl_str(st->last_reload) : json_null());
		put(&b, b.root, "last_reload", lr);
	}
	put(&b, b.root, "draining", json_boolean(st->draining));
	put(&b, b.root, "workers_configured",
	    json_integer(st->workers_configured));
	ws = put_array(&b, b.root, "workers");
	for (i = 0; i < st->nworkers && ws != NULL; i++) {
		w = json_object();
		put(&b, w, "worker", json_integer(st->workers[i].worker));
		put(&b, w, "pid", json_integer(st->workers[i].pid));
		put(&b, w, "uptime_s", json_real(b.now -
		    st->workers[i].started));
		put(&b, w, "ready", json_boolean(st->workers[i].ready));
		append(&b, ws, w);
	}
	if (st->nworkers == 0)
		put(&b, b.root, "connections", json_integer(st->sessions));
	rc = b.oom ? -1 : fr_ctl_render(FR_CTL_STATUS, b.root, json, b.now,
	    bodyp, lenp);
	json_decref(b.root);
	return rc;
}
