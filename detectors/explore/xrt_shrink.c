/* detectors/explore/xrt_shrink.c - the shrinking's last step (the driver).
 *
 * A failing schedule has the fewest preemptions (bounded search) and its
 * shortest replay prefix; what is left to tidy is the order of steps that
 * do not interact. Two adjacent steps of different threads whose operations
 * are independent (xrt_dependent: different memory, or both loads, or
 * different objects) can be swapped without changing what any thread reads
 * or finds: the run is the same Mazurkiewicz trace. Swapping them so the
 * lower-numbered thread goes first, until no such pair is left, gives one
 * canonical schedule per trace (easier to read: T1's steps before T2's
 * wherever the order does not matter). The later thread must have been
 * enabled before the earlier step (it was not woken by it), and a swap
 * must not add a preemption (counted with the enabled sets where they
 * were). The driver replays the result to confirm that it fails the same
 * way, with no more preemptions, before it takes it (xrt_search.c).
 * Before that, for the strategies that do not find the fewest preemptions
 * first (dpor, random, pct), the driver drops preemptions: it replays the
 * schedule cut just before its first, second ... preemption (the rest
 * without any) and keeps the first cut that still fails. */
#include "xrt.h"

uint32_t xrt_trace_preemptions(const struct xrt_shm *sh)
{
    uint32_t pre = 0;
    for (uint32_t i = 1; i < sh->nsteps; i++)
        pre += xrt_preempts(sh->steps[i].enabled, sh->steps[i - 1].tid,
                            sh->steps[i - 1].op == XRT_OP_YIELD, sh->steps[i].tid);
    return pre;
}

uint32_t xrt_preemption_at(const struct xrt_shm *sh, uint32_t k)
{
    for (uint32_t i = 1; i < sh->nsteps; i++)
        if (xrt_preempts(sh->steps[i].enabled, sh->steps[i - 1].tid,
                         sh->steps[i - 1].op == XRT_OP_YIELD, sh->steps[i].tid) && k-- == 0)
            return i;
    return UINT32_MAX;
}

/* The preemptions at positions i .. i + 2 with the steps in |order|. */
static unsigned xrt__local_cost(const struct xrt_shm *sh, const uint32_t *order, uint32_t i)
{
    unsigned c = 0;
    for (uint32_t j = i; j < i + 3 && j < sh->nsteps; j++)
        if (j > 0) {
            const struct xrt_step *p = &sh->steps[order[j - 1]];
            c += xrt_preempts(sh->steps[j].enabled, p->tid, p->op == XRT_OP_YIELD,
                              sh->steps[order[j]].tid);
        }
    return c;
}

/* Steps |a| (first) and |b| (second) may trade places. */
static bool xrt__swappable(const struct xrt_step *a, const struct xrt_step *b, uint64_t en)
{
    if (a->tid <= b->tid || !(en >> b->tid & 1))
        return false;
    if (a->op == XRT_OP_YIELD || b->op == XRT_OP_YIELD)
        return false;   /* a yield passes the turn: moving it changes who goes next */
    return !xrt_dependent(a->op, a->addr, a->addr2, a->size, b->op, b->addr, b->addr2,
                          b->size);
}

uint32_t xrt_shrink_swaps(const struct xrt_shm *sh, uint8_t *out, uint32_t *order)
{
    uint32_t n = sh->nsteps, swaps = 0;
    /* order: a permutation of the steps; the enabled sets stay with the
     * positions. A pass is O(n); the passes stop at 5e7 step visits. */
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    uint64_t budget = 50000000;
    for (bool changed = true; changed && budget >= n; budget -= n) {
        changed = false;
        for (uint32_t i = 0; i + 1 < n; i++) {
            const struct xrt_step *a = &sh->steps[order[i]], *b = &sh->steps[order[i + 1]];
            if (!xrt__swappable(a, b, sh->steps[i].enabled))
                continue;
            unsigned before = xrt__local_cost(sh, order, i);
            uint32_t t = order[i];
            order[i] = order[i + 1];
            order[i + 1] = t;
            if (xrt__local_cost(sh, order, i) > before) {
                order[i + 1] = order[i];
                order[i] = t;
                continue;
            }
            swaps++;
            changed = true;
        }
    }
    for (uint32_t i = 0; i < n; i++)
        out[i] = sh->steps[order[i]].tid;
    return swaps;
}
