/* bench-rwlock: what a readers-writer lock costs, ours beside glibc's and
 * Concurrency Kit's, at 1, 2, 4 and 8 workers and 50, 90 and 99 % reads, in
 * one run.
 *
 * Rows: every readers-writer lock descriptor (labs/common/desc/rwlocks.h)
 * this build offers; the others are skipped with their reason (Concurrency
 * Kit absent, or ThreadSanitizer, which cannot see its atomics).
 *
 * Points: workers x read ratio. Each worker does --iters operations; each
 * operation is a read with the point's probability, chosen by the worker's
 * own xorshift generator (no shared RNG). A read takes the read lock and
 * checks that the WORDS plain words of a small shared struct agree (a torn
 * read, seen beside a writer, makes the cell WRONG); a write takes the write
 * lock and sets them all to one new value (and counts itself, so a lost write
 * is WRONG too). ns/op = wall time from the start gate to the last join,
 * divided by workers x iterations.
 *
 * Writer starvation: when the first worker finishes, it snapshots every
 * worker's reads and writes done. "wshare" is the writes' part of what was
 * done then, over the point's write ratio (1.00: writes went at their share).
 * Every worker runs its own fixed sequence of reads and writes, so a starved
 * write holds up its worker's later reads too: wshare stays near 1 by
 * construction, and starvation shows as waiting instead. One write in
 * WAIT_SAMPLE is timed from its write_acquire call to its entry ("w wait":
 * mean, "w max": longest; each the median over rounds), so the clock costs every row
 * alike and little; "fair" is the slowest worker's operations over the
 * fastest's at that snapshot.
 *
 * Every point runs in its own process with a time budget (the bench driver,
 * labs/bench/bench.h), rounds interleaved (A B C A B C); a point past the
 * budget is DNF and not retried. Ratios to pthread_rwlock are medians of the
 * per-round ratios: the two ran in the same round, so a slow spell of this
 * shared machine hits both. 8 workers on 2 CPUs is oversubscription on
 * purpose: Concurrency Kit's locks spin without yielding, ours sleep. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "desc/rwlocks.h"
#include "lab.h"
#include "sync/atomic.h"
#include "util/time.h"

static const char *const prog = "bench-rwlock";

#define WORDS 4u              /* words of the shared struct */
#define LOCK_BYTES 256u
#define MAX_THREADS 64u
#define MAX_W 8u              /* worker counts in --workers */
#define MAX_R 8u              /* read ratios in --reads */
#define MAX_POINTS (MAX_W * MAX_R)
#define WAIT_SAMPLE 16u       /* one write in this many is timed */

/* ---- one point's shared state and a worker's tally ----------------------------- */

struct data {
    uint64_t w[WORDS];        /* plain: under the lock */
    uint64_t writes;          /* plain: under the write lock */
};

struct slot {
    sync_atomic_u64 reads, writes;   /* progress, stored every 64 operations */
    uint64_t torn, wsum, wn, wmax;   /* the final tally, read after the join */
} __attribute__((aligned(SYNC_CACHELINE)));

struct run {
    _Alignas(SYNC_CACHELINE) unsigned char lock[LOCK_BYTES];
    _Alignas(SYNC_CACHELINE) struct data d;
    _Alignas(SYNC_CACHELINE) struct bench_gate gate;
    uint64_t iters;
    unsigned pct, workers;
    sync_atomic_u32 first;                 /* 0 until the first worker finished */
    uint64_t snap_r[MAX_THREADS], snap_w[MAX_THREADS];   /* by the first finisher */
    struct slot slot[MAX_THREADS];
};

struct worker {
    struct run *r;
    unsigned idx;
    uint64_t seed;
};

struct tally {
    uint64_t seed, reads, writes, torn, wsum, wn, wmax;
};

_Static_assert(sizeof(rwlockd_sync_rwlock_t) <= LOCK_BYTES, "room for the lock");

/* xorshift64: true with probability pct %. */
static inline bool pick_read(uint64_t *s, unsigned pct)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return ((*s >> 32) * 100u >> 32) < pct;
}

/* Call with the read lock held: 1 when the words disagree (a torn read). */
static inline uint64_t read_section(const struct data *d)
{
    uint64_t v = d->w[0], bad = 0;
    for (unsigned k = 1; k < WORDS; k++)
        bad |= d->w[k] != v;
    return bad;
}

/* Call with the write lock held. */
static inline void write_section(struct data *d)
{
    uint64_t v = d->w[0] + 1;
    for (unsigned k = 0; k < WORDS; k++)
        d->w[k] = v;
    d->writes++;
}

