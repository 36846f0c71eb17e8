/* lock_sem: the sync library's futex semaphore (sync/sem.h) with one permit,
 * as a binary lock: wait takes it, post gives it back. No owner: any thread
 * could post. */
#ifndef RACELAB_LOCK_SEM_H
#define RACELAB_LOCK_SEM_H

#include "sync/sem.h"

#include "lockd.h"

typedef sync_sem_t lockd_sem_t;
#define LOCKD_sem_PROCS 1   /* SYNC_PSHARED: shared futexes, keyed by page */

static inline int lockd_sem_init(lockd_sem_t *l, unsigned flags)
{
    return sync_sem_init(l, 1, flags);
}
LOCKD_NO_FINI(sem)
LOCKD_CALLS(sem, sync_sem_wait(l),
            /* EOVERFLOW: posted without a wait, not a lock's use */
            if (sync_sem_post(l) != 0) abort(),
            sync_sem_trywait(l))

#define LOCKD_sem_KNOWN   /* none: sync/annotate.h tells Helgrind and DRD */
static const struct lab_known_report lockd_sem_known_reports[] = {
    LOCKD_sem_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_sem_info = {
    .id = "sem",
    .label = "sem",
    .desc = "sync/sem.h semaphore as a binary lock",
    .group = "sync",
    .procs = true,
    .known_reports = lockd_sem_known_reports,
};

#endif
