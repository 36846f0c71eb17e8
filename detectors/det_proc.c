/* detectors/det_proc.c - isolated runs, a pool of them at once.
 *
 * Every run is a util/spawn.h child in its own process group with stdout and
 * stderr captured and stdin from /dev/null; when the leader exits, anything
 * left in its group (a forked grandchild, a symbolizer) is killed before the
 * leader is reaped, so no straggler survives its run; past its timeout the
 * whole group goes. The pool keeps --jobs runs going and waits in poll(2).
 * SIGINT/SIGTERM/SIGHUP to the harness interrupt the wait: every running
 * group is killed before the harness exits. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "det.h"
#include "util/time.h"

static volatile sig_atomic_t det__stop;

static void det__on_signal(int sig)
{
    det__stop = sig;
}

/* Without SA_RESTART: a signal ends the pool's poll(2) at once. */
void det_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = det__on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

bool det_interrupted(void)
{
    return det__stop != 0;
}

double det_now(void)
{
    return (double)util_now_ns() * 1e-9;
}

/* The one PATH lookup of the harness (execv does not search): a name with
 * a slash is taken as it is. */
bool det_find_program(const char *name, char *out, size_t cap)
{
    if (strchr(name, '/') != NULL) {
        snprintf(out, cap, "%s", name);
        return true;
    }
    const char *env = getenv("PATH");
    char *dirs = det_strdup(env ? env : "/usr/bin:/bin");
    bool ok = false;
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d && !ok;
         d = strtok_r(NULL, ":", &save)) {
        snprintf(out, cap, "%s/%s", d, name);
        ok = access(out, X_OK) == 0;
    }
    free(dirs);
    return ok;
}

const char *det_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    return (t != NULL && *t != '\0') ? t : "/tmp";
}

/* 0, or an errno value (the run is then done: it could not start). */
static int det__start(struct det_proc *p)
{
    p->env_[0] = p->env_set;
    p->env_[1] = NULL;
    p->s_ = (struct util_spawn){
        .argv = p->argv, .env = p->env_set != NULL ? p->env_ : NULL,
        .timeout_s = p->timeout_s, .capture_out = true, .capture_err = true,
        .stdin_null = true, .own_group = true, .die_with_parent = true,
    };
    return util_spawn_start(&p->s_);
}

/* A NUL inside the output would cut the text short; make it visible. */
static void det__visible(char *s, size_t len)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\0')
            s[i] = '?';
}

/* Moves the ended run's results into p's outputs. */
static void det__finish(struct det_proc *p)
{
    struct util_spawn *s = &p->s_;
    p->end = s->end;
    p->code = s->code;
    p->wall_s = s->wall_s;
    det__visible(s->out, s->out_len);
    det__visible(s->err, s->err_len);
    p->out = s->out;
    p->err = s->err;
    s->out = s->err = NULL;
}

static void det__progress(size_t n, size_t done, double t0, const struct det_proc *cur)
{
    fprintf(stderr, "\r\033[K[%zu/%zu] %.60s  %zu left  %.1f s", done, n,
            cur != NULL && cur->label != NULL ? cur->label : "", n - done, det_now() - t0);
    fflush(stderr);
}

/* The running runs of a pool: the procs and their spawns side by side. */
struct det_live {
    struct det_proc **p;
    struct util_spawn **s;
    size_t n;
};

/* Starts runs until |jobs| are going; those that cannot start are done. */
static void det__fill(struct det_live *live, unsigned jobs, struct det_proc **procs, size_t n,
                      size_t *next, size_t *done)
{
    while (live->n < jobs && *next < n && !det__stop) {
        struct det_proc *p = procs[(*next)++];
        if (det__start(p) != 0) {
            det__finish(p);
            (*done)++;
            continue;
        }
        live->p[live->n] = p;
        live->s[live->n++] = &p->s_;
    }
}

/* Takes the ended runs out of |live|; how many. */
static size_t det__reap(struct det_live *live, bool progress, size_t n, size_t done, double t0)
{
    size_t ended = 0;
    for (size_t i = 0; i < live->n;) {
        struct det_proc *p = live->p[i];
        if (!util_spawn_done(&p->s_)) {
            i++;
            continue;
        }
        det__finish(p);
        live->n--;
        live->p[i] = live->p[live->n];
        live->s[i] = live->s[live->n];
        ended++;
        if (progress)
            det__progress(n, done + ended, t0, p);
    }
    return ended;
}

int det_pool_run(struct det_proc **procs, size_t n, unsigned jobs, bool progress)
{
    jobs = jobs ? jobs : 1;
    struct det_live live = { det_xmalloc(sizeof *live.p * jobs),
                             det_xmalloc(sizeof *live.s * jobs), 0 };
    size_t next = 0, done = 0;
    double t0 = det_now();
    while (done < n && !det__stop) {
        size_t before = live.n;
        det__fill(&live, jobs, procs, n, &next, &done);
        if (progress && live.n > before)
            det__progress(n, done, t0, live.p[live.n - 1]);
        if (live.n == 0)
            continue;
        util_spawn_poll(live.s, live.n, 1.0);
        done += det__reap(&live, progress, n, done, t0);
    }
    for (size_t i = 0; i < live.n; i++) {   /* interrupted */
        util_spawn_kill(live.s[i]);
        det__finish(live.p[i]);
    }
    free(live.p);
    free(live.s);
    if (progress)
        fprintf(stderr, "\r\033[K");
    return det__stop ? 130 : 0;
}

void det_proc_free(struct det_proc *p)
{
    if (p == NULL)
        return;
    free(p->out);
    free(p->err);
    p->out = p->err = NULL;
    util_spawn_free(&p->s_);
}

const char *det_end_text(const struct det_proc *p, char *buf, size_t len)
{
    return util_spawn_end_text(&p->s_, buf, len);
}

struct det__ranked {
    double cost;
    size_t idx;
    struct det_proc *p;
};

/* Costlier first; equal costs in their given order (qsort is not stable). */
static int det__by_cost(const void *a, const void *b)
{
    const struct det__ranked *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void det_pool_order(struct det_proc **procs, double *cost, size_t n)
{
    if (n == 0)
        return;
    struct det__ranked *r = det_xmalloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++)
        r[i] = (struct det__ranked){ cost[i], i, procs[i] };
    qsort(r, n, sizeof *r, det__by_cost);
    for (size_t i = 0; i < n; i++) {
        procs[i] = r[i].p;
        cost[i] = r[i].cost;
    }
    free(r);
}
