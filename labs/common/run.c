/* labs/common/run.c - running one trial: the start gate and the models.
 *
 * Why a start gate: a thread takes tens of microseconds to be created and
 * woken, and 100000 racy increments take about as long. Started one after the
 * other, the first worker is often done before the second begins, nothing
 * overlaps and nothing is lost. So every worker checks in at the gate, the
 * last to arrive opens it, and the others, spinning on the gate word, leave
 * within a cache-line transfer of each other. The gate lives in the same
 * shared memory as the lab's state, so it works across processes too (its
 * futex is then process-shared).
 *
 * Spinning only helps while every worker has a CPU of its own; with more
 * workers than CPUs a spinning worker would steal the time of the one it is
 * waiting for, so oversubscribed workers park on a futex instead.
 *
 * threads: the calling thread is worker 0 and creates the others.
 * procs: procs.c forks every worker and supervises them.
 * coros, coros-mn, coros-preempt: coroutines of sync/coro.h schedulers. */
#include "trial.h"
#include "sync/annotate.h"

#include "runtime.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "shared.h"
#include "sync/atomic.h"
#include "sync/coro.h"
#include "sync/futex.h"
#include "util/cpu.h"
#include "util/time.h"
#include "util/tsan.h"

uint64_t lab_now_ns(void)
{
    return util_now_ns();
}

unsigned lab_online_cpus(void)
{
    return util_cpus_online();
}

const char *const lab__model_names[LAB_NMODELS + 1] = {
    [LAB_THREADS] = "threads", [LAB_PROCS] = "procs", [LAB_COROS] = "coros",
    [LAB_COROS_MN] = "coros-mn", [LAB_COROS_PREEMPT] = "coros-preempt", [LAB_GIL] = "gil",
    [LAB_REDIS] = "redis", [LAB_POSTGRES] = "postgres", [LAB_NMODELS] = NULL,
};

const char *lab_model_name(enum lab_model m)
{
    return (unsigned)m < LAB_NMODELS ? lab__model_names[m] : "?";
}

const char *lab_model_unavailable(enum lab_model m)
{
    if (LAB_IS_DB(m))
        return lab__db_unavailable(m);
    if (UTIL_TSAN && m == LAB_COROS_PREEMPT)
        return "not in a ThreadSanitizer build: TSan holds asynchronous signals back until "
               "the thread's next intercepted call, so the timer could never switch a "
               "coroutine inside a plain load/store loop (run the native build)";
    return NULL;
}

const char *lab_outcome_name(enum lab_outcome o)
{
    switch (o) {
    case LAB_OK: return "ok";
    case LAB_DEADLOCK: return "deadlock";
    case LAB_TIMEOUT: return "timeout";
    case LAB_CRASH: return "crash";
    }
    return "?";
}

bool lab_variant_runs(const struct lab_variant *v, enum lab_model m, const char **why)
{
    if (v->models & LAB_MODEL_BIT(m))
        return true;
    if (why)
        *why = v->refused[m] ? v->refused[m] : "not offered under this model";
    return false;
}

bool lab_variant_takes_workers(const struct lab_variant *v, unsigned workers, const char **why)
{
    if (v->max_workers == 0 || workers <= v->max_workers)
        return true;
    if (why)
        *why = v->workers_why ? v->workers_why : "too many workers";
    return false;
}

bool lab_variant_takes(const struct lab_variant *v, unsigned producers, unsigned consumers,
                       const char **why)
{
    if ((v->max_producers == 0 || producers <= v->max_producers) &&
        (v->max_consumers == 0 || consumers <= v->max_consumers))
        return true;
    if (why)
        *why = v->roles_why ? v->roles_why : "too many producers or consumers";
    return false;
}

/* ~1M pause rounds: tens of ms, far longer than starting a few workers. */
#define GATE_SPIN_DEDICATED (1u << 20)
#define GATE_SPIN_SHARED    64u

/* Opens (or aborts) the gate once; the first caller wins. */
static void gate_set(struct gate *g, unsigned how)
{
    uint32_t closed = GATE_CLOSED;
    SYNC_ANN_IGNORE(g, sizeof *g);   /* atomics, and constants set before the workers */
    /* Seq-cst on both sides (store state, then load parked here; parked++,
     * then load state in gate_wait()): either the opener sees a parked
     * worker and wakes it, or the worker sees the gate open. The release
     * half pairs with the workers' loads of |state|. */
    if (sync_cas_u32(&g->state, &closed, how, SYNC_SEQ_CST, SYNC_SEQ_CST) &&
        sync_load_u32(&g->parked, SYNC_SEQ_CST) != 0)
        sync_futex_wake(&g->state, INT32_MAX, g->flags);
}

