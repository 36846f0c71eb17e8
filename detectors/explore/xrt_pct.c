/* detectors/explore/xrt_pct.c - probabilistic concurrency testing (PCT,
 * Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010), in the child.
 *
 * Every thread gets a random priority above d - 1 when it is created (the
 * main thread at the start); d - 1 priority change points k_1..k_{d-1} are
 * drawn uniformly from 1..k, k being the largest number of steps the
 * earlier runs took (the driver's estimate; the first run has none). The
 * enabled thread with the highest priority does every step; the thread
 * that does step k_i drops to priority i, below every thread that has not
 * yet dropped. A bug that needs d ordering constraints is then found in a
 * run with probability at least 1 / (n k^(d-1)) for n threads. One
 * departure: a thread that yields (sched_yield, the sleep calls) drops
 * below every other, or a spin loop with a yield would spin forever. */
#include "xrt.h"

static uint64_t xrt__rand(void)
{
    xrt_r.rng = xrt_r.rng * 6364136223846793005ull + 1442695040888963407ull;
    return xrt_r.rng >> 33;
}

/* A new thread's priority: d plus a random 31-bit number (ties go to the
 * lower thread). */
void xrt_pct_thread(int id)
{
    xrt_r.prio[id] = (int64_t)xrt_cfg.depth + (int64_t)xrt__rand();
}

void xrt_pct_begin(void)
{
    xrt_r.pct_low = 0;
    xrt_r.pct_nchange = 0;
    uint64_t k = xrt_cfg.pct_steps;
    for (int i = 1; k > 0 && i < xrt_cfg.depth && i <= 15; i++)
        xrt_r.pct_change[xrt_r.pct_nchange++] = (uint32_t)(1 + xrt__rand() % k);
    xrt_pct_thread(0);
}

/* The highest-priority enabled thread does step xrt_r.step + 1; then the
 * change points at that step and a yield lower its priority. */
int xrt_pct_pick(uint64_t en)
{
    int best = __builtin_ctzll(en);
    for (uint64_t m = en & (en - 1); m; m &= m - 1) {
        int t = __builtin_ctzll(m);
        if (xrt_r.prio[t] > xrt_r.prio[best])
            best = t;
    }
    uint32_t step = xrt_r.step + 1;
    for (int i = 0; i < xrt_r.pct_nchange; i++)
        if (xrt_r.pct_change[i] == step)
            xrt_r.prio[best] = i + 1;
    if (xrt_r.t[best].op == XRT_OP_YIELD)
        xrt_r.prio[best] = --xrt_r.pct_low;
    return best;
}
