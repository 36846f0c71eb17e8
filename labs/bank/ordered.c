/* ordered: lock the two accounts in one global order, lowest index first.
 *
 * A deadlock needs a cycle of waits; a cycle needs someone to hold a higher
 * lock while waiting for a lower one. Taking locks in index order makes
 * every wait point upward, so no cycle can close: A -> B and B -> A both
 * lock A first. The rest is naive.c (diff -u naive.c ordered.c). */
#define VARIANT_NAME ordered
#define VARIANT_DESC "lock the lower-numbered account first: no cycle can form"
#define VARIANT_LOCK futex
#define VARIANT_ACCOUNT_LOCKS
#define VARIANT_COROS

#include "desc/lock_futex.h"

#include "bank.h"

struct account {
    lockd_futex_t lock;
    int64_t balance;   /* under |lock| */
};

struct vstate {
    struct account acct[BANK_ACCOUNTS];
};

static inline int64_t balance_of(const struct vstate *v, unsigned i)
{
    return v->acct[i].balance;
}

static inline void set_balance(struct vstate *v, unsigned i, int64_t x)
{
    v->acct[i].balance = x;
}

static inline int transfer(struct bank *b, struct vstate *v, unsigned w, unsigned from,
                           unsigned to, int64_t amount)
{
    unsigned lo = from < to ? from : to, hi = from < to ? to : from;
    lockd_node nl, nh;
    if (!BANK_TAKE(b, v, w, lo, &nl))
        return BANK_GAVE_UP;
    LAB_YIELD();
    if (!BANK_TAKE(b, v, w, hi, &nh)) {
        BANK_DROP(b, v, w, lo, &nl);
        return BANK_GAVE_UP;
    }
    int done = bank_move(&v->acct[from].balance, &v->acct[to].balance, amount);
    BANK_DROP(b, v, w, hi, &nh);
    BANK_DROP(b, v, w, lo, &nl);
    return done;
}

#include "variant.h"
