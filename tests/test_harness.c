/* tests/test_harness.c - the racelab harness against its own fixtures.
 *
 * Fixtures (tests/fixtures/harness_*.c, built plain, never sanitized, so
 * valgrind can run them in every build): a deadlock that also leaves a
 * forked child behind (TIMEOUT, no survivors), a segfault (CRASH), a fork
 * race on shared memory (TSan blind, the program's own check fails: racy), a
 * clean program (checked as FILE.c, so the build path runs too), and a file
 * that does not compile. Then the output formats parse (JSON with jansson,
 * CSV column counts, JUnit structure) and a reduced matrix: every racy
 * variant detected, every fixed one correct. In sanitizer builds the labs
 * are themselves sanitized (no -tsan twins, valgrind cannot run them): only
 * fixed variants with the native detector run there, with the reason said. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "run_prog.h"
#include "test_main.h"

#define RACELAB RACELAB_BIN_DIR "/racelab"
#define FIX(name) RACELAB_BIN_DIR "/" name

static bool sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0;
}

#define racelab(...) run_progl(RACELAB, 300, __VA_ARGS__)
#define RUN(...) racelab(__VA_ARGS__, NULL)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void expect_usage(struct prog_result r, const char *needle)
{
    if (r.status != 2 || count_lines(r.err) != 1 || strstr(r.err, needle) == NULL)
        printf("\n    status %d, stderr: %s", r.status, r.err);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_EQUAL(count_lines(r.err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, needle));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "racelab: "));
    prog_result_free(&r);
}

static void test_harness_bad_input(void)
{
    expect_usage(RUN("run", "nope/*"), "counter");
    expect_usage(RUN("run", "--detectors", "native,bogus"), "available: native");
    expect_usage(RUN("run", "--trials", "0"), "--trials");
    expect_usage(RUN("run", "--jobs", "x"), "--jobs");
    expect_usage(RUN("run", "--format", "xml"), "--format");
    expect_usage(RUN("frobnicate"), "unknown command");
    expect_usage(RUN("check"), "PROGRAM");
    expect_usage(RUN("check", "/nonexistent/prog"), "no such program");
    expect_usage(RUN("check", FIXTURES_DIR "/harness_clean.c.missing"), "no such program");
    expect_usage(RUN("check", FIXTURES_DIR "/harness_bad.c"), "undeclared_name");
    expect_usage(RUN("check", FIXTURES_DIR), "not an executable");
    char plain[256];
    snprintf(plain, sizeof plain, "/tmp/racelab-test-plain-%d", (int)getpid());
    FILE *f = fopen(plain, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    chmod(plain, 0644);
    expect_usage(RUN("check", plain), "not an executable");
    unlink(plain);
    expect_usage(RUN("bench", "nosuchbench"), "bench-nosuchbench");
    expect_usage(RUN("run", "--junit", "/nonexistent/dir/x.xml", "counter/threads/racy"),
                 "--junit");
    expect_usage(RUN("run", "--timeout", "0"), "--timeout");
    expect_usage(RUN("run", "counter/threads/racy/extra"), "matches no");
    /* Options before the command are options too. */
    expect_usage(RUN("--trials", "0", "run"), "--trials");
    expect_usage(RUN("--quiet"), "which command");
    /* the one option parser: --opt=value, flags without values, one line each */
    expect_usage(RUN("run", "--trials=abc"), "--trials needs a whole number from 1 to 1000");
    expect_usage(RUN("--jobs=0", "run"), "--jobs");
    expect_usage(RUN("run", "--quiet=yes"), "--quiet takes no value");
    expect_usage(RUN("run", "--frobnicate"), "unknown option '--frobnicate'");
    expect_usage(RUN("list", "-x"), "unknown option '-x'");
    expect_usage(RUN("run", "--format=xml"), "table, json, csv, md");
    expect_usage(RUN("run", "--detectors"), "--detectors needs a value");
    struct prog_result r = RUN("--quiet", "list");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "counter/threads/racy"));
    prog_result_free(&r);
}

/* --opt=value before and after the command, and the generated helps. A
 * fixed variant: in a sanitizer build the lab is sanitized too, and a racy
 * one under an inherited TSAN_OPTIONS=halt_on_error=1 (the tsan test preset)
 * would stop at its first report, which is not what this case is about. */
