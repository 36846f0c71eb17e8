/* labs/common/desc/queued.h - queue descriptors: each queue described once.
 *
 * The lock descriptors' idea (lockd.h) for queues: a queue is named in one
 * small header, and the queue lab's variant (labs/queue/<id>.c), bench-queue's
 * row and the stress tests (tests/test_queues.c) include it.
 *
 * THE SHAPE. labs/common/desc/queue_<id>.h defines, for its <id> (a C
 * identifier; any number of descriptors may share a translation unit):
 *
 *   typedef ... queued_<id>_t;        the queue's header; its slots may follow it
 *   #define QUEUED_<id>_PROCS 1 or 0  works across processes (SYNC_PSHARED, MAP_SHARED)
 *   #define QUEUED_<id>_NO_PROCS "why"        only when QUEUED_<id>_PROCS is 0
 *   static inline size_t queued_<id>_size(uint32_t capacity);
 *       bytes of a queue of |capacity| items, header included (an unbounded
 *       queue: sizeof its header, whatever the capacity).
 *   static inline int queued_<id>_init(queued_<id>_t *q, uint32_t capacity, unsigned flags);
 *       on queued_<id>_size(capacity) bytes, zeroed, aligned to SYNC_CACHELINE.
 *       capacity: a power of two from 2 (bounded queues; unbounded ignore it).
 *       flags: 0, or SYNC_PSHARED in a MAP_SHARED segment (the procs model:
 *       lab_env.sync_flags). Returns 0 or an errno value (EINVAL: a capacity
 *       it cannot take, or SYNC_PSHARED on a queue that cannot be shared).
 *   static inline void queued_<id>_fini(queued_<id>_t *q);   frees what init took
 *   static inline void *queued_<id>_enter(queued_<id>_t *q);
 *   static inline void queued_<id>_leave(queued_<id>_t *q, void *h);
 *       a per-thread handle (msqueue: a hazard-pointer record), taken by each
 *       producer and consumer before its first operation and given back after
 *       its last; NULL where the queue needs none. For a queue that needs one,
 *       NULL means out of memory, and every operation with it fails.
 *   static inline bool queued_<id>_trypush(queued_<id>_t *q, void *h, uint64_t v);
 *   static inline bool queued_<id>_trypop(queued_<id>_t *q, void *h, uint64_t *v);
 *       false: full (push), empty (pop); never waits. Any value may travel,
 *       0 and UINT64_MAX included.
 *   static inline void queued_<id>_push(queued_<id>_t *q, void *h, uint64_t v);
 *   static inline void queued_<id>_pop(queued_<id>_t *q, void *h, uint64_t *v);
 *       wait for room or an item: blocking queues (.blocking) sleep, the
 *       others poll politely (QUEUED_POLLING: spin, then yield the CPU). With
 *       a NULL handle where one is needed they never return: check it.
 *   #define QUEUED_<id>_KNOWN entries...              (may be empty)
 *   static const struct lab_known_report queued_<id>_known_reports[];
 *       reports detectors are known to make on data the queue hands over
 *       although it is correct (entries and array as in lockd.h).
 *   static const struct queued_info queued_<id>_info;   see below
 *
 * A descriptor always compiles, also for a queue this build cannot offer
 * (Concurrency Kit or liburcu absent, or ThreadSanitizer, which cannot see
 * their inline-asm atomics): then .unavailable says why and the functions
 * abort. Code generated over QUEUED_ALL (queues.h) checks .unavailable.
 *
 * ADDING A QUEUE: labs/common/desc/queue_<id>.h in this shape (copy
 * queue_mpmc.h), and X(<id>) in QUEUED_ALL in queues.h. */
#ifndef RACELAB_QUEUED_H
#define RACELAB_QUEUED_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sync/atomic.h"
#include "sync/futex.h"   /* SYNC_PSHARED */

#include "lockd.h"   /* LOCKD_VALGRIND_BLIND, LOCKD_KNOWN_END, LOCKD_CK_WHY, UTIL_TSAN */

/* liburcu's queues: in a build that found it (racelab::urcu defines
 * RACELAB_HAVE_URCU), and not under TSan. QUEUED_URCU_WHY is their
 * .unavailable. */
