/*
 * report.c -- text and JSON renderings of lookups.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "json.h"
#include "report.h"
#include "strbuf.h"
#include "ubev.h"

#define WIDTH 80

/*
 * Everything printed below that a peer, a zone or a user controls
 * (names, reason phrases, Server headers, certificate names, errors
 * that quote them) goes through fr_escape() on its way out: in wrap()
 * and column(), which print nearly all of it, and at the few fprintf()s
 * that print such a string directly.  Our own colour codes are written
 * by colour() alone.
 */
#define SHOWN_MAX (WIDTH * 16)

static const char *
shown(char *buf, size_t len, const char *s)
{
	return fr_escape_str(buf, len, s);
}

/* ANSI SGR codes for what colour marks. */
#define C_RED		"31"
#define C_YELLOW	"33"
#define C_GREEN		"32"
#define C_CYAN		"36"
#define C_BOLD		"1"

const char *
fr_verdict_name(int status)
{
	switch (status) {
	case 0:		return "ok";
	case 1:		return "warning";
	case 2:		return "critical";
	}
	return "unknown";
}

/* ---- JSON --------------------------------------------------------------- */

static void
json_step(struct fr_json *j, const char *key, const struct fr_step *st)
{
	if (!st->run) {
		fr_json_null(j, key);
		return;
	}
	fr_json_object_begin(j, key);
	fr_json_bool(j, "ok", st->ok);
	fr_json_double(j, "ms", st->ms);
	fr_json_string(j, "error", st->ok ? NULL : st->error);
	fr_json_object_end(j);
}

static void
json_verdict(struct fr_json *j, const char *key, enum fr_name_verdict v)
{
	fr_json_string(j, key, fr_name_verdict_name(v));
}

static void
json_certificate(struct fr_json *j, const struct fr_cert_info *c)
{
	size_t i;

	fr_json_object_begin(j, "certificate");
	fr_json_array_begin(j, "chain");
	for (i = 0; i < c->nchain; i++) {
		fr_json_object_begin(j, NULL);
		fr_json_string(j, "subject", c->chain[i].subject);
		fr_json_string(j, "issuer", c->chain[i].issuer);
		fr_json_string(j, "not_before", c->chain[i].not_before);
		fr_json_string(j, "not_after", c->chain[i].not_after);
		fr_json_object_end(j);
	}
	fr_json_array_end(j);
	fr_json_array_begin(j, "names");
	for (i = 0; i < c->nnames; i++)
		fr_json_string(j, NULL, c->names[i]);
	fr_json_array_end(j);
	fr_json_bool(j, "trusted", c->trusted);
	fr_json_string(j, "verify_error", c->trusted ? NULL : c->verify_error);
	fr_json_bool(j, "expired", c->expired);
	fr_json_bool(j, "not_yet_valid", c->not_yet_valid);
	fr_json_int(j, "days_left", c->days_left);
	json_verdict(j, "rfc5922", c->rfc5922);
	json_verdict(j, "rfc6125", c->rfc6125);
	json_verdict(j, "srv_target", c->srv_target);
	fr_json_object_end(j);
}

static void
json_features(struct fr_json *j, const char *key, bool has,
    const struct fr_xmpp_features *f)
{
	const char *p;

	if (!has) {
		fr_json_null(j, key);
		return;
	}
	fr_json_object_begin(j, key);
	fr_json_bool(j, "starttls", f->starttls);
	fr_json_bool(j, "starttls_required", f->starttls_required);
	fr_json_bool(j, "dialback", f->dialback);
	fr_json_bool(j, "sasl_external", f->sasl_external);
	fr_json_array_begin(j, "mechanisms");
	for (p = f->mechanisms; *p != '\0'; ) {
		size_t n = strcspn(p, ",");
		char m[64];

		snprintf(m, sizeof(m), "%.*s", (int)(n < 63 ? n : 63), p);
		fr_json_string(j, NULL, m);
		p += n;
		p += strspn(p, ", ");
	}
	fr_json_array_end(j);
	fr_json_string(j, "stream_error", f->stream_error[0] ?
	    f->stream_error : NULL);
	fr_json_object_end(j);
}

