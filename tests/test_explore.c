/* tests/test_explore.c - racelab explore against its fixtures
 * (tests/fixtures/explore/): the run counts of issue 13, every one of them,
 * the step table of the counter's lost update, replay, the output formats,
 * deadlock (of blocked threads and of spinning ones), and the bad inputs. The explorer is deterministic (a fixed
 * seed for random): every figure is asserted exactly. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_prog.h"
#include "explore_check.h"
#include "test_main.h"

#define RACELAB RACELAB_BIN_DIR "/racelab"
#define FX(name) EXPLORE_FIXTURES "/" name

#define explore(...) run_progl(RACELAB, 120, __VA_ARGS__)
#define EXPLORE(...) explore("explore", __VA_ARGS__, NULL)

/* The number of runs --all counts for |file| K under --preemptions |bound|. */
static long long runs_of(const char *file, const char *k, const char *bound, int want_exit)
{
    struct prog_result r = EXPLORE(file, k, "--all", "--json", "--preemptions", bound);
    CU_ASSERT_EQUAL(r.status, want_exit);
    if (r.status != want_exit)
        fprintf(stderr, "%s %s --preemptions %s: %s%s", file, k, bound, r.out, r.err);
    long long n = summary_field(r.out, "runs");
    prog_result_free(&r);
    return n;
}

/* Every interleaving of 2 workers x K LOAD/STORE pairs: C(4K, 2K). */
static void test_explore_counts_all(void)
{
    CU_ASSERT_EQUAL(runs_of(FX("counter.c"), "1", "all", 1), 6);
    CU_ASSERT_EQUAL(runs_of(FX("counter.c"), "2", "all", 1), 70);
    CU_ASSERT_EQUAL(runs_of(FX("counter.c"), "3", "all", 1), 924);
}

static void test_explore_counts_bounded(void)
{
    CU_ASSERT_EQUAL(runs_of(FX("counter.c"), "1", "1", 1), 4);
    CU_ASSERT_EQUAL(runs_of(FX("counter.c"), "2", "1", 1), 8);
    CU_ASSERT_EQUAL(runs_of(FX("counter.c"), "3", "1", 1), 12);
    CU_ASSERT_EQUAL(runs_of(FX("counter.c"), "1", "2", 1), 6);
    CU_ASSERT_EQUAL(runs_of(FX("counter.c"), "2", "2", 1), 26);
    CU_ASSERT_EQUAL(runs_of(FX("counter.c"), "3", "2", 1), 62);
    CU_ASSERT_EQUAL(runs_of(FX("counter.c"), "10", "2", 1), 762);
}

/* The number of runs --strategy dpor --all counts. */
static long long dpor_runs(const char *file, const char *arg, int want_exit)
{
    struct prog_result r = EXPLORE(file, arg, "--all", "--json", "--strategy", "dpor");
    CU_ASSERT_EQUAL(r.status, want_exit);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"exhausted\":true"));
    long long n = summary_field(r.out, "runs");
    CU_ASSERT_EQUAL(n, summary_field(r.out, "executions"));   /* no sleep-set-blocked run */
    prog_result_free(&r);
    return n;
}

/* One run per Mazurkiewicz trace: 2 x K = 1, 2, 3; 3 and 4 workers x 1. */
static void test_explore_counts_dpor(void)
{
    CU_ASSERT_EQUAL(dpor_runs(FX("counter.c"), "1", 1), 4);
    CU_ASSERT_EQUAL(dpor_runs(FX("counter.c"), "2", 1), 34);
    CU_ASSERT_EQUAL(dpor_runs(FX("counter.c"), "3", 1), 328);
    CU_ASSERT_EQUAL(dpor_runs(FX("counter3.c"), "3", 1), 36);
    CU_ASSERT_EQUAL(dpor_runs(FX("counter3.c"), "4", 1), 576);
    CU_ASSERT_EQUAL(dpor_runs(FX("counter_mutex.c"), "2", 0), 6);
}

/* The orders of 2K critical sections, C(2K, K), none failing. */
static void test_explore_counts_mutex(void)
{
    CU_ASSERT_EQUAL(runs_of(FX("counter_mutex.c"), "1", "all", 0), 2);
    CU_ASSERT_EQUAL(runs_of(FX("counter_mutex.c"), "2", "all", 0), 6);
    CU_ASSERT_EQUAL(runs_of(FX("counter_mutex.c"), "3", "all", 0), 20);
    /* 3 workers, one atomic RMW each: 3! orders */
    CU_ASSERT_EQUAL(runs_of(FX("atomic_counter.c"), "3", "all", 0), 6);
}

