/* detectors/explore/xrt_race.c - data races in a run's trace, from
 * happens-before (vector clocks), the way FastTrack finds them.
 *
 * Happens-before here is what C11 and POSIX promise: program order, thread
 * creation and join, a mutex's unlock (or condition wait) before its next
 * lock (or wake), signal or broadcast before the wakes they allow,
 * sem_post before sem_wait, a rwlock's unlocks before the locks that follow
 * (a reader's only before a writer), every barrier arrival before the
 * round's end, a once's function before every later caller, and every
 * atomic operation on an address
 * (sequentially consistent: each acts as release and acquire), and a
 * futex wake before the waits it ends (FWOKEN with value 1: woken, not
 * timed out; its clock is kept apart from the word's atomics, at the
 * address with bit 63 set). A data race:
 * two accesses to one address from different threads, at least one a write
 * and at least one plain, with neither before the other. Each address keeps
 * its last write and every thread's last read (a race with an older access
 * of the same thread implies one with these). Addresses match exactly, not
 * by overlap; past XRT_RACE_CELLS addresses or objects the scan stops.
 * A use after free: an access to a freed block (or a second free) later in
 * the run, until an allocation hands the address out again; it is reported
 * in preference to a data race (a second pass over the runs that free). */
#include <string.h>

#include "xrt.h"

#define XRT_RACE_CELLS 4096
#define XRT_RT XRT_DPOR_THREADS   /* threads tracked; the others are skipped */

struct xrt_cell {
    uint64_t addr;
    uint32_t wstep, rstep[XRT_RT];   /* step index + 1, 0 none */
    uint32_t clock[XRT_RT];          /* a sync object's clock (mutex, cond, sem, atomic) */
};

static struct xrt_cell xrt__cells[XRT_RACE_CELLS], xrt__objs[XRT_RACE_CELLS];

#define XRT_FREED 256
struct xrt_freed {
    uint64_t addr, size;
    uint32_t step;                   /* the FREE's index */
};
static struct xrt_freed xrt__freed[XRT_FREED];
static unsigned xrt__nfreed, xrt__alloc_next;

static struct xrt_cell *xrt__cell(struct xrt_cell *tab, uint64_t addr)
{
    uint64_t h = (addr * 0x9e3779b97f4a7c15ull) >> 52;   /* 12 bits */
    for (unsigned k = 0; k < XRT_RACE_CELLS; k++) {
        struct xrt_cell *c = &tab[(h + k) % XRT_RACE_CELLS];
        if (c->addr == addr)
            return c;
        if (c->addr == 0) {
            c->addr = addr;
            return c;
        }
    }
    return NULL;
}

/* dst = max(dst, src), element by element, four at a time (written out:
 * the compilers' own vectorizing of the loop comes and goes with the code
 * around it, and this is most of the scan's time at a lock). */
typedef uint32_t xrt_v4 __attribute__((vector_size(16)));
_Static_assert(XRT_RT % 4 == 0, "clocks in fours");

static void xrt__join(uint32_t *restrict dst, const uint32_t *restrict src)
{
    for (int k = 0; k < XRT_RT; k += 4) {
        xrt_v4 a, b;
        memcpy(&a, dst + k, sizeof a);
        memcpy(&b, src + k, sizeof b);
        xrt_v4 m = (xrt_v4)(a > b);
        a = (a & m) | (b & ~m);
        memcpy(dst + k, &a, sizeof a);
    }
}

/* The writer side of a rwlock (its readers release into a second clock at
 * its address + 1, which only a writer acquires) and a condition's wake
 * (the signal's clock, at the condition, besides the mutex's). */
static bool xrt__sync2(const struct xrt_step *s, uint32_t *vc, struct xrt_cell *o)
{
    struct xrt_cell *c = xrt__cell(xrt__objs, s->op == XRT_OP_WAKE ? s->addr : s->addr + 1);
    if (c == NULL)
        return false;
    if (s->op == XRT_OP_RDUNLOCK) {
        xrt__join(c->clock, vc);
    } else if (s->op != XRT_OP_TRYWRLOCK || s->value) {
        xrt__join(vc, o->clock);
        xrt__join(vc, c->clock);
    }
    return true;
}

