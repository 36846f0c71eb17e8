/* labs/common/waitfor.h - locks that tell the watchdog who waits for whom.
 *
 * A variant whose workers can deadlock (lock A, then B, while another locks
 * B, then A) takes its locks through these wrappers around a lock
 * descriptor (labs/common/desc/lockd.h). They keep, in the variant's shared
 * state, the records its waiting() hook reads (struct lab_wait, lab.h):
 *
 *   struct lab_wf_worker rec[workers]   per worker: the resource it waits for
 *                                       and a ticket (one atomic word), and
 *                                       the resource it holds (informational)
 *   lab_wf_owner owner[resources]       per resource: its holder + 1, 0 free
 *
 * and they never wait for ever: a wait polls the descriptor's try and gives
 * up once lab_trial_over() (the watchdog ended the trial), returning false;
 * the caller then releases what it holds and its worker returns. The order
 * the watchdog's proof needs (watch.c) is kept: the owner word is set after
 * the lock is taken and cleared before it is released, and a wait's record
 * is cleared only after its owner word is set.
 *
 * ThreadSanitizer: the wrapped lock is annotated as a mutex (its
 * __tsan_mutex_* interface), a wait as a blocking lock and a try as a try,
 * so TSan's deadlock detector sees the lock order and reports an AB-BA
 * inversion (lock-order-inversion) even in a run that did not deadlock.
 * Wrap only a lock that TSan sees as plain atomics (the sync library's:
 * futex, ticket, ...), not a pthread one, which TSan intercepts itself.
 *
 * Usage (one resource per lock):
 *     if (!LAB_WF_ACQUIRE(futex, &acct[a].lock, &n, &s->rec[w], s->owner, w, a))
 *         return false;                          the trial is over
 *     ...
 *     LAB_WF_RELEASE(futex, &acct[a].lock, &n, &s->rec[w], s->owner, a);
 * and the hook:
 *     return lab_wf_waiting(&s->rec[w], s->owner, s->naccts, "account", out);
 */
#ifndef RACELAB_WAITFOR_H
#define RACELAB_WAITFOR_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "lab.h"
#include "sync/annotate.h"
#include "sync/atomic.h"
#include "util/tsan.h"

#if UTIL_TSAN
#include <sanitizer/tsan_interface.h>
#define LAB_WF__TSAN(call) call
#else
#define LAB_WF__TSAN(call) ((void)0)
#endif

/* The explore flavour (labs/common/explore_main.c) has no watchdog to read
 * the records: there they are not kept, so they add no explorer points. */
#ifdef LAB_EXPLORE
#define LAB_WF__RECORDS 0
#else
#define LAB_WF__RECORDS 1
#endif

/* One worker's record, on a cache line of its own. */
struct lab_wf_worker {
    /* ticket << 32 | (resource + 1) while it waits, ticket << 32 while not:
     * one word, so the watchdog reads a wait and its ticket together. */
    _Alignas(SYNC_CACHELINE) sync_atomic_u64 wait;
    sync_atomic_u32 holds;   /* the resource + 1 it took last and still holds, 0 none */
};

typedef sync_atomic_u32 lab_wf_owner;   /* the holder + 1, 0: free */

/* At setup: |n| workers' records, |stride| bytes apart (each inside the
 * lab's own per-worker struct), and |nres| owner words are C11 atomics only,
 * read by the watchdog while the workers run. Helgrind and DRD do not model
 * C11 atomics (on x86 plain movs), so they are told not to track these bytes
 * (sync/annotate.h); the lab's own state stays tracked. */
static inline void lab_wf_untrack(struct lab_wf_worker *first, size_t stride, unsigned n,
                                  lab_wf_owner *owner, unsigned nres)
{
    for (unsigned i = 0; i < n; i++)
        SYNC_ANN_IGNORE((char *)first + i * stride, sizeof *first);
    SYNC_ANN_IGNORE(owner, nres * sizeof *owner);
}

/* Before a wait for |res|: a new ticket. */
static inline void lab_wf_begin(struct lab_wf_worker *me, unsigned res)
{
    if (!LAB_WF__RECORDS)
        return;
    /* Seq-cst, as every record access: the watchdog's reads must see them in
     * program order (watch.c). */
    uint64_t t = (sync_load_u64(&me->wait, SYNC_RELAXED) >> 32) + 1;
    sync_store_u64(&me->wait, t << 32 | ((uint64_t)res + 1), SYNC_SEQ_CST);
}

/* After the wait: taken (owner set first), or given up. */
static inline void lab_wf_end(struct lab_wf_worker *me, lab_wf_owner *owner, unsigned worker,
                              unsigned res, bool taken)
{
    if (!LAB_WF__RECORDS)
        return;
    if (taken) {
        sync_store_u32(&owner[res], worker + 1, SYNC_SEQ_CST);
        sync_store_u32(&me->holds, res + 1, SYNC_SEQ_CST);
    }
    uint64_t t = sync_load_u64(&me->wait, SYNC_RELAXED) >> 32;
    sync_store_u64(&me->wait, t << 32, SYNC_SEQ_CST);
}

