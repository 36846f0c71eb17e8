/* labs/reorder/run.h - running one litmus test: threads, batches, the
 * histogram. */
#ifndef RACELAB_REORDER_RUN_H
#define RACELAB_REORDER_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "reorder.h"

#define REORDER_MAX_OUTCOMES 16u   /* 2^REORDER_MAX_OBS */
/* Under TSan every racy slot of plain is a new address, each reported race
 * costs about a millisecond before TSan's deduplication by address kicks in:
 * small batches reuse the addresses sooner. */
#ifdef RACELAB_TSAN_TWIN
#define REORDER_DEFAULT_BATCH 1000
#else
#define REORDER_DEFAULT_BATCH 50000
#endif
#define REORDER_DEFAULT_STEP_NS 100u

struct reorder_run {
    const struct reorder_test *test;
    enum reorder_variant variant;
    uint64_t iters;           /* iterations in all */
    uint32_t batch;           /* iterations per batch */
    double step_ns;           /* time between two iterations' starts */
    /* results */
    uint64_t count[REORDER_MAX_OUTCOMES];
    uint64_t wall_ns;
    bool pinned;
    int cpus[REORDER_MAX_THREADS];
};

/* Runs r->iters iterations of the test. Returns 0, EINTR when a stop was
 * asked for (reorder_stop()), or an errno value with a one-line reason. */
int reorder_run(struct reorder_run *r, char *err, size_t errlen);

/* Asks a running reorder_run() to stop after its batch (signal-safe). */
void reorder_stop(void);

#endif