static void
json_probe(struct fr_json *j, const struct fr_probe *p)
{
	char ip[INET6_ADDRSTRLEN];

	fr_json_object_begin(j, NULL);
	fr_json_string(j, "address", fr_address_str(&p->addr, ip, sizeof(ip)));
	fr_json_string(j, "skipped", p->skipped);
	json_step(j, "tcp", &p->tcp);
	json_step(j, "starttls", &p->starttls);
	if (p->tls.run) {
		fr_json_object_begin(j, "tls");
		fr_json_bool(j, "ok", p->tls.ok);
		fr_json_double(j, "ms", p->tls.ms);
		fr_json_string(j, "error", p->tls.ok ? NULL : p->tls.error);
		fr_json_string(j, "protocol", p->tls.ok ? p->protocol : NULL);
		fr_json_string(j, "cipher", p->tls.ok ? p->cipher : NULL);
		if (p->has_cert)
			json_certificate(j, &p->cert);
		else
			fr_json_null(j, "certificate");
		fr_json_object_end(j);
	} else {
		fr_json_null(j, "tls");
	}
	if (p->sip.run) {
		const struct fr_sip_result *r = &p->sip_result;

		fr_json_object_begin(j, "sip");
		fr_json_bool(j, "ok", p->sip.ok);
		fr_json_double(j, "ms", p->sip.ms);
		fr_json_string(j, "error", p->sip.ok ? NULL : p->sip.error);
		if (r->status > 0)
			fr_json_int(j, "status", r->status);
		else
			fr_json_null(j, "status");
		fr_json_string(j, "reason", r->status > 0 ? r->reason : NULL);
		fr_json_string(j, "status_line", r->status > 0 ?
		    r->status_line : NULL);
		fr_json_string(j, "server", r->server[0] ? r->server : NULL);
		fr_json_object_end(j);
	} else {
		fr_json_null(j, "sip");
	}
	if (p->has_xmpp_plain || p->xmpp.run) {
		fr_json_object_begin(j, "xmpp");
		fr_json_bool(j, "ok", p->xmpp.run && p->xmpp.ok);
		fr_json_double(j, "ms", p->xmpp.ms);
		fr_json_string(j, "error", p->xmpp.run && !p->xmpp.ok ?
		    p->xmpp.error : NULL);
		json_features(j, "before_tls", p->has_xmpp_plain,
		    &p->xmpp_plain);
		json_features(j, "after_tls", p->has_xmpp_tls, &p->xmpp_tls);
		fr_json_object_end(j);
	} else {
		fr_json_null(j, "xmpp");
	}
	fr_json_string(j, "port_speaks", p->port_speaks);
	fr_json_bool(j, "usable", p->skipped == NULL && p->usable);
	fr_json_object_end(j);
}

static void
json_connect(struct fr_json *j, const struct fr_connect *cn, size_t ti)
{
	size_t k;

	if (!cn->run || ti >= cn->ntargets) {
		fr_json_null(j, "connect");
		return;
	}
	fr_json_array_begin(j, "connect");
	for (k = 0; k < cn->targets[ti].nprobes; k++)
		json_probe(j, &cn->targets[ti].probes[k]);
	fr_json_array_end(j);
}

static void
json_target(struct fr_json *j, const struct fr_target *t,
    const struct fr_connect *cn, size_t ti)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	fr_json_object_begin(j, NULL);
	fr_json_string(j, "host", t->host);
	fr_json_int(j, "port", t->port);
	fr_json_string(j, "transport", fr_transport_wire(t->transport));
	fr_json_bool(j, "secure", fr_transport_secure(t->transport));
	if (t->from_srv) {
		fr_json_int(j, "priority", t->priority);
		fr_json_int(j, "weight", t->weight);
	} else {
		fr_json_null(j, "priority");
		fr_json_null(j, "weight");
	}
	fr_json_string(j, "source", fr_source_name(t->source));
	if (t->has_naptr) {
		fr_json_object_begin(j, "naptr");
		fr_json_int(j, "order", t->naptr.order);
		fr_json_int(j, "preference", t->naptr.preference);
		fr_json_string(j, "flags", t->naptr.flags);
		fr_json_string(j, "service", t->naptr.service);
		fr_json_object_end(j);
	} else {
		fr_json_null(j, "naptr");
	}
	fr_json_string(j, "srv", t->srv[0] ? t->srv : NULL);
	fr_json_string(j, "cname", t->cname[0] ? t->cname : NULL);
	fr_json_array_begin(j, "addresses");
	for (i = 0; i < t->naddrs; i++) {
		fr_json_object_begin(j, NULL);
		fr_json_string(j, "family",
		    t->addrs[i].family == AF_INET ? "inet" : "inet6");
		fr_json_string(j, "address",
		    fr_address_str(&t->addrs[i], buf, sizeof(buf)));
		fr_json_bool(j, "down", i >= t->naddrs - t->ndown);
		fr_json_object_end(j);
	}
	fr_json_array_end(j);
	if (t->ndown > 0) {
		fr_json_object_begin(j, "health");
		fr_json_bool(j, "down", t->down);
		fr_json_int(j, "addresses_down", (long long)t->ndown);
		fr_json_double(j, "retry_in", t->down_for);
		fr_json_string(j, "reason", t->down_reason);
		fr_json_object_end(j);
	} else {
		fr_json_null(j, "health");
	}
	if (t->source == FR_SOURCE_LITERAL)
		fr_json_null(j, "ttl");
	else
		fr_json_int(j, "ttl", t->ttl);
	json_connect(j, cn, ti);
	fr_json_object_end(j);
}

