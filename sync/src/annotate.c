/* sync/src/annotate.c - whether this process runs under valgrind (see
 * sync/annotate.h). */
#include "sync/annotate.h"

#if SYNC_ANNOTATED
/* The writable object behind the header's const name: only the constructor
 * below writes it, before any reader runs. */
static int sync__valgrind_rw;
extern const int sync__valgrind __attribute__((alias("sync__valgrind_rw")));

/* Before main and before any other constructor that might lock: a lock
 * taken before the flag is set is simply not annotated. */
__attribute__((constructor(101))) static void sync__annotate_init(void)
{
    sync__valgrind_rw = RUNNING_ON_VALGRIND != 0;
}
#endif
