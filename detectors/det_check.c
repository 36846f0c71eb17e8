/* detectors/det_check.c - racelab check: judge a user's program.
 *
 * FILE.c is built twice (cc -O1 -g, and clang -fsanitize=thread); a PROGRAM
 * is run as given (TSan only if it was itself built with TSan). The first
 * native run goes alone: a deadlock (timeout) or a crash ends the check at
 * once, so a hung program costs one --timeout. Then the other native runs
 * (exit status as the program's own invariant), TSan (twice), Helgrind,
 * DRD and, for a C source, the explorer (det_check_xp.c) run in one pool.
 * TSan's word is the union of its runs' reports (det__tsan_union).
 * --suppressions FILE (det_supp.c) goes to TSan and, translated, to valgrind.
 *
 * Blind spots of a user's program are read from the binary: a program that
 * imports fork/vfork/clone/posix_spawn races across processes where no
 * detector looks; one that imports makecontext/swapcontext switches stacks,
 * which valgrind cannot follow (nor TSan, without fiber annotations). This
 * reads the dynamic symbol names, so it is a heuristic: a static binary, or
 * raw syscalls, are not seen. "clean" lists who could have seen a race. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "det.h"

/* True if the ELF64 file imports one of |names|: an undefined symbol of its
 * dynamic symbol table (a TSan program defines fork & co. as interceptors, so
 * plain string search would be wrong). |hit| gets the name. */
static bool det__imports(const char *path, const char *const *names, size_t n, const char **hit)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    bool found = false;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
        close(fd);
        return false;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (buf == MAP_FAILED)
        return false;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > size)
        goto out;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(buf + eh->e_shoff);
    for (size_t i = 0; i < eh->e_shnum && !found; i++) {
        if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum)
            continue;
        const Elf64_Shdr *str = &sh[sh[i].sh_link];
        if (sh[i].sh_offset + sh[i].sh_size > size || str->sh_offset + str->sh_size > size ||
            sh[i].sh_entsize != sizeof(Elf64_Sym))
            continue;
        const Elf64_Sym *sym = (const Elf64_Sym *)(buf + sh[i].sh_offset);
        size_t nsym = sh[i].sh_size / sizeof(Elf64_Sym);
        const char *strs = (const char *)(buf + str->sh_offset);
        for (size_t k = 0; k < nsym && !found; k++) {
            if (sym[k].st_shndx != SHN_UNDEF || sym[k].st_name >= str->sh_size)
                continue;
            const char *name = strs + sym[k].st_name;
            size_t maxlen = str->sh_size - sym[k].st_name;
            for (size_t j = 0; j < n; j++) {
                size_t len = strlen(names[j]);
                /* "fork" or a versioned "fork@GLIBC..." is not stored here: exact name */
                if (len < maxlen && strncmp(name, names[j], len) == 0 && name[len] == '\0') {
                    found = true;
                    *hit = names[j];
                    break;
                }
            }
        }
    }
out:
    munmap(buf, size);
    return found;
}

/* True if the file defines or mentions |sym| anywhere (a TSan runtime). */
static bool det__mentions(const char *path, const char *sym)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    bool found = false;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        void *buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (buf != MAP_FAILED) {
            found = memmem(buf, (size_t)st.st_size, sym, strlen(sym) + 1) != NULL;
            munmap(buf, (size_t)st.st_size);
        }
    }
    close(fd);
    return found;
}

/* The compiler's first "error:" line (else its first line). */
void det_compiler_first_error(const char *err, char *out, size_t cap)
{
    const char *e = strstr(err, "error:");
    const char *start = err;
    if (e != NULL) {
        start = e;
        while (start > err && start[-1] != '\n')
            start--;
    }
    const char *nl = strchr(start, '\n');
    snprintf(out, cap, "%.*s", (int)(nl ? nl - start : (long)strlen(start)), start);
}

static void det__append(char *dst, size_t cap, const char *name)
{
    size_t l = strlen(dst);
    snprintf(dst + l, cap - l, "%s%s", l ? ", " : "", name);
}

/* True if the text file |path| contains |s|. */
static bool det__file_mentions(const char *path, const char *s)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    bool found = false;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        void *buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (buf != MAP_FAILED) {
            found = memmem(buf, (size_t)st.st_size, s, strlen(s)) != NULL;
            munmap(buf, (size_t)st.st_size);
        }
    }
    close(fd);
    return found;
}

/* What the user asked to check: the target, compile flags (after "--", for a
 * source file) and the program's arguments (after a second "--", after
 * --args, or directly after the target). */
struct det_request {
    const char *target;
    char **cflags;
    int ncflags;
    char **args;
    int nargs;
};

/* What check runs: the native program and, when there is one, its TSan
 * build, with what their binaries say about blind spots. */
struct det_target {
    char tmp[PATH_MAX];                 /* the build directory of a source file, or "" */
    char native[PATH_MAX + 16];
    char tsan[PATH_MAX + 16];           /* "" when there is no TSan build */
    const char *tsan_na;                /* why not, then */
    char tsan_na_buf[300];
    const char *fork_sym, *stack_sym;   /* an imported fork()/swapcontext() kind, or NULL */
    bool fiber_ann;                     /* the TSan build annotates fibers */
    bool tsan_is_native;                /* the program given is itself a TSan build */
    bool own_alarm;                     /* the program imports alarm()/setitimer() */
    char unmodelled[256];               /* orderings valgrind does not model, "" if none */
    bool openmp;                        /* it imports the OpenMP runtime's entry points */
};

static void det__target_clean(struct det_target *t)
{
    if (t->tmp[0] == '\0')
        return;
    util_remove_tree(t->tmp);   /* with what a killed compiler left */
}

