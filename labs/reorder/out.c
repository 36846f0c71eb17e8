/* labs/reorder/out.c - lab-reorder's output: histograms for people, JSON
 * Lines and the cell list for the harness (labs/PROTOCOL.md, lab-reorder). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cpu.h"
#include "util/json.h"
#include "util/stats.h"

#include "out.h"

volatile sig_atomic_t reorder_out_signal;

static const char *const verdict_names[] = { "forbidden", "allowed", "undefined" };

/* Valgrind's tools cannot see a non-plain cell's lesson by construction:
 * they run one thread at a time (no reordering to show), and they do not
 * model C11 atomics (on x86 plain movs), so all they could say is a false
 * positive on the atomics. The harness does not run them there (the
 * protocol's "blind"). The barrier, sync/barrier.h, is annotated for them
 * (sync/annotate.h); the plain cells' reports are the lesson. */
static const char valgrind_blind[] =
    "valgrind runs one thread at a time, so it cannot show this reordering, and the litmus "
    "slots are C11 atomics (sync/atomic.h), on x86 plain movs it cannot tell from racy ones";

/* labs/PROTOCOL.md "explore_refused": the explorer runs sequentially
 * consistent interleavings, and SC forbids every test's weak outcome by
 * construction, so a search could only confirm the table. */
static const char explore_refused[] =
    "a litmus test's weak outcome is one no SC interleaving gives, and the explorer runs SC "
    "interleavings only: the lab counts it on the hardware instead";

/* The first thread function of each test with a load, for the objdump hint. */
static const char *const plain_syms[REORDER_NTESTS] = { "sb0", "mp1", "lb0", "ww0", "ir2" };

/* The harness's native runs ("native_iters", labs/PROTOCOL.md): half the
 * lab's default. The store-buffering cells still showed their reordering in
 * every one of 24 three-trial runs at this size (at 100000 a trial now and
 * then shows none: the two threads overlap in bursts); notes/detectors.md
 * "Matrix time". */
#define OUT_NATIVE_ITERS 500000

static void out_cell_name(unsigned t, unsigned v, char *buf, size_t n)
{
    snprintf(buf, n, "%s-%s", reorder_tests[t].name, reorder_variant_names[v]);
}

static void out_list_json(unsigned t, unsigned v)
{
    char name[32];
    out_cell_name(t, v, name, sizeof name);
    printf("{\"lab\":\"reorder\",\"model\":\"threads\",\"variant\":\"%s\",\"racy_by_design\":"
           "%s,\"available\":true,\"has_owner\":false,\"test\":\"%s\",\"description\":",
           name, reorder_racy(&reorder_tests[t], v) ? "true" : "false", reorder_tests[t].name);
    char desc[200];
    snprintf(desc, sizeof desc, "%s: %s", reorder_tests[t].title, reorder_variant_descs[v]);
    util_json_string(stdout, desc);
    printf(",\"native_iters\":%u,\"known_reports\":[]", OUT_NATIVE_ITERS);
    if (v != RV_PLAIN) {
        fputs(",\"blind\":[{\"tool\":\"valgrind\",\"why\":", stdout);
        util_json_string(stdout, valgrind_blind);
        fputs("}]", stdout);
    }
    fputs(",\"explore_refused\":", stdout);
    util_json_string(stdout, explore_refused);
    if (reorder_tests[t].c11[v] != RO_FORBIDDEN) {   /* C11 allows it: weak memory shows it */
        fputs(",\"weak_memory\":", stdout);
        util_json_string(stdout, "a reordering the test's accesses allow under C11; every SC "
                                 "interleaving forbids the weak outcome");
    }
    fputs("}\n", stdout);
}

int reorder_out_list(const struct reorder_opts *o)
{
    if (!o->json)
        printf("%-14s %-5s %-9s %s\n", "variant", "racy", "threads", "description");
    for (unsigned t = 0; t < REORDER_NTESTS; t++)
        for (unsigned v = 0; v < REORDER_NVARIANTS; v++) {
            char name[32];
            out_cell_name(t, v, name, sizeof name);
            if (o->json)
                out_list_json(t, v);
            else
                printf("%-14s %-5s %-9u %s: %s\n", name,
                       reorder_racy(&reorder_tests[t], v) ? "yes" : "no",
                       reorder_tests[t].threads, reorder_tests[t].title,
                       reorder_variant_descs[v]);
        }
    return 0;
}

/* A cell's results over its trials. */
struct out_cell {
    unsigned t, v;
    uint64_t count[REORDER_MAX_OUTCOMES];   /* summed over the trials */
    uint64_t weak[1000];                    /* the weak outcome's count per trial */
    uint64_t wall[1000];
    unsigned trials;
    uint64_t iterations;
};

