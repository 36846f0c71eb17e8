/* util/opt.h - the one option parser: a table of options in, parsed values,
 * positionals and one-line errors out. Every racelab program uses it (labs,
 * benches, the racelab harness), so they all accept the same spellings.
 *
 * CONTRACT
 *   Spellings: --name value and --name=value for options that take a value;
 *   --flag alone for flags (--flag=x is an error); -h and --help print the
 *   generated help on stdout and return UTIL_OPT_HELP; "--" ends the options
 *   (everything after it is a positional); a lone "-" is a positional. No
 *   other short options, no abbreviations. An option given twice: the last
 *   one wins. The value after --name is taken as is, even if it starts with
 *   a dash (so --delta -1 reaches the range check, not "unknown option").
 *   Errors: UTIL_OPT_ERROR with exactly one line in err (no trailing
 *   newline) that names the option, quotes the bad value and says what is
 *   valid - the range, or every choice:
 *     --workers needs a whole number from 1 to 1024, not 'abc'
 *     --model needs one of threads, procs, coros, not 'x'
 *     unknown option '--frobnicate'
 *     --iters needs a value
 *     --quick takes no value
 *     unexpected argument 'foo'             (max_positional 0)
 *     too many arguments: 'c' (at most 2)   (max_positional 2)
 *   A custom parser's reason is quoted after the option: "--cpus: <reason>".
 *   Bounds: min and max are inclusive; when both are 0 the option takes the
 *   whole range of its type (UINT: 0..UINT_MAX, U64: 0..UINT64_MAX, DOUBLE:
 *   any finite number). Numbers: UINT and U64 are digits only (no sign, no
 *   0x, no spaces); DOUBLE is a finite decimal number ("2", "0.5", "-1",
 *   "1e-3"; no "nan", no "inf", no hex).
 *   Nothing here allocates, and nothing prints except util_opt_help,
 *   util_opt_fail and util_opt_parse on -h/--help. There is no state of
 *   its own; the table's destinations are written, so parse before threads
 *   that read them start. */
#ifndef RACELAB_UTIL_OPT_H
#define RACELAB_UTIL_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum util_opt_kind {
    UTIL_OPT_FLAG,     /* bool *: set to true */
    UTIL_OPT_UINT,     /* unsigned *, in [min, max] */
    UTIL_OPT_U64,      /* uint64_t *, in [min, max] */
    UTIL_OPT_DOUBLE,   /* double *, in [min, max], e.g. seconds */
    UTIL_OPT_STRING,   /* const char **: points into argv */
    UTIL_OPT_CHOICE,   /* int *: the index of the value in choices[] */
    UTIL_OPT_CUSTOM,   /* parse(val, dest, err, errlen): 0, or -1 with the reason in err */
};

struct util_opt {
    const char *name;                /* long name without dashes: "workers" */
    enum util_opt_kind kind;
    void *dest;
    const char *arg;                 /* metavar in --help ("N", "LIST", "SECONDS"); NULL for flags */
    const char *help;                /* one line for --help */
    double min, max;                 /* UINT/U64/DOUBLE bounds, inclusive; both 0: the type's range */
    const char *const *choices;      /* CHOICE: NULL-terminated */
    int (*parse)(const char *val, void *dest, char *err, size_t errlen);   /* CUSTOM */
    bool *seen;                      /* optional: set to true when the option was given */
};   /* a table ends with an entry whose name is NULL */

struct util_cmdline {
    const char *prog;                /* "lab-counter" */
    const char *usage;               /* after the program name: "[OPTIONS]", "COMMAND [OPTIONS]" */
    const char *summary;             /* one line under the usage line, or NULL */
    const char *epilog;              /* printed after the options in --help, or NULL */
    const struct util_opt *opts;
    int max_positional;              /* 0: positionals are an error; -1: any number */
    bool stop_at_positional;         /* the first positional and all after it are left
                                      * unparsed in pos[] (subcommands); max_positional is
                                      * not applied to them */
};

enum { UTIL_OPT_OK = 0, UTIL_OPT_HELP = 1, UTIL_OPT_ERROR = 2 };

/* Parses argv[1..argc) against c->opts. pos[] (room for argc entries)
 * receives the positionals in order, *npos their count. Returns UTIL_OPT_OK,
 * UTIL_OPT_HELP (help printed on stdout) or UTIL_OPT_ERROR (one line in err).
 * Destinations of options before the error may have been written. */
int util_opt_parse(const struct util_cmdline *c, int argc, char **argv,
                   char **pos, int *npos, char *err, size_t errlen);

/* The generated help: "usage: PROG USAGE", the summary, one line per option
 * (name, metavar, help, then the choices or the range), the epilog. */
void util_opt_help(FILE *f, const struct util_cmdline *c);

/* Prints "PROG: ERR (try --help)" on stderr and returns 2, the exit code of
 * every bad command line:  return util_opt_fail(c.prog, err);  */
int util_opt_fail(const char *prog, const char *err);

/* Comma-separated lists: "1,2,4,8". Empty input, an empty item, a leading or
 * trailing comma and ",," are errors, as are more than maxn items. */
int util_list_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, size_t maxn,
                  size_t *n, char *err, size_t errlen);        /* 0 or -1 with the reason */

/* Splits a copy of s into items: NUL-terminated strings inside buf (buflen
 * bytes, at least strlen(s) + 1), pointers to them in items[0..*n). */
int util_list_split(const char *s, char *buf, size_t buflen, char **items, size_t maxn,
                    size_t *n, char *err, size_t errlen);      /* 0 or -1 with the reason */

/* A whole decimal number in [min, max], digits only. */
bool util_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A finite decimal number in [min, max] (see the CONTRACT for the spelling). */
bool util_parse_double(const char *s, double min, double max, double *out);

#endif
