/* detectors/det_check.c - racelab check: judge a user's program.
 *
 * FILE.c is built twice (cc -O1 -g, and clang -fsanitize=thread); a PROGRAM
 * is run as given (TSan only if it was itself built with TSan). The first
 * native run goes alone: a deadlock (timeout) or a crash ends the check at
 * once, so a hung program costs one --timeout. Then the other native runs
 * (exit status as the program's own invariant), TSan, Helgrind and DRD run
 * in one pool.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void det__first_error(const char *err, char *out, size_t cap)
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

static bool det__in_path(const char *name, char *out, size_t cap)
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

struct det_checkrun {
    struct det_proc proc;
    enum det_detector d;
    char *argv[64];
};

int det_check(int argc, char **argv, const struct det_options *o)
{
    const char *target = argv[0];
    char tmp[PATH_MAX] = "";
    char native[PATH_MAX + 16], tsan[PATH_MAX + 16] = "";
    const char *tsan_na = NULL;
    char tsan_na_buf[300];
    size_t tlen = strlen(target);
    bool is_c = tlen > 2 && strcmp(target + tlen - 2, ".c") == 0;
    if (is_c) {
        if (access(target, R_OK) != 0)
            det_usage_error("check: cannot read %s: %s", target, strerror(errno));
        snprintf(tmp, sizeof tmp, "%s/racelab-check-XXXXXX", det_tmpdir());
        if (mkdtemp(tmp) == NULL)
            det_usage_error("check: cannot create a directory in %s: %s", det_tmpdir(),
                            strerror(errno));
        snprintf(native, sizeof native, "%s/prog", tmp);
        snprintf(tsan, sizeof tsan, "%s/prog-tsan", tmp);
        char cc[PATH_MAX], clang[PATH_MAX];
        bool have_cc = det__in_path("cc", cc, sizeof cc);
        bool have_clang = det__in_path("clang", clang, sizeof clang);
        char *a1[] = { cc, "-O1", "-g", "-gdwarf-4", "-pthread", (char *)target, "-o", native,
                       NULL };
        char *a2[] = { clang, "-fsanitize=thread", "-O1", "-g", "-pthread", (char *)target, "-o",
                       tsan, NULL };
        struct det_proc b[2];
        memset(b, 0, sizeof b);
        b[0].argv = a1;
        b[0].timeout_s = 120;
        b[1].argv = a2;
        b[1].timeout_s = 120;
        struct det_proc *bp[2] = { &b[0], &b[1] };
        if (!have_cc) {
            rmdir(tmp);
            det_usage_error("check: no C compiler 'cc' in PATH (apt-get install gcc)");
        }
        int rc = det_pool_run(bp, have_clang ? 2 : 1, 2, false);
        if (rc != 0) {
            unlink(native);
            unlink(tsan);
            rmdir(tmp);
            return rc;
        }
        if (b[0].end != DET_END_EXIT || b[0].code != 0) {
            char first[400];
            det__first_error(b[0].err, first, sizeof first);
            fprintf(stderr, "%s: check: %s does not compile: %s\n", det_prog, target, first);
            det_proc_free(&b[0]);
            det_proc_free(&b[1]);
            unlink(native);
            unlink(tsan);
            rmdir(tmp);
            return 2;
        }
        if (!have_clang) {
            tsan_na = "clang not found, so no TSan build (apt-get install clang "
                      "libclang-rt-14-dev)";
            tsan[0] = '\0';
        } else if (b[1].end != DET_END_EXIT || b[1].code != 0) {
            if (strstr(b[1].err, "libclang_rt.tsan") != NULL ||
                strstr(b[1].err, "cannot find") != NULL) {
                tsan_na = "clang's TSan runtime is missing (apt-get install libclang-rt-14-dev)";
            } else {
                char first[200];
                det__first_error(b[1].err, first, sizeof first);
                snprintf(tsan_na_buf, sizeof tsan_na_buf, "clang -fsanitize=thread failed: %s",
                         first);
                tsan_na = tsan_na_buf;
            }
            unlink(tsan);
            tsan[0] = '\0';
        }
        det_proc_free(&b[0]);
        det_proc_free(&b[1]);
    } else {
        char path[PATH_MAX];
        struct stat st;
        if (!det__in_path(target, path, sizeof path) || stat(path, &st) != 0)
            det_usage_error("check: %s: no such program", target);
        if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0 || access(path, X_OK) != 0)
            det_usage_error("check: %s is not an executable file", path);
        snprintf(native, sizeof native, "%s", path);
        if (det__mentions(path, "__tsan_init")) {
            snprintf(tsan, sizeof tsan, "%s", path);
        } else {
            tsan_na = "the program is not built with -fsanitize=thread (pass FILE.c, or build "
                      "it with clang -fsanitize=thread -g)";
        }
    }

    const char *forks[] = { "fork", "vfork", "clone", "clone3", "posix_spawn", "posix_spawnp" };
    const char *stacks[] = { "makecontext", "swapcontext", "setcontext" };
    const char *fork_sym = NULL, *stack_sym = NULL;
    bool forks_p = det__imports(native, forks, sizeof forks / sizeof *forks, &fork_sym);
    bool stacks_p = det__imports(native, stacks, sizeof stacks / sizeof *stacks, &stack_sym);
    bool fiber_ann = tsan[0] && det__mentions(tsan, "__tsan_switch_to_fiber");
    bool tsan_is_native = tsan[0] && strcmp(tsan, native) == 0;

    unsigned nnative = o->trials;
    struct det_checkrun *runs = calloc(nnative + 3, sizeof *runs);
    size_t nruns = 0;
    for (unsigned k = 0; k < nnative; k++) {
        struct det_checkrun *r = &runs[nruns++];
        r->d = DET_NATIVE;
        int n = 0;
        r->argv[n++] = native;
        for (int a = 1; a < argc && n < 62; a++)
            r->argv[n++] = argv[a];
        r->proc.argv = r->argv;
        r->proc.timeout_s = o->timeout_s;
        r->proc.env_set = tsan_is_native ? det_tool_env(DET_TSAN) : NULL;
        r->proc.label = "native";
    }
    const char *na[DET_NDET] = { NULL };
    for (int d = DET_TSAN; d < DET_NDET; d++) {
        if (!o->use[d]) {
            na[d] = "not asked for (--detectors)";
            continue;
        }
        if (d == DET_TSAN && tsan[0] == '\0') {
            na[d] = tsan_na;
            continue;
        }
        if (d == DET_TSAN && tsan_is_native) {
            na[d] = NULL;   /* the native runs are the TSan runs */
            continue;
        }
        if ((d == DET_HELGRIND || d == DET_DRD) && tsan_is_native) {
            na[d] = "a TSan-instrumented program does not run under valgrind";
            continue;
        }
        na[d] = det_unavailable((enum det_detector)d, true);
        if (na[d] != NULL)
            continue;
        struct det_checkrun *r = &runs[nruns++];
        r->d = (enum det_detector)d;
        int n = det_tool_argv((enum det_detector)d, r->argv);
        r->argv[n++] = d == DET_TSAN ? tsan : native;
        for (int a = 1; a < argc && n < 62; a++)
            r->argv[n++] = argv[a];
        r->proc.argv = r->argv;
        r->proc.env_set = det_tool_env((enum det_detector)d);
        r->proc.timeout_s = d == DET_TSAN ? o->timeout_s * 2 : o->timeout_s * 4;
        r->proc.label = det_names[d];
    }
    struct det_proc **pp = calloc(nruns, sizeof *pp);
    for (size_t i = 0; i < nruns; i++)
        pp[i] = &runs[i].proc;
    bool progress = !o->quiet && isatty(2);
    int rc = det_pool_run(pp, 1, 1, progress);
    struct det_proc *first = &runs[0].proc;
    bool stop = rc != 0 || first->end == DET_END_TIMEOUT || first->end == DET_END_SIGNAL ||
                first->end == DET_END_SPAWN;
    if (!stop)
        rc = det_pool_run(pp + 1, nruns - 1, o->jobs, progress);
    size_t done = stop ? 1 : nruns;

    /* the verdict */
    char end[64];
    unsigned failed = 0, timeouts = 0, crashes = 0, ran_native = 0, tsan_exits = 0;
    const struct det_proc *bad = NULL;
    for (size_t i = 0; i < done; i++) {
        if (runs[i].d != DET_NATIVE)
            continue;
        struct det_proc *p = &runs[i].proc;
        ran_native++;
        if (p->end == DET_END_TIMEOUT) {
            timeouts++;
            bad = p;
        } else if (p->end == DET_END_SIGNAL) {
            crashes++;
            bad = bad ? bad : p;
        } else if (tsan_is_native && p->end == DET_END_EXIT && p->code == 66) {
            /* TSAN_OPTIONS=exitcode=66: TSan's report, judged below, not the program's */
            tsan_exits++;
        } else if (p->end != DET_END_EXIT || p->code != 0) {
            failed++;
            bad = bad ? bad : p;
        }
    }
    printf("racelab check: %s", target);
    for (int a = 1; a < argc; a++)
        printf(" %s", argv[a]);
    printf("\n");
    if (forks_p)
        printf("  the program imports %s(): races between processes are invisible to TSan, "
               "Helgrind and DRD\n", fork_sym);
    if (stacks_p)
        printf("  the program imports %s(): it switches stacks; valgrind cannot follow that%s\n",
               stack_sym, fiber_ann ? "" : ", nor TSan without fiber annotations");
    printf("  %-9s %u run(s): ", "native", ran_native);
    if (failed + timeouts + crashes == 0)
        printf("exit 0 every time%s\n", tsan_exits ? " (or 66: TSan reported, see below)" : "");
    else
        printf("%u failed exit, %u timeout, %u crash; first: %s\n", failed, timeouts, crashes,
               det_end_text(bad, end, sizeof end));
    const char *racy_by = NULL;
    char racy_what[600] = "";
    char could[128] = "", blind[256] = "";
    for (int d = DET_TSAN; d < DET_NDET; d++) {
        struct det_proc *p = NULL;
        for (size_t i = 0; i < done; i++)
            if (runs[i].d == (enum det_detector)d)
                p = &runs[i].proc;
        if (d == DET_TSAN && tsan_is_native)
            p = &runs[0].proc;
        if (p == NULL) {
            printf("  %-9s n/a: %s\n", det_names[d],
                   stop ? "not run after the first native run failed"
                        : na[d] ? na[d] : "not run");
            continue;
        }
        struct det_report r;
        memset(&r, 0, sizeof r);
        const char *vgfail = d != DET_TSAN ? det_valgrind_failed(p->err) : NULL;
        if (vgfail == NULL)
            det_judge((enum det_detector)d, NULL, 0, true, p->err, &r);
        bool rep = vgfail == NULL && r.status == DET_ST_RACE;
        const char *why_blind = forks_p ? "the program forks: other processes are out of sight"
                                : (stacks_p && (d != DET_TSAN || !fiber_ann))
                                    ? "the program switches stacks without fiber annotations"
                                    : NULL;
        if (vgfail != NULL) {
            printf("  %-9s n/a: %s\n", det_names[d], vgfail);
        } else if (rep) {
            printf("  %-9s RACE: %s (%u report%s) at %s%s%s\n", det_names[d], r.kind, r.count,
                   r.count == 1 ? "" : "s", r.frames[0], r.frames[1][0] ? " < " : "",
                   r.frames[1]);
            if (racy_by == NULL) {
                racy_by = det_names[d];
                snprintf(racy_what, sizeof racy_what, "%s: %s at %s", det_names[d], r.kind,
                         r.frames[0]);
            }
        } else if (vgfail == NULL && r.status == DET_ST_KNOWN_FP) {
            printf("  %-9s fp, discounted: %s at %s (%s)\n", det_names[d], r.kind, r.frames[0],
                   r.reason);
        } else if (p->end == DET_END_TIMEOUT || p->end == DET_END_SIGNAL) {
            printf("  %-9s %s, no report\n", det_names[d], det_end_text(p, end, sizeof end));
        } else {
            printf("  %-9s %s (no report; %s)\n", det_names[d], why_blind ? "blind" : "clean",
                   why_blind ? why_blind : det_end_text(p, end, sizeof end));
            char *dst = why_blind ? blind : could;
            size_t cap = why_blind ? sizeof blind : sizeof could;
            size_t l = strlen(dst);
            snprintf(dst + l, cap - l, "%s%s", l ? ", " : "", det_names[d]);
        }
    }
    int status;
    if (timeouts > 0) {
        printf("verdict: deadlock? (no exit within %.0f s; the process group was killed%s%s)\n",
               o->timeout_s, bad && bad->err[0] ? "; last words: " : "", "");
        if (bad && bad->err[0]) {
            char last[200];
            const char *s = bad->err;
            size_t len = strlen(s);
            while (len && s[len - 1] == '\n')
                len--;
            size_t st = len;
            while (st && s[st - 1] != '\n')
                st--;
            snprintf(last, sizeof last, "%.*s", (int)(len - st), s + st);
            printf("  %s\n", last);
        }
        status = 1;
    } else if (crashes > 0) {
        printf("verdict: crash (%s)\n", det_end_text(bad, end, sizeof end));
        status = 1;
    } else if (failed > 0 || racy_by != NULL) {
        if (failed > 0)
            printf("verdict: racy (the program's own check failed: %s in %u of %u runs)%s%s\n",
                   det_end_text(bad, end, sizeof end), failed, ran_native,
                   racy_by ? "; also " : "", racy_by ? racy_what : "");
        else
            printf("verdict: racy (%s)\n", racy_what);
        status = 1;
    } else {
        printf("verdict: clean: %u native run(s) exited 0; detectors that could have seen a "
               "race said nothing: %s%s%s\n", ran_native, could[0] ? could : "none",
               blind[0] ? "; blind here: " : "", blind);
        status = 0;
    }
    for (size_t i = 0; i < nruns; i++)
        det_proc_free(&runs[i].proc);
    free(runs);
    free(pp);
    if (tmp[0] != '\0') {
        unlink(native);
        if (tsan[0])
            unlink(tsan);
        rmdir(tmp);
    }
    return rc != 0 ? rc : status;
}
