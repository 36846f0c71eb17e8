/* detectors/explore/explore.c - racelab explore PROGRAM.c [ARGS...]: build
 * the program for the explorer, run its driver, render the result.
 *
 * The build: clang -O0 -g -fsanitize=thread (every source access stays a
 * point; -tsan-instrument-read-before-write keeps the load of `x = x + 1`,
 * which TSan itself may drop because the store covers it for race
 * detection), then a link against libracelab-explore.a (../lib/ from the
 * racelab binary) instead of TSan's runtime, -no-pie so that addresses in
 * the trace are the symbol table's. What the explorer cannot model is
 * refused from the object's undefined symbols before anything runs. */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "det.h"
#include "explore.h"
#include "explore_dwarf.h"
#include "explore_tty.h"
#include "util/fs.h"
#include "util/opt.h"

/* Calls the runtime takes over, and data-only ones that need no model. */
static const char *const xp__supported[] = {
    "pthread_create", "pthread_join", "pthread_exit", "pthread_self", "pthread_equal",
    "pthread_detach", "pthread_mutex_init", "pthread_mutex_destroy", "pthread_mutex_lock",
    "pthread_mutex_trylock", "pthread_mutex_unlock", "pthread_cond_init",
    "pthread_cond_destroy", "pthread_cond_wait", "pthread_cond_timedwait",
    "pthread_cond_signal", "pthread_cond_broadcast", "pthread_once", "sem_init",
    "sem_destroy", "sem_wait", "sem_trywait", "sem_post", "sem_getvalue",
    "pthread_rwlock_init", "pthread_rwlock_destroy", "pthread_rwlock_rdlock",
    "pthread_rwlock_tryrdlock", "pthread_rwlock_wrlock", "pthread_rwlock_trywrlock",
    "pthread_rwlock_unlock", "pthread_barrier_init", "pthread_barrier_wait",
    "pthread_barrier_destroy", "pthread_rwlock_timedrdlock", "pthread_rwlock_timedwrlock",
    "pthread_rwlock_clockrdlock", "pthread_rwlock_clockwrlock", "pthread_spin_init",
    "pthread_spin_destroy", "pthread_spin_lock", "pthread_spin_trylock", "pthread_spin_unlock",
    NULL,
};
static const char *const xp__data_prefixes[] = { "pthread_attr_", "pthread_mutexattr_",
                                                 "pthread_condattr_", "pthread_rwlockattr_",
                                                 "pthread_barrierattr_", NULL };
/* What it cannot model: other processes, signals, blocking I/O between
 * threads, C11 threads (glibc implements them without these calls). A raw
 * syscall() is the runtime's: futex and gettid modelled, any other call
 * refused when a run makes it (xrt_futex.c). */
static const char *const xp__refused[] = {
    "fork", "vfork", "clone", "clone3", "posix_spawn", "posix_spawnp", "system", "popen",
    "signal", "sigaction", "raise", "kill", "alarm", "setitimer", "timer_create", "pause",
    "sigwait", "sigsuspend", "pipe", "pipe2", "socket", "socketpair", "accept", "connect",
    "select", "poll", "epoll_wait", "eventfd", "thrd_create", "mtx_lock", "cnd_wait", NULL,
};

static bool xp__in(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i] != NULL; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* Why the object cannot be explored, or NULL. */
static const char *xp__refuse(const char *obj, char *why, size_t cap)
{
    struct xp_sym *s;
    size_t n;
    if (xp_symbols(obj, &s, &n) != 0)
        return NULL;
    why[0] = '\0';
    for (size_t i = 0; i < n && !why[0]; i++) {
        const char *nm = s[i].name;
        bool pthreadish = strncmp(nm, "pthread_", 8) == 0 || strncmp(nm, "sem_", 4) == 0;
        bool data = false;
        for (size_t k = 0; xp__data_prefixes[k] != NULL; k++)
            data |= strncmp(nm, xp__data_prefixes[k], strlen(xp__data_prefixes[k])) == 0;
        if (s[i].undef && (xp__in(xp__refused, nm) ||
                                (pthreadish && !data && !xp__in(xp__supported, nm))))
            snprintf(why, cap, "the program calls %s(), which the explorer cannot model", nm);
    }
    xp_symbols_free(s, n);
    return why[0] ? why : NULL;
}

