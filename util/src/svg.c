/* util/src/svg.c - see util/svg.h. The charts are written as text with
 * fprintf: a chart is a frame (svg_open/svg_close), a value axis (log10
 * decades or a linear share axis) and marks. */
#include "util/svg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/json.h"

static const char *const palette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
};
#define NPALETTE (sizeof palette / sizeof palette[0])

static bool usable(double v)
{
    return isfinite(v) && v > 0;
}

/* Decades covering [lo, hi] (0 < lo <= hi), at least one. */
static void decades(double lo, double hi, double *dlo, double *dhi)
{
    *dlo = floor(log10(lo));
    *dhi = ceil(log10(hi));
    if (*dhi <= *dlo)
        *dhi = *dlo + 1;
}

/* A tick or bar label in the chart's units. */
static void fmt_value(char *buf, size_t n, double v, enum util_svg_units u)
{
    if (u == UTIL_SVG_PERCENT)
        snprintf(buf, n, "%.3g%%", v * 100);
    else if (u == UTIL_SVG_PLAIN && v >= 1e4 && v < 1e9)
        snprintf(buf, n, "%.0f", v);   /* "25000", not "2.5e+04" */
    else if (u == UTIL_SVG_PLAIN)
        snprintf(buf, n, "%.4g", v);
    else if (v >= 1e9)
        snprintf(buf, n, "%.3g s", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, n, "%.3g ms", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, n, "%.3g us", v / 1e3);
    else
        snprintf(buf, n, "%.3g ns", v);
}

static int nothing(const char *path, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: nothing to plot", path);
    return ENODATA;
}

static FILE *svg_open(const char *path, int w, int h, const char *title, char *err,
                      size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
               "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">",
            w, h, w, h, w / 2);
    util_xml_text(f, title);
    fputs("</text>\n", f);
    return f;
}

static int svg_close(FILE *f, const char *path, char *err, size_t errlen)
{
    fputs("</svg>\n", f);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "%s: write failed", path);
        return EIO;
    }
    return 0;
}

/* <text x y [anchor] [transform]>s</text>, s escaped; nothing for NULL. */
static void text_at(FILE *f, double x, double y, const char *anchor, const char *s)
{
    if (s == NULL)
        return;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
    util_xml_text(f, s);
    fputs("</text>\n", f);
}

static void vertical_label(FILE *f, double x, double y, const char *s)
{
    if (s == NULL)
        return;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
               "transform=\"rotate(-90 %.1f %.1f)\">", x, y, x, y);
    util_xml_text(f, s);
    fputs("</text>\n", f);
}

/* ---- line charts ---------------------------------------------------------- */

struct frame {   /* the plot area and its axes */
    int L, T, PW, PH;
    double dlo, dhi;   /* value axis: decades */
    double lx0, lx1;   /* x axis: log2 range */
};

static double px(const struct frame *fr, double x)
{
    return fr->L + (log2(x) - fr->lx0) / (fr->lx1 - fr->lx0) * fr->PW;
}

static double py(const struct frame *fr, double v)
{
    return fr->T + fr->PH - (log10(v) - fr->dlo) / (fr->dhi - fr->dlo) * fr->PH;
}

/* The axes of a line chart from its data: false when nothing is usable. */
static bool lines_frame(struct frame *fr, const double *x, size_t nx,
                        const struct util_svg_series *s, size_t ns)
{
    double lo = INFINITY, hi = 0, xlo = INFINITY, xhi = 0;
    for (size_t i = 0; i < nx; i++) {
        xlo = fmin(xlo, x[i]);
        xhi = fmax(xhi, x[i]);
        for (size_t k = 0; k < ns; k++)
            if (usable(s[k].y[i])) {
                lo = fmin(lo, s[k].y[i]);
                hi = fmax(hi, s[k].y[i]);
            }
    }
    if (nx == 0 || !(hi > 0) || !(xlo > 0) || !isfinite(xhi))
        return false;
    *fr = (struct frame){ .L = 80, .T = 40, .PW = 560, .PH = 420 };
    decades(lo, hi, &fr->dlo, &fr->dhi);
    fr->lx0 = log2(xlo);
    fr->lx1 = log2(xhi);
    if (fr->lx1 <= fr->lx0)
        fr->lx1 = fr->lx0 + 1;
    return true;
}