/* Before releasing |res|: the owner word first. */
static inline void lab_wf_drop(struct lab_wf_worker *me, lab_wf_owner *owner, unsigned res)
{
    if (!LAB_WF__RECORDS)
        return;
    sync_store_u32(&owner[res], 0, SYNC_SEQ_CST);
    if (sync_load_u32(&me->holds, SYNC_RELAXED) == res + 1)
        sync_store_u32(&me->holds, 0, SYNC_SEQ_CST);
}

/* Spin a little, then let others run, then sleep 50 us a round: a wait
 * that may be a deadlock must not eat the CPU its holder needs. Under the
 * coroutine models: yield to the next coroutine (the holder may be it). */
static inline void lab_wf_pause(unsigned *rounds)
{
    unsigned r = (*rounds)++;
    if (lab__yield_points) {
        lab__yield();
    } else if (r < 64) {
        sync_cpu_relax();
    } else if (r < 256) {
        sched_yield();
    } else {
        struct timespec ts = { 0, 50000 };
        nanosleep(&ts, NULL);
    }
}

/* The waiting() hook's body: |res_noun| names the resources ("account"). */
static inline bool lab_wf_waiting(const struct lab_wf_worker *me, const lab_wf_owner *owner,
                                  unsigned resources, const char *res_noun,
                                  struct lab_wait *out)
{
    uint64_t w = sync_load_u64(&me->wait, SYNC_SEQ_CST);
    unsigned res = (unsigned)(w & 0xffffffffu);
    if (res == 0 || res > resources)
        return false;
    res--;
    out->ticket = (uint32_t)(w >> 32);
    out->owner = (int)sync_load_u32(&owner[res], SYNC_SEQ_CST) - 1;
    /* A free lock: the worker takes it as soon as it runs again. Not stuck,
     * however long a loaded machine keeps it off the CPU (a TSan build here
     * was, past the watchdog's 250 ms, and "every unfinished worker waits"
     * then called a correct run a deadlock). */
    if (out->owner < 0)
        return false;
    snprintf(out->what, sizeof out->what, "%s %u", res_noun, res);
    unsigned h = sync_load_u32(&me->holds, SYNC_SEQ_CST);
    if (h != 0)
        snprintf(out->holds, sizeof out->holds, "%s %u", res_noun, h - 1);
    return true;
}

/* The annotations' flags (TSan's interface). */
#define LAB_WF__TRY        LAB_WF__TSAN_FLAG(__tsan_mutex_try_lock)
#define LAB_WF__TRY_FAILED LAB_WF__TSAN_FLAG(__tsan_mutex_try_lock_failed)
#if UTIL_TSAN
#define LAB_WF__TSAN_FLAG(f) (f)
#else
#define LAB_WF__TSAN_FLAG(f) 0u
#endif

/* Takes |l| (descriptor |id|) as worker |worker|, waiting for resource
 * |res|: true, or false when the trial ended first (nothing taken). */
#define LAB_WF_ACQUIRE(id, l, n, me, owner, worker, res)                              \
    __extension__({                                                                   \
        lab_wf_begin((me), (res));                                                    \
        LAB_WF__TSAN(__tsan_mutex_pre_lock((l), 0));                                  \
        unsigned lab__rounds = 0;                                                     \
        bool lab__ok;                                                                 \
        while (!(lab__ok = LOCKD_FN(id, try)((l), (n))) && !lab_trial_over())         \
            lab_wf_pause(&lab__rounds);                                               \
        LAB_WF__TSAN(__tsan_mutex_post_lock(                                          \
            (l), lab__ok ? 0u : LAB_WF__TRY | LAB_WF__TRY_FAILED, 0));                \
        lab_wf_end((me), (owner), (worker), (res), lab__ok);                          \
        lab__ok;                                                                      \
    })

/* One try, no wait: true if |l| was taken. */
#define LAB_WF_TRY(id, l, n, me, owner, worker, res)                                  \
    __extension__({                                                                   \
        LAB_WF__TSAN(__tsan_mutex_pre_lock((l), LAB_WF__TRY));                        \
        bool lab__ok = LOCKD_FN(id, try)((l), (n));                                   \
        LAB_WF__TSAN(__tsan_mutex_post_lock(                                          \
            (l), lab__ok ? LAB_WF__TRY : LAB_WF__TRY | LAB_WF__TRY_FAILED, 0));       \
        if (lab__ok && LAB_WF__RECORDS) {                                             \
            sync_store_u32(&(owner)[(res)], (worker) + 1, SYNC_SEQ_CST);              \
            sync_store_u32(&(me)->holds, (res) + 1, SYNC_SEQ_CST);                    \
        }                                                                             \
        lab__ok;                                                                      \
    })

#define LAB_WF_RELEASE(id, l, n, me, owner, res)                                      \
    do {                                                                              \
        lab_wf_drop((me), (owner), (res));                                            \
        LAB_WF__TSAN(__tsan_mutex_pre_unlock((l), 0));                                \
        LOCKD_FN(id, release)((l), (n));                                              \
        LAB_WF__TSAN(__tsan_mutex_post_unlock((l), 0));                               \
    } while (0)

/* At teardown, for each wrapped lock: TSan forgets it (the memory is reused
 * by the next trial). */
#define LAB_WF_FORGET(l) LAB_WF__TSAN(__tsan_mutex_destroy((l), 0))

#endif
