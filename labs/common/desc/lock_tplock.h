/* lock_tplock: sync/tplock.h time-published ticket lock (skips waiters not running). */
#ifndef RACELAB_LOCK_TPLOCK_H
#define RACELAB_LOCK_TPLOCK_H

#include "sync/tplock.h"

#include "lockd.h"

typedef sync_tplock_t lockd_tplock_t;
#define LOCKD_tplock_PROCS 1   /* counters and slots, no pointers: MAP_SHARED memory works as is */

static inline int lockd_tplock_init(lockd_tplock_t *l, unsigned flags)
{
    (void)flags;
    return sync_tplock_init(l);
}
LOCKD_NO_FINI(tplock)
LOCKD_CALLS(tplock, sync_tplock_lock(l), sync_tplock_unlock(l), sync_tplock_trylock(l))

#define LOCKD_tplock_KNOWN   /* none */
static const struct lab_known_report lockd_tplock_known_reports[] = {
    LOCKD_tplock_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_tplock_info = {
    .id = "tplock",
    .label = "tplock",
    .desc = "sync/tplock.h time-published ticket lock (skips waiters not running)",
    .group = "sync",
    .procs = true,
    .known_reports = lockd_tplock_known_reports,
};

#endif
