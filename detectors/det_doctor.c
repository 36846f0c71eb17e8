/* detectors/det_doctor.c - racelab doctor: can this machine run the checks?
 *
 * Each check says ok, or the problem and its fix in one line:
 *   compilers     clang and clang++ (the TSan builds), else cc/c++ (native only)
 *   tsan-runtime  clang -fsanitize=thread links (libclang-rt-14-dev)
 *   symbolizer    llvm-symbolizer in PATH (TSan's frames get file:line)
 *   mmap-rnd-bits vm.mmap_rnd_bits above 30 breaks clang 14's TSan ("unexpected
 *                 memory mapping"); ASLR off for the TSan run (personality
 *                 ADDR_NO_RANDOMIZE, what setarch -R does) avoids it, so
 *                 check applies it by itself when the kernel allows it
 *   valgrind      Helgrind and DRD
 *   openmp        clang -fopenmp links (libomp-14-dev), for OpenMP programs
 *   tsan-hello    a two-thread race built with TSan is reported
 * racelab check runs the quick ones (no compiler runs) before it starts. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fs.h"
#include "det.h"

int det_mmap_rnd_bits(void)
{
    FILE *f = fopen("/proc/sys/vm/mmap_rnd_bits", "r");
    int bits = -1;
    if (f != NULL) {
        if (fscanf(f, "%d", &bits) != 1)
            bits = -1;
        fclose(f);
    }
    return bits;
}

/* Whether a child may turn ASLR off for itself (containers may forbid it). */
bool det_aslr_can_disable(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        int cur = personality(0xffffffff);
        _exit(cur != -1 && personality((unsigned long)cur | ADDR_NO_RANDOMIZE) != -1 &&
                      (personality(0xffffffff) & ADDR_NO_RANDOMIZE)
                  ? 0
                  : 1);
    }
    int st = 0;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* The quick checks (no compiler runs): what check needs to know. */
void det_doctor_env(struct det_env *e)
{
    memset(e, 0, sizeof *e);
    char path[PATH_MAX], native[PATH_MAX];
    e->have_clang = det_compilers(1, path, native, sizeof path) && path[0] != '\0';
    e->have_valgrind = det_find_program("valgrind", path, sizeof path);
    e->have_symbolizer = det_find_program("llvm-symbolizer", path, sizeof path);
    e->mmap_rnd_bits = det_mmap_rnd_bits();
    e->aslr_off = e->mmap_rnd_bits > 30 && det_aslr_can_disable();
    e->have_setarch = det_find_program("setarch", e->setarch, sizeof e->setarch);
}

static unsigned det__fails;

static void det__item(bool ok, const char *name, const char *detail, const char *fix)
{
    printf("%-4s %-14s %s%s%s\n", ok ? "ok" : "FAIL", name, detail, ok ? "" : "; fix: ",
           ok ? "" : fix);
    det__fails += !ok;
}

/* Builds |src| with |cc| and |flags|, runs it; its stderr, or NULL if the
 * build failed (|why| then holds the compiler's first line). */
