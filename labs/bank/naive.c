/* naive: lock the source account, then the destination.
 *
 * Each transfer holds two locks, and takes them in the order the transfer
 * names them. Worker 1 moves A -> B (locks A, wants B) while worker 2 moves
 * B -> A (locks B, wants A): each waits for the other for ever, an AB-BA
 * deadlock. The runtime's watchdog finds the wait-for cycle and ends the
 * trial (its locks give their waits up); TSan reports the lock order
 * inversion even when a run does not deadlock. The fix is ordered.c. */
#define VARIANT_NAME naive
#define VARIANT_DESC "lock the source, then the destination: AB-BA deadlock"
#define VARIANT_RACY true
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
    lockd_node nf, nt;
    if (!BANK_TAKE(b, v, w, from, &nf))
        return BANK_GAVE_UP;
    LAB_YIELD();
    if (!BANK_TAKE(b, v, w, to, &nt)) {
        BANK_DROP(b, v, w, from, &nf);
        return BANK_GAVE_UP;
    }
    int done = bank_move(&v->acct[from].balance, &v->acct[to].balance, amount);
    BANK_DROP(b, v, w, to, &nt);
    BANK_DROP(b, v, w, from, &nf);
    return done;
}

#include "variant.h"
