/* labs/reorder/reorder.h - litmus tests: what the hardware and the compiler
 * reorder, and what acquire, release, seq_cst and fences forbid.
 *
 * CONCEPT
 *   A lost update needs no weak memory; this lab needs nothing else. Each
 *   litmus test is two to four threads of one or two accesses each, run
 *   millions of times; the histogram of the final register values shows
 *   which outcomes the machine produced. An outcome no interleaving of the
 *   program's accesses can give (forbidden under sequential consistency,
 *   SC) proves a reordering: a store waiting in a store buffer while a later
 *   load goes ahead, loads or stores performed out of program order, or
 *   stores reaching different CPUs in different orders.
 *
 * THE RACE (SB, store buffering; x = y = 0)
 *     step  thread 0            thread 1            store buffer 0  store buffer 1  memory
 *     1     x = 1  (buffered)                       x=1                             x=0 y=0
 *     2                         y = 1  (buffered)   x=1             y=1             x=0 y=0
 *     3     r0 = y -> 0                             x=1             y=1             x=0 y=0
 *     4                         r1 = x -> 0         x=1             y=1             x=0 y=0
 *     5     (buffers drain)                                                         x=1 y=1
 *   r0 = r1 = 0: under SC one of the stores comes first and the other
 *   thread's load sees it. x86-TSO allows it (each CPU reads its own buffer
 *   first, everyone else's only once drained); a seq_cst fence (MFENCE) or a
 *   seq_cst store (XCHG, a locked instruction) drains the buffer first.
 *
 * THE TESTS (every variable 0 at the start of an iteration)
 *   SB    T0: x=1; r0=y            T1: y=1; r1=x            weak: r0=0 r1=0
 *   MP    T0: x=1; y=1             T1: r0=y; r1=x           weak: r0=1 r1=0
 *   LB    T0: r0=x; y=1            T1: r1=y; x=1            weak: r0=1 r1=1
 *   2+2W  T0: x=1; y=2             T1: y=1; x=2             weak: x=1 y=1 (final)
 *   IRIW  T0: x=1   T1: y=1   T2: r0=x; r1=y   T3: r2=y; r3=x   weak: r0=1 r1=0 r2=1 r3=0
 *   Each has exactly one outcome SC forbids (the weak one).
 *
 * VARIANTS
 *   relaxed   memory_order_relaxed loads and stores (sync/atomic.h)
 *   acqrel    acquire loads, release stores
 *   seqcst    seq_cst loads and stores
 *   fence     relaxed accesses with a seq_cst fence between each thread's two
 *   plain     ordinary non-atomic int accesses: a data race (undefined
 *             behaviour in C11), and the compiler may reorder them itself
 *
 * EXPECTED (on x86-64)
 *   Only SB's weak outcome appears, and only under relaxed, acqrel and plain:
 *   x86-TSO keeps loads in order, stores in order, and stores multi-copy
 *   atomic, so MP, LB, 2+2W and IRIW never show theirs, although C11 allows
 *   them under relaxed (and 2+2W and IRIW under acqrel) and POWER and ARM
 *   hardware shows them. seqcst and fence forbid every weak outcome.
 *
 * TYPICAL
 *   SB relaxed: r0=r1=0 in a few percent of the iterations, fewer when the
 *   cores are shared (a descheduled thread runs its late iterations alone,
 *   unaligned). The counts differ every run (notes/reorder.md has them).
 *
 * DETECTORS
 *   ThreadSanitizer reports plain (a data race) and nothing on relaxed: an
 *   atomic access is never a race, whatever its order, and TSan models no
 *   store buffer, so it cannot see r0=r1=0 as wrong. Only the histogram can.
 *
 * TRY
 *   lab-reorder --test sb                  (every variant of SB)
 *   lab-reorder --test sb --variant relaxed --iters 10000000
 *   lab-reorder --variant relaxed          (every test: which weak outcomes show here?)
 *   lab-reorder --disasm                   (how to see what plain compiled to) */
#ifndef RACELAB_REORDER_H
#define RACELAB_REORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "sync/atomic.h"

#define REORDER_MAX_THREADS 4u
#define REORDER_MAX_OBS 4u
#define REORDER_NVARIANTS 5u
#define REORDER_NTESTS 5u

enum reorder_variant { RV_RELAXED, RV_ACQREL, RV_SEQCST, RV_FENCE, RV_PLAIN };

/* What a model says of a test's weak outcome under one variant. */
enum reorder_verdict { RO_FORBIDDEN, RO_ALLOWED, RO_UNDEFINED };

/* One batch: per-iteration slots the threads run through, one barrier per
 * batch. x and y are the shared variables (an atomic and a plain view);
 * r[k] is thread k's register array (thread-private while the batch runs). */
struct reorder_batch {
    sync_atomic_u32 *ax, *ay;
    uint32_t *px, *py;
    uint8_t *r[REORDER_MAX_OBS];
    uint32_t n;          /* iterations in this batch */
    uint64_t start;      /* tick at which iteration 0 starts */
    uint64_t step;       /* ticks between two iterations' starts */
};

typedef void (*reorder_thread_fn)(const struct reorder_batch *b);

struct reorder_test {
    const char *name;          /* "sb": the variant names are "sb-relaxed", ... */
    const char *title;         /* "SB (store buffering)" */
    const char *code;          /* the threads, one line */
    unsigned threads;
    unsigned nobs;             /* registers (or final values) observed */
    const char *obs[REORDER_MAX_OBS];   /* their names: "r0", "x" */
    uint32_t lo;               /* an observation's two values: lo and lo + 1 */
    bool final_xy;             /* observations are the final x and y, not registers */
    unsigned weak;             /* the SC-forbidden outcome: bit k = observation k is lo + 1 */
    enum reorder_verdict c11[REORDER_NVARIANTS];   /* the weak outcome under C11 */
    enum reorder_verdict tso[REORDER_NVARIANTS];   /* and under x86-TSO, as compiled */
    /* Where C11 allows the weak outcome and x86-TSO does not: where it is seen
     * instead (per variant; NULL elsewhere). */
    const char *elsewhere[REORDER_NVARIANTS];
    reorder_thread_fn fn[REORDER_NVARIANTS][REORDER_MAX_THREADS];
};

extern const struct reorder_test reorder_tests[REORDER_NTESTS];
extern const char *const reorder_variant_names[REORDER_NVARIANTS];
extern const char *const reorder_variant_descs[REORDER_NVARIANTS];

/* The time source the threads align on: the TSC on x86, else the monotonic
 * clock in ns. reorder_ticks_per_us() is measured once. */
#if defined(__x86_64__) || defined(__i386__)
#define REORDER_TIME_BASE "TSC"
#else
#define REORDER_TIME_BASE "monotonic clock"
#endif
uint64_t reorder_ticks(void);
double reorder_ticks_per_us(void);

/* Spins until tick |t| (the per-iteration alignment, no communication). */
void reorder_wait_until(uint64_t t);

/* Whether the weak outcome of |t| is allowed for variant |v|: by C11 (the
 * variant is racy by design then). */
bool reorder_racy(const struct reorder_test *t, enum reorder_variant v);

/* "r0=0 r1=1" for outcome bits |o|. */
void reorder_outcome_name(const struct reorder_test *t, unsigned o, char *buf, size_t n);

#endif