/* The runtime beside racelab: BINDIR/../lib/libracelab-explore.a. */
static void xp__runtime(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        det_usage_error("explore: cannot find my own binary (/proc/self/exe)");
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash != NULL)
        *slash = '\0';
    snprintf(out, cap, "%s/../lib/libracelab-explore.a", exe);
    if (access(out, R_OK) != 0)
        det_usage_error("explore: the explorer runtime %s is missing (build the "
                        "racelab-explore target)", out);
}

void xp_build_clean(struct xp_build *b)
{
    if (b->dir[0] == '\0')
        return;
    util_remove_tree(b->dir);   /* with what a killed compiler left (prog-*.o.tmp) */
    b->dir[0] = '\0';
}

/* One compiler run; on failure its first error line, exit 2. */
static void xp__cc(struct xp_build *b, char **argv, const char *what, const char *target)
{
    struct det_proc p = { .argv = argv, .timeout_s = 120 };
    struct det_proc *pp = &p;
    int rc = det_pool_run(&pp, 1, 1, false);
    bool ok = rc == 0 && p.end == UTIL_END_EXIT && p.code == 0;
    char first[400] = "";
    const char *undef = ok ? NULL : strstr(p.err, "undefined reference to");
    if (undef != NULL)   /* the linker's line, not the driver's "linker command failed" */
        snprintf(first, sizeof first, "%.*s", (int)strcspn(undef, "\n"), undef);
    else if (!ok)
        det_compiler_first_error(p.err, first, sizeof first);
    det_proc_free(&p);
    if (det_interrupted()) {
        xp_build_clean(b);
        exit(130);
    }
    if (!ok) {
        xp_build_clean(b);
        det_usage_error("explore: %s %s: %s", target, what, first[0] ? first : "failed");
    }
}

void xp_compile(const char *target, struct xp_build *b)
{
    if (access(target, R_OK) != 0)
        det_usage_error("explore: cannot read %s: %s", target, strerror(errno));
    char clang[PATH_MAX], rt[PATH_MAX + 32], why[300];
    if (!det_find_program("clang", clang, sizeof clang))
        det_usage_error("explore: needs clang in PATH (apt-get install clang)");
    xp__runtime(rt, sizeof rt);
    snprintf(b->dir, sizeof b->dir, "%s/racelab-explore-XXXXXX", det_tmpdir());
    if (mkdtemp(b->dir) == NULL)
        det_usage_error("explore: cannot create a directory in %s: %s", det_tmpdir(),
                        strerror(errno));
    snprintf(b->obj, sizeof b->obj, "%s/prog.o", b->dir);
    snprintf(b->prog, sizeof b->prog, "%s/prog", b->dir);
    snprintf(b->out, sizeof b->out, "%s/result", b->dir);
    char *cc[] = { clang, "-O0", "-g", "-fsanitize=thread", "-mllvm",
                   "-tsan-instrument-read-before-write", "-c", (char *)target, "-o", b->obj,
                   NULL };
    xp__cc(b, cc, "does not compile", target);
    if (xp__refuse(b->obj, why, sizeof why) != NULL) {
        xp_build_clean(b);
        det_usage_error("explore: %s: %s", target, why);
    }
    char *ld[] = { clang, "-no-pie", b->obj, rt, "-o", b->prog, NULL };
    xp__cc(b, ld, "does not link against the explorer runtime", target);
}

