/* detectors/det.h - the racelab harness: shared types of its modules.
 *
 * Contract: the harness talks to labs only through their command line and the
 * JSON Lines protocol (labs/PROTOCOL.md); it includes no lab or sync header and
 * names no lab: what a tool is known to misreport on a cell comes from the
 * lab's own --list --json ("known_reports"). A new lab program beside
 * `racelab` (lab-<name>, with an optional lab-<name>-tsan twin) is picked up
 * with no change here.
 *
 * Modules:
 *   det_proc.c    isolated runs over util/spawn.h (own process group, captured
 *                 output, timeout, the whole group killed), a pool of --jobs
 *   det_detect.c  the detectors (native, tsan, helgrind, drd): command lines,
 *                 report parsing, blind spots, applying the labs' known reports
 *   det_matrix.c  lab discovery, the matrix of runs, verdicts, scoring
 *   det_out.c     table, JSON Lines, CSV, Markdown, JUnit XML, SVG plots
 *   det_check.c   racelab check: a user's program or C file
 *   det_check_xp.c  the explorer as one of check's detectors
 *   det_supp.c    check --suppressions: TSan's file, a reason per entry
 *   racelab.c     the command line
 * The harness is single-threaded: concurrency is child processes only. */
#ifndef RACELAB_DET_H
#define RACELAB_DET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "util/spawn.h"

/* ---- det_proc.c ------------------------------------------------------- */

/* One isolated run (util/spawn.h underneath). */
struct det_proc {
    /* in */
    char **argv;            /* NULL-terminated; argv[0] is a path */
    const char *env_set;    /* optional "NAME=VALUE" set in the child */
    double timeout_s;
    const char *label;      /* for the progress line */
    /* out */
    enum util_end end;
    int code;               /* exit status, or signal number */
    char *out, *err;        /* captured stdout and stderr, NUL-terminated (a NUL inside is '?') */
    double wall_s;
    /* private */
    struct util_spawn s_;
    const char *env_[2];
};

double det_now(void);
/* Runs every proc, at most |jobs| at once. Returns 0, or 130 when SIGINT or
 * SIGTERM arrived (every running group is killed first). */
int det_pool_run(struct det_proc **procs, size_t n, unsigned jobs, bool progress);
void det_proc_free(struct det_proc *p);
/* "exit 3", "SIGSEGV", "timeout after 5.0 s", "cannot start: ...". */
const char *det_end_text(const struct det_proc *p, char *buf, size_t len);
void det_signals_install(void);
bool det_interrupted(void);
const char *det_tmpdir(void);
/* |name| found in PATH (as given when it has a slash) into out; false if not. */
bool det_find_program(const char *name, char *out, size_t cap);

/* ---- det_detect.c ----------------------------------------------------- */

enum det_detector { DET_NATIVE, DET_TSAN, DET_HELGRIND, DET_DRD, DET_NDET };

/* What one detector said about one cell. */
enum det_status {
    DET_ST_NONE,     /* not run */
    DET_ST_CLEAN,    /* ran, no report, and it could have seen the race */
    DET_ST_RACE,     /* a report that counts */
    DET_ST_KNOWN_FP, /* every report matches one of the cell's known reports */
    DET_ST_BLIND,    /* no report, and blind here by construction */
    DET_ST_NA,       /* could not run here (reason given) */
    DET_ST_TIMEOUT,
    DET_ST_CRASH,
};

#define DET_MAX_FRAMES 2
#define DET_ONE_FRAMES 6
/* One report of a tool: its kind, first frames and what the header says of
 * the access. frames[0] and [1] are the first two of the report's stack;
 * lead is the first frame in the user's code (a source file outside the
 * system and the tools' own interceptors), -1 when none is. */
struct det_one {
    char kind[160];
    char frames[DET_ONE_FRAMES][160];
    int nframes;
    int lead;
    unsigned size;      /* the access size in bytes, 0 when not said */
    bool on_stack;      /* the address is on a thread's stack */
    char other[160];    /* the conflicting access's first frame in the user's code, or "" */
};

