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

#include "bench_util.h"
#include "lab.h"
#include "sync/atomic.h"
#include "sync/coro.h"
#include "sync/futex.h"

static const char *const prog = "bench-switch";

/* ---- coroutine ----------------------------------------------------------- */

static void *co_body(void *arg)
{
    unsigned long n = *(unsigned long *)arg;
    for (unsigned long i = 0; i < n; i++)
        sync_coro_yield();
    return NULL;
}

static double bench_coro(unsigned long n)
{
    sync_coro_t *co;
    if (sync_coro_create(&co, co_body, &n, 0) != 0)
        return -1;
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < n; i++)
        sync_coro_resume(co);
    uint64_t t1 = bench_now_ns();
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

static double bench_ucontext(unsigned long n)
{
    static char stack[64 * 1024];
    uc_n = n;
    getcontext(&uc_other);
    uc_other.uc_stack.ss_sp = stack;
    uc_other.uc_stack.ss_size = sizeof stack;
    uc_other.uc_link = &uc_main;
    makecontext(&uc_other, uc_body, 0);
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < n; i++)
        swapcontext(&uc_main, &uc_other);
    uint64_t t1 = bench_now_ns();
    swapcontext(&uc_main, &uc_other);   /* let uc_body return through uc_link */
    return (double)(t1 - t0) / (2.0 * (double)n);
}

/* ---- placement ----------------------------------------------------------- */

static int cpu_a = 0, cpu_b = 1;   /* the first two CPUs we may use */

static void pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof set, &set);   /* best effort */
}

/* ---- thread ping-pong: futex, pipe, condition variable ------------------- */

enum handoff { BY_FUTEX, BY_PIPE, BY_COND };

struct pingpong {
    enum handoff how;
    sync_atomic_u32 turn;    /* futex: 0 the main thread's turn, 1 the other's */
    int to_other[2], to_main[2];   /* pipe */
    pthread_mutex_t mu;      /* cond: guards |cturn| */
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
    default:
        pthread_mutex_lock(&p->mu);
        while (p->cturn != side)
            pthread_cond_wait(&p->cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
        return true;
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
    default:
        pthread_mutex_lock(&p->mu);
        p->cturn = to;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        return true;
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
        pthread_mutex_init(&p.mu, NULL);
        pthread_cond_init(&p.cv, NULL);
    }
    cpu_set_t saved;
    sched_getaffinity(0, sizeof saved, &saved);
    pin_self(cpu_a);
    pthread_t t;
    double r = -1;
    if (pthread_create(&t, NULL, pp_other, &p) == 0) {
        uint64_t t0 = bench_now_ns();
        unsigned long i = 0;
        for (; i < n; i++)
            if (!hand_over(&p, 1) || !wait_turn(&p, 0))
                break;
        uint64_t t1 = bench_now_ns();
        pthread_join(t, NULL);
        if (i == n)
            r = (double)(t1 - t0) / (2.0 * (double)n);
    }
    sched_setaffinity(0, sizeof saved, &saved);
    if (how == BY_PIPE)
        for (int k = 0; k < 2; k++) {
            close(p.to_other[k]);
            close(p.to_main[k]);
        }
    if (how == BY_COND) {
        pthread_cond_destroy(&p.cv);
        pthread_mutex_destroy(&p.mu);
    }
    return r;
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
    cpu_set_t saved;
    sched_getaffinity(0, sizeof saved, &saved);
    pin_self(cpu_a);
    pthread_t t;
    double r = -1;
    if (pthread_create(&t, NULL, yield_other, &y) == 0) {
        uint64_t t0 = bench_now_ns();
        for (unsigned long i = 0; i < n; i++)
            sched_yield();
        pthread_join(t, NULL);
        uint64_t t1 = bench_now_ns();
        r = (double)(t1 - t0) / (2.0 * (double)n);   /* 2 n yields in all */
    }
    sched_setaffinity(0, sizeof saved, &saved);
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
    cpu_set_t saved;
    sched_getaffinity(0, sizeof saved, &saved);
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
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < n && pid > 0; i++)
        if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
            break;
    uint64_t t1 = bench_now_ns();
    for (int i = 0; i < 2; i++) {
        close(to_child[i]);
        close(to_parent[i]);
    }
    int st = 0;
    if (pid > 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    sched_setaffinity(0, sizeof saved, &saved);
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
    cpu_set_t saved, there;
    sched_getaffinity(0, sizeof saved, &saved);
    pin_self(cpu_a);
    CPU_ZERO(&there);
    CPU_SET(same_core ? cpu_a : cpu_b, &there);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setaffinity_np(&attr, sizeof there, &there);
    double r = -1;
    uint64_t t0 = bench_now_ns();
    unsigned long i = 0;
    for (; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, empty_thread, NULL) != 0)
            break;
        pthread_join(t, NULL);
    }
    uint64_t t1 = bench_now_ns();
    if (i == n)
        r = (double)(t1 - t0) / (double)n;
    pthread_attr_destroy(&attr);
    sched_setaffinity(0, sizeof saved, &saved);
    return r;
}

