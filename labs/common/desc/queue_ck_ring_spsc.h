/* queue_ck_ring_spsc: Concurrency Kit's ck_ring, single producer and single
 * consumer (a baseline beside sync_spsc). */
#ifndef RACELAB_QUEUE_CK_RING_SPSC_H
#define RACELAB_QUEUE_CK_RING_SPSC_H

#include "queue_ck_ring.h"

#define QUEUED_ck_ring_spsc_PROCS 1   /* one block, no pointers */
QUEUED__CK_RING(spsc)

#define QUEUED_ck_ring_spsc_KNOWN   /* none measured */
static const struct lab_known_report queued_ck_ring_spsc_known_reports[] = {
    QUEUED_ck_ring_spsc_KNOWN LOCKD_KNOWN_END
};
static const struct queued_info queued_ck_ring_spsc_info = {
    .id = "ck_ring_spsc",
    .label = "ck_ring-spsc",
    .desc = "Concurrency Kit ck_ring, spsc",
    .group = "ck",
    .procs = true,
    .max_producers = 1,
    .max_consumers = 1,
    .fifo = true,
    .bounded = true,
    .unavailable = LOCKD_CK_WHY,
    .known_reports = queued_ck_ring_spsc_known_reports,
};

#endif