/* Why clang -fsanitize=thread failed, from its stderr. */
static void det__tsan_build_failed(struct det_target *t, const char *err)
{
    if (strstr(err, "libclang_rt.tsan") != NULL || strstr(err, "cannot find") != NULL) {
        t->tsan_na = "clang's TSan runtime is missing (apt-get install libclang-rt-14-dev)";
    } else {
        char first[200];
        det_compiler_first_error(err, first, sizeof first);
        snprintf(t->tsan_na_buf, sizeof t->tsan_na_buf, "clang -fsanitize=thread failed: %s",
                 first);
        t->tsan_na = t->tsan_na_buf;
    }
    unlink(t->tsan);
    t->tsan[0] = '\0';
}

/* The source kind of |path|: 1 C, 2 C++, 0 neither. */
int det_source_kind(const char *path)
{
    static const char *const cxx[] = { ".cc", ".cpp", ".cxx", ".C", ".c++" };
    size_t len = strlen(path);
    if (len > 2 && strcmp(path + len - 2, ".c") == 0)
        return 1;
    for (size_t i = 0; i < sizeof cxx / sizeof *cxx; i++) {
        size_t n = strlen(cxx[i]);
        if (len > n && strcmp(path + len - n, cxx[i]) == 0)
            return 2;
    }
    return 0;
}

/* The compilers for a source of |kind|: TSan's (clang or clang++) and the
 * native one, which is the same when it is there, so both binaries are the
 * same code at the same -O level (valgrind then checks no load the TSan
 * build does not make). false when there is no compiler at all. */
bool det_compilers(int kind, char *tsan_cc, char *native_cc, size_t cap)
{
    bool have = det_find_program(kind == 2 ? "clang++" : "clang", tsan_cc, cap);
    if (have)
        snprintf(native_cc, cap, "%s", tsan_cc);
    else
        tsan_cc[0] = '\0';
    return have || det_find_program(kind == 2 ? "c++" : "cc", native_cc, cap);
}

/* argv for one build: CC [-fsanitize=thread] -O1 -g ... SRC CFLAGS -o OUT. */
static void det__build_argv(char **a, size_t cap, char *cc, bool tsan, const char *src,
                            const struct det_request *q, char *out)
{
    size_t n = 0;
    char lld[PATH_MAX];
    a[n++] = cc;
    /* lld links the TSan runtime in about half bfd's CPU time */
    if (strstr(cc, "clang") != NULL && det_find_program("ld.lld", lld, sizeof lld))
        a[n++] = "-fuse-ld=lld";
    a[n++] = tsan ? "-fsanitize=thread" : "-gdwarf-4";
    a[n++] = "-O1";
    a[n++] = "-g";
    a[n++] = "-pthread";
    a[n++] = (char *)src;
    for (int i = 0; i < q->ncflags && n + 3 < cap; i++)
        a[n++] = q->cflags[i];
    a[n++] = "-o";
    a[n++] = out;
    a[n] = NULL;
}

/* A source file, built natively (DWARF 4 for valgrind) and with TSan, both
 * at once. 0, 2 (does not compile) or 130 (interrupted). */
static int det__build(const struct det_request *q, int kind, struct det_target *t)
{
    if (access(q->target, R_OK) != 0)
        det_usage_error("check: cannot read %s: %s", q->target, strerror(errno));
    char cc[PATH_MAX], native_cc[PATH_MAX];
    if (!det_compilers(kind, cc, native_cc, sizeof cc))
        det_usage_error("check: no %s compiler in PATH (apt-get install clang)",
                        kind == 2 ? "C++" : "C");
    snprintf(t->tmp, sizeof t->tmp, "%s/racelab-check-XXXXXX", det_tmpdir());
    if (mkdtemp(t->tmp) == NULL)
        det_usage_error("check: cannot create a directory in %s: %s", det_tmpdir(),
                        strerror(errno));
    snprintf(t->native, sizeof t->native, "%s/prog", t->tmp);
    snprintf(t->tsan, sizeof t->tsan, "%s/prog-tsan", t->tmp);
    char *a1[80], *a2[80];
    det__build_argv(a1, 80, native_cc, false, q->target, q, t->native);
    det__build_argv(a2, 80, cc, true, q->target, q, t->tsan);
    struct det_proc b[2] = { { .argv = a1, .timeout_s = 120 }, { .argv = a2, .timeout_s = 120 } };
    struct det_proc *bp[2] = { &b[0], &b[1] };
    int rc = det_pool_run(bp, cc[0] ? 2 : 1, 2, false);
    if (rc == 0 && (b[0].end != UTIL_END_EXIT || b[0].code != 0)) {
        char first[400];
        det_compiler_first_error(b[0].err, first, sizeof first);
        fprintf(stderr, "%s: check: %s does not compile: %s\n", det_prog, q->target, first);
        rc = 2;
    } else if (rc == 0 && !cc[0]) {
        t->tsan_na = "clang not found, so no TSan build (apt-get install clang "
                     "libclang-rt-14-dev)";
        t->tsan[0] = '\0';
    } else if (rc == 0 && (b[1].end != UTIL_END_EXIT || b[1].code != 0)) {
        det__tsan_build_failed(t, b[1].err);
    }
    det_proc_free(&b[0]);
    det_proc_free(&b[1]);
    if (rc != 0)
        det__target_clean(t);
    return rc;
}

/* A PROGRAM: run as given; its own TSan runtime, if any, is the TSan run. */
static void det__prebuilt(const char *target, struct det_target *t)
{
    char path[PATH_MAX];
    struct stat st;
    if (!det_find_program(target, path, sizeof path) || stat(path, &st) != 0)
        det_usage_error("check: %s: no such program", target);
    if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0 || access(path, X_OK) != 0)
        det_usage_error("check: %s is not an executable file", path);
    snprintf(t->native, sizeof t->native, "%s", path);
    if (det__mentions(path, "__tsan_init"))
        snprintf(t->tsan, sizeof t->tsan, "%s", path);
    else
        t->tsan_na = "the program is not built with -fsanitize=thread (pass its source file, "
                     "or build it with clang -fsanitize=thread -g)";
}

