/* lock_comutex: the coroutine mutex (sync/coro.h). A coroutine that finds it
 * held parks on its queue and yields to the scheduler; unlock hands it to the
 * oldest waiter. Coroutines only. */
#ifndef RACELAB_LOCK_COMUTEX_H
#define RACELAB_LOCK_COMUTEX_H

#include "sync/coro.h"

#include "lockd.h"

typedef sync_comutex_t lockd_comutex_t;
#define LOCKD_comutex_PROCS 0
#define LOCKD_comutex_NO_PROCS \
    "a coroutine mutex parks the caller on one scheduler's queue: threads and " \
    "processes need a real lock"

LOCKD_PRIVATE_INIT(comutex, sync_comutex_init(l))
LOCKD_NO_FINI(comutex)
LOCKD_CALLS(comutex, sync_comutex_lock(l), sync_comutex_unlock(l), sync_comutex_trylock(l))

#define LOCKD_comutex_KNOWN   /* none */
static const struct lab_known_report lockd_comutex_known_reports[] = {
    LOCKD_comutex_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_comutex_info = {
    .id = "comutex",
    .label = "comutex",
    .desc = "sync/coro.h coroutine mutex (parks the coroutine, yields the carrier)",
    .group = "sync",
    .no_procs_why = LOCKD_comutex_NO_PROCS,
    .coros_only = LOCKD_comutex_NO_PROCS,
    .known_reports = lockd_comutex_known_reports,
};

#endif