struct det_report {
    enum det_status status;
    char kind[160];                   /* "data race", "Possible data race during write" */
    char frames[DET_MAX_FRAMES][160]; /* first frames of the first report */
    unsigned count;                   /* reports seen */
    unsigned fp_count;                /* of which known false positives */
    char reason[200];                 /* n/a, blind, known-fp or crash reason */
    double ns_per_op;                 /* from the run's summary, 0 when none */
    double wall_s;                    /* the run's wall time, 0 when not run */
};

/* One entry of a cell's "known_reports" (labs/PROTOCOL.md): a report of a
 * tool that is not the race the cell is about. kind and frame are substrings
 * of the report's kind and of its first or second frame; both empty means
 * every report of the tool on the cell. */
struct det_known {
    unsigned tools;    /* 1u << DET_TSAN, DET_HELGRIND, DET_DRD ("valgrind": both) */
    char *kind, *frame, *why;
};

extern const char *const det_names[DET_NDET];
int det_by_name(const char *name);
/* Why |d| cannot run at all on this machine, or NULL. |twin_any| tells
 * whether any -tsan twin exists. */
const char *det_unavailable(enum det_detector d, bool twin_any);
/* Why |d| is blind on |model| by construction, or NULL. */
const char *det_blind_reason(enum det_detector d, const char *model);
/* Parses every report in a tool's stderr and sorts out the ones |known|
 * (|nknown| entries of the cell's known_reports) expects: an entry matches a
 * report of its tool whose kind and first or second frame contain its kind
 * and frame; with both empty it matches every report of the tool. Sets count,
 * fp_count, status (RACE if any report counts, KNOWN_FP if all are known,
 * NONE if there were none), reason, and the kind and frames of the first
 * report that counts (or the first known one). */
void det_judge(enum det_detector d, const struct det_known *known, size_t nknown,
               const char *err, struct det_report *r);
/* Every report in a tool's stderr, in order: up to |cap| stored in |out|;
 * returns how many there were. */
size_t det_parse(enum det_detector d, const char *err, struct det_one *out, size_t cap);
/* The tool bits of a known_reports "tool" value, 0 when it names none. */
unsigned det_known_tools(const char *tool);
/* Why valgrind could not analyse the program at all, or NULL. */
const char *det_valgrind_failed(const char *err);
/* Appends the tool's prefix to an argv under construction; returns the
 * number of entries written (at most 6). */
int det_tool_argv(enum det_detector d, char **argv);
const char *det_tool_env(enum det_detector d);
const char *det_status_text(enum det_status s);

/* ---- det_matrix.c ----------------------------------------------------- */

enum det_verdict {
    DET_V_CORRECT, DET_V_RACY_DETECTED, DET_V_RACY_UNDETECTED, DET_V_FALSE_POSITIVE,
    DET_V_TIMEOUT, DET_V_CRASH,
};
extern const char *const det_verdict_names[];

struct det_lab {
    char *name;        /* "counter" */
    char *path;        /* .../lab-counter */
    char *twin;        /* .../lab-counter-tsan or NULL */
};

#define DET_MAX_RUN_ARGS 8

