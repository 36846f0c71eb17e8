/* labs/philosophers/variant.h - turns a philosophers variant into a lab_variant.
 *
 * Include it last in a variant file, after VARIANT_NAME, VARIANT_DESC and
 *   static inline bool pick_up(struct table *t, unsigned w, lockd_node *l, lockd_node *r);
 *       philosopher w takes its two forks (through phil_take/try, so the
 *       watchdog sees its waits); false when the trial was ended first, and
 *       then it holds nothing
 *   static inline void put_down(struct table *t, unsigned w, lockd_node *l, lockd_node *r);
 * It generates the meal loop (take, eat - each fork checked to be in no
 * other hand -, put down), the table's setup and the accounting: meals
 * eaten (observed), the slowest philosopher's meals when the first one
 * finished, the longest wait for forks. Every variant runs on threads,
 * procs and coros (its waits poll and yield: labs/common/waitfor.h). */
#include <stddef.h>
#include <stdint.h>

#include "philosophers.h"
#include "shared.h"

#define LAB_VARIANT_PREFIX phil_variant_
#include "variant_gen.h"

#define PHIL__NOT_CO_OTHER \
    "the philosophers' coroutine lesson is on coros (one carrier: the same interleaving " \
    "every run)"
#define PHIL__MODELS \
    (LAB_MODEL_BIT(LAB_THREADS) | LAB_MODEL_BIT(LAB_PROCS) | LAB_MODEL_BIT(LAB_COROS))

static size_t phil__round(size_t n)
{
    return (n + LAB_SHARED_ALIGN - 1) / LAB_SHARED_ALIGN * LAB_SHARED_ALIGN;
}

static unsigned phil__forks(unsigned workers)
{
    return workers < 2 ? 2 : workers;
}

static size_t phil__size(const struct lab_env *env)
{
    unsigned nf = phil__forks(env->workers);
    size_t seats = phil__round(sizeof(struct table) + env->workers * sizeof(struct phil_seat));
    return seats + phil__round(nf * sizeof(struct phil_fork)) + nf * sizeof(lab_wf_owner);
}

static int phil__setup(void *st, const struct lab_env *env)
{
    struct table *t = st;
    t->n = env->workers;
    t->nforks = phil__forks(env->workers);
    t->forks_off = phil__round(sizeof(struct table) + t->n * sizeof(struct phil_seat));
    t->owners_off = t->forks_off + phil__round(t->nforks * sizeof(struct phil_fork));
    sync_store_u64(&t->meals_min, UINT64_MAX, SYNC_RELAXED);
    int rc = sync_sem_init(&t->waiter, t->nforks - 1, env->sync_flags);
    for (unsigned i = 0; i < t->n; i++) {
        t->seat[i].rng = 0x9E3779B97F4A7C15ull * (i + 1);
        SYNC_ANN_IGNORE(&t->seat[i].meals, sizeof t->seat[i].meals);   /* C11 atomics only, */
    }
    /* ... as are the first finisher's sample and the conflict count: not
     * tracked by Helgrind and DRD, which do not model C11 atomics
     * (sync/annotate.h); the forks' locks tell them what they do. */
    SYNC_ANN_IGNORE(&t->first_done, offsetof(struct table, conflicts) + sizeof t->conflicts -
                                        offsetof(struct table, first_done));
    lab_wf_untrack(&t->seat[0].rec, sizeof t->seat[0], t->n, phil_owners(t), t->nforks);
    for (unsigned i = 0; i < t->nforks && rc == 0; i++)
        rc = lockd_futex_init(&phil_forks(t)[i].lock, env->sync_flags);
    return rc;
}

static void phil__teardown(void *st)
{
    struct table *t = st;
    for (unsigned i = 0; i < t->nforks; i++) {
        LAB_WF_FORGET(&phil_forks(t)[i].lock);
        lockd_futex_fini(&phil_forks(t)[i].lock);
    }
}

