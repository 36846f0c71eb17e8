/* tests/test_exercise.c - racelab exercise, the maintainer check (issue 18):
 * every exercise as shipped fails its check with the verdict it is about, every reference
 * solution passes, every shipped wrong fix (tests/fixtures/exercise/) is
 * rejected, progress is kept and reset, and bad input is one line, exit 2.
 * The explorer is deterministic, so every verdict is asserted exactly; the
 * one TSan verdict (a relaxed flag) is certain too: the reader reads data
 * only after it saw the flag, so the unordered write is always in TSan's
 * shadow memory. Each test gets its own XDG_CACHE_HOME under a temp dir. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_prog.h"
#include "test_main.h"

#define RACELAB RACELAB_BIN_DIR "/racelab"

/* The table the maintainer check expects: name, directory, the verdict on the file as shipped. */
static const struct {
    const char *name, *dir, *shipped_verdict;
} ex_all[] = {
    { "counter_mutex", "01_counter_mutex", "fail" },
    { "counter_atomic", "02_counter_atomic", "fail" },
    { "flag_publish", "03_flag_publish", "race" },
    { "ttas_lock", "04_ttas_lock", "fail" },
    { "bank_transfer", "05_bank_transfer", "deadlock" },
    { "cond_while", "06_cond_while", "fail" },
    { "lost_wakeup", "07_lost_wakeup", "deadlock" },
    { "once_init", "08_once_init", "fail" },
};
#define EX_N (sizeof ex_all / sizeof ex_all[0])

/* Each wrong fix, the exercise it claims to solve, and how it is caught. */
static const struct {
    const char *file, *name, *verdict;
} ex_wrong[] = {
    { "counter_mutex.lock_per_thread.c", "counter_mutex", "fail" },
    { "counter_atomic.volatile.c", "counter_atomic", "fail" },
    { "flag_publish.relaxed.c", "flag_publish", "tsan-race" },
    { "flag_publish.sleep.c", "flag_publish", "fail" },
    { "ttas_lock.load_then_store.c", "ttas_lock", "fail" },
    { "bank_transfer.sleep.c", "bank_transfer", "deadlock" },
    { "cond_while.broadcast.c", "cond_while", "fail" },
    { "lost_wakeup.no_mutex.c", "lost_wakeup", "deadlock" },
    { "once_init.dcl_plain.c", "once_init", "race" },
};
#define WRONG_N (sizeof ex_wrong / sizeof ex_wrong[0])

static char ex_tmp[256];

static struct prog_result exercise(const char *first, ...)
{
    char *argv[TEST_MAX_ARGS];
    va_list ap;
    va_start(ap, first);
    test_argv(argv, RACELAB, first, ap);
    va_end(ap);
    return run_prog(argv, 180);
}
#define EXERCISE(...) exercise("exercise", __VA_ARGS__, NULL)

static void ex_cleanup(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", ex_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", ex_tmp);
}

/* The temp dir of this process (each case runs as its own process). */
static void ex_setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(ex_tmp, sizeof ex_tmp, "%s/racelab-test-exercise-XXXXXX", t && t[0] ? t : "/tmp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(ex_tmp));
    atexit(ex_cleanup);
}

/* A fresh, empty progress directory for this test. */
static void fresh_cache(const char *tag)
{
    if (ex_tmp[0] == '\0')
        ex_setup();
    char dir[400];
    snprintf(dir, sizeof dir, "%s/%s", ex_tmp, tag);
    setenv("XDG_CACHE_HOME", dir, 1);
}

static bool has(const char *s, const char *sub)
{
    return strstr(s, sub) != NULL;
}

static void expect_verdict(struct prog_result *r, const char *what, const char *verdict)
{
    char want[64];
    snprintf(want, sizeof want, "\"verdict\":\"%s\"", verdict);
    bool pass = strcmp(verdict, "pass") == 0;
    CU_ASSERT_EQUAL(r->status, pass ? 0 : 1);
    CU_ASSERT(has(r->out, want));
    CU_ASSERT(has(r->out, pass ? "\"pass\":true" : "\"pass\":false"));
    if (r->status != (pass ? 0 : 1) || !has(r->out, want))
        fprintf(stderr, "%s: want %s, got %d: %s%s", what, verdict, r->status, r->out, r->err);
}