/* Orderings valgrind does not model and TSan does, from the binary's imports
 * and the source's text, appended to t->unmodelled. */
static void det__unmodelled(const struct det_request *q, int kind, struct det_target *t)
{
    static const struct { const char *what; const char *const names[8]; } groups[] = {
        { "pipes or sockets", { "pipe", "pipe2", "socketpair", "eventfd", "mkfifo", NULL } },
        { "signal delivery", { "kill", "pthread_kill", "raise", "sigqueue", "tgkill", NULL } },
        { "pthread_timedjoin_np", { "pthread_timedjoin_np", "pthread_tryjoin_np",
                                    "pthread_clockjoin_np", NULL } },
        { "pthread_once's atomic fast path", { "pthread_once", "__pthread_once", NULL } },
        /* libomp and libgomp synchronise their threads with their own atomics
         * and futexes (Helgrind's manual: rebuild libgomp without futexes) */
        { "the OpenMP runtime", { "__kmpc_fork_call", "GOMP_parallel", "GOMP_parallel_start",
                                  "__kmpc_barrier", NULL } },
    };
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
        size_t n = 0;
        while (groups[g].names[n] != NULL)
            n++;
        const char *hit = NULL;
        if (!det__imports(t->native, groups[g].names, n, &hit))
            continue;
        det__append(t->unmodelled, sizeof t->unmodelled, groups[g].what);
        t->openmp = t->openmp || strcmp(groups[g].what, "the OpenMP runtime") == 0;
    }
    static const char *const atomics[] = { "stdatomic.h", "<atomic>", "__atomic_", "__sync_",
                                           "_Atomic", "std::atomic" };
    for (size_t i = 0; kind != 0 && i < sizeof atomics / sizeof *atomics; i++) {
        if (det__file_mentions(q->target, atomics[i])) {
            det__append(t->unmodelled, sizeof t->unmodelled, "C11/__atomic operations");
            break;
        }
    }
}

static int det__target(const struct det_request *q, struct det_target *t)
{
    memset(t, 0, sizeof *t);
    int kind = det_source_kind(q->target);
    if (kind != 0) {
        int rc = det__build(q, kind, t);
        if (rc != 0)
            return rc;
    } else {
        det__prebuilt(q->target, t);
    }
    static const char *const forks[] = { "fork", "vfork", "clone", "clone3", "posix_spawn",
                                         "posix_spawnp" };
    static const char *const stacks[] = { "makecontext", "swapcontext", "setcontext" };
    static const char *const alarms[] = { "alarm", "setitimer", "ualarm", "timer_create" };
    const char *hit = NULL;
    det__imports(t->native, forks, sizeof forks / sizeof *forks, &t->fork_sym);
    det__imports(t->native, stacks, sizeof stacks / sizeof *stacks, &t->stack_sym);
    t->own_alarm = det__imports(t->native, alarms, sizeof alarms / sizeof *alarms, &hit);
    t->fiber_ann = t->tsan[0] && det__mentions(t->tsan, "__tsan_switch_to_fiber");
    t->tsan_is_native = t->tsan[0] && strcmp(t->tsan, t->native) == 0;
    det__unmodelled(q, kind, t);
    return 0;
}

/* Where a round's report goes (a buffer, printed when the round is kept)
 * and what it found (for --sarif, --junit, --markdown). */
static FILE *det__out;
static struct det_outcome det__oc;

static void det__say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void det__say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(det__out, fmt, ap);
    va_end(ap);
}

static void det__found(enum det_detector d, const struct det_judged *j)
{
    for (int c = 0; c < DET_NCLASS; c++) {
        if (j->n[c] == 0 || det__oc.nf >= DET_MAX_FINDINGS)
            continue;
        struct det_finding *f = &det__oc.f[det__oc.nf++];
        f->d = d;
        f->c = (enum det_class)c;
        f->one = j->first[c];
        f->count = j->n[c];
        snprintf(f->why, sizeof f->why, "%s", j->why[c]);
    }
}

/* The doctor's quick checks, made once before a check, and the
 * suppressions file (NULL without --suppressions). */
static struct {
    struct det_env e;
    bool tsan_native;   /* the native runs are TSan runs (a TSan-built program) */
    struct det_supp *supp;
} det__env;

/* The doctor's findings that change what check does or can say. */
static void det__print_env(void)
{
    const struct det_env *e = &det__env.e;
    if (e->mmap_rnd_bits > 30 && e->aslr_off)
        det__say("  doctor: vm.mmap_rnd_bits = %d: TSan runs with ASLR off (setarch -R)\n",
                 e->mmap_rnd_bits);
    if (!e->have_symbolizer)
        det__say("  doctor: llvm-symbolizer not in PATH, TSan frames lack file:line (fix: "
                 "apt-get install llvm)\n");
}

/* TSan runs a source's TSan build this many times, in the pool beside the
 * other detectors, and takes the union of the runs' reports. clang 14's TSan
 * misses a race now and then: on a two-thread race of the held-out set it
 * missed in 13 of 300 runs (about 1 in 25), and it misses in both of two
 * independent runs about once in 625 checks, for one more run that costs a
 * fraction of one valgrind run. A TSan-built program's TSan runs are its
 * native runs (--trials of them). */
#define DET_TSAN_RUNS 2

struct det_checkrun {
    struct det_proc proc;
    enum det_detector d;
    char *argv[64];
    char env[4096 + 128];
};

/* The planned runs: --trials native ones, then one per detector that can
 * run; na[d] says why a detector does not. */
struct det_plan {
    struct det_checkrun *runs;
    size_t nruns;
    size_t done;      /* runs that ran: all, or only the first native one */
    bool stopped;     /* the first native run timed out, crashed or did not start */
    const char *na[DET_NDET];
    struct det_xp xp;     /* the explorer, when xp_na is NULL */
    const char *xp_na;
};

