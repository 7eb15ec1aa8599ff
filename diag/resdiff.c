/*
 * resdiff.c -- one plan per resolver, and what differs between them.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resdiff.h"
#include "strbuf.h"
#include "ubev.h"
#include "util.h"

struct wait {
	struct fr_resdiff_view *view;
	size_t *left;
};

static void
on_plan(void *arg, struct fr_plan *plan)
{
	struct wait *w = arg;

	w->view->plan = plan;
	if (plan == NULL)
		snprintf(w->view->error, sizeof(w->view->error),
		    "out of memory");
	(*w->left)--;
}

/* ---- the values compared ------------------------------------------------- */

static void
result_value(const struct fr_resdiff_view *v, char *buf, size_t len)
{
	struct fr_strbuf sb;

	fr_strbuf_init(&sb, buf, len);
	if (v->plan == NULL)
		fr_strbuf_printf(&sb, "error: %s", v->error);
	else
		fr_strbuf_printf(&sb, "%s", fr_result_name(v->plan->result));
}

static void
question_value(const struct fr_resdiff_view *v, const char *name,
    uint16_t type, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "not asked");
	for (i = 0; v->plan != NULL && i < v->plan->ntrace; i++) {
		const struct fr_trace_entry *te = &v->plan->trace[i];

		if (te->type != type || strcmp(te->name, name) != 0)
			continue;
		if (te->status == FR_DNS_ANSWER)
			snprintf(buf, len, "%u record%s", te->answers,
			    te->answers == 1 ? "" : "s");
		else
			snprintf(buf, len, "%s",
			    fr_dns_status_name(te->status));
		return;
	}
}

static void
target_key(const struct fr_target *t, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%u/%s", t->host, t->port,
	    fr_transport_name(t->transport));
}

/* The addresses of the target with this key (they come sorted). */
static void
target_value(const struct fr_resdiff_view *v, const char *key, char *buf,
    size_t len)
{
	char k[FR_DNAME_MAX + 32], ip[INET6_ADDRSTRLEN];
	struct fr_strbuf sb;
	size_t i, a;

	snprintf(buf, len, "none");
	for (i = 0; v->plan != NULL && i < v->plan->ntargets; i++) {
		const struct fr_target *t = &v->plan->targets[i];

		target_key(t, k, sizeof(k));
		if (strcmp(k, key) != 0)
			continue;
		fr_strbuf_init(&sb, buf, len);
		for (a = 0; a < t->naddrs; a++)
			fr_strbuf_item(&sb, ", ", "%s",
			    fr_address_str(&t->addrs[a], ip, sizeof(ip)));
		return;
	}
}

/* ---- comparing ----------------------------------------------------------- */

enum subject_kind { SUBJ_RESULT, SUBJ_QUESTION, SUBJ_TARGET };

static bool
seen_subject(char (*subjects)[FR_DNAME_MAX + 32], size_t n,
    const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(subjects[i], s) == 0)
			return true;
	return false;
}

