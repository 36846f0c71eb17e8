/* labs/common/desc/rwlockd.h - readers-writer lock descriptors: each rwlock
 * described once, as lockd.h describes the plain locks.
 *
 * A rwlock is named in one small header, labs/common/desc/rwlock_<id>.h, and
 * everything that uses "a readers-writer lock" includes it: bench-rwlock's
 * rows (labs/bench/rwlock.c) and the validator (tests/rwlock_validate.h,
 * tests/test_rwlock.c). Each lock's read and write calls (sync_rwlock_rdlock,
 * pthread_rwlock_wrlock, ck_pflock_read_lock, ...) appear in its descriptor
 * and nowhere else.
 *
 * THE SHAPE. rwlock_<id>.h defines, for its <id> (a C identifier; any number
 * of descriptors may share a translation unit):
 *
 *   typedef ... rwlockd_<id>_t;                  the lock, embeddable in shared state
 *   static inline int  rwlockd_<id>_init(rwlockd_<id>_t *l, unsigned flags);
 *       flags: 0, or SYNC_PSHARED when the lock lives in a MAP_SHARED segment
 *       used by several processes. Returns 0 or an errno value: EINVAL for
 *       any other flag, and for SYNC_PSHARED on a lock that cannot be shared.
 *       The memory is zeroed before init.
 *   static inline void rwlockd_<id>_fini(rwlockd_<id>_t *l);
 *   static inline void rwlockd_<id>_read_acquire(rwlockd_<id>_t *l);
 *   static inline void rwlockd_<id>_read_release(rwlockd_<id>_t *l);
 *   static inline void rwlockd_<id>_write_acquire(rwlockd_<id>_t *l);
 *   static inline void rwlockd_<id>_write_release(rwlockd_<id>_t *l);
 *   static inline bool rwlockd_<id>_read_try(rwlockd_<id>_t *l);
 *   static inline bool rwlockd_<id>_write_try(rwlockd_<id>_t *l);
 *       The try forms where the lock has them (.has_try); a lock without
 *       them writes RWLOCKD_NO_TRY(<id>), whose functions abort, so that
 *       code generated over RWLOCKD_ALL compiles and checks .has_try first.
 *       Where each call is one expression the descriptor writes all of them
 *       as one line with the generator below,
 *         RWLOCKD_CALLS(<id>, <rdlock>(l), <rdunlock>(l), <wrlock>(l), <wrunlock>(l))
 *         RWLOCKD_TRY(<id>, <tryrdlock>(l), <trywrlock>(l))
 *       and a fini with nothing to undo as RWLOCKD_NO_FINI(<id>).
 *   static const struct lab_known_report rwlockd_<id>_known_reports[];
 *       what detectors are known to report on data the lock guards although
 *       it is correct (NULL-terminated, as in lockd.h).
 *   static const struct rwlockd_info rwlockd_<id>_info;   see below
 *
 * A descriptor always compiles, even for a lock this build cannot offer
 * (Concurrency Kit absent, or ThreadSanitizer, which cannot see CK's atomics):
 * then .unavailable says why (LOCKD_CK_WHY) and the functions abort (init
 * says ENOSYS). Code generated over RWLOCKD_ALL (rwlocks.h) checks
 * .unavailable before running one.
 *
 * ADDING A RWLOCK: write rwlock_<id>.h in this shape (copy
 * rwlock_sync_rwlock.h) and add X(<id>) to RWLOCKD_ALL in rwlocks.h: the
 * validator and bench-rwlock then take it. */
#ifndef RACELAB_RWLOCKD_H
#define RACELAB_RWLOCKD_H

#include <errno.h>
#include <stdbool.h>

#include "lockd.h"   /* LOCKD__CK, LOCKD_CK_WHY, lockd__unavailable, known-report helpers */

struct rwlockd_info {
    const char *id;            /* "sync_rwlock": the <id> of rwlockd_<id>_ */
    const char *label;         /* the row name in benches and tests */
    const char *desc;          /* one line: what it is and where it comes from */
    const char *group;         /* "sync" (ours), "glibc" or "ck" (Concurrency Kit) */
    const char *policy;        /* who goes first when both wait: "writer-preferring", ... */
    bool procs;                /* works across processes with SYNC_PSHARED */
    const char *no_procs_why;  /* NULL, or why not */
    bool has_try;              /* read_try and write_try work */
    bool spins;                /* waits by spinning without ever yielding the CPU: more
                                * threads than CPUs measure the scheduler */
    const char *unavailable;   /* NULL, or why not in this build and how to get it */
    const struct lab_known_report *known_reports;   /* rwlockd_<id>_known_reports */
};

/* The four wrappers of a lock whose every call is one statement over |l|. */
#define RWLOCKD_CALLS(id, RDLOCK, RDUNLOCK, WRLOCK, WRUNLOCK)                           \
    static inline void rwlockd_##id##_read_acquire(rwlockd_##id##_t *l) { RDLOCK; }      \
    static inline void rwlockd_##id##_read_release(rwlockd_##id##_t *l) { RDUNLOCK; }    \
    static inline void rwlockd_##id##_write_acquire(rwlockd_##id##_t *l) { WRLOCK; }     \
    static inline void rwlockd_##id##_write_release(rwlockd_##id##_t *l) { WRUNLOCK; }

/* The try forms: bool expressions over |l|. */
#define RWLOCKD_TRY(id, TRYRD, TRYWR)                                                   \
    static inline bool rwlockd_##id##_read_try(rwlockd_##id##_t *l) { return (TRYRD); }  \
    static inline bool rwlockd_##id##_write_try(rwlockd_##id##_t *l) { return (TRYWR); }

/* A lock without try forms (.has_try false): never called, abort if they are. */
#define RWLOCKD_NO_TRY(id)                                                              \
    RWLOCKD_TRY(id, ((void)l, lockd__unavailable(), false),                             \
                ((void)l, lockd__unavailable(), false))

/* The fini of a lock that holds no resource. */
#define RWLOCKD_NO_FINI(id) \
    static inline void rwlockd_##id##_fini(rwlockd_##id##_t *l) { (void)l; }

/* A lock this build cannot offer: its type and functions, none usable. */
#define RWLOCKD_UNAVAILABLE(id)                                                         \
    typedef int rwlockd_##id##_t;                                                       \
    static inline int rwlockd_##id##_init(rwlockd_##id##_t *l, unsigned flags)          \
    {                                                                                   \
        (void)l;                                                                        \
        (void)flags;                                                                    \
        return ENOSYS;                                                                  \
    }                                                                                   \
    RWLOCKD_NO_FINI(id)                                                                 \
    RWLOCKD_CALLS(id, ((void)l, lockd__unavailable()), ((void)l, lockd__unavailable()), \
                  ((void)l, lockd__unavailable()), ((void)l, lockd__unavailable()))     \
    RWLOCKD_NO_TRY(id)

/* The init of a lock kept in plain words that need no set-up beyond the
 * caller's zeroed memory and INIT (a statement): flags checked, 0. */
#define RWLOCKD_WORDS_INIT(id, INIT)                                                    \
    static inline int rwlockd_##id##_init(rwlockd_##id##_t *l, unsigned flags)          \
    {                                                                                   \
        if (flags & ~SYNC_PSHARED)                                                      \
            return EINVAL;                                                              \
        INIT;                                                                           \
        return 0;                                                                       \
    }

#endif /* RACELAB_RWLOCKD_H */
