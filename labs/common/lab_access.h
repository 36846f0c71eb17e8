/* labs/common/lab_access.h - how a worker body touches shared state.
 *
 * Natively each access is one plain, separate load or store that the compiler
 * may neither fuse nor hoist out of the loop (volatile), and that
 * ThreadSanitizer instruments like any other access. So a racy loop
 *     v = LAB_LOAD(&c); LAB_STORE(&c, v + 1);
 * stays a real read-modify-write with a window between the two, instead of
 * being folded into "c += iters" (which would hide the race from a native run
 * but not from TSan). The coroutine models turn LAB_YIELD() into a yield
 * point; the future explorer will schedule at every access. */
#ifndef RACELAB_LAB_ACCESS_H
#define RACELAB_LAB_ACCESS_H

#include <stdatomic.h>
#include <stdbool.h>

/* The signal fence (a compiler barrier, no instruction) after the load keeps
 * it a separate instruction from the store that follows. Without it clang
 * fuses "v = LOAD; STORE(v + 1)" into one `addq $1, (mem)`: still racy
 * across CPUs (no lock prefix: its read and write are separate cache
 * transactions), but on one CPU a timer interrupt falls between two
 * instructions, never inside one, so coros-preempt could not split it. The
 * source says load, then store: the machine code must too. */
#define LAB_LOAD(p)                                                           \
    __extension__({                                                           \
        __typeof__(*(p)) lab__v = *(const volatile __typeof__(*(p)) *)(p);    \
        atomic_signal_fence(memory_order_seq_cst);                            \
        lab__v;                                                               \
    })
#define LAB_STORE(p, v) ((void)(*(volatile __typeof__(*(p)) *)(p) = (v)))

/* A yield point: under the coroutine models it switches to the next
 * coroutine; under threads and procs it does nothing (the scheduler
 * preempts whom it likes anyway). One predictable branch per use. */
extern bool lab__yield_points;
void lab__yield(void);
#define LAB_YIELD()     (lab__yield_points ? lab__yield() : (void)0)

#endif
