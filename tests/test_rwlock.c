/* tests/test_rwlock.c - every readers-writer lock descriptor
 * (labs/common/desc/rwlocks.h) through the one validator (rwlock_validate.h)
 * at 2, 4 and 8 threads and 50, 90 and 99 % reads, across processes with
 * SYNC_PSHARED, the trylock rules (readers overlap, a writer excludes
 * everyone); sync's own locks' writer preference and phase-fairness at the
 * moment a writer waits; and writer starvation measured for every lock
 * (printed, never asserted: it is a number about timing).
 *
 * A lock that spins without ever yielding (Concurrency Kit's) runs at most
 * as many threads as there are CPUs online (at least 2): oversubscribed, it
 * measures the scheduler (bench-rwlock shows what that costs), and proves
 * nothing more. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sync/rwlock.h"
#include "util/stats.h"
#include "util/time.h"
#include "../labs/common/desc/rwlocks.h"
#include "rwlock_validate.h"
#include "test_main.h"

RWLOCKD_ALL(RWV_DESCRIBE)

static bool test_sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0;
}

static void test_sleep_us(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The most threads a run of |o| may use: 8, or the CPUs for a spinner. */
static unsigned test_max_threads(const struct rwv_ops *o)
{
    unsigned cpus = test_online_cpus();
    return o->info->spins ? (cpus < 2 ? 2 : cpus) : 8;
}

/* ---- The validator ------------------------------------------------------ */

static void test_validate(const struct rwv_ops *o)
{
    static const unsigned threads[] = { 2, 4, 8 }, pcts[] = { 50, 90, 99 };
    unsigned iters = test_sanitized() ? 3000 : 30000;
    struct rwv_shared *sh = malloc(sizeof *sh);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sh);
    for (size_t t = 0; t < 3 && threads[t] <= test_max_threads(o); t++)
        for (size_t p = 0; p < 3; p++) {
            memset(sh, 0, sizeof *sh);
            CU_ASSERT_EQUAL_FATAL(o->init(sh->lock, 0), 0);
            char what[32];
            snprintf(what, sizeof what, "%u threads", threads[t]);
            CU_ASSERT_EQUAL(rwv_run_threads(o, sh, threads[t], iters, pcts[p], t * 3 + p + 1), 0);
            CU_ASSERT_TRUE(rwv_report(o, sh, what, pcts[p]));
            o->fini(sh->lock);
        }
    free(sh);
}

/* Three processes of two threads each on one lock in MAP_SHARED memory (a
 * spinner on fewer than 6 CPUs: two processes of one thread). */
