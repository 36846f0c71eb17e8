/* labs/queue/queue.h - the queue lab: lost, duplicated and reordered items.
 *
 * CONCEPT
 *   A counter that races comes out short. A queue that races loses work,
 *   hands the same work out twice, and hands it out of order - and nothing
 *   crashes. Producers push items tagged (producer, sequence number);
 *   consumers check every item they take against a per-producer bitmap (a
 *   second sighting is a duplicate; after the drain, every clear bit is a
 *   lost item) and, for FIFO queues, against the last sequence number they
 *   saw from that producer (a smaller one is out of order).
 *
 * THE RACE (racy: a ring whose head and tail are plain loads and stores)
 *     step  producer 1             producer 2             ring
 *     1     t = tail -> 5
 *     2                            t = tail -> 5
 *     3     slot[5] = A
 *     4                            slot[5] = B            A overwritten: lost
 *     5     tail = 6               tail = 6               one slot for two pushes
 *   and between consumers:
 *     1     h = head -> 3          h = head -> 3
 *     2     take slot[3] (X)       take slot[3] (X)       X handed out twice
 *     3     head = 4               head = 4
 *   ABA (stack-naive, a Treiber stack over an 8-node pool):
 *     1     c1: top = A, next = B  (then c1 is preempted)
 *     2     c2 pops A, pops B, pushes A back: top = A again, next = C
 *     3     c1: CAS(top, A -> B) succeeds - top looked unchanged - and B,
 *           popped by c2 and now in use, is on the stack again: popped twice.
 *
 * EXPECTED
 *   producers x items each (2 x 100000 = 200000), each consumed exactly once,
 *   and for the FIFO queues in its producer's order.
 *
 * TYPICAL
 *   racy: at 2x2 on 2 cores most trials lose and duplicate hundreds to
 *   tens of thousands of items, and every run of 5 trials has gone wrong
 *   here (a trial whose producers never overlapped loses none). A stale
 *   store can move tail behind head: the ring then looks full for ever
 *   (producers give up after a bounded wait: lost) or hands out last lap's
 *   items (duplicated, out of order). At 1x1 it is exact on x86 (one writer per index, stores
 *   in order) - TSan still reports it. stack-naive: ABA in every trial at
 *   2x2, never at 1x1 (ABA needs a second popper); the output names the node
 *   and what held it. Every fixed variant: exact, at a price shown as
 *   ns/item (notes/queues.md has the numbers).
 *
 * DETECTORS
 *   TSan reports racy (plain accesses to head, tail and slots). stack-naive
 *   is a logic error on atomics: TSan is silent about the ABA itself and may
 *   report only the item slot of a node handed to two threads at once; the
 *   lab's own accounting is the detector that sees it. Every fixed variant is
 *   clean under TSan and ASan (msqueue frees its nodes through hazard
 *   pointers).
 *
 * TRY
 *   lab-queue --variant racy                      (lost and duplicated items)
 *   lab-queue --variant stack-naive,stack-tagged  (ABA, then the tag)
 *   lab-queue --variant spsc --producers 1 --consumers 1
 *   lab-queue --variant all --producers 4 --consumers 4   (oversubscribed)
 *   lab-queue --model procs --variant sem,mpmc    (across processes)
 *
 * Each variant file defines its hooks and includes variant.h last; see
 * variant.h for the list. The checker below is shared by all of them. */
#ifndef RACELAB_QUEUE_H
#define RACELAB_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab.h"
#include "sync/atomic.h"

extern const struct lab queue_lab;

/* An item: (producer + 1) << 40 | sequence number, so 0 is never an item
 * (a slot nobody wrote reads as 0) and sequence numbers fit 2^40. */
#define QLAB_SEQ_BITS 40
#define QLAB_SEQ_MASK ((UINT64_C(1) << QLAB_SEQ_BITS) - 1)
static inline uint64_t qlab_item(unsigned producer, uint64_t seq)
{
    return (uint64_t)(producer + 1) << QLAB_SEQ_BITS | seq;
}

/* A producer gives up when it could not push for this long: a racy
 * structure's indices or nodes are corrupt, or (after a minute) a fixed one
 * has stopped. Its remaining items are reported lost: never a hang. */
#define QLAB_GIVE_UP_RACY_NS  200000000u
#define QLAB_GIVE_UP_FIXED_NS 60000000000u