/* "1,2*2,1" -> "1,2,2,1" in out; false with the reason in why. */
static bool xp__expand(const char *s, char **out, char *why, size_t cap)
{
    size_t len = 0, room = 64, item = 0;
    char *buf = det_xmalloc(room);
    buf[0] = '\0';
    for (const char *p = s; *p;) {
        item++;
        char *end;
        unsigned long t = strtoul(p, &end, 10), count = 1;
        bool ok = end != p && t < XRT_MAX_THREADS && *p >= '0' && *p <= '9';
        if (ok && *end == '*') {
            const char *c = end + 1;
            count = strtoul(c, &end, 10);
            ok = end != c && *c >= '0' && *c <= '9' && count >= 1 && count <= 1000000;
        }
        ok = ok && (*end == ',' || *end == '\0') && !(*end == ',' && end[1] == '\0');
        if (!ok) {
            snprintf(why, cap, "item %zu ('%.*s') is not THREAD or THREAD*COUNT (THREAD 0-%d)",
                     item, (int)strcspn(p, ","), p, XRT_MAX_THREADS - 1);
            free(buf);
            return false;
        }
        for (unsigned long k = 0; k < count; k++) {
            if (len + 4 >= room)
                buf = realloc(buf, room *= 2);
            len += (size_t)sprintf(buf + len, "%s%lu", len ? "," : "", t);
        }
        p = *end ? end + 1 : end;
    }
    if (item == 0)
        snprintf(why, cap, "it is empty");
    *out = buf;
    return item > 0;
}

/* Runs the driver (the program itself, see xrt_search.c). */
void xp_drive(const struct xp_options *o, struct xp_build *b, int argc, char **argv)
{
    char cfg[200];
    snprintf(cfg, sizeof cfg, "%d %d %llu %llu %g %llu %d %d", o->strategy, o->bound,
             (unsigned long long)o->max_runs, (unsigned long long)o->max_steps, o->max_seconds,
             (unsigned long long)o->seed, o->all, (int)o->depth);
    setenv("RACELAB_EXPLORE", cfg, 1);
    setenv("RACELAB_EXPLORE_OUT", b->out, 1);
    unsetenv("RACELAB_EXPLORE_REPLAY");
    if (o->outcomes)
        setenv("RACELAB_EXPLORE_OUTCOMES", "1", 1);
    else
        unsetenv("RACELAB_EXPLORE_OUTCOMES");
    if (o->replay != NULL) {
        char *list, why[200];
        if (!xp__expand(o->replay, &list, why, sizeof why)) {
            xp_build_clean(b);
            det_usage_error("explore: bad --replay schedule '%s': %s", o->replay, why);
        }
        setenv("RACELAB_EXPLORE_REPLAY", list, 1);
        free(list);
    }
    char **av = det_xmalloc(sizeof *av * (size_t)(argc + 1));
    av[0] = b->prog;
    for (int i = 1; i < argc; i++)
        av[i] = argv[i];
    av[argc] = NULL;
    struct det_proc p = { .argv = av, .timeout_s = o->max_seconds + 30, .label = "explore" };
    struct det_proc *pp = &p;
    int rc = det_pool_run(&pp, 1, 1, false);
    char end[64], last[200] = "";
    if (rc == 0 && access(b->out, R_OK) != 0) {
        det_last_line(p.err, last, sizeof last);
        det_end_text(&p, end, sizeof end);
    }
    det_proc_free(&p);
    free(av);
    if (rc != 0 || det_interrupted()) {
        xp_build_clean(b);
        exit(130);
    }
    if (last[0] || access(b->out, R_OK) != 0) {
        xp_build_clean(b);
        det_usage_error("explore: the explorer's driver ended without a result (%s)%s%s",
                        end, last[0] ? ": " : "", last);
    }
}

/* "1,2,2,1,0,0" -> "1,2*2,1,0*2" */
static char *xp__rle(const char *s)
{
    char *out = det_xmalloc(strlen(s) + 2);
    size_t len = 0;
    while (*s) {
        char *end;
        unsigned long t = strtoul(s, &end, 10), run = 1;
        while (*end == ',') {
            char *e2;
            unsigned long u = strtoul(end + 1, &e2, 10);
            if (u != t || e2 == end + 1)
                break;
            run++;
            end = e2;
        }
        len += (size_t)sprintf(out + len, run > 1 ? "%s%lu*%lu" : "%s%lu", len ? "," : "", t,
                               run);
        s = *end ? end + 1 : end;
    }
    out[len] = '\0';
    return out;
}

