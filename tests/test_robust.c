/* tests/test_robust.c - the robust mode of the futex mutex (SYNC_ROBUST):
 * holders that die (a SIGKILLed process, a thread that exits), EOWNERDEAD to
 * exactly one survivor per death, consistent(), ENOTRECOVERABLE, and the
 * robust mutex as a plain mutex when nobody dies (the generic validator).
 * After glibc's tst-robust* tests.
 *
 * The protected state is a pair that a death can leave half-updated: every
 * critical section does |counter|++ then |done|++, so a consistent mutex
 * guards counter == done. A dying holder has done the first step only; the
 * survivor that gets EOWNERDEAD finds counter == done + 1, rolls the half
 * update back, and calls consistent. The final counter is then exactly the
 * number of critical sections that completed.
 *
 * Nothing here may hang: every child calls alarm(), the parent reaps with a
 * deadline and kills what is left, and threads lock with a 60 s deadline.
 * The only timing assertion is "not early"; the detection latency (owner
 * killed -> EOWNERDEAD) is printed, not asserted. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sync/futex.h"
#include "sync/mutex.h"
#include "util/time.h"

#include "../labs/common/desc/lock_rfutex.h"
#include "lock_validate.h"
#include "test_main.h"

/* Long enough never to fire on a working mutex, short enough to end a hang
 * well inside the CTest timeout. */
#define TEST_CHILD_ALARM_S 30u
#define TEST_REAP_MS 40000
#define TEST_LOCK_DEADLINE_NS (60ull * 1000000000ull)

static bool test_sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0;
}

static void test_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}


static bool test_ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static uint32_t test_gettid(void)
{
    return (uint32_t)syscall(SYS_gettid);
}

/* Polls |a| every millisecond for up to |ms| until it is at least |min|.
 * Acquire: pairs with the release store (or RMW) that publishes the value. */
static bool test_wait_u32(const sync_atomic_u32 *a, uint32_t min, int ms)
{
    for (int i = 0; i < ms && sync_load_u32(a, SYNC_ACQUIRE) < min; i++)
        test_sleep_ms(1);
    return sync_load_u32(a, SYNC_ACQUIRE) >= min;
}

/* A robust lock that cannot hang the test: 60 s, then ETIMEDOUT. */
static int test_lock(sync_mutex_t *m)
{
    struct timespec deadline;
    sync_deadline_after_ns(&deadline, TEST_LOCK_DEADLINE_NS);
    return sync_mutex_timedlock_robust(m, &deadline);
}

static void *test_map(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        abort();
    return p;
}

/* ---- the state a death can tear ---------------------------------------- */

struct test_state {
    sync_mutex_t m;
    uint64_t counter; /* plain: protected by m */
    uint64_t done;    /* plain: protected by m; == counter when consistent */
};

/* Counts what one locker saw. Written only by its owner; read by the parent
 * after the owner exited (processes) or was joined (threads). */
struct test_tally {
    uint32_t ok;         /* locks that returned 0 and found counter == done */
    uint32_t owner_dead; /* EOWNERDEAD, repaired and made consistent */
    uint32_t bad;        /* any other return value, or a torn state where none may be */
    uint32_t completed;  /* critical sections completed (counter and done stepped) */
};

/* After EOWNERDEAD: the dead holder stepped |counter| only. Roll it back. */
static void test_repair(struct test_state *s, struct test_tally *t)
{
    if (s->counter == s->done + 1)
        s->counter = s->done;
    else
        t->bad++;
    if (sync_mutex_consistent(&s->m) != 0)
        t->bad++;
    t->owner_dead++;
}

/* One critical section with the robust protocol. Returns false if the lock
 * was not taken. */
static bool test_locked_increment(struct test_state *s, struct test_tally *t)
{
    int r = test_lock(&s->m);
    if (r == EOWNERDEAD) {
        test_repair(s, t);
    } else if (r == 0) {
        if (s->counter != s->done)
            t->bad++;
        t->ok++;
    } else {
        t->bad++;
        return false;
    }
    s->counter++;
    s->done++;
    t->completed++;
    sync_mutex_unlock(&s->m);
    return true;
}

/* ---- processes --------------------------------------------------------- */

/* Reaps |pid| within TEST_REAP_MS, killing it after that. Returns its wait
 * status, or -1 if it had to be killed or could not be reaped. */
static int test_reap(pid_t pid)
{
    for (int ms = 0; ms < TEST_REAP_MS; ms++) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0)
            return -1;
        test_sleep_ms(1);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* Waits until |pid| has exited but leaves it a zombie (WNOWAIT): kill(pid, 0)
 * still succeeds on it, which the mutex must see through. */
