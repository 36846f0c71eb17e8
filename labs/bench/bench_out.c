/* labs/bench/bench_out.c - what the bench driver writes (see bench.h): the
 * machine record, JSON Lines and CSV records, human tables, charts, and the
 * options every bench shares. */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util/cpu.h"
#include "util/json.h"
#include "util/svg.h"

#ifndef RACELAB_BENCH_CFLAGS
#define RACELAB_BENCH_CFLAGS "unknown"
#endif

/* ---- the machine -------------------------------------------------------------- */

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

static void cpu_model(char *buf, size_t n)
{
    snprintf(buf, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        const char *c = strchr(line, ':');
        if (strncmp(line, "model name", 10) != 0 || !c)
            continue;
        for (c++; *c == ' ' || *c == '\t'; c++)
            ;
        snprintf(buf, n, "%s", c);
        trim(buf);
        break;
    }
    fclose(f);
}

void bench_machine_get(struct bench_machine *m)
{
    memset(m, 0, sizeof *m);
    cpu_model(m->cpu, sizeof m->cpu);
    m->cpus = util_cpus_online();
    m->allowed = util_cpus_allowed(NULL, 0);
    if (m->allowed == 0)
        m->allowed = m->cpus;
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(m->kernel, sizeof m->kernel, "%s %s %s", u.sysname, u.release, u.machine);
    else
        snprintf(m->kernel, sizeof m->kernel, "unknown");
#if defined(__clang__)
    snprintf(m->compiler, sizeof m->compiler, "clang %d.%d.%d", __clang_major__,
             __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
    snprintf(m->compiler, sizeof m->compiler, "gcc %d.%d.%d", __GNUC__, __GNUC_MINOR__,
             __GNUC_PATCHLEVEL__);
#else
    snprintf(m->compiler, sizeof m->compiler, "unknown C compiler");
#endif
    snprintf(m->flags, sizeof m->flags, "%s", RACELAB_BENCH_CFLAGS);
    trim(m->flags);
    m->load1 = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &m->load1) != 1)
            m->load1 = -1;
        fclose(f);
    }
}

void bench_machine_print(FILE *f, const struct bench_machine *m, const char *program,
                         enum bench_format fmt)
{
    static const char *const none[] = { NULL };
    switch (fmt) {
    case BENCH_HUMAN:
        fprintf(f, "machine: %s, %u CPUs online (%u usable), %s, load %.2f at start\n",
                m->cpu, m->cpus, m->allowed, m->kernel, m->load1);
        fprintf(f, "build:   %s, %s\n", m->compiler, m->flags);
        break;
    case BENCH_JSON:
        BENCH_EMIT(f, fmt, none, "machine", BF_S("program", program), BF_S("cpu", m->cpu),
                   BF_U("cores", m->cpus), BF_U("usable_cores", m->allowed),
                   BF_S("kernel", m->kernel), BF_S("compiler", m->compiler),
                   BF_S("flags", m->flags), BF_NP("load1", m->load1, 2));
        break;
    case BENCH_CSV:
        fprintf(f, "# program: %s\n# cpu: %s\n# cores: %u\n# usable_cores: %u\n# kernel: %s\n"
                   "# compiler: %s\n# flags: %s\n# load1: %.2f\n",
                program, m->cpu, m->cpus, m->allowed, m->kernel, m->compiler, m->flags,
                m->load1);
        break;
    }
}

/* ---- records ------------------------------------------------------------------- */

static void json_value(FILE *f, const struct bench_field *v)
{
    switch (v->type) {
    case 's': util_json_string(f, v->s); break;
    case 'u': fprintf(f, "%llu", (unsigned long long)v->u); break;
    case 'b': fputs(v->b ? "true" : "false", f); break;
    case 'r': fputs(v->s, f); break;
    default:
        if (isfinite(v->d))
            fprintf(f, "%.*f", v->prec, v->d);
        else
            fputs("null", f);
    }
}

/* CSV carries no quoting (no field holds a comma); a number that is not
 * finite and a raw null are empty. */
