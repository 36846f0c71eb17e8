/* labs/common/report.c - the records of a run, for people and for machines.
 *
 * People get a table per racy variant (every trial: the spread is the
 * lesson), one line per fixed variant, and a summary with ns/op and the cost
 * relative to the lab's baseline. Machines get --json (JSON Lines: one
 * "trial" object per trial, one "summary" per variant) or --csv (the same
 * records, one header). labs/PROTOCOL.md states every field. */
#include "runtime.h"

#include <stdio.h>
#include <string.h>

#include "util/json.h"

static double ns_per_op(uint64_t wall_ns, unsigned workers, uint64_t iters)
{
    return (double)wall_ns / ((double)workers * (double)iters);
}

unsigned lab__op_workers(const struct lab *lab, const struct lab_config *c)
{
    return lab->roles ? c->producers : c->workers;
}

bool lab__has_items(const struct lab *lab)
{
    for (size_t i = 0; i < lab->nvariants; i++)
        if (lab->variants[i]->items)
            return true;
    return false;
}

bool lab__items_wrong(const struct lab_items *it)
{
    return it->lost || it->duplicated || it->reordered;
}

static void json_items(const struct lab_items *it)
{
    printf(",\"produced\":%llu,\"consumed\":%llu,\"duplicated\":%llu,\"reordered\":%llu",
           (unsigned long long)it->produced, (unsigned long long)it->consumed,
           (unsigned long long)it->duplicated, (unsigned long long)it->reordered);
}

static void csv_items(const struct lab *lab, bool has, const struct lab_items *it)
{
    if (has)
        printf(",%llu,%llu,%llu,%llu", (unsigned long long)it->produced,
               (unsigned long long)it->consumed, (unsigned long long)it->duplicated,
               (unsigned long long)it->reordered);
    else if (lab__has_items(lab))
        fputs(",,,,", stdout);
}

/* The fields every record carries, in a fixed order. */
static void record_common(const struct lab *lab, const struct lab_config *c,
                          const struct lab_variant *v, uint64_t expected, uint64_t observed,
                          double nsop, uint64_t wall)
{
    long long lost = (long long)expected - (long long)observed;
    if (c->format == LAB_JSON) {
        printf("\"lab\":\"%s\",\"model\":\"%s\",\"variant\":\"%s\",\"workers\":%u,"
               "\"iters\":%llu,\"expected\":%llu,\"observed\":%llu,\"lost\":%lld,"
               "\"ns_per_op\":%.3f,\"wall_ns\":%llu,\"racy_by_design\":%s,\"atomics\":",
               lab->name, lab_model_name(c->model), v->name, c->workers,
               (unsigned long long)c->iters, (unsigned long long)expected,
               (unsigned long long)observed, lost, nsop, (unsigned long long)wall,
               v->racy_by_design ? "true" : "false");
        util_json_string(stdout, lab_atomics_backend());
    } else {
        printf("%s,%s,%s,%u,%llu,%llu,%llu,%lld,%.3f,%llu,%s,%s", lab->name,
               lab_model_name(c->model), v->name, c->workers, (unsigned long long)c->iters,
               (unsigned long long)expected, (unsigned long long)observed, lost, nsop,
               (unsigned long long)wall, v->racy_by_design ? "true" : "false",
               lab_atomics_backend());
    }
}

#define CSV_HEADER "kind,lab,model,variant,workers,iters,expected,observed,lost,ns_per_op," \
                   "wall_ns,racy_by_design,atomics,trial,trials,lossy_trials,observed_min," \
                   "observed_median,observed_max,outcome\n"

/* The exact outcome the variant predicts under this run's model, or 0. */
static uint64_t predicted(const struct lab_config *c, const struct lab_variant *v)
{
    return v->predict ? v->predict(c->model, c->workers, c->iters) : 0;
}

static void json_note(const struct lab_items *it)
{
    if (it->note[0]) {
        fputs(",\"note\":", stdout);
        util_json_string(stdout, it->note);
    }
}

