/* bench-switch: what a switch costs - coroutine, ucontext, thread, process.
 *
 * Each measurement is a ping-pong: two parties hand control back and forth
 * N times, and ns per switch = wall time / (2 N). Rounds are interleaved
 * (every measurement once per round), each cell is the median of the rounds.
 *
 *   coroutine     racelab's sync_coro resume/yield (the backend built in)
 *   ucontext      swapcontext between two contexts (saves the signal mask:
 *                 a system call per switch)
 *   thread/futex  two threads handing a word back and forth, sleeping on a
 *                 futex: each hand-off is a wake-up and a context switch
 *   process/pipe  two processes writing one byte back and forth over pipes
 *
 * Threads and processes run same-core (both pinned to one CPU: a switch is a
 * real context switch) and cross-core (one CPU each: a wake-up travels
 * between CPUs, which in a VM that halts idle vCPUs costs far more). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "lab.h"
#include "sync/atomic.h"
#include "sync/coro.h"
#include "sync/futex.h"

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
    uint64_t t0 = lab_now_ns();
    for (unsigned long i = 0; i < n; i++)
        sync_coro_resume(co);
    uint64_t t1 = lab_now_ns();
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
    uint64_t t0 = lab_now_ns();
    for (unsigned long i = 0; i < n; i++)
        swapcontext(&uc_main, &uc_other);
    uint64_t t1 = lab_now_ns();
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

/* ---- thread ping-pong over a futex -------------------------------------- */

struct pingpong {
    sync_atomic_u32 turn;   /* 0: the main thread's turn, 1: the other's */
    unsigned long n;
    int cpu;
};

static void wait_turn(sync_atomic_u32 *turn, uint32_t mine)
{
    uint32_t t;
    /* Acquire pairs with the release store of the other side's hand-off. */
    while ((t = sync_load_u32(turn, SYNC_ACQUIRE)) != mine)
        sync_futex_wait(turn, t, NULL, 0);
}

static void hand_over(sync_atomic_u32 *turn, uint32_t to)
{
    sync_store_u32(turn, to, SYNC_RELEASE);   /* pairs with wait_turn()'s acquire */
    sync_futex_wake(turn, 1, 0);
}

static void *pp_other(void *arg)
{
    struct pingpong *p = arg;
    pin_self(p->cpu);
    for (unsigned long i = 0; i < p->n; i++) {
        wait_turn(&p->turn, 1);
        hand_over(&p->turn, 0);
    }
    return NULL;
}

static double bench_thread(unsigned long n, bool same_core)
{
    struct pingpong p = { .n = n, .cpu = same_core ? cpu_a : cpu_b };
    cpu_set_t saved;
    sched_getaffinity(0, sizeof saved, &saved);
    pin_self(cpu_a);
    pthread_t t;
    if (pthread_create(&t, NULL, pp_other, &p) != 0)
        return -1;
    uint64_t t0 = lab_now_ns();
    for (unsigned long i = 0; i < n; i++) {
        hand_over(&p.turn, 1);
        wait_turn(&p.turn, 0);
    }
    uint64_t t1 = lab_now_ns();
    pthread_join(t, NULL);
    sched_setaffinity(0, sizeof saved, &saved);
    return (double)(t1 - t0) / (2.0 * (double)n);
}

/* ---- process ping-pong over pipes --------------------------------------- */

