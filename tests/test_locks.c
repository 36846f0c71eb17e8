/* tests/test_locks.c - every lock through the one validator (lock_validate.h),
 * trylock semantics for each, the process-shared flavours across fork(), and
 * the futex mutex's timed and debug paths.
 *
 * Thread counts 2, 4 and 8: on the 2-core reference machine 8 threads are
 * oversubscribed on purpose. A FIFO spin lock that keeps spinning while the
 * next owner is preempted needs minutes there (Concurrency Kit's ticket and
 * MCS locks did not finish); ours must finish in seconds. Sanitizer builds
 * run fewer iterations: the checks are the same, each is just slower. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sync/barrier.h"
#include "sync/futex.h"
#include "sync/mcs.h"
#include "sync/mutex.h"
#include "sync/sem.h"
#include "sync/tas.h"
#include "sync/ticket.h"
#include "sync/ttas.h"

#include "lock_validate.h"
#include "test_main.h"

static bool test_sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0;
}

/* Critical sections per thread: 8 threads x 100000 is the oversubscription
 * target; sanitizers slow every access, so they get a quarter. */
static unsigned test_iters(void)
{
    return test_sanitized() ? 25000u : 100000u;
}

static void test_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void *test_alloc(size_t size)
{
    void *p = NULL;
    if (posix_memalign(&p, SYNC_CACHELINE, size) != 0)
        abort();
    memset(p, 0, size);
    return p;
}

/* ---- lock descriptions ------------------------------------------------- */

#define TEST_SPIN_OPS(t)                                                              \
    static void *test_##t##_create(void)                                              \
    {                                                                                 \
        sync_##t##_t *l = test_alloc(sizeof *l);                                      \
        if (sync_##t##_init(l) != 0)                                                  \
            abort();                                                                  \
        return l;                                                                     \
    }                                                                                 \
    static bool test_##t##_trylock(void *l, lv_node *n)                               \
    {                                                                                 \
        (void)n;                                                                      \
        return sync_##t##_trylock(l);                                                 \
    }                                                                                 \
    static void test_##t##_lock(void *l, lv_node *n)                                  \
    {                                                                                 \
        (void)n;                                                                      \
        sync_##t##_lock(l);                                                           \
    }                                                                                 \
    static void test_##t##_unlock(void *l, lv_node *n)                                \
    {                                                                                 \
        (void)n;                                                                      \
        sync_##t##_unlock(l);                                                         \
    }                                                                                 \
    static const struct lv_lock test_##t##_ops = {                                    \
        #t, test_##t##_create, free, test_##t##_trylock, test_##t##_lock,             \
        test_##t##_unlock                                                             \
    };

TEST_SPIN_OPS(tas)
TEST_SPIN_OPS(ttas)
TEST_SPIN_OPS(ticket)

static void *test_mcs_create(void)
{
    sync_mcs_t *l = test_alloc(sizeof *l);
    if (sync_mcs_init(l) != 0)
        abort();
    return l;
}
static bool test_mcs_trylock(void *l, lv_node *n) { return sync_mcs_trylock(l, &n->mcs); }
static void test_mcs_lock(void *l, lv_node *n) { sync_mcs_lock(l, &n->mcs); }
static void test_mcs_unlock(void *l, lv_node *n) { sync_mcs_unlock(l, &n->mcs); }
static const struct lv_lock test_mcs_ops = {
    "mcs", test_mcs_create, free, test_mcs_trylock, test_mcs_lock, test_mcs_unlock
};

static void *test_mutex_create(void)
{
    sync_mutex_t *m = test_alloc(sizeof *m);
    if (sync_mutex_init(m, 0) != 0)
        abort();
    return m;
}
/* The process-shared flavour lives where it would in the procs model: in a
 * MAP_SHARED mapping (the futex is then keyed by page, not by address). */
static void *test_mutex_pshared_create(void)
{
    sync_mutex_t *m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || sync_mutex_init(m, SYNC_PSHARED) != 0)
        abort();
    return m;
}
static void test_mutex_pshared_destroy(void *m) { munmap(m, sizeof(sync_mutex_t)); }
static bool test_mutex_trylock(void *l, lv_node *n) { (void)n; return sync_mutex_trylock(l); }
static void test_mutex_lock(void *l, lv_node *n) { (void)n; sync_mutex_lock(l); }
static void test_mutex_unlock(void *l, lv_node *n) { (void)n; sync_mutex_unlock(l); }
static const struct lv_lock test_mutex_ops = {
    "mutex", test_mutex_create, free, test_mutex_trylock, test_mutex_lock, test_mutex_unlock
};
static const struct lv_lock test_mutex_pshared_ops = {
    "mutex-pshared", test_mutex_pshared_create, test_mutex_pshared_destroy,
    test_mutex_trylock, test_mutex_lock, test_mutex_unlock
};

