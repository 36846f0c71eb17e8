/* detectors/explore/xrt_search.c - the driver: stateless search over the
 * schedules of the program it is linked into (see xrt.h).
 *
 * bounded: iterative preemption bounding (CHESS). Iteration c is a
 * depth-first search over the schedules with at most c preemptions (a
 * preemption: the next step goes to another thread while the last one could
 * still go on and did not just yield, or keeping a thread that just yielded
 * while another could go). Its runs with fewer than c
 * preemptions were counted in an earlier iteration: they are executed again
 * (the search keeps no states, only the current path) but not counted, so
 * every schedule is counted once and the first failure found has the fewest
 * preemptions. An iteration that skipped no alternative for the bound has
 * seen every schedule: the search stops there, exhausted.
 * random: --max-runs runs, each choice uniform among the enabled threads,
 * run r seeded with --seed + r. pct (xrt_pct.c): the same, each run with
 * random priorities and --depth - 1 change points.
 * replay: one run that follows the given schedule, then goes on without
 * preemptions. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xrt.h"
#include "xrt_outcome.h"

/* One step of the current path. */
struct xrt_node {
    uint64_t enabled, tried;
    uint32_t pre;              /* preemptions before this step */
    int8_t chosen, prev;       /* prev: who did the step before, -1 */
    uint8_t prev_yield;
};

struct xrt_search {
    struct xrt_node *path;
    uint8_t *prefix;
    uint32_t depth, plen;
    int c;                     /* the iteration's bound */
    bool pruned;               /* an alternative was left out for the bound */
    bool done, exhausted;
    uint64_t runs, execs, points, failures;
    const char *stop;
    double t0;
    /* the first failing (or refused) run */
    bool have_fail;
    struct xrt_shm *fail;
    uint32_t fail_pre;
    char fail_end[64], fail_out[240];
    int outfd;
    /* the first data race */
    bool have_race;
    struct xrt_race race;
    uint8_t *race_sched;
    uint32_t race_n;
    struct xrt_alloc *race_allocs;   /* the race run's heap blocks, to name them */
    uint32_t race_nallocs;
};

static double xrt__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t xrt__shm_size(void)
{
    size_t pend = xrt_cfg.strategy == XRT_DPOR ? XRT_DPOR_THREADS * sizeof(struct xrt_pend) : 0;
    return sizeof(struct xrt_shm) + xrt_cfg.max_steps * (sizeof(struct xrt_step) + pend);
}

/* Does choosing |t| at |n| preempt? A switch away from a thread that could
 * go on does; after its YIELD the thread passes its turn, so switching is
 * free and keeping it while another could go counts instead (so that a spin
 * loop with a yield costs a preemption per extra round and the bound ends
 * the search). */
static unsigned xrt__cost(const struct xrt_node *n, int t)
{
    if (n->prev < 0 || !(n->enabled >> n->prev & 1))
        return 0;
    if (n->prev_yield)
        return t == n->prev && (n->enabled & ~(1ull << t)) != 0;
    return t != n->prev;
}

/* Extends the path with the steps the run did beyond its prefix. */
static uint32_t xrt__extend(struct xrt_search *s, const struct xrt_shm *sh)
{
    for (uint32_t i = s->plen; i < sh->nsteps; i++) {
        struct xrt_node *n = &s->path[i];
        const struct xrt_step *st = &sh->steps[i];
        n->enabled = st->enabled;
        n->chosen = (int8_t)st->tid;
        n->tried = 1ull << st->tid;
        n->prev = i ? (int8_t)sh->steps[i - 1].tid : -1;
        n->prev_yield = i && sh->steps[i - 1].op == XRT_OP_YIELD;
        n->pre = i ? s->path[i - 1].pre + xrt__cost(&s->path[i - 1], s->path[i - 1].chosen) : 0;
    }
    s->depth = sh->nsteps;
    if (s->depth == 0)
        return 0;
    const struct xrt_node *last = &s->path[s->depth - 1];
    return last->pre + xrt__cost(last, last->chosen);
}

