/* labs/wakeup/cv.h - the mutex and condition variables of the condvar
 * variants: glibc's pthread objects (process-shared under procs) or, with
 * WK_SYNC_CV defined before the include, the sync library's (sync/mutex.h,
 * sync/cond.h). A variant file includes it first, then writes its put, get
 * and finish with the wk_* calls below; the lesson is in those lines. */
#ifndef RACELAB_WAKEUP_CV_H
#define RACELAB_WAKEUP_CV_H

#include <errno.h>
#include <pthread.h>

#include "sync/futex.h"   /* SYNC_PSHARED */
#include "wakeup.h"

#ifndef WK_SYNC_CV   /* glibc's condition variable: its own replacement signal */
#define VARIANT_KNOWN                                                                         \
    { "helgrind", "pthread_cond_{signal,broadcast}", "__pthread_cond_wait_common",             \
      "glibc 2.36's timed wait that times out after it consumed a signal sends a replacement " \
      "pthread_cond_signal itself (__condvar_cancel_waiting), its mutex released: Helgrind "  \
      "sees a signal without the lock held (by anyone, or by the caller; every variant on "   \
      "glibc's condition variables, the racy ones too; notes/detectors.md)" },
#endif

#ifdef WK_SYNC_CV
#include "sync/cond.h"
#include "sync/mutex.h"
typedef sync_mutex_t wk_mutex_t;
typedef sync_cond_t wk_cond_t;
#define wk__lock(m) sync_mutex_lock(m)
#define wk__unlock(m) sync_mutex_unlock(m)
#define wk__timedwait(c, m, t) sync_cond_timedwait((c), (m), (t))
#define wk__signal(c) sync_cond_signal(c)
#define wk__broadcast(c) sync_cond_broadcast(c)
#define WK__CV_WHAT "sync/cond.h + sync/mutex.h"
#else
typedef pthread_mutex_t wk_mutex_t;
typedef pthread_cond_t wk_cond_t;
#define wk__lock(m) pthread_mutex_lock(m)
#define wk__unlock(m) pthread_mutex_unlock(m)
#define wk__timedwait(c, m, t) pthread_cond_timedwait((c), (m), (t))
#define wk__signal(c) pthread_cond_signal(c)
#define wk__broadcast(c) pthread_cond_broadcast(c)
#define WK__CV_WHAT "pthread"
#endif

struct wsync {
    wk_mutex_t lock;           /* guards the ring (struct wk) */
    wk_cond_t not_full;        /* producers sleep here (one-cv: everybody) */
    wk_cond_t not_empty;       /* consumers sleep here (one-cv: unused) */
};

#ifdef WK_SYNC_CV
static int wk_sync_init(struct wsync *s, unsigned flags)
{
    int rc = sync_mutex_init(&s->lock, flags);
    if (rc == 0)
        rc = sync_cond_init(&s->not_full, flags);
    if (rc == 0)
        rc = sync_cond_init(&s->not_empty, flags);
    return rc;
}

static void wk_sync_fini(struct wk *w, struct wsync *s)
{
    (void)w;
    (void)s;
}
#else
static int wk_sync_init(struct wsync *s, unsigned flags)
{
    int pshared = flags & SYNC_PSHARED ? PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE;
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    int rc = pthread_mutexattr_init(&ma);
    if (rc != 0)
        return rc;
    if ((rc = pthread_condattr_init(&ca)) != 0) {
        pthread_mutexattr_destroy(&ma);
        return rc;
    }
    rc = pthread_mutexattr_setpshared(&ma, pshared);
    if (rc == 0)
        rc = pthread_condattr_setpshared(&ca, pshared);
    if (rc == 0)   /* the slices of wk_wait() are on the monotonic clock */
        rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_mutex_init(&s->lock, &ma);
    if (rc == 0 && (rc = pthread_cond_init(&s->not_full, &ca)) != 0)
        pthread_mutex_destroy(&s->lock);
    if (rc == 0 && (rc = pthread_cond_init(&s->not_empty, &ca)) != 0) {
        pthread_cond_destroy(&s->not_full);
        pthread_mutex_destroy(&s->lock);
    }
    pthread_condattr_destroy(&ca);
    pthread_mutexattr_destroy(&ma);
    return rc;
}

/* Not after a stopped trial: glibc's pthread_cond_destroy() waits for every
 * waiter to leave, and a killed worker never will (the memory goes anyway). */
static void wk_sync_fini(struct wk *w, struct wsync *s)
{
    for (unsigned i = 0; i < w->workers; i++)
        if (sync_load_u32(&wk_worker(w, i)->doing, SYNC_RELAXED) != WK_DONE)
            return;
    pthread_cond_destroy(&s->not_empty);
    pthread_cond_destroy(&s->not_full);
    pthread_mutex_destroy(&s->lock);
}
#endif

static inline void wk_lock(struct wsync *s)
{
    wk__lock(&s->lock);
}

static inline void wk_unlock(struct wsync *s)
{
    wk__unlock(&s->lock);
}

/* Sleeps on |cv| until woken (or the trial is over). Call with the lock
 * held; held again on return. */
static inline void wk_wait(struct wk *w, struct wsync *s, wk_cond_t *cv, unsigned me,
                           enum wk_doing what)
{
    wk_sleeping(w, me, what);
    struct timespec t = wk_slice_end();
    while (wk__timedwait(cv, &s->lock, &t) == ETIMEDOUT && !wk_give_up(w))
        t = wk_slice_end();
    wk_returned(w, wk_on(what));
    wk_doing(w, me, WK_RUNNING);
}

/* Wakes one sleeper on |cv| (call with the lock held). */
static inline void wk_signal(struct wk *w, struct wsync *s, wk_cond_t *cv)
{
    wk_woke(w, cv == &s->not_full ? WK_ON_PRODUCERS : WK_ON_CONSUMERS, false);
    wk__signal(cv);
}

/* Wakes every sleeper on |cv| (call with the lock held). */
static inline void wk_broadcast(struct wk *w, struct wsync *s, wk_cond_t *cv)
{
    wk_woke(w, cv == &s->not_full ? WK_ON_PRODUCERS : WK_ON_CONSUMERS, true);
    wk__broadcast(cv);
}

#endif