/* A semaphore of 1 is a lock: wait = lock, post = unlock. */
static void *test_sem_create(void)
{
    sync_sem_t *s = test_alloc(sizeof *s);
    if (sync_sem_init(s, 1, 0) != 0)
        abort();
    return s;
}
static bool test_sem_trylock(void *l, lv_node *n) { (void)n; return sync_sem_trywait(l); }
static void test_sem_lock(void *l, lv_node *n) { (void)n; sync_sem_wait(l); }
static void test_sem_unlock(void *l, lv_node *n)
{
    (void)n;
    if (sync_sem_post(l) != 0)
        abort();
}
static const struct lv_lock test_sem_ops = {
    "sem", test_sem_create, free, test_sem_trylock, test_sem_lock, test_sem_unlock
};

/* A semaphore of 2 is NOT a lock: the validator must catch it. */
static void *test_sem2_create(void)
{
    sync_sem_t *s = test_alloc(sizeof *s);
    if (sync_sem_init(s, 2, 0) != 0)
        abort();
    return s;
}
static const struct lv_lock test_sem2_ops = {
    "sem(2), broken", test_sem2_create, free, test_sem_trylock, test_sem_lock, test_sem_unlock
};

/* The control: if glibc's mutex failed here, the validator would be wrong. */
static void *test_pthread_create(void)
{
    pthread_mutex_t *m = test_alloc(sizeof *m);
    if (pthread_mutex_init(m, NULL) != 0)
        abort();
    return m;
}
static void test_pthread_destroy(void *m)
{
    pthread_mutex_destroy(m);
    free(m);
}
static bool test_pthread_trylock(void *l, lv_node *n)
{
    (void)n;
    return pthread_mutex_trylock(l) == 0;
}
static void test_pthread_lock(void *l, lv_node *n)
{
    (void)n;
    if (pthread_mutex_lock(l) != 0)
        abort();
}
static void test_pthread_unlock(void *l, lv_node *n) { (void)n; pthread_mutex_unlock(l); }
static const struct lv_lock test_pthread_ops = {
    "pthread_mutex", test_pthread_create, test_pthread_destroy, test_pthread_trylock,
    test_pthread_lock, test_pthread_unlock
};

/* ---- the validator over every lock ------------------------------------- */

static void test_validate(const struct lv_lock *ops)
{
    static const unsigned counts[] = { 2, 4, 8 };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        struct lv_result r = lv_run(ops, counts[i], test_iters());
        CU_ASSERT_EQUAL(r.violations, 0);
        CU_ASSERT_EQUAL(r.counter, r.expected);
    }
    CU_ASSERT_EQUAL(lv_check_trylock(ops), 0);
}

static void test_locks_tas(void) { test_validate(&test_tas_ops); }
static void test_locks_ttas(void) { test_validate(&test_ttas_ops); }
static void test_locks_ticket(void) { test_validate(&test_ticket_ops); }
static void test_locks_mcs(void) { test_validate(&test_mcs_ops); }
static void test_locks_mutex(void) { test_validate(&test_mutex_ops); }
static void test_locks_mutex_pshared(void) { test_validate(&test_mutex_pshared_ops); }
static void test_locks_sem_binary(void) { test_validate(&test_sem_ops); }
static void test_locks_pthread_control(void) { test_validate(&test_pthread_ops); }

/* The validator itself must be able to fail: two threads inside the section
 * at once (a semaphore of 2) are caught. Overlap needs both threads running
 * at the same time, which a loaded machine may deny for a whole attempt, so a
 * few attempts are allowed; on an idle machine every attempt catches it. */
static void test_locks_validator_catches_broken_lock(void)
{
    if (strcmp(RACELAB_SANITIZER_NAME, "thread") == 0) {
        test_skip("the broken lock races by design; ThreadSanitizer would (rightly) report it");
        return;
    }
    bool caught = false;
    for (int attempt = 0; attempt < 10 && !caught; attempt++) {
        struct lv_result r = lv_run(&test_sem2_ops, 2, 200000);
        caught = r.violations != 0 || r.counter != r.expected;
    }
    CU_ASSERT_TRUE(caught);
}

