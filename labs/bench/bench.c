/* labs/bench/bench.c - the sweep of the bench driver (see bench.h): rows x
 * points x interleaved rounds, each point in a budgeted child process. */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "util/spawn.h"
#include "util/stats.h"
#include "util/time.h"

/* Where the child leaves its result: one MAP_SHARED page set, reused by
 * every point (one point runs at a time). */
struct slot {
    int done;             /* the point function returned */
    int rc;
    char err[200];
    struct bench_sample sample;
};

struct child {
    const struct bench_sweep *s;
    unsigned row, point;
    struct slot *slot;
};

/* In the forked child. */
static int child_main(void *arg)
{
    struct child *c = arg;
    /* If the bench dies, the point goes with it; SIGTERM, not SIGKILL: a lab
     * run reaps its worker processes and unlinks its shared memory on it. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    memset(c->slot, 0, sizeof *c->slot);
    c->slot->rc = c->s->point(c->s->ctx, c->row, c->point, &c->slot->sample, c->slot->err,
                              sizeof c->slot->err);
    c->slot->err[sizeof c->slot->err - 1] = '\0';
    c->slot->done = 1;
    return 0;
}

struct bench_cell *bench_cell(const struct bench_sweep *s, unsigned row, unsigned point)
{
    return &s->cells[(size_t)row * s->npoints + point];
}

static const char *cell_name(const struct bench_sweep *s, unsigned row, unsigned point,
                             char *buf, size_t n)
{
    if (s->name)
        return s->name(s->ctx, row, point, buf, n);
    snprintf(buf, n, "row %u, point %u", row, point);
    return buf;
}

/* One point in its own process: the cell's status (and why) from how it
 * ended; on success the sample is in slot->sample. */
static enum bench_status run_point(const struct bench_sweep *s, unsigned row, unsigned point,
                                   struct slot *slot, char *why, size_t n)
{
    struct child c = { .s = s, .row = row, .point = point, .slot = slot };
    struct util_spawn sp = { .fn = child_main, .arg = &c, .timeout_s = s->budget_s,
                             .own_group = true };
    slot->done = 0;
    fflush(NULL);
    util_spawn_run(&sp);
    enum bench_status st = BENCH_OK;
    if (sp.end == UTIL_END_TIMEOUT) {
        snprintf(why, n, "did not finish within %.1f s", s->budget_s);
        st = BENCH_DNF;
    } else if (sp.end == UTIL_END_EXIT && sp.code == 0 && slot->done) {
        if (slot->rc != 0) {
            snprintf(why, n, "%s", slot->err[0] ? slot->err : "the point failed");
            st = BENCH_FAILED;
        }
    } else {
        char end[128];
        snprintf(why, n, "the point's process ended without a result: %s",
                 util_spawn_end_text(&sp, end, sizeof end));
        st = BENCH_FAILED;
    }
    util_spawn_free(&sp);
    return st;
}

static void one_cell(struct bench_sweep *s, struct slot *slot, unsigned row, unsigned point,
                     unsigned round)
{
    struct bench_cell *c = bench_cell(s, row, point);
    char name[128];
    enum bench_status st = run_point(s, row, point, slot, c->why, sizeof c->why);
    if (st != BENCH_OK) {
        c->status = st;
        if (st == BENCH_FAILED) {
            s->any_failed = true;
            bench_progress_clear();
            fprintf(stderr, "%s: %s: %s\n", s->prog,
                    cell_name(s, row, point, name, sizeof name), c->why);
        }
        return;
    }
    c->round[round] = slot->sample.value;
    c->runs++;
    if (s->got)
        s->got(s->ctx, row, point, round, &slot->sample);
}

static void finish_cells(struct bench_sweep *s)
{
    for (size_t i = 0; i < (size_t)s->nrows * s->npoints; i++) {
        struct bench_cell *c = &s->cells[i];
        double v[BENCH_MAX_ROUNDS];
        unsigned n = 0;
        /* A cell that did not finish a round has no median: the rounds it
         * did finish were its fast ones. */
        for (unsigned r = 0; r < s->rounds && c->status == BENCH_OK; r++)
            if (!isnan(c->round[r]))
                v[n++] = c->round[r];
        bench_stats(v, n, &c->med, &c->min, &c->max, &c->spread);
    }
}

int bench_sweep_run(struct bench_sweep *s)
{
    size_t ncells = (size_t)s->nrows * s->npoints;
    s->cells = calloc(ncells ? ncells : 1, sizeof *s->cells);
    struct slot *slot = mmap(NULL, sizeof *slot, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s->cells == NULL || slot == MAP_FAILED) {
        int e = errno ? errno : ENOMEM;
        fprintf(stderr, "%s: cannot set up the sweep: %s\n", s->prog, strerror(e));
        free(s->cells);
        s->cells = NULL;
        return e;
    }
    if (s->rounds > BENCH_MAX_ROUNDS)
        s->rounds = BENCH_MAX_ROUNDS;
    for (size_t i = 0; i < ncells; i++)
        for (unsigned r = 0; r < BENCH_MAX_ROUNDS; r++)
            s->cells[i].round[r] = NAN;
    unsigned total = s->rounds * s->npoints * s->nrows, done = 0;
    uint64_t t0 = util_now_ns();
    for (unsigned r = 0; r < s->rounds; r++) {
        if (s->round_start) {
            bench_progress("  round %u/%u: set-up", r + 1, s->rounds);
            s->round_start(s->ctx, r);
        }
        for (unsigned p = 0; p < s->npoints; p++)
            for (unsigned k = 0; k < s->nrows; k++, done++) {
                if (bench_cell(s, k, p)->status != BENCH_OK ||
                    (s->runs && !s->runs(s->ctx, k, p)))
                    continue;   /* DNF or failed once: not again */
                char name[128];
                bench_progress("  round %u/%u: %-24s (%u%%)", r + 1, s->rounds,
                               cell_name(s, k, p, name, sizeof name), 100 * done / total);
                one_cell(s, slot, k, p, r);
            }
    }
    bench_progress_clear();
    s->elapsed_s = (double)(util_now_ns() - t0) / 1e9;
    munmap(slot, sizeof *slot);
    finish_cells(s);
    return 0;
}

void bench_sweep_free(struct bench_sweep *s)
{
    free(s->cells);
    s->cells = NULL;
}

void bench_stats(const double *v, unsigned n, double *med, double *min, double *max,
                 double *spread)
{
    if (n == 0) {
        *med = *min = *max = *spread = NAN;
        return;
    }
    double w[BENCH_MAX_ROUNDS];
    if (n > BENCH_MAX_ROUNDS)
        n = BENCH_MAX_ROUNDS;
    memcpy(w, v, n * sizeof *w);
    *med = util_median(w, n);
    *min = w[0];
    *max = w[n - 1];
    *spread = *med != 0 ? (*max - *min) / *med : NAN;
}

/* ---- the start gate ------------------------------------------------------------- */

void bench_gate_wait(struct bench_gate *g)
{
    sync_fetch_add_u32(&g->ready, 1, SYNC_RELAXED);
    unsigned rounds = 0;
    /* Acquire: pairs with the release store in bench_gate_open(). */
    while (sync_load_u32(&g->go, SYNC_ACQUIRE) == 0)
        sync__spin_wait(&rounds);
}

uint64_t bench_gate_open(struct bench_gate *g, unsigned n)
{
    unsigned rounds = 0;
    while (sync_load_u32(&g->ready, SYNC_RELAXED) < n)
        sync__spin_wait(&rounds);
    uint64_t t0 = util_now_ns();
    sync_store_u32(&g->go, 1, SYNC_RELEASE);   /* pairs with bench_gate_wait()'s acquire */
    return t0;
}

/* ---- progress ------------------------------------------------------------------- */

static int progress_on = -1;   /* -1: not looked yet */

static bool progress_wanted(void)
{
    if (progress_on < 0)
        progress_on = isatty(STDERR_FILENO) == 1;
    return progress_on == 1;
}

void bench_progress(const char *fmt, ...)
{
    if (!progress_wanted())
        return;
    va_list ap;
    va_start(ap, fmt);
    fputc('\r', stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\033[K", stderr);
    va_end(ap);
    fflush(stderr);
}

void bench_progress_clear(void)
{
    if (progress_wanted())
        fputs("\r\033[K", stderr);
}
