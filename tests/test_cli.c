/* tests/test_cli.c - lab-counter (and every other program) as a user and a
 * script see it.
 *
 * Bad input: exit status 2, exactly one line on stderr naming the problem,
 * nothing on stdout - for every lab, bench and racelab. --json: every line one
 * valid JSON object carrying the protocol's fields (labs/PROTOCOL.md), one
 * "trial" per trial and one "summary" per variant. --csv: a header and rows
 * of the same width. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json_check.h"
#include "run_prog.h"
#include "test_main.h"

#define LAB RACELAB_BIN_DIR "/lab-counter"

/* Runs lab-counter with a NULL-terminated list of arguments. */
#define lab(...) run_progl(LAB, 120, __VA_ARGS__)
#define RUN(...) lab(__VA_ARGS__, NULL)

static void expect_usage_error(struct prog_result r, const char *needle)
{
    if (r.status != 2 || count_lines(r.err) != 1 || r.out[0] != '\0' || !strstr(r.err, needle))
        printf("\n    status %d, stderr: %s    stdout: %.80s\n", r.status, r.err, r.out);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_EQUAL(count_lines(r.err), 1);
    CU_ASSERT_STRING_EQUAL(r.out, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, needle));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "lab-counter: "));
    prog_result_free(&r);
}

static void test_cli_bad_input(void)
{
    expect_usage_error(RUN("--workers", "0"), "--workers");
    expect_usage_error(RUN("--iters", "-5"), "--iters");
    expect_usage_error(RUN("--iters", "abc"), "--iters");
    expect_usage_error(RUN("--trials", "0"), "--trials");
    expect_usage_error(RUN("--variant", "nope"), "nope");
    expect_usage_error(RUN("--bogus"), "--bogus");
    expect_usage_error(RUN("--workers", "100000"), "1024");
    expect_usage_error(RUN("--model", "coros-preempted"), "coros-preempt");
    expect_usage_error(RUN("--model", "coros-preempt", "--preempt", "0"), "--preempt");
    expect_usage_error(RUN("--preempt", "50"), "coros-preempt only");
    expect_usage_error(RUN("--model", "coros-mn", "--carriers", "0"), "--carriers");
    expect_usage_error(RUN("--model", "coros", "--hog", "-5"), "--hog");
    expect_usage_error(RUN("--model", "coros", "--variant", "ticket"), "coros");
    expect_usage_error(RUN("--variant", "comutex"), "real lock");
    expect_usage_error(RUN("--model", "procs", "--variant", "mutex"), "process-private");
    expect_usage_error(RUN("--model", "procs", "--kill-owner", "--variant", "atomic"),
                       "no lock to die holding");
    expect_usage_error(RUN("--kill-owner"), "--model procs");
    expect_usage_error(RUN("--workers"), "needs a value");
    expect_usage_error(RUN("--workers=0"), "--workers");
    expect_usage_error(RUN("--model=fibers"), "coros-preempt");
    expect_usage_error(RUN("--variant=nope"), "nope");
    expect_usage_error(RUN("--json=1"), "takes no value");
    expect_usage_error(RUN("stray"), "stray");
}

static void test_cli_help(void)
{
    struct prog_result r = RUN("--help");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "--workers"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "--json"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "sharded"));
    CU_ASSERT_STRING_EQUAL(r.err, "");
    prog_result_free(&r);
}

static void test_cli_human_report(void)
{
    struct prog_result r = RUN("--variant", "mutex,atomic", "--iters", "1000", "--trials", "2");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "exact in 2 of 2 trials (2000)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "atomics: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "summary"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "ns/op"));
    CU_ASSERT_STRING_EQUAL(r.err, "");
    prog_result_free(&r);
}

/* In a build where everything runs under ThreadSanitizer, racy is a reported
 * race (exit 66) by design; the output tests then use a fixed variant. */
static const char *racy_unless_tsan(const char *with, const char *without)
{
    return strcmp(RACELAB_SANITIZER_NAME, "thread") == 0 ? without : with;
}

static const char *const common_fields[] = {
    "lab", "model", "variant", "workers", "iters", "expected", "observed", "lost",
    "ns_per_op", "wall_ns", "racy_by_design", "atomics",
};

