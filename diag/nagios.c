/*
 * nagios.c -- status line, long output and performance data.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "nagios.h"
#include "strbuf.h"

static const char *
state_name(int status)
{
	switch (status) {
	case 0:		return "OK";
	case 1:		return "WARNING";
	case 2:		return "CRITICAL";
	}
	return "UNKNOWN";
}

/*
 * A perfdata label: quoted, a quote doubled, '=' replaced (guidelines,
 * "Performance data").
 */
static void
label(FILE *out, const char *prefix, const char *what)
{
	char esc[1024];
	const char *p;

	fputc('\'', out);
	if (prefix != NULL) {
		for (p = fr_escape_str(esc, sizeof(esc), prefix); *p != '\0';
		    p++) {
			if (*p == '\'')
				fputs("\'\'", out);
			else
				fputc(*p == '=' ? '_' : *p, out);
		}
		fputc(' ', out);
	}
	fprintf(out, "%s'=", what);
}

/*
 * With --connect: addresses that passed, and the fewest days any
 * certificate seen has left, with the thresholds of CERT_EXPIRING
 * (warning) and CERT_EXPIRED (critical), so a graph shows renewals.
 */
static void
connect_perfdata(FILE *out, const struct fr_lookup *lk, const char *prefix)
{
	const struct fr_connect *cn = &lk->connect;
	bool any = false;
	long days = 0;
	size_t i, k;

	fputc(' ', out);
	label(out, prefix, "usable");
	fprintf(out, "%u;;;0;%u", cn->usable, cn->probed);
	for (i = 0; i < cn->ntargets; i++)
		for (k = 0; k < cn->targets[i].nprobes; k++) {
			const struct fr_probe *p = &cn->targets[i].probes[k];

			if (p->has_cert && (!any || p->cert.days_left < days)) {
				days = p->cert.days_left;
				any = true;
			}
		}
	if (any) {
		fputc(' ', out);
		label(out, prefix, "cert_days");
		fprintf(out, "%ld;%d:;0:", days, FR_CERT_EXPIRING_DAYS);
	}
}

static void
perfdata(FILE *out, const struct fr_lookup *lk, const char *prefix)
{
	unsigned warn = 0, errs = 0;
	size_t i;

	for (i = 0; i < lk->diag.nfindings; i++) {
		warn += lk->diag.findings[i].severity == FR_SEV_WARNING;
		errs += lk->diag.findings[i].severity == FR_SEV_ERROR;
	}
	fputc(' ', out);
	label(out, prefix, "targets");
	fprintf(out, "%zu;;;0 ", lk->plan ? lk->plan->ntargets : 0);
	label(out, prefix, "warnings");
	fprintf(out, "%u;;;0 ", warn);
	label(out, prefix, "errors");
	fprintf(out, "%u;;;0 ", errs);
	label(out, prefix, "time");
	fprintf(out, "%.6fs;;;0", lk->ms / 1000.0);
	if (!lk->connect.run)
		return;
	connect_perfdata(out, lk, prefix);
}

/* "input: result; errors: A, B; warnings: C" */
static void
summary(const struct fr_lookup *lk, char *buf, size_t size)
{
	static const enum fr_severity sevs[] = { FR_SEV_ERROR, FR_SEV_WARNING };
	struct fr_strbuf sb;
	size_t i, k, s;

	char label[FR_DNAME_MAX + 64];

	fr_lookup_label(lk, label, sizeof(label));
	fr_strbuf_init(&sb, buf, size);
	fr_strbuf_printf(&sb, "%s: ", label);
	if (lk->plan == NULL) {
		fr_strbuf_printf(&sb, "%s", lk->error);
		return;
	}
	if (lk->plan->result == FR_RESULT_OK)
		fr_strbuf_printf(&sb, "%zu target%s", lk->plan->ntargets,
		    lk->plan->ntargets == 1 ? "" : "s");
	else
		fr_strbuf_printf(&sb, "%s", fr_result_name(lk->plan->result));
	for (s = 0; s < sizeof(sevs) / sizeof(sevs[0]); s++) {
		bool first = true;

		for (i = 0; i < lk->diag.nfindings; i++) {
			const struct fr_diag_finding *f = &lk->diag.findings[i];
			bool dup = false;

			if (f->severity != sevs[s])
				continue;
			for (k = 0; k < i && !dup; k++)
				dup = lk->diag.findings[k].severity ==
				    sevs[s] && lk->diag.findings[k].id == f->id;
			if (dup)
				continue;
			fr_strbuf_printf(&sb, "%s%s", first ? (sevs[s] ==
			    FR_SEV_ERROR ? "; errors: " : "; warnings: ") :
			    ", ", f->id);
			first = false;
		}
	}
}

/* Plug-in output is one line per item, and '|' starts perfdata; what
 * a peer or a user wrote is escaped (escape.h). */
static void
put_clean(FILE *out, const char *s)
{
	char esc[2048];

	for (s = fr_escape_str(esc, sizeof(esc), s); *s != '\0'; s++)
		fputc(*s == '|' ? '/' : *s, out);
}

static void
long_output(FILE *out, const struct fr_lookup *lk)
{
	size_t i;

	for (i = 0; i < lk->diag.nfindings; i++) {
		const struct fr_diag_finding *f = &lk->diag.findings[i];

		if (f->severity == FR_SEV_INFO)
			continue;
		fprintf(out, "%s %s: ", fr_severity_name(f->severity), f->id);
		put_clean(out, f->message);
		fputc('\n', out);
	}
}

void
fr_nagios_report(FILE *out, struct fr_lookup *const *lks, size_t n,
    int status)
{
	unsigned count[4] = { 0, 0, 0, 0 };
	char line[512];
	size_t i;

	fprintf(out, "FEDROUTE %s - ", state_name(status));
	if (n == 1) {
		summary(lks[0], line, sizeof(line));
		put_clean(out, line);
		fprintf(out, " |");
		perfdata(out, lks[0], NULL);
		fputc('\n', out);
		long_output(out, lks[0]);
		return;
	}
	for (i = 0; i < n; i++)
		count[lks[i]->status >= 0 && lks[i]->status <= 2 ?
		    lks[i]->status : 3]++;
	fprintf(out, "%zu lookups: %u critical, %u warning, %u unknown, "
	    "%u ok |", n, count[2], count[1], count[3], count[0]);
	for (i = 0; i < n; i++) {
		char label[FR_DNAME_MAX + 64];

		fr_lookup_label(lks[i], label, sizeof(label));
		perfdata(out, lks[i], label);
	}
	fputc('\n', out);
	for (i = 0; i < n; i++) {
		summary(lks[i], line, sizeof(line));
		fprintf(out, "%s ", state_name(lks[i]->status));
		put_clean(out, line);
		fputc('\n', out);
	}
}

void
fr_nagios_unknown(FILE *out, const char *why)
{
	fprintf(out, "FEDROUTE UNKNOWN - ");
	put_clean(out, why);
	fputc('\n', out);
}
