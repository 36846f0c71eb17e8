/* tests/test_tplock.c - the time-published ticket lock (sync/tplock.h).
 *
 * Mutual exclusion through the generic validator (lock_validate.h) at 2, 4
 * and 8 threads (8 on 2 cores is oversubscription, the case the lock is
 * for), trylock semantics, and the skip rule played deterministically by
 * planting waiters that "are not running" (a ticket taken and published
 * with an old timestamp, nobody spinning on it): the releaser must pass
 * them over, grant a running waiter, and leave the lock free when nobody
 * running waits. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sync/tplock.h"

#include "../labs/common/desc/lock_tplock.h"
#include "lock_validate.h"
#include "test_main.h"

static bool test_sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0;
}

static unsigned test_iters(void)
{
    return test_sanitized() ? 20000u : 100000u;
}

LV_DESCRIBE(tplock)
static const struct lv_lock tp_ops = LV_OPS(tplock, 0);

static void test_tplock_validate(void)
{
    static const unsigned counts[] = { 2, 4, 8 };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        struct lv_result r = lv_run(&tp_ops, counts[i], test_iters());
        CU_ASSERT_EQUAL(r.violations, 0);
        CU_ASSERT_EQUAL(r.counter, r.expected);
    }
}

static void test_tplock_trylock(void)
{
    CU_ASSERT_EQUAL(lv_check_trylock(&tp_ops), 0);
    static sync_tplock_t l = SYNC_TPLOCK_INIT;   /* the static initializer works too */
    CU_ASSERT(sync_tplock_trylock(&l));
    CU_ASSERT(!sync_tplock_trylock(&l));
    sync_tplock_unlock(&l);
    sync_tplock_lock(&l);
    sync_tplock_unlock(&l);
}

/* A waiter that is not running: ticket taken, published, stamp long stale. */
static uint32_t plant_ghost(sync_tplock_t *l)
{
    uint32_t t = sync_fetch_add_u32(&l->next, 1, SYNC_RELAXED);
    sync__tp_slot *s = &l->slot[t & (SYNC__TP_SLOTS - 1)];
    sync_store_u64(&s->stamp, 1, SYNC_RELAXED);
    sync_store_u64(&s->word, sync__tp_word(t, SYNC__TP_WAITING), SYNC_RELEASE);
    return t;
}

static uint64_t slot_word(sync_tplock_t *l, uint32_t t)
{
    return sync_load_u64(&l->slot[t & (SYNC__TP_SLOTS - 1)].word, SYNC_ACQUIRE);
}

/* Nobody running waits: unlock passes every ghost over and frees the lock. */
static void test_tplock_skips_to_free(void)
{
    sync_tplock_t *l = lv_create(&tp_ops);
    sync_tplock_lock(l);
    uint32_t g1 = plant_ghost(l), g2 = plant_ghost(l);
    sync_tplock_unlock(l);
    CU_ASSERT_EQUAL(slot_word(l, g1), sync__tp_word(g1, SYNC__TP_SKIPPED));
    CU_ASSERT_EQUAL(slot_word(l, g2), sync__tp_word(g2, SYNC__TP_SKIPPED));
    CU_ASSERT(sync_tplock_trylock(l));   /* free, although two tickets were out */
    sync_tplock_unlock(l);
    lv_destroy(&tp_ops, l);
}

struct runner {
    sync_tplock_t *l;
    sync_atomic_u32 done;
};

static void *runner(void *arg)
{
    struct runner *r = arg;
    sync_tplock_lock(r->l);
    sync_store_u32(&r->done, 1, SYNC_RELEASE);   /* pairs with the main thread's acquire */
    sync_tplock_unlock(r->l);
    return NULL;
}

/* A ghost ahead of a running waiter: the running one gets the lock, the
 * ghost is marked skipped. */
static void test_tplock_grants_running_waiter(void)
{
    struct runner r = { .l = lv_create(&tp_ops) };
    sync_tplock_lock(r.l);
    uint32_t g = plant_ghost(r.l);
    pthread_t t;
    CU_ASSERT_FATAL(pthread_create(&t, NULL, runner, &r) == 0);
    /* Wait until the runner took ticket g + 1 and published it (nobody can
     * skip it before we unlock). */
    while (slot_word(r.l, g + 1) != sync__tp_word(g + 1, SYNC__TP_WAITING))
        sched_yield();
    sync_tplock_unlock(r.l);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(sync_load_u32(&r.done, SYNC_ACQUIRE), 1);
    CU_ASSERT_EQUAL(slot_word(r.l, g), sync__tp_word(g, SYNC__TP_SKIPPED));
    CU_ASSERT(sync_tplock_trylock(r.l));
    sync_tplock_unlock(r.l);
    lv_destroy(&tp_ops, r.l);
}

static const struct test_case tests[] = {
    { "skips_to_free", test_tplock_skips_to_free },
    { "grants_running_waiter", test_tplock_grants_running_waiter },
    { "trylock", test_tplock_trylock },
    { "validate", test_tplock_validate },
    { NULL, NULL },
};

TEST_MAIN("tplock", tests)
