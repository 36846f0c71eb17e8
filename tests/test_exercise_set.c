/* tests/test_exercise_set.c - the maintainer check of exercises 11-26
 * (issue 18's set: semaphores, barriers, reader-writer and fair locks,
 * philosophers, trylock, an error path, condition variables, false sharing,
 * ABA, a coroutine, a ring, a flag guard): every exercise as shipped fails
 * its check with the verdict it is about, every reference solution passes,
 * every shipped wrong fix (tests/fixtures/exercise/NAME.WHAT.c) is rejected
 * with the verdict its first comment names; and the set is complete: every
 * exercise has a row, a hint that states its preemption bound, at least one
 * wrong fix, and no fixture of these exercises is left out of the table.
 * The explorer is deterministic, so each verdict is asserted exactly. The
 * two that are not the explorer's are certain too: spsc_ring.relaxed's TSan
 * race (the consumer reads a slot only after it saw tail move, so the
 * producer's unordered write is already in TSan's shadow memory), and
 * false_sharing's cost (the solution against itself, 3x + 10 ms of slack).
 * Exercises 01-10 and the engine: tests/test_exercise.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exercise_run.h"
#include "run_prog.h"
#include "test_main.h"

/* Name, directory, the verdict on the file as shipped. */
static const struct {
    const char *name, *dir, *shipped_verdict;
} set_all[] = {
    { "sem_early", "11_sem_early", "fail" },
    { "hold_wait", "12_hold_wait", "deadlock" },
    { "rendezvous", "13_rendezvous", "fail" },
    { "barrier_lap", "14_barrier_lap", "fail" },
    { "barrier_count", "15_barrier_count", "fail" },
    { "rw_starve", "16_rw_starve", "fail" },
    { "nostarve_mutex", "17_nostarve_mutex", "fail" },
    { "philosophers", "18_philosophers", "deadlock" },
    { "trylock_livelock", "19_trylock_livelock", "fail" },
    { "leaked_lock", "20_leaked_lock", "deadlock" },
    { "one_cv_two_roles", "21_one_cv_two_roles", "deadlock" },
    { "false_sharing", "22_false_sharing", "fail" },
    { "aba_stack", "23_aba_stack", "fail" },
    { "coroutine_rmw", "24_coroutine_rmw", "fail" },
    { "spsc_ring", "25_spsc_ring", "fail" },
    { "flag_guard", "26_flag_guard", "fail" },
};
#define SET_N (sizeof set_all / sizeof set_all[0])

/* Each wrong fix, the exercise it claims to solve, and how it is caught. */
static const struct {
    const char *file, *name, *verdict;
} set_wrong[] = {
    { "sem_early.sleep.c", "sem_early", "fail" },
    { "hold_wait.no_mutex.c", "hold_wait", "fail" },
    { "rendezvous.wait_first.c", "rendezvous", "deadlock" },
    { "barrier_lap.sleep.c", "barrier_lap", "fail" },
    { "barrier_count.with_main.c", "barrier_count", "deadlock" },
    { "rw_starve.yield.c", "rw_starve", "fail" },
    { "rw_starve.no_wait.c", "rw_starve", "fail" },
    { "nostarve_mutex.tas.c", "nostarve_mutex", "fail" },
    { "nostarve_mutex.no_lock.c", "nostarve_mutex", "fail" },
    { "philosophers.waiter_n.c", "philosophers", "deadlock" },
    { "philosophers.one_fork.c", "philosophers", "fail" },
    { "trylock_livelock.yield.c", "trylock_livelock", "fail" },
    { "trylock_livelock.block.c", "trylock_livelock", "deadlock" },
    { "leaked_lock.recursive.c", "leaked_lock", "deadlock" },
    { "one_cv_two_roles.two_cvs_if.c", "one_cv_two_roles", "fail" },
    { "false_sharing.align_array.c", "false_sharing", "fail" },
    { "false_sharing.pad32.c", "false_sharing", "fail" },
    { "aba_stack.recheck.c", "aba_stack", "fail" },
    { "coroutine_rmw.atomic.c", "coroutine_rmw", "fail" },
    { "spsc_ring.relaxed.c", "spsc_ring", "tsan-race" },
    { "flag_guard.volatile.c", "flag_guard", "fail" },
    { "flag_guard.load_store.c", "flag_guard", "fail" },
};
#define WRONG_N (sizeof set_wrong / sizeof set_wrong[0])

static void test_exercise_set_shipped_fail(void)
{
    exr_fresh_cache("shipped");
    for (size_t i = 0; i < SET_N; i++) {
        struct prog_result r = EXR(set_all[i].name, "--json");
        exr_expect_verdict(&r, set_all[i].name, set_all[i].shipped_verdict);
        prog_result_free(&r);
    }
}

