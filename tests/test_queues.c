/* test_queues.c - the queue half of sync/: spsc, mpmc, msqueue (+ hazard
 * pointers), the tagged stack, bqueue and semq.
 *
 * - stress: sequence-numbered items (producer << 40 | seq) at 1x1, 2x2 and
 *   4x4 (oversubscribed on 2 CPUs). Every consumer checks each item: a
 *   per-producer bitmap catches duplicates and, after the drain, losses;
 *   per-producer order is checked for the FIFO queues.
 * - linearizability: 1000 random histories of 3 threads x 10 operations,
 *   each checked by tests/queue_check.h; the checker itself is shown to
 *   reject hand-made bad histories and to catch two broken queues.
 * - reclamation: every node the msqueue retires is freed; under valgrind
 *   (when present, default build) the whole msqueue life is leak-free.
 * - across processes: spsc, mpmc, bqueue, semq and the stack in a MAP_SHARED
 *   mapping with SYNC_PSHARED, the workers fork()ed.
 * - capacity validation, the stack's ABA scenario played deterministically
 *   (the naive stack breaks, the tagged one does not), and bench-queue's
 *   output shape.
 * Sizes shrink under sanitizers. Budget: well under 40 s in the default build. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json_check.h"
#include "queue_check.h"
#include "run_prog.h"
#include "test_main.h"
#include "sync/atomic.h"
#include "sync/hazard.h"
#include "sync/msqueue.h"
#include "sync/stack.h"
#include "util/time.h"

#include "../labs/common/desc/queues.h"

static bool sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0 && RACELAB_SANITIZER_NAME[0] != '\0';
}

/* Items per producer: |n| in the default build, a tenth under sanitizers. */
static uint64_t scaled(uint64_t n)
{
    return sanitized() ? n / 10 : n;
}

/* ======================================================================== */
/* One interface over every queue, for the generic tests (indirect calls are */
/* fine here: this measures correctness, not speed).                        */
/* ======================================================================== */

struct qimpl {
    const char *name;
    unsigned max_producers, max_consumers;  /* 0: any */
    bool fifo;
    unsigned lin_flags;                     /* for qc_linearizable() */
    void *(*make)(uint32_t capacity);
    void (*drop)(void *q);
    void *(*enter)(void *q);                /* per-thread handle, or NULL */
    void (*leave)(void *q, void *h);
    bool (*trypush)(void *q, void *h, uint64_t v);
    bool (*trypop)(void *q, void *h, uint64_t *v);
    void (*push)(void *q, uint64_t v);      /* blocking, or NULL */
    void (*pop)(void *q, uint64_t *v);
    /* Across processes (NULL where not offered): */
    size_t (*size)(uint32_t capacity);
    int (*init)(void *q, uint32_t capacity, unsigned flags);
    void (*fini)(void *q);
};

static void *no_enter(void *q) { (void)q; return NULL; }
static void no_leave(void *q, void *h) { (void)q; (void)h; }

/* The queue descriptors (labs/common/desc/queue_<id>.h) behind that
 * interface: Q_DESCRIBE(id) writes the functions, q_from() the table entry
 * (at start-up: the entry copies the descriptor's facts). Blocking queues
 * get push/pop. */
static void *q_alloc(size_t size)
{
    size_t rounded = (size + SYNC_CACHELINE - 1) / SYNC_CACHELINE * SYNC_CACHELINE;
    void *q = aligned_alloc(SYNC_CACHELINE, rounded);
    if (q != NULL)
        memset(q, 0, rounded);
    return q;
}

