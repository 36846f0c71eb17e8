/* labs/common/desc/lockd.h - lock descriptors: each lock described once.
 *
 * After Concurrency Kit's regressions/ck_spinlock/ck_ticket.h: a lock is
 * named in one small header, and everything that uses "a lock" includes it:
 * the counter lab's variant (labs/counter/<id>.c), bench-counter's twin row
 * and the lock validator (tests/lock_validate.h, tests/test_locks.c). The
 * lock call of each primitive (sync_ticket_lock, pthread_mutex_lock, ...)
 * appears in its descriptor and nowhere else.
 *
 * THE SHAPE. labs/common/desc/lock_<id>.h defines, for its <id> (a C
 * identifier; any number of descriptors may share a translation unit):
 *
 *   typedef ... lockd_<id>_t;                    the lock, embeddable in shared state
 *   #define LOCKD_<id>_PROCS 1 or 0               works across processes (see flags)
 *   #define LOCKD_<id>_NO_PROCS "why"             only when LOCKD_<id>_PROCS is 0
 *   static inline int  lockd_<id>_init(lockd_<id>_t *l, unsigned flags);
 *       flags: 0, or SYNC_PSHARED when the lock lives in a MAP_SHARED segment
 *       used by several processes (the procs model: lab_env.sync_flags).
 *       Returns 0 or an errno value (EINVAL: SYNC_PSHARED on a lock that
 *       cannot be shared). The memory is zeroed before init.
 *   static inline void lockd_<id>_fini(lockd_<id>_t *l);
 *   static inline void lockd_<id>_acquire(lockd_<id>_t *l, lockd_node *n);
 *   static inline void lockd_<id>_release(lockd_<id>_t *l, lockd_node *n);
 *   static inline bool lockd_<id>_try(lockd_<id>_t *l, lockd_node *n);
 *       n: per-acquisition storage (the MCS queue node), on the caller's
 *       stack, unmoved from acquire/try to release. Every lock so far has a
 *       trylock; one without would define LOCKD_<id>_NO_TRY instead of _try.
 *       Where each of the three is one call, the descriptor writes them as
 *       one line with the generator below,
 *         LOCKD_CALLS(<id>, <lock>(l), <unlock>(l), <trylock>(l))
 *       (lock_ticket.h; lock_mcs.h passes its node, &n->mcs), a fini with
 *       nothing to undo as LOCKD_NO_FINI(<id>), and the init of a lock that
 *       refuses SYNC_PSHARED as LOCKD_PRIVATE_INIT(<id>, expr). The calls
 *       stay in the descriptor: the macros only wrap them.
 *   #define LOCKD_<id>_KNOWN entries...               (may be empty)
 *   static const struct lab_known_report lockd_<id>_known_reports[];
 *       what detectors are known to report on data this lock guards although
 *       it is correct: the entries (struct lab_known_report initializers,
 *       each followed by a comma), and the NULL-terminated array of them.
 *       Lab variants built on the lock inherit the entries
 *       (labs/common/variant_gen.h) and may add their lab's own.
 *   static const struct lockd_info lockd_<id>_info;   see below
 *
 * Robust locks (they survive their owner's death) add:
 *   static inline int  lockd_<id>_acquire_robust(lockd_<id>_t *l, lockd_node *n);
 *       0, or EOWNERDEAD: held, but the previous owner died holding it; the
 *       state it guards may be half-updated: repair it, then
 *   static inline void lockd_<id>_consistent(lockd_<id>_t *l);
 *   (LOCKD_ACQUIRE_RECOVER below writes the two as one statement). Their plain
 *   _acquire aborts where _acquire_robust would say EOWNERDEAD: a caller that
 *   cannot hear of a dead owner must not go on as if nothing happened.
 *
 * A descriptor always compiles, even for a lock this build cannot offer
 * (Concurrency Kit absent, or ThreadSanitizer, which cannot see CK's atomics):
 * then lockd_<id>_info.unavailable says why and the functions abort. Code
 * generated over LOCKD_ALL (locks.h) checks .unavailable before running one.
 *
 * ADDING A LOCK: write labs/common/desc/lock_<id>.h in this shape (copy
 * lock_ticket.h: the typedef, init, one LOCKD_CALLS line, LOCKD_NO_FINI when
 * fini has nothing to do, the known reports and the info) and add X(<id>) to
 * LOCKD_ALL in locks.h: the validator checks every lock listed there
 * (tests/test_locks.c). bench-counter measures the locks of its own TWINS
 * list (labs/bench/counter.c, one X(<id>) more), and a counter variant is the
 * lesson comment plus the lines labs/counter/ticket.c has.
 */
