/* bench-counter: what every counter fix costs, measured in one run, beside
 * the implementations a user would pick instead.
 *
 * For each worker count (default 1, 2, 4, 8: 8 on 2 cores is
 * oversubscription on purpose) every row runs once per round, and the rounds
 * repeat (A B C A B C, not A A B B C C), so a slow spell of this shared
 * machine hits every row alike. Each cell is the median of the rounds,
 * printed as ns/op (wall time of the parallel section divided by workers x
 * iterations: the inverse of throughput), Mops/s and the spread, and as
 * ratios to pthread_mutex and to the fastest correct row at the same worker
 * count, both measured in the same run. Absolute times drift here; ratios
 * are what to compare.
 *
 * Rows:
 *   the lab's own variants (one file each in labs/counter/), on threads and on procs;
 *   "bare", a hand-written relaxed fetch_add loop (the floor for atomic);
 *   on threads, every lock as an instrumented twin, generated from its
 *   descriptor (labs/common/desc/lock_<id>.h): the same primitive
 *   (sync/, glibc, Concurrency Kit) around the same increment, plus two
 *   plain writes inside the critical section (who held it last) and one
 *   relaxed store per 64 operations outside it (progress), which is how the
 *   fairness columns are measured; the twins replace the lab's own thread
 *   rows of the same name (mutex, tas, ttas, ticket, mcs, futex, sem);
 *   tplock (sync/tplock.h): the time-published ticket lock, FIFO among
 *   waiters that are running, which has no lab variant of its own;
 *   baselines compiled in when found: pthread_spin (glibc), ck_ticket,
 *   ck_mcs, ck_fas (Concurrency Kit), ao (libatomic_ops AO_fetch_and_add1,
 *   the lab's own variant) and urcu_uatomic (liburcu's uatomic_inc).
 *
 * Every point (one row, one worker count, one round) runs in a child process
 * with a time budget (the bench driver, labs/bench/bench.h): a point that
 * does not finish is reported as DNF and not retried in later rounds, and
 * the sweep goes on.
 *
 * Built with ThreadSanitizer, the racy-by-design rows (a race report each)
 * and Concurrency Kit's (inline asm TSan cannot see) are skipped, and said so.
 *
 * Cost level per cell, assigned from what was measured (getrusage in the
 * point's process, and the limits measured once per round: their fastest
 * round), not from the row's name:
 *   5 catastrophe  ns/op above 20 cache-line round trips, spent spinning:
 *                  involuntary switches outnumber voluntary ones and most of
 *                  the CPU time is user time (or the point did not finish)
 *   4 switch       at least one context switch per 1000 operations
 *   3 system call  at least 10 % of the CPU time in the kernel, and at
 *                  least 1 ns of it per operation
 *   2 contended    ns/op at least a quarter of the cache-line round trip
 *   1 atomic       ns/op at least halfway from a plain add to an atomic one
 *   0 plain        below that */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"
#include "counter.h"
#include "desc/locks.h"
#include "sync/atomic.h"
#include "util/cpu.h"
#include "util/time.h"
#include "util/tsan.h"

#ifdef RACELAB_HAVE_URCU
#include <urcu/uatomic.h>
#endif

static const char *const prog = "bench-counter";

#define TSAN_RACY_WHY "built with ThreadSanitizer: a racy-by-design variant is itself a " \
                      "race report (run lab-counter-tsan to see it)"

/* ---- the bare loop ------------------------------------------------------- */

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

/* ---- instrumented twins: fairness ---------------------------------------- */

/* What every twin carries beside its lock. */
struct fair {
    uint64_t value;    /* the counter; under the lock */
    unsigned owner;    /* under the lock: worker + 1 of the last holder */
    uint64_t reacq;    /* under the lock: acquisitions by the last holder again */
    unsigned workers;  /* set up before the start */
    sync_atomic_u32 first;   /* 0 until the first worker finished */
    uint64_t snap[LAB_MAX_WORKERS];   /* written by the first finisher only */
    struct {
        sync_atomic_u64 done;   /* operations done, updated every 64 */
    } __attribute__((aligned(SYNC_CACHELINE))) slot[LAB_MAX_WORKERS];
};

/* What the point's process reads after the trial (observe() fills it). */
static struct {
    bool valid;
    uint64_t min, max;   /* operations per worker when the first one finished */
    uint64_t reacq, ops;
} g_fair;

static void fair_setup(struct fair *f, const struct lab_env *env)
{
    f->workers = env->workers;
}

/* Call with the twin's lock held. */
static inline void fair_critical(struct fair *f, unsigned me)
{
    if (f->owner == me)
        f->reacq++;
    f->owner = me;
    uint64_t v = LAB_LOAD(&f->value);
    LAB_STORE(&f->value, v + 1);
}

static void fair_finish(struct fair *f, unsigned w, uint64_t iters)
{
    sync_store_u64(&f->slot[w].done, iters, SYNC_RELAXED);
    /* Relaxed: the snapshot is a sample of progress counters, it orders
     * nothing; the runtime's join publishes snap[] to observe(). */
    if (sync_exchange_u32(&f->first, 1, SYNC_RELAXED) != 0)
        return;
    for (unsigned k = 0; k < f->workers && k < LAB_MAX_WORKERS; k++)
        f->snap[k] = sync_load_u64(&f->slot[k].done, SYNC_RELAXED);
}

static uint64_t fair_observe(const struct fair *f, unsigned workers)
{
    g_fair.valid = true;
    g_fair.min = UINT64_MAX;
    g_fair.max = 0;
    for (unsigned k = 0; k < workers && k < LAB_MAX_WORKERS; k++) {
        if (f->snap[k] < g_fair.min)
            g_fair.min = f->snap[k];
        if (f->snap[k] > g_fair.max)
            g_fair.max = f->snap[k];
    }
    g_fair.reacq = f->reacq;
    g_fair.ops = f->value;
    return f->value;   /* every worker has been joined */
}

/* A twin: the descriptor's lock beside struct fair, generated from the
 * descriptor id (labs/common/desc/lock_<id>.h). */
