/*
 * statuspage.h -- the read-only HTML status page, for GET / (httpd.h).
 *
 * One self-contained page (no script, no external resource, inline
 * style only): the daemon, the nodes and their state, the pools, the
 * listeners with their connection counts, the federated domains (the
 * allow list, and what the resolver holds for each domain now, with
 * destination health), and the recent failures.  Every name a peer or
 * the configuration controls is HTML-escaped.
 */
#ifndef FR_STATUSPAGE_H
#define FR_STATUSPAGE_H

#include <stdio.h>

#include "metrics.h"

struct fr_edge;

/* Write s as HTML text or attribute value: & < > " ' become entities;
 * bytes that are not UTF-8, and control characters, become U+FFFD. */
void fr_html_text(FILE *out, const char *s);

/* Write the page.  0, or -1 when out failed (ferror). */
int fr_statuspage_write(FILE *out, struct fr_edge *edge,
    const struct fr_status_info *info);

#endif /* FR_STATUSPAGE_H */
