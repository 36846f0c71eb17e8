/* sync/atomic.h - the atomic operations every racelab primitive is built on.
 *
 * CONTRACT
 *   Progress:  lock-free; on x86-64 each operation is one instruction
 *              (wait-free), except sync_exchange_* under the libatomic_ops
 *              backend, which is a CAS loop.
 *   Ordering:  every call names its memory order; there is no default. An
 *              order that means nothing for an operation is replaced by the
 *              nearest one that does: a RELEASE or ACQ_REL load acts as
 *              ACQUIRE, an ACQUIRE or ACQ_REL store as RELEASE, a CAS failure
 *              order (a pure load) drops its release half, and a CAS success
 *              order is raised to cover its failure order. The libatomic_ops
 *              backend has no acq_rel and uses a full barrier for it.
 *   Memory:    the types are plain structs of one word: they may live in static,
 *              heap, stack or MAP_SHARED memory (lock-free 32/64-bit atomics are
 *              address-free, so they work across processes too).
 *   Safety:    any operation may race with any other on the same object; that
 *              is what they are for. Plain access to the wrapped value is made
 *              awkward on purpose (it is a struct member) so that no unordered,
 *              sanitizer-invisible access slips in.
 *
 * BACKENDS
 *   default           C11 <stdatomic.h>. ThreadSanitizer understands it.
 *   SYNC_ATOMICS_AO   libatomic_ops (CMake: -DRACELAB_ATOMICS=ao). Same names,
 *                     same semantics. On x86-64 with gcc/clang, libatomic_ops
 *                     7.6 implements its primitives with the __atomic builtins,
 *                     so ThreadSanitizer still sees every access.
 *   SYNC_ATOMIC_BACKEND names the one in use; every lab prints it.
 *
 * No algorithm in sync/ uses inline assembly: analyzers must see the atomics.
 * The only exception is the CPU's spin-wait hint in sync_cpu_relax(). */
#ifndef SYNC_ATOMIC_H
#define SYNC_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>
#include <sched.h>

#include "util/tsan.h"

/* Size of the coherence unit. Fields written by different threads at a high
 * rate are kept this far apart so they do not share a line. */
#define SYNC_CACHELINE 64

#define SYNC__STR2(x) #x
#define SYNC__STR(x) SYNC__STR2(x)

typedef enum {
    SYNC_RELAXED,
    SYNC_ACQUIRE,
    SYNC_RELEASE,
    SYNC_ACQ_REL,
    SYNC_SEQ_CST
} sync_order;

/* Initializer for every sync_atomic_* type: static sync_atomic_u32 n =
 * SYNC_ATOMIC_INIT(0); also sync_atomic_ptr p = SYNC_ATOMIC_INIT(NULL). */

#ifndef SYNC_ATOMICS_AO
/* ======================================================================== */
/* Backend 1: C11 <stdatomic.h>                                             */
/* ======================================================================== */
#include <stdatomic.h>

#define SYNC_ATOMIC_BACKEND "c11 <stdatomic.h>"

typedef struct { _Atomic uint32_t v; } sync_atomic_u32;
typedef struct { _Atomic uint64_t v; } sync_atomic_u64;
typedef struct { _Atomic(void *) v; } sync_atomic_ptr;

#define SYNC_ATOMIC_INIT(x) { (x) }

/* The switches fold away once the order is a constant, which it is at every
 * call site in sync/ (all functions here are static inline). */
static inline memory_order sync__mo(sync_order o)
{
    switch (o) {
    case SYNC_RELAXED: return memory_order_relaxed;
    case SYNC_ACQUIRE: return memory_order_acquire;
    case SYNC_RELEASE: return memory_order_release;
    case SYNC_ACQ_REL: return memory_order_acq_rel;
    default:           return memory_order_seq_cst;
    }
}

static inline memory_order sync__mo_load(sync_order o)
{
    switch (o) {
    case SYNC_RELAXED: return memory_order_relaxed;
    case SYNC_ACQUIRE:
    case SYNC_RELEASE:
    case SYNC_ACQ_REL: return memory_order_acquire;
    default:           return memory_order_seq_cst;
    }
}

