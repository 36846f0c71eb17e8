/* labs/common/run.c - running one trial: the start gate and the models.
 *
 * Why a start gate: a thread takes tens of microseconds to be created and
 * woken, and 100000 racy increments take about as long. Started one after the
 * other, the first worker is often done before the second begins, nothing
 * overlaps and nothing is lost. So every worker checks in at the gate, the
 * last to arrive opens it, and the others, spinning on the gate word, leave
 * within a cache-line transfer of each other.
 *
 * Spinning only helps while every worker has a CPU of its own; with more
 * workers than CPUs a spinning worker would steal the time of the one it is
 * waiting for, so oversubscribed workers park on a futex instead. */
#include "lab.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sync/atomic.h"
#include "sync/futex.h"

uint64_t lab_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

unsigned lab_online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

const char *lab_model_name(enum lab_model m)
{
    static const char *const names[LAB_NMODELS] = { [LAB_THREADS] = "threads" };
    return (unsigned)m < LAB_NMODELS ? names[m] : "?";
}

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
};

/* ~1M pause rounds: tens of ms, far longer than creating a few threads. */
#define GATE_SPIN_DEDICATED (1u << 20)
#define GATE_SPIN_SHARED    64u

/* Opens (or aborts) the gate once; the first caller wins. */
static void gate_set(struct gate *g, unsigned how)
{
    uint32_t closed = GATE_CLOSED;
    /* Seq-cst on both sides (store state, then load parked here; parked++,
     * then load state in gate_wait()): either the opener sees a parked
     * worker and wakes it, or the worker sees the gate open. The release
     * half pairs with the workers' loads of |state|. */
    if (sync_cas_u32(&g->state, &closed, how, SYNC_SEQ_CST, SYNC_SEQ_CST) &&
        sync_load_u32(&g->parked, SYNC_SEQ_CST) != 0)
        sync_futex_wake(&g->state, INT32_MAX, 0);
}

static unsigned gate_wait(struct gate *g)
{
    /* Acq-rel: the last arriver's open must follow every arrival. */
    if (sync_fetch_add_u32(&g->arrived, 1, SYNC_ACQ_REL) + 1 == g->parties)
        gate_set(g, GATE_OPEN);
    unsigned s;
    for (unsigned i = 0; i < g->spin; i++) {
        /* Acquire pairs with the store in gate_set(). */
        s = sync_load_u32(&g->state, SYNC_ACQUIRE);
        if (s != GATE_CLOSED)
            return s;
        sync_cpu_relax();
    }
    sync_fetch_add_u32(&g->parked, 1, SYNC_SEQ_CST);
    while ((s = sync_load_u32(&g->state, SYNC_SEQ_CST)) == GATE_CLOSED)
        sync_futex_wait(&g->state, GATE_CLOSED, NULL, 0);
    return s;
}

/* Where workers run. When there are no more workers than CPUs we may use,
 * each worker gets a CPU of its own: left to itself the scheduler often
 * stacks a newly created thread on the CPU of the one spinning at the gate,
 * and the spinner then starts tens of microseconds late - long enough for a
 * 100000-iteration loop to finish alone and lose nothing. With more workers
 * than CPUs nothing is pinned: who runs when is the scheduler's, and that is
 * the oversubscription story. */
bool lab_placement(unsigned workers, int *cpus)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return false;
    if ((unsigned)CPU_COUNT(&allowed) < workers)
        return false;
    unsigned n = 0;
    for (int c = 0; c < CPU_SETSIZE && n < workers; c++)
        if (CPU_ISSET(c, &allowed))
            cpus[n++] = c;
    return true;
}

struct worker {
    const struct lab_variant *v;
    int cpu;                     /* pinned to this CPU, or -1 */
    void *state;
    struct gate *gate;
    uint64_t iters;
    uint64_t t_start, t_end;
    unsigned id;
} __attribute__((aligned(SYNC_CACHELINE)));

