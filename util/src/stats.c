/* util/src/stats.c - see util/stats.h. */
#include "util/stats.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x) || isnan(y))
        return isnan(x) - isnan(y);   /* NaNs last */
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

double util_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double util_percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    if (!(p > 0))
        p = 0;   /* also NaN */
    if (p > 100)
        p = 100;
    double rank = p / 100 * (double)(n - 1);
    size_t lo = (size_t)floor(rank);
    if (lo + 1 >= n)
        return v[n - 1];
    double frac = rank - (double)lo;
    return frac == 0 ? v[lo] : v[lo] + (v[lo + 1] - v[lo]) * frac;
}

uint64_t util_median_u64(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    if (n % 2)
        return v[n / 2];
    uint64_t a = v[n / 2 - 1], b = v[n / 2];
    return a + (b - a) / 2;   /* a <= b: no overflow */
}