static void json_trial(const struct lab *lab, const struct lab_config *c,
                       const struct lab_variant *v, unsigned trial, const struct lab_trial *t,
                       double nsop)
{
    fputs("{\"kind\":\"trial\",", stdout);
    record_common(lab, c, v, t->expected, t->observed, nsop, t->wall_ns);
    printf(",\"trial\":%u,\"outcome\":\"%s\"", trial, lab_outcome_name(t->outcome));
    if (c->model == LAB_COROS_PREEMPT)
        printf(",\"preempt_us\":%u,\"preemptions\":%lu", c->preempt_us, t->preemptions);
    if (lab->roles)
        printf(",\"producers\":%u,\"consumers\":%u", c->producers, c->consumers);
    if (t->has_items) {
        json_items(&t->items);
        json_note(&t->items);
    }
    if (predicted(c, v))
        printf(",\"predicted\":%llu", (unsigned long long)predicted(c, v));
    if (t->victim >= 0)
        printf(",\"victim\":%d,\"victim_done\":%llu,\"death_ns\":%llu,\"recoveries\":%u",
               t->victim, (unsigned long long)t->victim_done, (unsigned long long)t->death_ns,
               t->recoveries);
    if (t->has_fields)
        lab__fields_json(lab, c->model, t->fields);
    if (t->outcome != LAB_OK) {
        fputs(",\"detail\":", stdout);
        util_json_string(stdout, t->detail);
    }
    puts("}");
}

/* A trial that did not simply finish: stopped, or a worker died in it. */
static void human_incident(const struct lab_config *c, unsigned trial, const struct lab_trial *t)
{
    printf("  trial %u: ", trial);
    if (t->outcome == LAB_DEADLOCK || t->outcome == LAB_TIMEOUT || t->outcome == LAB_CRASH) {
        printf("%s: %s; observed %llu when it was stopped\n",
               t->outcome == LAB_DEADLOCK ? "DEADLOCK" :
               t->outcome == LAB_TIMEOUT ? "TIMEOUT" : "CRASH",
               t->detail, (unsigned long long)t->observed);
        return;
    }
    printf("worker %d died holding the lock after %llu of %llu increments (%.2f ms in); "
           "%s; expected %llu, observed %llu%s\n", t->victim,
           (unsigned long long)t->victim_done, (unsigned long long)c->iters,
           (double)t->death_ns / 1e6,
           t->recoveries == 1 ? "a survivor recovered the lock (EOWNERDEAD)" :
           t->recoveries == 0 ? "the others never needed the lock again" :
           "recovered more than once",
           (unsigned long long)t->expected, (unsigned long long)t->observed,
           t->observed == t->expected ? ": exact" : ": WRONG");
}

static void human_trial(const struct lab *lab, const struct lab_config *c,
                        const struct lab_variant *v, unsigned trial, const struct lab_trial *t,
                        double nsop)
{
    if (t->has_items && t->outcome == LAB_OK &&
        (v->racy_by_design || lab__items_wrong(&t->items))) {
        const struct lab_items *it = &t->items;
        printf("  %5u  %10llu  %10llu  %8llu  %8llu  %8llu  %8.2f\n", trial,
               (unsigned long long)it->produced, (unsigned long long)it->consumed,
               (unsigned long long)it->lost, (unsigned long long)it->duplicated,
               (unsigned long long)it->reordered, nsop);
        if (it->note[0])
            printf("         %s\n", it->note);
    } else if (t->victim >= 0 || t->outcome != LAB_OK) {
        human_incident(c, trial, t);
    } else if (v->racy_by_design) {
        long long lost = (long long)t->expected - (long long)t->observed;
        printf("  %5u  %12llu  %10lld  %6.2f %%  %8.2f", trial,
               (unsigned long long)t->observed, lost,
               100.0 * (double)lost / (double)t->expected, nsop);
        if (c->model == LAB_COROS_PREEMPT)
            printf("  %11lu", t->preemptions);
        putchar('\n');
    } else {
        return;   /* a fixed variant's finished trial: its summary says it */
    }
    if (t->has_fields)
        lab__fields_human(lab, c->model, "         ", t->fields, false);
}

