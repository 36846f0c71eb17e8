/* bench-switch: what a switch costs - coroutine, ucontext, thread, process -
 * and what it costs to make a thread or a process in the first place.
 *
 * Each switch measurement is a ping-pong: two parties hand control back and
 * forth N times, and ns per switch = wall time / (2 N). Rounds are
 * interleaved (every measurement once per round), each cell is the median
 * of the rounds with its min and max.
 *
 *   coroutine        racelab's sync_coro resume/yield (the backend built in)
 *   ucontext         swapcontext between two contexts (saves the signal
 *                    mask: a system call per switch)
 *   sched_yield      two threads calling sched_yield(): on one CPU each call
 *                    switches to the other; on two CPUs nobody is waiting and
 *                    it is a bare system call
 *   thread, futex    two threads handing a word back and forth, sleeping on
 *                    a futex: each hand-off is a wake-up and a switch
 *   thread, pipe     the same hand-off as one byte over a pair of pipes
 *   thread, condvar  the same with a pthread mutex and condition variable
 *   process, pipe    two processes writing one byte back and forth
 *   thread create    pthread_create + pthread_join of an empty thread
 *   fork + wait      fork() of this small process, _exit, waitpid
 *
 * Threads and processes run same-core (both pinned to one CPU: every
 * hand-off is a real context switch) and cross-core (one CPU each: a wake-up
 * travels between CPUs, which in a VM that halts idle vCPUs costs far more).
 * The "claim vs measured" table sets the tutorial numbers beside these. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "bench.h"
#include "desc/lock_mutex.h"
#include "sync/atomic.h"
#include "sync/coro.h"
#include "sync/futex.h"
#include "util/cpu.h"
#include "util/time.h"

static const char *const prog = "bench-switch";

/* ---- coroutine ----------------------------------------------------------- */

static void *co_body(void *arg)
{
    unsigned long n = *(unsigned long *)arg;
    for (unsigned long i = 0; i < n; i++)
        sync_coro_yield();
    return NULL;
}

static double bench_coro(unsigned long n, bool same_core)
{
    (void)same_core;
    sync_coro_t *co;
    if (sync_coro_create(&co, co_body, &n, 0) != 0)
        return -1;
    uint64_t t0 = util_now_ns();
    for (unsigned long i = 0; i < n; i++)
        sync_coro_resume(co);
    uint64_t t1 = util_now_ns();
    sync_coro_join(co, NULL);
    return (double)(t1 - t0) / (2.0 * (double)n);
}

/* ---- ucontext ------------------------------------------------------------ */

static ucontext_t uc_main, uc_other;
static unsigned long uc_n;

static void uc_body(void)
{
    for (unsigned long i = 0; i < uc_n; i++)
        swapcontext(&uc_other, &uc_main);
}

static double bench_ucontext(unsigned long n, bool same_core)
{
    (void)same_core;
    static char stack[64 * 1024];
    uc_n = n;
    getcontext(&uc_other);
    uc_other.uc_stack.ss_sp = stack;
    uc_other.uc_stack.ss_size = sizeof stack;
    uc_other.uc_link = &uc_main;
    makecontext(&uc_other, uc_body, 0);
    uint64_t t0 = util_now_ns();
    for (unsigned long i = 0; i < n; i++)
        swapcontext(&uc_main, &uc_other);
    uint64_t t1 = util_now_ns();
    swapcontext(&uc_main, &uc_other);   /* let uc_body return through uc_link */
    return (double)(t1 - t0) / (2.0 * (double)n);
}

/* ---- placement ----------------------------------------------------------- */

/* The first two CPUs we may use. Every measurement runs in its own process
 * (the driver's point), so pinning needs no undoing. */
static int cpu_a = 0, cpu_b = 1;

static void pin_self(int cpu)
{
    (void)util_pin_thread(cpu);   /* best effort */
}

/* ---- thread ping-pong: futex, pipe, condition variable ------------------- */

enum handoff { BY_FUTEX, BY_PIPE, BY_COND };

struct pingpong {
    enum handoff how;
    sync_atomic_u32 turn;    /* futex: 0 the main thread's turn, 1 the other's */
    int to_other[2], to_main[2];   /* pipe */
    lockd_mutex_t mu;        /* cond: guards |cturn| (a pthread_mutex_t, its descriptor's) */
    pthread_cond_t cv;
    unsigned cturn;          /* cond: under |mu| */
    unsigned long n;
    int cpu;
};