static void worker_run(struct worker *w)
{
    if (w->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(w->cpu, &set);
        /* Best effort: if the pin fails the worker merely may start late. */
        (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    if (gate_wait(w->gate) != GATE_OPEN)
        return;
    w->t_start = lab_now_ns();
    w->v->work(w->state, w->id, w->iters);
    w->t_end = lab_now_ns();
}

static void *thread_main(void *arg)
{
    worker_run(arg);
    return NULL;
}

/* The calling thread is worker 0 and creates the others: a separate
 * coordinator would be one more runnable thread than there are CPUs just
 * when the workers must start together. */
static int run_threads(const struct lab_variant *v, void *state, unsigned workers,
                       uint64_t iters, struct lab_trial *out, char *err, size_t errlen)
{
    struct gate gate;
    memset(&gate, 0, sizeof gate);
    gate.parties = workers;
    int cpus[LAB_MAX_WORKERS];
    bool pin = lab_placement(workers, cpus);
    gate.spin = pin ? GATE_SPIN_DEDICATED : GATE_SPIN_SHARED;

    struct worker *w = aligned_alloc(SYNC_CACHELINE, sizeof *w * workers);
    pthread_t *tid = calloc(workers, sizeof *tid);
    if (w == NULL || tid == NULL) {
        free(w);
        free(tid);
        snprintf(err, errlen, "out of memory for %u workers", workers);
        return ENOMEM;
    }
    for (unsigned i = 0; i < workers; i++)
        w[i] = (struct worker){ .v = v, .state = state, .gate = &gate, .iters = iters,
                                .id = i, .cpu = pin ? cpus[i] : -1 };
    cpu_set_t saved;
    bool restore = pin && pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) == 0;

    unsigned started = 1;   /* worker 0: this thread */
    int rc = 0;
    for (; started < workers; started++) {
        rc = pthread_create(&tid[started], NULL, thread_main, &w[started]);
        if (rc != 0) {
            snprintf(err, errlen, "could not start worker thread %u of %u: %s",
                     started + 1, workers, strerror(rc));
            gate_set(&gate, GATE_ABORT);   /* the workers that did start leave at once */
            break;
        }
    }
    worker_run(&w[0]);
    for (unsigned i = 1; i < started; i++)
        pthread_join(tid[i], NULL);
    if (restore)
        (void)pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);

    if (rc == 0) {
        uint64_t first = UINT64_MAX, last = 0;
        for (unsigned i = 0; i < workers; i++) {
            if (w[i].t_start < first)
                first = w[i].t_start;
            if (w[i].t_end > last)
                last = w[i].t_end;
        }
        out->wall_ns = last - first;
    }
    free(w);
    free(tid);
    return rc;
}

/* Shared state is cache-line aligned (two lines: adjacent-line prefetchers
 * pair them) so that a variant's padding means what it says. */
#define STATE_ALIGN (2 * SYNC_CACHELINE)

int lab_run_trial(const struct lab_variant *v, enum lab_model model, unsigned workers,
                  uint64_t iters, struct lab_trial *out, char *err, size_t errlen)
{
    if (v->unavailable != NULL) {
        snprintf(err, errlen, "variant '%s' is unavailable: %s", v->name, v->unavailable);
        return ENOTSUP;
    }
    if (!(v->models & LAB_MODEL_BIT(model))) {
        snprintf(err, errlen, "variant '%s' does not run under model '%s'",
                 v->name, lab_model_name(model));
        return ENOTSUP;
    }
    size_t size = (v->state_size + STATE_ALIGN - 1) / STATE_ALIGN * STATE_ALIGN;
    void *state = aligned_alloc(STATE_ALIGN, size ? size : STATE_ALIGN);
    if (state == NULL) {
        snprintf(err, errlen, "out of memory for %zu bytes of shared state", size);
        return ENOMEM;
    }
    memset(state, 0, size);
    int rc = v->setup ? v->setup(state, workers) : 0;
    if (rc != 0) {
        snprintf(err, errlen, "setting up variant '%s' failed: %s", v->name, strerror(rc));
        free(state);
        return rc;
    }
    switch (model) {
    case LAB_THREADS:
        rc = run_threads(v, state, workers, iters, out, err, errlen);
        break;
    default:
        snprintf(err, errlen, "model %d has no runner in this build", (int)model);
        rc = ENOTSUP;
    }
    if (rc == 0)
        out->observed = v->observe(state, workers);
    if (v->teardown)
        v->teardown(state);
    free(state);
    return rc;
}
