/* labs/common/args.c - command-line parsing and validation for every lab.
 *
 * The options are one table for util/opt.h, the parser every racelab program
 * shares (--opt value and --opt=value, strict numbers within the runtime's
 * limits, the generated --help). What the table cannot say - options that
 * exclude or need each other, variants that do not run under the chosen
 * model - is checked after it, each by a function of its own. Every mistake
 * gets one line naming the problem and the valid choices; lab_main() prints
 * it and exits 2. */
#include "runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/coro.h"
#include "util/opt.h"

const struct lab_variant *lab_find_variant(const struct lab *lab, const char *name)
{
    for (size_t i = 0; i < lab->nvariants; i++)
        if (strcmp(lab->variants[i]->name, name) == 0)
            return lab->variants[i];
    return NULL;
}

/* What the table fills in beside the config, for the checks after it. */
struct args {
    struct lab_config *c;
    int model;
    const char *variant;
    bool json, csv;
    bool workers_seen, producers_seen, consumers_seen, carriers_seen, preempt_seen;
    struct lab_model_seen mo_seen;   /* the gil and database models' options (models.c) */
    bool iters_seen, trials_seen;
};

/* ---- the generated --help's closing text ----------------------------------- */

static size_t put(char *buf, size_t len, size_t used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t put(char *buf, size_t len, size_t used, const char *fmt, ...)
{
    if (used >= len)
        return used;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
    return n < 0 ? used : used + (size_t)n;
}

/* The models, each model's default variants, every variant and the exit
 * status, after the options in --help. */
static const char *help_epilog(const struct lab *lab)
{
    static char buf[8192];
    static const char *const what[LAB_NMODELS] = {
        "pthreads in one process (the default)",
        "forked processes sharing a POSIX shared-memory segment",
        "coroutines on one thread, switching only at yield points",
        "coroutines spread over --carriers threads",
        "coroutines on one thread that a timer signal switches every --preempt us, anywhere",
        "threads running the variant's Python bytecodes under a global interpreter lock",
        "threads, each a client connection of a Redis server the lab starts (or --db-url)",
        "threads, each a client connection of a PostgreSQL server the lab starts (or --db-url)",
    };
    size_t n = put(buf, sizeof buf, 0, "models (--model) and the variants each runs by default:\n");
    for (int m = 0; m < LAB_NMODELS; m++)
        n = put(buf, sizeof buf, n, "  %-14s %s\n  %-14s default --variant %s\n", lab__model_names[m],
                what[m], "", lab->default_variants[m] ? lab->default_variants[m] : "none");
    if (lab->roles)
        n = put(buf, sizeof buf, n, "\nlab-%s has producers and consumers: --producers P "
                "--consumers C instead of --workers,\nand --iters is the items each producer "
                "makes.\n", lab->name);
    n = put(buf, sizeof buf, n, "\nvariants (models they run under):\n");
    for (size_t i = 0; i < lab->nvariants; i++) {
        const struct lab_variant *v = lab->variants[i];
        char models[64] = "";
        for (int m = 0; m < LAB_NMODELS; m++)
            if (lab_variant_runs(v, (enum lab_model)m, NULL))
                snprintf(models + strlen(models), sizeof models - strlen(models), "%s%s",
                         models[0] ? "," : "", lab__model_names[m]);
        n = put(buf, sizeof buf, n, "  %-10s %s (%s)%s\n", v->name, v->description, models,
                v->unavailable ? " [unavailable]" : "");
    }
    put(buf, sizeof buf, n, "\nExit status: 0 ran (a racy variant losing updates is the lesson, "
        "not a\nfailure, nor is a non-robust lock's deadlock under --kill-owner), 1 a fixed\n"
        "variant was wrong, crashed or timed out, 2 bad usage, 128+N stopped by\nsignal N "
        "(130: Ctrl-C); no worker and no shared-memory name is left behind.\n"
        "labs/PROTOCOL.md states the --json and --csv fields.");
    return buf;
}

/* ---- the checks after the table ----------------------------------------- */

/* --json/--csv, and --workers against --producers/--consumers. */
static int check_format_roles(const struct lab *lab, struct args *a, char *err, size_t errlen)
{
    struct lab_config *c = a->c;
    if (a->json && a->csv) {
        snprintf(err, errlen, "--json and --csv exclude each other: pick one");
        return -1;
    }
    c->format = a->json ? LAB_JSON : a->csv ? LAB_CSV : LAB_HUMAN;
    c->model = (enum lab_model)a->model;
    /* Roles: the workers are the producers plus the consumers, so one
     * number cannot say how many of each. */
    if (lab->roles && a->workers_seen) {
        snprintf(err, errlen, "--workers: lab-%s has producers and consumers: use --producers "
                 "P --consumers C (default 2 and 2)", lab->name);
        return -1;
    }
    if (!lab->roles && (a->producers_seen || a->consumers_seen)) {
        snprintf(err, errlen, "--producers and --consumers apply only to labs with producer "
                 "and consumer roles (lab-%s has --workers)", lab->name);
        return -1;
    }
    if (lab->roles)
        c->workers = c->producers + c->consumers;
    return 0;
}

/* The options that apply to some models only. */
static int check_model_options(const struct args *a, char *err, size_t errlen)
{
    const struct lab_config *c = a->c;
    const char *msg = NULL;
    if (c->hog_ms && !LAB_IS_COROS(c->model))
        msg = "--hog needs a coroutine model: coros, coros-mn or coros-preempt (threads and "
              "processes are preempted by the kernel: no worker can hog a CPU from another)";
    else if (a->preempt_seen && c->model != LAB_COROS_PREEMPT)
        msg = "--preempt applies to --model coros-preempt only";
    else if (a->carriers_seen && c->model != LAB_COROS_MN)
        msg = "--carriers applies to --model coros-mn only";
    else if (c->kill_owner && c->model != LAB_PROCS)
        msg = "--kill-owner needs --model procs (a thread cannot die alone: SIGKILL ends the "
              "whole process)";
    else if (c->kill_owner && c->iters < 2)
        msg = "--kill-owner needs --iters 2 or more (the owner dies after 1 to iters-1 of its "
              "increments)";
    if (msg == NULL)
        msg = lab__check_model_opts(c->model, &c->mo, &a->mo_seen);
    if (msg == NULL)
        return 0;
    snprintf(err, errlen, "%s", msg);
    return -1;
}

static void variant_names(const struct lab *lab, char *buf, size_t len)
{
    size_t used = 0;
    for (size_t i = 0; i < lab->nvariants; i++)
        used = put(buf, len, used, "%s, ", lab->variants[i]->name);
    put(buf, len, used, "all");
}

/* The variants |text| names, each once, in the order given. */
static int parse_variants(const struct lab *lab, const char *text, struct lab_config *c,
                          char *err, size_t errlen)
{
    enum { MAXV = sizeof c->variants / sizeof c->variants[0] };
    char buf[1024], names[1024], *items[MAXV];
    size_t n = 0;
    c->nvariants = 0;
    if (strcmp(text, "all") == 0) {
        for (size_t i = 0; i < lab->nvariants && c->nvariants < MAXV; i++)
            if (lab__variant_offered(lab->variants[i], c->model))
                c->variants[c->nvariants++] = lab->variants[i];
        return 0;
    }
    variant_names(lab, names, sizeof names);
    if (strlen(text) >= sizeof buf ||
        util_list_split(text, buf, sizeof buf, items, MAXV, &n, err, errlen) != 0) {
        snprintf(err, errlen, "--variant needs a comma-separated list of %s, not '%.64s'",
                 names, text);
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        const struct lab_variant *v = lab__find_for_model(lab, items[k], c->model);
        if (v == NULL) {
            snprintf(err, errlen, "--variant: unknown variant '%.64s' (valid: %s)", items[k],
                     names);
            return -1;
        }
        if (v->unavailable) {
            snprintf(err, errlen, "--variant: '%s' is unavailable in this build: %s", v->name,
                     v->unavailable);
            return -1;
        }
        bool dup = false;
        for (size_t i = 0; i < c->nvariants; i++)
            dup |= c->variants[i] == v;
        if (!dup)
            c->variants[c->nvariants++] = v;
    }
    return 0;
}

/* Names of the variants that have a lock to die holding, for messages. */
static void owner_names(const struct lab *lab, enum lab_model m, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < lab->nvariants; i++) {
        const struct lab_variant *v = lab->variants[i];
        if (v->hold && lab_variant_runs(v, m, NULL) && !v->unavailable)
            used = put(buf, len, used, "%s%s", used ? ", " : "", v->name);
    }
}