static double bench_process(unsigned long n, bool same_core)
{
    int to_child[2], to_parent[2];
    if (pipe(to_child) != 0 || pipe(to_parent) != 0)
        return -1;
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
    uint64_t t0 = lab_now_ns();
    for (unsigned long i = 0; i < n && pid > 0; i++)
        if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
            break;
    uint64_t t1 = lab_now_ns();
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    for (int i = 0; i < 2; i++) {
        close(to_child[i]);
        close(to_parent[i]);
    }
    sched_setaffinity(0, sizeof saved, &saved);
    if (pid <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return (double)(t1 - t0) / (2.0 * (double)n);
}

/* ---- driver --------------------------------------------------------------- */

enum { COROUTINE, UCONTEXT, THREAD_SAME, THREAD_CROSS, PROC_SAME, PROC_CROSS, NBENCH };

static const struct {
    const char *name, *placement;
    unsigned long n;   /* round trips per run */
} benches[NBENCH] = {
    [COROUTINE] = { "coroutine (racelab)", "none", 1000000 },
    [UCONTEXT] = { "ucontext swapcontext", "none", 200000 },
    [THREAD_SAME] = { "thread, futex", "same-core", 20000 },
    [THREAD_CROSS] = { "thread, futex", "cross-core", 5000 },
    [PROC_SAME] = { "process, pipe", "same-core", 20000 },
    [PROC_CROSS] = { "process, pipe", "cross-core", 5000 },
};

static double run_one(int b, unsigned long n)
{
    switch (b) {
    case COROUTINE: return bench_coro(n);
    case UCONTEXT: return bench_ucontext(n);
    case THREAD_SAME: return bench_thread(n, true);
    case THREAD_CROSS: return bench_thread(n, false);
    case PROC_SAME: return bench_process(n, true);
    default: return bench_process(n, false);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    unsigned rounds = 5;
    unsigned scale = 1;   /* divide every N: --quick for smoke tests */
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--quick") == 0) {
            rounds = 1;
            scale = 100;
        } else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: bench-switch [--json] [--quick]\n"
                   "  ping-pong switch costs: coroutine, ucontext, thread (futex) and process\n"
                   "  (pipe), same-core and cross-core; median of 5 interleaved rounds\n"
                   "  --quick  one round, 1/100 of the work (a smoke test, not a measurement)\n");
            return 0;
        } else {
            fprintf(stderr, "bench-switch: unknown option '%s' (options: --json --quick "
                    "--help)\n", argv[i]);
            return 2;
        }
    }
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) >= 2) {
        int found = 0;
        for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
            if (CPU_ISSET(c, &allowed))
                *(found++ ? &cpu_b : &cpu_a) = c;
    } else {
        cpu_b = cpu_a;   /* one CPU: cross-core is the same as same-core */
    }

    double ns[NBENCH][16];
    for (unsigned r = 0; r < rounds; r++)
        for (int b = 0; b < NBENCH; b++) {
            ns[b][r] = run_one(b, benches[b].n / scale);
            if (ns[b][r] < 0) {
                fprintf(stderr, "bench-switch: %s (%s) failed: %s\n", benches[b].name,
                        benches[b].placement, strerror(errno));
                return 1;
            }
        }
    double med[NBENCH];
    for (int b = 0; b < NBENCH; b++) {
        qsort(ns[b], rounds, sizeof ns[b][0], cmp_double);
        med[b] = rounds % 2 ? ns[b][rounds / 2] : (ns[b][rounds / 2 - 1] + ns[b][rounds / 2]) / 2;
        if (json)
            printf("{\"kind\":\"switch\",\"name\":\"%s\",\"placement\":\"%s\","
                   "\"ns_per_switch\":%.2f,\"min\":%.2f,\"max\":%.2f,\"runs\":%u}\n",
                   benches[b].name, benches[b].placement, med[b], ns[b][0], ns[b][rounds - 1],
                   rounds);
    }
    if (json)
        return 0;
    printf("bench-switch: ns per switch (ping-pong), median of %u interleaved rounds%s\n"
           "coroutine switch: %s; %u CPUs online\n\n", rounds,
           scale > 1 ? " (--quick: not a measurement)" : "", SYNC_CORO_BACKEND,
           lab_online_cpus());
    printf("  %-28s %-11s %12s %12s %12s\n", "mechanism", "placement", "ns/switch", "min", "max");
    for (int b = 0; b < NBENCH; b++)
        printf("  %-28s %-11s %12.1f %12.1f %12.1f\n", benches[b].name, benches[b].placement,
               med[b], ns[b][0], ns[b][rounds - 1]);
    double ratio = med[UCONTEXT] / med[COROUTINE];
    printf("\ntargets:\n  coroutine switch %.1f ns (target <= 15 ns): %s\n"
           "  ucontext / coroutine %.1fx (target >= 15x): %s\n",
           med[COROUTINE], med[COROUTINE] <= 15 ? "met" : "MISSED", ratio,
           ratio >= 15 ? "met" : "MISSED");
    return 0;
}
