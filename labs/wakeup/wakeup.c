/* labs/wakeup/wakeup.c - the wake-up lab's descriptor, variant table, item
 * check and the description of a hang. */
#include "wakeup.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "shared.h"
#include "sync/annotate.h"

#define LAB_VARIANT_PREFIX wakeup_variant_
#include "variant_gen.h"

#define WAKEUP_VARIANTS(X) X(if) X(lost) X(one_cv) X(correct) X(correct_sync) X(sem)

LAB_VARIANT_TABLE(WAKEUP_VARIANTS, variants);

/* The lab's own numbers per trial (wk_fields() fills them in this order). */
static const struct lab_field fields[] = {
    { "sleeps", "waits", LAB_AGG_SUM, false },
    { "false_wakeups", "wake-ups to a false predicate", LAB_AGG_SUM, false },
    { "broken", "operations on an empty or full buffer", LAB_AGG_SUM, true },
};

const struct lab wakeup_lab = {
    .name = "wakeup",
    .title = "condition variables done wrong: stolen and lost wake-ups in a bounded buffer",
    .default_variants = { [LAB_THREADS] = "if,lost,one-cv,correct,correct-sync,sem",
                          [LAB_PROCS] = "if,lost,one-cv,correct,sem" },
    .baseline = "correct",
    .roles = true,
    .max_expected = 100000000u,   /* a bit per item: 12.5 MB of bitmap */
    .variants = variants,
    .nvariants = sizeof variants / sizeof variants[0],
    .expected = lab_expected_each,
    .fields = fields,
    .nfields = sizeof fields / sizeof fields[0],
    /* two rounds, the lab's three workers, one preemption: one-cv's and if's
     * bugs need the second round and the second consumer; correct, correct-sync
     * and sem exhaust that bound in 1736, 2818 and 3136 runs (dpor had not
     * in 30000; notes/explorer.md "Lab targets") */
    .explore = { .strategy = "bounded", .iters = 2, .preemptions = 1, .max_runs = 4000 },
};

static uint64_t words_for(uint64_t iters)
{
    return (iters + 63) / 64;
}

size_t wk_offset(const struct lab_env *env)
{
    size_t n = sizeof(struct wk) + (size_t)env->workers * sizeof(struct wk_worker) +
               (size_t)env->producers * words_for(env->iters) * sizeof(sync_atomic_u64);
    return (n + LAB_SHARED_ALIGN - 1) / LAB_SHARED_ALIGN * LAB_SHARED_ALIGN;
}

/* The state arrives zeroed (ring, tallies, bitmap). */
void wk_init(struct wk *w, const struct lab_env *env, unsigned cap)
{
    w->cap = cap;
    w->producers = env->producers;
    w->consumers = env->consumers;
    w->workers = env->workers;
    w->iters = env->iters;
    w->words = words_for(env->iters);
    w->sync_offset = wk_offset(env);
    /* The watchdog's words (the stop flag, the sleep and wake-up tallies, each
     * worker's doing and ticket) are C11 atomics only, read while the workers
     * run: not tracked by Helgrind and DRD, which do not model C11 atomics
     * (sync/annotate.h). The ring and the tallies stay tracked. */
    SYNC_ANN_IGNORE(&w->stop, offsetof(struct wk, note_taken) + sizeof w->note_taken -
                                  offsetof(struct wk, stop));
    for (unsigned i = 0; i < w->workers; i++)
        SYNC_ANN_IGNORE(&wk_worker(w, i)->doing, offsetof(struct wk_worker, ops));
}

void wk_note(struct wk *w, const char *fmt, ...)
{
    uint32_t free_ = 0;
    /* Relaxed: the text is read only after every worker has ended. */
    if (sync_load_u32(&w->note_taken, SYNC_RELAXED) != 0 ||
        !sync_cas_u32(&w->note_taken, &free_, 1, SYNC_RELAXED, SYNC_RELAXED))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->note, sizeof w->note, fmt, ap);
    va_end(ap);
}

