/* tests/rwlock_validate.h - the one readers-writer validator (as
 * lock_validate.h is for locks): every rwlock runs the same invariant checks
 * through a table of its calls.
 *   - a writer never overlaps anyone: inside a write section no reader and
 *     no other writer is inside (atomic occupancy counters);
 *   - readers see whole writes: each writer sets all RWV_WORDS plain words to
 *     one new value, each reader checks they agree (plain data, so TSan also
 *     checks that the lock orders them);
 *   - no write is lost: the plain write counter equals the write sections;
 *   - readers may overlap: the most readers seen inside at once is reported
 *     (whether they overlap is the scheduler's business, so it is printed,
 *     not asserted; test_rwlock.c proves overlap with trylocks instead).
 * RWV_DESCRIBE(id) makes the table for readers-writer lock descriptor <id>
 * (labs/common/desc/rwlock_<id>.h, the shape in rwlockd.h): every call goes
 * through the descriptor. */
#ifndef RACELAB_TEST_RWLOCK_VALIDATE_H
#define RACELAB_TEST_RWLOCK_VALIDATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "sync/atomic.h"

#include "../labs/common/desc/rwlockd.h"

struct rwv_ops {
    const char *name;
    const struct rwlockd_info *info;
    int (*init)(void *l, unsigned flags);
    void (*fini)(void *l);
    void (*rdlock)(void *l);
    void (*rdunlock)(void *l);
    void (*wrlock)(void *l);
    void (*wrunlock)(void *l);
    bool (*tryrdlock)(void *l);   /* call only when info->has_try */
    bool (*trywrlock)(void *l);
};

#define RWV_LOCK_BYTES 256u

