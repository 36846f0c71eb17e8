/* detectors/explore/xrt_outcome.h - the driver's set of outcomes (racelab
 * explore --outcomes): the last line each counted run printed, distinct.
 *
 * Asked for with RACELAB_EXPLORE_OUTCOMES=1 in the driver's environment; the
 * result file (xrt_proto.h) then also has, once per distinct outcome,
 *   outcome RUNS SCHEDULE<TAB>END<TAB>TEXT
 * (RUNS: how many counted runs ended with it; SCHEDULE: the first such run's
 * threads by step, "-" when longer than the driver keeps; END: "" when the
 * run passed, else how it ended, "exit 1"; TEXT: its last line of output)
 * and "outcomes_more N" when N more runs ended with outcomes beyond the
 * XRT_MAX_OUTCOMES kept. */
#ifndef RACELAB_XRT_OUTCOME_H
#define RACELAB_XRT_OUTCOME_H

#include <stdbool.h>
#include <stdio.h>

#include "xrt_proto.h"

#define XRT_MAX_OUTCOMES 64

bool xrt_outcome_wanted(void);
/* One counted run that ended as |end| ("" passed) with |last| its last line. */
void xrt_outcome_note(const char *last, const char *end, const struct xrt_shm *sh);
void xrt_outcome_write(FILE *f);

#endif
