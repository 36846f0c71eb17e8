/* tests/test_valgrind_clean.c - Helgrind and DRD on every cell of every lab
 * (issue 19): no fixed variant draws a report its lab does not declare, and
 * every racy variant whose data race TSan sees is still reported by both.
 *
 * The cells are whatever `racelab run` finds: every lab-* beside it and every
 * cell of its --list --json, so a new lab is covered with no change here. One
 * run of the harness (`racelab run --detectors tsan,helgrind,drd --trials 1
 * --format json`) judges them at its own valgrind size (1000 iterations, or
 * fewer where the lab's valgrind_iters says so); it does not run a tool where
 * the model or the lab says it is blind (processes; coroutines on one thread
 * for valgrind), and shows those cells `blind`.
 *
 * Fixed cells: each tool must be clean, blind, or fp - every report matches
 * one of the cell's known_reports, which the lab declares with its evidence
 * (notes/detectors.md lists what is left, none of it sync/'s). A report
 * nobody declared ("race": last session's bank/trylock regression, a known
 * report whose frame had moved), a timeout, a crash or n/a fails. Valgrind
 * serialises the threads, and what it reports on these cells does not
 * depend on the schedule.
 *
 * Racy cells: a happens-before tool sees a data race in every run (the two
 * accesses are unordered whatever the order), but not every racy variant's
 * bug is a data race: a check-then-act under the lock, a lost wake-up, a
 * lock-order deadlock. The list does not say which are, so TSan, in the same
 * run, is the witness: where TSan reports a data race on a racy cell, each
 * of Helgrind and DRD that is not blind there must report one too. A
 * lock-order report is not asserted (it needs both orders taken before the
 * table deadlocks, a matter of the schedule: notes/philosophers.md), and a
 * run in which TSan misses a race only leaves that cell unasserted, so this
 * cannot fail for TSan's misses.
 *
 * Skipped (77) in sanitized builds (valgrind cannot run them), without
 * valgrind, and where sync/ was built without valgrind's annotations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "run_prog.h"
#include "sync/annotate.h"
#include "test_main.h"
#include "valgrind_check.h"   /* after run_prog.h and sync/annotate.h */

#define RACELAB RACELAB_BIN_DIR "/racelab"


