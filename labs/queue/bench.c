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

#include "bench_util.h"
#include "lab.h"
#include "sync/atomic.h"
#include "sync/bqueue.h"
#include "sync/mpmc.h"
#include "sync/msqueue.h"
#include "sync/spsc.h"

#if defined(__SANITIZE_THREAD__)
#define BQ_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BQ_TSAN 1
#endif
#endif

/* ck and liburcu do their atomics in inline assembly that ThreadSanitizer
 * cannot see: under TSan they would only produce false reports. */
#if defined(RACELAB_HAVE_CK) && !defined(BQ_TSAN)
#define BQ_CK 1
#include <ck_ring.h>
#endif
#if defined(RACELAB_HAVE_URCU) && !defined(BQ_TSAN)
#define BQ_URCU 1
#define _LGPL_SOURCE
#include <urcu/wfcqueue.h>
#endif

#define SENTINEL UINT64_MAX
#define MAX_THREADS 8

struct run {
    void *q;
    unsigned producers, consumers;
    uint64_t per_producer;
    bool pin;
    int cpus[2];
    sync_atomic_u32 ready;           /* threads past set-up */
    sync_atomic_u32 go;              /* start gate */
    sync_atomic_u32 stop;            /* time is up: producers stop early */
    sync_atomic_u32 producers_done;
    sync_atomic_u64 consumed;
    sync_atomic_u64 end_ns;          /* latest consumer exit */
    sync_atomic_u64 checksum;        /* keeps the consumers' reads alive */
};

