/*
 * report.h -- print a plan for people (text) or programs (JSON, the
 * versioned format of doc/lookup-contract.md).
 */
#ifndef FR_REPORT_H
#define FR_REPORT_H

#include <stdio.h>

#include "plan.h"

#define FR_REPORT_JSON_VERSION 1

void fr_report_json(FILE *out, const struct fr_plan *plan);
void fr_report_text(FILE *out, const struct fr_plan *plan);

#endif /* FR_REPORT_H */
