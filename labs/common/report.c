/* labs/common/report.c - lab_main: run the chosen variants and report.
 *
 * People get a table per racy variant (every trial: the spread is the
 * lesson), one line per fixed variant, and a summary with ns/op and the cost
 * relative to the lab's baseline. Machines get --json (JSON Lines: one
 * "trial" object per trial, one "summary" per variant, as DESIGN.md section 7
 * says) or --csv (the same records, one header). */
#include "lab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sync/atomic.h"
#include "sync/coro.h"

const char *lab_atomics_backend(void)
{
    return SYNC_ATOMIC_BACKEND;
}

static const char *ao_status(void)
{
#ifdef RACELAB_HAVE_AO
    return "available";
#else
    return "unavailable (apt-get install libatomic-ops-dev, then rebuild)";
#endif
}

struct summary {
    const struct lab_variant *v;
    uint64_t expected;
    uint64_t min, median, max;
    double ns_per_op;   /* median over trials */
    uint64_t wall_ns;   /* median over trials */
    unsigned lossy;     /* finished trials whose observation differed from expected */
    unsigned trials;
    unsigned deadlocks, timeouts, crashes;
    bool has_items;      /* totals over the trials of the variant's item accounting */
    struct lab_items items;
    bool ran;
    const char *skipped; /* why it did not run */
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t median_u64(uint64_t *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    return n % 2 ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

static double ns_per_op(uint64_t wall_ns, unsigned workers, uint64_t iters)
{
    return (double)wall_ns / ((double)workers * (double)iters);
}

/* The workers that each make |iters| operations: with roles, the producers
 * (ns_per_op is then per item). */
static unsigned op_workers(const struct lab *lab, const struct lab_opts *o)
{
    return lab->roles ? o->producers : o->workers;
}

static bool lab_has_items(const struct lab *lab)
{
    for (size_t i = 0; i < lab->nvariants; i++)
        if (lab->variants[i]->items)
            return true;
    return false;
}

/* A trial's items went wrong: lost, duplicated or reordered. */
static bool items_wrong(const struct lab_items *it)
{
    return it->lost || it->duplicated || it->reordered;
}

static void json_items(const struct lab_items *it)
{
    printf(",\"produced\":%llu,\"consumed\":%llu,\"duplicated\":%llu,\"reordered\":%llu",
           (unsigned long long)it->produced, (unsigned long long)it->consumed,
           (unsigned long long)it->duplicated, (unsigned long long)it->reordered);
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* The fields every record carries, in a fixed order. */
static void record_common(FILE *f, enum lab_format fmt, const struct lab *lab,
                          const struct lab_opts *o, const struct lab_variant *v,
                          uint64_t expected, uint64_t observed, double nsop, uint64_t wall)
{
    long long lost = (long long)expected - (long long)observed;
    if (fmt == LAB_JSON) {
        fprintf(f, "\"lab\":\"%s\",\"model\":\"%s\",\"variant\":\"%s\",\"workers\":%u,"
                "\"iters\":%llu,\"expected\":%llu,\"observed\":%llu,\"lost\":%lld,"
                "\"ns_per_op\":%.3f,\"wall_ns\":%llu,\"racy_by_design\":%s,\"atomics\":",
                lab->name, lab_model_name(o->model), v->name, o->workers,
                (unsigned long long)o->iters, (unsigned long long)expected,
                (unsigned long long)observed, lost, nsop, (unsigned long long)wall,
                v->racy_by_design ? "true" : "false");
        json_string(f, lab_atomics_backend());
    } else {
        fprintf(f, "%s,%s,%s,%u,%llu,%llu,%llu,%lld,%.3f,%llu,%s,%s", lab->name,
                lab_model_name(o->model), v->name, o->workers, (unsigned long long)o->iters,
                (unsigned long long)expected, (unsigned long long)observed, lost, nsop,
                (unsigned long long)wall, v->racy_by_design ? "true" : "false",
                lab_atomics_backend());
    }
}

#define CSV_HEADER "kind,lab,model,variant,workers,iters,expected,observed,lost,ns_per_op," \
                   "wall_ns,racy_by_design,atomics,trial,trials,lossy_trials,observed_min," \
                   "observed_median,observed_max,outcome\n"

/* The exact outcome the variant predicts under this run's model, or 0. */
static uint64_t predicted(const struct lab_opts *o, const struct lab_variant *v)
{
    return v->predict ? v->predict(o->model, o->workers, o->iters) : 0;
}

static void emit_trial(const struct lab *lab, const struct lab_opts *o,
                       const struct lab_variant *v, unsigned trial, const struct lab_trial *t)
{
    double nsop = ns_per_op(t->wall_ns, op_workers(lab, o), o->iters);
    if (o->format == LAB_JSON) {
        fputs("{\"kind\":\"trial\",", stdout);
        record_common(stdout, o->format, lab, o, v, t->expected, t->observed, nsop, t->wall_ns);
        printf(",\"trial\":%u,\"outcome\":\"%s\"", trial, lab_outcome_name(t->outcome));
        if (o->model == LAB_COROS_PREEMPT)
            printf(",\"preempt_us\":%u,\"preemptions\":%lu", o->preempt_us, t->preemptions);
        if (lab->roles)
            printf(",\"producers\":%u,\"consumers\":%u", o->producers, o->consumers);
        if (t->has_items) {
            json_items(&t->items);
            if (t->items.note[0]) {
                fputs(",\"note\":", stdout);
                json_string(stdout, t->items.note);
            }
        }
        if (predicted(o, v))
            printf(",\"predicted\":%llu", (unsigned long long)predicted(o, v));
        if (t->victim >= 0)
            printf(",\"victim\":%d,\"victim_done\":%llu,\"death_ns\":%llu,\"recoveries\":%u",
                   t->victim, (unsigned long long)t->victim_done,
                   (unsigned long long)t->death_ns, t->recoveries);
        if (t->outcome != LAB_OK) {
            fputs(",\"detail\":", stdout);
            json_string(stdout, t->detail);
        }
        puts("}");
    } else if (o->format == LAB_CSV) {
        fputs("trial,", stdout);
        record_common(stdout, o->format, lab, o, v, t->expected, t->observed, nsop, t->wall_ns);
        printf(",%u,,,,,,%s", trial, lab_outcome_name(t->outcome));
        if (t->has_items)
            printf(",%llu,%llu,%llu,%llu", (unsigned long long)t->items.produced,
                   (unsigned long long)t->items.consumed, (unsigned long long)t->items.duplicated,
                   (unsigned long long)t->items.reordered);
        else if (lab_has_items(lab))
            fputs(",,,,", stdout);
        putchar('\n');
    } else if (t->has_items && t->outcome == LAB_OK &&
               (v->racy_by_design || items_wrong(&t->items))) {
        const struct lab_items *it = &t->items;
        printf("  %5u  %10llu  %10llu  %8llu  %8llu  %8llu  %8.2f\n", trial,
               (unsigned long long)it->produced, (unsigned long long)it->consumed,
               (unsigned long long)it->lost, (unsigned long long)it->duplicated,
               (unsigned long long)it->reordered, nsop);
        if (it->note[0])
            printf("         %s\n", it->note);
    } else if (t->victim >= 0 || t->outcome != LAB_OK) {
        printf("  trial %u: ", trial);
        if (t->outcome == LAB_DEADLOCK || t->outcome == LAB_TIMEOUT || t->outcome == LAB_CRASH) {
            printf("%s: %s; %llu counted when it was stopped\n",
                   t->outcome == LAB_DEADLOCK ? "DEADLOCK" :
                   t->outcome == LAB_TIMEOUT ? "TIMEOUT" : "CRASH",
                   t->detail, (unsigned long long)t->observed);
        } else {
            printf("worker %d died holding the lock after %llu of %llu increments (%.2f ms in); "
                   "%s; expected %llu, observed %llu%s\n", t->victim,
                   (unsigned long long)t->victim_done, (unsigned long long)o->iters,
                   (double)t->death_ns / 1e6,
                   t->recoveries == 1 ? "a survivor recovered the lock (EOWNERDEAD)" :
                   t->recoveries == 0 ? "the others never needed the lock again" :
                   "recovered more than once",
                   (unsigned long long)t->expected, (unsigned long long)t->observed,
                   t->observed == t->expected ? ": exact" : ": WRONG");
        }
    } else if (v->racy_by_design) {
        long long lost = (long long)t->expected - (long long)t->observed;
        printf("  %5u  %12llu  %10lld  %6.2f %%  %8.2f", trial,
               (unsigned long long)t->observed, lost,
               100.0 * (double)lost / (double)t->expected, nsop);
        if (o->model == LAB_COROS_PREEMPT)
            printf("  %11lu", t->preemptions);
        putchar('\n');
    }
}

static void emit_summary(const struct lab *lab, const struct lab_opts *o,
                         const struct summary *s)
{
    if (o->format == LAB_JSON) {
        fputs("{\"kind\":\"summary\",", stdout);
        record_common(stdout, o->format, lab, o, s->v, s->expected, s->median, s->ns_per_op,
                      s->wall_ns);
        printf(",\"trials\":%u,\"lossy_trials\":%u,\"observed_min\":%llu,"
               "\"observed_median\":%llu,\"observed_max\":%llu,\"deadlocks\":%u,"
               "\"timeouts\":%u,\"crashes\":%u,\"correct\":%s",
               s->trials, s->lossy, (unsigned long long)s->min, (unsigned long long)s->median,
               (unsigned long long)s->max, s->deadlocks, s->timeouts, s->crashes,
               s->lossy == 0 && s->deadlocks + s->timeouts + s->crashes == 0 ? "true" : "false");
        if (lab->roles)
            printf(",\"producers\":%u,\"consumers\":%u", o->producers, o->consumers);
        if (s->has_items) {   /* totals over the trials */
            json_items(&s->items);
            printf(",\"items_lost\":%llu", (unsigned long long)s->items.lost);
            if (s->items.note[0]) {
                fputs(",\"note\":", stdout);
                json_string(stdout, s->items.note);
            }
        }
        if (predicted(o, s->v))
            printf(",\"predicted\":%llu", (unsigned long long)predicted(o, s->v));
        puts("}");
    } else if (o->format == LAB_CSV) {
        fputs("summary,", stdout);
        record_common(stdout, o->format, lab, o, s->v, s->expected, s->median, s->ns_per_op,
                      s->wall_ns);
        printf(",,%u,%u,%llu,%llu,%llu,", s->trials, s->lossy, (unsigned long long)s->min,
               (unsigned long long)s->median, (unsigned long long)s->max);
        if (s->has_items)
            printf(",%llu,%llu,%llu,%llu", (unsigned long long)s->items.produced,
                   (unsigned long long)s->items.consumed, (unsigned long long)s->items.duplicated,
                   (unsigned long long)s->items.reordered);
        else if (lab_has_items(lab))
            fputs(",,,,", stdout);
        putchar('\n');
    } else if (s->deadlocks + s->timeouts + s->crashes) {
        printf("  %u of %u trials ended in deadlock, %u timed out, %u crashed; %u finished%s\n\n",
               s->deadlocks, s->trials, s->timeouts, s->crashes,
               s->trials - s->deadlocks - s->timeouts - s->crashes,
               s->deadlocks ? " (this lock is not robust: its owner's death blocks everyone)" : "");
    } else if (s->has_items) {
        const struct lab_items *it = &s->items;
        if (s->lossy == 0)
            printf("  exact in %u of %u trials: each of %llu items consumed exactly once, "
                   "%.2f ns/item\n\n", s->trials, s->trials, (unsigned long long)s->expected,
                   s->ns_per_op);
        else
            printf("  %s in %u of %u trials: %llu items lost, %llu duplicated, %llu out of "
                   "order (totals)\n\n", s->v->racy_by_design ? "went wrong" : "WRONG",
                   s->lossy, s->trials, (unsigned long long)it->lost,
                   (unsigned long long)it->duplicated, (unsigned long long)it->reordered);
    } else if (s->v->racy_by_design) {
        printf("  %u of %u trials lost updates; observed min %llu, median %llu, max %llu "
               "(expected %llu)\n",
               s->lossy, s->trials, (unsigned long long)s->min, (unsigned long long)s->median,
               (unsigned long long)s->max, (unsigned long long)s->expected);
        uint64_t p = predicted(o, s->v);
        if (p)
            printf("  predicted %llu (no luck involved: %u coroutines in round-robin all load "
                   "v, then all store v + 1): %s\n", (unsigned long long)p, o->workers,
                   s->min == p && s->max == p ? "observed exactly that in every trial"
                                              : "OBSERVED SOMETHING ELSE");
        putchar('\n');
    } else if (s->lossy == 0 && o->kill_owner) {
        printf("  exact in %u of %u trials: each count matched the increments really made\n\n",
               s->trials, s->trials);
    } else if (s->lossy == 0) {
        printf("  exact in %u of %u trials (%llu), %.2f ns/op\n\n", s->trials, s->trials,
               (unsigned long long)s->expected, s->ns_per_op);
    } else {
        printf("  WRONG in %u of %u trials: observed min %llu, max %llu, expected %llu\n\n",
               s->lossy, s->trials, (unsigned long long)s->min, (unsigned long long)s->max,
               (unsigned long long)s->expected);
    }
}

static void emit_skip(const struct lab *lab, const struct lab_opts *o,
                      const struct lab_variant *v, const char *why)
{
    if (o->format == LAB_JSON) {
        printf("{\"kind\":\"unavailable\",\"lab\":\"%s\",\"model\":\"%s\",\"variant\":\"%s\","
               "\"reason\":", lab->name, lab_model_name(o->model), v->name);
        json_string(stdout, why);
        puts("}");
    } else if (o->format == LAB_HUMAN) {
        printf("%s - skipped: %s\n\n", v->name, why);
    }
}

static void print_list(const struct lab *lab, const struct lab_opts *o)
{
    if (o->format == LAB_HUMAN) {
        printf("lab-%s: %s\n\n", lab->name, lab->title);
        printf("  %-13s %-9s %-5s %s\n", "model", "variant", "racy", "description");
    } else if (o->format == LAB_CSV) {
        puts("lab,model,variant,racy_by_design,available,description");
    }
    for (int m = 0; m < LAB_NMODELS; m++) {
        for (size_t i = 0; i < lab->nvariants; i++) {
            const struct lab_variant *v = lab->variants[i];
            if (!(v->models & LAB_MODEL_BIT(m)))
                continue;
            const char *model = lab_model_name((enum lab_model)m);
            const char *unavailable = v->unavailable ? v->unavailable
                                                     : lab_model_unavailable((enum lab_model)m);
            if (o->format == LAB_JSON) {
                printf("{\"lab\":\"%s\",\"model\":\"%s\",\"variant\":\"%s\","
                       "\"racy_by_design\":%s,\"available\":%s,\"has_owner\":%s,"
                       "\"description\":", lab->name, model, v->name,
                       v->racy_by_design ? "true" : "false", unavailable ? "false" : "true",
                       v->hold ? "true" : "false");
                json_string(stdout, v->description);
                if (unavailable) {
                    fputs(",\"reason\":", stdout);
                    json_string(stdout, unavailable);
                }
                /* A cell the defaults cannot run (spsc: one producer, one
                 * consumer) says which arguments can: the harness adds them,
                 * knowing nothing of roles. */
                if (lab->roles && !lab_variant_takes(v, o->producers, o->consumers, NULL)) {
                    unsigned p = v->max_producers && v->max_producers < o->producers
                                     ? v->max_producers : o->producers;
                    unsigned c = v->max_consumers && v->max_consumers < o->consumers
                                     ? v->max_consumers : o->consumers;
                    printf(",\"run_args\":[\"--producers\",\"%u\",\"--consumers\",\"%u\"]", p,
                           c);
                }
                puts("}");
            } else if (o->format == LAB_CSV) {
                printf("%s,%s,%s,%s,%s,\"%s\"\n", lab->name, model, v->name,
                       v->racy_by_design ? "true" : "false", unavailable ? "false" : "true",
                       v->description);
            } else {
                printf("  %-13s %-9s %-5s %s%s%s\n", model, v->name,
                       v->racy_by_design ? "yes" : "no", v->description,
                       unavailable ? "\n                                unavailable: " : "",
                       unavailable ? unavailable : "");
            }
        }
    }
    if (o->format == LAB_HUMAN) {
        for (int m = 0; m < LAB_NMODELS; m++)
            for (size_t i = 0; i < lab->nvariants; i++) {
                const char *why;
                if (!lab_variant_runs(lab->variants[i], (enum lab_model)m, &why))
                    printf("\n  not on %s: %s - %s", lab_model_name((enum lab_model)m),
                           lab->variants[i]->name, why);
            }
        printf("\n\natomics backend: %s; libatomic_ops backend: %s\n", lab_atomics_backend(),
               ao_status());
    }
}

#ifdef RACELAB_TSAN_TWIN
/* ThreadSanitizer names files and functions in its reports only through an
 * external llvm-symbolizer; a fresh Debian with clang lacks it. Say so once,
 * up front, rather than leave the user with a stack of <null> frames. */
static void check_symbolizer(const struct lab *lab)
{
    const char *opts = getenv("TSAN_OPTIONS");
    if (opts && strstr(opts, "external_symbolizer_path"))
        return;
    const char *path = getenv("PATH");
    char buf[4096];
    for (const char *p = path ? path : ""; *p;) {
        size_t n = strcspn(p, ":");
        if (n > 0 && n < sizeof buf - 20) {
            snprintf(buf, sizeof buf, "%.*s/llvm-symbolizer", (int)n, p);
            if (access(buf, X_OK) == 0)
                return;
        }
        p += n + (p[n] == ':');
    }
    fprintf(stderr, "lab-%s-tsan: llvm-symbolizer is not on PATH, so ThreadSanitizer reports "
            "will name no files or functions (apt-get install llvm)\n", lab->name);
}
#endif

/* --hog: the starvation demo instead of the variants. */
static int run_hog(const struct lab *lab, const struct lab_opts *o)
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
    if (o->format == LAB_JSON) {
        printf("{\"kind\":\"hog\",\"lab\":\"%s\",\"model\":\"%s\",\"hog_ms\":%u,"
               "\"hog_ns\":%llu,\"ticks\":%u,\"tick_ns\":1000000,\"worst_delay_ns\":%llu,"
               "\"median_delay_ns\":%llu}\n", lab->name, lab_model_name(o->model), o->hog_ms,
               (unsigned long long)h.hog_ns, h.ticks, (unsigned long long)h.worst_delay_ns,
               (unsigned long long)h.median_delay_ns);
        return 0;
    }
    if (o->format == LAB_CSV) {
        puts("kind,lab,model,hog_ms,hog_ns,ticks,tick_ns,worst_delay_ns,median_delay_ns");
        printf("hog,%s,%s,%u,%llu,%u,1000000,%llu,%llu\n", lab->name, lab_model_name(o->model),
               o->hog_ms, (unsigned long long)h.hog_ns, h.ticks,
               (unsigned long long)h.worst_delay_ns, (unsigned long long)h.median_delay_ns);
        return 0;
    }
    printf("lab-%s: starvation - one coroutine computes for %u ms without yielding while "
           "another wants to tick every 1 ms\n", lab->name, o->hog_ms);
    if (o->model == LAB_COROS_PREEMPT)
        printf("model %s: both on one carrier thread, a timer preempts every %u us\n\n",
               lab_model_name(o->model), o->preempt_us);
    else
        printf("model %s: %s\n\n", lab_model_name(o->model),
               o->model == LAB_COROS ? "both on one carrier thread"
                                     : "ticker and hog on two carrier threads");
    printf("  the hog ran             %10.3f ms without a yield point\n", (double)h.hog_ns / 1e6);
    printf("  ticks                   %10u\n", h.ticks);
    printf("  median tick delay       %10.3f ms\n", (double)h.median_delay_ns / 1e6);
    printf("  worst tick delay        %10.3f ms\n\n", (double)h.worst_delay_ns / 1e6);
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
    return 0;
}

/* A model's default variants, or "none" where the lab offers none. */
static const char *default_list(const struct lab *lab, enum lab_model m)
{
    return lab->default_variants[m] ? lab->default_variants[m] : "none";
}

static void usage(const struct lab *lab, FILE *f)
{
    fprintf(f,
        "usage: lab-%s [options]\n"
        "%s\n\n"
        "  --model NAME      how workers run: threads (default); procs: forked\n"
        "                    processes sharing a POSIX shared-memory segment; coros:\n"
        "                    coroutines on one thread, switching only at yield points;\n"
        "                    coros-mn: coroutines spread over --carriers threads;\n"
        "                    coros-preempt: coroutines on one thread that a timer\n"
        "                    signal switches every --preempt us, anywhere\n"
        "  --variant LIST    variants to run, comma-separated, or 'all' (default:\n"
        "                    %s on threads, %s on procs,\n"
        "                    %s on coros, %s on coros-mn,\n"
        "                    %s on coros-preempt)\n"
        "  --workers N       concurrent workers, 1 to %u (default 2)\n"
        "  --iters N         operations per worker, 1 to %llu (default 100000)\n"
        "  --trials N        repetitions of each variant, 1 to %u (default 10)\n"
        "  --kill-owner      procs: one worker SIGKILLs itself while holding the lock;\n"
        "                    a robust lock recovers, others deadlock until --timeout\n"
        "  --timeout S       procs: end a trial after S seconds, 1 to %u (default 10)\n"
        "  --carriers K      coros-mn: carrier threads, 1 to 64 (default 2)\n"
        "  --preempt US      coros-preempt: the timer's period in microseconds,\n"
        "                    %u to %u (default %u)\n"
        "  --hog MS          coroutine models: instead of the variants, a coroutine that\n"
        "                    computes MS ms (1 to %u) without yielding beside one that\n"
        "                    wants to tick every ms; reports the worst tick delay\n"
        "  --json            JSON Lines on stdout: one 'trial' object per trial, one\n"
        "                    'summary' per variant\n"
        "  --csv             the same records as CSV with one header line\n"
        "  --producers P     labs with roles (instead of --workers): producers and\n"
        "  --consumers C     consumers, 1 to %u each (default 2 and 2); --iters is\n"
        "                    then the items each producer makes\n"
        "  --list            list models and variants (with --json: one object each)\n"
        "  --help            this text\n\n"
        "Exit status: 0 ran (a racy variant losing updates is the lesson, not a\n"
        "failure, nor is a non-robust lock's deadlock under --kill-owner), 1 a fixed\n"
        "variant was wrong, crashed or timed out, 2 bad usage, 128+N stopped by\n"
        "signal N (130: Ctrl-C); no worker and no shared-memory name is left behind.\n",
        lab->name, lab->title, default_list(lab, LAB_THREADS), default_list(lab, LAB_PROCS),
        default_list(lab, LAB_COROS), default_list(lab, LAB_COROS_MN),
        default_list(lab, LAB_COROS_PREEMPT),
        LAB_MAX_WORKERS, (unsigned long long)LAB_MAX_ITERS, LAB_MAX_TRIALS, LAB_MAX_TIMEOUT,
        SYNC_CORO_PREEMPT_MIN_US, SYNC_CORO_PREEMPT_MAX_US, LAB_PREEMPT_DEFAULT_US,
        LAB_MAX_HOG_MS,
        LAB_MAX_WORKERS / 2);
    fprintf(f, "\nvariants (models they run under):\n");
    for (size_t i = 0; i < lab->nvariants; i++) {
        const struct lab_variant *v = lab->variants[i];
        char models[64] = "";
        for (int m = 0; m < LAB_NMODELS; m++)
            if (lab_variant_runs(v, (enum lab_model)m, NULL))
                snprintf(models + strlen(models), sizeof models - strlen(models), "%s%s",
                         models[0] ? "," : "", lab_model_name((enum lab_model)m));
        fprintf(f, "  %-10s %s (%s)%s\n", v->name, v->description, models,
                v->unavailable ? " [unavailable]" : "");
    }
}

static void progress(const struct lab_opts *o, const char *variant, unsigned trial)
{
    static int tty = -1;
    if (tty < 0)
        tty = isatty(STDERR_FILENO);
    if (!tty || o->format != LAB_HUMAN)
        return;
    if (variant)
        fprintf(stderr, "\r  running %s: trial %u/%u ", variant, trial, o->trials);
    else
        fprintf(stderr, "\r\033[K");
}

static void print_table(const struct lab *lab, const struct lab_opts *o,
                        const struct summary *s, size_t n)
{
    const struct summary *base = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i].ran && strcmp(s[i].v->name, lab->baseline) == 0)
            base = &s[i];
    int w = 7;
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(s[i].v->name) > w)
            w = (int)strlen(s[i].v->name);

    if (lab->roles)
        printf("summary (%u producer%s + %u consumer%s, %llu items each producer, median of %u "
               "trials; ns/op is per item)\n", o->producers, o->producers == 1 ? "" : "s",
               o->consumers, o->consumers == 1 ? "" : "s", (unsigned long long)o->iters,
               o->trials);
    else
        printf("summary (%u %s x %llu iterations, median of %u trials)\n", o->workers,
               o->workers == 1 ? "worker" : "workers", (unsigned long long)o->iters, o->trials);
    bool any_stuck = false;
    for (size_t i = 0; i < n; i++)
        any_stuck |= s[i].deadlocks + s[i].timeouts + s[i].crashes > 0;
    printf("  %-*s  %-4s  %10s  %21s  %7s  %9s", w, "variant", "racy", "expected",
           "observed (min..max)", "lossy", "ns/op");
    if (any_stuck)
        printf("  %10s", "unfinished");
    bool items = lab_has_items(lab);
    if (items)   /* totals over the trials */
        printf("  %9s  %9s  %9s", "lost", "dup", "reordered");
    if (base && !any_stuck)
        printf("  vs %s", base->v->name);
    putchar('\n');
    for (size_t i = 0; i < n; i++) {
        if (!s[i].ran)
            continue;
        char range[64], lossy[32];
        if (s[i].min == s[i].max)
            snprintf(range, sizeof range, "%llu", (unsigned long long)s[i].min);
        else
            snprintf(range, sizeof range, "%llu..%llu", (unsigned long long)s[i].min,
                     (unsigned long long)s[i].max);
        snprintf(lossy, sizeof lossy, "%u/%u", s[i].lossy, s[i].trials);
        unsigned stuck = s[i].deadlocks + s[i].timeouts + s[i].crashes;
        char expect[32], nsop[32];
        if (o->kill_owner)   /* each trial's own: less the dead owner's share */
            snprintf(expect, sizeof expect, "per trial");
        else
            snprintf(expect, sizeof expect, "%llu", (unsigned long long)s[i].expected);
        if (stuck == s[i].trials)
            snprintf(nsop, sizeof nsop, "-");
        else
            snprintf(nsop, sizeof nsop, "%.2f", s[i].ns_per_op);
        printf("  %-*s  %-4s  %10s  %21s  %7s  %9s", w, s[i].v->name,
               s[i].v->racy_by_design ? "yes" : "no", expect, range, lossy, nsop);
        if (any_stuck)
            printf("  %10u", stuck);
        if (items)
            printf("  %9llu  %9llu  %9llu", (unsigned long long)s[i].items.lost,
                   (unsigned long long)s[i].items.duplicated,
                   (unsigned long long)s[i].items.reordered);
        if (base && !any_stuck)
            printf("  %*.2fx", (int)strlen(base->v->name) + 2, s[i].ns_per_op / base->ns_per_op);
        if (!s[i].v->racy_by_design && s[i].lossy)
            printf("  WRONG");
        putchar('\n');
    }
}