#define Q_DESCRIBE(id)                                                                    \
    static size_t q_##id##_size(uint32_t cap) { return queued_##id##_size(cap); }          \
    static int q_##id##_init(void *q, uint32_t cap, unsigned flags)                        \
    {                                                                                      \
        return queued_##id##_init(q, cap, flags);                                          \
    }                                                                                      \
    static void q_##id##_fini(void *q) { queued_##id##_fini(q); }                          \
    static void *q_##id##_make(uint32_t cap)                                               \
    {                                                                                      \
        void *q = q_alloc(queued_##id##_size(cap));                                        \
        if (q != NULL && queued_##id##_init(q, cap, 0) != 0) {                             \
            free(q);                                                                       \
            q = NULL;                                                                      \
        }                                                                                  \
        return q;                                                                          \
    }                                                                                      \
    static void q_##id##_drop(void *q)                                                     \
    {                                                                                      \
        queued_##id##_fini(q);                                                             \
        free(q);                                                                           \
    }                                                                                      \
    static void *q_##id##_enter(void *q) { return queued_##id##_enter(q); }                \
    static void q_##id##_leave(void *q, void *h) { queued_##id##_leave(q, h); }            \
    static bool q_##id##_trypush(void *q, void *h, uint64_t v)                             \
    {                                                                                      \
        return queued_##id##_trypush(q, h, v);                                             \
    }                                                                                      \
    static bool q_##id##_trypop(void *q, void *h, uint64_t *v)                             \
    {                                                                                      \
        return queued_##id##_trypop(q, h, v);                                              \
    }                                                                                      \
    static void q_##id##_push(void *q, uint64_t v) { queued_##id##_push(q, NULL, v); }     \
    static void q_##id##_pop(void *q, uint64_t *v) { queued_##id##_pop(q, NULL, v); }

#define Q_FROM(id)                                                                        \
    q_from(&queued_##id##_info, q_##id##_make, q_##id##_drop, q_##id##_enter,              \
           q_##id##_leave, q_##id##_trypush, q_##id##_trypop, q_##id##_push, q_##id##_pop, \
           q_##id##_size, q_##id##_init, q_##id##_fini)

static struct qimpl q_from(const struct queued_info *i, void *(*make)(uint32_t),
                           void (*drop)(void *), void *(*enter)(void *),
                           void (*leave)(void *, void *),
                           bool (*trypush)(void *, void *, uint64_t),
                           bool (*trypop)(void *, void *, uint64_t *),
                           void (*push)(void *, uint64_t), void (*pop)(void *, uint64_t *),
                           size_t (*size)(uint32_t), int (*init)(void *, uint32_t, unsigned),
                           void (*fini)(void *))
{
    return (struct qimpl){ i->label, i->max_producers, i->max_consumers, i->fifo,
                           i->weak_empty ? QC_WEAK_EMPTY : 0, make, drop, enter, leave,
                           trypush, trypop, i->blocking ? push : NULL,
                           i->blocking ? pop : NULL, size, init, fini };
}

Q_DESCRIBE(spsc)
Q_DESCRIBE(mpmc)
Q_DESCRIBE(msqueue)
Q_DESCRIBE(bqueue)
Q_DESCRIBE(semq)

static struct qimpl Q_SPSC, Q_MPMC, Q_MSQ, Q_BQ, Q_SEMQ;

__attribute__((constructor)) static void q_table(void)
{
    Q_SPSC = Q_FROM(spsc);
    Q_MPMC = Q_FROM(mpmc);
    Q_MSQ = Q_FROM(msqueue);
    Q_BQ = Q_FROM(bqueue);
    Q_SEMQ = Q_FROM(semq);
}

/* ======================================================================== */
/* Stress with sequence-numbered items                                      */
/* ======================================================================== */

#define ITEM(p, s) ((uint64_t)(p) << 40 | (uint64_t)(s))
#define ITEM_PRODUCER(v) ((unsigned)((v) >> 40))
#define ITEM_SEQ(v) ((v) & ((UINT64_C(1) << 40) - 1))
#define SENTINEL UINT64_MAX

struct stress {
    const struct qimpl *impl;
    void *q;
    unsigned producers, consumers;
    uint64_t per_producer;
    bool blocking;                 /* blocking push/pop, SENTINEL per consumer */
    bool batch;                    /* spsc only: batch push/pop */
    sync_atomic_u32 go;            /* start gate */
    sync_atomic_u32 producers_done;
    sync_atomic_u64 *seen;         /* producers x words bitmap */
    size_t words;
    sync_atomic_u64 consumed, duplicated, reordered, foreign;
    /* A time budget: on a machine loaded by others a capacity-1 ring can need
     * a scheduler slice per item. Past |deadline| producers stop, and the run
     * is judged on what they made (made[p] items each, read after join). */
    uint64_t deadline_ns;
    uint64_t made[8];
};

#define STRESS_BUDGET_NS 8000000000ull


struct worker {
    struct stress *s;
    unsigned id;
};

static void gate(struct stress *s)
{
    unsigned rounds = 0;
    /* Acquire: pairs with the release store that opens the gate. */
    while (sync_load_u32(&s->go, SYNC_ACQUIRE) == 0)
        sync__spin_wait(&rounds);
}

static void *producer(void *arg)
{
    struct worker *w = arg;
    struct stress *s = w->s;
    void *h = s->impl->enter(s->q);
    gate(s);
    uint64_t batch[16];
    uint64_t i = 0;
    while (i < s->per_producer) {
        if ((i & 255u) == 0 && i > 0 && util_now_ns() > s->deadline_ns)
            break;   /* out of budget: judged on the items made */
        if (s->blocking) {
            s->impl->push(s->q, ITEM(w->id, i++));
        } else if (s->batch) {
            size_t n = 0;
            for (uint64_t j = i; j < s->per_producer && n < 16; j++)
                batch[n++] = ITEM(w->id, j);
            size_t k = 0;
            unsigned rounds = 0;
            while (k < n) {
                size_t m = sync_spsc_push_batch(s->q, batch + k, n - k);
                if (m == 0)
                    sync__spin_wait(&rounds);
                k += m;
            }
            i += n;
        } else {
            unsigned rounds = 0;
            while (!s->impl->trypush(s->q, h, ITEM(w->id, i)))
                sync__spin_wait(&rounds);
            i++;
        }
    }
    s->made[w->id] = i;
    s->impl->leave(s->q, h);
    /* Release: pairs with the consumers' acquire load: a pop that fails
     * after seeing every producer done means the queue is drained. */
    sync_fetch_add_u32(&s->producers_done, 1, SYNC_RELEASE);
    return NULL;
}

static void record(struct stress *s, uint64_t *last, uint64_t v)
{
    unsigned p = ITEM_PRODUCER(v);
    uint64_t seq = ITEM_SEQ(v);
    if (p >= s->producers || seq >= s->per_producer) {
        sync_fetch_add_u64(&s->foreign, 1, SYNC_RELAXED);
        return;
    }
    uint64_t bit = UINT64_C(1) << (seq & 63);
    sync_fetch_add_u64(&s->consumed, 1, SYNC_RELAXED);
    /* An atomic OR would be neater; fetch_or is not in sync/atomic.h, so a
     * CAS loop: exactly one consumer sets each bit. */
    sync_atomic_u64 *word = &s->seen[p * s->words + seq / 64];
    uint64_t cur = sync_load_u64(word, SYNC_RELAXED);
    while (!(cur & bit) && !sync_cas_u64(word, &cur, cur | bit, SYNC_RELAXED, SYNC_RELAXED))
        ;
    if (cur & bit)
        sync_fetch_add_u64(&s->duplicated, 1, SYNC_RELAXED);
    if (s->impl->fifo && last[p] != UINT64_MAX && seq <= last[p])
        sync_fetch_add_u64(&s->reordered, 1, SYNC_RELAXED);
    last[p] = seq;
}

static void *consumer(void *arg)
{
    struct worker *w = arg;
    struct stress *s = w->s;
    uint64_t last[256];
    for (unsigned p = 0; p < s->producers; p++)
        last[p] = UINT64_MAX;
    void *h = s->impl->enter(s->q);
    gate(s);
    uint64_t buf[16];
    for (;;) {
        if (s->blocking) {
            uint64_t v;
            s->impl->pop(s->q, &v);
            if (v == SENTINEL)
                break;
            record(s, last, v);
            continue;
        }
        /* Acquire: pairs with the producers' release increment. Read before
         * the pop: if all were done then and the pop fails, nothing is left. */
        bool done = sync_load_u32(&s->producers_done, SYNC_ACQUIRE) == s->producers;
        size_t k;
        if (s->batch) {
            k = sync_spsc_pop_batch(s->q, buf, 16);
        } else {
            k = s->impl->trypop(s->q, h, &buf[0]) ? 1 : 0;
        }
        for (size_t i = 0; i < k; i++)
            record(s, last, buf[i]);
        if (k == 0) {
            if (done)
                break;
            sched_yield();
        }
    }
    s->impl->leave(s->q, h);
    return NULL;
}

struct stress_result {
    uint64_t produced, consumed, lost, duplicated, reordered, foreign;
    bool cut_short;   /* the budget ran out before every item was made */
};

static struct stress_result stress_run(const struct qimpl *impl, unsigned producers,
                                       unsigned consumers, uint64_t per_producer,
                                       uint32_t capacity, bool blocking, bool batch)
{
    struct stress_result r = { 0 };
    struct stress s = { .impl = impl, .producers = producers, .consumers = consumers,
                        .per_producer = per_producer, .blocking = blocking, .batch = batch };
    s.deadline_ns = util_now_ns() + STRESS_BUDGET_NS;
    s.q = impl->make(capacity);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s.q);
    s.words = (size_t)(per_producer + 63) / 64;
    s.seen = calloc((size_t)producers * s.words, sizeof *s.seen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s.seen);
    pthread_t tp[8], tc[8];
    struct worker wp[8], wc[8];
    for (unsigned i = 0; i < producers; i++) {
        wp[i] = (struct worker){ &s, i };
        CU_ASSERT_FATAL(pthread_create(&tp[i], NULL, producer, &wp[i]) == 0);
    }
    for (unsigned i = 0; i < consumers; i++) {
        wc[i] = (struct worker){ &s, i };
        CU_ASSERT_FATAL(pthread_create(&tc[i], NULL, consumer, &wc[i]) == 0);
    }
    sync_store_u32(&s.go, 1, SYNC_RELEASE); /* pairs with the acquire in gate() */
    for (unsigned i = 0; i < producers; i++)
        pthread_join(tp[i], NULL);
    if (blocking)
        for (unsigned i = 0; i < consumers; i++)
            impl->push(s.q, SENTINEL);
    for (unsigned i = 0; i < consumers; i++)
        pthread_join(tc[i], NULL);
    r.produced = 0;
    for (unsigned p = 0; p < producers; p++)
        r.produced += s.made[p];
    r.cut_short = r.produced < (uint64_t)producers * per_producer;
    r.consumed = sync_load_u64(&s.consumed, SYNC_RELAXED);
    for (unsigned p = 0; p < producers; p++)
        for (uint64_t q = 0; q < s.made[p]; q++)
            if (!(sync_load_u64(&s.seen[p * s.words + q / 64], SYNC_RELAXED) >> (q % 64) & 1))
                r.lost++;
    r.duplicated = sync_load_u64(&s.duplicated, SYNC_RELAXED);
    r.reordered = sync_load_u64(&s.reordered, SYNC_RELAXED);
    r.foreign = sync_load_u64(&s.foreign, SYNC_RELAXED);
    free(s.seen);
    impl->drop(s.q);
    return r;
}

static void stress_check(const struct qimpl *impl, unsigned p, unsigned c, uint64_t n,
                         uint32_t capacity, bool blocking, bool batch)
{
    struct stress_result r = stress_run(impl, p, c, n, capacity, blocking, batch);
    printf("\n    %-8s %ux%u%s%s: produced %llu consumed %llu lost %llu duplicated %llu "
           "reordered %llu%s ", impl->name, p, c, blocking ? " blocking" : "",
           batch ? " batch" : "", (unsigned long long)r.produced,
           (unsigned long long)r.consumed, (unsigned long long)r.lost,
           (unsigned long long)r.duplicated, (unsigned long long)r.reordered,
           r.cut_short ? " (budget ran out: judged on the items made)" : "");
    CU_ASSERT(r.produced > 0);
    CU_ASSERT_EQUAL(r.consumed, r.produced);
    CU_ASSERT_EQUAL(r.lost, 0);
    CU_ASSERT_EQUAL(r.duplicated, 0);
    CU_ASSERT_EQUAL(r.reordered, 0);
    CU_ASSERT_EQUAL(r.foreign, 0);
}

/* 1x1, 2x2 and 4x4 (4x4 oversubscribes 2 CPUs: the case where a preempted
 * thread sits in the middle of an operation). Small capacities, so the
 * queues wrap and fill constantly. */
static void stress_all(const struct qimpl *impl, bool blocking)
{
    stress_check(impl, 1, 1, scaled(200000), 64, blocking, false);
    stress_check(impl, 2, 2, scaled(100000), 64, blocking, false);
    stress_check(impl, 4, 4, scaled(25000), 16, blocking, false);
}

static void test_queues_spsc_stress(void)
{
    stress_check(&Q_SPSC, 1, 1, scaled(400000), 64, false, false);
    stress_check(&Q_SPSC, 1, 1, scaled(400000), 64, false, true);
    stress_check(&Q_SPSC, 1, 1, scaled(100000), 1, false, false);  /* capacity 1 */
}

static void test_queues_mpmc_stress(void) { stress_all(&Q_MPMC, false); }
static void test_queues_msqueue_stress(void) { stress_all(&Q_MSQ, false); }
static void test_queues_bqueue_stress(void)
{
    stress_all(&Q_BQ, true);
    stress_check(&Q_BQ, 2, 2, scaled(50000), 7, false, false);   /* try ops, odd capacity */
}
static void test_queues_semq_stress(void)
{
    stress_all(&Q_SEMQ, true);
    stress_check(&Q_SEMQ, 2, 2, scaled(50000), 7, false, false);
}

/* Across processes: the bounded queues in one MAP_SHARED mapping, initialised
 * with SYNC_PSHARED, the producers and consumers fork()ed (the procs model of
 * the labs). The mapping holds no pointer that differs between processes: it
 * is mapped before the fork, so at the same address in all of them. */
static pid_t fork_worker(void *(*body)(void *), struct worker *w)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(120);     /* a lost item must not hang the suite */
        body(w);
        _exit(0);
    }
    return pid;
}

