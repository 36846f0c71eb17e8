/* lock_ck_fas: Concurrency Kit's ck_spinlock_fas (a baseline beside ours). */
#ifndef RACELAB_LOCK_CK_FAS_H
#define RACELAB_LOCK_CK_FAS_H

#include "lockd.h"

#define LOCKD_ck_fas_PROCS 1   /* one word: MAP_SHARED memory works as is */
#if LOCKD__CK
typedef ck_spinlock_fas_t lockd_ck_fas_t;
static inline int lockd_ck_fas_init(lockd_ck_fas_t *l, unsigned flags)
{
    (void)flags;
    ck_spinlock_fas_init(l);
    return 0;
}
LOCKD_NO_FINI(ck_fas)
LOCKD_CALLS(ck_fas, ck_spinlock_fas_lock(l), ck_spinlock_fas_unlock(l), ck_spinlock_fas_trylock(l))
#else
LOCKD_UNAVAILABLE(ck_fas)
#endif

#define LOCKD_ck_fas_KNOWN   /* none measured */
static const struct lab_known_report lockd_ck_fas_known_reports[] = {
    LOCKD_ck_fas_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_ck_fas_info = {
    .id = "ck_fas",
    .label = "ck_fas",
    .desc = "Concurrency Kit ck_spinlock_fas",
    .group = "ck",
    .procs = true,
    .unavailable = LOCKD_CK_WHY,
    .known_reports = lockd_ck_fas_known_reports,
};

#endif
