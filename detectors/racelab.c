/* detectors/racelab.c - the racelab command line.
 *
 *   racelab list                       every lab, model and variant
 *   racelab run [PATTERN...] [opts]    the matrix, one verdict per cell
 *   racelab score [PATTERN...] [opts]  per-detector precision and recall, FLAKY
 *   racelab report [DIR] [opts]        results.md/json/csv and SVG plots
 *   racelab check PROGRAM|FILE.c ...   judge a user's program
 *   racelab explore PROGRAM.c ...      the explorer (detectors/explore/)
 *   racelab bench [NAME] [ARGS...]     exec bench-NAME beside racelab
 * Exit status: 0 ok (run: no problems), 1 problems found, 2 usage error,
 * 130 interrupted. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "det.h"
#include "util/opt.h"
#include "util/spawn.h"

const char *det_prog = "racelab";

void det_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", det_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

void *det_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "%s: out of memory\n", det_prog);
        exit(2);
    }
    return p;
}

char *det_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(det_xmalloc(n), s, n);
}

/* ---- the command line ------------------------------------------------- */

struct det_cli {
    struct det_options o;
    int fmt;               /* enum det_format: the index in det__formats */
    const char *junit;
    unsigned runs;
    bool version;
    char **args;           /* the command's positionals */
    int nargs;
};

/* One command: its synopsis and what it does, for both helps. */
struct det_cmd {
    const char *name;
    const char *synopsis;  /* after "racelab " */
    const char *text;      /* lines of its description */
};

static const struct det_cmd det__cmds[] = {
    { "list", "list", "every lab, model and variant (from lab-* --list --json)" },
    { "run", "run [PATTERN...]",
      "run the matrix; PATTERN is lab/model/variant with globs,\n"
      "e.g. 'counter/threads/*' or '*/procs/racy'" },
    { "score", "score [PATTERN...]",
      "run the matrix --runs times: per detector true/false\n"
      "positives/negatives, precision, recall, blind spots, FLAKY" },
    { "report", "report [DIR [PATTERN...]]",
      "run the default matrix (or the PATTERNs), write DIR\n"
      "(default results/): results.md, results.json (an\n"
      "array), results.csv, SVG plots (ns/op against 1, 2, 4\n"
      "workers; observed values of racy variants)" },
    { "check", "check PROGRAM [ARGS...]",
      "judge your own program, or a source file (.c, .cc, .cpp,\n"
      ".cxx: built with clang/clang++ -O1, natively and with\n"
      "-fsanitize=thread): check FILE [-- CFLAGS] [-- ARGS];\n"
      "natively several times, under TSan, Helgrind and DRD;\n"
      "exit 0 clean, 1 racy/deadlock/crash" },
    { "doctor", "doctor",
      "can this machine run the checks? compilers, TSan's\n"
      "runtime, llvm-symbolizer, vm.mmap_rnd_bits, ASLR, valgrind,\n"
      "OpenMP, a TSan hello world; each problem with its fix" },
    { "explore", "explore PROG.c [ARGS]",
      "run your program's threads one at a time through\n"
      "every schedule (bounded preemptions, dpor); the failing\n"
      "one as a step table, replayable (explore --help)" },
    { "exercise", "exercise [NAME|list|hint NAME|reset]",
      "interview-prep exercises: fix a broken program, checked\n"
      "in every schedule by the explorer (exercise --help)" },
    { "bench", "bench [NAME] [ARGS...]",
      "run bench-NAME (each bench-* program beside racelab)\n"
      "with ARGS, or all of them" },
};
#define DET_NCMDS (sizeof det__cmds / sizeof det__cmds[0])

static const char det__summary[] =
    "every lab variant under every detector, one verdict table; checks for your programs";

static const char det__verdicts[] =
    "Options go before or after the command.\n"
    "Verdicts: correct, racy-detected, racy-undetected, false-positive, timeout, crash.\n"
    "Detector columns: race, clean, blind (cannot see it by construction), fp (a known\n"
    "false positive of that tool, shown and discounted), n/a, timeout, crash.\n"
    "The explore column: found N (a failing schedule in N runs), clean N (every\n"
    "schedule within the bound explored), budget N (clean until the runs ran out),\n"
    "weak-mem N (its failure needs a weaker memory model than SC), refused, error.\n"
    "Labs are the lab-* programs beside racelab (lab-*-tsan are their TSan twins), or\n"
    "in $RACELAB_LAB_DIR when set.\n"
    "NO_COLOR disables colour.";

