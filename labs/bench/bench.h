/* labs/bench/bench.h - the one bench driver: rows x points x interleaved
 * rounds, each point in a budgeted child process, cell statistics, the
 * machine record, and one emitter for tables, JSON Lines, CSV and SVG.
 *
 * A bench program supplies its rows (whatever it measures: a lock, a queue,
 * a switch mechanism), its points (worker counts, producer x consumer
 * configurations, or a single one) and a point function that measures one
 * row at one point once and returns one number. The driver runs every
 * point once per round, round after round (A B C A B C, not A A B B C C,
 * so a slow spell of a shared machine hits every row alike), each in a
 * forked child with a time budget (util/spawn.h), and keeps per cell the
 * value of every round, their median, minimum, maximum and spread.
 *
 * CONTRACT
 *   Everything here runs on the main thread of a bench program. The sweep
 *   forks: call it while the process has a single thread (a hook may start
 *   threads if it joins them before it returns). The point function runs
 *   in the child, which inherits stdout and stderr and should print
 *   nothing; its result travels back through a MAP_SHARED page. The hooks
 *   (.runs, .round_start, .got, .name) run in the parent.
 *   A point that does not finish within .budget_s is ended (its process
 *   group: SIGTERM, then SIGKILL) and its cell is DNF; a point that fails
 *   (non-zero return, a signal) makes its cell FAILED with the reason, said
 *   once on stderr. Either way the cell is not run again in later rounds
 *   and the sweep goes on.
 *
 * Output: bench_emit() writes one record as a JSON object ("kind" first,
 * then the fields in order) or as a CSV line (the fields matched to the
 * header's columns by name, missing ones empty, so every line has the
 * header's width); bench_table_*() print aligned human columns; the plot
 * helpers chart cell medians through util/svg.h. */
#ifndef RACELAB_BENCH_H
#define RACELAB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sync/atomic.h"
#include "util/opt.h"

#define BENCH_MAX_ROUNDS 100
#define BENCH_EXTRA 512   /* bytes a point may hand back beside its value */

enum bench_format { BENCH_HUMAN, BENCH_JSON, BENCH_CSV };
enum bench_status { BENCH_OK, BENCH_DNF, BENCH_FAILED };

/* What one point hands back from its child process. */
struct bench_sample {
    double value;                         /* the cell's measure: ns/op, Mmsg/s ... */
    unsigned char extra[BENCH_EXTRA];     /* the bench's own figures (rusage, fairness) */
};

struct bench_cell {
    enum bench_status status;
    char why[256];                        /* DNF or FAILED: the reason */
    unsigned runs;                        /* rounds that gave a value */
    double round[BENCH_MAX_ROUNDS];       /* value per round, NAN where not run */
    double med, min, max, spread;         /* of the runs; NAN without runs */
};

struct bench_sweep {
    /* in */
    const char *prog;
    unsigned nrows, npoints, rounds;
    double budget_s;                      /* per point */
    void *ctx;                            /* handed to every callback */
    /* In the child: measure |row| at |point| once into out->value (and
     * out->extra); 0, or non-zero with a one-line reason in err. */
    int (*point)(void *ctx, unsigned row, unsigned point, struct bench_sample *out,
                 char *err, size_t errlen);
    /* Optional. Whether the cell is measured at all (default: every one). */
    bool (*runs)(void *ctx, unsigned row, unsigned point);
    /* Optional, in the parent before each round (e.g. physical limits). */
    void (*round_start)(void *ctx, unsigned round);
    /* Optional, in the parent after each successful point. */
    void (*got)(void *ctx, unsigned row, unsigned point, unsigned round,
                const struct bench_sample *s);
    /* Optional. The cell's name in progress lines and failure messages
     * (default "row R, point P"). */
    const char *(*name)(void *ctx, unsigned row, unsigned point, char *buf, size_t n);
    /* out */
    struct bench_cell *cells;             /* nrows x npoints, row-major; bench_sweep_free */
    double elapsed_s;
    bool any_failed;
};

/* Runs the sweep: 0, or an errno value (out of memory) with a message on
 * stderr. */
int bench_sweep_run(struct bench_sweep *s);
struct bench_cell *bench_cell(const struct bench_sweep *s, unsigned row, unsigned point);
void bench_sweep_free(struct bench_sweep *s);

