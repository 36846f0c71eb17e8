/* labs/common/lab.h - the lab runtime.
 *
 * A lab is one kind of bug. Its variants each define only their lesson (the
 * shared state, how one operation touches it, how the result is read); this
 * runtime owns everything else: argument parsing and validation, the models
 * that run workers, the start gate that makes workers really overlap, trials,
 * timing of the parallel section only, and output for people (tables) and for
 * machines (--json JSON Lines, --csv), as labs/PROTOCOL.md specifies.
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

/* How workers run. threads: pthreads in one process. procs: forked worker
 * processes sharing a POSIX shared-memory segment. coros: coroutines on one
 * carrier thread, switching only at LAB_YIELD(). coros-mn: coroutines spread
 * over several carrier threads (each carrier runs its own scheduler).
 * coros-preempt: coroutines on one carrier thread that a timer signal
 * switches every --preempt microseconds, at any instruction. */
enum lab_model {
    LAB_THREADS,
    LAB_PROCS,
    LAB_COROS,
    LAB_COROS_MN,
    LAB_COROS_PREEMPT,
    LAB_GIL,         /* threads running "bytecodes" under one global interpreter lock */
    LAB_REDIS,       /* threads, each a client connection of a Redis server */
    LAB_POSTGRES,    /* threads, each a client connection of a PostgreSQL server */
    LAB_NMODELS
};

/* The models whose variants are the lab's own code on shared memory; the
 * others (gil, redis, postgres: labs/common/gil.h, db.h) run variants written
 * for them alone, and `--variant all` under one kind never lists the other's. */
#define LAB_MEMORY_MODELS                                                       \
    (LAB_MODEL_BIT(LAB_THREADS) | LAB_MODEL_BIT(LAB_PROCS) | LAB_MODEL_BIT(LAB_COROS) | \
     LAB_MODEL_BIT(LAB_COROS_MN) | LAB_MODEL_BIT(LAB_COROS_PREEMPT))
/* The models that talk to a database server the lab starts (or --db-url). */
#define LAB_IS_DB(m) ((m) == LAB_REDIS || (m) == LAB_POSTGRES)

#define LAB_MODEL_BIT(m) (1u << (m))

/* The coroutine models: no start gate, no pinning, LAB_YIELD() switches. */
#define LAB_IS_COROS(m) ((m) == LAB_COROS || (m) == LAB_COROS_MN || (m) == LAB_COROS_PREEMPT)

#define LAB_PREEMPT_DEFAULT_US 20u

#define LAB_MAX_CARRIERS 64u

const char *lab_model_name(enum lab_model m);

/* What a variant's setup needs to know about the run. */
struct lab_env {
    enum lab_model model;
    unsigned workers;
    unsigned sync_flags;   /* for sync_*_init(): SYNC_PSHARED under procs, else 0 */
    /* Labs with roles (struct lab.roles): workers 0 .. producers-1 produce,
     * the next |consumers| consume; workers == producers + consumers. */
    unsigned producers, consumers;
    uint64_t iters;        /* operations per worker (per producer with roles) */
    char ipc_name[64];     /* a unique name for named IPC objects, "/racelab-<lab>-<pid>-<n>" */
    const struct lab_model_opts *mo;   /* the gil and database models' options */
};

/* What a lab whose result is a set of items, not one count, found in a
 * trial (labs/PROTOCOL.md: produced, consumed, duplicated, reordered; the
 * items missing after the drain are lost). */
struct lab_items {
    uint64_t produced;     /* items the producers handed to the structure */
    uint64_t consumed;     /* items the consumers took out, duplicates included */
    uint64_t lost;         /* produced, never consumed */
    uint64_t duplicated;   /* consumed more than once (or not an item at all) */
    uint64_t reordered;    /* consumed out of its producer's order */
    char note[200];        /* what happened, one line, or "" */
};

/* A report a detector is known to make on a variant that is not the bug the
 * lab is about (on a fixed variant: synchronization the tool cannot model),
 * and why. Printed in --list --json as "known_reports" (labs/PROTOCOL.md);
 * the harness discounts matching reports without knowing any lab. */
