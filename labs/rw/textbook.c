/* textbook: the reader-preferring lock of the textbooks (rwlock_textbook.h):
 * correct, and a writer waits as long as readers keep overlapping. */
#define RW_VARIANT textbook
#define RW_LABEL "textbook"
#define RW_DESC "reader-preferring textbook lock (reader count + semaphore): writers starve"
#define RW_KNOWN \
    LOCKD_VALGRIND_BLIND("sync/sem.h + sync/mutex.h: " \
                         "C11 atomics and futex(), not a lock valgrind knows"),
#define RW_LOCK textbook

#include "rwlock_textbook.h"

#include "variant.h"