static struct det_checkrun *det__add_run(struct det_plan *p, enum det_detector d,
                                         const char *prog, const struct det_request *q)
{
    struct det_checkrun *r = &p->runs[p->nruns++];
    r->d = d;
    int n = det_tool_argv(d, r->argv);
    bool tsan_run = d == DET_TSAN || (d == DET_NATIVE && det__env.tsan_native);
    const struct det_supp *s = det__env.supp;
    if (d == DET_HELGRIND || d == DET_DRD)   /* a fifth of valgrind's start-up CPU; the */
        r->argv[n++] = "--read-inline-info=no";   /* line is still the inlined code's own */
    if ((d == DET_HELGRIND || d == DET_DRD) && s != NULL && s->vg_file[0] != '\0') {
        r->argv[n++] = (char *)s->vg_arg;
        r->argv[n++] = "-s";   /* used_suppression lines: which entries matched */
    }
    if (tsan_run && det__env.e.aslr_off && det__env.e.have_setarch) {
        /* vm.mmap_rnd_bits > 30: clang 14's TSan needs ASLR off */
        r->argv[n++] = det__env.e.setarch;
        r->argv[n++] = "-R";
    }
    r->argv[n++] = (char *)prog;
    for (int a = 0; a < q->nargs && n < 62; a++)
        r->argv[n++] = q->args[a];
    r->proc.argv = r->argv;
    r->proc.env_set = det_tool_env(d);
    if (tsan_run) {
        det_supp_tsan_env(s, r->env, sizeof r->env);
        r->proc.env_set = r->env;
    }
    r->proc.label = det_names[d];
    return r;
}

/* Why detector |d| does not get a run of its own, or NULL. */
static const char *det__no_run(enum det_detector d, const struct det_target *t,
                               const struct det_options *o)
{
    if (!o->use[d])
        return "not asked for (--detectors)";
    if (d == DET_TSAN && t->tsan[0] == '\0')
        return t->tsan_na;
    if (d == DET_TSAN && det__env.e.mmap_rnd_bits > 30 && !det__env.e.aslr_off)
        return "vm.mmap_rnd_bits > 30 breaks clang 14's TSan and ASLR cannot be turned off "
               "here (fix: sudo sysctl vm.mmap_rnd_bits=28)";
    if (d == DET_TSAN && t->tsan_is_native)
        return "";   /* the native runs are the TSan runs */
    if ((d == DET_HELGRIND || d == DET_DRD) && t->tsan_is_native)
        return "a TSan-instrumented program does not run under valgrind";
    return det_unavailable(d, true);
}

static void det__plan(struct det_plan *p, const struct det_target *t,
                      const struct det_request *q, const struct det_options *o)
{
    memset(p, 0, sizeof *p);
    p->runs = calloc(o->trials + DET_NDET + DET_TSAN_RUNS - 1, sizeof *p->runs);
    for (unsigned k = 0; k < o->trials; k++) {
        struct det_checkrun *r = det__add_run(p, DET_NATIVE, t->native, q);
        r->proc.timeout_s = o->timeout_s;
        r->proc.env_set = t->tsan_is_native ? r->env : NULL;
    }
    for (int d = DET_TSAN; d < DET_NDET; d++) {
        const char *why = det__no_run((enum det_detector)d, t, o);
        if (why != NULL) {
            p->na[d] = why[0] != '\0' ? why : NULL;
            continue;
        }
        for (int k = 0; k < (d == DET_TSAN ? DET_TSAN_RUNS : 1); k++) {
            struct det_checkrun *r =
                det__add_run(p, (enum det_detector)d, d == DET_TSAN ? t->tsan : t->native, q);
            r->proc.timeout_s = d == DET_TSAN ? o->timeout_s * 2 : o->timeout_s * 4;
        }
    }
    p->xp_na = !o->explore ? "not asked for (--detectors)"
               : q->ncflags > 0 ? "compile flags given: the explorer builds the source without them"
               : det_xp_plan(&p->xp, q->target, det_source_kind(q->target), q->args, q->nargs,
                             o->timeout_s);
}

/* The first native run alone: a deadlock or a crash ends the check at once,
 * so a hung program costs one --timeout. Then the rest in one pool. */
static int det__run_plan(struct det_plan *p, const struct det_options *o)
{
    struct det_proc **pp = calloc(p->nruns + 1, sizeof *pp);
    size_t n = 0;
    pp[n++] = &p->runs[0].proc;
    if (p->xp.planned)   /* early in the pool: it builds, then searches beside valgrind */
        pp[n++] = &p->xp.proc;
    for (size_t i = 1; i < p->nruns; i++)
        pp[n++] = &p->runs[i].proc;
    bool progress = !o->quiet && isatty(2);
    int rc = det_pool_run(pp, 1, 1, progress);
    const struct det_proc *first = &p->runs[0].proc;
    p->stopped = rc != 0 || first->end == UTIL_END_TIMEOUT || first->end == UTIL_END_SIGNAL ||
                 first->end == UTIL_END_SPAWN;
    p->xp.planned = p->xp.planned && !p->stopped;
    if (!p->stopped)
        rc = det_pool_run(pp + 1, n - 1, o->jobs, progress);
    p->done = p->stopped ? 1 : p->nruns;
    free(pp);
    return rc;
}

/* How the native runs ended (the program's exit status is its invariant,
 * unless --no-exit-check, or --exit-ok lists the codes that pass). */
struct det_tally {
    unsigned failed, timeouts, crashes, alarms, ran, tsan_exits;
    const struct det_proc *bad;   /* the first run that went wrong (a timeout first) */
};

static bool det__exit_ok(const struct det_options *o, int code)
{
    if (o->no_exit_check)
        return true;
    if (!o->exit_ok_given)
        return code == 0;
    return code >= 0 && code < 256 && (o->exit_ok[code / 8] & (1u << (code % 8)));
}

