/* tests/test_sem.c - the futex counting semaphore: counting, trywait and
 * timedwait on an empty semaphore, wake-up of a sleeper, conservation of
 * units between many producers and consumers, and the value limits. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "sync/futex.h"
#include "sync/sem.h"
#include "test_main.h"

static bool test_sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0;
}

static bool test_ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void test_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void test_sem_counting(void)
{
    sync_sem_t s;
    CU_ASSERT_EQUAL_FATAL(sync_sem_init(&s, 3, 0), 0);
    CU_ASSERT_EQUAL(sync_sem_value(&s), 3);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_TRUE(sync_sem_trywait(&s));
    CU_ASSERT_FALSE(sync_sem_trywait(&s));
    CU_ASSERT_EQUAL(sync_sem_value(&s), 0);
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(sync_sem_post(&s), 0);
    CU_ASSERT_EQUAL(sync_sem_value(&s), 5);
    sync_sem_wait(&s);
    sync_sem_wait(&s);
    CU_ASSERT_EQUAL(sync_sem_value(&s), 3);
    struct timespec past = { 0, 0 };
    CU_ASSERT_EQUAL(sync_sem_timedwait(&s, &past), 0); /* available: no timeout */
    CU_ASSERT_EQUAL(sync_sem_value(&s), 2);

    sync_sem_t st = SYNC_SEM_INIT(2);
    CU_ASSERT_TRUE(sync_sem_trywait(&st));
    CU_ASSERT_TRUE(sync_sem_trywait(&st));
    CU_ASSERT_FALSE(sync_sem_trywait(&st));
}

static void test_sem_trywait_empty(void)
{
    sync_sem_t s = SYNC_SEM_INIT(0);
    CU_ASSERT_FALSE(sync_sem_trywait(&s));
    CU_ASSERT_EQUAL(sync_sem_value(&s), 0); /* a failed trywait takes nothing */
    CU_ASSERT_EQUAL(sync_sem_post(&s), 0);
    CU_ASSERT_TRUE(sync_sem_trywait(&s));
    CU_ASSERT_FALSE(sync_sem_trywait(&s));
}

static void test_sem_timedwait_timeout(void)
{
    sync_sem_t s = SYNC_SEM_INIT(0);
    struct timespec deadline, now;
    sync_deadline_after_ns(&deadline, 100 * 1000000ull);
    CU_ASSERT_EQUAL(sync_sem_timedwait(&s, &deadline), ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &now);
    CU_ASSERT_FALSE(test_ts_before(&now, &deadline)); /* not early */
    CU_ASSERT_EQUAL(sync_sem_value(&s), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&s.waiters, SYNC_RELAXED), 0);

    struct timespec past = { 0, 0 };
    CU_ASSERT_EQUAL(sync_sem_timedwait(&s, &past), ETIMEDOUT);
    struct timespec bad = { 0, 1000000000L };
    CU_ASSERT_EQUAL(sync_sem_timedwait(&s, &bad), EINVAL);
}

struct test_waiter {
    sync_sem_t *s;
    sync_atomic_u32 done;
    int ret;
    bool timed;
};

static void *test_waiter_thread(void *arg)
{
    struct test_waiter *w = arg;
    if (w->timed) {
        struct timespec deadline;
        sync_deadline_after_ns(&deadline, 30ull * 1000000000ull);
        w->ret = sync_sem_timedwait(w->s, &deadline);
    } else {
        sync_sem_wait(w->s);
        w->ret = 0;
    }
    sync_store_u32(&w->done, 1, SYNC_RELEASE);
    return NULL;
}

/* A post wakes a waiter that is asleep in the kernel (not merely spinning:
 * the test waits until the waiter registered itself before posting). */
static void test_sem_post_wakes_waiter(void)
{
    for (int timed = 0; timed < 2; timed++) {
        sync_sem_t s = SYNC_SEM_INIT(0);
        struct test_waiter w = { &s, SYNC_ATOMIC_INIT(0), -1, timed != 0 };
        pthread_t t;
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, test_waiter_thread, &w), 0);
        for (int i = 0; i < 10000 && sync_load_u32(&s.waiters, SYNC_SEQ_CST) == 0; i++)
            test_sleep_ms(1);
        CU_ASSERT_EQUAL(sync_load_u32(&s.waiters, SYNC_SEQ_CST), 1);
        test_sleep_ms(10); /* let it reach futex_wait; either way it must wake */
        CU_ASSERT_EQUAL(sync_load_u32(&w.done, SYNC_ACQUIRE), 0); /* still blocked */
        CU_ASSERT_EQUAL(sync_sem_post(&s), 0);
        pthread_join(t, NULL);
        CU_ASSERT_EQUAL(sync_load_u32(&w.done, SYNC_ACQUIRE), 1);
        CU_ASSERT_EQUAL(w.ret, 0);
        CU_ASSERT_EQUAL(sync_sem_value(&s), 0);
    }
}

/* ---- producers and consumers ------------------------------------------- */

#define TEST_PRODUCERS 3u
#define TEST_CONSUMERS 3u

struct test_pc {
    sync_sem_t *items;
    unsigned per_thread;          /* posts per producer = takes per consumer */
    sync_atomic_u64 posted;
    sync_atomic_u64 taken;
    sync_atomic_u32 errors;
    /* Units in flight, counted under |guard| (a sync_sem used as a lock): a
     * producer adds 1 before its post, a consumer removes 1 after its wait.
     * A consumer must never find it at 0: its unit was counted before it was
     * posted, and the post (release) happens before the wait (acquire). */
    sync_sem_t guard;
    uint64_t ledger;
};

