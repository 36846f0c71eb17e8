/* labs/queue/variant.h - turns a queue variant's hooks into a lab_variant.
 *
 * Include it last in a variant file, after VARIANT_NAME (a bare word) and
 * VARIANT_DESC, and either VARIANT_QUEUE (the id of the queue descriptor the
 * variant is: labs/common/desc/queue_<id>.h, which the file includes) or
 * struct qstate and either the try operations
 *     static inline bool q_push(struct qstate *q, void *ctx, uint64_t item);
 *     static inline bool q_pop(struct qstate *q, void *ctx, uint64_t *item);
 * (false: full / empty; the generated loops wait, and give up after
 * QLAB_GIVE_UP_*_NS without room) or, with VARIANT_BLOCKING, the blocking ones
 *     static void q_put(struct qstate *q, uint64_t item);   waits for room
 *     static bool q_get(struct qstate *q, uint64_t *item);  false: finished
 *     static void q_finish(struct qstate *q);  the last producer is done:
 *                                              wake every consumer
 * It generates the producer and consumer loops with the operations inlined,
 * so the runtime adds one indirect call per worker, never one per item.
 *
 * Optional: VARIANT_SETUP(q, env, lab) returning 0 or an errno value,
 * VARIANT_TEARDOWN(q), VARIANT_SIZE(env) (the state's bytes when they depend
 * on the run), VARIANT_ENTER(q) / VARIANT_LEAVE(q, ctx) (a per-worker
 * context, e.g. a hazard-pointer record), VARIANT_EXPLAIN(q, lab) (after
 * the run, before the accounting: may add a note), VARIANT_LIFO (no order
 * to check), VARIANT_ONE_TO_ONE (why it takes one producer and one
 * consumer), and the options every lab shares (labs/common/variant_gen.h:
 * VARIANT_LABEL, VARIANT_RACY, VARIANT_NO_PROCS - every queue runs across
 * processes unless it says why not -, VARIANT_KNOWN_REPORTS, ...). */
#include <stddef.h>
#include <stdint.h>

#include "queue.h"

#define LAB_VARIANT_PREFIX queue_variant_
#define LAB_VARIANT_VIEWS(X) /* explore's names (variant_gen.h) */ \
    X(qlab, struct qlab, 0) X(qstate, struct qstate, ((const struct qlab *)st)->variant_offset)
#include "variant_gen.h"

/* A variant that is a queue descriptor (VARIANT_QUEUE, the file includes
 * "desc/queue_<id>.h") is that queue, QUEUE__CAP items deep: the state, setup,
 * teardown, per-worker handle and operations are the descriptor's. */
#ifdef VARIANT_QUEUE
#define QUEUE__Q(fn) QUEUED_FN(VARIANT_QUEUE, fn)
#define QUEUE__CAP 1024u

struct qstate {
    QUEUED_T(VARIANT_QUEUE) q;   /* followed by its slots */
};

static size_t queue__qsize(const struct lab_env *env)
{
    (void)env;
    return QUEUE__Q(size)(QUEUE__CAP);
}

static int queue__qsetup(struct qstate *q, const struct lab_env *env, struct qlab *lab)
{
    (void)lab;
    return QUEUE__Q(init)(&q->q, QUEUE__CAP, env->sync_flags);
}

static void queue__qteardown(struct qstate *q)
{
    QUEUE__Q(fini)(&q->q);
}

static inline bool q_push(struct qstate *q, void *ctx, uint64_t item)
{
    return QUEUE__Q(trypush)(&q->q, ctx, item);
}

static inline bool q_pop(struct qstate *q, void *ctx, uint64_t *item)
{
    return QUEUE__Q(trypop)(&q->q, ctx, item);
}

#define VARIANT_SIZE queue__qsize
#define VARIANT_SETUP queue__qsetup
#define VARIANT_TEARDOWN queue__qteardown
#define VARIANT_ENTER(q) QUEUE__Q(enter)(&(q)->q)
#define VARIANT_LEAVE(q, ctx) QUEUE__Q(leave)(&(q)->q, ctx)
#endif

#ifdef VARIANT_LIFO
#define QUEUE__FIFO false
#else
#define QUEUE__FIFO true
#endif

#define QUEUE__NOT_COROS                                                                   \
    "the queue lab runs on threads and procs: as coroutines every wait for room or "     \
    "for an item would need a yield point (not built)"
#define QUEUE__MODELS (LAB_MODEL_BIT(LAB_THREADS) | LAB_VARIANT_PROCS_BIT)
#ifdef VARIANT_ONE_TO_ONE
#define QUEUE__MAX_ROLE 1u
#define QUEUE__ROLES_WHY VARIANT_ONE_TO_ONE
#else
#define QUEUE__MAX_ROLE 0u
#define QUEUE__ROLES_WHY NULL
#endif

static inline struct qstate *queue__q(void *st)
{
    return (struct qstate *)((char *)st + ((struct qlab *)st)->variant_offset);
}

/* The worker's context (VARIANT_ENTER), or none. */
#ifdef VARIANT_ENTER
#define QUEUE__ENTER(q) VARIANT_ENTER(q)
#else
#define QUEUE__ENTER(q) NULL
#endif