static bool test_wait_zombie(pid_t pid)
{
    for (int ms = 0; ms < TEST_REAP_MS; ms++) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT | WNOHANG) != 0)
            return false;
        if (info.si_pid == pid)
            return true;
        test_sleep_ms(1);
    }
    return false;
}

static bool test_killed(int status)
{
    return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

static bool test_exited_0(int status)
{
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

enum { TEST_ROUNDS = 5, TEST_SURVIVORS = 2, TEST_SURVIVOR_ITERS = 200 };

struct test_procs {
    struct test_state s;
    sync_atomic_u32 held;               /* the doomed child holds the lock */
    struct test_tally killer[TEST_ROUNDS];
    struct test_tally survivor[TEST_ROUNDS][TEST_SURVIVORS];
    uint64_t returned_ns[TEST_SURVIVORS]; /* when each waiter's lock returned */
};

/* Locks, steps half the update, and SIGKILLs itself holding the lock. With
 * |wait_for_sleepers|, first waits (up to 5 s) until that many threads sleep
 * in the slow path, so the death is found by a waiter already asleep. */
static void test_doomed_child(struct test_procs *p, struct test_tally *t,
                              uint32_t wait_for_sleepers)
{
    int r = test_lock(&p->s.m);
    if (r == EOWNERDEAD)
        test_repair(&p->s, t);
    else if (r != 0)
        _exit(2);
    else
        t->ok++;
    p->s.counter++; /* ... and never p->s.done++ */
    /* Release: pairs with the parent's acquire load; it starts the others. */
    sync_store_u32(&p->held, 1, SYNC_RELEASE);
    for (int ms = 0; ms < 5000 && wait_for_sleepers != 0 &&
                     sync_load_u32(&p->s.m.waiters, SYNC_RELAXED) < wait_for_sleepers;
         ms++)
        test_sleep_ms(1);
    if (wait_for_sleepers != 0)
        test_sleep_ms(20); /* from "counted" to really asleep in the kernel */
    kill(getpid(), SIGKILL);
    _exit(3); /* not reached */
}

static void test_survivor_child(struct test_procs *p, struct test_tally *t, unsigned iters)
{
    for (unsigned i = 0; i < iters; i++)
        if (!test_locked_increment(&p->s, t))
            _exit(4);
    _exit(0);
}

static pid_t test_fork_doomed(struct test_procs *p, unsigned round, uint32_t sleepers)
{
    pid_t pid = fork();
    if (pid == 0) {
        alarm(TEST_CHILD_ALARM_S);
        test_doomed_child(p, &p->killer[round], sleepers);
    }
    return pid;
}

static pid_t test_fork_survivor(struct test_procs *p, unsigned round, unsigned i,
                                unsigned iters)
{
    pid_t pid = fork();
    if (pid == 0) {
        alarm(TEST_CHILD_ALARM_S);
        test_survivor_child(p, &p->survivor[round][i], iters);
    }
    return pid;
}

/* Five rounds. In each, a child locks, steps half the update and SIGKILLs
 * itself; two survivor children lock and unlock 200 times each meanwhile
 * (one of them is usually already waiting), and the parent locks once too.
 * Even rounds: the parent locks while the dead child is still a zombie (not
 * reaped), odd rounds after reaping it. Rounds 1 and 3: the doomed child
 * dies only once both survivors sleep on the futex. Exactly one locker per
 * round gets EOWNERDEAD; every other lock returns 0 and finds the state
 * whole. */
static void test_robust_processes_owner_killed(void)
{
    struct test_procs *p = test_map(sizeof *p);
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&p->s.m, SYNC_PSHARED | SYNC_ROBUST), 0);
    struct test_tally parent = { 0, 0, 0, 0 };
    uint32_t expected_completed = 0;
    unsigned parent_dead_before = 0;

    for (unsigned round = 0; round < TEST_ROUNDS; round++) {
        bool zombie = round % 2 == 0;
        uint32_t sleepers = (round == 1 || round == 3) ? TEST_SURVIVORS : 0;
        sync_store_u32(&p->held, 0, SYNC_RELAXED);
        pid_t doomed = test_fork_doomed(p, round, sleepers);
        CU_ASSERT_FATAL(doomed > 0);
        CU_ASSERT(test_wait_u32(&p->held, 1, 10000));

        pid_t surv[TEST_SURVIVORS];
        for (unsigned i = 0; i < TEST_SURVIVORS; i++) {
            surv[i] = test_fork_survivor(p, round, i, TEST_SURVIVOR_ITERS);
            CU_ASSERT_FATAL(surv[i] > 0);
        }

        int doomed_status = -1;
        if (zombie) {
            CU_ASSERT(test_wait_zombie(doomed));
        } else {
            doomed_status = test_reap(doomed);
        }
        CU_ASSERT(test_locked_increment(&p->s, &parent));
        if (zombie)
            doomed_status = test_reap(doomed);
        CU_ASSERT(test_killed(doomed_status));

        for (unsigned i = 0; i < TEST_SURVIVORS; i++)
            CU_ASSERT(test_exited_0(test_reap(surv[i])));

        /* This round's tallies: one EOWNERDEAD, no bad lock. */
        unsigned by_parent = parent.owner_dead - parent_dead_before;
        parent_dead_before = parent.owner_dead;
        unsigned dead = by_parent;
        CU_ASSERT_EQUAL(p->killer[round].bad, 0);
        CU_ASSERT_EQUAL(p->killer[round].ok, 1);
        CU_ASSERT_EQUAL(p->killer[round].owner_dead, 0);
        dead += p->killer[round].owner_dead;
        for (unsigned i = 0; i < TEST_SURVIVORS; i++) {
            const struct test_tally *t = &p->survivor[round][i];
            CU_ASSERT_EQUAL(t->bad, 0);
            CU_ASSERT_EQUAL(t->completed, TEST_SURVIVOR_ITERS);
            dead += t->owner_dead;
            expected_completed += t->completed;
        }
        CU_ASSERT_EQUAL(dead, 1);
        expected_completed += 1; /* the parent's */
        printf("\n    round %u (holder %s, %s): EOWNERDEAD to %s", round,
               zombie ? "a zombie" : "reaped",
               sleepers ? "survivors asleep at the kill" : "survivors arriving",
               dead == 0 ? "nobody" : by_parent ? "the parent" : "a survivor");
    }
    CU_ASSERT_EQUAL(parent.bad, 0);
    CU_ASSERT_EQUAL(parent.completed, TEST_ROUNDS);
    /* Every half update was rolled back; every whole one counted. */
    CU_ASSERT_EQUAL(p->s.counter, p->s.done);
    CU_ASSERT_EQUAL(p->s.counter, expected_completed);
    printf("\n    counter %llu, completed %u", (unsigned long long)p->s.counter,
           expected_completed);
    /* And it is a working mutex again. */
    CU_ASSERT_EQUAL(sync_mutex_lock_robust(&p->s.m), 0);
    sync_mutex_unlock(&p->s.m);
    munmap(p, sizeof *p);
}

