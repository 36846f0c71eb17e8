/* labs/counter/counter.h - the counter lab: lost updates on a shared counter.
 *
 * CONCEPT
 *   counter = counter + 1 is three steps: load, add, store. Two workers that
 *   interleave between the load and the store both write back the same value,
 *   and one increment is lost. Nothing crashes; the total is just short.
 *
 * THE RACE (counter starts at 0)
 *     step  worker 1          worker 2          counter
 *     1     v = LOAD  -> 0                      0
 *     2                       v = LOAD  -> 0    0
 *     3     STORE v+1 -> 1                      1
 *     4                       STORE v+1 -> 1    1      (one update lost)
 *
 * EXPECTED
 *   workers x iterations (2 x 100000 = 200000).
 *
 * TYPICAL
 *   racy: every trial short by roughly 5 to 50 % on 2 cores, different every
 *   run, because how often the windows overlap depends on cache-line
 *   ping-pong timing and on when the scheduler runs each worker. Without the
 *   start gate (labs/common/run.c) one worker often finishes before the other
 *   starts and nothing is lost: the bug hides, it does not go away. On one
 *   CPU losses are rare (only a preemption between LOAD and STORE loses).
 *   Every fixed variant: exactly 200000, at a price shown as ns/op.
 *
 * DETECTORS
 *   ThreadSanitizer (lab-counter-tsan) reports the data race in racy even in
 *   a trial that happened to lose nothing: it checks happens-before, not
 *   luck. Every fixed variant is clean under TSan: the sync library's locks
 *   are built on C11 atomics TSan can see. Helgrind and DRD see the threads
 *   model too (the harness will run them).
 *
 * TRY
 *   lab-counter --variant racy --workers 1        (nothing lost: why?)
 *   lab-counter --variant racy --workers 8        (oversubscribed)
 *   lab-counter --variant all --trials 5          (what every fix costs)
 *   diff -u labs/counter/racy.c labs/counter/mutex.c   (the lesson is the diff)
 *
 * Each variant file defines only its hooks and includes variant.h last:
 *   struct state              the shared state, with the count in |value|
 *                             (and the lock in |lock|, a lock descriptor's
 *                             type: labs/common/desc/lockd.h)
 *   increment(s, worker)      one operation; static inline
 * and optionally VARIANT_LOCK, VARIANT_SETUP, VARIANT_TEARDOWN,
 * VARIANT_OBSERVE, VARIANT_RACY, VARIANT_UNAVAILABLE (variant.h). */
#ifndef RACELAB_COUNTER_H
#define RACELAB_COUNTER_H

#include <stdint.h>

#include "lab.h"

extern const struct lab counter_lab;

/* For a robust lock's REPAIR (LOCKD_ACQUIRE_RECOVER): its owner died holding
 * it, and we hold it now. This is where the protected state gets repaired;
 * here the owner died before its load, so the count is whole: nothing to
 * mend, the runtime hears of the recovery, and the lock is declared
 * consistent. */
static inline void counter_repair(void)
{
    lab_note_recovery();
}

#endif