static void procs_check(const struct qimpl *impl, unsigned p, unsigned c, uint64_t n,
                        uint32_t cap, bool blocking)
{
    size_t words = (size_t)(n + 63) / 64;
    size_t head = (sizeof(struct stress) + 4095) / 4096 * 4096;
    size_t qsize = impl->size(cap);
    size_t total = head + qsize + (size_t)p * words * sizeof(sync_atomic_u64);
    CU_ASSERT_FATAL(qsize > 0);
    void *mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(mem != MAP_FAILED);
    struct stress *s = mem;   /* zero-filled by mmap */
    s->impl = impl;
    s->q = (char *)mem + head;
    s->producers = p;
    s->consumers = c;
    s->per_producer = n;
    s->blocking = blocking;
    s->words = words;
    s->deadline_ns = util_now_ns() + STRESS_BUDGET_NS;   /* made[] is in the mapping too */
    s->seen = (sync_atomic_u64 *)((char *)mem + head + qsize);
    CU_ASSERT_EQUAL_FATAL(impl->init(s->q, cap, SYNC_PSHARED), 0);
    pid_t pids[16];
    unsigned np = 0;
    struct worker w[16];
    for (unsigned i = 0; i < p; i++) {
        w[np] = (struct worker){ s, i };
        pids[np] = fork_worker(producer, &w[np]);
        CU_ASSERT_FATAL(pids[np] > 0);
        np++;
    }
    for (unsigned i = 0; i < c; i++) {
        w[np] = (struct worker){ s, i };
        pids[np] = fork_worker(consumer, &w[np]);
        CU_ASSERT_FATAL(pids[np] > 0);
        np++;
    }
    sync_store_u32(&s->go, 1, SYNC_RELEASE); /* pairs with the acquire in gate() */
    bool clean = true;
    for (unsigned i = 0; i < np; i++) {
        if (blocking && i == p)   /* producers done: one sentinel per consumer */
            for (unsigned k = 0; k < c; k++)
                impl->push(s->q, SENTINEL);
        int status = 0;
        while (waitpid(pids[i], &status, 0) < 0)
            ;   /* EINTR */
        clean &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    uint64_t lost = 0, made = 0;
    for (unsigned q = 0; q < p; q++) {
        made += s->made[q];
        for (uint64_t k = 0; k < s->made[q]; k++)
            if (!(sync_load_u64(&s->seen[q * words + k / 64], SYNC_RELAXED) >> (k % 64) & 1))
                lost++;
    }
    printf("\n    %-8s %ux%u procs%s: produced %llu consumed %llu lost %llu duplicated %llu "
           "reordered %llu%s ", impl->name, p, c, blocking ? " blocking" : "",
           (unsigned long long)made,
           (unsigned long long)sync_load_u64(&s->consumed, SYNC_RELAXED),
           (unsigned long long)lost,
           (unsigned long long)sync_load_u64(&s->duplicated, SYNC_RELAXED),
           (unsigned long long)sync_load_u64(&s->reordered, SYNC_RELAXED),
           made < p * n ? " (budget ran out: judged on the items made)" : "");
    CU_ASSERT_TRUE(clean);
    CU_ASSERT(made > 0);
    CU_ASSERT_EQUAL(lost, 0);
    CU_ASSERT_EQUAL(sync_load_u64(&s->consumed, SYNC_RELAXED), made);
    CU_ASSERT_EQUAL(sync_load_u64(&s->duplicated, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_load_u64(&s->reordered, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_load_u64(&s->foreign, SYNC_RELAXED), 0);
    impl->fini(s->q);
    munmap(mem, total);
}

static void test_queues_procs(void)
{
    procs_check(&Q_SPSC, 1, 1, scaled(100000), 64, false);
    procs_check(&Q_MPMC, 2, 2, scaled(50000), 64, false);
    procs_check(&Q_BQ, 2, 2, scaled(50000), 64, true);
    procs_check(&Q_SEMQ, 2, 2, scaled(50000), 64, true);
}

/* ======================================================================== */
/* Sequential semantics                                                     */
/* ======================================================================== */

static void fifo_sequential(const struct qimpl *impl, uint32_t cap)
{
    void *q = impl->make(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    void *h = impl->enter(q);
    uint64_t v = 0;
    CU_ASSERT_FALSE(impl->trypop(q, h, &v));
    for (int round = 0; round < 3; round++) {     /* wrap around a few times */
        for (uint32_t i = 0; i < cap; i++)
            CU_ASSERT_TRUE(impl->trypush(q, h, 1000 * (uint64_t)round + i));
        if (impl != &Q_MSQ)
            CU_ASSERT_FALSE(impl->trypush(q, h, 99));  /* full */
        for (uint32_t i = 0; i < cap; i++) {
            CU_ASSERT_TRUE(impl->trypop(q, h, &v));
            CU_ASSERT_EQUAL(v, 1000 * (uint64_t)round + i);
        }
        CU_ASSERT_FALSE(impl->trypop(q, h, &v));
    }
    impl->leave(q, h);
    impl->drop(q);
}

static void test_queues_sequential(void)
{
    fifo_sequential(&Q_SPSC, 8);
    fifo_sequential(&Q_SPSC, 1);
    fifo_sequential(&Q_MPMC, 8);
    fifo_sequential(&Q_MPMC, 2);
    fifo_sequential(&Q_MSQ, 100);
    fifo_sequential(&Q_BQ, 5);
    fifo_sequential(&Q_SEMQ, 5);

    /* spsc batches: partial when short of room or items. */
    struct sync_spsc *q = q_spsc_make(4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    uint64_t in[6] = { 1, 2, 3, 4, 5, 6 }, out[6] = { 0 };
    CU_ASSERT_EQUAL(sync_spsc_push_batch(q, in, 6), 4);
    CU_ASSERT_EQUAL(sync_spsc_count(q), 4);
    CU_ASSERT_EQUAL(sync_spsc_push_batch(q, in, 1), 0);
    CU_ASSERT_EQUAL(sync_spsc_pop_batch(q, out, 3), 3);
    CU_ASSERT(out[0] == 1 && out[1] == 2 && out[2] == 3);
    CU_ASSERT_EQUAL(sync_spsc_push_batch(q, in + 4, 2), 2);
    CU_ASSERT_EQUAL(sync_spsc_pop_batch(q, out, 6), 3);
    CU_ASSERT(out[0] == 4 && out[1] == 5 && out[2] == 6);
    CU_ASSERT_EQUAL(sync_spsc_pop_batch(q, out, 6), 0);
    free(q);
}

/* ======================================================================== */
/* Capacity validation                                                      */
/* ======================================================================== */

static void test_queues_capacity(void)
{
    static const uint32_t bad_pow2[] = { 0, 3, 6, 100, (1u << 30) + 1, 1u << 31, UINT32_MAX };
    /* Room for a header: init rejects before it touches the slots, and the
     * accepted capacities here are tiny. */
    static _Alignas(SYNC_CACHELINE) unsigned char buf[4096];
    struct { struct sync_spsc *s; struct sync_mpmc *m; struct sync_bqueue *b;
             struct sync_semq *q; } mem_ = { (void *)buf, (void *)buf, (void *)buf, (void *)buf },
             *memp = &mem_;
#define mem (*memp)
    for (size_t i = 0; i < sizeof bad_pow2 / sizeof bad_pow2[0]; i++) {
        uint32_t c = bad_pow2[i];
        CU_ASSERT_EQUAL(sync_spsc_size(c), 0);
        CU_ASSERT_EQUAL(sync_spsc_init(mem.s, c, 0), EINVAL);
        CU_ASSERT_EQUAL(sync_mpmc_size(c), 0);
        CU_ASSERT_EQUAL(sync_mpmc_init(mem.m, c, 0), EINVAL);
    }
    /* mpmc needs two slots (see THE SLOT SEQUENCE); spsc takes one. */
    CU_ASSERT_EQUAL(sync_mpmc_init(mem.m, 1, 0), EINVAL);
    CU_ASSERT_EQUAL(sync_mpmc_size(1), 0);
    CU_ASSERT_EQUAL(sync_spsc_init(mem.s, 1, 0), 0);
    CU_ASSERT_EQUAL(sync_mpmc_init(mem.m, 2, 0), 0);
    CU_ASSERT(sync_spsc_size(SYNC_SPSC_CAPACITY_MAX) > (size_t)SYNC_SPSC_CAPACITY_MAX * 8);
    CU_ASSERT(sync_mpmc_size(SYNC_MPMC_CAPACITY_MAX) > (size_t)SYNC_MPMC_CAPACITY_MAX * 16);
    /* Unknown flags. */
    CU_ASSERT_EQUAL(sync_spsc_init(mem.s, 4, 0x80), EINVAL);
    CU_ASSERT_EQUAL(sync_mpmc_init(mem.m, 4, 0x80), EINVAL);
    CU_ASSERT_EQUAL(sync_spsc_init(mem.s, 4, SYNC_PSHARED), 0);
    CU_ASSERT_EQUAL(sync_mpmc_init(mem.m, 4, SYNC_PSHARED), 0);
    /* The blocking queues take any capacity in 1..MAX. */
    static const uint32_t bad_any[] = { 0, (1u << 30) + 1, UINT32_MAX };
    for (size_t i = 0; i < sizeof bad_any / sizeof bad_any[0]; i++) {
        CU_ASSERT_EQUAL(sync_bqueue_size(bad_any[i]), 0);
        CU_ASSERT_EQUAL(sync_bqueue_init(mem.b, bad_any[i], 0), EINVAL);
        CU_ASSERT_EQUAL(sync_semq_size(bad_any[i]), 0);
        CU_ASSERT_EQUAL(sync_semq_init(mem.q, bad_any[i], 0), EINVAL);
    }
    CU_ASSERT_EQUAL(sync_bqueue_init(mem.b, 3, 0x80), EINVAL);
    CU_ASSERT_EQUAL(sync_semq_init(mem.q, 3, 0x80), EINVAL);
    CU_ASSERT(sync_bqueue_size(3) >= sizeof(struct sync_bqueue) + 3 * 8);
    CU_ASSERT_EQUAL(sync_bqueue_init(mem.b, 3, SYNC_PSHARED), 0);
    sync_bqueue_destroy(mem.b);
    CU_ASSERT_EQUAL(sync_semq_init(mem.q, 3, SYNC_PSHARED), 0);
    struct sync_stack st;
    CU_ASSERT_EQUAL(sync_stack_init(&st, 0x80), EINVAL);
    CU_ASSERT_EQUAL(sync_stack_init(&st, SYNC_PSHARED), 0);
    struct sync_hp_domain d;
    CU_ASSERT_EQUAL(sync_hp_domain_init(&d, NULL, NULL), EINVAL);
#undef mem
}

/* ======================================================================== */
/* The stack                                                                */
/* ======================================================================== */

static void test_queues_stack_sequential(void)
{
    struct sync_stack_node pool[4];
    struct sync_stack s = SYNC_STACK_INIT;
    CU_ASSERT_EQUAL(sync_stack_pop(&s, pool), SYNC_STACK_NIL);
    sync_stack_fill(&s, pool, 4);
    for (uint32_t i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(sync_stack_pop(&s, pool), i);   /* pool[0] on top */
    CU_ASSERT_EQUAL(sync_stack_pop(&s, pool), SYNC_STACK_NIL);
    sync_stack_push(&s, pool, 2);
    sync_stack_push(&s, pool, 0);
    CU_ASSERT_EQUAL(SYNC_STACK_INDEX(sync_stack_top(&s)), 0);
    CU_ASSERT_EQUAL(sync_stack_pop(&s, pool), 0);
    CU_ASSERT_EQUAL(sync_stack_pop(&s, pool), 2);
    /* 4 fills + 4 pops + 2 pushes + 2 pops, one tag step each. */
    CU_ASSERT_EQUAL(SYNC_STACK_TAG(sync_stack_top(&s)), 12);
}

/* The ABA scenario of sync/stack.h, played in one thread: the window hook
 * of T1's pop runs T2's three operations. */
struct naive_stack {
    sync_atomic_u32 top;    /* an index only: no tag */
};

static uint32_t naive_pop_window(struct naive_stack *s, struct sync_stack_node *pool,
                                 void (*window)(void *), void *arg)
{
    uint32_t idx = sync_load_u32(&s->top, SYNC_ACQUIRE);
    for (;;) {
        if (idx == SYNC_STACK_NIL)
            return idx;
        uint32_t next = sync_load_u32(&pool[idx].next, SYNC_RELAXED);
        if (window)
            window(arg);
        if (sync_cas_u32(&s->top, &idx, next, SYNC_ACQUIRE, SYNC_ACQUIRE))
            return idx;
    }
}

static void naive_push(struct naive_stack *s, struct sync_stack_node *pool, uint32_t idx)
{
    uint32_t old = sync_load_u32(&s->top, SYNC_RELAXED);
    do
        sync_store_u32(&pool[idx].next, old, SYNC_RELAXED);
    while (!sync_cas_u32(&s->top, &old, idx, SYNC_RELEASE, SYNC_RELAXED));
}

struct aba_ctx {
    struct sync_stack *tagged;
    struct naive_stack *naive;
    struct sync_stack_node *pool;
    bool fired;
};

/* T2: pop A, pop B (keep it), push A back. Runs once. */
static void aba_window(void *arg)
{
    struct aba_ctx *c = arg;
    if (c->fired)
        return;
    c->fired = true;
    if (c->tagged) {
        uint32_t a = sync_stack_pop(c->tagged, c->pool);
        (void)sync_stack_pop(c->tagged, c->pool);
        sync_stack_push(c->tagged, c->pool, a);
    } else {
        uint32_t a = naive_pop_window(c->naive, c->pool, NULL, NULL);
        (void)naive_pop_window(c->naive, c->pool, NULL, NULL);
        naive_push(c->naive, c->pool, a);
    }
}

static void test_queues_stack_aba(void)
{
    /* Stack A(0) -> B(1) -> C(2). After T1's pop the stack must be C alone
     * (T2 holds B, T1 holds A). */
    struct sync_stack_node pool[3];
    struct naive_stack naive = { SYNC_ATOMIC_INIT(SYNC_STACK_NIL) };
    for (uint32_t i = 3; i-- > 0;)
        naive_push(&naive, pool, i);
    struct aba_ctx c = { .naive = &naive, .pool = pool };
    CU_ASSERT_EQUAL(naive_pop_window(&naive, pool, aba_window, &c), 0);
    /* The naive stack now has B on top: a node T2 owns. The test that this
     * is wrong is the whole point; the assertion shows the corruption. */
    CU_ASSERT_EQUAL(sync_load_u32(&naive.top, SYNC_RELAXED), 1);

    struct sync_stack tagged = SYNC_STACK_INIT;
    sync_stack_fill(&tagged, pool, 3);
    c = (struct aba_ctx){ .tagged = &tagged, .pool = pool };
    CU_ASSERT_EQUAL(sync_stack_pop_window(&tagged, pool, aba_window, &c), 0);
    CU_ASSERT_EQUAL(SYNC_STACK_INDEX(sync_stack_top(&tagged)), 2);  /* C, as it must */
    CU_ASSERT_EQUAL(sync_stack_pop(&tagged, pool), 2);
    CU_ASSERT_EQUAL(sync_stack_pop(&tagged, pool), SYNC_STACK_NIL);
}

/* Stack stress: the recycling pattern that makes ABA happen. Producers take
 * a node from the free stack, write an item, push it on the work stack;
 * consumers pop the work stack, read the item, return the node. A tiny pool
 * keeps the same few indices coming back. */
struct stack_stress {
    struct sync_stack free_list, work;
    struct sync_stack_node pool[8];
    struct stress s;   /* reuses the bitmap and counters */
};

static void *stack_producer(void *arg)
{
    struct worker *w = arg;
    struct stack_stress *ss = (struct stack_stress *)((char *)w->s - offsetof(struct stack_stress, s));
    gate(w->s);
    for (uint64_t i = 0; i < w->s->per_producer; i++) {
        uint32_t idx;
        unsigned rounds = 0;
        while ((idx = sync_stack_pop(&ss->free_list, ss->pool)) == SYNC_STACK_NIL)
            sync__spin_wait(&rounds);
        ss->pool[idx].value = ITEM(w->id, i);
        sync_stack_push(&ss->work, ss->pool, idx);
    }
    sync_fetch_add_u32(&w->s->producers_done, 1, SYNC_RELEASE); /* pairs with the consumers' acquire */
    return NULL;
}

static void *stack_consumer(void *arg)
{
    struct worker *w = arg;
    struct stack_stress *ss = (struct stack_stress *)((char *)w->s - offsetof(struct stack_stress, s));
    uint64_t last[256];
    gate(w->s);
    for (;;) {
        bool done = sync_load_u32(&w->s->producers_done, SYNC_ACQUIRE) == w->s->producers;
        uint32_t idx = sync_stack_pop(&ss->work, ss->pool);
        if (idx == SYNC_STACK_NIL) {
            if (done)
                break;
            sched_yield();
            continue;
        }
        record(w->s, last, ss->pool[idx].value);
        sync_stack_push(&ss->free_list, ss->pool, idx);
    }
    return NULL;
}

/* procs: the stacks, the pool and the bookkeeping in one MAP_SHARED mapping,
 * the workers fork()ed instead of started as threads. */
static void stack_stress(unsigned producers, unsigned consumers, uint64_t n, bool procs)
{
    static const struct qimpl lifo = { .name = "stack", .fifo = false };
    size_t words = (size_t)(n + 63) / 64;
    size_t head = (sizeof(struct stack_stress) + 4095) / 4096 * 4096;
    size_t total = head + (size_t)producers * words * sizeof(sync_atomic_u64);
    void *mem = mmap(NULL, total, PROT_READ | PROT_WRITE,
                     (procs ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(mem != MAP_FAILED);
    struct stack_stress *ss = mem;
    sync_stack_init(&ss->free_list, 0);
    sync_stack_init(&ss->work, 0);
    sync_stack_fill(&ss->free_list, ss->pool, 8);
    struct stress *s = &ss->s;
    s->impl = &lifo;
    s->producers = producers;
    s->consumers = consumers;
    s->per_producer = n;
    s->words = words;
    s->seen = (sync_atomic_u64 *)((char *)mem + head);
    pthread_t tp[8], tc[8];
    pid_t pids[16];
    struct worker wp[8], wc[8];
    bool clean = true;
    for (unsigned i = 0; i < producers; i++) {
        wp[i] = (struct worker){ s, i };
        if (procs) {
            pids[i] = fork_worker(stack_producer, &wp[i]);
            CU_ASSERT_FATAL(pids[i] > 0);
        } else {
            CU_ASSERT_FATAL(pthread_create(&tp[i], NULL, stack_producer, &wp[i]) == 0);
        }
    }
    for (unsigned i = 0; i < consumers; i++) {
        wc[i] = (struct worker){ s, i };
        if (procs) {
            pids[producers + i] = fork_worker(stack_consumer, &wc[i]);
            CU_ASSERT_FATAL(pids[producers + i] > 0);
        } else {
            CU_ASSERT_FATAL(pthread_create(&tc[i], NULL, stack_consumer, &wc[i]) == 0);
        }
    }
    sync_store_u32(&s->go, 1, SYNC_RELEASE); /* pairs with the acquire in gate() */
    for (unsigned i = 0; procs && i < producers + consumers; i++) {
        int status = 0;
        while (waitpid(pids[i], &status, 0) < 0)
            ;   /* EINTR */
        clean &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    for (unsigned i = 0; !procs && i < producers; i++)
        pthread_join(tp[i], NULL);
    for (unsigned i = 0; !procs && i < consumers; i++)
        pthread_join(tc[i], NULL);
    CU_ASSERT_TRUE(clean);
    uint64_t lost = 0;
    for (unsigned p = 0; p < producers; p++)
        for (uint64_t q = 0; q < n; q++)
            if (!(sync_load_u64(&s->seen[p * s->words + q / 64], SYNC_RELAXED) >> (q % 64) & 1))
                lost++;
    /* Every node is back on the free list, exactly once. */
    unsigned nodes = 0;
    bool seen_node[8] = { false };
    uint32_t idx;
    while ((idx = sync_stack_pop(&ss->free_list, ss->pool)) != SYNC_STACK_NIL && nodes < 16) {
        CU_ASSERT(idx < 8 && !seen_node[idx]);
        if (idx < 8)
            seen_node[idx] = true;
        nodes++;
    }
    printf("\n    stack    %ux%u%s: produced %llu consumed %llu lost %llu duplicated %llu, "
           "%u of 8 nodes back ", producers, consumers, procs ? " procs" : "",
           (unsigned long long)(producers * n),
           (unsigned long long)sync_load_u64(&s->consumed, SYNC_RELAXED),
           (unsigned long long)lost,
           (unsigned long long)sync_load_u64(&s->duplicated, SYNC_RELAXED), nodes);
    CU_ASSERT_EQUAL(lost, 0);
    CU_ASSERT_EQUAL(sync_load_u64(&s->duplicated, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_load_u64(&s->foreign, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_load_u64(&s->consumed, SYNC_RELAXED), producers * n);
    CU_ASSERT_EQUAL(nodes, 8);
    munmap(mem, total);
}

static void test_queues_stack_stress(void)
{
    stack_stress(1, 1, scaled(200000), false);
    stack_stress(2, 2, scaled(100000), false);
    stack_stress(4, 4, scaled(25000), false);
    stack_stress(2, 2, scaled(50000), true);
}

/* ======================================================================== */
/* Linearizability                                                          */
/* ======================================================================== */

#define LIN_THREADS 3
#define LIN_OPS 10

struct lin_run {
    const struct qimpl *impl;
    void *q;
    sync_atomic_u64 clock;          /* logical time */
    sync_atomic_u32 go;
    struct qc_op ops[LIN_THREADS][LIN_OPS];
    uint64_t seed;
};

struct lin_worker {
    struct lin_run *r;
    unsigned id;
};

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void *lin_thread(void *arg)
{
    struct lin_worker *w = arg;
    struct lin_run *r = w->r;
    uint64_t rng = r->seed * 0x9e3779b97f4a7c15ull + w->id + 1;
    void *h = r->impl->enter(r->q);
    unsigned rounds = 0;
    /* Acquire: pairs with the release store that opens the gate. */
    while (sync_load_u32(&r->go, SYNC_ACQUIRE) == 0)
        sync__spin_wait(&rounds);
    for (unsigned i = 0; i < LIN_OPS; i++) {
        struct qc_op *op = &r->ops[w->id][i];
        bool push = xorshift(&rng) & 1;
        uint8_t v = (uint8_t)(w->id << 4 | i) + 1;
        /* Seq_cst: the clock ticks order every invocation and response. */
        op->inv = sync_fetch_add_u64(&r->clock, 1, SYNC_SEQ_CST);
        if (push) {
            op->kind = QC_PUSH;
            op->value = v;
            op->ok = r->impl->trypush(r->q, h, v);
        } else {
            uint64_t got = 0;
            op->kind = QC_POP;
            op->ok = r->impl->trypop(r->q, h, &got);
            op->value = (uint8_t)got;
        }
        op->res = sync_fetch_add_u64(&r->clock, 1, SYNC_SEQ_CST);
    }
    r->impl->leave(r->q, h);
    return NULL;
}

/* Runs |histories| random histories on |impl|; returns how many were NOT
 * linearizable. */
static unsigned lin_histories(const struct qimpl *impl, unsigned histories, unsigned flags)
{
    unsigned bad = 0;
    struct lin_run *r = calloc(1, sizeof *r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    for (unsigned hist = 0; hist < histories; hist++) {
        memset(r, 0, sizeof *r);
        r->impl = impl;
        r->seed = hist + 1;
        r->q = impl->make(64);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r->q);
        pthread_t t[LIN_THREADS];
        struct lin_worker w[LIN_THREADS];
        for (unsigned i = 0; i < LIN_THREADS; i++) {
            w[i] = (struct lin_worker){ r, i };
            CU_ASSERT_FATAL(pthread_create(&t[i], NULL, lin_thread, &w[i]) == 0);
        }
        sync_store_u32(&r->go, 1, SYNC_RELEASE); /* pairs with the acquire in lin_thread() */
        for (unsigned i = 0; i < LIN_THREADS; i++)
            pthread_join(t[i], NULL);
        impl->drop(r->q);
        struct qc_op flat[LIN_THREADS * LIN_OPS];
        unsigned n = 0;
        bool push_failed = false;
        for (unsigned i = 0; i < LIN_THREADS; i++)
            for (unsigned j = 0; j < LIN_OPS; j++) {
                flat[n] = r->ops[i][j];
                push_failed |= flat[n].kind == QC_PUSH && !flat[n].ok;
                n++;
            }
        CU_ASSERT_FALSE(push_failed);   /* capacity 64 > 30 pushes */
        if (!qc_linearizable(flat, n, flags))
            bad++;
    }
    free(r);
    return bad;
}

static unsigned lin_count(void)
{
    return sanitized() ? 200 : 1000;
}

static void lin_check(const struct qimpl *impl)
{
    unsigned n = lin_count();
    unsigned bad = lin_histories(impl, n, impl->lin_flags);
    printf("\n    %-8s %u histories (3 threads x 10 ops)%s: %u not linearizable ", impl->name,
           n, impl->lin_flags & QC_WEAK_EMPTY ? ", failed pops ignored" : "", bad);
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_queues_linearizable(void)
{
    lin_check(&Q_MSQ);
    lin_check(&Q_BQ);
    lin_check(&Q_MPMC);
    lin_check(&Q_SEMQ);
}

/* The checker on hand-made histories: sequential ones are exactly the
 * FIFO rules; overlapping ones may be ordered either way. */
static void test_queues_checker_rules(void)
{
#define PUSH(v, i, r) { QC_PUSH, true, v, i, r }
#define POP(v, i, r) { QC_POP, true, v, i, r }
#define EMPTY(i, r) { QC_POP, false, 0, i, r }
    const struct qc_op fifo[] = { PUSH(1, 0, 1), PUSH(2, 2, 3), POP(1, 4, 5), POP(2, 6, 7) };
    const struct qc_op lifo[] = { PUSH(1, 0, 1), PUSH(2, 2, 3), POP(2, 4, 5) };
    const struct qc_op overlap[] = { PUSH(1, 0, 3), PUSH(2, 1, 2), POP(2, 4, 5) };
    const struct qc_op lost_empty[] = { PUSH(1, 0, 1), EMPTY(2, 3) };
    const struct qc_op early_empty[] = { PUSH(1, 0, 3), EMPTY(1, 2) };
    const struct qc_op dup[] = { PUSH(1, 0, 1), POP(1, 2, 3), POP(1, 4, 5) };
    const struct qc_op phantom[] = { POP(7, 0, 1) };
    const struct qc_op future[] = { POP(1, 0, 1), PUSH(1, 2, 3) };
    const struct qc_op pop_overlaps_push[] = { POP(1, 0, 3), PUSH(1, 1, 2) };
    CU_ASSERT_TRUE(qc_linearizable(fifo, 4, 0));
    CU_ASSERT_FALSE(qc_linearizable(lifo, 3, 0));
    CU_ASSERT_TRUE(qc_linearizable(overlap, 3, 0));
    CU_ASSERT_FALSE(qc_linearizable(lost_empty, 2, 0));
    CU_ASSERT_TRUE(qc_linearizable(lost_empty, 2, QC_WEAK_EMPTY));
    CU_ASSERT_TRUE(qc_linearizable(early_empty, 2, 0));
    CU_ASSERT_FALSE(qc_linearizable(dup, 3, 0));
    CU_ASSERT_FALSE(qc_linearizable(phantom, 1, 0));
    CU_ASSERT_FALSE(qc_linearizable(future, 2, 0));
    CU_ASSERT_TRUE(qc_linearizable(pop_overlaps_push, 2, 0));
#undef PUSH
#undef POP
#undef EMPTY
}

/* Two broken queues the checker must catch. Both are TSan-clean (every shared
 * access is an atomic), so this runs in every build: what is wrong is the
 * algorithm, not the memory model.
 * - lifo: a mutex-protected stack posing as a queue (wrong order).
 * - racy: a ring whose push and pop read-modify-write their index in two
 *   steps, with a yield in between (items lost and duplicated). */
struct broken {
    pthread_mutex_t lock;
    sync_atomic_u32 head, tail;
    sync_atomic_u64 slot[64];
};

static void *broken_make(uint32_t cap)
{
    (void)cap;
    struct broken *b = calloc(1, sizeof *b);
    if (b != NULL)
        pthread_mutex_init(&b->lock, NULL);
    return b;
}
static void broken_drop(void *q)
{
    struct broken *b = q;
    pthread_mutex_destroy(&b->lock);
    free(b);
}
static bool lifo_push(void *q, void *h, uint64_t v)
{
    (void)h;
    struct broken *b = q;
    pthread_mutex_lock(&b->lock);
    uint32_t t = sync_load_u32(&b->tail, SYNC_RELAXED);
    sync_store_u64(&b->slot[t], v, SYNC_RELAXED);
    sync_store_u32(&b->tail, t + 1, SYNC_RELAXED);
    pthread_mutex_unlock(&b->lock);
    return true;
}
static bool lifo_pop(void *q, void *h, uint64_t *v)
{
    (void)h;
    struct broken *b = q;
    pthread_mutex_lock(&b->lock);
    uint32_t t = sync_load_u32(&b->tail, SYNC_RELAXED);
    bool ok = t > 0;
    if (ok) {
        *v = sync_load_u64(&b->slot[t - 1], SYNC_RELAXED);
        sync_store_u32(&b->tail, t - 1, SYNC_RELAXED);
    }
    pthread_mutex_unlock(&b->lock);
    return ok;
}
static bool racy_push(void *q, void *h, uint64_t v)
{
    (void)h;
    struct broken *b = q;
    uint32_t t = sync_load_u32(&b->tail, SYNC_ACQUIRE);
    sync_store_u64(&b->slot[t & 63], v, SYNC_RELAXED);
    sched_yield();                                     /* the window */
    sync_store_u32(&b->tail, t + 1, SYNC_RELEASE);     /* lost update */
    return true;
}
static bool racy_pop(void *q, void *h, uint64_t *v)
{
    (void)h;
    struct broken *b = q;
    uint32_t hd = sync_load_u32(&b->head, SYNC_ACQUIRE);
    if (hd == sync_load_u32(&b->tail, SYNC_ACQUIRE))
        return false;
    *v = sync_load_u64(&b->slot[hd & 63], SYNC_RELAXED);
    sched_yield();                                     /* the window */
    sync_store_u32(&b->head, hd + 1, SYNC_RELEASE);    /* two pops, one item */
    return true;
}

static void test_queues_checker_catches(void)
{
    static const struct qimpl lifo = { "lifo", 0, 0, true, 0, broken_make, broken_drop,
                                       no_enter, no_leave, lifo_push, lifo_pop, NULL, NULL,
                                       NULL, NULL, NULL };
    static const struct qimpl racy = { "racy", 0, 0, true, 0, broken_make, broken_drop,
                                       no_enter, no_leave, racy_push, racy_pop, NULL, NULL,
                                       NULL, NULL, NULL };
    /* Luck decides how many histories interleave badly; retry a few times
     * rather than fail on a quiet machine. */
    unsigned bad_lifo = 0, bad_racy = 0;
    for (int attempt = 0; attempt < 5 && bad_lifo == 0; attempt++)
        bad_lifo = lin_histories(&lifo, 200, 0);
    for (int attempt = 0; attempt < 5 && bad_racy == 0; attempt++)
        bad_racy = lin_histories(&racy, lin_count(), 0);
    printf("\n    caught: lifo in %u of 200 histories, racy ring in %u of %u ", bad_lifo,
           bad_racy, lin_count());
    CU_ASSERT(bad_lifo > 0);
    CU_ASSERT(bad_racy > 0);
}

/* ======================================================================== */
/* Reclamation                                                              */
/* ======================================================================== */

struct reclaim {
    struct sync_msqueue q;
    uint64_t ops;
    sync_atomic_u32 go;
    sync_atomic_u64 pushes, pops;
};

static void *reclaim_thread(void *arg)
{
    struct reclaim *r = arg;
    sync_msqueue_thread *h = sync_msqueue_thread_enter(&r->q);
    if (h == NULL)
        return NULL;
    unsigned rounds = 0;
    while (sync_load_u32(&r->go, SYNC_ACQUIRE) == 0)   /* pairs with the release opening */
        sync__spin_wait(&rounds);
    uint64_t pushes = 0, pops = 0, v;
    uint64_t rng = (uint64_t)(uintptr_t)h | 1;
    for (uint64_t i = 0; i < r->ops; i++) {
        if (xorshift(&rng) % 3 != 0) {
            if (sync_msqueue_trypush(&r->q, h, i))
                pushes++;
        } else if (sync_msqueue_trypop(&r->q, h, &v)) {
            pops++;
        }
    }
    /* Leave and come back: the record is reused, its retire list inherited. */
    sync_msqueue_thread_leave(&r->q, h);
    h = sync_msqueue_thread_enter(&r->q);
    if (h != NULL) {
        while (pops < pushes / 2 && sync_msqueue_trypop(&r->q, h, &v))
            pops++;
        sync_msqueue_thread_leave(&r->q, h);
    }
    sync_fetch_add_u64(&r->pushes, pushes, SYNC_RELAXED);
    sync_fetch_add_u64(&r->pops, pops, SYNC_RELAXED);
    return NULL;
}

/* Returns true if every count matched (also used by the valgrind child). */
static bool reclaim_run(unsigned threads, uint64_t ops, bool verbose)
{
    struct reclaim *r = aligned_alloc(SYNC_CACHELINE, sizeof *r);
    if (r == NULL)
        return false;
    memset(r, 0, sizeof *r);
    r->ops = ops;
    if (sync_msqueue_init(&r->q) != 0) {
        free(r);
        return false;
    }
    pthread_t t[8];
    for (unsigned i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, reclaim_thread, r) != 0)
            abort();
    sync_store_u32(&r->go, 1, SYNC_RELEASE); /* pairs with the acquire in reclaim_thread() */
    for (unsigned i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    uint64_t pushes = sync_load_u64(&r->pushes, SYNC_RELAXED);
    uint64_t pops = sync_load_u64(&r->pops, SYNC_RELAXED);
    uint64_t retired_live, freed_live, retired, freed;
    /* Every thread has left: leave scans its own list and the idle records'.
     * A node can still be left behind if two threads left at the same moment
     * (each saw the other's hazard, neither could sweep the other's record),
     * at most one per hazard slot. destroy frees those. */
    sync_msqueue_stats(&r->q, &retired_live, &freed_live);
    sync_msqueue_destroy(&r->q);
    sync_msqueue_stats(&r->q, &retired, &freed);
    if (verbose)
        printf("\n    msqueue %u threads: pushes %llu pops %llu; retired %llu, freed %llu "
               "before destroy; freed %llu after (pushes + 1 dummy = %llu) ", threads,
               (unsigned long long)pushes, (unsigned long long)pops,
               (unsigned long long)retired_live, (unsigned long long)freed_live,
               (unsigned long long)freed, (unsigned long long)(pushes + 1));
    bool ok = retired_live == pops && freed_live <= retired_live &&
              retired_live - freed_live <= (uint64_t)threads * SYNC_HP_SLOTS &&
              retired == pops && freed == pushes + 1;
    free(r);
    return ok;
}

static void test_queues_reclamation(void)
{
    CU_ASSERT_TRUE(reclaim_run(4, scaled(200000), true));
    CU_ASSERT_TRUE(reclaim_run(1, scaled(20000), true));
}

/* The same life under valgrind (default build only: sanitizers and valgrind
 * do not mix): no leak, no invalid read, nothing. */
static void test_queues_valgrind(void)
{
    if (sanitized()) {
        test_skip("valgrind does not run sanitized programs");
        return;
    }
    if (access("/usr/bin/valgrind", X_OK) != 0) {
        test_skip("valgrind not installed (apt-get install valgrind)");
        return;
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    CU_ASSERT_FATAL(n > 0);
    self[n] = '\0';
    char *argv[] = { "/usr/bin/valgrind", "--quiet", "--error-exitcode=9", "--leak-check=full",
                     "--errors-for-leak-kinds=definite,indirect,possible",
                     "--show-leak-kinds=definite,indirect,possible", self, "--reclaim-child",
                     NULL };
    struct prog_result r = run_prog(argv, 300);
    printf("\n    valgrind msqueue life: exit %d ", r.status);
    if (r.status != 0)
        printf("\n%s", r.err ? r.err : "");
    CU_ASSERT_EQUAL(r.status, 0);
    prog_result_free(&r);
}

/* ======================================================================== */
/* bench-queue, smoke only (no timing assertions)                           */
/* ======================================================================== */

static void test_queues_bench_smoke(void)
{
#ifndef RACELAB_HAVE_BENCH_QUEUE
    test_skip("bench-queue is not part of this build (labs/queue not configured)");
    return;
#endif
    char prog[4096];
    snprintf(prog, sizeof prog, "%s/bench-queue", RACELAB_BIN_DIR);
    if (access(prog, X_OK) != 0) {
        CU_FAIL("bench-queue not built");
        return;
    }
    char plot_dir[64], svg[96];
    snprintf(plot_dir, sizeof plot_dir, "/tmp/racelab-test-plot-%d", (int)getpid());
    snprintf(svg, sizeof svg, "%s/queue.svg", plot_dir);
    char *human[] = { prog, "--quick", "--plot", plot_dir, NULL };
    struct prog_result r = run_prog(human, 300);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(r.out != NULL ? strstr(r.out, "Mmsg/s") : NULL);
    CU_ASSERT_PTR_NOT_NULL(r.out != NULL ? strstr(r.out, "spsc") : NULL);
    CU_ASSERT_PTR_NOT_NULL(r.out != NULL ? strstr(r.out, "mpmc") : NULL);
    prog_result_free(&r);
    /* --plot: an SVG line chart, one polyline per queue that ran. */
    FILE *f = fopen(svg, "r");
    CU_ASSERT_PTR_NOT_NULL(f);
    if (f != NULL) {
        char buf[65536];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
        CU_ASSERT(strncmp(buf, "<?xml", 5) == 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<svg"));
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, "</svg>"));
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, "mpmc"));
        CU_ASSERT_PTR_NULL(strstr(buf, " ns<"));   /* Mmsg/s, not times */
    }
    unlink(svg);
    rmdir(plot_dir);

    /* --csv: a header and rows of the same width. */
    char *csv[] = { prog, "--quick", "--csv", "--queues", "spsc,mpmc", NULL };
    r = run_prog(csv, 300);
    CU_ASSERT_EQUAL(r.status, 0);
    unsigned rows = 0;
    for (char *line = r.out ? strtok(r.out, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;   /* the machine record: "# key: value" */
        unsigned commas = 0;
        for (const char *c = line; *c; c++)
            commas += *c == ',';
        CU_ASSERT_EQUAL(commas, 10);
        if (rows++ == 0)
            CU_ASSERT(strncmp(line, "queue,ours,producers", 20) == 0);
    }
    CU_ASSERT_EQUAL(rows, 1 + 1 + 3);   /* header, spsc at 1x1, mpmc at 1x1 2x2 4x4 */
    prog_result_free(&r);

    char *json[] = { prog, "--quick", "--json", NULL };
    r = run_prog(json, 300);
    CU_ASSERT_EQUAL(r.status, 0);
    unsigned lines = 0, results = 0, machine = 0;
    for (char *line = r.out ? strtok(r.out, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        lines++;
        CU_ASSERT_TRUE(json_valid_object(line));
        if (json_field_is(line, "kind", "\"machine\""))
            machine++;
        if (json_field_is(line, "kind", "\"result\"")) {
            results++;
            CU_ASSERT_PTR_NOT_NULL(json_field(line, "queue"));
            CU_ASSERT(json_field_int(line, "producers", 0) >= 1);
            CU_ASSERT_PTR_NOT_NULL(json_field(line, "mmsg_per_s"));
        }
    }
    CU_ASSERT(lines > 0 && results > 0);
    CU_ASSERT_EQUAL(machine, 1);
    prog_result_free(&r);

    static const char *const bad[][3] = { { "--capacity", "0", NULL }, { "--capacity", "3", NULL },
                                          { "--capacity", "99999999999", NULL },
                                          { "--rounds", "0", NULL }, { "--wait", "x", NULL },
                                          { "--queues", "nosuch", NULL },
                                          { "--plot", "/proc/no/such/dir", NULL },
                                          { "--csv", "--json", NULL },
                                          { "--bogus", NULL, NULL } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = { prog, (char *)bad[i][0], (char *)bad[i][1], NULL };
        r = run_prog(argv, 60);
        CU_ASSERT_EQUAL(r.status, 2);
        CU_ASSERT(r.err != NULL && strlen(r.err) > 0 && count_lines(r.err) <= 2);
        prog_result_free(&r);
    }
}

static const struct test_case tests[] = {
    { "sequential", test_queues_sequential },
    { "capacity", test_queues_capacity },
    { "spsc_stress", test_queues_spsc_stress },
    { "mpmc_stress", test_queues_mpmc_stress },
    { "msqueue_stress", test_queues_msqueue_stress },
    { "bqueue_stress", test_queues_bqueue_stress },
    { "semq_stress", test_queues_semq_stress },
    { "procs", test_queues_procs },
    { "stack_sequential", test_queues_stack_sequential },
    { "stack_aba", test_queues_stack_aba },
    { "stack_stress", test_queues_stack_stress },
    { "checker_rules", test_queues_checker_rules },
    { "checker_catches", test_queues_checker_catches },
    { "linearizable", test_queues_linearizable },
    { "reclamation", test_queues_reclamation },
    { "valgrind", test_queues_valgrind },
    { "bench_smoke", test_queues_bench_smoke },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--reclaim-child") == 0)
        return reclaim_run(2, 5000, false) ? 0 : 1;
    return test_main("queues", tests, argc, argv);
}