static inline uint64_t wait_start(const struct tally *t)
{
    return t->writes % WAIT_SAMPLE == 0 ? util_now_ns() : 0;
}

static inline void wait_end(struct tally *t, uint64_t t0)
{
    if (t0 != 0) {
        uint64_t dt = util_now_ns() - t0;
        t->wsum += dt;
        t->wn++;
        t->wmax = dt > t->wmax ? dt : t->wmax;
    }
    t->writes++;
}

static inline void progress(struct run *r, unsigned w, const struct tally *t)
{
    sync_store_u64(&r->slot[w].reads, t->reads, SYNC_RELAXED);
    sync_store_u64(&r->slot[w].writes, t->writes, SYNC_RELAXED);
}

static void finish(struct run *r, unsigned w, const struct tally *t)
{
    progress(r, w, t);
    struct slot *s = &r->slot[w];
    s->torn = t->torn;
    s->wsum = t->wsum;
    s->wn = t->wn;
    s->wmax = t->wmax;
    /* Relaxed: a sample of progress counters, ordering nothing; the join
     * publishes snap_* to the point. */
    if (sync_exchange_u32(&r->first, 1, SYNC_RELAXED) != 0)
        return;
    for (unsigned k = 0; k < r->workers; k++) {
        r->snap_r[k] = sync_load_u64(&r->slot[k].reads, SYNC_RELAXED);
        r->snap_w[k] = sync_load_u64(&r->slot[k].writes, SYNC_RELAXED);
    }
}

/* A row's calls and worker loop, generated from its descriptor: no indirect
 * call per operation. */