static void xp__line(struct xp_result *r, char *line, size_t *cap)
{
    if (xp_outcome_line(line))
        return;
    char *v = strchr(line, ' ');
    v = v ? v + 1 : line + strlen(line);
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "summary ", 8) == 0) {
        sscanf(v, "runs %llu executions %llu points %llu wall_ns %lf exhausted %d bound %d "
                  "failures %llu stop %31s rss_kb %ld %ld", &r->runs, &r->execs, &r->points,
               &r->wall_ns, &r->exhausted, &r->bound, &r->failures, r->stop, &r->rss_driver_kb,
               &r->rss_run_kb);
    } else if (strncmp(line, "verdict ", 8) == 0) {
        snprintf(r->verdict, sizeof r->verdict, "%s", v);
    } else if (strncmp(line, "end ", 4) == 0) {
        snprintf(r->end, sizeof r->end, "%s", v);
    } else if (strncmp(line, "output ", 7) == 0) {
        snprintf(r->output, sizeof r->output, "%s", v);
    } else if (strncmp(line, "message ", 8) == 0) {
        snprintf(r->message, sizeof r->message, "%s", v);
    } else if (strncmp(line, "preemptions ", 12) == 0) {
        r->preemptions = (unsigned)strtoul(v, NULL, 10);
    } else if (strncmp(line, "prefix ", 7) == 0) {
        r->prefix = xp__rle(strcmp(v, "-") == 0 ? "" : v);
    } else if (strncmp(line, "schedule ", 9) == 0) {
        r->schedule = xp__rle(v);
    } else if (strncmp(line, "step ", 5) == 0) {
        if (r->nsteps == *cap)
            r->steps = realloc(r->steps, (*cap = *cap * 2 + 16) * sizeof *r->steps);
        struct xp_step *s = &r->steps[r->nsteps];
        memset(s, 0, sizeof *s);
        unsigned long long a, val, pc;
        if (sscanf(v, "%u %u %u %llx %llx %u %llx", &s->tid, &s->op, &s->size, &a, &val,
                   &s->known, &pc) == 7 && s->op < XRT_NOPS) {
            s->addr = a, s->value = val, s->pc = pc;
            r->nsteps++;
        }
    } else if (strncmp(line, "race ", 5) == 0) {
        unsigned long long p1, p2, a;
        r->have_race = sscanf(v, "%u %u %llx %u %u %llx %u %llx", &r->rtid[0], &r->rop[0], &p1,
                              &r->rtid[1], &r->rop[1], &p2, &r->rsize, &a) == 8 &&
                       r->rop[0] < XRT_NOPS && r->rop[1] < XRT_NOPS;
        r->rpc[0] = p1, r->rpc[1] = p2, r->raddr = a;
    } else if (strncmp(line, "alloc ", 6) == 0) {
        unsigned long long a, n, pc;
        if (sscanf(v, "%llx %llx %llx", &a, &n, &pc) == 3) {
            r->allocs = realloc(r->allocs, (r->nallocs + 1) * sizeof *r->allocs);
            r->allocs[r->nallocs++] = (struct xp_alloc){ .addr = a, .size = n, .pc = pc };
        }
    } else if (strncmp(line, "race_schedule ", 14) == 0) {
        r->race_schedule = xp__rle(v);
    } else if (strncmp(line, "thread ", 7) == 0 && r->nblocked < XRT_MAX_THREADS) {
        struct xp_blocked *b = &r->blocked[r->nblocked];
        unsigned long long a;
        if (sscanf(v, "%u %u %llx %d %199s", &b->tid, &b->op, &a, &b->owner, b->held) == 5) {
            b->addr = a;
            r->nblocked++;
        }
    } else {
        xp_result_line(r, line, v);   /* explore_out.c: shrink, memory */
    }
}

void xp_parse(const char *path, struct xp_result *r)
{
    memset(r, 0, sizeof *r);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char *line = NULL;
    size_t n = 0, cap = 0;
    while (getline(&line, &n, f) > 0)
        xp__line(r, line, &cap);
    free(line);
    fclose(f);
}

static const struct xp_result *xp__heap;   /* whose allocs name heap addresses */
static const struct xp_dwarf *xp__dwarf;   /* the program's globals and views, or NULL */

