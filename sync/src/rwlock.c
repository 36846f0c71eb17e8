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

int sync_pfrwlock_init(sync_pfrwlock_t *l, unsigned flags)
{
    if (flags & ~SYNC_PSHARED)
        return EINVAL;
    sync_store_u32(&l->rin, 0, SYNC_RELAXED);
    sync_store_u32(&l->rout, 0, SYNC_RELAXED);
    sync_store_u32(&l->win, 0, SYNC_RELAXED);
    sync_store_u32(&l->wout, 0, SYNC_RELAXED);
    sync_store_u32(&l->sleepers, 0, SYNC_RELAXED);
    l->flags = flags;
    return 0;
}

/* Returns once (*word & mask) == want (want_equal) or != want (otherwise):
 * spins, then sleeps on |word| with the value it last saw (any change wakes
 * or fails the sleep, and the loop looks again). Acquire: each look pairs
 * with the release that changed the word. */
static void sync__pf_wait(sync_pfrwlock_t *l, sync_atomic_u32 *word, uint32_t mask,
                          uint32_t want, bool want_equal)
{
    for (unsigned spin = 0;; spin++) {
        uint32_t v = sync_load_u32(word, SYNC_ACQUIRE);
        if (((v & mask) == want) == want_equal)
            return;
        if (spin < SYNC__RW_SPIN) {
            sync_cpu_relax();
            continue;
        }
        /* Seq_cst: a Dekker pair with the waker's change of the word then
         * load of |sleepers| (sync_pfrwlock_rdunlock, wrunlock). */
        sync_fetch_add_u32(&l->sleepers, 1, SYNC_SEQ_CST);
        v = sync_load_u32(word, SYNC_SEQ_CST);
        if (((v & mask) == want) != want_equal)
            sync_futex_wait(word, v, NULL, l->flags);
        sync_fetch_sub_u32(&l->sleepers, 1, SYNC_RELAXED);
    }
}

void sync__pfrwlock_rdwait(sync_pfrwlock_t *l, uint32_t phase)
{
    /* The writer bits change when that writer unlocks (cleared), and the
     * next writer sets the other phase bit: either way no longer |phase|. */
    sync__pf_wait(l, &l->rin, SYNC__PF_WBITS, phase, false);
}

void sync__pfrwlock_wake(sync_pfrwlock_t *l, sync_atomic_u32 *word)
{
    sync_futex_wake(word, INT_MAX, l->flags);
}

bool sync_pfrwlock_tryrdlock(sync_pfrwlock_t *l)
{
    uint32_t r = sync_load_u32(&l->rin, SYNC_RELAXED);
    /* Acquire (in seq_cst): as sync_pfrwlock_rdlock(). */
    while (!(r & SYNC__PF_WBITS))
        if (sync_cas_u32(&l->rin, &r, r + SYNC__PF_RINC, SYNC_SEQ_CST, SYNC_RELAXED))
            return true;
    return false;
}

/* Call with ticket |t| served (|wout| == t): the writer present in |rin|. */
static uint32_t sync__pf_bits(uint32_t t)
{
    return SYNC__PF_PRES | (t & SYNC__PF_PHID);
}

void sync_pfrwlock_wrlock(sync_pfrwlock_t *l)
{
    /* Relaxed: the ticket orders nothing; its service (|wout|) does. */
    uint32_t t = sync_fetch_add_u32(&l->win, 1, SYNC_RELAXED);
    /* Acquire: pairs with the previous writer's release store of |wout|. */
    sync__pf_wait(l, &l->wout, UINT32_MAX, t, true);
    /* First in line: block new readers, and count those inside. Seq_cst: a
     * reader's arrival either comes before (counted, we wait for it) or
     * after (it sees our bits and waits). */
    uint32_t rt = sync_fetch_add_u32(&l->rin, sync__pf_bits(t), SYNC_SEQ_CST) & ~SYNC__PF_WBITS;
    /* Acquire: pairs with the release increments of |rout| by the readers
     * inside, so their sections happen before ours. */
    sync__pf_wait(l, &l->rout, UINT32_MAX, rt, true);
}

/* Ends a writer phase for served ticket |t| whose bits |bits| are in |rin|
 * (0: never set): clears them, serves the next ticket, wakes the sleepers. */
static void sync__pf_end_phase(sync_pfrwlock_t *l, uint32_t t, uint32_t bits)
{
    /* Release (in seq_cst): pairs with the acquire of the readers waiting
     * for the phase to end, and of the next writer waiting for its ticket.
     * Seq_cst, with the load of |sleepers|: see sync__pf_wait(). */
    if (bits != 0)
        sync_fetch_sub_u32(&l->rin, bits, SYNC_SEQ_CST);
    sync_store_u32(&l->wout, t + 1, SYNC_SEQ_CST);
    if (sync_load_u32(&l->sleepers, SYNC_SEQ_CST) != 0) {
        sync__pfrwlock_wake(l, &l->rin);
        sync__pfrwlock_wake(l, &l->wout);
    }
}

void sync_pfrwlock_wrunlock(sync_pfrwlock_t *l)
{
    /* Relaxed: we hold the lock, so |wout| is our ticket and only we change it. */
    uint32_t t = sync_load_u32(&l->wout, SYNC_RELAXED);
    sync__pf_end_phase(l, t, sync__pf_bits(t));
}

bool sync_pfrwlock_trywrlock(sync_pfrwlock_t *l)
{
    uint32_t t = sync_load_u32(&l->wout, SYNC_ACQUIRE); /* pairs with wrunlock's store */
    uint32_t expect = t;
    /* Take the next ticket only if it is served at once (no writer holds or
     * waits). Acquire (in seq_cst): pairs with the last writer's release. */
    if (!sync_cas_u32(&l->win, &expect, t + 1, SYNC_SEQ_CST, SYNC_RELAXED))
        return false;
    /* We are the writer in line. Enter only if no reader is inside: |rin|
     * unchanged since |rout| said they had all left. Acquire: pairs with the
     * release increments of |rout|. */
    uint32_t out = sync_load_u32(&l->rout, SYNC_ACQUIRE);
    uint32_t r = out;
    if (sync_cas_u32(&l->rin, &r, out + sync__pf_bits(t), SYNC_SEQ_CST, SYNC_RELAXED))
        return true;
    /* Readers inside: give the ticket back as an empty writer phase. */
    sync__pf_end_phase(l, t, 0);
    return false;
}