/* Plot box, decade grid with labels, a tick per x, the axis labels. */
static void lines_axes(FILE *f, const struct frame *fr, const struct util_svg_chart *c,
                       const double *x, size_t nx)
{
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
               "stroke=\"#888\"/>\n", fr->L, fr->T, fr->PW, fr->PH);
    for (double d = fr->dlo; d <= fr->dhi; d++) {
        for (int m = 1; m < 10 && !(d == fr->dhi && m > 1); m++) {
            double v = m * pow(10, d), y = py(fr, v);
            fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                    fr->L, fr->L + fr->PW, y, y, m == 1 ? "#ccc" : "#eee");
            if (m == 1) {
                char b[32];
                fmt_value(b, sizeof b, v, c->units);
                text_at(f, fr->L - 6, y + 4, "end", b);
            }
        }
    }
    for (size_t i = 0; i < nx; i++) {
        double p = px(fr, x[i]);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/>\n"
                   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
                p, p, fr->T, fr->T + fr->PH, p, fr->T + fr->PH + 16, x[i]);
    }
    text_at(f, fr->L + fr->PW / 2.0, fr->T + fr->PH + 36, "middle", c->xlabel);
    vertical_label(f, 16, fr->T + fr->PH / 2.0, c->ylabel);
}

/* Series k: its polylines (broken at gaps), dots and legend entry. */
static void lines_series(FILE *f, const struct frame *fr, const double *x, size_t nx,
                         const struct util_svg_series *s, size_t k)
{
    const char *col = palette[k % NPALETTE];
    bool dashed = s->dashed || (k / NPALETTE) % 2;
    const char *dash = dashed ? " stroke-dasharray=\"6 3\"" : "";
    bool open = false;
    for (size_t i = 0; i < nx; i++) {
        if (!usable(s->y[i])) {
            if (open)
                fputs("\"/>\n", f);
            open = false;
            continue;
        }
        if (!open)
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
                    col, dash);
        open = true;
        fprintf(f, "%.1f,%.1f ", px(fr, x[i]), py(fr, s->y[i]));
    }
    if (open)
        fputs("\"/>\n", f);
    for (size_t i = 0; i < nx; i++)
        if (usable(s->y[i]))
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                    px(fr, x[i]), py(fr, s->y[i]), col);
    int lx = fr->L + fr->PW + 20, ly = fr->T + 10 + (int)k * 16;
    fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
               "stroke-width=\"2\"%s/>\n", lx, lx + 24, ly, ly, col, dash);
    text_at(f, lx + 30, ly + 4, "start", s->name);
}

int util_svg_lines(const char *path, const struct util_svg_chart *c, const double *x,
                   size_t nx, const struct util_svg_series *s, size_t ns, char *err,
                   size_t errlen)
{
    struct frame fr;
    if (!lines_frame(&fr, x, nx, s, ns))
        return nothing(path, err, errlen);
    int legend_h = fr.T + 10 + (int)ns * 16 + 10;
    int H = fr.T + fr.PH + 60 > legend_h ? fr.T + fr.PH + 60 : legend_h;
    FILE *f = svg_open(path, 900, H, c->title, err, errlen);
    if (f == NULL)
        return errno ? errno : EIO;
    lines_axes(f, &fr, c, x, nx);
    for (size_t k = 0; k < ns; k++)
        lines_series(f, &fr, x, nx, &s[k], k);
    return svg_close(f, path, err, errlen);
}

/* ---- bar charts ----------------------------------------------------------- */

enum { BAR_L = 260, BAR_T = 40, BAR_PW = 520, BAR_H = 22 };

static double bx(const struct frame *fr, double v)
{
    return BAR_L + (log10(v) - fr->dlo) / (fr->dhi - fr->dlo) * BAR_PW;
}

