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
 * COST. Natively an annotation is at most one register test and a branch not
 * taken, after the lock's atomic succeeded (or before its releasing store),
 * and none where the lock branches anyway: there the flag is folded into
 * that branch (SYNC_ANN_FOLD, SYNC_ANN_FOLD_PTR, SYNC_ANN_BIAS below; the
 * futex mutex's flag bit, sync/mutex.h; the semaphore's guessed count,
 * sync/sem.h) and the slow path annotates. The flag
 * sync__valgrind is set once at load time and const to its readers, so the
 * compiler keeps it in a register across the lock's atomics (a plain int
 * would be reloaded after every atomic, which is a compiler barrier). The
 * request itself is an out-of-line cold function (src/annotate.c): the
 * client-request sequence (six argument words stored to the stack, four
 * rotates, an xchg under a memory clobber) is not in the caller at all, so
 * it takes no stack frame, no registers and no code-cache line of the
 * lock's caller. The locks' contended paths are out of line too, so the
 * inlined fast path is the same few instructions with or without the
 * annotations (notes/detectors.md has the disassembly and the counts). And
 * it sits at the same place: the requests' code is linked with libsync's,
 * not at the front of the program's text (src/annotate.c says why), and
 * every function starts on a cache line (CMakeLists.txt).
 *
 * WHICH TOOLS. The flag is set only under Helgrind and DRD, the tools that
 * read these requests (found by valgrind's preload library of the tool in
 * LD_PRELOAD, which valgrind puts there for every client). Under memcheck,
 * callgrind, cachegrind the program runs the native path, so callgrind
 * counts the instructions a native run executes.
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

#include <stdint.h>

#include "util/tsan.h"

#if defined(SYNC_HAVE_VALGRIND) && SYNC_HAVE_VALGRIND && !UTIL_TSAN
#define SYNC_ANNOTATED 1

/* Nonzero when this process runs under Helgrind or DRD (src/annotate.c). Const to
 * its readers: it is set before main and never changes, so the compiler may
 * keep it in a register across atomics and loops (a lock's flag test is then
 * a register test, not a load after every barrier). */
extern const int sync__valgrind;

/* The requests, out of line (src/annotate.c); reached only under the tools.
 * Not const pointers: gcc would take the pointee as read (an uninitialised
 * queue node, about to be ignored, would draw -Wmaybe-uninitialized). */
#define SYNC__COLD __attribute__((cold, noinline))
SYNC__COLD void sync__ann_lock_create(void *l);
SYNC__COLD void sync__ann_lock_acquired(void *l, long w);
SYNC__COLD void sync__ann_lock_released(void *l, long w);
SYNC__COLD void sync__ann_happens_before(void *a);
SYNC__COLD void sync__ann_happens_after(void *a);
SYNC__COLD void sync__ann_ignore(void *p, unsigned long n);
SYNC__COLD void sync__ann_unignore(void *p, unsigned long n);

#define SYNC__VG(stmt)                                  \
    do {                                                \
        if (__builtin_expect(sync__valgrind != 0, 0)) { \
            stmt;                                       \
        }                                               \
    } while (0)

/* True under Helgrind or DRD: for annotations that need work to find their key. */
#define SYNC_ANN_RUNNING() __builtin_expect(sync__valgrind != 0, 0)

/* |word| (a lock's fast-path word, 0 when the fast path applies, else 1)
 * with the flag folded in: bit 1 set under the tools too. The lock's one
 * existing branch then also sends the tools' runs to its slow path, which
 * gets the folded word, reads the lock's own value back with
 * SYNC_ANN_UNFOLD and annotates: natively no test of the flag at all, one OR
 * with a register (integers, not two conditions: those a compiler may split
 * into two branches; and the slow path takes the folded word, so that the
 * unfolded one need not be kept: no copy either). */
#define SYNC_ANN_FOLD(word) ((word) | ((unsigned)sync__valgrind << 1))
/* For a ticket lock's "is it my turn" compare: 0 natively, 2^31 under the
 * tools, added to one side so that the compare never holds there (two
 * tickets are never 2^31 apart). Natively the add of a register replaces the
 * add of a constant the lock makes anyway, or costs one add. */
#define SYNC_ANN_BIAS ((unsigned)sync__valgrind << 31)
/* SYNC_ANN_FOLD for a pointer the fast path tests against NULL (an MCS
 * successor): bit 1 set under the tools, free in any pointer to a struct
 * aligned to 4 or more. */
#define SYNC_ANN_FOLD_PTR(p) ((uintptr_t)(p) | ((uintptr_t)sync__valgrind << 1))

#define SYNC_ANN_LOCK_CREATE(l) SYNC__VG(sync__ann_lock_create((void *)(l)))
#define SYNC_ANN_LOCK_ACQUIRED(l, w) SYNC__VG(sync__ann_lock_acquired((void *)(l), (w)))
#define SYNC_ANN_LOCK_RELEASED(l, w) SYNC__VG(sync__ann_lock_released((void *)(l), (w)))
#define SYNC_ANN_HAPPENS_BEFORE(a) SYNC__VG(sync__ann_happens_before((void *)(a)))
#define SYNC_ANN_HAPPENS_AFTER(a) SYNC__VG(sync__ann_happens_after((void *)(a)))
#define SYNC_ANN_IGNORE(p, n) SYNC__VG(sync__ann_ignore((void *)(p), (n)))
#define SYNC_ANN_UNIGNORE(p, n) SYNC__VG(sync__ann_unignore((void *)(p), (n)))

#else

#define SYNC_ANNOTATED 0
#define SYNC_ANN_RUNNING() 0
#define SYNC_ANN_FOLD(word) (word)
#define SYNC_ANN_FOLD_PTR(p) ((uintptr_t)(p))
#define SYNC_ANN_BIAS 0u
#define SYNC_ANN_LOCK_CREATE(l) ((void)(l))
#define SYNC_ANN_LOCK_ACQUIRED(l, w) ((void)(l), (void)(w))
#define SYNC_ANN_LOCK_RELEASED(l, w) ((void)(l), (void)(w))
#define SYNC_ANN_HAPPENS_BEFORE(a) ((void)(a))
#define SYNC_ANN_HAPPENS_AFTER(a) ((void)(a))
#define SYNC_ANN_IGNORE(p, n) ((void)(p), (void)(n))
#define SYNC_ANN_UNIGNORE(p, n) ((void)(p), (void)(n))

#endif

/* The lock's own 0 or 1 back from a folded word. */
#define SYNC_ANN_UNFOLD(word) ((word) & 1u)
/* The pointer back from SYNC_ANN_FOLD_PTR's word. */
#define SYNC_ANN_UNFOLD_PTR(word) ((void *)((word) & ~(uintptr_t)2))

/* A lock's whole set-up: a lock, whose own |n| bytes at |l| are its words. */
#define SYNC_ANN_LOCK_INIT(l, n)        \
    do {                                \
        SYNC_ANN_LOCK_CREATE(l);        \
        SYNC_ANN_IGNORE((l), (n));      \
    } while (0)

#endif /* SYNC_ANNOTATE_H */