static void test_explore_lost_update(void)
{
    struct prog_result r = EXPLORE(FX("counter.c"));
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "FAIL "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, ": final 1, expected 2; schedule 1,2*2,1,0*2 "
                                         "(1 preemption)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "T1      LOAD       counter          0  counter.c:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "T2      STORE      counter          1  counter.c:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "overwrites step 3: lost update"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "stopped at the first failure"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "--replay 1,2   (the shortest prefix"));
    prog_result_free(&r);
}

static void test_explore_replay(void)
{
    struct prog_result r = EXPLORE(FX("counter.c"), "--replay", "1,2");   /* the shortest */
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "schedule 1,2*2,1,0*2 (1 preemption)"));
    prog_result_free(&r);
    r = EXPLORE(FX("counter.c"), "--replay", "1,2,2,1");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "schedule 1,2*2,1,0*2 (1 preemption)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "overwrites step 3: lost update"));
    prog_result_free(&r);
    /* T1 then T2: no update lost, but the accesses still race */
    r = EXPLORE(FX("counter.c"), "--replay", "1*2,2*2");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "RACE "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "no failing schedule, but a data race"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "1 run (0 failing, 1 executions)"));
    prog_result_free(&r);
    r = EXPLORE(FX("counter.c"), "--replay", "7");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "diverged at step 1"));
    prog_result_free(&r);
    r = EXPLORE(FX("counter.c"), "--replay", "1,2*2,1,0*2,1");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "diverged at step 7"));
    prog_result_free(&r);
    r = EXPLORE(FX("counter.c"), "--replay", "1,x");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "bad --replay schedule '1,x': item 2 ('x')"));
    prog_result_free(&r);
}

static void test_explore_formats(void)
{
    struct prog_result r = EXPLORE(FX("counter.c"), "--json");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_EQUAL(count_lines(r.out), 7);   /* 6 steps and the summary */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "{\"kind\":\"step\",\"step\":4,\"thread\":1,"
                                         "\"op\":\"STORE\",\"variable\":\"counter\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"verdict\":\"fail\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"schedule\":\"1,2*2,1,0*2\""));
    CU_ASSERT_EQUAL(summary_field(r.out, "preemptions"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"points_per_s\":"));
    prog_result_free(&r);
    r = EXPLORE(FX("counter.c"), "--mermaid");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "```mermaid\nsequenceDiagram\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "T1->>V0: 4 STORE 1\n"
                                         "    Note over T1: overwrites step 3: lost update"));
    prog_result_free(&r);
}

static void test_explore_svg(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/racelab-test-explore-%d.svg", (int)getpid());
    struct prog_result r = EXPLORE(FX("counter.c"), "--svg", path);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "wrote "));
    prog_result_free(&r);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    CU_ASSERT_EQUAL(unlink(path), 0);
    CU_ASSERT(strncmp(buf, "<svg ", 5) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, ">4 STORE 1</text>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, ">overwrites step 3: lost update</text>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "</svg>\n"));
}

static void test_explore_deadlock(void)
{
    struct prog_result r = EXPLORE(FX("deadlock.c"));
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "DEADLOCK "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "schedule 1,2 (1 preemption)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "T1 waits for b (held by T2); holds a"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "T2 waits for a (held by T1); holds b"));
    prog_result_free(&r);
}

/* The line of |out| that starts with |start|, in |line| ("" if none). */
static void line_of(const char *out, const char *start, char *line, size_t cap)
{
    const char *p = strstr(out, start);
    line[0] = '\0';
    if (p != NULL)
        snprintf(line, cap, "%.*s", (int)strcspn(p, "\n"), p);
}

/* AB-BA on two spin locks of atomics (CAS, sched_yield): a DEADLOCK with
 * the cycle, each waiting for the lock word the other's CAS set; the
 * schedule in the verdict line is cut, --json has it whole. */