static double bench_fork(unsigned long n, bool same_core)
{
    cpu_set_t saved;
    sched_getaffinity(0, sizeof saved, &saved);
    pin_self(cpu_a);
    fflush(NULL);
    double r = -1;
    uint64_t t0 = bench_now_ns();
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
    uint64_t t1 = bench_now_ns();
    if (i == n)
        r = (double)(t1 - t0) / (double)n;
    sched_setaffinity(0, sizeof saved, &saved);
    return r;
}

/* ---- driver --------------------------------------------------------------- */

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

static const struct {
    const char *name, *placement, *per;
    unsigned long n;   /* round trips (or creations) per run */
} benches[NBENCH] = {
    [COROUTINE] = { "coroutine (racelab)", "none", "switch", 1000000 },
    [UCONTEXT] = { "ucontext swapcontext", "none", "switch", 200000 },
    [YIELD_SAME] = { "sched_yield", "same-core", "yield", 50000 },
    [YIELD_CROSS] = { "sched_yield", "cross-core", "yield", 50000 },
    [FUTEX_SAME] = { "thread, futex", "same-core", "switch", 20000 },
    [FUTEX_CROSS] = { "thread, futex", "cross-core", "switch", 5000 },
    [TPIPE_SAME] = { "thread, pipe", "same-core", "switch", 20000 },
    [TPIPE_CROSS] = { "thread, pipe", "cross-core", "switch", 5000 },
    [COND_SAME] = { "thread, condvar", "same-core", "switch", 20000 },
    [COND_CROSS] = { "thread, condvar", "cross-core", "switch", 5000 },
    [PROC_SAME] = { "process, pipe", "same-core", "switch", 20000 },
    [PROC_CROSS] = { "process, pipe", "cross-core", "switch", 5000 },
    [CREATE_SAME] = { "thread create+join", "same-core", "create+join", 2000 },
    [CREATE_CROSS] = { "thread create+join", "cross-core", "create+join", 2000 },
    [FORK_SAME] = { "fork+wait", "same-core", "fork+wait", 300 },
    [FORK_CROSS] = { "fork+wait", "cross-core", "fork+wait", 300 },
};

static double run_one(int b, unsigned long n)
{
    switch (b) {
    case COROUTINE: return bench_coro(n);
    case UCONTEXT: return bench_ucontext(n);
    case YIELD_SAME: return bench_yield(n, true);
    case YIELD_CROSS: return bench_yield(n, false);
    case FUTEX_SAME: return bench_thread(n, true, BY_FUTEX);
    case FUTEX_CROSS: return bench_thread(n, false, BY_FUTEX);
    case TPIPE_SAME: return bench_thread(n, true, BY_PIPE);
    case TPIPE_CROSS: return bench_thread(n, false, BY_PIPE);
    case COND_SAME: return bench_thread(n, true, BY_COND);
    case COND_CROSS: return bench_thread(n, false, BY_COND);
    case PROC_SAME: return bench_process(n, true);
    case PROC_CROSS: return bench_process(n, false);
    case CREATE_SAME: return bench_create(n, true);
    case CREATE_CROSS: return bench_create(n, false);
    case FORK_SAME: return bench_fork(n, true);
    default: return bench_fork(n, false);
    }
}

static void fmt_ns(char *buf, size_t n, double v)
{
    if (!isfinite(v))
        snprintf(buf, n, "n/a");
    else if (v >= 1e6)
        snprintf(buf, n, "%.2f ms", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, n, "%.2f us", v / 1e3);
    else
        snprintf(buf, n, "%.1f ns", v);
}

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

