/* acqrel: double-checked locking with an atomic pointer, acquire/release.
 *
 * The release store publishes the pointer after the fields; the acquire
 * load that sees it sees the fields too. The lock still keeps two creators
 * apart. Correct, and after the first get one acquire load (a plain MOV on
 * x86). Compare: diff -u dclp.c acqrel.c */
#define VARIANT_NAME acqrel
#define VARIANT_DESC "double-checked locking, acquire load and release store of the pointer"
#define VARIANT_SLOT_INIT slot_init
#define VARIANT_KNOWN                                                                    \
    { "valgrind", "", "", "the pointer is published by a C11 release store and read by " \
      "an acquire load (sync/atomic.h): plain movs on x86 that valgrind cannot tell "   \
      "from racy ones, so the object's reads race its writes too (measured: racelab "   \
      "run 'lazyinit/threads/acqrel', both tools)" },
#define LAZY_FINAL(sl) ((const struct lazy_obj *)sync_load_ptr(&(sl)->p, SYNC_RELAXED))

#include "sync/mutex.h"

#include "lazyinit.h"

struct slot {
    sync_atomic_ptr p;
    sync_mutex_t m;
};

static int slot_init(struct slot *sl, const struct lab_env *env)
{
    return sync_mutex_init(&sl->m, env->sync_flags);
}

static inline const struct lazy_obj *get(struct lazy *s, struct slot *sl, uint64_t i)
{
    /* Acquire: pairs with the release store below (in another worker). */
    struct lazy_obj *p = sync_load_ptr(&sl->p, SYNC_ACQUIRE);
    if (p == NULL) {
        sync_mutex_lock(&sl->m);
        p = sync_load_ptr(&sl->p, SYNC_RELAXED);   /* the lock orders it */
        if (p == NULL) {
            p = lazy_create(s, i);
            /* Release: the fields before the pointer, for the acquire above. */
            sync_store_ptr(&sl->p, p, SYNC_RELEASE);
        }
        sync_mutex_unlock(&sl->m);
    }
    return p;
}

#include "variant.h"
