/* tests/test_procs.c - the procs model: the counter across processes.
 *
 * Every fixed variant exact at 2, 4 and 8 processes; racy losing updates;
 * owner death: the robust pthread mutex recovers (EOWNERDEAD) with a count
 * that proves exactly which increments were made, non-robust locks end in
 * DEADLOCK at the timeout instead of hanging; a worker killed from outside
 * is reported by name and signal; SIGINT stops everything; and after 200
 * runs, some with a worker or the parent SIGKILLed, nothing named racelab is
 * left in /dev/shm and no worker outlives its parent. */
/* Two executables share this file, each running a part of its cases (the
 * table at the end): the other part is unused there. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "counter.h"
#include "shared.h"
#include "run_prog.h"
#include "test_main.h"

#define LAB RACELAB_BIN_DIR "/lab-counter"

static bool sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0;
}

static struct lab_trial trial(const char *name, unsigned workers, uint64_t iters,
                              bool kill_owner, unsigned timeout_s)
{
    const struct lab_variant *v = lab_find_variant(&counter_lab, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct lab_trial t;
    struct lab_config cfg = { .model = LAB_PROCS, .workers = workers, .iters = iters,
                              .kill_owner = kill_owner, .timeout_s = timeout_s };
    char err[256] = "";
    int rc = lab_run_trial(&counter_lab, v, &cfg, &t, err, sizeof err);
    if (rc != 0)
        printf("\n    %s x%u: %s\n", name, workers, err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    return t;
}

/* Segments of the counter lab left by a lab that has ended (test_main.h). */
static unsigned shm_leftovers(void)
{
    return test_shm_leftovers("counter");
}

static void test_procs_fixed_variants_exact(void)
{
    static const unsigned workers[] = { 2, 4, 8 };
    uint64_t iters = sanitized() ? 2000 : 20000;
    unsigned checked = 0;
    for (size_t i = 0; i < counter_lab.nvariants; i++) {
        const struct lab_variant *v = counter_lab.variants[i];
        if (v->racy_by_design || v->unavailable || !lab_variant_runs(v, LAB_PROCS, NULL))
            continue;
        for (size_t k = 0; k < 3; k++) {
            struct lab_trial t = trial(v->name, workers[k], iters, false, 120);
            if (t.outcome != LAB_OK || t.observed != t.expected)
                printf("\n    %s x%u: %s, observed %llu of %llu (%s)\n", v->name, workers[k],
                       lab_outcome_name(t.outcome), (unsigned long long)t.observed,
                       (unsigned long long)t.expected, t.detail);
            CU_ASSERT_EQUAL(t.outcome, LAB_OK);
            CU_ASSERT_EQUAL(t.observed, (uint64_t)workers[k] * iters);
            checked++;
        }
    }
    CU_ASSERT(checked >= 3 * 12);
}

static void test_procs_racy_loses_updates(void)
{
    if (test_online_cpus() < 2) {
        test_skip("one CPU: two workers never run at the same instant");
        return;
    }
    struct lab_trial t;
    unsigned tries = 0;
    do {
        t = trial("racy", 2, 100000, false, 120);
        tries++;
    } while (t.observed == t.expected && tries < 50);
    printf("\n    racy/procs lost %llu of %llu after %u trial(s)\n",
           (unsigned long long)(t.expected - t.observed), (unsigned long long)t.expected, tries);
    CU_ASSERT(t.observed < t.expected);
}

static void robust_owner_death_recovers(const char *variant)
{
    /* Five rounds, a worker killed holding the lock in each: the count
     * proves every increment that was made, and the survivor got EOWNERDEAD
     * once - unless it had already finished when the owner died (possible
     * only if the victim was starved of its CPU: counted, and bounded). A
     * broken recovery shows as a DEADLOCK outcome, caught on every round. */
    uint64_t iters = 200000;
    unsigned recovered = 0;
    for (int round = 0; round < 5; round++) {
        struct lab_trial t = trial(variant, 2, iters, true, 60);
        if (t.outcome != LAB_OK || t.observed != t.expected)
            printf("\n    round %d: %s: %s, observed %llu of %llu\n", round,
                   lab_outcome_name(t.outcome), t.detail, (unsigned long long)t.observed,
                   (unsigned long long)t.expected);
        CU_ASSERT_EQUAL(t.outcome, LAB_OK);
        CU_ASSERT(t.victim == 0 || t.victim == 1);
        CU_ASSERT(t.victim_done >= 1 && t.victim_done <= iters / 2);
        CU_ASSERT(t.recoveries <= 1);
        recovered += t.recoveries;
        CU_ASSERT_EQUAL(t.expected, iters + t.victim_done);
        CU_ASSERT_EQUAL(t.observed, t.expected);
    }
    printf("\n    %s: EOWNERDEAD recovered in %u of 5 rounds", variant, recovered);
    CU_ASSERT(recovered >= 1);
}

static void test_procs_robust_owner_death_recovers(void)
{
    robust_owner_death_recovers("pmutex");   /* glibc: the kernel's robust list */
    robust_owner_death_recovers("rfutex");   /* ours: owner tid + liveness check */
}

