/* tests/test_cond.c - the futex condition variable with the sync mutex: no
 * lost wake-up (ping-pong with signals under and after the mutex, a bounded
 * buffer whose items carry (producer, sequence), broadcast to sleepers),
 * spurious wake-ups tolerated (a signal storm on the waiter), the timed
 * wait, and processes over shared memory. A lost wake-up is a deadlock: the
 * cases that could lose one run in a forked child with an alarm, so it is a
 * failure, not a hang. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sync/cond.h"
#include "sync/futex.h"
#include "sync/mutex.h"
#include "test_main.h"

static bool test_sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0;
}

static bool test_ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Runs |fn| in a forked child with a 60 s alarm: its exit code, or 128 +
 * the signal that ended it (SIGALRM: somebody slept through a wake-up). */
static int test_in_child(int (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        alarm(60);
        _exit(fn());
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        ; /* EINTR */
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- Ping-pong -------------------------------------------------------- */

struct test_pp {
    sync_mutex_t m;
    sync_cond_t c;
    unsigned turn;           /* under |m|: whose turn, 0 or 1 */
    unsigned rounds;
    bool storm;              /* side 1 gets a signal every 100 us */
    long pace_us;            /* side 0 sleeps this long before each turn */
    unsigned early[2];       /* under |m|: returns with the predicate false */
};

struct test_side {
    struct test_pp *pp;
    unsigned id;
};

static void test_storm_handler(int sig)
{
    (void)sig;
}

/* The calling thread gets SIGRTMIN + 6 every 100 us. Without SA_RESTART:
 * with it the kernel restarts an untimed futex wait by itself, and the
 * waiter would never see the interruption. */
static int test_storm_start(timer_t *tm)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = test_storm_handler;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGRTMIN + 6;
    sev._sigev_un._tid = gettid();
    struct itimerspec its = { { 0, 100000L }, { 0, 100000L } };
    if (sigaction(SIGRTMIN + 6, &sa, NULL) != 0 || timer_create(CLOCK_MONOTONIC, &sev, tm) != 0)
        return -1;
    return timer_settime(*tm, 0, &its, NULL);
}

/* Odd rounds signal after unlocking, even ones with the mutex held. */
static void *test_pp_side(void *arg)
{
    struct test_side *s = arg;
    struct test_pp *pp = s->pp;
    timer_t tm;
    bool storm = pp->storm && s->id == 1 && test_storm_start(&tm) == 0;
    for (unsigned r = 0; r < pp->rounds; r++) {
        if (s->id == 0 && pp->pace_us > 0) {
            struct timespec ts = { 0, pp->pace_us * 1000L };
            nanosleep(&ts, NULL); /* side 1 sleeps in cond_wait meanwhile */
        }
        sync_mutex_lock(&pp->m);
        while (pp->turn != s->id) {
            sync_cond_wait(&pp->c, &pp->m);
            if (pp->turn != s->id)
                pp->early[s->id]++;
        }
        pp->turn = 1 - s->id;
        if (r % 2 == 0)
            sync_cond_signal(&pp->c);
        sync_mutex_unlock(&pp->m);
        if (r % 2 == 1)
            sync_cond_signal(&pp->c);
    }
    if (storm)
        timer_delete(tm);
    return NULL;
}

static int test_pp_run(struct test_pp *pp)
{
    struct test_side s[2] = { { pp, 0 }, { pp, 1 } };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, test_pp_side, &s[i]) != 0)
            return 10;
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    return 0;
}

static int test_child_pingpong(void)
{
    static struct test_pp pp = { .m = SYNC_MUTEX_INIT, .c = SYNC_COND_INIT };
    pp.rounds = test_sanitized() ? 5000 : 50000;
    return test_pp_run(&pp);
}

static void test_cond_pingpong(void)
{
    CU_ASSERT_EQUAL(test_in_child(test_child_pingpong), 0);
}

/* Side 1 waits (200 us a turn) under a signal storm: its futex waits end
 * early (EINTR), cond_wait returns 0, and its loop on the predicate waits
 * again. How often that happened is printed: it depends on timing. */
static int test_child_spurious(void)
{
    static struct test_pp pp = { .m = SYNC_MUTEX_INIT, .c = SYNC_COND_INIT };
    pp.rounds = test_sanitized() ? 500 : 2000;
    pp.storm = true;
    pp.pace_us = 200;
    int r = test_pp_run(&pp);
    printf("\n    side 1 returned %u times with its predicate false (storm)", pp.early[1]);
    return r;
}

