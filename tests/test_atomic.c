/* tests/test_atomic.c - sync/atomic.h: single-thread semantics of every
 * operation (values returned, CAS failure reporting the current value) under
 * every memory order, and exactness of concurrent read-modify-writes. The
 * same file runs against both backends (RACELAB_ATOMICS=c11 | ao). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "sync/atomic.h"
#include "test_main.h"

static const sync_order test_orders[] = {
    SYNC_RELAXED, SYNC_ACQUIRE, SYNC_RELEASE, SYNC_ACQ_REL, SYNC_SEQ_CST
};
#define TEST_NORDERS (sizeof test_orders / sizeof test_orders[0])

static void test_atomic_backend_named(void)
{
    CU_ASSERT_TRUE(strlen(SYNC_ATOMIC_BACKEND) > 0);
#ifdef SYNC_ATOMICS_AO
    CU_ASSERT_EQUAL(strncmp(SYNC_ATOMIC_BACKEND, "libatomic_ops", 13), 0);
#else
    CU_ASSERT_STRING_EQUAL(SYNC_ATOMIC_BACKEND, "c11 <stdatomic.h>");
#endif
    printf("\n    backend: %s", SYNC_ATOMIC_BACKEND);
}

static void test_atomic_init(void)
{
    static sync_atomic_u32 a = SYNC_ATOMIC_INIT(7);
    static sync_atomic_u64 b = SYNC_ATOMIC_INIT(UINT64_C(1) << 40);
    static int obj;
    static sync_atomic_ptr p = SYNC_ATOMIC_INIT(&obj);
    static sync_atomic_ptr q = SYNC_ATOMIC_INIT(NULL);
    CU_ASSERT_EQUAL(sync_load_u32(&a, SYNC_RELAXED), 7);
    CU_ASSERT_EQUAL(sync_load_u64(&b, SYNC_RELAXED), UINT64_C(1) << 40);
    CU_ASSERT_PTR_EQUAL(sync_load_ptr(&p, SYNC_RELAXED), &obj);
    CU_ASSERT_PTR_NULL(sync_load_ptr(&q, SYNC_RELAXED));
}

static void test_atomic_u32_ops(void)
{
    for (size_t i = 0; i < TEST_NORDERS; i++) {
        sync_order o = test_orders[i];
        sync_atomic_u32 a = SYNC_ATOMIC_INIT(0);

        sync_store_u32(&a, 10, o);
        CU_ASSERT_EQUAL(sync_load_u32(&a, o), 10);
        CU_ASSERT_EQUAL(sync_exchange_u32(&a, 20, o), 10);
        CU_ASSERT_EQUAL(sync_load_u32(&a, SYNC_RELAXED), 20);
        CU_ASSERT_EQUAL(sync_fetch_add_u32(&a, 5, o), 20);
        CU_ASSERT_EQUAL(sync_fetch_sub_u32(&a, 3, o), 25);
        CU_ASSERT_EQUAL(sync_load_u32(&a, o), 22);

        /* Wrap-around is modular, as for unsigned arithmetic. */
        sync_store_u32(&a, UINT32_MAX, o);
        CU_ASSERT_EQUAL(sync_fetch_add_u32(&a, 2, o), UINT32_MAX);
        CU_ASSERT_EQUAL(sync_load_u32(&a, o), 1);
        CU_ASSERT_EQUAL(sync_fetch_sub_u32(&a, 2, o), 1);
        CU_ASSERT_EQUAL(sync_load_u32(&a, o), UINT32_MAX);

        for (size_t j = 0; j < TEST_NORDERS; j++) {
            sync_order f = test_orders[j];
            uint32_t expected = 5;
            sync_store_u32(&a, 6, SYNC_RELAXED);
            CU_ASSERT_FALSE(sync_cas_u32(&a, &expected, 9, o, f));
            CU_ASSERT_EQUAL(expected, 6); /* failure reports the current value */
            CU_ASSERT_EQUAL(sync_load_u32(&a, SYNC_RELAXED), 6);
            CU_ASSERT_TRUE(sync_cas_u32(&a, &expected, 9, o, f));
            CU_ASSERT_EQUAL(expected, 6); /* success leaves it alone */
            CU_ASSERT_EQUAL(sync_load_u32(&a, SYNC_RELAXED), 9);
        }
    }
}

