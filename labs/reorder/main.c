/* lab-reorder: litmus tests, litmus7 style - the histogram of outcomes of
 * SB, MP, LB, 2+2W and IRIW under relaxed, acqrel, seqcst, fence and plain.
 *
 * Its output is a histogram per cell, not one count, so it has its own main
 * that speaks labs/PROTOCOL.md (the lab-reorder section): --list --json
 * gives the harness its cells (model threads, variant TEST-VARIANT), --json
 * the trial and summary records with test, iterations and outcomes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/opt.h"

#include "out.h"

#define RV_STR2(x) #x
#define RV_STR(x) RV_STR2(x)

static int reorder__select_item(struct reorder_opts *o, const char *item, char *err,
                                size_t errlen)
{
    for (unsigned v = 0; v < REORDER_NVARIANTS; v++) {
        if (strcmp(item, reorder_variant_names[v]) == 0 || strcmp(item, "all") == 0) {
            for (unsigned t = 0; t < REORDER_NTESTS; t++)
                o->sel[t][v] |= o->tests[t];
            if (strcmp(item, "all") != 0)
                return 0;
        }
    }
    if (strcmp(item, "all") == 0)
        return 0;
    for (unsigned t = 0; t < REORDER_NTESTS; t++) {
        size_t len = strlen(reorder_tests[t].name);
        if (strncmp(item, reorder_tests[t].name, len) != 0 || item[len] != '-')
            continue;
        for (unsigned v = 0; v < REORDER_NVARIANTS; v++)
            if (strcmp(item + len + 1, reorder_variant_names[v]) == 0) {
                o->sel[t][v] = true;
                return 0;
            }
    }
    snprintf(err, errlen, "--variant needs relaxed, acqrel, seqcst, fence, plain, all or "
             "TEST-VARIANT (e.g. sb-relaxed; --list shows them), not '%s'", item);
    return -1;
}

/* --test and --variant into the cell selection. */
static int reorder__select(struct reorder_opts *o, const char *tests, const char *variants,
                           char *err, size_t errlen)
{
    char buf[512], *items[64], why[200];
    size_t n;
    if (util_list_split(tests, buf, sizeof buf, items, 64, &n, why, sizeof why) != 0) {
        snprintf(err, errlen, "--test: %s", why);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        bool hit = false;
        for (unsigned t = 0; t < REORDER_NTESTS; t++)
            if (strcmp(items[i], reorder_tests[t].name) == 0 || strcmp(items[i], "all") == 0)
                hit = o->tests[t] = true;
        if (!hit) {
            snprintf(err, errlen, "--test needs sb, mp, lb, 2+2w, iriw or all, not '%s'",
                     items[i]);
            return -1;
        }
    }
    if (util_list_split(variants, buf, sizeof buf, items, 64, &n, why, sizeof why) != 0) {
        snprintf(err, errlen, "--variant: %s", why);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (reorder__select_item(o, items[i], err, errlen) != 0)
            return -1;
    return 0;
}

/* Every selected cell must run with --workers, when given. */
static int reorder__check_workers(const struct reorder_opts *o, char *err, size_t errlen)
{
    for (unsigned t = 0; t < REORDER_NTESTS; t++)
        for (unsigned v = 0; v < REORDER_NVARIANTS; v++)
            if (o->sel[t][v] && o->workers != 0 && o->workers != reorder_tests[t].threads) {
                snprintf(err, errlen, "--workers %u: %s runs exactly %u threads (a litmus "
                         "test's threads are its code)", o->workers, reorder_tests[t].title,
                         reorder_tests[t].threads);
                return -1;
            }
    return 0;
}

static int reorder__args(struct reorder_opts *o, int argc, char **argv, char *err,
                         size_t errlen)
{
    static const char *const models[] = { "threads", "procs", "coros", "coros-mn",
                                          "coros-preempt", NULL };
    const char *tests = "all", *variants = "all";
    int model = 0;
    double step = REORDER_DEFAULT_STEP_NS;
    const struct util_opt opts[] = {
        { .name = "test", .kind = UTIL_OPT_STRING, .dest = &tests, .arg = "LIST",
          .help = "sb, mp, lb, 2+2w, iriw or all (default)" },
        { .name = "variant", .kind = UTIL_OPT_STRING, .dest = &variants, .arg = "LIST",
          .help = "relaxed, acqrel, seqcst, fence, plain, all (default) or TEST-VARIANT "
                  "(sb-relaxed)" },
        { .name = "iters", .kind = UTIL_OPT_U64, .dest = &o->iters, .arg = "N",
          .help = "iterations per trial (default 1000000)", .min = 1, .max = 1e10 },
        { .name = "trials", .kind = UTIL_OPT_UINT, .dest = &o->trials, .arg = "N",
          .help = "trials per cell (default 1)", .min = 1, .max = 1000 },
        { .name = "batch", .kind = UTIL_OPT_UINT, .dest = &o->batch, .arg = "N",
          .help = "iterations per batch, one barrier each (default "
                  RV_STR(REORDER_DEFAULT_BATCH) ")", .min = 1,
          .max = 10000000 },
        { .name = "step", .kind = UTIL_OPT_DOUBLE, .dest = &step, .arg = "NS",
          .help = "ns between two iterations' start ticks (default 100)", .min = 1,
          .max = 100000 },
        { .name = "workers", .kind = UTIL_OPT_UINT, .dest = &o->workers, .arg = "N",
          .help = "must be the test's thread count (2; IRIW 4)", .min = 1, .max = 1024 },
        { .name = "model", .kind = UTIL_OPT_CHOICE, .dest = &model, .arg = "MODEL",
          .help = "threads only (the harness passes it)", .choices = models },
        { .name = "json", .kind = UTIL_OPT_FLAG, .dest = &o->json,
          .help = "JSON Lines (labs/PROTOCOL.md)" },
        { .name = "list", .kind = UTIL_OPT_FLAG, .dest = &o->list,
          .help = "the cells (with --json: for the harness)" },
        { .name = NULL },
    };
    const struct util_cmdline c = {
        .prog = "lab-reorder", .usage = "[OPTIONS]",
        .summary = "litmus tests: which reorderings this machine shows",
        .epilog = "The plain variant's instructions: objdump -d --no-show-raw-insn lab-reorder, "
                  "functions sb0_PLAIN, sb1_PLAIN, ... (notes/reorder.md).",
        .opts = opts };
    char *pos[64];
    int npos, rc = util_opt_parse(&c, argc < 64 ? argc : 64, argv, pos, &npos, err, errlen);
    if (rc != UTIL_OPT_OK)
        return rc;
    if (model != 0) {
        snprintf(err, errlen, "--model %s: lab-reorder runs threads only (a litmus test needs "
                 "its threads on different CPUs at the same instant)", models[model]);
        return UTIL_OPT_ERROR;
    }
    o->step_ns = step;
    if (reorder__select(o, tests, variants, err, errlen) != 0 ||
        reorder__check_workers(o, err, errlen) != 0)
        return UTIL_OPT_ERROR;
    return UTIL_OPT_OK;
}

static void reorder__on_signal(int sig)
{
    reorder_out_signal = sig;
    reorder_stop();
}

int main(int argc, char **argv)
{
    struct reorder_opts o = { .iters = 1000000, .trials = 1, .batch = REORDER_DEFAULT_BATCH };
    char err[300];
    if (argc > 64) {
        fprintf(stderr, "lab-reorder: too many arguments (at most 63)\n");
        return 2;
    }
    int rc = reorder__args(&o, argc, argv, err, sizeof err);
    if (rc == UTIL_OPT_HELP)
        return 0;
    if (rc != UTIL_OPT_OK)
        return util_opt_fail("lab-reorder", err);
    if (o.list)
        return reorder_out_list(&o);
    struct sigaction sa = { .sa_handler = reorder__on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    return reorder_out_run(&o);
}
