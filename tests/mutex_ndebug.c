/* tests/mutex_ndebug.c - the inline mutex calls as an NDEBUG caller sees
 * them (see mutex_callers.h). */
#ifndef NDEBUG
#define NDEBUG 1
#endif
#include "mutex_callers.h"

void test_mc_lock_ndebug(sync_mutex_t *m)
{
    sync_mutex_lock(m);
}

void test_mc_unlock_ndebug(sync_mutex_t *m)
{
    sync_mutex_unlock(m);
}
