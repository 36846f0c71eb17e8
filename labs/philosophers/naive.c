/* naive: the left fork, then the right one.
 *
 * If every philosopher takes its left fork at once, every right fork is
 * someone's left: each waits for its neighbour, a cycle of N waits, and the
 * table deadlocks. The runtime's watchdog finds the cycle and ends the
 * trial. The fix that changes one line is ordered.c. */
#define VARIANT_NAME naive
#define VARIANT_DESC "left fork, then right: all take their left and the table deadlocks"
#define VARIANT_RACY true
#define VARIANT_LOCK futex

#include "philosophers.h"

static inline bool pick_up(struct table *t, unsigned w, lockd_node *l, lockd_node *r)
{
    if (!phil_take(t, w, phil_left(t, w), l))
        return false;
    phil_reach();
    if (phil_take(t, w, phil_right(t, w), r))
        return true;
    phil_drop(t, w, phil_left(t, w), l);
    return false;
}

static inline void put_down(struct table *t, unsigned w, lockd_node *l, lockd_node *r)
{
    phil_drop(t, w, phil_right(t, w), r);
    phil_drop(t, w, phil_left(t, w), l);
}

#include "variant.h"
