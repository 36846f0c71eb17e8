/* racy: check, then create - no synchronization at all.
 *
 * Two workers that both load NULL both create the object: the later store
 * wins, the earlier object leaks, and its creator goes on using a copy no
 * one else sees. Racy by design; TSan reports it. Compare: diff -u racy.c
 * mutex.c */
#define VARIANT_NAME racy
#define VARIANT_DESC "if (!p) p = create(): no synchronization"
#define VARIANT_RACY true

#include "lazyinit.h"

struct slot {
    struct lazy_obj *p;
};

static inline const struct lazy_obj *get(struct lazy *s, struct slot *sl, uint64_t i)
{
    struct lazy_obj *p = LAB_LOAD(&sl->p);
    if (p == NULL) {
        p = lazy_create(s, i);
        LAB_STORE(&sl->p, p);
    }
    return p;
}

#include "variant.h"
