/* rwlock_ck_rwlock: Concurrency Kit's ck_rwlock (a baseline beside ours): a
 * writer flag and a reader count, both spun on. */
#ifndef RACELAB_RWLOCK_CK_RWLOCK_H
#define RACELAB_RWLOCK_CK_RWLOCK_H

#include "rwlockd.h"

#if LOCKD__CK
#include <ck_rwlock.h>

typedef ck_rwlock_t rwlockd_ck_rwlock_t;
RWLOCKD_WORDS_INIT(ck_rwlock, ck_rwlock_init(l))   /* two counters: MAP_SHARED works as is */
RWLOCKD_NO_FINI(ck_rwlock)
RWLOCKD_CALLS(ck_rwlock, ck_rwlock_read_lock(l), ck_rwlock_read_unlock(l),
              ck_rwlock_write_lock(l), ck_rwlock_write_unlock(l))
RWLOCKD_TRY(ck_rwlock, ck_rwlock_read_trylock(l), ck_rwlock_write_trylock(l))
#else
RWLOCKD_UNAVAILABLE(ck_rwlock)
#endif

static const struct lab_known_report rwlockd_ck_rwlock_known_reports[] = {
    LOCKD_KNOWN_END   /* none measured */
};
static const struct rwlockd_info rwlockd_ck_rwlock_info = {
    .id = "ck_rwlock",
    .label = "ck_rwlock",
    .desc = "Concurrency Kit ck_rwlock (spinning; a waiting writer holds off new readers)",
    .group = "ck",
    .policy = "writer-preferring",
    .procs = true,
    .has_try = true,
    .spins = true,
    .unavailable = LOCKD_CK_WHY,
    .known_reports = rwlockd_ck_rwlock_known_reports,
};

#endif
