/* correct: the textbook bounded buffer - wait in a `while` on the predicate,
 * one condition variable per condition, the state changed under the lock.
 *
 * A woken thread holds the lock again and looks again: a wake-up that was
 * stolen (another thread took the item first) or spurious sends it back to
 * sleep, which the false_wakeups count shows happening. Producers and
 * consumers sleep on different condition variables, so a signal always
 * wakes a thread that can use it. pthread objects, process-shared under
 * procs. */
#ifndef VARIANT_NAME   /* correct_sync.c reuses this file */
#define VARIANT_NAME correct
#define VARIANT_DESC "while + predicate, two condition variables (pthread)"
#endif

#include "cv.h"

static void put(struct wk *w, struct wsync *s, unsigned me, uint64_t item)
{
    wk_lock(s);
    while (wk_full(w))
        wk_wait(w, s, &s->not_full, me, WK_WAIT_NOT_FULL);
    wk_push(w, me, item);
    wk_signal(w, s, &s->not_empty);
    wk_unlock(s);
}

static bool get(struct wk *w, struct wsync *s, unsigned me)
{
    wk_lock(s);
    while (wk_empty(w) && !w->finished)
        wk_wait(w, s, &s->not_empty, me, WK_WAIT_NOT_EMPTY);
    bool any = !wk_empty(w);   /* else empty and finished: leave */
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
