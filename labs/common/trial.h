/* labs/common/trial.h - the parts of a trial the models share: the start
 * gate, the runtime's control block in the shared memory, and a worker.
 * run.c runs threads and coroutines, procs.c forked processes. */
#ifndef RACELAB_TRIAL_H
#define RACELAB_TRIAL_H

#include <pthread.h>
#include <semaphore.h>

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
    sync_atomic_u32 over;        /* 0 while the trial runs; the watchdog's LAB_DEADLOCK or
                                    LAB_TIMEOUT once it ended it (lab_trial_over()) */
    struct {
        uint64_t t_start, t_end; /* written by the worker, read after it is reaped */
        int pid;                 /* procs: the worker's process, for messages */
        sync_atomic_u32 done;    /* 1 once the worker left its work (the watchdog reads it) */
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

/* The watchdog (watch.c): looks at a running trial's workers, finds a
 * wait-for cycle that stays put (DEADLOCK) or the timeout passing (TIMEOUT),
 * and then ends the trial: ctl->over, which lab_trial_over() reads. Under
 * threads it is a thread of its own (lab__watch_start/stop); the procs
 * supervisor calls lab__watch_poll() between its waits. */
struct watch {
    const char *lab;
    const struct lab_variant *v;
    struct ctl *ctl;
    void *state;
    unsigned workers;
    uint64_t start_ns, timeout_ns;   /* timeout_ns 0: none */
    struct lab_wait *base, *cur;     /* the snapshot a stall is measured from, and now */
    bool *base_waits, *cur_waits;
    int *mark;
    uint64_t base_ns;
    enum lab_outcome outcome;        /* LAB_OK until the watchdog ends the trial */
    uint64_t over_ns;                /* when it did */
    char detail[480];
    /* threads: posted once the workers are joined (a semaphore: valgrind's
     * tools model sem_post/sem_timedwait, not futex calls). */
    sem_t stop;
    pthread_t tid;
    bool running;
};

/* How long every worker waiting must stay unchanged before it is a lost
 * wake-up, how long a wait-for cycle must (shorter: its proof, watch.c,
 * needs two sightings of the same waits, not an amount of time; a few
 * polls apart), and how often the watchdog looks (threads; procs looks
 * between waits). */
#define LAB_STALL_NS   250000000u
#define LAB_CYCLE_STALL_NS 60000000u
#define LAB_WATCH_POLL_NS 20000000u
/* After the watchdog ended a trial, how long the workers have to give up
 * their waits before the process gives up on them (threads: exits, status
 * 1, saying so; procs: they are killed). Generous: a worker may be inside
 * TSan printing its lock-order-inversion report (symbolizing its stacks),
 * which took more than 2 s at a load average of 26 here. */
#define LAB_GIVE_UP_GRACE_S 10u

/* 0, or ENOMEM with a reason in err. */
int lab__watch_init(struct watch *w, const char *lab, const struct lab_variant *v,
                    struct ctl *ctl, void *state, unsigned workers, unsigned timeout_s,
                    char *err, size_t errlen);
void lab__watch_fini(struct watch *w);
/* One look at |now|: true when it ended the trial (w->outcome, w->detail). */
bool lab__watch_poll(struct watch *w, uint64_t now);
/* Describes the waits as they stand (the coroutine scheduler found every
 * coroutine blocked): the cycle if there is one, else who waits on what. */
void lab__watch_describe(struct watch *w, const char *lead);
/* threads: the watchdog thread, started before the workers, stopped after
 * they are joined. start: 0 or an errno value with a reason in err. */
int lab__watch_start(struct watch *w, char *err, size_t errlen);
void lab__watch_stop(struct watch *w);

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
                   struct watch *watch, struct lab_trial *out, uint64_t *end_ns, char *err,
                   size_t errlen);

#endif