/* The deepest untried alternative within the bound; false when none. */
static bool xrt__backtrack(struct xrt_search *s)
{
    for (uint32_t i = s->depth; i-- > 0;) {
        struct xrt_node *n = &s->path[i];
        uint64_t alt = n->enabled & ~n->tried;
        while (alt) {
            int t = __builtin_ctzll(alt);
            alt &= alt - 1;
            if (s->c >= 0 && n->pre + xrt__cost(n, t) > (unsigned)s->c) {
                s->pruned = true;
                continue;
            }
            n->tried |= 1ull << t;
            n->chosen = (int8_t)t;
            for (uint32_t k = 0; k <= i; k++)
                s->prefix[k] = (uint8_t)s->path[k].chosen;
            s->plen = s->depth = i + 1;
            return true;
        }
    }
    return false;
}

static bool xrt__dpor_next(struct xrt_search *s)
{
    if (!xrt_dpor_next(s->prefix, &s->plen, &xrt_sleep0)) {
        s->exhausted = true;
        s->stop = "exhausted";
        return false;
    }
    s->depth = s->plen;
    s->path[s->plen - 1].chosen = (int8_t)s->prefix[s->plen - 1];
    return true;
}

/* The prefix of the next run; false when the search is over. */
static bool xrt__next(struct xrt_search *s)
{
    if (s->done)
        return false;
    if (s->execs == 0)
        return true;
    if (xrt__now() - s->t0 > xrt_cfg.max_seconds) {
        s->stop = "max-seconds";
        return false;
    }
    if (s->runs >= xrt_cfg.max_runs) {
        s->stop = "max-runs";
        return false;
    }
    bool sampling = xrt_cfg.strategy == XRT_RANDOM || xrt_cfg.strategy == XRT_PCT;
    if (sampling || xrt_prefix_len > 0)
        return sampling && xrt_prefix_len == 0;
    if (xrt_cfg.strategy == XRT_DPOR)
        return xrt__dpor_next(s);
    if (xrt__backtrack(s))
        return true;
    if (!s->pruned || s->c < 0 || s->c >= xrt_cfg.bound) {
        s->exhausted = !s->pruned;
        s->stop = s->pruned ? "bound" : "exhausted";
        return false;
    }
    s->c++;
    s->pruned = false;
    s->plen = s->depth = 0;
    return true;
}

/* The last non-empty line the run printed. */
static void xrt__last_line(int fd, char *out, size_t cap)
{
    char buf[4096];
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof buf - 1, from);
    n = n < 0 ? 0 : n;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    const char *nl = strrchr(buf, '\n');
    const char *last = nl ? nl + 1 : buf;
    size_t len = strnlen(last, cap - 1);
    memcpy(out, last, len);
    out[len] = '\0';
}

static void xrt__keep_fail(struct xrt_search *s, uint32_t pre, const char *end)
{
    s->have_fail = true;
    memcpy(s->fail, xrt_shm, sizeof *xrt_shm + xrt_shm->nsteps * sizeof(struct xrt_step));
    s->fail_pre = pre;
    snprintf(s->fail_end, sizeof s->fail_end, "%s", end);
    xrt__last_line(s->outfd, s->fail_out, sizeof s->fail_out);
}

/* How a run ended: "" passed, else the failure ("exit 1", "signal 6",
 * "deadlock"); *fatal for what stops the search (max-steps, refused calls,
 * divergence, a run over --max-seconds). */
static void xrt__judge(int ws, char *end, size_t cap, bool *fatal)
{
    uint32_t st = xrt_shm->status;
    *fatal = st == XRT_ST_MAXSTEPS || st == XRT_ST_UNSUPPORTED || st == XRT_ST_DIVERGED;
    if (st == XRT_ST_DEADLOCK)
        snprintf(end, cap, "deadlock");
    else if (*fatal)
        snprintf(end, cap, "%s", st == XRT_ST_MAXSTEPS ? "max-steps"
                                 : st == XRT_ST_UNSUPPORTED ? "unsupported" : "diverged");
    else if (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGALRM)
        *fatal = true, snprintf(end, cap, "timeout");
    else if (WIFSIGNALED(ws))
        snprintf(end, cap, "signal %d (%s)", WTERMSIG(ws), strsignal(WTERMSIG(ws)));
    else if (WEXITSTATUS(ws) != 0)
        snprintf(end, cap, "exit %d", WEXITSTATUS(ws));
    else
        end[0] = '\0';
    if (!*fatal && xrt_prefix_len > xrt_shm->nsteps) {
        *fatal = true;
        snprintf(end, cap, "diverged");
        snprintf(xrt_shm->msg, sizeof xrt_shm->msg,
                 "diverged at step %u: the program ended there", xrt_shm->nsteps + 1);
    }
}

