/* labs/common/db_report.c - the database models' own numbers per trial and
 * per variant: retries, aborts, lock overlaps, round-trip time and
 * operations per second ("db_trial" and "db_summary" records in --json, a
 * line under the summary for people; labs/PROTOCOL.md). */
#include "runtime.h"

#include <stdio.h>
#include <string.h>

#include "db_client.h"
#include "util/stats.h"

static struct lab_db_stats last;
static bool have_last;

/* One variant's trials so far. */
static struct {
    struct lab_db_stats sum;
    uint64_t rtt[LAB_MAX_TRIALS], ops[LAB_MAX_TRIALS];
    unsigned n;
} acc;

void lab_db_stats_set(const struct lab_db_stats *s)
{
    last = *s;
    have_last = true;
}

static void json_head(const char *kind, const struct lab *lab, const struct lab_config *c,
                      const struct lab_variant *v)
{
    printf("{\"kind\":\"%s\",\"lab\":\"%s\",\"model\":\"%s\",\"variant\":\"%s\",\"workers\":%u,"
           "\"iters\":%llu,", kind, lab->name, lab_model_name(c->model), v->name, c->workers,
           (unsigned long long)c->iters);
}

void lab__db_emit_trial(const struct lab *lab, const struct lab_config *c,
                        const struct lab_variant *v, unsigned trial, const struct lab_trial *t)
{
    if (!LAB_IS_DB(c->model) || !have_last)
        return;
    have_last = false;
    uint64_t ops = t->wall_ns ? (uint64_t)((double)c->workers * (double)c->iters * 1e9 /
                                           (double)t->wall_ns)
                              : 0;
    if (acc.n < LAB_MAX_TRIALS) {
        acc.rtt[acc.n] = last.rtt_ns;
        acc.ops[acc.n++] = ops;
    }
    acc.sum.retries += last.retries;
    acc.sum.aborts += last.aborts;
    acc.sum.overlaps += last.overlaps;
    acc.sum.errors += last.errors;
    if (c->format != LAB_JSON)
        return;
    json_head("db_trial", lab, c, v);
    printf("\"trial\":%u,\"retries\":%llu,\"aborts\":%llu,\"overlaps\":%llu,\"errors\":%llu,"
           "\"rtt_ns\":%llu,\"ops_per_s\":%llu}\n", trial, (unsigned long long)last.retries,
           (unsigned long long)last.aborts, (unsigned long long)last.overlaps,
           (unsigned long long)last.errors, (unsigned long long)last.rtt_ns,
           (unsigned long long)ops);
    fflush(stdout);
}

void lab__db_emit_summary(const struct lab *lab, const struct lab_config *c,
                          const struct lab_summary *s)
{
    if (!LAB_IS_DB(c->model) || acc.n == 0)
        return;
    uint64_t rtt = util_median_u64(acc.rtt, acc.n), ops = util_median_u64(acc.ops, acc.n);
    double per_op = (double)acc.sum.retries / ((double)acc.n * c->workers * (double)c->iters);
    if (c->format == LAB_JSON) {
        json_head("db_summary", lab, c, s->v);
        printf("\"trials\":%u,\"retries\":%llu,\"aborts\":%llu,\"overlaps\":%llu,"
               "\"errors\":%llu,\"rtt_ns\":%llu,\"ops_per_s\":%llu}\n", acc.n,
               (unsigned long long)acc.sum.retries, (unsigned long long)acc.sum.aborts,
               (unsigned long long)acc.sum.overlaps, (unsigned long long)acc.sum.errors,
               (unsigned long long)rtt, (unsigned long long)ops);
        fflush(stdout);
    } else if (c->format == LAB_HUMAN) {
        printf("  %s over %u trials: %llu retries (%.3f per operation), %llu aborts, "
               "%llu lock overlaps, %llu errors; round trip %.1f us (median), %llu ops/s "
               "(median)\n", s->v->name, acc.n, (unsigned long long)acc.sum.retries, per_op,
               (unsigned long long)acc.sum.aborts, (unsigned long long)acc.sum.overlaps,
               (unsigned long long)acc.sum.errors, (double)rtt / 1000.0,
               (unsigned long long)ops);
    }
    memset(&acc, 0, sizeof acc);
}