static void det__tally(const struct det_plan *p, const struct det_target *t,
                       const struct det_options *o, struct det_tally *n)
{
    memset(n, 0, sizeof *n);
    for (size_t i = 0; i < p->done; i++) {
        if (p->runs[i].d != DET_NATIVE)
            continue;
        const struct det_proc *r = &p->runs[i].proc;
        n->ran++;
        if (r->end == UTIL_END_TIMEOUT) {
            n->timeouts++;
            n->bad = r;
        } else if (r->end == UTIL_END_SIGNAL && r->code == SIGALRM && t->own_alarm) {
            n->alarms++;   /* the program's own alarm() ended a hang */
            n->bad = n->bad ? n->bad : r;
        } else if (r->end == UTIL_END_SIGNAL) {
            n->crashes++;
            n->bad = n->bad ? n->bad : r;
        } else if (t->tsan_is_native && r->end == UTIL_END_EXIT && r->code == 66) {
            /* TSAN_OPTIONS=exitcode=66: TSan's report, judged below, not the program's */
            n->tsan_exits++;
        } else if (r->end != UTIL_END_EXIT || !det__exit_ok(o, r->code)) {
            n->failed++;
            n->bad = n->bad ? n->bad : r;
        }
    }
}

static void det__print_head(const struct det_request *q, const struct det_target *t,
                            const struct det_tally *n, const struct det_options *o)
{
    char end[64];
    det__say("racelab check: %s", q->target);
    for (int a = 0; a < q->ncflags; a++)
        det__say("%s %s", a == 0 ? " --" : "", q->cflags[a]);
    for (int a = 0; a < q->nargs; a++)
        det__say("%s %s", a == 0 && q->ncflags ? " --" : "", q->args[a]);
    det__say("\n");
    if (t->fork_sym != NULL)
        det__say("  the program imports %s(): races between processes are invisible to TSan, "
                 "Helgrind and DRD\n", t->fork_sym);
    if (t->stack_sym != NULL)
        det__say("  the program imports %s(): it switches stacks; valgrind cannot follow that%s\n",
                 t->stack_sym, t->fiber_ann ? "" : ", nor TSan without fiber annotations");
    if (t->unmodelled[0] != '\0')
        det__say("  the program orders threads through %s: valgrind does not model that, TSan "
                 "does\n", t->unmodelled);
    det__say("  %-9s %u run(s): ", "native", n->ran);
    if (n->failed + n->timeouts + n->crashes + n->alarms == 0)
        det__say("%s%s\n",
                 o->no_exit_check ? "ended (exit status not checked)" : "exit ok every time",
                 n->tsan_exits ? " (or 66: TSan reported, see below)" : "");
    else
        det__say("%u failed exit, %u timeout, %u own alarm, %u crash; first: %s\n", n->failed,
                 n->timeouts, n->alarms, n->crashes, det_end_text(n->bad, end, sizeof end));
}

/* What the detectors said, for the verdict. */
struct det_said {
    const char *racy_by;      /* the first detector with a report that counts */
    char racy_what[900];
    char agree[128];          /* later detectors whose reports count too */
    char could[128];          /* silent detectors that could have seen a race */
    char blind[256];          /* silent detectors that could not */
    unsigned disputed, hints;
    char xp_deadlock[900];    /* the explorer's deadlock and its proof, or "" */
};

/* Why |d| is blind on this program, or NULL. */
static const char *det__blind(enum det_detector d, const struct det_target *t)
{
    if (t->fork_sym)
        return "the program forks: other processes are out of sight";
    if (t->stack_sym && (d != DET_TSAN || !t->fiber_ann))
        return "the program switches stacks without fiber annotations";
    return NULL;
}

/* Into the verdict: a detector's counted race, or its silence. */
static void det__said_one(enum det_detector d, const struct det_judged *j, bool quiet_end,
                          const struct det_target *t, struct det_said *said)
{
    const char *name = det_names[d];
    said->disputed += j->n[DET_CL_DISPUTED];
    said->hints += j->n[DET_CL_HINT];
    if (j->n[DET_CL_RACE] > 0 && said->racy_by == NULL) {
        char where[400];
        det_policy_where(&j->first[DET_CL_RACE], where, sizeof where);
        said->racy_by = name;
        snprintf(said->racy_what, sizeof said->racy_what, "%s's word counted: %s at %s; %s",
                 name, j->first[DET_CL_RACE].kind, where, j->why[DET_CL_RACE]);
    } else if (j->n[DET_CL_RACE] > 0) {
        det__append(said->agree, sizeof said->agree, name);
    } else if (quiet_end && det__blind(d, t)) {
        det__append(said->blind, sizeof said->blind, name);
    } else if (quiet_end) {
        det__append(said->could, sizeof said->could, name);
    }
}
/* The run of Helgrind or DRD, or NULL. */
static const struct det_proc *det__run_of(const struct det_plan *p, enum det_detector d)
{
    for (size_t i = 0; i < p->done; i++)
        if (p->runs[i].d == d)
            return &p->runs[i].proc;
    return NULL;
}

/* The run ended by itself (or by the program's own alarm): its reports are
 * all there to read. */
static bool det__ended(const struct det_proc *r, const struct det_target *t)
{
    return r->end == UTIL_END_EXIT ||
           (r->end == UTIL_END_SIGNAL && t->own_alarm && r->code == SIGALRM);
}

/* TSan's runs taken together. */
struct det_tsan {
    struct det_judged j;              /* the union of the ended runs' reports */
    unsigned runs, ended, found;      /* runs made, ended, with a race report */
    const struct det_proc *shown;     /* the first run that ended, else the first */
    const struct det_proc *unended;   /* the first run that did not end, or NULL */
};

static bool det__fp_seen(char (*fps)[32], size_t n, const char *fp)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(fps[i], fp) == 0)
            return true;
    return false;
}

/* One TSan run's reports into the union: a report counts unless an earlier
 * run made one with its fingerprint (the kind and the functions of both
 * accesses, check --run's deduplication); within a run every report counts,
 * as with one run. |fps| holds the earlier runs' fingerprints. True if the
 * run had a race report. */
