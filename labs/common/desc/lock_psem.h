/* lock_psem: a POSIX unnamed semaphore (sem_init with pshared = 1) with one
 * permit, as a binary lock. Like sync/sem.h, but glibc's. No owner: when a
 * holder dies nobody can tell, and the others wait for ever. */
#ifndef RACELAB_LOCK_PSEM_H
#define RACELAB_LOCK_PSEM_H

#include <semaphore.h>

#include "lockd.h"

/* Takes the permit of a POSIX semaphore (unnamed or named). */
static inline void lockd__posix_take(sem_t *s)
{
    while (sem_wait(s) != 0)
        ;   /* EINTR: a signal handler ran; the permit is still to be taken */
}

static inline bool lockd__posix_try(sem_t *s)
{
    while (sem_trywait(s) != 0)
        if (errno != EINTR)
            return false;   /* EAGAIN: taken */
    return true;
}

typedef sem_t lockd_psem_t;
#define LOCKD_psem_PROCS 1   /* always process-shared, whatever the flags */

static inline int lockd_psem_init(lockd_psem_t *l, unsigned flags)
{
    (void)flags;
    return sem_init(l, 1, 1) == 0 ? 0 : errno;
}
static inline void lockd_psem_fini(lockd_psem_t *l)
{
    sem_destroy(l);
}
LOCKD_CALLS(psem, lockd__posix_take(l), sem_post(l), lockd__posix_try(l))

#define LOCKD_psem_KNOWN   /* none */
static const struct lab_known_report lockd_psem_known_reports[] = {
    LOCKD_psem_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_psem_info = {
    .id = "psem",
    .label = "psem",
    .desc = "POSIX sem_init(pshared=1) semaphore as a binary lock",
    .group = "glibc",
    .procs = true,
    .known_reports = lockd_psem_known_reports,
};

#endif