/* The run's data race, if the search has none yet, or its use after free,
 * if the search has only a data race so far. */
static void xrt__scan(struct xrt_search *s)
{
    bool uaf_only = s->have_race && s->race.op1 != XRT_OP_FREE;
    if ((s->have_race && !uaf_only) || (uaf_only && xrt_shm->nfrees == 0))
        return;
    struct xrt_race r;
    if (!xrt_race_scan(xrt_shm, &r) || (uaf_only && r.op1 != XRT_OP_FREE))
        return;
    s->have_race = true;
    s->race = r;
    s->race_n = xrt_shm->nsteps;
    for (uint32_t i = 0; i < s->race_n; i++)
        s->race_sched[i] = xrt_shm->steps[i].tid;
    s->race_nallocs = xrt_shm->nallocs;
    memcpy(s->race_allocs, xrt_shm->allocs, sizeof *s->race_allocs * s->race_nallocs);
}

static void xrt__record(struct xrt_search *s, int ws)
{
    s->execs++;
    s->points += xrt_shm->nsteps;
    if (xrt_shm->nsteps > xrt_cfg.pct_steps)
        xrt_cfg.pct_steps = xrt_shm->nsteps;   /* pct's estimate for the next runs */
    uint32_t pre = xrt__extend(s, xrt_shm);
    if (xrt_cfg.strategy == XRT_DPOR && xrt_prefix == s->prefix)
        xrt_dpor_record(xrt_shm, s->plen);
    if (xrt_shm->status == XRT_ST_ASLEEP)
        return;   /* equivalent to a run already explored */
    bool counted = xrt_cfg.strategy != XRT_BOUNDED || s->c <= 0 || (int)pre == s->c;
    char end[64];
    bool fatal;
    xrt__judge(ws, end, sizeof end, &fatal);
    if (fatal) {
        xrt__keep_fail(s, pre, end);
        s->done = true;
        s->stop = end[0] == 't' ? "timeout" : "error";
        return;
    }
    if (!counted)
        return;
    s->runs++;
    xrt__scan(s);
    if (xrt_outcome_wanted()) {   /* --outcomes (xrt_outcome.c) */
        char last[240];
        xrt__last_line(s->outfd, last, sizeof last);
        xrt_outcome_note(last, end, xrt_shm);
    }
    if (end[0] == '\0')
        return;
    s->failures++;
    if (!s->have_fail)
        xrt__keep_fail(s, pre, end);
    if (!xrt_cfg.all) {
        s->done = true;
        s->stop = "failure";
    }
}

static const char *xrt__verdict(const struct xrt_search *s)
{
    if (!s->have_fail)
        return s->have_race ? "race" : "pass";
    switch (s->fail->status) {
    case XRT_ST_DEADLOCK: return "deadlock";
    case XRT_ST_MAXSTEPS: return "max-steps";
    case XRT_ST_UNSUPPORTED: return "unsupported";
    case XRT_ST_DIVERGED: return "diverged";
    default: break;
    }
    if (strcmp(s->fail_end, "diverged") == 0)
        return "diverged";
    return strcmp(s->fail_end, "timeout") == 0 ? "timeout" : "fail";
}

/* The shortest prefix that replays the run: up to its last step that is not
 * the schedule without preemptions would have taken. */
static uint32_t xrt__shortest(const struct xrt_shm *sh)
{
    uint32_t len = 0;
    for (uint32_t i = 0; i < sh->nsteps; i++) {
        int prev = i ? sh->steps[i - 1].tid : 0;
        int yielded = i && sh->steps[i - 1].op == XRT_OP_YIELD;
        if (sh->steps[i].tid != xrt_default_next(sh->steps[i].enabled, prev, yielded))
            len = i + 1;
    }
    return len;
}

static void xrt__write_allocs(FILE *f, const struct xrt_alloc *a, uint32_t n)
{
    for (uint32_t i = 0; i < n && i < XRT_MAX_ALLOCS; i++)
        fprintf(f, "alloc %llx %llx %llx\n", (unsigned long long)a[i].addr,
                (unsigned long long)a[i].size, (unsigned long long)a[i].pc);
}

