/* none: no lock at all - readers and writers on the table together.
 *
 * What the lock is for: a reader that runs while a writer is halfway
 * through the table sees some words old and some new (a torn read), and the
 * overlap count sees the two inside at once. On a busy machine two workers
 * seldom run at the same instant, so this writer yields halfway through the
 * table, as a preemption there would (rw_write()): the half-written table
 * then waits a whole scheduling round for a reader to find it. */
#define RW_VARIANT none
#define RW_LABEL "none"
#define RW_DESC "no lock: readers overlap writers and see torn tables"

#include "variant.h"
