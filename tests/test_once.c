/* tests/test_once.c - one-time initialisation: many racing callers run the
 * function exactly once and all see what it wrote (plain data: TSan checks
 * the ordering), callers that arrive while it runs sleep until it returns,
 * one object per process group in shared memory, and bad flags. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sync/barrier.h"
#include "sync/once.h"
#include "test_main.h"

#define TEST_THREADS 8u

static unsigned test_rounds(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") == 0 ? 2000u : 300u;
}

struct test_obj {
    sync_once_t once;
    sync_atomic_u32 calls;   /* how often the function ran */
    unsigned payload[4];     /* plain: written by the function only */
    bool slow;               /* the function sleeps, so the others park */
};

static void test_init_fn(void *arg)
{
    struct test_obj *o = arg;
    sync_fetch_add_u32(&o->calls, 1, SYNC_RELAXED);
    if (o->slow) {
        struct timespec ts = { 0, 2000000L };
        nanosleep(&ts, NULL);
    }
    for (unsigned i = 0; i < 4; i++)
        o->payload[i] = 0xC0DE0000u + i;
}

struct test_race {
    struct test_obj *objs;   /* [rounds] */
    unsigned rounds;
    sync_barrier_t start;    /* every round starts all callers together */
    sync_atomic_u32 stale;   /* callers that returned before the payload was there */
};

static void *test_racer(void *arg)
{
    struct test_race *r = arg;
    unsigned stale = 0;
    for (unsigned k = 0; k < r->rounds; k++) {
        sync_barrier_wait(&r->start);
        struct test_obj *o = &r->objs[k];
        sync_once(&o->once, test_init_fn, o);
        for (unsigned i = 0; i < 4; i++)
            stale += o->payload[i] != 0xC0DE0000u + i;
        stale += !sync_once_done(&o->once);
    }
    sync_fetch_add_u32(&r->stale, stale, SYNC_RELAXED);
    return NULL;
}

static void test_race(unsigned rounds, bool slow)
{
    struct test_race r;
    memset(&r, 0, sizeof r);
    r.rounds = rounds;
    r.objs = calloc(rounds, sizeof *r.objs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.objs);
    for (unsigned k = 0; k < rounds; k++) {
        CU_ASSERT_EQUAL_FATAL(sync_once_init(&r.objs[k].once, 0), 0);
        r.objs[k].slow = slow;
    }
    CU_ASSERT_EQUAL_FATAL(sync_barrier_init(&r.start, TEST_THREADS, 1000, 0), 0);
    pthread_t t[TEST_THREADS];
    for (unsigned i = 0; i < TEST_THREADS; i++)
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, test_racer, &r), 0);
    for (unsigned i = 0; i < TEST_THREADS; i++)
        pthread_join(t[i], NULL);
    unsigned wrong = 0;
    for (unsigned k = 0; k < rounds; k++)
        wrong += sync_load_u32(&r.objs[k].calls, SYNC_RELAXED) != 1;
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(sync_load_u32(&r.stale, SYNC_RELAXED), 0);
    free(r.objs);
}

/* 8 threads start together on a fresh object, round after round. */
static void test_once_racing_callers(void)
{
    test_race(test_rounds(), false);
}

/* The function sleeps 2 ms: the others arrive while it runs and park. */
static void test_once_callers_park(void)
{
    test_race(20, true);
}

static void test_once_static_and_repeat(void)
{
    static struct test_obj o = { .once = SYNC_ONCE_INIT };
    CU_ASSERT_FALSE(sync_once_done(&o.once));
    for (int i = 0; i < 3; i++)
        sync_once(&o.once, test_init_fn, &o);
    CU_ASSERT_EQUAL(sync_load_u32(&o.calls, SYNC_RELAXED), 1);
    CU_ASSERT_TRUE(sync_once_done(&o.once));
    sync_once_t bad;
    CU_ASSERT_EQUAL(sync_once_init(&bad, 0x80), EINVAL);
    CU_ASSERT_EQUAL(sync_once_init(&bad, SYNC_PSHARED), 0);
}

/* Four processes race on one object in MAP_SHARED memory. */
static void test_once_pshared(void)
{
    struct test_obj *o = mmap(NULL, sizeof *o, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(o != MAP_FAILED);
    memset(o, 0, sizeof *o);
    o->slow = true;
    CU_ASSERT_EQUAL_FATAL(sync_once_init(&o->once, SYNC_PSHARED), 0);
    fflush(NULL);
    pid_t pid[4];
    for (int i = 0; i < 4; i++) {
        pid[i] = fork();
        CU_ASSERT_FATAL(pid[i] >= 0);
        if (pid[i] == 0) {
            alarm(30);
            sync_once(&o->once, test_init_fn, o);
            _exit(o->payload[3] == 0xC0DE0003u ? 0 : 1);
        }
    }
    for (int i = 0; i < 4; i++) {
        int status = 0;
        CU_ASSERT_EQUAL(waitpid(pid[i], &status, 0), pid[i]);
        CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CU_ASSERT_EQUAL(sync_load_u32(&o->calls, SYNC_RELAXED), 1);
    munmap(o, sizeof *o);
}

static const struct test_case tests[] = {
    { "racing_callers", test_once_racing_callers },
    { "callers_park", test_once_callers_park },
    { "static_and_repeat", test_once_static_and_repeat },
    { "pshared", test_once_pshared },
    { NULL, NULL }
};

TEST_MAIN("once", tests)
