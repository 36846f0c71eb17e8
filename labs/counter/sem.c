/* sem: a counting semaphore used as a binary lock (initial value 1).
 *
 * wait takes the single permit, post gives it back. The same exclusion as a
 * mutex, but a semaphore has no owner: any worker could post, which is why
 * a mutex is the better tool when you mean "lock". */
#define VARIANT_NAME sem
#define VARIANT_DESC "the sync library's futex semaphore as a binary lock (sync/sem.h)"
#define VARIANT_SETUP setup
#define VARIANT_HOLD hold

#include "sync/sem.h"

#include "counter.h"

struct state {
    sync_sem_t lock;
    uint64_t value;
};

static int setup(struct state *s, const struct lab_env *env)
{
    return sync_sem_init(&s->lock, 1, env->sync_flags);   /* SYNC_PSHARED under procs */
}

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    sync_sem_wait(&s->lock);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    sync_sem_post(&s->lock);
}

static void hold(struct state *s)
{
    sync_sem_wait(&s->lock);
}

#include "variant.h"
