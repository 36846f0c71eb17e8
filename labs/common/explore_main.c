/* labs/common/explore_main.c - a lab's explore flavour, lab-<name>-explore
 * (issue 13; notes/explorer.md "Lab targets").
 *
 * racelab_add_lab (cmake/RacelabHelpers.cmake) builds it from the lab's own
 * main.c, compiled with lab_main renamed to lab_explore_main, its variant
 * files compiled as the explorer compiles a user's program (clang -O0
 * -fsanitize=thread: every access of the variant's code is a point), this
 * file (not instrumented: nothing here is a point) and the explorer runtime,
 * which turns the pthreads below into green threads it schedules.
 *
 * One run: the variant's state in |state| (a global, so the step table
 * names it), its setup, one pthread per worker running the variant's work()
 * - no start gate, no watchdog, no timing: the explorer decides who runs -
 * then the joins, the observation and the lab's invariant (its expected
 * count, its items, its bad fields). A broken invariant prints one line and
 * exits 1: a failing run. What the explorer cannot run is refused through
 * the runtime (verdict unsupported, exit 2), naming why. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/tsan_interface.h>
#include <time.h>

#include "runtime.h"
#include "xrt.h"
#include "xrt_futex.h"
#define LAB_EXPLORE_ADAPTER   /* lab_explore_views(): the step table's names of |state| */
#include "variant_gen.h"

/* lab.h declares lab_main; the build renames it here and in the lab's
 * main.c (-Dlab_main=lab_explore_main), so this is that main. */

#define EXPLORE_STATE_MAX (1u << 20)
/* Named "state" in the step table (a variant's shared data is its struct
 * state: "state+40" is its byte 40). */
_Alignas(64) unsigned char state[EXPLORE_STATE_MAX];

/* Why this run cannot be explored: under the explorer's driver the runtime
 * ends the search with it (unsupported, exit 2); run by hand, one line on
 * stderr and exit 2. */
static _Noreturn __attribute__((format(printf, 2, 3))) void
explore_refuse(const struct lab *lab, const char *fmt, ...)
{
    char why[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    const char *out = getenv("RACELAB_EXPLORE_OUT");
    if (out != NULL && out[0] != '\0')
        xrt_fail(XRT_ST_UNSUPPORTED, "%s", why);
    fprintf(stderr, "lab-%s-explore: %s\n", lab->name, why);
    exit(2);
}

/* ThreadSanitizer's annotation interface, which the variants' locks call
 * under -fsanitize=thread (util/tsan.h, labs/common/waitfor.h): they tell
 * TSan what a lock's atomics mean. The explorer sees those atomics as they
 * are, so the annotations do nothing here and are no points. */
void __tsan_mutex_create(void *addr, unsigned flags) { (void)addr, (void)flags; }
void __tsan_mutex_destroy(void *addr, unsigned flags) { (void)addr, (void)flags; }
void __tsan_mutex_pre_lock(void *addr, unsigned flags) { (void)addr, (void)flags; }
void __tsan_mutex_post_lock(void *addr, unsigned flags, int recursion)
{
    (void)addr, (void)flags, (void)recursion;
}
int __tsan_mutex_pre_unlock(void *addr, unsigned flags)
{
    (void)addr, (void)flags;
    return 0;
}
void __tsan_mutex_post_unlock(void *addr, unsigned flags) { (void)addr, (void)flags; }
void __tsan_acquire(void *addr) { (void)addr; }
void __tsan_release(void *addr) { (void)addr; }

/* A variant's timed condition waits are there for the watchdog, which
 * ends a stuck trial (a lost wake-up) by making its waits give up: here
 * there is no watchdog, and a wait that could time out at any point would
 * only spin. So they wait for the signal (the link wraps the variant's
 * calls, -Wl,--wrap): a lost wake-up is then the explorer's DEADLOCK. The
 * futex waits of sync/'s primitives (raw syscalls: the runtime's model,
 * detectors/explore/xrt_futex.c) likewise ignore their timeouts, which are
 * the watchdog's and the robust lock's polls of a holder that may have
 * died: xrt_futex_timeouts off, set in lab_explore_main. */
int __wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                  const struct timespec *t);
int __wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                  const struct timespec *t)
{
    (void)t;
    return pthread_cond_wait(c, m);
}

