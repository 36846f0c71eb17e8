/* detectors/explore/explore_tty.c - racelab explore PROG.c --tty: the
 * Deadlock Empire in a terminal (see explore_tty.h).
 *
 * One key, one replay: the schedule so far goes to the driver as --replay;
 * the run stops at the next choice and writes where each thread is
 * (xrt_tty.c): its pending operation, the source line of it, whether it can
 * go on, and the values of the memory touched so far. When the step made
 * the program end (or deadlock), there is no such file: the driver's result
 * says how, with the step table of the whole run. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "det.h"
#include "explore_tty.h"
#include "xrt.h"
#include "xrt_tty.h"

#define TTY_KEYS "0-9 step a thread, u undo, r reset, s schedule, q quit"

struct tty_thread {
    unsigned state, op, size, semval, flags;   /* flags: 1 signalled, 2 a timed wait */
    int join_on, owner;
    uint64_t addr, addr2, pc;
    char src[96], name[80], name2[80];   /* file:line; addr's and addr2's names */
};

struct tty_var {
    uint64_t addr, value;
    unsigned size;
    int owner;                           /* a mutex's owner, -1 free */
    char name[80];
};

/* One replay's outcome. */
struct tty_view {
    bool stopped;                        /* the threads wait for the next step */
    uint64_t enabled;
    unsigned nthreads, nvars, nlocks;
    struct tty_thread t[XRT_MAX_THREADS];
    struct tty_var v[XRT_TTY_MAX_VARS], l[XRT_TTY_MAX_VARS];
    struct xp_result r;                  /* the steps; how it ended, when it did */
};

struct tty_game {
    const struct xp_options *o;
    struct xp_build *b;
    int argc;
    char **argv;
    uint8_t *sched;                      /* the learner's schedule */
    size_t n, cap;
    char **src;                          /* the target's lines */
    size_t nsrc;
    const char *base;                    /* the target's file name */
    struct tty_view v;
    char msg[300];
    bool test;
    unsigned screen;
};

static struct termios tty__saved;
static bool tty__raw_on;
static char tty__state[PATH_MAX];        /* the stop file (xrt_tty.h) */

static void tty__restore(void)
{
    if (tty__raw_on)
        tcsetattr(0, TCSAFLUSH, &tty__saved);
    tty__raw_on = false;
    if (tty__state[0])
        unlink(tty__state);
    tty__state[0] = '\0';
}

void xp_tty_check(const struct xp_options *o)
{
    if (o->json || o->mermaid || o->svg != NULL || o->replay != NULL || o->all ||
        o->strategy != XRT_BOUNDED)
        det_usage_error("explore --tty: you are the scheduler; --json, --mermaid, --svg, "
                        "--replay, --all and --strategy belong to a search, without --tty");
    if (!isatty(0))
        det_usage_error("explore --tty needs a terminal on stdin (one key per step); to run "
                        "a schedule without one: racelab explore %s --replay SCHEDULE",
                        o->target);
}

/* Keys one at a time, no echo; signals (Ctrl-C) stay on. */
static void tty__raw(void)
{
    if (tcgetattr(0, &tty__saved) != 0)
        det_usage_error("explore --tty: cannot read the terminal's mode: %s", strerror(errno));
    struct termios t = tty__saved;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(0, TCSAFLUSH, &t) != 0)
        det_usage_error("explore --tty: cannot set the terminal's mode: %s", strerror(errno));
    tty__raw_on = true;
}

/* The next key, or -1 at end of input or on a signal (SIGINT, SIGTERM,
 * SIGHUP: det_signals_install). The signals are blocked between the check
 * and the wait, which ppoll lifts atomically: one that arrives after the
 * check still ends the wait. */
static int tty__key(void)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    for (;;) {
        sigprocmask(SIG_BLOCK, &block, &old);
        if (det_interrupted()) {
            sigprocmask(SIG_SETMASK, &old, NULL);
            return -1;
        }
        struct pollfd pf = { .fd = 0, .events = POLLIN };
        int rc = ppoll(&pf, 1, NULL, &old);
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (rc < 0 && errno == EINTR)
            continue;
        unsigned char c;
        if (rc < 0 || read(0, &c, 1) != 1)
            return -1;   /* the terminal is gone */
        return c;
    }
}

static int tty__cols(void)
{
    struct winsize ws;
    if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col;
    return 80;
}

