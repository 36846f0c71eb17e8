/* util/time.h - the monotonic clock and human-readable durations.
 *
 * CONTRACT
 *   util_now_ns is CLOCK_MONOTONIC in nanoseconds (not affected by clock
 *   changes; its zero is arbitrary, so only differences mean anything).
 *   Thread-safe. */
#ifndef RACELAB_UTIL_TIME_H
#define RACELAB_UTIL_TIME_H

#include <stddef.h>
#include <stdint.h>

uint64_t util_now_ns(void);

/* ns as text with 3 significant digits and a unit: "950 ns", "12.3 us",
 * "4.56 ms", "7.89 s" (from 1000 s on: "1234 s"); negative values keep their
 * sign, a non-finite value is "n/a". Returns buf. */
const char *util_fmt_ns(char *buf, size_t n, double ns);

#endif
