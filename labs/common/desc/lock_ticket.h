/* lock_ticket: sync/ticket.h FIFO ticket lock. */
#ifndef RACELAB_LOCK_TICKET_H
#define RACELAB_LOCK_TICKET_H

#include "sync/ticket.h"

#include "lockd.h"

typedef sync_ticket_t lockd_ticket_t;
#define LOCKD_ticket_PROCS 1   /* two atomic counters: MAP_SHARED memory works as is */

static inline int lockd_ticket_init(lockd_ticket_t *l, unsigned flags)
{
    (void)flags;
    return sync_ticket_init(l);
}
LOCKD_NO_FINI(ticket)
LOCKD_CALLS(ticket, sync_ticket_lock(l), sync_ticket_unlock(l), sync_ticket_trylock(l))

#define LOCKD_ticket_KNOWN   /* none: sync/annotate.h tells Helgrind and DRD */
static const struct lab_known_report lockd_ticket_known_reports[] = {
    LOCKD_ticket_KNOWN LOCKD_KNOWN_END
};
static const struct lockd_info lockd_ticket_info = {
    .id = "ticket",
    .label = "ticket",
    .desc = "sync/ticket.h FIFO ticket lock",
    .group = "sync",
    .procs = true,
    .known_reports = lockd_ticket_known_reports,
};

#endif
