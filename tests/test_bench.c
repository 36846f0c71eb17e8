/* tests/test_bench.c - the bench programs' code paths at tiny sizes.
 *
 * bench-counter and bench-switch with --quick: the shape of every output
 * (JSON Lines, CSV, tables, SVG), sane non-zero numbers, baselines skipped
 * cleanly when absent (--no-baseline pretends they are), a point that runs
 * out of its budget reported as DNF with the sweep going on (bench-counter
 * and bench-queue: the one driver, labs/bench/bench.h), --opt=value, and
 * bench-counter --pin (same, cross, none given; cross refusing more workers
 * than CPUs), strict option checking (one line, exit 2) in all four; bench-rwlock's
 * cells, skipped rows, targets and DNF. No timing assertions: --quick measures nothing worth
 * asserting, and this machine is shared. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_check.h"
#include "run_prog.h"
#include "test_main.h"

#define COUNTER RACELAB_BIN_DIR "/bench-counter"
#define SWITCH  RACELAB_BIN_DIR "/bench-switch"
#define QUEUE   RACELAB_BIN_DIR "/bench-queue"
#define RWLOCK  RACELAB_BIN_DIR "/bench-rwlock"

#define run(prog, ...) run_progl(prog, 300, __VA_ARGS__)
#define RUN(prog, ...) run(prog, __VA_ARGS__, NULL)

/* No sanitizer report in a run's stderr (points run in child processes that
 * end with _exit, so a report would not change the exit status). */
static bool sanitizer_clean(const struct prog_result *r)
{
    bool clean = !strstr(r->err, "ThreadSanitizer:") &&
                 !strstr(r->err, "ERROR: AddressSanitizer") &&
                 !strstr(r->err, "runtime error:") && !strstr(r->err, "LeakSanitizer");
    if (!clean)
        printf("\n    stderr: %.2000s\n", r->err);
    return clean;
}

/* A numeric field, NAN for null or missing. */
static double num(const char *obj, const char *key)
{
    const char *v = json_field(obj, key);
    if (v == NULL || strncmp(v, "null", 4) == 0)
        return NAN;
    return strtod(v, NULL);
}

static bool is_kind(const char *line, const char *kind)
{
    char raw[64];
    snprintf(raw, sizeof raw, "\"%s\"", kind);
    return json_field_is(line, "kind", raw);
}

/* Splits |text| into lines in place; returns how many (at most max). */
static unsigned split_lines(char *text, char **lines, unsigned max)
{
    unsigned n = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    return n;
}

static bool group_is(const char *line, const char *g)
{
    char raw[64];
    snprintf(raw, sizeof raw, "\"%s\"", g);
    return json_field_is(line, "group", raw);
}

/* --quick --json: a machine line, three limits, and for every row one
 * sane cell per worker count; twins carry fairness. */
