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

#ifndef WK_SYNC_CV   /* glibc's condition variable: its own replacement signal */
#define VARIANT_KNOWN                                                                         \
    { "helgrind", "pthread_cond_{signal,broadcast}", "__pthread_cond_wait_common",             \
      "glibc 2.36's timed wait that times out after it consumed a signal sends a replacement " \
      "pthread_cond_signal itself (__condvar_cancel_waiting), its mutex released: Helgrind "  \
      "sees a signal without the lock held (by anyone, or by the caller; notes/detectors.md)" },
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