static void futex_wait_turn(sync_atomic_u32 *turn, uint32_t mine)
{
    uint32_t t;
    /* Acquire pairs with the release store of the other side's hand-off. */
    while ((t = sync_load_u32(turn, SYNC_ACQUIRE)) != mine)
        sync_futex_wait(turn, t, NULL, 0);
}

static void futex_hand_over(sync_atomic_u32 *turn, uint32_t to)
{
    sync_store_u32(turn, to, SYNC_RELEASE);   /* pairs with futex_wait_turn()'s acquire */
    sync_futex_wake(turn, 1, 0);
}

/* side 0 is the main thread, side 1 the other; returns false on a pipe error */
static bool wait_turn(struct pingpong *p, unsigned side)
{
    char c;
    switch (p->how) {
    case BY_FUTEX:
        futex_wait_turn(&p->turn, side);
        return true;
    case BY_PIPE:
        return read(side ? p->to_other[0] : p->to_main[0], &c, 1) == 1;
    default: {
        lockd_node n;
        lockd_mutex_acquire(&p->mu, &n);
        while (p->cturn != side)
            pthread_cond_wait(&p->cv, &p->mu);
        lockd_mutex_release(&p->mu, &n);
        return true;
    }
    }
}

static bool hand_over(struct pingpong *p, unsigned to)
{
    char c = 'x';
    switch (p->how) {
    case BY_FUTEX:
        futex_hand_over(&p->turn, to);
        return true;
    case BY_PIPE:
        return write(to ? p->to_other[1] : p->to_main[1], &c, 1) == 1;
    default: {
        lockd_node n;
        lockd_mutex_acquire(&p->mu, &n);
        p->cturn = to;
        pthread_cond_signal(&p->cv);
        lockd_mutex_release(&p->mu, &n);
        return true;
    }
    }
}

static void *pp_other(void *arg)
{
    struct pingpong *p = arg;
    pin_self(p->cpu);
    for (unsigned long i = 0; i < p->n; i++)
        if (!wait_turn(p, 1) || !hand_over(p, 0))
            break;
    return NULL;
}

static double bench_thread(unsigned long n, bool same_core, enum handoff how)
{
    static struct pingpong p;
    p = (struct pingpong){ .how = how, .n = n, .cpu = same_core ? cpu_a : cpu_b };
    if (how == BY_PIPE && (pipe(p.to_other) != 0 || pipe(p.to_main) != 0))
        return -1;
    if (how == BY_COND) {
        lockd_mutex_init(&p.mu, 0);
        pthread_cond_init(&p.cv, NULL);
    }
    pin_self(cpu_a);
    pthread_t t;
    double r = -1;
    if (pthread_create(&t, NULL, pp_other, &p) == 0) {
        uint64_t t0 = util_now_ns();
        unsigned long i = 0;
        for (; i < n; i++)
            if (!hand_over(&p, 1) || !wait_turn(&p, 0))
                break;
        uint64_t t1 = util_now_ns();
        pthread_join(t, NULL);
        if (i == n)
            r = (double)(t1 - t0) / (2.0 * (double)n);
    }
    if (how == BY_PIPE)
        for (int k = 0; k < 2; k++) {
            close(p.to_other[k]);
            close(p.to_main[k]);
        }
    if (how == BY_COND) {
        pthread_cond_destroy(&p.cv);
        lockd_mutex_fini(&p.mu);
    }
    return r;
}

static double bench_futex(unsigned long n, bool same_core)
{
    return bench_thread(n, same_core, BY_FUTEX);
}

static double bench_tpipe(unsigned long n, bool same_core)
{
    return bench_thread(n, same_core, BY_PIPE);
}

static double bench_cond(unsigned long n, bool same_core)
{
    return bench_thread(n, same_core, BY_COND);
}

/* ---- sched_yield ----------------------------------------------------------- */

struct yielder {
    unsigned long n;
    int cpu;
};

static void *yield_other(void *arg)
{
    struct yielder *y = arg;
    pin_self(y->cpu);
    for (unsigned long i = 0; i < y->n; i++)
        sched_yield();
    return NULL;
}