static void test_bench_counter_json(void)
{
    struct prog_result r = RUN(COUNTER, "--quick", "--json");
    if (r.status != 0)
        printf("\n    status %d, stderr: %s\n", r.status, r.err);
    CU_ASSERT_EQUAL_FATAL(r.status, 0);
    CU_ASSERT(sanitizer_clean(&r));
    static char *lines[4096];
    unsigned n = split_lines(r.out, lines, 4096);
    CU_ASSERT_FATAL(n > 10);
    CU_ASSERT(json_valid_object(lines[0]) && is_kind(lines[0], "machine"));
    CU_ASSERT(json_field(lines[0], "cpu") != NULL);
    CU_ASSERT(num(lines[0], "cores") >= 1);
    unsigned limits = 0, cells = 0, fair = 0, w1 = 0, w2 = 0, mutex = 0, procs = 0, targets = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *l = lines[i];
        CU_ASSERT_FATAL(json_valid_object(l));
        if (is_kind(l, "limit")) {
            limits++;
            double v = num(l, "ns_per_op");
            CU_ASSERT(isnan(v) || v > 0);   /* the round trip needs two CPUs */
        } else if (is_kind(l, "bench")) {
            cells++;
            CU_ASSERT(json_field_is(l, "status", "\"ok\""));
            CU_ASSERT(json_field_is(l, "correct", "true"));
            CU_ASSERT(json_field_int(l, "runs", 0) == 1);
            CU_ASSERT(json_field_int(l, "iters", 0) == 2000);
            double ns = num(l, "ns_per_op"), lo = num(l, "min"), hi = num(l, "max");
            CU_ASSERT(ns > 0 && lo > 0 && lo <= ns && ns <= hi);
            CU_ASSERT(num(l, "mops") > 0);
            CU_ASSERT(num(l, "vs_best") >= 0.999 || json_field_is(l, "name", "\"racy\"") ||
                      json_field_is(l, "name", "\"racy_yield\""));
            long long level = json_field_int(l, "level", -1);
            CU_ASSERT(level >= 0 && level <= 5);
            long long w = json_field_int(l, "workers", 0);
            w1 += w == 1;
            w2 += w == 2;
            CU_ASSERT(w == 1 || w == 2);
            procs += json_field_is(l, "model", "\"procs\"");
            if (json_field_is(l, "name", "\"mutex\"")) {
                mutex++;
                CU_ASSERT(fabs(num(l, "vs_mutex") - 1.0) < 1e-9);
            }
            if (!isnan(num(l, "fair_max"))) {
                fair++;
                double fmin = num(l, "fair_min"), fmax = num(l, "fair_max");
                CU_ASSERT(fmin >= 0 && fmin <= fmax && fmax <= 2000);
                if (w == 1)
                    CU_ASSERT(fmin == 2000 && fmax == 2000);
                double re = num(l, "reacq_pct");
                CU_ASSERT(re >= 0 && re <= 100);
                if (w == 1)
                    CU_ASSERT(re > 99.9);   /* one worker always takes it again */
            }
        } else if (is_kind(l, "target")) {
            targets++;
        } else {
            CU_ASSERT(is_kind(l, "machine") || is_kind(l, "skipped"));
        }
    }
    CU_ASSERT_EQUAL(limits, 3);
    CU_ASSERT(cells >= 20);
    CU_ASSERT_EQUAL(w1, w2);
    CU_ASSERT_EQUAL(mutex, 2);
    CU_ASSERT(fair >= 14);   /* 7 of our locks and glibc's, at 1 and 2 workers */
    CU_ASSERT(procs >= 10);
    CU_ASSERT(targets >= 3);
    prog_result_free(&r);
}

/* --no-baseline pretends every baseline is missing: no row of theirs, one
 * "skipped" line each, and the run still succeeds (ratios to mutex become
 * null). A build without Concurrency Kit or liburcu takes the same path. */
