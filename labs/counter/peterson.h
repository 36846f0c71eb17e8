/* labs/counter/peterson.h - what the two Peterson variants share: the
 * state, the wait, the unlock and the two-worker check. The lesson is in
 * peterson.c and peterson_fence.c, which differ by one fence. */
#ifndef RACELAB_COUNTER_PETERSON_H
#define RACELAB_COUNTER_PETERSON_H

#include <stdatomic.h>
#include <stdint.h>

#include "sync/atomic.h"

#include "counter.h"

#define VARIANT_NO_PROCS \
    "Peterson's lock takes exactly two workers and teaches the store buffer on threads; " \
    "across processes it would be the same lesson (use --model threads)"

/* Each word on its own line: a worker's load of the other's flag then hits
 * its own cached copy at once while its own flag store waits for the line,
 * which is the store buffer's window (on one shared line the load would wait
 * for the line too, and the window nearly closes). */
struct state {
    struct {
        sync_atomic_u32 w;      /* worker i wants in */
        char pad[SYNC_CACHELINE - sizeof(sync_atomic_u32)];
    } flag[2];
    sync_atomic_u32 turn;       /* who waits when both want in */
    char pad[SYNC_CACHELINE - sizeof(sync_atomic_u32)];
    uint64_t value;
    char pad2[SYNC_CACHELINE - sizeof(uint64_t)];
    struct {
        uint32_t v;             /* worker i's own: peterson_outside()'s random state */
        char pad[SYNC_CACHELINE - sizeof(uint32_t)];
    } seed[2];
};

/* Peterson's lock has one flag per worker and a turn that names the other:
 * at most two workers (one runs alone, trivially). The runtime refuses more
 * before a worker runs (struct lab_variant.max_workers): at parse time for a
 * named variant, skipped with this reason under --variant all. */
#define VARIANT_MAX_WORKERS 2u
#define VARIANT_WORKERS_WHY \
    "Peterson's lock is for two workers: one flag each, and turn names the other"

static int peterson_setup(struct state *s, const struct lab_env *env)
{
    (void)env;
    s->seed[0].v = 0x9e3779b9u;
    s->seed[1].v = 0x7f4a7c15u;
    return 0;
}

/* Waits while the other wants in and it is the other's turn. */
static inline void peterson_wait(struct state *s, unsigned other)
{
    unsigned rounds = 0;
    /* Acquire: pairs with the other's release stores of flag (unlock) and
     * turn, so its critical section happens before ours. */
    while (sync_load_u32(&s->flag[other].w, SYNC_ACQUIRE) != 0 &&
           sync_load_u32(&s->turn, SYNC_ACQUIRE) == other)
        sync__spin_wait(&rounds);
}

static inline void peterson_unlock(struct state *s, unsigned worker)
{
    /* Release: pairs with the other's acquire load of our flag. */
    sync_store_u32(&s->flag[worker].w, 0, SYNC_RELEASE);
}

/* Work of the worker's own between two increments, a varying few dozen
 * cycles (no shared access; the signal fence keeps the loop, emitting no
 * instruction). Both variants do it. With none, two workers in a tight loop
 * fall into strict alternation - each enters while the other's flag has
 * long been visible - and the store buffer's window almost never opens;
 * real code does work between critical sections, and then both workers
 * often raise their flags at the same moment. */
static inline void peterson_outside(struct state *s, unsigned worker)
{
    uint32_t x = s->seed[worker].v;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s->seed[worker].v = x;
    for (uint32_t k = x & 63u; k > 0; k--)
        atomic_signal_fence(memory_order_seq_cst);
}

#endif