/* A global by its path in its type ("stats.misses", from the debug
 * information) or else by its symbol, a heap block by its allocation site
 * (the latest block that holds the address), anything else by its address. */
static void xp__name(const struct xp_sym *syms, size_t n, uint64_t a, unsigned size, char *out,
                     size_t cap)
{
    if (xp_dwarf_name(xp__dwarf, a, size, out, cap) || xp_name_of(syms, n, a, out, cap))
        return;
    for (size_t i = xp__heap ? xp__heap->nallocs : 0; i-- > 0;) {
        const struct xp_alloc *b = &xp__heap->allocs[i];
        if (a < b->addr || a >= b->addr + (b->size ? b->size : 1))
            continue;
        if (a == b->addr)
            snprintf(out, cap, "heap@%.40s", b->src[0] ? b->src : "?");
        else
            snprintf(out, cap, "heap@%.40s+%llu", b->src[0] ? b->src : "?",
                     (unsigned long long)(a - b->addr));
        return;
    }
    snprintf(out, cap, "0x%llx", (unsigned long long)a);
}

static void xp__name_blocked(const struct xp_sym *syms, size_t n, struct xp_result *r)
{
    for (size_t i = 0; i < r->nblocked; i++) {
        struct xp_blocked *b = &r->blocked[i];
        if (b->op == XRT_OP_NONE)
            snprintf(b->want, sizeof b->want, "T%llu to finish", (unsigned long long)b->addr);
        else if (b->op == XRT_OP_FWOKEN) {   /* a futex sleeper: "futex NAME" */
            memcpy(b->want, "futex ", 6);
            xp__name(syms, n, b->addr, 1, b->want + 6, sizeof b->want - 6);
        } else
            xp__name(syms, n, b->addr, 1, b->want, sizeof b->want);
        b->held_names[0] = '\0';
        for (char *p = b->held; *p && *p != '-';) {
            char nm[80];
            xp__name(syms, n, strtoull(p, &p, 16), 1, nm, sizeof nm);
            size_t l = strlen(b->held_names);
            snprintf(b->held_names + l, sizeof b->held_names - l, "%s%s", l ? ", " : "", nm);
            p += *p == ',';
        }
    }
}

/* "file.c:12" for each return address pcs[i] into src[i] (cap bytes). */
static void xp__lines(const char *prog, const uint64_t *pcs, char **src, size_t n, size_t cap)
{
    char a2l[PATH_MAX];
    if (n == 0 || !det_find_program("addr2line", a2l, sizeof a2l))
        return;
    char **av = det_xmalloc(sizeof *av * (n + 4));
    char *txt = det_xmalloc(n * 20);
    av[0] = a2l, av[1] = "-e", av[2] = (char *)prog;
    for (size_t i = 0; i < n; i++) {
        av[3 + i] = txt + i * 20;
        snprintf(av[3 + i], 20, "0x%llx", (unsigned long long)(pcs[i] - 1));
    }
    av[3 + n] = NULL;
    struct det_proc p = { .argv = av, .timeout_s = 60 };
    struct det_proc *pp = &p;
    if (det_pool_run(&pp, 1, 1, false) == 0 && p.end == UTIL_END_EXIT && p.code == 0) {
        char *save = NULL, *ln = strtok_r(p.out, "\n", &save);
        for (size_t i = 0; i < n && ln != NULL; i++, ln = strtok_r(NULL, "\n", &save)) {
            char *base = strrchr(ln, '/');
            base = base ? base + 1 : ln;
            base[strcspn(base, " ")] = '\0';
            snprintf(src[i], cap, "%s", base);
        }
    }
    det_proc_free(&p);
    free(txt);
    free(av);
}

/* A lab's explore flavour says how its untyped state bytes are typed
 * (labs/common/variant_gen.h, explore_main.c): lines "view ANCHOR ADDR"
 * (hex) in result.views next to the result, each a pointer variable whose
 * pointee type is the object at ADDR. A view ends where the next begins
 * (the extent of a struct that ends in a flexible array member). */
