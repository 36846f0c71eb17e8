/* tests/mutex_debug.c - the inline mutex calls as a caller without NDEBUG
 * sees them (see mutex_callers.h). */
#undef NDEBUG
#include "mutex_callers.h"

void test_mc_lock_debug(sync_mutex_t *m)
{
    sync_mutex_lock(m);
}

void test_mc_unlock_debug(sync_mutex_t *m)
{
    sync_mutex_unlock(m);
}
