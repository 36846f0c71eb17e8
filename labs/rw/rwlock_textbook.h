/* rwlock_textbook: the reader-preferring readers-writer lock of the
 * textbooks (Courtois, Heymans and Parnas, "Concurrent control with readers
 * and writers", CACM 1971, problem 1): a count of readers under a mutex, and
 * a binary semaphore |wrt| that the first reader in takes for all of them
 * and the last reader out gives back. A writer takes |wrt| alone.
 *
 * Correct - no reader ever overlaps a writer - and unfair by design: while
 * readers overlap, the count never returns to 0 and a waiting writer never
 * gets |wrt|. Written in the shape of labs/common/desc/rwlockd.h (its calls;
 * no info block), kept with the lab that teaches it (it is no lock to bench). Sync library semaphore
 * and mutex, process-shared with SYNC_PSHARED. */
#ifndef RACELAB_RWLOCK_TEXTBOOK_H
#define RACELAB_RWLOCK_TEXTBOOK_H

#include "desc/rwlockd.h"
#include "sync/mutex.h"
#include "sync/sem.h"

typedef struct {
    sync_mutex_t m;      /* guards |readers| */
    unsigned readers;    /* readers inside, under |m| */
    sync_sem_t wrt;      /* 1: free; 0: held by a writer or by the readers */
} rwlockd_textbook_t;

static inline int rwlockd_textbook_init(rwlockd_textbook_t *l, unsigned flags)
{
    int rc = sync_mutex_init(&l->m, flags);
    return rc != 0 ? rc : sync_sem_init(&l->wrt, 1, flags);
}
RWLOCKD_NO_FINI(textbook)

static inline void rwlockd_textbook_read_acquire(rwlockd_textbook_t *l)
{
    sync_mutex_lock(&l->m);
    if (++l->readers == 1)
        sync_sem_wait(&l->wrt);   /* the first reader in locks the writers out */
    sync_mutex_unlock(&l->m);
}

static inline void rwlockd_textbook_read_release(rwlockd_textbook_t *l)
{
    sync_mutex_lock(&l->m);
    if (--l->readers == 0)
        sync_sem_post(&l->wrt);   /* the last reader out lets a writer in */
    sync_mutex_unlock(&l->m);
}

static inline void rwlockd_textbook_write_acquire(rwlockd_textbook_t *l)
{
    sync_sem_wait(&l->wrt);
}

static inline void rwlockd_textbook_write_release(rwlockd_textbook_t *l)
{
    sync_sem_post(&l->wrt);
}
RWLOCKD_NO_TRY(textbook)

/* Its known reports (valgrind does not model sync/sem.h or sync/mutex.h) are the
 * variant's, labs/rw/textbook.c. */

#endif
