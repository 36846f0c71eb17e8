/* lock_rfutex: the sync library's futex mutex in robust mode (SYNC_ROBUST):
 * a waiter finds a dead owner and takes over with EOWNERDEAD. */
#ifndef RACELAB_LOCK_RFUTEX_H
#define RACELAB_LOCK_RFUTEX_H

#include "sync/mutex.h"

#include "lock_futex.h"

typedef sync_mutex_t lockd_rfutex_t;
#define LOCKD_rfutex_PROCS 1   /* SYNC_PSHARED: shared futexes, keyed by page */

static inline int lockd_rfutex_init(lockd_rfutex_t *l, unsigned flags)
{
    return sync_mutex_init(l, flags | SYNC_ROBUST);
}
LOCKD_NO_FINI(rfutex)
static inline int lockd_rfutex_acquire_robust(lockd_rfutex_t *l, lockd_node *n)
{
    (void)n;
    int rc = sync_mutex_lock_robust(l);
    if (rc != 0 && rc != EOWNERDEAD)
        abort();   /* ENOTRECOVERABLE: an earlier recovery did not say consistent */
    return rc;
}
static inline void lockd_rfutex_consistent(lockd_rfutex_t *l)
{
    sync_mutex_consistent(l);
}
LOCKD_CALLS(rfutex, sync_mutex_lock(l) /* aborts on a dead owner */, sync_mutex_unlock(l),
            sync_mutex_trylock(l))

#define LOCKD_rfutex_KNOWN LOCKD_futex_KNOWN   /* the same futex code */
static const struct lab_known_report lockd_rfutex_known_reports[] = {
    LOCKD_rfutex_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_rfutex_info = {
    .id = "rfutex",
    .label = "rfutex",
    .desc = "sync/mutex.h futex mutex in robust mode (SYNC_ROBUST)",
    .group = "sync",
    .procs = true,
    .robust = true,
    .known_reports = lockd_rfutex_known_reports,
};

#endif
