/* tests/test_check.c - racelab check: its verdict policy on public
 * regression tests it was not tuned on (tests/fixtures/check/heldout/, a
 * subset of the held-out set; scripts/check-heldout.sh runs all of it), C++
 * and compile flags, exit statuses, the program's own alarm(), bad input.
 * Every fixture is deterministic for the property asserted: a race the
 * detectors see on every run (happens-before, not timing), a clean program.
 * One exception, TSan on tc01: clang 14's TSan misses its race in some runs
 * (13 of 300 measured in a fresh Debian chroot, 1 of 900 on this machine).
 * check runs TSan twice and unites the reports, so a check misses it only
 * when both runs do: about 1 in 625 at the worse rate. That is still too
 * often for a test that must pass every time, so the tests that need TSan's
 * word on tc01 allow a second round (1 in 390 000). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "run_prog.h"
#include "test_main.h"

#define RACELAB RACELAB_BIN_DIR "/racelab"
#define HELD FIXTURES_DIR "/check/heldout/"
#define OWN FIXTURES_DIR "/check/"

#define racelab(...) run_progl(RACELAB, 300, __VA_ARGS__)
#define RUN(...) racelab(__VA_ARGS__, NULL)

static bool have_valgrind(void)
{
    return access("/usr/bin/valgrind", X_OK) == 0 || access("/usr/local/bin/valgrind", X_OK) == 0;
}

/* |r| exited |status| and its stdout holds every needle. */
static void expect(struct prog_result r, int status, const char *const *needles)
{
    bool ok = r.status == status;
    for (size_t i = 0; needles[i] != NULL; i++)
        ok = ok && strstr(r.out, needles[i]) != NULL;
    if (!ok)
        printf("\n    status %d (want %d), stdout:\n%s    stderr: %s", r.status, status, r.out,
               r.err);
    CU_ASSERT_EQUAL(r.status, status);
    for (size_t i = 0; needles[i] != NULL; i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, needles[i]));
    prog_result_free(&r);
}
#define EXPECT(r, status, ...) expect((r), (status), (const char *const[]){ __VA_ARGS__, NULL })

static void expect_usage(struct prog_result r, const char *needle)
{
    if (r.status != 2 || count_lines(r.err) != 1 || strstr(r.err, needle) == NULL)
        printf("\n    status %d, stderr: %s", r.status, r.err);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_EQUAL(count_lines(r.err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, needle));
    CU_ASSERT_EQUAL(r.out[0], '\0');
    prog_result_free(&r);
}

static void test_check_bad_input(void)
{
    expect_usage(RUN("check", "/nonexistent/prog.cpp"), "cannot read /nonexistent/prog.cpp");
    expect_usage(RUN("check", OWN "check_exit_value.c", "--", "-fno-such-flag-at-all"),
                 "does not compile");
    expect_usage(RUN("check", "--exit-ok", "0,256", OWN "check_exit_value.c"), "--exit-ok");
    expect_usage(RUN("check", "--exit-ok", "x", OWN "check_exit_value.c"), "--exit-ok");
}

/* TSan and valgrind agree: TSan's word counts, the user's frame leads. */
static void test_check_agreement(void)
{
    if (!have_valgrind()) {
        test_skip("valgrind is not installed");
        return;
    }
    /* TSan's word needs one of its runs to see tc01's race: a check misses
     * it about once in 625 (see the top), so a second check if it did. */
    struct prog_result r = { 0 };
    for (int i = 0; i < 2; i++) {
        prog_result_free(&r);
        r = RUN("check", "--quiet", "--trials", "1", "--no-exit-check", HELD "tc01_simple_race.c");
        if (strstr(r.out, "tsan's word counted") != NULL)
            break;
    }
    EXPECT(r, 1, "verdict: racy (tsan's word counted: data race at ", "tc01_simple_race.c:",
           "TSan reports a race too", "agreed: helgrind, drd", "; found in ",
           "            2 runs, race reports in ");
}

/* TSan's two runs are united: a race only one run saw counts, a race both
 * saw is one report (its fingerprint), and the output says how many runs
 * saw one. The fixture races on y only in the run that creates the marker
 * file, on x in both (tests/fixtures/check/check_tsan_union.c). */
