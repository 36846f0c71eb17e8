/* tests/test_coro.c - the coroutine runtime: switch correctness (a million
 * switches, callee-saved registers and the FP control state kept per
 * coroutine), the guard gap (deep recursion, big frames), the round-robin
 * scheduler, the comutex (exact under it, an exactly predictable loss
 * without it), the cosem, the preemption guard, and bad input.
 *
 * Under ThreadSanitizer coroutines are fibers with no order between switches
 * (see sync/coro.h), so data two coroutines share here is either a relaxed
 * atomic, protected by a comutex/cosem, or handed over by create and
 * join/sched_run; and CUnit (whose counters are plain globals) is called
 * from the test function only, never from a coroutine. */
#include <errno.h>
#include <fenv.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include "sync/coro.h"
#include "coro_frames.h"
#include "test_main.h"

static bool test_sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0;
}

/* ---- Resume, yield, return ------------------------------------------ */

struct test_gen {
    unsigned n;
    sync_atomic_u32 slot; /* the value yielded last */
};

static void *test_gen_body(void *arg)
{
    struct test_gen *g = arg;
    for (unsigned i = 0; i < g->n; i++) {
        sync_store_u32(&g->slot, i, SYNC_RELAXED);
        sync_coro_yield();
    }
    return (void *)(uintptr_t)0xC0DEu;
}

static void test_coro_resume_yield_join(void)
{
    struct test_gen g = { .n = 1000, .slot = SYNC_ATOMIC_INIT(0) };
    sync_coro_t *co;
    CU_ASSERT_PTR_NULL(sync_coro_current());
    CU_ASSERT_EQUAL_FATAL(sync_coro_create(&co, test_gen_body, &g, 0), 0);
    unsigned bad = 0;
    for (unsigned i = 0; i < g.n; i++) {
        if (sync_coro_resume(co) != 0 || sync_coro_done(co) ||
            sync_load_u32(&g.slot, SYNC_RELAXED) != i)
            bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(sync_coro_resume(co), 0); /* returns */
    CU_ASSERT_TRUE(sync_coro_done(co));
    CU_ASSERT_EQUAL(sync_coro_resume(co), EINVAL);
    void *ret = NULL;
    CU_ASSERT_EQUAL(sync_coro_join(co, &ret), 0);
    CU_ASSERT_EQUAL((uintptr_t)ret, 0xC0DEu);
    CU_ASSERT_PTR_NULL(sync_coro_current());
}

static volatile int test_do_exit = 1;

/* Exits from |depth| frames down; returns only if test_do_exit is 0 (it is
 * not: the volatile only keeps compilers from calling this endless). */
static unsigned test_exit_deep(unsigned depth)
{
    if (depth == 0) {
        if (test_do_exit)
            sync_coro_exit((void *)(uintptr_t)42);
        return 0;
    }
    return test_exit_deep(depth - 1) + 1;
}

static void *test_exit_body(void *arg)
{
    sync_coro_t **self = arg;
    /* Written before the first yield, read by the test after join. */
    *self = sync_coro_current();
    sync_coro_yield();
    return (void *)(uintptr_t)test_exit_deep(10); /* 10: exit did not work */
}

static void test_coro_exit_and_current(void)
{
    sync_coro_t *co, *seen = NULL;
    CU_ASSERT_EQUAL_FATAL(sync_coro_create(&co, test_exit_body, &seen, 0), 0);
    void *ret = NULL;
    CU_ASSERT_EQUAL(sync_coro_join(co, &ret), 0);
    CU_ASSERT_EQUAL((uintptr_t)ret, 42u);
    CU_ASSERT_PTR_EQUAL(seen, co); /* co is freed: compare the addresses only */
}

/* Each side of a ping-pong checks that the other moved since its last turn. */
struct test_pingpong {
    unsigned rounds;
    sync_atomic_u32 turn;
    sync_atomic_u32 errors;
};

struct test_pp_arg {
    struct test_pingpong *pp;
    uint32_t me;
};

static void *test_pp_body(void *arg)
{
    struct test_pp_arg *a = arg;
    unsigned errors = 0;
    for (unsigned i = 0; i < a->pp->rounds; i++) {
        if (sync_load_u32(&a->pp->turn, SYNC_RELAXED) != a->me)
            errors++;
        sync_store_u32(&a->pp->turn, a->me ^ 1u, SYNC_RELAXED);
        sync_coro_yield();
    }
    sync_fetch_add_u32(&a->pp->errors, errors, SYNC_RELAXED);
    return NULL;
}

/* 2 coroutines x rounds yields x 2 switches (to the scheduler and back). */
static void test_coro_million_switches(void)
{
    struct test_pingpong pp = { .rounds = test_sanitized() ? 50000u : 250000u };
    struct test_pp_arg a[2] = { { &pp, 0 }, { &pp, 1 } };
    sync_sched_t s = SYNC_SCHED_INIT;
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_pp_body, &a[i], 0), 0);
    CU_ASSERT_EQUAL(sync_sched_run(&s), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&pp.errors, SYNC_RELAXED), 0);
    printf("\n    %u switches (%s)\n", 4 * pp.rounds, SYNC_CORO_BACKEND);
}

/* ---- Callee-saved state ---------------------------------------------- */

/* More live values than there are callee-saved registers, so some sit in
 * rbx/rbp/r12-r15 and the rest on the coroutine's stack across each yield.
 * The step is read from a volatile each round, so the compiler cannot
 * recompute any value from another: each must survive the switch. */
static volatile uint64_t test_step = 1;