static void test_atomic_u64_ops(void)
{
    const uint64_t big = UINT64_C(0x123456789a);   /* does not fit in 32 bits */
    for (size_t i = 0; i < TEST_NORDERS; i++) {
        sync_order o = test_orders[i];
        sync_atomic_u64 a = SYNC_ATOMIC_INIT(0);

        sync_store_u64(&a, big, o);
        CU_ASSERT_EQUAL(sync_load_u64(&a, o), big);
        CU_ASSERT_EQUAL(sync_exchange_u64(&a, big << 8, o), big);
        CU_ASSERT_EQUAL(sync_fetch_add_u64(&a, UINT64_C(1) << 33, o), big << 8);
        CU_ASSERT_EQUAL(sync_fetch_sub_u64(&a, 1, o), (big << 8) + (UINT64_C(1) << 33));
        CU_ASSERT_EQUAL(sync_load_u64(&a, o), (big << 8) + (UINT64_C(1) << 33) - 1);

        sync_store_u64(&a, UINT64_MAX, o);
        CU_ASSERT_EQUAL(sync_fetch_add_u64(&a, 1, o), UINT64_MAX);
        CU_ASSERT_EQUAL(sync_load_u64(&a, o), 0);

        for (size_t j = 0; j < TEST_NORDERS; j++) {
            sync_order f = test_orders[j];
            uint64_t expected = big;
            sync_store_u64(&a, big + 1, SYNC_RELAXED);
            CU_ASSERT_FALSE(sync_cas_u64(&a, &expected, 0, o, f));
            CU_ASSERT_EQUAL(expected, big + 1);
            CU_ASSERT_TRUE(sync_cas_u64(&a, &expected, big << 20, o, f));
            CU_ASSERT_EQUAL(sync_load_u64(&a, SYNC_RELAXED), big << 20);
        }
    }
}

static void test_atomic_ptr_ops(void)
{
    int x, y;
    for (size_t i = 0; i < TEST_NORDERS; i++) {
        sync_order o = test_orders[i];
        sync_atomic_ptr p = SYNC_ATOMIC_INIT(NULL);

        CU_ASSERT_PTR_NULL(sync_load_ptr(&p, o));
        sync_store_ptr(&p, &x, o);
        CU_ASSERT_PTR_EQUAL(sync_load_ptr(&p, o), &x);
        CU_ASSERT_PTR_EQUAL(sync_exchange_ptr(&p, &y, o), &x);
        CU_ASSERT_PTR_EQUAL(sync_load_ptr(&p, o), &y);

        for (size_t j = 0; j < TEST_NORDERS; j++) {
            sync_order f = test_orders[j];
            void *expected = &x;
            sync_store_ptr(&p, &y, SYNC_RELAXED);
            CU_ASSERT_FALSE(sync_cas_ptr(&p, &expected, NULL, o, f));
            CU_ASSERT_PTR_EQUAL(expected, &y);
            CU_ASSERT_TRUE(sync_cas_ptr(&p, &expected, NULL, o, f));
            CU_ASSERT_PTR_NULL(sync_load_ptr(&p, SYNC_RELAXED));
        }
    }
}

static void test_atomic_fence_and_relax(void)
{
    /* No observable single-thread effect beyond not crashing; they exist so
     * that every order reaches the backend's fence (a wrong mapping fails to
     * compile in the AO backend). */
    sync_atomic_u32 a = SYNC_ATOMIC_INIT(1);
    for (size_t i = 0; i < TEST_NORDERS; i++) {
        sync_fence(test_orders[i]);
        sync_cpu_relax();
    }
    CU_ASSERT_EQUAL(sync_load_u32(&a, SYNC_RELAXED), 1);
}

/* ---- concurrent exactness ---------------------------------------------- */

#define TEST_THREADS 4u

static unsigned test_iters(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") == 0 ? 200000u : 20000u;
}

struct test_shared {
    unsigned iters;
    sync_atomic_u32 go;          /* start flag: all threads race from here */
    sync_atomic_u32 add32;
    sync_atomic_u64 add64;
    sync_atomic_u64 sub64;
    sync_atomic_u64 cas64;       /* incremented by CAS loops */
    sync_atomic_u64 xchg_sum;    /* sum of values exchanged out */
    sync_atomic_u64 xchg;        /* token exchanged around */
};

