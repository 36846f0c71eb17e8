/* sync/src/rwlock.c - slow paths of the readers-writer locks (see
 * sync/rwlock.h). */
#include "sync/rwlock.h"

#include <errno.h>
#include <limits.h>

/* Polls before sleeping, one pause hint each: a critical section shorter
 * than a futex round trip ends within them. */
#ifndef SYNC__RW_SPIN
#define SYNC__RW_SPIN 256u
#endif

/* ---- Writer-preferring -------------------------------------------------- */

int sync_rwlock_init(sync_rwlock_t *l, unsigned flags)
{
    if (flags & ~SYNC_PSHARED)
        return EINVAL;
    sync_store_u32(&l->state, 0, SYNC_RELAXED);
    sync_store_u32(&l->wwait, 0, SYNC_RELAXED);
    sync_store_u32(&l->rseq, 0, SYNC_RELAXED);
    sync_store_u32(&l->wseq, 0, SYNC_RELAXED);
    sync_store_u32(&l->rsleep, 0, SYNC_RELAXED);
    sync_store_u32(&l->wsleep, 0, SYNC_RELAXED);
    l->flags = flags;
    SYNC_ANN_LOCK_INIT(l, sizeof *l);   /* every word an atomic, |flags| constant */
    return 0;
}

static bool sync__rw_reader_blocked(sync_rwlock_t *l)
{
    /* Seq_cst: after our registration in |rsleep|, see the wake paths. */
    return (sync_load_u32(&l->state, SYNC_SEQ_CST) & SYNC__RW_WRITER) ||
           sync_load_u32(&l->wwait, SYNC_SEQ_CST) != 0;
}

void sync__rwlock_rdlock_slow(sync_rwlock_t *l)
{
    for (unsigned spin = 0;; spin++) {
        if (sync_rwlock_tryrdlock(l))
            return;
        if (spin < SYNC__RW_SPIN) {
            sync_cpu_relax();
            continue;
        }
        /* Read the futex word before registering and looking: a writer's
         * unlock after our look bumps it, and the wait does not sleep. */
        uint32_t seq = sync_load_u32(&l->rseq, SYNC_SEQ_CST);
        /* Seq_cst: a Dekker pair with the unlock's bump of |rseq| then load
         * of |rsleep| (sync__rwlock_wake_after_writer). */
        sync_fetch_add_u32(&l->rsleep, 1, SYNC_SEQ_CST);
        if (sync__rw_reader_blocked(l))
            sync_futex_wait(&l->rseq, seq, NULL, l->flags); /* any return: look again */
        /* Relaxed: a late decrement only costs an unlock a needless wake. */
        sync_fetch_sub_u32(&l->rsleep, 1, SYNC_RELAXED);
    }
}

void sync__rwlock_wrlock_slow(sync_rwlock_t *l)
{
    /* Announce: from now on no new reader enters. Seq_cst: the Dekker pair
     * with a leaving reader's decrement then load of |wwait|. */
    sync_fetch_add_u32(&l->wwait, 1, SYNC_SEQ_CST);
    for (unsigned spin = 0;; spin++) {
        if (sync_rwlock_trywrlock(l))
            break;
        if (spin < SYNC__RW_SPIN) {
            sync_cpu_relax();
            continue;
        }
        uint32_t seq = sync_load_u32(&l->wseq, SYNC_SEQ_CST);
        /* Seq_cst: a Dekker pair with the bump of |wseq| then load of
         * |wsleep| in sync__rwlock_wake_writer(). */
        sync_fetch_add_u32(&l->wsleep, 1, SYNC_SEQ_CST);
        if (sync_load_u32(&l->state, SYNC_SEQ_CST) != 0)
            sync_futex_wait(&l->wseq, seq, NULL, l->flags); /* any return: look again */
        sync_fetch_sub_u32(&l->wsleep, 1, SYNC_RELAXED);
    }
    /* Holding it (readers are kept out by the writer bit now). Seq_cst: a
     * reader that then sees 0 and sleeps on the bit is woken by our unlock. */
    sync_fetch_sub_u32(&l->wwait, 1, SYNC_SEQ_CST);
}