static void test_exercise_shipped_fail(void)
{
    fresh_cache("shipped");
    for (size_t i = 0; i < EX_N; i++) {
        struct prog_result r = EXERCISE(ex_all[i].name, "--json");
        expect_verdict(&r, ex_all[i].name, ex_all[i].shipped_verdict);
        prog_result_free(&r);
    }
}

static void test_exercise_solutions_pass(void)
{
    fresh_cache("solutions");
    for (size_t i = 0; i < EX_N; i++) {
        char file[512];
        snprintf(file, sizeof file, "%s/%s/solution.c", EXERCISES_DIR, ex_all[i].dir);
        struct prog_result r = EXERCISE(ex_all[i].name, "--file", file, "--json");
        expect_verdict(&r, file, "pass");
        prog_result_free(&r);
    }
}

static void test_exercise_wrong_fixes_rejected(void)
{
    fresh_cache("wrong");
    for (size_t i = 0; i < WRONG_N; i++) {
        char file[512];
        snprintf(file, sizeof file, "%s/%s", EXERCISE_FIXTURES, ex_wrong[i].file);
        struct prog_result r = EXERCISE(ex_wrong[i].name, "--file", file, "--json");
        expect_verdict(&r, file, ex_wrong[i].verdict);
        prog_result_free(&r);
    }
    struct prog_result r = EXERCISE("list");
    CU_ASSERT(has(r.out, "0/8 solved"));   /* no wrong fix counted as solved */
    prog_result_free(&r);
}

/* The list in order, --json one row each; the next unsolved; progress. */
static void test_exercise_progress(void)
{
    fresh_cache("progress");
    struct prog_result r = EXERCISE("list", "--json");
    CU_ASSERT_EQUAL(r.status, 0);
    size_t rows = 0;
    for (const char *p = r.out; (p = strstr(p, "{\"name\":")) != NULL; p++)
        rows++;
    CU_ASSERT_EQUAL(rows, EX_N);
    for (size_t i = 0; i < EX_N; i++) {
        char want[96];
        snprintf(want, sizeof want, "{\"name\":\"%s\"", ex_all[i].name);
        CU_ASSERT(has(r.out, want));
    }
    CU_ASSERT(!has(r.out, "\"solved\":true"));
    prog_result_free(&r);
    r = exercise("exercise", NULL);   /* the next unsolved: the first, with the explorer's step table */
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT(has(r.out, "exercise 1/8: counter_mutex"));
    CU_ASSERT(has(r.out, "NOT YET: a schedule breaks it: counter"));
    CU_ASSERT(has(r.out, "lost update"));
    CU_ASSERT(has(r.out, "0/8 solved"));
    prog_result_free(&r);
    r = EXERCISE("counter_mutex", "--file", EXERCISES_DIR "/01_counter_mutex/solution.c");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(has(r.out, "SOLVED: correct in every schedule with at most 2 preemptions"));
    CU_ASSERT(has(r.out, "1/8 solved"));
    prog_result_free(&r);
    r = exercise("exercise", NULL);
    CU_ASSERT(has(r.out, "exercise 2/8: counter_atomic"));
    prog_result_free(&r);
    r = EXERCISE("list", "--json");
    CU_ASSERT(has(r.out, "{\"name\":\"counter_mutex\",\"primitive\":\"mutex\""));
    CU_ASSERT(has(r.out, "\"solved\":true"));
    prog_result_free(&r);
    r = EXERCISE("reset");   /* stdin is /dev/null: nobody to ask */
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT(has(r.err, "--yes"));
    prog_result_free(&r);
    r = EXERCISE("reset", "--yes");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(has(r.out, "0/8 solved"));
    prog_result_free(&r);
    r = EXERCISE("list");
    CU_ASSERT(has(r.out, "0/8 solved"));
    prog_result_free(&r);
}

