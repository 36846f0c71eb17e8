/* textbook: the reader-preferring lock of the textbooks (rwlock_textbook.h):
 * correct, and a writer waits as long as readers keep overlapping. */
#define RW_VARIANT textbook
#define RW_LABEL "textbook"
#define RW_DESC "reader-preferring textbook lock (reader count + semaphore): writers starve"
#define RW_LOCK textbook

#include "rwlock_textbook.h"

#include "variant.h"
