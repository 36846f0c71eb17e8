/* if: correct's buffer with each wait in an `if` instead of a `while`.
 *
 * The woken thread does not look again. Between the signal and its return
 * from the wait, another thread can take the mutex first - a consumer that
 * just arrived takes the item, a producer fills the slot that was freed -
 * and the woken one then acts on a buffer that is empty (it takes a stale
 * slot: an item handed out a second time) or full (it overwrites the oldest
 * item: lost). A spurious wake-up does the same with no thief at all. The
 * difference from correct is two words. */
#define VARIANT_NAME if
#define VARIANT_LABEL "if"
#define VARIANT_DESC "waits in an if: a stolen wake-up takes from an empty buffer (pthread)"
#define VARIANT_RACY true

#include "cv.h"

static void put(struct wk *w, struct wsync *s, unsigned me, uint64_t item)
{
    wk_lock(s);
    if (wk_full(w))   /* the bug: `if`, not `while` */
        wk_wait(w, s, &s->not_full, me, WK_WAIT_NOT_FULL);
    wk_push(w, me, item);
    wk_signal(w, s, &s->not_empty);
    wk_unlock(s);
}

static bool get(struct wk *w, struct wsync *s, unsigned me)
{
    wk_lock(s);
    if (wk_empty(w) && !w->finished)   /* the bug: `if`, not `while` */
        wk_wait(w, s, &s->not_empty, me, WK_WAIT_NOT_EMPTY);
    bool any = !(wk_empty(w) && w->finished);
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
