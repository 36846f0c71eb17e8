/* trylock-fixed: try both locks, and when the second is taken release the
 * first, pause a fixed time and try again.
 *
 * It cannot deadlock - nobody waits while holding - but it can livelock:
 * two workers moving A -> B and B -> A each take their first lock, fail
 * the second, release, pause exactly as long, and meet again in the same
 * step. Nobody blocks and nothing moves. On real CPUs the step drifts and
 * the pair escapes, but only after a streak of failed tries (max_streak);
 * the randomized pause of trylock.c breaks the step at once (diff -u
 * trylock_fixed.c trylock.c). */
#define VARIANT_NAME trylock_fixed
#define VARIANT_LABEL "trylock-fixed"
#define VARIANT_DESC "try both locks, on failure release and pause a fixed time: livelock-prone"
#define VARIANT_RACY true
#define VARIANT_LOCK futex
#define VARIANT_ACCOUNT_LOCKS

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

/* The same pause every time: colliding workers stay in step. */
static inline void backoff(struct bank_worker *me, uint64_t streak)
{
    (void)me;
    for (unsigned i = 0; i < BANK_PAUSE_SPINS; i++)
        sync_cpu_relax();
    if (streak % 64 == 0)
        sched_yield();   /* oversubscribed, the holder may need this CPU */
}

static inline int transfer(struct bank *b, struct vstate *v, unsigned w, unsigned from,
                           unsigned to, int64_t amount)
{
    lockd_node nf, nt;
    uint64_t streak = 0;
    for (;;) {
        if (BANK_TRY(b, v, w, from, &nf)) {
            if (BANK_TRY(b, v, w, to, &nt)) {
                int done = bank_move(&v->acct[from].balance, &v->acct[to].balance, amount);
                BANK_DROP(b, v, w, to, &nt);
                BANK_DROP(b, v, w, from, &nf);
                return done;
            }
            BANK_DROP(b, v, w, from, &nf);
        }
        bank_retry(&b->w[w], &streak);
        if (lab_trial_over())
            return BANK_GAVE_UP;
        backoff(&b->w[w], streak);
    }
}

#include "variant.h"