int lab_main(const struct lab *lab, int argc, char **argv)
{
    struct lab_opts o;
    char err[512];
    switch (lab_parse_args(lab, argc, argv, &o, err, sizeof err)) {
    case LAB_ARGS_HELP:
        usage(lab, stdout);
        return 0;
    case LAB_ARGS_ERROR:
        fprintf(stderr, "lab-%s: %s\n", lab->name, err);
        return 2;
    }
    if (o.list) {
        print_list(lab, &o);
        return 0;
    }
#ifdef RACELAB_TSAN_TWIN
    check_symbolizer(lab);
#endif
    if (o.hog_ms)
        return run_hog(lab, &o);

    uint64_t expected = lab->expected(op_workers(lab, &o), o.iters);
    struct summary *sum = calloc(o.nvariants, sizeof *sum);
    uint64_t *obs = calloc(o.trials, sizeof *obs);
    uint64_t *wall = calloc(o.trials, sizeof *wall);
    if (sum == NULL || obs == NULL || wall == NULL) {
        fprintf(stderr, "lab-%s: out of memory\n", lab->name);
        return 1;
    }
    if (o.format == LAB_HUMAN) {
        unsigned cpus = lab_online_cpus();
        printf("lab-%s: %s\n", lab->name, lab->title);
        if (lab->roles)
            printf("model %s, %u producer%s x %llu items, %u consumer%s, %u trials, expected "
                   "%llu items\n", lab_model_name(o.model), o.producers,
                   o.producers == 1 ? "" : "s", (unsigned long long)o.iters, o.consumers,
                   o.consumers == 1 ? "" : "s", o.trials, (unsigned long long)expected);
        else
            printf("model %s, %u %s x %llu iterations, %u trials, expected %llu\n",
                   lab_model_name(o.model), o.workers, o.workers == 1 ? "worker" : "workers",
                   (unsigned long long)o.iters, o.trials, (unsigned long long)expected);
        if (o.model == LAB_COROS)
            printf("workers are coroutines on one thread: they switch only at a yield "
                   "point\n");
        if (o.model == LAB_COROS_PREEMPT)
            printf("workers are coroutines on one thread; a timer signal switches them every "
                   "%u us, between any two instructions\n", o.preempt_us);
        if (o.model == LAB_COROS_MN)
            printf("workers are coroutines spread over %u carrier threads: they switch at "
                   "yield points, and run in parallel across carriers\n",
                   o.carriers < o.workers ? o.carriers : o.workers);
        if (o.model == LAB_PROCS)
            printf("shared state: a POSIX shared-memory segment, unlinked before the workers "
                   "start%s\n", o.kill_owner ? "; --kill-owner: one worker dies holding the "
                   "lock in each trial" : "");
        printf("atomics: %s; %u CPU%s online%s\n\n", lab_atomics_backend(), cpus,
               cpus == 1 ? "" : "s",
               o.workers > cpus && !LAB_IS_COROS(o.model)
                   ? " (oversubscribed: more workers than CPUs)" : "");
    } else if (o.format == LAB_CSV) {
        if (lab_has_items(lab))   /* the item columns go before the header's line break */
            printf("%.*s,produced,consumed,duplicated,reordered\n",
                   (int)strlen(CSV_HEADER) - 1, CSV_HEADER);
        else
            fputs(CSV_HEADER, stdout);
    }

    struct lab_config cfg = { .model = o.model, .workers = o.workers,
                              .producers = o.producers, .consumers = o.consumers,
                              .iters = o.iters,
                              .kill_owner = o.kill_owner, .timeout_s = o.timeout_s,
                              .carriers = o.carriers, .preempt_us = o.preempt_us };
    int status = 0;
    for (size_t k = 0; k < o.nvariants && status < 128; k++) {
        const struct lab_variant *v = o.variants[k];
        struct summary *s = &sum[k];
        const char *why = NULL;
        s->v = v;
        s->expected = expected;
        if (v->unavailable)
            why = v->unavailable;
        else if ((why = lab_model_unavailable(o.model)) != NULL)
            ;
        else if (!lab_variant_runs(v, o.model, &why))
            ;
        else if (o.kill_owner && v->hold == NULL)
            why = "no lock to die holding (--kill-owner)";
        else if (lab->roles)   /* sets |why| only when it does not take them */
            (void)lab_variant_takes(v, o.producers, o.consumers, &why);
        if (why) {
            s->skipped = why;
            emit_skip(lab, &o, v, why);
            continue;
        }
        if (o.format == LAB_HUMAN) {
            printf("%s - %s%s\n", v->name, v->description,
                   v->racy_by_design ? " (racy by design)" : "");
            if (v->items && v->racy_by_design)
                printf("  %5s  %10s  %10s  %8s  %8s  %8s  %8s\n", "trial", "produced",
                       "consumed", "lost", "dup", "reorder", "ns/item");
            else if (v->racy_by_design && !o.kill_owner)
                printf("  %5s  %12s  %10s  %8s  %8s%s\n", "trial", "observed", "lost", "lost %",
                       "ns/op", o.model == LAB_COROS_PREEMPT ? "  preemptions" : "");
        }
        unsigned done = 0, finished = 0;
        for (unsigned t = 0; t < o.trials; t++) {
            struct lab_trial r;
            progress(&o, v->name, t + 1);
            int rc = lab_run_trial(lab, v, &cfg, &r, err, sizeof err);
            progress(&o, NULL, 0);
            if (rc == EINTR) {
                fprintf(stderr, "lab-%s: %s\n", lab->name, err);
                status = 128 + lab_interrupt_signal();
                break;
            }
            if (rc != 0) {
                fprintf(stderr, "lab-%s: %s: trial %u: %s\n", lab->name, v->name, t + 1, err);
                status = 1;
                break;
            }
            emit_trial(lab, &o, v, t + 1, &r);
            s->deadlocks += r.outcome == LAB_DEADLOCK;
            s->timeouts += r.outcome == LAB_TIMEOUT;
            s->crashes += r.outcome == LAB_CRASH;
            obs[done] = r.observed;
            if (r.outcome == LAB_OK)
                wall[finished++] = r.wall_ns;
            done++;
            s->lossy += r.outcome == LAB_OK &&
                        (r.observed != r.expected || (r.has_items && items_wrong(&r.items)));
            if (r.has_items) {
                s->has_items = true;
                s->items.produced += r.items.produced;
                s->items.consumed += r.items.consumed;
                s->items.lost += r.items.lost;
                s->items.duplicated += r.items.duplicated;
                s->items.reordered += r.items.reordered;
                if (s->items.note[0] == '\0')   /* the first trial's story */
                    memcpy(s->items.note, r.items.note, sizeof s->items.note);
            }
            if (r.outcome == LAB_CRASH || (r.outcome == LAB_TIMEOUT))
                fprintf(stderr, "lab-%s: %s: trial %u: %s\n", lab->name, v->name, t + 1,
                        r.detail);
        }
        if (done == 0)
            continue;
        s->ran = true;
        s->trials = done;
        s->wall_ns = finished ? median_u64(wall, finished) : 0;
        /* finished trials only */
        s->ns_per_op = ns_per_op(s->wall_ns, op_workers(lab, &o), o.iters);
        s->median = median_u64(obs, done);   /* sorts obs */
        s->min = obs[0];
        s->max = obs[done - 1];
        emit_summary(lab, &o, s);
        if (!v->racy_by_design && s->lossy) {
            fprintf(stderr, "lab-%s: FAILED: fixed variant '%s' was wrong in %u of %u trials\n",
                    lab->name, v->name, s->lossy, done);
            status = status ? status : 1;
        }
        if (s->timeouts || s->crashes)
            status = status ? status : 1;
    }
    if (o.format == LAB_HUMAN)
        print_table(lab, &o, sum, o.nvariants);
    free(sum);
    free(obs);
    free(wall);
    return status;
}
