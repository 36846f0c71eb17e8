/* util/json.h - JSON and XML text escaping: the one escaper for JSON Lines,
 * JUnit XML and SVG text.
 *
 * CONTRACT
 *   Input is a NUL-terminated byte string, taken as UTF-8 and passed through
 *   byte for byte except for what must be escaped: in JSON '"', '\\' and the
 *   control characters U+0000..U+001F (as \n, \t, \r, \b, \f or \u00XX) and
 *   U+007F (\u007f); in XML & < > " ' become entities and the control
 *   characters XML 1.0 cannot carry (everything below 0x20 except tab,
 *   newline and carriage return) are dropped. A NULL string is written as
 *   JSON null / nothing. Thread-safe (no state); stdio's own locking applies. */
#ifndef RACELAB_UTIL_JSON_H
#define RACELAB_UTIL_JSON_H

#include <stddef.h>
#include <stdio.h>

/* s as a JSON string literal, quotes included ("null" for NULL). */
void util_json_string(FILE *f, const char *s);

/* s escaped for a JSON string into dst (n bytes), quotes excluded, always
 * NUL-terminated when n > 0. Returns the length the whole escaped text
 * needs (without the NUL), like snprintf: >= n means it was cut short
 * (never inside an escape sequence). */
size_t util_json_escape(char *dst, size_t n, const char *s);

/* A number: integers as integers ("12"), others with up to 3 decimals and
 * no trailing zeros ("0.5", "12.345"), magnitudes >= 1e15 or < 1e-3 (but
 * not 0) in %.6g; "null" when v is not finite (JSON has no NaN). */
void util_json_number(FILE *f, double v);

/* s as XML text or attribute content (& < > " ' escaped). */
void util_xml_text(FILE *f, const char *s);

#endif
