/* sync/src/mutex.c - slow paths of the futex mutex (see sync/mutex.h). */
#include "sync/mutex.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h> /* FUTEX_WAITERS, FUTEX_OWNER_DIED, FUTEX_TID_MASK */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Robust state words (see sync/mutex.h). */
#define SYNC__WAITERS ((uint32_t)FUTEX_WAITERS)
#define SYNC__OWNER_DIED ((uint32_t)FUTEX_OWNER_DIED)
#define SYNC__TID_MASK ((uint32_t)FUTEX_TID_MASK)
#define SYNC__NOTRECOVERABLE (SYNC__OWNER_DIED | SYNC__TID_MASK)

int sync_mutex_init(sync_mutex_t *m, unsigned flags)
{
    if (flags & ~(SYNC_PSHARED | SYNC_ROBUST | SYNC_MUTEX_CHECKED))
        return EINVAL;
    if (SYNC_CHECKS)
        flags |= SYNC_MUTEX_CHECKED;
    if (SYNC_ANN_RUNNING())
        flags |= SYNC__MUTEX_ANNOTATED;
    sync_store_u32(&m->state, 0, SYNC_RELAXED);
    sync_store_u32(&m->waiters, 0, SYNC_RELAXED);
    sync_store_u32(&m->owner, 0, SYNC_RELAXED);
    m->flags = flags;
    /* Every word is an atomic, and |flags| is constant from here on. */
    SYNC_ANN_LOCK_INIT(m, sizeof *m);
    return 0;
}

/* The caller's kernel thread id: the robust word holds it, and checked
 * mutexes record it in |owner|. Cached per thread: the system call would cost more
 * than the whole lock. fork() copies the cache into the child, whose one
 * thread has a new id, so the child drops it (a robust lock in the child
 * would otherwise write its parent's id). */
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

static void sync__mutex_set_owner(sync_mutex_t *m)
{
    /* Relaxed: only read back to catch misuse, never to synchronize. */
    sync_store_u32(&m->owner, sync__tid(), SYNC_RELAXED);
}

static void sync__mutex_check_unlock(sync_mutex_t *m)
{
    uint32_t owner = sync_load_u32(&m->owner, SYNC_RELAXED);
    if (owner == 0)
        sync__mutex_die(m, "unlock of a mutex that is not locked", owner);
    if (owner != sync__tid())
        sync__mutex_die(m, "unlock by a thread that does not hold it", owner);
    sync_store_u32(&m->owner, 0, SYNC_RELAXED);
}

static bool sync__mutex_trylock_robust(sync_mutex_t *m);
static void sync__mutex_unlock_robust(sync_mutex_t *m);

/* Never inlined, though the compiler may: they are the calls' out-of-line
 * halves, and inlined into the spin loop (which calls sync_mutex_trylock)
 * they would make that loop a different piece of code in a build with
 * annotations and one without, whose tests they hold there, for mutexes
 * that never take this path (notes/detectors.md). */
__attribute__((noinline)) bool sync__mutex_trylock_out(sync_mutex_t *m)
{
    if (m->flags & SYNC_ROBUST)
        return sync__mutex_trylock_robust(m);
    if (!sync__mutex_cas_free(m))
        return false;
    if (m->flags & SYNC_MUTEX_CHECKED)
        sync__mutex_set_owner(m);
    if (m->flags & SYNC__MUTEX_ANNOTATED)
        SYNC_ANN_LOCK_ACQUIRED(m, 1);
    return true;
}

__attribute__((noinline)) void sync__mutex_unlock_out(sync_mutex_t *m)
{
    if (m->flags & SYNC_ROBUST) {
        sync__mutex_unlock_robust(m);
        return;
    }
    if (m->flags & SYNC_MUTEX_CHECKED)
        sync__mutex_check_unlock(m);
    if (m->flags & SYNC__MUTEX_ANNOTATED)
        SYNC_ANN_LOCK_RELEASED(m, 1);   /* before the exchange that frees it */
    sync__mutex_release(m);
}