static void test_explore_spin_deadlock(void)
{
    struct prog_result r = EXPLORE(FX("spin_abba.c"));
    CU_ASSERT_EQUAL(r.status, 1);
    char line[1024];
    line_of(r.out, "DEADLOCK ", line, sizeof line);
    CU_ASSERT_PTR_NOT_NULL(strstr(line, "no thread can go on; schedule 1,2*3,1*2,2,1,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(line, ",... (136 steps; --json has the whole schedule) "
                                        "(1 preemption)"));
    CU_ASSERT(strlen(line) < 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "  T1 waits for b (held by T2), spinning: its CAS "
                                         "fails, then it yields; holds a\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "  T2 waits for a (held by T1), spinning: its CAS "
                                         "fails, then it yields; holds b\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "T0 waits for T1 to finish"));
    prog_result_free(&r);
    r = EXPLORE(FX("spin_abba.c"), "--json");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"verdict\":\"deadlock\""));
    CU_ASSERT_PTR_NULL(strstr(r.out, "--json has the whole schedule"));
    prog_result_free(&r);
    /* a run cut by --max-steps: its schedule cut the same way */
    r = EXPLORE(FX("spin_abba.c"), "--max-steps", "120");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "reached --max-steps 120"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, ",... (120 steps; --json has the whole schedule)\n"));
    prog_result_free(&r);
    for (int dpor = 0; dpor < 2; dpor++) {   /* every strategy ends: the spinners wait */
        r = EXPLORE(FX("spin_abba.c"), "--strategy", dpor ? "dpor" : "bounded",
                    "--preemptions", "all", "--all", "--json");
        CU_ASSERT_EQUAL(r.status, 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"exhausted\":true"));
        CU_ASSERT_EQUAL(summary_field(r.out, "runs"), dpor ? 19 : 2904);
        prog_result_free(&r);
    }
}

/* Bounded retries (trylock three times, then a fallback in lock order)
 * while both threads hold their first lock: no write for a while, but no
 * deadlock either (the grace rounds get the retries to their end). And a
 * spin-wait for a flag that another thread sets later passes; under
 * --preemptions all its schedules are finite, because a round that saw no
 * change is not repeated before the next change. */
static void test_explore_spin_released(void)
{
    const char *strategies[] = { "bounded", "dpor", "pct", "random" };
    for (size_t i = 0; i < 4; i++) {
        struct prog_result r = EXPLORE(FX("spin_retry.c"), "--strategy", strategies[i],
                                       "--max-runs", "300", "--all", "--json");
        CU_ASSERT_EQUAL(r.status, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"verdict\":\"pass\""));
        if (r.status != 0)
            fprintf(stderr, "spin_retry %s: %s%s", strategies[i], r.out, r.err);
        prog_result_free(&r);
    }
    struct prog_result r = EXPLORE(FX("spin_retry.c"));
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "PASS "));
    prog_result_free(&r);
    r = EXPLORE(FX("spin_flag.c"), "--preemptions", "all", "--all", "--json");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"exhausted\":true"));
    CU_ASSERT_EQUAL(summary_field(r.out, "runs"), 164);
    prog_result_free(&r);
    r = EXPLORE(FX("spin_flag.c"), "--strategy", "dpor", "--all", "--json");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(summary_field(r.out, "runs"), 4);
    prog_result_free(&r);
}

/* The invariant holds in every schedule; the plain flag races all the same. */
static void test_explore_data_race(void)
{
    struct prog_result r = EXPLORE(FX("race_flag.c"));
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "RACE "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "data race on flag: T1 STORE (race_flag.c:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "and T2 LOAD (race_flag.c:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "every schedule with at most 3 preemptions explored"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "(0 failing"));
    prog_result_free(&r);
    r = EXPLORE(FX("counter_mutex.c"), "2");   /* ordered by the mutex, the joins */
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "no data race"));
    prog_result_free(&r);
    r = EXPLORE(FX("atomic_counter.c"));        /* atomics do not race */
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "no data race"));
    prog_result_free(&r);
}

/* A heap block is named by its allocation site, here and in the race line. */
static void test_explore_heap(void)
{
    struct prog_result r = EXPLORE(FX("heap_counter.c"));
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "T1      LOAD       heap@heap_counter.c:19+8 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "overwrites step 3: lost update"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "data race on heap@heap_counter.c:19+8: "));
    prog_result_free(&r);
}

/* A condition wait under `if`: the other consumer takes the item first. */
static void test_explore_condvar(void)
{
    struct prog_result r = EXPLORE(FX("wakeup_if.c"));
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, ": a consumer woke to an empty buffer; schedule "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "(1 preemption)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "3  T1      WAIT       c "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "7  T3      SIGNAL     c "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "15  T1      WAKE       c "));
    prog_result_free(&r);
}

/* pthread_once orders the function before every caller; a hand-written
 * double-checked flag does not. */
