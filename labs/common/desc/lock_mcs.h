/* lock_mcs: sync/mcs.h MCS queue lock, a queue node per acquisition. */
#ifndef RACELAB_LOCK_MCS_H
#define RACELAB_LOCK_MCS_H

#include "sync/mcs.h"

#include "lockd.h"

typedef sync_mcs_t lockd_mcs_t;
#define LOCKD_mcs_PROCS 0
#define LOCKD_mcs_NO_PROCS \
    "each waiter queues a node on its own stack and others follow pointers to it: " \
    "another process cannot (its stack is not in the shared segment)"

LOCKD_PRIVATE_INIT(mcs, sync_mcs_init(l))
LOCKD_NO_FINI(mcs)
LOCKD_CALLS(mcs, sync_mcs_lock(l, &n->mcs), sync_mcs_unlock(l, &n->mcs),
            sync_mcs_trylock(l, &n->mcs))

#define LOCKD_mcs_KNOWN   /* none: sync/annotate.h tells Helgrind and DRD */
static const struct lab_known_report lockd_mcs_known_reports[] = {
    LOCKD_mcs_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_mcs_info = {
    .id = "mcs",
    .label = "mcs",
    .desc = "sync/mcs.h MCS queue lock",
    .group = "sync",
    .no_procs_why = LOCKD_mcs_NO_PROCS,
    .known_reports = lockd_mcs_known_reports,
};

#endif
