/* detectors/explore/explore_tty.h - racelab explore PROG.c --tty: be the
 * scheduler. The program's threads wait at their next shared access or
 * pthread call; the learner picks who does the next step (keys 0-9), undoes
 * (u), resets (r), prints the schedule (s) or quits (q), and wins by
 * breaking the program's invariant (a failing exit status, an assert) or by
 * deadlocking its threads.
 *
 * Stateless, like the search: every key replays the schedule so far from
 * the start with the driver's --replay and stops at the next choice
 * (xrt_tty.h), where the runtime says where each thread is.
 *
 * RACELAB_TTY_TEST=1 ends every screen with a "[screen N]" line, so that a
 * test driving a pseudo-terminal can wait for the screen after its N-th key. */
#ifndef RACELAB_EXPLORE_TTY_H
#define RACELAB_EXPLORE_TTY_H

#include "explore.h"

/* Exits 2 with one line unless stdin is a terminal and no option that
 * prints a search's result (--json, --mermaid, --svg, --replay, --all,
 * --strategy) came with --tty. Call before building. */
void xp_tty_check(const struct xp_options *o);
/* The game on the built program; cleans |b| up. Exit status: 0 quit, 1 quit
 * after a win (the schedule breaks the program), 130 interrupted. */
int xp_tty(const struct xp_options *o, struct xp_build *b, int argc, char **argv);

#endif
