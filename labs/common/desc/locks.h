/* labs/common/desc/locks.h - every lock descriptor, listed once.
 *
 * LOCKD_ALL(X) calls X(id) for each lock (labs/common/desc/lock_<id>.h, the
 * shape in lockd.h); consumers generate their rows from it: bench-counter's
 * twins, the validator's cases (tests/test_locks.c). Adding a lock: its
 * lock_<id>.h and one X(<id>) here. */
#ifndef RACELAB_LOCKS_H
#define RACELAB_LOCKS_H

#include "lock_ck_fas.h"
#include "lock_ck_mcs.h"
#include "lock_ck_ticket.h"
#include "lock_comutex.h"
#include "lock_futex.h"
#include "lock_mcs.h"
#include "lock_mutex.h"
#include "lock_named_sem.h"
#include "lock_pmutex.h"
#include "lock_psem.h"
#include "lock_rfutex.h"
#include "lock_sem.h"
#include "lock_spin.h"
#include "lock_tas.h"
#include "lock_ticket.h"
#include "lock_tplock.h"
#include "lock_ttas.h"

/* In bench-counter's row order. */
#define LOCKD_ALL(X)                                                                    \
    X(mutex) X(spin) X(tas) X(ttas) X(ticket) X(mcs) X(tplock) X(futex) X(rfutex) X(sem) \
    X(pmutex) X(psem) X(named_sem) X(comutex) X(ck_ticket) X(ck_mcs) X(ck_fas)

#endif