void lab__gate_abort(struct gate *g)
{
    gate_set(g, GATE_ABORT);
}

static unsigned gate_wait(struct gate *g)
{
    /* Before our first access of the gate, as in gate_set(): no write of it
     * by a worker is ever checked (valgrind, sync/annotate.h). */
    SYNC_ANN_IGNORE(g, sizeof *g);
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
        sync_futex_wait(&g->state, GATE_CLOSED, NULL, g->flags);
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
    if (workers == 0 || workers > LAB_MAX_WORKERS)
        return false;
    return util_cpus_allowed(cpus, workers) >= workers;
}

/* Labs with roles, more workers than CPUs: a queue goes wrong when
 * producers overlap producers (and consumers consumers), and a trial of a
 * few milliseconds left to the scheduler often runs on one CPU (new threads
 * start on their creator's). So the workers are dealt round-robin, producer
 * i and consumer i on the i-th CPU modulo their number; the gate still parks
 * them (a CPU is shared). */
static bool spread_roles(unsigned producers, unsigned workers, int *cpus)
{
    int list[LAB_MAX_WORKERS];
    unsigned n = util_cpus_allowed(list, LAB_MAX_WORKERS);
    if (n == 0)
        return false;
    if (n > LAB_MAX_WORKERS)
        n = LAB_MAX_WORKERS;
    for (unsigned i = 0; i < workers; i++)
        cpus[i] = list[(i < producers ? i : i - producers) % n];
    return true;
}

static struct ctl *lab__ctl;   /* this trial's, for lab_note_recovery() */
static int lab__interrupt;

void lab_note_recovery(void)
{
    if (lab__ctl)
        sync_fetch_add_u32(&lab__ctl->recoveries, 1, SYNC_RELAXED);
}

int lab_interrupt_signal(void)
{
    return lab__interrupt;
}

void lab__set_interrupt(int sig)
{
    lab__interrupt = sig;
}

static void pin(int cpu)
{
    /* Best effort: if the pin fails the worker merely may start late. */
    if (cpu >= 0)
        (void)util_pin_thread(cpu);
}

bool lab_trial_over(void)
{
    /* Acquire pairs with the watchdog's release store (watch.c). */
    return lab__ctl != NULL && sync_load_u32(&lab__ctl->over, SYNC_ACQUIRE) != 0;
}

/* The worker has left its work: release pairs with the watchdog's acquire
 * (its records are final). */
static void worker_done(struct ctl *c, unsigned id)
{
    sync_store_u32(&c->w[id].done, 1, SYNC_RELEASE);
}

void lab__worker_run(const struct worker *w)
{
    pin(w->cpu);
    struct ctl *c = w->ctl;
    if (gate_wait(&c->gate) != GATE_OPEN) {
        worker_done(c, w->id);
        return;
    }
    c->w[w->id].t_start = lab_now_ns();
    if ((int)w->id == c->victim) {
        /* --kill-owner: do some of the work, take the lock, and die holding
         * it, as a process that crashes in its critical section would. */
        w->v->work(w->state, w->id, c->victim_iters);
        w->v->hold(w->state);
        sync_store_u64(&c->death_ns, lab_now_ns(), SYNC_RELEASE);
        raise(SIGKILL);
    }
    w->v->work(w->state, w->id, w->iters);
    c->w[w->id].t_end = lab_now_ns();
    worker_done(c, w->id);
}

static void *thread_main(void *arg)
{
    lab__worker_run(arg);
    return NULL;
}

bool lab__yield_points;

void lab__yield(void)
{
    sync_coro_yield();
}

struct carrier {
    struct worker *w;
    unsigned workers, carriers, index;
    struct gate *gate;
    int cpu;
    int rc;
    pthread_t tid;
};

/* coros-mn: carrier |index| runs, on its own scheduler, the workers whose
 * number is index modulo carriers. The carriers start behind a gate like
 * threads do; their coroutines then really run in parallel. */