struct lab_known_report {
    const char *tool;    /* "helgrind", "drd", "valgrind" (both) or "tsan" */
    const char *kind;    /* a substring of the report's kind, "" for any */
    const char *frame;   /* a substring of its first or second frame, "" for any */
    const char *why;     /* one line: what the tool cannot see, and the evidence */
};

/* A number of the lab's own that each trial reports beside the runtime's
 * (labs/PROTOCOL.md "fields"): e.g. the bank's overdrafts or the
 * philosophers' fewest meals. The lab names them once (struct lab.fields);
 * a variant's fields() hook fills them after a trial. */
enum lab_agg {
    LAB_AGG_SUM,   /* the summary adds the trials' values */
    LAB_AGG_MAX,   /* ... takes the largest */
    LAB_AGG_MIN,   /* ... takes the smallest */
    LAB_AGG_MEDIAN, /* ... takes the median (of an even count, the mean of the two
                       middle values, rounded toward zero), e.g. a round-trip time */
};
struct lab_field {
    const char *name;   /* JSON key and CSV column: lower case, digits, '_' */
    const char *unit;   /* what it counts, for people: "transfers", "ns", "meals" */
    enum lab_agg agg;
    /* A trial where it is non-zero broke the lab's invariant: it counts as
     * lossy (a fixed variant is then WRONG), like a wrong observation. */
    bool bad;
};
#define LAB_MAX_FIELDS 12u
/* The fields of one model, in place of the lab's (struct lab.model_fields):
 * numbers only that model's variants have (the counter's database retries). */
struct lab_field_set {
    const struct lab_field *fields;
    size_t n;
};

/* What one worker waits for right now, as a variant's waiting() hook tells
 * the watchdog (labs/common/watch.c). The hook runs while workers run: the
 * records it reads must be atomics (labs/common/waitfor.h keeps them). */
struct lab_wait {
    int owner;          /* the worker holding what it waits for; -1: none or unknown
                           (a condition nobody holds) */
    uint32_t ticket;    /* changes with every new wait: the same ticket seen twice is
                           one unbroken wait */
    char what[40];      /* what it waits for: "account 7", "fork 2", "not-empty" */
    char holds[40];     /* what it holds meanwhile, or "" */
};

/* The sizes and search the harness's explore column gives a lab's cells
 * (labs/PROTOCOL.md "explore_*", notes/explorer.md "Lab targets"); 0 or
 * NULL: the harness's own. --list --json refuses a value out of range. */
struct lab_explore {
    const char *strategy;    /* "bounded" (preemption bounding) or "dpor" */
    unsigned iters;          /* --iters, 1..LAB_EXPLORE_MAX_ITERS */
    unsigned workers;        /* --workers, 1..60 */
    unsigned preemptions;    /* bounded: --preemptions, 1..LAB_EXPLORE_MAX_PREEMPTIONS */
    unsigned max_runs;       /* the run budget, 1..LAB_EXPLORE_MAX_RUNS */
};
#define LAB_EXPLORE_MAX_ITERS 16u
#define LAB_EXPLORE_MAX_PREEMPTIONS 4u
#define LAB_EXPLORE_MAX_RUNS 5000u
/* NULL if |e| is in range, else why not (one line in why). */
const char *lab_explore_check(const struct lab_explore *e, char *why, size_t n);