/* A child holds the lock and waits; two children block on it and go to sleep
 * on the futex; then the parent SIGKILLs the holder. Exactly one sleeper
 * gets EOWNERDEAD, the other then 0. Five times, the holder alternately
 * reaped at once and left a zombie, and the kill placed at a different point
 * of the sleepers' poll period each time (a fixed delay would always hit the
 * same phase). The time from kill() to EOWNERDEAD is printed: at most one
 * poll period plus a wake-up, half a period on average. */
static void test_sleeper_child(struct test_procs *p, struct test_tally *t, unsigned i)
{
    bool ok = test_locked_increment(&p->s, t);
    p->returned_ns[i] = util_now_ns();
    _exit(ok ? 0 : 4);
}

static int test_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_robust_processes_sleeping_waiters(void)
{
    enum { ROUNDS = 5 };
    struct test_procs *p = test_map(sizeof *p);
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&p->s.m, SYNC_PSHARED | SYNC_ROBUST), 0);
    uint64_t latency[ROUNDS] = { 0 };
    _Static_assert((int)ROUNDS <= (int)TEST_ROUNDS, "survivor tallies are per round");

    for (unsigned round = 0; round < ROUNDS; round++) {
        bool zombie = round % 2 == 1;
        sync_store_u32(&p->held, 0, SYNC_RELAXED);
        pid_t holder = fork();
        CU_ASSERT_FATAL(holder >= 0);
        if (holder == 0) {
            alarm(TEST_CHILD_ALARM_S);
            if (test_lock(&p->s.m) != 0)
                _exit(2);
            p->s.counter++; /* half an update, as in the other test */
            /* Release: pairs with the parent's acquire load. */
            sync_store_u32(&p->held, 1, SYNC_RELEASE);
            for (;;)
                pause(); /* until SIGKILL (or the alarm) */
        }
        CU_ASSERT(test_wait_u32(&p->held, 1, 10000));
        pid_t w[TEST_SURVIVORS];
        for (unsigned i = 0; i < TEST_SURVIVORS; i++) {
            p->returned_ns[i] = 0;
            w[i] = fork();
            CU_ASSERT_FATAL(w[i] >= 0);
            if (w[i] == 0) {
                alarm(TEST_CHILD_ALARM_S);
                test_sleeper_child(p, &p->survivor[round][i], i);
            }
        }
        /* Both counted as sleepers and the word marked; 20 ms more lets them
         * reach the futex wait, and round/ROUNDS of a period sets the phase. */
        CU_ASSERT(test_wait_u32(&p->s.m.waiters, TEST_SURVIVORS, 10000));
        CU_ASSERT(sync_load_u32(&p->s.m.state, SYNC_RELAXED) & FUTEX_WAITERS);
        test_sleep_ms(20);
        struct timespec phase = { 0, (long)(SYNC_MUTEX_ROBUST_POLL_NS / ROUNDS * round) };
        nanosleep(&phase, NULL);
        uint64_t killed_at = util_now_ns();
        kill(holder, SIGKILL);
        int holder_status = -1;
        if (zombie) {
            CU_ASSERT(test_wait_zombie(holder));
        } else {
            holder_status = test_reap(holder);
            CU_ASSERT(test_killed(holder_status));
        }
        unsigned dead = 0, ok = 0;
        for (unsigned i = 0; i < TEST_SURVIVORS; i++) {
            CU_ASSERT(test_exited_0(test_reap(w[i])));
            const struct test_tally *t = &p->survivor[round][i];
            CU_ASSERT_EQUAL(t->bad, 0);
            dead += t->owner_dead;
            ok += t->ok;
            if (t->owner_dead) {
                /* Not early: found dead only after it was killed. */
                CU_ASSERT(p->returned_ns[i] >= killed_at);
                latency[round] = p->returned_ns[i] - killed_at;
            }
        }
        if (zombie) {
            holder_status = test_reap(holder);
            CU_ASSERT(test_killed(holder_status));
        }
        CU_ASSERT_EQUAL(dead, 1);
        CU_ASSERT_EQUAL(ok, TEST_SURVIVORS - 1);
        printf("\n    round %u (holder %s): kill -> EOWNERDEAD %.2f ms", round,
               zombie ? "a zombie" : "reaped", (double)latency[round] / 1e6);
    }
    CU_ASSERT_EQUAL(p->s.counter, p->s.done);
    CU_ASSERT_EQUAL(p->s.counter, (uint64_t)ROUNDS * TEST_SURVIVORS);
    qsort(latency, ROUNDS, sizeof latency[0], test_cmp_u64);
    printf("\n    median kill -> EOWNERDEAD: %.2f ms (poll period %.1f ms)",
           (double)latency[ROUNDS / 2] / 1e6, SYNC_MUTEX_ROBUST_POLL_NS / 1e6);
    munmap(p, sizeof *p);
}

