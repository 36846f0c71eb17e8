/* labs/common/hog.c - the starvation demo (--hog).
 *
 * A ticker coroutine wants to run every millisecond while a hog coroutine
 * computes for hog_ms without yielding. On coros they share the one carrier
 * thread and the ticker waits for the whole hog; on coros-mn they are on two
 * carriers and the ticker keeps time; on coros-preempt a timer switches the
 * hog out, so the delay is bounded by about one period. */
#include "runtime.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/atomic.h"
#include "sync/coro.h"
#include "util/stats.h"

#define HOG_TICK_NS   1000000u   /* the ticker wants to run every millisecond */
#define HOG_WARMUP_NS 5000000u   /* ticks before the hog starts */
#define HOG_MAX_TICKS 65536u

struct hog {
    unsigned hog_ms;
    uint64_t start;
    sync_atomic_u32 hog_done;    /* set by the hog when it has finished */
    sync_atomic_u32 hog_running; /* set while the hog computes without a yield point */
    unsigned ticks_during;       /* ticks made while hog_running was set */
    uint64_t hog_ns;
    unsigned ticks;
    uint64_t delay[HOG_MAX_TICKS];
};

/* Ticks every millisecond until the hog is done and five more ticks have
 * passed; each tick records how late it came. Between ticks it yields, as
 * any well-behaved coroutine waiting for a deadline does. */
static void *hog_ticker(void *arg)
{
    struct hog *h = arg;
    uint64_t due = h->start + HOG_TICK_NS;
    unsigned after = 0;
    while (h->ticks < HOG_MAX_TICKS && after < 5) {
        uint64_t now;
        while ((now = lab_now_ns()) < due)
            sync_coro_yield();
        h->delay[h->ticks++] = now - due;
        /* Acquire: pairs with the hog's release stores. On one carrier
         * without preemption this never sees 1: the hog does not yield
         * between setting and clearing it. */
        if (sync_load_u32(&h->hog_running, SYNC_ACQUIRE))
            h->ticks_during++;
        due = now + HOG_TICK_NS;
        if (sync_load_u32(&h->hog_done, SYNC_ACQUIRE))   /* pairs with the hog's release */
            after++;
    }
    return NULL;
}

/* Yields politely through the warm-up, then computes for hog_ms without a
 * single yield point - a blocking call in an event loop. */
static void *hog_hog(void *arg)
{
    struct hog *h = arg;
    while (lab_now_ns() < h->start + HOG_WARMUP_NS)
        sync_coro_yield();
    uint64_t t0 = lab_now_ns(), end = t0 + (uint64_t)h->hog_ms * 1000000u;
    sync_store_u32(&h->hog_running, 1, SYNC_RELEASE);
    while (lab_now_ns() < end)
        sync_cpu_relax();
    sync_store_u32(&h->hog_running, 0, SYNC_RELEASE);
    h->hog_ns = lab_now_ns() - t0;
    sync_store_u32(&h->hog_done, 1, SYNC_RELEASE);   /* pairs with the ticker's acquire */
    return NULL;
}

struct hog_carrier {
    struct hog *h;
    sync_coro_fn fn;
    int rc;
    pthread_t tid;
};

static void *hog_carrier_main(void *arg)
{
    struct hog_carrier *c = arg;
    sync_sched_t s;
    c->rc = sync_sched_init(&s);
    if (c->rc == 0)
        c->rc = sync_sched_spawn(&s, c->fn, c->h, 0);
    if (c->rc == 0)
        c->rc = sync_sched_run(&s);
    return NULL;
}

/* coros, coros-preempt: both on this thread; while the hog computes,
 * nothing else runs - unless a timer preempts it. */
static int hog_one_carrier(struct hog *h, bool preempt, unsigned preempt_us)
{
    sync_sched_t s;
    int rc = sync_sched_init(&s);
    if (rc == 0)
        rc = sync_sched_spawn(&s, hog_ticker, h, 0);
    if (rc == 0)
        rc = sync_sched_spawn(&s, hog_hog, h, 0);
    if (rc == 0 && preempt)
        rc = sync_coro_preempt_start(preempt_us ? preempt_us : LAB_PREEMPT_DEFAULT_US);
    if (rc == 0) {
        rc = sync_sched_run(&s);
        sync_coro_preempt_stop();
    }
    return rc;
}

/* coros-mn: one carrier each; the hog blocks only its own carrier. */
static int hog_two_carriers(struct hog *h)
{
    struct hog_carrier c[2] = { { .h = h, .fn = hog_ticker }, { .h = h, .fn = hog_hog } };
    unsigned started = 0;
    int rc = 0;
    for (; started < 2 && rc == 0; started++)
        rc = pthread_create(&c[started].tid, NULL, hog_carrier_main, &c[started]);
    if (rc != 0)
        started--;
    for (unsigned i = 0; i < started; i++) {
        pthread_join(c[i].tid, NULL);
        if (rc == 0)
            rc = c[i].rc;
    }
    return rc;
}