static void test_cli_json_lines(void)
{
    const char *variants = racy_unless_tsan("racy,cas,sharded", "ttas,cas,sharded");
    struct prog_result r = RUN("--json", "--variant", variants, "--iters", "3000", "--trials", "3",
                               "--workers", "3");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_STRING_EQUAL(r.err, "");
    unsigned trials = 0, summaries = 0, lines = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        lines++;
        if (!json_valid_object(line)) {
            printf("\n    not a JSON object: %s\n", line);
            CU_FAIL("invalid JSON line");
            continue;
        }
        for (size_t i = 0; i < sizeof common_fields / sizeof common_fields[0]; i++)
            if (json_field(line, common_fields[i]) == NULL) {
                printf("\n    missing \"%s\" in %s\n", common_fields[i], line);
                CU_FAIL("missing field");
            }
        CU_ASSERT(json_field_is(line, "lab", "\"counter\""));
        CU_ASSERT(json_field_is(line, "model", "\"threads\""));
        CU_ASSERT_EQUAL(json_field_int(line, "workers", -1), 3);
        CU_ASSERT_EQUAL(json_field_int(line, "expected", -1), 9000);
        CU_ASSERT_EQUAL(json_field_int(line, "lost", -1),
                        9000 - json_field_int(line, "observed", -1));
        bool racy = json_field_is(line, "variant", "\"racy\"");
        CU_ASSERT(json_field_is(line, "racy_by_design", racy ? "true" : "false"));
        if (!racy)
            CU_ASSERT_EQUAL(json_field_int(line, "observed", -1), 9000);
        if (json_field_is(line, "kind", "\"trial\"")) {
            trials++;
            long long t = json_field_int(line, "trial", 0);
            CU_ASSERT(t >= 1 && t <= 3);
        } else if (json_field_is(line, "kind", "\"summary\"")) {
            summaries++;
            CU_ASSERT_EQUAL(json_field_int(line, "trials", -1), 3);
            long long lo = json_field_int(line, "observed_min", -1);
            long long med = json_field_int(line, "observed_median", -1);
            long long hi = json_field_int(line, "observed_max", -1);
            CU_ASSERT(lo >= 0 && lo <= med && med <= hi && hi <= 9000);
            long long lossy = json_field_int(line, "lossy_trials", -1);
            CU_ASSERT(lossy >= 0 && lossy <= 3);
            if (!racy)
                CU_ASSERT_EQUAL(lossy, 0);
        } else {
            CU_FAIL("unknown kind");
        }
    }
    CU_ASSERT_EQUAL(trials, 9);
    CU_ASSERT_EQUAL(summaries, 3);
    CU_ASSERT_EQUAL(lines, 12);
    prog_result_free(&r);
}

/* A --list --json line's known_reports: present, an array, each entry with
 * its four strings. Returns the array's text (inside |line|). */
static const char *known_reports(const char *line)
{
    const char *kr = json_field(line, "known_reports");
    CU_ASSERT_PTR_NOT_NULL_FATAL(kr);
    CU_ASSERT_EQUAL_FATAL(kr[0], '[');
    if (kr[1] != ']') {
        CU_ASSERT(strstr(kr, "{\"tool\":") != NULL && strstr(kr, "\"kind\":") != NULL &&
                  strstr(kr, "\"frame\":") != NULL && strstr(kr, "\"why\":") != NULL);
    }
    return kr;
}

static void test_cli_list_json(void)
{
    struct prog_result r = RUN("--list", "--json");
    CU_ASSERT_EQUAL(r.status, 0);
    unsigned n = 0;
    bool saw_racy = false;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        n++;
        CU_ASSERT_FATAL(json_valid_object(line));
        CU_ASSERT(json_field(line, "description") != NULL);
        CU_ASSERT(json_field_is(line, "lab", "\"counter\""));
        CU_ASSERT(json_field_is(line, "model", "\"threads\"") ||
                  json_field_is(line, "model", "\"procs\"") ||
                  json_field_is(line, "model", "\"coros\"") ||
                  json_field_is(line, "model", "\"coros-mn\"") ||
                  json_field_is(line, "model", "\"coros-preempt\"") ||
                  json_field_is(line, "model", "\"gil\"") ||
                  json_field_is(line, "model", "\"redis\"") ||
                  json_field_is(line, "model", "\"postgres\""));
        CU_ASSERT(json_field_is(line, "has_owner", "true") ||
                  json_field_is(line, "has_owner", "false"));
        if (json_field_is(line, "variant", "\"racy\"")) {
            saw_racy = true;
            CU_ASSERT(json_field_is(line, "racy_by_design", "true"));
        }
        if (json_field_is(line, "available", "false"))
            CU_ASSERT(json_field(line, "reason") != NULL);
        /* The start gate is annotated for valgrind (sync/annotate.h): no
         * entry; only procs cells carry the cross-process condition
         * variable signal. */
        const char *kr = known_reports(line);
        CU_ASSERT(strstr(kr, "\"frame\":\"gate_wait\"") == NULL);
        CU_ASSERT((strstr(kr, "pthread_cond_wait succeeded without prior") != NULL) ==
                  json_field_is(line, "model", "\"procs\""));
    }
    /* threads, procs, coros, coros-mn, -preempt; gil, redis, postgres */
    CU_ASSERT_EQUAL(n, 18 + 14 + 4 + 3 + 4 + 2 + 5 + 6);
    CU_ASSERT(saw_racy);
    prog_result_free(&r);
}

