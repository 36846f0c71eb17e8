/* lock_ttas: sync/ttas.h test-and-test-and-set with backoff. */
#ifndef RACELAB_LOCK_TTAS_H
#define RACELAB_LOCK_TTAS_H

#include "sync/ttas.h"

#include "lockd.h"

typedef sync_ttas_t lockd_ttas_t;
#define LOCKD_ttas_PROCS 1   /* one atomic word: MAP_SHARED memory works as is */

static inline int lockd_ttas_init(lockd_ttas_t *l, unsigned flags)
{
    (void)flags;
    return sync_ttas_init(l);
}
LOCKD_NO_FINI(ttas)
LOCKD_CALLS(ttas, sync_ttas_lock(l), sync_ttas_unlock(l), sync_ttas_trylock(l))

#define LOCKD_ttas_KNOWN   /* none: sync/annotate.h tells Helgrind and DRD */
static const struct lab_known_report lockd_ttas_known_reports[] = {
    LOCKD_ttas_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_ttas_info = {
    .id = "ttas",
    .label = "ttas",
    .desc = "sync/ttas.h test-and-test-and-set with backoff",
    .group = "sync",
    .procs = true,
    .known_reports = lockd_ttas_known_reports,
};

#endif