static void xp__views(const char *prog, struct xp_dwarf *dw)
{
    char path[PATH_MAX + 32], line[96];
    const char *slash = strrchr(prog, '/');
    snprintf(path, sizeof path, "%.*s/result.views", slash ? (int)(slash - prog) : 1,
             slash ? prog : ".");
    FILE *f = dw != NULL ? fopen(path, "r") : NULL;
    unsigned long long v[8][2];
    size_t n = 0;
    while (f != NULL && n < 8 && fgets(line, sizeof line, f) != NULL)
        n += sscanf(line, "view %llx %llx", &v[n][0], &v[n][1]) == 2;
    for (size_t i = 0; i < n; i++) {
        uint64_t end = 0;   /* the closest view after this one's start */
        for (size_t k = 0; k < n; k++)
            if (v[k][1] > v[i][1] && (end == 0 || v[k][1] < end))
                end = v[k][1];
        xp_dwarf_view(dw, v[i][0], v[i][1], end);
    }
    if (f != NULL)
        fclose(f);
}

/* Variable names from the debug information and the symbol table;
 * file:line from addr2line. */
void xp_symbolize(const char *prog, struct xp_result *r)
{
    size_t n = r->nsteps + 2 + r->nallocs;
    uint64_t *pcs = det_xmalloc(n * sizeof *pcs);
    char **src = det_xmalloc(n * sizeof *src);
    for (size_t i = 0; i < r->nsteps; i++)
        pcs[i] = r->steps[i].pc, src[i] = r->steps[i].src;
    for (size_t k = 0; k < 2; k++)
        pcs[r->nsteps + k] = r->rpc[k], src[r->nsteps + k] = r->rsrc[k];
    for (size_t k = 0; k < r->nallocs; k++)
        pcs[r->nsteps + 2 + k] = r->allocs[k].pc, src[r->nsteps + 2 + k] = r->allocs[k].src;
    xp__lines(prog, pcs, src, n, sizeof r->rsrc[0]);
    free(pcs);
    free(src);
    struct xp_sym *syms;
    size_t nsyms;
    if (xp_symbols(prog, &syms, &nsyms) != 0)
        nsyms = 0, syms = NULL;
    struct xp_dwarf *dw = xp_dwarf_open(prog);
    xp__views(prog, dw);
    xp__dwarf = dw;
    xp__heap = r;
    for (size_t i = 0; i < r->nsteps; i++) {
        struct xp_step *s = &r->steps[i];
        if (s->addr == 0)
            snprintf(s->var, sizeof s->var, "-");
        else
            xp__name(syms, nsyms, s->addr, s->op <= XRT_OP_CAS ? s->size : 1, s->var,
                     sizeof s->var);   /* a memory access's size: which bit-fields */
    }
    xp__name_blocked(syms, nsyms, r);
    if (r->have_race)
        xp__name(syms, nsyms, r->raddr, r->rsize, r->rvar, sizeof r->rvar);
    xp__dwarf = NULL;
    xp_dwarf_close(dw);
    xp_symbols_free(syms, nsyms);
}

static const char *const xp__strategies[] = { "bounded", "random", "dpor", "pct", NULL };

static int xp__parse_bound(const char *val, void *dest, char *err, size_t errlen)
{
    uint64_t v;
    if (strcmp(val, "all") == 0) {
        *(int *)dest = -1;
        return 0;
    }
    if (!util_parse_u64(val, 0, 1000, &v)) {
        snprintf(err, errlen, "needs a whole number from 0 to 1000 or 'all', not '%s'", val);
        return -1;
    }
    *(int *)dest = (int)v;
    return 0;
}

void xp_lab_default(struct xp_options *o, const char *opt, const char *val)
{
    uint64_t v = strtoull(val, NULL, 10);   /* checked by det_explore_plan_from_json */
    if (strcmp(opt, "--strategy") == 0 && !o->given.strategy) {
        for (int k = 0; xp__strategies[k] != NULL; k++)
            if (strcmp(xp__strategies[k], val) == 0)
                o->strategy = k;
    } else if (strcmp(opt, "--preemptions") == 0 && !o->given.bound) {
        o->bound = (int)v;
    } else if (strcmp(opt, "--workers") == 0 && !o->given.workers) {
        o->workers = (unsigned)v;
    } else if (strcmp(opt, "--iters") == 0 && !o->given.iters) {
        o->iters = v;
    }
}