static void test_harness_options(void)
{
    struct prog_result r = RUN("--format=json", "run", "--quiet", "--trials=2", "--jobs=2",
                               "--detectors=native", "--timeout=20", "counter/threads/atomic");
    CU_ASSERT(r.status == 0 || r.status == 1);
    CU_ASSERT_EQUAL(count_lines(r.out), 1);
    json_t *o = json_loads(r.out, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL(o);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "trials")), 2);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "tsan")), "-");
    json_decref(o);
    prog_result_free(&r);
    r = RUN("--help");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "usage: racelab COMMAND"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "--detectors LIST"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "check PROGRAM [ARGS...]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Verdicts: correct, racy-detected"));
    prog_result_free(&r);
    static const char *const cmds[] = { "list", "run", "score", "report", "check", "bench" };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        char want[64];
        snprintf(want, sizeof want, "usage: racelab %s", cmds[i]);
        r = RUN(cmds[i], "--help");
        CU_ASSERT_EQUAL(r.status, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, want));
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "--trials N"));
        prog_result_free(&r);
    }
}

static void test_harness_deadlock(void)
{
    char pidfile[256];
    snprintf(pidfile, sizeof pidfile, "%s/racelab-test-deadlock-%d", "/tmp", (int)getpid());
    unlink(pidfile);
    double t0 = now_s();
    struct prog_result r = RUN("check", "--quiet", "--timeout", "2", FIX("harness_deadlock"),
                               pidfile);
    double took = now_s() - t0;
    printf("\n    check of a deadlock took %.2f s with --timeout 2\n", took);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "deadlock?"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "locking a mutex I already hold"));
    /* The fixture never ends by itself, so ending at all is the kill; how
     * soon after the limit depends on the machine's load (a time, not a
     * test): only "not after a minute" is asserted. */
    CU_ASSERT(took < 60.0);
    int parent = 0, child = 0;
    FILE *f = fopen(pidfile, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fscanf(f, "%d %d", &parent, &child), 2);
    fclose(f);
    unlink(pidfile);
    CU_ASSERT(parent > 0 && child > 0);
    bool gone = false;
    for (int i = 0; i < 100 && !gone; i++) {   /* init reaps asynchronously */
        gone = test_process_dead(parent) && test_process_dead(child);
        if (!gone)
            usleep(50 * 1000);
    }
    CU_ASSERT(gone);
    prog_result_free(&r);
}

static void test_harness_crash(void)
{
    struct prog_result r = RUN("check", "--quiet", FIX("harness_segv"));
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "verdict: crash (SIGSEGV)"));
    prog_result_free(&r);
}

static void test_harness_fork_race(void)
{
    struct prog_result r = RUN("check", "--quiet", "--trials", "3", FIX("harness_fork_race"));
    if (r.status != 1)
        printf("\n%s%s", r.out, r.err);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "verdict: racy (the program's own check failed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "imports fork()"));
    if (!sanitized()) {
        /* a prebuilt program without TSan: n/a, said so */
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "tsan      n/a: the program is not built with"));
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "drd       blind"));
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "helgrind  blind"));
    }
    prog_result_free(&r);
}

static void test_harness_clean(void)
{
    struct prog_result r = RUN("check", "--quiet", "--trials", "2", FIXTURES_DIR "/harness_clean.c");
    if (r.status != 0)
        printf("\n%s%s", r.out, r.err);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "verdict: clean"));
    CU_ASSERT_PTR_NULL(strstr(r.out, "blind here"));
    prog_result_free(&r);
}

static void test_harness_thread_race(void)
{
    struct prog_result r = RUN("check", "--quiet", "--trials", "2",
                               FIXTURES_DIR "/harness_thread_race.c");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "verdict: racy"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "harness_thread_race.c"));
    prog_result_free(&r);
}

static const char *const verdicts[] = { "correct", "racy-detected", "racy-undetected",
                                        "false-positive", "timeout", "crash" };