#define ROW(id)                                                                      \
    static int row_##id##_init(void *l, unsigned f) { return rwlockd_##id##_init(l, f); } \
    static void row_##id##_fini(void *l) { rwlockd_##id##_fini(l); }                 \
    _Static_assert(sizeof(rwlockd_##id##_t) <= LOCK_BYTES, "room for " #id);          \
    static void *row_##id##_work(void *arg)                                          \
    {                                                                                \
        struct worker *w = arg;                                                      \
        struct run *r = w->r;                                                        \
        rwlockd_##id##_t *l = (void *)r->lock;                                       \
        struct tally t = { .seed = w->seed };                                        \
        bench_gate_wait(&r->gate);                                                   \
        for (uint64_t i = 1; i <= r->iters; i++) {                                   \
            if (pick_read(&t.seed, r->pct)) {                                        \
                rwlockd_##id##_read_acquire(l);                                      \
                t.torn += read_section(&r->d);                                       \
                rwlockd_##id##_read_release(l);                                      \
                t.reads++;                                                           \
            } else {                                                                 \
                uint64_t t0 = wait_start(&t);                                        \
                rwlockd_##id##_write_acquire(l);                                     \
                wait_end(&t, t0);                                                    \
                write_section(&r->d);                                                \
                rwlockd_##id##_write_release(l);                                     \
            }                                                                        \
            if ((i & 63) == 0)                                                       \
                progress(r, w->idx, &t);                                             \
        }                                                                            \
        finish(r, w->idx, &t);                                                       \
        return NULL;                                                                 \
    }
RWLOCKD_ALL(ROW)

struct lockrow {
    const struct rwlockd_info *info;
    int (*init)(void *l, unsigned flags);
    void (*fini)(void *l);
    void *(*work)(void *arg);
};
#define ROW_ENTRY(id) { &rwlockd_##id##_info, row_##id##_init, row_##id##_fini, row_##id##_work },
static const struct lockrow all_rows[] = { RWLOCKD_ALL(ROW_ENTRY) };
#define NALL (sizeof all_rows / sizeof all_rows[0])

/* ---- options ------------------------------------------------------------------ */

struct opts {
    struct bench_common c;
    unsigned workers[MAX_W], nw;
    unsigned reads[MAX_R], nr;
    uint64_t iters;
    unsigned reps;
    double budget_s;
    bool selected[NALL];
    bool iters_set, reps_set, workers_set, reads_set, budget_set;
};

static int parse_list(const char *val, uint64_t min, uint64_t max, unsigned *out, unsigned *n,
                      char *err, size_t errlen)
{
    uint64_t v[MAX_W > MAX_R ? MAX_W : MAX_R];
    size_t k;
    if (util_list_u64(val, min, max, v, MAX_W, &k, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < k; i++)
        out[i] = (unsigned)v[i];
    *n = (unsigned)k;
    return 0;
}

static int parse_workers(const char *val, void *dest, char *err, size_t errlen)
{
    struct opts *o = dest;
    o->workers_set = true;
    return parse_list(val, 1, MAX_THREADS, o->workers, &o->nw, err, errlen);
}

static int parse_reads(const char *val, void *dest, char *err, size_t errlen)
{
    struct opts *o = dest;
    o->reads_set = true;
    return parse_list(val, 0, 100, o->reads, &o->nr, err, errlen);
}

static int parse_locks(const char *val, void *dest, char *err, size_t errlen)
{
    bool *sel = dest;
    char buf[256], *items[NALL + 1];
    size_t n;
    if (util_list_split(val, buf, sizeof buf, items, NALL + 1, &n, err, errlen) != 0)
        return -1;
    memset(sel, 0, NALL * sizeof *sel);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < NALL && strcmp(items[i], all_rows[k].info->label) != 0)
            k++;
        if (k == NALL) {
            snprintf(err, errlen, "no such lock '%s' (sync_rwlock, sync_pfrwlock, "
                     "pthread_rwlock, pthread_rwlock_wp, ck_rwlock, ck_pflock)", items[i]);
            return -1;
        }
        sel[k] = true;
    }
    return 0;
}

static void quick_sizes(struct opts *o)
{
    static const unsigned qw[] = { 1, 2 }, qr[] = { 50, 90 };
    if (!o->iters_set)
        o->iters = 2000;
    if (!o->reps_set)
        o->reps = 1;
    if (!o->workers_set) {
        memcpy(o->workers, qw, sizeof qw);
        o->nw = 2;
    }
    if (!o->reads_set) {
        memcpy(o->reads, qr, sizeof qr);
        o->nr = 2;
    }
}

static int parse(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){ .workers = { 1, 2, 4, 8 }, .nw = 4, .reads = { 50, 90, 99 }, .nr = 3,
                        .iters = 500000, .reps = 5, .budget_s = 4 };
    for (size_t k = 0; k < NALL; k++)
        o->selected[k] = true;
    const struct util_opt opts[] = {
        { .name = "workers", .kind = UTIL_OPT_CUSTOM, .dest = o, .arg = "LIST",
          .help = "up to 8 comma-separated worker counts, 1 to 64 (default 1,2,4,8)",
          .parse = parse_workers },
        { .name = "reads", .kind = UTIL_OPT_CUSTOM, .dest = o, .arg = "LIST",
          .help = "up to 8 comma-separated read percentages, 0 to 100 (default 50,90,99)",
          .parse = parse_reads },
        { .name = "iters", .kind = UTIL_OPT_U64, .dest = &o->iters, .arg = "N",
          .help = "operations per worker per point (default 500000)", .min = 1,
          .max = (double)LAB_MAX_ITERS, .seen = &o->iters_set },
        BENCH_ROUND_OPTS(&o->reps, &o->reps_set, BENCH_MAX_ROUNDS, "5", &o->budget_s, "4"),
        { .name = "locks", .kind = UTIL_OPT_CUSTOM, .dest = o->selected, .arg = "LIST",
          .help = "only these rows, e.g. sync_rwlock,pthread_rwlock (default all built in)",
          .parse = parse_locks },
        BENCH_COMMON_OPTS(&o->c, "tiny sizes (1,2 workers, 50,90 % reads, 2000 operations, "
                          "1 round): a smoke test",
                          "also write DIR/rwlock-<reads>.svg: ns/op against workers, a line "
                          "per lock"),
        { .name = NULL },
    };
    const struct util_cmdline cl = {
        .prog = prog, .usage = "[OPTIONS]", .opts = opts,
        .summary = "ns/op of every readers-writer lock at each worker count and read ratio, "
                   "median of interleaved rounds, beside pthread_rwlock",
    };
    int rc = bench_parse(&cl, argc, argv, &o->c);
    if (rc < 0 && o->c.quick)
        quick_sizes(o);
    return rc;
}

/* ---- the run's state ---------------------------------------------------------- */

/* What a cell gathers beside its ns/op (the driver keeps those). */
struct cx {
    bool wrong;
    unsigned n;                               /* rounds that gave figures */
    double wshare[BENCH_MAX_ROUNDS], fair[BENCH_MAX_ROUNDS];
    double wmean[BENCH_MAX_ROUNDS], wmax[BENCH_MAX_ROUNDS];   /* writer waits, ns */
    double wshare_med, fair_med, wmean_med, wmax_med, vs_pthread;   /* medians */
};

struct target {
    char name[96];
    double value, limit;      /* limit INFINITY: only must finish */
    bool known;
    bool dnf;                 /* a ratio's cell did not finish: no ratio */
};

