/* sync-rwlock: sync/rwlock.h's writer-preferring lock - once a writer
 * waits, no new reader enters, so the readers inside drain and it gets in. */
#define RW_VARIANT sync_rwlock
#define RW_LABEL "sync-rwlock"
#define RW_DESC "sync/rwlock.h writer-preferring futex rwlock"
#define RW_LOCK sync_rwlock

#include "desc/rwlock_sync_rwlock.h"

#include "variant.h"
