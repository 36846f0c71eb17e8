/* util/svg.h - the one SVG writer: line charts, horizontal bar charts and
 * share (strip) charts, written by hand (no dependency), one file each.
 *
 * CONTRACT
 *   Each function writes one complete standalone SVG file at path (white
 *   background, sans-serif, title on top) and returns 0; ENODATA when there
 *   is nothing to plot (no usable value: no file is written); otherwise an
 *   errno value with a one-line reason "PATH: why" in err. Every text (title,
 *   labels, names) is XML-escaped. Values that are NaN, infinite or <= 0 are
 *   not usable on a log axis: a gap in a line, "n/a" for a bar.
 *   Units: with UTIL_SVG_NS values are nanoseconds and labelled as times
 *   ("950 ns", "12.3 us", "4.56 ms"); UTIL_SVG_PLAIN prints numbers (%g);
 *   UTIL_SVG_PERCENT prints v * 100 with a % sign (shares).
 *   Colours come from one palette in order; series past the palette's end
 *   reuse it dashed. Thread-safe (no state). */
#ifndef RACELAB_UTIL_SVG_H
#define RACELAB_UTIL_SVG_H

#include <stdbool.h>
#include <stddef.h>

enum util_svg_units { UTIL_SVG_PLAIN, UTIL_SVG_NS, UTIL_SVG_PERCENT };

/* What every chart has. */
struct util_svg_chart {
    const char *title;
    const char *xlabel;          /* under the x axis, or NULL */
    const char *ylabel;          /* beside the y axis (rotated), or NULL */
    enum util_svg_units units;   /* of the value axis (y for lines, x for bars) */
};

/* One line of a line chart: y[i] for x[i]; an unusable y is a gap. */
struct util_svg_series {
    const char *name;            /* in the legend */
    const double *y;
    bool dashed;                 /* drawn dashed (e.g. a racy variant) */
};

/* Line chart: log10 value axis (decade grid), log2 x axis (x[i] > 0,
 * ascending; 1, 2, 4, 8 are evenly spaced), a tick and label at every x[i],
 * a dot on every usable point, a legend on the right. */
int util_svg_lines(const char *path, const struct util_svg_chart *c, const double *x,
                   size_t nx, const struct util_svg_series *s, size_t ns, char *err,
                   size_t errlen);

/* One bar: value with its spread (lo..hi drawn as a whisker; unusable: none). */
struct util_svg_bar {
    const char *label;
    double value, lo, hi;
};

/* Horizontal bar chart, one row per bar, log10 value axis, the value
 * written after each bar. */
int util_svg_bars(const char *path, const struct util_svg_chart *c, const struct util_svg_bar *b,
                  size_t n, char *err, size_t errlen);

/* One row of a share chart: v[0..n) in [0, 1] (clamped), one dot each. */
struct util_svg_strip {
    const char *label;
    const double *v;
    size_t n;
};

/* Share chart: one row per strip, a linear axis from 0% to 100% with a grid
 * line every 25%, a dot per value - red below 1, green at 1 (e.g. observed /
 * expected of racy runs: green means no update lost). units is ignored
 * (always percent). */
int util_svg_strips(const char *path, const struct util_svg_chart *c,
                    const struct util_svg_strip *rows, size_t n, char *err, size_t errlen);

#endif