static void test_check_tsan_union(void)
{
    char marker[128];
    snprintf(marker, sizeof marker, "/tmp/racelab-test-union-%d", (int)getpid());
    unlink(marker);
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native,tsan",
               OWN "check_tsan_union.c", "--args", marker),
           1, "  tsan      RACE: data race at ", " (2 reports; ", "; found in 2 of 2 runs)",
           "            2 runs, race reports in 2 (the union of their reports",
           "verdict: racy (tsan's word counted: ");
    CU_ASSERT_EQUAL(access(marker, F_OK), 0);   /* a TSan run made it */
    unlink(marker);
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native,tsan",
               HELD "tc02_simple_tls.c"),
           0, "  tsan      clean (no report; exit 0)\n            2 runs, race reports in 0 ");
}

/* A race on neighbouring bytes TSan does not see: valgrind's word counts. */
static void test_check_subword(void)
{
    if (!have_valgrind()) {
        test_skip("valgrind is not installed");
        return;
    }
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--no-exit-check", HELD "tc16_byterace.c"), 1,
           "verdict: racy (helgrind's word counted", "1-byte access", "main (tc16_byterace.c:");
}

/* An API-usage diagnostic is a hint, not a race. */
static void test_check_hint(void)
{
    if (!have_valgrind()) {
        test_skip("valgrind is not installed");
        return;
    }
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--no-exit-check", HELD "pth_destroy_cond.c"),
           0, "hint: ", "an API-usage diagnostic, not a data race", "verdict: clean",
           "ThreadFunction (pth_destroy_cond.c:");
}

/* A hand-over valgrind cannot see (a pipe): its reports are disputed. */
static void test_check_disputed(void)
{
    if (!have_valgrind()) {
        test_skip("valgrind is not installed");
        return;
    }
    EXPECT(RUN("check", "--quiet", "--trials", "1", OWN "check_pipe_order.c"), 0,
           "disputed: ", "pipes or sockets, which valgrind does not model", "verdict: clean",
           "(2 disputed");
}

/* A C++ source with clang++; compile flags after "--", program arguments
 * after a second "--" or --args. */
static void test_check_cxx_and_flags(void)
{
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native,tsan",
               HELD "pipe.cpp"), 0, "verdict: clean");
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native,tsan",
               "--no-exit-check", HELD "tc24_nonzero_sem.c", "--", "-DVGO_linux=1"),
           0, "verdict: clean", "-- -DVGO_linux=1");
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native,tsan",
               HELD "fp_race.c", "--", "-DUNUSED=1", "--", "-m"), 0, "verdict: clean");
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native,tsan",
               HELD "fp_race.c", "--args", "-p"), 1, "verdict: racy (tsan's word counted");
}

static void test_check_exit_status(void)
{
    const char *f = OWN "check_exit_value.c";
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native", f), 1,
           "verdict: racy (the program's own check failed: exit 3");
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native", "--exit-ok", "0,3",
               f), 0, "verdict: clean");
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native", "--no-exit-check",
               f), 0, "verdict: clean", "exit status not checked");
}

static void test_check_own_alarm(void)
{
    struct prog_result r = RUN("check", "--quiet", "--trials", "1", "--detectors", "native",
                               "--timeout", "20", OWN "check_alarm_hang.c");
    CU_ASSERT_PTR_NULL(strstr(r.out, "verdict: crash"));
    EXPECT(r, 1, "verdict: deadlock? (a deadlock or hang: the program's own alarm() ended it");
}

/* Every doctor line is ok or FAIL, and every FAIL carries its fix. */
static void test_check_doctor(void)
{
    struct prog_result r = RUN("doctor");
    CU_ASSERT(r.status == 0 || r.status == 1);
    unsigned lines = 0;
    for (const char *l = r.out; *l != '\0'; lines++) {
        const char *nl = strchr(l, '\n');
        bool ok = strncmp(l, "ok   ", 5) == 0 || strncmp(l, "doctor: ", 8) == 0 ||
                  (strncmp(l, "FAIL ", 5) == 0 && strstr(l, "; fix: ") != NULL &&
                   (nl == NULL || strstr(l, "; fix: ") < nl));
        if (!ok)
            printf("\n    doctor line: %.*s", nl ? (int)(nl - l) : (int)strlen(l), l);
        CU_ASSERT(ok);
        l = nl ? nl + 1 : l + strlen(l);
    }
    CU_ASSERT(lines >= 8);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "mmap-rnd-bits"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "tsan-hello"));
    prog_result_free(&r);
    expect_usage(RUN("doctor", "extra"), "doctor takes no arguments");
}