int main(int argc, char **argv)
{
    unsigned rounds = 5;
    unsigned scale = 1;   /* divide every N: --quick for smoke tests */
    bool rounds_set = false;
    enum bench_format fmt = BENCH_HUMAN;
    const char *plot = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t v;
        if (strcmp(a, "--json") == 0 || strcmp(a, "--csv") == 0) {
            enum bench_format f = a[2] == 'j' ? BENCH_JSON : BENCH_CSV;
            if (fmt != BENCH_HUMAN && fmt != f)
                return bench_usage_error(prog, "--json and --csv exclude each other", NULL);
            fmt = f;
        } else if (strcmp(a, "--quick") == 0) {
            scale = 100;
        } else if (strcmp(a, "--reps") == 0 && val) {
            if (!bench_parse_u64(val, 1, 100, &v))
                return bench_usage_error(prog, "--reps needs a whole number from 1 to 100",
                                         val);
            rounds = (unsigned)v;
            rounds_set = true;
            i++;
        } else if (strcmp(a, "--plot") == 0 && val) {
            plot = val;
            i++;
        } else if (strcmp(a, "--help") == 0) {
            printf("usage: bench-switch [--reps N] [--quick] [--json | --csv] [--plot DIR]\n"
                   "  ping-pong switch costs (coroutine, ucontext, sched_yield, thread over a\n"
                   "  futex, a pipe and a condition variable, process over a pipe) and the\n"
                   "  cost of thread create+join and fork+wait, same-core and cross-core;\n"
                   "  each cell the median of interleaved rounds, with min and max\n"
                   "  --reps N    interleaved rounds (default 5, 1 to 100)\n"
                   "  --quick     one round, 1/100 of the work (a smoke test, not a "
                   "measurement)\n"
                   "  --json      JSON Lines on stdout; --csv: CSV\n"
                   "  --plot DIR  also write DIR/switch.svg (bars, log scale)\n");
            return 0;
        } else {
            return bench_usage_error(prog, "unknown or incomplete option", a);
        }
    }
    if (scale > 1 && !rounds_set)
        rounds = 1;
    if (plot) {
        char err[256];
        if (bench_plot_dir(plot, err, sizeof err) != 0)
            return bench_usage_error(prog, err, NULL);
    }
    int pair[2];
    if (bench_cpu_pair(pair) > 0) {   /* one CPU: cross-core is the same as same-core */
        cpu_a = pair[0];
        cpu_b = pair[1];
    } else {
        cpu_b = cpu_a;
    }

    struct bench_machine mach;
    bench_machine_get(&mach);
    bool progress = bench_progress_wanted();
    static double ns[NBENCH][100];
    for (unsigned r = 0; r < rounds; r++)
        for (int b = 0; b < NBENCH; b++) {
            bench_progress(progress, "  round %u/%u: %s, %s", r + 1, rounds, benches[b].name,
                           benches[b].placement);
            unsigned long n = benches[b].n / scale;
            ns[b][r] = run_one(b, n > 2 ? n : 2);
            if (ns[b][r] < 0) {
                bench_progress_clear(progress);
                fprintf(stderr, "%s: %s (%s) failed: %s\n", prog, benches[b].name,
                        benches[b].placement, strerror(errno));
                return 1;
            }
        }
    bench_progress_clear(progress);
    double med[NBENCH];
    for (int b = 0; b < NBENCH; b++)
        med[b] = bench_median(ns[b], rounds);
    double ratio = med[UCONTEXT] / med[COROUTINE];

    if (plot) {
        struct bench_bar bars[NBENCH];
        char labels[NBENCH][64];
        for (int b = 0; b < NBENCH; b++) {
            snprintf(labels[b], sizeof labels[b], "%s (%s)", benches[b].name,
                     benches[b].placement);
            bars[b] = (struct bench_bar){ labels[b], med[b], ns[b][0], ns[b][rounds - 1] };
        }
        char path[4096], title[160], err[512];
        snprintf(path, sizeof path, "%s/switch.svg", plot);
        snprintf(title, sizeof title, "bench-switch: ns per switch (create/fork: per "
                 "operation), median of %u, min-max whiskers", rounds);
        if (bench_svg_bars(path, title, "ns (log scale)", bars, NBENCH, err,
                           sizeof err) != 0) {
            fprintf(stderr, "%s: %s\n", prog, err);
            return 1;
        }
        if (fmt == BENCH_HUMAN)
            printf("wrote %s\n", path);
    }

    if (fmt == BENCH_JSON) {
        bench_machine_print(stdout, &mach, prog, BENCH_JSON);
        for (int b = 0; b < NBENCH; b++)
            printf("{\"kind\":\"switch\",\"name\":\"%s\",\"placement\":\"%s\",\"per\":\"%s\","
                   "\"ns_per_switch\":%.2f,\"min\":%.2f,\"max\":%.2f,\"runs\":%u}\n",
                   benches[b].name, benches[b].placement, benches[b].per, med[b], ns[b][0],
                   ns[b][rounds - 1], rounds);
        for (size_t c = 0; c < NCLAIMS; c++) {
            char v[64];
            printf("{\"kind\":\"claim\",\"claim\":\"%s\",\"claim_min_ns\":%.0f,"
                   "\"claim_max_ns\":%.0f,\"name\":\"%s\",\"placement\":\"%s\","
                   "\"ns_per_switch\":%.2f,\"verdict\":\"%s\"}\n",
                   claims[c].claim, claims[c].lo, claims[c].hi, benches[claims[c].bench].name,
                   benches[claims[c].bench].placement, med[claims[c].bench],
                   verdict(&claims[c], med[claims[c].bench], v, sizeof v));
        }
        printf("{\"kind\":\"target\",\"name\":\"ucontext / coroutine\",\"value\":%.2f,"
               "\"limit\":15,\"met\":%s}\n", ratio, ratio >= 15 ? "true" : "false");
        return 0;
    }
    if (fmt == BENCH_CSV) {
        bench_machine_print(stdout, &mach, prog, BENCH_CSV);
        printf("name,placement,per,ns_per_switch,min,max,runs\n");
        for (int b = 0; b < NBENCH; b++)
            printf("%s,%s,%s,%.2f,%.2f,%.2f,%u\n", benches[b].name, benches[b].placement,
                   benches[b].per, med[b], ns[b][0], ns[b][rounds - 1], rounds);
        return 0;
    }

    printf("bench-switch: ns per switch (ping-pong), median of %u interleaved round%s%s\n",
           rounds, rounds == 1 ? "" : "s", scale > 1 ? " (--quick: not a measurement)" : "");
    bench_machine_print(stdout, &mach, prog, BENCH_HUMAN);
    printf("coroutine switch: %s; same-core = CPU %d for both, cross-core = CPUs %d and %d\n\n",
           SYNC_CORO_BACKEND, cpu_a, cpu_a, cpu_b);
    printf("  %-24s %-11s %-12s %12s %12s %12s %7s\n", "mechanism", "placement", "per",
           "median", "min", "max", "spread");
    for (int b = 0; b < NBENCH; b++) {
        char m[24], lo[24], hi[24];
        fmt_ns(m, sizeof m, med[b]);
        fmt_ns(lo, sizeof lo, ns[b][0]);
        fmt_ns(hi, sizeof hi, ns[b][rounds - 1]);
        printf("  %-24s %-11s %-12s %12s %12s %12s %6.0f%%\n", benches[b].name,
               benches[b].placement, benches[b].per, m, lo, hi,
               100 * (ns[b][rounds - 1] - ns[b][0]) / med[b]);
    }
    printf("\nclaim vs measured (on this machine):\n");
    for (size_t c = 0; c < NCLAIMS; c++) {
        char m[24], v[64];
        fmt_ns(m, sizeof m, med[claims[c].bench]);
        printf("  %-34s measured %s (%s, %s): %s\n    why: %s\n", claims[c].claim, m,
               benches[claims[c].bench].name, benches[claims[c].bench].placement,
               verdict(&claims[c], med[claims[c].bench], v, sizeof v), claims[c].why);
    }
    char cu[24], cr[24], pc[24];
    fmt_ns(cu, sizeof cu, med[UCONTEXT]);
    fmt_ns(cr, sizeof cr, med[FUTEX_CROSS]);
    fmt_ns(pc, sizeof pc, med[PROC_CROSS]);
    printf("  %-34s ucontext %s: the claim fits swapcontext, not a coroutine switch\n"
           "  %-34s thread %s, process %s cross-core: a wake-up that crosses CPUs costs "
           "more than the switch itself where idle CPUs halt (a VM)\n",
           "", cu, "", cr, pc);
    printf("\ntargets:\n  coroutine switch %.1f ns (target <= 15 ns): %s\n"
           "  ucontext / coroutine %.1fx (target >= 15x): %s\n",
           med[COROUTINE], med[COROUTINE] <= 15 ? "met" : "MISSED", ratio,
           ratio >= 15 ? "met" : "MISSED");
    return 0;
}