static void *test_regs_body(void *arg)
{
    uint64_t seed = (uint64_t)(uintptr_t)arg;
    uint64_t v0 = seed * 3, v1 = seed * 5, v2 = seed * 7, v3 = seed * 11;
    uint64_t v4 = seed * 13, v5 = seed * 17, v6 = seed * 19, v7 = seed * 23;
    uint64_t v8 = seed * 29, v9 = seed * 31, v10 = seed * 37, v11 = seed * 41;
    double d0 = (double)seed * 0.5, d1 = (double)seed * 0.25;
    uintptr_t bad = 0;
    for (unsigned i = 0; i < 1000; i++) {
        sync_coro_yield();
        bad += v0 != seed * 3 || v1 != seed * 5 || v2 != seed * 7 || v3 != seed * 11;
        bad += v4 != seed * 13 || v5 != seed * 17 || v6 != seed * 19 || v7 != seed * 23;
        bad += v8 != seed * 29 || v9 != seed * 31 || v10 != seed * 37 || v11 != seed * 41;
        bad += d0 != (double)seed * 0.5 || d1 != (double)seed * 0.25;
        uint64_t k = test_step;
        seed += k;
        v0 += k * 3; v1 += k * 5; v2 += k * 7; v3 += k * 11;
        v4 += k * 13; v5 += k * 17; v6 += k * 19; v7 += k * 23;
        v8 += k * 29; v9 += k * 31; v10 += k * 37; v11 += k * 41;
        d0 += (double)k * 0.5; d1 += (double)k * 0.25;
    }
    return (void *)bad;
}

static void test_coro_registers_kept(void)
{
    sync_coro_t *co[3];
    uint64_t mine = 0x1234567u, m2 = mine * 2, m3 = mine * 3, m4 = mine * 4, m5 = mine * 5;
    uint64_t m6 = mine * 6, m7 = mine * 7;
    for (uintptr_t i = 0; i < 3; i++)
        CU_ASSERT_EQUAL_FATAL(sync_coro_create(&co[i], test_regs_body, (void *)(i + 1), 0), 0);
    unsigned bad_main = 0;
    for (unsigned r = 0; r < 1001; r++) {
        for (int i = 0; i < 3; i++)
            (void)sync_coro_resume(co[i]);
        bad_main += m2 != mine * 2 || m3 != mine * 3 || m4 != mine * 4 || m5 != mine * 5 ||
                    m6 != mine * 6 || m7 != mine * 7;
        uint64_t k = test_step;
        m2 += 2 * k; m3 += 3 * k; m4 += 4 * k; m5 += 5 * k; m6 += 6 * k; m7 += 7 * k;
        mine += k;
    }
    CU_ASSERT_EQUAL(bad_main, 0);
    for (int i = 0; i < 3; i++) {
        void *bad = (void *)1;
        CU_ASSERT_TRUE(sync_coro_done(co[i]));
        CU_ASSERT_EQUAL(sync_coro_join(co[i], &bad), 0);
        CU_ASSERT_PTR_NULL(bad);
    }
}

/* The psABI makes the x87 control word and the MXCSR control bits
 * callee-saved: a rounding mode set in one coroutine stays with it, and the
 * others (and the thread's own stack) keep theirs. fegetround() reads the
 * x87 word; the division checks the SSE unit (MXCSR), which does double
 * arithmetic on x86-64. 1/3 rounds down to nearest, so upward differs. */
static volatile double test_one = 1.0, test_three = 3.0;

static double test_third(void)
{
    return test_one / test_three;
}

struct test_fp {
    int mode;
    double nearest_third;
    sync_atomic_u32 errors;
};

static void *test_fp_body(void *arg)
{
    struct test_fp *f = arg;
    unsigned errors = 0;
    errors += fegetround() != FE_TONEAREST; /* inherited from the creator */
    fesetround(f->mode);
    for (unsigned i = 0; i < 100; i++) {
        sync_coro_yield();
        errors += fegetround() != f->mode;
        double t = test_third();
        errors += f->mode == FE_UPWARD ? !(t > f->nearest_third) : !(t == f->nearest_third);
    }
    fesetround(FE_TONEAREST);
    sync_fetch_add_u32(&f->errors, errors, SYNC_RELAXED);
    return NULL;
}

static void test_coro_fp_control_kept(void)
{
    CU_ASSERT_EQUAL_FATAL(fegetround(), FE_TONEAREST);
    double nearest = test_third();
    struct test_fp up = { FE_UPWARD, nearest, SYNC_ATOMIC_INIT(0) };
    struct test_fp down = { FE_TOWARDZERO, nearest, SYNC_ATOMIC_INIT(0) };
    sync_coro_t *a, *b;
    CU_ASSERT_EQUAL_FATAL(sync_coro_create(&a, test_fp_body, &up, 0), 0);
    CU_ASSERT_EQUAL_FATAL(sync_coro_create(&b, test_fp_body, &down, 0), 0);
    unsigned leaked = 0;
    while (!sync_coro_done(a) || !sync_coro_done(b)) {
        (void)sync_coro_resume(a);
        leaked += fegetround() != FE_TONEAREST || test_third() != nearest;
        (void)sync_coro_resume(b);
        leaked += fegetround() != FE_TONEAREST || test_third() != nearest;
    }
    CU_ASSERT_EQUAL(leaked, 0);
    CU_ASSERT_EQUAL(sync_coro_join(a, NULL), 0);
    CU_ASSERT_EQUAL(sync_coro_join(b, NULL), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&up.errors, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&down.errors, SYNC_RELAXED), 0);
}

/* ---- Guard page ------------------------------------------------------ */

static volatile unsigned test_sink;

