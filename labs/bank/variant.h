/* labs/bank/variant.h - turns a bank variant's hooks into a lab_variant.
 *
 * Include it last in a variant file, after VARIANT_NAME, VARIANT_DESC and:
 *   struct account, struct vstate     the variant's accounts (acct[], one per
 *                                     account) and locks
 *   balance_of(v, i), set_balance(v, i, x)   read / set account i's balance
 *                                     (set: before the workers start)
 *   transfer(b, v, w, from, to, amount)      one transfer by worker w:
 *                                     BANK_DONE, BANK_REFUSED or BANK_GAVE_UP
 *                                     (the trial was ended: stop)
 * and one of
 *   VARIANT_ACCOUNT_LOCKS   every account's acct[i].lock is a VARIANT_LOCK,
 *                           taken through BANK_TAKE/TRY/DROP (bank.h): the
 *                           watchdog sees who waits for whom
 *   VARIANT_ONE_LOCK        v->lock, one VARIANT_LOCK for the whole bank
 * or neither (racy). Optional: VARIANT_COROS (it also runs as coroutines),
 * VARIANT_RACY, VARIANT_LABEL, VARIANT_KNOWN (labs/common/variant_gen.h).
 * The worker loop is generated here: random pairs and amounts, transfer(),
 * the tallies; so is the accounting (fields, observe = the total after). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bank.h"
#include "shared.h"

#define LAB_VARIANT_PREFIX bank_variant_
#define LAB_VARIANT_VIEWS(X) /* explore's names (variant_gen.h) */ \
    X(bank, struct bank, 0) X(vstate, struct vstate, ((const struct bank *)st)->vstate_off)
#include "variant_gen.h"

#define BANK__NOT_COROS                                                                  \
    "the coros model offers racy, toctou, naive and ordered: the variants whose windows " \
    "have yield points (a blocking lock held across a yield would block the only thread)"
#define BANK__NOT_CO_OTHER \
    "the bank lab's coroutine lesson is on coros (one carrier: every interleaving is " \
    "the yield points', so each run is the same)"
#ifdef VARIANT_COROS
#define BANK__COROS_BIT LAB_MODEL_BIT(LAB_COROS)
#define BANK__COROS_WHY NULL
#else
#define BANK__COROS_BIT 0u
#define BANK__COROS_WHY BANK__NOT_COROS
#endif
#define BANK__MODELS (LAB_MODEL_BIT(LAB_THREADS) | LAB_VARIANT_PROCS_BIT | BANK__COROS_BIT)

static inline struct vstate *bank__v(void *st)
{
    return (struct vstate *)((char *)st + ((struct bank *)st)->vstate_off);
}

static inline const struct vstate *bank__cv(const void *st)
{
    return (const struct vstate *)((const char *)st + ((const struct bank *)st)->vstate_off);
}

static size_t bank__offset(unsigned workers)
{
    size_t n = sizeof(struct bank) + workers * sizeof(struct bank_worker);
    return (n + LAB_SHARED_ALIGN - 1) / LAB_SHARED_ALIGN * LAB_SHARED_ALIGN;
}

static size_t bank__size(const struct lab_env *env)
{
    return bank__offset(env->workers) + sizeof(struct vstate);
}

static int bank__setup(void *st, const struct lab_env *env)
{
    struct bank *b = st;
    b->workers = env->workers;
    b->vstate_off = bank__offset(env->workers);
    struct vstate *v = bank__v(st);
    for (unsigned i = 0; i < env->workers; i++)
        b->w[i].rng = 0x9E3779B97F4A7C15ull * (i + 1);
    lab_wf_untrack(&b->w[0].rec, sizeof b->w[0], env->workers, b->owner, BANK_ACCOUNTS);
    int rc = 0;
    for (unsigned i = 0; i < BANK_ACCOUNTS; i++) {
        set_balance(v, i, BANK_INITIAL);
#ifdef VARIANT_ACCOUNT_LOCKS
        if (rc == 0)
            rc = LOCKD_FN(VARIANT_LOCK, init)(&v->acct[i].lock, env->sync_flags);
#endif
    }
#ifdef VARIANT_ONE_LOCK
    rc = LOCKD_FN(VARIANT_LOCK, init)(&v->lock, env->sync_flags);
#endif
    return rc;
}

