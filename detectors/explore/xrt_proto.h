/* detectors/explore/xrt_proto.h - what the explorer runtime and racelab
 * explore agree on: the configuration the driver reads from the
 * environment, the trace block a run writes, and the names of operations.
 *
 * RACELAB_EXPLORE      "strategy bound max_runs max_steps max_seconds seed all depth"
 *                      (numbers, space-separated; bound -1 = unbounded; depth: pct's,
 *                      optional, default 3)
 * RACELAB_EXPLORE_REPLAY  the schedule to replay (thread numbers, comma-separated)
 * RACELAB_EXPLORE_OUT  the result file the driver writes, lines of
 *   summary runs R executions E points P wall_ns W exhausted X bound C failures F stop S
 *           rss_kb DRIVER RUN      peak resident set of the driver and of the largest run
 *   verdict pass|fail|deadlock|max-steps|unsupported|diverged|error
 *   memory STEPS BYTES     the longest run's steps, the driver's bytes per step of the path
 *   shrink SWAPS REPLAYS   adjacent independent steps swapped, replays run to confirm
 *   end TEXT               how the failing run ended ("exit 1", "signal 6", ...)
 *   preemptions N
 *   schedule T,T,...       every step's thread
 *   prefix T,T,...         the shortest prefix that replays it ("-": none needed)
 *   output TEXT            the failing run's last line of output
 *   message TEXT           unsupported, diverged, error
 *   step TID OP SIZE ADDR VALUE KNOWN PC      (hex ADDR, VALUE, PC)
 *   thread TID OP ADDR OWNER HELD,HELD...     (deadlock: each blocked thread; a
 *                          spinning one: OP LOAD, CAS, RMW or a TRY*, what its
 *                          round read or failed to change last, OWNER the
 *                          thread whose step last changed ADDR)
 *   race TID1 OP1 PC1 TID2 OP2 PC2 SIZE ADDR    (the first data race seen; hex PC, ADDR;
 *                          OP1 FREE: a use after free, preferred to any other race)
 *   race_schedule T,T,...  the run it was seen in
 *   alloc ADDR SIZE PC     a heap block of the failing run, else of the race's (hex)
 */
#ifndef RACELAB_XRT_PROTO_H
#define RACELAB_XRT_PROTO_H

#include <stdint.h>

#define XRT_MAX_THREADS 64
#define XRT_MAX_MUTEXES 256

enum xrt_op {
    XRT_OP_LOAD, XRT_OP_STORE, XRT_OP_RMW, XRT_OP_CAS, XRT_OP_FENCE,
    XRT_OP_LOCK, XRT_OP_TRYLOCK, XRT_OP_UNLOCK, XRT_OP_WAIT, XRT_OP_WAKE,
    XRT_OP_SIGNAL, XRT_OP_BROADCAST, XRT_OP_YIELD, XRT_OP_SEM_WAIT, XRT_OP_SEM_POST,
    XRT_OP_ONCE, XRT_OP_ONCE_END,       /* pthread_once: enter (waits while it runs), done */
    XRT_OP_RDLOCK, XRT_OP_WRLOCK, XRT_OP_TRYRDLOCK, XRT_OP_TRYWRLOCK,
    XRT_OP_RDUNLOCK,                    /* a reader's unlock (a writer's is UNLOCK) */
    XRT_OP_BARRIER,                     /* pthread_barrier_wait's arrival */
    XRT_OP_FREE,                        /* free(): addr2 is the block's size */
    XRT_OP_FWAIT, XRT_OP_FWAKE,         /* futex wait (reads the word), wake (xrt_futex.c) */
    XRT_OP_FWOKEN,                      /* a futex waiter goes on: woken or timed out */
    XRT_OP_NONE, XRT_NOPS
};

enum xrt_status {
    XRT_ST_RUNNING, XRT_ST_DEADLOCK, XRT_ST_MAXSTEPS, XRT_ST_UNSUPPORTED, XRT_ST_DIVERGED,
    XRT_ST_ASLEEP,     /* dpor: every enabled thread is in the sleep set: a redundant run */
};

enum xrt_strategy { XRT_BOUNDED, XRT_RANDOM, XRT_DPOR, XRT_PCT };

struct xrt_config {
    int strategy;            /* enum xrt_strategy */
    int bound;               /* preemption bound, -1 none */
    uint64_t max_runs, max_steps, seed;
    double max_seconds;
    int all;                 /* keep going after the first failure */
    int depth;               /* pct: the bug depth d (d - 1 priority change points) */
    uint64_t pct_steps;      /* pct: the driver's estimate of a run's steps (0: none yet) */
};

/* Operations whose step carries a second address: a condition wait's mutex,
 * a freed block's size. */
static inline int xrt_has_addr2(uint8_t op)
{
    return op == XRT_OP_WAIT || op == XRT_OP_WAKE || op == XRT_OP_FREE;
}