/* Whether |v| runs as |c| asks; if not, one line in err. */
static bool variant_fits(const struct lab *lab, const struct lab_config *c,
                         const struct lab_variant *v, char *err, size_t errlen)
{
    const char *why = NULL;
    if (!lab_variant_runs(v, c->model, &why)) {
        snprintf(err, errlen, "--variant: '%s' does not run under --model %s: %s", v->name,
                 lab_model_name(c->model), why);
        return false;
    }
    if (lab->roles && !lab_variant_takes(v, c->producers, c->consumers, &why)) {
        snprintf(err, errlen, "--variant: '%s' does not take %u producer%s x %u consumer%s: %s",
                 v->name, c->producers, c->producers == 1 ? "" : "s", c->consumers,
                 c->consumers == 1 ? "" : "s", why);
        return false;
    }
    if (!lab_variant_takes_workers(v, c->workers, &why)) {
        snprintf(err, errlen, "--workers: '%s' takes at most %u worker%s, not %u: %s", v->name,
                 v->max_workers, v->max_workers == 1 ? "" : "s", c->workers, why);
        return false;
    }
    if (c->kill_owner && v->hold == NULL) {
        char names[256];
        owner_names(lab, c->model, names, sizeof names);
        snprintf(err, errlen, "--kill-owner: '%s' has no lock to die holding (variants with "
                 "one: %s)", v->name, names);
        return false;
    }
    return true;
}

