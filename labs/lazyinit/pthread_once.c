/* pthread-once: pthread_once() runs the creation exactly once.
 *
 * The same contract as sync_once(), from the C library; its function takes
 * no argument, so the slot travels in a thread-local variable. Not across
 * processes (POSIX leaves a process-shared pthread_once_t undefined). */
#define VARIANT_NAME pthread_once
#define VARIANT_LABEL "pthread-once"
#define VARIANT_DESC "pthread_once() per slot"
#define VARIANT_SLOT_INIT slot_init
#define VARIANT_NO_PROCS "pthread_once_t is not process-shared (POSIX leaves it undefined)"
#define VARIANT_KNOWN                                                                       \
    { "helgrind", "", "", "Helgrind does not intercept glibc's pthread_once " \
      "(its fast path is an acquire load of the once word): no edge from the creator to a " \
      "later caller (measured: racelab run 'lazyinit/threads/pthread-once', DRD clean)" },

#include <pthread.h>

#include "lazyinit.h"

struct slot {
    struct lazy_obj *p;
    pthread_once_t once;
};

static _Thread_local struct {
    struct lazy *s;
    struct slot *sl;
    uint64_t i;
} current;

static int slot_init(struct slot *sl, const struct lab_env *env)
{
    (void)env;
    sl->once = (pthread_once_t)PTHREAD_ONCE_INIT;
    return 0;
}

static void create_once(void)
{
    current.sl->p = lazy_create(current.s, current.i);
}

static inline const struct lazy_obj *get(struct lazy *s, struct slot *sl, uint64_t i)
{
    current.s = s;
    current.sl = sl;
    current.i = i;
    pthread_once(&sl->once, create_once);
    return sl->p;   /* ordered by pthread_once() */
}

#include "variant.h"
