/* tas: test-and-set spin lock around the increment.
 *
 * Every waiter hammers the lock word with atomic exchanges, so the line
 * bounces between cores even while the lock is held. Unfair: the
 * releasing worker often takes the lock straight back. */
#define VARIANT_NAME tas
#define VARIANT_DESC "test-and-set spin lock (sync/tas.h)"
#define VARIANT_SETUP setup
#define VARIANT_HOLD hold

#include "sync/tas.h"

#include "counter.h"

struct state {
    sync_tas_t lock;
    uint64_t value;
};

static int setup(struct state *s, const struct lab_env *env)
{
    (void)env;
    return sync_tas_init(&s->lock);
}

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    sync_tas_lock(&s->lock);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    sync_tas_unlock(&s->lock);
}

static void hold(struct state *s)
{
    sync_tas_lock(&s->lock);
}

#include "variant.h"