static inline memory_order sync__mo_store(sync_order o)
{
    switch (o) {
    case SYNC_RELAXED: return memory_order_relaxed;
    case SYNC_ACQUIRE:
    case SYNC_RELEASE:
    case SYNC_ACQ_REL: return memory_order_release;
    default:           return memory_order_seq_cst;
    }
}

/* The failure half of a CAS is a pure load: release means nothing there
 * (C11 7.17.7.4 forbids it), so RELEASE is relaxed and ACQ_REL acquire. */
static inline memory_order sync__mo_fail(sync_order failure)
{
    switch (failure) {
    case SYNC_ACQUIRE:
    case SYNC_ACQ_REL: return memory_order_acquire;
    case SYNC_SEQ_CST: return memory_order_seq_cst;
    default:           return memory_order_relaxed;
    }
}

/* C11 wants the failure order no stronger than the success order: rather
 * than weaken the failure order, raise the success order to cover it. */
static inline memory_order sync__mo_cas(sync_order success, sync_order failure)
{
    bool fail_acq = failure == SYNC_ACQUIRE || failure == SYNC_ACQ_REL;
    if (failure == SYNC_SEQ_CST)
        return memory_order_seq_cst;
    if (fail_acq && success == SYNC_RELAXED)
        return memory_order_acquire;
    if (fail_acq && success == SYNC_RELEASE)
        return memory_order_acq_rel;
    return sync__mo(success);
}

#define SYNC__C11_OPS(T, X)                                                           \
    static inline T sync_load_##X(const sync_atomic_##X *a, sync_order o)             \
    {                                                                                 \
        return atomic_load_explicit(&a->v, sync__mo_load(o));                         \
    }                                                                                 \
    static inline void sync_store_##X(sync_atomic_##X *a, T v, sync_order o)          \
    {                                                                                 \
        atomic_store_explicit(&a->v, v, sync__mo_store(o));                           \
    }                                                                                 \
    static inline T sync_exchange_##X(sync_atomic_##X *a, T v, sync_order o)          \
    {                                                                                 \
        return atomic_exchange_explicit(&a->v, v, sync__mo(o));                       \
    }                                                                                 \
    static inline bool sync_cas_##X(sync_atomic_##X *a, T *expected, T desired,       \
                                    sync_order success, sync_order failure)           \
    {                                                                                 \
        return atomic_compare_exchange_strong_explicit(                               \
            &a->v, expected, desired, sync__mo_cas(success, failure),                 \
            sync__mo_fail(failure));                                         \
    }

#define SYNC__C11_ARITH(T, X)                                                         \
    static inline T sync_fetch_add_##X(sync_atomic_##X *a, T v, sync_order o)         \
    {                                                                                 \
        return atomic_fetch_add_explicit(&a->v, v, sync__mo(o));                      \
    }                                                                                 \
    static inline T sync_fetch_sub_##X(sync_atomic_##X *a, T v, sync_order o)         \
    {                                                                                 \
        return atomic_fetch_sub_explicit(&a->v, v, sync__mo(o));                      \
    }

SYNC__C11_OPS(uint32_t, u32)
SYNC__C11_ARITH(uint32_t, u32)
SYNC__C11_OPS(uint64_t, u64)
SYNC__C11_ARITH(uint64_t, u64)
SYNC__C11_OPS(void *, ptr)

/* ThreadSanitizer does not model stand-alone fences (gcc says so with
 * -Wtsan): the fence still runs, but TSan may report races it orders. sync/
 * algorithms put their orders on the accesses themselves and never use it. */
#if UTIL_TSAN && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#define SYNC__FENCE_POP 1
#endif
static inline void sync_fence(sync_order o)
{
    if (o != SYNC_RELAXED)
        atomic_thread_fence(sync__mo(o));
}
#ifdef SYNC__FENCE_POP
#pragma GCC diagnostic pop
#undef SYNC__FENCE_POP
#endif

#else /* SYNC_ATOMICS_AO */
/* ======================================================================== */
/* Backend 2: libatomic_ops                                                 */
/* ======================================================================== */
#include <atomic_ops.h>