void lab__emit_trial(const struct lab *lab, const struct lab_config *c,
                     const struct lab_variant *v, unsigned trial, const struct lab_trial *t)
{
    double nsop = ns_per_op(t->wall_ns, lab__op_workers(lab, c), c->iters);
    if (c->format == LAB_JSON) {
        json_trial(lab, c, v, trial, t, nsop);
    } else if (c->format == LAB_CSV) {
        fputs("trial,", stdout);
        record_common(lab, c, v, t->expected, t->observed, nsop, t->wall_ns);
        printf(",%u,,,,,,%s", trial, lab_outcome_name(t->outcome));
        csv_items(lab, t->has_items, &t->items);
        lab__fields_csv(lab, c->model, t->has_fields, t->fields);
        putchar('\n');
    } else {
        human_trial(lab, c, v, trial, t, nsop);
    }
}

static void json_summary(const struct lab *lab, const struct lab_config *c,
                         const struct lab_summary *s)
{
    fputs("{\"kind\":\"summary\",", stdout);
    record_common(lab, c, s->v, s->expected, s->median, s->ns_per_op, s->wall_ns);
    printf(",\"trials\":%u,\"lossy_trials\":%u,\"observed_min\":%llu,"
           "\"observed_median\":%llu,\"observed_max\":%llu,\"deadlocks\":%u,"
           "\"timeouts\":%u,\"crashes\":%u,\"correct\":%s",
           s->trials, s->lossy, (unsigned long long)s->min, (unsigned long long)s->median,
           (unsigned long long)s->max, s->deadlocks, s->timeouts, s->crashes,
           s->lossy == 0 && s->deadlocks + s->timeouts + s->crashes == 0 ? "true" : "false");
    if (lab->roles)
        printf(",\"producers\":%u,\"consumers\":%u", c->producers, c->consumers);
    if (s->has_items) {   /* totals over the trials */
        json_items(&s->items);
        printf(",\"items_lost\":%llu", (unsigned long long)s->items.lost);
        json_note(&s->items);
    }
    if (predicted(c, s->v))
        printf(",\"predicted\":%llu", (unsigned long long)predicted(c, s->v));
    if (s->has_fields)
        lab__fields_json(lab, c->model, s->fields);
    puts("}");
}

static void human_racy_summary(const struct lab_config *c, const struct lab_summary *s)
{
    printf("  %u of %u trials %s; observed min %llu, median %llu, max %llu "
           "(expected %llu)\n",
           s->lossy, s->trials,
           s->has_fields ? "went wrong (the observation, or a field marked !)" : "lost updates",
           (unsigned long long)s->min, (unsigned long long)s->median,
           (unsigned long long)s->max, (unsigned long long)s->expected);
    uint64_t p = predicted(c, s->v);
    if (p)
        printf("  predicted %llu (no luck involved: %u coroutines in round-robin all load "
               "v, then all store v + 1): %s\n", (unsigned long long)p, c->workers,
               s->min == p && s->max == p ? "observed exactly that in every trial"
                                          : "OBSERVED SOMETHING ELSE");
    putchar('\n');
}

static void human_summary(const struct lab_config *c, const struct lab_summary *s)
{
    const struct lab_items *it = &s->items;
    if (s->deadlocks + s->timeouts + s->crashes)
        printf("  %u of %u trials ended in deadlock, %u timed out, %u crashed; %u finished%s\n\n",
               s->deadlocks, s->trials, s->timeouts, s->crashes,
               s->trials - s->deadlocks - s->timeouts - s->crashes,
               s->deadlocks && c->kill_owner
                   ? " (this lock is not robust: its owner's death blocks everyone)" : "");
    else if (s->has_items && s->lossy == 0)
        printf("  exact in %u of %u trials: each of %llu items consumed exactly once, "
               "%.2f ns/item\n\n", s->trials, s->trials, (unsigned long long)s->expected,
               s->ns_per_op);
    else if (s->has_items)
        printf("  %s in %u of %u trials: %llu items lost, %llu duplicated, %llu out of "
               "order (totals)\n\n", s->v->racy_by_design ? "went wrong" : "WRONG",
               s->lossy, s->trials, (unsigned long long)it->lost,
               (unsigned long long)it->duplicated, (unsigned long long)it->reordered);
    else if (s->v->racy_by_design)
        human_racy_summary(c, s);
    else if (s->lossy == 0 && c->kill_owner)
        printf("  exact in %u of %u trials: each count matched the increments really made\n\n",
               s->trials, s->trials);
    else if (s->lossy == 0)
        printf("  exact in %u of %u trials (%llu), %.2f ns/op\n\n", s->trials, s->trials,
               (unsigned long long)s->expected, s->ns_per_op);
    else
        printf("  WRONG in %u of %u trials: observed min %llu, max %llu, expected %llu\n\n",
               s->lossy, s->trials, (unsigned long long)s->min, (unsigned long long)s->max,
               (unsigned long long)s->expected);
}

