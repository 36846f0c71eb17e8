/* sync/once.h - one-time initialisation: the first caller runs the function,
 * every other caller waits until it has returned.
 *
 * CONTRACT
 *   Progress:  blocking while the function runs: callers that arrive during
 *              it sleep on a futex (no spinning) and all wake when it returns.
 *              After that, wait-free: one acquire load, inline.
 *   Ordering:  everything the function wrote happens before the return of
 *              every sync_once() call on the same object, the first included
 *              (the function's end is a release, each return an acquire; the
 *              fast path is that acquire load).
 *   Memory:    one 32-bit word and the flags. Static (SYNC_ONCE_INIT), heap,
 *              stack; with SYNC_PSHARED also MAP_SHARED memory shared by
 *              processes (then the function runs once in all of them).
 *   Safety:    the function must return: if it exits its thread, longjmps
 *              out or is cancelled, the object stays RUNNING and every later
 *              caller sleeps for ever (pthread_once recovers from
 *              cancellation; this does not). A function that calls
 *              sync_once() on its own object deadlocks. Different objects
 *              are independent, so one function may initialise another.
 *
 * |state| (the futex word):
 *   0  NEW       nobody has started the function
 *   1  RUNNING   a caller runs it; nobody sleeps yet
 *   2  WAITED    a caller runs it, and others may sleep: its end must wake them
 *   3  DONE      it has returned; final */
#ifndef SYNC_ONCE_H
#define SYNC_ONCE_H

#include <stdbool.h>
#include "sync/annotate.h"
#include "sync/atomic.h"
#include "sync/futex.h"

#define SYNC__ONCE_DONE 3u

typedef struct {
    sync_atomic_u32 state;   /* see above */
    unsigned flags;          /* private: 0 or SYNC_PSHARED, constant after init */
} sync_once_t;

#define SYNC_ONCE_INIT { SYNC_ATOMIC_INIT(0), 0 }

/* flags: 0 or SYNC_PSHARED. Returns 0, or EINVAL for unknown flags. */
int sync_once_init(sync_once_t *o, unsigned flags);

/* Internal: the first call's slow path (see src/once.c). */
void sync__once_slow(sync_once_t *o, void (*fn)(void *arg), void *arg);

/* Runs fn(arg) if no call on |o| has run it yet; returns once it has
 * returned (in this caller or another). */
static inline void sync_once(sync_once_t *o, void (*fn)(void *arg), void *arg)
{
    /* Acquire: pairs with the release exchange to DONE in sync__once_slow():
     * the function's writes are visible to the caller. */
    if (sync_load_u32(&o->state, SYNC_ACQUIRE) == SYNC__ONCE_DONE) {
        SYNC_ANN_HAPPENS_AFTER(o);   /* the function's end */
        return;
    }
    sync__once_slow(o, fn, arg);
}

/* True once the function has returned (a snapshot; an acquire when true). */
static inline bool sync_once_done(const sync_once_t *o)
{
    /* Acquire: as the fast path of sync_once(). */
    if (sync_load_u32(&o->state, SYNC_ACQUIRE) != SYNC__ONCE_DONE)
        return false;
    SYNC_ANN_HAPPENS_AFTER(o);
    return true;
}

#endif /* SYNC_ONCE_H */