static const char *str_at(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

/* One tool's word on one cell of the matrix. */
static json_t *report_of(json_t *row, const char *tool)
{
    return json_object_get(json_object_get(row, "reports"), tool);
}

static const char *frame_at(json_t *r, size_t i)
{
    const char *s = json_string_value(json_array_get(json_object_get(r, "frames"), i));
    return s != NULL ? s : "";
}

static void say_cell(json_t *row, const char *tool, const char *what)
{
    json_t *r = report_of(row, tool);
    printf("\n    %s/%s/%s: %s %s: %s (kind '%s', frames '%s' < '%s', reason '%s')",
           str_at(row, "lab"), str_at(row, "model"), str_at(row, "variant"), tool,
           str_at(r, "status"), what, str_at(r, "kind"), frame_at(r, 0), frame_at(r, 1),
           str_at(r, "reason"));
}

/* What the matrix's rows add up to. */
struct tally {
    unsigned rows, fixed_runs, tsan_ran, racy_witnessed, racy_runs, failures;
};

/* A fixed cell: each tool clean, blind, or only reports the lab declared. */
static void judge_fixed(json_t *row, struct tally *t)
{
    static const char *const tools[] = { "helgrind", "drd" };
    for (size_t i = 0; i < 2; i++) {
        const char *st = str_at(report_of(row, tools[i]), "status");
        if (strcmp(st, "blind") == 0)
            continue;
        t->fixed_runs++;
        if (strcmp(st, "clean") != 0 && strcmp(st, "fp") != 0) {
            say_cell(row, tools[i], "a fixed variant must draw no report its lab does not "
                                    "declare (known_reports)");
            t->failures++;
        }
    }
}

/* A racy cell whose data race TSan saw: each tool that is not blind there
 * reports a race too. */
static void judge_racy(json_t *row, struct tally *t)
{
    json_t *tsan = report_of(row, "tsan");
    if (strcmp(str_at(tsan, "status"), "race") != 0 ||
        strncmp(str_at(tsan, "kind"), "data race", 9) != 0)
        return;
    t->racy_witnessed++;
    static const char *const tools[] = { "helgrind", "drd" };
    for (size_t i = 0; i < 2; i++) {
        const char *st = str_at(report_of(row, tools[i]), "status");
        if (strcmp(st, "blind") == 0)
            continue;
        t->racy_runs++;
        if (strcmp(st, "race") != 0) {
            say_cell(row, tools[i], "TSan reports a data race here, this tool must too");
            t->failures++;
        }
    }
}

/* One row of the matrix: its cell judged as fixed or as racy. */
static void judge_row(json_t *row, struct tally *t)
{
    const char *ts = str_at(report_of(row, "tsan"), "status");
    t->rows++;
    t->tsan_ran += strcmp(ts, "race") == 0 || strcmp(ts, "clean") == 0 || strcmp(ts, "fp") == 0;
    if (json_is_true(json_object_get(row, "racy_by_design")))
        judge_racy(row, t);
    else
        judge_fixed(row, t);
}

/* The JSON Lines row at *|l| (NULL if it is not JSON); *|l| moves past it. */
static json_t *next_row(const char **l)
{
    size_t len = strcspn(*l, "\n");
    json_t *o = json_loadb(*l, len, 0, NULL);
    *l += len + ((*l)[len] == '\n');
    return o;
}

/* The rows of `racelab list --format json` that can run in this build. */
static unsigned available_cells(void)
{
    struct prog_result r = run_progl(RACELAB, 120, "list", "--format", "json", NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    unsigned n = 0;
    for (const char *l = r.out; *l != '\0';) {
        json_t *o = next_row(&l);
        n += json_is_true(json_object_get(o, "available"));
        json_decref(o);
    }
    prog_result_free(&r);
    return n;
}

static void test_valgrind_clean_labs(void)
{
    const char *why = valgrind_why_not();
    if (why != NULL) {
        test_skip(why);
        return;
    }
    unsetenv("RACELAB_LAB_DIR");   /* the labs of this build */
    /* --timeout 120 (valgrind's runs get twice that): a loaded machine slows
     * a run of seconds many times over, and only a hang should end one */
    struct prog_result r = run_progl(RACELAB, 1700, "run", "--quiet", "--trials", "1",
                                     "--timeout", "120", "--detectors", "tsan,helgrind,drd",
                                     "--format", "json", NULL);
    CU_ASSERT(r.status == 0 || r.status == 1);   /* 1: a problem of a native run, not ours */
    struct tally t = { 0 };
    for (const char *l = r.out; *l != '\0';) {
        json_t *row = next_row(&l);
        CU_ASSERT_PTR_NOT_NULL(row);
        if (row != NULL)
            judge_row(row, &t);
        json_decref(row);
    }
    printf("\n    %u cells; fixed: %u tool runs; racy with a data race TSan saw: %u cells, %u "
           "tool runs; %u failures\n", t.rows, t.fixed_runs, t.racy_witnessed, t.racy_runs,
           t.failures);
    if (r.status != 0 && r.status != 1)
        printf("    racelab run: status %d\n%.3000s", r.status, r.err);
    CU_ASSERT_EQUAL(t.failures, 0);
    CU_ASSERT_EQUAL(t.rows, available_cells());   /* every cell of every lab was run */
    CU_ASSERT(t.fixed_runs > 0);
    /* without a TSan twin (no clang) or a TSan that can run here, nothing
     * witnesses the racy cells: said, and only the fixed side asserted */
    if (t.tsan_ran == 0)
        printf("    racy cells not asserted: TSan ran on no cell here\n");
    CU_ASSERT(t.racy_runs > 0 || t.tsan_ran == 0);
    prog_result_free(&r);
}

static const struct test_case tests[] = {
    { "labs", test_valgrind_clean_labs },
    { NULL, NULL },
};

TEST_MAIN("valgrind_clean", tests)
