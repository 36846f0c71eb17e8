/* tests/queue_handoff.c - a queue variant that forces the consumers' last
 * hand-over, for tests/test_queue_lab.c.
 *
 * The interleaving it forces (1 producer, 1 consumer):
 *     step  consumer                            producer
 *     1     pop: empty (and waits inside it)
 *     2                                         pushes every item
 *     3                                         producers_done = 1
 *     4     pop returns "empty" (true at step 1)
 *     5     producers done? yes
 * A consumer loop that now pops once more to confirm the end and leaves when
 * that pop is empty keeps nothing of an item that pop did take: the item is
 * lost though the queue was right. That loop lost one item in about 1 of
 * 3500 trials of msqueue, mpmc and stack-tagged under load; this variant
 * makes the interleaving certain, so the test fails on such a loop every
 * time and passes on the generated loop (labs/queue/variant.h), which reads
 * the done count before each pop and checks every item a pop takes.
 *
 * The queue itself is a single-producer ring over C11 atomics: exact when
 * used 1x1; the producer's first push waits until the consumer is inside
 * its first pop, which returns empty only after the producers are done
 * (linearized at its start, when the ring was empty). */
#include <sched.h>

#include "queue.h"

#define VARIANT_NAME handoff
#define VARIANT_DESC "test only: the consumer's first pop is empty, and ends after the producers"
#define VARIANT_NO_PROCS "test only"
#define VARIANT_ONE_TO_ONE "test only: one producer, one consumer"

#define HANDOFF_CAP 64u

struct qstate {
    struct qlab *lab;
    sync_atomic_u32 in_first_pop;   /* the consumer is inside its first pop */
    sync_atomic_u32 popped_once;    /* consumer only */
    sync_atomic_u64 head, tail;
    sync_atomic_u64 slot[HANDOFF_CAP];
};

static int handoff_setup(struct qstate *q, const struct lab_env *env, struct qlab *lab)
{
    (void)env;
    q->lab = lab;
    return 0;
}

static void handoff_wait(sync_atomic_u32 *word, uint32_t value)
{
    while (sync_load_u32(word, SYNC_ACQUIRE) != value)
        sched_yield();
}

static inline bool q_push(struct qstate *q, void *ctx, uint64_t item)
{
    (void)ctx;
    handoff_wait(&q->in_first_pop, 1);
    uint64_t t = sync_load_u64(&q->tail, SYNC_RELAXED);
    if (t - sync_load_u64(&q->head, SYNC_ACQUIRE) == HANDOFF_CAP)
        return false;
    sync_store_u64(&q->slot[t % HANDOFF_CAP], item, SYNC_RELAXED);
    sync_store_u64(&q->tail, t + 1, SYNC_RELEASE);
    return true;
}

static inline bool q_pop(struct qstate *q, void *ctx, uint64_t *item)
{
    (void)ctx;
    uint64_t h = sync_load_u64(&q->head, SYNC_RELAXED);
    bool first = sync_load_u32(&q->popped_once, SYNC_RELAXED) == 0;
    sync_store_u32(&q->popped_once, 1, SYNC_RELAXED);
    if (first) {
        /* Empty now: the producer has not pushed (it waits for this). */
        sync_store_u32(&q->in_first_pop, 1, SYNC_RELEASE);
        handoff_wait(&q->lab->producers_done, q->lab->producers);
        return false;
    }
    if (h == sync_load_u64(&q->tail, SYNC_ACQUIRE))
        return false;
    *item = sync_load_u64(&q->slot[h % HANDOFF_CAP], SYNC_RELAXED);
    sync_store_u64(&q->head, h + 1, SYNC_RELEASE);
    return true;
}

#define VARIANT_SETUP handoff_setup

#include "variant.h"
