/* sync/mutex.h - futex mutex: spins briefly, then sleeps in the kernel.
 * Optionally robust: a holder that dies is detected and the next locker
 * takes over, told so by EOWNERDEAD (as with PTHREAD_MUTEX_ROBUST).
 *
 * CONTRACT
 *   Progress:  blocking, deadlock-free. Not FIFO: a thread arriving while the
 *              lock is free takes it even if others sleep (barging), which
 *              keeps the lock busy instead of idle during a wake-up, at the
 *              price of possible (rare, short) starvation of a sleeper.
 *              Robust mode adds: a holder that dies (its thread exits, or its
 *              process is killed) does not block the others for ever; see
 *              ROBUST below.
 *   Ordering:  lock, a successful trylock and a successful timedlock are
 *              acquires; unlock is a release. A lock that returns EOWNERDEAD
 *              is an acquire of the last unlock before the dead holder's
 *              lock; the dead holder's own writes are NOT ordered before it
 *              (it never released), which is what "inconsistent" means.
 *   Memory:    three 32-bit words and the flags. Static, heap, stack; with
 *              SYNC_PSHARED also MAP_SHARED memory used by several processes
 *              (all words are position-independent; the futex is then keyed
 *              by physical page). Robust mode needs every user in the same
 *              PID namespace (the word holds kernel thread ids).
 *   Safety:    any thread may lock; only the holder may unlock. A checked
 *              mutex records the holder's thread id and aborts on unlock by
 *              anyone else, on unlock of an unlocked mutex and on relock by
 *              the holder; an unchecked one checks nothing and pays nothing.
 *              Checking is a property of the mutex (SYNC_MUTEX_CHECKED in
 *              its flags), not of the code that calls it, so callers built
 *              with and without NDEBUG agree on every mutex. Which mutexes
 *              are checked by default is one switch for the whole build,
 *              SYNC_CHECKS (CMake: RACELAB_SYNC_CHECKS, ON in Debug builds,
 *              exported by the sync target): sync_mutex_init() and
 *              SYNC_MUTEX_INIT add the flag when it is 1. Robust mutexes
 *              keep the holder's id in the word anyway, so they make these
 *              checks always.
 *   Cost:      uncontended lock and unlock are one atomic RMW each, inline.
 *              Unlock makes a system call only when a thread may be asleep.
 *              Robust and checked mutexes: lock, trylock and unlock are
 *              out-of-line calls (one RMW each when uncontended); the inline
 *              functions pay one test of |flags|, on the line they write
 *              anyway, to send them there.
 *
 * ROBUST (flags include SYNC_ROBUST)
 *   Linux's robust futexes (set_robust_list) cannot be used: glibc owns each
 *   thread's single robust-list head. Instead, a thread that waits on a robust
 *   mutex sleeps at most SYNC_MUTEX_ROBUST_POLL_NS at a time, and each time
 *   that passes without a wake-up it asks whether the holder (its thread id
 *   is in the word) still exists: kill(tid, 0) fails with ESRCH, or
 *   /proc/<tid>/stat says zombie (a killed process stays a zombie, and
 *   kill() still finds it, until its parent reaps it). If the holder is gone,
 *   the waiter takes the lock with one CAS from exactly the word it looked
 *   at, so of several waiters exactly one wins, and that one gets EOWNERDEAD.
 *   It now holds the lock; it repairs the protected state and calls
 *   sync_mutex_consistent(), then uses and unlocks the mutex as usual. If it
 *   unlocks without calling consistent, the mutex becomes unusable for good:
 *   every lock from then on returns ENOTRECOVERABLE (POSIX semantics).
 *   Caveats, honestly:
 *   - Detection latency: the holder's death is noticed by a waiter up to one
 *     poll period (SYNC_MUTEX_ROBUST_POLL_NS, plus a wake-up) after it
 *     happened, or after the waiter arrived if it came later. A killed
 *     process counts as alive until the kernel has torn it down (here about
 *     0.5 ms; more for a big one), and a check in that gap costs a period
 *     more. Measured on the 2-core reference VM, SIGKILL to EOWNERDEAD with
 *     the kill at random points of the period: 0.5 to 5.4 ms, median 3.2 to
 *     3.6 ms (tests/test_robust.c prints it). glibc, told by the kernel at
 *     thread exit, is immediate.
 *   - Thread-id reuse: if the dead holder's id has been given to a new thread
 *     or process before anybody checks, the holder looks alive until that one
 *     exits too. Linux hands ids out cyclically, so reuse needs pid_max
 *     (/proc/sys/kernel/pid_max, 32768 to 4194304) thread and process
 *     creations between the death and the check; when lockers are already
 *     waiting (the lab's case), the check follows within one poll period,
 *     which no machine fills with 32768 forks. Acceptable for a lab; not for
 *     a system that must recover from a death nobody waited on for hours.
 *     The same reuse could hand a dead holder's id to a thread of the same
 *     process; that thread's lock then reports a relock and aborts.
 *   - A holder that exec()s is not dead (its id lives on): the mutex stays
 *     locked. glibc recovers from that case; we do not.
 *   - The check is a kill() and, if it succeeds, a read of /proc: about
 *     10 us here, once per poll period per waiter, never on the
 *     uncontended path and never while the lock changes hands normally.
 *     /proc is read only if it is our PID namespace's and the holder is
 *     ours to signal; otherwise a zombie holder looks alive until reaped.
 *   - fork(): the thread-id cache is refreshed in the child by a
 *     pthread_atfork handler; a child made by a raw clone() or _Fork() would
 *     keep its parent's id. Use fork().
 *
 * |state| (the futex word), default mode:
 *   0  unlocked
 *   1  locked, and unlock need not wake anyone: no thread has marked it 2
 *      since it was taken (a thread that took it by barging past a woken
 *      sleeper leaves 1; that sleeper, once it runs, marks it 2 or takes it)
 *   2  locked, and a thread may be asleep (or about to be): unlock must look
 *      at |waiters| and wake one if it is not zero
 * |state|, robust mode (the kernel's robust-futex layout, <linux/futex.h>:
 * FUTEX_WAITERS 0x80000000, FUTEX_OWNER_DIED 0x40000000, FUTEX_TID_MASK
 * 0x3fffffff; below, tid is the holder's kernel thread id, never 0):
 *   0                             unlocked
 *   tid                           locked by tid; unlock need not wake anyone
 *   tid | WAITERS                 locked by tid, and a thread may be asleep:
 *                                 as state 2 above
 *   tid | OWNER_DIED [| WAITERS]  locked by tid, which got EOWNERDEAD and has
 *                                 not called sync_mutex_consistent() yet (the
 *                                 kernel's layout has OWNER_DIED with tid 0 for
 *                                 "free, holder died"; we never free it so)
 *   OWNER_DIED | TID_MASK         0x7fffffff, not recoverable: unlocked after
 *                                 EOWNERDEAD without consistent(). Final.
 *                                 (No thread id reaches TID_MASK: the kernel
 *                                 caps pid_max at 2^22.)
 * |waiters| counts threads between the increment before their first futex
 * wait and the decrement after they leave the slow path; it is never below
 * the number of threads asleep. State 2 alone would force a wake system call
 * on every unlock after contention, because the thread that takes the lock
 * after sleeping must leave 2 behind not knowing whether it was the last
 * sleeper; with the count, that unlock sees 0 and skips the call. A waiter
 * killed while waiting leaves the count one too high for good: unlocks after
 * contention then always make the wake call (slower, still correct). */
