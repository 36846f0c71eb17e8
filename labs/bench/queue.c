/* bench-queue: million messages per second through each queue, at 1x1, 2x2
 * and 4x4 producers x consumers, ours beside Concurrency Kit's ck_ring,
 * liburcu's wfcqueue and the textbook blocking queues, in one run.
 *
 * Each run moves --messages items (split among the producers) from the
 * producers to the consumers; Mmsg/s = items / wall time from the start gate
 * to the last consumer's exit. Rounds are interleaved (every queue and
 * configuration once per round) and each cell is the median of the rounds,
 * so a noisy neighbour spreads over all cells instead of hitting one.
 *
 * A producer that finds the queue full (a consumer, empty) spins briefly and
 * then yields (sync/atomic.h's polite spin), for every non-blocking queue
 * alike; the blocking ones (bqueue: mutex + condvars; semq: semaphores) sleep.
 * 1x1 pins the producer and the consumer to two different CPUs; 2x2 and 4x4
 * are not pinned (4x4 oversubscribes 2 CPUs on purpose). A run that takes
 * longer than --max-seconds is stopped and its rate taken from what it moved.
 *
 * Each producer/consumer pair of loops is generated per queue by a macro: no
 * indirect call per message. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "lab.h"
#include "desc/queues.h"
#include "sync/atomic.h"
#include "util/cpu.h"
#include "util/time.h"
#include "util/tsan.h"

#define SENTINEL UINT64_MAX
#define MAX_THREADS 8

struct run {
    void *q;
    unsigned producers, consumers;
    uint64_t per_producer;
    bool pin;
    bool blocking;                   /* push/pop that sleep, and sentinels */
    int cpus[2];
    struct bench_gate gate;          /* threads past set-up wait here */
    sync_atomic_u32 stop;            /* time is up: producers stop early */
    sync_atomic_u32 producers_done;
    sync_atomic_u64 consumed;
    sync_atomic_u64 end_ns;          /* latest consumer exit */
    sync_atomic_u64 checksum;        /* keeps the consumers' reads alive */
};

static void pin_self(struct run *r, int which)
{
    if (r->pin)
        (void)util_pin_thread(r->cpus[which]);   /* best effort */
}

static void gate(struct run *r)
{
    bench_gate_wait(&r->gate);
}

static void consumer_exit(struct run *r, uint64_t n, uint64_t sum)
{
    uint64_t now = util_now_ns();
    uint64_t end = sync_load_u64(&r->end_ns, SYNC_RELAXED);
    while (end < now && !sync_cas_u64(&r->end_ns, &end, now, SYNC_RELAXED, SYNC_RELAXED))
        ;
    sync_fetch_add_u64(&r->consumed, n, SYNC_RELAXED);
    sync_fetch_add_u64(&r->checksum, sum, SYNC_RELAXED);
}

/* What a producer does when the queue is full and a consumer when it is
 * empty, the same for every non-blocking queue: back off exponentially (1, 2,
 * 4 ... 64 pause hints), and past BACKOFF_YIELD rounds give the CPU away
 * (with more threads than CPUs the thread we wait for may not be running).
 * Backing off instead of re-polling at once lets the other side work on
 * cache lines nobody is reading. --wait spin switches to re-polling. */
#define BACKOFF_CAP 6u
#define BACKOFF_YIELD 16u
/* --wait spin: instead, sync/'s own polite spin (one pause hint per poll,
 * yield after SYNC__SPIN_LIMIT polls): the two sides keep polling each other. */
static bool wait_spin;
static inline void backoff(unsigned *rounds)
{
    if (wait_spin) {
        sync__spin_wait(rounds);
        return;
    }
    if (*rounds >= BACKOFF_YIELD) {
        sched_yield();
        return;
    }
    unsigned shift = *rounds < BACKOFF_CAP ? *rounds : BACKOFF_CAP;
    for (unsigned i = 0; i < 1u << shift; i++)
        sync_cpu_relax();
    (*rounds)++;
}

static bool stopped(struct run *r)
{
    return sync_load_u32(&r->stop, SYNC_RELAXED) != 0;
}

/* One queue's producer and consumer loops, generated from its descriptor
 * (labs/common/desc/queue_<id>.h): no indirect call per message. A
 * non-blocking queue's loop polls with trypush/trypop and backs off; a
 * blocking one's sleeps in push/pop, and one SENTINEL per consumer, pushed
 * by the point once the producers are done, ends the run. */
