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
 * procs: the calling process forks every worker and supervises them: it
 * sleeps in sigtimedwait() until they exit, a timeout expires, or SIGINT,
 * SIGTERM or SIGHUP arrives, and it never leaves a worker behind. */
#include "lab.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shared.h"
#include "sync/atomic.h"
#include "sync/coro.h"
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
    static const char *const names[LAB_NMODELS] = { [LAB_THREADS] = "threads",
                                                    [LAB_PROCS] = "procs",
                                                    [LAB_COROS] = "coros",
                                                    [LAB_COROS_MN] = "coros-mn",
                                                    [LAB_COROS_PREEMPT] = "coros-preempt" };
    return (unsigned)m < LAB_NMODELS ? names[m] : "?";
}

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LAB__TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(LAB__TSAN)
#define LAB__TSAN 1
#endif

const char *lab_model_unavailable(enum lab_model m)
{
#ifdef LAB__TSAN
    if (m == LAB_COROS_PREEMPT)
        return "not in a ThreadSanitizer build: TSan holds asynchronous signals back until "
               "the thread's next intercepted call, so the timer could never switch a "
               "coroutine inside a plain load/store loop (run the native build)";
#else
    (void)m;
#endif
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

/* ~1M pause rounds: tens of ms, far longer than starting a few workers. */
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
        sync_futex_wake(&g->state, INT32_MAX, g->flags);
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

/* Labs with roles, more workers than CPUs: a queue goes wrong when
 * producers overlap producers (and consumers consumers), and a trial of a
 * few milliseconds left to the scheduler often runs on one CPU (new threads
 * start on their creator's). So the workers are dealt round-robin, producer
 * i and consumer i on the i-th CPU modulo their number; the gate still parks
 * them (a CPU is shared). */
static bool spread_roles(unsigned producers, unsigned workers, int *cpus)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) == 0)
        return false;
    int list[CPU_SETSIZE];
    unsigned n = 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed))
            list[n++] = c;
    for (unsigned i = 0; i < workers; i++)
        cpus[i] = list[(i < producers ? i : i - producers) % n];
    return true;
}

/* The runtime's part of the shared memory, ahead of the lab's state. */
struct ctl {
    struct gate gate;
    sync_atomic_u32 recoveries;  /* lab_note_recovery() calls */
    int victim;                  /* --kill-owner: the worker that dies, or -1 */
    uint64_t victim_iters;       /* operations it completes before it dies */
    sync_atomic_u64 death_ns;    /* when it died (lab_now_ns), 0 before */
    struct {
        uint64_t t_start, t_end; /* written by the worker, read after it is reaped */
    } __attribute__((aligned(SYNC_CACHELINE))) w[];
};

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

struct worker {
    const struct lab_variant *v;
    struct ctl *ctl;
    void *state;
    uint64_t iters;
    unsigned id;
    int cpu;                     /* pinned to this CPU, or -1 */
};

