/* bench-counter: what every counter fix costs, measured in one run.
 *
 * For each worker count (default 1, 2, 4, 8: 8 on 2 cores is
 * oversubscription on purpose) every variant runs once per round under each
 * model (threads, and procs: worker processes over shared memory), and the
 * rounds repeat (A B C A B C, not A A B B C C), so a slow spell of this
 * shared machine hits every variant alike. Each cell is the median of the
 * rounds, printed as ns/op (wall time of the parallel section divided by
 * workers x iterations: the inverse of throughput) and as a ratio to
 * pthread_mutex measured in the same run. Absolute times drift here; ratios
 * are what to compare.
 *
 * Beside the lab's variants runs "bare": a hand-written relaxed fetch_add
 * loop with no template, wrapper or runtime hook, the floor for "atomic" (the
 * runtime must add nothing per operation). The targets of the spine issue
 * are checked at the end and reported as met or missed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counter.h"

static void bare_work(void *st, unsigned worker, uint64_t iters)
{
    (void)worker;
    uint64_t *x = st;
    for (uint64_t i = 0; i < iters; i++)
        __atomic_fetch_add(x, 1, __ATOMIC_RELAXED);
}

static uint64_t bare_observe(const void *st, unsigned workers)
{
    (void)workers;
    return __atomic_load_n((const uint64_t *)st, __ATOMIC_RELAXED);
}

static const struct lab_variant bare = {
    .name = "bare",
    .description = "hand-written relaxed fetch_add loop (the floor for atomic)",
    .models = LAB_MODEL_BIT(LAB_THREADS) | LAB_MODEL_BIT(LAB_PROCS),
    .state_size = sizeof(uint64_t),
    .work = bare_work,
    .observe = bare_observe,
};

#define MAX_ROWS   48
#define MAX_POINTS 8

struct opts {
    unsigned workers[MAX_POINTS];
    unsigned npoints;
    uint64_t iters;
    unsigned reps;
    unsigned models;   /* LAB_MODEL_BIT()s */
    bool json;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "bench-counter: %s%s%s (try --help)\n", msg, arg ? ": " : "",
            arg ? arg : "");
    return 2;
}

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || v == 0 || v > max)
        return false;
    *out = v;
    return true;
}

static int parse(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){ .workers = { 1, 2, 4, 8 }, .npoints = 4, .iters = 100000, .reps = 5,
                        .models = LAB_MODEL_BIT(LAB_THREADS) | LAB_MODEL_BIT(LAB_PROCS) };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (strcmp(a, "--help") == 0) {
            printf("usage: bench-counter [--model threads|procs|both] [--workers LIST] [--iters N]"
                   " [--reps N] [--json]\n"
                   "  --model M       threads, procs or both (default both)\n"
                   "  --workers LIST  comma-separated worker counts, 1 to %u (default 1,2,4,8)\n"
                   "  --iters N       increments per worker per run (default 100000)\n"
                   "  --reps N        interleaved rounds; cells are medians (default 5, min 1)\n"
                   "  --json          JSON Lines: one object per variant and worker count\n",
                   LAB_MAX_WORKERS);
            return 1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--model") == 0 && val) {
            if (strcmp(val, "threads") == 0)
                o->models = LAB_MODEL_BIT(LAB_THREADS);
            else if (strcmp(val, "procs") == 0)
                o->models = LAB_MODEL_BIT(LAB_PROCS);
            else if (strcmp(val, "both") == 0)
                o->models = LAB_MODEL_BIT(LAB_THREADS) | LAB_MODEL_BIT(LAB_PROCS);
            else
                return usage_error("--model needs threads, procs or both", val);
            i++;
        } else if (strcmp(a, "--iters") == 0 && val) {
            if (!parse_uint(val, LAB_MAX_ITERS, &n))
                return usage_error("--iters needs a whole number from 1 to 1000000000", val);
            o->iters = n;
            i++;
        } else if (strcmp(a, "--reps") == 0 && val) {
            if (!parse_uint(val, 1000, &n))
                return usage_error("--reps needs a whole number from 1 to 1000", val);
            o->reps = (unsigned)n;
            i++;
        } else if (strcmp(a, "--workers") == 0 && val) {
            char buf[128];
            snprintf(buf, sizeof buf, "%s", val);
            o->npoints = 0;
            for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
                if (o->npoints == MAX_POINTS || !parse_uint(t, LAB_MAX_WORKERS, &n))
                    return usage_error("--workers needs up to 8 counts from 1 to 1024", val);
                o->workers[o->npoints++] = (unsigned)n;
            }
            if (o->npoints == 0)
                return usage_error("--workers needs up to 8 counts from 1 to 1024", val);
            i++;
        } else {
            return usage_error("unknown or incomplete option", a);
        }
    }
    return 0;
}