static void pin_self(struct run *r, int which)
{
    if (!r->pin)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(r->cpus[which], &set);
    (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void gate(struct run *r)
{
    sync_fetch_add_u32(&r->ready, 1, SYNC_RELAXED);
    unsigned rounds = 0;
    /* Acquire: pairs with the release store that opens the gate. */
    while (sync_load_u32(&r->go, SYNC_ACQUIRE) == 0)
        sync__spin_wait(&rounds);
}

static void consumer_exit(struct run *r, uint64_t n, uint64_t sum)
{
    uint64_t now = lab_now_ns();
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

/* Non-blocking queues: TRYPUSH(q, h, v) and TRYPOP(q, h, &v) are
 * expressions; ENTER(q) gives the per-thread handle h, LEAVE(q, h) returns it. */
#define BENCH_NONBLOCKING(NAME, QTYPE, HTYPE, ENTER, LEAVE, TRYPUSH, TRYPOP)               \
    static void *NAME##_producer(void *arg)                                                 \
    {                                                                                       \
        struct run *r = arg;                                                                \
        QTYPE *q = r->q;                                                                    \
        pin_self(r, 0);                                                                     \
        HTYPE h = ENTER(q);                                                                 \
        gate(r);                                                                            \
        for (uint64_t i = 1; i <= r->per_producer; i++) {                                   \
            unsigned rounds = 0;                                                            \
            while (!TRYPUSH(q, h, i)) {                                                     \
                if (stopped(r))                                                             \
                    goto out;                                                               \
                backoff(&rounds);                                                           \
            }                                                                               \
            if ((i & 1023) == 0 && stopped(r))                                              \
                break;                                                                      \
        }                                                                                   \
    out:                                                                                    \
        LEAVE(q, h);                                                                        \
        /* Release: pairs with the consumers' acquire load (drained check). */              \
        sync_fetch_add_u32(&r->producers_done, 1, SYNC_RELEASE);                            \
        return NULL;                                                                        \
    }                                                                                       \
    static void *NAME##_consumer(void *arg)                                                 \
    {                                                                                       \
        struct run *r = arg;                                                                \
        QTYPE *q = r->q;                                                                    \
        pin_self(r, 1);                                                                     \
        HTYPE h = ENTER(q);                                                                 \
        uint64_t n = 0, sum = 0, v = 0;                                                     \
        gate(r);                                                                            \
        unsigned rounds = 0;                                                                \
        for (;;) {                                                                          \
            /* Acquire: pairs with the producers' release increment. */                     \
            bool done = sync_load_u32(&r->producers_done, SYNC_ACQUIRE) == r->producers;    \
            if (TRYPOP(q, h, &v)) {                                                         \
                n++;                                                                        \
                sum += v;                                                                   \
                rounds = 0;                                                                 \
            } else if (done) {                                                              \
                break;                                                                      \
            } else {                                                                        \
                backoff(&rounds);                                                           \
            }                                                                               \
        }                                                                                   \
        LEAVE(q, h);                                                                        \
        consumer_exit(r, n, sum);                                                           \
        return NULL;                                                                        \
    }

/* Blocking queues: PUSH(q, v) and POP(q, &v) sleep; one SENTINEL per
 * consumer, pushed by main once the producers are done, ends the run. */
#define BENCH_BLOCKING(NAME, QTYPE, PUSH, POP)                                              \
    static void *NAME##_producer(void *arg)                                                 \
    {                                                                                       \
        struct run *r = arg;                                                                \
        QTYPE *q = r->q;                                                                    \
        gate(r);                                                                            \
        for (uint64_t i = 1; i <= r->per_producer; i++) {                                   \
            PUSH(q, i);                                                                     \
            if ((i & 1023) == 0 && stopped(r))                                              \
                break;                                                                      \
        }                                                                                   \
        sync_fetch_add_u32(&r->producers_done, 1, SYNC_RELEASE); /* as above */             \
        return NULL;                                                                        \
    }                                                                                       \
    static void *NAME##_consumer(void *arg)                                                 \
    {                                                                                       \
        struct run *r = arg;                                                                \
        QTYPE *q = r->q;                                                                    \
        uint64_t n = 0, sum = 0, v = 0;                                                     \
        gate(r);                                                                            \
        for (;;) {                                                                          \
            POP(q, &v);                                                                     \
            if (v == SENTINEL)                                                              \
                break;                                                                      \
            n++;                                                                            \
            sum += v;                                                                       \
        }                                                                                   \
        consumer_exit(r, n, sum);                                                           \
        return NULL;                                                                        \
    }

#define NO_ENTER(q) NULL
#define NO_LEAVE(q, h) ((void)(h))

/* ---- ours ---------------------------------------------------------------- */

#define SPSC_PUSH(q, h, v) sync_spsc_trypush(q, v)
#define SPSC_POP(q, h, p) sync_spsc_trypop(q, p)
BENCH_NONBLOCKING(spsc, struct sync_spsc, void *, NO_ENTER, NO_LEAVE, SPSC_PUSH, SPSC_POP)

/* spsc with its batch calls: up to BATCH items per index update. */
#define BATCH 32
static void *spscb_producer(void *arg)
{
    struct run *r = arg;
    struct sync_spsc *q = r->q;
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
    struct sync_spsc *q = r->q;
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

#define MPMC_PUSH(q, h, v) sync_mpmc_trypush(q, v)
#define MPMC_POP(q, h, p) sync_mpmc_trypop(q, p)
BENCH_NONBLOCKING(mpmc, struct sync_mpmc, void *, NO_ENTER, NO_LEAVE, MPMC_PUSH, MPMC_POP)

BENCH_NONBLOCKING(msq, struct sync_msqueue, sync_msqueue_thread *, sync_msqueue_thread_enter,
                  sync_msqueue_thread_leave, sync_msqueue_trypush, sync_msqueue_trypop)

BENCH_BLOCKING(bq, struct sync_bqueue, sync_bqueue_push, sync_bqueue_pop)
BENCH_BLOCKING(semq, struct sync_semq, sync_semq_push, sync_semq_pop)

/* ---- Concurrency Kit ------------------------------------------------------ */
#ifdef BQ_CK
struct ckq {
    ck_ring_t ring;
    ck_ring_buffer_t *buf;
};
static inline bool ck_spsc_push(struct ckq *q, uint64_t v)
{
    return ck_ring_enqueue_spsc(&q->ring, q->buf, (void *)(uintptr_t)v);
}
static inline bool ck_spsc_pop(struct ckq *q, uint64_t *v)
{
    void *p;
    if (!ck_ring_dequeue_spsc(&q->ring, q->buf, &p))
        return false;
    *v = (uint64_t)(uintptr_t)p;
    return true;
}
static inline bool ck_mpmc_push(struct ckq *q, uint64_t v)
{
    return ck_ring_enqueue_mpmc(&q->ring, q->buf, (void *)(uintptr_t)v);
}
static inline bool ck_mpmc_pop(struct ckq *q, uint64_t *v)
{
    void *p;
    if (!ck_ring_dequeue_mpmc(&q->ring, q->buf, &p))
        return false;
    *v = (uint64_t)(uintptr_t)p;
    return true;
}
#define CKS_PUSH(q, h, v) ck_spsc_push(q, v)
#define CKS_POP(q, h, p) ck_spsc_pop(q, p)
#define CKM_PUSH(q, h, v) ck_mpmc_push(q, v)
#define CKM_POP(q, h, p) ck_mpmc_pop(q, p)
BENCH_NONBLOCKING(ckspsc, struct ckq, void *, NO_ENTER, NO_LEAVE, CKS_PUSH, CKS_POP)
BENCH_NONBLOCKING(ckmpmc, struct ckq, void *, NO_ENTER, NO_LEAVE, CKM_PUSH, CKM_POP)
#endif

/* ---- liburcu wfcqueue ----------------------------------------------------- */
#ifdef BQ_URCU
struct wfq {
    struct cds_wfcq_head head;
    struct cds_wfcq_tail tail;
};
struct wfq_node {
    struct cds_wfcq_node node;
    uint64_t v;
};
/* Unbounded, one malloc per message, like msqueue: enqueue is wait-free (an
 * exchange on the tail); dequeue takes the head's mutex. */
static inline bool wfq_push(struct wfq *q, uint64_t v)
{
    struct wfq_node *n = malloc(sizeof *n);
    if (n == NULL)
        return false;
    cds_wfcq_node_init(&n->node);
    n->v = v;
    cds_wfcq_enqueue(&q->head, &q->tail, &n->node);
    return true;
}
static inline bool wfq_pop(struct wfq *q, uint64_t *v)
{
    struct cds_wfcq_node *n = cds_wfcq_dequeue_blocking(&q->head, &q->tail);
    if (n == NULL)
        return false;
    struct wfq_node *w = caa_container_of(n, struct wfq_node, node);
    *v = w->v;
    free(w);
    return true;
}
#define WFQ_PUSH(q, h, v) wfq_push(q, v)
#define WFQ_POP(q, h, p) wfq_pop(q, p)
BENCH_NONBLOCKING(wfq, struct wfq, void *, NO_ENTER, NO_LEAVE, WFQ_PUSH, WFQ_POP)
#endif

/* ---- the table of queues -------------------------------------------------- */

struct queue {
    const char *name;
    const char *what;
    bool ours;
    bool spsc_only;
    bool blocking;
    void *(*make)(uint32_t capacity);
    void (*drop)(void *q);
    void *(*producer)(void *);
    void *(*consumer)(void *);
    void (*push_blocking)(void *q, uint64_t v);   /* sentinels */
};

static void *make_spsc(uint32_t cap)
{
    void *q = aligned_alloc(SYNC_CACHELINE, sync_spsc_size(cap));
    if (q != NULL && sync_spsc_init(q, cap, 0) != 0) {
        free(q);
        return NULL;
    }
    return q;
}
static void *make_mpmc(uint32_t cap)
{
    void *q = aligned_alloc(SYNC_CACHELINE, sync_mpmc_size(cap));
    if (q != NULL && sync_mpmc_init(q, cap, 0) != 0) {
        free(q);
        return NULL;
    }
    return q;
}
static void *make_msq(uint32_t cap)
{
    (void)cap;
    struct sync_msqueue *q = aligned_alloc(SYNC_CACHELINE, sizeof *q);
    if (q != NULL && sync_msqueue_init(q) != 0) {
        free(q);
        return NULL;
    }
    return q;
}
static void drop_msq(void *q)
{
    sync_msqueue_destroy(q);
    free(q);
}
static void *make_bq(uint32_t cap)
{
    void *q = aligned_alloc(SYNC_CACHELINE, sync_bqueue_size(cap));
    if (q != NULL && sync_bqueue_init(q, cap, 0) != 0) {
        free(q);
        return NULL;
    }
    return q;
}
static void drop_bq(void *q)
{
    sync_bqueue_destroy(q);
    free(q);
}
static void push_bq(void *q, uint64_t v) { sync_bqueue_push(q, v); }
static void *make_semq(uint32_t cap)
{
    void *q = aligned_alloc(SYNC_CACHELINE, sync_semq_size(cap));
    if (q != NULL && sync_semq_init(q, cap, 0) != 0) {
        free(q);
        return NULL;
    }
    return q;
}
static void push_semq(void *q, uint64_t v) { sync_semq_push(q, v); }

#ifdef BQ_CK
static void *make_ck(uint32_t cap)
{
    struct ckq *q = malloc(sizeof *q);
    if (q == NULL)
        return NULL;
    q->buf = aligned_alloc(SYNC_CACHELINE, (size_t)cap * sizeof *q->buf);
    if (q->buf == NULL) {
        free(q);
        return NULL;
    }
    memset(q->buf, 0, (size_t)cap * sizeof *q->buf);
    ck_ring_init(&q->ring, cap);
    return q;
}
static void drop_ck(void *p)
{
    struct ckq *q = p;
    free(q->buf);
    free(q);
}
#endif

#ifdef BQ_URCU
static void *make_wfq(uint32_t cap)
{
    (void)cap;
    struct wfq *q = malloc(sizeof *q);
    if (q != NULL)
        cds_wfcq_init(&q->head, &q->tail);
    return q;
}
static void drop_wfq(void *p)
{
    struct wfq *q = p;
    uint64_t v;
    while (wfq_pop(q, &v))
        ;
    cds_wfcq_destroy(&q->head, &q->tail);
    free(q);
}
#endif

static const struct queue queues[] = {
    { "spsc", "sync_spsc: SPSC ring, cached indices", true, true, false, make_spsc, free,
      spsc_producer, spsc_consumer, NULL },
    { "spsc-batch", "sync_spsc, batch push/pop of 32", true, true, false, make_spsc, free,
      spscb_producer, spscb_consumer, NULL },
#ifdef BQ_CK
    { "ck_ring-spsc", "Concurrency Kit ck_ring, spsc", false, true, false, make_ck, drop_ck,
      ckspsc_producer, ckspsc_consumer, NULL },
#endif
    { "mpmc", "sync_mpmc: per-slot sequence numbers", true, false, false, make_mpmc, free,
      mpmc_producer, mpmc_consumer, NULL },
#ifdef BQ_CK
    { "ck_ring-mpmc", "Concurrency Kit ck_ring, mpmc", false, false, false, make_ck, drop_ck,
      ckmpmc_producer, ckmpmc_consumer, NULL },
#endif
    { "msqueue", "sync_msqueue: Michael-Scott + hazard pointers", true, false, false, make_msq,
      drop_msq, msq_producer, msq_consumer, NULL },
#ifdef BQ_URCU
    { "wfcqueue", "liburcu wfcqueue (malloc per message)", false, false, false, make_wfq,
      drop_wfq, wfq_producer, wfq_consumer, NULL },
#endif
    { "bqueue", "sync_bqueue: mutex + two condvars", true, false, true, make_bq, drop_bq,
      bq_producer, bq_consumer, push_bq },
    { "semq", "sync_semq: semaphore pair", true, false, true, make_semq, free, semq_producer,
      semq_consumer, push_semq },
};
#define NQUEUES (sizeof queues / sizeof queues[0])

static const unsigned configs[] = { 1, 2, 4 };   /* producers = consumers */
#define NCONFIGS 3

struct options {
    uint64_t messages;
    unsigned rounds;
    uint32_t capacity;
    double max_seconds;
    bool json, csv, quick;
    const char *plot_dir;   /* --plot: where queue.svg goes, or NULL */
    bool selected[16];      /* --queues: which rows run */
};

static int cpu_pair[2];
static bool can_pin;

/* One run; returns Mmsg/s, or a negative value if the queue could not be made. */
static double run_once(const struct queue *qd, unsigned k, const struct options *o)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.q = qd->make(o->capacity);
    if (r.q == NULL)
        return -1;
    r.producers = r.consumers = k;
    r.per_producer = o->messages / k;
    r.pin = k == 1 && can_pin;
    r.cpus[0] = cpu_pair[0];
    r.cpus[1] = cpu_pair[1];
    pthread_t tp[MAX_THREADS], tc[MAX_THREADS];
    for (unsigned i = 0; i < k; i++)
        if (pthread_create(&tp[i], NULL, qd->producer, &r) != 0)
            abort();
    for (unsigned i = 0; i < k; i++)
        if (pthread_create(&tc[i], NULL, qd->consumer, &r) != 0)
            abort();
    unsigned rounds = 0;
    while (sync_load_u32(&r.ready, SYNC_RELAXED) < 2 * k)
        sync__spin_wait(&rounds);
    uint64_t t0 = lab_now_ns();
    sync_store_u32(&r.go, 1, SYNC_RELEASE);   /* pairs with the acquire in gate() */
    uint64_t deadline = t0 + (uint64_t)(o->max_seconds * 1e9);
    struct timespec nap = { 0, 1000000 };
    /* Acquire: pairs with the producers' release increments. */
    while (sync_load_u32(&r.producers_done, SYNC_ACQUIRE) < k && lab_now_ns() < deadline)
        nanosleep(&nap, NULL);
    if (sync_load_u32(&r.producers_done, SYNC_ACQUIRE) < k)
        sync_store_u32(&r.stop, 1, SYNC_RELAXED);
    for (unsigned i = 0; i < k; i++)
        pthread_join(tp[i], NULL);
    if (qd->blocking)
        for (unsigned i = 0; i < k; i++)
            qd->push_blocking(r.q, SENTINEL);
    for (unsigned i = 0; i < k; i++)
        pthread_join(tc[i], NULL);
    uint64_t t1 = sync_load_u64(&r.end_ns, SYNC_RELAXED);
    uint64_t n = sync_load_u64(&r.consumed, SYNC_RELAXED);
    qd->drop(r.q);
    if (t1 <= t0)
        t1 = t0 + 1;
    return (double)n / ((double)(t1 - t0) / 1e9) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench-queue [--json | --csv] [--plot DIR] [--quick] [--messages N] [--rounds N]\n"
            "                   [--capacity N] [--max-seconds S]\n"
            "  Mmsg/s through each queue at 1x1, 2x2 and 4x4 producers x consumers, median of\n"
            "  interleaved rounds, ours beside ck_ring, liburcu wfcqueue and blocking queues\n"
            "  --messages N     items per run (default 2000000)\n"
            "  --rounds N       rounds, 1..99 (default 5; each cell is their median)\n"
            "  --capacity N     slots of the bounded queues, a power of two, 2..1048576\n"
            "                   (default 4096)\n"
            "  --max-seconds S  stop a run after S seconds, 0.01..600 (default 2)\n"
            "  --queues LIST    only these queues, comma-separated (default all built in)\n"
            "  --wait backoff|spin  what a non-blocking queue's caller does on full/empty:\n"
            "                   exponential backoff, then yield (default); or sync/'s polite\n"
            "                   spin, one pause per poll (both sides keep polling)\n"
            "  --quick          20000 messages, 3 rounds, runs capped at 0.25 s: a smoke\n"
            "                   test, not a measurement\n"
            "  --json           JSON Lines: one \"result\" per queue and configuration,\n"
            "                   one \"ratio\" per target\n"
            "  --csv            CSV: a header, then one row per queue and configuration\n"
            "  --plot DIR       also write DIR/queue.svg: Mmsg/s against producers =\n"
            "                   consumers, one line per queue (log scale)\n"
            "queues in this build:");
    for (size_t i = 0; i < NQUEUES; i++)
        fprintf(f, " %s", queues[i].name);
    fprintf(f, "\n");
}

static bool parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int find_queue(const char *name);

/* "a,b,c" -> o->selected; false (after saying why) on an unknown name. */
static bool select_queues(const char *list, struct options *o)
{
    char buf[256];
    if (strlen(list) >= sizeof buf || list[0] == '\0') {
        fprintf(stderr, "bench-queue: --queues wants a comma-separated list of queue names\n");
        return false;
    }
    strcpy(buf, list);
    memset(o->selected, 0, sizeof o->selected);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int q = find_queue(t);
        if (q < 0) {
            fprintf(stderr, "bench-queue: --queues: no queue '%s' in this build (--help lists them)\n", t);
            return false;
        }
        o->selected[q] = true;
    }
    return true;
}

static int parse(int argc, char **argv, struct options *o)
{
    bool messages_set = false, rounds_set = false, seconds_set = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t v;
        if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--csv") == 0) {
            o->csv = true;
        } else if (strcmp(a, "--plot") == 0) {
            if (val == NULL) {
                fprintf(stderr, "bench-queue: --plot needs a directory\n");
                return 2;
            }
            char err[256];
            if (bench_plot_dir(val, err, sizeof err) != 0) {
                fprintf(stderr, "bench-queue: %s\n", err);
                return 2;
            }
            o->plot_dir = val;
            i++;
        } else if (strcmp(a, "--quick") == 0) {
            o->quick = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--messages") == 0) {
            if (!parse_u64(val, 4, UINT64_C(1) << 40, &v)) {
                fprintf(stderr, "bench-queue: --messages wants an integer from 4 to 2^40, "
                        "not '%s'\n", val ? val : "");
                return 2;
            }
            o->messages = v;
            messages_set = true;
            i++;
        } else if (strcmp(a, "--rounds") == 0) {
            if (!parse_u64(val, 1, 99, &v)) {
                fprintf(stderr, "bench-queue: --rounds wants an integer from 1 to 99, not '%s'\n",
                        val ? val : "");
                return 2;
            }
            o->rounds = (unsigned)v;
            rounds_set = true;
            i++;
        } else if (strcmp(a, "--capacity") == 0) {
            if (!parse_u64(val, 2, 1u << 20, &v) || (v & (v - 1)) != 0) {
                fprintf(stderr, "bench-queue: --capacity wants a power of two from 2 to "
                        "1048576, not '%s'\n", val ? val : "");
                return 2;
            }
            o->capacity = (uint32_t)v;
            i++;
        } else if (strcmp(a, "--wait") == 0) {
            if (val != NULL && strcmp(val, "spin") == 0) {
                wait_spin = true;
            } else if (val == NULL || strcmp(val, "backoff") != 0) {
                fprintf(stderr, "bench-queue: --wait wants backoff or spin, not '%s'\n",
                        val ? val : "");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--queues") == 0) {
            if (val == NULL || !select_queues(val, o))
                return 2;
            i++;
        } else if (strcmp(a, "--max-seconds") == 0) {
            char *end = NULL;
            double s = val ? strtod(val, &end) : 0;
            if (val == NULL || end == val || *end != '\0' || !(s >= 0.01 && s <= 600)) {
                fprintf(stderr, "bench-queue: --max-seconds wants a number from 0.01 to 600, "
                        "not '%s'\n", val ? val : "");
                return 2;
            }
            o->max_seconds = s;
            seconds_set = true;
            i++;
        } else {
            fprintf(stderr, "bench-queue: unknown option '%s' (try --help)\n", a);
            return 2;
        }
    }
    if (o->json && o->csv) {
        fprintf(stderr, "bench-queue: --json and --csv exclude each other: pick one\n");
        return 2;
    }
    if (o->quick) {
        if (!messages_set)
            o->messages = 20000;
        if (!rounds_set)
            o->rounds = 3;
        if (!seconds_set)   /* ck_ring mpmc can crawl at 4x4: cap its runs short */
            o->max_seconds = 0.25;
    }
    return 0;
}