static const char *const det__formats[] = { "table", "json", "csv", "md", NULL };

/* --detectors LIST: the last one given wins. */
static int det__parse_detectors(const char *val, void *dest, char *err, size_t errlen)
{
    struct det_options *o = dest;
    char buf[256], *items[16];
    size_t n;
    if (util_list_split(val, buf, sizeof buf, items, 16, &n, err, errlen) != 0)
        return -1;
    memset(o->use, 0, sizeof o->use);
    o->explore = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(items[i], "explore") == 0) {   /* run: the explore column; check: the explorer */
            o->explore = true;
            continue;
        }
        int d = det_by_name(items[i]);
        if (d < 0) {
            char avail[128] = "";
            for (int k = 0; k < DET_NDET; k++)
                if (det_unavailable((enum det_detector)k, true) == NULL || k == DET_TSAN)
                    snprintf(avail + strlen(avail), sizeof avail - strlen(avail), "%s%s",
                             *avail ? ", " : "", det_names[k]);
            snprintf(err, errlen, "unknown detector '%s' (available: %s, explore)", items[i],
                     avail);
            return -1;
        }
        const char *why = det_unavailable((enum det_detector)d, true);
        if (why != NULL) {
            snprintf(err, errlen, "%s is not available here: %s", det_names[d], why);
            return -1;
        }
        o->use[d] = true;
    }
    o->detectors_given = true;
    return 0;
}

/* --exit-ok CODES: the exit statuses (0..255, comma-separated) that pass. */
static int det__parse_exit_ok(const char *val, void *dest, char *err, size_t errlen)
{
    struct det_options *o = dest;
    char buf[256], *items[64];
    size_t n;
    if (util_list_split(val, buf, sizeof buf, items, 64, &n, err, errlen) != 0)
        return -1;
    memset(o->exit_ok, 0, sizeof o->exit_ok);
    for (size_t i = 0; i < n; i++) {
        char *end;
        long code = strtol(items[i], &end, 10);
        if (*items[i] == '\0' || *end != '\0' || code < 0 || code > 255) {
            snprintf(err, errlen, "'%s' is not an exit status from 0 to 255", items[i]);
            return -1;
        }
        o->exit_ok[code / 8] |= (unsigned char)(1u << (code % 8));
    }
    o->exit_ok_given = true;
    return 0;
}

static int det__parse_file(const char *val, void *dest, char *err, size_t errlen)
{
    if (*val == '\0') {
        snprintf(err, errlen, "needs a file name");
        return -1;
    }
    *(const char **)dest = val;
    return 0;
}