/* ---- threads ----------------------------------------------------------- */

struct test_thread_arg {
    struct test_state *s;
    sync_atomic_u32 held; /* the dying thread holds the lock */
    sync_atomic_u32 go;   /* main lets it exit */
    bool write_half;      /* step counter before exiting */
    int ret;              /* a waiter's lock result */
    struct test_tally tally;
};

/* Locks and exits holding the lock, with pthread_exit() inside the critical
 * section. */
static void *test_dying_thread(void *arg)
{
    struct test_thread_arg *a = arg;
    if (test_lock(&a->s->m) != 0)
        return NULL;
    if (a->write_half)
        a->s->counter++;
    /* Release: pairs with main's acquire load. */
    sync_store_u32(&a->held, 1, SYNC_RELEASE);
    /* Acquire: pairs with main's release store. */
    while (sync_load_u32(&a->go, SYNC_ACQUIRE) == 0)
        test_sleep_ms(1);
    pthread_exit(NULL);
}

static void *test_waiting_thread(void *arg)
{
    struct test_thread_arg *a = arg;
    a->ret = test_lock(&a->s->m);
    if (a->ret == EOWNERDEAD) {
        if (sync_mutex_consistent(&a->s->m) != 0)
            a->tally.bad++;
        a->tally.owner_dead++;
    }
    if (a->ret == 0 || a->ret == EOWNERDEAD)
        sync_mutex_unlock(&a->s->m);
    return NULL;
}

/* Makes |s->m| held by a thread that has exited (and been joined). */
static void test_make_dead_holder(struct test_state *s, bool write_half)
{
    struct test_thread_arg a;
    memset(&a, 0, sizeof a);
    a.s = s;
    a.write_half = write_half;
    sync_store_u32(&a.go, 1, SYNC_RELAXED);
    pthread_t t;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, test_dying_thread, &a), 0);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(sync_load_u32(&a.held, SYNC_RELAXED), 1);
}