#ifndef SYNC_MUTEX_H
#define SYNC_MUTEX_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "sync/annotate.h"
#include "sync/atomic.h"
#include "sync/futex.h"

/* Flag for sync_mutex_init(), combinable with SYNC_PSHARED: robust mode. */
#define SYNC_ROBUST 2u

/* Flag for sync_mutex_init(): owner checks on this mutex (see Safety). */
#define SYNC_MUTEX_CHECKED 0x10u

/* The build's default for owner checks: 1 adds SYNC_MUTEX_CHECKED to every
 * sync_mutex_init() and SYNC_MUTEX_INIT. Set by the sync CMake target for
 * everything that links it; code built outside CMake gets 0 for its static
 * initialisers, which is consistent too (the flag travels with the mutex). */
#ifndef SYNC_CHECKS
#define SYNC_CHECKS 0
#endif

/* Longest sleep of a robust waiter between two checks of the holder: the
 * detection latency of a holder's death. 5 ms: short next to a human, long
 * next to a check (about 10 us), so a waiter behind a live holder costs
 * about 0.2% of a CPU. */
#define SYNC_MUTEX_ROBUST_POLL_NS 5000000u

typedef struct {
    sync_atomic_u32 state;   /* see above */
    sync_atomic_u32 waiters; /* private: threads in the sleeping part of the slow path */
    sync_atomic_u32 owner;   /* private: holder's thread id when checked, else 0
                              * (robust mutexes keep it in |state| instead) */
    unsigned flags;          /* private: SYNC_PSHARED, SYNC_ROBUST and
                              * SYNC_MUTEX_CHECKED, or 0; constant after init */
} sync_mutex_t;

/* A private, non-robust mutex (checked when SYNC_CHECKS is 1). Robust ones
 * need sync_mutex_init(). */
#define SYNC_MUTEX_INIT                                                  \
    { SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0),     \
      SYNC_CHECKS ? SYNC_MUTEX_CHECKED : 0u }

/* flags: 0, or SYNC_PSHARED, SYNC_ROBUST and SYNC_MUTEX_CHECKED in any
 * combination (SYNC_CHECKS adds the last). Returns 0 or EINVAL (unknown
 * flags). */
int sync_mutex_init(sync_mutex_t *m, unsigned flags);

/* Waits until the absolute CLOCK_MONOTONIC deadline at most (NULL: forever).
 * Returns 0 (locked), ETIMEDOUT, or EINVAL for a malformed deadline when the
 * mutex is not free. Signals do not interrupt the wait. On a robust mutex
 * this is sync_mutex_timedlock_robust(), with its return values. */