static void test_procs_nonrobust_owner_death_deadlocks(void)
{
    static const char *const locks[] = { "tas", "futex", "psem" };
    for (size_t i = 0; i < sizeof locks / sizeof locks[0]; i++) {
        /* A deadlock needs a survivor that still wants the lock after the
         * death; if the victim was descheduled until the survivor finished,
         * the trial ends fine ("the others never needed the lock again").
         * Quiet: 10 of 10 trials deadlock here, natively and under TSan; on a
         * loaded machine the pinned victim can be starved of its CPU (seen
         * three times in a row under TSan in a CI run beside a compile), so
         * the survivor gets 2M increments to make and five tries. */
        time_t start = time(NULL);
        struct lab_trial t;
        for (int tries = 0; tries < 5; tries++) {
            t = trial(locks[i], 2, 2000000, true, 1);
            if (t.outcome != LAB_OK || t.recoveries != 0)
                break;
            printf("\n    %s: the survivor finished before the owner died; again", locks[i]);
        }
        time_t took = time(NULL) - start;
        if (t.outcome != LAB_DEADLOCK)
            printf("\n    %s: %s (%s)\n", locks[i], lab_outcome_name(t.outcome), t.detail);
        CU_ASSERT_EQUAL(t.outcome, LAB_DEADLOCK);
        CU_ASSERT_PTR_NOT_NULL(strstr(t.detail, "died holding the lock"));
        CU_ASSERT(took < 120);   /* bounded by the 1 s timeouts, not forever */
        CU_ASSERT(t.observed <= t.expected);
        int st;
        CU_ASSERT(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);   /* all reaped */
    }
}

/* Runs the lab in the background; returns its pid with stdout/stderr to files. */
static pid_t spawn(char *const argv[], const char *errfile)
{
    pid_t p = fork();
    if (p == 0) {
        FILE *e = freopen(errfile, "w", stderr);
        FILE *o = freopen("/dev/null", "w", stdout);
        (void)e;
        (void)o;
        execv(argv[0], argv);
        _exit(127);
    }
    return p;
}

/* The pids of |pid|'s children (the lab's workers). */
static unsigned children_of(pid_t pid, pid_t *out, unsigned max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "r");
    unsigned n = 0;
    if (f == NULL)
        return 0;
    int c;
    while (n < max && fscanf(f, "%d", &c) == 1)
        out[n++] = c;
    fclose(f);
    return n;
}

static pid_t wait_for_workers(pid_t lab, pid_t *kids, unsigned want)
{
    for (int i = 0; i < 500; i++) {   /* up to 5 s */
        if (children_of(lab, kids, 16) >= want)
            return kids[0];
        usleep(10000);
    }
    return -1;
}

static int wait_exit(pid_t p, unsigned timeout_s)
{
    int st = 0;
    for (unsigned i = 0; i < timeout_s * 100; i++) {
        if (waitpid(p, &st, WNOHANG) == p)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        usleep(10000);
    }
    kill(p, SIGKILL);
    waitpid(p, &st, 0);
    return -1;
}

static char err_file[64];

static void err_remove(void)
{
    unlink(err_file);
}

/* Where a spawned lab's stderr goes: a per-process temporary file, removed
 * when the test process exits (each case is a process of its own). */
static const char *err_path(void)
{
    if (err_file[0] == '\0') {
        snprintf(err_file, sizeof err_file, "/tmp/racelab-test-procs-%d.err", (int)getpid());
        atexit(err_remove);
    }
    return err_file;
}

static char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    return buf;
}

static void test_procs_worker_crash_reported(void)
{
    char *argv[] = { LAB, "--model", "procs", "--variant", "atomic", "--iters", "1000000000",
                     "--trials", "1", "--timeout", "60", NULL };
    pid_t lab = spawn(argv, err_path());
    pid_t kids[16];
    pid_t victim = wait_for_workers(lab, kids, 2);
    CU_ASSERT_FATAL(victim > 0);
    kill(victim, SIGSEGV);
    int status = wait_exit(lab, 60);
    const char *err = slurp(err_path());
    /* A sanitizer catches SIGSEGV itself, reports it, and exits with a status. */
    const char *expect = sanitized() ? "exited with status" : "killed by SIGSEGV";
    if (status != 1 || !strstr(err, expect))
        printf("\n    status %d, stderr: %s\n", status, err);
    CU_ASSERT_EQUAL(status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, expect));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "worker "));
}

static void test_procs_sigint_stops_everything(void)
{
    char *argv[] = { LAB, "--model", "procs", "--variant", "ticket", "--workers", "3",
                     "--iters", "1000000000", "--trials", "1", NULL };
    pid_t lab = spawn(argv, err_path());
    pid_t kids[16];
    CU_ASSERT_FATAL(wait_for_workers(lab, kids, 3) > 0);
    kill(lab, SIGINT);
    int status = wait_exit(lab, 30);
    CU_ASSERT_EQUAL(status, 130);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path()), "interrupted by SIGINT"));
    for (int i = 0; i < 3; i++)
        CU_ASSERT(kill(kids[i], 0) == -1 && errno == ESRCH);   /* every worker gone */
    CU_ASSERT_EQUAL(shm_leftovers(), 0);
}