void sync__mutex_wake(sync_mutex_t *m)
{
    sync_futex_wake(&m->state, 1, m->flags);
}

static bool sync__bad_deadline(const struct timespec *abs_monotonic)
{
    return abs_monotonic != NULL &&
           (abs_monotonic->tv_nsec < 0 || abs_monotonic->tv_nsec >= 1000000000L);
}

/* Spins with doubling backoff while nobody sleeps, calling |acquire| each
 * time the word reads free; true once it succeeded. If threads already
 * sleep, the lock is busy for long stretches and spinning only burns the CPU
 * its holder needs. Both modes share it; only their acquire differs. */
static bool sync__spin_acquire(sync_mutex_t *m, bool (*acquire)(sync_mutex_t *, uint32_t),
                               uint32_t self)
{
    for (unsigned spent = 0, backoff = 1; spent < SYNC__MUTEX_SPIN;
         spent += backoff, backoff <<= 1) {
        for (unsigned i = 0; i < backoff; i++)
            sync_cpu_relax();
        if (sync_load_u32(&m->waiters, SYNC_RELAXED) != 0)
            return false;
        if (sync_load_u32(&m->state, SYNC_RELAXED) == 0 && acquire(m, self))
            return true;
    }
    return false;
}

/* Sets the owner of a checked mutex itself (through the out-of-line
 * trylock). */
static bool sync__plain_acquire(sync_mutex_t *m, uint32_t self)
{
    (void)self;
    return sync_mutex_trylock(m);
}

/* sync_mutex_timedlock() of a non-robust mutex. */
static int sync__mutex_timedlock_plain(sync_mutex_t *m, const struct timespec *abs_monotonic)
{
    if (sync_mutex_trylock(m))
        return 0;
    bool checked = (m->flags & SYNC_MUTEX_CHECKED) != 0;
    if (checked && sync_load_u32(&m->owner, SYNC_RELAXED) == sync__tid())
        sync__mutex_die(m, "relock by its holder would deadlock", sync__tid());
    if (sync__bad_deadline(abs_monotonic))
        return EINVAL;
    if (sync__spin_acquire(m, sync__plain_acquire, 0))
        return 0;

    int ret = 0;
    /* Seq_cst: the increment must precede our exchange below in the single
     * total order, see the Dekker pair in sync__mutex_release(). */
    sync_fetch_add_u32(&m->waiters, 1, SYNC_SEQ_CST);
    /* Exchange to 2 takes the lock if it was free, and otherwise marks it
     * "maybe sleepers" so its unlock looks at |waiters|. We cannot restore 1
     * when we take it: other sleepers may exist. Acquire (in seq_cst): pairs
     * with the release exchange in sync__mutex_release(). */
    while (sync_exchange_u32(&m->state, 2, SYNC_SEQ_CST) != 0) {
        /* Sleeps only while the word is still 2: an unlock between our
         * exchange and the kernel's check makes this return EAGAIN. EINTR
         * and EAGAIN loop with the same absolute deadline; ETIMEDOUT (at
         * once for tv_sec < 0) and EINVAL (checked above) end the wait. */
        int r = sync_futex_wait(&m->state, 2, abs_monotonic, m->flags);
        if (r == ETIMEDOUT || r == EINVAL) {
            ret = r;
            break;
        }
    }
    /* Relaxed: a late decrement only costs an unlock a needless wake call. */
    sync_fetch_sub_u32(&m->waiters, 1, SYNC_RELAXED);
    if (ret == 0 && (m->flags & SYNC__MUTEX_ANNOTATED))
        SYNC_ANN_LOCK_ACQUIRED(m, 1);   /* by the exchange above */
    if (checked && ret == 0)
        sync__mutex_set_owner(m);
    return ret;
}

int sync_mutex_timedlock(sync_mutex_t *m, const struct timespec *abs_monotonic)
{
    if (m->flags & SYNC_ROBUST)
        return sync_mutex_timedlock_robust(m, abs_monotonic);
    return sync__mutex_timedlock_plain(m, abs_monotonic);
}