/* The options every command takes (before or after it). */
static void det__options(struct det_cli *cli, struct util_opt t[24])
{
    struct det_options *o = &cli->o;
    const struct util_opt opts[] = {
        { .name = "detectors", .kind = UTIL_OPT_CUSTOM, .dest = o, .arg = "LIST",
          .help = "native,tsan,helgrind,drd,explore (default: all available)",
          .parse = det__parse_detectors },
        { .name = "trials", .kind = UTIL_OPT_UINT, .dest = &o->trials, .arg = "N",
          .help = "native trials per cell (check: native runs), default 3", .min = 1,
          .max = 1000 },
        { .name = "timeout", .kind = UTIL_OPT_DOUBLE, .dest = &o->timeout_s, .arg = "S",
          .help = "seconds per run before its group is killed (default 30, valgrind x2)",
          .min = 1, .max = 3600 },
        { .name = "jobs", .kind = UTIL_OPT_UINT, .dest = &o->jobs, .arg = "N",
          .help = "runs at once (default: online CPUs + 1)", .min = 1, .max = 64 },
        { .name = "format", .kind = UTIL_OPT_CHOICE, .dest = &cli->fmt, .arg = "F",
          .help = "output (json: JSON Lines, one row each)", .choices = det__formats },
        { .name = "junit", .kind = UTIL_OPT_CUSTOM, .dest = &cli->junit, .arg = "FILE",
          .help = "also write a JUnit XML file (run, check)", .parse = det__parse_file },
        { .name = "sarif", .kind = UTIL_OPT_CUSTOM, .dest = &o->sarif, .arg = "FILE",
          .help = "check: also write SARIF 2.1.0 (code scanning)", .parse = det__parse_file },
        { .name = "markdown", .kind = UTIL_OPT_CUSTOM, .dest = &o->markdown, .arg = "FILE",
          .help = "check: also write a Markdown summary (a CI job's summary page)",
          .parse = det__parse_file },
        { .name = "run", .kind = UTIL_OPT_STRING, .dest = &o->run_cmd, .arg = "COMMAND",
          .help = "check: judge a whole command (sh -c) by its processes' TSan logs" },
        { .name = "runs", .kind = UTIL_OPT_UINT, .dest = &cli->runs, .arg = "N",
          .help = "score: matrix runs to compare, default 3", .min = 1, .max = 10 },
        { .name = "exit-ok", .kind = UTIL_OPT_CUSTOM, .dest = o, .arg = "CODES",
          .help = "check: the program's exit statuses that pass (default 0)",
          .parse = det__parse_exit_ok },
        { .name = "no-exit-check", .kind = UTIL_OPT_FLAG, .dest = &o->no_exit_check,
          .help = "check: the program's exit status is not an invariant" },
        { .name = "until-race", .kind = UTIL_OPT_UINT, .dest = &o->until_race, .arg = "N",
          .help = "check: rerun until the first race, at most N rounds", .min = 1, .max = 1000 },
        { .name = "clean-runs", .kind = UTIL_OPT_UINT, .dest = &o->clean_runs, .arg = "R",
          .help = "check: R rounds, every one must be clean", .min = 1, .max = 1000 },
        { .name = "suppressions", .kind = UTIL_OPT_CUSTOM, .dest = &o->suppressions,
          .arg = "FILE", .help = "check: a TSan suppressions file, a '# reason:' line above "
          "each entry", .parse = det__parse_file },
        { .name = "version", .kind = UTIL_OPT_FLAG, .dest = &cli->version,
          .help = "print racelab's version and exit" },
        { .name = "quiet", .kind = UTIL_OPT_FLAG, .dest = &o->quiet,
          .help = "no progress line (there is none unless stderr is a terminal)" },
        { .name = NULL },
    };
    memcpy(t, opts, sizeof opts);
}

static void det__defaults(struct det_cli *cli)
{
    struct det_options *o = &cli->o;
    memset(cli, 0, sizeof *cli);
    o->trials = 3;   /* enough to see a lossy racy variant; a slow one costs seconds per trial */
    o->timeout_s = 30;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    /* One more than the CPUs: a run spends part of its time off-CPU (its
     * start, valgrind reading debug information, a deadlock's detection
     * window, a sched_yield hand-over, the procs supervisor's polls), and the
     * spare run fills it. The whole matrix, quiet 2-core machine: 64.1 s wall
     * with 2 at once, 57.6 s with 3, same verdicts (notes/detectors.md). */
    o->jobs = cpus > 0 ? (unsigned)(cpus >= 64 ? 64 : cpus + 1) : 2;
    o->tsan_iters = 10000;   /* happens-before tools need no long runs to see a race */
    o->vg_iters = 1000;
    cli->runs = 3;
    cli->fmt = DET_FMT_TABLE;
}

/* racelab --help's epilog: the commands, then the verdicts. */
static void det__epilog(char *epilog, size_t cap)
{
    size_t n = (size_t)snprintf(epilog, cap, "commands:\n");
    for (size_t i = 0; i < DET_NCMDS && n < cap; i++) {
        const char *t = det__cmds[i].text;
        for (bool first = true; *t != '\0' && n < cap; first = false) {
            size_t len = strcspn(t, "\n");
            n += (size_t)snprintf(epilog + n, cap - n, "  %-24s %.*s\n",
                                  first ? det__cmds[i].synopsis : "", (int)len, t);
            t += len + (t[len] == '\n');
        }
    }
    if (n < cap)
        snprintf(epilog + n, cap - n, "\n%s", det__verdicts);
}

static const struct det_cmd *det__cmd(const char *name)
{
    for (size_t i = 0; i < DET_NCMDS; i++)
        if (strcmp(name, det__cmds[i].name) == 0)
            return &det__cmds[i];
    return NULL;
}