int sync_mutex_timedlock(sync_mutex_t *m, const struct timespec *abs_monotonic);

/* Robust mutexes only (SYNC_ROBUST; on others they abort). Returns
 *   0                locked;
 *   EOWNERDEAD       locked, but the previous holder died holding it: the
 *                    state it protects may be half-updated. Repair it, call
 *                    sync_mutex_consistent(), carry on;
 *   ENOTRECOVERABLE  not locked: an earlier EOWNERDEAD holder unlocked
 *                    without calling consistent; the mutex is unusable;
 *   ETIMEDOUT        (timed only) not locked by the deadline: the absolute
 *                    CLOCK_MONOTONIC |abs_monotonic|, NULL for none. A holder
 *                    found dead at the deadline is still taken over;
 *   EINVAL           (timed only) malformed deadline, mutex not free.
 * Signals do not interrupt the wait. Relock by the holder aborts. */
int sync_mutex_lock_robust(sync_mutex_t *m);
int sync_mutex_timedlock_robust(sync_mutex_t *m, const struct timespec *abs_monotonic);

/* Marks the state protected by a robust mutex repaired after EOWNERDEAD.
 * Call with |m| held, after EOWNERDEAD and before unlock. Returns 0, or
 * EINVAL if |m| is not robust, or not held by the caller in the owner-died
 * state (already consistent, never died, or held by someone else). */
int sync_mutex_consistent(sync_mutex_t *m);

/* Internal: out-of-line halves of the inline functions below. */
void sync__mutex_wake(sync_mutex_t *m);
void sync__mutex_lock_slow(sync_mutex_t *m);
bool sync__mutex_trylock_out(sync_mutex_t *m);
void sync__mutex_unlock_out(sync_mutex_t *m);

/* Internal flag: sync_mutex_init() ran under Helgrind or DRD, so this
 * mutex's calls tell them (sync/annotate.h). It sends them out of line, where
 * the annotations are: the inline fast path has none, and natively costs
 * exactly what it costs unannotated (the flags test is there anyway). A
 * SYNC_MUTEX_INIT mutex never has it: initialise with sync_mutex_init() what
 * the tools should understand. */
#define SYNC__MUTEX_ANNOTATED 0x100u

/* Flags that send every call out of line: the robust protocol, the owner
 * checks, the annotations. */
#define SYNC__MUTEX_OUT_OF_LINE (SYNC_ROBUST | SYNC_MUTEX_CHECKED | SYNC__MUTEX_ANNOTATED)

/* Internal: the plain word's acquire and release, shared by the inline
 * functions and the checked path in mutex.c. */
static inline bool sync__mutex_cas_free(sync_mutex_t *m)
{
    uint32_t unlocked = 0;
    /* Acquire: pairs with the release exchange in sync__mutex_release(). */
    return sync_cas_u32(&m->state, &unlocked, 1, SYNC_ACQUIRE, SYNC_RELAXED);
}

static inline void sync__mutex_release(sync_mutex_t *m)
{
    /* Release: pairs with the acquire CAS/exchange that takes the lock next.
     * Seq_cst, with the load of |waiters|: a Dekker pair with the slow path's
     * seq_cst increment of |waiters| then exchange of |state|. Either we see
     * the waiter's increment, or its exchange sees our 0 and it does not
     * sleep. (On x86 the exchange is a full barrier either way.) */
    if (sync_exchange_u32(&m->state, 0, SYNC_SEQ_CST) == 2 &&
        sync_load_u32(&m->waiters, SYNC_SEQ_CST) != 0)
        sync__mutex_wake(m);
}

/* On a robust mutex: true only if it was free and healthy. It is false when
 * the mutex is held, also by a dead holder (taking over needs a way to say
 * EOWNERDEAD: use sync_mutex_lock_robust), and when it is not recoverable. */
static inline bool sync_mutex_trylock(sync_mutex_t *m)
{
    if (m->flags & SYNC__MUTEX_OUT_OF_LINE)
        return sync__mutex_trylock_out(m);
    return sync__mutex_cas_free(m);
}

/* On a robust mutex, aborts where sync_mutex_lock_robust() would return
 * EOWNERDEAD or ENOTRECOVERABLE: a caller that cannot hear of a dead holder
 * must not go on as if nothing happened. */
static inline void sync_mutex_lock(sync_mutex_t *m)
{
    if (sync_mutex_trylock(m))
        return;
    sync__mutex_lock_slow(m);
}

/* Call with |m| held. On a robust mutex after EOWNERDEAD without
 * sync_mutex_consistent(), this unlock makes the mutex not recoverable (and
 * wakes every waiter to say so). */
static inline void sync_mutex_unlock(sync_mutex_t *m)
{
    if (m->flags & SYNC__MUTEX_OUT_OF_LINE) {
        sync__mutex_unlock_out(m);
        return;
    }
    sync__mutex_release(m);
}

#endif /* SYNC_MUTEX_H */