/* A futex wake releases into the futex's clock; the wait it ends acquires. */
static bool xrt__futex_sync(const struct xrt_step *s, uint32_t *vc)
{
    struct xrt_cell *f = xrt__cell(xrt__objs, s->addr | 1ull << 63);
    if (f == NULL)
        return false;
    if (s->op == XRT_OP_FWAKE)
        xrt__join(f->clock, vc);
    else if (s->value)
        xrt__join(vc, f->clock);
    return true;
}

/* The synchronization a step does, on its thread's clock |vc|; a failed
 * try operation acquires nothing. */
static bool xrt__sync(const struct xrt_step *s, uint32_t *vc)
{
    if (s->op == XRT_OP_FWAKE || s->op == XRT_OP_FWOKEN)
        return xrt__futex_sync(s, vc);
    if ((s->op < XRT_OP_LOCK && !s->atomic) || s->op == XRT_OP_YIELD || s->op >= XRT_OP_FREE)
        return true;
    uint64_t obj = s->op == XRT_OP_WAIT || s->op == XRT_OP_WAKE ? s->addr2 : s->addr;
    struct xrt_cell *o = obj ? xrt__cell(xrt__objs, obj) : NULL;
    if (obj && o == NULL)
        return false;
    switch (s->op) {
    case XRT_OP_UNLOCK: case XRT_OP_WAIT: case XRT_OP_SEM_POST: case XRT_OP_SIGNAL:
    case XRT_OP_BROADCAST: case XRT_OP_ONCE_END:
        xrt__join(o->clock, vc);
        break;
    case XRT_OP_LOCK: case XRT_OP_TRYLOCK: case XRT_OP_SEM_WAIT: case XRT_OP_ONCE:
    case XRT_OP_RDLOCK:
        xrt__join(vc, o->clock);
        break;
    case XRT_OP_TRYRDLOCK:
        if (s->value)
            xrt__join(vc, o->clock);
        break;
    case XRT_OP_WRLOCK: case XRT_OP_TRYWRLOCK: case XRT_OP_RDUNLOCK: case XRT_OP_WAKE:
        return xrt__sync2(s, vc, o);
    case XRT_OP_BARRIER:   /* every arrival before the round's end (the join events) */
        xrt__join(vc, o->clock);
        xrt__join(o->clock, vc);
        break;
    default:
        if (s->atomic && o != NULL) {
            xrt__join(vc, o->clock);
            xrt__join(o->clock, vc);
        }
    }
    return true;
}

static bool xrt__before(uint32_t step1, const struct xrt_shm *sh, const uint32_t *vc)
{
    unsigned t = sh->steps[step1 - 1].tid;
    return vc[t] >= step1;
}

/* Checks access |j| against the cell's history; true with *out on a race. */
static bool xrt__check(const struct xrt_shm *sh, uint32_t j, struct xrt_cell *c,
                       const uint32_t *vc, struct xrt_race *out)
{
    const struct xrt_step *s = &sh->steps[j];
    bool write = s->op != XRT_OP_LOAD;
    uint32_t cand[XRT_RT + 1];
    unsigned n = 0;
    if (c->wstep)
        cand[n++] = c->wstep;
    for (int t = 0; write && t < XRT_RT; t++)
        if (c->rstep[t])
            cand[n++] = c->rstep[t];
    for (unsigned k = 0; k < n; k++) {
        const struct xrt_step *p = &sh->steps[cand[k] - 1];
        if (p->tid == s->tid || (p->atomic && s->atomic) || xrt__before(cand[k], sh, vc))
            continue;
        *out = (struct xrt_race){ .addr = s->addr, .pc1 = p->pc, .pc2 = s->pc,
                                  .tid1 = p->tid, .op1 = p->op, .tid2 = s->tid, .op2 = s->op,
                                  .size = s->size };
        return true;
    }
    if (write)
        c->wstep = j + 1;
    else
        c->rstep[s->tid] = j + 1;
    return false;
}