/* The fields every trial and summary record has (labs/PROTOCOL.md). */
static void out_json_common(const char *kind, const struct out_cell *c,
                            const struct reorder_opts *o, uint64_t observed, uint64_t wall)
{
    const struct reorder_test *t = &reorder_tests[c->t];
    char name[32], weak[64];
    out_cell_name(c->t, c->v, name, sizeof name);
    reorder_outcome_name(t, t->weak, weak, sizeof weak);
    printf("{\"kind\":\"%s\",\"lab\":\"reorder\",\"model\":\"threads\",\"variant\":\"%s\","
           "\"workers\":%u,\"iters\":%llu,\"expected\":0,\"observed\":%llu,\"lost\":%lld,"
           "\"ns_per_op\":", kind, name, t->threads, (unsigned long long)o->iters,
           (unsigned long long)observed, -(long long)observed);
    util_json_number(stdout, (double)wall / (double)o->iters);
    printf(",\"wall_ns\":%llu,\"racy_by_design\":%s,\"atomics\":", (unsigned long long)wall,
           reorder_racy(t, c->v) ? "true" : "false");
    util_json_string(stdout, SYNC_ATOMIC_BACKEND);
    printf(",\"test\":\"%s\",\"weak\":\"%s\",\"c11\":\"%s\",\"x86_tso\":\"%s\"", t->name, weak,
           verdict_names[t->c11[c->v]], verdict_names[t->tso[c->v]]);
}

static void out_json_outcomes(const struct reorder_test *t, const uint64_t *count,
                              uint64_t iterations)
{
    printf(",\"iterations\":%llu,\"outcomes\":{", (unsigned long long)iterations);
    for (unsigned o = 0; o < (1u << t->nobs); o++) {
        char name[64];
        reorder_outcome_name(t, o, name, sizeof name);
        printf("%s\"%s\":%llu", o ? "," : "", name, (unsigned long long)count[o]);
    }
    fputs("}", stdout);
}

static void out_json_trial(const struct out_cell *c, const struct reorder_opts *o,
                           const struct reorder_run *r)
{
    out_json_common("trial", c, o, r->count[reorder_tests[c->t].weak], r->wall_ns);
    printf(",\"trial\":%u,\"outcome\":\"ok\"", c->trials);
    out_json_outcomes(&reorder_tests[c->t], r->count, o->iters);
    fputs("}\n", stdout);
}

static void out_json_summary(const struct out_cell *c, const struct reorder_opts *o)
{
    uint64_t weak[1000], wall[1000], mn = UINT64_MAX, mx = 0;
    unsigned lossy = 0;
    for (unsigned k = 0; k < c->trials; k++) {
        weak[k] = c->weak[k];
        wall[k] = c->wall[k];
        mn = c->weak[k] < mn ? c->weak[k] : mn;
        mx = c->weak[k] > mx ? c->weak[k] : mx;
        lossy += c->weak[k] != 0;
    }
    uint64_t med = util_median_u64(weak, c->trials);
    out_json_common("summary", c, o, med, util_median_u64(wall, c->trials));
    printf(",\"trials\":%u,\"lossy_trials\":%u,\"observed_min\":%llu,\"observed_median\":%llu,"
           "\"observed_max\":%llu,\"deadlocks\":0,\"timeouts\":0,\"crashes\":0,\"correct\":%s",
           c->trials, lossy, (unsigned long long)mn, (unsigned long long)med,
           (unsigned long long)mx, lossy == 0 ? "true" : "false");
    out_json_outcomes(&reorder_tests[c->t], c->count, c->iterations);
    fputs("}\n", stdout);
}

/* The histogram of one cell, for people. */
static void out_human_cell(const struct out_cell *c)
{
    const struct reorder_test *t = &reorder_tests[c->t];
    printf("\n%s, %s: %s\n  %s\n", t->title, reorder_variant_names[c->v],
           reorder_variant_descs[c->v], t->code);
    printf("  %-22s %-24s %-10s %-10s %-10s %s\n", "outcome", "count", "SC", "x86-TSO", "C11",
           "here");
    for (unsigned oc = 0; oc < (1u << t->nobs); oc++) {
        char name[64], cnt[48];
        reorder_outcome_name(t, oc, name, sizeof name);
        snprintf(cnt, sizeof cnt, "%llu of %llu", (unsigned long long)c->count[oc],
                 (unsigned long long)c->iterations);
        bool weak = oc == t->weak;
        printf("  %-22s %-24s %-10s %-10s %-10s %s\n", name, cnt, weak ? "forbidden" : "allowed",
               weak ? verdict_names[t->tso[c->v]] : "allowed",
               weak ? verdict_names[t->c11[c->v]] : "allowed", c->count[oc] ? "seen" : "-");
    }
    uint64_t wall = 0;
    for (unsigned k = 0; k < c->trials; k++)
        wall += c->wall[k];
    printf("  %.2f s, %.1f ns per iteration", (double)wall / 1e9,
           (double)wall / (double)c->iterations);
    if (c->trials > 1) {
        printf("; %s per trial:", "weak outcome");
        for (unsigned k = 0; k < c->trials; k++)
            printf(" %llu", (unsigned long long)c->weak[k]);
    }
    if (c->v == RV_PLAIN)
        printf("\n  the instructions: objdump -d --no-show-raw-insn lab-reorder | "
               "sed -n '/<%s_PLAIN>:/,/^$/p'", plain_syms[c->t]);
    putchar('\n');
}