struct det_cell {
    const struct det_lab *lab;
    char *model, *variant, *description;
    bool racy_by_design;
    bool available;
    bool refused;          /* the lab refused the cell (exit 2): description says why */
    /* Arguments the lab's list says this cell needs beyond the defaults
     * ("run_args", e.g. --producers 1 --consumers 1), passed on every run. */
    char *run_args[DET_MAX_RUN_ARGS];
    unsigned nrun_args;
    struct det_known *known;   /* the lab's "known_reports" for this cell */
    char *blind[DET_NDET];     /* the lab's "blind" reasons per detector, or NULL */
    unsigned long vg_iters;    /* the lab's "valgrind_iters" (helgrind, drd), or 0 */
    size_t nknown;
    /* native invariant, over the trials of the default-workers run */
    bool ran;
    bool correct;
    long long expected, observed_median, observed_min, observed_max;
    unsigned trials, lossy_trials;
    long long *observed;   /* per trial */
    unsigned nobserved;
    unsigned workers;      /* the lab's default */
    double ns_op_1, ns_op_w;
    char hint[200];        /* the lab's last stderr line on timeout / crash */
    /* trials the lab itself ended as "deadlock" or "timeout" (its watchdog),
     * and the first such trial's "detail" (the wait-for cycle) */
    unsigned deadlocks, timeouts;
    char detail[300];
    struct det_report det[DET_NDET];
    enum det_verdict verdict;
    char problem[240];     /* empty when none */
    json_t *extra;         /* the native summary object (lab-specific fields) */
    /* ns/op against workers, for the report's plot (report only) */
    double ns_by_workers[4];
    /* The explorer (labs/PROTOCOL.md "explore"): the cell's explore flavour
     * (a program in the lab's directory) or why there is none, and what
     * `racelab explore` said when the matrix ran it (DET_ST_NONE: not run;
     * RACE: a failing schedule found; CLEAN: exhausted clean; NA: refused;
     * TIMEOUT: the budget ended the search first). */
    char *explore, *explore_refused;
    struct det_explored {
        enum det_status status;
        unsigned long long runs;
        bool exhausted;
        char text[200];    /* the verdict line, or the refusal */
    } ex;
    /* The lab's explore sizes for this cell ("explore_*" of --list --json,
     * det_explore_plan_from_json): racelab explore's options, and what
     * needs weak memory ("weak_memory"), or why the sizes are wrong. */
    struct det_explore_plan {
        char args[10][24];
        unsigned nargs;
        char weak_memory[160];
        char bad[160];
    } xplan;
    /* The lab's "native_iters" (labs/PROTOCOL.md): --iters for the native
     * runs of the matrix, or 0 (the lab's own default). */
    unsigned long native_iters;
};

struct det_options {
    bool use[DET_NDET];
    bool detectors_given;
    unsigned trials;       /* native trials */
    double timeout_s;
    unsigned jobs;
    unsigned long tsan_iters, vg_iters;
    bool quiet;
    bool plot_workers;     /* also run 1, 2, 4 workers natively (report) */
    /* check: which exit statuses of the program pass */
    bool no_exit_check;
    bool exit_ok_given;
    unsigned char exit_ok[32];   /* a bit per status 0..255 */
    unsigned until_race;         /* check: rounds until the first race, at most this */
    unsigned clean_runs;         /* check: rounds that must all be clean */
    const char *sarif, *junit, *markdown;   /* check: files to write, or NULL */
    const char *run_cmd;         /* check --run: a whole command, or NULL */
    const char *suppressions;    /* check: a TSan suppressions file with reasons, or NULL */
    bool explore;                /* run: the explore column (racelab explore per cell);
                                  * check: the explorer as one more detector */
};

struct det_matrix {
    struct det_lab *labs;
    size_t nlabs;
    struct det_cell *cells;
    size_t ncells;
    double wall_s;
    char bindir[4096];
};

/* The explore column's word for a cell: "found", "clean", "budget",
 * "refused", "error" or "-" (not run). */
const char *det_explored_word(const struct det_explored *e);
/* A cell's "explore_*" and "weak_memory" (labs/PROTOCOL.md) into c->xplan. */
void det_explore_plan_from_json(struct det_cell *c, json_t *o);
int det_discover(struct det_matrix *m, const char *self);
/* Only lab |name|'s cells (racelab explore LAB/VARIANT): 0, 2 on an error
 * (said), 3 when there is no lab-NAME. */
int det_discover_lab(struct det_matrix *m, const char *self, const char *name);
/* The last non-empty line of |s| (a program's own hint or error) into out. */
void det_last_line(const char *s, char *out, size_t cap);
int det_select(struct det_matrix *m, char **patterns, int npatterns);
int det_matrix_run(struct det_matrix *m, const struct det_options *o);
void det_matrix_free(struct det_matrix *m);
size_t det_problems(const struct det_matrix *m);

/* ---- det_out.c -------------------------------------------------------- */

enum det_format { DET_FMT_TABLE, DET_FMT_JSON, DET_FMT_CSV, DET_FMT_MD };
json_t *det_cell_json(const struct det_cell *c);
void det_write(FILE *f, const struct det_matrix *m, enum det_format fmt, bool color);
int det_write_junit(const char *path, const struct det_matrix *m);
int det_write_report(const char *dir, const struct det_matrix *m);
bool det_use_color(FILE *f);

