/*
 * report.h -- print lookups for people (text) or programs (JSON, the
 * versioned format of doc/lookup-contract.md).
 *
 * Text fits 80 columns; colour, when asked for, only marks severities
 * and verdicts (the caller decides: a terminal, and NO_COLOR unset).
 */
#ifndef FR_REPORT_H
#define FR_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tester.h"

#define FR_REPORT_JSON_VERSION 1

struct fr_report_opts {
	bool color;			/* ANSI colours */
};

/* "ok", "warning", "critical", "unknown" for an exit status 0..3. */
const char *fr_verdict_name(int status);

/* One lookup as one JSON object (the single-target document). */
void fr_report_json(FILE *out, const struct fr_lookup *lk);
/* A bare plan in the same document: no checks, probes or comparison
 * (for programs that drive the resolver themselves). */
void fr_report_plan_json(FILE *out, struct fr_plan *plan);
/* Several lookups: {"version", "lookups": [...], "summary": {...}}. */
void fr_report_json_many(FILE *out, struct fr_lookup *const *lks, size_t n,
    int status);

void fr_report_text(FILE *out, const struct fr_lookup *lk,
    const struct fr_report_opts *opts);
/* The table that ends a run of several lookups. */
void fr_report_text_summary(FILE *out, struct fr_lookup *const *lks,
    size_t n, int status, const struct fr_report_opts *opts);

#endif /* FR_REPORT_H */
