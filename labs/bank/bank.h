/* labs/bank/bank.h - the bank lab: money lost, money created, overdrafts and
 * deadlock.
 *
 * CONCEPT
 *   Workers move random amounts between random pairs of BANK_ACCOUNTS
 *   accounts. Two invariants: the total never changes (money only moves),
 *   and no balance goes below zero (a transfer the source cannot cover is
 *   refused). Each variant breaks or keeps them in its own way.
 *
 * THE RACES
 *   racy (no lock; account A holds 100, both move money out of A):
 *     step  worker 1              worker 2              A
 *     1     a = LOAD A -> 100                           100
 *     2                           a = LOAD A -> 100     100
 *     3     STORE A = a - 30                            70
 *     4                           STORE A = a - 50      50   (30 left A twice:
 *                                                            money created)
 *   toctou (the check outside the lock; A holds 60):
 *     1     check A >= 50: yes
 *     2                           check A >= 40: yes
 *     3     lock; A -= 50 -> 10; unlock
 *     4                           lock; A -= 40 -> -30; unlock   (overdraft)
 *   naive (lock the source, then the destination):
 *     1     lock A                lock B
 *     2     wait for B ...        wait for A ...        (a wait-for cycle:
 *                                                        neither ever moves)
 *
 * EXPECTED
 *   total after = total before (BANK_ACCOUNTS x BANK_INITIAL = 800), no
 *   overdraft, no account below zero, every transfer done or refused.
 *
 * TYPICAL
 *   racy: the total is off in nearly every trial, up or down (lost debits
 *   create money, lost credits destroy it). toctou: the total is exact (the
 *   moves are locked) but accounts go below zero. naive: a deadlock in
 *   every trial at 2 workers, found by the runtime's watchdog within about
 *   a quarter second and printed as the cycle (labs/common/watch.c).
 *   ordered (lock the lower account first) and global (one lock) are exact;
 *   trylock-fixed (release and retry after a fixed pause) shows long retry
 *   streaks - workers that keep colliding in step - and trylock (a random,
 *   growing pause) breaks the step. notes/bank.md has the numbers.
 *
 * DETECTORS
 *   TSan reports racy (a data race) and naive (lock-order-inversion: its
 *   locks are annotated as mutexes, labs/common/waitfor.h), the latter even
 *   in a run that happened not to deadlock - once both orders were taken:
 *   a trial that deadlocks at its very first conflict shows only one.
 *   toctou has no data race at all (the check is an atomic load): TSan is
 *   silent, only the invariant - an account below zero - shows the bug.
 *
 * TRY
 *   lab-bank                                   (racy, toctou, naive, ordered)
 *   lab-bank --variant naive --workers 4       (longer cycles)
 *   lab-bank --variant trylock-fixed,trylock --workers 2 --trials 5
 *   lab-bank --model coros --variant racy,naive   (deterministic)
 *   diff -u labs/bank/naive.c labs/bank/ordered.c
 *
 * Each variant file defines struct account, struct vstate (its accounts in
 * acct[], and its locks), balance_of(), set_balance() and transfer(), and
 * includes variant.h last (see there). */
#ifndef RACELAB_BANK_H
#define RACELAB_BANK_H

#include <stdint.h>

#include "lab.h"
#include "waitfor.h"

extern const struct lab bank_lab;

#ifdef LAB_EXPLORE
/* The explore flavour (notes/explorer.md "Lab targets"): two accounts of
 * 50, so that two workers' first transfers meet on one account (with eight,
 * the workers' fixed random pairs never share a source in a few transfers)
 * and a debit can overdraw it: toctou's window is then a few schedules away. */
#define BANK_ACCOUNTS   2u
#define BANK_INITIAL    50
#else
#define BANK_ACCOUNTS   8u
#define BANK_INITIAL    100
#endif
#define BANK_MAX_AMOUNT 100u
#define BANK_PAUSE_SPINS 128u   /* trylock variants: the pause after a failed try */

/* What a transfer did. */
enum { BANK_DONE, BANK_REFUSED, BANK_GAVE_UP };

/* One worker's tallies, written by it alone, read after the trial. */
struct bank_worker {
    struct lab_wf_worker rec;   /* its waits, for the watchdog (tracked locks) */
    uint64_t transfers, refused, gave_up;
    uint64_t overdrafts;        /* its debits that left a balance below zero */
    uint64_t retries;           /* failed tries (trylock variants) */
    uint64_t max_streak;        /* the most failed tries one transfer needed */
    uint64_t rng;
};

/* The lab's part of the shared state; the variant's follows at vstate_off. */
struct bank {
    unsigned workers;
    size_t vstate_off;
    lab_wf_owner owner[BANK_ACCOUNTS];   /* tracked locks: each account's holder */
    struct bank_worker w[];
};

/* The lab's fields, in the order of bank_lab.fields. */
enum {
    BANK_F_TOTAL_BEFORE, BANK_F_TOTAL_AFTER, BANK_F_OVERDRAFTS, BANK_F_NEGATIVE,
    BANK_F_TRANSFERS, BANK_F_REFUSED, BANK_F_RETRIES, BANK_F_MAX_STREAK, BANK_F_GAVE_UP,
    BANK_NFIELDS
};

/* xorshift64*: each worker its own, seeded by its number. */
static inline uint64_t bank_rand(struct bank_worker *me)
{
    uint64_t x = me->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    me->rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* The move itself, for variants that hold what they need: refuse what the
 * source cannot cover, else debit, then credit. Plain accesses, with a
 * yield point where another worker could step in (coroutine models). */
static inline int bank_move(int64_t *from, int64_t *to, int64_t amount)
{
    int64_t f = LAB_LOAD(from);
    if (f < amount)
        return BANK_REFUSED;
    LAB_YIELD();
    LAB_STORE(from, f - amount);
    int64_t t = LAB_LOAD(to);
    LAB_YIELD();
    LAB_STORE(to, t + amount);
    return BANK_DONE;
}

/* Trylock variants: one failed try more for this transfer. */
static inline void bank_retry(struct bank_worker *me, uint64_t *streak)
{
    me->retries++;
    if (++*streak > me->max_streak)
        me->max_streak = *streak;
}

/* Tracked account locks (VARIANT_ACCOUNT_LOCKS: acct[i].lock of descriptor
 * VARIANT_LOCK, through labs/common/waitfor.h): take (false: the trial was
 * ended first), try once, release. */
#define BANK_TAKE(b, v, w, i, n)                                                       \
    LAB_WF_ACQUIRE(VARIANT_LOCK, &(v)->acct[i].lock, (n), &(b)->w[w].rec, (b)->owner, \
                   (w), (i))
#define BANK_TRY(b, v, w, i, n)                                                        \
    LAB_WF_TRY(VARIANT_LOCK, &(v)->acct[i].lock, (n), &(b)->w[w].rec, (b)->owner, (w), (i))
#define BANK_DROP(b, v, w, i, n)                                                       \
    LAB_WF_RELEASE(VARIANT_LOCK, &(v)->acct[i].lock, (n), &(b)->w[w].rec, (b)->owner, (i))

#endif
