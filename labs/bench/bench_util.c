/* labs/bench/bench_util.c - see bench_util.h. */
#include "bench_util.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef RACELAB_BENCH_CFLAGS
#define RACELAB_BENCH_CFLAGS "unknown"
#endif

/* ---- time and statistics ------------------------------------------------ */

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the machine -------------------------------------------------------- */

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

void bench_machine_get(struct bench_machine *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->cpu, sizeof m->cpu, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                const char *c = strchr(line, ':');
                if (c) {
                    c++;
                    while (*c == ' ' || *c == '\t')
                        c++;
                    snprintf(m->cpu, sizeof m->cpu, "%s", c);
                    trim(m->cpu);
                }
                break;
            }
        }
        fclose(f);
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    m->cpus = n > 0 ? (unsigned)n : 1;
    cpu_set_t set;
    m->allowed = sched_getaffinity(0, sizeof set, &set) == 0 ? (unsigned)CPU_COUNT(&set)
                                                               : m->cpus;
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
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &m->load1) != 1)
            m->load1 = -1;
        fclose(f);
    }
}

void bench_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void bench_machine_print(FILE *f, const struct bench_machine *m, const char *program,
                         enum bench_format fmt)
{
    switch (fmt) {
    case BENCH_HUMAN:
        fprintf(f, "machine: %s, %u CPUs online (%u usable), %s, load %.2f at start\n",
                m->cpu, m->cpus, m->allowed, m->kernel, m->load1);
        fprintf(f, "build:   %s, %s\n", m->compiler, m->flags);
        break;
    case BENCH_JSON:
        fprintf(f, "{\"kind\":\"machine\",\"program\":");
        bench_json_string(f, program);
        fprintf(f, ",\"cpu\":");
        bench_json_string(f, m->cpu);
        fprintf(f, ",\"cores\":%u,\"usable_cores\":%u,\"kernel\":", m->cpus, m->allowed);
        bench_json_string(f, m->kernel);
        fprintf(f, ",\"compiler\":");
        bench_json_string(f, m->compiler);
        fprintf(f, ",\"flags\":");
        bench_json_string(f, m->flags);
        fprintf(f, ",\"load1\":%.2f}\n", m->load1);
        break;
    case BENCH_CSV:
        fprintf(f, "# program: %s\n# cpu: %s\n# cores: %u\n# usable_cores: %u\n# kernel: %s\n"
                   "# compiler: %s\n# flags: %s\n# load1: %.2f\n",
                program, m->cpu, m->cpus, m->allowed, m->kernel, m->compiler, m->flags,
                m->load1);
        break;
    }
}

/* ---- options ------------------------------------------------------------ */

bool bench_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9' || strlen(s) > 19)
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool bench_parse_seconds(const char *s, double min, double max, double *out)
{
    if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !(v >= min && v <= max))
        return false;
    *out = v;
    return true;
}

int bench_usage_error(const char *prog, const char *msg, const char *arg)
{
    fprintf(stderr, "%s: %s%s%s (try --help)\n", prog, msg, arg ? ": " : "", arg ? arg : "");
    return 2;
}

unsigned bench_cpu_pair(int cpus[2])
{
    cpu_set_t allowed;
    unsigned found = 0;
    cpus[0] = cpus[1] = 0;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return 0;
    for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
        if (CPU_ISSET(c, &allowed))
            cpus[found++] = c;
    if (found == 1)
        cpus[1] = cpus[0];
    return found;
}

int bench_plot_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (*dir == '\0') {
        snprintf(err, errlen, "--plot needs a directory name");
        return EINVAL;
    }
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT || mkdir(dir, 0777) != 0) {
            int e = errno;
            snprintf(err, errlen, "--plot %s: %s", dir, strerror(e));
            return e;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--plot %s: not a directory", dir);
        return ENOTDIR;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        int e = errno;
        snprintf(err, errlen, "--plot %s: %s", dir, strerror(e));
        return e;
    }
    return 0;
}

/* ---- progress ----------------------------------------------------------- */

bool bench_progress_wanted(void)
{
    return isatty(STDERR_FILENO) == 1;
}

