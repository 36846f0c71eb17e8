/* hazard.c - hazard pointers: records, retire lists and the scan. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include "sync/hazard.h"

/* For Helgrind and DRD (sync/annotate.h): a record's fields, written before
 * its publishing CAS, are read by every thread that walks the list. */
static struct sync_hp_thread *hp_first(struct sync_hp_domain *d)
{
    /* Acquire: pairs with the release CAS that published each record. */
    struct sync_hp_thread *t = sync_load_ptr(&d->threads, SYNC_ACQUIRE);
    SYNC_ANN_HAPPENS_AFTER(&d->threads);
    return t;
}

int sync_hp_domain_init(struct sync_hp_domain *d, void (*free_fn)(void *, void *), void *ctx)
{
    if (free_fn == NULL)
        return EINVAL;
    SYNC_ANN_IGNORE(&d->threads, sizeof d->threads);
    SYNC_ANN_IGNORE(&d->nthreads, sizeof d->nthreads);
    SYNC_ANN_IGNORE(&d->retired_done, sizeof d->retired_done);
    SYNC_ANN_IGNORE(&d->freed_done, sizeof d->freed_done);
    sync_store_ptr(&d->threads, NULL, SYNC_RELAXED);
    sync_store_u32(&d->nthreads, 0, SYNC_RELAXED);
    d->free_fn = free_fn;
    d->ctx = ctx;
    sync_store_u64(&d->retired_done, 0, SYNC_RELAXED);
    sync_store_u64(&d->freed_done, 0, SYNC_RELAXED);
    return 0;
}

/* The owner's private counter: only it writes, others read relaxed. */
static void hp_count(sync_atomic_u64 *c, uint64_t n)
{
    sync_store_u64(c, sync_load_u64(c, SYNC_RELAXED) + n, SYNC_RELAXED);
}

struct sync_hp_thread *sync_hp_thread_enter(struct sync_hp_domain *d)
{
    for (struct sync_hp_thread *t = hp_first(d); t; t = t->next) {
        uint32_t idle = 0;
        /* Acquire: pairs with the release store in sync_hp_thread_leave(),
         * so the last owner's retire list is ours to read. */
        if (sync_load_u32(&t->active, SYNC_RELAXED) == 0 &&
            sync_cas_u32(&t->active, &idle, 1, SYNC_ACQUIRE, SYNC_RELAXED)) {
            SYNC_ANN_HAPPENS_AFTER(t);   /* the last owner's leave */
            return t;
        }
    }
    struct sync_hp_thread *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    /* The words other threads read: hazards (scans), |active| (enter and
     * leave), the counters (stats). */
    SYNC_ANN_IGNORE(t->hp, sizeof t->hp);
    SYNC_ANN_IGNORE(&t->active, sizeof t->active);
    SYNC_ANN_IGNORE(&t->nretire, sizeof t->nretire);
    SYNC_ANN_IGNORE(&t->nfree, sizeof t->nfree);
    for (unsigned i = 0; i < SYNC_HP_SLOTS; i++)
        sync_store_ptr(&t->hp[i], NULL, SYNC_RELAXED);
    sync_store_u32(&t->active, 1, SYNC_RELAXED);
    t->domain = d;
    void *old = sync_load_ptr(&d->threads, SYNC_RELAXED);
    do {
        t->next = old;
        SYNC_ANN_HAPPENS_BEFORE(&d->threads);   /* to every walk that finds it */
        /* Release: pairs with the acquire loads of the list (enter, scan,
         * stats), which then see the record's fields initialised. */
    } while (!sync_cas_ptr(&d->threads, &old, t, SYNC_RELEASE, SYNC_RELAXED));
    sync_fetch_add_u32(&d->nthreads, 1, SYNC_RELAXED); /* a sizing hint only */
    return t;
}

void sync_hp_thread_leave(struct sync_hp_thread *t)
{
    for (unsigned i = 0; i < SYNC_HP_SLOTS; i++)
        sync_hp_clear(t, i);
    if (t->nretired)
        sync_hp_scan(t);
    /* Sweep the idle records too: a thread that left while another still
     * protected one of its nodes left that node behind, and nobody scans an
     * idle record. Without this, a queue whose threads have all left could
     * still hold retired nodes until destroy. */
    for (struct sync_hp_thread *r = hp_first(t->domain); r; r = r->next) {
        uint32_t idle = 0;
        if (r == t || sync_load_u32(&r->active, SYNC_RELAXED) != 0)
            continue;
        /* Acquire: pairs with the release store below or in a leave, so the
         * record's retire list is ours while we hold it. */
        if (!sync_cas_u32(&r->active, &idle, 1, SYNC_ACQUIRE, SYNC_RELAXED))
            continue;
        SYNC_ANN_HAPPENS_AFTER(r);
        if (r->nretired)
            sync_hp_scan(r);
        SYNC_ANN_HAPPENS_BEFORE(r);
        sync_store_u32(&r->active, 0, SYNC_RELEASE); /* pairs with the acquire CAS above / in enter */
    }
    /* Release: pairs with the acquire CAS of the next thread to enter. */
    SYNC_ANN_HAPPENS_BEFORE(t);
    sync_store_u32(&t->active, 0, SYNC_RELEASE);
}