#if defined(RACELAB_HAVE_URCU) && !UTIL_TSAN
#define QUEUED__URCU 1
#define QUEUED_URCU_WHY NULL
#else
#define QUEUED__URCU 0
#ifdef RACELAB_HAVE_URCU
#define QUEUED_URCU_WHY "built with ThreadSanitizer, which cannot see liburcu's inline-asm " \
                        "atomics (every hand-over would be a false report)"
#else
#define QUEUED_URCU_WHY "liburcu was not found at build time (apt-get install liburcu-dev, " \
                        "then rebuild)"
#endif
#endif

struct queued_info {
    const char *id;            /* "mpmc": the <id> of queued_<id>_ */
    const char *label;         /* "mpmc", "ck_ring-spsc": the row name in benches and tests */
    const char *desc;          /* one line: what it is and where it comes from */
    const char *group;         /* "sync" (ours), "ck" (Concurrency Kit), "urcu" (liburcu) */
    bool procs;                /* QUEUED_<id>_PROCS */
    const char *no_procs_why;  /* QUEUED_<id>_NO_PROCS, or NULL */
    unsigned max_producers;    /* 0: any; 1: single-producer */
    unsigned max_consumers;    /* 0: any; 1: single-consumer */
    bool fifo;                 /* items of one producer leave in the order they came */
    bool bounded;              /* capacity counts; else it grows (a node per item) */
    bool blocking;             /* has push/pop that sleep */
    bool weak_empty;           /* trypop may say empty while a push is half done */
    const char *unavailable;   /* NULL, or why not in this build and how to get it */
    const struct lab_known_report *known_reports;   /* queued_<id>_known_reports */
};

/* Token pasting for code generated over descriptors. */
#define QUEUED_T(id) LOCKD__CAT3(queued_, id, _t)
#define QUEUED_FN(id, fn) LOCKD__CAT3(queued_, id, LOCKD__CAT(_, fn))
#define QUEUED_INFO(id) LOCKD__CAT3(queued_, id, _info)
#define QUEUED_KNOWN(id) LOCKD__CAT3(queued_, id, _known_reports)
#define QUEUED_KNOWN_ENTRIES(id) LOCKD__CAT3(QUEUED_, id, _KNOWN)
#define QUEUED_PROCS(id) LOCKD__CAT3(QUEUED_, id, _PROCS)
#define QUEUED_NO_PROCS(id) LOCKD__CAT3(QUEUED_, id, _NO_PROCS)

/* For queues that need no per-thread handle. */
#define QUEUED_NO_HANDLE(id)                                                       \
    static inline void *queued_##id##_enter(queued_##id##_t *q)                    \
    {                                                                              \
        (void)q;                                                                   \
        return NULL;                                                               \
    }                                                                              \
    static inline void queued_##id##_leave(queued_##id##_t *q, void *h)            \
    {                                                                              \
        (void)q;                                                                   \
        (void)h;                                                                   \
    }

/* push and pop of a queue that does not sleep: poll its try operations,
 * spinning politely, then yielding the CPU (sync/atomic.h). */
#define QUEUED_POLLING(id)                                                         \
    static inline void queued_##id##_push(queued_##id##_t *q, void *h, uint64_t v) \
    {                                                                              \
        unsigned rounds = 0;                                                       \
        while (!queued_##id##_trypush(q, h, v))                                    \
            sync__spin_wait(&rounds);                                              \
    }                                                                              \
    static inline void queued_##id##_pop(queued_##id##_t *q, void *h, uint64_t *v) \
    {                                                                              \
        unsigned rounds = 0;                                                       \
        while (!queued_##id##_trypop(q, h, v))                                     \
            sync__spin_wait(&rounds);                                              \
    }

/* The valgrind report on slots or nodes handed over with C11 release stores
 * and acquire loads (or CAS): on x86 those are plain movs valgrind cannot
 * tell from racy ones. Measured on lab-queue (threads): each queue so marked
 * is exact (no loss, duplicate or reordering) in every native trial and
 * clean under TSan; helgrind/DRD report the ring slots or nodes it hands
 * over. */
#define QUEUED_VALGRIND_BLIND(why) LOCKD_VALGRIND_BLIND(why)

#endif /* RACELAB_QUEUED_H */