static void *carrier_main(void *arg)
{
    struct carrier *c = arg;
    pin(c->cpu);
    if (gate_wait(c->gate) != GATE_OPEN)
        return NULL;
    sync_sched_t sched;
    c->rc = sync_sched_init(&sched);
    for (unsigned i = c->index; c->rc == 0 && i < c->workers; i += c->carriers)
        c->rc = sync_sched_spawn(&sched, thread_main, &c->w[i], 0);
    if (c->rc == 0)
        c->rc = sync_sched_run(&sched);
    return NULL;
}

static int run_coros_mn(struct worker *w, unsigned workers, unsigned carriers, char *err,
                        size_t errlen)
{
    if (carriers > workers)
        carriers = workers;   /* an idle carrier would add nothing */
    struct carrier c[LAB_MAX_CARRIERS];
    struct gate gate;
    memset(&gate, 0, sizeof gate);
    int cpus[LAB_MAX_CARRIERS];
    bool pinned = lab_placement(carriers, cpus);
    gate.parties = carriers;
    gate.spin = pinned ? GATE_SPIN_DEDICATED : GATE_SPIN_SHARED;
    lab__yield_points = true;   /* before the carriers exist: ordered by their creation */
    unsigned started = 0;
    int rc = 0;
    for (; started < carriers; started++) {
        c[started] = (struct carrier){ .w = w, .workers = workers, .carriers = carriers,
                                       .index = started, .gate = &gate,
                                       .cpu = pinned ? cpus[started] : -1 };
        rc = pthread_create(&c[started].tid, NULL, carrier_main, &c[started]);
        if (rc != 0) {
            snprintf(err, errlen, "could not start carrier thread %u of %u: %s", started + 1,
                     carriers, strerror(rc));
            gate_set(&gate, GATE_ABORT);
            break;
        }
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(c[i].tid, NULL);
        if (rc == 0 && c[i].rc != 0) {
            rc = c[i].rc;
            snprintf(err, errlen, "carrier %u: %s", i, strerror(rc));
        }
    }
    lab__yield_points = false;
    return rc;
}

/* coros: every worker is a coroutine of one round-robin scheduler on the
 * calling thread. A coroutine runs until it yields, so there is nothing to
 * start together: the gate has one party and is open at once.
 * coros-preempt (|preempt_us| non-zero): the same, with a timer that
 * switches the running coroutine every |preempt_us| wherever it is (see
 * PREEMPTION in sync/coro.h for how that is made safe). */
static int run_coros(struct worker *w, unsigned workers, unsigned preempt_us,
                     struct lab_trial *out, char *err, size_t errlen)
{
    sync_sched_t sched;
    int rc = sync_sched_init(&sched);
    /* Set before the coroutines exist: creating one orders what came before
     * (for TSan too); sync_sched_run() returning orders their end before the
     * reset below. */
    lab__yield_points = true;
    for (unsigned i = 0; rc == 0 && i < workers; i++) {
        rc = sync_sched_spawn(&sched, thread_main, &w[i], 0);
        if (rc != 0)
            snprintf(err, errlen, "could not create coroutine %u of %u: %s", i + 1, workers,
                     strerror(rc));
    }
    if (rc != 0) {
        /* Those already created leave at the aborted gate and are freed. */
        gate_set(&w[0].ctl->gate, GATE_ABORT);
        (void)sync_sched_run(&sched);
    } else {
        if (preempt_us != 0) {
            rc = sync_coro_preempt_start(preempt_us);
            if (rc != 0) {
                snprintf(err, errlen, "could not start the preemption timer: %s", strerror(rc));
                gate_set(&w[0].ctl->gate, GATE_ABORT);
                (void)sync_sched_run(&sched);
                lab__yield_points = false;
                return rc;
            }
        }
        rc = sync_sched_run(&sched);
        if (preempt_us != 0) {
            struct sync_coro_preempt_stats st;
            sync_coro_preempt_stats(&st);
            sync_coro_preempt_stop();
            out->preemptions = st.switches;
        }
        if (rc != 0)
            snprintf(err, errlen, "the coroutines deadlocked: %s", strerror(rc));
    }
    lab__yield_points = false;
    return rc;
}

/* threads: |watch| (or NULL) runs beside the workers, from before the first
 * is created until the last is joined. */