static void xrt__write_trace(FILE *f, const struct xrt_shm *sh)
{
    uint32_t plen = xrt__shortest(sh);
    fprintf(f, "prefix ");
    for (uint32_t i = 0; i < plen; i++)
        fprintf(f, "%s%u", i ? "," : "", sh->steps[i].tid);
    fprintf(f, "%s\n", plen ? "" : "-");
    fprintf(f, "schedule ");
    for (uint32_t i = 0; i < sh->nsteps; i++)
        fprintf(f, "%s%u", i ? "," : "", sh->steps[i].tid);
    fprintf(f, "\n");
    for (uint32_t i = 0; i < sh->nsteps; i++) {
        const struct xrt_step *st = &sh->steps[i];
        fprintf(f, "step %u %u %u %llx %llx %u %llx\n", st->tid, st->op, st->size,
                (unsigned long long)st->addr, (unsigned long long)st->value, st->known,
                (unsigned long long)st->pc);
    }
    xrt__write_allocs(f, sh->allocs, sh->nallocs);
    for (uint32_t i = 0; i < sh->nblocked; i++) {
        const struct xrt_blocked *b = &sh->blocked[i];
        fprintf(f, "thread %u %u %llx %d ", b->tid, b->op, (unsigned long long)b->addr,
                b->owner);
        for (unsigned k = 0; k < b->nheld; k++)
            fprintf(f, "%s%llx", k ? "," : "", (unsigned long long)b->held[k]);
        fprintf(f, "%s\n", b->nheld ? "" : "-");
    }
}

/* The result file (xrt_proto.h); the exit status 0 pass, 1 fail, 2 error. */
static int xrt__report(const struct xrt_search *s, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return 2;
    double wall = xrt__now() - s->t0;
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    fprintf(f, "summary runs %llu executions %llu points %llu wall_ns %.0f exhausted %d "
               "bound %d failures %llu stop %s rss_kb %ld %ld\n",
            (unsigned long long)s->runs, (unsigned long long)s->execs,
            (unsigned long long)s->points, wall * 1e9, s->exhausted, s->c,
            (unsigned long long)s->failures, s->stop ? s->stop : "done", self.ru_maxrss,
            kids.ru_maxrss);
    const char *v = xrt__verdict(s);
    fprintf(f, "verdict %s\n", v);
    if (s->have_race && s->race_sched != NULL) {
        const struct xrt_race *r = &s->race;
        fprintf(f, "race %u %u %llx %u %u %llx %u %llx\nrace_schedule ", r->tid1, r->op1,
                (unsigned long long)r->pc1, r->tid2, r->op2, (unsigned long long)r->pc2,
                r->size, (unsigned long long)r->addr);
        for (uint32_t i = 0; i < s->race_n; i++)
            fprintf(f, "%s%u", i ? "," : "", s->race_sched[i]);
        fprintf(f, "\n");
    }
    if (s->have_fail) {
        fprintf(f, "end %s\npreemptions %u\n", s->fail_end, s->fail_pre);
        if (s->fail->msg[0])
            fprintf(f, "message %s\n", s->fail->msg);
        fprintf(f, "output %s\n", s->fail_out);
        xrt__write_trace(f, s->fail);
    } else if (s->have_race) {
        xrt__write_allocs(f, s->race_allocs, s->race_nallocs);
    }
    xrt_outcome_write(f);
    int rc = ferror(f) | fclose(f) ? 2 : 0;
    if (rc == 0)
        rc = strcmp(v, "pass") == 0 ? 0
             : strcmp(v, "fail") == 0 || strcmp(v, "deadlock") == 0 || strcmp(v, "race") == 0
                 ? 1 : 2;
    return rc;
}

/* RACELAB_EXPLORE: "strategy bound max_runs max_steps max_seconds seed all [depth]". */
static void xrt__config(void)
{
    xrt_cfg = (struct xrt_config){ .strategy = XRT_BOUNDED, .bound = 3, .max_runs = 100000,
                                   .max_steps = 100000, .max_seconds = 60, .seed = 1,
                                   .depth = 3 };
    const char *e = getenv("RACELAB_EXPLORE");
    unsigned long long runs, steps, seed;
    if (e != NULL && sscanf(e, "%d %d %llu %llu %lf %llu %d %d", &xrt_cfg.strategy,
                            &xrt_cfg.bound, &runs, &steps, &xrt_cfg.max_seconds, &seed,
                            &xrt_cfg.all, &xrt_cfg.depth) >= 7) {
        xrt_cfg.max_runs = runs;
        xrt_cfg.max_steps = steps ? steps : 1;
        xrt_cfg.seed = seed;
    }
    static uint8_t replay[1 << 16];
    const char *r = getenv("RACELAB_EXPLORE_REPLAY");
    for (char *p = (char *)r; r != NULL && *p && xrt_prefix_len < sizeof replay;) {
        replay[xrt_prefix_len++] = (uint8_t)strtoul(p, &p, 10);
        p += *p == ',';
    }
    xrt_prefix = replay;
}

