/* util/src/time.c - see util/time.h. */
#include "util/time.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

uint64_t util_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *util_fmt_ns(char *buf, size_t n, double ns)
{
    if (!isfinite(ns)) {
        snprintf(buf, n, "n/a");
        return buf;
    }
    const char *sign = ns < 0 ? "-" : "";
    double a = fabs(ns);
    if (a < 99.95) {
        snprintf(buf, n, "%s%.3g ns", sign, a);
        return buf;
    }
    /* The thresholds sit where 3 significant digits round up to 1000 of the
     * unit, so 999.7 ns is "1.00 us", never "1000 ns". */
    const char *unit = "ns";
    double v = a;
    if (a >= 999.5e6) {
        unit = "s";
        v = a / 1e9;
    } else if (a >= 999.5e3) {
        unit = "ms";
        v = a / 1e6;
    } else if (a >= 999.5) {
        unit = "us";
        v = a / 1e3;
    }
    int decimals = v >= 99.95 ? 0 : v >= 9.995 ? 1 : 2;
    snprintf(buf, n, "%s%.*f %s", sign, decimals, v, unit);
    return buf;
}
