/* sync/rwlock.h - readers-writer locks: a writer-preferring futex rwlock
 * (sync_rwlock_t) and a phase-fair one (sync_pfrwlock_t: the reader side of
 * Brandenburg and Anderson's PF-T, "Spin-Based Reader-Writer Synchronization
 * for Multiprocessor Real-Time Systems", 2010, with barging writers), both
 * spinning briefly and then sleeping on a futex.
 *
 * CONTRACT (both)
 *   Exclusion: any number of readers together, or one writer alone; a
 *              writer never overlaps a reader or another writer.
 *   Ordering:  rdlock and wrlock (and a successful try) are acquires, the
 *              unlocks releases: a writer's critical section happens before
 *              every later reader's and writer's; readers' sections happen
 *              before the next writer's.
 *   Memory:    a few 32-bit words and the flags. Static (SYNC_*_INIT), heap,
 *              stack; with SYNC_PSHARED also MAP_SHARED memory shared by
 *              processes (every word is a counter: position-independent).
 *   Safety:    unlock only what the caller holds, with the matching unlock
 *              (not checked). Not recursive: a reader that read-locks again
 *              while a writer waits deadlocks (the writer is preferred,
 *              resp. the phase has turned). No upgrade from read to write.
 *
 * sync_rwlock_t: writer-preferring
 *   Progress:  while a writer waits, no new reader enters: writers are
 *              served before readers that arrived after them, so a stream of
 *              readers cannot starve a writer. A stream of writers starves
 *              readers: they enter only when no writer holds or waits.
 *   Cost:      uncontended rdlock/rdunlock and wrlock/wrunlock are one RMW
 *              each, inline; unlocks make a system call only when somebody
 *              sleeps.
 *   |state|    readers inside (bits 0-30), SYNC__RW_WRITER (bit 31) while a
 *              writer holds it; a writer holds it only with no reader inside.
 *   |wwait|    writers between their announcement and their acquisition;
 *              readers do not enter while it is non-zero.
 *   |rseq|, |wseq|  futex words readers and writers sleep on; bumped by the
 *              unlock that lets them in. |rsleep|, |wsleep| count the
 *              sleepers, so that unlocks skip the wake call when none do.
 *
 * sync_pfrwlock_t: phase-fair
 *   Progress:  starvation-free for both sides. Reader and writer phases
 *              alternate while both wait: a reader waits for at most one
 *              writer phase, and a writer, once it holds the writer word, for
 *              at most one reader phase. Writers barge among themselves (the
 *              next writer is whoever runs, not a sleeping successor: PF-T's
 *              writer ticket lock hands every phase to a thread that may be
 *              asleep or preempted), with a bound: a writer passed by
 *              SYNC__PF_BYPASS writer phases turns urgent; urgent writers
 *              are served FIFO by ticket, ahead of every barger except one
 *              that had looked before the ticket (one phase per barger).
 *              Candidly: with many more writers than CPUs, urgent turns can
 *              follow each other, each one a wake-up (a convoy, like PF-T's).
 *   Cost:      rdlock/rdunlock are one fetch-add each, inline (wait-free
 *              when no writer is present); wrlock is a CAS, a fetch-add and
 *              a wait for the readers inside to leave. A system call only
 *              where somebody sleeps: one count per futex word.
 *   |rin|      readers that entered, in steps of SYNC__PF_RINC, plus in the
 *              low bits SYNC__PF_PRES (a writer is present) and SYNC__PF_PHID
 *              (its phase: the low bit of |wphase|), set by the writer once
 *              it holds |wlock| and cleared by its unlock. A reader that sees
 *              the bits set waits until they change.
 *   |rout|     readers that left, in steps of SYNC__PF_RINC.
 *   |wlock|    the writer word: even free, odd held by the writer that is
 *              present or draining; every take and release adds one, so a
 *              sleeper's futex word never returns to a value it saw.
 *   |wphase|   writer phases ended; only the holder of |wlock| changes it.
 *   |qin|, |qout|  urgent tickets taken, and urgent tickets whose writer got
 *              |wlock|. While they differ, only ticket |qout| may take a free
 *              |wlock| (and a barger that read them equal just before).
 *   |rsleep|, |wsleep|, |dsleep|  threads asleep on |rin| (readers), on
 *              |wlock| (writers), on |rout| (the draining writer, 0 or 1).
 *   |wwoken|   1 from a release's wake of one writer until a writer returns
 *              from its sleep (or the wake found nobody): releases meanwhile
 *              skip the wake, since the woken one, not yet running, still
 *              counts in |wsleep| and looks again once it runs. */
