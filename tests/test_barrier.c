/* tests/test_barrier.c - the reusable start barrier: nobody leaves a round
 * before everybody arrived, exactly one serial party per round, writes before
 * the barrier visible after it, with spin 0 (park at once) and a large spin,
 * up to 8 threads on 2 cores, and across processes with SYNC_PSHARED. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sync/barrier.h"
#include "test_main.h"

#define TEST_MAX_THREADS 8u
#define TEST_SPIN_LARGE (1u << 16)

static unsigned test_rounds(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") == 0 ? 2000u : 1000u;
}

struct test_round_state {
    sync_barrier_t barrier;
    unsigned parties;
    unsigned rounds;
    sync_atomic_u32 *arrived;    /* [rounds]: arrivals counted before wait */
    sync_atomic_u32 *serial;     /* [rounds]: parties that got true */
    sync_atomic_u32 early;       /* leavers that saw a round not full */
    sync_atomic_u32 stale;       /* leavers that saw a pre-barrier write missing */
    /* Plain data, double-buffered by round parity: written before the
     * barrier, read by everybody after it. ThreadSanitizer checks that the
     * barrier orders the two. */
    unsigned slot[2][TEST_MAX_THREADS];
};

struct test_party {
    struct test_round_state *st;
    unsigned id;
};

/* One party's rounds; used by threads and by forked processes alike. */
static void test_party_rounds(struct test_round_state *st, unsigned id)
{
    unsigned early = 0, stale = 0;
    for (unsigned r = 0; r < st->rounds; r++) {
        st->slot[r & 1][id] = r + 1;
        sync_fetch_add_u32(&st->arrived[r], 1, SYNC_RELAXED);
        if (sync_barrier_wait(&st->barrier))
            sync_fetch_add_u32(&st->serial[r], 1, SYNC_RELAXED);
        /* Relaxed is enough: the barrier must order the increments before. */
        if (sync_load_u32(&st->arrived[r], SYNC_RELAXED) != st->parties)
            early++;
        for (unsigned j = 0; j < st->parties; j++)
            if (st->slot[r & 1][j] != r + 1)
                stale++;
    }
    if (early)
        sync_fetch_add_u32(&st->early, early, SYNC_RELAXED);
    if (stale)
        sync_fetch_add_u32(&st->stale, stale, SYNC_RELAXED);
}

static void *test_party_thread(void *arg)
{
    struct test_party *p = arg;
    test_party_rounds(p->st, p->id);
    return NULL;
}

