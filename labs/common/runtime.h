/* labs/common/runtime.h - what the runtime's files share, not part of the
 * lab interface (lab.h). main.c parses, runs and prints; report.c writes the
 * trial and summary records, list.c the --list output, hog.c the --hog demo,
 * args.c parses; labs/PROTOCOL.md states every field they print. */
#ifndef RACELAB_RUNTIME_H
#define RACELAB_RUNTIME_H

#include <stdio.h>

#include "lab.h"
#include "models.h"

/* One variant's trials, summed up. */
struct lab_summary {
    const struct lab_variant *v;
    uint64_t expected;
    uint64_t min, median, max;
    double ns_per_op;   /* over the finished trials' median wall time */
    uint64_t wall_ns;   /* median over the finished trials */
    unsigned lossy;     /* finished trials whose observation differed from expected */
    unsigned trials;
    unsigned deadlocks, timeouts, crashes;
    bool has_items;     /* totals over the trials of the variant's item accounting */
    struct lab_items items;
    bool has_fields;    /* the lab's fields over the trials, each by its lab_agg */
    int64_t fields[LAB_MAX_FIELDS];
    int64_t *field_trials;   /* fields.c: each trial's fields, for the medians */
    unsigned nfield_trials, field_trials_cap;
    bool ran;
    const char *skipped; /* why it did not run */
};

/* The models' names in the order of enum lab_model, NULL-terminated (the
 * choices of --model). */
extern const char *const lab__model_names[LAB_NMODELS + 1];

/* The workers that each make |iters| operations: with roles, the producers
 * (ns/op is then per item). */
unsigned lab__op_workers(const struct lab *lab, const struct lab_config *c);

/* Whether some variant of |lab| has an items() hook (the item columns). */
bool lab__has_items(const struct lab *lab);

/* A trial's items went wrong: lost, duplicated or reordered. */
bool lab__items_wrong(const struct lab_items *it);

/* fields.c: the lab's own numbers (struct lab_field) under model |m|. */
/* The fields under |m|: the model's own set, or the lab's (*n of them). */
const struct lab_field *lab__fields(const struct lab *lab, enum lab_model m, size_t *n);
/* A finished trial went wrong: its observation, its items, or a field whose
 * non-zero value breaks the invariant (lab_field.bad). */
bool lab__trial_wrong(const struct lab *lab, enum lab_model m, const struct lab_trial *t);
/* Adds trial |t|'s fields into |s|; lab__fields_close() then takes the
 * medians (and frees what it kept for them). */
void lab__fields_add(const struct lab *lab, enum lab_model m, struct lab_summary *s,
                     const struct lab_trial *t);
void lab__fields_close(const struct lab *lab, enum lab_model m, struct lab_summary *s);
/* The records' parts: JSON ',"fields":{...}', CSV ',v,...' (empty cells for
 * none), the CSV header's ',name,...', and for people one line "name V unit,
 * ..." (with |lead|) and the closing table's head and cells. */
void lab__fields_json(const struct lab *lab, enum lab_model m, const int64_t *v);
void lab__fields_csv(const struct lab *lab, enum lab_model m, bool has, const int64_t *v);
void lab__fields_csv_header(const struct lab *lab, enum lab_model m);
void lab__fields_human(const struct lab *lab, enum lab_model m, const char *lead,
                       const int64_t *v, bool summary);
void lab__fields_table_head(const struct lab *lab, enum lab_model m);
void lab__fields_table_row(const struct lab *lab, enum lab_model m, const struct lab_summary *s);
/* --list --json: ',"fields":[{"name":..,"unit":..,"agg":..,"bad":..}]'. */
void lab__fields_list_json(const struct lab *lab, enum lab_model m);
const char *lab__agg_name(enum lab_agg a);

/* report.c: the records of a run, in c->format. */
void lab__emit_header(const struct lab *lab, const struct lab_config *c, uint64_t expected);
void lab__emit_variant(const struct lab_config *c, const struct lab_variant *v);
void lab__emit_trial(const struct lab *lab, const struct lab_config *c,
                     const struct lab_variant *v, unsigned trial, const struct lab_trial *t);
void lab__emit_summary(const struct lab *lab, const struct lab_config *c,
                       const struct lab_summary *s);
void lab__emit_skip(const struct lab *lab, const struct lab_config *c,
                    const struct lab_variant *v, const char *why);
void lab__print_table(const struct lab *lab, const struct lab_config *c,
                      const struct lab_summary *s, size_t n);

/* list.c: --list in c->format. */
void lab__print_list(const struct lab *lab, const struct lab_config *c);
/* "available", or why the libatomic_ops backend is not in this build. */
const char *lab__ao_status(void);

/* hog.c: --hog, run and printed; returns the exit status. */
int lab__hog_main(const struct lab *lab, const struct lab_config *c);

#endif
