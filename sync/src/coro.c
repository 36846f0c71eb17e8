/* sync/src/coro.c - coroutines, the round-robin scheduler, comutex, cosem.
 * The contract is in sync/coro.h. */
#include "sync/coro.h"
#include "sync/annotate.h"

#include <errno.h>
#include <fenv.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "util/tsan.h"

#ifdef SYNC_CORO_UCONTEXT
#include <ucontext.h>
#elif !defined(__x86_64__) && !defined(__aarch64__)
#error "the asm coroutine switch exists for x86-64 and aarch64 only: configure with -DRACELAB_CORO_SWITCH=ucontext"
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SYNC__CORO_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SYNC__CORO_ASAN)
#define SYNC__CORO_ASAN 1
#endif

#ifdef SYNC__CORO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#if UTIL_TSAN
#include <sanitizer/tsan_interface.h>
/* The runtime's bookkeeping is touched by every coroutine of a carrier and
 * ordered only by the carrier's program order, which TSan has been told not
 * to see (no_sync fibers). Functions that touch it are not instrumented; the
 * order the contract promises is given to TSan explicitly. Atomics stay
 * visible: clang instruments them even here, and the ones that carry an
 * order (comutex, cosem) live in instrumented functions for gcc's sake. */
#define SYNC__NO_TSAN __attribute__((no_sanitize("thread"), noinline))
#define SYNC__TSAN_RELEASE(p) __tsan_release(p)
#define SYNC__TSAN_ACQUIRE(p) __tsan_acquire(p)
#else
#define SYNC__NO_TSAN
#define SYNC__TSAN_RELEASE(p) ((void)(p))
#define SYNC__TSAN_ACQUIRE(p) ((void)(p))
#endif

/* |state|: every value a coroutine passes through.
 *   NEW        created, never resumed
 *   READY      suspended by a yield (or unparked): may be resumed
 *   RUNNING    on the CPU, or the resumer of the one that is
 *   BLOCKED    parked on a comutex or cosem queue; only unpark makes it READY
 *   FINISHED   returned or exited; its stack is dead */
enum { SYNC__NEW, SYNC__READY, SYNC__RUNNING, SYNC__BLOCKED, SYNC__FINISHED };

struct sync__ctx {
#ifdef SYNC_CORO_UCONTEXT
    ucontext_t uc;
#else
    void *sp; /* saved by sync__coro_switch */
#endif
};

struct sync_coro {
    struct sync__ctx ctx;        /* this coroutine, while suspended */
    struct sync__ctx caller;     /* its resumer, while it runs */
    sync_coro_fn fn;
    void *arg;
    void *ret;
    int state;
    sync_coro_t *prev_current;   /* sync__current to restore on switching back */
    sync_sched_t *sched;         /* owner, or NULL for a standalone coroutine */
    sync_coro_t *next;           /* run queue or wait queue link */
    sync_coro_t *all_prev, *all_next; /* the scheduler's list of live ones */
    void *map;                   /* mmap'd region: guard gap, then the stack */
    size_t map_size;
    void *stack_lo;              /* lowest usable byte, just above the guard */
    size_t stack_size;
#ifdef SYNC__CORO_ASAN
    const void *caller_stack_lo; /* resumer's stack, for switching back */
    size_t caller_stack_size;
#endif
#if UTIL_TSAN
    void *fiber;
    void *caller_fiber;
#endif
};

static _Thread_local sync_coro_t *sync__current;

/* The preemption guard (see PREEMPTION in coro.h): non-zero while the
 * calling thread runs runtime code, its scheduler's own loop, or a section a
 * coroutine made non-preemptible. A tick that finds it non-zero is deferred.
 * Every runtime function saves the value it found in a local, sets 1, and
 * puts the saved value back when it returns: the saved copy lives on the
 * stack of the context that made it, so after a switch each context gets
 * its own value back (one coroutine's disabled section is not another's)
 * with no work in the switch itself. With preemption on, a new coroutine
 * starts at 0; without, the guard is only the carrier's disable count.
 * volatile plus signal fences: the handler runs on this same thread, so only
 * the compiler, not the CPU, can reorder what it sees. */
static _Thread_local volatile unsigned sync__nopreempt;