/* One line per cell at the end: the weak outcome, and what it means here. */
static void out_human_summary(const struct out_cell *cells, size_t n)
{
    printf("\n%-14s %-22s %-20s %-10s %-10s %s\n", "cell", "weak outcome (SC: no)", "seen",
           "C11", "x86-TSO", "verdict");
    for (size_t i = 0; i < n; i++) {
        const struct out_cell *c = &cells[i];
        const struct reorder_test *t = &reorder_tests[c->t];
        char name[32], weak[64], seen[48];
        out_cell_name(c->t, c->v, name, sizeof name);
        reorder_outcome_name(t, t->weak, weak, sizeof weak);
        uint64_t k = c->count[t->weak];
        snprintf(seen, sizeof seen, "%llu of %llu", (unsigned long long)k,
                 (unsigned long long)c->iterations);
        const char *verdict =
            !reorder_racy(t, c->v) ? (k ? "FORBIDDEN OUTCOME SEEN: a bug" : "never seen: correct")
            : k                    ? "seen: the reordering is real here"
            : t->tso[c->v] == RO_FORBIDDEN ? "not seen: x86-TSO forbids it; "
                                           : "not seen in this run (allowed here: more --iters)";
        printf("%-14s %-22s %-20s %-10s %-10s %s%s\n", name, weak, seen,
               verdict_names[t->c11[c->v]], verdict_names[t->tso[c->v]], verdict,
               !k && t->elsewhere[c->v] ? t->elsewhere[c->v] : "");
    }
}

/* One cell's trials. Returns 0, or the reorder_run() error. */
static int out_run_cell(struct out_cell *c, const struct reorder_opts *o)
{
    struct reorder_run r = { .test = &reorder_tests[c->t], .variant = c->v, .iters = o->iters,
                             .batch = o->batch < o->iters ? o->batch : (uint32_t)o->iters,
                             .step_ns = o->step_ns };
    for (unsigned k = 0; k < o->trials; k++) {
        char err[200];
        int rc = reorder_run(&r, err, sizeof err);
        if (rc == EINTR)
            return rc;
        if (rc != 0) {
            fprintf(stderr, "lab-reorder: %s-%s: %s\n", r.test->name,
                    reorder_variant_names[c->v], err);
            return rc;
        }
        c->weak[c->trials] = r.count[r.test->weak];
        c->wall[c->trials++] = r.wall_ns;
        c->iterations += o->iters;
        for (unsigned oc = 0; oc < REORDER_MAX_OUTCOMES; oc++)
            c->count[oc] += r.count[oc];
        if (o->json)
            out_json_trial(c, o, &r);
    }
    return 0;
}

static void out_header(const struct reorder_opts *o)
{
    int cpus[REORDER_MAX_THREADS];
    unsigned n = util_cpus_allowed(cpus, REORDER_MAX_THREADS);
    printf("lab-reorder: litmus tests, litmus7 style: %llu iterations per trial x %u trial(s), "
           "in batches of %u (one barrier per batch), iterations %.0f ns apart on the %s\n",
           (unsigned long long)o->iters, o->trials, o->batch < o->iters ? o->batch :
           (unsigned)o->iters, o->step_ns, REORDER_TIME_BASE);
    printf("atomics: %s; %u CPU(s) allowed: each thread pinned on its own CPU when there are "
           "enough (IRIW needs 4)\n", SYNC_ATOMIC_BACKEND, n);
}

int reorder_out_run(const struct reorder_opts *o)
{
    static struct out_cell cells[REORDER_NTESTS * REORDER_NVARIANTS];
    size_t n = 0;
    int status = 0;
    if (!o->json)
        out_header(o);
    for (unsigned t = 0; t < REORDER_NTESTS && status == 0; t++)
        for (unsigned v = 0; v < REORDER_NVARIANTS && status == 0; v++) {
            if (!o->sel[t][v])
                continue;
            struct out_cell *c = &cells[n];
            *c = (struct out_cell){ .t = t, .v = v };
            int rc = out_run_cell(c, o);
            if (rc == EINTR)
                return 128 + (reorder_out_signal ? reorder_out_signal : 2);
            if (rc != 0)
                status = 1;
            if (c->trials == 0)
                continue;
            n++;
            if (o->json)
                out_json_summary(c, o);
            else
                out_human_cell(c);
            if (!reorder_racy(&reorder_tests[t], v) && c->count[reorder_tests[t].weak] != 0) {
                fprintf(stderr, "FAILED: fixed variant %s-%s showed the forbidden outcome\n",
                        reorder_tests[t].name, reorder_variant_names[v]);
                status = 1;
            }
        }
    if (!o->json)
        out_human_summary(cells, n);
    return status;
}
