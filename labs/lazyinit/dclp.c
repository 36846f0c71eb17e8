/* dclp: double-checked locking with a plain pointer.
 *
 * The lock is taken only while the pointer is NULL, so the first check reads
 * the pointer outside the lock: a data race (undefined behaviour in C11),
 * which TSan reports. Nothing orders the field stores in create() before
 * the pointer store for a reader that takes no lock: the compiler may move
 * them after it, and a weakly ordered CPU may make them visible after it,
 * and then a reader finds a non-NULL pointer to a half-made object. On x86,
 * as compiled here, the count stays exact: the bug is in the code, not in
 * this run. Compare: diff -u dclp.c acqrel.c */
#define VARIANT_NAME dclp
#define VARIANT_DESC "double-checked locking with a plain pointer: a data race"
#define VARIANT_RACY true
#define VARIANT_SLOT_INIT slot_init
#define VARIANT_WEAK_MEMORY \
    "stores made visible out of order (the object's fields after the pointer); its data " \
    "race alone is seen under SC"

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
    struct lazy_obj *p = LAB_LOAD(&sl->p);
    if (p == NULL) {
        sync_mutex_lock(&sl->m);
        p = LAB_LOAD(&sl->p);
        if (p == NULL) {
            p = lazy_create(s, i);
            LAB_STORE(&sl->p, p);
        }
        sync_mutex_unlock(&sl->m);
    }
    return p;
}

#include "variant.h"