/* The command's own arguments, options anywhere among them (check: up to
 * PROGRAM; everything after it belongs to the program). Exits on --help
 * (0) and on a bad option (2, one line). */
static void det__parse_cmd(const struct det_cmd *cmd, const struct util_opt *opts, int argc,
                           char **argv, struct det_cli *cli)
{
    char usage[128], err[512];
    snprintf(usage, sizeof usage, "%s [OPTIONS]", cmd->synopsis);
    struct util_cmdline c = { .prog = det_prog, .usage = usage, .summary = cmd->text,
                              .epilog = det__verdicts, .opts = opts, .max_positional = -1,
                              .stop_at_positional = strcmp(cmd->name, "check") == 0 };
    cli->args = det_xmalloc(sizeof *cli->args * (size_t)(argc + 1));
    int rc = util_opt_parse(&c, argc, argv, cli->args, &cli->nargs, err, sizeof err);
    cli->args[cli->nargs] = NULL;
    if (rc == UTIL_OPT_HELP)
        exit(0);
    if (rc == UTIL_OPT_ERROR)
        exit(util_opt_fail(det_prog, err));
    struct det_options *o = &cli->o;
    if (!o->detectors_given)
        for (int d = 0; d < DET_NDET; d++)
            o->use[d] = true;
    o->explore |= !o->detectors_given && (strcmp(cmd->name, "run") == 0 ||
                                          strcmp(cmd->name, "check") == 0);
    o->use[DET_NATIVE] = true;   /* the invariant is always measured */
}

static int det__list(struct det_cli *cli)
{
    struct det_matrix m;
    int rc = det_discover(&m, "racelab");
    if (rc == 0)
        rc = det_select(&m, cli->args, cli->nargs);
    if (rc != 0) {
        det_matrix_free(&m);
        return rc;
    }
    if (cli->fmt == DET_FMT_JSON) {
        for (size_t i = 0; i < m.ncells; i++) {
            const struct det_cell *c = &m.cells[i];
            json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:s, s:b}", "lab", c->lab->name,
                                  "model", c->model, "variant", c->variant, "racy_by_design",
                                  c->racy_by_design, "available", c->available, "description",
                                  c->description, "tsan_twin", c->lab->twin != NULL);
            json_dumpf(o, stdout, JSON_COMPACT);
            putchar('\n');
            json_decref(o);
        }
    } else {
        printf("%-28s %-5s %-5s %s\n", "lab/model/variant", "racy", "tsan", "description");
        for (size_t i = 0; i < m.ncells; i++) {
            const struct det_cell *c = &m.cells[i];
            char name[256];
            snprintf(name, sizeof name, "%s/%s/%s", c->lab->name, c->model, c->variant);
            printf("%-28s %-5s %-5s %s%s\n", name, c->racy_by_design ? "yes" : "no",
                   c->lab->twin ? "twin" : "-", c->available ? "" : "UNAVAILABLE: ",
                   c->description);
        }
        printf("\n%zu cells from %zu lab(s) in %s\n", m.ncells, m.nlabs, m.bindir);
    }
    det_matrix_free(&m);
    return 0;
}

static int det__run(struct det_cli *cli, bool report, const char *dir)
{
    struct det_matrix m;
    int rc = det_discover(&m, "racelab");
    if (rc == 0)
        rc = report ? det_select(&m, cli->args + (cli->nargs > 0), cli->nargs - (cli->nargs > 0))
                    : det_select(&m, cli->args, cli->nargs);
    if (rc != 0) {
        det_matrix_free(&m);
        return rc;
    }
    cli->o.plot_workers = report;
    if (!report && cli->junit != NULL) {
        /* fail before a long matrix, not after it */
        FILE *f = fopen(cli->junit, "w");
        if (f == NULL) {
            fprintf(stderr, "%s: --junit: cannot write %s: %s\n", det_prog, cli->junit,
                    strerror(errno));
            det_matrix_free(&m);
            return 2;
        }
        fclose(f);
    }
    rc = det_matrix_run(&m, &cli->o);
    if (rc == 0) {
        if (report) {
            rc = det_write_report(dir, &m);
            if (rc == 0 && !cli->o.quiet)
                printf("%s: wrote %s/results.md, results.json, results.csv and plots "
                       "(%zu cells, %.1f s, %zu problem(s))\n", det_prog, dir, m.ncells,
                       m.wall_s, det_problems(&m));
        } else {
            det_write(stdout, &m, cli->fmt, cli->fmt == DET_FMT_TABLE && det_use_color(stdout));
            if (cli->junit != NULL)
                rc = det_write_junit(cli->junit, &m);
        }
        if (rc == 0 && det_problems(&m) > 0)
            rc = 1;
    }
    det_matrix_free(&m);
    return rc;
}