static void test_bench_counter_no_baselines(void)
{
    struct prog_result r = RUN(COUNTER, "--quick", "--json", "--model", "threads",
                               "--no-baseline", "glibc,ck,ao,urcu");
    CU_ASSERT_EQUAL_FATAL(r.status, 0);
    CU_ASSERT(sanitizer_clean(&r));
    static char *lines[1024];
    unsigned n = split_lines(r.out, lines, 1024);
    unsigned skipped = 0, cells = 0;
    bool saw[4] = { false };
    static const char *const names[] = { "\"ck_ticket\"", "\"mutex\"", "\"ao\"",
                                         "\"urcu_uatomic\"" };
    for (unsigned i = 0; i < n; i++) {
        const char *l = lines[i];
        CU_ASSERT_FATAL(json_valid_object(l));
        if (is_kind(l, "skipped")) {
            skipped++;
            CU_ASSERT(json_field(l, "reason") != NULL);
            for (int k = 0; k < 4; k++)
                saw[k] |= json_field_is(l, "name", names[k]);
        } else if (is_kind(l, "bench")) {
            cells++;
            CU_ASSERT(!group_is(l, "glibc") && !group_is(l, "ck") && !group_is(l, "ao") &&
                      !group_is(l, "urcu"));
            CU_ASSERT(json_field_is(l, "vs_mutex", "null"));
            CU_ASSERT(json_field_is(l, "status", "\"ok\""));
        }
    }
    CU_ASSERT(skipped >= 7);   /* mutex, pthread_spin, 3 x ck, ao, urcu */
    for (int k = 0; k < 4; k++)
        CU_ASSERT(saw[k]);
    CU_ASSERT(cells >= 10);
    prog_result_free(&r);

    /* The table says so too. */
    r = RUN(COUNTER, "--quick", "--model", "threads", "--no-baseline", "ck");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "skipped ck_mcs: "));
    CU_ASSERT_PTR_NULL(strstr(r.out, "\n  ck_mcs "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\n  mutex "));
    prog_result_free(&r);
}

/* A point that outlives its budget is DNF (level 5), later rounds skip it,
 * the other rows still run, and nothing is left behind. */
static void test_bench_counter_dnf(void)
{
    struct prog_result r = RUN(COUNTER, "--quick", "--json", "--only", "ticket,atomic",
                               "--model", "threads", "--workers", "1", "--reps", "2",
                               "--iters", "1000000000", "--budget", "0.2");
    CU_ASSERT_EQUAL_FATAL(r.status, 0);
    static char *lines[64];
    unsigned n = split_lines(r.out, lines, 64);
    unsigned dnf = 0, cells = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!is_kind(lines[i], "bench"))
            continue;
        cells++;
        CU_ASSERT(json_field_is(lines[i], "status", "\"dnf\""));
        CU_ASSERT(json_field_int(lines[i], "level", -1) == 5);
        CU_ASSERT(json_field_is(lines[i], "ns_per_op", "null"));
        CU_ASSERT(json_field_int(lines[i], "runs", -1) == 0);
        dnf++;
    }
    CU_ASSERT_EQUAL(cells, 2);
    CU_ASSERT_EQUAL(dnf, 2);
    prog_result_free(&r);

    /* With a budget it can meet, the same row finishes. */
    r = RUN(COUNTER, "--json", "--only", "ticket", "--model", "threads", "--workers", "1,2",
            "--reps", "1", "--iters", "1000");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"status\":\"ok\""));
    CU_ASSERT_PTR_NULL(strstr(r.out, "\"status\":\"dnf\""));
    prog_result_free(&r);
}

/* Whether every "bench" record of |text| (JSON Lines, split in place) ran
 * (status ok) with |placement| ("placement" absent: NULL); how many. */
static unsigned placed_cells(char *text, const char *placement)
{
    static char *lines[64];
    unsigned n = split_lines(text, lines, 64), cells = 0;
    char raw[64];
    snprintf(raw, sizeof raw, "\"%s\"", placement ? placement : "");
    for (unsigned i = 0; i < n; i++) {
        if (!is_kind(lines[i], "bench"))
            continue;
        cells++;
        CU_ASSERT(json_field_is(lines[i], "status", "\"ok\""));
        if (placement) {
            CU_ASSERT(json_field_is(lines[i], "placement", raw));
        } else {
            CU_ASSERT_PTR_NULL(json_field(lines[i], "placement"));
        }
    }
    return cells;
}

/* --pin: same and cross run and say so in every record; without it the
 * records carry no placement (the default output is unchanged); cross asks
 * for a CPU per worker and refuses more workers than CPUs in one line. */
static void test_bench_counter_pin(void)
{
    static const char *const pins[][2] = { { "same", "same-core" }, { "cross", "cross-core" },
                                           { NULL, NULL } };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        /* cross at 2 workers needs 2 CPUs; 1 worker always has one. */
        const char *workers = pins[i][0] && strcmp(pins[i][0], "cross") == 0 && cpus < 2 ? "1"
                                                                                         : "1,2";
        char *argv[] = { COUNTER, "--json", "--only", "tas,futex", "--model", "threads",
                         "--workers", (char *)workers, "--reps", "1", "--iters", "1000",
                         pins[i][0] ? "--pin" : NULL, (char *)pins[i][0], NULL };
        struct prog_result r = run_prog(argv, 300);
        CU_ASSERT_EQUAL(r.status, 0);
        CU_ASSERT(sanitizer_clean(&r));
        CU_ASSERT_EQUAL(placed_cells(r.out, pins[i][1]), strcmp(workers, "1") == 0 ? 2u : 4u);
        prog_result_free(&r);
    }
    struct prog_result r = RUN(COUNTER, "--pin", "cross", "--workers", "1,1024", "--quick");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "--pin cross needs a CPU per worker: 1024 workers"));
    CU_ASSERT_STRING_EQUAL(r.out, "");
    prog_result_free(&r);
}

