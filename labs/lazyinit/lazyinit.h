/* labs/lazyinit/lazyinit.h - the lazyinit lab: an object created on first
 * use, by whichever worker gets there first.
 *
 * CONCEPT
 *   get(): if the object does not exist yet, create it; return it. Two
 *   workers that both see "not yet" both create it (one copy leaks, and the
 *   two workers use different objects); the double-checked fix takes a lock
 *   only when the pointer is NULL, but then the pointer is read outside the
 *   lock: a data race, and without acquire/release nothing stops the
 *   compiler (or a weakly ordered CPU) from publishing the pointer before
 *   the fields it points to are written, so a reader finds a half-made
 *   object. The lab has one lazy slot per iteration, so every iteration is
 *   a first use all workers race on.
 *
 * THE RACE (racy; slot = NULL)
 *     step  worker 1                   worker 2                   slot
 *     1     p = slot -> NULL                                      NULL
 *     2                                q = slot -> NULL           NULL
 *     3     slot = create() = A                                   A
 *     4                                slot = create() = B        B      (A leaks;
 *     5     use A                      use B                      B       worker 1 used A)
 *   dclp, the reordering (allowed: the accesses are plain):
 *     1     lock; slot == NULL; o = alloc
 *     2     slot = o      (the compiler moved the store up)
 *     3                                p = slot -> o (not NULL: no lock)
 *     4                                read p->a -> garbage
 *     5     o->a = ...; unlock
 *
 * EXPECTED
 *   workers x iterations gets, each returning the slot's one object with
 *   every field initialised (2 x 100000 = 200000). The lab's fields:
 *   creations (objects created; exact is one per slot) and leaked (created
 *   but not published by the slot: racy's duplicates, as a number).
 *
 * TYPICAL
 *   racy: in a trial where both workers really run at once, a few percent
 *   of the gets return a duplicate (leaked) object, as the workers run neck
 *   and neck through the slots; on shared cores many trials have one worker
 *   alone for long stretches and lose nothing. dclp: exact on x86 as
 *   compiled here (x86 keeps stores in order and the compiler kept the
 *   field stores before the pointer store), yet a data race TSan reports;
 *   the fault is in the code, not in the count. acqrel, once,
 *   pthread-once, mutex: exact; mutex pays a lock per get, once and acqrel
 *   one acquire load.
 *
 * DETECTORS
 *   TSan reports racy and dclp (the unlocked read of the pointer against
 *   the store under the lock), and nothing on acqrel, once, pthread-once
 *   and mutex.
 *
 * TRY
 *   lab-lazyinit --variant all --trials 5          (what each fix costs)
 *   lab-lazyinit-tsan --variant dclp --trials 1     (exact, and still a race)
 *   diff -u labs/lazyinit/dclp.c labs/lazyinit/acqrel.c
 *
 * Each variant file defines its slot (struct slot, with the object pointer
 * in |p| unless LAZY_FINAL says where) and get(s, sl, i), and optionally
 * slot_init(sl, env) (VARIANT_SLOT_INIT), then includes variant.h. */
#ifndef RACELAB_LAZYINIT_H
#define RACELAB_LAZYINIT_H

#include <stdbool.h>
#include <stdint.h>

#include "sync/atomic.h"

#include "lab.h"

extern const struct lab lazyinit_lab;

#define LAZY_MAGIC 0x5eed0b1ec7ull
#define LAZY_MAX_GETS 4000000ull   /* workers x iterations: the pool and the record */
/* The harness's valgrind runs (struct lab.valgrind_iters): DRD pays for
 * every slot's lock or once object, and a happens-before tool sees the
 * race on the first slots the workers share. */
#define LAZY_VALGRIND_ITERS 200u

/* The lazily created object: every field depends on its slot, so a get can
 * tell a whole object of the right slot from a half-made one. */
struct lazy_obj {
    uint64_t a, b, c, d;
};

/* The shared state's head; the arrays follow it in the same memory. */
struct lazy {
    uint64_t iters;
    unsigned workers;
    size_t slot_size;
    sync_atomic_u64 made;          /* objects created (the pool's next index) */
    struct lazy_obj *pool;         /* workers x iters objects: nothing is really leaked */
    const struct lazy_obj **got;   /* got[w * iters + i]: what worker w's get i returned,
                                    * NULL if it was not whole */
    unsigned char *slots;          /* iters slots of slot_size bytes */
};

/* Creates slot i's object: fields first, with plain stores. */
static inline struct lazy_obj *lazy_create(struct lazy *s, uint64_t i)
{
    /* Relaxed: a count, read after the join. */
    uint64_t k = sync_fetch_add_u64(&s->made, 1, SYNC_RELAXED);
    struct lazy_obj *o = &s->pool[k < (uint64_t)s->workers * s->iters ? k : 0];
    o->a = LAZY_MAGIC ^ i;
    o->b = o->a + 1;
    o->c = o->a + 2;
    o->d = o->a + 3;
    return o;
}

static inline bool lazy_whole(const struct lazy_obj *o, uint64_t i)
{
    uint64_t a = LAZY_MAGIC ^ i;
    return o != NULL && o->a == a && o->b == a + 1 && o->c == a + 2 && o->d == a + 3;
}

#endif