static void *test_producer(void *arg)
{
    struct test_pc *pc = arg;
    for (unsigned i = 0; i < pc->per_thread; i++) {
        sync_sem_wait(&pc->guard);
        pc->ledger++;
        sync_sem_post(&pc->guard);
        if (sync_sem_post(pc->items) != 0)
            sync_fetch_add_u32(&pc->errors, 1, SYNC_RELAXED);
        sync_fetch_add_u64(&pc->posted, 1, SYNC_RELAXED);
    }
    return NULL;
}

static void *test_consumer(void *arg)
{
    struct test_pc *pc = arg;
    for (unsigned i = 0; i < pc->per_thread; i++) {
        /* Mix all three ways of taking a unit. */
        switch (i % 3) {
        case 0:
            sync_sem_wait(pc->items);
            break;
        case 1:
            while (!sync_sem_trywait(pc->items))
                sched_yield();
            break;
        default: {
            struct timespec deadline;
            int r;
            do {
                sync_deadline_after_ns(&deadline, 1000000); /* 1 ms: time out often */
                r = sync_sem_timedwait(pc->items, &deadline);
            } while (r == ETIMEDOUT);
            if (r != 0)
                sync_fetch_add_u32(&pc->errors, 1, SYNC_RELAXED);
            break;
        }
        }
        sync_fetch_add_u64(&pc->taken, 1, SYNC_RELAXED);
        sync_sem_wait(&pc->guard);
        if (pc->ledger == 0)
            sync_fetch_add_u32(&pc->errors, 1, SYNC_RELAXED); /* took an unposted unit */
        else
            pc->ledger--;
        sync_sem_post(&pc->guard);
    }
    return NULL;
}

static void test_sem_producer_consumer(void)
{
    static struct test_pc pc;
    pthread_t t[TEST_PRODUCERS + TEST_CONSUMERS];
    /* Process-shared flavour in a MAP_SHARED mapping, private one on the heap
     * path: both use the same code but different futex keys. */
    for (unsigned flags = 0; flags <= SYNC_PSHARED; flags++) {
        sync_sem_t *items = mmap(NULL, sizeof *items, PROT_READ | PROT_WRITE,
                                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        CU_ASSERT_FATAL(items != MAP_FAILED);
        CU_ASSERT_EQUAL_FATAL(sync_sem_init(items, 0, flags), 0);
        memset(&pc, 0, sizeof pc);
        pc.items = items;
        pc.per_thread = test_sanitized() ? 5000u : 50000u;
        CU_ASSERT_EQUAL_FATAL(sync_sem_init(&pc.guard, 1, 0), 0);

        unsigned n = 0;
        for (unsigned i = 0; i < TEST_CONSUMERS; i++, n++)
            CU_ASSERT_EQUAL_FATAL(pthread_create(&t[n], NULL, test_consumer, &pc), 0);
        for (unsigned i = 0; i < TEST_PRODUCERS; i++, n++)
            CU_ASSERT_EQUAL_FATAL(pthread_create(&t[n], NULL, test_producer, &pc), 0);
        for (unsigned i = 0; i < n; i++)
            pthread_join(t[i], NULL);

        uint64_t total = (uint64_t)TEST_PRODUCERS * pc.per_thread;
        CU_ASSERT_EQUAL(sync_load_u32(&pc.errors, SYNC_RELAXED), 0);
        CU_ASSERT_EQUAL(sync_load_u64(&pc.posted, SYNC_RELAXED), total);
        CU_ASSERT_EQUAL(sync_load_u64(&pc.taken, SYNC_RELAXED), total);
        CU_ASSERT_EQUAL(sync_sem_value(items), 0);          /* nothing left over */
        CU_ASSERT_FALSE(sync_sem_trywait(items));
        CU_ASSERT_EQUAL(pc.ledger, 0);
        CU_ASSERT_EQUAL(sync_load_u32(&items->waiters, SYNC_RELAXED), 0);
        munmap(items, sizeof *items);
    }
}

static void test_sem_limits(void)
{
    sync_sem_t s;
    CU_ASSERT_EQUAL(sync_sem_init(&s, SYNC_SEM_VALUE_MAX + 1u, 0), EINVAL);
    CU_ASSERT_EQUAL(sync_sem_init(&s, 0xffffffffu, 0), EINVAL);
    CU_ASSERT_EQUAL(sync_sem_init(&s, 0, 0x80), EINVAL);
    CU_ASSERT_EQUAL(sync_sem_init(&s, 0, SYNC_PSHARED), 0);
    CU_ASSERT_EQUAL_FATAL(sync_sem_init(&s, SYNC_SEM_VALUE_MAX, 0), 0);
    CU_ASSERT_EQUAL(sync_sem_value(&s), SYNC_SEM_VALUE_MAX);
    CU_ASSERT_EQUAL(sync_sem_post(&s), EOVERFLOW);
    CU_ASSERT_EQUAL(sync_sem_value(&s), SYNC_SEM_VALUE_MAX); /* unchanged */
    CU_ASSERT_TRUE(sync_sem_trywait(&s));
    CU_ASSERT_EQUAL(sync_sem_post(&s), 0);
    CU_ASSERT_EQUAL(sync_sem_value(&s), SYNC_SEM_VALUE_MAX);
}

static const struct test_case tests[] = {
    { "counting", test_sem_counting },
    { "trywait_empty", test_sem_trywait_empty },
    { "timedwait_timeout", test_sem_timedwait_timeout },
    { "post_wakes_waiter", test_sem_post_wakes_waiter },
    { "producer_consumer", test_sem_producer_consumer },
    { "limits", test_sem_limits },
    { NULL, NULL }
};
TEST_MAIN("sem", tests)
