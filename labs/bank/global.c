/* global: one lock around every transfer.
 *
 * The simplest fix: no two transfers overlap, so the check, the debit and
 * the credit are one step. Exact, and it cannot deadlock (one lock has no
 * order to get wrong), but transfers between unrelated accounts wait for
 * each other too. The lock is glibc's process-shared robust mutex, which
 * TSan and valgrind both model. */
#define VARIANT_NAME global
#define VARIANT_DESC "one process-shared pthread mutex around every transfer"
#define VARIANT_LOCK pmutex
#define VARIANT_ONE_LOCK

#include "desc/lock_pmutex.h"

#include "bank.h"

struct account {
    int64_t balance;   /* under |lock| */
};

struct vstate {
    lockd_pmutex_t lock;
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
    (void)b, (void)w;
    lockd_node n;
    lockd_pmutex_acquire(&v->lock, &n);
    int done = bank_move(&v->acct[from].balance, &v->acct[to].balance, amount);
    lockd_pmutex_release(&v->lock, &n);
    return done;
}

#include "variant.h"
