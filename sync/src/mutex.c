/* sync/src/mutex.c - slow paths of the futex mutex (see sync/mutex.h). */
#include "sync/mutex.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Spin budget before sleeping, in pause hints (about 26 ns each on the
 * reference machine: 512 is about 13 us). A futex sleep and wake-up costs
 * tens of microseconds on a VM and most critical sections are far shorter,
 * so a short spin usually finds the lock free and saves both system calls.
 * The spin looks at |state| after 1, 2, 4, ... pauses: looking is a read of
 * the line the holder keeps writing, and every look costs the holder a cache
 * miss, so the longer the lock stays busy the less often we look. (Polling
 * at a fixed rate made 2 threads x 1e6 run at 20-30 ns per lock/unlock here;
 * with the doubling, 6-8 ns, against about 20 for glibc's pthread_mutex,
 * which does not spin.) */
#ifndef SYNC__MUTEX_SPIN
#define SYNC__MUTEX_SPIN 512u
#endif

int sync_mutex_init(sync_mutex_t *m, unsigned flags)
{
    if (flags & ~SYNC_PSHARED)
        return EINVAL;
    sync_store_u32(&m->state, 0, SYNC_RELAXED);
    sync_store_u32(&m->waiters, 0, SYNC_RELAXED);
    sync_store_u32(&m->owner, 0, SYNC_RELAXED);
    m->flags = flags;
    return 0;
}

/* The caller's kernel thread id (debug builds only). Cached per thread: the
 * system call would cost more than the whole lock. fork() copies the cache
 * into the child, whose one thread has a new id, so the child drops it. */
static _Thread_local uint32_t sync__tid_cache;
static pthread_once_t sync__tid_once = PTHREAD_ONCE_INIT;

static void sync__tid_atfork_child(void)
{
    sync__tid_cache = 0;
}

static void sync__tid_init(void)
{
    pthread_atfork(NULL, NULL, sync__tid_atfork_child);
}

static uint32_t sync__tid(void)
{
    if (sync__tid_cache == 0) {
        pthread_once(&sync__tid_once, sync__tid_init);
        sync__tid_cache = (uint32_t)syscall(SYS_gettid);
    }
    return sync__tid_cache;
}

static void sync__mutex_die(const sync_mutex_t *m, const char *what, uint32_t owner)
{
    fprintf(stderr, "sync_mutex %p: %s (holder tid %u, caller tid %u)\n",
            (const void *)m, what, owner, sync__tid());
    abort();
}

void sync__mutex_set_owner(sync_mutex_t *m)
{
    /* Relaxed: only read back to catch misuse, never to synchronize. */
    sync_store_u32(&m->owner, sync__tid(), SYNC_RELAXED);
}

void sync__mutex_check_unlock(sync_mutex_t *m)
{
    uint32_t owner = sync_load_u32(&m->owner, SYNC_RELAXED);
    if (owner == 0)
        sync__mutex_die(m, "unlock of a mutex that is not locked", owner);
    if (owner != sync__tid())
        sync__mutex_die(m, "unlock by a thread that does not hold it", owner);
    sync_store_u32(&m->owner, 0, SYNC_RELAXED);
}

void sync__mutex_wake(sync_mutex_t *m)
{
    sync_futex_wake(&m->state, 1, m->flags);
}

int sync_mutex_timedlock(sync_mutex_t *m, const struct timespec *abs_monotonic)
{
    if (sync_mutex_trylock(m))
        return 0;
#ifndef NDEBUG
    if (sync_load_u32(&m->owner, SYNC_RELAXED) == sync__tid())
        sync__mutex_die(m, "relock by its holder would deadlock", sync__tid());
#endif
    if (abs_monotonic != NULL &&
        (abs_monotonic->tv_nsec < 0 || abs_monotonic->tv_nsec >= 1000000000L))
        return EINVAL;

    /* Spin while nobody sleeps: if threads already sleep, the lock is busy
     * for long stretches and spinning only burns the CPU its holder needs. */
    for (unsigned spent = 0, backoff = 1; spent < SYNC__MUTEX_SPIN;
         spent += backoff, backoff <<= 1) {
        for (unsigned i = 0; i < backoff; i++)
            sync_cpu_relax();
        if (sync_load_u32(&m->waiters, SYNC_RELAXED) != 0)
            break;
        if (sync_load_u32(&m->state, SYNC_RELAXED) == 0 && sync_mutex_trylock(m))
            return 0;
    }

    int ret = 0;
    /* Seq_cst: the increment must precede our exchange below in the single
     * total order, see the Dekker pair in sync_mutex_unlock(). */
    sync_fetch_add_u32(&m->waiters, 1, SYNC_SEQ_CST);
    /* Exchange to 2 takes the lock if it was free, and otherwise marks it
     * "maybe sleepers" so its unlock looks at |waiters|. We cannot restore 1
     * when we take it: other sleepers may exist. Acquire (in seq_cst): pairs
     * with the release exchange in sync_mutex_unlock(). */
    while (sync_exchange_u32(&m->state, 2, SYNC_SEQ_CST) != 0) {
        /* Sleeps only while the word is still 2: an unlock between our
         * exchange and the kernel's check makes this return EAGAIN. */
        if (sync_futex_wait(&m->state, 2, abs_monotonic, m->flags) == ETIMEDOUT) {
            ret = ETIMEDOUT;
            break;
        }
    }
    /* Relaxed: a late decrement only costs an unlock a needless wake call. */
    sync_fetch_sub_u32(&m->waiters, 1, SYNC_RELAXED);
#ifndef NDEBUG
    if (ret == 0)
        sync__mutex_set_owner(m);
#endif
    return ret;
}