static struct rw_bench {
    struct opts o;
    unsigned row[NALL], nrows;               /* row -> index into all_rows */
    struct cx cx[NALL][MAX_POINTS];
    int pthread_row;                          /* the pthread_rwlock row, or -1 */
    bool any_wrong;
    struct target targets[12];
    unsigned nt;
    struct bench_sweep s;
    struct bench_machine mach;
} B;

static unsigned npoints(void)
{
    return B.o.nw * B.o.nr;
}

/* Point p: read ratio p / nw, worker count p % nw (ratio-major). */
static unsigned pt_workers(unsigned p)
{
    return B.o.workers[p % B.o.nw];
}

static unsigned pt_reads(unsigned p)
{
    return B.o.reads[p / B.o.nw];
}

static const struct lockrow *row_of(unsigned k)
{
    return &all_rows[B.row[k]];
}

/* ---- one point (in its own process) -------------------------------------------- */

struct point_out {
    uint64_t torn, lost;
    double wshare, fair;
    uint64_t wsum, wn, wmax;
};
_Static_assert(sizeof(struct point_out) <= BENCH_EXTRA, "struct point_out: too big");

/* The snapshot's figures: write share and slowest/fastest worker. */
static void snapshot_figures(const struct run *r, struct point_out *o)
{
    uint64_t sr = 0, sw = 0, lo = UINT64_MAX, hi = 0;
    for (unsigned k = 0; k < r->workers; k++) {
        uint64_t ops = r->snap_r[k] + r->snap_w[k];
        sr += r->snap_r[k];
        sw += r->snap_w[k];
        lo = ops < lo ? ops : lo;
        hi = ops > hi ? ops : hi;
    }
    double share = (100.0 - r->pct) / 100.0;
    o->wshare = share > 0 && sr + sw > 0 ? (double)sw / (double)(sr + sw) / share : NAN;
    o->fair = hi > 0 ? (double)lo / (double)hi : NAN;
}

static void tally_figures(const struct run *r, struct point_out *o)
{
    uint64_t writes = 0;
    for (unsigned k = 0; k < r->workers; k++) {
        const struct slot *s = &r->slot[k];
        writes += sync_load_u64(&s->writes, SYNC_RELAXED);
        o->torn += s->torn;
        o->wsum += s->wsum;
        o->wn += s->wn;
        o->wmax = s->wmax > o->wmax ? s->wmax : o->wmax;
    }
    o->lost = r->d.writes != writes;
    snapshot_figures(r, o);
}

static int point(void *ctx, unsigned row, unsigned pt, struct bench_sample *out, char *err,
                 size_t errlen)
{
    (void)ctx;
    const struct lockrow *lr = row_of(row);
    static struct run r;
    static struct worker w[MAX_THREADS];
    pthread_t t[MAX_THREADS];
    memset(&r, 0, sizeof r);
    r.iters = B.o.iters;
    r.pct = pt_reads(pt);
    r.workers = pt_workers(pt);
    int rc = lr->init(r.lock, 0);
    if (rc != 0) {
        snprintf(err, errlen, "%s: init failed: %s", lr->info->label, strerror(rc));
        return -1;
    }
    for (unsigned i = 0; i < r.workers; i++) {
        w[i] = (struct worker){ &r, i, (0x9E3779B97F4A7C15ull * (i + 1) ^ (pt + 1)) | 1 };
        if (pthread_create(&t[i], NULL, lr->work, &w[i]) != 0) {
            snprintf(err, errlen, "cannot create worker %u", i);
            return -1;   /* the process ends: no join needed */
        }
    }
    uint64_t t0 = bench_gate_open(&r.gate, r.workers);
    for (unsigned i = 0; i < r.workers; i++)
        pthread_join(t[i], NULL);
    uint64_t t1 = util_now_ns();
    lr->fini(r.lock);
    out->value = (double)(t1 - t0) / ((double)r.workers * (double)r.iters);
    struct point_out o = { 0 };
    tally_figures(&r, &o);
    memcpy(out->extra, &o, sizeof o);
    return 0;
}

/* In the parent, after each point that finished. */
static void got(void *ctx, unsigned row, unsigned pt, unsigned round,
                const struct bench_sample *s)
{
    (void)ctx;
    (void)round;
    struct cx *c = &B.cx[row][pt];
    struct point_out o;
    memcpy(&o, s->extra, sizeof o);
    c->wrong |= o.torn != 0 || o.lost != 0;
    c->wshare[c->n] = o.wshare;
    c->fair[c->n] = o.fair;
    c->wmean[c->n] = o.wn ? (double)o.wsum / (double)o.wn : NAN;
    c->wmax[c->n++] = o.wn ? (double)o.wmax : NAN;
}