static void xrt__events(const struct xrt_shm *sh, uint32_t *e, uint32_t j,
                        uint32_t (*tvc)[XRT_RT])
{
    for (; *e < sh->nevents && sh->events[*e].time <= j; (*e)++) {
        const struct xrt_event *ev = &sh->events[*e];
        if (ev->a >= XRT_RT || ev->b >= XRT_RT)
            continue;
        if (ev->join)
            xrt__join(tvc[ev->a], tvc[ev->b]);
        else
            memcpy(tvc[ev->b], tvc[ev->a], sizeof tvc[ev->a]);
    }
}

/* Blocks allocated before step |j| are live again. */
static void xrt__reallocs(const struct xrt_shm *sh, uint32_t j)
{
    for (; xrt__alloc_next < sh->nallocs && sh->allocs[xrt__alloc_next].time <= j;
         xrt__alloc_next++) {
        const struct xrt_alloc *a = &sh->allocs[xrt__alloc_next];
        for (unsigned k = 0; k < xrt__nfreed;)
            if (xrt__freed[k].addr < a->addr + (a->size ? a->size : 1) &&
                a->addr < xrt__freed[k].addr + xrt__freed[k].size)
                xrt__freed[k] = xrt__freed[--xrt__nfreed];
            else
                k++;
    }
}

/* Step |j| touches a freed block: true with *out. A FREE adds its block. */
static bool xrt__uaf(const struct xrt_shm *sh, uint32_t j, struct xrt_race *out)
{
    const struct xrt_step *s = &sh->steps[j];
    if (sh->alloc_lost && j + 1 >= sh->alloc_lost)
        return false;   /* an allocation went unrecorded: reuse is unknown from here */
    xrt__reallocs(sh, j);
    for (unsigned k = 0; k < xrt__nfreed; k++) {
        const struct xrt_freed *f = &xrt__freed[k];
        if (s->addr - f->addr >= (f->size ? f->size : 1))
            continue;
        const struct xrt_step *fs = &sh->steps[f->step];
        *out = (struct xrt_race){ .addr = s->addr, .pc1 = fs->pc, .pc2 = s->pc, .tid1 = fs->tid,
                                  .op1 = XRT_OP_FREE, .tid2 = s->tid, .op2 = s->op,
                                  .size = s->size };
        return true;
    }
    if (s->op == XRT_OP_FREE && xrt__nfreed < XRT_FREED)
        xrt__freed[xrt__nfreed++] =
            (struct xrt_freed){ .addr = s->addr, .size = s->addr2, .step = j };
    return false;
}

/* The first data race of the run, by happens-before. */
static bool xrt__hb_scan(const struct xrt_shm *sh, struct xrt_race *out)
{
    uint32_t tvc[XRT_RT][XRT_RT];
    memset(tvc, 0, sizeof tvc);
    memset(xrt__cells, 0, sizeof xrt__cells);
    memset(xrt__objs, 0, sizeof xrt__objs);
    uint32_t e = 0;
    for (uint32_t j = 0; j < sh->nsteps; j++) {
        const struct xrt_step *s = &sh->steps[j];
        if (s->tid >= XRT_RT)
            continue;
        xrt__events(sh, &e, j, tvc);
        uint32_t *vc = tvc[s->tid];
        vc[s->tid] = j + 1;
        if (!xrt__sync(s, vc))
            return false;
        if (s->op > XRT_OP_CAS || s->addr == 0)
            continue;
        struct xrt_cell *c = xrt__cell(xrt__cells, s->addr);
        if (c == NULL)
            return false;
        if (xrt__check(sh, j, c, vc, out))
            return true;
    }
    return false;
}

/* The first use after free of the run (only runs that free). */
static bool xrt__uaf_scan(const struct xrt_shm *sh, struct xrt_race *out)
{
    xrt__nfreed = xrt__alloc_next = 0;
    for (uint32_t j = 0; j < sh->nsteps; j++) {
        const struct xrt_step *s = &sh->steps[j];
        if ((s->op <= XRT_OP_CAS || s->op == XRT_OP_FREE) && s->addr != 0 &&
            xrt__uaf(sh, j, out))
            return true;
    }
    return false;
}

bool xrt_race_scan(const struct xrt_shm *sh, struct xrt_race *out)
{
    struct xrt_race first;
    bool raced = xrt__hb_scan(sh, &first);
    if (sh->nfrees && xrt__uaf_scan(sh, out))
        return true;
    if (raced)
        *out = first;
    return raced;
}