struct row {
    const struct lab_variant *v;
    enum lab_model model;
    char label[40];
};

static int find(const struct row *rows, unsigned n, const char *name, enum lab_model m)
{
    for (unsigned k = 0; k < n; k++)
        if (rows[k].model == m && strcmp(rows[k].v->name, name) == 0)
            return (int)k;
    return -1;
}

int main(int argc, char **argv)
{
    struct opts o;
    int rc = parse(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;

    /* Rows: every available variant under every chosen model it runs under,
     * then the bare loop; threads rows first. */
    static struct row rows[MAX_ROWS];
    unsigned nr = 0;
    for (int m = 0; m < LAB_NMODELS; m++) {
        if (!(o.models & LAB_MODEL_BIT(m)))
            continue;
        for (size_t i = 0; i <= counter_lab.nvariants && nr < MAX_ROWS; i++) {
            const struct lab_variant *v = i < counter_lab.nvariants ? counter_lab.variants[i]
                                                                    : &bare;
            if (v->unavailable || !lab_variant_runs(v, (enum lab_model)m, NULL))
                continue;
            rows[nr].v = v;
            rows[nr].model = (enum lab_model)m;
            snprintf(rows[nr].label, sizeof rows[nr].label, "%s%s", v->name,
                     m == LAB_PROCS ? "/procs" : "");
            nr++;
        }
    }

    static double ns[MAX_ROWS][MAX_POINTS][1000];
    static bool wrong[MAX_ROWS][MAX_POINTS];
    unsigned runs = o.reps * o.npoints * nr, done = 0;
    bool tty = isatty(2);
    if (!o.json)
        printf("bench-counter: ns/op (lower is better), median of %u interleaved rounds, "
               "%llu increments per worker\natomics: %s; %u CPUs online; NAME/procs = worker "
               "processes over shared memory\n\n",
               o.reps, (unsigned long long)o.iters, lab_atomics_backend(), lab_online_cpus());
    for (unsigned r = 0; r < o.reps; r++) {
        for (unsigned p = 0; p < o.npoints; p++) {
            for (unsigned k = 0; k < nr; k++) {
                struct lab_trial t;
                char err[256];
                struct lab_config cfg = { .model = rows[k].model, .workers = o.workers[p],
                                          .iters = o.iters, .timeout_s = 600 };
                if (tty)
                    fprintf(stderr, "\r  round %u/%u: %-14s x%-4u (%u%%) ", r + 1, o.reps,
                            rows[k].label, o.workers[p], 100 * done / runs);
                rc = lab_run_trial(&counter_lab, rows[k].v, &cfg, &t, err, sizeof err);
                if (rc == 0 && t.outcome != LAB_OK)
                    snprintf(err, sizeof err, "%s: %s", lab_outcome_name(t.outcome), t.detail);
                if (rc != 0 || t.outcome != LAB_OK) {
                    fprintf(stderr, "\nbench-counter: %s x%u: %s\n", rows[k].label,
                            o.workers[p], err);
                    return 1;
                }
                ns[k][p][r] = (double)t.wall_ns / ((double)o.workers[p] * (double)o.iters);
                if (!rows[k].v->racy_by_design && t.observed != t.expected)
                    wrong[k][p] = true;
                done++;
            }
        }
    }
    if (tty)
        fprintf(stderr, "\r\033[K");

    double med[MAX_ROWS][MAX_POINTS];
    for (unsigned k = 0; k < nr; k++)
        for (unsigned p = 0; p < o.npoints; p++)
            med[k][p] = median(ns[k][p], o.reps);
    int mutex = find(rows, nr, "mutex", LAB_THREADS);

    if (o.json) {
        for (unsigned k = 0; k < nr; k++)
            for (unsigned p = 0; p < o.npoints; p++) {
                double lo = ns[k][p][0], hi = ns[k][p][o.reps - 1];   /* sorted by median() */
                printf("{\"kind\":\"bench\",\"lab\":\"counter\",\"model\":\"%s\","
                       "\"variant\":\"%s\",\"workers\":%u,\"iters\":%llu,\"runs\":%u,"
                       "\"ns_per_op\":%.3f,\"min\":%.3f,\"max\":%.3f,\"vs_mutex\":%.3f,"
                       "\"correct\":%s}\n", lab_model_name(rows[k].model), rows[k].v->name,
                       o.workers[p], (unsigned long long)o.iters, o.reps, med[k][p], lo, hi,
                       mutex >= 0 ? med[k][p] / med[mutex][p] : 0.0,
                       wrong[k][p] ? "false" : "true");
            }
        return 0;
    }

    printf("  %-16s", "variant");
    for (unsigned p = 0; p < o.npoints; p++)
        printf("  %4u wkr  vs mutex", o.workers[p]);
    printf("\n");
    for (unsigned k = 0; k < nr; k++) {
        if (k > 0 && rows[k].model != rows[k - 1].model)
            printf("\n");
        printf("  %-16s", rows[k].label);
        for (unsigned p = 0; p < o.npoints; p++) {
            if (mutex >= 0)
                printf("  %8.2f  %7.2fx%s", med[k][p], med[k][p] / med[mutex][p],
                       wrong[k][p] ? "!" : "");
            else
                printf("  %8.2f  %8s%s", med[k][p], "", wrong[k][p] ? "!" : "");
        }
        printf("\n");
    }
    printf("\n  ns/op = wall time / (workers x iterations); vs mutex = against pthread_mutex\n"
           "  on threads at the same worker count; ! = a fixed variant was wrong\n");

    bool any_wrong = false;
    for (unsigned k = 0; k < nr; k++)
        for (unsigned p = 0; p < o.npoints; p++)
            any_wrong |= wrong[k][p];

    /* The targets, read as ratios from this run. */
    int p2 = -1;
    for (unsigned p = 0; p < o.npoints; p++)
        if (o.workers[p] == 2)
            p2 = (int)p;
    if (p2 >= 0)
        printf("\ntargets at 2 workers:\n");
    int atomic = find(rows, nr, "atomic", LAB_THREADS);
    int racy = find(rows, nr, "racy", LAB_THREADS);
    int sharded = find(rows, nr, "sharded", LAB_THREADS);
    int barek = find(rows, nr, "bare", LAB_THREADS);
    if (p2 >= 0 && mutex >= 0) {
        static const char *const locks[] = { "tas", "ttas", "ticket", "mcs", "futex", "sem" };
        int best = -1;
        for (size_t l = 0; l < sizeof locks / sizeof locks[0]; l++) {
            int k = find(rows, nr, locks[l], LAB_THREADS);
            if (k >= 0 && (best < 0 || med[k][p2] < med[best][p2]))
                best = k;
        }
        double r1 = med[best][p2] / med[mutex][p2];
        char what[64];
        snprintf(what, sizeof what, "fastest sync lock (%s) vs pthread mutex", rows[best].label);
        printf("  %-44s %5.2fx  (target <= 0.80x)  %s\n", what, r1,
               r1 <= 0.80 ? "met" : "MISSED");
    }
    if (p2 >= 0 && atomic >= 0 && barek >= 0) {
        double r2 = med[atomic][p2] / med[barek][p2];
        printf("  %-44s %5.2fx  (target <= 1.10x)  %s\n", "atomic vs bare fetch_add loop", r2,
               r2 <= 1.10 ? "met" : "MISSED");
    }
    if (p2 >= 0 && racy >= 0 && sharded >= 0) {
        double r3 = med[racy][p2] / med[sharded][p2];   /* throughput ratio sharded/racy */
        printf("  %-44s %5.2fx  (target >= 0.90x)  %s\n", "sharded throughput vs racy", r3,
               r3 >= 0.90 ? "met" : "MISSED");
    }
    int fp = find(rows, nr, "futex", LAB_PROCS), ft = find(rows, nr, "futex", LAB_THREADS);
    if (p2 >= 0 && fp >= 0 && ft >= 0) {
        double r4 = med[fp][p2] / med[ft][p2];
        printf("  %-44s %5.2fx  (target <= 1.20x)  %s\n",
               "process-shared futex mutex vs private", r4, r4 <= 1.20 ? "met" : "MISSED");
    }
    printf("  every variant finished at every worker count, %s\n",
           any_wrong ? "but a fixed variant was WRONG" : "every fixed variant exact");
    return any_wrong ? 1 : 0;
}