static int hp_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;
    return x < y ? -1 : x > y;
}

void sync_hp_scan(struct sync_hp_thread *t)
{
    struct sync_hp_domain *d = t->domain;
    size_t cap = (size_t)(sync_load_u32(&d->nthreads, SYNC_RELAXED) + 4) * SYNC_HP_SLOTS;
    size_t n = 0;
    void **haz = malloc(cap * sizeof *haz);
    if (haz == NULL)
        return;     /* try again at the next retire */
    for (struct sync_hp_thread *r = hp_first(d); r; r = r->next) {
        for (unsigned i = 0; i < SYNC_HP_SLOTS; i++) {
            /* Seq_cst: the Dekker pair with sync_hp_protect() (our caller
             * unlinked the node with a seq_cst CAS before retiring it), and
             * an acquire pairing with the release in sync_hp_clear(). */
            void *p = sync_load_ptr(&r->hp[i], SYNC_SEQ_CST);
            if (p == NULL)
                continue;
            if (n == cap) {
                void **bigger = realloc(haz, 2 * cap * sizeof *haz);
                if (bigger == NULL) {
                    free(haz);
                    return;
                }
                haz = bigger;
                cap *= 2;
            }
            haz[n++] = p;
        }
    }
    qsort(haz, n, sizeof *haz, hp_cmp);
    size_t kept = 0, freed = 0;
    for (size_t i = 0; i < t->nretired; i++) {
        void *p = t->retired[i];
        if (n && bsearch(&p, haz, n, sizeof *haz, hp_cmp) != NULL) {
            t->retired[kept++] = p;     /* still protected: next scan */
        } else {
            /* Every reader's clear or overwrite of a slot that held it
             * (sync__hp_let_go) happens before the free. */
            SYNC_ANN_HAPPENS_AFTER(p);
            d->free_fn(p, d->ctx);
            freed++;
        }
    }
    t->nretired = kept;
    hp_count(&t->nfree, freed);
    free(haz);
}

void sync_hp_retire(struct sync_hp_thread *t, void *node)
{
    while (t->nretired == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 2 * SYNC_HP_RETIRE_MIN;
        void **bigger = realloc(t->retired, cap * sizeof *bigger);
        if (bigger != NULL) {
            t->retired = bigger;
            t->cap = cap;
            break;
        }
        /* Out of memory: the node cannot be dropped (a reader may hold it)
         * nor remembered. Free what the others no longer protect; they each
         * protect at most SYNC_HP_SLOTS nodes, so room appears unless the
         * list is tiny. */
        sync_hp_scan(t);
        if (t->nretired == t->cap)
            sched_yield();
    }
    t->retired[t->nretired++] = node;
    hp_count(&t->nretire, 1);
    size_t threshold = 2u * SYNC_HP_SLOTS * sync_load_u32(&t->domain->nthreads, SYNC_RELAXED);
    if (threshold < SYNC_HP_RETIRE_MIN)
        threshold = SYNC_HP_RETIRE_MIN;
    if (t->nretired >= threshold)
        sync_hp_scan(t);
}

void sync_hp_stats(struct sync_hp_domain *d, uint64_t *retired, uint64_t *freed)
{
    uint64_t r = sync_load_u64(&d->retired_done, SYNC_RELAXED);
    uint64_t f = sync_load_u64(&d->freed_done, SYNC_RELAXED);
    for (struct sync_hp_thread *t = hp_first(d); t; t = t->next) {
        r += sync_load_u64(&t->nretire, SYNC_RELAXED);
        f += sync_load_u64(&t->nfree, SYNC_RELAXED);
    }
    if (retired)
        *retired = r;
    if (freed)
        *freed = f;
}

void sync_hp_domain_destroy(struct sync_hp_domain *d)
{
    uint64_t r = 0, f = 0;
    /* Acquire: pairs with the release CAS that published each record. */
    struct sync_hp_thread *t = sync_load_ptr(&d->threads, SYNC_ACQUIRE);
    while (t != NULL) {
        struct sync_hp_thread *next = t->next;
        for (size_t i = 0; i < t->nretired; i++)
            d->free_fn(t->retired[i], d->ctx);
        r += sync_load_u64(&t->nretire, SYNC_RELAXED);
        f += sync_load_u64(&t->nfree, SYNC_RELAXED) + t->nretired;
        free(t->retired);
        free(t);
        t = next;
    }
    sync_store_ptr(&d->threads, NULL, SYNC_RELAXED);
    sync_store_u32(&d->nthreads, 0, SYNC_RELAXED);
    sync_fetch_add_u64(&d->retired_done, r, SYNC_RELAXED);
    sync_fetch_add_u64(&d->freed_done, f, SYNC_RELAXED);
}
