/* trylock: take the left fork, try the right; if it is taken, put the left
 * one back and pause a random, growing time.
 *
 * Nobody waits while holding a fork, so no cycle of waits can form; the
 * random pause keeps neighbours from retrying in step (the livelock of a
 * fixed pause: see the bank lab's trylock-fixed). retries counts the left
 * forks put back. */
#define VARIANT_NAME trylock
#define VARIANT_DESC "left fork, try the right, else put the left back and pause at random"
#define VARIANT_LOCK futex
#define VARIANT_KNOWN                                                                         \
    LOCKD_futex_KNOWN                                                                         \
    { "helgrind", "order", "mutex_trylock",                                                \
      "Helgrind puts a trylock's acquisition into its lock-order graph although a trylock "  \
      "never waits, so it cannot close a cycle (measured: racelab run "                     \
      "'philosophers/threads/trylock', DRD and TSan silent)" },

#include "philosophers.h"

static inline bool pick_up(struct table *t, unsigned w, lockd_node *l, lockd_node *r)
{
    struct phil_seat *me = &t->seat[w];
    for (uint64_t streak = 0;; streak++) {
        if (!phil_take(t, w, phil_left(t, w), l))
            return false;
        phil_reach();
        if (phil_try(t, w, phil_right(t, w), r))
            return true;
        phil_drop(t, w, phil_left(t, w), l);
        me->retries++;
        unsigned rounds = 0;
        uint64_t window = 64u << (streak < 6 ? streak : 6);
        for (uint64_t i = phil_rand(me) % window; i > 0 && !lab_trial_over(); i--)
            lab_wf_pause(&rounds);
        if (lab_trial_over())
            return false;
    }
}

static inline void put_down(struct table *t, unsigned w, lockd_node *l, lockd_node *r)
{
    phil_drop(t, w, phil_right(t, w), r);
    phil_drop(t, w, phil_left(t, w), l);
}

#include "variant.h"