static double bench_yield(unsigned long n, bool same_core)
{
    struct yielder y = { .n = n, .cpu = same_core ? cpu_a : cpu_b };
    pin_self(cpu_a);
    pthread_t t;
    double r = -1;
    if (pthread_create(&t, NULL, yield_other, &y) == 0) {
        uint64_t t0 = util_now_ns();
        for (unsigned long i = 0; i < n; i++)
            sched_yield();
        pthread_join(t, NULL);
        uint64_t t1 = util_now_ns();
        r = (double)(t1 - t0) / (2.0 * (double)n);   /* 2 n yields in all */
    }
    return r;
}

/* ---- process ping-pong over pipes ----------------------------------------- */

static double bench_process(unsigned long n, bool same_core)
{
    int to_child[2], to_parent[2];
    if (pipe(to_child) != 0)
        return -1;
    if (pipe(to_parent) != 0) {
        close(to_child[0]);
        close(to_child[1]);
        return -1;
    }
    pin_self(cpu_a);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        pin_self(same_core ? cpu_a : cpu_b);
        char c;
        for (unsigned long i = 0; i < n; i++)
            if (read(to_child[0], &c, 1) != 1 || write(to_parent[1], &c, 1) != 1)
                _exit(1);
        _exit(0);
    }
    char c = 'x';
    uint64_t t0 = util_now_ns();
    for (unsigned long i = 0; i < n && pid > 0; i++)
        if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
            break;
    uint64_t t1 = util_now_ns();
    for (int i = 0; i < 2; i++) {
        close(to_child[i]);
        close(to_parent[i]);
    }
    int st = 0;
    if (pid > 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    if (pid <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return (double)(t1 - t0) / (2.0 * (double)n);
}

/* ---- creation: thread create + join, fork + wait --------------------------- */

static void *empty_thread(void *arg)
{
    return arg;
}

static double bench_create(unsigned long n, bool same_core)
{
    cpu_set_t there;
    pin_self(cpu_a);
    CPU_ZERO(&there);
    CPU_SET(same_core ? cpu_a : cpu_b, &there);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setaffinity_np(&attr, sizeof there, &there);
    double r = -1;
    uint64_t t0 = util_now_ns();
    unsigned long i = 0;
    for (; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, empty_thread, NULL) != 0)
            break;
        pthread_join(t, NULL);
    }
    uint64_t t1 = util_now_ns();
    if (i == n)
        r = (double)(t1 - t0) / (double)n;
    pthread_attr_destroy(&attr);
    return r;
}

static double bench_fork(unsigned long n, bool same_core)
{
    pin_self(cpu_a);
    fflush(NULL);
    double r = -1;
    uint64_t t0 = util_now_ns();
    unsigned long i = 0;
    for (; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            pin_self(same_core ? cpu_a : cpu_b);   /* both cases pay this call */
            _exit(0);
        }
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            break;
    }
    uint64_t t1 = util_now_ns();
    if (i == n)
        r = (double)(t1 - t0) / (double)n;
    return r;
}

/* ---- rows ---------------------------------------------------------------- */

enum {
    COROUTINE, UCONTEXT,
    YIELD_SAME, YIELD_CROSS,
    FUTEX_SAME, FUTEX_CROSS,
    TPIPE_SAME, TPIPE_CROSS,
    COND_SAME, COND_CROSS,
    PROC_SAME, PROC_CROSS,
    CREATE_SAME, CREATE_CROSS,
    FORK_SAME, FORK_CROSS,
    NBENCH
};

/* A row: what it measures, where, per what, and its measurement (same:
 * both parties on one CPU). */
