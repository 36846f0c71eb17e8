/* sync/coro.h - stackful coroutines, a round-robin scheduler per carrier
 * thread, and the two primitives coroutines block on: a mutex and a
 * counting semaphore.
 *
 * CONTRACT
 *   Progress:  cooperative (M:1). A coroutine runs until it yields, blocks
 *              on a comutex or cosem, or returns; nothing preempts it, unless
 *              its carrier thread turned preemption on (see PREEMPTION). A
 *              comutex or cosem waiter parks (is not run again) until it is
 *              handed the lock or a unit; nobody spins.
 *   Carrier:   a coroutine, its scheduler and every comutex/cosem its
 *              coroutines block on belong to ONE carrier thread: the thread
 *              that created the coroutine. Never resume or lock across
 *              threads; these are single-carrier primitives (the coros-mn
 *              model needs its own cross-thread hand-off).
 *   Ordering:  like threads, not like function calls, so that races between
 *              coroutines stay visible to ThreadSanitizer:
 *                create/spawn -> first instruction of the coroutine  ordered
 *                return/exit  -> join, or sync_sched_run() returning ordered
                last switch-out -> destroy (also a deadlock's drop) ordered
 *                comutex unlock -> the next lock                     ordered
 *                cosem post -> the wait that takes that unit          ordered
 *                resume / yield (a bare switch)                      NOT ordered
 *              Running on one thread, all of these are ordered in fact; the
 *              table is what ThreadSanitizer is told (see SANITIZERS), so
 *              two coroutines that share plain data across a yield without a
 *              comutex are reported as a race, exactly as two threads would.
 *   Memory:    a coroutine is a heap object (opaque handle, create/destroy)
 *              with an mmap'd stack and a PROT_NONE guard gap of
 *              SYNC_CORO_GUARD_SIZE below it (address space only, no memory),
 *              so a frame that runs off the stack by less than the gap faults
 *              at once, in the coroutine that overflowed, instead of writing
 *              into whatever is mapped below (another coroutine's stack).
 *              The remaining limit: in code built without stack-clash
 *              protection, one frame (locals, alloca, a VLA) larger than the
 *              gap can still jump it. The library is built with
 *              -fstack-clash-protection, which makes every frame touch each
 *              page it allocates, top down; build code that runs in
 *              coroutines with it too, and no frame size jumps the gap.
 *              sync_sched_t, sync_comutex_t and sync_cosem_t are plain
 *              structs (static, heap or stack; never MAP_SHARED).
 *   Safety:    misuse that would otherwise hang or corrupt the scheduler
 *              (blocking outside a scheduled coroutine, unlocking a comutex
 *              one does not hold, yielding outside a coroutine) aborts.
 *
 * THE SWITCH (SYNC_CORO_BACKEND names the one built in)
 *   asm       x86-64 (sync/src/coro_switch_x86_64.S). Saves what the
 *             SysV x86-64 psABI says a callee must preserve and nothing else:
 *             rbx, rbp, r12-r15, rsp, the MXCSR control bits and the x87
 *             control word (rounding mode, precision, exception masks: the
 *             psABI, section 3.2.1, makes these callee-saved, and the status
 *             flags caller-saved). All xmm/ymm and x87 data registers are
 *             caller-saved, so the compiler has already spilled any it needs
 *             around the call to the switch. No signal mask: that is what
 *             makes it ~18x cheaper than swapcontext, which makes a
 *             sigprocmask system call on every switch (12.7 vs 229 ns per
 *             switch, measured on the 2-core reference VM).
 *   asm       aarch64 (sync/src/coro_switch_aarch64.S): x19-x30, sp, d8-d15
 *             and FPCR, per AAPCS64. NOT TESTED ON HARDWARE (written on
 *             x86-64, only assembled); opt-in.
 *   ucontext  getcontext/makecontext/swapcontext: portable, slow.
 *   CMake chooses with RACELAB_CORO_SWITCH=asm|ucontext (default: asm on
 *   x86-64; ucontext elsewhere, aarch64 included until its asm has run).
 *   A new coroutine starts with its creator's FP control state (rounding
 *   mode, exception masks), as a new thread does; from then on each
 *   coroutine keeps its own: fesetround() in one does not leak into another.
 *
 * SANITIZERS
 *   ASan: every switch is wrapped in __sanitizer_start_switch_fiber /
 *   __sanitizer_finish_switch_fiber, so ASan knows which stack is live.
 *   TSan: every coroutine is a TSan fiber, switched to with
 *   __tsan_switch_to_fiber_no_sync, i.e. TSan treats coroutines as threads.
 *   The runtime's own bookkeeping (queues, states, saved stack pointers) is
 *   hidden from TSan: it is ordered by the carrier thread's program order,
 *   which TSan, told there is no order, could only misreport. The edges of
 *   the Ordering table are real TSan edges (__tsan_release/__tsan_acquire,
 *   and the C11 atomics of the comutex and cosem).
 *
 * PREEMPTION
 *   sync_coro_preempt_start(period_us) arms a timer for the calling carrier
 *   thread (timer_create, CLOCK_MONOTONIC, SIGEV_THREAD_ID: the signal goes
 *   to this thread and no other). At each tick the signal handler, running on
 *   the interrupted coroutine's own stack, switches from it to its scheduler
 *   exactly as sync_coro_yield() would: the coroutine goes to the tail of the
 *   run queue and, when resumed, returns from the handler into the middle of
 *   whatever it was doing, between any two instructions. How that is safe:
 *   - The runtime is never interrupted: every function of this header raises
 *     a per-thread guard for its whole body, and a tick that lands while the
 *     guard is up (or on the scheduler's own stack, or in a coroutine that
 *     called sync_coro_preempt_disable) does nothing but count itself as
 *     deferred. So run queues, wait queues and the switch are never seen
 *     half-updated, and a comutex is exact under preemption.
 *   - The handler allocates nothing and calls only async-signal-safe code:
 *     the switch itself (registers and a stack pointer), pthread_sigmask and
 *     timer_settime.
 *   - Signal mask: a handler runs with its signal blocked, and the switch
 *     does not carry masks (that is what makes it cheap). So before switching
 *     the handler unblocks the signal; the next context runs preemptible, and
 *     when the interrupted coroutine is resumed, the handler returns and
 *     sigreturn restores the mask of the moment it was interrupted. A tick in
 *     that window finds the guard up and is deferred.
 *   - errno is saved and restored around the switch.
 *   - Progress: the timer is one-shot, re-armed by the handler just before
 *     it returns or switches (timer_settime, async-signal-safe), so that a
 *     full period of the carrier's own time follows every tick. An interval
 *     timer whose period is shorter than one signal's delivery and return
 *     (about 10 us on a slow VM) would deliver the next tick the moment
 *     sigreturn unblocks it, for ever: a 10 us period kept a thread inside
 *     timer_settime at 100 % CPU here (notes/coroutines.md).
 *   The code a preemptible coroutine runs must be async-signal-safe as far
 *   as other coroutines of its carrier are concerned: a coroutine preempted
 *   inside malloc() or stdio holds their lock, and the next coroutine that
 *   calls them on the same thread waits for ever. Wrap such calls in
 *   sync_coro_preempt_disable() / enable(). ThreadSanitizer defers
 *   asynchronous signals to its next intercepted call, so under TSan a tick
 *   never lands inside a plain loop: sync_coro_preempt_start() returns
 *   ENOTSUP in TSan builds rather than pretend to preempt.
 *
 * Which calls may be made where:
 *                         outside any coroutine  standalone coro  scheduled coro
 *   sync_coro_create/join/destroy     yes              yes             yes
 *   sync_coro_resume                  yes              yes             yes (a standalone one)
 *   sync_coro_yield / exit            abort            yes             yes
 *   sync_sched_spawn                  yes              yes             yes
 *   sync_sched_run                    yes              yes             yes (another scheduler)
 *   sync_coro_preempt_start/stop      yes              no              no
 *   comutex lock / cosem wait         abort unless it need not block    yes
 *   comutex trylock/unlock, cosem post/trywait  yes    yes             yes
 */
