/* detectors/explore/xrt_futex.c - raw system calls: the futex and gettid
 * modelled, every other one refused in one line naming it.
 *
 * FUTEX_WAIT(addr, val) is a point (FWAIT) that reads the word: if it is
 * not val the call returns EAGAIN, else the thread sleeps, a disabled
 * thread whose pending operation is FWOKEN on addr, until a FUTEX_WAKE
 * (a point, FWAKE) on addr picks it: up to n sleepers, oldest first. A wait
 * with a timeout is enabled all along, as a timed condition wait is: it may
 * time out at any point (unless xrt_futex_timeouts is off). No spurious
 * wakeups. Nobody left who could wake a sleeper is a DEADLOCK ("waits for
 * futex X"). FUTEX_PRIVATE_FLAG changes nothing here (one process);
 * FUTEX_WAIT_BITSET and FUTEX_WAKE_BITSET are taken with
 * FUTEX_BITSET_MATCH_ANY only. The one happens-before edge is the kernel's:
 * a wake before the wait it ends (xrt_race.c); what the futex users rely on
 * otherwise comes from their own atomics, which are steps of their own.
 * gettid() is the green thread's: XRT_TID_BASE + its number, above any
 * pid_max, so it is never a real thread's and is the same in every run;
 * kill(tid, 0) answers for those ids. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "xrt.h"
#include "xrt_futex.h"

#define XRT_TID_BASE 4194304   /* the kernel's largest pid_max (PID_MAX_LIMIT) */

bool xrt_futex_timeouts = true;

/* Under the driver: the search ends unsupported with |why|; run by hand:
 * one line on stderr, exit 2. */
static _Noreturn void xrt__refuse(const char *why)
{
    const char *out = getenv("RACELAB_EXPLORE_OUT");
    if (out != NULL && out[0] != '\0')
        xrt_fail(XRT_ST_UNSUPPORTED, "%s", why);
    fprintf(stderr, "racelab explore: %s\n", why);
    _exit(2);
}

static void xrt__value(uint64_t v)
{
    struct xrt_step *s = &xrt_shm->steps[xrt_r.step - 1];
    s->value = v;
    s->known = 1;
}

static long xrt__fail_errno(int e)
{
    errno = e;
    return -1;
}

/* Sleeps on |addr| until woken (0) or, when |timed|, timed out. */
static long xrt__futex_sleep(uintptr_t addr, bool timed)
{
    struct xrt_thread *self = &xrt_r.t[xrt_r.cur];
    self->op = XRT_OP_FWOKEN;
    self->addr = addr;
    self->size = 4;
    self->signaled = false;
    self->timed = timed && xrt_futex_timeouts;
    self->cond_seq = ++xrt_r.cond_seq;
    xrt_block();
    self = &xrt_r.t[xrt_r.cur];
    bool woken = self->signaled;
    self->signaled = self->timed = false;
    xrt__value(woken);   /* the race scan's edge is for a wake only */
    return woken ? 0 : xrt__fail_errno(ETIMEDOUT);
}

static long xrt__futex_wait(uint32_t *addr, uint32_t val, bool timed, uintptr_t pc)
{
    if (!xrt_active) {   /* one thread: nobody could wake it */
        if (*(volatile uint32_t *)addr != val)
            return xrt__fail_errno(EAGAIN);
        if (timed)
            return xrt__fail_errno(ETIMEDOUT);
        xrt__refuse("a futex wait while no other thread runs (before main, or in a lab's "
                    "setup or judgement)");
    }
    xrt_point(XRT_OP_FWAIT, (uintptr_t)addr, 4, pc);
    uint32_t now = *(volatile uint32_t *)addr;
    xrt__value(now);
    if (now != val)
        return xrt__fail_errno(EAGAIN);
    return xrt__futex_sleep((uintptr_t)addr, timed);
}

/* Wakes up to |n| sleepers on |addr|, oldest first; returns how many. */
static long xrt__futex_wake(uint32_t *addr, int n, uintptr_t pc)
{
    if (!xrt_active)
        return 0;
    xrt_point(XRT_OP_FWAKE, (uintptr_t)addr, 4, pc);
    long woken = 0;
    while (woken < n) {
        struct xrt_thread *first = NULL;
        for (int i = 0; i < xrt_r.nthreads; i++) {
            struct xrt_thread *t = &xrt_r.t[i];
            if (t->state == XRT_LIVE && t->op == XRT_OP_FWOKEN && t->addr == (uintptr_t)addr &&
                !t->signaled && (first == NULL || t->cond_seq < first->cond_seq))
                first = t;
        }
        if (first == NULL)
            break;
        first->signaled = true;
        woken++;
    }
    xrt__value((uint64_t)woken);
    return woken;
}

static long xrt__futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts,
                       uint32_t val3, uintptr_t pc)
{
    int cmd = op & FUTEX_CMD_MASK;
    char why[200];
    bool any = val3 == FUTEX_BITSET_MATCH_ANY;
    if (cmd == FUTEX_WAIT || (cmd == FUTEX_WAIT_BITSET && any))
        return xrt__futex_wait(addr, val, ts != NULL, pc);
    if (cmd == FUTEX_WAKE || (cmd == FUTEX_WAKE_BITSET && any))
        return xrt__futex_wake(addr, val > INT_MAX ? INT_MAX : (int)val, pc);
    snprintf(why, sizeof why, "the program makes a futex call the explorer cannot model "
             "(syscall(%d), futex op %d%s)", SYS_futex, cmd,
             cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_WAKE_BITSET
                 ? ", a bitset other than FUTEX_BITSET_MATCH_ANY" : "");
    xrt__refuse(why);
}

pid_t gettid(void)
{
    return (pid_t)(XRT_TID_BASE + xrt_r.cur);
}

/* kill(tid, 0) on a green thread's id: sync/'s robust lock asks whether a
 * holder still runs when its poll period has passed in real time (which a
 * lab flavour's waits also see). -1 with EPERM while the thread runs (it
 * exists; the explorer delivers no signals, and EPERM keeps the lock from
 * asking /proc, which knows no such id), ESRCH once it has ended. Any other
 * kill is refused: a user's program that calls it is refused before it
 * runs (explore.c). */
int kill(pid_t pid, int sig)
{
    long t = (long)pid - XRT_TID_BASE;
    if (sig == 0 && t >= 0 && t < xrt_r.nthreads)
        return (int)xrt__fail_errno(xrt_r.t[t].state == XRT_DONE ? ESRCH : EPERM);
    xrt__refuse("the program calls kill(), which the explorer cannot model");
}

/* glibc's syscall(2): the six argument registers, whatever the call takes. */
long syscall(long number, ...)
{
    va_list ap;
    va_start(ap, number);
    long a[6];
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    if (number == SYS_futex)
        return xrt__futex((uint32_t *)a[0], (int)a[1], (uint32_t)a[2],
                          (const struct timespec *)a[3], (uint32_t)a[5], pc);
    if (number == SYS_gettid)
        return gettid();
    char why[160];
    snprintf(why, sizeof why, "the program makes a raw system call (syscall(%ld)), which the "
             "explorer cannot model", number);
    xrt__refuse(why);
}