static void queue__produce(struct qlab *L, struct qstate *q, unsigned p, uint64_t iters)
{
#ifdef VARIANT_BLOCKING
    for (uint64_t i = 0; i < iters; i++)
        q_put(q, qlab_item(p, i));
    /* Acq-rel: the last producer's finish follows every producer's puts. */
    if (sync_fetch_add_u32(&L->producers_done, 1, SYNC_ACQ_REL) + 1 == L->producers)
        q_finish(q);
#else
    void *ctx = QUEUE__ENTER(q);
    for (uint64_t i = 0; i < iters; i++) {
        uint64_t item = qlab_item(p, i);
        unsigned rounds = 0;
        uint64_t since = 0;
        while (!q_push(q, ctx, item)) {
            if ((rounds & 255) == 255) {
                uint64_t now = lab_now_ns();
                if (since == 0) {
                    since = now;
                } else if (now - since > (L->racy ? QLAB_GIVE_UP_RACY_NS
                                                  : QLAB_GIVE_UP_FIXED_NS)) {
                    sync_fetch_add_u64(&L->gave_up, iters - i, SYNC_RELAXED);
                    qlab_note(L, "producer %u gave up on its last %llu items after %llu ms "
                              "without room (%s)", p, (unsigned long long)(iters - i),
                              (unsigned long long)((now - since) / 1000000u),
                              L->racy ? "the structure's indices or nodes are corrupt"
                                      : "the consumers stopped");
                    i = iters;
                    break;
                }
            }
            qlab_backoff(&rounds);
        }
    }
#ifdef VARIANT_LEAVE
    VARIANT_LEAVE(q, ctx);
#endif
    /* Release: pairs with the consumers' acquire load; every push of ours
     * happens before a consumer that sees the count tries its last pop. */
    sync_fetch_add_u32(&L->producers_done, 1, SYNC_RELEASE);
#endif
}

static void queue__consume(struct qlab *L, struct qstate *q, unsigned c)
{
    uint64_t item, pops = 0;
#ifdef VARIANT_BLOCKING
    while (q_get(q, &item)) {
        qlab_check(L, c, item);
        if (++pops >= L->max_pops)
            break;
    }
#else
    void *ctx = QUEUE__ENTER(q);
    unsigned rounds = 0;
    for (;;) {
        /* Read before the pop. Acquire pairs with the producers' release:
         * when every producer was done before this pop began, an empty pop
         * means every pushed item has been taken (a done count, not a
         * sentinel item that a racy queue could lose). One pop per pass, and
         * every item it takes is checked: a second pop in the exit test
         * would drop the item it took (tests/queue_handoff.c). */
        bool last = sync_load_u32(&L->producers_done, SYNC_ACQUIRE) == L->producers;
        if (q_pop(q, ctx, &item)) {
            qlab_check(L, c, item);
            rounds = 0;
            if (++pops >= L->max_pops)
                break;
            continue;
        }
        if (last)
            break;
        qlab_backoff(&rounds);
    }
#ifdef VARIANT_LEAVE
    VARIANT_LEAVE(q, ctx);
#endif
#endif
    if (pops >= L->max_pops) {
        qlab_note(L, "consumer %u stopped after %llu pops: the structure kept handing out "
                  "items that cannot exist", c, (unsigned long long)pops);
    }
}

static void queue__work(void *st, unsigned worker, uint64_t iters)
{
    struct qlab *L = st;
    if (worker < L->producers)
        queue__produce(L, queue__q(st), worker, iters);
    else
        queue__consume(L, queue__q(st), worker - L->producers);
}

static size_t queue__size(const struct lab_env *env)
{
#ifdef VARIANT_SIZE
    size_t own = VARIANT_SIZE(env);
#else
    size_t own = sizeof(struct qstate);
#endif
    return qlab_offset(env) + own;
}

static int queue__setup(void *st, const struct lab_env *env)
{
    struct qlab *L = st;
    qlab_init(L, env, QUEUE__FIFO, VARIANT_RACY);
#ifdef VARIANT_SETUP
    return VARIANT_SETUP(queue__q(st), env, L);
#else
    return 0;
#endif
}

static void queue__teardown(void *st)
{
#ifdef VARIANT_TEARDOWN
    VARIANT_TEARDOWN(queue__q(st));
#else
    (void)st;
#endif
}

#ifdef VARIANT_EXPLAIN
static void queue__items(const void *st, struct lab_items *out)
{
    /* Every worker has been joined: the state is ours alone. */
    VARIANT_EXPLAIN(queue__q((void *)st), (struct qlab *)st);
    qlab_items(st, out);
}
#else
#define queue__items qlab_items
#endif

const struct lab_variant LAB_VARIANT_SYMBOL = {
    LAB_VARIANT_IDENTITY(QUEUE__MODELS,
                         { [LAB_PROCS] = LAB_VARIANT_PROCS_WHY, [LAB_COROS] = QUEUE__NOT_COROS,
                           [LAB_COROS_MN] = QUEUE__NOT_COROS,
                           [LAB_COROS_PREEMPT] = QUEUE__NOT_COROS }),
    .state_bytes = queue__size,
    .setup = queue__setup,
    .teardown = queue__teardown,
    .work = queue__work,
    .observe = qlab_observe,
    .items = queue__items,
    .max_producers = QUEUE__MAX_ROLE,
    .max_consumers = QUEUE__MAX_ROLE,
    .roles_why = QUEUE__ROLES_WHY,
};