#ifndef SYNC_CORO_H
#define SYNC_CORO_H

#include <stdbool.h>
#include <stddef.h>
#include "sync/atomic.h"

#if defined(SYNC_CORO_UCONTEXT)
#define SYNC_CORO_BACKEND "ucontext (swapcontext)"
#elif defined(__aarch64__)
#define SYNC_CORO_BACKEND "asm (aarch64, callee-saved registers only; untested)"
#else
#define SYNC_CORO_BACKEND "asm (x86-64, callee-saved registers only)"
#endif

/* Stack sizes in bytes, not counting the guard gap. Sizes are rounded up to
 * whole pages. */
#define SYNC_CORO_STACK_DEFAULT (64u * 1024u)
#define SYNC_CORO_STACK_MIN (16u * 1024u)

/* The PROT_NONE gap below every stack: address space, no memory; larger
 * than the frames code commonly makes (PATH_MAX and BUFSIZ buffers, a 64 KiB
 * I/O buffer). For comparison, Linux keeps 1 MiB below a process's main
 * stack, and glibc gives each thread's stack one page. */
#define SYNC_CORO_GUARD_SIZE (256u * 1024u)

typedef struct sync_coro sync_coro_t;
typedef void *(*sync_coro_fn)(void *arg);

/* ---- Coroutines ------------------------------------------------------- */