static int xp__options(struct xp_options *o, int argc, char **argv, char **pos, int *npos)
{
    *o = (struct xp_options){ .bound = 3, .max_runs = 100000, .max_steps = 100000,
                              .max_seconds = 60, .seed = 1, .depth = 3 };
    const struct util_opt opts[] = {
        { .name = "strategy", .kind = UTIL_OPT_CHOICE, .dest = &o->strategy, .arg = "NAME",
          .help = "bounded (iterative preemption bounding), dpor (one run per class "
                  "of equivalent schedules), random or pct (random priorities); default bounded "
                  "(LAB/VARIANT: the lab's explore strategy, if it names one)",
          .choices = xp__strategies, .seen = &o->given.strategy },
        { .name = "depth", .kind = UTIL_OPT_U64, .dest = &o->depth, .arg = "D",
          .help = "pct: the bug depth, D - 1 priority change points per run (default 3)",
          .min = 1, .max = 16 },
        { .name = "preemptions", .kind = UTIL_OPT_CUSTOM, .dest = &o->bound, .arg = "N|all",
          .help = "bounded: at most N preemptions per schedule (default 3; LAB/VARIANT: the "
                  "lab's explore bound, if it gives one); all: every schedule",
          .parse = xp__parse_bound, .seen = &o->given.bound },
        { .name = "max-runs", .kind = UTIL_OPT_U64, .dest = &o->max_runs, .arg = "N",
          .help = "stop after N runs (default 100000)",
          .min = 1, .max = 1e12 },
        { .name = "max-steps", .kind = UTIL_OPT_U64, .dest = &o->max_steps, .arg = "N",
          .help = "points per run before it counts as not terminating (default 100000)", .min = 1,
          .max = 1e8 },
        { .name = "max-seconds", .kind = UTIL_OPT_DOUBLE, .dest = &o->max_seconds, .arg = "S",
          .help = "stop the search after S s "
          "(default 60)", .min = 0.01, .max = 86400 },
        { .name = "seed", .kind = UTIL_OPT_U64, .dest = &o->seed, .arg = "N",
          .help = "random, pct: the first run's seed (default 1; run r uses N + r)" },
        { .name = "replay", .kind = UTIL_OPT_STRING, .dest = &o->replay, .arg = "SCHEDULE",
          .help = "run this schedule (threads by step, 1*4 = 1,1,1,1), then go on without preemption" },
        { .name = "all", .kind = UTIL_OPT_FLAG, .dest = &o->all, .arg = NULL,
          .help = "keep searching after the first failure" },
        { .name = "outcomes", .kind = UTIL_OPT_FLAG, .dest = &o->outcomes, .arg = NULL,
          .help = "also list every run's last line of output, distinct (with --all and "
                  "--preemptions all: every outcome)" },
        { .name = "json", .kind = UTIL_OPT_FLAG, .dest = &o->json, .arg = NULL,
          .help = "JSON Lines: one object per step, a summary" },
        { .name = "mermaid", .kind = UTIL_OPT_FLAG, .dest = &o->mermaid, .arg = NULL,
          .help = "print the failing schedule as a Mermaid sequenceDiagram" },
        { .name = "svg", .kind = UTIL_OPT_STRING, .dest = &o->svg, .arg = "FILE",
          .help = "write the failing schedule as an SVG sequence diagram" },
        { .name = "tty", .kind = UTIL_OPT_FLAG, .dest = &o->tty, .arg = NULL,
          .help = "be the scheduler: step the threads yourself in the terminal" },
        { .name = "workers", .kind = UTIL_OPT_UINT, .dest = &o->workers, .arg = "N",
          .help = "LAB/VARIANT: workers (default: the lab's explore size, else its own)",
          .min = 1, .max = 60, .seen = &o->given.workers },
        { .name = "iters", .kind = UTIL_OPT_U64, .dest = &o->iters, .arg = "K",
          .help = "LAB/VARIANT: operations per worker (default: the lab's explore size, "
                  "else 2)", .min = 1, .max = 1e6, .seen = &o->given.iters },
        { .name = NULL },
    };
    struct util_cmdline c = {
        .prog = "racelab explore", .usage = "PROGRAM.c|LAB/VARIANT [OPTIONS] [ARGS...]",
        .summary = "run every schedule of a C program's threads, one at a time, and show the "
                   "one that breaks it",
        .epilog = "The program is built with clang -O0 -g -fsanitize=thread and linked against\n"
                  "racelab's explorer runtime; every shared access and pthread call is a point.\n"
                  "Its exit status is its invariant (nonzero or a signal: a failing run).\n"
                  "ARGS go to the program (after --, if they start with a dash).\n"
                  "Exit 0: no failure; 1: a failure, deadlock or data race found; 2: usage,\n"
                  "build, an unsupported program, a diverged replay, --max-steps reached.",
        .opts = opts, .max_positional = -1 };
    char err[300];
    int rc = util_opt_parse(&c, argc, argv, pos, npos, err, sizeof err);
    if (rc == UTIL_OPT_ERROR)
        exit(util_opt_fail("racelab explore", err));
    return rc;
}

