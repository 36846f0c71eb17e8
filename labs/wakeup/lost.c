/* lost: correct's buffer, but each side decides to sleep, lets go of the
 * lock, and only then waits.
 *
 * The predicate was tested under the lock, but the lock no longer covers the
 * decision when the thread goes to sleep: in the gap a thread on the other
 * side changes the state and signals - nobody is waiting yet, so the signal
 * is gone - and the sleeper then waits for a change that already happened.
 * A later signal may still wake it; once every producer waits for room and
 * every consumer for an item (or the last producer's broadcast fell into a
 * consumer's gap), none is left to come: the trial hangs. The lab's
 * watchdog reports who sleeps on what and ends it. pthread objects. */
#define VARIANT_NAME lost
#define VARIANT_DESC "unlocks between the test and the wait: a lost wake-up, a hang (pthread)"
#define VARIANT_RACY true

#include <sched.h>

#include "cv.h"

static void put(struct wk *w, struct wsync *s, unsigned me, uint64_t item)
{
    wk_lock(s);
    while (wk_full(w)) {
        wk_unlock(s);   /* the bug: the decision to sleep is no longer under the lock */
        sched_yield();  /* (the gap, widened: see above) */
        wk_lock(s);
        wk_wait(w, s, &s->not_full, me, WK_WAIT_NOT_FULL);
    }
    wk_push(w, me, item);
    wk_signal(w, s, &s->not_empty);
    wk_unlock(s);
}

static bool get(struct wk *w, struct wsync *s, unsigned me)
{
    wk_lock(s);
    while (wk_empty(w) && !w->finished) {
        wk_unlock(s);   /* the bug: as in put */
        sched_yield();
        wk_lock(s);
        wk_wait(w, s, &s->not_empty, me, WK_WAIT_NOT_EMPTY);
    }
    bool any = !wk_empty(w);
    if (any) {
        wk_pop(w, me);
        wk_signal(w, s, &s->not_full);
    }
    wk_unlock(s);
    return any;
}

static void finish(struct wk *w, struct wsync *s)
{
    wk_lock(s);
    w->finished = true;
    wk_broadcast(w, s, &s->not_empty);
    wk_unlock(s);
}

#include "variant.h"
