/* sync/tplock.h - time-published ticket lock: FIFO among running waiters.
 *
 * CONTRACT
 *   Progress:  deadlock-free. FIFO among waiters that are running; a waiter
 *              that was not running when its turn came is skipped and takes
 *              a new ticket when it runs again (no bound on how often: a
 *              thread the scheduler keeps off its CPU keeps losing its turn,
 *              as in time-published queue locks, He, Scherer and Scott 2005).
 *   Why:       a FIFO lock hands the lock to one specific thread. With more
 *              threads than cores that thread is often not running, and the
 *              lock stays idle until the scheduler runs it (ticket: ~1 ms per
 *              hand-over at 8 threads on 2 cores). Here every waiter publishes
 *              "I am running" as a timestamp in its ticket's slot while it
 *              spins, and the releaser grants the lock to the first waiter in
 *              ticket order whose stamp is fresh (SYNC__TP_FRESH_NS), skipping
 *              the others. A waiter that gives its CPU away (sched_yield after
 *              SYNC__TP_SPIN polls) clears its stamp first.
 *   Ordering:  lock is an acquire, unlock a release.
 *   Memory:    two counters and SYNC__TP_SLOTS slots of one cache line each
 *              (4 KiB with the default 64 slots); static, heap, stack or
 *              MAP_SHARED memory (no pointers inside). More than
 *              SYNC__TP_SLOTS threads waiting at once stay correct: a waiter
 *              whose slot is still in use by an older ticket waits for it.
 *   Safety:    unlock only by the holder (not checked). Tickets wrap at 2^32;
 *              a thread would have to sleep through 2^31 acquisitions between
 *              two reads to be fooled.
 *   Cost:      uncontended, the same as the ticket lock (one fetch_add, one
 *              load; unlock one load and one store). Contended, each waiter
 *              reads the clock on every poll (vDSO, no system call) and the
 *              releaser once per hand-over.
 *
 * Slot word, per ticket t (the slot is t mod SYNC__TP_SLOTS):
 *   (t << 2) | EMPTY    never used since init (t is then the slot's index)
 *   (t << 2) | WAITING  t's waiter published itself; |stamp| is its heartbeat
 *   (t << 2) | SKIPPED  the releaser passed t over (t takes a new ticket)
 *   (t << 2) | DONE     t was granted the lock
 * An older ticket in the slot means t has not published yet; a newer one
 * means t was skipped and the slot reused. Only the releaser moves a slot to
 * SKIPPED, only t's waiter to WAITING (from a resolved older ticket) or DONE. */
#ifndef SYNC_TPLOCK_H
#define SYNC_TPLOCK_H

#include <stdbool.h>
#include <time.h>
#include "sync/annotate.h"
#include "sync/atomic.h"

#ifndef SYNC__TP_SLOTS
#define SYNC__TP_SLOTS 64u           /* power of two */
#endif
#ifndef SYNC__TP_FRESH_NS
#define SYNC__TP_FRESH_NS 10000u     /* a stamp younger than this: running */
#endif
#ifndef SYNC__TP_SPIN
#define SYNC__TP_SPIN 256u           /* polls before a waiter also yields */
#endif

enum { SYNC__TP_EMPTY, SYNC__TP_WAITING, SYNC__TP_SKIPPED, SYNC__TP_DONE };

typedef struct {
    sync_atomic_u64 word;    /* private: ticket << 2 | state, see above */
    sync_atomic_u64 stamp;   /* private: the waiter's last poll, ns */
} __attribute__((aligned(SYNC_CACHELINE))) sync__tp_slot;

typedef struct {
    sync_atomic_u32 next;    /* private: next ticket to hand out */
    char pad_[SYNC_CACHELINE - sizeof(sync_atomic_u32)];   /* private */
    sync_atomic_u32 owner;   /* private: ticket being served; written by the releaser */
    char pad2_[SYNC_CACHELINE - sizeof(sync_atomic_u32)];  /* private */
    sync__tp_slot slot[SYNC__TP_SLOTS];   /* private */
} sync_tplock_t;

#define SYNC_TPLOCK_INIT { .next = SYNC_ATOMIC_INIT(0), .owner = SYNC_ATOMIC_INIT(0) }

static inline uint64_t sync__tp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t sync__tp_word(uint32_t t, unsigned state)
{
    return ((uint64_t)t << 2) | state;
}

