/*
 * escape.h -- text a peer or a zone controls, made safe to print.
 *
 * A SIP reason phrase, a Server header, an XMPP mechanism name, a
 * certificate subject, a NAPTR string or a target typed by a user may
 * hold any bytes: escape sequences that clear a screen or retitle a
 * terminal, bidirectional overrides that reorder what is shown, half a
 * UTF-8 character.  Everything that reaches a terminal or a log line
 * goes through fr_escape() first; the JSON writer uses fr_utf8_decode()
 * and fr_cp_is_control() to emit valid UTF-8 only.
 *
 * Printable ASCII and valid UTF-8 text pass unchanged, so a correct
 * name looks the same; a backslash is left alone (DNS names already use
 * \DDD), so the escapes are for reading, not for decoding back.
 */
#ifndef FR_ESCAPE_H
#define FR_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One UTF-8 character at s, n bytes available: its length (1-4) with
 * the code point in *cp, or 0 when the bytes are not valid UTF-8
 * (a stray continuation byte, an overlong form, a surrogate, a code
 * point above U+10FFFF, or a character cut short).
 */
size_t fr_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * A code point a terminal or a text viewer acts on instead of showing:
 * C0 controls, DEL, C1 controls (U+0080-U+009F), the line and paragraph
 * separators (U+2028, U+2029) and the bidirectional marks, embeddings,
 * overrides and isolates (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069).
 */
bool fr_cp_is_control(uint32_t cp);

/*
 * Write the n bytes of s into out (outlen >= 4) with every control
 * character and every byte of invalid UTF-8 escaped: \n, \r, \t, \xHH
 * for a single byte, \u{HHHH} for a control code point of several.
 * Always NUL-terminated; when the result does not fit it is cut at a
 * character boundary and ends in "...".  Returns out.
 */
char *fr_escape(char *out, size_t outlen, const char *s, size_t n);

/* fr_escape() of a NUL-terminated string (NULL gives ""). */
char *fr_escape_str(char *out, size_t outlen, const char *s);

/* True when s (n bytes) needs no escaping. */
bool fr_escape_clean(const char *s, size_t n);

#endif /* FR_ESCAPE_H */
