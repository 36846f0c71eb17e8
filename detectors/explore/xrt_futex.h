/* detectors/explore/xrt_futex.h - the futex model's switch (xrt_futex.c). */
#ifndef RACELAB_XRT_FUTEX_H
#define RACELAB_XRT_FUTEX_H

#include <stdbool.h>

/* A futex wait with a timeout may time out at any point (true, the
 * default). A lab's explore flavour clears it: its timeouts are there for
 * the watchdog and the robust lock's owner polls, and under the explorer
 * they would only spin (labs/common/explore_main.c). */
extern bool xrt_futex_timeouts;

#endif
