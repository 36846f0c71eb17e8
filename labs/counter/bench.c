/* bench-counter: what every counter fix costs, measured in one run.
 *
 * For each worker count (default 1, 2, 4, 8: 8 on 2 cores is
 * oversubscription on purpose) every variant runs once per round, and the
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
    .models = LAB_MODEL_BIT(LAB_THREADS),
    .state_size = sizeof(uint64_t),
    .work = bare_work,
    .observe = bare_observe,
};

#define MAX_VARIANTS 32
#define MAX_POINTS   8

struct opts {
    unsigned workers[MAX_POINTS];
    unsigned npoints;
    uint64_t iters;
    unsigned reps;
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
    *o = (struct opts){ .workers = { 1, 2, 4, 8 }, .npoints = 4, .iters = 100000, .reps = 5 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (strcmp(a, "--help") == 0) {
            printf("usage: bench-counter [--workers LIST] [--iters N] [--reps N] [--json]\n"
                   "  --workers LIST  comma-separated worker counts, 1 to %u (default 1,2,4,8)\n"
                   "  --iters N       increments per worker per run (default 100000)\n"
                   "  --reps N        interleaved rounds; cells are medians (default 5, min 1)\n"
                   "  --json          JSON Lines: one object per variant and worker count\n",
                   LAB_MAX_WORKERS);
            return 1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
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

int main(int argc, char **argv)
{
    struct opts o;
    int rc = parse(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;

    const struct lab_variant *v[MAX_VARIANTS];
    unsigned nv = 0;
    for (size_t i = 0; i < counter_lab.nvariants && nv < MAX_VARIANTS - 1; i++)
        if (counter_lab.variants[i]->unavailable == NULL)
            v[nv++] = counter_lab.variants[i];
    v[nv++] = &bare;

    static double ns[MAX_VARIANTS][MAX_POINTS][1000];
    static bool wrong[MAX_VARIANTS][MAX_POINTS];
    unsigned runs = o.reps * o.npoints * nv, done = 0;
    bool tty = isatty(2);
    if (!o.json)
        printf("bench-counter: ns/op (lower is better), median of %u interleaved rounds, "
               "%llu increments per worker\natomics: %s; %u CPUs online\n\n",
               o.reps, (unsigned long long)o.iters, lab_atomics_backend(), lab_online_cpus());
    for (unsigned r = 0; r < o.reps; r++) {
        for (unsigned p = 0; p < o.npoints; p++) {
            for (unsigned k = 0; k < nv; k++) {
                struct lab_trial t;
                char err[256];
                if (tty)
                    fprintf(stderr, "\r  round %u/%u: %-8s x%-4u (%u%%) ", r + 1, o.reps,
                            v[k]->name, o.workers[p], 100 * done / runs);
                if (lab_run_trial(v[k], LAB_THREADS, o.workers[p], o.iters, &t, err,
                                  sizeof err) != 0) {
                    fprintf(stderr, "\nbench-counter: %s x%u: %s\n", v[k]->name, o.workers[p],
                            err);
                    return 1;
                }
                ns[k][p][r] = (double)t.wall_ns / ((double)o.workers[p] * (double)o.iters);
                if (!v[k]->racy_by_design && t.observed != (uint64_t)o.workers[p] * o.iters)
                    wrong[k][p] = true;
                done++;
            }
        }
    }
    if (tty)
        fprintf(stderr, "\r\033[K");

    double med[MAX_VARIANTS][MAX_POINTS];
    for (unsigned k = 0; k < nv; k++)
        for (unsigned p = 0; p < o.npoints; p++)
            med[k][p] = median(ns[k][p], o.reps);
    int mutex = -1, atomic = -1, racy = -1, sharded = -1, barek = (int)nv - 1;
    for (unsigned k = 0; k < nv; k++) {
        if (strcmp(v[k]->name, "mutex") == 0) mutex = (int)k;
        if (strcmp(v[k]->name, "atomic") == 0) atomic = (int)k;
        if (strcmp(v[k]->name, "racy") == 0) racy = (int)k;
        if (strcmp(v[k]->name, "sharded") == 0) sharded = (int)k;
    }

    if (o.json) {
        for (unsigned k = 0; k < nv; k++)
            for (unsigned p = 0; p < o.npoints; p++) {
                double lo = ns[k][p][0], hi = ns[k][p][o.reps - 1];   /* sorted by median() */
                printf("{\"kind\":\"bench\",\"lab\":\"counter\",\"model\":\"threads\","
                       "\"variant\":\"%s\",\"workers\":%u,\"iters\":%llu,\"runs\":%u,"
                       "\"ns_per_op\":%.3f,\"min\":%.3f,\"max\":%.3f,\"vs_mutex\":%.3f,"
                       "\"correct\":%s}\n", v[k]->name, o.workers[p],
                       (unsigned long long)o.iters, o.reps, med[k][p], lo, hi,
                       mutex >= 0 ? med[k][p] / med[mutex][p] : 0.0,
                       wrong[k][p] ? "false" : "true");
            }
        return 0;
    }

    printf("  %-8s", "variant");
    for (unsigned p = 0; p < o.npoints; p++)
        printf("  %4u wkr  vs mutex", o.workers[p]);
    printf("\n");
    for (unsigned k = 0; k < nv; k++) {
        printf("  %-8s", v[k]->name);
        for (unsigned p = 0; p < o.npoints; p++)
            printf("  %8.2f  %7.2fx%s", med[k][p], mutex >= 0 ? med[k][p] / med[mutex][p] : 0,
                   wrong[k][p] ? "!" : "");
        printf("\n");
    }
    printf("\n  ns/op = wall time / (workers x iterations); ! = a fixed variant was wrong\n");

    /* The spine issue's targets, read as ratios from this run. */
    int p2 = -1;
    for (unsigned p = 0; p < o.npoints; p++)
        if (o.workers[p] == 2)
            p2 = (int)p;
    if (p2 < 0 || mutex < 0 || atomic < 0)
        return 0;
    static const char *const locks[] = { "tas", "ttas", "ticket", "mcs", "futex", "sem" };
    int best = -1;
    for (unsigned k = 0; k < nv; k++)
        for (size_t l = 0; l < sizeof locks / sizeof locks[0]; l++)
            if (strcmp(v[k]->name, locks[l]) == 0 && (best < 0 || med[k][p2] < med[best][p2]))
                best = (int)k;
    printf("\ntargets at 2 workers:\n");
    double r1 = med[best][p2] / med[mutex][p2];
    char what[64];
    snprintf(what, sizeof what, "fastest sync lock (%s) vs pthread mutex", v[best]->name);
    printf("  %-42s %5.2fx  (target <= 0.80x)  %s\n", what, r1, r1 <= 0.80 ? "met" : "MISSED");
    double r2 = med[atomic][p2] / med[barek][p2];
    printf("  %-42s %5.2fx  (target <= 1.10x)  %s\n", "atomic vs bare fetch_add loop", r2,
           r2 <= 1.10 ? "met" : "MISSED");
    if (racy >= 0 && sharded >= 0) {
        double r3 = med[racy][p2] / med[sharded][p2];   /* throughput ratio sharded/racy */
        printf("  %-42s %5.2fx  (target >= 0.90x)  %s\n", "sharded throughput vs racy", r3,
               r3 >= 0.90 ? "met" : "MISSED");
    }
    bool any_wrong = false;
    for (unsigned k = 0; k < nv; k++)
        for (unsigned p = 0; p < o.npoints; p++)
            any_wrong |= wrong[k][p];
    printf("  every variant finished at every worker count, %s\n",
           any_wrong ? "but a fixed variant was WRONG" : "every fixed variant exact");
    return any_wrong ? 1 : 0;
}
