/*
 * metrics.h -- the edge's counters in the Prometheus text format
 * (version 0.0.4), for GET /metrics (httpd.h).
 *
 * Every metric has "# HELP" and "# TYPE" lines; names start with
 * fedroute_, counters end in _total, durations are in seconds and
 * sizes in bytes.  Label values a peer or the configuration controls
 * are escaped as the format says (backslash, double quote, newline),
 * and bytes that are not UTF-8 become U+FFFD.  doc/fedrouted.8 lists
 * the metrics.
 */
#ifndef FR_METRICS_H
#define FR_METRICS_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

struct fr_config;
struct fr_edge;

/* What the daemon knows of itself, shown next to the edge's figures. */
struct fr_status_info {
	const char *path;		/* the configuration file */
	const struct fr_config *cfg;	/* as running */
	time_t started;			/* wall clock */
	time_t loaded;			/* the configuration, wall clock */
	unsigned worker;		/* 0: a lone daemon; else 1 of N */
	unsigned nworkers;
};

/* The replacement of byte c, or NULL to keep it. */
typedef const char *fr_web_rep_fn(int c);

/*
 * Write s with rep's replacements as UTF-8 only: a byte that is not
 * part of valid UTF-8 becomes U+FFFD, and so does a control character
 * (escape.h's fr_cp_is_control) when controls is true.
 */
void fr_web_text(FILE *out, const char *s, fr_web_rep_fn *rep,
    bool controls);

/* Write s as a label value, between the quotes the caller writes:
 * backslash, double quote and newline escaped. */
void fr_metrics_label(FILE *out, const char *s);

/* Write every metric.  0, or -1 when out failed (ferror). */
int fr_metrics_write(FILE *out, struct fr_edge *edge,
    const struct fr_status_info *info);

#endif /* FR_METRICS_H */