void bench_progress(bool on, const char *fmt, ...)
{
    if (!on)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputc('\r', stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\033[K", stderr);
    va_end(ap);
    fflush(stderr);
}

void bench_progress_clear(bool on)
{
    if (on)
        fputs("\r\033[K", stderr);
}

/* ---- budgeted points ---------------------------------------------------- */

struct point_header {
    int rc;
    char err[200];
};

static bool read_full(int fd, void *buf, size_t n, uint64_t deadline, bool *timed_out)
{
    char *p = buf;
    while (n > 0) {
        uint64_t now = bench_now_ns();
        if (now >= deadline) {
            *timed_out = true;
            return false;
        }
        uint64_t left_ms = (deadline - now) / 1000000u + 1;
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int r = poll(&pfd, 1, left_ms > 60000 ? 60000 : (int)left_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return false;
        if (r == 0)
            continue;
        ssize_t got = read(fd, p, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        p += got;
        n -= (size_t)got;
    }
    return true;
}

static bool write_full(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Ends the child: SIGTERM (a lab run reaps its workers and unlinks its
 * shared memory on it), then SIGKILL if it is still there after a grace
 * period (spinning threads do not look at signals). */
static void end_child(pid_t pid)
{
    kill(pid, SIGTERM);
    uint64_t until = bench_now_ns() + 500000000u;
    while (bench_now_ns() < until) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

enum bench_status bench_run_budget(double budget_s, bench_point_fn fn, void *arg, void *out,
                                   size_t outsize, char *err, size_t errlen)
{
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return BENCH_FAILED;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return BENCH_FAILED;
    }
    if (pid == 0) {
        close(fds[0]);
        /* If the bench itself dies, the point goes with it (SIGTERM: a lab
         * run cleans up its workers and segments on it). */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        struct point_header h = { 0 };
        void *buf = calloc(1, outsize ? outsize : 1);
        if (!buf) {
            h.rc = ENOMEM;
            snprintf(h.err, sizeof h.err, "out of memory");
        } else {
            h.rc = fn(arg, buf, outsize, h.err, sizeof h.err);
        }
        bool ok = write_full(fds[1], &h, sizeof h) && (!buf || write_full(fds[1], buf, outsize));
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    uint64_t deadline = bench_now_ns() + (uint64_t)(budget_s * 1e9);
    struct point_header h;
    bool timed_out = false;
    bool got = read_full(fds[0], &h, sizeof h, deadline, &timed_out) &&
               read_full(fds[0], out, outsize, deadline, &timed_out);
    close(fds[0]);
    if (!got && timed_out) {
        end_child(pid);
        snprintf(err, errlen, "did not finish within %.1f s", budget_s);
        return BENCH_DNF;
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!got) {
        if (WIFSIGNALED(st))
            snprintf(err, errlen, "the point's process died of signal %d (%s)", WTERMSIG(st),
                     strsignal(WTERMSIG(st)));
        else
            snprintf(err, errlen, "the point's process exited with status %d without a "
                     "result", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return BENCH_FAILED;
    }
    if (h.rc != 0) {
        h.err[sizeof h.err - 1] = '\0';
        snprintf(err, errlen, "%s", h.err);
        return BENCH_FAILED;
    }
    return BENCH_OK;
}

/* ---- SVG ----------------------------------------------------------------- */

static const char *const palette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
};
#define NPALETTE (sizeof palette / sizeof palette[0])

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static FILE *svg_open(const char *path, int w, int h, const char *title, char *err,
                      size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
               "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">",
            w, h, w, h, w / 2);
    xml_text(f, title);
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

static bool usable(double v)
{
    return isfinite(v) && v > 0;
}

/* Decades covering [lo, hi]. */
static void decades(double lo, double hi, double *dlo, double *dhi)
{
    *dlo = floor(log10(lo));
    *dhi = ceil(log10(hi));
    if (*dhi <= *dlo)
        *dhi = *dlo + 1;
}

/* Tick and bar labels: times in ns when the axis label says so ("ns ..."),
 * otherwise plain numbers (bench-queue plots Mmsg/s). */
static void fmt_value(char *buf, size_t n, double v, bool ns)
{
    if (!ns)
        snprintf(buf, n, "%.4g", v);
    else if (v >= 1e6)
        snprintf(buf, n, "%.3g ms", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, n, "%.3g us", v / 1e3);
    else
        snprintf(buf, n, "%.3g ns", v);
}

int bench_svg_lines(const char *path, const char *title, const char *xlabel,
                    const char *ylabel, const double *x, unsigned nx,
                    const struct bench_series *s, unsigned ns, char *err, size_t errlen)
{
    double lo = INFINITY, hi = 0, xlo = INFINITY, xhi = 0;
    for (unsigned i = 0; i < nx; i++) {
        xlo = fmin(xlo, x[i]);
        xhi = fmax(xhi, x[i]);
        for (unsigned k = 0; k < ns; k++)
            if (usable(s[k].y[i])) {
                lo = fmin(lo, s[k].y[i]);
                hi = fmax(hi, s[k].y[i]);
            }
    }
    if (nx == 0 || !(hi > 0) || !(xlo > 0)) {
        snprintf(err, errlen, "%s: nothing to plot", path);
        return EINVAL;
    }
    const int W = 900, H = 40 + 420 + 60, L = 80, T = 40, PW = 560, PH = 420;
    double dlo, dhi;
    decades(lo, hi, &dlo, &dhi);
    double lx0 = log2(xlo), lx1 = log2(xhi);
    if (lx1 <= lx0)
        lx1 = lx0 + 1;
    FILE *f = svg_open(path, W, H, title, err, errlen);
    if (!f)
        return errno ? errno : EIO;
#define PX(v) (L + (log2(v) - lx0) / (lx1 - lx0) * PW)
#define PY(v) (T + PH - (log10(v) - dlo) / (dhi - dlo) * PH)
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
               "stroke=\"#888\"/>\n", L, T, PW, PH);
    for (double d = dlo; d <= dhi; d++) {
        for (int m = 1; m < 10; m++) {
            double v = (double)m * pow(10, d);
            if (d == dhi && m > 1)
                break;
            double y = PY(v);
            fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                    L, L + PW, y, y, m == 1 ? "#ccc" : "#eee");
            if (m == 1) {
                char b[32];
                fmt_value(b, sizeof b, v, strncmp(ylabel, "ns", 2) == 0);
                fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", L - 6,
                        y + 4, b);
            }
        }
    }
    for (unsigned i = 0; i < nx; i++) {
        double px = PX(x[i]);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/>\n"
                   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
                px, px, T, T + PH, px, T + PH + 16, x[i]);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", L + PW / 2, T + PH + 36);
    xml_text(f, xlabel);
    fprintf(f, "</text>\n<text x=\"16\" y=\"%d\" text-anchor=\"middle\" "
               "transform=\"rotate(-90 16 %d)\">", T + PH / 2, T + PH / 2);
    xml_text(f, ylabel);
    fputs("</text>\n", f);
    for (unsigned k = 0; k < ns; k++) {
        const char *col = palette[k % NPALETTE];
        const char *dash = (k / NPALETTE) % 2 ? " stroke-dasharray=\"6 3\"" : "";
        bool open = false;
        for (unsigned i = 0; i < nx; i++) {
            if (!usable(s[k].y[i])) {
                if (open)
                    fputs("\"/>\n", f);
                open = false;
                continue;
            }
            if (!open)
                fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s "
                           "points=\"", col, dash);
            open = true;
            fprintf(f, "%.1f,%.1f ", PX(x[i]), PY(s[k].y[i]));
        }
        if (open)
            fputs("\"/>\n", f);
        for (unsigned i = 0; i < nx; i++)
            if (usable(s[k].y[i]))
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                        PX(x[i]), PY(s[k].y[i]), col);
        int ly = T + 10 + (int)k * 16;
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
                   "stroke-width=\"2\"%s/>\n<text x=\"%d\" y=\"%d\">",
                L + PW + 20, L + PW + 44, ly, ly, col, dash, L + PW + 50, ly + 4);
        xml_text(f, s[k].name);
        fputs("</text>\n", f);
    }
#undef PX
#undef PY
    return svg_close(f, path, err, errlen);
}