/* Not a tail call: the volatile read after the call keeps every frame live. */
static __attribute__((noinline)) unsigned test_recurse(unsigned depth)
{
    volatile char buf[256];
    buf[depth % sizeof buf] = (char)depth;
    if (depth == 0)
        return 0;
    return test_recurse(depth - 1) + (unsigned)buf[depth % sizeof buf];
}

static void *test_overflow_body(void *arg)
{
    (void)arg;
    test_sink = test_recurse(1000000); /* ~300 MB of frames on a 64 KiB stack */
    return NULL;
}

static void test_coro_guard_page_faults(void)
{
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };
        (void)setrlimit(RLIMIT_CORE, &no_core);
        /* The sanitizers print a report for the fault; keep the log short. */
        if (test_sanitized() && freopen("/dev/null", "w", stderr) == NULL)
            _exit(3);
        sync_coro_t *co;
        if (sync_coro_create(&co, test_overflow_body, NULL, 0) != 0)
            _exit(2);
        (void)sync_coro_resume(co);
        _exit(0); /* the overflow went unnoticed */
    }
    int status;
    CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
    if (test_sanitized()) {
        /* ASan and TSan catch SIGSEGV on their alternate signal stack, report
         * a stack overflow and exit non-zero. */
        CU_ASSERT_TRUE((WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) ||
                       (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
                        WEXITSTATUS(status) != 2 && WEXITSTATUS(status) != 3));
    } else {
        CU_ASSERT_TRUE(WIFSIGNALED(status));
        CU_ASSERT_EQUAL(WIFSIGNALED(status) ? WTERMSIG(status) : 0, SIGSEGV);
    }
}

/* One big frame, written at its lowest byte only: with one guard page
 * below a 16 KiB stack that byte lands beyond the guard, in whatever is
 * mapped there (the stack of the coroutine created next), and nothing
 * faults until that one runs on a corrupted stack. test_coro.c is built
 * without stack-clash protection (tests/CMakeLists.txt), as Debian builds
 * by default, so the compiler adds no probes of its own. */
#define TEST_BIG_FRAME(bytes)                                             \
    static __attribute__((noinline)) void test_frame_##bytes(void)        \
    {                                                                     \
        volatile char buf[bytes];                                         \
        buf[0] = 'A';                                                     \
        __asm__ volatile("" : : "r"(buf) : "memory"); /* a real frame */  \
    }
TEST_BIG_FRAME(22000)   /* the frame: 1.3 stacks, 5 pages */
TEST_BIG_FRAME(131072)  /* a 128 KiB buffer: still inside the gap */

static sync_coro_t *volatile test_offender;
static volatile sig_atomic_t test_offender_returned;

/* On the alternate stack: the overflowing coroutine's stack pointer is in
 * the gap. 42: the fault came in the offender, before its big frame
 * returned; 43: in another coroutine or later (the corruption case). */
static void test_gap_handler(int sig, siginfo_t *info, void *uctx)
{
    (void)sig, (void)info, (void)uctx;
    _exit(sync_coro_current() == test_offender && !test_offender_returned ? 42 : 43);
}

static void *test_offender_body(void *arg)
{
    test_offender = sync_coro_current();
    ((void (*)(void))arg)();
    test_offender_returned = 1;
    return NULL;
}

static void *test_victim_body(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        sync_coro_yield();
    return NULL;
}

/* In a forked child: the offender (created first, so it sits above the
 * victim: mmap hands out addresses downwards) calls |frame|; the victim
 * runs before and after it. Exit 42 when the handler saw the fault in the
 * offender; 0 when nothing faulted. */
static void test_child_big_frame(void (*frame)(void))
{
    static char altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = test_gap_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGSEGV, &sa, NULL) != 0 ||
        sigaction(SIGBUS, &sa, NULL) != 0)
        _exit(2);
    sync_sched_t s = SYNC_SCHED_INIT;
    if (sync_sched_spawn(&s, test_offender_body, (void *)frame, SYNC_CORO_STACK_MIN) != 0 ||
        sync_sched_spawn(&s, test_victim_body, NULL, SYNC_CORO_STACK_MIN) != 0)
        _exit(2);
    (void)sync_sched_run(&s);
    _exit(0);
}

static int test_big_frame_status(void (*frame)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };
        (void)setrlimit(RLIMIT_CORE, &no_core);
        alarm(30);
        test_child_big_frame(frame);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ; /* EINTR */
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Frames larger than a page fault at once, in the coroutine that made them:
 * up to the guard gap without help from the compiler, any size with
 * -fstack-clash-protection (1 MiB here, four gaps). */
static void test_coro_guard_gap_big_frame(void)
{
    CU_ASSERT_EQUAL(test_big_frame_status(test_frame_22000), 42);
    CU_ASSERT_EQUAL(test_big_frame_status(test_frame_131072), 42);
    CU_ASSERT_EQUAL(test_big_frame_status(test_frame_probed_1m), 42);
}

/* ---- Scheduler --------------------------------------------------------- */

#define TEST_RR_COROS 7u
#define TEST_RR_YIELDS 50u

struct test_rr {
    sync_atomic_u32 next;                             /* log cursor */
    unsigned log[TEST_RR_COROS * (TEST_RR_YIELDS + 1)]; /* distinct slots */
};

struct test_rr_arg {
    struct test_rr *rr;
    unsigned id;
};

static void *test_rr_body(void *arg)
{
    struct test_rr_arg *a = arg;
    for (unsigned i = 0; i <= TEST_RR_YIELDS; i++) {
        a->rr->log[sync_fetch_add_u32(&a->rr->next, 1, SYNC_RELAXED)] = a->id;
        if (i < TEST_RR_YIELDS)
            sync_coro_yield();
    }
    return NULL;
}

