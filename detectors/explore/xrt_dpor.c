/* detectors/explore/xrt_dpor.c - the driver's dynamic partial-order
 * reduction (Flanagan-Godefroid 2005) with sleep sets (Godefroid 1996).
 *
 * After each run the whole trace is analysed: happens-before is program
 * order, thread creation and join (events: no steps of their own) and the
 * order of dependent steps (xrt_dependent), as vector clocks. For every two
 * dependent steps i < j of different threads where i does not happen before
 * the step of j's thread that precedes j, the
 * thread of j goes into the backtrack set of the state before i (all of
 * that state's enabled threads when it was not enabled there). The next run
 * branches at the deepest state with a backtrack thread not yet done and not
 * asleep. Sleep sets: a thread explored from a state, or asleep there,
 * sleeps in the branch that follows as long as the steps taken are
 * independent of its pending operation; the child keeps the set along its
 * own run and stops a run whose enabled threads all sleep (an execution
 * equivalent to one already explored: counted as an execution, not a run).
 * Sleep sets mean no two complete runs are equivalent; the backtracking means
 * every equivalence class (Mazurkiewicz trace) gets one: the runs counted
 * are the program's traces. Up to XRT_DPOR_THREADS threads. */
#include <stdlib.h>
#include <string.h>

#include "xrt.h"

struct xrt_dnode {
    uint64_t enabled, done, backtrack, sleep;
    struct xrt_pend pend[XRT_DPOR_THREADS];   /* every thread's pending operation */
    struct xrt_pend step;                     /* the operation done */
    uint8_t tid;
};

static struct xrt_dnode *xrt__d;
static uint32_t (*xrt__vc)[XRT_DPOR_THREADS];    /* after the step */
static uint32_t (*xrt__pvc)[XRT_DPOR_THREADS];   /* its thread's, before the step */
static uint32_t xrt__dn;

size_t xrt_dpor_step_bytes(void)
{
    return sizeof *xrt__d + sizeof *xrt__vc + sizeof *xrt__pvc;
}

bool xrt_dpor_init(uint64_t max_steps)
{
    xrt__d = calloc(max_steps, sizeof *xrt__d);
    xrt__vc = calloc(max_steps, sizeof *xrt__vc);
    xrt__pvc = calloc(max_steps, sizeof *xrt__pvc);
    return xrt__d != NULL && xrt__vc != NULL && xrt__pvc != NULL;
}

static bool xrt__dep(const struct xrt_pend *a, const struct xrt_pend *b)
{
    return xrt_dependent(a->op, a->addr, a->addr2, a->size, b->op, b->addr, b->addr2, b->size);
}

/* Vector clocks: vc[j][t] = 1 + the last step of t that happens before j
 * (or is j); pvc[j] the same for j's thread just before j, without j's own
 * dependences: a dependent step it does not cover is a race. */
static void xrt__clocks(const struct xrt_shm *sh, uint32_t n)
{
    uint32_t tvc[XRT_DPOR_THREADS][XRT_DPOR_THREADS];
    memset(tvc, 0, sizeof tvc);
    uint32_t e = 0;
    for (uint32_t j = 0; j < n; j++) {
        for (; e < sh->nevents && sh->events[e].time <= j; e++) {
            const struct xrt_event *ev = &sh->events[e];
            if (ev->a >= XRT_DPOR_THREADS || ev->b >= XRT_DPOR_THREADS)
                continue;
            for (int t = 0; t < XRT_DPOR_THREADS; t++) {
                if (ev->join)
                    tvc[ev->a][t] = tvc[ev->a][t] > tvc[ev->b][t] ? tvc[ev->a][t] : tvc[ev->b][t];
                else
                    tvc[ev->b][t] = tvc[ev->a][t];
            }
        }
        unsigned p = xrt__d[j].tid;
        uint32_t *vc = xrt__vc[j];
        memcpy(vc, tvc[p], sizeof tvc[p]);
        memcpy(xrt__pvc[j], tvc[p], sizeof tvc[p]);
        for (uint32_t i = 0; i < j; i++)
            if (xrt__d[i].tid != p && xrt__dep(&xrt__d[i].step, &xrt__d[j].step))
                for (int t = 0; t < XRT_DPOR_THREADS; t++)
                    vc[t] = vc[t] > xrt__vc[i][t] ? vc[t] : xrt__vc[i][t];
        vc[p] = j + 1;
        memcpy(tvc[p], vc, sizeof tvc[p]);
    }
}

static void xrt__races(uint32_t n)
{
    for (uint32_t j = 0; j < n; j++) {
        unsigned q = xrt__d[j].tid;
        for (uint32_t i = 0; i < j; i++) {
            struct xrt_dnode *d = &xrt__d[i];
            if (d->tid == q || !xrt__dep(&d->step, &xrt__d[j].step) ||
                xrt__pvc[j][d->tid] >= i + 1)
                continue;
            d->backtrack |= (d->enabled >> q & 1) ? 1ull << q : d->enabled;
        }
    }
}

/* The run's steps from |plen| on become nodes; then its races. */
void xrt_dpor_record(const struct xrt_shm *sh, uint32_t plen)
{
    const struct xrt_pend *pend = (const struct xrt_pend *)&sh->steps[xrt_cfg.max_steps];
    for (uint32_t i = plen; i < sh->nsteps; i++) {
        struct xrt_dnode *d = &xrt__d[i];
        const struct xrt_step *st = &sh->steps[i];
        d->enabled = st->enabled;
        d->sleep = st->sleep;
        d->done = 1ull << st->tid;
        d->backtrack = 0;
        memcpy(d->pend, &pend[(size_t)i * XRT_DPOR_THREADS], sizeof d->pend);
        d->tid = st->tid;
        d->step = d->pend[st->tid];
    }
    if (plen > 0 && plen <= sh->nsteps) {   /* the branch taken at plen - 1 */
        struct xrt_dnode *d = &xrt__d[plen - 1];
        d->tid = sh->steps[plen - 1].tid;
        d->step = d->pend[d->tid];
    }
    xrt__dn = sh->nsteps;
    xrt__clocks(sh, xrt__dn);
    xrt__races(xrt__dn);
}

/* The next branch: prefix[0..*plen) and the sleep set after it. */
bool xrt_dpor_next(uint8_t *prefix, uint32_t *plen, uint64_t *sleep)
{
    for (uint32_t i = xrt__dn; i-- > 0;) {
        struct xrt_dnode *d = &xrt__d[i];
        uint64_t candidates = d->backtrack & d->enabled & ~d->done & ~d->sleep;
        if (candidates == 0)
            continue;
        unsigned q = (unsigned)__builtin_ctzll(candidates);
        uint64_t asleep = (d->sleep | d->done) & ~(1ull << q), next = 0;
        for (unsigned r = 0; r < XRT_DPOR_THREADS; r++)
            if ((asleep >> r & 1) && !xrt__dep(&d->pend[r], &d->pend[q]))
                next |= 1ull << r;
        d->done |= 1ull << q;
        for (uint32_t k = 0; k < i; k++)
            prefix[k] = xrt__d[k].tid;
        prefix[i] = (uint8_t)q;
        *plen = i + 1;
        *sleep = next;
        xrt__dn = i + 1;
        return true;
    }
    return false;
}