/* Bar i: label, bar (or "n/a"), whisker, value. */
static void bar_row(FILE *f, const struct frame *fr, const struct util_svg_bar *b, size_t i,
                    enum util_svg_units u)
{
    int y = BAR_T + (int)i * BAR_H, mid = y + BAR_H / 2;
    text_at(f, BAR_L - 8, mid + 4, "end", b->label);
    if (!usable(b->value)) {
        text_at(f, BAR_L + 4, mid + 4, "start", "n/a");
        return;
    }
    double x1 = bx(fr, b->value);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", BAR_L,
            y + 3, x1 - BAR_L > 1 ? x1 - BAR_L : 1, BAR_H - 6, palette[i % NPALETTE]);
    bool whisker = usable(b->lo) && usable(b->hi);
    if (whisker)
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
                bx(fr, b->lo), bx(fr, b->hi), mid, mid);
    char lab[32];
    fmt_value(lab, sizeof lab, b->value, u);
    double tx = whisker ? fmax(bx(fr, b->hi), x1) : x1;
    text_at(f, tx + 6, mid + 4, "start", lab);
}

int util_svg_bars(const char *path, const struct util_svg_chart *c, const struct util_svg_bar *b,
                  size_t n, char *err, size_t errlen)
{
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (!usable(b[i].value))
            continue;
        lo = fmin(lo, usable(b[i].lo) ? fmin(b[i].lo, b[i].value) : b[i].value);
        hi = fmax(hi, usable(b[i].hi) ? fmax(b[i].hi, b[i].value) : b[i].value);
    }
    if (!(hi > 0))
        return nothing(path, err, errlen);
    struct frame fr = { 0 };
    decades(lo, hi, &fr.dlo, &fr.dhi);
    const int PH = (int)n * BAR_H;
    FILE *f = svg_open(path, BAR_L + BAR_PW + 100, BAR_T + PH + 56, c->title, err, errlen);
    if (f == NULL)
        return errno ? errno : EIO;
    for (double d = fr.dlo; d <= fr.dhi; d++) {
        double x = bx(&fr, pow(10, d));
        char lab[32];
        fmt_value(lab, sizeof lab, pow(10, d), c->units);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#ccc\"/>\n", x, x,
                BAR_T, BAR_T + PH);
        text_at(f, x, BAR_T + PH + 16, "middle", lab);
    }
    text_at(f, BAR_L + BAR_PW / 2.0, BAR_T + PH + 38, "middle", c->xlabel);
    vertical_label(f, 16, BAR_T + PH / 2.0, c->ylabel);
    for (size_t i = 0; i < n; i++)
        bar_row(f, &fr, &b[i], i, c->units);
    return svg_close(f, path, err, errlen);
}

/* ---- share charts --------------------------------------------------------- */

enum { STRIP_L = 230, STRIP_T = 50, STRIP_PW = 460, STRIP_H = 24 };

static void strip_row(FILE *f, const struct util_svg_strip *r, size_t i)
{
    double y = STRIP_T + STRIP_H * (double)i + STRIP_H / 2.0;
    text_at(f, STRIP_L - 8, y + 4, "end", r->label);
    for (size_t k = 0; k < r->n; k++) {
        double v = isfinite(r->v[k]) ? fmin(fmax(r->v[k], 0), 1) : 0;
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" fill-opacity=\"0.6\"/>\n",
                STRIP_L + STRIP_PW * v, y, v < 1 ? "#d62728" : "#2ca02c");
    }
}

int util_svg_strips(const char *path, const struct util_svg_chart *c,
                    const struct util_svg_strip *rows, size_t n, char *err, size_t errlen)
{
    size_t dots = 0;
    for (size_t i = 0; i < n; i++)
        dots += rows[i].n;
    if (dots == 0)
        return nothing(path, err, errlen);
    double PH = STRIP_H * (double)n;
    FILE *f = svg_open(path, STRIP_L + STRIP_PW + 30, STRIP_T + (int)PH + 50, c->title, err,
                       errlen);
    if (f == NULL)
        return errno ? errno : EIO;
    for (int p = 0; p <= 100; p += 25) {
        double x = STRIP_L + STRIP_PW * p / 100.0;
        char lab[16];
        fmt_value(lab, sizeof lab, p / 100.0, UTIL_SVG_PERCENT);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>\n", x,
                STRIP_T - 8, x, STRIP_T + PH);
        text_at(f, x, STRIP_T + PH + 16, "middle", lab);
    }
    for (size_t i = 0; i < n; i++)
        strip_row(f, &rows[i], i);
    text_at(f, STRIP_L + STRIP_PW / 2.0, STRIP_T + PH + 38, "middle", c->xlabel);
    return svg_close(f, path, err, errlen);
}
