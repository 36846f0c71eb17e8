/* detectors/explore/xrt_proto.h - what the explorer runtime and racelab
 * explore agree on: the configuration the driver reads from the
 * environment, the trace block a run writes, and the names of operations.
 *
 * RACELAB_EXPLORE      "strategy bound max_runs max_steps max_seconds seed all"
 *                      (numbers, space-separated; bound -1 = unbounded)
 * RACELAB_EXPLORE_REPLAY  the schedule to replay (thread numbers, comma-separated)
 * RACELAB_EXPLORE_OUT  the result file the driver writes, lines of
 *   summary runs R executions E points P wall_ns W exhausted X bound C failures F stop S
 *   verdict pass|fail|deadlock|max-steps|unsupported|diverged|error
 *   end TEXT               how the failing run ended ("exit 1", "signal 6", ...)
 *   preemptions N
 *   schedule T,T,...       every step's thread
 *   output TEXT            the failing run's last line of output
 *   message TEXT           unsupported, diverged, error
 *   step TID OP SIZE ADDR VALUE KNOWN PC      (hex ADDR, VALUE, PC)
 *   thread TID OP ADDR OWNER HELD,HELD...     (deadlock: each blocked thread)
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
    XRT_OP_NONE, XRT_NOPS
};

enum xrt_status {
    XRT_ST_RUNNING, XRT_ST_DEADLOCK, XRT_ST_MAXSTEPS, XRT_ST_UNSUPPORTED, XRT_ST_DIVERGED,
};

enum xrt_strategy { XRT_BOUNDED, XRT_RANDOM };

struct xrt_config {
    int strategy;            /* enum xrt_strategy */
    int bound;               /* preemption bound, -1 none */
    uint64_t max_runs, max_steps, seed;
    double max_seconds;
    int all;                 /* keep going after the first failure */
};

/* One step: thread |tid| did |op| on |addr|. */
struct xrt_step {
    uint64_t addr, value, pc, enabled;   /* enabled: the threads that could have gone */
    uint8_t tid, op, size, known;        /* known: value is the value read or written */
};

struct xrt_blocked {
    uint8_t tid, op;
    int8_t owner;                        /* the wanted lock's owner, -1 */
    uint8_t nheld;
    uint64_t addr;
    uint64_t held[4];
};

/* The block a run writes and the driver reads (MAP_SHARED, made before fork). */
struct xrt_shm {
    uint32_t nsteps, status;
    char msg[240];
    uint32_t nblocked;
    struct xrt_blocked blocked[XRT_MAX_THREADS];
    struct xrt_step steps[];             /* max_steps of them */
};

extern const char *const xrt_op_names[XRT_NOPS];

#endif