/* --csv: comment lines with the machine, a header, rows of the header's width. */
static void test_bench_counter_csv(void)
{
    struct prog_result r = RUN(COUNTER, "--quick", "--csv", "--model", "procs");
    CU_ASSERT_EQUAL_FATAL(r.status, 0);
    CU_ASSERT(sanitizer_clean(&r));
    static char *lines[512];
    unsigned n = split_lines(r.out, lines, 512);
    unsigned i = 0, comments = 0;
    while (i < n && lines[i][0] == '#') {
        comments++;
        i++;
    }
    CU_ASSERT(comments >= 5);
    CU_ASSERT_FATAL(i < n);
    CU_ASSERT(strncmp(lines[i], "kind,name,model,", 16) == 0);
    unsigned width = 0;
    for (const char *p = lines[i]; *p; p++)
        width += *p == ',';
    unsigned rows = 0;
    for (i++; i < n; i++) {
        unsigned w = 0;
        for (const char *p = lines[i]; *p; p++)
            w += *p == ',';
        CU_ASSERT_EQUAL(w, width);
        CU_ASSERT(strncmp(lines[i], "bench,", 6) == 0 || strncmp(lines[i], "limit,", 6) == 0);
        rows++;
    }
    CU_ASSERT(rows >= 3 + 20);
    prog_result_free(&r);
}

static bool file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strstr(buf, needle) != NULL && strncmp(buf, "<?xml", 5) == 0 &&
           strstr(buf, "</svg>") != NULL;
}

/* --plot DIR writes the charts (made if missing); the human tables carry
 * the limits, the per-worker blocks, the levels and the targets. */