static const char *cell_name(void *ctx, unsigned row, unsigned pt, char *buf, size_t n)
{
    (void)ctx;
    snprintf(buf, n, "%s x%u %u%% reads", row_of(row)->info->label, pt_workers(pt),
             pt_reads(pt));
    return buf;
}

/* ---- what the cells say --------------------------------------------------------- */

/* The median of the finite values of v[0..n), NAN without any. */
static double finite_median(const double *v, unsigned n)
{
    double f[BENCH_MAX_ROUNDS], m, lo, hi, sp;
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++)
        if (isfinite(v[i]))
            f[k++] = v[i];
    if (k == 0)
        return NAN;
    bench_stats(f, k, &m, &lo, &hi, &sp);
    return m;
}

/* Median over rounds of row a's value over row b's at point p. */
static double round_ratio(unsigned a, unsigned b, unsigned p)
{
    const struct bench_cell *ca = bench_cell(&B.s, a, p), *cb = bench_cell(&B.s, b, p);
    double v[BENCH_MAX_ROUNDS];
    for (unsigned r = 0; r < B.s.rounds; r++)
        v[r] = ca->round[r] / cb->round[r];
    return finite_median(v, B.s.rounds);
}

static void analyse(void)
{
    B.pthread_row = -1;
    for (unsigned k = 0; k < B.nrows; k++)
        if (strcmp(row_of(k)->info->id, "pthread_rwlock") == 0)
            B.pthread_row = (int)k;
    for (unsigned k = 0; k < B.nrows; k++)
        for (unsigned p = 0; p < npoints(); p++) {
            struct cx *c = &B.cx[k][p];
            B.any_wrong |= c->wrong;
            c->wshare_med = finite_median(c->wshare, c->n);
            c->fair_med = finite_median(c->fair, c->n);
            c->wmax_med = finite_median(c->wmax, c->n);
            c->wmean_med = finite_median(c->wmean, c->n);
            c->vs_pthread = B.pthread_row >= 0 ? round_ratio(k, (unsigned)B.pthread_row, p)
                                               : NAN;
        }
}

/* ---- targets: ratios read from this run ------------------------------------------ */

static int find_row(const char *id)
{
    for (unsigned k = 0; k < B.nrows; k++)
        if (strcmp(row_of(k)->info->id, id) == 0)
            return (int)k;
    return -1;
}

static int find_point(unsigned workers, unsigned reads)
{
    for (unsigned p = 0; p < npoints(); p++)
        if (pt_workers(p) == workers && pt_reads(p) == reads)
            return (int)p;
    return -1;
}

/* a's ns/op (wait: its w max) over b's at the point, at most |limit|. */
static void target_ratio(const char *a, const char *b, unsigned workers, unsigned reads,
                         bool wait, double limit, const char *what)
{
    struct target *t = &B.targets[B.nt++];
    int ka = find_row(a), kb = find_row(b), p = find_point(workers, reads);
    snprintf(t->name, sizeof t->name, "%s / %s at %u workers %u%% reads%s", a, b, workers,
             reads, what);
    t->limit = limit;
    t->known = ka >= 0 && kb >= 0 && p >= 0;
    if (!t->known)
        return;
    t->dnf = bench_cell(&B.s, (unsigned)ka, (unsigned)p)->status != BENCH_OK ||
             bench_cell(&B.s, (unsigned)kb, (unsigned)p)->status != BENCH_OK;
    t->known = !t->dnf;
    if (!t->known)
        return;
    t->value = wait ? B.cx[ka][p].wmax_med / B.cx[kb][p].wmax_med
                    : round_ratio((unsigned)ka, (unsigned)kb, (unsigned)p);
    t->known = isfinite(t->value);
}

/* Row a must finish at the point (no DNF, no failure). */
static void target_finish(const char *a, unsigned workers, unsigned reads)
{
    struct target *t = &B.targets[B.nt++];
    int ka = find_row(a), p = find_point(workers, reads);
    snprintf(t->name, sizeof t->name, "%s finishes at %u workers %u%% reads", a, workers, reads);
    t->limit = INFINITY;
    t->known = ka >= 0 && p >= 0;
    t->value = t->known && bench_cell(&B.s, (unsigned)ka, (unsigned)p)->status == BENCH_OK;
}

