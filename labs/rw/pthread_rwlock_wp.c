/* pthread-rwlock-wp: glibc's pthread_rwlock_t of the writer-first kind
 * (PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP). */
#define RW_VARIANT pthread_rwlock_wp
#define RW_LABEL "pthread-rwlock-wp"
#define RW_DESC "glibc pthread_rwlock_t, writer-preferring kind"
#define RW_LOCK pthread_rwlock_wp

#include "desc/rwlock_pthread_rwlock_wp.h"

#include "variant.h"
