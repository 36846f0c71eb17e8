/* labs/reorder/tests.c - the litmus tests' threads, one function per test,
 * thread and variant, all generated from one body per thread.
 *
 * A variant is four macros: the type of the shared variables, a store, a
 * load and what goes between a thread's two accesses. The bodies are written
 * once (REORDER__TESTS), so the difference between relaxed and fence is
 * those macros and nothing else. Every iteration waits for its own start
 * tick (reorder_wait_until): the threads align on the clock, not on each
 * other, so nothing but the test's own accesses passes between them inside
 * a batch. */
#include <stddef.h>
#include <stdio.h>

#include "reorder.h"

/* The per-variant accessors. X and Y pick the view of the slot arrays. */
#define RELAXED_ST(p, v) sync_store_u32((p), (v), SYNC_RELAXED)
#define RELAXED_LD(p) ((uint8_t)sync_load_u32((p), SYNC_RELAXED))
#define RELAXED_MID() ((void)0)
#define RELAXED_X(b) ((b)->ax)
#define RELAXED_Y(b) ((b)->ay)

/* Release stores pair with acquire loads of the same slot in the other
 * thread: that is all acquire/release orders, and SB has no such pair. */
#define ACQREL_ST(p, v) sync_store_u32((p), (v), SYNC_RELEASE)
#define ACQREL_LD(p) ((uint8_t)sync_load_u32((p), SYNC_ACQUIRE))
#define ACQREL_MID() ((void)0)
#define ACQREL_X(b) ((b)->ax)
#define ACQREL_Y(b) ((b)->ay)

#define SEQCST_ST(p, v) sync_store_u32((p), (v), SYNC_SEQ_CST)
#define SEQCST_LD(p) ((uint8_t)sync_load_u32((p), SYNC_SEQ_CST))
#define SEQCST_MID() ((void)0)
#define SEQCST_X(b) ((b)->ax)
#define SEQCST_Y(b) ((b)->ay)

/* The seq_cst fence (MFENCE on x86) between the accesses orders them for
 * every thread that has one too. */
#define FENCE_ST(p, v) sync_store_u32((p), (v), SYNC_RELAXED)
#define FENCE_LD(p) ((uint8_t)sync_load_u32((p), SYNC_RELAXED))
#define FENCE_MID() sync_fence(SYNC_SEQ_CST)
#define FENCE_X(b) ((b)->ax)
#define FENCE_Y(b) ((b)->ay)

/* Plain accesses: a data race, and the compiler may reorder or merge them. */
#define PLAIN_ST(p, v) (*(p) = (v))
#define PLAIN_LD(p) ((uint8_t)*(p))
#define PLAIN_MID() ((void)0)
#define PLAIN_X(b) ((b)->px)
#define PLAIN_Y(b) ((b)->py)

/* One thread: for each slot, wait for its tick, then BODY (which sees x, y,
 * i and the register array r). */
