/* labs/common/list.c - --list: every model and variant, for people (a table),
 * for scripts (--csv) and for the harness (--json: one object per model and
 * variant, with the arguments a cell needs and the detector reports known not
 * to be the lab's bug; labs/PROTOCOL.md states every field). */
#include "runtime.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/json.h"

const char *lab__ao_status(void)
{
#ifdef RACELAB_HAVE_AO
    return "available";
#else
    return "unavailable (apt-get install libatomic-ops-dev, then rebuild)";
#endif
}

/* The runtime needs no known reports of its own: its start gate and control
 * words are atomics it tells valgrind about (sync/annotate.h), results are
 * read after pthread_join, and the wait records the watchdog reads through a
 * variant's waiting() hook are untracked by the lab that keeps them
 * (lab_wf_untrack, labs/common/waitfor.h; the wake-up lab's wk_init). */

/* procs only: a process-shared condition variable signalled from another
 * process (measured on queue/procs/condvar under Helgrind, with the
 * annotated build too: the signal's pthread call runs in the other
 * process's valgrind). */
static const struct lab_known_report procs_reports[] = {
    { "valgrind", "pthread_cond_wait succeeded without prior", "",
      "the signal came from another process, which valgrind does not see" },
    { NULL, NULL, NULL, NULL },
};

static bool json_reports(const struct lab_known_report *r, bool first)
{
    for (; r != NULL && r->tool != NULL; r++) {
        printf("%s{\"tool\":", first ? "" : ",");
        util_json_string(stdout, r->tool);
        fputs(",\"kind\":", stdout);
        util_json_string(stdout, r->kind);
        fputs(",\"frame\":", stdout);
        util_json_string(stdout, r->frame);
        fputs(",\"why\":", stdout);
        util_json_string(stdout, r->why);
        putchar('}');
        first = false;
    }
    return first;
}

/* "known_reports": the variant's own, then the procs model's. */
static void json_known_reports(const struct lab_variant *v, enum lab_model m)
{
    fputs(",\"known_reports\":[", stdout);
    bool first = json_reports(v->known_reports, true);
    if (m == LAB_PROCS)
        (void)json_reports(procs_reports, first);
    putchar(']');
}

const char *lab_explore_check(const struct lab_explore *e, char *why, size_t n)
{
    if (e->strategy != NULL && strcmp(e->strategy, "bounded") != 0 &&
        strcmp(e->strategy, "dpor") != 0)
        snprintf(why, n, "explore_strategy '%s' is neither bounded nor dpor", e->strategy);
    else if (e->iters > LAB_EXPLORE_MAX_ITERS)
        snprintf(why, n, "explore_iters %u is more than %u", e->iters, LAB_EXPLORE_MAX_ITERS);
    else if (e->workers > 60)
        snprintf(why, n, "explore_workers %u is more than 60 (the explorer runs up to 64 "
                 "threads)", e->workers);
    else if (e->preemptions > LAB_EXPLORE_MAX_PREEMPTIONS)
        snprintf(why, n, "explore_preemptions %u is more than %u", e->preemptions,
                 LAB_EXPLORE_MAX_PREEMPTIONS);
    else if (e->preemptions != 0 && e->strategy != NULL && strcmp(e->strategy, "dpor") == 0)
        snprintf(why, n, "explore_preemptions bounds the bounded strategy, not dpor");
    else if (e->max_runs > LAB_EXPLORE_MAX_RUNS)
        snprintf(why, n, "explore_max_runs %u is more than %u", e->max_runs,
                 LAB_EXPLORE_MAX_RUNS);
    else
        return NULL;
    return why;
}

/* The lab's explore sizes (labs/PROTOCOL.md "explore_*"), those it sets. */
static void json_explore_sizes(const struct lab_explore *e)
{
    if (e->strategy != NULL)
        printf(",\"explore_strategy\":\"%s\"", e->strategy);
    const char *name[] = { "iters", "workers", "preemptions", "max_runs" };
    unsigned v[] = { e->iters, e->workers, e->preemptions, e->max_runs };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (v[i] != 0)
            printf(",\"explore_%s\":%u", name[i], v[i]);
}

/* "explore" or "explore_refused" (labs/PROTOCOL.md): a threads cell is
 * explored through lab-<name>-explore beside this program, where the build
 * made one (cmake/RacelabHelpers.cmake); the explorer runs workers as
 * threads, so the other models' cells say so. */
