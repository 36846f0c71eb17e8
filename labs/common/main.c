/* labs/common/main.c - lab_main(): parse, run the chosen variants, report.
 *
 * Each variant runs its trials one after the other; every trial is printed
 * as it ends and summed into the variant's summary; the closing table
 * compares the variants. The exit status is labs/PROTOCOL.md's. */
#include "runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "sync/atomic.h"
#include "util/opt.h"
#include "util/stats.h"
#include "util/tsan.h"

const char *lab_atomics_backend(void)
{
    return SYNC_ATOMIC_BACKEND;
}

static void progress(const struct lab_config *c, const char *variant, unsigned trial)
{
    static int tty = -1;
    if (tty < 0)
        tty = isatty(STDERR_FILENO);
    if (!tty || c->format != LAB_HUMAN)
        return;
    if (variant)
        fprintf(stderr, "\r  running %s: trial %u/%u ", variant, trial, c->trials);
    else
        fprintf(stderr, "\r\033[K");
}

/* ThreadSanitizer names files and functions in its reports only through an
 * external llvm-symbolizer; a fresh Debian with clang lacks it. Say so once,
 * up front, rather than leave the user with a stack of <null> frames. */
static void check_symbolizer(const struct lab *lab)
{
    const char *opts = getenv("TSAN_OPTIONS");
    if (opts && strstr(opts, "external_symbolizer_path"))
        return;
    const char *path = getenv("PATH");
    char buf[4096];
    for (const char *p = path ? path : ""; *p;) {
        size_t n = strcspn(p, ":");
        if (n > 0 && n < sizeof buf - 20) {
            snprintf(buf, sizeof buf, "%.*s/llvm-symbolizer", (int)n, p);
            if (access(buf, X_OK) == 0)
                return;
        }
        p += n + (p[n] == ':');
    }
    fprintf(stderr, "lab-%s-tsan: llvm-symbolizer is not on PATH, so ThreadSanitizer reports "
            "will name no files or functions (apt-get install llvm)\n", lab->name);
}

/* NULL, or why |v| cannot run as |c| asks (the report then says so). */
static const char *why_skipped(const struct lab *lab, const struct lab_config *c,
                               const struct lab_variant *v)
{
    const char *why = NULL;
    if (v->unavailable)
        return v->unavailable;
    if ((why = lab_model_unavailable(c->model)) != NULL)
        return why;
    if (!lab_variant_runs(v, c->model, &why))
        return why;
    if (c->kill_owner && v->hold == NULL)
        return "no lock to die holding (--kill-owner)";
    if (lab->roles && !lab_variant_takes(v, c->producers, c->consumers, &why))
        return why;
    if (!lab_variant_takes_workers(v, c->workers, &why))
        return why;
    return NULL;
}

/* Adds one finished trial |r| to |s|; |obs| and |wall| collect the
 * observations and the finished trials' wall times. */
static void add_trial(const struct lab *lab, enum lab_model m, struct lab_summary *s,
                      const struct lab_trial *r, uint64_t *obs, uint64_t *wall,
                      unsigned *finished)
{
    s->deadlocks += r->outcome == LAB_DEADLOCK;
    s->timeouts += r->outcome == LAB_TIMEOUT;
    s->crashes += r->outcome == LAB_CRASH;
    obs[s->trials++] = r->observed;
    if (r->outcome == LAB_OK)
        wall[(*finished)++] = r->wall_ns;
    s->lossy += r->outcome == LAB_OK && lab__trial_wrong(lab, m, r);
    if (r->has_fields)
        lab__fields_add(lab, m, s, r);
    if (!r->has_items)
        return;
    s->has_items = true;
    s->items.produced += r->items.produced;
    s->items.consumed += r->items.consumed;
    s->items.lost += r->items.lost;
    s->items.duplicated += r->items.duplicated;
    s->items.reordered += r->items.reordered;
    if (s->items.note[0] == '\0')   /* the first trial's story */
        memcpy(s->items.note, r->items.note, sizeof s->items.note);
}

/* The medians and the range, once the trials are in (sorts |obs|). */
static void close_summary(const struct lab *lab, const struct lab_config *c,
                          struct lab_summary *s, uint64_t *obs, uint64_t *wall,
                          unsigned finished)
{
    s->ran = true;
    s->wall_ns = finished ? util_median_u64(wall, finished) : 0;   /* finished trials only */
    s->ns_per_op = (double)s->wall_ns / ((double)lab__op_workers(lab, c) * (double)c->iters);
    s->median = util_median_u64(obs, s->trials);
    s->min = obs[0];
    s->max = obs[s->trials - 1];
    lab__fields_close(lab, c->model, s);
}

