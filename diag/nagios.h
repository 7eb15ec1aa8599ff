/*
 * nagios.h -- the lookup as a Nagios / Icinga plug-in reports it
 * (Nagios Plugin Development Guidelines): one status line
 *
 *     FEDROUTE WARNING - sips:big.example: 40 targets; warnings: ... | perfdata
 *
 * then one line per warning or error (the "long output").  The exit
 * status is the caller's: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 * Performance data: targets, warnings, errors, time; with --connect also
 * usable (addresses that passed, of those probed) and cert_days (the
 * fewest days a certificate seen has left; warn below 30, crit below 0).
 */
#ifndef FR_NAGIOS_H
#define FR_NAGIOS_H

#include <stddef.h>
#include <stdio.h>

#include "tester.h"

void fr_nagios_report(FILE *out, struct fr_lookup *const *lks, size_t n,
    int status);
/* The status line for a run that could not start (usage error). */
void fr_nagios_unknown(FILE *out, const char *why);

#endif /* FR_NAGIOS_H */