static void test_robust_thread_exit(void)
{
    struct test_state s;
    memset(&s, 0, sizeof s);
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&s.m, SYNC_ROBUST), 0);

    /* 1. The thread exits in the critical section, half-way through an
     * update; main locks after joining it. */
    test_make_dead_holder(&s, true);
    struct test_tally t = { 0, 0, 0, 0 };
    CU_ASSERT(test_locked_increment(&s, &t));
    CU_ASSERT_EQUAL(t.owner_dead, 1);
    CU_ASSERT_EQUAL(t.bad, 0);
    CU_ASSERT(test_locked_increment(&s, &t));
    CU_ASSERT_EQUAL(t.owner_dead, 1);
    CU_ASSERT_EQUAL(t.ok, 1);
    CU_ASSERT_EQUAL(s.counter, 2);
    CU_ASSERT_EQUAL(s.done, 2);

    /* 2. A thread is already asleep in lock when the holder exits. The dying
     * thread writes nothing protected: ThreadSanitizer cannot see its death
     * as a synchronisation, and it should not pretend to. */
    struct test_thread_arg dying, waiting;
    memset(&dying, 0, sizeof dying);
    memset(&waiting, 0, sizeof waiting);
    dying.s = waiting.s = &s;
    pthread_t td, tw;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&td, NULL, test_dying_thread, &dying), 0);
    CU_ASSERT(test_wait_u32(&dying.held, 1, 10000));
    CU_ASSERT_EQUAL_FATAL(pthread_create(&tw, NULL, test_waiting_thread, &waiting), 0);
    CU_ASSERT(test_wait_u32(&s.m.waiters, 1, 10000));
    test_sleep_ms(20);
    /* Release: pairs with the dying thread's acquire load. */
    sync_store_u32(&dying.go, 1, SYNC_RELEASE);
    pthread_join(td, NULL);
    pthread_join(tw, NULL);
    CU_ASSERT_EQUAL(waiting.ret, EOWNERDEAD);
    CU_ASSERT_EQUAL(waiting.tally.bad, 0);
    CU_ASSERT_EQUAL(sync_mutex_lock_robust(&s.m), 0);
    sync_mutex_unlock(&s.m);
    CU_ASSERT_EQUAL(sync_load_u32(&s.m.state, SYNC_RELAXED), 0);
}

/* ---- ENOTRECOVERABLE --------------------------------------------------- */

static void test_robust_not_recoverable(void)
{
    struct test_state s;
    memset(&s, 0, sizeof s);
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&s.m, SYNC_ROBUST), 0);
    test_make_dead_holder(&s, false);
    CU_ASSERT_EQUAL(test_lock(&s.m), EOWNERDEAD);
    /* The taker leaves WAITERS set: like state 2, it cannot know whether it
     * was the last sleeper. */
    CU_ASSERT_EQUAL(sync_load_u32(&s.m.state, SYNC_RELAXED) & ~(uint32_t)FUTEX_WAITERS,
                    test_gettid() | FUTEX_OWNER_DIED);

    /* A waiter asleep when the EOWNERDEAD holder gives up must hear it. */
    struct test_thread_arg waiting;
    memset(&waiting, 0, sizeof waiting);
    waiting.s = &s;
    pthread_t tw;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&tw, NULL, test_waiting_thread, &waiting), 0);
    CU_ASSERT(test_wait_u32(&s.m.waiters, 1, 10000));
    test_sleep_ms(20);
    sync_mutex_unlock(&s.m); /* without consistent */
    pthread_join(tw, NULL);
    CU_ASSERT_EQUAL(waiting.ret, ENOTRECOVERABLE);

    /* And every later lock, by anyone, in every form. */
    CU_ASSERT_EQUAL(sync_load_u32(&s.m.state, SYNC_RELAXED), 0x7fffffffu);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(sync_mutex_lock_robust(&s.m), ENOTRECOVERABLE);
    struct timespec past = { 0, 0 };
    CU_ASSERT_EQUAL(sync_mutex_timedlock_robust(&s.m, &past), ENOTRECOVERABLE);
    CU_ASSERT_EQUAL(sync_mutex_timedlock(&s.m, &past), ENOTRECOVERABLE);
    CU_ASSERT_FALSE(sync_mutex_trylock(&s.m));
    CU_ASSERT_EQUAL(sync_mutex_consistent(&s.m), EINVAL);
    memset(&waiting, 0, sizeof waiting);
    waiting.s = &s;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&tw, NULL, test_waiting_thread, &waiting), 0);
    pthread_join(tw, NULL);
    CU_ASSERT_EQUAL(waiting.ret, ENOTRECOVERABLE);
    CU_ASSERT_EQUAL(sync_load_u32(&s.m.state, SYNC_RELAXED), 0x7fffffffu);
}

