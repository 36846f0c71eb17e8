/* detectors/explore/xrt_tty.h - the runtime's hook for racelab explore
 * --tty (explore_tty.c): a replay that stops where its schedule ends and
 * says where every thread is, so that the learner can pick the next step.
 *
 * With RACELAB_EXPLORE_TTY=PATH in the environment, a run stops at the
 * first choice past its schedule prefix (the prefix replayed, the next step
 * not taken): it writes PATH and ends with exit status 0. When the program
 * ends (or deadlocks) before that, PATH is not written and the driver's
 * result file says how it ended. PATH holds lines of
 *   tty stop NSTEPS NTHREADS ENABLED       (hex ENABLED: who could do the next step)
 *   tty thread TID STATE OP SIZE ADDR ADDR2 PC JOIN_ON OWNER SEMVAL FLAGS
 *       STATE: enum xrt_state; OP: the pending operation (xrt_proto.h);
 *       OWNER: the thread holding the mutex it waits for (LOCK, TRYLOCK,
 *       WAKE), -1; SEMVAL: SEM_WAIT's semaphore value, else 0; FLAGS: 1 a
 *       condition wait was signalled, 2 it is a timed one (hex ADDR, ADDR2, PC)
 *   tty var ADDR SIZE VALUE                every address a step or a pending
 *                                          access touched, its value now (hex)
 *   tty mutex ADDR OWNER                   every mutex seen, its owner or -1
 *   step ... / alloc ...                   as in the result file (xrt_proto.h)
 */
#ifndef RACELAB_XRT_TTY_H
#define RACELAB_XRT_TTY_H

#include <stdint.h>

#define XRT_TTY_ENV "RACELAB_EXPLORE_TTY"
#define XRT_TTY_MAX_VARS 64

/* Called at every choice where the schedule prefix ends, with the enabled
 * threads; returns at once unless XRT_TTY_ENV is set (then it never returns). */
void xrt_tty_stop(uint64_t enabled);

#endif