/* One synchronization choice applied to the lab's worker body. */
struct lab_variant {
    const char *name;          /* "racy", "mutex", ... */
    const char *description;   /* one line, for --list and the report */
    bool racy_by_design;       /* expected to lose updates */
    unsigned models;           /* LAB_MODEL_BIT()s this variant runs under */
    const char *refused[LAB_NMODELS]; /* why not, for each model it does not run under */
    const char *unavailable;   /* NULL, or why it cannot run in this build and how to fix it */
    size_t state_size;         /* bytes of shared state, zeroed before setup */
    /* Optional: the state's size when it depends on the run (then state_size
     * is ignored). */
    size_t (*state_bytes)(const struct lab_env *env);
    /* Prepares the zeroed shared state: 0 or an errno value. */
    int (*setup)(void *state, const struct lab_env *env);
    void (*teardown)(void *state);
    /* One worker's whole loop: |iters| operations. One indirect call per
     * worker per trial, none per operation. */
    void (*work)(void *state, unsigned worker, uint64_t iters);
    /* The lab's observation once every worker has finished. */
    uint64_t (*observe)(const void *state, unsigned workers);
    /* Takes the variant's lock and returns holding it, for --kill-owner;
     * NULL when the variant has no lock (nothing to die holding). */
    void (*hold)(void *state);
    /* Where the outcome is deterministic (a racy variant under a
     * cooperative model): the exact observation to expect; else NULL or 0. */
    uint64_t (*predict)(enum lab_model m, unsigned workers, uint64_t iters);
    /* Optional, once every worker has finished: the item accounting, which
     * the report prints beside the counts (only for variants that have it). */
    void (*items)(const void *state, struct lab_items *out);
    /* Labs with roles: the most producers and consumers the variant takes
     * (0: any), and why not more (e.g. a single-producer ring). */
    unsigned max_producers, max_consumers;
    const char *roles_why;
    /* The most workers the variant takes (0: any), and why not more (e.g.
     * Peterson's lock: one flag per worker, and turn names the other). */
    unsigned max_workers;
    const char *workers_why;
    /* Known reports on this variant, ended by an entry whose tool is NULL;
     * NULL for none. The runtime adds its own (reports on the start gate). */
    const struct lab_known_report *known_reports;
    /* Optional, once every worker has finished (or gave up, or was killed):
     * the lab's fields under the run's model (struct lab.fields, or the
     * model's own set: struct lab.model_fields), out[i] for the set's i-th
     * field, zeroed before the call. */
    void (*fields)(const void *state, unsigned workers, int64_t *out);
    /* Optional: whether |worker| waits now, and for what (false: it runs).
     * Called by the watchdog while workers run (threads and procs), to find
     * a wait-for cycle (DEADLOCK) and to say who waited on what at a
     * TIMEOUT. A variant that has it makes every wait give up once
     * lab_trial_over() is true, so the stuck workers finish. */
    bool (*waiting)(const void *state, unsigned worker, struct lab_wait *out);
    /* Without waiting(): true if the worker loop still polls
     * lab_trial_over() and returns once it is true (a livelock that spins
     * without waiting on anyone). Under threads only such variants, and
     * those with waiting(), are held to --timeout: the threads of any other
     * could not be stopped. */
    bool gives_up;
    /* Optional: one line when the variant's failure needs a weaker memory
     * model than sequential consistency (the store buffer, reordered
     * stores): the explorer, which runs SC interleavings only, cannot show
     * it; --list --json says it ("weak_memory"), the harness's explore
     * column says so instead of "clean". NULL: none needed. */
    const char *weak_memory;
};

/* True once the watchdog has ended this trial (a deadlock found, or the
 * timeout): a worker's wait must give up and the worker return. One
 * acquire load; call it in wait loops, not per operation. */
bool lab_trial_over(void);

/* Whether |v| takes |workers| (struct lab_variant.max_workers); if not,
 * *why says why. */
bool lab_variant_takes_workers(const struct lab_variant *v, unsigned workers, const char **why);

/* Whether |v| takes |producers| x |consumers|; if not, *why says why. */
bool lab_variant_takes(const struct lab_variant *v, unsigned producers, unsigned consumers,
                       const char **why);