void wk_check(struct wk *w, unsigned me, uint64_t item)
{
    struct wk_worker *k = wk_worker(w, me);
    k->consumed++;
    uint64_t p1 = item >> WK_SEQ_BITS, seq = item & WK_SEQ_MASK;
    if (p1 == 0 || p1 > w->producers || seq >= w->iters) {
        k->duplicated++;   /* a slot nobody ever wrote */
        return;
    }
    sync_atomic_u64 *word = &wk_bitmap(w)[(p1 - 1) * w->words + seq / 64];
    uint64_t bit = UINT64_C(1) << (seq % 64);
    /* Relaxed: the bitmap only counts; the buffer's lock orders the items. */
    uint64_t old = sync_load_u64(word, SYNC_RELAXED);
    while (!(old & bit) && !sync_cas_u64(word, &old, old | bit, SYNC_RELAXED, SYNC_RELAXED))
        ;
    if (old & bit)
        k->duplicated++;
}

uint64_t wk_observe(const void *state, unsigned workers)
{
    (void)workers;
    struct wk *w = (struct wk *)state;
    uint64_t n = 0;
    for (uint64_t i = 0; i < (uint64_t)w->producers * w->words; i++)
        n += (uint64_t)__builtin_popcountll(sync_load_u64(&wk_bitmap(w)[i], SYNC_RELAXED));
    return n;
}

void wk_items(const void *state, struct lab_items *out)
{
    struct wk *w = (struct wk *)state;
    memset(out, 0, sizeof *out);
    out->produced = (uint64_t)w->producers * w->iters;
    uint64_t broken = 0, false_wakeups = 0;
    for (unsigned i = 0; i < w->workers; i++) {
        const struct wk_worker *k = wk_worker(w, i);
        out->consumed += k->consumed;
        out->duplicated += k->duplicated;
        broken += k->broken;
        false_wakeups += k->false_wakeups;
    }
    out->lost = out->produced - wk_observe(state, w->workers);
    if (broken)
        snprintf(out->note, sizeof out->note, "%llu operations on an empty or full buffer "
                 "after an if-wait; first: %.100s", (unsigned long long)broken, w->note);
    else if (false_wakeups)
        snprintf(out->note, sizeof out->note, "%llu false wake-ups, each slept off again by "
                 "the while loop", (unsigned long long)false_wakeups);
}

/* What a sleeper waits for, as the watchdog prints it. */
static const char *const waits_for[] = {
    [WK_WAIT_NOT_FULL] = "not-full",
    [WK_WAIT_NOT_EMPTY] = "not-empty",
    [WK_WAIT_CHANGED] = "the one cv",
    [WK_WAIT_ROOM] = "a room unit",
    [WK_WAIT_FULL] = "a full unit",
};

bool wk_waiting(const void *state, unsigned worker, struct lab_wait *out)
{
    struct wk *w = (struct wk *)state;
    struct wk_worker *k = wk_worker(w, worker);
    uint32_t d = sync_load_u32(&k->doing, SYNC_RELAXED);
    /* A wake-up owed to this worker's sleeping place may be this worker's. */
    if (d == WK_RUNNING || d >= WK_DONE ||
        sync_load_u32(&w->owed[wk_on((enum wk_doing)d)], SYNC_RELAXED) != 0)
        return false;
    out->owner = -1;   /* a condition: nobody holds it */
    out->ticket = sync_load_u32(&k->ticket, SYNC_RELAXED);
    snprintf(out->what, sizeof out->what, "%s (%s; buffer %llu/%u)", waits_for[d],
             worker < w->producers ? "producer" : "consumer",
             (unsigned long long)sync_load_u64(&w->count_seen, SYNC_RELAXED), w->cap);
    return true;
}

void wk_fields(const void *state, unsigned workers, int64_t *out)
{
    struct wk *w = (struct wk *)state;
    for (unsigned i = 0; i < workers; i++) {
        const struct wk_worker *k = wk_worker(w, i);
        out[0] += (int64_t)k->waits;
        out[1] += (int64_t)k->false_wakeups;
        out[2] += (int64_t)k->broken;
    }
}