static void test_cond_spurious_tolerated(void)
{
    CU_ASSERT_EQUAL(test_in_child(test_child_spurious), 0);
}

/* ---- Bounded buffer --------------------------------------------------- */

#define TEST_BB_PRODUCERS 3u
#define TEST_BB_CONSUMERS 3u
#define TEST_BB_SLOTS 4u

struct test_bb {
    sync_mutex_t m;
    sync_cond_t not_full, not_empty;
    uint64_t slot[TEST_BB_SLOTS];  /* under |m|: producer << 32 | sequence */
    unsigned head, count, per_producer;
    unsigned done_producers;
    uint32_t next_seq[TEST_BB_PRODUCERS]; /* under |m|: consumers check the order */
    unsigned bad, consumed;
};

struct test_bb_arg {
    struct test_bb *b;
    unsigned id;
};

static void *test_bb_producer(void *arg)
{
    struct test_bb_arg *a = arg;
    struct test_bb *b = a->b;
    for (uint32_t k = 0; k < b->per_producer; k++) {
        sync_mutex_lock(&b->m);
        while (b->count == TEST_BB_SLOTS)
            sync_cond_wait(&b->not_full, &b->m);
        b->slot[(b->head + b->count) % TEST_BB_SLOTS] = (uint64_t)a->id << 32 | k;
        b->count++;
        sync_mutex_unlock(&b->m);
        sync_cond_signal(&b->not_empty); /* after unlocking: the harder case */
    }
    return NULL;
}

/* Takes one item, or returns false once every item has been consumed. */
static bool test_bb_take(struct test_bb *b)
{
    unsigned total = TEST_BB_PRODUCERS * b->per_producer;
    sync_mutex_lock(&b->m);
    while (b->count == 0 && b->consumed < total)
        sync_cond_wait(&b->not_empty, &b->m);
    if (b->count == 0) {
        sync_mutex_unlock(&b->m);
        return false;
    }
    uint64_t item = b->slot[b->head];
    b->head = (b->head + 1) % TEST_BB_SLOTS;
    b->count--;
    unsigned p = (unsigned)(item >> 32);
    if (p >= TEST_BB_PRODUCERS || (uint32_t)item != b->next_seq[p])
        b->bad++; /* lost, duplicated or reordered */
    else
        b->next_seq[p]++;
    bool last = ++b->consumed == total;
    sync_cond_signal(&b->not_full); /* under the mutex: the other case */
    sync_mutex_unlock(&b->m);
    if (last)
        sync_cond_broadcast(&b->not_empty); /* the other consumers: stop */
    return true;
}

static void *test_bb_consumer(void *arg)
{
    struct test_bb_arg *a = arg;
    while (test_bb_take(a->b))
        ;
    return NULL;
}

static int test_child_bounded_buffer(void)
{
    static struct test_bb b = { .m = SYNC_MUTEX_INIT, .not_full = SYNC_COND_INIT,
                                .not_empty = SYNC_COND_INIT };
    b.per_producer = test_sanitized() ? 3000 : 30000;
    struct test_bb_arg a[TEST_BB_PRODUCERS + TEST_BB_CONSUMERS];
    pthread_t t[TEST_BB_PRODUCERS + TEST_BB_CONSUMERS];
    for (unsigned i = 0; i < TEST_BB_PRODUCERS + TEST_BB_CONSUMERS; i++) {
        a[i].b = &b;
        a[i].id = i;
        if (pthread_create(&t[i], NULL, i < TEST_BB_PRODUCERS ? test_bb_producer : test_bb_consumer,
                           &a[i]) != 0)
            return 10;
    }
    for (unsigned i = 0; i < TEST_BB_PRODUCERS + TEST_BB_CONSUMERS; i++)
        pthread_join(t[i], NULL);
    if (b.bad != 0)
        return 1;
    for (unsigned p = 0; p < TEST_BB_PRODUCERS; p++)
        if (b.next_seq[p] != b.per_producer)
            return 2;
    return 0;
}

static void test_cond_bounded_buffer(void)
{
    CU_ASSERT_EQUAL(test_in_child(test_child_bounded_buffer), 0);
}

/* ---- Broadcast -------------------------------------------------------- */

#define TEST_BC_WAITERS 6u

struct test_bc {
    sync_mutex_t m;
    sync_cond_t c;
    bool go;          /* under |m| */
    unsigned woke;    /* under |m| */
};