void sync__rwlock_wake_writer(sync_rwlock_t *l)
{
    /* Seq_cst: see the writer's registration in sync__rwlock_wrlock_slow(). */
    sync_fetch_add_u32(&l->wseq, 1, SYNC_SEQ_CST);
    if (sync_load_u32(&l->wsleep, SYNC_SEQ_CST) != 0)
        sync_futex_wake(&l->wseq, 1, l->flags);
}

/* After a writer's unlock: writers first (the preference), readers only when
 * none waits. A writer that announces after our look finds the word free. */
void sync__rwlock_wake_after_writer(sync_rwlock_t *l)
{
    if (sync_load_u32(&l->wwait, SYNC_SEQ_CST) != 0) {
        sync__rwlock_wake_writer(l);
        return;
    }
    /* Seq_cst: see the reader's registration in sync__rwlock_rdlock_slow(). */
    sync_fetch_add_u32(&l->rseq, 1, SYNC_SEQ_CST);
    if (sync_load_u32(&l->rsleep, SYNC_SEQ_CST) != 0)
        sync_futex_wake(&l->rseq, INT_MAX, l->flags);
}

/* ---- Phase-fair -------------------------------------------------------- */

/* Writer phases a waiting writer lets pass before it turns urgent (FIFO):
 * bounds its wait, and keeps rare the hand-over to a writer that sleeps
 * (a wake-up and a context switch for every phase it serves). */
#ifndef SYNC__PF_BYPASS
#define SYNC__PF_BYPASS 16u
#endif

int sync_pfrwlock_init(sync_pfrwlock_t *l, unsigned flags)
{
    if (flags & ~SYNC_PSHARED)
        return EINVAL;
    sync_atomic_u32 *w[] = { &l->rin, &l->rout, &l->wlock, &l->wphase, &l->qin,
                             &l->qout, &l->rsleep, &l->wsleep, &l->dsleep, &l->wwoken };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        sync_store_u32(w[i], 0, SYNC_RELAXED);
    l->flags = flags;
    SYNC_ANN_LOCK_INIT(l, sizeof *l);   /* every word an atomic, |flags| constant */
    return 0;
}

/* Sleeps on |word| if it still holds |seen| (the value the caller's blocked
 * look was based on), counted in |count| so that wakers skip the system call
 * while nobody sleeps. Seq_cst: the registration then look is a Dekker pair
 * with the waker's change of |word| then load of |count|. */
static void sync__pf_sleep(sync_pfrwlock_t *l, sync_atomic_u32 *word, uint32_t seen,
                           sync_atomic_u32 *count)
{
    sync_fetch_add_u32(count, 1, SYNC_SEQ_CST);
    if (sync_load_u32(word, SYNC_SEQ_CST) == seen)
        sync_futex_wait(word, seen, NULL, l->flags); /* any return: the caller looks again */
    /* Relaxed: a late decrement only costs a waker a needless wake. */
    sync_fetch_sub_u32(count, 1, SYNC_RELAXED);
}

void sync__pfrwlock_rdwait(sync_pfrwlock_t *l, uint32_t phase)
{
    /* The writer bits change when that writer unlocks (cleared), and the
     * next writer sets the other phase bit: either way no longer |phase|.
     * Acquire: pairs with the release that cleared them (wrunlock). */
    for (unsigned spin = 0;; spin++) {
        uint32_t v = sync_load_u32(&l->rin, SYNC_ACQUIRE);
        if ((v & SYNC__PF_WBITS) != phase)
            return;
        if (spin < SYNC__RW_SPIN)
            sync_cpu_relax();
        else
            sync__pf_sleep(l, &l->rin, v, &l->rsleep);
    }
}

void sync__pfrwlock_wake_drainer(sync_pfrwlock_t *l)
{
    sync_futex_wake(&l->rout, 1, l->flags);
}