/* Median, min, max and spread of v[0..n) into the cell fields (sorts a copy). */
void bench_stats(const double *v, unsigned n, double *med, double *min, double *max,
                 double *spread);

/* ---- the start gate of a point's threads ----------------------------------------- */

/* The threads of one measurement set up, then wait at the gate; the point
 * opens it once all are there and takes the time: no thread creation in
 * the measured interval. */
struct bench_gate {
    sync_atomic_u32 ready;   /* threads at the gate */
    sync_atomic_u32 go;      /* 0 until opened */
};

/* A thread: count in and wait for the opening. */
void bench_gate_wait(struct bench_gate *g);
/* The point: wait until n threads are at the gate, open it; returns the
 * time of the opening (util_now_ns). */
uint64_t bench_gate_open(struct bench_gate *g, unsigned n);

/* ---- the machine ------------------------------------------------------------ */

struct bench_machine {
    char cpu[128];        /* /proc/cpuinfo "model name", or "unknown" */
    unsigned cpus;        /* online CPUs */
    unsigned allowed;     /* CPUs this process may run on */
    char kernel[200];     /* uname: sysname release machine */
    char compiler[128];   /* compiler id and version */
    char flags[256];      /* the build's C flags, build type and sanitizer */
    double load1;         /* 1-minute load average at the start (noise), or -1 */
};

void bench_machine_get(struct bench_machine *m);

/* Human: two lines "machine: ..." / "build: ...". JSON: one object with
 * "kind":"machine" and the fields above plus "program". CSV: the same as
 * "# key: value" comment lines before the header. */
void bench_machine_print(FILE *f, const struct bench_machine *m, const char *program,
                         enum bench_format fmt);

/* ---- records: JSON Lines and CSV -------------------------------------------- */

struct bench_field {
    const char *key;
    char type;            /* 's' string, 'n' number (null/empty when not finite),
                           * 'u' unsigned, 'b' bool, 'r' raw JSON text, 0 omitted */
    int prec;             /* 'n': digits after the point */
    const char *s;
    double d;
    uint64_t u;
    bool b;
};

#define BF_S(k, v) ((struct bench_field){ .key = (k), .type = 's', .s = (v) })
#define BF_N(k, v) ((struct bench_field){ .key = (k), .type = 'n', .prec = 3, .d = (v) })
#define BF_NP(k, v, p) ((struct bench_field){ .key = (k), .type = 'n', .prec = (p), .d = (v) })
#define BF_U(k, v) ((struct bench_field){ .key = (k), .type = 'u', .u = (v) })
#define BF_B(k, v) ((struct bench_field){ .key = (k), .type = 'b', .b = (v) })
#define BF_RAW(k, v) ((struct bench_field){ .key = (k), .type = 'r', .s = (v) })
#define BF_IF(cond, f) ((cond) ? (f) : (struct bench_field){ .key = NULL })

/* One record: JSON, {"kind":KIND, fields...}; CSV, one line with a value
 * for each of csv_cols (NULL-terminated; the column "kind" takes KIND);
 * human: nothing. */
void bench_emit(FILE *f, enum bench_format fmt, const char *const *csv_cols,
                const char *kind, const struct bench_field *fv, size_t n);
#define BENCH_EMIT(f, fmt, cols, kind, ...)                                                 \
    bench_emit((f), (fmt), (cols), (kind), (const struct bench_field[]){ __VA_ARGS__ },  \
               sizeof((const struct bench_field[]){ __VA_ARGS__ }) / sizeof(struct bench_field))

/* The CSV header line: the columns joined by commas. */
void bench_csv_header(FILE *f, const char *const *csv_cols);

/* ---- human tables -------------------------------------------------------------- */

struct bench_col {
    const char *head;
    int width;            /* > 0 right-aligned, < 0 left-aligned, 0 as wide as it is */
    unsigned gap;         /* spaces before the column (0: one) */
};

/* "  " then each column; the header row, then rows of cell strings, each
 * followed by |tail| (NULL: nothing) and a newline. */
void bench_table_head(FILE *f, const struct bench_col *c, size_t n);
void bench_table_row(FILE *f, const struct bench_col *c, size_t n, const char *const *cells,
                     const char *tail);

/* ---- options shared by every bench ------------------------------------------- */

struct bench_common {
    bool json, csv, quick;
    const char *plot;     /* --plot DIR, or NULL */
    enum bench_format fmt;
};