static void *test_bc_waiter(void *arg)
{
    struct test_bc *b = arg;
    sync_mutex_lock(&b->m);
    while (!b->go)
        sync_cond_wait(&b->c, &b->m);
    b->woke++;
    sync_mutex_unlock(&b->m);
    return NULL;
}

/* Every waiter is registered (|waiters| counts it) before the one
 * broadcast, so each must be woken by it, not find the flag on arrival. */
static int test_child_broadcast(void)
{
    static struct test_bc b = { .m = SYNC_MUTEX_INIT, .c = SYNC_COND_INIT };
    pthread_t t[TEST_BC_WAITERS];
    for (unsigned i = 0; i < TEST_BC_WAITERS; i++)
        if (pthread_create(&t[i], NULL, test_bc_waiter, &b) != 0)
            return 10;
    while (sync_load_u32(&b.c.waiters, SYNC_SEQ_CST) < TEST_BC_WAITERS) {
        struct timespec ts = { 0, 100000L };
        nanosleep(&ts, NULL);
    }
    sync_mutex_lock(&b.m);
    b.go = true;
    sync_mutex_unlock(&b.m);
    sync_cond_broadcast(&b.c);
    for (unsigned i = 0; i < TEST_BC_WAITERS; i++)
        pthread_join(t[i], NULL);
    return b.woke == TEST_BC_WAITERS ? 0 : 1;
}

static void test_cond_broadcast_wakes_all(void)
{
    CU_ASSERT_EQUAL(test_in_child(test_child_broadcast), 0);
}

/* ---- Timed wait -------------------------------------------------------- */

static void test_cond_timedwait(void)
{
    sync_mutex_t m;
    sync_cond_t c;
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&m, SYNC_MUTEX_CHECKED), 0);
    CU_ASSERT_EQUAL_FATAL(sync_cond_init(&c, 0), 0);
    sync_mutex_lock(&m);
    /* Nobody signals: ETIMEDOUT, not before the deadline, the mutex held
     * again (the checked unlock below aborts otherwise). Returns with 0
     * (a spurious wake-up) are allowed, so it loops like any caller. */
    struct timespec deadline, now;
    sync_deadline_after_ns(&deadline, 20000000ull);
    int r;
    while ((r = sync_cond_timedwait(&c, &m, &deadline)) == 0)
        ;
    clock_gettime(CLOCK_MONOTONIC, &now);
    CU_ASSERT_EQUAL(r, ETIMEDOUT);
    CU_ASSERT_FALSE(test_ts_before(&now, &deadline));
    const struct timespec before_epoch = { -1, 0 }, bad = { 0, 1000000000L };
    CU_ASSERT_EQUAL(sync_cond_timedwait(&c, &m, &before_epoch), ETIMEDOUT);
    CU_ASSERT_EQUAL(sync_cond_timedwait(&c, &m, &bad), EINVAL);
    sync_mutex_unlock(&m);
    CU_ASSERT_EQUAL(sync_load_u32(&c.waiters, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_cond_init(&c, 0x80), EINVAL);
    sync_cond_signal(&c);     /* nobody waits: no effect beyond the counter */
    sync_cond_broadcast(&c);
}

/* ---- Processes ---------------------------------------------------------- */

/* Parent and child ping-pong over MAP_SHARED memory. */
static void test_cond_pshared(void)
{
    struct test_pp *pp = mmap(NULL, sizeof *pp, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(pp != MAP_FAILED);
    memset(pp, 0, sizeof *pp);
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&pp->m, SYNC_PSHARED), 0);
    CU_ASSERT_EQUAL_FATAL(sync_cond_init(&pp->c, SYNC_PSHARED), 0);
    pp->rounds = 2000;
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        alarm(60);
        struct test_side s = { pp, 1 };
        test_pp_side(&s);
        _exit(0);
    }
    struct test_side s = { pp, 0 };
    test_pp_side(&s);
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    munmap(pp, sizeof *pp);
}

static const struct test_case tests[] = {
    { "pingpong", test_cond_pingpong },
    { "spurious_tolerated", test_cond_spurious_tolerated },
    { "bounded_buffer", test_cond_bounded_buffer },
    { "broadcast_wakes_all", test_cond_broadcast_wakes_all },
    { "timedwait", test_cond_timedwait },
    { "pshared", test_cond_pshared },
    { NULL, NULL }
};

TEST_MAIN("cond", tests)