/* A round's TSan sees tc01's race unless both its runs miss it (about 1 in
 * 625, see the top): the first round that sees it ends --until-race; a
 * correct program stays clean for --clean-runs. */
static void test_check_deflake(void)
{
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native,tsan", "--until-race",
               "2", "--no-exit-check", HELD "tc01_simple_race.c"),
           1, "verdict: racy", "deflake: seen 1 of ", "round(s) (stopped at the first)");
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native,tsan", "--clean-runs",
               "2", HELD "tc02_simple_tls.c"),
           0, "verdict: clean", "deflake: seen 0 of 2 round(s), clean every time");
    expect_usage(RUN("check", "--until-race", "2", "--clean-runs", "2", HELD "tc02_simple_tls.c"),
                 "exclude each other");
    expect_usage(RUN("check", "--until-race", "0", HELD "tc02_simple_tls.c"), "--until-race");
}

/* The SARIF 2.1.0 schema's required structure: version "2.1.0"; runs[];
 * run.tool.driver.name; every rule an id; every result a message.text, a
 * level of the schema's enum, locations whose physicalLocation has an
 * artifactLocation.uri and a region.startLine >= 1, and its ruleIndex
 * naming the rule of its ruleId; partialFingerprints strings. */
static bool str_at(json_t *o, const char *key)
{
    return json_is_string(json_object_get(o, key));
}

static void sarif_valid_result(json_t *res, json_t *rules)
{
    CU_ASSERT(str_at(json_object_get(res, "message"), "text"));
    const char *level = json_string_value(json_object_get(res, "level"));
    CU_ASSERT(level != NULL && (strcmp(level, "error") == 0 || strcmp(level, "note") == 0 ||
                                strcmp(level, "warning") == 0 || strcmp(level, "none") == 0));
    json_t *idx = json_object_get(res, "ruleIndex");
    CU_ASSERT(json_is_integer(idx) && (size_t)json_integer_value(idx) < json_array_size(rules));
    json_t *rule = json_array_get(rules, (size_t)json_integer_value(idx));
    CU_ASSERT(rule != NULL && json_equal(json_object_get(rule, "id"),
                                          json_object_get(res, "ruleId")));
    json_t *locs = json_object_get(res, "locations");
    CU_ASSERT(json_is_array(locs) && json_array_size(locs) >= 1);
    for (size_t k = 0; k < json_array_size(locs); k++) {
        json_t *pl = json_object_get(json_array_get(locs, k), "physicalLocation");
        CU_ASSERT(str_at(json_object_get(pl, "artifactLocation"), "uri"));
        json_t *line = json_object_get(json_object_get(pl, "region"), "startLine");
        CU_ASSERT(json_is_integer(line) && json_integer_value(line) >= 1);
    }
    const char *key;
    json_t *v;
    json_t *fps = json_object_get(res, "partialFingerprints");
    CU_ASSERT(json_is_object(fps) && json_object_size(fps) >= 1);
    json_object_foreach(fps, key, v)
        CU_ASSERT(json_is_string(v));
}

static void sarif_valid(const char *path, size_t min_results)
{
    json_error_t e;
    json_t *doc = json_load_file(path, 0, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc, "version")), "2.1.0");
    json_t *runs = json_object_get(doc, "runs");
    CU_ASSERT_FATAL(json_is_array(runs) && json_array_size(runs) == 1);
    json_t *run = json_array_get(runs, 0);
    json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
    CU_ASSERT(str_at(driver, "name"));
    json_t *rules = json_object_get(driver, "rules");
    for (size_t i = 0; i < json_array_size(rules); i++)
        CU_ASSERT(str_at(json_array_get(rules, i), "id"));
    json_t *results = json_object_get(run, "results");
    CU_ASSERT(json_is_array(results) && json_array_size(results) >= min_results);
    for (size_t i = 0; i < json_array_size(results); i++)
        sarif_valid_result(json_array_get(results, i), rules);
    json_decref(doc);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* SARIF (valid), JUnit and Markdown of a racy check; a path that cannot
 * be written is refused before anything runs, leaving no file. */