static const struct {
    const char *name, *placement, *per;
    unsigned long n;   /* round trips (or creations) per run */
    double (*run)(unsigned long n, bool same);
    bool same;
} benches[NBENCH] = {
    [COROUTINE] = { "coroutine (racelab)", "none", "switch", 1000000, bench_coro, true },
    [UCONTEXT] = { "ucontext swapcontext", "none", "switch", 200000, bench_ucontext, true },
    [YIELD_SAME] = { "sched_yield", "same-core", "yield", 50000, bench_yield, true },
    [YIELD_CROSS] = { "sched_yield", "cross-core", "yield", 50000, bench_yield, false },
    [FUTEX_SAME] = { "thread, futex", "same-core", "switch", 20000, bench_futex, true },
    [FUTEX_CROSS] = { "thread, futex", "cross-core", "switch", 5000, bench_futex, false },
    [TPIPE_SAME] = { "thread, pipe", "same-core", "switch", 20000, bench_tpipe, true },
    [TPIPE_CROSS] = { "thread, pipe", "cross-core", "switch", 5000, bench_tpipe, false },
    [COND_SAME] = { "thread, condvar", "same-core", "switch", 20000, bench_cond, true },
    [COND_CROSS] = { "thread, condvar", "cross-core", "switch", 5000, bench_cond, false },
    [PROC_SAME] = { "process, pipe", "same-core", "switch", 20000, bench_process, true },
    [PROC_CROSS] = { "process, pipe", "cross-core", "switch", 5000, bench_process, false },
    [CREATE_SAME] = { "thread create+join", "same-core", "create+join", 2000, bench_create,
                      true },
    [CREATE_CROSS] = { "thread create+join", "cross-core", "create+join", 2000, bench_create,
                       false },
    [FORK_SAME] = { "fork+wait", "same-core", "fork+wait", 300, bench_fork, true },
    [FORK_CROSS] = { "fork+wait", "cross-core", "fork+wait", 300, bench_fork, false },
};

/* A tutorial claim and the measurement that tests it. */
struct claim {
    const char *claim;
    double lo, hi;   /* the claimed range, ns */
    int bench;
    const char *why;
};

static const struct claim claims[] = {
    { "process switch 1-10 ms", 1e6, 1e7, PROC_SAME,
      "a process switch is a thread switch plus an address-space change (a page-table "
      "switch, TLB refills): microseconds. Milliseconds is the time slice a runnable process "
      "may wait for a busy CPU, not the switch" },
    { "thread switch 1-10 us", 1e3, 1e4, FUTEX_SAME,
      "a same-core hand-off is a futex wake, a sleep and the switch between them: about "
      "the claim's low end; cross-core it adds waking the other CPU (see cross-core rows)" },
    { "coroutine switch a few hundred ns", 100, 999, COROUTINE,
      "an assembly switch saves the callee-saved registers and the stack pointer, no "
      "kernel; the claim describes ucontext, which makes a system call (the signal mask) "
      "on every switch" },
};
#define NCLAIMS (sizeof claims / sizeof claims[0])

static const char *verdict(const struct claim *c, double v, char *buf, size_t n)
{
    if (!isfinite(v))
        snprintf(buf, n, "not measured");
    else if (v < c->lo)
        snprintf(buf, n, "does not hold: %.0fx lower", c->lo / v);
    else if (v > c->hi)
        snprintf(buf, n, "does not hold: %.0fx higher", v / c->hi);
    else
        snprintf(buf, n, "holds");
    return buf;
}

/* ---- the sweep -------------------------------------------------------------- */

struct opts {
    struct bench_common c;
    unsigned reps;
    bool reps_set;
    double budget_s;
    unsigned scale;   /* divide every N: --quick for smoke tests */
};

/* In the point's own process. */
static int point(void *ctx, unsigned row, unsigned pt, struct bench_sample *out, char *err,
                 size_t errlen)
{
    (void)pt;
    const struct opts *o = ctx;
    unsigned long n = benches[row].n / o->scale;
    errno = 0;
    out->value = benches[row].run(n > 2 ? n : 2, benches[row].same);
    if (out->value >= 0)
        return 0;
    snprintf(err, errlen, "failed: %s", strerror(errno ? errno : EIO));
    return -1;
}

static const char *row_name(void *ctx, unsigned row, unsigned pt, char *buf, size_t n)
{
    (void)ctx;
    (void)pt;
    snprintf(buf, n, "%s (%s)", benches[row].name, benches[row].placement);
    return buf;
}

static int parse(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){ .reps = 5, .budget_s = 60, .scale = 1 };
    const struct util_opt opts[] = {
        BENCH_ROUND_OPTS(&o->reps, &o->reps_set, BENCH_MAX_ROUNDS, "5", &o->budget_s, "60"),
        BENCH_COMMON_OPTS(&o->c, "one round, 1/100 of the work (a smoke test, not a "
                          "measurement)", "also write DIR/switch.svg (bars, log scale)"),
        { .name = NULL },
    };
    const struct util_cmdline cl = {
        .prog = prog, .usage = "[OPTIONS]", .opts = opts,
        .summary = "ping-pong switch costs (coroutine, ucontext, sched_yield, thread over a "
                   "futex, a pipe and a condition variable, process over a pipe) and the cost "
                   "of thread create+join and fork+wait, same-core and cross-core; each cell "
                   "the median of interleaved rounds, with min and max",
    };
    int rc = bench_parse(&cl, argc, argv, &o->c);
    if (rc >= 0)
        return rc;
    if (o->c.quick) {
        o->scale = 100;
        if (!o->reps_set)
            o->reps = 1;
    }
    return -1;
}

