/* lock_ck_fas: Concurrency Kit ck_spinlock_fas (a baseline beside ours). */
#ifndef RACELAB_LOCK_CK_FAS_H
#define RACELAB_LOCK_CK_FAS_H

#include "lockd.h"

#if LOCKD__CK
typedef ck_spinlock_fas_t lockd_ck_fas_t;
#else
typedef int lockd_ck_fas_t;   /* not in this build: see .unavailable */
#endif
#define LOCKD_ck_fas_PROCS 1   /* one word: MAP_SHARED memory works as is */

static inline int lockd_ck_fas_init(lockd_ck_fas_t *l, unsigned flags)
{
#if LOCKD__CK
    (void)flags;
    ck_spinlock_fas_init(l);
    return 0;
#else
    (void)l;
    (void)flags;
    return ENOSYS;
#endif
}
static inline void lockd_ck_fas_fini(lockd_ck_fas_t *l) { (void)l; }
static inline void lockd_ck_fas_acquire(lockd_ck_fas_t *l, lockd_node *n)
{
    (void)n;
#if LOCKD__CK
    ck_spinlock_fas_lock(l);
#else
    (void)l;
    lockd__unavailable();
#endif
}
static inline void lockd_ck_fas_release(lockd_ck_fas_t *l, lockd_node *n)
{
    (void)n;
#if LOCKD__CK
    ck_spinlock_fas_unlock(l);
#else
    (void)l;
    lockd__unavailable();
#endif
}
static inline bool lockd_ck_fas_try(lockd_ck_fas_t *l, lockd_node *n)
{
    (void)n;
#if LOCKD__CK
    return ck_spinlock_fas_trylock(l);
#else
    (void)l;
    lockd__unavailable();
    return false;
#endif
}

#define LOCKD_ck_fas_KNOWN   /* none */
static const struct lab_known_report lockd_ck_fas_known_reports[] = {
    LOCKD_ck_fas_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_ck_fas_info = {
    .id = "ck_fas",
    .label = "ck_fas",
    .desc = "Concurrency Kit ck_spinlock_fas",
    .group = "ck",
    .procs = true,
    .unavailable = LOCKD_CK_WHY,
    .known_reports = lockd_ck_fas_known_reports,
};

#endif