static void
json_checks(struct fr_json *j, const struct fr_dnscheck *dc)
{
	size_t i;

	fr_json_array_begin(j, "checks");
	for (i = 0; i < dc->nqs; i++) {
		const struct fr_dnscheck_q *q = &dc->qs[i];
		bool udp = q->kind == FR_DNSCHECK_UDP;

		fr_json_object_begin(j, NULL);
		fr_json_string(j, "check", fr_dnscheck_kind_name(q->kind));
		fr_json_string(j, "name", q->name);
		fr_json_string(j, "type", fr_rr_type_name(q->type));
		fr_json_string(j, "server", udp ? q->server : NULL);
		fr_json_string(j, "status", fr_dns_status_name(q->status));
		fr_json_int(j, "answers", q->answers);
		if (q->has_ttl)
			fr_json_int(j, "ttl", q->ttl);
		else
			fr_json_null(j, "ttl");
		if (udp && q->size > 0) {
			fr_json_int(j, "size", (long long)q->size);
			fr_json_bool(j, "truncated", q->truncated);
			fr_json_bool(j, "authoritative", q->authoritative);
		} else {
			fr_json_null(j, "size");
			fr_json_null(j, "truncated");
			fr_json_null(j, "authoritative");
		}
		fr_json_double(j, "ms", q->ms);
		fr_json_object_end(j);
	}
	fr_json_array_end(j);
}

/* null with fewer than two --resolver, else each one's view and the
 * differences. */
static void
json_resolvers(struct fr_json *j, const struct fr_resdiff *rd)
{
	size_t i, k;

	if (rd->nviews == 0) {
		fr_json_null(j, "resolvers");
		return;
	}
	fr_json_object_begin(j, "resolvers");
	fr_json_array_begin(j, "servers");
	for (i = 0; i < rd->nviews; i++) {
		const struct fr_resdiff_view *v = &rd->views[i];

		fr_json_object_begin(j, NULL);
		fr_json_string(j, "server", v->server);
		fr_json_string(j, "result", v->plan ?
		    fr_result_name(v->plan->result) : NULL);
		fr_json_int(j, "targets", v->plan ?
		    (long long)v->plan->ntargets : 0);
		fr_json_string(j, "error", v->plan ? NULL : v->error);
		fr_json_object_end(j);
	}
	fr_json_array_end(j);
	fr_json_array_begin(j, "differences");
	for (i = 0; i < rd->nitems; i++) {
		fr_json_object_begin(j, NULL);
		fr_json_string(j, "subject", rd->items[i].subject);
		fr_json_array_begin(j, "values");
		for (k = 0; k < rd->nviews; k++)
			fr_json_string(j, NULL, rd->items[i].values[k]);
		fr_json_array_end(j);
		fr_json_object_end(j);
	}
	fr_json_array_end(j);
	fr_json_object_end(j);
}

