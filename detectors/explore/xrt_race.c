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
 * (sequentially consistent: each acts as release and acquire). A data race:
 * two accesses to one address from different threads, at least one a write
 * and at least one plain, with neither before the other. Each address keeps
 * its last write and every thread's last read (a race with an older access
 * of the same thread implies one with these). Addresses match exactly, not
 * by overlap; past XRT_RACE_CELLS addresses or objects the scan stops. */
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

static void xrt__join(uint32_t *dst, const uint32_t *src)
{
    for (int t = 0; t < XRT_RT; t++)
        dst[t] = dst[t] > src[t] ? dst[t] : src[t];
}

/* The synchronization a step does, on its thread's clock |vc|. A rwlock's
 * readers release into a second clock (its address + 1) that only a writer
 * acquires; a failed try operation acquires nothing. */
static bool xrt__sync(const struct xrt_step *s, uint32_t *vc)
{
    if ((s->op < XRT_OP_LOCK && !s->atomic) || s->op == XRT_OP_YIELD || s->op >= XRT_OP_FREE)
        return true;
    uint64_t obj = s->op == XRT_OP_WAIT || s->op == XRT_OP_WAKE ? s->addr2 : s->addr;
    struct xrt_cell *o = obj ? xrt__cell(xrt__objs, obj) : NULL;
    bool rw = s->op == XRT_OP_WRLOCK || s->op == XRT_OP_TRYWRLOCK || s->op == XRT_OP_RDUNLOCK;
    struct xrt_cell *c = s->op == XRT_OP_WAKE ? xrt__cell(xrt__objs, s->addr)
                         : rw ? xrt__cell(xrt__objs, s->addr + 1) : NULL;
    if ((obj && o == NULL) || ((s->op == XRT_OP_WAKE || rw) && c == NULL))
        return false;
    bool failed = (s->op == XRT_OP_TRYRDLOCK || s->op == XRT_OP_TRYWRLOCK) && !s->value;
    switch (s->op) {
    case XRT_OP_UNLOCK: case XRT_OP_WAIT: case XRT_OP_SEM_POST: case XRT_OP_SIGNAL:
    case XRT_OP_BROADCAST: case XRT_OP_ONCE_END:
        xrt__join(o->clock, vc);
        break;
    case XRT_OP_RDUNLOCK:
        xrt__join(c->clock, vc);
        break;
    case XRT_OP_LOCK: case XRT_OP_TRYLOCK: case XRT_OP_SEM_WAIT: case XRT_OP_ONCE:
    case XRT_OP_RDLOCK: case XRT_OP_TRYRDLOCK: case XRT_OP_WRLOCK: case XRT_OP_TRYWRLOCK:
    case XRT_OP_WAKE:
        if (!failed)
            xrt__join(vc, o->clock);
        if (c != NULL && !failed && s->op != XRT_OP_RDUNLOCK)
            xrt__join(vc, c->clock);   /* the signal before a wake; the readers before a writer */
        break;
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

bool xrt_race_scan(const struct xrt_shm *sh, struct xrt_race *out)
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