/* dpor: are two operations dependent (same memory with a write, a free of
 * the block, or the same lock, condition, semaphore, rwlock, barrier or
 * once)? */
static inline int xrt_dependent(uint8_t op1, uint64_t a1, uint64_t b1, uint8_t s1, uint8_t op2,
                                uint64_t a2, uint64_t b2, uint8_t s2)
{
    int mem1 = op1 <= XRT_OP_CAS, mem2 = op2 <= XRT_OP_CAS;
    if ((op1 == XRT_OP_FWAIT || op2 == XRT_OP_FWAIT) && a1 < a2 + 4 && a2 < a1 + 4)
        return op1 != XRT_OP_LOAD && op2 != XRT_OP_LOAD;   /* it reads the word: xrt_futex.c */
    int free1 = op1 == XRT_OP_FREE, free2 = op2 == XRT_OP_FREE;
    if ((mem1 || free1) && (mem2 || free2)) {
        uint64_t n1 = free1 ? b1 : s1, n2 = free2 ? b2 : s2;
        return (op1 != XRT_OP_LOAD || op2 != XRT_OP_LOAD) && a1 < a2 + (n2 ? n2 : 1) &&
               a2 < a1 + (n1 ? n1 : 1);
    }
    if (mem1 || mem2 || free1 || free2 || op1 == XRT_OP_YIELD || op2 == XRT_OP_YIELD || op1 >= XRT_OP_NONE ||
        op2 >= XRT_OP_NONE || op1 == XRT_OP_FENCE || op2 == XRT_OP_FENCE)
        return 0;
    return (a1 && (a1 == a2 || a1 == b2)) || (b1 && (b1 == a2 || b1 == b2));
}

/* The schedule without preemptions: who does the next step among |en| after
 * thread |prev| (0 before the first step) did a step (a YIELD when
 * |yielded|): prev again if it can go on and did not yield, else the next
 * enabled thread after it (round robin) after a yield, else the lowest. */
static inline int xrt_default_next(uint64_t en, int prev, int yielded)
{
    if (!yielded && (en >> prev & 1))
        return prev;
    uint64_t after = yielded && prev + 1 < 64 ? en & (~0ull << (prev + 1)) : 0;
    return __builtin_ctzll(after ? after : en);
}

/* One step: thread |tid| did |op| on |addr|. */
struct xrt_step {
    uint64_t addr, value, pc, enabled;   /* enabled: the threads that could have gone */
    uint64_t addr2;                      /* WAIT/WAKE: the mutex */
    uint64_t sleep;                      /* dpor: the sleep set before this step */
    uint8_t tid, op, size, known;        /* known: value is the value read or written */
    uint8_t atomic;                      /* an __tsan_atomic* access, not a plain one */
    uint8_t changed;                     /* it changed memory or a primitive's state
                                          * (a store, a CAS that succeeded, an unlock...) */
};

/* dpor: a thread's pending operation at a step (for sleep sets). */
struct xrt_pend {
    uint64_t addr, addr2;
    uint8_t op, size;
};
#define XRT_DPOR_THREADS 8

/* Thread creation and join: no steps, but happens-before edges (dpor). */
struct xrt_event {
    uint32_t time;                       /* steps done when it happened */
    uint8_t join, a, b;                  /* a created b, or a joined b */
};
#define XRT_MAX_EVENTS 4096

/* A heap block the program allocated (malloc, calloc, realloc), named in the
 * step table by its allocation site. */
struct xrt_alloc {
    uint64_t addr, size, pc;
    uint32_t time;                       /* steps done when it was allocated */
};
#define XRT_MAX_ALLOCS 1024

struct xrt_blocked {
    uint8_t tid, op;
    int8_t owner;                        /* the wanted lock's owner, -1 */
    uint8_t nheld;
    uint64_t addr;
    uint64_t held[4];
};

/* A data race: two accesses to addr, at least one a write and one plain,
 * that happens-before does not order (in the run with |schedule|); or a use
 * after free: op1 is the FREE of the block, op2 an access after it (or a
 * second FREE). */
struct xrt_race {
    uint64_t addr, pc1, pc2;
    uint8_t tid1, op1, tid2, op2, size;
};

/* The block a run writes and the driver reads (MAP_SHARED, made before fork). */
struct xrt_shm {
    uint32_t nsteps, status;
    char msg[240];
    uint32_t nblocked;
    struct xrt_blocked blocked[XRT_MAX_THREADS];
    uint32_t nevents;
    struct xrt_event events[XRT_MAX_EVENTS];
    uint32_t nallocs;
    uint32_t alloc_lost;                 /* 1 + the step when a block went unrecorded, 0 */
    uint32_t nfrees;                     /* FREE steps in the run */
    struct xrt_alloc allocs[XRT_MAX_ALLOCS];
    struct xrt_step steps[];             /* max_steps of them, then (dpor) max_steps rows
                                          * of XRT_DPOR_THREADS struct xrt_pend */
};

extern const char *const xrt_op_names[XRT_NOPS];

#endif