static void test_check_outputs(void)
{
    char sarif[128], junit[128], md[128];
    snprintf(sarif, sizeof sarif, "/tmp/racelab-test-check-%d.sarif", (int)getpid());
    snprintf(junit, sizeof junit, "/tmp/racelab-test-check-%d.xml", (int)getpid());
    snprintf(md, sizeof md, "/tmp/racelab-test-check-%d.md", (int)getpid());
    /* TSan alone here: --until-race 2 for the round in 625 whose two TSan
     * runs both miss tc01's race (see the top) */
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native,tsan",
               "--no-exit-check", "--until-race", "2", "--sarif", sarif, "--junit", junit,
               "--markdown", md, HELD "tc01_simple_race.c"), 1, "verdict: racy");
    sarif_valid(sarif, 1);
    const char *x = slurp(junit);
    CU_ASSERT(x != NULL && strstr(x, "<testsuite name=\"racelab check\" tests=\"1\" "
                                     "failures=\"1\"") != NULL &&
              strstr(x, "<failure type=\"race\"") != NULL);
    const char *m = slurp(md);
    CU_ASSERT(m != NULL && strstr(m, "| tsan | race | data race | `") != NULL &&
              strstr(m, " tc01_simple_race.c:") != NULL);
    unlink(sarif);
    unlink(junit);
    unlink(md);
    expect_usage(RUN("check", "--sarif", "/nonexistent/dir/x.sarif", "--junit", junit,
                     HELD "tc01_simple_race.c"), "--sarif: cannot write /nonexistent/dir/x.sarif");
    CU_ASSERT(access(junit, F_OK) != 0);
}

/* A whole command: every TSan process's log gathered, one race seen in two
 * processes is one finding seen twice. */
static void test_check_run(void)
{
    char cmd[1024], exe[128], sarif[128];
    snprintf(exe, sizeof exe, "/tmp/racelab-test-run-%d", (int)getpid());
    snprintf(sarif, sizeof sarif, "/tmp/racelab-test-run-%d.sarif", (int)getpid());
    /* --run runs the command as given, once: TSan's doubling is check's own.
     * Five runs of one race, each a single TSan run that misses tc01's race
     * now and then (see the top): two or more logs, deduplicated to one
     * report, is what is certain (all but one missing: about 1 in 10^5). */
    snprintf(cmd, sizeof cmd, "clang -fsanitize=thread -g -O1 -pthread %stc01_simple_race.c -o %s"
             " && for i in 1 2 3 4 5; do %s; done; s=$?; rm -f %s; exit $s", HELD, exe, exe, exe);
    EXPECT(RUN("check", "--quiet", "--sarif", sarif, "--run", cmd), 1,
           "TSan log(s)", " times; fingerprint ", "verdict: racy (1 distinct race report");
    sarif_valid(sarif, 1);
    unlink(sarif);
    EXPECT(RUN("check", "--quiet", "--run", "true"), 0, "verdict: clean");
    EXPECT(RUN("check", "--quiet", "--run", "exit 3"), 1, "verdict: failed (the command: exit 3");
    EXPECT(RUN("check", "--quiet", "--exit-ok", "3", "--run", "exit 3"), 0, "verdict: clean");
    expect_usage(RUN("check", "--run", "racelab-no-such-command-x"), "cannot start");
    expect_usage(RUN("check", "--run", "true", HELD "tc01_simple_race.c"), "--run takes");
}

/* OpenMP through compile flags: the shared sum is a race, the reduction is
 * not (libomp's own synchronisation, invisible to TSan, is disputed). */
static void test_check_openmp(void)
{
    if (access("/usr/lib/llvm-14/lib/libomp.so", R_OK) != 0) {
        test_skip("clang's OpenMP runtime is missing (apt-get install libomp-14-dev)");
        return;
    }
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native,tsan",
               OWN "check_omp_sum.c", "--", "-fopenmp"),
           1, "verdict: racy (tsan's word counted: data race at ", "check_omp_sum.c:");
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native,tsan",
               OWN "check_omp_reduction.c", "--", "-fopenmp"), 0, "verdict: clean");
}

/* --suppressions: a reason line above every entry, else refused; TSan
 * applies the file, valgrind's reports are matched as TSan would (the
 * conflicting access too); the used and the unused entries are listed. */
