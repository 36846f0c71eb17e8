/* labs/rw/rw.h - the readers-writers lab: who a readers-writer lock lets
 * starve.
 *
 * CONCEPT
 *   A readers-writer lock lets readers in together and a writer in alone.
 *   That leaves a choice the mutex never had: when readers are inside and a
 *   writer waits, may a new reader join them? A reader-preferring lock says
 *   yes, and under a steady read load the readers overlap each other for
 *   ever: the count of readers inside never drops to zero, the writer never
 *   gets in (starvation, though nothing is wrong with any single step). A
 *   writer-preferring lock says no once a writer waits; a phase-fair one
 *   alternates reader and writer phases, so neither side waits for more
 *   than one phase of the other.
 *   Each worker makes --iters operations. Worker 0 is the one writer; the
 *   others only read (a steady read load), and worker 0 reads the share
 *   that makes the run's reads --read-pct of all operations (90 by default;
 *   4 workers by default, so three readers overlap beside the writer). A
 *   read checks that the RW_WORDS words of a shared table agree, a write
 *   sets them all to a new value. The invariant: no reader ever overlaps a
 *   writer, counted on an instrumentation word every operation updates.
 *   Starvation is counted, not timed: readers count the reads that got the
 *   lock; the writer reads the count before it asks and once it has the
 *   lock, and the difference is its bypass (bypass_max, the most of any
 *   write). Writer-preferring: at most the readers that looked at the lock
 *   before the writer said it waits (workers - 1); phase-fair: one reader
 *   phase, as many; reader-preferring: without bound while readers overlap.
 *
 * THE RACE (textbook: the reader-preferring lock of Courtois et al., 1971)
 *     step  reader 1             reader 2             writer
 *     1     count 0->1: take wrt
 *     2                                               wait(wrt)  (sleeps)
 *     3                          count 1->2 (no wait)
 *     4     count 2->1
 *     5     count 1->2 (again)                        ... still asleep
 *     6                          count 2->1
 *   the count never reaches 0 while reads overlap, so wrt is never posted.
 *   (none: no lock at all - readers see half-written tables.)
 *
 * EXPECTED
 *   workers x iters operations, none overlapping a writer: "violations" 0.
 *   The lab's fields: reads and writes done, the longest a write waited for
 *   its lock (max_write_wait_ns), reads per millisecond, and bypass_max.
 *
 * TYPICAL
 *   none: overlaps and torn reads in every trial. Every lock: no violation,
 *   ever. bypass_max at the defaults here: textbook and pthread-rwlock some
 *   200000 of the 300000 reads (the writer waited for most of the run),
 *   sync-rwlock and sync-pfrwlock single digits (notes/rw.md: why a few
 *   exceed workers - 1). The writer waits in ms are preemption noise on a
 *   busy 2-CPU machine and differ little between the locks.
 *
 * DETECTORS
 *   TSan reports none (plain accesses to the table from readers and
 *   writers). The locked variants are clean; starvation is no data race and
 *   no detector sees it: the lab's bypass_max field is the detector.
 *
 * TRY
 *   lab-rw --variant textbook,sync-rwlock,sync-pfrwlock --workers 8
 *   lab-rw --read-pct 99 --workers 8 --variant all
 *   lab-rw --model procs --variant none,sync-rwlock
 *
 * Each variant file names a rwlock descriptor and includes variant.h last. */
#ifndef RACELAB_RW_H
#define RACELAB_RW_H

#include <sched.h>
#include <sys/resource.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab.h"
#include "sync/atomic.h"

extern const struct lab rw_lab;

/* The share of reads, in percent (--read-pct; lab-rw's main sets it before
 * any trial). */
extern unsigned rw_read_pct;
#define RW_READ_PCT_DEFAULT 90u

/* Words in the shared table: a read section long enough that readers
 * overlap each other. */
#define RW_WORDS 32u

/* The instrumentation word: readers inside, plus RW_WRITER per writer. */
#define RW_WRITER 0x10000u

