/* tests/mutex_callers.h - sync_mutex_lock/unlock compiled twice, once with
 * NDEBUG (mutex_ndebug.c) and once without (mutex_debug.c), whatever the
 * build type: test_mutex.c calls both against the one library, so one of
 * them always disagrees with the library's own NDEBUG. */
#ifndef RACELAB_TEST_MUTEX_CALLERS_H
#define RACELAB_TEST_MUTEX_CALLERS_H

#include "sync/mutex.h"

void test_mc_lock_ndebug(sync_mutex_t *m);
void test_mc_unlock_ndebug(sync_mutex_t *m);
void test_mc_lock_debug(sync_mutex_t *m);
void test_mc_unlock_debug(sync_mutex_t *m);

#endif
