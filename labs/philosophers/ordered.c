/* ordered: the lower-numbered fork first.
 *
 * Everyone but the last philosopher takes left then right as before; the
 * last one's left fork is N-1 and its right fork 0, so it takes fork 0
 * first. Then every wait points to a higher fork, and no cycle can close
 * (Dijkstra's resource ordering). The price: the last philosopher and its
 * neighbour contend for fork 0 first, so meals are less even. */
#define VARIANT_NAME ordered
#define VARIANT_DESC "the lower-numbered fork first: no cycle of waits can close"
#define VARIANT_LOCK futex

#include "philosophers.h"

static inline bool pick_up(struct table *t, unsigned w, lockd_node *l, lockd_node *r)
{
    unsigned a = phil_left(t, w), b = phil_right(t, w);
    bool left_first = a < b;
    unsigned first = left_first ? a : b, second = left_first ? b : a;
    lockd_node *n1 = left_first ? l : r, *n2 = left_first ? r : l;
    if (!phil_take(t, w, first, n1))
        return false;
    phil_reach();
    if (phil_take(t, w, second, n2))
        return true;
    phil_drop(t, w, first, n1);
    return false;
}

static inline void put_down(struct table *t, unsigned w, lockd_node *l, lockd_node *r)
{
    phil_drop(t, w, phil_right(t, w), r);
    phil_drop(t, w, phil_left(t, w), l);
}

#include "variant.h"