static void test_bench_plots_and_tables(void)
{
    char dir[] = "/tmp/racelab-test-bench-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char sub[64], p1[128], p2[128], p3[128];
    snprintf(sub, sizeof sub, "%s/plots", dir);   /* does not exist yet */
    snprintf(p1, sizeof p1, "%s/counter-threads.svg", sub);
    snprintf(p2, sizeof p2, "%s/counter-procs.svg", sub);
    snprintf(p3, sizeof p3, "%s/switch.svg", sub);
    struct prog_result r = RUN(COUNTER, "--quick", "--plot", sub);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(sanitizer_clean(&r));
    CU_ASSERT(file_has(p1, "<polyline"));
    CU_ASSERT(file_has(p1, ">mutex<"));
    CU_ASSERT(file_has(p2, "<polyline"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "physical limits"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "cache-line round trip"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\n  2 workers\n  variant "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "vs mutex  vs best"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "targets (ratios from this run):"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "machine: "));
    prog_result_free(&r);

    r = RUN(SWITCH, "--quick", "--plot", sub);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(sanitizer_clean(&r));
    CU_ASSERT(file_has(p3, "<rect"));
    CU_ASSERT(file_has(p3, "fork+wait (cross-core)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "claim vs measured"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "process switch 1-10 ms"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "machine: "));
    prog_result_free(&r);

    r = RUN(SWITCH, "--quick", "--csv");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\nname,placement,per,ns_per_switch,min,max,runs\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\nfork+wait,cross-core,fork+wait,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "# cpu: "));
    prog_result_free(&r);

    unlink(p1);
    unlink(p2);
    unlink(p3);
    CU_ASSERT_EQUAL(rmdir(sub), 0);
    CU_ASSERT_EQUAL(rmdir(dir), 0);
}

static void expect_usage_error(const char *prog, const char *a, const char *b, const char *c)
{
    char *argv[] = { (char *)prog, (char *)a, (char *)b, (char *)c, NULL };
    struct prog_result r = run_prog(argv, 60);
    if (r.status != 2 || count_lines(r.err) != 1 || r.out[0] != '\0')
        printf("\n    %s %s %s: status %d, stderr: %s\n", a, b ? b : "", c ? c : "", r.status,
               r.err);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_EQUAL(count_lines(r.err), 1);
    CU_ASSERT_STRING_EQUAL(r.out, "");
    prog_result_free(&r);
}

/* bench-queue on the driver: a run that outlives --budget is DNF in every
 * configuration, once (not again in later rounds), and the bench succeeds. */
static void test_bench_queue_dnf(void)
{
    if (access(QUEUE, X_OK) != 0) {
        test_skip("bench-queue is not built (make bench-queue)");
        return;
    }
    struct prog_result r = RUN(QUEUE, "--json", "--queues=mpmc", "--rounds=2",
                               "--messages=1000000000", "--max-seconds=60", "--budget=0.2");
    CU_ASSERT_EQUAL_FATAL(r.status, 0);
    CU_ASSERT(sanitizer_clean(&r));
    static char *lines[64];
    unsigned n = split_lines(r.out, lines, 64), dnf = 0;
    for (unsigned i = 0; i < n; i++) {
        CU_ASSERT_FATAL(json_valid_object(lines[i]));
        if (!is_kind(lines[i], "result"))
            continue;
        CU_ASSERT(json_field_is(lines[i], "status", "\"dnf\""));
        CU_ASSERT(json_field_is(lines[i], "mmsg_per_s", "null"));
        dnf++;
    }
    CU_ASSERT_EQUAL(dnf, 3);   /* 1x1, 2x2, 4x4 */
    prog_result_free(&r);
}

/* bench-rwlock --quick --json: a machine line, a cell per lock x workers x
 * read ratio, each exact and sane, pthread_rwlock at 1.00x itself, CK rows
 * either measured or skipped with a reason, and the targets. */
static void test_bench_rwlock_json(void)
{
    struct prog_result r = RUN(RWLOCK, "--quick", "--json");
    if (r.status != 0)
        printf("\n    status %d, stderr: %s\n", r.status, r.err);
    CU_ASSERT_EQUAL_FATAL(r.status, 0);
    CU_ASSERT(sanitizer_clean(&r));
    static char *lines[512];
    unsigned n = split_lines(r.out, lines, 512);
    CU_ASSERT_FATAL(n > 10);
    CU_ASSERT(is_kind(lines[0], "machine"));
    unsigned cells = 0, pthr = 0, ck = 0, skipped = 0, targets = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *l = lines[i];
        CU_ASSERT_FATAL(json_valid_object(l));
        if (is_kind(l, "bench")) {
            cells++;
            CU_ASSERT(json_field_is(l, "correct", "true"));
            CU_ASSERT(json_field_int(l, "iters", 0) == 2000);
            long long w = json_field_int(l, "workers", 0), rd = json_field_int(l, "read_pct", 0);
            CU_ASSERT((w == 1 || w == 2) && (rd == 50 || rd == 90));
            ck += group_is(l, "ck");
            /* Concurrency Kit's locks spin without yielding: on a loaded
             * machine a preempted holder can keep even 2 workers past the
             * budget. Ours and glibc's sleep, and must finish. */
            if (group_is(l, "ck") && json_field_is(l, "status", "\"dnf\""))
                continue;
            CU_ASSERT(json_field_is(l, "status", "\"ok\""));
            double ns = num(l, "ns_per_op"), lo = num(l, "min"), hi = num(l, "max");
            CU_ASSERT(ns > 0 && lo > 0 && lo <= ns && ns <= hi);
            CU_ASSERT(num(l, "mops") > 0);
            double ws = num(l, "write_share"), fair = num(l, "fair");
            CU_ASSERT(ws > 0 && fair >= 0 && fair <= 1);
            if (w == 1)
                CU_ASSERT(fair == 1);
            if (json_field_is(l, "name", "\"pthread_rwlock\"")) {
                pthr++;
                CU_ASSERT(fabs(num(l, "vs_pthread") - 1.0) < 1e-9);
            }
        } else if (is_kind(l, "skipped")) {
            skipped++;
            CU_ASSERT(json_field(l, "reason") != NULL);
        } else if (is_kind(l, "target")) {
            targets++;
        }
    }
    CU_ASSERT_EQUAL(cells % 4, 0);            /* 2 worker counts x 2 read ratios */
    CU_ASSERT(cells >= 16);                   /* 2 of ours, 2 of glibc's */
    CU_ASSERT_EQUAL(pthr, 4);
    CU_ASSERT_EQUAL(cells, 16 + ck);          /* every CK row measured ... */
    CU_ASSERT_EQUAL(ck + 4 * skipped, 8);     /* ... or skipped */
    CU_ASSERT(targets >= 5);
    prog_result_free(&r);
}

/* Tables, CSV and charts: the per-point blocks, the targets, a CSV row per
 * cell of the header's width, an SVG per read ratio. */
static void test_bench_rwlock_outputs(void)
{
    char dir[] = "/tmp/racelab-test-rwbench-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char p50[128], p90[128];
    snprintf(p50, sizeof p50, "%s/rwlock-50.svg", dir);
    snprintf(p90, sizeof p90, "%s/rwlock-90.svg", dir);
    struct prog_result r = RUN(RWLOCK, "--quick", "--plot", dir);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT(sanitizer_clean(&r));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\n  2 workers, 90% reads\n  lock "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "vs pthr wshare"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "targets (ratios from this run"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "every lock exact"));
    CU_ASSERT(file_has(p50, ">sync_rwlock<"));
    CU_ASSERT(file_has(p90, ">pthread_rwlock<"));
    prog_result_free(&r);
    unlink(p50);
    unlink(p90);
    CU_ASSERT_EQUAL(rmdir(dir), 0);

    r = RUN(RWLOCK, "--quick", "--csv", "--locks=sync_pfrwlock,pthread_rwlock");
    CU_ASSERT_EQUAL_FATAL(r.status, 0);
    static char *lines[128];
    unsigned n = split_lines(r.out, lines, 128), i = 0;
    while (i < n && lines[i][0] == '#')
        i++;
    CU_ASSERT_FATAL(i < n);
    CU_ASSERT(strncmp(lines[i], "kind,name,group,policy,workers,read_pct,", 40) == 0);
    unsigned width = 0, rows = 0;
    for (const char *p = lines[i]; *p; p++)
        width += *p == ',';
    for (i++; i < n; i++, rows++) {
        unsigned w = 0;
        for (const char *p = lines[i]; *p; p++)
            w += *p == ',';
        CU_ASSERT_EQUAL(w, width);
        CU_ASSERT(strncmp(lines[i], "bench,sync_pfrwlock,", 20) == 0 ||
                  strncmp(lines[i], "bench,pthread_rwlock,", 21) == 0);
    }
    CU_ASSERT_EQUAL(rows, 8);
    prog_result_free(&r);
}

/* A point past its budget is DNF, once, and the sweep goes on and succeeds. */
static void test_bench_rwlock_dnf(void)
{
    struct prog_result r = RUN(RWLOCK, "--json", "--locks=sync_rwlock,pthread_rwlock",
                               "--workers=1", "--reads=50", "--reps=2",
                               "--iters=1000000000", "--budget=0.2");
    CU_ASSERT_EQUAL_FATAL(r.status, 0);
    static char *lines[64];
    unsigned n = split_lines(r.out, lines, 64), dnf = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!is_kind(lines[i], "bench"))
            continue;
        CU_ASSERT(json_field_is(lines[i], "status", "\"dnf\""));
        CU_ASSERT(json_field_is(lines[i], "ns_per_op", "null"));
        CU_ASSERT(json_field_int(lines[i], "runs", -1) == 0);
        dnf++;
    }
    CU_ASSERT_EQUAL(dnf, 2);
    prog_result_free(&r);
}

