/* util/src/json.c - see util/json.h. */
#include "util/json.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The escape of byte c in a JSON string into e (at least 7 bytes): its
 * length, or 0 when c goes through as is. */
static size_t json_escape_byte(unsigned char c, char e[8])
{
    const char *short_form = NULL;
    switch (c) {
    case '"': short_form = "\\\""; break;
    case '\\': short_form = "\\\\"; break;
    case '\n': short_form = "\\n"; break;
    case '\t': short_form = "\\t"; break;
    case '\r': short_form = "\\r"; break;
    case '\b': short_form = "\\b"; break;
    case '\f': short_form = "\\f"; break;
    default:
        if (c >= 0x20 && c != 0x7f)
            return 0;
        snprintf(e, 8, "\\u%04x", c);
        return 6;
    }
    memcpy(e, short_form, 3);
    return 2;
}

size_t util_json_escape(char *dst, size_t n, const char *s)
{
    size_t need = 0, used = 0;   /* used: bytes written, never a partial escape */
    bool full = false;
    for (; s != NULL && *s; s++) {
        char e[8] = { *s, 0 };
        size_t len = json_escape_byte((unsigned char)*s, e);
        if (len == 0)
            len = 1;
        if (!full && used + len < n) {
            memcpy(dst + used, e, len);
            used += len;
        } else {
            full = true;
        }
        need += len;
    }
    if (n > 0)
        dst[used] = '\0';
    return need;
}

void util_json_string(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        char e[8];
        if (json_escape_byte((unsigned char)*s, e) > 0)
            fputs(e, f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

void util_json_number(FILE *f, double v)
{
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    double a = fabs(v);
    if (v == floor(v) && a < 1e15) {
        fprintf(f, "%.0f", v);
        return;
    }
    if (a >= 1e15 || a < 1e-3) {
        fprintf(f, "%.6g", v);
        return;
    }
    char b[64];
    snprintf(b, sizeof b, "%.3f", v);
    size_t len = strlen(b);
    while (len > 0 && b[len - 1] == '0')
        b[--len] = '\0';
    if (len > 0 && b[len - 1] == '.')
        b[--len] = '\0';
    fputs(b, f);
}

void util_xml_text(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
                fputc(c, f);
        }
    }
}
