/* pthread-rwlock: glibc's pthread_rwlock_t of the default kind, which
 * prefers readers (PTHREAD_RWLOCK_PREFER_READER_NP) like the textbook. */
#define RW_VARIANT pthread_rwlock
#define RW_LABEL "pthread-rwlock"
#define RW_DESC "glibc pthread_rwlock_t, default kind (prefers readers)"
#define RW_LOCK pthread_rwlock

#include "desc/rwlock_pthread_rwlock.h"

#include "variant.h"