static int run_threads(struct worker *w, unsigned workers, struct watch *watch, char *err,
                       size_t errlen)
{
    if (watch != NULL) {
        int rc = lab__watch_start(watch, err, errlen);
        if (rc != 0)
            return rc;
    }
    cpu_set_t saved;
    bool restore = w[0].cpu >= 0 &&
                   pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) == 0;
    pthread_t *tid = calloc(workers, sizeof *tid);
    if (tid == NULL) {
        if (watch != NULL)
            lab__watch_stop(watch);
        snprintf(err, errlen, "out of memory for %u workers", workers);
        return ENOMEM;
    }
    /* The calling thread is worker 0: a separate coordinator would be one
     * more runnable thread than there are CPUs just when the workers must
     * start together. */
    unsigned started = 1;
    int rc = 0;
    for (; started < workers; started++) {
        rc = pthread_create(&tid[started], NULL, thread_main, &w[started]);
        if (rc != 0) {
            snprintf(err, errlen, "could not start worker thread %u of %u: %s", started + 1,
                     workers, strerror(rc));
            gate_set(&w[0].ctl->gate, GATE_ABORT);   /* those started leave at once */
            break;
        }
    }
    lab__worker_run(&w[0]);
    for (unsigned i = 1; i < started; i++)
        pthread_join(tid[i], NULL);
    if (watch != NULL)
        lab__watch_stop(watch);
    if (restore)
        (void)pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
    free(tid);
    return rc;
}

/* Whether the trial can run as asked: 0, or an errno value with a reason. */
static int check_trial(const struct lab *lab, const struct lab_variant *v,
                       const struct lab_config *cfg, char *err, size_t errlen)
{
    const char *why;
    if (v->unavailable != NULL) {
        snprintf(err, errlen, "variant '%s' is unavailable: %s", v->name, v->unavailable);
        return ENOTSUP;
    }
    if ((why = lab_model_unavailable(cfg->model)) != NULL) {
        snprintf(err, errlen, "model '%s' is unavailable: %s", lab_model_name(cfg->model), why);
        return ENOTSUP;
    }
    if (!lab_variant_runs(v, cfg->model, &why)) {
        snprintf(err, errlen, "variant '%s' does not run under model '%s': %s", v->name,
                 lab_model_name(cfg->model), why);
        return ENOTSUP;
    }
    if (cfg->kill_owner && (cfg->model != LAB_PROCS || v->hold == NULL || cfg->iters < 2)) {
        snprintf(err, errlen, "--kill-owner needs --model procs, a variant with a lock, and "
                 "at least 2 iterations");
        return EINVAL;
    }
    if (lab->roles && !lab_variant_takes(v, cfg->producers, cfg->consumers, &why)) {
        snprintf(err, errlen, "variant '%s' takes no %u x %u: %s", v->name, cfg->producers,
                 cfg->consumers, why);
        return EINVAL;
    }
    if (!lab_variant_takes_workers(v, cfg->workers, &why)) {
        snprintf(err, errlen, "variant '%s' takes at most %u workers, not %u: %s", v->name,
                 v->max_workers, cfg->workers, why);
        return EINVAL;
    }
    if (cfg->workers == 0 || cfg->workers > LAB_MAX_WORKERS) {
        snprintf(err, errlen, "workers must be 1 to %u", LAB_MAX_WORKERS);
        return EINVAL;
    }
    if (lab->roles && (cfg->producers == 0 || cfg->consumers == 0 ||
                       cfg->producers + cfg->consumers != cfg->workers)) {
        snprintf(err, errlen, "lab-%s needs producers and consumers (at least one of each) "
                 "that add up to the workers", lab->name);
        return EINVAL;
    }
    return 0;
}

/* A trial's memory: the runtime's control block, then the variant's state. */
struct trial_mem {
    char *mem;
    size_t size;
    struct ctl *ctl;
    void *state;
    struct lab_env env;
};

/* Allocates the shared memory and sets the variant up in it: 0 or an errno
 * value with a reason. */