/* Runs the reduced matrix as JSON; returns the rows (a JSON array). */
static json_t *matrix_json(const char **cells, size_t n, const char *detectors)
{
    char *argv[TEST_MAX_ARGS];
    int argc = 0;
    argv[argc++] = RACELAB;
    argv[argc++] = "run";
    argv[argc++] = "--quiet";
    argv[argc++] = "--format";
    argv[argc++] = "json";
    argv[argc++] = "--trials";
    argv[argc++] = "5";
    argv[argc++] = "--detectors";
    argv[argc++] = (char *)detectors;
    for (size_t i = 0; i < n && argc < TEST_MAX_ARGS - 1; i++)
        argv[argc++] = (char *)cells[i];
    argv[argc] = NULL;
    struct prog_result r = run_prog(argv, 300);
    CU_ASSERT(r.status == 0 || r.status == 1);
    json_t *rows = json_array();
    unsigned lines = 0;
    for (char *line = r.out; *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        json_error_t err;
        json_t *o = json_loads(line, 0, &err);
        CU_ASSERT_PTR_NOT_NULL(o);
        if (o == NULL)
            printf("\n    not JSON: %s (%s)\n", line, err.text);
        else
            json_array_append_new(rows, o);
        lines++;
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    CU_ASSERT_EQUAL(lines, n);
    prog_result_free(&r);
    return rows;
}

static void test_harness_formats(void)
{
    const char *cells[] = { "counter/threads/racy", "counter/threads/mutex", "counter/procs/racy" };
    const char *dets = sanitized() ? "native" : "native,tsan,helgrind";
    if (sanitized())
        test_skip("sanitizer build: labs are sanitized; formats checked with native only");
    json_t *rows = matrix_json(cells, 3, dets);
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o) {
        const char *v = json_string_value(json_object_get(o, "verdict"));
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        bool known = false;
        for (size_t k = 0; k < sizeof verdicts / sizeof *verdicts; k++)
            known |= strcmp(v, verdicts[k]) == 0;
        CU_ASSERT(known);
        CU_ASSERT(json_is_object(json_object_get(o, "reports")));
        CU_ASSERT(json_is_string(json_object_get(o, "tsan")));
        CU_ASSERT(json_is_integer(json_object_get(o, "expected")));
    }
    json_decref(rows);

    /* CSV: a header and rows of the same width (quoted commas do not count) */
    struct prog_result r = RUN("run", "--quiet", "--format", "csv", "--trials", "2", "--detectors",
                               "native", "counter/threads/racy", "counter/threads/atomic");
    CU_ASSERT(r.status == 0 || r.status == 1);
    unsigned rowsn = 0, width = 0;
    for (char *line = r.out; *line != '\0';) {
        char *nl = strchr(line, '\n');
        unsigned fields = 1;
        bool quoted = false;
        for (char *p = line; p != nl && *p != '\0'; p++) {
            if (*p == '"')
                quoted = !quoted;
            else if (*p == ',' && !quoted)
                fields++;
        }
        if (rowsn++ == 0)
            width = fields;
        CU_ASSERT_EQUAL(fields, width);
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    CU_ASSERT_EQUAL(rowsn, 3);
    CU_ASSERT(width >= 15);
    prog_result_free(&r);

    /* JUnit: one testcase per row, balanced, inside one testsuite */
    char junit[256];
    snprintf(junit, sizeof junit, "/tmp/racelab-test-junit-%d.xml", (int)getpid());
    r = RUN("run", "--quiet", "--trials", "2", "--detectors", "native", "--junit", junit,
            "counter/threads/racy", "counter/threads/atomic");
    CU_ASSERT(r.status == 0 || r.status == 1);
    prog_result_free(&r);
    FILE *f = fopen(junit, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    unlink(junit);
    unsigned open_tc = 0, close_tc = 0;
    for (const char *p = buf; (p = strstr(p, "<testcase ")) != NULL; p++)
        open_tc++;
    for (const char *p = buf; (p = strstr(p, "</testcase>")) != NULL; p++)
        close_tc++;
    CU_ASSERT_EQUAL(open_tc, 2);
    CU_ASSERT_EQUAL(close_tc, 2);
    CU_ASSERT(strncmp(buf, "<?xml", 5) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<testsuites>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<testsuite name=\"racelab\" tests=\"2\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "</testsuite>\n</testsuites>\n"));
}

/* Whether lab-counter's --list --json carries "known_reports" (a lab built
 * before labs/PROTOCOL.md had them cannot tell the harness that valgrind
 * misreads its tas lock). */
static bool counter_knows_reports(void)
{
    char *argv[] = { RACELAB_BIN_DIR "/lab-counter", "--list", "--json", NULL };
    struct prog_result r = run_prog(argv, 60);
    bool knows = r.status == 0 && strstr(r.out, "\"known_reports\"") != NULL;
    prog_result_free(&r);
    return knows;
}

static void test_harness_matrix(void)
{
    const char *all[] = { "counter/threads/racy", "counter/threads/mutex", "counter/threads/tas",
                          "counter/threads/atomic", "counter/procs/racy", "counter/procs/pmutex",
                          "counter/coros/racy-yield", "counter/coros/comutex",
                          "counter/coros-mn/racy" };
    const char *fixed[] = { "counter/threads/mutex", "counter/threads/atomic",
                            "counter/procs/pmutex", "counter/coros/comutex" };
    bool san = sanitized();
    if (san)
        test_skip("sanitizer build: the labs are sanitized themselves (a racy variant is a "
                  "sanitizer report, valgrind cannot run them, no -tsan twins): fixed "
                  "variants with the native detector only");
    const char **cells = san ? fixed : all;
    size_t n = san ? sizeof fixed / sizeof *fixed : sizeof all / sizeof *all;
    if (!san && !counter_knows_reports()) {
        printf("\n    lab-counter has no known_reports yet: counter/threads/tas left out\n");
        all[2] = all[--n];
    }
    /* a racy variant may be lucky once; it gets three tries */
    for (int attempt = 0; attempt < 3; attempt++) {
        json_t *rows = matrix_json(cells, n, san ? "native" : "native,tsan,helgrind,drd");
        bool lucky = false;
        size_t i;
        json_t *o;
        json_array_foreach(rows, i, o) {
            bool racy = json_is_true(json_object_get(o, "racy_by_design"));
            const char *v = json_string_value(json_object_get(o, "verdict"));
            const char *name = json_string_value(json_object_get(o, "variant"));
            if (v == NULL || name == NULL) {
                CU_FAIL("row without verdict");
                continue;
            }
            if (racy && strcmp(v, "racy-undetected") == 0 && attempt < 2) {
                lucky = true;
                continue;
            }
            if (strcmp(v, racy ? "racy-detected" : "correct") != 0)
                printf("\n    %s/%s: %s\n", json_string_value(json_object_get(o, "model")), name,
                       v);
            CU_ASSERT_STRING_EQUAL(v, racy ? "racy-detected" : "correct");
        }
        json_decref(rows);
        if (!lucky)
            break;
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The elements of an SVG open and close in order (no attribute holds '<'). */
static bool svg_balanced(const char *s)
{
    char stack[32][32];
    int depth = 0;
    bool root = false;
    for (const char *p = strchr(s, '<'); p != NULL; p = strchr(p + 1, '<')) {
        const char *end = strchr(p, '>');
        if (end == NULL)
            return false;
        if (p[1] == '?' || p[1] == '!')
            continue;
        if (p[1] == '/') {
            if (depth == 0 || strncmp(p + 2, stack[depth - 1], strlen(stack[depth - 1])) != 0)
                return false;
            depth--;
        } else if (end[-1] != '/') {
            if (depth == 32)
                return false;
            size_t len = strcspn(p + 1, " >/");
            snprintf(stack[depth++], sizeof stack[0], "%.*s", (int)len, p + 1);
            root |= strcmp(stack[0], "svg") == 0;
        }
    }
    return depth == 0 && root;
}

static void test_harness_report(void)
{
    if (sanitized()) {
        test_skip("sanitizer build: labs are sanitized; the report is checked in the default "
                  "build");
        return;
    }
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "/tmp/racelab-test-report-%d", (int)getpid());
    struct prog_result r = RUN("report", "--quiet", "--trials", "2", "--detectors", "native,tsan",
                               dir, "counter/threads/racy", "counter/threads/atomic",
                               "counter/coros/racy-yield");
    CU_ASSERT(r.status == 0 || r.status == 1);
    prog_result_free(&r);
    snprintf(path, sizeof path, "%s/results.json", dir);
    json_error_t err;
    json_t *rows = json_load_file(path, 0, &err);
    CU_ASSERT(json_is_array(rows));
    CU_ASSERT_EQUAL(json_array_size(rows), 3);
    json_decref(rows);
    static const char *const files[] = { "results.md", "results.csv", "observed-racy.svg",
                                         "ns_per_op-counter-threads.svg",
                                         "ns_per_op-counter-coros.svg" };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        const char *text = slurp(path);
        CU_ASSERT_PTR_NOT_NULL(text);
        if (text == NULL) {
            printf("\n    missing %s\n", path);
            continue;
        }
        if (strstr(files[i], ".svg") != NULL) {
            CU_ASSERT(svg_balanced(text));
            CU_ASSERT_PTR_NOT_NULL(strstr(text, strstr(files[i], "observed") ? "<circle"
                                                                             : "<polyline"));
        } else if (strcmp(files[i], "results.md") == 0) {
            CU_ASSERT_PTR_NOT_NULL(strstr(text, "| counter/threads/racy | yes |"));
            CU_ASSERT_PTR_NOT_NULL(strstr(text, "](observed-racy.svg)"));
        } else {
            CU_ASSERT_EQUAL(count_lines(text), 4);
        }
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/results.json", dir);
    unlink(path);
    CU_ASSERT_EQUAL(rmdir(dir), 0);
}

static void test_harness_list(void)
{
    struct prog_result r = RUN("list", "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"variant\":\"racy\""));
    json_error_t err;
    json_t *o = json_loadb(r.out, (size_t)(strchr(r.out, '\n') - r.out), 0, &err);
    CU_ASSERT_PTR_NOT_NULL(o);
    CU_ASSERT_PTR_NOT_NULL(json_string_value(json_object_get(o, "lab")));   /* labs in name order */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"lab\":\"counter\""));
    json_decref(o);
    prog_result_free(&r);
}

/* The row of |variant| in |rows|, or NULL. */
static json_t *row_of(json_t *rows, const char *variant)
{
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o) {
        const char *v = json_string_value(json_object_get(o, "variant"));
        if (v != NULL && strcmp(v, variant) == 0)
            return o;
    }
    return NULL;
}