static void json_explore(const struct lab *lab, enum lab_model m)
{
    char name[96], why[240], path[PATH_MAX];
    snprintf(name, sizeof name, "lab-%s-explore", lab->name);
    ssize_t n = m == LAB_THREADS ? readlink("/proc/self/exe", path, sizeof path - 1) : -1;
    if (n > 0) {
        path[n] = '\0';
        char *slash = strrchr(path, '/');
        if (slash != NULL && (size_t)(slash - path) + 1 + strlen(name) < sizeof path) {
            strcpy(slash + 1, name);
            if (access(path, X_OK) == 0 &&
                lab_explore_check(&lab->explore, why, sizeof why) == NULL) {
                fputs(",\"explore\":", stdout);
                util_json_string(stdout, name);
                json_explore_sizes(&lab->explore);
                return;
            }
            if (access(path, X_OK) == 0) {   /* the descriptor's own mistake, said */
                fputs(",\"explore_refused\":", stdout);
                util_json_string(stdout, why);
                return;
            }
        }
    }
    if (m == LAB_THREADS)
        snprintf(why, sizeof why, "%s is not in this build (it is built with clang on x86-64, "
                 "without a sanitizer on the build)", name);
    else
        snprintf(why, sizeof why, "the explorer runs a variant's workers as threads, not under "
                 "the %s model", lab_model_name(m));
    fputs(",\"explore_refused\":", stdout);
    util_json_string(stdout, why);
}

static void json_cell(const struct lab *lab, const struct lab_config *c,
                      const struct lab_variant *v, enum lab_model m, const char *unavailable)
{
    printf("{\"lab\":\"%s\",\"model\":\"%s\",\"variant\":\"%s\",\"racy_by_design\":%s,"
           "\"available\":%s,\"has_owner\":%s,\"description\":", lab->name, lab_model_name(m),
           v->name, v->racy_by_design ? "true" : "false", unavailable ? "false" : "true",
           v->hold ? "true" : "false");
    util_json_string(stdout, v->description);
    if (unavailable) {
        fputs(",\"reason\":", stdout);
        util_json_string(stdout, unavailable);
    }
    /* A cell the defaults cannot run (spsc: one producer, one consumer)
     * says which arguments can: the harness adds them, knowing nothing of
     * roles. */
    if (lab->roles && !lab_variant_takes(v, c->producers, c->consumers, NULL)) {
        unsigned p = v->max_producers && v->max_producers < c->producers ? v->max_producers
                                                                         : c->producers;
        unsigned n = v->max_consumers && v->max_consumers < c->consumers ? v->max_consumers
                                                                         : c->consumers;
        printf(",\"run_args\":[\"--producers\",\"%u\",\"--consumers\",\"%u\"]", p, n);
    } else {
        lab__json_model_run_args(m);
    }
    if (v->max_workers)
        printf(",\"max_workers\":%u", v->max_workers);
    if (lab->valgrind_iters)
        printf(",\"valgrind_iters\":%llu", (unsigned long long)lab->valgrind_iters);
    json_known_reports(v, m);
    if (v->fields)
        lab__fields_list_json(lab, m);
    lab__json_blind(m);
    json_explore(lab, m);
    if (v->weak_memory != NULL) {
        fputs(",\"weak_memory\":", stdout);
        util_json_string(stdout, v->weak_memory);
    }
    puts("}");
}

static void list_cell(const struct lab *lab, const struct lab_config *c,
                      const struct lab_variant *v, enum lab_model m)
{
    const char *unavailable = v->unavailable ? v->unavailable : lab_model_unavailable(m);
    if (c->format == LAB_JSON)
        json_cell(lab, c, v, m, unavailable);
    else if (c->format == LAB_CSV)
        printf("%s,%s,%s,%s,%s,\"%s\"\n", lab->name, lab_model_name(m), v->name,
               v->racy_by_design ? "true" : "false", unavailable ? "false" : "true",
               v->description);
    else
        printf("  %-13s %-9s %-5s %s%s%s\n", lab_model_name(m), v->name,
               v->racy_by_design ? "yes" : "no", v->description,
               unavailable ? "\n                                unavailable: " : "",
               unavailable ? unavailable : "");
}

void lab__print_list(const struct lab *lab, const struct lab_config *c)
{
    if (c->format == LAB_HUMAN) {
        printf("lab-%s: %s\n\n", lab->name, lab->title);
        printf("  %-13s %-9s %-5s %s\n", "model", "variant", "racy", "description");
    } else if (c->format == LAB_CSV) {
        puts("lab,model,variant,racy_by_design,available,description");
    }
    for (int m = 0; m < LAB_NMODELS; m++)
        for (size_t i = 0; i < lab->nvariants; i++)
            if (lab->variants[i]->models & LAB_MODEL_BIT(m))
                list_cell(lab, c, lab->variants[i], (enum lab_model)m);
    if (c->format != LAB_HUMAN)
        return;
    for (int m = 0; m < LAB_NMODELS; m++)
        for (size_t i = 0; i < lab->nvariants; i++) {
            const char *why;
            if (lab__variant_offered(lab->variants[i], (enum lab_model)m) &&
                !lab_variant_runs(lab->variants[i], (enum lab_model)m, &why))
                printf("\n  not on %s: %s - %s", lab_model_name((enum lab_model)m),
                       lab->variants[i]->name, why);
        }
    printf("\n\natomics backend: %s; libatomic_ops backend: %s\n", lab_atomics_backend(),
           lab__ao_status());
}
