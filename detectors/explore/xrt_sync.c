/* detectors/explore/xrt_sync.c - green-thread rwlocks, barriers and once
 * (see xrt_pthread.c for the conventions: every call a point, the state in
 * the program's own object, so that all-zero static initializers work).
 *
 * pthread_rwlock_t: the writer (thread + 1, 0 none), the number of read
 * holds, and each thread's read holds as a 2-bit count spread over two
 * masks (a thread may hold a read lock up to 3 times). Readers are
 * preferred, as in glibc's default: a read lock is taken whenever no writer
 * holds it, a write lock when nobody does. A blocked locker is disabled.
 * The timed and clock locks may time out at any point: they are the try
 * locks' steps (TRYRDLOCK, TRYWRLOCK: enabled all along, taking the lock if
 * it is free when chosen), failing with ETIMEDOUT instead of EBUSY.
 * pthread_barrier_t: its count, the arrivals so far and the round. An
 * arrival is a point; the last one of a round gets
 * PTHREAD_BARRIER_SERIAL_THREAD and wakes the others, which were blocked
 * (disabled) and go on invisibly, with a happens-before edge from every
 * arrival (a join event: xrt_event).
 * pthread_once_t (an int): 0 not run, 1 done, 2 + t while thread t runs the
 * function. Entering is a point (ONCE), disabled while another thread runs
 * it; the runner ends with a point (ONCE_END) that the later entries
 * acquire: a happens-before edge from the function to every caller. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "xrt.h"

#define XRT_PC ((uintptr_t)__builtin_return_address(0))

struct xrt_rwlock_word {
    unsigned writer, nread;
    uint64_t rlo, rhi;           /* thread t's read holds: bit t of rlo + 2 * bit t of rhi */
};

struct xrt_barrier_word {
    unsigned count, arrived, round;
};

_Static_assert(sizeof(struct xrt_rwlock_word) <= sizeof(pthread_rwlock_t), "rwlock layout");
_Static_assert(sizeof(struct xrt_barrier_word) <= sizeof(pthread_barrier_t), "barrier layout");

static struct xrt_rwlock_word *xrt__rw(const void *l)
{
    return (struct xrt_rwlock_word *)l;
}

static unsigned xrt__reads(const struct xrt_rwlock_word *w, int t)
{
    return (unsigned)((w->rlo >> t & 1) | (w->rhi >> t & 1) << 1);
}

static void xrt__set_reads(struct xrt_rwlock_word *w, int t, unsigned n)
{
    uint64_t bit = 1ull << t;
    w->rlo = (w->rlo & ~bit) | ((n & 1) ? bit : 0);
    w->rhi = (w->rhi & ~bit) | ((n & 2) ? bit : 0);
}

bool xrt_sync_enabled(const struct xrt_thread *t)
{
    if (t->op == XRT_OP_FWOKEN)   /* a futex sleeper (xrt_futex.c) */
        return t->signaled || t->timed;
    if (t->op == XRT_OP_ONCE)
        return *(const volatile int *)t->addr < 2;
    const struct xrt_rwlock_word *w = xrt__rw((const void *)t->addr);
    return w->writer == 0 && (t->op == XRT_OP_RDLOCK || w->nread == 0);
}

int xrt_wanted_owner(const struct xrt_thread *t)
{
    if (t->op == XRT_OP_LOCK || t->op == XRT_OP_WAKE) {
        unsigned own = xrt_mutex_owner(t->op == XRT_OP_WAKE ? t->addr2 : t->addr);
        return own ? (int)own - 1 : -1;
    }
    if (t->op == XRT_OP_ONCE) {
        int st = *(const volatile int *)t->addr;
        return st >= 2 ? st - 2 : -1;
    }
    if (t->op != XRT_OP_RDLOCK && t->op != XRT_OP_WRLOCK)
        return -1;
    const struct xrt_rwlock_word *w = xrt__rw((const void *)t->addr);
    if (w->writer)
        return (int)w->writer - 1;
    uint64_t readers = w->rlo | w->rhi;
    return readers ? __builtin_ctzll(readers) : -1;
}

bool xrt_holds(int i, int tid)
{
    uintptr_t m = xrt_r.mutexes[i];
    if (xrt_r.mutex_kind[i] == XRT_KIND_MUTEX)
        return xrt_mutex_owner(m) == (unsigned)tid + 1;
    const struct xrt_rwlock_word *w = xrt__rw((const void *)m);
    return w->writer == (unsigned)tid + 1 || xrt__reads(w, tid) > 0;
}

/* The try operations record whether they took the lock (the race scan's
 * edge is only for a success). */
static void xrt__took(bool ok)
{
    if (!xrt_active)
        return;
    struct xrt_step *s = &xrt_shm->steps[xrt_r.step - 1];
    s->value = ok;
    s->known = 1;
}

int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a)
{
    (void)a;
    memset(l, 0, sizeof *l);
    return 0;
}

int pthread_rwlock_destroy(pthread_rwlock_t *l)
{
    const struct xrt_rwlock_word *w = xrt__rw(l);
    return w->writer || w->nread ? EBUSY : 0;
}

static void xrt__add_read(struct xrt_rwlock_word *w)
{
    int me = xrt_r.cur;
    unsigned n = xrt__reads(w, me);
    if (n == 3)
        xrt_fail(XRT_ST_UNSUPPORTED, "pthread_rwlock_rdlock: a thread holds one rwlock for "
                 "reading more than 3 times");
    xrt__set_reads(w, me, n + 1);
    w->nread++;
}