static void expect_tsan(json_t *rows, const char *variant, const char *status,
                        const char *verdict, const char *reason)
{
    json_t *o = row_of(rows, variant);
    CU_ASSERT_PTR_NOT_NULL(o);
    if (o == NULL)
        return;
    json_t *r = json_object_get(json_object_get(o, "reports"), "tsan");
    const char *st = json_string_value(json_object_get(r, "status"));
    const char *v = json_string_value(json_object_get(o, "verdict"));
    const char *why = json_string_value(json_object_get(r, "reason"));
    if (st == NULL || v == NULL || strcmp(st, status) != 0 || strcmp(v, verdict) != 0)
        printf("\n    fake/threads/%s: tsan %s, verdict %s\n", variant, st, v);
    CU_ASSERT(st != NULL && strcmp(st, status) == 0);
    CU_ASSERT(v != NULL && strcmp(v, verdict) == 0);
    if (reason != NULL)
        CU_ASSERT(why != NULL && strstr(why, reason) != NULL);
}

/* A directory of fake lab programs (RACELAB_LAB_DIR): lab-NAME and its
 * lab-NAME-tsan twin, both links to |script|. */
static void fake_labs_up(char *dir, size_t cap, const char *name, const char *script)
{
    char link[300];
    snprintf(dir, cap, "/tmp/racelab-test-%slab-%d", name, (int)getpid());
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    for (int twin = 0; twin < 2; twin++) {
        snprintf(link, sizeof link, "%s/lab-%s%s", dir, name, twin ? "-tsan" : "");
        CU_ASSERT_EQUAL(symlink(script, link), 0);
    }
    setenv("RACELAB_LAB_DIR", dir, 1);
}