/* ---- across processes (SYNC_PSHARED) ------------------------------------ */

/* The procs model's setting: lock and counter in a MAP_SHARED mapping,
 * workers in fork()ed processes. ThreadSanitizer cannot see across processes;
 * what is checked here is the counter, and that the wake-ups cross processes:
 * every 1024th critical section sleeps 200 us, long enough for the others to
 * go to sleep in the kernel, and a futex keyed privately (per process) would
 * leave them asleep for ever. The parent only watches, with a deadline. */
struct test_procs_shared {
    sync_mutex_t mutex;
    sync_sem_t sem;
    sync_barrier_t start;
    uint64_t counter; /* plain: protected by the lock under test */
};

static void test_procs_worker(struct test_procs_shared *sh, bool use_sem, unsigned iters)
{
    sync_barrier_wait(&sh->start);
    for (unsigned i = 0; i < iters; i++) {
        if (use_sem)
            sync_sem_wait(&sh->sem);
        else
            sync_mutex_lock(&sh->mutex);
        sh->counter++;
        if (i % 1024 == 0) {
            struct timespec ts = { 0, 200000 };
            nanosleep(&ts, NULL);
        }
        if (use_sem)
            sync_sem_post(&sh->sem);
        else
            sync_mutex_unlock(&sh->mutex);
    }
}

static void test_procs_run(bool use_sem)
{
    enum { PROCS = 4 };
    const unsigned iters = test_iters();
    struct test_procs_shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(sh != MAP_FAILED);
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&sh->mutex, SYNC_PSHARED), 0);
    CU_ASSERT_EQUAL_FATAL(sync_sem_init(&sh->sem, 1, SYNC_PSHARED), 0);
    CU_ASSERT_EQUAL_FATAL(sync_barrier_init(&sh->start, PROCS, 1u << 16, SYNC_PSHARED), 0);
    sh->counter = 0;

    pid_t pid[PROCS];
    unsigned forked = 0;
    for (; forked < PROCS; forked++) {
        pid[forked] = fork();
        if (pid[forked] < 0)
            break;
        if (pid[forked] == 0) {
            test_procs_worker(sh, use_sem, iters);
            _exit(0);
        }
    }
    /* Reap with a deadline: a lost cross-process wake-up hangs the workers. */
    unsigned clean = 0, reaped = 0;
    for (int ms = 0; reaped < forked && ms < 60000; ms++) {
        for (unsigned i = 0; i < forked; i++) {
            int status = 0;
            if (pid[i] > 0 && waitpid(pid[i], &status, WNOHANG) == pid[i]) {
                reaped++;
                if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                    clean++;
                pid[i] = 0;
            }
        }
        if (reaped < forked)
            test_sleep_ms(1);
    }
    for (unsigned i = 0; i < forked; i++) {
        if (pid[i] > 0) {
            kill(pid[i], SIGKILL);
            waitpid(pid[i], NULL, 0);
        }
    }
    CU_ASSERT_EQUAL(forked, PROCS);
    CU_ASSERT_EQUAL(clean, forked);
    CU_ASSERT_EQUAL(sh->counter, (uint64_t)forked * iters);
    printf("\n    %s, %u processes x %u: counter %llu, %u exited cleanly",
           use_sem ? "sem" : "mutex", forked, iters, (unsigned long long)sh->counter, clean);
    munmap(sh, sizeof *sh);
}

static void test_locks_mutex_processes(void) { test_procs_run(false); }
static void test_locks_sem_processes(void) { test_procs_run(true); }

/* ---- sync_mutex_timedlock ---------------------------------------------- */

struct test_timed_arg {
    sync_mutex_t *m;
    uint64_t timeout_ns;
    int ret;
    struct timespec deadline;
    struct timespec returned;
};

static void *test_timed_thread(void *arg)
{
    struct test_timed_arg *a = arg;
    sync_deadline_after_ns(&a->deadline, a->timeout_ns);
    a->ret = sync_mutex_timedlock(a->m, &a->deadline);
    clock_gettime(CLOCK_MONOTONIC, &a->returned);
    if (a->ret == 0)
        sync_mutex_unlock(a->m);
    return NULL;
}