/* ---- output ------------------------------------------------------------------ */

static double med(const struct bench_sweep *s, int b)
{
    return bench_cell(s, (unsigned)b, 0)->med;
}

static void print_json(const struct bench_sweep *s, const struct opts *o)
{
    for (int b = 0; b < NBENCH; b++) {
        const struct bench_cell *c = bench_cell(s, (unsigned)b, 0);
        BENCH_EMIT(stdout, BENCH_JSON, NULL, "switch", BF_S("name", benches[b].name),
                   BF_S("placement", benches[b].placement), BF_S("per", benches[b].per),
                   BF_NP("ns_per_switch", c->med, 2), BF_NP("min", c->min, 2),
                   BF_NP("max", c->max, 2), BF_U("runs", c->runs),
                   BF_IF(c->status != BENCH_OK, BF_S("why", c->why)));
    }
    for (size_t k = 0; k < NCLAIMS; k++) {
        const struct claim *cl = &claims[k];
        char v[64];
        BENCH_EMIT(stdout, BENCH_JSON, NULL, "claim", BF_S("claim", cl->claim),
                   BF_NP("claim_min_ns", cl->lo, 0), BF_NP("claim_max_ns", cl->hi, 0),
                   BF_S("name", benches[cl->bench].name),
                   BF_S("placement", benches[cl->bench].placement),
                   BF_NP("ns_per_switch", med(s, cl->bench), 2),
                   BF_S("verdict", verdict(cl, med(s, cl->bench), v, sizeof v)));
    }
    double ratio = med(s, UCONTEXT) / med(s, COROUTINE);
    BENCH_EMIT(stdout, BENCH_JSON, NULL, "target", BF_S("name", "ucontext / coroutine"),
               BF_NP("value", ratio, 2), BF_NP("limit", 15, 0), BF_B("met", ratio >= 15));
    (void)o;
}

static const char *const csv_cols[] = { "name", "placement", "per", "ns_per_switch", "min",
                                        "max", "runs", NULL };

static void print_csv(const struct bench_sweep *s)
{
    bench_csv_header(stdout, csv_cols);
    for (int b = 0; b < NBENCH; b++) {
        const struct bench_cell *c = bench_cell(s, (unsigned)b, 0);
        BENCH_EMIT(stdout, BENCH_CSV, csv_cols, "switch", BF_S("name", benches[b].name),
                   BF_S("placement", benches[b].placement), BF_S("per", benches[b].per),
                   BF_NP("ns_per_switch", c->med, 2), BF_NP("min", c->min, 2),
                   BF_NP("max", c->max, 2), BF_U("runs", c->runs));
    }
}

static const struct bench_col cols[] = {
    { "mechanism", -24, 0 }, { "placement", -11, 0 }, { "per", -12, 0 },
    { "median", 12, 0 },     { "min", 12, 0 },        { "max", 12, 0 },
    { "spread", 7, 0 },
};
#define NCOLS (sizeof cols / sizeof cols[0])

static void print_table(const struct bench_sweep *s)
{
    bench_table_head(stdout, cols, NCOLS);
    for (int b = 0; b < NBENCH; b++) {
        const struct bench_cell *c = bench_cell(s, (unsigned)b, 0);
        char m[24], lo[24], hi[24], sp[16];
        util_fmt_ns(m, sizeof m, c->med);
        util_fmt_ns(lo, sizeof lo, c->min);
        util_fmt_ns(hi, sizeof hi, c->max);
        if (c->status == BENCH_OK)
            snprintf(sp, sizeof sp, "%.0f%%", 100 * c->spread);
        else
            snprintf(sp, sizeof sp, "%s", c->status == BENCH_DNF ? "DNF" : "FAILED");
        const char *cells[NCOLS] = { benches[b].name, benches[b].placement, benches[b].per,
                                     m, lo, hi, sp };
        bench_table_row(stdout, cols, NCOLS, cells, NULL);
    }
}