/* Removes them; the directory must then be empty (the harness left nothing). */
static void fake_labs_down(const char *dir, const char *name)
{
    char link[300];
    unsetenv("RACELAB_LAB_DIR");
    for (int twin = 0; twin < 2; twin++) {
        snprintf(link, sizeof link, "%s/lab-%s%s", dir, name, twin ? "-tsan" : "");
        unlink(link);
    }
    CU_ASSERT_EQUAL(rmdir(dir), 0);
}

/* The labs' own "known_reports" decide what is discounted: a fake lab (a
 * script, tests/fixtures/harness_lab.sh) and its fake -tsan twin. */
static void test_harness_known_reports(void)
{
    char dir[256];
    fake_labs_up(dir, sizeof dir, "fake", FIXTURES_DIR "/harness_lab.sh");
    struct prog_result r = RUN("run", "--quiet", "--format", "json", "--trials", "2",
                               "--detectors", "native,tsan");
    CU_ASSERT_EQUAL(r.status, 1);   /* fake/threads/other is a false positive */
    json_t *rows = json_array();
    for (char *line = r.out, *nl; line != NULL && *line != '\0'; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        json_t *o = json_loadb(line, nl ? (size_t)(nl - line) : strlen(line), 0, NULL);
        CU_ASSERT_PTR_NOT_NULL(o);
        if (o != NULL)
            json_array_append_new(rows, o);
    }
    CU_ASSERT_EQUAL(json_array_size(rows), 5);
    if (json_array_size(rows) == 5) {
        expect_tsan(rows, "gate", "fp", "correct", "the fake start gate");
        expect_tsan(rows, "other", "race", "false-positive", NULL);
        expect_tsan(rows, "cellwide", "fp", "correct", "not one TSan knows");
        expect_tsan(rows, "racy", "race", "racy-detected", "1 of 2 reports are known");
        expect_tsan(rows, "clean", "clean", "correct", NULL);
    }
    json_decref(rows);
    prog_result_free(&r);
    /* the table shows the discounted report with its mark */
    r = RUN("run", "--quiet", "--trials", "1", "--detectors", "native,tsan", "fake/*/gate");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "at fake_gate_wait fake.c:12:5"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "[known false positive: discounted]"));
    prog_result_free(&r);
    fake_labs_down(dir, "fake");
}

