/* tests/test_exercise.c - racelab exercise, the maintainer check (issue 18):
 * every exercise as shipped fails its check with the verdict it is about, every reference
 * solution passes, every shipped wrong fix or wrong answer (tests/fixtures/exercise/) is
 * rejected, progress is kept and reset, and bad input is one line, exit 2. The break and
 * predict kinds (an answer line), --schedule, --watch (driven through pipes: the test waits
 * for each verdict line, it never sleeps), and the cost budget (the one case that measures
 * time, built as its own executable test_exercise_cost, labelled stress: a spinning fix
 * burns CPU for the 200 ms it waits, against the solution's 2 ms).
 * The explorer is deterministic, so every verdict is asserted exactly; the
 * one TSan verdict (a relaxed flag) is certain too: the reader reads data
 * only after it saw the flag, so the unordered write is always in TSan's
 * shadow memory. Each test gets its own XDG_CACHE_HOME under a temp dir. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_prog.h"
#include "test_main.h"

#ifdef EXERCISE_COST_ONLY   /* test_exercise_cost: the one case, the rest unused */
#pragma GCC diagnostic ignored "-Wunused-function"
#endif

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
    { "store_buffering", "09_store_buffering", "unanswered" },
    { "be_the_scheduler", "10_be_the_scheduler", "unanswered" },
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
    { "store_buffering.hardware.c", "store_buffering", "wrong" },
    { "store_buffering.missing_both_one.c", "store_buffering", "wrong" },
    { "store_buffering.edited.c", "store_buffering", "changed" },
    { "be_the_scheduler.serial.c", "be_the_scheduler", "held" },
    { "be_the_scheduler.whole_increments.c", "be_the_scheduler", "held" },
    { "be_the_scheduler.no_thread3.c", "be_the_scheduler", "diverged" },
    { "be_the_scheduler.edited.c", "be_the_scheduler", "changed" },
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

/* How many exercises the table lists (this file checks the first EX_N; more may follow). */
static size_t ex_total(void)
{
    struct prog_result r = EXERCISE("list", "--json");
    size_t rows = 0;
    for (const char *p = r.out; (p = strstr(p, "{\"name\":")) != NULL; p++)
        rows++;
    prog_result_free(&r);
    return rows;
}