/* The target's source lines, for each thread's current line. */
static void tty__load_source(struct tty_game *g)
{
    FILE *f = fopen(g->o->target, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (f != NULL && (len = getline(&line, &cap, f)) >= 0) {
        g->src = realloc(g->src, (g->nsrc + 1) * sizeof *g->src);
        line[strcspn(line, "\r\n")] = '\0';
        g->src[g->nsrc++] = strdup(line);
    }
    free(line);
    if (f != NULL)
        fclose(f);
    const char *slash = strrchr(g->o->target, '/');
    g->base = slash ? slash + 1 : g->o->target;
}

/* "counter.c:16" -> that line of the target, leading blanks dropped; "". */
static const char *tty__text(const struct tty_game *g, const char *src)
{
    const char *colon = strrchr(src, ':');
    size_t bl = strlen(g->base);
    if (colon == NULL || (size_t)(colon - src) != bl || strncmp(src, g->base, bl) != 0)
        return "";
    unsigned long ln = strtoul(colon + 1, NULL, 10);
    if (ln == 0 || ln > g->nsrc || g->src[ln - 1] == NULL)
        return "";
    const char *s = g->src[ln - 1];
    return s + strspn(s, " \t");
}

static void tty__state_line(struct tty_view *v, const char *line)
{
    unsigned long long a, a2, pc, val;
    unsigned tid, st, op, size, semval, flags;
    int join, owner;
    if (sscanf(line, "tty stop %*u %u %llx", &v->nthreads, &a) == 2) {
        v->enabled = a;
        v->nthreads = v->nthreads > XRT_MAX_THREADS ? XRT_MAX_THREADS : v->nthreads;
    } else if (sscanf(line, "tty thread %u %u %u %u %llx %llx %llx %d %d %u %u", &tid, &st,
                      &op, &size, &a, &a2, &pc, &join, &owner, &semval, &flags) == 11 &&
               tid < XRT_MAX_THREADS && op < XRT_NOPS) {
        v->t[tid] = (struct tty_thread){ .state = st, .op = op, .size = size, .addr = a,
                                         .addr2 = a2, .pc = pc, .join_on = join,
                                         .owner = owner, .semval = semval,
                                         .flags = flags };
    } else if (sscanf(line, "tty var %llx %u %llx", &a, &size, &val) == 3 &&
               v->nvars < XRT_TTY_MAX_VARS) {
        v->v[v->nvars++] = (struct tty_var){ .addr = a, .size = size, .value = val };
    } else if (sscanf(line, "tty mutex %llx %d", &a, &owner) == 2 &&
               v->nlocks < XRT_TTY_MAX_VARS) {
        v->l[v->nlocks++] = (struct tty_var){ .addr = a, .owner = owner };
    }
}

static void tty__parse_state(struct tty_view *v)
{
    FILE *f = fopen(tty__state, "r");
    char *line = NULL;
    size_t cap = 0;
    while (f != NULL && getline(&line, &cap, f) > 0)
        tty__state_line(v, line);
    free(line);
    if (f != NULL)
        fclose(f);
}

/* Names and source lines through the step table's symbolizer: the threads'
 * pending operations (and their second object), the variables and the
 * mutexes go in as extra steps and come out named. */
static void tty__symbolize(struct tty_game *g, struct tty_view *v)
{
    struct xp_result *r = &v->r;
    size_t real = r->nsteps, extra = 2 * v->nthreads + v->nvars + v->nlocks;
    r->steps = realloc(r->steps, (real + extra + 1) * sizeof *r->steps);
    struct xp_step *x = r->steps + real;
    memset(x, 0, extra * sizeof *x);
    for (unsigned i = 0; i < v->nthreads; i++) {
        x[2 * i] = (struct xp_step){ .addr = v->t[i].addr, .pc = v->t[i].pc };
        x[2 * i + 1] = (struct xp_step){ .addr = v->t[i].addr2 };
    }
    for (unsigned k = 0; k < v->nvars; k++)
        x[2 * v->nthreads + k].addr = v->v[k].addr;
    for (unsigned k = 0; k < v->nlocks; k++)
        x[2 * v->nthreads + v->nvars + k].addr = v->l[k].addr;
    r->nsteps = real + extra;
    xp_symbolize(g->b->prog, r);
    r->nsteps = real;
    for (unsigned i = 0; i < v->nthreads; i++) {
        snprintf(v->t[i].name, sizeof v->t[i].name, "%s", x[2 * i].var);
        snprintf(v->t[i].name2, sizeof v->t[i].name2, "%s", x[2 * i + 1].var);
        snprintf(v->t[i].src, sizeof v->t[i].src, "%s", v->t[i].pc ? x[2 * i].src : "");
    }
    for (unsigned k = 0; k < v->nvars; k++)
        snprintf(v->v[k].name, sizeof v->v[k].name, "%s", x[2 * v->nthreads + k].var);
    for (unsigned k = 0; k < v->nlocks; k++)
        snprintf(v->l[k].name, sizeof v->l[k].name, "%s",
                 x[2 * v->nthreads + v->nvars + k].var);
}

static void tty__view_free(struct tty_view *v)
{
    free(v->r.steps);
    free(v->r.schedule);
    free(v->r.prefix);
    free(v->r.race_schedule);
    free(v->r.allocs);
    memset(v, 0, sizeof *v);
}

/* The learner's schedule as --replay takes it: "1,2,1". */
static char *tty__list(const struct tty_game *g)
{
    char *s = det_xmalloc(g->n * 4 + 1);
    size_t len = 0;
    for (size_t i = 0; i < g->n; i++)
        len += (size_t)sprintf(s + len, "%s%u", i ? "," : "", g->sched[i]);
    s[len] = '\0';
    return s;
}

/* Replays the schedule and stops at the next choice (or the end). */
static void tty__replay(struct tty_game *g)
{
    struct xp_options o = *g->o;
    char *list = tty__list(g);
    o.replay = g->n ? list : NULL;
    o.max_runs = 1;
    unlink(tty__state);
    xp_drive(&o, g->b, g->argc, g->argv);
    free(list);
    tty__view_free(&g->v);
    g->v.stopped = access(tty__state, R_OK) == 0;
    xp_parse(g->v.stopped ? tty__state : g->b->out, &g->v.r);
    if (g->v.stopped)
        tty__parse_state(&g->v);
    unlink(tty__state);
    tty__symbolize(g, &g->v);
    xp_notes(&g->v.r);
}

static bool tty__won(const struct tty_view *v)
{
    return !v->stopped && (strcmp(v->r.verdict, "fail") == 0 ||
                           strcmp(v->r.verdict, "deadlock") == 0);
}

/* A value of |size| bytes, signed. */
static long long tty__signed(uint64_t v, unsigned size)
{
    if (size == 1)
        return (int8_t)v;
    if (size == 2)
        return (int16_t)v;
    if (size == 4)
        return (int32_t)v;
    return (long long)v;
}

/* What thread |i| does next, or why it cannot. */
static void tty__what(const struct tty_view *v, unsigned i, char *out, size_t cap)
{
    const struct tty_thread *t = &v->t[i];
    const char *op = xrt_op_names[t->op];
    bool en = v->enabled >> i & 1;
    if (t->state == XRT_DONE)
        snprintf(out, cap, "finished");
    else if (t->state == XRT_JOINING)
        snprintf(out, cap, "waits for T%d to finish", t->join_on);
    else if (en && t->op == XRT_OP_WAIT)
        snprintf(out, cap, "WAIT %s (lets %s go)", t->name, t->name2);
    else if (en && t->op == XRT_OP_WAKE)
        snprintf(out, cap, "WAKE from %s (takes %s)", t->name, t->name2);
    else if (en)
        snprintf(out, cap, "%s%s%s", op, t->addr ? " " : "", t->addr ? t->name : "");
    else if (t->op == XRT_OP_LOCK && t->owner >= 0)
        snprintf(out, cap, "blocked on %s (held by T%d)", t->name, t->owner);
    else if (t->op == XRT_OP_WAKE && (t->flags & 3) && t->owner >= 0)
        snprintf(out, cap, "%s; %s held by T%d", t->flags & 1 ? "woken" : "may time out",
                 t->name2, t->owner);
    else if (t->op == XRT_OP_WAKE)
        snprintf(out, cap, "waits on %s for a signal", t->name);
    else if (t->op == XRT_OP_SEM_WAIT)
        snprintf(out, cap, "blocked on %s (value %u)", t->name, t->semval);
    else
        snprintf(out, cap, "cannot go on (%s%s%s)", op, t->addr ? " " : "",
                 t->addr ? t->name : "");
}

/* The mutexes thread |i| holds, "holds a, b", or "". */
static void tty__holds(const struct tty_view *v, unsigned i, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (unsigned k = 0; k < v->nlocks && len + 1 < cap; k++)
        if (v->l[k].owner == (int)i)
            len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "holds ",
                                    v->l[k].name);
}