/* lab-queue's list too: known_reports on every line, run_args where the
 * defaults cannot run the cell. */
static void test_cli_queue_list_json(void)
{
    char *argv[] = { RACELAB_BIN_DIR "/lab-queue", "--list", "--json", NULL };
    struct prog_result r = run_prog(argv, 60);
    CU_ASSERT_EQUAL(r.status, 0);
    unsigned n = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        n++;
        CU_ASSERT_FATAL(json_valid_object(line));
        CU_ASSERT(json_field_is(line, "lab", "\"queue\""));
        const char *kr = known_reports(line);
        CU_ASSERT(strstr(kr, "\"frame\":\"gate_wait\"") == NULL);   /* annotated */
        const char *ra = json_field(line, "run_args");
        if (ra != NULL)
            CU_ASSERT(ra[0] == '[' && strstr(ra, "\"--producers\"") != NULL);
    }
    CU_ASSERT(n > 0);
    prog_result_free(&r);
}

static void test_cli_csv(void)
{
    const char *variants = racy_unless_tsan("atomic,racy", "atomic,tas");
    struct prog_result r = RUN("--csv", "--variant", variants, "--iters", "1000", "--trials", "2");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(count_lines(r.out), 1 + 2 * 2 + 2);
    unsigned width = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned commas = 0;
        for (char *p = line; *p; p++)
            commas += *p == ',';
        if (width == 0) {
            width = commas;
            CU_ASSERT(strncmp(line, "kind,lab,model,variant,", 23) == 0);
        }
        CU_ASSERT_EQUAL(commas, width);
    }
    prog_result_free(&r);
}

static void test_cli_hog_json(void)
{
    struct prog_result r = RUN("--model", "coros", "--hog", "20", "--json");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(count_lines(r.out), 1);
    CU_ASSERT_FATAL(json_valid_object(r.out));
    CU_ASSERT(json_field_is(r.out, "kind", "\"hog\""));
    CU_ASSERT(json_field_is(r.out, "model", "\"coros\""));
    CU_ASSERT(json_field_int(r.out, "worst_delay_ns", 0) >= 19000000);
    prog_result_free(&r);
}

/* Every program's command line: an unknown option, a bad value given as
 * --opt=value and an option missing its value each give exit 2, one line
 * on stderr and nothing on stdout; a good --opt=value (or --help) runs. */
struct cli_case {
    const char *prog;
    const char *unknown[3], *bad[3], *missing[3], *good[4];
};

static const struct cli_case cli_cases[] = {
    { "lab-counter", { "--frobnicate" }, { "--iters=abc" }, { "--iters" },
      { "--variant=atomic", "--iters=10", "--trials=1" } },
    { "lab-queue", { "--frobnicate" }, { "--iters=abc" }, { "--iters" },
      { "--variant=mutex", "--iters=10", "--trials=1" } },
    { "lab-bank", { "--frobnicate" }, { "--iters=abc" }, { "--iters" },
      { "--variant=ordered", "--iters=10", "--trials=1" } },
    { "lab-philosophers", { "--frobnicate" }, { "--iters=abc" }, { "--iters" },
      { "--variant=ordered", "--iters=10", "--trials=1" } },
    { "lab-wakeup", { "--frobnicate" }, { "--iters=abc" }, { "--iters" },
      { "--variant=correct", "--iters=10", "--trials=1" } },
    { "lab-rw", { "--frobnicate" }, { "--read-pct=abc" }, { "--read-pct" },
      { "--variant=sync-rwlock", "--iters=10", "--trials=1" } },
    { "bench-counter", { "--frobnicate" }, { "--iters=abc" }, { "--iters" }, { "--help" } },
    { "bench-queue", { "--frobnicate" }, { "--messages=abc" }, { "--messages" }, { "--help" } },
    { "bench-switch", { "--frobnicate" }, { "--reps=abc" }, { "--reps" }, { "--help" } },
    { "lab-reorder", { "--frobnicate" }, { "--iters=abc" }, { "--iters" },
      { "--variant=sb-seqcst", "--iters=1000", "--trials=1" } },
    { "lab-lazyinit", { "--frobnicate" }, { "--iters=abc" }, { "--iters" },
      { "--variant=once", "--iters=10", "--trials=1" } },
    { "racelab", { "list", "--frobnicate" }, { "run", "--trials=abc" }, { "run", "--trials" },
      { "list" } },
};