static bool det__tsan_add(const char *err, const struct det_facts *f, struct det_tsan *u,
                          char (*fps)[32], size_t *nfp, struct det_one *all)
{
    size_t n = det_parse(DET_TSAN, err, all, DET_POLICY_MAX), earlier = *nfp;
    bool race = n > DET_POLICY_MAX;
    for (size_t k = 0; k < n && k < DET_POLICY_MAX; k++) {
        char fp[32], why[300];
        enum det_class c = det_policy_class(DET_TSAN, &all[k], f, why, sizeof why);
        race = race || c == DET_CL_RACE;
        det_fingerprint(&all[k], fp, sizeof fp);
        if (det__fp_seen(fps, earlier, fp))
            continue;
        if (*nfp < DET_POLICY_MAX)
            memcpy(fps[(*nfp)++], fp, sizeof fp);
        if (u->j.n[c]++ == 0) {
            u->j.first[c] = all[k];
            snprintf(u->j.why[c], sizeof u->j.why[c], "%s", why);
        }
    }
    if (n > DET_POLICY_MAX)   /* past the stored ones: not classified, they count */
        u->j.n[DET_CL_RACE] += (unsigned)(n - DET_POLICY_MAX);
    return race;
}

/* The union of TSan's runs (DET_TSAN_RUNS of them, or a TSan-built
 * program's native runs): a race one run missed and another caught is
 * caught; the race class's reason says in how many runs. */
static void det__tsan_union(const struct det_plan *p, const struct det_target *t,
                            const struct det_facts *f, struct det_tsan *u)
{
    memset(u, 0, sizeof *u);
    struct det_one *all = det_xmalloc(sizeof *all * DET_POLICY_MAX);
    char(*fps)[32] = det_xmalloc(sizeof *fps * DET_POLICY_MAX);
    size_t nfp = 0;
    for (size_t i = 0; i < p->done; i++) {
        const struct det_proc *r = &p->runs[i].proc;
        enum det_detector d = p->runs[i].d;
        if (d != DET_TSAN && !(d == DET_NATIVE && t->tsan_is_native))
            continue;
        u->runs++;
        if (!det__ended(r, t)) {
            u->unended = u->unended ? u->unended : r;
            continue;
        }
        u->shown = u->ended++ == 0 ? r : u->shown;
        u->found += det__tsan_add(r->err, f, u, fps, &nfp, all);
    }
    u->shown = u->shown ? u->shown : u->unended;
    for (int c = 0; c < DET_NCLASS; c++)
        u->j.total += u->j.n[c];
    size_t l = strlen(u->j.why[DET_CL_RACE]);
    if (u->runs > 1 && u->j.n[DET_CL_RACE] > 0)
        snprintf(u->j.why[DET_CL_RACE] + l, sizeof u->j.why[DET_CL_RACE] - l,
                 "; found in %u of %u runs", u->found, u->runs);
    free(fps);
    free(all);
}

/* TSan first: what it said decides how valgrind's reports are read. */
static void det__facts(const struct det_plan *p, const struct det_target *t,
                       struct det_facts *f, struct det_tsan *u)
{
    memset(f, 0, sizeof *f);
    snprintf(f->unmodelled, sizeof f->unmodelled, "%s", t->unmodelled);
    f->openmp = t->openmp;
    f->supp = det__env.supp;
    det__tsan_union(p, t, f, u);
    f->tsan_could = u->ended > 0 && det__blind(DET_TSAN, t) == NULL;
    f->tsan_racy = u->j.n[DET_CL_RACE] > 0;
}

/* One detector's lines and its part of the verdict: |j| its reports, |r|
 * the run whose end is shown, |ended| whether its reports were read. */
static void det__print_detector(enum det_detector d, const struct det_proc *r,
                                const struct det_judged *j, bool ended,
                                const struct det_target *t, struct det_said *said)
{
    char end[64];
    const char *name = det_names[d];
    det_policy_print(det__out, name, j);
    det__found(d, j);
    if (j->n[DET_CL_RACE] == 0) {
        const char *blind = det__blind(d, t);
        if (!ended)
            det__say("  %-9s %s, no race report\n", j->total ? "" : name,
                     det_end_text(r, end, sizeof end));
        else if (j->total == 0 && j->suppressed > 0)
            det__say("  %-9s clean (%u report%s suppressed by --suppressions)\n", name,
                     j->suppressed, j->suppressed == 1 ? "" : "s");
        else if (j->total == 0)
            det__say("  %-9s %s (no report; %s)\n", name, blind ? "blind" : "clean",
                     blind ? blind : det_end_text(r, end, sizeof end));
    }
    det__said_one(d, j, ended, t, said);
}

/* Helgrind's or DRD's lines. */
static void det__print_valgrind(enum det_detector d, const struct det_proc *r,
                                const struct det_target *t, const struct det_facts *f,
                                struct det_said *said)
{
    const char *vgfail = det_valgrind_failed(r->err);
    if (vgfail != NULL) {
        det__say("  %-9s n/a: %s\n", det_names[d], vgfail);
        return;
    }
    struct det_judged j;
    det_policy_judge(d, r->err, f, &j);
    det__print_detector(d, r, &j, det__ended(r, t), t, said);
}

/* TSan's lines: the union's, then how many runs it took and how many saw
 * a race ("2 runs, race reports in 1"). */
static void det__print_tsan(const struct det_tsan *u, const struct det_target *t,
                            struct det_said *said)
{
    char end[64];
    det__print_detector(DET_TSAN, u->shown, &u->j, u->ended > 0, t, said);
    if (u->runs < 2)
        return;
    det__say("  %-9s %u runs, race reports in %u (the union of their reports, one per "
             "fingerprint)", "", u->runs, u->found);
    if (u->ended > 0 && u->unended != NULL)
        det__say("; %u did not end, first: %s", u->runs - u->ended,
                 det_end_text(u->unended, end, sizeof end));
    det__say("\n");
}