#define BENCH_QUEUE(ID)                                                                     \
    static void *ID##_producer(void *arg)                                                   \
    {                                                                                       \
        struct run *r = arg;                                                                \
        queued_##ID##_t *q = r->q;                                                          \
        pin_self(r, 0);                                                                     \
        void *h = queued_##ID##_enter(q);                                                   \
        gate(r);                                                                            \
        for (uint64_t i = 1; i <= r->per_producer; i++) {                                   \
            unsigned rounds = 0;                                                            \
            if (r->blocking)                                                                \
                queued_##ID##_push(q, h, i);                                                \
            else                                                                            \
                while (!queued_##ID##_trypush(q, h, i)) {                                   \
                    if (stopped(r))                                                         \
                        goto out;                                                           \
                    backoff(&rounds);                                                       \
                }                                                                           \
            if ((i & 1023) == 0 && stopped(r))                                              \
                break;                                                                      \
        }                                                                                   \
    out:                                                                                    \
        queued_##ID##_leave(q, h);                                                          \
        /* Release: pairs with the consumers' acquire load (drained check). */              \
        sync_fetch_add_u32(&r->producers_done, 1, SYNC_RELEASE);                            \
        return NULL;                                                                        \
    }                                                                                       \
    static void *ID##_consumer(void *arg)                                                   \
    {                                                                                       \
        struct run *r = arg;                                                                \
        queued_##ID##_t *q = r->q;                                                          \
        pin_self(r, 1);                                                                     \
        void *h = queued_##ID##_enter(q);                                                   \
        uint64_t n = 0, sum = 0, v = 0;                                                     \
        gate(r);                                                                            \
        unsigned rounds = 0;                                                                \
        for (;;) {                                                                          \
            /* Acquire: pairs with the producers' release increment. */                     \
            bool done = sync_load_u32(&r->producers_done, SYNC_ACQUIRE) == r->producers;    \
            if (r->blocking) {                                                              \
                queued_##ID##_pop(q, h, &v);                                                \
                if (v == SENTINEL)                                                          \
                    break;                                                                  \
                n++;                                                                        \
                sum += v;                                                                   \
            } else if (queued_##ID##_trypop(q, h, &v)) {                                    \
                n++;                                                                        \
                sum += v;                                                                   \
                rounds = 0;                                                                 \
            } else if (done) {                                                              \
                break;                                                                      \
            } else {                                                                        \
                backoff(&rounds);                                                           \
            }                                                                               \
        }                                                                                   \
        queued_##ID##_leave(q, h);                                                          \
        consumer_exit(r, n, sum);                                                           \
        return NULL;                                                                        \
    }                                                                                       \
    static void ID##_sentinel(void *q)                                                      \
    {                                                                                       \
        queued_##ID##_push(q, NULL, SENTINEL);                                              \
    }                                                                                       \
    static void *ID##_make(uint32_t capacity)                                               \
    {                                                                                       \
        return make_queue(queued_##ID##_size(capacity), capacity, ID##_init);               \
    }                                                                                       \
    static int ID##_init(void *q, uint32_t capacity)                                        \
    {                                                                                       \
        return queued_##ID##_init(q, capacity, 0);                                          \
    }                                                                                       \
    static void ID##_drop(void *q)                                                          \
    {                                                                                       \
        queued_##ID##_fini(q);                                                              \
        free(q);                                                                            \
    }

/* A queue's memory: zeroed, cache-line aligned, initialised; NULL with errno set. */
static void *make_queue(size_t size, uint32_t capacity, int (*init)(void *q, uint32_t cap))
{
    size = (size + SYNC_CACHELINE - 1) / SYNC_CACHELINE * SYNC_CACHELINE;
    void *q = aligned_alloc(SYNC_CACHELINE, size);
    if (q == NULL)
        return NULL;
    memset(q, 0, size);
    int rc = init(q, capacity);
    if (rc != 0) {
        free(q);
        errno = rc;
        return NULL;
    }
    return q;
}

#define BENCH_QUEUE_DECL(ID) static int ID##_init(void *q, uint32_t capacity);
QUEUED_ALL(BENCH_QUEUE_DECL)
QUEUED_ALL(BENCH_QUEUE)

/* spsc with its batch calls: up to BATCH items per index update. */
#define BATCH 32
static void *spscb_producer(void *arg)
{
    struct run *r = arg;
    queued_spsc_t *q = r->q;
    uint64_t buf[BATCH];
    pin_self(r, 0);
    gate(r);
    for (uint64_t i = 1; i <= r->per_producer;) {
        size_t n = 0;
        for (; n < BATCH && i + n <= r->per_producer; n++)
            buf[n] = i + n;
        size_t k = 0;
        unsigned rounds = 0;
        while (k < n) {
            size_t m = sync_spsc_push_batch(q, buf + k, n - k);
            if (m == 0) {
                if (stopped(r))
                    goto out;
                backoff(&rounds);
            }
            k += m;
        }
        i += n;
        if ((i & 1023) < BATCH && stopped(r))
            break;
    }
out:
    sync_fetch_add_u32(&r->producers_done, 1, SYNC_RELEASE); /* pairs with the consumer's acquire */
    return NULL;
}
static void *spscb_consumer(void *arg)
{
    struct run *r = arg;
    queued_spsc_t *q = r->q;
    uint64_t buf[BATCH], n = 0, sum = 0;
    pin_self(r, 1);
    gate(r);
    unsigned rounds = 0;
    for (;;) {
        /* Acquire: pairs with the producer's release increment. */
        bool done = sync_load_u32(&r->producers_done, SYNC_ACQUIRE) == r->producers;
        size_t k = sync_spsc_pop_batch(q, buf, BATCH);
        for (size_t i = 0; i < k; i++)
            sum += buf[i];
        n += k;
        if (k) {
            rounds = 0;
        } else if (done) {
            break;
        } else {
            backoff(&rounds);
        }
    }
    consumer_exit(r, n, sum);
    return NULL;
}

/* spsc-batch: the spsc descriptor's queue through its batch calls. */
static const struct queued_info spsc_batch_info = {
    .id = "spsc_batch", .label = "spsc-batch", .desc = "sync_spsc, batch push/pop of 32",
    .group = "sync", .max_producers = 1, .max_consumers = 1, .fifo = true, .bounded = true,
};

/* ---- the rows ------------------------------------------------------------------ */

struct queue {
    const struct queued_info *info;
    void *(*make)(uint32_t capacity);
    void (*drop)(void *q);
    void *(*producer)(void *);
    void *(*consumer)(void *);
    void (*sentinel)(void *q);   /* blocking queues: one ends a consumer */
};

#define QROW(ID) \
    { &queued_##ID##_info, ID##_make, ID##_drop, ID##_producer, ID##_consumer, ID##_sentinel }

/* One line per row, in table order; rows this build cannot offer are left
 * out at start (their descriptor says why). */
static const struct queue all_queues[] = {
    QROW(spsc),
    { &spsc_batch_info, spsc_make, spsc_drop, spscb_producer, spscb_consumer, NULL },
    QROW(ck_ring_spsc),
    QROW(mpmc),
    QROW(ck_ring_mpmc),
    QROW(msqueue),
    QROW(wfcqueue),
    QROW(bqueue),
    QROW(semq),
};
#define NALL (sizeof all_queues / sizeof all_queues[0])

static struct queue queues[NALL];   /* those in this build */
static size_t nqueues;

static void queues_make(void)
{
    for (size_t i = 0; i < NALL; i++)
        if (all_queues[i].info->unavailable == NULL)
            queues[nqueues++] = all_queues[i];
}

static bool ours(const struct queue *q)
{
    return strcmp(q->info->group, "sync") == 0;
}

static bool spsc_only(const struct queue *q)
{
    return q->info->max_producers == 1 || q->info->max_consumers == 1;
}

static const unsigned configs[] = { 1, 2, 4 };   /* producers = consumers */
#define NCONFIGS 3

/* ---- options ---------------------------------------------------------------- */

struct options {
    struct bench_common c;
    uint64_t messages;
    unsigned rounds;
    unsigned capacity;
    double max_seconds;
    double budget_s;          /* 0: max_seconds + 30 */
    int wait;                 /* index into wait_names */
    bool messages_set, rounds_set, seconds_set;
    bool selected[NALL];      /* --queues: which rows run */
};

static const char *const wait_names[] = { "backoff", "spin", NULL };

static int find_queue(const char *name)
{
    for (size_t i = 0; i < nqueues; i++)
        if (strcmp(queues[i].info->label, name) == 0)
            return (int)i;
    return -1;
}

static int parse_capacity(const char *val, void *dest, char *err, size_t errlen)
{
    uint64_t v;
    if (!util_parse_u64(val, 2, 1u << 20, &v) || (v & (v - 1)) != 0) {
        snprintf(err, errlen, "needs a power of two from 2 to 1048576, not '%s'", val);
        return -1;
    }
    *(unsigned *)dest = (unsigned)v;
    return 0;
}

/* "a,b,c" -> selected[]. */
static int parse_queues(const char *val, void *dest, char *err, size_t errlen)
{
    bool *selected = dest;
    char buf[256], *items[32];
    size_t n;
    if (util_list_split(val, buf, sizeof buf, items, 32, &n, err, errlen) != 0)
        return -1;
    memset(selected, 0, NALL * sizeof *selected);
    for (size_t i = 0; i < n; i++) {
        int q = find_queue(items[i]);
        if (q < 0) {
            snprintf(err, errlen, "no queue '%s' in this build (--help lists them)", items[i]);
            return -1;
        }
        selected[q] = true;
    }
    return 0;
}

static const char *queue_list(void)
{
    static char buf[512];
    size_t len = (size_t)snprintf(buf, sizeof buf, "--json: one \"result\" per queue and "
                                  "configuration, one \"ratio\" per target; --csv: a header, "
                                  "then one row per queue and configuration\n"
                                  "queues in this build:");
    for (size_t i = 0; i < nqueues && len < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, " %s", queues[i].info->label);
    return buf;
}

static int parse(int argc, char **argv, struct options *o)
{
    const struct util_opt opts[] = {
        { .name = "messages", .kind = UTIL_OPT_U64, .dest = &o->messages, .arg = "N",
          .help = "items per run (default 2000000)", .min = 4, .max = (double)(UINT64_C(1) << 40),
          .seen = &o->messages_set },
        { .name = "rounds", .kind = UTIL_OPT_UINT, .dest = &o->rounds, .arg = "N",
          .help = "rounds (default 5; each cell is their median)", .min = 1, .max = 99,
          .seen = &o->rounds_set },
        { .name = "capacity", .kind = UTIL_OPT_CUSTOM, .dest = &o->capacity, .arg = "N",
          .help = "slots of the bounded queues, a power of two, 2..1048576 (default 4096)",
          .parse = parse_capacity },
        { .name = "max-seconds", .kind = UTIL_OPT_DOUBLE, .dest = &o->max_seconds, .arg = "S",
          .help = "stop a run after S seconds (default 2)", .min = 0.01, .max = 600,
          .seen = &o->seconds_set },
        { .name = "budget", .kind = UTIL_OPT_DOUBLE, .dest = &o->budget_s, .arg = "SECONDS",
          .help = "a run still going after this is DNF, e.g. ck_ring-mpmc spinning inside ck "
                  "(default --max-seconds + 30)", .min = 0.1, .max = 3600 },
        { .name = "queues", .kind = UTIL_OPT_CUSTOM, .dest = o->selected, .arg = "LIST",
          .help = "only these queues, comma-separated (default all built in)",
          .parse = parse_queues },
        { .name = "wait", .kind = UTIL_OPT_CHOICE, .dest = &o->wait, .arg = "HOW",
          .help = "what a non-blocking queue's caller does on full/empty: exponential "
                  "backoff, then yield (default); or sync/'s polite spin, one pause per poll",
          .choices = wait_names },
        BENCH_COMMON_OPTS(&o->c, "20000 messages, 3 rounds, runs capped at 0.25 s: a smoke "
                          "test, not a measurement",
                          "also write DIR/queue.svg: Mmsg/s against producers = consumers, "
                          "one line per queue (log scale)"),
        { .name = NULL },
    };
    const struct util_cmdline cl = {
        .prog = "bench-queue", .usage = "[OPTIONS]", .opts = opts, .epilog = queue_list(),
        .summary = "Mmsg/s through each queue at 1x1, 2x2 and 4x4 producers x consumers, "
                   "median of interleaved rounds, ours beside ck_ring, liburcu wfcqueue and "
                   "blocking queues",
    };
    int rc = bench_parse(&cl, argc, argv, &o->c);
    if (rc >= 0)
        return rc;
    wait_spin = o->wait == 1;
    if (o->c.quick) {
        if (!o->messages_set)
            o->messages = 20000;
        if (!o->rounds_set)
            o->rounds = 3;
        if (!o->seconds_set)   /* ck_ring mpmc can crawl at 4x4: cap its runs short */
            o->max_seconds = 0.25;
    }
    if (o->budget_s == 0)
        o->budget_s = o->max_seconds + 30;
    return -1;
}

/* ---- one point --------------------------------------------------------------- */

/* The rows of this run: the selected queues, in table order. */
struct ctx {
    const struct options *o;
    size_t row_q[NALL];   /* row -> index into queues[] */
    unsigned nrows;
    int cpu_pair[2];
    bool can_pin;
};

/* ck_ring's mpmc enqueue waits, spinning inside ck, for every earlier
 * producer to publish; oversubscribed, that wait lasts until the scheduler
 * runs the preempted one, and the run cannot be stopped from outside (here
 * it took from seconds to half a minute for 20000 messages). --quick leaves
 * that cell out so the smoke test stays short; the full run measures it
 * (and its budget makes it DNF rather than a hang). */
static bool quick_skips(const struct options *o, size_t q, int c)
{
    return o->c.quick && strcmp(queues[q].info->label, "ck_ring-mpmc") == 0 && configs[c] > 2;
}

static bool cell_runs(void *ctxp, unsigned row, unsigned point)
{
    const struct ctx *x = ctxp;
    size_t q = x->row_q[row];
    return !(spsc_only(&queues[q]) && configs[point] != 1) && !quick_skips(x->o, q, (int)point);
}

/* Starts k producers and k consumers, opens the gate, stops the producers
 * past max_seconds; the Mmsg/s of what was consumed. */
static int run_threads(const struct queue *qd, struct run *r, unsigned k, double max_s,
                       double *mmsg)
{
    pthread_t tp[MAX_THREADS], tc[MAX_THREADS];
    for (unsigned i = 0; i < k; i++)
        if (pthread_create(&tp[i], NULL, qd->producer, r) != 0)
            abort();
    for (unsigned i = 0; i < k; i++)
        if (pthread_create(&tc[i], NULL, qd->consumer, r) != 0)
            abort();
    uint64_t t0 = bench_gate_open(&r->gate, 2 * k);
    uint64_t deadline = t0 + (uint64_t)(max_s * 1e9);
    struct timespec nap = { 0, 1000000 };
    /* Acquire: pairs with the producers' release increments. */
    while (sync_load_u32(&r->producers_done, SYNC_ACQUIRE) < k && util_now_ns() < deadline)
        nanosleep(&nap, NULL);
    if (sync_load_u32(&r->producers_done, SYNC_ACQUIRE) < k)
        sync_store_u32(&r->stop, 1, SYNC_RELAXED);
    for (unsigned i = 0; i < k; i++)
        pthread_join(tp[i], NULL);
    if (r->blocking)
        for (unsigned i = 0; i < k; i++)
            qd->sentinel(r->q);
    for (unsigned i = 0; i < k; i++)
        pthread_join(tc[i], NULL);
    uint64_t t1 = sync_load_u64(&r->end_ns, SYNC_RELAXED);
    uint64_t n = sync_load_u64(&r->consumed, SYNC_RELAXED);
    if (t1 <= t0)
        t1 = t0 + 1;
    *mmsg = (double)n / ((double)(t1 - t0) / 1e9) / 1e6;
    return 0;
}

/* In the point's own process: one run of the row's queue at k x k. */
static int point(void *ctxp, unsigned row, unsigned pt, struct bench_sample *out, char *err,
                 size_t errlen)
{
    const struct ctx *x = ctxp;
    const struct queue *qd = &queues[x->row_q[row]];
    unsigned k = configs[pt];
    static struct run r;
    memset(&r, 0, sizeof r);
    r.q = qd->make(x->o->capacity);
    if (r.q == NULL) {
        snprintf(err, errlen, "cannot create %s (capacity %u): %s", qd->info->label,
                 x->o->capacity, strerror(errno ? errno : ENOMEM));
        return -1;
    }
    r.producers = r.consumers = k;
    r.per_producer = x->o->messages / k;
    r.blocking = qd->info->blocking;
    r.pin = k == 1 && x->can_pin && !r.blocking;   /* the blocking ones sleep, unpinned */
    r.cpus[0] = x->cpu_pair[0];
    r.cpus[1] = x->cpu_pair[1];
    run_threads(qd, &r, k, x->o->max_seconds, &out->value);
    qd->drop(r.q);
    return 0;
}

static const char *cell_name(void *ctxp, unsigned row, unsigned pt, char *buf, size_t n)
{
    const struct ctx *x = ctxp;
    snprintf(buf, n, "%s at %ux%u", queues[x->row_q[row]].info->label, configs[pt], configs[pt]);
    return buf;
}

/* ---- output ------------------------------------------------------------------ */

static int row_of(const struct ctx *x, int q)
{
    for (unsigned k = 0; k < x->nrows; k++)
        if ((int)x->row_q[k] == q)
            return (int)k;
    return -1;
}

/* A cell's median, or -1 where the queue did not run (not selected, not
 * built in, not at this configuration, DNF). */
static double med_of(const struct bench_sweep *s, const struct ctx *x, int q, int c)
{
    int k = q < 0 ? -1 : row_of(x, q);
    if (k < 0)
        return -1;
    double m = bench_cell(s, (unsigned)k, (unsigned)c)->med;
    return isfinite(m) ? m : -1;
}

static const char *const csv_cols[] = { "queue", "ours", "producers", "consumers", "messages",
                                        "rounds", "capacity", "mmsg_per_s", "min", "max",
                                        "wait", NULL };

static void print_results(const struct bench_sweep *s, const struct ctx *x)
{
    const struct options *o = x->o;
    for (unsigned k = 0; k < x->nrows; k++)
        for (unsigned c = 0; c < NCONFIGS; c++) {
            const struct queue *qd = &queues[x->row_q[k]];
            const struct bench_cell *cell = bench_cell(s, k, c);
            if (!cell_runs((void *)x, k, c))
                continue;
            BENCH_EMIT(stdout, o->c.fmt, csv_cols, "result", BF_S("queue", qd->info->label),
                       BF_B("ours", ours(qd)), BF_U("producers", configs[c]),
                       BF_U("consumers", configs[c]), BF_U("messages", o->messages),
                       BF_U("rounds", o->rounds), BF_U("capacity", o->capacity),
                       BF_N("mmsg_per_s", cell->med), BF_N("min", cell->min),
                       BF_N("max", cell->max), BF_S("wait", wait_names[o->wait]),
                       BF_IF(cell->status != BENCH_OK && o->c.fmt == BENCH_JSON,
                             BF_S("status", cell->status == BENCH_DNF ? "dnf" : "failed")),
                       BF_IF(cell->status != BENCH_OK && o->c.fmt == BENCH_JSON,
                             BF_S("why", cell->why)));
        }
}

/* The ratio of two queues at one configuration: the median over rounds of
 * the per-round ratio. The two run back to back in each round, so a burst of
 * load from elsewhere tends to hit both; a ratio of medians would compare
 * rounds that saw different machines. */
static double round_ratio(const struct bench_sweep *s, int ra, int rb, int c)
{
    const struct bench_cell *a = bench_cell(s, (unsigned)ra, (unsigned)c);
    const struct bench_cell *b = bench_cell(s, (unsigned)rb, (unsigned)c);
    double v[BENCH_MAX_ROUNDS], m, lo, hi, sp;
    unsigned n = 0;
    for (unsigned r = 0; r < s->rounds; r++)
        if (isfinite(a->round[r]) && isfinite(b->round[r]))
            v[n++] = a->round[r] / b->round[r];
    bench_stats(v, n, &m, &lo, &hi, &sp);
    return m;
}

static void ratio(const struct bench_sweep *s, const struct ctx *x, const char *num,
                  const char *den, int c, double target, const char *target_text)
{
    const struct options *o = x->o;
    int a = find_queue(num), b = find_queue(den);
    if (o->c.fmt == BENCH_CSV)
        return;   /* CSV carries the measurements only */
    if (med_of(s, x, a, c) <= 0 || med_of(s, x, b, c) <= 0) {
        int q = med_of(s, x, a, c) <= 0 ? a : b;
        int k = q < 0 ? -1 : row_of(x, q);
        bool dnf = k >= 0 && bench_cell(s, (unsigned)k, (unsigned)c)->status == BENCH_DNF;
        if (o->c.fmt == BENCH_HUMAN)
            printf("  %s / %s at %ux%u: %s %s, no ratio\n", num, den, configs[c], configs[c],
                   q == a ? num : den, dnf ? "did not finish" : "not built in");
        return;
    }
    double v = round_ratio(s, row_of(x, a), row_of(x, b), c);
    const char *met = target <= 0 ? NULL : v >= target ? "met" : "MISSED";
    char name[96];
    snprintf(name, sizeof name, "%s/%s", num, den);
    if (o->c.fmt == BENCH_JSON) {
        BENCH_EMIT(stdout, BENCH_JSON, NULL, "ratio", BF_S("name", name),
                   BF_U("producers", configs[c]), BF_U("consumers", configs[c]),
                   BF_N("ratio", v), BF_NP("target", target, 2),
                   BF_RAW("met", !met ? "null" : *met == 'm' ? "true" : "false"),
                   BF_S("ratio_of", "median of per-round ratios"));
        return;
    }
    char label[96];
    snprintf(label, sizeof label, "%s / %s at %ux%u", num, den, configs[c], configs[c]);
    printf("  %-34s %7.2fx  (target %s): %s\n", label, v, target_text, met ? met : "-");
}

/* No configuration of ours below 1 Mmsg/s when oversubscribed (4x4). */
static void floor_target(const struct bench_sweep *s, const struct ctx *x)
{
    double worst = -1;
    const char *worst_name = "";
    for (unsigned k = 0; k < x->nrows; k++) {
        double m = med_of(s, x, (int)x->row_q[k], 2);
        if (ours(&queues[x->row_q[k]]) && m >= 0 && (worst < 0 || m < worst)) {
            worst = m;
            worst_name = queues[x->row_q[k]].info->label;
        }
    }
    if (worst < 0 || x->o->c.fmt == BENCH_CSV)
        return;   /* none of ours ran at 4x4 (--queues), or CSV: measurements only */
    if (x->o->c.fmt == BENCH_JSON)
        BENCH_EMIT(stdout, BENCH_JSON, NULL, "floor", BF_U("producers", 4),
                   BF_U("consumers", 4), BF_S("queue", worst_name), BF_N("mmsg_per_s", worst),
                   BF_NP("target", 1.0, 1), BF_B("met", worst >= 1.0));
    else
        printf("  slowest of ours at 4x4: %s %.2f Mmsg/s (target >= 1): %s\n", worst_name,
               worst, worst >= 1.0 ? "met" : "MISSED");
}

static void print_targets(const struct bench_sweep *s, const struct ctx *x)
{
    if (x->o->c.fmt == BENCH_HUMAN)
        printf("\ntargets:\n");
    ratio(s, x, "spsc", "ck_ring-spsc", 0, 2.0, ">= 2x");
    ratio(s, x, "spsc-batch", "ck_ring-spsc", 0, 0.0, "for scale");
    ratio(s, x, "mpmc", "wfcqueue", 1, 1.0, ">= 1x");
    for (int c = 0; c < NCONFIGS; c++)
        ratio(s, x, "mpmc", "bqueue", c, 0.0, "for scale");
    floor_target(s, x);
}

static const struct bench_col cols[] = {
    { "queue", -14, 0 }, { "1x1", 10, 0 }, { "2x2", 10, 0 }, { "4x4", 10, 0 },
    { "what", -1, 3 },
};
#define NCOLS (sizeof cols / sizeof cols[0])

static void print_table(const struct bench_sweep *s, const struct ctx *x)
{
    printf("\n");
    bench_table_head(stdout, cols, NCOLS);
    for (unsigned k = 0; k < x->nrows; k++) {
        const struct queue *qd = &queues[x->row_q[k]];
        char v[NCONFIGS][16];
        for (unsigned c = 0; c < NCONFIGS; c++) {
            const struct bench_cell *cell = bench_cell(s, k, c);
            if (cell->status == BENCH_DNF)
                snprintf(v[c], sizeof v[c], "DNF");
            else if (!isfinite(cell->med))
                snprintf(v[c], sizeof v[c], "-");
            else
                snprintf(v[c], sizeof v[c], "%.2f", cell->med);
        }
        const char *cells[NCOLS] = { qd->info->label, v[0], v[1], v[2], qd->info->desc };
        bench_table_row(stdout, cols, NCOLS, cells, NULL);
    }
}

/* The rows this build cannot offer, each once, with its descriptor's reason. */
static void print_skipped(void)
{
    for (size_t i = 0; i < NALL; i++)
        if (all_queues[i].info->unavailable)
            printf("%s: skipped (%s)\n", all_queues[i].info->label,
                   all_queues[i].info->unavailable);
}

static void print_human(const struct bench_sweep *s, const struct ctx *x,
                        const struct bench_machine *m, const double load[2])
{
    const struct options *o = x->o;
    printf("bench-queue: Mmsg/s (million messages per second), median of %u interleaved "
           "rounds%s\n%" PRIu64 " messages per run, capacity %u, %u CPUs online, atomics: "
           "%s\n", o->rounds, o->c.quick ? " (--quick: not a measurement)" : "", o->messages,
           o->capacity, m->cpus, lab_atomics_backend());
    bench_machine_print(stdout, m, "bench-queue", BENCH_HUMAN);
    printf("on full/empty: %s; each run in its own process, DNF after %.1f s\n",
           wait_spin ? "spin (one pause per poll, then yield)"
                     : "exponential backoff (1..64 pauses), then yield", o->budget_s);
    if (load[0] >= 0)
        printf("load average (1 min): %.2f before, %.2f after%s\n", load[0], load[1],
               load[1] > m->cpus ? " (more than the CPUs: others ran too, expect noise)" : "");
    print_skipped();
    print_table(s, x);
    printf("\n  (4x4 = 8 threads on %u CPUs: oversubscribed; 1x1 pinned to two CPUs)\n",
           m->cpus);
    for (unsigned k = 0; k < x->nrows; k++)
        if (quick_skips(o, x->row_q[k], NCONFIGS - 1))
            printf("  (--quick leaves out %s at 4x4: its enqueue spins inside ck until a "
                   "preempted producer runs again, and cannot be stopped)\n",
                   queues[x->row_q[k]].info->label);
}

static int plot(const struct bench_sweep *s, const struct ctx *x)
{
    double xs[NCONFIGS];
    const char *names[NALL];
    for (int c = 0; c < NCONFIGS; c++)
        xs[c] = configs[c];
    for (unsigned k = 0; k < x->nrows; k++)
        names[k] = queues[x->row_q[k]].info->label;
    char path[4096];
    snprintf(path, sizeof path, "%s/queue.svg", x->o->c.plot);
    int rc = bench_plot_lines(s, path, "bench-queue: throughput by producers = consumers",
                              "producers = consumers", "Mmsg/s", xs, names, NULL);
    return bench_plot_done(rc, path, x->o->c.fmt);
}

int main(int argc, char **argv)
{
    struct options o = { .messages = 2000000, .rounds = 5, .capacity = 4096,
                         .max_seconds = 2 };
    queues_make();
    for (size_t q = 0; q < nqueues; q++)
        o.selected[q] = true;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    struct ctx x = { .o = &o };
    x.can_pin = util_cpu_pair(x.cpu_pair) == 2;
    for (size_t q = 0; q < nqueues; q++)
        if (o.selected[q])
            x.row_q[x.nrows++] = q;
    struct bench_machine mach;   /* recorded beside the numbers, read before the runs */
    bench_machine_get(&mach);
    if (o.c.fmt == BENCH_JSON)
        bench_machine_print(stdout, &mach, "bench-queue", BENCH_JSON);
    double load[2] = { -1, -1 };
    (void)getloadavg(&load[0], 1);
    struct bench_sweep s = { .prog = "bench-queue", .nrows = x.nrows, .npoints = NCONFIGS,
                             .rounds = o.rounds, .budget_s = o.budget_s, .ctx = &x,
                             .point = point, .runs = cell_runs, .name = cell_name };
    if (bench_sweep_run(&s) != 0)
        return 1;
    (void)getloadavg(&load[1], 1);
    if (o.c.fmt == BENCH_CSV) {
        bench_machine_print(stdout, &mach, "bench-queue", BENCH_CSV);
        bench_csv_header(stdout, csv_cols);
    }
    print_results(&s, &x);
    rc = o.c.plot ? plot(&s, &x) : 0;
    if (o.c.fmt == BENCH_HUMAN)
        print_human(&s, &x, &mach, load);
    print_targets(&s, &x);
    rc = rc || s.any_failed;
    bench_sweep_free(&s);
    return rc;
}
