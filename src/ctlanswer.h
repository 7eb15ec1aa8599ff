/*
 * ctlanswer.h -- control answers as data: built as JSON values (the
 * contract in doc/control.md), merged over workers, and written out as
 * JSON or as aligned text.
 *
 * An answer is one JSON object with "version": 1; each command's has
 * the fields doc/control.md lists.  With workers, every worker answers
 * in JSON and the master merges the answers into one of the same shape
 * (sums where the figures add up, the first worker's where all agree,
 * a union where each holds its own part), with "workers": N added; a
 * lone daemon's answer is the same without the merge.  So text and
 * JSON, one process or many, come from one writer.
 *
 * Values are jansson's json_t (libjansson), reference counted: the
 * functions that take an answer do not take the caller's reference.
 */
#ifndef FR_CTLANSWER_H
#define FR_CTLANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "ctlproto.h"

/*
 * A JSON string of s, safe whatever its bytes: text that is not clean
 * UTF-8 (a peer's, in a check result) is escaped first (escape.h).
 * NULL when memory ran out.
 */
json_t *fr_ctl_str(const char *s);

/* {"version": 1, "command", "ok", "message"}: an outcome.  NULL when
 * memory ran out. */
json_t *fr_ctl_message(const char *command, bool ok, const char *message);

/*
 * Merge the workers' answers to verb (answers[0 .. n), each parsed
 * from a worker's JSON) into one new answer with "workers": n.  *ok is
 * false when any of them refused.  NULL when memory ran out or when
 * an answer is not the shape verb's has (why says which).
 */
json_t *fr_ctl_merge(enum fr_ctl_verb verb, json_t *const *answers, size_t n,
    bool *ok, char *why, size_t whylen);

/*
 * Write answer: JSON (indented, with its newline), or text for verb
 * aligned as fedroute prints.  now is the wall clock, for "3s ago".
 * 0, or -1 when memory ran out; the body is malloc'd into *bodyp.
 */
int fr_ctl_render(enum fr_ctl_verb verb, json_t *answer, bool json, double now,
    char **bodyp, size_t *lenp);

#endif /* FR_CTLANSWER_H */