void sync__mutex_lock_slow(sync_mutex_t *m)
{
    if (!(m->flags & SYNC_ROBUST)) {
        (void)sync__mutex_timedlock_plain(m, NULL);
        return;
    }
    int r = sync_mutex_timedlock_robust(m, NULL);
    if (r == EOWNERDEAD)
        sync__mutex_die(m, "its holder died and sync_mutex_lock() cannot say so "
                           "(use sync_mutex_lock_robust)", sync__tid());
    if (r != 0)
        sync__mutex_die(m, "not recoverable (unlocked after EOWNERDEAD without "
                           "sync_mutex_consistent)", 0);
}

/* ---- robust mode ------------------------------------------------------- */

static bool sync__ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* True if /proc describes our PID namespace: a /proc mounted from another
 * one would name other processes under the same numbers. */
static bool sync__proc_is_ours(void)
{
    char link[32];
    ssize_t n = readlink("/proc/self", link, sizeof link - 1);
    if (n <= 0)
        return false;
    link[n] = '\0';
    return strtol(link, NULL, 10) == (long)getpid();
}

/* True if thread |tid| no longer runs: the kernel knows no such thread, or it
 * is a zombie. kill() alone is not enough: a process killed holding the lock
 * stays a zombie until its parent reaps it, and kill(pid, 0) succeeds on a
 * zombie; a parent that reaps only after locking would wait for ever. On
 * Linux kill() accepts any thread id (it signals that thread's process), and
 * /proc/<tid> exists for every thread, listed or not. /proc is asked only
 * when kill() succeeded (for another user's process, EPERM, a hidepid mount
 * could hide a live one) and when it is our namespace's; otherwise a zombie
 * looks alive until reaped, the safe mistake. Keeps errno. */
static bool sync__thread_gone(uint32_t tid)
{
    int saved = errno;
    bool gone = false;
    if (kill((pid_t)tid, 0) == -1) {
        gone = errno == ESRCH;
    } else if (sync__proc_is_ours()) {
        char path[32], buf[128];
        snprintf(path, sizeof path, "/proc/%u/stat", tid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            gone = errno == ENOENT || errno == ESRCH; /* reaped meanwhile */
        } else {
            /* "tid (comm) S ...": comm may hold ')' itself, the fields after
             * it never do, and 128 bytes reach past the state letter. */
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            if (n > 0) {
                buf[n] = '\0';
                const char *p = strrchr(buf, ')');
                gone = p != NULL && p[1] == ' ' &&
                       (p[2] == 'Z' || p[2] == 'X' || p[2] == 'x');
            }
        }
    }
    errno = saved;
    return gone;
}

static bool sync__robust_cas_free(sync_mutex_t *m, uint32_t self)
{
    uint32_t unlocked = 0;
    /* Acquire: pairs with the release exchange in sync__mutex_unlock_robust(). */
    if (!sync_cas_u32(&m->state, &unlocked, self, SYNC_ACQUIRE, SYNC_RELAXED))
        return false;
    SYNC_ANN_LOCK_ACQUIRED(m, 1);
    return true;
}

static bool sync__mutex_trylock_robust(sync_mutex_t *m)
{
    return sync__robust_cas_free(m, sync__tid());
}

/* A robust waiter's two clocks: the next check of the holder, and the
 * caller's deadline. The poll deadline is absolute and kept across EINTR,
 * EAGAIN and wake-ups that did not get the lock: recomputed on every pass, a
 * waiter whose thread receives signals more often than once per period
 * (coros-preempt ticks, a profiler's SIGPROF) would never check. */
struct sync__robust_clock {
    struct timespec poll;                /* check the holder when this passes */
    const struct timespec *deadline;     /* the caller's, or NULL */
    bool check_owner;                    /* a poll period (or the deadline) passed */
    bool expired;                        /* the caller's deadline passed */
};