bool sync_pfrwlock_tryrdlock(sync_pfrwlock_t *l)
{
    uint32_t r = sync_load_u32(&l->rin, SYNC_RELAXED);
    /* Acquire (in seq_cst): as sync_pfrwlock_rdlock(). */
    while (!(r & SYNC__PF_WBITS)) {
        if (sync_cas_u32(&l->rin, &r, r + SYNC__PF_RINC, SYNC_SEQ_CST, SYNC_RELAXED)) {
            SYNC_ANN_LOCK_ACQUIRED(l, 0);
            return true;
        }
    }
    return false;
}

/* Call with |wlock| held: the writer bits this writer puts in |rin|. */
static uint32_t sync__pf_bits(sync_pfrwlock_t *l)
{
    /* Relaxed: only the holder changes |wphase|; |wlock|'s acquire ordered it. */
    return SYNC__PF_PRES | (sync_load_u32(&l->wphase, SYNC_RELAXED) & SYNC__PF_PHID);
}

/* May a writer take |wlock|, last seen as |w|? Only if free, and while an
 * urgent ticket waits only the one served (|ticket|, when |urgent|). |w| is
 * read before the tickets: whatever unblocks a writer changes |wlock| after
 * that read (a release, or the take that precedes a |qout| increment), so a
 * sleep on |w| fails or is woken. */
static bool sync__pf_may_take(sync_pfrwlock_t *l, uint32_t w, bool urgent, uint32_t ticket)
{
    if (w & 1u)
        return false;
    uint32_t out = sync_load_u32(&l->qout, SYNC_SEQ_CST);
    return urgent ? out == ticket : sync_load_u32(&l->qin, SYNC_SEQ_CST) == out;
}

/* Takes |wlock|: barging while its bypass allowance lasts, then by ticket. */
static void sync__pf_wlock(sync_pfrwlock_t *l)
{
    uint32_t start = sync_load_u32(&l->wphase, SYNC_RELAXED), ticket = 0;
    bool urgent = false;
    for (unsigned spin = 0;; spin++) {
        /* Acquire (in seq_cst): pairs with the previous holder's release
         * increment in sync__pf_wrelease(). */
        uint32_t w = sync_load_u32(&l->wlock, SYNC_SEQ_CST);
        if (sync__pf_may_take(l, w, urgent, ticket)) {
            if (sync_cas_u32(&l->wlock, &w, w + 1, SYNC_SEQ_CST, SYNC_RELAXED))
                break;
            continue; /* lost it: look again before any sleep */
        }
        if (!urgent && sync_load_u32(&l->wphase, SYNC_RELAXED) - start >= SYNC__PF_BYPASS) {
            /* Seq_cst: a releaser that then sees our sleep sees the ticket. */
            ticket = sync_fetch_add_u32(&l->qin, 1, SYNC_SEQ_CST);
            urgent = true;
        } else if (spin < SYNC__RW_SPIN) {
            sync_cpu_relax();
        } else {
            sync__pf_sleep(l, &l->wlock, w, &l->wsleep);
            /* Seq_cst: a release that saw the flag set (and skipped its
             * wake) comes before this store, so our next look sees it. */
            sync_store_u32(&l->wwoken, 0, SYNC_SEQ_CST);
        }
    }
    /* Served: the next urgent ticket's turn (it takes |wlock| after us). */
    if (urgent)
        sync_fetch_add_u32(&l->qout, 1, SYNC_SEQ_CST);
}

/* Call with |wlock| held: releases it. Every take and release adds one
 * (odd: held), so the word never returns to a value a sleeper saw. */