/* Whether this thread has preemption on. The guard is kept only then (start
 * and stop are called outside any coroutine, where the guard is 0 or a
 * disable's count). What it costs is not the two stores but the call
 * structure: restoring the guard after the switch turns yield's tail call
 * into a call, and the return-address predictor then misses two more
 * returns per round trip - 13 ns per switch became 18 here. A carrier that is
 * not preempted keeps the tail call. */
static _Thread_local volatile sig_atomic_t sync__preempt_on;
#define SYNC__UNGUARDED 0xffffffffu

#if UTIL_TSAN
/* No preemption under TSan (see coro.h), so no guard: touched from the
 * instrumented comutex/cosem code by fibers TSan keeps apart, the guard
 * would only be reported as a race. */
#define SYNC__ENTER() ((void)0)
#define SYNC__LEAVE() ((void)0)
#else
#define SYNC__ENTER()                                         \
    unsigned sync__guard_saved = SYNC__UNGUARDED;             \
    if (sync__preempt_on) {                                   \
        sync__guard_saved = sync__nopreempt;                  \
        sync__nopreempt = 1;                                  \
    }                                                         \
    atomic_signal_fence(memory_order_seq_cst)
#define SYNC__LEAVE()                                         \
    do {                                                      \
        atomic_signal_fence(memory_order_seq_cst);            \
        if (sync__guard_saved != SYNC__UNGUARDED)             \
            sync__nopreempt = sync__guard_saved;              \
    } while (0)
#endif

#ifndef SYNC_CORO_UCONTEXT
void sync__coro_switch(void **save_sp, void *load_sp); /* coro_switch_<arch>.S */
#endif

/* Switches from the running context (saved into |from|) to |to|, whose stack
 * is [to_lo, to_lo + to_size) (only ASan needs it; NULL for a thread stack
 * it learnt from an earlier switch). |dying|: the running context will never
 * be resumed, so ASan may free its fake stack. On return (when somebody
 * switched back), from_lo and from_size (if not NULL) are the stack we came
 * back from. */
static SYNC__NO_TSAN void sync__switch(struct sync__ctx *from, struct sync__ctx *to,
                                       const void *to_lo, size_t to_size, void *to_fiber,
                                       bool dying, const void **from_lo, size_t *from_size)
{
#ifdef SYNC__CORO_ASAN
    void *fake_stack = NULL;
    __sanitizer_start_switch_fiber(dying ? NULL : &fake_stack, to_lo, to_size);
#else
    (void)to_lo, (void)to_size, (void)dying;
#endif
#if UTIL_TSAN
    /* no_sync: a switch orders nothing, so coroutines race like threads. */
    __tsan_switch_to_fiber(to_fiber, __tsan_switch_to_fiber_no_sync);
#else
    (void)to_fiber;
#endif
#ifdef SYNC_CORO_UCONTEXT
    if (swapcontext(&from->uc, &to->uc) != 0)
        abort();
#else
    sync__coro_switch(&from->sp, to->sp);
#endif
#ifdef SYNC__CORO_ASAN
    const void *lo;
    size_t size;
    __sanitizer_finish_switch_fiber(fake_stack, &lo, &size);
    if (from_lo != NULL) {
        *from_lo = lo;
        *from_size = size;
    }
#else
    (void)from_lo, (void)from_size;
#endif
}

/* Back to the resumer of the running coroutine |co|, in state |state|. */
static SYNC__NO_TSAN void sync__switch_out(sync_coro_t *co, int state)
{
    co->state = state;
    /* Pairs with the acquire in sync_coro_join(), sync_sched_run() or
     * sync__free(): whoever ends a coroutine, finished or not, sees all it
     * did. Nobody else acquires |co|, so a switch still orders nothing
     * between coroutines. */
    SYNC__TSAN_RELEASE(co);
#ifdef SYNC__CORO_ASAN
    const void *lo = co->caller_stack_lo;
    size_t size = co->caller_stack_size;
    const void **lo_out = &co->caller_stack_lo;
    size_t *size_out = &co->caller_stack_size;
#else
    const void *lo = NULL, **lo_out = NULL;
    size_t size = 0, *size_out = NULL;
#endif
#if UTIL_TSAN
    void *fiber = co->caller_fiber;
#else
    void *fiber = NULL;
#endif
    /* Whoever resumes us next may be somebody else: learn their stack. */
    sync__switch(&co->ctx, &co->caller, lo, size, fiber, state == SYNC__FINISHED,
                 lo_out, size_out);
}