struct lab {
    const char *name;              /* "counter": the program is lab-<name> */
    const char *title;             /* one line for the report header */
    /* What runs with no --variant, per model, e.g. "racy,mutex,atomic". */
    const char *default_variants[LAB_NMODELS];
    const char *baseline;          /* the variant others are compared to, e.g. "atomic" */
    /* Producer and consumer roles: the lab takes --producers and --consumers
     * (workers = their sum) and expected() is given the producers. */
    bool roles;
    /* The most operations a run may ask for in all (expected()), 0: no cap
     * beyond each option's own (e.g. a lab that keeps a bit per item). */
    uint64_t max_expected;
    /* --iters when not given (0: 100000), for labs whose bug needs longer
     * trials to show in every run. */
    uint64_t default_iters;
    /* --workers when not given (0: 2), for labs whose lesson needs more
     * than two workers (readers that overlap beside a writer). */
    unsigned default_workers;
    /* The most --iters worth a valgrind run of a cell (0: the harness's
     * own), for labs where a tool's cost per operation makes the harness's
     * size pointless; --list --json says it ("valgrind_iters"). */
    uint64_t valgrind_iters;
    const struct lab_variant *const *variants;
    size_t nvariants;
    /* The exact result (lab_expected_each: every operation counts once). */
    uint64_t (*expected)(unsigned workers, uint64_t iters);
    /* The exact result when one worker died after |done| of its operations;
     * NULL where no variant has a lock to die holding (--kill-owner is
     * refused there, so it is never asked). */
    uint64_t (*expected_after_death)(unsigned workers, uint64_t iters, uint64_t done);
    /* The lab's own numbers per trial (struct lab_field), filled by the
     * variants' fields() hooks; NULL and 0 for none. */
    const struct lab_field *fields;
    size_t nfields;
    /* A model whose entry has fields uses those instead of .fields (its
     * variants' hooks fill them, its records and --list carry them). */
    struct lab_field_set model_fields[LAB_NMODELS];
    /* How the harness's explore column explores the lab's threads cells
     * (labs/PROTOCOL.md "explore_*"): the sizes at which its fixed
     * variants exhaust and its racy ones fail within the budget. */
    struct lab_explore explore;
};

/* struct lab.expected of a lab whose every worker's every operation counts
 * once (labs with roles: every producer's): |workers| x |iters|. */
static inline uint64_t lab_expected_each(unsigned workers, uint64_t iters)
{
    return (uint64_t)workers * iters;
}

/* Whether |v| runs under |m|; if not, *why says why. */
bool lab_variant_runs(const struct lab_variant *v, enum lab_model m, const char **why);

/* Called by a variant's worker when it recovered a lock whose owner died
 * (EOWNERDEAD): counted and reported by the runtime. */
void lab_note_recovery(void);

/* The options of the gil, redis and postgres models (labs/common/gil.h,
 * db.h say what they mean). */
enum lab_check_points { LAB_CHECK_EVERY, LAB_CHECK_BACKEDGE };
struct lab_model_opts {
    unsigned switch_us;       /* gil: --switch-interval (CPython's default 5000) */
    int check_points;         /* gil: enum lab_check_points */
    bool no_gil;              /* gil: --no-gil, a free-threaded interpreter */
    unsigned bytecode_ns;     /* gil: what one bytecode costs */
    const char *db_url;       /* redis, postgres: --db-url, or NULL: the lab's own server */
    const char *db_server;    /* redis, postgres: --db-server, or NULL: the installed one */
    unsigned db_timeout_s;    /* redis, postgres: --db-timeout, the server's time to answer */
    unsigned hold_ms;         /* redis lock: how long a holder keeps the lock */
    unsigned lease_ms;        /* redis lock: the lock's lease (PX) */
};

/* What the user asked for, and the run lab_run_trial() makes of it. */
enum lab_format { LAB_HUMAN, LAB_JSON, LAB_CSV };
struct lab_config {
    /* The run (lab_run_trial() reads these). */
    enum lab_model model;
    unsigned workers;
    unsigned producers, consumers;   /* labs with roles; workers is their sum */
    uint64_t iters;
    bool kill_owner;       /* procs: one worker dies holding the lock */
    /* threads and procs: a trial still running after this is ended (TIMEOUT;
     * DEADLOCK when its owner died or a wait-for cycle was found); 0: none
     * (a variant with a waiting() hook still has its cycles found). */
    unsigned timeout_s;
    unsigned carriers;     /* coros-mn: carrier threads (0: 2) */
    unsigned preempt_us;   /* coros-preempt: the timer's period (0: LAB_PREEMPT_DEFAULT_US) */
    struct lab_model_opts mo;   /* gil, redis, postgres */
    /* The program (lab_parse_args() fills these; lab_run_trial() ignores them). */
    const struct lab_variant *variants[64];
    size_t nvariants;
    unsigned trials;
    unsigned hog_ms;       /* coroutine models: run the starvation demo instead */
    enum lab_format format;
    bool list;
};

#define LAB_MAX_TIMEOUT 3600u