static void det__print_detectors(const struct det_plan *p, const struct det_target *t,
                                 struct det_said *said)
{
    memset(said, 0, sizeof *said);
    struct det_facts f;
    struct det_tsan *u = det_xmalloc(sizeof *u);
    det__facts(p, t, &f, u);
    for (int d = DET_TSAN; d < DET_NDET; d++) {
        const struct det_proc *r = d == DET_TSAN ? NULL : det__run_of(p, (enum det_detector)d);
        if (d == DET_TSAN && u->runs > 0)
            det__print_tsan(u, t, said);
        else if (r != NULL)
            det__print_valgrind((enum det_detector)d, r, t, &f, said);
        else
            det__say("  %-9s n/a: %s\n", det_names[d],
                     p->stopped ? "not run after the first native run failed"
                     : p->na[d] ? p->na[d] : "not run");
    }
    free(u);
}

/* Into the verdict: the explorer's counted finding, with its proof. */
static void det__said_xp(const char *what, const char *proof, struct det_said *said)
{
    if (said->racy_by == NULL) {
        said->racy_by = "explore";
        snprintf(said->racy_what, sizeof said->racy_what, "explore's word counted: %.450s; "
                 "proof: %.400s", what, proof);
    } else {
        det__append(said->agree, sizeof said->agree, "explore");
    }
}

/* The explorer's line: skipped, clean, or what it found under which schedule. */
static void det__print_explorer(const struct det_plan *p, const struct det_options *o,
                                struct det_said *said)
{
    if (!p->xp.planned) {
        det__say("  %-9s skipped: %s\n", "explore",
                 p->stopped ? "not run after the first native run failed" : p->xp_na);
        return;
    }
    struct det_xp_result r;
    det_xp_read(&p->xp, &r);
    const char *v = r.verdict;
    bool exit_end = strncmp(r.end, "exit ", 5) == 0;
    bool fail_counts = strcmp(v, "fail") == 0 && !(exit_end && det__exit_ok(o, atoi(r.end + 5)));
    char what[800];
    if ((fail_counts || strcmp(v, "deadlock") == 0) && !det_xp_confirm(&p->xp, &r)) {
        det__say("  %-9s not counted: its %s (%s) under schedule %s did not replay the same "
                 "way\n", "explore", v, r.end, r.schedule);
        return;
    }
    if (r.skip[0] != '\0' || (v[0] && strcmp(v, "pass") && strcmp(v, "race") &&
                              strcmp(v, "fail") && strcmp(v, "deadlock"))) {
        bool said_why = r.skip[0] != '\0';
        det__say("  %-9s skipped: %s%s%s\n", "explore", said_why ? r.skip : "its search ended '",
                 said_why ? "" : v, said_why ? "" : "', no judgement");
    } else if (strcmp(v, "deadlock") == 0) {
        det__say("  %-9s DEADLOCK: no thread can go on under schedule %s\n  %-9s proof: %s\n",
                 "explore", r.schedule, "", r.replay);
        snprintf(said->xp_deadlock, sizeof said->xp_deadlock, "explore's word counted: no "
                 "thread can go on under schedule %.300s; proof: %.480s", r.schedule, r.replay);
    } else if (fail_counts) {
        snprintf(what, sizeof what, "the program's own check fails (%s) under schedule %s",
                 r.end, r.schedule);
        det__say("  %-9s FAIL: %s\n  %-9s proof: %s\n", "explore", what, "", r.replay);
        det__said_xp(what, r.replay, said);
    } else if (!r.race && strcmp(v, "fail") == 0) {
        det__say("  %-9s inconclusive: its first failing run ended %s, which passes here\n",
                 "explore", r.end);
    } else if (!r.race) {
        det__say("  %-9s clean (no failure, no data race; %s)\n", "explore",
                 r.exhausted ? "every schedule within its bound" : "within its budget, not every "
                                                                   "schedule");
        det__append(said->could, sizeof said->could, "explore");
    }
    if (r.race && !fail_counts) {
        det__say("  %-9s RACE: %s (no happens-before edge orders them)\n  %-9s proof: %s\n",
                 "explore", r.race_text, "", r.replay);
        det__said_xp(r.race_text, r.replay, said);
    }
}

/* Which suppressions this round's runs used, and which none did. */
static void det__print_supp(const struct det_plan *p, const struct det_target *t)
{
    struct det_supp *s = det__env.supp;
    if (s == NULL)
        return;
    for (size_t i = 0; i < p->done; i++) {
        enum det_detector d = p->runs[i].d;
        if (d != DET_NATIVE || t->tsan_is_native)
            det_supp_tally(s, d == DET_NATIVE ? DET_TSAN : d, p->runs[i].proc.err);
    }
    det_supp_print(det__out, s);
}

/* The verdict's last words on a hang: the program's last stderr line. */
static void det__last_words(const struct det_tally *n)
{
    if (n->bad == NULL || n->bad->err[0] == '\0')
        return;
    char last[200];
    det_last_line(n->bad->err, last, sizeof last);
    det__say("  last words: %s\n", last);
}

/* The verdict line; returns the exit status (0 clean, 1 not). */
static int det__print_verdict(const struct det_tally *n, const struct det_said *said,
                              const struct det_options *o)
{
    char end[64];
    if (n->timeouts > 0 || n->alarms > 0) {
        if (n->timeouts > 0)
            det__say("verdict: deadlock? (a deadlock or hang: no exit within %.0f s; the process "
                     "group was killed)\n", o->timeout_s);
        else
            det__say("verdict: deadlock? (a deadlock or hang: the program's own alarm() ended it, "
                     "SIGALRM)\n");
        det__last_words(n);
        return 1;
    }
    if (n->crashes > 0) {
        det__say("verdict: crash (%s)\n", det_end_text(n->bad, end, sizeof end));
        return 1;
    }
    if (said->xp_deadlock[0] != '\0') {
        det__say("verdict: deadlock (%s)\n", said->xp_deadlock);
        return 1;
    }
    if (n->failed > 0) {
        det__say("verdict: racy (the program's own check failed: %s in %u of %u runs)%s%s\n",
                 det_end_text(n->bad, end, sizeof end), n->failed, n->ran,
                 said->racy_by ? "; also " : "", said->racy_by ? said->racy_what : "");
        return 1;
    }
    if (said->racy_by != NULL) {
        det__say("verdict: racy (%s%s%s)\n", said->racy_what, said->agree[0] ? "; agreed: " : "",
                 said->agree);
        return 1;
    }
    det__say("verdict: clean: %u native run(s) passed; no report counted (%u disputed, %u "
             "hint(s)); no race from detectors able to see one: %s%s%s\n", n->ran, said->disputed,
             said->hints, said->could[0] ? said->could : "none",
             said->blind[0] ? "; blind here: " : "", said->blind);
    return 0;
}