static inline int sync_tplock_init(sync_tplock_t *l)
{
    sync_store_u32(&l->next, 0, SYNC_RELAXED);
    sync_store_u32(&l->owner, 0, SYNC_RELAXED);
    for (uint32_t i = 0; i < SYNC__TP_SLOTS; i++) {
        sync_store_u64(&l->slot[i].word, sync__tp_word(i, SYNC__TP_EMPTY), SYNC_RELAXED);
        sync_store_u64(&l->slot[i].stamp, 0, SYNC_RELAXED);
    }
    SYNC_ANN_LOCK_INIT(l, sizeof *l);
    return 0;
}

static inline bool sync_tplock_trylock(sync_tplock_t *l)
{
    /* Acquire: pairs with the release store of |owner| in sync_tplock_unlock(). */
    uint32_t o = sync_load_u32(&l->owner, SYNC_ACQUIRE);
    uint32_t n = o;
    /* Free exactly when the ticket being served is the next to hand out;
     * relaxed: the load above acquired. */
    if (!sync_cas_u32(&l->next, &n, o + 1, SYNC_RELAXED, SYNC_RELAXED))
        return false;
    SYNC_ANN_LOCK_ACQUIRED(l, 1);
    return true;
}

/* Publishes ticket t in its slot: true, or false if t was already skipped. */
static inline bool sync__tp_publish(sync_tplock_t *l, uint32_t t)
{
    sync__tp_slot *s = &l->slot[t & (SYNC__TP_SLOTS - 1)];
    sync_store_u64(&s->stamp, sync__tp_now(), SYNC_RELAXED);
    /* Acquire: pairs with the releaser's CAS to SKIPPED and an older
     * waiter's DONE store (a resolved slot is free to take). */
    uint64_t w = sync_load_u64(&s->word, SYNC_ACQUIRE);
    for (;;) {
        int32_t d = (int32_t)((uint32_t)(w >> 2) - t);
        unsigned st = (unsigned)(w & 3);
        if (d > 0 || (d == 0 && st == SYNC__TP_SKIPPED))
            return false;   /* passed over already */
        if (d < 0 && st == SYNC__TP_WAITING) {
            /* An older ticket still waits here (more waiters than slots). */
            sync_cpu_relax();
            w = sync_load_u64(&s->word, SYNC_ACQUIRE);   /* same pairing as above */
            continue;
        }
        /* Release: the stamp above is visible to a releaser that acquires
         * WAITING (its acquire load of |word| in sync_tplock_unlock()). */
        if (sync_cas_u64(&s->word, &w, sync__tp_word(t, SYNC__TP_WAITING), SYNC_RELEASE,
                         SYNC_ACQUIRE))
            return true;
    }
}

/* Waits for published ticket t: true once granted, false if skipped. */
static inline bool sync__tp_wait(sync_tplock_t *l, uint32_t t)
{
    sync__tp_slot *s = &l->slot[t & (SYNC__TP_SLOTS - 1)];
    uint64_t mine = sync__tp_word(t, SYNC__TP_WAITING);
    unsigned rounds = 0;
    for (;;) {
        /* Acquire: pairs with the release store of |owner| that grants t. */
        if (sync_load_u32(&l->owner, SYNC_ACQUIRE) == t) {
            /* Relaxed: a later ticket's publish reads it after our
             * unlock's release, through the owner hand-over chain. */
            sync_store_u64(&s->word, sync__tp_word(t, SYNC__TP_DONE), SYNC_RELAXED);
            SYNC_ANN_LOCK_ACQUIRED(l, 1);
            return true;
        }
        /* Relaxed: only a change away from WAITING matters, and the
         * retake below synchronizes through |next| and |owner| again. */
        if (sync_load_u64(&s->word, SYNC_RELAXED) != mine)
            return false;   /* skipped: queue again */
        sync_store_u64(&s->stamp, sync__tp_now(), SYNC_RELAXED);
        if (rounds < SYNC__TP_SPIN) {
            rounds++;
            sync_cpu_relax();
        } else {
            /* The holder may be the one not running: give the CPU away,
             * and say so first (stamp 0: never fresh), since a yield
             * with others runnable lasts a time slice. */
            sync_store_u64(&s->stamp, 0, SYNC_RELAXED);
            sched_yield();
        }
    }
}

/* The other half of sync_tplock_lock(): ticket t is not served yet, or it
 * is and this runs under Helgrind or DRD. */
