/* toctou: the balance checked before the lock is taken (time of check,
 * time of use).
 *
 * The move itself is locked, so the total stays exact, but the check "can
 * the source cover it?" reads the balance outside the lock: between the
 * check and the debit another worker may take the money, and the debit
 * drives the account below zero. The check is an atomic load, so there is
 * no data race for TSan to see - a logic race, caught only by the invariant.
 * The fix is global.c: check inside the lock (diff -u toctou.c global.c). */
#define VARIANT_NAME toctou
#define VARIANT_DESC "check the balance, then lock and move: another debit slips in between"
#define VARIANT_RACY true
#define VARIANT_LOCK pmutex
#define VARIANT_ONE_LOCK
#define VARIANT_COROS

#include "desc/lock_pmutex.h"

#include "bank.h"

struct account {
    sync_atomic_u64 balance;   /* an int64_t; written under |lock|, read anywhere */
};

struct vstate {
    lockd_pmutex_t lock;
    struct account acct[BANK_ACCOUNTS];
};

static inline int64_t balance_of(const struct vstate *v, unsigned i)
{
    return (int64_t)sync_load_u64(&v->acct[i].balance, SYNC_RELAXED);
}

static inline void set_balance(struct vstate *v, unsigned i, int64_t x)
{
    /* Relaxed: the lock orders the writes; the check needs no order. */
    sync_store_u64(&v->acct[i].balance, (uint64_t)x, SYNC_RELAXED);
}

static inline int transfer(struct bank *b, struct vstate *v, unsigned w, unsigned from,
                           unsigned to, int64_t amount)
{
    if (balance_of(v, from) < amount)   /* the check, outside the lock */
        return BANK_REFUSED;
    LAB_YIELD();                        /* the window */
    lockd_node n;
    lockd_pmutex_acquire(&v->lock, &n);
    int64_t left = balance_of(v, from) - amount;
    set_balance(v, from, left);
    set_balance(v, to, balance_of(v, to) + amount);
    lockd_pmutex_release(&v->lock, &n);
    b->w[w].overdrafts += left < 0;
    return BANK_DONE;
}

#include "variant.h"
