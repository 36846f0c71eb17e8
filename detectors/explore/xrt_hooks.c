/* detectors/explore/xrt_hooks.c - the ThreadSanitizer entry points clang
 * emits (-fsanitize=thread), as explorer points.
 *
 * A plain access to the running thread's own stack is no point (nobody else
 * looks there in a program that does not pass stack addresses around); any
 * other access stops at a point before it happens. A LOAD's value is read
 * once the thread was chosen (nothing runs between that and the load); a
 * STORE's value is read at the thread's next entry into the runtime. The
 * atomics are done here, in full, as one step each: the explorer runs
 * sequentially consistent interleavings, so every memory order is seq_cst. */
#include <stdint.h>
#include <string.h>

#include "xrt.h"
#include "xrt_tls.h"

#define XRT_PC ((uintptr_t)__builtin_return_address(0))

static void xrt__access(uint8_t op, uintptr_t a, uint8_t size, uintptr_t pc)
{
    if (!xrt_active || xrt_own_stack(a) || xrt_tls_own(a))
        return;
    xrt_point(op, a, size, pc);
    struct xrt_thread *self = &xrt_r.t[xrt_r.cur];
    struct xrt_step *s = &xrt_shm->steps[xrt_r.step - 1];
    if (op == XRT_OP_LOAD) {
        s->value = xrt_load_value(a, size);
        s->known = 1;
    } else {
        self->write_step = (int64_t)(xrt_r.step - 1);
    }
}

void __tsan_init(void);   /* xrt_search.c */
void __tsan_func_entry(void *pc);
void __tsan_func_exit(void);
void __tsan_func_entry(void *pc) { (void)pc; }
void __tsan_func_exit(void) {}
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
void __tsan_ignore_thread_begin(void) {}
void __tsan_ignore_thread_end(void) {}

#define XRT_RW(n)                                                                         \
    void __tsan_read##n(void *a);                                                         \
    void __tsan_write##n(void *a);                                                        \
    void __tsan_unaligned_read##n(void *a);                                               \
    void __tsan_unaligned_write##n(void *a);                                              \
    void __tsan_volatile_read##n(void *a);                                                \
    void __tsan_volatile_write##n(void *a);                                               \
    void __tsan_read##n(void *a) { xrt__access(XRT_OP_LOAD, (uintptr_t)a, n, XRT_PC); }   \
    void __tsan_write##n(void *a) { xrt__access(XRT_OP_STORE, (uintptr_t)a, n, XRT_PC); } \
    void __tsan_unaligned_read##n(void *a) { xrt__access(XRT_OP_LOAD, (uintptr_t)a, n, XRT_PC); } \
    void __tsan_unaligned_write##n(void *a) { xrt__access(XRT_OP_STORE, (uintptr_t)a, n, XRT_PC); } \
    void __tsan_volatile_read##n(void *a) { xrt__access(XRT_OP_LOAD, (uintptr_t)a, n, XRT_PC); } \
    void __tsan_volatile_write##n(void *a) { xrt__access(XRT_OP_STORE, (uintptr_t)a, n, XRT_PC); }
XRT_RW(1)
XRT_RW(2)
XRT_RW(4)
XRT_RW(8)
XRT_RW(16)

void __tsan_read_range(void *a, unsigned long size);
void __tsan_write_range(void *a, unsigned long size);
void __tsan_read_range(void *a, unsigned long size)
{
    xrt__access(XRT_OP_LOAD, (uintptr_t)a, (uint8_t)(size > 8 ? 8 : size), XRT_PC);
}
void __tsan_write_range(void *a, unsigned long size)
{
    xrt__access(XRT_OP_STORE, (uintptr_t)a, (uint8_t)(size > 8 ? 8 : size), XRT_PC);
}

/* One atomic step: the point, then the operation, its result as the value. */
static void xrt__atomic_point(uint8_t op, const volatile void *a, uint8_t size, uintptr_t pc)
{
    if (!xrt_active)
        return;
    xrt_r.t[xrt_r.cur].atomic = true;
    xrt_point(op, (uintptr_t)a, size, pc);
    xrt_r.t[xrt_r.cur].atomic = false;
}

static void xrt__atomic_done(uint64_t value)
{
    if (!xrt_active)
        return;
    struct xrt_step *s = &xrt_shm->steps[xrt_r.step - 1];
    s->value = value;
    s->known = 1;
}

/* A read-modify-write's result, and whether it changed the word. */
static void xrt__rmw_done(uint64_t value, bool changed)
{
    xrt__atomic_done(value);
    if (xrt_active)
        xrt_rmw_done(changed);
}