#ifndef SYNC_RWLOCK_H
#define SYNC_RWLOCK_H

#include <stdbool.h>
#include "sync/annotate.h"
#include "sync/atomic.h"
#include "sync/futex.h"

/* ---- Writer-preferring -------------------------------------------------- */

#define SYNC__RW_WRITER 0x80000000u

typedef struct {
    sync_atomic_u32 state;    /* see above */
    sync_atomic_u32 wwait;    /* private */
    sync_atomic_u32 rseq;     /* private */
    sync_atomic_u32 wseq;     /* private */
    sync_atomic_u32 rsleep;   /* private */
    sync_atomic_u32 wsleep;   /* private */
    unsigned flags;           /* private: 0 or SYNC_PSHARED, constant after init */
} sync_rwlock_t;

#define SYNC_RWLOCK_INIT                                                 \
    { SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0),     \
      SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0), 0 }

/* flags: 0 or SYNC_PSHARED. Returns 0, or EINVAL for unknown flags. */
int sync_rwlock_init(sync_rwlock_t *l, unsigned flags);

/* Internal: slow paths (src/rwlock.c). */
void sync__rwlock_rdlock_slow(sync_rwlock_t *l);
void sync__rwlock_wrlock_slow(sync_rwlock_t *l);
void sync__rwlock_wake_writer(sync_rwlock_t *l);
void sync__rwlock_wake_after_writer(sync_rwlock_t *l);

/* False while a writer holds the lock or waits for it. */
static inline bool sync_rwlock_tryrdlock(sync_rwlock_t *l)
{
    uint32_t s = sync_load_u32(&l->state, SYNC_RELAXED);
    /* Exclusion is the one word: a writer takes it only from 0, a reader
     * only without the writer bit. |wwait| is the preference, and a reader
     * that read it just before a writer's announcement still enters (the
     * writer then waits for it to leave). Acquire (in seq_cst): pairs with
     * the release of the last writer's unlock. */
    while (!(s & SYNC__RW_WRITER) && sync_load_u32(&l->wwait, SYNC_SEQ_CST) == 0) {
        if (sync_cas_u32(&l->state, &s, s + 1, SYNC_SEQ_CST, SYNC_RELAXED)) {
            SYNC_ANN_LOCK_ACQUIRED(l, 0);
            return true;
        }
    }
    return false;
}

static inline void sync_rwlock_rdlock(sync_rwlock_t *l)
{
    if (!sync_rwlock_tryrdlock(l))
        sync__rwlock_rdlock_slow(l);
}

/* Call with a read lock held. */
static inline void sync_rwlock_rdunlock(sync_rwlock_t *l)
{
    SYNC_ANN_LOCK_RELEASED(l, 0);
    /* Release: pairs with the acquire CAS of the writer that enters next.
     * Seq_cst, with the load of |wwait|: a Dekker pair with a writer's
     * announcement then look at |state| (sync__rwlock_wrlock_slow): either
     * it sees us gone, or we see it waiting and wake it. */
    if (sync_fetch_sub_u32(&l->state, 1, SYNC_SEQ_CST) == 1 &&
        sync_load_u32(&l->wwait, SYNC_SEQ_CST) != 0)
        sync__rwlock_wake_writer(l);
}

static inline bool sync_rwlock_trywrlock(sync_rwlock_t *l)
{
    uint32_t free_ = 0;
    /* Acquire: pairs with the release of the last unlock (reader or writer). */
    if (!sync_cas_u32(&l->state, &free_, SYNC__RW_WRITER, SYNC_SEQ_CST, SYNC_RELAXED))
        return false;
    SYNC_ANN_LOCK_ACQUIRED(l, 1);
    return true;
}

static inline void sync_rwlock_wrlock(sync_rwlock_t *l)
{
    if (!sync_rwlock_trywrlock(l))
        sync__rwlock_wrlock_slow(l);
}

