/* lock_ck_ticket: Concurrency Kit ck_spinlock_ticket (a baseline beside ours). */
#ifndef RACELAB_LOCK_CK_TICKET_H
#define RACELAB_LOCK_CK_TICKET_H

#include "lockd.h"

#if LOCKD__CK
typedef ck_spinlock_ticket_t lockd_ck_ticket_t;
#else
typedef int lockd_ck_ticket_t;   /* not in this build: see .unavailable */
#endif
#define LOCKD_ck_ticket_PROCS 1   /* two counters: MAP_SHARED memory works as is */

static inline int lockd_ck_ticket_init(lockd_ck_ticket_t *l, unsigned flags)
{
#if LOCKD__CK
    (void)flags;
    ck_spinlock_ticket_init(l);
    return 0;
#else
    (void)l;
    (void)flags;
    return ENOSYS;
#endif
}
static inline void lockd_ck_ticket_fini(lockd_ck_ticket_t *l) { (void)l; }
static inline void lockd_ck_ticket_acquire(lockd_ck_ticket_t *l, lockd_node *n)
{
    (void)n;
#if LOCKD__CK
    ck_spinlock_ticket_lock(l);
#else
    (void)l;
    lockd__unavailable();
#endif
}
static inline void lockd_ck_ticket_release(lockd_ck_ticket_t *l, lockd_node *n)
{
    (void)n;
#if LOCKD__CK
    ck_spinlock_ticket_unlock(l);
#else
    (void)l;
    lockd__unavailable();
#endif
}
static inline bool lockd_ck_ticket_try(lockd_ck_ticket_t *l, lockd_node *n)
{
    (void)n;
#if LOCKD__CK
    return ck_spinlock_ticket_trylock(l);
#else
    (void)l;
    lockd__unavailable();
    return false;
#endif
}

#define LOCKD_ck_ticket_KNOWN   /* none */
static const struct lab_known_report lockd_ck_ticket_known_reports[] = {
    LOCKD_ck_ticket_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_ck_ticket_info = {
    .id = "ck_ticket",
    .label = "ck_ticket",
    .desc = "Concurrency Kit ck_spinlock_ticket",
    .group = "ck",
    .procs = true,
    .unavailable = LOCKD_CK_WHY,
    .known_reports = lockd_ck_ticket_known_reports,
};

#endif