static void test_coro_sched_round_robin(void)
{
    static struct test_rr rr;
    struct test_rr_arg a[TEST_RR_COROS];
    sync_sched_t s;
    CU_ASSERT_EQUAL_FATAL(sync_sched_init(&s), 0);
    for (unsigned i = 0; i < TEST_RR_COROS; i++) {
        a[i] = (struct test_rr_arg){ &rr, i };
        CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_rr_body, &a[i], 0), 0);
    }
    CU_ASSERT_EQUAL(sync_sched_run(&s), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&rr.next, SYNC_RELAXED), TEST_RR_COROS * (TEST_RR_YIELDS + 1));
    unsigned out_of_order = 0;
    for (unsigned k = 0; k < TEST_RR_COROS * (TEST_RR_YIELDS + 1); k++)
        out_of_order += rr.log[k] != k % TEST_RR_COROS;
    CU_ASSERT_EQUAL(out_of_order, 0);
    CU_ASSERT_EQUAL(sync_sched_run(&s), 0); /* empty: returns at once */
}

/* ---- Comutex --------------------------------------------------------- */

#define TEST_CNT_COROS 8u
#define TEST_CNT_ITERS 2000u

struct test_counter {
    sync_comutex_t lock;
    uint64_t value;            /* under |lock| */
    sync_atomic_u64 racy;      /* loaded and stored separately: no lock */
};

static void *test_locked_body(void *arg)
{
    struct test_counter *c = arg;
    for (unsigned i = 0; i < TEST_CNT_ITERS; i++) {
        sync_comutex_lock(&c->lock);
        uint64_t v = c->value;
        sync_coro_yield(); /* the others run, and queue on the lock */
        c->value = v + 1;
        sync_comutex_unlock(&c->lock);
    }
    return NULL;
}

/* A lost update without a data race: each access is atomic, the increment
 * is not. TSan stays silent; the count shows the loss. */
static void *test_racy_body(void *arg)
{
    struct test_counter *c = arg;
    for (unsigned i = 0; i < TEST_CNT_ITERS; i++) {
        uint64_t v = sync_load_u64(&c->racy, SYNC_RELAXED);
        sync_coro_yield();
        sync_store_u64(&c->racy, v + 1, SYNC_RELAXED);
    }
    return NULL;
}

static void test_coro_comutex_exact(void)
{
    struct test_counter c = { .lock = SYNC_COMUTEX_INIT, .value = 0 };
    sync_sched_t s = SYNC_SCHED_INIT;
    for (unsigned i = 0; i < TEST_CNT_COROS; i++)
        CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_locked_body, &c, 0), 0);
    CU_ASSERT_EQUAL(sync_sched_run(&s), 0);
    CU_ASSERT_EQUAL(c.value, (uint64_t)TEST_CNT_COROS * TEST_CNT_ITERS);
    CU_ASSERT_PTR_NULL(sync_load_ptr(&c.lock.owner, SYNC_RELAXED));
}

/* Round-robin: in every round all K coroutines load the same value, then
 * each stores that value + 1. So the counter grows by 1 per round: final =
 * iterations, lost = (K - 1) x iterations, exactly, every run. */
static void test_coro_racy_loses_exactly(void)
{
    struct test_counter c = { .racy = SYNC_ATOMIC_INIT(0) };
    sync_sched_t s = SYNC_SCHED_INIT;
    for (unsigned i = 0; i < TEST_CNT_COROS; i++)
        CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_racy_body, &c, 0), 0);
    CU_ASSERT_EQUAL(sync_sched_run(&s), 0);
    uint64_t final = sync_load_u64(&c.racy, SYNC_RELAXED);
    CU_ASSERT_EQUAL(final, TEST_CNT_ITERS);
    CU_ASSERT_EQUAL((uint64_t)TEST_CNT_COROS * TEST_CNT_ITERS - final,
                    (uint64_t)(TEST_CNT_COROS - 1) * TEST_CNT_ITERS);
}

/* Lockers are served in arrival order, and trylock fails while held. */
struct test_fifo {
    sync_comutex_t lock;
    sync_atomic_u32 next;
    unsigned order[5];         /* under |lock| */
    sync_atomic_u32 try_failed;
};

struct test_fifo_arg {
    struct test_fifo *f;
    unsigned id;
};

static void *test_fifo_body(void *arg)
{
    struct test_fifo_arg *a = arg;
    if (a->id != 0 && !sync_comutex_trylock(&a->f->lock))
        sync_fetch_add_u32(&a->f->try_failed, 1, SYNC_RELAXED);
    else if (a->id != 0)
        sync_comutex_unlock(&a->f->lock); /* not expected; counted below */
    sync_comutex_lock(&a->f->lock);
    a->f->order[sync_fetch_add_u32(&a->f->next, 1, SYNC_RELAXED)] = a->id;
    if (a->id == 0) /* hold it while the others arrive */
        for (int i = 0; i < 3; i++)
            sync_coro_yield();
    sync_comutex_unlock(&a->f->lock);
    return NULL;
}

static void test_coro_comutex_fifo(void)
{
    struct test_fifo f = { .lock = SYNC_COMUTEX_INIT };
    struct test_fifo_arg a[5];
    sync_sched_t s = SYNC_SCHED_INIT;
    /* Spawn 0 first (it takes the lock), then 4, 3, 2, 1: they queue in
     * that order, which is not the order of their ids. */
    unsigned spawn_order[5] = { 0, 4, 3, 2, 1 };
    for (unsigned i = 0; i < 5; i++) {
        a[i] = (struct test_fifo_arg){ &f, spawn_order[i] };
        CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_fifo_body, &a[i], 0), 0);
    }
    CU_ASSERT_EQUAL(sync_sched_run(&s), 0);
    for (unsigned i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(f.order[i], spawn_order[i]);
    CU_ASSERT_EQUAL(sync_load_u32(&f.try_failed, SYNC_RELAXED), 4);
    /* Outside any coroutine a free comutex may be taken and released. */
    CU_ASSERT_TRUE(sync_comutex_trylock(&f.lock));
    CU_ASSERT_FALSE(sync_comutex_trylock(&f.lock));
    sync_comutex_unlock(&f.lock);
}

