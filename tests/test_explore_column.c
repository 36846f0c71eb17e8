/* tests/test_explore_column.c - the harness's explore column (issue 13,
 * notes/explorer.md "Lab targets"): a lab's own explore sizes
 * ("explore_*" of --list --json, labs/PROTOCOL.md) checked by the lab and
 * by the harness, a variant whose failure needs weak memory shown as such
 * ("weak-mem", not clean), and a real slice of the matrix: the bank's racy
 * variants found at the flavour's sizes, its fixed ones exhausted clean. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab.h"
#include "run_prog.h"
#include "test_main.h"

#define RACELAB RACELAB_BIN_DIR "/racelab"
#define FLAVOUR RACELAB_BIN_DIR "/lab-bank-explore"

/* The lab's side: lab_explore_check() takes what the harness can run and
 * names the first value it cannot (list.c then refuses the cells). */
static void test_explore_column_lab_check(void)
{
    char why[200];
    struct lab_explore ok = { .strategy = "dpor", .iters = 2, .max_runs = 1000 };
    CU_ASSERT_PTR_NULL(lab_explore_check(&ok, why, sizeof why));
    struct lab_explore none = { 0 };
    CU_ASSERT_PTR_NULL(lab_explore_check(&none, why, sizeof why));
    const struct {
        struct lab_explore e;
        const char *says;
    } bad[] = {
        { { .strategy = "random" }, "explore_strategy 'random'" },
        { { .iters = LAB_EXPLORE_MAX_ITERS + 1 }, "explore_iters" },
        { { .workers = 61 }, "explore_workers" },
        { { .preemptions = LAB_EXPLORE_MAX_PREEMPTIONS + 1 }, "explore_preemptions" },
        { { .strategy = "dpor", .preemptions = 2 }, "not dpor" },
        { { .max_runs = LAB_EXPLORE_MAX_RUNS + 1 }, "explore_max_runs" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *w = lab_explore_check(&bad[i].e, why, sizeof why);
        CU_ASSERT_PTR_NOT_NULL(w);
        CU_ASSERT_PTR_NOT_NULL(w ? strstr(w, bad[i].says) : NULL);
    }
}

/* Rows of `racelab run --format json` by variant. */
static json_t *rows_of(const char *out)
{
    json_t *rows = json_object();
    for (const char *line = out, *nl; line != NULL && *line != '\0';
         line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        json_t *o = json_loadb(line, nl ? (size_t)(nl - line) : strlen(line), 0, NULL);
        const char *v = json_string_value(json_object_get(o, "variant"));
        if (v != NULL)
            json_object_set(rows, v, o);
        json_decref(o);
    }
    return rows;
}

/* The explore column of |variant|: its status word is |status|, its text
 * says |needle| (when not NULL). */
static void expect_explore(json_t *rows, const char *variant, const char *status,
                           const char *needle)
{
    json_t *ex = json_object_get(json_object_get(rows, variant), "explore");
    const char *st = json_string_value(json_object_get(ex, "status"));
    const char *text = json_string_value(json_object_get(ex, "text"));
    bool ok = st != NULL && strcmp(st, status) == 0 &&
              (needle == NULL || (text != NULL && strstr(text, needle) != NULL));
    CU_ASSERT(ok);
    if (!ok)
        fprintf(stderr, "%s: explore %s (%s), wanted %s (%s)\n", variant, st ? st : "-",
                text ? text : "-", status, needle ? needle : "");
}

/* A fake lab whose list gives explore sizes the harness cannot run: each
 * cell is refused with the key named, none is explored. */
static const char fake_lab[] =
    "#!/bin/sh\n"
    "cell() {\n"
    "  printf '{\"lab\":\"xfake\",\"model\":\"threads\",\"variant\":\"%s\",' \"$1\"\n"
    "  printf '\"racy_by_design\":false,\"available\":true,\"description\":\"fake\",'\n"
    "  printf '\"known_reports\":[],\"explore\":\"lab-xfake-explore\",%s}\\n' \"$2\"\n"
    "}\n"
    "if [ \"$1\" = --list ]; then\n"
    "  cell strategy '\"explore_strategy\":\"random\"'\n"
    "  cell iters '\"explore_iters\":0'\n"
    "  cell runs '\"explore_max_runs\":\"many\"'\n"
    "  cell dpor '\"explore_strategy\":\"dpor\",\"explore_preemptions\":2'\n"
    "  exit 0\n"
    "fi\n"
    "v=x\n"
    "while [ $# -gt 0 ]; do [ \"$1\" = --variant ] && v=$2; shift; done\n"
    "printf '{\"kind\":\"summary\",\"lab\":\"xfake\",\"model\":\"threads\",\"variant\":\"%s\",' \"$v\"\n"
    "printf '\"correct\":true,\"expected\":1,\"observed_median\":1,\"observed_min\":1,'\n"
    "printf '\"observed_max\":1,\"trials\":1,\"lossy_trials\":0,\"workers\":2,\"ns_per_op\":1}\\n'\n";

static void test_explore_column_bad_sizes(void)
{
    char dir[128], lab[200];
    snprintf(dir, sizeof dir, "/tmp/racelab-test-xcol-%d", (int)getpid());
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    snprintf(lab, sizeof lab, "%s/lab-xfake", dir);
    FILE *f = fopen(lab, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(fake_lab, f);
    fclose(f);
    CU_ASSERT_EQUAL(chmod(lab, 0700), 0);
    setenv("RACELAB_LAB_DIR", dir, 1);
    struct prog_result r = run_progl(RACELAB, 120, "run", "--quiet", "--format", "json",
                                     "--trials", "1", "--detectors", "native,explore", NULL);
    unsetenv("RACELAB_LAB_DIR");
    json_t *rows = rows_of(r.out);
    CU_ASSERT_EQUAL(json_object_size(rows), 4);
    expect_explore(rows, "strategy", "refused", "explore_strategy must be \"bounded\" or \"dpor\"");
    expect_explore(rows, "iters", "refused", "explore_iters must be an integer from 1 to 16");
    expect_explore(rows, "runs", "refused", "explore_max_runs must be an integer");
    expect_explore(rows, "dpor", "refused", "explore_preemptions bounds the bounded strategy");
    if (json_object_size(rows) != 4)
        fprintf(stderr, "%s%s", r.out, r.err);
    json_decref(rows);
    prog_result_free(&r);
    CU_ASSERT_EQUAL(unlink(lab), 0);
    CU_ASSERT_EQUAL(rmdir(dir), 0);   /* the harness left nothing behind */
}

/* The real column on a slice: the bank at its explore flavour's sizes
 * (two accounts of 50), Peterson's lock without and with its fence, and a
 * litmus test the explorer cannot show. */
static void test_explore_column_slice(void)
{
    if (access(FLAVOUR, X_OK) != 0) {
        test_skip("no lab-bank-explore in this build (clang, x86-64, no sanitizer)");
        return;
    }
    struct prog_result r = run_progl(RACELAB, 600, "run", "--quiet", "--format", "json",
                                     "--trials", "1", "--detectors", "explore", "bank/threads/*",
                                     "counter/threads/peterson*", "reorder/threads/sb-relaxed",
                                     NULL);
    json_t *rows = rows_of(r.out);
    CU_ASSERT_EQUAL(json_object_size(rows), 10);
    expect_explore(rows, "toctou", "found", "overdrafts 1");
    expect_explore(rows, "racy", "found", NULL);
    expect_explore(rows, "naive", "found", NULL);
    expect_explore(rows, "global", "clean", "every schedule with at most 1 preemption");
    expect_explore(rows, "ordered", "clean", "every schedule with at most 1 preemption");
    expect_explore(rows, "trylock", "clean", NULL);
    /* needs a store buffer: not clean, not a miss */
    expect_explore(rows, "peterson", "weak-mem", "SC: no failure in 32 runs (needs weak memory");
    expect_explore(rows, "peterson-fence", "clean", "explored, clean in 32 runs");
    expect_explore(rows, "sb-relaxed", "refused", "SC interleavings only");
    /* no fixed variant failed under the explorer */
    CU_ASSERT_PTR_NULL(strstr(r.out, "a fixed variant, and racelab explore"));
    if (json_object_size(rows) != 10)
        fprintf(stderr, "%s%s", r.out, r.err);
    json_decref(rows);
    prog_result_free(&r);
}

static const struct test_case tests[] = {
    { "lab_check", test_explore_column_lab_check },
    { "bad_sizes", test_explore_column_bad_sizes },
    { "slice", test_explore_column_slice },
    { NULL, NULL },
};

TEST_MAIN("explore_column", tests)
