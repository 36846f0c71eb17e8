/* one-cv: correct's `while` loops, but one condition variable for both
 * roles, and signal (wake one) after each change.
 *
 * The loops are right, so no item goes wrong; the wake-ups do. A consumer
 * that frees a slot signals to wake a producer, but the one condition
 * variable may hand the wake-up to the other consumer, which finds the
 * buffer empty and sleeps again: the wake-up is spent, the producer sleeps
 * on. When that leaves every worker asleep the trial stalls for good.
 * broadcast would fix it at the price of waking everybody; two condition
 * variables (correct) fix it for free. The stall needs every worker asleep
 * at once: on the textbook's one-slot buffer (this variant's) it comes within
 * the first items of every trial measured; on 4 slots in some trials, on
 * correct's 64 in none of the ones we ran. pthread objects. */
#define VARIANT_NAME one_cv
#define VARIANT_LABEL "one-cv"
#define VARIANT_DESC "one condition variable for both roles with signal: a stall (pthread)"
#define VARIANT_RACY true
#define VARIANT_CAP 1u   /* see WK_CAP and below */

#include "cv.h"

static void put(struct wk *w, struct wsync *s, unsigned me, uint64_t item)
{
    wk_lock(s);
    while (wk_full(w))
        wk_wait(w, s, &s->not_full, me, WK_WAIT_CHANGED);
    wk_push(w, me, item);
    wk_signal(w, s, &s->not_full);   /* the bug: may wake a producer, not a consumer */
    wk_unlock(s);
}

static bool get(struct wk *w, struct wsync *s, unsigned me)
{
    wk_lock(s);
    while (wk_empty(w) && !w->finished)
        wk_wait(w, s, &s->not_full, me, WK_WAIT_CHANGED);
    bool any = !wk_empty(w);
    if (any) {
        wk_pop(w, me);
        wk_signal(w, s, &s->not_full);   /* the bug: may wake a consumer, not a producer */
    }
    wk_unlock(s);
    return any;
}

static void finish(struct wk *w, struct wsync *s)
{
    wk_lock(s);
    w->finished = true;
    wk_broadcast(w, s, &s->not_full);
    wk_unlock(s);
}

#include "variant.h"