#if defined(AO_VERSION_MAJOR) && defined(AO_VERSION_MINOR) && defined(AO_VERSION_MICRO)
#define SYNC_ATOMIC_BACKEND "libatomic_ops " SYNC__STR(AO_VERSION_MAJOR) "." \
    SYNC__STR(AO_VERSION_MINOR) "." SYNC__STR(AO_VERSION_MICRO)
#else
#define SYNC_ATOMIC_BACKEND "libatomic_ops"
#endif

_Static_assert(sizeof(unsigned) == 4, "sync_atomic_u32 wraps AO_int_* on unsigned");
_Static_assert(sizeof(AO_t) == 8, "sync_atomic_u64 needs a 64-bit AO_t (64-bit target)");
_Static_assert(sizeof(AO_t) >= sizeof(void *), "sync_atomic_ptr stores a pointer in AO_t");

typedef struct { volatile unsigned v; } sync_atomic_u32;
typedef struct { volatile AO_t v; } sync_atomic_u64;
typedef struct { volatile AO_t v; } sync_atomic_ptr;

/* The cast lets one initializer take integers and pointers (NULL) alike. */
#define SYNC_ATOMIC_INIT(x) { (AO_t)(x) }

/* Order → AO suffix. AO has no acq_rel: it and seq_cst map to _full. Loads
 * have no _release and stores no _acquire; as in the C11 backend these are
 * strengthened (load: acquire, store: release). */