static int trial_setup(const struct lab *lab, const struct lab_variant *v,
                       const struct lab_config *cfg, struct trial_mem *m, char *err,
                       size_t errlen)
{
    m->env = (struct lab_env){ .model = cfg->model, .workers = cfg->workers,
                               .sync_flags = cfg->model == LAB_PROCS ? SYNC_PSHARED : 0,
                               .producers = lab->roles ? cfg->producers : 0,
                               .consumers = lab->roles ? cfg->consumers : 0,
                               .iters = cfg->iters, .mo = &cfg->mo };
    size_t ctl_size = sizeof(struct ctl) + cfg->workers * sizeof(((struct ctl *)0)->w[0]);
    ctl_size = (ctl_size + LAB_SHARED_ALIGN - 1) / LAB_SHARED_ALIGN * LAB_SHARED_ALIGN;
    m->size = ctl_size + (v->state_bytes ? v->state_bytes(&m->env) : v->state_size);
    m->mem = lab_shared_alloc(cfg->model, lab->name, m->size, err, errlen);
    if (m->mem == NULL)
        return ENOMEM;
    m->ctl = (struct ctl *)m->mem;
    m->state = m->mem + ctl_size;
    /* The words the watchdog and the workers share are atomics (valgrind). */
    SYNC_ANN_IGNORE(&m->ctl->over, sizeof m->ctl->over);
    for (unsigned i = 0; i < cfg->workers; i++)
        SYNC_ANN_IGNORE(&m->ctl->w[i].done, sizeof m->ctl->w[i].done);

    lab_ipc_name(m->env.ipc_name, sizeof m->env.ipc_name, lab->name, "obj");
    /* A setup may create a named object and unlink it at once: keep SIGINT,
     * SIGTERM and SIGHUP out of that window, so no name is left behind. */
    sigset_t old;
    lab_block_stop_signals(&old);
    int rc = v->setup ? v->setup(m->state, &m->env) : 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "setting up variant '%s' failed: %s", v->name, strerror(rc));
        lab_shared_free(cfg->model, m->mem, m->size);
    }
    return rc;
}

/* The gate, the victim, and where each worker runs (cpus[i], or -1). */
static void trial_place(const struct lab *lab, const struct lab_config *cfg, struct ctl *ctl,
                        unsigned flags, int *cpus)
{
    bool coros = LAB_IS_COROS(cfg->model);
    bool pinned = !coros && lab_placement(cfg->workers, cpus);
    ctl->gate.parties = coros ? 1 : cfg->workers;   /* coroutines need no gate of their own */
    ctl->gate.spin = pinned ? GATE_SPIN_DEDICATED : GATE_SPIN_SHARED;
    ctl->gate.flags = flags;
    bool spread = !pinned && lab->roles &&
                  (cfg->model == LAB_THREADS || cfg->model == LAB_PROCS) &&
                  spread_roles(cfg->producers, cfg->workers, cpus);
    if (!pinned && !spread)
        for (unsigned i = 0; i < cfg->workers; i++)
            cpus[i] = -1;
    ctl->victim = -1;
    if (cfg->kill_owner) {
        /* Any worker, after 1 to iters/2 of its operations: in the first
         * half, so that the others still need the lock when it dies (had
         * they finished, nobody would notice a dead owner). */
        unsigned seed = (unsigned)lab_now_ns() ^ (unsigned)getpid();
        ctl->victim = (int)(rand_r(&seed) % cfg->workers);
        ctl->victim_iters = 1 + ((uint64_t)rand_r(&seed) << 16 ^ (uint64_t)rand_r(&seed)) %
                                    (cfg->iters / 2);
    }
}

static int run_coros_model(struct worker *w, const struct lab_config *cfg,
                           struct lab_trial *out, char *err, size_t errlen)
{
    switch (cfg->model) {
    case LAB_COROS:
        return run_coros(w, cfg->workers, 0, out, err, errlen);
    case LAB_COROS_PREEMPT:
        return run_coros(w, cfg->workers,
                         cfg->preempt_us ? cfg->preempt_us : LAB_PREEMPT_DEFAULT_US, out, err,
                         errlen);
    default:
        return run_coros_mn(w, cfg->workers, cfg->carriers ? cfg->carriers : 2, err, errlen);
    }
}

/* The workers under the chosen model, watched: a deadlock or the timeout
 * gives out->outcome and detail, and *end is when the trial was ended. */
