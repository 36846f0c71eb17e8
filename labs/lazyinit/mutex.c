/* mutex: always take the lock, then check and create.
 *
 * Correct and simple: the lock orders the creation before every later get.
 * The price is a lock acquisition on every get, long after the object
 * exists (compare its ns/op with once). */
#define VARIANT_NAME mutex
#define VARIANT_DESC "lock; if (!p) p = create(); unlock: a lock per get (sync/mutex.h)"
#define VARIANT_SLOT_INIT slot_init

#include "sync/mutex.h"

#include "lazyinit.h"

struct slot {
    struct lazy_obj *p;
    sync_mutex_t m;
};

static int slot_init(struct slot *sl, const struct lab_env *env)
{
    return sync_mutex_init(&sl->m, env->sync_flags);
}

static inline const struct lazy_obj *get(struct lazy *s, struct slot *sl, uint64_t i)
{
    sync_mutex_lock(&sl->m);
    struct lazy_obj *p = LAB_LOAD(&sl->p);
    if (p == NULL) {
        p = lazy_create(s, i);
        LAB_STORE(&sl->p, p);
    }
    sync_mutex_unlock(&sl->m);
    return p;
}

#include "variant.h"