static void test_check_suppressions(void)
{
    expect_usage(RUN("check", "--suppressions", OWN "check_supp_noreason.txt",
                     HELD "tc01_simple_race.c"), "check_supp_noreason.txt:4: the entry race:bar "
                                                "has no '# reason: ...' line above it");
    expect_usage(RUN("check", "--suppressions", OWN "check_supp_badtype.txt",
                     HELD "tc01_simple_race.c"), "is not TYPE:PATTERN");
    expect_usage(RUN("check", "--suppressions", OWN "no-such-file.txt", HELD "tc01_simple_race.c"),
                 "cannot read the suppressions file");
    if (!have_valgrind()) {
        test_skip("valgrind is not installed");
        return;
    }
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--no-exit-check", "--detectors",
               "native,tsan,helgrind", "--suppressions", OWN "check_supp.txt",
               HELD "tc01_simple_race.c"),
           0, "  tsan      clean (no report; exit 0)", "suppressed by --suppressions",
           "check_supp.txt: 3 entries, 1 used, 2 unused; 1 TSan-only",
           "used   line 5 race:child_fn (", "helgrind ",   /* not "(tsan": both runs may miss */
           "UNUSED line 8 race:racelab_no_such_function (reason: a stale entry",
           "UNUSED line 11 called_from_lib:libracelab-nothing.so", "verdict: clean");
    char cmd[1024], exe[128];   /* check --run: every TSan process gets the file */
    snprintf(exe, sizeof exe, "/tmp/racelab-test-supp-%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "clang -fsanitize=thread -g -O1 -pthread %stc01_simple_race.c -o %s"
             " && for i in 1 2 3 4 5; do %s; done; s=$?; rm -f %s; exit $s", HELD, exe, exe, exe);
    EXPECT(RUN("check", "--quiet", "--suppressions", OWN "check_supp.txt", "--run", cmd), 0,
           "used   line 5 race:child_fn (tsan ", "verdict: clean");
}

/* The explorer as a detector: a failing schedule with its replay line as
 * proof; a program it cannot model skips it in one line. */
static void test_check_explorer(void)
{
    struct prog_result r = RUN("check", "--quiet", "--trials", "1", "--detectors",
                               "native,explore", OWN "check_lost_update.c");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "  explore   FAIL: the program's own check fails "
                                         "(exit 1) under schedule "));
    const char *proof = strstr(r.out, "proof: racelab explore ");
    CU_ASSERT_PTR_NOT_NULL(proof);
    if (proof != NULL) {   /* the proof replays: the same failure */
        char sched[128];
        CU_ASSERT_EQUAL(sscanf(proof, "proof: racelab explore %*s --replay %127s", sched), 1);
        EXPECT(RUN("explore", OWN "check_lost_update.c", "--replay", sched), 1, "FAIL ");
    }
    prog_result_free(&r);
    r = RUN("check", "--quiet", "--trials", "1", "--timeout", "10", "--detectors",
            "native,explore", OWN "check_lock_order.c");
    CU_ASSERT_EQUAL(r.status, 1);
    if (strstr(r.out, "not run after the first native run failed") == NULL)   /* it hung natively */
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "verdict: deadlock (explore's word counted: no "
                                             "thread can go on under schedule "));
    prog_result_free(&r);
    EXPECT(RUN("check", "--quiet", "--trials", "1", "--detectors", "native,tsan,explore",
               OWN "check_pipe_order.c"),
           0, "  explore   skipped: ", "pipe", "verdict: clean");
}

static const struct test_case tests[] = {
    { "suppressions", test_check_suppressions },
    { "explorer", test_check_explorer },
    { "openmp", test_check_openmp },
    { "run", test_check_run },
    { "outputs", test_check_outputs },
    { "deflake", test_check_deflake },
    { "doctor", test_check_doctor },
    { "bad_input", test_check_bad_input },
    { "agreement", test_check_agreement },
    { "tsan_union", test_check_tsan_union },
    { "subword", test_check_subword },
    { "hint", test_check_hint },
    { "disputed", test_check_disputed },
    { "cxx_and_flags", test_check_cxx_and_flags },
    { "exit_status", test_check_exit_status },
    { "own_alarm", test_check_own_alarm },
    { NULL, NULL }
};
TEST_MAIN("check", tests)
