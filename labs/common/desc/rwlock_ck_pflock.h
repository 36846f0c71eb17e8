/* rwlock_ck_pflock: Concurrency Kit's ck_pflock, Brandenburg and Anderson's
 * phase-fair PF-T, spinning only (a baseline beside sync_pfrwlock). It has
 * no try forms. */
#ifndef RACELAB_RWLOCK_CK_PFLOCK_H
#define RACELAB_RWLOCK_CK_PFLOCK_H

#include "rwlockd.h"

#if LOCKD__CK
#include <ck_pflock.h>

typedef ck_pflock_t rwlockd_ck_pflock_t;
RWLOCKD_WORDS_INIT(ck_pflock, ck_pflock_init(l))   /* four counters: MAP_SHARED works as is */
RWLOCKD_NO_FINI(ck_pflock)
RWLOCKD_CALLS(ck_pflock, ck_pflock_read_lock(l), ck_pflock_read_unlock(l),
              ck_pflock_write_lock(l), ck_pflock_write_unlock(l))
#else
RWLOCKD_UNAVAILABLE(ck_pflock)
#endif
#if LOCKD__CK
RWLOCKD_NO_TRY(ck_pflock)
#endif

static const struct lab_known_report rwlockd_ck_pflock_known_reports[] = {
    LOCKD_KNOWN_END   /* none measured */
};
static const struct rwlockd_info rwlockd_ck_pflock_info = {
    .id = "ck_pflock",
    .label = "ck_pflock",
    .desc = "Concurrency Kit ck_pflock (phase-fair PF-T, spinning)",
    .group = "ck",
    .policy = "phase-fair",
    .procs = true,
    .spins = true,
    .unavailable = LOCKD_CK_WHY,
    .known_reports = rwlockd_ck_pflock_known_reports,
};

#endif