int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
    struct xrt_rwlock_word *w = xrt__rw(l);
    if (w->writer == (unsigned)xrt_r.cur + 1)
        return EDEADLK;
    xrt_lock_seen((uintptr_t)l, XRT_KIND_RWLOCK);
    xrt_point(XRT_OP_RDLOCK, (uintptr_t)l, 0, XRT_PC);   /* enabled: no writer */
    xrt__add_read(w);
    return 0;
}

static int xrt__tryrdlock(pthread_rwlock_t *l, int busy, uintptr_t pc)
{
    struct xrt_rwlock_word *w = xrt__rw(l);
    if (busy == ETIMEDOUT && w->writer == (unsigned)xrt_r.cur + 1)
        return EDEADLK;
    xrt_lock_seen((uintptr_t)l, XRT_KIND_RWLOCK);
    xrt_point(XRT_OP_TRYRDLOCK, (uintptr_t)l, 0, pc);
    xrt__took(w->writer == 0);
    if (w->writer != 0)
        return busy;
    xrt__add_read(w);
    return 0;
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
    return xrt__tryrdlock(l, EBUSY, XRT_PC);
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t)
{
    (void)t;
    return xrt__tryrdlock(l, ETIMEDOUT, XRT_PC);
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t c, const struct timespec *t)
{
    (void)c, (void)t;
    return xrt__tryrdlock(l, ETIMEDOUT, XRT_PC);
}

int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
    struct xrt_rwlock_word *w = xrt__rw(l);
    if (w->writer == (unsigned)xrt_r.cur + 1)
        return EDEADLK;
    xrt_lock_seen((uintptr_t)l, XRT_KIND_RWLOCK);
    xrt_point(XRT_OP_WRLOCK, (uintptr_t)l, 0, XRT_PC);   /* enabled: nobody holds it */
    w->writer = (unsigned)xrt_r.cur + 1;
    return 0;
}

static int xrt__trywrlock(pthread_rwlock_t *l, int busy, uintptr_t pc)
{
    struct xrt_rwlock_word *w = xrt__rw(l);
    if (busy == ETIMEDOUT && w->writer == (unsigned)xrt_r.cur + 1)
        return EDEADLK;
    xrt_lock_seen((uintptr_t)l, XRT_KIND_RWLOCK);
    xrt_point(XRT_OP_TRYWRLOCK, (uintptr_t)l, 0, pc);
    bool ok = w->writer == 0 && w->nread == 0;
    xrt__took(ok);
    if (!ok)
        return busy;
    w->writer = (unsigned)xrt_r.cur + 1;
    return 0;
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
    return xrt__trywrlock(l, EBUSY, XRT_PC);
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *t)
{
    (void)t;
    return xrt__trywrlock(l, ETIMEDOUT, XRT_PC);
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t c, const struct timespec *t)
{
    (void)c, (void)t;
    return xrt__trywrlock(l, ETIMEDOUT, XRT_PC);
}

int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
    struct xrt_rwlock_word *w = xrt__rw(l);
    int me = xrt_r.cur;
    if (w->writer == (unsigned)me + 1) {
        xrt_point(XRT_OP_UNLOCK, (uintptr_t)l, 0, XRT_PC);
        w->writer = 0;
        return 0;
    }
    unsigned n = xrt__reads(w, me);
    if (n == 0)
        return EPERM;
    xrt_point(XRT_OP_RDUNLOCK, (uintptr_t)l, 0, XRT_PC);
    xrt__set_reads(w, me, n - 1);
    w->nread--;
    return 0;
}

int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned count)
{
    (void)a;
    if (count == 0)
        return EINVAL;
    memset(b, 0, sizeof *b);
    ((struct xrt_barrier_word *)b)->count = count;
    return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
    return ((struct xrt_barrier_word *)b)->arrived ? EBUSY : 0;
}

/* The last arrival: every thread blocked on |b| goes on, after it. */
static void xrt__barrier_release(uintptr_t b)
{
    int me = xrt_r.cur;
    for (int i = 0; i < xrt_r.nthreads; i++)
        if (xrt_r.t[i].state == XRT_BARRIER && xrt_r.t[i].addr == b) {
            xrt_event(true, i, me);
            xrt_resume(i);
        }
}

int pthread_barrier_wait(pthread_barrier_t *b)
{
    struct xrt_barrier_word *w = (struct xrt_barrier_word *)b;
    xrt_point(XRT_OP_BARRIER, (uintptr_t)b, 0, XRT_PC);
    if (++w->arrived >= w->count) {
        w->arrived = 0;
        w->round++;
        xrt__took(true);
        xrt__barrier_release((uintptr_t)b);
        return PTHREAD_BARRIER_SERIAL_THREAD;
    }
    xrt__took(false);
    if (!xrt_active)
        xrt_fail(XRT_ST_UNSUPPORTED, "pthread_barrier_wait before main");
    struct xrt_thread *self = &xrt_r.t[xrt_r.cur];
    self->state = XRT_BARRIER;
    self->addr = (uintptr_t)b;
    xrt_block();
    return 0;
}

int pthread_once(pthread_once_t *once, void (*fn)(void))
{
    volatile int *st = (volatile int *)once;
    if (!xrt_active) {   /* a constructor: one thread */
        if (*st == 0) {
            *st = 1;
            fn();
        }
        return 0;
    }
    xrt_point(XRT_OP_ONCE, (uintptr_t)once, 0, XRT_PC);   /* enabled: nobody runs it */
    if (*st == 1)
        return 0;
    *st = 2 + xrt_r.cur;
    fn();
    xrt_point(XRT_OP_ONCE_END, (uintptr_t)once, 0, XRT_PC);
    *st = 1;
    return 0;
}
