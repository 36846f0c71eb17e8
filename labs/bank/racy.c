/* racy: transfers with no lock at all.
 *
 * Two workers that touch one account at once both load its balance and both
 * store their own result: one debit or credit is overwritten. A lost debit
 * creates money, a lost credit destroys it, so the total drifts either way.
 * Racy by design; TSan reports the data race. */
#define VARIANT_NAME racy
#define VARIANT_DESC "no lock: load, check, store - debits and credits overwrite each other"
#define VARIANT_RACY true
#define VARIANT_COROS

#include "bank.h"

struct account {
    int64_t balance;
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
    (void)b, (void)w;
    return bank_move(&v->acct[from].balance, &v->acct[to].balance, amount);
}

#include "variant.h"
