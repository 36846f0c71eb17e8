/* lock_tas: sync/tas.h test-and-set. */
#ifndef RACELAB_LOCK_TAS_H
#define RACELAB_LOCK_TAS_H

#include "sync/tas.h"

#include "lockd.h"

typedef sync_tas_t lockd_tas_t;
#define LOCKD_tas_PROCS 1   /* one atomic word: MAP_SHARED memory works as is */

static inline int lockd_tas_init(lockd_tas_t *l, unsigned flags)
{
    (void)flags;
    return sync_tas_init(l);
}
LOCKD_NO_FINI(tas)
LOCKD_CALLS(tas, sync_tas_lock(l), sync_tas_unlock(l), sync_tas_trylock(l))

#define LOCKD_tas_KNOWN   /* none: sync/annotate.h tells Helgrind and DRD */
static const struct lab_known_report lockd_tas_known_reports[] = {
    LOCKD_tas_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_tas_info = {
    .id = "tas",
    .label = "tas",
    .desc = "sync/tas.h test-and-set",
    .group = "sync",
    .procs = true,
    .known_reports = lockd_tas_known_reports,
};

#endif
