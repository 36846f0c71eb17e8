/* labs/wakeup/wakeup.h - the wake-up lab: condition variables done wrong.
 *
 * CONCEPT
 *   A bounded buffer (WK_CAP slots) between producers and consumers, one
 *   mutex, and condition variables to sleep on while the buffer is full
 *   (producers) or empty (consumers). A wake-up is a hint, not a promise:
 *   by the time the woken thread holds the mutex again, another thread may
 *   have taken the item (a stolen wake-up), or nothing happened at all (a
 *   spurious one). And a wake-up sent while nobody sleeps is gone: a thread
 *   that decided to sleep before it, and sleeps after it, sleeps for ever.
 *
 * THE RACE (if: the wait is in an `if`, not a `while`)
 *     step  consumer 1              producer             consumer 2
 *     1     lock; empty: wait
 *     2                             lock; put X; signal  (1 is woken)
 *     3                             unlock
 *     4                                                  lock; take X; unlock
 *     5     (holds the lock again) buffer empty, but the `if` is behind it:
 *           take the slot anyway -> a stale item, handed out a second time
 *   (lost: the decision to sleep is made, then the lock let go before the wait)
 *     1     lock; empty; unlock
 *     2                             lock; put X; signal  (nobody waits yet)
 *     3     lock; wait              ...                  X is there, 1 sleeps
 *     once the producers block on a full buffer, no signal is left to come.
 *   (one-cv: one condition variable for both roles, signal wakes one)
 *     a consumer's signal meant for a producer wakes the other consumer,
 *     which finds the buffer empty and sleeps again: the wake-up is spent,
 *     everybody sleeps.
 *
 * EXPECTED
 *   every item (producers x iters) consumed exactly once, every trial ends.
 *
 * TYPICAL
 *   if: duplicated items (a consumer took from an empty buffer) and lost ones
 *   (a producer overwrote a full one) in every run at 2x2; how many varies
 *   with the scheduler. lost and one-cv: a trial that never ends, reported
 *   as a hang with who waits on what; some trials still finish (every lost
 *   wake-up was made good by a later signal). correct, correct-sync, sem:
 *   exact, always; their false_wakeups count shows that `while` had work to
 *   do.
 *
 * DETECTORS
 *   None of these bugs is a data race: every access is under the mutex. TSan,
 *   helgrind and DRD are silent about them (the valgrind tools do not model
 *   the futex-based sync/cond.h and sync/sem.h at all: see known_reports).
 *   The lab's own item check and the runtime's watchdog are the detectors
 *   that see them.
 *
 * TRY
 *   lab-wakeup --variant if                (duplicates and losses)
 *   lab-wakeup --variant lost --timeout 2  (a hang: who sleeps on what)
 *   lab-wakeup --variant correct,sem --producers 4 --consumers 4
 *   lab-wakeup --model procs --variant one-cv,correct
 *
 * Each variant file defines put/get/finish over the buffer below and
 * includes variant.h last; see variant.h. */
#ifndef RACELAB_WAKEUP_H
#define RACELAB_WAKEUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lab.h"
#include "sync/atomic.h"

extern const struct lab wakeup_lab;

/* The buffer's slots: few enough that both sides sleep and wake all the
 * time, enough that a trial of the fixed variants stays short. A variant may
 * take fewer (VARIANT_CAP): one-cv stalls only when every worker can end up
 * asleep at once, which one slot makes certain in practice and 64 rare. */
#define WK_CAP 64u

/* An item: (producer + 1) << 40 | sequence number; 0 is never an item. */
#define WK_SEQ_BITS 40
#define WK_SEQ_MASK ((UINT64_C(1) << WK_SEQ_BITS) - 1)

/* Which sleeping place a wait is on: the condition variable (or semaphore)
 * producers sleep on, and the consumers' one. */
enum { WK_ON_PRODUCERS, WK_ON_CONSUMERS };

/* What a worker is doing, for the description of a hang. */
enum wk_doing {
    WK_RUNNING,
    WK_WAIT_NOT_FULL,    /* a producer asleep on "not full" */
    WK_WAIT_NOT_EMPTY,   /* a consumer asleep on "not empty" */
    WK_WAIT_CHANGED,     /* asleep on the one condition variable (one-cv) */
    WK_WAIT_ROOM,        /* a producer asleep on the "room" semaphore */
    WK_WAIT_FULL,        /* a consumer asleep on the "full" semaphore */
    WK_DONE,
};

