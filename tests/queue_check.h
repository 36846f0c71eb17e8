/* tests/queue_check.h - a small linearizability checker for FIFO queue
 * histories (Wing and Gong's search, with memoisation).
 *
 * A history is a list of completed operations, each with the logical time
 * of its invocation and of its response (ticks of one global counter, so
 * "a responded before b was invoked" is exact). It is linearizable if the
 * operations can be put in one sequence that (1) keeps every pair where one
 * responded before the other was invoked in that order, and (2) is a legal
 * run of a sequential FIFO queue: every pop returns the oldest item, and a
 * pop that found the queue empty happens when it is empty.
 *
 * The search linearizes, at each step, one operation that no other pending
 * operation precedes in real time, applies it to a model queue, and
 * backtracks on a contradiction. A state (set of operations done + model
 * queue contents) that failed once fails again, so it is remembered.
 * Histories here are at most QC_MAX_OPS operations; values must be < 256
 * and unique per push.
 *
 * QC_WEAK_EMPTY drops failed pops from the history before the search: for
 * queues whose "empty" is not linearizable by design (sync_mpmc and
 * sync_semq: a pop can report empty while an item pushed later, by another
 * producer, is already complete; see their headers). Their items are still
 * checked: order, loss, duplication. */
#ifndef RACELAB_QUEUE_CHECK_H
#define RACELAB_QUEUE_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define QC_MAX_OPS 32
#define QC_WEAK_EMPTY 1u

enum qc_kind { QC_PUSH, QC_POP };

struct qc_op {
    enum qc_kind kind;
    bool ok;            /* pop: returned an item (false: reported empty) */
    uint8_t value;      /* push: the item; pop: the item returned if ok */
    uint64_t inv, res;  /* logical times, inv < res */
};

struct qc_memo_entry {
    uint32_t done;                  /* 0 = empty entry (the empty set is never stored) */
    uint8_t len;
    uint8_t items[QC_MAX_OPS];
};

#define QC_MEMO_SLOTS 4096u

struct qc_search {
    const struct qc_op *ops;
    unsigned n;
    uint32_t all;
    uint8_t queue[QC_MAX_OPS];      /* the model queue: queue[head..tail) */
    unsigned head, tail;
    struct qc_memo_entry *memo;     /* failed states (best effort: full table drops new ones) */
    unsigned long steps;
};

static inline uint32_t qc__hash(uint32_t done, const uint8_t *items, unsigned len)
{
    uint32_t h = 2166136261u ^ done;
    for (unsigned i = 0; i < len; i++)
        h = (h ^ items[i]) * 16777619u;
    return (h ^ (h >> 15)) * 2246822519u;
}

static inline bool qc__memo_has(struct qc_search *s, uint32_t done, bool insert)
{
    unsigned len = s->tail - s->head;
    const uint8_t *items = &s->queue[s->head];
    uint32_t h = qc__hash(done, items, len);
    for (unsigned probe = 0; probe < 64; probe++) {
        struct qc_memo_entry *e = &s->memo[(h + probe) & (QC_MEMO_SLOTS - 1)];
        if (e->done == 0) {
            if (insert) {
                e->done = done;
                e->len = (uint8_t)len;
                memcpy(e->items, items, len);
            }
            return false;
        }
        if (e->done == done && e->len == len && memcmp(e->items, items, len) == 0)
            return true;
    }
    return false;
}

static bool qc__search(struct qc_search *s, uint32_t done)
{
    if (done == s->all)
        return true;
    if (done != 0 && qc__memo_has(s, done, false))
        return false;
    s->steps++;
    /* The earliest response among pending operations: an operation invoked
     * after it cannot go next. */
    uint64_t min_res = UINT64_MAX;
    for (unsigned j = 0; j < s->n; j++)
        if (!(done >> j & 1) && s->ops[j].res < min_res)
            min_res = s->ops[j].res;
    for (unsigned i = 0; i < s->n; i++) {
        const struct qc_op *op = &s->ops[i];
        if ((done >> i & 1) || op->inv > min_res)
            continue;
        unsigned h = s->head, t = s->tail;
        if (op->kind == QC_PUSH) {
            s->queue[s->tail++] = op->value;
        } else if (op->ok) {
            if (s->head == s->tail || s->queue[s->head] != op->value)
                continue;
            s->head++;
        } else if (s->head != s->tail) {
            continue;
        }
        /* Keep the model queue compact so states compare by contents. */
        uint8_t saved[QC_MAX_OPS];
        unsigned slen = t - h;
        memcpy(saved, &s->queue[h], slen);
        if (s->head > 0) {
            memmove(s->queue, &s->queue[s->head], s->tail - s->head);
            s->tail -= s->head;
            s->head = 0;
        }
        bool ok = qc__search(s, done | 1u << i);
        memcpy(s->queue, saved, slen);      /* restore the state we came with */
        s->head = 0;
        s->tail = slen;
        (void)h;
        if (ok)
            return true;
    }
    if (done != 0)
        (void)qc__memo_has(s, done, true);
    return false;
}

/* True if the history ops[0..n) is linearizable as a FIFO queue (n <=
 * QC_MAX_OPS, the queue starting empty). flags: 0 or QC_WEAK_EMPTY. */
static inline bool qc_linearizable(const struct qc_op *ops, unsigned n, unsigned flags)
{
    struct qc_op kept[QC_MAX_OPS];
    unsigned m = 0;
    if (n > QC_MAX_OPS)
        return false;
    for (unsigned i = 0; i < n; i++)
        if (!((flags & QC_WEAK_EMPTY) && ops[i].kind == QC_POP && !ops[i].ok))
            kept[m++] = ops[i];
    struct qc_search s = { .ops = kept, .n = m, .head = 0, .tail = 0 };
    s.all = m == 32 ? UINT32_MAX : (1u << m) - 1;
    s.memo = calloc(QC_MEMO_SLOTS, sizeof *s.memo);
    if (s.memo == NULL)
        return false;
    bool ok = qc__search(&s, 0);
    free(s.memo);
    return ok;
}

#endif /* RACELAB_QUEUE_CHECK_H */
