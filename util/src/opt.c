/* util/src/opt.c - see util/opt.h. */
#include "util/opt.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers ------------------------------------------------------------ */

bool util_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s == '\0' || strspn(s, "0123456789") != strlen(s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = (uint64_t)v;
    return true;
}

bool util_parse_double(const char *s, double min, double max, double *out)
{
    if (s == NULL || *s == '\0' || strspn(s, "0123456789.eE+-") != strlen(s))
        return false;   /* no "nan", "inf", hex or spaces */
    if (strpbrk(s, "0123456789") == NULL)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || !(v >= min && v <= max))
        return false;
    *out = v;
    return true;
}

/* ---- messages ----------------------------------------------------------- */

/* Appends to the NUL-terminated text in buf (n bytes), cutting it short. */
__attribute__((format(printf, 3, 4)))
static void appendf(char *buf, size_t n, const char *fmt, ...)
{
    size_t len = strnlen(buf, n);
    if (len + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, n - len, fmt, ap);
    va_end(ap);
}

/* An option's bounds as the type's range when both are 0. */
static void opt_bounds(const struct util_opt *o, double *lo, double *hi)
{
    *lo = o->min;
    *hi = o->max;
    if ((o->min != 0 || o->max != 0) && o->kind == UTIL_OPT_UINT)
        *hi = fmin(*hi, (double)UINT_MAX);   /* the destination is an unsigned */
    if (o->min != 0 || o->max != 0)
        return;
    *hi = o->kind == UTIL_OPT_UINT ? (double)UINT_MAX
        : o->kind == UTIL_OPT_U64  ? (double)UINT64_MAX
                                   : INFINITY;
    *lo = o->kind == UTIL_OPT_DOUBLE ? -INFINITY : 0;
}

static uint64_t to_u64(double v)
{
    if (!(v > 0))
        return 0;
    return v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v;
}

static bool opt_bounded(const struct util_opt *o)
{
    return (o->min != 0 || o->max != 0) && o->kind >= UTIL_OPT_UINT && o->kind <= UTIL_OPT_DOUBLE;
}

/* What is valid, for errors and --help: "from 1 to 1024", "one of a, b, c",
 * or "" (the type's whole range). */
static void opt_range(const struct util_opt *o, char *buf, size_t n)
{
    double lo, hi;
    opt_bounds(o, &lo, &hi);
    buf[0] = '\0';
    if (o->kind == UTIL_OPT_CHOICE) {
        appendf(buf, n, "one of");
        for (size_t i = 0; o->choices != NULL && o->choices[i] != NULL; i++)
            appendf(buf, n, "%s %s", i ? "," : "", o->choices[i]);
    } else if (opt_bounded(o) && o->kind == UTIL_OPT_DOUBLE) {
        appendf(buf, n, "from %g to %g", lo, hi);
    } else if (opt_bounded(o)) {
        appendf(buf, n, "from %llu to %llu", (unsigned long long)to_u64(lo),
                (unsigned long long)to_u64(hi));
    }
}

/* "a whole number from 1 to 1024", "one of a, b, c", "a number". */
static void opt_wants(const struct util_opt *o, char *buf, size_t n)
{
    char range[448];
    opt_range(o, range, sizeof range);
    const char *noun = o->kind == UTIL_OPT_UINT || o->kind == UTIL_OPT_U64 ? "a whole number"
                     : o->kind == UTIL_OPT_DOUBLE                          ? "a number"
                     : o->kind == UTIL_OPT_CHOICE                          ? ""
                                                                           : "a value";
    snprintf(buf, n, "%s%s%s", noun, *noun && *range ? " " : "", range);
}

/* ---- one option --------------------------------------------------------- */

