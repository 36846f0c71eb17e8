/* queue_ck_ring_mpmc: Concurrency Kit's ck_ring, any number of producers and
 * consumers (a baseline beside sync_mpmc). */
#ifndef RACELAB_QUEUE_CK_RING_MPMC_H
#define RACELAB_QUEUE_CK_RING_MPMC_H

#include "queue_ck_ring.h"

#define QUEUED_ck_ring_mpmc_PROCS 1   /* one block, no pointers */
QUEUED__CK_RING(mpmc)

#define QUEUED_ck_ring_mpmc_KNOWN   /* none measured */
static const struct lab_known_report queued_ck_ring_mpmc_known_reports[] = {
    QUEUED_ck_ring_mpmc_KNOWN LOCKD_KNOWN_END
};
static const struct queued_info queued_ck_ring_mpmc_info = {
    .id = "ck_ring_mpmc",
    .label = "ck_ring-mpmc",
    .desc = "Concurrency Kit ck_ring, mpmc",
    .group = "ck",
    .procs = true,
    .bounded = true,
    .fifo = true,
    .weak_empty = true,
    .unavailable = LOCKD_CK_WHY,
    .known_reports = queued_ck_ring_mpmc_known_reports,
};

#endif
