/* lock_named_sem: a POSIX named semaphore (sem_open) with one permit, as a
 * binary lock. Named semaphores let unrelated processes meet by name (glibc
 * keeps them in /dev/shm/sem.NAME); the name outlives every process unless
 * someone unlinks it. Here the users are forked after init and inherit the
 * semaphore, so the name is unlinked at once and nothing is left behind. */
#ifndef RACELAB_LOCK_NAMED_SEM_H
#define RACELAB_LOCK_NAMED_SEM_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "lock_psem.h"

typedef struct {
    sem_t *sem;
} lockd_named_sem_t;
#define LOCKD_named_sem_PROCS 1   /* inherited across fork(), whatever the flags */

/* The name is this process's and this lock's address: unique while it lives
 * (and it lives unnamed: unlinked as soon as it is open). */
static inline int lockd_named_sem_init(lockd_named_sem_t *l, unsigned flags)
{
    (void)flags;
    char name[64];
    snprintf(name, sizeof name, "/racelab-lock-%ld-%jx", (long)getpid(), (uintmax_t)(uintptr_t)l);
    l->sem = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
    if (l->sem == SEM_FAILED)
        return errno;
    sem_unlink(name);   /* every user inherits it: the name can go */
    return 0;
}
static inline void lockd_named_sem_fini(lockd_named_sem_t *l)
{
    sem_close(l->sem);
}
LOCKD_CALLS(named_sem, lockd__posix_take(l->sem), sem_post(l->sem), lockd__posix_try(l->sem))

#define LOCKD_named_sem_KNOWN   /* none */
static const struct lab_known_report lockd_named_sem_known_reports[] = {
    LOCKD_named_sem_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_named_sem_info = {
    .id = "named_sem",
    .label = "named-sem",
    .desc = "POSIX named semaphore (sem_open, unlinked at once) as a binary lock",
    .group = "glibc",
    .procs = true,
    .known_reports = lockd_named_sem_known_reports,
};

#endif