/* ---- det_policy.c ----------------------------------------------------- */

enum det_class { DET_CL_RACE, DET_CL_DISPUTED, DET_CL_HINT, DET_NCLASS };

/* What check knows of the program when it judges a report. */
struct det_facts {
    bool tsan_could;        /* TSan ran to its end on this program and is not blind here */
    bool tsan_racy;         /* and reported a data race */
    char unmodelled[256];   /* orderings valgrind does not model, "" when none */
    bool openmp;            /* the program runs on an OpenMP runtime TSan does not instrument */
    struct det_supp *supp;  /* check --suppressions, or NULL */
};

/* One detector's reports, sorted by class: counts, the first of each and why. */
struct det_judged {
    unsigned total;         /* reports, not counting the suppressed ones */
    unsigned suppressed;
    unsigned n[DET_NCLASS];
    struct det_one first[DET_NCLASS];
    char why[DET_NCLASS][300];
};

#define DET_POLICY_MAX 256
/* NULL if |kind| is a data-race report of |d|, else why it is not one. */
const char *det_policy_hint(enum det_detector d, const char *kind);
enum det_class det_policy_class(enum det_detector d, const struct det_one *one,
                                const struct det_facts *f, char *why, size_t cap);
void det_policy_where(const struct det_one *one, char *out, size_t cap);
void det_policy_judge(enum det_detector d, const char *err, const struct det_facts *f,
                      struct det_judged *j);
void det_policy_print(FILE *f, const char *name, const struct det_judged *j);

/* ---- det_report.c: what one check found, as SARIF, JUnit, Markdown ---- */

/* One class of one detector's reports: its first report and count. */
struct det_finding {
    enum det_detector d;
    enum det_class c;
    struct det_one one;
    unsigned count;
    char why[300];
};

#define DET_MAX_FINDINGS 64
struct det_outcome {
    const char *target;      /* as given */
    int status;              /* 0 clean, 1 not */
    char verdict[1600];      /* the verdict line, without "verdict: " */
    struct det_finding f[DET_MAX_FINDINGS];
    size_t nf;
    unsigned seen, rounds;   /* rounds that were not clean, rounds run */
    double wall_s;
};

struct det_outputs {
    const char *sarif, *junit, *markdown;   /* paths, NULL when not asked for */
};

/* A frame's file and line ("" and 0 when it has none). */
void det_frame_where(const char *frame, char *file, size_t cap, unsigned *line);
/* The lead frame of |one| (the first when none is the user's), or "". */
const char *det_lead_frame(const struct det_one *one);
/* "kind|function" of the lead frame, hashed: the same race, the same key. */
void det_fingerprint(const struct det_one *one, char *hex, size_t cap);
/* Refuses (one line, exit 2) a path that cannot be written, before a run. */
void det_outputs_probe(const struct det_outputs *w);
/* Writes each asked-for file (to a temporary beside it, then renamed). */
int det_outputs_write(const struct det_outputs *w, const struct det_outcome *oc);

/* ---- det_supp.c: check --suppressions FILE ------------------------------ */

/* One entry of a TSan suppressions file, with the reason line above it. */
struct det_supp_entry {
    char type[24], pattern[256], reason[256];
    unsigned line;
    bool valgrind;             /* applies to Helgrind and DRD too (race, race_top) */
    bool translated;           /* a function name: a valgrind suppression of its own */
    unsigned used[DET_NDET];   /* reports it suppressed, per detector */
};

struct det_supp {
    const char *path;          /* as given */
    char abs[4096];
    struct det_supp_entry *e;
    size_t n;
    char dir[4096], vg_file[4096 + 16], vg_arg[4096 + 32];   /* the valgrind translation */
};

/* Reads and validates the file: an entry without its "# reason:" line, an
 * unknown type, an empty pattern or no entry at all is refused (exit 2). */