#ifndef RACELAB_LOCKD_H
#define RACELAB_LOCKD_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "sync/atomic.h"
#include "sync/futex.h"   /* SYNC_PSHARED */
#include "sync/mcs.h"

#include "../lab.h"   /* struct lab_known_report */
#include "util/tsan.h"

#ifdef RACELAB_HAVE_CK
#include <ck_spinlock.h>
#endif

/* Concurrency Kit's locks: in a build that found it (racelab::ck defines
 * RACELAB_HAVE_CK), and not under TSan. LOCKD_CK_WHY is their .unavailable. */
#if defined(RACELAB_HAVE_CK) && !UTIL_TSAN
#define LOCKD__CK 1
#define LOCKD_CK_WHY NULL
#else
#define LOCKD__CK 0
#ifdef RACELAB_HAVE_CK
#define LOCKD_CK_WHY "built with ThreadSanitizer, which cannot see Concurrency Kit's inline-asm " \
                     "atomics (every critical section would be a false report)"
#else
#define LOCKD_CK_WHY "Concurrency Kit was not found at build time (apt-get install libck-dev, " \
                     "then rebuild)"
#endif
#endif

/* Per-acquisition storage a lock may need: the queue node of an MCS lock. */
typedef union {
    sync_mcs_node_t mcs;
#ifdef RACELAB_HAVE_CK
    struct ck_spinlock_mcs ck_mcs;
#endif
    char bytes[SYNC_CACHELINE];
} lockd_node;

struct lockd_info {
    const char *id;            /* "ticket": the <id> of lockd_<id>_ */
    const char *label;         /* "ticket", "pthread_spin": the row name in benches and tests */
    const char *desc;          /* one line: what it is and where it comes from */
    const char *group;         /* "sync" (ours), "glibc" or "ck" (Concurrency Kit) */
    bool procs;                /* LOCKD_<id>_PROCS */
    const char *no_procs_why;  /* LOCKD_<id>_NO_PROCS, or NULL */
    bool robust;               /* has _acquire_robust and _consistent */
    const char *coros_only;    /* NULL, or why only coroutines may take it (not threads) */
    const char *unavailable;   /* NULL, or why not in this build and how to get it */
    const struct lab_known_report *known_reports;   /* lockd_<id>_known_reports */
};

/* The robust acquire as one statement: takes |l|, and when its previous
 * owner died holding it runs REPAIR (with the lock held), then declares the
 * lock consistent. */
#define LOCKD_ACQUIRE_RECOVER(id, l, n, REPAIR)                         \
    do {                                                                \
        if (lockd_##id##_acquire_robust((l), (n)) == EOWNERDEAD) {      \
            REPAIR;                                                     \
            lockd_##id##_consistent(l);                                 \
        }                                                               \
    } while (0)

