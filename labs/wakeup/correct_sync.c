/* correct-sync: correct (correct.c) on the sync library's futex mutex and
 * condition variable (sync/mutex.h, sync/cond.h) instead of glibc's: the
 * same lines, another implementation under them. sync/cond.h wakes
 * spuriously more often than glibc (a signal racing with a newcomer), which
 * the `while` absorbs: see false_wakeups. */
#define VARIANT_NAME correct_sync
#define VARIANT_LABEL "correct-sync"
#define VARIANT_DESC "while + predicate, two condition variables (sync/cond.h)"
#define WK_SYNC_CV

#include "desc/lockd.h"

#include "correct.c"