/* ---- consistent() misuse ----------------------------------------------- */

static void *test_consistent_thread(void *arg)
{
    return (void *)(intptr_t)sync_mutex_consistent(arg);
}

static void test_robust_consistent_einval(void)
{
    sync_mutex_t plain = SYNC_MUTEX_INIT, r;
    CU_ASSERT_EQUAL(sync_mutex_consistent(&plain), EINVAL); /* not robust, free */
    sync_mutex_lock(&plain);
    CU_ASSERT_EQUAL(sync_mutex_consistent(&plain), EINVAL); /* not robust, held */
    sync_mutex_unlock(&plain);

    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&r, SYNC_ROBUST), 0);
    CU_ASSERT_EQUAL(sync_mutex_consistent(&r), EINVAL); /* free */
    CU_ASSERT_EQUAL(sync_mutex_lock_robust(&r), 0);
    CU_ASSERT_EQUAL(sync_mutex_consistent(&r), EINVAL); /* held, owner never died */
    sync_mutex_unlock(&r);

    struct test_state s;
    memset(&s, 0, sizeof s);
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&s.m, SYNC_ROBUST), 0);
    test_make_dead_holder(&s, false);
    /* Held by a dead thread, owner-died not yet claimed: not ours. */
    CU_ASSERT_EQUAL(sync_mutex_consistent(&s.m), EINVAL);
    CU_ASSERT_EQUAL(test_lock(&s.m), EOWNERDEAD);
    /* Owner-died, but held by main: another thread may not. */
    pthread_t t;
    void *ret = NULL;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, test_consistent_thread, &s.m), 0);
    pthread_join(t, &ret);
    CU_ASSERT_EQUAL((int)(intptr_t)ret, EINVAL);
    CU_ASSERT_EQUAL(sync_mutex_consistent(&s.m), 0);
    CU_ASSERT_EQUAL(sync_mutex_consistent(&s.m), EINVAL); /* already consistent */
    CU_ASSERT_EQUAL(sync_load_u32(&s.m.state, SYNC_RELAXED) & ~(uint32_t)FUTEX_WAITERS,
                    test_gettid());
    sync_mutex_unlock(&s.m);
    CU_ASSERT_EQUAL(sync_mutex_lock_robust(&s.m), 0); /* healthy again */
    sync_mutex_unlock(&s.m);
}

/* ---- a correct mutex when nobody dies: the generic validator ------------ */

/* Workers cannot use CUnit: a lock that does not return 0 is counted here. */
static sync_atomic_u32 test_bad_lock;

LV_DESCRIBE(rfutex)

/* The robust path: EOWNERDEAD would mean a holder died, which nobody does
 * here; it is counted (and the lock made consistent so the run goes on). */
static void test_robust_lock_op(void *l, lv_node *n)
{
    if (lockd_rfutex_acquire_robust(l, n) == 0)
        return;
    sync_fetch_add_u32(&test_bad_lock, 1, SYNC_RELAXED);
    lockd_rfutex_consistent(l);
}
static const struct lv_lock test_robust_ops = {
    "mutex-robust", sizeof(lockd_rfutex_t), 0, lv__rfutex_init, lv__rfutex_fini,
    lv__rfutex_try, test_robust_lock_op, lv__rfutex_unlock
};
static const struct lv_lock test_robust_pshared_ops = {
    "robust-pshared", sizeof(lockd_rfutex_t), SYNC_PSHARED, lv__rfutex_init, lv__rfutex_fini,
    lv__rfutex_try, test_robust_lock_op, lv__rfutex_unlock
};
/* The inline sync_mutex_lock() on a robust mutex takes the robust path (the
 * descriptor's plain acquire). */
static const struct lv_lock test_robust_plain_ops = LV_OPS_AS(rfutex, "robust via lock", 0);

static void test_validate(const struct lv_lock *ops)
{
    static const unsigned counts[] = { 2, 4, 8 };
    const unsigned iters = test_sanitized() ? 25000u : 100000u;
    sync_store_u32(&test_bad_lock, 0, SYNC_RELAXED);
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        struct lv_result r = lv_run(ops, counts[i], iters);
        CU_ASSERT_EQUAL(r.violations, 0);
        CU_ASSERT_EQUAL(r.counter, r.expected);
    }
    CU_ASSERT_EQUAL(lv_check_trylock(ops), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&test_bad_lock, SYNC_RELAXED), 0);
}

static void test_robust_validate(void) { test_validate(&test_robust_ops); }
static void test_robust_validate_pshared(void) { test_validate(&test_robust_pshared_ops); }
static void test_robust_validate_plain_lock(void) { test_validate(&test_robust_plain_ops); }