/* |st| and its arrays must be zeroed and sized; checks everything after. */
static void test_check_rounds(struct test_round_state *st)
{
    unsigned bad_serial = 0, bad_arrived = 0;
    for (unsigned r = 0; r < st->rounds; r++) {
        if (sync_load_u32(&st->serial[r], SYNC_RELAXED) != 1)
            bad_serial++;
        if (sync_load_u32(&st->arrived[r], SYNC_RELAXED) != st->parties)
            bad_arrived++;
    }
    CU_ASSERT_EQUAL(bad_serial, 0);
    CU_ASSERT_EQUAL(bad_arrived, 0);
    CU_ASSERT_EQUAL(sync_load_u32(&st->early, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&st->stale, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_load_u32(&st->barrier.sleepers, SYNC_RELAXED), 0);
}

static void test_rounds_threads(unsigned parties, unsigned spin)
{
    static struct test_round_state st;
    pthread_t t[TEST_MAX_THREADS];
    struct test_party p[TEST_MAX_THREADS];

    memset(&st, 0, sizeof st);
    st.parties = parties;
    st.rounds = test_rounds();
    st.arrived = calloc(st.rounds, sizeof *st.arrived);
    st.serial = calloc(st.rounds, sizeof *st.serial);
    CU_ASSERT_FATAL(st.arrived != NULL && st.serial != NULL);
    CU_ASSERT_EQUAL_FATAL(sync_barrier_init(&st.barrier, parties, spin, 0), 0);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 0; i < parties; i++) {
        p[i].st = &st;
        p[i].id = i;
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, test_party_thread, &p[i]), 0);
    }
    for (unsigned i = 0; i < parties; i++)
        pthread_join(t[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("\n    %u threads, spin %u: %u rounds in %.3f s (%.1f us/round)", parties, spin,
           st.rounds, s, s * 1e6 / st.rounds);

    test_check_rounds(&st);
    free(st.arrived);
    free(st.serial);
}

static void test_barrier_rounds_spin0(void)
{
    for (unsigned n = 2; n <= TEST_MAX_THREADS; n *= 2)
        test_rounds_threads(n, 0);
}

static void test_barrier_rounds_spin_large(void)
{
    for (unsigned n = 2; n <= TEST_MAX_THREADS; n *= 2)
        test_rounds_threads(n, TEST_SPIN_LARGE);
}

/* Odd party counts and a short spin, so some parties spin and some park. */
static void test_barrier_rounds_mixed(void)
{
    test_rounds_threads(3, 64);
    test_rounds_threads(7, 1024);
}

static void test_barrier_init(void)
{
    sync_barrier_t b;
    CU_ASSERT_EQUAL(sync_barrier_init(&b, 0, 0, 0), EINVAL);
    CU_ASSERT_EQUAL(sync_barrier_init(&b, 2, 0, 0x80), EINVAL);
    CU_ASSERT_EQUAL(sync_barrier_init(&b, 2, 100, SYNC_PSHARED), 0);
    /* One party: every wait completes a round, and it is the serial one. */
    CU_ASSERT_EQUAL_FATAL(sync_barrier_init(&b, 1, 0, 0), 0);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_TRUE(sync_barrier_wait(&b));
    sync_barrier_t s = SYNC_BARRIER_INIT(1, 0);
    CU_ASSERT_TRUE(sync_barrier_wait(&s));
}

/* Processes sharing the barrier through a MAP_SHARED mapping (the procs
 * model's start barrier). ThreadSanitizer cannot see across processes; this
 * checks the futex flags and the counters, not the data race detector. */
static void test_barrier_pshared_processes(void)
{
    const unsigned parties = 4;
    const unsigned rounds = test_rounds() / 4;
    size_t size = sizeof(struct test_round_state) + 2 * rounds * sizeof(sync_atomic_u32);
    struct test_round_state *st = mmap(NULL, size, PROT_READ | PROT_WRITE,
                                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(st != MAP_FAILED);
    memset(st, 0, size);
    st->parties = parties;
    st->rounds = rounds;
    st->arrived = (sync_atomic_u32 *)(st + 1);
    st->serial = st->arrived + rounds;
    CU_ASSERT_EQUAL_FATAL(sync_barrier_init(&st->barrier, parties, 0, SYNC_PSHARED), 0);

    pid_t pid[4];
    unsigned forked = 0;
    for (; forked < parties - 1; forked++) {
        pid[forked] = fork();
        if (pid[forked] < 0)
            break;
        if (pid[forked] == 0) {
            test_party_rounds(st, forked + 1);
            _exit(0);
        }
    }
    CU_ASSERT_EQUAL_FATAL(forked, parties - 1);
    test_party_rounds(st, 0);
    int clean = 0;
    for (unsigned i = 0; i < forked; i++) {
        int status = 0;
        if (waitpid(pid[i], &status, 0) == pid[i] && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0)
            clean++;
    }
    CU_ASSERT_EQUAL(clean, (int)forked);
    test_check_rounds(st);
    munmap(st, size);
}

static const struct test_case tests[] = {
    { "init", test_barrier_init },
    { "rounds_spin0", test_barrier_rounds_spin0 },
    { "rounds_spin_large", test_barrier_rounds_spin_large },
    { "rounds_mixed", test_barrier_rounds_mixed },
    { "pshared_processes", test_barrier_pshared_processes },
    { NULL, NULL }
};
TEST_MAIN("barrier", tests)