/* The labs' clock (lab_now_ns, labs/common/run.c), wrapped like the timed
 * wait above: a run must be a function of its schedule, and the real clock
 * is not one. philosophers and rw keep a worker's longest wait ("if (waited
 * > max) max = waited"): on the wall clock that store happens in one run and
 * not in its replay, and the search stopped with "diverged". Here time is
 * the number of readings so far, 1 us apart: the same in every run that
 * takes the same schedule. The adapter is not instrumented, so the counter
 * is no shared variable of the program's. */
uint64_t __wrap_lab_now_ns(void);
uint64_t __wrap_lab_now_ns(void)
{
    static uint64_t readings;
    return ++readings * 1000u;
}

struct explore_worker {
    const struct lab_variant *v;
    void *state;
    unsigned id;
    uint64_t iters;
};

static void *explore_worker_main(void *arg)
{
    const struct explore_worker *w = arg;
    w->v->work(w->state, w->id, w->iters);
    return NULL;
}

/* The variant the arguments name, checked as lab_run_trial() would. */
static const struct lab_variant *explore_variant(const struct lab *lab,
                                                 const struct lab_config *c)
{
    if (c->nvariants != 1)
        explore_refuse(lab, "give one --variant (the explorer runs one variant)");
    const struct lab_variant *v = c->variants[0];
    const char *why;
    if (c->model != LAB_THREADS)
        explore_refuse(lab, "the explorer runs the threads model only, not %s",
                       lab_model_name(c->model));
    if (v->unavailable != NULL)
        explore_refuse(lab, "variant '%s' is unavailable: %s", v->name, v->unavailable);
    if (!lab_variant_runs(v, LAB_THREADS, &why))
        explore_refuse(lab, "variant '%s' does not run as threads: %s", v->name, why);
    if (!lab_variant_takes_workers(v, c->workers, &why))
        explore_refuse(lab, "variant '%s' takes at most %u workers: %s", v->name,
                       v->max_workers, why);
    if (lab->roles && !lab_variant_takes(v, c->producers, c->consumers, &why))
        explore_refuse(lab, "variant '%s' takes no %u x %u: %s", v->name, c->producers,
                       c->consumers, why);
    if (c->workers > 60)
        explore_refuse(lab, "at most 60 workers (the explorer runs up to 64 threads)");
    return v;
}

/* The trial's outcome as the lab's invariant sees it; the line printed on
 * a broken one is the run's last line, which the verdict quotes. */
static int explore_judge(const struct lab *lab, const struct lab_variant *v,
                         const struct lab_config *c, void *st)
{
    struct lab_trial t;
    memset(&t, 0, sizeof t);
    t.outcome = LAB_OK;
    t.observed = v->observe(st, c->workers);
    t.expected = lab->expected(lab->roles ? c->producers : c->workers, c->iters);
    if (v->items) {
        t.has_items = true;
        v->items(st, &t.items);
    }
    if (v->fields) {
        t.has_fields = true;
        v->fields(st, c->workers, t.fields);
    }
    if (!lab__trial_wrong(lab, LAB_THREADS, &t))
        return 0;
    const char *sep = "";
    if (t.observed != t.expected) {
        printf("final %llu, expected %llu", (unsigned long long)t.observed,
               (unsigned long long)t.expected);
        sep = "; ";
    }
    if (t.has_items && lab__items_wrong(&t.items)) {
        printf("%s%s", sep, t.items.note[0] ? t.items.note : "items lost or duplicated");
        sep = "; ";
    }
    size_t nf;
    const struct lab_field *f = lab__fields(lab, LAB_THREADS, &nf);
    for (size_t i = 0; t.has_fields && i < nf; i++)
        if (f[i].bad && t.fields[i] != 0) {
            printf("%s%s %lld", sep, f[i].name, (long long)t.fields[i]);
            sep = "; ";
        }
    printf("\n");
    return 1;
}

/* The smallest sizes that still show a lab's lesson, by default (every
 * schedule is a run): at most 3 workers; a lab with roles gets one producer
 * and two consumers (two consumers race for one item), and --workers N
 * there means one producer and N - 1 consumers. */
