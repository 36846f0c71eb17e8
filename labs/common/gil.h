/* labs/common/gil.h - the gil model: a global interpreter lock as CPython
 * builds it (Python/ceval_gil.h), for labs whose workers run "bytecodes".
 *
 * One lock; only its holder runs bytecodes. A thread that wants it waits on a
 * condition variable for at most the switch interval; when the interval
 * passes and the holder has not changed meanwhile, it raises the drop
 * request. The holder looks at the request only at its check points: before
 * every bytecode (CPython up to 3.9: --check-points every) or only at
 * backward jumps and calls (3.10 and later: --check-points backedge). There
 * it drops the lock and, like CPython's FORCE_SWITCHING, waits until another
 * thread has taken it before it asks for it again, so a thread cannot take
 * the lock straight back.
 *
 * So a read-modify-write that spans several bytecodes (`counter += 1`:
 * LOAD_GLOBAL, LOAD_CONST, BINARY_ADD, STORE_GLOBAL) is atomic exactly when
 * no check point falls inside it: the GIL serializes bytecodes, not Python
 * statements. With --no-gil (a free-threaded build, 3.13t) there is no lock
 * at all and the threads run their bytecodes in parallel.
 *
 * Concurrency: any number of threads call lab_gil_take/drop/check; the
 * holder alone calls check and drop. */
#ifndef RACELAB_GIL_H
#define RACELAB_GIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lab.h"
#include "sync/atomic.h"

struct lab_gil {
    pthread_mutex_t mu;           /* guards the fields below (not drop_request) */
    pthread_cond_t released;      /* the lock was dropped */
    pthread_cond_t switched;      /* another thread took it (FORCE_SWITCHING) */
    bool locked;
    bool off;                     /* --no-gil: take, drop and check do nothing */
    int holder;                   /* the worker holding it, -1 */
    uint64_t switch_number;       /* times it changed hands */
    uint64_t interval_ns;
    sync_atomic_u32 drop_request; /* a waiter has waited longer than the interval */
};

/* 0 or an errno value. */
int lab_gil_init(struct lab_gil *g, const struct lab_model_opts *mo);
void lab_gil_fini(struct lab_gil *g);

/* Takes the lock for |worker| (blocking, as described above). */
void lab_gil_take(struct lab_gil *g, int worker);
/* Call with the lock held: drops it. */
void lab_gil_drop(struct lab_gil *g);
/* Call with the lock held, at a check point: hands the lock over if a
 * waiter asked for it, and takes it back after another thread had it. */
void lab_gil__switch(struct lab_gil *g, int worker);
static inline void lab_gil_check(struct lab_gil *g, int worker)
{
    /* Relaxed: a late look only delays the switch to the next check point,
     * and the mutex in lab_gil__switch() orders everything else. */
    if (sync_load_u32(&g->drop_request, SYNC_RELAXED) != 0)
        lab_gil__switch(g, worker);
}

/* Times the lock changed hands. */
uint64_t lab_gil_switches(struct lab_gil *g);

/* What one bytecode costs beyond its C switch case: spins for the
 * --bytecode-ns a CPython bytecode takes (lab_gil_spin_units() converts
 * nanoseconds to spin units once per process, measured). */
unsigned lab_gil_spin_units(unsigned ns);
static inline uint64_t lab_gil_spin(unsigned units, uint64_t x)
{
    for (unsigned i = 0; i < units; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;   /* a dependent chain */
    return x;
}

#endif