/* Creates a suspended coroutine that will run fn(arg) on its own stack of
 * |stack_size| bytes (0: SYNC_CORO_STACK_DEFAULT). It starts at the first
 * sync_coro_resume(). Returns 0, EINVAL (fn NULL, or stack_size non-zero and
 * below SYNC_CORO_STACK_MIN), or ENOMEM. */
int sync_coro_create(sync_coro_t **out, sync_coro_fn fn, void *arg, size_t stack_size);

/* Runs |co| until it yields, returns or exits; then returns 0. Returns
 * EINVAL if |co| has finished or belongs to a scheduler, EDEADLK if it is
 * running (it is the caller or one of the caller's resumers). */
int sync_coro_resume(sync_coro_t *co);

/* Call from inside a coroutine: suspends it and returns to whoever resumed
 * it (for a scheduled coroutine, the scheduler, which runs the next one). */
void sync_coro_yield(void);

/* Call from inside a coroutine: finishes it with result |ret|, as returning
 * |ret| from its function does. Its stack is not unwound. */
_Noreturn void sync_coro_exit(void *ret);

/* Resumes |co| until it finishes, stores its result in *ret (if ret is not
 * NULL) and destroys it. Returns 0, or EINVAL/EDEADLK as sync_coro_resume()
 * (|co| is then left alone). Not for scheduled coroutines: the scheduler
 * owns those. */
int sync_coro_join(sync_coro_t *co, void **ret);

/* Frees a coroutine that is not running and not owned by a scheduler. A
 * coroutine destroyed while suspended is dropped where it stands: its stack
 * is not unwound (nothing it allocated is freed). NULL is ignored. */
void sync_coro_destroy(sync_coro_t *co);

/* The running coroutine, or NULL on a thread's own stack. */
sync_coro_t *sync_coro_current(void);

/* True once |co| has returned or exited. */
bool sync_coro_done(const sync_coro_t *co);

/* ---- Round-robin scheduler ------------------------------------------- */

/* One FIFO run queue. sync_sched_run() resumes the head coroutine; when it
 * yields it goes to the tail, when it blocks it leaves the queue until a
 * comutex unlock or cosem post puts it back at the tail, when it finishes
 * the scheduler destroys it. So N coroutines that only yield run in spawn
 * order, round after round. */
typedef struct sync_sched {
    sync_coro_t *head, *tail;  /* private: runnable, in run order */
    sync_coro_t *all;          /* private: every live spawned coroutine */
    unsigned live;             /* private: spawned and not finished */
} sync_sched_t;

#define SYNC_SCHED_INIT { NULL, NULL, NULL, 0 }

/* Returns 0 (an errno-style result, like every racelab init). */
int sync_sched_init(sync_sched_t *s);

/* Creates a coroutine owned by |s| and queues it at the tail. May be called
 * before or during sync_sched_run() (from one of its coroutines too).
 * Returns 0 or an error of sync_coro_create(). */
int sync_sched_spawn(sync_sched_t *s, sync_coro_fn fn, void *arg, size_t stack_size);

/* Runs the queue until every spawned coroutine has finished; returns 0. If
 * coroutines remain but all are blocked, that is a deadlock: they are
 * destroyed where they stand and EDEADLK is returned (the comutexes and
 * cosems they waited on must then be re-initialised before further use). */
int sync_sched_run(sync_sched_t *s);

/* ---- Preemption ------------------------------------------------------- */

#define SYNC_CORO_PREEMPT_MIN_US 10u       /* below this the ticks are the work */
#define SYNC_CORO_PREEMPT_MAX_US 1000000u  /* a second */

/* The real-time signal the ticks use (SIGRTMIN + 4: glibc keeps the first
 * ones for itself). Its handler is installed by the first start and stays
 * installed, so a tick still in flight after a stop is harmless. */
int sync_coro_preempt_signal(void);