/* util_opt entries for --json, --csv, --quick and --plot DIR (4 entries). */
#define BENCH_COMMON_OPTS(c, quick_help, plot_help)                                         \
    { .name = "json", .kind = UTIL_OPT_FLAG, .dest = &(c)->json,                            \
      .help = "JSON Lines on stdout instead of tables" },                                   \
    { .name = "csv", .kind = UTIL_OPT_FLAG, .dest = &(c)->csv,                              \
      .help = "CSV on stdout instead of tables" },                                          \
    { .name = "quick", .kind = UTIL_OPT_FLAG, .dest = &(c)->quick, .help = (quick_help) },  \
    { .name = "plot", .kind = UTIL_OPT_STRING, .dest = &(c)->plot, .arg = "DIR",            \
      .help = (plot_help) }

/* util_opt entries for --reps N (interleaved rounds, into unsigned *reps, at
 * most reps_max; *reps_seen set when given) and --budget SECONDS (double
 * *budget_s), their defaults as the strings the help names (2 entries). */
#define BENCH_ROUND_OPTS(reps, reps_seen, reps_max, reps_default, budget_s, budget_default)  \
    { .name = "reps", .kind = UTIL_OPT_UINT, .dest = (reps), .arg = "N",                     \
      .help = "interleaved rounds, cells are medians (default " reps_default ")", .min = 1,  \
      .max = (reps_max), .seen = (reps_seen) },                                              \
    { .name = "budget", .kind = UTIL_OPT_DOUBLE, .dest = (budget_s), .arg = "SECONDS",       \
      .help = "a point still running after this is DNF (default " budget_default ")",        \
      .min = 0.1, .max = 600 }

/* Parses argv with the table: -1 to go on, else the exit status (0 after
 * --help, 2 after a one-line error on stderr). Checks --json against --csv, sets
 * c->fmt, and makes sure the --plot directory exists (creating one level). */
int bench_parse(const struct util_cmdline *cl, int argc, char **argv, struct bench_common *c);

/* ---- charts (util/svg.h) ---------------------------------------------------------- */

/* A line per row (those |pick| accepts; NULL: all) of the cell medians at
 * x[point]; a cell without a median is a gap. 0 (written), -1 (nothing to
 * plot, no file) or an errno value after a line on stderr. */
int bench_plot_lines(const struct bench_sweep *s, const char *path, const char *title,
                     const char *xlabel, const char *ylabel, const double *x,
                     const char *const *names, bool (*pick)(void *ctx, unsigned row));

/* The chart the per-operation benches draw: ns/op (log scale) against
 * workers (x[point]), a line per row |pick| accepts (NULL: all). 1 after an
 * error (already said), else 0; says "wrote PATH" as bench_plot_done. */
int bench_plot_ns_workers(const struct bench_sweep *s, const char *path, const char *title,
                          const double *x, const char *const *names,
                          bool (*pick)(void *ctx, unsigned row), enum bench_format fmt);

/* The first line of a per-operation bench's human output:
 * "PROG: ns/op (lower is better), median of N interleaved rounds, ITERS UNIT per worker"
 * and the --quick warning. */
void bench_print_title(const char *prog, unsigned rounds, uint64_t iters, const char *unit,
                       bool quick);

/* What a bench does with a bench_plot_* result for |path|: says "wrote PATH"
 * in the human format; 1 after an error (already said), else 0. */
int bench_plot_done(int rc, const char *path, enum bench_format fmt);

/* The output stage of a sweep, in the order every bench that has all three
 * prints them: the records (--json or --csv), the charts (with --plot), the
 * tables for people (the human format). Any hook may be NULL. 1 when the
 * charts failed, else 0. */
struct bench_outputs {
    void (*records)(enum bench_format fmt);
    int (*plot)(void);
    void (*tables)(void);
};
int bench_outputs_write(const struct bench_outputs *o, enum bench_format fmt, bool plot);

/* A bar per row at |point|: the median with a min-max whisker; returns as
 * bench_plot_lines. */
int bench_plot_bars(const struct bench_sweep *s, unsigned point, const char *path,
                    const char *title, const char *xlabel, const char *const *names);

/* ---- progress (stderr, only when it is a terminal) ---------------------------- */

void bench_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bench_progress_clear(void);

#endif
