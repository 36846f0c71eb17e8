/* detectors/explore/xrt_pthread.c - green-thread pthreads: the calls a
 * program makes, taken over by the explorer (every one a point but create,
 * join, exit and self; see xrt_sched.c; rwlocks, barriers and once are in
 * xrt_sync.c).
 *
 * Objects keep their state in the program's own pthread_mutex_t, cond and
 * sem_t, so static initializers (all zero bits) work: a mutex's first word
 * is its owner (thread + 1, 0 free), its second the recursion depth, and its
 * kind is read where glibc's pthread_mutex_init and the
 * PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP put it (x86-64 glibc layout). A
 * condition variable holds nothing: its waiters are the threads whose
 * pending operation is WAKE on it, woken in FIFO order; no spurious wakeups.
 * A timed wait may time out at any point (its WAKE is enabled as soon as the
 * mutex is free). sleep, usleep and nanosleep are yields. A spinlock (an
 * int) is a mutex without kinds: its word is the owner; a spinner waits as a
 * mutex locker does, disabled, and is in the deadlock report. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xrt.h"
#include "xrt_tls.h"

#define XRT_PC ((uintptr_t)__builtin_return_address(0))

struct xrt_mutex_word {
    unsigned owner, depth, unused[2];
    int kind;
};

unsigned xrt_mutex_owner(uintptr_t m)
{
    return ((const struct xrt_mutex_word *)m)->owner;
}

static struct xrt_thread *xrt__self(void)
{
    return &xrt_r.t[xrt_r.cur];
}

int pthread_create(pthread_t *thr, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    (void)attr;
    if (xrt_tls_own((uintptr_t)arg))   /* the new thread would see its own copy there */
        xrt_fail(XRT_ST_UNSUPPORTED, "pthread_create: the argument points to a thread-local "
                 "variable of the creating thread (each green thread has its own copy at "
                 "the same address)");
    int me = xrt_r.cur;
    int id = xrt_spawn(fn, arg);
    xrt_event(false, me, id);
    *thr = (pthread_t)id;
    return 0;
}

int pthread_join(pthread_t thr, void **ret)
{
    int me = xrt_r.cur;
    if (thr >= (pthread_t)xrt_r.nthreads || (int)thr == me)
        return thr >= (pthread_t)xrt_r.nthreads ? ESRCH : EDEADLK;
    struct xrt_thread *t = &xrt_r.t[thr];
    if (t->state != XRT_DONE) {
        xrt_r.t[me].state = XRT_JOINING;
        xrt_r.t[me].join_on = (int)thr;
        xrt_r.t[me].pc = XRT_PC;   /* where it waits, for --tty (xrt_tty.c) */
        xrt_block();
    }
    xrt_event(true, me, (int)thr);
    if (ret != NULL)
        *ret = t->ret;
    return 0;
}

void pthread_exit(void *ret)
{
    xrt_thread_exit(ret);
}

pthread_t pthread_self(void)
{
    return (pthread_t)xrt_r.cur;
}

int pthread_equal(pthread_t a, pthread_t b)
{
    return a == b;
}

int pthread_detach(pthread_t thr)
{
    if (thr >= (pthread_t)xrt_r.nthreads)
        return ESRCH;
    xrt_r.t[thr].detached = true;
    return 0;
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
    int kind = PTHREAD_MUTEX_NORMAL;
    if (a != NULL)
        pthread_mutexattr_gettype(a, &kind);
    memset(m, 0, sizeof *m);
    ((struct xrt_mutex_word *)m)->kind = kind;
    return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
    return xrt_mutex_owner((uintptr_t)m) ? EBUSY : 0;
}

static bool xrt__relock(pthread_mutex_t *m)
{
    struct xrt_mutex_word *w = (struct xrt_mutex_word *)m;
    if (w->owner != (unsigned)xrt_r.cur + 1 || (w->kind & 3) != PTHREAD_MUTEX_RECURSIVE)
        return false;
    w->depth++;
    return true;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
    if (xrt__relock(m))
        return 0;
    xrt_mutex_seen((uintptr_t)m);
    xrt_point(XRT_OP_LOCK, (uintptr_t)m, 0, XRT_PC);
    ((struct xrt_mutex_word *)m)->owner = (unsigned)xrt_r.cur + 1;   /* enabled: it was free */
    return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
    if (xrt__relock(m))
        return 0;
    xrt_mutex_seen((uintptr_t)m);
    xrt_point(XRT_OP_TRYLOCK, (uintptr_t)m, 0, XRT_PC);
    struct xrt_mutex_word *w = (struct xrt_mutex_word *)m;
    if (w->owner != 0)
        return EBUSY;
    w->owner = (unsigned)xrt_r.cur + 1;
    return 0;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
    struct xrt_mutex_word *w = (struct xrt_mutex_word *)m;
    if (w->owner != (unsigned)xrt_r.cur + 1)
        return EPERM;
    if (w->depth > 0) {
        w->depth--;
        return 0;
    }
    xrt_point(XRT_OP_UNLOCK, (uintptr_t)m, 0, XRT_PC);
    w->owner = 0;
    return 0;
}

int pthread_spin_init(pthread_spinlock_t *l, int pshared)
{
    (void)pshared;
    *(volatile unsigned *)l = 0;
    return 0;
}

int pthread_spin_destroy(pthread_spinlock_t *l)
{
    return xrt_mutex_owner((uintptr_t)l) ? EBUSY : 0;
}