static void make_targets(void)
{
    target_ratio("sync_rwlock", "pthread_rwlock", 2, 90, false, 1.10, "");
    target_ratio("sync_rwlock", "pthread_rwlock_wp", 4, 90, false, 1.10, "");
    target_ratio("sync_rwlock", "pthread_rwlock", 8, 99, false, 1.25, "");
    target_ratio("sync_pfrwlock", "pthread_rwlock", 2, 90, false, 1.50, "");
    target_ratio("sync_pfrwlock", "ck_pflock", 2, 90, false, 1.50, "");
    target_ratio("sync_rwlock", "pthread_rwlock", 4, 99, true, 1.00, ", w max");
    target_finish("sync_rwlock", 8, 50);
    target_finish("sync_pfrwlock", 8, 50);
}

static bool target_met(const struct target *t)
{
    return t->known && (isfinite(t->limit) ? t->value <= t->limit : t->value != 0);
}

/* ---- JSON Lines and CSV ------------------------------------------------------------ */

static const char *const csv_cols[] = {
    "kind", "name", "group", "policy", "workers", "read_pct", "iters", "runs", "status",
    "ns_per_op", "min", "max", "spread", "mops", "vs_pthread", "write_share", "fair",
    "wwait_mean_ns", "wwait_max_ns", "correct", NULL,
};

static const char *status_name(enum bench_status s)
{
    return s == BENCH_OK ? "ok" : s == BENCH_DNF ? "dnf" : "failed";
}

static void emit_cell(enum bench_format fmt, unsigned k, unsigned p)
{
    const struct bench_cell *c = bench_cell(&B.s, k, p);
    const struct cx *x = &B.cx[k][p];
    const struct rwlockd_info *in = row_of(k)->info;
    BENCH_EMIT(stdout, fmt, csv_cols, "bench", BF_S("lab", "rwlock"), BF_S("name", in->label),
               BF_S("group", in->group), BF_S("policy", in->policy),
               BF_U("workers", pt_workers(p)), BF_U("read_pct", pt_reads(p)),
               BF_U("iters", B.o.iters), BF_U("runs", c->runs),
               BF_S("status", status_name(c->status)), BF_N("ns_per_op", c->med),
               BF_N("min", c->min), BF_N("max", c->max), BF_N("spread", c->spread),
               BF_N("mops", 1e3 / c->med), BF_N("vs_pthread", x->vs_pthread),
               BF_N("write_share", x->wshare_med), BF_N("fair", x->fair_med),
               BF_NP("wwait_mean_ns", x->wmean_med, 0), BF_NP("wwait_max_ns", x->wmax_med, 0),
               BF_B("correct", !x->wrong),
               BF_IF(c->status != BENCH_OK && fmt == BENCH_JSON, BF_S("why", c->why)));
}

static void emit_records(enum bench_format fmt)
{
    if (fmt == BENCH_CSV)
        bench_csv_header(stdout, csv_cols);
    for (size_t i = 0; i < NALL && fmt == BENCH_JSON; i++)
        if (all_rows[i].info->unavailable)
            BENCH_EMIT(stdout, fmt, NULL, "skipped", BF_S("lab", "rwlock"),
                       BF_S("name", all_rows[i].info->label),
                       BF_S("reason", all_rows[i].info->unavailable));
    for (unsigned k = 0; k < B.nrows; k++)
        for (unsigned p = 0; p < npoints(); p++)
            emit_cell(fmt, k, p);
    for (unsigned i = 0; i < B.nt && fmt == BENCH_JSON; i++) {
        const struct target *t = &B.targets[i];
        BENCH_EMIT(stdout, fmt, NULL, "target", BF_S("lab", "rwlock"), BF_S("name", t->name),
                   BF_N("value", t->known ? t->value : NAN), BF_N("limit", t->limit),
                   BF_B("met", target_met(t)), BF_B("baseline", !isfinite(t->limit)));
    }
}

/* ---- charts ---------------------------------------------------------------------------- */

/* One chart per read ratio: a line per lock, ns/op against workers. */
static int plot(void)
{
    static struct bench_cell view[NALL * MAX_W];
    double xs[MAX_W];
    const char *names[NALL];
    for (unsigned i = 0; i < B.o.nw; i++)
        xs[i] = B.o.workers[i];
    for (unsigned k = 0; k < B.nrows; k++)
        names[k] = row_of(k)->info->label;
    for (unsigned r = 0; r < B.o.nr; r++) {
        for (unsigned k = 0; k < B.nrows; k++)
            for (unsigned i = 0; i < B.o.nw; i++)
                view[k * B.o.nw + i] = *bench_cell(&B.s, k, r * B.o.nw + i);
        struct bench_sweep v = { .prog = prog, .nrows = B.nrows, .npoints = B.o.nw,
                                 .cells = view };
        char path[4096], title[160];
        snprintf(path, sizeof path, "%s/rwlock-%u.svg", B.o.c.plot, B.o.reads[r]);
        snprintf(title, sizeof title, "bench-rwlock, %u%% reads: ns/op against workers, "
                 "median of %u, %u CPUs (gaps: DNF)", B.o.reads[r], B.o.reps, B.mach.cpus);
        if (bench_plot_ns_workers(&v, path, title, xs, names, NULL, B.o.c.fmt) != 0)
            return 1;
    }
    return 0;
}