#define TWIN(ID)                                                                      \
    struct twin_##ID {                                                                \
        lockd_##ID##_t l;                                                             \
        struct fair f;                                                                \
    };                                                                                \
    static int twin_##ID##_setup(void *st, const struct lab_env *env)                 \
    {                                                                                 \
        struct twin_##ID *s = st;                                                     \
        fair_setup(&s->f, env);                                                       \
        return lockd_##ID##_init(&s->l, env->sync_flags);                             \
    }                                                                                 \
    static void twin_##ID##_teardown(void *st)                                        \
    {                                                                                 \
        lockd_##ID##_fini(&((struct twin_##ID *)st)->l);                              \
    }                                                                                 \
    static void twin_##ID##_work(void *st, unsigned w, uint64_t iters)                \
    {                                                                                 \
        struct twin_##ID *s = st;                                                     \
        for (uint64_t i = 1; i <= iters; i++) {                                       \
            lockd_node n;                                                             \
            lockd_##ID##_acquire(&s->l, &n);                                          \
            fair_critical(&s->f, w + 1);                                              \
            lockd_##ID##_release(&s->l, &n);                                          \
            if ((i & 63) == 0)                                                        \
                sync_store_u64(&s->f.slot[w].done, i, SYNC_RELAXED);                  \
        }                                                                             \
        fair_finish(&s->f, w, iters);                                                 \
    }                                                                                 \
    static uint64_t twin_##ID##_observe(const void *st, unsigned workers)             \
    {                                                                                 \
        return fair_observe(&((const struct twin_##ID *)st)->f, workers);             \
    }

/* The twin rows, in table order: one descriptor id each. */
#define TWINS(X)  \
    X(mutex)      \
    X(spin)       \
    X(tas)        \
    X(ttas)       \
    X(ticket)     \
    X(mcs)        \
    X(tplock)     \
    X(futex)      \
    X(sem)        \
    X(ck_ticket)  \
    X(ck_mcs)     \
    X(ck_fas)

TWINS(TWIN)

/* What a twin row needs beside its descriptor's info. */
struct twin {
    const struct lockd_info *info;
    size_t state_size;
    int (*setup)(void *state, const struct lab_env *env);
    void (*teardown)(void *state);
    void (*work)(void *state, unsigned worker, uint64_t iters);
    uint64_t (*observe)(const void *state, unsigned workers);
};
#define TWIN_ENTRY(ID)                                                                \
    { &lockd_##ID##_info, sizeof(struct twin_##ID), twin_##ID##_setup,                \
      twin_##ID##_teardown, twin_##ID##_work, twin_##ID##_observe },
static const struct twin twins[] = { TWINS(TWIN_ENTRY) };
#define NTWINS (sizeof twins / sizeof twins[0])

/* The twins as lab variants (filled from the table at start). */
static struct lab_variant twin_variant[NTWINS];

static void twins_make(void)
{
    for (size_t t = 0; t < NTWINS; t++)
        twin_variant[t] = (struct lab_variant){
            .name = twins[t].info->label, .description = twins[t].info->desc,
            .models = LAB_MODEL_BIT(LAB_THREADS), .state_size = twins[t].state_size,
            .setup = twins[t].setup, .teardown = twins[t].teardown, .work = twins[t].work,
            .observe = twins[t].observe, .unavailable = twins[t].info->unavailable };
}

/* liburcu's atomic increment: the urcu row (liburcu applies to this lab
 * only through its atomics; its RCU and queues are other labs' matter). */
#ifdef RACELAB_HAVE_URCU
struct urcu_state {
    unsigned long value;
};

static void urcu_work(void *st, unsigned worker, uint64_t iters)
{
    (void)worker;
    struct urcu_state *s = st;
    for (uint64_t i = 0; i < iters; i++)
        uatomic_inc(&s->value);
}

static uint64_t urcu_observe(const void *st, unsigned workers)
{
    (void)workers;
    return uatomic_read(&((const struct urcu_state *)st)->value);   /* after join */
}

static const struct lab_variant urcu_row = {
    .name = "urcu_uatomic",
    .description = "liburcu uatomic_inc",
    .models = LAB_MODEL_BIT(LAB_THREADS),
    .state_size = sizeof(struct urcu_state),
    .work = urcu_work,
    .observe = urcu_observe,
};
#else
static const struct lab_variant urcu_row = {
    .name = "urcu_uatomic",
    .description = "liburcu uatomic_inc",
    .models = LAB_MODEL_BIT(LAB_THREADS),
    .unavailable = "liburcu was not found at build time (apt-get install liburcu-dev, then "
                   "rebuild)",
};
#endif

/* ---- rows and options ------------------------------------------------------- */

#define MAX_ROWS   64
#define MAX_POINTS 8
#define MAX_REPS   BENCH_MAX_ROUNDS

/* Baseline groups --no-baseline can pretend are missing. */
static const char *const groups[] = { "glibc", "ck", "ao", "urcu", NULL };
#define NGROUPS 4

struct row {
    const struct lab_variant *v;
    enum lab_model model;
    const char *group;   /* "sync", "glibc", "ck", "ao", "urcu" or "lab" */
    char label[40];
    bool twin;           /* fairness measured */
    bool racy;           /* racy by design: may lose updates */
};

struct opts {
    struct bench_common c;
    unsigned workers[MAX_POINTS];
    unsigned npoints;
    uint64_t iters;
    unsigned reps;
    int model;           /* index into model_names */
    double budget_s;
    bool hide[NGROUPS];
    const char *only;    /* --only: comma-separated row names, or NULL */
    int pin;             /* enum pin: index into pin_names */
    bool iters_set, reps_set, workers_set;
};

static const char *const model_names[] = { "both", "threads", "procs", NULL };

/* Where a point's workers run. AUTO is the lab runtime's own placement
 * (labs/common/run.c: worker i on the i-th allowed CPU when there is one
 * per worker, else wherever the scheduler puts them). SAME puts every
 * worker on the first allowed CPU, so that the lock changes hands only
 * when the holder is preempted or yields: the same hand-over pattern in
 * every run. CROSS is AUTO made a requirement: one CPU per worker, or the
 * bench refuses to start. */
enum pin { PIN_AUTO, PIN_SAME, PIN_CROSS };
static const char *const pin_names[] = { "auto", "same", "cross", NULL };
/* The records' "placement" under each --pin (auto: none given, as before). */
static const char *const pin_place[] = { NULL, "same-core", "cross-core" };

static bool model_on(const struct opts *o, enum lab_model m)
{
    return o->model == 0 || (o->model == 1 && m == LAB_THREADS) ||
           (o->model == 2 && m == LAB_PROCS);
}

static int parse_workers(const char *val, void *dest, char *err, size_t errlen)
{
    struct opts *o = dest;
    uint64_t w[MAX_POINTS];
    size_t n;
    if (util_list_u64(val, 1, LAB_MAX_WORKERS, w, MAX_POINTS, &n, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        o->workers[i] = (unsigned)w[i];
    o->npoints = (unsigned)n;
    o->workers_set = true;
    return 0;
}

static int parse_groups(const char *val, void *dest, char *err, size_t errlen)
{
    bool *hide = dest;
    char buf[128], *items[16];
    size_t n;
    if (util_list_split(val, buf, sizeof buf, items, 16, &n, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t g = 0;
        while (g < NGROUPS && strcmp(items[i], groups[g]) != 0)
            g++;
        if (g == NGROUPS) {
            snprintf(err, errlen, "needs a list of glibc, ck, ao, urcu, not '%s'", items[i]);
            return -1;
        }
        hide[g] = true;
    }
    return 0;
}

/* Whether |name| names a row (available or not). */
static bool is_row_name(const char *name)
{
    if (strcmp(name, bare.name) == 0 || strcmp(name, urcu_row.name) == 0)
        return true;
    for (size_t k = 0; k < NTWINS; k++)
        if (strcmp(name, twins[k].info->label) == 0)
            return true;
    for (size_t k = 0; k < counter_lab.nvariants; k++)
        if (strcmp(name, counter_lab.variants[k]->name) == 0)
            return true;
    return false;
}

static int parse_only(const char *val, void *dest, char *err, size_t errlen)
{
    char buf[256], *items[MAX_ROWS];
    size_t n;
    if (util_list_split(val, buf, sizeof buf, items, MAX_ROWS, &n, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!is_row_name(items[i])) {
            snprintf(err, errlen, "no such row '%s' (names as printed in the table)",
                     items[i]);
            return -1;
        }
    *(const char **)dest = val;
    return 0;
}

static void quick_sizes(struct opts *o)
{
    if (!o->iters_set)
        o->iters = 2000;
    if (!o->reps_set)
        o->reps = 1;
    if (!o->workers_set) {
        o->workers[0] = 1;
        o->workers[1] = 2;
        o->npoints = 2;
    }
}

/* -1 when --pin can be met at every worker count, else 2 after one line:
 * cross needs a CPU of its own for each worker. */
static int check_pin(const struct opts *o)
{
    unsigned allowed = util_cpus_allowed(NULL, 0), most = 0;
    for (unsigned p = 0; p < o->npoints; p++)
        most = o->workers[p] > most ? o->workers[p] : most;
    char err[160];
    if (o->pin != PIN_AUTO && allowed == 0)
        snprintf(err, sizeof err, "--pin %s: this process's CPU affinity cannot be read",
                 pin_names[o->pin]);
    else if (o->pin == PIN_CROSS && most > allowed)
        snprintf(err, sizeof err, "--pin cross needs a CPU per worker: %u workers, but this "
                 "process may use %u CPU%s", most, allowed, allowed == 1 ? "" : "s");
    else
        return -1;
    return util_opt_fail(prog, err);
}

static int parse(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){ .workers = { 1, 2, 4, 8 }, .npoints = 4, .iters = 200000, .reps = 5,
                        .budget_s = 10 };
    const struct util_opt opts[] = {
        { .name = "model", .kind = UTIL_OPT_CHOICE, .dest = &o->model, .arg = "M",
          .help = "threads, procs or both (default both)", .choices = model_names },
        { .name = "workers", .kind = UTIL_OPT_CUSTOM, .dest = o, .arg = "LIST",
          .help = "up to 8 comma-separated worker counts, 1 to 1024 (default 1,2,4,8)",
          .parse = parse_workers },
        { .name = "iters", .kind = UTIL_OPT_U64, .dest = &o->iters, .arg = "N",
          .help = "increments per worker per point (default 200000)", .min = 1,
          .max = (double)LAB_MAX_ITERS, .seen = &o->iters_set },
        BENCH_ROUND_OPTS(&o->reps, &o->reps_set, MAX_REPS, "5", &o->budget_s, "10"),
        { .name = "no-baseline", .kind = UTIL_OPT_CUSTOM, .dest = o->hide, .arg = "LIST",
          .help = "skip baselines as if absent: glibc, ck, ao, urcu (comma-separated)",
          .parse = parse_groups },
        { .name = "only", .kind = UTIL_OPT_CUSTOM, .dest = &o->only, .arg = "LIST",
          .help = "only these rows, e.g. mutex,ticket,ck_ticket (names as printed)",
          .parse = parse_only },
        { .name = "pin", .kind = UTIL_OPT_CHOICE, .dest = &o->pin, .arg = "P",
          .help = "workers' CPUs: auto (the runtime's), same (all on one CPU), cross (one "
                  "CPU each)", .choices = pin_names },
        BENCH_COMMON_OPTS(&o->c, "tiny sizes (1,2 workers, 2000 iterations, 1 round): a smoke "
                          "test", "also write DIR/counter-threads.svg and DIR/counter-procs.svg"),
        { .name = NULL },
    };
    const struct util_cmdline cl = {
        .prog = prog, .usage = "[OPTIONS]", .opts = opts,
        .summary = "what every counter fix costs: ns/op of every variant, lock and baseline "
                   "at each worker count, median of interleaved rounds",
    };
    int rc = bench_parse(&cl, argc, argv, &o->c);
    if (rc < 0 && o->c.quick)
        quick_sizes(o);
    return rc < 0 ? check_pin(o) : rc;
}

static bool hidden(const struct opts *o, const char *group)
{
    for (size_t g = 0; g < NGROUPS; g++)
        if (o->hide[g] && strcmp(groups[g], group) == 0)
            return true;
    return false;
}

/* Whether --only lets row |name| run (always, without --only). */
static bool wanted(const struct opts *o, const char *name)
{
    if (o->only == NULL)
        return true;
    size_t n = strlen(name);
    for (const char *p = o->only; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len + (e ? 1 : 0);
    }
    return false;
}

static bool is_twin_name(const char *name)
{
    for (size_t t = 0; t < NTWINS; t++)
        if (strcmp(twins[t].info->label, name) == 0)
            return true;
    return false;
}

/* ---- the run's state -------------------------------------------------------- */

enum { LIM_PLAIN, LIM_ATOMIC, LIM_RT, NLIMITS };
static const char *const limit_names[NLIMITS] = { "plain add", "uncontended atomic add",
                                                  "cache-line round trip" };
static const char *const limit_place[NLIMITS] = { "none", "none", "cross-core" };

/* What a cell gathers beside its ns/op (the driver keeps those). */
struct cx {
    bool wrong;
    uint64_t user_ns, sys_ns, vcsw, ivcsw, ops;
    bool fair_valid;
    uint64_t fair_min, fair_max;   /* the round with the median min/max ratio */
    unsigned nfair;
    uint64_t fmin[MAX_REPS], fmax[MAX_REPS];   /* per round */
    uint64_t reacq, fair_ops;
    int level;
};

struct skipped {
    const char *name, *why;
};

struct target {
    char name[80];
    double value, limit;
    bool known;
    char note[120];
};

static struct counter_bench {
    struct opts o;
    struct row rows[MAX_ROWS];
    unsigned nr;
    struct skipped skipped[MAX_ROWS];
    unsigned nskipped;
    struct cx cx[MAX_ROWS][MAX_POINTS];
    double lim_runs[NLIMITS][MAX_REPS];
    double lim[NLIMITS], lim_lo[NLIMITS], lim_hi[NLIMITS];
    double best[LAB_NMODELS][MAX_POINTS];
    int mutex;           /* the mutex row on threads, or -1 */
    bool any_wrong;
    struct target targets[16];
    unsigned nt;
    struct bench_sweep s;
    struct bench_machine mach;
    int cpu_a, cpu_b;    /* two CPUs we may use; cpu_b -1: only one */
} B;

/* ---- rows --------------------------------------------------------------------- */

static void skip_row(const char *name, const char *why)
{
    B.skipped[B.nskipped++] = (struct skipped){ name, why };
}

static void add_row(const struct lab_variant *v, enum lab_model m, const char *group,
                    bool twin)
{
    if (B.nr == MAX_ROWS)
        return;
    struct row *r = &B.rows[B.nr++];
    *r = (struct row){ .v = v, .model = m, .group = group, .twin = twin,
                       .racy = v->racy_by_design };
    snprintf(r->label, sizeof r->label, "%s%s", v->name, m == LAB_PROCS ? "/procs" : "");
}

/* Threads: every twin, then liburcu's row. */
static void add_twin_rows(const struct opts *o)
{
    for (size_t t = 0; t <= NTWINS; t++) {
        const struct lab_variant *v = t < NTWINS ? &twin_variant[t] : &urcu_row;
        const char *group = t < NTWINS ? twins[t].info->group : "urcu";
        if (!wanted(o, v->name))
            continue;
        if (hidden(o, group) || v->unavailable)
            skip_row(v->name, v->unavailable ? v->unavailable
                                             : "--no-baseline: pretended absent");
        else
            add_row(v, LAB_THREADS, group, t < NTWINS);
    }
}

/* The lab's own variants (those no twin measures) and bare, on model m. */
static void add_lab_rows(const struct opts *o, enum lab_model m)
{
    for (size_t i = 0; i <= counter_lab.nvariants; i++) {
        const struct lab_variant *v = i < counter_lab.nvariants ? counter_lab.variants[i]
                                                                : &bare;
        if (!lab_variant_runs(v, m, NULL))
            continue;
        if ((m == LAB_THREADS && is_twin_name(v->name)) || !wanted(o, v->name))
            continue;   /* measured by its twin, or not asked for */
        const char *group = strcmp(v->name, "ao") == 0 ? "ao" : "lab";
        const char *why = v->unavailable                    ? v->unavailable
                          : hidden(o, group)                ? "--no-baseline: pretended absent"
                          : UTIL_TSAN && v->racy_by_design ? TSAN_RACY_WHY
                                                            : NULL;
        if (!why)
            add_row(v, m, group, false);
        else if (m == LAB_THREADS || !model_on(o, LAB_THREADS))
            skip_row(v->name, why);
    }
}

/* Rows: threads first (twins, then the lab's other variants, then bare),
 * then procs (the lab's variants, then bare). */
static void make_rows(const struct opts *o)
{
    twins_make();
    if (model_on(o, LAB_THREADS)) {
        add_twin_rows(o);
        add_lab_rows(o, LAB_THREADS);
    }
    if (model_on(o, LAB_PROCS))
        add_lab_rows(o, LAB_PROCS);
}

static int find(const char *name, enum lab_model m)
{
    for (unsigned k = 0; k < B.nr; k++)
        if (B.rows[k].model == m && strcmp(B.rows[k].v->name, name) == 0)
            return (int)k;
    return -1;
}

/* ---- one point (in its own process) ------------------------------------------ */

struct point_out {
    uint64_t observed, expected;
    uint64_t user_ns, sys_ns, vcsw, ivcsw;
    bool fair_valid;
    uint64_t fair_min, fair_max, reacq, ops;
};
_Static_assert(sizeof(struct point_out) <= BENCH_EXTRA, "struct point_out: too big");

static void usage_now(struct rusage *sum)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);   /* procs: the reaped workers */
    sum->ru_utime.tv_sec = self.ru_utime.tv_sec + kids.ru_utime.tv_sec;
    sum->ru_utime.tv_usec = self.ru_utime.tv_usec + kids.ru_utime.tv_usec;
    sum->ru_stime.tv_sec = self.ru_stime.tv_sec + kids.ru_stime.tv_sec;
    sum->ru_stime.tv_usec = self.ru_stime.tv_usec + kids.ru_stime.tv_usec;
    sum->ru_nvcsw = self.ru_nvcsw + kids.ru_nvcsw;
    sum->ru_nivcsw = self.ru_nivcsw + kids.ru_nivcsw;
}

static uint64_t tv_ns(struct timeval tv)
{
    return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

/* In the point's process, before its trial: SAME pins this (main) thread
 * to the first allowed CPU, so the runtime finds one CPU for several
 * workers, pins none, and each inherits ours. CROSS checks that the
 * runtime will give each worker its own CPU. 0, or -1 with the reason. */
static int place(int pin, unsigned workers, char *err, size_t errlen)
{
    int cpus[LAB_MAX_WORKERS];
    if (pin == PIN_SAME) {
        int rc = util_cpus_allowed(cpus, 1) > 0 ? util_pin_thread(cpus[0]) : EINVAL;
        if (rc != 0)
            snprintf(err, errlen, "--pin same: cannot pin to one CPU: %s", strerror(rc));
        return rc != 0 ? -1 : 0;
    }
    if (pin == PIN_CROSS && !lab_placement(workers, cpus)) {
        snprintf(err, errlen, "--pin cross: the runtime would not pin %u workers", workers);
        return -1;
    }
    return 0;
}

static int point(void *ctx, unsigned row, unsigned pt, struct bench_sample *out, char *err,
                 size_t errlen)
{
    struct counter_bench *b = ctx;
    const struct row *r = &b->rows[row];
    unsigned workers = b->o.workers[pt];
    struct lab_config cfg = { .model = r->model, .workers = workers, .iters = b->o.iters,
                              .timeout_s = (unsigned)b->o.budget_s + 5 };
    struct lab_trial t;
    struct rusage r0, r1;
    if (place(b->o.pin, workers, err, errlen) != 0)
        return -1;
    usage_now(&r0);
    int rc = lab_run_trial(&counter_lab, r->v, &cfg, &t, err, errlen);
    usage_now(&r1);
    if (rc != 0)
        return rc;
    if (t.outcome != LAB_OK) {
        snprintf(err, errlen, "%s: %s", lab_outcome_name(t.outcome), t.detail);
        return -1;
    }
    out->value = (double)t.wall_ns / ((double)workers * (double)b->o.iters);
    struct point_out *o = (struct point_out *)out->extra;
    *o = (struct point_out){
        .observed = t.observed, .expected = t.expected,
        .user_ns = tv_ns(r1.ru_utime) - tv_ns(r0.ru_utime),
        .sys_ns = tv_ns(r1.ru_stime) - tv_ns(r0.ru_stime),
        .vcsw = (uint64_t)(r1.ru_nvcsw - r0.ru_nvcsw),
        .ivcsw = (uint64_t)(r1.ru_nivcsw - r0.ru_nivcsw),
        .fair_valid = g_fair.valid, .fair_min = g_fair.min, .fair_max = g_fair.max,
        .reacq = g_fair.reacq, .ops = g_fair.ops };
    return 0;
}

/* In the parent, after each point that finished. */
static void got(void *ctx, unsigned row, unsigned pt, unsigned round,
                const struct bench_sample *s)
{
    (void)round;
    struct counter_bench *b = ctx;
    struct cx *c = &b->cx[row][pt];
    struct point_out o;
    memcpy(&o, s->extra, sizeof o);
    c->ops += (uint64_t)b->o.workers[pt] * b->o.iters;
    c->user_ns += o.user_ns;
    c->sys_ns += o.sys_ns;
    c->vcsw += o.vcsw;
    c->ivcsw += o.ivcsw;
    if (!b->rows[row].racy && o.observed != o.expected)
        c->wrong = true;
    if (o.fair_valid && o.fair_max > 0) {
        c->fmin[c->nfair] = o.fair_min;
        c->fmax[c->nfair++] = o.fair_max;
        c->fair_valid = true;
        c->reacq += o.reacq;
        c->fair_ops += o.ops;
    }
}

static const char *cell_name(void *ctx, unsigned row, unsigned pt, char *buf, size_t n)
{
    struct counter_bench *b = ctx;
    snprintf(buf, n, "%s x%u", b->rows[row].label, b->o.workers[pt]);
    return buf;
}

/* ---- the physical limits (in the parent, once per round) ------------------- */

#define LIMIT_BATCH 1000ul

struct pingpong {
    sync_atomic_u32 ball __attribute__((aligned(SYNC_CACHELINE)));
    sync_atomic_u32 quit;   /* ping could not start: pong leaves */
    unsigned long n;
    int cpu_a, cpu_b;
    double best;
};

static void *pong(void *arg)
{
    struct pingpong *p = arg;
    (void)util_pin_thread(p->cpu_b);   /* best effort */
    for (unsigned long i = 0; i < p->n; i++) {
        /* Acquire pairs with ping's release store of 1. */
        while (sync_load_u32(&p->ball, SYNC_ACQUIRE) != 1) {
            if (sync_load_u32(&p->quit, SYNC_RELAXED))
                return NULL;
            sync_cpu_relax();
        }
        sync_store_u32(&p->ball, 0, SYNC_RELEASE);   /* pairs with ping's acquire */
    }
    return NULL;
}

/* Timed in batches of LIMIT_BATCH round trips, and the fastest batch
 * counts: on a shared machine a batch in which either thread lost its CPU
 * measures the scheduler, not the cache. */
static void *ping(void *arg)
{
    struct pingpong *p = arg;
    (void)util_pin_thread(p->cpu_a);
    /* Let pong reach its CPU before the clock starts. */
    sync_store_u32(&p->ball, 1, SYNC_RELEASE);   /* pairs with pong's acquire */
    while (sync_load_u32(&p->ball, SYNC_ACQUIRE) != 0)   /* pairs with pong's release */
        sync_cpu_relax();
    p->best = INFINITY;
    for (unsigned long i = 1; i < p->n;) {
        unsigned long batch = p->n - i < LIMIT_BATCH ? p->n - i : LIMIT_BATCH;
        uint64_t t0 = util_now_ns();
        for (unsigned long k = 0; k < batch; k++) {
            sync_store_u32(&p->ball, 1, SYNC_RELEASE);   /* pairs with pong's acquire */
            while (sync_load_u32(&p->ball, SYNC_ACQUIRE) != 0)   /* pairs with pong's release */
                sync_cpu_relax();
        }
        p->best = fmin(p->best, (double)(util_now_ns() - t0) / (double)batch);
        i += batch;
    }
    return NULL;
}

/* The core-to-core cache-line round trip: ns for the line to go to the other
 * core and back, two threads pinned one per CPU (neither is the main thread,
 * whose affinity the points inherit). */
static double round_trip_ns(unsigned long n)
{
    if (B.cpu_b < 0)
        return NAN;
    static struct pingpong p;
    p.n = n;
    p.cpu_a = B.cpu_a;
    p.cpu_b = B.cpu_b;
    p.best = NAN;
    sync_store_u32(&p.ball, 0, SYNC_RELAXED);
    sync_store_u32(&p.quit, 0, SYNC_RELAXED);
    pthread_t a, b;
    if (pthread_create(&b, NULL, pong, &p) != 0)
        return NAN;
    if (pthread_create(&a, NULL, ping, &p) != 0)
        sync_store_u32(&p.quit, 1, SYNC_RELAXED);
    else
        pthread_join(a, NULL);
    pthread_join(b, NULL);
    return p.best;
}

/* The single-thread floors, fastest batch of LIMIT_BATCH x 10 too. */
static double plain_ns(unsigned long n)
{
    static uint64_t x;
    double best = INFINITY;
    for (unsigned long i = 0; i < n; i += 10 * LIMIT_BATCH) {
        uint64_t t0 = util_now_ns();
        for (unsigned long k = 0; k < 10 * LIMIT_BATCH; k++) {
            uint64_t v = LAB_LOAD(&x);
            LAB_STORE(&x, v + 1);
        }
        best = fmin(best, (double)(util_now_ns() - t0) / (10.0 * LIMIT_BATCH));
    }
    return best;
}

static double atomic_ns(unsigned long n)
{
    static sync_atomic_u64 x;
    double best = INFINITY;
    for (unsigned long i = 0; i < n; i += 10 * LIMIT_BATCH) {
        uint64_t t0 = util_now_ns();
        for (unsigned long k = 0; k < 10 * LIMIT_BATCH; k++)
            sync_fetch_add_u64(&x, 1, SYNC_RELAXED);
        best = fmin(best, (double)(util_now_ns() - t0) / (10.0 * LIMIT_BATCH));
    }
    return best;
}

static void limits_round(void *ctx, unsigned round)
{
    struct counter_bench *b = ctx;
    unsigned long n = b->o.c.quick ? 2000 : 200000;
    b->lim_runs[LIM_PLAIN][round] = plain_ns(n * 10);
    b->lim_runs[LIM_ATOMIC][round] = atomic_ns(n * 10);
    b->lim_runs[LIM_RT][round] = round_trip_ns(n);
}

/* ---- what the cells say --------------------------------------------------------- */

/* Cost level: |lim| are the limits' minima over the rounds - a physical
 * floor is best estimated by its fastest measurement on a busy machine. */
static int level_of(const struct bench_cell *c, const struct cx *x, const double *lim)
{
    if (c->status == BENCH_DNF)
        return 5;
    if (c->status != BENCH_OK || x->ops == 0)
        return -1;
    double cpu = (double)(x->user_ns + x->sys_ns);
    double sysfrac = cpu > 0 ? (double)x->sys_ns / cpu : 0;
    double csw = (double)(x->vcsw + x->ivcsw) / (double)x->ops;
    double rt = lim[LIM_RT];
    if (isfinite(rt) && c->med > 20 * rt && x->ivcsw > x->vcsw && sysfrac < 0.5)
        return 5;
    if (csw >= 1e-3)
        return 4;
    /* A system call costs hundreds of ns: at least 1 ns of kernel time per
     * operation (one call per few hundred operations), and a tenth of the CPU
     * time, so that thread creation in a short run does not count. */
    if (sysfrac >= 0.10 && (double)x->sys_ns / (double)x->ops >= 1.0)
        return 3;
    if (isfinite(rt) && c->med >= rt / 4)
        return 2;
    if (c->med >= (lim[LIM_PLAIN] + lim[LIM_ATOMIC]) / 2)
        return 1;
    return 0;
}

/* The round whose min/max ratio is the median (selection by counting: at
 * most MAX_REPS rounds). */
static void fair_median(struct cx *c)
{
    unsigned want = c->nfair / 2;
    for (unsigned i = 0; i < c->nfair; i++) {
        double ri = (double)c->fmin[i] / (double)c->fmax[i];
        unsigned below = 0, equal = 0;
        for (unsigned j = 0; j < c->nfair; j++) {
            double rj = (double)c->fmin[j] / (double)c->fmax[j];
            below += rj < ri;
            equal += rj == ri;
        }
        if (below <= want && want < below + equal) {
            c->fair_min = c->fmin[i];
            c->fair_max = c->fmax[i];
            return;
        }
    }
}

static void analyse(void)
{
    for (int l = 0; l < NLIMITS; l++) {
        double sp;
        bench_stats(B.lim_runs[l], B.o.reps, &B.lim[l], &B.lim_lo[l], &B.lim_hi[l], &sp);
    }
    B.mutex = find("mutex", LAB_THREADS);
    for (int m = 0; m < LAB_NMODELS; m++)
        for (unsigned p = 0; p < B.o.npoints; p++)
            B.best[m][p] = INFINITY;
    for (unsigned k = 0; k < B.nr; k++)
        for (unsigned p = 0; p < B.o.npoints; p++) {
            const struct bench_cell *c = bench_cell(&B.s, k, p);
            struct cx *x = &B.cx[k][p];
            if (c->status == BENCH_OK && c->runs > 0) {
                B.any_wrong |= x->wrong;
                if (!x->wrong && !B.rows[k].racy && c->med < B.best[B.rows[k].model][p])
                    B.best[B.rows[k].model][p] = c->med;
            }
            x->level = level_of(c, x, B.lim_lo);
            if (x->fair_valid)
                fair_median(x);
        }
}

static double med(unsigned k, unsigned p)
{
    return bench_cell(&B.s, k, p)->med;
}

static double vs_mutex(unsigned k, unsigned p)
{
    return B.mutex >= 0 && bench_cell(&B.s, (unsigned)B.mutex, p)->status == BENCH_OK
               ? med(k, p) / med((unsigned)B.mutex, p)
               : NAN;
}

static double vs_best(unsigned k, unsigned p)
{
    return med(k, p) / B.best[B.rows[k].model][p];
}

/* ---- targets: ratios read from this run ------------------------------------------ */

static int point_of(unsigned workers)
{
    for (unsigned p = 0; p < B.o.npoints; p++)
        if (B.o.workers[p] == workers)
            return (int)p;
    return -1;
}

static struct target *new_target(double value, double limit, const char *fmt, const char *arg)
{
    struct target *t = &B.targets[B.nt++];
    *t = (struct target){ .value = value, .limit = limit };
    snprintf(t->name, sizeof t->name, fmt, arg);
    t->known = isfinite(value);
    return t;
}

/* The fastest of our locks at 2 workers against the mutex. */
static void target_fastest(int p2)
{
    static const char *const ours[] = { "tas",   "ttas",  "ticket", "mcs",
                                        "tplock", "futex", "sem" };
    int b = -1;
    for (size_t l = 0; l < sizeof ours / sizeof ours[0]; l++) {
        int k = find(ours[l], LAB_THREADS);
        if (k >= 0 && bench_cell(&B.s, (unsigned)k, (unsigned)p2)->status == BENCH_OK &&
            (b < 0 || med((unsigned)k, (unsigned)p2) < med((unsigned)b, (unsigned)p2)))
            b = k;
    }
    new_target(b >= 0 ? vs_mutex((unsigned)b, (unsigned)p2) : NAN, 0.8,
               "fastest sync lock at 2 workers (%s) vs mutex", b >= 0 ? B.rows[b].label
                                                                      : "none");
}

/* Each lock at 8 workers against itself at 2; baselines only must finish. */
static void target_scaling(int p2, int p8)
{
    static const struct {
        const char *name;
        double limit;
    } scal[] = { { "tas", 1.5 },       { "ttas", 1.5 },   { "futex", 1.5 },
                 { "ticket", 20 },     { "mcs", 20 },     { "tplock", 3 },
                 { "mutex", NAN },
                 { "pthread_spin", NAN }, { "ck_ticket", NAN }, { "ck_mcs", NAN },
                 { "ck_fas", NAN } };
    for (size_t l = 0; l < sizeof scal / sizeof scal[0]; l++) {
        int k = find(scal[l].name, LAB_THREADS);
        if (k < 0)
            continue;
        struct target *t = new_target(med((unsigned)k, (unsigned)p8) /
                                          med((unsigned)k, (unsigned)p2),
                                      scal[l].limit, "%s at 8 workers vs its own 2-worker ns/op",
                                      scal[l].name);
        if (bench_cell(&B.s, (unsigned)k, (unsigned)p8)->status == BENCH_DNF)
            snprintf(t->note, sizeof t->note, "DNF: did not finish in %.1f s", B.o.budget_s);
        if (!isfinite(scal[l].limit))
            snprintf(t->note + strlen(t->note), sizeof t->note - strlen(t->note),
                     "%sa baseline, shown for comparison", *t->note ? "; " : "");
    }
}

/* Row a over row b at 2 workers, when both ran. */
static void target_pair(int p2, const char *a, enum lab_model ma, const char *b,
                        enum lab_model mb, double limit, const char *name)
{
    int ka = find(a, ma), kb = find(b, mb);
    if (ka >= 0 && kb >= 0)
        new_target(med((unsigned)ka, (unsigned)p2) / med((unsigned)kb, (unsigned)p2), limit,
                   "%s", name);
}

static void make_targets(void)
{
    int p2 = point_of(2), p8 = point_of(8);
    if (p2 < 0)
        return;
    if (B.mutex >= 0)
        target_fastest(p2);
    if (p8 >= 0)
        target_scaling(p2, p8);
    target_pair(p2, "sharded", LAB_THREADS, "racy", LAB_THREADS, 1.2,
                "sharded vs racy ns/op at 2 workers");
    target_pair(p2, "atomic", LAB_THREADS, "bare", LAB_THREADS, 1.1,
                "atomic vs bare fetch_add loop at 2 workers");
    target_pair(p2, "futex", LAB_PROCS, "futex", LAB_THREADS, 1.2,
                "process-shared futex vs private at 2 workers");
}

static bool target_met(const struct target *t)
{
    return t->known && (!isfinite(t->limit) || t->value <= t->limit);
}

/* ---- JSON Lines and CSV ------------------------------------------------------------ */

static const char *const csv_cols[] = {
    "kind", "name", "model", "group", "workers", "placement", "iters", "runs", "status",
    "ns_per_op", "min", "max", "mops", "vs_mutex", "vs_best", "level", "csw_per_op",
    "sys_ns_per_op", "fair_min", "fair_max", "reacq_pct", "correct", NULL,
};

static const char *status_name(enum bench_status s)
{
    return s == BENCH_OK ? "ok" : s == BENCH_DNF ? "dnf" : "failed";
}

static void emit_limits(enum bench_format fmt)
{
    for (int l = 0; l < NLIMITS; l++)
        BENCH_EMIT(stdout, fmt, csv_cols, "limit", BF_S("lab", "counter"),
                   BF_S("name", limit_names[l]), BF_S("placement", limit_place[l]),
                   BF_IF(fmt == BENCH_CSV, BF_U("runs", B.o.reps)),
                   BF_IF(fmt == BENCH_CSV, BF_S("status", "ok")), BF_N("ns_per_op", B.lim[l]),
                   BF_N("min", B.lim_lo[l]), BF_N("max", B.lim_hi[l]),
                   BF_IF(fmt == BENCH_JSON, BF_U("runs", B.o.reps)));
}

static void emit_cell(enum bench_format fmt, unsigned k, unsigned p)
{
    const struct bench_cell *c = bench_cell(&B.s, k, p);
    const struct cx *x = &B.cx[k][p];
    const struct row *r = &B.rows[k];
    double csw = x->ops ? (double)(x->vcsw + x->ivcsw) / (double)x->ops : NAN;
    double sys = x->ops ? (double)x->sys_ns / (double)x->ops : NAN;
    double reacq = x->fair_ops ? 100.0 * (double)x->reacq / (double)x->fair_ops : NAN;
    BENCH_EMIT(stdout, fmt, csv_cols, "bench", BF_S("lab", "counter"), BF_S("name", r->v->name),
               BF_S("model", lab_model_name(r->model)), BF_S("group", r->group),
               BF_U("workers", B.o.workers[p]),
               BF_IF(B.o.pin != PIN_AUTO, BF_S("placement", pin_place[B.o.pin])),
               BF_U("iters", B.o.iters), BF_U("runs", c->runs),
               BF_S("status", status_name(c->status)), BF_N("ns_per_op", c->med),
               BF_N("min", c->min), BF_N("max", c->max), BF_N("mops", 1e3 / c->med),
               BF_N("vs_mutex", vs_mutex(k, p)), BF_N("vs_best", vs_best(k, p)),
               BF_NP("level", x->level, 0), BF_N("csw_per_op", csw), BF_N("sys_ns_per_op", sys),
               x->fair_valid ? BF_U("fair_min", x->fair_min) : BF_N("fair_min", NAN),
               x->fair_valid ? BF_U("fair_max", x->fair_max) : BF_N("fair_max", NAN),
               BF_N("reacq_pct", reacq), BF_B("correct", !x->wrong),
               BF_IF(c->status != BENCH_OK && fmt == BENCH_JSON, BF_S("why", c->why)));
}

static void emit_records(enum bench_format fmt)
{
    if (fmt == BENCH_CSV)
        bench_csv_header(stdout, csv_cols);
    emit_limits(fmt);
    for (unsigned s = 0; s < B.nskipped && fmt == BENCH_JSON; s++)
        BENCH_EMIT(stdout, fmt, NULL, "skipped", BF_S("lab", "counter"),
                   BF_S("name", B.skipped[s].name), BF_S("reason", B.skipped[s].why));
    for (unsigned k = 0; k < B.nr; k++)
        for (unsigned p = 0; p < B.o.npoints; p++)
            emit_cell(fmt, k, p);
    for (unsigned i = 0; i < B.nt && fmt == BENCH_JSON; i++) {
        const struct target *t = &B.targets[i];
        BENCH_EMIT(stdout, fmt, NULL, "target", BF_S("lab", "counter"), BF_S("name", t->name),
                   BF_N("value", t->value), BF_N("limit", t->limit), BF_B("met", target_met(t)),
                   BF_B("baseline", !isfinite(t->limit)));   /* no limit: only must finish */
    }
}

/* ---- charts ---------------------------------------------------------------------------- */

static enum lab_model plot_model;

static bool on_plot_model(void *ctx, unsigned row)
{
    (void)ctx;
    return B.rows[row].model == plot_model;
}

static int plot(void)
{
    double xs[MAX_POINTS];
    const char *names[MAX_ROWS];
    for (unsigned p = 0; p < B.o.npoints; p++)
        xs[p] = B.o.workers[p];
    for (unsigned k = 0; k < B.nr; k++)
        names[k] = B.rows[k].label;
    for (int m = 0; m < 2; m++) {
        char path[4096], title[160];
        plot_model = (enum lab_model)m;
        snprintf(path, sizeof path, "%s/counter-%s.svg", B.o.c.plot,
                 m == 0 ? "threads" : "procs");
        snprintf(title, sizeof title, "bench-counter (%s): ns/op against workers, median of "
                 "%u, %u CPUs (gaps: DNF)", lab_model_name(plot_model), B.o.reps, B.mach.cpus);
        if (bench_plot_ns_workers(&B.s, path, title, xs, names, on_plot_model, B.o.c.fmt) != 0)
            return 1;
    }
    return 0;
}

/* ---- tables for people ---------------------------------------------------------------- */

static void print_header(void)
{
    bench_print_title(prog, B.o.reps, B.o.iters, "increments", B.o.c.quick);
    bench_machine_print(stdout, &B.mach, prog, BENCH_HUMAN);
    printf("atomics: %s; each point in its own process, DNF after %.1f s\n",
           lab_atomics_backend(), B.o.budget_s);
    if (B.o.pin != PIN_AUTO)
        printf("workers pinned: %s\n", B.o.pin == PIN_SAME ? "all on one CPU (--pin same)"
                                                          : "one CPU each (--pin cross)");
    for (unsigned s = 0; s < B.nskipped; s++)
        printf("skipped %s: %s\n", B.skipped[s].name, B.skipped[s].why);
    printf("\n");
}

static void print_limits(void)
{
    printf("physical limits (median of %u, min-max; the cost levels use the min):\n", B.o.reps);
    for (int l = 0; l < NLIMITS; l++) {
        if (isfinite(B.lim[l]))
            printf("  %-26s %8.1f ns  (%.1f-%.1f)%s\n", limit_names[l], B.lim[l], B.lim_lo[l],
                   B.lim_hi[l], l == LIM_RT ? "  two threads pinned to two CPUs" : "");
        else
            printf("  %-26s      n/a     (only one CPU usable)\n", limit_names[l]);
    }
}

/* ns/op and level of every row at every worker count. */
static void print_overview(void)
{
    struct bench_col cols[1 + MAX_POINTS] = { { "variant", -16, 0 } };
    char heads[MAX_POINTS][24], cells[MAX_POINTS][32];
    const char *cellp[1 + MAX_POINTS];
    for (unsigned p = 0; p < B.o.npoints; p++) {
        snprintf(heads[p], sizeof heads[p], "%7u wkr  L", B.o.workers[p]);
        cols[p + 1] = (struct bench_col){ heads[p], 14, 0 };
    }
    printf("\n  ns/op by worker count (L = cost level; DNF = not finished in %.1f s)\n",
           B.o.budget_s);
    bench_table_head(stdout, cols, 1 + B.o.npoints);
    for (unsigned k = 0; k < B.nr; k++) {
        if (k > 0 && B.rows[k].model != B.rows[k - 1].model)
            printf("\n");
        cellp[0] = B.rows[k].label;
        for (unsigned p = 0; p < B.o.npoints; p++) {
            const struct bench_cell *c = bench_cell(&B.s, k, p);
            if (c->status == BENCH_OK)
                snprintf(cells[p], sizeof cells[p], "%11.2f%s %d", c->med,
                         B.cx[k][p].wrong ? "!" : " ", B.cx[k][p].level);
            else
                snprintf(cells[p], sizeof cells[p], "%11s  %s",
                         c->status == BENCH_DNF ? "DNF" : "FAILED",
                         c->status == BENCH_DNF ? "5" : "-");
            cellp[p + 1] = cells[p];
        }
        bench_table_row(stdout, cols, 1 + B.o.npoints, cellp, NULL);
    }
}

static const struct bench_col wcols[] = {
    { "variant", -16, 0 }, { "ns/op", 10, 0 },   { "spread", 7, 0 },    { "Mops/s", 9, 0 },
    { "vs mutex", 8, 0 },  { "vs best", 8, 0 },  { "L", 2, 0 },         { "csw/kop", 9, 0 },
    { "sys ns/op", 9, 0 }, { "fair", 6, 0 },     { "reacq", 6, 0 },
};
#define NWCOLS (sizeof wcols / sizeof wcols[0])

static void print_worker_row(unsigned k, unsigned p)
{
    const struct bench_cell *c = bench_cell(&B.s, k, p);
    const struct cx *x = &B.cx[k][p];
    char v[NWCOLS][24];
    const char *cells[NWCOLS] = { B.rows[k].label };
    if (c->status != BENCH_OK) {
        char tail[300];
        snprintf(tail, sizeof tail, "  %s", c->why);
        cells[1] = c->status == BENCH_DNF ? "DNF" : "FAILED";
        bench_table_row(stdout, wcols, 2, cells, tail);
        return;
    }
    for (size_t i = 1; i < NWCOLS; i++)
        snprintf(v[i], sizeof v[i], "-");
    snprintf(v[1], sizeof v[1], "%.2f", c->med);
    snprintf(v[2], sizeof v[2], "%.0f%%", 100 * c->spread);
    snprintf(v[3], sizeof v[3], "%.2f", 1e3 / c->med);
    if (isfinite(vs_mutex(k, p)))
        snprintf(v[4], sizeof v[4], "%.2fx", vs_mutex(k, p));
    if (isfinite(vs_best(k, p)))
        snprintf(v[5], sizeof v[5], "%.2fx", vs_best(k, p));
    snprintf(v[6], sizeof v[6], "%d", x->level);
    snprintf(v[7], sizeof v[7], "%.3f", 1e3 * (double)(x->vcsw + x->ivcsw) / (double)x->ops);
    snprintf(v[8], sizeof v[8], "%.1f", (double)x->sys_ns / (double)x->ops);
    if (x->fair_valid)
        snprintf(v[9], sizeof v[9], "%.2f", (double)x->fair_min / (double)x->fair_max);
    if (x->fair_ops)
        snprintf(v[10], sizeof v[10], "%.0f%%", 100.0 * (double)x->reacq / (double)x->fair_ops);
    for (size_t i = 1; i < NWCOLS; i++)
        cells[i] = v[i];
    bench_table_row(stdout, wcols, NWCOLS, cells, x->wrong ? "  WRONG" : "");
}

static void print_workers(void)
{
    for (unsigned p = 0; p < B.o.npoints; p++) {
        printf("\n  %u worker%s%s\n", B.o.workers[p], B.o.workers[p] == 1 ? "" : "s",
               B.o.workers[p] > B.mach.allowed ? " (oversubscribed)" : "");
        bench_table_head(stdout, wcols, NWCOLS);
        for (unsigned k = 0; k < B.nr; k++) {
            if (k > 0 && B.rows[k].model != B.rows[k - 1].model)
                printf("\n");
            print_worker_row(k, p);
        }
    }
    printf("\n  spread = (max-min)/median of the rounds; csw/kop = context switches per 1000 "
           "operations;\n  sys ns/op = kernel time per operation; fair = the slowest worker's "
           "operations over\n  the fastest's when the first worker finished (median round); "
           "reacq = acquisitions\n  by the thread that had just released the lock\n");
    printf("  mutex = glibc pthread_mutex on threads at the same worker count; best = the "
           "fastest\n  correct row of the same model; L: 0 plain, 1 uncontended atomic, 2 "
           "contended\n  (cache-line transfers), 3 system call, 4 context switch, 5 "
           "catastrophe (spinning\n  oversubscribed, or DNF) - from getrusage and the limits "
           "above, not from names;\n  NAME/procs = worker processes over shared memory; "
           "! = a fixed variant was wrong\n");
}

static void print_targets(void)
{
    if (B.nt > 0)
        printf("\ntargets (ratios from this run):\n");
    for (unsigned i = 0; i < B.nt; i++) {
        const struct target *t = &B.targets[i];
        char lim_s[24], val[24];
        if (isfinite(t->limit))
            snprintf(lim_s, sizeof lim_s, "target <= %.2fx", t->limit);
        else
            snprintf(lim_s, sizeof lim_s, "must finish");
        bool met = target_met(t);
        const char *verdict = isfinite(t->limit) ? (met ? "met" : "MISSED")
                                                 : (met ? "finished" : "did not finish");
        if (t->known)
            snprintf(val, sizeof val, "%7.2fx", t->value);
        else
            snprintf(val, sizeof val, "%8s", "n/a");
        printf("  %-52s %s  (%s)  %s%s%s\n", t->name, val, lim_s, verdict,
               *t->note ? "  " : "", t->note);
    }
    printf("\n  %s; sweep took %.0f s\n",
           B.any_wrong ? "a fixed variant was WRONG"
           : B.s.any_failed ? "a point FAILED (see above)" : "every fixed variant exact",
           B.s.elapsed_s);
}

static void print_tables(void)
{
    print_limits();
    print_overview();
    print_workers();
    print_targets();
}

/* ---- main ---------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    int rc = parse(argc, argv, &B.o);
    if (rc >= 0)
        return rc;
    int pair[2];
    B.cpu_a = 0;
    B.cpu_b = -1;
    if (util_cpu_pair(pair) == 2) {
        B.cpu_a = pair[0];
        B.cpu_b = pair[1];
    }
    make_rows(&B.o);
    bench_machine_get(&B.mach);
    if (B.o.c.fmt == BENCH_HUMAN)
        print_header();
    else
        bench_machine_print(stdout, &B.mach, prog, B.o.c.fmt);
    B.s = (struct bench_sweep){ .prog = prog, .nrows = B.nr, .npoints = B.o.npoints,
                                .rounds = B.o.reps, .budget_s = B.o.budget_s, .ctx = &B,
                                .point = point, .round_start = limits_round, .got = got,
                                .name = cell_name };
    if (bench_sweep_run(&B.s) != 0)
        return 1;
    analyse();
    make_targets();
    static const struct bench_outputs out = { .records = emit_records, .plot = plot,
                                              .tables = print_tables };
    if (bench_outputs_write(&out, B.o.c.fmt, B.o.c.plot != NULL) != 0)
        return 1;
    return B.any_wrong || B.s.any_failed ? 1 : 0;
}