static void test_exercise_hint(void)
{
    fresh_cache("hint");
    struct prog_result r = EXERCISE("hint", "cond_while");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(has(r.out, "# cond_while"));
    CU_ASSERT(has(r.out, "while (items == 0)"));
    prog_result_free(&r);
}

static void test_exercise_bad_input(void)
{
    fresh_cache("bad");
    struct prog_result r = EXERCISE("no_such");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT(has(r.err, "no exercise 'no_such' (there are: counter_mutex, counter_atomic"));
    CU_ASSERT(has(r.err, "once_init)"));
    prog_result_free(&r);
    r = EXERCISE("hint", "no_such");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT(has(r.err, "there are: "));
    prog_result_free(&r);
    char bad[400];
    snprintf(bad, sizeof bad, "%s/broken_fix.c", ex_tmp);
    FILE *f = fopen(bad, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("int main(void)\n{\n    return missing_name;\n}\n", f);
    fclose(f);
    r = EXERCISE("counter_mutex", "--file", bad);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT(has(r.err, "exercise counter_mutex: "));
    CU_ASSERT(has(r.err, "broken_fix.c:3:"));
    CU_ASSERT(has(r.err, "error"));
    CU_ASSERT(strchr(r.err, '\n') == r.err + strlen(r.err) - 1);   /* one line */
    prog_result_free(&r);
    unlink(bad);
    r = EXERCISE("counter_mutex", "--file", "/nonexistent/fix.c");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT(has(r.err, "cannot read /nonexistent/fix.c"));
    prog_result_free(&r);
    r = EXERCISE("--file", bad);
    CU_ASSERT_EQUAL(r.status, 2);
    prog_result_free(&r);
    r = EXERCISE("list", "--frob");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT(has(r.err, "unknown option '--frob'"));
    prog_result_free(&r);
    r = EXERCISE("counter_mutex", "cond_while");
    CU_ASSERT_EQUAL(r.status, 2);
    prog_result_free(&r);
    snprintf(bad, sizeof bad, "%s/spin_fix.c", ex_tmp);   /* a spin with no yield: not yet */
    f = fopen(bad, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("#include <pthread.h>\nint flag;\nstatic void *w(void *a)\n{\n    (void)a;\n"
          "    while (flag == 0)\n        ;\n    return a;\n}\nint main(void)\n{\n"
          "    pthread_t t;\n    pthread_create(&t, NULL, w, NULL);\n"
          "    pthread_join(t, NULL);\n    return 0;\n}\n", f);
    fclose(f);
    r = EXERCISE("flag_publish", "--file", bad, "--json");
    expect_verdict(&r, bad, "max-steps");
    CU_ASSERT(has(r.out, "sched_yield()"));
    prog_result_free(&r);
    unlink(bad);
    char table[400];   /* a malformed table: named with its line */
    snprintf(table, sizeof table, "%s/exercises.tsv", ex_tmp);
    f = fopen(table, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("# name\tprimitive\tkind\tcheck\tbound\tbudget_s\nx\tmutex\tfix\texplore\t1\t30\n", f);
    fclose(f);
    setenv("RACELAB_EXERCISES", ex_tmp, 1);
    r = EXERCISE("list");
    unsetenv("RACELAB_EXERCISES");
    unlink(table);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT(has(r.err, "exercises.tsv:2: bad row"));
    prog_result_free(&r);
}

static const struct test_case tests[] = {
    { "shipped_fail", test_exercise_shipped_fail },
    { "solutions_pass", test_exercise_solutions_pass },
    { "wrong_fixes_rejected", test_exercise_wrong_fixes_rejected },
    { "progress", test_exercise_progress },
    { "hint", test_exercise_hint },
    { "bad_input", test_exercise_bad_input },
    { NULL, NULL },
};

TEST_MAIN("exercise", tests)