/* Lock order inversion: the scheduler finds everybody blocked. */
struct test_dl {
    sync_comutex_t a, b;
};

static void *test_dl_ab(void *arg)
{
    struct test_dl *d = arg;
    sync_comutex_lock(&d->a);
    sync_coro_yield();
    sync_comutex_lock(&d->b);
    return NULL;
}

static void *test_dl_ba(void *arg)
{
    struct test_dl *d = arg;
    sync_comutex_lock(&d->b);
    sync_coro_yield();
    sync_comutex_lock(&d->a);
    return NULL;
}

static void test_coro_sched_deadlock(void)
{
    struct test_dl d = { SYNC_COMUTEX_INIT, SYNC_COMUTEX_INIT };
    sync_sched_t s = SYNC_SCHED_INIT;
    CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_dl_ab, &d, 0), 0);
    CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_dl_ba, &d, 0), 0);
    CU_ASSERT_EQUAL(sync_sched_run(&s), EDEADLK);
    CU_ASSERT_EQUAL(s.live, 0);
}

/* ---- Cosem ----------------------------------------------------------- */

#define TEST_BUF_SLOTS 4u
#define TEST_BUF_ITEMS 5000u

struct test_buf {
    sync_cosem_t free_slots, items;
    unsigned ring[TEST_BUF_SLOTS];  /* handed over by the cosems */
    sync_atomic_u32 errors;
};

static void *test_producer(void *arg)
{
    struct test_buf *b = arg;
    for (unsigned i = 0; i < TEST_BUF_ITEMS; i++) {
        sync_cosem_wait(&b->free_slots);
        b->ring[i % TEST_BUF_SLOTS] = i;
        sync_cosem_post(&b->items);
        if (i % 3 == 0)
            sync_coro_yield();
    }
    return NULL;
}

static void *test_consumer(void *arg)
{
    struct test_buf *b = arg;
    unsigned errors = 0;
    for (unsigned i = 0; i < TEST_BUF_ITEMS; i++) {
        sync_cosem_wait(&b->items);
        errors += b->ring[i % TEST_BUF_SLOTS] != i;
        sync_cosem_post(&b->free_slots);
        if (i % 7 == 0)
            sync_coro_yield();
    }
    sync_fetch_add_u32(&b->errors, errors, SYNC_RELAXED);
    return NULL;
}

static void test_coro_cosem_bounded_buffer(void)
{
    struct test_buf b = { .free_slots = SYNC_COSEM_INIT(TEST_BUF_SLOTS),
                          .items = SYNC_COSEM_INIT(0) };
    sync_sched_t s = SYNC_SCHED_INIT;
    CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_consumer, &b, 0), 0);
    CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_producer, &b, 0), 0);
    CU_ASSERT_EQUAL(sync_sched_run(&s), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&b.errors, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_cosem_value(&b.free_slots), TEST_BUF_SLOTS);
    CU_ASSERT_EQUAL(sync_cosem_value(&b.items), 0);
}

/* Waiters are woken oldest first, and a unit posted to a waiter is not
 * taken by a coroutine that runs before it. */
struct test_semfifo {
    sync_cosem_t sem;
    sync_atomic_u32 next;
    unsigned order[4];
    sync_atomic_u32 barged;
};

struct test_semfifo_arg {
    struct test_semfifo *f;
    unsigned id;
};

static void *test_sem_waiter(void *arg)
{
    struct test_semfifo_arg *a = arg;
    sync_cosem_wait(&a->f->sem);
    a->f->order[sync_fetch_add_u32(&a->f->next, 1, SYNC_RELAXED)] = a->id;
    return NULL;
}

static void *test_sem_poster(void *arg)
{
    struct test_semfifo_arg *a = arg;
    for (int i = 0; i < 3; i++)
        sync_cosem_post(&a->f->sem);
    /* All three units are reserved for the three sleepers. */
    if (sync_cosem_trywait(&a->f->sem))
        sync_fetch_add_u32(&a->f->barged, 1, SYNC_RELAXED);
    sync_cosem_post(&a->f->sem); /* the fourth, for the last waiter */
    return NULL;
}

static void test_coro_cosem_fifo(void)
{
    struct test_semfifo f = { .sem = SYNC_COSEM_INIT(0) };
    struct test_semfifo_arg a[5];
    sync_sched_t s = SYNC_SCHED_INIT;
    unsigned spawn_order[4] = { 2, 0, 3, 1 };
    for (unsigned i = 0; i < 3; i++) {
        a[i] = (struct test_semfifo_arg){ &f, spawn_order[i] };
        CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_sem_waiter, &a[i], 0), 0);
    }
    a[3] = (struct test_semfifo_arg){ &f, 99 };
    CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_sem_poster, &a[3], 0), 0);
    a[4] = (struct test_semfifo_arg){ &f, spawn_order[3] };
    CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_sem_waiter, &a[4], 0), 0);
    CU_ASSERT_EQUAL(sync_sched_run(&s), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&f.barged, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&f.next, SYNC_RELAXED), 4);
    /* 1 was spawned after the poster: it finds the fourth unit free before
     * the woken waiters run, then those run in the order they slept. */
    unsigned expect[4] = { 1, 2, 0, 3 };
    for (unsigned i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(f.order[i], expect[i]);
    CU_ASSERT_EQUAL(sync_cosem_value(&f.sem), 0);
}

