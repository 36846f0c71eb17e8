/* detectors/explore/explore.h - racelab explore: the harness side of the
 * explorer (building the program, running the driver, rendering its result).
 * The runtime linked into the program is xrt.h; the two agree on
 * xrt_proto.h only. */
#ifndef RACELAB_EXPLORE_H
#define RACELAB_EXPLORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xrt_proto.h"

/* ---- explore_elf.c: symbols of an ELF64 file --------------------------- */

struct xp_sym {
    char *name;
    uint64_t value, size;
    unsigned char type, bind;    /* STT_*, STB_* */
    bool undef;
};

/* Every symbol of |path|'s .symtab (objects, functions, TLS, undefined);
 * -1 when it is no ELF64 file or has none. *out is malloc'd. */
int xp_symbols(const char *path, struct xp_sym **out, size_t *n);
void xp_symbols_free(struct xp_sym *s, size_t n);
/* The data object containing |addr|: "counter", "arr+8"; false if none. */
bool xp_name_of(const struct xp_sym *s, size_t n, uint64_t addr, char *out, size_t cap);

/* ---- explore.c ----------------------------------------------------------- */

struct xp_step {
    unsigned tid, op, size, known;
    uint64_t addr, value, pc;
    char var[80], src[96], note[96];
};

struct xp_blocked {
    unsigned tid, op;
    int owner;
    uint64_t addr;
    char held[200];              /* the driver's hex list, "-" for none */
    char want[80];               /* what it waits for, by name */
    char held_names[240];        /* the locks it holds, by name, or "" */
};

/* The driver's result file, parsed (xrt_proto.h), and what racelab adds. */
struct xp_result {
    unsigned long long runs, execs, points, failures;
    double wall_ns;
    int exhausted, bound;
    long rss_driver_kb, rss_run_kb;
    char stop[32], verdict[32], end[64], output[240], message[240];
    unsigned preemptions;
    char *schedule;              /* run-length: "1,2*2,1,0*2" */
    char *prefix;                /* the shortest prefix that replays it, "" none */
    struct xp_step *steps;
    size_t nsteps;
    struct xp_blocked blocked[XRT_MAX_THREADS];
    size_t nblocked;
    /* the first data race seen (a race line) */
    bool have_race;
    unsigned rtid[2], rop[2], rsize;
    uint64_t rpc[2], raddr;
    char rvar[80], rsrc[2][96];
    char *race_schedule;         /* run-length */
    /* shrinking: adjacent independent steps swapped, replays run (a shrink line) */
    unsigned shrink_swaps, shrink_replays, shrink_dropped;   /* ... preemptions dropped */
    /* memory: the longest run's steps and the driver's bytes per step (a memory line) */
    unsigned long long mem_steps, mem_step_bytes;
    /* heap blocks of the failing run (alloc lines), with their allocation site */
    struct xp_alloc { uint64_t addr, size, pc; char src[96]; } *allocs;
    size_t nallocs;
};

struct xp_options {
    int strategy, bound;         /* bound -1: every schedule */
    uint64_t max_runs, max_steps, seed;
    uint64_t depth;              /* pct: the bug depth (d - 1 priority change points) */
    double max_seconds;
    bool all, json, mermaid;
    const char *replay;          /* the schedule as given */
    const char *svg;             /* --svg FILE */
    const char *target;
    bool tty;                    /* --tty (explore_tty.c) */
    bool outcomes;               /* --outcomes (explore_outcome.c) */
    unsigned workers;            /* lab targets: --workers (0: the lab's default) */
    uint64_t iters;              /* lab targets: --iters (0: 2) */
    /* Which of the options a lab's list may size were given on the command
     * line: the others take the lab's sizes (xp_lab_default). */
    struct { bool strategy, bound, workers, iters; } given;
};

/* The run's temporary files: the program (for a lab target a symbolic link
 * to its explore flavour), its object, the driver's result. */
struct xp_build {
    char dir[PATH_MAX], obj[PATH_MAX + 16], prog[PATH_MAX + 16], out[PATH_MAX + 16];
};

/* Compiles and links |target| into b (exit 2 with one line when it cannot). */
void xp_compile(const char *target, struct xp_build *b);
/* Runs the driver with o's search (or o->replay); its result is b->out. */
void xp_drive(const struct xp_options *o, struct xp_build *b, int argc, char **argv);
void xp_parse(const char *path, struct xp_result *r);
/* Names the variables and source lines of r's steps, races and deadlock. */
void xp_symbolize(const char *prog, struct xp_result *r);
void xp_build_clean(struct xp_build *b);

/* ---- explore_target.c: LAB/VARIANT (notes/explorer.md "Lab targets") ---- */

/* Whether |target| names a lab variant ("counter/racy") rather than a file. */
bool xp_is_lab_target(const char *target);
/* Finds o->target's cell and explore flavour (one line and exit 2 when
 * there is none, with what exists or why it is refused), sets |b| up to run
 * it and returns the driver's argv (argv[0] a placeholder; *argc entries). */
char **xp_lab_target(struct xp_options *o, struct xp_build *b, char **pos, int npos,
                     int *argc);
/* One of the cell's explore sizes (labs/PROTOCOL.md: "--strategy", "--iters",
 * "--workers", "--preemptions" or "--max-runs", with its value, as the
 * harness passes them) into |o|, unless the user gave that option. The lab's
 * --max-runs is the matrix's budget, not a user's: the explorer keeps its own. */
void xp_lab_default(struct xp_options *o, const char *opt, const char *val);

/* ---- explore_out.c ------------------------------------------------------- */

/* A result-file line that explore.c does not read itself (|v|: after the
 * keyword): shrink, memory. */
void xp_result_line(struct xp_result *r, const char *line, const char *v);
void xp_notes(struct xp_result *r);
void xp_print_human(const struct xp_options *o, const struct xp_result *r);
void xp_print_json(const struct xp_options *o, const struct xp_result *r);
void xp_print_mermaid(const struct xp_result *r);
/* 0, or -1 (errno set) when |path| cannot be written. */
int xp_write_svg(const char *path, const struct xp_result *r);
/* 0 pass, 1 a failure or deadlock, 2 anything else. */
int xp_exit_code(const struct xp_result *r);

/* ---- explore_outcome.c: --outcomes -------------------------------------- */

/* Takes a result-file line that is an outcome (true) or leaves it (false). */
bool xp_outcome_line(char *line);
void xp_outcomes_print(bool json);
void xp_outcomes_free(void);

#endif