/* --opt=value is the same as --opt value in every bench. */
static void test_bench_opt_equals(void)
{
    struct prog_result r = RUN(COUNTER, "--quick", "--json", "--only=ticket", "--model=threads",
                               "--workers=1", "--iters=500");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"name\":\"ticket\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"iters\":500"));
    prog_result_free(&r);
    r = RUN(SWITCH, "--quick", "--csv", "--reps=1", "--budget=30");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\ncoroutine (racelab),none,switch,"));
    prog_result_free(&r);
    r = RUN(RWLOCK, "--quick", "--json", "--locks=sync_rwlock", "--workers=1", "--reads=99",
            "--iters=500", "--reps=1", "--budget=30");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"name\":\"sync_rwlock\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"read_pct\":99"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"iters\":500"));
    prog_result_free(&r);
    if (access(QUEUE, X_OK) != 0)
        return;
    r = RUN(QUEUE, "--quick", "--csv", "--queues=spsc", "--rounds=1", "--capacity=64");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\nspsc,true,1,1,20000,1,64,"));
    prog_result_free(&r);
}

static void test_bench_bad_input(void)
{
    static const char *const bad[][2] = {
        { "--iters", "0" },          { "--iters", "12x" },        { "--iters", "-5" },
        { "--iters", "99999999999999999999" }, { "--reps", "0" }, { "--reps", "101" },
        { "--workers", "0" },        { "--workers", "1,,2" },     { "--workers", "" },
        { "--workers", "1,2," },     { "--workers", "1,2,3,4,5,6,7,8,9" },
        { "--workers", "2000" },     { "--budget", "0" },         { "--budget", "1e3" },
        { "--budget", "x" },         { "--model", "coros" },      { "--no-baseline", "foo" },
        { "--no-baseline", "" },     { "--only", "nosuchrow" },   { "--only", "mutex," },
        { "--plot", "/proc/racelab-no/such" }, { "--plot", "/etc/hostname" },
        { "--bogus", NULL },         { "--iters", NULL },         { "--pin", "bogus" },
        { "--pin", "" },             { "--pin", "Same" },         { "--pin", NULL },
        { "--pin=cross", "--workers=1024" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_usage_error(COUNTER, bad[i][0], bad[i][1], NULL);
    expect_usage_error(COUNTER, "--json", "--csv", NULL);
    expect_usage_error(SWITCH, "--json", "--csv", NULL);
    expect_usage_error(SWITCH, "--reps", "0", NULL);
    expect_usage_error(SWITCH, "--reps", NULL, NULL);
    expect_usage_error(SWITCH, "--plot", "/etc/hostname", NULL);
    expect_usage_error(SWITCH, "--quick", "--what", NULL);
    expect_usage_error(SWITCH, "--reps=101", NULL, NULL);
    expect_usage_error(SWITCH, "--quick=1", NULL, NULL);
    if (access(QUEUE, X_OK) == 0) {
        static const char *const qbad[][2] = {
            { "--wait", "x" },      { "--capacity", "3" },  { "--queues", "spsc,nosuch" },
            { "--rounds", "0" },    { "--messages", "3" },  { "--max-seconds", "0" },
            { "--json", "--csv" },  { "--bogus", NULL },    { "--plot", "/etc/hostname" },
        };
        for (size_t i = 0; i < sizeof qbad / sizeof qbad[0]; i++)
            expect_usage_error(QUEUE, qbad[i][0], qbad[i][1], NULL);
    }

    static const char *const rbad[][2] = {
        { "--workers", "0" },   { "--workers", "65" },   { "--workers", "1,,2" },
        { "--workers", "" },    { "--workers", "1,2,3,4,5,6,7,8,9" },
        { "--reads", "101" },   { "--reads", "-1" },     { "--reads", "50," },
        { "--iters", "0" },     { "--iters", "x" },      { "--reps", "0" },
        { "--reps", "101" },    { "--budget", "0" },     { "--budget", "x" },
        { "--locks", "nosuch" }, { "--locks", "sync_rwlock," }, { "--json", "--csv" },
        { "--bogus", NULL },    { "--iters", NULL },     { "--quick=1", NULL },
        { "--plot", "/etc/hostname" },
    };
    for (size_t i = 0; i < sizeof rbad / sizeof rbad[0]; i++)
        expect_usage_error(RWLOCK, rbad[i][0], rbad[i][1], NULL);

    char *help[] = { COUNTER, "--help", NULL };
    struct prog_result r = run_prog(help, 30);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "--no-baseline"));
    prog_result_free(&r);
}

static const struct test_case tests[] = {
    { "counter_json", test_bench_counter_json },
    { "counter_no_baselines", test_bench_counter_no_baselines },
    { "counter_dnf", test_bench_counter_dnf },
    { "counter_csv", test_bench_counter_csv },
    { "counter_pin", test_bench_counter_pin },
    { "plots_and_tables", test_bench_plots_and_tables },
    { "queue_dnf", test_bench_queue_dnf },
    { "rwlock_json", test_bench_rwlock_json },
    { "rwlock_outputs", test_bench_rwlock_outputs },
    { "rwlock_dnf", test_bench_rwlock_dnf },
    { "opt_equals", test_bench_opt_equals },
    { "bad_input", test_bench_bad_input },
    { NULL, NULL },
};

TEST_MAIN("bench", tests)