/* ---- Preemption ------------------------------------------------------ */

/* Under TSan preemption is refused (ENOTSUP, see PREEMPTION in coro.h):
 * returns true when the test should go on. */
static bool test_preempt_on(unsigned period_us)
{
    int rc = sync_coro_preempt_start(period_us);
    if (strcmp(RACELAB_SANITIZER_NAME, "thread") == 0) {
        CU_ASSERT_EQUAL(rc, ENOTSUP);
        test_skip("ThreadSanitizer defers asynchronous signals: no preemption under TSan");
        return false;
    }
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    return true;
}

#define TEST_TK_ROUNDS 50u
#define TEST_TK_DEADLINE_NS 20000000000ull /* 20 s: only a broken runtime gets there */

/* Two coroutines that never yield take turns TEST_TK_ROUNDS times: each
 * spins until it is its turn. Only ticks can switch them, so finishing
 * proves at least 98 preemptions - and that every context after the first
 * one ran with the signal unblocked (the handler's unblock; without it the
 * second tick would never come and the deadline would end the test). */
struct test_tk {
    sync_atomic_u32 turn;       /* whose turn: 0 or 1 */
    sync_atomic_u32 timed_out;
    double fp[2];               /* each side's floating-point result */
};

struct test_tk_arg {
    struct test_tk *pp;
    unsigned id;
};

static uint64_t test_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *test_tk_body(void *arg)
{
    struct test_tk_arg *a = arg;
    uint64_t deadline = test_now_ns() + TEST_TK_DEADLINE_NS;
    /* Floating-point work held in registers across the preemptions: the
     * kernel saves and restores them around the handler, and the switch
     * inside it must not disturb that. */
    double x = 1.0 + a->id;
    for (unsigned r = 0; r < TEST_TK_ROUNDS; r++) {
        while (sync_load_u32(&a->pp->turn, SYNC_ACQUIRE) != a->id) {
            x = x * 1.000001 + 0.5;
            if (test_now_ns() > deadline) {
                sync_store_u32(&a->pp->timed_out, 1, SYNC_RELAXED);
                return NULL;
            }
        }
        /* Release: pairs with the other side's acquire of |turn|. */
        sync_store_u32(&a->pp->turn, 1 - a->id, SYNC_RELEASE);
    }
    a->pp->fp[a->id] = x;
    return NULL;
}

static void test_coro_preempt_ping_pong(void)
{
    if (!test_preempt_on(20))
        return;
    struct test_tk pp = { .turn = SYNC_ATOMIC_INIT(0) };
    struct test_tk_arg a[2] = { { &pp, 0 }, { &pp, 1 } };
    sync_sched_t s = SYNC_SCHED_INIT;
    CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_tk_body, &a[0], 0), 0);
    CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_tk_body, &a[1], 0), 0);
    CU_ASSERT_EQUAL(sync_sched_run(&s), 0);
    struct sync_coro_preempt_stats st;
    sync_coro_preempt_stop(); /* first: the counts are final after it */
    sync_coro_preempt_stats(&st);
    printf("\n    %lu ticks, %lu switches, %lu deferred", st.ticks, st.switches, st.deferred);
    CU_ASSERT_EQUAL(sync_load_u32(&pp.timed_out, SYNC_RELAXED), 0);
    /* Every wait is ended by a tick switching the spinner out, except A's
     * first round (its turn already) and B's last (A has finished): at
     * least 2 x rounds - 2 preemptions; more when a tick lands on the
     * coroutine whose turn it is. */
    CU_ASSERT(st.switches >= 2 * TEST_TK_ROUNDS - 2);
    CU_ASSERT(st.ticks >= st.switches + st.deferred);
    /* The signal is deliverable again on this thread after the run. */
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    CU_ASSERT_FALSE(sigismember(&cur, sync_coro_preempt_signal()));
    /* Both sides computed what they would have computed unpreempted (each
     * spun a different number of times, so recompute is not possible; the
     * result must at least be finite and > its start). */
    CU_ASSERT(pp.fp[0] >= 1.0 && pp.fp[0] < 1e300);
    CU_ASSERT(pp.fp[1] >= 2.0 && pp.fp[1] < 1e300);
}

/* A comutex under preemption: coroutines hold it across a long critical
 * section (a load, busy work, a store) and are switched out inside it; the
 * others park; the count is exact. */
struct test_pc {
    sync_comutex_t lock;
    uint64_t value;                 /* under |lock| */
    sync_atomic_u64 racy;           /* the same without the lock */
    unsigned iters;
};

static void *test_pc_locked(void *arg)
{
    struct test_pc *c = arg;
    for (unsigned i = 0; i < c->iters; i++) {
        sync_comutex_lock(&c->lock);
        uint64_t v = c->value;
        for (volatile int k = 0; k < 50; k++)
            ;
        c->value = v + 1;
        sync_comutex_unlock(&c->lock);
    }
    return NULL;
}

static void *test_pc_racy(void *arg)
{
    struct test_pc *c = arg;
    for (unsigned i = 0; i < c->iters; i++) {
        uint64_t v = sync_load_u64(&c->racy, SYNC_RELAXED);
        for (volatile int k = 0; k < 50; k++)
            ;
        sync_store_u64(&c->racy, v + 1, SYNC_RELAXED);
    }
    return NULL;
}