static int find_queue(const char *name)
{
    _Static_assert(NQUEUES <= 16, "struct options: selected[] too small");
    for (size_t i = 0; i < NQUEUES; i++)
        if (strcmp(queues[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The ratio of two queues at one configuration: the median over rounds of
 * the per-round ratio. The two run back to back in each round, so a burst of
 * load from elsewhere tends to hit both; a ratio of medians would compare
 * rounds that saw different machines. */
static double (*round_rates)[NCONFIGS][100];

/* ck_ring's mpmc enqueue waits, spinning inside ck, for every earlier
 * producer to publish; oversubscribed, that wait lasts until the scheduler
 * runs the preempted one, and the run cannot be stopped from outside (here
 * it took from seconds to half a minute for 20000 messages). --quick leaves
 * that cell out so the smoke test stays short; the full run measures it. */
static bool quick_skips(const struct options *o, size_t q, int c)
{
    return o->quick && strcmp(queues[q].name, "ck_ring-mpmc") == 0 && configs[c] > 2;
}

static bool runs(const struct options *o, size_t q, int c)
{
    return o->selected[q] && !(queues[q].spsc_only && configs[c] != 1) && !quick_skips(o, q, c);
}

static void ratio(const struct options *o, double med[][NCONFIGS], const char *num,
                  const char *den, int c, double target, const char *target_text)
{
    int a = find_queue(num), b = find_queue(den);
    if (o->csv)
        return;   /* CSV carries the measurements only */
    if (a < 0 || b < 0 || med[a][c] <= 0 || med[b][c] <= 0) {
        if (!o->json)
            printf("  %s / %s at %ux%u: %s not built in, no ratio\n", num, den, configs[c],
                   configs[c], a < 0 ? num : den);
        return;
    }
    double per_round[100];
    for (unsigned r = 0; r < o->rounds; r++)
        per_round[r] = round_rates[a][c][r] / round_rates[b][c][r];
    qsort(per_round, o->rounds, sizeof per_round[0], cmp_double);
    unsigned n = o->rounds;
    double x = n % 2 ? per_round[n / 2] : (per_round[n / 2 - 1] + per_round[n / 2]) / 2;
    if (o->json)
        printf("{\"kind\":\"ratio\",\"name\":\"%s/%s\",\"producers\":%u,\"consumers\":%u,"
               "\"ratio\":%.3f,\"target\":%.2f,\"met\":%s,\"ratio_of\":\"median of per-round ratios\"}\n", num, den, configs[c], configs[c],
               x, target, target <= 0 ? "null" : x >= target ? "true" : "false");
    else {
        char label[96];
        snprintf(label, sizeof label, "%s / %s at %ux%u", num, den, configs[c], configs[c]);
        printf("  %-34s %7.2fx  (target %s): %s\n", label, x, target_text,
               target <= 0 ? "-" : x >= target ? "met" : "MISSED");
    }
}

int main(int argc, char **argv)
{
    struct options o = { .messages = 2000000, .rounds = 5, .capacity = 4096, .max_seconds = 2 };
    for (size_t q = 0; q < NQUEUES; q++)
        o.selected[q] = true;
    int rc = parse(argc, argv, &o);
    if (rc != 0)
        return rc;

    can_pin = bench_cpu_pair(cpu_pair) == 2;

    struct bench_machine mach;   /* recorded beside the numbers, read before the runs */
    bench_machine_get(&mach);
    if (o.json)
        bench_machine_print(stdout, &mach, "bench-queue", BENCH_JSON);
    double load_before = -1, load_after = -1;
    (void)getloadavg(&load_before, 1);
    static double rates[NQUEUES][NCONFIGS][100];
    double med[NQUEUES][NCONFIGS];
    for (unsigned r = 0; r < o.rounds; r++)
        for (int c = 0; c < NCONFIGS; c++)
            for (size_t q = 0; q < NQUEUES; q++) {
                if (!runs(&o, q, c))
                    continue;
                rates[q][c][r] = run_once(&queues[q], configs[c], &o);
                if (rates[q][c][r] < 0) {
                    fprintf(stderr, "bench-queue: cannot create %s (capacity %u): %s\n",
                            queues[q].name, o.capacity, strerror(errno ? errno : ENOMEM));
                    return 1;
                }
            }
    (void)getloadavg(&load_after, 1);
    if (o.csv) {
        bench_machine_print(stdout, &mach, "bench-queue", BENCH_CSV);
        puts("queue,ours,producers,consumers,messages,rounds,capacity,mmsg_per_s,min,max,wait");
    }
    static double unsorted[NQUEUES][NCONFIGS][100];
    memcpy(unsorted, rates, sizeof unsorted);
    round_rates = unsorted;
    for (size_t q = 0; q < NQUEUES; q++)
        for (int c = 0; c < NCONFIGS; c++) {
            med[q][c] = -1;
            if (!runs(&o, q, c))
                continue;
            double *v = rates[q][c];
            qsort(v, o.rounds, sizeof *v, cmp_double);
            unsigned n = o.rounds;
            med[q][c] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
            if (o.json)
                printf("{\"kind\":\"result\",\"queue\":\"%s\",\"ours\":%s,\"producers\":%u,"
                       "\"consumers\":%u,\"messages\":%" PRIu64 ",\"rounds\":%u,\"capacity\":%u,"
                       "\"mmsg_per_s\":%.3f,\"min\":%.3f,\"max\":%.3f,\"wait\":\"%s\"}\n",
                       queues[q].name, queues[q].ours ? "true" : "false", configs[c],
                       configs[c], o.messages, o.rounds, o.capacity, med[q][c], v[0],
                       v[n - 1], wait_spin ? "spin" : "backoff");
            else if (o.csv)
                printf("%s,%s,%u,%u,%" PRIu64 ",%u,%u,%.3f,%.3f,%.3f,%s\n", queues[q].name,
                       queues[q].ours ? "true" : "false", configs[c], configs[c], o.messages,
                       o.rounds, o.capacity, med[q][c], v[0], v[n - 1],
                       wait_spin ? "spin" : "backoff");
        }
    if (o.plot_dir != NULL) {
        double x[NCONFIGS];
        static double y[NQUEUES][NCONFIGS];
        struct bench_series series[NQUEUES];
        unsigned ns = 0;
        for (int c = 0; c < NCONFIGS; c++)
            x[c] = configs[c];
        for (size_t q = 0; q < NQUEUES; q++) {
            if (!o.selected[q])
                continue;
            for (int c = 0; c < NCONFIGS; c++)
                y[q][c] = med[q][c] > 0 ? med[q][c] : NAN;   /* not run: a gap */
            series[ns++] = (struct bench_series){ .name = queues[q].name, .y = y[q] };
        }
        char path[4096], err[256];
        snprintf(path, sizeof path, "%s/queue.svg", o.plot_dir);
        if (bench_svg_lines(path, "bench-queue: throughput by producers = consumers",
                            "producers = consumers", "Mmsg/s", x, NCONFIGS, series, ns, err,
                            sizeof err) != 0) {
            fprintf(stderr, "bench-queue: %s\n", err);
            return 1;
        }
    }

    if (!o.json && !o.csv) {
        printf("bench-queue: Mmsg/s (million messages per second), median of %u interleaved "
               "rounds%s\n%" PRIu64 " messages per run, capacity %u, %u CPUs online, atomics: "
               "%s\n", o.rounds, o.quick ? " (--quick: not a measurement)" : "", o.messages,
               o.capacity, lab_online_cpus(), lab_atomics_backend());
        bench_machine_print(stdout, &mach, "bench-queue", BENCH_HUMAN);
        printf("on full/empty: %s\n", wait_spin ? "spin (one pause per poll, then yield)"
               : "exponential backoff (1..64 pauses), then yield");
        if (load_before >= 0)
            printf("load average (1 min): %.2f before, %.2f after%s\n", load_before, load_after,
                   load_after > lab_online_cpus() ? " (more than the CPUs: others ran too, "
                   "expect noise)" : "");
#ifndef BQ_CK
#ifdef BQ_TSAN
        printf("ck_ring: skipped (ThreadSanitizer build: ck's inline-asm atomics are invisible to it)\n");
#else
        printf("ck_ring: skipped (Concurrency Kit not found: apt-get install libck-dev)\n");
#endif
#endif
#ifndef BQ_URCU
#ifdef BQ_TSAN
        printf("wfcqueue: skipped (ThreadSanitizer build: liburcu's atomics are invisible to it)\n");
#else
        printf("wfcqueue: skipped (liburcu not found: apt-get install liburcu-dev)\n");
#endif
#endif
        printf("\n  %-14s %10s %10s %10s   %s\n", "queue", "1x1", "2x2", "4x4", "what");
        for (size_t q = 0; q < NQUEUES; q++) {
            if (!o.selected[q])
                continue;
            printf("  %-14s", queues[q].name);
            for (int c = 0; c < NCONFIGS; c++) {
                if (med[q][c] < 0)
                    printf(" %10s", "-");
                else
                    printf(" %10.2f", med[q][c]);
            }
            printf("   %s\n", queues[q].what);
        }
        printf("\n  (4x4 = 8 threads on %u CPUs: oversubscribed; 1x1 pinned to two CPUs)\n",
               lab_online_cpus());
        for (size_t q = 0; q < NQUEUES; q++)
            if (o.selected[q] && quick_skips(&o, q, NCONFIGS - 1))
                printf("  (--quick leaves out %s at 4x4: its enqueue spins inside ck until a "
                       "preempted producer runs again, and cannot be stopped)\n",
                       queues[q].name);
        printf("\ntargets:\n");
    }
    ratio(&o, med, "spsc", "ck_ring-spsc", 0, 2.0, ">= 2x");
    ratio(&o, med, "spsc-batch", "ck_ring-spsc", 0, 0.0, "for scale");
    ratio(&o, med, "mpmc", "wfcqueue", 1, 1.0, ">= 1x");
    for (int c = 0; c < NCONFIGS; c++)
        ratio(&o, med, "mpmc", "bqueue", c, 0.0, "for scale");
    /* No configuration of ours below 1 Mmsg/s when oversubscribed (4x4). */
    double worst = -1;
    const char *worst_name = "";
    for (size_t q = 0; q < NQUEUES; q++)
        if (queues[q].ours && o.selected[q] && med[q][2] >= 0 && (worst < 0 || med[q][2] < worst)) {
            worst = med[q][2];
            worst_name = queues[q].name;
        }
    if (worst < 0 || o.csv)
        ;   /* none of ours ran at 4x4 (--queues), or CSV: measurements only */
    else if (o.json)
        printf("{\"kind\":\"floor\",\"producers\":4,\"consumers\":4,\"queue\":\"%s\","
               "\"mmsg_per_s\":%.3f,\"target\":1.0,\"met\":%s}\n", worst_name, worst,
               worst >= 1.0 ? "true" : "false");
    else
        printf("  slowest of ours at 4x4: %s %.2f Mmsg/s (target >= 1): %s\n", worst_name, worst,
               worst >= 1.0 ? "met" : "MISSED");
    return 0;
}