/* "K/TOTAL solved" */
static bool has_progress(const char *out, size_t k)
{
    char want[64];
    snprintf(want, sizeof want, "%zu/%zu solved", k, ex_total());
    return has(out, want);
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
    CU_ASSERT(has_progress(r.out, 0));   /* no wrong fix counted as solved */
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
    CU_ASSERT(rows >= EX_N);
    for (size_t i = 0; i < EX_N; i++) {
        char want[96];
        snprintf(want, sizeof want, "{\"name\":\"%s\"", ex_all[i].name);
        CU_ASSERT(has(r.out, want));
    }
    CU_ASSERT(!has(r.out, "\"solved\":true"));
    prog_result_free(&r);
    r = exercise("exercise", NULL);   /* the next unsolved: the first, with the explorer's step table */
    CU_ASSERT_EQUAL(r.status, 1);
    char want[96];
    snprintf(want, sizeof want, "exercise 1/%zu: counter_mutex", rows);
    CU_ASSERT(has(r.out, want));
    CU_ASSERT(has(r.out, "NOT YET: a schedule breaks it: counter"));
    CU_ASSERT(has(r.out, "lost update"));
    CU_ASSERT(has_progress(r.out, 0));
    prog_result_free(&r);
    r = EXERCISE("counter_mutex", "--file", EXERCISES_DIR "/01_counter_mutex/solution.c");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(has(r.out, "SOLVED: correct in every schedule with at most 2 preemptions"));
    CU_ASSERT(has_progress(r.out, 1));
    prog_result_free(&r);
    r = exercise("exercise", NULL);
    snprintf(want, sizeof want, "exercise 2/%zu: counter_atomic", rows);
    CU_ASSERT(has(r.out, want));
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
    CU_ASSERT(has_progress(r.out, 0));
    prog_result_free(&r);
    r = EXERCISE("list");
    CU_ASSERT(has_progress(r.out, 0));
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
    CU_ASSERT(has(r.err, "once_init, store_buffering, be_the_scheduler"));
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

/* A copy of |src| with its answer line `// KEY: ...` replaced by |line|, as |dst|. */
static void with_answer(const char *src, const char *key, const char *line, const char *dst)
{
    FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    char buf[512], prefix[64];
    snprintf(prefix, sizeof prefix, "// %s:", key);
    while (fgets(buf, sizeof buf, in) != NULL)
        fputs(strncmp(buf, prefix, strlen(prefix)) == 0 ? line : buf, out);
    fclose(in);
    fclose(out);
}

#define BREAK_SOLUTION EXERCISES_DIR "/10_be_the_scheduler/solution.c"
#define PREDICT_SOLUTION EXERCISES_DIR "/09_store_buffering/solution.c"

/* break: --schedule over the file's line; a deadlock counts; what a held schedule did. */
static void test_exercise_break(void)
{
    fresh_cache("break");
    struct prog_result r = EXERCISE("be_the_scheduler", "--schedule", "2,1,1,2");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(has(r.out, "SOLVED: under your schedule 2,1,1,2 the program fails: counter 3, "
                         "expected 4"));
    CU_ASSERT(has(r.out, "(the whole run: 2,1*2,2*3,1*2,0*2, 2 preemptions)"));
    prog_result_free(&r);
    r = EXERCISE("be_the_scheduler", "--file", BREAK_SOLUTION, "--schedule", "1*4,2*4");
    CU_ASSERT_EQUAL(r.status, 1);   /* --schedule wins over the file's line */
    CU_ASSERT(has(r.out, "NOT YET: under your schedule 1*4,2*4 the program still passes: it "
                         "printed \"counter 4: no update lost\""));
    CU_ASSERT(has(r.out, "the whole run: 1,1,1,1,2,2,2,2,0,0"));
    CU_ASSERT(!has(r.out, "the explorer's schedule"));
    prog_result_free(&r);
    char file[400];
    snprintf(file, sizeof file, "%s/indented.c", ex_tmp);   /* blanks around the answer */
    with_answer(BREAK_SOLUTION, "schedule", "   //   schedule:   1 , 2,2,1  \n", file);
    r = EXERCISE("be_the_scheduler", "--file", file, "--json");
    CU_ASSERT_EQUAL(r.status, 2);   /* "1 " is no THREAD: the explorer's syntax, named where */
    CU_ASSERT(has(r.err, "indented.c:18: bad schedule: item 1 ('1 ') is not THREAD"));
    prog_result_free(&r);
    with_answer(BREAK_SOLUTION, "schedule", "   //   schedule:   1,2,2,1  \n", file);
    r = EXERCISE("be_the_scheduler", "--file", file, "--json");
    expect_verdict(&r, file, "pass");
    CU_ASSERT(has(r.out, "\"schedule\":\"1,2,2,1\""));
    prog_result_free(&r);
    unlink(file);
}

/* predict: order, braces and blanks are free; a failing outcome is named. */
static void test_exercise_predict(void)
{
    fresh_cache("predict");
    char file[400];
    snprintf(file, sizeof file, "%s/braces.c", ex_tmp);
    with_answer(PREDICT_SOLUTION, "outcomes",
                "// outcomes: {r1=1, r0=1} {r1=0,r0=1} | r1=1 r0=0 | {r0=1 r1=1}\n", file);
    struct prog_result r = EXERCISE("store_buffering", "--file", file);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(has(r.out, "SOLVED: exactly the 3 outcomes of every schedule, sequentially "
                         "consistent interleavings (20 runs): "));
    CU_ASSERT(has(r.out, "r0=0 r1=1") && has(r.out, "r0=1 r1=0") && has(r.out, "r0=1 r1=1"));
    prog_result_free(&r);
    with_answer(PREDICT_SOLUTION, "outcomes",
                "// outcomes: r0=1 r1=1 | r0=1 r1=0 | r0=0 r1=1 | a=1\n", file);
    r = EXERCISE("store_buffering", "--file", file, "--json");
    expect_verdict(&r, file, "wrong");
    CU_ASSERT(has(r.out, "no schedule gives a=1\""));   /* nothing missing: not said */
    prog_result_free(&r);
    r = EXERCISE("store_buffering", "--file", EXERCISE_FIXTURES "/store_buffering.hardware.c");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT(has(r.out, "NOT YET: not the outcomes of every schedule"));
    CU_ASSERT(has(r.out, "no schedule gives r0=0 r1=0"));
    CU_ASSERT(!has(r.out, "missing"));
    prog_result_free(&r);
    unlink(file);
}

static void expect_one_line(struct prog_result *r, const char *sub)
{
    CU_ASSERT_EQUAL(r->status, 2);
    CU_ASSERT(has(r->err, sub));
    CU_ASSERT(strchr(r->err, '\n') == r->err + strlen(r->err) - 1);
    if (r->status != 2 || !has(r->err, sub))
        fprintf(stderr, "want exit 2 with '%s', got %d: %s%s", sub, r->status, r->out, r->err);
}

/* Malformed answers and their place; answers in the wrong kind; a bad table row. */
static void test_exercise_answer_bad_input(void)
{
    fresh_cache("answer_bad");
    struct prog_result r =
        EXERCISE("be_the_scheduler", "--file", EXERCISE_FIXTURES "/be_the_scheduler.malformed.c");
    expect_one_line(&r, "exercise be_the_scheduler: " EXERCISE_FIXTURES
                        "/be_the_scheduler.malformed.c:20: bad schedule: item 3 ('') is not "
                        "THREAD or THREAD*COUNT");
    prog_result_free(&r);
    r = EXERCISE("be_the_scheduler", "--schedule", "1,2*0");
    expect_one_line(&r, "exercise be_the_scheduler: --schedule: bad schedule: item 2 ('2*0')");
    prog_result_free(&r);
    r = EXERCISE("store_buffering", "--file", EXERCISE_FIXTURES "/store_buffering.malformed.c");
    expect_one_line(&r, "store_buffering.malformed.c:19: outcome 2 ('r0=1 r1'): 'r1' is not "
                        "NAME=NUMBER");
    prog_result_free(&r);
    char file[400];
    snprintf(file, sizeof file, "%s/twice.c", ex_tmp);
    with_answer(PREDICT_SOLUTION, "outcomes", "// outcomes: r0=1 r0=1\n", file);
    r = EXERCISE("store_buffering", "--file", file);
    expect_one_line(&r, "twice.c:17: outcome 1 ('r0=1 r0=1'): 'r0' twice");
    prog_result_free(&r);
    with_answer(PREDICT_SOLUTION, "outcomes", "// outcomes: r0=1 r1=1\n// outcomes: r0=1\n",
                file);
    r = EXERCISE("store_buffering", "--file", file);
    expect_one_line(&r, "twice.c:18: a second `// outcomes:` line (the first is line 17)");
    prog_result_free(&r);
    unlink(file);
    r = EXERCISE("counter_mutex", "--schedule", "1,2");
    expect_one_line(&r, "--schedule goes with a break exercise (this one is fix)");
    prog_result_free(&r);
    r = EXERCISE("list", "--watch");
    CU_ASSERT_EQUAL(r.status, 2);
    prog_result_free(&r);
    char table[400];
    snprintf(table, sizeof table, "%s/exercises.tsv", ex_tmp);
    const char *rows[] = { "x\tmutex\tbreak\treplay\t2\t30\n", "x\tmutex\tpredict\treplay\tall\t30\n",
                           "x\tmutex\tbreak\treplay\t-\t30\t3\n", "x\tmutex\tfix\texplore\t2\t30\t1\n",
                           "x\tmutex\tfix\texplore\t2\t30\t3:" };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        FILE *f = fopen(table, "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fputs(rows[i], f);
        if (i == 4)   /* cost arguments longer than kept */
            for (int k = 0; k < 300; k++)
                fputc('1', f);
        fclose(f);
        setenv("RACELAB_EXERCISES", ex_tmp, 1);
        r = EXERCISE("list");
        unsetenv("RACELAB_EXERCISES");
        expect_one_line(&r, "exercises.tsv:1: bad row");
        prog_result_free(&r);
    }
    unlink(table);
}

/* ---- --watch: driven through pipes, every step waits for a line -------- */

struct watcher {
    pid_t pid;
    int in, out;
    char buf[65536];
    size_t len, seen;   /* seen: the text already matched */
};

static void watch_start(struct watcher *w, const char *file)
{
    int in[2], out[2];
    CU_ASSERT_FATAL(pipe(in) == 0 && pipe(out) == 0);
    memset(w, 0, sizeof *w);
    w->pid = fork();
    CU_ASSERT_FATAL(w->pid >= 0);
    if (w->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        close(in[1]), close(out[0]), close(in[0]), close(out[1]);
        execl(RACELAB, RACELAB, "exercise", "be_the_scheduler", "--file", file, "--watch",
              (char *)NULL);
        _exit(127);
    }
    close(in[0]), close(out[1]);
    w->in = in[1], w->out = out[0];
}

/* Reads until |sub| appears after what was matched before; the text before
 * it (from the last match) is left in w->buf + *from. A safety deadline
 * (60 s) only turns a hang into a failure: it synchronises nothing. */
static bool watch_until(struct watcher *w, const char *sub, size_t *from)
{
    time_t end = time(NULL) + 60;
    *from = w->seen;
    for (;;) {
        w->buf[w->len] = '\0';
        char *hit = strstr(w->buf + w->seen, sub);
        if (hit != NULL) {
            w->seen = (size_t)(hit - w->buf) + strlen(sub);
            return true;
        }
        struct pollfd p = { .fd = w->out, .events = POLLIN };
        int left = (int)(end - time(NULL));
        if (left <= 0 || poll(&p, 1, left * 1000) <= 0 || w->len + 1 >= sizeof w->buf)
            break;
        ssize_t n = read(w->out, w->buf + w->len, sizeof w->buf - 1 - w->len);
        if (n <= 0 && errno != EINTR)
            break;
        w->len += n > 0 ? (size_t)n : 0;
    }
    fprintf(stderr, "watch: no '%s' in: %s\n", sub, w->buf);
    return false;
}

/* Replaces |file| whole (written beside it, then renamed, as editors do). */
static void save_as(const char *src, const char *key, const char *line, const char *file)
{
    char tmp[450];
    snprintf(tmp, sizeof tmp, "%s.new", file);
    with_answer(src, key, line, tmp);
    CU_ASSERT_EQUAL(rename(tmp, file), 0);
}

static void test_exercise_watch(void)
{
    fresh_cache("watch");
    char file[400];
    snprintf(file, sizeof file, "%s/watched.c", ex_tmp);
    with_answer(BREAK_SOLUTION, "schedule", "// schedule: 1*4,2*4\n", file);
    struct watcher w;
    watch_start(&w, file);
    size_t from;
    CU_ASSERT_FATAL(watch_until(&w, "watching ", &from));
    CU_ASSERT(strstr(w.buf + from, "NOT YET: under your schedule 1*4,2*4") != NULL);
    save_as(BREAK_SOLUTION, "schedule", "// schedule: 1,2,,1\n", file);   /* bad input: */
    CU_ASSERT_FATAL(watch_until(&w, "watching ", &from));           /* the watch goes on */
    CU_ASSERT(strstr(w.buf + from, "watched.c:18: bad schedule: item 3") != NULL);
    save_as(BREAK_SOLUTION, "schedule", "// schedule: 1,2,2,1\n", file);
    CU_ASSERT_FATAL(watch_until(&w, "watching ", &from));
    CU_ASSERT(strstr(w.buf + from, "SOLVED: under your schedule 1,2,2,1") != NULL);
    CU_ASSERT(strstr(w.buf + from, "1/") != NULL);
    CU_ASSERT_EQUAL(write(w.in, "q", 1), 1);
    int ws = 0;
    CU_ASSERT_EQUAL(waitpid(w.pid, &ws, 0), w.pid);
    CU_ASSERT(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);   /* the last check's status */
    close(w.in);
    close(w.out);
    unlink(file);
}

#ifdef EXERCISE_COST_ONLY
/* The cost budget: the reference within it (stated), a polling fix over it. */
static void test_exercise_cost(void)
{
    fresh_cache("cost");
    struct prog_result r =
        EXERCISE("lost_wakeup", "--file", EXERCISES_DIR "/07_lost_wakeup/solution.c");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(has(r.out, "; within the cost budget natively (medians of 3 interleaved runs): "
                         "wall "));
    CU_ASSERT(has(r.out, "(budget 3x + 10 ms)"));
    prog_result_free(&r);
    r = EXERCISE("lost_wakeup", "--file", EXERCISE_FIXTURES "/lost_wakeup.spin.c", "--json");
    expect_verdict(&r, "lost_wakeup.spin.c", "cost");
    CU_ASSERT(has(r.out, "correct in every schedule with at most 2 preemptions"));
    CU_ASSERT(has(r.out, "OVER the cost budget natively"));
    CU_ASSERT(has(r.out, "it burns CPU while it waits"));
    prog_result_free(&r);
}

static const struct test_case tests[] = {
    { "cost", test_exercise_cost },
    { NULL, NULL },
};
TEST_MAIN("exercise_cost", tests)
#else
static const struct test_case tests[] = {
    { "shipped_fail", test_exercise_shipped_fail },
    { "solutions_pass", test_exercise_solutions_pass },
    { "wrong_fixes_rejected", test_exercise_wrong_fixes_rejected },
    { "progress", test_exercise_progress },
    { "hint", test_exercise_hint },
    { "bad_input", test_exercise_bad_input },
    { "break", test_exercise_break },
    { "predict", test_exercise_predict },
    { "answer_bad_input", test_exercise_answer_bad_input },
    { "watch", test_exercise_watch },
    { NULL, NULL },
};

TEST_MAIN("exercise", tests)
#endif