/* The main thread's stack, from /proc/self/maps. */
static void xrt__main_stack(uintptr_t *lo, uintptr_t *hi)
{
    *lo = *hi = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        unsigned long a, b;
        if (strstr(line, "[stack]") != NULL && sscanf(line, "%lx-%lx", &a, &b) == 2) {
            *lo = a;
            *hi = b;
        }
    }
    if (f != NULL)
        fclose(f);
}

static void xrt__child(struct xrt_search *s, uintptr_t lo, uintptr_t hi)
{
    dup2(s->outfd, 1);
    dup2(s->outfd, 2);
    close(s->outfd);
    alarm((unsigned)xrt_cfg.max_seconds + 1);
    if (xrt_cfg.strategy == XRT_RANDOM || xrt_cfg.strategy == XRT_PCT)
        xrt_cfg.seed += s->execs;
    xrt_child_begin(lo, hi);
}

static struct xrt_search xrt__s;

/* The driver's loop: returns only in a child, which then runs main. */
static void xrt__drive(const char *out, uintptr_t lo, uintptr_t hi)
{
    struct xrt_search *s = &xrt__s;
    s->path = calloc(xrt_cfg.max_steps, sizeof *s->path);
    s->prefix = calloc(xrt_cfg.max_steps, 1);
    s->fail = malloc(xrt__shm_size());
    /* Everything the driver allocates is allocated here, before the first
     * fork: every run starts from the same heap, so heap addresses (and
     * what the program does with them) are the same in every run. */
    s->race_sched = malloc(xrt_cfg.max_steps);
    s->race_allocs = malloc(sizeof *s->race_allocs * XRT_MAX_ALLOCS);
    s->outfd = memfd_create("racelab-explore-output", 0);
    if (xrt_cfg.strategy == XRT_DPOR && !xrt_dpor_init(xrt_cfg.max_steps))
        _exit(2);
    s->c = xrt_cfg.strategy == XRT_BOUNDED && xrt_prefix_len == 0 ? (xrt_cfg.bound < 0 ? -1 : 0)
                                                                   : -1;
    s->t0 = xrt__now();
    if (s->path == NULL || s->prefix == NULL || s->fail == NULL || s->race_sched == NULL ||
        s->race_allocs == NULL || s->outfd < 0)
        _exit(2);
    fflush(NULL);
    while (xrt__next(s)) {
        if (xrt_prefix_len == 0) {
            xrt_prefix = s->prefix;
            xrt_prefix_len = s->plen;
        }
        if (ftruncate(s->outfd, 0) != 0 || lseek(s->outfd, 0, SEEK_SET) != 0)
            _exit(2);
        pid_t pid = fork();
        if (pid == 0)
            return xrt__child(s, lo, hi);
        int ws = 0;
        while (pid > 0 && waitpid(pid, &ws, 0) < 0 && errno == EINTR)
            ;
        if (pid < 0)
            _exit(2);
        xrt__record(s, ws);
        if (xrt_prefix == s->prefix)
            xrt_prefix_len = 0;
    }
    _exit(xrt__report(s, out));
}

void __tsan_init(void);
void __tsan_init(void)
{
    static bool once;
    if (once)
        return;
    once = true;
    xrt__config();
    uintptr_t lo, hi;
    xrt__main_stack(&lo, &hi);
    xrt_shm = mmap(NULL, xrt__shm_size(), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (xrt_shm == MAP_FAILED) {
        fprintf(stderr, "racelab explore: cannot map the trace: %s\n", strerror(errno));
        _exit(2);
    }
    const char *out = getenv("RACELAB_EXPLORE_OUT");
    if (out == NULL || out[0] == '\0') {
        xrt_child_begin(lo, hi);   /* run once, in-process, under the default schedule */
        return;
    }
    xrt__drive(out, lo, hi);
}