/* Explicitly named variants must run as asked; 'all' keeps every variant
 * that runs under the model (the report says why the others are skipped). */
static int check_variants(const struct lab *lab, struct lab_config *c, bool all, char *err,
                          size_t errlen)
{
    size_t kept = 0;
    for (size_t i = 0; i < c->nvariants; i++) {
        const struct lab_variant *v = c->variants[i];
        if (!all && !variant_fits(lab, c, v, err, errlen))
            return -1;
        c->variants[kept++] = v;
    }
    c->nvariants = kept;
    return 0;
}

/* The variants to run: named, or the model's defaults. */
static int choose_variants(const struct lab *lab, const struct args *a, char *err,
                           size_t errlen)
{
    struct lab_config *c = a->c;
    const char *text = a->variant ? a->variant : lab->default_variants[c->model];
    if (text == NULL) {
        snprintf(err, errlen, "--model: lab-%s offers no variant under %s", lab->name,
                 lab_model_name(c->model));
        return -1;
    }
    unsigned op_workers = lab->roles ? c->producers : c->workers;
    if (lab->max_expected && c->iters > lab->max_expected / op_workers) {
        snprintf(err, errlen, "--iters: %u x %llu operations is more than lab-%s takes in one "
                 "run (at most %llu in all)", op_workers, (unsigned long long)c->iters,
                 lab->name, (unsigned long long)lab->max_expected);
        return -1;
    }
    if (parse_variants(lab, text, c, err, errlen) != 0)
        return -1;
    return check_variants(lab, c, strcmp(text, "all") == 0, err, errlen);
}

/* ---- the table ----------------------------------------------------------- */

/* Whether some variant of |lab| runs under |m|. */
static bool has_model(const struct lab *lab, enum lab_model m)
{
    for (size_t i = 0; i < lab->nvariants; i++)
        if (lab->variants[i]->models & LAB_MODEL_BIT(m))
            return true;
    return false;
}

static void defaults(const struct lab *lab, struct lab_config *c)
{
    uint64_t iters = lab->default_iters ? lab->default_iters : 100000;
    unsigned workers = lab->default_workers ? lab->default_workers : 2;
    *c = (struct lab_config){ .model = LAB_THREADS, .workers = workers, .producers = 2,
                              .consumers = 2, .iters = iters, .trials = 10, .timeout_s = 10,
                              .carriers = 2, .preempt_us = LAB_PREEMPT_DEFAULT_US,
                              .format = LAB_HUMAN };
    lab__model_opts_defaults(&c->mo);
}