static int run_model(const struct lab *lab, struct worker *w, const struct lab_config *cfg,
                     struct lab_trial *out, uint64_t *end, char *err, size_t errlen)
{
    const struct lab_variant *v = w[0].v;
    struct watch watch;
    int rc = lab__watch_init(&watch, lab->name, v, w[0].ctl, w[0].state, cfg->workers,
                             cfg->timeout_s, err, errlen);
    if (rc != 0)
        return rc;
    if (cfg->model == LAB_PROCS) {
        rc = lab__run_procs(w, cfg->workers, cfg->timeout_s, v->waiting ? &watch : NULL, out,
                            end, err, errlen);
    } else if (LAB_IS_COROS(cfg->model)) {
        /* A watchdog thread beside the carriers, for variants that wait by
         * yielding in a loop (waitfor.h): the scheduler cannot tell them
         * from working ones. */
        bool watched = v->waiting != NULL;
        rc = watched ? lab__watch_start(&watch, err, errlen) : 0;
        if (rc == 0)
            rc = run_coros_model(w, cfg, out, err, errlen);
        if (watched)
            lab__watch_stop(&watch);
        if (rc == EDEADLK) {   /* the scheduler found every coroutine blocked */
            lab__watch_describe(&watch, "every coroutine is blocked");
            watch.outcome = LAB_DEADLOCK;
            watch.over_ns = lab_now_ns();
            rc = 0;
        }
    } else {
        /* Only a variant whose waits can give up (waiting(), gives_up): the
         * threads of any other cannot be stopped, and a slow correct run
         * (MCS oversubscribed under load) ended at --timeout would only
         * leave the process to exit, a fixed variant failed for nothing. */
        bool watched = v->waiting != NULL || v->gives_up;
        rc = run_threads(w, cfg->workers, watched ? &watch : NULL, err, errlen);
    }
    if (rc == 0 && cfg->model != LAB_PROCS && watch.outcome != LAB_OK) {
        out->outcome = watch.outcome;
        memcpy(out->detail, watch.detail, sizeof out->detail);
        *end = watch.over_ns;
    }
    lab__watch_fini(&watch);
    return rc;
}

/* What the trial observed, once every worker is gone. */
static void trial_collect(const struct lab *lab, const struct lab_variant *v,
                          const struct lab_config *cfg, const struct trial_mem *m,
                          uint64_t end, struct lab_trial *out)
{
    const struct ctl *ctl = m->ctl;
    uint64_t first = UINT64_MAX, last = 0;
    for (unsigned i = 0; i < cfg->workers; i++) {
        if (ctl->w[i].t_start && ctl->w[i].t_start < first)
            first = ctl->w[i].t_start;
        if (ctl->w[i].t_end > last)
            last = ctl->w[i].t_end;
    }
    if (out->outcome != LAB_OK)
        last = end;
    out->wall_ns = first != UINT64_MAX && last > first ? last - first : 0;
    out->observed = v->observe(m->state, cfg->workers);
    out->expected = lab->expected(lab->roles ? cfg->producers : cfg->workers, cfg->iters);
    if (v->items) {
        out->has_items = true;
        v->items(m->state, &out->items);
    }
    if (v->fields) {
        out->has_fields = true;
        v->fields(m->state, cfg->workers, out->fields);   /* zeroed with *out */
    }
    out->victim = ctl->victim;
    out->recoveries = sync_load_u32(&m->ctl->recoveries, SYNC_RELAXED);
    if (ctl->victim >= 0) {
        out->victim_done = ctl->victim_iters;
        out->expected = lab->expected_after_death(cfg->workers, cfg->iters, ctl->victim_iters);
        uint64_t death = sync_load_u64(&m->ctl->death_ns, SYNC_ACQUIRE);
        out->death_ns = death > first ? death - first : 0;
    }
}

int lab_run_trial(const struct lab *lab, const struct lab_variant *v,
                  const struct lab_config *cfg, struct lab_trial *out, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->victim = -1;
    struct trial_mem m;
    int rc = check_trial(lab, v, cfg, err, errlen);
    if (rc == 0)
        rc = trial_setup(lab, v, cfg, &m, err, errlen);
    if (rc != 0)
        return rc;
    int cpus[LAB_MAX_WORKERS];
    trial_place(lab, cfg, m.ctl, m.env.sync_flags, cpus);
    lab__ctl = m.ctl;
    struct worker *w = calloc(cfg->workers, sizeof *w);
    if (w == NULL) {
        snprintf(err, errlen, "out of memory for %u workers", cfg->workers);
        rc = ENOMEM;
    } else {
        for (unsigned i = 0; i < cfg->workers; i++)
            w[i] = (struct worker){ .v = v, .ctl = m.ctl, .state = m.state,
                                    .iters = cfg->iters, .id = i, .cpu = cpus[i] };
        uint64_t end = 0;
        rc = run_model(lab, w, cfg, out, &end, err, errlen);
        if (rc == 0)
            trial_collect(lab, v, cfg, &m, end, out);
        free(w);
    }
    lab__ctl = NULL;
    if (v->teardown)
        v->teardown(m.state);
    lab_shared_free(cfg->model, m.mem, m.size);
    return rc;
}