static void sync__pf_wrelease(sync_pfrwlock_t *l)
{
    /* Release (in seq_cst): pairs with the next taker's acquire. Seq_cst,
     * with the loads below: see sync__pf_sleep(). */
    uint32_t v = sync_fetch_add_u32(&l->wlock, 1, SYNC_SEQ_CST) + 1;
    for (;;) {
        if (sync_load_u32(&l->wsleep, SYNC_SEQ_CST) == 0)
            return;
        /* Urgent writers wait: wake them all (the served one among them). */
        if (sync_load_u32(&l->qin, SYNC_SEQ_CST) != sync_load_u32(&l->qout, SYNC_SEQ_CST)) {
            sync_futex_wake(&l->wlock, INT_MAX, l->flags);
            return;
        }
        /* Else one writer, unless one woken before has not run yet: it
         * clears the flag and then looks at |wlock| after our release. */
        if (sync_exchange_u32(&l->wwoken, 1, SYNC_SEQ_CST) != 0 ||
            sync_futex_wake(&l->wlock, 1, l->flags) > 0)
            return;
        /* Nobody was asleep yet (those counted see the new word and do not
         * sleep). Releases that skipped their wake meanwhile are ours to
         * cover, unless a holder now will. */
        sync_store_u32(&l->wwoken, 0, SYNC_SEQ_CST);
        uint32_t now = sync_load_u32(&l->wlock, SYNC_SEQ_CST);
        if ((now & 1u) || now == v)
            return;
        v = now;
    }
}

void sync_pfrwlock_wrlock(sync_pfrwlock_t *l)
{
    sync__pf_wlock(l);
    /* Present: block new readers, and count those inside. Seq_cst: a
     * reader's arrival either comes before (counted, we wait for it) or
     * after (it sees our bits and waits). */
    uint32_t rt = sync_fetch_add_u32(&l->rin, sync__pf_bits(l), SYNC_SEQ_CST) & ~SYNC__PF_WBITS;
    for (unsigned spin = 0;; spin++) {
        /* Acquire: pairs with the release increments of |rout| by the
         * readers inside, so their sections happen before ours. */
        uint32_t v = sync_load_u32(&l->rout, SYNC_ACQUIRE);
        if (v == rt) {
            SYNC_ANN_LOCK_ACQUIRED(l, 1);
            return;
        }
        if (spin < SYNC__RW_SPIN)
            sync_cpu_relax();
        else
            sync__pf_sleep(l, &l->rout, v, &l->dsleep);
    }
}

void sync_pfrwlock_wrunlock(sync_pfrwlock_t *l)
{
    SYNC_ANN_LOCK_RELEASED(l, 1);
    /* Release (in seq_cst): pairs with the acquire of the readers waiting
     * for the phase to end. Seq_cst, with the load of |rsleep|: see
     * sync__pf_sleep(). */
    uint32_t ph = sync_load_u32(&l->wphase, SYNC_RELAXED);
    sync_fetch_sub_u32(&l->rin, sync__pf_bits(l), SYNC_SEQ_CST);
    if (sync_load_u32(&l->rsleep, SYNC_SEQ_CST) != 0)
        sync_futex_wake(&l->rin, INT_MAX, l->flags);
    /* Relaxed: the next holder reads it after |wlock|'s release. */
    sync_store_u32(&l->wphase, ph + 1, SYNC_RELAXED);
    sync__pf_wrelease(l);
}

bool sync_pfrwlock_trywrlock(sync_pfrwlock_t *l)
{
    uint32_t w = sync_load_u32(&l->wlock, SYNC_RELAXED);
    /* Acquire (in seq_cst): pairs with the last writer's release. */
    if (!sync__pf_may_take(l, w, false, 0) ||
        !sync_cas_u32(&l->wlock, &w, w + 1, SYNC_SEQ_CST, SYNC_RELAXED))
        return false;
    /* We hold the writer word. Enter only if no reader is inside: |rin|
     * unchanged since |rout| said they had all left. Acquire: pairs with the
     * release increments of |rout|. */
    uint32_t out = sync_load_u32(&l->rout, SYNC_ACQUIRE);
    uint32_t r = out;
    if (sync_cas_u32(&l->rin, &r, out + sync__pf_bits(l), SYNC_SEQ_CST, SYNC_RELAXED)) {
        SYNC_ANN_LOCK_ACQUIRED(l, 1);
        return true;
    }
    sync__pf_wrelease(l); /* readers inside: give the writer word back */
    return false;
}