SYNC__SLOW_PATH void sync__tp_lock_slow(sync_tplock_t *l, uint32_t t)
{
    /* Acquire: as in sync_tplock_lock(). Uncontended: nobody decides about
     * t any more. */
    if (sync_load_u32(&l->owner, SYNC_ACQUIRE) == t) {
        SYNC_ANN_LOCK_ACQUIRED(l, 1);
        return;
    }
    for (;;) {
        if (sync__tp_publish(l, t) && sync__tp_wait(l, t))
            return;
        /* Skipped: queue again. Relaxed: as in sync_tplock_lock(). */
        t = sync_fetch_add_u32(&l->next, 1, SYNC_RELAXED);
        /* Acquire: pairs with the release store of |owner| in sync_tplock_unlock(). */
        if (sync_load_u32(&l->owner, SYNC_ACQUIRE) == t) {
            SYNC_ANN_LOCK_ACQUIRED(l, 1);
            return;
        }
    }
}

static inline void sync_tplock_lock(sync_tplock_t *l)
{
    /* Relaxed: taking a ticket orders nothing, the acquire is on |owner|. */
    uint32_t t = sync_fetch_add_u32(&l->next, 1, SYNC_RELAXED);
    /* Acquire: pairs with the release store of |owner| in sync_tplock_unlock(). */
    if (__builtin_expect(sync_load_u32(&l->owner, SYNC_ACQUIRE) != t + SYNC_ANN_BIAS, 0))
        sync__tp_lock_slow(l, t);   /* (or served, under Helgrind or DRD: it annotates) */
}

/* The other half of sync_tplock_unlock(): ticket x is handed out, so there
 * may be waiters to grant the lock to or to pass over; or this runs under
 * Helgrind or DRD. */
SYNC__SLOW_PATH void sync__tp_hand_over(sync_tplock_t *l)
{
    /* Relaxed: as in sync_tplock_unlock(). */
    uint32_t x = sync_load_u32(&l->owner, SYNC_RELAXED) + 1;
    uint64_t now = 0;
    SYNC_ANN_LOCK_RELEASED(l, 1);
    for (;;) {
        /* Relaxed: if x is handed out right after this load, serving x
         * grants it to its taker, which is just as right. */
        if (x == sync_load_u32(&l->next, SYNC_RELAXED)) {
            sync_store_u32(&l->owner, x, SYNC_RELEASE);   /* pairs with the lockers' acquire */
            return;
        }
        sync__tp_slot *s = &l->slot[x & (SYNC__TP_SLOTS - 1)];
        /* Acquire: pairs with the publish CAS (release), so |stamp| is current. */
        uint64_t w = sync_load_u64(&s->word, SYNC_ACQUIRE);
        int32_t d = (int32_t)((uint32_t)(w >> 2) - x);
        if (d > 0) {
            x++;   /* x's slot was reused: x will see that and queue again */
        } else {
            if (d == 0 && (w & 3) == SYNC__TP_WAITING) {
                if (now == 0)
                    now = sync__tp_now();
                uint64_t stamp = sync_load_u64(&s->stamp, SYNC_RELAXED);
                if (now < stamp || now - stamp < SYNC__TP_FRESH_NS) {
                    sync_store_u32(&l->owner, x, SYNC_RELEASE);   /* pairs with x's acquire */
                    return;
                }
            }
            /* x has not published yet, or has not run for a while: pass it
             * over. Release/acquire: the CAS pairs with x's acquire in its
             * publish. Else x just published or refreshed: look again. */
            if (sync_cas_u64(&s->word, &w, sync__tp_word(x, SYNC__TP_SKIPPED), SYNC_RELEASE,
                             SYNC_RELAXED))
                x++;
        }
    }
}

/* Call with |l| held. */
static inline void sync_tplock_unlock(sync_tplock_t *l)
{
    /* Relaxed: only the holder changes |owner|, and it holds ticket owner. */
    uint32_t x = sync_load_u32(&l->owner, SYNC_RELAXED) + (1 + SYNC_ANN_BIAS);
    /* Relaxed: if x is handed out right after this load, serving x grants
     * it to its taker, which is just as right. */
    if (__builtin_expect(x != sync_load_u32(&l->next, SYNC_RELAXED), 0)) {
        sync__tp_hand_over(l);   /* (or nobody waits, under Helgrind or DRD) */
        return;
    }
    sync_store_u32(&l->owner, x, SYNC_RELEASE);   /* pairs with the lockers' acquire */
}

#endif