void det_supp_load(const char *path, struct det_supp *s);
/* "TSAN_OPTIONS=..." for a TSan run, with the file when |s| has entries. */
void det_supp_tsan_env(const struct det_supp *s, char *out, size_t cap);
/* Writes the valgrind suppressions (vg_arg then holds the option); false
 * when no entry translates. */
bool det_supp_valgrind(struct det_supp *s);
/* Counts the entries a run used, from its stderr (TSan or valgrind -s). */
void det_supp_tally(struct det_supp *s, enum det_detector d, const char *err);
/* A valgrind report one of the race entries suppresses (counted as used). */
bool det_supp_match(struct det_supp *s, enum det_detector d, const struct det_one *one);
void det_supp_print(FILE *f, const struct det_supp *s);
/* Zeroes the used counts (a new round). */
void det_supp_reset(struct det_supp *s);
void det_supp_clean(struct det_supp *s);

/* ---- det_check_xp.c: the explorer as a detector of check ------------------ */

struct det_xp {
    struct det_proc proc;
    char *argv[80];
    char self[4096];
    bool planned;
};

/* What the explorer said: verdict "" when it did not judge (skip says why). */
struct det_xp_result {
    char verdict[24], end[64], schedule[512], replay[700];
    char skip[300];
    bool race, exhausted;
    char race_text[700];
    unsigned long runs;
};

/* Plans `racelab explore --json` on |src| (|kind| from det_source_kind);
 * NULL when planned, else why the explorer does not run. */
const char *det_xp_plan(struct det_xp *x, const char *src, int kind, char **args, int nargs,
                        double timeout_s);
void det_xp_read(const struct det_xp *x, struct det_xp_result *r);
/* Replays a failure's or deadlock's prefix: true if it ends the same way. */
bool det_xp_confirm(const struct det_xp *x, const struct det_xp_result *r);

/* ---- det_run.c: check --run 'COMMAND' ---------------------------------- */

int det_check_run(const char *cmd, const struct det_options *o);
int det_run_verdict(struct det_outcome *oc, const struct det_proc *p,
                    const struct det_options *o);

/* ---- det_doctor.c ----------------------------------------------------- */

/* What the machine offers, from the doctor's quick checks. */
struct det_env {
    bool have_clang, have_valgrind, have_symbolizer, have_setarch;
    int mmap_rnd_bits;      /* -1 when unknown */
    bool aslr_off;          /* TSan runs need ASLR off (bits > 30) and may turn it off */
    char setarch[4096];
};
int det_mmap_rnd_bits(void);
bool det_aslr_can_disable(void);
void det_doctor_env(struct det_env *e);
/* racelab doctor: every check with its fix; 0 all ok, 1 a problem. */
int det_doctor(void);

/* ---- det_check.c ------------------------------------------------------ */

/* argv: the target (a program, or a .c/.cc/.cpp/.cxx source) and what
 * follows it: [-- CFLAGS...] [-- | --args] ARGS... */
int det_check(int argc, char **argv, const struct det_options *o);
/* 1 for a C source name, 2 for C++, 0 otherwise. */
int det_source_kind(const char *path);
/* TSan's compiler for a source of |kind| (clang or clang++, "" when
 * missing) and the native one (the same, else cc or c++); false if none. */
bool det_compilers(int kind, char *tsan_cc, char *native_cc, size_t cap);

/* A compiler's first error line (racelab explore reports the same line). */
void det_compiler_first_error(const char *err, char *out, size_t cap);

/* ---- explore/explore.c (racelab explore) ------------------------------- */

int det_explore(int argc, char **argv);
/* racelab exercise (det_exercise.c) */
int det_exercise(int argc, char **argv);

/* ---- shared helpers (racelab.c) --------------------------------------- */

extern const char *det_prog;
void det_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
char *det_strdup(const char *s);
void *det_xmalloc(size_t n);

/* ---- det_proc.c: the pool's order ------------------------------------- */

/* Orders |procs| longest-first by |cost| (cost[i] is procs[i]'s expected
 * seconds; equal costs keep their order), so that det_pool_run's tail is
 * short runs, not one long one (LPT scheduling). |cost| is reordered with
 * them. */
void det_pool_order(struct det_proc **procs, double *cost, size_t n);

#endif