static SYNC__NO_TSAN _Noreturn void sync__finish(sync_coro_t *co, void *ret)
{
    co->ret = ret;
    sync__switch_out(co, SYNC__FINISHED);
    abort(); /* a finished coroutine is never resumed */
}

/* First code on a new stack: reached by the switch's return (asm) or by
 * makecontext. The coroutine is sync__current: its resumer set it. */
static SYNC__NO_TSAN _Noreturn void sync__entry(void)
{
    sync_coro_t *co = sync__current;
#ifdef SYNC__CORO_ASAN
    __sanitizer_finish_switch_fiber(NULL, &co->caller_stack_lo, &co->caller_stack_size);
#endif
    /* Pairs with the release in sync_coro_create(). */
    SYNC__TSAN_ACQUIRE(co);
    /* With preemption on, the resumer switched here from inside the
     * runtime, guard up and its own value saved: the new coroutine's code
     * starts preemptible, and the guard goes up again for the way out (the
     * resumer puts its saved value back). Without preemption the resumer
     * saved nothing, so the guard is left alone: it is then only the
     * carrier's disable count, and a coroutine ending must not raise it.
     * Preemption is turned on and off outside any coroutine, so it is the
     * same at both ends as at the resumer's SYNC__ENTER. */
    atomic_signal_fence(memory_order_seq_cst);
    if (sync__preempt_on)
        sync__nopreempt = 0;
    void *ret = co->fn(co->arg);
    if (sync__preempt_on)
        sync__nopreempt = 1;
    atomic_signal_fence(memory_order_seq_cst);
    sync__finish(co, ret);
}

static SYNC__NO_TSAN int sync__make(sync_coro_t *co)
{
#ifdef SYNC_CORO_UCONTEXT
    if (getcontext(&co->ctx.uc) != 0)
        return errno;
    co->ctx.uc.uc_stack.ss_sp = co->stack_lo;
    co->ctx.uc.uc_stack.ss_size = co->stack_size;
    co->ctx.uc.uc_link = NULL; /* sync__entry never returns */
    makecontext(&co->ctx.uc, (void (*)(void))sync__entry, 0);
#elif defined(__x86_64__)
    /* The frame sync__coro_switch pops (see the .S file), built so that its
     * `ret` enters sync__entry as if called: at entry rsp + 8 is 16-byte
     * aligned (psABI 3.2.2) and the return address slot holds 0, which ends
     * every unwinder's walk. */
    uintptr_t top = ((uintptr_t)co->stack_lo + co->stack_size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)top;
    *--sp = 0;                                /* sync__entry's return address */
    *--sp = (uint64_t)(uintptr_t)sync__entry; /* popped by ret */
    for (int i = 0; i < 6; i++)
        *--sp = 0;                            /* rbp rbx r12 r13 r14 r15 */
    /* Inherit the creator's FP control state, as a new thread does; the
     * status flags are not inherited (masked out of MXCSR). */
    fenv_t env;
    fegetenv(&env);
    uint32_t mxcsr = env.__mxcsr & ~(uint32_t)0x3f;
    uint16_t fpucw = env.__control_word;
    *--sp = (uint64_t)mxcsr | (uint64_t)fpucw << 32;
    co->ctx.sp = sp;
#else /* __aarch64__: NOT TESTED ON HARDWARE, see coro_switch_aarch64.S */
    /* The 176-byte frame of coro_switch_aarch64.S: `ret` jumps to the x30
     * slot, sp ends 16-byte aligned at |top|, x29 = 0 ends unwinding. */
    uintptr_t top = ((uintptr_t)co->stack_lo + co->stack_size) & ~(uintptr_t)15;
    uint64_t *frame = (uint64_t *)(top - 176);
    for (int i = 0; i < 22; i++)
        frame[i] = 0;
    frame[11] = (uint64_t)(uintptr_t)sync__entry; /* x30, offset 88 */
    fenv_t env;
    fegetenv(&env);
    frame[20] = env.__fpcr;                       /* FPCR, offset 160 */
    co->ctx.sp = frame;
#endif
    return 0;
}