static char *det__try(char *cc, const char *src, const char *flag, char *why, size_t cap)
{
    char dir[PATH_MAX], c[PATH_MAX + 8], exe[PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/racelab-doctor-XXXXXX", det_tmpdir());
    if (mkdtemp(dir) == NULL) {
        snprintf(why, cap, "cannot create a directory in %s", det_tmpdir());
        return NULL;
    }
    snprintf(c, sizeof c, "%s/t.c", dir);
    snprintf(exe, sizeof exe, "%s/t", dir);
    FILE *f = fopen(c, "w");
    if (f != NULL) {
        fputs(src, f);
        fclose(f);
    }
    char *ba[] = { cc, (char *)flag, "-g", "-O1", "-pthread", c, "-o", exe, NULL };
    struct det_proc b = { .argv = ba, .timeout_s = 60 };
    struct det_proc *bp = &b;
    det_pool_run(&bp, 1, 1, false);
    char *out = NULL;
    if (b.end == UTIL_END_EXIT && b.code == 0) {
        char *ra[] = { exe, NULL };
        struct det_proc r = { .argv = ra, .timeout_s = 30, .env_set = "TSAN_OPTIONS=exitcode=66" };
        struct det_proc *rp = &r;
        det_pool_run(&rp, 1, 1, false);
        out = det_strdup(r.err != NULL ? r.err : "");
        det_proc_free(&r);
    } else {
        det_compiler_first_error(b.err != NULL ? b.err : "", why, cap);
    }
    det_proc_free(&b);
    util_remove_tree(dir);
    return out;
}

static const char det__racy[] =
    "#include <pthread.h>\nstatic int x;\nstatic void *w(void *a) { x++; return a; }\n"
    "int main(void) { pthread_t t; pthread_create(&t, 0, w, 0); x++;\n"
    "  pthread_join(t, 0); return 0; }\n";
static const char det__omp[] =
    "int main(void) { int s = 0;\n#pragma omp parallel for reduction(+:s)\n"
    "  for (int i = 0; i < 8; i++) s += i;\n  return s == 28 ? 0 : 1; }\n";

/* The checks that build and run: TSan's runtime and hello world, OpenMP. */
static void det__doctor_builds(const struct det_env *e)
{
    char clang[PATH_MAX], native[PATH_MAX], why[300] = "";
    if (!e->have_clang || !det_compilers(1, clang, native, sizeof clang) || !clang[0]) {
        det__item(false, "tsan-runtime", "not tried: no clang", "apt-get install clang");
        return;
    }
    char *err = det__try(clang, det__racy, "-fsanitize=thread", why, sizeof why);
    det__item(err != NULL, "tsan-runtime", err ? "clang -fsanitize=thread links" : why,
              "apt-get install libclang-rt-14-dev");
    if (err != NULL) {
        bool mapping = strstr(err, "unexpected memory mapping") != NULL;
        bool seen = strstr(err, "WARNING: ThreadSanitizer: data race") != NULL;
        det__item(seen, "tsan-hello", seen ? "a two-thread race is reported"
                  : mapping ? "TSan stops: unexpected memory mapping"
                            : "TSan did not report the race",
                  mapping ? "sudo sysctl vm.mmap_rnd_bits=28 (or run under setarch -R)"
                          : "reinstall clang and libclang-rt-14-dev");
        free(err);
    }
    why[0] = '\0';
    char *omp = det__try(clang, det__omp, "-fopenmp", why, sizeof why);
    det__item(omp != NULL, "openmp", omp ? "clang -fopenmp links (libomp)" : why,
              "apt-get install libomp-14-dev");
    free(omp);
}

int det_doctor(void)
{
    struct det_env e;
    char path[PATH_MAX], native[PATH_MAX], detail[300];
    det_doctor_env(&e);
    det__fails = 0;
    bool cxx = det_compilers(2, path, native, sizeof path) && path[0] != '\0';
    det__item(e.have_clang && cxx, "compilers",
              e.have_clang && cxx ? "clang and clang++ (TSan builds and native builds)"
                                  : "clang or clang++ missing: no TSan build of sources",
              "apt-get install clang");
    det__item(e.have_symbolizer, "symbolizer",
              e.have_symbolizer ? "llvm-symbolizer in PATH" : "llvm-symbolizer not in PATH: TSan "
                                                             "frames have no file:line",
              "apt-get install llvm (or PATH=/usr/lib/llvm-14/bin:$PATH)");
    bool bits_ok = e.mmap_rnd_bits <= 30 || e.aslr_off;
    snprintf(detail, sizeof detail, "vm.mmap_rnd_bits = %d%s", e.mmap_rnd_bits,
             e.mmap_rnd_bits <= 30 ? ""
             : e.aslr_off ? " (above 30: check turns ASLR off for TSan runs, as setarch -R)"
                          : " (above 30 breaks clang 14's TSan, and ASLR cannot be turned off)");
    det__item(bits_ok, "mmap-rnd-bits", detail, "sudo sysctl vm.mmap_rnd_bits=28");
    det__item(e.have_valgrind, "valgrind",
              e.have_valgrind ? "valgrind in PATH (Helgrind, DRD)" : "valgrind not found",
              "apt-get install valgrind");
    det__doctor_builds(&e);
    printf("%s\n", det__fails ? "doctor: problems found (each with its fix above)"
                              : "doctor: all checks passed");
    return det__fails ? 1 : 0;
}
