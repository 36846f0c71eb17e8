/* labs/common/desc/queues.h - every queue descriptor, listed once.
 *
 * QUEUED_ALL(X) calls X(id) for each queue (labs/common/desc/queue_<id>.h, the
 * shape in queued.h); bench-queue generates its rows from it. The stress
 * tests (tests/test_queues.c) take sync/'s queues by name. Adding a queue: its
 * queue_<id>.h and one X(<id>) here. */
#ifndef RACELAB_QUEUES_H
#define RACELAB_QUEUES_H

#include "queue_bqueue.h"
#include "queue_ck_ring_mpmc.h"
#include "queue_ck_ring_spsc.h"
#include "queue_mpmc.h"
#include "queue_msqueue.h"
#include "queue_semq.h"
#include "queue_spsc.h"
#include "queue_wfcqueue.h"

/* In bench-queue's row order. */
#define QUEUED_ALL(X) \
    X(spsc) X(ck_ring_spsc) X(mpmc) X(ck_ring_mpmc) X(msqueue) X(wfcqueue) X(bqueue) X(semq)

#endif