static void
json_lookup(struct fr_json *j, const struct fr_lookup *lk)
{
	const struct fr_plan *plan = lk->plan;
	size_t i;
	int t;

	fr_json_object_begin(j, NULL);
	fr_json_int(j, "version", FR_REPORT_JSON_VERSION);
	if (plan == NULL) {
		/* Only in a document of several lookups: this one failed. */
		fr_json_object_begin(j, "query");
		fr_json_string(j, "input", lk->input);
		fr_json_object_end(j);
		fr_json_string(j, "error", lk->error);
		fr_json_string(j, "verdict", fr_verdict_name(lk->status));
		fr_json_int(j, "exit", lk->status);
		fr_json_object_end(j);
		return;
	}

	fr_json_object_begin(j, "query");
	fr_json_string(j, "input", plan->input);
	fr_json_string(j, "profile", fr_profile_name(plan->profile));
	fr_json_string(j, "domain", plan->domain);
	fr_json_bool(j, "sips", plan->sips);
	if (plan->port > 0)
		fr_json_int(j, "port", plan->port);
	else
		fr_json_null(j, "port");
	fr_json_array_begin(j, "transports");
	for (t = 0; t < FR_TRANSPORT_COUNT; t++)
		if (plan->transports & FR_TRANSPORT_BIT(t))
			fr_json_string(j, NULL,
			    fr_transport_name((enum fr_transport)t));
	fr_json_array_end(j);
	fr_json_object_end(j);

	fr_json_string(j, "result", fr_result_name(plan->result));
	fr_json_object_begin(j, "cache");
	fr_json_string(j, "status", fr_cache_status_name(plan->cache));
	fr_json_double(j, "age", plan->age);
	fr_json_double(j, "ttl_left", plan->ttl_left);
	fr_json_object_end(j);

	fr_json_array_begin(j, "targets");
	for (i = 0; i < plan->ntargets; i++)
		json_target(j, &plan->targets[i], &lk->connect, i);
	fr_json_array_end(j);

	fr_json_array_begin(j, "trace");
	for (i = 0; i < plan->ntrace; i++) {
		const struct fr_trace_entry *te = &plan->trace[i];

		fr_json_object_begin(j, NULL);
		fr_json_string(j, "name", te->name);
		fr_json_string(j, "type", fr_rr_type_name(te->type));
		fr_json_string(j, "status", fr_dns_status_name(te->status));
		fr_json_string(j, "rcode", fr_rcode_name(te->rcode));
		fr_json_int(j, "answers", te->answers);
		if (te->has_ttl)
			fr_json_int(j, "ttl", te->ttl);
		else
			fr_json_null(j, "ttl");
		fr_json_double(j, "ms", te->ms);
		fr_json_bool(j, "secure", te->secure);
		fr_json_object_end(j);
	}
	fr_json_array_end(j);

	fr_json_array_begin(j, "findings");
	for (i = 0; i < lk->diag.nfindings; i++) {
		const struct fr_diag_finding *f = &lk->diag.findings[i];

		fr_json_object_begin(j, NULL);
		fr_json_string(j, "id", f->id);
		fr_json_string(j, "severity", fr_severity_name(f->severity));
		fr_json_string(j, "message", f->message);
		fr_json_string(j, "hint", f->hint);
		if (f->target >= 0)
			fr_json_int(j, "target", f->target);
		else
			fr_json_null(j, "target");
		fr_json_object_end(j);
	}
	fr_json_array_end(j);

	json_checks(j, &lk->dns);
	json_resolvers(j, &lk->resolvers);
	fr_json_string(j, "verdict", fr_verdict_name(lk->status));
	fr_json_int(j, "exit", lk->status);
	fr_json_object_end(j);
}

void
fr_report_json(FILE *out, const struct fr_lookup *lk)
{
	struct fr_json j;

	fr_json_init(&j, out);
	json_lookup(&j, lk);
}

void
fr_report_plan_json(FILE *out, struct fr_plan *plan)
{
	struct fr_lookup lk;

	memset(&lk, 0, sizeof(lk));
	lk.input = plan->input;
	lk.plan = plan;
	fr_diag_init(&lk.diag);
	fr_diag_add_plan(&lk.diag, plan);
	lk.status = fr_diag_exit_status(&lk.diag, plan);
	fr_report_json(out, &lk);
	fr_diag_clear(&lk.diag);
}

void
fr_report_json_many(FILE *out, struct fr_lookup *const *lks, size_t n,
    int status)
{
	unsigned count[4] = { 0, 0, 0, 0 };
	struct fr_json j;
	size_t i;

	fr_json_init(&j, out);
	fr_json_object_begin(&j, NULL);
	fr_json_int(&j, "version", FR_REPORT_JSON_VERSION);
	fr_json_array_begin(&j, "lookups");
	for (i = 0; i < n; i++) {
		json_lookup(&j, lks[i]);
		count[lks[i]->status >= 0 && lks[i]->status <= 2 ?
		    lks[i]->status : 3]++;
	}
	fr_json_array_end(&j);
	fr_json_object_begin(&j, "summary");
	fr_json_int(&j, "ok", count[0]);
	fr_json_int(&j, "warning", count[1]);
	fr_json_int(&j, "critical", count[2]);
	fr_json_int(&j, "unknown", count[3]);
	fr_json_string(&j, "verdict", fr_verdict_name(status));
	fr_json_int(&j, "exit", status);
	fr_json_object_end(&j);
	fr_json_object_end(&j);
}


/* ---- text --------------------------------------------------------------- */

static void
colour(FILE *out, const struct fr_report_opts *o, const char *sgr,
    const char *s, int width)
{
	if (o->color)
		fprintf(out, "\033[%sm%s\033[0m%*s", sgr, s,
		    width > (int)strlen(s) ? width - (int)strlen(s) : 0, "");
	else
		fprintf(out, "%-*s", width, s);
}

static const char *
severity_sgr(enum fr_severity s)
{
	return s == FR_SEV_ERROR ? C_RED : s == FR_SEV_WARNING ? C_YELLOW :
	    C_CYAN;
}

static const char *
verdict_sgr(int status)
{
	return status == 0 ? C_GREEN : status == 1 ? C_YELLOW : C_RED;
}

/*
 * Print text word-wrapped to WIDTH columns: the first line after
 * `first` (already printed, `col` columns wide), the others indented by
 * `indent` spaces.  Words longer than a line are printed whole.
 */