static const struct util_opt *opt_find(const struct util_opt *opts, const char *name, size_t len)
{
    for (const struct util_opt *o = opts; o->name != NULL; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static bool opt_choice(const struct util_opt *o, const char *val)
{
    for (int i = 0; o->choices != NULL && o->choices[i] != NULL; i++) {
        if (strcmp(o->choices[i], val) == 0) {
            *(int *)o->dest = i;
            return true;
        }
    }
    return false;
}

/* Stores val into o's destination: 0, or -1 with the one-line error. */
static int opt_store(const struct util_opt *o, const char *val, char *err, size_t errlen)
{
    double lo, hi, d;
    uint64_t u;
    opt_bounds(o, &lo, &hi);
    bool ok = true;
    switch (o->kind) {
    case UTIL_OPT_UINT:
        ok = util_parse_u64(val, to_u64(lo), to_u64(hi), &u);
        if (ok)
            *(unsigned *)o->dest = (unsigned)u;
        break;
    case UTIL_OPT_U64:
        ok = util_parse_u64(val, to_u64(lo), to_u64(hi), &u);
        if (ok)
            *(uint64_t *)o->dest = u;
        break;
    case UTIL_OPT_DOUBLE:
        ok = util_parse_double(val, lo, hi, &d);
        if (ok)
            *(double *)o->dest = d;
        break;
    case UTIL_OPT_STRING:
        *(const char **)o->dest = val;
        break;
    case UTIL_OPT_CHOICE:
        ok = opt_choice(o, val);
        break;
    case UTIL_OPT_CUSTOM: {
        char why[256] = "";
        if (o->parse(val, o->dest, why, sizeof why) == 0)
            break;
        snprintf(err, errlen, "--%s: %s", o->name, why[0] ? why : "bad value");
        return -1;
    }
    case UTIL_OPT_FLAG:
        *(bool *)o->dest = true;
        break;
    }
    if (ok)
        return 0;
    char wants[512];
    opt_wants(o, wants, sizeof wants);
    snprintf(err, errlen, "--%s needs %s, not '%s'", o->name, wants, val);
    return -1;
}

/* argv[*i] starts with "--" and is not "--": parses it (and its value, which
 * may be argv[*i + 1]). 0, or -1 with the error. */
static int opt_take(const struct util_cmdline *c, int argc, char **argv, int *i, char *err,
                    size_t errlen)
{
    const char *name = argv[*i] + 2, *eq = strchr(name, '=');
    size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    const struct util_opt *o = opt_find(c->opts, name, len);
    if (o == NULL) {
        snprintf(err, errlen, "unknown option '--%.*s'", (int)len, name);
        return -1;
    }
    const char *val = NULL;
    if (o->kind == UTIL_OPT_FLAG) {
        if (eq != NULL) {
            snprintf(err, errlen, "--%s takes no value", o->name);
            return -1;
        }
    } else if (eq != NULL) {
        val = eq + 1;
    } else if (*i + 1 < argc) {
        val = argv[++*i];
    } else {
        snprintf(err, errlen, "--%s needs a value", o->name);
        return -1;
    }
    if (opt_store(o, val, err, errlen) != 0)
        return -1;
    if (o->seen != NULL)
        *o->seen = true;
    return 0;
}

/* ---- the command line --------------------------------------------------- */

static int add_positional(const struct util_cmdline *c, char *a, char **pos, int *npos,
                          char *err, size_t errlen)
{
    if (c->max_positional == 0) {
        snprintf(err, errlen, "unexpected argument '%s'", a);
        return -1;
    }
    if (c->max_positional > 0 && *npos >= c->max_positional) {
        snprintf(err, errlen, "too many arguments: '%s' (at most %d)", a, c->max_positional);
        return -1;
    }
    pos[(*npos)++] = a;
    return 0;
}

static bool is_help(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

int util_opt_parse(const struct util_cmdline *c, int argc, char **argv, char **pos, int *npos,
                   char *err, size_t errlen)
{
    bool options = true;
    *npos = 0;
    if (errlen > 0)
        err[0] = '\0';
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        int rc = 0;
        if (options && strcmp(a, "--") == 0) {
            options = false;
        } else if (options && is_help(a)) {
            util_opt_help(stdout, c);
            return UTIL_OPT_HELP;
        } else if (options && strncmp(a, "--help=", 7) == 0) {
            snprintf(err, errlen, "--help takes no value");
            rc = -1;
        } else if (options && a[0] == '-' && a[1] == '-') {
            rc = opt_take(c, argc, argv, &i, err, errlen);
        } else if (options && a[0] == '-' && a[1] != '\0') {
            snprintf(err, errlen, "unknown option '%s'", a);
            rc = -1;
        } else if (c->stop_at_positional) {
            while (i < argc)
                pos[(*npos)++] = argv[i++];
            return UTIL_OPT_OK;
        } else {
            rc = add_positional(c, a, pos, npos, err, errlen);
        }
        if (rc != 0)
            return UTIL_OPT_ERROR;
    }
    return UTIL_OPT_OK;
}

int util_opt_fail(const char *prog, const char *err)
{
    fprintf(stderr, "%s: %s (try --help)\n", prog, err);
    return 2;
}

/* ---- help --------------------------------------------------------------- */

static const char *opt_metavar(const struct util_opt *o)
{
    if (o->kind == UTIL_OPT_FLAG)
        return NULL;
    if (o->arg != NULL)
        return o->arg;
    return o->kind == UTIL_OPT_UINT || o->kind == UTIL_OPT_U64 ? "N"
         : o->kind == UTIL_OPT_DOUBLE                          ? "X"
                                                               : "VALUE";
}

static void help_line(FILE *f, const char *left, const char *help, const char *extra, int col)
{
    int w = fprintf(f, "  %s", left);
    if (w > col) {
        fputc('\n', f);
        w = 0;
    }
    fprintf(f, "%*s%s%s\n", col - w + 2, "", help != NULL ? help : "", extra);
}

void util_opt_help(FILE *f, const struct util_cmdline *c)
{
    fprintf(f, "usage: %s %s\n", c->prog, c->usage != NULL ? c->usage : "[OPTIONS]");
    if (c->summary != NULL)
        fprintf(f, "%s\n", c->summary);
    fprintf(f, "\noptions:\n");
    enum { COL = 24 };
    for (const struct util_opt *o = c->opts; o->name != NULL; o++) {
        char left[128], extra[512] = "";
        const char *mv = opt_metavar(o);
        snprintf(left, sizeof left, "--%s%s%s", o->name, mv ? " " : "", mv ? mv : "");
        if (o->kind == UTIL_OPT_CHOICE || opt_bounded(o)) {
            char range[448];
            opt_range(o, range, sizeof range);
            snprintf(extra, sizeof extra, " (%s)", range);
        }
        help_line(f, left, o->help, extra, COL);
    }
    help_line(f, "-h, --help", "show this help and exit", "", COL);
    if (c->epilog != NULL)
        fprintf(f, "\n%s\n", c->epilog);
}

/* ---- lists -------------------------------------------------------------- */

/* The items of s between commas: -1 with the reason for an empty one. */
static int list_check(const char *s, char *err, size_t errlen)
{
    if (s == NULL || *s == '\0') {
        snprintf(err, errlen, "empty list");
        return -1;
    }
    if (s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,") != NULL) {
        snprintf(err, errlen, "empty item in '%s'", s);
        return -1;
    }
    return 0;
}

int util_list_split(const char *s, char *buf, size_t buflen, char **items, size_t maxn,
                    size_t *n, char *err, size_t errlen)
{
    *n = 0;
    if (list_check(s, err, errlen) != 0)
        return -1;
    if (strlen(s) + 1 > buflen) {
        snprintf(err, errlen, "list too long: '%s'", s);
        return -1;
    }
    memcpy(buf, s, strlen(s) + 1);
    for (char *p = buf;;) {
        if (*n == maxn) {
            snprintf(err, errlen, "more than %zu items in '%s'", maxn, s);
            return -1;
        }
        items[(*n)++] = p;
        char *comma = strchr(p, ',');
        if (comma == NULL)
            return 0;
        *comma = '\0';
        p = comma + 1;
    }
}

int util_list_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, size_t maxn,
                  size_t *n, char *err, size_t errlen)
{
    *n = 0;
    if (list_check(s, err, errlen) != 0)
        return -1;
    for (const char *p = s;;) {
        size_t len = strcspn(p, ",");
        char item[32];
        snprintf(item, sizeof item, "%.*s", (int)len, p);
        if (*n == maxn) {
            snprintf(err, errlen, "more than %zu items in '%s'", maxn, s);
            return -1;
        }
        if (len >= sizeof item || !util_parse_u64(item, min, max, &out[*n])) {
            snprintf(err, errlen, "'%.*s' is not a whole number from %llu to %llu (in '%s')",
                     (int)len, p, (unsigned long long)min, (unsigned long long)max, s);
            return -1;
        }
        (*n)++;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}