static char **explore_args(const struct lab *lab, int *argc, char **argv)
{
    static char *av[256];
    static char p[] = "--producers", q[] = "--consumers", w[] = "--workers", one[] = "1",
                two[] = "2", three[] = "3", rest[24];
    if (*argc + 5 > (int)(sizeof av / sizeof av[0]))
        explore_refuse(lab, "too many arguments");
    bool roles_given = false, workers_given = false;
    int n = 1;
    for (int i = 1; i < *argc; i++) {
        roles_given |= strncmp(argv[i], p, strlen(p)) == 0 || strncmp(argv[i], q, strlen(q)) == 0;
        workers_given |= strcmp(argv[i], w) == 0;
        if (lab->roles && strcmp(argv[i], w) == 0 && i + 1 < *argc) {
            unsigned long k = strtoul(argv[++i], NULL, 10);
            if (k < 2 || k > 60)
                explore_refuse(lab, "--workers: lab-%s has producers and consumers: from 2 "
                               "(one producer, N - 1 consumers) to 60, not '%s'", lab->name,
                               argv[i]);
            snprintf(rest, sizeof rest, "%lu", k - 1);
            av[n++] = p, av[n++] = one, av[n++] = q, av[n++] = rest;
            continue;
        }
        av[n++] = argv[i];
    }
    if (lab->roles && !roles_given && !workers_given)
        av[n++] = p, av[n++] = one, av[n++] = q, av[n++] = two;
    if (!lab->roles && !workers_given && lab->default_workers > 3)
        av[n++] = w, av[n++] = three;
    av[0] = argv[0];
    av[n] = NULL;
    *argc = n;
    return av;
}

int lab_explore_main(const struct lab *lab, int argc, char **argv);
int lab_explore_main(const struct lab *lab, int argc, char **argv)
{
    struct lab_config c;
    char err[400];
    xrt_futex_timeouts = false;   /* see __wrap_pthread_cond_timedwait */
    argv = explore_args(lab, &argc, argv);
    int rc = lab_parse_args(lab, argc, argv, &c, err, sizeof err);
    if (rc == LAB_ARGS_HELP)
        return 0;
    if (rc != LAB_ARGS_OK)
        explore_refuse(lab, "%s", err);
    const struct lab_variant *v = explore_variant(lab, &c);
    struct lab_env env = { .model = LAB_THREADS, .workers = c.workers,
                           .producers = lab->roles ? c.producers : 0,
                           .consumers = lab->roles ? c.consumers : 0, .iters = c.iters,
                           .mo = &c.mo };
    snprintf(env.ipc_name, sizeof env.ipc_name, "/racelab-%s-explore", lab->name);
    size_t size = v->state_bytes ? v->state_bytes(&env) : v->state_size;
    void *st = size <= EXPLORE_STATE_MAX ? state : calloc(1, size);
    if (st == NULL)
        explore_refuse(lab, "no memory for the variant's %zu bytes of state", size);
    /* Setup, observation and fields run on the main thread alone: no
     * points (they would only fill the step table), so the runtime looks
     * away meanwhile (its blocks allocated then go unnamed). */
    xrt_active = false;
    rc = v->setup ? v->setup(st, &env) : 0;
    lab_explore_views(v, st);
    xrt_active = true;
    if (rc != 0)
        explore_refuse(lab, "setting up variant '%s' failed: %s", v->name, strerror(rc));
    static struct explore_worker w[64];
    static pthread_t tid[64];
    for (unsigned i = 0; i < c.workers; i++) {
        w[i] = (struct explore_worker){ .v = v, .state = st, .id = i, .iters = c.iters };
        if (pthread_create(&tid[i], NULL, explore_worker_main, &w[i]) != 0)
            explore_refuse(lab, "cannot start worker %u", i);
    }
    for (unsigned i = 0; i < c.workers; i++)
        pthread_join(tid[i], NULL);
    xrt_active = false;
    rc = explore_judge(lab, v, &c, st);
    if (v->teardown)
        v->teardown(st);
    return rc;
}