/* Per detector, over every run: TP, FP, FN, TN against racy_by_design;
 * blind cells and known false positives are counted apart. */
static void det__score_table(const struct det_matrix *ms, unsigned runs)
{
    printf("%-9s %4s %4s %4s %4s %6s %8s %9s %7s %6s\n", "detector", "TP", "FP", "FN", "TN",
           "blind", "knownFP", "precision", "recall", "n/a");
    for (int d = 0; d < DET_NDET; d++) {
        unsigned tp = 0, fp = 0, fn = 0, tn = 0, blind = 0, kfp = 0, na = 0;
        for (unsigned r = 0; r < runs; r++) {
            for (size_t i = 0; i < ms[r].ncells; i++) {
                const struct det_cell *c = &ms[r].cells[i];
                enum det_status s = c->det[d].status;
                if (!c->available)
                    continue;
                if (s == DET_ST_BLIND) {
                    blind++;
                } else if (s == DET_ST_NA || s == DET_ST_NONE || s == DET_ST_TIMEOUT ||
                           s == DET_ST_CRASH) {
                    na++;
                } else {
                    bool pos = s == DET_ST_RACE;
                    kfp += s == DET_ST_KNOWN_FP;
                    if (c->racy_by_design)
                        pos ? tp++ : fn++;
                    else
                        pos ? fp++ : tn++;
                }
            }
        }
        char prec[16] = "-", rec[16] = "-";
        if (tp + fp)
            snprintf(prec, sizeof prec, "%.2f", (double)tp / (tp + fp));
        if (tp + fn)
            snprintf(rec, sizeof rec, "%.2f", (double)tp / (tp + fn));
        printf("%-9s %4u %4u %4u %4u %6u %8u %9s %7s %6u\n",
               d == DET_NATIVE ? "invariant" : det_names[d], tp, fp, fn, tn, blind, kfp, prec,
               rec, na);
    }
    printf("(over %u run(s) of %zu cells; blind and n/a cells are counted apart, never as "
           "negatives; recall counts only cells the detector could see)\n", runs,
           ms[0].ncells);
}

static void det__score_blind(const struct det_matrix *m)
{
    printf("\nBlind spots:\n");
    for (int d = DET_TSAN; d < DET_NDET; d++) {
        const char *last = "";
        for (size_t i = 0; i < m->ncells; i++) {
            const struct det_cell *c = &m->cells[i];
            if (c->det[d].status != DET_ST_BLIND || strcmp(c->model, last) == 0)
                continue;
            last = c->model;
            printf("  %-8s on %-9s %s\n", det_names[d], c->model, c->det[d].reason);
        }
    }
}

/* How cell |i| differs between run 1 and a later run, into diff ("" when
 * it does not). */
static void det__score_diff(const struct det_matrix *ms, unsigned runs, size_t i, char *diff,
                            size_t len)
{
    const struct det_cell *c0 = &ms[0].cells[i];
    diff[0] = '\0';
    for (unsigned r = 1; r < runs && i < ms[r].ncells; r++) {
        const struct det_cell *c = &ms[r].cells[i];
        if (c->verdict != c0->verdict)
            snprintf(diff, len, "verdict %s in run 1, %s in run %u",
                     det_verdict_names[c0->verdict], det_verdict_names[c->verdict], r + 1);
        for (int d = 0; d < DET_NDET && diff[0] == '\0'; d++)
            if (c->det[d].status != c0->det[d].status)
                snprintf(diff, len, "%s %s in run 1, %s in run %u",
                         d == DET_NATIVE ? "invariant" : det_names[d],
                         det_status_text(c0->det[d].status), det_status_text(c->det[d].status),
                         r + 1);
    }
}

