/* labs/queue/queue.c - the queue lab's descriptor, variant table and checker. */
#include "queue.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "shared.h"

#define LAB_VARIANT_PREFIX queue_variant_
#include "variant_gen.h"

#define QUEUE_VARIANTS(X) \
    X(racy) X(mutex) X(condvar) X(sem) X(spsc) X(mpmc) X(msqueue) X(stack_naive) \
    X(stack_tagged)

LAB_VARIANT_TABLE(QUEUE_VARIANTS, variants);

const struct lab queue_lab = {
    .name = "queue",
    .title = "lost, duplicated and reordered items in a shared queue (and ABA in a stack)",
    .default_variants = { [LAB_THREADS] = "racy,mutex,condvar,mpmc,msqueue",
                          [LAB_PROCS] = "racy,sem,mpmc" },
    .baseline = "mutex",
    .roles = true,
    .max_expected = 100000000u,   /* a bit per item: 12.5 MB of bitmap */
    /* DRD on msqueue took 39 CPU-s at 1000 items, 0.95 at 100 (measured);
     * every queue's race still shows at 100 (notes/databases.md, "The
     * harness matrix's time") */
    .valgrind_iters = 100,
    .variants = variants,
    .nvariants = sizeof variants / sizeof variants[0],
    .expected = lab_expected_each,
    /* one producer, one consumer, one item, one preemption: every queue
     * exhausts within 1000 runs (dpor on the consumers' spin loops grows each
     * run: 300 runs 0.7 s, 1000 runs 14 s; notes/explorer.md) */
    .explore = { .strategy = "bounded", .iters = 1, .workers = 2, .preemptions = 1,
                 .max_runs = 1000 },
};

static uint64_t words_for(uint64_t iters)
{
    return (iters + 63) / 64;
}

size_t qlab_offset(const struct lab_env *env)
{
    size_t n = sizeof(struct qlab) + env->consumers * sizeof(struct qlab_consumer) +
               (size_t)env->consumers * env->producers * sizeof(uint64_t) +
               (size_t)env->producers * words_for(env->iters) * sizeof(sync_atomic_u64);
    return (n + LAB_SHARED_ALIGN - 1) / LAB_SHARED_ALIGN * LAB_SHARED_ALIGN;
}

/* The state arrives zeroed (bitmap, tallies, last[]). */
void qlab_init(struct qlab *q, const struct lab_env *env, bool fifo, bool racy)
{
    q->producers = env->producers;
    q->consumers = env->consumers;
    q->iters = env->iters;
    q->words = words_for(env->iters);
    /* Each item twice, plus any ring's worth: more is no queue's doing. */
    q->max_pops = 2 * (uint64_t)env->producers * env->iters + 65536;
    q->fifo = fifo;
    q->racy = racy;
    q->variant_offset = qlab_offset(env);
}

static void vnote(sync_atomic_u32 *taken, char *buf, size_t len, const char *fmt, va_list ap)
{
    uint32_t free_ = 0;
    /* Relaxed: the text is read only after every worker has been joined. */
    if (sync_load_u32(taken, SYNC_RELAXED) == 0 &&
        sync_cas_u32(taken, &free_, 1, SYNC_RELAXED, SYNC_RELAXED))
        vsnprintf(buf, len, fmt, ap);
}

void qlab_note(struct qlab *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(&q->note_taken, q->note, sizeof q->note, fmt, ap);
    va_end(ap);
}

void qlab_check_note(struct qlab *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(&q->check_taken, q->check_note, sizeof q->check_note, fmt, ap);
    va_end(ap);
}

void qlab_backoff(unsigned *rounds)
{
    if ((*rounds)++ < 64)
        sync_cpu_relax();
    else
        sched_yield();
}

/* Items seen at least once, and the first one never seen. */
static uint64_t distinct(struct qlab *q, unsigned *lost_p, uint64_t *lost_seq)
{
    uint64_t n = 0;
    bool found = false;
    sync_atomic_u64 *bm = qlab_bitmap(q);
    for (unsigned p = 0; p < q->producers; p++) {
        for (uint64_t w = 0; w < q->words; w++) {
            uint64_t bits = sync_load_u64(&bm[p * q->words + w], SYNC_RELAXED);
            n += (uint64_t)__builtin_popcountll(bits);
            if (!found && bits != UINT64_MAX) {
                uint64_t seq = w * 64 + (uint64_t)__builtin_ctzll(~bits);
                if (seq < q->iters) {
                    found = true;
                    *lost_p = p;
                    *lost_seq = seq;
                }
            }
        }
    }
    return n;
}

uint64_t qlab_observe(const void *state, unsigned workers)
{
    (void)workers;
    unsigned p;
    uint64_t seq;
    return distinct((struct qlab *)state, &p, &seq);
}

void qlab_items(const void *state, struct lab_items *out)
{
    struct qlab *q = (struct qlab *)state;
    memset(out, 0, sizeof *out);
    unsigned lost_p = 0;
    uint64_t lost_seq = 0;
    uint64_t seen = distinct(q, &lost_p, &lost_seq);
    out->produced = (uint64_t)q->producers * q->iters;
    for (unsigned c = 0; c < q->consumers; c++) {
        const struct qlab_consumer *me = &qlab_consumers(q)[c];
        out->consumed += me->consumed;
        out->duplicated += me->duplicated + me->bogus;
        out->reordered += me->reordered;
    }
    out->lost = out->produced - seen;
    char lost[80] = "";
    if (out->lost)
        snprintf(lost, sizeof lost, "first lost: item #%llu of producer %u",
                 (unsigned long long)lost_seq, lost_p);
    const char *parts[3] = { q->note, lost, q->check_note };
    size_t used = 0;
    for (size_t i = 0; i < 3 && used < sizeof out->note; i++)
        if (parts[i][0])
            used += (size_t)snprintf(out->note + used, sizeof out->note - used, "%s%s",
                                     used ? "; " : "", parts[i]);
}