/* The trials of one variant: 0, 1 (a trial could not run) or 128+N. */
static int run_trials(const struct lab *lab, const struct lab_config *c, struct lab_summary *s,
                      uint64_t *obs, uint64_t *wall, unsigned *finished)
{
    const struct lab_variant *v = s->v;
    char err[512];
    for (unsigned t = 0; t < c->trials; t++) {
        struct lab_trial r;
        progress(c, v->name, t + 1);
        int rc = lab_run_trial(lab, v, c, &r, err, sizeof err);
        progress(c, NULL, 0);
        if (rc == EINTR) {
            fprintf(stderr, "lab-%s: %s\n", lab->name, err);
            return 128 + lab_interrupt_signal();
        }
        if (rc != 0) {
            fprintf(stderr, "lab-%s: %s: trial %u: %s\n", lab->name, v->name, t + 1, err);
            return 1;
        }
        lab__emit_trial(lab, c, v, t + 1, &r);
        add_trial(lab, c->model, s, &r, obs, wall, finished);
        if (r.outcome == LAB_CRASH || r.outcome == LAB_TIMEOUT ||
            (r.outcome == LAB_DEADLOCK && !c->kill_owner && !v->racy_by_design))
            fprintf(stderr, "lab-%s: %s: trial %u: %s\n", lab->name, v->name, t + 1, r.detail);
    }
    return 0;
}

/* One variant: skipped, or its trials and summary. Returns the exit status
 * so far (0, 1 or 128+N). */
static int run_variant(const struct lab *lab, const struct lab_config *c, struct lab_summary *s,
                       uint64_t *obs, uint64_t *wall)
{
    const struct lab_variant *v = s->v;
    const char *why = why_skipped(lab, c, v);
    if (why) {
        s->skipped = why;
        lab__emit_skip(lab, c, v, why);
        return 0;
    }
    lab__emit_variant(c, v);
    unsigned finished = 0;
    int status = run_trials(lab, c, s, obs, wall, &finished);
    if (s->trials == 0)
        return status;
    close_summary(lab, c, s, obs, wall, finished);
    lab__emit_summary(lab, c, s);
    if (!v->racy_by_design && s->lossy) {
        fprintf(stderr, "lab-%s: FAILED: fixed variant '%s' was wrong in %u of %u trials\n",
                lab->name, v->name, s->lossy, s->trials);
        status = status ? status : 1;
    }
    /* A racy variant's deadlock or timeout is its lesson (naive lock
     * order, fixed backoff); a fixed variant's is a failure, except the
     * non-robust lock's deadlock under --kill-owner. A crash always is. */
    bool stuck_fails = !v->racy_by_design &&
                       (s->timeouts || (s->deadlocks && !c->kill_owner));
    if (s->crashes || stuck_fails)
        status = status ? status : 1;
    return status;
}

/* Every chosen variant, then the closing table. */
static int run_all(const struct lab *lab, const struct lab_config *c)
{
    uint64_t expected = lab->expected(lab__op_workers(lab, c), c->iters);
    struct lab_summary *sum = calloc(c->nvariants, sizeof *sum);
    uint64_t *obs = calloc(c->trials, sizeof *obs);
    uint64_t *wall = calloc(c->trials, sizeof *wall);
    int status = 0;
    if (sum == NULL || obs == NULL || wall == NULL) {
        fprintf(stderr, "lab-%s: out of memory\n", lab->name);
        status = 1;
    } else {
        lab__emit_header(lab, c, expected);
        for (size_t k = 0; k < c->nvariants && status < 128; k++) {
            sum[k] = (struct lab_summary){ .v = c->variants[k], .expected = expected };
            int st = run_variant(lab, c, &sum[k], obs, wall);
            status = status && st < 128 ? status : st;
        }
        if (c->format == LAB_HUMAN)
            lab__print_table(lab, c, sum, c->nvariants);
    }
    free(sum);
    free(obs);
    free(wall);
    return status;
}

int lab_main(const struct lab *lab, int argc, char **argv)
{
    struct lab_config c;
    char err[512];
    switch (lab_parse_args(lab, argc, argv, &c, err, sizeof err)) {
    case LAB_ARGS_HELP:
        return 0;
    case LAB_ARGS_ERROR: {
        char prog[64];
        snprintf(prog, sizeof prog, "lab-%s", lab->name);
        return util_opt_fail(prog, err);   /* one line, exit 2 */
    }
    }
    if (c.list) {
        lab__print_list(lab, &c);
        return 0;
    }
    if (UTIL_TSAN)
        check_symbolizer(lab);
    if (c.hog_ms)
        return lab__hog_main(lab, &c);
    if (LAB_IS_DB(c.model) && lab__db_start(&c, err, sizeof err) != 0) {
        fprintf(stderr, "lab-%s: %s\n", lab->name, err);   /* one line, nothing left running */
        return 2;
    }
    int status = run_all(lab, &c);
    lab__db_stop();
    return status;
}