static void print_claims(const struct bench_sweep *s)
{
    printf("\nclaim vs measured (on this machine):\n");
    for (size_t k = 0; k < NCLAIMS; k++) {
        const struct claim *cl = &claims[k];
        char m[24], v[64];
        util_fmt_ns(m, sizeof m, med(s, cl->bench));
        printf("  %-34s measured %s (%s, %s): %s\n    why: %s\n", cl->claim, m,
               benches[cl->bench].name, benches[cl->bench].placement,
               verdict(cl, med(s, cl->bench), v, sizeof v), cl->why);
    }
    char cu[24], cr[24], pc[24];
    util_fmt_ns(cu, sizeof cu, med(s, UCONTEXT));
    util_fmt_ns(cr, sizeof cr, med(s, FUTEX_CROSS));
    util_fmt_ns(pc, sizeof pc, med(s, PROC_CROSS));
    printf("  %-34s ucontext %s: the claim fits swapcontext, not a coroutine switch\n"
           "  %-34s thread %s, process %s cross-core: a wake-up that crosses CPUs costs "
           "more than the switch itself where idle CPUs halt (a VM)\n",
           "", cu, "", cr, pc);
    double ratio = med(s, UCONTEXT) / med(s, COROUTINE);
    printf("\ntargets:\n  coroutine switch %.1f ns (target <= 15 ns): %s\n"
           "  ucontext / coroutine %.1fx (target >= 15x): %s\n",
           med(s, COROUTINE), med(s, COROUTINE) <= 15 ? "met" : "MISSED", ratio,
           ratio >= 15 ? "met" : "MISSED");
}

static void print_human(const struct bench_sweep *s, const struct opts *o,
                        const struct bench_machine *m)
{
    printf("bench-switch: ns per switch (ping-pong), median of %u interleaved round%s%s\n",
           o->reps, o->reps == 1 ? "" : "s",
           o->scale > 1 ? " (--quick: not a measurement)" : "");
    bench_machine_print(stdout, m, prog, BENCH_HUMAN);
    printf("coroutine switch: %s; same-core = CPU %d for both, cross-core = CPUs %d and %d; "
           "each measurement in its own process, DNF after %.1f s\n\n",
           SYNC_CORO_BACKEND, cpu_a, cpu_a, cpu_b, o->budget_s);
    print_table(s);
    print_claims(s);
}

static int plot(const struct bench_sweep *s, const struct opts *o)
{
    const char *names[NBENCH];
    char labels[NBENCH][64];
    for (unsigned b = 0; b < NBENCH; b++)
        names[b] = row_name(NULL, b, 0, labels[b], sizeof labels[b]);
    char path[4096], title[160];
    snprintf(path, sizeof path, "%s/switch.svg", o->c.plot);
    snprintf(title, sizeof title, "bench-switch: ns per switch (create/fork: per "
             "operation), median of %u, min-max whiskers", o->reps);
    return bench_plot_done(bench_plot_bars(s, 0, path, title, "ns (log scale)", names), path,
                           o->c.fmt);
}

int main(int argc, char **argv)
{
    struct opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    int pair[2];
    util_cpu_pair(pair);   /* one CPU: cross-core is the same as same-core */
    cpu_a = pair[0];
    cpu_b = pair[1];
    struct bench_machine mach;
    bench_machine_get(&mach);
    struct bench_sweep s = { .prog = prog, .nrows = NBENCH, .npoints = 1, .rounds = o.reps,
                             .budget_s = o.budget_s, .ctx = &o, .point = point,
                             .name = row_name };
    if (bench_sweep_run(&s) != 0)
        return 1;
    rc = o.c.plot ? plot(&s, &o) : 0;
    if (o.c.fmt == BENCH_JSON) {
        bench_machine_print(stdout, &mach, prog, BENCH_JSON);
        print_json(&s, &o);
    } else if (o.c.fmt == BENCH_CSV) {
        bench_machine_print(stdout, &mach, prog, BENCH_CSV);
        print_csv(&s);
    } else {
        print_human(&s, &o, &mach);
    }
    rc = rc || s.any_failed;
    bench_sweep_free(&s);
    return rc;
}