int pthread_spin_lock(pthread_spinlock_t *l)
{
    xrt_mutex_seen((uintptr_t)l);
    xrt_point(XRT_OP_LOCK, (uintptr_t)l, 0, XRT_PC);   /* enabled: it was free */
    *(volatile unsigned *)l = (unsigned)xrt_r.cur + 1;
    return 0;
}

int pthread_spin_trylock(pthread_spinlock_t *l)
{
    xrt_mutex_seen((uintptr_t)l);
    xrt_point(XRT_OP_TRYLOCK, (uintptr_t)l, 0, XRT_PC);
    if (*(volatile unsigned *)l != 0)
        return EBUSY;
    *(volatile unsigned *)l = (unsigned)xrt_r.cur + 1;
    return 0;
}

/* As glibc's: whoever calls it frees the lock. */
int pthread_spin_unlock(pthread_spinlock_t *l)
{
    xrt_point(XRT_OP_UNLOCK, (uintptr_t)l, 0, XRT_PC);
    *(volatile unsigned *)l = 0;
    return 0;
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a)
{
    (void)a;
    memset(c, 0, sizeof *c);
    return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
    (void)c;
    return 0;
}

/* WAIT releases the mutex; the thread sleeps until signalled (or, timed,
 * until it is chosen) and WAKE takes the mutex back. */
static int xrt__cond_wait(pthread_cond_t *c, pthread_mutex_t *m, bool timed, uintptr_t pc)
{
    struct xrt_mutex_word *w = (struct xrt_mutex_word *)m;
    if (w->owner != (unsigned)xrt_r.cur + 1)
        return EPERM;
    struct xrt_thread *self = xrt__self();
    self->addr2 = (uintptr_t)m;
    xrt_point(XRT_OP_WAIT, (uintptr_t)c, 0, pc);
    w->owner = 0;
    self = xrt__self();
    self->op = XRT_OP_WAKE;
    self->addr = (uintptr_t)c;
    self->addr2 = (uintptr_t)m;
    self->signaled = false;
    self->timed = timed;
    self->cond_seq = ++xrt_r.cond_seq;
    xrt_block();
    self = xrt__self();
    w->owner = (unsigned)xrt_r.cur + 1;
    bool timed_out = !self->signaled;
    self->signaled = self->timed = false;
    return timed_out ? ETIMEDOUT : 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    return xrt__cond_wait(c, m, false, XRT_PC);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts)
{
    (void)ts;
    return xrt__cond_wait(c, m, true, XRT_PC);
}

static void xrt__wake(pthread_cond_t *c, bool all)
{
    for (;;) {
        struct xrt_thread *first = NULL;
        for (int i = 0; i < xrt_r.nthreads; i++) {
            struct xrt_thread *t = &xrt_r.t[i];
            if (t->state == XRT_LIVE && t->op == XRT_OP_WAKE && t->addr == (uintptr_t)c &&
                !t->signaled && (first == NULL || t->cond_seq < first->cond_seq))
                first = t;
        }
        if (first == NULL)
            return;
        first->signaled = true;
        if (!all)
            return;
    }
}

int pthread_cond_signal(pthread_cond_t *c)
{
    xrt_point(XRT_OP_SIGNAL, (uintptr_t)c, 0, XRT_PC);
    xrt__wake(c, false);
    return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
    xrt_point(XRT_OP_BROADCAST, (uintptr_t)c, 0, XRT_PC);
    xrt__wake(c, true);
    return 0;
}

int sched_yield(void)
{
    xrt_point(XRT_OP_YIELD, 0, 0, XRT_PC);
    return 0;
}

unsigned sleep(unsigned s)
{
    (void)s;
    xrt_point(XRT_OP_YIELD, 0, 0, XRT_PC);
    return 0;
}

int usleep(useconds_t us)
{
    (void)us;
    xrt_point(XRT_OP_YIELD, 0, 0, XRT_PC);
    return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    (void)req;
    if (rem != NULL)
        memset(rem, 0, sizeof *rem);
    xrt_point(XRT_OP_YIELD, 0, 0, XRT_PC);
    return 0;
}

/* A semaphore's first word is its value. */
int sem_init(sem_t *s, int pshared, unsigned value)
{
    (void)pshared;
    memset(s, 0, sizeof *s);
    *(unsigned *)s = value;
    return 0;
}

int sem_destroy(sem_t *s)
{
    (void)s;
    return 0;
}

int sem_wait(sem_t *s)
{
    xrt_point(XRT_OP_SEM_WAIT, (uintptr_t)s, 0, XRT_PC);   /* enabled: the value is > 0 */
    (*(unsigned *)s)--;
    return 0;
}

int sem_trywait(sem_t *s)
{
    xrt_point(XRT_OP_TRYLOCK, (uintptr_t)s, 0, XRT_PC);
    if (*(unsigned *)s == 0) {
        errno = EAGAIN;
        return -1;
    }
    (*(unsigned *)s)--;
    return 0;
}

int sem_post(sem_t *s)
{
    xrt_point(XRT_OP_SEM_POST, (uintptr_t)s, 0, XRT_PC);
    (*(unsigned *)s)++;
    return 0;
}

int sem_getvalue(sem_t *s, int *v)
{
    *v = (int)*(unsigned *)s;
    return 0;
}