int bench_svg_bars(const char *path, const char *title, const char *xlabel,
                   const struct bench_bar *b, unsigned n, char *err, size_t errlen)
{
    double lo = INFINITY, hi = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!usable(b[i].value))
            continue;
        lo = fmin(lo, usable(b[i].lo) ? b[i].lo : b[i].value);
        hi = fmax(hi, usable(b[i].hi) ? b[i].hi : b[i].value);
    }
    if (!(hi > 0)) {
        snprintf(err, errlen, "%s: nothing to plot", path);
        return EINVAL;
    }
    const int L = 260, T = 40, PW = 520, BH = 22;
    const int PH = (int)n * BH, W = L + PW + 100, H = T + PH + 56;
    double dlo, dhi;
    decades(lo, hi, &dlo, &dhi);
    FILE *f = svg_open(path, W, H, title, err, errlen);
    if (!f)
        return errno ? errno : EIO;
#define BX(v) (L + (log10(v) - dlo) / (dhi - dlo) * PW)
    for (double d = dlo; d <= dhi; d++) {
        double x = BX(pow(10, d));
        char lab[32];
        fmt_value(lab, sizeof lab, pow(10, d), strncmp(xlabel, "ns", 2) == 0);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#ccc\"/>\n"
                   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                x, x, T, T + PH, x, T + PH + 16, lab);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", L + PW / 2, T + PH + 38);
    xml_text(f, xlabel);
    fputs("</text>\n", f);
    for (unsigned i = 0; i < n; i++) {
        int y = T + (int)i * BH;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", L - 8, y + BH / 2 + 4);
        xml_text(f, b[i].label);
        fputs("</text>\n", f);
        if (!usable(b[i].value)) {
            fprintf(f, "<text x=\"%d\" y=\"%d\">n/a</text>\n", L + 4, y + BH / 2 + 4);
            continue;
        }
        double x1 = BX(b[i].value);
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", L,
                y + 3, x1 - L > 1 ? x1 - L : 1, BH - 6, palette[i % NPALETTE]);
        if (usable(b[i].lo) && usable(b[i].hi))
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
                    BX(b[i].lo), BX(b[i].hi), y + BH / 2, y + BH / 2);
        char lab[32];
        fmt_value(lab, sizeof lab, b[i].value, strncmp(xlabel, "ns", 2) == 0);
        double tx = usable(b[i].hi) ? fmax(BX(b[i].hi), x1) : x1;
        fprintf(f, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", tx + 6, y + BH / 2 + 4, lab);
    }
#undef BX
    return svg_close(f, path, err, errlen);
}
