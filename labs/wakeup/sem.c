/* sem: the semaphore pair (Dijkstra's bounded buffer) - |room| counts free
 * slots, |full| filled ones, and a mutex guards the ring.
 *
 * A semaphore remembers: a post with nobody waiting is a unit in the count,
 * not a wake-up into the void, so there is nothing to lose and no predicate
 * to test again - taking a unit is the permission. The end: the last
 * producer sets |finished| and posts one |full| unit per consumer; a
 * consumer whose unit finds the ring empty and finished leaves. Sync
 * library semaphores and mutex, process-shared under procs. */
#define VARIANT_NAME sem
#define VARIANT_DESC "a room/full semaphore pair and a mutex (sync/sem.h)"

#include "desc/lockd.h"
#include "sync/mutex.h"
#include "sync/sem.h"
#include "wakeup.h"

struct wsync {
    sync_sem_t room;        /* free slots: WK_CAP at the start */
    sync_sem_t full;        /* filled slots (+ one end unit per consumer) */
    sync_mutex_t lock;      /* guards the ring */
};

static int wk_sync_init(struct wsync *s, unsigned flags)
{
    int rc = sync_sem_init(&s->room, WK_CAP, flags);
    if (rc == 0)
        rc = sync_sem_init(&s->full, 0, flags);
    if (rc == 0)
        rc = sync_mutex_init(&s->lock, flags);
    return rc;
}

static void wk_sync_fini(struct wk *w, struct wsync *s)
{
    (void)w;
    (void)s;
}

/* Takes a unit of |sem| (or gives up: the trial is over), marked as a sleep
 * when there is none at once. */
static void take(struct wk *w, sync_sem_t *sem, unsigned me, enum wk_doing what)
{
    if (sync_sem_trywait(sem))
        return;
    wk_sleeping(w, me, what);
    struct timespec t = wk_slice_end();
    while (sync_sem_timedwait(sem, &t) == ETIMEDOUT && !wk_give_up(w))
        t = wk_slice_end();
    wk_returned(w, wk_on(what));
    wk_doing(w, me, WK_RUNNING);
}

static void put(struct wk *w, struct wsync *s, unsigned me, uint64_t item)
{
    take(w, &s->room, me, WK_WAIT_ROOM);
    sync_mutex_lock(&s->lock);
    wk_push(w, me, item);
    sync_mutex_unlock(&s->lock);
    wk_woke(w, WK_ON_CONSUMERS, false);
    sync_sem_post(&s->full);   /* release: the item to the consumer that takes the unit */
}

static bool get(struct wk *w, struct wsync *s, unsigned me)
{
    take(w, &s->full, me, WK_WAIT_FULL);
    sync_mutex_lock(&s->lock);
    bool any = !(wk_empty(w) && w->finished);   /* else an end unit: leave */
    if (any)
        wk_pop(w, me);
    sync_mutex_unlock(&s->lock);
    if (any) {
        wk_woke(w, WK_ON_PRODUCERS, false);
        sync_sem_post(&s->room);
    }
    return any;
}

static void finish(struct wk *w, struct wsync *s)
{
    sync_mutex_lock(&s->lock);
    w->finished = true;
    sync_mutex_unlock(&s->lock);
    for (unsigned i = 0; i < w->consumers; i++) {
        wk_woke(w, WK_ON_CONSUMERS, false);
        sync_sem_post(&s->full);
    }
}

#include "variant.h"
