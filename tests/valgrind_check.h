/* tests/valgrind_check.h - whether valgrind can judge the labs in this
 * build: valgrind_why_not() is NULL, or the reason a case skips (a
 * sanitized build, sync/ not annotated, no valgrind). Include after
 * run_prog.h and sync/annotate.h. */
#ifndef RACELAB_VALGRIND_CHECK_H
#define RACELAB_VALGRIND_CHECK_H

#include <stdbool.h>
#include <string.h>

static inline const char *valgrind_why_not(void)
{
    if (strcmp(RACELAB_SANITIZER_NAME, "none") != 0)
        return "sanitized build: valgrind cannot run its programs";
    if (!SYNC_ANNOTATED)
        return "sync/ built without valgrind annotations (no valgrind/helgrind.h, or "
               "RACELAB_VALGRIND_ANNOTATIONS=OFF)";
    char *argv[] = { "valgrind", "--version", NULL };
    struct prog_result r = run_prog(argv, 30);
    bool ok = r.status == 0;
    prog_result_free(&r);
    return ok ? NULL : "valgrind not found (apt-get install valgrind)";
}

#endif