int det_explore(int argc, char **argv)
{
    struct xp_options o;
    char **pos = det_xmalloc(sizeof *pos * (size_t)(argc + 1));
    int npos = 0;
    if (xp__options(&o, argc, argv, pos, &npos) == UTIL_OPT_HELP) {
        free(pos);
        return 0;
    }
    if (npos == 0)
        det_usage_error("explore needs a PROGRAM.c (racelab explore --help)");
    o.target = pos[0];
    size_t tl = strlen(o.target);
    bool lab = xp_is_lab_target(o.target);
    if (!lab && (tl < 3 || strcmp(o.target + tl - 2, ".c") != 0))
        det_usage_error("explore: '%s' is neither a C file nor a lab variant: give PROGRAM.c "
                        "or LAB/VARIANT (racelab list)", o.target);
    if (!lab && (o.workers || o.iters))
        det_usage_error("explore: --workers and --iters apply to LAB/VARIANT targets (give "
                        "a program's own arguments after it)");
    if (o.tty && lab)
        det_usage_error("explore: --tty takes a PROGRAM.c, not a lab variant");
    if (o.tty)
        xp_tty_check(&o);    /* before the build: a terminal, no other output option */
    det_signals_install();   /* SIGINT: the driver's process group goes too */
    struct xp_build b;
    memset(&b, 0, sizeof b);
    int dargc = npos;
    char **dargv = pos;
    if (lab)
        dargv = xp_lab_target(&o, &b, pos, npos, &dargc);
    else
        xp_compile(o.target, &b);
    if (o.tty) {
        int rc = xp_tty(&o, &b, npos, pos);
        free(pos);
        return rc;
    }
    xp_drive(&o, &b, dargc, dargv);
    struct xp_result r;
    xp_parse(b.out, &r);
    xp_symbolize(b.prog, &r);
    xp_build_clean(&b);
    xp_notes(&r);
    if (o.json)
        xp_print_json(&o, &r);
    else
        xp_print_human(&o, &r);
    if (o.outcomes)
        xp_outcomes_print(o.json);
    xp_outcomes_free();
    if (o.mermaid && !o.json)
        xp_print_mermaid(&r);
    if (o.svg != NULL && r.nsteps > 0 && xp_write_svg(o.svg, &r) != 0)
        det_usage_error("explore: cannot write %s: %s", o.svg, strerror(errno));
    else if (o.svg != NULL && !o.json)
        printf(r.nsteps ? "wrote %s\n" : "no failing schedule: %s not written\n", o.svg);
    free(r.steps);
    free(r.schedule);
    free(r.race_schedule);
    free(r.allocs);
    free(r.prefix);
    if (dargv != pos)
        free(dargv);
    free(pos);
    return xp_exit_code(&r);
}
