/* tests/json_check.h - a strict little JSON validator for the output tests.
 *
 * json_valid_object() accepts exactly one JSON object (RFC 8259 grammar:
 * strings with escapes, numbers, true/false/null, nested arrays and objects)
 * and nothing after it but whitespace. json_field() finds a top-level key in
 * such an object and returns a pointer to its raw value text. */
#ifndef RACELAB_JSON_CHECK_H
#define RACELAB_JSON_CHECK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *json__value(const char *p, int depth);

static const char *json__ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *json__string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || p[i] == '\0')
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
        p++;
    }
    return p + 1;
}

static const char *json__number(const char *p)
{
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return NULL;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p;
}

static const char *json__seq(const char *p, char close, bool keyed, int depth)
{
    p = json__ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (keyed) {
            if ((p = json__string(p)) == NULL)
                return NULL;
            p = json__ws(p);
            if (*p++ != ':')
                return NULL;
        }
        if ((p = json__value(json__ws(p), depth + 1)) == NULL)
            return NULL;
        p = json__ws(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
        p = json__ws(p);
    }
}

static const char *json__value(const char *p, int depth)
{
    if (depth > 32)
        return NULL;
    switch (*p) {
    case '{': return json__seq(p, '}', true, depth);
    case '[': return json__seq(p, ']', false, depth);
    case '"': return json__string(p);
    case 't': return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f': return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n': return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:  return json__number(p);
    }
}

static inline bool json_valid_object(const char *text)
{
    const char *p = json__ws(text);
    if (*p != '{')
        return false;
    p = json__value(p, 0);
    return p != NULL && *json__ws(p) == '\0';
}

/* The raw value of top-level |key| in a valid object, or NULL. */
static inline const char *json_field(const char *obj, const char *key)
{
    size_t klen = strlen(key);
    const char *p = json__ws(obj) + 1;
    for (;;) {
        p = json__ws(p);
        if (*p != '"')
            return NULL;
        const char *kend = json__string(p);
        if (kend == NULL)
            return NULL;
        bool match = (size_t)(kend - p - 2) == klen && strncmp(p + 1, key, klen) == 0;
        p = json__ws(json__ws(kend) + 1);
        if (match)
            return p;
        p = json__ws(json__value(p, 1));
        if (*p != ',')
            return NULL;
        p++;
    }
}

static inline bool json_field_is(const char *obj, const char *key, const char *raw)
{
    const char *v = json_field(obj, key);
    return v != NULL && strncmp(v, raw, strlen(raw)) == 0 &&
           strchr(",}", v[strlen(raw)]) != NULL;
}

static inline long long json_field_int(const char *obj, const char *key, long long dflt)
{
    const char *v = json_field(obj, key);
    return v ? strtoll(v, NULL, 10) : dflt;
}

#endif
