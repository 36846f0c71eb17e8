/* detectors/explore/xrt.h - the explorer runtime: what its files share.
 *
 * A user's program compiled with clang -fsanitize=thread (at -O0) is linked
 * against this runtime instead of TSan's: the __tsan_* hooks the compiler
 * emits and the pthread calls the program makes land here. Threads are
 * coroutines of one OS thread; before every shared access and every
 * synchronization call the running thread stops at a point and the
 * scheduler picks which thread does the next operation (a step).
 *
 * Process structure (stateless search): __tsan_init, run from the program's
 * constructor, becomes the driver when RACELAB_EXPLORE_OUT is set. It never
 * returns: it forks one child per run; the child returns from __tsan_init,
 * runs main under the schedule prefix the driver chose, and writes its trace
 * into a MAP_SHARED block (xrt_shm); the driver reads it after waitpid,
 * picks the next prefix and finally writes the result file that racelab
 * explore renders (xrt_proto.h). Without RACELAB_EXPLORE_OUT the program
 * runs once, in-process, under the default schedule.
 *
 * Files: xrt_sched.c (green threads, points, choice, trace), xrt_hooks.c
 * (__tsan_*), xrt_pthread.c (pthread, semaphores, yield, sleep), xrt_sync.c
 * (rwlocks, barriers, once), xrt_malloc.c (heap blocks, free),
 * xrt_search.c (the driver: bounded and random search, the result file).
 * Everything here runs on one OS thread: no atomics are needed. */
#ifndef RACELAB_XRT_H
#define RACELAB_XRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xrt_proto.h"

#define XRT_STACK_SIZE (256u * 1024u)

/* XRT_JOINING and XRT_BARRIER: blocked in pthread_join or
 * pthread_barrier_wait, woken (run invisibly) by the thread that ends it. */
enum xrt_state { XRT_FREE, XRT_LIVE, XRT_JOINING, XRT_DONE, XRT_BARRIER };

enum xrt_lock_kind { XRT_KIND_MUTEX, XRT_KIND_RWLOCK };

struct xrt_thread {
    void *sp;                    /* saved by the switch */
    void *(*fn)(void *);
    void *arg, *ret;
    uintptr_t stack_lo, stack_hi;   /* its own stack: accesses there are no points */
    uint8_t state;               /* enum xrt_state */
    uint8_t op, size;            /* the pending operation (enum xrt_op) */
    bool parking;                /* run to its first point, then back to park_to */
    bool signaled;               /* a condition wait was signalled */
    bool detached;
    bool timed;                  /* a timed condition wait: it may time out */
    bool atomic;                 /* the pending access is an atomic one */
    int park_to;
    int join_on;                 /* XRT_JOINING: the thread it waits for */
    uintptr_t addr, addr2;       /* the operation's object; a cond wait's mutex */
    uintptr_t pc;
    int64_t write_step;          /* a STORE whose value is read at the next entry, or -1 */
    uint64_t cond_seq;           /* FIFO order of condition waiters */
    /* Spinning (xrt_sched.c): its YIELD steps, xrt_r.changes at the last
     * one, the yields in a row with no change before them; what the round
     * since that yield read last and tried and failed to change last. */
    uint32_t yields, idle;
    uint64_t mark;
    uintptr_t read_addr, tried_addr;
    uint8_t read_size, tried_size, tried_op;
};

/* The run's state in the child (one OS thread; see the file comment). */
struct xrt_run {
    struct xrt_thread t[XRT_MAX_THREADS];
    int nthreads, cur;
    uint32_t step;
    uint64_t cond_seq;
    uint64_t rng;                /* random strategy */
    uint64_t sleep;              /* dpor: the sleep set of the coming step */
    uintptr_t mutexes[XRT_MAX_MUTEXES];   /* every mutex and rwlock seen, for deadlock reports */
    uint8_t mutex_kind[XRT_MAX_MUTEXES];  /* enum xrt_lock_kind */
    int nmutexes;
    int pct_low;                 /* pct: the lowest priority a yield gave so far */
    uint32_t pct_change[16];     /* pct: the change points (step numbers), sorted */
    int pct_nchange;
    int64_t prio[XRT_MAX_THREADS];   /* pct: every thread's priority */
    uint64_t changes;            /* steps so far that changed memory or a primitive's state */
    uint64_t changed_words[128];    /* the 8-byte words changed so far, hashed (a bit set) */
};

/* A thread that yields with no change since its previous yield waits for
 * one and is disabled; when nothing else can go, each such thread gets up
 * to this many more rounds without a change before the run is a deadlock
 * (a loop that retries a bounded number of times, then does something
 * else, gets to its fallback; see xrt_sched.c). */