/* ---- timedlock --------------------------------------------------------- */

struct test_timed_arg {
    sync_mutex_t *m;
    uint64_t timeout_ns;
    bool robust_api;
    int ret;
    struct timespec deadline;
    struct timespec returned;
};

static void *test_timed_thread(void *arg)
{
    struct test_timed_arg *a = arg;
    sync_deadline_after_ns(&a->deadline, a->timeout_ns);
    a->ret = a->robust_api ? sync_mutex_timedlock_robust(a->m, &a->deadline)
                           : sync_mutex_timedlock(a->m, &a->deadline);
    clock_gettime(CLOCK_MONOTONIC, &a->returned);
    if (a->ret == 0 || a->ret == EOWNERDEAD)
        sync_mutex_unlock(a->m);
    return NULL;
}

static int test_timed_in_thread(sync_mutex_t *m, uint64_t timeout_ns, bool robust_api)
{
    struct test_timed_arg a = { m, timeout_ns, robust_api, -1, { 0, 0 }, { 0, 0 } };
    pthread_t t;
    if (pthread_create(&t, NULL, test_timed_thread, &a) != 0)
        return -1;
    pthread_join(t, NULL);
    /* Not early: whatever it returned, a timeout came after the deadline. */
    if (a.ret == ETIMEDOUT && test_ts_before(&a.returned, &a.deadline))
        return -2;
    return a.ret;
}

static void *test_bad_deadline_thread(void *m)
{
    struct timespec bad = { 0, 1000000000L };
    return (void *)(intptr_t)sync_mutex_timedlock_robust(m, &bad);
}

static void test_robust_timedlock(void)
{
    sync_mutex_t m;
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&m, SYNC_ROBUST), 0);
    CU_ASSERT_EQUAL(sync_mutex_lock_robust(&m), 0);
    /* Held by a live main thread: deadlines shorter and longer than a poll
     * period (the longer one checks the holder several times) expire. */
    CU_ASSERT_EQUAL(test_timed_in_thread(&m, 1000000ull, true), ETIMEDOUT);
    CU_ASSERT_EQUAL(test_timed_in_thread(&m, 50000000ull, true), ETIMEDOUT);
    CU_ASSERT_EQUAL(test_timed_in_thread(&m, 20000000ull, false), ETIMEDOUT);
    struct timespec past = { 0, 0 };
    CU_ASSERT_EQUAL(test_timed_in_thread(&m, 0, true), ETIMEDOUT);
    struct timespec bad = { 0, 1000000000L };
    pthread_t t;
    void *ret = NULL;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, test_bad_deadline_thread, &m), 0);
    pthread_join(t, &ret);
    CU_ASSERT_EQUAL((int)(intptr_t)ret, EINVAL);
    sync_mutex_unlock(&m);
    /* Free: taken at once, even with a past or malformed deadline. */
    CU_ASSERT_EQUAL(sync_mutex_timedlock_robust(&m, &past), 0);
    sync_mutex_unlock(&m);
    CU_ASSERT_EQUAL(sync_mutex_timedlock_robust(&m, &bad), 0);
    sync_mutex_unlock(&m);

    /* A dead holder found when the deadline has passed is still taken over. */
    struct test_state s;
    memset(&s, 0, sizeof s);
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&s.m, SYNC_ROBUST), 0);
    test_make_dead_holder(&s, false);
    int r = sync_mutex_timedlock_robust(&s.m, &past);
    CU_ASSERT_EQUAL(r, EOWNERDEAD);
    if (r == EOWNERDEAD) {
        CU_ASSERT_EQUAL(sync_mutex_consistent(&s.m), 0);
        sync_mutex_unlock(&s.m);
    }
    CU_ASSERT_EQUAL(sync_load_u32(&m.state, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&m.waiters, SYNC_RELAXED), 0);
}

/* ---- init, state word, trylock ----------------------------------------- */

static void *test_trylock_thread(void *arg)
{
    return (void *)(intptr_t)sync_mutex_trylock(arg);
}

static bool test_trylock_in_thread(sync_mutex_t *m)
{
    pthread_t t;
    void *got = NULL;
    if (pthread_create(&t, NULL, test_trylock_thread, m) != 0)
        return false;
    pthread_join(t, &got);
    return got != NULL;
}

