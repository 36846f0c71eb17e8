/* lock_pmutex: a glibc pthread_mutex_t made to live in shared memory and to
 * survive its owner's death: PTHREAD_PROCESS_SHARED (shared futexes, keyed
 * by the physical page) + PTHREAD_MUTEX_ROBUST (on the owner's robust list:
 * when it dies holding the mutex the kernel marks it, and the next locker
 * gets EOWNERDEAD instead of waiting for ever). */
#ifndef RACELAB_LOCK_PMUTEX_H
#define RACELAB_LOCK_PMUTEX_H

#include <pthread.h>

#include "lockd.h"

typedef pthread_mutex_t lockd_pmutex_t;
#define LOCKD_pmutex_PROCS 1   /* always process-shared, whatever the flags */

static inline int lockd_pmutex_init(lockd_pmutex_t *l, unsigned flags)
{
    (void)flags;
    pthread_mutexattr_t attr;
    int rc = pthread_mutexattr_init(&attr);
    if (rc == 0)
        rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    if (rc == 0)
        rc = pthread_mutex_init(l, &attr);
    pthread_mutexattr_destroy(&attr);
    return rc;
}
static inline void lockd_pmutex_fini(lockd_pmutex_t *l)
{
    pthread_mutex_destroy(l);
}
static inline int lockd_pmutex_acquire_robust(lockd_pmutex_t *l, lockd_node *n)
{
    (void)n;
    int rc = pthread_mutex_lock(l);
    if (rc != 0 && rc != EOWNERDEAD)
        abort();   /* ENOTRECOVERABLE: an earlier recovery did not say consistent */
    return rc;
}
static inline void lockd_pmutex_consistent(lockd_pmutex_t *l)
{
    pthread_mutex_consistent(l);
}
static inline void lockd_pmutex_acquire(lockd_pmutex_t *l, lockd_node *n)
{
    if (lockd_pmutex_acquire_robust(l, n) != 0)
        abort();   /* a dead owner, and a caller that cannot hear of it */
}
static inline void lockd_pmutex_release(lockd_pmutex_t *l, lockd_node *n)
{
    (void)n;
    pthread_mutex_unlock(l);
}
static inline bool lockd_pmutex_try(lockd_pmutex_t *l, lockd_node *n)
{
    (void)n;
    int rc = pthread_mutex_trylock(l);
    if (rc == EOWNERDEAD)
        abort();   /* as lockd_pmutex_acquire */
    return rc == 0;
}

#define LOCKD_pmutex_KNOWN   /* none */
static const struct lab_known_report lockd_pmutex_known_reports[] = {
    LOCKD_pmutex_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_pmutex_info = {
    .id = "pmutex",
    .label = "pmutex",
    .desc = "glibc pthread_mutex_t, PTHREAD_PROCESS_SHARED + PTHREAD_MUTEX_ROBUST",
    .group = "glibc",
    .procs = true,
    .robust = true,
    .known_reports = lockd_pmutex_known_reports,
};

#endif