/* One worker's tallies, on a cache line of its own; written by that worker. */
struct wk_worker {
    _Alignas(SYNC_CACHELINE) sync_atomic_u32 doing;   /* enum wk_doing */
    sync_atomic_u32 ticket;  /* one more at each sleep: the watchdog's "same wait" */
    uint64_t ops;            /* items it put or took (broken ones included) */
    uint64_t waited_at;      /* ops + 1 when it last went to sleep, 0 never */
    uint64_t consumed;       /* items taken, duplicates included */
    uint64_t duplicated;     /* taken a second time, or never made */
    uint64_t waits;          /* times it slept */
    uint64_t false_wakeups;  /* woke to find its predicate still false */
    uint64_t broken;         /* took from an empty or wrote to a full buffer */
};

/* The buffer and the checker, ahead of the variant's own objects. The ring
 * (head, tail, slot, finished) is under the variant's lock; the rest is
 * written by one worker each or atomically, and read by the hooks after
 * every worker has ended. */
struct wk {
    unsigned producers, consumers, workers;
    uint64_t iters, words;
    unsigned cap;                      /* slots in use, at most WK_CAP */
    uint64_t head, tail;               /* items taken, items put */
    bool finished;                     /* every producer is done */
    uint64_t slot[WK_CAP];
    size_t sync_offset;                /* where the variant's objects start */
    _Alignas(SYNC_CACHELINE) sync_atomic_u32 stop;   /* the watchdog ended the trial */
    sync_atomic_u32 producers_done;
    sync_atomic_u64 count_seen;        /* tail - head as last left, for a hang's story */
    /* Per condition variable or semaphore (WK_ON_*): sleepers marked, and
     * wake-ups sent to them that no sleeper has returned with yet. While one
     * is owed, any sleeper there may be the woken one, not yet running: the
     * watchdog must not call that a hang (a loaded machine can leave a woken
     * thread off the CPU for longer than the watchdog waits). */
    sync_atomic_u32 asleep[2], owed[2];
    sync_atomic_u32 note_taken;
    char note[160];                    /* the first broken operation, one line */
    /* then struct wk_worker[workers], sync_atomic_u64 bitmap[producers * words] */
};

static inline struct wk_worker *wk_worker(struct wk *w, unsigned i)
{
    return (struct wk_worker *)(w + 1) + i;
}

static inline sync_atomic_u64 *wk_bitmap(struct wk *w)
{
    return (sync_atomic_u64 *)wk_worker(w, w->workers);
}

