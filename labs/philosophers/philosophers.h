/* labs/philosophers/philosophers.h - the dining philosophers: deadlock,
 * and what each classic fix costs in fairness.
 *
 * CONCEPT
 *   N philosophers (the workers) sit around a table with one fork between
 *   each pair; to eat, philosopher i needs fork i (left) and fork i+1 mod N
 *   (right). Each eats --iters meals. Invariants: no fork in two hands at
 *   once (a conflict), and every meal eaten (N x iters). A table has at
 *   least two forks: a lone philosopher (--workers 1) eats undisturbed.
 *
 * THE RACE (naive: left fork, then right; N = 2)
 *     step  philosopher 0          philosopher 1
 *     1     takes fork 0           takes fork 1
 *     2     waits for fork 1 ...   waits for fork 0 ...   (a cycle of N waits:
 *                                                         nobody ever eats)
 *
 * EXPECTED
 *   N x iters meals, no conflict, no deadlock.
 *
 * TYPICAL
 *   naive: deadlocks in every trial at 2 and more philosophers, found by the
 *   runtime's watchdog and printed as the cycle. ordered (the lowest fork
 *   first: the last philosopher reaches across, so no cycle closes), waiter
 *   (a semaphore lets at most N-1 sit down: one of them always has both
 *   forks) and trylock (take the left, try the right, else put the left
 *   back and pause a random time) all finish; their fairness differs:
 *   meals_min is how many meals the slowest philosopher had when the first
 *   one finished, wait_max_ns the longest anyone waited for its forks.
 *   notes/philosophers.md has the numbers.
 *
 * DETECTORS
 *   TSan reports naive's lock-order inversion (fork i before i+1, and the
 *   last philosopher fork N-1 before 0) once every order has been taken -
 *   not in a trial that deadlocks at its first conflict (about 1 in 3 at 2
 *   philosophers here); ordered, waiter and trylock are silent. The fork
 *   locks are the sync library's, which TSan sees as annotated mutexes
 *   (labs/common/waitfor.h) and valgrind not at all (a known report).
 *
 * TRY
 *   lab-philosophers                                  (naive, ordered, waiter, trylock)
 *   lab-philosophers --variant naive --workers 5       (a cycle of five)
 *   lab-philosophers --variant ordered,waiter,trylock --workers 8
 *   diff -u labs/philosophers/naive.c labs/philosophers/ordered.c
 *
 * Each variant file defines pick_up() and put_down() and includes variant.h
 * last (see there). */
#ifndef RACELAB_PHILOSOPHERS_H
#define RACELAB_PHILOSOPHERS_H

#include <stdint.h>

#include "desc/lock_futex.h"
#include "lab.h"
#include "sync/sem.h"
#include "waitfor.h"

extern const struct lab philosophers_lab;

/* One philosopher's seat: its wait record and tallies. */
struct phil_seat {
    struct lab_wf_worker rec;   /* its waits, for the watchdog */
    sync_atomic_u64 meals;      /* written by it, read by the first to finish */
    uint64_t retries;           /* trylock: left fork put back */
    uint64_t wait_max_ns;       /* the longest it waited for its forks */
    uint64_t gave_up;           /* 1 when the trial was ended before its meals */
    uint64_t rng;
};

struct phil_fork {
    _Alignas(SYNC_CACHELINE) lockd_futex_t lock;
    sync_atomic_u32 user;       /* the philosopher + 1 holding it to eat, 0 none */
};

/* The table: this header, then seat[n], fork[n], owner[n]. */
struct table {
    unsigned n;                 /* philosophers (the workers) */
    unsigned nforks;            /* n, but at least 2: one philosopher still eats with two */
    size_t forks_off, owners_off;
    sync_sem_t waiter;          /* the waiter variant: seats at the table, nforks - 1 */
    sync_atomic_u32 first_done; /* someone has eaten all its meals */
    sync_atomic_u64 meals_min;  /* the slowest one's meals at that moment */
    sync_atomic_u64 conflicts;  /* a fork found in another's hand when eating */
    _Alignas(SYNC_CACHELINE) struct phil_seat seat[];
};

enum { PHIL_F_MEALS_MIN, PHIL_F_WAIT_MAX, PHIL_F_CONFLICTS, PHIL_F_RETRIES, PHIL_F_GAVE_UP,
       PHIL_NFIELDS };

static inline struct phil_fork *phil_forks(struct table *t)
{
    return (struct phil_fork *)((char *)t + t->forks_off);
}

static inline lab_wf_owner *phil_owners(struct table *t)
{
    return (lab_wf_owner *)((char *)t + t->owners_off);
}

/* Philosopher |w|'s forks. */
static inline unsigned phil_left(const struct table *t, unsigned w)
{
    (void)t;
    return w;
}

static inline unsigned phil_right(const struct table *t, unsigned w)
{
    return (w + 1) % t->nforks;
}

/* Takes fork |f| for philosopher |w|, waiting (false: the trial was ended). */
static inline bool phil_take(struct table *t, unsigned w, unsigned f, lockd_node *n)
{
    return LAB_WF_ACQUIRE(futex, &phil_forks(t)[f].lock, n, &t->seat[w].rec, phil_owners(t), w,
                          f);
}

static inline bool phil_try(struct table *t, unsigned w, unsigned f, lockd_node *n)
{
    return LAB_WF_TRY(futex, &phil_forks(t)[f].lock, n, &t->seat[w].rec, phil_owners(t), w, f);
}

static inline void phil_drop(struct table *t, unsigned w, unsigned f, lockd_node *n)
{
    LAB_WF_RELEASE(futex, &phil_forks(t)[f].lock, n, &t->seat[w].rec, phil_owners(t), f);
}

/* Between the first fork and the second: a yield point for coroutines and
 * a moment (reaching across the table) in which a neighbour can take its
 * own first fork - every variant has it, so their costs compare. */
#define PHIL_REACH_SPINS 8u
/* After eating: thinking, a random while, so that neighbours get to the
 * forks too (without it the one who just ate takes them straight back). */
#define PHIL_THINK_SPINS 32u

static inline void phil_reach(void)
{
    LAB_YIELD();
    for (unsigned i = 0; i < PHIL_REACH_SPINS; i++)
        sync_cpu_relax();
}

/* xorshift64*, per philosopher. */
static inline uint64_t phil_rand(struct phil_seat *me)
{
    uint64_t x = me->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    me->rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

#endif