/* Eats with forks |l| and |r|: each must be in no other hand. */
static inline void phil__eat(struct table *t, unsigned w, unsigned l, unsigned r)
{
    struct phil_fork *f = phil_forks(t);
    /* Seq-cst exchanges: the check must see any other hand on the fork. */
    uint64_t clash = (sync_exchange_u32(&f[l].user, w + 1, SYNC_SEQ_CST) != 0) +
                     (sync_exchange_u32(&f[r].user, w + 1, SYNC_SEQ_CST) != 0);
    LAB_YIELD();
    sync_store_u32(&f[l].user, 0, SYNC_SEQ_CST);
    sync_store_u32(&f[r].user, 0, SYNC_SEQ_CST);
    if (clash)
        sync_fetch_add_u64(&t->conflicts, clash, SYNC_RELAXED);
}

/* The first to finish notes how far the slowest has got. */
static void phil__finished(struct table *t)
{
    uint32_t none = 0;
    if (!sync_cas_u32(&t->first_done, &none, 1, SYNC_RELAXED, SYNC_RELAXED))
        return;
    uint64_t least = UINT64_MAX;
    for (unsigned i = 0; i < t->n; i++) {
        uint64_t m = sync_load_u64(&t->seat[i].meals, SYNC_RELAXED);
        least = m < least ? m : least;
    }
    sync_store_u64(&t->meals_min, least, SYNC_RELAXED);
}

static void phil__work(void *st, unsigned w, uint64_t iters)
{
    struct table *t = st;
    struct phil_seat *me = &t->seat[w];
    lockd_node l, r;
    for (uint64_t i = 0; i < iters; i++) {
        uint64_t t0 = lab_now_ns();
        if (!pick_up(t, w, &l, &r)) {
            me->gave_up = 1;
            return;
        }
        uint64_t waited = lab_now_ns() - t0;
        me->wait_max_ns = waited > me->wait_max_ns ? waited : me->wait_max_ns;
        phil__eat(t, w, phil_left(t, w), phil_right(t, w));
        put_down(t, w, &l, &r);
        /* Relaxed: a tally the first finisher samples; the join orders the rest. */
        sync_store_u64(&me->meals, i + 1, SYNC_RELAXED);
        for (uint64_t k = phil_rand(me) % PHIL_THINK_SPINS; k > 0; k--)
            sync_cpu_relax();   /* thinking */
    }
    phil__finished(t);
}

static uint64_t phil__observe(const void *st, unsigned workers)
{
    const struct table *t = st;
    uint64_t meals = 0;
    for (unsigned i = 0; i < workers; i++)
        meals += sync_load_u64(&t->seat[i].meals, SYNC_RELAXED);
    return meals;
}

static void phil__fields(const void *st, unsigned workers, int64_t *out)
{
    const struct table *t = st;
    uint64_t least = sync_load_u64(&t->meals_min, SYNC_RELAXED);
    out[PHIL_F_MEALS_MIN] = least == UINT64_MAX ? 0 : (int64_t)least;   /* nobody finished */
    out[PHIL_F_CONFLICTS] = (int64_t)sync_load_u64(&t->conflicts, SYNC_RELAXED);
    for (unsigned i = 0; i < workers; i++) {
        const struct phil_seat *me = &t->seat[i];
        if ((int64_t)me->wait_max_ns > out[PHIL_F_WAIT_MAX])
            out[PHIL_F_WAIT_MAX] = (int64_t)me->wait_max_ns;
        out[PHIL_F_RETRIES] += (int64_t)me->retries;
        out[PHIL_F_GAVE_UP] += (int64_t)me->gave_up;
    }
}

static bool phil__waiting(const void *st, unsigned w, struct lab_wait *out)
{
    struct table *t = (struct table *)st;
    return lab_wf_waiting(&t->seat[w].rec, phil_owners(t), t->nforks, "fork", out);
}

const struct lab_variant LAB_VARIANT_SYMBOL = {
    LAB_VARIANT_IDENTITY(PHIL__MODELS, { [LAB_COROS_MN] = PHIL__NOT_CO_OTHER,
                                         [LAB_COROS_PREEMPT] = PHIL__NOT_CO_OTHER }),
    .state_bytes = phil__size,
    .setup = phil__setup,
    .teardown = phil__teardown,
    .work = phil__work,
    .observe = phil__observe,
    .fields = phil__fields,
    .waiting = phil__waiting,
};
