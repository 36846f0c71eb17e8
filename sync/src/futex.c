/* sync/src/futex.c - futex system calls (glibc has no wrapper). */
#include "sync/futex.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sync__futex_op(int op, unsigned flags)
{
    return (flags & SYNC_PSHARED) ? op : (op | FUTEX_PRIVATE_FLAG);
}

int sync_futex_wait(sync_atomic_u32 *addr, uint32_t expected,
                    const struct timespec *abs_monotonic, unsigned flags)
{
    /* The kernel answers EINVAL for tv_sec < 0; it is a time before the
     * clock's epoch, so long past: expired, as glibc says too. */
    if (abs_monotonic != NULL && abs_monotonic->tv_sec < 0)
        return (abs_monotonic->tv_nsec < 0 || abs_monotonic->tv_nsec >= 1000000000L)
                   ? EINVAL : ETIMEDOUT;
    /* FUTEX_WAIT takes a relative timeout; FUTEX_WAIT_BITSET takes an
     * absolute one, on CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME is set.
     * An absolute deadline survives EINTR retries without drifting. */
    long r = syscall(SYS_futex, (void *)&addr->v,
                     sync__futex_op(FUTEX_WAIT_BITSET, flags), expected,
                     abs_monotonic, NULL, FUTEX_BITSET_MATCH_ANY);
    if (r == 0)
        return 0;
    return errno; /* EAGAIN, EINTR, ETIMEDOUT; EFAULT/EINVAL are caller bugs */
}

int sync_futex_wake(sync_atomic_u32 *addr, int n, unsigned flags)
{
    long r = syscall(SYS_futex, (void *)&addr->v, sync__futex_op(FUTEX_WAKE, flags), n,
                     NULL, NULL, 0);
    return r < 0 ? -errno : (int)r;
}

void sync_deadline_after_ns(struct timespec *out, uint64_t ns)
{
    clock_gettime(CLOCK_MONOTONIC, out);
    uint64_t nsec = (uint64_t)out->tv_nsec + ns % 1000000000u;
    out->tv_sec += (time_t)(ns / 1000000000u + nsec / 1000000000u);
    out->tv_nsec = (long)(nsec % 1000000000u);
}
