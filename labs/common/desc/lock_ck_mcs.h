/* lock_ck_mcs: Concurrency Kit's ck_spinlock_mcs (a baseline beside ours). */
#ifndef RACELAB_LOCK_CK_MCS_H
#define RACELAB_LOCK_CK_MCS_H

#include "lockd.h"

#define LOCKD_ck_mcs_PROCS 0
#define LOCKD_ck_mcs_NO_PROCS \
    "waiters link queue nodes on their own stacks: another process cannot follow the pointers"
#if LOCKD__CK
typedef ck_spinlock_mcs_t lockd_ck_mcs_t;
static inline int lockd_ck_mcs_init(lockd_ck_mcs_t *l, unsigned flags)
{
    if (flags & SYNC_PSHARED)
        return EINVAL;
    ck_spinlock_mcs_init(l);
    return 0;
}
LOCKD_NO_FINI(ck_mcs)
LOCKD_CALLS(ck_mcs, ck_spinlock_mcs_lock(l, &n->ck_mcs), ck_spinlock_mcs_unlock(l, &n->ck_mcs),
            ck_spinlock_mcs_trylock(l, &n->ck_mcs))
#else
LOCKD_UNAVAILABLE(ck_mcs)
#endif

#define LOCKD_ck_mcs_KNOWN   /* none measured */
static const struct lab_known_report lockd_ck_mcs_known_reports[] = {
    LOCKD_ck_mcs_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_ck_mcs_info = {
    .id = "ck_mcs",
    .label = "ck_mcs",
    .desc = "Concurrency Kit ck_spinlock_mcs",
    .group = "ck",
    .no_procs_why = LOCKD_ck_mcs_NO_PROCS,
    .unavailable = LOCKD_CK_WHY,
    .known_reports = lockd_ck_mcs_known_reports,
};

#endif