/* Splits argv (the target first) into the request: "--" after a source
 * file starts its compile flags, a second "--" or --args the program's
 * arguments; anything else after the target is the program's. */
static void det__request(int argc, char **argv, struct det_request *q)
{
    memset(q, 0, sizeof *q);
    q->target = argv[0];
    int i = 1;
    bool source = det_source_kind(argv[0]) != 0;
    if (i < argc && strcmp(argv[i], "--") == 0) {
        i++;
        if (source) {
            q->cflags = argv + i;
            while (i < argc && strcmp(argv[i], "--") != 0 && strcmp(argv[i], "--args") != 0)
                i++;
            q->ncflags = (int)(argv + i - q->cflags);
            i += i < argc;
        }
    } else if (i < argc && strcmp(argv[i], "--args") == 0) {
        i++;
    }
    q->args = argv + i;
    q->nargs = argc - i;
}

/* One round: the runs, their judgement and report, into *text (the
 * caller frees it) and det__oc. 0 clean, 1 racy/hang/crash, 130
 * interrupted. */
static int det__round(const struct det_request *q, const struct det_target *t,
                      const struct det_options *o, char **text)
{
    size_t len = 0;
    *text = NULL;
    det__out = open_memstream(text, &len);
    if (det__out == NULL)
        det_usage_error("check: out of memory");
    memset(&det__oc, 0, sizeof det__oc);
    double t0 = det_now();
    struct det_plan p;
    det__plan(&p, t, q, o);
    int rc = det__run_plan(&p, o);
    int status = rc;
    if (rc == 0) {   /* an interrupted check has no verdict */
        struct det_tally n;
        det__tally(&p, t, o, &n);
        det__print_head(q, t, &n, o);
        det__print_env();
        struct det_said said;
        det_supp_reset(det__env.supp);
        det__print_detectors(&p, t, &said);
        det__print_explorer(&p, o, &said);
        det__print_supp(&p, t);
        status = det__print_verdict(&n, &said, o);
    }
    for (size_t i = 0; i < p.nruns; i++)
        det_proc_free(&p.runs[i].proc);
    if (p.xp.planned)
        det_proc_free(&p.xp.proc);
    free(p.runs);
    fclose(det__out);
    det__out = NULL;
    const char *v = *text ? strstr(*text, "\nverdict: ") : NULL;
    if (v != NULL)
        snprintf(det__oc.verdict, sizeof det__oc.verdict, "%.*s", (int)strcspn(v + 10, "\n"),
                 v + 10);
    det__oc.target = q->target;
    det__oc.status = status;
    det__oc.wall_s = det_now() - t0;
    return status;
}

/* --until-race N: rounds until the first one that is not clean, at most N;
 * --clean-runs R: R rounds, every one must be clean. The round shown is the
 * first that was not clean, else the last; then "seen k of n". */
static int det__rounds(const struct det_request *q, const struct det_target *t,
                       const struct det_options *o, struct det_outcome *keep_oc)
{
    unsigned rounds = o->until_race ? o->until_race : o->clean_runs ? o->clean_runs : 1;
    unsigned seen = 0, done = 0;
    char *keep = NULL;
    int status = 0;
    for (unsigned r = 0; r < rounds && status != 130; r++) {
        char *buf;
        status = det__round(q, t, o, &buf);
        done += status != 130;
        seen += status == 1;
        if (keep == NULL || (status == 1 && seen == 1) || seen == 0) {
            free(keep);
            keep = buf;
            *keep_oc = det__oc;
        } else {
            free(buf);
        }
        if (o->until_race && status == 1)
            break;
    }
    if (status != 130 && keep != NULL)
        fputs(keep, stdout);
    free(keep);
    if (status == 130)
        return 130;
    keep_oc->seen = seen;
    keep_oc->rounds = done;
    if (rounds > 1)
        printf("deflake: seen %u of %u round(s)%s\n", seen, done,
               o->until_race ? (seen ? " (stopped at the first)" : ", never racy")
                             : (seen ? ", not clean every time" : ", clean every time"));
    return seen > 0 ? 1 : 0;
}

int det_check(int argc, char **argv, const struct det_options *o)
{
    struct det_request q;
    det__request(argc, argv, &q);
    struct det_outputs w = { o->sarif, o->junit, o->markdown };
    det_outputs_probe(&w);
    det_doctor_env(&det__env.e);
    static struct det_supp supp;
    if (o->suppressions != NULL) {
        det_supp_load(o->suppressions, &supp);
        det__env.supp = &supp;
    }
    struct det_target t;
    int rc = det__target(&q, &t);
    if (rc == 0 && det__env.supp != NULL)
        det_supp_valgrind(&supp);
    if (rc != 0)
        return rc;
    det__env.tsan_native = t.tsan_is_native;
    static struct det_outcome oc;
    int status = det__rounds(&q, &t, o, &oc);
    if (status != 130) {
        int wrc = det_outputs_write(&w, &oc);
        status = wrc != 0 ? wrc : status;
    }
    det__target_clean(&t);
    if (det__env.supp != NULL)
        det_supp_clean(&supp);
    return status;
}