/* One consumer's tallies, on a cache line of its own. */
struct qlab_consumer {
    _Alignas(SYNC_CACHELINE) uint64_t consumed;   /* items taken, duplicates included */
    uint64_t duplicated;
    uint64_t bogus;        /* values that were no item at all */
    uint64_t reordered;
};

/* The checker's shared state, ahead of the variant's own. Written by one
 * worker each (consumer tallies, last[]) or atomically (bitmap, notes, done);
 * read by items() after every worker has been joined or reaped. */
struct qlab {
    unsigned producers, consumers;
    uint64_t iters;
    uint64_t words;                   /* bitmap words per producer */
    uint64_t max_pops;                /* per consumer: more is certainly corrupt */
    bool fifo;                        /* check per-producer order */
    bool racy;                        /* bounded waits: the structure may break */
    _Alignas(SYNC_CACHELINE) sync_atomic_u32 producers_done;
    _Alignas(SYNC_CACHELINE) sync_atomic_u64 gave_up;   /* items producers dropped */
    sync_atomic_u32 note_taken;       /* the first explanation wins */
    char note[160];                   /* the structure's own story, e.g. ABA */
    sync_atomic_u32 check_taken;
    char check_note[120];             /* the checker's first finding */
    size_t variant_offset;            /* where the variant's state starts */
    /* then: struct qlab_consumer[consumers], uint64_t last[consumers *
     * producers] (last sequence + 1 seen), sync_atomic_u64 bitmap[producers *
     * words] */
};

static inline struct qlab_consumer *qlab_consumers(struct qlab *q)
{
    return (struct qlab_consumer *)(q + 1);
}

static inline uint64_t *qlab_last(struct qlab *q)
{
    return (uint64_t *)(qlab_consumers(q) + q->consumers);
}

static inline sync_atomic_u64 *qlab_bitmap(struct qlab *q)
{
    return (sync_atomic_u64 *)(qlab_last(q) + (size_t)q->consumers * q->producers);
}

/* The checker's bytes for this run, rounded up: the variant's state starts
 * there. */
size_t qlab_offset(const struct lab_env *env);
void qlab_init(struct qlab *q, const struct lab_env *env, bool fifo, bool racy);
/* After the run: items consumed at least once, and the whole accounting. */
uint64_t qlab_observe(const void *state, unsigned workers);
void qlab_items(const void *state, struct lab_items *out);

/* Records the structure's explanation of what went wrong, once per trial. */
void qlab_note(struct qlab *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void qlab_check_note(struct qlab *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Consumer |c| took |item|: mark it, count a duplicate or a reordering. */
static inline void qlab_check(struct qlab *q, unsigned c, uint64_t item)
{
    struct qlab_consumer *me = &qlab_consumers(q)[c];
    me->consumed++;
    uint64_t p1 = item >> QLAB_SEQ_BITS, seq = item & QLAB_SEQ_MASK;
    if (p1 == 0 || p1 > q->producers || seq >= q->iters) {
        me->bogus++;
        qlab_check_note(q, "consumer %u took 0x%llx, which no producer made", c,
                        (unsigned long long)item);
        return;
    }
    unsigned p = (unsigned)(p1 - 1);
    sync_atomic_u64 *w = &qlab_bitmap(q)[p * q->words + seq / 64];
    uint64_t bit = UINT64_C(1) << (seq % 64);
    /* Relaxed: the bitmap only counts; the queue orders the items. */
    uint64_t old = sync_load_u64(w, SYNC_RELAXED);
    while (!(old & bit) && !sync_cas_u64(w, &old, old | bit, SYNC_RELAXED, SYNC_RELAXED))
        ;
    if (old & bit) {
        me->duplicated++;
        qlab_check_note(q, "item #%llu of producer %u consumed twice",
                        (unsigned long long)seq, p);
        return;
    }
    if (q->fifo) {
        uint64_t *last = &qlab_last(q)[(size_t)c * q->producers + p];
        if (seq + 1 <= *last) {
            me->reordered++;
            qlab_check_note(q, "consumer %u took producer %u's #%llu after its #%llu", c, p,
                            (unsigned long long)seq, (unsigned long long)(*last - 1));
        } else {
            *last = seq + 1;
        }
    }
}

/* Waiting for a full or empty structure: spin briefly, then let others run
 * (oversubscribed, the one we wait for may need this CPU). */
void qlab_backoff(unsigned *rounds);

#endif