static struct prog_result run_case(const char *path, const char *const *args)
{
    char *argv[8] = { (char *)path };
    for (int i = 0; i < 4 && args[i] != NULL; i++)
        argv[i + 1] = (char *)args[i];
    return run_prog(argv, 120);
}

static void expect_bad(const char *path, const char *const *args)
{
    struct prog_result r = run_case(path, args);
    if (r.status != 2 || count_lines(r.err) != 1 || r.out[0] != '\0')
        printf("\n    %s %s %s: status %d, stderr: %s    stdout: %.80s\n", path, args[0],
               args[1] ? args[1] : "", r.status, r.err, r.out);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_EQUAL(count_lines(r.err), 1);
    CU_ASSERT_STRING_EQUAL(r.out, "");
    prog_result_free(&r);
}

static void test_cli_every_program(void)
{
    for (size_t i = 0; i < sizeof cli_cases / sizeof cli_cases[0]; i++) {
        const struct cli_case *c = &cli_cases[i];
        char path[512];
        snprintf(path, sizeof path, "%s/%s", RACELAB_BIN_DIR, c->prog);
        if (access(path, X_OK) != 0) {
            char why[600];
            snprintf(why, sizeof why, "%s is not in this build", path);
            test_skip(why);
            continue;
        }
        expect_bad(path, c->unknown);
        expect_bad(path, c->bad);
        expect_bad(path, c->missing);
        struct prog_result r = run_case(path, c->good);
        if (r.status != 0)
            printf("\n    %s %s: status %d, stderr: %s\n", path, c->good[0], r.status, r.err);
        CU_ASSERT_EQUAL(r.status, 0);
        CU_ASSERT(r.out[0] != '\0');
        prog_result_free(&r);
    }
}

/* bench-switch --quick: a smoke test (it measures nothing worth asserting). */
static void test_cli_bench_switch_smoke(void)
{
    char *argv[] = { RACELAB_BIN_DIR "/bench-switch", "--quick", "--json", NULL };
    struct prog_result r = run_prog(argv, 120);
    CU_ASSERT_EQUAL(r.status, 0);
    unsigned n = 0, machine = 0, claims = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        CU_ASSERT(json_valid_object(line));
        if (json_field_is(line, "kind", "\"machine\"")) {
            machine++;
        } else if (json_field_is(line, "kind", "\"claim\"")) {
            claims++;
        } else if (json_field_is(line, "kind", "\"switch\"")) {
            n++;
            CU_ASSERT(json_field_int(line, "runs", 0) == 1);
            CU_ASSERT(json_field_int(line, "ns_per_switch", 0) > 0);
        } else {
            CU_ASSERT(json_field_is(line, "kind", "\"target\""));
        }
    }
    CU_ASSERT_EQUAL(machine, 1);
    CU_ASSERT_EQUAL(claims, 3);
    CU_ASSERT_EQUAL(n, 16);   /* 2 in-process, 7 mechanisms x same/cross-core */
    prog_result_free(&r);
    char *bad[] = { RACELAB_BIN_DIR "/bench-switch", "--bogus", NULL };
    r = run_prog(bad, 30);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_EQUAL(count_lines(r.err), 1);
    prog_result_free(&r);
}

static const struct test_case tests[] = {
    { "bench_switch_smoke", test_cli_bench_switch_smoke },
    { "hog_json", test_cli_hog_json },
    { "bad_input", test_cli_bad_input },
    { "help", test_cli_help },
    { "human_report", test_cli_human_report },
    { "json_lines", test_cli_json_lines },
    { "list_json", test_cli_list_json },
    { "queue_list_json", test_cli_queue_list_json },
    { "csv", test_cli_csv },
    { "every_program", test_cli_every_program },
    { NULL, NULL },
};

TEST_MAIN("cli", tests)