/* Compare one subject across the views; add an item when they differ. */
static int
compare(struct fr_resdiff *rd, enum subject_kind kind, const char *subject,
    const char *name, uint16_t type)
{
	struct fr_resdiff_item *item;
	char vals[2][256], *first = vals[0], *cur = vals[1];
	bool differ = false;
	size_t i;

	for (i = 0; i < rd->nviews; i++) {
		char *buf = i == 0 ? first : cur;

		if (kind == SUBJ_RESULT)
			result_value(&rd->views[i], buf, sizeof(vals[0]));
		else if (kind == SUBJ_QUESTION)
			question_value(&rd->views[i], name, type, buf,
			    sizeof(vals[0]));
		else
			target_value(&rd->views[i], name, buf,
			    sizeof(vals[0]));
		if (i > 0 && strcmp(first, cur) != 0)
			differ = true;
	}
	if (!differ)
		return 0;
	if ((item = fr_array_grow(&rd->items, &rd->nitems,
	    sizeof(*item))) == NULL)
		return -1;
	snprintf(item->subject, sizeof(item->subject), "%s", subject);
	if ((item->values = calloc(rd->nviews, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < rd->nviews; i++) {
		if (kind == SUBJ_RESULT)
			result_value(&rd->views[i], cur, sizeof(vals[0]));
		else if (kind == SUBJ_QUESTION)
			question_value(&rd->views[i], name, type, cur,
			    sizeof(vals[0]));
		else
			target_value(&rd->views[i], name, cur,
			    sizeof(vals[0]));
		if ((item->values[i] = strdup(cur)) == NULL)
			return -1;
	}
	return 0;
}

static int
compare_all(struct fr_resdiff *rd)
{
	char (*subjects)[FR_DNAME_MAX + 32] = NULL;
	char key[FR_DNAME_MAX + 32];
	size_t nsubj = 0, cap = 0, v, i;
	int rc;

	if ((rc = compare(rd, SUBJ_RESULT, "result", NULL, 0)) != 0)
		return rc;
	for (v = 0; v < rd->nviews; v++) {
		const struct fr_plan *p = rd->views[v].plan;

		if (p != NULL)
			cap += p->ntrace + p->ntargets;
	}
	if (cap > 0 && (subjects = calloc(cap, sizeof(*subjects))) == NULL)
		return -1;
	/* Questions first, then targets, each in first-seen order. */
	for (v = 0; rc == 0 && v < rd->nviews; v++) {
		const struct fr_plan *p = rd->views[v].plan;

		for (i = 0; rc == 0 && p != NULL && i < p->ntrace; i++) {
			const struct fr_trace_entry *te = &p->trace[i];

			snprintf(key, sizeof(key), "%s %s",
			    fr_rr_type_name(te->type), te->name);
			if (seen_subject(subjects, nsubj, key))
				continue;
			memcpy(subjects[nsubj++], key, sizeof(key));
			rc = compare(rd, SUBJ_QUESTION, key, te->name,
			    te->type);
		}
	}
	for (v = 0; rc == 0 && v < rd->nviews; v++) {
		const struct fr_plan *p = rd->views[v].plan;

		for (i = 0; rc == 0 && p != NULL && i < p->ntargets; i++) {
			char subject[sizeof(subjects[0])];
			struct fr_strbuf sb;

			target_key(&p->targets[i], key, sizeof(key));
			fr_strbuf_init(&sb, subject, sizeof(subject));
			fr_strbuf_printf(&sb, "target %s", key);
			if (seen_subject(subjects, nsubj, subject))
				continue;
			memcpy(subjects[nsubj++], subject, sizeof(subject));
			rc = compare(rd, SUBJ_TARGET, subject, key, 0);
		}
	}
	free(subjects);
	return rc;
}

static void
finding(const struct fr_resdiff *rd, struct fr_diag *diag)
{
	char list[256];
	struct fr_strbuf sb;
	bool results_differ;
	size_t i;

	if (rd->nitems == 0)
		return;
	results_differ = strcmp(rd->items[0].subject, "result") == 0;
	fr_strbuf_init(&sb, list, sizeof(list));
	if (results_differ) {
		/* the result is the news: say it in full */
		fr_strbuf_printf(&sb, "result");
		for (i = 0; i < rd->nviews; i++)
			fr_strbuf_printf(&sb, "%s%s", i ? " / " : " ",
			    rd->items[0].values[i]);
	}
	for (i = results_differ; i < rd->nitems && i < 3; i++)
		fr_strbuf_item(&sb, ", ", "%s", rd->items[i].subject);
	if (rd->nitems > 3)
		fr_strbuf_printf(&sb, ", ...");
	fr_diag_add(diag, FR_CHECK_RESOLVERS_DISAGREE, results_differ ?
	    FR_SEV_ERROR : FR_SEV_WARNING, -1, "the %zu resolvers disagree "
	    "on %zu point%s (%s): the router gets either answer",
	    rd->nviews, rd->nitems, rd->nitems == 1 ? "" : "s", list);
}

/* ---- entry --------------------------------------------------------------- */

int
fr_resdiff_run(struct ev_loop *loop, const struct fr_resolver_conf *base,
    const struct fr_query *query, struct fr_resdiff *out,
    struct fr_diag *diag, char *err, size_t errlen)
{
	size_t n = base->upstream.nforwarders, i, left = 0;
	struct fr_resolver **res = NULL;
	struct wait *waits = NULL;
	int rc = -1;

	if (n < 2)
		return 0;
	ev_now_update(loop);	/* the caller may have blocked (UDP checks) */
	if ((out->views = calloc(n, sizeof(*out->views))) == NULL ||
	    (res = calloc(n, sizeof(*res))) == NULL ||
	    (waits = calloc(n, sizeof(*waits))) == NULL)
		goto done;
	out->nviews = n;
	for (i = 0; i < n; i++) {
		struct fr_resdiff_view *v = &out->views[i];
		struct fr_resolver_conf conf = *base;

		v->server = base->upstream.forwarders[i];
		conf.upstream.forwarders = &base->upstream.forwarders[i];
		conf.upstream.nforwarders = 1;
		waits[i].view = v;
		waits[i].left = &left;
		if ((res[i] = fr_resolver_create(loop, &conf, v->error,
		    sizeof(v->error))) == NULL)
			continue;
		if (fr_resolve(res[i], query, on_plan, &waits[i], NULL,
		    v->error, sizeof(v->error)) == 0)
			left++;
	}
	while (left > 0)
		ev_run(loop, EVRUN_ONCE);
	rc = compare_all(out);
	if (rc == 0)
		finding(out, diag);
done:
	for (i = 0; res != NULL && i < n; i++)
		fr_resolver_delete(res[i]);
	free(res);
	free(waits);
	if (rc != 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

void
fr_resdiff_clear(struct fr_resdiff *rd)
{
	size_t i, k;

	for (i = 0; i < rd->nviews; i++)
		fr_plan_free(rd->views[i].plan);
	for (i = 0; i < rd->nitems; i++) {
		for (k = 0; rd->items[i].values != NULL && k < rd->nviews; k++)
			free(rd->items[i].values[k]);
		free(rd->items[i].values);
	}
	free(rd->views);
	free(rd->items);
	memset(rd, 0, sizeof(*rd));
}