/* rwv_<id>: the validator's view of descriptor <id>, once at file scope. */
#define RWV_DESCRIBE(id)                                                               \
    _Static_assert(sizeof(rwlockd_##id##_t) <= RWV_LOCK_BYTES, "room for " #id);        \
    static int rwv_##id##_init(void *l, unsigned f) { return rwlockd_##id##_init(l, f); } \
    static void rwv_##id##_fini(void *l) { rwlockd_##id##_fini(l); }                   \
    static void rwv_##id##_rdlock(void *l) { rwlockd_##id##_read_acquire(l); }         \
    static void rwv_##id##_rdunlock(void *l) { rwlockd_##id##_read_release(l); }       \
    static void rwv_##id##_wrlock(void *l) { rwlockd_##id##_write_acquire(l); }        \
    static void rwv_##id##_wrunlock(void *l) { rwlockd_##id##_write_release(l); }      \
    static bool rwv_##id##_tryrd(void *l) { return rwlockd_##id##_read_try(l); }       \
    static bool rwv_##id##_trywr(void *l) { return rwlockd_##id##_write_try(l); }      \
    static const struct rwv_ops rwv_##id = {                                           \
        #id, &rwlockd_##id##_info, rwv_##id##_init, rwv_##id##_fini, rwv_##id##_rdlock, \
        rwv_##id##_rdunlock, rwv_##id##_wrlock, rwv_##id##_wrunlock, rwv_##id##_tryrd,  \
        rwv_##id##_trywr };

#define RWV_WORDS 8u

/* Everything the workers share; lives in MAP_SHARED memory for processes. */
struct rwv_shared {
    _Alignas(64) unsigned char lock[RWV_LOCK_BYTES]; /* the lock under test */
    sync_atomic_u32 readers;       /* inside as readers */
    sync_atomic_u32 writers;       /* inside as writers */
    sync_atomic_u32 violations;
    sync_atomic_u32 max_readers;
    sync_atomic_u64 write_sections;
    uint64_t data[RWV_WORDS];      /* plain: under the lock */
    uint64_t writes;               /* plain: under the write lock */
};

struct rwv_worker {
    const struct rwv_ops *ops;
    struct rwv_shared *sh;
    unsigned iters, read_pct;
    uint64_t seed;
};

static inline uint64_t rwv_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static inline unsigned rwv_read_section(struct rwv_shared *sh)
{
    unsigned bad = 0;
    uint32_t in = sync_fetch_add_u32(&sh->readers, 1, SYNC_RELAXED) + 1;
    bad += sync_load_u32(&sh->writers, SYNC_RELAXED) != 0;
    uint32_t max = sync_load_u32(&sh->max_readers, SYNC_RELAXED);
    while (in > max && !sync_cas_u32(&sh->max_readers, &max, in, SYNC_RELAXED, SYNC_RELAXED))
        ;
    for (unsigned k = 1; k < RWV_WORDS; k++)
        bad += sh->data[k] != sh->data[0];
    for (volatile int k = 0; k < 20; k++)
        ; /* stay a little: more chances for readers to overlap */
    bad += sync_load_u32(&sh->writers, SYNC_RELAXED) != 0;
    sync_fetch_sub_u32(&sh->readers, 1, SYNC_RELAXED);
    return bad;
}

static inline unsigned rwv_write_section(struct rwv_shared *sh)
{
    unsigned bad = sync_exchange_u32(&sh->writers, 1, SYNC_RELAXED) != 0;
    bad += sync_load_u32(&sh->readers, SYNC_RELAXED) != 0;
    uint64_t v = sh->data[0] + 1;
    for (unsigned k = 0; k < RWV_WORDS; k++)
        sh->data[k] = v;
    sh->writes++;
    sync_store_u32(&sh->writers, 0, SYNC_RELAXED);
    return bad;
}

static inline void *rwv_worker_main(void *arg)
{
    struct rwv_worker *w = arg;
    unsigned bad = 0;
    uint64_t wrote = 0, s = w->seed | 1;
    for (unsigned i = 0; i < w->iters; i++) {
        if (rwv_next(&s) % 100 < w->read_pct) {
            w->ops->rdlock(w->sh->lock);
            bad += rwv_read_section(w->sh);
            w->ops->rdunlock(w->sh->lock);
        } else {
            w->ops->wrlock(w->sh->lock);
            bad += rwv_write_section(w->sh);
            w->ops->wrunlock(w->sh->lock);
            wrote++;
        }
    }
    sync_fetch_add_u32(&w->sh->violations, bad, SYNC_RELAXED);
    sync_fetch_add_u64(&w->sh->write_sections, wrote, SYNC_RELAXED);
    return NULL;
}

/* |threads| threads of this process on |sh| (initialised by the caller). */
static inline int rwv_run_threads(const struct rwv_ops *ops, struct rwv_shared *sh,
                                  unsigned threads, unsigned iters, unsigned read_pct,
                                  uint64_t seed)
{
    pthread_t t[16];
    struct rwv_worker w[16];
    if (threads > 16)
        return -1;
    for (unsigned i = 0; i < threads; i++) {
        w[i] = (struct rwv_worker){ ops, sh, iters, read_pct, seed * 1000003u + i * 7919u };
        if (pthread_create(&t[i], NULL, rwv_worker_main, &w[i]) != 0)
            return -1;
    }
    for (unsigned i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    return 0;
}

/* True when |sh| passed every check; prints one line. */
static inline bool rwv_report(const struct rwv_ops *ops, const struct rwv_shared *sh,
                              const char *what, unsigned read_pct)
{
    uint32_t bad = sync_load_u32(&sh->violations, SYNC_RELAXED);
    uint64_t wrote = sync_load_u64(&sh->write_sections, SYNC_RELAXED);
    printf("\n    %-13s %-12s %2u%% reads: %llu writes, max %u readers inside, violations %u",
           ops->name, what, read_pct, (unsigned long long)sh->writes,
           sync_load_u32(&sh->max_readers, SYNC_RELAXED), bad);
    return bad == 0 && sh->writes == wrote;
}

#endif
