/* sync/futex.h - the Linux futex, reduced to the two calls sync/ needs.
 *
 * CONTRACT
 *   sync_futex_wait() sleeps only if *addr still equals |expected| when the
 *   kernel looks (atomically with queueing the caller), so a wake that comes
 *   after the caller last read the word is never lost. It may return 0
 *   spuriously: callers re-check their condition in a loop.
 *   Ordering:  none. A futex is a scheduling hint, not a synchronization
 *              edge: every user re-reads the word with an acquire load after
 *              waking, and that load pairs with the waker's release store.
 *              (ThreadSanitizer does not see futex calls at all, which is why
 *              no algorithm may depend on them for ordering.)
 *   Memory:    the word may live anywhere; with SYNC_PSHARED it may live in a
 *              MAP_SHARED mapping and be waited on and woken from several
 *              processes (the kernel then keys it by physical page, not by
 *              address, which costs a little more: private is the default).
 *   Safety:    any number of waiters and wakers may run concurrently. */
#ifndef SYNC_FUTEX_H
#define SYNC_FUTEX_H

#include <stdint.h>
#include <time.h>
#include "sync/atomic.h"

/* Flag: the primitive may be shared between processes through shared memory
 * (futex calls without FUTEX_PRIVATE_FLAG). */
#define SYNC_PSHARED 1u

/* Sleeps while *addr == expected, until woken or until the absolute
 * CLOCK_MONOTONIC deadline |abs_monotonic| (NULL: no deadline). Returns 0
 * (woken, maybe spuriously), EAGAIN (*addr != expected on entry), EINTR
 * (a signal handler ran, SA_RESTART or not), ETIMEDOUT (also at once for a
 * deadline with tv_sec < 0: before the epoch is past), or EINVAL (tv_nsec
 * outside [0, 1e9)). A caller's loop must end on ETIMEDOUT and EINVAL and
 * keep its own deadlines across the others. */
int sync_futex_wait(sync_atomic_u32 *addr, uint32_t expected,
                    const struct timespec *abs_monotonic, unsigned flags);

/* Wakes up to |n| threads sleeping on |addr| (INT_MAX: all). Returns the
 * number woken, or -errno. */
int sync_futex_wake(sync_atomic_u32 *addr, int n, unsigned flags);

/* *out = CLOCK_MONOTONIC now + ns: a deadline for the timed waits. */
void sync_deadline_after_ns(struct timespec *out, uint64_t ns);

#endif /* SYNC_FUTEX_H */
