/* lock_mutex: glibc's default pthread_mutex_t (process-private). */
#ifndef RACELAB_LOCK_MUTEX_H
#define RACELAB_LOCK_MUTEX_H

#include <pthread.h>

#include "lockd.h"

typedef pthread_mutex_t lockd_mutex_t;
#define LOCKD_mutex_PROCS 0
#define LOCKD_mutex_NO_PROCS \
    "a default pthread_mutex_t is process-private: shared across processes it is " \
    "undefined behaviour, and its private futex wake-ups never reach another process " \
    "(use pmutex: PTHREAD_PROCESS_SHARED)"

LOCKD_PRIVATE_INIT(mutex, pthread_mutex_init(l, NULL))
static inline void lockd_mutex_fini(lockd_mutex_t *l)
{
    pthread_mutex_destroy(l);
}
LOCKD_CALLS(mutex,
            /* a default mutex fails only when misused */
            if (pthread_mutex_lock(l) != 0) abort(),
            pthread_mutex_unlock(l), pthread_mutex_trylock(l) == 0)

#define LOCKD_mutex_KNOWN   /* none */
static const struct lab_known_report lockd_mutex_known_reports[] = {
    LOCKD_mutex_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_mutex_info = {
    .id = "mutex",
    .label = "mutex",
    .desc = "glibc pthread_mutex_t (the reference for every ratio)",
    .group = "glibc",
    .no_procs_why = LOCKD_mutex_NO_PROCS,
    .known_reports = lockd_mutex_known_reports,
};

#endif