/* One worker's tallies, on a cache line of its own; written by that worker. */
struct rw_worker {
    _Alignas(SYNC_CACHELINE) uint64_t reads, writes;
    uint64_t clean;            /* operations that saw no overlap */
    uint64_t violations;       /* overlaps seen (a reader beside a writer, two writers) */
    uint64_t torn;             /* reads that found the table half-written */
    uint64_t max_wait_ns;      /* the longest a write waited for its lock */
    uint64_t max_bypass;       /* the most reads that got in while one write waited */
    uint64_t preempted;        /* writes whose writer was preempted meanwhile (not counted) */
    uint64_t wait_ns;          /* all writes' waits together */
    uint64_t t_start, t_end;
};

/* The lab's state, ahead of the variant's lock. */
struct rw {
    unsigned workers;
    unsigned read_pct;
    unsigned writer_read_pct;   /* worker 0's share of reads (rw_init()) */
    size_t lock_offset;
    _Alignas(SYNC_CACHELINE) sync_atomic_u32 inside;   /* instrumentation, see RW_WRITER */
    /* Reads that got the lock so far (each counts itself inside its read
     * section): a writer reads it before it asks for the lock and once it
     * has it, and the difference is the reads that bypassed it. */
    _Alignas(SYNC_CACHELINE) sync_atomic_u64 racq;

    _Alignas(SYNC_CACHELINE) uint64_t table[RW_WORDS]; /* plain: under the lock */
    /* then struct rw_worker[workers] */
};

static inline struct rw_worker *rw_worker(struct rw *r, unsigned i)
{
    return (struct rw_worker *)(r + 1) + i;
}

/* Involuntary context switches of the calling thread so far. */
static inline long rw_preemptions(void)
{
    struct rusage u;
    return getrusage(RUSAGE_THREAD, &u) == 0 ? u.ru_nivcsw : -1;
}

size_t rw_offset(const struct lab_env *env);
void rw_init(struct rw *r, const struct lab_env *env);
uint64_t rw_observe(const void *state, unsigned workers);
void rw_fields(const void *state, unsigned workers, int64_t *out);

/* Inside the read lock: enter, read the table, leave (counted). */
static inline void rw_read(struct rw *r, struct rw_worker *k)
{
    /* Seq_cst: the overlap check must see the writer's entry whatever the
     * lock under test orders (none, for the racy variant). */
    uint32_t in = sync_fetch_add_u32(&r->inside, 1, SYNC_SEQ_CST);
    /* Relaxed: inside the read section, so the lock orders it before any
     * writer's acquisition that follows the section (the writer's count). */
    sync_fetch_add_u64(&r->racq, 1, SYNC_RELAXED);
    uint64_t first = LAB_LOAD(&r->table[0]);
    bool torn = false;
    for (unsigned i = 1; i < RW_WORDS; i++)
        torn |= LAB_LOAD(&r->table[i]) != first;
    bool overlap = in >= RW_WRITER;
    sync_fetch_sub_u32(&r->inside, 1, SYNC_SEQ_CST);
    k->reads++;
    k->torn += torn;
    k->violations += overlap;
    k->clean += !overlap && !torn;
}

/* Inside the write lock: enter, write the table, leave (counted). With
 * |yield|, the writer lets the CPU go halfway, as a preemption there would:
 * the half-written table then stays for a whole scheduling round. */
static inline void rw_write(struct rw *r, struct rw_worker *k, uint64_t stamp, bool yield)
{
    uint32_t in = sync_fetch_add_u32(&r->inside, RW_WRITER, SYNC_SEQ_CST);
    for (unsigned i = 0; i < RW_WORDS; i++) {
        LAB_STORE(&r->table[i], stamp);
        if (yield && i == RW_WORDS / 2)
            sched_yield();
    }
    sync_fetch_sub_u32(&r->inside, RW_WRITER, SYNC_SEQ_CST);
    k->writes++;
    k->violations += in != 0;
    k->clean += in == 0;
}

#endif