int lab_run_hog(enum lab_model model, unsigned hog_ms, unsigned preempt_us, struct lab_hog *out,
                char *err, size_t errlen)
{
    struct hog *h = calloc(1, sizeof *h);
    if (h == NULL) {
        snprintf(err, errlen, "out of memory");
        return ENOMEM;
    }
    h->hog_ms = hog_ms;
    h->start = lab_now_ns();
    int rc = EINVAL;
    if (model == LAB_COROS || model == LAB_COROS_PREEMPT)
        rc = hog_one_carrier(h, model == LAB_COROS_PREEMPT, preempt_us);
    else if (model == LAB_COROS_MN)
        rc = hog_two_carriers(h);
    if (rc != 0) {
        snprintf(err, errlen, "the starvation demo could not run: %s", strerror(rc));
    } else {
        out->ticks = h->ticks;
        out->ticks_during = h->ticks_during;
        out->hog_ns = h->hog_ns;
        out->median_delay_ns = h->ticks ? util_median_u64(h->delay, h->ticks) : 0;   /* sorts */
        out->worst_delay_ns = h->ticks ? h->delay[h->ticks - 1] : 0;
    }
    free(h);
    return rc;
}

/* --json, --csv: one record; false for the human format. */
static bool hog_print_machine(const struct lab *lab, const struct lab_config *o,
                              const struct lab_hog *h)
{
    if (o->format == LAB_JSON) {
        printf("{\"kind\":\"hog\",\"lab\":\"%s\",\"model\":\"%s\",\"hog_ms\":%u,"
               "\"hog_ns\":%llu,\"ticks\":%u,\"ticks_during_hog\":%u,\"tick_ns\":1000000,"
               "\"worst_delay_ns\":%llu,\"median_delay_ns\":%llu}\n", lab->name,
               lab_model_name(o->model), o->hog_ms, (unsigned long long)h->hog_ns, h->ticks,
               h->ticks_during, (unsigned long long)h->worst_delay_ns,
               (unsigned long long)h->median_delay_ns);
        return true;
    }
    if (o->format == LAB_CSV) {
        puts("kind,lab,model,hog_ms,hog_ns,ticks,ticks_during_hog,tick_ns,worst_delay_ns,"
             "median_delay_ns");
        printf("hog,%s,%s,%u,%llu,%u,%u,1000000,%llu,%llu\n", lab->name,
               lab_model_name(o->model), o->hog_ms, (unsigned long long)h->hog_ns, h->ticks,
               h->ticks_during,
               (unsigned long long)h->worst_delay_ns, (unsigned long long)h->median_delay_ns);
        return true;
    }
    return false;
}

static void hog_print_human(const struct lab *lab, const struct lab_config *o,
                            const struct lab_hog *h)
{
    printf("lab-%s: starvation - one coroutine computes for %u ms without yielding while "
           "another wants to tick every 1 ms\n", lab->name, o->hog_ms);
    if (o->model == LAB_COROS_PREEMPT)
        printf("model %s: both on one carrier thread, a timer preempts every %u us\n\n",
               lab_model_name(o->model), o->preempt_us);
    else
        printf("model %s: %s\n\n", lab_model_name(o->model),
               o->model == LAB_COROS ? "both on one carrier thread"
                                     : "ticker and hog on two carrier threads");
    printf("  the hog ran             %10.3f ms without a yield point\n", (double)h->hog_ns / 1e6);
    printf("  ticks                   %10u\n", h->ticks);
    printf("  of them during the hog  %10u\n", h->ticks_during);
    printf("  median tick delay       %10.3f ms\n", (double)h->median_delay_ns / 1e6);
    printf("  worst tick delay        %10.3f ms\n\n", (double)h->worst_delay_ns / 1e6);
    if (o->model == LAB_COROS)
        printf("On one carrier nothing runs while a coroutine does not yield: the ticker waited "
               "for the\nwhole hog. That is a blocking call inside an asyncio event loop.\n");
    else if (o->model == LAB_COROS_PREEMPT)
        printf("The timer switched the hog out wherever it was, so the ticker ran within about "
               "one\nperiod of its due time: preemption bounds the delay, at the price of "
               "switches\nat arbitrary points (see racy on this model).\n");
    else
        printf("On its own carrier the ticker kept time: the hog blocked only its carrier. "
               "Coroutines on\nthe hog's carrier would have waited as on coros.\n");
}


int lab__hog_main(const struct lab *lab, const struct lab_config *o)
{
    struct lab_hog h;
    char err[256];
    if (lab_model_unavailable(o->model) != NULL) {
        fprintf(stderr, "lab-%s: --model %s is unavailable: %s\n", lab->name,
                lab_model_name(o->model), lab_model_unavailable(o->model));
        return 1;
    }
    if (lab_run_hog(o->model, o->hog_ms, o->preempt_us, &h, err, sizeof err) != 0) {
        fprintf(stderr, "lab-%s: %s\n", lab->name, err);
        return 1;
    }
    if (!hog_print_machine(lab, o, &h))
        hog_print_human(lab, o, &h);
    return 0;
}
