/* labs/reorder/out.h - lab-reorder's runs and what it prints: the
 * histograms for people, JSON Lines and the cell list for the harness
 * (labs/PROTOCOL.md). */
#ifndef RACELAB_REORDER_OUT_H
#define RACELAB_REORDER_OUT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "run.h"

struct reorder_opts {
    bool sel[REORDER_NTESTS][REORDER_NVARIANTS];   /* the cells to run */
    bool tests[REORDER_NTESTS];                     /* --test */
    uint64_t iters;
    unsigned trials;
    unsigned batch;
    double step_ns;
    unsigned workers;   /* 0: not given */
    bool json, list;
};

/* The signal that stopped the run, or 0. */
extern volatile sig_atomic_t reorder_out_signal;

/* --list (a table, or one JSON object per cell with --json). Returns 0. */
int reorder_out_list(const struct reorder_opts *o);

/* Runs the selected cells and prints them. Returns the exit status: 0, 1 (a
 * fixed variant showed a forbidden outcome, or a run failed), 128+N. */
int reorder_out_run(const struct reorder_opts *o);

#endif