#define XRT_ATOMIC(n, T)                                                                      \
    T __tsan_atomic##n##_load(const volatile T *a, int mo);                                   \
    void __tsan_atomic##n##_store(volatile T *a, T v, int mo);                                \
    T __tsan_atomic##n##_exchange(volatile T *a, T v, int mo);                                \
    T __tsan_atomic##n##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo);      \
    int __tsan_atomic##n##_compare_exchange_strong(volatile T *a, T *c, T v, int mo, int fmo); \
    int __tsan_atomic##n##_compare_exchange_weak(volatile T *a, T *c, T v, int mo, int fmo);  \
    T __tsan_atomic##n##_load(const volatile T *a, int mo)                                    \
    {                                                                                         \
        (void)mo;                                                                             \
        xrt__atomic_point(XRT_OP_LOAD, a, n / 8, XRT_PC);                                     \
        T v = *a;                                                                             \
        xrt__atomic_done((uint64_t)v);                                                        \
        return v;                                                                             \
    }                                                                                         \
    void __tsan_atomic##n##_store(volatile T *a, T v, int mo)                                 \
    {                                                                                         \
        (void)mo;                                                                             \
        xrt__atomic_point(XRT_OP_STORE, a, n / 8, XRT_PC);                                    \
        *a = v;                                                                               \
        xrt__atomic_done((uint64_t)v);                                                        \
    }                                                                                         \
    T __tsan_atomic##n##_exchange(volatile T *a, T v, int mo)                                 \
    {                                                                                         \
        (void)mo;                                                                             \
        xrt__atomic_point(XRT_OP_RMW, a, n / 8, XRT_PC);                                      \
        T old = *a;                                                                           \
        *a = v;                                                                               \
        xrt__rmw_done((uint64_t)v, old != v);                                                 \
        return old;                                                                           \
    }                                                                                         \
    T __tsan_atomic##n##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo)       \
    {                                                                                         \
        (void)mo, (void)fmo;                                                                  \
        xrt__atomic_point(XRT_OP_CAS, a, n / 8, XRT_PC);                                      \
        T old = *a;                                                                           \
        if (old == c)                                                                         \
            *a = v;                                                                           \
        xrt__rmw_done((uint64_t)*a, *a != old);                                               \
        return old;                                                                           \
    }                                                                                         \
    int __tsan_atomic##n##_compare_exchange_strong(volatile T *a, T *c, T v, int mo, int fmo) \
    {                                                                                         \
        T old = __tsan_atomic##n##_compare_exchange_val(a, *c, v, mo, fmo);                   \
        int ok = old == *c;                                                                   \
        *c = old;                                                                             \
        return ok;                                                                            \
    }                                                                                         \
    int __tsan_atomic##n##_compare_exchange_weak(volatile T *a, T *c, T v, int mo, int fmo)   \
    {                                                                                         \
        return __tsan_atomic##n##_compare_exchange_strong(a, c, v, mo, fmo);                  \
    }

#define XRT_RMW(n, T, name, expr)                                                             \
    T __tsan_atomic##n##_fetch_##name(volatile T *a, T v, int mo);                            \
    T __tsan_atomic##n##_fetch_##name(volatile T *a, T v, int mo)                             \
    {                                                                                         \
        (void)mo;                                                                             \
        xrt__atomic_point(XRT_OP_RMW, a, n / 8, XRT_PC);                                      \
        T old = *a;                                                                           \
        *a = (T)(expr);                                                                       \
        xrt__rmw_done((uint64_t)*a, *a != old);                                               \
        return old;                                                                           \
    }

#define XRT_ATOMICS(n, T)               \
    XRT_ATOMIC(n, T)                    \
    XRT_RMW(n, T, add, old + v)         \
    XRT_RMW(n, T, sub, old - v)         \
    XRT_RMW(n, T, and, old & v)         \
    XRT_RMW(n, T, or, old | v)          \
    XRT_RMW(n, T, xor, old ^ v)         \
    XRT_RMW(n, T, nand, ~(old & v))

XRT_ATOMICS(8, uint8_t)
XRT_ATOMICS(16, uint16_t)
XRT_ATOMICS(32, uint32_t)
XRT_ATOMICS(64, uint64_t)

void __tsan_atomic_thread_fence(int mo);
void __tsan_atomic_signal_fence(int mo);
void __tsan_atomic_thread_fence(int mo)
{
    (void)mo;   /* sequentially consistent already: a fence orders nothing more */
}
void __tsan_atomic_signal_fence(int mo)
{
    (void)mo;
}
