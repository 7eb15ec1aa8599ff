/*
 * ctlanswer.c -- control answers: merged over workers, written as JSON
 * or aligned text.
 *
 * The text writers read the answer's fields by name and tolerate what
 * is missing (a field that is not there prints as empty or 0): an
 * answer comes from our own code, but the master parses what its
 * workers send, and a worker of another build must not crash it.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctlanswer.h"
#include "escape.h"

/* ---- reading an answer -------------------------------------------------- */

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static long long
jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) :
	    json_is_real(v) ? (long long)json_real_value(v) : 0;
}

static double
jnum(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static bool
jbool(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static json_t *
jarr(const json_t *o, const char *key)
{
	json_t *a = json_object_get(o, key);

	return json_is_array(a) ? a : NULL;
}

/* ---- building ------------------------------------------------------------ */

json_t *
fr_ctl_str(const char *s)
{
	char safe[1024];

	if (s == NULL)
		return json_null();
	if (fr_escape_clean(s, strlen(s)))
		return json_string(s);
	return json_string(fr_escape_str(safe, sizeof(safe), s));
}

json_t *
fr_ctl_message(const char *command, bool ok, const char *message)
{
	json_t *o = json_object();

	if (o == NULL || json_object_set_new(o, "version", json_integer(1)) ||
	    json_object_set_new(o, "command", fr_ctl_str(command)) ||
	    json_object_set_new(o, "ok", json_boolean(ok)) ||
	    json_object_set_new(o, "message", fr_ctl_str(message))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- merging ------------------------------------------------------------- */

/* The element of array a whose fields keys[] equal those of like. */
static json_t *
find_like(json_t *a, const json_t *like, const char *const *keys)
{
	size_t i, k;
	json_t *e;

	json_array_foreach(a, i, e) {
		for (k = 0; keys[k] != NULL; k++)
			if (!json_equal(json_object_get(e, keys[k]),
			    json_object_get(like, keys[k])))
				break;
		if (keys[k] == NULL)
			return e;
	}
	return NULL;
}

/* Add the integer fields of from to those of into (both objects). */
static int
sum_fields(json_t *into, json_t *from)
{
	const char *key;
	json_t *v, *mine;

	json_object_foreach(from, key, v) {
		if (!json_is_integer(v))
			continue;
		mine = json_object_get(into, key);
		if (json_is_integer(mine)) {
			if (json_integer_set(mine, json_integer_value(mine) +
			    json_integer_value(v)) != 0)
				return -1;
		} else if (json_object_set(into, key, v) != 0) {
			return -1;
		}
	}
	return 0;
}

/*
 * Elements of each worker's array key, as one: matched by keys[]; a
 * match keeps the one with the larger prefer field (fresher cache
 * entry, longer-down destination), unless add says to sum the integer
 * field add instead.
 */
static int
union_by(json_t *merged, json_t *const *answers, size_t n, const char *key,
    const char *const *keys, const char *prefer, const char *add)
{
	json_t *mine = jarr(merged, key), *e, *have;
	size_t w, i;

	if (mine == NULL)
		return -1;
	for (w = 1; w < n; w++) {
		json_t *theirs = jarr(answers[w], key);

		if (theirs == NULL)
			return -1;
		json_array_foreach(theirs, i, e) {
			if ((have = find_like(mine, e, keys)) == NULL) {
				if (json_array_append(mine, e) != 0)
					return -1;
				continue;
			}
			if (add != NULL) {
				json_t *a = json_object_get(have, add);

				if (json_is_integer(a) && json_integer_set(a,
				    json_integer_value(a) + jint(e, add)) != 0)
					return -1;
			} else if (prefer != NULL &&
			    jnum(e, prefer) > jnum(have, prefer)) {
				if (json_object_update(have, e) != 0)
					return -1;
			}
		}
	}
	return 0;
}

json_t *
fr_ctl_merge(enum fr_ctl_verb verb, json_t *const *answers, size_t n,
    bool *ok, char *why, size_t whylen)
{
	static const char *const by_name[] = { "name", NULL };
	static const char *const by_entry[] = { "domain", "input", "profile",
	    NULL };
	static const char *const by_dest[] = { "address", "port", "transport",
	    NULL };
	json_t *merged;
	long long count = 0;
	size_t i;
	int rc = 0;

	*ok = true;
	for (i = 0; i < n; i++) {
		if (!json_is_object(answers[i])) {
			snprintf(why, whylen, "worker %zu: not a JSON object",
			    i + 1);
			return NULL;
		}
		if (json_object_get(answers[i], "ok") != NULL &&
		    !jbool(answers[i], "ok"))
			*ok = false;
		count += jint(answers[i], "count");
	}
	if (n == 0 || (merged = json_deep_copy(answers[0])) == NULL) {
		snprintf(why, whylen, n == 0 ? "no worker answered" :
		    "out of memory");
		return NULL;
	}
	switch (verb) {
	case FR_CTL_NODES:
		/* Verdicts are shared; connections are each worker's. */
		rc = union_by(merged, answers, n, "nodes", by_name, NULL,
		    "active");
		break;
	case FR_CTL_LISTENERS:
		/* Accepting only if every worker is. */
		for (i = 1; i < n && rc == 0; i++) {
			json_t *mine = jarr(merged, "listeners"), *e, *t;
			size_t k;

			json_array_foreach(jarr(answers[i], "listeners"), k, e)
				if (mine != NULL && (t = find_like(mine, e,
				    by_name)) != NULL && !jbool(e, "accepting"))
					rc = json_object_set_new(t, "accepting",
					    json_false());
		}
		break;
	case FR_CTL_DOMAINS:
		rc = union_by(merged, answers, n, "domains", by_entry,
		    "ttl_left_s", NULL);
		break;
	case FR_CTL_HEALTH:
		rc = union_by(merged, answers, n, "destinations", by_dest,
		    "down_for_s", NULL);
		break;
	case FR_CTL_CACHE:
		for (i = 1; i < n && rc == 0; i++)
			rc = sum_fields(json_object_get(merged, "cache"),
			    json_object_get(answers[i], "cache"));
		break;
	case FR_CTL_CACHE_FLUSH:
	case FR_CTL_HEALTH_CLEAR:
		/* Each worker's cache and health table are its own. */
		rc = json_object_set_new(merged, "count",
		    json_integer(count));
		break;
	default:
		/* Pools, drain, enable: the same in every worker (verdicts
		 * and drains reach them all); ok only if all said ok. */
		break;
	}
	if (rc == 0 && json_object_get(merged, "ok") != NULL)
		rc = json_object_set_new(merged, "ok", json_boolean(*ok));
	if (rc == 0)
		rc = json_object_set_new(merged, "workers",
		    json_integer((json_int_t)n));
	if (rc != 0) {
		snprintf(why, whylen, "the workers' answers do not merge");
		json_decref(merged);
		return NULL;
	}
	return merged;
}

/* ---- text ---------------------------------------------------------------- */

/* "3s", "2m", "5h". */
static const char *
ago(double secs, char *buf, size_t len)
{
	if (!(secs > 0))
		secs = 0;
	if (secs < 120)
		snprintf(buf, len, "%.0fs", secs);
	else if (secs < 7200)
		snprintf(buf, len, "%.0fm", secs / 60);
	else
		snprintf(buf, len, "%.0fh", fmin(secs / 3600, 1e9));
	return buf;
}

/* s made safe for a terminal. */
static const char *
safe(const char *s, char *buf, size_t len)
{
	return fr_escape_str(buf, len, s);
}

static void
text_status(FILE *out, const json_t *a, double now)
{
	const json_t *lr = json_object_get(a, "last_reload");
	char up[16], when[64], b1[600], b2[600];
	time_t t = (time_t)jnum(a, "config_loaded");
	struct tm tm;
	json_t *w;
	size_t i;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	fprintf(out, "fedrouted %s, pid %lld, up %s%s\n",
	    safe(jstr(a, "daemon_version"), b1, sizeof(b1)), jint(a, "pid"),
	    ago(jnum(a, "uptime_s"), up, sizeof(up)),
	    jbool(a, "draining") ? ", draining" : "");
	fprintf(out, "configuration  %s, loaded %s\n",
	    safe(jstr(a, "config"), b1, sizeof(b1)), when);
	if (json_is_object(lr))
		fprintf(out, "last reload    %s\n", jbool(lr, "ok") ? "ok" :
		    safe(jstr(lr, "error"), b2, sizeof(b2)));
	if (jarr(a, "workers") == NULL || json_array_size(jarr(a,
	    "workers")) == 0) {
		fprintf(out, "connections    %lld\n", jint(a, "connections"));
		return;
	}
	fprintf(out, "workers        %zu running of %lld\n",
	    json_array_size(jarr(a, "workers")), jint(a,
	    "workers_configured"));
	json_array_foreach(jarr(a, "workers"), i, w)
		fprintf(out, "  worker %-3lld pid %-8lld up %-6s %s\n",
		    jint(w, "worker"), jint(w, "pid"), ago(jnum(w, "uptime_s"),
		    up, sizeof(up)), jbool(w, "ready") ? "ready" : "starting");
	(void)now;
}

static void
text_nodes(FILE *out, const json_t *a, double now)
{
	char state[32], when[16], why[128];
	const json_t *lc;
	json_t *nd;
	size_t i;

	fprintf(out, "%-16s %-22s %-4s %-13s %6s %6s  %-11s %s\n", "NODE",
	    "ADDRESS", "TP", "STATE", "ACTIVE", "WEIGHT", "CHECK",
	    "LAST CHECK");
	json_array_foreach(jarr(a, "nodes"), i, nd) {
		snprintf(state, sizeof(state), "%s%s", jstr(nd, "state"),
		    jbool(nd, "drained") ? ",drained" : "");
		fprintf(out, "%-16s %-22s %-4s %-13s %6lld %6lld  %-11s ",
		    jstr(nd, "name"), jstr(nd, "address"),
		    jstr(nd, "transport"), state, jint(nd, "active"),
		    jint(nd, "weight"), jstr(nd, "check"));
		lc = json_object_get(nd, "last_check");
		if (!json_is_object(lc))
			fprintf(out, "-\n");
		else
			fprintf(out, "%s %s ago in %.0fms: %s\n",
			    jbool(lc, "ok") ? "ok" : "failed",
			    ago(now - jnum(lc, "at"), when, sizeof(when)),
			    jnum(lc, "took_s") * 1000,
			    safe(jstr(lc, "result"), why, sizeof(why)));
	}
	if (jint(a, "workers") > 1)
		fprintf(out, "(ACTIVE summed over %lld workers; worker 1 checks "
		    "the nodes for all)\n", jint(a, "workers"));
}

static void
text_pools(FILE *out, const json_t *a)
{
	char members[2048];
	json_t *p, *m;
	size_t i, k, len;

	fprintf(out, "%-16s %-10s %-6s %s\n", "POOL", "BALANCE", "USABLE",
	    "MEMBERS");
	json_array_foreach(jarr(a, "pools"), i, p) {
		members[0] = '\0';
		len = 0;
		json_array_foreach(jarr(p, "members"), k, m)
			if (len < sizeof(members))
				len += (size_t)snprintf(members + len,
				    sizeof(members) - len, "%s%s", k ? " " : "",
				    json_string_value(m) ? json_string_value(m) :
				    "");
		fprintf(out, "%-16s %-10s %2lld/%-2lld  %s\n", jstr(p, "name"),
		    jstr(p, "balance"), jint(p, "usable"), jint(p, "size"),
		    members);
	}
}

static void
text_listeners(FILE *out, const json_t *a)
{
	json_t *l;
	size_t i;

	fprintf(out, "%-24s %-22s %-5s %-4s %-22s %s\n", "LISTENER",
	    "ADDRESS", "PROTO", "TLS", "TARGET", "STATE");
	json_array_foreach(jarr(a, "listeners"), i, l)
		fprintf(out, "%-24s %-22s %-5s %-4s %-22s %s\n",
		    jstr(l, "name"), jstr(l, "address"), jstr(l, "protocol"),
		    jbool(l, "tls") ? "yes" : "no", jstr(l, "target"),
		    jbool(l, "accepting") ? "accepting" : "paused");
}

static void
text_domains(FILE *out, const json_t *a)
{
	char ttl[16], left[16], why[96], b[600];
	json_t *d, *t, *ad;
	size_t i, k, m;

	fprintf(out, "%-32s %-9s %-12s %-7s %s\n", "DOMAIN", "PROFILE",
	    "RESULT", "TTL", "ASKED AS");
	json_array_foreach(jarr(a, "domains"), i, d) {
		if (jbool(d, "stale"))
			snprintf(ttl, sizeof(ttl), "stale");
		else
			snprintf(ttl, sizeof(ttl), "%.0fs", jnum(d,
			    "ttl_left_s"));
		fprintf(out, "%-32s %-9s %-12s %-7s %s\n", jstr(d, "domain"),
		    jstr(d, "profile"), jstr(d, "result"), ttl,
		    safe(jstr(d, "input"), b, sizeof(b)));
		json_array_foreach(jarr(d, "targets"), k, t) {
			fprintf(out, "  %2zu  %s:%lld/%s", k + 1, jstr(t, "host"),
			    jint(t, "port"), jstr(t, "transport"));
			if (json_object_get(t, "priority") != NULL)
				fprintf(out, " (priority %lld, weight %lld)",
				    jint(t, "priority"), jint(t, "weight"));
			fprintf(out, "\n      ");
			json_array_foreach(jarr(t, "addresses"), m, ad) {
				if (jbool(ad, "down"))
					fprintf(out, " %s (down %s more: %s)",
					    jstr(ad, "address"),
					    ago(jnum(ad, "down_for_s"), left,
					    sizeof(left)), safe(jstr(ad,
					    "reason"), why, sizeof(why)));
				else
					fprintf(out, " %s", jstr(ad, "address"));
			}
			fprintf(out, "%s\n", json_array_size(jarr(t,
			    "addresses")) == 0 ? " (no address)" : "");
		}
	}
	if (json_array_size(jarr(a, "domains")) == 0)
		fprintf(out, "(nothing cached yet)\n");
	else
		fprintf(out, "Targets in priority order; within one priority "
		    "each request draws by weight (RFC 2782).\n");
}

static void
text_cache(FILE *out, const json_t *a)
{
	const char *key;
	json_t *v;

	json_object_foreach(json_object_get(a, "cache"), key, v)
		fprintf(out, "%-22s %lld\n", key, json_is_integer(v) ?
		    (long long)json_integer_value(v) : 0);
	if (jint(a, "workers") > 1)
		fprintf(out, "(summed over %lld workers, each with its own "
		    "cache)\n", jint(a, "workers"));
}

static void
text_health(FILE *out, const json_t *a)
{
	char left[16], why[96];
	json_t *h;
	size_t i;

	fprintf(out, "%-39s %5s %-4s %-5s %-7s %8s  %s\n", "DESTINATION",
	    "PORT", "TP", "STATE", "FOR", "FAILURES", "LAST REASON");
	json_array_foreach(jarr(a, "destinations"), i, h)
		fprintf(out, "%-39s %5lld %-4s %-5s %-7s %8lld  %s\n",
		    jstr(h, "address"), jint(h, "port"), jstr(h, "transport"),
		    jbool(h, "down") ? "down" : "retry", jbool(h, "down") ?
		    ago(jnum(h, "down_for_s"), left, sizeof(left)) : "-",
		    jint(h, "failures"), safe(jstr(h, "reason"), why,
		    sizeof(why)));
	if (json_array_size(jarr(a, "destinations")) == 0)
		fprintf(out, "(no destination has failed)\n");
}

static void
text_message(FILE *out, enum fr_ctl_verb verb, const json_t *a)
{
	char b[1200];
	long long n = jint(a, "count");

	/* Counts add up over workers: the message is made from the sum. */
	if (verb == FR_CTL_CACHE_FLUSH && json_object_get(a, "count"))
		fprintf(out, "flushed %lld cache entr%s%s%s\n", n, n == 1 ?
		    "y" : "ies", jstr(a, "domain")[0] ? " of " : "",
		    jstr(a, "domain"));
	else if (verb == FR_CTL_HEALTH_CLEAR && json_object_get(a, "count"))
		fprintf(out, "cleared %lld destination record%s\n", n, n == 1 ?
		    "" : "s");
	else
		fprintf(out, "%s\n", safe(jstr(a, "message"), b, sizeof(b)));
	if (jint(a, "workers") > 1 && jbool(a, "ok"))
		fprintf(out, "(on each of %lld workers)\n", jint(a, "workers"));
}

int
fr_ctl_render(enum fr_ctl_verb verb, json_t *a, bool json, double now,
    char **bodyp, size_t *lenp)
{
	FILE *out;

	*bodyp = NULL;
	if ((out = open_memstream(bodyp, lenp)) == NULL)
		return -1;
	if (json) {
		if (json_dumpf(a, out, JSON_INDENT(2) | JSON_REAL_PRECISION(15))
		    != 0)
			goto fail;
		fputc('\n', out);
	} else if (json_object_get(a, "message") != NULL) {
		text_message(out, verb, a);
	} else {
		switch (verb) {
		case FR_CTL_STATUS:
			text_status(out, a, now);
			break;
		case FR_CTL_NODES:
			text_nodes(out, a, now);
			break;
		case FR_CTL_POOLS:
			text_pools(out, a);
			break;
		case FR_CTL_LISTENERS:
			text_listeners(out, a);
			break;
		case FR_CTL_DOMAINS:
			text_domains(out, a);
			break;
		case FR_CTL_CACHE:
			text_cache(out, a);
			break;
		case FR_CTL_HEALTH:
			text_health(out, a);
			break;
		default:
			text_message(out, verb, a);
			break;
		}
	}
	if (fclose(out) != 0) {
		free(*bodyp);
		*bodyp = NULL;
		return -1;
	}
	return 0;
fail:
	fclose(out);
	free(*bodyp);
	*bodyp = NULL;
	return -1;
}
