/* labs/common/trial.h - the parts of a trial the models share: the start
 * gate, the runtime's control block in the shared memory, and a worker.
 * run.c runs threads and coroutines, procs.c forked processes. */
#ifndef RACELAB_TRIAL_H
#define RACELAB_TRIAL_H

#include "lab.h"
#include "sync/atomic.h"

/* The gate word: GATE_CLOSED until the last worker to arrive stores
 * GATE_OPEN, or GATE_ABORT when a worker could not be started and the trial
 * is off. The last arriver opens it, not the coordinating thread: with every
 * CPU busy spinning, a coordinator would first have to wait to be scheduled. */
enum { GATE_CLOSED, GATE_OPEN, GATE_ABORT };

struct gate {
    sync_atomic_u32 state;       /* GATE_* */
    char pad1[SYNC_CACHELINE - sizeof(sync_atomic_u32)];
    sync_atomic_u32 arrived;     /* workers that checked in */
    sync_atomic_u32 parked;      /* workers asleep on |state| */
    unsigned parties;            /* workers the trial asks for */
    unsigned spin;               /* polling rounds before parking */
    unsigned flags;              /* SYNC_PSHARED across processes */
};

/* The runtime's part of the shared memory, ahead of the lab's state. */
struct ctl {
    struct gate gate;
    sync_atomic_u32 recoveries;  /* lab_note_recovery() calls */
    int victim;                  /* --kill-owner: the worker that dies, or -1 */
    uint64_t victim_iters;       /* operations it completes before it dies */
    sync_atomic_u64 death_ns;    /* when it died (lab_now_ns), 0 before */
    struct {
        uint64_t t_start, t_end; /* written by the worker, read after it is reaped */
        int pid;                 /* procs: the worker's process, for messages */
    } __attribute__((aligned(SYNC_CACHELINE))) w[];
};

struct worker {
    const struct lab_variant *v;
    struct ctl *ctl;
    void *state;
    uint64_t iters;
    unsigned id;
    int cpu;                     /* pinned to this CPU, or -1 */
};

/* Opens the gate with GATE_ABORT: the workers waiting there leave at once
 * (a worker could not be started). */
void lab__gate_abort(struct gate *g);

/* One worker: the gate, then its operations (or, for the --kill-owner
 * victim, some of them and death holding the lock). */
void lab__worker_run(const struct worker *w);

/* The signal that interrupted a trial, for lab_interrupt_signal(). */
void lab__set_interrupt(int sig);

/* procs: forks every worker and supervises them until all are reaped (the
 * timeout, SIGINT, SIGTERM and SIGHUP end them). 0 (the outcome is in out),
 * EINTR, or an errno value with a reason in err; *end_ns is when the last
 * one ended or was stopped. */
int lab__run_procs(struct worker *w, unsigned workers, unsigned timeout_s,
                   struct lab_trial *out, uint64_t *end_ns, char *err, size_t errlen);

#endif
