/* rwlock_pthread_rwlock: glibc's pthread_rwlock_t of the default kind
 * (PTHREAD_RWLOCK_PREFER_READER_NP: readers enter while a writer waits). */
#ifndef RACELAB_RWLOCK_PTHREAD_RWLOCK_H
#define RACELAB_RWLOCK_PTHREAD_RWLOCK_H

#include <pthread.h>   /* the _NP kinds: _GNU_SOURCE, from racelab::common */

#include "rwlockd.h"

/* A glibc rwlock of |kind|, process-shared with SYNC_PSHARED. Shared with
 * rwlock_pthread_rwlock_wp.h, which differs only in the kind. */
static inline int rwlockd__pthread_init(pthread_rwlock_t *l, unsigned flags, int kind)
{
    if (flags & ~SYNC_PSHARED)
        return EINVAL;
    pthread_rwlockattr_t a;
    int rc = pthread_rwlockattr_init(&a);
    if (rc != 0)
        return rc;
    rc = pthread_rwlockattr_setkind_np(&a, kind);
    if (rc == 0 && (flags & SYNC_PSHARED))
        rc = pthread_rwlockattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_rwlock_init(l, &a);
    pthread_rwlockattr_destroy(&a);
    return rc;
}

typedef pthread_rwlock_t rwlockd_pthread_rwlock_t;

static inline int rwlockd_pthread_rwlock_init(rwlockd_pthread_rwlock_t *l, unsigned flags)
{
    return rwlockd__pthread_init(l, flags, PTHREAD_RWLOCK_PREFER_READER_NP);
}
static inline void rwlockd_pthread_rwlock_fini(rwlockd_pthread_rwlock_t *l)
{
    pthread_rwlock_destroy(l);
}
RWLOCKD_CALLS(pthread_rwlock, pthread_rwlock_rdlock(l), pthread_rwlock_unlock(l),
              pthread_rwlock_wrlock(l), pthread_rwlock_unlock(l))
RWLOCKD_TRY(pthread_rwlock, pthread_rwlock_tryrdlock(l) == 0, pthread_rwlock_trywrlock(l) == 0)

static const struct lab_known_report rwlockd_pthread_rwlock_known_reports[] = {
    LOCKD_KNOWN_END   /* none: valgrind's tools intercept pthread_rwlock_* */
};
static const struct rwlockd_info rwlockd_pthread_rwlock_info = {
    .id = "pthread_rwlock",
    .label = "pthread_rwlock",
    .desc = "glibc pthread_rwlock_t, default kind (prefers readers)",
    .group = "glibc",
    .policy = "reader-preferring",
    .procs = true,
    .has_try = true,
    .known_reports = rwlockd_pthread_rwlock_known_reports,
};

#endif
