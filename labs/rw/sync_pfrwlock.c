/* sync-pfrwlock: sync/rwlock.h's phase-fair lock - reader and writer phases
 * alternate while both wait: a writer waits for at most one reader phase. */
#define RW_VARIANT sync_pfrwlock
#define RW_LABEL "sync-pfrwlock"
#define RW_DESC "sync/rwlock.h phase-fair rwlock"
#define RW_LOCK sync_pfrwlock

#include "desc/rwlock_sync_pfrwlock.h"

#include "variant.h"
