/* lock_spin: glibc's pthread_spinlock_t. */
#ifndef RACELAB_LOCK_SPIN_H
#define RACELAB_LOCK_SPIN_H

#include <pthread.h>

#include "lockd.h"

typedef pthread_spinlock_t lockd_spin_t;
#define LOCKD_spin_PROCS 1   /* PTHREAD_PROCESS_SHARED with SYNC_PSHARED */

static inline int lockd_spin_init(lockd_spin_t *l, unsigned flags)
{
    return pthread_spin_init(l, flags & SYNC_PSHARED ? PTHREAD_PROCESS_SHARED
                                                     : PTHREAD_PROCESS_PRIVATE);
}
static inline void lockd_spin_fini(lockd_spin_t *l)
{
    pthread_spin_destroy(l);
}
LOCKD_CALLS(spin, pthread_spin_lock(l), pthread_spin_unlock(l), pthread_spin_trylock(l) == 0)

#define LOCKD_spin_KNOWN   /* none */
static const struct lab_known_report lockd_spin_known_reports[] = {
    LOCKD_spin_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_spin_info = {
    .id = "spin",
    .label = "pthread_spin",
    .desc = "glibc pthread_spinlock_t",
    .group = "glibc",
    .procs = true,
    .known_reports = lockd_spin_known_reports,
};

#endif
