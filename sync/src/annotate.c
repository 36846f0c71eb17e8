/* sync/src/annotate.c - whether this process runs under valgrind (see
 * sync/annotate.h). */
#include "sync/annotate.h"

#if SYNC_ANNOTATED
int sync__valgrind;

/* Before main and before any other constructor that might lock: a lock
 * taken before the flag is set is simply not annotated. */
__attribute__((constructor(101))) static void sync__annotate_init(void)
{
    sync__valgrind = RUNNING_ON_VALGRIND != 0;
}
#endif
