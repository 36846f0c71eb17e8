/* msqueue.c - the Michael-Scott queue (PODC 1996) with hazard pointers
 * (Michael, IEEE TPDS 2004, figure 6). */
#include <errno.h>
#include <stdlib.h>
#include "sync/msqueue.h"

struct msq_node {
    sync_atomic_ptr next;   /* the node behind, or NULL; set once, from NULL */
    uint64_t value;         /* written before the node is linked, then read-only */
};

/* CAS on a link holding a node pointer (keeps void ** casts out of the code). */
static bool msq_cas(sync_atomic_ptr *link, struct msq_node *old, struct msq_node *new_,
                    sync_order success)
{
    void *expected = old;
    return sync_cas_ptr(link, &expected, new_, success, SYNC_RELAXED);
}

static void msq_free(void *node, void *ctx)
{
    (void)ctx;
    free(node);
}

static struct msq_node *msq_node_new(uint64_t v)
{
    struct msq_node *n = malloc(sizeof *n);
    if (n != NULL) {
        SYNC_ANN_IGNORE(&n->next, sizeof n->next);   /* a CAS target; |value| is data */
        sync_store_ptr(&n->next, NULL, SYNC_RELAXED); /* published by the linking CAS */
        n->value = v;
    }
    return n;
}

int sync_msqueue_init(struct sync_msqueue *q)
{
    struct msq_node *dummy = msq_node_new(0);
    if (dummy == NULL)
        return ENOMEM;
    SYNC_ANN_IGNORE(&q->head, sizeof q->head);
    SYNC_ANN_IGNORE(&q->tail, sizeof q->tail);
    sync_store_ptr(&q->head, dummy, SYNC_RELAXED);
    sync_store_ptr(&q->tail, dummy, SYNC_RELAXED);
    return sync_hp_domain_init(&q->hp, msq_free, NULL);
}

void sync_msqueue_destroy(struct sync_msqueue *q)
{
    /* The dummy and every node still queued. */
    uint64_t n = 0;
    /* Acquire (both): pair with the release CASes of the pops and pushes; the
     * caller's join already ordered them, this keeps the code honest alone. */
    struct msq_node *p = sync_load_ptr(&q->head, SYNC_ACQUIRE);
    while (p != NULL) {
        struct msq_node *next = sync_load_ptr(&p->next, SYNC_ACQUIRE);
        free(p);
        n++;
        p = next;
    }
    sync_store_ptr(&q->head, NULL, SYNC_RELAXED);
    sync_store_ptr(&q->tail, NULL, SYNC_RELAXED);
    sync_hp_domain_destroy(&q->hp);
    sync_fetch_add_u64(&q->hp.freed_done, n, SYNC_RELAXED);
}

sync_msqueue_thread *sync_msqueue_thread_enter(struct sync_msqueue *q)
{
    return sync_hp_thread_enter(&q->hp);
}

void sync_msqueue_thread_leave(struct sync_msqueue *q, sync_msqueue_thread *h)
{
    (void)q;
    sync_hp_thread_leave(h);
}

bool sync_msqueue_trypush(struct sync_msqueue *q, sync_msqueue_thread *h, uint64_t v)
{
    struct msq_node *node = msq_node_new(v);
    if (node == NULL)
        return false;
    for (;;) {
        struct msq_node *t = sync_hp_protect(h, 0, &q->tail);
        /* Acquire: pairs with the release CAS that linked t->next. */
        struct msq_node *next = sync_load_ptr(&t->next, SYNC_ACQUIRE);
        if (t != sync_load_ptr(&q->tail, SYNC_ACQUIRE)) /* pairs with the tail CASes */
            continue;
        if (next != NULL) {
            /* Tail lags: help it forward, then retry. Seq_cst: see the tail
             * swing below. */
            (void)msq_cas(&q->tail, t, next, SYNC_SEQ_CST);
            continue;
        }
        /* Release: pairs with the acquire loads of ->next (pop, the push
         * above, destroy): the node's value and NULL next are visible.
         * This CAS is the push's linearization point. */
        SYNC_ANN_HAPPENS_BEFORE(node);   /* to the pops that read its value */
        if (msq_cas(&t->next, NULL, node, SYNC_RELEASE)) {
            /* Swing tail; failure means someone helped already. Release:
             * pairs with the acquire loads of |tail|. Seq_cst, as every CAS
             * on |tail|: for the hazard a push holds on the tail node, this
             * is the unlinking CAS of sync/hazard.h, and the reader's
             * seq_cst hazard store and re-read of |tail| with it and the
             * scan's hazard read form Dekker's pattern; with release alone
             * C11 would allow the re-read to see the old tail while the
             * scan misses the hazard (the RWC pattern; x86, ARMv8 and POWER
             * forbid it in hardware, the language does not). A locked
             * instruction on x86 either way. */
            (void)msq_cas(&q->tail, t, node, SYNC_SEQ_CST);
            sync_hp_clear(h, 0);
            return true;
        }
    }
}

bool sync_msqueue_trypop(struct sync_msqueue *q, sync_msqueue_thread *h, uint64_t *out)
{
    for (;;) {
        struct msq_node *hd = sync_hp_protect(h, 0, &q->head);
        struct msq_node *t = sync_load_ptr(&q->tail, SYNC_ACQUIRE); /* pairs with the tail CASes */
        /* Acquire: pairs with the release CAS in push that linked it. */
        struct msq_node *next = sync_load_ptr(&hd->next, SYNC_ACQUIRE);
        sync_hp_set(h, 1, next);
        /* Seq_cst: the re-check for hazard 1. If head is still hd, next is
         * still hd->next (set once) and still linked, so not retired. */
        if (hd != sync_load_ptr(&q->head, SYNC_SEQ_CST))
            continue;
        if (next == NULL) {
            sync_hp_clear(h, 0);
            sync_hp_clear(h, 1);
            return false;
        }
        if (hd == t) {
            /* Tail lags behind head's successor: help it. Seq_cst: see the
             * tail swing in push. */
            (void)msq_cas(&q->tail, t, next, SYNC_SEQ_CST);
            continue;
        }
        SYNC_ANN_HAPPENS_AFTER(next);   /* the push that linked it */
        uint64_t v = next->value;  /* before the CAS: after it, next may be popped and retired */
        /* Seq_cst: the unlink; the Dekker pair with sync_hp_protect() on
         * |head| (our retire's scan reads hazards after this). Also the
         * pop's linearization point. */
        if (msq_cas(&q->head, hd, next, SYNC_SEQ_CST)) {
            sync_hp_clear(h, 0);
            sync_hp_clear(h, 1);
            sync_hp_retire(h, hd);
            *out = v;
            return true;
        }
    }
}

void sync_msqueue_stats(struct sync_msqueue *q, uint64_t *retired, uint64_t *freed)
{
    sync_hp_stats(&q->hp, retired, freed);
}