/* Turns preemption on for the coroutines the calling thread runs: a tick
 * every |period_us| microseconds. Returns 0, EINVAL (period outside
 * [SYNC_CORO_PREEMPT_MIN_US, SYNC_CORO_PREEMPT_MAX_US]), EBUSY (already on
 * for this thread), ENOTSUP (a ThreadSanitizer build, see PREEMPTION), or the
 * error of timer_create/sigaction. Call from the carrier thread, outside any
 * coroutine. */
int sync_coro_preempt_start(unsigned period_us);

/* Turns it off for the calling thread (no-op when off). */
void sync_coro_preempt_stop(void);

/* What the calling thread's ticks did since its last start. While ticks
 * arrive the counts move, and a snapshot can fall inside a tick (counted in
 * |ticks|, its outcome not yet): compare them after sync_coro_preempt_stop(),
 * when they are final (a tick still in flight then counts nothing). */
struct sync_coro_preempt_stats {
    unsigned long ticks;       /* signals delivered */
    unsigned long switches;    /* ticks that switched a coroutine out */
    unsigned long deferred;    /* ticks that found the runtime, the scheduler or
                                * a disabled section running, and did nothing */
};
void sync_coro_preempt_stats(struct sync_coro_preempt_stats *out);

/* Nesting: no tick switches the calling coroutine between disable and the
 * matching enable. For calls into code that is not async-signal-safe
 * (malloc, stdio) from a preemptible coroutine. */
void sync_coro_preempt_disable(void);
void sync_coro_preempt_enable(void);

/* ---- Coroutine mutex ------------------------------------------------- */

/* A single-carrier sleeping lock. Lock takes a free mutex at once; a held
 * one parks the caller in a FIFO queue and switches to the scheduler.
 * Unlock hands the mutex straight to the oldest waiter (no barging: the
 * waiter owns it before it runs again), so waiters are served in arrival
 * order. Lock is an acquire and unlock a release (see |owner|). Only the
 * holder may unlock (checked in every build: it costs one compare). */
typedef struct {
    /* Holder (a sync_coro_t *) or NULL. A C11 atomic although one thread
     * does every access: under TSan each coroutine is its own fiber with no
     * order between switches, and the release store in unlock paired with
     * the acquire in lock is what tells TSan that the data the lock protects
     * is handed over, not raced on. Natively it costs a plain mov. */
    sync_atomic_ptr owner;
    sync_coro_t *wait_head, *wait_tail; /* private: parked lockers, FIFO */
} sync_comutex_t;

#define SYNC_COMUTEX_INIT { SYNC_ATOMIC_INIT(NULL), NULL, NULL }

/* Returns 0. */
int sync_comutex_init(sync_comutex_t *m);
/* Call from a scheduled coroutine (outside one only if the mutex is free). */
void sync_comutex_lock(sync_comutex_t *m);
bool sync_comutex_trylock(sync_comutex_t *m);
/* Call with |m| held by the calling coroutine. Never switches. */
void sync_comutex_unlock(sync_comutex_t *m);

/* ---- Coroutine counting semaphore ------------------------------------ */

/* FIFO: a unit posted while coroutines wait goes to the oldest waiter,
 * which is queued to run; a coroutine that arrives meanwhile does not take
 * it. Post is a release and the wait that takes the unit an acquire. */
typedef struct {
    sync_atomic_u32 value;     /* units posted and not yet taken; atomic for TSan as |owner| above */
    sync_atomic_u32 reserved;  /* private: of |value|, units handed to woken waiters */
    sync_coro_t *wait_head, *wait_tail; /* private: parked waiters, FIFO */
} sync_cosem_t;

#define SYNC_COSEM_INIT(n) { SYNC_ATOMIC_INIT(n), SYNC_ATOMIC_INIT(0), NULL, NULL }

#define SYNC_COSEM_VALUE_MAX 0x7fffffffu /* as SYNC_SEM_VALUE_MAX; post does not check it */

/* Returns 0, or EINVAL if value > SYNC_COSEM_VALUE_MAX. */
int sync_cosem_init(sync_cosem_t *s, unsigned value);
/* Call from a scheduled coroutine (outside one only if a unit is free). */
void sync_cosem_wait(sync_cosem_t *s);
bool sync_cosem_trywait(sync_cosem_t *s);
/* Never switches: a woken waiter runs when the scheduler reaches it. */
void sync_cosem_post(sync_cosem_t *s);

/* A snapshot of the units not yet taken (including those handed to woken
 * waiters that have not run yet): for tests and logs. */
static inline unsigned sync_cosem_value(const sync_cosem_t *s)
{
    return sync_load_u32(&s->value, SYNC_RELAXED);
}

#endif /* SYNC_CORO_H */
