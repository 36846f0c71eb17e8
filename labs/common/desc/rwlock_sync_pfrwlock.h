/* rwlock_sync_pfrwlock: sync/rwlock.h phase-fair rwlock (Brandenburg and
 * Anderson's PF-T reader side; writers barge on a writer word with a bounded
 * bypass; spinning briefly, then a futex per word). */
#ifndef RACELAB_RWLOCK_SYNC_PFRWLOCK_H
#define RACELAB_RWLOCK_SYNC_PFRWLOCK_H

#include "sync/rwlock.h"

#include "rwlockd.h"

typedef sync_pfrwlock_t rwlockd_sync_pfrwlock_t;

static inline int rwlockd_sync_pfrwlock_init(rwlockd_sync_pfrwlock_t *l, unsigned flags)
{
    return sync_pfrwlock_init(l, flags);   /* EINVAL for unknown flags */
}
RWLOCKD_NO_FINI(sync_pfrwlock)
RWLOCKD_CALLS(sync_pfrwlock, sync_pfrwlock_rdlock(l), sync_pfrwlock_rdunlock(l),
              sync_pfrwlock_wrlock(l), sync_pfrwlock_wrunlock(l))
RWLOCKD_TRY(sync_pfrwlock, sync_pfrwlock_tryrdlock(l), sync_pfrwlock_trywrlock(l))

static const struct lab_known_report rwlockd_sync_pfrwlock_known_reports[] = {
    LOCKD_KNOWN_END   /* none: sync/annotate.h tells Helgrind and DRD */
};
static const struct rwlockd_info rwlockd_sync_pfrwlock_info = {
    .id = "sync_pfrwlock",
    .label = "sync_pfrwlock",
    .desc = "sync/rwlock.h phase-fair rwlock (PF-T readers, barging writers with bounded bypass)",
    .group = "sync",
    .policy = "phase-fair",
    .procs = true,
    .has_try = true,
    .known_reports = rwlockd_sync_pfrwlock_known_reports,
};

#endif