static bool tty__any_held(const struct tty_view *v)
{
    for (unsigned k = 0; k < v->nlocks; k++)
        if (v->l[k].owner >= 0)
            return true;
    return false;
}

/* One row of cells, each |w| wide, for threads [from, to). */
static void tty__row(const struct tty_game *g, unsigned from, unsigned to, int w, int line)
{
    char row[1024];
    size_t len = 0;
    for (unsigned i = from; i < to && len + (size_t)w + 1 < sizeof row; i++) {
        const struct tty_thread *t = &g->v.t[i];
        char cell[200];
        if (line == 0)
            snprintf(cell, sizeof cell, "T%u%s%s", i, i == 0 ? " (main)" : "",
                     g->v.enabled >> i & 1 ? (i < 10 ? "  [can go]" : "  [can go, no key]") : "");
        else if (line == 1)
            snprintf(cell, sizeof cell, "%s", t->state == XRT_DONE ? "" : t->src);
        else if (line == 2)
            snprintf(cell, sizeof cell, "  %s", t->state == XRT_DONE ? "" : tty__text(g, t->src));
        else if (line == 3)
            tty__what(&g->v, i, cell, sizeof cell);
        else
            tty__holds(&g->v, i, cell, sizeof cell);
        len += (size_t)snprintf(row + len, sizeof row - len, "%-*.*s ", w - 1, w - 1, cell);
    }
    while (len > 0 && row[len - 1] == ' ')
        len--;
    row[len] = '\0';
    printf("%s\n", row);
}