static void sync__robust_clock_init(struct sync__robust_clock *c, const struct timespec *abs)
{
    sync_deadline_after_ns(&c->poll, SYNC_MUTEX_ROBUST_POLL_NS);
    c->deadline = abs;
    /* Before the epoch is past: look at the holder once, never sleep. */
    c->expired = abs != NULL && abs->tv_sec < 0;
    c->check_owner = c->expired;
}

/* The absolute time the next futex wait may sleep until. */
static const struct timespec *sync__robust_until(const struct sync__robust_clock *c)
{
    if (c->deadline != NULL && !sync__ts_before(&c->poll, c->deadline))
        return c->deadline;
    return &c->poll;
}

/* After a futex wait that returned |r|: what time it is decides, not why
 * the wait ended. */
static void sync__robust_clock_after(struct sync__robust_clock *c, int r)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (r == ETIMEDOUT || !sync__ts_before(&now, &c->poll)) {
        c->check_owner = true;
        sync_deadline_after_ns(&c->poll, SYNC_MUTEX_ROBUST_POLL_NS);
    }
    if (c->deadline != NULL && !sync__ts_before(&now, c->deadline))
        c->expired = c->check_owner = true;
}

/* The sleeping part of the robust slow path. Call with |waiters| counted. */
static int sync__robust_wait(sync_mutex_t *m, uint32_t self,
                             const struct timespec *abs_monotonic)
{
    struct sync__robust_clock clk;
    sync__robust_clock_init(&clk, abs_monotonic);
    /* Seq_cst, as every re-read below: after our increment of |waiters| in
     * the single total order, so an unlock that missed the increment is
     * seen here (the Dekker pair in sync__mutex_unlock_robust()). */
    uint32_t w = sync_load_u32(&m->state, SYNC_SEQ_CST);
    for (;;) {
        if (w == 0) {
            /* Taken with WAITERS set: other sleepers may exist, as with state 2.
             * Acquire (in seq_cst): pairs with the release exchange in
             * sync__mutex_unlock_robust(). */
            if (sync_cas_u32(&m->state, &w, self | SYNC__WAITERS, SYNC_SEQ_CST, SYNC_RELAXED))
                return 0;
            continue;
        }
        if ((w & ~SYNC__WAITERS) == SYNC__NOTRECOVERABLE)
            return ENOTRECOVERABLE;
        uint32_t owner = w & SYNC__TID_MASK;
        if (owner == self)
            sync__mutex_die(m, "relock by its holder would deadlock", owner);
        if (clk.check_owner) {
            clk.check_owner = false;
            if (sync__thread_gone(owner)) {
                /* From exactly the word we looked at: of all the waiters that
                 * found the same dead holder, one wins and the others see our
                 * id. WAITERS stays: others may sleep. Acquire: pairs with the
                 * release exchange of the unlock before the dead holder's lock
                 * (that holder's CAS and the WAITERS CASes since are RMWs, so
                 * they continue its release sequence). */
                if (sync_cas_u32(&m->state, &w, self | SYNC__OWNER_DIED | SYNC__WAITERS,
                                 SYNC_ACQUIRE, SYNC_RELAXED))
                    return EOWNERDEAD;
                continue;
            }
        }
        if (clk.expired)
            return ETIMEDOUT;
        if (!(w & SYNC__WAITERS)) {
            /* Seq_cst: the other half of the Dekker pair: the unlock's
             * exchange either returns WAITERS (and then sees our increment)
             * or makes this CAS fail. */
            if (!sync_cas_u32(&m->state, &w, w | SYNC__WAITERS, SYNC_SEQ_CST, SYNC_RELAXED))
                continue;
            w |= SYNC__WAITERS;
        }
        /* Sleeps only while the word is still |w|. */
        int r = sync_futex_wait(&m->state, w, sync__robust_until(&clk), m->flags);
        if (r == EINVAL)
            return EINVAL; /* the deadline was checked: not expected, never spun on */
        sync__robust_clock_after(&clk, r);
        w = sync_load_u32(&m->state, SYNC_SEQ_CST);
    }
}