#define SYNC__AO_LOAD(P, a, o)                                                         \
    ((o) == SYNC_RELAXED ? P##load(a)                                                  \
     : (o) == SYNC_SEQ_CST ? P##load_full(a) : P##load_acquire(a))
#define SYNC__AO_STORE(P, a, v, o)                                                     \
    do {                                                                               \
        if ((o) == SYNC_RELAXED) P##store(a, v);                                       \
        else if ((o) == SYNC_SEQ_CST) P##store_full(a, v);                             \
        else P##store_release(a, v);                                                   \
    } while (0)
#define SYNC__AO_RMW(F, a, v, o)                                                       \
    ((o) == SYNC_RELAXED ? F(a, v)                                                     \
     : (o) == SYNC_ACQUIRE ? F##_acquire(a, v)                                         \
     : (o) == SYNC_RELEASE ? F##_release(a, v) : F##_full(a, v))
#define SYNC__AO_FCAS(F, a, old, new, o)                                               \
    ((o) == SYNC_RELAXED ? F(a, old, new)                                              \
     : (o) == SYNC_ACQUIRE ? F##_acquire(a, old, new)                                  \
     : (o) == SYNC_RELEASE ? F##_release(a, old, new) : F##_full(a, old, new))

/* One AO suffix has to cover both halves of a CAS. */
static inline sync_order sync__ao_cas_order(sync_order success, sync_order failure)
{
    bool acq = success == SYNC_ACQUIRE || failure == SYNC_ACQUIRE ||
               failure == SYNC_ACQ_REL;
    bool rel = success == SYNC_RELEASE;
    if (success == SYNC_ACQ_REL || success == SYNC_SEQ_CST || failure == SYNC_SEQ_CST ||
        (acq && rel))
        return SYNC_SEQ_CST;
    if (acq)
        return SYNC_ACQUIRE;
    if (rel)
        return SYNC_RELEASE;
    return SYNC_RELAXED;
}

/* T: value type, X: suffix, W: AO word type, P: AO name prefix. Values pass
 * through W so the pointer flavour can share the code. */
#define SYNC__AO_OPS(T, X, W, P)                                                       \
    static inline T sync_load_##X(const sync_atomic_##X *a, sync_order o)              \
    {                                                                                  \
        return (T)SYNC__AO_LOAD(P, &a->v, o);                                          \
    }                                                                                  \
    static inline void sync_store_##X(sync_atomic_##X *a, T v, sync_order o)           \
    {                                                                                  \
        SYNC__AO_STORE(P, &a->v, (W)v, o);                                             \
    }                                                                                  \
    static inline bool sync_cas_##X(sync_atomic_##X *a, T *expected, T desired,        \
                                    sync_order success, sync_order failure)            \
    {                                                                                  \
        W old = (W)*expected;                                                          \
        W cur = SYNC__AO_FCAS(P##fetch_compare_and_swap, &a->v, old, (W)desired,       \
                              sync__ao_cas_order(success, failure));                   \
        if (cur == old)                                                                \
            return true;                                                               \
        *expected = (T)cur;                                                            \
        return false;                                                                  \
    }                                                                                  \
    /* AO has no exchange: a CAS loop whose successful CAS carries the order. */       \
    static inline T sync_exchange_##X(sync_atomic_##X *a, T v, sync_order o)           \
    {                                                                                  \
        W old = P##load(&a->v);                                                        \
        for (;;) {                                                                     \
            W cur = SYNC__AO_FCAS(P##fetch_compare_and_swap, &a->v, old, (W)v, o);     \
            if (cur == old)                                                            \
                return (T)old;                                                         \
            old = cur;                                                                 \
        }                                                                              \
    }

#define SYNC__AO_ARITH(T, X, W, P)                                                     \
    static inline T sync_fetch_add_##X(sync_atomic_##X *a, T v, sync_order o)          \
    {                                                                                  \
        return (T)SYNC__AO_RMW(P##fetch_and_add, &a->v, (W)v, o);                      \
    }                                                                                  \
    static inline T sync_fetch_sub_##X(sync_atomic_##X *a, T v, sync_order o)          \
    {                                                                                  \
        return (T)SYNC__AO_RMW(P##fetch_and_add, &a->v, (W)0 - (W)v, o);               \
    }

SYNC__AO_OPS(uint32_t, u32, unsigned, AO_int_)
SYNC__AO_ARITH(uint32_t, u32, unsigned, AO_int_)
SYNC__AO_OPS(uint64_t, u64, AO_t, AO_)
SYNC__AO_ARITH(uint64_t, u64, AO_t, AO_)
SYNC__AO_OPS(void *, ptr, AO_t, AO_)

static inline void sync_fence(sync_order o)
{
    switch (o) {
    case SYNC_RELAXED: break;
    case SYNC_ACQUIRE: AO_nop_read(); break;
    case SYNC_RELEASE: AO_nop_write(); break;
    default:           AO_nop_full(); break;
    }
}

#endif /* SYNC_ATOMICS_AO */

/* The CPU's spin-wait hint: it frees pipeline resources for the other
 * hyperthread and stops the speculative loads of a spin loop from causing a
 * memory-order machine clear when the awaited line changes. */
static inline void sync_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

/* Spinning politely (internal, shared by the spin locks).
 *
 * A spin loop that never gives its CPU away livelocks under oversubscription:
 * with more threads than cores, the thread it waits for may be runnable but
 * not running, and spinning until the time slice ends costs milliseconds per
 * hand-over. So every spin loop in sync/ counts its rounds and, past
 * SYNC__SPIN_LIMIT, calls sched_yield() on each round. */
#ifndef SYNC__SPIN_LIMIT
#define SYNC__SPIN_LIMIT 128u
#endif

/* A lock's contended half: out of line, so that the inlined fast path is the
 * lock's few instructions and its caller's registers are not spent on the
 * waiting loop (unused: a header's unused copy is no warning; not inline,
 * which gcc would call a contradiction). */
#define SYNC__SLOW_PATH __attribute__((noinline, unused)) static

/* One round of waiting; *rounds counts the rounds already waited. Spins
 * (one pause hint) for the first |limit| rounds, then yields on every round. */
static inline void sync__spin_wait_n(unsigned *rounds, unsigned limit)
{
    if (*rounds < limit) {
        (*rounds)++;
        sync_cpu_relax();
    } else {
        sched_yield();
    }
}

static inline void sync__spin_wait(unsigned *rounds)
{
    sync__spin_wait_n(rounds, SYNC__SPIN_LIMIT);
}

#endif /* SYNC_ATOMIC_H */