static void *test_rmw_thread(void *arg)
{
    struct test_shared *s = arg;
    uint64_t out = 0;
    /* Acquire: pairs with the main thread's release store of |go|. */
    while (sync_load_u32(&s->go, SYNC_ACQUIRE) == 0)
        sync_cpu_relax();
    for (unsigned i = 0; i < s->iters; i++) {
        sync_fetch_add_u32(&s->add32, 1, SYNC_RELAXED);
        sync_fetch_add_u64(&s->add64, 3, SYNC_ACQ_REL);
        sync_fetch_sub_u64(&s->sub64, 2, SYNC_SEQ_CST);
        uint64_t v = sync_load_u64(&s->cas64, SYNC_RELAXED);
        while (!sync_cas_u64(&s->cas64, &v, v + 1, SYNC_RELAXED, SYNC_RELAXED))
            ;
        /* Every value put in is taken out exactly once, by someone. */
        out += sync_exchange_u64(&s->xchg, 1, SYNC_ACQ_REL);
    }
    sync_fetch_add_u64(&s->xchg_sum, out, SYNC_RELAXED);
    return NULL;
}

static void test_atomic_concurrent_exact(void)
{
    static struct test_shared s;
    pthread_t t[TEST_THREADS];
    const uint64_t n = (uint64_t)TEST_THREADS * test_iters();

    memset(&s, 0, sizeof s);
    s.iters = test_iters();
    sync_store_u64(&s.sub64, 2 * n, SYNC_RELAXED);
    for (unsigned i = 0; i < TEST_THREADS; i++)
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, test_rmw_thread, &s), 0);
    /* Release: pairs with the workers' acquire loads of |go|. */
    sync_store_u32(&s.go, 1, SYNC_RELEASE);
    for (unsigned i = 0; i < TEST_THREADS; i++)
        pthread_join(t[i], NULL);

    CU_ASSERT_EQUAL(sync_load_u32(&s.add32, SYNC_RELAXED), (uint32_t)n);
    CU_ASSERT_EQUAL(sync_load_u64(&s.add64, SYNC_RELAXED), 3 * n);
    CU_ASSERT_EQUAL(sync_load_u64(&s.sub64, SYNC_RELAXED), 0);
    CU_ASSERT_EQUAL(sync_load_u64(&s.cas64, SYNC_RELAXED), n);
    /* n exchanges put in n ones; all but the one left in place came out. */
    CU_ASSERT_EQUAL(sync_load_u64(&s.xchg_sum, SYNC_RELAXED) +
                        sync_load_u64(&s.xchg, SYNC_RELAXED), n);
}

/* Message passing: a release store of a flag publishes a plain write to the
 * acquiring reader (ThreadSanitizer checks the pairing in sanitizer builds). */
struct test_mp {
    uint64_t data;              /* plain */
    sync_atomic_u32 ready;
};

static void *test_mp_writer(void *arg)
{
    struct test_mp *m = arg;
    m->data = 42;
    /* Release: pairs with the reader's acquire load of |ready|. */
    sync_store_u32(&m->ready, 1, SYNC_RELEASE);
    return NULL;
}

static void test_atomic_message_passing(void)
{
    static struct test_mp m;
    pthread_t t;
    for (int round = 0; round < 100; round++) {
        memset(&m, 0, sizeof m);
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, test_mp_writer, &m), 0);
        /* Acquire: pairs with the writer's release store. */
        while (sync_load_u32(&m.ready, SYNC_ACQUIRE) == 0)
            sync_cpu_relax();
        CU_ASSERT_EQUAL(m.data, 42);
        pthread_join(t, NULL);
    }
}

static const struct test_case tests[] = {
    { "backend_named", test_atomic_backend_named },
    { "init", test_atomic_init },
    { "u32_ops", test_atomic_u32_ops },
    { "u64_ops", test_atomic_u64_ops },
    { "ptr_ops", test_atomic_ptr_ops },
    { "fence_and_relax", test_atomic_fence_and_relax },
    { "concurrent_exact", test_atomic_concurrent_exact },
    { "message_passing", test_atomic_message_passing },
    { NULL, NULL }
};
TEST_MAIN("atomic", tests)