int sync_mutex_timedlock_robust(sync_mutex_t *m, const struct timespec *abs_monotonic)
{
    if (!(m->flags & SYNC_ROBUST))
        sync__mutex_die(m, "robust lock of a mutex initialised without SYNC_ROBUST", 0);
    uint32_t self = sync__tid();
    if (sync__robust_cas_free(m, self))
        return 0;
    if ((sync_load_u32(&m->state, SYNC_RELAXED) & ~SYNC__WAITERS) == SYNC__NOTRECOVERABLE)
        return ENOTRECOVERABLE;
    if (sync__bad_deadline(abs_monotonic))
        return EINVAL;
    if (sync__spin_acquire(m, sync__robust_cas_free, self))
        return 0;

    /* Seq_cst: the increment must precede our CAS that sets WAITERS in the
     * single total order, see the Dekker pair in sync__mutex_unlock_robust(). */
    sync_fetch_add_u32(&m->waiters, 1, SYNC_SEQ_CST);
    int ret = sync__robust_wait(m, self, abs_monotonic);
    /* Relaxed: a late decrement only costs an unlock a needless wake call. */
    sync_fetch_sub_u32(&m->waiters, 1, SYNC_RELAXED);
    if (ret == 0 || ret == EOWNERDEAD)
        SYNC_ANN_LOCK_ACQUIRED(m, 1);
    return ret;
}

int sync_mutex_lock_robust(sync_mutex_t *m)
{
    return sync_mutex_timedlock_robust(m, NULL);
}

int sync_mutex_consistent(sync_mutex_t *m)
{
    if (!(m->flags & SYNC_ROBUST))
        return EINVAL;
    uint32_t self = sync__tid();
    uint32_t w = sync_load_u32(&m->state, SYNC_RELAXED);
    do {
        if ((w & SYNC__TID_MASK) != self || !(w & SYNC__OWNER_DIED))
            return EINVAL;
        /* Relaxed: the bit means something only to its holder (this thread,
         * whose unlock reads it later); the loop is for waiters setting
         * WAITERS meanwhile. */
    } while (!sync_cas_u32(&m->state, &w, w & ~SYNC__OWNER_DIED, SYNC_RELAXED, SYNC_RELAXED));
    return 0;
}

static void sync__mutex_unlock_robust(sync_mutex_t *m)
{
    uint32_t self = sync__tid();
    /* Relaxed: what decides below (holder, OWNER_DIED) only the holder
     * changes, and that is us; waiters may add WAITERS, which the exchange
     * returns. */
    uint32_t w = sync_load_u32(&m->state, SYNC_RELAXED);
    if ((w & SYNC__TID_MASK) != self)
        sync__mutex_die(m, w == 0 ? "unlock of a mutex that is not locked"
                                  : "unlock by a thread that does not hold it",
                        w & SYNC__TID_MASK);
    uint32_t next = (w & SYNC__OWNER_DIED) ? SYNC__NOTRECOVERABLE : 0;
    SYNC_ANN_LOCK_RELEASED(m, 1);
    /* Release: pairs with the acquire CAS that takes the lock next. Seq_cst,
     * with the load of |waiters|: a Dekker pair with the slow path's seq_cst
     * increment of |waiters| then its CAS that sets WAITERS (or takes the
     * lock). Either the exchange returns WAITERS and the load sees the
     * increment, or that CAS fails and the waiter looks again. */
    uint32_t old = sync_exchange_u32(&m->state, next, SYNC_SEQ_CST);
    if (next == SYNC__NOTRECOVERABLE) {
        /* Once, for ever: every sleeper must wake to hear it. */
        sync_futex_wake(&m->state, INT_MAX, m->flags);
        return;
    }
    if ((old & SYNC__WAITERS) && sync_load_u32(&m->waiters, SYNC_SEQ_CST) != 0)
        sync__mutex_wake(m);
}