static void test_explore_once(void)
{
    struct prog_result r = EXPLORE(FX("once.c"), "--preemptions", "all");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "PASS "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "no data race"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "every schedule explored"));
    prog_result_free(&r);
    r = EXPLORE(FX("once_dcl.c"));
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "RACE "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "data race on ready: "));
    prog_result_free(&r);
}

static void test_explore_rwlock(void)
{
    struct prog_result r = EXPLORE(FX("rwlock.c"), "--strategy", "dpor", "--json");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"verdict\":\"pass\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"exhausted\":true"));
    prog_result_free(&r);
    r = EXPLORE(FX("rwlock.c"), "racy");   /* a write under a read lock */
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "FAIL "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "data race on a: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, " RDLOCK "));
    prog_result_free(&r);
    r = EXPLORE(FX("rwlock_deadlock.c"));
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "DEADLOCK "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "T1 waits for w (held by T2); holds r"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "T2 waits for r (held by T1); holds w"));
    prog_result_free(&r);
}

/* 2 threads, 4 barrier waits each: the arrival order at each barrier is all
 * that matters (2^4 traces); one serial thread per round in every one. */
static void test_explore_barrier(void)
{
    struct prog_result r = EXPLORE(FX("barrier.c"), "--strategy", "dpor", "--all", "--json");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(summary_field(r.out, "runs"), 16);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"exhausted\":true"));
    prog_result_free(&r);
    r = EXPLORE(FX("barrier.c"), "racy");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "data race on slot[1]: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, " BARRIER "));
    prog_result_free(&r);
    r = EXPLORE(FX("barrier.c"), "more");   /* it counts 3 of 2 threads */
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "DEADLOCK "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "T1 waits for bar; holds nothing"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "T2 waits for bar; holds nothing"));
    prog_result_free(&r);
}

/* A read of a freed block, reported with the free, both by source line and
 * the block by its allocation site; freed after the join: clean. */
static void test_explore_use_after_free(void)
{
    struct prog_result r = EXPLORE(FX("use_after_free.c"));
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "RACE "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "use after free of heap@use_after_free.c:26: T0 FREE "
                                         "(use_after_free.c:32), then T1 LOAD "
                                         "(use_after_free.c:19)"));
    prog_result_free(&r);
    r = EXPLORE(FX("use_after_free.c"), "--json");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"kind\":\"use-after-free\""));
    prog_result_free(&r);
    r = EXPLORE(FX("use_after_free.c"), "joined");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "no data race"));
    prog_result_free(&r);
}

/* PCT: the same seed, the same runs; depth 1 (no change point) runs each
 * thread to its end by priority, so the lost update (depth 2) cannot occur. */
static void test_explore_pct(void)
{
    char first[160] = "";
    for (int i = 0; i < 2; i++) {
        struct prog_result r = EXPLORE(FX("counter.c"), "3", "--strategy", "pct", "--seed",
                                       "5", "--max-runs", "60", "--all", "--json");
        CU_ASSERT_EQUAL(r.status, 1);
        CU_ASSERT_EQUAL(summary_field(r.out, "runs"), 60);
        CU_ASSERT_EQUAL(summary_field(r.out, "seed"), 5);
        CU_ASSERT_EQUAL(summary_field(r.out, "depth"), 3);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"strategy\":\"pct\""));
        CU_ASSERT(summary_field(r.out, "failures") > 0);
        const char *sch = strstr(r.out, "\"schedule\":");
        char now[160];
        snprintf(now, sizeof now, "%lld %.100s", summary_field(r.out, "failures"),
                 sch ? sch : "");
        now[strcspn(now, ",")] = '\0';
        if (i == 0)
            snprintf(first, sizeof first, "%s", now);
        else
            CU_ASSERT_STRING_EQUAL(now, first);
        prog_result_free(&r);
    }
    struct prog_result r = EXPLORE(FX("counter.c"), "2", "--strategy", "pct", "--depth", "1",
                                   "--max-runs", "30", "--all", "--json");
    CU_ASSERT_EQUAL(r.status, 1);   /* the data race */
    CU_ASSERT_EQUAL(summary_field(r.out, "failures"), 0);
    prog_result_free(&r);
    r = EXPLORE(FX("counter.c"), "--strategy", "pct");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "search: pct (depth 3, seed 1: "));
    prog_result_free(&r);
    r = EXPLORE(FX("counter.c"), "--strategy", "pct", "--depth", "0");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "--depth"));
    prog_result_free(&r);
}

/* Shrinking a random find: its later preemptions are dropped (replays of
 * the schedule cut before them); then adjacent independent steps go lowest
 * thread first (deadlock.c: T2's and T1's first locks). The seeds are fixed. */
