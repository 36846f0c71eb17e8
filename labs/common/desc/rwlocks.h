/* labs/common/desc/rwlocks.h - every readers-writer lock descriptor, listed
 * once.
 *
 * RWLOCKD_ALL(X) calls X(id) for each rwlock (rwlock_<id>.h, the shape in
 * rwlockd.h); bench-rwlock's rows and the validator's cases
 * (tests/test_rwlock.c) are generated from it. Adding one: its
 * rwlock_<id>.h and one X(<id>) here. */
#ifndef RACELAB_RWLOCKS_H
#define RACELAB_RWLOCKS_H

#include "rwlock_ck_pflock.h"
#include "rwlock_ck_rwlock.h"
#include "rwlock_pthread_rwlock.h"
#include "rwlock_pthread_rwlock_wp.h"
#include "rwlock_sync_pfrwlock.h"
#include "rwlock_sync_rwlock.h"

/* In bench-rwlock's row order: ours, glibc's, Concurrency Kit's. */
#define RWLOCKD_ALL(X)                                                                  \
    X(sync_rwlock) X(sync_pfrwlock) X(pthread_rwlock) X(pthread_rwlock_wp) X(ck_rwlock) \
    X(ck_pflock)

#endif