#define REORDER__THREAD(name, V, reg, BODY)                                    \
    static void name##_##V(const struct reorder_batch *b)                      \
    {                                                                          \
        __typeof__(V##_X(b)) x = V##_X(b), y = V##_Y(b);                       \
        uint8_t *r = b->r[reg];                                                \
        (void)x;                                                               \
        (void)y;                                                               \
        (void)r;                                                               \
        for (uint32_t i = 0; i < b->n; i++) {                                  \
            reorder_wait_until(b->start + i * b->step);                        \
            BODY;                                                              \
        }                                                                      \
    }

#define REORDER__TESTS(V)                                                                 \
    REORDER__THREAD(sb0, V, 0, (V##_ST(&x[i], 1), V##_MID(), r[i] = V##_LD(&y[i])))      \
    REORDER__THREAD(sb1, V, 1, (V##_ST(&y[i], 1), V##_MID(), r[i] = V##_LD(&x[i])))      \
    REORDER__THREAD(mp0, V, 0, (V##_ST(&x[i], 1), V##_MID(), V##_ST(&y[i], 1)))          \
    REORDER__THREAD(mp1, V, 0, (r[i] = V##_LD(&y[i]), V##_MID(),                         \
                                b->r[1][i] = V##_LD(&x[i])))                             \
    REORDER__THREAD(lb0, V, 0, (r[i] = V##_LD(&x[i]), V##_MID(), V##_ST(&y[i], 1)))      \
    REORDER__THREAD(lb1, V, 1, (r[i] = V##_LD(&y[i]), V##_MID(), V##_ST(&x[i], 1)))      \
    REORDER__THREAD(ww0, V, 0, (V##_ST(&x[i], 1), V##_MID(), V##_ST(&y[i], 2)))          \
    REORDER__THREAD(ww1, V, 0, (V##_ST(&y[i], 1), V##_MID(), V##_ST(&x[i], 2)))          \
    REORDER__THREAD(iw0, V, 0, V##_ST(&x[i], 1))                                         \
    REORDER__THREAD(iw1, V, 0, V##_ST(&y[i], 1))                                         \
    REORDER__THREAD(ir2, V, 0, (r[i] = V##_LD(&x[i]), V##_MID(),                         \
                                b->r[1][i] = V##_LD(&y[i])))                             \
    REORDER__THREAD(ir3, V, 2, (r[i] = V##_LD(&y[i]), V##_MID(),                         \
                                b->r[3][i] = V##_LD(&x[i])))

REORDER__TESTS(RELAXED)
REORDER__TESTS(ACQREL)
REORDER__TESTS(SEQCST)
REORDER__TESTS(FENCE)
REORDER__TESTS(PLAIN)

#define REORDER__FNS(a, b_, c, d)                                                          \
    { { a##_RELAXED, b_##_RELAXED, c, d }, { a##_ACQREL, b_##_ACQREL, c, d },              \
      { a##_SEQCST, b_##_SEQCST, c, d },   { a##_FENCE, b_##_FENCE, c, d },                \
      { a##_PLAIN, b_##_PLAIN, c, d } }
#define REORDER__FNS4                                                                      \
    { { iw0_RELAXED, iw1_RELAXED, ir2_RELAXED, ir3_RELAXED },                              \
      { iw0_ACQREL, iw1_ACQREL, ir2_ACQREL, ir3_ACQREL },                                  \
      { iw0_SEQCST, iw1_SEQCST, ir2_SEQCST, ir3_SEQCST },                                  \
      { iw0_FENCE, iw1_FENCE, ir2_FENCE, ir3_FENCE },                                      \
      { iw0_PLAIN, iw1_PLAIN, ir2_PLAIN, ir3_PLAIN } }

#define F RO_FORBIDDEN
#define A RO_ALLOWED
#define U RO_UNDEFINED
/* Columns: relaxed, acqrel, seqcst, fence, plain. The x86-TSO column is for
 * the instructions each variant compiles to in program order (plain: if the
 * compiler kept the order; the disassembly says whether it did). The C11
 * fence entries follow the C++20 (RC11) strengthening of seq_cst fences,
 * which the original C11 text left out for 2+2W and IRIW. */
const struct reorder_test reorder_tests[REORDER_NTESTS] = {
    { "sb", "SB (store buffering)", "T0: x=1; r0=y   T1: y=1; r1=x", 2, 2, { "r0", "r1" }, 0,
      false, 0x0, { A, A, F, F, U }, { A, A, F, F, A }, { NULL },
      REORDER__FNS(sb0, sb1, NULL, NULL) },
    { "mp", "MP (message passing)", "T0: x=1; y=1   T1: r0=y; r1=x", 2, 2, { "r0", "r1" }, 0,
      false, 0x1, { A, F, F, F, U }, { F, F, F, F, F },
      { [RV_RELAXED] = "ARM and POWER show it (stores or loads out of order)",
        [RV_PLAIN] = "ARM and POWER show it, and the compiler may reorder first" },
      REORDER__FNS(mp0, mp1, NULL, NULL) },
    { "lb", "LB (load buffering)", "T0: r0=x; y=1   T1: r1=y; x=1", 2, 2, { "r0", "r1" }, 0,
      false, 0x3, { A, F, F, F, U }, { F, F, F, F, F },
      { [RV_RELAXED] = "ARM and POWER allow it; some ARM cores show it, rarely",
        [RV_PLAIN] = "ARM and POWER allow it, and the compiler may reorder first" },
      REORDER__FNS(lb0, lb1, NULL, NULL) },
    { "2+2w", "2+2W (two writes each)", "T0: x=1; y=2   T1: y=1; x=2", 2, 2, { "x", "y" }, 1,
      true, 0x0, { A, A, F, F, U }, { F, F, F, F, F },
      { [RV_RELAXED] = "POWER and ARM allow it (stores to different lines out of order)",
        [RV_ACQREL] = "no hardware we know shows it: ARMv8 and POWER order release stores",
        [RV_PLAIN] = "POWER and ARM allow it, and the compiler may reorder first" },
      REORDER__FNS(ww0, ww1, NULL, NULL) },
    { "iriw", "IRIW (independent reads of independent writes)",
      "T0: x=1   T1: y=1   T2: r0=x; r1=y   T3: r2=y; r3=x", 4, 4, { "r0", "r1", "r2", "r3" },
      0, false, 0x5, { A, A, F, F, U }, { F, F, F, F, F },
      { [RV_RELAXED] = "POWER shows it (stores not multi-copy atomic), ARM by reordering loads",
        [RV_ACQREL] = "POWER shows it; ARMv8 forbids it (multi-copy atomic, ordered acquires)",
        [RV_PLAIN] = "POWER shows it, and the compiler may reorder first" },
      REORDER__FNS4 },
};
#undef F
#undef A
#undef U

const char *const reorder_variant_names[REORDER_NVARIANTS] = { "relaxed", "acqrel", "seqcst",
                                                               "fence", "plain" };
const char *const reorder_variant_descs[REORDER_NVARIANTS] = {
    "relaxed atomic loads and stores",
    "acquire loads, release stores",
    "seq_cst loads and stores",
    "relaxed accesses, a seq_cst fence between each thread's two",
    "plain int accesses: a data race, and the compiler may reorder them",
};

bool reorder_racy(const struct reorder_test *t, enum reorder_variant v)
{
    return t->c11[v] != RO_FORBIDDEN;
}

void reorder_outcome_name(const struct reorder_test *t, unsigned o, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned k = 0; k < t->nobs && len < n; k++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s=%u", k ? " " : "", t->obs[k],
                                t->lo + ((o >> k) & 1u));
}