static void test_procs_no_leftovers_after_200_runs(void)
{
    /* Orphaned workers are reparented to us, so we can see that they die. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    static const char *const variants[] = { "racy", "atomic", "tas", "ticket", "futex", "sem",
                                            "pmutex", "psem", "named-sem", "sharded" };
    unsigned runs = 0, parent_kills = 0, owner_deaths = 0;
    for (unsigned i = 0; i < 200; i++, runs++) {
        const char *v = variants[i % 10];
        if (i % 10 == 3) {
            /* The parent SIGKILLed mid-run: its workers must follow it. */
            char *argv[] = { LAB, "--model", "procs", "--variant", (char *)v, "--workers", "3",
                             "--iters", "1000000000", "--trials", "1", NULL };
            pid_t lab = spawn(argv, "/dev/null");
            pid_t kids[16];
            wait_for_workers(lab, kids, 1);
            usleep((useconds_t)(i * 997 % 20000));
            kill(lab, SIGKILL);
            CU_ASSERT_EQUAL(wait_exit(lab, 10), 128 + SIGKILL);
            parent_kills++;
        } else if (i % 10 == 6 || i % 10 == 8) {
            /* A worker SIGKILLed holding the lock (pmutex recovers; named-sem
             * deadlocks until the 1 s timeout). */
            char *argv[] = { LAB, "--model", "procs", "--variant", (char *)v, "--kill-owner",
                             "--iters", "20000", "--trials", "1", "--timeout", "1", NULL };
            struct prog_result r = run_prog(argv, 60);
            CU_ASSERT_EQUAL(r.status, 0);
            prog_result_free(&r);
            owner_deaths++;
        } else {
            char *argv[] = { LAB, "--model", "procs", "--variant", (char *)v, "--iters", "2000",
                             "--trials", "1", NULL };
            struct prog_result r = run_prog(argv, 60);
            CU_ASSERT_EQUAL(r.status, 0);
            prog_result_free(&r);
        }
    }
    /* Reap orphans: each must have died with its parent (PR_SET_PDEATHSIG). */
    int st, orphans = 0;
    for (int i = 0; i < 300; i++) {
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p > 0) {
            orphans++;
            continue;
        }
        if (p < 0 && errno == ECHILD)
            break;
        usleep(10000);
    }
    CU_ASSERT(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);   /* nothing still alive */
    printf("\n    %u runs (%u parents and %u owners SIGKILLed), %d orphaned workers reaped",
           runs, parent_kills, owner_deaths, orphans);
    CU_ASSERT_EQUAL(shm_leftovers(), 0);
    prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static void test_procs_huge_segment_refused(void)
{
    /* A request the system cannot back fails with the errno text and
     * leaves no name behind. */
    char err[256] = "";
    void *p = lab_shared_alloc(LAB_PROCS, "counter", (size_t)1 << 62, err, sizeof err);
    CU_ASSERT_PTR_NULL(p);
    printf("\n    %s", err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "shared memory"));
    CU_ASSERT(strstr(err, "too large") || strstr(err, "Invalid argument") ||
              strstr(err, "Cannot allocate memory") || strstr(err, "No space left"));
    CU_ASSERT_EQUAL(shm_leftovers(), 0);
    /* And a normal one works and is zeroed. */
    unsigned char *q = lab_shared_alloc(LAB_PROCS, "counter", 4096, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    unsigned nonzero = 0;
    for (int i = 0; i < 4096; i++)
        nonzero += q[i] != 0;
    CU_ASSERT_EQUAL(nonzero, 0);
    lab_shared_free(LAB_PROCS, q, 4096);
}

/* Only the race needs the whole machine (test_procs_race, labelled stress,
 * runs alone); the rest are about exactness and clean-up, which must hold
 * however loaded the machine is, so they share the cores. */
#ifdef PROCS_RACE_ONLY
static const struct test_case tests[] = {
    { "racy_loses_updates", test_procs_racy_loses_updates },
    { NULL, NULL },
};

TEST_MAIN("procs_race", tests)
#else
static const struct test_case tests[] = {
    { "huge_segment_refused", test_procs_huge_segment_refused },
    { "fixed_variants_exact", test_procs_fixed_variants_exact },
    { "robust_owner_death_recovers", test_procs_robust_owner_death_recovers },
    { "nonrobust_owner_death_deadlocks", test_procs_nonrobust_owner_death_deadlocks },
    { "worker_crash_reported", test_procs_worker_crash_reported },
    { "sigint_stops_everything", test_procs_sigint_stops_everything },
    { "no_leftovers_after_200_runs", test_procs_no_leftovers_after_200_runs },
    { NULL, NULL },
};

TEST_MAIN("procs", tests)
#endif