static SYNC__NO_TSAN int sync__create(sync_coro_t **out, sync_coro_fn fn, void *arg,
                                      size_t stack_size)
{
    if (out == NULL || fn == NULL)
        return EINVAL;
    if (stack_size == 0)
        stack_size = SYNC_CORO_STACK_DEFAULT;
    if (stack_size < SYNC_CORO_STACK_MIN || stack_size > ((size_t)1 << 40))
        return EINVAL;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    stack_size = (stack_size + page - 1) & ~(page - 1);

    sync_coro_t *co = calloc(1, sizeof *co);
    if (co == NULL)
        return ENOMEM;
    size_t guard = ((size_t)SYNC_CORO_GUARD_SIZE + page - 1) & ~(page - 1);
    co->map_size = stack_size + guard;
    /* MAP_NORESERVE and untouched pages: a 64 KiB stack costs what it uses.
     * Not MAP_GROWSDOWN: its guard-gap rules are the kernel's, not ours. */
    co->map = mmap(NULL, co->map_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (co->map == MAP_FAILED) {
        free(co);
        return ENOMEM;
    }
    /* The guard gap: stacks grow down, so below the stack. */
    if (mprotect(co->map, guard, PROT_NONE) != 0) {
        int err = errno;
        munmap(co->map, co->map_size);
        free(co);
        return err;
    }
    co->stack_lo = (char *)co->map + guard;
    co->stack_size = stack_size;
    /* Not announced to valgrind (VALGRIND_STACK_REGISTER): DRD 3.19 then
     * fails an assertion at exit (notes/detectors.md). */
    co->fn = fn;
    co->arg = arg;
    co->state = SYNC__NEW;
    int err = sync__make(co);
    if (err != 0) {
        munmap(co->map, co->map_size);
        free(co);
        return err;
    }
#if UTIL_TSAN
    co->fiber = __tsan_create_fiber(0);
#endif
    /* Pairs with the acquire in sync__entry(): what the creator wrote before
     * create is visible to the coroutine, as with pthread_create. */
    SYNC__TSAN_RELEASE(co);
    *out = co;
    return 0;
}

static SYNC__NO_TSAN void sync__resume(sync_coro_t *co)
{
    co->prev_current = sync__current;
    co->state = SYNC__RUNNING;
    sync__current = co;
#if UTIL_TSAN
    co->caller_fiber = __tsan_get_current_fiber();
    void *fiber = co->fiber;
#else
    void *fiber = NULL;
#endif
    sync__switch(&co->caller, &co->ctx, co->stack_lo, co->stack_size, fiber, false,
                 NULL, NULL);
    sync__current = co->prev_current;
}

SYNC__NO_TSAN int sync_coro_create(sync_coro_t **out, sync_coro_fn fn, void *arg,
                                   size_t stack_size)
{
    SYNC__ENTER();
    int err = sync__create(out, fn, arg, stack_size);
    SYNC__LEAVE();
    return err;
}

static SYNC__NO_TSAN int sync__resume_checked(sync_coro_t *co)
{
    if (co == NULL || co->sched != NULL || co->state == SYNC__FINISHED ||
        co->state == SYNC__BLOCKED)
        return EINVAL;
    if (co->state == SYNC__RUNNING)
        return EDEADLK;
    sync__resume(co);
    return 0;
}

SYNC__NO_TSAN int sync_coro_resume(sync_coro_t *co)
{
    SYNC__ENTER();
    int err = sync__resume_checked(co);
    SYNC__LEAVE();
    return err;
}

static SYNC__NO_TSAN sync_coro_t *sync__running(const char *what)
{
    sync_coro_t *co = sync__current;
    if (co == NULL) {
        fprintf(stderr, "sync: %s called outside a coroutine\n", what);
        abort();
    }
    return co;
}

SYNC__NO_TSAN void sync_coro_yield(void)
{
#if !UTIL_TSAN
    if (sync__preempt_on) {
        SYNC__ENTER();
        sync__switch_out(sync__running("sync_coro_yield"), SYNC__READY);
        SYNC__LEAVE();
        return;
    }
#endif
    /* Nothing can interrupt us: a tail call into the switch. */
    sync__switch_out(sync__running("sync_coro_yield"), SYNC__READY);
}

SYNC__NO_TSAN _Noreturn void sync_coro_exit(void *ret)
{
#if !UTIL_TSAN
    if (sync__preempt_on)
        sync__nopreempt = 1; /* never returns: nothing to restore (see sync__entry) */
    atomic_signal_fence(memory_order_seq_cst);
#endif
    sync__finish(sync__running("sync_coro_exit"), ret);
}

SYNC__NO_TSAN static void sync__free(sync_coro_t *co)
{
    /* Pairs with the release in sync__switch_out(): a coroutine dropped
     * where it stands (destroy, or a deadlock in sync_sched_run) touched
     * memory its destroyer may reuse at once. */
    SYNC__TSAN_ACQUIRE(co);
#if UTIL_TSAN
    __tsan_destroy_fiber(co->fiber);
#endif
#ifdef SYNC__CORO_ASAN
    /* Frames that never returned (every finished coroutine leaves some)
     * left their redzones poisoned; a later mapping at this address must
     * not inherit them. */
    __asan_unpoison_memory_region(co->stack_lo, co->stack_size);
#endif
    munmap(co->map, co->map_size);
    free(co);
}

static SYNC__NO_TSAN int sync__join(sync_coro_t *co, void **ret)
{
    if (co == NULL || co->sched != NULL)
        return EINVAL;
    while (co->state != SYNC__FINISHED) {
        int err = sync__resume_checked(co);
        if (err != 0)
            return err;
    }
    /* Pairs with the release in sync__finish(), as pthread_join. */
    SYNC__TSAN_ACQUIRE(co);
    if (ret != NULL)
        *ret = co->ret;
    sync__free(co);
    return 0;
}

SYNC__NO_TSAN int sync_coro_join(sync_coro_t *co, void **ret)
{
    SYNC__ENTER();
    int err = sync__join(co, ret);
    SYNC__LEAVE();
    return err;
}

SYNC__NO_TSAN void sync_coro_destroy(sync_coro_t *co)
{
    if (co == NULL)
        return;
    if (co->state == SYNC__RUNNING || co->sched != NULL) {
        fprintf(stderr, "sync: sync_coro_destroy of a running or scheduled coroutine\n");
        abort();
    }
    SYNC__ENTER();
    sync__free(co);
    SYNC__LEAVE();
}

SYNC__NO_TSAN sync_coro_t *sync_coro_current(void)
{
    return sync__current;
}

SYNC__NO_TSAN bool sync_coro_done(const sync_coro_t *co)
{
    return co->state == SYNC__FINISHED;
}

/* ---- Scheduler ------------------------------------------------------- */

/* FIFO queues threaded through sync_coro_t.next: the run queue, and the
 * wait queues of comutexes and cosems. A coroutine is on at most one. */
static SYNC__NO_TSAN void sync__q_push(sync_coro_t **head, sync_coro_t **tail, sync_coro_t *co)
{
    co->next = NULL;
    if (*tail != NULL)
        (*tail)->next = co;
    else
        *head = co;
    *tail = co;
}

static SYNC__NO_TSAN sync_coro_t *sync__q_pop(sync_coro_t **head, sync_coro_t **tail)
{
    sync_coro_t *co = *head;
    if (co != NULL) {
        *head = co->next;
        if (*head == NULL)
            *tail = NULL;
        co->next = NULL;
    }
    return co;
}

SYNC__NO_TSAN int sync_sched_init(sync_sched_t *s)
{
    s->head = s->tail = s->all = NULL;
    s->live = 0;
    return 0;
}

SYNC__NO_TSAN int sync_sched_spawn(sync_sched_t *s, sync_coro_fn fn, void *arg, size_t stack_size)
{
    sync_coro_t *co;
    SYNC__ENTER();
    int err = sync__create(&co, fn, arg, stack_size);
    if (err != 0) {
        SYNC__LEAVE();
        return err;
    }
    co->sched = s;
    co->all_prev = NULL;
    co->all_next = s->all;
    if (s->all != NULL)
        s->all->all_prev = co;
    s->all = co;
    s->live++;
    sync__q_push(&s->head, &s->tail, co);
    SYNC__LEAVE();
    return 0;
}

static SYNC__NO_TSAN void sync__sched_drop(sync_sched_t *s, sync_coro_t *co)
{
    if (co->all_prev != NULL)
        co->all_prev->all_next = co->all_next;
    else
        s->all = co->all_next;
    if (co->all_next != NULL)
        co->all_next->all_prev = co->all_prev;
    s->live--;
    sync__free(co);
}

static SYNC__NO_TSAN int sync__sched_run(sync_sched_t *s)
{
    sync_coro_t *co;
    while ((co = sync__q_pop(&s->head, &s->tail)) != NULL) {
        sync__resume(co);
        if (co->state == SYNC__FINISHED) {
            /* Pairs with the release in sync__finish(): its writes are
             * visible once run returns, as after pthread_join. */
            SYNC__TSAN_ACQUIRE(co);
            sync__sched_drop(s, co);
        } else if (co->state == SYNC__READY) {
            sync__q_push(&s->head, &s->tail, co);
        } /* else BLOCKED: on a wait queue until unparked */
    }
    if (s->live == 0)
        return 0;
    while (s->all != NULL)
        sync__sched_drop(s, s->all);
    return EDEADLK;
}

SYNC__NO_TSAN int sync_sched_run(sync_sched_t *s)
{
    SYNC__ENTER(); /* the scheduler's loop is runtime code too */
    int err = sync__sched_run(s);
    SYNC__LEAVE();
    return err;
}

/* Parks the running coroutine on a wait queue and runs the scheduler. */
static SYNC__NO_TSAN void sync__park(sync_coro_t **head, sync_coro_t **tail, const char *what)
{
    sync_coro_t *co = sync__running(what);
    if (co->sched == NULL) {
        fprintf(stderr, "sync: %s would block in a coroutine without a scheduler\n", what);
        abort();
    }
    sync__q_push(head, tail, co);
    sync__switch_out(co, SYNC__BLOCKED);
}

/* Takes the oldest waiter off a wait queue and makes it runnable. */
static SYNC__NO_TSAN sync_coro_t *sync__unpark(sync_coro_t **head, sync_coro_t **tail)
{
    sync_coro_t *co = sync__q_pop(head, tail);
    if (co != NULL) {
        co->state = SYNC__READY;
        sync__q_push(&co->sched->head, &co->sched->tail, co);
    }
    return co;
}

static SYNC__NO_TSAN void *sync__self(void)
{
    return sync__current;
}

/* ---- Comutex ---------------------------------------------------------
 * The functions below touch only the atomics themselves, so that TSan sees
 * the acquire/release pairs under both compilers; queues are handled by the
 * SYNC__NO_TSAN helpers above. */

int sync_comutex_init(sync_comutex_t *m)
{
    sync_store_ptr(&m->owner, NULL, SYNC_RELAXED);
    m->wait_head = m->wait_tail = NULL;
    /* Happens-before edges, not a lock for valgrind: the holder is a
     * coroutine, and valgrind knows only threads. */
    SYNC_ANN_IGNORE(&m->owner, sizeof m->owner);
    return 0;
}

static bool sync__comutex_trylock(sync_comutex_t *m)
{
    void *expected = NULL;
    void *self = sync__self();
    /* Acquire: pairs with the release store of NULL in unlock. */
    if (!sync_cas_ptr(&m->owner, &expected, self != NULL ? self : (void *)m,
                      SYNC_ACQUIRE, SYNC_RELAXED))
        return false;
    SYNC_ANN_HAPPENS_AFTER(m);
    return true;
}

bool sync_comutex_trylock(sync_comutex_t *m)
{
    SYNC__ENTER();
    bool ok = sync__comutex_trylock(m);
    SYNC__LEAVE();
    return ok;
}

static SYNC__NO_TSAN void sync__comutex_park(sync_comutex_t *m)
{
    sync__park(&m->wait_head, &m->wait_tail, "sync_comutex_lock");
}

void sync_comutex_lock(sync_comutex_t *m)
{
    /* Guarded whole: preempted between a failed trylock and parking, we
     * could miss the unlock that came in between and park for ever. */
    SYNC__ENTER();
    if (!sync__comutex_trylock(m)) {
        sync__comutex_park(m);
        /* Unlock handed us the mutex before making us runnable. Acquire:
         * pairs with unlock's release store of our handle. */
        if (sync_load_ptr(&m->owner, SYNC_ACQUIRE) != sync__self())
            abort();
        SYNC_ANN_HAPPENS_AFTER(m);
    }
    SYNC__LEAVE();
}

static SYNC__NO_TSAN sync_coro_t *sync__comutex_next(sync_comutex_t *m)
{
    return sync__unpark(&m->wait_head, &m->wait_tail);
}

void sync_comutex_unlock(sync_comutex_t *m)
{
    SYNC__ENTER();
    void *self = sync__self();
    if (sync_load_ptr(&m->owner, SYNC_RELAXED) != (self != NULL ? self : (void *)m)) {
        fputs("sync: sync_comutex_unlock by a coroutine that does not hold it\n", stderr);
        abort();
    }
    /* Queue the oldest waiter, then publish it as the holder: nothing runs
     * in between (one carrier), and it runs only after we switch away. */
    sync_coro_t *next = sync__comutex_next(m);
    SYNC_ANN_HAPPENS_BEFORE(m);
    /* Release: pairs with the acquire in lock (of the waiter we hand the
     * mutex to, or of the next trylock CAS when nobody waits). */
    sync_store_ptr(&m->owner, next, SYNC_RELEASE);
    SYNC__LEAVE();
}

/* ---- Cosem ----------------------------------------------------------- */

int sync_cosem_init(sync_cosem_t *s, unsigned value)
{
    if (value > SYNC_COSEM_VALUE_MAX)
        return EINVAL;
    sync_store_u32(&s->value, value, SYNC_RELAXED);
    sync_store_u32(&s->reserved, 0, SYNC_RELAXED);
    s->wait_head = s->wait_tail = NULL;
    SYNC_ANN_IGNORE(&s->value, sizeof s->value);
    SYNC_ANN_IGNORE(&s->reserved, sizeof s->reserved);
    return 0;
}

static bool sync__cosem_trywait(sync_cosem_t *s)
{
    uint32_t v = sync_load_u32(&s->value, SYNC_RELAXED);
    /* Units handed to woken waiters are theirs: FIFO, no barging. */
    while (v > sync_load_u32(&s->reserved, SYNC_RELAXED)) {
        /* Acquire: pairs with the release add in post. */
        if (sync_cas_u32(&s->value, &v, v - 1, SYNC_ACQUIRE, SYNC_RELAXED)) {
            SYNC_ANN_HAPPENS_AFTER(s);
            return true;
        }
    }
    return false;
}

static SYNC__NO_TSAN void sync__cosem_park(sync_cosem_t *s)
{
    sync__park(&s->wait_head, &s->wait_tail, "sync_cosem_wait");
}

bool sync_cosem_trywait(sync_cosem_t *s)
{
    SYNC__ENTER();
    bool ok = sync__cosem_trywait(s);
    SYNC__LEAVE();
    return ok;
}

void sync_cosem_wait(sync_cosem_t *s)
{
    SYNC__ENTER();
    if (!sync__cosem_trywait(s)) {
        sync__cosem_park(s);
        /* Post reserved a unit for us before making us runnable: take it.
         * Acquire: pairs with the release add in post. */
        sync_fetch_sub_u32(&s->reserved, 1, SYNC_RELAXED);
        sync_fetch_sub_u32(&s->value, 1, SYNC_ACQUIRE);
        SYNC_ANN_HAPPENS_AFTER(s);
    }
    SYNC__LEAVE();
}

static SYNC__NO_TSAN sync_coro_t *sync__cosem_next(sync_cosem_t *s)
{
    return sync__unpark(&s->wait_head, &s->wait_tail);
}

void sync_cosem_post(sync_cosem_t *s)
{
    SYNC__ENTER();
    SYNC_ANN_HAPPENS_BEFORE(s);
    /* Release: pairs with the acquire of whichever wait takes this unit. */
    sync_fetch_add_u32(&s->value, 1, SYNC_RELEASE);
    if (sync__cosem_next(s) != NULL)
        sync_fetch_add_u32(&s->reserved, 1, SYNC_RELAXED);
    SYNC__LEAVE();
}

/* ---- Preemption -------------------------------------------------------
 * See PREEMPTION in coro.h for the contract and why each step is safe. */

static _Thread_local timer_t sync__preempt_timer;
static _Thread_local volatile unsigned long sync__ticks, sync__switches, sync__deferred;

int sync_coro_preempt_signal(void)
{
    return SIGRTMIN + 4;
}

#if !UTIL_TSAN /* see PREEMPTION in coro.h: no preemption under TSan */
static _Thread_local struct timespec sync__preempt_period;
static pthread_once_t sync__preempt_once = PTHREAD_ONCE_INIT;
static int sync__preempt_install_err;

/* The next tick, a period from now (see PREEMPTION: progress). */
static void sync__preempt_arm(void)
{
    struct itimerspec its = { .it_value = sync__preempt_period };
    (void)timer_settime(sync__preempt_timer, 0, &its, NULL);
}

static SYNC__NO_TSAN void sync__preempt_handler(int sig, siginfo_t *info, void *uctx)
{
    (void)info, (void)uctx;
    if (!sync__preempt_on)
        return; /* a tick still in flight after stop, or another thread */
    sync__ticks++;
    sync_coro_t *co = sync__current;
    if (sync__nopreempt != 0 || co == NULL || co->sched == NULL) {
        sync__deferred++; /* runtime, scheduler or a disabled section: not here */
        sync__preempt_arm();
        return;
    }
    int saved_errno = errno;
    sync__nopreempt = 1; /* from here on we are the runtime */
    atomic_signal_fence(memory_order_seq_cst);
    /* The switch does not carry signal masks: unblock ours (blocked while
     * its handler runs) or the scheduler and every coroutine after it would
     * run unpreemptible. A tick arriving now finds the guard up. On the way
     * back, sigreturn restores the mask saved when we were interrupted. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    sync__switches++;
    sync__preempt_arm(); /* the next context's tick */
    sync__switch_out(co, SYNC__READY);
    /* Resumed by the scheduler: back into the interrupted code. */
    atomic_signal_fence(memory_order_seq_cst);
    sync__nopreempt = 0;
    errno = saved_errno;
}

static void sync__preempt_install(void)
{
    struct sigaction sa;
    sa.sa_sigaction = sync__preempt_handler;
    sigemptyset(&sa.sa_mask);
    /* Not SA_ONSTACK: the handler must run on the coroutine's own stack,
     * which is the stack the switch saves. */
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    if (sigaction(sync_coro_preempt_signal(), &sa, NULL) != 0)
        sync__preempt_install_err = errno;
}
#endif

int sync_coro_preempt_start(unsigned period_us)
{
#if UTIL_TSAN
    (void)period_us;
    return ENOTSUP;
#else
    if (period_us < SYNC_CORO_PREEMPT_MIN_US || period_us > SYNC_CORO_PREEMPT_MAX_US)
        return EINVAL;
    if (sync__preempt_on)
        return EBUSY;
    pthread_once(&sync__preempt_once, sync__preempt_install);
    if (sync__preempt_install_err != 0)
        return sync__preempt_install_err;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = sync_coro_preempt_signal();
    sev._sigev_un._tid = gettid(); /* sigev_notify_thread_id: this carrier only */
    if (timer_create(CLOCK_MONOTONIC, &sev, &sync__preempt_timer) != 0)
        return errno;
    sync__ticks = sync__switches = sync__deferred = 0;
    sync__preempt_on = 1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sync_coro_preempt_signal());
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    sync__preempt_period.tv_sec = period_us / 1000000u;
    sync__preempt_period.tv_nsec = (long)(period_us % 1000000u) * 1000;
    struct itimerspec its = { .it_value = sync__preempt_period };   /* one-shot */
    if (timer_settime(sync__preempt_timer, 0, &its, NULL) != 0) {
        int err = errno;
        sync__preempt_on = 0;
        timer_delete(sync__preempt_timer);
        return err;
    }
    return 0;
#endif
}

void sync_coro_preempt_stop(void)
{
    if (!sync__preempt_on)
        return;
    sync__preempt_on = 0; /* first: a tick from here on re-arms nothing */
    atomic_signal_fence(memory_order_seq_cst);
    timer_delete(sync__preempt_timer);
}

void sync_coro_preempt_stats(struct sync_coro_preempt_stats *out)
{
    out->ticks = sync__ticks;
    out->switches = sync__switches;
    out->deferred = sync__deferred;
}

void sync_coro_preempt_disable(void)
{
#if !UTIL_TSAN
    sync__nopreempt = sync__nopreempt + 1;
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

void sync_coro_preempt_enable(void)
{
#if !UTIL_TSAN
    if (sync__nopreempt == 0) {
        fputs("sync: sync_coro_preempt_enable without a matching disable\n", stderr);
        abort();
    }
    atomic_signal_fence(memory_order_seq_cst);
    sync__nopreempt = sync__nopreempt - 1;
#endif
}
