/* detectors/explore/xrt_tty.c - racelab explore --tty's stop (xrt_tty.h):
 * at the end of the schedule prefix, every thread's state, the values of
 * the memory the run touched and the owners of its mutexes go to a file,
 * and the run ends there.
 *
 * It runs in the child, between two steps: no thread is inside an
 * operation. Values are read with process_vm_readv so that a block the
 * program has freed and unmapped since reads as 0 instead of faulting. The
 * file is written through a static buffer: no malloc (xrt_malloc.c would
 * record it as the program's). */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "xrt.h"
#include "xrt_tty.h"

struct xrt_tty_out {
    int fd;
    size_t len;
    char buf[8192];
};

static void xrt_tty__flush(struct xrt_tty_out *o)
{
    for (size_t off = 0; off < o->len;) {
        ssize_t n = write(o->fd, o->buf + off, o->len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    o->len = 0;
}

static void xrt_tty__printf(struct xrt_tty_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void xrt_tty__printf(struct xrt_tty_out *o, const char *fmt, ...)
{
    if (o->len > sizeof o->buf - 256)
        xrt_tty__flush(o);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n < sizeof o->buf - o->len ? (size_t)n : sizeof o->buf - o->len - 1;
}

static uint64_t xrt_tty__read(uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    struct iovec local = { &v, size > 8 ? 8 : size ? size : 1 };
    struct iovec remote = { (void *)(uintptr_t)addr, local.iov_len };
    if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)local.iov_len)
        v = 0;
    return v;
}

/* The mutex a pending operation waits for, or 0. */
static uintptr_t xrt_tty__wanted(const struct xrt_thread *t)
{
    if (t->op == XRT_OP_LOCK || t->op == XRT_OP_TRYLOCK)
        return t->addr;
    return t->op == XRT_OP_WAKE ? t->addr2 : 0;
}

static void xrt_tty__threads(struct xrt_tty_out *o)
{
    for (int i = 0; i < xrt_r.nthreads; i++) {
        const struct xrt_thread *t = &xrt_r.t[i];
        uintptr_t m = t->state == XRT_LIVE ? xrt_tty__wanted(t) : 0;
        int owner = m ? (int)xrt_mutex_owner(m) - 1 : -1;
        unsigned semval = t->state == XRT_LIVE && t->op == XRT_OP_SEM_WAIT
                              ? (unsigned)xrt_tty__read(t->addr, 4) : 0;
        xrt_tty__printf(o, "tty thread %d %u %u %u %llx %llx %llx %d %d %u %u\n", i, t->state,
                        t->op, t->size, (unsigned long long)t->addr,
                        (unsigned long long)t->addr2, (unsigned long long)t->pc, t->join_on,
                        owner, semval, (unsigned)t->signaled | (unsigned)t->timed << 1);
    }
    for (int k = 0; k < xrt_r.nmutexes; k++)
        xrt_tty__printf(o, "tty mutex %llx %d\n", (unsigned long long)xrt_r.mutexes[k],
                        (int)xrt_mutex_owner(xrt_r.mutexes[k]) - 1);
}

/* Adds a memory access's address to |vars| once (at most XRT_TTY_MAX_VARS). */
static void xrt_tty__note(uint64_t (*vars)[2], unsigned *n, uint8_t op, uint64_t a, unsigned sz)
{
    if (op > XRT_OP_CAS || a == 0)
        return;
    for (unsigned k = 0; k < *n; k++)
        if (vars[k][0] == a) {
            vars[k][1] = sz > vars[k][1] ? sz : vars[k][1];
            return;
        }
    if (*n < XRT_TTY_MAX_VARS) {
        vars[*n][0] = a;
        vars[(*n)++][1] = sz;
    }
}

static void xrt_tty__vars(struct xrt_tty_out *o)
{
    static uint64_t vars[XRT_TTY_MAX_VARS][2];
    unsigned n = 0;
    for (uint32_t i = 0; i < xrt_shm->nsteps; i++)
        xrt_tty__note(vars, &n, xrt_shm->steps[i].op, xrt_shm->steps[i].addr,
                      xrt_shm->steps[i].size);
    for (int i = 0; i < xrt_r.nthreads; i++)
        if (xrt_r.t[i].state == XRT_LIVE)
            xrt_tty__note(vars, &n, xrt_r.t[i].op, xrt_r.t[i].addr, xrt_r.t[i].size);
    for (unsigned k = 0; k < n; k++)
        xrt_tty__printf(o, "tty var %llx %u %llx\n", (unsigned long long)vars[k][0],
                        (unsigned)vars[k][1],
                        (unsigned long long)xrt_tty__read(vars[k][0], (unsigned)vars[k][1]));
}

static void xrt_tty__trace(struct xrt_tty_out *o)
{
    for (uint32_t i = 0; i < xrt_shm->nsteps; i++) {
        const struct xrt_step *st = &xrt_shm->steps[i];
        xrt_tty__printf(o, "step %u %u %u %llx %llx %u %llx\n", st->tid, st->op, st->size,
                        (unsigned long long)st->addr, (unsigned long long)st->value, st->known,
                        (unsigned long long)st->pc);
    }
    for (uint32_t i = 0; i < xrt_shm->nallocs && i < XRT_MAX_ALLOCS; i++)
        xrt_tty__printf(o, "alloc %llx %llx %llx\n", (unsigned long long)xrt_shm->allocs[i].addr,
                        (unsigned long long)xrt_shm->allocs[i].size,
                        (unsigned long long)xrt_shm->allocs[i].pc);
}

void xrt_tty_stop(uint64_t enabled)
{
    static int on = -1;
    static const char *path;
    if (on < 0) {
        path = getenv(XRT_TTY_ENV);
        on = path != NULL && path[0] != '\0';
    }
    if (!on)
        return;
    static struct xrt_tty_out o;
    o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (o.fd < 0)
        xrt_fail(XRT_ST_UNSUPPORTED, "--tty: cannot write %s", path);
    for (int i = 0; i < xrt_r.nthreads; i++)
        xrt_fixup(&xrt_r.t[i]);
    xrt_tty__printf(&o, "tty stop %u %d %llx\n", xrt_shm->nsteps, xrt_r.nthreads,
                    (unsigned long long)enabled);
    xrt_tty__threads(&o);
    xrt_tty__vars(&o);
    xrt_tty__trace(&o);
    xrt_tty__flush(&o);
    close(o.fd);
    _exit(0);
}