static void csv_value(FILE *f, const struct bench_field *v)
{
    switch (v->type) {
    case 's': fputs(v->s, f); break;
    case 'u': fprintf(f, "%llu", (unsigned long long)v->u); break;
    case 'b': fputs(v->b ? "true" : "false", f); break;
    case 'r': fputs(strcmp(v->s, "null") == 0 ? "" : v->s, f); break;
    default:
        if (isfinite(v->d))
            fprintf(f, "%.*f", v->prec, v->d);
    }
}

void bench_emit(FILE *f, enum bench_format fmt, const char *const *csv_cols,
                const char *kind, const struct bench_field *fv, size_t n)
{
    if (fmt == BENCH_JSON) {
        fputs("{\"kind\":", f);
        util_json_string(f, kind);
        for (size_t i = 0; i < n; i++) {
            if (fv[i].key == NULL || fv[i].type == 0)
                continue;
            fputc(',', f);
            util_json_string(f, fv[i].key);
            fputc(':', f);
            json_value(f, &fv[i]);
        }
        fputs("}\n", f);
    } else if (fmt == BENCH_CSV) {
        for (size_t c = 0; csv_cols[c]; c++) {
            if (c > 0)
                fputc(',', f);
            if (strcmp(csv_cols[c], "kind") == 0) {
                fputs(kind, f);
                continue;
            }
            for (size_t i = 0; i < n; i++)
                if (fv[i].key && fv[i].type && strcmp(fv[i].key, csv_cols[c]) == 0) {
                    csv_value(f, &fv[i]);
                    break;
                }
        }
        fputc('\n', f);
    }
}

void bench_csv_header(FILE *f, const char *const *csv_cols)
{
    for (size_t c = 0; csv_cols[c]; c++)
        fprintf(f, "%s%s", c ? "," : "", csv_cols[c]);
    fputc('\n', f);
}

/* ---- tables ---------------------------------------------------------------------- */

static void table_line(FILE *f, const struct bench_col *c, size_t n, const char *const *cells,
                       const char *tail)
{
    fputs("  ", f);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            fprintf(f, "%*s", c[i].gap ? (int)c[i].gap : 1, "");
        if (c[i].width < 0 && i + 1 == n && !tail)
            fputs(cells[i], f);   /* no trailing blanks */
        else
            fprintf(f, "%*s", c[i].width, cells[i]);
    }
    fprintf(f, "%s\n", tail ? tail : "");
}

void bench_table_head(FILE *f, const struct bench_col *c, size_t n)
{
    const char *heads[64];
    for (size_t i = 0; i < n && i < 64; i++)
        heads[i] = c[i].head;
    table_line(f, c, n < 64 ? n : 64, heads, NULL);
}

void bench_table_row(FILE *f, const struct bench_col *c, size_t n, const char *const *cells,
                     const char *tail)
{
    table_line(f, c, n, cells, tail);
}

/* ---- options ---------------------------------------------------------------------- */

/* |dir| is a directory we can write into, made (one level) if missing. */
static int plot_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (*dir == '\0') {
        snprintf(err, errlen, "--plot needs a directory name");
        return EINVAL;
    }
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT || mkdir(dir, 0777) != 0) {
            snprintf(err, errlen, "--plot %s: %s", dir, strerror(errno));
            return errno;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--plot %s: not a directory", dir);
        return ENOTDIR;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "--plot %s: %s", dir, strerror(errno));
        return errno;
    }
    return 0;
}

int bench_parse(const struct util_cmdline *cl, int argc, char **argv, struct bench_common *c)
{
    char err[512];
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    int npos = 0;
    int rc = pos ? util_opt_parse(cl, argc, argv, pos, &npos, err, sizeof err) : UTIL_OPT_ERROR;
    if (!pos)
        snprintf(err, sizeof err, "out of memory");
    free(pos);
    if (rc == UTIL_OPT_HELP)
        return 0;
    if (rc != UTIL_OPT_OK)
        return util_opt_fail(cl->prog, err);
    if (c->json && c->csv)
        return util_opt_fail(cl->prog, "--json and --csv exclude each other");
    c->fmt = c->json ? BENCH_JSON : c->csv ? BENCH_CSV : BENCH_HUMAN;
    if (c->plot && plot_dir(c->plot, err, sizeof err) != 0)
        return util_opt_fail(cl->prog, err);
    return -1;
}

