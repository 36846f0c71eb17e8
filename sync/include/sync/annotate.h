/* sync/annotate.h - telling Helgrind and DRD what sync/'s primitives do.
 *
 * WHY. Valgrind's race detectors learn about synchronization by intercepting
 * the pthread and sem_* calls. A lock built on C11 atomics and raw futex()
 * calls is invisible to them: they see plain loads and stores of the lock
 * word racing (on x86 an acquire load or release store is a plain mov), and
 * no happens-before edge from one critical section to the next, so they
 * report the data the lock guards. Valgrind's client requests
 * (valgrind/helgrind.h, valgrind/drd.h) let a library say what it does:
 *
 *   SYNC_ANN_LOCK_CREATE(l)        |l| is a lock (ANNOTATE_RWLOCK_CREATE)
 *   SYNC_ANN_LOCK_ACQUIRED(l, w)   taken, w = 1 exclusive, 0 shared
 *   SYNC_ANN_LOCK_RELEASED(l, w)   about to be released (before the store
 *                                  that frees it: once it is free another
 *                                  thread may acquire before we annotate)
 *   SYNC_ANN_HAPPENS_BEFORE(a)     everything before this ...
 *   SYNC_ANN_HAPPENS_AFTER(a)      ... happens before everything after this
 *                                  (for the same key |a|: any address; it
 *                                  joins every earlier BEFORE on |a|)
 *   SYNC_ANN_IGNORE(p, n)          the n bytes at p are synchronization words
 *                                  (atomics): never report them
 *   SYNC_ANN_UNIGNORE(p, n)        they are ordinary memory again (a queue
 *                                  node on a stack, once its lock is done)
 *
 * Helgrind's requests serve both tools: DRD understands them too (drd.h
 * defines ANNOTATE_* itself only when helgrind.h was not included first), so
 * each annotation is one request. The lock requests give Helgrind a real lock
 * (lock-order checking included), not just an edge.
 *
 * COST. Natively a client request is a handful of instructions that do
 * nothing (a register rotation sequence valgrind's JIT recognises) plus the
 * request's arguments stored to the stack. Even that is skipped: every
 * annotation first tests sync__valgrind, a flag set once at load time
 * (RUNNING_ON_VALGRIND) and const to its readers, so the compiler keeps it
 * in a register across the lock's atomics: outside valgrind an annotation
 * is a register test and a branch not taken (a plain int would be reloaded
 * after every atomic, which is a compiler barrier).
 *
 * WHEN ABSENT. Without the valgrind headers (CMake checks once, defines
 * SYNC_HAVE_VALGRIND and says so in one configure line), and in a
 * ThreadSanitizer build (which never runs under valgrind, and sees the
 * atomics itself), every annotation compiles to nothing; SYNC_ANNOTATED
 * says which (0 or 1).
 *
 * KEYS. A lock's edges are the lock's. A queue's hand-over edges (spsc,
 * mpmc) are keyed by the queue, not by the slot: DRD keeps a segment alive
 * per key and thread, and per-slot keys made DRD 25 times slower on a
 * 1024-slot ring. So a pop happens after every push before it, not only
 * after its item's: exact for the items, generous for other data.
 *
 * LIMITS. Annotations describe one process: the procs model's workers are
 * separate valgrind instances, each seeing only itself (blind, annotated or
 * not). A primitive initialised statically (SYNC_TAS_INIT, SYNC_ONCE_INIT)
 * never ran its init, so its lock word is not ignored: call the init
 * function for memory valgrind should check. */
#ifndef SYNC_ANNOTATE_H
#define SYNC_ANNOTATE_H

#include "util/tsan.h"

#if defined(SYNC_HAVE_VALGRIND) && SYNC_HAVE_VALGRIND && !UTIL_TSAN
#include <valgrind/helgrind.h>
#include <valgrind/drd.h>

#define SYNC_ANNOTATED 1

/* Nonzero when this process runs under valgrind (src/annotate.c). Const to
 * its readers: it is set before main and never changes, so the compiler may
 * keep it in a register across atomics and loops (a lock's flag test is then
 * a register test, not a load after every barrier). */
extern const int sync__valgrind;

#define SYNC__VG(stmt)                                 \
    do {                                               \
        if (__builtin_expect(sync__valgrind != 0, 0)) { \
            stmt;                                      \
        }                                              \
    } while (0)

/* True under valgrind: for annotations that need work to find their key. */
#define SYNC_ANN_RUNNING() __builtin_expect(sync__valgrind != 0, 0)

#define SYNC_ANN_LOCK_CREATE(l) SYNC__VG(ANNOTATE_RWLOCK_CREATE((void *)(l)))
#define SYNC_ANN_LOCK_ACQUIRED(l, w) SYNC__VG(ANNOTATE_RWLOCK_ACQUIRED((void *)(l), (w)))
#define SYNC_ANN_LOCK_RELEASED(l, w) SYNC__VG(ANNOTATE_RWLOCK_RELEASED((void *)(l), (w)))
#define SYNC_ANN_HAPPENS_BEFORE(a) SYNC__VG(ANNOTATE_HAPPENS_BEFORE((void *)(a)))
#define SYNC_ANN_HAPPENS_AFTER(a) SYNC__VG(ANNOTATE_HAPPENS_AFTER((void *)(a)))
#define SYNC_ANN_IGNORE(p, n) SYNC__VG(VALGRIND_HG_DISABLE_CHECKING((void *)(p), (n)))
#define SYNC_ANN_UNIGNORE(p, n) SYNC__VG(VALGRIND_HG_ENABLE_CHECKING((void *)(p), (n)))

#else

#define SYNC_ANNOTATED 0
#define SYNC_ANN_RUNNING() 0
#define SYNC_ANN_LOCK_CREATE(l) ((void)(l))
#define SYNC_ANN_LOCK_ACQUIRED(l, w) ((void)(l), (void)(w))
#define SYNC_ANN_LOCK_RELEASED(l, w) ((void)(l), (void)(w))
#define SYNC_ANN_HAPPENS_BEFORE(a) ((void)(a))
#define SYNC_ANN_HAPPENS_AFTER(a) ((void)(a))
#define SYNC_ANN_IGNORE(p, n) ((void)(p), (void)(n))
#define SYNC_ANN_UNIGNORE(p, n) ((void)(p), (void)(n))

#endif

/* A lock's whole set-up: a lock, whose own |n| bytes at |l| are its words. */
#define SYNC_ANN_LOCK_INIT(l, n)        \
    do {                                \
        SYNC_ANN_LOCK_CREATE(l);        \
        SYNC_ANN_IGNORE((l), (n));      \
    } while (0)

#endif /* SYNC_ANNOTATE_H */