void lab__emit_summary(const struct lab *lab, const struct lab_config *c,
                       const struct lab_summary *s)
{
    if (c->format == LAB_JSON) {
        json_summary(lab, c, s);
    } else if (c->format == LAB_CSV) {
        fputs("summary,", stdout);
        record_common(lab, c, s->v, s->expected, s->median, s->ns_per_op, s->wall_ns);
        printf(",,%u,%u,%llu,%llu,%llu,", s->trials, s->lossy, (unsigned long long)s->min,
               (unsigned long long)s->median, (unsigned long long)s->max);
        csv_items(lab, s->has_items, &s->items);
        lab__fields_csv(lab, c->model, s->has_fields, s->fields);
        putchar('\n');
    } else {
        if (s->has_fields)
            lab__fields_human(lab, c->model, "  over the trials: ", s->fields, true);
        human_summary(c, s);
    }
}

void lab__emit_skip(const struct lab *lab, const struct lab_config *c,
                    const struct lab_variant *v, const char *why)
{
    if (c->format == LAB_JSON) {
        printf("{\"kind\":\"unavailable\",\"lab\":\"%s\",\"model\":\"%s\",\"variant\":\"%s\","
               "\"reason\":", lab->name, lab_model_name(c->model), v->name);
        util_json_string(stdout, why);
        puts("}");
    } else if (c->format == LAB_HUMAN) {
        printf("%s - skipped: %s\n\n", v->name, why);
    }
}

/* The run's opening lines: what runs how, for people; the header for CSV. */
void lab__emit_header(const struct lab *lab, const struct lab_config *c, uint64_t expected)
{
    if (c->format == LAB_CSV) {
        /* The item and field columns go before the header's line break. */
        printf("%.*s", (int)strlen(CSV_HEADER) - 1, CSV_HEADER);
        if (lab__has_items(lab))
            fputs(",produced,consumed,duplicated,reordered", stdout);
        lab__fields_csv_header(lab, c->model);
        putchar('\n');
        return;
    }
    if (c->format != LAB_HUMAN)
        return;
    unsigned cpus = lab_online_cpus();
    printf("lab-%s: %s\n", lab->name, lab->title);
    if (lab->roles)
        printf("model %s, %u producer%s x %llu items, %u consumer%s, %u trials, expected "
               "%llu items\n", lab_model_name(c->model), c->producers,
               c->producers == 1 ? "" : "s", (unsigned long long)c->iters, c->consumers,
               c->consumers == 1 ? "" : "s", c->trials, (unsigned long long)expected);
    else
        printf("model %s, %u %s x %llu iterations, %u trials, expected %llu\n",
               lab_model_name(c->model), c->workers, c->workers == 1 ? "worker" : "workers",
               (unsigned long long)c->iters, c->trials, (unsigned long long)expected);
    if (c->model == LAB_COROS)
        printf("workers are coroutines on one thread: they switch only at a yield point\n");
    if (c->model == LAB_COROS_PREEMPT)
        printf("workers are coroutines on one thread; a timer signal switches them every "
               "%u us, between any two instructions\n", c->preempt_us);
    if (c->model == LAB_COROS_MN)
        printf("workers are coroutines spread over %u carrier threads: they switch at "
               "yield points, and run in parallel across carriers\n",
               c->carriers < c->workers ? c->carriers : c->workers);
    if (c->model == LAB_PROCS)
        printf("shared state: a POSIX shared-memory segment, unlinked before the workers "
               "start%s\n", c->kill_owner ? "; --kill-owner: one worker dies holding the "
               "lock in each trial" : "");
    printf("atomics: %s; %u CPU%s online%s\n\n", lab_atomics_backend(), cpus,
           cpus == 1 ? "" : "s",
           c->workers > cpus && !LAB_IS_COROS(c->model)
               ? " (oversubscribed: more workers than CPUs)" : "");
}