static bool test_ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void test_locks_mutex_timedlock(void)
{
    sync_mutex_t m = SYNC_MUTEX_INIT;
    pthread_t t;

    /* Held by main: another thread times out, and not before its deadline. */
    sync_mutex_lock(&m);
    struct test_timed_arg a = { &m, 50 * 1000000ull, -1, { 0, 0 }, { 0, 0 } };
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, test_timed_thread, &a), 0);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(a.ret, ETIMEDOUT);
    CU_ASSERT_FALSE(test_ts_before(&a.returned, &a.deadline));

    /* Released while the other thread sleeps in timedlock: it gets the lock
     * well before its 30 s deadline (the wait below proves it went to sleep). */
    struct test_timed_arg b = { &m, 30ull * 1000000000ull, -1, { 0, 0 }, { 0, 0 } };
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, test_timed_thread, &b), 0);
    for (int i = 0; i < 10000 && sync_load_u32(&m.waiters, SYNC_SEQ_CST) == 0; i++)
        test_sleep_ms(1);
    CU_ASSERT_EQUAL(sync_load_u32(&m.waiters, SYNC_SEQ_CST), 1);
    sync_mutex_unlock(&m);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(b.ret, 0);
    CU_ASSERT_TRUE(test_ts_before(&b.returned, &b.deadline));

    /* Free: timedlock succeeds at once, even with a deadline in the past. */
    struct timespec past = { 0, 0 };
    CU_ASSERT_EQUAL(sync_mutex_timedlock(&m, &past), 0);
    sync_mutex_unlock(&m);
    CU_ASSERT_EQUAL(sync_load_u32(&m.state, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&m.waiters, SYNC_RELAXED), 0);
}

static void test_locks_mutex_init_flags(void)
{
    sync_mutex_t m;
    CU_ASSERT_EQUAL(sync_mutex_init(&m, 0), 0);
    CU_ASSERT_EQUAL(sync_mutex_init(&m, SYNC_PSHARED), 0);
    CU_ASSERT_EQUAL(sync_mutex_init(&m, 0x80), EINVAL);
}

/* ---- debug builds: misuse aborts --------------------------------------- */

#ifndef NDEBUG

static void *test_unlock_thread(void *arg)
{
    sync_mutex_unlock(arg);
    return NULL;
}

static void test_child_unlock_by_other_thread(void)
{
    static sync_mutex_t m = SYNC_MUTEX_INIT;
    pthread_t t;
    sync_mutex_lock(&m);
    if (pthread_create(&t, NULL, test_unlock_thread, &m) != 0)
        _exit(4);
    pthread_join(t, NULL);
}

static void test_child_unlock_unlocked(void)
{
    static sync_mutex_t m = SYNC_MUTEX_INIT;
    sync_mutex_unlock(&m);
}

static void test_child_relock(void)
{
    static sync_mutex_t m = SYNC_MUTEX_INIT;
    sync_mutex_lock(&m);
    sync_mutex_lock(&m);
}

#endif /* !NDEBUG */

static void test_locks_mutex_debug_owner(void)
{
#ifdef NDEBUG
    test_skip("owner checks exist only in debug builds (NDEBUG is defined)");
#else
    CU_ASSERT_TRUE(test_child_dies_of(SIGABRT, test_child_unlock_by_other_thread));
    CU_ASSERT_TRUE(test_child_dies_of(SIGABRT, test_child_unlock_unlocked));
    CU_ASSERT_TRUE(test_child_dies_of(SIGABRT, test_child_relock));
#endif
}

static const struct test_case tests[] = {
    { "tas", test_locks_tas },
    { "ttas", test_locks_ttas },
    { "ticket", test_locks_ticket },
    { "mcs", test_locks_mcs },
    { "mutex", test_locks_mutex },
    { "mutex_pshared", test_locks_mutex_pshared },
    { "sem_binary", test_locks_sem_binary },
    { "pthread_control", test_locks_pthread_control },
    { "mutex_processes", test_locks_mutex_processes },
    { "sem_processes", test_locks_sem_processes },
    { "validator_catches_broken_lock", test_locks_validator_catches_broken_lock },
    { "mutex_timedlock", test_locks_mutex_timedlock },
    { "mutex_init_flags", test_locks_mutex_init_flags },
    { "mutex_debug_owner", test_locks_mutex_debug_owner },
    { NULL, NULL }
};
TEST_MAIN("locks", tests)