/* Call with the write lock held. */
static inline void sync_rwlock_wrunlock(sync_rwlock_t *l)
{
    SYNC_ANN_LOCK_RELEASED(l, 1);
    /* Release: pairs with the acquire CAS of whoever enters next. Seq_cst,
     * with the loads below: a Dekker pair with a sleeper's registration then
     * look at |state|. A writer holds it alone, so |state| was exactly
     * SYNC__RW_WRITER. */
    sync_store_u32(&l->state, 0, SYNC_SEQ_CST);
    if (sync_load_u32(&l->wwait, SYNC_SEQ_CST) != 0 ||
        sync_load_u32(&l->rsleep, SYNC_SEQ_CST) != 0)
        sync__rwlock_wake_after_writer(l);
}

/* ---- Phase-fair -------------------------------------------------------- */

#define SYNC__PF_RINC 0x100u
#define SYNC__PF_WBITS 0x3u
#define SYNC__PF_PRES 0x2u
#define SYNC__PF_PHID 0x1u

typedef struct {
    sync_atomic_u32 rin;       /* see above */
    sync_atomic_u32 rout;      /* private */
    sync_atomic_u32 wlock;     /* private */
    sync_atomic_u32 wphase;    /* private */
    sync_atomic_u32 qin;       /* private */
    sync_atomic_u32 qout;      /* private */
    sync_atomic_u32 rsleep;    /* private */
    sync_atomic_u32 wsleep;    /* private */
    sync_atomic_u32 dsleep;    /* private */
    sync_atomic_u32 wwoken;    /* private */
    unsigned flags;            /* private: 0 or SYNC_PSHARED, constant after init */
} sync_pfrwlock_t;

#define SYNC_PFRWLOCK_INIT                                               \
    { SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0),     \
      SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0),     \
      SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0),     \
      SYNC_ATOMIC_INIT(0), 0 }

/* flags: 0 or SYNC_PSHARED. Returns 0, or EINVAL for unknown flags. */
int sync_pfrwlock_init(sync_pfrwlock_t *l, unsigned flags);

/* Internal: slow paths (src/rwlock.c). */
void sync__pfrwlock_rdwait(sync_pfrwlock_t *l, uint32_t phase);
void sync__pfrwlock_wake_drainer(sync_pfrwlock_t *l);

static inline void sync_pfrwlock_rdlock(sync_pfrwlock_t *l)
{
    /* Acquire: pairs with the release that cleared the writer bits (the
     * writer's unlock), or with nothing when none was present. Seq_cst: the
     * arrival is also what a waiting writer's drain count includes. */
    uint32_t phase = sync_fetch_add_u32(&l->rin, SYNC__PF_RINC, SYNC_SEQ_CST) & SYNC__PF_WBITS;
    if (phase != 0)
        sync__pfrwlock_rdwait(l, phase); /* a writer is present: wait for its phase to end */
    SYNC_ANN_LOCK_ACQUIRED(l, 0);
}

/* False while a writer is present (holding, or draining the readers). */
bool sync_pfrwlock_tryrdlock(sync_pfrwlock_t *l);

/* Call with a read lock held. */
static inline void sync_pfrwlock_rdunlock(sync_pfrwlock_t *l)
{
    SYNC_ANN_LOCK_RELEASED(l, 0);
    /* Release: pairs with the acquire load of |rout| by the writer waiting
     * for the readers to drain. Seq_cst, with the load of |dsleep|: a Dekker
     * pair with that writer's registration then look at |rout|. */
    sync_fetch_add_u32(&l->rout, SYNC__PF_RINC, SYNC_SEQ_CST);
    if (sync_load_u32(&l->dsleep, SYNC_SEQ_CST) != 0)
        sync__pfrwlock_wake_drainer(l);
}

void sync_pfrwlock_wrlock(sync_pfrwlock_t *l);
/* True only if no writer held the lock and no reader was inside. */
bool sync_pfrwlock_trywrlock(sync_pfrwlock_t *l);
/* Call with the write lock held. */
void sync_pfrwlock_wrunlock(sync_pfrwlock_t *l);

#endif /* SYNC_RWLOCK_H */