enum { LAB_ARGS_OK = 0, LAB_ARGS_HELP = 1, LAB_ARGS_ERROR = 2 };

/* Parses argv into |cfg|. Returns LAB_ARGS_OK, LAB_ARGS_HELP (the help was
 * printed on stdout) or LAB_ARGS_ERROR with a one-line message (no trailing
 * newline) in err. */
int lab_parse_args(const struct lab *lab, int argc, char **argv,
                   struct lab_config *cfg, char *err, size_t errlen);

const struct lab_variant *lab_find_variant(const struct lab *lab, const char *name);

/* How a trial ended. */
enum lab_outcome {
    LAB_OK,         /* every worker finished */
    LAB_DEADLOCK,   /* a worker died holding the lock and the others never finished,
                       or the workers waited for each other in a cycle */
    LAB_TIMEOUT,    /* the workers did not finish within the timeout */
    LAB_CRASH,      /* a worker died on its own (signal or non-zero exit) */
};
const char *lab_outcome_name(enum lab_outcome o);

struct lab_trial {
    enum lab_outcome outcome;
    uint64_t expected;     /* exact result for this trial (less a dead worker's share) */
    uint64_t observed;
    uint64_t wall_ns;      /* first worker's start to last worker's end (or the kill) */
    /* --kill-owner: */
    int victim;            /* the worker that died holding the lock, or -1 */
    uint64_t victim_done;  /* operations it completed first */
    uint64_t death_ns;     /* when it died, after the start */
    unsigned recoveries;   /* EOWNERDEAD recoveries the survivors reported */
    unsigned long preemptions; /* coros-preempt: ticks that switched a coroutine out */
    char detail[480];      /* for DEADLOCK, TIMEOUT, CRASH: what happened, one line */
    bool has_items;        /* the variant has an items() hook: */
    struct lab_items items;
    bool has_fields;       /* the variant has a fields() hook: the lab's fields */
    int64_t fields[LAB_MAX_FIELDS];
};

/* One trial: setup, start gate, the parallel section, observe, teardown.
 * Returns 0 when the trial reached an outcome (see out->outcome), EINTR when
 * SIGINT or SIGTERM arrived (workers reaped, nothing left behind), or another
 * errno value with a one-line reason in err. */
int lab_run_trial(const struct lab *lab, const struct lab_variant *v,
                  const struct lab_config *cfg, struct lab_trial *out, char *err,
                  size_t errlen);

/* The starvation demo (--hog): a ticker coroutine wants to run every
 * millisecond while a hog coroutine computes for hog_ms without yielding.
 * On coros they share the one carrier thread; on coros-mn they are on two. */
struct lab_hog {
    unsigned ticks;            /* ticks the ticker made */
    unsigned ticks_during;     /* of them, made while the hog computed (0 on coros) */
    uint64_t worst_delay_ns;   /* the latest a tick came after its due time */
    uint64_t median_delay_ns;
    uint64_t hog_ns;           /* how long the hog really ran without yielding */
};
#define LAB_MAX_HOG_MS 10000u
int lab_run_hog(enum lab_model model, unsigned hog_ms, unsigned preempt_us, struct lab_hog *out,
                char *err, size_t errlen);

/* NULL, or why |m| cannot run in this build (coros-preempt under TSan). */
const char *lab_model_unavailable(enum lab_model m);

/* The signal that interrupted the last trial (after EINTR). */
int lab_interrupt_signal(void);

/* The whole program: parse, run, print. Returns the exit status
 * (labs/PROTOCOL.md): 0 ran (racy variants may lose updates, a non-robust
 * lock may deadlock under --kill-owner: that is the lesson), 1 a fixed
 * variant was wrong or a trial could not run, 2 bad usage, 128+N
 * interrupted by signal N. */
int lab_main(const struct lab *lab, int argc, char **argv);

/* The atomics backend the sync library was built with, and where the
 * libatomic_ops backend stands in this build. */
const char *lab_atomics_backend(void);

unsigned lab_online_cpus(void);

/* True, with one CPU per worker in cpus[], when workers are pinned. */
bool lab_placement(unsigned workers, int *cpus);
uint64_t lab_now_ns(void);

#endif
