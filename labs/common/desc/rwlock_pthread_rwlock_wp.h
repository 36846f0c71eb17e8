/* rwlock_pthread_rwlock_wp: glibc's pthread_rwlock_t of the writer-first kind
 * PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP (no new reader while a writer
 * waits, so readers must not read-lock recursively). */
#ifndef RACELAB_RWLOCK_PTHREAD_RWLOCK_WP_H
#define RACELAB_RWLOCK_PTHREAD_RWLOCK_WP_H

#include "rwlock_pthread_rwlock.h"   /* rwlockd__pthread_init */

typedef pthread_rwlock_t rwlockd_pthread_rwlock_wp_t;

static inline int rwlockd_pthread_rwlock_wp_init(rwlockd_pthread_rwlock_wp_t *l,
                                                 unsigned flags)
{
    return rwlockd__pthread_init(l, flags, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
}
static inline void rwlockd_pthread_rwlock_wp_fini(rwlockd_pthread_rwlock_wp_t *l)
{
    pthread_rwlock_destroy(l);
}
RWLOCKD_CALLS(pthread_rwlock_wp, pthread_rwlock_rdlock(l), pthread_rwlock_unlock(l),
              pthread_rwlock_wrlock(l), pthread_rwlock_unlock(l))
RWLOCKD_TRY(pthread_rwlock_wp, pthread_rwlock_tryrdlock(l) == 0,
            pthread_rwlock_trywrlock(l) == 0)

static const struct lab_known_report rwlockd_pthread_rwlock_wp_known_reports[] = {
    LOCKD_KNOWN_END   /* none: valgrind's tools intercept pthread_rwlock_* */
};
static const struct rwlockd_info rwlockd_pthread_rwlock_wp_info = {
    .id = "pthread_rwlock_wp",
    .label = "pthread_rwlock_wp",
    .desc = "glibc pthread_rwlock_t, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP",
    .group = "glibc",
    .policy = "writer-preferring",
    .procs = true,
    .has_try = true,
    .known_reports = rwlockd_pthread_rwlock_wp_known_reports,
};

#endif