static int parse_table(const struct lab *lab, struct args *a, int argc, char **argv,
                       char *err, size_t errlen)
{
    static char workers_help[48];
    snprintf(workers_help, sizeof workers_help, "concurrent workers, default %u",
             lab->default_workers ? lab->default_workers : 2u);
    struct lab_config *c = a->c;
    char iters_help[80];
    snprintf(iters_help, sizeof iters_help, "operations per worker, default %llu%s",
             (unsigned long long)c->iters,
             has_model(lab, LAB_REDIS) || has_model(lab, LAB_POSTGRES)
                 ? " (redis, postgres: 2000)" : "");
    /* Ranges and choices are printed by util_opt_help() after each line. */
    const struct util_opt opts[] = {
        { .name = "model", .kind = UTIL_OPT_CHOICE, .dest = &a->model, .arg = "NAME",
          .help = "how workers run, default threads (the models are below)",
          .choices = lab__model_names },
        { .name = "variant", .kind = UTIL_OPT_STRING, .dest = &a->variant, .arg = "LIST",
          .help = "variants to run, comma-separated, or 'all'; default the model's, below" },
        { .name = "workers", .kind = UTIL_OPT_UINT, .dest = &c->workers, .arg = "N",
          .help = workers_help, .min = 1, .max = LAB_MAX_WORKERS,
          .seen = &a->workers_seen },
        { .name = "iters", .kind = UTIL_OPT_U64, .dest = &c->iters, .arg = "N",
          .help = iters_help, .min = 1,
          .max = (double)LAB_MAX_ITERS, .seen = &a->iters_seen },
        { .name = "trials", .kind = UTIL_OPT_UINT, .dest = &c->trials, .arg = "N",
          .help = "repetitions of each variant, default 10 (redis, postgres: 3)", .min = 1,
          .max = LAB_MAX_TRIALS, .seen = &a->trials_seen },
        { .name = "kill-owner", .kind = UTIL_OPT_FLAG, .dest = &c->kill_owner,
          .help = "procs: one worker SIGKILLs itself while holding the lock; a robust lock "
                  "recovers, others deadlock until --timeout" },
        { .name = "timeout", .kind = UTIL_OPT_UINT, .dest = &c->timeout_s, .arg = "S",
          .help = "procs, and threads for variants that can wait for each other: end a "
                  "trial still running after S seconds (TIMEOUT), default 10; a wait-for "
                  "cycle ends it sooner (DEADLOCK)", .min = 1,
          .max = LAB_MAX_TIMEOUT },
        { .name = "carriers", .kind = UTIL_OPT_UINT, .dest = &c->carriers, .arg = "K",
          .help = "coros-mn: carrier threads, default 2", .min = 1, .max = LAB_MAX_CARRIERS,
          .seen = &a->carriers_seen },
        { .name = "preempt", .kind = UTIL_OPT_UINT, .dest = &c->preempt_us, .arg = "US",
          .help = "coros-preempt: the timer's period in microseconds, default 20",
          .min = SYNC_CORO_PREEMPT_MIN_US, .max = SYNC_CORO_PREEMPT_MAX_US,
          .seen = &a->preempt_seen },
        { .name = "hog", .kind = UTIL_OPT_UINT, .dest = &c->hog_ms, .arg = "MS",
          .help = "coroutine models: instead of the variants, a coroutine that computes MS ms "
                  "without yielding beside one that wants to tick every ms; reports the worst "
                  "tick delay", .min = 1, .max = LAB_MAX_HOG_MS },
        { .name = "producers", .kind = UTIL_OPT_UINT, .dest = &c->producers, .arg = "P",
          .help = "labs with roles (instead of --workers): producers, default 2", .min = 1,
          .max = LAB_MAX_WORKERS / 2, .seen = &a->producers_seen },
        { .name = "consumers", .kind = UTIL_OPT_UINT, .dest = &c->consumers, .arg = "C",
          .help = "labs with roles: consumers, default 2", .min = 1,
          .max = LAB_MAX_WORKERS / 2, .seen = &a->consumers_seen },
        LAB_MODEL_OPTIONS(c->mo, a->mo_seen),
        { .name = "json", .kind = UTIL_OPT_FLAG, .dest = &a->json,
          .help = "JSON Lines on stdout: one 'trial' object per trial, one 'summary' per "
                  "variant" },
        { .name = "csv", .kind = UTIL_OPT_FLAG, .dest = &a->csv,
          .help = "the same records as CSV with one header line" },
        { .name = "list", .kind = UTIL_OPT_FLAG, .dest = &c->list,
          .help = "list models and variants (with --json: one object each)" },
        { .name = NULL },
    };
    char prog[64];
    snprintf(prog, sizeof prog, "lab-%s", lab->name);
    const struct util_cmdline cl = { .prog = prog, .usage = "[OPTIONS]",
                                     .summary = lab->title, .epilog = help_epilog(lab),
                                     .opts = opts, .max_positional = 0 };
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    int npos = 0;
    if (pos == NULL) {
        snprintf(err, errlen, "out of memory");
        return LAB_ARGS_ERROR;
    }
    int rc = util_opt_parse(&cl, argc, argv, pos, &npos, err, errlen);
    free(pos);
    return rc == UTIL_OPT_OK ? LAB_ARGS_OK : rc == UTIL_OPT_HELP ? LAB_ARGS_HELP : LAB_ARGS_ERROR;
}

int lab_parse_args(const struct lab *lab, int argc, char **argv, struct lab_config *c,
                   char *err, size_t errlen)
{
    defaults(lab, c);
    struct args a = { .c = c, .model = LAB_THREADS };
    int rc = parse_table(lab, &a, argc, argv, err, errlen);
    if (rc != LAB_ARGS_OK)
        return rc;
    if (check_format_roles(lab, &a, err, errlen) != 0)
        return LAB_ARGS_ERROR;
    if (c->list)
        return LAB_ARGS_OK;   /* --list ignores --variant: it lists them all */
    lab__model_run_defaults(c, a.workers_seen, a.iters_seen, a.trials_seen);
    if (check_model_options(&a, err, errlen) != 0 || choose_variants(lab, &a, err, errlen) != 0)
        return LAB_ARGS_ERROR;
    return LAB_ARGS_OK;
}
