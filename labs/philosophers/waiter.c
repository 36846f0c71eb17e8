/* waiter: a semaphore lets at most N-1 philosophers sit down.
 *
 * naive's order (left, then right), but a waiter (a counting semaphore of
 * N-1 seats, sync/sem.h) admits at most N-1 to the table: among N-1
 * philosophers and N forks one always has both forks, eats and leaves, so
 * no cycle can hold all N. The seat wait polls too (it can give up when
 * the trial is ended, and yields under coroutines). */
#define VARIANT_NAME waiter
#define VARIANT_DESC "naive's order, but a semaphore seats at most N-1: one always eats"
#define VARIANT_LOCK futex
/* The fork lock's own known report, and TSan's: the lock graph has naive's
 * cycle (each fork before the next, the last before the first); what keeps
 * it from closing is the semaphore, which the graph does not count. */
#define VARIANT_KNOWN                                                                     \
    LOCKD_futex_KNOWN                                                                     \
    { "tsan", "lock-order-inversion", "",                                                  \
      "the forks are taken in naive's cyclic order; the waiter's N-1 seats (a semaphore, " \
      "outside TSan's lock graph) keep the cycle from ever closing" },                   \
    { "helgrind", "order", "", "the same cyclic fork order in Helgrind's lock-order graph; " \
      "the semaphore (sync/sem.h: happens-before edges, no lock) is not in it either" },

#include "philosophers.h"

static inline bool pick_up(struct table *t, unsigned w, lockd_node *l, lockd_node *r)
{
    unsigned rounds = 0;
    while (!sync_sem_trywait(&t->waiter)) {
        if (lab_trial_over())
            return false;
        lab_wf_pause(&rounds);
    }
    if (phil_take(t, w, phil_left(t, w), l)) {
        phil_reach();
        if (phil_take(t, w, phil_right(t, w), r))
            return true;
        phil_drop(t, w, phil_left(t, w), l);
    }
    sync_sem_post(&t->waiter);
    return false;
}

static inline void put_down(struct table *t, unsigned w, lockd_node *l, lockd_node *r)
{
    phil_drop(t, w, phil_right(t, w), r);
    phil_drop(t, w, phil_left(t, w), l);
    sync_sem_post(&t->waiter);
}

#include "variant.h"