/* A variant's opening lines for people: its name, and its trial table's head. */
void lab__emit_variant(const struct lab_config *c, const struct lab_variant *v)
{
    if (c->format != LAB_HUMAN)
        return;
    printf("%s - %s%s\n", v->name, v->description, v->racy_by_design ? " (racy by design)" : "");
    if (v->items && v->racy_by_design)
        printf("  %5s  %10s  %10s  %8s  %8s  %8s  %8s\n", "trial", "produced", "consumed",
               "lost", "dup", "reorder", "ns/item");
    else if (v->racy_by_design && !c->kill_owner)
        printf("  %5s  %12s  %10s  %8s  %8s%s\n", "trial", "observed", "lost", "lost %",
               "ns/op", c->model == LAB_COROS_PREEMPT ? "  preemptions" : "");
}

/* One row of the closing table. */
static void table_row(const struct lab *lab, const struct lab_config *c,
                      const struct lab_summary *s, const struct lab_summary *base, int w,
                      bool any_stuck)
{
    char range[64], lossy[32], expect[32], nsop[32];
    if (s->min == s->max)
        snprintf(range, sizeof range, "%llu", (unsigned long long)s->min);
    else
        snprintf(range, sizeof range, "%llu..%llu", (unsigned long long)s->min,
                 (unsigned long long)s->max);
    snprintf(lossy, sizeof lossy, "%u/%u", s->lossy, s->trials);
    unsigned stuck = s->deadlocks + s->timeouts + s->crashes;
    if (c->kill_owner)   /* each trial's own: less the dead owner's share */
        snprintf(expect, sizeof expect, "per trial");
    else
        snprintf(expect, sizeof expect, "%llu", (unsigned long long)s->expected);
    if (stuck == s->trials)
        snprintf(nsop, sizeof nsop, "-");
    else
        snprintf(nsop, sizeof nsop, "%.2f", s->ns_per_op);
    printf("  %-*s  %-4s  %10s  %21s  %7s  %9s", w, s->v->name,
           s->v->racy_by_design ? "yes" : "no", expect, range, lossy, nsop);
    if (any_stuck)
        printf("  %10u", stuck);
    if (lab__has_items(lab))
        printf("  %9llu  %9llu  %9llu", (unsigned long long)s->items.lost,
               (unsigned long long)s->items.duplicated, (unsigned long long)s->items.reordered);
    lab__fields_table_row(lab, c->model, s);
    if (base && !any_stuck)
        printf("  %*.2fx", (int)strlen(base->v->name) + 2, s->ns_per_op / base->ns_per_op);
    if (!s->v->racy_by_design && s->lossy)
        printf("  WRONG");
    putchar('\n');
}

void lab__print_table(const struct lab *lab, const struct lab_config *c,
                      const struct lab_summary *s, size_t n)
{
    const struct lab_summary *base = NULL;
    int w = 7;
    bool any_stuck = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i].ran && strcmp(s[i].v->name, lab->baseline) == 0)
            base = &s[i];
        if ((int)strlen(s[i].v->name) > w)
            w = (int)strlen(s[i].v->name);
        any_stuck |= s[i].deadlocks + s[i].timeouts + s[i].crashes > 0;
    }
    if (lab->roles)
        printf("summary (%u producer%s + %u consumer%s, %llu items each producer, median of %u "
               "trials; ns/op is per item)\n", c->producers, c->producers == 1 ? "" : "s",
               c->consumers, c->consumers == 1 ? "" : "s", (unsigned long long)c->iters,
               c->trials);
    else
        printf("summary (%u %s x %llu iterations, median of %u trials)\n", c->workers,
               c->workers == 1 ? "worker" : "workers", (unsigned long long)c->iters, c->trials);
    printf("  %-*s  %-4s  %10s  %21s  %7s  %9s", w, "variant", "racy", "expected",
           "observed (min..max)", "lossy", "ns/op");
    if (any_stuck)
        printf("  %10s", "unfinished");
    if (lab__has_items(lab))   /* totals over the trials */
        printf("  %9s  %9s  %9s", "lost", "dup", "reordered");
    lab__fields_table_head(lab, c->model);
    if (base && !any_stuck)
        printf("  vs %s", base->v->name);
    putchar('\n');
    for (size_t i = 0; i < n; i++)
        if (s[i].ran)
            table_row(lab, c, &s[i], base, w, any_stuck);
}