/* Token pasting for code generated over descriptors. */
#define LOCKD__CAT2(a, b) a##b
#define LOCKD__CAT(a, b) LOCKD__CAT2(a, b)
#define LOCKD__CAT3(a, b, c) LOCKD__CAT(LOCKD__CAT(a, b), c)
#define LOCKD_T(id) LOCKD__CAT3(lockd_, id, _t)
#define LOCKD_FN(id, fn) LOCKD__CAT3(lockd_, id, LOCKD__CAT(_, fn))
#define LOCKD_INFO(id) LOCKD__CAT3(lockd_, id, _info)
#define LOCKD_KNOWN(id) LOCKD__CAT3(lockd_, id, _known_reports)
#define LOCKD_KNOWN_ENTRIES(id) LOCKD__CAT3(LOCKD_, id, _KNOWN)
#define LOCKD_PROCS(id) LOCKD__CAT3(LOCKD_, id, _PROCS)
#define LOCKD_NO_PROCS(id) LOCKD__CAT3(LOCKD_, id, _NO_PROCS)

/* The function bodies of a lock or queue this build cannot offer: never
 * called (callers check .unavailable), abort if they are. */
static inline void lockd__unavailable(void)
{
    abort();
}

/* The three wrappers of a lock whose acquire, release and try are one call
 * each (as Concurrency Kit's regressions/ck_spinlock/ck_ticket.h names its
 * LOCK, UNLOCK and TRYLOCK calls and shared code wraps them): ACQUIRE and
 * RELEASE are statements without their semicolon, TRY a bool expression,
 * all over the lock |l| and the node |n| (either may go unused). Defines
 * lockd_<id>_acquire, _release and _try. */
#define LOCKD_CALLS(id, ACQUIRE, RELEASE, TRY)                                       \
    static inline void lockd_##id##_acquire(lockd_##id##_t *l, lockd_node *n)        \
    {                                                                                \
        (void)l, (void)n;                                                            \
        ACQUIRE;                                                                     \
    }                                                                                \
    static inline void lockd_##id##_release(lockd_##id##_t *l, lockd_node *n)        \
    {                                                                                \
        (void)l, (void)n;                                                            \
        RELEASE;                                                                     \
    }                                                                                \
    static inline bool lockd_##id##_try(lockd_##id##_t *l, lockd_node *n)            \
    {                                                                                \
        (void)l, (void)n;                                                            \
        return (TRY);                                                                \
    }

/* The init of a process-private lock (LOCKD_<id>_PROCS 0): EINVAL for
 * SYNC_PSHARED, else INIT, an expression over |l| giving 0 or an errno value. */
#define LOCKD_PRIVATE_INIT(id, INIT)                                                 \
    static inline int lockd_##id##_init(lockd_##id##_t *l, unsigned flags)           \
    {                                                                                \
        return flags & SYNC_PSHARED ? EINVAL : (INIT);                               \
    }

/* The fini of a lock that holds no resource: nothing to undo. */
#define LOCKD_NO_FINI(id) \
    static inline void lockd_##id##_fini(lockd_##id##_t *l) { (void)l; }

/* A lock this build cannot offer: its type and functions, all in the shape,
 * none usable (init says ENOSYS, the others abort). */
#define LOCKD_UNAVAILABLE(id)                                                        \
    typedef int lockd_##id##_t;                                                      \
    static inline int lockd_##id##_init(lockd_##id##_t *l, unsigned flags)           \
    {                                                                                \
        (void)l;                                                                     \
        (void)flags;                                                                 \
        return ENOSYS;                                                               \
    }                                                                                \
    LOCKD_NO_FINI(id)                                                                \
    LOCKD_CALLS(id, lockd__unavailable(), lockd__unavailable(),                      \
                (lockd__unavailable(), false))

/* The known report synchronization built on C11 atomics and futex() gets
 * from valgrind's tools when nobody told them what it does (helgrind and DRD
 * know only the pthread and sem_* calls they intercept, and the client
 * requests of sync/annotate.h): they report the data it guards. sync/'s
 * primitives are annotated and carry no entry; a report on them counts.
 * What still uses it says why, with its evidence (queue_msqueue.h). */
#define LOCKD_VALGRIND_BLIND(why) { "valgrind", "", "", why }
#define LOCKD_KNOWN_END { NULL, NULL, NULL, NULL }

#endif /* RACELAB_LOCKD_H */
