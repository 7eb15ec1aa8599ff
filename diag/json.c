/*
 * json.c -- streaming JSON writer.
 */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "escape.h"
#include "json.h"

void
fr_json_init(struct fr_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->nonempty[0] = false;
}

static void
indent(struct fr_json *j)
{
	int i;

	fputc('\n', j->out);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/*
 * A JSON string of valid UTF-8 only, whatever s holds: a peer's bytes
 * cannot break the document or the terminal of whoever reads it.
 * Control characters, C1 and bidirectional controls are written as
 * \uXXXX; a byte that is not part of valid UTF-8 becomes U+FFFD.
 */
static void
put_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), k;
	uint32_t cp;

	fputc('"', out);
	while (n > 0) {
		if ((k = fr_utf8_decode(p, n, &cp)) == 0) {
			fputs("\xef\xbf\xbd", out);	/* U+FFFD */
			p++;
			n--;
			continue;
		}
		switch (cp) {
		case '"':  fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (fr_cp_is_control(cp))
				fprintf(out, "\\u%04x", (unsigned)cp);
			else
				fwrite(p, 1, k, out);
		}
		p += k;
		n -= k;
	}
	fputc('"', out);
}

/* Separator, indentation and key before a value. */
static void
member(struct fr_json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->nonempty[j->depth])
			fputc(',', j->out);
		j->nonempty[j->depth] = true;
		indent(j);
	}
	if (key != NULL) {
		put_string(j->out, key);
		fputs(": ", j->out);
	}
}

static void
open_(struct fr_json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->out);
	assert(j->depth + 1 < FR_JSON_MAX_DEPTH);
	j->nonempty[++j->depth] = false;
}

static void
close_(struct fr_json *j, char c)
{
	bool had = j->nonempty[j->depth--];

	if (had)
		indent(j);
	fputc(c, j->out);
	if (j->depth == 0)
		fputc('\n', j->out);
}

void fr_json_object_begin(struct fr_json *j, const char *k) { open_(j, k, '{'); }
void fr_json_object_end(struct fr_json *j) { close_(j, '}'); }
void fr_json_array_begin(struct fr_json *j, const char *k) { open_(j, k, '['); }
void fr_json_array_end(struct fr_json *j) { close_(j, ']'); }

void
fr_json_string(struct fr_json *j, const char *key, const char *s)
{
	member(j, key);
	if (s == NULL)
		fputs("null", j->out);
	else
		put_string(j->out, s);
}

void
fr_json_int(struct fr_json *j, const char *key, long long v)
{
	member(j, key);
	fprintf(j->out, "%lld", v);
}

void
fr_json_double(struct fr_json *j, const char *key, double v)
{
	member(j, key);
	if (isfinite(v))
		fprintf(j->out, "%.3f", v);
	else
		fputs("null", j->out);
}

void
fr_json_bool(struct fr_json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->out);
}

void
fr_json_null(struct fr_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->out);
}
