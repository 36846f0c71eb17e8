/* util/stats.h - the one median and percentile.
 *
 * CONTRACT
 *   Each function sorts its array ascending in place (so afterwards v[0] is
 *   the minimum and v[n-1] the maximum) and needs n >= 1. NaNs sort last.
 *   The median of an even count is the mean of the two middle values (for
 *   u64: their mean rounded down, computed without overflow). */
#ifndef RACELAB_UTIL_STATS_H
#define RACELAB_UTIL_STATS_H

#include <stddef.h>
#include <stdint.h>

double util_median(double *v, size_t n);

/* p in [0, 100] (clamped); linear interpolation between closest ranks:
 * rank p/100 * (n-1), so p 0 is the minimum, 50 the median, 100 the maximum. */
double util_percentile(double *v, size_t n, double p);

uint64_t util_median_u64(uint64_t *v, size_t n);

#endif