/* The verdict of |variant| in |rows| is |verdict|, its native status
 * |native|, and its row or problem says |needle| (when not NULL). */
static void expect_hang(json_t *rows, const char *variant, const char *verdict,
                        const char *native, const char *needle)
{
    json_t *o = row_of(rows, variant);
    CU_ASSERT_PTR_NOT_NULL(o);
    if (o == NULL)
        return;
    json_t *r = json_object_get(json_object_get(o, "reports"), "native");
    const char *st = json_string_value(json_object_get(r, "status"));
    const char *v = json_string_value(json_object_get(o, "verdict"));
    char *text = json_dumps(o, JSON_COMPACT);
    bool ok = st != NULL && v != NULL && strcmp(st, native) == 0 && strcmp(v, verdict) == 0 &&
              (needle == NULL || strstr(text, needle) != NULL);
    if (!ok)
        printf("\n    hang/threads/%s: %s\n", variant, text);
    CU_ASSERT(ok);
    free(text);
}

/* Labs whose bug is a hang (labs/PROTOCOL.md, Deadlocks and timeouts): a
 * racy variant's deadlock or livelock ended by the lab's watchdog is the bug
 * found, with its wait-for cycle shown; TSan's lock-order inversion on a racy
 * cell is a detection too; a fixed variant that hangs is a problem; a lab the
 * harness has to kill is a timeout, racy or not; a detector blind by
 * construction is not run at all. A fake lab and twin
 * (tests/fixtures/harness_hang_lab.sh). */
static void test_harness_hangs(void)
{
    char dir[256];
    fake_labs_up(dir, sizeof dir, "hang", FIXTURES_DIR "/harness_hang_lab.sh");
    struct prog_result r = RUN("run", "--quiet", "--format", "json", "--trials", "2",
                               "--timeout", "1", "--detectors", "native,tsan");
    CU_ASSERT_EQUAL(r.status, 1);   /* stuck and wedged are problems */
    json_t *rows = json_array();
    for (char *line = r.out, *nl; line != NULL && *line != '\0'; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        json_t *o = json_loadb(line, nl ? (size_t)(nl - line) : strlen(line), 0, NULL);
        CU_ASSERT_PTR_NOT_NULL(o);
        if (o != NULL)
            json_array_append_new(rows, o);
    }
    CU_ASSERT_EQUAL(json_array_size(rows), 6);
    expect_hang(rows, "abba", "racy-detected", "race", "wait-for cycle of 2 workers");
    expect_hang(rows, "livelock", "racy-detected", "race", "still running after 10 s");
    expect_hang(rows, "stuck", "timeout", "timeout", "a fixed variant hung in 2 of 2 trials");
    expect_hang(rows, "order", "racy-detected", "clean", "lock-order-inversion");
    expect_hang(rows, "wedged", "timeout", "timeout", NULL);
    /* procs/order: the twin is not run where TSan is blind by construction */
    json_t *last = json_array_get(rows, json_array_size(rows) - 1);
    json_t *tsan = json_object_get(json_object_get(last, "reports"), "tsan");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(last, "model")), "procs");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(tsan, "status")), "blind");
    CU_ASSERT_PTR_NULL(json_object_get(tsan, "wall_s"));
    CU_ASSERT_PTR_NULL(json_object_get(tsan, "kind"));
    json_decref(rows);
    prog_result_free(&r);
    /* people see the cycle behind the verdict */
    r = RUN("run", "--quiet", "--trials", "1", "--detectors", "native", "hang/*/abba");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "invariant: hung in 1 of 1 trials"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "deadlock: wait-for cycle of 2 workers: worker 0"));
    prog_result_free(&r);
    fake_labs_down(dir, "hang");
}

