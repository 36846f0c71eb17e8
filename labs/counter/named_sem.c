/* named-sem: a POSIX named semaphore (sem_open), used as a binary lock.
 *
 * Named semaphores let unrelated processes meet by name (glibc keeps them
 * in /dev/shm/sem.NAME). The name is a resource that outlives every process
 * unless someone unlinks it; here the workers are forked after sem_open and
 * inherit the semaphore, so the name is unlinked at once and nothing is
 * left behind, whatever happens later. */
#define VARIANT_NAME named_sem
#define VARIANT_LABEL "named-sem"
#define VARIANT_DESC "POSIX named semaphore (sem_open, unlinked at once) as a binary lock"
#define VARIANT_SETUP setup
#define VARIANT_TEARDOWN teardown
#define VARIANT_HOLD take

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>

#include "counter.h"

struct state {
    sem_t *lock;
    uint64_t value;
};

static int setup(struct state *s, const struct lab_env *env)
{
    s->lock = sem_open(env->ipc_name, O_CREAT | O_EXCL, 0600, 1);
    if (s->lock == SEM_FAILED)
        return errno;
    sem_unlink(env->ipc_name);   /* every worker inherits it: the name can go */
    return 0;
}

static void teardown(struct state *s)
{
    sem_close(s->lock);
}

static void take(struct state *s)
{
    while (sem_wait(s->lock) != 0)
        ;   /* EINTR: a signal handler ran; the permit is still to be taken */
}

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    take(s);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    sem_post(s->lock);
}

#include "variant.h"
