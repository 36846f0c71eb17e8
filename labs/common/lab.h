/* labs/common/lab.h - the lab runtime.
 *
 * A lab is one kind of bug. Its variants each define only their lesson (the
 * shared state, how one operation touches it, how the result is read); this
 * runtime owns everything else: argument parsing and validation, the models
 * that run workers, the start gate that makes workers really overlap, trials,
 * timing of the parallel section only, and output for people (tables) and for
 * machines (--json JSON Lines, --csv), as DESIGN.md section 7 specifies.
 *
 * Layering: labs use sync/; nothing here knows about detectors. */
#ifndef RACELAB_LAB_H
#define RACELAB_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab_access.h"

#define LAB_MAX_WORKERS 1024u
#define LAB_MAX_ITERS   1000000000ull
#define LAB_MAX_TRIALS  1000u

/* How workers run. Only threads exist so far; the roadmap adds procs
 * (fork + shared memory), coros, coros-preempt and coros-mn. */
enum lab_model {
    LAB_THREADS,
    LAB_NMODELS
};
#define LAB_MODEL_BIT(m) (1u << (m))

const char *lab_model_name(enum lab_model m);

/* One synchronization choice applied to the lab's worker body. */
struct lab_variant {
    const char *name;          /* "racy", "mutex", ... */
    const char *description;   /* one line, for --list and the report */
    bool racy_by_design;       /* expected to lose updates */
    unsigned models;           /* LAB_MODEL_BIT()s this variant runs under */
    const char *unavailable;   /* NULL, or why it cannot run in this build and how to fix it */
    size_t state_size;         /* bytes of shared state, zeroed before setup */
    /* Prepares the zeroed shared state for |workers| workers: 0 or an errno. */
    int (*setup)(void *state, unsigned workers);
    void (*teardown)(void *state);
    /* One worker's whole loop: |iters| operations. One indirect call per
     * worker per trial, none per operation. */
    void (*work)(void *state, unsigned worker, uint64_t iters);
    /* The lab's observation once every worker has finished. */
    uint64_t (*observe)(const void *state, unsigned workers);
};

struct lab {
    const char *name;              /* "counter": the program is lab-<name> */
    const char *title;             /* one line for the report header */
    const char *default_variants;  /* what runs with no --variant, e.g. "racy,mutex,atomic" */
    const char *baseline;          /* the variant others are compared to, e.g. "atomic" */
    const struct lab_variant *const *variants;
    size_t nvariants;
    uint64_t (*expected)(unsigned workers, uint64_t iters);
};

/* What the user asked for. */
enum lab_format { LAB_HUMAN, LAB_JSON, LAB_CSV };
struct lab_opts {
    enum lab_model model;
    const struct lab_variant *variants[64];
    size_t nvariants;
    unsigned workers;
    uint64_t iters;
    unsigned trials;
    enum lab_format format;
    bool list;
};

enum { LAB_ARGS_OK = 0, LAB_ARGS_HELP = 1, LAB_ARGS_ERROR = 2 };

/* Parses argv into |opts|. Returns LAB_ARGS_OK, LAB_ARGS_HELP (usage was asked
 * for) or LAB_ARGS_ERROR with a one-line message (no trailing newline) in err. */
int lab_parse_args(const struct lab *lab, int argc, char **argv,
                   struct lab_opts *opts, char *err, size_t errlen);

const struct lab_variant *lab_find_variant(const struct lab *lab, const char *name);

/* One trial: setup, start gate, the parallel section, observe, teardown. */
struct lab_trial {
    uint64_t observed;
    uint64_t wall_ns;   /* first worker's start to last worker's end */
};
/* Returns 0, or an errno value with a one-line reason in err. */
int lab_run_trial(const struct lab_variant *v, enum lab_model model, unsigned workers,
                  uint64_t iters, struct lab_trial *out, char *err, size_t errlen);

/* The whole program: parse, run, print. Returns the exit status:
 * 0 ran (racy variants may lose updates: that is the lesson),
 * 1 a fixed variant was wrong or a trial could not run, 2 bad usage. */
int lab_main(const struct lab *lab, int argc, char **argv);

/* The atomics backend the sync library was built with, and where the
 * libatomic_ops backend stands in this build. */
const char *lab_atomics_backend(void);

unsigned lab_online_cpus(void);

/* True, with one CPU per worker in cpus[], when workers are pinned. */
bool lab_placement(unsigned workers, int *cpus);
uint64_t lab_now_ns(void);

#endif