static void tty__threads(const struct tty_game *g)
{
    int cols = tty__cols();
    unsigned n = g->v.nthreads ? g->v.nthreads : 1;
    int w = (cols - 1) / (int)n;
    w = w > 44 ? 44 : w < 26 ? 26 : w;
    unsigned per = (unsigned)((cols - 1) / w);
    per = per ? per : 1;
    for (unsigned from = 0; from < g->v.nthreads; from += per) {
        unsigned to = from + per < g->v.nthreads ? from + per : g->v.nthreads;
        for (int line = 0; line < (tty__any_held(&g->v) ? 5 : 4); line++)
            tty__row(g, from, to, w, line);
        printf("\n");
    }
}

static void tty__memory(const struct tty_view *v)
{
    printf("shared variables%s\n", v->nvars ? "" : ": none touched yet");
    for (unsigned k = 0; k < v->nvars; k++)
        printf("  %-20s = %lld\n", v->v[k].name, tty__signed(v->v[k].value, v->v[k].size));
    if (v->nlocks)
        printf("mutexes\n");
    for (unsigned k = 0; k < v->nlocks; k++) {
        if (v->l[k].owner >= 0)
            printf("  %-20s   held by T%d\n", v->l[k].name, v->l[k].owner);
        else
            printf("  %-20s   free\n", v->l[k].name);
    }
}

/* The last steps taken, as in the step table. */
static void tty__history(const struct tty_view *v)
{
    size_t n = v->r.nsteps, from = n > 6 ? n - 6 : 0;
    if (n == 0)
        return;
    printf("\nlast steps%s\n", from ? " (the latest 6)" : "");
    for (size_t i = from; i < n; i++) {
        const struct xp_step *s = &v->r.steps[i];
        char val[32] = "";
        if (s->op <= XRT_OP_CAS)
            snprintf(val, sizeof val, s->known ? "%lld" : "?", tty__signed(s->value, s->size));
        char row[400];
        int len = snprintf(row, sizeof row, "  %4zu  T%-3u %-9s %-16s %6s  %-16s %s", i + 1,
                           s->tid, xrt_op_names[s->op], s->var, val, s->src, s->note);
        while (len > 0 && (size_t)len < sizeof row && row[len - 1] == ' ')
            row[--len] = '\0';
        printf("%s\n", row);
    }
}

static void tty__keys(const struct tty_game *g)
{
    if (!g->v.stopped) {
        printf("keys: u undo, r reset, s schedule, q quit\n");
        return;
    }
    printf("keys:");
    for (unsigned i = 0; i < g->v.nthreads && i < 10; i++)
        if (g->v.enabled >> i & 1)
            printf(" %u", i);
    printf(" step that thread; u undo, r reset, s schedule, q quit\n");
}

/* How the run ended: the win, or why it is no win. */
static void tty__ending(const struct tty_game *g)
{
    const struct xp_result *r = &g->v.r;
    struct xp_options o = *g->o;
    char *list = tty__list(g);
    o.replay = list;
    if (tty__won(&g->v))
        printf("*** YOU WIN: %s ***\n\n", strcmp(r->verdict, "deadlock") == 0
               ? "the threads are deadlocked" : "the invariant is broken");
    else if (strcmp(r->verdict, "pass") == 0 || strcmp(r->verdict, "race") == 0)
        printf("The program finished and its invariant held (exit 0): no win this time. "
               "u undo, r reset.\n\n");
    else
        printf("The run ended in an error: no win. u undo, r reset.\n\n");
    xp_print_human(&o, r);
    printf("\nschedule %s\nreplay: racelab explore %s --replay %s\n", list, g->o->target, list);
    free(list);
}