size_t wk_offset(const struct lab_env *env);
void wk_init(struct wk *w, const struct lab_env *env, unsigned cap);
uint64_t wk_observe(const void *state, unsigned workers);
void wk_items(const void *state, struct lab_items *out);
void wk_note(struct wk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Consumer worker |me| took |item|: mark it, or count a duplicate. */
void wk_check(struct wk *w, unsigned me, uint64_t item);
/* The watchdog's hook (struct lab_variant.waiting): what |worker| sleeps
 * on, a condition nobody holds. */
bool wk_waiting(const void *state, unsigned worker, struct lab_wait *out);
/* The lab's fields (struct lab.fields), after a trial. */
void wk_fields(const void *state, unsigned workers, int64_t *out);

static inline bool wk_stopped(struct wk *w)
{
    /* Relaxed: the stop only ends the loops (the worker that saw
     * lab_trial_over() sets it; the others see that themselves). */
    return sync_load_u32(&w->stop, SYNC_RELAXED) != 0;
}

/* A sleep is cut into slices this long, so that a sleeper notices the
 * watchdog ending the trial; a slice running out is not a wake-up (the
 * sleeper sleeps on without looking at the buffer: a lost wake-up stays
 * lost). */
#define WK_SLICE_NS 20000000u

/* The end of the next slice, on CLOCK_MONOTONIC. */
static inline struct timespec wk_slice_end(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_nsec += WK_SLICE_NS;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* After a slice ran out: whether to stop sleeping (the trial is over). */
static inline bool wk_give_up(struct wk *w)
{
    if (!lab_trial_over())
        return false;
    sync_store_u32(&w->stop, 1, SYNC_RELAXED);
    return true;
}

/* The predicates, under the lock. Both are false once the trial is being
 * stopped, so every wait loop lets its worker go. */
static inline bool wk_full(struct wk *w)
{
    return w->tail - w->head >= w->cap && !wk_stopped(w);
}

static inline bool wk_empty(struct wk *w)
{
    return w->tail == w->head && !wk_stopped(w);
}

static inline void wk_doing(struct wk *w, unsigned me, enum wk_doing what)
{
    /* Relaxed: read only to describe a hang, long after it was written. */
    sync_store_u32(&wk_worker(w, me)->doing, what, SYNC_RELAXED);
}

/* Before worker |me| sleeps: marks what on, and counts the sleep. Sleeping
 * again without an operation since the last sleep means that wake-up found
 * the predicate still false (stolen or spurious): a false wake-up. */
/* The sleeping place of a wait (one-cv's one condition variable is the
 * producers'). */
static inline unsigned wk_on(enum wk_doing what)
{
    return what == WK_WAIT_NOT_EMPTY || what == WK_WAIT_FULL ? WK_ON_CONSUMERS
                                                             : WK_ON_PRODUCERS;
}

/* A wake-up sent to |on| (all: a broadcast): owed to a marked sleeper, if
 * any is not owed one yet. Relaxed throughout: these counts only tell the
 * watchdog what may be in flight. */
static inline void wk_woke(struct wk *w, unsigned on, bool all)
{
    uint32_t owed = sync_load_u32(&w->owed[on], SYNC_RELAXED), want;
    do {
        uint32_t asleep = sync_load_u32(&w->asleep[on], SYNC_RELAXED);
        want = all ? asleep : owed < asleep ? owed + 1 : owed;
        if (want <= owed)
            return;
    } while (!sync_cas_u32(&w->owed[on], &owed, want, SYNC_RELAXED, SYNC_RELAXED));
}

/* A sleeper on |on| returned from its sleep (woken, or spuriously). */
static inline void wk_returned(struct wk *w, unsigned on)
{
    sync_fetch_sub_u32(&w->asleep[on], 1, SYNC_RELAXED);
    uint32_t owed = sync_load_u32(&w->owed[on], SYNC_RELAXED);
    while (owed > 0 && !sync_cas_u32(&w->owed[on], &owed, owed - 1, SYNC_RELAXED, SYNC_RELAXED))
        ;
}

static inline void wk_sleeping(struct wk *w, unsigned me, enum wk_doing what)
{
    struct wk_worker *k = wk_worker(w, me);
    sync_fetch_add_u32(&w->asleep[wk_on(what)], 1, SYNC_RELAXED);
    k->waits++;
    k->false_wakeups += k->waited_at == k->ops + 1;
    k->waited_at = k->ops + 1;
    /* Relaxed: the watchdog needs only to see the number change. */
    sync_fetch_add_u32(&k->ticket, 1, SYNC_RELAXED);
    wk_doing(w, me, what);
}

/* Puts |item|, under the lock. A full buffer here is the bug of a variant
 * that did not wait it out: the item overwrites the oldest one, which is
 * lost (the lab keeps the indices sane, so that the trial goes on). */
static inline void wk_push(struct wk *w, unsigned me, uint64_t item)
{
    if (wk_stopped(w))
        return;
    if (w->tail - w->head >= w->cap) {
        wk_worker(w, me)->broken++;
        wk_note(w, "producer %u woke to a full buffer and wrote over the oldest item", me);
        w->slot[w->head % w->cap] = item;
    } else {
        w->slot[w->tail++ % w->cap] = item;
    }
    wk_worker(w, me)->ops++;
    sync_store_u64(&w->count_seen, w->tail - w->head, SYNC_RELAXED);
}

/* Takes an item, under the lock, and checks it. An empty buffer here is the
 * bug of a variant that did not wait it out: the slot at head is stale (an
 * item taken before, or nothing), and that is what it gets. */
static inline void wk_pop(struct wk *w, unsigned me)
{
    if (wk_stopped(w))
        return;
    if (w->tail == w->head) {
        wk_worker(w, me)->broken++;
        wk_note(w, "consumer %u woke to an empty buffer and took a stale slot",
                me - w->producers);
        wk_check(w, me, w->slot[w->head % w->cap]);
    } else {
        wk_check(w, me, w->slot[w->head++ % w->cap]);
    }
    wk_worker(w, me)->ops++;
    sync_store_u64(&w->count_seen, w->tail - w->head, SYNC_RELAXED);
}

#endif