static void test_validate_pshared(const struct rwv_ops *o)
{
    unsigned iters = test_sanitized() ? 2000 : 20000;
    unsigned kids = 2, per = 2;
    if (o->info->spins && test_online_cpus() < 6)
        kids = per = 1;
    struct rwv_shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(sh != MAP_FAILED);
    memset(sh, 0, sizeof *sh);
    CU_ASSERT_EQUAL_FATAL(o->init(sh->lock, SYNC_PSHARED), 0);
    fflush(NULL);
    pid_t pid[2];
    for (unsigned c = 0; c < kids; c++) {
        pid[c] = fork();
        CU_ASSERT_FATAL(pid[c] >= 0);
        if (pid[c] == 0) {
            alarm(120);
            _exit(rwv_run_threads(o, sh, per, iters, 90, 100u + c) != 0);
        }
    }
    CU_ASSERT_EQUAL(rwv_run_threads(o, sh, per, iters, 90, 99), 0);
    for (unsigned c = 0; c < kids; c++) {
        int status = 0;
        CU_ASSERT_EQUAL(waitpid(pid[c], &status, 0), pid[c]);
        CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    char what[32];
    snprintf(what, sizeof what, "%u procs x %u", kids + 1, per);
    CU_ASSERT_TRUE(rwv_report(o, sh, what, 90));
    o->fini(sh->lock);
    munmap(sh, sizeof *sh);
}

/* ---- Trylocks -------------------------------------------------------------- */

static void test_try(const struct rwv_ops *o)
{
    _Alignas(64) unsigned char lock[RWV_LOCK_BYTES] = { 0 };
    CU_ASSERT_EQUAL_FATAL(o->init(lock, 0), 0);
    if (o->info->has_try) {
        CU_ASSERT_TRUE(o->tryrdlock(lock));
        CU_ASSERT_TRUE(o->tryrdlock(lock));    /* readers overlap */
        CU_ASSERT_FALSE(o->trywrlock(lock));   /* not beside readers */
        o->rdunlock(lock);
        CU_ASSERT_FALSE(o->trywrlock(lock));
        o->rdunlock(lock);
        CU_ASSERT_TRUE(o->trywrlock(lock));
        CU_ASSERT_FALSE(o->tryrdlock(lock));   /* nobody beside a writer */
        CU_ASSERT_FALSE(o->trywrlock(lock));
        o->wrunlock(lock);
    }
    o->rdlock(lock);
    o->rdlock(lock);   /* readers overlap (no writer waits: no deadlock) */
    o->rdunlock(lock);
    o->rdunlock(lock);
    o->wrlock(lock);
    o->wrunlock(lock);
    if (o->info->has_try) {
        CU_ASSERT_TRUE(o->trywrlock(lock));    /* after a failed try, still usable */
        o->wrunlock(lock);
    }
    o->fini(lock);
    CU_ASSERT_EQUAL(o->init(lock, 0x80), EINVAL);
}

/* A lock this build cannot offer is skipped with its reason. */
static bool test_available(const struct rwv_ops *o)
{
    if (o->info->unavailable == NULL)
        return true;
    test_skip(o->info->unavailable);
    return false;
}

/* test_rwlock_<id>: descriptor <id> through the validator on threads and its
 * trylock rules; test_rwlock_<id>_pshared: across processes. */
#define TEST_RWLOCK(id)                                                                \
    static void test_rwlock_##id(void)                                                 \
    {                                                                                  \
        if (test_available(&rwv_##id)) {                                               \
            test_validate(&rwv_##id);                                                  \
            test_try(&rwv_##id);                                                       \
        }                                                                              \
    }                                                                                  \
    static void test_rwlock_##id##_pshared(void)                                       \
    {                                                                                  \
        if (!test_available(&rwv_##id))                                                \
            return;                                                                    \
        if (!rwv_##id.info->procs)                                                     \
            test_skip(rwv_##id.info->no_procs_why);                                    \
        else                                                                           \
            test_validate_pshared(&rwv_##id);                                          \
    }
RWLOCKD_ALL(TEST_RWLOCK)

/* sync's own static initialisers give working locks. */
static void test_rwlock_static_init(void)
{
    static sync_rwlock_t s = SYNC_RWLOCK_INIT;
    static sync_pfrwlock_t p = SYNC_PFRWLOCK_INIT;
    CU_ASSERT_TRUE(sync_rwlock_trywrlock(&s));
    sync_rwlock_wrunlock(&s);
    CU_ASSERT_TRUE(sync_pfrwlock_trywrlock(&p));
    sync_pfrwlock_wrunlock(&p);
}

/* ---- A writer waiting ------------------------------------------------------ */

struct test_waiter {
    const struct rwv_ops *o;
    void *lock;
    sync_atomic_u32 in;   /* the writer got the lock */
};

static void *test_writer(void *arg)
{
    struct test_waiter *w = arg;
    w->o->wrlock(w->lock);
    sync_store_u32(&w->in, 1, SYNC_RELAXED);
    w->o->wrunlock(w->lock);
    return NULL;
}

/* A reader holds the lock, a writer arrives and waits: from the moment it
 * waits (seen in the lock's words, deterministic) no new reader gets in -
 * writer preference for sync_rwlock_t, the turn of the phase for
 * sync_pfrwlock_t - and the writer enters once the reader leaves. */
static bool test_writer_waits(const sync_atomic_u32 *word, uint32_t mask)
{
    for (int i = 0; i < 100000; i++) {
        if (sync_load_u32(word, SYNC_SEQ_CST) & mask)
            return true;
        test_sleep_us(100);
    }
    return false;
}

static void test_rwlock_waiting_writer_first(void)
{
    sync_rwlock_t s;
    sync_pfrwlock_t p;
    CU_ASSERT_EQUAL_FATAL(sync_rwlock_init(&s, 0), 0);
    CU_ASSERT_EQUAL_FATAL(sync_pfrwlock_init(&p, 0), 0);
    struct test_waiter w[2] = { { &rwv_sync_rwlock, &s, SYNC_ATOMIC_INIT(0) },
                                { &rwv_sync_pfrwlock, &p, SYNC_ATOMIC_INIT(0) } };
    const sync_atomic_u32 *word[2] = { &s.wwait, &p.rin };
    const uint32_t mask[2] = { UINT32_MAX, SYNC__PF_PRES };
    for (int i = 0; i < 2; i++) {
        w[i].o->rdlock(w[i].lock);
        pthread_t t;
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, test_writer, &w[i]), 0);
        CU_ASSERT_TRUE_FATAL(test_writer_waits(word[i], mask[i]));
        CU_ASSERT_FALSE(w[i].o->tryrdlock(w[i].lock));
        CU_ASSERT_EQUAL(sync_load_u32(&w[i].in, SYNC_RELAXED), 0);
        w[i].o->rdunlock(w[i].lock);
        pthread_join(t, NULL);
        CU_ASSERT_EQUAL(sync_load_u32(&w[i].in, SYNC_RELAXED), 1);
    }
}

/* ---- Writer starvation, measured -------------------------------------------- */

#define TEST_ST_READERS 3u
#define TEST_ST_WRITES 200u

struct test_starve {
    const struct rwv_ops *o;
    _Alignas(64) unsigned char lock[RWV_LOCK_BYTES];
    sync_atomic_u32 stop;
    uint64_t end_ns;          /* the readers stop by then whatever happens */
    sync_atomic_u64 reads;
};

/* Back to back, each holding for a short busy loop: with three readers on
 * two cores some reader is nearly always inside. */
static void *test_st_reader(void *arg)
{
    struct test_starve *st = arg;
    uint64_t n = 0;
    while (!sync_load_u32(&st->stop, SYNC_RELAXED) && util_now_ns() < st->end_ns) {
        st->o->rdlock(st->lock);
        for (volatile int k = 0; k < 100; k++)
            ;
        st->o->rdunlock(st->lock);
        n++;
    }
    sync_fetch_add_u64(&st->reads, n, SYNC_RELAXED);
    return NULL;
}

/* One writer takes the lock TEST_ST_WRITES times (100 us apart) against
 * |readers| readers, within |budget_ns|; prints how many it got and their
 * latency. */
static void test_st_run(struct test_starve *st, unsigned readers, uint64_t budget_ns)
{
    CU_ASSERT_EQUAL_FATAL(st->o->init(st->lock, 0), 0);
    st->end_ns = util_now_ns() + budget_ns;
    pthread_t t[TEST_ST_READERS];
    for (unsigned i = 0; i < readers; i++)
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, test_st_reader, st), 0);
    double lat[TEST_ST_WRITES];
    unsigned got = 0;
    /* A writer blocked at the end gets in once the readers stop. */
    while (got < TEST_ST_WRITES && util_now_ns() < st->end_ns) {
        uint64_t t0 = util_now_ns();
        st->o->wrlock(st->lock);
        lat[got++] = (double)(util_now_ns() - t0);
        st->o->wrunlock(st->lock);
        test_sleep_us(100);
    }
    sync_store_u32(&st->stop, 1, SYNC_RELAXED);
    for (unsigned i = 0; i < readers; i++)
        pthread_join(t[i], NULL);
    st->o->fini(st->lock);
    char med[32], p99[32], max[32];
    double m = got ? util_median(lat, got) : 0, q = got ? util_percentile(lat, got, 99) : 0;
    printf("\n    %-17s (%s, %u readers) writer got %3u/%u in budget: wait median %s, "
           "p99 %s, max %s; %llu reads", st->o->name, st->o->info->policy, readers, got,
           TEST_ST_WRITES, util_fmt_ns(med, sizeof med, m), util_fmt_ns(p99, sizeof p99, q),
           util_fmt_ns(max, sizeof max, got ? lat[got - 1] : 0),
           (unsigned long long)sync_load_u64(&st->reads, SYNC_RELAXED));
}

#define TEST_RWV_ENTRY(id) &rwv_##id,
static const struct rwv_ops *const test_all[] = { RWLOCKD_ALL(TEST_RWV_ENTRY) };

/* A measurement, not a check: the numbers depend on the machine and its
 * load. The only assertions are that the runs were set up. A spinner gets
 * no more threads than CPUs. */
static void test_rwlock_writer_starvation(void)
{
    uint64_t budget = test_sanitized() ? 1000000000ull : 2000000000ull;
    for (size_t i = 0; i < sizeof test_all / sizeof test_all[0]; i++) {
        const struct rwv_ops *o = test_all[i];
        unsigned readers = TEST_ST_READERS;
        if (o->info->spins && test_max_threads(o) - 1 < readers)
            readers = test_max_threads(o) - 1;
        if (o->info->unavailable) {
            printf("\n    %-17s skipped: %s", o->name, o->info->unavailable);
            continue;
        }
        struct test_starve *st = calloc(1, sizeof *st);
        CU_ASSERT_PTR_NOT_NULL_FATAL(st);
        st->o = o;
        test_st_run(st, readers, budget);
        free(st);
    }
}

#define TEST_ENTRY(id) { #id, test_rwlock_##id }, { #id "_pshared", test_rwlock_##id##_pshared },
static const struct test_case tests[] = {
    RWLOCKD_ALL(TEST_ENTRY)
    { "static_init", test_rwlock_static_init },
    { "waiting_writer_first", test_rwlock_waiting_writer_first },
    { "writer_starvation", test_rwlock_writer_starvation },
    { NULL, NULL }
};

TEST_MAIN("rwlock", tests)
