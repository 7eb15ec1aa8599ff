/*
 * json.h -- a small streaming JSON writer (RFC 8259) with indentation.
 *
 * The writer places commas and indentation itself: callers open and
 * close objects and arrays and emit members.  Inside an object every
 * value takes a key; inside an array key must be NULL.
 */
#ifndef FR_JSON_H
#define FR_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define FR_JSON_MAX_DEPTH 16

struct fr_json {
	FILE *out;
	int depth;
	bool nonempty[FR_JSON_MAX_DEPTH];
};

void fr_json_init(struct fr_json *j, FILE *out);
void fr_json_object_begin(struct fr_json *j, const char *key);
void fr_json_object_end(struct fr_json *j);
void fr_json_array_begin(struct fr_json *j, const char *key);
void fr_json_array_end(struct fr_json *j);
/* s == NULL writes null. */
void fr_json_string(struct fr_json *j, const char *key, const char *s);
void fr_json_int(struct fr_json *j, const char *key, long long v);
void fr_json_double(struct fr_json *j, const char *key, double v);
void fr_json_bool(struct fr_json *j, const char *key, bool v);
void fr_json_null(struct fr_json *j, const char *key);

#endif /* FR_JSON_H */
