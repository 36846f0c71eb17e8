/* trylock: try both locks, and when the second is taken release the
 * first, pause a random, growing time and try again.
 *
 * trylock-fixed with the pause drawn at random from a window that doubles
 * with each failure of the same transfer (randomized exponential backoff,
 * as Ethernet does after a collision): two colliding workers pick different
 * pauses, one of them comes back first and gets both locks. No deadlock (no
 * one waits while holding), and no livelock either (diff -u
 * trylock_fixed.c trylock.c). */
#define VARIANT_NAME trylock
#define VARIANT_DESC "try both locks, on failure release and pause a random, growing time"
#define VARIANT_LOCK futex
#define VARIANT_KNOWN                                                                         \
    LOCKD_futex_KNOWN                                                                         \
    { "helgrind", "order", "mutex_trylock",                                                \
      "Helgrind puts a trylock's acquisition into its lock-order graph although a trylock "  \
      "never waits, so it cannot close a cycle (measured: racelab run "                     \
      "'bank/threads/trylock', DRD and TSan silent)" },
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

/* A random pause from a window that doubles with each failure: colliding
 * workers fall out of step. */
static inline void backoff(struct bank_worker *me, uint64_t streak)
{
    uint64_t window = (uint64_t)BANK_PAUSE_SPINS << (streak < 6 ? streak : 6);
    for (uint64_t i = bank_rand(me) % window; i > 0; i--)
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
