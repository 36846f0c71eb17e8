/* tests/run_prog.h - run a program, capture its output, never hang: the
 * tests' shorthand over util_spawn (util/spawn.h).
 *
 * run_prog() runs argv (argv[0] a path, or a name looked up in PATH) in its
 * own process group with stdin from /dev/null and stdout and stderr
 * captured into NUL-terminated heap buffers; past |timeout_s| the group gets
 * SIGTERM, then SIGKILL. The result's status is the exit code, 128 + signal
 * number for a signal, -1 when it timed out, and 127 when it could not be
 * started (the reason is then in err). out and err are never NULL. */
#ifndef RACELAB_RUN_PROG_H
#define RACELAB_RUN_PROG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_main.h"
#include "util/spawn.h"

struct prog_result {
    int status;
    char *out;
    char *err;
};

static inline void prog_result_free(struct prog_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

static inline struct prog_result run_prog(char *const argv[], unsigned timeout_s)
{
    struct util_spawn s = { .argv = argv, .timeout_s = timeout_s, .capture_out = true,
                            .capture_err = true, .stdin_null = true, .own_group = true };
    util_spawn_run(&s);
    struct prog_result r = { .status = -1, .out = s.out, .err = s.err };
    switch (s.end) {
    case UTIL_END_EXIT: r.status = s.code; break;
    case UTIL_END_SIGNAL: r.status = 128 + s.code; break;
    case UTIL_END_TIMEOUT: r.status = -1; break;
    case UTIL_END_SPAWN: {
        char why[256];
        size_t n = (size_t)snprintf(why, sizeof why, "cannot run %s: %s\n", argv[0],
                                    strerror(s.code));
        free(r.err);
        r.err = malloc(n + 1);
        if (r.err != NULL)
            memcpy(r.err, why, n + 1);
        r.status = 127;
        break;
    }
    }
    if (r.out == NULL)
        r.out = calloc(1, 1);
    if (r.err == NULL)
        r.err = calloc(1, 1);
    return r;
}

static inline unsigned count_lines(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* run_prog() of |prog| with the NULL-terminated argument list that starts
 * with |first| (at most TEST_MAX_ARGS - 2 arguments). */
static inline struct prog_result run_progl(const char *prog, unsigned timeout_s,
                                           const char *first, ...)
{
    char *argv[TEST_MAX_ARGS];
    va_list ap;
    va_start(ap, first);
    test_argv(argv, prog, first, ap);
    va_end(ap);
    return run_prog(argv, timeout_s);
}

#endif
