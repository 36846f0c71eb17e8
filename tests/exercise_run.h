/* tests/exercise_run.h - running `racelab exercise` from a test: the
 * command with a NULL-terminated argument list, a fresh progress directory
 * (XDG_CACHE_HOME) per test under one temp dir of the process, removed at
 * exit, and the assertion on a check's --json verdict.
 * Include after test_main.h and run_prog.h; RACELAB_BIN_DIR comes from
 * racelab_add_test. */
#ifndef RACELAB_EXERCISE_RUN_H
#define RACELAB_EXERCISE_RUN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_prog.h"
#include "test_main.h"

static char exr_tmp[256];

/* racelab exercise FIRST ... NULL, stdout and stderr captured, 180 s at most. */
static inline struct prog_result exr_run(const char *first, ...)
{
    char *argv[TEST_MAX_ARGS] = { RACELAB_BIN_DIR "/racelab", "exercise" };
    va_list ap;
    va_start(ap, first);
    int argc = 2;
    for (const char *a = first; a != NULL && argc < TEST_MAX_ARGS - 1; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    argv[argc] = NULL;
    va_end(ap);
    return run_prog(argv, 180);
}
#define EXR(...) exr_run(__VA_ARGS__, NULL)

static inline void exr__cleanup(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", exr_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", exr_tmp);
}

/* A fresh, empty progress directory named |tag| for this test. */
static inline void exr_fresh_cache(const char *tag)
{
    if (exr_tmp[0] == '\0') {
        const char *t = getenv("TMPDIR");
        snprintf(exr_tmp, sizeof exr_tmp, "%s/racelab-test-exercise-XXXXXX",
                 t && t[0] ? t : "/tmp");
        CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(exr_tmp));
        atexit(exr__cleanup);
    }
    char dir[400];
    snprintf(dir, sizeof dir, "%s/%s", exr_tmp, tag);
    setenv("XDG_CACHE_HOME", dir, 1);
}

static inline bool exr_has(const char *s, const char *sub)
{
    return strstr(s, sub) != NULL;
}

/* The check's --json result is |verdict| (exit 0 and pass for "pass",
 * exit 1 and not pass for any other); says what it got otherwise. */
static inline void exr_expect_verdict(const struct prog_result *r, const char *what,
                                      const char *verdict)
{
    char want[64];
    snprintf(want, sizeof want, "\"verdict\":\"%s\"", verdict);
    bool pass = strcmp(verdict, "pass") == 0;
    CU_ASSERT_EQUAL(r->status, pass ? 0 : 1);
    CU_ASSERT(exr_has(r->out, want));
    CU_ASSERT(exr_has(r->out, pass ? "\"pass\":true" : "\"pass\":false"));
    if (r->status != (pass ? 0 : 1) || !exr_has(r->out, want))
        fprintf(stderr, "%s: want %s, got %d: %s%s", what, verdict, r->status, r->out, r->err);
}

#endif
