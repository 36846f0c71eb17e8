/* sync/src/once.c - the slow path of one-time initialisation (see sync/once.h). */
#include "sync/once.h"

#include <errno.h>
#include <limits.h>

enum { SYNC__ONCE_NEW, SYNC__ONCE_RUNNING, SYNC__ONCE_WAITED };

int sync_once_init(sync_once_t *o, unsigned flags)
{
    if (flags & ~SYNC_PSHARED)
        return EINVAL;
    sync_store_u32(&o->state, SYNC__ONCE_NEW, SYNC_RELAXED);
    o->flags = flags;
    SYNC_ANN_IGNORE(&o->state, sizeof o->state);
    return 0;
}

void sync__once_slow(sync_once_t *o, void (*fn)(void *arg), void *arg)
{
    uint32_t s = SYNC__ONCE_NEW;
    /* Also here: SYNC_ONCE_INIT runs no init. Every write of the word comes
     * after some caller said this, so no write of it is ever checked. */
    SYNC_ANN_IGNORE(&o->state, sizeof o->state);
    /* Relaxed: winning says only "you run it"; what it orders is the end. */
    if (sync_cas_u32(&o->state, &s, SYNC__ONCE_RUNNING, SYNC_RELAXED, SYNC_ACQUIRE)) {
        fn(arg);
        SYNC_ANN_HAPPENS_BEFORE(o);
        /* Release: pairs with the acquire loads of DONE (the fast path and
         * the loop below): the function's writes are visible to them. */
        if (sync_exchange_u32(&o->state, SYNC__ONCE_DONE, SYNC_RELEASE) == SYNC__ONCE_WAITED)
            sync_futex_wake(&o->state, INT_MAX, o->flags);
        return;
    }
    /* Acquire (the CAS's failure order and every load here): pairs with the
     * release exchange to DONE. */
    while (s != SYNC__ONCE_DONE) {
        /* Mark it waited before sleeping, so that its end wakes us; the
         * futex sleeps only while the word still says so. */
        if (s == SYNC__ONCE_WAITED ||
            sync_cas_u32(&o->state, &s, SYNC__ONCE_WAITED, SYNC_RELAXED, SYNC_ACQUIRE))
            sync_futex_wait(&o->state, SYNC__ONCE_WAITED, NULL, o->flags); /* any return: look */
        s = sync_load_u32(&o->state, SYNC_ACQUIRE);
    }
    SYNC_ANN_HAPPENS_AFTER(o);
}