/* Cells whose verdict or detector states differ between runs; their count. */
static size_t det__score_flaky(const struct det_matrix *ms, unsigned runs)
{
    size_t flaky = 0;
    for (size_t i = 0; i < ms[0].ncells; i++) {
        const struct det_cell *c0 = &ms[0].cells[i];
        char diff[256];
        if (!c0->available)
            continue;
        det__score_diff(ms, runs, i, diff, sizeof diff);
        if (diff[0] == '\0')
            continue;
        if (flaky++ == 0)
            printf("\n");
        printf("FLAKY %s/%s/%s: %s\n", c0->lab->name, c0->model, c0->variant, diff);
    }
    if (flaky == 0)
        printf("\nNo flaky cells over %u run(s).\n", runs);
    return flaky;
}

/* The matrix --runs times, then per-detector precision and recall, the
 * blind spots and the FLAKY cells. */
static int det__score(struct det_cli *cli)
{
    unsigned runs = cli->runs;
    struct det_matrix *ms = calloc(runs, sizeof *ms);
    int rc = 0;
    for (unsigned r = 0; r < runs && rc == 0; r++) {
        rc = det_discover(&ms[r], "racelab");
        if (rc == 0)
            rc = det_select(&ms[r], cli->args, cli->nargs);
        if (rc == 0) {
            if (!cli->o.quiet && isatty(2))
                fprintf(stderr, "score: run %u of %u\n", r + 1, runs);
            rc = det_matrix_run(&ms[r], &cli->o);
        }
    }
    size_t problems = 0, flaky = 0;
    if (rc == 0) {
        det__score_table(ms, runs);
        det__score_blind(&ms[0]);
        flaky = det__score_flaky(ms, runs);
        for (unsigned r = 0; r < runs; r++)
            problems += det_problems(&ms[r]);
    }
    for (unsigned r = 0; r < runs; r++)
        det_matrix_free(&ms[r]);
    free(ms);
    return rc != 0 ? rc : problems || flaky ? 1 : 0;
}

static int det__cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The bench-* programs beside racelab (not -tsan twins), sorted, into
 * names; their count. */
static size_t det__benches(const char *dir, char names[][64], size_t cap)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL && n < cap;) {
        size_t len = strlen(e->d_name);
        char path[PATH_MAX + 64];
        if (strncmp(e->d_name, "bench-", 6) != 0 || len <= 6 || len >= 64 ||
            (len > 5 && strcmp(e->d_name + len - 5, "-tsan") == 0))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (access(path, X_OK) == 0)
            snprintf(names[n++], 64, "%s", e->d_name);
    }
    if (d != NULL)
        closedir(d);
    qsort(names, n, sizeof names[0], det__cmp_name);
    return n;
}

/* Runs |path| with argv[0..argc) after it; its exit status (128 + signal). */
static int det__run_bench(char *path, int argc, char **argv)
{
    char **args = det_xmalloc(sizeof *args * (size_t)(argc + 2));
    args[0] = path;
    for (int k = 0; k < argc; k++)
        args[k + 1] = argv[k];
    args[argc + 1] = NULL;
    struct util_spawn s = { .argv = args };   /* stdio inherited: the bench prints */
    fflush(NULL);
    int rc = util_spawn_run(&s);
    int code = rc != 0 ? 127 : s.end == UTIL_END_EXIT ? s.code : 128 + s.code;
    if (rc != 0)
        fprintf(stderr, "%s: bench: cannot run %s: %s\n", det_prog, path, strerror(rc));
    util_spawn_free(&s);
    free(args);
    return code;
}

/* racelab bench NAME ARGS: exec bench-NAME; racelab bench ARGS: each one. */
static int det__bench(int argc, char **argv)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        det_usage_error("bench: cannot find my own directory");
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash != NULL)
        *slash = '\0';
    static char names[32][64];
    size_t nb = det__benches(exe, names, 32);
    if (argc > 0 && argv[0][0] != '-') {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/bench-%s", exe, argv[0]);
        if (access(path, X_OK) != 0) {
            char known[512] = "";
            for (size_t i = 0; i < nb; i++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                         i ? ", " : "", names[i] + 6);
            det_usage_error("bench: no bench-%s beside racelab in %s (there are: %s)", argv[0],
                            exe, nb ? known : "none");
        }
        argv[0] = path;
        execv(path, argv);
        det_usage_error("bench: cannot run %s: %s", path, strerror(errno));
    }
    if (nb == 0)
        det_usage_error("bench: no bench-* programs beside racelab in %s", exe);
    int worst = 0;
    for (size_t i = 0; i < nb; i++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", exe, names[i]);
        int code = det__run_bench(path, argc, argv);
        worst = code > worst ? code : worst;
    }
    return worst;
}

