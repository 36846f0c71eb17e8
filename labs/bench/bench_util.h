/* labs/bench/bench_util.h - what the bench programs share: timing, medians,
 * the machine a result was measured on, strict option parsing, a progress
 * line, one measurement point in a child process with a time budget (DNF
 * instead of a hang), and SVG charts written by hand (no dependency).
 *
 * CONTRACT
 *   Self-contained: libc only (no lab runtime, no sync library), so any
 *   bench-* program can link it. Every function is called from the main
 *   thread of a bench program; none is thread-safe and none needs to be.
 *   Errors come back as an errno value or -1 with a one-line reason in the
 *   caller's buffer; nothing here prints except the functions named print
 *   or progress.
 *
 * Budgeted points (bench_run_budget): the point runs in a forked child. A
 * point that does not report within the budget is ended (SIGTERM, then
 * SIGKILL after a grace period) and reported as BENCH_DNF, so one
 * catastrophe (a FIFO spin lock at 8 workers on 2 cores) costs the sweep
 * a few seconds, not the run. Call it only while the process has a single
 * thread (fork). */
#ifndef RACELAB_BENCH_UTIL_H
#define RACELAB_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- time and statistics ------------------------------------------------ */

uint64_t bench_now_ns(void);   /* CLOCK_MONOTONIC */

/* Sorts v[0..n) ascending and returns its median (n >= 1). After the call
 * v[0] is the minimum and v[n-1] the maximum. */
double bench_median(double *v, unsigned n);

/* ---- the machine -------------------------------------------------------- */

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

/* The first two CPUs this process may run on, for same-core / cross-core
 * placement. Returns how many there are (0 if the affinity mask cannot be
 * read, else 1 or 2); with one, cpus[1] = cpus[0]. */
unsigned bench_cpu_pair(int cpus[2]);

enum bench_format { BENCH_HUMAN, BENCH_JSON, BENCH_CSV };

/* Human: two lines "machine: ..." / "build: ...". JSON: one object with
 * "kind":"machine" and the fields above plus "program". CSV: the same as
 * "# key: value" comment lines before the header. */
void bench_machine_print(FILE *f, const struct bench_machine *m, const char *program,
                         enum bench_format fmt);

/* s as a JSON string literal, quotes included. */
void bench_json_string(FILE *f, const char *s);

/* ---- options ------------------------------------------------------------ */

/* A whole decimal number in [min, max], digits only. */
bool bench_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A decimal number of seconds in [min, max] ("2", "0.5"). */
bool bench_parse_seconds(const char *s, double min, double max, double *out);

/* Prints "<prog>: <msg>[: <arg>] (try --help)" on stderr; returns 2. */
int bench_usage_error(const char *prog, const char *msg, const char *arg);

/* Makes sure |dir| is a directory we can write into, creating it (one
 * level) if missing: 0, or an errno value with a reason in err. */
int bench_plot_dir(const char *dir, char *err, size_t errlen);

/* ---- progress (stderr, only when it is a terminal) ---------------------- */

bool bench_progress_wanted(void);
void bench_progress(bool on, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bench_progress_clear(bool on);

/* ---- one point in a child process with a budget ------------------------- */

enum bench_status { BENCH_OK, BENCH_DNF, BENCH_FAILED };

/* What the child runs: fill |out| (outsize bytes, zeroed) and return 0, or
 * return non-zero with a one-line reason in err. */
typedef int (*bench_point_fn)(void *arg, void *out, size_t outsize, char *err, size_t errlen);

/* Runs fn in a forked child, waits at most budget_s seconds for its report,
 * and copies the child's |out| back. BENCH_FAILED comes with a reason in
 * err (the child's own, or how it died). */
enum bench_status bench_run_budget(double budget_s, bench_point_fn fn, void *arg, void *out,
                                   size_t outsize, char *err, size_t errlen);

/* ---- SVG charts ---------------------------------------------------------- */

/* One line of a line chart: y[i] for x[i]; a NAN (or <= 0) y is a gap. */
struct bench_series {
    const char *name;
    const double *y;
};

/* Line chart with a log-scale y axis and a log2 x axis (x > 0). Values are
 * labelled as times (ns, us, ms) when the value axis's label starts with
 * "ns", as plain numbers otherwise; the same holds for bars. */
int bench_svg_lines(const char *path, const char *title, const char *xlabel,
                    const char *ylabel, const double *x, unsigned nx,
                    const struct bench_series *s, unsigned ns, char *err, size_t errlen);

/* One bar: value with its spread (lo..hi drawn as a whisker; 0 = none). */
struct bench_bar {
    const char *label;
    double value, lo, hi;
};

/* Horizontal bar chart, log-scale value axis (values > 0). */
int bench_svg_bars(const char *path, const char *title, const char *xlabel,
                   const struct bench_bar *b, unsigned n, char *err, size_t errlen);

#endif