/* One letter per run in |log| (one line each): H Helgrind, D DRD, T the
 * twin, 1 a native run at one worker, N another native run; into |kinds|.
 * |iters| gets, per run, its --iters value or "-". */
static void run_kinds(const char *log, char *kinds, size_t cap, char iters[][16], size_t max)
{
    size_t n = 0;
    for (const char *line = log; *line != '\0' && n + 1 < cap && n < max;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", (int)len, line);
        const char *it = strstr(buf, "--iters ");
        snprintf(iters[n], sizeof iters[n], "%s", it != NULL ? it + 8 : "-");
        iters[n][strcspn(iters[n], " ")] = '\0';
        kinds[n++] = strncmp(buf, "helgrind ", 9) == 0       ? 'H'
                     : strncmp(buf, "drd ", 4) == 0           ? 'D'
                     : strncmp(buf, "lab-order-tsan ", 15) == 0 ? 'T'
                     : strstr(buf, "--workers 1") != NULL     ? '1' : 'N';
        line = nl != NULL ? nl + 1 : line + len;
    }
    kinds[n] = '\0';
}

/* Runs the order lab with --jobs 1 and |detectors|; the kinds of its runs
 * in the order they started, and their --iters, into |kinds| and |iters|. */
static void order_runs(const char *dir, const char *detectors, char *kinds, size_t cap,
                       char iters[][16], size_t max)
{
    char log[300], text[4096] = "";
    snprintf(log, sizeof log, "%s/log", dir);
    struct prog_result r = RUN("run", "--quiet", "--format", "json", "--jobs", "1",
                               "--trials", "2", "--detectors", detectors);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(count_lines(r.err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "lab-order --list --json: threads/bad: native_iters must "
                                         "be a whole number from 1, not \"lots\"; ignored"));
    prog_result_free(&r);
    FILE *f = fopen(log, "r");
    kinds[0] = '\0';
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    unlink(log);
    run_kinds(text, kinds, cap, iters, max);
}

/* The pool starts the costliest kinds of run first (DRD, Helgrind, native,
 * the twin, then the one-worker runs), each kind in the cells' order. A
 * cell's "native_iters" sizes its native runs only, and one that is not a
 * number is said and ignored (tests/fixtures/harness_order_lab.sh). */
static void test_harness_order(void)
{
    char dir[256], kinds[32], iters[32][16];
    fake_labs_up(dir, sizeof dir, "order", FIXTURES_DIR "/harness_order_lab.sh");
    order_runs(dir, "native,tsan", kinds, sizeof kinds, iters, 32);
    CU_ASSERT_STRING_EQUAL(kinds, "NNNTTT111");
    if (strcmp(kinds, "NNNTTT111") == 0) {
        /* cells in their order: small, bad, plain */
        static const char *const want[] = { "50", "-", "-", "10000", "10000", "10000",
                                            "50", "-", "-" };
        for (int i = 0; i < 9; i++)
            CU_ASSERT_STRING_EQUAL(iters[i], want[i]);
    }
    if (system("command -v valgrind >/dev/null") == 0) {
        order_runs(dir, "native,tsan,helgrind,drd", kinds, sizeof kinds, iters, 32);
        CU_ASSERT_STRING_EQUAL(kinds, "DDDHHHNNNTTT111");
    } else {
        printf("(no valgrind: its lane not checked) ");
    }
    fake_labs_down(dir, "order");
}

static const struct test_case tests[] = {
    { "bad_input", test_harness_bad_input },
    { "list", test_harness_list },
    { "options", test_harness_options },
    { "deadlock", test_harness_deadlock },
    { "crash", test_harness_crash },
    { "fork_race", test_harness_fork_race },
    { "clean", test_harness_clean },
    { "thread_race", test_harness_thread_race },
    { "formats", test_harness_formats },
    { "matrix", test_harness_matrix },
    { "report", test_harness_report },
    { "known_reports", test_harness_known_reports },
    { "hangs", test_harness_hangs },
    { "order", test_harness_order },
    { NULL, NULL },
};

TEST_MAIN("harness", tests)