static void tty__draw(struct tty_game *g)
{
    printf("\033[H\033[2J");
    printf("racelab explore --tty %s: you are the scheduler. Break the invariant or "
           "deadlock the threads.\n", g->base);
    char *list = tty__list(g);
    printf("%zu step%s taken, schedule %s\n\n", g->n, g->n == 1 ? "" : "s",
           g->n ? list : "(empty)");
    free(list);
    if (g->v.stopped) {
        tty__threads(g);
        tty__memory(&g->v);
        tty__history(&g->v);
    } else {
        tty__ending(g);
    }
    printf("\n%s%s", g->msg, g->msg[0] ? "\n" : "");
    tty__keys(g);
    if (g->test)
        printf("[screen %u]\n", g->screen);
    printf("> ");
    fflush(stdout);
    g->screen++;
    g->msg[0] = '\0';
}

/* A digit: step that thread if it can go on. */
static void tty__step(struct tty_game *g, unsigned t)
{
    char what[200];
    if (!g->v.stopped) {
        snprintf(g->msg, sizeof g->msg, "the program has ended: u undo, r reset, q quit");
    } else if (t >= g->v.nthreads) {
        snprintf(g->msg, sizeof g->msg, "there is no thread T%u (the threads are T0-T%u)", t,
                 g->v.nthreads - 1);
    } else if (!(g->v.enabled >> t & 1)) {
        tty__what(&g->v, t, what, sizeof what);
        snprintf(g->msg, sizeof g->msg, "T%u cannot go on: %s", t, what);
    } else {
        if (g->n == g->cap)
            g->sched = realloc(g->sched, g->cap = g->cap * 2 + 64);
        g->sched[g->n++] = (uint8_t)t;
        tty__replay(g);
    }
}

static void tty__handle(struct tty_game *g, int c)
{
    if (c >= '0' && c <= '9') {
        tty__step(g, (unsigned)(c - '0'));
    } else if (c == 'u' && g->n == 0) {
        snprintf(g->msg, sizeof g->msg, "nothing to undo: no step taken yet");
    } else if (c == 'u' || c == 'r') {
        g->n = c == 'u' ? g->n - 1 : 0;
        tty__replay(g);
        snprintf(g->msg, sizeof g->msg, c == 'u' ? "undone" : "reset: back to the start");
    } else if (c == 's') {
        char *list = tty__list(g);
        if (g->n)
            snprintf(g->msg, sizeof g->msg, "schedule %s   (racelab explore %s --replay %s)",
                     list, g->o->target, list);
        else
            snprintf(g->msg, sizeof g->msg, "schedule: empty, no step taken yet");
        free(list);
    } else if (c != '\n' && c != '\r') {
        snprintf(g->msg, sizeof g->msg, c >= 32 && c < 127 ? "unknown key '%c': " TTY_KEYS
                 : "unknown key (%d): " TTY_KEYS, c);
    }
}

int xp_tty(const struct xp_options *o, struct xp_build *b, int argc, char **argv)
{
    struct tty_game g = { .o = o, .b = b, .argc = argc, .argv = argv };
    const char *test = getenv("RACELAB_TTY_TEST");
    g.test = test != NULL && strcmp(test, "1") == 0;
    tty__load_source(&g);
    snprintf(tty__state, sizeof tty__state, "%s/racelab-tty-XXXXXX", det_tmpdir());
    int fd = mkstemp(tty__state);
    if (fd < 0) {
        xp_build_clean(b);
        det_usage_error("explore --tty: cannot create a file in %s: %s", det_tmpdir(),
                        strerror(errno));
    }
    close(fd);
    atexit(tty__restore);
    setenv(XRT_TTY_ENV, tty__state, 1);
    tty__raw();
    tty__replay(&g);
    tty__draw(&g);
    int c;
    while ((c = tty__key()) >= 0 && c != 'q' && c != 4) {
        tty__handle(&g, c);
        tty__draw(&g);
    }
    char *list = tty__list(&g);
    printf("\nschedule %s\n", g.n ? list : "(empty)");
    free(list);
    bool won = tty__won(&g.v);
    tty__restore();
    tty__view_free(&g.v);
    for (size_t i = 0; i < g.nsrc; i++)
        free(g.src[i]);
    free(g.src);
    free(g.sched);
    xp_build_clean(b);
    return det_interrupted() ? 130 : won ? 1 : 0;
}