static void pin(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    /* Best effort: if the pin fails the worker merely may start late. */
    (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void worker_run(const struct worker *w)
{
    pin(w->cpu);
    struct ctl *c = w->ctl;
    if (gate_wait(&c->gate) != GATE_OPEN)
        return;
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
}

static void *thread_main(void *arg)
{
    worker_run(arg);
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

/* ---- the starvation demo (--hog) ---------------------------------------- */

#define HOG_TICK_NS   1000000u   /* the ticker wants to run every millisecond */
#define HOG_WARMUP_NS 5000000u   /* ticks before the hog starts */
#define HOG_MAX_TICKS 65536u

struct hog {
    unsigned hog_ms;
    uint64_t start;
    sync_atomic_u32 hog_done;    /* set by the hog when it has finished */
    uint64_t hog_ns;
    unsigned ticks;
    uint64_t delay[HOG_MAX_TICKS];
};

/* Ticks every millisecond until the hog is done and five more ticks have
 * passed; each tick records how late it came. Between ticks it yields, as
 * any well-behaved coroutine waiting for a deadline does. */
static void *hog_ticker(void *arg)
{
    struct hog *h = arg;
    uint64_t due = h->start + HOG_TICK_NS;
    unsigned after = 0;
    while (h->ticks < HOG_MAX_TICKS && after < 5) {
        uint64_t now;
        while ((now = lab_now_ns()) < due)
            sync_coro_yield();
        h->delay[h->ticks++] = now - due;
        due = now + HOG_TICK_NS;
        if (sync_load_u32(&h->hog_done, SYNC_ACQUIRE))   /* pairs with the hog's release */
            after++;
    }
    return NULL;
}

/* Yields politely through the warm-up, then computes for hog_ms without a
 * single yield point - a blocking call in an event loop. */
static void *hog_hog(void *arg)
{
    struct hog *h = arg;
    while (lab_now_ns() < h->start + HOG_WARMUP_NS)
        sync_coro_yield();
    uint64_t t0 = lab_now_ns(), end = t0 + (uint64_t)h->hog_ms * 1000000u;
    while (lab_now_ns() < end)
        sync_cpu_relax();
    h->hog_ns = lab_now_ns() - t0;
    sync_store_u32(&h->hog_done, 1, SYNC_RELEASE);   /* pairs with the ticker's acquire */
    return NULL;
}

struct hog_carrier {
    struct hog *h;
    sync_coro_fn fn;
    int rc;
    pthread_t tid;
};

static void *hog_carrier_main(void *arg)
{
    struct hog_carrier *c = arg;
    sync_sched_t s;
    c->rc = sync_sched_init(&s);
    if (c->rc == 0)
        c->rc = sync_sched_spawn(&s, c->fn, c->h, 0);
    if (c->rc == 0)
        c->rc = sync_sched_run(&s);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int lab_run_hog(enum lab_model model, unsigned hog_ms, unsigned preempt_us, struct lab_hog *out,
                char *err, size_t errlen)
{
    struct hog *h = calloc(1, sizeof *h);
    if (h == NULL) {
        snprintf(err, errlen, "out of memory");
        return ENOMEM;
    }
    h->hog_ms = hog_ms;
    h->start = lab_now_ns();
    int rc = 0;
    if (model == LAB_COROS || model == LAB_COROS_PREEMPT) {
        /* Both on this thread: while the hog computes, nothing else runs -
         * unless a timer preempts it. */
        sync_sched_t s;
        rc = sync_sched_init(&s);
        if (rc == 0)
            rc = sync_sched_spawn(&s, hog_ticker, h, 0);
        if (rc == 0)
            rc = sync_sched_spawn(&s, hog_hog, h, 0);
        if (rc == 0 && model == LAB_COROS_PREEMPT)
            rc = sync_coro_preempt_start(preempt_us ? preempt_us : LAB_PREEMPT_DEFAULT_US);
        if (rc == 0) {
            rc = sync_sched_run(&s);
            sync_coro_preempt_stop();
        }
    } else if (model == LAB_COROS_MN) {
        /* One carrier each: the hog blocks only its own carrier. */
        struct hog_carrier c[2] = { { .h = h, .fn = hog_ticker }, { .h = h, .fn = hog_hog } };
        unsigned started = 0;
        for (; started < 2 && rc == 0; started++)
            rc = pthread_create(&c[started].tid, NULL, hog_carrier_main, &c[started]);
        if (rc != 0)
            started--;
        for (unsigned i = 0; i < started; i++) {
            pthread_join(c[i].tid, NULL);
            if (rc == 0)
                rc = c[i].rc;
        }
    } else {
        rc = EINVAL;
    }
    if (rc != 0) {
        snprintf(err, errlen, "the starvation demo could not run: %s", strerror(rc));
    } else {
        out->ticks = h->ticks;
        out->hog_ns = h->hog_ns;
        qsort(h->delay, h->ticks, sizeof h->delay[0], cmp_u64);
        out->worst_delay_ns = h->ticks ? h->delay[h->ticks - 1] : 0;
        out->median_delay_ns = h->ticks ? h->delay[h->ticks / 2] : 0;
    }
    free(h);
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

static int run_threads(struct worker *w, unsigned workers, char *err, size_t errlen)
{
    cpu_set_t saved;
    bool restore = w[0].cpu >= 0 &&
                   pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) == 0;
    pthread_t *tid = calloc(workers, sizeof *tid);
    if (tid == NULL) {
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
    worker_run(&w[0]);
    for (unsigned i = 1; i < started; i++)
        pthread_join(tid[i], NULL);
    if (restore)
        (void)pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
    free(tid);
    return rc;
}

static const char *signal_name(int sig)
{
    static char buf[32];
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev == NULL)
        snprintf(buf, sizeof buf, "signal %d", sig);
    else
        snprintf(buf, sizeof buf, "SIG%s", abbrev);
    return buf;
}

/* Fork every worker; supervise them until they are all reaped. */
static int run_procs(struct worker *w, unsigned workers, unsigned timeout_s,
                     struct lab_trial *out, uint64_t *end_ns, char *err, size_t errlen)
{
    pid_t *pid = calloc(workers, sizeof *pid);
    int *status = calloc(workers, sizeof *status);
    if (pid == NULL || status == NULL) {
        free(pid);
        free(status);
        snprintf(err, errlen, "out of memory for %u workers", workers);
        return ENOMEM;
    }
    sigset_t watch, old;
    sigemptyset(&watch);
    sigaddset(&watch, SIGCHLD);
    sigaddset(&watch, SIGINT);
    sigaddset(&watch, SIGTERM);
    sigaddset(&watch, SIGHUP);
    sigprocmask(SIG_BLOCK, &watch, &old);
    fflush(NULL);   /* children exit(): they must not flush our buffers again */

    pid_t parent = getpid();
    unsigned started = 0;
    int rc = 0;
    for (; started < workers; started++) {
        pid_t p = fork();
        if (p == 0) {
            sigprocmask(SIG_SETMASK, &old, NULL);
            /* Die with the parent: a SIGKILLed parent leaves no worker behind. */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(1);
            worker_run(&w[started]);
            /* exit(), not _exit(): a sanitizer's exit status reaches the parent. */
            exit(0);
        }
        if (p < 0) {
            rc = errno;
            snprintf(err, errlen, "could not fork worker %u of %u: %s", started + 1, workers,
                     strerror(rc));
            gate_set(&w[0].ctl->gate, GATE_ABORT);
            break;
        }
        pid[started] = p;
    }

    uint64_t deadline = lab_now_ns() + (uint64_t)timeout_s * 1000000000u;
    unsigned alive = started;
    bool timed_out = false;
    int sig = 0;
    while (alive > 0 && !timed_out && sig == 0) {
        uint64_t now = lab_now_ns();
        if (now >= deadline) {
            timed_out = true;
            break;
        }
        uint64_t left = deadline - now;
        struct timespec ts = { (time_t)(left / 1000000000u), (long)(left % 1000000000u) };
        int got = sigtimedwait(&watch, NULL, &ts);
        if (got == SIGINT || got == SIGTERM || got == SIGHUP)
            sig = got;
        for (unsigned i = 0; i < started; i++) {
            if (pid[i] > 0 && waitpid(pid[i], &status[i], WNOHANG) == pid[i]) {
                pid[i] = -pid[i];   /* reaped */
                alive--;
            }
        }
    }
    *end_ns = lab_now_ns();
    for (unsigned i = 0; i < started; i++)
        if (pid[i] > 0)
            kill(pid[i], SIGKILL);
    for (unsigned i = 0; i < started; i++) {
        if (pid[i] > 0) {
            while (waitpid(pid[i], &status[i], 0) < 0 && errno == EINTR)
                ;
            status[i] = -1;   /* killed by us: still running at the end */
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);

    if (rc == 0 && sig != 0) {
        lab__interrupt = sig;
        rc = EINTR;
        snprintf(err, errlen, "interrupted by %s: workers stopped", signal_name(sig));
    }
    if (rc == 0) {
        int victim = w[0].ctl->victim;
        out->outcome = LAB_OK;
        for (unsigned i = 0; i < workers && out->outcome == LAB_OK; i++) {
            int st = status[i];
            if (st == -1 || (int)i == victim)
                continue;
            if (WIFSIGNALED(st)) {
                out->outcome = LAB_CRASH;
                snprintf(out->detail, sizeof out->detail, "worker %u (pid %d) was killed by %s",
                         i, (int)-pid[i], signal_name(WTERMSIG(st)));
            } else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
                out->outcome = LAB_CRASH;
                snprintf(out->detail, sizeof out->detail,
                         "worker %u (pid %d) exited with status %d%s", i, (int)-pid[i],
                         WEXITSTATUS(st),
                         WEXITSTATUS(st) == 66 ? " (a ThreadSanitizer report)" : "");
            }
        }
        if (out->outcome == LAB_OK && timed_out) {
            out->outcome = victim >= 0 ? LAB_DEADLOCK : LAB_TIMEOUT;
            if (victim >= 0)
                snprintf(out->detail, sizeof out->detail,
                         "worker %d died holding the lock after %llu operations; %u worker%s "
                         "still waited for it after the %u s timeout",
                         victim, (unsigned long long)w[0].ctl->victim_iters, alive,
                         alive == 1 ? "" : "s", timeout_s);
            else
                snprintf(out->detail, sizeof out->detail,
                         "%u worker%s still running after the %u s timeout", alive,
                         alive == 1 ? " was" : "s were", timeout_s);
        }
        if (out->outcome == LAB_OK && victim >= 0 &&
            !(WIFSIGNALED(status[victim]) && WTERMSIG(status[victim]) == SIGKILL)) {
            out->outcome = LAB_CRASH;
            snprintf(out->detail, sizeof out->detail,
                     "worker %d was to die holding the lock, but did not", victim);
        }
    }
    free(pid);
    free(status);
    return rc;
}

int lab_run_trial(const struct lab *lab, const struct lab_variant *v,
                  const struct lab_config *cfg, struct lab_trial *out, char *err,
                  size_t errlen)
{
    const char *why;
    memset(out, 0, sizeof *out);
    out->victim = -1;
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
    struct lab_env env = { .model = cfg->model, .workers = cfg->workers,
                           .sync_flags = cfg->model == LAB_PROCS ? SYNC_PSHARED : 0,
                           .producers = lab->roles ? cfg->producers : 0,
                           .consumers = lab->roles ? cfg->consumers : 0,
                           .iters = cfg->iters };

    size_t ctl_size = sizeof(struct ctl) + cfg->workers * sizeof(((struct ctl *)0)->w[0]);
    ctl_size = (ctl_size + LAB_SHARED_ALIGN - 1) / LAB_SHARED_ALIGN * LAB_SHARED_ALIGN;
    size_t size = ctl_size + (v->state_bytes ? v->state_bytes(&env) : v->state_size);
    char *mem = lab_shared_alloc(cfg->model, lab->name, size, err, errlen);
    if (mem == NULL)
        return ENOMEM;
    struct ctl *ctl = (struct ctl *)mem;
    void *state = mem + ctl_size;

    lab_ipc_name(env.ipc_name, sizeof env.ipc_name, lab->name, "obj");
    /* A setup may create a named object and unlink it at once: keep SIGINT,
     * SIGTERM and SIGHUP out of that window, so no name is left behind. */
    sigset_t old;
    lab_block_stop_signals(&old);
    int rc = v->setup ? v->setup(state, &env) : 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "setting up variant '%s' failed: %s", v->name, strerror(rc));
        lab_shared_free(cfg->model, mem, size);
        return rc;
    }

    int cpus[LAB_MAX_WORKERS];
    bool pinned = !LAB_IS_COROS(cfg->model) &&
                  lab_placement(cfg->workers, cpus);
    bool coros = LAB_IS_COROS(cfg->model);
    ctl->gate.parties = coros ? 1 : cfg->workers;   /* coroutines need no gate of their own */
    ctl->gate.spin = pinned ? GATE_SPIN_DEDICATED : GATE_SPIN_SHARED;
    ctl->gate.flags = env.sync_flags;
    bool spread = !pinned && lab->roles &&
                  (cfg->model == LAB_THREADS || cfg->model == LAB_PROCS) &&
                  spread_roles(cfg->producers, cfg->workers, cpus);
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
    lab__ctl = ctl;

    struct worker *w = calloc(cfg->workers, sizeof *w);
    if (w == NULL) {
        snprintf(err, errlen, "out of memory for %u workers", cfg->workers);
        rc = ENOMEM;
    } else {
        for (unsigned i = 0; i < cfg->workers; i++)
            w[i] = (struct worker){ .v = v, .ctl = ctl, .state = state, .iters = cfg->iters,
                                    .id = i, .cpu = pinned || spread ? cpus[i] : -1 };
        uint64_t end = 0;
        if (cfg->model == LAB_PROCS)
            rc = run_procs(w, cfg->workers, cfg->timeout_s, out, &end, err, errlen);
        else if (cfg->model == LAB_COROS)
            rc = run_coros(w, cfg->workers, 0, out, err, errlen);
        else if (cfg->model == LAB_COROS_PREEMPT)
            rc = run_coros(w, cfg->workers,
                           cfg->preempt_us ? cfg->preempt_us : LAB_PREEMPT_DEFAULT_US, out, err,
                           errlen);
        else if (cfg->model == LAB_COROS_MN)
            rc = run_coros_mn(w, cfg->workers, cfg->carriers ? cfg->carriers : 2, err, errlen);
        else
            rc = run_threads(w, cfg->workers, err, errlen);
        if (rc == 0) {
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
            out->observed = v->observe(state, cfg->workers);
            out->expected = lab->expected(lab->roles ? cfg->producers : cfg->workers,
                                          cfg->iters);
            if (v->items) {
                out->has_items = true;
                v->items(state, &out->items);
            }
            out->victim = ctl->victim;
            out->recoveries = sync_load_u32(&ctl->recoveries, SYNC_RELAXED);
            if (ctl->victim >= 0) {
                out->victim_done = ctl->victim_iters;
                out->expected = lab->expected_after_death(cfg->workers, cfg->iters,
                                                          ctl->victim_iters);
                uint64_t death = sync_load_u64(&ctl->death_ns, SYNC_ACQUIRE);
                out->death_ns = death > first ? death - first : 0;
            }
        }
        free(w);
    }
    lab__ctl = NULL;
    if (v->teardown)
        v->teardown(state);
    lab_shared_free(cfg->model, mem, size);
    return rc;
}
