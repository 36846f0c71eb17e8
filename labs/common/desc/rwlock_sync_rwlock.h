/* rwlock_sync_rwlock: sync/rwlock.h writer-preferring futex rwlock. */
#ifndef RACELAB_RWLOCK_SYNC_RWLOCK_H
#define RACELAB_RWLOCK_SYNC_RWLOCK_H

#include "sync/rwlock.h"

#include "rwlockd.h"

typedef sync_rwlock_t rwlockd_sync_rwlock_t;

static inline int rwlockd_sync_rwlock_init(rwlockd_sync_rwlock_t *l, unsigned flags)
{
    return sync_rwlock_init(l, flags);   /* EINVAL for unknown flags */
}
RWLOCKD_NO_FINI(sync_rwlock)
RWLOCKD_CALLS(sync_rwlock, sync_rwlock_rdlock(l), sync_rwlock_rdunlock(l),
              sync_rwlock_wrlock(l), sync_rwlock_wrunlock(l))
RWLOCKD_TRY(sync_rwlock, sync_rwlock_tryrdlock(l), sync_rwlock_trywrlock(l))

static const struct lab_known_report rwlockd_sync_rwlock_known_reports[] = {
    LOCKD_KNOWN_END   /* none: sync/annotate.h tells Helgrind and DRD */
};
static const struct rwlockd_info rwlockd_sync_rwlock_info = {
    .id = "sync_rwlock",
    .label = "sync_rwlock",
    .desc = "sync/rwlock.h writer-preferring futex rwlock",
    .group = "sync",
    .policy = "writer-preferring",
    .procs = true,
    .has_try = true,
    .known_reports = rwlockd_sync_rwlock_known_reports,
};

#endif