static void test_coro_preempt_comutex_exact(void)
{
    if (!test_preempt_on(20))
        return;
    struct test_pc c = { .lock = SYNC_COMUTEX_INIT, .iters = test_sanitized() ? 5000 : 50000 };
    sync_sched_t s = SYNC_SCHED_INIT;
    for (unsigned i = 0; i < 4; i++)
        CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_pc_locked, &c, 0), 0);
    CU_ASSERT_EQUAL(sync_sched_run(&s), 0);
    struct sync_coro_preempt_stats st;
    sync_coro_preempt_stats(&st); /* switches only grow: > 0 stays true */
    CU_ASSERT_EQUAL(c.value, 4ull * c.iters);
    CU_ASSERT(st.switches > 0);
    /* The same loop without the lock loses, given a tick inside its window:
     * where ticks land is luck, so it is retried until it loses, up to a
     * deadline only a runtime that no longer preempts reaches. */
    uint64_t got = 4ull * c.iters;
    uint64_t deadline = test_now_ns() + TEST_TK_DEADLINE_NS;
    while (got == 4ull * c.iters && test_now_ns() < deadline) {
        sync_store_u64(&c.racy, 0, SYNC_RELAXED);
        for (unsigned i = 0; i < 4; i++)
            CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_pc_racy, &c, 0), 0);
        CU_ASSERT_EQUAL(sync_sched_run(&s), 0);
        got = sync_load_u64(&c.racy, SYNC_RELAXED);
    }
    sync_coro_preempt_stop();
    printf("\n    locked: exact with %lu switches; unlocked: %llu of %llu", st.switches,
           (unsigned long long)got, 4ull * c.iters);
    CU_ASSERT(got < 4ull * c.iters);
}

/* Between disable and enable no tick switches the coroutine: the other
 * coroutine's counter does not move while this one spins for 20 ticks. */
struct test_pd {
    sync_atomic_u32 other_steps;
    sync_atomic_u32 moved;          /* steps the other made during the section */
    sync_atomic_u32 stop;
};

static void *test_pd_spinner(void *arg)
{
    struct test_pd *d = arg;
    sync_coro_preempt_disable();
    unsigned before = sync_load_u32(&d->other_steps, SYNC_RELAXED);
    /* Spin through 20 ticks (not a time: a loaded machine may deliver few),
     * with a deadline only a broken timer reaches. */
    struct sync_coro_preempt_stats st;
    sync_coro_preempt_stats(&st);
    unsigned long ticks0 = st.ticks;
    uint64_t deadline = test_now_ns() + TEST_TK_DEADLINE_NS;
    do
        sync_coro_preempt_stats(&st);
    while (st.ticks < ticks0 + 20 && test_now_ns() < deadline);
    sync_store_u32(&d->moved, sync_load_u32(&d->other_steps, SYNC_RELAXED) - before,
                   SYNC_RELAXED);
    sync_coro_preempt_enable();
    sync_store_u32(&d->stop, 1, SYNC_RELAXED);
    return NULL;
}

static void *test_pd_stepper(void *arg)
{
    struct test_pd *d = arg;
    while (!sync_load_u32(&d->stop, SYNC_RELAXED)) {
        sync_fetch_add_u32(&d->other_steps, 1, SYNC_RELAXED);
        sync_coro_yield();
    }
    return NULL;
}

static void test_coro_preempt_disable(void)
{
    if (!test_preempt_on(20))
        return;
    struct test_pd d = { .other_steps = SYNC_ATOMIC_INIT(0) };
    sync_sched_t s = SYNC_SCHED_INIT;
    CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_pd_spinner, &d, 0), 0);
    CU_ASSERT_EQUAL_FATAL(sync_sched_spawn(&s, test_pd_stepper, &d, 0), 0);
    CU_ASSERT_EQUAL(sync_sched_run(&s), 0);
    struct sync_coro_preempt_stats st;
    sync_coro_preempt_stop(); /* first: the counts are final after it */
    sync_coro_preempt_stats(&st);
    CU_ASSERT_EQUAL(sync_load_u32(&d.moved, SYNC_RELAXED), 0);
    CU_ASSERT(st.deferred >= 20);   /* every tick of the disabled section */
}

static void test_coro_preempt_bad_input(void)
{
    if (strcmp(RACELAB_SANITIZER_NAME, "thread") == 0) {
        CU_ASSERT_EQUAL(sync_coro_preempt_start(100), ENOTSUP);
        return;
    }
    CU_ASSERT_EQUAL(sync_coro_preempt_start(0), EINVAL);
    CU_ASSERT_EQUAL(sync_coro_preempt_start(SYNC_CORO_PREEMPT_MIN_US - 1), EINVAL);
    CU_ASSERT_EQUAL(sync_coro_preempt_start(SYNC_CORO_PREEMPT_MAX_US + 1), EINVAL);
    CU_ASSERT_EQUAL_FATAL(sync_coro_preempt_start(SYNC_CORO_PREEMPT_MAX_US), 0);
    CU_ASSERT_EQUAL(sync_coro_preempt_start(100), EBUSY);
    sync_coro_preempt_stop();
    sync_coro_preempt_stop(); /* a second stop is a no-op */
    /* Ticks outside any coroutine do nothing but count as deferred. */
    CU_ASSERT_EQUAL_FATAL(sync_coro_preempt_start(SYNC_CORO_PREEMPT_MIN_US), 0);
    struct sync_coro_preempt_stats st;
    uint64_t deadline = test_now_ns() + TEST_TK_DEADLINE_NS;
    do
        sync_coro_preempt_stats(&st);
    while (st.ticks < 5 && test_now_ns() < deadline);
    /* The snapshot above may fall inside a tick (counted, its outcome not
     * yet): the counts are compared only once stop has made them final. */
    sync_coro_preempt_stop();
    sync_coro_preempt_stats(&st);
    CU_ASSERT(st.ticks >= 5);
    CU_ASSERT_EQUAL(st.switches, 0);
    CU_ASSERT_EQUAL(st.deferred, st.ticks);
}