static void bank__teardown(void *st)
{
    struct vstate *v = bank__v(st);
    (void)v;
#ifdef VARIANT_ACCOUNT_LOCKS
    for (unsigned i = 0; i < BANK_ACCOUNTS; i++) {
        LAB_WF_FORGET(&v->acct[i].lock);
        LOCKD_FN(VARIANT_LOCK, fini)(&v->acct[i].lock);
    }
#endif
#ifdef VARIANT_ONE_LOCK
    LOCKD_FN(VARIANT_LOCK, fini)(&v->lock);
#endif
}

static void bank__work(void *st, unsigned w, uint64_t iters)
{
    struct bank *b = st;
    struct vstate *v = bank__v(st);
    struct bank_worker *me = &b->w[w];
    for (uint64_t i = 0; i < iters; i++) {
        uint64_t r = bank_rand(me);
        unsigned from = (unsigned)(r % BANK_ACCOUNTS);
        unsigned to = (unsigned)((r >> 8) % (BANK_ACCOUNTS - 1));
        to += to >= from;   /* any other account */
        int64_t amount = 1 + (int64_t)((r >> 16) % BANK_MAX_AMOUNT);
        int done = transfer(b, v, w, from, to, amount);
        if (done == BANK_GAVE_UP) {
            me->gave_up++;
            return;
        }
        me->transfers += done == BANK_DONE;
        me->refused += done == BANK_REFUSED;
    }
}

static int64_t bank__total(const void *st)
{
    int64_t total = 0;
    for (unsigned i = 0; i < BANK_ACCOUNTS; i++)
        total += balance_of(bank__cv(st), i);
    return total;
}

static uint64_t bank__observe(const void *st, unsigned workers)
{
    (void)workers;
    int64_t total = bank__total(st);
    return total < 0 ? 0 : (uint64_t)total;
}

static void bank__fields(const void *st, unsigned workers, int64_t *out)
{
    const struct bank *b = st;
    out[BANK_F_TOTAL_BEFORE] = (int64_t)BANK_ACCOUNTS * BANK_INITIAL;
    out[BANK_F_TOTAL_AFTER] = bank__total(st);
    for (unsigned i = 0; i < BANK_ACCOUNTS; i++)
        out[BANK_F_NEGATIVE] += balance_of(bank__cv(st), i) < 0;
    for (unsigned i = 0; i < workers; i++) {
        const struct bank_worker *me = &b->w[i];
        out[BANK_F_OVERDRAFTS] += (int64_t)me->overdrafts;
        out[BANK_F_TRANSFERS] += (int64_t)me->transfers;
        out[BANK_F_REFUSED] += (int64_t)me->refused;
        out[BANK_F_RETRIES] += (int64_t)me->retries;
        out[BANK_F_GAVE_UP] += (int64_t)me->gave_up;
        if ((int64_t)me->max_streak > out[BANK_F_MAX_STREAK])
            out[BANK_F_MAX_STREAK] = (int64_t)me->max_streak;
    }
}

#ifdef VARIANT_ACCOUNT_LOCKS
static bool bank__waiting(const void *st, unsigned w, struct lab_wait *out)
{
    const struct bank *b = st;
    return lab_wf_waiting(&b->w[w].rec, b->owner, BANK_ACCOUNTS, "account", out);
}
#define BANK__WAITING bank__waiting
#else
#define BANK__WAITING NULL
#endif

const struct lab_variant LAB_VARIANT_SYMBOL = {
    LAB_VARIANT_IDENTITY(BANK__MODELS,
                         { [LAB_PROCS] = LAB_VARIANT_PROCS_WHY, [LAB_COROS] = BANK__COROS_WHY,
                           [LAB_COROS_MN] = BANK__NOT_CO_OTHER,
                           [LAB_COROS_PREEMPT] = BANK__NOT_CO_OTHER }),
    .state_bytes = bank__size,
    .setup = bank__setup,
    .teardown = bank__teardown,
    .work = bank__work,
    .observe = bank__observe,
    .fields = bank__fields,
    .waiting = BANK__WAITING,
};