static void test_exercise_set_solutions_pass(void)
{
    exr_fresh_cache("solutions");
    for (size_t i = 0; i < SET_N; i++) {
        char file[512];
        snprintf(file, sizeof file, "%s/%s/solution.c", EXERCISES_DIR, set_all[i].dir);
        struct prog_result r = EXR(set_all[i].name, "--file", file, "--json");
        exr_expect_verdict(&r, file, "pass");
        prog_result_free(&r);
    }
}

static void test_exercise_set_wrong_fixes_rejected(void)
{
    exr_fresh_cache("wrong");
    for (size_t i = 0; i < WRONG_N; i++) {
        char file[512];
        snprintf(file, sizeof file, "%s/%s", EXERCISE_FIXTURES, set_wrong[i].file);
        struct prog_result r = EXR(set_wrong[i].name, "--file", file, "--json");
        exr_expect_verdict(&r, file, set_wrong[i].verdict);
        prog_result_free(&r);
    }
    struct prog_result r = EXR("list", "--json");
    CU_ASSERT(!exr_has(r.out, "\"solved\":true"));   /* no wrong fix counted as solved */
    prog_result_free(&r);
}

/* The file's text (at most 64 KiB), or "" when it cannot be read. */
static void slurp(const char *path, char *buf, size_t cap)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Its row with bound 2, a hint stating the bound and why, exercise.c naming its check. */
static void check_one_exercise(const char *list, size_t i)
{
    static char text[65536];
    char want[160], path[512];
    snprintf(want, sizeof want, "{\"name\":\"%s\",", set_all[i].name);
    const char *row = strstr(list, want);
    CU_ASSERT_PTR_NOT_NULL(row);
    const char *bound = row ? strstr(row, "\"bound\":2,") : NULL;
    CU_ASSERT(bound != NULL && bound < strchr(row, '\n'));   /* in this row */
    snprintf(path, sizeof path, "%s/%s/HINT.md", EXERCISES_DIR, set_all[i].dir);
    slurp(path, text, sizeof text);
    snprintf(want, sizeof want, "# %s\n", set_all[i].name);
    CU_ASSERT(strncmp(text, want, strlen(want)) == 0);
    CU_ASSERT(exr_has(text, "Bound 2, why: "));
    snprintf(path, sizeof path, "%s/%s/exercise.c", EXERCISES_DIR, set_all[i].dir);
    slurp(path, text, sizeof text);
    snprintf(want, sizeof want, "Check: racelab exercise %s ", set_all[i].name);
    CU_ASSERT(exr_has(text, want));
    size_t wrong = 0;
    for (size_t k = 0; k < WRONG_N; k++)
        wrong += strcmp(set_wrong[k].name, set_all[i].name) == 0;
    CU_ASSERT(wrong >= 1);
    if (row == NULL || wrong == 0)
        fprintf(stderr, "%s: row %s, %zu wrong fixes\n", set_all[i].name, row ? "ok" : "missing",
                wrong);
}

/* Is |file| (NAME.WHAT.c) a fixture of one of these exercises? */
static bool ours(const char *file)
{
    size_t dot = strcspn(file, ".");
    for (size_t i = 0; i < SET_N; i++)
        if (strlen(set_all[i].name) == dot && strncmp(file, set_all[i].name, dot) == 0)
            return true;
    return false;
}

/* Every fixture of these exercises is in set_wrong. */
static void check_fixtures_listed(void)
{
    DIR *d = opendir(EXERCISE_FIXTURES);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!ours(e->d_name))
            continue;
        bool listed = false;
        for (size_t k = 0; k < WRONG_N; k++)
            listed = listed || strcmp(set_wrong[k].file, e->d_name) == 0;
        CU_ASSERT(listed);
        if (!listed)
            fprintf(stderr, "fixture %s is not in set_wrong\n", e->d_name);
    }
    closedir(d);
}

/* The set is complete and says what it checks; no explorer run. */
static void test_exercise_set_table(void)
{
    exr_fresh_cache("table");
    struct prog_result r = EXR("list", "--json");
    CU_ASSERT_EQUAL(r.status, 0);
    for (size_t i = 0; i < SET_N; i++)
        check_one_exercise(r.out, i);
    prog_result_free(&r);
    check_fixtures_listed();
    r = EXR("hint", "rw_starve");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(exr_has(r.out, "writers_waiting"));
    prog_result_free(&r);
}

static const struct test_case tests[] = {
    { "shipped_fail", test_exercise_set_shipped_fail },
    { "solutions_pass", test_exercise_set_solutions_pass },
    { "wrong_fixes_rejected", test_exercise_set_wrong_fixes_rejected },
    { "table", test_exercise_set_table },
    { NULL, NULL },
};

TEST_MAIN("exercise_set", tests)