#define XRT_SPIN_GRACE 32

extern struct xrt_run xrt_r;
extern struct xrt_shm *xrt_shm;      /* the trace, shared with the driver */
extern struct xrt_config xrt_cfg;
extern const uint8_t *xrt_prefix;    /* the schedule prefix this run follows */
extern uint32_t xrt_prefix_len;
extern bool xrt_active;              /* the runtime has set up the main thread */
extern uint64_t xrt_sleep0;          /* dpor: the sleep set where the prefix ends */

/* xrt_sched.c */
void xrt_child_begin(uintptr_t main_lo, uintptr_t main_hi);
/* The running thread stops before |op| on |addr|; returns when it was
 * chosen to do it. */
void xrt_point(uint8_t op, uintptr_t addr, uint8_t size, uintptr_t pc);
/* The running thread cannot go on (joining, condition wait): someone else runs. */
void xrt_block(void);
int xrt_spawn(void *(*fn)(void *), void *arg);
_Noreturn void xrt_thread_exit(void *ret);
void xrt_fixup(struct xrt_thread *t);
/* The child stops: |status| (enum xrt_status) with a message. */
_Noreturn void xrt_fail(uint32_t status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void xrt_mutex_seen(uintptr_t m);
void xrt_lock_seen(uintptr_t m, uint8_t kind);
/* Thread |t|, blocked in pthread_join or pthread_barrier_wait, goes on:
 * run invisibly up to its next point. */
void xrt_resume(int t);
uint64_t xrt_load_value(uintptr_t addr, unsigned size);
/* The running thread's atomic read-modify-write (RMW, CAS) just done:
 * whether it changed memory (a failed CAS, or an exchange that wrote the
 * value already there, did not: what a spinning thread retries). */
void xrt_rmw_done(bool changed);

static inline bool xrt_own_stack(uintptr_t a)
{
    const struct xrt_thread *t = &xrt_r.t[xrt_r.cur];
    return a - t->stack_lo < t->stack_hi - t->stack_lo;
}

void xrt_event(bool join, int a, int b);

/* Does choosing thread |t| among |en| preempt, after thread |prev| (-1
 * before the first step) did a step (a YIELD when |prev_yield|)? A switch
 * away from a thread that could go on does; after a yield, keeping the
 * thread while another could go does instead. */
static inline unsigned xrt_preempts(uint64_t en, int prev, int prev_yield, int t)
{
    if (prev < 0 || !(en >> prev & 1))
        return 0;
    if (prev_yield)
        return t == prev && (en & ~(1ull << t)) != 0;
    return t != prev;
}

/* xrt_shrink.c (the driver): a trace's preemptions; the schedule with its
 * adjacent independent steps swapped, lowest thread first, into |out|
 * (returns the number of swaps; |order|: room for nsteps numbers). */
uint32_t xrt_trace_preemptions(const struct xrt_shm *sh);
/* The position of preemption |k| (0: the first) of a trace, UINT32_MAX. */
uint32_t xrt_preemption_at(const struct xrt_shm *sh, uint32_t k);
uint32_t xrt_shrink_swaps(const struct xrt_shm *sh, uint8_t *out, uint32_t *order);

/* xrt_race.c (the driver): the first data race of a run, if any. */
bool xrt_race_scan(const struct xrt_shm *sh, struct xrt_race *out);

/* xrt_dpor.c (the driver) */
bool xrt_dpor_init(uint64_t max_steps);
size_t xrt_dpor_step_bytes(void);   /* what the driver keeps per step of the path */
void xrt_dpor_record(const struct xrt_shm *sh, uint32_t plen);
bool xrt_dpor_next(uint8_t *prefix, uint32_t *plen, uint64_t *sleep);

/* xrt_pthread.c: the owner word of a pthread_mutex_t (thread + 1, 0 free). */
unsigned xrt_mutex_owner(uintptr_t m);

/* xrt_sync.c (rwlock, barrier, once): can |t|'s pending RDLOCK, WRLOCK or
 * ONCE go on? Which thread holds what it waits for (-1 none)? Does |tid|
 * hold lock |i| of xrt_r.mutexes? */
bool xrt_sync_enabled(const struct xrt_thread *t);
int xrt_wanted_owner(const struct xrt_thread *t);
bool xrt_holds(int i, int tid);

/* xrt_pct.c (the child, --strategy pct) */
void xrt_pct_begin(void);
void xrt_pct_thread(int id);
int xrt_pct_pick(uint64_t en);

#endif