/* ---- tables for people ---------------------------------------------------------------- */

static void print_header(void)
{
    bench_print_title(prog, B.o.reps, B.o.iters, "operations", B.o.c.quick);
    bench_machine_print(stdout, &B.mach, prog, BENCH_HUMAN);
    printf("atomics: %s; each point in its own process, DNF after %.1f s; a read checks "
           "%u words, a write sets them\n", lab_atomics_backend(), B.o.budget_s, WORDS);
    for (size_t i = 0; i < NALL; i++)
        if (all_rows[i].info->unavailable)
            printf("skipped %s: %s\n", all_rows[i].info->label, all_rows[i].info->unavailable);
}

static void cell_text(char *buf, size_t n, unsigned k, unsigned p)
{
    const struct bench_cell *c = bench_cell(&B.s, k, p);
    if (c->status == BENCH_OK)
        snprintf(buf, n, "%.2f%s", c->med, B.cx[k][p].wrong ? "!" : "");
    else
        snprintf(buf, n, "%s", c->status == BENCH_DNF ? "DNF" : "FAILED");
}

/* ns/op of every lock at every worker count, a block per read ratio. */
static void print_overview(void)
{
    struct bench_col cols[2 + MAX_W] = { { "lock", -18, 0 } };
    char heads[MAX_W][16], cells[MAX_W][24];
    const char *cellp[2 + MAX_W];
    for (unsigned i = 0; i < B.o.nw; i++) {
        snprintf(heads[i], sizeof heads[i], "%u wkr", B.o.workers[i]);
        cols[i + 1] = (struct bench_col){ heads[i], 10, 0 };
    }
    cols[B.o.nw + 1] = (struct bench_col){ "policy", -1, 3 };
    for (unsigned r = 0; r < B.o.nr; r++) {
        printf("\n  ns/op at %u%% reads (! = WRONG: a torn read or a lost write)\n",
               B.o.reads[r]);
        bench_table_head(stdout, cols, B.o.nw + 2);
        for (unsigned k = 0; k < B.nrows; k++) {
            cellp[0] = row_of(k)->info->label;
            for (unsigned i = 0; i < B.o.nw; i++) {
                cell_text(cells[i], sizeof cells[i], k, r * B.o.nw + i);
                cellp[i + 1] = cells[i];
            }
            cellp[B.o.nw + 1] = row_of(k)->info->policy;
            bench_table_row(stdout, cols, B.o.nw + 2, cellp, NULL);
        }
    }
}

static const struct bench_col pcols[] = {
    { "lock", -18, 0 },  { "ns/op", 9, 0 },   { "min", 8, 0 },    { "max", 8, 0 },
    { "spread", 6, 0 },  { "Mops/s", 7, 0 },  { "vs pthr", 7, 0 }, { "wshare", 6, 0 },
    { "fair", 5, 0 },    { "w wait", 9, 0 },  { "w max", 9, 0 },
};
#define NPCOLS (sizeof pcols / sizeof pcols[0])

static void fmt_num(char *buf, size_t n, const char *f, double v)
{
    if (isfinite(v))
        snprintf(buf, n, f, v);
    else
        snprintf(buf, n, "-");
}

static void print_point_row(unsigned k, unsigned p)
{
    const struct bench_cell *c = bench_cell(&B.s, k, p);
    const struct cx *x = &B.cx[k][p];
    char v[NPCOLS][24];
    const char *cells[NPCOLS] = { row_of(k)->info->label };
    if (c->status != BENCH_OK) {
        char tail[300];
        snprintf(tail, sizeof tail, "  %s", c->why);
        cells[1] = c->status == BENCH_DNF ? "DNF" : "FAILED";
        bench_table_row(stdout, pcols, 2, cells, tail);
        return;
    }
    fmt_num(v[1], sizeof v[1], "%.2f", c->med);
    fmt_num(v[2], sizeof v[2], "%.2f", c->min);
    fmt_num(v[3], sizeof v[3], "%.2f", c->max);
    fmt_num(v[4], sizeof v[4], "%.0f%%", 100 * c->spread);
    fmt_num(v[5], sizeof v[5], "%.2f", 1e3 / c->med);
    fmt_num(v[6], sizeof v[6], "%.2fx", x->vs_pthread);
    fmt_num(v[7], sizeof v[7], "%.2f", x->wshare_med);
    fmt_num(v[8], sizeof v[8], "%.2f", x->fair_med);
    util_fmt_ns(v[9], sizeof v[9], x->wmean_med);
    util_fmt_ns(v[10], sizeof v[10], x->wmax_med);
    if (!isfinite(x->wmean_med))
        snprintf(v[9], sizeof v[9], "-");
    if (!isfinite(x->wmax_med))
        snprintf(v[10], sizeof v[10], "-");
    for (size_t i = 1; i < NPCOLS; i++)
        cells[i] = v[i];
    bench_table_row(stdout, pcols, NPCOLS, cells, x->wrong ? "  WRONG" : "");
}