static void test_robust_init_and_state(void)
{
    sync_mutex_t m;
    CU_ASSERT_EQUAL(sync_mutex_init(&m, SYNC_ROBUST), 0);
    CU_ASSERT_EQUAL(sync_mutex_init(&m, SYNC_ROBUST | SYNC_PSHARED), 0);
    CU_ASSERT_EQUAL(sync_mutex_init(&m, 4), EINVAL);
    CU_ASSERT_EQUAL(sync_mutex_init(&m, SYNC_ROBUST | 0x80), EINVAL);

    /* The word holds the holder's thread id, nothing else while uncontended. */
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&m, SYNC_ROBUST), 0);
    CU_ASSERT_EQUAL(sync_mutex_lock_robust(&m), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&m.state, SYNC_RELAXED), test_gettid());
    sync_mutex_unlock(&m);
    CU_ASSERT_EQUAL(sync_load_u32(&m.state, SYNC_RELAXED), 0);
    CU_ASSERT_TRUE(sync_mutex_trylock(&m));
    CU_ASSERT_EQUAL(sync_load_u32(&m.state, SYNC_RELAXED), test_gettid());
    CU_ASSERT_FALSE(test_trylock_in_thread(&m));
    sync_mutex_unlock(&m);
    sync_mutex_lock(&m);
    CU_ASSERT_EQUAL(sync_load_u32(&m.state, SYNC_RELAXED), test_gettid());
    sync_mutex_unlock(&m);

    /* Trylock does not take over from a dead holder: false, and the holder's
     * death is left for a lock that can report it. */
    struct test_state s;
    memset(&s, 0, sizeof s);
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&s.m, SYNC_ROBUST), 0);
    test_make_dead_holder(&s, false);
    CU_ASSERT_FALSE(sync_mutex_trylock(&s.m));
    CU_ASSERT_EQUAL(test_lock(&s.m), EOWNERDEAD);
    CU_ASSERT_EQUAL(sync_mutex_consistent(&s.m), 0);
    sync_mutex_unlock(&s.m);
}

/* ---- misuse aborts, in every build ------------------------------------- */

static void *test_unlock_thread(void *arg)
{
    sync_mutex_unlock(arg);
    return NULL;
}

static sync_mutex_t *test_robust_static(void)
{
    static sync_mutex_t m;
    if (sync_mutex_init(&m, SYNC_ROBUST) != 0)
        _exit(5);
    return &m;
}

static void test_child_unlock_by_other_thread(void)
{
    sync_mutex_t *m = test_robust_static();
    pthread_t t;
    if (sync_mutex_lock_robust(m) != 0 || pthread_create(&t, NULL, test_unlock_thread, m) != 0)
        _exit(4);
    pthread_join(t, NULL);
}

static void test_child_unlock_unlocked(void)
{
    sync_mutex_unlock(test_robust_static());
}

static void test_child_relock(void)
{
    sync_mutex_t *m = test_robust_static();
    (void)sync_mutex_lock_robust(m);
    (void)sync_mutex_lock_robust(m);
}

static void test_child_plain_lock_dead_holder(void)
{
    static struct test_state s;
    if (sync_mutex_init(&s.m, SYNC_ROBUST) != 0)
        _exit(5);
    test_make_dead_holder(&s, false);
    sync_mutex_lock(&s.m); /* cannot report EOWNERDEAD */
}

static void test_child_robust_lock_of_plain(void)
{
    static sync_mutex_t m = SYNC_MUTEX_INIT;
    (void)sync_mutex_lock_robust(&m);
}

static void test_robust_misuse_aborts(void)
{
    CU_ASSERT_TRUE(test_child_dies_of(SIGABRT, test_child_unlock_by_other_thread));
    CU_ASSERT_TRUE(test_child_dies_of(SIGABRT, test_child_unlock_unlocked));
    CU_ASSERT_TRUE(test_child_dies_of(SIGABRT, test_child_relock));
    CU_ASSERT_TRUE(test_child_dies_of(SIGABRT, test_child_plain_lock_dead_holder));
    CU_ASSERT_TRUE(test_child_dies_of(SIGABRT, test_child_robust_lock_of_plain));
}

/* Process tests first: the parent must still be single-threaded for fork()
 * under ThreadSanitizer (threads of earlier tests are joined, but be safe). */
static const struct test_case tests[] = {
    { "processes_owner_killed", test_robust_processes_owner_killed },
    { "processes_sleeping_waiters", test_robust_processes_sleeping_waiters },
    { "thread_exit", test_robust_thread_exit },
    { "not_recoverable", test_robust_not_recoverable },
    { "consistent_einval", test_robust_consistent_einval },
    { "validate", test_robust_validate },
    { "validate_pshared", test_robust_validate_pshared },
    { "validate_plain_lock", test_robust_validate_plain_lock },
    { "timedlock", test_robust_timedlock },
    { "init_and_state", test_robust_init_and_state },
    { "misuse_aborts", test_robust_misuse_aborts },
    { NULL, NULL }
};
TEST_MAIN("robust", tests)