static int det__dispatch(const struct det_cmd *cmd, struct det_cli *cli)
{
    det_signals_install();
    if (strcmp(cmd->name, "list") == 0)
        return det__list(cli);
    if (strcmp(cmd->name, "run") == 0)
        return det__run(cli, false, NULL);
    if (strcmp(cmd->name, "score") == 0)
        return det__score(cli);
    if (strcmp(cmd->name, "report") == 0)
        return det__run(cli, true, cli->nargs ? cli->args[0] : "results");
    if (strcmp(cmd->name, "doctor") == 0) {
        if (cli->nargs > 0)
            det_usage_error("doctor takes no arguments, not '%s'", cli->args[0]);
        return det_doctor();
    }
    cli->o.junit = cli->junit;
    if (cli->o.run_cmd != NULL && cli->nargs > 0)
        det_usage_error("check: --run takes the whole command; no PROGRAM after it ('%s')",
                        cli->args[0]);
    if (cli->o.run_cmd != NULL)
        return det_check_run(cli->o.run_cmd, &cli->o);
    if (cli->nargs == 0)
        det_usage_error("check needs a PROGRAM, a source file or --run 'COMMAND'");
    if (cli->o.until_race && cli->o.clean_runs)
        det_usage_error("check: --until-race and --clean-runs exclude each other");
    cli->o.junit = cli->junit;
    return det_check(cli->nargs, cli->args, &cli->o);
}

/* racelab [OPTIONS] COMMAND [OPTIONS and ARGS]: the options before the
 * command are parsed first, the command's after it, with the same table. */
int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct det_cli cli;
    struct util_opt opts[24];
    det__defaults(&cli);
    det__options(&cli, opts);
    /* Static: det_usage_error exits from below main, and the array stays
     * reachable (LeakSanitizer counts only what nothing points to). */
    static char **pos;
    pos = det_xmalloc(sizeof *pos * (size_t)(argc + 1));
    char err[512], epilog[4096];
    int npos = 0;
    det__epilog(epilog, sizeof epilog);
    struct util_cmdline top = { .prog = det_prog, .usage = "COMMAND [OPTIONS]",
                                .summary = det__summary, .epilog = epilog, .opts = opts,
                                .max_positional = -1, .stop_at_positional = true };
    int rc = util_opt_parse(&top, argc, argv, pos, &npos, err, sizeof err);
    if (rc == UTIL_OPT_ERROR)
        return util_opt_fail(det_prog, err);
    if (cli.version) {
        printf("racelab %s\n", RACELAB_VERSION);
        return 0;
    }
    if (rc == UTIL_OPT_HELP || (npos > 0 && strcmp(pos[0], "help") == 0)) {
        if (rc != UTIL_OPT_HELP)
            util_opt_help(stdout, &top);
        return 0;
    }
    if (npos == 0)
        det_usage_error("which command? list, run, score, report, check, doctor or bench "
                        "(racelab --help)");
    const struct det_cmd *cmd = det__cmd(pos[0]);
    if (cmd == NULL)
        det_usage_error("unknown command '%s' (list, run, score, report, check, doctor, explore, exercise, "
                        "bench)", pos[0]);
    if (strcmp(cmd->name, "explore") == 0)
        return det_explore(npos, pos);
    if (strcmp(cmd->name, "exercise") == 0)
        return det_exercise(npos, pos);
    if (strcmp(cmd->name, "bench") == 0 && !(npos > 1 && (strcmp(pos[1], "--help") == 0 ||
                                                           strcmp(pos[1], "-h") == 0)))
        return det__bench(npos - 1, pos + 1);
    det__parse_cmd(cmd, opts, npos, pos, &cli);
    rc = det__dispatch(cmd, &cli);
    free(cli.args);
    free(pos);
    return det_interrupted() ? 130 : rc;
}