static void print_points(void)
{
    for (unsigned p = 0; p < npoints(); p++) {
        printf("\n  %u worker%s, %u%% reads%s\n", pt_workers(p), pt_workers(p) == 1 ? "" : "s",
               pt_reads(p), pt_workers(p) > B.mach.allowed ? " (oversubscribed)" : "");
        bench_table_head(stdout, pcols, NPCOLS);
        for (unsigned k = 0; k < B.nrows; k++)
            print_point_row(k, p);
    }
    printf("\n  spread = (max-min)/median of the rounds; vs pthr = median of per-round ratios "
           "to\n  pthread_rwlock at the same point; wshare = writes' part of the operations "
           "done\n  when the first worker finished, over the write ratio (1.00: at their "
           "share);\n  fair = slowest worker's operations over the fastest's then; w wait / "
           "w max =\n  mean / longest wait of a write for its lock (one write in %u timed; "
           "medians\n  over rounds)\n", WAIT_SAMPLE);
}

static void print_targets(void)
{
    printf("\ntargets (ratios from this run; medians of per-round ratios):\n");
    for (unsigned i = 0; i < B.nt; i++) {
        const struct target *t = &B.targets[i];
        char lim[32], val[24];
        bool must = !isfinite(t->limit), met = target_met(t);
        if (must)
            snprintf(lim, sizeof lim, "must finish");
        else
            snprintf(lim, sizeof lim, "target <= %.2fx", t->limit);
        if (!t->known)
            snprintf(val, sizeof val, "%8s", t->dnf ? "DNF" : "n/a");
        else if (must)
            snprintf(val, sizeof val, "%8s", t->value != 0 ? "yes" : "no");
        else   /* a wait ratio can be far below 0.01 */
            snprintf(val, sizeof val, t->value < 0.01 ? "%7.1gx" : "%7.2fx", t->value);
        const char *verdict = met ? (must ? "finished" : "met")
                                  : (must ? "did not finish" : "MISSED");
        if (!t->known)
            verdict = t->dnf ? "no ratio (a cell did not finish)" : "not measured";
        printf("  %-62s %s  (%s)  %s\n", t->name, val, lim, verdict);
    }
    printf("\n  %s; sweep took %.0f s\n",
           B.any_wrong ? "a lock was WRONG (torn read or lost write)"
           : B.s.any_failed ? "a point FAILED (see above)" : "every lock exact",
           B.s.elapsed_s);
}

/* ---- main ---------------------------------------------------------------------------- */

static void print_tables(void)
{
    print_overview();
    print_points();
    print_targets();
}

static void make_rows(void)
{
    for (size_t i = 0; i < NALL; i++)
        if (B.o.selected[i] && all_rows[i].info->unavailable == NULL)
            B.row[B.nrows++] = (unsigned)i;
}

int main(int argc, char **argv)
{
    int rc = parse(argc, argv, &B.o);
    if (rc >= 0)
        return rc;
    make_rows();
    bench_machine_get(&B.mach);
    if (B.o.c.fmt == BENCH_HUMAN)
        print_header();
    else
        bench_machine_print(stdout, &B.mach, prog, B.o.c.fmt);
    B.s = (struct bench_sweep){ .prog = prog, .nrows = B.nrows, .npoints = npoints(),
                                .rounds = B.o.reps, .budget_s = B.o.budget_s, .ctx = &B,
                                .point = point, .got = got, .name = cell_name };
    if (bench_sweep_run(&B.s) != 0)
        return 1;
    analyse();
    make_targets();
    static const struct bench_outputs out = { .records = emit_records, .plot = plot,
                                              .tables = print_tables };
    if (bench_outputs_write(&out, B.o.c.fmt, B.o.c.plot != NULL) != 0)
        return 1;
    rc = B.any_wrong || B.s.any_failed ? 1 : 0;
    bench_sweep_free(&B.s);
    return rc;
}