/* ---- Bad input -------------------------------------------------------- */

static void *test_nop(void *arg)
{
    return arg;
}

static void test_coro_bad_input(void)
{
    sync_coro_t *co = NULL;
    CU_ASSERT_EQUAL(sync_coro_create(&co, test_nop, NULL, SYNC_CORO_STACK_MIN - 1), EINVAL);
    CU_ASSERT_EQUAL(sync_coro_create(&co, test_nop, NULL, 1), EINVAL);
    CU_ASSERT_EQUAL(sync_coro_create(&co, NULL, NULL, 0), EINVAL);
    CU_ASSERT_PTR_NULL(co);
    CU_ASSERT_EQUAL(sync_coro_resume(NULL), EINVAL);
    CU_ASSERT_EQUAL(sync_coro_join(NULL, NULL), EINVAL);
    /* The minimum itself is fine, and a never-started coroutine may be
     * destroyed. */
    CU_ASSERT_EQUAL_FATAL(sync_coro_create(&co, test_nop, NULL, SYNC_CORO_STACK_MIN), 0);
    sync_coro_destroy(co);
    sync_coro_destroy(NULL);
    void *ret = NULL;
    CU_ASSERT_EQUAL_FATAL(sync_coro_create(&co, test_nop, &ret, SYNC_CORO_STACK_MIN), 0);
    CU_ASSERT_EQUAL(sync_coro_join(co, &ret), 0);
    CU_ASSERT_PTR_EQUAL(ret, &ret);
    sync_sched_t s = SYNC_SCHED_INIT;
    CU_ASSERT_EQUAL(sync_sched_spawn(&s, test_nop, NULL, 100), EINVAL);
    CU_ASSERT_EQUAL(s.live, 0);
    sync_cosem_t sem;
    CU_ASSERT_EQUAL(sync_cosem_init(&sem, SYNC_COSEM_VALUE_MAX + 1u), EINVAL);
    CU_ASSERT_EQUAL(sync_cosem_init(&sem, 2), 0);
    CU_ASSERT_TRUE(sync_cosem_trywait(&sem)); /* outside a coroutine: fine */
    CU_ASSERT_TRUE(sync_cosem_trywait(&sem));
    CU_ASSERT_FALSE(sync_cosem_trywait(&sem));
    sync_comutex_t m;
    CU_ASSERT_EQUAL(sync_comutex_init(&m), 0);
}

/* ---- The guard after a run without preemption ------------------------- */

static void *test_exit_early(void *arg)
{
    sync_coro_exit(arg);
}

/* A scheduled coroutine that returns, and a standalone one that exits:
 * the two ways a coroutine ends. */
static void test_run_and_join(void)
{
    sync_sched_t s = SYNC_SCHED_INIT;
    sync_coro_t *co;
    if (sync_sched_spawn(&s, test_nop, NULL, 0) != 0 || sync_sched_run(&s) != 0 ||
        sync_coro_create(&co, test_exit_early, NULL, 0) != 0 || sync_coro_join(co, NULL) != 0)
        _exit(4);
}

static void test_child_enable_after_run(void)
{
    test_run_and_join();
    sync_coro_preempt_enable(); /* no matching disable: must abort */
}

static void test_child_balanced_across_run(void)
{
    sync_coro_preempt_disable();
    test_run_and_join();
    sync_coro_preempt_enable();
    sync_coro_preempt_disable();
    sync_coro_preempt_enable();
}

/* Coroutines that end on a carrier without preemption leave its guard as
 * they found it: the documented abort on enable without disable still
 * fires afterwards, and a disable around the run still balances. */
static void test_coro_guard_after_run(void)
{
    if (strcmp(RACELAB_SANITIZER_NAME, "thread") == 0) {
        test_skip("no preemption, so no guard, under TSan (see PREEMPTION in sync/coro.h)");
        return;
    }
    CU_ASSERT_TRUE(test_child_dies_of(SIGABRT, test_child_enable_after_run));
    CU_ASSERT_FALSE(test_child_dies_of(SIGABRT, test_child_balanced_across_run));
}

static const struct test_case tests[] = {
    { "resume_yield_join", test_coro_resume_yield_join },
    { "exit_and_current", test_coro_exit_and_current },
    { "million_switches", test_coro_million_switches },
    { "registers_kept", test_coro_registers_kept },
    { "fp_control_kept", test_coro_fp_control_kept },
    { "guard_page_faults", test_coro_guard_page_faults },
    { "guard_gap_big_frame", test_coro_guard_gap_big_frame },
    { "sched_round_robin", test_coro_sched_round_robin },
    { "comutex_exact", test_coro_comutex_exact },
    { "racy_loses_exactly", test_coro_racy_loses_exactly },
    { "comutex_fifo", test_coro_comutex_fifo },
    { "sched_deadlock", test_coro_sched_deadlock },
    { "cosem_bounded_buffer", test_coro_cosem_bounded_buffer },
    { "cosem_fifo", test_coro_cosem_fifo },
    { "bad_input", test_coro_bad_input },
    { "guard_after_run", test_coro_guard_after_run },
    { "preempt_ping_pong", test_coro_preempt_ping_pong },
    { "preempt_comutex_exact", test_coro_preempt_comutex_exact },
    { "preempt_disable", test_coro_preempt_disable },
    { "preempt_bad_input", test_coro_preempt_bad_input },
    { NULL, NULL }
};

TEST_MAIN("coro", tests)