static void test_explore_shrink(void)
{
    struct prog_result r = EXPLORE(FX("counter.c"), "3", "--strategy", "random", "--seed", "3");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "schedule 2,1*6,2*5,0*2 (1 preemption)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "shrink: 4 preemptions dropped, 0 adjacent"));
    prog_result_free(&r);
    r = EXPLORE(FX("deadlock.c"), "--strategy", "random", "--seed", "3", "--json");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"schedule\":\"1,2\""));
    CU_ASSERT_EQUAL(summary_field(r.out, "shrink_swaps"), 1);
    prog_result_free(&r);
    r = EXPLORE(FX("deadlock.c"), "--strategy", "random", "--seed", "3");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "1 adjacent independent step swapped (lowest thread "
                                         "first)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "T1 waits for b (held by T2); holds a"));
    prog_result_free(&r);
}

static void test_explore_random(void)
{
    struct prog_result r =
        EXPLORE(FX("counter.c"), "2", "--strategy", "random", "--seed", "7", "--max-runs", "50",
                "--all", "--json");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_EQUAL(summary_field(r.out, "runs"), 50);
    CU_ASSERT(summary_field(r.out, "failures") > 0);
    prog_result_free(&r);
}

static void test_explore_bad_input(void)
{
    struct prog_result r = EXPLORE(FX("spin.c"), "--max-steps", "500");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "reached --max-steps 500"));
    prog_result_free(&r);
    r = EXPLORE(FX("forks.c"));
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "calls fork(), which the explorer cannot model"));
    CU_ASSERT_EQUAL(count_lines(r.err), 1);
    prog_result_free(&r);
    r = EXPLORE(FX("broken.c"));
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "does not compile: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "error: use of undeclared identifier"));
    CU_ASSERT_EQUAL(count_lines(r.err), 1);
    prog_result_free(&r);
    r = EXPLORE("prog.txt");   /* LAB/VARIANT targets: tests/test_explore_labs.c */
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "is neither a C file nor a lab variant"));
    prog_result_free(&r);
    r = EXPLORE(FX("counter.c"), "--preemptions", "x");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "--preemptions"));
    prog_result_free(&r);
    r = EXPLORE(FX("missing.c"));
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "cannot read"));
    prog_result_free(&r);
}

/* Killed by its caller's deadline (SIGTERM to its group) while it compiles or
 * while it searches, whichever the machine's speed makes it: the build
 * directory goes with it, a killed compiler's leftovers included. */
static void test_explore_killed_leaves_nothing(void)
{
    char tmp[] = "/tmp/racelab-test-explore-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmp));
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", tmp, 1);
    for (unsigned timeout = 1; timeout <= 2; timeout++) {
        char *argv[] = { RACELAB, "explore", FX("counter.c"), "6", "--preemptions", "all",
                         "--all", NULL };
        struct prog_result r = run_prog(argv, timeout);
        CU_ASSERT(r.status == -1 || r.status == 130);
        prog_result_free(&r);
        CU_ASSERT_EQUAL(rmdir(tmp), 0);   /* fails unless empty */
        CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(strcpy(tmp, "/tmp/racelab-test-explore-XXXXXX")));
        setenv("TMPDIR", tmp, 1);
    }
    rmdir(tmp);
    if (saved != NULL)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
}

static const struct test_case tests[] = {
    { "counts_all", test_explore_counts_all },
    { "counts_bounded", test_explore_counts_bounded },
    { "counts_mutex", test_explore_counts_mutex },
    { "counts_dpor", test_explore_counts_dpor },
    { "lost_update", test_explore_lost_update },
    { "replay", test_explore_replay },
    { "formats", test_explore_formats },
    { "svg", test_explore_svg },
    { "deadlock", test_explore_deadlock },
    { "spin_deadlock", test_explore_spin_deadlock },
    { "spin_released", test_explore_spin_released },
    { "data_race", test_explore_data_race },
    { "heap", test_explore_heap },
    { "condvar", test_explore_condvar },
    { "once", test_explore_once },
    { "rwlock", test_explore_rwlock },
    { "barrier", test_explore_barrier },
    { "use_after_free", test_explore_use_after_free },
    { "pct", test_explore_pct },
    { "shrink", test_explore_shrink },
    { "random", test_explore_random },
    { "bad_input", test_explore_bad_input },
    { "killed_leaves_nothing", test_explore_killed_leaves_nothing },
    { NULL, NULL },
};

TEST_MAIN("explore", tests)