static void
wrap(FILE *out, const char *text, int col, int indent)
{
	char esc[SHOWN_MAX];
	const char *p = shown(esc, sizeof(esc), text);

	while (*p != '\0') {
		size_t wl = strcspn(p, " ");

		if (col > indent && col + 1 + (int)wl > WIDTH) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, wl, out);
		col += (int)wl;
		p += wl;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

/*
 * Print s in a column `width` wide that starts at column `col`; a longer
 * s gets a line of its own and the row goes on below, under the column's
 * end, so that the other columns stay aligned.
 */
static void
column(FILE *out, const char *raw, int col, int width)
{
	char esc[SHOWN_MAX];
	const char *s = shown(esc, sizeof(esc), raw);

	if ((int)strlen(s) <= width)
		fprintf(out, "%-*s", width, s);
	else
		fprintf(out, "%s\n%*s", s, col + width, "");
}

static void
text_trace(FILE *out, const struct fr_plan *plan)
{
	size_t i;

	fprintf(out, "\nDNS questions, in the order asked\n");
	if (plan->ntrace == 0)
		fprintf(out, "  none (the target needs no DNS)\n");
	for (i = 0; i < plan->ntrace; i++) {
		const struct fr_trace_entry *te = &plan->trace[i];
		char ttl[16] = "";

		if (te->has_ttl)
			snprintf(ttl, sizeof(ttl), "ttl %u", te->ttl);
		fprintf(out, "  %-5s ", fr_rr_type_name(te->type));
		column(out, te->name, 8, 33);
		fprintf(out, " %-8s %3u rec  %-9s %6.1f ms%s\n",
		    fr_dns_status_name(te->status), te->answers, ttl, te->ms,
		    te->secure ? " secure" : "");
	}
}

static void
text_targets(FILE *out, const struct fr_plan *plan)
{
	char buf[INET6_ADDRSTRLEN], line[WIDTH * 4];
	struct fr_strbuf sb;
	size_t i, k;

	fprintf(out, "\nTargets, in the order they would be tried\n");
	if (plan->ntargets == 0) {
		fprintf(out, "  none\n");
		return;
	}
	fprintf(out, "  %-2s %-31s %5s %-9s %-8s %-7s %s\n", "#", "host",
	    "port", "transport", "prio/wt", "source", "ttl");
	for (i = 0; i < plan->ntargets; i++) {
		const struct fr_target *t = &plan->targets[i];
		char pw[16] = "-";

		if (t->from_srv)
			snprintf(pw, sizeof(pw), "%u/%u", t->priority,
			    t->weight);
		fprintf(out, "  %-2zu ", i + 1);
		column(out, t->host, 5, 31);
		fprintf(out, " %5u %-9s %-8s %-7s %u\n", t->port,
		    fr_transport_name(t->transport), pw,
		    fr_source_name(t->source), t->ttl);
		fr_strbuf_init(&sb, line, sizeof(line));
		for (k = 0; k < t->naddrs; k++)
			fr_strbuf_item(&sb, ", ", "%s",
			    fr_address_str(&t->addrs[k], buf, sizeof(buf)));
		fprintf(out, "%5s", "");
		wrap(out, line, 5, 5);
		if (t->ndown > 0) {
			fr_strbuf_init(&sb, line, sizeof(line));
			fr_strbuf_printf(&sb, "%s: %zu address%s down, retry in "
			    "%.0f s (%s)", t->down ? "DOWN" : "partly down",
			    t->ndown, t->ndown == 1 ? "" : "es", t->down_for,
			    t->down_reason);
			fprintf(out, "%5s", "");
			wrap(out, line, 5, 5);
		}
		if (!t->has_naptr && !t->srv[0] && !t->cname[0])
			continue;
		fr_strbuf_init(&sb, line, sizeof(line));
		if (t->has_naptr)
			fr_strbuf_printf(&sb, "via NAPTR %u %u %s",
			    t->naptr.order, t->naptr.preference,
			    t->naptr.service);
		if (t->srv[0])
			fr_strbuf_printf(&sb, "%s SRV %s",
			    sb.len ? "," : "via", t->srv);
		if (t->cname[0])
			fr_strbuf_item(&sb, " ", "(alias of %s)", t->cname);
		fprintf(out, "%5s", "");
		wrap(out, line, 5, 5);
	}
}

static void
text_checks(FILE *out, const struct fr_lookup *lk)
{
	const struct fr_dnscheck *dc = &lk->dns;
	size_t i, k;

	fprintf(out, "\nChecks beyond the plan\n");
	for (i = 0; i < dc->nqs; i++) {
		const struct fr_dnscheck_q *q = &dc->qs[i];

		if (q->kind == FR_DNSCHECK_UDP)
			continue;
		fprintf(out, "  %-5s ", fr_rr_type_name(q->type));
		column(out, q->name, 8, 33);
		fprintf(out, " %-8s %3u rec  %s\n",
		    fr_dns_status_name(q->status), q->answers,
		    q->kind == FR_DNSCHECK_LEGACY ? "(wrong name)" :
		    "(NAPTR ties)");
	}
	/* One line per server asked over UDP. */
	for (i = 0; i < dc->nqs; i++) {
		const struct fr_dnscheck_q *q = &dc->qs[i];
		unsigned asked = 0, trunc = 0, failed = 0, timedout = 0;
		size_t largest = 0;
		bool first = true;
		char line[WIDTH * 2];
		struct fr_strbuf sb;

		if (q->kind != FR_DNSCHECK_UDP)
			continue;
		for (k = 0; k < i && first; k++)
			first = !(dc->qs[k].kind == FR_DNSCHECK_UDP &&
			    strcmp(dc->qs[k].server, q->server) == 0);
		if (!first)
			continue;
		for (k = i; k < dc->nqs; k++) {
			const struct fr_dnscheck_q *r = &dc->qs[k];

			if (r->kind != FR_DNSCHECK_UDP ||
			    strcmp(r->server, q->server) != 0)
				continue;
			asked++;
			trunc += r->truncated;
			failed += r->size == 0;
			timedout += r->status == FR_DNS_TIMEOUT;
			if (r->size > largest)
				largest = r->size;
		}
		fr_strbuf_init(&sb, line, sizeof(line));
		fr_strbuf_printf(&sb, "UDP with %d-byte EDNS to %s: ",
		    FR_DNSCHECK_UDP_SIZE, q->server);
		if (timedout > 0)
			fr_strbuf_printf(&sb, "no answer in time, not asked "
			    "further");
		else
			fr_strbuf_printf(&sb, "%u question%s, largest answer "
			    "%zu bytes, %u truncated%s", asked,
			    asked == 1 ? "" : "s", largest, trunc,
			    failed ? ", some unanswered" : "");
		fprintf(out, "  ");
		wrap(out, line, 2, 4);
	}
	if (dc->udp_unchecked)
		fprintf(out, "  UDP answer size: not checked (needs "
		    "--resolver)\n");
	if (dc->ttl_unjudged > 0) {
		char line[WIDTH * 2];

		snprintf(line, sizeof(line), "TTLs of %u answer%s not judged: "
		    "no authoritative answer (a cache shows what is left of "
		    "a TTL)", dc->ttl_unjudged,
		    dc->ttl_unjudged == 1 ? "" : "s");
		fprintf(out, "  ");
		wrap(out, line, 2, 4);
	}
}

/* "  label      text", the text wrapped under itself */
static void
detail(FILE *out, const char *label, const char *text)
{
	fprintf(out, "%7s%-12s ", "", label);
	wrap(out, text, 20, 20);
}

static void
text_features(FILE *out, const char *label, const struct fr_xmpp_features *f)
{
	char line[256];
	struct fr_strbuf sb;

	fr_strbuf_init(&sb, line, sizeof(line));
	if (f->starttls)
		fr_strbuf_item(&sb, ", ", "starttls%s",
		    f->starttls_required ? " (required)" : "");
	if (f->dialback)
		fr_strbuf_item(&sb, ", ", "dialback");
	if (f->mechanisms[0])
		fr_strbuf_item(&sb, ", ", "SASL %s", f->mechanisms);
	if (f->stream_error[0])
		fr_strbuf_item(&sb, ", ", "stream error %s", f->stream_error);
	if (sb.len == 0)
		fr_strbuf_printf(&sb, "none");
	detail(out, label, line);
}

static void
text_step_failed(FILE *out, const char *what, const struct fr_step *st)
{
	char line[WIDTH * 4];

	snprintf(line, sizeof(line), "failed after %.1f ms: %s", st->ms,
	    st->error);
	detail(out, what, line);
}

/* Protocol, cipher and certificate of a probe that did TLS. */
static void
text_tls(FILE *out, const struct fr_probe *p)
{
	char line[WIDTH * 4], names[512];
	const struct fr_cert_info *c = &p->cert;
	struct fr_strbuf sb;

	snprintf(line, sizeof(line), "%.1f ms, %s, %s", p->tls.ms, p->protocol,
	    p->cipher);
	detail(out, "TLS", line);
	if (p->has_cert) {
		detail(out, "certificate", c->chain[0].subject);
		detail(out, "issuer", c->chain[0].issuer);
		fr_cert_names_join(c, names, sizeof(names));
		detail(out, "names", names);
		fr_strbuf_init(&sb, line, sizeof(line));
		fr_strbuf_printf(&sb, "%s", c->trusted ? "trusted" :
		    "NOT trusted");
		if (!c->trusted)
			fr_strbuf_printf(&sb, " (%s)", c->verify_error);
		if (c->expired)
			fr_strbuf_printf(&sb, "; EXPIRED %s",
			    c->chain[0].not_after);
		else if (c->not_yet_valid)
			fr_strbuf_printf(&sb, "; NOT YET VALID until %s",
			    c->chain[0].not_before);
		else
			fr_strbuf_printf(&sb, "; expires %.10s (%ld days)",
			    c->chain[0].not_after, c->days_left);
		detail(out, "validity", line);
		fr_strbuf_init(&sb, line, sizeof(line));
		if (c->rfc5922 != FR_NAME_NA)
			fr_strbuf_item(&sb, ", ", "RFC 5922 domain %s",
			    fr_name_verdict_name(c->rfc5922));
		if (c->rfc6125 != FR_NAME_NA)
			fr_strbuf_item(&sb, ", ", "RFC 6125 domain %s",
			    fr_name_verdict_name(c->rfc6125));
		if (c->srv_target != FR_NAME_NA)
			fr_strbuf_item(&sb, ", ", "SRV target %s",
			    fr_name_verdict_name(c->srv_target));
		detail(out, "name check", line);
	}
}

static void
text_probe(FILE *out, const struct fr_probe *p,
    const struct fr_report_opts *o)
{
	char ip[INET6_ADDRSTRLEN], line[WIDTH * 4];

	fprintf(out, "     %s", fr_address_str(&p->addr, ip, sizeof(ip)));
	if (p->skipped != NULL) {
		fprintf(out, "  not probed: %s\n", p->skipped);
		return;
	}
	fprintf(out, "  ");
	colour(out, o, p->usable ? C_GREEN : C_RED,
	    p->usable ? "usable" : "not usable", 0);
	fputc('\n', out);
	if (p->tcp.run && !p->tcp.ok) {
		text_step_failed(out, "connect", &p->tcp);
		return;
	}
	if (p->tcp.run) {
		snprintf(line, sizeof(line), "%.1f ms", p->tcp.ms);
		detail(out, "connect", line);
	}
	if (p->has_xmpp_plain)
		text_features(out, "features", &p->xmpp_plain);
	if (p->starttls.run) {
		if (!p->starttls.ok) {
			text_step_failed(out, "starttls", &p->starttls);
			return;
		}
		snprintf(line, sizeof(line), "%.1f ms", p->starttls.ms);
		detail(out, "starttls", line);
	}
	if (p->tls.run && !p->tls.ok) {
		text_step_failed(out, "TLS", &p->tls);
		if (p->port_speaks != NULL)
			detail(out, "port speaks", p->port_speaks);
		return;
	}
	if (p->tls.ok)
		text_tls(out, p);
	if (p->sip.run) {
		if (!p->sip.ok)
			text_step_failed(out, "SIP OPTIONS", &p->sip);
		else {
			snprintf(line, sizeof(line), "%s (%.1f ms)%s%s",
			    p->sip_result.status_line, p->sip.ms,
			    p->sip_result.server[0] ? ", " : "",
			    p->sip_result.server);
			detail(out, "SIP OPTIONS", line);
		}
		if (p->port_speaks != NULL)
			detail(out, "port speaks", p->port_speaks);
	}
	if (p->xmpp.run) {
		if (!p->xmpp.ok)
			text_step_failed(out, "XMPP", &p->xmpp);
		else
			text_features(out, "features/TLS", &p->xmpp_tls);
	}
}

static void
text_connect(FILE *out, const struct fr_lookup *lk,
    const struct fr_report_opts *o)
{
	const struct fr_connect *cn = &lk->connect;
	size_t i, k;

	if (!cn->run)
		return;
	fprintf(out, "\nConnections, in plan order\n");
	if (cn->ntargets == 0)
		fprintf(out, "  none: no target\n");
	for (i = 0; i < cn->ntargets; i++) {
		const struct fr_target *t = &lk->plan->targets[i];
		char host[SHOWN_MAX];

		fprintf(out, "  %-2zu %s:%u/%s\n", i + 1,
		    shown(host, sizeof(host), t->host), t->port,
		    fr_transport_name(t->transport));
		for (k = 0; k < cn->targets[i].nprobes; k++)
			text_probe(out, &cn->targets[i].probes[k], o);
	}
	fprintf(out, "  %u of %u address%s probed usable\n", cn->usable,
	    cn->probed, cn->probed == 1 ? "" : "es");
}

static void
text_resolvers(FILE *out, const struct fr_resdiff *rd)
{
	char buf[SHOWN_MAX];
	size_t i, k;

	if (rd->nviews == 0)
		return;
	fprintf(out, "\nResolvers, each asked alone\n");
	for (i = 0; i < rd->nviews; i++) {
		const struct fr_resdiff_view *v = &rd->views[i];

		fprintf(out, "  %-2zu ", i + 1);
		column(out, v->server, 5, 28);
		if (v->plan != NULL)
			fprintf(out, " %-11s %zu target%s\n",
			    fr_result_name(v->plan->result), v->plan->ntargets,
			    v->plan->ntargets == 1 ? "" : "s");
		else
			fprintf(out, " %s\n", shown(buf, sizeof(buf),
			    v->error));
	}
	if (rd->nitems == 0) {
		fprintf(out, "  They agree.\n");
		return;
	}
	fprintf(out, "  Where they differ (values by resolver number):\n");
	for (i = 0; i < rd->nitems; i++) {
		fprintf(out, "  %s\n", shown(buf, sizeof(buf),
		    rd->items[i].subject));
		for (k = 0; k < rd->nviews; k++) {
			fprintf(out, "    %zu: ", k + 1);
			wrap(out, rd->items[i].values[k], 7, 7);
		}
	}
}

static void
text_findings(FILE *out, const struct fr_lookup *lk,
    const struct fr_report_opts *o)
{
	size_t i;

	if (lk->diag.nfindings == 0)
		return;
	fprintf(out, "\nFindings\n");
	for (i = 0; i < lk->diag.nfindings; i++) {
		const struct fr_diag_finding *f = &lk->diag.findings[i];

		fprintf(out, "  ");
		colour(out, o, severity_sgr(f->severity),
		    fr_severity_name(f->severity), 8);
		fprintf(out, " %s\n    ", f->id);
		wrap(out, f->message, 4, 4);
		fprintf(out, "    fix: ");
		wrap(out, f->hint, 9, 9);
	}
}

void
fr_report_text(FILE *out, const struct fr_lookup *lk,
    const struct fr_report_opts *o)
{
	const struct fr_plan *plan = lk->plan;
	char a[SHOWN_MAX], b[SHOWN_MAX];

	if (plan == NULL) {
		fprintf(out, "%s\n\n  no lookup: %s\n",
		    shown(a, sizeof(a), lk->input),
		    shown(b, sizeof(b), lk->error));
		return;
	}
	fprintf(out, "%s  (profile %s, domain %s%s)\n",
	    shown(a, sizeof(a), plan->input), fr_profile_name(plan->profile),
	    shown(b, sizeof(b), plan->domain),
	    plan->sips ? ", sips: TLS only" : "");
	text_trace(out, plan);
	text_targets(out, plan);
	text_checks(out, lk);
	text_resolvers(out, &lk->resolvers);
	text_connect(out, lk, o);
	text_findings(out, lk, o);

	fprintf(out, "\nResult: %s", fr_result_name(plan->result));
	if (plan->result == FR_RESULT_OK)
		fprintf(out, ", %zu target%s", plan->ntargets,
		    plan->ntargets == 1 ? "" : "s");
	if (plan->cache == FR_CACHE_HIT || plan->cache == FR_CACHE_STALE)
		fprintf(out, " (from cache%s: resolved %.0f s ago, %s %.0f s)",
		    plan->cache == FR_CACHE_STALE ? ", STALE" : "", plan->age,
		    plan->ttl_left >= 0 ? "expires in" : "expired",
		    plan->ttl_left >= 0 ? plan->ttl_left : -plan->ttl_left);
	fprintf(out, "; verdict ");
	colour(out, o, verdict_sgr(lk->status), fr_verdict_name(lk->status),
	    0);
	fprintf(out, " (exit %d)\n", lk->status);
	if (lk->error[0])
		fprintf(out, "Note: %s\n", shown(a, sizeof(a), lk->error));
}

void
fr_report_text_summary(FILE *out, struct fr_lookup *const *lks, size_t n,
    int status, const struct fr_report_opts *o)
{
	size_t i, k;

	fprintf(out, "\nSummary of %zu lookups\n", n);
	fprintf(out, "  %-30s %-11s %7s %5s %6s  %s\n", "target", "result",
	    "targets", "warn", "errors", "verdict");
	for (i = 0; i < n; i++) {
		const struct fr_lookup *lk = lks[i];
		char label[FR_DNAME_MAX + 64];
		unsigned warn = 0, errs = 0;

		for (k = 0; k < lk->diag.nfindings; k++) {
			warn += lk->diag.findings[k].severity == FR_SEV_WARNING;
			errs += lk->diag.findings[k].severity == FR_SEV_ERROR;
		}
		fr_lookup_label(lk, label, sizeof(label));
		fprintf(out, "  ");
		column(out, label, 2, 30);
		fprintf(out, " %-11s %7zu %5u %6u  ",
		    lk->plan ? fr_result_name(lk->plan->result) : "-",
		    lk->plan ? lk->plan->ntargets : 0, warn, errs);
		colour(out, o, verdict_sgr(lk->status),
		    fr_verdict_name(lk->status), 0);
		fputc('\n', out);
	}
	fprintf(out, "Overall: ");
	colour(out, o, verdict_sgr(status), fr_verdict_name(status), 0);
	fprintf(out, " (exit %d)\n", status);
}