/* ---- charts ------------------------------------------------------------------------ */

static enum util_svg_units units_of(const char *label)
{
    return strncmp(label, "ns", 2) == 0 ? UTIL_SVG_NS : UTIL_SVG_PLAIN;
}

int bench_plot_lines(const struct bench_sweep *s, const char *path, const char *title,
                     const char *xlabel, const char *ylabel, const double *x,
                     const char *const *names, bool (*pick)(void *ctx, unsigned row))
{
    double *y = calloc((size_t)s->nrows * s->npoints + 1, sizeof *y);
    struct util_svg_series *ser = calloc((size_t)s->nrows + 1, sizeof *ser);
    size_t ns = 0;
    for (unsigned k = 0; y && ser && k < s->nrows; k++) {
        if (pick && !pick(s->ctx, k))
            continue;
        double *yk = y + (size_t)k * s->npoints;
        for (unsigned p = 0; p < s->npoints; p++)
            yk[p] = bench_cell(s, k, p)->med;   /* NAN: a gap */
        ser[ns++] = (struct util_svg_series){ .name = names[k], .y = yk };
    }
    struct util_svg_chart c = { .title = title, .xlabel = xlabel, .ylabel = ylabel,
                                .units = units_of(ylabel) };
    char err[512] = "out of memory";
    int rc = y && ser ? util_svg_lines(path, &c, x, s->npoints, ser, ns, err, sizeof err)
                      : ENOMEM;
    free(y);
    free(ser);
    if (rc == ENODATA)
        return -1;   /* nothing measured (e.g. --only): no chart */
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", s->prog, err);
    return rc;
}

int bench_plot_bars(const struct bench_sweep *s, unsigned point, const char *path,
                    const char *title, const char *xlabel, const char *const *names)
{
    struct util_svg_bar *b = calloc((size_t)s->nrows + 1, sizeof *b);
    if (!b) {
        fprintf(stderr, "%s: out of memory\n", s->prog);
        return ENOMEM;
    }
    for (unsigned k = 0; k < s->nrows; k++) {
        const struct bench_cell *c = bench_cell(s, k, point);
        b[k] = (struct util_svg_bar){ names[k], c->med, c->min, c->max };
    }
    struct util_svg_chart c = { .title = title, .xlabel = xlabel, .units = units_of(xlabel) };
    char err[512];
    int rc = util_svg_bars(path, &c, b, s->nrows, err, sizeof err);
    free(b);
    if (rc != 0 && rc != ENODATA)
        fprintf(stderr, "%s: %s\n", s->prog, err);
    return rc == ENODATA ? -1 : rc;
}

int bench_plot_done(int rc, const char *path, enum bench_format fmt)
{
    if (rc > 0)
        return 1;
    if (rc == 0 && fmt == BENCH_HUMAN)
        printf("wrote %s\n", path);
    return 0;
}

int bench_outputs_write(const struct bench_outputs *o, enum bench_format fmt, bool plot)
{
    if (fmt != BENCH_HUMAN && o->records)
        o->records(fmt);
    if (plot && o->plot && o->plot() != 0)
        return 1;
    if (fmt == BENCH_HUMAN && o->tables)
        o->tables();
    return 0;
}

int bench_plot_ns_workers(const struct bench_sweep *s, const char *path, const char *title,
                          const double *x, const char *const *names,
                          bool (*pick)(void *ctx, unsigned row), enum bench_format fmt)
{
    int rc = bench_plot_lines(s, path, title, "workers", "ns per operation (log scale)", x,
                              names, pick);
    return bench_plot_done(rc, path, fmt);
}

void bench_print_title(const char *prog, unsigned rounds, uint64_t iters, const char *unit,
                       bool quick)
{
    printf("%s: ns/op (lower is better), median of %u interleaved round%s, %llu %s per "
           "worker%s\n",
           prog, rounds, rounds == 1 ? "" : "s", (unsigned long long)iters, unit,
           quick ? " (--quick: a smoke test, not a measurement)" : "");
}
