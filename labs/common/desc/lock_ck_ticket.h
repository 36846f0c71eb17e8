/* lock_ck_ticket: Concurrency Kit's ck_spinlock_ticket (a baseline beside ours). */
#ifndef RACELAB_LOCK_CK_TICKET_H
#define RACELAB_LOCK_CK_TICKET_H

#include "lockd.h"

#define LOCKD_ck_ticket_PROCS 1   /* two counters: MAP_SHARED memory works as is */
#if LOCKD__CK
typedef ck_spinlock_ticket_t lockd_ck_ticket_t;
static inline int lockd_ck_ticket_init(lockd_ck_ticket_t *l, unsigned flags)
{
    (void)flags;
    ck_spinlock_ticket_init(l);
    return 0;
}
LOCKD_NO_FINI(ck_ticket)
LOCKD_CALLS(ck_ticket, ck_spinlock_ticket_lock(l), ck_spinlock_ticket_unlock(l),
            ck_spinlock_ticket_trylock(l))
#else
LOCKD_UNAVAILABLE(ck_ticket)
#endif

#define LOCKD_ck_ticket_KNOWN   /* none measured */
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
