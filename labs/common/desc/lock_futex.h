/* lock_futex: the sync library's futex mutex (sync/mutex.h). */
#ifndef RACELAB_LOCK_FUTEX_H
#define RACELAB_LOCK_FUTEX_H

#include "sync/mutex.h"

#include "lockd.h"

typedef sync_mutex_t lockd_futex_t;
#define LOCKD_futex_PROCS 1   /* SYNC_PSHARED: shared futexes, keyed by page */

static inline int lockd_futex_init(lockd_futex_t *l, unsigned flags)
{
    return sync_mutex_init(l, flags);
}
LOCKD_NO_FINI(futex)
LOCKD_CALLS(futex, sync_mutex_lock(l), sync_mutex_unlock(l), sync_mutex_trylock(l))

#define LOCKD_futex_KNOWN   /* none: sync/annotate.h tells Helgrind and DRD */
static const struct lab_known_report lockd_futex_known_reports[] = {
    LOCKD_futex_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_futex_info = {
    .id = "futex",
    .label = "futex",
    .desc = "sync/mutex.h futex mutex (spin, then sleep)",
    .group = "sync",
    .procs = true,
    .known_reports = lockd_futex_known_reports,
};

#endif
